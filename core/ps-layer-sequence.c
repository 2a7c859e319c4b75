/* ps-layer-sequence.c — the layers over sequences: RNN, LSTM, GRU, their
 * cells, and MultiheadAttention: parameter names and shapes per layer and
 * direction, option checks, extra_repr and reset_parameters() */
#include "ps-layer-private.h"

#include <math.h>
#include <string.h>

/* weight_ih_l0, bias_hh_l1_reverse, ...: a parameter of one layer and direction */
static gboolean
rnn_param (PsModule *m, const char *what, int layer, gboolean reverse, int ndim, int64_t d0,
           int64_t d1)
{
  char name[64];

  g_snprintf (name, sizeof name, "%s_l%d%s", what, layer, reverse ? "_reverse" : "");
  return ps_layer_add_meta (m, name, FALSE, PS_DTYPE_F32, ndim, d0, d1);
}

static gboolean
build_rnn (PsLayerBind *b, PsModule *m, int gates)
{
  int64_t in = ps_bind_size (b, "input_size"), h = ps_bind_size (b, "hidden_size");
  int64_t layers_n = ps_bind_int (b, "num_layers");
  gboolean bias = ps_bind_bool (b, "bias"), bidir = ps_bind_bool (b, "bidirectional");
  int64_t proj = b->e->family == F_LSTM ? ps_bind_size (b, "proj_size") : 0;
  double dropout = ps_bind_double (b, "dropout");
  int64_t real_h, dirs = bidir ? 2 : 1;

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
          ps_bind_fail (b, "Unknown nonlinearity '%s'", nl ? nl : "?");
          return FALSE;
        }
    }
  if (dropout < 0 || dropout > 1)
    ps_bind_fail (b, "dropout should be a number in range [0, 1] representing the probability "
                  "of an element being zeroed");
  else if (h <= 0)
    ps_bind_fail (b, "hidden_size must be greater than zero");
  else if (layers_n <= 0)
    ps_bind_fail (b, "num_layers must be greater than zero");
  else if (proj < 0 || (proj > 0 && proj >= h))
    ps_bind_fail (b, "proj_size has to be smaller than hidden_size");
  if (b->failed)
    return FALSE;
  ps_module_set_option (m, "dropout", g_variant_new_double (dropout));
  ps_module_set_option (m, "proj_size", g_variant_new_int64 (proj));
  real_h = proj > 0 ? proj : h;
  for (int l = 0; l < layers_n; l++)
    for (int d = 0; d < dirs; d++)
      {
        int64_t lin = l == 0 ? in : real_h * dirs;
        if (!rnn_param (m, "weight_ih", l, d, 2, I64 (gates) * h, lin)
            || !rnn_param (m, "weight_hh", l, d, 2, I64 (gates) * h, real_h))
          return FALSE;
        if (bias && (!rnn_param (m, "bias_ih", l, d, 1, I64 (gates) * h, I64 (0))
                     || !rnn_param (m, "bias_hh", l, d, 1, I64 (gates) * h, I64 (0))))
          return FALSE;
        if (proj > 0 && !rnn_param (m, "weight_hr", l, d, 2, proj, h))
          return FALSE;
      }
  return TRUE;
}

static gboolean
build_cell (PsLayerBind *b, PsModule *m, int gates)
{
  int64_t in = ps_bind_size (b, "input_size"), h = ps_bind_size (b, "hidden_size");
  gboolean bias = ps_bind_bool (b, "bias");

  if (b->failed)
    return FALSE;
  if (b->e->family == F_RNN_CELL)
    {
      GVariant *v = g_hash_table_lookup (b->kv, "nonlinearity");
      const char *nl = v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING)
                       ? g_variant_get_string (v, NULL) : NULL;
      if (nl == NULL || (strcmp (nl, "tanh") && strcmp (nl, "relu")))
        {
          ps_bind_fail (b, "Unknown nonlinearity: %s", nl ? nl : "?");
          return FALSE;
        }
    }
  if (!ps_layer_add_meta (m, "weight_ih", FALSE, PS_DTYPE_F32, 2, I64 (gates) * h, in)
      || !ps_layer_add_meta (m, "weight_hh", FALSE, PS_DTYPE_F32, 2, I64 (gates) * h, h))
    return FALSE;
  if (bias && (!ps_layer_add_meta (m, "bias_ih", FALSE, PS_DTYPE_F32, 1, I64 (gates) * h)
               || !ps_layer_add_meta (m, "bias_hh", FALSE, PS_DTYPE_F32, 1, I64 (gates) * h)))
    return FALSE;
  return TRUE;
}

