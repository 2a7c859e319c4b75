/* ps-array-view.c — views (select, slice, index, reshape, transpose, expand),
 * copies between layouts and dtypes, cat and stack
 *
 * Each view op makes a new header over the same storage and, when its input
 * requires grad, records the node PyTorch records (SelectBackward0,
 * SliceBackward0, ViewBackward0, ...).  The backward functions run with grad
 * mode off (the engine's doing), so they use the ops themselves.
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

/* --------------------------------------------------------------- views */

static PsArray *
view_of (PsArray *a, int ndim, const int64_t *shape, const int64_t *strides, int64_t offset)
{
  PsArray *v = ps_array_new_view (a->storage, a->dtype, ndim, shape, strides, offset);

  if (ps_array_get_requires_grad (a) && ps_autograd_is_enabled ())
    {
      v->is_view = TRUE;
      v->view_of_leaf = a->grad_fn == NULL || a->view_of_leaf;
    }
  return v;
}

/* select(dim, index) */
static gboolean
select_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  g_autoptr (PsArray) z = ps_array_new_zeros (g->dtype, node->inputs[0].ndim,
                                              node->inputs[0].shape, error);
  g_autoptr (PsArray) u = NULL;
  PsIndex ix[PS_ARRAY_MAX_DIMS];

  if (z == NULL)
    return FALSE;
  for (int d = 0; d < node->n[0]; d++)
    ix[d] = (PsIndex) PS_INDEX_ALL_INIT;
  ix[node->n[0]] = (PsIndex) PS_INDEX_INT_INIT (node->n[1]);
  if (!ps_array_index_put (z, ix, (int) node->n[0] + 1, g, error))
    return FALSE;
  gi[0] = g_steal_pointer (&z);
  return TRUE;
}

static PsArray *
array_select (PsArray *a, int dim, int64_t i, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], strides[PS_ARRAY_MAX_DIMS];
  int64_t size;
  PsArray *v;
  int n = 0;

  if (a->ndim == 0)
    {
      ps_array_set_error (error, INDEX, "invalid index of a 0-dim tensor. Use `tensor.item()` "
                          "in Python or `tensor.item<T>()` in C++ to convert a 0-dim tensor to "
                          "a number");
      return NULL;
    }
  size = a->shape[dim];
  if (i < -size || i >= size)
    {
      ps_array_set_error (error, INDEX, "index %" G_GINT64_FORMAT " is out of bounds for "
                          "dimension %d with size %" G_GINT64_FORMAT, i, dim, size);
      return NULL;
    }
  if (i < 0)
    i += size;
  for (int d = 0; d < a->ndim; d++)
    if (d != dim)
      {
        shape[n] = a->shape[d];
        strides[n++] = a->strides[d];
      }
  v = view_of (a, n, shape, strides, a->offset + i * a->strides[dim]);
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (v, "SelectBackward0", select_backward, &a, 1);
      node->n[0] = dim;
      node->n[1] = i;
    }
  return v;
}

static gboolean
slice_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  g_autoptr (PsArray) z = ps_array_new_zeros (g->dtype, node->inputs[0].ndim,
                                              node->inputs[0].shape, error);
  PsIndex ix[PS_ARRAY_MAX_DIMS];

  if (z == NULL)
    return FALSE;
  for (int d = 0; d < node->n[0]; d++)
    ix[d] = (PsIndex) PS_INDEX_ALL_INIT;
  ix[node->n[0]] = (PsIndex) { PS_INDEX_SLICE, 0, TRUE, TRUE, node->n[1], node->n[2],
                               node->n[3], NULL };
  if (!ps_array_index_put (z, ix, (int) node->n[0] + 1, g, error))
    return FALSE;
  gi[0] = g_steal_pointer (&z);
  return TRUE;
}

static PsArray *
array_slice (PsArray *a, int dim, const PsIndex *ix, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], strides[PS_ARRAY_MAX_DIMS];
  int64_t size = a->shape[dim], start, stop, step = ix->step ? ix->step : 1, len;
  PsArray *v;

  if (step < 0)
    {
      ps_array_set_error (error, VALUE, "step must be greater than zero");
      return NULL;
    }
  start = ix->has_start ? ix->start : 0;
  stop = ix->has_stop ? ix->stop : size;
  if (start < 0)
    start += size;
  if (stop < 0)
    stop += size;
  start = CLAMP (start, 0, size);
  stop = CLAMP (stop, start, size);
  len = (stop - start + step - 1) / step;
  memcpy (shape, a->shape, sizeof shape);
  memcpy (strides, a->strides, sizeof strides);
  shape[dim] = len;
  strides[dim] = a->strides[dim] * step;
  v = view_of (a, a->ndim, shape, strides, a->offset + (len ? start * a->strides[dim] : 0));
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (v, "SliceBackward0", slice_backward, &a, 1);
      node->n[0] = dim;
      node->n[1] = start;
      node->n[2] = stop;
      node->n[3] = step;
    }
  return v;
}

