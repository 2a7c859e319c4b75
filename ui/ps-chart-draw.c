/* ps-chart-draw.c — the charts' drawing toolkit: numbers as text, the
 * header, the plot's axes and ticks, series of log points (see
 * ps-chart-private.h)
 *
 * Everything here draws with cairo into the node of one frame and keeps no
 * state: a frame's layout is recomputed from the widget's size and font
 * whenever it is needed, and the tick arithmetic is ps-chart-ticks.c's.
 */
#include "ps-chart-private.h"

#include <glib/gi18n.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SWATCH_W 18.0   /* a line's sample in a header */

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
static const GdkRGBA nonfinite = RGB8 (0xe0, 0x1b, 0x24);

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
      *out = nonfinite;
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

void
ps_chart_format_value (char *buf, gsize size, double v)
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

void
ps_chart_format_count (char *buf, gsize size, guint64 n)
{
  g_snprintf (buf, size, "%" G_GUINT64_FORMAT, n);
}

/* ---- text ---------------------------------------------------------------------- */

void
ps_chart_text_begin (PsChartText *t, GtkWidget *w)
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
  t->emphasis = 1;
  for (GtkWidget *a = w; a; a = gtk_widget_get_parent (a))
    if (gtk_widget_has_css_class (a, "ps-presentation"))
      t->emphasis = PS_CHART_EMPHASIS;
}

void
ps_chart_text_end (PsChartText *t)
{
  g_object_unref (t->layout);
  pango_attr_list_unref (t->bold);
}

/* s in the layout, at most max_w px wide (ellipsized in the middle; <= 0: no limit) */
static void
text_set (PsChartText *t, const char *s, gboolean bold, double max_w)
{
  pango_layout_set_attributes (t->layout, bold ? t->bold : NULL);
  pango_layout_set_text (t->layout, s, -1);
  pango_layout_set_width (t->layout, max_w > 0 ? (int) (max_w * PANGO_SCALE) : -1);
  pango_layout_set_ellipsize (t->layout, max_w > 0 ? PANGO_ELLIPSIZE_MIDDLE : PANGO_ELLIPSIZE_NONE);
}

double
ps_chart_text_width (PsChartText *t, const char *s, gboolean bold)
{
  int w;
  text_set (t, s, bold, 0);
  pango_layout_get_pixel_size (t->layout, &w, NULL);
  return w;
}

/* s with its top at y; align: 0 left of x, 0.5 centred on it, 1 right of
 * it.  Returns the width drawn. */
double
ps_chart_text_draw (PsChartText *t, cairo_t *cr, const char *s, double x, double y, double align,
                    gboolean bold, double max_w, const GdkRGBA *c)
{
  int w;
  text_set (t, s, bold, max_w);
  pango_layout_get_pixel_size (t->layout, &w, NULL);
  cairo_move_to (cr, round (x - align * w), round (y));
  gdk_cairo_set_source_rgba (cr, c);
  pango_cairo_show_layout (cr, t->layout);
  return w;
}

GdkRGBA
ps_chart_with_alpha (const GdkRGBA *c, double alpha)
{
  GdkRGBA o = *c;
  o.alpha *= alpha;
  return o;
}

/* ---- header: the title, legend entries and notes ----------------------------------- */

void
ps_chart_header_add (PsChartHeader *h, const GdkRGBA *color, PsChartSwatch swatch,
                     const GdkRGBA *swatch_color, const char *text)
{
  PsChartItem *it;
  g_assert (h->n_items < PS_CHART_MAX_ITEMS);
  it = &h->item[h->n_items++];
  g_strlcpy (it->text, text, sizeof it->text);
  it->color = *color;
  it->swatch = swatch;
  if (swatch_color)
    it->swatch_color = *swatch_color;
}

void
ps_chart_header_layout (PsChartHeader *h, PsChartText *t, double width)
{
  double tw = ps_chart_text_width (t, h->title, TRUE);

  h->items_w = 0;
  for (int i = 0; i < h->n_items; i++)
    {
      PsChartItem *it = &h->item[i];
      it->w = ps_chart_text_width (t, it->text, FALSE) + (it->swatch ? SWATCH_W + 5 : 0);
      h->items_w += it->w + (i > 0 ? t->lh : 0);
    }
  h->second_line = h->n_items > 0
                   && PS_CHART_PAD + tw + 2 * t->lh + h->items_w + PS_CHART_PAD > width;
  h->height = PS_CHART_PAD + t->title_h + (h->second_line ? t->lh + 2 : 0) + 4;
}

