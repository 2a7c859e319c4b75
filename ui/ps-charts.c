/* ps-charts.c — the loss, gradient-flow and distribution charts
 *
 * The three widgets draw the same way, into one cairo node per frame:
 *
 *   Header   the title (bold) and, right of it or on a second line when
 *            they do not fit, legend entries and notes (clipping, NaN/Inf).
 *   Plot     the axes.  A linear axis gets nice ticks (1, 2, 5 x 10^k) and
 *            is widened to the ticks around the data; a log axis spans whole
 *            decades, labels decades (and 2 and 5 when there are few) and
 *            draws unlabelled 2..9 gridlines when there is room.  Steps run
 *            along x with as many labels as fit without touching.
 *   Readout  the text under the pointer, in a box next to it.
 *
 * A frame's layout (header, plot area, ticks, legend) is recomputed from the
 * widget's size and font whenever it is needed (a frame, a hit test): a few
 * dozen labels measured, far less than the drawing itself.  The data are
 * copies in GArrays that refresh() refills in place, so steady-state frames
 * allocate no data.
 */
#include "ps-charts.h"
#include "ps-chart-ticks.h"

#include <glib/gi18n.h>
#include <math.h>
#include <pango/pangocairo.h>
#include <stdlib.h>
#include <string.h>

#define PAD           8.0      /* px around the chart */
#define TICK          4.0      /* tick length */
#define STRIP         6.0      /* under the x axis: the red marks of NaN and Inf */
#define SWATCH_W      18.0     /* a line's sample in a header */
#define BOX           12.0     /* a colour's square in the legend */
#define MAX_TICKS     PS_TICKS_MAX
#define MAX_MINOR     256
#define LABEL_MAX     40
#define MAX_ITEMS     4
#define A11Y_DELAY_MS 1000     /* descriptions while training: one a second at most */
#define MIN_BIN_ALPHA 0.1      /* a non-empty bin stays visible */
#define FAINT         0.2      /* opacity of lines that are not highlighted */

/* Whole 8-bit components, so an opaque fill is exactly this colour. */
#define RGB8(r, g, b) { (r) / 255.f, (g) / 255.f, (b) / 255.f, 1.f }

/* Accents of middle lightness, readable on light and dark backgrounds.  No
 * red among them: red marks NaN and Inf. */
static const GdkRGBA palette[PS_CHART_PALETTE_SIZE] = {
  RGB8 (0x3b, 0x75, 0xaf),   /* blue */
  RGB8 (0xef, 0x8a, 0x17),   /* orange */
  RGB8 (0x3a, 0x9d, 0x3a),   /* green */
  RGB8 (0x8c, 0x62, 0xb8),   /* purple */
  RGB8 (0x17, 0xa2, 0xb0),   /* teal */
  RGB8 (0xd4, 0x5b, 0xb0),   /* magenta */
  RGB8 (0x9c, 0x6b, 0x4e),   /* brown */
  RGB8 (0xa3, 0xa3, 0x2a),   /* olive */
  RGB8 (0x5b, 0x5b, 0xd6),   /* indigo */
  RGB8 (0x6f, 0x8f, 0x9f),   /* slate */
};
static const GdkRGBA color_nonfinite = RGB8 (0xe0, 0x1b, 0x24);

void
ps_chart_get_color (PsChartColor which, GdkRGBA *out)
{
  g_return_if_fail (out != NULL);
  switch (which)
    {
    case PS_CHART_COLOR_LOSS:
    case PS_CHART_COLOR_VALUES:
      *out = palette[0];
      break;
    case PS_CHART_COLOR_PREVIOUS:
    case PS_CHART_COLOR_GRADIENT:
      *out = palette[1];
      break;
    case PS_CHART_COLOR_NONFINITE:
      *out = color_nonfinite;
      break;
    default:
      g_return_if_reached ();
    }
}

void
ps_chart_get_palette_color (guint i, GdkRGBA *out)
{
  g_return_if_fail (out != NULL);
  *out = palette[i % PS_CHART_PALETTE_SIZE];
}

typedef struct
{
  gboolean in;
  double   x, y;
} Hover;

struct _PsLossChart
{
  GtkWidget   parent_instance;
  PsTrainLog *log;              /* borrowed */
  guint64     serial;
  gboolean    copied;           /* points are the log as of serial */
  GArray     *points;           /* PsLogPoint */
  GArray     *previous;         /* PsLogPoint, another run */
  gboolean    log_scale;
  Hover       hover;
  guint       a11y_id;
};

struct _PsGradFlowChart
{
  GtkWidget   parent_instance;
  PsTrainLog *log;
  guint64     serial;
  gboolean    copied;
  GPtrArray  *names;            /* char *, the log's parameters */
  GPtrArray  *series;           /* GArray of PsLogPoint per parameter, kept and reused */
  GArray     *no_grad;          /* gboolean per parameter: never a finite norm */
  gboolean    log_scale;
  int         highlight;
  Hover       hover;
  guint       a11y_id;
};

struct _PsDistChart
{
  GtkWidget   parent_instance;
  PsTrainLog *log;
  guint64     serial;
  gboolean    copied;
  guint       param;
  gboolean    grad;
  char       *name;             /* of param, NULL when the log has no such parameter */
  GArray     *hists;            /* PsLogHist */
  cairo_surface_t *bins;        /* the bins of the last frame, at device resolution */
  Hover       hover;
  guint       a11y_id;
};

G_DEFINE_FINAL_TYPE (PsLossChart, ps_loss_chart, GTK_TYPE_WIDGET)
G_DEFINE_FINAL_TYPE (PsGradFlowChart, ps_grad_flow_chart, GTK_TYPE_WIDGET)
G_DEFINE_FINAL_TYPE (PsDistChart, ps_dist_chart, GTK_TYPE_WIDGET)

/* ---- numbers as text --------------------------------------------------------- */

static const char *const superscript[10] = {
  "\u2070", "\u00b9", "\u00b2", "\u00b3", "\u2074", "\u2075", "\u2076", "\u2077", "\u2078", "\u2079",
};

/* "10⁻⁵" appended to buf */
static void
append_power (char *buf, gsize size, int k)
{
  char digits[16];

  g_strlcat (buf, "10", size);
  if (k < 0)
    g_strlcat (buf, "\u207b", size);
  g_snprintf (digits, sizeof digits, "%d", ABS (k));
  for (const char *d = digits; *d; d++)
    g_strlcat (buf, superscript[*d - '0'], size);
}

/* ASCII digits with a real minus sign, for text people read. */
static void
copy_with_minus (char *buf, gsize size, const char *ascii)
{
  if (ascii[0] == '-')
    g_snprintf (buf, size, "\u2212%s", ascii + 1);
  else
    g_strlcpy (buf, ascii, size);
}

/* v to `digits` significant digits, locale-independent: "0.01234",
 * "1.5×10⁻⁵", "10⁸", "NaN". */
static void
format_sig (char *buf, gsize size, double v, int digits)
{
  char a[G_ASCII_DTOSTR_BUF_SIZE], fmt[8];
  char *e;
  int k;

  if (isnan (v))
    {
      g_strlcpy (buf, "NaN", size);
      return;
    }
  if (isinf (v))
    {
      g_strlcpy (buf, v > 0 ? "+Inf" : "\u2212Inf", size);
      return;
    }
  g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
  g_ascii_formatd (a, sizeof a, fmt, v);
  e = strchr (a, 'e');
  if (e == NULL)
    {
      copy_with_minus (buf, size, a);
      return;
    }
  *e = '\0';
  k = atoi (e + 1);
  if (strcmp (a, "1") == 0 || strcmp (a, "-1") == 0)
    {
      copy_with_minus (buf, size, a[0] == '-' ? "-" : "");
      append_power (buf, size, k);
      return;
    }
  copy_with_minus (buf, size, a);
  g_strlcat (buf, "\u00d7", size);
  append_power (buf, size, k);
}

static void
format_value (char *buf, gsize size, double v)
{
  format_sig (buf, size, v, 4);
}

/* A step count, "12345", "250k", "1.5M": grouped by the unit the largest
 * step on the axis needs, with the decimals the spacing needs. */
static void
format_step (char *buf, gsize size, double v, double spacing, double largest)
{
  double unit = 1;
  const char *suffix = "";
  char a[G_ASCII_DTOSTR_BUF_SIZE], fmt[8];
  int decimals;

  if (largest >= 1e6)
    {
      unit = 1e6;
      suffix = "M";
    }
  else if (largest >= 1e5)
    {
      unit = 1e3;
      suffix = "k";
    }
  decimals = CLAMP ((int) -floor (log10 (spacing / unit) + 1e-9), 0, 6);
  g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
  g_ascii_formatd (a, sizeof a, fmt, v / unit);
  g_snprintf (buf, size, "%s%s", a, suffix);
}

/* A tick of a linear axis: as many decimals as the spacing needs, or
 * significant digits with a power of ten when they would be too many. */
static void
format_tick (char *buf, gsize size, double v, double spacing, double largest)
{
  if (fabs (v) < spacing * 1e-6)
    v = 0;
  if (spacing >= 1e-4 && largest < 1e6)
    {
      char a[G_ASCII_DTOSTR_BUF_SIZE], fmt[8];
      int decimals = CLAMP ((int) -floor (log10 (spacing) + 1e-9), 0, 6);
      g_snprintf (fmt, sizeof fmt, "%%.%df", decimals);
      g_ascii_formatd (a, sizeof a, fmt, v);
      copy_with_minus (buf, size, a);
    }
  else if (v == 0)
    g_strlcpy (buf, "0", size);
  else
    format_sig (buf, size, v,
                CLAMP ((int) floor (log10 (fabs (v))) - (int) floor (log10 (spacing) + 1e-9) + 1, 1, 6));
}

/* mant × 10^k for a log axis: plain decimals when every label of the axis
 * is near 1, powers of ten for all of them otherwise. */
static void
format_decade (char *buf, gsize size, int mant, int k, gboolean plain)
{
  if (plain)
    {
      char a[G_ASCII_DTOSTR_BUF_SIZE], fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%df", MAX (0, -k));
      g_ascii_formatd (a, sizeof a, fmt, mant * pow (10, k));
      g_strlcpy (buf, a, size);
      return;
    }
  buf[0] = '\0';
  if (mant != 1)
    g_snprintf (buf, size, "%d\u00d7", mant);
  append_power (buf, size, k);
}

static void
format_count (char *buf, gsize size, guint64 n)
{
  g_snprintf (buf, size, "%" G_GUINT64_FORMAT, n);
}

/* ---- text ---------------------------------------------------------------------- */

/* The widget's font through one Pango layout per frame, reused for every label. */
typedef struct
{
  PangoLayout   *layout;
  PangoAttrList *bold;
  GdkRGBA        fg;            /* the style's text colour */
  double         lh, title_h;   /* line heights, px */
  int            scale;         /* device pixels a px */
} Text;

static void
text_begin (Text *t, GtkWidget *w)
{
  int h;

  t->layout = gtk_widget_create_pango_layout (w, "Ag");
  pango_layout_get_pixel_size (t->layout, NULL, &h);
  t->lh = h;
  t->bold = pango_attr_list_new ();
  pango_attr_list_insert (t->bold, pango_attr_weight_new (PANGO_WEIGHT_BOLD));
  pango_attr_list_insert (t->bold, pango_attr_scale_new (1.15));
  pango_layout_set_attributes (t->layout, t->bold);
  pango_layout_get_pixel_size (t->layout, NULL, &h);
  t->title_h = h;
  pango_layout_set_attributes (t->layout, NULL);
  gtk_style_context_get_color (gtk_widget_get_style_context (w), &t->fg);
  t->scale = gtk_widget_get_scale_factor (w);
}

