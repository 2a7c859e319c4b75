/* py-nn.c — torch.nn's Module type over core/ps-module (built-in layers and a
 * user's nn.Module subclass), nn.Parameter, the lazy layers'
 * UninitializedParameter, the constructors of the basic layers (the others:
 * py-nn-layers.c), and torch.nn.init over core/ps-init
 *
 * A module object holds a PsModule (net[0] is a new object for the same
 * PsModule, so changes through either are one); a user's instance keeps the
 * Parameters, buffers and modules assigned to self in PyTorch's order and
 * becomes a PsModule with PyTorch's names.  Parameters are Parameter tensors
 * over the module's PsParams: assigning one to another module ties them
 * (net[4].weight = net[2].weight), as reusing a module does.  One type: its
 * attribute access, calls, iteration and the methods (named_parameters,
 * state_dict, apply, register_buffer, ...) share the instance's state and
 * walk the same tree, hence longer than the house limit.
 */
#include "py-eval.h"
#include "ps-i18n.h"
#include "ps-autograd.h"
#include "ps-init.h"
#include "ps-block.h"
#include "ps-layer-recurrent.h"

#include <math.h>
#include <string.h>

/* m: a built-in layer; NULL for an instance of a user's nn.Module subclass,
 * whose Parameters and modules assigned to self are in params and mods
 * (OrderedDicts, in assignment order, as PyTorch's _parameters/_modules). */
typedef struct { PyObj ob; GHashTable *dict; PsModule *m; PyObj *params, *mods; PsModule *um;
                 PyObj *bufs, *bufs_np; } PyNnModule;
/* bufs: a user instance's register_buffer() tensors (or None) by name;
 * bufs_np: the names registered with persistent=False (not in state_dict) */
/* um: a user instance's own PsModule (a container of its class name), made by
 * super().__init__(): the modules and Parameters assigned to self join it as
 * they join params and mods, so the tree, the tape and the CLI see the class
 * with PyTorch's names; its forward() is recorded for the tape (py-trace.c). */

#define PY_MOD(o) (((PyNnModule *) (o))->m)


static PyType module_type;

/* A module of a class the table below does not have (PS_MODULE_CONTAINER: a
 * user's class, ModuleList, a class of a loaded file; PS_MODULE_LAYER: Conv2d,
 * LSTM, a Keras layer, ...): a class of its name, made once per name and kept
 * for the process (names from files are many at most: past a bound, the
 * plain Module class). */
static PyType *
named_module_class (PsModule *m)
{
  static GHashTable *classes;           /* interned name → PyType */
  G_LOCK_DEFINE_STATIC (classes);
  const char *name = g_intern_string (ps_module_get_type_name (m));
  PyType *t;

  G_LOCK (classes);
  if (classes == NULL)
    classes = g_hash_table_new (NULL, NULL);
  t = g_hash_table_lookup (classes, name);
  if (t == NULL && g_hash_table_size (classes) < 1024)
    {
      t = g_new0 (PyType, 1);
      *t = (PyType) { .ob = { &py_type_type, -1 }, .name = name,
                      .module = ps_module_get_kind (m) == PS_MODULE_LAYER
                                ? "torch.nn.modules" : "__main__",
                      .base = &module_type, .size = sizeof (PyNnModule), .has_dict = TRUE };
      g_hash_table_insert (classes, (gpointer) name, t);
    }
  G_UNLOCK (classes);
  return t ? t : &module_type;
}

static PyType *
module_class (PsModule *m)
{
  static PyType types[9];
  static gsize once;
  if (g_once_init_enter (&once))
    {
      static const struct { const char *name, *module; } t[9] = {
        [PS_MODULE_SEQUENTIAL] = { "Sequential", "torch.nn.modules.container" },
        [PS_MODULE_LINEAR] = { "Linear", "torch.nn.modules.linear" },
        [PS_MODULE_RELU] = { "ReLU", "torch.nn.modules.activation" },
        [PS_MODULE_LEAKY_RELU] = { "LeakyReLU", "torch.nn.modules.activation" },
        [PS_MODULE_SIGMOID] = { "Sigmoid", "torch.nn.modules.activation" },
        [PS_MODULE_TANH] = { "Tanh", "torch.nn.modules.activation" },
        [PS_MODULE_GELU] = { "GELU", "torch.nn.modules.activation" },
        [PS_MODULE_IDENTITY] = { "Identity", "torch.nn.modules.linear" },
        [PS_MODULE_FLATTEN] = { "Flatten", "torch.nn.modules.flatten" },
      };
      for (int i = 0; i < 9; i++)
        types[i] = (PyType) { .ob = { &py_type_type, -1 }, .name = t[i].name, .module = t[i].module,
                              .base = &module_type, .size = sizeof (PyNnModule), .has_dict = TRUE };
      g_once_init_leave (&once, 1);
    }
  if ((guint) ps_module_get_kind (m) >= G_N_ELEMENTS (types))
    return named_module_class (m);
  PyType *c = &types[ps_module_get_kind (m)];
  if (ps_module_is_lazy (m) || (ps_module_get_kind (m) == PS_MODULE_LINEAR
                                && strcmp (ps_module_get_type_name (m), "LazyLinear") == 0))
    {
      static PyType lazy = { .ob = { &py_type_type, -1 }, .name = "LazyLinear",
                             .module = "torch.nn.modules.linear", .base = &module_type,
                             .size = sizeof (PyNnModule), .has_dict = TRUE };
      return &lazy;
    }
  return c;
}

PyObj *
py_nn_wrap_module (PyInterp *ip, PsModule *m)
{
  GHashTable *cache = py_torch_wrappers (ip);
  PyObj *w = cache ? g_hash_table_lookup (cache, m) : NULL;
  if (w)
    return py_incref (w);
  PyNnModule *o = (PyNnModule *) py_alloc (module_class (m));
  o->m = ps_module_ref (m);
  if (cache)
    g_hash_table_insert (cache, m, py_incref (&o->ob));
  return &o->ob;
}

static gboolean
is_module (PyObj *o)
{
  return py_isinstance (o, &module_type);
}

static PyObj *
raise_gerror (PyInterp *ip, GError *e)
{
  PyType *t = py_exc_RuntimeError;
  if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_INDEX)
    t = py_exc_IndexError;
  else if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_TYPE)
    t = py_exc_TypeError;
  else if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_VALUE)
    t = py_exc_ValueError;
  py_raise (ip, t, "%s", e->message);
  g_error_free (e);
  return NULL;
}

/* ---- a lazy layer's parameter before its first call ----------------------------------
 * PyTorch's UninitializedParameter: printed `<UninitializedParameter>`, its
 * shape and values refused with PyTorch's messages.  Once the layer has run,
 * it answers as the parameter it became. */

typedef struct { PyObj ob; PsParam *p; } PyUninit;

static PyType uninit_type;
static PyObj *param_tensor (PyInterp *ip, PsParam *p);

static void
uninit_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyUninit *) o)->p, ps_param_unref);
}

static gboolean
uninit_ready (PyObj *o)
{
  return ps_param_get_data (((PyUninit *) o)->p) != NULL;
}

static gboolean
uninit_repr (PyInterp *ip, PyObj *o, GString *out)
{
  if (uninit_ready (o))
    {
      PyObj *t = param_tensor (ip, ((PyUninit *) o)->p);
      gboolean ok = t && py_repr (ip, t, out);
      py_decref (t);
      return ok;
    }
  g_string_append (out, "<UninitializedParameter>");
  return TRUE;
}

static PyObj *
uninit_refuse (PyInterp *ip, const char *what)
{
  return py_raise (ip, py_exc_ValueError,
                   "Attempted to use an uninitialized parameter in %s. This error happens when you "
                   "are using a `LazyModule` or explicitly manipulating "
                   "`torch.nn.parameter.UninitializedParameter` objects. When using LazyModules "
                   "Call `forward` with a dummy batch to initialize the parameters before calling "
                   "torch functions", what);
}

