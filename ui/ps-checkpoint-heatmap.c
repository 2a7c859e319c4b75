/* ps-checkpoint-heatmap.c — a slice of a mapped tensor as a heatmap
 *
 * How a frame is drawn:
 *
 *   1. layout_compute() places the slice: square cells that fit the widget
 *      (whole pixels from 4 px up), scaled by the zoom, moved by the pan,
 *      centred with the colorbar at its right — as the main window's view.
 *   2. snapshot() works out the window it wants: the visible rows and
 *      columns at most one cell per device pixel (a Key).  If the cells on
 *      screen are not that window, a Job pools it in a worker thread
 *      (ps_pool_slice, then ps_heatmap_colorize into a back buffer);
 *      one job at a time, the latest wish waiting behind it.
 *   3. The cells of the last finished job are painted where their window
 *      lies now, through one cairo node with CAIRO_FILTER_NEAREST
 *      (ps_heatmap_draw_cells), then the grid, the selection and the
 *      colorbar in the style's text colour (light and dark themes).
 *
 * The buffers are kept: two ARGB buffers (the front one wrapped by the cairo
 * surface on screen, the back one the job writes) and the job's pooled
 * floats and scratch, all growing only.
 */
#include "ps-checkpoint-heatmap.h"
#include "ps-heatmap-draw.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define GRID_MIN_CELL  12.0
#define ZOOM_STEP      1.25
#define BUSY_DELAY_MS  250      /* "Reading…" only when it takes that long */
#define RANGE_SIDE     64       /* output side of the pooling that finds a slice's range */

/* A window of the slice at a resolution: what a set of cells shows. */
typedef struct
{
  guint   generation;          /* of the view */
  int64_t r0, c0, vrows, vcols;
  int     out_rows, out_cols;
} Key;

/* One pooling, done in a worker thread.  The job is the widget's and is
 * reused; while it runs only the thread touches it. */
typedef struct
{
  PsCheckpoint     *ck;        /* ref while running */
  PsCheckpointView  view;
  Key               key;
  gboolean          need_range;
  float             range;     /* in: the slice's, unless need_range; out: the slice's */
  float            *pooled;
  guint32          *argb;      /* the back buffer */
  gsize             cap;       /* elements of pooled and argb */
  float             range_cells[RANGE_SIDE * RANGE_SIDE];
  PsPoolScratch     scratch;
  gint64            us;
  gboolean          whole;
  float             r;
  GError           *error;     /* out: the file changed while open */
} Job;

struct _PsCheckpointHeatmap
{
  GtkWidget parent_instance;

  /* what is shown */
  PsCheckpoint     *ck;            /* ref, nullable */
  PsCheckpointView  view;
  char             *title;
  char             *problem;       /* the file changed while open (from the last pooling) */
  guint             generation;    /* bumped by every set_view */
  float             range;         /* of the whole slice, once known */
  gboolean          range_valid;

  /* view state */
  double   zoom, pan_x, pan_y, drag_pan_x, drag_pan_y;
  gboolean dragging;
  double   pointer_x, pointer_y;
  int64_t  sel_row, sel_col, focus_row, focus_col;

  /* the cells on screen */
  guint32         *argb;
  gsize            cap;
  cairo_surface_t *cells;          /* wraps argb */
  Key              key;
  gboolean         key_valid;

  /* the worker */
  Job             *job;
  gboolean         running;
  Key              pending;
  gboolean         has_pending;
  GCancellable    *cancel;         /* cancelled when the widget goes */
  guint            busy_id;
  gboolean         show_busy;
  gboolean         ready;          /* the last frame was complete */
  gint64           pool_us;

  /* colorbar label width, by (range, font) */
  cairo_surface_t *probe;
  float            label_range;
  double           label_font, label_width;
};

G_DEFINE_FINAL_TYPE (PsCheckpointHeatmap, ps_checkpoint_heatmap, GTK_TYPE_WIDGET)

enum { SIG_CELL_FOCUSED, SIG_READY, N_SIGNALS };
static guint signals[N_SIGNALS];

static void start_job (PsCheckpointHeatmap *h, const Key *k);

/* ---- helpers ---------------------------------------------------------------- */

static gboolean
has_cells (PsCheckpointHeatmap *h)
{
  return h->ck != NULL && h->view.rows > 0 && h->view.cols > 0;
}

static gboolean
key_equal (const Key *a, const Key *b)
{
  return a->generation == b->generation && a->r0 == b->r0 && a->c0 == b->c0
         && a->vrows == b->vrows && a->vcols == b->vcols && a->out_rows == b->out_rows
         && a->out_cols == b->out_cols;
}

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

static char *
format_value (PsDtype dtype, double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (x))
    return g_strdup ("NaN");
  if (isinf (x))
    return g_strdup (x > 0 ? "inf" : "\u2212inf");
  if (dtype != PS_DTYPE_F32 && dtype != PS_DTYPE_F16 && dtype != PS_DTYPE_BF16
      && dtype != PS_DTYPE_F64)
    g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) x);     /* integers, exactly */
  else
    g_ascii_formatd (buf, sizeof buf, dtype == PS_DTYPE_F64 ? "%.10g" : "%.6g", x);
  if (buf[0] == '-')
    return g_strconcat ("\u2212", buf + 1, NULL);
  return g_strdup (buf);
}

