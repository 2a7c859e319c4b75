/* ps-chart.c — PsChart: the widget every training chart is (see ps-chart.h)
 *
 * The base owns what the three charts do alike: the borrowed log and the
 * serial of the last copy, the frame pipeline (header, plot, data, axes,
 * readout; ps-chart-private.h), the pointer, the accessible description
 * and the size request.  A subclass supplies its data and how to draw them
 * through the class's virtual functions.
 *
 * Why a base class and not only a shared toolkit: the three charts had the
 * same refresh protocol, hover state, snapshot sequence, hit-testing entry
 * points and accessibility timer, written three times and told apart by a
 * type switch.  Behaviour lives here once; drawing primitives that keep no
 * state are the toolkit (ps-chart-draw.c).
 */
#include "ps-chart-private.h"

#include <glib/gi18n.h>
#include <string.h>

#define A11Y_DELAY_MS 1000      /* descriptions while training: one a second at most */

typedef struct
{
  PsTrainLog *log;              /* borrowed */
  guint64     serial;
  gboolean    copied;           /* the chart's copy is the log as of serial */
  gboolean    hover_in;
  double      hover_x, hover_y;
  guint       a11y_id;
  gboolean    log_scale;
} PsChartPrivate;

G_DEFINE_ABSTRACT_TYPE_WITH_PRIVATE (PsChart, ps_chart, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_LOG_SCALE, N_PROPS };
static GParamSpec *properties[N_PROPS];

static void
chart_layout (PsChart *c, PsChartText *t, double width, double height, PsChartFrame *f)
{
  memset (f, 0, sizeof *f);
  PS_CHART_GET_CLASS (c)->layout (c, t, width, height, f);
}

gboolean
ps_chart_get_frame (PsChart *c, PsChartFrame *f)
{
  int width = gtk_widget_get_width (GTK_WIDGET (c));
  int height = gtk_widget_get_height (GTK_WIDGET (c));
  PsChartText t;

  if (width <= 0 || height <= 0)
    return FALSE;
  ps_chart_text_begin (&t, GTK_WIDGET (c));
  chart_layout (c, &t, width, height, f);
  ps_chart_text_end (&t);
  return TRUE;
}

static void
ps_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsChart *c = PS_CHART (widget);
  PsChartPrivate *priv = ps_chart_get_instance_private (c);
  PsChartClass *klass = PS_CHART_GET_CLASS (c);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  PsChartFrame f;
  PsChartText t;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  ps_chart_text_begin (&t, widget);
  chart_layout (c, &t, width, height, &f);
  ps_chart_header_draw (&f.header, &t, cr, width);
  if (!f.has_data)
    {
      const char *text = klass->placeholder ? klass->placeholder (c) : NULL;
      ps_chart_draw_placeholder (cr, &t, text ? text : _("No training steps yet"), f.header.height,
                                 width, height);
      goto out;
    }

  cairo_save (cr);
  ps_chart_plot_clip (&f.plot, cr);
  klass->draw_plot (c, cr, &t, &f);
  cairo_restore (cr);
  ps_chart_plot_draw_axes (&f.plot, cr, &t, _("step"));
  if (klass->draw_over)
    klass->draw_over (c, cr, &t, &f);

  if (priv->hover_in)
    {
      GString *s = g_string_new (NULL);
      PsChartMark mark = { 0 };
      if (klass->readout (c, &f, priv->hover_x, priv->hover_y, s, &mark))
        {
          ps_chart_draw_mark (cr, &f.plot, &t.fg, &mark);
          ps_chart_draw_readout (cr, &t, s->str, priv->hover_x, priv->hover_y, width, height);
        }
      g_string_free (s, TRUE);
    }
out:
  ps_chart_text_end (&t);
  cairo_destroy (cr);
}

gboolean
ps_chart_to_widget (PsChart *c, double step, double value, double *x, double *y)
{
  PsChartFrame f;

  g_return_val_if_fail (PS_IS_CHART (c), FALSE);
  if (!ps_chart_get_frame (c, &f) || !f.has_data)
    return FALSE;
  if (x)
    *x = ps_chart_plot_x (&f.plot, step);
  if (y)
    *y = ps_chart_plot_y (&f.plot, value);
  return TRUE;
}

char *
ps_chart_describe_at (PsChart *c, double x, double y)
{
  PsChartFrame f;
  PsChartMark mark;
  GString *s;
  gboolean found;

  g_return_val_if_fail (PS_IS_CHART (c), NULL);
  if (!ps_chart_get_frame (c, &f))
    return NULL;
  s = g_string_new (NULL);
  found = PS_CHART_GET_CLASS (c)->readout (c, &f, x, y, s, &mark);
  return g_string_free (s, !found);
}

/* ---- the log --------------------------------------------------------------------- */

PsTrainLog *
ps_chart_get_log (PsChart *c)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (c);
  return priv->log;
}

