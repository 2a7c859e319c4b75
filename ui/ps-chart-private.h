/* ps-chart-private.h — what the three charts share: the frame, text and
 * mark the PsChart class's functions take, the drawing toolkit
 * (ps-chart-draw.c), and the base's functions for its subclasses
 *
 * For the chart files only (ps-loss-chart.c, ps-grad-flow-chart.c,
 * ps-dist-chart.c); callers use ps-chart.h and the chart's own header.
 *
 * A chart is drawn into one cairo node per frame, in three parts:
 *
 *   Header   the title (bold) and, right of it or on a second line when
 *            they do not fit, legend entries and notes (PsChartHeader).
 *   Plot     the axes (PsChartPlot).  A linear axis gets nice ticks
 *            (1, 2, 5 x 10^k) and is widened to the ticks around the data;
 *            a log axis spans whole decades, labels decades (and 2 and 5
 *            when there are few) and draws unlabelled 2..9 gridlines when
 *            there is room.  Steps run along x with as many labels as fit
 *            without touching; under them a strip for the red marks of
 *            steps with NaN or Inf.
 *   Readout  the text under the pointer, in a box next to it, with a mark
 *            on what it describes (PsChartMark).
 *
 * PsChart (ps-chart.c) runs that pipeline: a subclass fills a PsChartFrame
 * from its data and the widget's size (layout), draws its data inside the
 * plot (draw_plot) and over the axes (draw_over), and says what is under
 * the pointer (readout).  A frame is recomputed from the size and the font
 * whenever it is needed (a frame, a hit test), so drawing, to_widget() and
 * describe_at() always agree.
 *
 *   static void
 *   my_layout (PsChart *chart, PsChartText *t, double width, double height,
 *              PsChartFrame *f)
 *   {
 *     g_strlcpy (f->header.title, _("Loss"), sizeof f->header.title);
 *     ...set f->plot.x_lo .. y_hi and log_y, f->has_data...
 *     ps_chart_frame_layout (f, t, width, height);
 *   }
 */
#pragma once

#include "ps-chart.h"
#include "ps-chart-ticks.h"

#include <pango/pangocairo.h>

G_BEGIN_DECLS

#define PS_CHART_PAD        8.0     /* px around the chart */
#define PS_CHART_TICK       4.0     /* tick length */
#define PS_CHART_STRIP      6.0     /* under the x axis: the red marks of NaN and Inf */
#define PS_CHART_LABEL_MAX  40
#define PS_CHART_MAX_MINOR  256
#define PS_CHART_MAX_ITEMS  4

/* ---- numbers as text: locale-independent, with a real minus sign ---------- */

/* v to 4 significant digits: "0.01234", "1.5×10⁻⁵", "10⁸", "NaN", "+Inf". */
void     ps_chart_format_value (char *buf, gsize size, double v);
/* n in decimal digits. */
void     ps_chart_format_count (char *buf, gsize size, guint64 n);

/* ---- text: the widget's font through one Pango layout per frame ------------ */

struct _PsChartText
{
  PangoLayout   *layout;
  PangoAttrList *bold;
  GdkRGBA        fg;            /* the style's text colour */
  double         lh, title_h;   /* line heights, px */
  int            scale;         /* device pixels a px */
  double         emphasis;      /* 1; more in Presentation Mode: line widths, contrast */
};

/* Set up for widget w (its font, colour and scale, and an emphasis of
 * PS_CHART_EMPHASIS inside a widget of style class .ps-presentation);
 * undo with _end. */
#define PS_CHART_EMPHASIS 1.75
void     ps_chart_text_begin (PsChartText *t, GtkWidget *w);
void     ps_chart_text_end   (PsChartText *t);
/* Width of s in px. */
double   ps_chart_text_width (PsChartText *t, const char *s, gboolean bold);
/* s with its top at y; align: 0 left of x, 0.5 centred on it, 1 right of
 * it; at most max_w px wide, ellipsized in the middle (<= 0: no limit).
 * Returns the width drawn. */
double   ps_chart_text_draw  (PsChartText *t, cairo_t *cr, const char *s, double x, double y,
                              double align, gboolean bold, double max_w, const GdkRGBA *c);
/* c with its opacity multiplied by alpha. */
GdkRGBA  ps_chart_with_alpha (const GdkRGBA *c, double alpha);

