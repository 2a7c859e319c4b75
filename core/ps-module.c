/* ps-module.c — modules: construction, options, children, parameters and buffers, clone */
#include "ps-module-private.h"
#include "ps-block.h"
#include "ps-error.h"
#include "ps-util.h"

#include <math.h>
#include <string.h>

static PsModule *
module_alloc (PsModuleKind kind)
{
  PsModule *m = g_new0 (PsModule, 1);

  g_atomic_ref_count_init (&m->ref);
  m->kind = kind;
  m->child_names = g_ptr_array_new_with_free_func (g_free);
  m->children = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  m->param_names = g_ptr_array_new_with_free_func (g_free);
  m->params = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_param_unref);
  m->buffer_names = g_ptr_array_new_with_free_func (g_free);
  m->buffers = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_param_unref);
  m->buffer_persistent = g_array_new (FALSE, FALSE, sizeof (gboolean));
  m->params_known = TRUE;
  m->negative_slope = 0.01;
  m->slope_text = g_strdup ("0.01");
  m->start_dim = 1;
  m->end_dim = -1;
  return m;
}

PsModule *
ps_module_new (PsModuleKind kind)
{
  g_return_val_if_fail (kind != PS_MODULE_LINEAR && kind != PS_MODULE_CONTAINER
                        && kind != PS_MODULE_LAYER, NULL);
  return module_alloc (kind);
}

static gboolean
class_name_ok (const char *name)
{
  if (name == NULL || !(g_ascii_isalpha (*name) || *name == '_'))
    return FALSE;
  for (const char *p = name; *p; p++)
    if (!(g_ascii_isalnum (*p) || *p == '_'))
      return FALSE;
  return TRUE;
}

PsModule *
ps_module_new_container (const char *class_name)
{
  PsModule *m;

  g_return_val_if_fail (class_name_ok (class_name), NULL);
  m = module_alloc (PS_MODULE_CONTAINER);
  m->class_name = g_strdup (class_name);
  return m;
}

PsModule *
ps_module_new_layer (const char *type_name)
{
  PsModule *m;

  g_return_val_if_fail (class_name_ok (type_name), NULL);
  m = module_alloc (PS_MODULE_LAYER);
  m->class_name = g_strdup (type_name);
  return m;
}

PsModule *
ps_module_new_sequential (void)
{
  return module_alloc (PS_MODULE_SEQUENTIAL);
}

static void
add_param (PsModule *m, const char *name, PsParam *p)
{
  g_ptr_array_add (m->param_names, g_strdup (name));
  g_ptr_array_add (m->params, p);
}

PsModule *
ps_module_new_linear (int64_t in_features, int64_t out_features, gboolean bias, PsRng *rng)
{
  PsModule *m;
  g_autoptr (PsTensor) w = NULL;

  g_return_val_if_fail (in_features >= 0 && out_features >= 0, NULL);
  w = ps_tensor_new_2d (out_features, in_features);
  if (w == NULL)
    return NULL;
  m = module_alloc (PS_MODULE_LINEAR);
  m->in_features = in_features;
  m->out_features = out_features;
  add_param (m, "weight", ps_param_new (w));
  if (bias)
    {
      g_autoptr (PsTensor) b = ps_tensor_new_1d (out_features);
      add_param (m, "bias", ps_param_new (b));
    }
  if (rng)
    ps_module_reset_parameters (m, rng);
  return m;
}

PsModule *
ps_module_new_linear_meta (int64_t in_features, int64_t out_features, gboolean bias)
{
  PsModule *m;
  int64_t shape[2] = { out_features, in_features };

  g_return_val_if_fail (in_features >= 0 && out_features >= 0, NULL);
  if (ps_shape_numel (2, shape) < 0)
    return NULL;
  m = module_alloc (PS_MODULE_LINEAR);
  m->in_features = in_features;
  m->out_features = out_features;
  add_param (m, "weight", ps_param_new_meta (2, shape, PS_DTYPE_F32));
  if (bias)
    add_param (m, "bias", ps_param_new_meta (1, shape, PS_DTYPE_F32));
  return m;
}

