/* ps-pool.c — max-|x| pooling by magnitude keys (see ps-pool.h)
 *
 * A float's bits rotated left by one with the sign bit inverted, read as an
 * unsigned integer, order the floats by magnitude (the 31 bits of |x| come
 * first), a tie going to the positive value; the infinities sort above
 * every finite value and the NaNs above the infinities.  So one unsigned
 * max per element finds a block's cell: NaN if it holds one, else +-Inf if
 * it holds one, else its largest magnitude with its sign.  F16 and BF16 have
 * a float's layout, so 16-bit keys of the same form order them the same
 * way (sixteen lanes a vector); they are widened to the float keys of their
 * values once per block of rows.  The other dtypes (F64, integers) are
 * converted to float32 a row at a time and folded the same way.
 *
 * The walk, for each block of rows: columns are folded 64 (F32) or 128
 * (F16, BF16) at a time down the block, their maxima held in registers;
 * then the blocks of columns are reduced to cells (blocks of 2 and 4
 * columns eight cells at a time) and the keys decoded back to values.  When
 * the window's columns are farther apart in memory than its rows (a
 * transposed view), the same walk runs on the transposed problem and writes
 * the cells transposed, so the inner loop runs along the smaller stride.
 * Loads are memcpy's: nothing assumes alignment.
 */
#include "ps-pool.h"
#include "ps-helper.h"
#include "ps-util.h"

#include <string.h>
#include <time.h>

/* ---- slices ------------------------------------------------------------------ */

void
ps_slice_init_f32 (PsSlice *s, const float *x, int64_t rows, int64_t cols)
{
  g_return_if_fail (s != NULL && rows >= 0 && cols >= 0);
  *s = (PsSlice) { .base = x, .dtype = PS_DTYPE_F32, .offset = 0, .rows = rows, .cols = cols,
                   .row_stride = cols, .col_stride = 1 };
}

const void *
ps_slice_element (const PsSlice *s, int64_t row, int64_t col)
{
  int64_t i = s->offset + row * s->row_stride + col * s->col_stride;
  return (const guint8 *) s->base + i * (int64_t) ps_dtype_size (s->dtype);
}

double
ps_slice_read (const PsSlice *s, int64_t row, int64_t col)
{
  g_return_val_if_fail (s != NULL && row >= 0 && row < s->rows && col >= 0 && col < s->cols, 0);
  return ps_dtype_load_double (s->dtype, ps_slice_element (s, row, col));
}

void
ps_slice_row_to_f32 (const PsSlice *s, int64_t row, int64_t col0, int64_t n, float *dst)
{
  g_return_if_fail (s != NULL && row >= 0 && row < s->rows && col0 >= 0 && n >= 0
                    && col0 + n <= s->cols);
  if (n > 0)
    ps_dtype_row_to_f32 (s->dtype, ps_slice_element (s, row, col0), s->col_stride, n, dst);
}

void
ps_pool_scratch_clear (PsPoolScratch *scratch)
{
  g_clear_pointer (&scratch->buf, g_free);
  scratch->cap = 0;
}

static void *
scratch_get (PsPoolScratch *s, int64_t bytes)
{
  if (s->cap < bytes)
    {
      g_free (s->buf);
      s->buf = g_malloc ((gsize) bytes);
      s->cap = bytes;
    }
  return s->buf;
}

/* ---- kernels --------------------------------------------------------------------- */

/* Vectors of eight 32-bit lanes: GCC lowers them to pairs of SSE2 registers
 * in the default build and to single AVX2 registers in the AVX2 clones.  The
 * helpers that take or return them are always inlined (PS_VECTOR_INLINE), so
 * GCC's note on the AVX calling convention (-Wpsabi) concerns no call. */
#pragma GCC diagnostic ignored "-Wpsabi"

typedef guint32 KeyVec __attribute__ ((vector_size (32)));

