/* ps-array-reduce.c — reductions (sum, mean, std, max, min, norm) and
 * matrix products (mm, matmul, addmm, linear) of PsArrays
 *
 * Float sums accumulate in double and round once.  float32 products go
 * through ps_linear_forward(), the one matrix kernel of the core (loops for
 * small sizes, cblas_sgemm for large ones).
 */
#include "ps-autograd-private.h"
#include "ps-tape.h"

#include <math.h>
#include <string.h>

#define B(op, a, b) ps_array_binary (PS_BINARY_##op, (a), (b), error)

/* ------------------------------------------------------------ reductions */

typedef struct
{
  gboolean reduce[PS_ARRAY_MAX_DIMS];
  int      ndim;                         /* of the result */
  int64_t  shape[PS_ARRAY_MAX_DIMS];
  int      kd_ndim;                      /* keepdim shape (the input's ndim) */
  int64_t  kd_shape[PS_ARRAY_MAX_DIMS];
  int64_t  group;                        /* elements per output */
} Plan;

static gboolean
plan_reduce (const PsArray *a, const int *dims, int n_dims, gboolean keepdim, Plan *p,
             GError **error)
{
  memset (p, 0, sizeof *p);
  for (int i = 0; i < n_dims; i++)
    {
      int d = dims[i];
      if (!ps_wrap_dim (&d, a->ndim, error))
        return FALSE;
      if (a->ndim > 0 && p->reduce[d])
        {
          ps_array_set_error (error, RUNTIME, "dim %d appears multiple times in the list of "
                              "dims", d);
          return FALSE;
        }
      if (a->ndim > 0)
        p->reduce[d] = TRUE;
    }
  if (n_dims == 0)
    for (int d = 0; d < a->ndim; d++)
      p->reduce[d] = TRUE;
  p->group = 1;
  p->kd_ndim = a->ndim;
  for (int d = 0; d < a->ndim; d++)
    {
      p->kd_shape[d] = p->reduce[d] ? 1 : a->shape[d];
      if (p->reduce[d])
        p->group *= a->shape[d];
      if (!p->reduce[d] || keepdim)
        p->shape[p->ndim++] = p->reduce[d] ? 1 : a->shape[d];
    }
  return TRUE;
}

/* For each element of a (row-major), its output position. */
static void
reduce_positions (const PsArray *a, const Plan *p, int64_t *pos)
{
  int64_t ost[PS_ARRAY_MAX_DIMS];
  PsIter it;
  int64_t i = 0;

  if (a->numel == 0)
    return;
  ps_array_contiguous_strides (p->kd_ndim, p->kd_shape, ost);
  ps_iter_init (&it, a->ndim, a->shape);
  do
    {
      int64_t o = 0;
      for (int d = 0; d < a->ndim; d++)
        if (!p->reduce[d])
          o += it.idx[d] * ost[d];
      pos[i++] = o;
    }
  while (ps_iter_next (&it));
}

static PsArray *
sum_compute (PsArray *a, const Plan *p, gboolean mean, GError **error)
{
  PsDtype out_dt = ps_array_dtype_is_float (a->dtype) ? a->dtype : PS_DTYPE_I64;
  int64_t m = ps_shape_numel (p->ndim, p->shape);
  g_autofree int64_t *pos = g_try_new (int64_t, MAX (a->numel, 1));
  PsArray *out = ps_array_alloc (out_dt, p->ndim, p->shape, TRUE, error);

  if (out == NULL || pos == NULL)
    {
      if (out && pos == NULL)
        ps_array_set_error (error, RUNTIME, "not enough memory to reduce");
      g_clear_pointer (&out, ps_array_unref);
      return NULL;
    }
  reduce_positions (a, p, pos);
  if (out_dt == PS_DTYPE_I64)
    {
      g_autofree int64_t *v = g_try_new (int64_t, MAX (a->numel, 1));
      int64_t *o = ps_array_data (out, NULL);
      if (v == NULL || !ps_array_read_as (a, PS_DTYPE_I64, a->ndim, a->shape, v, error))
        goto fail;
      for (int64_t i = 0; i < a->numel; i++)
        o[pos[i]] = (int64_t) ((uint64_t) o[pos[i]] + (uint64_t) v[i]);
    }
  else
    {
      g_autofree double *v = g_try_new (double, MAX (a->numel, 1));
      g_autofree double *acc = g_try_new0 (double, MAX (m, 1));
      if (v == NULL || acc == NULL || !ps_array_read_as (a, PS_DTYPE_F64, a->ndim, a->shape, v,
                                                         error))
        goto fail;
      for (int64_t i = 0; i < a->numel; i++)
        acc[pos[i]] += v[i];
      for (int64_t j = 0; j < m; j++)
        {
          double r = acc[j];
          if (out_dt == PS_DTYPE_F32)
            {
              float f = (float) r;
              if (mean)
                f = f / (float) p->group;
              ((float *) ps_array_data (out, NULL))[j] = f;
            }
          else
            ((double *) ps_array_data (out, NULL))[j] = mean ? r / (double) p->group : r;
        }
    }
  return out;
fail:
  if (error && *error == NULL)
    ps_array_set_error (error, RUNTIME, "not enough memory to reduce");
  ps_array_unref (out);
  return NULL;
}

