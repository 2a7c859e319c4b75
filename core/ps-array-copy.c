/* ps-array-copy.c — copies of PsArrays: between layouts and dtypes (the one
 * place elements are converted), clone / contiguous / to(dtype), copy_, cat
 * and stack
 */
#include "ps-autograd-private.h"

#include <string.h>

/* ------------------------------------------------------------- conversion */

void
ps_convert (PsDtype from, const void *src, PsDtype to, void *dst, int64_t n)
{
  if (from == to)
    {
      memcpy (dst, src, (size_t) n * ps_dtype_size (from));
      return;
    }
  for (int64_t i = 0; i < n; i++)
    {
      const char *s = (const char *) src + i * ps_dtype_size (from);
      char *d = (char *) dst + i * ps_dtype_size (to);
      ps_elem_store_scalar (to, d, ps_elem_load_scalar (from, s));
    }
}

gboolean
ps_wrap_dim (int *dim, int ndim, GError **error)
{
  int n = MAX (ndim, 1);

  if (*dim < -n || *dim >= n)
    {
      ps_array_set_error (error, INDEX, "Dimension out of range (expected to be in range of "
                          "[%d, %d], but got %d)", -n, n - 1, *dim);
      return FALSE;
    }
  if (*dim < 0)
    *dim += n;
  return TRUE;
}

gboolean
ps_array_read_as (const PsArray *a, PsDtype dtype, int ndim, const int64_t *shape, void *dst,
                  GError **error)
{
  const char *p = ps_array_data (a, error);
  int64_t st[PS_ARRAY_MAX_DIMS], n = 1;
  int isz = ps_dtype_size (a->dtype), osz = ps_dtype_size (dtype);
  int lead = ndim - a->ndim;
  gboolean plain;
  PsIter it;
  int64_t i = 0;

  if (p == NULL)
    return FALSE;
  g_assert (lead >= 0);
  plain = lead == 0 && ps_array_is_contiguous (a);
  for (int d = 0; d < ndim; d++)
    {
      n *= shape[d];
      if (d < lead)
        st[d] = 0;
      else
        {
          int ad = d - lead;
          g_assert (a->shape[ad] == shape[d] || a->shape[ad] == 1);
          st[d] = a->shape[ad] == shape[d] ? a->strides[ad] : 0;
          plain &= a->shape[ad] == shape[d];
        }
    }
  if (n == 0)
    return TRUE;
  if (plain)
    {
      ps_convert (a->dtype, p, dtype, dst, n);
      return TRUE;
    }
  if (a->dtype == dtype && ndim == 2 && (isz == 4 || isz == 8))
    {
      /* a strided matrix (a transpose, a slice, a broadcast) in 32 x 32
       * tiles, so that a transpose reads and writes whole cache lines */
      int64_t rows = shape[0], cols = shape[1];
      for (int64_t i0 = 0; i0 < rows; i0 += 32)
        for (int64_t j0 = 0; j0 < cols; j0 += 32)
          for (int64_t r = i0; r < MIN (i0 + 32, rows); r++)
            {
              int64_t jn = MIN (j0 + 32, cols);
              if (isz == 4)
                {
                  const guint32 *s = (const guint32 *) p + r * st[0];
                  guint32 *d = (guint32 *) dst + r * cols;
                  for (int64_t j = j0; j < jn; j++)
                    d[j] = s[j * st[1]];
                }
              else
                {
                  const guint64 *s = (const guint64 *) p + r * st[0];
                  guint64 *d = (guint64 *) dst + r * cols;
                  for (int64_t j = j0; j < jn; j++)
                    d[j] = s[j * st[1]];
                }
            }
      return TRUE;
    }
  ps_iter_init (&it, ndim, shape);
  do
    {
      int64_t off = 0;
      for (int d = 0; d < ndim; d++)
        off += it.idx[d] * st[d];
      if (a->dtype == dtype)
        memcpy ((char *) dst + i * osz, p + off * isz, osz);
      else
        ps_elem_store_scalar (dtype, (char *) dst + i * osz,
                              ps_elem_load_scalar (a->dtype, p + off * isz));
      i++;
    }
  while (ps_iter_next (&it));
  return TRUE;
}

