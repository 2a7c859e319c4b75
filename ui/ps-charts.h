/* ps-charts.h — a training run as three live charts
 *
 *   PsLossChart      the loss per step, linear or log10, a previous run
 *                    faintly behind (ps-loss-chart.h)
 *   PsGradFlowChart  every parameter's gradient norm over the steps, with
 *                    a clickable legend (ps-grad-flow-chart.h)
 *   PsDistChart      one parameter's values or gradient as histograms over
 *                    time (ps-dist-chart.h)
 *
 * All three are PsCharts (ps-chart.h): they draw a borrowed PsTrainLog,
 * copy it only on refresh(), mark steps with NaN or Inf in red, and show
 * a readout under the pointer.  This header includes them all.
 */
#pragma once

#include "ps-chart.h"
#include "ps-dist-chart.h"
#include "ps-grad-flow-chart.h"
#include "ps-loss-chart.h"
