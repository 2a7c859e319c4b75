/* ps-window-layout.c — the window in the room: folding to fit its width,
 * Presentation Mode and the interface's scale
 *
 * Folding.  The centre (the heatmaps and the charts) always keeps at least
 * its minimum width, and the side panel docks only while the centre keeps
 * 42% of the width.  The block tree and the side panel live in "docks"
 * in the two GtkPaneds; an allocation with a new width (GTK 4.8 has no
 * breakpoints), or with a side panel whose content grew or shrank (its
 * minimum width changed), fits them right after that frame, never inside GTK's
 * allocation, since fitting may move the panel to another parent:
 *   - the side panel is docked beside the centre when the tree (if shown),
 *     the centre and the panel all fit; otherwise it is folded: it moves
 *     into a sheet over the right of the centre (a GtkOverlay), hidden
 *     until its toggle (Shift+F9) or one of its pages is asked for;
 *   - the tree folds when even it and the centre do not fit, and comes
 *     back when the window is wide enough again — unless the user hid it.
 * The minimum widths are measured (never assumed), so a larger font or
 * Presentation Mode folds earlier.  The paned children may shrink, so the
 * window's own minimum is the centre's: it never grows past the screen.
 *
 * The scale.  Ctrl+plus / Ctrl+minus / Ctrl+0 scale every text of the
 * window (and with it what is measured from the font: the charts' ticks
 * and labels, the heatmaps' labels, every control's height): a CSS
 * provider on the window's own style context sets its font-size as a
 * percentage, which every widget inherits.  This rather than GDK_SCALE or
 * gtk-xft-dpi: those are per display (the other windows, the desktop's
 * own setting) and GDK_SCALE takes integers only.
 *
 * Presentation Mode multiplies that scale by 1.5 and adds the style class
 * .ps-presentation, which style.css (contrast, focus rings) and the charts
 * (ps-chart-draw.c: thicker lines, stronger axes) follow.
 */
#include "ps-window-private.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

#define HANDLE_PX  8            /* a paned's separator, and a little room */

/* The interface's scales; Presentation Mode multiplies by PRESENTATION. */
static const double scales[] = { 0.7, 0.8, 0.9, 1.0, 1.1, 1.25, 1.5, 1.75, 2.0, 2.5 };
#define SCALE_NORMAL  3
#define PRESENTATION  1.5

enum { PROP_TREE_SHOWN = 100, PROP_PANEL_SHOWN, PROP_PRESENTATION, PROP_FONT_SCALE };

/* ---- folding ------------------------------------------------------------------------ */

static int
min_width (GtkWidget *w)
{
  int m = 0;
  gtk_widget_measure (w, GTK_ORIENTATION_HORIZONTAL, -1, &m, NULL, NULL, NULL);
  return m;
}

static void
dock_panel (PsWindow *win, gboolean docked)
{
  GtkWidget *panels = win->panels;

  if (win->panel_docked == docked)
    return;
  win->panel_docked = docked;
  g_object_ref (panels);
  gtk_widget_unparent (panels);
  gtk_box_append (GTK_BOX (docked ? win->panel_dock : win->panel_sheet), panels);
  g_object_unref (panels);
}

static void
show_parts (PsWindow *win)
{
  gtk_widget_set_visible (win->tree_dock, win->tree_shown);
  gtk_widget_set_visible (win->panel_dock, win->panel_docked && win->panel_shown);
  gtk_widget_set_visible (win->panel_sheet, !win->panel_docked && win->panel_shown);
}

/* What fits in the paneds' width now.  by_size: the width changed (the
 * tree may fold or come back); otherwise the user showed or hid a part. */
