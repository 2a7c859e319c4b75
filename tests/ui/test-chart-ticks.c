/* test-chart-ticks.c — axis ticks on every range a run can produce
 *
 * The loss of a run at learning rate 0 is flat: its min and max differ by
 * about one ULP, and the linear axis' tick loop once ran past its array
 * there.  Each case here must give at most max_n ticks, all finite and
 * strictly increasing, inside an axis range that is finite and not empty.
 */
#include "ps-chart-ticks.h"

#include <float.h>
#include <math.h>

typedef struct
{
  const char *name;
  double      lo, hi;
} Range;

static double
ulp_above (double x)
{
  return nextafter (x, INFINITY);
}

static void
assert_ticks (const PsTicks *t, int n, int max_n, const char *what)
{
  g_assert_cmpint (n, ==, t->n);
  if (n < 0 || n > max_n || n > PS_TICKS_MAX)
    g_error ("%s: %d ticks (at most %d)", what, n, max_n);
  for (int i = 0; i < n; i++)
    {
      if (!isfinite (t->v[i]))
        g_error ("%s: tick %d is %g", what, i, t->v[i]);
      if (i > 0 && !(t->v[i] > t->v[i - 1]))
        g_error ("%s: tick %d (%.17g) does not follow %.17g", what, i, t->v[i], t->v[i - 1]);
    }
}

static const Range *
degenerate_ranges (guint *n)
{
  static Range r[16];
  guint i = 0;
  r[i++] = (Range) { "equal", 0.6931, 0.6931 };
  r[i++] = (Range) { "equal zero", 0, 0 };
  r[i++] = (Range) { "1 ULP at 1", 1, ulp_above (1) };
  r[i++] = (Range) { "1 ULP at 1e6", 1e6, ulp_above (1e6) };
  r[i++] = (Range) { "1 ULP at 1e-300", 1e-300, ulp_above (1e-300) };
  r[i++] = (Range) { "1 ULP at -3", -3, ulp_above (-3) };
  r[i++] = (Range) { "subnormal", 4.9e-324, 1e-310 };
  r[i++] = (Range) { "subnormal equal", 1e-315, 1e-315 };
  r[i++] = (Range) { "+-1e308", -1e308, 1e308 };
  r[i++] = (Range) { "+-DBL_MAX", -DBL_MAX, DBL_MAX };
  r[i++] = (Range) { "DBL_MAX equal", DBL_MAX, DBL_MAX };
  r[i++] = (Range) { "NaN", NAN, NAN };
  r[i++] = (Range) { "NaN and 1", NAN, 1 };
  r[i++] = (Range) { "+inf", 1, INFINITY };
  r[i++] = (Range) { "-inf..+inf", -INFINITY, INFINITY };
  /* zero points: the charts' empty range, min = +inf and max = -inf */
  r[i++] = (Range) { "zero points", INFINITY, -INFINITY };
  *n = i;
  return r;
}

static void
test_linear_degenerate (void)
{
  guint n_ranges;
  const Range *r = degenerate_ranges (&n_ranges);

  for (guint i = 0; i < n_ranges; i++)
    for (int max_n = 2; max_n <= PS_TICKS_MAX; max_n++)
      {
        PsTicks t;
        int n = ps_ticks_linear (r[i].lo, r[i].hi, max_n, &t);
        char *what = g_strdup_printf ("linear %s, max_n %d", r[i].name, max_n);
        assert_ticks (&t, n, max_n, what);
        g_assert_cmpint (n, >=, 2);
        g_assert_true (isfinite (t.lo) && isfinite (t.hi) && t.lo < t.hi);
        g_assert_true (isfinite (t.step) && t.step > 0);
        /* the ticks are the axis' ends */
        g_assert_cmpfloat (t.v[0], ==, t.lo);
        g_assert_cmpfloat (t.v[n - 1], ==, t.hi);
        /* a finite range is inside the axis */
        if (isfinite (r[i].lo) && isfinite (r[i].hi) && r[i].lo <= r[i].hi)
          {
            g_assert_cmpfloat (t.lo, <=, r[i].lo);
            g_assert_cmpfloat (t.hi, >=, r[i].hi);
          }
        g_free (what);
      }
}

/* A flat line is drawn around its value: equal and 1 ULP give the same axis. */
static void
test_linear_flat (void)
{
  PsTicks a, b;

  ps_ticks_linear (0.5, 0.5, 6, &a);
  ps_ticks_linear (0.5, ulp_above (0.5), 6, &b);
  g_assert_cmpfloat (a.lo, ==, b.lo);
  g_assert_cmpfloat (a.hi, ==, b.hi);
  g_assert_cmpfloat (a.lo, <, 0.5);
  g_assert_cmpfloat (a.hi, >, 0.5);
  /* about a tenth on each side, not a span of 10^-16 */
  g_assert_cmpfloat (a.hi - a.lo, >, 0.05);
  g_assert_cmpfloat (a.hi - a.lo, <, 0.5);
  /* zero: [-1, 1] */
  ps_ticks_linear (0, 0, 5, &a);
  g_assert_cmpfloat (a.lo, ==, -1);
  g_assert_cmpfloat (a.hi, ==, 1);
}