static void
text_end (Text *t)
{
  g_object_unref (t->layout);
  pango_attr_list_unref (t->bold);
}

/* s in the layout, at most max_w px wide (ellipsized in the middle; <= 0: no limit) */
static void
text_set (Text *t, const char *s, gboolean bold, double max_w)
{
  pango_layout_set_attributes (t->layout, bold ? t->bold : NULL);
  pango_layout_set_text (t->layout, s, -1);
  pango_layout_set_width (t->layout, max_w > 0 ? (int) (max_w * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (t->layout, max_w > 0 ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE);
}

static double
text_width (Text *t, const char *s, gboolean bold)
{
  int w;
  text_set (t, s, bold, 0);
  pango_layout_get_pixel_size (t->layout, &w, NULL);
  return w;
}

/* s with its top at y; align: 0 left of x, 0.5 centred on it, 1 right of
 * it.  Returns the width drawn. */
static double
text_draw (Text *t, cairo_t *cr, const char *s, double x, double y, double align, gboolean bold,
           double max_w, const GdkRGBA *c)
{
  int w;
  text_set (t, s, bold, max_w);
  pango_layout_get_pixel_size (t->layout, &w, NULL);
  cairo_move_to (cr, round (x - align * w), round (y));
  gdk_cairo_set_source_rgba (cr, c);
  pango_cairo_show_layout (cr, t->layout);
  return w;
}

static GdkRGBA
with_alpha (const GdkRGBA *c, double alpha)
{
  GdkRGBA o = *c;
  o.alpha *= alpha;
  return o;
}

/* ---- header: the title, legend entries and notes ----------------------------------- */

typedef enum { SWATCH_NONE, SWATCH_LINE, SWATCH_THIN_LINE } Swatch;

typedef struct
{
  char    text[128];
  GdkRGBA color;                /* of the text */
  Swatch  swatch;
  GdkRGBA swatch_color;
  double  w;
} Item;

typedef struct
{
  char     title[192];
  Item     item[MAX_ITEMS];
  int      n_items;
  double   items_w;
  gboolean second_line;         /* the items are under the title */
  double   height;
} Header;

static Item *
header_add (Header *h, const GdkRGBA *color, Swatch swatch, const GdkRGBA *swatch_color,
            const char *text)
{
  Item *it;
  g_assert (h->n_items < MAX_ITEMS);
  it = &h->item[h->n_items++];
  g_strlcpy (it->text, text, sizeof it->text);
  it->color = *color;
  it->swatch = swatch;
  if (swatch_color)
    it->swatch_color = *swatch_color;
  return it;
}

static void
header_layout (Header *h, Text *t, double width)
{
  double tw = text_width (t, h->title, TRUE);

  h->items_w = 0;
  for (int i = 0; i < h->n_items; i++)
    {
      Item *it = &h->item[i];
      it->w = text_width (t, it->text, FALSE) + (it->swatch ? SWATCH_W + 5 : 0);
      h->items_w += it->w + (i > 0 ? t->lh : 0);
    }
  h->second_line = h->n_items > 0 && PAD + tw + 2 * t->lh + h->items_w + PAD > width;
  h->height = PAD + t->title_h + (h->second_line ? t->lh + 2 : 0) + 4;
}

static void
header_draw (const Header *h, Text *t, cairo_t *cr, double width)
{
  double x, y;

  text_draw (t, cr, h->title, PAD, PAD, 0, TRUE, width - 2 * PAD, &t->fg);
  if (h->second_line)
    {
      x = PAD;
      y = PAD + t->title_h + 2;
    }
  else
    {
      x = width - PAD - h->items_w;
      y = PAD + round ((t->title_h - t->lh) / 2);
    }
  for (int i = 0; i < h->n_items; i++)
    {
      const Item *it = &h->item[i];
      double tx = x;
      if (it->swatch != SWATCH_NONE)
        {
          double th = it->swatch == SWATCH_LINE ? 3 : 1.5;
          gdk_cairo_set_source_rgba (cr, &it->swatch_color);
          cairo_rectangle (cr, round (x), round (y + t->lh / 2 - th / 2), SWATCH_W, th);
          cairo_fill (cr);
          tx += SWATCH_W + 5;
        }
      text_draw (t, cr, it->text, tx, y, 0, FALSE, 0, &it->color);
      x += it->w + t->lh;
    }
}

/* ---- plot: axes, ticks and the mapping to pixels ---------------------------------- */

typedef struct
{
  /* the caller's */
  double   x_lo, x_hi;          /* steps shown */
  double   y_lo, y_hi;          /* values shown (> 0 on a log axis) */
  gboolean log_y;
  double   top, right;          /* px taken above the plot (the header) and right of it */

  /* plot_layout's */
  double   ax, ay, aw, ah;      /* the plot area, in whole px */
  int      scale;               /* device pixels a px */
  double   y0, y1;              /* the y axis' range, log10 of values on a log axis */
  int      n_yt, n_ym, n_xt;
  double   yt[MAX_TICKS];       /* labelled, in axis units */
  double   ym[MAX_MINOR];       /* gridlines only */
  double   xt[MAX_TICKS];
  char     ylab[MAX_TICKS][LABEL_MAX], xlab[MAX_TICKS][LABEL_MAX];
} Plot;

static double
axis_y (const Plot *p, double t)
{
  return p->ay + p->ah - (t - p->y0) / (p->y1 - p->y0) * p->ah;
}

static double
plot_x (const Plot *p, double step)
{
  return p->ax + (step - p->x_lo) / (p->x_hi - p->x_lo) * p->aw;
}

/* On a log axis a value <= 0 is drawn on the bottom edge (the header says so). */
static double
plot_y (const Plot *p, double v)
{
  if (p->log_y)
    return v > 0 ? axis_y (p, log10 (v)) : p->ay + p->ah;
  return axis_y (p, v);
}

static double
plot_step_at (const Plot *p, double x)
{
  return p->x_lo + (x - p->ax) / p->aw * (p->x_hi - p->x_lo);
}

static double
plot_value_at (const Plot *p, double y)
{
  double t = p->y0 + (p->ay + p->ah - y) / p->ah * (p->y1 - p->y0);
  return p->log_y ? pow (10, t) : t;
}

static gboolean
plot_contains (const Plot *p, double x, double y, double slack)
{
  return x >= p->ax - slack && x <= p->ax + p->aw + slack
         && y >= p->ay - slack && y <= p->ay + p->ah + slack;
}

static void
ticks_y_linear (Plot *p, int max_n)
{
  PsTicks t;
  double largest;

  ps_ticks_linear (p->y_lo, p->y_hi, max_n, &t);
  p->y0 = t.lo;
  p->y1 = t.hi;
  largest = MAX (fabs (p->y0), fabs (p->y1));
  p->n_ym = 0;
  for (p->n_yt = 0; p->n_yt < t.n; p->n_yt++)
    {
      p->yt[p->n_yt] = t.v[p->n_yt];
      format_tick (p->ylab[p->n_yt], LABEL_MAX, t.v[p->n_yt], t.step, largest);
    }
}

static void
ticks_y_log (Plot *p, Text *t, int max_n)
{
  PsTicks d;
  int k0, k1, every;
  double decade_px;
  gboolean plain;

  ps_ticks_log (p->y_lo, p->y_hi, max_n, &d);
  k0 = (int) d.lo;
  k1 = (int) d.hi;
  every = (int) d.step;
  plain = k0 >= -3 && k1 <= 4;
  p->y0 = k0;
  p->y1 = k1;
  decade_px = p->ah / (k1 - k0);
  p->n_yt = p->n_ym = 0;
  for (int k = k0; k <= k1; k++)
    {
      if (((k % every) + every) % every == 0 && p->n_yt < MAX_TICKS)
        {
          p->yt[p->n_yt] = k;
          format_decade (p->ylab[p->n_yt++], LABEL_MAX, 1, k, plain);
        }
      if (k == k1)
        break;
      for (int m = 2; m <= 9; m++)
        {
          double y = k + log10 (m);
          if (every == 1 && (m == 2 || m == 5) && decade_px >= 5 * t->lh && p->n_yt < MAX_TICKS)
            {
              p->yt[p->n_yt] = y;
              format_decade (p->ylab[p->n_yt++], LABEL_MAX, m, k, plain);
            }
          else if (decade_px >= 24 && p->n_ym < MAX_MINOR)
            p->ym[p->n_ym++] = y;
        }
    }
}

/* Integer steps, as many labels as fit with a line's height between them. */
static void
ticks_x (Plot *p, Text *t)
{
  double span = p->x_hi - p->x_lo, largest = MAX (fabs (p->x_lo), fabs (p->x_hi));
  double step = ps_ticks_nice_step (MAX (1.0, span / MAX (1.0, floor (p->aw / (5 * t->lh)))));
  PsTicks k;

  p->n_xt = 0;
  /* each try at least doubles the step: 64 tries cover every double */
  for (int attempt = 0; attempt < 64 && step > 0; attempt++)
    {
      double widest = 0;
      int total = ps_ticks_multiples (p->x_lo, p->x_hi, step, MAX_TICKS, &k);
      if (total < 0)
        break;
      for (p->n_xt = 0; p->n_xt < k.n; p->n_xt++)
        {
          p->xt[p->n_xt] = k.v[p->n_xt];
          format_step (p->xlab[p->n_xt], LABEL_MAX, k.v[p->n_xt], step, largest);
          widest = MAX (widest, text_width (t, p->xlab[p->n_xt], FALSE));
        }
      if (total <= MAX_TICKS && (p->n_xt < 2 || widest + 1.5 * t->lh <= step / span * p->aw))
        break;
      step = ps_ticks_nice_step (step * 1.5);
    }
}

/* Under the plot: the strip of NaN/Inf marks (the ticks cross it), the tick
 * labels, then the axis' name. */
static double
plot_bottom_margin (Text *t)
{
  return STRIP + 2 + 2 * t->lh + PAD / 2;
}

/* The plot area and ticks for a width x height widget; x_lo..x_hi, y_lo..y_hi,
 * log_y, top and right are set. */
static void
plot_layout (Plot *p, Text *t, double width, double height)
{
  double label_w = 0, overhang;
  char last[LABEL_MAX];
  int max_n;

  if (!isfinite (p->x_lo) || !isfinite (p->x_hi))
    {
      p->x_lo = 0;
      p->x_hi = 1;
    }
  if (!(p->x_hi > p->x_lo))
    {
      p->x_lo -= 0.5;
      p->x_hi += 0.5;
    }
  p->scale = t->scale;
  p->ay = p->top + ceil (t->lh / 2);         /* the top label is centred on its tick */
  p->ah = MAX (20, height - p->ay - plot_bottom_margin (t));
  max_n = CLAMP ((int) (p->ah / (2.2 * t->lh)) + 1, 2, MAX_TICKS);
  if (p->log_y)
    ticks_y_log (p, t, max_n);
  else
    ticks_y_linear (p, max_n);
  for (int i = 0; i < p->n_yt; i++)
    label_w = MAX (label_w, text_width (t, p->ylab[i], FALSE));
  p->ax = ceil (PAD + label_w + TICK + 4);
  /* the last step label is centred on its tick: keep room for its right half */
  format_step (last, sizeof last, p->x_hi, 1, MAX (fabs (p->x_lo), fabs (p->x_hi)));
  overhang = text_width (t, last, FALSE) / 2;
  p->aw = MAX (20, floor (width - p->ax - p->right - MAX (PAD, overhang + 2)));
  ticks_x (p, t);
}

/* Gridlines, under the data. */
static void
plot_draw_grid (const Plot *p, cairo_t *cr, const GdkRGBA *fg)
{
  cairo_save (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.05 * fg->alpha);
  for (int i = 0; i < p->n_ym; i++)
    {
      double y = floor (axis_y (p, p->ym[i])) + 0.5;
      cairo_move_to (cr, p->ax, y);
      cairo_line_to (cr, p->ax + p->aw, y);
    }
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12 * fg->alpha);
  for (int i = 0; i < p->n_yt; i++)
    {
      double y = floor (axis_y (p, p->yt[i])) + 0.5;
      cairo_move_to (cr, p->ax, y);
      cairo_line_to (cr, p->ax + p->aw, y);
    }
  for (int i = 0; i < p->n_xt; i++)
    {
      double x = floor (plot_x (p, p->xt[i])) + 0.5;
      cairo_move_to (cr, x, p->ay);
      cairo_line_to (cr, x, p->ay + p->ah);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Axis lines, ticks and labels, over the data. */
static void
plot_draw_axes (const Plot *p, cairo_t *cr, Text *t, const char *x_name)
{
  GdkRGBA axis = with_alpha (&t->fg, 0.55), label = with_alpha (&t->fg, 0.85);
  double left = floor (p->ax) + 0.5, bottom = floor (p->ay + p->ah) + 0.5;

  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &axis);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, left, p->ay);
  cairo_line_to (cr, left, bottom);
  cairo_line_to (cr, p->ax + p->aw, bottom);
  for (int i = 0; i < p->n_yt; i++)
    {
      double y = floor (axis_y (p, p->yt[i])) + 0.5;
      cairo_move_to (cr, left - TICK, y);
      cairo_line_to (cr, left, y);
    }
  for (int i = 0; i < p->n_xt; i++)
    {
      double x = floor (plot_x (p, p->xt[i])) + 0.5;
      cairo_move_to (cr, x, bottom);
      cairo_line_to (cr, x, bottom + TICK);
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  for (int i = 0; i < p->n_yt; i++)
    text_draw (t, cr, p->ylab[i], left - TICK - 3, axis_y (p, p->yt[i]) - t->lh / 2, 1, FALSE, 0,
               &label);
  for (int i = 0; i < p->n_xt; i++)
    text_draw (t, cr, p->xlab[i], plot_x (p, p->xt[i]), bottom + STRIP + 1.5, 0.5, FALSE, 0, &label);
  label = with_alpha (&t->fg, 0.6);
  text_draw (t, cr, x_name, p->ax + p->aw / 2, bottom + STRIP + 1.5 + t->lh, 0.5, FALSE, 0, &label);
}

static void
clip_to_plot (const Plot *p, cairo_t *cr)
{
  /* a line of width 2 on the edge stays whole */
  cairo_rectangle (cr, p->ax - 2, p->ay - 2, p->aw + 4, p->ah + 4);
  cairo_clip (cr);
}

/* ---- shared drawing -------------------------------------------------------------- */

static void
rounded_rect (cairo_t *cr, double x, double y, double w, double h, double r)
{
  cairo_new_sub_path (cr);
  cairo_arc (cr, x + w - r, y + r, r, -G_PI / 2, 0);
  cairo_arc (cr, x + w - r, y + h - r, r, 0, G_PI / 2);
  cairo_arc (cr, x + r, y + h - r, r, G_PI / 2, G_PI);
  cairo_arc (cr, x + r, y + r, r, G_PI, 3 * G_PI / 2);
  cairo_close_path (cr);
}

/* The hover text in a box beside the pointer, inside the widget. */
static void
draw_readout (cairo_t *cr, Text *t, const char *text, double px, double py, double width,
              double height)
{
  const double pad = 6, gap = 14;
  double lum = 0.299 * t->fg.red + 0.587 * t->fg.green + 0.114 * t->fg.blue;
  double bx, by;
  int w, h;

  text_set (t, text, FALSE, 0);
  pango_layout_get_pixel_size (t->layout, &w, &h);
  bx = px + gap;
  by = py + gap;
  if (bx + w + 2 * pad > width - 2)
    bx = px - gap - w - 2 * pad;
  if (by + h + 2 * pad > height - 2)
    by = py - gap - h - 2 * pad;
  bx = round (MAX (2, bx));
  by = round (MAX (2, by));

  /* the background's sense: light text wants a dark box */
  if (lum < 0.5)
    cairo_set_source_rgba (cr, 1, 1, 1, 0.94);
  else
    cairo_set_source_rgba (cr, 0.14, 0.14, 0.15, 0.94);
  rounded_rect (cr, bx + 0.5, by + 0.5, w + 2 * pad, h + 2 * pad, 4);
  cairo_fill_preserve (cr);
  cairo_set_source_rgba (cr, t->fg.red, t->fg.green, t->fg.blue, 0.3 * t->fg.alpha);
  cairo_set_line_width (cr, 1);
  cairo_stroke (cr);
  cairo_move_to (cr, bx + pad, by + pad);
  gdk_cairo_set_source_rgba (cr, &t->fg);
  pango_cairo_show_layout (cr, t->layout);
}

static void
draw_crosshair (cairo_t *cr, const Plot *p, const GdkRGBA *fg, double x, double y,
                const GdkRGBA *dot)
{
  cairo_save (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.35 * fg->alpha);
  cairo_set_line_width (cr, 1);
  cairo_move_to (cr, floor (x) + 0.5, p->ay);
  cairo_line_to (cr, floor (x) + 0.5, p->ay + p->ah);
  cairo_stroke (cr);
  if (dot != NULL && isfinite (y))
    {
      cairo_arc (cr, x, y, 4, 0, 2 * G_PI);
      gdk_cairo_set_source_rgba (cr, dot);
      cairo_fill_preserve (cr);
      gdk_cairo_set_source_rgba (cr, fg);
      cairo_stroke (cr);
    }
  cairo_restore (cr);
}

static void
draw_placeholder (cairo_t *cr, Text *t, const char *text, double top, double width, double height)
{
  GdkRGBA dim = with_alpha (&t->fg, 0.55);
  text_draw (t, cr, text, width / 2, top + MAX (0, (height - top - t->lh) / 2), 0.5, FALSE,
             width - 2 * PAD, &dim);
}

/* The top of the strip of red marks, right under the x axis: marks never
 * hide data. */
static double
strip_y (const Plot *p)
{
  return floor (p->ay + p->ah) + 1;
}

/* Red marks in the strip under the steps of the points that saw NaN or Inf,
 * at least 2 px wide. */
static void
draw_nonfinite_points (cairo_t *cr, const Plot *p, const GArray *pts)
{
  gdk_cairo_set_source_rgba (cr, &color_nonfinite);
  for (guint i = 0; i < pts->len; i++)
    {
      const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, i);
      double x0, x1;
      if (pt->n_nonfinite == 0)
        continue;
      x0 = plot_x (p, pt->step_first - 0.5);
      x1 = plot_x (p, pt->step_last + 0.5);
      if (x1 - x0 < 2)
        {
          x0 = (x0 + x1) / 2 - 1;
          x1 = x0 + 2;
        }
      cairo_rectangle (cr, x0, strip_y (p), x1 - x0, STRIP);
    }
  cairo_fill (cr);
}

static double
point_x (const Plot *p, const PsLogPoint *pt)
{
  return plot_x (p, (pt->step_first + (double) pt->step_last) / 2);
}

typedef enum { VALUE_MEAN, VALUE_MIN, VALUE_MAX } PointValue;

static double
point_value (const PsLogPoint *pt, PointValue which)
{
  return which == VALUE_MEAN ? pt->mean : which == VALUE_MIN ? pt->min : pt->max;
}

typedef struct
{
  double x, y;
  guint  n;                     /* the point's place in the walk */
} Vertex;

/* A column's vertices in the order they came, each once; a single one when
 * they are all within half a pixel of each other (what a smooth curve
 * mostly is), which the eye cannot tell from the others. */
static void
column_emit (cairo_t *cr, const Vertex *first, const Vertex *top, const Vertex *bottom,
             const Vertex *last)
{
  const Vertex *a = top->n <= bottom->n ? top : bottom, *b = a == top ? bottom : top;
  cairo_line_to (cr, first->x, first->y);
  if (bottom->y - top->y < 0.5)
    return;
  if (a->n != first->n && a->n != last->n)
    cairo_line_to (cr, a->x, a->y);
  if (b->n != first->n && b->n != last->n && b->n != a->n)
    cairo_line_to (cr, b->x, b->y);
  if (last->n != first->n)
    cairo_line_to (cr, last->x, last->y);
}

/* Add the polyline through points [from, to) (backwards if asked) to the
 * path, with at most four vertices a device pixel column: its first point,
 * its highest and lowest in the order they came, and its last.  A line a
 * pixel wide or more looks the same, and a full series costs at most as
 * much as the pixels it crosses. */
static void
path_points (cairo_t *cr, const Plot *p, const GArray *pts, guint from, guint to, gboolean backwards,
             PointValue which)
{
  Vertex first = { 0 }, top = { 0 }, bottom = { 0 }, last = { 0 };
  double col = NAN;

  for (guint n = 0; n < to - from; n++)
    {
      const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, backwards ? to - 1 - n : from + n);
      Vertex v = { point_x (p, pt), plot_y (p, point_value (pt, which)), n };
      double c = floor (v.x * p->scale);

      if (c != col)
        {
          if (n > 0)
            column_emit (cr, &first, &top, &bottom, &last);
          col = c;
          first = top = bottom = v;
        }
      else if (v.y < top.y)
        top = v;
      else if (v.y > bottom.y)
        bottom = v;
      last = v;
    }
  if (to > from)
    {
      column_emit (cr, &first, &top, &bottom, &last);
      cairo_line_to (cr, last.x, last.y);      /* the line ends where the data end */
    }
}

