/* ps-grad-flow-chart.c — every parameter's gradient norm over the steps
 * (see ps-grad-flow-chart.h) */
#include "ps-grad-flow-chart.h"
#include "ps-chart-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define BOX   12.0              /* a colour's square in the legend */
#define FAINT 0.2               /* opacity of lines that are not highlighted */

/* The legend, right of the plot: entry i in column i / rows, row i % rows.
 * Laid out with every frame (ps_chart_get_frame), so it always matches
 * the plot of the same size. */
typedef struct
{
  double x, y, col_w, row_h, name_w;
  guint  rows;
} Legend;

struct _PsGradFlowChart
{
  PsChart    parent_instance;
  GPtrArray *names;             /* char *, the log's parameters */
  GPtrArray *series;            /* GArray of PsLogPoint per parameter, kept and reused */
  GArray    *no_grad;           /* gboolean per parameter: never a finite norm */
  int        highlight;
  Legend     legend;            /* of the last layout */
};

G_DEFINE_FINAL_TYPE (PsGradFlowChart, ps_grad_flow_chart, PS_TYPE_CHART)

enum { PROP_0, PROP_HIGHLIGHT, N_PROPS };
static GParamSpec *properties[N_PROPS];

static const GArray *
flow_series (PsGradFlowChart *c, guint i)
{
  return g_ptr_array_index (c->series, i);
}

static gboolean
flow_no_grad (PsGradFlowChart *c, guint i)
{
  return g_array_index (c->no_grad, gboolean, i);
}

/* After the name of a parameter whose norm was never finite: the name may
 * be ellipsized, this never is. */
static const char *
flow_no_grad_note (void)
{
  /* TRANSLATORS: after a parameter's name in a legend: its gradient was never recorded */
  return _("(no gradient)");
}

/* The legend text of parameter i is its name, then the note if it has no
 * gradient, a space apart. */
static double
flow_legend_width (PsGradFlowChart *c, PsChartText *t, guint i)
{
  double w = ps_chart_text_width (t, g_ptr_array_index (c->names, i), (int) i == c->highlight);
  if (flow_no_grad (c, i))
    w += t->lh / 3 + ps_chart_text_width (t, flow_no_grad_note (), FALSE);
  return w;
}

static void
flow_layout (PsChart *chart, PsChartText *t, double width, double height, PsChartFrame *f)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);
  PsChartPlot *p = &f->plot;
  Legend *lg = &c->legend;
  guint n = c->names->len, cols;
  gboolean clipped = FALSE, nonfinite = FALSE;
  double avail_h, name_w = 0, max_name;

  g_strlcpy (f->header.title, _("Gradient norm per parameter"), sizeof f->header.title);
  p->log_y = ps_chart_get_log_scale (chart);
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  for (guint i = 0; i < n; i++)
    {
      const GArray *pts = flow_series (c, i);
      f->has_data |= pts->len > 0;
      if (flow_no_grad (c, i))
        continue;
      ps_chart_extend_by_points (pts, p->log_y, FALSE, &p->x_lo, &p->x_hi, &p->y_lo, &p->y_hi,
                                 &clipped);
      nonfinite |= ps_chart_total_nonfinite (pts) > 0;
    }
  ps_chart_plot_finish_ranges (p, clipped);
  if (f->has_data && clipped)
    {
      GdkRGBA dim = ps_chart_with_alpha (&t->fg, 0.7);
      ps_chart_header_add (&f->header, &dim, PS_CHART_SWATCH_NONE, NULL,
                           _("zero norms on the bottom edge"));
    }
  if (nonfinite)
    {
      GdkRGBA red;
      ps_chart_get_color (PS_CHART_COLOR_NONFINITE, &red);
      ps_chart_header_add (&f->header, &red, PS_CHART_SWATCH_NONE, NULL,
                           _("NaN or Inf (red marks)"));
    }
  ps_chart_header_layout (&f->header, t, width);
  p->top = f->header.height;

  /* the legend: as many rows as the plot is tall, then more columns; the
   * names give way (ellipsized) before the plot does */
  memset (lg, 0, sizeof *lg);
  lg->row_h = ceil (t->lh + 4);
  avail_h = MAX (lg->row_h, height - p->top - ceil (t->lh / 2) - ps_chart_plot_bottom_margin (t));
  lg->rows = MAX (1, (guint) (avail_h / lg->row_h));
  cols = n == 0 ? 0 : (n + lg->rows - 1) / lg->rows;
  if (cols > 0)
    lg->rows = (n + cols - 1) / cols;
  for (guint i = 0; i < n; i++)
    name_w = MAX (name_w, flow_legend_width (c, t, i));
  max_name = MAX (4 * t->lh, (width * 0.45 - PS_CHART_PAD) / MAX (cols, 1) - BOX - 6 - t->lh);
  lg->name_w = ceil (MIN (name_w, max_name));
  lg->col_w = BOX + 6 + lg->name_w + t->lh;
  p->right = cols * lg->col_w;
  ps_chart_plot_layout (p, t, width, height);
  lg->x = floor (p->ax + p->aw + MAX (PS_CHART_PAD, t->lh));
  lg->y = floor (p->ay);
  f->has_data &= n > 0;
}