void
ps_chart_refresh (PsChart *c)
{
  PsChartPrivate *priv;
  guint64 serial;

  g_return_if_fail (PS_IS_CHART (c));
  priv = ps_chart_get_instance_private (c);
  if (priv->log == NULL)
    return;
  serial = ps_train_log_get_serial (priv->log);
  if (priv->copied && serial == priv->serial)
    return;
  /* a write between the two calls makes the copy newer than serial: the
   * next refresh copies again, no harm */
  if (!PS_CHART_GET_CLASS (c)->copy (c, priv->log))
    return;
  priv->serial = serial;
  priv->copied = TRUE;
  ps_chart_queue_describe (c);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_chart_reload (PsChart *c)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (c);

  priv->copied = FALSE;
  PS_CHART_GET_CLASS (c)->reset (c, priv->log);
  ps_chart_refresh (c);
  ps_chart_queue_describe (c);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_chart_set_log (PsChart *c, PsTrainLog *log)
{
  PsChartPrivate *priv;

  g_return_if_fail (PS_IS_CHART (c));
  priv = ps_chart_get_instance_private (c);
  priv->log = log;
  ps_chart_reload (c);
}

/* ---- the y axis ------------------------------------------------------------------- */

void
ps_chart_set_log_scale (PsChart *c, gboolean log_scale)
{
  PsChartPrivate *priv;

  g_return_if_fail (PS_IS_CHART (c));
  priv = ps_chart_get_instance_private (c);
  log_scale = !!log_scale;
  if (priv->log_scale == log_scale)
    return;
  priv->log_scale = log_scale;
  g_object_notify_by_pspec (G_OBJECT (c), properties[PROP_LOG_SCALE]);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

gboolean
ps_chart_get_log_scale (PsChart *c)
{
  PsChartPrivate *priv;

  g_return_val_if_fail (PS_IS_CHART (c), FALSE);
  priv = ps_chart_get_instance_private (c);
  return priv->log_scale;
}

/* ---- accessibility ----------------------------------------------------------------- */

static gboolean
describe_cb (gpointer data)
{
  PsChart *c = data;
  PsChartPrivate *priv = ps_chart_get_instance_private (c);
  g_autofree char *desc = NULL;

  priv->a11y_id = 0;
  desc = PS_CHART_GET_CLASS (c)->describe (c);
  gtk_accessible_update_property (GTK_ACCESSIBLE (c), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc,
                                  -1);
  return G_SOURCE_REMOVE;
}

/* Descriptions are for screen readers: while training they would change
 * every frame, so they are coalesced to one a second. */
void
ps_chart_queue_describe (PsChart *c)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (c);

  if (priv->a11y_id == 0)
    priv->a11y_id = g_timeout_add_full (G_PRIORITY_LOW, A11Y_DELAY_MS, describe_cb, c, NULL);
}

/* ---- the pointer, the size, the class -------------------------------------------------- */

static void
on_motion (GtkEventControllerMotion *controller, double x, double y, PsChart *c)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (c);

  priv->hover_in = TRUE;
  priv->hover_x = x;
  priv->hover_y = y;
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

static void
on_leave (GtkEventControllerMotion *controller, PsChart *c)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (c);

  priv->hover_in = FALSE;
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

static void
ps_chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                  int *natural, int *minimum_baseline, int *natural_baseline)
{
  /* room for a few ticks either way; charts grow with the window */
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 280;
}

static void
ps_chart_dispose (GObject *object)
{
  PsChartPrivate *priv = ps_chart_get_instance_private (PS_CHART (object));

  g_clear_handle_id (&priv->a11y_id, g_source_remove);
  priv->log = NULL;
  G_OBJECT_CLASS (ps_chart_parent_class)->dispose (object);
}

static void
ps_chart_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsChart *c = PS_CHART (object);

  switch (id)
    {
    case PROP_LOG_SCALE:
      g_value_set_boolean (value, ps_chart_get_log_scale (c));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_chart_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsChart *c = PS_CHART (object);

  switch (id)
    {
    case PROP_LOG_SCALE:
      ps_chart_set_log_scale (c, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_chart_class_init (PsChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->get_property = ps_chart_get_property;
  oc->set_property = ps_chart_set_property;
  oc->dispose = ps_chart_dispose;
  wc->snapshot = ps_chart_snapshot;
  wc->measure = ps_chart_measure;
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);

  /* a chart whose axis starts logarithmic says so in its init */
  properties[PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, N_PROPS, properties);
}

static void
ps_chart_init (PsChart *c)
{
  GtkEventController *motion = gtk_event_controller_motion_new ();

  g_signal_connect (motion, "motion", G_CALLBACK (on_motion), c);
  g_signal_connect (motion, "leave", G_CALLBACK (on_leave), c);
  gtk_widget_add_controller (GTK_WIDGET (c), motion);
}
