/* test-train-log.c — the bounded record of a training run: points merged
 * pairwise without losing a step, exact histograms, their thinning, and a
 * reader copying while a writer thread runs (malloc and friends are counted
 * by ../bench/ps-alloc-count.c) */
#include "ps-test-util.h"
#include "ps-train-log.h"
#include "../bench/ps-alloc-count.h"

#include <math.h>

static const char *const names2[] = { "0.weight", "0.bias" };

/* Known sequences, every value a multiple of 1/8 below 2^20: sums of up to
 * 2^30 of them are exact in a double, so a mean is exact whichever way the
 * additions are grouped. */
static double
loss_at (guint64 s)
{
  return (double) ((s * 7919) % 1000) / 8.0;
}

static double
norm_at (guint p, guint64 s)
{
  if (p == 1 && s % 97 == 0)
    return NAN;
  if (p == 1 && s % 101 == 0)
    return s % 2 ? INFINITY : -INFINITY;
  return p == 0 ? (double) (s % 7) : (double) ((s * 31) % 50) / 4.0 - 3.0;
}

static double
value_at (guint series, guint64 s)
{
  return series == 0 ? loss_at (s) : norm_at (series - 1, s);
}

static void
add_steps (PsTrainLog *log, guint64 from, guint64 to)
{
  for (guint64 s = from; s <= to; s++)
    {
      double g[2] = { norm_at (0, s), norm_at (1, s) };
      ps_train_log_add_step (log, s, loss_at (s), g);
    }
}

static void
copy_series (PsTrainLog *log, guint series, GArray *out)
{
  if (series == 0)
    ps_train_log_copy_loss (log, out);
  else
    ps_train_log_copy_grad_norm (log, series - 1, out);
}

/* Every point against a brute-force pass over the steps it claims. */
static void
check_points (PsTrainLog *log, guint64 last)
{
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));

  for (guint series = 0; series < 3; series++)
    {
      guint64 total = 0;
      copy_series (log, series, pts);
      g_assert_cmpuint (pts->len, >, 0);
      g_assert_cmpuint (pts->len, <=, PS_LOG_MAX_POINTS);
      for (guint i = 0; i < pts->len; i++)
        {
          const PsLogPoint *p = &g_array_index (pts, PsLogPoint, i);
          double sum = 0, mn = INFINITY, mx = -INFINITY;
          guint32 finite = 0, nonfinite = 0;

          /* contiguous, and every point but the last holds the same power of two */
          g_assert_cmpuint (p->step_first, ==, i == 0 ? 1 : g_array_index (pts, PsLogPoint, i - 1).step_last + 1);
          g_assert_cmpuint (p->step_last - p->step_first + 1, ==, p->n);
          if (i + 1 < pts->len)
            {
              g_assert_cmpuint (p->n, ==, g_array_index (pts, PsLogPoint, 0).n);
              g_assert_cmpuint (p->n & (p->n - 1), ==, 0);
            }
          else
            g_assert_cmpuint (p->n, <=, g_array_index (pts, PsLogPoint, 0).n);
          total += p->n;

          for (guint64 s = p->step_first; s <= p->step_last; s++)
            {
              double v = value_at (series, s);
              if (isfinite (v))
                {
                  sum += v;
                  mn = MIN (mn, v);
                  mx = MAX (mx, v);
                  finite++;
                }
              else
                nonfinite++;
            }
          g_assert_cmpuint (p->n_nonfinite, ==, nonfinite);
          if (finite == 0)
            {
              g_assert_true (isnan (p->mean) && isnan (p->min) && isnan (p->max));
              continue;
            }
          g_assert_cmpfloat (p->mean, ==, sum / finite);
          g_assert_cmpfloat (p->min, ==, mn);
          g_assert_cmpfloat (p->max, ==, mx);
        }
      g_assert_cmpuint (total, ==, last);
      g_assert_cmpuint (g_array_index (pts, PsLogPoint, pts->len - 1).step_last, ==, last);
    }
}

