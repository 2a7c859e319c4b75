/* ps-layer.c — the torch.nn layer table: signatures, parameters, extra_repr, default init
 *
 * One table (`layers`) names every torch.nn module class with its family
 * and its constructor's signature; the family says how its parameters and
 * buffers are made (shapes, order), printed and initialized.  The facts are
 * PyTorch 1.13's (the modules of torch.nn), checked against it by the tests.
 *
 * Longer than most files on purpose: the table, the reader of the argument
 * literals an extra_repr writes, binding to signatures, and each family's
 * shapes, extra_repr and reset_parameters() are one concept, read together.
 */
#include "ps-layer.h"
#include "ps-error.h"
#include "ps-init.h"
#include "ps-util.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef enum
{
  F_LEAF, F_CONTAINER, F_LINEAR, F_CONV, F_CONV_T, F_BATCH_NORM, F_INSTANCE_NORM, F_LAYER_NORM,
  F_GROUP_NORM, F_EMBEDDING, F_EMBEDDING_BAG, F_RNN, F_LSTM, F_GRU, F_RNN_CELL, F_LSTM_CELL,
  F_GRU_CELL, F_MHA, F_BILINEAR, F_PRELU,
} Family;

typedef struct
{
  const char *name;
  Family      family;
  int         dims;        /* spatial dimensions (Conv2d: 2) */
  const char *signature;   /* NULL: any arguments (kept as given) */
} LayerEntry;

static const LayerEntry layers[] = {
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

static const LayerEntry *
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

/* A class the table does not name, read as a subclass of the layer whose
 * name it extends by a dimension: torchvision's LayerNorm2d is a LayerNorm
 * with the same arguments and parameters. */
static const LayerEntry *
lookup_base (const char *name)
{
  size_t n = name ? strlen (name) : 0;
  g_autofree char *base = NULL;
  const LayerEntry *e;

  if (n < 3 || !g_ascii_isdigit (name[n - 2]) || name[n - 1] != 'd' || name[n - 2] == '0'
      || name[n - 2] > '3')
    return NULL;
  base = g_strndup (name, n - 2);
  e = lookup_exact (base);
  return e && e->family != F_LEAF && e->family != F_CONTAINER && e->dims == 0 ? e : NULL;
}

static const LayerEntry *
lookup (const char *name)
{
  const LayerEntry *e = lookup_exact (name);
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
  const LayerEntry *e = lookup (type_name);

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
  const LayerEntry *e = lookup (type_name);
  return e ? e->signature : NULL;
}

/* ---- argument values --------------------------------------------------- */

PsLayerArgs *
ps_layer_args_new (void)
{
  PsLayerArgs *a = g_new0 (PsLayerArgs, 1);
  a->pos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  a->kw_names = g_ptr_array_new_with_free_func (g_free);
  a->kw_values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  return a;
}

void
ps_layer_args_free (PsLayerArgs *a)
{
  if (a == NULL)
    return;
  g_ptr_array_unref (a->pos);
  g_ptr_array_unref (a->kw_names);
  g_ptr_array_unref (a->kw_values);
  g_free (a);
}

void
ps_layer_args_add (PsLayerArgs *a, const char *name, GVariant *value)
{
  g_variant_ref_sink (value);
  if (name == NULL)
    g_ptr_array_add (a->pos, value);
  else
    {
      g_ptr_array_add (a->kw_names, g_strdup (name));
      g_ptr_array_add (a->kw_values, value);
    }
}

static GVariant *
v_none (void)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
}

static gboolean
is_none (GVariant *v)
{
  return v == NULL || (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (v) == 0);
}

static GVariant *
v_tuple (const int64_t *x, int n)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  for (int i = 0; i < n; i++)
    g_variant_builder_add (&b, "v", g_variant_new_int64 (x[i]));
  return g_variant_builder_end (&b);
}

/* A tiny reader of Python literals: numbers, True/False/None, strings, bare
 * words (read as strings, as str.format writes them), tuples and lists. */
typedef struct
{
  const char *s, *p;
  GError    **error;
} Lit;

static void
skip_ws (Lit *l)
{
  while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
    l->p++;
}

static gboolean
word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.';
}

static GVariant *parse_value (Lit *l, int depth);

static GVariant *
parse_seq (Lit *l, char close, int depth)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  skip_ws (l);
  while (*l->p != close)
    {
      GVariant *v = parse_value (l, depth + 1);
      if (v == NULL)
        {
          g_variant_builder_clear (&b);
          return NULL;
        }
      g_variant_builder_add (&b, "v", v);
      skip_ws (l);
      if (*l->p == ',')
        {
          l->p++;
          skip_ws (l);
        }
      else if (*l->p != close)
        {
          g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "expected ',' or '%c' at column %d",
                       close, (int) (l->p - l->s) + 1);
          g_variant_builder_clear (&b);
          return NULL;
        }
    }
  l->p++;
  return g_variant_builder_end (&b);
}

static GVariant *
parse_value (Lit *l, int depth)
{
  const char *start;

  skip_ws (l);
  start = l->p;
  if (depth > 32)
    {
      g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "values nested too deeply");
      return NULL;
    }
  if (*l->p == '(' || *l->p == '[')
    {
      char close = *l->p == '(' ? ')' : ']';
      l->p++;
      return parse_seq (l, close, depth);
    }
  if (*l->p == '\'' || *l->p == '"')
    {
      char q = *l->p++;
      const char *b = l->p;
      while (*l->p && *l->p != q)
        l->p++;
      if (*l->p != q)
        {
          g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "unterminated string at column %d",
                       (int) (start - l->s) + 1);
          return NULL;
        }
      l->p++;
      return g_variant_new_take_string (g_strndup (b, l->p - 1 - b));
    }
  if (*l->p == '-' || *l->p == '+' || g_ascii_isdigit (*l->p)
      || (*l->p == '.' && g_ascii_isdigit (l->p[1])))
    {
      const char *q = l->p + 1;
      gboolean is_float = FALSE;
      char *end;
      while (word_char (*q) || ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')))
        {
          if (*q == '.' || *q == 'e' || *q == 'E' || *q == 'n' || *q == 'i')
            is_float = TRUE;
          q++;
        }
      if (!is_float)
        {
          gint64 i;
          errno = 0;
          i = g_ascii_strtoll (l->p, &end, 10);
          if (end == q && errno == 0)
            {
              l->p = q;
              return g_variant_new_int64 (i);
            }
        }
      {
        double d = g_ascii_strtod (l->p, &end);
        if (end == q)
          {
            l->p = q;
            return g_variant_new_double (d);
          }
      }
      g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "\"%.*s\" is not a number",
                   (int) (q - l->p), l->p);
      return NULL;
    }
  if (g_ascii_isalpha (*l->p) || *l->p == '_')
    {
      g_autofree char *w = NULL;
      while (word_char (*l->p))
        l->p++;
      w = g_strndup (start, l->p - start);
      if (strcmp (w, "True") == 0 || strcmp (w, "False") == 0)
        return g_variant_new_boolean (*w == 'T');
      if (strcmp (w, "None") == 0)
        return v_none ();
      if (strcmp (w, "inf") == 0 || strcmp (w, "nan") == 0)
        return g_variant_new_double (*w == 'i' ? INFINITY : NAN);
      return g_variant_new_string (w);
    }
  g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "expected a value at column %d",
               (int) (start - l->s) + 1);
  return NULL;
}

