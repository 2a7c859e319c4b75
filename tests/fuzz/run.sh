#!/usr/bin/env bash
# Run every libFuzzer target for SECONDS each (default 60), PS_FUZZ_JOBS at a
# time (default 2).  Usage: tests/fuzz/run.sh [SECONDS] [TARGET...] [-- LIBFUZZER-FLAGS...]
#
# Each target starts from its committed seed corpus (tests/fuzz/corpus/TARGET,
# read only), the test inputs that already live elsewhere in tests/ (seed_dirs
# below: the model, checkpoint and notebook files of the tests and of the hostile
# corpus, read where they are rather than copied here) and a working corpus kept in
# build-fuzz/corpus/TARGET (new inputs go there, so later runs start where
# earlier ones stopped).  A crash, leak,
# timeout (>10 s per input) or OOM (>2048 MB) stops that target, is saved as
# tests/fuzz/crashes/TARGET-crash-<sha1> (or leak-, timeout-, oom-), and makes
# this script exit non-zero.  Logs: build-fuzz/logs/TARGET.log.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
out=${PS_FUZZ_BUILD:-$root/build-fuzz}
seconds=60
if [ $# -gt 0 ] && [[ "$1" =~ ^[0-9]+$ ]]; then seconds=$1; shift; fi
targets=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do targets+=("$1"); shift; done
[ "${1:-}" = "--" ] && shift
extra=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  for t in "$here"/fuzz-*.c; do t=$(basename "${t%.c}"); targets+=("${t#fuzz-}"); done
fi
jobs=${PS_FUZZ_JOBS:-2}

"$here/build.sh" "$out" >/dev/null || { echo "fuzz: build failed" >&2; exit 1; }
mkdir -p "$here/crashes" "$out/logs"

# leaks are errors; UB already aborts (built with -fno-sanitize-recover)
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
export OPENBLAS_NUM_THREADS=1
export G_SLICE=always-malloc

# read-only seed directories of a target besides tests/fuzz/corpus/TARGET
seed_dirs () {
  case $1 in
    model-file) echo "$root/tests/corpus/models $root/tests/fixtures/models" ;;
    repr) echo "$root/tests/fixtures/models $root/tests/fixtures/layers" ;;
    safetensors) echo "$root/tests/corpus/safetensors $root/tests/fixtures/models" ;;
    zip|pickle) echo "$root/tests/corpus/torch $root/tests/fixtures/torchsave" ;;
    py) echo "$root/tests/fixtures/notebooks $root/tests/corpus/notebooks" ;;
  esac
}

run_one () {
  local t=$1 work="$out/corpus/$1" log="$out/logs/$1.log"
  local seeds
  read -r -a seeds <<<"$(seed_dirs "$t")"
  mkdir -p "$work"
  nice -n 10 "$out/fuzz-$t" \
    -max_total_time="$seconds" -max_len=65536 -timeout=10 -rss_limit_mb=2048 \
    -dict="$here/$t.dict" -artifact_prefix="$here/crashes/$t-" -print_final_stats=1 \
    "${extra[@]}" "$work" "$here/corpus/$t" "${seeds[@]}" >"$log" 2>&1
  local rc=$?
  local execs speed cov ft
  execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
  # (-fork mode prints no final stats: take its last status line "#N: cov: ...")
  [ -n "$execs" ] || execs=$(grep -o '^#[0-9]*' "$log" | tail -1 | tr -d '#')
  speed=$([ -n "$execs" ] && echo $((execs / (seconds > 0 ? seconds : 1))))
  cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  ft=$(grep -o 'ft: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
  # one line per target in meson's testlog.json format, counted by .ci/run
  printf '{"name": "fuzz-%s", "result": "%s", "duration": %s, "stdout": ""}\n' "$t" \
    "$([ $rc -eq 0 ] && echo OK || echo FAIL)" "$seconds" >"$out/logs/$t.testlog.json"
  if [ $rc -eq 0 ]; then
    printf 'fuzz %-14s ok    %ss: %s execs (%s/s), cov: %s ft: %s\n' "$t" "$seconds" \
      "${execs:-?}" "${speed:-?}" "${cov:-?}" "${ft:-?}"
  else
    printf 'fuzz %-14s FAIL  (exit %d) after %s execs; see %s\n' "$t" $rc "${execs:-?}" "$log"
    grep -E '^==[0-9]+==ERROR|SUMMARY|runtime error|Test unit written' "$log" | head -5 | sed 's/^/    /'
  fi
  return $rc
}

rm -f "$out"/logs/*.testlog.json "$out/testlog.json"
status=0
pids=()
names=()
for t in "${targets[@]}"; do
  if [ ! -x "$out/fuzz-$t" ]; then echo "fuzz: no target $t" >&2; status=1; continue; fi
  run_one "$t" &
  pids+=($!); names+=("$t")
  if [ ${#pids[@]} -ge "$jobs" ]; then
    wait "${pids[0]}" || status=1
    pids=("${pids[@]:1}"); names=("${names[@]:1}")
  fi
done
for p in "${pids[@]}"; do wait "$p" || status=1; done
cat "$out"/logs/*.testlog.json >"$out/testlog.json" 2>/dev/null
exit $status
