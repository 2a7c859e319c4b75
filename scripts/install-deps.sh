#!/usr/bin/env bash
# Install the Debian 12 packages ParamScope needs to build, test and package,
# and the zh_CN.UTF-8 locale its translation is for (as root).
# Idempotent: what is already there is left alone.
set -euo pipefail

packages=(
  gcc pkg-config meson ninja-build python3
  libglib2.0-dev libjson-glib-dev libopenblas-dev libcairo2-dev
  libgtk-4-dev gettext desktop-file-utils appstream
  xvfb xauth xdotool imagemagick
  # the Simplified Chinese window: its locale and a font with its characters
  locales fonts-wqy-microhei
  # scripts/package-deb.sh: dpkg-shlibdeps
  dpkg-dev
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
locale_missing=0
locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\?8' || locale_missing=1
if [ ${#missing[@]} -eq 0 ] && [ $locale_missing -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  [ ${#missing[@]} -eq 0 ] || echo "install-deps: these packages are missing: ${missing[*]}" >&2
  [ $locale_missing -eq 0 ] || echo "install-deps: the zh_CN.UTF-8 locale is missing" >&2
  echo "install-deps: run this script as root (or: sudo $0)" >&2
  exit 1
fi
if [ ${#missing[@]} -gt 0 ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -q
  apt-get install -y -q --no-install-recommends "${missing[@]}"
fi
if [ $locale_missing -eq 1 ]; then
  # Debian's way: enable it in /etc/locale.gen, then generate what is enabled
  sed -i -E 's/^# *(zh_CN\.UTF-8 UTF-8)/\1/' /etc/locale.gen
  grep -qx 'zh_CN.UTF-8 UTF-8' /etc/locale.gen || echo 'zh_CN.UTF-8 UTF-8' >> /etc/locale.gen
  locale-gen
fi
