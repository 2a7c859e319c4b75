/* ps-window-menu.c — the window menu of a right click on a header bar, and
 * the context menus of text fields and labels: opened on the release
 *
 * Why this exists.  A right click on a GtkHeaderBar reaches its
 * GtkWindowHandle, which asks the window manager for its window menu
 * (gdk_toplevel_show_window_menu: _GTK_SHOW_WINDOW_MENU on X11, which only
 * Mutter and a few others understand).  Where the window manager has none,
 * GTK 4.8 opens a fallback menu of its own (gtkwindowhandle.c,
 * do_popup_fallback: a GtkPopoverMenu with Restore, Minimize, Maximize,
 * Close) — from the handler of the button *press*, while the button is
 * still down, under the pointer, and unparents it from its "closed"
 * handler.  GTK's count of pressed widgets does not survive that.
 * gtkmain.c (handle_pointing_event) counts a press up on the pressed widget
 * and on each of its ancestors (gtk_widget_set_active_state, the :active
 * state) and counts the same chain down on the release, but only if the
 * implicit grab the press recorded is still there; a popover mapped, hidden
 * or unparented in between drops or moves that grab without counting down
 * (gtk_window_update_pointer_focus_on_state_change), and a grab-broken
 * event counts down without dropping it.  Traced under Xvfb + openbox with
 * GTK 4.8.3 (every GdkSurface::event logged with the widgets then :active):
 *   1. the right press on the header bar counts up PsWindow, GtkHeaderBar,
 *      GtkWindowHandle, GtkCenterBox and the widget under the pointer; the
 *      popover opens under the pointer; the release finds no implicit
 *      grab and counts nothing down: those
 *      widgets stay :active for the rest of the window's life (every time);
 *   2. a later press landing in that popover (a double right click: the
 *      second press arrives where the popover just opened) is counted down
 *      on widgets of the popover that were never counted up: "Gtk-WARNING:
 *      Broken accounting of active state for widget (GtkGizmo)", ...,
 *      "(GtkPopoverMenu)" (monkey seed 1804563645, action 219; replayed:
 *      action 177).  The window and its header bar do not warn there only
 *      because step 1 left them counted up; issue 17 saw the same warning
 *      for PsWindow and for a GtkDialog.
 * Later GTK releases count a grab down whenever it is dropped or moved
 * (gtkroot.c); GTK 4.8's bookkeeping cannot be reached from an application.
 *
 * What ParamScope does instead.  A gesture on every window, in the capture
 * phase (before the window handle sees the press), takes a secondary
 * press that would reach a window handle when the user's titlebar action
 * (gtk-titlebar-right-click) is the window menu.  It asks the desktop for
 * its own menu first, exactly as GTK does (gdk_toplevel_titlebar_gesture,
 * then gdk_toplevel_show_window_menu, from the press).  Only where neither
 * is there does it open its own menu, and on the *release*, as a menu
 * button does: by then GTK has counted the press down.  Its items are
 * GtkWindow's own actions (window.minimize, window.toggle-maximized,
 * window.close: enabled as GTK enables them), its popover is kept and
 * reused, and is unparented when the window handle is unrealized, as GTK
 * does with its own.
 *
 * Context menus.  GTK 4.8's text fields (GtkText, inside every GtkEntry,
 * GtkSpinButton and search entry), text views, selectable labels and link
 * buttons (the About window's) open their context menu from the secondary
 * *press* too (gtktext.c, gtk_text_click_gesture_pressed ->
 * gtk_text_do_popup; gtklabel.c, gtktextview.c and gtklinkbutton.c alike),
 * just below the pointer.  A pointer that moves into
 * that menu before the button is released (a right drag, the usual way to
 * choose from a menu in one stroke) breaks the count as well.  Traced under
 * Xvfb + openbox, every event logged with the widgets then :active: the
 * popover's grab gives the pressed window a leave event of mode GRAB (GTK
 * counts the pressed chain down and forgets the pointer there), then the
 * menu an enter event (GTK makes the widget of the menu under the pointer
 * the pointer's target: never counted up), then the pressed window the
 * implicit grab-broken event of the X server's grab, which GTK counts down
 * on that target: "Broken accounting of active state for widget" for the
 * menu's GtkBox, GtkMenuSectionBox, ..., GtkPopoverMenu (monkey seed
 * 2447742244, action 294: a right drag from the file name field of the
 * Save Weights chooser).  A 20-line GTK program with one GtkEntry does the
 * same under Xvfb (with and without a window manager); no ParamScope code
 * is involved.  So the same gesture takes a secondary press on such a
 * widget, gives it the focus as GTK would, and opens the widget's own menu
 * (its "menu.popup" action, as the Menu key does) on the release, at the
 * press.  Labels with a link under the pointer are left to GTK: their menu
 * is about that link, which only their own press knows.
 *
 * GTK's file chooser (the dialog GtkFileChooserNative falls back to where
 * no portal answers) does the same with its own widgets: its file list
 * opens its menu (Copy Location, Show Hidden Files, ...) from a secondary
 * press (gtkfilechooserwidget.c, files_list_clicked and click_cb), and so
 * do the rows of its Other Locations view (gtkplacesview.c).  A right drag
 * there gave the same warnings, from GtkModelButton down to GtkPopoverMenu
 * (monkey seed 1201, action 46: Save Weights left open, a right drag in its
 * file list; replayed every time).  Both offer the same menu from the Menu
 * key, through a shortcut on the widget.  So a widget that has both, a
 * secondary click gesture and a shortcut of the Menu key, is taken as the
 * others: the press selects the row under it (a file list) and focuses,
 * and the release activates that shortcut, as the Menu key would.
 */
