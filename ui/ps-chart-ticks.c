/* ps-chart-ticks.c — axis ticks: arithmetic only (see ps-chart-ticks.h)
 *
 * The danger in tick arithmetic is a range that is tiny against its
 * magnitude: with lo = 1 and hi = 1 + 1 ULP the nice step is about 1e-16,
 * lo / step is near 1e16, above 2^53, where k + 1 == k and a loop over
 * k = k0 .. k1 in doubles never ends.  So every loop here counts with an
 * int bounded by PS_TICKS_MAX, ranges too narrow to be stepped through are
 * widened first, and spans are halved before they are subtracted, so that
 * hi - lo cannot overflow at +-DBL_MAX.
 */
#include "ps-chart-ticks.h"

#include <float.h>
#include <math.h>

/* Below this a half-span or a magnitude counts as zero: 10^-290 still has
 * normal doubles 18 decades below it for the steps. */
#define TINY      1e-290
/* A range narrower than this fraction of its magnitude is drawn flat. */
#define FLAT_REL  1e-6
/* Tries of a larger step before giving up on nice ticks: each try at least
 * doubles the step, so 64 covers every double. */
#define MAX_TRIES 64

double
ps_ticks_nice_step (double raw)
{
  double e, p, m, s;

  if (!(raw > 0))
    return 0;
  if (raw > DBL_MAX)
    raw = DBL_MAX;
  e = floor (log10 (raw));
  p = pow (10, e);
  m = raw / p;
  s = (m <= 1 + 1e-9 ? 1 : m <= 2 + 1e-9 ? 2 : m <= 5 + 1e-9 ? 5 : 10) * p;
  if (!isfinite (s))
    s = 1e308;
  return s;
}

static void
ticks_two (double lo, double hi, PsTicks *t)
{
  t->n = 2;
  t->v[0] = t->lo = lo;
  t->v[1] = t->hi = hi;
  t->step = isfinite (hi - lo) ? hi - lo : DBL_MAX;
}

int
ps_ticks_linear (double lo, double hi, int max_n, PsTicks *t)
{
  double half, mag, raw, step = 0;

  max_n = CLAMP (max_n, 2, PS_TICKS_MAX);
  if (!isfinite (lo) || !isfinite (hi))
    {
      lo = 0;
      hi = 1;
    }
  if (lo > hi)
    {
      double s = lo;
      lo = hi;
      hi = s;
    }

  half = hi / 2 - lo / 2;
  mag = MAX (fabs (lo), fabs (hi));
  if (half <= mag * (FLAT_REL / 2) || half < TINY)
    {
      double mid = lo / 2 + hi / 2, d = fabs (mid) * 0.1;
      if (fabs (mid) < TINY)
        {
          lo = -1;
          hi = 1;
        }
      else
        {
          lo = mid - d;
          hi = mid + d;
          if (!isfinite (lo))
            lo = -DBL_MAX;
          if (!isfinite (hi))
            hi = DBL_MAX;
        }
      half = hi / 2 - lo / 2;
    }

  raw = half / (max_n - 1) * 2;
  for (int attempt = 0; attempt < MAX_TRIES; attempt++)
    {
      double next = ps_ticks_nice_step (raw), k0, k1;
      gboolean ok = TRUE;
      int n;

      if (!(next > step))         /* no larger step left */
        break;
      step = next;
      k0 = floor (lo / step + 1e-9);
      k1 = ceil (hi / step - 1e-9);
      if (k1 - k0 + 1 > max_n)
        {
          raw = step * 1.5;
          continue;
        }
      n = (int) (k1 - k0) + 1;
      for (int i = 0; i < n && ok; i++)
        {
          t->v[i] = (k0 + i) * step;
          ok = isfinite (t->v[i]) && (i == 0 || t->v[i] > t->v[i - 1]);
        }
      if (!ok || n < 2)
        break;
      t->n = n;
      t->lo = t->v[0];
      t->hi = t->v[n - 1];
      t->step = step;
      return n;
    }

  ticks_two (lo, hi, t);
  return 2;
}

int
ps_ticks_log (double lo, double hi, int max_n, PsTicks *t)
{
  int k0, k1, every;

  max_n = CLAMP (max_n, 2, PS_TICKS_MAX);
  if (!isfinite (lo) || !isfinite (hi) || !(lo > 0) || !(hi > 0))
    {
      lo = 0.1;
      hi = 1;
    }
  if (lo > hi)
    {
      double s = lo;
      lo = hi;
      hi = s;
    }
  /* log10 of a positive finite double is within [-324, 309]: ints */
  k0 = (int) floor (log10 (lo));
  k1 = (int) ceil (log10 (hi));
  if (k1 <= k0)
    k1 = k0 + 1;
  every = MAX (1, (k1 - k0 + max_n - 2) / (max_n - 1));
  t->n = 0;
  for (int k = k0; k <= k1 && t->n < max_n; k++)
    if (((k % every) + every) % every == 0)
      t->v[t->n++] = k;
  t->lo = k0;
  t->hi = k1;
  t->step = every;
  return t->n;
}

int
ps_ticks_multiples (double lo, double hi, double step, int max_n, PsTicks *t)
{
  double k0, k1, total;

  t->n = 0;
  max_n = CLAMP (max_n, 0, PS_TICKS_MAX);
  if (!isfinite (lo) || !isfinite (hi) || !isfinite (step) || !(step > 0))
    return -1;
  if (lo > hi)
    {
      double s = lo;
      lo = hi;
      hi = s;
    }
  t->lo = lo;
  t->hi = hi;
  t->step = step;
  k0 = ceil (lo / step - 1e-9);
  k1 = floor (hi / step + 1e-9);
  if (!(k1 >= k0))
    return 0;
  for (int i = 0; i < max_n && k0 + i <= k1; i++)
    {
      double v = (k0 + i) * step + 0.0;    /* + 0.0: no -0 */
      if (!isfinite (v) || (t->n > 0 && v <= t->v[t->n - 1]))
        break;
      t->v[t->n++] = v;
    }
  total = k1 - k0 + 1;
  return total >= G_MAXINT ? G_MAXINT : (int) total;
}
