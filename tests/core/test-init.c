/* test-init.c — every initializer against its distribution
 *
 * Each scheme of ps_init_get_infos() is drawn on a 256 x 512 weight (fan_in
 * 512, fan_out 256: non-square so that the PyTorch and Keras fans matter)
 * with a fixed seed and checked against a reference computed here from
 * PyTorch's and Keras' formulas: bounds, mean and std (within 5 standard
 * errors) and a one-sample Kolmogorov–Smirnov test at the 0.1% level.
 * The exact schemes (eye, constant, ones, zeros, orthogonal, sparse) are
 * checked exactly; then fans, gains, errors, determinism, the scheme parser,
 * ps_init_apply_pattern and PyTorch's default Linear initialization, bit for
 * bit.
 */
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

#define SEED   20240611
#define ROWS   256      /* out_features */
#define COLS   512      /* in_features */

/* ---- reference distributions ------------------------------------------ */

typedef enum
{
  REF_UNIFORM,          /* U(lo, hi) */
  REF_NORMAL,           /* N(mu, sigma^2) */
  REF_TRUNC,            /* N(mu, sigma^2) truncated to [lo, hi] */
  REF_D2L,              /* U(5,10) 1/4, 0 1/2, U(-10,-5) 1/4 */
} RefKind;

typedef struct
{
  RefKind kind;
  double  mu, sigma;    /* NORMAL, TRUNC: parameters of the untruncated normal */
  double  lo, hi;       /* bounds (±INFINITY for NORMAL) */
} Ref;

static double
norm_cdf (double x)
{
  return 0.5 * (1.0 + erf (x / G_SQRT2));
}

static double
norm_pdf (double x)
{
  return exp (-0.5 * x * x) / sqrt (2 * G_PI);
}

static double
ref_cdf (const Ref *r, double x)
{
  switch (r->kind)
    {
    case REF_UNIFORM:
      return x <= r->lo ? 0 : x >= r->hi ? 1 : (x - r->lo) / (r->hi - r->lo);
    case REF_NORMAL:
      return norm_cdf ((x - r->mu) / r->sigma);
    case REF_TRUNC:
      {
        double a = norm_cdf ((r->lo - r->mu) / r->sigma), b = norm_cdf ((r->hi - r->mu) / r->sigma);
        if (x <= r->lo)
          return 0;
        if (x >= r->hi)
          return 1;
        return (norm_cdf ((x - r->mu) / r->sigma) - a) / (b - a);
      }
    case REF_D2L:
      /* the continuous part only (the zeros are counted separately):
       * U(-10,-5) and U(5,10) with probability 1/2 each */
      if (x <= -10)
        return 0;
      if (x <= -5)
        return (x + 10) / 10;
      if (x <= 5)
        return 0.5;
      if (x <= 10)
        return 0.5 + (x - 5) / 10;
      return 1;
    default:
      g_assert_not_reached ();
    }
}

static void
ref_moments (const Ref *r, double *mean, double *std)
{
  switch (r->kind)
    {
    case REF_UNIFORM:
      *mean = (r->lo + r->hi) / 2;
      *std = (r->hi - r->lo) / sqrt (12.0);
      break;
    case REF_NORMAL:
      *mean = r->mu;
      *std = r->sigma;
      break;
    case REF_TRUNC:
      {
        double al = (r->lo - r->mu) / r->sigma, be = (r->hi - r->mu) / r->sigma;
        double z = norm_cdf (be) - norm_cdf (al);
        double d = (norm_pdf (al) - norm_pdf (be)) / z;
        *mean = r->mu + r->sigma * d;
        *std = r->sigma * sqrt (1 + (al * norm_pdf (al) - be * norm_pdf (be)) / z - d * d);
      }
      break;
    case REF_D2L:
      /* the continuous part: E[x^2] = E[U(5,10)^2] = (10^3 - 5^3) / (3 * 5) */
      *mean = 0;
      *std = sqrt ((1000.0 - 125.0) / 15.0);
      break;
    default:
      g_assert_not_reached ();
    }
}

static void
ref_uniform (Ref *r, double lo, double hi)
{
  *r = (Ref) { REF_UNIFORM, NAN, NAN, lo, hi };
}

static void
ref_normal (Ref *r, double mu, double sigma)
{
  *r = (Ref) { REF_NORMAL, mu, sigma, -INFINITY, INFINITY };
}

static void
ref_trunc (Ref *r, double mu, double sigma, double lo, double hi)
{
  *r = (Ref) { REF_TRUNC, mu, sigma, lo, hi };
}

/* torch.nn.init.calculate_gain, written from PyTorch's table */
static double
torch_gain (const char *nl, double param)
{
  if (strcmp (nl, "tanh") == 0)
    return 5.0 / 3;
  if (strcmp (nl, "relu") == 0)
    return sqrt (2.0);
  if (strcmp (nl, "leaky_relu") == 0)
    {
      double slope = isnan (param) ? 0.01 : param;
      return sqrt (2.0 / (1 + slope * slope));
    }
  if (strcmp (nl, "selu") == 0)
    return 0.75;
  return 1;
}

/* The reference distribution of scheme s on a (rows, cols) weight, from
 * PyTorch's formulas (fan_in = cols, fan_out = rows) and Keras' (a Keras
 * kernel is (in, out), so its fan_in is in_features = cols here too). */
static gboolean
reference (const PsInitScheme *s, int64_t rows, int64_t cols, Ref *r)
{
  const double *a = s->num;
  double fan_in = (double) cols, fan_out = (double) rows, std, bound;

  switch (s->info->kind)
    {
    case PS_INIT_UNIFORM:
    case PS_INIT_KERAS_RANDOM_UNIFORM:
      ref_uniform (r, a[0], a[1]);
      return TRUE;
    case PS_INIT_NORMAL:
    case PS_INIT_KERAS_RANDOM_NORMAL:
      ref_normal (r, a[0], a[1]);
      return TRUE;
    case PS_INIT_XAVIER_UNIFORM:
      std = a[0] * sqrt (2.0 / (fan_in + fan_out));
      ref_uniform (r, -sqrt (3.0) * std, sqrt (3.0) * std);
      return TRUE;
    case PS_INIT_XAVIER_NORMAL:
      ref_normal (r, 0, a[0] * sqrt (2.0 / (fan_in + fan_out)));
      return TRUE;
    case PS_INIT_KAIMING_UNIFORM:
    case PS_INIT_KAIMING_NORMAL:
      std = torch_gain (s->str[2], a[0])
            / sqrt (strcmp (s->str[1], "fan_in") == 0 ? fan_in : fan_out);
      if (s->info->kind == PS_INIT_KAIMING_UNIFORM)
        ref_uniform (r, -sqrt (3.0) * std, sqrt (3.0) * std);
      else
        ref_normal (r, 0, std);
      return TRUE;
    case PS_INIT_TRUNC_NORMAL:
      ref_trunc (r, a[0], a[1], a[2], a[3]);    /* absolute bounds, as PyTorch */
      return TRUE;
    case PS_INIT_DEFAULT:
      bound = 1 / sqrt (fan_in);                 /* kaiming_uniform(a=sqrt(5)) */
      ref_uniform (r, -bound, bound);
      return TRUE;
    case PS_INIT_D2L_CUSTOM:
      *r = (Ref) { REF_D2L, NAN, NAN, -10, 10 };
      return TRUE;
    case PS_INIT_KERAS_GLOROT_UNIFORM:
      bound = sqrt (6.0 / (fan_in + fan_out));
      ref_uniform (r, -bound, bound);
      return TRUE;
    case PS_INIT_KERAS_HE_UNIFORM:
      bound = sqrt (6.0 / fan_in);
      ref_uniform (r, -bound, bound);
      return TRUE;
    case PS_INIT_KERAS_LECUN_UNIFORM:
      bound = sqrt (3.0 / fan_in);
      ref_uniform (r, -bound, bound);
      return TRUE;
    case PS_INIT_KERAS_GLOROT_NORMAL:
    case PS_INIT_KERAS_HE_NORMAL:
    case PS_INIT_KERAS_LECUN_NORMAL:
      {
        /* VarianceScaling(distribution='truncated_normal'):
         * stddev = sqrt(scale / fan) / .87962566103423978, cut at 2 stddev */
        double scale = s->info->kind == PS_INIT_KERAS_HE_NORMAL ? 2 : 1;
        double fan = s->info->kind == PS_INIT_KERAS_GLOROT_NORMAL ? (fan_in + fan_out) / 2 : fan_in;
        std = sqrt (scale / fan) / .87962566103423978;
        ref_trunc (r, 0, std, -2 * std, 2 * std);
      }
      return TRUE;
    case PS_INIT_KERAS_TRUNCATED_NORMAL:
      ref_trunc (r, a[0], a[1], a[0] - 2 * a[1], a[0] + 2 * a[1]);
      return TRUE;
    default:
      return FALSE;
    }
}

