#!/usr/bin/env bash
# install: this build installed with `meson install --destdir` into a
# temporary directory, i.e. under a prefix it was not configured for, and
# the installed programs run from there.  They must find their own files
# (core/ps-paths.c: the prefix from the executable's place), not the build
# tree's nor the configured prefix's.  TAP on stdout.
#
#   test-install.sh MESON BUILD_DIR PREFIX BINDIR DATADIR LOCALEDIR FIXTURES
set -uo pipefail
meson=$1 build=$2 prefix=$3 bindir=$4 datadir=$5 localedir=$6 fixtures=$7

tmp=$(mktemp -d)
pid=
cleanup () {
  [ -n "$pid" ] && kill "$pid" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# a configured directory under the prefix (or absolute outside it)
under () { case $1 in /*) echo "$1" ;; *) echo "$prefix/$1" ;; esac; }
root=$tmp/root
bin=$root$(under "$bindir")
share=$root$(under "$datadir")
locale=$root$(under "$localedir")

n=0
ok () { n=$((n + 1)); echo "ok $n $1"; }
fail () { n=$((n + 1)); echo "not ok $n $1"; status=1; }
# the command's own output goes to stderr: stdout is TAP
check () { local what=$1; shift; if "$@" >&2; then ok "$what"; else fail "$what"; fi; }
status=0

echo "1..12"
if ! "$meson" install -C "$build" --destdir "$root" --no-rebuild --quiet >"$tmp/install.log" 2>&1; then
  sed 's/^/# /' "$tmp/install.log"
  echo "Bail out! meson install failed"
  exit 1
fi

# 1-2: every file in its place, nothing of the build tree's
files=(
  "$bin/paramscope" "$bin/paramscope-cli"
  "$share/applications/org.paramscope.ParamScope.desktop"
  "$share/metainfo/org.paramscope.ParamScope.metainfo.xml"
  "$share/icons/hicolor/scalable/apps/org.paramscope.ParamScope.svg"
  "$share/icons/hicolor/symbolic/apps/org.paramscope.ParamScope-symbolic.svg"
  "$share/paramscope/models/mlp.py" "$share/paramscope/models/rgnet.py"
  "$locale/zh_CN/LC_MESSAGES/paramscope.mo"
)
missing=()
for f in "${files[@]}"; do [ -f "$f" ] || missing+=("${f#$root}"); done
check "installed: programs, desktop file, metainfo, icons, example models, zh_CN catalogue${missing[*]:+ (missing: ${missing[*]})}" \
  test ${#missing[@]} -eq 0
check "no paramscope-uninstalled.ini is installed" \
  test -z "$(find "$root" -name paramscope-uninstalled.ini)"

# 3: the installed CLI prints an installed example as PyTorch does
if "$bin/paramscope-cli" print "$share/paramscope/models/mlp.py" >"$tmp/print.txt" 2>"$tmp/err.txt" \
   && cmp -s "$tmp/print.txt" "$fixtures/models/mlp.print.txt"; then
  ok "installed paramscope-cli print on the installed mlp.py gives PyTorch's print(net)"
else
  sed 's/^/# /' "$tmp/print.txt" "$tmp/err.txt"
  fail "installed paramscope-cli print on the installed mlp.py gives PyTorch's print(net)"
fi

# 4-5: the installed window's catalogue is the installed one: in zh_CN its
# --help summary is Chinese, and without the installed .mo it is English
zh=(env -u LC_ALL -u LC_MESSAGES -u LANGUAGE LANG=zh_CN.UTF-8)
if ! locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8'; then
  echo "# no zh_CN.UTF-8 locale (scripts/install-deps.sh makes it): LC_ALL=C.UTF-8 LANGUAGE=zh_CN"
  zh=(env LC_ALL=C.UTF-8 LANGUAGE=zh_CN)
fi
"${zh[@]}" "$bin/paramscope" --help >"$tmp/help.txt" 2>&1
check "installed paramscope --help in zh_CN: the summary is translated" \
  grep -q "查看并动手修改神经网络的参数" "$tmp/help.txt"
mv "$locale" "$tmp/locale-away"
"${zh[@]}" "$bin/paramscope" --help >"$tmp/help-en.txt" 2>&1
mv "$tmp/locale-away" "$locale"
check "without the installed catalogue the summary is English (the installed one was used)" \
  grep -q "See and touch a neural network's parameters" "$tmp/help-en.txt"

# 6-9: the desktop file and metainfo validate, and name what is installed
desktop=$share/applications/org.paramscope.ParamScope.desktop
metainfo=$share/metainfo/org.paramscope.ParamScope.metainfo.xml
if command -v desktop-file-validate >/dev/null; then
  check "installed desktop file validates" desktop-file-validate "$desktop"
else
  ok "# SKIP desktop-file-validate is not installed"
fi
if command -v appstreamcli >/dev/null; then
  check "installed metainfo validates" appstreamcli validate --no-net --pedantic "$metainfo"
else
  ok "# SKIP appstreamcli is not installed"
fi
exec_name=$(sed -n 's/^Exec=\([^ ]*\).*/\1/p' "$desktop")
icon_name=$(sed -n 's/^Icon=//p' "$desktop")
check "the desktop file runs an installed program ($exec_name)" test -x "$bin/$exec_name"
check "the desktop file's icon is installed ($icon_name)" \
  test -f "$share/icons/hicolor/scalable/apps/$icon_name.svg"
# 10: the translated desktop file
check "the desktop file has its zh_CN name" grep -q '^Comment\[zh_CN\]=' "$desktop"

# 11-12: with a display, the installed window opens on its first example
if [ -n "${DISPLAY:-}" ] && command -v xdotool >/dev/null; then
  GTK_A11Y=none GSK_RENDERER=cairo "$bin/paramscope" >"$tmp/gui.log" 2>&1 &
  pid=$!
  if timeout 20 xdotool search --sync --name "ParamScope — mlp.py" >/dev/null 2>&1; then
    ok "the installed paramscope opens its window"
  else
    sed 's/^/# /' "$tmp/gui.log"
    fail "the installed paramscope opens its window"
  fi
  kill "$pid" 2>/dev/null
  wait "$pid" 2>/dev/null
  pid=
  check "and writes no warning" test ! -s "$tmp/gui.log"
else
  ok "# SKIP no X display"
  ok "# SKIP no X display"
fi
exit $status