static gboolean
fit (PsWindow *win, gboolean by_size)
{
  int avail = gtk_widget_get_width (win->outer_paned);
  int center_min = min_width (win->center);
  /* the centre wants more than its minimum: the heatmaps are what the room looks at */
  int center = MAX (center_min, avail * 42 / 100);
  int tree = min_width (win->tree) + HANDLE_PX, panel = min_width (win->panels) + HANDLE_PX;
  gboolean tree_was = win->tree_shown, panel_was = win->panel_shown;
  gboolean docked_was = win->panel_docked;
  int position_was = gtk_paned_get_position (GTK_PANED (win->outer_paned));

  if (avail <= 0)
    return FALSE;
  if (by_size)
    {
      if (win->tree_shown && center + tree > avail)
        win->tree_shown = FALSE, win->tree_auto = TRUE;
      else if (!win->tree_shown && win->tree_auto && center + tree <= avail)
        win->tree_shown = TRUE, win->tree_auto = FALSE;
    }
  if (center + (win->tree_shown ? tree : 0) + panel <= avail)
    {
      /* docked again: shown as it was before it folded */
      if (!win->panel_docked && win->panel_auto)
        win->panel_shown = TRUE;
      win->panel_auto = FALSE;
      dock_panel (win, TRUE);
    }
  else if (win->panel_docked)
    {
      /* folded for want of room: out of the way until asked for */
      if (win->panel_shown)
        win->panel_shown = FALSE, win->panel_auto = TRUE;
      dock_panel (win, FALSE);
    }
  show_parts (win);
  /* the tree: wider in a wide window, unless its divider was dragged */
  if (by_size && win->tree_shown
      && (win->tree_width < 0
          || gtk_paned_get_position (GTK_PANED (win->outer_paned)) == win->tree_width))
    {
      int spare = avail - center - (win->panel_docked && win->panel_shown ? panel : 0) - tree;
      win->tree_width = tree - HANDLE_PX + CLAMP (spare / 4, 0, 160);
      gtk_paned_set_position (GTK_PANED (win->outer_paned), win->tree_width);
    }
  /* never narrower than its rows (a wider row shown, a divider dragged in):
   * a paned cuts a child below its minimum off at the left */
  if (win->tree_shown && gtk_paned_get_position (GTK_PANED (win->outer_paned)) < tree - HANDLE_PX)
    {
      if (gtk_paned_get_position (GTK_PANED (win->outer_paned)) == win->tree_width)
        win->tree_width = tree - HANDLE_PX;
      gtk_paned_set_position (GTK_PANED (win->outer_paned), tree - HANDLE_PX);
    }
  win->fit_width = avail;
  win->fit_panel_min = panel - HANDLE_PX;
  win->fit_tree_min = tree - HANDLE_PX;
  win->fit_center_min = center_min;
  if (tree_was != win->tree_shown)
    g_object_notify (G_OBJECT (win), "tree-shown");
  if (panel_was != win->panel_shown)
    g_object_notify (G_OBJECT (win), "panel-shown");
  return tree_was != win->tree_shown || panel_was != win->panel_shown
         || docked_was != win->panel_docked
         || position_was != gtk_paned_get_position (GTK_PANED (win->outer_paned));
}

static GtkWidgetClass *window_parent_class;

/* The width changed, or the side panel's content grew or shrank (a longer
 * line in a page, a wider page shown), or the tree's (a wider row shown),
 * or the centre's (a model's page of its own): what fits may have changed.
 * A centre left narrower than its minimum would be cut off at its left by
 * its paned, not squeezed. */
static gboolean
needs_refit (PsWindow *win)
{
  return gtk_widget_get_width (win->outer_paned) != win->fit_width
         || min_width (win->panels) != win->fit_panel_min
         || (win->tree_shown && min_width (win->tree) != win->fit_tree_min)
         || min_width (win->center) != win->fit_center_min;
}

/* A popover below w that is open. */
static gboolean
popover_open_below (GtkWidget *w)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    if ((GTK_IS_POPOVER (c) && gtk_widget_get_mapped (c)) || popover_open_below (c))
      return TRUE;
  return FALSE;
}