/* reshape-like backward: the gradient in the input's shape */
static gboolean
reshape_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  gi[0] = ps_array_reshape (g, node->inputs[0].ndim, node->inputs[0].shape, error);
  return gi[0] != NULL;
}

PsArray *
ps_array_unsqueeze (PsArray *a, int dim, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], strides[PS_ARRAY_MAX_DIMS];
  PsArray *v;

  if (dim < -(a->ndim + 1) || dim > a->ndim)
    {
      ps_array_set_error (error, INDEX, "Dimension out of range (expected to be in range of "
                          "[%d, %d], but got %d)", -(a->ndim + 1), a->ndim, dim);
      return NULL;
    }
  if (dim < 0)
    dim += a->ndim + 1;
  if (a->ndim >= PS_ARRAY_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "tensors of more than %d dimensions are not "
                          "supported", PS_ARRAY_MAX_DIMS);
      return NULL;
    }
  for (int d = 0, s = 0; d <= a->ndim; d++)
    {
      if (d == dim)
        {
          shape[d] = 1;
          strides[d] = dim < a->ndim ? a->shape[dim] * a->strides[dim] : 1;
        }
      else
        {
          shape[d] = a->shape[s];
          strides[d] = a->strides[s++];
        }
    }
  v = view_of (a, a->ndim + 1, shape, strides, a->offset);
  if (ps_autograd_needs_node (&a, 1))
    ps_autograd_record (v, "UnsqueezeBackward0", reshape_backward, &a, 1);
  return v;
}

PsArray *
ps_array_squeeze (PsArray *a, int dim, gboolean all, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], strides[PS_ARRAY_MAX_DIMS];
  PsArray *v;
  int n = 0;

  if (!all && !ps_wrap_dim (&dim, a->ndim, error))
    return NULL;
  for (int d = 0; d < a->ndim; d++)
    if (a->shape[d] != 1 || (!all && d != dim))
      {
        shape[n] = a->shape[d];
        strides[n++] = a->strides[d];
      }
  v = view_of (a, n, shape, strides, a->offset);
  if (ps_autograd_needs_node (&a, 1))
    ps_autograd_record (v, all ? "SqueezeBackward0" : "SqueezeBackward1", reshape_backward,
                        &a, 1);
  return v;
}

/* -------------------------------------------------------------- indexing */

static gboolean
index_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error);

/* Advanced indexing of a by int64 index arrays idx[d] (NULL: all of dim d);
 * the index arrays broadcast together, and their shape replaces the indexed
 * dims (in place when they are adjacent, else in front).  Returns an int64
 * array of the result's shape holding, for each element, the row-major
 * position in a that it takes. */
