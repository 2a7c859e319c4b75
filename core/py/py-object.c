/* py-object.c — memory, the generic operations (repr, getattr, call,
 * arithmetic dispatch), and the scalar types: None, bool, int, float, type
 *
 * Containers and strings are in py-container.c and py-str.c.  (Memory and
 * dispatch belong together; slightly over the house limit.)
 */
#include "py-object.h"
#include "ps-i18n.h"
#include "py-eval.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- memory -------------------------------------------------------------- */

static __thread PyHeap *cur_heap;

void
py_set_heap (PyHeap *h)
{
  cur_heap = h;
}

void
py_heap_account (gssize delta)
{
  PyHeap *h = cur_heap;
  if (!h)
    return;
  h->bytes += delta;
  if (h->cap && h->bytes + h->n_live * 64 > h->cap)
    h->over = TRUE;
}

PyObj *
py_alloc_size (PyType *t, gsize size)
{
  PyObj *o = g_malloc0 (size);
  o->type = t;
  o->refcnt = 1;
  if (t->is_heap)
    py_incref (&t->ob);
  PyHeap *h = cur_heap;
  if (h)
    {
      o->gc_next = h->head;
      if (h->head)
        h->head->gc_prev = o;
      h->head = o;
      h->n_live++;
      if (h->cap && (h->n_live & 4095) == 0 && h->bytes + h->n_live * 64 > h->cap)
        h->over = TRUE;
    }
  return o;
}

PyObj *
py_alloc (PyType *t)
{
  return py_alloc_size (t, t->size);
}

static void
unlink_obj (PyObj *o)
{
  PyHeap *h = cur_heap;
  if (!h)
    return;
  if (o->gc_prev)
    o->gc_prev->gc_next = o->gc_next;
  else if (h->head == o)
    h->head = o->gc_next;
  else
    return;                   /* not on this heap */
  if (o->gc_next)
    o->gc_next->gc_prev = o->gc_prev;
  h->n_live--;
}

/* Deep chains (a = [a] in a loop) would recurse once per level when freed:
 * past a depth, objects wait in a list the outermost call frees (the
 * "trashcan"). */
static __thread int dealloc_depth;
static __thread GPtrArray *dealloc_later;

static void dealloc_now (PyObj *o);

static void
run_dealloc (PyObj *o)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->dealloc)
      {
        t->dealloc (o);
        return;
      }
}

void
py_decref_slow (PyObj *o)
{
  if (dealloc_depth > 100)
    {
      if (!dealloc_later)
        dealloc_later = g_ptr_array_new ();
      g_ptr_array_add (dealloc_later, o);
      return;
    }
  dealloc_depth++;
  dealloc_now (o);
  dealloc_depth--;
  if (dealloc_depth == 0 && dealloc_later)
    {
      dealloc_depth++;
      while (dealloc_later->len)
        dealloc_now (g_ptr_array_steal_index (dealloc_later, dealloc_later->len - 1));
      dealloc_depth--;
      g_clear_pointer (&dealloc_later, g_ptr_array_unref);
    }
}

static void
dealloc_now (PyObj *o)
{
  PyType *t = o->type;
  o->refcnt = 1;              /* guard against re-entry while dropping children */
  run_dealloc (o);
  unlink_obj (o);
  g_free (o);
  if (t->is_heap)
    py_decref (&t->ob);
}

/* Free everything still alive (cycles): make every object immortal first so
 * that deallocs dropping references to each other do nothing, then free the
 * payloads and the objects. */
void
py_heap_free_all (PyHeap *h)
{
  PyHeap *saved = cur_heap;
  cur_heap = NULL;
  for (PyObj *o = h->head; o; o = o->gc_next)
    o->refcnt = -1;
  PyObj *o = h->head;
  while (o)
    {
      PyObj *next = o->gc_next;
      run_dealloc (o);
      o = next;
    }
  o = h->head;
  while (o)
    {
      PyObj *next = o->gc_next;
      g_free (o);
      o = next;
    }
  h->head = NULL;
  h->n_live = 0;
  cur_heap = saved == h ? NULL : saved;
}

gboolean
py_is_subtype (PyType *t, PyType *base)
{
  for (; t; t = t->base)
    if (t == base)
      return TRUE;
  return FALSE;
}

/* ---- generic operations --------------------------------------------------- */

