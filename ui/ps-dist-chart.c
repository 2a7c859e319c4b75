/* ps-dist-chart.c — one parameter's histograms over time (see ps-dist-chart.h) */
#include "ps-dist-chart.h"
#include "ps-chart-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define MIN_BIN_ALPHA 0.1       /* a non-empty bin stays visible */

struct _PsDistChart
{
  PsChart          parent_instance;
  guint            param;
  gboolean         grad;
  char            *name;        /* of param, NULL when the log has no such parameter */
  GArray          *hists;       /* PsLogHist */
  cairo_surface_t *bins;        /* the bins of the last frame, at device resolution */
};

G_DEFINE_FINAL_TYPE (PsDistChart, ps_dist_chart, PS_TYPE_CHART)

static const PsLogHist *
dist_hist (PsDistChart *c, guint k)
{
  return &g_array_index (c->hists, PsLogHist, k);
}

/* Column k spans half way to its neighbours' steps; the outer columns are
 * as wide as the gap next to them (1 step for a single histogram). */
static void
dist_column (PsDistChart *c, guint k, double *left, double *right)
{
  guint n = c->hists->len;
  double s = dist_hist (c, k)->step;
  double before = k > 0 ? s - dist_hist (c, k - 1)->step : n > 1 ? dist_hist (c, 1)->step - s : 1;
  double after = k + 1 < n ? dist_hist (c, k + 1)->step - s : before;
  *left = s - before / 2;
  *right = s + after / 2;
}

static guint64
hist_nonfinite (const PsLogHist *h)
{
  return h->n_nan + h->n_posinf + h->n_neginf;
}

static void
dist_layout (PsChart *chart, PsChartText *t, double width, double height, PsChartFrame *f)
{
  PsDistChart *c = PS_DIST_CHART (chart);
  PsChartPlot *p = &f->plot;
  guint n_flagged = 0;
  double right;

  if (c->name == NULL)
    g_strlcpy (f->header.title, _("Distribution over time"), sizeof f->header.title);
  else
    g_snprintf (f->header.title, sizeof f->header.title,
                c->grad ? _("Gradient of %s over time") : _("Values of %s over time"), c->name);
  f->has_data = c->hists->len > 0;
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  if (f->has_data)
    {
      GdkRGBA mean = ps_chart_with_alpha (&t->fg, 0.9), range = ps_chart_with_alpha (&t->fg, 0.55);
      dist_column (c, 0, &p->x_lo, &right);
      dist_column (c, c->hists->len - 1, &right, &p->x_hi);
      for (guint k = 0; k < c->hists->len; k++)
        {
          const PsLogHist *h = dist_hist (c, k);
          n_flagged += hist_nonfinite (h) > 0;
          if (isnan (h->lo))
            continue;
          p->y_lo = MIN (p->y_lo, h->lo);
          p->y_hi = MAX (p->y_hi, h->hi);
        }
      ps_chart_header_add (&f->header, &t->fg, PS_CHART_SWATCH_LINE, &mean, _("mean"));
      ps_chart_header_add (&f->header, &t->fg, PS_CHART_SWATCH_THIN_LINE, &range,
                           _("min and max"));
    }
  ps_chart_plot_finish_ranges (p, FALSE);
  if (n_flagged > 0)
    ps_chart_header_add_nonfinite_note (&f->header,
                                        ngettext ("NaN or Inf in %s histogram",
                                                  "NaN or Inf in %s histograms", n_flagged),
                                        n_flagged);
  ps_chart_frame_layout (f, t, width, height);
}

/* Column k's pixel columns: whole pixels, at least one, so neighbours abut. */
static void
dist_column_px (PsDistChart *c, const PsChartPlot *p, guint k, double *x0, double *x1)
{
  double left, right;
  dist_column (c, k, &left, &right);
  *x0 = round (ps_chart_plot_x (p, left));
  *x1 = MAX (round (ps_chart_plot_x (p, right)), *x0 + 1);
}

/* Device rows [*r0, *r1) of the plot area whose centres lie in [top, bottom)
 * (px from the widget's top): at least one, within the area. */
static void
rows_of (const PsChartPlot *p, double top, double bottom, int n_rows, int *r0, int *r1)
{
  *r0 = (int) ceil ((top - p->ay) * p->scale - 0.5);
  *r1 = (int) ceil ((bottom - p->ay) * p->scale - 0.5);
  if (*r1 <= *r0)
    *r0 = *r1 - 1;
  *r0 = CLAMP (*r0, 0, n_rows);
  *r1 = CLAMP (*r1, 0, n_rows);
}

