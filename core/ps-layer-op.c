/* ps-layer-op.c — one layer call over the kernels (see ps-layer-op.h) */
#include "ps-layer-op.h"
#include "ps-array.h"
#include "ps-error.h"

#include <string.h>

/* ---- shapes and messages -------------------------------------------------- */

static G_GNUC_PRINTF (2, 3) gboolean
fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (error)
    *error = g_error_new_valist (PS_ERROR, PS_ERROR_SHAPE, fmt, ap);
  va_end (ap);
  return FALSE;
}

static char *
shape_text (int ndim, const int64_t *shape)
{
  return ps_shape_to_string (ndim, shape);
}

int
ps_layer_op_weight_shape (const PsLayerOp *op, int64_t *s)
{
  int n = 0;

  switch (op->kind)
    {
    case PS_OP_CONV:
    case PS_OP_CONV_TRANSPOSE:
      s[n++] = op->kind == PS_OP_CONV ? op->out_ch : op->in_ch;
      s[n++] = op->kind == PS_OP_CONV ? op->in_ch / op->groups : op->out_ch / op->groups;
      if (op->spatial == 2)
        s[n++] = op->k[0];
      s[n++] = op->k[1];
      return n;
    case PS_OP_BATCH_NORM:
    case PS_OP_GROUP_NORM:
      if (!op->affine)
        return 0;
      s[0] = op->num_features;
      return 1;
    case PS_OP_LAYER_NORM:
      if (!op->affine)
        return 0;
      memcpy (s, op->norm_shape, (size_t) op->norm_ndim * sizeof (int64_t));
      return op->norm_ndim;
    case PS_OP_EMBEDDING:
      s[0] = op->num_embeddings;
      s[1] = op->embedding_dim;
      return 2;
    case PS_OP_PRELU:
      s[0] = op->num_parameters;
      return 1;
    case PS_OP_DENSE:
      s[0] = op->in_ch;
      s[1] = op->out_ch;
      return 2;
    default:
      return 0;
    }
}

int
ps_layer_op_bias_shape (const PsLayerOp *op, int64_t *s)
{
  switch (op->kind)
    {
    case PS_OP_CONV:
    case PS_OP_CONV_TRANSPOSE:
      if (!op->bias)
        return 0;
      s[0] = op->out_ch;
      return 1;
    case PS_OP_BATCH_NORM:
    case PS_OP_GROUP_NORM:
    case PS_OP_LAYER_NORM:
      return ps_layer_op_weight_shape (op, s);
    case PS_OP_DENSE:
      if (!op->bias)
        return 0;
      s[0] = op->out_ch;
      return 1;
    default:
      return 0;
    }
}

/* grow *buf to n elements of size sz (never shrinks) */
static gboolean
grow (gpointer *buf, int64_t *have, int64_t n, gsize sz)
{
  gpointer p;

  if (n <= *have)
    return TRUE;
  p = g_try_realloc (*buf, (gsize) n * sz);
  if (p == NULL)
    return FALSE;
  *buf = p;
  *have = n;
  return TRUE;
}

static int
norm_dim (int d, int ndim)
{
  return d < 0 ? d + ndim : d;
}

