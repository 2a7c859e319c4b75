/* ps-layer.c — the torch.nn layer table and its dispatch
 *
 * One table (`layers`) names every torch.nn module class with its family
 * and its constructor's signature; the family says how its parameters and
 * buffers are made (shapes, order), printed and initialized, each in the
 * family's own file (ps-layer-private.h lists them).  The facts are
 * PyTorch 1.13's (the modules of torch.nn), checked against it by the tests.
 */
#include "ps-layer-private.h"
#include "ps-init.h"

#include <math.h>
#include <string.h>

static const PsLayerEntry layers[] = {
  /* with parameters or buffers */
  { "Linear", F_LINEAR, 0, "in_features, out_features, bias=True" },
  { "NonDynamicallyQuantizableLinear", F_LINEAR, 0, "in_features, out_features, bias=True" },
  { "Bilinear", F_BILINEAR, 0, "in1_features, in2_features, out_features, bias=True" },
  { "Conv1d", F_CONV, 1, "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros'" },
  { "Conv2d", F_CONV, 2, "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros'" },
  { "Conv3d", F_CONV, 3, "in_channels, out_channels, kernel_size, stride=1, padding=0, dilation=1, groups=1, bias=True, padding_mode='zeros'" },
  { "ConvTranspose1d", F_CONV_T, 1, "in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros'" },
  { "ConvTranspose2d", F_CONV_T, 2, "in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros'" },
  { "ConvTranspose3d", F_CONV_T, 3, "in_channels, out_channels, kernel_size, stride=1, padding=0, output_padding=0, groups=1, bias=True, dilation=1, padding_mode='zeros'" },
  { "BatchNorm1d", F_BATCH_NORM, 1, "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True" },
  { "BatchNorm2d", F_BATCH_NORM, 2, "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True" },
  { "BatchNorm3d", F_BATCH_NORM, 3, "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True" },
  { "SyncBatchNorm", F_BATCH_NORM, 0, "num_features, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True, process_group=None" },
  { "InstanceNorm1d", F_INSTANCE_NORM, 1, "num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False" },
  { "InstanceNorm2d", F_INSTANCE_NORM, 2, "num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False" },
  { "InstanceNorm3d", F_INSTANCE_NORM, 3, "num_features, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False" },
  { "LayerNorm", F_LAYER_NORM, 0, "normalized_shape, eps=1e-05, elementwise_affine=True" },
  { "GroupNorm", F_GROUP_NORM, 0, "num_groups, num_channels, eps=1e-05, affine=True" },
  { "Embedding", F_EMBEDDING, 0, "num_embeddings, embedding_dim, padding_idx=None, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, sparse=False" },
  { "EmbeddingBag", F_EMBEDDING_BAG, 0, "num_embeddings, embedding_dim, max_norm=None, norm_type=2.0, scale_grad_by_freq=False, mode='mean', sparse=False, include_last_offset=False, padding_idx=None" },
  { "RNN", F_RNN, 0, "input_size, hidden_size, num_layers=1, nonlinearity='tanh', bias=True, batch_first=False, dropout=0.0, bidirectional=False" },
  { "LSTM", F_LSTM, 0, "input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False, proj_size=0" },
  { "GRU", F_GRU, 0, "input_size, hidden_size, num_layers=1, bias=True, batch_first=False, dropout=0.0, bidirectional=False" },
  { "RNNCell", F_RNN_CELL, 0, "input_size, hidden_size, bias=True, nonlinearity='tanh'" },
  { "LSTMCell", F_LSTM_CELL, 0, "input_size, hidden_size, bias=True" },
  { "GRUCell", F_GRU_CELL, 0, "input_size, hidden_size, bias=True" },
  { "MultiheadAttention", F_MHA, 0, "embed_dim, num_heads, dropout=0.0, bias=True, add_bias_kv=False, add_zero_attn=False, kdim=None, vdim=None, batch_first=False" },
  { "PReLU", F_PRELU, 0, "num_parameters=1, init=0.25" },
  /* containers without parameters of their own */
  { "Sequential", F_CONTAINER, 0, NULL },
  { "ModuleList", F_CONTAINER, 0, NULL },
  { "ModuleDict", F_CONTAINER, 0, NULL },
  { "Transformer", F_CONTAINER, 0, "d_model=512, nhead=8, num_encoder_layers=6, num_decoder_layers=6, dim_feedforward=2048, dropout=0.1, activation='relu', custom_encoder=None, custom_decoder=None, layer_norm_eps=1e-05, batch_first=False, norm_first=False" },
  { "TransformerEncoder", F_CONTAINER, 0, "encoder_layer, num_layers, norm=None, enable_nested_tensor=True, mask_check=True" },
  { "TransformerDecoder", F_CONTAINER, 0, "decoder_layer, num_layers, norm=None" },
  { "TransformerEncoderLayer", F_CONTAINER, 0, "d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', layer_norm_eps=1e-05, batch_first=False, norm_first=False" },
  { "TransformerDecoderLayer", F_CONTAINER, 0, "d_model, nhead, dim_feedforward=2048, dropout=0.1, activation='relu', layer_norm_eps=1e-05, batch_first=False, norm_first=False" },
  { "AdaptiveLogSoftmaxWithLoss", F_CONTAINER, 0, NULL },
  /* leaves */
  { "Identity", F_LEAF, 0, NULL },
  { "Threshold", F_LEAF, 0, "threshold, value, inplace=False" },
  { "ReLU", F_LEAF, 0, "inplace=False" },
  { "Hardtanh", F_LEAF, 0, "min_val=-1.0, max_val=1.0, inplace=False, min_value=None, max_value=None" },
  { "ReLU6", F_LEAF, 0, "inplace=False" },
  { "Sigmoid", F_LEAF, 0, "" },
  { "Tanh", F_LEAF, 0, "" },
  { "Softmax", F_LEAF, 0, "dim=None" },
  { "Softmax2d", F_LEAF, 0, "" },
  { "LogSoftmax", F_LEAF, 0, "dim=None" },
  { "ELU", F_LEAF, 0, "alpha=1.0, inplace=False" },
  { "SELU", F_LEAF, 0, "inplace=False" },
  { "CELU", F_LEAF, 0, "alpha=1.0, inplace=False" },
  { "GLU", F_LEAF, 0, "dim=-1" },
  { "GELU", F_LEAF, 0, "approximate='none'" },
  { "Hardshrink", F_LEAF, 0, "lambd=0.5" },
  { "LeakyReLU", F_LEAF, 0, "negative_slope=0.01, inplace=False" },
  { "LogSigmoid", F_LEAF, 0, "" },
  { "Softplus", F_LEAF, 0, "beta=1, threshold=20" },
  { "Softshrink", F_LEAF, 0, "lambd=0.5" },
  { "Softsign", F_LEAF, 0, "" },
  { "Softmin", F_LEAF, 0, "dim=None" },
  { "Tanhshrink", F_LEAF, 0, "" },
  { "RReLU", F_LEAF, 0, "lower=0.125, upper=0.3333333333333333, inplace=False" },
  { "Hardsigmoid", F_LEAF, 0, "inplace=False" },
  { "Hardswish", F_LEAF, 0, "inplace=False" },
  { "SiLU", F_LEAF, 0, "inplace=False" },
  { "Mish", F_LEAF, 0, "inplace=False" },
  { "AvgPool1d", F_LEAF, 1, "kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True" },
  { "AvgPool2d", F_LEAF, 2, "kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None" },
  { "AvgPool3d", F_LEAF, 3, "kernel_size, stride=None, padding=0, ceil_mode=False, count_include_pad=True, divisor_override=None" },
  { "MaxPool1d", F_LEAF, 1, "kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False" },
  { "MaxPool2d", F_LEAF, 2, "kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False" },
  { "MaxPool3d", F_LEAF, 3, "kernel_size, stride=None, padding=0, dilation=1, return_indices=False, ceil_mode=False" },
  { "MaxUnpool1d", F_LEAF, 1, "kernel_size, stride=None, padding=0" },
  { "MaxUnpool2d", F_LEAF, 2, "kernel_size, stride=None, padding=0" },
  { "MaxUnpool3d", F_LEAF, 3, "kernel_size, stride=None, padding=0" },
  { "FractionalMaxPool2d", F_LEAF, 2, "kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None" },
  { "FractionalMaxPool3d", F_LEAF, 3, "kernel_size, output_size=None, output_ratio=None, return_indices=False, _random_samples=None" },
  { "LPPool1d", F_LEAF, 1, "norm_type, kernel_size, stride=None, ceil_mode=False" },
  { "LPPool2d", F_LEAF, 2, "norm_type, kernel_size, stride=None, ceil_mode=False" },
  { "AdaptiveMaxPool1d", F_LEAF, 1, "output_size, return_indices=False" },
  { "AdaptiveMaxPool2d", F_LEAF, 2, "output_size, return_indices=False" },
  { "AdaptiveMaxPool3d", F_LEAF, 3, "output_size, return_indices=False" },
  { "AdaptiveAvgPool1d", F_LEAF, 1, "output_size" },
  { "AdaptiveAvgPool2d", F_LEAF, 2, "output_size" },
  { "AdaptiveAvgPool3d", F_LEAF, 3, "output_size" },
  { "LocalResponseNorm", F_LEAF, 0, "size, alpha=0.0001, beta=0.75, k=1.0" },
  { "CrossMapLRN2d", F_LEAF, 0, "size, alpha=0.0001, beta=0.75, k=1" },
  { "Dropout", F_LEAF, 0, "p=0.5, inplace=False" },
  { "Dropout1d", F_LEAF, 0, "p=0.5, inplace=False" },
  { "Dropout2d", F_LEAF, 0, "p=0.5, inplace=False" },
  { "Dropout3d", F_LEAF, 0, "p=0.5, inplace=False" },
  { "AlphaDropout", F_LEAF, 0, "p=0.5, inplace=False" },
  { "FeatureAlphaDropout", F_LEAF, 0, "p=0.5, inplace=False" },
  { "ReflectionPad1d", F_LEAF, 1, "padding" },
  { "ReflectionPad2d", F_LEAF, 2, "padding" },
  { "ReflectionPad3d", F_LEAF, 3, "padding" },
  { "ReplicationPad1d", F_LEAF, 1, "padding" },
  { "ReplicationPad2d", F_LEAF, 2, "padding" },
  { "ReplicationPad3d", F_LEAF, 3, "padding" },
  { "ZeroPad2d", F_LEAF, 2, "padding" },
  { "ConstantPad1d", F_LEAF, 1, "padding, value" },
  { "ConstantPad2d", F_LEAF, 2, "padding, value" },
  { "ConstantPad3d", F_LEAF, 3, "padding, value" },
  { "PixelShuffle", F_LEAF, 0, "upscale_factor" },
  { "PixelUnshuffle", F_LEAF, 0, "downscale_factor" },
  { "ChannelShuffle", F_LEAF, 0, "groups" },
  { "Upsample", F_LEAF, 0, "size=None, scale_factor=None, mode='nearest', align_corners=None, recompute_scale_factor=None" },
  { "UpsamplingNearest2d", F_LEAF, 2, "size=None, scale_factor=None" },
  { "UpsamplingBilinear2d", F_LEAF, 2, "size=None, scale_factor=None" },
  { "PairwiseDistance", F_LEAF, 0, "p=2.0, eps=1e-06, keepdim=False" },
  { "CosineSimilarity", F_LEAF, 0, "dim=1, eps=1e-08" },
  { "Flatten", F_LEAF, 0, "start_dim=1, end_dim=-1" },
  { "Unflatten", F_LEAF, 0, "dim, unflattened_size" },
  { "Unfold", F_LEAF, 0, "kernel_size, dilation=1, padding=0, stride=1" },
  { "Fold", F_LEAF, 0, "output_size, kernel_size, dilation=1, padding=0, stride=1" },
};