/* the gradient of a reduction: g in keepdim shape, expanded to the input */
static PsArray *
expand_back (PsNode *node, PsArray *g, GError **error)
{
  const PsEdge *in = &node->inputs[0];
  g_autoptr (PsArray) r = ps_array_reshape (g, (int) node->n[0], node->n + 1, error);

  return r ? ps_array_expand (r, in->ndim, in->shape, error) : NULL;
}

static void
save_kd_shape (PsNode *node, const Plan *p)
{
  node->n[0] = p->kd_ndim;
  memcpy (node->n + 1, p->kd_shape, sizeof (int64_t) * p->kd_ndim);
}

static gboolean
sum_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  gi[0] = expand_back (node, g, error);
  return gi[0] != NULL;
}

static gboolean
mean_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  g_autoptr (PsArray) n = ps_array_new_wrapped (ps_scalar_int ((int64_t) node->d[0]));
  g_autoptr (PsArray) q = B (DIV, g, n);

  gi[0] = q ? expand_back (node, q, error) : NULL;
  return gi[0] != NULL;
}

PsArray *
ps_array_sum (PsArray *a, const int *dims, int n_dims, gboolean keepdim, GError **error)
{
  Plan p;
  PsArray *out;

  if (!plan_reduce (a, dims, n_dims, keepdim, &p, error))
    return NULL;
  out = sum_compute (a, &p, FALSE, error);
  if (out && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, n_dims ? "SumBackward1" : "SumBackward0",
                                         sum_backward, &a, 1);
      save_kd_shape (node, &p);
    }
  return out;
}

PsArray *
ps_array_mean (PsArray *a, const int *dims, int n_dims, gboolean keepdim, GError **error)
{
  Plan p;
  PsArray *out;

  if (!ps_array_dtype_is_float (a->dtype))
    {
      ps_array_set_error (error, RUNTIME, "mean(): could not infer output dtype. Input dtype "
                          "must be either a floating point or complex dtype. Got: %s",
                          ps_array_scalar_type_name (a->dtype));
      return NULL;
    }
  if (!plan_reduce (a, dims, n_dims, keepdim, &p, error))
    return NULL;
  out = sum_compute (a, &p, TRUE, error);
  if (out && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, n_dims ? "MeanBackward1" : "MeanBackward0",
                                         mean_backward, &a, 1);
      save_kd_shape (node, &p);
      node->d[0] = (double) p.group;
    }
  return out;
}

static gboolean
std_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error), *s = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) mu = NULL, d = NULL, se = NULL, den = NULL, ge = NULL, t = NULL;
  g_autoptr (PsArray) nm = ps_array_new_wrapped (ps_scalar_float (node->d[0]));
  int dims[PS_ARRAY_MAX_DIMS], nd = 0;

  if (x == NULL || s == NULL)
    return FALSE;
  for (int i = 0; i < node->n[0]; i++)
    if (node->n[1 + i] == 1 && x->shape[i] != 1)
      dims[nd++] = i;
  /* g * (x - mean) / (std * (n - correction)) */
  mu = nd ? ps_array_mean (x, dims, nd, TRUE, error) : ps_array_ref (x);
  d = mu ? B (SUB, x, mu) : NULL;
  se = d ? ps_array_reshape (s, (int) node->n[0], node->n + 1, error) : NULL;
  den = se ? B (MUL, se, nm) : NULL;
  ge = den ? ps_array_reshape (g, (int) node->n[0], node->n + 1, error) : NULL;
  t = ge ? B (DIV, d, den) : NULL;
  gi[0] = t ? B (MUL, t, ge) : NULL;
  return gi[0] != NULL;
}

