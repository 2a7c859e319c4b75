/* ps-rng.c — MT19937 with PyTorch's float transforms */
#include "ps-rng.h"

#include <math.h>
#include <string.h>

#define MT_N 624
#define MT_M 397

void
ps_rng_seed (PsRng *rng, uint64_t seed)
{
  rng->state[0] = (uint32_t) (seed & 0xffffffffu);
  for (int j = 1; j < MT_N; j++)
    rng->state[j] = 1812433253u * (rng->state[j - 1] ^ (rng->state[j - 1] >> 30)) + (uint32_t) j;
  rng->next = MT_N;
  rng->have_normal = FALSE;
}

static void
mt_twist (PsRng *rng)
{
  uint32_t *s = rng->state;

  for (int i = 0; i < MT_N; i++)
    {
      uint32_t y = (s[i] & 0x80000000u) | (s[(i + 1) % MT_N] & 0x7fffffffu);
      s[i] = s[(i + MT_M) % MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
    }
  rng->next = 0;
}

uint32_t
ps_rng_u32 (PsRng *rng)
{
  uint32_t y;

  if (rng->next >= MT_N)
    mt_twist (rng);
  y = rng->state[rng->next++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint64_t
ps_rng_u64 (PsRng *rng)
{
  uint64_t hi = ps_rng_u32 (rng);
  uint64_t lo = ps_rng_u32 (rng);
  return (hi << 32) | lo;
}

double
ps_rng_double (PsRng *rng)
{
  return (double) (ps_rng_u64 (rng) & ((G_GUINT64_CONSTANT (1) << 53) - 1)) * (1.0 / 9007199254740992.0);
}

float
ps_rng_float (PsRng *rng)
{
  return (float) (ps_rng_u32 (rng) & ((1u << 24) - 1)) * (1.0f / 16777216.0f);
}

double
ps_rng_normal (PsRng *rng)
{
  double u1, u2, r, theta;

  if (rng->have_normal)
    {
      rng->have_normal = FALSE;
      return rng->normal_cache;
    }
  u1 = ps_rng_double (rng);
  u2 = ps_rng_double (rng);
  r = sqrt (-2.0 * log (1.0 - u2));      /* as torch: log(1 - u), not log1p */
  theta = 2.0 * G_PI * u1;
  rng->normal_cache = r * sin (theta);
  rng->have_normal = TRUE;
  return r * cos (theta);
}

void
ps_rng_fill_uniform (PsRng *rng, float *x, int64_t n, double from, double to)
{
  /* torch: u = (u32 & (2^24 - 1)) / 2^24 in float, then u * (to - from) + from
   * with from and to cast to float first.  PyTorch's kernels for AVX2, AVX-512
   * and NEON (what it runs on practically every machine) compute that with
   * one fused multiply-add, so we do too: fmaf rounds once, on every CPU. */
  float f = (float) from, t = (float) to;
  float range = t - f;

  for (int64_t i = 0; i < n; i++)
    x[i] = fmaf (ps_rng_float (rng), range, f);
}

/* PyTorch fills a float32 tensor of 16 or more elements by blocks of 16:
 * uniforms first, then Box-Muller on each block with its AVX2 kernel, whose
 * logarithm, sine and cosine are the Cephes single-precision polynomials
 * (as in the widely used avx_mathfun), compiled with multiply-adds fused.
 * The scalar functions below evaluate the same polynomials in the same
 * order with the same roundings (fmaf where that kernel fuses), so every
 * bit agrees; checked against PyTorch for 80,000 samples. */

static inline uint32_t
f2u (float f)
{
  uint32_t u;
  memcpy (&u, &f, 4);
  return u;
}

static inline float
u2f (uint32_t u)
{
  float f;
  memcpy (&f, &u, 4);
  return f;
}

/* Natural logarithm of x > 0 */
static float
cephes_logf (float x)
{
  int32_t e_bits;
  float e, y, z, tmp;
  gboolean below;

  if (x < u2f (0x00800000u))               /* smallest normal */
    x = u2f (0x00800000u);
  e_bits = (int32_t) (f2u (x) >> 23) - 0x7f;
  x = u2f ((f2u (x) & ~0x7f800000u) | f2u (0.5f));       /* mantissa in [0.5, 1) */
  e = (float) e_bits + 1.f;
  below = x < 0.707106781186547524f;
  tmp = below ? x : 0.f;
  x = x - 1.f;
  e = e - (below ? 1.f : 0.f);
  x = x + tmp;
  z = x * x;
  y = 7.0376836292E-2f;
  y = fmaf (y, x, -1.1514610310E-1f);
  y = fmaf (y, x, 1.1676998740E-1f);
  y = fmaf (y, x, -1.2420140846E-1f);
  y = fmaf (y, x, 1.4249322787E-1f);
  y = fmaf (y, x, -1.6668057665E-1f);
  y = fmaf (y, x, 2.0000714765E-1f);
  y = fmaf (y, x, -2.4999993993E-1f);
  y = fmaf (y, x, 3.3333331174E-1f);
  y = y * x;
  y = fmaf (y, z, e * -2.12194440e-4f);
  y = fmaf (z, -0.5f, y);
  x = x + y;
  return fmaf (e, 0.693359375f, x);
}

/* Sine and cosine of x >= 0 (theta = 2 pi u) */
static void
cephes_sincosf (float x, float *s, float *c)
{
  uint32_t sign_sin = f2u (x) & 0x80000000u, sign_cos;
  int32_t j;
  gboolean first;
  float y, z, yc, ys, sin_part, cos_part;

  x = fabsf (x);
  j = (int32_t) (x * 1.27323954473516f);      /* 4 / pi */
  j = (j + 1) & ~1;
  y = (float) j;
  sign_sin ^= ((uint32_t) j & 4u) << 29;
  sign_cos = (~(uint32_t) (j - 2) & 4u) << 29;
  first = (j & 2) == 0;
  x = fmaf (y, -0.78515625f, x);             /* x - j pi/4 in three parts */
  x = fmaf (y, -2.4187564849853515625e-4f, x);
  x = fmaf (y, -3.77489497744594108e-8f, x);
  z = x * x;
  yc = 2.443315711809948E-005f;
  yc = fmaf (yc, z, -1.388731625493765E-003f);
  yc = fmaf (yc, z, 4.166664568298827E-002f);
  yc = yc * z;
  yc = fmaf (yc, z, -(z * 0.5f));
  yc = yc + 1.f;
  ys = -1.9515295891E-4f;
  ys = fmaf (ys, z, 8.3321608736E-3f);
  ys = fmaf (ys, z, -1.6666654611E-1f);
  ys = ys * z;
  ys = fmaf (ys, x, x);
  sin_part = first ? ys : yc;
  cos_part = first ? yc : ys;
  /* the kernel adds a zero from the other polynomial: -0 becomes +0 */
  *s = u2f (f2u (sin_part + 0.f) ^ sign_sin);
  *c = u2f (f2u (cos_part + 0.f) ^ sign_cos);
}

static void
normal_fill_16 (float *d, float mean, float std)
{
  const float two_pi = (float) (2.0 * G_PI);

  for (int j = 0; j < 8; j++)
    {
      float u1 = 1.f - d[j];
      float u2 = d[j + 8];
      float radius = sqrtf (-2.f * cephes_logf (u1));
      float s, c;
      cephes_sincosf (two_pi * u2, &s, &c);
      d[j] = fmaf (radius * c, std, mean);
      d[j + 8] = fmaf (radius * s, std, mean);
    }
}

void
ps_rng_fill_normal (PsRng *rng, float *x, int64_t n, double mean, double std)
{
  float m = (float) mean, s = (float) std;

  if (n < 16)
    {
      /* one double sample at a time (with its cached pair), as torch */
      for (int64_t i = 0; i < n; i++)
        x[i] = (float) fma (ps_rng_normal (rng), std, mean);
      return;
    }
  for (int64_t i = 0; i < n; i++)
    x[i] = ps_rng_float (rng);
  for (int64_t i = 0; i + 16 <= n; i += 16)
    normal_fill_16 (x + i, m, s);
  if (n % 16 != 0)
    {
      /* the last 16 anew: fresh uniforms, overlapping the last full block */
      float *tail = x + n - 16;
      for (int i = 0; i < 16; i++)
        tail[i] = ps_rng_float (rng);
      normal_fill_16 (tail, m, s);
    }
}

static void
normal_fill_16_f64 (double *d, double mean, double std)
{
  for (int j = 0; j < 8; j++)
    {
      double u1 = 1.0 - d[j];
      double u2 = d[j + 8];
      double radius = sqrt (-2.0 * log (u1));
      double theta = 2.0f * G_PI * u2;
      d[j] = fma (radius * cos (theta), std, mean);
      d[j + 8] = fma (radius * sin (theta), std, mean);
    }
}

void
ps_rng_fill_uniform_f64 (PsRng *rng, double *x, int64_t n, double from, double to)
{
  double range = to - from;

  for (int64_t i = 0; i < n; i++)
    x[i] = fma (ps_rng_double (rng), range, from);
}

void
ps_rng_fill_normal_f64 (PsRng *rng, double *x, int64_t n, double mean, double std)
{
  if (n < 16)
    {
      for (int64_t i = 0; i < n; i++)
        x[i] = fma (ps_rng_normal (rng), std, mean);
      return;
    }
  /* torch's portable kernel in double: libm's log, cos and sin */
  for (int64_t i = 0; i < n; i++)
    x[i] = ps_rng_double (rng);
  for (int64_t i = 0; i + 16 <= n; i += 16)
    normal_fill_16_f64 (x + i, mean, std);
  if (n % 16 != 0)
    {
      double *tail = x + n - 16;
      for (int i = 0; i < 16; i++)
        tail[i] = ps_rng_double (rng);
      normal_fill_16_f64 (tail, mean, std);
    }
}
