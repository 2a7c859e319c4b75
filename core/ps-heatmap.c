/* ps-heatmap.c — the diverging colormap */
#include "ps-heatmap.h"
#include "ps-pool.h"
#include "ps-util.h"

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

float
ps_heatmap_range (const float *x, int64_t n)
{
  float m = ps_pool_max_finite (x, n);
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