/* ---- statistics -------------------------------------------------------- */

static int
cmp_double (gconstpointer a, gconstpointer b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

/* One-sample Kolmogorov–Smirnov statistic D = sup |F_n(x) - F(x)|. */
static double
ks_statistic (const float *x, int64_t n, const Ref *r)
{
  g_autofree double *v = g_new (double, n);
  double d = 0;

  for (int64_t i = 0; i < n; i++)
    v[i] = x[i];
  qsort (v, (size_t) n, sizeof (double), cmp_double);
  for (int64_t i = 0; i < n; i++)
    {
      double f = ref_cdf (r, v[i]);
      d = MAX (d, MAX (f - (double) i / n, (double) (i + 1) / n - f));
    }
  return d;
}

static void
sample_moments (const float *x, int64_t n, double *mean, double *std)
{
  double s = 0, ss = 0;

  for (int64_t i = 0; i < n; i++)
    s += x[i];
  *mean = s / n;
  for (int64_t i = 0; i < n; i++)
    ss += (x[i] - *mean) * (x[i] - *mean);
  *std = sqrt (ss / (n - 1));
}

/* The KS test at the 0.1% level and moments within 5 standard errors (the
 * std's standard error is sigma * sqrt((kurtosis - 1) / 4n), kurtosis <= 3
 * for every distribution here). */
static void
assert_distribution (const char *what, const float *x, int64_t n, const Ref *r)
{
  double mean, std, want_mean, want_std, d, crit = 1.95 / sqrt ((double) n);

  ref_moments (r, &want_mean, &want_std);
  sample_moments (x, n, &mean, &std);
  if (fabs (mean - want_mean) > 5 * want_std / sqrt ((double) n))
    g_error ("%s: mean %.6g, expected %.6g (n %" G_GINT64_FORMAT ")", what, mean, want_mean, n);
  if (fabs (std - want_std) > 5 * want_std * sqrt (0.5 / n))
    g_error ("%s: std %.6g, expected %.6g (n %" G_GINT64_FORMAT ")", what, std, want_std, n);
  d = ks_statistic (x, n, r);
  if (d >= crit)
    g_error ("%s: Kolmogorov–Smirnov D = %.5f >= %.5f (0.1%% level, n %" G_GINT64_FORMAT ")",
             what, d, crit, n);
  g_test_message ("%s: mean %.5g (%.5g) std %.5g (%.5g) D %.5f < %.5f", what, mean, want_mean,
                  std, want_std, d, crit);
}

/* Within [lo, hi] up to the rounding of the bounds to float. */
static void
assert_bounds (const char *what, const float *x, int64_t n, double lo, double hi)
{
  float flo = isfinite (lo) ? nextafterf ((float) lo, -INFINITY) : -INFINITY;
  float fhi = isfinite (hi) ? nextafterf ((float) hi, INFINITY) : INFINITY;

  for (int64_t i = 0; i < n; i++)
    if (!(x[i] >= flo && x[i] <= fhi))
      g_error ("%s: element %" G_GINT64_FORMAT " = %.9g is outside [%.9g, %.9g]", what, i,
               x[i], lo, hi);
}

static void
assert_rel (double got, double want, double rtol, const char *what)
{
  if (isinf (want) && got == want)
    return;
  if (!(fabs (got - want) <= rtol * MAX (fabs (want), 1e-300)))
    g_error ("%s: %.17g, expected %.17g", what, got, want);
}

/* ---- helpers ----------------------------------------------------------- */

static PsInitScheme *
parse_ok (const char *text)
{
  GError *error = NULL;
  PsInitScheme *s = ps_init_scheme_parse (text, &error);
  g_assert_no_error (error);
  g_assert_nonnull (s);
  return s;
}

static PsTensor *
draw (const char *scheme, int ndim, const int64_t *shape, int64_t owner_fan_in, guint64 seed)
{
  g_autoptr (PsInitScheme) s = parse_ok (scheme);
  PsTensor *t = ps_tensor_new (ndim, shape);
  GError *error = NULL;
  PsRng rng;

  ps_rng_seed (&rng, seed);
  ps_tensor_fill (t, 123.f);   /* every scheme must overwrite every element */
  g_assert_true (ps_init_tensor (s, t, owner_fan_in, &rng, &error));
  g_assert_no_error (error);
  return t;
}

static PsTensor *
draw_2d (const char *scheme, int64_t rows, int64_t cols, guint64 seed)
{
  int64_t shape[2] = { rows, cols };
  return draw (scheme, 2, shape, -1, seed);
}

static void
assert_init_error (const char *scheme, int ndim, const int64_t *shape, GQuark domain, int code,
                   const char *substring)
{
  g_autoptr (PsInitScheme) s = parse_ok (scheme);
  g_autoptr (PsTensor) t = ps_tensor_new (ndim, shape);
  GError *error = NULL;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  g_assert_false (ps_init_tensor (s, t, -1, &rng, &error));
  g_assert_error (error, domain, code);
  if (substring && strstr (error->message, substring) == NULL)
    g_error ("%s: the error \"%s\" does not mention \"%s\"", scheme, error->message, substring);
  g_test_message ("%s: %s", scheme, error->message);
  g_clear_error (&error);
}

/* ---- distributions ----------------------------------------------------- */

typedef struct
{
  const char *path;      /* /core/init/PATH/distribution */
  const char *scheme;
} DistCase;

static const DistCase dist_cases[] = {
  { "uniform", "uniform()" },
  { "uniform/args", "uniform(-3, 2)" },
  { "normal", "normal()" },
  { "normal/args", "normal(mean=1.5, std=0.3)" },
  { "xavier_uniform", "xavier_uniform()" },
  { "xavier_uniform/gain", "xavier_uniform(gain=2.5)" },
  { "xavier_normal", "xavier_normal()" },
  { "xavier_normal/gain", "xavier_normal(0.5)" },
  { "kaiming_uniform", "kaiming_uniform()" },
  { "kaiming_uniform/fan_out", "kaiming_uniform(a=0.2, mode='fan_out')" },
  { "kaiming_uniform/relu", "kaiming_uniform(mode='fan_in', nonlinearity='relu')" },
  { "kaiming_normal", "kaiming_normal()" },
  { "kaiming_normal/fan_out_tanh", "kaiming_normal(mode='fan_out', nonlinearity='tanh')" },
  { "kaiming_normal/selu", "kaiming_normal(nonlinearity='selu')" },
  { "trunc_normal", "trunc_normal()" },
  { "trunc_normal/args", "trunc_normal(mean=0.5, std=1.2, a=-1, b=2.5)" },
  { "trunc_normal/tail", "trunc_normal(std=0.5, a=0.5, b=1.5)" },
  { "default", "default()" },
  { "d2l_custom", "d2l_custom()" },
  { "glorot_uniform", "glorot_uniform()" },
  { "glorot_normal", "glorot_normal()" },
  { "he_normal", "he_normal()" },
  { "he_uniform", "he_uniform()" },
  { "lecun_normal", "lecun_normal()" },
  { "lecun_uniform", "lecun_uniform()" },
  { "random_normal", "random_normal()" },
  { "random_normal/args", "random_normal(mean=-1, stddev=2)" },
  { "random_uniform", "random_uniform()" },
  { "random_uniform/args", "random_uniform(minval=1, maxval=4)" },
  { "truncated_normal", "truncated_normal()" },
  { "truncated_normal/args", "truncated_normal(mean=3, stddev=0.25)" },
};

/* Schemes with exact results, tested below under their own paths. */
static const char *const exact_schemes[] = {
  "eye", "constant", "ones", "zeros", "orthogonal", "sparse",
};

static void
test_distribution (gconstpointer data)
{
  const DistCase *c = data;
  g_autoptr (PsInitScheme) s = parse_ok (c->scheme);
  g_autoptr (PsTensor) t = draw_2d (c->scheme, ROWS, COLS, SEED);
  int64_t n = t->numel;
  double lo, hi, mean, std, want_mean, want_std;
  Ref r = { 0 };

  g_assert_true (reference (s, ROWS, COLS, &r));
  ref_moments (&r, &want_mean, &want_std);
  if (r.kind == REF_D2L)
    want_std *= sqrt (0.5);   /* the whole mixture: half of the mass is at 0 */

  /* what the core says it should be agrees with the formulas */
  g_assert_true (ps_init_expected (s, t, -1, &lo, &hi, &mean, &std));
  assert_rel (lo, r.lo, 1e-12, "ps_init_expected lo");
  assert_rel (hi, r.hi, 1e-12, "ps_init_expected hi");
  if (!(fabs (mean - want_mean) <= 1e-12 * (fabs (want_mean) + want_std)))
    g_error ("ps_init_expected mean: %.17g, expected %.17g", mean, want_mean);
  assert_rel (std, want_std, 1e-9, "ps_init_expected std");

  assert_bounds (c->scheme, t->data, n, lo, hi);
  if (r.kind == REF_UNIFORM || r.kind == REF_D2L)
    {
      /* the observed extremes are within 20 gaps of the bounds (fails w.p. e^-20) */
      float mn = INFINITY, mx = -INFINITY;
      for (int64_t i = 0; i < n; i++)
        {
          mn = MIN (mn, t->data[i]);
          mx = MAX (mx, t->data[i]);
        }
      g_assert_cmpfloat (mn - lo, <, 20 * (hi - lo) / n);
      g_assert_cmpfloat (hi - mx, <, 20 * (hi - lo) / n);
    }
  if (r.kind == REF_TRUNC)
    {
      /* values reach into both ends of the truncation */
      float mn = INFINITY, mx = -INFINITY;
      for (int64_t i = 0; i < n; i++)
        {
          mn = MIN (mn, t->data[i]);
          mx = MAX (mx, t->data[i]);
        }
      g_assert_cmpfloat (mn - lo, <, 0.01 * (hi - lo));
      g_assert_cmpfloat (hi - mx, <, 0.01 * (hi - lo));
    }

  if (r.kind == REF_D2L)
    {
      /* exactly zero with probability 1/2; the rest in 5 <= |x| <= 10 */
      g_autofree float *nz = g_new (float, n);
      int64_t zeros = 0, m = 0;
      for (int64_t i = 0; i < n; i++)
        {
          if (t->data[i] == 0.f)
            zeros++;
          else
            {
              g_assert_cmpfloat (fabsf (t->data[i]), >=, 5.f);
              nz[m++] = t->data[i];
            }
        }
      if (fabs ((double) zeros - n / 2.0) > 5 * sqrt (n / 4.0))
        g_error ("d2l_custom: %" G_GINT64_FORMAT " zeros of %" G_GINT64_FORMAT, zeros, n);
      g_test_message ("d2l_custom: %.5f zeros", (double) zeros / n);
      assert_distribution ("d2l_custom (nonzero part)", nz, m, &r);
      /* and the moments of the whole mixture */
      sample_moments (t->data, n, &mean, &std);
      g_assert_cmpfloat (fabs (mean - want_mean), <=, 5 * want_std / sqrt ((double) n));
      g_assert_cmpfloat (fabs (std - want_std), <=, 5 * want_std * sqrt (0.5 / n));
    }
  else
    assert_distribution (c->scheme, t->data, n, &r);
}

/* Linear.reset_parameters() on a bias: U(-1/sqrt(in), 1/sqrt(in)) from the owner's fan-in */
static void
test_default_bias (void)
{
  int64_t n = 1 << 17, fan_in = 300;
  g_autoptr (PsTensor) t = draw ("default()", 1, &n, fan_in, SEED);
  g_autoptr (PsInitScheme) s = parse_ok ("default()");
  double lo, hi, mean, std, b = 1 / sqrt ((double) fan_in);
  Ref r;

  ref_uniform (&r, -b, b);
  g_assert_true (ps_init_expected (s, t, fan_in, &lo, &hi, &mean, &std));
  assert_rel (hi, b, 1e-12, "bias bound");
  assert_rel (lo, -b, 1e-12, "bias bound");
  assert_bounds ("default() bias", t->data, n, lo, hi);
  assert_distribution ("default() bias", t->data, n, &r);

  /* without the owner's fan-in it cannot be done */
  {
    g_autoptr (PsTensor) u = ps_tensor_new_1d (8);
    GError *error = NULL;
    PsRng rng;
    ps_rng_seed (&rng, SEED);
    g_assert_false (ps_init_tensor (s, u, -1, &rng, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
    g_clear_error (&error);
  }
}

/* ---- exact schemes ----------------------------------------------------- */

static void
test_eye (void)
{
  static const int64_t shapes[][2] = { { 3, 5 }, { 5, 3 }, { 4, 4 }, { 1, 7 } };

  for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
    {
      g_autoptr (PsTensor) t = draw_2d ("eye()", shapes[k][0], shapes[k][1], SEED);
      for (int64_t i = 0; i < shapes[k][0]; i++)
        for (int64_t j = 0; j < shapes[k][1]; j++)
          g_assert_cmpfloat (t->data[i * shapes[k][1] + j], ==, i == j ? 1.f : 0.f);
    }
  {
    int64_t s1 = 4, s3[3] = { 2, 2, 2 };
    assert_init_error ("eye()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "2-D");
    assert_init_error ("eye()", 3, s3, PS_ERROR, PS_ERROR_SHAPE, "2-D");
  }
}

static void
test_constant (void)
{
  static const struct { const char *scheme; float want; } cases[] = {
    { "constant(0.3)", 0.3f },
    { "constant(val=-2.5)", -2.5f },
    { "ones()", 1.f },
    { "zeros()", 0.f },
  };
  int64_t shape3[3] = { 3, 4, 5 }, one = 9;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (PsTensor) t = draw_2d (cases[k].scheme, ROWS, COLS, SEED);
      g_autoptr (PsTensor) u = draw (cases[k].scheme, 3, shape3, -1, SEED);
      g_autoptr (PsTensor) v = draw (cases[k].scheme, 1, &one, -1, SEED);
      g_autoptr (PsInitScheme) s = parse_ok (cases[k].scheme);
      double lo, hi, mean, std;
      for (int64_t i = 0; i < t->numel; i++)
        g_assert_cmpfloat (t->data[i], ==, cases[k].want);
      for (int64_t i = 0; i < u->numel; i++)
        g_assert_cmpfloat (u->data[i], ==, cases[k].want);
      for (int64_t i = 0; i < v->numel; i++)
        g_assert_cmpfloat (v->data[i], ==, cases[k].want);
      g_assert_true (ps_init_expected (s, t, -1, &lo, &hi, &mean, &std));
      g_assert_cmpfloat ((float) lo, ==, cases[k].want);
      g_assert_cmpfloat ((float) hi, ==, cases[k].want);
      g_assert_cmpfloat (std, ==, 0);
    }
}

/* Q^T Q = gain^2 I (the smaller Gram matrix of the flattened rows x cols view) */
static void
assert_orthogonal (const PsTensor *t, double gain)
{
  int64_t rows = t->shape[0], cols = t->numel / rows;
  gboolean tall = rows >= cols;
  int64_t k = tall ? cols : rows, len = tall ? rows : cols;
  double worst = 0;

  for (int64_t i = 0; i < k; i++)
    for (int64_t j = 0; j < k; j++)
      {
        double dot = 0;
        for (int64_t l = 0; l < len; l++)
          dot += tall ? (double) t->data[l * cols + i] * t->data[l * cols + j]
                      : (double) t->data[i * cols + l] * t->data[j * cols + l];
        worst = MAX (worst, fabs (dot - (i == j ? gain * gain : 0)));
      }
  if (worst > 1e-5 * gain * gain)
    g_error ("orthogonal: |Q^T Q - gain^2 I| = %.3g", worst);
}

static void
test_orthogonal (void)
{
  static const int64_t shapes[][3] = {
    { 64, 16, 0 }, { 16, 64, 0 }, { 32, 32, 0 }, { 1, 10, 0 }, { 10, 1, 0 },
    { 4, 3, 5 },    /* 3-D: seen as 4 x 15 */
    { 20, 3, 2 },   /* 3-D: 20 x 6 */
  };
  static const struct { const char *scheme; double gain; } schemes[] = {
    { "orthogonal()", 1 }, { "orthogonal(gain=2)", 2 }, { "orthogonal(0.5)", 0.5 },
  };

  for (guint a = 0; a < G_N_ELEMENTS (schemes); a++)
    for (guint k = 0; k < G_N_ELEMENTS (shapes); k++)
      {
        int ndim = shapes[k][2] ? 3 : 2;
        g_autoptr (PsTensor) t = draw (schemes[a].scheme, ndim, shapes[k], -1, SEED + k);
        g_autoptr (PsTensor) u = draw (schemes[a].scheme, ndim, shapes[k], -1, SEED + k + 100);
        assert_orthogonal (t, schemes[a].gain);
        assert_orthogonal (u, schemes[a].gain);
        g_assert_cmpint (memcmp (t->data, u->data, t->numel * sizeof (float)), !=, 0);
      }

  /* a large square one is a random rotation: its entries have mean 0 and variance 1/n */
  {
    g_autoptr (PsTensor) t = draw_2d ("orthogonal()", 200, 200, SEED);
    double mean, std;
    sample_moments (t->data, t->numel, &mean, &std);
    g_assert_cmpfloat (fabs (mean), <, 5 * (1 / sqrt (200.0)) / 200);
    g_assert_cmpfloat (fabs (std - 1 / sqrt (200.0)), <, 0.02 / sqrt (200.0));
    assert_orthogonal (t, 1);
  }
  {
    int64_t s1 = 5;
    g_autoptr (PsInitScheme) s = parse_ok ("orthogonal()");
    g_autoptr (PsTensor) t = ps_tensor_new_2d (3, 4);
    double lo, hi, mean, std;
    assert_init_error ("orthogonal()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "2");
    g_assert_false (ps_init_expected (s, t, -1, &lo, &hi, &mean, &std));
  }
}

static void
test_sparse (void)
{
  static const struct { const char *scheme; double sparsity, std; } cases[] = {
    { "sparse(0.1, std=0.02)", 0.1, 0.02 },
    { "sparse(sparsity=0.3)", 0.3, 0.01 },
    { "sparse(0.25, 1)", 0.25, 1 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (PsTensor) t = draw_2d (cases[k].scheme, ROWS, COLS, SEED + k);
      int64_t want_zeros = (int64_t) ceil (cases[k].sparsity * ROWS), m = 0;
      g_autofree float *nz = g_new (float, t->numel);
      gboolean patterns_differ = FALSE;
      Ref r;

      for (int64_t c = 0; c < COLS; c++)
        {
          int64_t zeros = 0;
          for (int64_t i = 0; i < ROWS; i++)
            {
              float v = t->data[i * COLS + c];
              if (v == 0.f)
                zeros++;
              else
                nz[m++] = v;
              if (c > 0 && (v == 0.f) != (t->data[i * COLS + c - 1] == 0.f))
                patterns_differ = TRUE;
            }
          if (zeros != want_zeros)
            g_error ("%s: column %" G_GINT64_FORMAT " has %" G_GINT64_FORMAT " zeros, "
                     "expected ceil(sparsity * rows) = %" G_GINT64_FORMAT, cases[k].scheme, c,
                     zeros, want_zeros);
        }
      g_assert_true (patterns_differ);   /* each column draws its own rows */
      ref_normal (&r, 0, cases[k].std);
      assert_distribution (cases[k].scheme, nz, m, &r);
    }

  /* the extremes */
  {
    g_autoptr (PsTensor) none = draw_2d ("sparse(0)", 16, 8, SEED);
    g_autoptr (PsTensor) all = draw_2d ("sparse(1)", 16, 8, SEED);
    for (int64_t i = 0; i < none->numel; i++)
      {
        g_assert_cmpfloat (none->data[i], !=, 0.f);
        g_assert_cmpfloat (all->data[i], ==, 0.f);
      }
  }
  {
    int64_t s1 = 10, s3[3] = { 4, 4, 4 };
    assert_init_error ("sparse(0.5)", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "2-D");
    assert_init_error ("sparse(0.5)", 3, s3, PS_ERROR, PS_ERROR_SHAPE, "2-D");
    assert_init_error ("sparse(1.5)", 2, (int64_t[]) { 4, 4 }, PS_ERROR, PS_ERROR_VALUE,
                       "sparsity");
  }
}

/* Every scheme of the table has a test here. */
static void
test_coverage (void)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);

  g_assert_cmpuint (n, ==, PS_N_INITS);
  for (guint i = 0; i < n; i++)
    {
      gboolean found = FALSE;
      g_autofree char *call = g_strdup_printf ("%s(", infos[i].name);
      for (guint k = 0; k < G_N_ELEMENTS (dist_cases) && !found; k++)
        found = g_str_has_prefix (dist_cases[k].scheme, call);
      for (guint k = 0; k < G_N_ELEMENTS (exact_schemes) && !found; k++)
        found = strcmp (exact_schemes[k], infos[i].name) == 0;
      if (!found)
        g_error ("initializer %s has no test", infos[i].name);
      g_assert_true (ps_init_find_info (infos[i].name) == &infos[i]);
    }
  g_assert_null (ps_init_find_info ("nope"));
}

/* ---- fans and gains ----------------------------------------------------- */

static void
test_fans (void)
{
  /* torch.nn.init._calculate_fan_in_and_fan_out(torch.empty(shape)) */
  static const struct { int ndim; int64_t shape[4]; int64_t fan_in, fan_out; } cases[] = {
    { 2, { 3, 5 }, 5, 3 },
    { 2, { 7, 1 }, 1, 7 },
    { 2, { ROWS, COLS }, COLS, ROWS },
    { 3, { 4, 3, 5 }, 15, 20 },
    { 4, { 2, 3, 4, 5 }, 60, 40 },
  };
  GError *error = NULL;
  int64_t fi = -1, fo = -1;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (PsTensor) t = ps_tensor_new (cases[k].ndim, cases[k].shape);
      g_assert_true (ps_init_compute_fans (t, &fi, &fo, &error));
      g_assert_no_error (error);
      g_assert_cmpint (fi, ==, cases[k].fan_in);
      g_assert_cmpint (fo, ==, cases[k].fan_out);
    }
  {
    g_autoptr (PsTensor) v = ps_tensor_new_1d (5);
    g_autoptr (PsTensor) s = ps_tensor_new_scalar (1);
    g_assert_false (ps_init_compute_fans (v, &fi, &fo, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
    g_assert_nonnull (strstr (error->message, "fewer than 2 dimensions"));
    g_clear_error (&error);
    g_assert_false (ps_init_compute_fans (s, &fi, &fo, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
    g_clear_error (&error);
  }
  /* the fan-based schemes refuse a 1-D tensor */
  {
    int64_t s1 = 16;
    assert_init_error ("xavier_uniform()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "fewer than 2");
    assert_init_error ("xavier_normal()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "fewer than 2");
    assert_init_error ("kaiming_uniform()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "fewer than 2");
    assert_init_error ("kaiming_normal()", 1, &s1, PS_ERROR, PS_ERROR_SHAPE, "fewer than 2");
  }
}

static void
test_gain (void)
{
  /* Reference: torch.nn.init.calculate_gain(nl, param) printed with repr() by
   * /usr/bin/python3 (PyTorch 2.x) */
  static const struct { const char *nl; double param; double gain; } cases[] = {
    { "linear", NAN, 1 },
    { "conv1d", NAN, 1 },
    { "conv2d", NAN, 1 },
    { "conv3d", NAN, 1 },
    { "conv_transpose1d", NAN, 1 },
    { "conv_transpose2d", NAN, 1 },
    { "conv_transpose3d", NAN, 1 },
    { "sigmoid", NAN, 1 },
    { "tanh", NAN, 1.6666666666666667 },
    { "relu", NAN, 1.4142135623730951 },
    { "leaky_relu", NAN, 1.4141428569978354 },     /* param None: slope 0.01 */
    { "leaky_relu", 0.2, 1.3867504905630728 },
    { "leaky_relu", 0, 1.4142135623730951 },
    { "leaky_relu", -0.5, 1.2649110640673518 },
    { "leaky_relu", 3, 0.4472135954999579 },
    { "selu", NAN, 0.75 },
  };
  GError *error = NULL;
  double g = -1;

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_assert_true (ps_init_calculate_gain (cases[k].nl, cases[k].param, &g, &error));
      g_assert_no_error (error);
      if (fabs (g - cases[k].gain) > 1e-15 * cases[k].gain)
        g_error ("calculate_gain('%s', %g) = %.17g, PyTorch gives %.17g", cases[k].nl,
                 cases[k].param, g, cases[k].gain);
      /* and the test's own formula agrees */
      assert_rel (torch_gain (cases[k].nl, cases[k].param), cases[k].gain, 1e-15, cases[k].nl);
    }
  for (guint k = 0; k < 3; k++)
    {
      static const char *bad[] = { "softmax", "", "ReLU" };
      g_assert_false (ps_init_calculate_gain (bad[k], NAN, &g, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
      g_assert_nonnull (strstr (error->message, "nonlinearity"));
      g_clear_error (&error);
    }
  {
    int64_t s2[2] = { 8, 8 };
    assert_init_error ("kaiming_uniform(nonlinearity='softmax')", 2, s2, PS_ERROR,
                       PS_ERROR_VALUE, "softmax");
  }
}

/* ---- kaiming modes, trunc_normal arguments ------------------------------ */

static double
max_abs (const PsTensor *t)
{
  double m = 0;
  for (int64_t i = 0; i < t->numel; i++)
    m = MAX (m, fabs (t->data[i]));
  return m;
}

static void
test_kaiming_modes (void)
{
  g_autoptr (PsTensor) fin = draw_2d ("kaiming_uniform(mode='fan_in')", ROWS, COLS, SEED);
  g_autoptr (PsTensor) fout = draw_2d ("kaiming_uniform(mode='fan_out')", ROWS, COLS, SEED);
  g_autoptr (PsTensor) nin = draw_2d ("kaiming_normal(mode='fan_in')", ROWS, COLS, SEED);
  g_autoptr (PsTensor) nout = draw_2d ("kaiming_normal(mode='fan_out')", ROWS, COLS, SEED);
  double b_in = sqrt (2.0) * sqrt (3.0 / COLS), b_out = sqrt (2.0) * sqrt (3.0 / ROWS);
  double m_in, s_in, m_out, s_out;
  int64_t s2[2] = { 4, 6 };

  /* a = 0, leaky_relu: gain sqrt(2); bound sqrt(3) * gain / sqrt(fan) */
  g_assert_cmpfloat (max_abs (fin), <=, b_in * (1 + 1e-6));
  g_assert_cmpfloat (max_abs (fin), >, b_in * 0.999);
  g_assert_cmpfloat (max_abs (fout), <=, b_out * (1 + 1e-6));
  g_assert_cmpfloat (max_abs (fout), >, b_out * 0.999);
  /* the same draws, scaled by the ratio of the fans */
  for (int64_t i = 0; i < 100; i++)
    g_assert_cmpfloat (fabs (fout->data[i] - fin->data[i] * sqrt ((double) COLS / ROWS)), <,
                       1e-6 * b_out);
  sample_moments (nin->data, nin->numel, &m_in, &s_in);
  sample_moments (nout->data, nout->numel, &m_out, &s_out);
  g_assert_cmpfloat (fabs (s_in - sqrt (2.0 / COLS)), <, 0.01 * sqrt (2.0 / COLS));
  g_assert_cmpfloat (fabs (s_out - sqrt (2.0 / ROWS)), <, 0.01 * sqrt (2.0 / ROWS));

  assert_init_error ("kaiming_uniform(mode='fan_avg')", 2, s2, PS_ERROR, PS_ERROR_VALUE,
                     "fan_avg");
  assert_init_error ("kaiming_normal(mode='fan-in')", 2, s2, PS_ERROR, PS_ERROR_VALUE, "fan-in");
  {
    /* PyTorch lower-cases the mode: kaiming_uniform_(t, mode='FAN_OUT') works */
    g_autoptr (PsTensor) upper = draw_2d ("kaiming_uniform(mode='FAN_OUT')", ROWS, COLS, SEED);
    g_assert_cmpint (memcmp (upper->data, fout->data, upper->numel * sizeof (float)), ==, 0);
  }
  {
    g_autoptr (PsInitScheme) s = parse_ok ("kaiming_normal(mode='fan_avg')");
    g_autoptr (PsTensor) t = ps_tensor_new_2d (4, 6);
    double lo, hi, mean, std;
    g_assert_false (ps_init_expected (s, t, -1, &lo, &hi, &mean, &std));
  }
}

static void
test_trunc_normal_errors (void)
{
  int64_t s2[2] = { 4, 6 };

  assert_init_error ("trunc_normal(a=1, b=1)", 2, s2, PS_ERROR, PS_ERROR_VALUE, "a < b");
  assert_init_error ("trunc_normal(a=2, b=-2)", 2, s2, PS_ERROR, PS_ERROR_VALUE, "a < b");
  assert_init_error ("trunc_normal(std=0)", 2, s2, PS_ERROR, PS_ERROR_VALUE, "std");
  /* any shape is fine, 1-D included */
  {
    int64_t n = 1000;
    g_autoptr (PsTensor) t = draw ("trunc_normal(a=-0.5, b=0.5)", 1, &n, -1, SEED);
    assert_bounds ("trunc_normal 1-D", t->data, n, -0.5, 0.5);
  }
}

/* ---- determinism -------------------------------------------------------- */

static char *
scheme_with_required_args (const PsInitInfo *info)
{
  if (info->kind == PS_INIT_CONSTANT)
    return g_strdup ("constant(0.5)");
  if (info->kind == PS_INIT_SPARSE)
    return g_strdup ("sparse(0.2)");
  return g_strdup_printf ("%s()", info->name);
}

static void
test_determinism (void)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);

  for (guint i = 0; i < n; i++)
    {
      g_autofree char *text = scheme_with_required_args (&infos[i]);
      g_autoptr (PsTensor) a = draw_2d (text, 33, 17, 1234);
      g_autoptr (PsTensor) b = draw_2d (text, 33, 17, 1234);
      g_autoptr (PsTensor) c = draw_2d (text, 33, 17, 1235);
      gboolean random = infos[i].kind != PS_INIT_CONSTANT && infos[i].kind != PS_INIT_ONES
                        && infos[i].kind != PS_INIT_ZEROS && infos[i].kind != PS_INIT_EYE;

      if (memcmp (a->data, b->data, a->numel * sizeof (float)) != 0)
        g_error ("%s: the same seed gave different values", text);
      if (random && memcmp (a->data, c->data, a->numel * sizeof (float)) == 0)
        g_error ("%s: different seeds gave the same values", text);
      if (!random && memcmp (a->data, c->data, a->numel * sizeof (float)) != 0)
        g_error ("%s: a deterministic scheme depends on the seed", text);
    }

  /* through ps_init_apply: the parameter's version moves */
  {
    g_autoptr (PsTensor) d = ps_tensor_new_2d (3, 4);
    g_autoptr (PsParam) p = ps_param_new (d);
    g_autoptr (PsInitScheme) s = parse_ok ("normal()");
    GError *error = NULL;
    guint64 v = ps_param_get_data_version (p);
    PsRng rng;
    ps_rng_seed (&rng, SEED);
    g_assert_true (ps_init_apply (s, p, -1, &rng, &error));
    g_assert_no_error (error);
    g_assert_cmpuint (ps_param_get_data_version (p), >, v);
  }
}

/* ---- the scheme parser --------------------------------------------------- */

static void
assert_scheme (const char *text, const char *name, const double *num, const char *const *str)
{
  g_autoptr (PsInitScheme) s = parse_ok (text);

  g_assert_cmpstr (s->info->name, ==, name);
  for (guint i = 0; i < s->info->n_args; i++)
    {
      if (s->info->args[i].type == PS_ARG_FLOAT)
        {
          if (!(s->num[i] == num[i]))
            g_error ("%s: argument %s = %.17g, expected %.17g", text, s->info->args[i].name,
                     s->num[i], num[i]);
        }
      else
        g_assert_cmpstr (s->str[i], ==, str[i]);
    }
}

static void
assert_parse_error (const char *text, int code, const char *const *substrings)
{
  GError *error = NULL;
  PsInitScheme *s = ps_init_scheme_parse (text, &error);

  g_assert_null (s);
  g_assert_error (error, PS_ERROR, code);
  for (guint i = 0; substrings && substrings[i]; i++)
    if (strstr (error->message, substrings[i]) == NULL)
      g_error ("%s: the error \"%s\" does not mention \"%s\"", text, error->message,
               substrings[i]);
  g_test_message ("%s -> %s", text, error->message);
  g_clear_error (&error);
}

#define STRS(...) ((const char *const[]) { __VA_ARGS__, NULL })
#define NUMS(...) ((const double[]) { __VA_ARGS__ })

static void
test_parse (void)
{
  /* positional, keyword, mixed, defaults */
  assert_scheme ("normal(0.5, 2)", "normal", NUMS (0.5, 2), NULL);
  assert_scheme ("normal(std=2)", "normal", NUMS (0, 2), NULL);
  assert_scheme ("normal(0.5, std=2)", "normal", NUMS (0.5, 2), NULL);
  assert_scheme ("normal(std=3, mean=-1)", "normal", NUMS (-1, 3), NULL);
  assert_scheme ("normal()", "normal", NUMS (0, 1), NULL);
  assert_scheme ("uniform()", "uniform", NUMS (0, 1), NULL);
  assert_scheme ("uniform(-1e-2, 1E2)", "uniform", NUMS (-0.01, 100), NULL);
  assert_scheme ("  normal ( mean = 1 , std = 2 )  ", "normal", NUMS (1, 2), NULL);
  assert_scheme ("trunc_normal(b=3)", "trunc_normal", NUMS (0, 1, -2, 3), NULL);
  assert_scheme ("sparse(0.1)", "sparse", NUMS (0.1, 0.01), NULL);
  assert_scheme ("constant(val=7)", "constant", NUMS (7), NULL);
  assert_scheme ("xavier_uniform()", "xavier_uniform", NUMS (1), NULL);
  assert_scheme ("orthogonal()", "orthogonal", NUMS (1), NULL);
  assert_scheme ("random_uniform()", "random_uniform", NUMS (-0.05, 0.05), NULL);
  assert_scheme ("random_normal()", "random_normal", NUMS (0, 0.05), NULL);
  assert_scheme ("truncated_normal()", "truncated_normal", NUMS (0, 0.05), NULL);
  /* strings, both quotes */
  assert_scheme ("kaiming_uniform()", "kaiming_uniform", NUMS (0, NAN, NAN),
                 STRS (NULL, "fan_in", "leaky_relu"));
  assert_scheme ("kaiming_uniform(a=0.1, mode='fan_out', nonlinearity=\"relu\")",
                 "kaiming_uniform", NUMS (0.1, NAN, NAN), STRS (NULL, "fan_out", "relu"));
  assert_scheme ("kaiming_normal(0, 'fan_out')", "kaiming_normal", NUMS (0, NAN, NAN),
                 STRS (NULL, "fan_out", "leaky_relu"));
  assert_scheme ("kaiming_uniform(a=math.sqrt(5))", "kaiming_uniform", NUMS (sqrt (5.0), NAN, NAN),
                 STRS (NULL, "fan_in", "leaky_relu"));
  /* the spellings of Python */
  assert_scheme ("normal_(std=0.01)", "normal", NUMS (0, 0.01), NULL);
  assert_scheme ("nn.init.normal_(std=0.01)", "normal", NUMS (0, 0.01), NULL);
  assert_scheme ("torch.nn.init.xavier_uniform_(gain=2)", "xavier_uniform", NUMS (2), NULL);
  assert_scheme ("init.ones_()", "ones", NULL, NULL);
  assert_scheme ("nn.init.zeros_()", "zeros", NULL, NULL);
  assert_scheme ("nn.init.constant_(val=3)", "constant", NUMS (3), NULL);

  /* errors */
  assert_parse_error ("foo()", PS_ERROR_PARSE, STRS ("'foo'", "xavier_uniform", "he_normal"));
  assert_parse_error ("nn.init.foo_(1)", PS_ERROR_PARSE, STRS ("'foo'"));
  /* a bare name is the scheme with its defaults (--init '*=normal') */
  assert_scheme ("normal", "normal", NUMS (0, 1), NULL);
  assert_scheme (" nn.init.xavier_uniform_ ", "xavier_uniform", NUMS (1), NULL);
  assert_parse_error ("gaussian", PS_ERROR_PARSE, STRS ("'gaussian'", "xavier_uniform"));
  assert_parse_error ("normal(", PS_ERROR_PARSE, STRS ("normal", "known schemes"));
  assert_parse_error ("normal std=1", PS_ERROR_PARSE, STRS ("known schemes"));
  assert_parse_error ("", PS_ERROR_PARSE, NULL);
  assert_parse_error ("normal(sd=1)", PS_ERROR_PARSE, STRS ("'sd'", "mean, std"));
  assert_parse_error ("kaiming_uniform(nonlin='relu')", PS_ERROR_PARSE,
                      STRS ("'nonlin'", "a, mode, nonlinearity"));
  assert_parse_error ("ones(val=1)", PS_ERROR_PARSE, STRS ("'val'", "no arguments"));
  assert_parse_error ("constant()", PS_ERROR_PARSE, STRS ("val"));
  assert_parse_error ("sparse(std=0.1)", PS_ERROR_PARSE, STRS ("sparsity"));
  assert_parse_error ("normal(mean=abc)", PS_ERROR_VALUE, STRS ("mean", "abc"));
  assert_parse_error ("normal(1x)", PS_ERROR_VALUE, STRS ("1x"));
  assert_parse_error ("normal(mean=inf)", PS_ERROR_VALUE, STRS ("finite"));
  assert_parse_error ("normal(mean=nan)", PS_ERROR_VALUE, STRS ("finite"));
  assert_parse_error ("uniform(a='x')", PS_ERROR_VALUE, NULL);
  assert_parse_error ("kaiming_uniform(mode=fan_in)", PS_ERROR_VALUE, STRS ("quoted"));
  assert_parse_error ("normal(mean=1, 2)", PS_ERROR_PARSE, STRS ("positional", "keyword"));
  assert_parse_error ("normal(1, 2, 3)", PS_ERROR_PARSE, STRS ("takes 2 arguments", "3"));
  assert_parse_error ("ones(1)", PS_ERROR_PARSE, STRS ("takes 0 arguments"));
  assert_parse_error ("constant(1, 2)", PS_ERROR_PARSE, STRS ("takes 1 argument "));
  assert_parse_error ("normal(mean=1, mean=2)", PS_ERROR_PARSE, STRS ("twice"));
  assert_parse_error ("normal(1, mean=2)", PS_ERROR_PARSE, STRS ("twice"));
  assert_parse_error ("normal(1,, 2)", PS_ERROR_PARSE, STRS ("empty"));
}

static void
test_to_string (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "normal(0.5, 2)", "normal(mean=0.5, std=2)" },
    { "nn.init.ones_()", "ones()" },
    { "kaiming_uniform()", "kaiming_uniform(a=0, mode='fan_in', nonlinearity='leaky_relu')" },
    { "kaiming_normal(a=0.2, mode=\"fan_out\")",
      "kaiming_normal(a=0.2, mode='fan_out', nonlinearity='leaky_relu')" },
    { "trunc_normal(std=0.02)", "trunc_normal(mean=0, std=0.02, a=-2, b=2)" },
    { "sparse(0.1)", "sparse(sparsity=0.1, std=0.01)" },
    { "random_uniform()", "random_uniform(minval=-0.05, maxval=0.05)" },
  };
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autoptr (PsInitScheme) s = parse_ok (cases[k].in);
      g_autofree char *text = ps_init_scheme_to_string (s);
      g_assert_cmpstr (text, ==, cases[k].out);
    }

  /* every scheme, with its defaults and with other values, round-trips */
  for (guint i = 0; i < n; i++)
    for (int variant = 0; variant < 2; variant++)
      {
        g_autofree char *text = scheme_with_required_args (&infos[i]);
        g_autoptr (PsInitScheme) s = parse_ok (text);
        g_autofree char *out = NULL, *again = NULL;
        g_autoptr (PsInitScheme) t = NULL;
        GError *error = NULL;

        if (variant == 1)
          for (guint a = 0; a < infos[i].n_args; a++)
            {
              const char *v = infos[i].args[a].type == PS_ARG_STRING
                              ? (a == 1 ? "'fan_out'" : "'tanh'") : a == 0 ? "0.125" : "0.75";
              g_assert_true (ps_init_scheme_set_arg (s, infos[i].args[a].name, v, &error));
              g_assert_no_error (error);
            }
        out = ps_init_scheme_to_string (s);
        t = parse_ok (out);
        again = ps_init_scheme_to_string (t);
        g_assert_cmpstr (out, ==, again);
        g_assert_true (t->info == s->info);
        for (guint a = 0; a < infos[i].n_args; a++)
          {
            if (infos[i].args[a].type == PS_ARG_FLOAT)
              g_assert_cmpfloat (t->num[a], ==, s->num[a]);
            else
              g_assert_cmpstr (t->str[a], ==, s->str[a]);
          }
      }

  /* ps_init_scheme_new: all defaults */
  {
    g_autoptr (PsInitScheme) s = ps_init_scheme_new (PS_INIT_TRUNC_NORMAL);
    g_autofree char *text = ps_init_scheme_to_string (s);
    g_assert_cmpstr (text, ==, "trunc_normal(mean=0, std=1, a=-2, b=2)");
  }
  {
    g_autoptr (PsInitScheme) s = ps_init_scheme_new (PS_INIT_NORMAL);
    GError *error = NULL;
    g_assert_false (ps_init_scheme_set_arg (s, "stdev", "1", &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
    g_assert_nonnull (strstr (error->message, "mean, std"));
    g_clear_error (&error);
  }
}

/* ---- apply_pattern ------------------------------------------------------- */

static PsModule *
model (const char *text, guint64 seed)
{
  GError *error = NULL;
  PsRng rng;
  PsModule *m;

  ps_rng_seed (&rng, seed);
  m = ps_model_parse (text, -1, "test.py", &rng, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static PsTensor *
snapshot (PsModule *m, const char *key)
{
  PsParam *p = ps_module_find_param (m, key);
  g_assert_nonnull (p);
  return ps_tensor_copy (ps_param_get_data (p));
}

static gboolean
same_values (PsModule *m, const char *key, const PsTensor *before)
{
  PsTensor *now = ps_param_get_data (ps_module_find_param (m, key));
  return now->numel == before->numel
         && memcmp (now->data, before->data, now->numel * sizeof (float)) == 0;
}

static int
apply (PsModule *m, const char *pattern, const char *scheme, PsRng *rng, GError **error)
{
  g_autoptr (PsInitScheme) s = parse_ok (scheme);
  return ps_init_apply_pattern (m, pattern, s, rng, error);
}

static void
assert_same_rng (const PsRng *a, const PsRng *b)
{
  g_assert_cmpint (a->next, ==, b->next);
  g_assert_cmpint (memcmp (a->state, b->state, sizeof a->state), ==, 0);
  g_assert_cmpint (a->have_normal, ==, b->have_normal);
  if (a->have_normal)
    g_assert_cmpfloat (a->normal_cache, ==, b->normal_cache);
}

static void
test_apply_pattern_glob (void)
{
  g_autoptr (PsModule) net = model (
      "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(),\n"
      "                    nn.Sequential(nn.Linear(8, 8), nn.Linear(8, 2)))\n", 1);
  static const struct { const char *pattern; int count; const char *changed[6]; } cases[] = {
    { "*.weight", 3, { "0.weight", "2.0.weight", "2.1.weight" } },
    { "*bias", 3, { "0.bias", "2.0.bias", "2.1.bias" } },
    { "2.*", 4, { "2.0.weight", "2.0.bias", "2.1.weight", "2.1.bias" } },
    { "2*bias", 2, { "2.0.bias", "2.1.bias" } },          /* '*' spans the dots */
    { "0.weight", 1, { "0.weight" } },
    { "2.?.weight", 2, { "2.0.weight", "2.1.weight" } },
    { "*", 6, { "0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight", "2.1.bias" } },
    { "nothing*", 0, { NULL } },
    { "weight", 0, { NULL } },                            /* the whole key must match */
  };
  static const char *keys[] = { "0.weight", "0.bias", "2.0.weight", "2.0.bias", "2.1.weight",
                                "2.1.bias" };
  GError *error = NULL;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      PsTensor *before[G_N_ELEMENTS (keys)];
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        before[i] = snapshot (net, keys[i]);
      g_assert_cmpint (apply (net, cases[k].pattern, "normal(std=0.5)", &rng, &error), ==,
                       cases[k].count);
      g_assert_no_error (error);
      for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
        {
          gboolean should = FALSE;
          for (guint c = 0; c < G_N_ELEMENTS (cases[k].changed) && cases[k].changed[c]; c++)
            should |= strcmp (cases[k].changed[c], keys[i]) == 0;
          if (should == same_values (net, keys[i], before[i]))
            g_error ("pattern %s: %s %s", cases[k].pattern, keys[i],
                     should ? "did not change" : "changed");
          ps_tensor_unref (before[i]);
        }
    }

  /* a failing scheme names the key and returns -1 */
  g_assert_cmpint (apply (net, "*", "eye()", &rng, &error), ==, -1);
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_true (g_str_has_prefix (error->message, "0.bias: "));
  g_clear_error (&error);

  /* default() on a bias uses its layer's in_features */
  g_assert_cmpint (apply (net, "2.1.bias", "default()", &rng, &error), ==, 1);
  g_assert_no_error (error);
  g_assert_cmpfloat (max_abs (ps_param_get_data (ps_module_find_param (net, "2.1.bias"))), <=,
                     1 / sqrt (8.0));

  /* an uninitialized lazy parameter cannot be initialized */
  {
    g_autoptr (PsModule) lazy = model ("net = nn.Sequential(nn.LazyLinear(3))\n", 1);
    g_assert_cmpint (apply (lazy, "*", "normal()", &rng, &error), ==, -1);
    g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
    g_clear_error (&error);
  }
}

/* Initialize the distinct parameters of `net` in named_parameters order on
 * copies, as the untied equivalent would be. */
static GPtrArray *
init_distinct_copies (PsModule *net, const char *scheme, PsRng *rng)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (PsInitScheme) s = parse_ok (scheme);
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  GError *error = NULL;

  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      PsTensor *t = ps_tensor_copy (ps_param_get_data (p->param));
      g_assert_true (ps_init_tensor (s, t, ps_module_get_in_features (p->owner), rng, &error));
      g_assert_no_error (error);
      g_ptr_array_add (out, t);
    }
  return out;
}

static void
test_apply_pattern_tied (void)
{
  static const char *schemes[] = { "normal(std=0.1)", "uniform(-1, 1)", "default()",
                                   "trunc_normal(std=0.02)", "he_normal()", "d2l_custom()" };
  g_autoptr (PsModule) tied = model (
      "shared = nn.Linear(8, 8)\n"
      "net = nn.Sequential(nn.Linear(4, 8), shared, nn.ReLU(), shared, nn.Linear(8, 1))\n", 1);
  g_autoptr (PsModule) untied = model (
      "net = nn.Sequential(nn.Linear(4, 8), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))\n", 1);
  g_autoptr (PsModule) one = model (
      "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),\n"
      "                    nn.Linear(8, 8))\n"
      "net[4].weight = net[2].weight\n", 1);
  static const char *pairs[][2] = {
    { "0.weight", "0.weight" }, { "0.bias", "0.bias" }, { "1.weight", "1.weight" },
    { "1.bias", "1.bias" }, { "3.weight", "1.weight" }, { "4.weight", "3.weight" },
    { "4.bias", "3.bias" },
  };
  GError *error = NULL;

  for (guint k = 0; k < G_N_ELEMENTS (schemes); k++)
    {
      PsRng r1, r2;
      g_autoptr (GPtrArray) copies = NULL;

      /* a shared module: 8 keys, 6 distinct parameters, the same draws as the untied net */
      ps_rng_seed (&r1, SEED + k);
      ps_rng_seed (&r2, SEED + k);
      g_assert_cmpint (apply (tied, "*", schemes[k], &r1, &error), ==, 6);
      g_assert_no_error (error);
      g_assert_cmpint (apply (untied, "*", schemes[k], &r2, &error), ==, 6);
      g_assert_no_error (error);
      assert_same_rng (&r1, &r2);
      g_assert_cmpuint (ps_rng_u32 (&r1), ==, ps_rng_u32 (&r2));
      for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
        {
          g_autoptr (PsTensor) want = snapshot (untied, pairs[i][1]);
          if (!same_values (tied, pairs[i][0], want))
            g_error ("%s: tied %s differs from untied %s", schemes[k], pairs[i][0], pairs[i][1]);
        }

      /* a single tied parameter: 6 keys, 5 distinct */
      ps_rng_seed (&r1, SEED + k);
      ps_rng_seed (&r2, SEED + k);
      copies = init_distinct_copies (one, schemes[k], &r2);
      g_assert_cmpuint (copies->len, ==, 5);
      g_assert_cmpint (apply (one, "*", schemes[k], &r1, &error), ==, 5);
      g_assert_no_error (error);
      assert_same_rng (&r1, &r2);
      {
        static const char *keys[] = { "0.weight", "0.bias", "2.weight", "2.bias", "4.bias" };
        for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
          g_assert_true (same_values (one, keys[i], copies->pdata[i]));
        g_assert_true (same_values (one, "4.weight", copies->pdata[2]));
      }
    }

  /* a pattern naming only the second alias still initializes the parameter, once */
  {
    PsRng rng;
    g_autoptr (PsTensor) before = snapshot (one, "2.weight");
    ps_rng_seed (&rng, SEED);
    g_assert_cmpint (apply (one, "4.weight", "ones()", &rng, &error), ==, 1);
    g_assert_no_error (error);
    g_assert_cmpfloat (ps_param_get_data (ps_module_find_param (one, "2.weight"))->data[0], ==, 1);
    g_assert_cmpint (apply (one, "*.weight", "zeros()", &rng, &error), ==, 2);
    g_assert_cmpint (apply (tied, "?.weight", "zeros()", &rng, &error), ==, 3);
    g_assert_no_error (error);
  }
}

/* ---- PyTorch's default Linear initialization, bit for bit ---------------- */

static void
test_linear_default (void)
{
  /* Reference, produced with /usr/bin/python3 (Debian's PyTorch 1.13.1, x86-64):
   *   python3 -c 'torch.manual_seed(42); l = nn.Linear(5, 3)
   *     print([float(x).hex() for x in l.weight.flatten()], [... l.bias])'
   * PyTorch's uniform_ computes x * (to - from) + from in float.  Its kernels
   * are compiled once per CPU capability; the AVX2/AVX-512 (and NEON) builds
   * fuse that into one fma, which is what PyTorch runs here and on practically
   * every machine (want_w).  ParamScope uses fmaf on every machine, so it
   * matches those bit for bit, and the portable kernel (ATEN_CPU_CAPABILITY=
   * default, want_w_portable: two roundings) within 2^-23. */
  static const float want_w[15] = {
    0x1.5e1e30p-2, 0x1.7c1972p-2, -0x1.ad2322p-4, 0x1.a4accep-2, -0x1.9159dep-4,
    0x1.71a336p-4, -0x1.bde846p-3, 0x1.0cf1b4p-2, 0x1.93b31ep-2, -0x1.4ff66ep-2,
    0x1.8e0ba8p-2, 0x1.56d600p-4, 0x1.5255c8p-2, 0x1.f028eep-5, 0x1.b9a206p-3,
  };
  static const float want_b[3] = { -0x1.02a1c0p-4, 0x1.61064ep-2, 0x1.0ec122p-4 };
  static const float want_w_portable[15] = {
    0x1.5e1e30p-2, 0x1.7c1974p-2, -0x1.ad2320p-4, 0x1.a4acd0p-2, -0x1.9159e0p-4,
    0x1.71a330p-4, -0x1.bde846p-3, 0x1.0cf1b4p-2, 0x1.93b320p-2, -0x1.4ff66cp-2,
    0x1.8e0ba8p-2, 0x1.56d600p-4, 0x1.5255c8p-2, 0x1.f028e0p-5, 0x1.b9a208p-3,
  };
  static const float want_b_portable[3] = { -0x1.02a1c0p-4, 0x1.610650p-2, 0x1.0ec120p-4 };
  /* torch.manual_seed(42); l = nn.Linear(300, 40)
   *   l.weight[0, :3], l.weight[-1, -3:], l.bias[-3:] (as hex),
   *   repr(float(l.weight.double().sum())), repr(float(l.bias.double().sum())) */
  static const float want_w0[3] = { 0x1.6999a8p-5, 0x1.8890a2p-5, -0x1.bb3608p-7 };
  static const float want_wl[3] = { 0x1.1d1380p-5, -0x1.e8ab90p-6, 0x1.a7b228p-6 };
  static const float want_bl[3] = { 0x1.1047b2p-6, 0x1.7f3724p-5, 0x1.b8809ap-6 };
  const double want_wsum = -1.2204165517232468, want_bsum = 0.07927649258635938;
  PsRng rng;

  {
    g_autoptr (PsModule) l = NULL;
    PsTensor *w, *b;
    ps_rng_seed (&rng, 42);
    l = ps_module_new_linear (5, 3, TRUE, &rng);
    w = ps_param_get_data (ps_module_get_param_by_name (l, "weight"));
    b = ps_param_get_data (ps_module_get_param_by_name (l, "bias"));
    g_assert_cmpint (w->shape[0], ==, 3);
    g_assert_cmpint (w->shape[1], ==, 5);
    for (int i = 0; i < 15; i++)
      {
        if (w->data[i] != want_w[i])
          g_error ("weight[%d] = %a, PyTorch gives %a", i, w->data[i], want_w[i]);
        g_assert_cmpfloat (fabsf (w->data[i] - want_w_portable[i]), <=, 0x1p-23);
      }
    for (int i = 0; i < 3; i++)
      {
        if (b->data[i] != want_b[i])
          g_error ("bias[%d] = %a, PyTorch gives %a", i, b->data[i], want_b[i]);
        g_assert_cmpfloat (fabsf (b->data[i] - want_b_portable[i]), <=, 0x1p-23);
      }
  }
  /* the same through a model file, through default() applied to '*' and
   * through reset_parameters() */
  {
    g_autoptr (PsModule) net = model ("net = nn.Linear(5, 3)\n", 42);
    g_autoptr (PsTensor) w = snapshot (net, "weight");
    g_autoptr (PsTensor) b = snapshot (net, "bias");
    GError *error = NULL;
    g_assert_cmpint (memcmp (w->data, want_w, sizeof want_w), ==, 0);
    g_assert_cmpint (memcmp (b->data, want_b, sizeof want_b), ==, 0);
    ps_rng_seed (&rng, 42);
    g_assert_cmpint (apply (net, "*", "normal()", &rng, &error), ==, 2);
    ps_rng_seed (&rng, 42);
    g_assert_cmpint (apply (net, "*", "default()", &rng, &error), ==, 2);
    g_assert_no_error (error);
    g_assert_true (same_values (net, "weight", w));
    g_assert_true (same_values (net, "bias", b));
    ps_rng_seed (&rng, 42);
    g_assert_cmpint (apply (net, "*", "normal()", &rng, &error), ==, 2);
    ps_rng_seed (&rng, 42);
    ps_module_reset_parameters (net, &rng);
    g_assert_true (same_values (net, "weight", w));
    g_assert_true (same_values (net, "bias", b));
  }
  {
    g_autoptr (PsModule) l = NULL;
    PsTensor *w, *b;
    double ws = 0, bs = 0;
    ps_rng_seed (&rng, 42);
    l = ps_module_new_linear (300, 40, TRUE, &rng);
    w = ps_param_get_data (ps_module_get_param_by_name (l, "weight"));
    b = ps_param_get_data (ps_module_get_param_by_name (l, "bias"));
    for (int i = 0; i < 3; i++)
      {
        g_assert_cmpfloat (w->data[i], ==, want_w0[i]);
        g_assert_cmpfloat (w->data[w->numel - 3 + i], ==, want_wl[i]);
        g_assert_cmpfloat (b->data[b->numel - 3 + i], ==, want_bl[i]);
      }
    for (int64_t i = 0; i < w->numel; i++)
      ws += w->data[i];
    for (int64_t i = 0; i < b->numel; i++)
      bs += b->data[i];
    /* the sums of 12000 and 40 exact values: only the order of summation differs */
    g_assert_cmpfloat (fabs (ws - want_wsum), <, 1e-12);
    g_assert_cmpfloat (fabs (bs - want_bsum), <, 1e-15);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (dist_cases); k++)
    {
      g_autofree char *path = NULL;
      const char *slash = strchr (dist_cases[k].path, '/');
      if (slash)
        path = g_strdup_printf ("/core/init/%.*s/distribution/%s",
                                (int) (slash - dist_cases[k].path), dist_cases[k].path,
                                slash + 1);
      else
        path = g_strdup_printf ("/core/init/%s/distribution", dist_cases[k].path);
      g_test_add_data_func (path, &dist_cases[k], test_distribution);
    }
  g_test_add_func ("/core/init/default/bias", test_default_bias);
  g_test_add_func ("/core/init/default/pytorch-linear", test_linear_default);
  g_test_add_func ("/core/init/eye/exact", test_eye);
  g_test_add_func ("/core/init/constant/exact", test_constant);
  g_test_add_func ("/core/init/orthogonal/gram", test_orthogonal);
  g_test_add_func ("/core/init/sparse/columns", test_sparse);
  g_test_add_func ("/core/init/coverage", test_coverage);
  g_test_add_func ("/core/init/fans", test_fans);
  g_test_add_func ("/core/init/gain", test_gain);
  g_test_add_func ("/core/init/kaiming/modes", test_kaiming_modes);
  g_test_add_func ("/core/init/trunc_normal/errors", test_trunc_normal_errors);
  g_test_add_func ("/core/init/determinism", test_determinism);
  g_test_add_func ("/core/init/scheme/parse", test_parse);
  g_test_add_func ("/core/init/scheme/to_string", test_to_string);
  g_test_add_func ("/core/init/apply_pattern/glob", test_apply_pattern_glob);
  g_test_add_func ("/core/init/apply_pattern/tied", test_apply_pattern_tied);

  return g_test_run ();
}