void
ps_module_set_class_name (PsModule *m, const char *class_name)
{
  g_return_if_fail (class_name_ok (class_name));
  g_free (m->class_name);
  m->class_name = g_strdup (class_name);
}

PsModule *
ps_module_new_lazy_linear (int64_t out_features, gboolean bias)
{
  PsModule *m = module_alloc (PS_MODULE_LINEAR);

  m->lazy = TRUE;
  m->out_features = out_features;
  add_param (m, "weight", ps_param_new_uninitialized ());
  if (bias)
    add_param (m, "bias", ps_param_new_uninitialized ());
  return m;
}

PsModule *
ps_module_new_leaky_relu (double negative_slope, gboolean inplace)
{
  PsModule *m = module_alloc (PS_MODULE_LEAKY_RELU);

  m->negative_slope = negative_slope;
  g_free (m->slope_text);
  m->slope_text = ps_python_float_repr (negative_slope);
  m->inplace = inplace;
  return m;
}

PsModule *
ps_module_new_flatten (int start_dim, int end_dim)
{
  PsModule *m = module_alloc (PS_MODULE_FLATTEN);

  m->start_dim = start_dim;
  m->end_dim = end_dim;
  return m;
}

PsModule *
ps_module_ref (PsModule *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  g_atomic_ref_count_inc (&m->ref);
  return m;
}

void
ps_module_unref (PsModule *m)
{
  if (m == NULL || !g_atomic_ref_count_dec (&m->ref))
    return;
  g_ptr_array_unref (m->child_names);
  g_ptr_array_unref (m->children);
  if (m->child_index)
    g_hash_table_unref (m->child_index);
  g_ptr_array_unref (m->param_names);
  g_ptr_array_unref (m->params);
  g_ptr_array_unref (m->buffer_names);
  g_ptr_array_unref (m->buffers);
  g_array_unref (m->buffer_persistent);
  if (m->options)
    g_hash_table_unref (m->options);
  if (m->forward_destroy)
    m->forward_destroy (m->forward_data);
  g_clear_pointer (&m->program_error, g_free);
  g_clear_pointer (&m->program, ps_block_program_unref);
  g_free (m->class_name);
  g_free (m->extra);
  g_free (m->slope_text);
  g_free (m);
}

PsModuleKind
ps_module_get_kind (PsModule *m)
{
  return m->kind;
}

const char *
ps_module_get_type_name (PsModule *m)
{
  switch (m->kind)
    {
    case PS_MODULE_SEQUENTIAL: return "Sequential";
    case PS_MODULE_LINEAR:     return m->lazy ? "LazyLinear" : m->class_name ? m->class_name : "Linear";
    case PS_MODULE_RELU:       return "ReLU";
    case PS_MODULE_LEAKY_RELU: return "LeakyReLU";
    case PS_MODULE_SIGMOID:    return "Sigmoid";
    case PS_MODULE_TANH:       return "Tanh";
    case PS_MODULE_GELU:       return "GELU";
    case PS_MODULE_IDENTITY:   return "Identity";
    case PS_MODULE_FLATTEN:    return "Flatten";
    case PS_MODULE_CONTAINER:
    case PS_MODULE_LAYER:      return m->class_name;
    default:                   g_assert_not_reached ();
    }
}

void
ps_module_set_inplace (PsModule *m, gboolean inplace)
{
  m->inplace = !!inplace;
}

void
ps_module_set_gelu_tanh (PsModule *m, gboolean tanh_approx)
{
  m->gelu_tanh = !!tanh_approx;
}

void
ps_module_set_slope_text (PsModule *m, const char *python_repr)
{
  g_free (m->slope_text);
  m->slope_text = g_strdup (python_repr);
}

double
ps_module_get_negative_slope (PsModule *m)
{
  return m->negative_slope;
}

gboolean
ps_module_get_gelu_tanh (PsModule *m)
{
  return m->gelu_tanh;
}