PsArray *
ps_array_std (PsArray *a, const int *dims, int n_dims, gboolean unbiased, gboolean keepdim,
              GError **error)
{
  Plan p;
  g_autoptr (PsArray) mean = NULL;
  g_autofree double *v = NULL, *mv = NULL;
  g_autofree int64_t *pos = NULL;
  g_autofree double *acc = NULL;
  PsArray *out;
  int64_t m;
  double corr = unbiased ? 1.0 : 0.0;

  if (!ps_array_dtype_is_float (a->dtype))
    {
      ps_array_set_error (error, RUNTIME, "std and var only support floating point and complex "
                          "dtypes");
      return NULL;
    }
  if (!plan_reduce (a, dims, n_dims, keepdim, &p, error))
    return NULL;
  ps_autograd_no_grad_push ();
  mean = ps_array_mean (a, dims, n_dims, TRUE, error);
  ps_autograd_no_grad_pop ();
  if (mean == NULL)
    return NULL;
  m = mean->numel;
  v = ps_array_to_doubles (a, error);
  mv = v ? ps_array_to_doubles (mean, error) : NULL;
  pos = g_try_new (int64_t, MAX (a->numel, 1));
  acc = g_try_new0 (double, MAX (m, 1));
  out = mv && pos && acc ? ps_array_alloc (a->dtype, p.ndim, p.shape, FALSE, error) : NULL;
  if (out == NULL)
    return NULL;
  reduce_positions (a, &p, pos);
  /* the mean in double for the deviations */
  {
    g_autofree double *md = g_new0 (double, MAX (m, 1));
    for (int64_t i = 0; i < a->numel; i++)
      md[pos[i]] += v[i];
    for (int64_t j = 0; j < m; j++)
      md[j] /= (double) p.group;
    for (int64_t i = 0; i < a->numel; i++)
      acc[pos[i]] += (v[i] - md[pos[i]]) * (v[i] - md[pos[i]]);
  }
  for (int64_t j = 0; j < m; j++)
    {
      double r = sqrt (acc[j] / MAX ((double) p.group - corr, 0.0));
      if (a->dtype == PS_DTYPE_F32)
        ((float *) ps_array_data (out, NULL))[j] = (float) r;
      else
        ((double *) ps_array_data (out, NULL))[j] = r;
    }
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, "StdBackward0", std_backward, &a, 1);
      save_kd_shape (node, &p);
      node->d[0] = (double) p.group - corr;
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, out);
    }
  return out;
}

/* max/min over everything */
static gboolean
extreme_all_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error), *r = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) eq = NULL, cnt = NULL, share = NULL;

  if (x == NULL || r == NULL)
    return FALSE;
  /* evenly distributed over the ties */
  eq = B (EQ, x, r);
  cnt = eq ? ps_array_sum (eq, NULL, 0, FALSE, error) : NULL;
  share = cnt ? B (DIV, g, cnt) : NULL;
  gi[0] = share ? B (MUL, eq, share) : NULL;
  return gi[0] != NULL;
}

static PsArray *
extreme_all (PsArray *a, gboolean is_max, GError **error)
{
  g_autofree double *v = NULL;
  PsArray *out;
  double best;
  int64_t bi = 0;

  if (a->numel == 0)
    {
      ps_array_set_error (error, RUNTIME, "%s(): Expected reduction dim to be specified for "
                          "input.numel() == 0. Specify the reduction dim with the 'dim' "
                          "argument.", is_max ? "max" : "min");
      return NULL;
    }
  v = ps_array_to_doubles (a, error);
  if (v == NULL)
    return NULL;
  best = v[0];
  for (int64_t i = 1; i < a->numel && !isnan (best); i++)
    if (isnan (v[i]) || (is_max ? v[i] > best : v[i] < best))
      {
        best = v[i];
        bi = i;
      }
  out = ps_array_alloc (a->dtype, 0, NULL, FALSE, error);
  if (out == NULL)
    return NULL;
  /* the element itself (exact for int64 too) */
  {
    PsIter it;
    int64_t idx[PS_ARRAY_MAX_DIMS], r = bi;
    for (int d = a->ndim - 1; d >= 0; d--)
      {
        idx[d] = r % a->shape[d];
        r /= a->shape[d];
      }
    ps_elem_store_scalar (a->dtype, ps_array_data (out, NULL), ps_array_get_element (a, idx));
    (void) it;
  }
  if (ps_array_dtype_is_float (a->dtype) && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, is_max ? "MaxBackward1" : "MinBackward1",
                                         extreme_all_backward, &a, 1);
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, out);
    }
  return out;
}

PsArray *
ps_array_max_all (PsArray *a, GError **error)
{
  return extreme_all (a, TRUE, error);
}

PsArray *
ps_array_min_all (PsArray *a, GError **error)
{
  return extreme_all (a, FALSE, error);
}

static gboolean
extreme_dim_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *idx = ps_node_saved (node, 0, error);
  const PsEdge *in = &node->inputs[0];
  int dim = (int) node->d[0];
  g_autoptr (PsArray) z = NULL;
  g_autofree double *gv = NULL;
  const int64_t *ip;
  int64_t outer = 1, inner = 1, size = in->shape[dim];

  if (idx == NULL)
    return FALSE;
  z = ps_array_new_zeros (g->dtype, in->ndim, in->shape, error);
  gv = z ? ps_array_to_doubles (g, error) : NULL;
  if (gv == NULL)
    return FALSE;
  for (int d = 0; d < dim; d++)
    outer *= in->shape[d];
  for (int d = dim + 1; d < in->ndim; d++)
    inner *= in->shape[d];
  ip = ps_array_data (idx, NULL);
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        int64_t k = ip[o * inner + i], at = (o * size + k) * inner + i;
        if (z->dtype == PS_DTYPE_F32)
          ((float *) ps_array_data (z, NULL))[at] = (float) gv[o * inner + i];
        else
          ((double *) ps_array_data (z, NULL))[at] = gv[o * inner + i];
      }
  gi[0] = g_steal_pointer (&z);
  return TRUE;
}