/* a class statement's __repr__ / __str__ */
static gboolean
user_text (PyInterp *ip, PyObj *o, const char *dunder, GString *out, gboolean *found)
{
  *found = FALSE;
  if (!o->type->is_heap)
    return TRUE;
  PyObj *fn = py_type_lookup (o->type, dunder);
  if (!fn)
    return TRUE;
  *found = TRUE;
  PyObj *m = py_method_new (o, fn);
  PyObj *r = py_call0 (ip, m);
  py_decref (m);
  if (!r)
    return FALSE;
  if (!PY_IS (r, py_str_type))
    {
      py_raise (ip, py_exc_TypeError, "%s returned non-string (type %s)", dunder, r->type->name);
      py_decref (r);
      return FALSE;
    }
  g_string_append_len (out, PY_STR (r), PY_STRLEN (r));
  py_decref (r);
  return TRUE;
}

gboolean
py_repr (PyInterp *ip, PyObj *o, GString *out)
{
  gboolean found;
  if (!user_text (ip, o, "__repr__", out, &found) || found)
    return !py_err_occurred (ip) && found;
  if (!py_enter (ip))
    return FALSE;
  gboolean ok;
  PyType *t = o->type;
  while (t && !t->repr)
    t = t->base;
  if (t)
    ok = t->repr (ip, o, out);
  else
    {
      g_string_append_printf (out, "<%s object>", o->type->name);
      ok = TRUE;
    }
  py_leave (ip);
  return ok;
}

gboolean
py_str (PyInterp *ip, PyObj *o, GString *out)
{
  gboolean found;
  if (!user_text (ip, o, "__str__", out, &found) || found)
    return !py_err_occurred (ip) && found;
  PyType *t = o->type;
  while (t && !t->str && !t->repr)
    t = t->base;
  if (t && t->str)
    return t->str (ip, o, out);
  return py_repr (ip, o, out);
}

char *
py_repr_cstr (PyInterp *ip, PyObj *o)
{
  GString *g = g_string_new (NULL);
  if (!py_repr (ip, o, g))
    {
      g_string_free (g, TRUE);
      return NULL;
    }
  return g_string_free (g, FALSE);
}

static const PyMethodDef *
find_method (PyType *t, const char *name, PyType **owner)
{
  for (; t; t = t->base)
    if (t->methods)
      for (const PyMethodDef *m = t->methods; m->name; m++)
        if (strcmp (m->name, name) == 0)
          {
            *owner = t;
            return m;
          }
  return NULL;
}

/* a class attribute looked up along the bases (borrowed) */
PyObj *
py_type_lookup (PyType *t, const char *name)
{
  for (; t; t = t->base)
    if (t->dict)
      {
        PyObj *v = g_hash_table_lookup (t->dict, name);
        if (v)
          return v;
      }
  return NULL;
}

PyObj *
py_getattr_opt (PyInterp *ip, PyObj *o, const char *name)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->getattr)
      {
        PyObj *v = t->getattr (ip, o, name);
        if (v || py_err_occurred (ip))
          return v;
        break;
      }
  PyType *owner;
  const PyMethodDef *m = find_method (o->type, name, &owner);
  if (m)
    {
      PyNative *n = (PyNative *) py_native_new (m->name, m->fn, o);
      n->qual = owner->name;
      return &n->ob;
    }
  PyObj *cv = py_type_lookup (o->type, name);
  if (cv)
    {
      if (PY_IS (cv, py_function_type))
        return py_method_new (o, cv);
      return py_incref (cv);
    }
  if (strcmp (name, "__class__") == 0)
    return py_incref (&o->type->ob);
  return NULL;
}

PyObj *
py_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyObj *v = py_getattr_opt (ip, o, name);
  if (v || py_err_occurred (ip))
    return v;
  if (PY_IS (o, py_type_type))
    return py_raise (ip, py_exc_AttributeError, "type object '%s' has no attribute '%s'",
                     ((PyType *) o)->name, name);
  if (PY_IS (o, py_module_type))
    return py_raise (ip, py_exc_AttributeError, "module '%s' has no attribute '%s'",
                     ((PyModule *) o)->name, name);
  return py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute '%s'",
                   o->type->name, name);
}

gboolean
py_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->setattr)
      {
        int r = t->setattr (ip, o, name, v);
        if (r < 0)
          return FALSE;
        if (r > 0)
          return TRUE;
        break;
      }
  PyType *owner;
  if (find_method (o->type, name, &owner) || o->type->getattr)
    py_raise (ip, py_exc_AttributeError, "'%s' object attribute '%s' is read-only",
              o->type->name, name);
  else
    py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute '%s'",
              o->type->name, name);
  return FALSE;
}

