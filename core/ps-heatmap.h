/* ps-heatmap.h — what a heatmap shows: pooling and the diverging colormap
 *
 * Shared by the window and `paramscope-cli render`, so both draw the same
 * pixels.  No allocation: callers own (and reuse) every buffer.
 *
 *   float range = ps_heatmap_range (w->data, w->numel);           // max |finite x|
 *   PsHeatmapScratch scratch = { 0 };                              // kept and reused
 *   ps_heatmap_pool (w->data, rows, cols, 0, 0, rows, cols, pooled, out_rows, out_cols, &scratch);
 *   ps_heatmap_colorize (pooled, out_rows * out_cols, range, argb);   // cairo ARGB32
 *
 * The colormap is diverging and centred at 0: blue for negative, white for 0,
 * red for positive (ColorBrewer's RdBu, reversed), symmetric in [-range, range].
 * NaN, +Inf and -Inf have colours of their own, outside the map.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define PS_COLOR_NAN     0xff39ff14u   /* neon green */
#define PS_COLOR_POSINF  0xffffd000u   /* gold */
#define PS_COLOR_NEGINF  0xff8000ffu   /* violet */

/* Opaque ARGB32 (cairo's CAIRO_FORMAT_ARGB32, GDK_MEMORY_DEFAULT on little
 * endian) of value v in a map symmetric in [-range, range]. */
guint32  ps_colormap_argb     (float v, float range);
/* The same as 0..1 components, for drawing with cairo. */
void     ps_colormap_rgb      (float v, float range, double *r, double *g, double *b);

/* max |x| over finite values; 1 when there is none or it is 0 (an all-zero
 * tensor shows white). */
float    ps_heatmap_range     (const float *x, int64_t n);

/* Workspace of ps_heatmap_pool, kept by the caller and reused (it grows only
 * when the window grows).  Zero-initialize; free with ps_heatmap_scratch_clear. */
typedef struct
{
  float   *buf;
  int64_t  cap;
} PsHeatmapScratch;

void     ps_heatmap_scratch_clear (PsHeatmapScratch *s);

/* Reduce the window (row0, col0, vrows, vcols) of a rows x cols row-major
 * matrix to out_rows x out_cols cells: each cell is the element of largest
 * magnitude of its block (so outliers stay visible), NaN if the block holds a
 * NaN, else +-Inf if it holds one.  Blocks tile the window evenly; when the
 * window is smaller than the output, cells repeat (nearest).  Returns the
 * window's largest finite magnitude, as ps_heatmap_range would. */
float    ps_heatmap_pool      (const float *x, int64_t rows, int64_t cols,
                               int64_t row0, int64_t col0, int64_t vrows, int64_t vcols,
                               float *out, int out_rows, int out_cols,
                               PsHeatmapScratch *scratch);

/* CPU microseconds used so far by the thread that pools the lower half of
 * large matrices (0 before its first job): for callers that budget what
 * their views cost. */
gint64   ps_heatmap_helper_cpu_usec (void);

/* argb[i] = ps_colormap_argb (v[i], range) */
void     ps_heatmap_colorize  (const float *v, int64_t n, float range, guint32 *argb);

/* How a tensor is shown as a matrix: rows = output features.  A 1-D tensor
 * (a bias) is a column, so it lines up with its weight's rows. */
void     ps_heatmap_shape     (int ndim, const int64_t *shape, int64_t *rows, int64_t *cols);

G_END_DECLS
