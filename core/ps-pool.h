/* ps-pool.h — max-|x| pooling of a strided 2-D slice of any dtype
 *
 * What a heatmap shows when a matrix has more elements than the view has
 * pixels: each cell is the element of largest magnitude of its block, so
 * outliers stay visible.  One implementation for every source: a live
 * parameter (contiguous float32), a tensor of a mapped checkpoint (any
 * dtype, a 2-D slice of a tensor of any rank, possibly transposed), a
 * torch.save tensor (any strides and storage offset).  No allocation per
 * call: the caller keeps the scratch and reuses it.
 *
 *   PsSlice s;
 *   ps_slice_init_f32 (&s, w->data, rows, cols);                  // a float matrix
 *   PsPoolScratch scratch = { 0 };                                 // kept and reused
 *   float range = ps_pool_slice (&s, 0, 0, rows, cols, pooled, out_rows, out_cols, &scratch);
 *   ps_heatmap_colorize (pooled, out_rows * out_cols, range, argb);
 *
 *   PsSlice t = { .base = storage, .dtype = PS_DTYPE_BF16, .offset = 4096,
 *                 .rows = 11008, .cols = 4096, .row_stride = 1, .col_stride = 11008 };
 *   ps_pool_slice (&t, 0, 0, t.rows, t.cols, pooled, 335, 900, &scratch);   // a transpose
 *
 * Semantics (every dtype, every stride): a block's cell is NaN if the block
 * holds a NaN, else +Inf or -Inf if it holds one (+Inf when both), else its
 * value of largest magnitude with its sign, a tie going to the positive one
 * (+0 over -0).  Blocks tile the window evenly (block r covers rows
 * [r * vrows / out_rows, (r + 1) * vrows / out_rows), at least one); when
 * the window has fewer rows or columns than cells, cells repeat (nearest).
 * Only elements of the window are read.  Large windows are split between
 * the calling thread and the core's helper thread (ps-helper.h; a caller
 * that finds it busy pools alone).  Any thread may call this.
 */
#pragma once

#include "ps-dtype.h"

G_BEGIN_DECLS

/* A strided 2-D view of elements of one dtype: element (r, c) is at
 * base + (offset + r * row_stride + c * col_stride) * ps_dtype_size (dtype)
 * bytes, little-endian, at any alignment.  Strides are in elements, >= 0. */
typedef struct
{
  const void *base;
  PsDtype     dtype;
  int64_t     offset;
  int64_t     rows, cols;
  int64_t     row_stride, col_stride;
} PsSlice;

/* A rows x cols row-major float32 matrix. */
void     ps_slice_init_f32        (PsSlice *s, const float *x, int64_t rows, int64_t cols);
/* The address of element (row, col). */
const void *ps_slice_element      (const PsSlice *s, int64_t row, int64_t col);
/* Element (row, col), exactly (ps_dtype_load_double). */
double   ps_slice_read            (const PsSlice *s, int64_t row, int64_t col);
/* Elements (row, col0 .. col0 + n) as float32 into dst (n floats). */
void     ps_slice_row_to_f32      (const PsSlice *s, int64_t row, int64_t col0, int64_t n,
                                   float *dst);

/* Workspace of ps_pool_slice, kept by the caller and reused (it grows only
 * when the window grows).  Zero-initialize; free with ps_pool_scratch_clear. */
typedef struct
{
  void    *buf;
  int64_t  cap;          /* bytes */
} PsPoolScratch;

void     ps_pool_scratch_clear    (PsPoolScratch *scratch);

/* Reduce the window (row0, col0, vrows, vcols) of slice s to out_rows x
 * out_cols cells (row-major, out_rows * out_cols floats), with the
 * semantics above.  Returns the window's largest finite magnitude (also
 * where a NaN or an infinity hides it), or 1 when there is none or it is 0. */
float    ps_pool_slice            (const PsSlice *s, int64_t row0, int64_t col0,
                                   int64_t vrows, int64_t vcols,
                                   float *out, int out_rows, int out_cols,
                                   PsPoolScratch *scratch);

/* max |x| over the finite values of n floats; 0 when there is none. */
float    ps_pool_max_finite       (const float *x, int64_t n);

/* CPU microseconds the helper thread has spent pooling so far (0 before
 * its first job): for callers that budget what their views cost. */
gint64   ps_pool_helper_cpu_usec  (void);

G_END_DECLS
