/* ps-matrix-view.c — one widget for every matrix
 *
 * How a frame is drawn:
 *
 *   1. ps_matrix_view_layout() places the matrix: square cells that fit the
 *      widget (whole pixels from 4 px up, so cells and grid are crisp),
 *      scaled by the zoom, moved by the pan, centred with the colorbar at
 *      its right (ps_heatmap_layout).
 *   2. The frame wants the visible window at most one cell per device pixel
 *      (a PsMatrixKey).  A synchronous source pools it now, unless the cells
 *      on screen are that key; an asynchronous one gets a job in a worker,
 *      one at a time, the latest wish waiting behind it, and the cells of
 *      the last finished job are drawn where their window lies now.
 *      Either way the job's back buffer becomes the cells on screen
 *      (ps-matrix-view-cells.c).
 *   3. The cells are painted through one cairo node with CAIRO_FILTER_NEAREST
 *      (ps_heatmap_draw_cells: crisp in GTK 4.8, whose texture nodes always
 *      filter bilinearly), then the grid, the selection and the colorbar, in
 *      the style's text colour (light and dark themes).
 *
 * The colours are those of `paramscope-cli render`: same pooling, same map,
 * same range (the largest finite magnitude of the whole matrix).
 */
#include "ps-matrix-view-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (PsMatrixView, ps_matrix_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SOURCE, PROP_EDITABLE, PROP_SELECTED_ROW, PROP_SELECTED_COL, PROP_SHOW_VALUES,
       N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIG_EDIT_REQUESTED, SIG_CELL_SELECTED, SIG_CELL_FOCUSED, SIG_READY, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- helpers ------------------------------------------------------------------ */

gboolean
ps_matrix_view_get_shape (PsMatrixView *v, PsMatrixShape *shape)
{
  return v->source != NULL && ps_matrix_source_get_shape (v->source, shape);
}

/* The widget's text size in pixels, so the colorbar labels scale with the
 * desktop's font settings (a projector in a classroom). */
static double
font_px (GtkWidget *w)
{
  PangoContext *ctx = gtk_widget_get_pango_context (w);
  const PangoFontDescription *fd = pango_context_get_font_description (ctx);
  double size = fd ? pango_font_description_get_size (fd) / (double) PANGO_SCALE : 0;

  if (size <= 0)
    return 12;
  if (!pango_font_description_get_size_is_absolute (fd))
    {
      double dpi = pango_cairo_context_get_resolution (ctx);
      size *= (dpi > 0 ? dpi : 96) / 72.0;
    }
  return CLAMP (size * 0.9, 8, 40);
}

/* The colours' range: a synchronous source knows it; an asynchronous one's
 * comes with its first pooling. */
static gboolean
current_range (PsMatrixView *v, float *range)
{
  if (!ps_matrix_view_is_async (v) && ps_matrix_source_get_range (v->source, range))
    return TRUE;
  *range = v->range;
  return v->range_valid;
}

/* ---- layout -------------------------------------------------------------------- */

static double
label_width (PsMatrixView *v, float range, double font, gboolean grow)
{
  if (v->label_range != range || v->label_font != font)
    {
      cairo_t *cr;
      double w;

      if (v->probe == NULL)
        v->probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cr = cairo_create (v->probe);
      w = ps_heatmap_colorbar_label_width (cr, range, font);
      cairo_destroy (cr);
      /* while the same source is shown (training changes its range at every
       * frame) the labels' room only grows, so the matrix stays put */
      v->label_width = grow && v->label_font == font ? MAX (v->label_width, w) : w;
      v->label_range = range;
      v->label_font = font;
    }
  return v->label_width;
}