static void
test_points_merge (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 1);
  /* around every merge up to the fourth, and far beyond */
  const guint64 stops[] = { 1, 2, 2047, 2048, 2049, 4096, 4097, 8191, 8192, 8193, 16385,
                            100000, 1 << 20 };
  guint64 done = 0;
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));

  g_assert_cmpuint (ps_train_log_get_last_step (log), ==, 0);
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 0);
  for (guint i = 0; i < G_N_ELEMENTS (stops); i++)
    {
      add_steps (log, done + 1, stops[i]);
      done = stops[i];
      g_assert_cmpuint (ps_train_log_get_last_step (log), ==, done);
      check_points (log, done);
    }
  /* 2^20 steps: 2048 full points of 512 steps (the next step merges) */
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 2048);
  g_assert_cmpuint (g_array_index (pts, PsLogPoint, 0).n, ==, 512);
  g_assert_cmpstr (ps_train_log_get_param_name (log, 1), ==, "0.bias");
  g_assert_cmpuint (ps_train_log_get_n_params (log), ==, 2);
}

/* A point that saw only NaN and Inf: no mean, no range, every step counted. */
static void
test_nonfinite (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (1, names2, 1);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  const double loss[] = { 1, NAN, INFINITY, -INFINITY, 3 };
  double g = NAN;                  /* a parameter without gradient */
  const PsLogPoint *p;

  for (guint i = 0; i < G_N_ELEMENTS (loss); i++)
    ps_train_log_add_step (log, i + 1, loss[i], &g);
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 5);
  p = &g_array_index (pts, PsLogPoint, 2);
  g_assert_cmpuint (p->n_nonfinite, ==, 1);
  g_assert_true (isnan (p->mean) && isnan (p->min) && isnan (p->max));
  p = &g_array_index (pts, PsLogPoint, 4);
  g_assert_cmpfloat (p->mean, ==, 3);
  ps_train_log_copy_grad_norm (log, 0, pts);
  for (guint i = 0; i < pts->len; i++)
    g_assert_cmpuint (g_array_index (pts, PsLogPoint, i).n_nonfinite, ==, 1);

  /* merged: 2048 more steps fold the five into points of two and one */
  for (guint64 s = 6; s <= 2048 + 5; s++)
    ps_train_log_add_step (log, s, 2.0, &g);
  ps_train_log_copy_loss (log, pts);
  p = &g_array_index (pts, PsLogPoint, 0);
  g_assert_cmpuint (p->n, ==, 2);
  g_assert_cmpuint (p->n_nonfinite, ==, 1);
  g_assert_cmpfloat (p->mean, ==, 1);
  g_assert_cmpfloat (p->min, ==, 1);
  g_assert_cmpfloat (p->max, ==, 1);
  p = &g_array_index (pts, PsLogPoint, 1);
  g_assert_cmpuint (p->n_nonfinite, ==, 2);
  g_assert_true (isnan (p->mean));
  p = &g_array_index (pts, PsLogPoint, 2);
  g_assert_cmpuint (p->n, ==, 2);
  g_assert_cmpfloat (p->mean, ==, 2.5);
  g_assert_cmpfloat (p->min, ==, 2);
  g_assert_cmpfloat (p->max, ==, 3);
}

/* The bin of v by the documented edges, found by walking them. */
static int
brute_bin (const PsLogHist *h, double v)
{
  for (int b = 0; b < PS_LOG_HIST_BINS - 1; b++)
    if (v >= ps_log_hist_edge (h, b) && v < ps_log_hist_edge (h, b + 1))
      return b;
  g_assert_cmpfloat (v, >=, ps_log_hist_edge (h, PS_LOG_HIST_BINS - 1));
  g_assert_cmpfloat (v, <=, ps_log_hist_edge (h, PS_LOG_HIST_BINS));
  return PS_LOG_HIST_BINS - 1;
}

static void
check_hist (const PsLogHist *h, const float *x, int64_t n)
{
  guint64 count[PS_LOG_HIST_BINS] = { 0 }, nan = 0, pinf = 0, ninf = 0, finite = 0;
  double mn = INFINITY, mx = -INFINITY, sum = 0;

  for (int64_t i = 0; i < n; i++)
    {
      if (isnan (x[i]))
        nan++;
      else if (isinf (x[i]))
        *(x[i] > 0 ? &pinf : &ninf) += 1;
      else
        {
          mn = MIN (mn, x[i]);
          mx = MAX (mx, x[i]);
          sum += x[i];
          finite++;
        }
    }
  g_assert_cmpuint (h->n, ==, n);
  g_assert_cmpuint (h->n_nan, ==, nan);
  g_assert_cmpuint (h->n_posinf, ==, pinf);
  g_assert_cmpuint (h->n_neginf, ==, ninf);
  if (finite == 0)
    {
      g_assert_true (isnan (h->lo) && isnan (h->hi) && isnan (h->mean));
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        g_assert_cmpuint (h->count[b], ==, 0);
      return;
    }
  g_assert_cmpfloat (h->lo, ==, mn);
  g_assert_cmpfloat (h->hi, ==, mx);
  g_assert_cmpfloat (fabs (h->mean - sum / finite), <=, 1e-10 * MAX (1.0, fabs (sum / finite)));
  if (mn == mx)
    count[0] = finite;
  else
    for (int64_t i = 0; i < n; i++)
      if (isfinite (x[i]))
        count[brute_bin (h, x[i])]++;
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    g_assert_cmpuint (h->count[b], ==, count[b]);
}