PsLayerArgs *
ps_layer_args_parse (const char *text, GError **error)
{
  g_autoptr (PsLayerArgs) a = ps_layer_args_new ();
  Lit l = { text, text, error };

  skip_ws (&l);
  while (*l.p)
    {
      const char *q = l.p;
      g_autofree char *name = NULL;
      GVariant *v;

      /* NAME= ? */
      if (g_ascii_isalpha (*q) || *q == '_')
        {
          while (g_ascii_isalnum (*q) || *q == '_')
            q++;
          if (*q == '=' && q[1] != '=')
            {
              name = g_strndup (l.p, q - l.p);
              l.p = q + 1;
            }
        }
      v = parse_value (&l, 0);
      if (v == NULL)
        return NULL;
      if (name == NULL && a->kw_names->len > 0)
        {
          g_variant_unref (g_variant_ref_sink (v));
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "a positional value follows keyword values at column %d",
                       (int) (q - text) + 1);
          return NULL;
        }
      ps_layer_args_add (a, name, v);
      skip_ws (&l);
      if (*l.p == ',')
        {
          l.p++;
          skip_ws (&l);
          if (*l.p == '\0')
            break;
        }
      else if (*l.p)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected ',' at column %d",
                       (int) (l.p - text) + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&a);
}

static void
format_into (GString *out, GVariant *v, gboolean quote)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (v);
      format_into (out, inner, quote);
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (v));
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      g_autofree char *s = ps_python_float_repr (g_variant_get_double (v));
      g_string_append (out, s);
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (v) ? "True" : "False");
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      if (quote)
        g_string_append_printf (out, "'%s'", g_variant_get_string (v, NULL));
      else
        g_string_append (out, g_variant_get_string (v, NULL));
    }
  else if (is_none (v))
    g_string_append (out, "None");
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
    {
      gsize n = g_variant_n_children (v);
      g_string_append_c (out, '(');
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
          if (i)
            g_string_append (out, ", ");
          format_into (out, c, TRUE);          /* str(tuple) is repr of its items */
        }
      g_string_append (out, n == 1 ? ",)" : ")");
    }
  else
    g_string_append (out, "?");
}

char *
ps_layer_format_value (GVariant *v, gboolean quote)
{
  GString *out = g_string_new (NULL);
  format_into (out, v, quote);
  return g_string_free (out, FALSE);
}

static void normalize_leaf (PsModule *m, const LayerEntry *e);
static void append_opt (GString *s, PsModule *m, const char *sep, const char *name, gboolean quote);

/* ---- binding arguments to a signature ---------------------------------- */

typedef struct
{
  char     *name;
  GVariant *deflt;      /* NULL: required */
} SigParam;

static GArray *
signature_params (const LayerEntry *e)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SigParam));
  g_autoptr (PsLayerArgs) a = NULL;

  if (e->signature == NULL || *e->signature == '\0')
    return out;
  /* "a, b, c=1": required names parse as bare words (strings) */
  a = ps_layer_args_parse (e->signature, NULL);
  g_assert (a != NULL);
  for (guint i = 0; i < a->pos->len; i++)
    {
      SigParam p = { g_variant_dup_string (a->pos->pdata[i], NULL), NULL };
      g_array_append_val (out, p);
    }
  for (guint i = 0; i < a->kw_names->len; i++)
    {
      SigParam p = { g_strdup (a->kw_names->pdata[i]), g_variant_ref (a->kw_values->pdata[i]) };
      g_array_append_val (out, p);
    }
  return out;
}

static void
sig_free (GArray *sig)
{
  for (guint i = 0; i < sig->len; i++)
    {
      g_free (g_array_index (sig, SigParam, i).name);
      if (g_array_index (sig, SigParam, i).deflt)
        g_variant_unref (g_array_index (sig, SigParam, i).deflt);
    }
  g_array_unref (sig);
}

/* name -> GVariant* (refs) for every signature parameter */
static GHashTable *
bind (const LayerEntry *e, const PsLayerArgs *args, GError **error)
{
  GArray *sig = signature_params (e);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_variant_unref);
  guint npos = args ? args->pos->len : 0;

  if (npos > sig->len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): takes %u positional arguments but "
                   "%u were given", e->name, sig->len, npos);
      goto fail;
    }
  for (guint i = 0; i < npos; i++)
    g_hash_table_insert (out, g_strdup (g_array_index (sig, SigParam, i).name),
                         g_variant_ref (args->pos->pdata[i]));
  for (guint k = 0; args && k < args->kw_names->len; k++)
    {
      const char *name = args->kw_names->pdata[k];
      gboolean found = FALSE;
      for (guint i = 0; i < sig->len && !found; i++)
        found = strcmp (g_array_index (sig, SigParam, i).name, name) == 0;
      if (!found)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): unexpected keyword argument '%s'",
                       e->name, name);
          goto fail;
        }
      if (g_hash_table_contains (out, name))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): got multiple values for "
                       "argument '%s'", e->name, name);
          goto fail;
        }
      g_hash_table_insert (out, g_strdup (name), g_variant_ref (args->kw_values->pdata[k]));
    }
  for (guint i = 0; i < sig->len; i++)
    {
      SigParam *p = &g_array_index (sig, SigParam, i);
      if (g_hash_table_contains (out, p->name))
        continue;
      if (p->deflt == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): missing required argument '%s'",
                       e->name, p->name);
          goto fail;
        }
      g_hash_table_insert (out, g_strdup (p->name), g_variant_ref (p->deflt));
    }
  sig_free (sig);
  return out;

fail:
  sig_free (sig);
  g_hash_table_unref (out);
  return NULL;
}

/* ---- typed access to bound values -------------------------------------- */

typedef struct
{
  const LayerEntry *e;
  GHashTable *kv;
  GError    **error;
  gboolean    failed;
  GPtrArray  *owned;        /* tuples made while building: kept until it ends, so a
                             * failure halfway leaves none floating */
} B;

static int64_t
b_int (B *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return 0;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be an integer, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return 0;
}

static int64_t
b_size (B *b, const char *name)
{
  int64_t i = b_int (b, name);
  if (!b->failed && i < 0)
    {
      g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be >= 0, got %"
                   G_GINT64_FORMAT, b->e->name, name, i);
      b->failed = TRUE;
    }
  return i;
}

static gboolean
b_bool (B *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return FALSE;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v) != 0;
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be True or False, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return FALSE;
}

static double
b_double (B *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return 0;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return (double) g_variant_get_int64 (v);
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be a number, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return 0;
}

/* An int or a tuple of n ints (PyTorch's _single/_pair/_triple). */
static GVariant *
b_tuple (B *b, const char *name, int n, int64_t *out)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  int64_t x[8] = { 0 };

  if (b->failed)
    return NULL;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    for (int i = 0; i < n; i++)
      x[i] = g_variant_get_int64 (v);
  else if (v && g_variant_is_of_type (v, G_VARIANT_TYPE ("av")) && (int) g_variant_n_children (v) == n)
    for (int i = 0; i < n; i++)
      {
        g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
        g_autoptr (GVariant) in = g_variant_get_variant (c);
        if (!g_variant_is_of_type (in, G_VARIANT_TYPE_INT64))
          goto bad;
        x[i] = g_variant_get_int64 (in);
      }
  else
    goto bad;
  if (out)
    memcpy (out, x, (size_t) n * sizeof (int64_t));
  {
    GVariant *t = g_variant_ref_sink (v_tuple (x, n));
    g_ptr_array_add (b->owned, t);
    return t;
  }

