#!/usr/bin/env bash
# Build ParamScope with AddressSanitizer + UndefinedBehaviorSanitizer (GCC) in
# ./build-asan and run the core suite (core + paramscope-cli) under them.
# Any invalid access, leak or undefined behaviour fails the test that hit it.
# Extra arguments go to `meson test` (e.g. a test name).
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
meson test -C build-asan --suite core --print-errorlogs --timeout-multiplier 4 "$@"
