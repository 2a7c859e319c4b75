/* ps-dist-chart.h — one parameter's values (or gradient) over time
 *
 * As TensorBoard's distributions: every recorded histogram is a column at
 * its step, every bin a rectangle over exactly its value interval, as
 * opaque as its count is large against the column's largest count (no
 * smoothing, no re-binning; a non-empty bin is at least 10% opaque, so a
 * single outlier stays visible).  The mean is a line, the min and max thin
 * outlines.  A PsChart (ps-chart.h).
 *
 *   GtkWidget *dist = ps_dist_chart_new ();
 *   ps_dist_chart_set_log (PS_DIST_CHART (dist), log);
 *   ps_dist_chart_set_param (PS_DIST_CHART (dist), 2, FALSE);   // the log's parameter 2
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_DIST_CHART (ps_dist_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsDistChart, ps_dist_chart, PS, DIST_CHART, PsChart)

GtkWidget *ps_dist_chart_new         (void);
/* ps_chart_set_log, ps_chart_refresh, ps_chart_to_widget and
 * ps_chart_describe_at on this chart. */
void       ps_dist_chart_set_log     (PsDistChart *chart, PsTrainLog *log);
void       ps_dist_chart_refresh     (PsDistChart *chart);
gboolean   ps_dist_chart_to_widget   (PsDistChart *chart, double step, double value,
                                      double *x, double *y);
/* The histogram under (x, y): its step, the bin and its count, the mean,
 * min and max, non-finite counts; NULL off the columns. */
char      *ps_dist_chart_describe_at (PsDistChart *chart, double x, double y);

/* Show parameter param (the log's index) values, or its gradient. */
void       ps_dist_chart_set_param   (PsDistChart *chart, guint param, gboolean grad);
guint      ps_dist_chart_get_param   (PsDistChart *chart);
gboolean   ps_dist_chart_get_grad    (PsDistChart *chart);

G_END_DECLS
