/* ps-matrix-source.h — what a matrix view shows: a tensor as a matrix
 *
 * PsMatrixView (ps-matrix-view.h) draws any object that implements this
 * interface.  A source says the matrix's shape (and the N-d shape of the
 * tensor behind it, for labels and, later, tiled layouts), a version that
 * changes with its values, reduces a window of the matrix to a grid of
 * max-|x| cells into the caller's buffers (synchronously, or in a worker
 * thread), describes a cell in words, and may accept a typed value.
 *
 *   PsMatrixSource *src = ps_param_source_new (param, FALSE, "2.weight");
 *   ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
 *   g_object_unref (src);
 *
 * The implementations, one file each:
 *   ps-param-source.h       a live PsParam's values or gradient (synchronous)
 *   ps-checkpoint-source.h  a 2-D slice of a checkpoint tensor (asynchronous)
 *   ps-diff-source.h        A - B of two states of a parameter (synchronous)
 *
 * Signals:
 *   "changed" (guint what: PsMatrixChange)   emitted on the thread that made
 *                                            the source (the main thread)
 */
#pragma once

#include <gio/gio.h>
#include "paramscope.h"

G_BEGIN_DECLS

#define PS_MATRIX_MAX_DIMS 8

/* The matrix on display, and the tensor it comes from.  A Conv2d weight
 * [out, in, kh, kw] is rows = out, cols = in * kh * kw (ps_heatmap_shape)
 * with ndim 4 and its shape kept, so a layout can show it as tiles. */
typedef struct
{
  int64_t rows, cols;
  int     ndim;                          /* 0 .. PS_MATRIX_MAX_DIMS */
  int64_t shape[PS_MATRIX_MAX_DIMS];
  /* A tiled layout (ps-tile-source.h): tiles of tile_h x tile_w cells with
   * tile_gap empty cells between them (0: one plain matrix); rgb: the cells
   * are colours of their own, not the colormap (no colorbar). */
  int64_t tile_h, tile_w;
  int     tile_gap;
  gboolean rgb;
} PsMatrixShape;

typedef enum
{
  PS_MATRIX_CHANGE_VALUES = 1 << 0,      /* what the cells show */
  PS_MATRIX_CHANGE_SHAPE  = 1 << 1,      /* rows, cols or the N-d shape (the view resets its zoom) */
} PsMatrixChange;

/* One pooling: the window (r0, c0, rows, cols) of the matrix reduced to
 * out_rows x out_cols cells (ps_pool_slice: max-|x|, NaN and +-Inf kept)
 * into the caller's out (and, when argb is not NULL, coloured there with
 * ps_heatmap_colorize at the returned range).  The buffers and scratch are
 * the caller's and stay untouched by it until the pooling is finished. */
typedef struct
{
  /* in */
  int64_t        r0, c0, rows, cols;
  int            out_rows, out_cols;
  float         *out;                    /* out_rows * out_cols floats */
  guint32       *argb;                   /* nullable: out_rows * out_cols pixels */
  PsPoolScratch *scratch;
  /* out */
  float          range;                  /* the colours' range: the whole matrix's largest finite |x| */
  guint64        version;                /* of the values pooled */
  gint64         usec;                   /* time the pooling took */
} PsMatrixPool;

#define PS_TYPE_MATRIX_SOURCE (ps_matrix_source_get_type ())
G_DECLARE_INTERFACE (PsMatrixSource, ps_matrix_source, PS, MATRIX_SOURCE, GObject)

struct _PsMatrixSourceInterface
{
  GTypeInterface parent_iface;

  /* FALSE: nothing to draw now (get_placeholder says why) */
  gboolean    (*get_shape)        (PsMatrixSource *self, PsMatrixShape *shape);
  guint64     (*get_version)      (PsMatrixSource *self);
  const char *(*get_title)        (PsMatrixSource *self);
  /* why there is nothing to draw ("no gradient yet"); NULL: "no elements" */
  const char *(*get_placeholder)  (PsMatrixSource *self);
  /* optional: FALSE with an error saying why there is nothing to show
   * (default: "%s has no elements", PS_ERROR_VALUE, when get_shape fails) */
  gboolean    (*check)            (PsMatrixSource *self, GError **error);
  /* the whole matrix's colour range, if known without pooling */
  gboolean    (*get_range)        (PsMatrixSource *self, float *range);

