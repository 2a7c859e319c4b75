/* ps-chart.h — PsChart, the base of the training charts
 *
 * A PsChart draws what a PsTrainLog recorded (core/ps-train-log.h): a
 * header (title, legend entries, notes), a plot with a step axis along x
 * and a linear or log10 axis up y, red marks under the steps that saw NaN
 * or Inf, and, under the pointer, a readout of what is there.  Text follows
 * the widget's font, axes and labels its foreground colour (light and dark
 * themes); the accents are fixed (ps_chart_get_color).  Its accessible role
 * is an image, described in words at most once a second while the data
 * change.  The charts themselves are PsLossChart, PsGradFlowChart and
 * PsDistChart (ps-charts.h includes them all).
 *
 * The log is borrowed: whoever sets it keeps it alive while the chart
 * shows it, or sets NULL first.  Drawing never reads the log: refresh()
 * copies what the chart shows into arrays the chart keeps and reuses, only
 * when the log's serial changed, and queues a draw.  Call it at the
 * display's rate while training:
 *
 *   GtkWidget *loss = ps_loss_chart_new ();
 *   ps_chart_set_log (PS_CHART (loss), ps_trainer_get_log (trainer));
 *   ...each frame: ps_chart_refresh (PS_CHART (loss));
 *
 * PsChart is abstract: a chart fills in the class's functions below, with
 * the drawing toolkit of ps-chart-private.h.
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

#define PS_TYPE_CHART (ps_chart_get_type ())
G_DECLARE_DERIVABLE_TYPE (PsChart, ps_chart, PS, CHART, GtkWidget)

/* What a chart implements.  The frame, text and mark are defined in
 * ps-chart-private.h, with the toolkit that draws them. */
typedef struct _PsChartText  PsChartText;
typedef struct _PsChartFrame PsChartFrame;
typedef struct _PsChartMark  PsChartMark;

struct _PsChartClass
{
  GtkWidgetClass parent_class;

  /* Forget the copy of the data (the log changed to log, nullable, or what
   * the chart shows of it did): empty arrays, re-read names. */
  void         (*reset)       (PsChart *chart, PsTrainLog *log);
  /* Copy what the chart shows from log (never NULL); FALSE when there is
   * nothing to copy (the chart stays as it is). */
  gboolean     (*copy)        (PsChart *chart, PsTrainLog *log);
  /* Fill f (zeroed) for a width x height widget: the title and items, the
   * plot's ranges, has_data; then ps_chart_frame_layout. */
  void         (*layout)      (PsChart *chart, PsChartText *t, double width, double height,
                               PsChartFrame *f);
  /* The data, clipped to the plot area (gridlines first, if any). */
  void         (*draw_plot)   (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f);
  /* Over the axes: non-finite marks, a legend (may be NULL). */
  void         (*draw_over)   (PsChart *chart, cairo_t *cr, PsChartText *t, const PsChartFrame *f);
  /* The readout at (x, y) appended to s, and its mark; FALSE off the data. */
  gboolean     (*readout)     (PsChart *chart, const PsChartFrame *f, double x, double y,
                               GString *s, PsChartMark *mark);
  /* The accessible description of the data now, e.g. "300 steps, latest loss 0.1". */
  char        *(*describe)    (PsChart *chart);
  /* What the placeholder says when has_data is FALSE (may be NULL: "No
   * training steps yet"). */
  const char  *(*placeholder) (PsChart *chart);
};

/* Show log (borrowed, nullable): the copy is taken at once. */
void       ps_chart_set_log      (PsChart *chart, PsTrainLog *log);
/* Copy the log again if it changed since the last copy, and redraw. */
void       ps_chart_refresh      (PsChart *chart);
/* Where (step, value) is drawn in widget coordinates, at the current size:
 * FALSE when nothing is plotted. */
gboolean   ps_chart_to_widget    (PsChart *chart, double step, double value, double *x, double *y);
/* The readout's text at (x, y), or NULL off the data. */
char      *ps_chart_describe_at  (PsChart *chart, double x, double y);
/* A log10 y axis instead of a linear one ("log-scale"): on it, values <= 0
 * are drawn on the bottom edge.  The loss chart starts linear, the
 * gradient-flow chart logarithmic; the distribution chart's value axis,
 * which crosses zero, stays linear whatever this says. */
void       ps_chart_set_log_scale (PsChart *chart, gboolean log_scale);
gboolean   ps_chart_get_log_scale (PsChart *chart);

G_END_DECLS