static const PsLayerEntry *
lookup_exact (const char *name)
{
  static GHashTable *index;

  if (g_once_init_enter (&index))
    {
      GHashTable *t = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < G_N_ELEMENTS (layers); i++)
        g_hash_table_insert (t, (gpointer) layers[i].name, (gpointer) &layers[i]);
      g_once_init_leave (&index, t);
    }
  return name ? g_hash_table_lookup (index, name) : NULL;
}

/* torchvision's subclasses of a layer that keep its arguments, parameters
 * and extra_repr (video/resnet.py) */
static const struct
{
  const char *name, *base;
} known_subclasses[] = {
  { "Conv3DSimple", "Conv3d" },
  { "Conv3DNoTemporal", "Conv3d" },
};

/* A class the table does not name, read as a subclass of the layer whose
 * name it extends by a dimension: torchvision's LayerNorm2d is a LayerNorm
 * with the same arguments and parameters; or one of known_subclasses. */
static const PsLayerEntry *
lookup_base (const char *name)
{
  size_t n = name ? strlen (name) : 0;
  g_autofree char *base = NULL;
  const PsLayerEntry *e;

  for (guint i = 0; name && i < G_N_ELEMENTS (known_subclasses); i++)
    if (strcmp (name, known_subclasses[i].name) == 0)
      return lookup_exact (known_subclasses[i].base);
  if (n < 3 || !g_ascii_isdigit (name[n - 2]) || name[n - 1] != 'd' || name[n - 2] == '0'
      || name[n - 2] > '3')
    return NULL;
  base = g_strndup (name, n - 2);
  e = lookup_exact (base);
  return e && e->family != F_LEAF && e->family != F_CONTAINER && e->dims == 0 ? e : NULL;
}

