/* ps-autograd-recurrent.c — nn.RNN, nn.GRU and nn.LSTM called from code, eagerly
 *
 * `out, h = rnn(X, h0)` and `out, (h, c) = lstm(X, (h0, c0))` run the call
 * of ps-layer-recurrent.h (the kernels the tape runs) and record one node,
 * whose inputs are x, h0, c0 and the layer's weights, and whose output holds
 * out, h_n and c_n end to end.  out, h_n and c_n are each a copy of their
 * part of it, recorded as a node named as PyTorch 1.13 names theirs on CPU
 * (StackBackward0; CatBackward0 for a bidirectional out, TransposeBackward0
 * or 1 when batch_first, SqueezeBackward1 for an unbatched input), whose
 * backward puts the gradient in its place: whichever of the three a loss
 * reads, the gradients meet in the one recurrent backward, which gives
 * those of x, h0, c0 and every weight.
 */
#include "ps-autograd-private.h"
#include "ps-layer-recurrent.h"
#include "ps-module.h"
#include "ps-param.h"

#include <string.h>

typedef struct
{
  PsRecurrentOp    op;
  PsRecurrentState st;
  int              n_w;
  PsArray        **w;        /* detached views of the weights as the forward read them */
  guint64         *w_version;
  const float    **w_data;
  float          **dw_data;
} RecurrentCall;

static void
recurrent_call_free (gpointer p)
{
  RecurrentCall *c = p;
  ps_recurrent_state_clear (&c->st);
  for (int k = 0; k < c->n_w; k++)
    g_clear_pointer (&c->w[k], ps_array_unref);
  g_free (c->w);
  g_free (c->w_version);
  g_free (c->w_data);
  g_free (c->dw_data);
  g_free (c);
}

static gboolean
has_edge (PsNode *n, int i)
{
  return i < n->n_inputs && (n->inputs[i].node != NULL || n->inputs[i].leaf != NULL);
}

static PsArray *
zeros_like_edge (PsNode *n, int i, GError **error)
{
  return ps_array_new_zeros (PS_DTYPE_F32, n->inputs[i].ndim, n->inputs[i].shape, error);
}

/* inputs: 0 x, 1 h0, 2 c0, 3.. the weights; grad_out: the packed out|h_n|c_n */
static gboolean
recurrent_backward (PsNode *n, PsArray *grad_out, PsArray **grads_in, GError **error)
{
  RecurrentCall *c = n->user;
  PsArray *x, *h0 = NULL, *c0 = NULL;
  g_autoptr (PsArray) g = NULL;
  PsArray **dw = NULL;
  PsRecurrentIO io = { 0 };
  const float *dy;
  gboolean ok = FALSE;

  if ((x = ps_node_saved (n, 0, error)) == NULL
      || (n->saved[1] && (h0 = ps_node_saved (n, 1, error)) == NULL)
      || (n->saved[2] && (c0 = ps_node_saved (n, 2, error)) == NULL))
    return FALSE;
  for (int k = 0; k < c->n_w; k++)
    if (!ps_autograd_check_version (c->w[k], c->w_version[k], NULL, error))
      return FALSE;
  if ((g = ps_array_contiguous (grad_out, error)) == NULL || (dy = ps_array_data (g, error)) == NULL)
    return FALSE;
  io.x = ps_array_data (x, error);
  io.h0 = h0 ? ps_array_data (h0, error) : NULL;
  io.c0 = c0 ? ps_array_data (c0, error) : NULL;
  io.weights = c->w_data;
  io.dy = dy;
  io.dhn = dy + c->st.out_numel;
  io.dcn = c->op.mode == PS_RNN_LSTM ? dy + c->st.out_numel + c->st.h_numel : NULL;
  for (int i = 0; i < 3; i++)
    if (has_edge (n, i) && (grads_in[i] = zeros_like_edge (n, i, error)) == NULL)
      goto out;
  io.dx = grads_in[0] ? ps_array_data (grads_in[0], error) : NULL;
  io.dh0 = grads_in[1] ? ps_array_data (grads_in[1], error) : NULL;
  io.dc0 = grads_in[2] ? ps_array_data (grads_in[2], error) : NULL;
  dw = grads_in + 3;
  for (int k = 0; k < c->n_w; k++)
    {
      c->dw_data[k] = NULL;
      if (has_edge (n, 3 + k))
        {
          if ((dw[k] = zeros_like_edge (n, 3 + k, error)) == NULL)
            goto out;
          c->dw_data[k] = ps_array_data (dw[k], error);
        }
    }
  io.dweights = c->dw_data;
  ps_recurrent_backward (&c->op, &c->st, &io);
  ok = TRUE;
out:
  if (!ok)
    for (int i = 0; i < n->n_inputs; i++)
      g_clear_pointer (&grads_in[i], ps_array_unref);
  return ok;
}

