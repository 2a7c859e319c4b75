#!/usr/bin/env bash
# Random user input against the real ParamScope window, seeded and replayable.
#
#   scripts/monkey.sh [--seed S] [--minutes M] [--model FILE] [--replay LOG] [--release]
#                     [--dialogs]
#
# Builds (or reuses) the ASan+UBSan build in build-asan, starts `paramscope` under Xvfb
# with a session bus for AT-SPI, and drives it with xdotool for M minutes (default 2):
# clicks on widgets found through AT-SPI and on random points, drags and scrolls on the
# heatmaps and charts, every accelerator, Tab/Escape/Return/arrows, hostile strings typed
# into whatever has focus, dialogs opened and cancelled, resizes down to 640x480,
# undo/redo storms, training started and stopped (scripts/monkey.py has the details).
#
# Every action is logged, one line each, before it is done; --replay LOG repeats the
# same sequence.  Fails (exit 1) on the process dying, a sanitizer report, a GLib/GTK
# CRITICAL or WARNING on stderr (but a short allow-list of messages from the test
# environment, in scripts/monkey.py), or a main loop that does not run for 2 s; then
# prints the seed, the log's path and the first error line.
#
# Options:
#   --seed S       the seed of the random sequence (default: a new random one, printed)
#   --minutes M    how long to run (default 2; a soak: --minutes 60)
#   --model FILE   the model to open (default: one of data/models/, chosen by the seed)
#   --replay LOG   repeat the actions of LOG (actions.log of an earlier run)
#   --release      drive the release build (build/) instead of the ASan one
#   --dialogs      mostly open and cancel dialogs (six of ten actions): the file
#                  choosers, Paste a Model, Preferences, About, Keyboard Shortcuts
#   --help         this text
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

seed= minutes=2 model= replay= release=0 dialogs=0
while [ $# -gt 0 ]; do
  case $1 in
    --seed) seed=$2; shift 2 ;;
    --minutes) minutes=$2; shift 2 ;;
    --model) model=$2; shift 2 ;;
    --replay) replay=$2; shift 2 ;;
    --release) release=1; shift ;;
    --dialogs) dialogs=1; shift ;;
    -h|--help) sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; exit 0 ;;
    *) echo "monkey.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done

./scripts/install-deps.sh
if [ "$release" = 1 ]; then
  [ -f build/build.ninja ] || meson setup build
  ninja -C build >/dev/null
  app=$root/build/app/paramscope
else
  [ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
  ninja -C build-asan >/dev/null
  app=$root/build-asan/app/paramscope
fi

if [ -z "$seed" ] && [ -z "$replay" ]; then
  seed=$(od -An -N4 -tu4 /dev/urandom | tr -d ' ')
fi
if [ -z "$model" ] && [ -z "$replay" ]; then
  models=("$root"/data/models/*.py)
  model=${models[$((seed % ${#models[@]}))]}
fi
[ -z "$model" ] || model=$(realpath "$model")
[ -z "$replay" ] || replay=$(realpath "$replay")

rundir=$(mktemp -d /tmp/paramscope-monkey.XXXXXX)
echo "monkey: seed ${seed:-(replay)}, ${minutes} min, model ${model:-(from the log)}, run folder $rundir"

# the sanitizers stop at the first report; leaks are the sanitizer suite's job
# (scripts/test-sanitize.sh): the app is stopped with SIGTERM here, not quit
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export G_SLICE=always-malloc
args=(--app "$app" --rundir "$rundir" --minutes "$minutes")
[ -z "$seed" ] || args+=(--seed "$seed")
[ -z "$model" ] || args+=(--model "$model")
[ -z "$replay" ] || args+=(--replay "$replay")
[ "$dialogs" = 0 ] || args+=(--dialogs)

xvfb-run -a -s "-screen 0 1400x900x24" \
  dbus-run-session -- /usr/bin/python3 "$root/scripts/monkey.py" "${args[@]}" 2> >(grep -v '^dbus-daemon\|^SpiRegistry' >&2)
