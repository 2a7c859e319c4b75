/* ps-data-view.c — the training data of a classifier of the plane, and its decision regions
 *
 * A frame: the plane's window (the data's bounding box with a margin, equal
 * scales), the regions as a PS_DATA_VIEW_GRID² image (each cell the colour
 * of its likeliest class, strong where the network is sure, pale near the
 * boundary) painted smoothly, the points on top, the caption.  The regions
 * are computed again only when the network's values changed: the sum of
 * its parameters' data versions, which only grow.
 */
#include "ps-data-view.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>

#define MARGIN    0.12      /* of the data's extent, around it */
#define PAD       8.0       /* px around the plot */
#define POINT_R   3.5       /* px */

/* Class colours: orange and blue as TensorFlow Playground, then more
 * (distinct from the heatmaps' blue-white-red only in context: a separate tab). */
static const double class_rgb[][3] = {
  { 0.961, 0.576, 0.133 },  /* orange */
  { 0.039, 0.471, 0.773 },  /* blue */
  { 0.173, 0.627, 0.173 },  /* green */
  { 0.580, 0.404, 0.741 },  /* purple */
};

struct _PsDataView
{
  GtkWidget parent_instance;

  PsRunController *run;
  PsDocument      *doc;
  gulong           synced_id, step_id, acc_id, changed_id, replaced_id;

  /* the regions, for (model, version, window) */
  PsModule        *grid_model;           /* compared, not referenced */
  const PsTensor  *grid_x;               /* the data the window was fitted to, compared */
  guint64          grid_version;
  gboolean         has_regions;
  double           x0, x1, y0, y1;       /* the plane's window */
  guint32          argb[PS_DATA_VIEW_GRID * PS_DATA_VIEW_GRID];
  gint8            cls[PS_DATA_VIEW_GRID * PS_DATA_VIEW_GRID];
  cairo_surface_t *image;                /* wraps argb */
  char            *why;                  /* nothing drawn: why */

  /* where the plot was drawn last */
  double           px, py, pw, ph;
  guint            n_points;
};

G_DEFINE_FINAL_TYPE (PsDataView, ps_data_view, GTK_TYPE_WIDGET)

static guint64
model_version (PsModule *m)
{
  g_autoptr (GPtrArray) params = ps_module_named_parameters (m);
  guint64 v = 0;

  for (guint i = 0; i < params->len; i++)
    v += ps_param_get_data_version (((PsNamedParam *) params->pdata[i])->param);
  return v;
}

static void
set_why (PsDataView *v, const char *why)
{
  g_free (v->why);
  v->why = g_strdup (why);
  v->has_regions = FALSE;
}

/* The plane's window: the data's bounding box (else [-1, 1]²) with a
 * margin, widened to the widget's aspect so both axes share a scale. */
static void
compute_window (PsDataView *v, const PsTensor *x, double aspect)
{
  double x0 = -1, x1 = 1, y0 = -1, y1 = 1, cx, cy, hw, hh;

  if (x != NULL && x->ndim == 2 && ps_tensor_cols (x) == 2 && ps_tensor_rows (x) > 0)
    {
      x0 = y0 = INFINITY;
      x1 = y1 = -INFINITY;
      for (int64_t i = 0; i < ps_tensor_rows (x); i++)
        {
          float a = x->data[2 * i], b = x->data[2 * i + 1];
          if (!isfinite (a) || !isfinite (b))
            continue;
          x0 = MIN (x0, a); x1 = MAX (x1, a);
          y0 = MIN (y0, b); y1 = MAX (y1, b);
        }
      if (!(x1 > x0) || !(y1 > y0))
        x0 = y0 = -1, x1 = y1 = 1;
    }
  cx = (x0 + x1) / 2;
  cy = (y0 + y1) / 2;
  hw = (x1 - x0) / 2 * (1 + MARGIN);
  hh = (y1 - y0) / 2 * (1 + MARGIN);
  if (hw / hh < aspect)
    hw = hh * aspect;
  else
    hh = hw / aspect;
  v->x0 = cx - hw; v->x1 = cx + hw;
  v->y0 = cy - hh; v->y1 = cy + hh;
}