bad:
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be an integer or a tuple of "
                 "%d integers, got %s", b->e->name, name, n, s);
  }
  b->failed = TRUE;
  return NULL;
}

static void
b_fail (B *b, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
b_fail (B *b, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (b->failed)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s", b->e->name, msg);
  b->failed = TRUE;
}

/* ---- building ---------------------------------------------------------- */

static gboolean
add_meta (PsModule *m, const char *name, gboolean buffer, PsDtype dtype, int ndim, ...)
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

static gboolean
add_meta_shape (PsModule *m, const char *name, int ndim, const int64_t *shape)
{
  if (ps_shape_numel (ndim, shape) < 0)
    return FALSE;
  return ps_module_add_param (m, name, ps_param_new_meta (ndim, shape, PS_DTYPE_F32), NULL);
}

#define I64(x) ((int64_t) (x))

static gboolean
build_conv (B *b, PsModule *m, gboolean transposed)
{
  int n = b->e->dims;
  int64_t in = b_size (b, "in_channels"), out = b_size (b, "out_channels");
  int64_t groups = b_int (b, "groups"), k[3] = { 0 }, shape[5];
  gboolean bias = b_bool (b, "bias");
  GVariant *pad = g_hash_table_lookup (b->kv, "padding");
  const char *mode = NULL;
  GVariant *ks = b_tuple (b, "kernel_size", n, k);
  GVariant *st = ks ? b_tuple (b, "stride", n, NULL) : NULL;
  GVariant *dil = st ? b_tuple (b, "dilation", n, NULL) : NULL;
  GVariant *opad = NULL;

  if (b->failed)
    return FALSE;
  if (transposed)
    opad = b_tuple (b, "output_padding", n, NULL);
  {
    GVariant *pm = g_hash_table_lookup (b->kv, "padding_mode");
    if (pm && g_variant_is_of_type (pm, G_VARIANT_TYPE_STRING))
      mode = g_variant_get_string (pm, NULL);
    if (mode == NULL || (strcmp (mode, "zeros") && strcmp (mode, "reflect")
                         && strcmp (mode, "replicate") && strcmp (mode, "circular")))
      b_fail (b, "padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular'");
    else if (transposed && strcmp (mode, "zeros"))
      b_fail (b, "Only \"zeros\" padding mode is supported for %s", b->e->name);
  }
  if (pad && g_variant_is_of_type (pad, G_VARIANT_TYPE_STRING))
    {
      const char *ps = g_variant_get_string (pad, NULL);
      if (strcmp (ps, "same") && strcmp (ps, "valid"))
        b_fail (b, "Invalid padding string '%s', should be one of {'valid', 'same'}", ps);
      if (transposed)
        b_fail (b, "padding must be an integer or a tuple of %d integers", n);
      ps_module_set_option (m, "padding", pad);   /* set_option takes its own reference */
    }
  else
    {
      GVariant *pv = b_tuple (b, "padding", n, NULL);
      if (pv)
        ps_module_set_option (m, "padding", pv);
    }
  if (!b->failed && groups <= 0)
    b_fail (b, "groups must be a positive integer");
  if (!b->failed && in % groups != 0)
    b_fail (b, "in_channels must be divisible by groups");
  if (!b->failed && out % groups != 0)
    b_fail (b, "out_channels must be divisible by groups");
  if (b->failed)
    {
      if (ks) g_variant_unref (g_variant_ref_sink (ks));
      if (st) g_variant_unref (g_variant_ref_sink (st));
      if (dil) g_variant_unref (g_variant_ref_sink (dil));
      if (opad) g_variant_unref (g_variant_ref_sink (opad));
      return FALSE;
    }
  ps_module_set_option (m, "kernel_size", ks);
  ps_module_set_option (m, "stride", st);
  ps_module_set_option (m, "dilation", dil);
  if (opad)
    ps_module_set_option (m, "output_padding", opad);
  else
    {
      int64_t zeros[3] = { 0, 0, 0 };
      ps_module_set_option (m, "output_padding", v_tuple (zeros, n));
    }
  shape[0] = transposed ? in : out;
  shape[1] = transposed ? out / groups : in / groups;
  for (int i = 0; i < n; i++)
    shape[2 + i] = k[i];
  if (!add_meta_shape (m, "weight", 2 + n, shape))
    return FALSE;
  if (bias && !add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, out))
    return FALSE;
  return TRUE;
}

static gboolean
build_norm (B *b, PsModule *m, gboolean affine, gboolean track)
{
  int64_t c = b_size (b, "num_features");

  if (b->failed)
    return FALSE;
  if (affine && (!add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, c)
                 || !add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, c)))
    return FALSE;
  if (track && (!add_meta (m, "running_mean", TRUE, PS_DTYPE_F32, 1, c)
                || !add_meta (m, "running_var", TRUE, PS_DTYPE_F32, 1, c)
                || !add_meta (m, "num_batches_tracked", TRUE, PS_DTYPE_I64, 0)))
    return FALSE;
  return TRUE;
}

static const char *
rnn_weight_name (char *buf, size_t size, const char *what, int layer, gboolean reverse)
{
  g_snprintf (buf, size, "%s_l%d%s", what, layer, reverse ? "_reverse" : "");
  return buf;
}

static gboolean
build_rnn (B *b, PsModule *m, int gates)
{
  int64_t in = b_size (b, "input_size"), h = b_size (b, "hidden_size");
  int64_t layers_n = b_int (b, "num_layers");
  gboolean bias = b_bool (b, "bias"), bidir = b_bool (b, "bidirectional");
  int64_t proj = b->e->family == F_LSTM ? b_size (b, "proj_size") : 0;
  double dropout = b_double (b, "dropout");
  int64_t real_h, dirs = bidir ? 2 : 1;
  char name[64];

  if (b->failed)
    return FALSE;
  if (b->e->family == F_RNN)
    {
      const char *nl = NULL;
      GVariant *v = g_hash_table_lookup (b->kv, "nonlinearity");
      if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
        nl = g_variant_get_string (v, NULL);
      if (nl == NULL || (strcmp (nl, "tanh") && strcmp (nl, "relu")))
        {
          b_fail (b, "Unknown nonlinearity '%s'", nl ? nl : "?");
          return FALSE;
        }
    }
  if (dropout < 0 || dropout > 1)
    b_fail (b, "dropout should be a number in range [0, 1] representing the probability of an "
            "element being zeroed");
  else if (h <= 0)
    b_fail (b, "hidden_size must be greater than zero");
  else if (layers_n <= 0)
    b_fail (b, "num_layers must be greater than zero");
  else if (proj < 0 || (proj > 0 && proj >= h))
    b_fail (b, "proj_size has to be smaller than hidden_size");
  if (b->failed)
    return FALSE;
  ps_module_set_option (m, "dropout", g_variant_new_double (dropout));
  ps_module_set_option (m, "proj_size", g_variant_new_int64 (proj));
  real_h = proj > 0 ? proj : h;
  for (int l = 0; l < layers_n; l++)
    for (int d = 0; d < dirs; d++)
      {
        int64_t lin = l == 0 ? in : real_h * dirs;
        if (!add_meta (m, rnn_weight_name (name, sizeof name, "weight_ih", l, d), FALSE,
                       PS_DTYPE_F32, 2, I64 (gates) * h, lin)
            || !add_meta (m, rnn_weight_name (name, sizeof name, "weight_hh", l, d), FALSE,
                          PS_DTYPE_F32, 2, I64 (gates) * h, real_h))
          return FALSE;
        if (bias && (!add_meta (m, rnn_weight_name (name, sizeof name, "bias_ih", l, d), FALSE,
                                PS_DTYPE_F32, 1, I64 (gates) * h)
                     || !add_meta (m, rnn_weight_name (name, sizeof name, "bias_hh", l, d), FALSE,
                                   PS_DTYPE_F32, 1, I64 (gates) * h)))
          return FALSE;
        if (proj > 0 && !add_meta (m, rnn_weight_name (name, sizeof name, "weight_hr", l, d),
                                   FALSE, PS_DTYPE_F32, 2, proj, h))
          return FALSE;
      }
  return TRUE;
}

