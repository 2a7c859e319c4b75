/* py-keras-layers.c — keras.layers (Dense, Flatten, Activation, ReLU) and
 * keras.Sequential over core/ps-module
 *
 * Each layer object owns one PsModule (a "Dense" layer module with slots
 * "kernel" (in, out) and "bias"; a "Sequential" container whose children are
 * named by the layers' Keras names), so the window shows the network with
 * Keras' names and layout.  A layer used twice is one PsModule twice: its
 * variables are one PsParam each, tied.  Variables are made on the first
 * call, from the input's shape, under the name scopes of the layers being
 * called ("sequential_1/sequential_2/block-1/dense_3/bias").
 */
#include "py-keras.h"
#include "ps-i18n.h"

#include <string.h>

typedef enum { KL_DENSE, KL_FLATTEN, KL_ACTIVATION, KL_RELU, KL_SEQUENTIAL, KL_N } KlKind;

typedef struct {
  PyObj ob;
  GHashTable *dict;
  KlKind kind;
  char *name;
  PsModule *m;
  gboolean built, trainable;
  int64_t units, in_dim;
  gboolean use_bias;
  PyObj *activation;          /* a callable, or NULL (linear) */
  PyObj *kinit, *binit;
  PyObj *vars;                /* list: the layer's own Variables, in creation order */
  PyObj *layers;              /* Sequential: list of layers */
  int out_ndim;               /* the output's shape at the last call (-1: never called) */
  int64_t out_shape[PS_TENSOR_MAX_DIMS];
} KLayer;

#define KL(o) ((KLayer *) (o))

static PyType layer_type;
static PyType kl_types[KL_N];

static const struct { const char *cls, *snake, *module; } kl_info[KL_N] = {
  [KL_DENSE] = { "Dense", "dense", "keras.src.layers.core.dense" },
  [KL_FLATTEN] = { "Flatten", "flatten", "keras.src.layers.reshaping.flatten" },
  [KL_ACTIVATION] = { "Activation", "activation", "keras.src.layers.activations.activation" },
  [KL_RELU] = { "ReLU", "re_lu", "keras.src.layers.activations.relu" },
  [KL_SEQUENTIAL] = { "Sequential", "sequential", "keras.src.models.sequential" },
};

static gboolean
is_layer (PyObj *o)
{
  return py_isinstance (o, &layer_type);
}

PsModule *
py_keras_module_of (PyObj *o)
{
  return is_layer (o) ? KL (o)->m : NULL;
}

static void
layer_dealloc (PyObj *o)
{
  KLayer *l = KL (o);
  g_clear_pointer (&l->name, g_free);
  g_clear_pointer (&l->m, ps_module_unref);
  g_clear_pointer (&l->dict, g_hash_table_unref);
  py_clear (&l->activation);
  py_clear (&l->kinit);
  py_clear (&l->binit);
  py_clear (&l->vars);
  py_clear (&l->layers);
}

static gboolean
layer_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<%s name=%s, built=%s>", o->type->name, KL (o)->name,
                          KL (o)->built ? "True" : "False");
  return TRUE;
}

/* ---- weights ---------------------------------------------------------------------------------- */

/* every variable of o and its layers, each once, in Keras' order */
static void
collect_vars (PyObj *o, PyObj *out, GHashTable *seen, gboolean trainable_only, int depth)
{
  KLayer *l = KL (o);
  if (depth > PS_MODULE_MAX_DEPTH || (trainable_only && !l->trainable))
    return;
  for (gsize i = 0; i < PY_LIST (l->vars)->n; i++)
    {
      PyObj *v = PY_LIST (l->vars)->items[i];
      if (g_hash_table_add (seen, v))
        py_list_append (out, py_incref (v));
    }
  if (l->layers)
    for (gsize i = 0; i < PY_LIST (l->layers)->n; i++)
      collect_vars (PY_LIST (l->layers)->items[i], out, seen, trainable_only, depth + 1);
}

static PyObj *
weights_list (PyObj *o, int which)   /* 0 all, 1 trainable, 2 non-trainable */
{
  PyObj *out = py_list_new (0);
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  if (which == 2)
    {
      /* variables of a layer set trainable=False */
      PyObj *all = py_list_new (0), *tr = py_list_new (0);
      GHashTable *s2 = g_hash_table_new (NULL, NULL);
      collect_vars (o, all, seen, FALSE, 0);
      collect_vars (o, tr, s2, TRUE, 0);
      for (gsize i = 0; i < PY_LIST (all)->n; i++)
        if (!g_hash_table_contains (s2, PY_LIST (all)->items[i]))
          py_list_append (out, py_incref (PY_LIST (all)->items[i]));
      g_hash_table_unref (s2);
      py_decref (all);
      py_decref (tr);
    }
  else
    collect_vars (o, out, seen, which == 1, 0);
  g_hash_table_unref (seen);
  return out;
}