static PyObj *
uninit_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PsParam *p = ((PyUninit *) o)->p;
  if (uninit_ready (o))
    {
      PyObj *t = param_tensor (ip, p);
      PyObj *r = t ? py_getattr (ip, t, name) : NULL;
      py_decref (t);
      return r;
    }
  if (strcmp (name, "requires_grad") == 0)
    return py_bool (ps_param_get_requires_grad (p));
  if (strcmp (name, "grad") == 0)
    return py_none;
  if (strcmp (name, "is_leaf") == 0)
    return py_true;
  if (strcmp (name, "data") == 0)
    {
      int64_t zero = 0;
      GError *e = NULL;
      PsArray *a = ps_array_new_empty (PS_DTYPE_F32, 1, &zero, &e);
      return a ? py_torch_wrap_array (ip, a) : raise_gerror (ip, e);
    }
  if (strcmp (name, "shape") == 0 || strcmp (name, "ndim") == 0 || strcmp (name, "T") == 0)
    return py_raise (ip, py_exc_RuntimeError,
                     "Can't access the shape of an uninitialized parameter or buffer. This error "
                     "usually happens in `load_state_dict` when trying to load an uninitialized "
                     "parameter into an initialized one. Call `forward` to initialize the "
                     "parameters before accessing their attributes.");
  if (name[0] == '_')
    return NULL;
  char *what = g_strdup_printf ("<method '%s' of 'torch._C._TensorBase' objects>", name);
  uninit_refuse (ip, what);
  g_free (what);
  return NULL;
}

static PyObj *
uninit_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  static const char *const names[PY_OP_N_BIN] = { "add", "sub", "mul", "div", "floor_divide",
    "remainder", "pow", "matmul", "__lshift__", "__rshift__", "__and__", "__or__", "__xor__" };
  char *what = g_strdup_printf ("<method '%s' of 'torch._C._TensorBase' objects>", names[op]);
  uninit_refuse (ip, what);
  g_free (what);
  return NULL;
}

static PyType uninit_type = {
  .ob = { &py_type_type, -1 }, .name = "UninitializedParameter", .module = "torch.nn.parameter",
  .size = sizeof (PyUninit), .dealloc = uninit_dealloc, .repr = uninit_repr,
  .getattr = uninit_getattr, .binop = uninit_binop,
};

static gboolean
is_uninit (PyObj *o)
{
  return o->type == &uninit_type;
}

static PyObj *
param_tensor (PyInterp *ip, PsParam *p)
{
  GHashTable *cache = py_torch_wrappers (ip);
  PyObj *w = g_hash_table_lookup (cache, p);
  if (w)
    return py_incref (w);
  if (ps_param_get_data (p) == NULL)
    {
      PyUninit *u = (PyUninit *) py_alloc (&uninit_type);
      u->p = ps_param_ref (p);
      return &u->ob;
    }
  GError *e = NULL;
  PsArray *a = ps_array_new_for_param (p, &e);
  if (!a)
    return raise_gerror (ip, e);
  w = py_torch_wrap_array (ip, a);
  g_hash_table_insert (cache, p, py_incref (w));
  return w;
}

static void
module_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyNnModule *) o)->m, ps_module_unref);
  g_clear_pointer (&((PyNnModule *) o)->um, ps_module_unref);
  g_clear_pointer (&((PyNnModule *) o)->dict, g_hash_table_unref);
  py_clear (&((PyNnModule *) o)->params);
  py_clear (&((PyNnModule *) o)->mods);
  py_clear (&((PyNnModule *) o)->bufs);
  py_clear (&((PyNnModule *) o)->bufs_np);
}

/* A built-in module's buffer (BatchNorm's running statistics): a tensor over
 * its values, num_batches_tracked an int64 as PyTorch keeps it. */
static PyObj *
buffer_tensor (PyInterp *ip, const char *name, PsParam *p)
{
  GError *e = NULL;
  g_autoptr (PsArray) a = ps_array_new_for_param (p, &e);
  const char *dot = strrchr (name, '.');
  PsArray *r = !a ? NULL
               : strcmp (dot ? dot + 1 : name, "num_batches_tracked") == 0
               ? ps_array_to_dtype (a, PS_DTYPE_I64, &e)
               : ps_array_detach (a);
  return r ? py_torch_wrap_array (ip, r) : raise_gerror (ip, e);
}

/* ---- a user's nn.Module subclass ---------------------------------------------------- */

#define USER(o) (PY_MOD (o) == NULL)

static void
user_init (PyInterp *ip, PyObj *o)
{
  PyNnModule *u = (PyNnModule *) o;
  if (!u->params)
    {
      GHashTable *cache = py_torch_wrappers (ip);
      u->params = py_odict_new ();
      u->mods = py_odict_new ();
      u->bufs = py_odict_new ();
      u->bufs_np = py_dict_new ();
      u->um = ps_module_new_container (o->type->name);
      if (cache)
        g_hash_table_insert (cache, u->um, py_incref (o));
    }
}

static PyObj *
m_init (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->npos || a->nkw)
    return py_raise (ip, py_exc_TypeError, "Module.__init__() takes 1 positional argument but %d were given",
                     a->npos + 1);
  if (USER (self))
    user_init (ip, self);
  return py_none;
}

/* "MyModel(\n  (name): Child(...)\n)" as PyTorch's Module.__repr__ */
static gboolean
user_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyNnModule *u = (PyNnModule *) o;
  g_string_append (out, o->type->name);
  g_string_append_c (out, '(');
  gsize pos = 0;
  PyObj *k, *v;
  gboolean any = FALSE;
  while (u->mods && py_dict_next (u->mods, &pos, &k, &v))
    {
      GString *child = g_string_new (NULL);
      if (!py_repr (ip, v, child))
        {
          g_string_free (child, TRUE);
          return FALSE;
        }
      g_string_append_printf (out, "\n  (%s): ", PY_STR (k));
      for (const char *p = child->str; *p; p++)
        {
          g_string_append_c (out, *p);
          if (*p == '\n')
            g_string_append (out, "  ");
        }
      g_string_free (child, TRUE);
      any = TRUE;
    }
  if (any)
    g_string_append_c (out, '\n');
  g_string_append_c (out, ')');
  return TRUE;
}

/* (name, Parameter) pairs of o and its submodules under prefix; with seen,
 * a tied parameter once (named_parameters), else every name (state_dict) */
/* Does a built-in module hold a module of a user's class (whose buffers
 * only the code knows)?  Then its children are walked as code objects. */
static gboolean
holds_user_module (PyInterp *ip, PsModule *m)
{
  GHashTable *cache = py_torch_wrappers (ip);
  g_autoptr (GPtrArray) mods = ps_module_named_modules (m);
  for (guint i = 1; cache && i < mods->len; i++)
    {
      PyObj *w = g_hash_table_lookup (cache, ((PsNamedModule *) mods->pdata[i])->module);
      if (w && is_module (w) && USER (w))
        return TRUE;
    }
  return FALSE;
}


/* A built-in module's own buffers with values, as (prefix + name, tensor)
 * pairs appended to out; only those state_dict holds when persistent_only */
static gboolean
own_buffers (PyInterp *ip, PsModule *m, const char *prefix, gboolean persistent_only, PyObj *out)
{
  for (guint i = 0; i < ps_module_get_n_buffers (m); i++)
    {
      PsParam *b = ps_module_get_buffer (m, i);
      PyObj *t;

      if ((persistent_only && !ps_module_get_buffer_persistent (m, i)) || !ps_param_get_data (b))
        continue;
      t = buffer_tensor (ip, ps_module_get_buffer_name (m, i), b);
      if (!t)
        return FALSE;
      py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix,
                                                            ps_module_get_buffer_name (m, i)), t));
    }
  return TRUE;
}