const PsLayerEntry *
ps_layer_lookup (const char *name)
{
  const PsLayerEntry *e = lookup_exact (name);
  return e ? e : lookup_base (name);
}

gboolean
ps_layer_is_subclass_guess (const char *type_name)
{
  return lookup_exact (type_name) == NULL && lookup_base (type_name) != NULL;
}

PsLayerClass
ps_layer_classify (const char *type_name)
{
  const PsLayerEntry *e = ps_layer_lookup (type_name);

  if (e == NULL)
    return PS_LAYER_UNKNOWN;
  if (e->family == F_LEAF)
    return PS_LAYER_LEAF;
  if (e->family == F_CONTAINER)
    return PS_LAYER_CONTAINER;
  return PS_LAYER_PARAMETRIZED;
}

const char *
ps_layer_signature (const char *type_name)
{
  const PsLayerEntry *e = ps_layer_lookup (type_name);
  return e ? e->signature : NULL;
}

/* ---- building ---------------------------------------------------------- */

gboolean
ps_layer_add_meta (PsModule *m, const char *name, gboolean buffer, PsDtype dtype, int ndim, ...)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  va_list ap;
  PsParam *p;

  va_start (ap, ndim);
  for (int i = 0; i < ndim; i++)
    shape[i] = va_arg (ap, int64_t);
  va_end (ap);
  if (ps_shape_numel (ndim, shape) < 0)
    return FALSE;
  p = ps_param_new_meta (ndim, shape, dtype);
  if (buffer)
    return ps_module_add_buffer (m, name, p, TRUE, NULL);
  return ps_module_add_param (m, name, p, NULL);
}

