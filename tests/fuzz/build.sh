#!/usr/bin/env bash
# Build the libFuzzer targets with clang into build-fuzz/ (or $1):
# the core with -fsanitize=fuzzer-no-link,address,undefined, each target with
# -fsanitize=fuzzer,address,undefined.  UB aborts (no recovery).
# Needs clang and its runtime (Debian: clang, libclang-rt-14-dev; see scripts/install-deps.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
out=${1:-$root/build-fuzz}
CC=${CC:-clang}
if ! command -v "$CC" >/dev/null; then
  echo "fuzz/build.sh: $CC not found (install clang and libclang-rt-14-dev)" >&2
  exit 1
fi
mkdir -p "$out/obj"

pkgs="glib-2.0 gio-2.0 json-glib-1.0 openblas"
cflags=(-std=c11 -g -O1 -fno-omit-frame-pointer -ffp-contract=off
        -D_GNU_SOURCE '-DG_LOG_DOMAIN="ParamScope"' '-DPS_TENSOR_MAX_NUMEL=(G_GINT64_CONSTANT (1) << 25)'
        -DMAX_MODULES=20000 -DMAX_LOOP_ITERS=100000 -DMAX_STATEMENTS=200000 -DMAX_EVALS=200000 -DGLIB_VERSION_MIN_REQUIRED=GLIB_VERSION_2_74
        -Wno-unused-parameter -Wno-missing-field-initializers
        -I"$root/core" -I"$root/core/py" $(pkg-config --cflags $pkgs))
san=(-fsanitize=address,undefined -fno-sanitize-recover=undefined)
libs=($(pkg-config --libs $pkgs) -lm)

# The core: recompile a file when it or any core header is newer than its object.
newest_header=$(ls -t "$root"/core/*.h "$root"/core/py/*.h | head -1)
pids=()
for src in "$root"/core/*.c "$root"/core/py/*.c; do
  obj="$out/obj/$(basename "${src%.c}").o"
  if [ ! -f "$obj" ] || [ "$src" -nt "$obj" ] || [ "$newest_header" -nt "$obj" ] \
     || [ "$0" -nt "$obj" ]; then
    "$CC" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer-no-link -c "$src" -o "$obj" &
    pids+=($!)
    # at most 2 compilers at a time
    if [ ${#pids[@]} -ge 2 ]; then wait "${pids[0]}"; pids=("${pids[@]:1}"); fi
  fi
done
for p in "${pids[@]}"; do wait "$p"; done
rm -f "$out/libcore-fuzz.a"
ar rcs "$out/libcore-fuzz.a" "$out"/obj/*.o

for t in "$root"/tests/fuzz/fuzz-*.c; do
  name=$(basename "${t%.c}")
  "$CC" "${cflags[@]}" "${san[@]}" -fsanitize=fuzzer "$t" "$out/libcore-fuzz.a" "${libs[@]}" \
    -o "$out/$name"
  echo "built $out/$name"
done
