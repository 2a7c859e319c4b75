/* test-heatmap.c — the colormap and max-|x| pooling shared by the window and
 * `paramscope-cli render` */
#include "ps-test-util.h"

#include <math.h>

static void
test_colormap (void)
{
  /* the ends and the middle of ColorBrewer's RdBu, blue for negative */
  g_assert_cmphex (ps_colormap_argb (-2.f, 2.f), ==, 0xff053061);
  g_assert_cmphex (ps_colormap_argb (0.f, 2.f), ==, 0xfff7f7f7);
  g_assert_cmphex (ps_colormap_argb (2.f, 2.f), ==, 0xff67001f);
  g_assert_cmphex (ps_colormap_argb (5.f, 2.f), ==, 0xff67001f);     /* clamped */
  g_assert_cmphex (ps_colormap_argb (NAN, 2.f), ==, PS_COLOR_NAN);
  g_assert_cmphex (ps_colormap_argb (INFINITY, 2.f), ==, PS_COLOR_POSINF);
  g_assert_cmphex (ps_colormap_argb (-INFINITY, 2.f), ==, PS_COLOR_NEGINF);
  /* diverging: lightest at 0, darker as |v| grows on either side; red hues
   * for positive values, blue hues for negative ones */
  for (float v = 0.f; v < 0.99f; v += 0.01f)
    for (int sign = -1; sign <= 1; sign += 2)
      {
        guint32 a = ps_colormap_argb (sign * v, 1.f), b = ps_colormap_argb (sign * (v + 0.01f), 1.f);
        double la = 0.2126 * ((a >> 16) & 0xff) + 0.7152 * ((a >> 8) & 0xff) + 0.0722 * (a & 0xff);
        double lb = 0.2126 * ((b >> 16) & 0xff) + 0.7152 * ((b >> 8) & 0xff) + 0.0722 * (b & 0xff);
        g_assert_cmpfloat (lb, <=, la + 0.5);
        if (v > 0.05f && sign > 0)
          g_assert_cmpuint ((b >> 16) & 0xff, >, b & 0xff);
        if (v > 0.05f && sign < 0)
          g_assert_cmpuint (b & 0xff, >, (b >> 16) & 0xff);
      }
  /* a subnormal range: 0 is still the middle, the range still the end */
  g_assert_cmphex (ps_colormap_argb (0.f, 1e-40f), ==, 0xfff7f7f7);
  g_assert_cmphex (ps_colormap_argb (1e-40f, 1e-40f), ==, 0xff67001f);
  g_assert_cmphex (ps_colormap_argb (-1e-40f, 1e-40f), ==, 0xff053061);
  {
    float v[3] = { 0.f, 1e-40f, -1e-40f };
    guint32 c[3];
    ps_heatmap_colorize (v, 3, 1e-40f, c);
    g_assert_cmphex (c[0], ==, 0xfff7f7f7);
    g_assert_cmphex (c[1], ==, 0xff67001f);
    g_assert_cmphex (c[2], ==, 0xff053061);
  }
  /* the special colours are not in the map */
  for (float v = -1.f; v <= 1.f; v += 1.f / 512)
    {
      guint32 c = ps_colormap_argb (v, 1.f);
      g_assert_cmphex (c, !=, PS_COLOR_NAN);
      g_assert_cmphex (c, !=, PS_COLOR_POSINF);
      g_assert_cmphex (c, !=, PS_COLOR_NEGINF);
    }
}

static void
test_range (void)
{
  float x[] = { 1, -3, NAN, INFINITY, 2 };
  float z[] = { 0, 0 };
  g_assert_cmpfloat (ps_heatmap_range (x, 5), ==, 3.f);
  g_assert_cmpfloat (ps_heatmap_range (z, 2), ==, 1.f);
  {
    /* a row of zeros (a dead ReLU unit's gradient) does not set the range to 1 */
    float m[4] = { 0.01f, -0.02f, 0, 0 }, o[4];
    PsPoolScratch sc = { 0 };
    g_assert_cmpfloat (ps_test_pool_f32 (m, 2, 2, 0, 0, 2, 2, o, 2, 2, &sc), ==, 0.02f);
    g_assert_cmpfloat (ps_test_pool_f32 (m, 2, 2, 0, 0, 2, 2, o, 1, 1, &sc), ==, 0.02f);
    ps_pool_scratch_clear (&sc);
  }
}

