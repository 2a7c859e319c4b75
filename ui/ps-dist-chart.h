/* ps-dist-chart.h — one parameter's values (or gradient) over time
 *
 * As TensorBoard's distributions: every recorded histogram is a column at
 * its step, every bin a rectangle over exactly its value interval, as
 * opaque as its count is large against the column's largest count (no
 * smoothing, no re-binning; a non-empty bin is at least 10% opaque, so a
 * single outlier stays visible).  The mean is a line, the min and max thin
 * outlines.  A PsChart (ps-chart.h): its readout is the histogram under
 * the pointer (its step, the bin and its count, the mean, min and max,
 * non-finite counts); its value axis is always linear.
 *
 *   GtkWidget *dist = ps_dist_chart_new ();
 *   ps_chart_set_log (PS_CHART (dist), log);
 *   ps_dist_chart_set_param (PS_DIST_CHART (dist), 2, FALSE);   // the log's parameter 2
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_DIST_CHART (ps_dist_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsDistChart, ps_dist_chart, PS, DIST_CHART, PsChart)

GtkWidget *ps_dist_chart_new         (void);
/* Show parameter param (the log's index) values, or its gradient. */
void       ps_dist_chart_set_param   (PsDistChart *chart, guint param, gboolean grad);
guint      ps_dist_chart_get_param   (PsDistChart *chart);
gboolean   ps_dist_chart_get_grad    (PsDistChart *chart);

G_END_DECLS