PS_VECTOR_INLINE KeyVec
kv_max (KeyVec a, KeyVec b)
{
  KeyVec m = (KeyVec) (a > b);
  return (a & m) | (b & ~m);
}

PS_VECTOR_INLINE KeyVec
kv_load (const guint32 *p)
{
  KeyVec v;
  memcpy (&v, p, sizeof v);
  return v;
}

#define INF_BITS 0x7f800000u        /* |x| bits of an infinity: finite below */

/* max |finite x|, 0 when there is none (NaN and Inf count as 0).  On the
 * bits: |x| is x's bits without the sign, finite below INF_BITS, and the
 * order of those integers is the order of the magnitudes. */
PS_SIMD_CLONES static float
max_finite (const float *x, int64_t n)
{
  const KeyVec abs_mask = { 0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu,
                            0x7fffffffu, 0x7fffffffu, 0x7fffffffu, 0x7fffffffu };
  const KeyVec inf = { INF_BITS, INF_BITS, INF_BITS, INF_BITS,
                       INF_BITS, INF_BITS, INF_BITS, INF_BITS };
  KeyVec m = { 0 };
  guint32 best = 0;
  float f;
  int64_t i = 0;

  for (; i + 8 <= n; i += 8)
    {
      KeyVec a = kv_load ((const guint32 *) (const void *) (x + i)) & abs_mask;
      m = kv_max (m, a & (KeyVec) (a < inf));       /* NaN and Inf count as 0 */
    }
  for (int j = 0; j < 8; j++)
    best = m[j] > best ? m[j] : best;
  for (; i < n; i++)
    {
      guint32 a;
      memcpy (&a, x + i, sizeof a);
      a &= 0x7fffffffu;
      best = a < INF_BITS && a > best ? a : best;
    }
  memcpy (&f, &best, sizeof f);
  return f;
}

float
ps_pool_max_finite (const float *x, int64_t n)
{
  g_return_val_if_fail (x != NULL || n == 0, 0.f);
  return max_finite (x, n);
}

static inline guint32
mag_key (guint32 bits)
{
  return (bits << 1) | (~bits >> 31);
}

static inline float
key_float (guint32 k)
{
  guint32 bits = (k >> 1) | (~k << 31);
  float v;
  memcpy (&v, &bits, sizeof v);
  return v;
}

static inline guint16
mag_key16 (guint16 h)
{
  return (guint16) ((h << 1) | ((guint16) ~h >> 15));
}

static inline guint16
key16_bits (guint16 k)
{
  return (guint16) ((k >> 1) | ((guint32) ~k << 15));
}

#define STRIP32 64     /* F32 columns whose maxima stay in registers down a block of rows */
#define STRIP16 128    /* the same for 16-bit keys */

/* acc[c] = the largest key of column c over nrows rows: element (i, c) at
 * p + i * rstep + c * step bytes.  Inlined into each caller with its step,
 * so that the contiguous case vectorizes. */
#define DEFINE_FOLD_BODY(NAME, T, KEY, STRIP)                                              \
static inline __attribute__ ((always_inline)) void                                         \
NAME (const guint8 *p, int64_t rstep, int64_t step, int64_t nrows, int64_t n,              \
      T *restrict acc)                                                                     \
{                                                                                          \
  int64_t c = 0;                                                                           \
                                                                                           \
  for (; c + STRIP <= n; c += STRIP)                                                       \
    {                                                                                      \
      T m[STRIP] = { 0 };            /* 0: the key of -0, below all others */              \
      for (int64_t i = 0; i < nrows; i++)                                                  \
        {                                                                                  \
          const guint8 *row = p + i * rstep + c * step;                                    \
          for (int k = 0; k < STRIP; k++)                                                  \
            {                                                                              \
              T b, key;                                                                    \
              memcpy (&b, row + step * k, sizeof b);                                       \
              key = KEY (b);                                                               \
              m[k] = key > m[k] ? key : m[k];                                              \
            }                                                                              \
        }                                                                                  \
      memcpy (acc + c, m, sizeof m);                                                       \
    }                                                                                      \
  for (int64_t k = c; k < n; k++)                                                          \
    acc[k] = 0;                                                                            \
  for (int64_t i = 0; i < nrows; i++)                                                      \
    {                                                                                      \
      const guint8 *row = p + i * rstep;                                                   \
      for (int64_t k = c; k < n; k++)                                                      \
        {                                                                                  \
          T b, key;                                                                        \
          memcpy (&b, row + step * k, sizeof b);                                           \
          key = KEY (b);                                                                   \
          acc[k] = key > acc[k] ? key : acc[k];                                            \
        }                                                                                  \
    }                                                                                      \
}