static void
test_hist_counts (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 1);
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  const int64_t n = 100003;
  g_autofree float *x = g_new (float, n);
  float edges[PS_LOG_HIST_BINS + 1], same[5] = { 0.25f, 0.25f, NAN, 0.25f, 0.25f };
  float none[3] = { NAN, INFINITY, -INFINITY };
  PsRng rng;
  guint64 step = 0;

  ps_rng_seed (&rng, 7);
  ps_rng_fill_normal (&rng, x, n, 0.5, 2.0);
  x[17] = NAN;
  x[18] = INFINITY;
  x[19] = -INFINITY;
  x[20] = NAN;

  /* random data, values and gradient at step 0 */
  g_assert_true (ps_train_log_wants_hist (log, step));
  ps_train_log_add_hist (log, step, 0, FALSE, x, n);
  ps_train_log_add_hist (log, step, 0, TRUE, x + 1000, n - 1000);
  ps_train_log_copy_hists (log, 0, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, 1);
  g_assert_cmpuint (g_array_index (hs, PsLogHist, 0).step, ==, 0);
  check_hist (&g_array_index (hs, PsLogHist, 0), x, n);
  ps_train_log_copy_hists (log, 0, TRUE, hs);
  check_hist (&g_array_index (hs, PsLogHist, 0), x + 1000, n - 1000);
  ps_train_log_copy_hists (log, 1, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, 0);                     /* never added */

  /* values exactly on the edges 0, 1, ..., 48: one a bin, 48 in the last (closed) */
  for (int i = 0; i <= PS_LOG_HIST_BINS; i++)
    edges[i] = (float) i;
  step++;
  ps_train_log_add_hist (log, step, 1, FALSE, edges, PS_LOG_HIST_BINS + 1);
  ps_train_log_copy_hists (log, 1, FALSE, hs);
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    g_assert_cmpuint (g_array_index (hs, PsLogHist, 0).count[b], ==, b == PS_LOG_HIST_BINS - 1 ? 2 : 1);
  check_hist (&g_array_index (hs, PsLogHist, 0), edges, PS_LOG_HIST_BINS + 1);

  /* all equal: every finite value in bin 0, whose edges are all lo */
  step++;
  ps_train_log_add_hist (log, step, 1, FALSE, same, 5);
  ps_train_log_copy_hists (log, 1, FALSE, hs);
  {
    const PsLogHist *h = &g_array_index (hs, PsLogHist, 1);
    g_assert_cmpfloat (h->lo, ==, 0.25);
    g_assert_cmpfloat (h->hi, ==, 0.25);
    g_assert_cmpuint (h->count[0], ==, 4);
    g_assert_cmpuint (h->n_nan, ==, 1);
    g_assert_cmpfloat (ps_log_hist_edge (h, 0), ==, 0.25);
    g_assert_cmpfloat (ps_log_hist_edge (h, PS_LOG_HIST_BINS), ==, 0.25);
    check_hist (h, same, 5);
  }

  /* nothing finite, and nothing at all */
  step++;
  ps_train_log_add_hist (log, step, 1, FALSE, none, 3);
  step++;
  ps_train_log_add_hist (log, step, 1, FALSE, NULL, 0);
  ps_train_log_copy_hists (log, 1, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, 4);
  check_hist (&g_array_index (hs, PsLogHist, 2), none, 3);
  check_hist (&g_array_index (hs, PsLogHist, 3), NULL, 0);

  /* a wide range: tiny and huge values still land by the edges */
  ps_rng_fill_uniform (&rng, x, 1000, -1, 1);
  for (int i = 0; i < 1000; i++)
    x[i] = ldexpf (x[i], (i % 200) - 100);
  step++;
  ps_train_log_add_hist (log, step, 1, TRUE, x, 1000);
  ps_train_log_copy_hists (log, 1, TRUE, hs);
  check_hist (&g_array_index (hs, PsLogHist, 0), x, 1000);

  /* the floats on both sides of every edge, for a few ranges whose width is
   * not a round number: the bin is the edges' verdict, not the scaling's */
  {
    const float ranges[][2] = { { 0.f, 0.3f }, { -1.7f, 2.9f }, { 1e-3f, 7.77f }, { -5e4f, -3.1f },
                                /* scaling puts 0.354755849 one bin too high here */
                                { -3.4141295f, 3.28611112f } };
    for (guint r = 0; r < G_N_ELEMENTS (ranges); r++)
      {
        PsLogHist probe = { .lo = ranges[r][0], .hi = ranges[r][1] };
        int64_t m = 0;
        x[m++] = ranges[r][0];
        x[m++] = ranges[r][1];
        for (int e = 1; e < PS_LOG_HIST_BINS; e++)
          {
            float f = (float) ps_log_hist_edge (&probe, e);
            for (int k = 0; k < 3; k++)
              {
                x[m++] = f;
                f = nextafterf (f, -INFINITY);
              }
            f = (float) ps_log_hist_edge (&probe, e);
            for (int k = 0; k < 3; k++)
              x[m++] = f = nextafterf (f, INFINITY);
          }
        step++;
        ps_train_log_add_hist (log, step, 1, TRUE, x, m);
        ps_train_log_copy_hists (log, 1, TRUE, hs);
        check_hist (&g_array_index (hs, PsLogHist, hs->len - 1), x, m);
      }
  }
}