static gboolean
build_cell (B *b, PsModule *m, int gates)
{
  int64_t in = b_size (b, "input_size"), h = b_size (b, "hidden_size");
  gboolean bias = b_bool (b, "bias");

  if (b->failed)
    return FALSE;
  if (b->e->family == F_RNN_CELL)
    {
      GVariant *v = g_hash_table_lookup (b->kv, "nonlinearity");
      const char *nl = v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                       ? g_variant_get_string (v, NULL) : NULL;
      if (nl == NULL || (strcmp (nl, "tanh") && strcmp (nl, "relu")))
        {
          b_fail (b, "Unknown nonlinearity: %s", nl ? nl : "?");
          return FALSE;
        }
    }
  if (!add_meta (m, "weight_ih", FALSE, PS_DTYPE_F32, 2, I64 (gates) * h, in)
      || !add_meta (m, "weight_hh", FALSE, PS_DTYPE_F32, 2, I64 (gates) * h, h))
    return FALSE;
  if (bias && (!add_meta (m, "bias_ih", FALSE, PS_DTYPE_F32, 1, I64 (gates) * h)
               || !add_meta (m, "bias_hh", FALSE, PS_DTYPE_F32, 1, I64 (gates) * h)))
    return FALSE;
  return TRUE;
}

static gboolean
build_mha (B *b, PsModule *m)
{
  int64_t e = b_size (b, "embed_dim"), heads = b_int (b, "num_heads");
  gboolean bias = b_bool (b, "bias"), bias_kv = b_bool (b, "add_bias_kv");
  GVariant *kd = g_hash_table_lookup (b->kv, "kdim"), *vd = g_hash_table_lookup (b->kv, "vdim");
  int64_t kdim = e, vdim = e;
  PsModule *out_proj;

  if (!is_none (kd))
    kdim = b_size (b, "kdim");
  if (!is_none (vd))
    vdim = b_size (b, "vdim");
  if (b->failed)
    return FALSE;
  if (heads <= 0 || e % heads != 0)
    {
      b_fail (b, "embed_dim must be divisible by num_heads");
      return FALSE;
    }
  ps_module_set_option (m, "kdim", g_variant_new_int64 (kdim));
  ps_module_set_option (m, "vdim", g_variant_new_int64 (vdim));
  if (kdim == e && vdim == e)
    {
      if (!add_meta (m, "in_proj_weight", FALSE, PS_DTYPE_F32, 2, 3 * e, e))
        return FALSE;
    }
  else if (!add_meta (m, "q_proj_weight", FALSE, PS_DTYPE_F32, 2, e, e)
           || !add_meta (m, "k_proj_weight", FALSE, PS_DTYPE_F32, 2, e, kdim)
           || !add_meta (m, "v_proj_weight", FALSE, PS_DTYPE_F32, 2, e, vdim))
    return FALSE;
  if (bias && !add_meta (m, "in_proj_bias", FALSE, PS_DTYPE_F32, 1, 3 * e))
    return FALSE;
  if (bias_kv && (!add_meta (m, "bias_k", FALSE, PS_DTYPE_F32, 3, I64 (1), I64 (1), e)
                  || !add_meta (m, "bias_v", FALSE, PS_DTYPE_F32, 3, I64 (1), I64 (1), e)))
    return FALSE;
  out_proj = ps_module_new_linear_meta (e, e, bias);
  ps_module_set_class_name (out_proj, "NonDynamicallyQuantizableLinear");
  return ps_module_append (m, "out_proj", out_proj, b->error);
}