void
ps_module_get_flatten_dims (PsModule *m, int *start_dim, int *end_dim)
{
  *start_dim = m->start_dim;
  *end_dim = m->end_dim;
}

int64_t
ps_module_get_in_features (PsModule *m)
{
  return m->in_features;
}

int64_t
ps_module_get_out_features (PsModule *m)
{
  return m->out_features;
}

gboolean
ps_module_has_bias (PsModule *m)
{
  return m->kind == PS_MODULE_LINEAR && ps_module_get_param_by_name (m, "bias") != NULL;
}

gboolean
ps_module_is_lazy (PsModule *m)
{
  return m->kind == PS_MODULE_LINEAR && m->lazy;
}

void
ps_module_set_training (PsModule *m, gboolean training)
{
  g_return_if_fail (m != NULL);
  m->evaluating = !training;
  for (guint i = 0; m->children && i < m->children->len; i++)
    ps_module_set_training (m->children->pdata[i], training);
}

gboolean
ps_module_get_training (PsModule *m)
{
  g_return_val_if_fail (m != NULL, TRUE);
  return !m->evaluating;
}

void
ps_module_reset_parameters (PsModule *m, PsRng *rng)
{
  PsParam *w, *b;
  double a, gain, std, bound;
  int64_t fan_in;

  g_return_if_fail (m->kind == PS_MODULE_LINEAR && !m->lazy);
  w = ps_module_get_param_by_name (m, "weight");
  b = ps_module_get_param_by_name (m, "bias");
  fan_in = m->in_features;
  /* kaiming_uniform_(weight, a=sqrt(5)), with Python's float arithmetic */
  if (ps_param_get_data (w)->numel > 0)
    {
      a = sqrt (5.0);
      gain = sqrt (2.0 / (1 + pow (a, 2)));
      std = gain / sqrt ((double) fan_in);
      bound = sqrt (3.0) * std;
      ps_rng_fill_uniform (rng, ps_param_get_data (w)->data, ps_param_get_data (w)->numel,
                           -bound, bound);
      ps_param_changed (w, PS_CHANGE_DATA);
    }
  if (b)
    {
      bound = fan_in > 0 ? 1 / sqrt ((double) fan_in) : 0;
      ps_rng_fill_uniform (rng, ps_param_get_data (b)->data, ps_param_get_data (b)->numel,
                           -bound, bound);
      ps_param_changed (b, PS_CHANGE_DATA);
    }
}

gboolean
ps_module_materialize (PsModule *m, int64_t in_features, PsRng *rng, GError **error)
{
  PsParam *w, *b;
  int64_t wshape[2];

  g_return_val_if_fail (ps_module_is_lazy (m), FALSE);
  if (in_features <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "LazyLinear(out_features=%" G_GINT64_FORMAT ") cannot infer in_features "
                   "from an input with %" G_GINT64_FORMAT " features",
                   m->out_features, in_features);
      return FALSE;
    }
  w = ps_module_get_param_by_name (m, "weight");
  b = ps_module_get_param_by_name (m, "bias");
  wshape[0] = m->out_features;
  wshape[1] = in_features;
  if (!ps_param_is_initialized (w) && !ps_param_materialize (w, 2, wshape, error))
    return FALSE;
  if (b && !ps_param_is_initialized (b) && !ps_param_materialize (b, 1, wshape, error))
    return FALSE;
  m->in_features = in_features;
  m->lazy = FALSE;
  if (rng)
    ps_module_reset_parameters (m, rng);
  ps_param_changed (w, PS_CHANGE_SHAPE | PS_CHANGE_DATA);
  if (b)
    ps_param_changed (b, PS_CHANGE_SHAPE | PS_CHANGE_DATA);
  return TRUE;
}

/* ---- classes, options, extra_repr, forward ------------------------------ */

void
ps_module_set_extra_repr (PsModule *m, const char *text)
{
  g_return_if_fail (m->kind == PS_MODULE_CONTAINER || m->kind == PS_MODULE_LAYER);
  g_free (m->extra);
  m->extra = text && *text ? g_strdup (text) : NULL;
}