PyObj *
py_call (PyInterp *ip, PyObj *f, PyArgs *a)
{
  PyType *t = f->type;
  while (t && !t->call)
    t = t->base;
  if (!t)
    {
      /* a user class instance with __call__ */
      PyObj *c = py_type_lookup (f->type, "__call__");
      if (c)
        {
          PyObj *m = py_method_new (f, c);
          PyObj *r = py_call (ip, m, a);
          py_decref (m);
          return r;
        }
      return py_raise (ip, py_exc_TypeError, "'%s' object is not callable", f->type->name);
    }
  if (!py_check_budget (ip))
    return NULL;
  return t->call (ip, f, a);
}

PyObj *
py_call0 (PyInterp *ip, PyObj *f)
{
  PyArgs a = { 0 };
  return py_call (ip, f, &a);
}

PyObj *
py_call1 (PyInterp *ip, PyObj *f, PyObj *x)
{
  PyArgs a = { .pos = &x, .npos = 1 };
  return py_call (ip, f, &a);
}

static PyObj *
call_dunder (PyInterp *ip, PyObj *o, const char *name, int n, PyObj **args, gboolean *found)
{
  PyObj *c = py_type_lookup (o->type, name);
  *found = c != NULL;
  if (!c)
    return NULL;
  PyObj *m = py_method_new (o, c);
  PyArgs a = { .pos = args, .npos = n };
  PyObj *r = py_call (ip, m, &a);
  py_decref (m);
  return r;
}

PyObj *
py_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->getitem)
      return t->getitem (ip, o, key);
  gboolean found;
  PyObj *r = call_dunder (ip, o, "__getitem__", 1, &key, &found);
  if (found)
    return r;
  if (PY_IS (o, py_type_type))
    return py_raise (ip, py_exc_TypeError, "'type' object is not subscriptable");
  return py_raise (ip, py_exc_TypeError, "'%s' object is not subscriptable", o->type->name);
}

gboolean
py_setitem (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->setitem)
      return t->setitem (ip, o, key, v);
  gboolean found;
  PyObj *args[2] = { key, v };
  PyObj *r = call_dunder (ip, o, v ? "__setitem__" : "__delitem__", v ? 2 : 1, args, &found);
  if (found)
    {
      py_decref (r);
      return r != NULL;
    }
  if (v)
    py_raise (ip, py_exc_TypeError, "'%s' object does not support item assignment",
              o->type->name);
  else
    py_raise (ip, py_exc_TypeError, "'%s' object doesn't support item deletion",
              o->type->name);
  return FALSE;
}

PyObj *
py_iter (PyInterp *ip, PyObj *o)
{
  for (PyType *t = o->type; t; t = t->base)
    {
      if (t->next)
        return py_incref (o);
      if (t->iter)
        return t->iter (ip, o);
    }
  gboolean found;
  PyObj *r = call_dunder (ip, o, "__iter__", 0, NULL, &found);
  if (found)
    return r;
  if (py_type_lookup (o->type, "__getitem__"))
    return py_iter_new (o, 99);
  return py_raise (ip, py_exc_TypeError, "'%s' object is not iterable", o->type->name);
}

PyObj *
py_next (PyInterp *ip, PyObj *it)
{
  for (PyType *t = it->type; t; t = t->base)
    if (t->next)
      return t->next (ip, it);
  gboolean found;
  PyObj *r = call_dunder (ip, it, "__next__", 0, NULL, &found);
  if (found)
    {
      if (!r && py_err_matches (ip, py_exc_StopIteration))
        py_err_clear (ip);
      return r;
    }
  return py_raise (ip, py_exc_TypeError, "'%s' object is not an iterator", it->type->name);
}

gint64
py_len (PyInterp *ip, PyObj *o)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->len)
      return t->len (ip, o);
  gboolean found;
  PyObj *r = call_dunder (ip, o, "__len__", 0, NULL, &found);
  if (found)
    {
      if (!r)
        return -1;
      if (!py_is_int (r))
        {
          py_raise (ip, py_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                    r->type->name);
          py_decref (r);
          return -1;
        }
      gint64 n = py_int_value (r);
      py_decref (r);
      return n;
    }
  py_raise (ip, py_exc_TypeError, "object of type '%s' has no len()", o->type->name);
  return -1;
}

