/* py-runtime.c — the callable and namespace objects: bound methods, native
 * functions, instances of user classes, modules, super(), the exception
 * classes; and argument parsing for native functions
 */
#include "py-eval.h"
#include "ps-i18n.h"

#include <string.h>

#define STATIC_OB { &py_type_type, -1 }

/* ---- argument parsing ----------------------------------------------------------- */

gboolean
py_parse_args (PyInterp *ip, PyArgs *a, const char *fname, const char *const *names, int nreq,
               PyObj **out)
{
  int n = 0;
  while (names[n])
    n++;
  if (a->npos > n)
    {
      if (n == 0)
        py_raise (ip, py_exc_TypeError, "%s() takes no arguments (%d given)", fname, a->npos);
      else if (nreq == n)
        py_raise (ip, py_exc_TypeError, "%s() takes exactly %d argument%s (%d given)", fname, n,
                  n == 1 ? "" : "s", a->npos);
      else
        py_raise (ip, py_exc_TypeError, "%s() takes at most %d argument%s (%d given)", fname, n,
                  n == 1 ? "" : "s", a->npos);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    out[i] = i < a->npos ? a->pos[i] : NULL;
  for (int k = 0; k < a->nkw; k++)
    {
      int found = -1;
      for (int i = 0; i < n; i++)
        if (strcmp (names[i], a->kwn[k]) == 0)
          found = i;
      if (found < 0)
        {
          py_raise (ip, py_exc_TypeError, "%s() got an unexpected keyword argument '%s'", fname,
                    a->kwn[k]);
          return FALSE;
        }
      if (out[found])
        {
          py_raise (ip, py_exc_TypeError, "%s() got multiple values for argument '%s'", fname,
                    a->kwn[k]);
          return FALSE;
        }
      out[found] = a->kwv[k];
    }
  for (int i = 0; i < nreq; i++)
    if (!out[i])
      {
        py_raise (ip, py_exc_TypeError, "%s() missing required argument '%s' (pos %d)", fname,
                  names[i], i + 1);
        return FALSE;
      }
  return TRUE;
}

gboolean
py_no_kwargs (PyInterp *ip, PyArgs *a, const char *fname)
{
  if (a->nkw)
    {
      py_raise (ip, py_exc_TypeError, "%s() takes no keyword arguments", fname);
      return FALSE;
    }
  if (a->npos)
    {
      py_raise (ip, py_exc_TypeError, "%s() takes no arguments (%d given)", fname, a->npos);
      return FALSE;
    }
  return TRUE;
}

gboolean
py_arg_int (PyInterp *ip, PyObj *o, const char *what, gint64 *out)
{
  if (!py_is_int (o))
    {
      py_raise (ip, py_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                o->type->name);
      return FALSE;
    }
  *out = py_int_value (o);
  return TRUE;
}

gboolean
py_arg_float (PyInterp *ip, PyObj *o, const char *what, double *out)
{
  if (!py_is_number (o))
    {
      py_raise (ip, py_exc_TypeError, "must be real number, not %s", o->type->name);
      return FALSE;
    }
  *out = py_number_value (o);
  return TRUE;
}

/* ---- bound methods ------------------------------------------------------------------ */

PyObj *
py_method_new (PyObj *self, PyObj *func)
{
  PyMethod *m = (PyMethod *) py_alloc (&py_method_type);
  m->self = py_incref (self);
  m->func = py_incref (func);
  return &m->ob;
}

static void
method_dealloc (PyObj *o)
{
  py_clear (&((PyMethod *) o)->self);
  py_clear (&((PyMethod *) o)->func);
}

static PyObj *
method_call (PyInterp *ip, PyObj *callee, PyArgs *a)
{
  PyMethod *m = (PyMethod *) callee;
  PyObj **pos = g_newa (PyObj *, a->npos + 1);
  pos[0] = m->self;
  if (a->npos)
    memcpy (pos + 1, a->pos, a->npos * sizeof (PyObj *));
  PyArgs b = *a;
  b.pos = pos;
  b.npos = a->npos + 1;
  return py_call (ip, m->func, &b);
}

static gboolean
method_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyMethod *m = (PyMethod *) o;
  const char *q = PY_IS (m->func, py_function_type) ? ((PyFunc *) m->func)->qualname : "?";
  g_string_append_printf (out, "<bound method %s of ", q);
  if (!py_repr (ip, m->self, out))
    return FALSE;
  g_string_append_c (out, '>');
  return TRUE;
}