static void
test_pool_blocks (void)
{
  /* 4 x 6 pooled to 2 x 3: 2 x 2 blocks */
  float x[24] = {
     1,  2,    0,  0,    5,  0,
    -7,  3,    0,  1,    0,  0,
     0,  0,    NAN, 9,   1, -1,
     0,  0.5,  INFINITY, 0,   -2,  2,
  };
  float out[6];
  PsPoolScratch s = { 0 };
  float range = ps_test_pool_f32 (x, 4, 6, 0, 0, 4, 6, out, 2, 3, &s);

  g_assert_cmpfloat (out[0], ==, -7.f);        /* largest magnitude keeps its sign */
  g_assert_cmpfloat (out[1], ==, 1.f);
  g_assert_cmpfloat (out[2], ==, 5.f);
  g_assert_cmpfloat (out[3], ==, 0.5f);
  g_assert_true (isnan (out[4]));              /* NaN wins over Inf and 9 */
  g_assert_cmpfloat (fabsf (out[5]), ==, 2.f); /* a tie keeps the positive */
  g_assert_cmpfloat (range, ==, 9.f);          /* finite, though hidden behind NaN/Inf */
  {
    float y[4] = { 1, INFINITY, -2, 0 }, o;
    g_assert_cmpfloat (ps_test_pool_f32 (y, 2, 2, 0, 0, 2, 2, &o, 1, 1, &s), ==, 2.f);
    g_assert_true (isinf (o) && o > 0);
  }
  ps_pool_scratch_clear (&s);
}

static void
test_pool_window_and_nearest (void)
{
  float x[16];
  float out[16];
  PsPoolScratch s = { 0 };

  for (int i = 0; i < 16; i++)
    x[i] = (float) i;
  /* the window rows 1..2, cols 2..3 of a 4 x 4 matrix, zoomed in to 4 x 4 */
  ps_test_pool_f32 (x, 4, 4, 1, 2, 2, 2, out, 4, 4, &s);
  g_assert_cmpfloat (out[0], ==, 6.f);
  g_assert_cmpfloat (out[1], ==, 6.f);
  g_assert_cmpfloat (out[2], ==, 7.f);
  g_assert_cmpfloat (out[15], ==, 11.f);
  /* an outlier survives any reduction */
  {
    int64_t n = 1000;
    g_autofree float *big = g_new0 (float, n * n);
    float o[100];
    big[123 * n + 777] = -50.f;
    ps_test_pool_f32 (big, n, n, 0, 0, n, n, o, 10, 10, &s);
    g_assert_cmpfloat (o[1 * 10 + 7], ==, -50.f);
    for (int i = 0; i < 100; i++)
      if (i != 17)
        g_assert_cmpfloat (o[i], ==, 0.f);
  }
  ps_pool_scratch_clear (&s);
}

/* The cell of the block (rows ra..rb, columns ca..cb) as a plain scan
 * finds it; *fmax grows to the block's largest finite magnitude. */
static float
reference_block (const float *x, int64_t cols, int64_t ra, int64_t rb, int64_t ca, int64_t cb,
                 float *fmax)
{
  float mx = -INFINITY, mn = INFINITY;
  gboolean nan = FALSE;
  for (int64_t i = ra; i < rb; i++)
    for (int64_t j = ca; j < cb; j++)
      {
        float v = x[i * cols + j];
        if (isnan (v))
          nan = TRUE;
        else
          {
            mx = MAX (mx, v);
            mn = MIN (mn, v);
            if (isfinite (v))
              *fmax = MAX (*fmax, fabsf (v));
          }
      }
  return nan ? NAN : mx >= -mn ? mx : mn;
}