gboolean
ps_layer_add_meta_shape (PsModule *m, const char *name, int ndim, const int64_t *shape)
{
  if (ps_shape_numel (ndim, shape) < 0)
    return FALSE;
  return ps_module_add_param (m, name, ps_param_new_meta (ndim, shape, PS_DTYPE_F32), NULL);
}

/* Fill the layer-specific parameters and options of m from the bound values. */
static gboolean
build (PsLayerBind *b, PsModule *m)
{
  switch (b->e->family)
    {
    case F_CONV:
    case F_CONV_T:
      return ps_layer_conv_build (b, m);
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
    case F_LAYER_NORM:
    case F_GROUP_NORM:
      return ps_layer_norm_build (b, m);
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
    case F_BILINEAR:
    case F_PRELU:
      return ps_layer_linear_build (b, m);
    case F_RNN:
    case F_LSTM:
    case F_GRU:
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
    case F_MHA:
      return ps_layer_sequence_build (b, m);
    default:
      return TRUE;
    }
}

static void
set_options (PsModule *m, GHashTable *kv)
{
  GHashTableIter it;
  gpointer k, v;

  g_hash_table_iter_init (&it, kv);
  while (g_hash_table_iter_next (&it, &k, &v))
    if (ps_module_get_option (m, k) == NULL)
      ps_module_set_option (m, k, v);
}

