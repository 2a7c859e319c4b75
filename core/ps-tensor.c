/* ps-tensor.c — dense float32 tensors */
#include "ps-tensor.h"
#include "ps-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* The largest tensor we allow: 2^31 elements (8 GiB).  The fuzzing build
 * (tests/fuzz/build.sh) lowers it to stay within libFuzzer's memory limit. */
#ifndef PS_TENSOR_MAX_NUMEL
#define PS_TENSOR_MAX_NUMEL (G_GINT64_CONSTANT (1) << 31)
#endif

int64_t
ps_shape_numel (int ndim, const int64_t *shape)
{
  int64_t n = 1;

  if (ndim < 0 || ndim > PS_TENSOR_MAX_DIMS)
    return -1;
  for (int i = 0; i < ndim; i++)
    {
      if (shape[i] < 0)
        return -1;
      if (shape[i] != 0 && n > G_MAXINT64 / shape[i])
        return -1;
      n *= shape[i];
    }
  return n;
}

static float *
alloc_floats (int64_t n)
{
  size_t bytes = (size_t) MAX (n, 1) * sizeof (float);
  bytes = (bytes + 63) & ~(size_t) 63;
  return aligned_alloc (64, bytes);
}

PsTensor *
ps_tensor_new (int ndim, const int64_t *shape)
{
  int64_t n = ps_shape_numel (ndim, shape);
  PsTensor *t;

  if (n < 0 || n > PS_TENSOR_MAX_NUMEL)
    return NULL;
  t = g_new0 (PsTensor, 1);
  g_atomic_ref_count_init (&t->ref);
  t->data = alloc_floats (n);
  if (t->data == NULL)
    {
      g_free (t);
      return NULL;
    }
  memset (t->data, 0, (size_t) n * sizeof (float));
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    t->shape[i] = shape[i];
  t->numel = n;
  t->capacity = n;
  return t;
}

PsTensor *
ps_tensor_new_2d (int64_t rows, int64_t cols)
{
  int64_t s[2] = { rows, cols };
  return ps_tensor_new (2, s);
}

PsTensor *
ps_tensor_new_1d (int64_t n)
{
  return ps_tensor_new (1, &n);
}

PsTensor *
ps_tensor_new_scalar (float value)
{
  PsTensor *t = ps_tensor_new (0, NULL);
  t->data[0] = value;
  return t;
}

PsTensor *
ps_tensor_copy (const PsTensor *src)
{
  PsTensor *t = ps_tensor_new (src->ndim, src->shape);
  if (t)
    memcpy (t->data, src->data, (size_t) src->numel * sizeof (float));
  return t;
}

PsTensor *
ps_tensor_ref (PsTensor *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  g_atomic_ref_count_inc (&t->ref);
  return t;
}

void
ps_tensor_unref (PsTensor *t)
{
  if (t == NULL)
    return;
  if (g_atomic_ref_count_dec (&t->ref))
    {
      free (t->data);
      g_free (t);
    }
}

gboolean
ps_tensor_same_shape (const PsTensor *a, const PsTensor *b)
{
  if (a->ndim != b->ndim)
    return FALSE;
  for (int i = 0; i < a->ndim; i++)
    if (a->shape[i] != b->shape[i])
      return FALSE;
  return TRUE;
}

gboolean
ps_tensor_reshape (PsTensor *t, int ndim, const int64_t *shape)
{
  if (ps_shape_numel (ndim, shape) != t->numel)
    return FALSE;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    t->shape[i] = shape[i];
  return TRUE;
}

gboolean
ps_tensor_resize (PsTensor *t, int ndim, const int64_t *shape)
{
  int64_t n = ps_shape_numel (ndim, shape);

  if (n < 0 || n > PS_TENSOR_MAX_NUMEL)
    return FALSE;
  if (n > t->capacity)
    {
      float *d = alloc_floats (n);
      if (d == NULL)
        return FALSE;
      free (t->data);
      t->data = d;
      t->capacity = n;
    }
  t->numel = n;
  t->ndim = ndim;
  for (int i = 0; i < ndim; i++)
    t->shape[i] = shape[i];
  return TRUE;
}

void
ps_tensor_fill (PsTensor *t, float value)
{
  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = value;
}