static void
flow_legend_rect (PsGradFlowChart *c, guint i, graphene_rect_t *r)
{
  const Legend *lg = &c->legend;
  guint col = i / lg->rows, row = i % lg->rows;
  graphene_rect_init (r, lg->x + col * lg->col_w, lg->y + row * lg->row_h, BOX + 6 + lg->name_w,
                      lg->row_h);
}

static int
flow_legend_at (PsGradFlowChart *c, double x, double y)
{
  for (guint i = 0; i < c->names->len; i++)
    {
      graphene_rect_t r;
      flow_legend_rect (c, i, &r);
      if (graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT (x, y)))
        return (int) i;
    }
  return -1;
}

/* Parameter i's line colour at its opacity of the moment. */
static GdkRGBA
flow_color (PsGradFlowChart *c, guint i)
{
  GdkRGBA col;
  ps_chart_get_palette_color (i, &col);
  if (c->highlight >= 0 && (guint) c->highlight != i)
    col.alpha = FAINT;
  return col;
}

static void
flow_draw_line (PsGradFlowChart *c, cairo_t *cr, const PsChartPlot *p, guint i)
{
  GdkRGBA col = flow_color (c, i);
  gboolean top = (int) i == c->highlight;

  cairo_save (cr);
  if (i >= PS_CHART_PALETTE_SIZE)
    {
      /* the second round of colours: dashed, so two lines never look alike */
      double dash[2] = { 7, 4 };
      cairo_set_dash (cr, dash, 2, 0);
    }
  ps_chart_draw_mean_line (cr, p, flow_series (c, i), &col, top ? 2.75 : 1.75);
  cairo_restore (cr);
}

static void
flow_draw_plot (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);

  ps_chart_plot_draw_grid (&f->plot, cr, &t->fg);
  for (guint i = 0; i < c->names->len; i++)
    if ((int) i != c->highlight)
      flow_draw_line (c, cr, &f->plot, i);
  if (c->highlight >= 0)
    flow_draw_line (c, cr, &f->plot, c->highlight);
}

static void
flow_draw_legend (PsGradFlowChart *c, cairo_t *cr, PsChartText *t)
{
  const Legend *lg = &c->legend;

  for (guint i = 0; i < c->names->len; i++)
    {
      graphene_rect_t r;
      GdkRGBA col = flow_color (c, i), text = t->fg;
      double by, tx, ty, note_w = 0;

      flow_legend_rect (c, i, &r);
      by = round (r.origin.y + (lg->row_h - BOX) / 2);
      gdk_cairo_set_source_rgba (cr, &col);
      if (i < PS_CHART_PALETTE_SIZE)
        cairo_rectangle (cr, r.origin.x, by, BOX, BOX);
      else
        {
          /* dashed lines: a dashed swatch */
          cairo_rectangle (cr, r.origin.x, by, 5, BOX);
          cairo_rectangle (cr, r.origin.x + 7, by, 5, BOX);
        }
      cairo_fill (cr);
      if (c->highlight >= 0 && (guint) c->highlight != i)
        text.alpha *= 0.45;
      else if (flow_no_grad (c, i))
        text.alpha *= 0.6;
      tx = r.origin.x + BOX + 6;
      ty = r.origin.y + (lg->row_h - t->lh) / 2;
      if (flow_no_grad (c, i))
        note_w = t->lh / 3 + ps_chart_text_width (t, flow_no_grad_note (), FALSE);
      tx += ps_chart_text_draw (t, cr, g_ptr_array_index (c->names, i), tx, ty, 0,
                                (int) i == c->highlight, MAX (t->lh, lg->name_w - note_w), &text);
      if (note_w > 0)
        ps_chart_text_draw (t, cr, flow_no_grad_note (), tx + t->lh / 3, ty, 0, FALSE, 0, &text);
    }
}