PsModule *
ps_layer_new (const char *type_name, const PsLayerArgs *args, PsRng *rng, GError **error)
{
  const PsLayerEntry *e = ps_layer_lookup (type_name);
  g_autoptr (GHashTable) kv = NULL;
  g_autoptr (PsModule) m = NULL;
  GError *local = NULL;
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  PsLayerBind b;

  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "unknown layer \"%s\"", type_name);
      return NULL;
    }
  if (e->family == F_CONTAINER)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s cannot be built from arguments here",
                   type_name);
      return NULL;
    }
  kv = ps_layer_bind_args (e, args, error);
  if (kv == NULL)
    return NULL;
  b = (PsLayerBind) { e, kv, &local, FALSE, owned };
  if (e->family == F_LINEAR)
    {
      int64_t in = ps_bind_size (&b, "in_features"), out = ps_bind_size (&b, "out_features");
      gboolean bias = ps_bind_bool (&b, "bias");
      if (b.failed)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      m = ps_module_new_linear_meta (in, out, bias);
      if (m == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "%s(): the parameters' shapes "
                       "are too large", type_name);
          return NULL;
        }
      if (strcmp (type_name, "Linear") != 0)
        ps_module_set_class_name (m, type_name);
    }
  else if ((m = ps_layer_leaf_core (&b)) != NULL || b.failed)
    {
      if (b.failed)
        {
          g_propagate_error (error, local);
          return NULL;
        }
    }
  else
    {
      m = ps_module_new_layer (type_name);
      if (!build (&b, m))
        {
          if (local == NULL)
            g_set_error (&local, PS_ERROR, PS_ERROR_RESOURCE, "%s(): the parameters' shapes "
                         "are too large", type_name);
          g_propagate_error (error, local);
          return NULL;
        }
      set_options (m, kv);
      if (e->family == F_LEAF)
        ps_layer_leaf_normalize (m, e);
      {
        g_autofree char *extra = ps_layer_extra_repr (m);
        ps_module_set_extra_repr (m, extra);
      }
    }
  if (rng)
    ps_layer_init_tree (m, rng);
  return g_steal_pointer (&m);
}

PsModule *
ps_layer_new_node (const char *type_name, const char *extra_repr)
{
  const PsLayerEntry *e = ps_layer_lookup (type_name);
  PsModule *m;

  if (e == NULL || e->family == F_CONTAINER)
    m = ps_module_new_container (type_name);
  else
    m = ps_module_new_layer (type_name);
  ps_module_set_extra_repr (m, extra_repr);
  ps_module_set_params_known (m, e != NULL);
  /* the options of a leaf, when its extra_repr fits its signature */
  if (e && e->family == F_LEAF && e->signature && extra_repr)
    {
      g_autoptr (PsLayerArgs) a = ps_layer_args_parse (extra_repr, NULL);
      g_autoptr (GHashTable) kv = a ? ps_layer_bind_args (e, a, NULL) : NULL;
      if (kv)
        {
          set_options (m, kv);
          ps_layer_leaf_normalize (m, e);
        }
    }
  return m;
}

PsModule *
ps_layer_new_mha_from_out_proj (PsModule *out_proj, GError **error)
{
  g_autoptr (PsLayerArgs) a = ps_layer_args_new ();
  int64_t e;
  PsModule *m;

  if (ps_module_get_kind (out_proj) != PS_MODULE_LINEAR)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "MultiheadAttention: out_proj must be a "
                   "Linear layer, not %s", ps_module_get_type_name (out_proj));
      return NULL;
    }
  e = ps_module_get_in_features (out_proj);
  if (ps_module_get_out_features (out_proj) != e)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "MultiheadAttention: out_proj must be "
                   "square (embed_dim to embed_dim), not %" G_GINT64_FORMAT " to %"
                   G_GINT64_FORMAT, e, ps_module_get_out_features (out_proj));
      return NULL;
    }
  ps_layer_args_add (a, NULL, g_variant_new_int64 (e));
  ps_layer_args_add (a, NULL, g_variant_new_int64 (1));   /* num_heads: not in the repr */
  ps_layer_args_add (a, "bias", g_variant_new_boolean (ps_module_has_bias (out_proj)));
  m = ps_layer_new ("MultiheadAttention", a, NULL, error);
  if (m)
    ps_module_set_option (m, "num_heads", NULL);
  return m;
}