/* A writer that adds histograms more sparsely than the interval asks: a
 * thinning doubles the interval until some slot goes, so a full record
 * always makes room, and what stays is on the multiples of the interval. */
static void
test_hist_sparse (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (1, names2, 1);
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  float x[1] = { 0 };
  guint64 interval;

  for (guint64 s = 4; s <= 4 * PS_LOG_MAX_HISTS; s += 4)
    {
      g_assert_true (ps_train_log_wants_hist (log, s));
      ps_train_log_add_hist (log, s, 0, FALSE, x, 1);
    }
  /* full, every slot a multiple of 4: the next one due is a multiple of 8 */
  g_assert_false (ps_train_log_wants_hist (log, 4 * PS_LOG_MAX_HISTS + 2));
  g_assert_false (ps_train_log_wants_hist (log, 4 * PS_LOG_MAX_HISTS + 4));
  g_assert_true (ps_train_log_wants_hist (log, 4 * PS_LOG_MAX_HISTS + 8));
  ps_train_log_add_hist (log, 4 * PS_LOG_MAX_HISTS + 8, 0, FALSE, x, 1);
  interval = ps_train_log_get_hist_interval (log);
  g_assert_cmpuint (interval, ==, 8);
  ps_train_log_copy_hists (log, 0, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, PS_LOG_MAX_HISTS / 2 + 1);
  for (guint i = 0; i < hs->len; i++)
    g_assert_cmpuint (g_array_index (hs, PsLogHist, i).step, ==, 8 * (i + 1));
}

/* Histograms every interval steps: thinned to the multiples of twice the
 * interval when full, never more than PS_LOG_MAX_HISTS. */
