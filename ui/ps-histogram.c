/* ps-histogram.c — the core's bins and the expected count in each */
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
  gboolean expected = FALSE, bounded;
  PsLogHist *bins = &h->bins;

  memset (h, 0, sizeof *h);
  if (scheme)      /* the scheme's bounds and moments for a tensor of this shape */
    expected = ps_init_expected (scheme, t, fan_in, &elo, &ehi, &emean, &estd);
  bounded = expected && isfinite (elo) && isfinite (ehi);
  ps_log_hist_compute (bins, 0, t->data, t->numel, bounded ? elo : NAN, bounded ? ehi : NAN);
  if (isnan (bins->lo))
    return FALSE;
  if (bins->hi <= bins->lo)       /* one value: a bar in the middle of a unit range */
    ps_log_hist_compute (bins, 0, t->data, t->numel, bins->lo - 0.5, bins->hi + 0.5);
  h->n_finite = (int64_t) (bins->n - bins->n_nan - bins->n_posinf - bins->n_neginf);
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    h->peak = MAX (h->peak, (double) bins->count[b]);

  if (expected && isfinite (estd) && estd > 0 && scheme->info->kind != PS_INIT_D2L_CUSTOM)
    {
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

      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        {
          double a = ps_log_hist_edge (bins, b), c = ps_log_hist_edge (bins, b + 1);
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
