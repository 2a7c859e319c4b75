/* ps-loss-chart.c — the loss per step (see ps-loss-chart.h) */
#include "ps-loss-chart.h"
#include "ps-chart-private.h"

#include <glib/gi18n.h>
#include <math.h>

struct _PsLossChart
{
  PsChart  parent_instance;
  GArray  *points;              /* PsLogPoint, the log's loss as of the last copy */
  GArray  *previous;            /* PsLogPoint, another run */
};

G_DEFINE_FINAL_TYPE (PsLossChart, ps_loss_chart, PS_TYPE_CHART)

/* The previous run's colour: its accent at half opacity. */
static GdkRGBA
previous_color (void)
{
  GdkRGBA prev;
  ps_chart_get_color (PS_CHART_COLOR_PREVIOUS, &prev);
  prev.alpha = 0.5;
  return prev;
}

static void
loss_layout (PsChart *chart, PsChartText *t, double width, double height, PsChartFrame *f)
{
  PsLossChart *c = PS_LOSS_CHART (chart);
  PsChartPlot *p = &f->plot;
  gboolean clipped = FALSE;
  guint64 nonfinite = ps_chart_total_nonfinite (c->points);

  g_strlcpy (f->header.title, _("Loss"), sizeof f->header.title);
  f->has_data = c->points->len > 0;
  p->log_y = ps_chart_get_log_scale (chart);
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  ps_chart_extend_by_points (c->points, p->log_y, TRUE, &p->x_lo, &p->x_hi, &p->y_lo, &p->y_hi,
                             &clipped);
  if (f->has_data && c->previous->len > 0)
    {
      GdkRGBA cur, prev = previous_color ();
      ps_chart_get_color (PS_CHART_COLOR_LOSS, &cur);
      ps_chart_extend_by_points (c->previous, p->log_y, FALSE, &p->x_lo, &p->x_hi, &p->y_lo,
                                 &p->y_hi, &clipped);
      ps_chart_header_add (&f->header, &t->fg, PS_CHART_SWATCH_LINE, &cur, _("this run"));
      ps_chart_header_add (&f->header, &t->fg, PS_CHART_SWATCH_LINE, &prev, _("previous run"));
    }
  ps_chart_plot_finish_ranges (p, clipped);
  if (f->has_data && clipped)
    {
      GdkRGBA dim = ps_chart_with_alpha (&t->fg, 0.7);
      ps_chart_header_add (&f->header, &dim, PS_CHART_SWATCH_NONE, NULL,
                           _("values ≤ 0 on the bottom edge"));
    }
  if (nonfinite > 0)
    ps_chart_header_add_nonfinite_note (&f->header,
                                        ngettext ("NaN or Inf at %s step",
                                                  "NaN or Inf at %s steps", (gulong) nonfinite),
                                        nonfinite);
  ps_chart_frame_layout (f, t, width, height);
}

static void
loss_draw_plot (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  PsLossChart *c = PS_LOSS_CHART (chart);
  GdkRGBA line, band, prev = previous_color ();

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &line);
  band = ps_chart_with_alpha (&line, 0.22);
  ps_chart_plot_draw_grid (&f->plot, cr, &t->fg);
  ps_chart_draw_mean_line (cr, &f->plot, c->previous, &prev, 2);
  ps_chart_draw_band (cr, &f->plot, c->points, &band);
  ps_chart_draw_mean_line (cr, &f->plot, c->points, &line, 2);
}

static void
loss_draw_over (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  ps_chart_draw_nonfinite_points (cr, &f->plot, PS_LOSS_CHART (chart)->points);
}

/* The point nearest to x: its steps, its loss (or their mean and range),
 * its non-finite steps, and the previous run's loss at the same step. */