static void
check_interval (guint64 first_interval, guint64 first_step, guint64 last_step)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, first_interval);
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  float x[4] = { 1, 2, 3, 4 };
  guint64 interval, expected = 0, due = 0;

  for (guint64 s = first_step; s <= last_step; s++)
    {
      double g[2] = { 1, 1 };
      guint64 before = ps_train_log_get_hist_interval (log);
      ps_train_log_add_step (log, s, 1.0, g);
      if (!ps_train_log_wants_hist (log, s))
        {
          g_assert_true (s % before != 0 || s % (2 * before) != 0);
          continue;
        }
      g_assert_cmpuint (s % before, ==, 0);
      due++;
      x[0] = (float) s;
      ps_train_log_add_hist (log, s, 0, FALSE, x, 4);
      /* the bias's gradient only from the second step on (it had none at 0) */
      if (s > first_step)
        ps_train_log_add_hist (log, s, 1, TRUE, x, 4);
      g_assert_true (ps_train_log_wants_hist (log, s));   /* the slot is open */
    }
  interval = ps_train_log_get_hist_interval (log);
  g_assert_cmpuint (interval % first_interval, ==, 0);
  g_assert_cmpuint ((interval / first_interval) & (interval / first_interval - 1), ==, 0);
  ps_train_log_copy_hists (log, 0, FALSE, hs);
  g_assert_cmpuint (hs->len, <=, PS_LOG_MAX_HISTS);
  g_assert_cmpuint (hs->len, >, PS_LOG_MAX_HISTS / 2);
  g_assert_cmpuint (due, >=, hs->len);
  /* exactly the multiples of the interval in the range, in order */
  for (guint64 s = first_step; s <= last_step; s++)
    if (s % interval == 0)
      {
        const PsLogHist *h = &g_array_index (hs, PsLogHist, expected);
        g_assert_cmpuint (h->step, ==, s);
        g_assert_cmpfloat (h->hi, ==, MAX (4.0, (double) s));    /* its own data */
        expected++;
      }
  g_assert_cmpuint (hs->len, ==, expected);
  /* the gradient series lacks the first step only */
  ps_train_log_copy_hists (log, 1, TRUE, hs);
  g_assert_cmpuint (hs->len, ==, expected - (first_step % interval == 0 ? 1 : 0));
  for (guint i = 0; i < hs->len; i++)
    g_assert_cmpuint (g_array_index (hs, PsLogHist, i).step % interval, ==, 0);
  ps_train_log_copy_hists (log, 1, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, 0);
}

/* One binning for the log and the inspector: a range widened to take in
 * bounds (an initializer's) keeps the counts exact for its edges. */
static void
test_hist_widened (void)
{
  float x[997];
  PsRng rng;
  PsLogHist h, plain;
  guint64 count[PS_LOG_HIST_BINS] = { 0 };

  ps_rng_seed (&rng, 7);
  ps_rng_fill_uniform (&rng, x, G_N_ELEMENTS (x), -1, 1);
  x[5] = NAN;
  ps_log_hist_compute (&plain, 3, x, G_N_ELEMENTS (x), NAN, NAN);
  check_hist (&plain, x, G_N_ELEMENTS (x));
  g_assert_cmpuint (plain.step, ==, 3);

  ps_log_hist_compute (&h, 3, x, G_N_ELEMENTS (x), -3, 2);
  g_assert_cmpfloat (h.lo, ==, -3);
  g_assert_cmpfloat (h.hi, ==, 2);
  g_assert_cmpfloat (h.mean, ==, plain.mean);
  g_assert_cmpuint (h.n_nan, ==, 1);
  for (guint i = 0; i < G_N_ELEMENTS (x); i++)
    if (!isnan (x[i]))
      count[brute_bin (&h, x[i])]++;
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    g_assert_cmpuint (h.count[b], ==, count[b]);
  /* nothing below -1 or above 1 */
  g_assert_cmpuint (h.count[0], ==, 0);
  g_assert_cmpuint (h.count[PS_LOG_HIST_BINS - 1], ==, 0);

  /* bounds inside the values' range, or one bound only, widen nothing more */
  ps_log_hist_compute (&h, 3, x, G_N_ELEMENTS (x), -0.5, NAN);
  g_assert_cmpmem (&h, sizeof h, &plain, sizeof plain);
  ps_log_hist_compute (&h, 3, x, G_N_ELEMENTS (x), NAN, 4);
  g_assert_cmpfloat (h.lo, ==, plain.lo);
  g_assert_cmpfloat (h.hi, ==, 4);
  /* a constant widened is no longer degenerate */
  {
    float c[4] = { 42, 42, 42, 42 };
    ps_log_hist_compute (&h, 0, c, 4, 41.5, 42.5);
    g_assert_cmpuint (h.count[PS_LOG_HIST_BINS / 2], ==, 4);
  }
}

static void
test_hist_interval (void)
{
  check_interval (1, 1, 5000);       /* 256 full at step 256, thinned five times */
  check_interval (1, 0, 256);        /* 257 due steps: one thinning, step 0 kept */
  check_interval (3, 0, 10000);
  check_interval (5, 1, 1280);       /* exactly 256 kept, none dropped */
}