static void
compute_regions (PsDataView *v, PsModule *m, const PsTensor *x, double aspect)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) p = NULL;
  const int n = PS_DATA_VIEW_GRID;
  int64_t classes;

  if (v->image != NULL)
    {
      /* a render node of an earlier frame may still refer to the surface:
       * finishing it makes cairo copy what those need before argb changes */
      cairo_surface_finish (v->image);
      g_clear_pointer (&v->image, cairo_surface_destroy);
    }
  compute_window (v, x, aspect);
  p = ps_data_decision_grid (m, v->x0, v->x1, v->y0, v->y1, n, n, &error);
  if (p == NULL)
    {
      set_why (v, error->message);
      return;
    }
  classes = ps_tensor_cols (p);
  for (int i = 0; i < n * n; i++)
    {
      const float *r = p->data + (int64_t) i * classes;
      int best = 0;
      double conf, a, rr, gg, bb;
      for (int j = 1; j < classes; j++)
        if (r[j] > r[best])
          best = j;
      /* sure: the class's colour; at the boundary (1/classes): white */
      conf = isfinite (r[best]) ? (r[best] - 1.0 / classes) / (1 - 1.0 / classes) : 0;
      a = 0.15 + 0.55 * CLAMP (conf, 0, 1);
      rr = 1 - a * (1 - class_rgb[best % 4][0]);
      gg = 1 - a * (1 - class_rgb[best % 4][1]);
      bb = 1 - a * (1 - class_rgb[best % 4][2]);
      v->cls[i] = (gint8) best;
      v->argb[i] = 0xff000000u | ((guint32) (rr * 255 + 0.5) << 16)
                   | ((guint32) (gg * 255 + 0.5) << 8) | (guint32) (bb * 255 + 0.5);
    }
  g_clear_pointer (&v->why, g_free);
  v->has_regions = TRUE;
}

static int
point_class (const PsTensor *t, int64_t i)
{
  int64_t cols;
  int best = 0;

  if (t == NULL || t->ndim != 2)
    return 0;
  cols = ps_tensor_cols (t);
  for (int64_t j = 1; j < cols; j++)
    if (t->data[i * cols + j] > t->data[i * cols + best])
      best = (int) j;
  return best;
}

static void
draw_text (GtkWidget *w, GtkSnapshot *s, const char *text, double x, double y, gboolean dim)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (w, text);
  GdkRGBA fg;

  gtk_style_context_get_color (gtk_widget_get_style_context (w), &fg);
  if (dim)
    fg.alpha *= 0.7f;
  pango_layout_set_width (layout, MAX (1, gtk_widget_get_width (w) - (int) x - 8) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  gtk_snapshot_save (s);
  gtk_snapshot_translate (s, &GRAPHENE_POINT_INIT ((float) x, (float) y));
  gtk_snapshot_append_layout (s, layout, &fg);
  gtk_snapshot_restore (s);
  g_object_unref (layout);
}

