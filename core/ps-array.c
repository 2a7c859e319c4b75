/* ps-array.c — PsArray: storage, construction, element access, memory cap
 *
 * Views, ops and in-place writes live in ps-array-view.c and
 * ps-array-ops.c; the graph in ps-autograd.c.
 */
#include "ps-array-private.h"
#include "ps-autograd-private.h"
#include "ps-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

G_DEFINE_QUARK (ps-array-error-quark, ps_array_error)

const char *
ps_array_error_python_name (PsArrayErrorCode code)
{
  switch (code)
    {
    case PS_ARRAY_ERROR_INDEX: return "IndexError";
    case PS_ARRAY_ERROR_TYPE: return "TypeError";
    case PS_ARRAY_ERROR_VALUE: return "ValueError";
    case PS_ARRAY_ERROR_RUNTIME:
    default: return "RuntimeError";
    }
}

double
ps_scalar_to_double (PsScalar s)
{
  switch (s.kind)
    {
    case PS_SCALAR_BOOL: return s.v.b ? 1.0 : 0.0;
    case PS_SCALAR_INT: return (double) s.v.i;
    case PS_SCALAR_FLOAT:
    default: return s.v.f;
    }
}

PsDtype
ps_scalar_default_dtype (PsScalar value)
{
  switch (value.kind)
    {
    case PS_SCALAR_BOOL: return PS_DTYPE_BOOL;
    case PS_SCALAR_INT: return PS_DTYPE_I64;
    case PS_SCALAR_FLOAT:
    default: return PS_DTYPE_F32;
    }
}

/* ------------------------------------------------------------------ dtypes */

gboolean
ps_array_dtype_supported (PsDtype dtype)
{
  return dtype == PS_DTYPE_F32 || dtype == PS_DTYPE_F64 || dtype == PS_DTYPE_I64
         || dtype == PS_DTYPE_BOOL;
}

const char *
ps_array_dtype_torch_name (PsDtype dtype)
{
  switch (dtype)
    {
    case PS_DTYPE_F32: return "torch.float32";
    case PS_DTYPE_F64: return "torch.float64";
    case PS_DTYPE_I64: return "torch.int64";
    case PS_DTYPE_BOOL: return "torch.bool";
    case PS_DTYPE_F16: return "torch.float16";
    case PS_DTYPE_BF16: return "torch.bfloat16";
    case PS_DTYPE_I32: return "torch.int32";
    case PS_DTYPE_I16: return "torch.int16";
    case PS_DTYPE_I8: return "torch.int8";
    case PS_DTYPE_U8: return "torch.uint8";
    default: return "torch.unknown";
    }
}

gboolean
ps_array_dtype_from_torch_name (const char *name, PsDtype *dtype)
{
  static const struct { const char *name; PsDtype dtype; } names[] = {
    { "float32", PS_DTYPE_F32 }, { "float", PS_DTYPE_F32 },
    { "float64", PS_DTYPE_F64 }, { "double", PS_DTYPE_F64 },
    { "int64", PS_DTYPE_I64 }, { "long", PS_DTYPE_I64 },
    { "bool", PS_DTYPE_BOOL },
  };

  if (g_str_has_prefix (name, "torch."))
    name += 6;
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (strcmp (name, names[i].name) == 0)
      {
        *dtype = names[i].dtype;
        return TRUE;
      }
  return FALSE;
}

static int
dtype_rank (PsDtype d)
{
  switch (d)
    {
    case PS_DTYPE_BOOL: return 0;
    case PS_DTYPE_I64: return 1;
    case PS_DTYPE_F32: return 2;
    case PS_DTYPE_F64: return 3;
    default: g_assert_not_reached ();
    }
  return 0;
}

PsDtype
ps_array_dtype_promote (PsDtype a, PsDtype b)
{
  return dtype_rank (a) >= dtype_rank (b) ? a : b;
}

/* -------------------------------------------------------------- elements */