static void
test_clear (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 2);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  float x[2] = { 1, 2 };
  guint64 serial;

  add_steps (log, 1, 3000);
  for (guint64 s = 0; s <= 1000; s += 2)
    if (ps_train_log_wants_hist (log, s))
      ps_train_log_add_hist (log, s, 0, FALSE, x, 2);
  g_assert_cmpuint (ps_train_log_get_hist_interval (log), ==, 4);
  serial = ps_train_log_get_serial (log);

  ps_train_log_clear (log);
  g_assert_cmpuint (ps_train_log_get_serial (log), >, serial);
  g_assert_cmpuint (ps_train_log_get_last_step (log), ==, 0);
  g_assert_cmpuint (ps_train_log_get_hist_interval (log), ==, 2);
  g_assert_cmpuint (ps_train_log_get_n_params (log), ==, 2);
  g_assert_cmpstr (ps_train_log_get_param_name (log, 0), ==, "0.weight");
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 0);
  ps_train_log_copy_grad_norm (log, 1, pts);
  g_assert_cmpuint (pts->len, ==, 0);
  ps_train_log_copy_hists (log, 0, FALSE, hs);
  g_assert_cmpuint (hs->len, ==, 0);

  /* a new run from step 1, points of one step again */
  add_steps (log, 1, 10);
  check_points (log, 10);
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 10);
  g_assert_true (ps_train_log_wants_hist (log, 2));
  g_assert_false (ps_train_log_wants_hist (log, 3));
}

static void
test_misuse (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 4);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  float x[1] = { 1 };

  add_steps (log, 1, 5);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*steps must increase*");
  add_steps (log, 5, 5);
  g_test_assert_expected_messages ();
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (pts->len, ==, 5);                  /* unchanged */

  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*no histogram is due at step 6*");
  ps_train_log_add_hist (log, 6, 0, FALSE, x, 1);
  g_test_assert_expected_messages ();
  ps_train_log_add_hist (log, 8, 0, FALSE, x, 1);
  g_test_expect_message (G_LOG_DOMAIN, G_LOG_LEVEL_CRITICAL, "*no histogram is due at step 4*");
  ps_train_log_add_hist (log, 4, 0, FALSE, x, 1);     /* back in time */
  g_test_assert_expected_messages ();
}

/* Steady state: recording allocates nothing, and neither does copying
 * into arrays that already had their size once. */
static void
test_no_alloc (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 1);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  float x[64];
  guint64 before, after;

  for (int i = 0; i < 64; i++)
    x[i] = (float) i;
  ps_train_log_copy_loss (log, pts);
  ps_train_log_copy_hists (log, 0, TRUE, hs);
  before = ps_alloc_count ();
  for (guint64 s = 1; s <= 100000; s++)
    {
      double g[2] = { 1, 2 };
      ps_train_log_add_step (log, s, 1.0 / s, g);
      if (ps_train_log_wants_hist (log, s))
        {
          ps_train_log_add_hist (log, s, 0, FALSE, x, 64);
          ps_train_log_add_hist (log, s, 0, TRUE, x, 64);
        }
      if (s % 1000 == 0)
        {
          ps_train_log_copy_loss (log, pts);
          ps_train_log_copy_grad_norm (log, 1, pts);
          ps_train_log_copy_hists (log, 0, TRUE, hs);
        }
    }
  after = ps_alloc_count ();
  g_test_message ("%" G_GUINT64_FORMAT " allocations in 100000 steps", after - before);
  g_assert_cmpuint (after - before, ==, 0);
}

/* The writer's cost per step: it may run two million steps a second. */
static void
test_add_cost (void)
{
  const double g[4] = { 1, 2, 3, 4 };
  const char *const names4[] = { "a", "b", "c", "d" };
  double best = INFINITY;

  for (int run = 0; run < 3; run++)
    {
      g_autoptr (PsTrainLog) log = ps_train_log_new (4, names4, 64);
      const guint64 n = 2000000;
      gint64 t0 = g_get_monotonic_time ();
      for (guint64 s = 1; s <= n; s++)
        ps_train_log_add_step (log, s, 1.0 / s, g);
      best = MIN (best, (g_get_monotonic_time () - t0) * 1e3 / n);
    }
  g_test_message ("add_step with 4 parameters: %.1f ns", best);
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  g_test_message ("a sanitizer's build: the time is not the product's");
#else
  g_assert_cmpfloat (best, <, 500);            /* the budget; tens of ns here */
#endif
}

/* ---- a writer thread and a reader -------------------------------------------- */

typedef struct
{
  PsTrainLog *log;
  guint64     steps;
  gint        done;
} Writer;

