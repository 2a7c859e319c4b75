/* ps-array-view.c — views (select, slice, index, reshape, transpose, expand)
 * and indexing (advanced indices and masks copy; assignment writes through)
 *
 * Each view op makes a new header over the same storage and, when its input
 * requires grad, records the node PyTorch records (SelectBackward0,
 * SliceBackward0, ViewBackward0, ...).  The backward functions run with grad
 * mode off (the engine's doing), so they use the ops themselves.
 */
#include "ps-autograd-private.h"

#include <string.h>

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
  /* Python's clamping, without overflow for any int64 bound or step */
  if (start < 0)
    start = start < -size ? 0 : start + size;
  if (stop < 0)
    stop = stop < -size ? 0 : stop + size;
  start = MIN (start, size);
  stop = CLAMP (stop, start, size);
  len = stop > start ? (stop - start - 1) / step + 1 : 0;
  memcpy (shape, a->shape, sizeof shape);
  memcpy (strides, a->strides, sizeof strides);
  shape[dim] = len;
  strides[dim] = len > 1 ? a->strides[dim] * step : a->strides[dim];
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
  for (int d = 0; d < PS_ARRAY_MAX_DIMS; d++)
    adv[d] = NULL;
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
  if (!ps_autograd_check_inplace (a, error))
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
        {
          if (shape[d] > 0 && n > G_MAXINT64 / shape[d])
            {
              ps_array_set_error (error, RUNTIME, "shape is too large: the element count "
                                  "overflows");
              return FALSE;
            }
          n *= shape[d];
        }
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
          g_autofree char *ts = ps_shape_to_string (ndim, shape);
          g_autofree char *as = ps_shape_to_string (a->ndim, a->shape);
          ps_array_set_error (error, RUNTIME, "The expanded size of the tensor (%" G_GINT64_FORMAT
                              ") must match the existing size (%" G_GINT64_FORMAT ") at "
                              "non-singleton dimension %d.  Target sizes: %s.  Tensor sizes: %s",
                              shape[d], a->shape[ad], d, ts, as);
          return NULL;
        }
    }
  if (ps_shape_numel (ndim, sh) < 0)
    {
      ps_array_set_error (error, RUNTIME, "expand: the element count of the expanded shape "
                          "overflows");
      return NULL;
    }
  v = view_of (a, ndim, sh, st, a->offset);
  /* the engine sums the gradient back to the input's shape */
  if (ps_autograd_needs_node (&a, 1))
    ps_autograd_record (v, "ExpandBackward0", alias_backward, &a, 1);
  return v;
}