#include "ps-window-menu.h"

#include <glib/gi18n.h>

#define DATA_KEY "ps-window-menu"
/* the buttons other than the secondary one */
#define OTHER_BUTTONS (GDK_BUTTON1_MASK | GDK_BUTTON2_MASK | GDK_BUTTON4_MASK | GDK_BUTTON5_MASK)

typedef struct
{
  GtkWindow *window;          /* unowned: this lives as long as the window */
  GtkWidget *handle;          /* weak: the window handle of a pending menu */
  GtkWidget *popover;         /* child of popover_parent, or NULL */
  GtkWidget *popover_parent;  /* the window handle it hangs on */
  gulong     unrealize_id;
  double     x, y;            /* the press, in the handle's coordinates */
  gboolean   pending;         /* open the menu on the release */
  GtkWidget *owner;           /* weak: the text field or label of a pending context menu */
  double     ox, oy;          /* the press, in the owner's coordinates */
} WindowMenu;

static void
menu_drop_popover (WindowMenu *m)
{
  if (m->popover == NULL)
    return;
  g_clear_signal_handler (&m->unrealize_id, m->popover_parent);
  gtk_widget_unparent (m->popover);
  m->popover = NULL;
  m->popover_parent = NULL;
}

/* No press pending: neither a window menu nor a context menu opens on the
 * next release. */
static void
menu_forget_press (WindowMenu *m)
{
  m->pending = FALSE;
  g_clear_weak_pointer (&m->handle);
  g_clear_weak_pointer (&m->owner);
}

static void
on_handle_unrealize (GtkWidget *handle, WindowMenu *m)
{
  menu_drop_popover (m);
}

static void
window_menu_free (gpointer data)
{
  WindowMenu *m = data;

  /* the window handle was unrealized (and the popover dropped) before the
   * window is finalized; nothing here touches widgets */
  g_clear_weak_pointer (&m->handle);
  g_clear_weak_pointer (&m->owner);
  g_free (m);
}

static GMenuModel *
build_model (GtkWindow *window)
{
  GMenu *menu = g_menu_new ();
  g_autoptr (GMenu) top = g_menu_new ();
  g_autoptr (GMenu) bottom = g_menu_new ();

  g_menu_append (top, _("Minimize"), "window.minimize");
  g_menu_append (top, gtk_window_is_maximized (window) ? _("Restore") : _("Maximize"),
                 "window.toggle-maximized");
  g_menu_append (bottom, _("Close"), "window.close");
  g_menu_append_section (menu, NULL, G_MENU_MODEL (top));
  g_menu_append_section (menu, NULL, G_MENU_MODEL (bottom));
  return G_MENU_MODEL (menu);
}

