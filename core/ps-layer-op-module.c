/* ps-layer-op-module.c — a module's constructor options as a PsLayerOp
 *
 * Defaults are PyTorch 1.13's constructors' (Conv2d: stride 1, padding 0,
 * dilation 1, groups 1, bias True; pools: stride = kernel_size; BatchNorm:
 * eps 1e-5, momentum 0.1, affine, track_running_stats; ...).  Options are
 * read by their PyTorch names (kernel_size, stride, ...).
 */
#include "ps-layer-op.h"
#include "ps-module.h"

#include <string.h>

/* an int or tuple option into n ints; fallback when absent */
static void
ints (PsModule *m, const char *name, int64_t *out, int n, int64_t fallback)
{
  int64_t v[4];
  int got = ps_module_get_option_ints (m, name, v, n);

  for (int i = 0; i < n; i++)
    out[i] = got <= 0 ? fallback : v[got == 1 ? 0 : MIN (i, got - 1)];
}

/* an option given as None (an empty maybe) */
static gboolean
is_none (PsModule *m, const char *name)
{
  GVariant *v = ps_module_get_option (m, name);
  return v != NULL && g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE)
         && g_variant_n_children (v) == 0;
}

/* the 1-d layers keep their single size in the second slot (H = 1: kernel,
 * stride and dilation 1 there, padding 0) */
static void
spatial_ints (PsModule *m, const char *name, int sp, int64_t *out, int64_t fallback)
{
  if (sp == 2)
    ints (m, name, out, 2, fallback);
  else
    {
      out[0] = fallback == 0 ? 0 : 1;
      ints (m, name, out + 1, 1, fallback);
    }
}

static const struct
{
  const char *name;
  PsActKind   kind;
} acts[] = {
  { "SiLU", PS_ACT_SILU }, { "ELU", PS_ACT_ELU }, { "SELU", PS_ACT_SELU },
  { "Softplus", PS_ACT_SOFTPLUS }, { "Mish", PS_ACT_MISH }, { "Hardswish", PS_ACT_HARDSWISH },
  { "Hardsigmoid", PS_ACT_HARDSIGMOID }, { "ReLU6", PS_ACT_RELU6 },
};

/* A Keras layer (ps_module_is_keras): Dense, Activation and ReLU with an
 * activation of keras.activations the kernels have; Dense's kernel must
 * exist (the model called once). */
static gboolean
keras_op (PsModule *m, const char *t, PsLayerOp *op)
{
  static const struct { const char *name; PsActKind kind; double alpha; } kacts[] = {
    { "relu", PS_ACT_RELU, 0 }, { "sigmoid", PS_ACT_SIGMOID, 0 }, { "tanh", PS_ACT_TANH, 0 },
    { "silu", PS_ACT_SILU, 0 }, { "swish", PS_ACT_SILU, 0 },
    { "leaky_relu", PS_ACT_LEAKY_RELU, 0.2 },      /* Keras' negative_slope */
  };
  const char *act = ps_module_get_option_string (m, "activation");
  gboolean dense = strcmp (t, "Dense") == 0;

  if (act == NULL || (!dense && strcmp (t, "Activation") != 0 && strcmp (t, "ReLU") != 0))
    return FALSE;
  op->kind = dense ? PS_OP_DENSE : PS_OP_ACT;
  if (strcmp (act, "linear") != 0)
    {
      guint i;
      for (i = 0; i < G_N_ELEMENTS (kacts) && strcmp (act, kacts[i].name) != 0; i++)
        ;
      if (i == G_N_ELEMENTS (kacts))
        return FALSE;
      op->act.kind = kacts[i].kind;
      op->act.alpha = kacts[i].alpha;
      op->dense_act = TRUE;
    }
  else if (!dense)
    return FALSE;   /* Activation('linear'): nothing to run, the tape has no identity op */
  if (dense)
    {
      PsParam *k = ps_module_get_param_by_name (m, "kernel");
      int64_t shape[PS_TENSOR_MAX_DIMS];
      if (k == NULL || ps_param_get_shape (k, shape) != 2)
        return FALSE;
      op->in_ch = shape[0];
      op->out_ch = shape[1];
      op->bias = ps_module_get_param_by_name (m, "bias") != NULL;
    }
  return TRUE;
}

