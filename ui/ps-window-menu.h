/* ps-window-menu.h — the window menu of a right click on a header bar, and
 * the context menus of text fields, text views, selectable labels
 * and link buttons
 *
 * A right click on a window's header bar asks the window manager for its
 * window menu, as GTK does.  Where the window manager has none (openbox and
 * most X11 window managers; GTK 4.8 then opens a fallback popover of its
 * own from inside the button press, which breaks GTK's count of pressed
 * widgets: see ps-window-menu.c), ParamScope opens the same menu itself —
 * Minimize, Maximize or Restore, Close — when the button is released.
 * GTK 4.8's text fields, text views, selectable labels and link buttons open their
 * context menu from the press as well: ParamScope opens it on the release,
 * at the press, in every window (its dialogs and GTK's file chooser too).
 *
 *   ps_window_menu_install ();          // once, at startup: every window
 *   ps_window_menu_attach (window);     // or one window (tests)
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* Attach to every toplevel window of the process, now and later. */
void        ps_window_menu_install     (void);
/* Attach to one window (once; again does nothing). */
void        ps_window_menu_attach      (GtkWindow *window);
/* The menu's popover when it was opened (for tests), else NULL. */
GtkWidget  *ps_window_menu_get_popover (GtkWindow *window);

G_END_DECLS