static gboolean
collect_params (PyInterp *ip, PyObj *o, const char *prefix, PyObj *out, GHashTable *seen)
{
  if (!USER (o) && holds_user_module (ip, PY_MOD (o)))
    {
      /* its own parameters (and, for state_dict, persistent buffers), then
       * each child's as code sees it */
      PsModule *m = PY_MOD (o);
      for (guint i = 0; i < ps_module_get_n_params (m); i++)
        {
          PsParam *p = ps_module_get_param (m, i);
          if (seen && !g_hash_table_add (seen, p))
            continue;
          PyObj *t = param_tensor (ip, p);
          if (!t)
            return FALSE;
          py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix,
                                                                ps_module_get_param_name (m, i)), t));
        }
      if (!seen && !own_buffers (ip, m, prefix, TRUE, out))
        return FALSE;
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        {
          PyObj *child = py_nn_wrap_module (ip, ps_module_get_child (m, i));
          char *sub = g_strdup_printf ("%s%s.", prefix, ps_module_get_child_name (m, i));
          gboolean ok = collect_params (ip, child, sub, out, seen);
          g_free (sub);
          py_decref (child);
          if (!ok)
            return FALSE;
        }
      return TRUE;
    }
  if (!USER (o))
    {
      GPtrArray *ps = seen ? ps_module_named_parameters (PY_MOD (o)) : ps_module_state_dict (PY_MOD (o));
      for (guint i = 0; i < ps->len; i++)
        {
          PsNamedParam *np = ps->pdata[i];
          if (seen && !g_hash_table_add (seen, np->param))
            continue;
          const char *dot = strrchr (np->name, '.');
          PyObj *t = !seen && strcmp (dot ? dot + 1 : np->name, "num_batches_tracked") == 0
                     ? buffer_tensor (ip, np->name, np->param) : param_tensor (ip, np->param);
          if (!t)
            {
              g_ptr_array_unref (ps);
              return FALSE;
            }
          py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix, np->name), t));
        }
      g_ptr_array_unref (ps);
      return TRUE;
    }
  PyNnModule *u = (PyNnModule *) o;
  gsize pos = 0;
  PyObj *k, *v;
  while (u->params && py_dict_next (u->params, &pos, &k, &v))
    {
      PsArray *a = py_torch_array (v);
      if (seen && a && !g_hash_table_add (seen, ps_array_get_param (a)))
        continue;
      py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix, PY_STR (k)), py_incref (v)));
    }
  pos = 0;
  while (!seen && u->bufs && py_dict_next (u->bufs, &pos, &k, &v))
    if (v != py_none && !py_dict_get_str (u->bufs_np, PY_STR (k)))
      py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix, PY_STR (k)), py_incref (v)));
  pos = 0;
  while (u->mods && py_dict_next (u->mods, &pos, &k, &v))
    {
      char *sub = g_strdup_printf ("%s%s.", prefix, PY_STR (k));
      gboolean ok = collect_params (ip, v, sub, out, seen);
      g_free (sub);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* children as (name, module) pairs */
static PyObj *
children_pairs (PyInterp *ip, PyObj *o)
{
  PyObj *l = py_list_new (0);
  if (!USER (o))
    {
      PsModule *m = PY_MOD (o);
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        py_list_append (l, py_tuple_pack (2, py_str_new (ps_module_get_child_name (m, i), -1),
                                          py_nn_wrap_module (ip, ps_module_get_child (m, i))));
      return l;
    }
  PyNnModule *u = (PyNnModule *) o;
  gsize pos = 0;
  PyObj *k, *v;
  while (u->mods && py_dict_next (u->mods, &pos, &k, &v))
    py_list_append (l, py_tuple_pack (2, py_incref (k), py_incref (v)));
  return l;
}

/* named_modules: self first, then each child's, each module once */
static void
collect_modules (PyInterp *ip, PyObj *o, const char *prefix, PyObj *out, GHashTable *seen)
{
  if (!g_hash_table_add (seen, o))
    return;
  py_list_append (out, py_tuple_pack (2, py_str_new (prefix, -1), py_incref (o)));
  PyObj *kids = children_pairs (ip, o);
  for (gsize i = 0; i < PY_LIST (kids)->n; i++)
    {
      PyObj *pair = PY_LIST (kids)->items[i];
      char *sub = *prefix ? g_strdup_printf ("%s.%s", prefix, PY_STR (PY_TUPLE (pair)->items[0]))
        : g_strdup (PY_STR (PY_TUPLE (pair)->items[0]));
      collect_modules (ip, PY_TUPLE (pair)->items[1], sub, out, seen);
      g_free (sub);
    }
  py_decref (kids);
}

static gboolean
user_apply (PyInterp *ip, PyObj *o, PyObj *fn, GHashTable *seen)
{
  if (!g_hash_table_add (seen, o))
    return TRUE;
  PyObj *kids = children_pairs (ip, o);
  gboolean ok = TRUE;
  for (gsize i = 0; ok && i < PY_LIST (kids)->n; i++)
    ok = user_apply (ip, PY_TUPLE (PY_LIST (kids)->items[i])->items[1], fn, seen);
  py_decref (kids);
  if (ok)
    {
      PyObj *r = py_call1 (ip, fn, o);
      ok = r != NULL;
      py_decref (r);
    }
  return ok;
}

/* nn.Parameter(data, requires_grad=True) */
static PyObj *
f_parameter (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "Parameter", (const char *[]) { "data", "requires_grad", NULL }, 0, args))
    return NULL;
  GError *e = NULL;
  g_autoptr (PsArray) src = args[0] ? ps_array_ref (py_torch_array (args[0])) : NULL;
  if (args[0] && !src)
    return py_raise (ip, py_exc_TypeError, "Parameter(): argument 'data' must be Tensor, not %s",
                     args[0]->type->name);
  if (!src)
    {
      int64_t zero = 0;
      src = ps_array_new_empty (PS_DTYPE_F32, 1, &zero, &e);
    }
  if (ps_array_get_dtype (src) != PS_DTYPE_F32)
    return py_raise (ip, py_exc_RuntimeError, _("ParamScope's parameters are float32 (got %s)"),
                     ps_array_dtype_torch_name (ps_array_get_dtype (src)));
  PsTensor *t = ps_array_to_tensor (src, &e);
  if (!t)
    return raise_gerror (ip, e);
  PsParam *p = ps_param_new (t);
  ps_tensor_unref (t);
  ps_param_set_requires_grad (p, !args[1] || py_truth (ip, args[1]) > 0);
  PyObj *r = param_tensor (ip, p);
  ps_param_unref (p);
  return r;
}

static gboolean
module_repr (PyInterp *ip, PyObj *o, GString *out)
{
  if (USER (o))
    return user_repr (ip, o, out);
  char *s = ps_module_repr (PY_MOD (o));
  g_string_append (out, s);
  g_free (s);
  return TRUE;
}

static PyObj *
module_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PsModule *m = PY_MOD (o);
  if (!m)
    {
      PyNnModule *u = (PyNnModule *) o;
      PyObj *v = u->params ? py_dict_get_str (u->params, name) : NULL;
      if (!v && u->mods)
        v = py_dict_get_str (u->mods, name);
      if (!v && u->bufs)
        v = py_dict_get_str (u->bufs, name);
      if (v)
        return py_incref (v);
      if (u->um && strcmp (name, "training") == 0)
        return py_bool (ps_module_get_training (u->um));
      return py_instance_getattr (ip, o, name);
    }
  PsParam *p = ps_module_get_param_by_name (m, name);
  if (p)
    return param_tensor (ip, p);
  p = ps_module_get_buffer_by_name (m, name);
  if (p && ps_param_get_data (p))
    return buffer_tensor (ip, name, p);
  if ((strcmp (name, "weight") == 0 || strcmp (name, "bias") == 0)
      && ps_module_get_kind (m) == PS_MODULE_LINEAR)
    return py_none;   /* bias=False */
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    if (strcmp (ps_module_get_child_name (m, i), name) == 0)
      return py_nn_wrap_module (ip, ps_module_get_child (m, i));
  if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      if (strcmp (name, "in_features") == 0)
        return py_int_new (ps_module_get_in_features (m));
      if (strcmp (name, "out_features") == 0)
        return py_int_new (ps_module_get_out_features (m));
    }
  if (strcmp (name, "training") == 0)
    return py_bool (ps_module_get_training (m));
  if (ps_module_get_kind (m) == PS_MODULE_LAYER)
    {
      PyObj *v = py_nn_layer_option (m, name);
      if (v)
        return v;
    }
  return py_instance_getattr (ip, o, name);
}