static gboolean
layout_compute (PsMatrixView *v, int width, int height, PsMatrixLayout *L)
{
  PsMatrixShape shape;
  double font, gutter;
  float range;

  memset (L, 0, sizeof *L);
  if (!ps_matrix_view_get_shape (v, &shape) || width <= 0 || height <= 0)
    return FALSE;
  font = font_px (GTK_WIDGET (v));
  /* An asynchronous source's range is known only after its first pooling,
   * which must not move the cells (and ask for a second one): room for the
   * widest label ("-8.88e-28") whatever the range. */
  if (ps_matrix_view_is_async (v) || !ps_matrix_source_get_range (v->source, &range))
    range = -8.88e-28f;
  gutter = ps_matrix_view_row_label_gutter (v, &shape, font);
  /* RGB filters have no colorbar: the cells take its room */
  ps_heatmap_layout (L, shape.rows, shape.cols, width - (int) gutter, height, font,
                     shape.rgb ? -1 : label_width (v, range, font, !ps_matrix_view_is_async (v)),
                     v->zoom, v->pan_x, v->pan_y);
  if (gutter > 0)
    {
      /* the bands' labels (a recurrent weight's gates) left of the matrix */
      L->ax += gutter;
      L->ox += gutter;
      L->cx += gutter;
      L->bar_x += gutter;
    }
  return TRUE;
}

/* Room left of the matrix for the labels of its tile rows (gates), or 0. */
double
ps_matrix_view_row_label_gutter (PsMatrixView *v, const PsMatrixShape *shape, double font)
{
  if (shape->tile_h <= 0 || ps_matrix_source_get_row_label (v->source, 0) == NULL)
    return 0;
  return round (font * 1.5) + 6;
}

gboolean
ps_matrix_view_layout (PsMatrixView *v, PsMatrixLayout *L)
{
  return layout_compute (v, gtk_widget_get_width (GTK_WIDGET (v)),
                         gtk_widget_get_height (GTK_WIDGET (v)), L);
}

/* Keep the stored pan within what the layout allows, so a drag that went past
 * the edge does not have to come back before the matrix moves again. */
static void
clamp_pan (PsMatrixView *v)
{
  PsMatrixLayout L;

  if (!ps_matrix_view_layout (v, &L))
    {
      v->pan_x = v->pan_y = 0;
      return;
    }
  v->pan_x = L.ox - L.cx;
  v->pan_y = L.oy - L.cy;
}

/* The visible window, and its resolution: at most one cell per device pixel. */
void
ps_matrix_view_layout_key (PsMatrixView *v, const PsMatrixLayout *L, int scale, PsMatrixKey *k)
{
  int64_t r1, c1;

  k->generation = v->generation;
  k->version = ps_matrix_source_get_version (v->source);
  k->r0 = CLAMP ((int64_t) floor ((L->ay - L->oy) / L->cell), 0, L->rows - 1);
  k->c0 = CLAMP ((int64_t) floor ((L->ax - L->ox) / L->cell), 0, L->cols - 1);
  r1 = CLAMP ((int64_t) ceil ((L->ay + L->ah - L->oy) / L->cell), k->r0 + 1, L->rows);
  c1 = CLAMP ((int64_t) ceil ((L->ax + L->aw - L->ox) / L->cell), k->c0 + 1, L->cols);
  k->vrows = r1 - k->r0;
  k->vcols = c1 - k->c0;
  k->out_rows = (int) MIN (k->vrows, MAX (1, (int64_t) ceil (k->vrows * L->cell * scale)));
  k->out_cols = (int) MIN (k->vcols, MAX (1, (int64_t) ceil (k->vcols * L->cell * scale)));
}

/* ---- accessibility ------------------------------------------------------------------ */