/* Fill the layer-specific parameters and options of m from the bound values. */
static gboolean
build (B *b, PsModule *m)
{
  const LayerEntry *e = b->e;

  switch (e->family)
    {
    case F_CONV:
      return build_conv (b, m, FALSE);
    case F_CONV_T:
      return build_conv (b, m, TRUE);
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      {
        gboolean affine = b_bool (b, "affine"), track = b_bool (b, "track_running_stats");
        GVariant *mom = g_hash_table_lookup (b->kv, "momentum");
        b_double (b, "eps");
        if (!is_none (mom))
          b_double (b, "momentum");
        return !b->failed && build_norm (b, m, affine, track);
      }
    case F_LAYER_NORM:
      {
        GVariant *ns = g_hash_table_lookup (b->kv, "normalized_shape");
        gboolean affine = b_bool (b, "elementwise_affine");
        int64_t shape[PS_TENSOR_MAX_DIMS];
        int n = 0;
        b_double (b, "eps");
        if (b->failed)
          return FALSE;
        if (g_variant_is_of_type (ns, G_VARIANT_TYPE_INT64))
          shape[n++] = g_variant_get_int64 (ns);
        else if (g_variant_is_of_type (ns, G_VARIANT_TYPE ("av"))
                 && g_variant_n_children (ns) <= PS_TENSOR_MAX_DIMS)
          for (gsize i = 0; i < g_variant_n_children (ns); i++)
            {
              g_autoptr (GVariant) c = g_variant_get_child_value (ns, i);
              g_autoptr (GVariant) in = g_variant_get_variant (c);
              if (!g_variant_is_of_type (in, G_VARIANT_TYPE_INT64))
                {
                  b_fail (b, "normalized_shape must be an integer or a tuple of integers");
                  return FALSE;
                }
              shape[n++] = g_variant_get_int64 (in);
            }
        else
          {
            b_fail (b, "normalized_shape must be an integer or a tuple of at most %d integers",
                    PS_TENSOR_MAX_DIMS);
            return FALSE;
          }
        for (int i = 0; i < n; i++)
          if (shape[i] < 0)
            {
              b_fail (b, "normalized_shape must not be negative");
              return FALSE;
            }
        ps_module_set_option (m, "normalized_shape", v_tuple (shape, n));
        return !affine || (add_meta_shape (m, "weight", n, shape)
                           && add_meta_shape (m, "bias", n, shape));
      }
    case F_GROUP_NORM:
      {
        int64_t g = b_int (b, "num_groups"), c = b_size (b, "num_channels");
        gboolean affine = b_bool (b, "affine");
        b_double (b, "eps");
        if (!b->failed && (g <= 0 || c % g != 0))
          b_fail (b, "num_channels must be divisible by num_groups");
        if (b->failed)
          return FALSE;
        return !affine || (add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, c)
                           && add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, c));
      }
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      {
        int64_t n = b_size (b, "num_embeddings"), d = b_size (b, "embedding_dim");
        GVariant *pi = g_hash_table_lookup (b->kv, "padding_idx");
        b_double (b, "norm_type");
        if (e->family == F_EMBEDDING_BAG)
          {
            GVariant *mode = g_hash_table_lookup (b->kv, "mode");
            const char *ms = g_variant_is_of_type (mode, G_VARIANT_TYPE_STRING)
                             ? g_variant_get_string (mode, NULL) : "";
            if (strcmp (ms, "sum") && strcmp (ms, "mean") && strcmp (ms, "max"))
              b_fail (b, "mode has to be one of sum, mean or max");
          }
        if (!is_none (pi))
          {
            int64_t p = b_int (b, "padding_idx");
            if (!b->failed && (p >= n || p < -n))
              b_fail (b, "Padding_idx must be within num_embeddings");
            else if (!b->failed && p < 0)
              ps_module_set_option (m, "padding_idx", g_variant_new_int64 (p + n));
          }
        return !b->failed && add_meta (m, "weight", FALSE, PS_DTYPE_F32, 2, n, d);
      }
    case F_RNN:
      return build_rnn (b, m, 1);
    case F_LSTM:
      return build_rnn (b, m, 4);
    case F_GRU:
      return build_rnn (b, m, 3);
    case F_RNN_CELL:
      return build_cell (b, m, 1);
    case F_LSTM_CELL:
      return build_cell (b, m, 4);
    case F_GRU_CELL:
      return build_cell (b, m, 3);
    case F_MHA:
      return build_mha (b, m);
    case F_BILINEAR:
      {
        int64_t i1 = b_size (b, "in1_features"), i2 = b_size (b, "in2_features");
        int64_t o = b_size (b, "out_features");
        gboolean bias = b_bool (b, "bias");
        return !b->failed && add_meta (m, "weight", FALSE, PS_DTYPE_F32, 3, o, i1, i2)
               && (!bias || add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, o));
      }
    case F_PRELU:
      {
        int64_t n = b_size (b, "num_parameters");
        b_double (b, "init");
        return !b->failed && add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, n);
      }
    default:
      return TRUE;
    }
}

