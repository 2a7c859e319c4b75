/* ps-heatmap-view.c — one parameter (or its gradient) as a heatmap
 *
 * How a frame is drawn:
 *
 *   1. layout_compute() places the matrix: square cells that fit the widget
 *      (whole pixels once they are 4 px or more, so cells and grid are crisp),
 *      scaled by the zoom and moved by the pan, centred together with the
 *      colorbar at its right.
 *   2. cells_update() reduces the visible window of the matrix to at most one
 *      cell per device pixel with ps_pool_slice (max-|x|, outliers stay
 *      visible) and colours it with ps_heatmap_colorize.  The result is cached
 *      by (parameter version, window, resolution), so hovering, selecting or
 *      redrawing for any other reason costs no pooling; the float and ARGB
 *      buffers only grow.
 *   3. snapshot() paints the cells through one cairo node with
 *      CAIRO_FILTER_NEAREST (ps_heatmap_draw_cells: crisp in GTK 4.8, whose
 *      texture nodes always filter bilinearly), then the grid, the selection
 *      and the colorbar (ps_heatmap_draw_colorbar, in the style's text colour
 *      so it follows light and dark themes).
 *
 * The colours are those of `paramscope-cli render`: same pooling, same map,
 * same range (the largest finite magnitude of the whole tensor).
 */
#include "ps-heatmap-view.h"
#include "ps-ui-util.h"
#include "ps-heatmap-draw.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gi18n.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

#define GRID_MIN_CELL  12.0    /* draw a grid between cells from this size */
#define ZOOM_STEP      1.25

struct _PsHeatmapView
{
  GtkWidget parent_instance;

  /* what is shown */
  PsParam  *param;            /* ref, nullable */
  guint     listener_id;
  gboolean  show_grad;
  gboolean  read_only;     /* no editing (a difference of snapshots, say) */
  char     *title;
  GThread  *owner;            /* listeners may fire elsewhere: redraw from here */
  guint     a11y_idle_id;

  /* view state */
  int       sel_row, sel_col; /* -1: none */
  double    zoom;             /* 1: the whole matrix fits */
  double    pan_x, pan_y;     /* offset of the matrix from its centred place, px */
  double    drag_pan_x, drag_pan_y;
  gboolean  dragging;
  double    pointer_x, pointer_y;

  /* range of the whole tensor, cached by version */
  float     range;
  guint64   range_version;
  gboolean  range_grad;
  gboolean  range_valid;

  /* the pooled, coloured window (see cells_update) */
  PsPoolScratch scratch;
  float    *pooled;
  guint32  *argb;
  gsize     buf_cap;          /* elements of pooled and argb */
  cairo_surface_t *cells;     /* wraps argb */
  struct
  {
    gboolean valid, grad;
    guint64  version;
    int64_t  r0, c0, vrows, vcols;
    int      out_rows, out_cols;
  } key;

  /* colorbar label width, cached by (range, font) */
  cairo_surface_t *probe;
  float     label_range;
  double    label_font, label_width;

  /* editing */
  GtkWidget *popover;
  GtkWidget *entry;
  GtkWidget *error_label;
  int        edit_row, edit_col;
  gboolean   editing;
  gboolean   error_shown;      /* show_error() was called since the last commit */
};

G_DEFINE_FINAL_TYPE (PsHeatmapView, ps_heatmap_view, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED_ROW, PROP_SELECTED_COL, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIG_EDIT_REQUESTED, SIG_CELL_SELECTED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- helpers ------------------------------------------------------------ */

/* The tensor on display: the values or the gradient, NULL if absent. */
static PsTensor *
shown_tensor (PsHeatmapView *v)
{
  if (v->param == NULL)
    return NULL;
  return v->show_grad ? ps_param_get_grad (v->param) : ps_param_get_data (v->param);
}

static gboolean
shown_shape (PsHeatmapView *v, int64_t *rows, int64_t *cols)
{
  PsTensor *t = shown_tensor (v);
  if (t == NULL || t->numel == 0)
    return FALSE;
  ps_heatmap_shape (t->ndim, t->shape, rows, cols);
  return *rows > 0 && *cols > 0;
}

/* "-0.35" -> "−0.35": a real minus sign for text people read. */
static char *
pretty_number (const char *ascii)
{
  if (ascii[0] == '-')
    return g_strconcat ("\u2212", ascii + 1, NULL);
  return g_strdup (ascii);
}

static char *
format_g6 (double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (isnan (x))
    return g_strdup ("NaN");
  if (isinf (x))
    return g_strdup (x > 0 ? "inf" : "\u2212inf");
  return pretty_number (g_ascii_formatd (buf, sizeof buf, "%.6g", x));
}

/* The shortest text that reads back as the same float, for the edit entry. */
static char *
format_editable (float x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 6; digits <= 9; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, fmt, x);
      if ((float) g_ascii_strtod (buf, NULL) == x)
        break;
    }
  return g_strdup (buf);
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

static void
fg_color (GtkWidget *w, GdkRGBA *out)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (w), out);
}

/* ---- range and layout ----------------------------------------------------- */

static float
ensure_range (PsHeatmapView *v)
{
  PsTensor *t = shown_tensor (v);
  guint64 version;

  if (t == NULL)
    return 1.f;
  version = ps_param_get_version (v->param);
  if (!v->range_valid || v->range_version != version || v->range_grad != v->show_grad)
    {
      v->range = ps_heatmap_range (t->data, t->numel);
      v->range_version = version;
      v->range_grad = v->show_grad;
      v->range_valid = TRUE;
    }
  return v->range;
}

static double
label_width (PsHeatmapView *v, float range, double font)
{
  if (v->label_range != range || v->label_font != font)
    {
      cairo_t *cr;
      if (v->probe == NULL)
        v->probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      double w;
      cr = cairo_create (v->probe);
      w = ps_heatmap_colorbar_label_width (cr, range, font);
      cairo_destroy (cr);
      /* while the same parameter is shown (training changes its range at
       * every frame) the labels' room only grows, so the matrix stays put */
      v->label_width = v->label_font == font ? MAX (v->label_width, w) : w;
      v->label_range = range;
      v->label_font = font;
    }
  return v->label_width;
}

