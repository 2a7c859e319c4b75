/* ps-grad-flow-chart.h — the gradient norm of every parameter over the steps
 *
 * One line per parameter, one colour each (ps_chart_get_palette_color;
 * dashed from the second round of colours on), log10 axis by default, with
 * a legend right of the plot: layers that learn and layers whose gradient
 * vanishes are told apart at a glance.  One parameter can be highlighted
 * (the others drawn faint); clicking a legend entry toggles it.  A
 * parameter whose norm was never finite is listed "(no gradient)" and not
 * drawn.  A PsChart (ps-chart.h): its readout is the nearest parameter's
 * name and gradient norm.
 *
 *   GtkWidget *flow = ps_grad_flow_chart_new ();
 *   ps_chart_set_log (PS_CHART (flow), log);
 *   ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (flow), 2);
 *
 * Properties: "highlight" (int, -1: none); "log-scale" is the base's, TRUE
 * at first here.
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_GRAD_FLOW_CHART (ps_grad_flow_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsGradFlowChart, ps_grad_flow_chart, PS, GRAD_FLOW_CHART, PsChart)

GtkWidget *ps_grad_flow_chart_new             (void);
/* Parameter index drawn on top at full opacity, the others faint; -1: none. */
void       ps_grad_flow_chart_set_highlight   (PsGradFlowChart *chart, int index);
int        ps_grad_flow_chart_get_highlight   (PsGradFlowChart *chart);
/* Where parameter i's legend entry is (its colour swatch and name). */
gboolean   ps_grad_flow_chart_get_legend_rect (PsGradFlowChart *chart, guint i,
                                               graphene_rect_t *out);

G_END_DECLS
