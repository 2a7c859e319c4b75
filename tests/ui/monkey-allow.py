#!/usr/bin/python3
"""The monkey's allow-lists (scripts/monkey.py, App.new_errors): what it lets pass and
what it still fails on.  TAP.  Needs no display: only the stderr reading is used.

usage: monkey-allow.py SCRIPTS/monkey.py
"""
import importlib.util
import sys
import tempfile

spec = importlib.util.spec_from_file_location("monkey", sys.argv[1])
monkey = importlib.util.module_from_spec(spec)
spec.loader.exec_module(monkey)

BROKEN = ("(paramscope:1): Gtk-WARNING **: 19:03:28.084: Broken accounting of active state "
          "for widget 0x6150004a39d0(GtkCenterBox)")
MONITOR = ("(paramscope:1): Gdk-CRITICAL **: 18:29:14.093: gdk_monitor_get_geometry: "
           "assertion 'GDK_IS_MONITOR (monitor)' failed")
CSS_NODE = ("(paramscope:1): Gtk-CRITICAL **: 20:08:33.323: gtk_css_node_insert_after: "
            "assertion 'previous_sibling == NULL || previous_sibling->parent == parent' failed")
OTHER_CRITICAL = ("(paramscope:1): Gtk-CRITICAL **: 10:00:00.000: gtk_widget_get_parent: "
                  "assertion 'GTK_IS_WIDGET (widget)' failed")
ASAN = "==1==ERROR: AddressSanitizer: heap-use-after-free on address 0x6020000000f0"

# (lines written, after a primary-button drag?, lines expected back as failures, allowed)
CASES = [
    ("plain output is no failure", ["EVT nothing", "Loading the model"], False, [], 0),
    ("an allow-listed GDK critical passes", [MONITOR], False, [], 1),
    ("the file chooser's CSS-node critical passes", [CSS_NODE], False, [], 1),
    ("Broken accounting fails after anything but a primary drag", [BROKEN], False, [BROKEN], 0),
    ("Broken accounting passes right after a primary drag", [BROKEN, BROKEN], True, [], 2),
    ("another critical fails even after a primary drag", [OTHER_CRITICAL, BROKEN], True,
     [OTHER_CRITICAL], 1),
    ("a sanitizer report fails after a primary drag", [ASAN], True, [ASAN], 0),
]

print(f"1..{len(CASES)}")
failed = 0
for n, (name, lines, after_drag, want_bad, want_allowed) in enumerate(CASES, 1):
    with tempfile.TemporaryDirectory() as rundir:
        app = monkey.App("/bin/false", None, rundir, {})
        with open(app.err_path, "a") as f:
            f.write("".join(l + "\n" for l in lines))
        bad = app.new_errors(after_drag)
        ok = bad == want_bad and app.allowed == want_allowed
        if not ok:
            failed += 1
            print(f"# got {bad!r}, {app.allowed} allowed; wanted {want_bad!r}, {want_allowed}")
        print(f"{'ok' if ok else 'not ok'} {n} - {name}")
sys.exit(1 if failed else 0)
