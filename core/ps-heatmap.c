/* ps-heatmap.c — pooling and the diverging colormap */
#include "ps-heatmap.h"
#include "ps-util.h"

#include <math.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ColorBrewer RdBu (11 classes), from the most negative (blue) to the most
 * positive (red) value. */
static const guint8 anchors[11][3] = {
  { 0x05, 0x30, 0x61 }, { 0x21, 0x66, 0xac }, { 0x43, 0x93, 0xc3 }, { 0x92, 0xc5, 0xde },
  { 0xd1, 0xe5, 0xf0 }, { 0xf7, 0xf7, 0xf7 }, { 0xfd, 0xdb, 0xc7 }, { 0xf4, 0xa5, 0x82 },
  { 0xd6, 0x60, 0x4d }, { 0xb2, 0x18, 0x2b }, { 0x67, 0x00, 0x1f },
};

#define LUT_SIZE 1024

static guint32 lut[LUT_SIZE];

static void
lut_init (void)
{
  for (int i = 0; i < LUT_SIZE; i++)
    {
      double t = (double) i / (LUT_SIZE - 1) * 10.0;
      int k = MIN ((int) t, 9);
      double f = t - k;
      guint32 c[3];
      for (int j = 0; j < 3; j++)
        c[j] = (guint32) lround (anchors[k][j] * (1 - f) + anchors[k + 1][j] * f);
      lut[i] = 0xff000000u | (c[0] << 16) | (c[1] << 8) | c[2];
    }
}

static inline void
ensure_lut (void)
{
  static gsize done = 0;
  if (g_once_init_enter (&done))
    {
      lut_init ();
      g_once_init_leave (&done, 1);
    }
}

/* Branch-free: NaN and +-Inf go through the table at a clamped index, then
 * take their own colours, so a span is coloured with no mispredicted
 * branch (the index arithmetic vectorizes; the table is read one entry at a
 * time). */
static inline guint32
color_of (float v, float scale)
{
  guint32 bits, c, special;
  /* -range -> 0, 0 -> the middle, +range -> LUT_SIZE - 1, rounded to the
   * nearest entry without a libm call */
  float t = v * scale + (LUT_SIZE - 1) * 0.5f + 0.5f;
  memcpy (&bits, &v, sizeof bits);
  t = t > 0.f ? t : 0.f;                                      /* NaN too */
  t = t < (float) (LUT_SIZE - 1) ? t : (float) (LUT_SIZE - 1);
  c = lut[(int) t];
  special = (bits & 0x7fffffu) != 0 ? PS_COLOR_NAN
          : (bits >> 31) != 0 ? PS_COLOR_NEGINF : PS_COLOR_POSINF;
  return (bits & 0x7f800000u) == 0x7f800000u ? special : c;
}

/* Below this range the factor that maps the range to the table's half
 * width would overflow to infinity (and 0 * inf is a NaN): values and range
 * are then scaled up together first. */
#define TINY_RANGE  0x1p-100f
#define TINY_SCALE  0x1p100f

/* The factor of the values (*pre) and then the one of the table for range. */
static float
scales_of (float range, float *pre)
{
  *pre = range > 0 && range < TINY_RANGE ? TINY_SCALE : 1.f;
  return (LUT_SIZE - 1) * 0.5f / (range > 0 ? range * *pre : 1.f);
}

guint32
ps_colormap_argb (float v, float range)
{
  float pre, scale = scales_of (range, &pre);
  ensure_lut ();
  return color_of (v * pre, scale);
}

void
ps_colormap_rgb (float v, float range, double *r, double *g, double *b)
{
  guint32 c = ps_colormap_argb (v, range);
  *r = ((c >> 16) & 0xff) / 255.0;
  *g = ((c >> 8) & 0xff) / 255.0;
  *b = (c & 0xff) / 255.0;
}

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
ps_heatmap_range (const float *x, int64_t n)
{
  float m = max_finite (x, n);
  return m > 0.f ? m : 1.f;
}

PS_SIMD_CLONES static void
colorize_span (const float *restrict v, int64_t n, float pre, float scale, guint32 *restrict argb)
{
  for (int64_t i = 0; i < n; i++)
    argb[i] = color_of (v[i] * pre, scale);
}

void
ps_heatmap_colorize (const float *v, int64_t n, float range, guint32 *argb)
{
  float pre, scale = scales_of (range, &pre);
  ensure_lut ();
  colorize_span (v, n, pre, scale, argb);
}

void
ps_heatmap_shape (int ndim, const int64_t *shape, int64_t *rows, int64_t *cols)
{
  if (ndim == 0)
    *rows = *cols = 1;
  else if (ndim == 1)
    {
      *rows = shape[0];
      *cols = 1;
    }
  else
    {
      *rows = shape[0];
      *cols = 1;
      for (int i = 1; i < ndim; i++)
        *cols *= shape[i];
    }
}

