#!/usr/bin/env bash
# Install what is needed, build, and open ParamScope on the lesson's network:
# net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1)).
# Run from the build tree, it finds the build's translations:
#   LANG=zh_CN.UTF-8 ./scripts/run.sh
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh      # the packages, and the zh_CN.UTF-8 locale
./scripts/build.sh
model=data/models/mlp.py
if [ -n "${DISPLAY:-}${WAYLAND_DISPLAY:-}" ]; then
  exec build/app/paramscope "$model" "$@"
fi
# No display: what the window shows, as text.
echo "(no display: the network as text; with a display, paramscope opens the window)"
cli=build/app/paramscope-cli
echo "== print(net)"
"$cli" print "$model"
echo
echo "== net.state_dict() keys"
"$cli" names --state-dict "$model"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$cli" init "$model" --seed 0 -o "$tmp/w.safetensors"
echo
echo "== the weights PyTorch's default initialization gives under torch.manual_seed(0)"
"$cli" inspect "$tmp/w.safetensors"