/* Ordinary ranges keep their nice ticks: 1, 2 or 5 x 10^k apart. */
static void
test_linear_nice (void)
{
  PsTicks t;
  int n = ps_ticks_linear (0.13, 0.92, 6, &t);

  assert_ticks (&t, n, 6, "0.13..0.92");
  g_assert_cmpfloat_with_epsilon (t.step, 0.2, 1e-12);
  g_assert_cmpfloat_with_epsilon (t.lo, 0, 1e-12);
  g_assert_cmpfloat_with_epsilon (t.hi, 1.0, 1e-12);

  n = ps_ticks_linear (-37, 4120, 8, &t);
  assert_ticks (&t, n, 8, "-37..4120");
  g_assert_cmpfloat (t.step, ==, 1000);
  g_assert_cmpfloat (t.lo, ==, -1000);
  g_assert_cmpfloat (t.hi, ==, 5000);
  g_assert_cmpint (n, ==, 7);
}

static void
test_nice_step (void)
{
  g_assert_cmpfloat (ps_ticks_nice_step (0.7), ==, 1);
  g_assert_cmpfloat (ps_ticks_nice_step (1.2), ==, 2);
  g_assert_cmpfloat (ps_ticks_nice_step (3), ==, 5);
  g_assert_cmpfloat (ps_ticks_nice_step (6), ==, 10);
  g_assert_cmpfloat (ps_ticks_nice_step (0), ==, 0);
  g_assert_cmpfloat (ps_ticks_nice_step (-1), ==, 0);
  g_assert_cmpfloat (ps_ticks_nice_step (NAN), ==, 0);
  g_assert_true (isfinite (ps_ticks_nice_step (INFINITY)));
  g_assert_true (isfinite (ps_ticks_nice_step (1.5e308)));
  g_assert_true (isfinite (ps_ticks_nice_step (DBL_MAX)));
}

static void
test_log_degenerate (void)
{
  guint n_ranges;
  const Range *r = degenerate_ranges (&n_ranges);
  static const Range more[] = {
    { "zero to one", 0, 1 },
    { "negative", -5, -1 },
    { "DBL_MIN..DBL_MAX", DBL_MIN, DBL_MAX },
    { "subnormal..DBL_MAX", 4.9e-324, DBL_MAX },
  };

  for (guint j = 0; j < n_ranges + G_N_ELEMENTS (more); j++)
    {
      const Range *x = j < n_ranges ? &r[j] : &more[j - n_ranges];
      for (int max_n = 2; max_n <= PS_TICKS_MAX; max_n++)
        {
          PsTicks t;
          int n = ps_ticks_log (x->lo, x->hi, max_n, &t);
          char *what = g_strdup_printf ("log %s, max_n %d", x->name, max_n);
          assert_ticks (&t, n, max_n, what);
          g_assert_cmpint (n, >=, 1);
          g_assert_true (t.lo < t.hi);
          g_assert_true (t.lo >= -324 && t.hi <= 309);
          g_free (what);
        }
    }
}

static void
test_multiples (void)
{
  PsTicks t;
  int total;

  /* steps 0..1000 every 200 */
  total = ps_ticks_multiples (0, 1000, 200, PS_TICKS_MAX, &t);
  g_assert_cmpint (total, ==, 6);
  assert_ticks (&t, t.n, PS_TICKS_MAX, "0..1000 / 200");
  g_assert_cmpfloat (t.v[5], ==, 1000);

  /* more multiples than room: the count says so, at most max_n written */
  total = ps_ticks_multiples (0, 1e6, 1, 8, &t);
  g_assert_cmpint (total, ==, 1000001);
  assert_ticks (&t, t.n, 8, "0..1e6 / 1");
  g_assert_cmpint (t.n, ==, 8);

  /* far beyond 2^53: k + 1 == k there, and nothing spins */
  total = ps_ticks_multiples (1e17, 1e17 + 64, 1, 16, &t);
  assert_ticks (&t, t.n, 16, "1e17 / 1");
  g_assert_cmpint (total, >, 0);
  total = ps_ticks_multiples (-DBL_MAX, DBL_MAX, 1, 16, &t);
  assert_ticks (&t, t.n, 16, "+-DBL_MAX / 1");
  g_assert_cmpint (total, ==, G_MAXINT);

  g_assert_cmpint (ps_ticks_multiples (NAN, 1, 1, 8, &t), ==, -1);
  g_assert_cmpint (t.n, ==, 0);
  g_assert_cmpint (ps_ticks_multiples (0, INFINITY, 1, 8, &t), ==, -1);
  g_assert_cmpint (ps_ticks_multiples (0, 1, 0, 8, &t), ==, -1);
  g_assert_cmpint (ps_ticks_multiples (0, 1, NAN, 8, &t), ==, -1);
  g_assert_cmpint (ps_ticks_multiples (0.2, 0.8, 1, 8, &t), ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ui/chart-ticks/nice-step", test_nice_step);
  g_test_add_func ("/ui/chart-ticks/linear-degenerate", test_linear_degenerate);
  g_test_add_func ("/ui/chart-ticks/linear-flat", test_linear_flat);
  g_test_add_func ("/ui/chart-ticks/linear-nice", test_linear_nice);
  g_test_add_func ("/ui/chart-ticks/log-degenerate", test_log_degenerate);
  g_test_add_func ("/ui/chart-ticks/multiples", test_multiples);
  return g_test_run ();
}
