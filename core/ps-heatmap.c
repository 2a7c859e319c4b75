/* ps-heatmap.c — pooling and the diverging colormap */
#include "ps-heatmap.h"

#include <math.h>
#include <string.h>

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
      int i = (int) lrintf (t);
      return lut[CLAMP (i, 0, LUT_SIZE - 1)];
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

/* max |finite x|, 0 when there is none */
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
  float m = 0.f;
  for (int64_t i = 0; i < n; i++)
    {
      float a = fabsf (x[i]);
      a = a <= G_MAXFLOAT ? a : 0.f;     /* NaN and Inf count as 0 */
      m = a > m ? a : m;
    }
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

float
ps_heatmap_pool (const float *x, int64_t rows, int64_t cols,
                 int64_t row0, int64_t col0, int64_t vrows, int64_t vcols,
                 float *out, int out_rows, int out_cols, PsHeatmapScratch *scratch)
{
  float range = 0.f;
  gboolean saw_inf = FALSE;
  float *mx, *mn, *nans;

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

  /* Two stages, both streaming: down each block of rows, element by element
   * (vectorizes), then across each block of columns. */
  if (scratch->cap < 3 * vcols)
    {
      g_free (scratch->buf);
      scratch->buf = g_new (float, 3 * vcols);
      scratch->cap = 3 * vcols;
    }
  mx = scratch->buf;
  mn = mx + vcols;
  nans = mn + vcols;
  for (int r = 0; r < out_rows; r++)
    {
      int64_t ra = row0 + (int64_t) r * vrows / out_rows;
      int64_t rb = MAX (row0 + (int64_t) (r + 1) * vrows / out_rows, ra + 1);
      float *o = out + (int64_t) r * out_cols;

      for (int64_t j = 0; j < vcols; j++)
        {
          mx[j] = -INFINITY;
          mn[j] = INFINITY;
          nans[j] = 0.f;
        }
      for (int64_t i = ra; i < rb; i++)
        {
          const float *row = x + i * cols + col0;
          for (int64_t j = 0; j < vcols; j++)
            {
              float v = row[j];
              mx[j] = v > mx[j] ? v : mx[j];
              mn[j] = v < mn[j] ? v : mn[j];
              nans[j] += v != v ? 1.f : 0.f;
            }
        }
      for (int c = 0; c < out_cols; c++)
        {
          int64_t ca = (int64_t) c * vcols / out_cols;
          int64_t cb = MAX ((int64_t) (c + 1) * vcols / out_cols, ca + 1);
          float bmx = -INFINITY, bmn = INFINITY, bn = 0.f;
          for (int64_t j = ca; j < cb; j++)
            {
              bmx = mx[j] > bmx ? mx[j] : bmx;
              bmn = mn[j] < bmn ? mn[j] : bmn;
              bn += nans[j];
            }
          o[c] = pick (bmx, bmn, bn);
          if (isinf (bmx) || isinf (bmn))
            saw_inf |= (bmx > G_MAXFLOAT) || (bmn < -G_MAXFLOAT);
          range = MAX (range, MAX (finite_mag (bmx), finite_mag (bmn)));
        }
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
