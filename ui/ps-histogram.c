/* ps-histogram.c — counts and expected counts per bin */
#include "ps-histogram.h"

#include <math.h>
#include <string.h>

/* P(a <= X < c) for X ~ N(mean, std) */
static double
normal_mass (double a, double c, double mean, double std)
{
  return 0.5 * (erf ((c - mean) / (std * G_SQRT2)) - erf ((a - mean) / (std * G_SQRT2)));
}

gboolean
ps_histogram_compute (PsHistogram *h, const PsTensor *t, const PsInitScheme *scheme,
                      int64_t fan_in)
{
  double elo = NAN, ehi = NAN, emean = NAN, estd = NAN;
  gboolean expected = FALSE;
  const float *x = t->data;
  int64_t n = t->numel;
  float mn = INFINITY, mx = -INFINITY;

  memset (h, 0, sizeof *h);
  /* one pass for the finite range (it runs at every frame while training) */
  for (int64_t i = 0; i < n; i++)
    if (isfinite (x[i]))
      {
        mn = MIN (mn, x[i]);
        mx = MAX (mx, x[i]);
        h->n_finite++;
      }
  if (h->n_finite == 0)
    return FALSE;
  h->lo = mn;
  h->hi = mx;
  if (scheme)      /* the scheme's bounds and moments for a tensor of this shape */
    expected = ps_init_expected (scheme, t, fan_in, &elo, &ehi, &emean, &estd);
  if (expected && isfinite (elo) && isfinite (ehi))
    {
      h->lo = MIN (h->lo, elo);
      h->hi = MAX (h->hi, ehi);
    }
  if (h->hi <= h->lo)
    {
      h->lo -= 0.5;
      h->hi += 0.5;
    }
  h->width = (h->hi - h->lo) / PS_HISTOGRAM_BINS;
  for (int64_t i = 0; i < n; i++)
    if (isfinite (x[i]))
      {
        int b = (int) ((x[i] - h->lo) / h->width);
        h->count[CLAMP (b, 0, PS_HISTOGRAM_BINS - 1)]++;
      }
  for (int b = 0; b < PS_HISTOGRAM_BINS; b++)
    h->peak = MAX (h->peak, h->count[b]);

  if (expected && isfinite (estd) && estd > 0 && scheme->info->kind != PS_INIT_D2L_CUSTOM)
    {
      gboolean bounded = isfinite (elo) && isfinite (ehi);
      gboolean uniform = bounded && fabs (estd - (ehi - elo) / sqrt (12.0)) < 1e-6 * (ehi - elo);
      double inside;

      /* a bounded normal is a truncated one: ps_init_expected gives its
       * moments, the density needs the parent normal's */
      if (bounded && !uniform)
        {
          if (scheme->info->kind == PS_INIT_TRUNC_NORMAL)
            {
              emean = scheme->num[0];          /* trunc_normal(mean, std, a, b) */
              estd = scheme->num[1];
            }
          else
            estd = (ehi - elo) / 4;            /* Keras: redrawn beyond 2 stddev */
        }
      inside = bounded && !uniform ? normal_mass (elo, ehi, emean, estd) : 1.0;

      for (int b = 0; b < PS_HISTOGRAM_BINS; b++)
        {
          double a = h->lo + b * h->width, c = a + h->width;
          if (bounded)
            {
              a = MAX (a, elo);
              c = MIN (c, ehi);
            }
          if (c <= a)
            h->expect[b] = 0;
          else if (uniform)
            h->expect[b] = (double) h->n_finite * (c - a) / (ehi - elo);
          else
            h->expect[b] = (double) h->n_finite * normal_mass (a, c, emean, estd) / inside;
          h->peak = MAX (h->peak, h->expect[b]);
        }
      h->have_expect = TRUE;
    }
  return TRUE;
}
