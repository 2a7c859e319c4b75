/* ps-tape-block.c — the steps of known container forwards on the tape
 *
 * A residual block adds two values, an Inception block concatenates four:
 * the tape's record is a graph, each entry reading the outputs of the
 * entries it names (ps-tape-private.h).  Here: those steps' forward and
 * backward, and how a gradient reaches an output several entries read.
 */
#include "ps-tape.h"
#include "ps-tape-private.h"
#include "ps-error.h"
#include "ps-kernels.h"

#include <math.h>
#include <string.h>

/* The output of entry `src` (-1: the tape's copy of the input). */
PsTensor *
ps_tape_in_of (PsTape *t, int src)
{
  return src < 0 ? t->x0 : t->pool[src].out;
}

static gboolean
shape_error (PsTape *t, Entry *e, GError **error, const char *fmt, ...) G_GNUC_PRINTF (4, 5);

static gboolean
shape_error (PsTape *t, Entry *e, GError **error, const char *fmt, ...)
{
  g_autofree char *path = ps_tape_module_path (t, e->module);
  g_autofree char *msg = NULL;
  va_list ap;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: %s", path, msg);
  return FALSE;
}

/* Size d of a ZEROS entry (or RESHAPE's columns): a constant, or a dimension
 * of an earlier entry's output, as forward() read it from X.shape[axis]. */
gboolean
ps_tape_dim_size (PsTape *t, Entry *e, int d, int64_t *size, GError **error)
{
  const PsBlockDim *z = &e->zdims[d];
  const PsTensor *of;
  int axis;
  GString *dims;

  if (z->reg == -2)
    *size = z->size;
  else
    {
      of = ps_tape_in_of (t, z->reg);
      axis = z->axis < 0 ? z->axis + of->ndim : z->axis;
      if (axis < 0 || axis >= of->ndim)
        {
          dims = g_string_new ("[");
          for (int k = 0; k < of->ndim; k++)
            g_string_append_printf (dims, k ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT,
                                    of->shape[k]);
          g_string_append_c (dims, ']');
          shape_error (t, e, error, "tuple index out of range (shape[%d] of a tensor of shape "
                       "%s)", z->axis, dims->str);
          g_string_free (dims, TRUE);
          return FALSE;
        }
      *size = of->shape[axis];
    }
  if (*size < 0)
    return shape_error (t, e, error, "Trying to create tensor with negative dimension %"
                        G_GINT64_FORMAT, *size);
  return TRUE;
}

