/* test-charts.c — the loss, gradient-flow and distribution charts, rendered
 * to pixels
 *
 * Runs under Xvfb (see TESTING-GUI.md) with GTK_A11Y=none and
 * GSK_RENDERER=cairo; skips when there is no display.  Each chart is shown
 * in a window of fixed size; the chart alone is rendered (its background is
 * transparent, so what it drew is what is not), and its pixels are checked
 * by hue and opacity against the chart's fixed colours.  Screenshots of the
 * whole window are saved in the working directory (charts-*.png), and the
 * cost of a refresh and a frame with full logs is logged (not asserted).
 * Every case runs on a fixture whose teardown asserts that the chart is
 * finalized once its window is gone.
 */
#include <gtk/gtk.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ps-charts.h"
#include "ps-ui-test-util.h"

/* ---- fixtures ------------------------------------------------------------------ */

/* One chart (of the type the test's data names), a reference of the
 * test's own; the log it shows, freed after it; its window, if shown.
 * Teardown proves that nothing else keeps the chart alive. */
typedef struct
{
  GtkWidget  *chart;
  PsTrainLog *log;
  GtkWidget  *win;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer type)
{
  f->chart = g_object_ref_sink (g_object_new (GPOINTER_TO_SIZE (type), NULL));
}

static void
fixture_teardown (Fixture *f, gconstpointer type)
{
  if (f->win)
    gtk_window_destroy (GTK_WINDOW (f->win));
  g_assert_finalize_object (f->chart);
  g_clear_pointer (&f->log, ps_train_log_free);
}

/* The three charts in a column, each a reference of the test's own. */
typedef struct
{
  GtkWidget  *loss, *flow, *dist;
  PsTrainLog *log;
  GtkWidget  *win;
} Trio;

static void
trio_setup (Trio *f, gconstpointer data)
{
  f->loss = g_object_ref_sink (ps_loss_chart_new ());
  f->flow = g_object_ref_sink (ps_grad_flow_chart_new ());
  f->dist = g_object_ref_sink (ps_dist_chart_new ());
}

static void
trio_teardown (Trio *f, gconstpointer data)
{
  if (f->win)
    gtk_window_destroy (GTK_WINDOW (f->win));
  g_assert_finalize_object (f->loss);
  g_assert_finalize_object (f->flow);
  g_assert_finalize_object (f->dist);
  g_clear_pointer (&f->log, ps_train_log_free);
}

/* ---- pixels ---------------------------------------------------------------------- */

static double
alpha_of (guint32 c)
{
  return (c >> 24) / 255.0;
}

/* The pixel is of colour `want` (unpremultiplied, within tol a channel) and
 * at least min_alpha opaque: antialiased edges over a transparent
 * background keep their hue. */
static gboolean
is_colour (guint32 c, const GdkRGBA *want, double min_alpha, double tol)
{
  double a = alpha_of (c);
  if (a < min_alpha || a == 0)
    return FALSE;
  return fabs (((c >> 16) & 0xff) / 255.0 / a - want->red) <= tol
         && fabs (((c >> 8) & 0xff) / 255.0 / a - want->green) <= tol
         && fabs ((c & 0xff) / 255.0 / a - want->blue) <= tol;
}

static guint32
argb_of (const GdkRGBA *c)
{
  return 0xff000000u | ((guint32) lround (c->red * 255) << 16)
         | ((guint32) lround (c->green * 255) << 8) | (guint32) lround (c->blue * 255);
}

/* Pixels of colour want in the rectangle (x0, y0)-(x1, y1). */
static int
count_colour (const PsTestPixels *p, const GdkRGBA *want, double min_alpha, double x0, double y0,
              double x1, double y1)
{
  int n = 0;
  for (int y = MAX (0, (int) y0); y < MIN (p->height, (int) y1); y++)
    for (int x = MAX (0, (int) x0); x < MIN (p->width, (int) x1); x++)
      n += is_colour (p->px[(gsize) y * p->width + x], want, min_alpha, 0.1);
  return n;
}

/* The mean row of the pixels of colour want in column x (-1 if none). */
static double
row_of_colour (const PsTestPixels *p, const GdkRGBA *want, int x, int y0, int y1)
{
  double sum = 0;
  int n = 0;
  for (int y = MAX (0, y0); y < MIN (p->height, y1); y++)
    if (is_colour (p->px[(gsize) y * p->width + x], want, 0.5, 0.1))
      {
        sum += y;
        n++;
      }
  return n ? sum / n : -1;
}

/* ---- logs ------------------------------------------------------------------------ */

static const char *const names4[] = { "0.weight", "0.bias", "2.weight", "2.bias" };

/* A log of steps first..last with loss f(step) and no gradient norms worth a look. */
static void
add_losses (PsTrainLog *log, guint64 first, guint64 last, double (*f) (guint64))
{
  double g[4] = { 1, 1, 1, 1 };
  for (guint64 s = first; s <= last; s++)
    ps_train_log_add_step (log, s, f (s), g);
}

static double
linear_down (guint64 s)
{
  return 10.0 - s / 100.0;                   /* 9.99 at step 1, 0 at step 1000 */
}

/* ---- loss ---------------------------------------------------------------------- */

/* A decreasing loss runs from the upper left to the lower right of the plot. */
/* Presentation Mode (the style class .ps-presentation on the window, as
 * ps-window-layout.c sets it) draws the loss line thicker: many more of
 * its pixels, in the same place. */