/* The parameterless layers the core runs itself (ps-module's own kinds). */
static PsModule *
core_leaf (B *b)
{
  const char *n = b->e->name;
  PsModule *m = NULL;

  if (strcmp (n, "ReLU") == 0)
    {
      gboolean inplace = b_bool (b, "inplace");
      if (!b->failed)
        {
          m = ps_module_new (PS_MODULE_RELU);
          ps_module_set_inplace (m, inplace);
        }
    }
  else if (strcmp (n, "LeakyReLU") == 0)
    {
      double slope = b_double (b, "negative_slope");
      gboolean inplace = b_bool (b, "inplace");
      if (!b->failed)
        m = ps_module_new_leaky_relu (slope, inplace);
    }
  else if (strcmp (n, "GELU") == 0)
    {
      GVariant *a = g_hash_table_lookup (b->kv, "approximate");
      const char *as = a && g_variant_is_of_type (a, G_VARIANT_TYPE_STRING)
                       ? g_variant_get_string (a, NULL) : "";
      if (strcmp (as, "none") && strcmp (as, "tanh"))
        b_fail (b, "approximate must be 'none' or 'tanh'");
      else
        {
          m = ps_module_new (PS_MODULE_GELU);
          ps_module_set_gelu_tanh (m, strcmp (as, "tanh") == 0);
        }
    }
  else if (strcmp (n, "Flatten") == 0)
    {
      int64_t sd = b_int (b, "start_dim"), ed = b_int (b, "end_dim");
      if (!b->failed)
        m = ps_module_new_flatten ((int) sd, (int) ed);
    }
  else if (strcmp (n, "Sigmoid") == 0)
    m = ps_module_new (PS_MODULE_SIGMOID);
  else if (strcmp (n, "Tanh") == 0)
    m = ps_module_new (PS_MODULE_TANH);
  else if (strcmp (n, "Identity") == 0)
    m = ps_module_new (PS_MODULE_IDENTITY);
  return m;
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
  const LayerEntry *e = lookup (type_name);
  g_autoptr (GHashTable) kv = NULL;
  g_autoptr (PsModule) m = NULL;
  GError *local = NULL;
  g_autoptr (GPtrArray) owned = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  B b;

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
  kv = bind (e, args, error);
  if (kv == NULL)
    return NULL;
  b = (B) { e, kv, &local, FALSE, owned };
  if (e->family == F_LINEAR)
    {
      int64_t in = b_size (&b, "in_features"), out = b_size (&b, "out_features");
      gboolean bias = b_bool (&b, "bias");
      if (b.failed)
        {
          g_propagate_error (error, local);
          return NULL;
        }
      m = ps_module_new_linear_meta (in, out, bias);
      if (strcmp (type_name, "Linear") != 0)
        ps_module_set_class_name (m, type_name);
    }
  else if ((m = core_leaf (&b)) != NULL || b.failed)
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
        normalize_leaf (m, e);
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
  const LayerEntry *e = lookup (type_name);
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
      g_autoptr (GHashTable) kv = a ? bind (e, a, NULL) : NULL;
      if (kv)
        {
          set_options (m, kv);
          normalize_leaf (m, e);
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

/* ---- extra_repr of the parameterless modules ----------------------------- */

/* What each leaf's extra_repr() writes: "{x}" is str() of option x, "{x!r}"
 * its repr(), "{?x TEXT}" writes TEXT when option x is true. */
static const struct { const char *name, *format; } leaf_formats[] = {
  { "ReLU", "{?inplace inplace=True}" }, { "ReLU6", "{?inplace inplace=True}" },
  { "SELU", "{?inplace inplace=True}" }, { "SiLU", "{?inplace inplace=True}" },
  { "Mish", "{?inplace inplace=True}" }, { "Hardswish", "{?inplace inplace=True}" },
  { "Hardsigmoid", "{?inplace inplace=True}" },
  { "LeakyReLU", "negative_slope={negative_slope}{?inplace , inplace=True}" },
  { "ELU", "alpha={alpha}{?inplace , inplace=True}" },
  { "CELU", "alpha={alpha}{?inplace , inplace=True}" },
  { "Hardtanh", "min_val={min_val}, max_val={max_val}{?inplace , inplace=True}" },
  { "Threshold", "threshold={threshold}, value={value}{?inplace , inplace=True}" },
  { "RReLU", "lower={lower}, upper={upper}{?inplace , inplace=True}" },
  { "Softplus", "beta={beta}, threshold={threshold}" },
  { "Softshrink", "{lambd}" }, { "Hardshrink", "{lambd}" },
  { "GELU", "approximate={approximate!r}" },
  { "Softmax", "dim={dim}" }, { "LogSoftmax", "dim={dim}" }, { "Softmin", "dim={dim}" },
  { "GLU", "dim={dim}" },
  { "MaxPool1d", "kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, ceil_mode={ceil_mode}" },
  { "MaxPool2d", "kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, ceil_mode={ceil_mode}" },
  { "MaxPool3d", "kernel_size={kernel_size}, stride={stride}, padding={padding}, dilation={dilation}, ceil_mode={ceil_mode}" },
  { "AvgPool1d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "AvgPool2d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "AvgPool3d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "MaxUnpool1d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "MaxUnpool2d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "MaxUnpool3d", "kernel_size={kernel_size}, stride={stride}, padding={padding}" },
  { "LPPool1d", "norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, ceil_mode={ceil_mode}" },
  { "LPPool2d", "norm_type={norm_type}, kernel_size={kernel_size}, stride={stride}, ceil_mode={ceil_mode}" },
  { "AdaptiveAvgPool1d", "output_size={output_size}" }, { "AdaptiveAvgPool2d", "output_size={output_size}" },
  { "AdaptiveAvgPool3d", "output_size={output_size}" }, { "AdaptiveMaxPool1d", "output_size={output_size}" },
  { "AdaptiveMaxPool2d", "output_size={output_size}" }, { "AdaptiveMaxPool3d", "output_size={output_size}" },
  { "Dropout", "p={p}, inplace={inplace}" }, { "Dropout1d", "p={p}, inplace={inplace}" },
  { "Dropout2d", "p={p}, inplace={inplace}" }, { "Dropout3d", "p={p}, inplace={inplace}" },
  { "AlphaDropout", "p={p}, inplace={inplace}" }, { "FeatureAlphaDropout", "p={p}, inplace={inplace}" },
  { "ConstantPad1d", "padding={padding}, value={value}" },
  { "ConstantPad2d", "padding={padding}, value={value}" },
  { "ConstantPad3d", "padding={padding}, value={value}" },
  { "ZeroPad2d", "{padding}" }, { "ReflectionPad1d", "{padding}" }, { "ReflectionPad2d", "{padding}" },
  { "ReflectionPad3d", "{padding}" }, { "ReplicationPad1d", "{padding}" },
  { "ReplicationPad2d", "{padding}" }, { "ReplicationPad3d", "{padding}" },
  { "PixelShuffle", "upscale_factor={upscale_factor}" },
  { "PixelUnshuffle", "downscale_factor={downscale_factor}" },
  { "ChannelShuffle", "groups={groups}" },
  { "Flatten", "start_dim={start_dim}, end_dim={end_dim}" },
  { "Unflatten", "dim={dim}, unflattened_size={unflattened_size}" },
  { "Unfold", "kernel_size={kernel_size}, dilation={dilation}, padding={padding}, stride={stride}" },
  { "Fold", "output_size={output_size}, kernel_size={kernel_size}, dilation={dilation}, padding={padding}, stride={stride}" },
  { "LocalResponseNorm", "{size}, alpha={alpha}, beta={beta}, k={k}" },
  { "CrossMapLRN2d", "{size}, alpha={alpha}, beta={beta}, k={k}" },
};

static const char *
leaf_format (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (leaf_formats); i++)
    if (strcmp (leaf_formats[i].name, name) == 0)
      return leaf_formats[i].format;
  return "";
}

static gboolean
option_true (PsModule *m, const char *name)
{
  GVariant *v = ps_module_get_option (m, name);
  if (v == NULL || is_none (v))
    return FALSE;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  return ps_module_get_option_double (m, name, 0) != 0;
}

static void
format_leaf (GString *s, PsModule *m, const char *f)
{
  while (*f)
    {
      const char *close;
      if (*f != '{' || (close = strchr (f, '}')) == NULL)
        {
          g_string_append_c (s, *f++);
          continue;
        }
      if (f[1] == '?')
        {
          const char *sp = memchr (f, ' ', (size_t) (close - f));
          g_autofree char *opt = g_strndup (f + 2, (sp ? sp : close) - f - 2);
          if (sp && option_true (m, opt))
            g_string_append_len (s, sp + 1, close - sp - 1);
        }
      else
        {
          gboolean quote = close - f > 3 && strncmp (close - 2, "!r", 2) == 0;
          g_autofree char *opt = g_strndup (f + 1, close - f - 1 - (quote ? 2 : 0));
          append_opt (s, m, "", opt, quote);
        }
      f = close + 1;
    }
}

/* The values PyTorch's constructors store for a leaf: a pooling stride of
 * None is the kernel size; AvgPool1d and MaxUnpool keep tuples; paddings are
 * tuples of two numbers per dimension; Upsample's scale_factor is a float. */
static void
normalize_leaf (PsModule *m, const LayerEntry *e)
{
  const char *n = e->name;
  GVariant *stride = ps_module_get_option (m, "stride");

  if ((g_str_has_prefix (n, "MaxPool") || g_str_has_prefix (n, "AvgPool")
       || g_str_has_prefix (n, "MaxUnpool")) && is_none (stride))
    ps_module_set_option (m, "stride", ps_module_get_option (m, "kernel_size"));
  if (strcmp (n, "AvgPool1d") == 0 || g_str_has_prefix (n, "MaxUnpool"))
    {
      const char *keys[] = { "kernel_size", "stride", "padding" };
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          int64_t x[3];
          if (ps_module_get_option_ints (m, keys[k], x, e->dims) == e->dims)
            ps_module_set_option (m, keys[k], v_tuple (x, e->dims));
        }
    }
  if (strstr (n, "Pad") && e->dims > 0)
    {
      int64_t x[6];
      GVariant *pad = ps_module_get_option (m, "padding");
      if (pad && g_variant_is_of_type (pad, G_VARIANT_TYPE_INT64))
        {
          for (int i = 0; i < 2 * e->dims; i++)
            x[i] = g_variant_get_int64 (pad);
          ps_module_set_option (m, "padding", v_tuple (x, 2 * e->dims));
        }
    }
  if (g_str_has_prefix (n, "Upsampl"))
    {
      GVariant *sf = ps_module_get_option (m, "scale_factor");
      if (sf && g_variant_is_of_type (sf, G_VARIANT_TYPE_INT64))
        ps_module_set_option (m, "scale_factor",
                              g_variant_new_double ((double) g_variant_get_int64 (sf)));
      if (strcmp (n, "UpsamplingNearest2d") == 0)
        ps_module_set_option (m, "mode", g_variant_new_string ("nearest"));
      else if (strcmp (n, "UpsamplingBilinear2d") == 0)
        ps_module_set_option (m, "mode", g_variant_new_string ("bilinear"));
    }
}

static char *
leaf_extra_repr (PsModule *m, const LayerEntry *e)
{
  GString *s = g_string_new (NULL);

  if (g_str_has_prefix (e->name, "Upsampl"))
    {
      /* 'scale_factor=' + repr(scale_factor) if given, else 'size=' + repr(size); ', mode=' + mode */
      if (!is_none (ps_module_get_option (m, "scale_factor")))
        append_opt (s, m, "scale_factor=", "scale_factor", TRUE);
      else
        append_opt (s, m, "size=", "size", TRUE);
      append_opt (s, m, ", mode=", "mode", FALSE);
    }
  else
    format_leaf (s, m, leaf_format (e->name));
  return g_string_free (s, FALSE);
}

/* ---- extra_repr -------------------------------------------------------- */

static void
append_opt (GString *s, PsModule *m, const char *sep, const char *name, gboolean quote)
{
  GVariant *v = ps_module_get_option (m, name);
  g_string_append (s, sep);
  if (v)
    format_into (s, v, quote);
  else
    g_string_append (s, "None");
}

static gboolean
tuple_all (PsModule *m, const char *name, int64_t value)
{
  int64_t x[8];
  int n = ps_module_get_option_ints (m, name, x, 8);
  for (int i = 0; i < n && i < 8; i++)
    if (x[i] != value)
      return FALSE;
  return n > 0;
}

char *
ps_layer_extra_repr (PsModule *m)
{
  const LayerEntry *e = lookup (ps_module_get_type_name (m));
  GString *s;

  if (e == NULL || ps_module_get_kind (m) != PS_MODULE_LAYER)
    return NULL;
  if (e->family == F_LEAF)
    return leaf_extra_repr (m, e);
  s = g_string_new (NULL);
  switch (e->family)
    {
    case F_CONV:
    case F_CONV_T:
      {
        GVariant *pad = ps_module_get_option (m, "padding");
        append_opt (s, m, "", "in_channels", FALSE);
        append_opt (s, m, ", ", "out_channels", FALSE);
        append_opt (s, m, ", kernel_size=", "kernel_size", FALSE);
        append_opt (s, m, ", stride=", "stride", FALSE);
        if (g_variant_is_of_type (pad, G_VARIANT_TYPE_STRING) || !tuple_all (m, "padding", 0))
          append_opt (s, m, ", padding=", "padding", FALSE);
        if (!tuple_all (m, "dilation", 1))
          append_opt (s, m, ", dilation=", "dilation", FALSE);
        if (!tuple_all (m, "output_padding", 0))
          append_opt (s, m, ", output_padding=", "output_padding", FALSE);
        if (ps_module_get_option_int (m, "groups", 1) != 1)
          append_opt (s, m, ", groups=", "groups", FALSE);
        if (ps_module_get_param_by_name (m, "bias") == NULL)
          g_string_append (s, ", bias=False");
        if (g_strcmp0 (ps_module_get_option_string (m, "padding_mode"), "zeros") != 0)
          append_opt (s, m, ", padding_mode=", "padding_mode", FALSE);
      }
      break;
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      append_opt (s, m, "", "num_features", FALSE);
      append_opt (s, m, ", eps=", "eps", FALSE);
      append_opt (s, m, ", momentum=", "momentum", FALSE);
      append_opt (s, m, ", affine=", "affine", FALSE);
      append_opt (s, m, ", track_running_stats=", "track_running_stats", FALSE);
      break;
    case F_LAYER_NORM:
      append_opt (s, m, "", "normalized_shape", FALSE);
      append_opt (s, m, ", eps=", "eps", FALSE);
      append_opt (s, m, ", elementwise_affine=", "elementwise_affine", FALSE);
      break;
    case F_GROUP_NORM:
      append_opt (s, m, "", "num_groups", FALSE);
      append_opt (s, m, ", ", "num_channels", FALSE);
      append_opt (s, m, ", eps=", "eps", FALSE);
      append_opt (s, m, ", affine=", "affine", FALSE);
      break;
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      append_opt (s, m, "", "num_embeddings", FALSE);
      append_opt (s, m, ", ", "embedding_dim", FALSE);
      if (e->family == F_EMBEDDING && !is_none (ps_module_get_option (m, "padding_idx")))
        append_opt (s, m, ", padding_idx=", "padding_idx", FALSE);
      if (!is_none (ps_module_get_option (m, "max_norm")))
        append_opt (s, m, ", max_norm=", "max_norm", FALSE);
      if (ps_module_get_option_double (m, "norm_type", 2) != 2)
        append_opt (s, m, ", norm_type=", "norm_type", FALSE);
      if (ps_module_get_option_bool (m, "scale_grad_by_freq", FALSE))
        append_opt (s, m, ", scale_grad_by_freq=", "scale_grad_by_freq", FALSE);
      if (e->family == F_EMBEDDING)
        {
          if (ps_module_get_option_bool (m, "sparse", FALSE))
            g_string_append (s, ", sparse=True");
        }
      else
        {
          append_opt (s, m, ", mode=", "mode", FALSE);
          if (!is_none (ps_module_get_option (m, "padding_idx")))
            append_opt (s, m, ", padding_idx=", "padding_idx", FALSE);
        }
      break;
    case F_RNN:
    case F_LSTM:
    case F_GRU:
      append_opt (s, m, "", "input_size", FALSE);
      append_opt (s, m, ", ", "hidden_size", FALSE);
      if (ps_module_get_option_int (m, "proj_size", 0) != 0)
        append_opt (s, m, ", proj_size=", "proj_size", FALSE);
      if (ps_module_get_option_int (m, "num_layers", 1) != 1)
        append_opt (s, m, ", num_layers=", "num_layers", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bias"), G_VARIANT_TYPE_BOOLEAN)
          || !ps_module_get_option_bool (m, "bias", TRUE))
        append_opt (s, m, ", bias=", "bias", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "batch_first"), G_VARIANT_TYPE_BOOLEAN)
          || ps_module_get_option_bool (m, "batch_first", FALSE))
        append_opt (s, m, ", batch_first=", "batch_first", FALSE);
      if (ps_module_get_option_double (m, "dropout", 0) != 0)
        append_opt (s, m, ", dropout=", "dropout", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bidirectional"), G_VARIANT_TYPE_BOOLEAN)
          || ps_module_get_option_bool (m, "bidirectional", FALSE))
        append_opt (s, m, ", bidirectional=", "bidirectional", FALSE);
      break;
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
      append_opt (s, m, "", "input_size", FALSE);
      append_opt (s, m, ", ", "hidden_size", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bias"), G_VARIANT_TYPE_BOOLEAN)
          || !ps_module_get_option_bool (m, "bias", TRUE))
        append_opt (s, m, ", bias=", "bias", FALSE);
      if (e->family == F_RNN_CELL
          && g_strcmp0 (ps_module_get_option_string (m, "nonlinearity"), "tanh") != 0)
        append_opt (s, m, ", nonlinearity=", "nonlinearity", FALSE);
      break;
    case F_BILINEAR:
      append_opt (s, m, "in1_features=", "in1_features", FALSE);
      append_opt (s, m, ", in2_features=", "in2_features", FALSE);
      append_opt (s, m, ", out_features=", "out_features", FALSE);
      g_string_append_printf (s, ", bias=%s",
                              ps_module_get_param_by_name (m, "bias") ? "True" : "False");
      break;
    case F_PRELU:
      append_opt (s, m, "num_parameters=", "num_parameters", FALSE);
      break;
    case F_MHA:
      break;
    default:
      g_string_free (s, TRUE);
      return NULL;
    }
  return g_string_free (s, FALSE);
}