static int64_t
count_vars (PyObj *list)
{
  int64_t n = 0;
  for (gsize i = 0; i < PY_LIST (list)->n; i++)
    n += ps_param_get_numel (py_keras_variable_param (PY_LIST (list)->items[i]));
  return n;
}

/* ---- building and calling ----------------------------------------------------------------------- */

static char *
scope_path (PyInterp *ip, const char *leaf)
{
  KerasState *st = py_keras_state (ip);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < st->scopes->len; i++)
    g_string_append_printf (s, "%s/", (char *) st->scopes->pdata[i]);
  g_string_append (s, leaf);
  return g_string_free (s, FALSE);
}

/* register a variable made from t (steals t) */
static gboolean
add_variable (PyInterp *ip, KLayer *l, const char *vname, PsTensor *t)
{
  g_autofree char *path = scope_path (ip, vname);
  PsParam *p = ps_param_new (t);
  ps_tensor_unref (t);
  GError *e = NULL;
  if (!ps_module_add_param (l->m, vname, ps_param_ref (p), &e))
    {
      ps_param_unref (p);
      return py_keras_raise_gerror (ip, e) != NULL;
    }
  PyObj *v = py_keras_variable_new (ip, p, path, vname, TRUE);
  if (!v)
    return FALSE;
  py_list_append (l->vars, v);
  return TRUE;
}

/* kernel (in, units) then bias (units,), drawn in that order; nothing is
 * registered unless both are made (a failed build can be tried again) */
static gboolean
dense_build (PyInterp *ip, KLayer *l, int64_t in_dim)
{
  int64_t kshape[2] = { in_dim, l->units };
  g_autofree char *kpath = scope_path (ip, "kernel");
  g_autofree char *bpath = scope_path (ip, "bias");
  PsTensor *k = py_keras_initialize (ip, l->kinit, 2, kshape, kpath);
  if (!k)
    return FALSE;
  PsTensor *b = NULL;
  if (l->use_bias && !(b = py_keras_initialize (ip, l->binit, 1, &l->units, bpath)))
    {
      ps_tensor_unref (k);
      return FALSE;
    }
  l->in_dim = in_dim;
  if (!add_variable (ip, l, "kernel", k))
    {
      if (b)
        ps_tensor_unref (b);
      return FALSE;
    }
  if (b && !add_variable (ip, l, "bias", b))
    return FALSE;
  /* the scope the variables were made under: the window names them by it */
  g_autofree char *scope = g_strndup (kpath, strlen (kpath) - strlen ("kernel"));
  if (*scope)
    scope[strlen (scope) - 1] = '\0';
  ps_module_set_keras_scope (l->m, scope);
  l->built = TRUE;
  return TRUE;
}

static PsArray *call_layer (PyInterp *ip, PyObj *o, PsArray *x, int depth);

static PsArray *
apply_activation (PyInterp *ip, PyObj *fn, PsArray *y)
{
  PyObj *t = py_keras_tensor_new (ip, y, KTF_F32);
  PyObj *r = py_call1 (ip, fn, t);
  py_decref (t);
  if (!r)
    return NULL;
  PsArray *out = py_keras_to_array (ip, r, NULL);
  py_decref (r);
  return out;
}

static PsArray *
dense_call (PyInterp *ip, KLayer *l, PsArray *x)
{
  int nd = ps_array_get_ndim (x);
  GError *e = NULL;
  if (nd < 1)
    {
      py_raise (ip, py_exc_ValueError, "Input 0 of layer \"%s\" is incompatible with the layer: "
                "expected min_ndim=1, found ndim=0. Full shape received: ()", l->name);
      return NULL;
    }
  int64_t in = ps_array_get_shape (x)[nd - 1];
  if (!l->built && !dense_build (ip, l, in))
    return NULL;
  if (in != l->in_dim)
    {
      g_autoptr (GString) s = g_string_new (NULL);
      py_keras_append_shape (s, nd, ps_array_get_shape (x));
      py_raise (ip, py_exc_ValueError, "Input 0 of layer \"%s\" is incompatible with the layer: "
                "expected axis -1 of input shape to have value %lld, but received input with "
                "shape %s", l->name, (long long) l->in_dim, s->str);
      return NULL;
    }
  g_autoptr (PsArray) xf = ps_array_to_dtype (x, PS_DTYPE_F32, &e);
  g_autoptr (PsArray) k = xf ? ps_array_new_for_param (ps_module_get_param_by_name (l->m, "kernel"), &e) : NULL;
  g_autoptr (PsArray) y = k ? ps_array_matmul (xf, k, &e) : NULL;
  if (!y)
    return (PsArray *) py_keras_raise_gerror (ip, e);
  PsArray *out;
  if (l->use_bias)
    {
      g_autoptr (PsArray) b = ps_array_new_for_param (ps_module_get_param_by_name (l->m, "bias"), &e);
      out = b ? ps_array_binary (PS_BINARY_ADD, y, b, &e) : NULL;
    }
  else
    out = ps_array_ref (y);
  if (!out)
    return (PsArray *) py_keras_raise_gerror (ip, e);
  PsArray *det = ps_array_detach (out);
  ps_array_unref (out);
  if (l->activation)
    return apply_activation (ip, l->activation, det);
  return det;
}