void
ps_heatmap_scratch_clear (PsHeatmapScratch *s)
{
  g_clear_pointer (&s->buf, g_free);
  s->cap = 0;
}

/* Magnitude keys.  A float's bits rotated left by one with the sign bit
 * inverted, read as an unsigned integer, order the floats by magnitude (the
 * 31 bits of |x| come first), a tie going to the positive value; the
 * infinities sort above every finite value and the NaNs above the
 * infinities.  So one unsigned max per element finds a block's cell: NaN if
 * it holds one, else +-Inf if it holds one, else its largest magnitude with
 * its sign: an unsigned max of 32-bit lanes (one instruction for 8 keys with
 * AVX2; emulated with compares in the SSE2 baseline, which has no unsigned
 * max). */
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

#define STRIP 64    /* columns whose maxima stay in registers down a block of rows */

/* acc[c] = the largest key of column c over nrows rows stride floats apart */
PS_SIMD_CLONES static void
fold_columns (const float *x, int64_t stride, int64_t nrows, int64_t n, guint32 *restrict acc)
{
  int64_t c = 0;

  for (; c + STRIP <= n; c += STRIP)
    {
      guint32 m[STRIP] = { 0 };          /* 0: the key of -0, below all others */
      for (int64_t i = 0; i < nrows; i++)
        {
          const guint8 *row = (const guint8 *) (x + i * stride + c);
          for (int k = 0; k < STRIP; k++)
            {
              guint32 b, key;
              memcpy (&b, row + 4 * k, 4);
              key = mag_key (b);
              m[k] = key > m[k] ? key : m[k];
            }
        }
      memcpy (acc + c, m, sizeof m);
    }
  for (int64_t k = c; k < n; k++)
    acc[k] = 0;
  for (int64_t i = 0; i < nrows; i++)
    {
      const guint8 *row = (const guint8 *) (x + i * stride);
      for (int64_t k = c; k < n; k++)
        {
          guint32 b, key;
          memcpy (&b, row + 4 * k, 4);
          key = mag_key (b);
          acc[k] = key > acc[k] ? key : acc[k];
        }
    }
}

/* max of the adjacent pairs of a's and b's 16 keys, in order */
PS_VECTOR_INLINE KeyVec
kv_pairs (KeyVec a, KeyVec b)
{
  return kv_max (__builtin_shufflevector (a, b, 0, 2, 4, 6, 8, 10, 12, 14),
                 __builtin_shufflevector (a, b, 1, 3, 5, 7, 9, 11, 13, 15));
}

/* cell[c] = the largest key of the columns of cell c; cells as in
 * ps_heatmap_pool (repeated when there are fewer columns than cells).
 * Blocks of 2 and 4 columns (4096 or 2048 columns on a 1024-pixel view)
 * are reduced eight cells at a time. */
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

/* max |finite x| of a block: for the blocks that show a NaN or an infinity */
static float
block_finite_max (const float *x, int64_t stride, int64_t nrows, int64_t ncols)
{
  float m = 0.f;
  for (int64_t i = 0; i < nrows; i++)
    m = MAX (m, max_finite (x + i * stride, ncols));
  return m;
}

/* Output rows [r_begin, r_end) of a pooling, with vcols + out_cols keys of work. */
typedef struct
{
  const float *x;
  int64_t cols, row0, col0, vrows, vcols;
  float *out;
  int out_rows, out_cols, r_begin, r_end;
  guint32 *work;
  float range;
} PoolJob;

static void
pool_rows (PoolJob *j)
{
  guint32 *acc = j->work, *cell = acc + j->vcols;
  int64_t vrows = j->vrows, vcols = j->vcols;
  guint32 fin = 0;

  j->range = 0.f;
  for (int r = j->r_begin; r < j->r_end; r++)
    {
      int64_t ra = j->row0 + (int64_t) r * vrows / j->out_rows;
      int64_t rb = MAX (j->row0 + (int64_t) (r + 1) * vrows / j->out_rows, ra + 1);
      const float *top = j->x + ra * j->cols + j->col0;
      float *o = j->out + (int64_t) r * j->out_cols;
      int nonfinite = 0;
      guint32 f;

      fold_columns (top, j->cols, rb - ra, vcols, acc);
      reduce_cells (acc, vcols, j->out_cols, cell);
      f = decode_cells (cell, j->out_cols, o, &nonfinite);
      fin = MAX (fin, f);
      if (G_UNLIKELY (nonfinite > 0))
        for (int c = 0; c < j->out_cols; c++)
          if ((cell[c] >> 1) >= INF_BITS)
            {
              int64_t ca = (int64_t) c * vcols / j->out_cols;
              int64_t cb = MAX ((int64_t) (c + 1) * vcols / j->out_cols, ca + 1);
              j->range = MAX (j->range, block_finite_max (top + ca, j->cols, rb - ra, cb - ca));
            }
    }
  {
    float ff;
    memcpy (&ff, &fin, sizeof ff);
    j->range = MAX (j->range, ff);
  }
}