static PsArray *
index_positions (const PsArray *a, PsArray **idx, GError **error)
{
  int bnd = 0, first = -1, last = -1, ondim = 0;
  int64_t bshape[PS_ARRAY_MAX_DIMS], oshape[2 * PS_ARRAY_MAX_DIMS];
  int64_t cstr[PS_ARRAY_MAX_DIMS];
  gboolean adjacent = TRUE;
  int64_t *ibuf[PS_ARRAY_MAX_DIMS] = { 0 };
  int64_t bnumel = 1;
  PsArray *out = NULL;
  int64_t *dst;

  for (int d = 0; d < a->ndim; d++)
    if (idx[d])
      {
        int nd;
        int64_t ns[PS_ARRAY_MAX_DIMS];
        if (!ps_array_broadcast_shape (bnd, bshape, idx[d]->ndim, idx[d]->shape, &nd, ns,
                                       NULL))
          {
            ps_array_set_error (error, INDEX, "shape mismatch: indexing tensors could not be "
                                "broadcast together");
            return NULL;
          }
        bnd = nd;
        memcpy (bshape, ns, sizeof ns);
        if (first < 0)
          first = d;
        else if (last != d - 1)
          adjacent = FALSE;
        last = d;
      }
  for (int d = 0; d < bnd; d++)
    bnumel *= bshape[d];
  if (adjacent)
    {
      for (int d = 0; d < first; d++)
        oshape[ondim++] = a->shape[d];
      for (int d = 0; d < bnd; d++)
        oshape[ondim++] = bshape[d];
      for (int d = last + 1; d < a->ndim; d++)
        oshape[ondim++] = a->shape[d];
    }
  else
    {
      for (int d = 0; d < bnd; d++)
        oshape[ondim++] = bshape[d];
      for (int d = 0; d < a->ndim; d++)
        if (!idx[d])
          oshape[ondim++] = a->shape[d];
    }
  if (ondim > PS_ARRAY_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "the result of indexing would have more than %d "
                          "dimensions", PS_ARRAY_MAX_DIMS);
      return NULL;
    }
  for (int d = 0; d < a->ndim; d++)
    if (idx[d])
      {
        ibuf[d] = g_try_new (int64_t, MAX (bnumel, 1));
        if (ibuf[d] == NULL)
          {
            ps_array_set_error (error, RUNTIME, "not enough memory for an index");
            goto out;
          }
        if (!ps_array_read_as (idx[d], PS_DTYPE_I64, bnd, bshape, ibuf[d], error))
          goto out;
        for (int64_t i = 0; i < bnumel; i++)
          {
            int64_t v = ibuf[d][i];
            if (v < -a->shape[d] || v >= a->shape[d])
              {
                ps_array_set_error (error, INDEX, "index %" G_GINT64_FORMAT " is out of bounds "
                                    "for dimension %d with size %" G_GINT64_FORMAT, v, d,
                                    a->shape[d]);
                goto out;
              }
            if (v < 0)
              ibuf[d][i] = v + a->shape[d];
          }
      }
  ps_array_contiguous_strides (a->ndim, a->shape, cstr);
  out = ps_array_alloc (PS_DTYPE_I64, ondim, oshape, FALSE, error);
  if (out == NULL)
    goto out;
  dst = ps_array_data (out, NULL);
  if (out->numel > 0)
    {
      PsIter it;
      int64_t o = 0;
      int bstart = adjacent ? first : 0;
      ps_iter_init (&it, ondim, oshape);
      do
        {
          int64_t bpos = 0, lin = 0, rest[PS_ARRAY_MAX_DIMS];
          int nr = 0;
          for (int d = 0; d < ondim; d++)
            {
              if (d >= bstart && d < bstart + bnd)
                bpos = bpos * bshape[d - bstart] + it.idx[d];
              else
                rest[nr++] = it.idx[d];
            }
          nr = 0;
          for (int d = 0; d < a->ndim; d++)
            lin += (idx[d] ? ibuf[d][bpos] : rest[nr++]) * cstr[d];
          dst[o++] = lin;
        }
      while (ps_iter_next (&it));
    }
out:
  for (int d = 0; d < a->ndim; d++)
    g_free (ibuf[d]);
  return out;
}

/* The storage offset of a's element at row-major position lin */
static inline int64_t
strided_offset (const PsArray *a, int64_t lin)
{
  int64_t off = 0;

  for (int d = a->ndim - 1; d >= 0; d--)
    {
      off += (lin % a->shape[d]) * a->strides[d];
      lin /= a->shape[d];
    }
  return off;
}

static gboolean
index_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *pos = ps_node_saved (node, 0, error);
  g_autoptr (PsArray) z = NULL;
  g_autofree double *gv = NULL;
  const int64_t *pp;

  if (pos == NULL)
    return FALSE;
  z = ps_array_new_zeros (PS_DTYPE_F64, node->inputs[0].ndim, node->inputs[0].shape, error);
  gv = z ? ps_array_to_doubles (g, error) : NULL;
  if (gv == NULL)
    return FALSE;
  pp = ps_array_data (pos, NULL);
  for (int64_t i = 0; i < pos->numel; i++)
    ((double *) ps_array_data (z, NULL))[pp[i]] += gv[i];
  gi[0] = g_steal_pointer (&z);
  return TRUE;
}

static PsArray *
gather (PsArray *a, PsArray **idx, GError **error)
{
  g_autoptr (PsArray) pos = index_positions (a, idx, error);
  const char *src;
  char *dst;
  const int64_t *pp;
  int sz = ps_dtype_size (a->dtype);
  PsArray *out;

  if (pos == NULL || (src = ps_array_data (a, error)) == NULL)
    return NULL;
  out = ps_array_alloc (a->dtype, pos->ndim, pos->shape, FALSE, error);
  if (out == NULL)
    return NULL;
  dst = ps_array_data (out, NULL);
  pp = ps_array_data (pos, NULL);
  for (int64_t i = 0; i < pos->numel; i++)
    memcpy (dst + i * sz, src + strided_offset (a, pp[i]) * sz, sz);
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, "IndexBackward0", index_backward, &a, 1);
      ps_node_save (node, 0, pos);
    }
  return out;
}

/* The int64 index arrays that a bool mask stands for (torch.nonzero's
 * columns), one per dimension of the mask. */
