/* ps-charts.h — a training run as three live charts
 *
 * Each widget draws what a PsTrainLog recorded (core/ps-train-log.h):
 *
 *   PsLossChart      the loss per step: a line through each point's mean and,
 *                    where a point summarizes several steps, a band from its
 *                    min to its max.  Linear or log10 axis ("log-scale"; on a
 *                    log axis values <= 0 are drawn on the bottom edge and the
 *                    header says so).  A previous run can be drawn faintly
 *                    behind, to compare two runs.
 *   PsGradFlowChart  the gradient norm of every parameter over the steps, one
 *                    colour each, log10 axis by default, with a legend:
 *                    layers that learn and layers whose gradient vanishes are
 *                    told apart at a glance.  One parameter can be
 *                    highlighted (the others drawn faint); clicking a legend
 *                    entry toggles it.
 *   PsDistChart      one parameter's values (or gradient) over time, as
 *                    TensorBoard's distributions: every recorded histogram is
 *                    a column at its step, every bin a rectangle over exactly
 *                    its value interval, as opaque as its count is large
 *                    against the column's largest count (no smoothing, no
 *                    re-binning; a non-empty bin is at least 10% opaque, so
 *                    a single outlier stays visible).  The mean is a line,
 *                    the min and max thin outlines.
 *
 * Steps with NaN or Inf are marked red along the bottom of the plot.
 * Hovering shows the step and the value under the pointer (the same text as
 * ps_*_chart_describe_at).  Text follows the widget's font, axes and labels
 * its foreground colour (light and dark themes); the accents are fixed.
 *
 * The log is borrowed: whoever sets it keeps it alive while the chart shows
 * it, or sets NULL first.  Drawing never reads the log: refresh() copies it
 * into arrays the chart keeps and reuses, only when the log's serial changed,
 * and queues a draw.  Call it at the display's rate while training:
 *
 *   GtkWidget *loss = ps_loss_chart_new ();
 *   ps_loss_chart_set_log (PS_LOSS_CHART (loss), ps_trainer_get_log (trainer));
 *   ...each frame: ps_loss_chart_refresh (PS_LOSS_CHART (loss));
 *
 * Properties:
 *   PsLossChart      "log-scale" (gboolean, FALSE)
 *   PsGradFlowChart  "log-scale" (gboolean, TRUE), "highlight" (int, -1: none)
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-train-log.h"

G_BEGIN_DECLS

/* The fixed accents, for legends drawn elsewhere and for tests. */
typedef enum
{
  PS_CHART_COLOR_LOSS,          /* the loss line and band */
  PS_CHART_COLOR_PREVIOUS,      /* the previous run (drawn at half opacity) */
  PS_CHART_COLOR_VALUES,        /* distribution of a parameter's values */
  PS_CHART_COLOR_GRADIENT,      /* distribution of its gradient */
  PS_CHART_COLOR_NONFINITE,     /* marks of steps with NaN or Inf */
} PsChartColor;

void ps_chart_get_color (PsChartColor which, GdkRGBA *out);

/* Parameter i's colour in the gradient-flow chart: a qualitative palette of
 * PS_CHART_PALETTE_SIZE colours; from the second round on, lines are dashed. */
#define PS_CHART_PALETTE_SIZE 10
void ps_chart_get_palette_color (guint i, GdkRGBA *out);

/* ---- loss ------------------------------------------------------------------ */

#define PS_TYPE_LOSS_CHART (ps_loss_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsLossChart, ps_loss_chart, PS, LOSS_CHART, GtkWidget)

GtkWidget *ps_loss_chart_new            (void);
void       ps_loss_chart_set_log        (PsLossChart *chart, PsTrainLog *log);   /* borrowed, nullable */
void       ps_loss_chart_refresh        (PsLossChart *chart);
void       ps_loss_chart_set_log_scale  (PsLossChart *chart, gboolean log_scale);
gboolean   ps_loss_chart_get_log_scale  (PsLossChart *chart);
/* A previous run's loss (PsLogPoint, e.g. from ps_train_log_copy_loss before
 * a reset), copied; NULL removes it. */
void       ps_loss_chart_set_previous   (PsLossChart *chart, GArray *points);
/* Where (step, value) is drawn in widget coordinates, at the current size:
 * FALSE when nothing is plotted. */
gboolean   ps_loss_chart_to_widget      (PsLossChart *chart, double step, double value,
                                         double *x, double *y);
/* The hover text at (x, y) (step, loss, its range), or NULL off the data. */
char      *ps_loss_chart_describe_at    (PsLossChart *chart, double x, double y);

/* ---- gradient flow ---------------------------------------------------------- */

#define PS_TYPE_GRAD_FLOW_CHART (ps_grad_flow_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsGradFlowChart, ps_grad_flow_chart, PS, GRAD_FLOW_CHART, GtkWidget)

GtkWidget *ps_grad_flow_chart_new           (void);
void       ps_grad_flow_chart_set_log       (PsGradFlowChart *chart, PsTrainLog *log);
void       ps_grad_flow_chart_refresh       (PsGradFlowChart *chart);
void       ps_grad_flow_chart_set_log_scale (PsGradFlowChart *chart, gboolean log_scale);
gboolean   ps_grad_flow_chart_get_log_scale (PsGradFlowChart *chart);
/* Parameter index drawn on top at full opacity, the others faint; -1: none. */
void       ps_grad_flow_chart_set_highlight (PsGradFlowChart *chart, int index);
int        ps_grad_flow_chart_get_highlight (PsGradFlowChart *chart);
gboolean   ps_grad_flow_chart_to_widget     (PsGradFlowChart *chart, double step, double value,
                                             double *x, double *y);
/* Where parameter i's legend entry is (its colour swatch and name). */
gboolean   ps_grad_flow_chart_get_legend_rect (PsGradFlowChart *chart, guint i,
                                               graphene_rect_t *out);
/* The nearest parameter's name and gradient norm at (x, y), or NULL. */
char      *ps_grad_flow_chart_describe_at   (PsGradFlowChart *chart, double x, double y);

/* ---- distributions over time --------------------------------------------------- */

#define PS_TYPE_DIST_CHART (ps_dist_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsDistChart, ps_dist_chart, PS, DIST_CHART, GtkWidget)

GtkWidget *ps_dist_chart_new         (void);
void       ps_dist_chart_set_log     (PsDistChart *chart, PsTrainLog *log);
void       ps_dist_chart_refresh     (PsDistChart *chart);
/* Show parameter param (the log's index) values, or its gradient. */
void       ps_dist_chart_set_param   (PsDistChart *chart, guint param, gboolean grad);
guint      ps_dist_chart_get_param   (PsDistChart *chart);
gboolean   ps_dist_chart_get_grad    (PsDistChart *chart);
gboolean   ps_dist_chart_to_widget   (PsDistChart *chart, double step, double value,
                                      double *x, double *y);
/* The histogram under (x, y): its step, the bin and its count, the mean,
 * min and max, non-finite counts; NULL off the columns. */
char      *ps_dist_chart_describe_at (PsDistChart *chart, double x, double y);

G_END_DECLS