/* ---- layout ------------------------------------------------------------------ */

typedef PsHeatmapLayout Layout;

static double
label_width (PsCheckpointHeatmap *h, float range, double font)
{
  if (h->label_range != range || h->label_font != font)
    {
      cairo_t *cr;
      if (h->probe == NULL)
        h->probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cr = cairo_create (h->probe);
      h->label_width = ps_heatmap_colorbar_label_width (cr, range, font);
      cairo_destroy (cr);
      h->label_range = range;
      h->label_font = font;
    }
  return h->label_width;
}

static gboolean
layout_compute (PsCheckpointHeatmap *h, int width, int height, Layout *L)
{
  double font;

  memset (L, 0, sizeof *L);
  if (!has_cells (h) || width <= 0 || height <= 0)
    return FALSE;
  font = font_px (GTK_WIDGET (h));
  /* room for the widest label ("-8.88e-28") whatever the range: the
   * range is known only after the first pooling, which must not move the
   * cells (and ask for a second one) */
  ps_heatmap_layout (L, h->view.rows, h->view.cols, width, height, font,
                     label_width (h, -8.88e-28f, font), h->zoom, h->pan_x, h->pan_y);
  return TRUE;
}

static gboolean
layout_current (PsCheckpointHeatmap *h, Layout *L)
{
  return layout_compute (h, gtk_widget_get_width (GTK_WIDGET (h)),
                         gtk_widget_get_height (GTK_WIDGET (h)), L);
}

static void
clamp_pan (PsCheckpointHeatmap *h)
{
  Layout L;
  if (!layout_current (h, &L))
    {
      h->pan_x = h->pan_y = 0;
      return;
    }
  h->pan_x = L.ox - L.cx;
  h->pan_y = L.oy - L.cy;
}

/* The visible window, and its resolution: at most one cell per device pixel. */
static void
layout_key (PsCheckpointHeatmap *h, const Layout *L, int scale, Key *k)
{
  int64_t r1, c1;

  k->generation = h->generation;
  k->r0 = CLAMP ((int64_t) floor ((L->ay - L->oy) / L->cell), 0, L->rows - 1);
  k->c0 = CLAMP ((int64_t) floor ((L->ax - L->ox) / L->cell), 0, L->cols - 1);
  r1 = CLAMP ((int64_t) ceil ((L->ay + L->ah - L->oy) / L->cell), k->r0 + 1, L->rows);
  c1 = CLAMP ((int64_t) ceil ((L->ax + L->aw - L->ox) / L->cell), k->c0 + 1, L->cols);
  k->vrows = r1 - k->r0;
  k->vcols = c1 - k->c0;
  k->out_rows = (int) MIN (k->vrows, MAX (1, (int64_t) ceil (k->vrows * L->cell * scale)));
  k->out_cols = (int) MIN (k->vcols, MAX (1, (int64_t) ceil (k->vcols * L->cell * scale)));
}

/* ---- the worker ------------------------------------------------------------------ */

static void
job_free (Job *j)
{
  if (j == NULL)
    return;
  g_clear_pointer (&j->ck, ps_checkpoint_unref);
  g_free (j->pooled);
  g_free (j->argb);
  ps_pool_scratch_clear (&j->scratch);
  g_clear_error (&j->error);
  g_free (j);
}

static void
pool_job (gpointer data)
{
  Job *j = data;
  PsSlice slice;

  ps_checkpoint_view_get_slice (j->ck, &j->view, &slice);
  if (j->need_range && !j->whole)
    j->range = ps_pool_slice (&slice, 0, 0, j->view.rows, j->view.cols, j->range_cells,
                              (int) MIN (j->view.rows, RANGE_SIDE),
                              (int) MIN (j->view.cols, RANGE_SIDE), &j->scratch);
  j->r = ps_pool_slice (&slice, j->key.r0, j->key.c0, j->key.vrows, j->key.vcols, j->pooled,
                        j->key.out_rows, j->key.out_cols, &j->scratch);
}

static void
job_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  Job *j = data;
  gint64 t0 = g_get_monotonic_time ();
  gsize n = (gsize) j->key.out_rows * j->key.out_cols;
  gboolean whole = j->key.r0 == 0 && j->key.c0 == 0 && j->key.vrows == j->view.rows
                   && j->key.vcols == j->view.cols;

  if (n > j->cap)
    {
      gsize cap = MAX (n, j->cap * 3 / 2);
      g_free (j->pooled);
      g_free (j->argb);
      j->pooled = g_new (float, cap);
      j->argb = g_new (guint32, cap);
      j->cap = cap;
    }
  j->whole = whole;
  g_clear_error (&j->error);
  /* a file truncated meanwhile stops the pooling (no SIGBUS): blank cells, and the error */
  if (!ps_checkpoint_run_guarded (j->ck, pool_job, j, &j->error))
    for (gsize i = 0; i < n; i++)
      j->pooled[i] = 0.f;
  if (j->need_range && whole)
    j->range = j->r;
  ps_heatmap_colorize (j->pooled, (int64_t) n, j->range, j->argb);
  j->us = g_get_monotonic_time () - t0;
  g_task_return_boolean (task, TRUE);
}