typedef PsHeatmapLayout Layout;

/* Place everything for a widget of width x height.  FALSE: nothing to draw. */
static gboolean
layout_compute (PsHeatmapView *v, int width, int height, Layout *L)
{
  int64_t rows, cols;
  double font;
  float range;

  memset (L, 0, sizeof *L);
  if (!shown_shape (v, &rows, &cols) || width <= 0 || height <= 0)
    return FALSE;
  range = ensure_range (v);
  font = font_px (GTK_WIDGET (v));
  ps_heatmap_layout (L, rows, cols, width, height, font, label_width (v, range, font),
                     v->zoom, v->pan_x, v->pan_y);
  return TRUE;
}

static gboolean
layout_current (PsHeatmapView *v, Layout *L)
{
  return layout_compute (v, gtk_widget_get_width (GTK_WIDGET (v)),
                         gtk_widget_get_height (GTK_WIDGET (v)), L);
}

/* Keep the stored pan within what the layout allows, so a drag that went past
 * the edge does not have to come back before the matrix moves again. */
static void
clamp_pan (PsHeatmapView *v)
{
  Layout L;
  if (!layout_current (v, &L))
    {
      v->pan_x = v->pan_y = 0;
      return;
    }
  v->pan_x = L.ox - L.cx;
  v->pan_y = L.oy - L.cy;
}

/* The rows and columns of the matrix that are at least partly visible. */
static void
layout_window (const Layout *L, int64_t *r0, int64_t *c0, int64_t *vrows, int64_t *vcols)
{
  int64_t r1, c1;
  *r0 = CLAMP ((int64_t) floor ((L->ay - L->oy) / L->cell), 0, L->rows - 1);
  *c0 = CLAMP ((int64_t) floor ((L->ax - L->ox) / L->cell), 0, L->cols - 1);
  r1 = CLAMP ((int64_t) ceil ((L->ay + L->ah - L->oy) / L->cell), *r0 + 1, L->rows);
  c1 = CLAMP ((int64_t) ceil ((L->ax + L->aw - L->ox) / L->cell), *c0 + 1, L->cols);
  *vrows = r1 - *r0;
  *vcols = c1 - *c0;
}

/* ---- pooled cells ----------------------------------------------------------- */

/* Make v->cells show the window (r0, c0, vrows, vcols) at out_rows x out_cols. */
static void
cells_update (PsHeatmapView *v, const Layout *L, int64_t r0, int64_t c0, int64_t vrows,
              int64_t vcols, int out_rows, int out_cols)
{
  PsTensor *t = shown_tensor (v);
  guint64 version = ps_param_get_version (v->param);
  gsize n = (gsize) out_rows * out_cols;
  float range = ensure_range (v);

  if (v->key.valid && v->key.version == version && v->key.grad == v->show_grad
      && v->key.r0 == r0 && v->key.c0 == c0 && v->key.vrows == vrows && v->key.vcols == vcols
      && v->key.out_rows == out_rows && v->key.out_cols == out_cols && v->cells != NULL)
    return;

  if (v->cells != NULL)
    {
      /* A render node of an earlier frame may still refer to the surface:
       * finishing it makes cairo copy what those snapshots need before the
       * buffer is written again (or freed). */
      cairo_surface_finish (v->cells);
      g_clear_pointer (&v->cells, cairo_surface_destroy);
    }
  if (n > v->buf_cap)
    {
      gsize cap = MAX (n, v->buf_cap * 3 / 2);
      g_free (v->pooled);
      g_free (v->argb);
      v->pooled = g_new (float, cap);
      v->argb = g_new (guint32, cap);
      v->buf_cap = cap;
    }

  {
    PsSlice slice;
    ps_slice_init_f32 (&slice, t->data, L->rows, L->cols);
    ps_pool_slice (&slice, r0, c0, vrows, vcols, v->pooled, out_rows, out_cols, &v->scratch);
  }
  ps_heatmap_colorize (v->pooled, (int64_t) n, range, v->argb);
  /* ARGB32 rows of whole pixels need no padding: stride = 4 * width */
  g_assert (cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, out_cols) == out_cols * 4);
  v->cells = cairo_image_surface_create_for_data ((guchar *) v->argb, CAIRO_FORMAT_ARGB32,
                                                  out_cols, out_rows, out_cols * 4);

  v->key.valid = TRUE;
  v->key.version = version;
  v->key.grad = v->show_grad;
  v->key.r0 = r0;
  v->key.c0 = c0;
  v->key.vrows = vrows;
  v->key.vcols = vcols;
  v->key.out_rows = out_rows;
  v->key.out_cols = out_cols;
}

static void
cells_invalidate (PsHeatmapView *v)
{
  v->key.valid = FALSE;
  v->range_valid = FALSE;
}

/* ---- accessibility -------------------------------------------------------------- */

static void
update_accessible (PsHeatmapView *v)
{
  const char *title = v->title ? v->title : "";
  g_autofree char *desc = NULL;
  PsTensor *t = shown_tensor (v);
  int64_t rows, cols;

  if (v->param == NULL)
    desc = g_strdup (_("no parameter selected"));
  else if (!ps_param_is_initialized (v->param))
    desc = g_strdup_printf (_("%s, uninitialized"), title);
  else if (t == NULL)
    desc = g_strdup_printf (_("%s, no gradient yet"), title);
  else if (!shown_shape (v, &rows, &cols))
    desc = g_strdup_printf (_("%s, empty"), title);
  else
    {
      float lo = INFINITY, hi = -INFINITY;
      int64_t nonfinite = 0;
      g_autofree char *los = NULL, *his = NULL, *dims = NULL;

      for (int64_t i = 0; i < t->numel; i++)
        {
          float x = t->data[i];
          if (isfinite (x))
            {
              lo = MIN (lo, x);
              hi = MAX (hi, x);
            }
          else
            nonfinite++;
        }
      /* TRANSLATORS: the shape of a matrix, rows by columns */
      dims = g_strdup_printf (_("%lld by %lld"), (long long) rows, (long long) cols);
      if (lo > hi)
        desc = g_strdup_printf (_("%s, %s, no finite values"), title, dims);
      else
        {
          los = ps_heatmap_format_value (lo);
          his = ps_heatmap_format_value (hi);
          g_autofree char *plo = pretty_number (los), *phi = pretty_number (his);
          desc = g_strdup_printf (_("%s, %s, values from %s to %s"), title, dims, plo, phi);
        }
      if (nonfinite > 0)
        {
          char *more = g_strdup_printf (ngettext ("%s, %lld value not finite",
                                                  "%s, %lld values not finite",
                                                  (unsigned long) nonfinite),
                                        desc, (long long) nonfinite);
          g_free (desc);
          desc = more;
        }
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (v),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, title,
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                  -1);
}

