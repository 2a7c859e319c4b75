/* ps-histogram.h — the inspector's histogram: the core's bins, and what an
 * initializer's distribution predicts for each of them
 *
 * Pure computation (no GTK), so it is tested headless; the inspector draws
 * it.  The bins are the training log's (ps_log_hist_compute): one binning
 * for the inspector and the distribution chart.
 *
 *   PsHistogram h;
 *   ps_histogram_compute (&h, w, scheme, fan_in);      // scheme may be NULL
 *   // bars: h.bins.count[b] over [ps_log_hist_edge (&h.bins, b), ... (b + 1)); line: h.expect[b]
 */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

typedef struct
{
  PsLogHist bins;                       /* PS_LOG_HIST_BINS bins tiling [bins.lo, bins.hi]: the
                                           finite range, widened to the scheme's bounds when it
                                           has some, and by 0.5 each way when it is one value */
  double   expect[PS_LOG_HIST_BINS];    /* the scheme's expected count per bin, if have_expect */
  gboolean have_expect;
  double   peak;                        /* max over counts and expect: the bars' full height */
  int64_t  n_finite;
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
