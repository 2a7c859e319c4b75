/* ps-array-private.h — the insides of PsArray, shared by ps-array*.c,
 * ps-autograd.c and ps-tensor-format.c (nothing else includes it) */
#pragma once

#include "ps-array.h"
#include "ps-error.h"

G_BEGIN_DECLS

typedef enum
{
  PS_STORAGE_OWNED,          /* mem of its own, counted against the memory cap */
  PS_STORAGE_PARAM_DATA,     /* the float32 values of param, looked up at each access */
  PS_STORAGE_PARAM_GRAD,     /* the float32 gradient of param */
} PsStorageKind;

typedef struct
{
  gatomicrefcount ref;
  PsStorageKind   kind;
  PsDtype         dtype;
  void           *mem;       /* OWNED */
  int64_t         numel;     /* elements the views may reach */
  PsParam        *param;     /* PARAM_*: a reference */
  guint64         version;   /* bumped by every in-place write (autograd's check) */
} PsStorage;

typedef struct _PsNode PsNode;

struct _PsArray
{
  gatomicrefcount ref;
  PsDtype    dtype;
  int        ndim;
  int64_t    shape[PS_ARRAY_MAX_DIMS];
  int64_t    strides[PS_ARRAY_MAX_DIMS];
  int64_t    offset;
  int64_t    numel;
  PsStorage *storage;
  guint      wrapped : 1;        /* a Python number in an expression */
  guint      is_param : 1;       /* the parameter itself (its grad lives in the PsParam) */
  guint      requires_grad : 1;  /* leaves only; a non-leaf requires grad by having grad_fn */
  guint      is_view : 1;        /* made by a view op from an input that required grad */
  guint      view_of_leaf : 1;   /* ... whose base is a leaf that requires grad */
  PsArray   *grad;               /* a leaf's .grad (not for parameters) */
  PsNode    *grad_fn;            /* NULL for a leaf */
};

/* Storage */
PsStorage *ps_storage_new_owned (PsDtype dtype, int64_t numel, gboolean zero, GError **error);
PsStorage *ps_storage_ref       (PsStorage *s);
void       ps_storage_unref     (PsStorage *s);
/* The first element, looked up now; NULL with a RuntimeError when a
 * parameter's memory no longer holds numel elements. */
void      *ps_storage_ptr       (PsStorage *s, GError **error);
/* After writing: bump the version; tell a parameter's listeners. */
void       ps_storage_written   (PsStorage *s);

/* A new array header over storage (a reference is taken). */
PsArray   *ps_array_new_view    (PsStorage *storage, PsDtype dtype, int ndim,
                                 const int64_t *shape, const int64_t *strides, int64_t offset);
/* A contiguous array with storage of its own. */
PsArray   *ps_array_alloc       (PsDtype dtype, int ndim, const int64_t *shape, gboolean zero,
                                 GError **error);
void       ps_array_contiguous_strides (int ndim, const int64_t *shape, int64_t *strides);
/* The element pointer of a (storage pointer + offset * size). */
void      *ps_array_data        (const PsArray *a, GError **error);

/* float32 or float64: the dtypes that carry gradients */
static inline gboolean
ps_array_dtype_is_float (PsDtype d)
{
  return d == PS_DTYPE_F32 || d == PS_DTYPE_F64;
}

/* PyTorch's scalar type name as its messages print it ("Float", "Long") */
static inline const char *
ps_array_scalar_type_name (PsDtype d)
{
  switch (d)
    {
    case PS_DTYPE_F32: return "Float";
    case PS_DTYPE_F64: return "Double";
    case PS_DTYPE_I64: return "Long";
    case PS_DTYPE_BOOL: return "Bool";
    default: return "Unknown";
    }
}

/* A Python float in an expression (a wrapped 0-d array) */
static inline PsArray *
ps_array_wrapped_double (double v)
{
  return ps_array_new_wrapped (ps_scalar_float (v));
}

/* Elements as double / from double in any supported dtype. */
static inline double
ps_elem_load (PsDtype dt, const void *p)
{
  switch (dt)
    {
    case PS_DTYPE_F32: return *(const float *) p;
    case PS_DTYPE_F64: return *(const double *) p;
    case PS_DTYPE_I64: return (double) *(const int64_t *) p;
    case PS_DTYPE_BOOL: return *(const guint8 *) p ? 1.0 : 0.0;
    default: g_assert_not_reached ();
    }
  return 0;
}

void       ps_elem_store_scalar (PsDtype dt, void *p, PsScalar v);
PsScalar   ps_elem_load_scalar  (PsDtype dt, const void *p);

/* a broadcast (right-aligned, stride 0 where a has size 1 or lacks the
 * dimension) to shape and converted to dtype, written contiguously to dst. */
gboolean   ps_array_read_as     (const PsArray *a, PsDtype dtype, int ndim, const int64_t *shape,
                                 void *dst, GError **error);
/* src (contiguous, dtype src_dtype, a's shape) written into a's elements,
 * converted; marks the storage written. */
gboolean   ps_array_write_from  (PsArray *a, PsDtype src_dtype, const void *src, GError **error);
/* A contiguous copy of a in dtype (no autograd). */
PsArray   *ps_array_copy_as     (const PsArray *a, PsDtype dtype, GError **error);
/* Convert n contiguous elements. */
void       ps_convert           (PsDtype from, const void *src, PsDtype to, void *dst, int64_t n);
/* Normalize dim against ndim (PyTorch's wrap_dim: scalars accept -1 and 0);
 * IndexError "Dimension out of range ..." */
gboolean   ps_wrap_dim          (int *dim, int ndim, GError **error);

/* g summed down to shape (undoing broadcasting). */
PsArray   *ps_array_sum_to      (PsArray *g, int ndim, const int64_t *shape, GError **error);

/* A set_error helper for PS_ARRAY_ERROR. */
#define ps_array_set_error(err, code, ...) \
  g_set_error ((err), PS_ARRAY_ERROR, PS_ARRAY_ERROR_##code, __VA_ARGS__)

/* Iterate over the elements of an ndim-shaped index space in row-major
 * order: call ps_iter_next after each; it returns FALSE at the end. */
typedef struct
{
  int     ndim;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  int64_t idx[PS_ARRAY_MAX_DIMS];
} PsIter;

static inline void
ps_iter_init (PsIter *it, int ndim, const int64_t *shape)
{
  it->ndim = ndim;
  for (int d = 0; d < ndim; d++)
    {
      it->shape[d] = shape[d];
      it->idx[d] = 0;
    }
}

static inline gboolean
ps_iter_next (PsIter *it)
{
  for (int d = it->ndim - 1; d >= 0; d--)
    {
      if (++it->idx[d] < it->shape[d])
        return TRUE;
      it->idx[d] = 0;
    }
  return FALSE;
}

G_END_DECLS