static void
cells_replace (PsCheckpointHeatmap *h)
{
  Job *j = h->job;
  guint32 *argb = h->argb;
  gsize cap = h->cap;

  if (h->cells != NULL)
    {
      /* A render node of an earlier frame may still refer to the surface:
       * finishing it makes cairo copy what those need before the buffer is
       * handed to the next job. */
      cairo_surface_finish (h->cells);
      g_clear_pointer (&h->cells, cairo_surface_destroy);
    }
  /* swap: the job's buffer goes on screen, ours becomes its back buffer
   * (pooled stays with the job: both grow together there) */
  h->argb = j->argb;
  h->cap = j->cap;
  j->argb = argb;
  if (cap < j->cap)
    {
      g_free (j->argb);
      j->argb = g_new (guint32, j->cap);
    }
  g_assert (cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, j->key.out_cols)
            == j->key.out_cols * 4);
  h->cells = cairo_image_surface_create_for_data ((guchar *) h->argb, CAIRO_FORMAT_ARGB32,
                                                  j->key.out_cols, j->key.out_rows,
                                                  j->key.out_cols * 4);
  h->key = j->key;
  h->key_valid = TRUE;
}

static void update_accessible (PsCheckpointHeatmap *h);

static void
job_done (GObject *source, GAsyncResult *result, gpointer data)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (source);
  Job *j = h->job;

  h->running = FALSE;
  g_clear_pointer (&j->ck, ps_checkpoint_unref);
  if (g_cancellable_is_cancelled (h->cancel))
    return;                                   /* the widget is going */
  h->pool_us = j->us;
  /* the file changed under the view: say so where the pointer is */
  g_free (h->problem);
  h->problem = j->error ? g_strdup (j->error->message) : NULL;
  if (j->key.generation == h->generation)
    {
      if (!h->range_valid)
        {
          h->range = j->range;
          h->range_valid = TRUE;
          update_accessible (h);
        }
      cells_replace (h);
      g_clear_handle_id (&h->busy_id, g_source_remove);
      h->show_busy = FALSE;
      gtk_widget_queue_draw (GTK_WIDGET (h));
    }
  if (h->has_pending)
    {
      Key k = h->pending;
      h->has_pending = FALSE;
      if (k.generation == h->generation && !(h->key_valid && key_equal (&k, &h->key)))
        start_job (h, &k);
    }
}

static gboolean
busy_timeout (gpointer data)
{
  PsCheckpointHeatmap *h = data;
  h->busy_id = 0;
  h->show_busy = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (h));
  return G_SOURCE_REMOVE;
}

static void
start_job (PsCheckpointHeatmap *h, const Key *k)
{
  Job *j;
  GTask *task;

  if (h->running)
    {
      h->pending = *k;
      h->has_pending = TRUE;
      return;
    }
  if (h->job == NULL)
    h->job = g_new0 (Job, 1);
  j = h->job;
  j->ck = ps_checkpoint_ref (h->ck);
  j->view = h->view;
  j->key = *k;
  j->need_range = !h->range_valid;
  j->range = h->range_valid ? h->range : 1.f;
  h->running = TRUE;
  if (h->busy_id == 0 && !(h->key_valid && h->key.generation == h->generation))
    h->busy_id = g_timeout_add (BUSY_DELAY_MS, busy_timeout, h);

  task = g_task_new (h, NULL, job_done, NULL);
  g_task_set_source_tag (task, start_job);
  g_task_set_task_data (task, j, NULL);
  g_task_run_in_thread (task, job_thread);
  g_object_unref (task);
}

/* Ask for the cells the current layout wants, unless they are on screen or
 * being pooled: called when the view, zoom or pan change, so the pooling
 * starts now rather than at the next frame. */
static gboolean
request_cells (PsCheckpointHeatmap *h, Key *want)
{
  Layout L;
  Key k;

  if (want == NULL)
    want = &k;
  if (!layout_current (h, &L))
    return FALSE;
  layout_key (h, &L, gtk_widget_get_scale_factor (GTK_WIDGET (h)), want);
  if (h->key_valid && key_equal (want, &h->key))
    return TRUE;
  if (!(h->running && key_equal (want, &h->job->key)))
    start_job (h, want);
  return FALSE;
}

/* ---- accessibility ---------------------------------------------------------------- */