void
ps_elem_store_scalar (PsDtype dt, void *p, PsScalar v)
{
  switch (dt)
    {
    case PS_DTYPE_F32:
      *(float *) p = (float) ps_scalar_to_double (v);
      break;
    case PS_DTYPE_F64:
      *(double *) p = ps_scalar_to_double (v);
      break;
    case PS_DTYPE_I64:
      if (v.kind == PS_SCALAR_FLOAT)
        {
          double f = v.v.f;
          /* C leaves out-of-range conversions undefined; PyTorch's result is
           * unspecified there too: saturate. */
          if (isnan (f))
            *(int64_t *) p = G_MININT64;
          else if (f >= 9223372036854775807.0)
            *(int64_t *) p = G_MAXINT64;
          else if (f <= -9223372036854775808.0)
            *(int64_t *) p = G_MININT64;
          else
            *(int64_t *) p = (int64_t) f;
        }
      else
        *(int64_t *) p = v.kind == PS_SCALAR_INT ? v.v.i : (int64_t) v.v.b;
      break;
    case PS_DTYPE_BOOL:
      *(guint8 *) p = v.kind == PS_SCALAR_FLOAT ? v.v.f != 0.0
                      : v.kind == PS_SCALAR_INT ? v.v.i != 0 : !!v.v.b;
      break;
    default:
      g_assert_not_reached ();
    }
}

PsScalar
ps_elem_load_scalar (PsDtype dt, const void *p)
{
  switch (dt)
    {
    case PS_DTYPE_F32: return ps_scalar_float (*(const float *) p);
    case PS_DTYPE_F64: return ps_scalar_float (*(const double *) p);
    case PS_DTYPE_I64: return ps_scalar_int (*(const int64_t *) p);
    case PS_DTYPE_BOOL: return ps_scalar_bool (*(const guint8 *) p != 0);
    default: g_assert_not_reached ();
    }
  return ps_scalar_int (0);
}

/* ----------------------------------------------------------------- memory */

static gint64 memory_cap;          /* 0: not yet decided */
static gint64 memory_in_use;

gint64
ps_array_memory_cap (void)
{
  gint64 cap = g_atomic_pointer_get (&memory_cap) ? memory_cap : 0;

  if (cap == 0)
    {
      const char *env = g_getenv ("PARAMSCOPE_MAX_TENSOR_GIB");
      double gib = env ? g_ascii_strtod (env, NULL) : 0;
      cap = gib > 0 && gib < 1e9 ? (gint64) (gib * 1073741824.0) : ps_param_budget_bytes ();
    }
  return cap;
}

void
ps_array_set_memory_cap (gint64 bytes)
{
  memory_cap = MAX (bytes, 0);
}

gint64
ps_array_memory_in_use (void)
{
  return g_atomic_pointer_get (&memory_in_use) ? memory_in_use : 0;
}

static void
memory_add (gint64 delta)
{
#if GLIB_SIZEOF_VOID_P == 8
  g_atomic_pointer_add (&memory_in_use, delta);
#else
  memory_in_use += delta;
#endif
}

/* ---------------------------------------------------------------- storage */

PsStorage *
ps_storage_new_owned (PsDtype dtype, int64_t numel, gboolean zero, GError **error)
{
  int64_t size = ps_dtype_size (dtype);
  gint64 bytes;
  PsStorage *s;

  if (numel < 0 || numel > G_MAXINT64 / size - 64)
    {
      ps_array_set_error (error, RUNTIME, "Trying to create tensor with negative dimension or "
                          "too many elements: %" G_GINT64_FORMAT, numel);
      return NULL;
    }
  bytes = numel * size;
  if (bytes > ps_array_memory_cap () - ps_array_memory_in_use ())
    {
      ps_array_set_error (error, RUNTIME, "not enough memory: you tried to allocate %"
                          G_GINT64_FORMAT " bytes, beyond the tensor memory cap of %"
                          G_GINT64_FORMAT " bytes (%" G_GINT64_FORMAT " in use; "
                          "PARAMSCOPE_MAX_TENSOR_GIB sets the cap)", bytes,
                          ps_array_memory_cap (), ps_array_memory_in_use ());
      return NULL;
    }
  s = g_new0 (PsStorage, 1);
  /* calloc: the kernel hands out zero pages lazily, so zeros are free */
  s->mem = zero ? calloc ((size_t) MAX (bytes, 1), 1) : malloc ((size_t) MAX (bytes, 1));
  if (s->mem == NULL)
    {
      g_free (s);
      ps_array_set_error (error, RUNTIME, "not enough memory: you tried to allocate %"
                          G_GINT64_FORMAT " bytes", bytes);
      return NULL;
    }
  g_atomic_ref_count_init (&s->ref);
  s->kind = PS_STORAGE_OWNED;
  s->dtype = dtype;
  s->numel = numel;
  memory_add (bytes);
  return s;
}