/* A step of a known container's forward that is not a module (ps-block.h). */
gboolean
ps_tape_forward_block (PsTape *t, Entry *e, const PsTensor *in, GError **error)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  int ndim = in->ndim;

  memcpy (shape, in->shape, sizeof shape);
  switch (e->kind)
    {
    case ENTRY_MISSING:
      {
        g_autofree char *path = ps_tape_module_path (t, e->module);
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s's forward calls self.%s, which "
                     "it does not have", path, ps_module_get_type_name (e->module), e->missing);
        return FALSE;
      }
    case ENTRY_ADD:
      {
        const PsTensor *b = ps_tape_in_of (t, e->src[1]);
        if (!ps_tensor_same_shape (in, b))
          {
            /* PyTorch's broadcasting message: the dimensions compared from the last */
            int d = 0;
            for (int k = 1; k <= MAX (in->ndim, b->ndim); k++)
              {
                int64_t sa = k <= in->ndim ? in->shape[in->ndim - k] : 1;
                int64_t sb = k <= b->ndim ? b->shape[b->ndim - k] : 1;
                if (sa != sb)
                  {
                    d = MAX (in->ndim, b->ndim) - k;
                    return shape_error (t, e, error, "The size of tensor a (%" G_GINT64_FORMAT
                                        ") must match the size of tensor b (%" G_GINT64_FORMAT
                                        ") at non-singleton dimension %d", sa, sb, d);
                  }
              }
            return shape_error (t, e, error, "the two tensors added differ in rank");
          }
        if (!ps_tensor_resize (e->out, ndim, shape))
          goto oom;
        if (t->planning)
          return TRUE;
        for (int64_t i = 0; i < in->numel; i++)
          e->out->data[i] = in->data[i] + b->data[i];
        return TRUE;
      }
    case ENTRY_SCALE:
      {
        /* scale * x, scale (N, C, 1, ...) from the kept value: PyTorch's broadcasting */
        const PsTensor *b = ps_tape_in_of (t, e->src[1]);
        int64_t inner;
        for (int k = 1; k <= MAX (in->ndim, b->ndim); k++)
          {
            int64_t sa = k <= in->ndim ? in->shape[in->ndim - k] : 1;
            int64_t sb = k <= b->ndim ? b->shape[b->ndim - k] : 1;
            if (sa != sb && sa != 1)
              return shape_error (t, e, error, "The size of tensor a (%" G_GINT64_FORMAT
                                  ") must match the size of tensor b (%" G_GINT64_FORMAT
                                  ") at non-singleton dimension %d", sa, sb,
                                  MAX (in->ndim, b->ndim) - k);
          }
        if (in->ndim != b->ndim || b->ndim < 2 || in->numel != b->shape[0] * b->shape[1])
          return shape_error (t, e, error, "a scale of shape (N, C, 1, ...) for each channel "
                              "of a tensor (N, C, ...): ParamScope records only that product");
        if (!ps_tensor_resize (e->out, b->ndim, b->shape))
          goto oom;
        if (t->planning)
          return TRUE;
        inner = in->numel ? b->numel / in->numel : 0;
        for (int64_t nc = 0; nc < in->numel; nc++)
          for (int64_t i = 0; i < inner; i++)
            e->out->data[nc * inner + i] = in->data[nc] * b->data[nc * inner + i];
        return TRUE;
      }
    case ENTRY_CAT:
      {
        int64_t C = 0, outer, inner;
        if (ndim < 2)
          return shape_error (t, e, error, "Dimension out of range (expected to be in range "
                              "of [%d, %d], but got 1)", -MAX (ndim, 1), MAX (ndim, 1) - 1);
        for (int k = 0; k < e->n_src; k++)
          {
            const PsTensor *a = ps_tape_in_of (t, e->src[k]);
            if (a->ndim != ndim)
              return shape_error (t, e, error, "Tensors must have same number of dimensions: "
                                  "got %d and %d", ndim, a->ndim);
            for (int d = 0; d < ndim; d++)
              if (d != 1 && a->shape[d] != shape[d])
                return shape_error (t, e, error, "Sizes of tensors must match except in "
                                    "dimension 1. Expected size %" G_GINT64_FORMAT " but got "
                                    "size %" G_GINT64_FORMAT " for tensor number %d in the "
                                    "list.", shape[d], a->shape[d], k);
            C += a->shape[1];
          }
        shape[1] = C;
        if (!ps_tensor_resize (e->out, ndim, shape))
          goto oom;
        if (t->planning)
          return TRUE;
        outer = shape[0];
        inner = C ? e->out->numel / (outer * C) : 0;
        for (int64_t o = 0; o < outer; o++)
          {
            float *dst = e->out->data + o * C * inner;
            for (int k = 0; k < e->n_src; k++)
              {
                const PsTensor *a = ps_tape_in_of (t, e->src[k]);
                size_t n = (size_t) (a->shape[1] * inner);
                memcpy (dst, a->data + o * n, n * sizeof (float));
                dst += n;
              }
          }
        return TRUE;
      }
    case ENTRY_RELU:
    case ENTRY_SIGMOID:
    case ENTRY_TANH:
      if (!ps_tensor_resize (e->out, ndim, shape))
        goto oom;
      if (t->planning)
        return TRUE;
      if (e->kind == ENTRY_SIGMOID)          /* as the Sigmoid and Tanh modules */
        ps_sigmoid_array (in->data, e->out->data, in->numel);
      else if (e->kind == ENTRY_TANH)
        ps_tanh_array (in->data, e->out->data, in->numel);
      else
        for (int64_t i = 0; i < in->numel; i++)
          e->out->data[i] = in->data[i] > 0.f ? in->data[i] : 0.f;
      return TRUE;
    case ENTRY_FLATTEN:
      if (ndim < 2)
        return shape_error (t, e, error, "Dimension out of range (expected to be in range of "
                            "[%d, %d], but got 1)", -MAX (ndim, 1), MAX (ndim, 1) - 1);
      shape[1] = in->numel / MAX (shape[0], 1);
      if (shape[0] == 0)
        {
          shape[1] = 1;
          for (int d = 1; d < ndim; d++)
            shape[1] *= in->shape[d];
        }
      if (!ps_tensor_resize (e->out, 2, shape))
        goto oom;
      if (t->planning)
        return TRUE;
      memcpy (e->out->data, in->data, (size_t) in->numel * sizeof (float));
      return TRUE;
    case ENTRY_MEAN:
    case ENTRY_MEAN_KEEPDIM:
      {
        int64_t outer, inner = 1;
        if (ndim != 4)
          return shape_error (t, e, error, "mean over dimensions (2, 3) of a tensor of %d "
                              "dimensions: ParamScope records it for 4-D tensors", ndim);
        for (int d = 2; d < ndim; d++)
          {
            inner *= shape[d];
            shape[d] = 1;
          }
        if (!ps_tensor_resize (e->out, e->kind == ENTRY_MEAN ? 2 : ndim, shape))
          goto oom;
        if (t->planning)
          return TRUE;
        outer = shape[0] * shape[1];
        for (int64_t o = 0; o < outer; o++)
          {
            const float *src = in->data + o * inner;
            double sum = 0;
            for (int64_t i = 0; i < inner; i++)
              sum += src[i];
            e->out->data[o] = inner ? (float) (sum / (double) inner) : NAN;
          }
        return TRUE;
      }
    case ENTRY_OUTPUT:
      /* the recurrent layer's output itself, read by the layers after it */
      if (!ps_tensor_resize (e->out, ndim, shape))
        goto oom;
      if (t->planning)
        return TRUE;
      memcpy (e->out->data, in->data, (size_t) in->numel * sizeof (float));
      return TRUE;
    case ENTRY_ZEROS:
      {
        int64_t zshape[PS_TENSOR_MAX_DIMS];
        for (int d = 0; d < e->zndim; d++)
          if (!ps_tape_dim_size (t, e, d, &zshape[d], error))
            return FALSE;
        if (!ps_tensor_resize (e->out, e->zndim, zshape))
          goto oom;
        if (!t->planning)
          memset (e->out->data, 0, (size_t) e->out->numel * sizeof (float));
        return TRUE;
      }
    case ENTRY_CONST:
      if (!ps_tensor_resize (e->out, e->cval->ndim, e->cval->shape))
        goto oom;
      if (!t->planning)
        memcpy (e->out->data, e->cval->data, (size_t) e->cval->numel * sizeof (float));
      return TRUE;
    case ENTRY_PARAM:
      {
        const PsTensor *v = ps_param_get_data (e->w);
        if (!ps_param_is_initialized (e->w))
          {
            g_autofree char *path = ps_tape_module_path (t, e->module);
            g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED, "%s: a parameter read in "
                         "forward() is uninitialized (lazy)", path);
            return FALSE;
          }
        if (!ps_tensor_resize (e->out, v->ndim, v->shape))
          goto oom;
        if (t->planning)
          return TRUE;
        memcpy (e->out->data, v->data, (size_t) v->numel * sizeof (float));
        e->w_version = ps_param_get_data_version (e->w);
        return TRUE;
      }
    case ENTRY_RESHAPE:
      if (e->zndim == 1 && !ps_tape_dim_size (t, e, 0, &e->cols, error))
        return FALSE;
      if (e->cols <= 0 || in->numel % e->cols != 0)
        {
          g_autofree char *dims = g_strdup_printf ("%" G_GINT64_FORMAT, in->shape[0]);
          for (int d = 1; d < ndim; d++)
            {
              char *more = g_strdup_printf ("%s, %" G_GINT64_FORMAT, dims, in->shape[d]);
              g_free (dims);
              dims = more;
            }
          return shape_error (t, e, error, "shape '[-1, %" G_GINT64_FORMAT "]' is invalid for "
                              "input of size %" G_GINT64_FORMAT " (a tensor of shape [%s])",
                              e->cols, in->numel, dims);
        }
      shape[0] = in->numel / e->cols;
      shape[1] = e->cols;
      if (!ps_tensor_resize (e->out, 2, shape))
        goto oom;
      if (t->planning)
        return TRUE;
      memcpy (e->out->data, in->data, (size_t) in->numel * sizeof (float));
      return TRUE;
    case ENTRY_CHUNK:
    case ENTRY_SHUFFLE:
      {
        /* (N, C, ...) viewed as (N, 2, C / 2, inner) for a chunk, as (N, g, C / g, inner)
         * transposed to (N, C / g, g, inner) for a shuffle */
        int64_t parts = e->kind == ENTRY_CHUNK ? 2 : e->arg, C, outer, inner, per;
        if (ndim < 2)
          return shape_error (t, e, error, "Dimension out of range (expected to be in range "
                              "of [%d, %d], but got 1)", -MAX (ndim, 1), MAX (ndim, 1) - 1);
        C = shape[1];
        if (e->kind == ENTRY_CHUNK ? C % 2 != 0 : ndim != 4 || C % parts != 0)
          return shape_error (t, e, error, "%s of a tensor of shape [%" G_GINT64_FORMAT ", %"
                              G_GINT64_FORMAT ", ...] (%d dimensions): ParamScope records it "
                              "for a channel count divisible by %" G_GINT64_FORMAT "%s",
                              e->kind == ENTRY_CHUNK ? "x.chunk(2, dim=1)" : "channel_shuffle",
                              shape[0], C, ndim, parts,
                              e->kind == ENTRY_CHUNK ? "" : " and 4 dimensions");
        per = C / parts;
        if (e->kind == ENTRY_CHUNK)
          shape[1] = per;
        if (!ps_tensor_resize (e->out, ndim, shape))
          goto oom;
        if (t->planning)
          return TRUE;
        outer = shape[0];
        inner = C ? in->numel / (outer * C) : 0;
        for (int64_t o = 0; o < outer; o++)
          {
            const float *src = in->data + o * C * inner;
            float *dst = e->out->data + o * e->out->shape[1] * inner;
            if (e->kind == ENTRY_CHUNK)
              memcpy (dst, src + e->arg * per * inner, (size_t) (per * inner) * sizeof (float));
            else
              for (int64_t g = 0; g < parts; g++)
                for (int64_t c = 0; c < per; c++)
                  memcpy (dst + (c * parts + g) * inner, src + (g * per + c) * inner,
                          (size_t) inner * sizeof (float));
          }
        return TRUE;
      }
    case ENTRY_OP:
      {
        /* the layer's own kernels, as its module would run them (no parameters) */
        PsLayerOpIO io = { .x = in->data, .training = ps_tape_mode_of (t, e->module), .rng = t->rng };
        g_autoptr (GError) local = NULL;
        if (e->fop)
          e->op = *e->fop;
        if (e->op.kind == PS_OP_STOCHASTIC_DEPTH && io.training && e->op.p > 0 && t->rng == NULL)
          return shape_error (t, e, error, "StochasticDepth in training mode needs a random "
                              "generator");
        if (!ps_layer_op_plan (&e->op, &e->st, ndim, in->shape, &ndim, shape, &local))
          return shape_error (t, e, error, "%s: %s", e->op.name, local->message);
        if (!ps_tensor_resize (e->out, ndim, shape))
          goto oom;
        if (t->planning)
          return TRUE;
        io.y = e->out->data;
        ps_layer_op_forward (&e->op, &e->st, &io);
        return TRUE;
      }
    case ENTRY_MODULE:
      break;
    }
  g_assert_not_reached ();