static gboolean
mask_to_indices (PsArray *mask, const int64_t *shape, int at, PsArray **idx, GError **error)
{
  g_autofree double *m = NULL;
  int64_t count = 0, k = 0;
  int64_t *cols[PS_ARRAY_MAX_DIMS];

  for (int d = 0; d < mask->ndim; d++)
    if (mask->shape[d] != shape[at + d])
      {
        ps_array_set_error (error, INDEX, "The shape of the mask [%s] at index %d does not "
                            "match the shape of the indexed tensor [%s] at index %d",
                            "", d, "", at + d);
        {
          g_autofree char *ms = ps_shape_to_string (mask->ndim, mask->shape);
          g_autofree char *ts = ps_shape_to_string (at + mask->ndim, shape);
          g_clear_error (error);
          ps_array_set_error (error, INDEX, "The shape of the mask %s at index %d does not "
                              "match the shape of the indexed tensor %s at index %d", ms, d,
                              ts, at + d);
        }
        return FALSE;
      }
  m = ps_array_to_doubles (mask, error);
  if (m == NULL)
    return FALSE;
  for (int64_t i = 0; i < mask->numel; i++)
    count += m[i] != 0;
  for (int d = 0; d < mask->ndim; d++)
    {
      idx[at + d] = ps_array_alloc (PS_DTYPE_I64, 1, &count, FALSE, error);
      if (idx[at + d] == NULL)
        return FALSE;
      cols[d] = ps_array_data (idx[at + d], NULL);
    }
  for (int64_t i = 0; i < mask->numel; i++)
    if (m[i] != 0)
      {
        int64_t r = i;
        for (int d = mask->ndim - 1; d >= 0; d--)
          {
            cols[d][k] = r % mask->shape[d];
            r /= mask->shape[d];
          }
        k++;
      }
  return TRUE;
}

static gboolean
alias_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  gi[0] = ps_array_ref (g);
  return TRUE;
}

/* PyTorch's applySlicing: ints select, slices slice, None unsqueezes, left
 * to right; tensor indices are collected per dimension for one advanced
 * indexing step at the end.  *adv receives them (NULL entries: none). */
static PsArray *
apply_indices (PsArray *a, const PsIndex *idx, int n_idx, PsArray **adv, gboolean *any_adv,
               GError **error)
{
  g_autoptr (PsArray) cur = ps_array_ref (a);
  int consumed = 0, ellipses = 0, dim = 0;

  *any_adv = FALSE;
  for (int i = 0; i < n_idx; i++)
    {
      switch (idx[i].kind)
        {
        case PS_INDEX_INT:
        case PS_INDEX_SLICE:
          consumed++;
          break;
        case PS_INDEX_ARRAY:
          consumed += idx[i].array->dtype == PS_DTYPE_BOOL ? MAX (idx[i].array->ndim, 0) : 1;
          if (idx[i].array->dtype == PS_DTYPE_F32 || idx[i].array->dtype == PS_DTYPE_F64)
            {
              ps_array_set_error (error, INDEX, "tensors used as indices must be long, byte or "
                                  "bool tensors");
              return NULL;
            }
          break;
        case PS_INDEX_ELLIPSIS:
          ellipses++;
          break;
        case PS_INDEX_NONE:
          break;
        }
    }
  if (ellipses > 1)
    {
      ps_array_set_error (error, INDEX, "an index can only have a single ellipsis ('...')");
      return NULL;
    }
  if (consumed > a->ndim)
    {
      ps_array_set_error (error, INDEX, "too many indices for tensor of dimension %d", a->ndim);
      return NULL;
    }
  for (int d = 0; d < PS_ARRAY_MAX_DIMS; d++)
    adv[d] = NULL;
  for (int i = 0; i < n_idx; i++)
    {
      PsArray *next = NULL;
      switch (idx[i].kind)
        {
        case PS_INDEX_INT:
          next = array_select (cur, dim, idx[i].i, error);
          break;
        case PS_INDEX_SLICE:
          {
            const PsIndex *s = &idx[i];
            if (s->step < 0)
              {
                ps_array_set_error (error, VALUE, "step must be greater than zero");
                return NULL;
              }
            next = array_slice (cur, dim, s, error);
            dim++;
          }
          break;
        case PS_INDEX_NONE:
          next = ps_array_unsqueeze (cur, dim, error);
          dim++;
          break;
        case PS_INDEX_ELLIPSIS:
          dim += a->ndim - consumed;
          continue;
        case PS_INDEX_ARRAY:
          {
            PsArray *t = idx[i].array;
            *any_adv = TRUE;
            if (t->dtype == PS_DTYPE_BOOL && t->ndim == 0)
              {
                /* x[True]: a new dimension, indexed by [0] or by an empty index */
                int64_t n = ps_array_get_element (t, NULL).v.b ? 1 : 0;
                next = ps_array_unsqueeze (cur, dim, error);
                if (next)
                  adv[dim] = ps_array_new_zeros (PS_DTYPE_I64, 1, &n, error);
                dim++;
                break;
              }
            if (cur->ndim > PS_ARRAY_MAX_DIMS)
              return NULL;
            if (t->dtype == PS_DTYPE_BOOL)
              {
                if (!mask_to_indices (t, cur->shape, dim, adv, error))
                  return NULL;
                dim += t->ndim;
              }
            else
              adv[dim++] = ps_array_ref (t);
            continue;
          }
        }
      if (next == NULL)
        return NULL;
      ps_array_unref (cur);
      cur = next;
    }
  return g_steal_pointer (&cur);
}