static void
test_presentation_lines (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  GdkRGBA blue;
  PsTestPixels px = { 0 };
  double x0, y0, x1, y1;
  int plain, shown;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  add_losses (log, 1, 1000, linear_down);
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 640, 360);
  ps_test_render (chart, &px);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1, 10, &x0, &y0));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1000, 0, &x1, &y1));
  plain = count_colour (&px, &blue, 0.5, x0, y0 - 4, x1, y1 + 4);
  ps_test_pixels_clear (&px);

  gtk_widget_add_css_class (f->win, "ps-presentation");
  gtk_widget_queue_draw (chart);
  ps_test_render (chart, &px);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1, 10, &x0, &y0));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1000, 0, &x1, &y1));
  shown = count_colour (&px, &blue, 0.5, x0, y0 - 4, x1, y1 + 4);
  ps_test_screenshot (f->win, "charts-loss-presentation.png");
  ps_test_pixels_clear (&px);
  g_test_message ("the loss line: %d px plain, %d px in Presentation Mode", plain, shown);
  g_assert_cmpint (plain, >, 100);
  g_assert_cmpfloat (shown, >=, 1.4 * plain);
}

static void
test_loss_decreasing (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  GdkRGBA blue;
  PsTestPixels px = { 0 };
  double x0, y0, x1, y1, xm, ym;
  g_autofree char *text = NULL;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  add_losses (log, 1, 1000, linear_down);
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 640, 360);
  ps_test_render (chart, &px);

  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1, 10, &x0, &y0));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1000, 0, &x1, &y1));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 500, 5, &xm, &ym));
  g_assert_cmpfloat (x0, <, xm);
  g_assert_cmpfloat (xm, <, x1);
  g_assert_cmpfloat (y0, <, ym);              /* larger losses higher up */
  g_assert_cmpfloat (ym, <, y1);
  g_assert_cmpfloat (x1 - x0, >, 400);          /* the plot takes most of the width */
  g_assert_cmpfloat (y1 - y0, >, 180);
  /* the line: in the upper-left and lower-right quarters, not in the other two */
  g_assert_cmpint (count_colour (&px, &blue, 0.5, x0, y0 - 2, xm - 8, ym - 8), >, 100);
  g_assert_cmpint (count_colour (&px, &blue, 0.5, xm + 8, ym + 8, x1, y1 + 2), >, 100);
  g_assert_cmpint (count_colour (&px, &blue, 0.1, xm + 8, y0 - 2, x1, ym - 8), ==, 0);
  g_assert_cmpint (count_colour (&px, &blue, 0.1, x0, ym + 8, xm - 8, y1 + 2), ==, 0);
  /* and through the point of step 500 */
  g_assert_cmpint (count_colour (&px, &blue, 0.5, xm - 2, ym - 2, xm + 3, ym + 3), >, 0);

  /* the readout names the step and its loss */
  text = ps_chart_describe_at (PS_CHART (chart), xm, ym + 30);
  g_assert_cmpstr (text, ==, "step 500\nloss 5");
  g_clear_pointer (&text, g_free);
  g_assert_null (ps_chart_describe_at (PS_CHART (chart), 2, 2));

  ps_test_screenshot (f->win, "charts-loss.png");

  /* hovering: a dot on the point under the pointer and the readout beside it */
  ps_test_hover (chart, xm, ym + 30);
  ps_test_pixels_clear (&px);
  ps_test_render (chart, &px);
  g_assert_cmpint (count_colour (&px, &blue, 0.95, xm - 3, ym - 3, xm + 4, ym + 4), >, 12);
  ps_test_screenshot (f->win, "charts-loss-hover.png");
  ps_test_hover (chart, -1, -1);
  ps_test_pixels_clear (&px);
}

static double
noisy (guint64 s)
{
  return 5.0 * exp (-(double) s / 1500.0) + (s % 2 ? 0.6 : 0.0) + (s % 7 == 0 ? 0.5 : 0.0);
}

/* More steps than points: each point covers several steps and the band
 * from their min to their max shows around the mean. */
static void
test_loss_band (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  GtkWidget *chart = f->chart;
  GdkRGBA blue;
  PsTestPixels px = { 0 };
  int band = 0, line = 0;
  double x, y;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  add_losses (log, 1, 6000, noisy);
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (g_array_index (pts, PsLogPoint, 0).n, >, 1);
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 640, 360);
  ps_test_render (chart, &px);
  /* in the column of step 3500 (off the gridlines): the band, about 22% opaque, around the line */
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 3500, 0, &x, &y));
  for (int r = 0; r < px.height; r++)
    {
      guint32 c = ps_test_pixel_at (&px, x, r);
      band += is_colour (c, &blue, 0.15, 0.1) && alpha_of (c) < 0.35;
      line += is_colour (c, &blue, 0.9, 0.1);
    }
  ps_test_screenshot (f->win, "charts-loss-band.png");
  g_assert_cmpint (band, >=, 10);
  g_assert_cmpint (line, >=, 2);
  ps_test_pixels_clear (&px);
}

static void
count_notify (GObject *object, GParamSpec *pspec, int *n)
{
  (*n)++;
}

static double
decades (guint64 s)
{
  return s <= 100 ? 100 : s <= 200 ? 10 : s <= 300 ? 1 : s == 301 ? 0 : 1;
}

/* On a log axis 100, 10 and 1 are equally far apart; on a linear one they
 * are not.  A zero is drawn on the bottom edge, a NaN marked in red. */
