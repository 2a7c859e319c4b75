/* ps-rng.c — MT19937 with PyTorch's float transforms */
#include "ps-rng.h"

#include <math.h>

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
  r = sqrt (-2.0 * log1p (-u2));
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

static void
normal_fill_16 (float *d, double mean, double std)
{
  for (int j = 0; j < 8; j++)
    {
      float u1 = 1.f - d[j];
      float u2 = d[j + 8];
      float radius = sqrtf (-2.f * logf (u1));
      float theta = 2.0f * (float) G_PI * u2;
      d[j] = (float) (radius * cosf (theta) * std + mean);
      d[j + 8] = (float) (radius * sinf (theta) * std + mean);
    }
}

void
ps_rng_fill_normal (PsRng *rng, float *x, int64_t n, double mean, double std)
{
  if (n < 16)
    {
      for (int64_t i = 0; i < n; i++)
        x[i] = (float) (ps_rng_normal (rng) * std + mean);
      return;
    }
  for (int64_t i = 0; i < n; i++)
    x[i] = ps_rng_float (rng);
  for (int64_t i = 0; i + 16 <= n; i += 16)
    normal_fill_16 (x + i, mean, std);
  if (n % 16 != 0)
    {
      float *tail = x + n - 16;
      for (int i = 0; i < 16; i++)
        tail[i] = ps_rng_float (rng);
      normal_fill_16 (tail, mean, std);
    }
}