static void
free_adv (PsArray **adv)
{
  for (int d = 0; d < PS_ARRAY_MAX_DIMS; d++)
    g_clear_pointer (&adv[d], ps_array_unref);
}

PsArray *
ps_array_index (PsArray *a, const PsIndex *idx, int n_idx, GError **error)
{
  PsArray *adv[PS_ARRAY_MAX_DIMS];
  gboolean any_adv;
  g_autoptr (PsArray) r = apply_indices (a, idx, n_idx, adv, &any_adv, error);
  PsArray *out;

  if (r == NULL)
    {
      free_adv (adv);
      return NULL;
    }
  if (any_adv)
    {
      out = gather (r, adv, error);
      free_adv (adv);
      return out;
    }
  if (r == a)
    {
      /* x[...] / x[:] is a new tensor object over the same memory */
      out = view_of (a, a->ndim, a->shape, a->strides, a->offset);
      if (ps_autograd_needs_node (&a, 1))
        ps_autograd_record (out, "AliasBackward0", alias_backward, &a, 1);
      return out;
    }
  return g_steal_pointer (&r);
}

/* The check of an in-place write into a (PyTorch's words). */
static gboolean
check_inplace (PsArray *a, GError **error)
{
  if (!ps_autograd_is_enabled ())
    return TRUE;
  if (a->is_view && a->view_of_leaf)
    {
      ps_array_set_error (error, RUNTIME, "a view of a leaf Variable that requires grad is "
                          "being used in an in-place operation.");
      return FALSE;
    }
  return ps_autograd_check_inplace (a, error);
}

gboolean
ps_array_index_put (PsArray *a, const PsIndex *idx, int n_idx, PsArray *value, GError **error)
{
  PsArray *adv[PS_ARRAY_MAX_DIMS];
  gboolean any_adv, ok = FALSE;
  g_autoptr (PsArray) r = NULL;

  /* the selection itself is not recorded */
  ps_autograd_no_grad_push ();
  r = apply_indices (a, idx, n_idx, adv, &any_adv, error);
  ps_autograd_no_grad_pop ();
  if (r == NULL)
    goto out;
  if (ps_autograd_is_enabled () && a->grad_fn == NULL && ps_array_get_requires_grad (a))
    {
      ps_array_set_error (error, RUNTIME, r != a && !any_adv
                          ? "a view of a leaf Variable that requires grad is being used in an "
                            "in-place operation."
                          : "a leaf Variable that requires grad is being used in an in-place "
                            "operation.");
      goto out;
    }
  if (!check_inplace (a, error))
    goto out;
  if (ps_autograd_is_enabled () && (ps_array_get_requires_grad (a)
                                    || ps_array_get_requires_grad (value)))
    {
      ps_array_set_error (error, RUNTIME, "assigning into a tensor that requires grad (or "
                          "assigning a value that requires grad) is not supported outside "
                          "torch.no_grad(); use .data or torch.no_grad()");
      goto out;
    }
  if (!any_adv)
    ok = ps_array_copy_ (r, value, error);
  else
    {
      g_autoptr (PsArray) pos = index_positions (r, adv, error);
      g_autofree double *v = NULL;
      char *dst;
      int sz = ps_dtype_size (r->dtype);
      const int64_t *pp;
      int nd;
      int64_t bs[PS_ARRAY_MAX_DIMS];

      if (pos == NULL)
        goto out;
      if (!ps_array_broadcast_shape (pos->ndim, pos->shape, value->ndim, value->shape, &nd, bs,
                                     NULL) || nd != pos->ndim
          || memcmp (bs, pos->shape, sizeof (int64_t) * nd) != 0)
        {
          g_autofree char *vs = ps_shape_to_string (value->ndim, value->shape);
          g_autofree char *ps = ps_shape_to_string (pos->ndim, pos->shape);
          ps_array_set_error (error, RUNTIME, "shape mismatch: value tensor of shape %s cannot "
                              "be broadcast to indexing result of shape %s", vs, ps);
          goto out;
        }
      v = g_try_new (double, MAX (pos->numel, 1));
      if (v == NULL || !ps_array_read_as (value, PS_DTYPE_F64, pos->ndim, pos->shape, v, error))
        goto out;
      if (value->dtype == PS_DTYPE_I64 && r->dtype == PS_DTYPE_I64)
        {
          g_autofree int64_t *iv = g_new (int64_t, MAX (pos->numel, 1));
          if (!ps_array_read_as (value, PS_DTYPE_I64, pos->ndim, pos->shape, iv, error))
            goto out;
          for (int64_t i = 0; i < pos->numel; i++)
            v[i] = 0, memcpy (&v[i], &iv[i], 8);
        }
      if ((dst = ps_array_data (r, error)) == NULL)
        goto out;
      pp = ps_array_data (pos, NULL);
      for (int64_t i = 0; i < pos->numel; i++)
        {
          char *p = dst + strided_offset (r, pp[i]) * sz;
          if (value->dtype == PS_DTYPE_I64 && r->dtype == PS_DTYPE_I64)
            memcpy (p, &v[i], 8);
          else
            ps_elem_store_scalar (r->dtype, p, ps_scalar_float (v[i]));
        }
      ps_storage_written (r->storage);
      ok = TRUE;
    }
out:
  free_adv (adv);
  return ok;
}