static void
ps_data_view_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsDataView *v = PS_DATA_VIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  PsModule *m = v->doc ? ps_document_get_model (v->doc) : NULL;
  const PsTensor *x = NULL, *t = NULL;
  g_autofree char *caption = NULL;
  double side, ox, oy, sx, sy, acc;
  PangoLayout *probe;
  int line_h;
  cairo_t *cr;

  v->n_points = 0;
  if (width <= 2 * PAD || height <= 2 * PAD)
    return;
  if (m == NULL)
    {
      set_why (v, _("No network"));
      draw_text (widget, snapshot, v->why, PAD, PAD, TRUE);
      return;
    }
  if (v->run)
    ps_run_controller_get_data (v->run, &x, &t);
  if (x != NULL && (x->ndim != 2 || ps_tensor_cols (x) != 2))
    x = NULL;

  probe = gtk_widget_create_pango_layout (widget, "Ag");
  pango_layout_get_pixel_size (probe, NULL, &line_h);
  g_object_unref (probe);

  /* the plot: a square-ish area under the caption line */
  side = MIN (width - 2 * PAD, height - 3 * PAD - line_h);
  if (side < 16)
    return;
  {
    guint64 version = model_version (m);
    if (m != v->grid_model || version != v->grid_version || x != v->grid_x || !v->has_regions)
      {
        v->grid_model = m;
        v->grid_x = x;
        v->grid_version = version;
        compute_regions (v, m, x, 1.0);
      }
  }
  if (!v->has_regions)
    {
      g_autofree char *text = g_strdup_printf (_("The data view shows a network of the plane "
                                                 "(2 inputs, 2 or more classes), such as "
                                                 "Examples → Spiral classifier: %s"), v->why);
      draw_text (widget, snapshot, text, PAD, PAD, TRUE);
      return;
    }

  acc = v->run ? ps_run_controller_get_accuracy (v->run) : NAN;
  if (x == NULL)
    caption = g_strdup (_("Decision regions · Run or Step (Spiral data) to see the training points"));
  else if (isnan (acc))
    caption = g_strdup_printf (_("Decision regions and %" PRId64 " training points"),
                               ps_tensor_rows (x));
  else
    /* TRANSLATORS: the data view's caption: points, the run's step, accuracy in percent */
    caption = g_strdup_printf (_("%" PRId64 " training points · step %" PRIu64
                                 " · accuracy %.1f%%"),
                               ps_tensor_rows (x),
                               ps_run_controller_get_trainer (v->run)
                                 ? ps_trainer_get_synced_step (ps_run_controller_get_trainer (v->run)) : 0,
                               acc * 100);
  draw_text (widget, snapshot, caption, PAD, PAD, FALSE);

  ox = floor ((width - side) / 2);
  oy = floor (2 * PAD + line_h);
  v->px = ox; v->py = oy; v->pw = side; v->ph = side;
  sx = side / (v->x1 - v->x0);
  sy = side / (v->y1 - v->y0);

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (ox - 1, oy - 1, side + 2, side + 2));
  if (v->image == NULL)
    v->image = cairo_image_surface_create_for_data ((guchar *) v->argb, CAIRO_FORMAT_RGB24,
                                                    PS_DATA_VIEW_GRID, PS_DATA_VIEW_GRID,
                                                    PS_DATA_VIEW_GRID * 4);
  cairo_save (cr);
  cairo_rectangle (cr, ox, oy, side, side);
  cairo_clip (cr);
  cairo_translate (cr, ox, oy);
  cairo_scale (cr, side / PS_DATA_VIEW_GRID, side / PS_DATA_VIEW_GRID);
  cairo_set_source_surface (cr, v->image, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_GOOD);
  cairo_pattern_set_extend (cairo_get_source (cr), CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);

  if (x != NULL)
    {
      int64_t n = ps_tensor_rows (x);
      cairo_set_line_width (cr, 1);
      for (int64_t i = 0; i < n; i++)
        {
          double a = x->data[2 * i], b = x->data[2 * i + 1];
          int c = point_class (t, i) % 4;
          if (!isfinite (a) || !isfinite (b))
            continue;
          cairo_arc (cr, ox + (a - v->x0) * sx, oy + (v->y1 - b) * sy, POINT_R, 0, 2 * G_PI);
          cairo_set_source_rgb (cr, class_rgb[c][0], class_rgb[c][1], class_rgb[c][2]);
          cairo_fill_preserve (cr);
          cairo_set_source_rgb (cr, 1, 1, 1);
          cairo_stroke (cr);
          v->n_points++;
        }
    }
  cairo_set_source_rgba (cr, 0.5, 0.5, 0.5, 0.8);
  cairo_rectangle (cr, ox - 0.5, oy - 0.5, side + 1, side + 1);
  cairo_stroke (cr);
  cairo_destroy (cr);
}

static void
queue (PsDataView *v)
{
  gtk_widget_queue_draw (GTK_WIDGET (v));
}

static void
on_model_replaced (PsDataView *v)
{
  v->grid_model = NULL;
  v->has_regions = FALSE;
  queue (v);
}

static void
disconnect (PsDataView *v)
{
  if (v->run)
    {
      g_clear_signal_handler (&v->synced_id, v->run);
      g_clear_signal_handler (&v->step_id, v->run);
      g_clear_signal_handler (&v->acc_id, v->run);
    }
  if (v->doc)
    {
      g_clear_signal_handler (&v->changed_id, v->doc);
      g_clear_signal_handler (&v->replaced_id, v->doc);
    }
  g_clear_object (&v->run);
  g_clear_object (&v->doc);
}