const char *
ps_module_get_extra_repr (PsModule *m)
{
  return m->extra ? m->extra : "";
}

void
ps_module_set_params_known (PsModule *m, gboolean known)
{
  m->params_known = !!known;
}

gboolean
ps_module_get_params_known (PsModule *m)
{
  return m->params_known;
}

void
ps_module_set_option (PsModule *m, const char *name, GVariant *value)
{
  g_return_if_fail (name != NULL);
  if (m->options == NULL)
    m->options = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                        (GDestroyNotify) g_variant_unref);
  if (value == NULL)
    g_hash_table_remove (m->options, name);
  else
    g_hash_table_replace (m->options, g_strdup (name), g_variant_ref_sink (value));
}

GVariant *
ps_module_get_option (PsModule *m, const char *name)
{
  return m->options ? g_hash_table_lookup (m->options, name) : NULL;
}

static gboolean
variant_to_int (GVariant *v, int64_t *out)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    *out = g_variant_get_int64 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT32))
    *out = g_variant_get_int32 (v);
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    *out = g_variant_get_boolean (v);
  else
    return FALSE;
  return TRUE;
}

int64_t
ps_module_get_option_int (PsModule *m, const char *name, int64_t fallback)
{
  GVariant *v = ps_module_get_option (m, name);
  int64_t i;

  return v && variant_to_int (v, &i) ? i : fallback;
}

double
ps_module_get_option_double (PsModule *m, const char *name, double fallback)
{
  GVariant *v = ps_module_get_option (m, name);
  int64_t i;

  if (v == NULL)
    return fallback;
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (v);
  return variant_to_int (v, &i) ? (double) i : fallback;
}

gboolean
ps_module_get_option_bool (PsModule *m, const char *name, gboolean fallback)
{
  GVariant *v = ps_module_get_option (m, name);
  int64_t i;

  return v && variant_to_int (v, &i) ? i != 0 : fallback;
}

const char *
ps_module_get_option_string (PsModule *m, const char *name)
{
  GVariant *v = ps_module_get_option (m, name);

  return v && g_variant_is_of_type (v, G_VARIANT_TYPE_STRING) ? g_variant_get_string (v, NULL)
                                                              : NULL;
}

int
ps_module_get_option_ints (PsModule *m, const char *name, int64_t *out, int n)
{
  GVariant *v = ps_module_get_option (m, name);
  int64_t one;

  if (v == NULL)
    return 0;
  if (variant_to_int (v, &one))
    {
      for (int k = 0; k < n; k++)
        out[k] = one;
      return n;
    }
  if (g_variant_is_container (v))
    {
      int len = (int) g_variant_n_children (v);
      for (int k = 0; k < len; k++)
        {
          g_autoptr (GVariant) c = g_variant_get_child_value (v, (gsize) k);
          if (g_variant_is_of_type (c, G_VARIANT_TYPE_VARIANT))
            {
              g_autoptr (GVariant) inner = g_variant_get_variant (c);
              if (!variant_to_int (inner, &one))
                return 0;
            }
          else if (!variant_to_int (c, &one))
            return 0;
          if (k < n)
            out[k] = one;
        }
      return len;
    }
  return 0;
}

void
ps_module_set_forward (PsModule *m, PsModuleForwardFunc fn, gpointer user_data,
                       GDestroyNotify destroy)
{
  if (m->forward_destroy)
    m->forward_destroy (m->forward_data);
  m->forward = fn;
  m->forward_data = user_data;
  m->forward_destroy = destroy;
}

void
ps_module_set_program (PsModule *m, PsBlockProgram *program)
{
  if (program)
    ps_block_program_ref (program);
  g_clear_pointer (&m->program, ps_block_program_unref);
  m->program = program;
  if (program)
    g_clear_pointer (&m->program_error, g_free);
}

void
ps_module_set_program_error (PsModule *m, const char *message)
{
  g_return_if_fail (m != NULL);
  g_free (m->program_error);
  m->program_error = g_strdup (message);
}