void
ps_chart_header_draw (const PsChartHeader *h, PsChartText *t, cairo_t *cr, double width)
{
  double x, y;

  ps_chart_text_draw (t, cr, h->title, PS_CHART_PAD, PS_CHART_PAD, 0, TRUE,
                      width - 2 * PS_CHART_PAD, &t->fg);
  if (h->second_line)
    {
      x = PS_CHART_PAD;
      y = PS_CHART_PAD + t->title_h + 2;
    }
  else
    {
      x = width - PS_CHART_PAD - h->items_w;
      y = PS_CHART_PAD + round ((t->title_h - t->lh) / 2);
    }
  for (int i = 0; i < h->n_items; i++)
    {
      const PsChartItem *it = &h->item[i];
      double tx = x;
      if (it->swatch != PS_CHART_SWATCH_NONE)
        {
          double th = it->swatch == PS_CHART_SWATCH_LINE ? 3 : 1.5;
          gdk_cairo_set_source_rgba (cr, &it->swatch_color);
          cairo_rectangle (cr, round (x), round (y + t->lh / 2 - th / 2), SWATCH_W, th);
          cairo_fill (cr);
          tx += SWATCH_W + 5;
        }
      ps_chart_text_draw (t, cr, it->text, tx, y, 0, FALSE, 0, &it->color);
      x += it->w + t->lh;
    }
}

/* ---- plot: axes, ticks and the mapping to pixels ---------------------------------- */

static double
axis_y (const PsChartPlot *p, double t)
{
  return p->ay + p->ah - (t - p->y0) / (p->y1 - p->y0) * p->ah;
}

double
ps_chart_plot_x (const PsChartPlot *p, double step)
{
  return p->ax + (step - p->x_lo) / (p->x_hi - p->x_lo) * p->aw;
}

/* On a log axis a value <= 0 is drawn on the bottom edge (the header says so). */
double
ps_chart_plot_y (const PsChartPlot *p, double v)
{
  if (p->log_y)
    return v > 0 ? axis_y (p, log10 (v)) : p->ay + p->ah;
  return axis_y (p, v);
}

double
ps_chart_plot_step_at (const PsChartPlot *p, double x)
{
  return p->x_lo + (x - p->ax) / p->aw * (p->x_hi - p->x_lo);
}

double
ps_chart_plot_value_at (const PsChartPlot *p, double y)
{
  double t = p->y0 + (p->ay + p->ah - y) / p->ah * (p->y1 - p->y0);
  return p->log_y ? pow (10, t) : t;
}

gboolean
ps_chart_plot_contains (const PsChartPlot *p, double x, double y, double slack)
{
  return x >= p->ax - slack && x <= p->ax + p->aw + slack
         && y >= p->ay - slack && y <= p->ay + p->ah + slack;
}

static void
ticks_y_linear (PsChartPlot *p, int max_n)
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
      format_tick (p->ylab[p->n_yt], PS_CHART_LABEL_MAX, t.v[p->n_yt], t.step, largest);
    }
}

static void
ticks_y_log (PsChartPlot *p, PsChartText *t, int max_n)
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
      if (((k % every) + every) % every == 0 && p->n_yt < PS_TICKS_MAX)
        {
          p->yt[p->n_yt] = k;
          format_decade (p->ylab[p->n_yt++], PS_CHART_LABEL_MAX, 1, k, plain);
        }
      if (k == k1)
        break;
      for (int m = 2; m <= 9; m++)
        {
          double y = k + log10 (m);
          if (every == 1 && (m == 2 || m == 5) && decade_px >= 5 * t->lh && p->n_yt < PS_TICKS_MAX)
            {
              p->yt[p->n_yt] = y;
              format_decade (p->ylab[p->n_yt++], PS_CHART_LABEL_MAX, m, k, plain);
            }
          else if (decade_px >= 24 && p->n_ym < PS_CHART_MAX_MINOR)
            p->ym[p->n_ym++] = y;
        }
    }
}