static int
module_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  PsModule *m = PY_MOD (o);
  if (!m)
    {
      /* Parameters and modules assigned to self are registered, as PyTorch does */
      PyNnModule *u = (PyNnModule *) o;
      PsArray *a = v ? py_torch_array (v) : NULL;
      gboolean is_param = a && ps_array_is_parameter (a), is_mod = v && is_module (v);
      if (v && u->bufs && py_dict_get_str (u->bufs, name))
        {
          /* a buffer takes a tensor or None */
          if (!a && v != py_none)
            {
              py_raise (ip, py_exc_TypeError, "cannot assign '%s' as buffer '%s' (torch.Tensor "
                        "or None expected)", v->type->name, name);
              return -1;
            }
          py_dict_set_str (u->bufs, name, py_incref (v));
          return 1;
        }
      if ((is_param || is_mod) && !u->params)
        {
          py_raise (ip, py_exc_AttributeError,
                    "cannot assign %s before Module.__init__() call", is_param ? "parameters" : "module");
          return -1;
        }
      PyObj *key = py_str_new (name, -1);
      if (u->params)
        {
          py_dict_del (ip, u->params, key);
          py_dict_del (ip, u->mods, key);
        }
      if (is_param || is_mod)
        {
          GError *e = NULL;
          PsParam *p = is_param ? ps_array_get_param (a) : NULL;
          gboolean ok = TRUE;
          if (p && ps_module_get_param_by_name (u->um, name))
            ok = ps_module_set_param (u->um, name, p, &e);
          else if (p)
            ok = ps_module_add_param (u->um, name, ps_param_ref (p), &e);
          else
            ok = ps_module_append (u->um, name, ps_module_ref (py_nn_module_of (v)), &e);
          if (!ok)
            {
              py_decref (key);
              raise_gerror (ip, e);
              return -1;
            }
          py_dict_set (ip, is_param ? u->params : u->mods, key, v);
          py_decref (key);
          if (u->dict)
            g_hash_table_remove (u->dict, name);
          return 1;
        }
      py_decref (key);
      return py_instance_setattr (ip, o, name, v);
    }
  if (v && ps_module_get_param_by_name (m, name))
    {
      PsArray *a = py_torch_array (v);
      PsParam *p = a && ps_array_is_parameter (a) ? ps_array_get_param (a) : NULL;
      if (!p)
        {
          py_raise (ip, py_exc_TypeError,
                    "cannot assign '%s' as parameter '%s' (torch.nn.Parameter or None expected)",
                    a ? "torch.FloatTensor" : v->type->name, name);
          return -1;
        }
      GError *e = NULL;
      if (!ps_module_set_param (m, name, p, &e))
        {
          raise_gerror (ip, e);
          return -1;
        }
      return 1;
    }
  return py_instance_setattr (ip, o, name, v);
}

static PyObj *
module_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  PsModule *m = PY_MOD (o);
  if (!m)
    return py_raise (ip, py_exc_TypeError, "'%s' object is not subscriptable", o->type->name);
  if (!py_is_int (key))
    return py_raise (ip, py_exc_TypeError, "indices must be integers, not %s", key->type->name);
  if (ps_module_get_kind (m) != PS_MODULE_SEQUENTIAL)
    return py_raise (ip, py_exc_TypeError, "'%s' object is not subscriptable", o->type->name);
  GError *e = NULL;
  PsModule *c = ps_module_index (m, py_int_value (key), &e);
  if (!c)
    {
      py_raise (ip, py_exc_IndexError, "%s", e->message);
      g_error_free (e);
      return NULL;
    }
  return py_nn_wrap_module (ip, c);
}

/* del net[i] (a Sequential's only: assignment to net[i] is not supported) */
static gboolean
module_setitem (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  PsModule *m = PY_MOD (o);
  gint64 i;
  if (v || !m || ps_module_get_kind (m) != PS_MODULE_SEQUENTIAL)
    {
      py_raise (ip, py_exc_TypeError, "'%s' object does not support item %s", o->type->name,
                v ? "assignment" : "deletion");
      return FALSE;
    }
  if (!py_is_int (key))
    {
      py_raise (ip, py_exc_TypeError, "indices must be integers, not %s", key->type->name);
      return FALSE;
    }
  i = py_int_value (key);
  if (i < 0)
    i += ps_module_get_n_children (m);
  if (i < 0 || i >= ps_module_get_n_children (m))
    {
      py_raise (ip, py_exc_IndexError, "index %" G_GINT64_FORMAT " is out of range", py_int_value (key));
      return FALSE;
    }
  ps_module_remove_child (m, (guint) i);
  return TRUE;
}

static int
module_truth (PyInterp *ip, PyObj *o)
{
  return USER (o) || ps_module_get_kind (PY_MOD (o)) != PS_MODULE_SEQUENTIAL
         || ps_module_get_n_children (PY_MOD (o)) > 0;
}

/* iter(Sequential): its children */
static PyObj *
module_iter (PyInterp *ip, PyObj *o)
{
  if (USER (o) || !ps_module_is_indexable (PY_MOD (o)))
    return py_raise (ip, py_exc_TypeError, "'%s' object is not iterable", o->type->name);
  PyObj *l = py_list_new (0);
  for (guint i = 0; i < ps_module_get_n_children (PY_MOD (o)); i++)
    py_list_append (l, py_nn_wrap_module (ip, ps_module_get_child (PY_MOD (o), i)));
  PyObj *it = py_iter (ip, l);
  py_decref (l);
  return it;
}

static gint64
module_len (PyInterp *ip, PyObj *o)
{
  if (USER (o))
    {
      py_raise (ip, py_exc_TypeError, "object of type '%s' has no len()", o->type->name);
      return -1;
    }
  return ps_module_get_n_children (PY_MOD (o));
}

/* rnn(input, hx=None): (out, h_n), or (out, (h_n, c_n)) for an LSTM, whose hx
 * is read as PyTorch reads it (hx[0], hx[1]) */
static PyObj *
recurrent_call (PyInterp *ip, PsModule *m, PyArgs *a)
{
  gboolean lstm = strcmp (ps_module_get_type_name (m), "LSTM") == 0;
  PyObj *args[2] = { NULL, NULL }, *state[2] = { NULL, NULL }, *r = NULL;
  PsArray *x, *hx[2] = { NULL, NULL }, *out = NULL, *hn = NULL, *cn = NULL;
  GError *e = NULL;

  if (!py_parse_args (ip, a, "forward", (const char *[]) { "input", "hx", NULL }, 1, args))
    return NULL;
  if ((x = py_torch_array (args[0])) == NULL)
    return py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'dim'",
                     args[0]->type->name);
  if (args[1] && args[1] != py_none)
    {
      for (int i = 0; i < (lstm ? 2 : 1); i++)
        {
          if (lstm)
            {
              PyObj *key = py_int_new (i);
              state[i] = py_getitem (ip, args[1], key);
              py_decref (key);
              if (!state[i])
                goto out;
            }
          else
            state[i] = py_incref (args[1]);
          if ((hx[i] = py_torch_array (state[i])) == NULL)
            {
              py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'dim'",
                        state[i]->type->name);
              goto out;
            }
        }
    }
  if (!ps_autograd_recurrent_forward (m, x, hx[0], hx[1], &out, &hn, lstm ? &cn : NULL, &e))
    {
      raise_gerror (ip, e);
      goto out;
    }
  r = py_tuple_pack (2, py_torch_wrap_array (ip, out),
                     lstm ? py_tuple_pack (2, py_torch_wrap_array (ip, hn),
                                           py_torch_wrap_array (ip, cn))
                          : py_torch_wrap_array (ip, hn));
