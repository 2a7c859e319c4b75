#!/usr/bin/python3
"""A right drag in the file list of the window's own file chooser, under a window
manager: GTK 4.8's file chooser opens its list menu (Copy Location, Show Hidden
Files, ...) from the secondary *press*; the pointer moving over that menu before the
release made GTK count down widgets of the menu it never counted up ("Broken
accounting of active state for widget (GtkModelButton)", ..., "(GtkPopoverMenu)":
monkey seed 1201, a right drag in Save Weights' list).  ps-window-menu.c opens the
menu on the release instead.  The window must print no GLib/GTK warning, stay alive,
and close the menu and the chooser with Escape.

Usage: file-chooser-menu.py PARAMSCOPE MODEL   (under an X server with a window
manager: tests/ui/with-wm.sh).  TAP output.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

if not os.environ.get("DISPLAY") or not shutil.which("xdotool"):
    print("1..0 # SKIP needs an X display and xdotool")
    sys.exit(0)

app_bin, model = sys.argv[1], os.path.abspath(sys.argv[2])
tmp = tempfile.mkdtemp(prefix="ps-file-chooser-menu-")
work = os.path.join(tmp, "work")
os.makedirs(work)
for i in range(3):
    with open(os.path.join(work, f"weights-{i}.safetensors"), "w") as f:
        f.write("{}")
env = dict(os.environ, GSETTINGS_BACKEND="memory", HOME=tmp, XDG_CONFIG_HOME=tmp,
           XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp, GTK_A11Y="none")
err_path = os.path.join(tmp, "app.stderr")
proc = subprocess.Popen([app_bin, model], env=env, stdout=subprocess.DEVNULL,
                        stderr=open(err_path, "w"), cwd=work)
WARN = re.compile(r"-(WARNING|CRITICAL) \*\*")
n = 0


def xdo(*args):
    return subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True,
                          timeout=30).stdout


def find(name, timeout=30):
    t0 = time.time()
    while time.time() - t0 < timeout:
        out = xdo("search", "--onlyvisible", "--pid", proc.pid, "--name", name).split()
        if out:
            return out[-1]
        time.sleep(0.2)
    return None


def geometry(wid):
    g = dict(re.findall(r"(\w+)=(-?\d+)", xdo("getwindowgeometry", "--shell", wid)))
    return int(g["X"]), int(g["Y"]), int(g["WIDTH"]), int(g["HEIGHT"])


def check(ok, what):
    global n
    n += 1
    errors = [l for l in open(err_path, errors="replace") if WARN.search(l)]
    alive = proc.poll() is None
    good = ok and alive and not errors
    print(f"{'ok' if good else 'not ok'} {n} - {what}", flush=True)
    if not good:
        print(f"# alive: {alive}; first warning: {errors[0].strip() if errors else '-'}")
    return good


print("1..3", flush=True)
try:
    main = find("ParamScope", 120)
    if main:
        xdo("windowsize", main, 1000, 700)
        xdo("windowmove", main, 0, 0)
        time.sleep(1.0)
        xdo("windowactivate", "--sync", main)
        xdo("key", "--clearmodifiers", "ctrl+s")
    dialog = find("Save Weights") if main else None
    check(dialog is not None, "Save Weights opens")
    if dialog:
        time.sleep(1.0)
        # the chooser has the focus (its X window; a search by name can find
        # another X window of the same toplevel)
        x, y, w, h = geometry(xdo("getactivewindow").strip())
        print(f"# Save Weights at {x},{y} {w}x{h}", flush=True)
        # a press on the list's second row (the Name field, the path bar and the
        # column titles are above it), then a stroke down and left, as a user's
        px, py = x + int(w * 0.6), y + int(h * 0.3)
        xdo("mousemove", "--sync", px, py)
        xdo("mousedown", 3)
        for k in range(1, 6):
            xdo("mousemove", px - 40 * k, py + 30 * k)
            time.sleep(0.02)
        xdo("mouseup", 3)
        time.sleep(1.0)
        if os.environ.get("PS_SHOT"):
            subprocess.run(["import", "-window", "root", os.environ["PS_SHOT"]])
    check(dialog is not None, "a right drag in its file list: no warning, the window alive")
    xdo("key", "Escape")
    time.sleep(0.5)
    xdo("key", "Escape")
    time.sleep(1.0)
    # closed: the focus is back on the main window
    gone = dialog is not None and xdo("getactivewindow").strip() == main
    check(gone, "Escape closes the menu, then the chooser")
finally:
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    shutil.rmtree(tmp, ignore_errors=True)
sys.exit(0)