/* Fill device columns [x0, x1) x rows [r0, r1) of argb (stride in pixels). */
static void
fill_span (guint32 *argb, int stride, int x0, int x1, int r0, int r1, guint32 pixel)
{
  for (int r = r0; r < r1; r++)
    for (int x = x0; x < x1; x++)
      argb[(gsize) r * stride + x] = pixel;
}

/* The bins, painted as one image of the plot area at device resolution: a
 * bin covers the pixels whose centres are in [edge b, edge b + 1), so each
 * pixel belongs to exactly one bin (no seams, no blending between
 * neighbours), as opaque as its count against the column's largest.  The
 * image is kept for the next frame. */
static void
dist_draw_bins (PsDistChart *c, cairo_t *cr, const PsChartPlot *p)
{
  int w = (int) (p->aw * p->scale), h = (int) (p->ah * p->scale), stride;
  GdkRGBA accent;
  guint32 *argb;

  if (w <= 0 || h <= 0)
    return;
  ps_chart_get_color (c->grad ? PS_CHART_COLOR_GRADIENT : PS_CHART_COLOR_VALUES, &accent);
  if (c->bins == NULL || cairo_image_surface_get_width (c->bins) != w
      || cairo_image_surface_get_height (c->bins) != h)
    {
      g_clear_pointer (&c->bins, cairo_surface_destroy);
      c->bins = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
    }
  /* flush first: an earlier frame's node keeps its copy of the old pixels */
  cairo_surface_flush (c->bins);
  argb = (guint32 *) cairo_image_surface_get_data (c->bins);
  stride = cairo_image_surface_get_stride (c->bins) / 4;
  memset (argb, 0, (gsize) stride * 4 * h);

  for (guint k = 0; k < c->hists->len; k++)
    {
      const PsLogHist *hist = dist_hist (c, k);
      guint64 peak = 0;
      double x0, x1;
      int c0, c1, r0, r1;

      if (isnan (hist->lo))
        continue;
      dist_column_px (c, p, k, &x0, &x1);
      c0 = CLAMP ((int) ((x0 - p->ax) * p->scale), 0, w);
      c1 = CLAMP ((int) ((x1 - p->ax) * p->scale), 0, w);
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        peak = MAX (peak, hist->count[b]);
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        {
          double a = MAX ((double) hist->count[b] / peak, MIN_BIN_ALPHA);
          guint32 pixel = ((guint32) lround (a * 255) << 24)
                          | ((guint32) lround (accent.red * a * 255) << 16)
                          | ((guint32) lround (accent.green * a * 255) << 8)
                          | (guint32) lround (accent.blue * a * 255);
          if (hist->count[b] == 0)
            continue;
          if (hist->lo == hist->hi)
            {
              /* every value the same: one bin of no height, drawn 3 px tall */
              double y = ps_chart_plot_y (p, hist->lo);
              rows_of (p, y - 1.5, y + 1.5, h, &r0, &r1);
            }
          else
            rows_of (p, ps_chart_plot_y (p, ps_log_hist_edge (hist, b + 1)),
                     ps_chart_plot_y (p, ps_log_hist_edge (hist, b)), h, &r0, &r1);
          fill_span (argb, stride, c0, c1, r0, r1, pixel);
        }
    }
  cairo_surface_mark_dirty (c->bins);

  cairo_save (cr);
  cairo_translate (cr, p->ax, p->ay);
  cairo_scale (cr, 1.0 / p->scale, 1.0 / p->scale);
  cairo_set_source_surface (cr, c->bins, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* The mean as a line through the columns' centres; min and max as stepped
 * outlines along the columns' edges. */
static void
dist_draw_lines (PsDistChart *c, cairo_t *cr, const PsChartPlot *p, const GdkRGBA *fg)
{
  ps_chart_data_drawing_begin (cr);
  for (int side = 0; side < 2; side++)
    {
      cairo_new_path (cr);
      for (guint k = 0; k < c->hists->len; k++)
        {
          const PsLogHist *h = dist_hist (c, k);
          double x0, x1, y;
          if (isnan (h->lo))
            {
              cairo_new_sub_path (cr);
              continue;
            }
          dist_column_px (c, p, k, &x0, &x1);
          y = ps_chart_plot_y (p, side == 0 ? h->lo : h->hi);
          cairo_line_to (cr, x0, y);
          cairo_line_to (cr, x1, y);
        }
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.55 * fg->alpha);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);
  for (guint k = 0; k < c->hists->len; k++)
    {
      const PsLogHist *h = dist_hist (c, k);
      double x0, x1;
      if (isnan (h->mean))
        {
          cairo_new_sub_path (cr);
          continue;
        }
      dist_column_px (c, p, k, &x0, &x1);
      cairo_line_to (cr, (x0 + x1) / 2, ps_chart_plot_y (p, h->mean));
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9 * fg->alpha);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
dist_draw_nonfinite (PsDistChart *c, cairo_t *cr, const PsChartPlot *p)
{
  GdkRGBA red;

  ps_chart_get_color (PS_CHART_COLOR_NONFINITE, &red);
  gdk_cairo_set_source_rgba (cr, &red);
  for (guint k = 0; k < c->hists->len; k++)
    if (hist_nonfinite (dist_hist (c, k)) > 0)
      {
        double x0, x1;
        dist_column_px (c, p, k, &x0, &x1);
        if (x1 - x0 < 2)
          x1 = x0 + 2;
        cairo_rectangle (cr, x0, ps_chart_plot_strip_y (p), x1 - x0, PS_CHART_STRIP);
      }
  cairo_fill (cr);
}

/* The column under x: -1 if none. */
static int
dist_column_at (PsDistChart *c, const PsChartPlot *p, double x)
{
  for (guint k = 0; k < c->hists->len; k++)
    {
      double x0, x1;
      dist_column_px (c, p, k, &x0, &x1);
      if (x >= x0 && x < x1)
        return (int) k;
    }
  return -1;
}

/* The bin of h holding value v: -1 if none. */
static int
dist_bin_at (const PsLogHist *h, double v)
{
  if (isnan (h->lo) || v < h->lo || v > h->hi)
    return -1;
  if (h->lo == h->hi)
    return 0;
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    if (v < ps_log_hist_edge (h, b + 1) || b == PS_LOG_HIST_BINS - 1)
      return b;
  return -1;
}

/* The histogram under the pointer: its step, the bin under it and its
 * count, the mean, min and max, the non-finite counts; the bin (or the
 * whole column off the bins) is outlined. */
static gboolean
dist_readout (PsChart *chart, const PsChartFrame *f, double x, double y, GString *s,
              PsChartMark *mark)
{
  PsDistChart *c = PS_DIST_CHART (chart);
  const PsChartPlot *p = &f->plot;
  const PsLogHist *h;
  char a[48], b[48], d[48];
  double x0, x1;
  int col, bin;

  if (!f->has_data || !ps_chart_plot_contains (p, x, y, 0))
    return FALSE;
  col = dist_column_at (c, p, x);
  if (col < 0)
    return FALSE;
  h = dist_hist (c, col);
  ps_chart_format_count (a, sizeof a, h->step);
  g_string_append_printf (s, _("step %s"), a);
  bin = dist_bin_at (h, ps_chart_plot_value_at (p, y));
  if (bin >= 0)
    {
      char n[32], total[32];
      ps_chart_format_value (a, sizeof a, ps_log_hist_edge (h, bin));
      ps_chart_format_value (b, sizeof b, ps_log_hist_edge (h, bin + 1));
      ps_chart_format_count (n, sizeof n, h->count[bin]);
      ps_chart_format_count (total, sizeof total, h->n);
      g_string_append_c (s, '\n');
      /* TRANSLATORS: a histogram bin: its interval, then how many of the values are in it */
      g_string_append_printf (s, _("%s to %s: %s of %s values"), a, b, n, total);
    }
  if (!isnan (h->mean))
    {
      ps_chart_format_value (a, sizeof a, h->mean);
      ps_chart_format_value (b, sizeof b, h->lo);
      ps_chart_format_value (d, sizeof d, h->hi);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, _("mean %s, min %s, max %s"), a, b, d);
    }
  if (hist_nonfinite (h) > 0)
    {
      char nan[32], pinf[32], ninf[32];
      ps_chart_format_count (nan, sizeof nan, h->n_nan);
      ps_chart_format_count (pinf, sizeof pinf, h->n_posinf);
      ps_chart_format_count (ninf, sizeof ninf, h->n_neginf);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, _("NaN %s, +Inf %s, −Inf %s"), nan, pinf, ninf);
    }
  dist_column_px (c, p, col, &x0, &x1);
  mark->kind = PS_CHART_MARK_RECT;
  if (bin >= 0)
    {
      double y0 = ps_chart_plot_y (p, ps_log_hist_edge (h, bin));
      double y1 = ps_chart_plot_y (p, ps_log_hist_edge (h, bin + 1));
      graphene_rect_init (&mark->rect, x0 - 0.5, floor (y1) - 0.5, x1 - x0 + 1,
                          MAX (2, ceil (y0) - floor (y1) + 1));
    }
  else
    graphene_rect_init (&mark->rect, x0 - 0.5, p->ay - 0.5, x1 - x0 + 1, p->ah + 1);
  return TRUE;
}