static gboolean
accessible_idle (gpointer data)
{
  PsHeatmapView *v = data;
  v->a11y_idle_id = 0;
  update_accessible (v);
  return G_SOURCE_REMOVE;
}

/* Coalesced and throttled: training may change the parameter a hundred times
 * a second, and the description reads the whole tensor. */
static void
schedule_accessible (PsHeatmapView *v)
{
  if (v->a11y_idle_id == 0)
    v->a11y_idle_id = g_timeout_add_full (G_PRIORITY_LOW, 250, accessible_idle, v, NULL);
}

/* ---- parameter listener ------------------------------------------------------ */

static void
param_changed_here (PsHeatmapView *v, PsChange what)
{
  if (what & PS_CHANGE_SHAPE)
    {
      v->zoom = 1;
      v->pan_x = v->pan_y = 0;
      ps_heatmap_view_set_selected (v, -1, -1);
    }
  /* The cache keys include the version, so stale cells are redrawn; the
   * queue_draw is all a change costs until the frame. */
  gtk_widget_queue_draw (GTK_WIDGET (v));
  schedule_accessible (v);
}

static void
changed_cb (GObject *object, PsChange what)
{
  param_changed_here (PS_HEATMAP_VIEW (object), what);
}

static void
on_param_changed (PsParam *param, PsChange what, gpointer user_data)
{
  PsHeatmapView *v = user_data;

  /* a worker thread may change the parameter: redraw on ours */
  ps_ui_dispatch_change (G_OBJECT (v), v->owner, changed_cb, what);
}

/* ---- public API: what is shown ----------------------------------------------------- */

GtkWidget *
ps_heatmap_view_new (void)
{
  return g_object_new (PS_TYPE_HEATMAP_VIEW, NULL);
}

void
ps_heatmap_view_set_param (PsHeatmapView *v, PsParam *param, gboolean show_grad,
                           const char *title)
{
  gboolean same;

  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));

  same = param == v->param && !!show_grad == v->show_grad;
  if (param != v->param)
    {
      if (v->param != NULL)
        {
          ps_param_remove_listener (v->param, v->listener_id);
          v->listener_id = 0;
          g_clear_pointer (&v->param, ps_param_unref);
        }
      if (param != NULL)
        {
          v->param = ps_param_ref (param);
          v->listener_id = ps_param_add_listener (param, on_param_changed, v, NULL);
        }
    }
  v->show_grad = !!show_grad;
  g_free (v->title);
  v->title = g_strdup (title);

  if (!same)
    {
      ps_heatmap_view_cancel_edit (v);
      v->zoom = 1;
      v->pan_x = v->pan_y = 0;
      v->label_range = -1;      /* another tensor: measure its labels afresh */
      v->label_width = 0;
      cells_invalidate (v);
      ps_heatmap_view_set_selected (v, -1, -1);
    }
  gtk_widget_set_cursor_from_name (GTK_WIDGET (v), v->zoom > 1 ? "grab" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (v));
  update_accessible (v);
}

PsParam *
ps_heatmap_view_get_param (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), NULL);
  return v->param;
}

gboolean
ps_heatmap_view_get_show_grad (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);
  return v->show_grad;
}

/* ---- selection ------------------------------------------------------------------- */

void
ps_heatmap_view_set_selected (PsHeatmapView *v, int row, int col)
{
  int64_t rows, cols;

  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));

  if (row < 0 || col < 0 || !shown_shape (v, &rows, &cols) || row >= rows || col >= cols)
    row = col = -1;
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
  g_signal_emit (v, signals[SIG_CELL_SELECTED], 0, row, col);
}

int
ps_heatmap_view_get_selected_row (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), -1);
  return v->sel_row;
}

int
ps_heatmap_view_get_selected_col (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), -1);
  return v->sel_col;
}

/* Pan so that cell (row, col) is inside the visible area. */
static void
scroll_to_cell (PsHeatmapView *v, int row, int col)
{
  Layout L;
  double x, y;

  if (!layout_current (v, &L))
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
}

/* ---- geometry for tests and tooltips --------------------------------------------------- */

gboolean
ps_heatmap_view_get_cell_at (PsHeatmapView *v, double x, double y, int *row, int *col)
{
  Layout L;
  double r, c;

  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);

  if (!layout_current (v, &L) || x < L.ax || y < L.ay || x >= L.ax + L.aw || y >= L.ay + L.ah)
    return FALSE;
  c = floor ((x - L.ox) / L.cell);
  r = floor ((y - L.oy) / L.cell);
  if (r < 0 || c < 0 || r >= L.rows || c >= L.cols)
    return FALSE;
  if (row)
    *row = (int) r;
  if (col)
    *col = (int) c;
  return TRUE;
}

void
ps_heatmap_view_cell_rect (PsHeatmapView *v, int row, int col, graphene_rect_t *out)
{
  Layout L;

  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));
  g_return_if_fail (out != NULL);

  if (!layout_current (v, &L))
    {
      graphene_rect_init (out, 0, 0, 0, 0);
      return;
    }
  graphene_rect_init (out, L.ox + col * L.cell, L.oy + row * L.cell, L.cell, L.cell);
}

/* ---- zoom and pan ------------------------------------------------------------------------ */

