/* ps-autograd-layer.c — a layer of ps-layer-op called from code, eagerly
 *
 * `conv(X)` in a notebook runs the layer's kernels (ps-layer-op.h, the same
 * ones the tape runs) and records one autograd node, named as PyTorch 1.13
 * names it (ConvolutionBackward0, NativeBatchNormBackward0, ...), whose
 * backward is the layer's: the gradients of the input, the weight and the
 * bias reach the engine as those of any other op.  BatchNorm updates its
 * running statistics in training mode (module.train(), the default) and
 * uses them after module.eval(); Dropout draws its mask from the
 * interpreter's generator, and is the identity after eval().
 */
#include "ps-autograd-private.h"
#include "ps-i18n.h"
#include "ps-layer-op.h"
#include "ps-param.h"

#include <string.h>

typedef struct
{
  PsLayerOp      op;
  PsLayerOpState st;
  PsModule      *module;
  gboolean       training;
  float         *y;          /* the output as forward wrote it (backward of softmax, pools) */
} LayerCall;

static void
layer_call_free (gpointer p)
{
  LayerCall *c = p;
  ps_layer_op_state_clear (&c->st);
  g_clear_pointer (&c->module, ps_module_unref);
  g_free (c->y);
  g_free (c);
}

/* PyTorch 1.13's node of each layer on CPU */
static const char *
node_name (const PsLayerOp *op)
{
  switch (op->kind)
    {
    case PS_OP_CONV:
    case PS_OP_CONV_TRANSPOSE:   return "ConvolutionBackward0";
    case PS_OP_MAX_POOL:         return op->spatial == 1 ? "MaxPool1DWithIndicesBackward0"
                                                         : "MaxPool2DWithIndicesBackward0";
    case PS_OP_AVG_POOL:         return op->spatial == 1 ? "AvgPool1DBackward0" : "AvgPool2DBackward0";
    case PS_OP_ADAPTIVE_AVG_POOL:
      return op->out_size[0] == 1 && op->out_size[1] == 1 ? "MeanBackward1"
                                                          : "AdaptiveAvgPool2DBackward0";
    case PS_OP_ADAPTIVE_MAX_POOL: return "AdaptiveMaxPool2DBackward0";
    case PS_OP_BATCH_NORM:       return "NativeBatchNormBackward0";
    case PS_OP_LAYER_NORM:       return "NativeLayerNormBackward0";
    case PS_OP_GROUP_NORM:       return "NativeGroupNormBackward0";
    case PS_OP_DROPOUT:
    case PS_OP_STOCHASTIC_DEPTH: return "MulBackward0";
    case PS_OP_EMBEDDING:        return "EmbeddingBackward0";
    case PS_OP_SOFTMAX:          return "SoftmaxBackward0";
    case PS_OP_LOG_SOFTMAX:      return "LogSoftmaxBackward0";
    case PS_OP_PRELU:            return "PreluBackward0";
    case PS_OP_UNFLATTEN:        return "ViewBackward0";
    case PS_OP_ACT:
      switch (op->act.kind)
        {
        case PS_ACT_SILU:        return "SiluBackward0";
        case PS_ACT_ELU:
        case PS_ACT_SELU:        return "EluBackward0";
        case PS_ACT_SOFTPLUS:    return "SoftplusBackward0";
        case PS_ACT_MISH:        return "MishBackward0";
        case PS_ACT_HARDSWISH:   return "HardswishBackward0";
        case PS_ACT_HARDSIGMOID: return "HardsigmoidBackward0";
        case PS_ACT_RELU6:       return "HardtanhBackward0";
        case PS_ACT_RELU:        return "ReluBackward0";
        case PS_ACT_SIGMOID:     return "SigmoidBackward0";
        case PS_ACT_TANH:        return "TanhBackward0";
        case PS_ACT_LEAKY_RELU:  return "LeakyReluBackward0";
        default:                 return "ActivationBackward0";
        }
    default:
      return "LayerBackward0";
    }
}

static float *
buffer_data (PsModule *m, const char *name)
{
  PsParam *p = ps_module_get_buffer_by_name (m, name);
  return p && ps_param_get_data (p) ? ps_param_get_data (p)->data : NULL;
}

static gboolean
wants_grad (PsNode *n, int i)
{
  return i < n->n_inputs && (n->inputs[i].node != NULL || n->inputs[i].leaf != NULL);
}