DEFINE_FOLD_BODY (fold32_body, guint32, mag_key, STRIP32)
DEFINE_FOLD_BODY (fold16_body, guint16, mag_key16, STRIP16)

PS_SIMD_CLONES static void
fold32 (const guint8 *p, int64_t rstep, int64_t cstep, int64_t nrows, int64_t n,
        guint32 *restrict acc)
{
  if (cstep == 4)
    fold32_body (p, rstep, 4, nrows, n, acc);
  else
    fold32_body (p, rstep, cstep, nrows, n, acc);
}

PS_SIMD_CLONES static void
fold16 (const guint8 *p, int64_t rstep, int64_t cstep, int64_t nrows, int64_t n,
        guint16 *restrict acc)
{
  if (cstep == 2)
    fold16_body (p, rstep, 2, nrows, n, acc);
  else
    fold16_body (p, rstep, cstep, nrows, n, acc);
}

/* 16-bit keys to the float keys of the same values */
PS_SIMD_CLONES static void
widen_f16 (const guint16 *restrict k16, int64_t n, guint32 *restrict acc)
{
  for (int64_t i = 0; i < n; i++)
    {
      float f = ps_f16_to_f32 (key16_bits (k16[i]));
      guint32 bits;
      memcpy (&bits, &f, 4);
      acc[i] = mag_key (bits);
    }
}

PS_SIMD_CLONES static void
widen_bf16 (const guint16 *restrict k16, int64_t n, guint32 *restrict acc)
{
  /* a bfloat16 is a float's top half: the key's magnitude bits move up 16
   * places, its sign bit stays the lowest */
  for (int64_t i = 0; i < n; i++)
    acc[i] = ((guint32) (k16[i] & 0xfffeu) << 16) | (k16[i] & 1u);
}

/* acc[c] = max (acc[c], the key of x[c]) */
PS_SIMD_CLONES static void
fold_floats (const float *restrict x, int64_t n, guint32 *restrict acc)
{
  for (int64_t c = 0; c < n; c++)
    {
      guint32 b, key;
      memcpy (&b, x + c, 4);
      key = mag_key (b);
      acc[c] = key > acc[c] ? key : acc[c];
    }
}

/* max of the adjacent pairs of a's and b's 16 keys, in order */
PS_VECTOR_INLINE KeyVec
kv_pairs (KeyVec a, KeyVec b)
{
  return kv_max (__builtin_shufflevector (a, b, 0, 2, 4, 6, 8, 10, 12, 14),
                 __builtin_shufflevector (a, b, 1, 3, 5, 7, 9, 11, 13, 15));
}

/* cell[c] = the largest key of the columns of cell c (repeated when there
 * are fewer columns than cells).  Blocks of 2 and 4 columns (4096 or 2048
 * columns on a 1024-pixel view) are reduced eight cells at a time. */