int
py_truth (PyInterp *ip, PyObj *o)
{
  if (o == py_true)
    return 1;
  if (o == py_false || o == py_none)
    return 0;
  for (PyType *t = o->type; t; t = t->base)
    {
      if (t->truth)
        return t->truth (ip, o);
      if (t->len)
        {
          gint64 n = t->len (ip, o);
          return n < 0 ? -1 : n > 0;
        }
    }
  gboolean found;
  PyObj *r = call_dunder (ip, o, "__bool__", 0, NULL, &found);
  if (!found)
    r = call_dunder (ip, o, "__len__", 0, NULL, &found);
  if (found)
    {
      if (!r)
        return -1;
      int v = py_truth (ip, r);
      py_decref (r);
      return v;
    }
  return 1;
}

const char *
py_op_symbol (int op)
{
  static const char *const s[] = { "+", "-", "*", "/", "//", "%", "** or pow()", "@", "<<", ">>",
                                   "&", "|", "^" };
  return s[op];
}

static const char *const dunder_bin[] = { "__add__", "__sub__", "__mul__", "__truediv__",
  "__floordiv__", "__mod__", "__pow__", "__matmul__", "__lshift__", "__rshift__", "__and__",
  "__or__", "__xor__" };
static const char *const dunder_rbin[] = { "__radd__", "__rsub__", "__rmul__", "__rtruediv__",
  "__rfloordiv__", "__rmod__", "__rpow__", "__rmatmul__", "__rlshift__", "__rrshift__",
  "__rand__", "__ror__", "__rxor__" };

static PyType *
slot_owner_binop (PyType *t)
{
  for (; t; t = t->base)
    if (t->binop)
      return t;
  return NULL;
}

PyObj *
py_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  PyType *ta = slot_owner_binop (a->type), *tb = slot_owner_binop (b->type);
  PyObj *r;
  /* a subtype's reflected operation goes first, as in Python */
  if (tb && tb != ta && ta && py_is_subtype (tb, ta))
    {
      r = tb->binop (ip, op, a, b);
      if (r != py_not_implemented)
        return r;
      tb = NULL;
    }
  if (ta)
    {
      r = ta->binop (ip, op, a, b);
      if (r != py_not_implemented)
        return r;
    }
  if (tb && tb != ta)
    {
      r = tb->binop (ip, op, a, b);
      if (r != py_not_implemented)
        return r;
    }
  gboolean found;
  r = call_dunder (ip, a, dunder_bin[op], 1, &b, &found);
  if (found && r != py_not_implemented)
    return r;
  r = call_dunder (ip, b, dunder_rbin[op], 1, &a, &found);
  if (found && r != py_not_implemented)
    return r;
  return py_raise (ip, py_exc_TypeError, "unsupported operand type(s) for %s: '%s' and '%s'",
                   py_op_symbol (op), a->type->name, b->type->name);
}

static const char *const cmp_sym[] = { "<", "<=", "==", "!=", ">", ">=" };
static const char *const cmp_dunder[] = { "__lt__", "__le__", "__eq__", "__ne__", "__gt__", "__ge__" };
static const int cmp_swap[] = { PY_CMP_GT, PY_CMP_GE, PY_CMP_EQ, PY_CMP_NE, PY_CMP_LT, PY_CMP_LE };

static PyType *
slot_owner_compare (PyType *t)
{
  for (; t; t = t->base)
    if (t->compare)
      return t;
  return NULL;
}

PyObj *
py_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  PyType *ta = slot_owner_compare (a->type), *tb = slot_owner_compare (b->type);
  PyObj *r;
  if (tb && ta != tb && ta && py_is_subtype (tb, ta))
    {
      r = tb->compare (ip, cmp_swap[op], b, a);
      if (r != py_not_implemented)
        return r;
    }
  if (ta)
    {
      r = ta->compare (ip, op, a, b);
      if (r != py_not_implemented)
        return r;
    }
  gboolean found;
  r = call_dunder (ip, a, cmp_dunder[op], 1, &b, &found);
  if (found && r != py_not_implemented)
    return r;
  if (tb && tb != ta)
    {
      r = tb->compare (ip, cmp_swap[op], b, a);
      if (r != py_not_implemented)
        return r;
    }
  r = call_dunder (ip, b, cmp_dunder[cmp_swap[op]], 1, &a, &found);
  if (found && r != py_not_implemented)
    return r;
  if (op == PY_CMP_EQ)
    return py_bool (a == b);
  if (op == PY_CMP_NE)
    return py_bool (a != b);
  return py_raise (ip, py_exc_TypeError,
                   "'%s' not supported between instances of '%s' and '%s'",
                   cmp_sym[op], a->type->name, b->type->name);
}