static void
test_loss_log_scale (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  GdkRGBA blue, red;
  PsTestPixels px = { 0 };
  double x50, x150, x250, x120, x301, y, bottom, r100, r10, r1;
  double g[4] = { 1, 1, 1, 1 };
  int notified = 0;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  ps_chart_get_color (PS_CHART_COLOR_NONFINITE, &red);
  add_losses (log, 1, 119, decades);
  ps_train_log_add_step (log, 120, NAN, g);
  add_losses (log, 121, 330, decades);
  ps_chart_set_log (PS_CHART (chart), log);
  g_signal_connect (chart, "notify::log-scale", G_CALLBACK (count_notify), &notified);
  g_object_set (chart, "log-scale", TRUE, NULL);
  g_object_set (chart, "log-scale", TRUE, NULL);
  g_assert_cmpint (notified, ==, 1);
  f->win = ps_test_window_with (chart, 640, 420);
  ps_test_render (chart, &px);

  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 50, 100, &x50, &y));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 150, 10, &x150, &y));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 250, 1, &x250, &y));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 120, 1, &x120, &y));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 301, 0, &x301, &bottom));
  /* the rows where the curve is drawn, measured */
  r100 = row_of_colour (&px, &blue, (int) x50, 0, px.height);
  r10 = row_of_colour (&px, &blue, (int) x150, 0, px.height);
  r1 = row_of_colour (&px, &blue, (int) x250, 0, px.height);
  g_test_message ("log rows: 100 at %.1f, 10 at %.1f, 1 at %.1f", r100, r10, r1);
  g_assert_cmpfloat (r100, >=, 0);
  g_assert_cmpfloat (r10 - r100, >, 40);
  g_assert_cmpfloat (fabs ((r1 - r10) - (r10 - r100)), <=, 1.5);
  /* the zero at step 301 goes to the bottom edge (a dip down to it) */
  g_assert_cmpint (count_colour (&px, &blue, 0.5, x301 - 3, bottom - 3, x301 + 4, bottom + 2), >, 0);
  /* the NaN at step 120: a red mark under the axis, and none elsewhere */
  g_assert_cmpint (count_colour (&px, &red, 0.9, x120 - 2, bottom, x120 + 3, bottom + 8), >, 4);
  g_assert_cmpint (count_colour (&px, &red, 0.5, x50 - 20, bottom, x50 + 20, bottom + 8), ==, 0);
  ps_test_screenshot (f->win, "charts-loss-log.png");
  ps_test_pixels_clear (&px);

  /* linear: 1 and 10 nearly together, 100 far above */
  ps_chart_set_log_scale (PS_CHART (chart), FALSE);
  g_assert_cmpint (notified, ==, 2);
  ps_test_render (chart, &px);
  r100 = row_of_colour (&px, &blue, (int) x50, 0, px.height);
  r10 = row_of_colour (&px, &blue, (int) x150, 0, px.height);
  r1 = row_of_colour (&px, &blue, (int) x250, 0, px.height);
  g_test_message ("linear rows: 100 at %.1f, 10 at %.1f, 1 at %.1f", r100, r10, r1);
  g_assert_cmpfloat ((r1 - r10) * 5, <, r10 - r100);
  ps_test_screenshot (f->win, "charts-loss-linear.png");
  ps_test_pixels_clear (&px);
}

/* A flat loss (a run at learning rate 0): each point a value and the next
 * double above it, as float sums give.  Linear and log axes draw it as a
 * level line across the middle of the plot, with ticks around its value. */
static double
flat (guint64 s)
{
  return s % 2 ? 0.6931471805599453 : nextafter (0.6931471805599453, 1.0);
}

static void
test_loss_flat (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  GdkRGBA blue;
  PsTestPixels px = { 0 };
  double x_a, x_b, y_a, y_b, r_a, r_b;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  add_losses (log, 1, 400, flat);
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 640, 420);
  for (int log_scale = 1; log_scale >= 0; log_scale--)
    {
      ps_chart_set_log_scale (PS_CHART (chart), log_scale);
      ps_test_render (chart, &px);
      g_assert_true (ps_chart_to_widget (PS_CHART (chart), 50, flat (50), &x_a, &y_a));
      g_assert_true (ps_chart_to_widget (PS_CHART (chart), 350, flat (351), &x_b, &y_b));
      g_assert_true (isfinite (y_a) && isfinite (y_b));
      /* level, and well inside the plot: the axis was widened around the value */
      g_assert_cmpfloat (fabs (y_a - y_b), <, 0.5);
      g_assert_cmpfloat (y_a, >, 40);
      g_assert_cmpfloat (y_a, <, px.height - 60);
      r_a = row_of_colour (&px, &blue, (int) x_a, 0, px.height);
      r_b = row_of_colour (&px, &blue, (int) x_b, 0, px.height);
      g_assert_cmpfloat (r_a, >=, 0);
      g_assert_cmpfloat (fabs (r_a - r_b), <=, 1);
      ps_test_screenshot (f->win, log_scale ? "charts-loss-flat-log.png" : "charts-loss-flat-linear.png");
      ps_test_pixels_clear (&px);
    }
}

static double
higher (guint64 s)
{
  return 12.0 - s / 200.0;
}