PS_SIMD_CLONES static void
reduce_cells (const guint32 *restrict acc, int64_t vcols, int n_out, guint32 *restrict cell)
{
  int c = 0;

  if (vcols == n_out)
    {
      memcpy (cell, acc, (gsize) n_out * sizeof *cell);
      return;
    }
  if (vcols == 2 * (int64_t) n_out)
    for (; c + 8 <= n_out; c += 8)
      {
        KeyVec k = kv_pairs (kv_load (acc + 2 * c), kv_load (acc + 2 * c + 8));
        memcpy (cell + c, &k, sizeof k);
      }
  else if (vcols == 4 * (int64_t) n_out)
    for (; c + 8 <= n_out; c += 8)
      {
        const guint32 *a = acc + 4 * c;
        KeyVec k = kv_pairs (kv_pairs (kv_load (a), kv_load (a + 8)),
                             kv_pairs (kv_load (a + 16), kv_load (a + 24)));
        memcpy (cell + c, &k, sizeof k);
      }
  for (; c < n_out; c++)
    {
      int64_t ca = (int64_t) c * vcols / n_out;
      int64_t cb = MAX ((int64_t) (c + 1) * vcols / n_out, ca + 1);
      guint32 k = acc[ca];
      for (int64_t q = ca + 1; q < cb; q++)
        k = acc[q] > k ? acc[q] : k;
      cell[c] = k;
    }
}

/* Keys back to values.  Returns the |x| bits of the largest finite cell;
 * *nonfinite counts the NaN and +-Inf cells (whose blocks may hide a larger
 * finite value). */
PS_SIMD_CLONES static guint32
decode_cells (const guint32 *restrict cell, int n, float *restrict out, int *nonfinite)
{
  const KeyVec inf = { INF_BITS, INF_BITS, INF_BITS, INF_BITS,
                       INF_BITS, INF_BITS, INF_BITS, INF_BITS };
  KeyVec vfin = { 0 }, vbad = { 0 };
  guint32 fin = 0;
  int c = 0, bad = 0;

  for (; c + 8 <= n; c += 8)
    {
      KeyVec k = kv_load (cell + c), a = k >> 1;
      KeyVec bits = a | (~k << 31);
      KeyVec finite = (KeyVec) (a < inf);
      memcpy (out + c, &bits, sizeof bits);
      vfin = kv_max (vfin, a & finite);
      vbad -= ~finite;                    /* a mask of all ones is -1 */
    }
  for (int q = 0; q < 8; q++)
    {
      fin = MAX (fin, vfin[q]);
      bad += (int) vbad[q];
    }
  for (; c < n; c++)
    {
      guint32 a = cell[c] >> 1;
      out[c] = key_float (cell[c]);
      bad += a >= INF_BITS;
      fin = a < INF_BITS && a > fin ? a : fin;
    }
  *nonfinite += bad;
  return fin;
}

/* ---- the walk -------------------------------------------------------------------- */

/* Output rows [r_begin, r_end) of a pooling over R x C elements: element
 * (i, j) at base + i * rstep + j * cstep bytes (cstep = cstride elements);
 * cell (r, c) at out[r * ors + c * ocs]. */
typedef struct
{
  const guint8 *base;
  int64_t  rstep, cstep, cstride;
  int64_t  R, C;
  PsDtype  dtype;
  float   *out;
  int64_t  ors, ocs;
  int      out_r, out_c, r_begin, r_end;
  guint32 *acc;            /* C keys */
  guint32 *cell;           /* out_c keys */
  guint16 *acc16;          /* C 16-bit keys (F16, BF16) */
  float   *tmp;            /* MAX (C, out_c) floats */
  float    range;
} PoolJob;

#define ALIGN64(n) (((n) + 63) & ~(int64_t) 63)

static int64_t
job_bytes (int64_t C, int out_c)
{
  return ALIGN64 (C * 4) + ALIGN64 ((int64_t) out_c * 4) + ALIGN64 (C * 2)
         + ALIGN64 (MAX (C, out_c) * 4);
}

static void
job_carve (PoolJob *j, guint8 *buf)
{
  j->acc = (guint32 *) (void *) buf;
  buf += ALIGN64 (j->C * 4);
  j->cell = (guint32 *) (void *) buf;
  buf += ALIGN64 ((int64_t) j->out_c * 4);
  j->acc16 = (guint16 *) (void *) buf;
  buf += ALIGN64 (j->C * 2);
  j->tmp = (float *) (void *) buf;
}