/* Refitting waits while a mouse button is held on the window or a popover
 * of the side panel (a drop-down's list, a menu) is open.  Moving the panel
 * to its other parent then would take the pressed widget, or the popover
 * under the pointer, along: GTK 4.8 counts a press up on the pressed widget
 * and its ancestors and down on the release along the ancestors it has
 * then, or not at all once the press's grab was dropped by the unmap
 * ("Broken accounting of active state", widgets left looking pressed); and
 * an open popover (a drop-down's list) is unrealized under the pointer: it
 * vanished while the user was choosing from it. */
static gboolean
refit_must_wait (PsWindow *win)
{
  GdkSurface *surface = gtk_native_get_surface (GTK_NATIVE (win));
  GdkSeat *seat = gdk_display_get_default_seat (gtk_widget_get_display (GTK_WIDGET (win)));
  GdkDevice *pointer = seat ? gdk_seat_get_pointer (seat) : NULL;
  GdkModifierType mask = 0;

  if (surface != NULL && pointer != NULL)
    gdk_surface_get_device_position (surface, pointer, NULL, NULL, &mask);
  return (mask & (GDK_BUTTON1_MASK | GDK_BUTTON2_MASK | GDK_BUTTON3_MASK | GDK_BUTTON4_MASK
                  | GDK_BUTTON5_MASK)) != 0
         || popover_open_below (win->panels);
}

static gboolean
refit_idle (gpointer data)
{
  PsWindow *win = data;

  win->refit_id = 0;
  if (!needs_refit (win))
    return G_SOURCE_REMOVE;
  if (refit_must_wait (win))
    win->refit_id = g_timeout_add (100, refit_idle, win);   /* until the release */
  else
    fit (win, TRUE);
  return G_SOURCE_REMOVE;
}

static void
size_allocate (GtkWidget *w, int width, int height, int baseline)
{
  PsWindow *win = PS_WINDOW (w);

  window_parent_class->size_allocate (w, width, height, baseline);
  /* Refitting moves the panel between its dock and its sheet, which must not
   * happen while GTK is allocating (reparenting a widget inside an allocation
   * leaves GTK's CSS node tree inconsistent): right after this frame instead. */
  if (win->refit_id == 0 && needs_refit (win))
    win->refit_id = g_idle_add_full (G_PRIORITY_HIGH_IDLE, refit_idle, win, NULL);
}

/* The tree's divider dragged in past the tree's widest row stops there
 * (below its minimum a paned cuts the tree off at its left). */
static void
on_tree_divider (PsWindow *win)
{
  int tree = win->tree_shown ? min_width (win->tree) : 0;

  if (tree > 0 && gtk_paned_get_position (GTK_PANED (win->outer_paned)) < tree)
    gtk_paned_set_position (GTK_PANED (win->outer_paned), tree);
}

/* The side panel's divider dragged out past the panel's own width stops
 * there: a docked panel is never cut (narrower, it folds into its sheet). */
static void
on_panel_divider (PsWindow *win)
{
  GtkWidget *inner = win->inner_paned, *handle = NULL;
  int width = gtk_widget_get_width (inner), handle_w = HANDLE_PX, most;

  if (!win->panel_docked || !win->panel_shown || width <= 0)
    return;
  for (GtkWidget *c = gtk_widget_get_first_child (inner); c; c = gtk_widget_get_next_sibling (c))
    if (c != win->center_overlay && c != win->panel_dock)
      handle = c;
  if (handle)
    handle_w = MAX (min_width (handle), gtk_widget_get_width (handle));
  most = width - min_width (win->panel_dock) - handle_w;
  if (most > 0 && gtk_paned_get_position (GTK_PANED (inner)) > most)
    gtk_paned_set_position (GTK_PANED (inner), most);
}

static void
set_tree_shown (PsWindow *win, gboolean shown)
{
  if (win->tree_shown == shown)
    return;
  win->tree_shown = shown;
  win->tree_auto = FALSE;
  fit (win, FALSE);
  g_object_notify (G_OBJECT (win), "tree-shown");
}