static PyObj *
method_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyMethod *m = (PyMethod *) o;
  if (strcmp (name, "__self__") == 0)
    return py_incref (m->self);
  if (strcmp (name, "__func__") == 0)
    return py_incref (m->func);
  return py_getattr_opt (ip, m->func, name);
}

PyType py_method_type = {
  .ob = STATIC_OB, .name = "method", .size = sizeof (PyMethod), .dealloc = method_dealloc,
  .call = method_call, .repr = method_repr, .getattr = method_getattr,
};

/* ---- native functions --------------------------------------------------------------- */

PyObj *
py_native_new (const char *name, PyNativeFn fn, PyObj *self)
{
  PyNative *n = (PyNative *) py_alloc (&py_native_type);
  n->name = name;
  n->fn = fn;
  n->self = py_incref (self);
  return &n->ob;
}

static void
native_dealloc (PyObj *o)
{
  py_clear (&((PyNative *) o)->self);
}

static PyObj *
native_call (PyInterp *ip, PyObj *callee, PyArgs *a)
{
  PyNative *n = (PyNative *) callee;
  if (!n->self && n->qual)
    {
      /* unbound: str.upper("x"), nn.Module.__init__(self) */
      if (a->npos < 1)
        return py_raise (ip, py_exc_TypeError, "unbound method %s.%s() needs an argument",
                         n->qual, n->name);
      PyArgs b = *a;
      b.pos++;
      b.npos--;
      return n->fn (ip, a->pos[0], &b);
    }
  return n->fn (ip, n->self, a);
}

static gboolean
native_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyNative *n = (PyNative *) o;
  if (n->self && !PY_IS (n->self, py_module_type))
    {
      g_string_append_printf (out, "<built-in method %s of %s object at %p>", n->name,
                              n->self->type->name, (void *) n->self);
      return TRUE;
    }
  g_string_append_printf (out, "<built-in function %s>", n->name);
  return TRUE;
}

static PyObj *
native_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  if (strcmp (name, "__name__") == 0)
    return py_str_new (((PyNative *) o)->name, -1);
  return NULL;
}

PyType py_native_type = {
  .ob = STATIC_OB, .name = "builtin_function_or_method", .size = sizeof (PyNative),
  .dealloc = native_dealloc, .call = native_call, .repr = native_repr, .getattr = native_getattr,
};

/* ---- instances of user classes -------------------------------------------------------- */

static void
instance_value_free (gpointer p)
{
  py_decref (p);
}

GHashTable *
py_instance_dict (PyObj *o)
{
  PyInstance *in = (PyInstance *) o;
  if (!in->dict)
    in->dict = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, instance_value_free);
  return in->dict;
}

static void
object_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyInstance *) o)->dict, g_hash_table_unref);
}

static gboolean
object_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<%s.%s object at %p>", o->type->module ? o->type->module : "builtins",
                          o->type->name, (void *) o);
  return TRUE;
}

static PyObj *
object_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  if (!t->is_heap && (a->npos || a->nkw))
    return py_raise (ip, py_exc_TypeError, "object() takes no arguments");
  return py_alloc (t);
}

static PyObj *
object_init (PyInterp *ip, PyObj *self, PyArgs *a)
{
  return py_none;
}

static const PyMethodDef object_methods[] = { { "__init__", object_init }, { NULL } };

