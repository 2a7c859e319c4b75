/* ps-histogram.h — the inspector's histogram: counts, and what an
 * initializer's distribution predicts for each bin
 *
 * Pure computation (no GTK), so it is tested headless; the window draws it.
 *
 *   PsHistogram h;
 *   ps_histogram_compute (&h, w, scheme, fan_in);      // scheme may be NULL
 *   // bars: h.count[b] over [h.lo + b h.width, h.lo + (b+1) h.width); line: h.expect[b]
 */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

#define PS_HISTOGRAM_BINS 40

typedef struct
{
  double lo, hi, width;                 /* bins tile [lo, hi]: the data's finite range,
                                           widened to the scheme's bounds when it has some */
  double count[PS_HISTOGRAM_BINS];      /* finite values per bin (the last bin closed) */
  double expect[PS_HISTOGRAM_BINS];     /* the scheme's expected count per bin, if have_expect */
  gboolean have_expect;
  double peak;                          /* max over count and expect: the bars' full height */
  int64_t n_finite;
} PsHistogram;

/* FALSE (and nothing to draw) when t has no finite value.  scheme: the
 * initializer that produced t (NULL: none; its fans come from t's shape);
 * fan_in: of the layer owning t (for a bias).
 * Expected counts: uniform schemes integrate their flat density, the others
 * a normal of the scheme's mean and std, truncated to its bounds and
 * renormalized (trunc_normal); none for the lesson's mixture (d2l_custom)
 * and for constant schemes. */
gboolean ps_histogram_compute (PsHistogram *h, const PsTensor *t, const PsInitScheme *scheme,
                               int64_t fan_in);

G_END_DECLS