/* j->acc = the keys of the columns of the block of rows [ra, rb) */
static void
fold_block (PoolJob *j, int64_t ra, int64_t rb)
{
  const guint8 *p = j->base + ra * j->rstep;

  switch (j->dtype)
    {
    case PS_DTYPE_F32:
      fold32 (p, j->rstep, j->cstep, rb - ra, j->C, j->acc);
      break;
    case PS_DTYPE_F16:
      fold16 (p, j->rstep, j->cstep, rb - ra, j->C, j->acc16);
      widen_f16 (j->acc16, j->C, j->acc);
      break;
    case PS_DTYPE_BF16:
      fold16 (p, j->rstep, j->cstep, rb - ra, j->C, j->acc16);
      widen_bf16 (j->acc16, j->C, j->acc);
      break;
    default:
      memset (j->acc, 0, (size_t) j->C * 4);
      for (int64_t i = ra; i < rb; i++)
        {
          ps_dtype_row_to_f32 (j->dtype, j->base + i * j->rstep, j->cstride, j->C, j->tmp);
          fold_floats (j->tmp, j->C, j->acc);
        }
      break;
    }
}

/* The largest finite magnitude of a block, converted row by row: for the
 * blocks whose cell is a NaN or an infinity. */
static float
block_finite_max (PoolJob *j, int64_t ra, int64_t rb, int64_t ca, int64_t cb)
{
  float m = 0.f;

  for (int64_t i = ra; i < rb; i++)
    {
      ps_dtype_row_to_f32 (j->dtype, j->base + i * j->rstep + ca * j->cstep, j->cstride, cb - ca,
                           j->tmp);
      m = MAX (m, max_finite (j->tmp, cb - ca));
    }
  return m;
}

static void
pool_rows (PoolJob *j)
{
  int64_t pra = -1, prb = -1;
  guint32 fin = 0;
  float range = 0.f, f;

  for (int r = j->r_begin; r < j->r_end; r++)
    {
      int64_t ra = (int64_t) r * j->R / j->out_r;
      int64_t rb = MAX ((int64_t) (r + 1) * j->R / j->out_r, ra + 1);
      float *o = j->out + r * j->ors;
      float *dst = j->ocs == 1 ? o : j->tmp;
      int nonfinite = 0;

      if (ra == pra && rb == prb)
        {
          /* the window has fewer rows than cells: the same block again */
          for (int c = 0; c < j->out_c; c++)
            o[c * j->ocs] = o[c * j->ocs - j->ors];
          continue;
        }
      pra = ra;
      prb = rb;
      fold_block (j, ra, rb);
      reduce_cells (j->acc, j->C, j->out_c, j->cell);
      fin = MAX (fin, decode_cells (j->cell, j->out_c, dst, &nonfinite));
      if (dst != o)
        for (int c = 0; c < j->out_c; c++)
          o[c * j->ocs] = dst[c];
      if (G_UNLIKELY (nonfinite > 0))
        for (int c = 0; c < j->out_c; c++)
          if ((j->cell[c] >> 1) >= INF_BITS)
            {
              int64_t ca = (int64_t) c * j->C / j->out_c;
              int64_t cb = MAX ((int64_t) (c + 1) * j->C / j->out_c, ca + 1);
              range = MAX (range, block_finite_max (j, ra, rb, ca, cb));
            }
    }
  memcpy (&f, &fin, sizeof f);
  j->range = MAX (range, f);
}

/* ---- the helper thread's share ---------------------------------------------------- */

/* CPU time the helper thread spent pooling (ps-helper.c's thread, shared
 * with other kernels) */
static gint64 helper_pool_usec;

