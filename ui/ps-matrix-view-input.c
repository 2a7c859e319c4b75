/* ps-matrix-view-input.c — pointer, scroll, keyboard actions and tooltip of PsMatrixView */
#include "ps-matrix-view-private.h"

#include <math.h>

/* ---- tooltip ------------------------------------------------------------------------ */

gboolean
ps_matrix_view_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                              GtkTooltip *tooltip)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);
  g_autofree char *text = NULL;
  graphene_rect_t r;
  int64_t row, col;

  if (v->source == NULL)
    return FALSE;
  if (keyboard)
    {
      if (v->sel_row < 0)
        return FALSE;
      row = v->sel_row;
      col = v->sel_col;
    }
  else if (!ps_matrix_view_get_cell_at (v, x, y, &row, &col))
    return FALSE;
  text = ps_matrix_source_describe_tooltip (v->source, row, col);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);

  /* the tooltip belongs to this cell: GTK asks again when the pointer leaves it */
  ps_matrix_view_cell_rect (v, row, col, &r);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) floor (r.origin.x),
                                                       (int) floor (r.origin.y),
                                                       (int) MAX (1, ceil (r.size.width)),
                                                       (int) MAX (1, ceil (r.size.height)) });
  return TRUE;
}

/* ---- pointer ---------------------------------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *c, double x, double y, PsMatrixView *v)
{
  int64_t row, col;

  v->pointer_x = x;
  v->pointer_y = y;
  if (ps_matrix_view_get_cell_at (v, x, y, &row, &col))
    ps_matrix_view_set_focus (v, row, col);
  else
    ps_matrix_view_set_focus (v, v->sel_row, v->sel_col);
}

static void
on_leave (GtkEventControllerMotion *c, PsMatrixView *v)
{
  ps_matrix_view_set_focus (v, v->sel_row, v->sel_col);
}

static gboolean
on_scroll (GtkEventControllerScroll *c, double dx, double dy, PsMatrixView *v)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (c));
  gboolean pixels = gtk_event_controller_scroll_get_unit (c) == GDK_SCROLL_UNIT_SURFACE;

  if (state & GDK_CONTROL_MASK)
    {
      /* a wheel notch is one step; a touchpad zooms smoothly */
      double factor = pixels ? exp (-dy * 0.01) : pow (PS_MATRIX_ZOOM_STEP, -dy);
      ps_matrix_view_zoom_at (v, factor, v->pointer_x, v->pointer_y);
      return TRUE;
    }
  if (v->zoom > 1)
    {
      double step = pixels ? 1 : 48;
      if (state & GDK_SHIFT_MASK)
        ps_matrix_view_pan (v, -dy * step, -dx * step);
      else
        ps_matrix_view_pan (v, -dx * step, -dy * step);
      return TRUE;
    }
  return FALSE;   /* let an enclosing scrolled window have it */
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, PsMatrixView *v)
{
  v->drag_pan_x = v->pan_x;
  v->drag_pan_y = v->pan_y;
  v->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *g, double ox, double oy, PsMatrixView *v)
{
  if (v->zoom <= 1 || (!v->dragging && hypot (ox, oy) < 3))
    return;
  if (!v->dragging)
    {
      v->dragging = TRUE;
      ps_matrix_view_cursor (v);
    }
  ps_matrix_view_pan (v, v->drag_pan_x + ox - v->pan_x, v->drag_pan_y + oy - v->pan_y);
}

static void
on_drag_end (GtkGestureDrag *g, double ox, double oy, PsMatrixView *v)
{
  gboolean was = v->dragging;

  v->dragging = FALSE;
  if (was)
    ps_matrix_view_cursor (v);
  v->dragging = was;            /* the click's release that follows ignores it */
}

static void
on_click_released (GtkGestureClick *g, int n_press, double x, double y, PsMatrixView *v)
{
  int64_t row, col;

  if (v->dragging)
    {
      v->dragging = FALSE;
      return;
    }
  gtk_widget_grab_focus (GTK_WIDGET (v));
  if (!ps_matrix_view_get_cell_at (v, x, y, &row, &col))
    return;
  if (n_press == 2)
    ps_matrix_view_begin_edit (v, row, col);
  else
    ps_matrix_view_set_selected (v, row, col);
}

/* Typing a number starts an edit of the selected cell with what was typed. */
static gboolean
on_key_pressed (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state,
                PsMatrixView *v)
{
  gunichar ch = gdk_keyval_to_unicode (keyval);
  char buf[8] = { 0 };

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK))
    return FALSE;
  /* + and - zoom (the bindings); a negative value: Enter, then type it */
  if (!(g_unichar_isdigit (ch) && ch < 128) && ch != '.')
    return FALSE;
  g_unichar_to_utf8 (ch, buf);
  return ps_matrix_view_begin_edit_with (v, MAX (v->sel_row, 0), MAX (v->sel_col, 0), buf);
}