void
ps_matrix_view_update_accessible (PsMatrixView *v)
{
  const char *title = v->source ? ps_matrix_source_get_title (v->source) : "";
  g_autofree char *desc = v->source ? ps_matrix_source_describe (v->source)
                                    : g_strdup (_("nothing selected"));

  gtk_accessible_update_property (GTK_ACCESSIBLE (v),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, *title ? title : _("Heatmap"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                  -1);
}

static gboolean
accessible_idle (gpointer data)
{
  PsMatrixView *v = data;
  v->a11y_idle_id = 0;
  ps_matrix_view_update_accessible (v);
  return G_SOURCE_REMOVE;
}

/* Coalesced and throttled: training may change a parameter a hundred times
 * a second, and the description may read the whole tensor. */
static void
schedule_accessible (PsMatrixView *v)
{
  if (v->a11y_idle_id == 0)
    v->a11y_idle_id = g_timeout_add_full (G_PRIORITY_LOW, 250, accessible_idle, v, NULL);
}

/* ---- the source ------------------------------------------------------------------------ */

static void
on_source_changed (PsMatrixSource *source, guint what, PsMatrixView *v)
{
  if (what & PS_MATRIX_CHANGE_SHAPE)
    {
      v->zoom = 1;
      v->pan_x = v->pan_y = 0;
      ps_matrix_view_set_selected (v, -1, -1);
      ps_matrix_view_cursor (v);
    }
  /* the keys include the version, so stale cells are pooled again; the
   * queue_draw is all a change costs until the frame */
  gtk_widget_queue_draw (GTK_WIDGET (v));
  schedule_accessible (v);
  ps_matrix_view_request_soon (v);
}

static void
set_source_full (PsMatrixView *v, PsMatrixSource *source, gboolean keep)
{
  PsMatrixShape old = { 0 }, now = { 0 };
  gboolean had;

  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  g_return_if_fail (source == NULL || PS_IS_MATRIX_SOURCE (source));

  if (source == v->source)
    return;
  had = ps_matrix_view_get_shape (v, &old);
  if (v->source != NULL)
    {
      g_clear_signal_handler (&v->changed_id, v->source);
      g_clear_object (&v->source);
    }
  if (source != NULL)
    {
      v->source = g_object_ref (source);
      v->changed_id = g_signal_connect (source, "changed", G_CALLBACK (on_source_changed), v);
    }
  keep = keep && had && ps_matrix_view_get_shape (v, &now) && old.rows == now.rows
         && old.cols == now.cols;

  ps_matrix_view_cancel_edit (v);
  v->generation++;
  v->range_valid = FALSE;
  v->has_pending = FALSE;
  v->ready = FALSE;
  v->label_range = -1;          /* another matrix: measure its labels afresh */
  v->label_width = 0;
  if (!keep)
    {
      v->zoom = 1;
      v->pan_x = v->pan_y = 0;
      ps_matrix_view_set_selected (v, -1, -1);
    }
  ps_matrix_view_set_focus (v, v->sel_row, v->sel_col);
  ps_matrix_view_cursor (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  ps_matrix_view_update_accessible (v);
  ps_matrix_view_request_soon (v);
  g_object_notify_by_pspec (G_OBJECT (v), properties[PROP_SOURCE]);
}

GtkWidget *
ps_matrix_view_new (void)
{
  return g_object_new (PS_TYPE_MATRIX_VIEW, NULL);
}

void
ps_matrix_view_set_source (PsMatrixView *v, PsMatrixSource *source)
{
  set_source_full (v, source, FALSE);
}

void
ps_matrix_view_replace_source (PsMatrixView *v, PsMatrixSource *source)
{
  set_source_full (v, source, TRUE);
}

PsMatrixSource *
ps_matrix_view_get_source (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), NULL);
  return v->source;
}

void
ps_matrix_view_set_editable (PsMatrixView *v, gboolean editable)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  editable = !!editable;
  if (editable == v->editable)
    return;
  if (!editable && v->editing)
    ps_matrix_view_cancel_edit (v);
  v->editable = editable;
  g_object_notify_by_pspec (G_OBJECT (v), properties[PROP_EDITABLE]);
}

void
ps_matrix_view_set_show_values (PsMatrixView *v, gboolean show)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  show = !!show;
  if (show == v->show_values)
    return;
  v->show_values = show;
  gtk_widget_queue_draw (GTK_WIDGET (v));
  g_object_notify_by_pspec (G_OBJECT (v), properties[PROP_SHOW_VALUES]);
}

gboolean
ps_matrix_view_get_show_values (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  return v->show_values;
}

double
ps_matrix_view_get_values_font (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), 0);
  return v->values_font;
}

gboolean
ps_matrix_view_get_editable (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  return v->editable;
}

gboolean
ps_matrix_view_is_ready (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  return v->ready;
}

gint64
ps_matrix_view_get_pool_time (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), 0);
  return v->pool_us;
}

/* A committed value: to the handlers of "edit-requested", or else to the
 * source.  Errors show in the popover. */
void
ps_matrix_view_request_edit (PsMatrixView *v, int64_t row, int64_t col, float value)
{
  PsMatrixShape shape;
  g_autoptr (GError) error = NULL;

  if (!ps_matrix_view_get_shape (v, &shape))
    return;
  if (g_signal_has_handler_pending (v, signals[SIG_EDIT_REQUESTED], 0, FALSE))
    g_signal_emit (v, signals[SIG_EDIT_REQUESTED], 0, (gint64) (row * shape.cols + col), value);
  else if (!ps_matrix_source_set_value (v->source, row, col, value, &error))
    ps_matrix_view_show_error (v, error->message);
}