/* instances hold their attributes in a dict: read after the type's own hook */
PyObj *
py_instance_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyInstance *in = (PyInstance *) o;
  if (in->dict)
    {
      PyObj *v = g_hash_table_lookup (in->dict, name);
      if (v)
        return py_incref (v);
    }
  if (strcmp (name, "__dict__") == 0)
    {
      PyObj *d = py_dict_new ();
      if (in->dict)
        {
          GHashTableIter it;
          gpointer k, v;
          g_hash_table_iter_init (&it, in->dict);
          while (g_hash_table_iter_next (&it, &k, &v))
            py_dict_set_str (d, k, py_incref (v));
        }
      return d;
    }
  return NULL;
}

int
py_instance_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  GHashTable *d = py_instance_dict (o);
  if (v)
    g_hash_table_replace (d, g_strdup (name), py_incref (v));
  else if (!g_hash_table_remove (d, name))
    {
      py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute '%s'", o->type->name, name);
      return -1;
    }
  return 1;
}

PyType py_object_type_impl;

PyType py_instance_type = {
  .ob = STATIC_OB, .name = "object", .size = sizeof (PyInstance),
};

/* ---- modules ------------------------------------------------------------------------- */

PyObj *
py_module_new (const char *name)
{
  PyModule *m = (PyModule *) py_alloc (&py_module_type);
  m->name = g_intern_string (name);
  m->dict = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, instance_value_free);
  return &m->ob;
}

void
py_module_add (PyObj *m, const char *name, PyObj *v)
{
  g_hash_table_replace (((PyModule *) m)->dict, g_strdup (name), v);
}

static void
module_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyModule *) o)->dict, g_hash_table_unref);
}

static PyObj *
module_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyModule *m = (PyModule *) o;
  PyObj *v = g_hash_table_lookup (m->dict, name);
  if (v)
    return py_incref (v);
  if (strcmp (name, "__name__") == 0)
    return py_str_new (m->name, -1);
  return NULL;
}

static int
module_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  py_raise (ip, py_exc_AttributeError, _("module '%s' is read-only in ParamScope (setting '%s')"),
            ((PyModule *) o)->name, name);
  return -1;
}

static gboolean
module_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<module '%s' (built-in)>", ((PyModule *) o)->name);
  return TRUE;
}

PyType py_module_type = {
  .ob = STATIC_OB, .name = "module", .size = sizeof (PyModule), .dealloc = module_dealloc,
  .getattr = module_getattr, .setattr = module_setattr, .repr = module_repr,
};

/* ---- super() --------------------------------------------------------------------------- */

static void
super_dealloc (PyObj *o)
{
  py_clear (&((PySuper *) o)->self);
}

static PyObj *
super_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PySuper *s = (PySuper *) o;
  for (PyType *t = s->cls->base; t; t = t->base)
    {
      if (t->dict)
        {
          PyObj *v = g_hash_table_lookup (t->dict, name);
          if (v)
            return PY_IS (v, py_function_type) ? py_method_new (s->self, v) : py_incref (v);
        }
      if (t->methods)
        for (const PyMethodDef *m = t->methods; m->name; m++)
          if (strcmp (m->name, name) == 0)
            return py_native_new (m->name, m->fn, s->self);
    }
  if (strcmp (name, "__init__") == 0)
    return py_native_new ("__init__", object_init, s->self);
  return py_raise (ip, py_exc_AttributeError, "'super' object has no attribute '%s'", name);
}

static gboolean
super_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PySuper *s = (PySuper *) o;
  g_string_append_printf (out, "<super: <class '%s'>, <%s object>>", s->cls->name,
                          s->self->type->name);
  return TRUE;
}

