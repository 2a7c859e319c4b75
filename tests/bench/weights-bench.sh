#!/usr/bin/env bash
# Benchmark: weights files opened headless (paramscope-bench weights), each
# figure printed with its goal:
#   - a LLaMA-70B-like sharded checkpoint, BF16, 30 sparse shards (~138 GB
#     apparent, no disk used): tree <= 1 s, RSS <= 200 MB;
#   - a 500 MB torch.save file (when /usr/bin/python3 has torch): tree
#     <= 0.2 s, RSS <= 100 MB; then one heatmap of the largest tensor.
# The files are generated in a temporary directory, removed on exit.
#
#   weights-bench.sh PARAMSCOPE-BENCH
set -euo pipefail
bench=$1
here=$(cd "$(dirname "$0")" && pwd)
dir=$(mktemp -d "${TMPDIR:-/tmp}/paramscope-wbench-XXXXXX")
trap 'rm -rf "$dir"' EXIT
failed=0
echo "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
/usr/bin/python3 "$here/gen-sharded.py" "$dir/llama70b"
"$bench" weights "$dir/llama70b/model.safetensors.index.json" --tree-goal 1 --rss-goal 200 || failed=1
if /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 - "$dir/big.pth" <<'PY'
import sys, torch
torch.manual_seed(0)
sd = {}
for i in range(24):                     # 24 x (2 x 2560 x 1024) float32 = 503 MB
    sd[f"layers.{i}.fc1.weight"] = torch.randn(2560, 1024)
    sd[f"layers.{i}.fc2.weight"] = torch.randn(1024, 2560)
    sd[f"layers.{i}.fc2.bias"] = torch.randn(1024)
torch.save({"model": sd, "step": 1000}, sys.argv[1])
PY
  "$bench" weights "$dir/big.pth" --tree-goal 0.2 --rss-goal 100 || failed=1
else
  echo "skipped the torch.save file: /usr/bin/python3 has no torch"
fi
exit $failed
