/* ps-chart-ticks.h — where a chart's axis ticks go: arithmetic only
 *
 * The charts label a linear axis at "nice" values (1, 2 or 5 x 10^k apart),
 * a log axis at decades, and the step axis at whole steps.  This file is the
 * arithmetic of it, with no drawing and no GTK, so that it can be tested on
 * any range a run can produce.
 *
 * The contract of every function here, whatever the bounds (equal, a few
 * ULPs apart, subnormal, spanning +-DBL_MAX, NaN, +-Inf, reversed):
 *   - at most max_n (<= PS_TICKS_MAX) ticks are written, and the count is
 *     returned;
 *   - every tick is finite, and they strictly increase;
 *   - every loop counts with an integer bounded by PS_TICKS_MAX (or, for
 *     decades, by the 632 decades of a double), so none can spin.
 * Bounds that are not finite are replaced by a default axis before any
 * arithmetic: [0, 1] on a linear axis, [0.1, 1] on a log one.
 *
 *   PsTicks t;
 *   ps_ticks_linear (loss_min, loss_max, 6, &t);
 *   for (int i = 0; i < t.n; i++) draw_label (t.v[i], t.step);
 *   axis runs from t.lo to t.hi
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PS_TICKS_MAX 32

typedef struct
{
  int    n;                     /* ticks written */
  double v[PS_TICKS_MAX];       /* the ticks, increasing; log axis: log10 of the value */
  double lo, hi;                /* the axis' range (log axis: log10), lo < hi */
  double step;                  /* spacing of the ticks (log axis: in decades) */
} PsTicks;

/* 1, 2 or 5 x 10^k: the smallest at least raw (raw > 0 and finite); the
 * largest such finite value when that would overflow; 0 for raw <= 0 or NaN. */
double ps_ticks_nice_step (double raw);

/* A linear axis over [lo, hi], widened outward to whole ticks, with at most
 * max_n (2..PS_TICKS_MAX) ticks.  A range that is empty or tiny against its
 * magnitude (less than a millionth of it: a flat line drawn from float
 * values) is widened around its middle by a tenth of it, or to [-1, 1]
 * around zero.  Returns t->n, at least 2. */
int    ps_ticks_linear    (double lo, double hi, int max_n, PsTicks *t);

/* A log10 axis over [lo, hi] (values; both > 0, else the default axis):
 * whole decades, labelled every `every` decades so that at most max_n labels
 * are written; t->lo and t->hi are the decade exponents.  Returns t->n. */
int    ps_ticks_log       (double lo, double hi, int max_n, PsTicks *t);

/* The multiples of step inside [lo, hi] (the step axis' labels), at most
 * max_n of them, starting from the lowest; step must be > 0 and finite.
 * Returns how many multiples the range holds in all (it may be more than
 * were written: the caller then tries a larger step), or -1 if the
 * arguments are not finite. */
int    ps_ticks_multiples (double lo, double hi, double step, int max_n, PsTicks *t);

G_END_DECLS