static gboolean
extreme_dim (PsArray *a, int dim, gboolean keepdim, gboolean is_max, gboolean want_values,
             PsArray **values, PsArray **indices, GError **error)
{
  Plan p;
  g_autofree double *v = NULL;
  g_autoptr (PsArray) vals = NULL, ids = NULL;
  int64_t outer = 1, inner = 1, size;
  int d = dim;

  if (!plan_reduce (a, &dim, 1, keepdim, &p, error) || !ps_wrap_dim (&d, a->ndim, error))
    return FALSE;
  size = a->ndim ? a->shape[d] : 1;
  if (size == 0)
    {
      ps_array_set_error (error, INDEX, "%s(): Expected reduction dim %d to have non-zero size.",
                          is_max ? "max" : "min", d);
      return FALSE;
    }
  for (int i = 0; i < d; i++)
    outer *= a->shape[i];
  for (int i = d + 1; i < a->ndim; i++)
    inner *= a->shape[i];
  v = ps_array_to_doubles (a, error);
  vals = v ? ps_array_alloc (a->dtype, p.ndim, p.shape, FALSE, error) : NULL;
  ids = vals ? ps_array_alloc (PS_DTYPE_I64, p.ndim, p.shape, FALSE, error) : NULL;
  if (ids == NULL)
    return FALSE;
  for (int64_t o = 0; o < outer; o++)
    for (int64_t i = 0; i < inner; i++)
      {
        int64_t bk = 0;
        double best = v[o * size * inner + i];
        for (int64_t k = 1; k < size && !isnan (best); k++)
          {
            double x = v[(o * size + k) * inner + i];
            if (isnan (x) || (is_max ? x > best : x < best))
              {
                best = x;
                bk = k;
              }
          }
        ((int64_t *) ps_array_data (ids, NULL))[o * inner + i] = bk;
        ps_elem_store_scalar (a->dtype, (char *) ps_array_data (vals, NULL)
                              + (o * inner + i) * ps_dtype_size (a->dtype),
                              ps_scalar_float (best));   /* int64: exact below */
      }
  if (a->dtype == PS_DTYPE_I64)
    {
      /* exact values for int64 beyond 2^53: read them through the indices */
      g_autofree int64_t *iv = g_new (int64_t, MAX (a->numel, 1));
      ps_array_read_as (a, PS_DTYPE_I64, a->ndim, a->shape, iv, NULL);
      for (int64_t o = 0; o < outer; o++)
        for (int64_t i = 0; i < inner; i++)
          {
            int64_t k = ((int64_t *) ps_array_data (ids, NULL))[o * inner + i];
            ((int64_t *) ps_array_data (vals, NULL))[o * inner + i] = iv[(o * size + k) * inner + i];
          }
    }
  if (want_values && ps_array_dtype_is_float (a->dtype) && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (vals, is_max ? "MaxBackward0" : "MinBackward0",
                                         extreme_dim_backward, &a, 1);
      g_autoptr (PsArray) kd = ps_array_reshape (ids, p.kd_ndim, p.kd_shape, NULL);
      node->d[0] = d;
      ps_node_save (node, 0, kd);
    }
  if (values)
    *values = g_steal_pointer (&vals);
  if (indices)
    *indices = g_steal_pointer (&ids);
  return TRUE;
}

gboolean
ps_array_max_dim (PsArray *a, int dim, gboolean keepdim, PsArray **values, PsArray **indices,
                  GError **error)
{
  return extreme_dim (a, dim, keepdim, TRUE, TRUE, values, indices, error);
}

gboolean
ps_array_min_dim (PsArray *a, int dim, gboolean keepdim, PsArray **values, PsArray **indices,
                  GError **error)
{
  return extreme_dim (a, dim, keepdim, FALSE, TRUE, values, indices, error);
}

PsArray *
ps_array_argmax (PsArray *a, const int *dim, gboolean keepdim, GError **error)
{
  PsArray *ids = NULL;

  if (dim == NULL)
    {
      g_autoptr (PsArray) flat = NULL;
      int64_t n = a->numel;
      int zero = 0;
      if (a->numel == 0)
        {
          ps_array_set_error (error, RUNTIME, "argmax(): Expected reduction dim to be specified "
                              "for input.numel() == 0.");
          return NULL;
        }
      ps_autograd_no_grad_push ();
      flat = ps_array_reshape (a, 1, &n, error);
      ps_autograd_no_grad_pop ();
      if (flat == NULL || !extreme_dim (flat, zero, FALSE, TRUE, FALSE, NULL, &ids, error))
        return NULL;
      return ids;
    }
  if (!extreme_dim (a, *dim, keepdim, TRUE, FALSE, NULL, &ids, error))
    return NULL;
  return ids;
}