static void
menu_popup (WindowMenu *m, GtkWidget *handle, double x, double y)
{
  GdkRectangle at = { (int) x, (int) y, 1, 1 };
  g_autoptr (GMenuModel) model = build_model (m->window);

  if (m->popover != NULL && m->popover_parent != handle)
    menu_drop_popover (m);
  if (m->popover == NULL)
    {
      m->popover = gtk_popover_menu_new_from_model (NULL);
      gtk_widget_add_css_class (m->popover, "ps-window-menu");
      gtk_popover_set_has_arrow (GTK_POPOVER (m->popover), FALSE);
      gtk_widget_set_halign (m->popover, GTK_ALIGN_START);
      gtk_widget_set_parent (m->popover, handle);
      m->popover_parent = handle;
      m->unrealize_id = g_signal_connect (handle, "unrealize", G_CALLBACK (on_handle_unrealize), m);
    }
  gtk_popover_menu_set_menu_model (GTK_POPOVER_MENU (m->popover), model);
  gtk_popover_set_pointing_to (GTK_POPOVER (m->popover), &at);
  gtk_popover_popup (GTK_POPOVER (m->popover));
}

/* The window handle a press at (x, y) of the window reaches, or NULL: none
 * is under it, or a text field on the way has its own right click. */
static GtkWidget *
handle_at (GtkWidget *window, double x, double y)
{
  for (GtkWidget *w = gtk_widget_pick (window, x, y, GTK_PICK_DEFAULT); w != NULL && w != window;
       w = gtk_widget_get_parent (w))
    {
      if (GTK_IS_EDITABLE (w))
        return NULL;
      if (GTK_IS_WINDOW_HANDLE (w))
        return w;
    }
  return NULL;
}

/* TRUE when trigger fires on the Menu key alone. */
static gboolean
is_menu_key (GtkShortcutTrigger *trigger)
{
  if (GTK_IS_ALTERNATIVE_TRIGGER (trigger))
    return is_menu_key (gtk_alternative_trigger_get_first (GTK_ALTERNATIVE_TRIGGER (trigger)))
           || is_menu_key (gtk_alternative_trigger_get_second (GTK_ALTERNATIVE_TRIGGER (trigger)));
  return GTK_IS_KEYVAL_TRIGGER (trigger)
         && gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (trigger)) == GDK_KEY_Menu
         && gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (trigger)) == 0;
}

/* The shortcut of the Menu key on w (a new reference) when w also has a
 * click gesture of the secondary button: its context menu, which GTK opens
 * from that gesture's press; else NULL. */
static GtkShortcut *
menu_key_shortcut (GtkWidget *w)
{
  g_autoptr (GListModel) controllers = gtk_widget_observe_controllers (w);
  GtkShortcut *found = NULL;
  gboolean secondary = FALSE;
  guint n = g_list_model_get_n_items (controllers);

  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkEventController) c = g_list_model_get_item (controllers, i);

      if (GTK_IS_GESTURE_CLICK (c)
          && gtk_gesture_single_get_button (GTK_GESTURE_SINGLE (c)) == GDK_BUTTON_SECONDARY)
        secondary = TRUE;
      else if (GTK_IS_SHORTCUT_CONTROLLER (c) && found == NULL)
        {
          GListModel *shortcuts = G_LIST_MODEL (c);
          guint m = g_list_model_get_n_items (shortcuts);

          for (guint j = 0; j < m && found == NULL; j++)
            {
              GtkShortcut *s = g_list_model_get_item (shortcuts, j);

              if (is_menu_key (gtk_shortcut_get_trigger (s)))
                found = s;
              else
                g_object_unref (s);
            }
        }
    }
  if (!secondary)
    g_clear_object (&found);
  return found;
}

/* The widget under (x, y) of window that GTK 4.8 would give a context menu
 * from the press itself, or NULL. */
