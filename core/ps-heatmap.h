/* ps-heatmap.h — how a heatmap colours values: the diverging colormap
 *
 * Shared by the window and `paramscope-cli render`, so both draw the same
 * pixels.  No allocation: callers own (and reuse) every buffer.  A matrix
 * larger than the view is reduced first (ps-pool.h).
 *
 *   float range = ps_heatmap_range (w->data, w->numel);           // max |finite x|
 *   ps_heatmap_colorize (pooled, out_rows * out_cols, range, argb);   // cairo ARGB32
 *
 * The colormap is diverging and centred at 0: blue for negative, white for 0,
 * red for positive (ColorBrewer's RdBu, reversed), symmetric in [-range, range].
 * NaN, +Inf and -Inf have colours of their own, outside the map.
 */
#pragma once

#include "ps-pool.h"

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

/* argb[i] = ps_colormap_argb (v[i], range) */
void     ps_heatmap_colorize  (const float *v, int64_t n, float range, guint32 *argb);

/* How a tensor is shown as a matrix: rows = output features.  A 1-D tensor
 * (a bias) is a column, so it lines up with its weight's rows. */
void     ps_heatmap_shape     (int ndim, const int64_t *shape, int64_t *rows, int64_t *cols);

G_END_DECLS