/* ---- selection ------------------------------------------------------------------------ */

void
ps_matrix_view_set_focus (PsMatrixView *v, int64_t row, int64_t col)
{
  if (row == v->focus_row && col == v->focus_col)
    return;
  v->focus_row = row;
  v->focus_col = col;
  g_signal_emit (v, signals[SIG_CELL_FOCUSED], 0, (gint64) row, (gint64) col);
}

void
ps_matrix_view_set_selected (PsMatrixView *v, int64_t row, int64_t col)
{
  PsMatrixShape shape;

  g_return_if_fail (PS_IS_MATRIX_VIEW (v));

  if (row < 0 || col < 0 || !ps_matrix_view_get_shape (v, &shape) || row >= shape.rows
      || col >= shape.cols)
    row = col = -1;
  if (row >= 0)
    ps_matrix_view_scroll_to (v, row, col);
  ps_matrix_view_set_focus (v, row, col);
  if (row == v->sel_row && col == v->sel_col)
    return;

  g_object_freeze_notify (G_OBJECT (v));
  if (row != v->sel_row)
    {
      v->sel_row = row;
      g_object_notify_by_pspec (G_OBJECT (v), properties[PROP_SELECTED_ROW]);
    }
  if (col != v->sel_col)
    {
      v->sel_col = col;
      g_object_notify_by_pspec (G_OBJECT (v), properties[PROP_SELECTED_COL]);
    }
  g_object_thaw_notify (G_OBJECT (v));
  gtk_widget_queue_draw (GTK_WIDGET (v));
  g_signal_emit (v, signals[SIG_CELL_SELECTED], 0, (int) MIN (row, G_MAXINT),
                 (int) MIN (col, G_MAXINT));
}

int64_t
ps_matrix_view_get_selected_row (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), -1);
  return v->sel_row;
}

int64_t
ps_matrix_view_get_selected_col (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), -1);
  return v->sel_col;
}

/* Pan so that cell (row, col) is inside the visible area. */
void
ps_matrix_view_scroll_to (PsMatrixView *v, int64_t row, int64_t col)
{
  PsMatrixLayout L;
  double x, y;

  if (!ps_matrix_view_layout (v, &L))
    return;
  x = L.ox + col * L.cell;
  y = L.oy + row * L.cell;
  if (x < L.ax)
    v->pan_x += L.ax - x;
  else if (x + L.cell > L.ax + L.aw)
    v->pan_x -= x + L.cell - (L.ax + L.aw);
  if (y < L.ay)
    v->pan_y += L.ay - y;
  else if (y + L.cell > L.ay + L.ah)
    v->pan_y -= y + L.cell - (L.ay + L.ah);
  clamp_pan (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  ps_matrix_view_request_soon (v);
}

/* ---- geometry --------------------------------------------------------------------------- */

gboolean
ps_matrix_view_get_cell_at (PsMatrixView *v, double x, double y, int64_t *row, int64_t *col)
{
  PsMatrixLayout L;
  double r, c;

  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);

  if (!ps_matrix_view_layout (v, &L) || x < L.ax || y < L.ay || x >= L.ax + L.aw
      || y >= L.ay + L.ah)
    return FALSE;
  c = floor ((x - L.ox) / L.cell);
  r = floor ((y - L.oy) / L.cell);
  if (r < 0 || c < 0 || r >= L.rows || c >= L.cols)
    return FALSE;
  if (row)
    *row = (int64_t) r;
  if (col)
    *col = (int64_t) c;
  return TRUE;
}

void
ps_matrix_view_cell_rect (PsMatrixView *v, int64_t row, int64_t col, graphene_rect_t *out)
{
  PsMatrixLayout L;

  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  g_return_if_fail (out != NULL);

  if (!ps_matrix_view_layout (v, &L))
    {
      graphene_rect_init (out, 0, 0, 0, 0);
      return;
    }
  graphene_rect_init (out, (float) (L.ox + col * L.cell), (float) (L.oy + row * L.cell),
                      (float) L.cell, (float) L.cell);
}