static gboolean
plan_conv (const PsLayerOp *op, PsLayerOpState *st, int ndim, const int64_t *shape,
           int *out_ndim, int64_t *out_shape, int64_t *ws, GError **error)
{
  int sp = op->spatial, batched = ndim == sp + 2;
  const char *fn = op->kind == PS_OP_CONV ? (sp == 2 ? "conv2d" : "conv1d")
                   : (sp == 2 ? "conv_transpose2d" : "conv_transpose1d");
  int64_t N, C, H, W, wshape[4];
  int wn = ps_layer_op_weight_shape (op, wshape);
  g_autoptr (GError) local = NULL;

  if (ndim != sp + 1 && ndim != sp + 2)
    {
      g_autofree char *s = shape_text (ndim, shape);
      return fail (error, "Expected %dD (unbatched) or %dD (batched) input to %s, but got "
                   "input of size: %s", sp + 1, sp + 2, fn, s);
    }
  N = batched ? shape[0] : 1;
  C = shape[batched];
  H = sp == 2 ? shape[batched + 1] : 1;
  W = shape[ndim - 1];
  if (C != op->in_ch)
    {
      g_autofree char *ws_ = shape_text (wn, wshape);
      g_autofree char *s = shape_text (ndim, shape);
      if (op->kind == PS_OP_CONV)
        return fail (error, "Given groups=%" G_GINT64_FORMAT ", weight of size %s, expected "
                     "input%s to have %" G_GINT64_FORMAT " channels, but got %" G_GINT64_FORMAT
                     " channels instead", op->groups, ws_, s, op->in_ch, C);
      return fail (error, "Given transposed=1, weight of size %s, expected input%s to have %"
                   G_GINT64_FORMAT " channels, but got %" G_GINT64_FORMAT " channels instead",
                   ws_, s, op->in_ch, C);
    }
  if (op->kind == PS_OP_CONV)
    {
      int64_t ph = op->same ? PS_CONV_SAME : op->pad[0], pw = op->same ? PS_CONV_SAME : op->pad[1];
      if (!ps_conv_geom_init (&st->conv, N, C, H, W, op->out_ch, sp == 2 ? op->k[0] : 1, op->k[1],
                              sp == 2 ? op->stride[0] : 1, op->stride[1],
                              sp == 2 || op->same ? ph : 0, pw, sp == 2 ? op->dil[0] : 1,
                              op->dil[1], op->groups, &local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      out_shape[batched] = op->out_ch;
      if (sp == 2)
        out_shape[batched + 1] = st->conv.OH;
      out_shape[ndim - 1] = st->conv.OW;
    }
  else
    {
      if (!ps_conv_transpose_geom_init (&st->conv, N, C, H, W, op->out_ch,
                                        sp == 2 ? op->k[0] : 1, op->k[1],
                                        sp == 2 ? op->stride[0] : 1, op->stride[1],
                                        sp == 2 ? op->pad[0] : 0, op->pad[1],
                                        sp == 2 ? op->out_pad[0] : 0, op->out_pad[1],
                                        sp == 2 ? op->dil[0] : 1, op->dil[1], op->groups, &local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      out_shape[batched] = op->out_ch;
      if (sp == 2)
        out_shape[batched + 1] = st->conv.H;
      out_shape[ndim - 1] = st->conv.W;
    }
  if (batched)
    out_shape[0] = N;
  *out_ndim = ndim;
  *ws = ps_conv_workspace (&st->conv);
  return TRUE;
}

static gboolean
plan_pool (const PsLayerOp *op, PsLayerOpState *st, int ndim, const int64_t *shape,
           int *out_ndim, int64_t *out_shape, GError **error)
{
  int sp = op->spatial, batched = ndim == sp + 2;
  int64_t N, C, H, W;
  g_autoptr (GError) local = NULL;

  if (ndim != sp + 1 && ndim != sp + 2)
    {
      g_autofree char *s = shape_text (ndim, shape);
      if (op->kind == PS_OP_ADAPTIVE_AVG_POOL || op->kind == PS_OP_ADAPTIVE_MAX_POOL)
        return fail (error, "%s(): Expected %dD or %dD tensor, but got %s",
                     op->kind == PS_OP_ADAPTIVE_AVG_POOL ? "adaptive_avg_pool2d"
                     : "adaptive_max_pool2d", sp + 1, sp + 2, s);
      return fail (error, "non-empty %dD or %dD (batch mode) tensor expected for input",
                   sp + 1, sp + 2);
    }
  N = batched ? shape[0] : 1;
  C = shape[batched];
  H = sp == 2 ? shape[batched + 1] : 1;
  W = shape[ndim - 1];
  memcpy (out_shape, shape, (size_t) ndim * sizeof (int64_t));
  *out_ndim = ndim;
  if (op->kind == PS_OP_ADAPTIVE_AVG_POOL || op->kind == PS_OP_ADAPTIVE_MAX_POOL)
    {
      memset (&st->pool, 0, sizeof st->pool);
      st->pool.N = N, st->pool.C = C, st->pool.H = H, st->pool.W = W;
      st->pool.OH = sp == 2 ? (op->out_size[0] > 0 ? op->out_size[0] : H) : 1;
      st->pool.OW = op->out_size[1] > 0 ? op->out_size[1] : W;
    }
  else
    {
      int64_t sh = op->stride[0] > 0 ? op->stride[0] : op->k[0];
      int64_t sw = op->stride[1] > 0 ? op->stride[1] : op->k[1];
      if (!ps_pool_geom_init (&st->pool, N, C, H, W, sp == 2 ? op->k[0] : 1, op->k[1],
                              sp == 2 ? sh : 1, sw, sp == 2 ? op->pad[0] : 0, op->pad[1],
                              op->kind == PS_OP_MAX_POOL && sp == 2 ? MAX (op->dil[0], 1) : 1,
                              op->kind == PS_OP_MAX_POOL ? MAX (op->dil[1], 1) : 1,
                              op->ceil_mode, &local))
        {
          g_propagate_error (error, g_steal_pointer (&local));
          return FALSE;
        }
      st->pool.count_include_pad = op->count_include_pad;
    }
  if (sp == 2)
    out_shape[batched + 1] = st->pool.OH;
  out_shape[ndim - 1] = st->pool.OW;
  return TRUE;
}

gboolean
ps_layer_op_plan (const PsLayerOp *op, PsLayerOpState *st, int ndim, const int64_t *shape,
                  int *out_ndim, int64_t *out_shape, GError **error)
{
  int64_t ws = 0, save = 0, idx = 0, numel = ps_shape_numel (ndim, shape);
  PsLayerOpState tmp = *st;     /* planned on a copy: nothing changes on failure */

  g_return_val_if_fail (ndim <= PS_TENSOR_MAX_DIMS, FALSE);
  memcpy (out_shape, shape, (size_t) ndim * sizeof (int64_t));
  *out_ndim = ndim;
  tmp.outer = 1, tmp.mid = 1, tmp.inner = 1;

  switch (op->kind)
    {
    case PS_OP_CONV:
    case PS_OP_CONV_TRANSPOSE:
      if (!plan_conv (op, &tmp, ndim, shape, out_ndim, out_shape, &ws, error))
        return FALSE;
      break;

    case PS_OP_MAX_POOL:
    case PS_OP_AVG_POOL:
    case PS_OP_ADAPTIVE_AVG_POOL:
    case PS_OP_ADAPTIVE_MAX_POOL:
      if (!plan_pool (op, &tmp, ndim, shape, out_ndim, out_shape, error))
        return FALSE;
      if (op->kind == PS_OP_MAX_POOL || op->kind == PS_OP_ADAPTIVE_MAX_POOL)
        idx = ps_shape_numel (*out_ndim, out_shape);
      break;

    case PS_OP_BATCH_NORM:
      {
        int lo = op->spatial == 2 ? 4 : 2, hi = op->spatial == 2 ? 4 : 3;
        int64_t L = 1;
        if (ndim < lo || ndim > hi)
          return fail (error, op->spatial == 2 ? "expected 4D input (got %dD input)"
                       : "expected 2D or 3D input (got %dD input)", ndim);
        if (shape[1] != op->num_features)
          return fail (error, "running_mean should contain %" G_GINT64_FORMAT
                       " elements not %" G_GINT64_FORMAT, shape[1], op->num_features);
        for (int i = 2; i < ndim; i++)
          L *= shape[i];
        tmp.outer = shape[0], tmp.mid = shape[1], tmp.inner = L;
        save = 2 * shape[1];
      }
      break;

    case PS_OP_LAYER_NORM:
      {
        gboolean ok = ndim >= op->norm_ndim;
        int64_t D = 1;
        for (int i = 0; ok && i < op->norm_ndim; i++)
          {
            ok = shape[ndim - op->norm_ndim + i] == op->norm_shape[i];
            D *= op->norm_shape[i];
          }
        if (!ok)
          {
            g_autofree char *ns = shape_text (op->norm_ndim, op->norm_shape);
            g_autofree char *s = shape_text (ndim, shape);
            g_autofree char *star = g_strdup_printf ("[*, %s", ns + 1);
            return fail (error, "Given normalized_shape=%s, expected input with shape %s, "
                         "but got input of size%s", ns, star, s);
          }
        tmp.outer = D > 0 ? numel / D : 0, tmp.mid = D;
        save = 2 * tmp.outer;
      }
      break;

    case PS_OP_GROUP_NORM:
      {
        int64_t L = 1;
        if (ndim < 2 || shape[1] % op->num_groups != 0)
          {
            g_autofree char *s = shape_text (ndim, shape);
            return fail (error, "Expected number of channels in input to be divisible by "
                         "num_groups, but got input of shape %s and num_groups=%"
                         G_GINT64_FORMAT, s, op->num_groups);
          }
        if (shape[1] != op->num_features)
          {
            g_autofree char *s = shape_text (ndim, shape);
            return fail (error, "Expected weight to be a vector of size equal to the number of "
                         "channels in input, but got weight of shape [%" G_GINT64_FORMAT
                         "] and input of shape %s", op->num_features, s);
          }
        for (int i = 2; i < ndim; i++)
          L *= shape[i];
        tmp.outer = shape[0], tmp.mid = shape[1], tmp.inner = L;
        save = 2 * shape[0] * op->num_groups;
      }
      break;

    case PS_OP_DROPOUT:
      save = numel;
      break;

    case PS_OP_STOCHASTIC_DEPTH:
      /* one draw for each sample ([N, 1, ...]) or one for the batch ([1, ...]) */
      if (ndim < 1)
        return fail (error, "StochasticDepth: an input of 0 dimensions has no samples");
      tmp.outer = op->row ? shape[0] : 1;
      tmp.inner = tmp.outer > 0 ? numel / tmp.outer : 0;
      save = tmp.outer;
      break;

    case PS_OP_EMBEDDING:
      if (ndim + 1 > PS_TENSOR_MAX_DIMS)
        return fail (error, "%s: an input of %d dimensions gives an output of more than %d",
                     op->name, ndim, PS_TENSOR_MAX_DIMS);
      out_shape[ndim] = op->embedding_dim;
      *out_ndim = ndim + 1;
      idx = numel;
      break;

    case PS_OP_SOFTMAX:
    case PS_OP_LOG_SOFTMAX:
      {
        int lo = ndim > 0 ? -ndim : -1, hi = ndim > 0 ? ndim - 1 : 0;
        int d = op->dim;
        if (d < lo || d > hi)
          return fail (error, "Dimension out of range (expected to be in range of [%d, %d], "
                       "but got %d)", lo, hi, d);
        d = norm_dim (d, MAX (ndim, 1));
        for (int i = 0; i < ndim; i++)
          {
            if (i < d)
              tmp.outer *= shape[i];
            else if (i > d)
              tmp.inner *= shape[i];
          }
        tmp.mid = ndim ? shape[d] : 1;
      }
      break;

    case PS_OP_PRELU:
      {
        int64_t C = ndim >= 2 ? shape[1] : 1;
        if (op->num_parameters != 1 && C != op->num_parameters)
          return fail (error, "Mismatch of parameter numbers and input channel size. Found "
                       "parameter numbers = %" G_GINT64_FORMAT " and channel size = %"
                       G_GINT64_FORMAT ".", op->num_parameters, C);
        tmp.outer = ndim >= 2 ? shape[0] : 1, tmp.mid = C;
        tmp.inner = C > 0 && tmp.outer > 0 ? numel / (tmp.outer * C) : 0;
      }
      break;

    case PS_OP_UNFLATTEN:
      {
        int d = norm_dim (op->dim, ndim);
        int64_t prod = 1, infer = -1;
        if (d < 0 || d >= ndim)
          return fail (error, "Dimension out of range (expected to be in range of [%d, %d], "
                       "but got %d)", -ndim, ndim - 1, op->dim);
        if (ndim - 1 + op->unflat_n > PS_TENSOR_MAX_DIMS)
          return fail (error, "%s: the output would have more than %d dimensions", op->name,
                       PS_TENSOR_MAX_DIMS);
        for (int i = 0; i < op->unflat_n; i++)
          {
            if (op->unflat[i] == -1)
              infer = i;
            else
              prod *= op->unflat[i];
          }
        if ((infer < 0 && prod != shape[d]) || (infer >= 0 && (prod == 0 || shape[d] % prod)))
          {
            g_autofree char *s = shape_text (op->unflat_n, op->unflat);
            return fail (error, "unflatten: Provided sizes %s don't multiply up to the size of "
                         "dim %d (%" G_GINT64_FORMAT ") in the input tensor", s, d, shape[d]);
          }
        *out_ndim = 0;
        for (int i = 0; i < ndim; i++)
          if (i != d)
            out_shape[(*out_ndim)++] = shape[i];
          else
            for (int j = 0; j < op->unflat_n; j++)
              out_shape[(*out_ndim)++] = op->unflat[j] == -1 ? shape[d] / prod : op->unflat[j];
      }
      break;

    case PS_OP_ACT:
      break;

    case PS_OP_DENSE:
      /* Keras: the last axis is the input's features; the activation's input
       * is saved for backward, its gradient worked in ws */
      if (ndim < 1 || shape[ndim - 1] != op->in_ch)
        {
          g_autofree char *s = shape_text (ndim, shape);
          s[0] = '(', s[strlen (s) - 1] = ')';        /* Keras writes a shape as a tuple */
          return fail (error, "Input 0 of layer \"%s\" is incompatible with the layer: expected "
                       "axis -1 of input shape to have value %" G_GINT64_FORMAT ", but received "
                       "input with shape %s", op->name, op->in_ch, s);
        }
      out_shape[ndim - 1] = op->out_ch;
      tmp.outer = op->in_ch > 0 ? numel / op->in_ch : 0;
      if (op->dense_act)
        save = ws = tmp.outer * op->out_ch;
      break;
    }

  /* the buffers and the output the caller makes, within the tensor memory cap */
  {
    int64_t out_n = ps_shape_numel (*out_ndim, out_shape);
    int64_t bytes = (MAX (ws - st->ws_n, 0) + MAX (save - st->save_n, 0) + out_n)
                    * (int64_t) sizeof (float)
                    + MAX (idx - st->idx_n, 0) * (int64_t) sizeof (int64_t);
    if (bytes > ps_array_memory_cap () - ps_array_memory_in_use ())
      {
        g_autofree char *s = shape_text (ndim, shape);
        g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "not enough memory: %s needs %"
                     G_GINT64_FORMAT " bytes for an input of size %s, beyond the tensor memory "
                     "cap of %" G_GINT64_FORMAT " bytes (PARAMSCOPE_MAX_TENSOR_GIB sets the cap)",
                     op->name, bytes, s, ps_array_memory_cap ());
        return FALSE;
      }
  }
  if (!grow ((gpointer *) &tmp.ws, &tmp.ws_n, ws, sizeof (float))
      || !grow ((gpointer *) &tmp.save, &tmp.save_n, save, sizeof (float))
      || !grow ((gpointer *) &tmp.idx, &tmp.idx_n, idx, sizeof (int64_t)))
    {
      /* whatever grew is kept (the state stays valid), the plan is not */
      st->ws = tmp.ws, st->ws_n = tmp.ws_n, st->save = tmp.save, st->save_n = tmp.save_n;
      st->idx = tmp.idx, st->idx_n = tmp.idx_n;
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the %s layer's "
                   "buffers", op->name);
      return FALSE;
    }
  tmp.in_ndim = ndim;
  memcpy (tmp.in_shape, shape, (size_t) ndim * sizeof (int64_t));
  tmp.out_numel = ps_shape_numel (*out_ndim, out_shape);
  *st = tmp;
  return TRUE;
}

/* ---- running ---------------------------------------------------------------- */

gboolean
ps_layer_op_check_mode (const PsLayerOp *op, int ndim, const int64_t *shape, gboolean training,
                        GError **error)
{
  int64_t per_channel;

  if (op->kind != PS_OP_BATCH_NORM || !training || ndim < 2)
    return TRUE;
  per_channel = shape[0];
  for (int d = 2; d < ndim; d++)
    per_channel *= shape[d];
  if (per_channel == 1)
    {
      g_autofree char *s = ps_shape_to_string (ndim, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "Expected more than 1 value per channel "
                   "when training, got input size torch.Size(%s)", s);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_layer_op_check_input (const PsLayerOp *op, const PsLayerOpState *st, const float *x,
                         GError **error)
{
  int64_t n = ps_shape_numel (st->in_ndim, st->in_shape);

  if (op->kind != PS_OP_EMBEDDING)
    return TRUE;
  for (int64_t i = 0; i < n; i++)
    {
      float v = x[i];
      if (!(v >= 0 && v < (float) op->num_embeddings))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "index out of range in self");
          return FALSE;
        }
      if (v != (float) (int64_t) v)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "Expected tensor for argument #1 "
                       "'indices' to have one of the following scalar types: Long, Int; but got "
                       "torch.FloatTensor instead (while checking arguments for embedding)");
          return FALSE;
        }
    }
  return TRUE;
}

