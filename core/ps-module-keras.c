/* ps-module-keras.c — a Keras layer's names and a weight's layout, as the
 * window shows them (ps-module.h)
 *
 * A Keras layer built by the interpreter (core/py/py-keras-layers.c) is a
 * PsModule whose option "keras_scope" holds the name scope its variables were
 * made under ("sequential_1/sequential_2/block-1/dense_3"); a variable's path
 * is that scope and its name, as Keras 3 prints it.  Every Keras layer and
 * model carries the option "keras" (TRUE): the tape runs a Keras Sequential
 * in order, Flatten as torch.flatten(x, 1), Dense as Keras computes it.  A weight's axes: a Keras
 * kernel is (in, out) — rows are the inputs, columns the units — while
 * PyTorch's Linear weight is (out, in).
 */
#include "ps-module.h"

#include <string.h>

#define KERAS_SCOPE "keras_scope"
#define KERAS_MARK "keras"

void
ps_module_mark_keras (PsModule *m)
{
  g_return_if_fail (m != NULL);
  ps_module_set_option (m, KERAS_MARK, g_variant_new_boolean (TRUE));
}

gboolean
ps_module_is_keras (PsModule *m)
{
  g_return_val_if_fail (m != NULL, FALSE);
  return ps_module_get_option_bool (m, KERAS_MARK, FALSE);
}

void
ps_module_set_keras_scope (PsModule *m, const char *scope)
{
  g_return_if_fail (m != NULL && scope != NULL);
  ps_module_set_option (m, KERAS_SCOPE, g_variant_new_string (scope));
}

const char *
ps_module_get_keras_scope (PsModule *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return ps_module_get_option_string (m, KERAS_SCOPE);
}

char *
ps_module_keras_path (PsModule *owner, const char *param_name)
{
  const char *scope;

  g_return_val_if_fail (param_name != NULL, NULL);
  if (owner == NULL || (scope = ps_module_get_keras_scope (owner)) == NULL)
    return NULL;
  if (ps_module_get_param_by_name (owner, param_name) == NULL)
    return NULL;
  return *scope ? g_strdup_printf ("%s/%s", scope, param_name) : g_strdup (param_name);
}

gboolean
ps_module_weight_axes (PsModule *owner, const char *param_name, PsWeightAxes *axes)
{
  g_return_val_if_fail (param_name != NULL && axes != NULL, FALSE);
  memset (axes, 0, sizeof *axes);
  if (owner == NULL)
    return FALSE;
  if (ps_module_is_keras (owner) && strcmp (ps_module_get_type_name (owner), "Dense") == 0 && strcmp (param_name, "kernel") == 0)
    {
      axes->in_out = TRUE;          /* Keras: kernel (input_dim, units) */
      axes->rows = "input_dim";
      axes->cols = "units";
      return TRUE;
    }
  if (ps_module_get_kind (owner) == PS_MODULE_LINEAR && strcmp (param_name, "weight") == 0)
    {
      axes->in_out = FALSE;         /* PyTorch: weight (out_features, in_features) */
      axes->rows = "out_features";
      axes->cols = "in_features";
      return TRUE;
    }
  return FALSE;
}

gboolean
ps_module_keras_dense_dims (PsModule *m, int64_t *in, int64_t *out)
{
  PsParam *k;
  int64_t shape[PS_TENSOR_MAX_DIMS];

  if (!ps_module_is_keras (m) || strcmp (ps_module_get_type_name (m), "Dense") != 0
      || (k = ps_module_get_param_by_name (m, "kernel")) == NULL || ps_param_get_shape (k, shape) != 2)
    return FALSE;
  if (in)
    *in = shape[0];
  if (out)
    *out = shape[1];
  return TRUE;
}