static gboolean
norm_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error), *r = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) rk = NULL, gk = NULL, q = NULL, t = NULL;
  g_autoptr (PsArray) zero = ps_array_new_wrapped (ps_scalar_float (0));

  if (x == NULL || r == NULL)
    return FALSE;
  /* p = 2: g * x / norm, 0 where the norm is 0 */
  rk = ps_array_reshape (r, (int) node->n[0], node->n + 1, error);
  gk = rk ? ps_array_reshape (g, (int) node->n[0], node->n + 1, error) : NULL;
  q = gk ? B (DIV, x, rk) : NULL;
  t = q ? B (MUL, q, gk) : NULL;
  if (t == NULL)
    return FALSE;
  {
    g_autoptr (PsArray) nz = B (NE, rk, zero);
    gi[0] = nz ? B (MUL, t, nz) : NULL;
  }
  return gi[0] != NULL;
}

PsArray *
ps_array_norm (PsArray *a, double pw, const int *dims, int n_dims, gboolean keepdim,
               GError **error)
{
  Plan p;
  g_autofree double *v = NULL, *acc = NULL;
  g_autofree int64_t *pos = NULL;
  PsArray *out;
  int64_t m;

  if (!ps_array_dtype_is_float (a->dtype))
    {
      ps_array_set_error (error, RUNTIME, "linalg.vector_norm: Expected a floating point or "
                          "complex tensor as input. Got %s", ps_array_scalar_type_name (a->dtype));
      return NULL;
    }
  if (!plan_reduce (a, dims, n_dims, keepdim, &p, error))
    return NULL;
  m = ps_shape_numel (p.ndim, p.shape);
  v = ps_array_to_doubles (a, error);
  pos = g_try_new (int64_t, MAX (a->numel, 1));
  acc = g_try_new0 (double, MAX (m, 1));
  out = v && pos && acc ? ps_array_alloc (a->dtype, p.ndim, p.shape, FALSE, error) : NULL;
  if (out == NULL)
    return NULL;
  reduce_positions (a, &p, pos);
  for (int64_t i = 0; i < a->numel; i++)
    {
      double x = fabs (v[i]);
      if (isinf (pw))
        acc[pos[i]] = pw > 0 ? MAX (acc[pos[i]], x) : (i == 0 ? x : MIN (acc[pos[i]], x));
      else if (pw == 0)
        acc[pos[i]] += x != 0;
      else if (pw == 1)
        acc[pos[i]] += x;
      else if (pw == 2)
        acc[pos[i]] += x * x;
      else
        acc[pos[i]] += pow (x, pw);
    }
  for (int64_t j = 0; j < m; j++)
    {
      double r = isinf (pw) || pw == 0 || pw == 1 ? acc[j] : pw == 2 ? sqrt (acc[j])
                 : pow (acc[j], 1.0 / pw);
      if (a->dtype == PS_DTYPE_F32)
        ((float *) ps_array_data (out, NULL))[j] = (float) r;
      else
        ((double *) ps_array_data (out, NULL))[j] = r;
    }
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node;
      if (pw != 2)
        {
          ps_array_unref (out);
          ps_array_set_error (error, RUNTIME, "the gradient of norm is implemented for p=2 only");
          return NULL;
        }
      node = ps_autograd_record (out, "NormBackward1", norm_backward, &a, 1);
      save_kd_shape (node, &p);
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, out);
    }
  return out;
}

/* ------------------------------------------------------- matrix products */