static PsArray *
flatten_call (PyInterp *ip, KLayer *l, PsArray *x)
{
  int nd = ps_array_get_ndim (x);
  GError *e = NULL;
  if (nd < 1)
    {
      py_raise (ip, py_exc_ValueError, "Input 0 of layer \"%s\" is incompatible with the layer: "
                "expected min_ndim=1, found ndim=0. Full shape received: ()", l->name);
      return NULL;
    }
  int64_t shape[2] = { ps_array_get_shape (x)[0], 1 };
  for (int i = 1; i < nd; i++)
    shape[1] *= ps_array_get_shape (x)[i];
  PsArray *r = ps_array_reshape (x, 2, shape, &e);
  if (!r)
    return (PsArray *) py_keras_raise_gerror (ip, e);
  l->built = TRUE;
  return r;
}

static PsArray *
sequential_call (PyInterp *ip, KLayer *l, PsArray *x, int depth)
{
  gsize n = PY_LIST (l->layers)->n;
  if (n == 0)
    {
      py_raise (ip, py_exc_ValueError, "Sequential model %s cannot be built because it has no "
                "layers. Call `model.add(layer)`.", l->name);
      return NULL;
    }
  PsArray *cur = ps_array_ref (x);
  for (gsize i = 0; i < n && cur; i++)
    {
      PsArray *next = call_layer (ip, PY_LIST (l->layers)->items[i], cur, depth + 1);
      ps_array_unref (cur);
      cur = next;
    }
  if (cur)
    l->built = TRUE;
  return cur;
}

static PsArray *
call_layer (PyInterp *ip, PyObj *o, PsArray *x, int depth)
{
  KLayer *l = KL (o);
  KerasState *st = py_keras_state (ip);
  if (depth > PS_MODULE_MAX_DEPTH)
    {
      py_raise (ip, py_exc_RecursionError, "layers nested too deeply");
      return NULL;
    }
  if (!py_check_budget (ip))
    return NULL;
  g_ptr_array_add (st->scopes, g_strdup (l->name));
  PsArray *y = NULL;
  switch (l->kind)
    {
    case KL_DENSE: y = dense_call (ip, l, x); break;
    case KL_FLATTEN: y = flatten_call (ip, l, x); break;
    case KL_SEQUENTIAL: y = sequential_call (ip, l, x, depth); break;
    case KL_RELU:
    case KL_ACTIVATION:
      l->built = TRUE;
      y = l->activation ? apply_activation (ip, l->activation, ps_array_ref (x)) : ps_array_ref (x);
      break;
    default: g_assert_not_reached ();
    }
  g_ptr_array_remove_index (st->scopes, st->scopes->len - 1);
  if (y)
    {
      l->out_ndim = MIN (ps_array_get_ndim (y), PS_TENSOR_MAX_DIMS);
      memcpy (l->out_shape, ps_array_get_shape (y), sizeof (int64_t) * l->out_ndim);
    }
  return y;
}

/* layer(inputs, training=None, mask=None) */
static PyObj *
layer_call (PyInterp *ip, PyObj *o, PyArgs *a)
{
  static const char *const names[] = { "inputs", "training", "mask", NULL };
  PyObj *v[3] = { NULL };
  if (!py_parse_args (ip, a, KL (o)->name, names, 1, v))
    return NULL;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], NULL);
  if (!x)
    return NULL;
  /* a failed first call leaves no half-built scope behind */
  KerasState *st = py_keras_state (ip);
  guint depth = st->scopes->len;
  PsArray *y = call_layer (ip, o, x, 0);
  g_ptr_array_set_size (st->scopes, depth);
  if (!y)
    return NULL;
  GError *e = NULL;
  PsArray *c = ps_array_clone (y, &e);
  ps_array_unref (y);
  if (!c)
    return py_keras_raise_gerror (ip, e);
  PsArray *det = ps_array_detach (c);
  ps_array_unref (c);
  return py_keras_tensor_new (ip, det, KTF_F32);
}

/* ---- the constructors --------------------------------------------------------------------------- */