/* ---- header: the title, legend entries and notes ----------------------------- */

typedef enum
{
  PS_CHART_SWATCH_NONE,
  PS_CHART_SWATCH_LINE,         /* a 3 px line sample before the text */
  PS_CHART_SWATCH_THIN_LINE,    /* a 1.5 px one */
} PsChartSwatch;

typedef struct
{
  char          text[128];
  GdkRGBA       color;          /* of the text */
  PsChartSwatch swatch;
  GdkRGBA       swatch_color;
  double        w;
} PsChartItem;

typedef struct
{
  char        title[192];
  PsChartItem item[PS_CHART_MAX_ITEMS];
  int         n_items;
  double      items_w;
  gboolean    second_line;      /* the items are under the title */
  double      height;           /* px, once laid out */
} PsChartHeader;

/* One more entry (at most PS_CHART_MAX_ITEMS); swatch_color may be NULL
 * for PS_CHART_SWATCH_NONE. */
void     ps_chart_header_add                (PsChartHeader *h, const GdkRGBA *color,
                                             PsChartSwatch swatch, const GdkRGBA *swatch_color,
                                             const char *text);
/* A red note; format (from ngettext) has one %s, the count n. */
void     ps_chart_header_add_nonfinite_note (PsChartHeader *h, const char *format, guint64 n);
/* Where the items go (beside the title, or under it when they do not fit
 * in width px) and the header's height. */
void     ps_chart_header_layout             (PsChartHeader *h, PsChartText *t, double width);
void     ps_chart_header_draw               (const PsChartHeader *h, PsChartText *t, cairo_t *cr,
                                             double width);

/* ---- plot: axes, ticks and the mapping to pixels ----------------------------------- */

typedef struct
{
  /* the chart's */
  double   x_lo, x_hi;          /* steps shown */
  double   y_lo, y_hi;          /* values shown (> 0 on a log axis) */
  gboolean log_y;
  double   top, right;          /* px taken above the plot (the header) and right of it */

  /* ps_chart_plot_layout's */
  double   ax, ay, aw, ah;      /* the plot area, in whole px */
  int      scale;               /* device pixels a px */
  double   line;                /* line widths' factor: the text's emphasis */
  double   y0, y1;              /* the y axis' range, log10 of values on a log axis */
  int      n_yt, n_ym, n_xt;
  double   yt[PS_TICKS_MAX];    /* labelled, in axis units */
  double   ym[PS_CHART_MAX_MINOR];   /* gridlines only */
  double   xt[PS_TICKS_MAX];
  char     ylab[PS_TICKS_MAX][PS_CHART_LABEL_MAX], xlab[PS_TICKS_MAX][PS_CHART_LABEL_MAX];
} PsChartPlot;

/* Widget x of a step, y of a value (on a log axis a value <= 0 is on the
 * bottom edge); and back. */
double   ps_chart_plot_x        (const PsChartPlot *p, double step);
double   ps_chart_plot_y        (const PsChartPlot *p, double v);
double   ps_chart_plot_step_at  (const PsChartPlot *p, double x);
double   ps_chart_plot_value_at (const PsChartPlot *p, double y);
/* (x, y) is in the plot area, or within slack px of it. */
gboolean ps_chart_plot_contains (const PsChartPlot *p, double x, double y, double slack);
/* The ranges once the data are in: defaults where there was nothing to
 * show; on a log axis with values <= 0 (clipped), a decade more at the
 * bottom, so the edge they are drawn on is below every value that is not. */
void     ps_chart_plot_finish_ranges (PsChartPlot *p, gboolean clipped);
/* Px under the plot: the strip of NaN/Inf marks, the tick labels, the axis' name. */
double   ps_chart_plot_bottom_margin (PsChartText *t);
/* The plot area and ticks for a width x height widget; x_lo..x_hi,
 * y_lo..y_hi, log_y, top and right are set. */
void     ps_chart_plot_layout    (PsChartPlot *p, PsChartText *t, double width, double height);
/* Gridlines, under the data. */
void     ps_chart_plot_draw_grid (const PsChartPlot *p, cairo_t *cr, const GdkRGBA *fg);
/* Axis lines, ticks and labels, and the x axis' name under them: over the data. */
void     ps_chart_plot_draw_axes (const PsChartPlot *p, cairo_t *cr, PsChartText *t,
                                  const char *x_name);