/* y (n, m) = [bias +] a (n, k) @ b (k, m), plain in a's dtype */
static PsArray *
mm_compute (PsArray *a, PsArray *b, PsArray *bias, GError **error)
{
  int64_t n = a->shape[0], k = a->shape[1], m = b->shape[1];
  int64_t shape[2] = { n, m };
  PsDtype dt = a->dtype;
  PsArray *y = ps_array_alloc (dt, 2, shape, TRUE, error);

  if (y == NULL)
    return NULL;
  if (dt == PS_DTYPE_F32)
    {
      /* y = x wt^T with x = a and wt = b^T, both contiguous: used in place
       * when they are (a weight's transpose is), else gathered */
      g_autoptr (PsArray) bt = ps_array_transpose (b, 0, 1, NULL);
      gboolean a_in_place = a->dtype == dt && ps_array_is_contiguous (a);
      gboolean b_in_place = bt->dtype == dt && ps_array_is_contiguous (bt);
      g_autofree float *xbuf = a_in_place ? NULL : g_try_new (float, MAX (n * k, 1));
      g_autofree float *wbuf = b_in_place ? NULL : g_try_new (float, MAX (m * k, 1));
      g_autofree float *bb = bias ? g_try_new (float, MAX (n * m, 1)) : NULL;
      const float *x = a_in_place ? ps_array_data (a, error) : xbuf;
      const float *wt = b_in_place ? ps_array_data (bt, error) : wbuf;
      float *yp = ps_array_data (y, NULL);
      if (x == NULL || wt == NULL || (bias && bb == NULL)
          || (!a_in_place && !ps_array_read_as (a, dt, 2, a->shape, xbuf, error))
          || (!b_in_place && !ps_array_read_as (bt, dt, 2, bt->shape, wbuf, error))
          || (bias && !ps_array_read_as (bias, dt, 2, shape, bb, error)))
        goto fail;
      if (n > 0 && m > 0)
        ps_linear_forward (x, wt, NULL, yp, n, k, m);
      if (bias)
        for (int64_t i = 0; i < n * m; i++)
          yp[i] = bb[i] + yp[i];
    }
  else
    {
      g_autofree double *x = g_try_new (double, MAX (n * k, 1));
      g_autofree double *w = g_try_new (double, MAX (k * m, 1));
      g_autofree double *bb = bias ? g_try_new0 (double, MAX (n * m, 1)) : NULL;
      if (x == NULL || w == NULL || (bias && bb == NULL)
          || !ps_array_read_as (a, PS_DTYPE_F64, 2, a->shape, x, error)
          || !ps_array_read_as (b, PS_DTYPE_F64, 2, b->shape, w, error)
          || (bias && !ps_array_read_as (bias, PS_DTYPE_F64, 2, shape, bb, error)))
        goto fail;
      if (dt == PS_DTYPE_I64)
        {
          g_autofree int64_t *xi = g_new (int64_t, MAX (n * k, 1));
          g_autofree int64_t *wi = g_new (int64_t, MAX (k * m, 1));
          int64_t *yp = ps_array_data (y, NULL);
          /* the bias is read as integers too: through double, a value
             beyond 2^63 would not convert back (and 2^53 would round) */
          g_autofree int64_t *bi = bias ? g_new0 (int64_t, MAX (n * m, 1)) : NULL;
          ps_array_read_as (a, PS_DTYPE_I64, 2, a->shape, xi, NULL);
          ps_array_read_as (b, PS_DTYPE_I64, 2, b->shape, wi, NULL);
          if (bias)
            ps_array_read_as (bias, PS_DTYPE_I64, 2, shape, bi, NULL);
          for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++)
              {
                /* int64 arithmetic wraps, as PyTorch's does */
                uint64_t s = bias ? (uint64_t) bi[i * m + j] : 0;
                for (int64_t l = 0; l < k; l++)
                  s += (uint64_t) xi[i * k + l] * (uint64_t) wi[l * m + j];
                yp[i * m + j] = (int64_t) s;
              }
        }
      else
        {
          double *yp = ps_array_data (y, NULL);
          for (int64_t i = 0; i < n; i++)
            for (int64_t j = 0; j < m; j++)
              {
                double s = 0;
                for (int64_t l = 0; l < k; l++)
                  s += x[i * k + l] * w[l * m + j];
                yp[i * m + j] = (bias ? bb[i * m + j] : 0) + s;
              }
        }
    }
  return y;
fail:
  if (error && *error == NULL)
    ps_array_set_error (error, RUNTIME, "not enough memory for a matrix product");
  ps_array_unref (y);
  return NULL;
}

static gboolean
mm_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  int o = node->n[0] ? 1 : 0;          /* addmm: input 0 is the bias */
  PsArray *a = ps_node_saved (node, 0, error), *b = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) at = NULL, bt = NULL;

  if (a == NULL || b == NULL)
    return FALSE;
  if (o)
    gi[0] = ps_array_ref (g);
  if (node->inputs[o].node || node->inputs[o].leaf)
    {
      bt = ps_array_t (b, error);
      if (bt == NULL || (gi[o] = ps_array_mm (g, bt, error)) == NULL)
        return FALSE;
    }
  if (node->inputs[o + 1].node || node->inputs[o + 1].leaf)
    {
      at = ps_array_t (a, error);
      if (at == NULL || (gi[o + 1] = ps_array_mm (at, g, error)) == NULL)
        return FALSE;
    }
  return TRUE;
}

static gboolean
check_mm (PsArray *a, PsArray *b, GError **error)
{
  if (a->ndim != 2 || b->ndim != 2)
    {
      ps_array_set_error (error, RUNTIME, "%s must be a matrix", a->ndim != 2 ? "self" : "mat2");
      return FALSE;
    }
  if (a->shape[1] != b->shape[0])
    {
      ps_array_set_error (error, RUNTIME, "mat1 and mat2 shapes cannot be multiplied (%"
                          G_GINT64_FORMAT "x%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT "x%"
                          G_GINT64_FORMAT ")", a->shape[0], a->shape[1], b->shape[0],
                          b->shape[1]);
      return FALSE;
    }
  if (a->dtype != b->dtype)
    {
      ps_array_set_error (error, RUNTIME, "expected scalar type %s but found %s",
                          ps_array_scalar_type_name (a->dtype), ps_array_scalar_type_name (b->dtype));
      return FALSE;
    }
  if (a->dtype == PS_DTYPE_BOOL)
    {
      ps_array_set_error (error, RUNTIME, "\"addmm_impl_cpu_\" not implemented for 'Bool'");
      return FALSE;
    }
  return TRUE;
}