static PsStorage *
storage_new_param (PsParam *p, PsStorageKind kind)
{
  PsTensor *t = kind == PS_STORAGE_PARAM_DATA ? ps_param_get_data (p) : ps_param_get_grad (p);
  PsStorage *s;

  if (t == NULL)
    return NULL;
  s = g_new0 (PsStorage, 1);
  g_atomic_ref_count_init (&s->ref);
  s->kind = kind;
  s->dtype = PS_DTYPE_F32;
  s->numel = t->numel;
  s->param = ps_param_ref (p);
  return s;
}

PsStorage *
ps_storage_ref (PsStorage *s)
{
  g_atomic_ref_count_inc (&s->ref);
  return s;
}

void
ps_storage_unref (PsStorage *s)
{
  if (s == NULL || !g_atomic_ref_count_dec (&s->ref))
    return;
  if (s->kind == PS_STORAGE_OWNED)
    {
      memory_add (-s->numel * ps_dtype_size (s->dtype));
      free (s->mem);
    }
  else
    ps_param_unref (s->param);
  g_free (s);
}

void *
ps_storage_ptr (PsStorage *s, GError **error)
{
  PsTensor *t;

  if (s->kind == PS_STORAGE_OWNED)
    return s->mem;
  t = s->kind == PS_STORAGE_PARAM_DATA ? ps_param_get_data (s->param)
                                       : ps_param_get_grad (s->param);
  if (t == NULL || t->numel < s->numel)
    {
      ps_array_set_error (error, RUNTIME, s->kind == PS_STORAGE_PARAM_DATA
                          ? "the parameter this tensor views has no values of that size any more"
                          : "the gradient this tensor views was set to None or resized");
      return NULL;
    }
  return t->data;
}

void
ps_storage_written (PsStorage *s)
{
  s->version++;
  if (s->kind != PS_STORAGE_OWNED)
    ps_param_changed (s->param, s->kind == PS_STORAGE_PARAM_DATA ? PS_CHANGE_DATA
                                                                 : PS_CHANGE_GRAD);
}

/* ------------------------------------------------------------------ array */

void
ps_array_contiguous_strides (int ndim, const int64_t *shape, int64_t *strides)
{
  int64_t st = 1;

  for (int d = ndim - 1; d >= 0; d--)
    {
      strides[d] = st;
      st *= MAX (shape[d], 1);
    }
}

PsArray *
ps_array_new_view (PsStorage *storage, PsDtype dtype, int ndim, const int64_t *shape,
                   const int64_t *strides, int64_t offset)
{
  PsArray *a = g_new0 (PsArray, 1);

  g_assert (ndim >= 0 && ndim <= PS_ARRAY_MAX_DIMS);
  g_atomic_ref_count_init (&a->ref);
  a->dtype = dtype;
  a->ndim = ndim;
  a->numel = 1;
  for (int d = 0; d < ndim; d++)
    {
      a->shape[d] = shape[d];
      a->strides[d] = strides[d];
      a->numel *= shape[d];
    }
  a->offset = offset;
  a->storage = ps_storage_ref (storage);
  return a;
}