oom:
  g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for activations");
  return FALSE;
}

/* Hand g = dL/d(output of entry s) from one of its readers: kept as is for a
 * single reader (owned: the entry may overwrite it), summed into the
 * entry's own accumulator when several read it. */
gboolean
ps_tape_deliver (PsTape *t, int s, PsTensor *g, gboolean owned, GError **error)
{
  Entry *e;

  if (s < 0)
    return TRUE;
  e = &t->pool[s];
  if (e->fanout <= 1)
    {
      e->g = g;
      e->g_owned = owned;
      return TRUE;
    }
  if (e->acc == NULL)
    e->acc = ps_tensor_new_1d (0);
  if (!e->acc_started)
    {
      if (!ps_tensor_resize (e->acc, e->out->ndim, e->out->shape))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
          return FALSE;
        }
      memcpy (e->acc->data, g->data, (size_t) g->numel * sizeof (float));
      e->acc_started = TRUE;
    }
  else
    for (int64_t i = 0; i < g->numel; i++)
      e->acc->data[i] += g->data[i];
  e->g = e->acc;
  e->g_owned = TRUE;
  return TRUE;
}

/* A copy of g (shape of entry src's output) in buf, to hand to src. */
static PsTensor *
grad_copy (PsTensor **buf, int src, PsTape *t, const float *g, GError **error)
{
  const PsTensor *in = ps_tape_in_of (t, src);
  if (*buf == NULL)
    *buf = ps_tensor_new_1d (0);
  if (!ps_tensor_resize (*buf, in->ndim, in->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
      return NULL;
    }
  if (g)
    memcpy ((*buf)->data, g, (size_t) in->numel * sizeof (float));
  return *buf;
}

/* Backward through a step of a known container's forward: its inputs'
 * gradients are delivered to their entries. */
gboolean
ps_tape_backward_block (PsTape *t, guint idx, GError **error)
{
  Entry *e = &t->pool[idx];
  PsTensor *g = e->g;
  gboolean owned = e->g_owned;

  switch (e->kind)
    {
    case ENTRY_ADD:
      /* the second input gets its own copy: the first's backward may work in place */
      if (e->src[1] >= 0)
        {
          PsTensor *c = e->src[1] != e->src[0] && t->pool[e->src[1]].fanout == 1
                        ? grad_copy (&e->dxs[0], e->src[1], t, g->data, error) : g;
          if (c == NULL || !ps_tape_deliver (t, e->src[1], c, c != g, error))
            return FALSE;
        }
      return ps_tape_deliver (t, e->src[0], g, owned, error);
    case ENTRY_CAT:
      {
        int64_t C = e->out->shape[1], outer = e->out->shape[0];
        int64_t inner = C && outer ? e->out->numel / (outer * C) : 0, c0 = 0;
        for (int k = 0; k < e->n_src; k++)
          {
            const PsTensor *a = ps_tape_in_of (t, e->src[k]);
            int64_t n = a->shape[1] * inner;
            PsTensor *d;
            if (e->src[k] < 0)
              {
                c0 += a->shape[1];
                continue;
              }
            d = grad_copy (&e->dxs[k], e->src[k], t, NULL, error);
            if (d == NULL)
              return FALSE;
            for (int64_t o = 0; o < outer; o++)
              memcpy (d->data + o * n, g->data + (o * C + c0) * inner, (size_t) n * sizeof (float));
            c0 += a->shape[1];
            if (!ps_tape_deliver (t, e->src[k], d, TRUE, error))
              return FALSE;
          }
        return TRUE;
      }
    case ENTRY_RELU:
    case ENTRY_SIGMOID:
    case ENTRY_TANH:
    case ENTRY_FLATTEN:
    case ENTRY_OUTPUT:
    case ENTRY_RESHAPE:
      {
        PsTensor *d;
        if (e->src[0] < 0)
          return TRUE;
        if (owned)
          {
            const PsTensor *in = ps_tape_in_of (t, e->src[0]);
            d = g;
            ps_tensor_reshape (d, in->ndim, in->shape);
          }
        else if ((d = grad_copy (&e->dx, e->src[0], t, NULL, error)) == NULL)
          return FALSE;
        if (e->kind == ENTRY_RELU)
          ps_relu_backward (e->out->data, g->data, d->data, g->numel);
        else if (e->kind == ENTRY_SIGMOID)
          ps_sigmoid_backward_array (e->out->data, g->data, d->data, g->numel);
        else if (e->kind == ENTRY_TANH)
          {
            const float *y = e->out->data, *gv = g->data;
            for (int64_t i = 0; i < g->numel; i++)
              d->data[i] = gv[i] * (1.f - y[i] * y[i]);
          }
        else if (d != g)
          memcpy (d->data, g->data, (size_t) g->numel * sizeof (float));
        return ps_tape_deliver (t, e->src[0], d, TRUE, error);
      }
    case ENTRY_CHUNK:
    case ENTRY_SHUFFLE:
      {
        /* the forward's copies the other way; a chunk's other half gets zeros */
        const PsTensor *in;
        PsTensor *d;
        int64_t C, outer, inner, parts = e->kind == ENTRY_CHUNK ? 2 : e->arg, per;
        if (e->src[0] < 0)
          return TRUE;
        if ((d = grad_copy (&e->dx, e->src[0], t, NULL, error)) == NULL)
          return FALSE;
        in = ps_tape_in_of (t, e->src[0]);
        C = in->shape[1];
        outer = in->shape[0];
        inner = C && outer ? in->numel / (outer * C) : 0;
        per = C / parts;
        for (int64_t o = 0; o < outer; o++)
          {
            float *dst = d->data + o * C * inner;
            const float *src = g->data + o * e->out->shape[1] * inner;
            if (e->kind == ENTRY_CHUNK)
              {
                memset (dst, 0, (size_t) (C * inner) * sizeof (float));
                memcpy (dst + e->arg * per * inner, src, (size_t) (per * inner) * sizeof (float));
              }
            else
              for (int64_t gi = 0; gi < parts; gi++)
                for (int64_t c = 0; c < per; c++)
                  memcpy (dst + (gi * per + c) * inner, src + (c * parts + gi) * inner,
                          (size_t) inner * sizeof (float));
          }
        return ps_tape_deliver (t, e->src[0], d, TRUE, error);
      }
    case ENTRY_MEAN:
    case ENTRY_MEAN_KEEPDIM:
      {
        PsTensor *d;
        int64_t outer = e->out->numel, inner;
        if (e->src[0] < 0)
          return TRUE;
        if ((d = grad_copy (&e->dx, e->src[0], t, NULL, error)) == NULL)
          return FALSE;
        inner = outer ? d->numel / outer : 0;
        for (int64_t o = 0; o < outer; o++)
          {
            float v = g->data[o] / (float) inner;
            for (int64_t i = 0; i < inner; i++)
              d->data[o * inner + i] = v;
          }
        return ps_tape_deliver (t, e->src[0], d, TRUE, error);
      }
    case ENTRY_SCALE:
      {
        const PsTensor *sc = ps_tape_in_of (t, e->src[0]), *x = ps_tape_in_of (t, e->src[1]);
        int64_t inner = sc->numel ? x->numel / sc->numel : 0;
        if (e->src[1] >= 0)
          {
            PsTensor *d = grad_copy (&e->dxs[0], e->src[1], t, NULL, error);
            if (d == NULL)
              return FALSE;
            for (int64_t nc = 0; nc < sc->numel; nc++)
              for (int64_t i = 0; i < inner; i++)
                d->data[nc * inner + i] = g->data[nc * inner + i] * sc->data[nc];
            if (!ps_tape_deliver (t, e->src[1], d, TRUE, error))
              return FALSE;
          }
        if (e->src[0] >= 0)
          {
            PsTensor *d = grad_copy (&e->dx, e->src[0], t, NULL, error);
            if (d == NULL)
              return FALSE;
            for (int64_t nc = 0; nc < sc->numel; nc++)
              {
                double acc = 0;
                for (int64_t i = 0; i < inner; i++)
                  acc += (double) g->data[nc * inner + i] * x->data[nc * inner + i];
                d->data[nc] = (float) acc;
              }
            if (!ps_tape_deliver (t, e->src[0], d, TRUE, error))
              return FALSE;
          }
        return TRUE;
      }
    case ENTRY_ZEROS:
    case ENTRY_CONST:
      return TRUE;                  /* values made in forward(): nothing to train */
    case ENTRY_PARAM:
      {
        /* added into .grad as the recurrent layer's own weights are */
        gboolean overwrite;
        float *d;
        if (!ps_param_get_requires_grad (e->w))
          return TRUE;
        d = ps_param_grad_for_backward (e->w, &overwrite);
        if (overwrite)
          memcpy (d, g->data, (size_t) g->numel * sizeof (float));
        else
          for (int64_t i = 0; i < g->numel; i++)
            d[i] += g->data[i];
        return TRUE;
      }
    case ENTRY_OP:
      {
        PsTensor *d;
        PsLayerOpIO io = { 0 };
        if (e->src[0] < 0)
          return TRUE;
        if ((d = grad_copy (&e->dx, e->src[0], t, NULL, error)) == NULL)
          return FALSE;
        io.x = ps_tape_in_of (t, e->src[0])->data;
        io.y = e->out->data;
        io.dy = g->data;
        io.dx = d->data;
        ps_layer_op_backward (&e->op, &e->st, &io);
        return ps_tape_deliver (t, e->src[0], d, TRUE, error);
      }
    case ENTRY_MODULE:
    case ENTRY_MISSING:
      break;
    }
  g_assert_not_reached ();
  return FALSE;
}