/* Keras' Dense over B = outer rows: y = x (B, in) @ kernel (in, out) + bias,
 * then the activation (its input kept in save). */
static void
dense_forward (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io)
{
  int64_t B = st->outer, in = op->in_ch, out = op->out_ch;
  float *z = op->dense_act ? st->save : io->y;

  if (B == 0)
    return;
  ps_sgemm (FALSE, FALSE, (int) B, (int) out, (int) in, 1.f, io->x, (int) in, io->weight,
            (int) out, 0.f, z, (int) out);
  if (io->bias)
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < out; j++)
        z[r * out + j] += io->bias[j];
  if (op->dense_act)
    ps_act_forward (&op->act, B * out, z, io->y);
}

/* dz = dy * act'(z); dkernel += x^T dz; dbias += the column sums of dz;
 * dx = dz kernel^T. */
static void
dense_backward (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io)
{
  int64_t B = st->outer, in = op->in_ch, out = op->out_ch;
  const float *dz = io->dy;

  if (B == 0)
    return;
  if (op->dense_act)
    {
      ps_act_backward (&op->act, B * out, st->save, io->y, io->dy, st->ws);
      dz = st->ws;
    }
  if (io->dweight)
    ps_sgemm (TRUE, FALSE, (int) in, (int) out, (int) B, 1.f, io->x, (int) in, dz, (int) out, 1.f,
              io->dweight, (int) out);
  if (io->dbias)
    for (int64_t r = 0; r < B; r++)
      for (int64_t j = 0; j < out; j++)
        io->dbias[j] += dz[r * out + j];
  if (io->dx)
    ps_sgemm (FALSE, TRUE, (int) B, (int) in, (int) out, 1.f, dz, (int) out, io->weight, (int) out,
              0.f, io->dx, (int) in);
}