int64_t
ps_tensor_rows (const PsTensor *t)
{
  return t->ndim == 0 ? 1 : t->shape[0];
}

int64_t
ps_tensor_cols (const PsTensor *t)
{
  int64_t rows = ps_tensor_rows (t);
  return rows == 0 ? 0 : t->numel / rows;
}

char *
ps_shape_to_string (int ndim, const int64_t *shape)
{
  GString *s = g_string_new ("[");
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, shape[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

void
ps_stats_acc_init (PsStatsAcc *acc)
{
  memset (acc, 0, sizeof *acc);
  acc->s.min = INFINITY;
  acc->s.max = -INFINITY;
}

/* Eight floats, eight 32-bit lanes, four doubles a vector: GCC lowers these
 * to SSE2 pairs in the default build and to single registers in the AVX2
 * clones.  The helpers that take or return them are always inlined
 * (PS_VECTOR_INLINE), so GCC's note on the AVX calling convention (-Wpsabi)
 * concerns no call. */
#pragma GCC diagnostic ignored "-Wpsabi"
typedef float   F8 __attribute__ ((vector_size (32)));
typedef double  D4 __attribute__ ((vector_size (32)));
typedef int32_t I8 __attribute__ ((vector_size (32)));

PS_VECTOR_INLINE F8
f8_load (const float *p)
{
  F8 v;
  memcpy (&v, p, sizeof v);
  return v;
}

PS_VECTOR_INLINE D4
d4_low (F8 v)
{
  return __builtin_convertvector (__builtin_shufflevector (v, v, 0, 1, 2, 3), D4);
}

PS_VECTOR_INLINE D4
d4_high (F8 v)
{
  return __builtin_convertvector (__builtin_shufflevector (v, v, 4, 5, 6, 7), D4);
}

/* What one block of finite values adds: eight chains of sums and of
 * squares (value j of every 8 into chain j, the tail into chain 0). */
typedef struct
{
  double s[8], q[8];
  float  min, max;
  int64_t zeros;
} BlockSums;

/* One pass over a block; FALSE (and nothing usable in *b) if it holds a NaN
 * or an Inf. */
PS_SIMD_CLONES static gboolean
block_sums (const float *v, int64_t len, BlockSums *b)
{
  const I8 exp = { 0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000,
                   0x7f800000, 0x7f800000, 0x7f800000, 0x7f800000 };
  I8 bad = { 0 }, zeros = { 0 };
  F8 mn = { INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY, INFINITY };
  F8 mx = -mn;
  D4 s0 = { 0 }, s1 = { 0 }, q0 = { 0 }, q1 = { 0 };
  uint32_t tail_bad = 0;
  int64_t i = 0;

  for (; i + 8 <= len; i += 8)
    {
      F8 x = f8_load (v + i);
      I8 bits = (I8) x, lt = x < mn, gt = x > mx;
      D4 lo = d4_low (x), hi = d4_high (x);
      bad |= (bits & exp) == exp;
      mn = (F8) (((I8) x & lt) | ((I8) mn & ~lt));
      mx = (F8) (((I8) x & gt) | ((I8) mx & ~gt));
      zeros -= x == 0.f;                         /* a true lane is -1 */
      s0 += lo;
      s1 += hi;
      q0 += lo * lo;
      q1 += hi * hi;
    }
  for (int j = 0; j < 4; j++)
    {
      b->s[j] = s0[j];
      b->s[j + 4] = s1[j];
      b->q[j] = q0[j];
      b->q[j + 4] = q1[j];
    }
  b->min = INFINITY;
  b->max = -INFINITY;
  b->zeros = 0;
  for (int j = 0; j < 8; j++)
    {
      tail_bad |= (uint32_t) bad[j];
      b->min = mn[j] < b->min ? mn[j] : b->min;
      b->max = mx[j] > b->max ? mx[j] : b->max;
      b->zeros += zeros[j];
    }
  for (; i < len; i++)
    {
      tail_bad |= ps_float_nonfinite (v[i]);
      b->min = v[i] < b->min ? v[i] : b->min;
      b->max = v[i] > b->max ? v[i] : b->max;
      b->zeros += v[i] == 0.f;
      b->s[0] += v[i];
      b->q[0] += (double) v[i] * v[i];
    }
  return tail_bad == 0;
}

/* sum of (x - mean)^2 over n finite values, in eight chains as above */
PS_SIMD_CLONES static double
squared_deviations (const float *x, int64_t n, double mean)
{
  D4 d0 = { 0 }, d1 = { 0 };
  D4 m = { mean, mean, mean, mean };
  double d[8];
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    {
      F8 v = f8_load (x + i);
      D4 e0 = d4_low (v) - m, e1 = d4_high (v) - m;
      d0 += e0 * e0;
      d1 += e1 * e1;
    }
  for (int j = 0; j < 4; j++)
    {
      d[j] = d0[j];
      d[j + 4] = d1[j];
    }
  for (; i < n; i++)
    {
      double e = x[i] - mean;
      d[0] += e * e;
    }
  return ((d[0] + d[1]) + (d[2] + d[3])) + ((d[4] + d[5]) + (d[6] + d[7]));
}

void
ps_stats_acc_add (PsStatsAcc *acc, const float *x, int64_t n)
{
  double sum = 0, mean, m2 = 0, mn = acc->s.min, mx = acc->s.max;
  int64_t finite = 0;
  gboolean clean = TRUE;      /* no NaN or Inf anywhere in x */

  acc->s.n += n;
  /* Blocks of finite values (the usual case) take one vectorized pass; a
   * block holding a NaN or an Inf is counted one value at a time. */
  for (int64_t b0 = 0; b0 < n; b0 += 4096)
    {
      int64_t len = MIN (4096, n - b0);
      const float *v = x + b0;
      BlockSums b;

      if (block_sums (v, len, &b))
        {
          sum += ((b.s[0] + b.s[1]) + (b.s[2] + b.s[3])) + ((b.s[4] + b.s[5]) + (b.s[6] + b.s[7]));
          acc->sumsq += ((b.q[0] + b.q[1]) + (b.q[2] + b.q[3])) + ((b.q[4] + b.q[5]) + (b.q[6] + b.q[7]));
          mn = b.min < mn ? b.min : mn;
          mx = b.max > mx ? b.max : mx;
          acc->s.n_zero += b.zeros;
          finite += len;
          continue;
        }
      clean = FALSE;
      for (int64_t i = 0; i < len; i++)
        {
          float f = v[i];
          if (isnan (f))
            acc->s.n_nan++;
          else if (isinf (f))
            {
              if (f > 0)
                acc->s.n_posinf++;
              else
                acc->s.n_neginf++;
            }
          else
            {
              finite++;
              sum += f;
              acc->sumsq += (double) f * f;
              mn = f < mn ? f : mn;
              mx = f > mx ? f : mx;
              acc->s.n_zero += f == 0.f;
            }
        }
    }
  acc->s.min = mn;
  acc->s.max = mx;
  if (finite == 0)
    return;
  mean = sum / (double) finite;
  if (clean)
    m2 = squared_deviations (x, n, mean);
  else
    for (int64_t i = 0; i < n; i++)
      if (isfinite (x[i]))
        {
          double e = x[i] - mean;
          m2 += e * e;
        }
  /* Chan et al.: merge (finite, mean, m2) into the accumulator */
  if (acc->finite == 0)
    {
      acc->s.mean = mean;
      acc->m2 = m2;
    }
  else
    {
      double na = (double) acc->finite, nb = (double) finite, delta = mean - acc->s.mean;
      acc->s.mean += delta * nb / (na + nb);
      acc->m2 += m2 + delta * delta * na * nb / (na + nb);
    }
  acc->finite += finite;
}

void
ps_stats_acc_finish (PsStatsAcc *acc, PsStats *out)
{
  *out = acc->s;
  if (acc->finite == 0)
    {
      out->mean = out->std = out->min = out->max = NAN;
      out->l2 = 0;
      return;
    }
  /* a zero extreme reads +0 whichever zero the scan met first */
  out->min += 0.0;
  out->max += 0.0;
  out->l2 = sqrt (acc->sumsq);
  out->std = acc->finite > 1 ? sqrt (acc->m2 / (double) (acc->finite - 1)) : NAN;
}

void
ps_stats_compute (const float *x, int64_t n, PsStats *out)
{
  PsStatsAcc acc;
  ps_stats_acc_init (&acc);
  ps_stats_acc_add (&acc, x, n);
  ps_stats_acc_finish (&acc, out);
}