void
ps_heatmap_view_zoom_at (PsHeatmapView *v, double factor, double x, double y)
{
  Layout L;
  double max_zoom, zoom, mx, my, cell, ox, oy;

  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));

  if (!layout_current (v, &L) || factor <= 0)
    return;
  /* at most 8x, or until a cell is 64 px for matrices that start tiny */
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
  ox = x - mx * cell;
  oy = y - my * cell;
  v->zoom = zoom;
  v->pan_x = ox - floor (L.ax + (L.aw - L.cols * cell) / 2);
  v->pan_y = oy - floor (L.ay + (L.ah - L.rows * cell) / 2);
  clamp_pan (v);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (v), v->zoom > 1 ? "grab" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (v));
}

void
ps_heatmap_view_reset_zoom (PsHeatmapView *v)
{
  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));
  v->zoom = 1;
  v->pan_x = v->pan_y = 0;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (v), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (v));
}

double
ps_heatmap_view_get_zoom (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), 1);
  return v->zoom;
}

/* Zoom keys act around the selection, or the middle of the view. */
static void
zoom_keyboard (PsHeatmapView *v, double factor)
{
  double x = gtk_widget_get_width (GTK_WIDGET (v)) / 2.0;
  double y = gtk_widget_get_height (GTK_WIDGET (v)) / 2.0;

  if (v->sel_row >= 0)
    {
      graphene_rect_t r;
      ps_heatmap_view_cell_rect (v, v->sel_row, v->sel_col, &r);
      x = r.origin.x + r.size.width / 2;
      y = r.origin.y + r.size.height / 2;
    }
  ps_heatmap_view_zoom_at (v, factor, x, y);
  if (v->sel_row >= 0)
    scroll_to_cell (v, v->sel_row, v->sel_col);
}

static void
pan_by (PsHeatmapView *v, double dx, double dy)
{
  v->pan_x += dx;
  v->pan_y += dy;
  clamp_pan (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
}

/* ---- editing ---------------------------------------------------------------------------- */

gboolean
ps_heatmap_view_parse_value (const char *text, float *out)
{
  g_autofree char *s = NULL;
  char *end = NULL, *p;
  double d;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  s = g_strstrip (g_strdup (text));
  /* accept the typographic minus that tooltips and labels show */
  if (g_str_has_prefix (s, "\u2212"))
    {
      char *t = g_strconcat ("-", s + strlen ("\u2212"), NULL);
      g_free (s);
      s = t;
    }
  if (*s == '\0')
    return FALSE;
  /* g_ascii_strtod also reads "nan", "inf" and hex floats: only finite
   * decimal numbers are values a user means to type */
  for (p = s; *p; p++)
    if (!strchr ("0123456789+-.eE", *p))
      return FALSE;
  errno = 0;
  d = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (d) || fabs (d) > G_MAXFLOAT)
    return FALSE;
  *out = (float) d;
  return TRUE;
}

static void
edit_clear_error (PsHeatmapView *v)
{
  gtk_widget_remove_css_class (v->entry, "error");
  gtk_widget_set_visible (v->error_label, FALSE);
  gtk_accessible_reset_state (GTK_ACCESSIBLE (v->entry), GTK_ACCESSIBLE_STATE_INVALID);
}

static void
edit_set_error (PsHeatmapView *v, const char *message)
{
  gtk_widget_add_css_class (v->entry, "error");
  gtk_label_set_text (GTK_LABEL (v->error_label), message);
  gtk_widget_set_visible (v->error_label, TRUE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (v->entry),
                               GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
  v->error_shown = TRUE;
}

/* Point the popover at the cell being edited (within the widget). */
static void
edit_point_at (PsHeatmapView *v)
{
  graphene_rect_t r;
  GdkRectangle gr;
  int w = gtk_widget_get_width (GTK_WIDGET (v)), h = gtk_widget_get_height (GTK_WIDGET (v));

  ps_heatmap_view_cell_rect (v, v->edit_row, v->edit_col, &r);
  gr.x = (int) CLAMP (floor (r.origin.x), 0, MAX (0, w - 1));
  gr.y = (int) CLAMP (floor (r.origin.y), 0, MAX (0, h - 1));
  gr.width = (int) CLAMP (ceil (r.size.width), 1, MAX (1, w - gr.x));
  gr.height = (int) CLAMP (ceil (r.size.height), 1, MAX (1, h - gr.y));
  gtk_popover_set_pointing_to (GTK_POPOVER (v->popover), &gr);
}

static gboolean
begin_edit_with (PsHeatmapView *v, int row, int col, const char *initial)
{
  PsTensor *t;
  int64_t rows, cols;

  if (v->show_grad || v->read_only || !shown_shape (v, &rows, &cols) || row < 0 || col < 0
      || row >= rows
      || col >= cols)
    return FALSE;
  t = shown_tensor (v);

  ps_heatmap_view_set_selected (v, row, col);
  scroll_to_cell (v, row, col);
  v->edit_row = row;
  v->edit_col = col;
  v->editing = TRUE;
  v->error_shown = FALSE;

  if (initial != NULL)
    gtk_editable_set_text (GTK_EDITABLE (v->entry), initial);
  else
    {
      g_autofree char *text = format_editable (t->data[(int64_t) row * cols + col]);
      gtk_editable_set_text (GTK_EDITABLE (v->entry), text);
    }
  edit_clear_error (v);
  edit_point_at (v);
  gtk_popover_popup (GTK_POPOVER (v->popover));
  gtk_widget_grab_focus (v->entry);
  if (initial != NULL)
    gtk_editable_set_position (GTK_EDITABLE (v->entry), -1);
  else
    gtk_editable_select_region (GTK_EDITABLE (v->entry), 0, -1);
  return TRUE;
}

gboolean
ps_heatmap_view_begin_edit (PsHeatmapView *v, int row, int col)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);
  return begin_edit_with (v, row, col, NULL);
}