static gboolean
check_shape (int ndim, const int64_t *shape, int64_t *numel, GError **error)
{
  int64_t n = 1;

  if (ndim < 0 || ndim > PS_ARRAY_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "tensors of %d dimensions are not supported "
                          "(at most %d)", ndim, PS_ARRAY_MAX_DIMS);
      return FALSE;
    }
  for (int d = 0; d < ndim; d++)
    if (shape[d] < 0)
      {
        g_autofree char *str = ps_shape_to_string (ndim, shape);
        ps_array_set_error (error, RUNTIME, "Trying to create tensor with negative dimension "
                            "%" G_GINT64_FORMAT ": %s", shape[d], str);
        return FALSE;
      }
  n = ps_shape_numel (ndim, shape);
  if (n < 0)
    {
      g_autofree char *str = ps_shape_to_string (ndim, shape);
      ps_array_set_error (error, RUNTIME, "too many elements in a tensor of shape %s", str);
      return FALSE;
    }
  *numel = n;
  return TRUE;
}

PsArray *
ps_array_alloc (PsDtype dtype, int ndim, const int64_t *shape, gboolean zero, GError **error)
{
  int64_t n, strides[PS_ARRAY_MAX_DIMS];
  PsStorage *s;
  PsArray *a;

  g_return_val_if_fail (ps_array_dtype_supported (dtype), NULL);
  if (!check_shape (ndim, shape, &n, error))
    return NULL;
  s = ps_storage_new_owned (dtype, n, zero, error);
  if (s == NULL)
    return NULL;
  ps_array_contiguous_strides (ndim, shape, strides);
  a = ps_array_new_view (s, dtype, ndim, shape, strides, 0);
  ps_storage_unref (s);
  return a;
}

PsArray *
ps_array_ref (PsArray *a)
{
  g_return_val_if_fail (a != NULL, NULL);
  g_atomic_ref_count_inc (&a->ref);
  return a;
}

void
ps_array_unref (PsArray *a)
{
  if (a == NULL || !g_atomic_ref_count_dec (&a->ref))
    return;
  ps_storage_unref (a->storage);
  if (a->grad)
    ps_array_unref (a->grad);
  if (a->grad_fn)
    ps_node_unref (a->grad_fn);
  g_free (a);
}

void *
ps_array_data (const PsArray *a, GError **error)
{
  char *p = ps_storage_ptr (a->storage, error);

  return p ? p + a->offset * ps_dtype_size (a->dtype) : NULL;
}

PsDtype        ps_array_get_dtype   (const PsArray *a) { return a->dtype; }
int            ps_array_get_ndim    (const PsArray *a) { return a->ndim; }
const int64_t *ps_array_get_shape   (const PsArray *a) { return a->shape; }
const int64_t *ps_array_get_strides (const PsArray *a) { return a->strides; }
int64_t        ps_array_get_offset  (const PsArray *a) { return a->offset; }
int64_t        ps_array_get_numel   (const PsArray *a) { return a->numel; }
gboolean       ps_array_is_parameter (const PsArray *a) { return a->is_param; }

gboolean
ps_array_get_size (const PsArray *a, int dim, int64_t *size, GError **error)
{
  int lo = a->ndim ? -a->ndim : -1, hi = a->ndim ? a->ndim - 1 : 0;

  if (dim < lo || dim > hi)
    {
      ps_array_set_error (error, INDEX, "Dimension out of range (expected to be in range of "
                          "[%d, %d], but got %d)", lo, hi, dim);
      return FALSE;
    }
  if (a->ndim == 0)
    {
      ps_array_set_error (error, INDEX, "dimension specified as %d but tensor has no "
                          "dimensions", dim);
      return FALSE;
    }
  *size = a->shape[dim < 0 ? dim + a->ndim : dim];
  return TRUE;
}

gboolean
ps_array_is_contiguous (const PsArray *a)
{
  int64_t st = 1;

  for (int d = a->ndim - 1; d >= 0; d--)
    {
      if (a->shape[d] == 1)
        continue;
      if (a->shape[d] == 0)
        return TRUE;
      if (a->strides[d] != st)
        return FALSE;
      st *= a->shape[d];
    }
  return TRUE;
}

gboolean
ps_array_same_storage (const PsArray *a, const PsArray *b)
{
  if (a->storage == b->storage)
    return TRUE;
  return a->storage->kind != PS_STORAGE_OWNED && a->storage->kind == b->storage->kind
         && a->storage->param == b->storage->param;
}

