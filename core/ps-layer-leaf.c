/* ps-layer-leaf.c — the parameterless layers: activations, pooling, dropout,
 * padding, reshaping.  The core's own kinds (ReLU, GELU, Flatten...) are
 * built as such; the others keep their bound options, normalized as
 * PyTorch's constructors store them, and write extra_repr from a format per
 * class. */
#include "ps-layer-private.h"

#include <string.h>

/* The parameterless layers the core runs itself (ps-module's own kinds). */
PsModule *
ps_layer_leaf_core (PsLayerBind *b)
{
  const char *n = b->e->name;
  PsModule *m = NULL;

  if (strcmp (n, "ReLU") == 0)
    {
      gboolean inplace = ps_bind_bool (b, "inplace");
      if (!b->failed)
        {
          m = ps_module_new (PS_MODULE_RELU);
          ps_module_set_inplace (m, inplace);
        }
    }
  else if (strcmp (n, "LeakyReLU") == 0)
    {
      double slope = ps_bind_double (b, "negative_slope");
      gboolean inplace = ps_bind_bool (b, "inplace");
      if (!b->failed)
        m = ps_module_new_leaky_relu (slope, inplace);
    }
  else if (strcmp (n, "GELU") == 0)
    {
      GVariant *a = g_hash_table_lookup (b->kv, "approximate");
      const char *as = a && g_variant_is_of_type (a, G_VARIANT_TYPE_STRING)
                       ? g_variant_get_string (a, NULL) : "";
      if (strcmp (as, "none") && strcmp (as, "tanh"))
        ps_bind_fail (b, "approximate must be 'none' or 'tanh'");
      else
        {
          m = ps_module_new (PS_MODULE_GELU);
          ps_module_set_gelu_tanh (m, strcmp (as, "tanh") == 0);
        }
    }
  else if (strcmp (n, "Flatten") == 0)
    {
      int64_t sd = ps_bind_int (b, "start_dim"), ed = ps_bind_int (b, "end_dim");
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
  if (v == NULL || ps_layer_is_none (v))
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
          ps_layer_append_opt (s, m, "", opt, quote);
        }
      f = close + 1;
    }
}

/* The values PyTorch's constructors store for a leaf: a pooling stride of
 * None is the kernel size; AvgPool1d and MaxUnpool keep tuples; paddings are
 * tuples of two numbers per dimension; Upsample's scale_factor is a float. */
void
ps_layer_leaf_normalize (PsModule *m, const PsLayerEntry *e)
{
  const char *n = e->name;
  GVariant *stride = ps_module_get_option (m, "stride");

  if ((g_str_has_prefix (n, "MaxPool") || g_str_has_prefix (n, "AvgPool")
       || g_str_has_prefix (n, "MaxUnpool")) && ps_layer_is_none (stride))
    ps_module_set_option (m, "stride", ps_module_get_option (m, "kernel_size"));
  if (strcmp (n, "AvgPool1d") == 0 || g_str_has_prefix (n, "MaxUnpool"))
    {
      const char *keys[] = { "kernel_size", "stride", "padding" };
      for (guint k = 0; k < G_N_ELEMENTS (keys); k++)
        {
          int64_t x[3];
          if (ps_module_get_option_ints (m, keys[k], x, e->dims) == e->dims)
            ps_module_set_option (m, keys[k], ps_layer_tuple (x, e->dims));
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
          ps_module_set_option (m, "padding", ps_layer_tuple (x, 2 * e->dims));
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

char *
ps_layer_leaf_extra_repr (PsModule *m, const PsLayerEntry *e)
{
  GString *s = g_string_new (NULL);

  if (g_str_has_prefix (e->name, "Upsampl"))
    {
      /* 'scale_factor=' + repr(scale_factor) if given, else 'size=' + repr(size); ', mode=' + mode */
      if (!ps_layer_is_none (ps_module_get_option (m, "scale_factor")))
        ps_layer_append_opt (s, m, "scale_factor=", "scale_factor", TRUE);
      else
        ps_layer_append_opt (s, m, "size=", "size", TRUE);
      ps_layer_append_opt (s, m, ", mode=", "mode", FALSE);
    }
  else
    format_leaf (s, m, leaf_format (e->name));
  return g_string_free (s, FALSE);
}