void
ps_matrix_view_get_window (PsMatrixView *v, int64_t *row0, int64_t *col0, int64_t *rows,
                           int64_t *cols)
{
  PsMatrixLayout L;
  PsMatrixKey k = { 0 };

  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  if (ps_matrix_view_layout (v, &L))
    ps_matrix_view_layout_key (v, &L, 1, &k);
  *row0 = k.r0;
  *col0 = k.c0;
  *rows = k.vrows;
  *cols = k.vcols;
}

char *
ps_matrix_view_describe_cell (PsMatrixView *v, int64_t row, int64_t col)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), NULL);
  return v->source ? ps_matrix_source_describe_cell (v->source, row, col) : NULL;
}

/* ---- zoom and pan ------------------------------------------------------------------------ */

void
ps_matrix_view_cursor (PsMatrixView *v)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (v), v->dragging ? "grabbing"
                                                   : v->zoom > 1 ? "grab" : NULL);
}

void
ps_matrix_view_zoom_at (PsMatrixView *v, double factor, double x, double y)
{
  PsMatrixLayout L;
  double max_zoom, zoom, mx, my, cell;

  g_return_if_fail (PS_IS_MATRIX_VIEW (v));

  if (!ps_matrix_view_layout (v, &L) || factor <= 0)
    return;
  /* at most 8x, or until a cell is 64 px (a 4096 x 11008 slice fits at a
   * tenth of a pixel) */
  max_zoom = MAX (8.0, 64.0 / L.fit);
  zoom = CLAMP (v->zoom * factor, 1.0, max_zoom);
  if (factor > 1 && ps_heatmap_cell_size (L.fit, zoom) <= L.cell)
    zoom = MIN ((L.cell + 1.001) / L.fit, max_zoom);   /* whole-pixel cells: grow by one at least */
  if (zoom == v->zoom)
    return;

  /* keep the matrix point under (x, y) where it is */
  mx = (x - L.ox) / L.cell;
  my = (y - L.oy) / L.cell;
  cell = ps_heatmap_cell_size (L.fit, zoom);
  v->zoom = zoom;
  v->pan_x = x - mx * cell - floor (L.ax + (L.aw - L.cols * cell) / 2);
  v->pan_y = y - my * cell - floor (L.ay + (L.ah - L.rows * cell) / 2);
  clamp_pan (v);
  ps_matrix_view_cursor (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  ps_matrix_view_request_soon (v);
}

void
ps_matrix_view_reset_zoom (PsMatrixView *v)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  v->zoom = 1;
  v->pan_x = v->pan_y = 0;
  ps_matrix_view_cursor (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  ps_matrix_view_request_soon (v);
}

double
ps_matrix_view_get_zoom (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), 1);
  return v->zoom;
}

void
ps_matrix_view_pan (PsMatrixView *v, double dx, double dy)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  v->pan_x += dx;
  v->pan_y += dy;
  clamp_pan (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  ps_matrix_view_request_soon (v);
}

/* Zoom keys act around the selection, or the middle of the view. */
void
ps_matrix_view_zoom_keyboard (PsMatrixView *v, double factor)
{
  double x = gtk_widget_get_width (GTK_WIDGET (v)) / 2.0;
  double y = gtk_widget_get_height (GTK_WIDGET (v)) / 2.0;

  if (v->sel_row >= 0)
    {
      graphene_rect_t r;
      ps_matrix_view_cell_rect (v, v->sel_row, v->sel_col, &r);
      x = r.origin.x + r.size.width / 2;
      y = r.origin.y + r.size.height / 2;
    }
  ps_matrix_view_zoom_at (v, factor, x, y);
  if (v->sel_row >= 0)
    ps_matrix_view_scroll_to (v, v->sel_row, v->sel_col);
}

/* ---- drawing ------------------------------------------------------------------------------ */