static gboolean
build_mha (PsLayerBind *b, PsModule *m)
{
  int64_t e = ps_bind_size (b, "embed_dim"), heads = ps_bind_int (b, "num_heads");
  gboolean bias = ps_bind_bool (b, "bias"), bias_kv = ps_bind_bool (b, "add_bias_kv");
  GVariant *kd = g_hash_table_lookup (b->kv, "kdim"), *vd = g_hash_table_lookup (b->kv, "vdim");
  int64_t kdim = e, vdim = e;
  PsModule *out_proj;

  if (!ps_layer_is_none (kd))
    kdim = ps_bind_size (b, "kdim");
  if (!ps_layer_is_none (vd))
    vdim = ps_bind_size (b, "vdim");
  if (b->failed)
    return FALSE;
  if (heads <= 0 || e % heads != 0)
    {
      ps_bind_fail (b, "embed_dim must be divisible by num_heads");
      return FALSE;
    }
  ps_module_set_option (m, "kdim", g_variant_new_int64 (kdim));
  ps_module_set_option (m, "vdim", g_variant_new_int64 (vdim));
  if (kdim == e && vdim == e)
    {
      if (!ps_layer_add_meta (m, "in_proj_weight", FALSE, PS_DTYPE_F32, 2, 3 * e, e))
        return FALSE;
    }
  else if (!ps_layer_add_meta (m, "q_proj_weight", FALSE, PS_DTYPE_F32, 2, e, e)
           || !ps_layer_add_meta (m, "k_proj_weight", FALSE, PS_DTYPE_F32, 2, e, kdim)
           || !ps_layer_add_meta (m, "v_proj_weight", FALSE, PS_DTYPE_F32, 2, e, vdim))
    return FALSE;
  if (bias && !ps_layer_add_meta (m, "in_proj_bias", FALSE, PS_DTYPE_F32, 1, 3 * e))
    return FALSE;
  if (bias_kv && (!ps_layer_add_meta (m, "bias_k", FALSE, PS_DTYPE_F32, 3, I64 (1), I64 (1), e)
                  || !ps_layer_add_meta (m, "bias_v", FALSE, PS_DTYPE_F32, 3, I64 (1), I64 (1), e)))
    return FALSE;
  out_proj = ps_module_new_linear_meta (e, e, bias);
  ps_module_set_class_name (out_proj, "NonDynamicallyQuantizableLinear");
  return ps_module_append (m, "out_proj", out_proj, b->error);
}

gboolean
ps_layer_sequence_build (PsLayerBind *b, PsModule *m)
{
  const PsLayerEntry *e = b->e;

  switch (e->family)
    {
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
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_sequence_extra_repr (GString *s, PsModule *m, const PsLayerEntry *e)
{
  switch (e->family)
    {
    case F_RNN:
    case F_LSTM:
    case F_GRU:
      ps_layer_append_opt (s, m, "", "input_size", FALSE);
      ps_layer_append_opt (s, m, ", ", "hidden_size", FALSE);
      if (ps_module_get_option_int (m, "proj_size", 0) != 0)
        ps_layer_append_opt (s, m, ", proj_size=", "proj_size", FALSE);
      if (ps_module_get_option_int (m, "num_layers", 1) != 1)
        ps_layer_append_opt (s, m, ", num_layers=", "num_layers", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bias"), G_VARIANT_TYPE_BOOLEAN)
          || !ps_module_get_option_bool (m, "bias", TRUE))
        ps_layer_append_opt (s, m, ", bias=", "bias", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "batch_first"), G_VARIANT_TYPE_BOOLEAN)
          || ps_module_get_option_bool (m, "batch_first", FALSE))
        ps_layer_append_opt (s, m, ", batch_first=", "batch_first", FALSE);
      if (ps_module_get_option_double (m, "dropout", 0) != 0)
        ps_layer_append_opt (s, m, ", dropout=", "dropout", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bidirectional"), G_VARIANT_TYPE_BOOLEAN)
          || ps_module_get_option_bool (m, "bidirectional", FALSE))
        ps_layer_append_opt (s, m, ", bidirectional=", "bidirectional", FALSE);
      break;
    case F_RNN_CELL:
    case F_LSTM_CELL:
    case F_GRU_CELL:
      ps_layer_append_opt (s, m, "", "input_size", FALSE);
      ps_layer_append_opt (s, m, ", ", "hidden_size", FALSE);
      if (!g_variant_is_of_type (ps_module_get_option (m, "bias"), G_VARIANT_TYPE_BOOLEAN)
          || !ps_module_get_option_bool (m, "bias", TRUE))
        ps_layer_append_opt (s, m, ", bias=", "bias", FALSE);
      if (e->family == F_RNN_CELL
          && g_strcmp0 (ps_module_get_option_string (m, "nonlinearity"), "tanh") != 0)
        ps_layer_append_opt (s, m, ", nonlinearity=", "nonlinearity", FALSE);
      break;
    case F_MHA:
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_sequence_reset (PsModule *m, const PsLayerEntry *e, PsRng *rng)
{
  switch (e->family)
    {
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
          ps_layer_uniform (ps_module_get_param (m, i), rng, stdv);
      }
      break;
    case F_MHA:
      {
        PsModule *out_proj = ps_module_find_module (m, "out_proj");
        if (ps_layer_own (m, "in_proj_weight"))
          ps_layer_scheme ("xavier_uniform()", ps_layer_own (m, "in_proj_weight"), rng);
        else
          {
            ps_layer_scheme ("xavier_uniform()", ps_layer_own (m, "q_proj_weight"), rng);
            ps_layer_scheme ("xavier_uniform()", ps_layer_own (m, "k_proj_weight"), rng);
            ps_layer_scheme ("xavier_uniform()", ps_layer_own (m, "v_proj_weight"), rng);
          }
        if (ps_layer_own (m, "in_proj_bias"))
          {
            ps_layer_fill (ps_layer_own (m, "in_proj_bias"), 0);
            if (out_proj && ps_module_get_param_by_name (out_proj, "bias"))
              ps_layer_fill (ps_module_get_param_by_name (out_proj, "bias"), 0);
          }
        if (ps_layer_own (m, "bias_k"))
          ps_layer_scheme ("xavier_normal()", ps_layer_own (m, "bias_k"), rng);
        if (ps_layer_own (m, "bias_v"))
          ps_layer_scheme ("xavier_normal()", ps_layer_own (m, "bias_v"), rng);
      }
      break;
    default:
      g_assert_not_reached ();
    }
}