gboolean
ps_array_write_from (PsArray *a, PsDtype src_dtype, const void *src, GError **error)
{
  char *p = ps_array_data (a, error);
  int isz = ps_dtype_size (src_dtype), osz = ps_dtype_size (a->dtype);
  PsIter it;
  int64_t i = 0;

  if (p == NULL)
    return FALSE;
  if (a->numel == 0)
    return TRUE;
  if (ps_array_is_contiguous (a))
    ps_convert (src_dtype, src, a->dtype, p, a->numel);
  else
    {
      ps_iter_init (&it, a->ndim, a->shape);
      do
        {
          int64_t off = 0;
          for (int d = 0; d < a->ndim; d++)
            off += it.idx[d] * a->strides[d];
          ps_elem_store_scalar (a->dtype, p + off * osz,
                                ps_elem_load_scalar (src_dtype, (const char *) src + i * isz));
          i++;
        }
      while (ps_iter_next (&it));
    }
  ps_storage_written (a->storage);
  return TRUE;
}

PsArray *
ps_array_copy_as (const PsArray *a, PsDtype dtype, GError **error)
{
  PsArray *c = ps_array_alloc (dtype, a->ndim, a->shape, FALSE, error);

  if (c && !ps_array_read_as (a, dtype, a->ndim, a->shape, ps_array_data (c, NULL), error))
    g_clear_pointer (&c, ps_array_unref);
  return c;
}

/* ----------------------------------------------------- copies with grads */

static gboolean
identity_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  gi[0] = ps_array_ref (g);
  return TRUE;
}

PsArray *
ps_array_clone (PsArray *a, GError **error)
{
  PsArray *c = ps_array_copy_as (a, a->dtype, error);

  if (c && ps_autograd_needs_node (&a, 1))
    ps_autograd_record (c, "CloneBackward0", identity_backward, &a, 1);
  return c;
}

PsArray *
ps_array_contiguous (PsArray *a, GError **error)
{
  if (ps_array_is_contiguous (a))
    return ps_array_ref (a);
  return ps_array_clone (a, error);
}

PsArray *
ps_array_to_dtype (PsArray *a, PsDtype dtype, GError **error)
{
  PsArray *c;

  if (a->dtype == dtype)
    return ps_array_ref (a);
  c = ps_array_copy_as (a, dtype, error);
  /* the engine casts the gradient back to the input's dtype */
  if (c && (dtype == PS_DTYPE_F32 || dtype == PS_DTYPE_F64) && ps_autograd_needs_node (&a, 1))
    ps_autograd_record (c, "ToCopyBackward0", identity_backward, &a, 1);
  return c;
}

/* ----------------------------------------------------------- cat, stack */

static gboolean
cat_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  int dim = (int) node->n[0];
  int64_t start = 0;

  for (int i = 0; i < node->n_inputs; i++)
    {
      PsIndex ix[PS_ARRAY_MAX_DIMS];
      int64_t len = node->inputs[i].shape[dim];
      for (int d = 0; d < dim; d++)
        ix[d] = (PsIndex) PS_INDEX_ALL_INIT;
      ix[dim] = (PsIndex) { PS_INDEX_SLICE, 0, TRUE, TRUE, start, start + len, 1, NULL };
      gi[i] = ps_array_index (g, ix, dim + 1, error);
      if (gi[i] == NULL)
        return FALSE;
      start += len;
    }
  return TRUE;
}

