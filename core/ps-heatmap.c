/* ps-heatmap.c — pooling and the diverging colormap */
#include "ps-heatmap.h"

#include <math.h>
#include <string.h>
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

static inline guint32
color_of (float v, float scale)
{
  if (G_LIKELY (isfinite (v)))
    {
      /* -range -> 0, 0 -> the middle, +range -> LUT_SIZE - 1 */
      float t = v * scale + (LUT_SIZE - 1) * 0.5f;
      t = t < 0.f ? 0.f : t > (float) (LUT_SIZE - 1) ? (float) (LUT_SIZE - 1) : t;
      return lut[(int) (t + 0.5f)];       /* nearest entry, without a libm call */
    }
  if (isnan (v))
    return PS_COLOR_NAN;
  return v > 0 ? PS_COLOR_POSINF : PS_COLOR_NEGINF;
}

guint32
ps_colormap_argb (float v, float range)
{
  ensure_lut ();
  return color_of (v, (LUT_SIZE - 1) * 0.5f / (range > 0 ? range : 1.f));
}

void
ps_colormap_rgb (float v, float range, double *r, double *g, double *b)
{
  guint32 c = ps_colormap_argb (v, range);
  *r = ((c >> 16) & 0xff) / 255.0;
  *g = ((c >> 8) & 0xff) / 255.0;
  *b = (c & 0xff) / 255.0;
}

/* max |finite x|, 0 when there is none (NaN and Inf count as 0) */
static float
max_finite (const float *x, int64_t n)
{
  float m = 0.f;
  for (int64_t i = 0; i < n; i++)
    {
      float a = fabsf (x[i]);
      a = a <= G_MAXFLOAT ? a : 0.f;
      m = a > m ? a : m;
    }
  return m;
}

float
ps_heatmap_range (const float *x, int64_t n)
{
  float m = max_finite (x, n);
  return m > 0.f ? m : 1.f;
}

void
ps_heatmap_colorize (const float *v, int64_t n, float range, guint32 *argb)
{
  float scale = (LUT_SIZE - 1) * 0.5f / (range > 0 ? range : 1.f);
  ensure_lut ();
  for (int64_t i = 0; i < n; i++)
    argb[i] = color_of (v[i], scale);
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

/* The cell value of a block from its max, min (over non-NaN values) and NaN count. */
static inline float
pick (float mx, float mn, float nans)
{
  if (nans != 0.f)
    return NAN;
  return mx >= -mn ? mx : mn;
}

static inline float
finite_mag (float v)
{
  float a = fabsf (v);
  return a <= G_MAXFLOAT ? a : 0.f;
}

/* Output rows [r_begin, r_end) of a pooling, with 3 * vcols floats of work. */
typedef struct
{
  const float *x;
  int64_t cols, row0, col0, vrows, vcols;
  float *out;
  int out_rows, out_cols, r_begin, r_end;
  float *work;
  float range;
  gboolean saw_inf;
} PoolJob;

static void
pool_rows (PoolJob *j)
{
  float *mx = j->work, *mn = mx + j->vcols, *nans = mn + j->vcols;
  int64_t vrows = j->vrows, vcols = j->vcols;

  j->range = 0.f;
  j->saw_inf = FALSE;
  for (int r = j->r_begin; r < j->r_end; r++)
    {
      int64_t ra = j->row0 + (int64_t) r * vrows / j->out_rows;
      int64_t rb = MAX (j->row0 + (int64_t) (r + 1) * vrows / j->out_rows, ra + 1);
      float *o = j->out + (int64_t) r * j->out_cols;

      /* two streaming stages: down the block of rows, element by element
       * (vectorized), then across each block of columns */
      for (int64_t c = 0; c < vcols; c++)
        {
          mx[c] = -INFINITY;
          mn[c] = INFINITY;
          nans[c] = 0.f;
        }
      for (int64_t i = ra; i < rb; i++)
        {
          const float *row = j->x + i * j->cols + j->col0;
          for (int64_t c = 0; c < vcols; c++)
            {
              float v = row[c];
              mx[c] = v > mx[c] ? v : mx[c];
              mn[c] = v < mn[c] ? v : mn[c];
              nans[c] += v != v ? 1.f : 0.f;
            }
        }
      for (int c = 0; c < j->out_cols; c++)
        {
          int64_t ca = (int64_t) c * vcols / j->out_cols;
          int64_t cb = MAX ((int64_t) (c + 1) * vcols / j->out_cols, ca + 1);
          float bmx = -INFINITY, bmn = INFINITY, bn = 0.f;
          for (int64_t k = ca; k < cb; k++)
            {
              bmx = mx[k] > bmx ? mx[k] : bmx;
              bmn = mn[k] < bmn ? mn[k] : bmn;
              bn += nans[k];
            }
          o[c] = pick (bmx, bmn, bn);
          j->saw_inf |= (bmx > G_MAXFLOAT) || (bmn < -G_MAXFLOAT);
          j->range = MAX (j->range, MAX (finite_mag (bmx), finite_mag (bmn)));
        }
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
} worker;

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
  gboolean saw_inf = FALSE;

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
  if (scratch->cap < 6 * vcols)
    {
      g_free (scratch->buf);
      scratch->buf = g_new (float, 6 * vcols);
      scratch->cap = 6 * vcols;
    }
  {
    PoolJob a = { x, cols, row0, col0, vrows, vcols, out, out_rows, out_cols, 0, out_rows,
                  scratch->buf, 0.f, FALSE };
    PoolJob b = a;
    gboolean split = vrows * vcols >= (1 << 20) && out_rows >= 2 && worker_try_begin ();

    if (split)
      {
        a.r_end = b.r_begin = out_rows / 2;
        b.work = scratch->buf + 3 * vcols;
        worker_run (&b);
      }
    pool_rows (&a);
    if (split)
      worker_wait ();
    range = MAX (a.range, b.range);
    saw_inf = a.saw_inf || (split && b.saw_inf);
  }
  if (saw_inf)
    {
      /* an infinity hides its block's largest finite value: look again */
      range = 0.f;
      for (int64_t i = 0; i < vrows; i++)
        range = MAX (range, max_finite (x + (row0 + i) * cols + col0, vcols));
      return range > 0.f ? range : 1.f;
    }
  return range > 0.f ? range : 1.f;
}
