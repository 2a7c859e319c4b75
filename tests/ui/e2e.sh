#!/usr/bin/env bash
# End to end: the real paramscope binary driven as a user would (xdotool), under
# the X server the test suite runs in (scripts/test.sh uses Xvfb).  Opens the
# lesson's tied network, presses Backward (F6, which runs Forward first) and
# checks that the gradient view fills with the colormap.  Screenshots are kept
# in the working directory: e2e-before.png, e2e-after.png.
set -euo pipefail
app=$1
model=$2
if [ -z "${DISPLAY:-}" ] || ! command -v xdotool >/dev/null || ! command -v import >/dev/null; then
  echo "1..0 # SKIP needs an X display, xdotool and imagemagick"
  exit 0
fi
echo "1..3"
GTK_A11Y=none "$app" "$model" &
pid=$!
trap 'kill $pid 2>/dev/null || true' EXIT

# the window appears with the network's file name in its title
if wid=$(timeout 20 xdotool search --sync --name "ParamScope — $(basename "$model")" | head -1); then
  echo "ok 1 window titled with the model"
else
  echo "not ok 1 no window titled ParamScope — $(basename "$model")"
  exit 1
fi
geometry=$(xdotool getwindowgeometry "$wid")
sleep 1

# how colourful the gradient view's area is (the right half of the centre):
# mean HCL chroma in percent; the placeholder text is grey, the map is not
colours () {
  import -window root "$1"
  convert "$1" -crop 230x420+720+110 +repage -colorspace HCL -channel G -separate \
    -format "%[fx:int(100*mean)]" info:
}
before=$(colours e2e-before.png)

xdotool mousemove --sync 700 300 click 1 >/dev/null 2>&1 || true   # focus the window
xdotool key F6
after=0
for _ in $(seq 1 40); do
  sleep 0.25
  after=$(colours e2e-after.png)
  [ "$after" -ge 5 ] && break
done
if [ "$before" -lt 2 ]; then
  echo "ok 2 before Backward the gradient view is grey (chroma $before%)"
else
  echo "not ok 2 before Backward the gradient view is already coloured (chroma $before%)"
fi
if [ "$after" -ge 5 ]; then
  echo "ok 3 after F6 the gradient view shows the colormap (chroma $after%)"
else
  echo "not ok 3 after F6 the gradient view stays grey (chroma $after%, $geometry)"
  exit 1
fi