/* Clip to the plot area (and 2 px around it: a line on the edge stays whole). */
void     ps_chart_plot_clip      (const PsChartPlot *p, cairo_t *cr);
/* The top of the strip of red marks, right under the x axis. */
double   ps_chart_plot_strip_y   (const PsChartPlot *p);

/* ---- a frame: what PsChart lays out and draws -------------------------------------- */

struct _PsChartFrame
{
  PsChartHeader header;
  PsChartPlot   plot;
  gboolean      has_data;       /* FALSE: a placeholder instead of the plot */
};

/* Once the title, items and plot ranges are set: lays out the header
 * across width, then the plot under it (plot.right must be set). */
void     ps_chart_frame_layout (PsChartFrame *f, PsChartText *t, double width, double height);

/* What the readout is about, marked under the pointer's text. */
typedef enum
{
  PS_CHART_MARK_POINT,          /* a vertical line at x and a dot at (x, y) if y is finite */
  PS_CHART_MARK_RECT,           /* an outline of rect */
} PsChartMarkKind;

struct _PsChartMark
{
  PsChartMarkKind kind;
  double          x, y;
  GdkRGBA         dot;
  graphene_rect_t rect;
};

/* The mark in the plot, in fg (the text colour) and the mark's own dot colour. */
void     ps_chart_draw_mark        (cairo_t *cr, const PsChartPlot *p, const GdkRGBA *fg,
                                    const PsChartMark *m);
/* text in a box beside the pointer (px, py), inside the width x height widget. */
void     ps_chart_draw_readout     (cairo_t *cr, PsChartText *t, const char *text, double px,
                                    double py, double width, double height);
/* text, dimmed, in the middle of the area under the header (top px high). */
void     ps_chart_draw_placeholder (cairo_t *cr, PsChartText *t, const char *text, double top,
                                    double width, double height);

/* ---- series of PsLogPoint (the loss, a gradient norm) ------------------------------- */

/* x of a point: the middle of its steps. */
double   ps_chart_point_x         (const PsChartPlot *p, const PsLogPoint *pt);
/* Index of the point whose steps are nearest to step (pts sorted, not empty). */
guint    ps_chart_nearest_point   (const GArray *pts, double step);
/* "step 12" or "steps 1024–2047" for a point, appended to s. */
void     ps_chart_append_steps    (GString *s, const PsLogPoint *pt);
/* Extents of a series: x over every point, y over finite means (and the
 * min and max with band; only the positive values on a log axis,
 * *clipped tells there were others). */
void     ps_chart_extend_by_points (const GArray *pts, gboolean log_y, gboolean band,
                                    double *x_lo, double *x_hi, double *y_lo, double *y_hi,
                                    gboolean *clipped);
/* Steps of the points with NaN or Inf. */
guint64  ps_chart_total_nonfinite (const GArray *pts);
/* Data drawing state (fast antialiasing, bevel joins), inside a
 * cairo_save; end it with cairo_restore. */
void     ps_chart_data_drawing_begin (cairo_t *cr);
/* The line through the points' means, width px: broken where a point had
 * no finite value; a point alone between breaks is a dot. */
void     ps_chart_draw_mean_line  (cairo_t *cr, const PsChartPlot *p, const GArray *pts,
                                   const GdkRGBA *c, double width);
/* The band from each point's min to its max, where points summarize several steps. */
void     ps_chart_draw_band       (cairo_t *cr, const PsChartPlot *p, const GArray *pts,
                                   const GdkRGBA *c);
/* Red marks in the strip under the steps of the points with NaN or Inf,
 * at least 2 px wide. */
void     ps_chart_draw_nonfinite_points (cairo_t *cr, const PsChartPlot *p, const GArray *pts);

/* ---- for the subclasses ------------------------------------------------------------- */

/* The log, borrowed (NULL: none). */
PsTrainLog *ps_chart_get_log          (PsChart *chart);
/* After what the chart shows of its log changed (another parameter):
 * reset, copy again, redraw and describe. */
void        ps_chart_reload           (PsChart *chart);
/* The frame for the widget's current size; FALSE when it has none. */
gboolean    ps_chart_get_frame        (PsChart *chart, PsChartFrame *f);
/* Ask for a new accessible description (at most one a second). */
void        ps_chart_queue_describe   (PsChart *chart);

G_END_DECLS