const char *
ps_module_get_program_error (PsModule *m)
{
  g_return_val_if_fail (m != NULL, NULL);
  return m->program_error;
}

PsBlockProgram *
ps_module_get_program (PsModule *m)
{
  return m->program;
}

PsModuleForwardFunc
ps_module_get_forward (PsModule *m, gpointer *user_data)
{
  if (user_data)
    *user_data = m->forward_data;
  return m->forward;
}

/* ---- children ---------------------------------------------------------- */

/* Height of m's subtree, or -1 if it contains `forbidden` (which would make
 * a cycle).  Stops counting past the depth limit. */
static int
module_height (PsModule *m, PsModule *forbidden, int depth)
{
  int h = 0;
  if (m == forbidden)
    return -1;
  if (depth > PS_MODULE_MAX_DEPTH)
    return PS_MODULE_MAX_DEPTH;
  for (guint i = 0; i < m->children->len; i++)
    {
      int c = module_height (m->children->pdata[i], forbidden, depth + 1);
      if (c < 0)
        return -1;
      h = MAX (h, c + 1);
    }
  return h;
}

gboolean
ps_module_append (PsModule *seq, const char *name, PsModule *child, GError **error)
{
  g_autofree char *auto_name = NULL;

  g_return_val_if_fail (seq != NULL && child != NULL, FALSE);
  if (seq->kind != PS_MODULE_SEQUENTIAL && seq->kind != PS_MODULE_CONTAINER
      && seq->kind != PS_MODULE_LAYER)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "%s has no children; only Sequential can hold modules",
                   ps_module_get_type_name (seq));
      ps_module_unref (child);
      return FALSE;
    }
  {
    int height = module_height (child, seq, 0);
    if (height < 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                     "a Sequential cannot be added into itself: the network would contain itself");
        ps_module_unref (child);
        return FALSE;
      }
    if (height >= PS_MODULE_MAX_DEPTH)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                     "modules are nested more than %d deep", PS_MODULE_MAX_DEPTH);
        ps_module_unref (child);
        return FALSE;
      }
  }
  if (name == NULL)
    name = auto_name = g_strdup_printf ("%u", seq->children->len);
  if (*name == '\0' || strchr (name, '.') != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "module name \"%s\" is not allowed: it must be non-empty and contain no dot",
                   name);
      ps_module_unref (child);
      return FALSE;
    }
  /* add_module with an existing name replaces that child in place; a table
   * keeps this linear for Sequentials of many children */
  if (seq->child_index == NULL && seq->children->len >= 32)
    {
      seq->child_index = g_hash_table_new (g_str_hash, g_str_equal);
      for (guint i = 0; i < seq->children->len; i++)
        g_hash_table_insert (seq->child_index, seq->child_names->pdata[i], GUINT_TO_POINTER (i + 1));
    }
  {
    guint found = 0;
    if (seq->child_index)
      found = GPOINTER_TO_UINT (g_hash_table_lookup (seq->child_index, name));
    else
      for (guint i = 0; i < seq->children->len && !found; i++)
        if (strcmp (seq->child_names->pdata[i], name) == 0)
          found = i + 1;
    if (found)
      {
        ps_module_unref (seq->children->pdata[found - 1]);
        seq->children->pdata[found - 1] = child;
        return TRUE;
      }
  }
  g_ptr_array_add (seq->child_names, g_strdup (name));
  g_ptr_array_add (seq->children, child);
  if (seq->child_index)
    g_hash_table_insert (seq->child_index, seq->child_names->pdata[seq->children->len - 1],
                         GUINT_TO_POINTER (seq->children->len));
  return TRUE;
}

void
ps_module_remove_child (PsModule *m, guint i)
{
  g_return_if_fail (i < m->children->len);
  g_clear_pointer (&m->child_index, g_hash_table_unref);   /* rebuilt by the next append */
  g_ptr_array_remove_index (m->child_names, i);
  g_ptr_array_remove_index (m->children, i);
  if (m->kind == PS_MODULE_SEQUENTIAL)
    for (guint k = i; k < m->children->len; k++)
      {
        /* del net[i] numbers the children again, as Sequential.__delitem__ does */
        g_free (m->child_names->pdata[k]);
        m->child_names->pdata[k] = g_strdup_printf ("%u", k);
      }
}