int
py_eq (PyInterp *ip, PyObj *a, PyObj *b)
{
  if (a == b && !py_isinstance (a, &py_float_type))
    return 1;
  PyObj *r = py_compare (ip, PY_CMP_EQ, a, b);
  if (!r)
    return -1;
  int t = py_truth (ip, r);
  py_decref (r);
  return t;
}

gboolean
py_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  for (PyType *t = o->type; t; t = t->base)
    if (t->hash)
      return t->hash (ip, o, h);
  if (o->type->is_heap || PY_IS (o, py_type_type) || PY_IS (o, py_function_type)
      || PY_IS (o, py_native_type))
    {
      *h = (guint64) (guintptr) o >> 4;
      return TRUE;
    }
  py_raise (ip, py_exc_TypeError, "unhashable type: '%s'", o->type->name);
  return FALSE;
}

int
py_contains (PyInterp *ip, PyObj *c, PyObj *x)
{
  if (py_isinstance (c, &py_dict_type))
    {
      gboolean err = FALSE;
      PyObj *v = py_dict_get (ip, c, x, &err);
      return err ? -1 : v != NULL;
    }
  if (PY_IS (c, py_str_type))
    {
      if (!PY_IS (x, py_str_type))
        {
          py_raise (ip, py_exc_TypeError, "'in <string>' requires string as left operand, not %s",
                    x->type->name);
          return -1;
        }
      return strstr (PY_STR (c), PY_STR (x)) != NULL;
    }
  if (PY_IS (c, py_dictview_type) && ((PyDictView *) c)->kind == 0)
    return py_contains (ip, ((PyDictView *) c)->dict, x);
  PyObj *it = py_iter (ip, c);
  if (!it)
    return -1;
  int found = 0;
  PyObj *v;
  while ((v = py_next (ip, it)))
    {
      int e = py_eq (ip, v, x);
      py_decref (v);
      if (e != 0)
        {
          found = e;
          break;
        }
    }
  py_decref (it);
  if (found == 0 && py_err_occurred (ip))
    return -1;
  return found;
}

PyObj *
py_list_from_iterable (PyInterp *ip, PyObj *o)
{
  PyObj **items;
  gsize n;
  if (py_sequence_items (o, &items, &n))
    {
      PyObj *l = py_list_new (n);
      for (gsize i = 0; i < n; i++)
        PY_LIST (l)->items[i] = py_incref (items[i]);
      return l;
    }
  PyObj *it = py_iter (ip, o);
  if (!it)
    return NULL;
  PyObj *l = py_list_new (0), *v;
  while ((v = py_next (ip, it)))
    {
      py_list_append (l, v);
      if ((PY_LIST (l)->n & 1023) == 0 && !py_check_budget (ip))
        break;
    }
  py_decref (it);
  if (py_err_occurred (ip))
    {
      py_decref (l);
      return NULL;
    }
  return l;
}

/* ---- type ------------------------------------------------------------------ */

static gboolean
type_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyType *t = (PyType *) o;
  if (t->module && strcmp (t->module, "builtins") != 0)
    g_string_append_printf (out, "<class '%s.%s'>", t->module, t->name);
  else
    g_string_append_printf (out, "<class '%s'>", t->name);
  return TRUE;
}

static PyObj *
type_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyType *t = (PyType *) o;
  PyObj *v = py_type_lookup (t, name);
  if (v)
    return py_incref (v);
  if (strcmp (name, "__name__") == 0 || strcmp (name, "__qualname__") == 0)
    return py_str_new (t->name, -1);
  if (strcmp (name, "__module__") == 0)
    return py_str_new (t->module ? t->module : "builtins", -1);
  if (strcmp (name, "__base__") == 0)
    return py_incref (t->base ? &t->base->ob : t == &py_object_type ? py_none : &py_object_type.ob);
  /* an unbound method: str.upper, nn.Module.__init__ */
  PyType *owner;
  const PyMethodDef *m = find_method (t, name, &owner);
  if (m)
    {
      PyNative *n = (PyNative *) py_native_new (m->name, m->fn, NULL);
      n->qual = owner->name;
      return &n->ob;
    }
  return NULL;
}

static int
type_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  PyType *t = (PyType *) o;
  if (!t->is_heap)
    {
      py_raise (ip, py_exc_TypeError,
                "cannot set '%s' attribute of immutable type '%s'", name, t->name);
      return -1;
    }
  if (v)
    g_hash_table_replace (t->dict, g_strdup (name), py_incref (v));
  else
    g_hash_table_remove (t->dict, name);
  return 1;
}