/* One helper thread, started on first use and kept: the frames that follow
 * create nothing.  Whoever cannot take it (another view pooling at the same
 * moment) pools alone. */
static struct
{
  GMutex   busy;          /* held by the caller using the worker */
  GMutex   lock;
  GCond    cond;
  PoolJob *job;           /* set: work to do */
  gboolean done;
  gint64   cpu_usec;      /* the thread's CPU time after its last job (atomic) */
} worker;

gint64
ps_heatmap_helper_cpu_usec (void)
{
  return __atomic_load_n (&worker.cpu_usec, __ATOMIC_RELAXED);
}

static gpointer
worker_main (gpointer data)
{
  for (;;)
    {
      PoolJob *j;
      g_mutex_lock (&worker.lock);
      while (worker.job == NULL)
        g_cond_wait (&worker.cond, &worker.lock);
      j = worker.job;
      g_mutex_unlock (&worker.lock);
      pool_rows (j);
      {
        struct timespec ts;
        clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
        __atomic_store_n (&worker.cpu_usec, (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000,
                          __ATOMIC_RELAXED);
      }
      g_mutex_lock (&worker.lock);
      worker.job = NULL;
      worker.done = TRUE;
      g_cond_broadcast (&worker.cond);
      g_mutex_unlock (&worker.lock);
    }
  return NULL;
}

static gboolean
worker_try_begin (void)
{
  static gsize started = 0;
  static pid_t owner;
  if (g_once_init_enter (&started))
    {
      owner = getpid ();
      g_thread_unref (g_thread_new ("ps-heatmap-pool", worker_main, NULL));
      g_once_init_leave (&started, 1);
    }
  if (getpid () != owner)
    return FALSE;          /* a forked child has no worker thread */
  return g_mutex_trylock (&worker.busy);
}

static void
worker_run (PoolJob *j)
{
  g_mutex_lock (&worker.lock);
  worker.done = FALSE;
  worker.job = j;
  g_cond_broadcast (&worker.cond);
  g_mutex_unlock (&worker.lock);
}

static void
worker_wait (void)
{
  g_mutex_lock (&worker.lock);
  while (!worker.done)
    g_cond_wait (&worker.cond, &worker.lock);
  g_mutex_unlock (&worker.lock);
  g_mutex_unlock (&worker.busy);
}

float
ps_heatmap_pool (const float *x, int64_t rows, int64_t cols,
                 int64_t row0, int64_t col0, int64_t vrows, int64_t vcols,
                 float *out, int out_rows, int out_cols, PsHeatmapScratch *scratch)
{
  float range = 0.f;

  g_return_val_if_fail (row0 >= 0 && col0 >= 0 && row0 + vrows <= rows && col0 + vcols <= cols, 1.f);
  g_return_val_if_fail (out_rows > 0 && out_cols > 0 && vrows > 0 && vcols > 0, 1.f);

  if (vrows <= out_rows && vcols <= out_cols)
    {
      /* no reduction: nearest */
      for (int r = 0; r < out_rows; r++)
        {
          const float *src = x + (row0 + (int64_t) r * vrows / out_rows) * cols + col0;
          for (int c = 0; c < out_cols; c++)
            out[(int64_t) r * out_cols + c] = src[(int64_t) c * vcols / out_cols];
        }
      for (int64_t i = 0; i < vrows; i++)
        range = MAX (range, max_finite (x + (row0 + i) * cols + col0, vcols));
      return range > 0.f ? range : 1.f;
    }

  /* large matrices: the other core pools the lower half of the rows */
  if (scratch->cap < 2 * (vcols + out_cols))
    {
      g_free (scratch->buf);
      scratch->cap = 2 * (vcols + out_cols);
      scratch->buf = g_new (float, scratch->cap);
    }
  {
    guint32 *work = (guint32 *) scratch->buf;
    PoolJob a = { x, cols, row0, col0, vrows, vcols, out, out_rows, out_cols, 0, out_rows,
                  work, 0.f };
    PoolJob b = a;
    gboolean split = vrows * vcols >= (1 << 20) && out_rows >= 2 && worker_try_begin ();

    if (split)
      {
        a.r_end = b.r_begin = out_rows / 2;
        b.work = work + vcols + out_cols;
        worker_run (&b);
      }
    pool_rows (&a);
    if (split)
      worker_wait ();
    range = split ? MAX (a.range, b.range) : a.range;
  }
  return range > 0.f ? range : 1.f;
}
