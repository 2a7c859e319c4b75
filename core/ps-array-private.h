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