/* The previous run is drawn in its own colour, faint, behind this run. */
static void
test_loss_previous (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  g_autoptr (PsTrainLog) before = ps_train_log_new (4, names4, 1);
  g_autoptr (GArray) prev = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  GtkWidget *chart = f->chart;
  GdkRGBA blue, orange;
  PsTestPixels px = { 0 };
  double x0, y0, x1, y1, xp, yp;
  int faint = 0, strong = 0;
  g_autofree char *text = NULL;

  ps_chart_get_color (PS_CHART_COLOR_LOSS, &blue);
  ps_chart_get_color (PS_CHART_COLOR_PREVIOUS, &orange);
  add_losses (before, 1, 1200, higher);
  ps_train_log_copy_loss (before, prev);
  add_losses (log, 1, 800, linear_down);
  ps_chart_set_log (PS_CHART (chart), log);
  ps_loss_chart_set_previous (PS_LOSS_CHART (chart), prev);
  g_array_set_size (prev, 0);                      /* the chart keeps its own copy */
  f->win = ps_test_window_with (chart, 640, 360);
  ps_test_render (chart, &px);

  /* the x axis reaches the end of the longer, previous run */
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1, 12, &x0, &y0));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1200, 6, &x1, &y1));
  g_assert_cmpfloat (x1 - x0, >, 400);
  /* along the previous run: orange, half opaque at most; this run stays blue */
  for (guint64 s = 100; s <= 1100; s += 100)
    {
      g_assert_true (ps_chart_to_widget (PS_CHART (chart), s, higher (s), &xp, &yp));
      for (int dy = -4; dy <= 4; dy++)
        {
          guint32 c = ps_test_pixel_at (&px, xp, yp + dy);
          faint += is_colour (c, &orange, 0.2, 0.1) && alpha_of (c) <= 0.6;
          strong += is_colour (c, &orange, 0.7, 0.1);
        }
    }
  g_assert_cmpint (faint, >=, 10);
  g_assert_cmpint (strong, ==, 0);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 400, linear_down (400), &xp, &yp));
  g_assert_cmpint (count_colour (&px, &blue, 0.9, xp - 2, yp - 2, xp + 3, yp + 3), >, 0);
  text = ps_chart_describe_at (PS_CHART (chart), xp, yp);
  g_assert_nonnull (strstr (text, "previous run 10"));
  ps_test_screenshot (f->win, "charts-loss-previous.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  ps_test_hover (chart, xp, yp);
  ps_test_screenshot (f->win, "charts-loss-previous-dark.png");
  ps_test_hover (chart, -1, -1);
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
  ps_test_pixels_clear (&px);

  /* removed: no orange left in the plot */
  ps_loss_chart_set_previous (PS_LOSS_CHART (chart), NULL);
  ps_test_render (chart, &px);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 1, 10, &x0, &y0));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 800, 2, &x1, &y1));
  g_assert_cmpint (count_colour (&px, &orange, 0.2, x0, y0 - 40, x1, y1 + 10), ==, 0);
  ps_test_pixels_clear (&px);
}

/* refresh() copies only what changed; without it the chart keeps its copy;
 * a cleared log (a new run) empties it. */
static void
test_loss_refresh (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  PsTestPixels px = { 0 };
  double x, y;
  g_autofree char *text = NULL;
  int visible = 0;

  f->win = ps_test_window_with (chart, 480, 300);
  g_assert_false (ps_chart_to_widget (PS_CHART (chart), 1, 1, &x, &y));
  add_losses (log, 1, 10, linear_down);
  ps_chart_set_log (PS_CHART (chart), log);
  add_losses (log, 11, 20, linear_down);
  ps_test_wait_frame (chart);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 10, 9.9, &x, &y));
  text = ps_chart_describe_at (PS_CHART (chart), x, y);
  g_assert_cmpstr (text, ==, "step 10\nloss 9.9");    /* the copy ends at step 10 */
  g_clear_pointer (&text, g_free);
  ps_chart_refresh (PS_CHART (chart));
  ps_test_wait_frame (chart);
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 20, 9.8, &x, &y));
  text = ps_chart_describe_at (PS_CHART (chart), x, y);
  g_assert_nonnull (strstr (text, "step 20"));
  g_clear_pointer (&text, g_free);

  ps_train_log_clear (log);
  ps_chart_refresh (PS_CHART (chart));
  g_assert_false (ps_chart_to_widget (PS_CHART (chart), 1, 1, &x, &y));
  ps_test_render (chart, &px);
  for (int i = 0; i < px.width * px.height; i++)
    visible += px.px[i] >> 24 != 0;
  g_assert_cmpint (visible, >, 100);                   /* title and placeholder text */
  ps_test_screenshot (f->win, "charts-loss-empty.png");
  ps_test_pixels_clear (&px);

  ps_chart_set_log (PS_CHART (chart), NULL);
  ps_chart_refresh (PS_CHART (chart));
  g_assert_null (ps_chart_describe_at (PS_CHART (chart), 100, 100));
}

/* ---- gradient flow ----------------------------------------------------------------- */

static void
flow_norms (guint64 s, double *g)
{
  g[0] = 1.0 + 0.2 * sin (s / 30.0);                  /* learns */
  g[1] = 0.01;
  g[2] = 1e-2 * exp (-(double) s / 80.0);             /* vanishes */
  g[3] = 10.0 * (1 + 0.1 * cos (s / 50.0));
}

static PsTrainLog *
flow_log (guint64 steps)
{
  PsTrainLog *log = ps_train_log_new (4, names4, 1);
  for (guint64 s = 1; s <= steps; s++)
    {
      double g[4];
      flow_norms (s, g);
      ps_train_log_add_step (log, s, 1.0, g);
    }
  return log;
}