out:
  for (int i = 0; i < 2; i++)
    if (state[i])
      py_decref (state[i]);
  return r;
}

static PyObj *
module_call (PyInterp *ip, PyObj *callee, PyArgs *a)
{
  if (a->npos >= 1 && py_trace_is (a->pos[0]) && py_nn_module_of (callee))
    return py_trace_call_module (ip, py_nn_module_of (callee), a);
  if (USER (callee))
    {
      PyObj *fwd = py_type_lookup (callee->type, "forward");
      if (!fwd)
        return py_raise (ip, py_exc_NotImplementedError,
                         "Module [%s] is missing the required \"forward\" function", callee->type->name);
      PyObj *m = py_method_new (callee, fwd);
      PyObj *r = py_call (ip, m, a);
      py_decref (m);
      return r;
    }
  if (ps_recurrent_is_module (PY_MOD (callee)))
    return recurrent_call (ip, PY_MOD (callee), a);
  if (a->npos != 1 || a->nkw)
    return py_raise (ip, py_exc_TypeError, "forward() takes 2 positional arguments but %d were given",
                     a->npos + 1);
  PsArray *x = py_torch_array (a->pos[0]);
  if (!x)
    return py_raise (ip, py_exc_TypeError, "%s(): argument 'input' must be Tensor, not %s",
                     callee->type->name, a->pos[0]->type->name);
  PsModule *m = PY_MOD (callee);
  if (ps_module_get_kind (m) == PS_MODULE_SEQUENTIAL)
    {
      /* a Sequential holding modules of a user's class (or Sequentials that
       * may): each child called as code calls it, in order */
      gboolean through_code = FALSE;
      for (guint i = 0; i < ps_module_get_n_children (m) && !through_code; i++)
        {
          PsModuleKind k = ps_module_get_kind (ps_module_get_child (m, i));
          through_code = k == PS_MODULE_CONTAINER || k == PS_MODULE_SEQUENTIAL;
        }
      if (through_code)
        {
          PyObj *cur = py_incref (a->pos[0]);
          for (guint i = 0; i < ps_module_get_n_children (m) && cur; i++)
            {
              PyObj *child = py_nn_wrap_module (ip, ps_module_get_child (m, i));
              PyObj *next = py_call1 (ip, child, cur);
              py_decref (child);
              py_decref (cur);
              cur = next;
            }
          return cur;
        }
    }
  GError *e = NULL;
  PsArray *y = ps_autograd_module_forward (m, x, py_torch_rng (ip), &e);
  if (!y)
    return raise_gerror (ip, e);
  return py_torch_wrap_array (ip, y);
}

static PyObj *m_forward (PyInterp *ip, PyObj *self, PyArgs *a) { return module_call (ip, self, a); }

/* the list of (name, value) pairs, then a generator of them or of values */
static PyObj *
named_params (PyInterp *ip, PyObj *self, gboolean state)
{
  PyObj *l = py_list_new (0);
  GHashTable *seen = state ? NULL : g_hash_table_new (NULL, NULL);
  gboolean ok = collect_params (ip, self, "", l, seen);
  if (seen)
    g_hash_table_unref (seen);
  if (!ok)
    {
      py_decref (l);
      return NULL;
    }
  return l;
}

/* (name, buffer) pairs of o and its submodules, each buffer once */
static gboolean
collect_buffers (PyInterp *ip, PyObj *o, const char *prefix, PyObj *out)
{
  if (!USER (o) && holds_user_module (ip, PY_MOD (o)))
    {
      PsModule *m = PY_MOD (o);
      if (!own_buffers (ip, m, prefix, FALSE, out))
        return FALSE;
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        {
          PyObj *child = py_nn_wrap_module (ip, ps_module_get_child (m, i));
          char *sub = g_strdup_printf ("%s%s.", prefix, ps_module_get_child_name (m, i));
          gboolean ok = collect_buffers (ip, child, sub, out);
          g_free (sub);
          py_decref (child);
          if (!ok)
            return FALSE;
        }
      return TRUE;
    }
  if (!USER (o))
    {
      g_autoptr (GPtrArray) bs = ps_module_named_buffers (PY_MOD (o));
      for (guint i = 0; i < bs->len; i++)
        {
          PsNamedParam *np = bs->pdata[i];
          if (!ps_param_get_data (np->param))
            continue;
          PyObj *t = buffer_tensor (ip, np->name, np->param);
          if (!t)
            return FALSE;
          py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix, np->name), t));
        }
      return TRUE;
    }
  PyNnModule *u = (PyNnModule *) o;
  gsize pos = 0;
  PyObj *k, *v;
  while (u->bufs && py_dict_next (u->bufs, &pos, &k, &v))
    if (v != py_none)
      py_list_append (out, py_tuple_pack (2, py_str_printf ("%s%s", prefix, PY_STR (k)), py_incref (v)));
  pos = 0;
  while (u->mods && py_dict_next (u->mods, &pos, &k, &v))
    {
      char *sub = g_strdup_printf ("%s%s.", prefix, PY_STR (k));
      gboolean ok = collect_buffers (ip, v, sub, out);
      g_free (sub);
      if (!ok)
        return FALSE;
    }
  return TRUE;
}

/* A list of (name, value) pairs becomes the list of the values, in place */
static void
keep_values (PyObj *l)
{
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PyObj *pair = PY_LIST (l)->items[i];
      PY_LIST (l)->items[i] = py_incref (PY_TUPLE (pair)->items[1]);
      py_decref (pair);
    }
}

static PyObj *
buffers_gen (PyInterp *ip, PyObj *self, gboolean named)
{
  PyObj *l = py_list_new (0);
  if (!collect_buffers (ip, self, "", l))
    {
      py_decref (l);
      return NULL;
    }
  if (!named)
    keep_values (l);
  return py_generator_new (l, named ? "Module.named_buffers" : "Module.buffers");
}

static PyObj *m_buffers (PyInterp *ip, PyObj *self, PyArgs *a) { return buffers_gen (ip, self, FALSE); }
static PyObj *m_named_buffers (PyInterp *ip, PyObj *self, PyArgs *a) { return buffers_gen (ip, self, TRUE); }

/* register_buffer(name, tensor, persistent=True), PyTorch's checks */
static PyObj *
m_register_buffer (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "register_buffer", (const char *[]) { "name", "tensor", "persistent", NULL },
                      2, args))
    return NULL;
  if (!USER (self))
    return py_raise (ip, py_exc_NotImplementedError,
                     _("register_buffer on a built-in %s is not supported"), self->type->name);
  PyNnModule *u = (PyNnModule *) self;
  if (!u->bufs)
    return py_raise (ip, py_exc_AttributeError, "cannot assign buffer before Module.__init__() call");
  if (!PY_IS (args[0], py_str_type))
    return py_raise (ip, py_exc_TypeError, "buffer name should be a string. Got %s", args[0]->type->name);
  const char *name = PY_STR (args[0]);
  if (strchr (name, '.'))
    return py_raise (ip, py_exc_KeyError, "buffer name can't contain \".\"");
  if (!*name)
    return py_raise (ip, py_exc_KeyError, "buffer name can't be empty string \"\"");
  if (!py_dict_get_str (u->bufs, name)
      && (py_dict_get_str (u->params, name) || py_dict_get_str (u->mods, name)
          || (u->dict && g_hash_table_contains (u->dict, name))))
    return py_raise (ip, py_exc_KeyError, "attribute '%s' already exists", name);
  if (args[1] != py_none && !py_torch_array (args[1]))
    return py_raise (ip, py_exc_TypeError, "cannot assign '%s' object to buffer '%s' (torch Tensor "
                     "or None required)", args[1]->type->name, name);
  py_dict_set_str (u->bufs, name, py_incref (args[1]));
  if (args[2] && py_truth (ip, args[2]) == 0)
    py_dict_set_str (u->bufs_np, name, py_incref (py_true));
  else
    {
      PyObj *key = py_str_new (name, -1);
      py_dict_del (ip, u->bufs_np, key);
      py_decref (key);
    }
  return py_none;
}

