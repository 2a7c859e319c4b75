/* py-nn-layers.c — torch.nn's other layers (Conv2d, BatchNorm2d, MaxPool2d,
 * ...) built by core/ps-layer from a call's Python arguments
 *
 * The arguments become ps-layer's GVariants (int, float, bool, str, None,
 * tuples and lists of them); ps_layer_new binds them with PyTorch's
 * signature and initializes the parameters as the constructor does, drawing
 * from the interpreter's generator.
 */
#include "py-eval.h"
#include "ps-layer.h"
#include "ps-i18n.h"

#include <string.h>

const char *const py_nn_layer_names[] = {
  "Conv1d", "Conv2d", "ConvTranspose2d", "MaxPool2d", "AvgPool2d", "AdaptiveAvgPool2d",
  "AdaptiveMaxPool2d", "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", "Dropout",
  "Embedding", "RNN", "GRU", "LSTM", "Softmax", "LogSoftmax", "SiLU", "ELU", "SELU",
  "Softplus", "Mish", "Hardswish", "Hardsigmoid", "ReLU6", "PReLU", "Unflatten", NULL
};

/* a Python value as ps-layer's argument; NULL (TypeError raised) otherwise */
static GVariant *
to_variant (PyInterp *ip, PyObj *v, int depth)
{
  if (v == py_none)
    return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
  if (v->type == &py_bool_type)
    return g_variant_new_boolean (v == py_true);
  if (v->type == &py_int_type)
    return g_variant_new_int64 (PY_INT (v));
  if (v->type == &py_float_type)
    return g_variant_new_double (PY_FLOAT (v));
  if (v->type == &py_str_type)
    return g_variant_new_string (PY_STR (v));
  if ((PY_IS (v, py_tuple_type) || PY_IS (v, py_list_type)) && depth < 4)
    {
      PyObj **items;
      gsize n;
      GVariantBuilder b;
      py_sequence_items (v, &items, &n);
      g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
      for (gsize i = 0; i < n; i++)
        {
          GVariant *x = to_variant (ip, items[i], depth + 1);
          if (!x)
            {
              g_variant_builder_clear (&b);
              return NULL;
            }
          g_variant_builder_add (&b, "v", x);
        }
      return g_variant_builder_end (&b);
    }
  py_raise (ip, py_exc_TypeError, _("an argument of type %s is not supported by this layer"),
            v->type->name);
  return NULL;
}

PsModule *
py_nn_layer_new (PyInterp *ip, const char *cls, PyArgs *a)
{
  PsLayerArgs *args = ps_layer_args_new ();
  GError *e = NULL;
  PsModule *m = NULL;

  for (int i = 0; i < a->npos + a->nkw; i++)
    {
      GVariant *v = to_variant (ip, i < a->npos ? a->pos[i] : a->kwv[i - a->npos], 0);
      if (!v)
        goto out;
      ps_layer_args_add (args, i < a->npos ? NULL : a->kwn[i - a->npos], v);
    }
  m = ps_layer_new (cls, args, py_torch_rng (ip), &e);
  if (!m)
    {
      py_raise (ip, py_exc_TypeError, "%s", e->message);
      g_error_free (e);
    }
out:
  ps_layer_args_free (args);
  return m;
}

/* a layer option as Python holds it: int, float, bool, str, None, tuples */
static PyObj *
from_variant (GVariant *v)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) in = g_variant_get_variant (v);
      return from_variant (in);
    }
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return py_bool (g_variant_get_boolean (v));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return py_int_new (g_variant_get_int64 (v));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    return py_int_new (g_variant_get_int32 (v));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return py_float_new (g_variant_get_double (v));
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    return py_str_new (g_variant_get_string (v, NULL), -1);
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE))
    {
      g_autoptr (GVariant) in = g_variant_get_maybe (v);
      return in ? from_variant (in) : py_none;
    }
  if (g_variant_is_container (v))
    {
      gsize n = g_variant_n_children (v);
      PyObj *t = py_tuple_new (n);
      for (gsize i = 0; i < n && t; i++)
        {
          g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
          PyObj *x = from_variant (c);
          if (!x)
            {
              py_decref (t);
              return NULL;
            }
          PY_TUPLE (t)->items[i] = x;
        }
      return t;
    }
  return NULL;
}

PyObj *
py_nn_layer_option (PsModule *m, const char *name)
{
  GVariant *v = ps_module_get_option (m, name);
  return v ? from_variant (v) : NULL;
}