guint
ps_module_get_n_children (PsModule *m)
{
  return m->children->len;
}

PsModule *
ps_module_get_child (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->children->len, NULL);
  return m->children->pdata[i];
}

const char *
ps_module_get_child_name (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->children->len, NULL);
  return m->child_names->pdata[i];
}

PsModule *
ps_module_get_child_named (PsModule *m, const char *name)
{
  for (guint i = 0; i < m->children->len; i++)
    if (strcmp (m->child_names->pdata[i], name) == 0)
      return m->children->pdata[i];
  return NULL;
}

gboolean
ps_module_is_indexable (PsModule *m)
{
  return m->kind == PS_MODULE_SEQUENTIAL
         || (m->kind == PS_MODULE_CONTAINER && strcmp (m->class_name, "ModuleList") == 0);
}

PsModule *
ps_module_index (PsModule *m, int64_t i, GError **error)
{
  int64_t n = m->children->len;

  if (!ps_module_is_indexable (m))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "'%s' object is not subscriptable", ps_module_get_type_name (m));
      return NULL;
    }
  if (i < -n || i >= n)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "index %" G_GINT64_FORMAT " is out of range for a %s of %"
                   G_GINT64_FORMAT " modules", i, ps_module_get_type_name (m), n);
      return NULL;
    }
  return m->children->pdata[i < 0 ? i + n : i];
}

/* ---- parameters -------------------------------------------------------- */

guint
ps_module_get_n_params (PsModule *m)
{
  return m->params->len;
}

PsParam *
ps_module_get_param (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->params->len, NULL);
  return m->params->pdata[i];
}

const char *
ps_module_get_param_name (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->params->len, NULL);
  return m->param_names->pdata[i];
}

PsParam *
ps_module_get_param_by_name (PsModule *m, const char *name)
{
  for (guint i = 0; i < m->params->len; i++)
    if (strcmp (m->param_names->pdata[i], name) == 0)
      return m->params->pdata[i];
  return NULL;
}

gboolean
ps_module_set_param (PsModule *m, const char *name, PsParam *param, GError **error)
{
  for (guint i = 0; i < m->params->len; i++)
    if (strcmp (m->param_names->pdata[i], name) == 0)
      {
        PsParam *old = m->params->pdata[i];
        int64_t sa_[PS_TENSOR_MAX_DIMS], sb_[PS_TENSOR_MAX_DIMS];
        int na = ps_param_get_shape (old, sa_), nb = ps_param_get_shape (param, sb_);

        if (old == param)
          return TRUE;
        if (na < 0 || nb < 0)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                         "cannot tie %s.%s: a lazy parameter has no shape until it is "
                         "materialized", ps_module_get_type_name (m), name);
            return FALSE;
          }
        if (na != nb || (na > 0 && memcmp (sa_, sb_, (size_t) na * sizeof (int64_t)) != 0))
          {
            g_autofree char *sa = ps_shape_to_string (na, sa_);
            g_autofree char *sb = ps_shape_to_string (nb, sb_);
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "cannot tie %s of shape %s to a parameter of shape %s", name, sa, sb);
            return FALSE;
          }
        m->params->pdata[i] = ps_param_ref (param);
        ps_param_unref (old);
        return TRUE;
      }
  g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s has no parameter '%s'%s",
               ps_module_get_type_name (m), name,
               m->kind == PS_MODULE_LINEAR ? " (it has weight and, unless bias=False, bias)" : "");
  return FALSE;
}

/* ---- own parameters and buffers: registration ------------------------------ */