static gpointer
writer_main (gpointer data)
{
  Writer *w = data;
  float x[256];

  for (guint64 s = 1; s <= w->steps; s++)
    {
      double g[2] = { norm_at (0, s), norm_at (1, s) };
      ps_train_log_add_step (w->log, s, loss_at (s), g);
      if (ps_train_log_wants_hist (w->log, s))
        {
          for (int i = 0; i < 256; i++)
            x[i] = (float) ((s + i) % 17) - 8.f;
          x[s % 256] = s % 5 == 0 ? NAN : x[s % 256];
          ps_train_log_add_hist (w->log, s, 0, FALSE, x, 256);
          ps_train_log_add_hist (w->log, s, 1, TRUE, x, 256);
        }
    }
  g_atomic_int_set (&w->done, 1);
  return NULL;
}

static void
check_copy (const GArray *pts)
{
  guint64 total = 0;
  for (guint i = 0; i < pts->len; i++)
    {
      const PsLogPoint *p = &g_array_index (pts, PsLogPoint, i);
      g_assert_cmpuint (p->step_first, ==, i == 0 ? 1 : g_array_index (pts, PsLogPoint, i - 1).step_last + 1);
      g_assert_cmpuint (p->step_last, >=, p->step_first);
      g_assert_cmpuint (p->n, ==, p->step_last - p->step_first + 1);
      g_assert_cmpuint (p->n_nonfinite, <=, p->n);
      g_assert_true (p->n_nonfinite == p->n || (p->min <= p->mean && p->mean <= p->max));
      total += p->n;
    }
  if (pts->len > 0)
    g_assert_cmpuint (total, ==, g_array_index (pts, PsLogPoint, pts->len - 1).step_last);
}

static void
test_two_threads (void)
{
  g_autoptr (PsTrainLog) log = ps_train_log_new (2, names2, 1);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  g_autoptr (GArray) hs = g_array_new (FALSE, FALSE, sizeof (PsLogHist));
  Writer w = { log, 400000, 0 };
  GThread *t;
  guint copies = 0;
  guint64 serial = 0, last = 0;

  t = g_thread_new ("writer", writer_main, &w);
  while (!g_atomic_int_get (&w.done) || copies < 3)
    {
      guint64 sn = ps_train_log_get_serial (log), ls = ps_train_log_get_last_step (log);
      g_assert_cmpuint (sn, >=, serial);
      g_assert_cmpuint (ls, >=, last);
      serial = sn;
      last = ls;
      for (guint series = 0; series < 3; series++)
        {
          copy_series (log, series, pts);
          g_assert_cmpuint (pts->len, <=, PS_LOG_MAX_POINTS);
          check_copy (pts);
          if (pts->len > 0)
            g_assert_cmpuint (g_array_index (pts, PsLogPoint, pts->len - 1).step_last, >=, last);
        }
      for (guint param = 0; param < 2; param++)
        {
          ps_train_log_copy_hists (log, param, param == 1, hs);
          g_assert_cmpuint (hs->len, <=, PS_LOG_MAX_HISTS);
          for (guint i = 0; i < hs->len; i++)
            {
              const PsLogHist *h = &g_array_index (hs, PsLogHist, i);
              guint64 sum = h->n_nan + h->n_posinf + h->n_neginf;
              for (int b = 0; b < PS_LOG_HIST_BINS; b++)
                sum += h->count[b];
              g_assert_cmpuint (sum, ==, 256);
              if (i > 0)
                g_assert_cmpuint (h->step, >, g_array_index (hs, PsLogHist, i - 1).step);
            }
        }
      copies++;
    }
  g_thread_join (t);
  g_test_message ("%u consistent copies while the writer ran", copies);
  check_points (log, w.steps);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-log/points-merge", test_points_merge);
  g_test_add_func ("/train-log/nonfinite", test_nonfinite);
  g_test_add_func ("/train-log/hist-counts", test_hist_counts);
  g_test_add_func ("/train-log/hist-widened", test_hist_widened);
  g_test_add_func ("/train-log/hist-interval", test_hist_interval);
  g_test_add_func ("/train-log/hist-sparse", test_hist_sparse);
  g_test_add_func ("/train-log/clear", test_clear);
  g_test_add_func ("/train-log/misuse", test_misuse);
  g_test_add_func ("/train-log/no-alloc", test_no_alloc);
  g_test_add_func ("/train-log/add-cost", test_add_cost);
  g_test_add_func ("/train-log/two-threads", test_two_threads);
  return g_test_run ();
}