static gboolean
loss_readout (PsChart *chart, const PsChartFrame *f, double x, double y, GString *s,
              PsChartMark *mark)
{
  PsLossChart *c = PS_LOSS_CHART (chart);
  const PsChartPlot *p = &f->plot;
  const PsLogPoint *pt;
  char mean[48], lo[48], hi[48];

  if (!f->has_data || !ps_chart_plot_contains (p, x, y, 4))
    return FALSE;
  pt = &g_array_index (c->points, PsLogPoint,
                       ps_chart_nearest_point (c->points, ps_chart_plot_step_at (p, x)));
  ps_chart_append_steps (s, pt);
  g_string_append_c (s, '\n');
  ps_chart_format_value (mean, sizeof mean, pt->mean);
  if (isnan (pt->mean))
    g_string_append (s, _("loss not finite"));
  else if (pt->n == 1 || pt->min == pt->max)
    g_string_append_printf (s, _("loss %s"), mean);
  else
    {
      ps_chart_format_value (lo, sizeof lo, pt->min);
      ps_chart_format_value (hi, sizeof hi, pt->max);
      /* TRANSLATORS: the mean loss over several steps, then its range */
      g_string_append_printf (s, _("loss %s on average, %s to %s"), mean, lo, hi);
    }
  if (pt->n_nonfinite > 0 && !isnan (pt->mean))
    {
      char n[32];
      ps_chart_format_count (n, sizeof n, pt->n_nonfinite);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, ngettext ("%s step NaN or Inf", "%s steps NaN or Inf",
                                           pt->n_nonfinite), n);
    }
  if (c->previous->len > 0)
    {
      double step = (pt->step_first + (double) pt->step_last) / 2;
      const PsLogPoint *q = &g_array_index (c->previous, PsLogPoint,
                                            ps_chart_nearest_point (c->previous, step));
      if (q->step_first <= step + 0.5 * pt->n && q->step_last + 0.5 * pt->n >= step)
        {
          ps_chart_format_value (mean, sizeof mean, q->mean);
          g_string_append_c (s, '\n');
          g_string_append_printf (s, _("previous run %s"), mean);
        }
    }
  mark->kind = PS_CHART_MARK_POINT;
  mark->x = ps_chart_point_x (p, pt);
  mark->y = isnan (pt->mean) ? NAN : ps_chart_plot_y (p, pt->mean);
  ps_chart_get_color (PS_CHART_COLOR_LOSS, &mark->dot);
  return TRUE;
}

static char *
loss_describe (PsChart *chart)
{
  PsLossChart *c = PS_LOSS_CHART (chart);
  const PsLogPoint *last;
  char steps[32], loss[48];

  if (c->points->len == 0)
    return g_strdup (_("No training steps yet"));
  last = &g_array_index (c->points, PsLogPoint, c->points->len - 1);
  ps_chart_format_count (steps, sizeof steps, last->step_last);
  ps_chart_format_value (loss, sizeof loss, last->mean);
  return g_strdup_printf (_("%s steps, latest loss %s"), steps, loss);
}

static void
loss_reset (PsChart *chart, PsTrainLog *log)
{
  g_array_set_size (PS_LOSS_CHART (chart)->points, 0);
}

static gboolean
loss_copy (PsChart *chart, PsTrainLog *log)
{
  ps_train_log_copy_loss (log, PS_LOSS_CHART (chart)->points);
  return TRUE;
}

/* ---- API ---------------------------------------------------------------------------- */

GtkWidget *
ps_loss_chart_new (void)
{
  return g_object_new (PS_TYPE_LOSS_CHART, NULL);
}

void
ps_loss_chart_set_previous (PsLossChart *c, GArray *points)
{
  g_return_if_fail (PS_IS_LOSS_CHART (c));
  g_return_if_fail (points == NULL || g_array_get_element_size (points) == sizeof (PsLogPoint));
  g_array_set_size (c->previous, 0);
  if (points != NULL && points->len > 0)
    g_array_append_vals (c->previous, points->data, points->len);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
ps_loss_chart_finalize (GObject *object)
{
  PsLossChart *c = PS_LOSS_CHART (object);
  g_array_unref (c->points);
  g_array_unref (c->previous);
  G_OBJECT_CLASS (ps_loss_chart_parent_class)->finalize (object);
}

static void
ps_loss_chart_class_init (PsLossChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PsChartClass *cc = PS_CHART_CLASS (klass);

  oc->finalize = ps_loss_chart_finalize;
  cc->reset = loss_reset;
  cc->copy = loss_copy;
  cc->layout = loss_layout;
  cc->draw_plot = loss_draw_plot;
  cc->draw_over = loss_draw_over;
  cc->readout = loss_readout;
  cc->describe = loss_describe;

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "losschart");
}

static void
ps_loss_chart_init (PsLossChart *c)
{
  c->points = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  c->previous = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Loss curve"), -1);
}