static void
set_panel_shown (PsWindow *win, gboolean shown)
{
  if (win->panel_shown == shown)
    return;
  win->panel_shown = shown;
  win->panel_auto = FALSE;
  /* folded and hidden, its content may have narrowed unnoticed (a hidden
   * sheet is not allocated): docked if it fits now, else in its sheet */
  if (shown && !win->panel_docked)
    fit (win, FALSE);
  else
    show_parts (win);
  g_object_notify (G_OBJECT (win), "panel-shown");
}

void
ps_window_show_side_panel (PsWindow *win)
{
  set_panel_shown (win, TRUE);
}

/* Escape closes the folded panel's sheet. */
static void
run_hide_sheet (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  if (!win->panel_docked)
    set_panel_shown (win, FALSE);
}

/* ---- the scale and Presentation Mode ------------------------------------------------ */

static double
font_scale (PsWindow *win)
{
  return scales[win->scale_step] * (win->presentation ? PRESENTATION : 1.0);
}

static void
apply_scale (PsWindow *win)
{
  g_autofree char *css = g_strdup_printf ("window { font-size: %d%%; }",
                                          (int) (font_scale (win) * 100 + 0.5));

  gtk_css_provider_load_from_data (win->scale_css, css, -1);
  if (win->presentation)
    gtk_widget_add_css_class (GTK_WIDGET (win), "ps-presentation");
  else
    gtk_widget_remove_css_class (GTK_WIDGET (win), "ps-presentation");
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.scale-up",
                                 win->scale_step < (int) G_N_ELEMENTS (scales) - 1);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.scale-down", win->scale_step > 0);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.scale-reset", win->scale_step != SCALE_NORMAL);
  /* what fits changed with the font */
  win->fit_width = win->fit_panel_min = win->fit_tree_min = win->fit_center_min = -1;
  gtk_widget_queue_resize (GTK_WIDGET (win));
  g_object_notify (G_OBJECT (win), "font-scale");
}

static void
set_presentation (PsWindow *win, gboolean on)
{
  if (win->presentation == on)
    return;
  win->presentation = on;
  apply_scale (win);
  ps_window_set_status (win, on ? _("Presentation Mode: larger text and stronger lines (Ctrl+Shift+P ends it)")
                                : _("Presentation Mode ended"), FALSE);
  g_object_notify (G_OBJECT (win), "presentation");
}

static void
run_scale (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  int step = win->scale_step;
  g_autofree char *msg = NULL;

  if (g_str_equal (action, "win.scale-up"))
    step = MIN (step + 1, (int) G_N_ELEMENTS (scales) - 1);
  else if (g_str_equal (action, "win.scale-down"))
    step = MAX (step - 1, 0);
  else
    step = SCALE_NORMAL;
  if (step == win->scale_step)
    return;
  win->scale_step = step;
  apply_scale (win);
  msg = g_strdup_printf (_("interface at %d%%"), (int) (scales[step] * 100 + 0.5));
  ps_window_set_status (win, msg, FALSE);
}

/* ---- properties (ps-window.c forwards the ids from 100) ---------------------------- */

void ps_window_layout_get_property (PsWindow *win, guint id, GValue *value);
void ps_window_layout_set_property (PsWindow *win, guint id, const GValue *value);

void
ps_window_layout_get_property (PsWindow *win, guint id, GValue *value)
{
  switch (id)
    {
    case PROP_TREE_SHOWN: g_value_set_boolean (value, win->tree_shown); break;
    case PROP_PANEL_SHOWN: g_value_set_boolean (value, win->panel_shown); break;
    case PROP_PRESENTATION: g_value_set_boolean (value, win->presentation); break;
    case PROP_FONT_SCALE: g_value_set_double (value, font_scale (win)); break;
    default: g_assert_not_reached ();
    }
}