/* End of the run of points from i on whose mean is finite. */
static guint
finite_run_end (const GArray *pts, guint i)
{
  while (i < pts->len && !isnan (g_array_index (pts, PsLogPoint, i).mean))
    i++;
  return i;
}

/* Data are drawn with cairo's fast antialiasing: thousands of short
 * segments cost a third as much, and at these widths look the same. */
static void
data_drawing_begin (cairo_t *cr)
{
  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
}

/* The line through the points' means: broken where a point had no finite
 * value; a point alone between breaks is a dot. */
static void
draw_mean_line (cairo_t *cr, const Plot *p, const GArray *pts, const GdkRGBA *c, double width)
{
  guint i = 0;

  data_drawing_begin (cr);
  gdk_cairo_set_source_rgba (cr, c);
  cairo_set_line_width (cr, width);
  while (i < pts->len)
    {
      guint j = finite_run_end (pts, i);
      if (j == i + 1)
        {
          const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, i);
          cairo_new_sub_path (cr);
          cairo_arc (cr, point_x (p, pt), plot_y (p, pt->mean), width * 1.25, 0, 2 * G_PI);
          cairo_fill (cr);
        }
      else if (j > i + 1)
        {
          path_points (cr, p, pts, i, j, FALSE, VALUE_MEAN);
          cairo_stroke (cr);
        }
      i = MAX (j, i + 1);
    }
  cairo_restore (cr);
}