static void
update_accessible (PsCheckpointHeatmap *h)
{
  const char *title = h->title ? h->title : "";
  g_autofree char *desc = NULL;

  if (h->ck == NULL)
    desc = g_strdup (_("no tensor selected"));
  else if (!has_cells (h))
    desc = g_strdup_printf (_("%s, empty"), title);
  else
    {
      /* TRANSLATORS: the shape of a matrix, rows by columns */
      g_autofree char *dims = g_strdup_printf (_("%lld by %lld"), (long long) h->view.rows,
                                               (long long) h->view.cols);
      if (h->range_valid)
        {
          g_autofree char *r = ps_heatmap_format_value (h->range);
          /* TRANSLATORS: name, "rows by columns", the largest finite magnitude */
          desc = g_strdup_printf (_("%s, %s, values within ±%s"), title, dims, r);
        }
      else
        desc = g_strdup_printf ("%s, %s", title, dims);
    }
  gtk_accessible_update_property (GTK_ACCESSIBLE (h),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, *title ? title : _("Heatmap"),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                  -1);
}

/* ---- public API ---------------------------------------------------------------------- */

GtkWidget *
ps_checkpoint_heatmap_new (void)
{
  return g_object_new (PS_TYPE_CHECKPOINT_HEATMAP, NULL);
}

static gboolean
same_slice_shape (const PsCheckpointView *a, const PsCheckpointView *b)
{
  return a->entry == b->entry && a->row_axis == b->row_axis && a->col_axis == b->col_axis;
}

static void
set_focus_cell (PsCheckpointHeatmap *h, int64_t row, int64_t col)
{
  if (row == h->focus_row && col == h->focus_col)
    return;
  h->focus_row = row;
  h->focus_col = col;
  g_signal_emit (h, signals[SIG_CELL_FOCUSED], 0, (gint64) row, (gint64) col);
}

void
ps_checkpoint_heatmap_set_view (PsCheckpointHeatmap *h, PsCheckpoint *ck,
                                const PsCheckpointView *view, const char *title)
{
  gboolean keep_zoom;

  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  g_return_if_fail (ck == NULL || view != NULL);

  if (ck == h->ck && (ck == NULL || memcmp (view, &h->view, sizeof *view) == 0)
      && g_strcmp0 (title, h->title) == 0)
    return;
  keep_zoom = ck != NULL && ck == h->ck && same_slice_shape (view, &h->view);
  if (ck != NULL)
    ps_checkpoint_ref (ck);
  g_clear_pointer (&h->ck, ps_checkpoint_unref);
  h->ck = ck;
  if (ck != NULL)
    h->view = *view;
  else
    memset (&h->view, 0, sizeof h->view);
  g_free (h->title);
  h->title = g_strdup (title);

  h->generation++;
  h->range_valid = FALSE;
  h->has_pending = FALSE;
  h->ready = FALSE;
  if (!keep_zoom)
    {
      h->zoom = 1;
      h->pan_x = h->pan_y = 0;
      h->sel_row = h->sel_col = -1;
    }
  set_focus_cell (h, h->sel_row, h->sel_col);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (h), h->zoom > 1 ? "grab" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (h));
  update_accessible (h);
  if (h->ck != NULL && gtk_widget_get_mapped (GTK_WIDGET (h)))
    request_cells (h, NULL);
}

const PsCheckpointView *
ps_checkpoint_heatmap_get_view (PsCheckpointHeatmap *h)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), NULL);
  return h->ck ? &h->view : NULL;
}

gboolean
ps_checkpoint_heatmap_is_ready (PsCheckpointHeatmap *h)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), FALSE);
  return h->ready;
}

gint64
ps_checkpoint_heatmap_get_pool_time (PsCheckpointHeatmap *h)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), 0);
  return h->pool_us;
}

void
ps_checkpoint_heatmap_zoom_at (PsCheckpointHeatmap *h, double factor, double x, double y)
{
  Layout L;
  double max_zoom, zoom, mx, my, cell;

  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));

  if (!layout_current (h, &L) || factor <= 0)
    return;
  /* until a cell is 64 px (a 4096 x 11008 slice fits at a tenth of a pixel) */
  max_zoom = MAX (8.0, 64.0 / L.fit);
  zoom = CLAMP (h->zoom * factor, 1.0, max_zoom);
  if (factor > 1 && ps_heatmap_cell_size (L.fit, zoom) <= L.cell)
    zoom = MIN ((L.cell + 1.001) / L.fit, max_zoom);
  if (zoom == h->zoom)
    return;
  mx = (x - L.ox) / L.cell;
  my = (y - L.oy) / L.cell;
  cell = ps_heatmap_cell_size (L.fit, zoom);
  h->zoom = zoom;
  h->pan_x = x - mx * cell - floor (L.ax + (L.aw - L.cols * cell) / 2);
  h->pan_y = y - my * cell - floor (L.ay + (L.ah - L.rows * cell) / 2);
  clamp_pan (h);
  gtk_widget_set_cursor_from_name (GTK_WIDGET (h), h->zoom > 1 ? "grab" : NULL);
  gtk_widget_queue_draw (GTK_WIDGET (h));
  request_cells (h, NULL);
}