static gboolean
slot_name_ok (PsModule *m, const char *name, GError **error)
{
  if (name == NULL || *name == '\0' || strchr (name, '.') != NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: the name \"%s\" is not allowed for a "
                   "parameter or buffer: it must be non-empty and contain no dot",
                   ps_module_get_type_name (m), name ? name : "");
      return FALSE;
    }
  if (ps_module_get_param_by_name (m, name) || ps_module_get_buffer_by_name (m, name))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s: attribute '%s' already exists",
                   ps_module_get_type_name (m), name);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_module_add_param (PsModule *m, const char *name, PsParam *param, GError **error)
{
  g_return_val_if_fail (param != NULL, FALSE);
  if (!slot_name_ok (m, name, error))
    {
      ps_param_unref (param);
      return FALSE;
    }
  add_param (m, name, param);
  return TRUE;
}

gboolean
ps_module_add_buffer (PsModule *m, const char *name, PsParam *buffer, gboolean persistent,
                      GError **error)
{
  g_return_val_if_fail (buffer != NULL, FALSE);
  if (!slot_name_ok (m, name, error))
    {
      ps_param_unref (buffer);
      return FALSE;
    }
  ps_param_set_requires_grad (buffer, FALSE);
  g_ptr_array_add (m->buffer_names, g_strdup (name));
  g_ptr_array_add (m->buffers, buffer);
  persistent = !!persistent;
  g_array_append_val (m->buffer_persistent, persistent);
  return TRUE;
}

guint
ps_module_get_n_buffers (PsModule *m)
{
  return m->buffers->len;
}

PsParam *
ps_module_get_buffer (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->buffers->len, NULL);
  return m->buffers->pdata[i];
}

const char *
ps_module_get_buffer_name (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->buffers->len, NULL);
  return m->buffer_names->pdata[i];
}

gboolean
ps_module_get_buffer_persistent (PsModule *m, guint i)
{
  g_return_val_if_fail (i < m->buffers->len, FALSE);
  return g_array_index (m->buffer_persistent, gboolean, i);
}

PsParam *
ps_module_get_buffer_by_name (PsModule *m, const char *name)
{
  for (guint i = 0; i < m->buffers->len; i++)
    if (strcmp (m->buffer_names->pdata[i], name) == 0)
      return m->buffers->pdata[i];
  return NULL;
}

void
ps_module_batch_norm_counted (PsModule *m)
{
  PsParam *mean = ps_module_get_buffer_by_name (m, "running_mean");
  PsParam *var = ps_module_get_buffer_by_name (m, "running_var");
  PsParam *nbt = ps_module_get_buffer_by_name (m, "num_batches_tracked");

  if (mean != NULL)
    ps_param_changed (mean, PS_CHANGE_DATA);
  if (var != NULL)
    ps_param_changed (var, PS_CHANGE_DATA);
  if (nbt != NULL)
    {
      ps_param_get_data (nbt)->data[0] += 1.f;
      ps_param_changed (nbt, PS_CHANGE_DATA);
    }
}


void
ps_module_apply (PsModule *m, PsModuleFunc fn, gpointer user_data)
{
  for (guint i = 0; i < m->children->len; i++)
    {
      gboolean repeat = FALSE;
      for (guint j = 0; j < i && !repeat; j++)
        repeat = m->children->pdata[j] == m->children->pdata[i];
      if (!repeat)
        ps_module_apply (m->children->pdata[i], fn, user_data);
    }
  fn (m, user_data);
}

static void
unref_value (gpointer key, gpointer value, gpointer data)
{
  ps_param_unref (value);
}

/* The copy of p in params (made on first sight: values, dtype, requires_grad;
 * a meta parameter stays meta). */
static PsParam *
clone_param (PsParam *p, GHashTable *params)
{
  PsParam *q = g_hash_table_lookup (params, p);

  if (q == NULL)
    {
      if (ps_param_is_meta (p))
        {
          int64_t shape[PS_TENSOR_MAX_DIMS];
          int ndim = ps_param_get_shape (p, shape);
          q = ps_param_new_meta (ndim, shape, ps_param_get_dtype (p));
        }
      else
        {
          PsTensor *d = ps_param_get_data (p);
          g_autoptr (PsTensor) copy = d ? ps_tensor_copy (d) : NULL;
          q = ps_param_new (copy);
          ps_param_set_dtype (q, ps_param_get_dtype (p));
        }
      ps_param_set_requires_grad (q, ps_param_get_requires_grad (p));
      g_hash_table_insert (params, p, q);
    }
  return q;
}

