/* ps-layer-linear.c — Linear's relatives in the table: Bilinear and PReLU (a
 * weight that multiplies), Embedding and EmbeddingBag (a weight that is
 * indexed: a Linear of one-hot rows).  Linear itself is the core's own kind
 * (ps-linear.c).  Shapes, option checks, extra_repr, reset_parameters(). */
#include "ps-layer-private.h"

#include <math.h>
#include <string.h>

gboolean
ps_layer_linear_build (PsLayerBind *b, PsModule *m)
{
  const PsLayerEntry *e = b->e;

  switch (e->family)
    {
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      {
        int64_t n = ps_bind_size (b, "num_embeddings"), d = ps_bind_size (b, "embedding_dim");
        GVariant *pi = g_hash_table_lookup (b->kv, "padding_idx");
        ps_bind_double (b, "norm_type");
        if (e->family == F_EMBEDDING_BAG)
          {
            GVariant *mode = g_hash_table_lookup (b->kv, "mode");
            const char *ms = g_variant_is_of_type (mode, G_VARIANT_TYPE_STRING)
                             ? g_variant_get_string (mode, NULL) : "";
            if (strcmp (ms, "sum") && strcmp (ms, "mean") && strcmp (ms, "max"))
              ps_bind_fail (b, "mode has to be one of sum, mean or max");
          }
        if (!ps_layer_is_none (pi))
          {
            int64_t p = ps_bind_int (b, "padding_idx");
            if (!b->failed && (p >= n || p < -n))
              ps_bind_fail (b, "Padding_idx must be within num_embeddings");
            else if (!b->failed && p < 0)
              ps_module_set_option (m, "padding_idx", g_variant_new_int64 (p + n));
          }
        return !b->failed && ps_layer_add_meta (m, "weight", FALSE, PS_DTYPE_F32, 2, n, d);
      }
    case F_BILINEAR:
      {
        int64_t i1 = ps_bind_size (b, "in1_features"), i2 = ps_bind_size (b, "in2_features");
        int64_t o = ps_bind_size (b, "out_features");
        gboolean bias = ps_bind_bool (b, "bias");
        return !b->failed && ps_layer_add_meta (m, "weight", FALSE, PS_DTYPE_F32, 3, o, i1, i2)
               && (!bias || ps_layer_add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, o));
      }
    case F_PRELU:
      {
        int64_t n = ps_bind_size (b, "num_parameters");
        ps_bind_double (b, "init");
        return !b->failed && ps_layer_add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, n);
      }
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_linear_extra_repr (GString *s, PsModule *m, const PsLayerEntry *e)
{
  switch (e->family)
    {
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      ps_layer_append_opt (s, m, "", "num_embeddings", FALSE);
      ps_layer_append_opt (s, m, ", ", "embedding_dim", FALSE);
      if (e->family == F_EMBEDDING && !ps_layer_is_none (ps_module_get_option (m, "padding_idx")))
        ps_layer_append_opt (s, m, ", padding_idx=", "padding_idx", FALSE);
      if (!ps_layer_is_none (ps_module_get_option (m, "max_norm")))
        ps_layer_append_opt (s, m, ", max_norm=", "max_norm", FALSE);
      if (ps_module_get_option_double (m, "norm_type", 2) != 2)
        ps_layer_append_opt (s, m, ", norm_type=", "norm_type", FALSE);
      if (ps_module_get_option_bool (m, "scale_grad_by_freq", FALSE))
        ps_layer_append_opt (s, m, ", scale_grad_by_freq=", "scale_grad_by_freq", FALSE);
      if (e->family == F_EMBEDDING)
        {
          if (ps_module_get_option_bool (m, "sparse", FALSE))
            g_string_append (s, ", sparse=True");
        }
      else
        {
          ps_layer_append_opt (s, m, ", mode=", "mode", FALSE);
          if (!ps_layer_is_none (ps_module_get_option (m, "padding_idx")))
            ps_layer_append_opt (s, m, ", padding_idx=", "padding_idx", FALSE);
        }
      break;
    case F_BILINEAR:
      ps_layer_append_opt (s, m, "in1_features=", "in1_features", FALSE);
      ps_layer_append_opt (s, m, ", in2_features=", "in2_features", FALSE);
      ps_layer_append_opt (s, m, ", out_features=", "out_features", FALSE);
      g_string_append_printf (s, ", bias=%s",
                              ps_module_get_param_by_name (m, "bias") ? "True" : "False");
      break;
    case F_PRELU:
      ps_layer_append_opt (s, m, "num_parameters=", "num_parameters", FALSE);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_linear_reset (PsModule *m, const PsLayerEntry *e, PsRng *rng)
{
  switch (e->family)
    {
    case F_EMBEDDING:
    case F_EMBEDDING_BAG:
      {
        PsParam *w = ps_layer_own (m, "weight");
        PsTensor *t = ps_param_get_data (w);
        GVariant *pi = ps_module_get_option (m, "padding_idx");
        if (t == NULL)
          break;
        ps_rng_fill_normal (rng, t->data, t->numel, 0, 1);
        if (!ps_layer_is_none (pi) && t->ndim == 2)
          {
            int64_t row = ps_module_get_option_int (m, "padding_idx", 0);
            if (row >= 0 && row < t->shape[0])
              memset (t->data + row * t->shape[1], 0, (size_t) t->shape[1] * sizeof (float));
          }
        ps_param_changed (w, PS_CHANGE_DATA);
      }
      break;
    case F_BILINEAR:
      {
        int64_t shape[PS_TENSOR_MAX_DIMS];
        double bound;
        ps_param_get_shape (ps_layer_own (m, "weight"), shape);
        bound = 1 / sqrt ((double) shape[1]);
        ps_layer_uniform (ps_layer_own (m, "weight"), rng, bound);
        if (ps_layer_own (m, "bias"))
          ps_layer_uniform (ps_layer_own (m, "bias"), rng, bound);
      }
      break;
    case F_PRELU:
      ps_layer_fill (ps_layer_own (m, "weight"),
                     (float) ps_module_get_option_double (m, "init", 0.25));
      break;
    default:
      g_assert_not_reached ();
    }
}