PsArray *
ps_array_cat (PsArray *const *arrays, int n, int dim, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], start = 0;
  PsDtype dt;
  PsArray *out, *ref = NULL;
  int nd = -1;

  if (n == 0)
    {
      ps_array_set_error (error, RUNTIME, "torch.cat(): expected a non-empty list of Tensors");
      return NULL;
    }
  dt = arrays[0]->dtype;
  for (int i = 0; i < n; i++)
    {
      dt = ps_array_dtype_promote (dt, arrays[i]->dtype);
      /* legacy: 1-D empty tensors are skipped */
      if (ref == NULL && !(arrays[i]->ndim == 1 && arrays[i]->numel == 0))
        ref = arrays[i];
    }
  if (ref == NULL)
    ref = arrays[0];
  nd = ref->ndim;
  if (nd == 0)
    {
      ps_array_set_error (error, RUNTIME, "zero-dimensional tensor (at position 0) cannot be "
                          "concatenated");
      return NULL;
    }
  if (!ps_wrap_dim (&dim, nd, error))
    return NULL;
  memcpy (shape, ref->shape, sizeof shape);
  shape[dim] = 0;
  for (int i = 0; i < n; i++)
    {
      PsArray *t = arrays[i];
      if (t->ndim == 1 && t->numel == 0 && nd != 1)
        continue;
      if (t->ndim != nd)
        {
          ps_array_set_error (error, RUNTIME, "Tensors must have same number of dimensions: got "
                              "%d and %d", nd, t->ndim);
          return NULL;
        }
      for (int d = 0; d < nd; d++)
        if (d != dim && t->shape[d] != ref->shape[d])
          {
            ps_array_set_error (error, RUNTIME, "Sizes of tensors must match except in dimension "
                                "%d. Expected size %" G_GINT64_FORMAT " but got size %"
                                G_GINT64_FORMAT " for tensor number %d in the list.", dim,
                                ref->shape[d], t->shape[d], i);
            return NULL;
          }
      shape[dim] += t->shape[dim];
    }
  out = ps_array_alloc (dt, nd, shape, FALSE, error);
  if (out == NULL)
    return NULL;
  for (int i = 0; i < n; i++)
    {
      PsArray *t = arrays[i];
      PsIndex ix[PS_ARRAY_MAX_DIMS];
      g_autoptr (PsArray) part = NULL;
      if (t->ndim == 1 && t->numel == 0 && nd != 1)
        continue;
      for (int d = 0; d < dim; d++)
        ix[d] = (PsIndex) PS_INDEX_ALL_INIT;
      ix[dim] = (PsIndex) { PS_INDEX_SLICE, 0, TRUE, TRUE, start, start + t->shape[dim], 1,
                            NULL };
      gboolean copied;
      ps_autograd_no_grad_push ();
      part = ps_array_index (out, ix, dim + 1, error);
      copied = part && ps_array_copy_ (part, t, error);
      ps_autograd_no_grad_pop ();
      if (!copied)
        {
          ps_array_unref (out);
          return NULL;
        }
      start += t->shape[dim];
    }
  out->storage->version = 0;
  if (ps_autograd_needs_node (arrays, n))
    {
      PsNode *node = ps_autograd_record (out, "CatBackward0", cat_backward, arrays, n);
      node->n[0] = dim;
    }
  return out;
}

static gboolean
stack_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  int dim = (int) node->n[0];

  for (int i = 0; i < node->n_inputs; i++)
    {
      PsIndex ix[PS_ARRAY_MAX_DIMS];
      for (int d = 0; d < dim; d++)
        ix[d] = (PsIndex) PS_INDEX_ALL_INIT;
      ix[dim] = (PsIndex) PS_INDEX_INT_INIT (i);
      gi[i] = ps_array_index (g, ix, dim + 1, error);
      if (gi[i] == NULL)
        return FALSE;
    }
  return TRUE;
}

