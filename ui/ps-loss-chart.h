/* ps-loss-chart.h — the loss of a training run, step by step
 *
 * A line through each recorded point's mean loss and, where a point
 * summarizes several steps, a band from its min to its max.  Linear axis
 * at first, or log10 (ps_chart_set_log_scale); on a log axis values <= 0
 * are drawn on the bottom edge and the header says so.  A previous run can be drawn faintly
 * behind, to compare two runs.  A PsChart (ps-chart.h): the log, refresh,
 * hit tests, the readout and "log-scale" are the base's; the readout says
 * the step, the loss (or its mean and range) and the previous run's loss.
 *
 *   GtkWidget *loss = ps_loss_chart_new ();
 *   ps_chart_set_log (PS_CHART (loss), log);
 *   ps_loss_chart_set_previous (PS_LOSS_CHART (loss), points_before_reset);
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_LOSS_CHART (ps_loss_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsLossChart, ps_loss_chart, PS, LOSS_CHART, PsChart)

GtkWidget *ps_loss_chart_new            (void);
/* A previous run's loss (PsLogPoint, e.g. from ps_train_log_copy_loss before
 * a reset), copied; NULL removes it. */
void       ps_loss_chart_set_previous   (PsLossChart *chart, GArray *points);

G_END_DECLS