PsArray *
ps_array_mm (PsArray *a, PsArray *b, GError **error)
{
  PsArray *ins[2] = { a, b };
  PsArray *y;

  if (!check_mm (a, b, error))
    return NULL;
  y = mm_compute (a, b, NULL, error);
  if (y && ps_array_dtype_is_float (y->dtype) && ps_autograd_needs_node (ins, 2))
    {
      PsNode *node = ps_autograd_record (y, "MmBackward0", mm_backward, ins, 2);
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, b);
    }
  return y;
}

PsArray *
ps_array_addmm (PsArray *bias, PsArray *a, PsArray *b, GError **error)
{
  PsArray *ins[3] = { bias, a, b };
  PsArray *y;
  int nd;
  int64_t bs[PS_ARRAY_MAX_DIMS];

  if (!check_mm (a, b, error))
    return NULL;
  {
    int64_t shape[2] = { a->shape[0], b->shape[1] };
    if (!ps_array_broadcast_shape (bias->ndim, bias->shape, 2, shape, &nd, bs, NULL) || nd != 2
        || bs[0] != shape[0] || bs[1] != shape[1])
      {
        ps_array_set_error (error, RUNTIME, "The expanded size of the tensor (%" G_GINT64_FORMAT
                            ") must match the existing size (%" G_GINT64_FORMAT ") at "
                            "non-singleton dimension 1.  Target sizes: [%" G_GINT64_FORMAT ", %"
                            G_GINT64_FORMAT "].  Tensor sizes: %s", shape[1],
                            bias->ndim ? bias->shape[bias->ndim - 1] : 1, shape[0], shape[1],
                            "[...]");
        return NULL;
      }
  }
  y = mm_compute (a, b, bias, error);
  if (y && ps_array_dtype_is_float (y->dtype) && ps_autograd_needs_node (ins, 3))
    {
      PsNode *node = ps_autograd_record (y, "AddmmBackward0", mm_backward, ins, 3);
      node->n[0] = 1;
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, b);
    }
  return y;
}

static gboolean
dot_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *a = ps_node_saved (node, 0, error), *b = ps_node_saved (node, 1, error);

  if (a == NULL || b == NULL)
    return FALSE;
  gi[0] = B (MUL, b, g);
  gi[1] = gi[0] ? B (MUL, a, g) : NULL;
  return gi[1] != NULL;
}

static gboolean
mv_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *a = ps_node_saved (node, 0, error), *b = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) gc = NULL, br = NULL, at = NULL, gcol = NULL, r = NULL;
  int64_t one_row[2], col[2];

  if (a == NULL || b == NULL)
    return FALSE;
  /* ga = outer(g, b), gb = a^T g */
  col[0] = g->shape[0];
  col[1] = 1;
  one_row[0] = 1;
  one_row[1] = b->shape[0];
  gc = ps_array_reshape (g, 2, col, error);
  br = gc ? ps_array_reshape (b, 2, one_row, error) : NULL;
  gi[0] = br ? ps_array_mm (gc, br, error) : NULL;
  at = gi[0] ? ps_array_t (a, error) : NULL;
  r = at ? ps_array_mm (at, gc, error) : NULL;
  gi[1] = r ? ps_array_reshape (r, 1, &b->shape[0], error) : NULL;
  return gi[1] != NULL;
}