static PyObj *
super_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyType *cls = NULL;
  PyObj *self = NULL;
  if (a->npos == 2)
    {
      if (!PY_IS (a->pos[0], py_type_type))
        return py_raise (ip, py_exc_TypeError, "super() argument 1 must be a type, not %s",
                         a->pos[0]->type->name);
      cls = (PyType *) a->pos[0];
      self = a->pos[1];
    }
  else if (a->npos == 0)
    {
      PyFrame *f = ip->frame;
      while (f && !f->func)
        f = f->back;
      if (!f || !f->func->owner || f->func->def->list->len == 0)
        return py_raise (ip, py_exc_RuntimeError, "super(): no arguments");
      cls = f->func->owner;
      PyNode *p0 = f->func->def->list->pdata[0];
      self = py_dict_get_str (f->locals, p0->str);
      if (!self)
        return py_raise (ip, py_exc_RuntimeError, "super(): arg[0] deleted");
    }
  else
    return py_raise (ip, py_exc_TypeError, "super() takes 0 or 2 arguments");
  if (!py_isinstance (self, cls))
    return py_raise (ip, py_exc_TypeError, "super(type, obj): obj must be an instance or subtype of type");
  PySuper *s = (PySuper *) py_alloc (&py_super_type);
  s->cls = cls;
  s->self = py_incref (self);
  return &s->ob;
}

PyType py_super_type = {
  .ob = STATIC_OB, .name = "super", .size = sizeof (PySuper), .dealloc = super_dealloc,
  .getattr = super_getattr, .repr = super_repr, .new_ = super_new,
};

PyType py_set_type = { .ob = STATIC_OB, .name = "set", .size = sizeof (PyInstance) };
PyType py_cell_type = { .ob = STATIC_OB, .name = "cell", .size = sizeof (PyInstance) };

/* ---- exceptions -------------------------------------------------------------------------- */

PyType *py_exc_BaseException, *py_exc_Exception, *py_exc_TypeError, *py_exc_ValueError,
  *py_exc_NameError, *py_exc_AttributeError, *py_exc_IndexError, *py_exc_KeyError,
  *py_exc_ZeroDivisionError, *py_exc_AssertionError, *py_exc_ImportError,
  *py_exc_ModuleNotFoundError, *py_exc_RuntimeError, *py_exc_OverflowError,
  *py_exc_RecursionError, *py_exc_StopIteration, *py_exc_NotImplementedError,
  *py_exc_LookupError, *py_exc_ArithmeticError, *py_exc_UnboundLocalError,
  *py_exc_KeyboardInterrupt, *py_exc_MemoryError, *py_exc_TimeoutError,
  *py_exc_SyntaxError, *py_exc_IndentationError;

PyObj *
py_exception_new (PyType *t, PyObj *args)
{
  PyException *e = (PyException *) py_alloc (t);
  e->args = args;
  return &e->ob;
}

static void
exc_dealloc (PyObj *o)
{
  py_clear (&((PyException *) o)->args);
  object_dealloc (o);
}

static gboolean
exc_str (PyInterp *ip, PyObj *o, GString *out)
{
  PyException *e = (PyException *) o;
  gsize n = e->args ? PY_TUPLE (e->args)->n : 0;
  if (n == 0)
    return TRUE;
  if (n == 1)
    {
      if (py_is_subtype (o->type, py_exc_KeyError))
        return py_repr (ip, PY_TUPLE (e->args)->items[0], out);
      return py_str (ip, PY_TUPLE (e->args)->items[0], out);
    }
  return py_repr (ip, e->args, out);
}

static gboolean
exc_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyException *e = (PyException *) o;
  g_string_append (out, o->type->name);
  if (e->args && PY_TUPLE (e->args)->n == 1)
    {
      g_string_append_c (out, '(');
      if (!py_repr (ip, PY_TUPLE (e->args)->items[0], out))
        return FALSE;
      g_string_append_c (out, ')');
      return TRUE;
    }
  return e->args ? py_repr (ip, e->args, out) : (g_string_append (out, "()"), TRUE);
}

static PyObj *
exc_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *args = py_tuple_new (a->npos);
  for (int i = 0; i < a->npos; i++)
    PY_TUPLE (args)->items[i] = py_incref (a->pos[i]);
  return py_exception_new (t, args);
}

static PyObj *
exc_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyObj *v = py_instance_getattr (ip, o, name);
  if (v)
    return v;
  if (strcmp (name, "args") == 0)
    return py_incref (((PyException *) o)->args ? ((PyException *) o)->args : py_tuple_new (0));
  return NULL;
}

