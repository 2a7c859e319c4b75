/* ps-grad-flow-chart.h — the gradient norm of every parameter over the steps
 *
 * One line per parameter, one colour each (ps_chart_get_palette_color;
 * dashed from the second round of colours on), log10 axis by default, with
 * a legend right of the plot: layers that learn and layers whose gradient
 * vanishes are told apart at a glance.  One parameter can be highlighted
 * (the others drawn faint); clicking a legend entry toggles it.  A
 * parameter whose norm was never finite is listed "(no gradient)" and not
 * drawn.  A PsChart (ps-chart.h).
 *
 *   GtkWidget *flow = ps_grad_flow_chart_new ();
 *   ps_grad_flow_chart_set_log (PS_GRAD_FLOW_CHART (flow), log);
 *   ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (flow), 2);
 *
 * Properties: "log-scale" (gboolean, TRUE), "highlight" (int, -1: none)
 */
#pragma once

#include "ps-chart.h"

G_BEGIN_DECLS

#define PS_TYPE_GRAD_FLOW_CHART (ps_grad_flow_chart_get_type ())
G_DECLARE_FINAL_TYPE (PsGradFlowChart, ps_grad_flow_chart, PS, GRAD_FLOW_CHART, PsChart)

GtkWidget *ps_grad_flow_chart_new             (void);
/* ps_chart_set_log, ps_chart_refresh, ps_chart_to_widget and
 * ps_chart_describe_at on this chart. */
void       ps_grad_flow_chart_set_log         (PsGradFlowChart *chart, PsTrainLog *log);
void       ps_grad_flow_chart_refresh         (PsGradFlowChart *chart);
gboolean   ps_grad_flow_chart_to_widget       (PsGradFlowChart *chart, double step, double value,
                                               double *x, double *y);
/* The nearest parameter's name and gradient norm at (x, y), or NULL. */
char      *ps_grad_flow_chart_describe_at     (PsGradFlowChart *chart, double x, double y);

void       ps_grad_flow_chart_set_log_scale   (PsGradFlowChart *chart, gboolean log_scale);
gboolean   ps_grad_flow_chart_get_log_scale   (PsGradFlowChart *chart);
/* Parameter index drawn on top at full opacity, the others faint; -1: none. */
void       ps_grad_flow_chart_set_highlight   (PsGradFlowChart *chart, int index);
int        ps_grad_flow_chart_get_highlight   (PsGradFlowChart *chart);
/* Where parameter i's legend entry is (its colour swatch and name). */
gboolean   ps_grad_flow_chart_get_legend_rect (PsGradFlowChart *chart, guint i,
                                               graphene_rect_t *out);

G_END_DECLS