  /* synchronous pooling on the calling thread; FALSE: nothing to pool */
  gboolean    (*pool)             (PsMatrixSource *self, PsMatrixPool *job);
  /* optional: asynchronous pooling (default: pool, finished in an idle) */
  void        (*pool_async)       (PsMatrixSource *self, PsMatrixPool *job,
                                   GCancellable *cancellable, GAsyncReadyCallback callback,
                                   gpointer user_data);
  gboolean    (*pool_finish)      (PsMatrixSource *self, GAsyncResult *result, GError **error);
  gboolean    is_async;           /* views should use pool_async */

  char       *(*describe_cell)    (PsMatrixSource *self, int64_t row, int64_t col);
  char       *(*describe_tooltip) (PsMatrixSource *self, int64_t row, int64_t col);  /* optional */
  char       *(*describe)         (PsMatrixSource *self);                            /* for assistive technologies */
  gboolean    (*get_value)        (PsMatrixSource *self, int64_t row, int64_t col, double *value);

  /* optional: the label of a band of tile rows (a recurrent weight's gate:
   * "i", "f", "g", "o"), drawn left of the matrix; NULL: none */
  const char *(*get_row_label)    (PsMatrixSource *self, int64_t tile_row);

  /* optional: editing */
  gboolean    (*is_editable)      (PsMatrixSource *self);
  gboolean    (*set_value)        (PsMatrixSource *self, int64_t row, int64_t col, float value,
                                   GError **error);
};

gboolean     ps_matrix_source_get_shape       (PsMatrixSource *self, PsMatrixShape *shape);
guint64      ps_matrix_source_get_version     (PsMatrixSource *self);
const char  *ps_matrix_source_get_title       (PsMatrixSource *self);     /* never NULL */
const char  *ps_matrix_source_get_placeholder (PsMatrixSource *self);     /* never NULL */
gboolean     ps_matrix_source_check           (PsMatrixSource *self, GError **error);
gboolean     ps_matrix_source_get_range       (PsMatrixSource *self, float *range);
gboolean     ps_matrix_source_is_async        (PsMatrixSource *self);
gboolean     ps_matrix_source_pool            (PsMatrixSource *self, PsMatrixPool *job);
void         ps_matrix_source_pool_async      (PsMatrixSource *self, PsMatrixPool *job,
                                               GCancellable *cancellable,
                                               GAsyncReadyCallback callback, gpointer user_data);
/* FALSE with G_IO_ERROR_CANCELLED when cancelled (job's outputs undefined). */
gboolean     ps_matrix_source_pool_finish     (PsMatrixSource *self, GAsyncResult *result,
                                               GError **error);
/* "[2, 17, 5]  -0.0123" or "2.weight [1, 2]\nvalue 0.25\ngradient none yet":
 * the full N-d index and the value.  NULL outside.  Free with g_free. */
char        *ps_matrix_source_describe_cell   (PsMatrixSource *self, int64_t row, int64_t col);
char        *ps_matrix_source_describe_tooltip (PsMatrixSource *self, int64_t row, int64_t col);
char        *ps_matrix_source_describe        (PsMatrixSource *self);
gboolean     ps_matrix_source_get_value       (PsMatrixSource *self, int64_t row, int64_t col,
                                               double *value);
/* The label of tile row tile_row (a gate), or NULL. */
const char  *ps_matrix_source_get_row_label   (PsMatrixSource *self, int64_t tile_row);
gboolean     ps_matrix_source_is_editable     (PsMatrixSource *self);
gboolean     ps_matrix_source_set_value       (PsMatrixSource *self, int64_t row, int64_t col,
                                               float value, GError **error);
/* For implementations: emit "changed". */
void         ps_matrix_source_changed         (PsMatrixSource *self, PsMatrixChange what);

/* ---- helpers for implementations ----------------------------------------- */

/* Pool job's window of a rows x cols float32 matrix x, colouring with range. */
void         ps_matrix_pool_f32               (const float *x, int64_t rows, int64_t cols,
                                               float range, PsMatrixPool *job);
/* The shape of a float tensor as a matrix (ps_heatmap_shape); FALSE if empty. */
gboolean     ps_matrix_shape_of_tensor        (const PsTensor *t, PsMatrixShape *shape);
/* "[i]" for a 1-D tensor, else "[i, j]"; the N-d index of a matrix cell. */
char        *ps_matrix_format_index           (const PsMatrixShape *shape, int64_t row,
                                               int64_t col);
/* "0.25", "−1.5e-07", "NaN", "−inf": %.6g with a real minus sign. */
char        *ps_matrix_format_value           (double x);
/* "2.weight, 3 by 4, values from −1 to 1": a float matrix for assistive
 * technologies (reads every value). */
char        *ps_matrix_describe_values        (const char *title, const PsMatrixShape *shape,
                                               const float *x, int64_t n);

G_END_DECLS