static PyObj *
m_named_parameters (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *l = named_params (ip, self, FALSE);
  return l ? py_generator_new (l, "Module.named_parameters") : NULL;
}

static PyObj *
m_parameters (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *l = named_params (ip, self, FALSE);
  if (!l)
    return NULL;
  keep_values (l);
  return py_generator_new (l, "Module.parameters");
}

/* state_dict(): an OrderedDict of detached tensors (tied ones under each name) */
static PyObj *
m_state_dict (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *l = named_params (ip, self, TRUE);
  if (!l)
    return NULL;
  PyObj *d = py_odict_new ();
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PyObj *pair = PY_LIST (l)->items[i], *v = PY_TUPLE (pair)->items[1];
      /* an uninitialized parameter stays one (PyTorch detaches it) */
      PyObj *data = is_uninit (v) ? py_incref (v) : py_getattr (ip, v, "data");
      if (!data)
        {
          py_decref (l);
          py_decref (d);
          return NULL;
        }
      py_dict_set (ip, d, PY_TUPLE (pair)->items[0], data);
      py_decref (data);
    }
  py_decref (l);
  return d;
}

static PyObj *
children_gen (PyInterp *ip, PyObj *self, gboolean named)
{
  PyObj *l = children_pairs (ip, self);
  if (!named)
    keep_values (l);
  return py_generator_new (l, named ? "Module.named_children" : "Module.children");
}

static PyObj *m_children (PyInterp *ip, PyObj *self, PyArgs *a) { return children_gen (ip, self, FALSE); }
static PyObj *m_named_children (PyInterp *ip, PyObj *self, PyArgs *a) { return children_gen (ip, self, TRUE); }

static PyObj *
modules_gen (PyInterp *ip, PyObj *self, gboolean named)
{
  PyObj *l = py_list_new (0);
  GHashTable *seen = g_hash_table_new (NULL, NULL);
  collect_modules (ip, self, "", l, seen);
  g_hash_table_unref (seen);
  if (!named)
    keep_values (l);
  return py_generator_new (l, named ? "Module.named_modules" : "Module.modules");
}

static PyObj *m_modules (PyInterp *ip, PyObj *self, PyArgs *a) { return modules_gen (ip, self, FALSE); }
static PyObj *m_named_modules (PyInterp *ip, PyObj *self, PyArgs *a) { return modules_gen (ip, self, TRUE); }

typedef struct {
  PyInterp *ip;
  PyObj *fn;
  gboolean failed;
} ApplyCtx;

static void
apply_one (PsModule *m, gpointer data)
{
  ApplyCtx *c = data;
  if (c->failed)
    return;
  PyObj *w = py_nn_wrap_module (c->ip, m);
  PyObj *r = py_call1 (c->ip, c->fn, w);
  py_decref (w);
  if (!r)
    c->failed = TRUE;
  py_decref (r);
}

static PyObj *
m_apply (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *fn;
  if (!py_parse_args (ip, a, "apply", (const char *[]) { "fn", NULL }, 1, &fn))
    return NULL;
  if (USER (self))
    {
      GHashTable *seen = g_hash_table_new (NULL, NULL);
      gboolean ok = user_apply (ip, self, fn, seen);
      g_hash_table_unref (seen);
      return ok ? py_incref (self) : NULL;
    }
  ApplyCtx c = { ip, fn, FALSE };
  ps_module_apply (PY_MOD (self), apply_one, &c);
  return c.failed ? NULL : py_incref (self);
}

static PyObj *
m_add_module (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  if (!py_parse_args (ip, a, "add_module", (const char *[]) { "name", "module", NULL }, 2, args))
    return NULL;
  if (!PY_IS (args[0], py_str_type))
    return py_raise (ip, py_exc_TypeError, "module name should be a string. Got %s", args[0]->type->name);
  if (!is_module (args[1]))
    return py_raise (ip, py_exc_TypeError, "%s is not a Module subclass", args[1]->type->name);
  if (USER (self))
    return py_setattr (ip, self, PY_STR (args[0]), args[1]) ? py_none : NULL;
  if (!py_nn_module_of (args[1]))
    return py_raise (ip, py_exc_AttributeError, "cannot assign module before Module.__init__() call");
  GError *e = NULL;
  if (!ps_module_append (PY_MOD (self), PY_STR (args[0]), ps_module_ref (py_nn_module_of (args[1])), &e))
    return raise_gerror (ip, e);
  return py_none;
}

static PyObj *
m_zero_grad (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *s = NULL;
  if (!py_parse_args (ip, a, "zero_grad", (const char *[]) { "set_to_none", NULL }, 0, &s))
    return NULL;
  gboolean to_none = s && py_truth (ip, s) > 0;
  PyObj *l = named_params (ip, self, FALSE);
  if (!l)
    return NULL;
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PsArray *arr = py_torch_array (PY_TUPLE (PY_LIST (l)->items[i])->items[1]);
      if (arr && ps_array_get_param (arr))
        ps_param_zero_grad (ps_array_get_param (arr), to_none);
    }
  py_decref (l);
  return py_none;
}

/* train(mode=True) and eval(): the flag of the module and all under it */
static PyObj *
m_train (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *mode = NULL;
  if (!py_parse_args (ip, a, "train", (const char *[]) { "mode", NULL }, 0, &mode))
    return NULL;
  if (mode && !PY_IS (mode, py_bool_type))
    return py_raise (ip, py_exc_ValueError, "training mode is expected to be boolean");
  PsModule *m = py_nn_module_of (self);
  if (m)
    ps_module_set_training (m, !mode || mode == py_true);
  return py_incref (self);
}

static PyObj *
m_eval (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (!py_parse_args (ip, a, "eval", (const char *[]) { NULL }, 0, NULL))
    return NULL;
  PsModule *m = py_nn_module_of (self);
  if (m)
    ps_module_set_training (m, FALSE);
  return py_incref (self);
}

static const PyMethodDef module_methods[] = {
  { "__init__", m_init }, { "forward", m_forward }, { "named_parameters", m_named_parameters },
  { "named_buffers", m_named_buffers }, { "buffers", m_buffers },
  { "register_buffer", m_register_buffer },
  { "parameters", m_parameters }, { "state_dict", m_state_dict }, { "children", m_children },
  { "named_children", m_named_children }, { "modules", m_modules },
  { "named_modules", m_named_modules }, { "apply", m_apply }, { "add_module", m_add_module },
  { "zero_grad", m_zero_grad }, { "train", m_train }, { "eval", m_eval },
  { NULL }
};

static PyType module_type = {
  .ob = { &py_type_type, -1 }, .name = "Module", .module = "torch.nn.modules.module",
  .size = sizeof (PyNnModule), .dealloc = module_dealloc, .repr = module_repr,
  .getattr = module_getattr, .setattr = module_setattr, .getitem = module_getitem,
  .len = module_len, .call = module_call, .truth = module_truth, .iter = module_iter,
  .setitem = module_setitem, .methods = module_methods, .has_dict = TRUE,
};

/* ---- constructors ---------------------------------------------------------------------- */

static PyObj *
f_sequential (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->nkw)
    return py_raise (ip, py_exc_TypeError, "Sequential() takes no keyword arguments");
  g_autoptr (PsModule) seq = ps_module_new_sequential ();
  for (int i = 0; i < a->npos; i++)
    {
      if (!is_module (a->pos[i]))
        return py_raise (ip, py_exc_TypeError, "%s is not a Module subclass", a->pos[i]->type->name);
      if (!py_nn_module_of (a->pos[i]))
        return py_raise (ip, py_exc_AttributeError,
                         "cannot assign module before Module.__init__() call");
      char name[32];
      g_snprintf (name, sizeof name, "%d", i);
      GError *e = NULL;
      if (!ps_module_append (seq, name, ps_module_ref (py_nn_module_of (a->pos[i])), &e))
        return raise_gerror (ip, e);
    }
  return py_nn_wrap_module (ip, seq);
}