void
ps_matrix_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  gboolean was_ready = v->ready, current;
  PsMatrixLayout L;
  PsMatrixKey want;

  v->ready = FALSE;
  v->values_font = 0;
  if (v->source == NULL || width <= 0 || height <= 0)
    return;
  if (!layout_compute (v, width, height, &L))
    {
      ps_matrix_view_draw_placeholder (widget, snapshot, ps_matrix_source_get_placeholder (v->source));
      v->ready = TRUE;
      return;
    }
  current = ps_matrix_view_request_cells (v, &want);
  if (!v->key_valid || v->key.generation != v->generation)
    {
      /* nothing of this source yet */
      if (v->show_busy)
        ps_matrix_view_draw_placeholder (widget, snapshot, _("Reading…"));
      return;
    }
  {
    float range;
    gboolean known = current_range (v, &range);
    ps_matrix_view_draw_matrix (v, snapshot, &L, &want, known ? &range : NULL, width, height);
  }
  v->ready = current;
  if (current && !was_ready)
    g_signal_emit (v, signals[SIG_READY], 0);
}

static void
ps_matrix_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                        int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  /* Any size works (cells scale); ask for room to read an 8x8 matrix. */
  *minimum = 48;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 360 : 280;
}

static void
ps_matrix_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PsMatrixView *v = PS_MATRIX_VIEW (widget);

  clamp_pan (v);
  ps_matrix_view_edit_allocate (v);
}

/* ---- export ----------------------------------------------------------- */

gboolean
ps_matrix_view_export_png (PsMatrixView *v, const char *path, GError **error)
{
  PsMatrixShape shape;
  PsMatrixKey k = { 0 };
  PsMatrixJob *j;
  cairo_surface_t *img;
  GError *inner = NULL;
  gboolean ok;

  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  if (v->source == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("Nothing is shown"));
      return FALSE;
    }
  if (!ps_matrix_source_check (v->source, error))
    return FALSE;
  ps_matrix_source_get_shape (v->source, &shape);

  /* the whole matrix, pooled to fit the image (on this thread: an export
   * waits for its file anyway) */
  k.vrows = shape.rows;
  k.vcols = shape.cols;
  ps_heatmap_image_cells (shape.rows, shape.cols, PS_MATRIX_EXPORT_CELL, &k.out_rows, &k.out_cols);
  j = g_new0 (PsMatrixJob, 1);
  ps_matrix_job_prepare (j, &k);
  if (!ps_matrix_source_pool (v->source, &j->pool))
    {
      ps_matrix_job_free (j);
      return ps_matrix_source_check (v->source, error);     /* changed meanwhile */
    }
  img = ps_heatmap_render_cells (j->argb, k.out_rows, k.out_cols, j->pool.range,
                                 PS_MATRIX_EXPORT_CELL, TRUE);
  ps_matrix_job_free (j);

  /* replaced atomically: never a half-written PNG */
  ok = ps_heatmap_write_png (img, path, &inner);
  cairo_surface_destroy (img);
  if (!ok)
    {
      /* the reason, without the path the message starts with */
      gsize n = strlen (path);
      const char *why = strncmp (inner->message, path, n) == 0 && inner->message[n] == ':'
                        ? inner->message + n + 2 : inner->message;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, _("Cannot write %s: %s"), path, why);
      g_error_free (inner);
    }
  return ok;
}

/* ---- GObject ---------------------------------------------------------------------------------- */