PsParam *
ps_array_get_param (const PsArray *a)
{
  return a->storage->param;
}

PsScalar
ps_array_get_element (const PsArray *a, const int64_t *index)
{
  const char *p = ps_array_data (a, NULL);
  int64_t off = 0;

  if (p == NULL)
    return ps_scalar_float (NAN);
  for (int d = 0; d < a->ndim; d++)
    {
      g_assert (index[d] >= 0 && index[d] < a->shape[d]);
      off += index[d] * a->strides[d];
    }
  return ps_elem_load_scalar (a->dtype, p + off * ps_dtype_size (a->dtype));
}

gboolean
ps_array_item (const PsArray *a, PsScalar *value, GError **error)
{
  const char *p;

  if (a->numel != 1)
    {
      ps_array_set_error (error, RUNTIME, "a Tensor with %" G_GINT64_FORMAT
                          " elements cannot be converted to Scalar", a->numel);
      return FALSE;
    }
  p = ps_array_data (a, error);
  if (p == NULL)
    return FALSE;
  *value = ps_elem_load_scalar (a->dtype, p);
  return TRUE;
}

double *
ps_array_to_doubles (const PsArray *a, GError **error)
{
  const char *p = ps_array_data (a, error);
  int size = ps_dtype_size (a->dtype);
  double *out;
  PsIter it;
  int64_t i = 0;

  if (p == NULL)
    return NULL;
  out = g_try_new (double, MAX (a->numel, 1));
  if (out == NULL)
    {
      ps_array_set_error (error, RUNTIME, "not enough memory for %" G_GINT64_FORMAT
                          " elements", a->numel);
      return NULL;
    }
  if (a->numel == 0)
    return out;
  ps_iter_init (&it, a->ndim, a->shape);
  do
    {
      int64_t off = 0;
      for (int d = 0; d < a->ndim; d++)
        off += it.idx[d] * a->strides[d];
      out[i++] = ps_elem_load (a->dtype, p + off * size);
    }
  while (ps_iter_next (&it));
  return out;
}

gboolean
ps_array_read (const PsArray *a, PsDtype dtype, void *dst, GError **error)
{
  g_return_val_if_fail (ps_array_dtype_supported (dtype), FALSE);
  return ps_array_read_as (a, dtype, a->ndim, a->shape, dst, error);
}

PsTensor *
ps_array_to_tensor (const PsArray *a, GError **error)
{
  g_autofree double *v = NULL;
  PsTensor *t;

  if (a->ndim > PS_TENSOR_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "a tensor of %d dimensions where at most %d are "
                          "supported", a->ndim, PS_TENSOR_MAX_DIMS);
      return NULL;
    }
  v = ps_array_to_doubles (a, error);
  if (v == NULL)
    return NULL;
  t = ps_tensor_new (a->ndim, a->shape);
  if (t == NULL)
    {
      ps_array_set_error (error, RUNTIME, "not enough memory for %" G_GINT64_FORMAT
                          " elements", a->numel);
      return NULL;
    }
  for (int64_t i = 0; i < a->numel; i++)
    t->data[i] = (float) v[i];
  return t;
}

/* ------------------------------------------------------------ construction */

PsArray *
ps_array_new_empty (PsDtype dtype, int ndim, const int64_t *shape, GError **error)
{
  return ps_array_alloc (dtype, ndim, shape, FALSE, error);
}

PsArray *
ps_array_new_zeros (PsDtype dtype, int ndim, const int64_t *shape, GError **error)
{
  return ps_array_alloc (dtype, ndim, shape, TRUE, error);
}

static void
fill_contiguous (PsArray *a, PsScalar value)
{
  char *p = ps_array_data (a, NULL);
  int size = ps_dtype_size (a->dtype);

  g_assert (p != NULL);
  if (a->numel == 0)
    return;
  ps_elem_store_scalar (a->dtype, p, value);
  for (int64_t i = 1; i < a->numel; i++)
    memcpy (p + i * size, p, size);
}

