/* ps-layer-conv.c — Conv1d/2d/3d and ConvTranspose1d/2d/3d: weight shapes,
 * option checks, extra_repr and reset_parameters() */
#include "ps-layer-private.h"

#include <math.h>
#include <string.h>

static gboolean
build_conv (PsLayerBind *b, PsModule *m, gboolean transposed)
{
  int n = b->e->dims;
  int64_t in = ps_bind_size (b, "in_channels"), out = ps_bind_size (b, "out_channels");
  int64_t groups = ps_bind_int (b, "groups"), k[3] = { 0 }, shape[5];
  gboolean bias = ps_bind_bool (b, "bias");
  GVariant *pad = g_hash_table_lookup (b->kv, "padding");
  const char *mode = NULL;
  GVariant *ks = ps_bind_tuple (b, "kernel_size", n, k);
  GVariant *st = ks ? ps_bind_tuple (b, "stride", n, NULL) : NULL;
  GVariant *dil = st ? ps_bind_tuple (b, "dilation", n, NULL) : NULL;
  GVariant *opad = NULL;

  if (b->failed)
    return FALSE;
  if (transposed)
    opad = ps_bind_tuple (b, "output_padding", n, NULL);
  {
    GVariant *pm = g_hash_table_lookup (b->kv, "padding_mode");
    if (pm && g_variant_is_of_type (pm, G_VARIANT_TYPE_STRING))
      mode = g_variant_get_string (pm, NULL);
    if (mode == NULL || (strcmp (mode, "zeros") && strcmp (mode, "reflect")
                         && strcmp (mode, "replicate") && strcmp (mode, "circular")))
      ps_bind_fail (b, "padding_mode must be one of 'zeros', 'reflect', 'replicate' or 'circular'");
    else if (transposed && strcmp (mode, "zeros"))
      ps_bind_fail (b, "Only \"zeros\" padding mode is supported for %s", b->e->name);
  }
  if (pad && g_variant_is_of_type (pad, G_VARIANT_TYPE_STRING))
    {
      const char *ps = g_variant_get_string (pad, NULL);
      if (strcmp (ps, "same") && strcmp (ps, "valid"))
        ps_bind_fail (b, "Invalid padding string '%s', should be one of {'valid', 'same'}", ps);
      if (transposed)
        ps_bind_fail (b, "padding must be an integer or a tuple of %d integers", n);
      ps_module_set_option (m, "padding", pad);   /* set_option takes its own reference */
    }
  else
    {
      GVariant *pv = ps_bind_tuple (b, "padding", n, NULL);
      if (pv)
        ps_module_set_option (m, "padding", pv);
    }
  if (!b->failed && groups <= 0)
    ps_bind_fail (b, "groups must be a positive integer");
  if (!b->failed && in % groups != 0)
    ps_bind_fail (b, "in_channels must be divisible by groups");
  if (!b->failed && out % groups != 0)
    ps_bind_fail (b, "out_channels must be divisible by groups");
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
      ps_module_set_option (m, "output_padding", ps_layer_tuple (zeros, n));
    }
  shape[0] = transposed ? in : out;
  shape[1] = transposed ? out / groups : in / groups;
  for (int i = 0; i < n; i++)
    shape[2 + i] = k[i];
  if (!ps_layer_add_meta_shape (m, "weight", 2 + n, shape))
    return FALSE;
  if (bias && !ps_layer_add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, out))
    return FALSE;
  return TRUE;
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
    ps_layer_uniform (w, rng, sqrt (3.0) * (gain / sqrt ((double) fan_in)));
  if (b && fan_in != 0)
    ps_layer_uniform (b, rng, 1 / sqrt ((double) fan_in));
}

gboolean
ps_layer_conv_build (PsLayerBind *b, PsModule *m)
{
  return build_conv (b, m, b->e->family == F_CONV_T);
}

void
ps_layer_conv_extra_repr (GString *s, PsModule *m)
{
  GVariant *pad = ps_module_get_option (m, "padding");
  ps_layer_append_opt (s, m, "", "in_channels", FALSE);
  ps_layer_append_opt (s, m, ", ", "out_channels", FALSE);
  ps_layer_append_opt (s, m, ", kernel_size=", "kernel_size", FALSE);
  ps_layer_append_opt (s, m, ", stride=", "stride", FALSE);
  if (g_variant_is_of_type (pad, G_VARIANT_TYPE_STRING) || !tuple_all (m, "padding", 0))
    ps_layer_append_opt (s, m, ", padding=", "padding", FALSE);
  if (!tuple_all (m, "dilation", 1))
    ps_layer_append_opt (s, m, ", dilation=", "dilation", FALSE);
  if (!tuple_all (m, "output_padding", 0))
    ps_layer_append_opt (s, m, ", output_padding=", "output_padding", FALSE);
  if (ps_module_get_option_int (m, "groups", 1) != 1)
    ps_layer_append_opt (s, m, ", groups=", "groups", FALSE);
  if (ps_module_get_param_by_name (m, "bias") == NULL)
    g_string_append (s, ", bias=False");
  if (g_strcmp0 (ps_module_get_option_string (m, "padding_mode"), "zeros") != 0)
    ps_layer_append_opt (s, m, ", padding_mode=", "padding_mode", FALSE);
}

void
ps_layer_conv_reset (PsModule *m, PsRng *rng)
{
  kaiming_a_sqrt5 (ps_layer_own (m, "weight"), ps_layer_own (m, "bias"), rng);
}
