#!/usr/bin/env bash
# Install what is needed, build, and run every test (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
meson test -C build --print-errorlogs "$@"