static void
test_grad_flow (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = flow_log (500);
  GtkWidget *chart = f->chart;
  PsTestPixels px = { 0 };
  GdkRGBA col[4];
  double x, y, g[4];
  g_autofree char *text = NULL;

  ps_chart_set_log (PS_CHART (chart), log);
  g_assert_true (ps_chart_get_log_scale (PS_CHART (chart)));
  g_assert_cmpint (ps_grad_flow_chart_get_highlight (PS_GRAD_FLOW_CHART (chart)), ==, -1);
  f->win = ps_test_window_with (chart, 720, 380);
  ps_test_render (chart, &px);

  /* distinct colours; each legend swatch is exactly its colour, opaque */
  for (guint i = 0; i < 4; i++)
    {
      graphene_rect_t r;
      ps_chart_get_palette_color (i, &col[i]);
      for (guint j = 0; j < i; j++)
        g_assert_false (gdk_rgba_equal (&col[i], &col[j]));
      g_assert_true (ps_grad_flow_chart_get_legend_rect (PS_GRAD_FLOW_CHART (chart), i, &r));
      g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + 6, r.origin.y + r.size.height / 2), ==,
                       argb_of (&col[i]));
    }
  /* each line in its colour where its norm is, at a few steps */
  flow_norms (60, g);
  for (guint i = 0; i < 4; i++)
    {
      g_assert_true (ps_chart_to_widget (PS_CHART (chart), 60, g[i], &x, &y));
      g_assert_cmpint (count_colour (&px, &col[i], 0.9, x - 2, y - 2, x + 3, y + 3), >, 0);
    }
  /* log axis: 10, 1 and 0.01 spaced by their decades */
  {
    double y10, y1, y001;
    ps_chart_to_widget (PS_CHART (chart), 1, 10, &x, &y10);
    ps_chart_to_widget (PS_CHART (chart), 1, 1, &x, &y1);
    ps_chart_to_widget (PS_CHART (chart), 1, 0.01, &x, &y001);
    g_assert_cmpfloat (fabs ((y001 - y1) - 2 * (y1 - y10)), <, 0.01);
  }
  /* the readout names the parameter whose line is nearest */
  flow_norms (250, g);
  ps_chart_to_widget (PS_CHART (chart), 250, g[3], &x, &y);
  text = ps_chart_describe_at (PS_CHART (chart), x, y + 3);
  g_assert_nonnull (strstr (text, "step 250"));
  g_assert_nonnull (strstr (text, "2.bias: gradient norm"));
  ps_test_screenshot (f->win, "charts-grad-flow.png");
  ps_test_hover (chart, x, y + 3);
  ps_test_screenshot (f->win, "charts-grad-flow-hover.png");
  ps_test_hover (chart, -1, -1);
  ps_test_pixels_clear (&px);

  /* highlight 2.weight: only its line keeps its full colour */
  ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (chart), 2);
  ps_test_render (chart, &px);
  flow_norms (60, g);
  for (guint i = 0; i < 4; i++)
    {
      int opaque = 0;
      for (int k = 0; k < px.width * px.height; k++)
        opaque += px.px[k] == argb_of (&col[i]);
      ps_chart_to_widget (PS_CHART (chart), 60, g[i], &x, &y);
      if (i == 2)
        {
          g_assert_cmpint (opaque, >, 50);
          g_assert_cmpint (count_colour (&px, &col[i], 0.95, x - 2, y - 2, x + 3, y + 3), >, 0);
        }
      else
        {
          g_assert_cmpint (opaque, ==, 0);
          g_assert_cmpint (count_colour (&px, &col[i], 0.5, x - 2, y - 2, x + 3, y + 3), ==, 0);
          g_assert_cmpint (count_colour (&px, &col[i], 0.1, x - 2, y - 2, x + 3, y + 3), >, 0);
        }
    }
  ps_test_screenshot (f->win, "charts-grad-flow-highlight.png");
  ps_test_pixels_clear (&px);
}

/* Many parameters: two rounds of colours (the second dashed), the legend in
 * columns, long names ellipsized; and a parameter without gradient. */
static void
test_grad_flow_many (Fixture *f, gconstpointer type)
{
  char *names[14];
  PsTrainLog *log;
  GtkWidget *chart = f->chart;
  graphene_rect_t a, b;

  for (int i = 0; i < 14; i++)
    names[i] = g_strdup_printf ("0.block %d.%d.%s", i / 4, i % 4, i % 2 ? "bias" : "weight");
  log = f->log = ps_train_log_new (14, (const char *const *) names, 1);
  for (int i = 0; i < 14; i++)
    g_free (names[i]);                       /* the log keeps copies */
  for (guint64 s = 1; s <= 3000; s++)
    {
      double g[14];
      for (int i = 0; i < 14; i++)
        g[i] = i == 13 ? NAN : pow (10, -i / 3.0) * (1 + 0.3 * sin (s / (40.0 + i)));
      if (s == 2000)
        g[4] = INFINITY;
      ps_train_log_add_step (log, s, 1.0, g);
    }
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 900, 340);
  g_assert_true (ps_grad_flow_chart_get_legend_rect (PS_GRAD_FLOW_CHART (chart), 0, &a));
  g_assert_true (ps_grad_flow_chart_get_legend_rect (PS_GRAD_FLOW_CHART (chart), 13, &b));
  g_assert_cmpfloat (b.origin.x + b.size.width, <=, gtk_widget_get_width (chart));
  g_assert_cmpfloat (b.origin.y + b.size.height, <=, gtk_widget_get_height (chart));
  g_assert_false (ps_grad_flow_chart_get_legend_rect (PS_GRAD_FLOW_CHART (chart), 14, &b));
  ps_test_screenshot (f->win, "charts-grad-flow-many.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  ps_test_screenshot (f->win, "charts-grad-flow-many-dark.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
}

/* ---- distributions -------------------------------------------------------------------- */

/* 1002 values in [0, 1]: `low` of them 0.01, the rest but two 0.95, plus 0 and 1. */
static void
fill_two_clusters (float *x, int low)
{
  x[0] = 0.f;
  x[1] = 1.f;
  for (int i = 2; i < 1002; i++)
    x[i] = i - 2 < low ? 0.01f : 0.95f;
}