static GtkWidget *
context_owner_at (GtkWidget *window, double x, double y)
{
  for (GtkWidget *w = gtk_widget_pick (window, x, y, GTK_PICK_DEFAULT); w != NULL && w != window;
       w = gtk_widget_get_parent (w))
    {
      g_autoptr (GtkShortcut) menu_key = NULL;

      if (GTK_IS_TEXT (w) || GTK_IS_TEXT_VIEW (w) || GTK_IS_LINK_BUTTON (w))
        return w;
      if ((menu_key = menu_key_shortcut (w)) != NULL)
        return w;
      if (GTK_IS_LABEL (w) && gtk_label_get_selectable (GTK_LABEL (w)))
        return gtk_label_get_current_uri (GTK_LABEL (w)) == NULL ? w : NULL;
    }
  return NULL;
}

/* The owner's context menu, opened at (x, y) of the owner. */
static void
context_popup (GtkWidget *owner, double x, double y)
{
  GdkRectangle at = { (int) x, (int) y, 1, 1 };
  g_autoptr (GtkShortcut) menu_key = menu_key_shortcut (owner);

  /* a file chooser's list or place: its menu as the Menu key opens it
   * (for the row just selected) */
  if (menu_key != NULL)
    {
      gtk_shortcut_action_activate (gtk_shortcut_get_action (menu_key), GTK_SHORTCUT_ACTION_EXCLUSIVE,
                                    owner, gtk_shortcut_get_arguments (menu_key));
      return;
    }
  if (!gtk_widget_activate_action (owner, "menu.popup", NULL))
    return;
  /* its own popover menu, just opened (pointing at the text cursor or the
   * whole field): to the press instead, as GTK's own press places it */
  for (GtkWidget *c = gtk_widget_get_first_child (owner); c != NULL; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER_MENU (c) && gtk_widget_get_visible (c))
      {
        gtk_popover_set_pointing_to (GTK_POPOVER (c), &at);
        break;
      }
}

/* Focus tree view and select its row at (x, y) of the widget, as its own
 * press would (the file chooser's list: the menu is about that file). */
static void
select_row_at (GtkTreeView *tree, double x, double y)
{
  g_autoptr (GtkTreePath) path = NULL;
  int bx, by;

  gtk_widget_grab_focus (GTK_WIDGET (tree));
  gtk_tree_view_convert_widget_to_bin_window_coords (tree, (int) x, (int) y, &bx, &by);
  if (gtk_tree_view_get_path_at_pos (tree, bx, by, &path, NULL, NULL, NULL))
    gtk_tree_view_set_cursor (tree, path, NULL, FALSE);
}

static void
on_pressed (GtkGestureClick *click, int n_press, double x, double y, WindowMenu *m)
{
  GtkGesture *gesture = GTK_GESTURE (click);
  GtkWidget *window = GTK_WIDGET (m->window);
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (click));
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (window));
  g_autofree char *action = NULL;
  GtkWidget *handle, *owner;
  graphene_point_t p;

  menu_forget_press (m);
  /* the window's own surface only (its popovers' presses come here too);
   * and nothing while a grab is on, as the window handle does */
  if (event == NULL || surface == NULL || gdk_event_get_surface (event) != surface
      || gdk_display_device_is_grabbed (gtk_widget_get_display (window),
                                        gtk_gesture_get_device (gesture)))
    {
      gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  /* another button already held (the left one, on a button or a slider):
   * no menu, neither GTK's from this press nor ours from the release.  A
   * popover that takes the pointer while GTK holds another press's implicit
   * grab is counted down twice, once by the grab's leave event and once by
   * the grab-broken event of that press (gtkmain.c, handle_pointing_event):
   * "Broken accounting of active state" for the pressed widget (monkey seed
   * 1384349855: the left button held on Run's Backward, then a right drag) */
  if (gdk_event_get_modifier_state (event) & OTHER_BUTTONS)
    {
      gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
      return;
    }
  /* a text field's or label's context menu: on the release */
  if ((owner = context_owner_at (window, x, y)) != NULL
      && gtk_widget_compute_point (window, owner, &GRAPHENE_POINT_INIT (x, y), &p))
    {
      gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
      if (GTK_IS_TEXT (owner))
        gtk_text_grab_focus_without_selecting (GTK_TEXT (owner));
      else if (GTK_IS_TREE_VIEW (owner))
        select_row_at (GTK_TREE_VIEW (owner), p.x, p.y);
      else if (!GTK_IS_LABEL (owner))
        gtk_widget_grab_focus (owner);
      g_set_weak_pointer (&m->owner, owner);
      m->ox = p.x;
      m->oy = p.y;
      return;
    }
  /* GTK's other titlebar actions (lower, minimize, ...) open nothing */
  g_object_get (gtk_widget_get_settings (window), "gtk-titlebar-right-click", &action, NULL);
  if (g_strcmp0 (action, "menu") != 0 || (handle = handle_at (window, x, y)) == NULL)
    {
      gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_DENIED);
      return;
    }
  gtk_gesture_set_state (gesture, GTK_EVENT_SEQUENCE_CLAIMED);
  /* the desktop's own menu where it has one, asked for as GTK does */
  if (gdk_toplevel_titlebar_gesture (GDK_TOPLEVEL (surface), GDK_TITLEBAR_GESTURE_RIGHT_CLICK)
      || gdk_toplevel_show_window_menu (GDK_TOPLEVEL (surface), event))
    return;
  if (!gtk_widget_compute_point (window, handle, &GRAPHENE_POINT_INIT (x, y), &p))
    graphene_point_init (&p, 0, 0);
  g_set_weak_pointer (&m->handle, handle);
  m->x = p.x;
  m->y = p.y;
  m->pending = TRUE;
}