gboolean
ps_heatmap_view_commit_text (PsHeatmapView *v, const char *text)
{
  int64_t rows, cols;
  float value;

  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);
  g_return_val_if_fail (v->editing, FALSE);

  if (!shown_shape (v, &rows, &cols) || v->edit_row >= rows || v->edit_col >= cols)
    {
      /* the parameter changed shape under the popover */
      ps_heatmap_view_cancel_edit (v);
      return FALSE;
    }
  /* called directly (tests, scripts): show what is being committed */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (v->entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (v->entry), text ? text : "");
  if (!ps_heatmap_view_parse_value (text, &value))
    {
      edit_set_error (v, _("not a finite number"));
      return FALSE;
    }

  /* The window performs the edit; if it fails it calls show_error() during
   * the emission, and the popover stays open with the message. */
  v->error_shown = FALSE;
  g_signal_emit (v, signals[SIG_EDIT_REQUESTED], 0,
                 (gint64) ((int64_t) v->edit_row * cols + v->edit_col), value);
  if (!v->error_shown)
    gtk_popover_popdown (GTK_POPOVER (v->popover));
  return TRUE;
}

void
ps_heatmap_view_cancel_edit (PsHeatmapView *v)
{
  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));
  if (v->popover != NULL && gtk_widget_get_visible (v->popover))
    gtk_popover_popdown (GTK_POPOVER (v->popover));
  v->editing = FALSE;
}

gboolean
ps_heatmap_view_is_editing (PsHeatmapView *v)
{
  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);
  return v->editing;
}

void
ps_heatmap_view_show_error (PsHeatmapView *v, const char *message)
{
  int64_t rows, cols;

  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));
  g_return_if_fail (message != NULL);

  if (!v->editing)
    {
      /* reported after the popover closed: reopen it on the same cell, with
       * the text that was typed */
      if (!shown_shape (v, &rows, &cols) || v->edit_row < 0 || v->edit_row >= rows
          || v->edit_col >= cols)
        return;
      v->editing = TRUE;
      edit_point_at (v);
      gtk_popover_popup (GTK_POPOVER (v->popover));
      gtk_widget_grab_focus (v->entry);
    }
  edit_set_error (v, message);
}

static void
on_entry_activate (GtkEntry *entry, PsHeatmapView *v)
{
  ps_heatmap_view_commit_text (v, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_entry_changed (GtkEditable *editable, PsHeatmapView *v)
{
  if (v->error_shown)
    {
      edit_clear_error (v);
      v->error_shown = FALSE;
    }
}

static void
on_popover_closed (GtkPopover *popover, PsHeatmapView *v)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (v));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  v->editing = FALSE;
  /* Escape or Enter: back to the cells, for the next arrow key.  A click
   * elsewhere closed it: leave the focus where the click put it. */
  if (gtk_widget_get_mapped (GTK_WIDGET (v))
      && (focus == NULL || gtk_widget_is_ancestor (focus, GTK_WIDGET (popover))))
    gtk_widget_grab_focus (GTK_WIDGET (v));
}

/* ---- drawing ----------------------------------------------------------------------------- */

static void
snapshot_placeholder (GtkWidget *w, GtkSnapshot *s, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (w, text);
  int tw, th;
  float y;
  GdkRGBA fg;

  fg_color (w, &fg);
  fg.alpha *= 0.55f;                    /* dim, as GTK's placeholder text */
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_width (layout, MAX (1, gtk_widget_get_width (w) - 16) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (s);
  y = floorf ((gtk_widget_get_height (w) - th) / 2.f);
  gtk_snapshot_translate (s, &GRAPHENE_POINT_INIT (8, y));
  gtk_snapshot_append_layout (s, layout, &fg);
  gtk_snapshot_restore (s);
  g_object_unref (layout);
}

/* Thin separators between the visible cells, in the background's sense:
 * light gaps on a light theme, dark gaps on a dark one. */
static void
draw_grid (cairo_t *cr, const Layout *L, int64_t r0, int64_t c0, int64_t vrows, int64_t vcols,
           const GdkRGBA *fg)
{
  double lum = 0.299 * fg->red + 0.587 * fg->green + 0.114 * fg->blue;
  double x0 = L->ox + c0 * L->cell, y0 = L->oy + r0 * L->cell;
  double w = vcols * L->cell, h = vrows * L->cell;

  if (lum < 0.5)
    cairo_set_source_rgba (cr, 1, 1, 1, 0.6);
  else
    cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  for (int64_t c = 1; c < vcols; c++)
    cairo_rectangle (cr, x0 + c * L->cell, y0, 1, h);
  for (int64_t r = 1; r < vrows; r++)
    cairo_rectangle (cr, x0, y0 + r * L->cell, w, 1);
  cairo_fill (cr);
}

/* The selected cell: a dark outline with a light inner line, visible on
 * every colour of the map; at least 8 px across even when cells are tiny. */
static void
draw_selection (cairo_t *cr, const Layout *L, int row, int col)
{
  double x = L->ox + col * L->cell, y = L->oy + row * L->cell, s = L->cell;

  if (s < 8)
    {
      x -= (8 - s) / 2;
      y -= (8 - s) / 2;
      s = 8;
    }
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, x + 1, y + 1, s - 2, s - 2);
  cairo_stroke (cr);
  if (s >= 6)
    {
      cairo_set_line_width (cr, 1);
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_rectangle (cr, x + 2.5, y + 2.5, s - 5, s - 5);
      cairo_stroke (cr);
    }
}