static PyObj *
type_call (PyInterp *ip, PyObj *callee, PyArgs *a)
{
  PyType *t = (PyType *) callee;
  if (t == &py_type_type && a->npos == 1 && a->nkw == 0)
    return py_incref (&a->pos[0]->type->ob);
  return py_type_call_object (ip, t, a);
}

static void
type_dealloc (PyObj *o)
{
  PyType *t = (PyType *) o;
  g_clear_pointer (&t->dict, g_hash_table_unref);
  if (t->is_heap)
    {
      g_free ((char *) t->name);
      g_free ((char *) t->module);
      if (t->base && t->base->is_heap)
        py_decref (&t->base->ob);
    }
}

static gboolean
type_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = (guint64) (guintptr) o >> 4;
  return TRUE;
}

#define STATIC_OB(T) { .type = (T), .refcnt = -1 }

PyType py_type_type = {
  .ob = STATIC_OB (&py_type_type), .name = "type", .size = sizeof (PyType),
  .dealloc = type_dealloc, .repr = type_repr, .getattr = type_getattr, .setattr = type_setattr,
  .call = type_call, .hash = type_hash,
};

PyType py_object_type = {
  .ob = STATIC_OB (&py_type_type), .name = "object", .size = sizeof (PyInstance),
};

/* ---- None, NotImplemented, Ellipsis ------------------------------------------ */

static gboolean
none_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append (out, o == py_none ? "None" : o == &py_ellipsis_obj ? "Ellipsis"
                   : "NotImplemented");
  return TRUE;
}

static gboolean
none_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = 0x5a5a5a5aULL + (o == py_none);
  return TRUE;
}

PyType py_none_type = {
  .ob = STATIC_OB (&py_type_type), .name = "NoneType", .repr = none_repr, .hash = none_hash,
};
PyType py_ellipsis_type = {
  .ob = STATIC_OB (&py_type_type), .name = "ellipsis", .repr = none_repr, .hash = none_hash,
};
PyType py_notimpl_type = {
  .ob = STATIC_OB (&py_type_type), .name = "NotImplementedType", .repr = none_repr,
};
PyObj py_none_obj = STATIC_OB (&py_none_type);
PyObj py_ellipsis_obj = STATIC_OB (&py_ellipsis_type);
PyObj py_notimpl_obj = STATIC_OB (&py_notimpl_type);

/* ---- int and bool ----------------------------------------------------------- */

static PyInt small_ints[262];
static gsize small_ints_once;

PyObj *
py_int_new (gint64 v)
{
  if (v >= -5 && v <= 256)
    {
      if (g_once_init_enter (&small_ints_once))
        {
          for (int i = 0; i < 262; i++)
            {
              small_ints[i].ob.type = &py_int_type;
              small_ints[i].ob.refcnt = -1;
              small_ints[i].v = i - 5;
            }
          g_once_init_leave (&small_ints_once, 1);
        }
      return &small_ints[v + 5].ob;
    }
  PyInt *o = (PyInt *) py_alloc (&py_int_type);
  o->v = v;
  return &o->ob;
}

static gboolean
int_repr (PyInterp *ip, PyObj *o, GString *out)
{
  if (o->type == &py_bool_type)
    g_string_append (out, o == py_true ? "True" : "False");
  else
    g_string_append_printf (out, "%" G_GINT64_FORMAT, PY_INT (o));
  return TRUE;
}

gboolean
py_is_number (PyObj *o)
{
  return py_is_int (o) || o->type == &py_float_type;
}

double
py_number_value (PyObj *o)
{
  return o->type == &py_float_type ? PY_FLOAT (o) : (double) py_int_value (o);
}

static PyObj *
overflow (PyInterp *ip)
{
  return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
}

static gint64
floor_div (gint64 a, gint64 b)
{
  gint64 q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    q--;
  return q;
}

static double
float_mod (double a, double b)
{
  double m = fmod (a, b);
  if (m != 0 && ((b < 0) != (m < 0)))
    m += b;
  else if (m == 0)
    m = copysign (0.0, b);
  return m;
}

static PyObj *float_binop (PyInterp *ip, int op, PyObj *a, PyObj *b);

