#!/usr/bin/python3
"""The window under a screen reader's questions: the AT-SPI root asked for a child
past its count, as a screen reader with a stale count asks (the monkey's walk of
seed 1796470102 did, and the app died: GTK 4.8 answers with the last toplevel of
its list, which had no object path while the never-shown Keyboard Shortcuts window
was that toplevel); then the same after each window the app can open beside the main
one was opened and closed (a hidden toplevel has no object path either: seed 1299709
died after Ctrl+? and Escape).  The app must stay alive and print no GLib/GTK warning.

Usage: a11y-root.py PARAMSCOPE MODEL   (run under an X server with a window manager,
tests/ui/with-wm.sh; it starts its own session bus with dbus-run-session).  TAP output.
"""
import os
import re
import subprocess
import sys
import tempfile
import time

if os.environ.get("PS_A11Y_ROOT_INNER") != "1":
    if not os.environ.get("DISPLAY") or subprocess.run(
            ["sh", "-c", "command -v dbus-run-session"], capture_output=True).returncode:
        print("1..0 # SKIP needs an X display and dbus-run-session")
        sys.exit(0)
    env = dict(os.environ, PS_A11Y_ROOT_INNER="1")
    r = subprocess.run(["dbus-run-session", "--", sys.executable, *sys.argv], env=env,
                       stderr=subprocess.PIPE, text=True)
    sys.stderr.write("".join(l + "\n" for l in r.stderr.splitlines()
                             if not l.startswith(("dbus-daemon", "SpiRegistry"))))
    sys.exit(r.returncode)

from gi.repository import Gio, GLib   # noqa: E402

app_bin, model = sys.argv[1], sys.argv[2]
tmp = tempfile.mkdtemp(prefix="ps-a11y-root-")
env = dict(os.environ, NO_AT_BRIDGE="0", GSETTINGS_BACKEND="memory", HOME=tmp,
           XDG_CONFIG_HOME=tmp, XDG_DATA_HOME=tmp, XDG_CACHE_HOME=tmp)
env.pop("GTK_A11Y", None)
err_path = os.path.join(tmp, "app.stderr")
proc = subprocess.Popen([app_bin, model], env=env, stdout=subprocess.DEVNULL,
                        stderr=open(err_path, "w"), cwd=tmp)
print("1..8")

ROOT = "/org/a11y/atspi/accessible/root"
ACC = "org.a11y.atspi.Accessible"


def done(code):
    if proc.poll() is None:
        proc.terminate()
        proc.wait(timeout=30)
    sys.exit(code)


def a11y_bus():
    session = Gio.bus_get_sync(Gio.BusType.SESSION)
    addr = session.call_sync("org.a11y.Bus", "/org/a11y/bus", "org.a11y.Bus", "GetAddress",
                             None, GLib.VariantType("(s)"), 0, -1, None).unpack()[0]
    return Gio.DBusConnection.new_for_address_sync(
        addr, Gio.DBusConnectionFlags.AUTHENTICATION_CLIENT
        | Gio.DBusConnectionFlags.MESSAGE_BUS_CONNECTION, None, None)


def dbus(bus, method, args=None):
    return bus.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus",
                         method, args, None, 0, -1, None).unpack()


def registered(bus):
    """The bus names of the applications the AT-SPI registry lists."""
    try:
        apps = bus.call_sync("org.a11y.atspi.Registry", ROOT, ACC, "GetChildren", None, None,
                             0, 10000, None).unpack()[0]
    except GLib.Error:
        return []
    return [a[0] for a in apps]


def child_count(bus, name):
    v = bus.call_sync(name, ROOT, "org.freedesktop.DBus.Properties", "Get",
                      GLib.Variant("(ss)", (ACC, "ChildCount")), None, 0, 10000, None)
    return v.unpack()[0]


bus = a11y_bus()
name, count = None, 0
t0 = time.time()
while time.time() - t0 < 90 and proc.poll() is None and count < 1:
    for n in dbus(bus, "ListNames")[0]:
        if not n.startswith(":"):
            continue
        try:
            if dbus(bus, "GetConnectionUnixProcessID", GLib.Variant("(s)", (n,)))[0] == proc.pid:
                name = n
        except GLib.Error:
            pass
    # asked only once the registry lists the app: GTK 4.8's root answers from its
    # list of windows, which it takes when the registry's reply to its Embed
    # arrives (gtkatspiroot.c); a question before then meets no list (a critical)
    if name and name in registered(bus):
        time.sleep(1.0)
        try:
            count = child_count(bus, name)
        except GLib.Error:
            pass
    time.sleep(0.5)