void
ps_checkpoint_heatmap_reset_zoom (PsCheckpointHeatmap *h)
{
  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  h->zoom = 1;
  h->pan_x = h->pan_y = 0;
  gtk_widget_set_cursor_from_name (GTK_WIDGET (h), NULL);
  gtk_widget_queue_draw (GTK_WIDGET (h));
  request_cells (h, NULL);
}

double
ps_checkpoint_heatmap_get_zoom (PsCheckpointHeatmap *h)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), 1);
  return h->zoom;
}

void
ps_checkpoint_heatmap_pan (PsCheckpointHeatmap *h, double dx, double dy)
{
  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  h->pan_x += dx;
  h->pan_y += dy;
  clamp_pan (h);
  gtk_widget_queue_draw (GTK_WIDGET (h));
  request_cells (h, NULL);
}

void
ps_checkpoint_heatmap_get_window (PsCheckpointHeatmap *h, int64_t *row0, int64_t *col0,
                                  int64_t *rows, int64_t *cols)
{
  Layout L;
  Key k = { 0 };

  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  if (layout_current (h, &L))
    layout_key (h, &L, 1, &k);
  *row0 = k.r0;
  *col0 = k.c0;
  *rows = k.vrows;
  *cols = k.vcols;
}

gboolean
ps_checkpoint_heatmap_get_cell_at (PsCheckpointHeatmap *h, double x, double y, int64_t *row,
                                   int64_t *col)
{
  Layout L;
  double r, c;

  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), FALSE);
  if (!layout_current (h, &L) || x < L.ax || y < L.ay || x >= L.ax + L.aw || y >= L.ay + L.ah)
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
ps_checkpoint_heatmap_cell_rect (PsCheckpointHeatmap *h, int64_t row, int64_t col,
                                 graphene_rect_t *out)
{
  Layout L;

  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h) && out != NULL);
  if (!layout_current (h, &L))
    {
      graphene_rect_init (out, 0, 0, 0, 0);
      return;
    }
  graphene_rect_init (out, (float) (L.ox + col * L.cell), (float) (L.oy + row * L.cell),
                      (float) L.cell, (float) L.cell);
}

char *
ps_checkpoint_heatmap_describe_cell (PsCheckpointHeatmap *h, int64_t row, int64_t col)
{
  g_autofree char *index = NULL, *value = NULL;

  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), NULL);
  if (!has_cells (h) || row < 0 || col < 0 || row >= h->view.rows || col >= h->view.cols)
    return NULL;
  index = ps_checkpoint_view_format_index (&h->view, row, col);
  value = format_value (h->view.entry->dtype, ps_checkpoint_read (h->ck, &h->view, row, col));
  return g_strdup_printf ("%s  %s", index, value);
}

static void
scroll_to_cell (PsCheckpointHeatmap *h, int64_t row, int64_t col)
{
  Layout L;
  double x, y;

  if (!layout_current (h, &L))
    return;
  x = L.ox + col * L.cell;
  y = L.oy + row * L.cell;
  if (x < L.ax)
    h->pan_x += L.ax - x;
  else if (x + L.cell > L.ax + L.aw)
    h->pan_x -= x + L.cell - (L.ax + L.aw);
  if (y < L.ay)
    h->pan_y += L.ay - y;
  else if (y + L.cell > L.ay + L.ah)
    h->pan_y -= y + L.cell - (L.ay + L.ah);
  clamp_pan (h);
}

void
ps_checkpoint_heatmap_set_selected (PsCheckpointHeatmap *h, int64_t row, int64_t col)
{
  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  if (!has_cells (h) || row < 0 || col < 0 || row >= h->view.rows || col >= h->view.cols)
    row = col = -1;
  h->sel_row = row;
  h->sel_col = col;
  if (row >= 0)
    scroll_to_cell (h, row, col);
  set_focus_cell (h, row, col);
  gtk_widget_queue_draw (GTK_WIDGET (h));
}

void
ps_checkpoint_heatmap_get_selected (PsCheckpointHeatmap *h, int64_t *row, int64_t *col)
{
  g_return_if_fail (PS_IS_CHECKPOINT_HEATMAP (h));
  *row = h->sel_row;
  *col = h->sel_col;
}

/* ---- drawing --------------------------------------------------------------------------- */