/* Red marks where any parameter (with a gradient) saw NaN or Inf, then the legend. */
static void
flow_draw_over (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);

  for (guint i = 0; i < c->names->len; i++)
    if (!flow_no_grad (c, i))
      ps_chart_draw_nonfinite_points (cr, &f->plot, flow_series (c, i));
  flow_draw_legend (c, cr, t);
}

/* The highlighted parameter, else the one whose line is nearest to the
 * pointer: its steps and gradient norm. */
static gboolean
flow_readout (PsChart *chart, const PsChartFrame *f, double x, double y, GString *s,
              PsChartMark *mark)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);
  const PsChartPlot *p = &f->plot;
  double step, best = INFINITY;
  const PsLogPoint *found = NULL;
  int which = -1;
  const char *name;
  char value[48];

  if (!f->has_data || !ps_chart_plot_contains (p, x, y, 4))
    return FALSE;
  step = ps_chart_plot_step_at (p, x);
  for (guint i = 0; i < c->names->len; i++)
    {
      const GArray *pts = flow_series (c, i);
      const PsLogPoint *pt;
      double d;
      if (pts->len == 0 || flow_no_grad (c, i))
        continue;
      if (c->highlight >= 0 && (guint) c->highlight != i)
        continue;
      pt = &g_array_index (pts, PsLogPoint, ps_chart_nearest_point (pts, step));
      d = isnan (pt->mean) ? 1e9 : fabs (ps_chart_plot_y (p, pt->mean) - y);
      if (d < best)
        {
          best = d;
          found = pt;
          which = (int) i;
        }
    }
  if (found == NULL)
    return FALSE;
  name = g_ptr_array_index (c->names, which);
  ps_chart_append_steps (s, found);
  g_string_append_c (s, '\n');
  ps_chart_format_value (value, sizeof value, found->mean);
  if (found->n > 1 && !isnan (found->mean))
    /* TRANSLATORS: parameter name, then its mean gradient norm over several steps */
    g_string_append_printf (s, _("%s: gradient norm %s on average"), name, value);
  else
    g_string_append_printf (s, _("%s: gradient norm %s"), name, value);
  if (found->n_nonfinite > 0 && !isnan (found->mean))
    {
      char n[32];
      ps_chart_format_count (n, sizeof n, found->n_nonfinite);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, ngettext ("%s step NaN or Inf", "%s steps NaN or Inf",
                                           found->n_nonfinite), n);
    }
  mark->kind = PS_CHART_MARK_POINT;
  mark->x = ps_chart_point_x (p, found);
  mark->y = isnan (found->mean) ? NAN : ps_chart_plot_y (p, found->mean);
  ps_chart_get_palette_color (which, &mark->dot);
  return TRUE;
}

static char *
flow_describe (PsChart *chart)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);
  guint64 last = 0;
  char steps[32];

  for (guint i = 0; i < c->series->len; i++)
    {
      const GArray *pts = flow_series (c, i);
      if (pts->len > 0)
        last = MAX (last, g_array_index (pts, PsLogPoint, pts->len - 1).step_last);
    }
  if (last == 0)
    return g_strdup (_("No training steps yet"));
  ps_chart_format_count (steps, sizeof steps, last);
  return g_strdup_printf (ngettext ("%u parameter over %s steps", "%u parameters over %s steps",
                                    c->names->len),
                          c->names->len, steps);
}

static void
flow_reset (PsChart *chart, PsTrainLog *log)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);
  guint n = log ? ps_train_log_get_n_params (log) : 0;

  g_ptr_array_set_size (c->names, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (c->names, g_strdup (ps_train_log_get_param_name (log, i)));
  /* series arrays are kept for the next log: only new ones are created */
  while (c->series->len < n)
    g_ptr_array_add (c->series, g_array_new (FALSE, FALSE, sizeof (PsLogPoint)));
  for (guint i = 0; i < c->series->len; i++)
    g_array_set_size (g_ptr_array_index (c->series, i), 0);
  g_array_set_size (c->no_grad, n);
  memset (c->no_grad->data, 0, n * sizeof (gboolean));
  if (c->highlight >= (int) n)
    ps_grad_flow_chart_set_highlight (c, -1);
}