static void
dist_draw_plot (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  dist_draw_bins (PS_DIST_CHART (chart), cr, &f->plot);
  dist_draw_lines (PS_DIST_CHART (chart), cr, &f->plot, &t->fg);
}

static void
dist_draw_over (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  dist_draw_nonfinite (PS_DIST_CHART (chart), cr, &f->plot);
}

static const char *
dist_placeholder (PsChart *chart)
{
  PsDistChart *c = PS_DIST_CHART (chart);

  if (ps_chart_get_log (chart) == NULL)
    return _("No training steps yet");
  if (c->name == NULL)
    return _("No such parameter");
  return c->grad ? _("No gradient histograms yet") : _("No histograms yet");
}

static char *
dist_describe (PsChart *chart)
{
  PsDistChart *c = PS_DIST_CHART (chart);

  if (c->name == NULL)
    return g_strdup (_("No such parameter"));
  return g_strdup_printf (c->grad ? ngettext ("Gradient of %s, %u histogram",
                                              "Gradient of %s, %u histograms", c->hists->len)
                                  : ngettext ("Values of %s, %u histogram",
                                              "Values of %s, %u histograms", c->hists->len),
                          c->name, c->hists->len);
}

static void
dist_reset (PsChart *chart, PsTrainLog *log)
{
  PsDistChart *c = PS_DIST_CHART (chart);

  g_clear_pointer (&c->name, g_free);
  if (log != NULL && c->param < ps_train_log_get_n_params (log))
    c->name = g_strdup (ps_train_log_get_param_name (log, c->param));
  g_array_set_size (c->hists, 0);
}