PsArray *
ps_array_stack (PsArray *const *arrays, int n, int dim, GError **error)
{
  PsArray **u;
  PsArray *out = NULL;

  if (n == 0)
    {
      ps_array_set_error (error, RUNTIME, "stack expects a non-empty TensorList");
      return NULL;
    }
  for (int i = 1; i < n; i++)
    if (arrays[i]->ndim != arrays[0]->ndim
        || memcmp (arrays[i]->shape, arrays[0]->shape, sizeof (int64_t) * arrays[0]->ndim) != 0)
      {
        g_autofree char *s0 = ps_shape_to_string (arrays[0]->ndim, arrays[0]->shape);
        g_autofree char *si = ps_shape_to_string (arrays[i]->ndim, arrays[i]->shape);
        ps_array_set_error (error, RUNTIME, "stack expects each tensor to be equal size, but got "
                            "%s at entry 0 and %s at entry %d", s0, si, i);
        return NULL;
      }
  if (dim < -(arrays[0]->ndim + 1) || dim > arrays[0]->ndim)
    {
      ps_array_set_error (error, INDEX, "Dimension out of range (expected to be in range of "
                          "[%d, %d], but got %d)", -(arrays[0]->ndim + 1), arrays[0]->ndim, dim);
      return NULL;
    }
  if (dim < 0)
    dim += arrays[0]->ndim + 1;
  u = g_new0 (PsArray *, n);
  ps_autograd_no_grad_push ();
  for (int i = 0; i < n; i++)
    if ((u[i] = ps_array_unsqueeze (arrays[i], dim, error)) == NULL)
      goto out;
  out = ps_array_cat (u, n, dim, error);
out:
  ps_autograd_no_grad_pop ();
  for (int i = 0; i < n; i++)
    if (u[i])
      ps_array_unref (u[i]);
  g_free (u);
  if (out && ps_autograd_needs_node (arrays, n))
    {
      PsNode *node = ps_autograd_record (out, "StackBackward0", stack_backward, arrays, n);
      node->n[0] = dim;
    }
  return out;
}

/* --------------------------------------------------------------- copy_ */

gboolean
ps_array_copy_ (PsArray *a, PsArray *src, GError **error)
{
  int nd;
  int64_t bs[PS_ARRAY_MAX_DIMS];
  g_autofree void *buf = NULL;

  if (!ps_autograd_check_inplace (a, error))
    return FALSE;
  if (!ps_array_broadcast_shape (a->ndim, a->shape, src->ndim, src->shape, &nd, bs, NULL)
      || nd != a->ndim || memcmp (bs, a->shape, sizeof (int64_t) * nd) != 0)
    {
      g_autofree char *as = ps_shape_to_string (a->ndim, a->shape);
      g_autofree char *ss = ps_shape_to_string (src->ndim, src->shape);
      ps_array_set_error (error, RUNTIME, "The size of tensor a (%" G_GINT64_FORMAT ") must "
                          "match the size of tensor b (%" G_GINT64_FORMAT ") at non-singleton "
                          "dimension %d", a->ndim ? a->shape[a->ndim - 1] : 1,
                          src->ndim ? src->shape[src->ndim - 1] : 1, MAX (a->ndim - 1, 0));
      (void) as;
      (void) ss;
      return FALSE;
    }
  if (ps_autograd_is_enabled () && (a->grad_fn || ps_array_get_requires_grad (src)))
    {
      ps_array_set_error (error, RUNTIME, "copy_ into a tensor that is part of a graph (or from "
                          "a tensor that requires grad) is not supported outside "
                          "torch.no_grad()");
      return FALSE;
    }
  buf = g_try_malloc_n ((gsize) MAX (a->numel, 1), ps_dtype_size (a->dtype));
  if (buf == NULL)
    {
      ps_array_set_error (error, RUNTIME, "not enough memory to copy %" G_GINT64_FORMAT
                          " elements", a->numel);
      return FALSE;
    }
  /* through a buffer: src may overlap a */
  if (!ps_array_read_as (src, a->dtype, a->ndim, a->shape, buf, error))
    return FALSE;
  return ps_array_write_from (a, a->dtype, buf, error);
}
