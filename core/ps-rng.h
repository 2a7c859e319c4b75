/* ps-rng.h — the random number generator behind every initializer
 *
 * A Mersenne Twister (MT19937) seeded and consumed the way PyTorch's CPU
 * generator is: after ps_rng_seed (rng, s), ps_rng_fill_uniform() produces the
 * same floats as `torch.manual_seed(s); t.uniform_(a, b)` on PyTorch's
 * vectorized CPU kernels (AVX2/AVX-512/NEON: one fused multiply-add; its
 * portable kernel rounds twice and may differ in the last bit).  So PyTorch's
 * default Linear initialization (kaiming_uniform_) is reproduced bit for bit.
 * Normal samples are PyTorch's bits too (torch.randn, normal_): Box–Muller
 * on one double pair at a time below 16 elements, over 16-element blocks of
 * float32 with the Cephes polynomials of its AVX2 kernel from 16 on.
 * Without a seed the generator is where PyTorch's starts:
 * ps_rng_seed (rng, PS_RNG_DEFAULT_SEED).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  uint32_t state[624];
  int      next;
  gboolean have_normal;          /* cached second Box–Muller sample (doubles) */
  double   normal_cache;
} PsRng;

#define PS_RNG_DEFAULT_SEED G_GUINT64_CONSTANT (67280421310721)   /* torch.initial_seed() */

void     ps_rng_seed          (PsRng *rng, uint64_t seed);
uint32_t ps_rng_u32           (PsRng *rng);
uint64_t ps_rng_u64           (PsRng *rng);
double   ps_rng_double        (PsRng *rng);                 /* [0, 1), 53 bits */
float    ps_rng_float         (PsRng *rng);                 /* [0, 1), 24 bits, as torch */
double   ps_rng_normal        (PsRng *rng);                 /* N(0, 1) */
void     ps_rng_fill_uniform  (PsRng *rng, float *x, int64_t n, double from, double to);
void     ps_rng_fill_normal   (PsRng *rng, float *x, int64_t n, double mean, double std);
/* The same for float64 tensors (53-bit uniforms; libm's log, sin, cos). */
void     ps_rng_fill_uniform_f64 (PsRng *rng, double *x, int64_t n, double from, double to);
void     ps_rng_fill_normal_f64  (PsRng *rng, double *x, int64_t n, double mean, double std);

G_END_DECLS