static void
test_dist (Fixture *f, gconstpointer type)
{
  PsTrainLog *log = f->log = ps_train_log_new (4, names4, 10);
  GtkWidget *chart = f->chart;
  GdkRGBA blue, red;
  PsTestPixels px = { 0 };
  float x[1003];
  double g[4] = { 1, 1, 1, 1 }, xx, x10, x20, x30, y, ylow, yhigh, yempty;
  double e45, e46;
  g_autofree char *text = NULL;

  ps_chart_get_color (PS_CHART_COLOR_VALUES, &blue);
  ps_chart_get_color (PS_CHART_COLOR_NONFINITE, &red);
  for (guint64 s = 1; s <= 30; s++)
    {
      ps_train_log_add_step (log, s, 1.0, g);
      if (!ps_train_log_wants_hist (log, s))
        continue;
      if (s == 10)
        fill_two_clusters (x, 900);         /* mostly low */
      else if (s == 20)
        fill_two_clusters (x, 100);         /* mostly high */
      else
        for (int i = 0; i < 1002; i++)
          x[i] = 0.5f;                      /* all equal */
      x[1002] = NAN;
      ps_train_log_add_hist (log, s, 1, FALSE, x, s == 20 ? 1003 : 1002);
    }
  ps_dist_chart_set_param (PS_DIST_CHART (chart), 1, FALSE);
  ps_chart_set_log (PS_CHART (chart), log);
  f->win = ps_test_window_with (chart, 640, 460);
  ps_test_render (chart, &px);

  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 10, 0.01, &x10, &ylow));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 20, 0.95, &x20, &yhigh));
  g_assert_true (ps_chart_to_widget (PS_CHART (chart), 30, 0.3, &x30, &yempty));
  /* more counts, more intense: 901 of 1002 at step 10 against 101 at step 20 */
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x10 + 3, ylow - 1)), >, 0.95);
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x20 + 3, ylow - 1)), <, 0.2);
  g_assert_true (is_colour (ps_test_pixel_at (&px, x20 + 3, ylow - 1), &blue, 0.05, 0.15));
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x20 + 3, yhigh)), >, 0.95);
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x10 + 3, yhigh)), <, 0.2);
  /* proportional above the 10% floor: 101 / 900 */
  g_assert_cmpfloat (fabs (alpha_of (ps_test_pixel_at (&px, x20 + 3, ylow - 1)) - 101.0 / 900), <, 0.01);
  /* empty bins are background */
  g_assert_cmphex (ps_test_pixel_at (&px, x10 + 3, yempty), ==, 0);
  g_assert_cmphex (ps_test_pixel_at (&px, x20 + 3, yempty), ==, 0);
  /* a bin is drawn over exactly its interval: bin 45 holds 0.95, 44 and 46 are empty */
  ps_chart_to_widget (PS_CHART (chart), 20, 45.0 / 48, &xx, &e45);
  ps_chart_to_widget (PS_CHART (chart), 20, 46.0 / 48, &xx, &e46);
  g_assert_cmpfloat (e45 - e46, >, 5);
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x20 + 3, e46 + 1.5)), >, 0.95);
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x20 + 3, e45 - 1.5)), >, 0.95);
  g_assert_cmphex (ps_test_pixel_at (&px, x20 + 3, e46 - 1.5), ==, 0);
  g_assert_cmphex (ps_test_pixel_at (&px, x20 + 3, e45 + 1.5), ==, 0);
  /* all equal at step 30: a thin opaque band at 0.5 */
  ps_chart_to_widget (PS_CHART (chart), 30, 0.5, &xx, &y);
  g_assert_cmpfloat (alpha_of (ps_test_pixel_at (&px, x30 + 3, y)), >, 0.95);
  g_assert_cmphex (ps_test_pixel_at (&px, x30 + 3, y - 5), ==, 0);
  /* the NaN at step 20: its column flagged red at the bottom */
  {
    double bottom;
    ps_chart_to_widget (PS_CHART (chart), 20, 0, &xx, &bottom);
    g_assert_true (is_colour (ps_test_pixel_at (&px, x20 + 3, bottom + 4), &red, 0.9, 0.05));
    g_assert_false (is_colour (ps_test_pixel_at (&px, x10 + 3, bottom + 4), &red, 0.5, 0.2));
  }
  /* the readout: step, bin and count */
  text = ps_chart_describe_at (PS_CHART (chart), x10 + 3, ylow - 1);
  g_assert_nonnull (strstr (text, "step 10"));
  g_assert_nonnull (strstr (text, ": 901 of 1002 values"));
  g_assert_nonnull (strstr (text, "\nmean 0.1048, min 0, max 1"));
  g_clear_pointer (&text, g_free);
  text = ps_chart_describe_at (PS_CHART (chart), x20 + 3, yempty);
  g_assert_nonnull (strstr (text, "NaN 1"));
  ps_test_screenshot (f->win, "charts-dist.png");
  ps_test_hover (chart, x20 + 3, yhigh);
  ps_test_screenshot (f->win, "charts-dist-hover.png");
  ps_test_hover (chart, -1, -1);
  ps_test_pixels_clear (&px);

  /* the gradient was never recorded; a parameter that does not exist */
  ps_dist_chart_set_param (PS_DIST_CHART (chart), 1, TRUE);
  g_assert_true (ps_dist_chart_get_grad (PS_DIST_CHART (chart)));
  g_assert_false (ps_chart_to_widget (PS_CHART (chart), 10, 0, &xx, &y));
  ps_dist_chart_set_param (PS_DIST_CHART (chart), 9, FALSE);
  g_assert_cmpuint (ps_dist_chart_get_param (PS_DIST_CHART (chart)), ==, 9);
  g_assert_false (ps_chart_to_widget (PS_CHART (chart), 10, 0, &xx, &y));
  ps_test_screenshot (f->win, "charts-dist-none.png");
}

/* A realistic run: weights spreading out from a uniform initialization, 256
 * histograms after thinning. */