PsArray *
ps_array_matmul (PsArray *a, PsArray *b, GError **error)
{
  PsArray *ins[2] = { a, b };

  if (a->ndim == 0 || b->ndim == 0)
    {
      ps_array_set_error (error, RUNTIME, "both arguments to matmul need to be at least 1D, but "
                          "they are %dD and %dD", a->ndim, b->ndim);
      return NULL;
    }
  if (a->ndim == 2 && b->ndim == 2)
    return ps_array_mm (a, b, error);
  if (a->ndim == 1 && b->ndim == 1)
    {
      int64_t s1[2] = { 1, a->shape[0] }, s2[2] = { b->shape[0], 1 };
      g_autoptr (PsArray) r1 = NULL, r2 = NULL, y = NULL;
      PsArray *out;
      if (a->shape[0] != b->shape[0])
        {
          ps_array_set_error (error, RUNTIME, "inconsistent tensor size, expected tensor [%"
                              G_GINT64_FORMAT "] and src [%" G_GINT64_FORMAT "] to have the same "
                              "number of elements, but got %" G_GINT64_FORMAT " and %"
                              G_GINT64_FORMAT " elements respectively", a->shape[0], b->shape[0],
                              a->shape[0], b->shape[0]);
          return NULL;
        }
      ps_autograd_no_grad_push ();
      r1 = ps_array_reshape (a, 2, s1, error);
      r2 = r1 ? ps_array_reshape (b, 2, s2, error) : NULL;
      y = r2 && check_mm (r1, r2, error) ? mm_compute (r1, r2, NULL, error) : NULL;
      out = y ? ps_array_reshape (y, 0, NULL, error) : NULL;
      ps_autograd_no_grad_pop ();
      if (out && ps_array_dtype_is_float (out->dtype) && ps_autograd_needs_node (ins, 2))
        {
          PsNode *node = ps_autograd_record (out, "DotBackward0", dot_backward, ins, 2);
          ps_node_save (node, 0, a);
          ps_node_save (node, 1, b);
        }
      return out;
    }
  if (a->ndim == 2 && b->ndim == 1)
    {
      int64_t s2[2] = { b->shape[0], 1 };
      g_autoptr (PsArray) r2 = NULL, y = NULL;
      PsArray *out;
      ps_autograd_no_grad_push ();
      r2 = ps_array_reshape (b, 2, s2, error);
      y = r2 && check_mm (a, r2, error) ? mm_compute (a, r2, NULL, error) : NULL;
      out = y ? ps_array_reshape (y, 1, &a->shape[0], error) : NULL;
      ps_autograd_no_grad_pop ();
      if (out && ps_array_dtype_is_float (out->dtype) && ps_autograd_needs_node (ins, 2))
        {
          PsNode *node = ps_autograd_record (out, "MvBackward0", mv_backward, ins, 2);
          ps_node_save (node, 0, a);
          ps_node_save (node, 1, b);
        }
      return out;
    }
  if (a->ndim == 1 && b->ndim == 2)
    {
      /* unsqueeze(0).mm(b).squeeze_(0), as PyTorch (SqueezeBackward3 on top) */
      g_autoptr (PsArray) u = ps_array_unsqueeze (a, 0, error);
      g_autoptr (PsArray) y = u ? ps_array_mm (u, b, error) : NULL;
      PsArray *out;
      if (y == NULL)
        return NULL;
      out = ps_array_squeeze (y, 0, FALSE, error);
      if (out && out->grad_fn)
        out->grad_fn->name = "SqueezeBackward3";
      return out;
    }
  if (b->ndim == 2 && a->ndim > 2)
    {
      /* fold the batch dims into rows: mm, then an unsafe view back */
      int64_t rows = a->numel / MAX (a->shape[a->ndim - 1], 1);
      int64_t s2[2] = { rows, a->shape[a->ndim - 1] }, os[PS_ARRAY_MAX_DIMS];
      g_autoptr (PsArray) f = NULL, y = NULL;
      if (a->shape[a->ndim - 1] == 0)
        rows = a->numel ? 0 : 0;
      f = ps_array_reshape (a, 2, s2, error);
      y = f ? ps_array_mm (f, b, error) : NULL;
      if (y == NULL)
        return NULL;
      memcpy (os, a->shape, sizeof os);
      os[a->ndim - 1] = b->shape[1];
      return ps_array_reshape (y, a->ndim, os, error);
    }
  ps_array_set_error (error, RUNTIME, "matmul of a %dD and a %dD tensor is not supported",
                      a->ndim, b->ndim);
  return NULL;
}

PsArray *
ps_array_linear (PsArray *x, PsArray *weight, PsArray *bias, GError **error)
{
  g_autoptr (PsArray) wt = NULL;

  if (weight->ndim != 2)
    {
      ps_array_set_error (error, RUNTIME, "t() expects a tensor with <= 2 dimensions, but self "
                          "is %dD", weight->ndim);
      return NULL;
    }
  if (x->ndim >= 1 && x->shape[x->ndim - 1] != weight->shape[1])
    {
      int64_t rows = x->ndim >= 2 ? x->numel / MAX (x->shape[x->ndim - 1], 1) : 1;
      ps_array_set_error (error, RUNTIME, "mat1 and mat2 shapes cannot be multiplied (%"
                          G_GINT64_FORMAT "x%" G_GINT64_FORMAT " and %" G_GINT64_FORMAT "x%"
                          G_GINT64_FORMAT ")", rows, x->shape[x->ndim - 1], weight->shape[1],
                          weight->shape[0]);
      return NULL;
    }
  wt = ps_array_t (weight, error);
  if (wt == NULL)
    return NULL;
  if (x->ndim == 2 && bias)
    return ps_array_addmm (bias, x, wt, error);
  if (x->ndim == 3 && bias && ps_array_is_contiguous (x))
    {
      int64_t s2[2] = { x->shape[0] * x->shape[1], x->shape[2] };
      int64_t os[3] = { x->shape[0], x->shape[1], weight->shape[0] };
      g_autoptr (PsArray) f = ps_array_view (x, 2, s2, error);
      g_autoptr (PsArray) y = f ? ps_array_addmm (bias, f, wt, error) : NULL;
      return y ? ps_array_view (y, 3, os, error) : NULL;
    }
  {
    g_autoptr (PsArray) y = ps_array_matmul (x, wt, error);
    if (y == NULL || bias == NULL)
      return g_steal_pointer (&y);
    return ps_array_binary (PS_BINARY_ADD, y, bias, error);
  }
}