static gboolean
flow_copy (PsChart *chart, PsTrainLog *log)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (chart);

  for (guint i = 0; i < c->names->len; i++)
    {
      GArray *pts = g_ptr_array_index (c->series, i);
      gboolean none = TRUE;
      ps_train_log_copy_grad_norm (log, i, pts);
      for (guint k = 0; k < pts->len && none; k++)
        none = !isfinite (g_array_index (pts, PsLogPoint, k).mean);
      g_array_index (c->no_grad, gboolean, i) = none && pts->len > 0;
    }
  return TRUE;
}

/* A click on a legend entry highlights that parameter, or stops highlighting it. */
static void
on_click (GtkGestureClick *g, int n_press, double x, double y, PsGradFlowChart *c)
{
  PsChartFrame f;
  int i;

  if (!ps_chart_get_frame (PS_CHART (c), &f) || !f.has_data)
    return;
  i = flow_legend_at (c, x, y);
  if (i >= 0)
    ps_grad_flow_chart_set_highlight (c, i == c->highlight ? -1 : i);
}

/* ---- API ---------------------------------------------------------------------------- */

GtkWidget *
ps_grad_flow_chart_new (void)
{
  return g_object_new (PS_TYPE_GRAD_FLOW_CHART, NULL);
}

void
ps_grad_flow_chart_set_highlight (PsGradFlowChart *c, int index)
{
  g_return_if_fail (PS_IS_GRAD_FLOW_CHART (c));
  index = index < 0 ? -1 : index;
  if (c->highlight == index)
    return;
  c->highlight = index;
  g_object_notify_by_pspec (G_OBJECT (c), properties[PROP_HIGHLIGHT]);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

int
ps_grad_flow_chart_get_highlight (PsGradFlowChart *c)
{
  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), -1);
  return c->highlight;
}

gboolean
ps_grad_flow_chart_get_legend_rect (PsGradFlowChart *c, guint i, graphene_rect_t *out)
{
  PsChartFrame f;

  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  if (i >= c->names->len || !ps_chart_get_frame (PS_CHART (c), &f) || !f.has_data)
    return FALSE;
  flow_legend_rect (c, i, out);
  return TRUE;
}

/* ---- GObject ------------------------------------------------------------------------- */

static void
ps_grad_flow_chart_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  switch (id)
    {
    case PROP_HIGHLIGHT:
      g_value_set_int (value, c->highlight);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_grad_flow_chart_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  switch (id)
    {
    case PROP_HIGHLIGHT:
      ps_grad_flow_chart_set_highlight (c, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_grad_flow_chart_finalize (GObject *object)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  g_ptr_array_unref (c->names);
  g_ptr_array_unref (c->series);
  g_array_unref (c->no_grad);
  G_OBJECT_CLASS (ps_grad_flow_chart_parent_class)->finalize (object);
}

static void
ps_grad_flow_chart_class_init (PsGradFlowChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  PsChartClass *cc = PS_CHART_CLASS (klass);

  oc->get_property = ps_grad_flow_chart_get_property;
  oc->set_property = ps_grad_flow_chart_set_property;
  oc->finalize = ps_grad_flow_chart_finalize;
  cc->reset = flow_reset;
  cc->copy = flow_copy;
  cc->layout = flow_layout;
  cc->draw_plot = flow_draw_plot;
  cc->draw_over = flow_draw_over;
  cc->readout = flow_readout;
  cc->describe = flow_describe;

  properties[PROP_HIGHLIGHT] =
    g_param_spec_int ("highlight", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, N_PROPS, properties);

  gtk_widget_class_set_css_name (GTK_WIDGET_CLASS (klass), "gradflowchart");
}

static void
ps_grad_flow_chart_init (PsGradFlowChart *c)
{
  GtkGesture *g;

  c->names = g_ptr_array_new_with_free_func (g_free);
  c->series = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  c->no_grad = g_array_new (FALSE, TRUE, sizeof (gboolean));
  ps_chart_set_log_scale (PS_CHART (c), TRUE);   /* norms span decades */
  c->highlight = -1;
  gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Gradient norms per parameter"), -1);

  g = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "released", G_CALLBACK (on_click), c);
  gtk_widget_add_controller (GTK_WIDGET (c), GTK_EVENT_CONTROLLER (g));
}