static void
ps_heatmap_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  int64_t r0, c0, vrows, vcols;
  int out_rows, out_cols;
  double dx, dy, dw, dh;
  GdkRGBA fg;
  Layout L;
  cairo_t *cr;

  if (v->param == NULL || width <= 0 || height <= 0)
    return;
  if (!ps_param_is_initialized (v->param))
    {
      snapshot_placeholder (widget, snapshot, _("uninitialized — run Forward"));
      return;
    }
  if (shown_tensor (v) == NULL)
    {
      snapshot_placeholder (widget, snapshot, _("no gradient yet"));
      return;
    }
  if (!layout_compute (v, width, height, &L))
    {
      snapshot_placeholder (widget, snapshot, _("no elements"));
      return;
    }

  /* The visible window, at most one pooled cell per device pixel. */
  layout_window (&L, &r0, &c0, &vrows, &vcols);
  out_rows = (int) MIN (vrows, MAX (1, (int64_t) ceil (vrows * L.cell * scale)));
  out_cols = (int) MIN (vcols, MAX (1, (int64_t) ceil (vcols * L.cell * scale)));
  cells_update (v, &L, r0, c0, vrows, vcols, out_rows, out_cols);

  fg_color (widget, &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));

  cairo_save (cr);
  cairo_rectangle (cr, L.ax, L.ay, L.aw, L.ah);
  cairo_clip (cr);
  dx = L.ox + c0 * L.cell;
  dy = L.oy + r0 * L.cell;
  dw = vcols * L.cell;
  dh = vrows * L.cell;
  ps_heatmap_draw_cells (cr, v->cells, dx, dy, dw, dh);
  if (L.cell >= GRID_MIN_CELL)
    draw_grid (cr, &L, r0, c0, vrows, vcols, &fg);
  if (v->sel_row >= 0)
    draw_selection (cr, &L, v->sel_row, v->sel_col);
  cairo_restore (cr);

  if (L.colorbar)
    ps_heatmap_draw_colorbar (cr, L.bar_x, L.bar_y, L.bar_w, L.bar_h, ensure_range (v),
                              fg.red, fg.green, fg.blue, L.font);
  cairo_destroy (cr);
}

static void
ps_heatmap_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                         int *minimum, int *natural, int *minimum_baseline, int *natural_baseline)
{
  /* Any size works (cells scale); ask for room to read an 8x8 matrix. */
  *minimum = 48;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 360 : 280;
}

static void
ps_heatmap_view_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);

  clamp_pan (v);
  if (v->editing)
    edit_point_at (v);
  gtk_popover_present (GTK_POPOVER (v->popover));
}

/* ---- tooltip ---------------------------------------------------------------------------- */

char *
ps_heatmap_view_describe_cell (PsHeatmapView *v, int row, int col)
{
  PsTensor *data, *grad;
  int64_t rows, cols, i;
  g_autofree char *index = NULL, *value = NULL, *gradient = NULL;

  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), NULL);

  if (!shown_shape (v, &rows, &cols) || row < 0 || col < 0 || row >= rows || col >= cols)
    return NULL;
  data = ps_param_get_data (v->param);
  grad = ps_param_get_grad (v->param);
  i = (int64_t) row * cols + col;
  if (data != NULL && data->ndim == 1)
    index = g_strdup_printf ("[%d]", row);
  else
    index = g_strdup_printf ("[%d, %d]", row, col);
  value = data ? format_g6 (data->data[i]) : g_strdup ("\u2014");
  gradient = grad ? format_g6 (grad->data[i]) : g_strdup (_("none yet"));
  /* TRANSLATORS: a heatmap cell's tooltip: name, index, value, gradient */
  return g_strdup_printf (_("%s %s\nvalue %s\ngradient %s"), v->title ? v->title : "", index, value,
                          gradient);
}

static gboolean
ps_heatmap_view_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                               GtkTooltip *tooltip)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);
  g_autofree char *text = NULL;
  graphene_rect_t r;
  int row, col;

  if (keyboard)
    {
      if (v->sel_row < 0)
        return FALSE;
      row = v->sel_row;
      col = v->sel_col;
    }
  else if (!ps_heatmap_view_get_cell_at (v, x, y, &row, &col))
    return FALSE;
  text = ps_heatmap_view_describe_cell (v, row, col);
  if (text == NULL)
    return FALSE;
  gtk_tooltip_set_text (tooltip, text);

  /* the tooltip belongs to this cell: GTK asks again when the pointer leaves it */
  ps_heatmap_view_cell_rect (v, row, col, &r);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) floor (r.origin.x),
                                                       (int) floor (r.origin.y),
                                                       (int) MAX (1, ceil (r.size.width)),
                                                       (int) MAX (1, ceil (r.size.height)) });
  return TRUE;
}

/* ---- input ---------------------------------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *c, double x, double y, PsHeatmapView *v)
{
  v->pointer_x = x;
  v->pointer_y = y;
}

static gboolean
on_scroll (GtkEventControllerScroll *c, double dx, double dy, PsHeatmapView *v)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (c));
  gboolean pixels = gtk_event_controller_scroll_get_unit (c) == GDK_SCROLL_UNIT_SURFACE;

  if (state & GDK_CONTROL_MASK)
    {
      /* a wheel notch is one step; a touchpad zooms smoothly */
      double factor = pixels ? exp (-dy * 0.01) : pow (ZOOM_STEP, -dy);
      ps_heatmap_view_zoom_at (v, factor, v->pointer_x, v->pointer_y);
      return TRUE;
    }
  if (v->zoom > 1)
    {
      double step = pixels ? 1 : 48;
      if (state & GDK_SHIFT_MASK)
        pan_by (v, -dy * step, -dx * step);
      else
        pan_by (v, -dx * step, -dy * step);
      return TRUE;
    }
  return FALSE;   /* let an enclosing scrolled window have it */
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, PsHeatmapView *v)
{
  v->drag_pan_x = v->pan_x;
  v->drag_pan_y = v->pan_y;
  v->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *g, double ox, double oy, PsHeatmapView *v)
{
  if (v->zoom <= 1)
    return;
  if (!v->dragging && hypot (ox, oy) < 3)
    return;
  if (!v->dragging)
    {
      v->dragging = TRUE;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (v), "grabbing");
    }
  v->pan_x = v->drag_pan_x + ox;
  v->pan_y = v->drag_pan_y + oy;
  clamp_pan (v);
  gtk_widget_queue_draw (GTK_WIDGET (v));
}

static void
on_drag_end (GtkGestureDrag *g, double ox, double oy, PsHeatmapView *v)
{
  if (v->dragging)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (v), v->zoom > 1 ? "grab" : NULL);
  v->dragging = FALSE;
}

static void
on_click_released (GtkGestureClick *g, int n_press, double x, double y, PsHeatmapView *v)
{
  int row, col;

  if (v->dragging)
    return;
  gtk_widget_grab_focus (GTK_WIDGET (v));
  if (!ps_heatmap_view_get_cell_at (v, x, y, &row, &col))
    return;
  if (n_press == 2)
    ps_heatmap_view_begin_edit (v, row, col);
  else
    ps_heatmap_view_set_selected (v, row, col);
}