static gboolean
layer_backward (PsNode *n, PsArray *grad_out, PsArray **grads_in, GError **error)
{
  LayerCall *c = n->user;
  g_autoptr (PsArray) x = NULL, w = NULL, g = NULL, dx = NULL, dw = NULL, db = NULL;
  PsLayerOpIO io = { 0 };

  if ((x = ps_node_saved (n, 0, error)) == NULL)
    return FALSE;
  x = ps_array_ref (x);
  if (n->saved[1])
    {
      if ((w = ps_node_saved (n, 1, error)) == NULL)
        return FALSE;
      w = ps_array_ref (w);
    }
  if ((g = ps_array_contiguous (grad_out, error)) == NULL)
    return FALSE;
  io.x = ps_array_data (x, error);
  io.y = c->y;
  io.dy = ps_array_data (g, error);
  io.weight = w ? ps_array_data (w, error) : NULL;
  io.training = c->training;
  if (c->op.kind == PS_OP_BATCH_NORM)
    {
      io.running_mean = buffer_data (c->module, "running_mean");
      io.running_var = buffer_data (c->module, "running_var");
    }
  if (io.x == NULL || io.dy == NULL || (w && io.weight == NULL))
    return FALSE;
  if (wants_grad (n, 0) && c->op.kind != PS_OP_EMBEDDING)
    {
      if ((dx = ps_array_new_zeros (PS_DTYPE_F32, x->ndim, x->shape, error)) == NULL)
        return FALSE;
      io.dx = ps_array_data (dx, error);
    }
  if (wants_grad (n, 1))
    {
      if ((dw = ps_array_new_zeros (PS_DTYPE_F32, n->inputs[1].ndim, n->inputs[1].shape,
                                    error)) == NULL)
        return FALSE;
      io.dweight = ps_array_data (dw, error);
    }
  if (wants_grad (n, 2))
    {
      if ((db = ps_array_new_zeros (PS_DTYPE_F32, n->inputs[2].ndim, n->inputs[2].shape,
                                    error)) == NULL)
        return FALSE;
      io.dbias = ps_array_data (db, error);
    }
  ps_layer_op_backward (&c->op, &c->st, &io);
  grads_in[0] = g_steal_pointer (&dx);
  if (n->n_inputs > 1)
    grads_in[1] = g_steal_pointer (&dw);
  if (n->n_inputs > 2)
    grads_in[2] = g_steal_pointer (&db);
  return TRUE;
}

/* The indices of an Embedding as the kernels take them (floats holding integers). */
static PsArray *
embedding_input (PsArray *x, GError **error)
{
  if (x->dtype != PS_DTYPE_I64)
    {
      ps_array_set_error (error, RUNTIME, "Expected tensor for argument #1 'indices' to have one "
                          "of the following scalar types: Long, Int; but got torch.%sTensor "
                          "instead (while checking arguments for embedding)",
                          x->dtype == PS_DTYPE_F64 ? "Double"
                          : x->dtype == PS_DTYPE_BOOL ? "Bool" : "Float");
      return NULL;
    }
  return ps_array_to_dtype (x, PS_DTYPE_F32, error);
}

/* module(x) for a PS_MODULE_LAYER that ps-layer-op runs; NULL with
 * PyTorch's message (nothing changed) when the input does not fit. */