static void
snapshot_placeholder (GtkWidget *w, GtkSnapshot *s, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (w, text);
  int tw, th;
  GdkRGBA fg;

  fg_color (w, &fg);
  fg.alpha *= 0.55f;
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_width (layout, MAX (1, gtk_widget_get_width (w) - 16) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (s);
  gtk_snapshot_translate (s, &GRAPHENE_POINT_INIT (8, floorf ((gtk_widget_get_height (w) - th)
                                                              / 2.f)));
  gtk_snapshot_append_layout (s, layout, &fg);
  gtk_snapshot_restore (s);
  g_object_unref (layout);
}

static void
draw_grid (cairo_t *cr, const Layout *L, const Key *k, const GdkRGBA *fg)
{
  double lum = 0.299 * fg->red + 0.587 * fg->green + 0.114 * fg->blue;
  double x0 = L->ox + k->c0 * L->cell, y0 = L->oy + k->r0 * L->cell;

  if (lum < 0.5)
    cairo_set_source_rgba (cr, 1, 1, 1, 0.6);      /* light theme: light gaps */
  else
    cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  for (int64_t c = 1; c < k->vcols; c++)
    cairo_rectangle (cr, x0 + c * L->cell, y0, 1, k->vrows * L->cell);
  for (int64_t r = 1; r < k->vrows; r++)
    cairo_rectangle (cr, x0, y0 + r * L->cell, k->vcols * L->cell, 1);
  cairo_fill (cr);
}

static void
draw_selection (cairo_t *cr, const Layout *L, int64_t row, int64_t col)
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
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x + 2.5, y + 2.5, s - 5, s - 5);
  cairo_stroke (cr);
}

static void
ps_checkpoint_heatmap_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  gboolean was_ready = h->ready;
  gboolean current;
  GdkRGBA fg;
  Layout L;
  Key want;
  cairo_t *cr;

  h->ready = FALSE;
  if (h->ck == NULL || width <= 0 || height <= 0)
    return;
  if (!layout_compute (h, width, height, &L))
    {
      snapshot_placeholder (widget, snapshot, _("no elements"));
      h->ready = TRUE;
      return;
    }
  current = request_cells (h, &want);

  if (!h->key_valid || h->key.generation != h->generation)
    {
      /* nothing of this view yet */
      if (h->show_busy)
        snapshot_placeholder (widget, snapshot, _("Reading…"));
      return;
    }

  fg_color (widget, &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_save (cr);
  cairo_rectangle (cr, L.ax, L.ay, L.aw, L.ah);
  cairo_clip (cr);
  /* the cells we have, where their window lies now */
  ps_heatmap_draw_cells (cr, h->cells, L.ox + h->key.c0 * L.cell, L.oy + h->key.r0 * L.cell,
                         h->key.vcols * L.cell, h->key.vrows * L.cell);
  if (L.cell >= GRID_MIN_CELL)
    draw_grid (cr, &L, &want, &fg);
  if (h->sel_row >= 0)
    draw_selection (cr, &L, h->sel_row, h->sel_col);
  cairo_restore (cr);
  if (L.colorbar && h->range_valid)
    ps_heatmap_draw_colorbar (cr, L.bar_x, L.bar_y, L.bar_w, L.bar_h, h->range,
                              fg.red, fg.green, fg.blue, L.font);
  cairo_destroy (cr);

  h->ready = current;
  if (current && !was_ready)
    g_signal_emit (h, signals[SIG_READY], 0);
}

static void
ps_checkpoint_heatmap_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                               int *minimum, int *natural, int *minimum_baseline,
                               int *natural_baseline)
{
  *minimum = 48;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 320;
}

static void
ps_checkpoint_heatmap_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  clamp_pan (PS_CHECKPOINT_HEATMAP (widget));
}

static gboolean
ps_checkpoint_heatmap_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                     GtkTooltip *tooltip)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (widget);
  g_autofree char *cell = NULL, *text = NULL;
  graphene_rect_t r;
  int64_t row, col;

  if (h->problem != NULL)
    {
      gtk_tooltip_set_text (tooltip, h->problem);
      return TRUE;
    }
  if (keyboard)
    {
      if (h->sel_row < 0)
        return FALSE;
      row = h->sel_row;
      col = h->sel_col;
    }
  else if (!ps_checkpoint_heatmap_get_cell_at (h, x, y, &row, &col))
    return FALSE;
  cell = ps_checkpoint_heatmap_describe_cell (h, row, col);
  if (cell == NULL)
    return FALSE;
  text = g_strdup_printf ("%s\n%s", h->title ? h->title : "", cell);
  gtk_tooltip_set_text (tooltip, text);
  ps_checkpoint_heatmap_cell_rect (h, row, col, &r);
  gtk_tooltip_set_tip_area (tooltip, &(GdkRectangle) { (int) floor (r.origin.x),
                                                       (int) floor (r.origin.y),
                                                       (int) MAX (1, ceil (r.size.width)),
                                                       (int) MAX (1, ceil (r.size.height)) });
  return TRUE;
}