static void
on_released (GtkGestureClick *click, int n_press, double x, double y, WindowMenu *m)
{
  GtkWidget *handle = m->handle;
  GtkWidget *owner = m->owner;
  GdkEvent *event = gtk_event_controller_get_current_event (GTK_EVENT_CONTROLLER (click));

  /* another button pressed since: no menu (see on_pressed) */
  if (event != NULL && (gdk_event_get_modifier_state (event) & OTHER_BUTTONS))
    {
      menu_forget_press (m);
      return;
    }
  if (owner != NULL)
    {
      g_clear_weak_pointer (&m->owner);
      if (gtk_widget_get_mapped (owner))
        context_popup (owner, m->ox, m->oy);
      return;
    }
  if (!m->pending || handle == NULL || !gtk_widget_get_mapped (handle))
    return;
  m->pending = FALSE;
  g_clear_weak_pointer (&m->handle);
  menu_popup (m, handle, m->x, m->y);
}

void
ps_window_menu_attach (GtkWindow *window)
{
  GtkGesture *click;
  WindowMenu *m;

  g_return_if_fail (GTK_IS_WINDOW (window));
  if (g_object_get_data (G_OBJECT (window), DATA_KEY) != NULL)
    return;
  m = g_new0 (WindowMenu, 1);
  m->window = window;
  g_object_set_data_full (G_OBJECT (window), DATA_KEY, m, window_menu_free);

  click = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (click), GDK_BUTTON_SECONDARY);
  gtk_event_controller_set_propagation_phase (GTK_EVENT_CONTROLLER (click), GTK_PHASE_CAPTURE);
  gtk_event_controller_set_name (GTK_EVENT_CONTROLLER (click), "ps-window-menu");
  g_signal_connect (click, "pressed", G_CALLBACK (on_pressed), m);
  g_signal_connect (click, "released", G_CALLBACK (on_released), m);
  gtk_widget_add_controller (GTK_WIDGET (window), GTK_EVENT_CONTROLLER (click));
}

GtkWidget *
ps_window_menu_get_popover (GtkWindow *window)
{
  WindowMenu *m = g_object_get_data (G_OBJECT (window), DATA_KEY);
  return m ? m->popover : NULL;
}

static void
on_toplevels_changed (GListModel *toplevels, guint position, guint removed, guint added,
                      gpointer data)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (GtkWindow) window = g_list_model_get_item (toplevels, i);
      ps_window_menu_attach (window);
    }
}

void
ps_window_menu_install (void)
{
  static gboolean installed;
  GListModel *toplevels;

  if (installed)
    return;
  installed = TRUE;
  toplevels = gtk_window_get_toplevels ();
  g_signal_connect (toplevels, "items-changed", G_CALLBACK (on_toplevels_changed), NULL);
  on_toplevels_changed (toplevels, 0, 0, g_list_model_get_n_items (toplevels), NULL);
}