static KLayer *
layer_alloc (PyInterp *ip, KlKind k, PyObj *name)
{
  if (name && name != py_none)
    {
      if (!PY_IS (name, py_str_type) || strchr (PY_STR (name), '/') || PY_STRLEN (name) == 0)
        {
          g_autofree char *r = py_repr_cstr (ip, name);
          py_raise (ip, py_exc_ValueError, "Argument `name` must be a string and cannot contain "
                    "character `/`. Received: name=%s (of type %s)", r ? r : "?", name->type->name);
          return NULL;
        }
    }
  KLayer *l = (KLayer *) py_alloc (&kl_types[k]);
  l->kind = k;
  l->name = name && name != py_none ? g_strdup (PY_STR (name)) : py_keras_uniquify (ip, kl_info[k].snake);
  l->m = k == KL_SEQUENTIAL ? ps_module_new_container ("Sequential")
                            : ps_module_new_layer (kl_info[k].cls);
  l->trainable = TRUE;
  l->vars = py_list_new (0);
  l->out_ndim = -1;
  ps_module_set_option (l->m, "name", g_variant_new_string (l->name));
  ps_module_mark_keras (l->m);
  return l;
}

static gboolean
none_or_absent (PyInterp *ip, PyObj *v, const char *cls, const char *arg)
{
  if (!v || v == py_none)
    return TRUE;
  py_raise (ip, py_exc_NotImplementedError, _("%s(%s=...) is not supported by ParamScope's Keras"),
            cls, arg);
  return FALSE;
}

static PyObj *
dense_new (PyInterp *ip, PyObj **v)
{
  /* units, activation, use_bias, kernel_initializer, bias_initializer, name, trainable,
   * kernel_regularizer, bias_regularizer, activity_regularizer, kernel_constraint,
   * bias_constraint, input_shape, input_dim, dtype */
  if (!py_is_int (v[0]) || PY_IS (v[0], py_bool_type) || py_int_value (v[0]) <= 0
      || py_int_value (v[0]) > (1 << 24))
    {
      g_autofree char *r = py_repr_cstr (ip, v[0]);
      return py_raise (ip, py_exc_ValueError, "Received an invalid value for `units`, expected a "
                       "positive integer. Received: units=%s", r ? r : "?");
    }
  for (int i = 7; i <= 11; i++)
    {
      static const char *const regs[] = { "kernel_regularizer", "bias_regularizer",
        "activity_regularizer", "kernel_constraint", "bias_constraint" };
      if (!none_or_absent (ip, v[i], "Dense", regs[i - 7]))
        return NULL;
    }
  PyObj *act = py_keras_get_activation (ip, v[1]);
  if (!act)
    return NULL;
  PyObj *kdef = py_str_new ("glorot_uniform", -1), *bdef = py_str_new ("zeros", -1);
  PyObj *ki = py_keras_get_initializer (ip, v[3] && v[3] != py_none ? v[3] : kdef);
  PyObj *bi = ki ? py_keras_get_initializer (ip, v[4] && v[4] != py_none ? v[4] : bdef) : NULL;
  py_decref (kdef);
  py_decref (bdef);
  if (!bi)
    {
      py_decref (act);
      py_decref (ki);
      return NULL;
    }
  KLayer *l = layer_alloc (ip, KL_DENSE, v[5]);
  if (!l)
    {
      py_decref (act);
      py_decref (ki);
      py_decref (bi);
      return NULL;
    }
  l->units = py_int_value (v[0]);
  l->activation = act == py_none ? NULL : act;
  l->use_bias = !v[2] || py_truth (ip, v[2]) > 0;
  l->kinit = ki;
  l->binit = bi;
  if (v[6])
    l->trainable = py_truth (ip, v[6]) > 0;
  ps_module_set_option (l->m, "units", g_variant_new_int64 (l->units));
  ps_module_set_option (l->m, "use_bias", g_variant_new_boolean (l->use_bias));
  /* the tape runs the activations the kernels have ("relu"); a function of the user's only here */
  const char *act_name = l->activation ? py_keras_activation_name (l->activation) : "linear";
  if (act_name)
    ps_module_set_option (l->m, "activation", g_variant_new_string (act_name));
  g_autofree char *extra = g_strdup_printf ("units=%lld", (long long) l->units);
  ps_module_set_extra_repr (l->m, extra);
  return &l->ob;
}