static PyObj *
int_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!py_is_int (a) || !py_is_int (b))
    {
      if (py_is_number (a) && py_is_number (b))
        return float_binop (ip, op, a, b);
      return py_not_implemented;
    }
  gint64 x = py_int_value (a), y = py_int_value (b), r;
  switch (op)
    {
    case PY_OP_ADD:
      if (__builtin_add_overflow (x, y, &r))
        return overflow (ip);
      return py_int_new (r);
    case PY_OP_SUB:
      if (__builtin_sub_overflow (x, y, &r))
        return overflow (ip);
      return py_int_new (r);
    case PY_OP_MUL:
      if (__builtin_mul_overflow (x, y, &r))
        return overflow (ip);
      return py_int_new (r);
    case PY_OP_TRUEDIV:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "division by zero");
      return py_float_new ((double) x / (double) y);
    case PY_OP_FLOORDIV:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "integer division or modulo by zero");
      if (x == G_MININT64 && y == -1)
        return overflow (ip);
      return py_int_new (floor_div (x, y));
    case PY_OP_MOD:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "integer division or modulo by zero");
      if (y == -1)
        return py_int_new (0);
      return py_int_new (x - floor_div (x, y) * y);
    case PY_OP_POW:
      if (y < 0)
        {
          if (x == 0)
            return py_raise (ip, py_exc_ZeroDivisionError,
                             "0.0 cannot be raised to a negative power");
          return py_float_new (pow ((double) x, (double) y));
        }
      r = 1;
      {
        gint64 base = x;
        while (y > 0)
          {
            if (y & 1 && __builtin_mul_overflow (r, base, &r))
              return overflow (ip);
            y >>= 1;
            if (y && __builtin_mul_overflow (base, base, &base))
              return overflow (ip);
          }
      }
      return py_int_new (r);
    case PY_OP_LSHIFT:
      if (y < 0)
        return py_raise (ip, py_exc_ValueError, "negative shift count");
      if (y >= 63 || (x != 0 && (x > (G_MAXINT64 >> y) || x < (G_MININT64 >> y))))
        return x == 0 ? py_int_new (0) : overflow (ip);
      return py_int_new (x << y);
    case PY_OP_RSHIFT:
      if (y < 0)
        return py_raise (ip, py_exc_ValueError, "negative shift count");
      return py_int_new (y >= 63 ? (x < 0 ? -1 : 0) : x >> y);
    case PY_OP_AND:
      r = x & y;
      break;
    case PY_OP_OR:
      r = x | y;
      break;
    case PY_OP_XOR:
      r = x ^ y;
      break;
    default:
      return py_not_implemented;
    }
  if (a->type == &py_bool_type && b->type == &py_bool_type)
    return py_bool (r != 0);
  return py_int_new (r);
}

static int
cmp_result (int op, int c)
{
  switch (op)
    {
    case PY_CMP_LT: return c < 0;
    case PY_CMP_LE: return c <= 0;
    case PY_CMP_EQ: return c == 0;
    case PY_CMP_NE: return c != 0;
    case PY_CMP_GT: return c > 0;
    default: return c >= 0;
    }
}

static PyObj *
number_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!py_is_number (a) || !py_is_number (b))
    return py_not_implemented;
  if (py_is_int (a) && py_is_int (b))
    {
      gint64 x = py_int_value (a), y = py_int_value (b);
      return py_bool (cmp_result (op, (x > y) - (x < y)));
    }
  double x = py_number_value (a), y = py_number_value (b);
  if (isnan (x) || isnan (y))
    return py_bool (op == PY_CMP_NE);
  return py_bool (cmp_result (op, (x > y) - (x < y)));
}

static gboolean
number_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  if (py_is_int (o))
    *h = (guint64) py_int_value (o);
  else
    {
      double v = PY_FLOAT (o);
      if (v == floor (v) && fabs (v) < 9.2e18)
        *h = (guint64) (gint64) v;
      else
        memcpy (h, &v, sizeof *h);
    }
  return TRUE;
}

static int
int_truth (PyInterp *ip, PyObj *o)
{
  return py_int_value (o) != 0;
}

static PyObj *
number_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  if (strcmp (name, "real") == 0)
    return o->type == &py_float_type ? py_incref (o) : py_int_new (py_int_value (o));
  if (strcmp (name, "imag") == 0)
    return o->type == &py_float_type ? py_float_new (0.0) : py_int_new (0);
  return NULL;
}

static PyObj *
float_is_integer (PyInterp *ip, PyObj *self, PyArgs *a)
{
  double v = PY_FLOAT (self);
  return py_bool (isfinite (v) && v == floor (v));
}

static const PyMethodDef float_methods[] = { { "is_integer", float_is_integer }, { NULL } };