static void
ps_matrix_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsMatrixView *v = PS_MATRIX_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      g_value_set_object (value, v->source);
      break;
    case PROP_SHOW_VALUES:
      g_value_set_boolean (value, v->show_values);
      break;
    case PROP_EDITABLE:
      g_value_set_boolean (value, v->editable);
      break;
    case PROP_SELECTED_ROW:
      g_value_set_int (value, (int) MIN (v->sel_row, G_MAXINT));
      break;
    case PROP_SELECTED_COL:
      g_value_set_int (value, (int) MIN (v->sel_col, G_MAXINT));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_matrix_view_set_property (GObject *object, guint prop_id, const GValue *value,
                             GParamSpec *pspec)
{
  PsMatrixView *v = PS_MATRIX_VIEW (object);

  switch (prop_id)
    {
    case PROP_SOURCE:
      ps_matrix_view_set_source (v, g_value_get_object (value));
      break;
    case PROP_SHOW_VALUES:
      ps_matrix_view_set_show_values (v, g_value_get_boolean (value));
      break;
    case PROP_EDITABLE:
      ps_matrix_view_set_editable (v, g_value_get_boolean (value));
      break;
    case PROP_SELECTED_ROW:
      ps_matrix_view_set_selected (v, g_value_get_int (value), MAX (v->sel_col, 0));
      break;
    case PROP_SELECTED_COL:
      ps_matrix_view_set_selected (v, MAX (v->sel_row, 0), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_matrix_view_dispose (GObject *object)
{
  PsMatrixView *v = PS_MATRIX_VIEW (object);

  /* a pooling under way finishes in its worker; its callback only lets go */
  g_cancellable_cancel (v->cancel);
  g_clear_handle_id (&v->busy_id, g_source_remove);
  g_clear_handle_id (&v->a11y_idle_id, g_source_remove);
  if (v->source != NULL)
    {
      g_clear_signal_handler (&v->changed_id, v->source);
      g_clear_object (&v->source);
    }
  ps_matrix_view_edit_dispose (v);
  G_OBJECT_CLASS (ps_matrix_view_parent_class)->dispose (object);
}

static void
ps_matrix_view_finalize (GObject *object)
{
  PsMatrixView *v = PS_MATRIX_VIEW (object);

  /* a running job holds a reference: none runs now */
  g_clear_pointer (&v->cells, cairo_surface_destroy);   /* before the buffer it wraps */
  g_clear_pointer (&v->probe, cairo_surface_destroy);
  g_free (v->argb);
  g_free (v->vals);
  ps_matrix_job_free (v->job);
  ps_matrix_job_free (v->sync_job);
  g_clear_object (&v->cancel);
  G_OBJECT_CLASS (ps_matrix_view_parent_class)->finalize (object);
}

static void
ps_matrix_view_class_init (PsMatrixViewClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  oc->get_property = ps_matrix_view_get_property;
  oc->set_property = ps_matrix_view_set_property;
  oc->dispose = ps_matrix_view_dispose;
  oc->finalize = ps_matrix_view_finalize;

  wc->snapshot = ps_matrix_view_snapshot;
  wc->measure = ps_matrix_view_measure;
  wc->size_allocate = ps_matrix_view_size_allocate;
  wc->query_tooltip = ps_matrix_view_query_tooltip;

  properties[PROP_SOURCE] = g_param_spec_object ("source", NULL, NULL, PS_TYPE_MATRIX_SOURCE, rw);
  properties[PROP_EDITABLE] = g_param_spec_boolean ("editable", NULL, NULL, FALSE, rw);
  properties[PROP_SHOW_VALUES] = g_param_spec_boolean ("show-values", NULL, NULL, FALSE, rw);
  properties[PROP_SELECTED_ROW] = g_param_spec_int ("selected-row", NULL, NULL, -1, G_MAXINT, -1,
                                                    rw);
  properties[PROP_SELECTED_COL] = g_param_spec_int ("selected-col", NULL, NULL, -1, G_MAXINT, -1,
                                                    rw);
  g_object_class_install_properties (oc, N_PROPS, properties);

  /**
   * PsMatrixView::edit-requested:
   * @flat_index: the element, as row * cols + col of the matrix
   * @value: the value typed
   *
   * The user committed a value.  A handler performs the edit (the window:
   * undoably) and calls ps_matrix_view_show_error() if it fails; without a
   * handler the view sets it through ps_matrix_source_set_value().
   */
  signals[SIG_EDIT_REQUESTED] =
    g_signal_new ("edit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_FLOAT);
  signals[SIG_CELL_SELECTED] =
    g_signal_new ("cell-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);
  signals[SIG_CELL_FOCUSED] =
    g_signal_new ("cell-focused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[SIG_READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  ps_matrix_view_input_class_init (wc);
  gtk_widget_class_set_css_name (wc, "matrixview");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_matrix_view_init (PsMatrixView *v)
{
  v->sel_row = v->sel_col = v->focus_row = v->focus_col = -1;
  v->edit_row = v->edit_col = -1;
  v->zoom = 1;
  v->label_range = -1;
  v->cancel = g_cancellable_new ();
  gtk_widget_set_focusable (GTK_WIDGET (v), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (v), TRUE);
  ps_matrix_view_input_init (v);
  ps_matrix_view_edit_init (v);
  ps_matrix_view_update_accessible (v);
}