char *
ps_layer_extra_repr (PsModule *m)
{
  const PsLayerEntry *e = ps_layer_lookup (ps_module_get_type_name (m));
  GString *s;

  if (e == NULL || ps_module_get_kind (m) != PS_MODULE_LAYER)
    return NULL;
  if (e->family == F_LEAF)
    return ps_layer_leaf_extra_repr (m, e);
  s = g_string_new (NULL);
  switch (e->family)
    {
    case F_CONV:
    case F_CONV_T:
      ps_layer_conv_extra_repr (s, m);
      break;
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
    case F_LAYER_NORM:
    case F_GROUP_NORM:
      ps_layer_norm_extra_repr (s, m, e);
      break;
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
    case F_BILINEAR:
    case F_PRELU:
      ps_layer_linear_extra_repr (s, m, e);
      break;
    case F_RNN:
    case F_LSTM:
    case F_GRU:
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
    case F_MHA:
      ps_layer_sequence_extra_repr (s, m, e);
      break;
    default:
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

/* ---- default initialization -------------------------------------------- */

void
ps_layer_fill (PsParam *p, float value)
{
  PsTensor *t = ps_param_get_data (p);
  if (t == NULL)
    return;
  ps_tensor_fill (t, value);
  ps_param_changed (p, PS_CHANGE_DATA);
}

void
ps_layer_uniform (PsParam *p, PsRng *rng, double bound)
{
  PsTensor *t = ps_param_get_data (p);
  if (t == NULL || t->numel == 0)
    return;
  ps_rng_fill_uniform (rng, t->data, t->numel, -bound, bound);
  ps_param_changed (p, PS_CHANGE_DATA);
}

void
ps_layer_scheme (const char *scheme, PsParam *p, PsRng *rng)
{
  g_autoptr (PsInitScheme) s = ps_init_scheme_parse (scheme, NULL);
  g_assert (s != NULL);
  if (ps_param_get_data (p))
    ps_init_apply (s, p, -1, rng, NULL);
}

PsParam *
ps_layer_own (PsModule *m, const char *name)
{
  PsParam *p = ps_module_get_param_by_name (m, name);
  return p ? p : ps_module_get_buffer_by_name (m, name);
}

/* reset_parameters() of one layer (its own slots). */
static void
reset_layer (PsModule *m, const PsLayerEntry *e, PsRng *rng)
{
  switch (e->family)
    {
    case F_CONV:
    case F_CONV_T:
      ps_layer_conv_reset (m, rng);
      break;
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
    case F_LAYER_NORM:
    case F_GROUP_NORM:
      ps_layer_norm_reset (m, e);
      break;
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
    case F_BILINEAR:
    case F_PRELU:
      ps_layer_linear_reset (m, e, rng);
      break;
    case F_RNN:
    case F_LSTM:
    case F_GRU:
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
    case F_MHA:
      ps_layer_sequence_reset (m, e, rng);
      break;
    default:
      break;
    }
}

/* Copy every tensor of src's state_dict into dst's (same structure). */
static void
copy_values (PsModule *src, PsModule *dst)
{
  g_autoptr (GPtrArray) a = ps_module_state_dict (src);
  g_autoptr (GPtrArray) b = ps_module_state_dict (dst);

  for (guint i = 0; i < MIN (a->len, b->len); i++)
    {
      PsParam *p = ((PsNamedParam *) a->pdata[i])->param, *q = ((PsNamedParam *) b->pdata[i])->param;
      PsTensor *tp = ps_param_get_data (p), *tq = ps_param_get_data (q);
      if (tp && tq && tp->numel == tq->numel)
        {
          memcpy (tq->data, tp->data, (size_t) tp->numel * sizeof (float));
          ps_param_changed (q, PS_CHANGE_DATA);
        }
    }
}

/* `done`: NULL, or the modules already initialized because a model's
 * constructor made them before their turn in the modules' order (skipped). */
static void init_rec (PsModule *m, PsRng *rng, int depth, GHashTable *done, PsModule *outer);

/* TransformerEncoder/Decoder: the layers are deep copies of one layer */
static void
init_stack (PsModule *m, PsRng *rng, int depth, GHashTable *done, PsModule *outer)
{
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    {
      PsModule *c = ps_module_get_child (m, i);
      if (strcmp (ps_module_get_child_name (m, i), "layers") == 0
          && ps_module_get_n_children (c) > 0)
        {
          PsModule *first = ps_module_get_child (c, 0);
          init_rec (first, rng, depth + 1, done, outer);
          for (guint k = 1; k < ps_module_get_n_children (c); k++)
            copy_values (first, ps_module_get_child (c, k));
        }
      else
        init_rec (c, rng, depth + 1, done, outer);
    }
}

static void
init_rec (PsModule *m, PsRng *rng, int depth, GHashTable *done, PsModule *outer)
{
  const char *type = ps_module_get_type_name (m);
  const PsLayerEntry *e;
  gconstpointer family;
  const char *order;
  g_autoptr (GHashTable) own_done = NULL;

  if (depth > PS_MODULE_MAX_DEPTH || (done && g_hash_table_contains (done, m)))
    return;
  if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      if (!ps_module_is_lazy (m))
        ps_module_reset_parameters (m, rng);
      return;
    }
  if (strcmp (type, "TransformerEncoder") == 0 || strcmp (type, "TransformerDecoder") == 0)
    {
      init_stack (m, rng, depth, done, outer);
      return;
    }
  family = ps_layer_family_find (m, outer);
  if (family)
    outer = m;
  order = ps_layer_family_get_order (family);
  if (order)
    {
      /* the modules its constructor makes first, in that order */
      g_auto (GStrv) paths = g_strsplit (order, " ", -1);
      if (done == NULL)
        done = own_done = g_hash_table_new (NULL, NULL);
      for (guint i = 0; paths[i]; i++)
        {
          PsModule *c;
          if (ps_layer_family_run_step (family, m, paths[i], rng))
            continue;
          c = ps_module_find_module (m, paths[i]);
          if (c == NULL || c == m)
            continue;
          init_rec (c, rng, depth + 1, done, outer);
          g_hash_table_add (done, c);
        }
    }
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    {
      ps_layer_family_before_child (family, m, i, rng);
      init_rec (ps_module_get_child (m, i), rng, depth + 1, done, outer);
    }
  e = ps_layer_lookup (type);
  if (e && ps_module_get_kind (m) == PS_MODULE_LAYER)
    reset_layer (m, e, rng);
  if (strcmp (type, "Transformer") == 0)
    {
      /* _reset_parameters(): xavier_uniform_ of every parameter with dim > 1 */
      g_autoptr (GPtrArray) np = ps_module_named_parameters (m);
      for (guint i = 0; i < np->len; i++)
        {
          PsParam *p = ((PsNamedParam *) np->pdata[i])->param;
          if (ps_param_get_shape (p, NULL) > 1)
            ps_layer_scheme ("xavier_uniform()", p, rng);
        }
    }
  /* a model's own loop at the end of its constructor (ResNet's, ...) */
  ps_layer_family_init (family, m, rng);
}

void
ps_layer_init_tree (PsModule *m, PsRng *rng)
{
  g_return_if_fail (rng != NULL);
  init_rec (m, rng, 0, NULL, NULL);
}

double
ps_layer_tree_bytes (PsModule *m)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  double bytes = 0;

  for (guint i = 0; i < sd->len; i++)
    {
      PsParam *p = ((PsNamedParam *) sd->pdata[i])->param;
      if (g_hash_table_contains (seen, p))
        continue;
      g_hash_table_add (seen, p);
      bytes += 4.0 * (double) ps_param_get_numel (p);
    }
  return bytes;
}