PyType py_int_type = {
  .ob = STATIC_OB (&py_type_type), .name = "int", .size = sizeof (PyInt), .repr = int_repr,
  .binop = int_binop, .compare = number_compare, .truth = int_truth, .hash = number_hash,
  .getattr = number_getattr,
};
PyType py_bool_type = {
  .ob = STATIC_OB (&py_type_type), .name = "bool", .base = &py_int_type, .repr = int_repr,
};
/* bool's values carry no payload: py_int_value() compares with py_true */
PyObj py_true_obj = STATIC_OB (&py_bool_type);
PyObj py_false_obj = STATIC_OB (&py_bool_type);

/* ---- float ------------------------------------------------------------------- */

PyObj *
py_float_new (double v)
{
  PyFloat *o = (PyFloat *) py_alloc (&py_float_type);
  o->v = v;
  return &o->ob;
}

void
py_float_repr (double v, GString *out)
{
  if (isnan (v))
    {
      g_string_append (out, "nan");
      return;
    }
  if (isinf (v))
    {
      g_string_append (out, v > 0 ? "inf" : "-inf");
      return;
    }
  char buf[64];
  int prec;
  for (prec = 1; prec <= 17; prec++)
    {
      snprintf (buf, sizeof buf, "%.*e", prec - 1, v);
      if (strtod (buf, NULL) == v)
        break;
    }
  /* buf: [-]d.ddde[+-]XX → digits and decimal exponent */
  char digits[32];
  int nd = 0;
  const char *p = buf;
  gboolean neg = FALSE;
  if (*p == '-')
    {
      neg = TRUE;
      p++;
    }
  for (; *p && *p != 'e'; p++)
    if (*p != '.')
      digits[nd++] = *p;
  int exp10 = atoi (p + 1);
  while (nd > 1 && digits[nd - 1] == '0')
    nd--;
  digits[nd] = 0;
  int decpt = exp10 + 1;
  if (neg)
    g_string_append_c (out, '-');
  if (decpt <= -4 || decpt > 16)
    {
      g_string_append_c (out, digits[0]);
      if (nd > 1)
        {
          g_string_append_c (out, '.');
          g_string_append (out, digits + 1);
        }
      g_string_append_printf (out, "e%c%02d", exp10 < 0 ? '-' : '+', ABS (exp10));
    }
  else if (decpt <= 0)
    {
      g_string_append (out, "0.");
      for (int i = 0; i < -decpt; i++)
        g_string_append_c (out, '0');
      g_string_append (out, digits);
    }
  else if (decpt >= nd)
    {
      g_string_append (out, digits);
      for (int i = nd; i < decpt; i++)
        g_string_append_c (out, '0');
      g_string_append (out, ".0");
    }
  else
    {
      g_string_append_len (out, digits, decpt);
      g_string_append_c (out, '.');
      g_string_append (out, digits + decpt);
    }
}

static gboolean
float_repr (PyInterp *ip, PyObj *o, GString *out)
{
  py_float_repr (PY_FLOAT (o), out);
  return TRUE;
}

static PyObj *
float_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!py_is_number (a) || !py_is_number (b))
    return py_not_implemented;
  double x = py_number_value (a), y = py_number_value (b);
  switch (op)
    {
    case PY_OP_ADD: return py_float_new (x + y);
    case PY_OP_SUB: return py_float_new (x - y);
    case PY_OP_MUL: return py_float_new (x * y);
    case PY_OP_TRUEDIV:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "float division by zero");
      return py_float_new (x / y);
    case PY_OP_FLOORDIV:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "float floor division by zero");
      return py_float_new (floor (x / y));
    case PY_OP_MOD:
      if (y == 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "float modulo");
      return py_float_new (float_mod (x, y));
    case PY_OP_POW:
      if (x == 0 && y < 0)
        return py_raise (ip, py_exc_ZeroDivisionError, "0.0 cannot be raised to a negative power");
      if (x < 0 && y != floor (y))
        return py_raise (ip, py_exc_ValueError,
                         _("complex results are not supported (negative number to a fractional power)"));
      {
        double r = pow (x, y);
        if (isinf (r) && !isinf (x) && !isinf (y))
          return py_raise (ip, py_exc_OverflowError, "(34, 'Numerical result out of range')");
        return py_float_new (r);
      }
    default:
      return py_not_implemented;
    }
}

static int
float_truth (PyInterp *ip, PyObj *o)
{
  return PY_FLOAT (o) != 0;
}

PyType py_float_type = {
  .ob = STATIC_OB (&py_type_type), .name = "float", .size = sizeof (PyFloat),
  .repr = float_repr, .binop = float_binop, .compare = number_compare, .truth = float_truth,
  .hash = number_hash, .getattr = number_getattr, .methods = float_methods,
};