/* The band from each point's min to its max, where points summarize several steps. */
static void
draw_band (cairo_t *cr, const Plot *p, const GArray *pts, const GdkRGBA *c)
{
  guint i = 0;

  data_drawing_begin (cr);
  gdk_cairo_set_source_rgba (cr, c);
  while (i < pts->len)
    {
      guint j = finite_run_end (pts, i);
      gboolean wide = FALSE;
      for (guint k = i; k < j && !wide; k++)
        wide = g_array_index (pts, PsLogPoint, k).n > 1;
      if (wide && j > i + 1)
        {
          path_points (cr, p, pts, i, j, FALSE, VALUE_MAX);
          path_points (cr, p, pts, i, j, TRUE, VALUE_MIN);
          cairo_close_path (cr);
          cairo_fill (cr);
        }
      i = MAX (j, i + 1);
    }
  cairo_restore (cr);
}

/* Index of the point whose steps are nearest to step (pts sorted, not empty). */
static guint
nearest_point (const GArray *pts, double step)
{
  guint lo = 0, hi = pts->len - 1;
  while (lo < hi)
    {
      guint mid = (lo + hi) / 2;
      if (g_array_index (pts, PsLogPoint, mid).step_last < step)
        lo = mid + 1;
      else
        hi = mid;
    }
  /* lo: the first point ending at or after step; its predecessor may be nearer */
  if (lo > 0)
    {
      const PsLogPoint *a = &g_array_index (pts, PsLogPoint, lo - 1), *b = &g_array_index (pts, PsLogPoint, lo);
      if (step - a->step_last < b->step_first - step)
        return lo - 1;
    }
  return lo;
}

/* "step 12" or "steps 1,024–2,047" for a point. */
static void
append_steps (GString *s, const PsLogPoint *pt)
{
  char a[32], b[32];
  format_count (a, sizeof a, pt->step_first);
  if (pt->n == 1)
    g_string_append_printf (s, _("step %s"), a);
  else
    {
      format_count (b, sizeof b, pt->step_last);
      /* TRANSLATORS: a range of training steps, e.g. "steps 1024–2047" */
      g_string_append_printf (s, _("steps %s–%s"), a, b);
    }
}

/* Data extents of a series: x over every point, y over finite values (only
 * the positive ones on a log axis; *clipped tells there were others). */
static void
extend_by_points (const GArray *pts, gboolean log_y, gboolean band, double *x_lo, double *x_hi,
                  double *y_lo, double *y_hi, gboolean *clipped)
{
  for (guint i = 0; i < pts->len; i++)
    {
      const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, i);
      double v[3] = { pt->mean, band ? pt->min : pt->mean, band ? pt->max : pt->mean };

      *x_lo = MIN (*x_lo, (double) pt->step_first);
      *x_hi = MAX (*x_hi, (double) pt->step_last);
      if (isnan (pt->mean))
        continue;
      for (int k = 0; k < 3; k++)
        {
          if (log_y && !(v[k] > 0))
            {
              *clipped = TRUE;
              continue;
            }
          *y_lo = MIN (*y_lo, v[k]);
          *y_hi = MAX (*y_hi, v[k]);
        }
    }
}

/* The ranges once the data are in: defaults where there was nothing to
 * show; on a log axis with values <= 0, a decade more at the bottom, so the
 * edge they are drawn on is below every value that is not clipped. */
static void
finish_ranges (Plot *p, gboolean clipped)
{
  if (p->x_lo > p->x_hi)
    {
      p->x_lo = 0;
      p->x_hi = 1;
    }
  if (p->y_lo > p->y_hi)
    {
      p->y_lo = p->log_y ? 0.1 : 0;
      p->y_hi = 1;
    }
  else if (p->log_y && clipped)
    p->y_lo /= 10;
}

static guint64
total_nonfinite (const GArray *pts)
{
  guint64 n = 0;
  for (guint i = 0; i < pts->len; i++)
    n += g_array_index (pts, PsLogPoint, i).n_nonfinite;
  return n;
}

/* A red note; format (from ngettext) has one %s, the count. */
static void
add_nonfinite_note (Header *h, const char *format, guint64 n)
{
  char count[32], text[128];
  format_count (count, sizeof count, n);
  g_snprintf (text, sizeof text, format, count);
  header_add (h, &color_nonfinite, SWATCH_NONE, NULL, text);
}

/* ---- hover and accessibility, shared ---------------------------------------------- */

static Hover *
hover_of (GtkWidget *w)
{
  if (PS_IS_LOSS_CHART (w))
    return &PS_LOSS_CHART (w)->hover;
  if (PS_IS_GRAD_FLOW_CHART (w))
    return &PS_GRAD_FLOW_CHART (w)->hover;
  return &PS_DIST_CHART (w)->hover;
}

static void
on_motion (GtkEventControllerMotion *c, double x, double y, GtkWidget *w)
{
  Hover *h = hover_of (w);
  h->in = TRUE;
  h->x = x;
  h->y = y;
  gtk_widget_queue_draw (w);
}

static void
on_leave (GtkEventControllerMotion *c, GtkWidget *w)
{
  hover_of (w)->in = FALSE;
  gtk_widget_queue_draw (w);
}

static void
chart_init_common (GtkWidget *w, const char *label)
{
  GtkEventController *c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_motion), w);
  g_signal_connect (c, "leave", G_CALLBACK (on_leave), w);
  gtk_widget_add_controller (w, c);
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static void
chart_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
               int *natural, int *minimum_baseline, int *natural_baseline)
{
  /* room for a few ticks either way; charts grow with the window */
  *minimum = orientation == GTK_ORIENTATION_HORIZONTAL ? 240 : 160;
  *natural = orientation == GTK_ORIENTATION_HORIZONTAL ? 480 : 280;
}

/* Descriptions are for screen readers: while training they would change
 * every frame, so they are coalesced to one a second. */
static void
schedule_accessible (GtkWidget *w, guint *id, GSourceFunc fn)
{
  if (*id == 0)
    *id = g_timeout_add_full (G_PRIORITY_LOW, A11Y_DELAY_MS, fn, w, NULL);
}

static void
set_description (GtkWidget *w, const char *desc)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc, -1);
}

/* ==== PsLossChart ==================================================================== */

enum { LOSS_PROP_0, LOSS_PROP_LOG_SCALE, LOSS_N_PROPS };
static GParamSpec *loss_props[LOSS_N_PROPS];

typedef struct
{
  Header   header;
  Plot     plot;
  gboolean has_data;
} LossFrame;

static void
loss_frame (PsLossChart *c, Text *t, double width, double height, LossFrame *f)
{
  Plot *p = &f->plot;
  gboolean clipped = FALSE;
  guint64 nonfinite = total_nonfinite (c->points);

  memset (f, 0, sizeof *f);
  g_strlcpy (f->header.title, _("Loss"), sizeof f->header.title);
  f->has_data = c->points->len > 0;
  p->log_y = c->log_scale;
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  extend_by_points (c->points, p->log_y, TRUE, &p->x_lo, &p->x_hi, &p->y_lo, &p->y_hi, &clipped);
  if (f->has_data && c->previous->len > 0)
    {
      GdkRGBA cur, prev;
      ps_chart_get_color (PS_CHART_COLOR_LOSS, &cur);
      ps_chart_get_color (PS_CHART_COLOR_PREVIOUS, &prev);
      prev.alpha = 0.5;
      extend_by_points (c->previous, p->log_y, FALSE, &p->x_lo, &p->x_hi, &p->y_lo, &p->y_hi,
                        &clipped);
      header_add (&f->header, &t->fg, SWATCH_LINE, &cur, _("this run"));
      header_add (&f->header, &t->fg, SWATCH_LINE, &prev, _("previous run"));
    }
  finish_ranges (p, clipped);
  if (f->has_data && clipped)
    {
      GdkRGBA dim = with_alpha (&t->fg, 0.7);
      header_add (&f->header, &dim, SWATCH_NONE, NULL, _("values ≤ 0 on the bottom edge"));
    }
  if (nonfinite > 0)
    add_nonfinite_note (&f->header, ngettext ("NaN or Inf at %s step", "NaN or Inf at %s steps",
                                              (gulong) nonfinite), nonfinite);
  header_layout (&f->header, t, width);
  p->top = f->header.height;
  plot_layout (p, t, width, height);
}

/* The readout at (x, y) into s, and the point it is about; FALSE off the data. */
static gboolean
loss_readout (PsLossChart *c, const LossFrame *f, double x, double y, GString *s, double *mx,
              double *my)
{
  const Plot *p = &f->plot;
  const PsLogPoint *pt;
  char mean[48], lo[48], hi[48];

  if (!f->has_data || !plot_contains (p, x, y, 4))
    return FALSE;
  pt = &g_array_index (c->points, PsLogPoint, nearest_point (c->points, plot_step_at (p, x)));
  append_steps (s, pt);
  g_string_append_c (s, '\n');
  format_value (mean, sizeof mean, pt->mean);
  if (isnan (pt->mean))
    g_string_append (s, _("loss not finite"));
  else if (pt->n == 1 || pt->min == pt->max)
    g_string_append_printf (s, _("loss %s"), mean);
  else
    {
      format_value (lo, sizeof lo, pt->min);
      format_value (hi, sizeof hi, pt->max);
      /* TRANSLATORS: the mean loss over several steps, then its range */
      g_string_append_printf (s, _("loss %s on average, %s to %s"), mean, lo, hi);
    }
  if (pt->n_nonfinite > 0 && !isnan (pt->mean))
    {
      char n[32];
      format_count (n, sizeof n, pt->n_nonfinite);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, ngettext ("%s step NaN or Inf", "%s steps NaN or Inf",
                                           pt->n_nonfinite), n);
    }
  if (c->previous->len > 0)
    {
      double step = (pt->step_first + (double) pt->step_last) / 2;
      const PsLogPoint *q = &g_array_index (c->previous, PsLogPoint,
                                            nearest_point (c->previous, step));
      if (q->step_first <= step + 0.5 * pt->n && q->step_last + 0.5 * pt->n >= step)
        {
          format_value (mean, sizeof mean, q->mean);
          g_string_append_c (s, '\n');
          g_string_append_printf (s, _("previous run %s"), mean);
        }
    }
  *mx = point_x (p, pt);
  *my = isnan (pt->mean) ? NAN : plot_y (p, pt->mean);
  return TRUE;
}

static void
ps_loss_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsLossChart *c = PS_LOSS_CHART (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  GdkRGBA line, band, prev;
  LossFrame f;
  Text t;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  text_begin (&t, widget);
  loss_frame (c, &t, width, height, &f);
  header_draw (&f.header, &t, cr, width);
  if (!f.has_data)
    {
      draw_placeholder (cr, &t, _("No training steps yet"), f.header.height, width, height);
      goto out;
    }

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &line);
  ps_chart_get_color (PS_CHART_COLOR_PREVIOUS, &prev);
  band = with_alpha (&line, 0.22);
  prev.alpha = 0.5;
  plot_draw_grid (&f.plot, cr, &t.fg);
  cairo_save (cr);
  clip_to_plot (&f.plot, cr);
  draw_mean_line (cr, &f.plot, c->previous, &prev, 2);
  draw_band (cr, &f.plot, c->points, &band);
  draw_mean_line (cr, &f.plot, c->points, &line, 2);
  cairo_restore (cr);
  plot_draw_axes (&f.plot, cr, &t, _("step"));
  draw_nonfinite_points (cr, &f.plot, c->points);

  if (c->hover.in)
    {
      GString *s = g_string_new (NULL);
      double mx, my;
      if (loss_readout (c, &f, c->hover.x, c->hover.y, s, &mx, &my))
        {
          draw_crosshair (cr, &f.plot, &t.fg, mx, my, &line);
          draw_readout (cr, &t, s->str, c->hover.x, c->hover.y, width, height);
        }
      g_string_free (s, TRUE);
    }