/* Integer steps, as many labels as fit with a line's height between them. */
static void
ticks_x (PsChartPlot *p, PsChartText *t)
{
  double span = p->x_hi - p->x_lo, largest = MAX (fabs (p->x_lo), fabs (p->x_hi));
  double step = ps_ticks_nice_step (MAX (1.0, span / MAX (1.0, floor (p->aw / (5 * t->lh)))));
  PsTicks k;

  p->n_xt = 0;
  /* each try at least doubles the step: 64 tries cover every double */
  for (int attempt = 0; attempt < 64 && step > 0; attempt++)
    {
      double widest = 0;
      int total = ps_ticks_multiples (p->x_lo, p->x_hi, step, PS_TICKS_MAX, &k);
      if (total < 0)
        break;
      for (p->n_xt = 0; p->n_xt < k.n; p->n_xt++)
        {
          p->xt[p->n_xt] = k.v[p->n_xt];
          format_step (p->xlab[p->n_xt], PS_CHART_LABEL_MAX, k.v[p->n_xt], step, largest);
          widest = MAX (widest, ps_chart_text_width (t, p->xlab[p->n_xt], FALSE));
        }
      if (total <= PS_TICKS_MAX && (p->n_xt < 2 || widest + 1.5 * t->lh <= step / span * p->aw))
        break;
      step = ps_ticks_nice_step (step * 1.5);
    }
}

/* Under the plot: the strip of NaN/Inf marks (the ticks cross it), the tick
 * labels, then the axis' name. */
double
ps_chart_plot_bottom_margin (PsChartText *t)
{
  return PS_CHART_STRIP + 2 + 2 * t->lh + PS_CHART_PAD / 2;
}

/* The plot area and ticks for a width x height widget; x_lo..x_hi, y_lo..y_hi,
 * log_y, top and right are set. */
void
ps_chart_plot_layout (PsChartPlot *p, PsChartText *t, double width, double height)
{
  double label_w = 0, overhang;
  char last[PS_CHART_LABEL_MAX];
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
  p->line = t->emphasis;
  p->ay = p->top + ceil (t->lh / 2);         /* the top label is centred on its tick */
  p->ah = MAX (20, height - p->ay - ps_chart_plot_bottom_margin (t));
  max_n = CLAMP ((int) (p->ah / (2.2 * t->lh)) + 1, 2, PS_TICKS_MAX);
  if (p->log_y)
    ticks_y_log (p, t, max_n);
  else
    ticks_y_linear (p, max_n);
  for (int i = 0; i < p->n_yt; i++)
    label_w = MAX (label_w, ps_chart_text_width (t, p->ylab[i], FALSE));
  p->ax = ceil (PS_CHART_PAD + label_w + PS_CHART_TICK * t->emphasis + 4);
  /* the last step label is centred on its tick: keep room for its right half */
  format_step (last, sizeof last, p->x_hi, 1, MAX (fabs (p->x_lo), fabs (p->x_hi)));
  overhang = ps_chart_text_width (t, last, FALSE) / 2;
  p->aw = MAX (20, floor (width - p->ax - p->right - MAX (PS_CHART_PAD, overhang + 2)));
  ticks_x (p, t);
}

/* Gridlines, under the data. */
void
ps_chart_plot_draw_grid (const PsChartPlot *p, cairo_t *cr, const GdkRGBA *fg)
{
  cairo_save (cr);
  cairo_set_line_width (cr, p->line);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.05 * p->line * fg->alpha);
  for (int i = 0; i < p->n_ym; i++)
    {
      double y = floor (axis_y (p, p->ym[i])) + 0.5;
      cairo_move_to (cr, p->ax, y);
      cairo_line_to (cr, p->ax + p->aw, y);
    }
  cairo_stroke (cr);
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.12 * p->line * fg->alpha);
  for (int i = 0; i < p->n_yt; i++)
    {
      double y = floor (axis_y (p, p->yt[i])) + 0.5;
      cairo_move_to (cr, p->ax, y);
      cairo_line_to (cr, p->ax + p->aw, y);
    }
  for (int i = 0; i < p->n_xt; i++)
    {
      double x = floor (ps_chart_plot_x (p, p->xt[i])) + 0.5;
      cairo_move_to (cr, x, p->ay);
      cairo_line_to (cr, x, p->ay + p->ah);
    }
  cairo_stroke (cr);
  cairo_restore (cr);
}