/* ------------------------------------------------------ shapes and strides */

gboolean
ps_array_broadcast_shape (int ndim_a, const int64_t *shape_a, int ndim_b, const int64_t *shape_b,
                          int *ndim, int64_t *shape, GError **error)
{
  int n = MAX (ndim_a, ndim_b);
  int64_t out[PS_ARRAY_MAX_DIMS];

  for (int i = 0; i < n; i++)
    {
      int da = ndim_a - n + i, db = ndim_b - n + i;
      int64_t sa = da >= 0 ? shape_a[da] : 1, sb = db >= 0 ? shape_b[db] : 1;
      if (sa != sb && sa != 1 && sb != 1)
        {
          ps_array_set_error (error, RUNTIME, "The size of tensor a (%" G_GINT64_FORMAT ") must "
                              "match the size of tensor b (%" G_GINT64_FORMAT ") at non-singleton "
                              "dimension %d", sa, sb, i);
          return FALSE;
        }
      out[i] = sa == 1 ? sb : sa;
    }
  *ndim = n;
  memcpy (shape, out, sizeof (int64_t) * n);
  return TRUE;
}

/* Resolve one -1 and check the count: PyTorch's infer_size. */
static gboolean
infer_size (const PsArray *a, int ndim, const int64_t *shape, int64_t *out, GError **error)
{
  int infer = -1;
  int64_t n = 1;

  if (ndim > PS_ARRAY_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "tensors of more than %d dimensions are not "
                          "supported", PS_ARRAY_MAX_DIMS);
      return FALSE;
    }
  for (int d = 0; d < ndim; d++)
    {
      out[d] = shape[d];
      if (shape[d] == -1)
        {
          if (infer >= 0)
            {
              ps_array_set_error (error, RUNTIME, "only one dimension can be inferred");
              return FALSE;
            }
          infer = d;
        }
      else if (shape[d] < 0)
        {
          ps_array_set_error (error, RUNTIME, "invalid shape dimension %" G_GINT64_FORMAT,
                              shape[d]);
          return FALSE;
        }
      else
        n *= shape[d];
    }
  if (infer >= 0 && n != 0 && a->numel % n == 0)
    out[infer] = a->numel / n;
  else if (n != a->numel || (infer >= 0 && n == 0))
    {
      GString *s = g_string_new ("[");
      for (int d = 0; d < ndim; d++)
        g_string_append_printf (s, "%s%" G_GINT64_FORMAT, d ? ", " : "", shape[d]);
      g_string_append_c (s, ']');
      if (infer >= 0 && n == 0)
        ps_array_set_error (error, RUNTIME, "cannot reshape tensor of 0 elements into shape %s "
                            "because the unspecified dimension size -1 can be any value and is "
                            "ambiguous", s->str);
      else
        ps_array_set_error (error, RUNTIME, "shape '%s' is invalid for input of size %"
                            G_GINT64_FORMAT, s->str, a->numel);
      g_string_free (s, TRUE);
      return FALSE;
    }
  return TRUE;
}

/* PyTorch's computeStride: strides for viewing a as shape without a copy,
 * or FALSE. */
