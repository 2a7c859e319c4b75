#!/usr/bin/env bash
# Build ParamScope with ThreadSanitizer in ./build-tsan and run what has
# threads: the trainer (worker thread, snapshot frames, pause/resume while
# the caller reads), the training log (one writer, many readers), and the
# window's training hand-off under Xvfb.  Any data race fails the test.
# Extra arguments go to `meson test`.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ ! -f build-tsan/build.ninja ]; then
  meson setup build-tsan -Db_sanitize=thread -Db_lundef=false >/dev/null
fi
ninja -C build-tsan tests/test-trainer tests/test-train-log tests/test-train >/dev/null

# OpenBLAS's own threads are not instrumented: one thread (the small test
# networks do not reach BLAS anyway).  GLib's slice allocator off.
export OPENBLAS_NUM_THREADS=1 G_SLICE=always-malloc
opts="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1"
run=(meson test -C build-tsan --no-rebuild --print-errorlogs --timeout-multiplier 6)
status=0
# the core: no suppression at all
TSAN_OPTIONS="$opts:suppressions=$(pwd)/tests/tsan.supp" "${run[@]}" trainer train-log "$@" || status=1
mv build-tsan/meson-logs/testlog.json build-tsan/meson-logs/testlog-core.json
# the window: GLib's own threads are out of sight (tests/tsan-ui.supp says why)
TSAN_OPTIONS="$opts:suppressions=$(pwd)/tests/tsan-ui.supp" \
  xvfb-run -a -s "-screen 0 1400x900x24" "${run[@]}" --suite ui train "$@" || status=1
# one log for .ci/run to count
cat build-tsan/meson-logs/testlog-core.json >> build-tsan/meson-logs/testlog.json
exit $status