/* ---- actions -------------------------------------------------------------------------------- */

static void
action_zoom (GtkWidget *widget, const char *name, GVariant *param)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);

  if (g_str_equal (name, "heatmap.zoom-in"))
    ps_matrix_view_zoom_keyboard (v, PS_MATRIX_ZOOM_STEP);
  else if (g_str_equal (name, "heatmap.zoom-out"))
    ps_matrix_view_zoom_keyboard (v, 1 / PS_MATRIX_ZOOM_STEP);
  else
    ps_matrix_view_reset_zoom (v);
}

static void
action_move (GtkWidget *widget, const char *name, GVariant *param)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);
  PsMatrixShape shape;
  int dr, dc;

  if (!ps_matrix_view_get_shape (v, &shape))
    return;
  g_variant_get (param, "(ii)", &dr, &dc);
  if (v->sel_row < 0)
    ps_matrix_view_set_selected (v, 0, 0);
  else
    ps_matrix_view_set_selected (v, CLAMP (v->sel_row + dr, 0, shape.rows - 1),
                                 CLAMP (v->sel_col + dc, 0, shape.cols - 1));
}

static void
action_edit (GtkWidget *widget, const char *name, GVariant *param)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);
  ps_matrix_view_begin_edit_with (v, MAX (v->sel_row, 0), MAX (v->sel_col, 0), NULL);
}

void
ps_matrix_view_input_class_init (GtkWidgetClass *wc)
{
  /* Plain keys: Ctrl+plus/minus/0 scale the whole interface (the window's
   * win.scale-*), the same wherever the focus is. */
  static const struct { guint key; const char *action; } zooms[] = {
    { GDK_KEY_plus, "heatmap.zoom-in" }, { GDK_KEY_equal, "heatmap.zoom-in" },   /* + without Shift */
    { GDK_KEY_KP_Add, "heatmap.zoom-in" }, { GDK_KEY_minus, "heatmap.zoom-out" },
    { GDK_KEY_KP_Subtract, "heatmap.zoom-out" }, { GDK_KEY_Home, "heatmap.zoom-reset" },
    { GDK_KEY_KP_Home, "heatmap.zoom-reset" },
  };
  static const struct { guint key, kp_key; int dr, dc; } moves[] = {
    { GDK_KEY_Up, GDK_KEY_KP_Up, -1, 0 }, { GDK_KEY_Down, GDK_KEY_KP_Down, 1, 0 },
    { GDK_KEY_Left, GDK_KEY_KP_Left, 0, -1 }, { GDK_KEY_Right, GDK_KEY_KP_Right, 0, 1 },
    { GDK_KEY_Page_Up, GDK_KEY_KP_Page_Up, -16, 0 },
    { GDK_KEY_Page_Down, GDK_KEY_KP_Page_Down, 16, 0 },
  };

  gtk_widget_class_install_action (wc, "heatmap.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-reset", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.move", "(ii)", action_move);
  gtk_widget_class_install_action (wc, "heatmap.edit", NULL, action_edit);

  for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
    gtk_widget_class_add_binding_action (wc, zooms[i].key, 0, zooms[i].action, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (moves); i++)
    {
      gtk_widget_class_add_binding_action (wc, moves[i].key, 0, "heatmap.move", "(ii)",
                                           moves[i].dr, moves[i].dc);
      gtk_widget_class_add_binding_action (wc, moves[i].kp_key, 0, "heatmap.move", "(ii)",
                                           moves[i].dr, moves[i].dc);
    }
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Return, 0, "heatmap.edit", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_KP_Enter, 0, "heatmap.edit", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_F2, 0, "heatmap.edit", NULL);
}

void
ps_matrix_view_input_init (PsMatrixView *v)
{
  GtkWidget *w = GTK_WIDGET (v);
  GtkEventController *c;
  GtkGesture *g;

  c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_motion), v);
  g_signal_connect (c, "leave", G_CALLBACK (on_leave), v);
  gtk_widget_add_controller (w, c);

  c = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (c, "scroll", G_CALLBACK (on_scroll), v);
  gtk_widget_add_controller (w, c);

  g = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "drag-begin", G_CALLBACK (on_drag_begin), v);
  g_signal_connect (g, "drag-update", G_CALLBACK (on_drag_update), v);
  g_signal_connect (g, "drag-end", G_CALLBACK (on_drag_end), v);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (g));

  g = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "released", G_CALLBACK (on_click_released), v);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (g));

  c = gtk_event_controller_key_new ();
  g_signal_connect (c, "key-pressed", G_CALLBACK (on_key_pressed), v);
  gtk_widget_add_controller (w, c);
}