/* ---- default initialization -------------------------------------------- */

static void
fill_param (PsParam *p, float value)
{
  PsTensor *t = ps_param_get_data (p);
  if (t == NULL)
    return;
  ps_tensor_fill (t, value);
  ps_param_changed (p, PS_CHANGE_DATA);
}

static void
uniform_param (PsParam *p, PsRng *rng, double bound)
{
  PsTensor *t = ps_param_get_data (p);
  if (t == NULL || t->numel == 0)
    return;
  ps_rng_fill_uniform (rng, t->data, t->numel, -bound, bound);
  ps_param_changed (p, PS_CHANGE_DATA);
}

/* fan_in as torch.nn.init._calculate_fan_in_and_fan_out: size(1) * receptive field */
static int64_t
fan_in_of (PsParam *w)
{
  int64_t shape[PS_TENSOR_MAX_DIMS], f;
  int n = ps_param_get_shape (w, shape);

  if (n < 2)
    return 0;
  f = shape[1];
  for (int i = 2; i < n; i++)
    f *= shape[i];
  return f;
}

/* kaiming_uniform_(w, a=sqrt(5)) and the bias's U(-1/sqrt(fan_in), 1/sqrt(fan_in)):
 * the reset_parameters() of Linear and of every _ConvNd, with Python's float
 * arithmetic as ps_module_reset_parameters() has it. */