void
ps_layer_op_forward (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io)
{
  int64_t n = ps_shape_numel (st->in_ndim, st->in_shape);
  const PsPoolGeom *pg = &st->pool;

  switch (op->kind)
    {
    case PS_OP_CONV:
      ps_conv2d_forward (&st->conv, io->x, io->weight, io->bias, io->y, st->ws);
      break;
    case PS_OP_CONV_TRANSPOSE:
      ps_conv_transpose2d_forward (&st->conv, io->x, io->weight, io->bias, io->y, st->ws);
      break;
    case PS_OP_MAX_POOL:
      ps_max_pool2d_forward (pg, io->x, io->y, st->idx);
      break;
    case PS_OP_AVG_POOL:
      ps_avg_pool2d_forward (pg, io->x, io->y);
      break;
    case PS_OP_ADAPTIVE_AVG_POOL:
      ps_adaptive_avg_pool2d_forward (pg->N * pg->C, pg->H, pg->W, pg->OH, pg->OW, io->x, io->y);
      break;
    case PS_OP_ADAPTIVE_MAX_POOL:
      ps_adaptive_max_pool2d_forward (pg->N * pg->C, pg->H, pg->W, pg->OH, pg->OW, io->x, io->y,
                                      st->idx);
      break;
    case PS_OP_BATCH_NORM:
      {
        /* eval without running statistics (track_running_stats=False) uses the batch's */
        gboolean batch_stats = io->training || io->running_mean == NULL;
        ps_batch_norm_forward (st->outer, st->mid, st->inner, io->x, io->weight, io->bias,
                               io->running_mean, io->running_var, batch_stats, op->momentum,
                               op->eps, io->y, st->save, st->save + st->mid);
      }
      break;
    case PS_OP_LAYER_NORM:
      ps_layer_norm_forward (st->outer, st->mid, io->x, io->weight, io->bias, op->eps, io->y,
                             st->save, st->save + st->outer);
      break;
    case PS_OP_GROUP_NORM:
      ps_group_norm_forward (st->outer, st->mid, st->inner, op->num_groups, io->x, io->weight,
                             io->bias, op->eps, io->y, st->save,
                             st->save + st->outer * op->num_groups);
      break;
    case PS_OP_DROPOUT:
      if (io->training)
        ps_dropout_forward (n, op->p, io->rng, io->x, st->save, io->y);
      else
        {
          for (int64_t i = 0; i < n; i++)
            st->save[i] = 1.f;
          memcpy (io->y, io->x, (size_t) n * sizeof (float));
        }
      break;
    case PS_OP_STOCHASTIC_DEPTH:
      /* torchvision.ops.stochastic_depth: the input itself in eval mode or at p 0 (no
       * draw), else input * noise, noise broadcast over each sample (or the batch) */
      if (io->training && op->p > 0)
        ps_bernoulli_mask (st->outer, 1 - op->p, io->rng, st->save);
      else
        for (int64_t i = 0; i < st->outer; i++)
          st->save[i] = 1.f;
      for (int64_t o = 0; o < st->outer; o++)
        for (int64_t i = 0; i < st->inner; i++)
          io->y[o * st->inner + i] = io->x[o * st->inner + i] * st->save[o];
      break;
    case PS_OP_EMBEDDING:
      /* the indices arrive as floats holding integers (checked by the caller) */
      for (int64_t i = 0; i < n; i++)
        st->idx[i] = (int64_t) io->x[i];
      ps_embedding_forward (n, op->embedding_dim, st->idx, io->weight, io->y);
      break;
    case PS_OP_SOFTMAX:
      ps_softmax_forward (st->outer, st->mid, st->inner, io->x, io->y);
      break;
    case PS_OP_LOG_SOFTMAX:
      ps_log_softmax_forward (st->outer, st->mid, st->inner, io->x, io->y);
      break;
    case PS_OP_ACT:
      ps_act_forward (&op->act, n, io->x, io->y);
      break;
    case PS_OP_DENSE:
      dense_forward (op, st, io);
      break;
    case PS_OP_PRELU:
      ps_prelu_forward (st->outer, st->mid, st->inner, op->num_parameters, io->x, io->weight,
                        io->y);
      break;
    case PS_OP_UNFLATTEN:
      if (io->y != io->x)
        memcpy (io->y, io->x, (size_t) n * sizeof (float));
      break;
    }
}

