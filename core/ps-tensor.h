/* ps-tensor.h — dense float32 tensors
 *
 * A PsTensor is a contiguous, row-major float32 array of up to
 * PS_TENSOR_MAX_DIMS dimensions with a reference count.  A weight of a
 * Linear layer is (out_features, in_features), as in PyTorch.
 *
 *   g_autoptr (PsTensor) w = ps_tensor_new_2d (8, 4);   // zero-filled
 *   w->data[0 * 4 + 1] = 42.f;                          // w[0, 1] = 42
 *
 * The fields are public for reading and for writing the elements; change
 * the shape only through ps_tensor_reshape().  Whoever mutates the data of a
 * tensor that belongs to a parameter must call ps_param_changed().
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

#define PS_TENSOR_MAX_DIMS 8

typedef struct _PsTensor PsTensor;

struct _PsTensor
{
  float   *data;                          /* numel floats, 64-byte aligned */
  int      ndim;                          /* 0 (scalar) .. PS_TENSOR_MAX_DIMS */
  int64_t  shape[PS_TENSOR_MAX_DIMS];
  int64_t  numel;
  /*< private >*/
  gatomicrefcount ref;
  int64_t  capacity;                      /* floats allocated */
};

PsTensor *ps_tensor_new        (int ndim, const int64_t *shape);   /* zero-filled; NULL if too large */
PsTensor *ps_tensor_new_2d     (int64_t rows, int64_t cols);
PsTensor *ps_tensor_new_1d     (int64_t n);
PsTensor *ps_tensor_new_scalar (float value);
PsTensor *ps_tensor_copy       (const PsTensor *t);
PsTensor *ps_tensor_ref        (PsTensor *t);
void      ps_tensor_unref      (PsTensor *t);

gboolean  ps_tensor_same_shape (const PsTensor *a, const PsTensor *b);
/* Change the shape in place; the element count must stay the same. */
gboolean  ps_tensor_reshape    (PsTensor *t, int ndim, const int64_t *shape);
/* Make t hold ndim/shape, reusing its buffer when it is large enough.
 * Contents are unspecified afterwards.  Returns FALSE if it cannot grow. */
gboolean  ps_tensor_resize     (PsTensor *t, int ndim, const int64_t *shape);
void      ps_tensor_fill       (PsTensor *t, float value);

/* Rows and columns when seen as a matrix: rows = shape[0] (1 for a scalar),
 * cols = numel / rows.  This is how heatmaps and fans see a tensor. */
int64_t   ps_tensor_rows       (const PsTensor *t);
int64_t   ps_tensor_cols       (const PsTensor *t);

/* "[8, 4]" — the shape as torch.Size prints its list; caller frees. */
char     *ps_shape_to_string   (int ndim, const int64_t *shape);
/* Product of the dimensions, or -1 on overflow / negative dimension. */
int64_t   ps_shape_numel       (int ndim, const int64_t *shape);

/* 1 if x is NaN or +-Inf (its exponent bits all set), else 0: an integer
 * test, so loops OR-ing it over a tensor vectorize. */
static inline uint32_t
ps_float_nonfinite (float x)
{
  uint32_t u;
  memcpy (&u, &x, sizeof u);
  return (u & 0x7f800000u) == 0x7f800000u;
}

typedef struct
{
  int64_t n;
  int64_t n_nan, n_posinf, n_neginf, n_zero;
  double  mean, std;            /* over finite values; std unbiased (as torch.std) */
  double  min, max;             /* over finite values */
  double  l2;                   /* sqrt of the sum of squares of finite values */
} PsStats;

void      ps_stats_compute     (const float *x, int64_t n, PsStats *out);

/* The same statistics over a stream of chunks (exact merge of two-pass chunks). */
typedef struct
{
  PsStats s;
  double  m2;                   /* sum of squared deviations over finite values */
  int64_t finite;
  double  sumsq;
} PsStatsAcc;

void      ps_stats_acc_init    (PsStatsAcc *acc);
void      ps_stats_acc_add     (PsStatsAcc *acc, const float *x, int64_t n);
void      ps_stats_acc_finish  (PsStatsAcc *acc, PsStats *out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTensor, ps_tensor_unref)

G_END_DECLS
