/* ps-layer-norm.c — BatchNorm, InstanceNorm, LayerNorm and GroupNorm: affine
 * parameters and running statistics, extra_repr and reset_parameters() */
#include "ps-layer-private.h"

static gboolean
build_norm (PsLayerBind *b, PsModule *m, gboolean affine, gboolean track)
{
  int64_t c = ps_bind_size (b, "num_features");

  if (b->failed)
    return FALSE;
  if (affine && (!ps_layer_add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, c)
                 || !ps_layer_add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, c)))
    return FALSE;
  if (track && (!ps_layer_add_meta (m, "running_mean", TRUE, PS_DTYPE_F32, 1, c)
                || !ps_layer_add_meta (m, "running_var", TRUE, PS_DTYPE_F32, 1, c)
                || !ps_layer_add_meta (m, "num_batches_tracked", TRUE, PS_DTYPE_I64, 0)))
    return FALSE;
  return TRUE;
}

gboolean
ps_layer_norm_build (PsLayerBind *b, PsModule *m)
{
  const PsLayerEntry *e = b->e;

  switch (e->family)
    {
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      {
        gboolean affine = ps_bind_bool (b, "affine");
        gboolean track = ps_bind_bool (b, "track_running_stats");
        GVariant *mom = g_hash_table_lookup (b->kv, "momentum");
        ps_bind_double (b, "eps");
        if (!ps_layer_is_none (mom))
          ps_bind_double (b, "momentum");
        return !b->failed && build_norm (b, m, affine, track);
      }
    case F_LAYER_NORM:
      {
        GVariant *ns = g_hash_table_lookup (b->kv, "normalized_shape");
        g_autoptr (GVariant) list = NULL;
        gboolean affine = ps_bind_bool (b, "elementwise_affine");
        int64_t shape[PS_TENSOR_MAX_DIMS];
        int n = 0;
        ps_bind_double (b, "eps");
        if (b->failed)
          return FALSE;
        if (g_variant_is_of_type (ns, G_VARIANT_TYPE ("mav")) && g_variant_n_children (ns) == 1)
          ns = list = g_variant_get_maybe (ns);       /* a list: as a tuple */
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
                  ps_bind_fail (b, "normalized_shape must be an integer or a tuple of integers");
                  return FALSE;
                }
              shape[n++] = g_variant_get_int64 (in);
            }
        else
          {
            ps_bind_fail (b, "normalized_shape must be an integer or a tuple of at most %d "
                          "integers", PS_TENSOR_MAX_DIMS);
            return FALSE;
          }
        for (int i = 0; i < n; i++)
          if (shape[i] < 0)
            {
              ps_bind_fail (b, "normalized_shape must not be negative");
              return FALSE;
            }
        ps_module_set_option (m, "normalized_shape", ps_layer_tuple (shape, n));
        return !affine || (ps_layer_add_meta_shape (m, "weight", n, shape)
                           && ps_layer_add_meta_shape (m, "bias", n, shape));
      }
    case F_GROUP_NORM:
      {
        int64_t g = ps_bind_int (b, "num_groups"), c = ps_bind_size (b, "num_channels");
        gboolean affine = ps_bind_bool (b, "affine");
        ps_bind_double (b, "eps");
        if (!b->failed && (g <= 0 || c % g != 0))
          ps_bind_fail (b, "num_channels must be divisible by num_groups");
        if (b->failed)
          return FALSE;
        return !affine || (ps_layer_add_meta (m, "weight", FALSE, PS_DTYPE_F32, 1, c)
                           && ps_layer_add_meta (m, "bias", FALSE, PS_DTYPE_F32, 1, c));
      }
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_norm_extra_repr (GString *s, PsModule *m, const PsLayerEntry *e)
{
  switch (e->family)
    {
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      ps_layer_append_opt (s, m, "", "num_features", FALSE);
      ps_layer_append_opt (s, m, ", eps=", "eps", FALSE);
      ps_layer_append_opt (s, m, ", momentum=", "momentum", FALSE);
      ps_layer_append_opt (s, m, ", affine=", "affine", FALSE);
      ps_layer_append_opt (s, m, ", track_running_stats=", "track_running_stats", FALSE);
      break;
    case F_LAYER_NORM:
      ps_layer_append_opt (s, m, "", "normalized_shape", FALSE);
      ps_layer_append_opt (s, m, ", eps=", "eps", FALSE);
      ps_layer_append_opt (s, m, ", elementwise_affine=", "elementwise_affine", FALSE);
      break;
    case F_GROUP_NORM:
      ps_layer_append_opt (s, m, "", "num_groups", FALSE);
      ps_layer_append_opt (s, m, ", ", "num_channels", FALSE);
      ps_layer_append_opt (s, m, ", eps=", "eps", FALSE);
      ps_layer_append_opt (s, m, ", affine=", "affine", FALSE);
      break;
    default:
      g_assert_not_reached ();
    }
}

void
ps_layer_norm_reset (PsModule *m, const PsLayerEntry *e)
{
  switch (e->family)
    {
    case F_BATCH_NORM:
    case F_INSTANCE_NORM:
      /* reset_running_stats(), then weight ones and bias zeros */
      if (ps_layer_own (m, "running_mean"))
        {
          ps_layer_fill (ps_layer_own (m, "running_mean"), 0);
          ps_layer_fill (ps_layer_own (m, "running_var"), 1);
          ps_layer_fill (ps_layer_own (m, "num_batches_tracked"), 0);
        }
      if (ps_layer_own (m, "weight"))
        {
          ps_layer_fill (ps_layer_own (m, "weight"), 1);
          ps_layer_fill (ps_layer_own (m, "bias"), 0);
        }
      break;
    case F_LAYER_NORM:
    case F_GROUP_NORM:
      if (ps_layer_own (m, "weight"))
        {
          ps_layer_fill (ps_layer_own (m, "weight"), 1);
          ps_layer_fill (ps_layer_own (m, "bias"), 0);
        }
      break;
    default:
      g_assert_not_reached ();
    }
}