static PyObj *
f_linear (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  gint64 in, out;
  if (!py_parse_args (ip, a, "Linear", (const char *[]) { "in_features", "out_features", "bias", NULL }, 2, args)
      || !py_arg_int (ip, args[0], "in_features", &in) || !py_arg_int (ip, args[1], "out_features", &out))
    return NULL;
  if (in < 0 || out < 0)
    return py_raise (ip, py_exc_RuntimeError, "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "]",
                     out < 0 ? out : in, out, in);
  gboolean bias = !args[2] || py_truth (ip, args[2]) > 0;
  if ((double) in * (double) out > 1e9)
    return py_raise (ip, py_exc_RuntimeError, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                     ") is over ParamScope's memory budget", in, out);
  g_autoptr (PsModule) m = ps_module_new_linear (in, out, bias, py_torch_rng (ip));
  return py_nn_wrap_module (ip, m);
}

static PyObj *
f_lazy_linear (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  gint64 out;
  if (!py_parse_args (ip, a, "LazyLinear", (const char *[]) { "out_features", "bias", NULL }, 1, args)
      || !py_arg_int (ip, args[0], "out_features", &out))
    return NULL;
  g_autoptr (PsModule) m = ps_module_new_lazy_linear (out, !args[1] || py_truth (ip, args[1]) > 0);
  return py_nn_wrap_module (ip, m);
}

static PyObj *
simple (PyInterp *ip, PyArgs *a, PsModuleKind kind, const char *name)
{
  PyObj *inplace = NULL;
  if (kind == PS_MODULE_RELU)
    {
      if (!py_parse_args (ip, a, name, (const char *[]) { "inplace", NULL }, 0, &inplace))
        return NULL;
    }
  else if (!py_no_kwargs (ip, a, name))
    return NULL;
  g_autoptr (PsModule) m = ps_module_new (kind);
  if (inplace && py_truth (ip, inplace) > 0)
    ps_module_set_inplace (m, TRUE);
  return py_nn_wrap_module (ip, m);
}

static PyObj *f_relu (PyInterp *ip, PyObj *s, PyArgs *a) { return simple (ip, a, PS_MODULE_RELU, "ReLU"); }
static PyObj *f_sigmoid (PyInterp *ip, PyObj *s, PyArgs *a) { return simple (ip, a, PS_MODULE_SIGMOID, "Sigmoid"); }
static PyObj *f_tanh (PyInterp *ip, PyObj *s, PyArgs *a) { return simple (ip, a, PS_MODULE_TANH, "Tanh"); }
static PyObj *f_identity (PyInterp *ip, PyObj *s, PyArgs *a) { g_autoptr (PsModule) m = ps_module_new (PS_MODULE_IDENTITY); return py_nn_wrap_module (ip, m); }

static PyObj *
f_gelu (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *ap = NULL;
  if (!py_parse_args (ip, a, "GELU", (const char *[]) { "approximate", NULL }, 0, &ap))
    return NULL;
  g_autoptr (PsModule) m = ps_module_new (PS_MODULE_GELU);
  if (ap && PY_IS (ap, py_str_type) && strcmp (PY_STR (ap), "tanh") == 0)
    ps_module_set_gelu_tanh (m, TRUE);
  return py_nn_wrap_module (ip, m);
}

static PyObj *
f_leaky_relu (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  double slope = 0.01;
  if (!py_parse_args (ip, a, "LeakyReLU", (const char *[]) { "negative_slope", "inplace", NULL }, 0, args)
      || (args[0] && !py_arg_float (ip, args[0], "negative_slope", &slope)))
    return NULL;
  g_autoptr (PsModule) m = ps_module_new_leaky_relu (slope, args[1] && py_truth (ip, args[1]) > 0);
  if (args[0])
    {
      char *r = py_repr_cstr (ip, args[0]);
      ps_module_set_slope_text (m, r);
      g_free (r);
    }
  return py_nn_wrap_module (ip, m);
}

static PyObj *
f_flatten (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  gint64 sd = 1, ed = -1;
  if (!py_parse_args (ip, a, "Flatten", (const char *[]) { "start_dim", "end_dim", NULL }, 0, args)
      || (args[0] && !py_arg_int (ip, args[0], "start_dim", &sd))
      || (args[1] && !py_arg_int (ip, args[1], "end_dim", &ed)))
    return NULL;
  g_autoptr (PsModule) m = ps_module_new_flatten ((int) sd, (int) ed);
  return py_nn_wrap_module (ip, m);
}

/* ---- nn.init --------------------------------------------------------------------------- */

static PyObj *
init_call (PyInterp *ip, PyArgs *a, const char *scheme)
{
  const PsInitInfo *info = ps_init_find_info (scheme);
  g_assert (info);
  char fname[64];
  g_snprintf (fname, sizeof fname, "%s_", scheme);
  if (a->npos < 1 && a->nkw == 0)
    return py_raise (ip, py_exc_TypeError, "%s() missing 1 required positional argument: 'tensor'", fname);
  PyObj *t = a->npos ? a->pos[0] : NULL;
  for (int k = 0; k < a->nkw && !t; k++)
    if (strcmp (a->kwn[k], "tensor") == 0)
      t = a->kwv[k];
  PsArray *arr = t ? py_torch_array (t) : NULL;
  if (t && is_uninit (t) && !uninit_ready (t))
    {
      char *what = g_strdup_printf ("<function %s>", fname);
      uninit_refuse (ip, what);
      g_free (what);
      return NULL;
    }
  if (t && is_uninit (t))
    {
      PyObj *p = param_tensor (ip, ((PyUninit *) t)->p);
      arr = p ? py_torch_array (p) : NULL;
      py_decref (p);   /* the wrappers' cache keeps it */
    }
  if (!arr)
    return py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'ndimension'",
                     t ? t->type->name : "NoneType");
  g_autoptr (PsInitScheme) s = ps_init_scheme_new (info->kind);
  if (a->npos - 1 > (int) info->n_args)
    return py_raise (ip, py_exc_TypeError, "%s() takes from 1 to %u positional arguments but %d were given",
                     fname, info->n_args + 1, a->npos);
  for (int i = 1; i < a->npos + a->nkw; i++)
    {
      const char *name;
      PyObj *v;
      if (i < a->npos)
        {
          name = info->args[i - 1].name;
          v = a->pos[i];
        }
      else
        {
          name = a->kwn[i - a->npos];
          v = a->kwv[i - a->npos];
          if (strcmp (name, "tensor") == 0)
            continue;
          gboolean known = FALSE;
          for (guint k = 0; k < info->n_args; k++)
            known |= strcmp (info->args[k].name, name) == 0;
          if (!known)
            return py_raise (ip, py_exc_TypeError, "%s() got an unexpected keyword argument '%s'", fname, name);
        }
      char *text = py_repr_cstr (ip, v);
      if (!text)
        return NULL;
      GError *e = NULL;
      gboolean ok = ps_init_scheme_set_arg (s, name, text, &e);
      g_free (text);
      if (!ok)
        {
          py_raise (ip, py_exc_ValueError, "%s", e->message);
          g_error_free (e);
          return NULL;
        }
    }
  GError *e = NULL;
  if (ps_array_is_parameter (arr))
    {
      if (!ps_init_apply (s, ps_array_get_param (arr), -1, py_torch_rng (ip), &e))
        {
          py_raise (ip, py_exc_ValueError, "%s", e->message);
          g_error_free (e);
          return NULL;
        }
      return py_incref (t);
    }
  g_autoptr (PsTensor) tmp = ps_array_to_tensor (arr, &e);
  if (!tmp || !ps_init_tensor (s, tmp, -1, py_torch_rng (ip), &e))
    {
      py_raise (ip, py_exc_ValueError, "%s", e ? e->message : "cannot initialize this tensor");
      g_clear_error (&e);
      return NULL;
    }
  g_autoptr (PsArray) src = ps_array_new_from_tensor (tmp, &e);
  if (!src || !ps_array_copy_ (arr, src, &e))
    return raise_gerror (ip, e);
  return py_incref (t);
}