/* Matrices of a million elements or more are pooled by two threads: the
 * same cells and range as a plain scan of every block. */
static void
test_pool_two_threads (void)
{
  const int64_t n = 1100;
  const int out = 100;
  g_autofree float *x = g_new (float, n * n);
  g_autofree float *o = g_new (float, out * out);
  PsPoolScratch s = { 0 };
  PsRng rng;
  float range, want_range = 0;

  ps_rng_seed (&rng, 5);
  ps_rng_fill_normal (&rng, x, n * n, 0, 1);
  x[900 * n + 17] = NAN;
  x[1000 * n + 1000] = -INFINITY;
  range = ps_test_pool_f32 (x, n, n, 0, 0, n, n, o, out, out, &s);
  for (int r = 0; r < out; r++)
    for (int c = 0; c < out; c++)
      {
        float best = reference_block (x, n, r * n / out, (r + 1) * n / out, c * n / out,
                                      (c + 1) * n / out, &want_range);
        if (isnan (best))
          g_assert_true (isnan (o[r * out + c]));
        else
          g_assert_cmpfloat (o[r * out + c], ==, best);
      }
  g_assert_cmpfloat (range, ==, want_range);
  ps_pool_scratch_clear (&s);
}

/* Any window of any matrix to any number of cells -- blocks of 1, 2, 4 or
 * an uneven number of columns, fewer columns than cells, one thread or
 * two -- against a plain scan of every block, with NaN, +-Inf, -0 and
 * ties sprinkled in. */
static void
test_pool_random_windows (void)
{
  PsRng rng;
  PsPoolScratch s = { 0 };
  const int64_t R = 1200, C = 1100;
  g_autofree float *x = g_new (float, R * C);
  g_autofree float *o = g_new (float, 1100 * 1100);

  ps_rng_seed (&rng, 11);
  for (int trial = 0; trial < 60; trial++)
    {
      int64_t vrows, vcols, row0, col0;
      int out_rows, out_cols;
      float range, want_range = 0.f;
      int specials = trial % 3 == 0 ? 0 : (int) (ps_rng_u32 (&rng) % 20);

      /* mostly rounded values, so that equal magnitudes of both signs meet */
      for (int64_t i = 0; i < R * C; i++)
        x[i] = roundf (ps_rng_float (&rng) * 64.f - 32.f) / 8.f;
      for (int k = 0; k < specials; k++)
        {
          static const float sp[] = { NAN, INFINITY, -INFINITY, -0.f, 1e30f, -1e30f };
          x[ps_rng_u32 (&rng) % (R * C)] = sp[ps_rng_u32 (&rng) % G_N_ELEMENTS (sp)];
        }
      switch (trial % 4)
        {
        case 0:                     /* the whole matrix, a million cells: two threads */
          vrows = R, vcols = 1024, row0 = 0, col0 = 0;
          out_rows = 300, out_cols = (int[]) { 1024, 512, 256, 300 }[trial / 4 % 4];
          break;
        case 1:                     /* a window zoomed out by 2 or 4 columns a cell */
          vrows = 1 + ps_rng_u32 (&rng) % R, vcols = 8 * (1 + ps_rng_u32 (&rng) % 100);
          out_rows = 1 + (int) (ps_rng_u32 (&rng) % vrows);
          out_cols = (int) (vcols / (trial % 8 == 1 ? 2 : 4));
          row0 = ps_rng_u32 (&rng) % (R - vrows + 1), col0 = ps_rng_u32 (&rng) % (C - vcols + 1);
          break;
        case 2:                     /* uneven blocks */
          vrows = 1 + ps_rng_u32 (&rng) % R, vcols = 1 + ps_rng_u32 (&rng) % C;
          out_rows = 1 + (int) (ps_rng_u32 (&rng) % 700), out_cols = 1 + (int) (ps_rng_u32 (&rng) % 700);
          row0 = ps_rng_u32 (&rng) % (R - vrows + 1), col0 = ps_rng_u32 (&rng) % (C - vcols + 1);
          break;
        default:                    /* fewer columns than cells, more rows */
          vrows = 200 + ps_rng_u32 (&rng) % 1000, vcols = 1 + ps_rng_u32 (&rng) % 50;
          out_rows = 1 + (int) (ps_rng_u32 (&rng) % 199), out_cols = (int) vcols + 1 + (int) (ps_rng_u32 (&rng) % 60);
          row0 = ps_rng_u32 (&rng) % (R - vrows + 1), col0 = ps_rng_u32 (&rng) % (C - vcols + 1);
          break;
        }
      if (vrows <= out_rows && vcols <= out_cols)
        out_rows = (int) MAX (1, vrows / 2);            /* keep it a reduction */
      range = ps_test_pool_f32 (x, R, C, row0, col0, vrows, vcols, o, out_rows, out_cols, &s);
      for (int r = 0; r < out_rows; r++)
        {
          int64_t ra = row0 + (int64_t) r * vrows / out_rows;
          int64_t rb = MAX (row0 + (int64_t) (r + 1) * vrows / out_rows, ra + 1);
          for (int c = 0; c < out_cols; c++)
            {
              int64_t ca = col0 + (int64_t) c * vcols / out_cols;
              int64_t cb = MAX (col0 + (int64_t) (c + 1) * vcols / out_cols, ca + 1);
              float want = reference_block (x, C, ra, rb, ca, cb, &want_range);
              float got = o[(int64_t) r * out_cols + c];
              if (isnan (want))
                g_assert_true (isnan (got));
              else
                g_assert_cmpfloat (got, ==, want);
            }
        }
      g_assert_cmpfloat (range, ==, want_range > 0.f ? want_range : 1.f);
    }
  ps_pool_scratch_clear (&s);
}