void
ps_window_layout_set_property (PsWindow *win, guint id, const GValue *value)
{
  switch (id)
    {
    case PROP_TREE_SHOWN: set_tree_shown (win, g_value_get_boolean (value)); break;
    case PROP_PANEL_SHOWN: set_panel_shown (win, g_value_get_boolean (value)); break;
    case PROP_PRESENTATION: set_presentation (win, g_value_get_boolean (value)); break;
    default: g_assert_not_reached ();
    }
}

void
ps_window_layout_class_init (GtkWidgetClass *widget_class)
{
  GObjectClass *object_class = G_OBJECT_CLASS (widget_class);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  g_object_class_install_property (object_class, PROP_TREE_SHOWN,
                                   g_param_spec_boolean ("tree-shown", NULL, NULL, TRUE, rw));
  g_object_class_install_property (object_class, PROP_PANEL_SHOWN,
                                   g_param_spec_boolean ("panel-shown", NULL, NULL, TRUE, rw));
  g_object_class_install_property (object_class, PROP_PRESENTATION,
                                   g_param_spec_boolean ("presentation", NULL, NULL, FALSE, rw));
  g_object_class_install_property (object_class, PROP_FONT_SCALE,
                                   g_param_spec_double ("font-scale", NULL, NULL, 0.1, 10, 1,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS));
  gtk_widget_class_install_property_action (widget_class, "win.show-tree", "tree-shown");
  gtk_widget_class_install_property_action (widget_class, "win.show-side-panel", "panel-shown");
  gtk_widget_class_install_property_action (widget_class, "win.presentation", "presentation");
  window_parent_class = g_type_class_peek_parent (widget_class);
  widget_class->size_allocate = size_allocate;
  gtk_widget_class_install_action (widget_class, "win.hide-sheet", NULL, run_hide_sheet);
  gtk_widget_class_install_action (widget_class, "win.scale-up", NULL, run_scale);
  gtk_widget_class_install_action (widget_class, "win.scale-down", NULL, run_scale);
  gtk_widget_class_install_action (widget_class, "win.scale-reset", NULL, run_scale);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, 0, "win.show-tree", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_F9, GDK_SHIFT_MASK,
                                       "win.show-side-panel", NULL);
  gtk_widget_class_add_binding_action (widget_class, GDK_KEY_Escape, 0, "win.hide-sheet", NULL);
}

void
ps_window_layout_init (PsWindow *win)
{
  ps_ui_load_style ();      /* made without the application (tests): the same look */
  win->tree_shown = win->panel_shown = TRUE;
  win->panel_docked = TRUE;
  win->scale_step = SCALE_NORMAL;
  win->fit_width = win->tree_width = win->fit_panel_min = win->fit_tree_min = win->fit_center_min = -1;

  win->panel_sheet = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  gtk_widget_set_halign (win->panel_sheet, GTK_ALIGN_END);
  gtk_widget_add_css_class (win->panel_sheet, "ps-side-sheet");
  gtk_widget_set_visible (win->panel_sheet, FALSE);
  gtk_overlay_add_overlay (GTK_OVERLAY (win->center_overlay), win->panel_sheet);
  g_signal_connect_swapped (win->outer_paned, "notify::position", G_CALLBACK (on_tree_divider), win);
  g_signal_connect_swapped (win->inner_paned, "notify::position", G_CALLBACK (on_panel_divider), win);

  win->scale_css = gtk_css_provider_new ();
  /* on the window's own node: its font-size is inherited by every widget in it
   * (deprecated after 4.8 in favour of display-wide providers only) */
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_add_provider (gtk_widget_get_style_context (GTK_WIDGET (win)),
                                  GTK_STYLE_PROVIDER (win->scale_css),
                                  GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  G_GNUC_END_IGNORE_DEPRECATIONS
  apply_scale (win);
}

void
ps_window_layout_dispose (PsWindow *win)
{
  g_clear_handle_id (&win->refit_id, g_source_remove);
  g_clear_object (&win->scale_css);
}