void
ps_layer_op_backward (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io)
{
  int64_t n = ps_shape_numel (st->in_ndim, st->in_shape);
  const PsPoolGeom *pg = &st->pool;

  switch (op->kind)
    {
    case PS_OP_CONV:
      ps_conv2d_backward (&st->conv, io->x, io->weight, io->dy, io->dx, io->dweight, io->dbias,
                          st->ws);
      break;
    case PS_OP_CONV_TRANSPOSE:
      ps_conv_transpose2d_backward (&st->conv, io->x, io->weight, io->dy, io->dx, io->dweight,
                                    io->dbias, st->ws);
      break;
    case PS_OP_MAX_POOL:
      if (io->dx)
        ps_max_pool2d_backward (pg, io->dy, st->idx, io->dx);
      break;
    case PS_OP_AVG_POOL:
      if (io->dx)
        ps_avg_pool2d_backward (pg, io->dy, io->dx);
      break;
    case PS_OP_ADAPTIVE_AVG_POOL:
      if (io->dx)
        ps_adaptive_avg_pool2d_backward (pg->N * pg->C, pg->H, pg->W, pg->OH, pg->OW, io->dy,
                                         io->dx);
      break;
    case PS_OP_ADAPTIVE_MAX_POOL:
      if (io->dx)
        ps_adaptive_max_pool2d_backward (pg->N * pg->C, pg->H, pg->W, pg->OH, pg->OW, io->dy,
                                         st->idx, io->dx);
      break;
    case PS_OP_BATCH_NORM:
      ps_batch_norm_backward (st->outer, st->mid, st->inner, io->x, io->weight, st->save,
                              st->save + st->mid, io->training || io->running_mean == NULL,
                              io->dy, io->dx, io->dweight, io->dbias);
      break;
    case PS_OP_LAYER_NORM:
      ps_layer_norm_backward (st->outer, st->mid, io->x, io->weight, st->save,
                              st->save + st->outer, io->dy, io->dx, io->dweight, io->dbias);
      break;
    case PS_OP_GROUP_NORM:
      ps_group_norm_backward (st->outer, st->mid, st->inner, op->num_groups, io->x, io->weight,
                              st->save, st->save + st->outer * op->num_groups, io->dy, io->dx,
                              io->dweight, io->dbias);
      break;
    case PS_OP_DROPOUT:
      if (io->dx)
        ps_dropout_backward (n, st->save, io->dy, io->dx);
      break;
    case PS_OP_STOCHASTIC_DEPTH:
      if (io->dx)
        for (int64_t o = 0; o < st->outer; o++)
          for (int64_t i = 0; i < st->inner; i++)
            io->dx[o * st->inner + i] = io->dy[o * st->inner + i] * st->save[o];
      break;
    case PS_OP_EMBEDDING:
      if (io->dweight)
        ps_embedding_backward (n, op->embedding_dim, st->idx, op->padding_idx, io->dy,
                               io->dweight);
      break;
    case PS_OP_SOFTMAX:
      if (io->dx)
        ps_softmax_backward (st->outer, st->mid, st->inner, io->y, io->dy, io->dx);
      break;
    case PS_OP_LOG_SOFTMAX:
      if (io->dx)
        ps_log_softmax_backward (st->outer, st->mid, st->inner, io->y, io->dy, io->dx);
      break;
    case PS_OP_ACT:
      if (io->dx)
        ps_act_backward (&op->act, n, io->x, io->y, io->dy, io->dx);
      break;
    case PS_OP_DENSE:
      dense_backward (op, st, io);
      break;
    case PS_OP_PRELU:
      ps_prelu_backward (st->outer, st->mid, st->inner, op->num_parameters, io->x, io->weight,
                         io->dy, io->dx, io->dweight);
      break;
    case PS_OP_UNFLATTEN:
      if (io->dx && io->dx != io->dy)
        memcpy (io->dx, io->dy, (size_t) n * sizeof (float));
      break;
    }
}

gsize
ps_layer_op_state_bytes (const PsLayerOpState *st)
{
  return (gsize) (st->ws_n + st->save_n) * sizeof (float) + (gsize) st->idx_n * sizeof (int64_t);
}

void
ps_layer_op_state_clear (PsLayerOpState *st)
{
  g_free (st->ws);
  g_free (st->save);
  g_free (st->idx);
  memset (st, 0, sizeof *st);
}