/* ---- input ----------------------------------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *c, double x, double y, PsCheckpointHeatmap *h)
{
  int64_t row, col;

  h->pointer_x = x;
  h->pointer_y = y;
  if (ps_checkpoint_heatmap_get_cell_at (h, x, y, &row, &col))
    set_focus_cell (h, row, col);
  else
    set_focus_cell (h, h->sel_row, h->sel_col);
}

static void
on_leave (GtkEventControllerMotion *c, PsCheckpointHeatmap *h)
{
  set_focus_cell (h, h->sel_row, h->sel_col);
}

static gboolean
on_scroll (GtkEventControllerScroll *c, double dx, double dy, PsCheckpointHeatmap *h)
{
  GdkModifierType state = gtk_event_controller_get_current_event_state (GTK_EVENT_CONTROLLER (c));
  gboolean pixels = gtk_event_controller_scroll_get_unit (c) == GDK_SCROLL_UNIT_SURFACE;

  if (state & GDK_CONTROL_MASK)
    {
      double factor = pixels ? exp (-dy * 0.01) : pow (ZOOM_STEP, -dy);
      ps_checkpoint_heatmap_zoom_at (h, factor, h->pointer_x, h->pointer_y);
      return TRUE;
    }
  if (h->zoom > 1)
    {
      double step = pixels ? 1 : 48;
      if (state & GDK_SHIFT_MASK)
        ps_checkpoint_heatmap_pan (h, -dy * step, -dx * step);
      else
        ps_checkpoint_heatmap_pan (h, -dx * step, -dy * step);
      return TRUE;
    }
  return FALSE;
}

static void
on_drag_begin (GtkGestureDrag *g, double x, double y, PsCheckpointHeatmap *h)
{
  h->drag_pan_x = h->pan_x;
  h->drag_pan_y = h->pan_y;
  h->dragging = FALSE;
}

static void
on_drag_update (GtkGestureDrag *g, double ox, double oy, PsCheckpointHeatmap *h)
{
  if (h->zoom <= 1 || (!h->dragging && hypot (ox, oy) < 3))
    return;
  if (!h->dragging)
    {
      h->dragging = TRUE;
      gtk_widget_set_cursor_from_name (GTK_WIDGET (h), "grabbing");
    }
  h->pan_x = h->drag_pan_x + ox;
  h->pan_y = h->drag_pan_y + oy;
  clamp_pan (h);
  gtk_widget_queue_draw (GTK_WIDGET (h));
  request_cells (h, NULL);
}

static void
on_drag_end (GtkGestureDrag *g, double ox, double oy, PsCheckpointHeatmap *h)
{
  if (h->dragging)
    gtk_widget_set_cursor_from_name (GTK_WIDGET (h), h->zoom > 1 ? "grab" : NULL);
}

static void
on_click_released (GtkGestureClick *g, int n_press, double x, double y, PsCheckpointHeatmap *h)
{
  int64_t row, col;

  if (h->dragging)
    {
      h->dragging = FALSE;
      return;
    }
  gtk_widget_grab_focus (GTK_WIDGET (h));
  if (ps_checkpoint_heatmap_get_cell_at (h, x, y, &row, &col))
    ps_checkpoint_heatmap_set_selected (h, row, col);
}

static void
zoom_keyboard (PsCheckpointHeatmap *h, double factor)
{
  double x = gtk_widget_get_width (GTK_WIDGET (h)) / 2.0;
  double y = gtk_widget_get_height (GTK_WIDGET (h)) / 2.0;

  if (h->sel_row >= 0)
    {
      graphene_rect_t r;
      ps_checkpoint_heatmap_cell_rect (h, h->sel_row, h->sel_col, &r);
      x = r.origin.x + r.size.width / 2;
      y = r.origin.y + r.size.height / 2;
    }
  ps_checkpoint_heatmap_zoom_at (h, factor, x, y);
  if (h->sel_row >= 0)
    scroll_to_cell (h, h->sel_row, h->sel_col);
}

static void
action_zoom (GtkWidget *widget, const char *name, GVariant *param)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (widget);

  if (g_str_equal (name, "heatmap.zoom-in"))
    zoom_keyboard (h, ZOOM_STEP);
  else if (g_str_equal (name, "heatmap.zoom-out"))
    zoom_keyboard (h, 1 / ZOOM_STEP);
  else
    ps_checkpoint_heatmap_reset_zoom (h);
}

static void
action_move (GtkWidget *widget, const char *name, GVariant *param)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (widget);
  int dr, dc;

  if (!has_cells (h))
    return;
  g_variant_get (param, "(ii)", &dr, &dc);
  if (h->sel_row < 0)
    ps_checkpoint_heatmap_set_selected (h, 0, 0);
  else
    ps_checkpoint_heatmap_set_selected (h, CLAMP (h->sel_row + dr, 0, h->view.rows - 1),
                                        CLAMP (h->sel_col + dc, 0, h->view.cols - 1));
}

/* ---- offscreen ----------------------------------------------------------------------------- */