static gboolean
sequential_add (PyInterp *ip, KLayer *seq, PyObj *layer)
{
  if (!is_layer (layer))
    {
      g_autofree char *r = py_repr_cstr (ip, layer);
      py_raise (ip, py_exc_ValueError, "Only instances of `keras.Layer` can be added to a "
                "Sequential model. Received: %s (of type <class '%s'>)", r ? r : "?",
                layer->type->name);
      return FALSE;
    }
  /* the tree's child names: the layer's name, made unique when a layer comes again */
  g_autofree char *base = g_strdelimit (g_strdup (KL (layer)->name), ".", '_');
  char *child = g_strdup (base);
  for (int k = 2;; k++)
    {
      gboolean used = FALSE;
      for (guint i = 0; i < ps_module_get_n_children (seq->m) && !used; i++)
        used = strcmp (ps_module_get_child_name (seq->m, i), child) == 0;
      if (!used)
        break;
      g_free (child);
      child = g_strdup_printf ("%s (%d)", base, k);
    }
  GError *e = NULL;
  gboolean ok = ps_module_append (seq->m, child, ps_module_ref (KL (layer)->m), &e);
  g_free (child);
  if (!ok)
    {
      py_raise (ip, py_exc_ValueError, "cannot add %s to %s: %s", KL (layer)->name, seq->name,
                e->message);
      g_error_free (e);
      return FALSE;
    }
  py_list_append (seq->layers, py_incref (layer));
  return TRUE;
}

static PyObj *
sequential_new (PyInterp *ip, PyObj **v)
{
  /* layers, name, trainable */
  KLayer *l = layer_alloc (ip, KL_SEQUENTIAL, v[1]);
  if (!l)
    return NULL;
  l->layers = py_list_new (0);
  if (v[2])
    l->trainable = py_truth (ip, v[2]) > 0;
  if (v[0] && v[0] != py_none)
    {
      PyObj *list = py_list_from_iterable (ip, v[0]);
      if (!list)
        {
          py_decref (&l->ob);
          return NULL;
        }
      for (gsize i = 0; i < PY_LIST (list)->n; i++)
        if (!sequential_add (ip, l, PY_LIST (list)->items[i]))
          {
            py_decref (list);
            py_decref (&l->ob);
            return NULL;
          }
      py_decref (list);
    }
  return &l->ob;
}

static PyObj *
layer_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  KlKind k = KL_N;
  for (int i = 0; i < KL_N; i++)
    if (t == &kl_types[i])
      k = i;
  if (k == KL_N)
    return py_raise (ip, py_exc_TypeError, "cannot create '%s' instances", t->name);
  PyObj *v[16] = { NULL };
  switch (k)
    {
    case KL_DENSE:
      {
        static const char *const names[] = { "units", "activation", "use_bias", "kernel_initializer",
          "bias_initializer", "name", "trainable", "kernel_regularizer", "bias_regularizer",
          "activity_regularizer", "kernel_constraint", "bias_constraint", "input_shape",
          "input_dim", "dtype", NULL };
        if (!py_parse_args (ip, a, "Dense", names, 1, v))
          return NULL;
        return dense_new (ip, v);
      }
    case KL_FLATTEN:
      {
        static const char *const names[] = { "data_format", "name", "input_shape", "dtype", NULL };
        if (!py_parse_args (ip, a, "Flatten", names, 0, v))
          return NULL;
        KLayer *l = layer_alloc (ip, k, v[1]);
        return l ? &l->ob : NULL;
      }
    case KL_ACTIVATION:
    case KL_RELU:
      {
        static const char *const anames[] = { "activation", "name", NULL };
        static const char *const rnames[] = { "max_value", "negative_slope", "threshold", "name", NULL };
        if (!py_parse_args (ip, a, kl_info[k].cls, k == KL_RELU ? rnames : anames,
                            k == KL_RELU ? 0 : 1, v))
          return NULL;
        if (k == KL_RELU)
          for (int i = 0; i < 3; i++)
            if (v[i] && v[i] != py_none && !(py_is_number (v[i]) && py_number_value (v[i]) == 0))
              return py_raise (ip, py_exc_NotImplementedError, _("ReLU(%s=...) is not supported "
                               "by ParamScope's Keras"), rnames[i]);
        PyObj *act = k == KL_RELU ? py_keras_activation_fn ("relu") : py_keras_get_activation (ip, v[0]);
        if (!act)
          return NULL;
        KLayer *l = layer_alloc (ip, k, k == KL_RELU ? v[3] : v[1]);
        if (!l)
          {
            py_decref (act);
            return NULL;
          }
        l->activation = act == py_none ? NULL : act;
        const char *act_name = l->activation ? py_keras_activation_name (l->activation) : "linear";
        if (act_name)
          ps_module_set_option (l->m, "activation", g_variant_new_string (act_name));
        return &l->ob;
      }
    case KL_SEQUENTIAL:
      {
        static const char *const names[] = { "layers", "name", "trainable", NULL };
        if (!py_parse_args (ip, a, "Sequential", names, 0, v))
          return NULL;
        return sequential_new (ip, v);
      }
    default:
      g_assert_not_reached ();
    }
  return NULL;
}

/* ---- methods -------------------------------------------------------------------------------------- */

static PyObj *
m_add (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "layer", "rebuild", NULL };
  PyObj *v[2] = { NULL };
  if (KL (self)->kind != KL_SEQUENTIAL)
    return py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'add'", self->type->name);
  if (!py_parse_args (ip, a, "add", names, 1, v) || !sequential_add (ip, KL (self), v[0]))
    return NULL;
  return py_none;
}