gboolean
ps_layer_op_from_module (PsModule *m, PsLayerOp *op)
{
  const char *t;

  memset (op, 0, sizeof *op);
  if (ps_module_get_kind (m) != PS_MODULE_LAYER)
    return FALSE;
  t = ps_module_get_type_name (m);
  op->name = t;
  if (ps_module_is_keras (m))
    {
      op->name = ps_module_get_option_string (m, "name");   /* Keras names the layer in messages */
      if (op->name == NULL)
        op->name = t;
      return keras_op (m, t, op);
    }

  for (guint i = 0; i < G_N_ELEMENTS (acts); i++)
    if (strcmp (t, acts[i].name) == 0)
      {
        op->kind = PS_OP_ACT;
        op->act.kind = acts[i].kind;
        if (acts[i].kind == PS_ACT_ELU)
          op->act.alpha = ps_module_get_option_double (m, "alpha", 1.0);
        else if (acts[i].kind == PS_ACT_SOFTPLUS)
          {
            op->act.alpha = ps_module_get_option_double (m, "beta", 1.0);
            op->act.threshold = ps_module_get_option_double (m, "threshold", 20.0);
          }
        return TRUE;
      }

  if (strcmp (t, "Conv1d") == 0 || strcmp (t, "Conv2d") == 0
      || strcmp (t, "ConvTranspose1d") == 0 || strcmp (t, "ConvTranspose2d") == 0)
    {
      const char *padding = ps_module_get_option_string (m, "padding");
      const char *mode = ps_module_get_option_string (m, "padding_mode");
      if (mode && strcmp (mode, "zeros") != 0)
        return FALSE;
      op->kind = strstr (t, "Transpose") ? PS_OP_CONV_TRANSPOSE : PS_OP_CONV;
      op->spatial = t[strlen (t) - 2] == '2' ? 2 : 1;
      op->in_ch = ps_module_get_option_int (m, "in_channels", 0);
      op->out_ch = ps_module_get_option_int (m, "out_channels", 0);
      spatial_ints (m, "kernel_size", op->spatial, op->k, 1);
      spatial_ints (m, "stride", op->spatial, op->stride, 1);
      spatial_ints (m, "dilation", op->spatial, op->dil, 1);
      spatial_ints (m, "output_padding", op->spatial, op->out_pad, 0);
      if (padding && strcmp (padding, "same") == 0)
        op->same = TRUE;
      else if (padding == NULL)       /* 'valid' is 0 */
        spatial_ints (m, "padding", op->spatial, op->pad, 0);
      op->groups = ps_module_get_option_int (m, "groups", 1);
      op->bias = ps_module_get_param_by_name (m, "bias") != NULL;
      return op->in_ch > 0 && op->out_ch > 0 && op->groups > 0;
    }

  if (strcmp (t, "MaxPool1d") == 0 || strcmp (t, "MaxPool2d") == 0
      || strcmp (t, "AvgPool1d") == 0 || strcmp (t, "AvgPool2d") == 0)
    {
      op->kind = t[0] == 'M' ? PS_OP_MAX_POOL : PS_OP_AVG_POOL;
      op->spatial = t[strlen (t) - 2] == '2' ? 2 : 1;
      spatial_ints (m, "kernel_size", op->spatial, op->k, 1);
      spatial_ints (m, "stride", op->spatial, op->stride, 0);   /* 0 (None): the kernel size */
      spatial_ints (m, "padding", op->spatial, op->pad, 0);
      spatial_ints (m, "dilation", op->spatial, op->dil, 1);
      op->ceil_mode = ps_module_get_option_bool (m, "ceil_mode", FALSE);
      op->count_include_pad = ps_module_get_option_bool (m, "count_include_pad", TRUE);
      /* divisor_override is not supported */
      return (ps_module_get_option (m, "divisor_override") == NULL
              || is_none (m, "divisor_override"))
             && !ps_module_get_option_bool (m, "return_indices", FALSE);
    }

  if (strcmp (t, "AdaptiveAvgPool2d") == 0 || strcmp (t, "AdaptiveMaxPool2d") == 0
      || strcmp (t, "AdaptiveAvgPool1d") == 0)
    {
      op->kind = strstr (t, "Max") ? PS_OP_ADAPTIVE_MAX_POOL : PS_OP_ADAPTIVE_AVG_POOL;
      op->spatial = t[strlen (t) - 2] == '2' ? 2 : 1;
      /* output_size: an int or a tuple; None in a tuple (kept size) reads as 0 */
      spatial_ints (m, "output_size", op->spatial, op->out_size, 0);
      return !ps_module_get_option_bool (m, "return_indices", FALSE);
    }

  if (strcmp (t, "BatchNorm1d") == 0 || strcmp (t, "BatchNorm2d") == 0)
    {
      op->kind = PS_OP_BATCH_NORM;
      op->spatial = t[strlen (t) - 2] == '2' ? 2 : 1;
      op->num_features = ps_module_get_option_int (m, "num_features", 0);
      op->eps = ps_module_get_option_double (m, "eps", 1e-5);
      op->momentum = ps_module_get_option_double (m, "momentum", 0.1);
      op->affine = ps_module_get_param_by_name (m, "weight") != NULL;
      op->track_running_stats = ps_module_get_buffer_by_name (m, "running_mean") != NULL;
      /* momentum=None (a cumulative average) is not supported */
      return op->num_features > 0 && !is_none (m, "momentum");
    }

  if (strcmp (t, "LayerNorm") == 0)
    {
      op->kind = PS_OP_LAYER_NORM;
      op->norm_ndim = ps_module_get_option_ints (m, "normalized_shape", op->norm_shape,
                                                 PS_TENSOR_MAX_DIMS);
      op->eps = ps_module_get_option_double (m, "eps", 1e-5);
      op->affine = ps_module_get_param_by_name (m, "weight") != NULL;
      return op->norm_ndim > 0 && op->norm_ndim <= PS_TENSOR_MAX_DIMS;
    }

  if (strcmp (t, "GroupNorm") == 0)
    {
      op->kind = PS_OP_GROUP_NORM;
      op->num_groups = ps_module_get_option_int (m, "num_groups", 0);
      op->num_features = ps_module_get_option_int (m, "num_channels", 0);
      op->eps = ps_module_get_option_double (m, "eps", 1e-5);
      op->affine = ps_module_get_param_by_name (m, "weight") != NULL;
      return op->num_groups > 0 && op->num_features > 0;
    }

  if (strcmp (t, "Dropout") == 0)
    {
      op->kind = PS_OP_DROPOUT;
      op->p = ps_module_get_option_double (m, "p", 0.5);
      return TRUE;
    }

  if (strcmp (t, "Embedding") == 0)
    {
      op->kind = PS_OP_EMBEDDING;
      op->num_embeddings = ps_module_get_option_int (m, "num_embeddings", 0);
      op->embedding_dim = ps_module_get_option_int (m, "embedding_dim", 0);
      op->padding_idx = is_none (m, "padding_idx") ? -1
                        : ps_module_get_option_int (m, "padding_idx", -1);
      if (op->padding_idx < -1)
        op->padding_idx += op->num_embeddings;
      return op->num_embeddings > 0 && op->embedding_dim > 0;
    }

  if (strcmp (t, "Softmax") == 0 || strcmp (t, "LogSoftmax") == 0)
    {
      op->kind = t[0] == 'L' ? PS_OP_LOG_SOFTMAX : PS_OP_SOFTMAX;
      /* dim=None is PyTorch's legacy choice, which depends on the rank: not supported */
      op->dim = is_none (m, "dim") ? G_MININT : (int) ps_module_get_option_int (m, "dim", G_MININT);
      return op->dim != G_MININT;
    }

  if (strcmp (t, "PReLU") == 0)
    {
      op->kind = PS_OP_PRELU;
      op->num_parameters = ps_module_get_option_int (m, "num_parameters", 1);
      return op->num_parameters > 0;
    }

  if (strcmp (t, "Unflatten") == 0)
    {
      op->kind = PS_OP_UNFLATTEN;
      op->dim = (int) ps_module_get_option_int (m, "dim", 0);
      op->unflat_n = ps_module_get_option_ints (m, "unflattened_size", op->unflat,
                                                PS_TENSOR_MAX_DIMS);
      return op->unflat_n > 0 && op->unflat_n <= PS_TENSOR_MAX_DIMS;
    }

  return FALSE;
}