/* out, h_n or c_n: n[0] its offset in the packed output */
static gboolean
part_backward (PsNode *n, PsArray *grad_out, PsArray **grads_in, GError **error)
{
  g_autoptr (PsArray) g = NULL, all = NULL;
  const float *src;
  float *dst;

  if ((g = ps_array_contiguous (grad_out, error)) == NULL
      || (src = ps_array_data (g, error)) == NULL
      || (all = zeros_like_edge (n, 0, error)) == NULL
      || (dst = ps_array_data (all, error)) == NULL)
    return FALSE;
  memcpy (dst + n->n[0], src, (size_t) g->numel * sizeof (float));
  grads_in[0] = g_steal_pointer (&all);
  return TRUE;
}

/* a copy of packed[offset, offset + numel of shape) */
static PsArray *
part_new (PsArray *packed, int64_t offset, int ndim, const int64_t *shape, const char *name,
          GError **error)
{
  PsArray *a = ps_array_alloc (PS_DTYPE_F32, ndim, shape, FALSE, error);
  const float *src;
  float *dst;

  if (a == NULL)
    return NULL;
  src = ps_array_data (packed, error);
  dst = ps_array_data (a, error);
  memcpy (dst, src + offset, (size_t) a->numel * sizeof (float));
  if (packed->grad_fn)
    {
      PsNode *node = ps_autograd_record (a, name, part_backward, &packed, 1);
      node->n[0] = offset;
    }
  return a;
}

static void
array_unref0 (gpointer a)
{
  if (a)
    ps_array_unref (a);
}

static gboolean
float_input (PsArray *a, PsArray **out, GError **error)
{
  if (a == NULL)
    return TRUE;
  if (a->dtype != PS_DTYPE_F32)
    {
      /* the first matrix product meets float weights */
      ps_array_set_error (error, RUNTIME, "mat1 and mat2 must have the same dtype");
      return FALSE;
    }
  *out = ps_array_contiguous (a, error);
  return *out != NULL;
}

