/* ps-loss-chart.h — the loss of a training run, step by step
 *
 * A line through each recorded point's mean loss and, where a point
 * summarizes several steps, a band from its min to its max.  Linear or
 * log10 axis ("log-scale"); on a log axis values <= 0 are drawn on the
 * bottom edge and the header says so.  A previous run can be drawn faintly
 * behind, to compare two runs.  A PsChart (ps-chart.h): the log, refresh,
 * hit tests and the readout are the base's.
 *
 *   GtkWidget *loss = ps_loss_chart_new ();
 *   ps_loss_chart_set_log (PS_LOSS_CHART (loss), log);
 *   ps_loss_chart_set_previous (PS_LOSS_CHART (loss), points_before_reset);
 *
 * Properties: "log-scale" (gboolean, FALSE)
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_LOSS_CHART (ps_loss_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsLossChart, ps_loss_chart, PS, LOSS_CHART, PsChart)

GtkWidget *ps_loss_chart_new            (void);
/* ps_chart_set_log, ps_chart_refresh, ps_chart_to_widget and
 * ps_chart_describe_at on this chart. */
void       ps_loss_chart_set_log        (PsLossChart *chart, PsTrainLog *log);   /* borrowed */
void       ps_loss_chart_refresh        (PsLossChart *chart);
gboolean   ps_loss_chart_to_widget      (PsLossChart *chart, double step, double value,
                                         double *x, double *y);
/* The hover text at (x, y) (step, loss, its range), or NULL off the data. */
char      *ps_loss_chart_describe_at    (PsLossChart *chart, double x, double y);

void       ps_loss_chart_set_log_scale  (PsLossChart *chart, gboolean log_scale);
gboolean   ps_loss_chart_get_log_scale  (PsLossChart *chart);
/* A previous run's loss (PsLogPoint, e.g. from ps_train_log_copy_loss before
 * a reset), copied; NULL removes it. */
void       ps_loss_chart_set_previous   (PsLossChart *chart, GArray *points);

G_END_DECLS