static gint64
thread_cpu_usec (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

gint64
ps_pool_helper_cpu_usec (void)
{
  return __atomic_load_n (&helper_pool_usec, __ATOMIC_RELAXED);
}

static void
pool_rows_on_helper (gpointer data)
{
  gint64 t0 = thread_cpu_usec ();

  pool_rows (data);
  __atomic_add_fetch (&helper_pool_usec, thread_cpu_usec () - t0, __ATOMIC_RELAXED);
}

/* ---- pooling --------------------------------------------------------------------- */

float
ps_pool_slice (const PsSlice *s, int64_t row0, int64_t col0, int64_t vrows, int64_t vcols,
               float *out, int out_rows, int out_cols, PsPoolScratch *scratch)
{
  float range = 0.f;

  g_return_val_if_fail (s != NULL && out != NULL && scratch != NULL, 1.f);
  g_return_val_if_fail ((guint) s->dtype < PS_N_DTYPES && s->row_stride >= 0
                        && s->col_stride >= 0, 1.f);
  g_return_val_if_fail (row0 >= 0 && col0 >= 0 && row0 + vrows <= s->rows
                        && col0 + vcols <= s->cols, 1.f);
  g_return_val_if_fail (out_rows > 0 && out_cols > 0 && vrows > 0 && vcols > 0, 1.f);

  if (vrows <= out_rows && vcols <= out_cols)
    {
      /* no reduction: each element read once, cells repeat (nearest) */
      float *row = scratch_get (scratch, vcols * 4);
      int64_t prev = -1;
      for (int r = 0; r < out_rows; r++)
        {
          int64_t i = (int64_t) r * vrows / out_rows;
          float *o = out + (int64_t) r * out_cols;
          if (i == prev)
            {
              memcpy (o, o - out_cols, (size_t) out_cols * sizeof (float));
              continue;
            }
          prev = i;
          ps_slice_row_to_f32 (s, row0 + i, col0, vcols, row);
          range = MAX (range, max_finite (row, vcols));
          for (int c = 0; c < out_cols; c++)
            o[c] = row[(int64_t) c * vcols / out_cols];
        }
      return range > 0.f ? range : 1.f;
    }

  {
    int64_t esize = ps_dtype_size (s->dtype);
    int64_t rs = s->row_stride * esize, cs = s->col_stride * esize;
    /* the inner loop runs along the axis with the smaller stride; a single
     * column or row has no inner axis to speak of */
    int64_t eff_cs = vcols == 1 ? G_MAXINT64 : cs, eff_rs = vrows == 1 ? G_MAXINT64 : rs;
    gboolean transposed = eff_cs > eff_rs;
    PoolJob a = {
      .base = ps_slice_element (s, row0, col0),
      .rstep = transposed ? cs : rs,
      .cstep = transposed ? rs : cs,
      .cstride = transposed ? s->row_stride : s->col_stride,
      .R = transposed ? vcols : vrows,
      .C = transposed ? vrows : vcols,
      .dtype = s->dtype,
      .out = out,
      .ors = transposed ? 1 : out_cols,
      .ocs = transposed ? out_cols : 1,
      .out_r = transposed ? out_cols : out_rows,
      .out_c = transposed ? out_rows : out_cols,
    };
    int64_t per_job = job_bytes (a.C, a.out_c);
    guint8 *buf = scratch_get (scratch, 2 * per_job);
    PoolJob b;
    gboolean split;

    a.r_begin = 0;
    a.r_end = a.out_r;
    job_carve (&a, buf);
    b = a;
    /* large windows: the helper pools the second half of the cells' rows */
    split = a.R * a.C >= (1 << 20) && a.out_r >= 2 && ps_helper_claim ();
    if (split)
      {
        a.r_end = b.r_begin = a.out_r / 2;
        job_carve (&b, buf + per_job);
        ps_helper_start (pool_rows_on_helper, &b);
      }
    pool_rows (&a);
    if (split)
      ps_helper_wait ();
    range = split ? MAX (a.range, b.range) : a.range;
  }
  return range > 0.f ? range : 1.f;
}