static PyObj *
m_get_weights (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (!py_no_kwargs (ip, a, "get_weights"))
    return NULL;
  PyObj *w = weights_list (self, 0), *out = py_list_new (0);
  for (gsize i = 0; i < PY_LIST (w)->n; i++)
    {
      g_autoptr (PsArray) arr = py_keras_to_array (ip, PY_LIST (w)->items[i], NULL);
      PyObj *nd = arr ? py_keras_ndarray_new (ip, arr, KTF_F32) : NULL;
      if (!nd)
        {
          py_decref (w);
          py_decref (out);
          return NULL;
        }
      py_list_append (out, nd);
    }
  py_decref (w);
  return out;
}

static PyObj *
m_set_weights (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "weights", NULL };
  PyObj *v;
  if (!py_parse_args (ip, a, "set_weights", names, 1, &v))
    return NULL;
  PyObj *list = py_list_from_iterable (ip, v);
  if (!list)
    return NULL;
  PyObj *w = weights_list (self, 0);
  gsize n = PY_LIST (w)->n;
  PyObj *r = NULL;
  if (PY_LIST (list)->n != n)
    {
      py_raise (ip, py_exc_ValueError, "You called `set_weights(weights)` on layer '%s' with a "
                "weight list of length %zu, but the layer was expecting %zu weights.",
                KL (self)->name, PY_LIST (list)->n, n);
      goto out;
    }
  /* check every shape first: nothing is half-written */
  PsArray **vals = g_new0 (PsArray *, n + 1);
  gboolean ok = TRUE;
  for (gsize i = 0; i < n && ok; i++)
    {
      PsParam *p = py_keras_variable_param (PY_LIST (w)->items[i]);
      int64_t shape[PS_TENSOR_MAX_DIMS];
      int nd = ps_param_get_shape (p, shape);
      vals[i] = py_keras_to_array (ip, PY_LIST (list)->items[i], NULL);
      if (!vals[i])
        ok = FALSE;
      else if (ps_array_get_ndim (vals[i]) != nd
               || memcmp (ps_array_get_shape (vals[i]), shape, sizeof (int64_t) * nd) != 0)
        {
          g_autoptr (GString) ws = g_string_new (NULL), gs = g_string_new (NULL);
          py_keras_append_shape (ws, nd, shape);
          py_keras_append_shape (gs, ps_array_get_ndim (vals[i]), ps_array_get_shape (vals[i]));
          py_raise (ip, py_exc_ValueError, "Layer %s weight shape %s is not compatible with "
                    "provided weight shape %s.", KL (self)->name, ws->str, gs->str);
          ok = FALSE;
        }
    }
  for (gsize i = 0; i < n && ok; i++)
    {
      PyObj *nd = py_keras_ndarray_new (ip, vals[i], KTF_F32);
      PyObj *m = nd ? py_getattr (ip, PY_LIST (w)->items[i], "assign") : NULL;
      PyObj *res = m ? py_call1 (ip, m, nd) : NULL;
      ok = res != NULL;
      py_decref (res);
      py_decref (m);
      py_decref (nd);
    }
  for (gsize i = 0; i < n; i++)
    if (vals[i])
      ps_array_unref (vals[i]);
  g_free (vals);
  if (ok)
    r = py_none;
out:
  py_decref (w);
  py_decref (list);
  return r;
}

static PyObj *
m_count_params (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (!KL (self)->built)
    return py_raise (ip, py_exc_ValueError, "You tried to call `count_params` on layer '%s', but "
                     "the layer isn't built. You can build it manually via: "
                     "`layer.build(input_shape)`.", KL (self)->name);
  PyObj *w = weights_list (self, 0);
  int64_t n = count_vars (w);
  py_decref (w);
  return py_int_new (n);
}

/* build(input_shape): a call on zeros of that shape (None: 1) */
static PyObj *
m_build (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "input_shape", NULL };
  PyObj *v;
  PyObj **items;
  gsize n;
  if (!py_parse_args (ip, a, "build", names, 1, &v))
    return NULL;
  if (!py_sequence_items (v, &items, &n) || n > PS_TENSOR_MAX_DIMS)
    return py_raise (ip, py_exc_ValueError, "build: input_shape is a tuple of integers or None");
  int64_t shape[PS_TENSOR_MAX_DIMS];
  for (gsize i = 0; i < n; i++)
    {
      if (items[i] == py_none)
        shape[i] = 1;
      else if (py_is_int (items[i]) && py_int_value (items[i]) >= 0 && py_int_value (items[i]) <= (1 << 24))
        shape[i] = py_int_value (items[i]);
      else
        return py_raise (ip, py_exc_ValueError, "build: input_shape is a tuple of integers or None");
    }
  GError *e = NULL;
  g_autoptr (PsArray) x = ps_array_new_zeros (PS_DTYPE_F32, (int) n, shape, &e);
  if (!x)
    return py_keras_raise_gerror (ip, e);
  KerasState *st = py_keras_state (ip);
  guint depth = st->scopes->len;
  PsArray *y = call_layer (ip, self, x, 0);
  g_ptr_array_set_size (st->scopes, depth);
  if (!y)
    return NULL;
  ps_array_unref (y);
  return py_none;
}