/* The colours of a whole span are those of one value at a time, NaN and
 * +-Inf included, and every entry of the map is reachable. */
static void
test_colorize_span (void)
{
  enum { N = 4099 };
  g_autofree float *v = g_new (float, N);
  g_autofree guint32 *argb = g_new (guint32, N);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);

  for (int i = 0; i < N; i++)
    v[i] = (i - N / 2) * (2.4f / N);              /* -1.2 .. 1.2: past both ends */
  v[7] = NAN;
  v[8] = INFINITY;
  v[9] = -INFINITY;
  v[10] = -NAN;
  ps_heatmap_colorize (v, N, 1.f, argb);
  for (int i = 0; i < N; i++)
    {
      g_assert_cmphex (argb[i], ==, ps_colormap_argb (v[i], 1.f));
      g_hash_table_add (seen, GUINT_TO_POINTER (argb[i]));
    }
  g_assert_cmphex (argb[7], ==, PS_COLOR_NAN);
  g_assert_cmphex (argb[10], ==, PS_COLOR_NAN);
  g_assert_cmphex (argb[8], ==, PS_COLOR_POSINF);
  g_assert_cmphex (argb[9], ==, PS_COLOR_NEGINF);
  /* 3 special colours plus the map's distinct entries (neighbouring
   * entries of the 1024 may round to the same colour) */
  g_assert_cmpuint (g_hash_table_size (seen), >, 600);
}

/* The inspector's statistics against a plain long-double reference: sizes
 * around the 8-lane and 4096-value blocks, NaN and +-Inf in some blocks,
 * zeros of both signs (a zero extreme reads +0). */
