#!/bin/sh
# with-wm.sh PROGRAM [ARGS...]: run PROGRAM on an X server of its own (Xvfb) with a
# window manager (openbox), as users have one.  Some of GTK 4.8's pointer bookkeeping
# goes wrong only there: the file chooser's list menu opened from a right press
# (ps-window-menu.c) warns under openbox and not on a bare X server, where the rest
# of the suite runs.  The exit status is PROGRAM's.
set -eu
command -v openbox >/dev/null || { echo "1..0 # SKIP needs openbox"; exit 0; }
exec xvfb-run -a -s "-screen 0 1280x1024x24" sh -c '
  openbox --sm-disable >/dev/null 2>&1 &
  wm=$!
  sleep 1
  status=0
  "$@" || status=$?
  kill "$wm" 2>/dev/null || true
  exit "$status"' with-wm "$@"