/* ---- summary(): Keras' table as rich draws it in 80 columns --------------------------------------- */

static void
format_count (GString *s, int64_t n)
{
  char buf[32];
  int len = g_snprintf (buf, sizeof buf, "%lld", (long long) n);
  for (int i = 0; i < len; i++)
    {
      if (i > 0 && buf[i] != '-' && (len - i) % 3 == 0 && buf[i - 1] != '-')
        g_string_append_c (s, ',');
      g_string_append_c (s, buf[i]);
    }
}

static void
memory_size (GString *s, double bytes)
{
  static const char *const units[] = { "B", "KB", "MB", "GB" };
  for (int i = 0; i < 4; i++)
    {
      if (bytes / 1024 < 1 || i == 3)
        {
          g_string_append_printf (s, "%.2f %s", bytes, units[i]);
          return;
        }
      bytes /= 1024;
    }
}

static void
rule (GString *out, const char *l, const char *fill, const char *mid, const char *r, const int *w)
{
  g_string_append (out, l);
  for (int c = 0; c < 3; c++)
    {
      for (int i = 0; i < w[c] + 2; i++)
        g_string_append (out, fill);
      g_string_append (out, c < 2 ? mid : r);
    }
  g_string_append_c (out, '\n');
}

/* one row; a cell longer than its column folds onto more lines */
static void
row (GString *out, const char *bar, char *const *cells, const int *w)
{
  glong len[3], lines = 1;
  for (int c = 0; c < 3; c++)
    {
      len[c] = g_utf8_strlen (cells[c], -1);
      lines = MAX (lines, (len[c] + w[c] - 1) / MAX (w[c], 1));
    }
  for (glong ln = 0; ln < lines; ln++)
    {
      g_string_append (out, bar);
      for (int c = 0; c < 3; c++)
        {
          glong from = ln * w[c], n = CLAMP (len[c] - from, 0, w[c]);
          const char *p = g_utf8_offset_to_pointer (cells[c], MIN (from, len[c]));
          const char *q = g_utf8_offset_to_pointer (p, n);
          g_string_append_c (out, ' ');
          if (c == 2)
            g_string_append_printf (out, "%*s", (int) (w[c] - n), "");
          g_string_append_len (out, p, q - p);
          if (c != 2)
            g_string_append_printf (out, "%*s", (int) (w[c] - n), "");
          g_string_append_printf (out, " %s", bar);
        }
      g_string_append_c (out, '\n');
    }
}

static PyObj *
m_summary (PyInterp *ip, PyObj *self, PyArgs *a)
{
  KLayer *l = KL (self);
  if (l->kind != KL_SEQUENTIAL)
    return py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'summary'", self->type->name);
  /* line_length 76 (an 80-column terminal less 4), columns at 0.45 and 0.80 of it, then
   * narrowed as rich fits a 76-wide table: 31, 22 and 13 characters inside the padding */
  static const int w[3] = { 31, 22, 13 };
  GString *out = g_string_new (NULL);
  g_string_append_printf (out, "Model: \"%s\"\n", l->name);
  rule (out, "┏", "━", "┳", "┓", w);
  char *head[3] = { "Layer (type)", "Output Shape", "Param #" };
  row (out, "┃", head, w);
  rule (out, "┡", "━", "╇", "┩", w);
  for (gsize i = 0; i < PY_LIST (l->layers)->n; i++)
    {
      PyObj *c = PY_LIST (l->layers)->items[i];
      KLayer *cl = KL (c);
      GString *shape = g_string_new (NULL), *params = g_string_new (NULL);
      if (cl->out_ndim < 0)
        g_string_append (shape, "?");
      else
        py_keras_append_shape (shape, cl->out_ndim, cl->out_shape);
      if (!cl->built)
        g_string_append (params, "0 (unbuilt)");
      else
        {
          PyObj *wl = weights_list (c, 0);
          format_count (params, count_vars (wl));
          py_decref (wl);
        }
      char *cells[3] = { g_strdup_printf ("%s (%s)", cl->name, c->type->name), shape->str, params->str };
      if (i > 0)
        rule (out, "├", "─", "┼", "┤", w);
      row (out, "│", cells, w);
      g_free (cells[0]);
      g_string_free (shape, TRUE);
      g_string_free (params, TRUE);
    }
  rule (out, "└", "─", "┴", "┘", w);
  PyObj *tr = weights_list (self, 1), *ntr = weights_list (self, 2);
  int64_t ntrain = count_vars (tr), nnon = count_vars (ntr);
  py_decref (tr);
  py_decref (ntr);
  const char *labels[3] = { " Total params: ", " Trainable params: ", " Non-trainable params: " };
  int64_t counts[3] = { ntrain + nnon, ntrain, nnon };
  for (int i = 0; i < 3; i++)
    {
      g_string_append (out, labels[i]);
      format_count (out, counts[i]);
      g_string_append (out, " (");
      memory_size (out, 4.0 * counts[i]);
      g_string_append (out, ")\n");
    }
  py_write (ip, out->str, out->len);
  g_string_free (out, TRUE);
  return py_none;
}