/* Nothing to copy of a parameter the log does not have. */
static gboolean
dist_copy (PsChart *chart, PsTrainLog *log)
{
  PsDistChart *c = PS_DIST_CHART (chart);

  if (c->name == NULL)
    return FALSE;
  ps_train_log_copy_hists (log, c->param, c->grad, c->hists);
  return TRUE;
}

/* ---- API ---------------------------------------------------------------------------- */

GtkWidget *
ps_dist_chart_new (void)
{
  return g_object_new (PS_TYPE_DIST_CHART, NULL);
}

void
ps_dist_chart_set_param (PsDistChart *c, guint param, gboolean grad)
{
  g_return_if_fail (PS_IS_DIST_CHART (c));
  c->param = param;
  c->grad = !!grad;
  ps_chart_reload (PS_CHART (c));
}

guint
ps_dist_chart_get_param (PsDistChart *c)
{
  g_return_val_if_fail (PS_IS_DIST_CHART (c), 0);
  return c->param;
}

gboolean
ps_dist_chart_get_grad (PsDistChart *c)
{
  g_return_val_if_fail (PS_IS_DIST_CHART (c), FALSE);
  return c->grad;
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
ps_dist_chart_finalize (GObject *object)
{
  PsDistChart *c = PS_DIST_CHART (object);
  g_free (c->name);
  g_array_unref (c->hists);
  g_clear_pointer (&c->bins, cairo_surface_destroy);
  G_OBJECT_CLASS (ps_dist_chart_parent_class)->finalize (object);
}

static void
ps_dist_chart_class_init (PsDistChartClass *klass)
{
  PsChartClass *cc = PS_CHART_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = ps_dist_chart_finalize;
  cc->reset = dist_reset;
  cc->copy = dist_copy;
  cc->layout = dist_layout;
  cc->draw_plot = dist_draw_plot;
  cc->draw_over = dist_draw_over;
  cc->readout = dist_readout;
  cc->describe = dist_describe;
  cc->placeholder = dist_placeholder;

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "distchart");
}

static void
ps_dist_chart_init (PsDistChart *c)
{
  c->hists = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Distribution over time"), -1);
}