/* Axis lines, ticks and labels, over the data. */
void
ps_chart_plot_draw_axes (const PsChartPlot *p, cairo_t *cr, PsChartText *t, const char *x_name)
{
  /* Presentation Mode: full-strength axes and labels, thicker lines, longer ticks */
  gboolean strong = t->emphasis > 1;
  GdkRGBA axis = ps_chart_with_alpha (&t->fg, strong ? 0.9 : 0.55);
  GdkRGBA label = ps_chart_with_alpha (&t->fg, strong ? 1.0 : 0.85);
  double left = floor (p->ax) + 0.5, bottom = floor (p->ay + p->ah) + 0.5;
  double tick = PS_CHART_TICK * t->emphasis;

  cairo_save (cr);
  gdk_cairo_set_source_rgba (cr, &axis);
  cairo_set_line_width (cr, t->emphasis);
  cairo_move_to (cr, left, p->ay);
  cairo_line_to (cr, left, bottom);
  cairo_line_to (cr, p->ax + p->aw, bottom);
  for (int i = 0; i < p->n_yt; i++)
    {
      double y = floor (axis_y (p, p->yt[i])) + 0.5;
      cairo_move_to (cr, left - tick, y);
      cairo_line_to (cr, left, y);
    }
  for (int i = 0; i < p->n_xt; i++)
    {
      double x = floor (ps_chart_plot_x (p, p->xt[i])) + 0.5;
      cairo_move_to (cr, x, bottom);
      cairo_line_to (cr, x, bottom + tick);
    }
  cairo_stroke (cr);
  cairo_restore (cr);

  for (int i = 0; i < p->n_yt; i++)
    ps_chart_text_draw (t, cr, p->ylab[i], left - tick - 3,
                        axis_y (p, p->yt[i]) - t->lh / 2, 1, FALSE, 0, &label);
  for (int i = 0; i < p->n_xt; i++)
    ps_chart_text_draw (t, cr, p->xlab[i], ps_chart_plot_x (p, p->xt[i]),
                        bottom + PS_CHART_STRIP + 1.5, 0.5, FALSE, 0, &label);
  label = ps_chart_with_alpha (&t->fg, strong ? 0.9 : 0.6);
  ps_chart_text_draw (t, cr, x_name, p->ax + p->aw / 2, bottom + PS_CHART_STRIP + 1.5 + t->lh, 0.5,
                      FALSE, 0, &label);
}

void
ps_chart_plot_clip (const PsChartPlot *p, cairo_t *cr)
{
  /* a line of width 2 on the edge stays whole */
  cairo_rectangle (cr, p->ax - 2, p->ay - 2, p->aw + 4, p->ah + 4);
  cairo_clip (cr);
}

/* ---- the readout, its mark, the placeholder ------------------------------------------ */

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

void
ps_chart_draw_readout (cairo_t *cr, PsChartText *t, const char *text, double px, double py,
                       double width, double height)
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
draw_crosshair (cairo_t *cr, const PsChartPlot *p, const GdkRGBA *fg, double x, double y,
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

void
ps_chart_draw_mark (cairo_t *cr, const PsChartPlot *p, const GdkRGBA *fg, const PsChartMark *m)
{
  if (m->kind == PS_CHART_MARK_POINT)
    {
      draw_crosshair (cr, p, fg, m->x, m->y, &m->dot);
      return;
    }
  cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.8 * fg->alpha);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, m->rect.origin.x, m->rect.origin.y, m->rect.size.width,
                   m->rect.size.height);
  cairo_stroke (cr);
}

void
ps_chart_draw_placeholder (cairo_t *cr, PsChartText *t, const char *text, double top,
                           double width, double height)
{
  GdkRGBA dim = ps_chart_with_alpha (&t->fg, 0.55);
  ps_chart_text_draw (t, cr, text, width / 2, top + MAX (0, (height - top - t->lh) / 2), 0.5,
                      FALSE, width - 2 * PS_CHART_PAD, &dim);
}

/* ---- a frame ------------------------------------------------------------------------ */

void
ps_chart_frame_layout (PsChartFrame *f, PsChartText *t, double width, double height)
{
  ps_chart_header_layout (&f->header, t, width);
  f->plot.top = f->header.height;
  ps_chart_plot_layout (&f->plot, t, width, height);
}

/* ---- series of log points ----------------------------------------------------------- */

/* Right under the x axis: marks never hide data. */
double
ps_chart_plot_strip_y (const PsChartPlot *p)
{
  return floor (p->ay + p->ah) + 1;
}

/* Red marks in the strip under the steps of the points that saw NaN or Inf,
 * at least 2 px wide. */
void
ps_chart_draw_nonfinite_points (cairo_t *cr, const PsChartPlot *p, const GArray *pts)
{
  gdk_cairo_set_source_rgba (cr, &nonfinite);
  for (guint i = 0; i < pts->len; i++)
    {
      const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, i);
      double x0, x1;
      if (pt->n_nonfinite == 0)
        continue;
      x0 = ps_chart_plot_x (p, pt->step_first - 0.5);
      x1 = ps_chart_plot_x (p, pt->step_last + 0.5);
      if (x1 - x0 < 2)
        {
          x0 = (x0 + x1) / 2 - 1;
          x1 = x0 + 2;
        }
      cairo_rectangle (cr, x0, ps_chart_plot_strip_y (p), x1 - x0, PS_CHART_STRIP);
    }
  cairo_fill (cr);
}