static gboolean
compute_stride (const PsArray *a, int ndim, const int64_t *shape, int64_t *strides)
{
  int view_d = ndim - 1;
  int64_t chunk = 1, tensor_numel = 1, view_numel = 1;

  if (a->numel == 0)
    {
      ps_array_contiguous_strides (ndim, shape, strides);
      return TRUE;
    }
  if (a->ndim == 0)
    {
      for (int d = 0; d < ndim; d++)
        strides[d] = 1;
      return TRUE;
    }
  chunk = a->strides[a->ndim - 1];
  for (int td = a->ndim - 1; td >= 0; td--)
    {
      tensor_numel *= a->shape[td];
      if (td == 0 || (a->shape[td - 1] != 1 && a->strides[td - 1] != tensor_numel * chunk))
        {
          while (view_d >= 0 && (view_numel < tensor_numel || shape[view_d] == 1))
            {
              strides[view_d] = view_numel * chunk;
              view_numel *= shape[view_d];
              view_d--;
            }
          if (view_numel != tensor_numel)
            return FALSE;
          if (td > 0)
            {
              chunk = a->strides[td - 1];
              tensor_numel = 1;
              view_numel = 1;
            }
        }
    }
  return view_d == -1;
}

static PsArray *
view_impl (PsArray *a, int ndim, const int64_t *shape, gboolean copy_ok, const char *name,
           GError **error)
{
  int64_t sh[PS_ARRAY_MAX_DIMS], st[PS_ARRAY_MAX_DIMS];
  PsArray *v;

  if (!infer_size (a, ndim, shape, sh, error))
    return NULL;
  if (!compute_stride (a, ndim, sh, st))
    {
      g_autoptr (PsArray) c = NULL;
      if (!copy_ok)
        {
          ps_array_set_error (error, RUNTIME, "view size is not compatible with input tensor's "
                              "size and stride (at least one dimension spans across two "
                              "contiguous subspaces). Use .reshape(...) instead.");
          return NULL;
        }
      /* reshape of a non-viewable layout: a copy (CloneBackward0), then a view */
      c = ps_array_clone (a, error);
      return c ? view_impl (c, ndim, sh, FALSE, "UnsafeViewBackward0", error) : NULL;
    }
  v = view_of (a, ndim, sh, st, a->offset);
  if (ps_autograd_needs_node (&a, 1))
    ps_autograd_record (v, name, reshape_backward, &a, 1);
  return v;
}

PsArray *
ps_array_reshape (PsArray *a, int ndim, const int64_t *shape, GError **error)
{
  /* PyTorch 1.13 names a reshape that can view ReshapeAliasBackward0 */
  return view_impl (a, ndim, shape, TRUE, "ReshapeAliasBackward0", error);
}

PsArray *
ps_array_view (PsArray *a, int ndim, const int64_t *shape, GError **error)
{
  return view_impl (a, ndim, shape, FALSE, "ViewBackward0", error);
}

PsArray *
ps_array_flatten (PsArray *a, int start_dim, int end_dim, GError **error)
{
  int64_t shape[PS_ARRAY_MAX_DIMS];
  int n = 0;

  if (!ps_wrap_dim (&start_dim, a->ndim, error) || !ps_wrap_dim (&end_dim, a->ndim, error))
    return NULL;
  if (start_dim > end_dim)
    {
      ps_array_set_error (error, RUNTIME, "flatten() has invalid args: start_dim cannot come "
                          "after end_dim");
      return NULL;
    }
  if (a->ndim == 0)
    {
      int64_t one = 1;
      return ps_array_reshape (a, 1, &one, error);
    }
  if (start_dim == end_dim)
    return ps_array_ref (a);
  for (int d = 0; d < start_dim; d++)
    shape[n++] = a->shape[d];
  shape[n] = 1;
  for (int d = start_dim; d <= end_dim; d++)
    shape[n] *= a->shape[d];
  n++;
  for (int d = end_dim + 1; d < a->ndim; d++)
    shape[n++] = a->shape[d];
  return ps_array_reshape (a, n, shape, error);
}

static gboolean
permute_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  int inv[PS_ARRAY_MAX_DIMS];

  for (int d = 0; d < g->ndim; d++)
    inv[node->n[d]] = d;
  ps_autograd_no_grad_push ();
  gi[0] = ps_array_permute (g, inv, g->ndim, error);
  ps_autograd_no_grad_pop ();
  return gi[0] != NULL;
}

static PsArray *
permute_impl (PsArray *a, const int *perm, const char *name)
{
  int64_t shape[PS_ARRAY_MAX_DIMS], strides[PS_ARRAY_MAX_DIMS];
  PsArray *v;

  for (int d = 0; d < a->ndim; d++)
    {
      shape[d] = a->shape[perm[d]];
      strides[d] = a->strides[perm[d]];
    }
  v = view_of (a, a->ndim, shape, strides, a->offset);
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (v, name, permute_backward, &a, 1);
      for (int d = 0; d < a->ndim; d++)
        node->n[d] = perm[d];
    }
  return v;
}