/* Typing a number starts an edit of the selected cell with what was typed. */
static gboolean
on_key_pressed (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state,
                PsHeatmapView *v)
{
  gunichar ch = gdk_keyval_to_unicode (keyval);
  char buf[8] = { 0 };

  if (state & (GDK_CONTROL_MASK | GDK_ALT_MASK | GDK_SUPER_MASK))
    return FALSE;
  if (!(g_unichar_isdigit (ch) && ch < 128) && ch != '-' && ch != '.' && ch != '+')
    return FALSE;
  g_unichar_to_utf8 (ch, buf);
  return begin_edit_with (v, MAX (v->sel_row, 0), MAX (v->sel_col, 0), buf);
}

static void
action_zoom (GtkWidget *widget, const char *name, GVariant *param)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);

  if (g_str_equal (name, "heatmap.zoom-in"))
    zoom_keyboard (v, ZOOM_STEP);
  else if (g_str_equal (name, "heatmap.zoom-out"))
    zoom_keyboard (v, 1 / ZOOM_STEP);
  else
    ps_heatmap_view_reset_zoom (v);
}

static void
action_move (GtkWidget *widget, const char *name, GVariant *param)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);
  int64_t rows, cols;
  int dr, dc, row, col;

  if (!shown_shape (v, &rows, &cols))
    return;
  g_variant_get (param, "(ii)", &dr, &dc);
  if (v->sel_row < 0)
    row = col = 0;
  else
    {
      row = (int) CLAMP ((int64_t) v->sel_row + dr, 0, rows - 1);
      col = (int) CLAMP ((int64_t) v->sel_col + dc, 0, cols - 1);
    }
  ps_heatmap_view_set_selected (v, row, col);
  scroll_to_cell (v, row, col);
}

static void
action_edit (GtkWidget *widget, const char *name, GVariant *param)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (widget);
  begin_edit_with (v, MAX (v->sel_row, 0), MAX (v->sel_col, 0), NULL);
}

/* ---- export ------------------------------------------------------------------------------ */

gboolean
ps_heatmap_view_export_png (PsHeatmapView *v, const char *path, GError **error)
{
  PsTensor *shown;
  int64_t rows, cols;
  cairo_surface_t *img;
  GError *inner = NULL;
  gboolean ok;

  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  shown = shown_tensor (v);
  if (v->param == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("No parameter is shown"));
      return FALSE;
    }
  if (!ps_param_is_initialized (v->param))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("%s is uninitialized: run Forward first"), v->title ? v->title : "");
      return FALSE;
    }
  if (shown == NULL || !shown_shape (v, &rows, &cols))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   shown == NULL ? _("%s has no gradient yet") : _("%s has no elements"),
                   v->title ? v->title : "");
      return FALSE;
    }

  img = ps_heatmap_render_image (shown, PS_HEATMAP_EXPORT_CELL, TRUE, NULL);

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

/* ---- offscreen rendering ---------------------------------------------------------------- */