static void
test_stats_reference (void)
{
  PsRng rng;
  static const int64_t sizes[] = { 1, 7, 8, 9, 4095, 4096, 4097, 12289, 20011 };

  ps_rng_seed (&rng, 21);
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    for (int variant = 0; variant < 3; variant++)
      {
        int64_t n = sizes[k], nan = 0, pinf = 0, ninf = 0, zeros = 0, fin = 0;
        g_autofree float *x = g_new (float, n);
        long double sum = 0, sq = 0, m2 = 0, mean;
        float mn = INFINITY, mx = -INFINITY;
        PsStats st;

        for (int64_t i = 0; i < n; i++)
          {
            x[i] = ps_rng_float (&rng) * 6.f - 2.f;
            if (ps_rng_u32 (&rng) % 9 == 0)
              x[i] = ps_rng_u32 (&rng) % 2 ? 0.f : -0.f;
          }
        if (variant == 1)
          for (int j = 0; j < 4; j++)
            x[ps_rng_u32 (&rng) % n] = (float[]) { NAN, INFINITY, -INFINITY, -NAN }[j];
        if (variant == 2)
          for (int64_t i = 0; i < n; i++)
            x[i] = x[i] > 0 ? -0.f : x[i];          /* max is a zero */
        for (int64_t i = 0; i < n; i++)
          {
            float v = x[i];
            if (isnan (v))
              nan++;
            else if (isinf (v))
              {
                if (v > 0)
                  pinf++;
                else
                  ninf++;
              }
            else
              {
                fin++;
                sum += v;
                sq += (long double) v * v;
                mn = MIN (mn, v);
                mx = MAX (mx, v);
                zeros += v == 0.f;
              }
          }
        mean = sum / fin;
        for (int64_t i = 0; i < n; i++)
          if (isfinite (x[i]))
            m2 += (x[i] - mean) * (x[i] - mean);
        ps_stats_compute (x, n, &st);
        g_assert_cmpint (st.n, ==, n);
        g_assert_cmpint (st.n_nan, ==, nan);
        g_assert_cmpint (st.n_posinf, ==, pinf);
        g_assert_cmpint (st.n_neginf, ==, ninf);
        g_assert_cmpint (st.n_zero, ==, zeros);
        if (fin == 0)
          {
            g_assert_true (isnan (st.min) && isnan (st.max) && isnan (st.mean));
            continue;
          }
        g_assert_cmpfloat (st.min, ==, mn);
        g_assert_cmpfloat (st.max, ==, mx);
        if (st.min == 0)
          g_assert_false (signbit (st.min));
        if (st.max == 0)
          g_assert_false (signbit (st.max));
        g_assert_cmpfloat_with_epsilon (st.mean, (double) mean, 1e-12 * (1 + fabs ((double) mean)));
        g_assert_cmpfloat_with_epsilon (st.l2, sqrt ((double) sq), 1e-12 * sqrt ((double) sq) + 1e-300);
        if (fin > 1)
          g_assert_cmpfloat_with_epsilon (st.std, sqrt ((double) (m2 / (fin - 1))),
                                          1e-11 * sqrt ((double) (m2 / (fin - 1))) + 1e-300);
      }
}

static void
test_shape (void)
{
  int64_t r, c;
  ps_heatmap_shape (2, (int64_t[]) { 8, 4 }, &r, &c);
  g_assert_cmpint (r, ==, 8);
  g_assert_cmpint (c, ==, 4);
  ps_heatmap_shape (1, (int64_t[]) { 8 }, &r, &c);   /* a bias: a column beside its weight */
  g_assert_cmpint (r, ==, 8);
  g_assert_cmpint (c, ==, 1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/heatmap/colormap", test_colormap);
  g_test_add_func ("/heatmap/range", test_range);
  g_test_add_func ("/heatmap/pool-blocks", test_pool_blocks);
  g_test_add_func ("/heatmap/pool-window-nearest", test_pool_window_and_nearest);
  g_test_add_func ("/heatmap/shape", test_shape);
  g_test_add_func ("/heatmap/pool-two-threads", test_pool_two_threads);
  g_test_add_func ("/heatmap/pool-random-windows", test_pool_random_windows);
  g_test_add_func ("/heatmap/colorize-span", test_colorize_span);
  g_test_add_func ("/heatmap/stats-reference", test_stats_reference);
  return g_test_run ();
}