gboolean
ps_autograd_recurrent_forward (PsModule *m, PsArray *x, PsArray *h0, PsArray *c0,
                               PsArray **out, PsArray **hn, PsArray **cn, GError **error)
{
  RecurrentCall *c = g_new0 (RecurrentCall, 1);
  g_autoptr (PsArray) xc = NULL, hc = NULL, cc = NULL, packed = NULL;
  g_autoptr (GPtrArray) inputs = g_ptr_array_new_with_free_func (array_unref0);
  PsRecurrentIO io = { 0 };
  GError *local = NULL;
  gboolean lstm, ok = FALSE;
  int64_t packed_n;
  float *p;

  *out = *hn = NULL;
  if (cn)
    *cn = NULL;
  if (!ps_recurrent_op_from_module (m, &c->op, &local))
    goto fail;
  lstm = c->op.mode == PS_RNN_LSTM;
  if (!float_input (x, &xc, error) || !float_input (h0, &hc, error) || !float_input (c0, &cc, error))
    goto out;
  if (!ps_recurrent_plan (&c->op, &c->st, xc->ndim, xc->shape, hc ? hc->ndim : 0,
                          hc ? hc->shape : NULL, cc ? cc->ndim : 0, cc ? cc->shape : NULL,
                          ps_module_get_training (m), &local))
    goto fail;
  c->n_w = (int) ps_module_get_n_params (m);
  c->w = g_new0 (PsArray *, c->n_w);
  c->w_version = g_new0 (guint64, c->n_w);
  c->w_data = g_new0 (const float *, c->n_w);
  c->dw_data = g_new0 (float *, c->n_w);
  g_ptr_array_add (inputs, ps_array_ref (xc));
  g_ptr_array_add (inputs, hc ? ps_array_ref (hc) : NULL);
  g_ptr_array_add (inputs, cc ? ps_array_ref (cc) : NULL);
  for (int k = 0; k < c->n_w; k++)
    {
      PsArray *w = ps_array_new_for_param (ps_module_get_param (m, (guint) k), error);
      if (w == NULL)
        goto out;
      g_ptr_array_add (inputs, w);
      c->w[k] = ps_array_detach (w);
      c->w_version[k] = w->storage->version;
      if ((c->w_data[k] = ps_array_data (w, error)) == NULL)
        goto out;
    }
  packed_n = c->st.out_numel + c->st.h_numel * (lstm ? 2 : 1);
  if ((packed = ps_array_alloc (PS_DTYPE_F32, 1, &packed_n, FALSE, error)) == NULL
      || (p = ps_array_data (packed, error)) == NULL
      || (io.x = ps_array_data (xc, error)) == NULL)
    goto out;
  io.h0 = hc ? ps_array_data (hc, error) : NULL;
  io.c0 = cc ? ps_array_data (cc, error) : NULL;
  io.weights = c->w_data;
  io.y = p;
  io.hn = p + c->st.out_numel;
  io.cn = lstm ? p + c->st.out_numel + c->st.h_numel : NULL;
  ps_recurrent_forward (&c->op, &c->st, &io);

  if (ps_autograd_needs_node ((PsArray *const *) inputs->pdata, (int) inputs->len))
    {
      PsNode *node = ps_autograd_record (packed, lstm ? "LstmBackward" : "RnnBackward",
                                         recurrent_backward, (PsArray *const *) inputs->pdata,
                                         (int) inputs->len);
      ps_node_save (node, 0, xc);
      ps_node_save (node, 1, hc);
      ps_node_save (node, 2, cc);
      node->user = c;
      node->user_free = recurrent_call_free;
      c = NULL;
    }
  {
    const RecurrentCall *k = c ? c : packed->grad_fn->user;
    const PsRecurrentState *st = &k->st;
    const char *out_name = st->unbatched ? "SqueezeBackward1"
                           : k->op.batch_first ? (lstm ? "TransposeBackward0" : "TransposeBackward1")
                           : k->op.bidirectional ? "CatBackward0" : "StackBackward0";
    const char *h_name = st->unbatched ? "SqueezeBackward1" : "StackBackward0";

    if ((*out = part_new (packed, 0, st->out_ndim, st->out_shape, out_name, error)) == NULL
        || (*hn = part_new (packed, st->out_numel, st->h_ndim, st->h_shape, h_name, error)) == NULL
        || (lstm && cn && (*cn = part_new (packed, st->out_numel + st->h_numel, st->h_ndim,
                                           st->h_shape, h_name, error)) == NULL))
      goto out;
  }
  ok = TRUE;
  goto out;
fail:
  ps_array_set_error (error, RUNTIME, "%s", local->message);
  g_clear_error (&local);
out:
  if (!ok)
    {
      g_clear_pointer (out, ps_array_unref);
      g_clear_pointer (hn, ps_array_unref);
      if (cn)
        g_clear_pointer (cn, ps_array_unref);
    }
  if (c)
    recurrent_call_free (c);
  return ok;
}