if not name or count < 1:
    print(f"not ok 1 the window's accessible root is on the bus (name {name}, {count} windows)")
    done(1)
print(f"ok 1 the window's accessible root is on the bus ({count} window(s))")


def past_end(count):
    """Ask for children past the end, as a stale count asks; the answers, or None if
    the app died."""
    answers = []
    for idx in (count, count + 1, count + 7):
        try:
            bus.call_sync(name, ROOT, ACC, "GetChildAtIndex", GLib.Variant("(i)", (idx,)),
                          None, 0, 20000, None)
            answers.append(f"{idx}: a reference")
        except GLib.Error as e:
            answers.append(f"{idx}: {e.message[:60]}")
        time.sleep(0.3)
        if proc.poll() is not None:
            return None
    return answers


answers = past_end(count)
if answers is not None:
    print("ok 2 GetChildAtIndex past the root's children leaves the app alive (" +
          "; ".join(answers) + ")")
else:
    print(f"not ok 2 the app died (status {proc.returncode}) on GetChildAtIndex past its "
          f"children")
    print(open(err_path).read()[-2000:], file=sys.stderr)
    done(1)

try:
    kids = bus.call_sync(name, ROOT, ACC, "GetChildren", None, None, 0, 20000, None).unpack()[0]
    print(f"ok 3 GetChildren answers {len(kids)} window(s), each with an object path"
          if all(p for _, p in kids) and proc.poll() is None else
          f"not ok 3 GetChildren answered {kids}")
except GLib.Error as e:
    print(f"not ok 3 GetChildren failed: {e.message}")


def xdo(*args):
    return subprocess.run(["xdotool", *map(str, args)], capture_output=True, text=True,
                          timeout=30).stdout


def n_windows():
    return len(bus.call_sync(name, ROOT, ACC, "GetChildren", None, None, 0, 20000,
                             None).unpack()[0])


def wait_windows(n, timeout=20):
    t0 = time.time()
    while time.time() - t0 < timeout and proc.poll() is None:
        try:
            if n_windows() == n:
                return True
        except GLib.Error:
            pass
        time.sleep(0.3)
    return False


session = Gio.bus_get_sync(Gio.BusType.SESSION)


def session_name():
    """The app's unique name on the session bus (it runs as a non-unique application)."""
    for n in session.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                               "org.freedesktop.DBus", "ListNames", None, None, 0, -1,
                               None).unpack()[0]:
        if not n.startswith(":"):
            continue
        try:
            pid = session.call_sync("org.freedesktop.DBus", "/org/freedesktop/DBus",
                                    "org.freedesktop.DBus", "GetConnectionUnixProcessID",
                                    GLib.Variant("(s)", (n,)), None, 0, -1, None).unpack()[0]
        except GLib.Error:
            continue
        if pid == proc.pid:
            return n
    return None


def activate_app_action(action):
    session.call_sync(session_name(), "/org/paramscope/ParamScope",
                      "org.gtk.Actions", "Activate",
                      GLib.Variant("(sava{sv})", (action, [], {})), None, 0, 10000, None)


main = xdo("search", "--onlyvisible", "--pid", proc.pid, "--name", "ParamScope").split()
# each window opened (a key on the main window, or the application's action as its
# menu item activates it), then closed with Escape; then the root asked past its end
tn = 4
for what, opener in (("the Keyboard Shortcuts window", "ctrl+question"),
                     ("the About window", "app.about"),
                     ("the Keyboard Shortcuts window again", "ctrl+question"),
                     ("Preferences", "ctrl+comma")):
    if main:
        xdo("windowactivate", "--sync", main[-1])
    if opener.startswith("app."):
        activate_app_action(opener[4:])
    else:
        xdo("key", "--clearmodifiers", opener)
    opened = wait_windows(2)
    xdo("key", "--clearmodifiers", "Escape")
    closed = wait_windows(1)
    answers = past_end(1) if proc.poll() is None else None
    if answers is None:
        print(f"not ok {tn} the app died (status {proc.returncode}) on GetChildAtIndex past "
              f"its children after {what} was opened and closed")
        print(open(err_path).read()[-2000:], file=sys.stderr)
        done(1)
    print(f"{'ok' if opened and closed else 'not ok'} {tn} {what} opened and closed, then "
          f"GetChildAtIndex past the end leaves the app alive ({'; '.join(answers)})")
    tn += 1

time.sleep(0.5)
bad = [l for l in open(err_path, errors="replace").read().splitlines()
       if re.search(r"-(CRITICAL|WARNING) \*\*|Sanitizer|runtime error", l)]
print("ok 8 no GLib/GTK warning on stderr" if not bad else f"not ok 8 stderr: {bad[0]}")
done(0 if not bad else 1)
