#!/usr/bin/env bash
# Install the Debian 12 packages ParamScope needs to build and test (as root).
# Idempotent: packages already present are left alone.
set -euo pipefail

packages=(
  gcc pkg-config meson ninja-build python3
  libglib2.0-dev libjson-glib-dev libopenblas-dev libcairo2-dev
  libgtk-4-dev gettext desktop-file-utils appstream
  xvfb xauth xdotool imagemagick
  # the random-input test (scripts/monkey.sh): AT-SPI finds the widgets
  dbus dbus-bin at-spi2-core gir1.2-atspi-2.0 python3-gi openbox
  # hardening (.ci/run): the libFuzzer targets need clang and its sanitizer runtimes
  # (only recommended by clang); GCC's ASan/UBSan come with gcc
  clang libclang-rt-14-dev
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-deps: these packages are missing: ${missing[*]}" >&2
  echo "install-deps: run this script as root (or: sudo $0)" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"
