#!/usr/bin/env bash
# Install what is needed, build, and run every test (the README's test command).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/install-deps.sh
./scripts/build.sh
# the ui suite needs a display: a virtual one (Xvfb)
xvfb-run -a -s "-screen 0 1920x1200x24" meson test -C build --print-errorlogs "$@"