static void
kaiming_a_sqrt5 (PsParam *w, PsParam *b, PsRng *rng)
{
  int64_t fan_in = fan_in_of (w);
  double a = sqrt (5.0), gain = sqrt (2.0 / (1 + pow (a, 2)));

  if (ps_param_get_numel (w) > 0)
    uniform_param (w, rng, sqrt (3.0) * (gain / sqrt ((double) fan_in)));
  if (b && fan_in != 0)
    uniform_param (b, rng, 1 / sqrt ((double) fan_in));
}

static void
scheme_param (const char *scheme, PsParam *p, PsRng *rng)
{
  g_autoptr (PsInitScheme) s = ps_init_scheme_parse (scheme, NULL);
  g_assert (s != NULL);
  if (ps_param_get_data (p))
    ps_init_apply (s, p, -1, rng, NULL);
}

static PsParam *
own (PsModule *m, const char *name)
{
  PsParam *p = ps_module_get_param_by_name (m, name);
  return p ? p : ps_module_get_buffer_by_name (m, name);
}

/* reset_parameters() of one layer (its own slots). */
static void
reset_layer (PsModule *m, const LayerEntry *e, PsRng *rng)
{
  switch (e->family)
    {
    case F_CONV:
    case F_CONV_T:
      kaiming_a_sqrt5 (own (m, "weight"), own (m, "bias"), rng);
      break;
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      /* reset_running_stats(), then weight ones and bias zeros */
      if (own (m, "running_mean"))
        {
          fill_param (own (m, "running_mean"), 0);
          fill_param (own (m, "running_var"), 1);
          fill_param (own (m, "num_batches_tracked"), 0);
        }
      if (own (m, "weight"))
        {
          fill_param (own (m, "weight"), 1);
          fill_param (own (m, "bias"), 0);
        }
      break;
    case F_LAYER_NORM:
    case F_GROUP_NORM:
      if (own (m, "weight"))
        {
          fill_param (own (m, "weight"), 1);
          fill_param (own (m, "bias"), 0);
        }
      break;
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      {
        PsParam *w = own (m, "weight");
        PsTensor *t = ps_param_get_data (w);
        GVariant *pi = ps_module_get_option (m, "padding_idx");
        if (t == NULL)
          break;
        ps_rng_fill_normal (rng, t->data, t->numel, 0, 1);
        if (!is_none (pi) && t->ndim == 2)
          {
            int64_t row = ps_module_get_option_int (m, "padding_idx", 0);
            if (row >= 0 && row < t->shape[0])
              memset (t->data + row * t->shape[1], 0, (size_t) t->shape[1] * sizeof (float));
          }
        ps_param_changed (w, PS_CHANGE_DATA);
      }
      break;
    case F_RNN:
    case F_LSTM:
    case F_GRU:
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
      {
        int64_t h = ps_module_get_option_int (m, "hidden_size", 0);
        double stdv = h > 0 ? 1.0 / sqrt ((double) h) : 0;
        for (guint i = 0; i < ps_module_get_n_params (m); i++)
          uniform_param (ps_module_get_param (m, i), rng, stdv);
      }
      break;
    case F_MHA:
      {
        PsModule *out_proj = ps_module_find_module (m, "out_proj");
        if (own (m, "in_proj_weight"))
          scheme_param ("xavier_uniform()", own (m, "in_proj_weight"), rng);
        else
          {
            scheme_param ("xavier_uniform()", own (m, "q_proj_weight"), rng);
            scheme_param ("xavier_uniform()", own (m, "k_proj_weight"), rng);
            scheme_param ("xavier_uniform()", own (m, "v_proj_weight"), rng);
          }
        if (own (m, "in_proj_bias"))
          {
            fill_param (own (m, "in_proj_bias"), 0);
            if (out_proj && ps_module_get_param_by_name (out_proj, "bias"))
              fill_param (ps_module_get_param_by_name (out_proj, "bias"), 0);
          }
        if (own (m, "bias_k"))
          scheme_param ("xavier_normal()", own (m, "bias_k"), rng);
        if (own (m, "bias_v"))
          scheme_param ("xavier_normal()", own (m, "bias_v"), rng);
      }
      break;
    case F_BILINEAR:
      {
        int64_t shape[PS_TENSOR_MAX_DIMS];
        double bound;
        ps_param_get_shape (own (m, "weight"), shape);
        bound = 1 / sqrt ((double) shape[1]);
        uniform_param (own (m, "weight"), rng, bound);
        if (own (m, "bias"))
          uniform_param (own (m, "bias"), rng, bound);
      }
      break;
    case F_PRELU:
      fill_param (own (m, "weight"), (float) ps_module_get_option_double (m, "init", 0.25));
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

static void init_rec (PsModule *m, PsRng *rng, int depth);

/* TransformerEncoder/Decoder: the layers are deep copies of one layer */
static void
init_stack (PsModule *m, PsRng *rng, int depth)
{
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    {
      PsModule *c = ps_module_get_child (m, i);
      if (strcmp (ps_module_get_child_name (m, i), "layers") == 0
          && ps_module_get_n_children (c) > 0)
        {
          PsModule *first = ps_module_get_child (c, 0);
          init_rec (first, rng, depth + 1);
          for (guint k = 1; k < ps_module_get_n_children (c); k++)
            copy_values (first, ps_module_get_child (c, k));
        }
      else
        init_rec (c, rng, depth + 1);
    }
}

static void
init_rec (PsModule *m, PsRng *rng, int depth)
{
  const char *type = ps_module_get_type_name (m);
  const LayerEntry *e;

  if (depth > PS_MODULE_MAX_DEPTH)
    return;
  if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      if (!ps_module_is_lazy (m))
        ps_module_reset_parameters (m, rng);
      return;
    }
  if (strcmp (type, "TransformerEncoder") == 0 || strcmp (type, "TransformerDecoder") == 0)
    {
      init_stack (m, rng, depth);
      return;
    }
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    init_rec (ps_module_get_child (m, i), rng, depth + 1);
  e = lookup (type);
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
            scheme_param ("xavier_uniform()", p, rng);
        }
    }
}

void
ps_layer_init_tree (PsModule *m, PsRng *rng)
{
  g_return_if_fail (rng != NULL);
  init_rec (m, rng, 0);
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