out:
  text_end (&t);
  cairo_destroy (cr);
}

static gboolean
loss_accessible_cb (gpointer data)
{
  PsLossChart *c = data;
  g_autofree char *desc = NULL;

  c->a11y_id = 0;
  if (c->points->len == 0)
    desc = g_strdup (_("No training steps yet"));
  else
    {
      const PsLogPoint *last = &g_array_index (c->points, PsLogPoint, c->points->len - 1);
      char steps[32], loss[48];
      format_count (steps, sizeof steps, last->step_last);
      format_value (loss, sizeof loss, last->mean);
      desc = g_strdup_printf (_("%s steps, latest loss %s"), steps, loss);
    }
  set_description (GTK_WIDGET (c), desc);
  return G_SOURCE_REMOVE;
}

GtkWidget *
ps_loss_chart_new (void)
{
  return g_object_new (PS_TYPE_LOSS_CHART, NULL);
}

void
ps_loss_chart_refresh (PsLossChart *c)
{
  guint64 serial;

  g_return_if_fail (PS_IS_LOSS_CHART (c));
  if (c->log == NULL)
    return;
  serial = ps_train_log_get_serial (c->log);
  if (c->copied && serial == c->serial)
    return;
  /* a write between the two calls makes the copy newer than serial: the
   * next refresh copies again, no harm */
  ps_train_log_copy_loss (c->log, c->points);
  c->serial = serial;
  c->copied = TRUE;
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, loss_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_loss_chart_set_log (PsLossChart *c, PsTrainLog *log)
{
  g_return_if_fail (PS_IS_LOSS_CHART (c));
  c->log = log;
  c->copied = FALSE;
  g_array_set_size (c->points, 0);
  ps_loss_chart_refresh (c);
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, loss_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_loss_chart_set_log_scale (PsLossChart *c, gboolean log_scale)
{
  g_return_if_fail (PS_IS_LOSS_CHART (c));
  log_scale = !!log_scale;
  if (c->log_scale == log_scale)
    return;
  c->log_scale = log_scale;
  g_object_notify_by_pspec (G_OBJECT (c), loss_props[LOSS_PROP_LOG_SCALE]);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

gboolean
ps_loss_chart_get_log_scale (PsLossChart *c)
{
  g_return_val_if_fail (PS_IS_LOSS_CHART (c), FALSE);
  return c->log_scale;
}

void
ps_loss_chart_set_previous (PsLossChart *c, GArray *points)
{
  g_return_if_fail (PS_IS_LOSS_CHART (c));
  g_return_if_fail (points == NULL || g_array_get_element_size (points) == sizeof (PsLogPoint));
  g_array_set_size (c->previous, 0);
  if (points != NULL && points->len > 0)
    g_array_append_vals (c->previous, points->data, points->len);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

gboolean
ps_loss_chart_to_widget (PsLossChart *c, double step, double value, double *x, double *y)
{
  int width, height;
  LossFrame f;
  Text t;

  g_return_val_if_fail (PS_IS_LOSS_CHART (c), FALSE);
  width = gtk_widget_get_width (GTK_WIDGET (c));
  height = gtk_widget_get_height (GTK_WIDGET (c));
  if (width <= 0 || height <= 0)
    return FALSE;
  text_begin (&t, GTK_WIDGET (c));
  loss_frame (c, &t, width, height, &f);
  text_end (&t);
  if (!f.has_data)
    return FALSE;
  if (x)
    *x = plot_x (&f.plot, step);
  if (y)
    *y = plot_y (&f.plot, value);
  return TRUE;
}

char *
ps_loss_chart_describe_at (PsLossChart *c, double x, double y)
{
  int width, height;
  GString *s;
  LossFrame f;
  Text t;
  double mx, my;
  gboolean found;

  g_return_val_if_fail (PS_IS_LOSS_CHART (c), NULL);
  width = gtk_widget_get_width (GTK_WIDGET (c));
  height = gtk_widget_get_height (GTK_WIDGET (c));
  if (width <= 0 || height <= 0)
    return NULL;
  s = g_string_new (NULL);
  text_begin (&t, GTK_WIDGET (c));
  loss_frame (c, &t, width, height, &f);
  found = loss_readout (c, &f, x, y, s, &mx, &my);
  text_end (&t);
  return g_string_free (s, !found);
}

static void
ps_loss_chart_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsLossChart *c = PS_LOSS_CHART (object);
  switch (id)
    {
    case LOSS_PROP_LOG_SCALE:
      g_value_set_boolean (value, c->log_scale);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_loss_chart_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsLossChart *c = PS_LOSS_CHART (object);
  switch (id)
    {
    case LOSS_PROP_LOG_SCALE:
      ps_loss_chart_set_log_scale (c, g_value_get_boolean (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_loss_chart_dispose (GObject *object)
{
  PsLossChart *c = PS_LOSS_CHART (object);
  g_clear_handle_id (&c->a11y_id, g_source_remove);
  c->log = NULL;
  G_OBJECT_CLASS (ps_loss_chart_parent_class)->dispose (object);
}

static void
ps_loss_chart_finalize (GObject *object)
{
  PsLossChart *c = PS_LOSS_CHART (object);
  g_array_unref (c->points);
  g_array_unref (c->previous);
  G_OBJECT_CLASS (ps_loss_chart_parent_class)->finalize (object);
}

static void
ps_loss_chart_class_init (PsLossChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->get_property = ps_loss_chart_get_property;
  oc->set_property = ps_loss_chart_set_property;
  oc->dispose = ps_loss_chart_dispose;
  oc->finalize = ps_loss_chart_finalize;
  wc->snapshot = ps_loss_chart_snapshot;
  wc->measure = chart_measure;

  loss_props[LOSS_PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, FALSE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, LOSS_N_PROPS, loss_props);

  gtk_widget_class_set_css_name (wc, "losschart");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_loss_chart_init (PsLossChart *c)
{
  c->points = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  c->previous = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  chart_init_common (GTK_WIDGET (c), _("Loss curve"));
}

/* ==== PsGradFlowChart ================================================================ */

enum { FLOW_PROP_0, FLOW_PROP_LOG_SCALE, FLOW_PROP_HIGHLIGHT, FLOW_N_PROPS };
static GParamSpec *flow_props[FLOW_N_PROPS];

typedef struct
{
  Header   header;
  Plot     plot;
  gboolean has_data;
  /* the legend, right of the plot: entry i in column i / rows, row i % rows */
  double   lx, ly, col_w, row_h, name_w;
  guint    rows;
} FlowFrame;

static const GArray *
flow_series (PsGradFlowChart *c, guint i)
{
  return g_ptr_array_index (c->series, i);
}

static gboolean
flow_no_grad (PsGradFlowChart *c, guint i)
{
  return g_array_index (c->no_grad, gboolean, i);
}

/* After the name of a parameter whose norm was never finite: the name may
 * be ellipsized, this never is. */
static const char *
flow_no_grad_note (void)
{
  /* TRANSLATORS: after a parameter's name in a legend: its gradient was never recorded */
  return _("(no gradient)");
}

/* The legend text of parameter i is its name, then the note if it has no
 * gradient, a space apart. */
static double
flow_legend_width (PsGradFlowChart *c, Text *t, guint i)
{
  double w = text_width (t, g_ptr_array_index (c->names, i), (int) i == c->highlight);
  if (flow_no_grad (c, i))
    w += t->lh / 3 + text_width (t, flow_no_grad_note (), FALSE);
  return w;
}

static void
flow_frame (PsGradFlowChart *c, Text *t, double width, double height, FlowFrame *f)
{
  Plot *p = &f->plot;
  guint n = c->names->len, cols;
  gboolean clipped = FALSE, nonfinite = FALSE;
  double avail_h, name_w = 0, max_name;

  memset (f, 0, sizeof *f);
  g_strlcpy (f->header.title, _("Gradient norm per parameter"), sizeof f->header.title);
  p->log_y = c->log_scale;
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  for (guint i = 0; i < n; i++)
    {
      const GArray *pts = flow_series (c, i);
      f->has_data |= pts->len > 0;
      if (flow_no_grad (c, i))
        continue;
      extend_by_points (pts, p->log_y, FALSE, &p->x_lo, &p->x_hi, &p->y_lo, &p->y_hi, &clipped);
      nonfinite |= total_nonfinite (pts) > 0;
    }
  finish_ranges (p, clipped);
  if (f->has_data && clipped)
    {
      GdkRGBA dim = with_alpha (&t->fg, 0.7);
      header_add (&f->header, &dim, SWATCH_NONE, NULL, _("zero norms on the bottom edge"));
    }
  if (nonfinite)
    header_add (&f->header, &color_nonfinite, SWATCH_NONE, NULL, _("NaN or Inf (red marks)"));
  header_layout (&f->header, t, width);
  p->top = f->header.height;

  /* the legend: as many rows as the plot is tall, then more columns; the
   * names give way (ellipsized) before the plot does */
  f->row_h = ceil (t->lh + 4);
  avail_h = MAX (f->row_h, height - p->top - ceil (t->lh / 2) - plot_bottom_margin (t));
  f->rows = MAX (1, (guint) (avail_h / f->row_h));
  cols = n == 0 ? 0 : (n + f->rows - 1) / f->rows;
  if (cols > 0)
    f->rows = (n + cols - 1) / cols;
  for (guint i = 0; i < n; i++)
    name_w = MAX (name_w, flow_legend_width (c, t, i));
  max_name = MAX (4 * t->lh, (width * 0.45 - PAD) / MAX (cols, 1) - BOX - 6 - t->lh);
  f->name_w = ceil (MIN (name_w, max_name));
  f->col_w = BOX + 6 + f->name_w + t->lh;
  p->right = cols * f->col_w;
  plot_layout (p, t, width, height);
  f->lx = floor (p->ax + p->aw + MAX (PAD, t->lh));
  f->ly = floor (p->ay);
  f->has_data &= n > 0;
}

static void
flow_legend_rect (const FlowFrame *f, guint i, graphene_rect_t *r)
{
  guint col = i / f->rows, row = i % f->rows;
  graphene_rect_init (r, f->lx + col * f->col_w, f->ly + row * f->row_h, BOX + 6 + f->name_w,
                      f->row_h);
}

static int
flow_legend_at (PsGradFlowChart *c, const FlowFrame *f, double x, double y)
{
  for (guint i = 0; i < c->names->len; i++)
    {
      graphene_rect_t r;
      flow_legend_rect (f, i, &r);
      if (graphene_rect_contains_point (&r, &GRAPHENE_POINT_INIT (x, y)))
        return (int) i;
    }
  return -1;
}

/* Parameter i's line colour at its opacity of the moment. */
static GdkRGBA
flow_color (PsGradFlowChart *c, guint i)
{
  GdkRGBA col = palette[i % PS_CHART_PALETTE_SIZE];
  if (c->highlight >= 0 && (guint) c->highlight != i)
    col.alpha = FAINT;
  return col;
}

static void
flow_draw_line (PsGradFlowChart *c, cairo_t *cr, const Plot *p, guint i)
{
  GdkRGBA col = flow_color (c, i);
  gboolean top = (int) i == c->highlight;

  cairo_save (cr);
  if (i >= PS_CHART_PALETTE_SIZE)
    {
      /* the second round of colours: dashed, so two lines never look alike */
      double dash[2] = { 7, 4 };
      cairo_set_dash (cr, dash, 2, 0);
    }
  draw_mean_line (cr, p, flow_series (c, i), &col, top ? 2.75 : 1.75);
  cairo_restore (cr);
}

static void
flow_draw_legend (PsGradFlowChart *c, cairo_t *cr, Text *t, const FlowFrame *f)
{
  for (guint i = 0; i < c->names->len; i++)
    {
      graphene_rect_t r;
      GdkRGBA col = flow_color (c, i), text = t->fg;
      double by, tx, ty, note_w = 0;

      flow_legend_rect (f, i, &r);
      by = round (r.origin.y + (f->row_h - BOX) / 2);
      gdk_cairo_set_source_rgba (cr, &col);
      if (i < PS_CHART_PALETTE_SIZE)
        cairo_rectangle (cr, r.origin.x, by, BOX, BOX);
      else
        {
          /* dashed lines: a dashed swatch */
          cairo_rectangle (cr, r.origin.x, by, 5, BOX);
          cairo_rectangle (cr, r.origin.x + 7, by, 5, BOX);
        }
      cairo_fill (cr);
      if (c->highlight >= 0 && (guint) c->highlight != i)
        text.alpha *= 0.45;
      else if (flow_no_grad (c, i))
        text.alpha *= 0.6;
      tx = r.origin.x + BOX + 6;
      ty = r.origin.y + (f->row_h - t->lh) / 2;
      if (flow_no_grad (c, i))
        note_w = t->lh / 3 + text_width (t, flow_no_grad_note (), FALSE);
      tx += text_draw (t, cr, g_ptr_array_index (c->names, i), tx, ty, 0, (int) i == c->highlight,
                       MAX (t->lh, f->name_w - note_w), &text);
      if (note_w > 0)
        text_draw (t, cr, flow_no_grad_note (), tx + t->lh / 3, ty, 0, FALSE, 0, &text);
    }
}

/* Red marks where any parameter (with a gradient) saw NaN or Inf. */
static void
flow_draw_nonfinite (PsGradFlowChart *c, cairo_t *cr, const Plot *p)
{
  for (guint i = 0; i < c->names->len; i++)
    if (!flow_no_grad (c, i))
      draw_nonfinite_points (cr, p, flow_series (c, i));
}

static gboolean
flow_readout (PsGradFlowChart *c, const FlowFrame *f, double x, double y, GString *s, double *mx,
              double *my, int *which)
{
  const Plot *p = &f->plot;
  double step, best = INFINITY;
  const PsLogPoint *found = NULL;
  char value[48];

  if (!f->has_data || !plot_contains (p, x, y, 4))
    return FALSE;
  step = plot_step_at (p, x);
  *which = -1;
  /* the highlighted parameter, else the line nearest to the pointer */
  for (guint i = 0; i < c->names->len; i++)
    {
      const GArray *pts = flow_series (c, i);
      const PsLogPoint *pt;
      double d;
      if (pts->len == 0 || flow_no_grad (c, i))
        continue;
      if (c->highlight >= 0 && (guint) c->highlight != i)
        continue;
      pt = &g_array_index (pts, PsLogPoint, nearest_point (pts, step));
      d = isnan (pt->mean) ? 1e9 : fabs (plot_y (p, pt->mean) - y);
      if (d < best)
        {
          best = d;
          found = pt;
          *which = (int) i;
        }
    }
  if (found == NULL)
    return FALSE;
  append_steps (s, found);
  g_string_append_c (s, '\n');
  format_value (value, sizeof value, found->mean);
  if (found->n > 1 && !isnan (found->mean))
    /* TRANSLATORS: parameter name, then its mean gradient norm over several steps */
    g_string_append_printf (s, _("%s: gradient norm %s on average"),
                            (const char *) g_ptr_array_index (c->names, *which), value);
  else
    g_string_append_printf (s, _("%s: gradient norm %s"),
                            (const char *) g_ptr_array_index (c->names, *which), value);
  if (found->n_nonfinite > 0 && !isnan (found->mean))
    {
      char n[32];
      format_count (n, sizeof n, found->n_nonfinite);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, ngettext ("%s step NaN or Inf", "%s steps NaN or Inf",
                                           found->n_nonfinite), n);
    }
  *mx = point_x (p, found);
  *my = isnan (found->mean) ? NAN : plot_y (p, found->mean);
  return TRUE;
}

static void
ps_grad_flow_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  FlowFrame f;
  Text t;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  text_begin (&t, widget);
  flow_frame (c, &t, width, height, &f);
  header_draw (&f.header, &t, cr, width);
  if (!f.has_data)
    {
      draw_placeholder (cr, &t, _("No training steps yet"), f.header.height, width, height);
      goto out;
    }

  plot_draw_grid (&f.plot, cr, &t.fg);
  cairo_save (cr);
  clip_to_plot (&f.plot, cr);
  for (guint i = 0; i < c->names->len; i++)
    if ((int) i != c->highlight)
      flow_draw_line (c, cr, &f.plot, i);
  if (c->highlight >= 0)
    flow_draw_line (c, cr, &f.plot, c->highlight);
  cairo_restore (cr);
  plot_draw_axes (&f.plot, cr, &t, _("step"));
  flow_draw_nonfinite (c, cr, &f.plot);
  flow_draw_legend (c, cr, &t, &f);

  if (c->hover.in)
    {
      GString *s = g_string_new (NULL);
      double mx, my;
      int which;
      if (flow_readout (c, &f, c->hover.x, c->hover.y, s, &mx, &my, &which))
        {
          GdkRGBA dot = palette[which % PS_CHART_PALETTE_SIZE];
          draw_crosshair (cr, &f.plot, &t.fg, mx, my, &dot);
          draw_readout (cr, &t, s->str, c->hover.x, c->hover.y, width, height);
        }
      g_string_free (s, TRUE);
    }
out:
  text_end (&t);
  cairo_destroy (cr);
}

static gboolean
flow_accessible_cb (gpointer data)
{
  PsGradFlowChart *c = data;
  g_autofree char *desc = NULL;
  guint64 last = 0;
  char steps[32];

  c->a11y_id = 0;
  for (guint i = 0; i < c->series->len; i++)
    {
      const GArray *pts = flow_series (c, i);
      if (pts->len > 0)
        last = MAX (last, g_array_index (pts, PsLogPoint, pts->len - 1).step_last);
    }
  format_count (steps, sizeof steps, last);
  if (last == 0)
    desc = g_strdup (_("No training steps yet"));
  else
    desc = g_strdup_printf (ngettext ("%u parameter over %s steps", "%u parameters over %s steps",
                                      c->names->len),
                            c->names->len, steps);
  set_description (GTK_WIDGET (c), desc);
  return G_SOURCE_REMOVE;
}

GtkWidget *
ps_grad_flow_chart_new (void)
{
  return g_object_new (PS_TYPE_GRAD_FLOW_CHART, NULL);
}

void
ps_grad_flow_chart_refresh (PsGradFlowChart *c)
{
  guint64 serial;

  g_return_if_fail (PS_IS_GRAD_FLOW_CHART (c));
  if (c->log == NULL)
    return;
  serial = ps_train_log_get_serial (c->log);
  if (c->copied && serial == c->serial)
    return;
  for (guint i = 0; i < c->names->len; i++)
    {
      GArray *pts = g_ptr_array_index (c->series, i);
      gboolean none = TRUE;
      ps_train_log_copy_grad_norm (c->log, i, pts);
      for (guint k = 0; k < pts->len && none; k++)
        none = !isfinite (g_array_index (pts, PsLogPoint, k).mean);
      g_array_index (c->no_grad, gboolean, i) = none && pts->len > 0;
    }
  c->serial = serial;
  c->copied = TRUE;
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, flow_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_grad_flow_chart_set_log (PsGradFlowChart *c, PsTrainLog *log)
{
  guint n;

  g_return_if_fail (PS_IS_GRAD_FLOW_CHART (c));
  c->log = log;
  c->copied = FALSE;
  n = log ? ps_train_log_get_n_params (log) : 0;
  g_ptr_array_set_size (c->names, 0);
  for (guint i = 0; i < n; i++)
    g_ptr_array_add (c->names, g_strdup (ps_train_log_get_param_name (log, i)));
  /* series arrays are kept for the next log: only new ones are created */
  while (c->series->len < n)
    g_ptr_array_add (c->series, g_array_new (FALSE, FALSE, sizeof (PsLogPoint)));
  for (guint i = 0; i < c->series->len; i++)
    g_array_set_size (g_ptr_array_index (c->series, i), 0);
  g_array_set_size (c->no_grad, n);
  memset (c->no_grad->data, 0, n * sizeof (gboolean));
  if (c->highlight >= (int) n)
    ps_grad_flow_chart_set_highlight (c, -1);
  ps_grad_flow_chart_refresh (c);
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, flow_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_grad_flow_chart_set_log_scale (PsGradFlowChart *c, gboolean log_scale)
{
  g_return_if_fail (PS_IS_GRAD_FLOW_CHART (c));
  log_scale = !!log_scale;
  if (c->log_scale == log_scale)
    return;
  c->log_scale = log_scale;
  g_object_notify_by_pspec (G_OBJECT (c), flow_props[FLOW_PROP_LOG_SCALE]);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

gboolean
ps_grad_flow_chart_get_log_scale (PsGradFlowChart *c)
{
  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), FALSE);
  return c->log_scale;
}

void
ps_grad_flow_chart_set_highlight (PsGradFlowChart *c, int index)
{
  g_return_if_fail (PS_IS_GRAD_FLOW_CHART (c));
  index = index < 0 ? -1 : index;
  if (c->highlight == index)
    return;
  c->highlight = index;
  g_object_notify_by_pspec (G_OBJECT (c), flow_props[FLOW_PROP_HIGHLIGHT]);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

int
ps_grad_flow_chart_get_highlight (PsGradFlowChart *c)
{
  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), -1);
  return c->highlight;
}

/* The frame for the current size; FALSE when the widget has none. */
static gboolean
flow_current_frame (PsGradFlowChart *c, FlowFrame *f)
{
  int width = gtk_widget_get_width (GTK_WIDGET (c)), height = gtk_widget_get_height (GTK_WIDGET (c));
  Text t;

  if (width <= 0 || height <= 0)
    return FALSE;
  text_begin (&t, GTK_WIDGET (c));
  flow_frame (c, &t, width, height, f);
  text_end (&t);
  return TRUE;
}

gboolean
ps_grad_flow_chart_to_widget (PsGradFlowChart *c, double step, double value, double *x, double *y)
{
  FlowFrame f;

  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), FALSE);
  if (!flow_current_frame (c, &f) || !f.has_data)
    return FALSE;
  if (x)
    *x = plot_x (&f.plot, step);
  if (y)
    *y = plot_y (&f.plot, value);
  return TRUE;
}

gboolean
ps_grad_flow_chart_get_legend_rect (PsGradFlowChart *c, guint i, graphene_rect_t *out)
{
  FlowFrame f;

  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), FALSE);
  g_return_val_if_fail (out != NULL, FALSE);
  if (i >= c->names->len || !flow_current_frame (c, &f) || !f.has_data)
    return FALSE;
  flow_legend_rect (&f, i, out);
  return TRUE;
}

char *
ps_grad_flow_chart_describe_at (PsGradFlowChart *c, double x, double y)
{
  FlowFrame f;
  GString *s;
  double mx, my;
  int which;
  gboolean found;

  g_return_val_if_fail (PS_IS_GRAD_FLOW_CHART (c), NULL);
  if (!flow_current_frame (c, &f))
    return NULL;
  s = g_string_new (NULL);
  found = flow_readout (c, &f, x, y, s, &mx, &my, &which);
  return g_string_free (s, !found);
}

/* A click on a legend entry highlights that parameter, or stops highlighting it. */
static void
on_flow_click (GtkGestureClick *g, int n_press, double x, double y, PsGradFlowChart *c)
{
  FlowFrame f;
  int i;

  if (!flow_current_frame (c, &f) || !f.has_data)
    return;
  i = flow_legend_at (c, &f, x, y);
  if (i >= 0)
    ps_grad_flow_chart_set_highlight (c, i == c->highlight ? -1 : i);
}

static void
ps_grad_flow_chart_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  switch (id)
    {
    case FLOW_PROP_LOG_SCALE:
      g_value_set_boolean (value, c->log_scale);
      break;
    case FLOW_PROP_HIGHLIGHT:
      g_value_set_int (value, c->highlight);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_grad_flow_chart_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  switch (id)
    {
    case FLOW_PROP_LOG_SCALE:
      ps_grad_flow_chart_set_log_scale (c, g_value_get_boolean (value));
      break;
    case FLOW_PROP_HIGHLIGHT:
      ps_grad_flow_chart_set_highlight (c, g_value_get_int (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_grad_flow_chart_dispose (GObject *object)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  g_clear_handle_id (&c->a11y_id, g_source_remove);
  c->log = NULL;
  G_OBJECT_CLASS (ps_grad_flow_chart_parent_class)->dispose (object);
}

static void
ps_grad_flow_chart_finalize (GObject *object)
{
  PsGradFlowChart *c = PS_GRAD_FLOW_CHART (object);
  g_ptr_array_unref (c->names);
  g_ptr_array_unref (c->series);
  g_array_unref (c->no_grad);
  G_OBJECT_CLASS (ps_grad_flow_chart_parent_class)->finalize (object);
}

static void
ps_grad_flow_chart_class_init (PsGradFlowChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->get_property = ps_grad_flow_chart_get_property;
  oc->set_property = ps_grad_flow_chart_set_property;
  oc->dispose = ps_grad_flow_chart_dispose;
  oc->finalize = ps_grad_flow_chart_finalize;
  wc->snapshot = ps_grad_flow_chart_snapshot;
  wc->measure = chart_measure;

  flow_props[FLOW_PROP_LOG_SCALE] =
    g_param_spec_boolean ("log-scale", NULL, NULL, TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  flow_props[FLOW_PROP_HIGHLIGHT] =
    g_param_spec_int ("highlight", NULL, NULL, -1, G_MAXINT, -1,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (oc, FLOW_N_PROPS, flow_props);

  gtk_widget_class_set_css_name (wc, "gradflowchart");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_grad_flow_chart_init (PsGradFlowChart *c)
{
  GtkGesture *g;

  c->names = g_ptr_array_new_with_free_func (g_free);
  c->series = g_ptr_array_new_with_free_func ((GDestroyNotify) g_array_unref);
  c->no_grad = g_array_new (FALSE, TRUE, sizeof (gboolean));
  c->log_scale = TRUE;
  c->highlight = -1;
  chart_init_common (GTK_WIDGET (c), _("Gradient norms per parameter"));

  g = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "released", G_CALLBACK (on_flow_click), c);
  gtk_widget_add_controller (GTK_WIDGET (c), GTK_EVENT_CONTROLLER (g));
}

/* ==== PsDistChart ==================================================================== */

typedef struct
{
  Header   header;
  Plot     plot;
  gboolean has_data;
} DistFrame;

static const PsLogHist *
dist_hist (PsDistChart *c, guint k)
{
  return &g_array_index (c->hists, PsLogHist, k);
}

/* Column k spans half way to its neighbours' steps; the outer columns are
 * as wide as the gap next to them (1 step for a single histogram). */
static void
dist_column (PsDistChart *c, guint k, double *left, double *right)
{
  guint n = c->hists->len;
  double s = dist_hist (c, k)->step;
  double before = k > 0 ? s - dist_hist (c, k - 1)->step : n > 1 ? dist_hist (c, 1)->step - s : 1;
  double after = k + 1 < n ? dist_hist (c, k + 1)->step - s : before;
  *left = s - before / 2;
  *right = s + after / 2;
}

static guint64
hist_nonfinite (const PsLogHist *h)
{
  return h->n_nan + h->n_posinf + h->n_neginf;
}

static void
dist_frame (PsDistChart *c, Text *t, double width, double height, DistFrame *f)
{
  Plot *p = &f->plot;
  guint n_flagged = 0;
  double right;

  memset (f, 0, sizeof *f);
  if (c->name == NULL)
    g_strlcpy (f->header.title, _("Distribution over time"), sizeof f->header.title);
  else
    g_snprintf (f->header.title, sizeof f->header.title,
                c->grad ? _("Gradient of %s over time") : _("Values of %s over time"), c->name);
  f->has_data = c->hists->len > 0;
  p->x_lo = p->y_lo = INFINITY;
  p->x_hi = p->y_hi = -INFINITY;
  if (f->has_data)
    {
      GdkRGBA mean = with_alpha (&t->fg, 0.9), range = with_alpha (&t->fg, 0.55);
      dist_column (c, 0, &p->x_lo, &right);
      dist_column (c, c->hists->len - 1, &right, &p->x_hi);
      for (guint k = 0; k < c->hists->len; k++)
        {
          const PsLogHist *h = dist_hist (c, k);
          n_flagged += hist_nonfinite (h) > 0;
          if (isnan (h->lo))
            continue;
          p->y_lo = MIN (p->y_lo, h->lo);
          p->y_hi = MAX (p->y_hi, h->hi);
        }
      header_add (&f->header, &t->fg, SWATCH_LINE, &mean, _("mean"));
      header_add (&f->header, &t->fg, SWATCH_THIN_LINE, &range, _("min and max"));
    }
  finish_ranges (p, FALSE);
  if (n_flagged > 0)
    add_nonfinite_note (&f->header, ngettext ("NaN or Inf in %s histogram",
                                              "NaN or Inf in %s histograms", n_flagged),
                        n_flagged);
  header_layout (&f->header, t, width);
  p->top = f->header.height;
  plot_layout (p, t, width, height);
}

/* Column k's pixel columns: whole pixels, at least one, so neighbours abut. */
static void
dist_column_px (PsDistChart *c, const Plot *p, guint k, double *x0, double *x1)
{
  double left, right;
  dist_column (c, k, &left, &right);
  *x0 = round (plot_x (p, left));
  *x1 = MAX (round (plot_x (p, right)), *x0 + 1);
}

/* Device rows [*r0, *r1) of the plot area whose centres lie in [top, bottom)
 * (px from the widget's top): at least one, within the area. */
static void
rows_of (const Plot *p, double top, double bottom, int n_rows, int *r0, int *r1)
{
  *r0 = (int) ceil ((top - p->ay) * p->scale - 0.5);
  *r1 = (int) ceil ((bottom - p->ay) * p->scale - 0.5);
  if (*r1 <= *r0)
    *r0 = *r1 - 1;
  *r0 = CLAMP (*r0, 0, n_rows);
  *r1 = CLAMP (*r1, 0, n_rows);
}

/* Fill device columns [x0, x1) x rows [r0, r1) of argb (stride in pixels). */
static void
fill_span (guint32 *argb, int stride, int x0, int x1, int r0, int r1, guint32 pixel)
{
  for (int r = r0; r < r1; r++)
    for (int x = x0; x < x1; x++)
      argb[(gsize) r * stride + x] = pixel;
}

/* The bins, painted as one image of the plot area at device resolution: a
 * bin covers the pixels whose centres are in [edge b, edge b + 1), so each
 * pixel belongs to exactly one bin (no seams, no blending between
 * neighbours), as opaque as its count against the column's largest.  The
 * image is kept for the next frame. */
static void
dist_draw_bins (PsDistChart *c, cairo_t *cr, const Plot *p)
{
  int w = (int) (p->aw * p->scale), h = (int) (p->ah * p->scale), stride;
  GdkRGBA accent;
  guint32 *argb;

  if (w <= 0 || h <= 0)
    return;
  ps_chart_get_color (c->grad ? PS_CHART_COLOR_GRADIENT : PS_CHART_COLOR_VALUES, &accent);
  if (c->bins == NULL || cairo_image_surface_get_width (c->bins) != w
      || cairo_image_surface_get_height (c->bins) != h)
    {
      g_clear_pointer (&c->bins, cairo_surface_destroy);
      c->bins = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
    }
  /* flush first: an earlier frame's node keeps its copy of the old pixels */
  cairo_surface_flush (c->bins);
  argb = (guint32 *) cairo_image_surface_get_data (c->bins);
  stride = cairo_image_surface_get_stride (c->bins) / 4;
  memset (argb, 0, (gsize) stride * 4 * h);

  for (guint k = 0; k < c->hists->len; k++)
    {
      const PsLogHist *hist = dist_hist (c, k);
      guint64 peak = 0;
      double x0, x1;
      int c0, c1, r0, r1;

      if (isnan (hist->lo))
        continue;
      dist_column_px (c, p, k, &x0, &x1);
      c0 = CLAMP ((int) ((x0 - p->ax) * p->scale), 0, w);
      c1 = CLAMP ((int) ((x1 - p->ax) * p->scale), 0, w);
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        peak = MAX (peak, hist->count[b]);
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        {
          double a = MAX ((double) hist->count[b] / peak, MIN_BIN_ALPHA);
          guint32 pixel = ((guint32) lround (a * 255) << 24)
                          | ((guint32) lround (accent.red * a * 255) << 16)
                          | ((guint32) lround (accent.green * a * 255) << 8)
                          | (guint32) lround (accent.blue * a * 255);
          if (hist->count[b] == 0)
            continue;
          if (hist->lo == hist->hi)
            {
              /* every value the same: one bin of no height, drawn 3 px tall */
              double y = plot_y (p, hist->lo);
              rows_of (p, y - 1.5, y + 1.5, h, &r0, &r1);
            }
          else
            rows_of (p, plot_y (p, ps_log_hist_edge (hist, b + 1)),
                     plot_y (p, ps_log_hist_edge (hist, b)), h, &r0, &r1);
          fill_span (argb, stride, c0, c1, r0, r1, pixel);
        }
    }
  cairo_surface_mark_dirty (c->bins);

  cairo_save (cr);
  cairo_translate (cr, p->ax, p->ay);
  cairo_scale (cr, 1.0 / p->scale, 1.0 / p->scale);
  cairo_set_source_surface (cr, c->bins, 0, 0);
  cairo_pattern_set_filter (cairo_get_source (cr), CAIRO_FILTER_NEAREST);
  cairo_paint (cr);
  cairo_restore (cr);
}

/* The mean as a line through the columns' centres; min and max as stepped
 * outlines along the columns' edges. */
static void
dist_draw_lines (PsDistChart *c, cairo_t *cr, const Plot *p, const GdkRGBA *fg)
{
  data_drawing_begin (cr);
  for (int side = 0; side < 2; side++)
    {
      cairo_new_path (cr);
      for (guint k = 0; k < c->hists->len; k++)
        {
          const PsLogHist *h = dist_hist (c, k);
          double x0, x1, y;
          if (isnan (h->lo))
            {
              cairo_new_sub_path (cr);
              continue;
            }
          dist_column_px (c, p, k, &x0, &x1);
          y = plot_y (p, side == 0 ? h->lo : h->hi);
          cairo_line_to (cr, x0, y);
          cairo_line_to (cr, x1, y);
        }
      cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.55 * fg->alpha);
      cairo_set_line_width (cr, 1);
      cairo_stroke (cr);
    }
  cairo_new_path (cr);
  for (guint k = 0; k < c->hists->len; k++)
    {
      const PsLogHist *h = dist_hist (c, k);
      double x0, x1;
      if (isnan (h->mean))
        {
          cairo_new_sub_path (cr);
          continue;
        }
      dist_column_px (c, p, k, &x0, &x1);
      cairo_line_to (cr, (x0 + x1) / 2, plot_y (p, h->mean));
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.9 * fg->alpha);
  cairo_set_line_width (cr, 1.5);
  cairo_stroke (cr);
  cairo_restore (cr);
}

static void
dist_draw_nonfinite (PsDistChart *c, cairo_t *cr, const Plot *p)
{
  gdk_cairo_set_source_rgba (cr, &color_nonfinite);
  for (guint k = 0; k < c->hists->len; k++)
    if (hist_nonfinite (dist_hist (c, k)) > 0)
      {
        double x0, x1;
        dist_column_px (c, p, k, &x0, &x1);
        if (x1 - x0 < 2)
          x1 = x0 + 2;
        cairo_rectangle (cr, x0, strip_y (p), x1 - x0, STRIP);
      }
  cairo_fill (cr);
}

/* The column under x: -1 if none. */
static int
dist_column_at (PsDistChart *c, const Plot *p, double x)
{
  for (guint k = 0; k < c->hists->len; k++)
    {
      double x0, x1;
      dist_column_px (c, p, k, &x0, &x1);
      if (x >= x0 && x < x1)
        return (int) k;
    }
  return -1;
}

/* The bin of h holding value v: -1 if none. */
static int
dist_bin_at (const PsLogHist *h, double v)
{
  if (isnan (h->lo) || v < h->lo || v > h->hi)
    return -1;
  if (h->lo == h->hi)
    return 0;
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    if (v < ps_log_hist_edge (h, b + 1) || b == PS_LOG_HIST_BINS - 1)
      return b;
  return -1;
}

static gboolean
dist_readout (PsDistChart *c, const DistFrame *f, double x, double y, GString *s, int *col,
              int *bin)
{
  const Plot *p = &f->plot;
  const PsLogHist *h;
  char a[48], b[48], d[48];

  *col = *bin = -1;
  if (!f->has_data || !plot_contains (p, x, y, 0))
    return FALSE;
  *col = dist_column_at (c, p, x);
  if (*col < 0)
    return FALSE;
  h = dist_hist (c, *col);
  format_count (a, sizeof a, h->step);
  g_string_append_printf (s, _("step %s"), a);
  *bin = dist_bin_at (h, plot_value_at (p, y));
  if (*bin >= 0)
    {
      char n[32], total[32];
      format_value (a, sizeof a, ps_log_hist_edge (h, *bin));
      format_value (b, sizeof b, ps_log_hist_edge (h, *bin + 1));
      format_count (n, sizeof n, h->count[*bin]);
      format_count (total, sizeof total, h->n);
      g_string_append_c (s, '\n');
      /* TRANSLATORS: a histogram bin: its interval, then how many of the values are in it */
      g_string_append_printf (s, _("%s to %s: %s of %s values"), a, b, n, total);
    }
  if (!isnan (h->mean))
    {
      format_value (a, sizeof a, h->mean);
      format_value (b, sizeof b, h->lo);
      format_value (d, sizeof d, h->hi);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, _("mean %s, min %s, max %s"), a, b, d);
    }
  if (hist_nonfinite (h) > 0)
    {
      char nan[32], pinf[32], ninf[32];
      format_count (nan, sizeof nan, h->n_nan);
      format_count (pinf, sizeof pinf, h->n_posinf);
      format_count (ninf, sizeof ninf, h->n_neginf);
      g_string_append_c (s, '\n');
      g_string_append_printf (s, _("NaN %s, +Inf %s, −Inf %s"), nan, pinf, ninf);
    }
  return TRUE;
}

static void
ps_dist_chart_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsDistChart *c = PS_DIST_CHART (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  DistFrame f;
  Text t;
  cairo_t *cr;

  if (width <= 0 || height <= 0)
    return;
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  text_begin (&t, widget);
  dist_frame (c, &t, width, height, &f);
  header_draw (&f.header, &t, cr, width);
  if (!f.has_data)
    {
      const char *text = c->log == NULL ? _("No training steps yet")
                         : c->name == NULL ? _("No such parameter")
                         : c->grad ? _("No gradient histograms yet") : _("No histograms yet");
      draw_placeholder (cr, &t, text, f.header.height, width, height);
      goto out;
    }

  cairo_save (cr);
  clip_to_plot (&f.plot, cr);
  dist_draw_bins (c, cr, &f.plot);
  dist_draw_lines (c, cr, &f.plot, &t.fg);
  cairo_restore (cr);
  plot_draw_axes (&f.plot, cr, &t, _("step"));
  dist_draw_nonfinite (c, cr, &f.plot);

  if (c->hover.in)
    {
      GString *s = g_string_new (NULL);
      int col, bin;
      if (dist_readout (c, &f, c->hover.x, c->hover.y, s, &col, &bin))
        {
          double x0, x1;
          dist_column_px (c, &f.plot, col, &x0, &x1);
          cairo_set_source_rgba (cr, t.fg.red, t.fg.green, t.fg.blue, 0.8 * t.fg.alpha);
          cairo_set_line_width (cr, 1);
          if (bin >= 0)
            {
              const PsLogHist *h = dist_hist (c, col);
              double y0 = plot_y (&f.plot, ps_log_hist_edge (h, bin));
              double y1 = plot_y (&f.plot, ps_log_hist_edge (h, bin + 1));
              cairo_rectangle (cr, x0 - 0.5, floor (y1) - 0.5, x1 - x0 + 1, MAX (2, ceil (y0) - floor (y1) + 1));
            }
          else
            cairo_rectangle (cr, x0 - 0.5, f.plot.ay - 0.5, x1 - x0 + 1, f.plot.ah + 1);
          cairo_stroke (cr);
          draw_readout (cr, &t, s->str, c->hover.x, c->hover.y, width, height);
        }
      g_string_free (s, TRUE);
    }
out:
  text_end (&t);
  cairo_destroy (cr);
}

static gboolean
dist_accessible_cb (gpointer data)
{
  PsDistChart *c = data;
  g_autofree char *desc = NULL;

  c->a11y_id = 0;
  if (c->name == NULL)
    desc = g_strdup (_("No such parameter"));
  else
    desc = g_strdup_printf (c->grad ? ngettext ("Gradient of %s, %u histogram",
                                                "Gradient of %s, %u histograms", c->hists->len)
                                    : ngettext ("Values of %s, %u histogram",
                                                "Values of %s, %u histograms", c->hists->len),
                            c->name, c->hists->len);
  set_description (GTK_WIDGET (c), desc);
  return G_SOURCE_REMOVE;
}

GtkWidget *
ps_dist_chart_new (void)
{
  return g_object_new (PS_TYPE_DIST_CHART, NULL);
}

void
ps_dist_chart_refresh (PsDistChart *c)
{
  guint64 serial;

  g_return_if_fail (PS_IS_DIST_CHART (c));
  if (c->log == NULL || c->name == NULL)
    return;
  serial = ps_train_log_get_serial (c->log);
  if (c->copied && serial == c->serial)
    return;
  ps_train_log_copy_hists (c->log, c->param, c->grad, c->hists);
  c->serial = serial;
  c->copied = TRUE;
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, dist_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

/* After the log or the parameter changed: forget the copy, take a new one. */
static void
dist_reload (PsDistChart *c)
{
  g_clear_pointer (&c->name, g_free);
  if (c->log != NULL && c->param < ps_train_log_get_n_params (c->log))
    c->name = g_strdup (ps_train_log_get_param_name (c->log, c->param));
  c->copied = FALSE;
  g_array_set_size (c->hists, 0);
  ps_dist_chart_refresh (c);
  schedule_accessible (GTK_WIDGET (c), &c->a11y_id, dist_accessible_cb);
  gtk_widget_queue_draw (GTK_WIDGET (c));
}

void
ps_dist_chart_set_log (PsDistChart *c, PsTrainLog *log)
{
  g_return_if_fail (PS_IS_DIST_CHART (c));
  c->log = log;
  dist_reload (c);
}

void
ps_dist_chart_set_param (PsDistChart *c, guint param, gboolean grad)
{
  g_return_if_fail (PS_IS_DIST_CHART (c));
  c->param = param;
  c->grad = !!grad;
  dist_reload (c);
}

guint
ps_dist_chart_get_param (PsDistChart *c)
{
  g_return_val_if_fail (PS_IS_DIST_CHART (c), 0);
  return c->param;
}

gboolean
ps_dist_chart_get_grad (PsDistChart *c)
{
  g_return_val_if_fail (PS_IS_DIST_CHART (c), FALSE);
  return c->grad;
}

static gboolean
dist_current_frame (PsDistChart *c, DistFrame *f)
{
  int width = gtk_widget_get_width (GTK_WIDGET (c)), height = gtk_widget_get_height (GTK_WIDGET (c));
  Text t;

  if (width <= 0 || height <= 0)
    return FALSE;
  text_begin (&t, GTK_WIDGET (c));
  dist_frame (c, &t, width, height, f);
  text_end (&t);
  return TRUE;
}

gboolean
ps_dist_chart_to_widget (PsDistChart *c, double step, double value, double *x, double *y)
{
  DistFrame f;

  g_return_val_if_fail (PS_IS_DIST_CHART (c), FALSE);
  if (!dist_current_frame (c, &f) || !f.has_data)
    return FALSE;
  if (x)
    *x = plot_x (&f.plot, step);
  if (y)
    *y = plot_y (&f.plot, value);
  return TRUE;
}

char *
ps_dist_chart_describe_at (PsDistChart *c, double x, double y)
{
  DistFrame f;
  GString *s;
  int col, bin;
  gboolean found;

  g_return_val_if_fail (PS_IS_DIST_CHART (c), NULL);
  if (!dist_current_frame (c, &f))
    return NULL;
  s = g_string_new (NULL);
  found = dist_readout (c, &f, x, y, s, &col, &bin);
  return g_string_free (s, !found);
}

static void
ps_dist_chart_dispose (GObject *object)
{
  PsDistChart *c = PS_DIST_CHART (object);
  g_clear_handle_id (&c->a11y_id, g_source_remove);
  c->log = NULL;
  G_OBJECT_CLASS (ps_dist_chart_parent_class)->dispose (object);
}

static void
ps_dist_chart_finalize (GObject *object)
{
  PsDistChart *c = PS_DIST_CHART (object);
  g_free (c->name);
  g_array_unref (c->hists);
  g_clear_pointer (&c->bins, cairo_surface_destroy);
  G_OBJECT_CLASS (ps_dist_chart_parent_class)->finalize (object);
}

static void
ps_dist_chart_class_init (PsDistChartClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->dispose = ps_dist_chart_dispose;
  oc->finalize = ps_dist_chart_finalize;
  wc->snapshot = ps_dist_chart_snapshot;
  wc->measure = chart_measure;

  gtk_widget_class_set_css_name (wc, "distchart");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_dist_chart_init (PsDistChart *c)
{
  c->hists = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  chart_init_common (GTK_WIDGET (c), _("Distribution over time"));
}