static PyObj *
exc_init (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyException *e = (PyException *) self;
  PyObj *args = py_tuple_new (a->npos);
  for (int i = 0; i < a->npos; i++)
    PY_TUPLE (args)->items[i] = py_incref (a->pos[i]);
  py_decref (e->args);
  e->args = args;
  return py_none;
}

static const PyMethodDef exc_methods[] = { { "__init__", exc_init }, { NULL } };

PyType py_exception_base = {
  .ob = STATIC_OB, .name = "BaseException", .size = sizeof (PyException), .dealloc = exc_dealloc,
  .repr = exc_repr, .str = exc_str, .new_ = exc_new, .getattr = exc_getattr,
  .setattr = py_instance_setattr, .has_dict = TRUE, .is_exception = TRUE, .methods = exc_methods,
};

static PyType *
exc_class (const char *name, PyType *base)
{
  PyType *t = g_new0 (PyType, 1);
  *t = (PyType) { .ob = STATIC_OB, .name = name, .base = base, .size = sizeof (PyException),
                  .has_dict = TRUE, .is_exception = TRUE };
  return t;
}

void
py_exceptions_init (void)
{
  static gsize once;
  if (!g_once_init_enter (&once))
    return;
  py_object_type.dealloc = object_dealloc;
  py_object_type.repr = object_repr;
  py_object_type.new_ = object_new;
  py_object_type.methods = object_methods;
  py_object_type.getattr = py_instance_getattr;
  py_object_type.setattr = py_instance_setattr;
  py_object_type.has_dict = TRUE;
  py_exception_base.base = &py_object_type;
  py_exc_BaseException = &py_exception_base;
  py_exc_Exception = exc_class ("Exception", py_exc_BaseException);
  py_exc_KeyboardInterrupt = exc_class ("KeyboardInterrupt", py_exc_BaseException);
  py_exc_TypeError = exc_class ("TypeError", py_exc_Exception);
  py_exc_ValueError = exc_class ("ValueError", py_exc_Exception);
  py_exc_NameError = exc_class ("NameError", py_exc_Exception);
  py_exc_UnboundLocalError = exc_class ("UnboundLocalError", py_exc_NameError);
  py_exc_AttributeError = exc_class ("AttributeError", py_exc_Exception);
  py_exc_LookupError = exc_class ("LookupError", py_exc_Exception);
  py_exc_IndexError = exc_class ("IndexError", py_exc_LookupError);
  py_exc_KeyError = exc_class ("KeyError", py_exc_LookupError);
  py_exc_ArithmeticError = exc_class ("ArithmeticError", py_exc_Exception);
  py_exc_ZeroDivisionError = exc_class ("ZeroDivisionError", py_exc_ArithmeticError);
  py_exc_OverflowError = exc_class ("OverflowError", py_exc_ArithmeticError);
  py_exc_AssertionError = exc_class ("AssertionError", py_exc_Exception);
  py_exc_ImportError = exc_class ("ImportError", py_exc_Exception);
  py_exc_ModuleNotFoundError = exc_class ("ModuleNotFoundError", py_exc_ImportError);
  py_exc_RuntimeError = exc_class ("RuntimeError", py_exc_Exception);
  py_exc_RecursionError = exc_class ("RecursionError", py_exc_RuntimeError);
  py_exc_NotImplementedError = exc_class ("NotImplementedError", py_exc_RuntimeError);
  py_exc_StopIteration = exc_class ("StopIteration", py_exc_Exception);
  py_exc_MemoryError = exc_class ("MemoryError", py_exc_Exception);
  py_exc_TimeoutError = exc_class ("TimeoutError", py_exc_Exception);
  py_exc_SyntaxError = exc_class ("SyntaxError", py_exc_Exception);
  py_exc_IndentationError = exc_class ("IndentationError", py_exc_SyntaxError);
  g_once_init_leave (&once, 1);
}