static PsModule *
clone_rec (PsModule *m, GHashTable *modules, GHashTable *params)
{
  PsModule *c = g_hash_table_lookup (modules, m);

  if (c)
    return ps_module_ref (c);
  c = module_alloc (m->kind);
  c->in_features = m->in_features;
  c->out_features = m->out_features;
  c->lazy = m->lazy;
  c->evaluating = m->evaluating;
  c->inplace = m->inplace;
  c->negative_slope = m->negative_slope;
  g_free (c->slope_text);
  c->slope_text = g_strdup (m->slope_text);
  c->gelu_tanh = m->gelu_tanh;
  c->start_dim = m->start_dim;
  c->end_dim = m->end_dim;
  c->class_name = g_strdup (m->class_name);
  c->extra = g_strdup (m->extra);
  if (m->program)
    c->program = ps_block_program_ref (m->program);
  c->params_known = m->params_known;
  if (m->options)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, m->options);
      while (g_hash_table_iter_next (&it, &k, &v))
        ps_module_set_option (c, k, v);
    }
  g_hash_table_insert (modules, m, c);          /* borrowed: m's tree keeps c alive */
  for (guint i = 0; i < m->params->len; i++)
    add_param (c, m->param_names->pdata[i], ps_param_ref (clone_param (m->params->pdata[i], params)));
  for (guint i = 0; i < m->buffers->len; i++)
    {
      g_ptr_array_add (c->buffer_names, g_strdup (m->buffer_names->pdata[i]));
      g_ptr_array_add (c->buffers, ps_param_ref (clone_param (m->buffers->pdata[i], params)));
      g_array_append_val (c->buffer_persistent,
                          g_array_index (m->buffer_persistent, gboolean, i));
    }
  for (guint i = 0; i < m->children->len; i++)
    {
      g_ptr_array_add (c->child_names, g_strdup (m->child_names->pdata[i]));
      g_ptr_array_add (c->children, clone_rec (m->children->pdata[i], modules, params));
    }
  return c;       /* the name index is built on the first lookup that needs it */
}

PsModule *
ps_module_clone (PsModule *m, GHashTable *params_out)
{
  g_autoptr (GHashTable) modules = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) params = g_hash_table_new (NULL, NULL);
  PsModule *c = clone_rec (m, modules, params);

  if (params_out)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, params);
      while (g_hash_table_iter_next (&it, &k, &v))
        {
          ps_param_unref (v);             /* the copy's modules hold it */
          g_hash_table_insert (params_out, k, v);
        }
    }
  else
    g_hash_table_foreach (params, (GHFunc) unref_value, NULL);
  return c;
}

/* ---- widths ---------------------------------------------------------------- */

/* The first (or last) Linear (or built Keras Dense) in forward order; NULL if there is none. */
static PsModule *
edge_linear (PsModule *m, gboolean last)
{
  guint n = ps_module_get_n_children (m);

  if (ps_module_get_kind (m) == PS_MODULE_LINEAR || ps_module_keras_dense_dims (m, NULL, NULL))
    return m;
  for (guint k = 0; k < n; k++)
    {
      PsModule *hit = edge_linear (ps_module_get_child (m, last ? n - 1 - k : k), last);
      if (hit)
        return hit;
    }
  return NULL;
}

int64_t
ps_module_input_width (PsModule *m)
{
  PsModule *l = edge_linear (m, FALSE);
  int64_t in;
  if (l && ps_module_keras_dense_dims (l, &in, NULL))
    return in;
  return l ? ps_module_get_in_features (l) : 0;
}

int64_t
ps_module_output_width (PsModule *m)
{
  PsModule *l = edge_linear (m, TRUE);
  int64_t out;
  if (l && ps_module_keras_dense_dims (l, NULL, &out))
    return out;
  return l ? ps_module_get_out_features (l) : 0;
}