double
ps_chart_point_x (const PsChartPlot *p, const PsLogPoint *pt)
{
  return ps_chart_plot_x (p, (pt->step_first + (double) pt->step_last) / 2);
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
path_points (cairo_t *cr, const PsChartPlot *p, const GArray *pts, guint from, guint to,
             gboolean backwards, PointValue which)
{
  Vertex first = { 0 }, top = { 0 }, bottom = { 0 }, last = { 0 };
  double col = NAN;

  for (guint n = 0; n < to - from; n++)
    {
      const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, backwards ? to - 1 - n : from + n);
      Vertex v = { ps_chart_point_x (p, pt), ps_chart_plot_y (p, point_value (pt, which)), n };
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

/* Data are drawn with cairo's fast antialiasing: cheaper for thousands of
 * short segments, and the same to the eye at these widths. */
void
ps_chart_data_drawing_begin (cairo_t *cr)
{
  cairo_save (cr);
  cairo_set_antialias (cr, CAIRO_ANTIALIAS_FAST);
  cairo_set_line_join (cr, CAIRO_LINE_JOIN_BEVEL);
}

/* The line through the points' means: broken where a point had no finite
 * value; a point alone between breaks is a dot. */
void
ps_chart_draw_mean_line (cairo_t *cr, const PsChartPlot *p, const GArray *pts, const GdkRGBA *c,
                         double width)
{
  guint i = 0;

  ps_chart_data_drawing_begin (cr);
  gdk_cairo_set_source_rgba (cr, c);
  cairo_set_line_width (cr, width * p->line);
  while (i < pts->len)
    {
      guint j = finite_run_end (pts, i);
      if (j == i + 1)
        {
          const PsLogPoint *pt = &g_array_index (pts, PsLogPoint, i);
          cairo_new_sub_path (cr);
          cairo_arc (cr, ps_chart_point_x (p, pt), ps_chart_plot_y (p, pt->mean), width * 1.25, 0,
                     2 * G_PI);
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
void
ps_chart_draw_band (cairo_t *cr, const PsChartPlot *p, const GArray *pts, const GdkRGBA *c)
{
  guint i = 0;

  ps_chart_data_drawing_begin (cr);
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
guint
ps_chart_nearest_point (const GArray *pts, double step)
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
      const PsLogPoint *a = &g_array_index (pts, PsLogPoint, lo - 1);
      const PsLogPoint *b = &g_array_index (pts, PsLogPoint, lo);
      if (step - a->step_last < b->step_first - step)
        return lo - 1;
    }
  return lo;
}

/* "step 12" or "steps 1,024–2,047" for a point. */
void
ps_chart_append_steps (GString *s, const PsLogPoint *pt)
{
  char a[32], b[32];
  ps_chart_format_count (a, sizeof a, pt->step_first);
  if (pt->n == 1)
    g_string_append_printf (s, _("step %s"), a);
  else
    {
      ps_chart_format_count (b, sizeof b, pt->step_last);
      /* TRANSLATORS: a range of training steps, e.g. "steps 1024–2047" */
      g_string_append_printf (s, _("steps %s–%s"), a, b);
    }
}

/* Data extents of a series: x over every point, y over finite values (only
 * the positive ones on a log axis; *clipped tells there were others). */
void
ps_chart_extend_by_points (const GArray *pts, gboolean log_y, gboolean band, double *x_lo,
                           double *x_hi, double *y_lo, double *y_hi, gboolean *clipped)
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
void
ps_chart_plot_finish_ranges (PsChartPlot *p, gboolean clipped)
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

guint64
ps_chart_total_nonfinite (const GArray *pts)
{
  guint64 n = 0;
  for (guint i = 0; i < pts->len; i++)
    n += g_array_index (pts, PsLogPoint, i).n_nonfinite;
  return n;
}

/* A red note; format (from ngettext) has one %s, the count. */
void
ps_chart_header_add_nonfinite_note (PsChartHeader *h, const char *format, guint64 n)
{
  char count[32], text[128];
  ps_chart_format_count (count, sizeof count, n);
  g_snprintf (text, sizeof text, format, count);
  ps_chart_header_add (h, &nonfinite, PS_CHART_SWATCH_NONE, NULL, text);
}