static void
test_dist_run (Fixture *f, gconstpointer type)
{
  PsTrainLog *run = f->log = ps_train_log_new (4, names4, 1);
  GtkWidget *chart = f->chart;
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  float x[2048];
  double g[4] = { 1, 1, 1, 1 };
  guint32 state = 1;

  for (guint64 s = 0; s <= 4000; s++)
    {
      if (s > 0)
        ps_train_log_add_step (run, s, 1.0, g);
      if (!ps_train_log_wants_hist (run, s))
        continue;
      for (int i = 0; i < 2048; i++)
        {
          double u1, u2;
          state = state * 1664525u + 1013904223u;
          u1 = (state >> 8) / 16777216.0 + 1e-9;
          state = state * 1664525u + 1013904223u;
          u2 = (state >> 8) / 16777216.0;
          /* from U(-0.5, 0.5) towards N(0.2, 0.1 + s / 8000) */
          x[i] = (float) ((1 - s / 4000.0) * (u2 - 0.5)
                          + (s / 4000.0) * (0.2 + (0.1 + s / 8000.0) * sqrt (-2 * log (u1)) * cos (2 * G_PI * u2)));
        }
      ps_train_log_add_hist (run, s, 0, TRUE, x, 2048);
    }
  ps_train_log_copy_hists (run, 0, TRUE, hs);
  g_assert_cmpuint (hs->len, >, 128);
  ps_chart_set_log (PS_CHART (chart), run);
  ps_dist_chart_set_param (PS_DIST_CHART (chart), 0, TRUE);
  f->win = ps_test_window_with (chart, 720, 400);
  ps_test_screenshot (f->win, "charts-dist-run.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  ps_test_screenshot (f->win, "charts-dist-run-dark.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
}

/* ---- cost with full logs ------------------------------------------------------------------ */

/* A full log: 8 parameters, 2048 points a series (4096 steps, merged once),
 * 256 histograms a series. */
static PsTrainLog *
full_log (void)
{
  static const char *const names[] = { "0.weight", "0.bias", "2.weight", "2.bias",
                                       "4.weight", "4.bias", "6.weight", "6.bias" };
  PsTrainLog *log = ps_train_log_new (8, names, 1);
  float x[4096];

  for (guint64 s = 1; s <= 4096; s++)
    {
      double g[8];
      for (int i = 0; i < 8; i++)
        g[i] = pow (10, -i / 2.0) * (1 + 0.3 * sin (s / (20.0 + i)));
      ps_train_log_add_step (log, s, 2.0 * exp (-(double) s / 900) + 0.05 * sin (s / 3.0), g);
      if (ps_train_log_wants_hist (log, s))
        for (guint p = 0; p < 8; p++)
          {
            for (int i = 0; i < 4096; i++)
              x[i] = (float) sin (i * 0.37 + s * 0.01 + p) * (1 + s / 4096.0);
            ps_train_log_add_hist (log, s, p, FALSE, x, 4096);
            ps_train_log_add_hist (log, s, p, TRUE, x, 4096);
          }
    }
  return log;
}

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* Medians of n timings of a refresh (after one new step), the snapshot
 * (the chart's drawing code) and its rasterization by the window's renderer. */
static void
measure (GtkWidget *chart, PsTrainLog *log, void (*refresh) (GtkWidget *), const char *what)
{
  enum { N = 15 };
  GskRenderer *r = gtk_native_get_renderer (gtk_widget_get_native (chart));
  int width = gtk_widget_get_width (chart), height = gtk_widget_get_height (chart);
  double t_refresh[N], t_snap[N], t_render[N];
  double g[8] = { 1, 1, 1, 1, 1, 1, 1, 1 };

  for (int i = 0; i < N; i++)
    {
      GtkSnapshot *s;
      GskRenderNode *node;
      GdkTexture *tex;
      gint64 t0, t1, t2, t3;

      ps_train_log_add_step (log, ps_train_log_get_last_step (log) + 1, 0.1, g);
      t0 = g_get_monotonic_time ();
      refresh (chart);
      t1 = g_get_monotonic_time ();
      s = gtk_snapshot_new ();
      GTK_WIDGET_GET_CLASS (chart)->snapshot (chart, s);
      node = gtk_snapshot_free_to_node (s);
      t2 = g_get_monotonic_time ();
      tex = gsk_renderer_render_texture (r, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
      t3 = g_get_monotonic_time ();
      g_object_unref (tex);
      gsk_render_node_unref (node);
      t_refresh[i] = (t1 - t0) / 1000.0;
      t_snap[i] = (t2 - t1) / 1000.0;
      t_render[i] = (t3 - t2) / 1000.0;
    }
  qsort (t_refresh, N, sizeof (double), cmp_double);
  qsort (t_snap, N, sizeof (double), cmp_double);
  qsort (t_render, N, sizeof (double), cmp_double);
  g_test_message ("%s, %dx%d: refresh %.3f ms, snapshot %.2f ms, rasterization %.2f ms "
                  "(medians of %d)", what, width, height, t_refresh[N / 2], t_snap[N / 2],
                  t_render[N / 2], N);
}

static void
refresh_loss (GtkWidget *w)
{
  ps_chart_refresh (PS_CHART (w));
}

static void
refresh_flow (GtkWidget *w)
{
  ps_chart_refresh (PS_CHART (w));
}

static void
refresh_dist (GtkWidget *w)
{
  ps_chart_refresh (PS_CHART (w));
}

static void
test_cost (Trio *f, gconstpointer data)
{
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  PsTrainLog *log = f->log = full_log ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);

  ps_train_log_copy_grad_norm (log, 7, pts);
  g_assert_cmpuint (pts->len, ==, PS_LOG_MAX_POINTS);
  ps_train_log_copy_hists (log, 7, TRUE, hs);
  g_assert_cmpuint (hs->len, ==, PS_LOG_MAX_HISTS);
  gtk_widget_set_vexpand (f->loss, TRUE);
  gtk_widget_set_vexpand (f->flow, TRUE);
  gtk_widget_set_vexpand (f->dist, TRUE);
  gtk_box_append (GTK_BOX (box), f->loss);
  gtk_box_append (GTK_BOX (box), f->flow);
  gtk_box_append (GTK_BOX (box), f->dist);
  ps_chart_set_log (PS_CHART (f->loss), log);
  ps_chart_set_log (PS_CHART (f->flow), log);
  ps_chart_set_log (PS_CHART (f->dist), log);
  ps_dist_chart_set_param (PS_DIST_CHART (f->dist), 2, FALSE);
  f->win = ps_test_window_with (box, 1000, 1050);
  ps_test_screenshot (f->win, "charts-full.png");
  measure (f->loss, log, refresh_loss, "loss chart, 2048 points");
  measure (f->flow, log, refresh_flow, "gradient flow, 8 x 2048 points");
  measure (f->dist, log, refresh_dist, "distributions, 256 histograms");
}

/* An image to assistive technologies, with a name. */
static void
test_accessible (Fixture *f, gconstpointer type)
{
  g_assert_true (PS_IS_CHART (f->chart));
  g_assert_cmpint (gtk_accessible_get_accessible_role (GTK_ACCESSIBLE (f->chart)), ==,
                   GTK_ACCESSIBLE_ROLE_IMG);
}

/* What every chart does alike, through the base's API: nothing to hit
 * without a log or with an empty one, the same answers as the chart's own
 * functions once there are data, nothing again once the log is gone. */
static void
test_base (Fixture *f, gconstpointer type)
{
  PsChart *chart = PS_CHART (f->chart);
  float values[4] = { -1.f, 0.f, 0.5f, 1.f };
  double g[4] = { 1, 0.5, 0.25, 0.125 }, x = -1, y = -1, x2, y2;
  PsTestPixels px = { 0 };
  int visible = 0;

  f->win = ps_test_window_with (f->chart, 480, 300);
  g_assert_false (ps_chart_to_widget (chart, 1, 1, &x, &y));
  g_assert_null (ps_chart_describe_at (chart, 240, 150));
  /* the title and the placeholder are drawn */
  ps_test_render (f->chart, &px);
  for (int i = 0; i < px.width * px.height; i++)
    visible += px.px[i] >> 24 != 0;
  g_assert_cmpint (visible, >, 100);
  ps_test_pixels_clear (&px);

  f->log = ps_train_log_new (4, names4, 1);
  ps_chart_set_log (chart, f->log);
  if (PS_IS_DIST_CHART (chart))
    ps_dist_chart_set_param (PS_DIST_CHART (chart), 0, FALSE);
  g_assert_false (ps_chart_to_widget (chart, 1, 1, &x, &y));
  for (guint64 s = 1; s <= 10; s++)
    {
      ps_train_log_add_step (f->log, s, 2.0 / s, g);
      ps_train_log_add_hist (f->log, s, 0, FALSE, values, 4);
    }
  g_assert_false (ps_chart_to_widget (chart, 1, 1, &x, &y));     /* not refreshed yet */
  ps_chart_refresh (chart);
  ps_test_wait_frame (f->chart);
  g_assert_true (ps_chart_to_widget (chart, 5, 0.5, &x, &y));
  g_assert_cmpfloat (x, >, 0);
  g_assert_cmpfloat (x, <, gtk_widget_get_width (f->chart));
  g_assert_cmpfloat (y, >, 0);
  g_assert_cmpfloat (y, <, gtk_widget_get_height (f->chart));
  /* a second hit test at the same size lands on the same pixel */
  g_assert_true (ps_chart_to_widget (chart, 5, 0.5, &x2, &y2));
  g_assert_cmpfloat (x, ==, x2);
  g_assert_cmpfloat (y, ==, y2);
  {
    g_autofree char *text = ps_chart_describe_at (chart, x, y);
    g_assert_nonnull (text);
    g_assert_nonnull (strstr (text, "step 5"));
  }

  ps_chart_set_log (chart, NULL);
  g_assert_false (ps_chart_to_widget (chart, 5, 0.5, &x, &y));
  g_assert_null (ps_chart_describe_at (chart, x2, y2));
}

static void
skip_no_display (void)
{
  g_test_skip ("no display");
}

int
main (int argc, char **argv)
{
  gconstpointer loss, flow, dist;

  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      /* one skipped case, so TAP and meson report SKIP rather than nothing */
      g_test_add_func ("/ui/charts/no-display", skip_no_display);
      return g_test_run ();
    }
  loss = GSIZE_TO_POINTER (PS_TYPE_LOSS_CHART);
  flow = GSIZE_TO_POINTER (PS_TYPE_GRAD_FLOW_CHART);
  dist = GSIZE_TO_POINTER (PS_TYPE_DIST_CHART);

#define ADD(path, type, fn) g_test_add (path, Fixture, type, fixture_setup, fn, fixture_teardown)
  ADD ("/ui/charts/loss-decreasing", loss, test_loss_decreasing);
  ADD ("/ui/charts/presentation-lines", loss, test_presentation_lines);
  ADD ("/ui/charts/loss-band", loss, test_loss_band);
  ADD ("/ui/charts/loss-log-scale", loss, test_loss_log_scale);
  ADD ("/ui/charts/loss-previous", loss, test_loss_previous);
  ADD ("/ui/charts/loss-flat", loss, test_loss_flat);
  ADD ("/ui/charts/loss-refresh", loss, test_loss_refresh);
  ADD ("/ui/charts/grad-flow", flow, test_grad_flow);
  ADD ("/ui/charts/grad-flow-many", flow, test_grad_flow_many);
  ADD ("/ui/charts/dist", dist, test_dist);
  ADD ("/ui/charts/dist-run", dist, test_dist_run);
  ADD ("/ui/charts/base/loss", loss, test_base);
  ADD ("/ui/charts/base/grad-flow", flow, test_base);
  ADD ("/ui/charts/base/dist", dist, test_base);
  ADD ("/ui/charts/accessible/loss", loss, test_accessible);
  ADD ("/ui/charts/accessible/grad-flow", flow, test_accessible);
  ADD ("/ui/charts/accessible/dist", dist, test_accessible);
#undef ADD
  g_test_add ("/ui/charts/cost", Trio, NULL, trio_setup, test_cost, trio_teardown);

  return g_test_run ();
}