void
ps_data_view_set_controller (PsDataView *v, PsRunController *run)
{
  g_return_if_fail (PS_IS_DATA_VIEW (v));
  g_return_if_fail (run == NULL || PS_IS_RUN_CONTROLLER (run));

  disconnect (v);
  if (run != NULL)
    {
      v->run = g_object_ref (run);
      v->doc = g_object_ref (ps_run_controller_get_document (run));
      v->synced_id = g_signal_connect_swapped (run, "synced", G_CALLBACK (queue), v);
      v->step_id = g_signal_connect_swapped (run, "notify::step", G_CALLBACK (queue), v);
      v->acc_id = g_signal_connect_swapped (run, "notify::accuracy", G_CALLBACK (queue), v);
      v->changed_id = g_signal_connect_swapped (v->doc, "changed", G_CALLBACK (queue), v);
      v->replaced_id = g_signal_connect_swapped (v->doc, "model-replaced",
                                                 G_CALLBACK (on_model_replaced), v);
    }
  on_model_replaced (v);
}

gboolean
ps_data_view_has_regions (PsDataView *v)
{
  g_return_val_if_fail (PS_IS_DATA_VIEW (v), FALSE);
  return v->has_regions;
}

guint
ps_data_view_get_n_points (PsDataView *v)
{
  g_return_val_if_fail (PS_IS_DATA_VIEW (v), 0);
  return v->n_points;
}

guint64
ps_data_view_get_regions_version (PsDataView *v)
{
  g_return_val_if_fail (PS_IS_DATA_VIEW (v), 0);
  return v->grid_version;
}

gboolean
ps_data_view_to_widget (PsDataView *v, double x, double y, double *wx, double *wy)
{
  g_return_val_if_fail (PS_IS_DATA_VIEW (v), FALSE);
  if (!v->has_regions || v->pw <= 0)
    return FALSE;
  *wx = v->px + (x - v->x0) * v->pw / (v->x1 - v->x0);
  *wy = v->py + (v->y1 - y) * v->ph / (v->y1 - v->y0);
  return TRUE;
}

int
ps_data_view_class_at (PsDataView *v, double x, double y)
{
  int c, r;

  g_return_val_if_fail (PS_IS_DATA_VIEW (v), -1);
  if (!v->has_regions || x < v->x0 || x >= v->x1 || y <= v->y0 || y > v->y1)
    return -1;
  c = (int) ((x - v->x0) / (v->x1 - v->x0) * PS_DATA_VIEW_GRID);
  r = (int) ((v->y1 - y) / (v->y1 - v->y0) * PS_DATA_VIEW_GRID);
  return v->cls[CLAMP (r, 0, PS_DATA_VIEW_GRID - 1) * PS_DATA_VIEW_GRID
                + CLAMP (c, 0, PS_DATA_VIEW_GRID - 1)];
}

static void
ps_data_view_measure (GtkWidget *widget, GtkOrientation orientation, int for_size,
                      int *minimum, int *natural, int *min_baseline, int *nat_baseline)
{
  *minimum = 80;
  *natural = 240;
}

static void
ps_data_view_dispose (GObject *object)
{
  disconnect (PS_DATA_VIEW (object));
  G_OBJECT_CLASS (ps_data_view_parent_class)->dispose (object);
}

static void
ps_data_view_finalize (GObject *object)
{
  PsDataView *v = PS_DATA_VIEW (object);

  g_clear_pointer (&v->image, cairo_surface_destroy);
  g_free (v->why);
  G_OBJECT_CLASS (ps_data_view_parent_class)->finalize (object);
}

static void
ps_data_view_class_init (PsDataViewClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_data_view_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_data_view_finalize;
  wc->snapshot = ps_data_view_snapshot;
  wc->measure = ps_data_view_measure;
  gtk_widget_class_set_css_name (wc, "dataview");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_data_view_init (PsDataView *v)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (v), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Training data and decision regions"), -1);
}

GtkWidget *
ps_data_view_new (void)
{
  return g_object_new (PS_TYPE_DATA_VIEW, NULL);
}
