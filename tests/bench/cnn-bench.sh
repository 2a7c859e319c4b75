#!/bin/bash
# A CNN training step, ParamScope's and PyTorch's, measured in the same run:
#   cnn-bench.sh PARAMSCOPE-BENCH MODEL.repr.txt MODEL.py INPUT.safetensors SHAPE BATCH
# ParamScope reads the model as print(net) text, PyTorch runs MODEL.py (or a
# torchvision:NAME); both step forward, cross-entropy on class indices,
# backward and SGD.  ParamScope with 1 and 2 OpenBLAS threads, PyTorch with
# 1 and 2 threads; each prints its best.
set -euo pipefail
bench="$1" repr="$2" py="$3" input="$4" shape="$5" batch="$6"
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
for th in 1 2; do
  echo "== ParamScope, OPENBLAS_NUM_THREADS=$th"
  OPENBLAS_NUM_THREADS=$th "$bench" step "$repr" --batch "$batch" --input "$input" --steps 20
done
echo "== PyTorch"
if [ -x /usr/bin/python3 ] && /usr/bin/python3 -c "import torch" 2>/dev/null; then
  /usr/bin/python3 "$here/torch-step.py" "$py" --batch "$batch" --shape "$shape" --steps 20
else
  echo "pytorch     (python3-torch is not installed: not measured)"
fi