PsArray *
ps_array_permute (PsArray *a, const int *dims, int n, GError **error)
{
  int perm[PS_ARRAY_MAX_DIMS];
  gboolean seen[PS_ARRAY_MAX_DIMS] = { 0 };

  if (n != a->ndim)
    {
      ps_array_set_error (error, RUNTIME, "permute(sparse_coo): number of dimensions in the "
                          "tensor input does not match the length of the desired ordering of "
                          "dimensions i.e. input.dim() = %d is not equal to len(dims) = %d",
                          a->ndim, n);
      return NULL;
    }
  for (int d = 0; d < n; d++)
    {
      perm[d] = dims[d];
      if (!ps_wrap_dim (&perm[d], a->ndim, error))
        return NULL;
      if (seen[perm[d]])
        {
          ps_array_set_error (error, RUNTIME, "permute(): duplicate dims are not allowed.");
          return NULL;
        }
      seen[perm[d]] = TRUE;
    }
  return permute_impl (a, perm, "PermuteBackward0");
}

PsArray *
ps_array_transpose (PsArray *a, int dim0, int dim1, GError **error)
{
  int perm[PS_ARRAY_MAX_DIMS];

  if (!ps_wrap_dim (&dim0, a->ndim, error) || !ps_wrap_dim (&dim1, a->ndim, error))
    return NULL;
  for (int d = 0; d < a->ndim; d++)
    perm[d] = d;
  if (a->ndim > 0)
    {
      perm[dim0] = dim1;
      perm[dim1] = dim0;
    }
  return permute_impl (a, perm, "TransposeBackward0");
}

PsArray *
ps_array_t (PsArray *a, GError **error)
{
  int perm[2] = { 1, 0 };

  if (a->ndim > 2)
    {
      ps_array_set_error (error, RUNTIME, "t() expects a tensor with <= 2 dimensions, but self "
                          "is %dD", a->ndim);
      return NULL;
    }
  if (a->ndim < 2)
    {
      PsArray *v = view_of (a, a->ndim, a->shape, a->strides, a->offset);
      if (ps_autograd_needs_node (&a, 1))
        ps_autograd_record (v, "TBackward0", alias_backward, &a, 1);
      return v;
    }
  return permute_impl (a, perm, "TBackward0");
}

PsArray *
ps_array_T (PsArray *a, GError **error)
{
  int perm[PS_ARRAY_MAX_DIMS];

  for (int d = 0; d < a->ndim; d++)
    perm[d] = a->ndim - 1 - d;
  return permute_impl (a, perm, "PermuteBackward0");
}

PsArray *
ps_array_expand (PsArray *a, int ndim, const int64_t *shape, GError **error)
{
  int64_t sh[PS_ARRAY_MAX_DIMS], st[PS_ARRAY_MAX_DIMS];
  int lead = ndim - a->ndim;
  PsArray *v;

  if (ndim > PS_ARRAY_MAX_DIMS || lead < 0)
    {
      ps_array_set_error (error, RUNTIME, "expand(torch.FloatTensor{%d dims}, size=[%d]): the "
                          "number of sizes provided (%d) must be greater or equal to the number "
                          "of dimensions in the tensor (%d)", a->ndim, ndim, ndim, a->ndim);
      return NULL;
    }
  for (int d = ndim - 1; d >= 0; d--)
    {
      int ad = d - lead;
      if (ad < 0)
        {
          if (shape[d] < 0)
            {
              ps_array_set_error (error, RUNTIME, "The expanded size of the tensor (-1) isn't "
                                  "allowed in a leading, non-existing dimension %d", d);
              return NULL;
            }
          sh[d] = shape[d];
          st[d] = 0;
          continue;
        }
      if (shape[d] == -1 || shape[d] == a->shape[ad])
        {
          sh[d] = a->shape[ad];
          st[d] = a->strides[ad];
        }
      else if (a->shape[ad] == 1 && shape[d] >= 0)
        {
          sh[d] = shape[d];
          st[d] = 0;
        }
      else
        {
          ps_array_set_error (error, RUNTIME, "The expanded size of the tensor (%" G_GINT64_FORMAT
                              ") must match the existing size (%" G_GINT64_FORMAT ") at "
                              "non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                              shape[d], a->shape[ad], d, "", "");
          return NULL;
        }
    }
  v = view_of (a, ndim, sh, st, a->offset);
  /* the engine sums the gradient back to the input's shape */
  if (ps_autograd_needs_node (&a, 1))
    ps_autograd_record (v, "ExpandBackward0", alias_backward, &a, 1);
  return v;
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
      ps_autograd_no_grad_push ();
      part = ps_array_index (out, ix, dim + 1, error);
      ps_autograd_no_grad_pop ();
      if (part == NULL || !ps_array_copy_ (part, t, error))
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

  if (!check_inplace (a, error))
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
  buf = g_try_malloc ((size_t) MAX (a->numel, 1) * ps_dtype_size (a->dtype));
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