static PyObj *
layer_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  KLayer *l = KL (o);
  if (strcmp (name, "name") == 0)
    return py_str_new (l->name, -1);
  if (strcmp (name, "built") == 0)
    return py_bool (l->built);
  if (strcmp (name, "trainable") == 0)
    return py_bool (l->trainable);
  if (strcmp (name, "weights") == 0 || strcmp (name, "variables") == 0)
    return weights_list (o, 0);
  if (strcmp (name, "trainable_weights") == 0 || strcmp (name, "trainable_variables") == 0)
    return weights_list (o, 1);
  if (strcmp (name, "non_trainable_weights") == 0 || strcmp (name, "non_trainable_variables") == 0)
    return weights_list (o, 2);
  if (strcmp (name, "layers") == 0 && l->layers)
    return py_list_from_iterable (ip, l->layers);
  if (l->kind == KL_DENSE)
    {
      if (strcmp (name, "units") == 0)
        return py_int_new (l->units);
      if (strcmp (name, "use_bias") == 0)
        return py_bool (l->use_bias);
      if (strcmp (name, "kernel") == 0 || (strcmp (name, "bias") == 0 && l->use_bias))
        {
          if (!l->built)
            return py_raise (ip, py_exc_AttributeError, "'Dense' object has no attribute '_%s'", name);
          return py_incref (PY_LIST (l->vars)->items[name[0] == 'k' ? 0 : 1]);
        }
      if (strcmp (name, "bias") == 0)
        return py_none;
      if (strcmp (name, "kernel_initializer") == 0)
        return py_incref (l->kinit);
      if (strcmp (name, "bias_initializer") == 0)
        return py_incref (l->binit);
    }
  if (strcmp (name, "activation") == 0 && (l->kind == KL_DENSE || l->kind == KL_ACTIVATION))
    return l->activation ? py_incref (l->activation) : py_keras_activation_fn ("linear");
  return NULL;
}

static int
layer_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  if (strcmp (name, "trainable") == 0)
    {
      int t = py_truth (ip, v);
      if (t < 0)
        return -1;
      KL (o)->trainable = t;
      return 1;
    }
  py_raise (ip, py_exc_AttributeError, _("ParamScope's Keras layers do not take new attributes "
            "('%s')"), name);
  return -1;
}

static const PyMethodDef layer_methods[] = {
  { "get_weights", m_get_weights }, { "set_weights", m_set_weights },
  { "count_params", m_count_params }, { "build", m_build },
  { NULL }
};

static const PyMethodDef sequential_methods[] = {
  { "add", m_add }, { "summary", m_summary }, { NULL }
};

static PyType layer_type = {
  .ob = { &py_type_type, -1 }, .name = "Layer", .module = "keras.src.layers.layer",
  .size = sizeof (KLayer), .dealloc = layer_dealloc, .repr = layer_repr,
  .getattr = layer_getattr, .setattr = layer_setattr, .call = layer_call,
  .methods = layer_methods,
};

static void
types_init (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      for (int k = 0; k < KL_N; k++)
        kl_types[k] = (PyType) { .ob = { &py_type_type, -1 }, .name = kl_info[k].cls,
                                 .module = kl_info[k].module, .base = &layer_type,
                                 .size = sizeof (KLayer), .new_ = layer_new,
                                 .methods = k == KL_SEQUENTIAL ? sequential_methods : NULL };
      g_once_init_leave (&once, 1);
    }
}

PyObj *
py_keras_sequential_type (void)
{
  types_init ();
  return py_incref (&kl_types[KL_SEQUENTIAL].ob);
}

PyObj *
py_keras_build_layers (PyInterp *ip)
{
  types_init ();
  PyObj *m = py_module_new ("keras.layers");
  for (int k = 0; k < KL_N; k++)
    if (k != KL_SEQUENTIAL)
      py_module_add (m, kl_info[k].cls, py_incref (&kl_types[k].ob));
  py_module_add (m, "Layer", py_incref (&layer_type.ob));
  return m;
}