GdkTexture *
ps_checkpoint_heatmap_render_texture (PsCheckpointHeatmap *h, int width, int height)
{
  GtkWidget *w = GTK_WIDGET (h);
  int ww = gtk_widget_get_width (w), wh = gtk_widget_get_height (w);
  g_autoptr (GskRenderer) own = NULL;
  GskRenderer *renderer = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GtkNative *native;
  GdkTexture *texture;

  g_return_val_if_fail (PS_IS_CHECKPOINT_HEATMAP (h), NULL);
  if (ww <= 0 || wh <= 0)
    return NULL;
  if (width <= 0)
    width = ww;
  if (height <= 0)
    height = wh;
  snapshot = gtk_snapshot_new ();
  if (width != ww || height != wh)
    gtk_snapshot_scale (snapshot, (float) width / ww, (float) height / wh);
  ps_checkpoint_heatmap_snapshot (w, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    node = gsk_container_node_new (NULL, 0);
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

/* ---- GObject -------------------------------------------------------------------------------- */

static void
ps_checkpoint_heatmap_dispose (GObject *object)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (object);

  g_cancellable_cancel (h->cancel);
  g_clear_handle_id (&h->busy_id, g_source_remove);
  g_clear_pointer (&h->ck, ps_checkpoint_unref);
  G_OBJECT_CLASS (ps_checkpoint_heatmap_parent_class)->dispose (object);
}

static void
ps_checkpoint_heatmap_finalize (GObject *object)
{
  PsCheckpointHeatmap *h = PS_CHECKPOINT_HEATMAP (object);

  /* a running job holds a reference (its GTask's source): none runs now */
  g_clear_pointer (&h->cells, cairo_surface_destroy);     /* before the buffer it wraps */
  g_clear_pointer (&h->probe, cairo_surface_destroy);
  g_free (h->argb);
  job_free (h->job);
  g_clear_object (&h->cancel);
  g_free (h->title);
  g_free (h->problem);
  G_OBJECT_CLASS (ps_checkpoint_heatmap_parent_class)->finalize (object);
}

static void
ps_checkpoint_heatmap_class_init (PsCheckpointHeatmapClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->dispose = ps_checkpoint_heatmap_dispose;
  oc->finalize = ps_checkpoint_heatmap_finalize;
  wc->snapshot = ps_checkpoint_heatmap_snapshot;
  wc->measure = ps_checkpoint_heatmap_measure;
  wc->size_allocate = ps_checkpoint_heatmap_size_allocate;
  wc->query_tooltip = ps_checkpoint_heatmap_query_tooltip;

  signals[SIG_CELL_FOCUSED] =
    g_signal_new ("cell-focused", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_INT64, G_TYPE_INT64);
  signals[SIG_READY] =
    g_signal_new ("ready", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  gtk_widget_class_install_action (wc, "heatmap.zoom-in", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-out", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.zoom-reset", NULL, action_zoom);
  gtk_widget_class_install_action (wc, "heatmap.move", "(ii)", action_move);
  {
    static const struct { guint key; const char *action; } zooms[] = {
      { GDK_KEY_plus, "heatmap.zoom-in" }, { GDK_KEY_equal, "heatmap.zoom-in" },
      { GDK_KEY_KP_Add, "heatmap.zoom-in" }, { GDK_KEY_minus, "heatmap.zoom-out" },
      { GDK_KEY_KP_Subtract, "heatmap.zoom-out" }, { GDK_KEY_0, "heatmap.zoom-reset" },
      { GDK_KEY_KP_0, "heatmap.zoom-reset" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (zooms); i++)
      gtk_widget_class_add_binding_action (wc, zooms[i].key, GDK_CONTROL_MASK, zooms[i].action,
                                           NULL);
  }
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Up, 0, "heatmap.move", "(ii)", -1, 0);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Down, 0, "heatmap.move", "(ii)", 1, 0);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Left, 0, "heatmap.move", "(ii)", 0, -1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Right, 0, "heatmap.move", "(ii)", 0, 1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Page_Up, 0, "heatmap.move", "(ii)", -16, 0);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Page_Down, 0, "heatmap.move", "(ii)", 16, 0);

  gtk_widget_class_set_css_name (wc, "heatmapview");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_checkpoint_heatmap_init (PsCheckpointHeatmap *h)
{
  GtkWidget *w = GTK_WIDGET (h);
  GtkEventController *c;
  GtkGesture *g;

  h->zoom = 1;
  h->sel_row = h->sel_col = h->focus_row = h->focus_col = -1;
  h->label_range = -1;
  h->cancel = g_cancellable_new ();
  gtk_widget_set_focusable (w, TRUE);
  gtk_widget_set_has_tooltip (w, TRUE);

  c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_motion), h);
  g_signal_connect (c, "leave", G_CALLBACK (on_leave), h);
  gtk_widget_add_controller (w, c);
  c = gtk_event_controller_scroll_new (GTK_EVENT_CONTROLLER_SCROLL_BOTH_AXES);
  g_signal_connect (c, "scroll", G_CALLBACK (on_scroll), h);
  gtk_widget_add_controller (w, c);
  g = gtk_gesture_drag_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "drag-begin", G_CALLBACK (on_drag_begin), h);
  g_signal_connect (g, "drag-update", G_CALLBACK (on_drag_update), h);
  g_signal_connect (g, "drag-end", G_CALLBACK (on_drag_end), h);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (g));
  g = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "released", G_CALLBACK (on_click_released), h);
  gtk_widget_add_controller (w, GTK_EVENT_CONTROLLER (g));
  update_accessible (h);
}
