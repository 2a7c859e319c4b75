#!/usr/bin/env bash
# Benchmark: a synthetic LLM-like checkpoint of SIZE GiB (default 4) opened in
# the checkpoint window (paramscope-bench checkpoint), which prints each figure
# with its goal.  The file is generated in a temporary directory, removed on
# exit.  Three runs:
#   warm  its pages in the page cache (it was just written), cairo renderer
#   cold  its pages dropped from the page cache first: the heatmaps read the disk
#   gl    warm, GTK's default GL renderer: under Xvfb that is llvmpipe, software
#         GL on the CPU, so every frame costs far more than on a real GPU
# Uses the X display if there is one, else xvfb-run.
#
#   checkpoint-bench.sh GEN-CHECKPOINT PARAMSCOPE-BENCH [SIZE-GIB]
set -euo pipefail
gen=$1
bench=$2
size=${3:-4}
dir=$(mktemp -d "${TMPDIR:-/tmp}/paramscope-ckbench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
file=$dir/synthetic-llm.safetensors

"$gen" "$file" --size-gib "$size"
export GTK_A11Y=none GSETTINGS_BACKEND=memory
run () {
  if [ -n "${DISPLAY:-}" ]; then
    env "$@" "$bench" checkpoint "$file"
  else
    env "$@" xvfb-run -a -s "-screen 0 1400x900x24" "$bench" checkpoint "$file"
  fi
}
load () {
  echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
}
failed=0
echo "== warm, cairo renderer ($(load))"
run GSK_RENDERER=cairo | tee "$dir/out" || failed=1
echo "== cold: the file's pages dropped from the page cache first, cairo renderer ($(load))"
sync "$file"
dd if="$file" iflag=nocache count=0 status=none     # posix_fadvise(DONTNEED), this file only
if command -v fincore >/dev/null; then
  echo "in the page cache now: $(fincore --noheadings --output RES "$file" | tr -d ' ') of $(du -h "$file" | cut -f1)"
fi
run GSK_RENDERER=cairo | tee -a "$dir/out" || failed=1
echo "== warm, GL renderer (llvmpipe under Xvfb) ($(load))"
run GSK_RENDERER=gl | tee -a "$dir/out" || failed=1
if grep -q '^FAILED' "$dir/out"; then
  failed=1
fi
exit $failed