PsArray *
ps_array_new_full (PsDtype dtype, int ndim, const int64_t *shape, PsScalar value,
                   GError **error)
{
  PsArray *a = ps_array_alloc (dtype, ndim, shape, FALSE, error);

  if (a)
    fill_contiguous (a, value);
  return a;
}

PsArray *
ps_array_new_ones (PsDtype dtype, int ndim, const int64_t *shape, GError **error)
{
  return ps_array_new_full (dtype, ndim, shape, ps_scalar_int (1), error);
}

PsArray *
ps_array_new_scalar (PsScalar value)
{
  PsArray *a = ps_array_alloc (ps_scalar_default_dtype (value), 0, NULL, FALSE, NULL);

  g_assert (a != NULL);
  fill_contiguous (a, value);
  return a;
}

PsArray *
ps_array_new_wrapped (PsScalar value)
{
  PsDtype dt = value.kind == PS_SCALAR_FLOAT ? PS_DTYPE_F64
               : value.kind == PS_SCALAR_INT ? PS_DTYPE_I64 : PS_DTYPE_BOOL;
  PsArray *a = ps_array_alloc (dt, 0, NULL, FALSE, NULL);

  g_assert (a != NULL);
  fill_contiguous (a, value);
  a->wrapped = TRUE;
  return a;
}

PsArray *
ps_array_new_from_scalars (const PsScalar *values, int ndim, const int64_t *shape, int dtype,
                           GError **error)
{
  int64_t n;
  PsArray *a;
  char *p;
  int size;

  if (!check_shape (ndim, shape, &n, error))
    return NULL;
  if (dtype < 0)
    {
      gboolean any_float = FALSE, any_int = FALSE;
      for (int64_t i = 0; i < n; i++)
        {
          any_float |= values[i].kind == PS_SCALAR_FLOAT;
          any_int |= values[i].kind == PS_SCALAR_INT;
        }
      /* torch.tensor([]) is float32 */
      dtype = any_float || n == 0 ? PS_DTYPE_F32 : any_int ? PS_DTYPE_I64 : PS_DTYPE_BOOL;
    }
  a = ps_array_alloc ((PsDtype) dtype, ndim, shape, FALSE, error);
  if (a == NULL)
    return NULL;
  p = ps_array_data (a, NULL);
  size = ps_dtype_size (a->dtype);
  for (int64_t i = 0; i < n; i++)
    ps_elem_store_scalar (a->dtype, p + i * size, values[i]);
  return a;
}

PsArray *
ps_array_new_from_tensor (const PsTensor *t, GError **error)
{
  PsArray *a = ps_array_alloc (PS_DTYPE_F32, t->ndim, t->shape, FALSE, error);

  if (a)
    memcpy (ps_array_data (a, NULL), t->data, (size_t) t->numel * sizeof (float));
  return a;
}

