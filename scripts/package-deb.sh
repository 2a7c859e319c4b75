#!/usr/bin/env bash
# Build a Debian package of ParamScope (no network): configure a build for
# /usr in ./build-deb, install it into a staging tree, and pack that with
# dpkg-deb, with the library dependencies dpkg-shlibdeps finds.  Then check
# the package: its fields and files, and paramscope-cli run from the
# package's extracted tree.
#
#   scripts/package-deb.sh [OUTPUT_DIR]      # default: ./dist
#   sudo apt install ./dist/paramscope_0.1.0-1_amd64.deb
#
# Needs the build dependencies (scripts/install-deps.sh) and dpkg-dev.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
out=$(realpath -m "${1:-dist}")
build=$root/build-deb
maintainer=${PARAMSCOPE_MAINTAINER:-"The ParamScope developers <paramscope@invalid>"}

if [ ! -f "$build/build.ninja" ]; then
  meson setup "$build" --prefix=/usr --buildtype=debugoptimized >/dev/null
fi
ninja -C "$build" >/dev/null

version=$(meson introspect "$build" --projectinfo \
          | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')-1
arch=$(dpkg --print-architecture)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
stage=$work/paramscope

meson install -C "$build" --destdir "$stage" --strip --no-rebuild --quiet
install -d "$stage/usr/share/doc/paramscope"
cat > "$stage/usr/share/doc/paramscope/copyright" <<COPYRIGHT
Format: https://www.debian.org/doc/packaging-manuals/copyright-format/1.0/
Upstream-Name: ParamScope

Files: *
Copyright: The ParamScope developers
License: GPL-3.0-or-later
 On Debian systems, the full text of the GNU General Public License
 version 3 can be found in /usr/share/common-licenses/GPL-3.
COPYRIGHT

# shared-library dependencies, as a Debian source package would compute them
mkdir -p "$work/shlibs/debian"
printf 'Source: paramscope\n\nPackage: paramscope\nArchitecture: any\n' > "$work/shlibs/debian/control"
depends=$(cd "$work/shlibs" \
          && dpkg-shlibdeps -O "$stage/usr/bin/paramscope" "$stage/usr/bin/paramscope-cli" 2>/dev/null \
          | sed -n 's/^shlibs:Depends=//p')

mkdir -p "$stage/DEBIAN"
cat > "$stage/DEBIAN/control" <<CONTROL
Package: paramscope
Version: $version
Architecture: $arch
Maintainer: $maintainer
Installed-Size: $(du -sk --exclude=DEBIAN "$stage" | cut -f1)
Depends: $depends
Recommends: fonts-wqy-microhei | fonts-noto-cjk
Section: science
Priority: optional
Description: see and touch a neural network's parameters
 ParamScope makes a neural network's parameters visible and touchable,
 following the "parameter management" lesson of Dive into Deep Learning:
 the tree of nested blocks, every weight and its gradient as heatmaps,
 initializers, tied layers, live training charts, any .safetensors
 checkpoint.  A GTK 4 window (paramscope) and a command-line tool
 (paramscope-cli) that prints exactly what PyTorch prints.
CONTROL

mkdir -p "$out"
deb=$out/paramscope_${version}_${arch}.deb
dpkg-deb --root-owner-group -Zxz --build "$stage" "$deb" >/dev/null
echo "package: $deb"
dpkg-deb --field "$deb" Package Version Architecture Depends

# the package's own tree runs: its programs find their files under it
check=$work/extracted
dpkg-deb -x "$deb" "$check"
for f in usr/bin/paramscope usr/bin/paramscope-cli \
         usr/share/applications/org.paramscope.ParamScope.desktop \
         usr/share/metainfo/org.paramscope.ParamScope.metainfo.xml \
         usr/share/icons/hicolor/scalable/apps/org.paramscope.ParamScope.svg \
         usr/share/locale/zh_CN/LC_MESSAGES/paramscope.mo \
         usr/share/paramscope/models/mlp.py; do
  [ -e "$check/$f" ] || { echo "package-deb: $f is missing from the package" >&2; exit 1; }
done
"$check/usr/bin/paramscope-cli" print "$check/usr/share/paramscope/models/mlp.py" > "$work/print.txt"
if ! cmp -s "$work/print.txt" tests/fixtures/models/mlp.print.txt; then
  echo "package-deb: the packaged paramscope-cli does not print mlp.py as PyTorch does" >&2
  cat "$work/print.txt" >&2
  exit 1
fi
echo "checked: the packaged paramscope-cli prints the packaged mlp.py as PyTorch does"