PsArray *
ps_autograd_layer_forward (PsModule *m, PsArray *x, PsRng *rng, GError **error)
{
  LayerCall *c;
  g_autoptr (PsArray) xc = NULL, w = NULL, b = NULL, y = NULL;
  PsParam *pw, *pb;
  int ndim = -1;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  PsLayerOpIO io = { 0 };
  GError *local = NULL;

  c = g_new0 (LayerCall, 1);
  if (!ps_layer_op_from_module (m, &c->op))
    {
      ps_array_set_error (error, RUNTIME, _("%s with these options cannot be called from code yet"),
                          ps_module_get_type_name (m));
      layer_call_free (c);
      return NULL;
    }
  c->training = ps_module_get_training (m);
  if (c->op.kind == PS_OP_DROPOUT && (!c->training || c->op.p == 0))
    {
      layer_call_free (c);
      return ps_array_ref (x);       /* the identity, as PyTorch returns the input itself */
    }
  pw = ps_module_get_param_by_name (m, "weight");
  pb = ps_module_get_param_by_name (m, "bias");
  if ((pw && !ps_param_is_initialized (pw)) || (pb && !ps_param_is_initialized (pb)))
    {
      ps_array_set_error (error, RUNTIME, "Can't access the shape of an uninitialized parameter "
                          "or buffer. Call `forward` to initialize the parameters before "
                          "accessing their attributes.");
      layer_call_free (c);
      return NULL;
    }
  if (c->op.kind == PS_OP_EMBEDDING)
    xc = embedding_input (x, error);
  else if (x->dtype == PS_DTYPE_F64 && pb
           && (c->op.kind == PS_OP_CONV || c->op.kind == PS_OP_CONV_TRANSPOSE))
    ps_array_set_error (error, RUNTIME, "Input type (double) and bias type (float) should be the same");
  else if (x->dtype != PS_DTYPE_F32)
    ps_array_set_error (error, RUNTIME, "expected scalar type Float but found %s",
                        x->dtype == PS_DTYPE_F64 ? "Double"
                        : x->dtype == PS_DTYPE_I64 ? "Long" : "Bool");
  else
    xc = ps_array_contiguous (x, error);
  if (xc == NULL || (pw && (w = ps_array_new_for_param (pw, error)) == NULL)
      || (pb && (b = ps_array_new_for_param (pb, error)) == NULL))
    {
      layer_call_free (c);
      return NULL;
    }
  if (!ps_layer_op_plan (&c->op, &c->st, xc->ndim, xc->shape, &ndim, shape, &local)
      || (io.x = ps_array_data (xc, error)) == NULL
      || !ps_layer_op_check_input (&c->op, &c->st, io.x, &local))
    {
      /* an Embedding's index out of range is PyTorch's IndexError */
      if (local && ndim >= 0 && c->op.kind == PS_OP_EMBEDDING && io.x)
        ps_array_set_error (error, INDEX, "%s", local->message);
      else if (local)
        ps_array_set_error (error, RUNTIME, "%s", local->message);
      g_clear_error (&local);
      layer_call_free (c);
      return NULL;
    }
  if (!ps_layer_op_check_mode (&c->op, xc->ndim, xc->shape, c->training, &local))
    {
      /* nn.BatchNorm's forward counts the batch before F.batch_norm refuses
       * it: num_batches_tracked moves, the running statistics do not */
      PsParam *nbt = ps_module_get_buffer_by_name (m, "num_batches_tracked");
      if (nbt && ps_param_get_data (nbt))
        {
          ps_param_get_data (nbt)->data[0] += 1.f;
          ps_param_changed (nbt, PS_CHANGE_DATA);
        }
      ps_array_set_error (error, VALUE, "%s", local->message);
      g_clear_error (&local);
      layer_call_free (c);
      return NULL;
    }
  if (c->op.kind == PS_OP_DROPOUT && rng == NULL)
    {
      ps_array_set_error (error, RUNTIME, "Dropout in training mode needs a random generator");
      layer_call_free (c);
      return NULL;
    }
  if ((y = ps_array_alloc (PS_DTYPE_F32, ndim, shape, FALSE, error)) == NULL)
    {
      layer_call_free (c);
      return NULL;
    }
  io.y = ps_array_data (y, error);
  io.weight = w ? ps_array_data (w, error) : NULL;
  io.bias = b ? ps_array_data (b, error) : NULL;
  io.training = c->training;
  io.rng = rng;
  if (c->op.kind == PS_OP_BATCH_NORM)
    {
      io.running_mean = buffer_data (m, "running_mean");
      io.running_var = buffer_data (m, "running_var");
    }
  ps_layer_op_forward (&c->op, &c->st, &io);
  if (c->op.kind == PS_OP_BATCH_NORM && c->training && io.running_mean)
    ps_module_batch_norm_counted (m);
  {
    PsArray *inputs[3] = { c->op.kind == PS_OP_EMBEDDING ? NULL : xc, w, b };
    if (ps_autograd_needs_node (inputs, 3))
      {
        PsNode *node = ps_autograd_record (y, node_name (&c->op), layer_backward, inputs,
                                           b ? 3 : w ? 2 : 1);
        ps_node_save (node, 0, xc);
        ps_node_save (node, 1, w);
        c->module = ps_module_ref (m);
        c->y = g_memdup2 (io.y, (gsize) y->numel * sizeof (float));
        node->user = c;
        node->user_free = layer_call_free;
        c = NULL;
      }
  }
  if (c)
    layer_call_free (c);
  return g_steal_pointer (&y);
}