PsArray *
ps_array_new_arange (PsScalar start, PsScalar end, PsScalar step, int dtype, GError **error)
{
  double s = ps_scalar_to_double (start), e = ps_scalar_to_double (end);
  double st = ps_scalar_to_double (step), size_d;
  int64_t n;
  PsArray *a;
  char *p;
  int size;

  if (dtype < 0)
    dtype = start.kind == PS_SCALAR_FLOAT || end.kind == PS_SCALAR_FLOAT
            || step.kind == PS_SCALAR_FLOAT ? PS_DTYPE_F32 : PS_DTYPE_I64;
  if (!isfinite (s) || !isfinite (e))
    {
      ps_array_set_error (error, RUNTIME, "unsupported range: %s -> %s",
                          ps_python_float_repr (s), ps_python_float_repr (e));
      return NULL;
    }
  if (st == 0)
    {
      ps_array_set_error (error, RUNTIME, "step must be nonzero");
      return NULL;
    }
  if ((st > 0 && e < s) || (st < 0 && e > s))
    {
      ps_array_set_error (error, RUNTIME, "upper bound and larger bound inconsistent with "
                          "step sign");
      return NULL;
    }
  if (dtype == PS_DTYPE_I64 && start.kind != PS_SCALAR_FLOAT && end.kind != PS_SCALAR_FLOAT
      && step.kind != PS_SCALAR_FLOAT)
    {
      int64_t is = start.kind == PS_SCALAR_INT ? start.v.i : start.v.b;
      int64_t ie = end.kind == PS_SCALAR_INT ? end.v.i : end.v.b;
      int64_t ist = step.kind == PS_SCALAR_INT ? step.v.i : step.v.b;
      size_d = ceil (((double) ie - (double) is) / (double) ist);
    }
  else
    size_d = ceil ((e - s) / st);
  if (!(size_d >= 0 && size_d < 9e18))
    {
      ps_array_set_error (error, RUNTIME, "invalid size, possible overflow?");
      return NULL;
    }
  n = (int64_t) size_d;
  a = ps_array_alloc ((PsDtype) dtype, 1, &n, FALSE, error);
  if (a == NULL)
    return NULL;
  p = ps_array_data (a, NULL);
  size = ps_dtype_size (a->dtype);
  for (int64_t i = 0; i < n; i++)
    {
      if (a->dtype == PS_DTYPE_I64 && start.kind == PS_SCALAR_INT && step.kind == PS_SCALAR_INT)
        ((int64_t *) p)[i] = start.v.i + i * step.v.i;
      else
        ps_elem_store_scalar (a->dtype, p + i * size, ps_scalar_float (s + (double) i * st));
    }
  return a;
}

PsArray *
ps_array_new_eye (PsDtype dtype, int64_t n, int64_t m, GError **error)
{
  int64_t shape[2];
  PsArray *a;
  char *p;
  int size;

  if (m < 0)
    m = n;
  if (n < 0)
    {
      ps_array_set_error (error, RUNTIME, "n must be greater or equal to 0, got %"
                          G_GINT64_FORMAT, n);
      return NULL;
    }
  shape[0] = n;
  shape[1] = m;
  a = ps_array_alloc (dtype, 2, shape, TRUE, error);
  if (a == NULL)
    return NULL;
  p = ps_array_data (a, NULL);
  size = ps_dtype_size (dtype);
  for (int64_t i = 0; i < MIN (n, m); i++)
    ps_elem_store_scalar (dtype, p + (i * m + i) * size, ps_scalar_int (1));
  return a;
}

PsArray *
ps_array_new_for_param (PsParam *param, GError **error)
{
  PsTensor *t = ps_param_get_data (param);
  int64_t strides[PS_ARRAY_MAX_DIMS];
  PsStorage *s;
  PsArray *a;

  if (t == NULL)
    {
      ps_array_set_error (error, RUNTIME, "Can't access the shape of an uninitialized "
                          "parameter or buffer. This error usually happens in `load_state_dict` "
                          "when trying to load an uninitialized parameter into an initialized "
                          "one. Call `forward` to initialize the parameters before accessing "
                          "their attributes.");
      return NULL;
    }
  s = storage_new_param (param, PS_STORAGE_PARAM_DATA);
  ps_array_contiguous_strides (t->ndim, t->shape, strides);
  a = ps_array_new_view (s, PS_DTYPE_F32, t->ndim, t->shape, strides, 0);
  ps_storage_unref (s);
  a->is_param = TRUE;
  return a;
}

PsArray *
ps_array_new_for_param_grad (PsParam *param)
{
  PsTensor *t = ps_param_get_grad (param);
  int64_t strides[PS_ARRAY_MAX_DIMS];
  PsStorage *s;
  PsArray *a;

  if (t == NULL)
    return NULL;
  s = storage_new_param (param, PS_STORAGE_PARAM_GRAD);
  ps_array_contiguous_strides (t->ndim, t->shape, strides);
  a = ps_array_new_view (s, PS_DTYPE_F32, t->ndim, t->shape, strides, 0);
  ps_storage_unref (s);
  return a;
}

PsArray *
ps_array_detach (PsArray *a)
{
  return ps_array_new_view (a->storage, a->dtype, a->ndim, a->shape, a->strides, a->offset);
}