GdkTexture *
ps_heatmap_view_render_texture (PsHeatmapView *v, int width, int height)
{
  GtkWidget *w = GTK_WIDGET (v);
  int ww = gtk_widget_get_width (w), wh = gtk_widget_get_height (w);
  g_autoptr (GskRenderer) own = NULL;
  GskRenderer *renderer = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GtkNative *native;
  GdkTexture *texture;

  g_return_val_if_fail (PS_IS_HEATMAP_VIEW (v), NULL);

  if (ww <= 0 || wh <= 0)
    return NULL;
  if (width <= 0)
    width = ww;
  if (height <= 0)
    height = wh;

  /* Snapshot the content now rather than through gtk_widget_paintable_new(),
   * which shows the render node of the last frame: nothing at all between a
   * queue_draw and the next frame. */
  snapshot = gtk_snapshot_new ();
  if (width != ww || height != wh)
    gtk_snapshot_scale (snapshot, (float) width / ww, (float) height / wh);
  ps_heatmap_view_snapshot (w, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    node = gsk_container_node_new (NULL, 0);   /* nothing shown: a clear texture */

  native = gtk_widget_get_native (w);
  if (native != NULL)
    renderer = gtk_native_get_renderer (native);
  if (renderer == NULL)
    {
      own = gsk_cairo_renderer_new ();
      if (!gsk_renderer_realize (own, NULL, NULL))
        {
          gsk_render_node_unref (node);
          return NULL;
        }
      renderer = own;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (own != NULL)
    gsk_renderer_unrealize (own);
  gsk_render_node_unref (node);
  return texture;
}

/* ---- GObject ---------------------------------------------------------------------------- */

static void
ps_heatmap_view_get_property (GObject *object, guint prop_id, GValue *value, GParamSpec *pspec)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_ROW:
      g_value_set_int (value, v->sel_row);
      break;
    case PROP_SELECTED_COL:
      g_value_set_int (value, v->sel_col);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_heatmap_view_set_property (GObject *object, guint prop_id, const GValue *value,
                              GParamSpec *pspec)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (object);

  switch (prop_id)
    {
    case PROP_SELECTED_ROW:
      ps_heatmap_view_set_selected (v, g_value_get_int (value), MAX (v->sel_col, 0));
      break;
    case PROP_SELECTED_COL:
      ps_heatmap_view_set_selected (v, MAX (v->sel_row, 0), g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
ps_heatmap_view_dispose (GObject *object)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (object);

  if (v->param != NULL)
    {
      ps_param_remove_listener (v->param, v->listener_id);
      v->listener_id = 0;
      g_clear_pointer (&v->param, ps_param_unref);
    }
  g_clear_handle_id (&v->a11y_idle_id, g_source_remove);
  g_clear_pointer (&v->popover, gtk_widget_unparent);
  v->entry = v->error_label = NULL;

  G_OBJECT_CLASS (ps_heatmap_view_parent_class)->dispose (object);
}

static void
ps_heatmap_view_finalize (GObject *object)
{
  PsHeatmapView *v = PS_HEATMAP_VIEW (object);

  g_clear_pointer (&v->cells, cairo_surface_destroy);   /* before the buffer it wraps */
  g_clear_pointer (&v->probe, cairo_surface_destroy);
  g_free (v->pooled);
  g_free (v->argb);
  ps_pool_scratch_clear (&v->scratch);
  g_free (v->title);

  G_OBJECT_CLASS (ps_heatmap_view_parent_class)->finalize (object);
}

static void
add_zoom_binding (GtkWidgetClass *wc, guint key, const char *action)
{
  gtk_widget_class_add_binding_action (wc, key, GDK_CONTROL_MASK, action, NULL);
}

static void
add_move_binding (GtkWidgetClass *wc, guint key, guint kp_key, int dr, int dc)
{
  gtk_widget_class_add_binding_action (wc, key, 0, "heatmap.move", "(ii)", dr, dc);
  gtk_widget_class_add_binding_action (wc, kp_key, 0, "heatmap.move", "(ii)", dr, dc);
}

static void
ps_heatmap_view_class_init (PsHeatmapViewClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->get_property = ps_heatmap_view_get_property;
  oc->set_property = ps_heatmap_view_set_property;
  oc->dispose = ps_heatmap_view_dispose;
  oc->finalize = ps_heatmap_view_finalize;

  wc->snapshot = ps_heatmap_view_snapshot;
  wc->measure = ps_heatmap_view_measure;
  wc->size_allocate = ps_heatmap_view_size_allocate;
  wc->query_tooltip = ps_heatmap_view_query_tooltip;

  properties[PROP_SELECTED_ROW] =
    g_param_spec_int ("selected-row", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  properties[PROP_SELECTED_COL] =
    g_param_spec_int ("selected-col", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, N_PROPS, properties);

  /**
   * PsHeatmapView::edit-requested:
   * @flat_index: the element, as an index into the tensor's data
   * @value: the value typed
   *
   * The user committed a value.  The handler performs the edit (undoably)
   * and calls ps_heatmap_view_show_error() if it fails.
   */
  signals[SIG_EDIT_REQUESTED] =
    g_signal_new ("edit-requested", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_FLOAT);
  /**
   * PsHeatmapView::cell-selected:
   * @row: the selected row, -1 for none
   * @col: the selected column, -1 for none
   */
  signals[SIG_CELL_SELECTED] =
    g_signal_new ("cell-selected", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT, G_TYPE_INT);

  gtk_widget_class_install_action (wc, "heatmap.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-reset", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.move", "(ii)", action_move);
  gtk_widget_class_install_action (wc, "heatmap.edit", NULL, action_edit);

  add_zoom_binding (wc, GDK_KEY_plus, "heatmap.zoom-in");
  add_zoom_binding (wc, GDK_KEY_equal, "heatmap.zoom-in");        /* + without Shift */
  add_zoom_binding (wc, GDK_KEY_KP_Add, "heatmap.zoom-in");
  add_zoom_binding (wc, GDK_KEY_minus, "heatmap.zoom-out");
  add_zoom_binding (wc, GDK_KEY_KP_Subtract, "heatmap.zoom-out");
  add_zoom_binding (wc, GDK_KEY_0, "heatmap.zoom-reset");
  add_zoom_binding (wc, GDK_KEY_KP_0, "heatmap.zoom-reset");
  add_move_binding (wc, GDK_KEY_Up, GDK_KEY_KP_Up, -1, 0);
  add_move_binding (wc, GDK_KEY_Down, GDK_KEY_KP_Down, 1, 0);
  add_move_binding (wc, GDK_KEY_Left, GDK_KEY_KP_Left, 0, -1);
  add_move_binding (wc, GDK_KEY_Right, GDK_KEY_KP_Right, 0, 1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Return, 0, "heatmap.edit", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_KP_Enter, 0, "heatmap.edit", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_F2, 0, "heatmap.edit", NULL);

  gtk_widget_class_set_css_name (wc, "heatmapview");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_heatmap_view_init (PsHeatmapView *v)
{
  GtkWidget *w = GTK_WIDGET (v);
  GtkEventController *c;
  GtkGesture *g;
  GtkWidget *box;

  v->owner = g_thread_self ();
  v->sel_row = v->sel_col = -1;
  v->edit_row = v->edit_col = -1;
  v->zoom = 1;
  v->label_range = -1;

  gtk_widget_set_focusable (w, TRUE);
  gtk_widget_set_has_tooltip (w, TRUE);

  c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_motion), v);
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

  /* the value editor: an entry, and an error line under it when needed */
  v->popover = gtk_popover_new ();
  gtk_widget_set_parent (v->popover, w);
  gtk_popover_set_position (GTK_POPOVER (v->popover), GTK_POS_BOTTOM);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  v->entry = gtk_entry_new ();
  gtk_editable_set_width_chars (GTK_EDITABLE (v->entry), 14);
  gtk_entry_set_input_purpose (GTK_ENTRY (v->entry), GTK_INPUT_PURPOSE_NUMBER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (v->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("New value"), -1);
  g_signal_connect (v->entry, "activate", G_CALLBACK (on_entry_activate), v);
  g_signal_connect (v->entry, "changed", G_CALLBACK (on_entry_changed), v);
  v->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (v->error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (v->error_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (v->error_label), 30);
  gtk_widget_add_css_class (v->error_label, "error");
  gtk_widget_add_css_class (v->error_label, "caption");
  gtk_widget_set_visible (v->error_label, FALSE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (v->entry),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, v->error_label, NULL, -1);
  gtk_box_append (GTK_BOX (box), v->entry);
  gtk_box_append (GTK_BOX (box), v->error_label);
  gtk_popover_set_child (GTK_POPOVER (v->popover), box);
  g_signal_connect (v->popover, "closed", G_CALLBACK (on_popover_closed), v);

  update_accessible (v);
}

void
ps_heatmap_view_set_read_only (PsHeatmapView *v, gboolean read_only)
{
  g_return_if_fail (PS_IS_HEATMAP_VIEW (v));
  if (read_only && v->editing)
    ps_heatmap_view_cancel_edit (v);
  v->read_only = !!read_only;
}
