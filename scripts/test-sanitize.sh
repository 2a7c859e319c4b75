#!/usr/bin/env bash
# Build ParamScope with AddressSanitizer + UndefinedBehaviorSanitizer (GCC) in
# ./build-asan and run the core suite (core + paramscope-cli) under them, then
# the ui suite (the window, its widgets and document, the real binary) under
# Xvfb, as scripts/test.sh runs it.
# Any invalid access, leak or undefined behaviour fails the test that hit it.
# Extra arguments go to both `meson test` runs (e.g. a test name).
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

if [ ! -f build-asan/build.ninja ]; then
  meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
fi
ninja -C build-asan

# halt on the first UB report, with its stack; leaks are errors (LeakSanitizer)
export UBSAN_OPTIONS=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1
export LSAN_OPTIONS=suppressions=$root/tests/lsan.supp:print_suppressions=0
# GLib's slice allocator hides frees from the leak checker
export G_SLICE=always-malloc
# a leak's stack stops at the first frame in a library: ASan's fast unwinder
# follows frame pointers, which Debian's libraries are built without.
# PS_SANITIZE_FULL_STACKS=1 records whole stacks instead (many times slower).
if [ "${PS_SANITIZE_FULL_STACKS:-}" = 1 ]; then
  ASAN_OPTIONS=$ASAN_OPTIONS:fast_unwind_on_malloc=0
fi
status=0
# torchvision's initializations draw and hash billions of numbers: under the
# sanitizers, only its 38 models of up to 12 million parameters (ResNet-18,
# DenseNet-121, MobileNet, EfficientNet, RegNet, ShuffleNet, SqueezeNet, RAFT,
# a video ResNet, SSDlite, two segmentation models); the release run compares
# the others (tests/core/test-layers.c)
PS_TEST_TV_INIT_MAX=${PS_TEST_TV_INIT_MAX:-12000000} \
  meson test -C build-asan --suite core --print-errorlogs --timeout-multiplier 4 "$@" || status=1

# The ui suite, with its own suppressions (tests/lsan-ui.supp, each justified),
# and without GL: the tests draw with cairo (GSK_RENDERER in tests/meson.build),
# so GL would only serve GDK's probe at display open, whose Mesa allocations
# are kept until exit.  One test at a time: when two GTK programs share the X
# server, one taking the PRIMARY selection makes the other start reading it,
# and GDK leaves that read (its X11 selection input stream) in flight at exit.
# Its log is meson-logs/testlog-ui.json (.ci/run counts it).
LSAN_OPTIONS=suppressions=$root/tests/lsan-ui.supp:print_suppressions=0 GDK_DEBUG=gl-disable \
  xvfb-run -a -s "-screen 0 1400x900x24" \
  meson test -C build-asan --suite ui --logbase testlog-ui --print-errorlogs \
  --num-processes 1 --timeout-multiplier 4 "$@" || status=1
exit $status