#define INIT(NAME) static PyObj *i_##NAME (PyInterp *ip, PyObj *s, PyArgs *a) { return init_call (ip, a, #NAME); }
INIT (uniform)
INIT (normal)
INIT (constant)
INIT (ones)
INIT (zeros)
INIT (eye)
INIT (xavier_uniform)
INIT (xavier_normal)
INIT (kaiming_uniform)
INIT (kaiming_normal)
INIT (trunc_normal)
INIT (orthogonal)
INIT (sparse)

static PyObj *
i_calculate_gain (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "calculate_gain", (const char *[]) { "nonlinearity", "param", NULL }, 1, args))
    return NULL;
  if (!PY_IS (args[0], py_str_type))
    return py_raise (ip, py_exc_ValueError, "Unsupported nonlinearity %s", py_type_name (args[0]));
  double param = NAN, gain;
  if (args[1] && args[1] != py_none && !py_arg_float (ip, args[1], "param", &param))
    return NULL;
  GError *e = NULL;
  if (!ps_init_calculate_gain (PY_STR (args[0]), param, &gain, &e))
    {
      py_raise (ip, py_exc_ValueError, "%s", e->message);
      g_error_free (e);
      return NULL;
    }
  return py_float_new (gain);
}

static const PyMethodDef init_funcs[] = {
  { "uniform_", i_uniform }, { "normal_", i_normal }, { "constant_", i_constant },
  { "ones_", i_ones }, { "zeros_", i_zeros }, { "eye_", i_eye },
  { "xavier_uniform_", i_xavier_uniform }, { "xavier_normal_", i_xavier_normal },
  { "kaiming_uniform_", i_kaiming_uniform }, { "kaiming_normal_", i_kaiming_normal },
  { "trunc_normal_", i_trunc_normal }, { "orthogonal_", i_orthogonal }, { "sparse_", i_sparse },
  { "calculate_gain", i_calculate_gain },
  { NULL }
};

static PyObj *
build_init (PyInterp *ip)
{
  PyObj *m = py_module_new ("torch.nn.init");
  for (const PyMethodDef *d = init_funcs; d->name; d++)
    py_module_add (m, d->name, py_native_new (d->name, d->fn, NULL));
  return m;
}

static const PyMethodDef nn_classes[] = {
  { "Sequential", f_sequential }, { "Linear", f_linear }, { "LazyLinear", f_lazy_linear },
  { "ReLU", f_relu }, { "Sigmoid", f_sigmoid }, { "Tanh", f_tanh }, { "GELU", f_gelu },
  { "LeakyReLU", f_leaky_relu }, { "Identity", f_identity }, { "Flatten", f_flatten },
  { NULL }
};

/* nn.Linear is a class (type(m) == nn.Linear, isinstance) that constructs */
static PyObj *
class_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  for (int i = 0; py_nn_layer_names[i]; i++)
    if (strcmp (py_nn_layer_names[i], t->name) == 0)
      {
        g_autoptr (PsModule) m = py_nn_layer_new (ip, t->name, a);
        return m ? py_nn_wrap_module (ip, m) : NULL;
      }
  for (const PyMethodDef *d = nn_classes; d->name; d++)
    if (strcmp (d->name, t->name) == 0)
      return d->fn (ip, NULL, a);
  return py_raise (ip, py_exc_TypeError, "cannot create '%s' instances", t->name);
}

static PyObj *
build_nn (PyInterp *ip)
{
  PyObj *m = py_module_new ("torch.nn");
  /* the classes: one PsModule of each kind gives its class */
  for (const PyMethodDef *d = nn_classes; d->name; d++)
    {
      PyObj *inst = d->fn (ip, NULL, &(PyArgs) { 0 });
      PyType *t;
      if (!inst)
        {
          /* Linear/LazyLinear need arguments: make one to learn the class */
          py_err_clear (ip);
          g_autoptr (PsModule) lin = strcmp (d->name, "Linear") == 0 ? ps_module_new_linear (1, 1, TRUE, NULL)
            : ps_module_new_lazy_linear (1, TRUE);
          t = module_class (lin);
        }
      else
        {
          t = inst->type;
          py_decref (inst);
        }
      t->new_ = class_new;
      py_module_add (m, d->name, py_incref (&t->ob));
    }
  for (int i = 0; py_nn_layer_names[i]; i++)
    {
      g_autoptr (PsModule) probe = ps_module_new_layer (py_nn_layer_names[i]);
      PyType *t = named_module_class (probe);
      t->new_ = class_new;
      py_module_add (m, py_nn_layer_names[i], py_incref (&t->ob));
    }
  py_module_add (m, "Module", &module_type.ob);
  py_functional_add_losses (m);
  py_module_add (m, "Parameter", py_native_new ("Parameter", f_parameter, NULL));
  PyObj *init = py_import_module (ip, "torch.nn.init");
  PyObj *fn = py_import_module (ip, "torch.nn.functional");
  if (init)
    py_module_add (m, "init", init);
  if (fn)
    py_module_add (m, "functional", fn);
  return m;
}

PsModule *
py_nn_module_of (PyObj *o)
{
  return !is_module (o) ? NULL : PY_MOD (o) ? PY_MOD (o) : ((PyNnModule *) o)->um;
}

/* Record the forward() of every module of a user's class under root for the
 * tape.  FALSE with the interpreter's exception set at the first that cannot
 * be recorded (the others recorded stay). */
gboolean
py_nn_record_forwards (PyInterp *ip, PsModule *root)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (root);
  GHashTable *cache = py_torch_wrappers (ip);
  for (guint i = 0; cache && i < mods->len; i++)
    {
      PsModule *m = ((PsNamedModule *) mods->pdata[i])->module;
      PyObj *o = g_hash_table_lookup (cache, m);
      if (!o || !is_module (o) || !USER (o) || ((PyNnModule *) o)->um != m)
        continue;
      if (!py_type_lookup (o->type, "forward") || py_type_lookup (o->type, "forward")->type != &py_function_type)
        continue;   /* no forward of its own: NotImplementedError when called, as in PyTorch */
      PsBlockProgram *p = py_trace_forward (ip, o, m);
      if (!p)
        {
          /* the tape says why, naming the class and the line */
          g_autofree char *msg = py_exc_message (ip, ip->exc);
          g_autofree char *why = NULL;
          if (ip->tb && ip->tb->len > 0)
            {
              PyTbEntry *at = &g_array_index (ip->tb, PyTbEntry, 0);
              why = g_strdup_printf (_("%s.forward() cannot be recorded for the tape: %s:%d:%d: %s"),
                                     o->type->name, at->file, at->line, at->col, msg);
            }
          else
            why = g_strdup_printf (_("%s.forward() cannot be recorded for the tape: %s"),
                                   o->type->name, msg);
          ps_module_set_program_error (m, why);
          return FALSE;
        }
      ps_module_set_program (m, p);
      ps_block_program_unref (p);
    }
  return TRUE;
}

void
py_nn_register (void)
{
  py_register_module ("torch.nn", build_nn);
  py_register_module ("torch.nn.init", build_init);
}

void
py_nn_user_names (PyObj *o, GPtrArray *names)
{
  PyNnModule *u = (PyNnModule *) o;
  PyObj *k, *v;
  gsize pos;

  if (!is_module (o) || !USER (o))
    return;
  pos = 0;
  while (u->params && py_dict_next (u->params, &pos, &k, &v))
    g_ptr_array_add (names, g_strdup (PY_STR (k)));
  pos = 0;
  while (u->mods && py_dict_next (u->mods, &pos, &k, &v))
    g_ptr_array_add (names, g_strdup (PY_STR (k)));
}
