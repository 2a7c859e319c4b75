/* py-eval.c — the evaluator: frames and scopes, expressions, statements,
 * calls and argument binding, classes, exceptions and the budgets
 *
 * A tree walker over py-ast.h.  Every function returning PyObj* returns a
 * new reference or NULL with ip->exc set; statements return an ExecStatus.
 * The place of an error is the innermost expression that failed in each
 * frame (frame->err_line/err_col); leaving a frame with an error appends a
 * traceback entry.  Cohesive (one walker over one tree), hence longer than
 * the house limit.
 */
#include "py-eval.h"
#include "ps-i18n.h"

#include <pthread.h>
#include <string.h>

typedef enum { EX_OK, EX_ERR, EX_BREAK, EX_CONTINUE, EX_RETURN } ExecStatus;

static PyObj *eval (PyInterp *ip, PyFrame *f, PyNode *n);
static ExecStatus exec_block (PyInterp *ip, PyFrame *f, GPtrArray *body);

/* ---- exceptions --------------------------------------------------------------- */

PyObj *
py_raise_obj (PyInterp *ip, PyObj *exc)
{
  if (!ip)
    {
      py_decref (exc);
      return NULL;
    }
  py_clear (&ip->exc);
  ip->exc = exc;
  return NULL;
}

PyObj *
py_raise (PyInterp *ip, PyType *t, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  PyObj *e = py_exception_new (t, py_tuple_pack (1, py_str_new (msg, -1)));
  g_free (msg);
  return py_raise_obj (ip, e);
}

gboolean
py_err_occurred (PyInterp *ip)
{
  return ip && ip->exc != NULL;
}

gboolean
py_err_matches (PyInterp *ip, PyType *t)
{
  return ip && ip->exc && py_is_subtype (ip->exc->type, t);
}

static void
tb_clear (PyInterp *ip)
{
  for (guint i = 0; i < ip->tb->len; i++)
    {
      PyTbEntry *e = &g_array_index (ip->tb, PyTbEntry, i);
      g_free (e->file);
      g_free (e->func);
    }
  g_array_set_size (ip->tb, 0);
}

void
py_err_clear (PyInterp *ip)
{
  if (!ip)
    return;
  py_clear (&ip->exc);
  tb_clear (ip);
  if (ip->frame)
    ip->frame->err_line = ip->frame->err_col = 0;
}

char *
py_exc_message (PyInterp *ip, PyObj *exc)
{
  GString *g = g_string_new (NULL);
  if (!py_str (ip, exc, g))
    {
      py_err_clear (ip);
      g_string_assign (g, "<exception str() failed>");
    }
  return g_string_free (g, FALSE);
}

/* ---- budgets ------------------------------------------------------------------- */

static __thread char *stack_base;
static __thread gsize stack_limit;

/* the frame address, not a local's: under AddressSanitizer's fake stacks a
 * local's address is on the heap */
static void
stack_init (void)
{
  if (stack_base)
    return;
  stack_base = __builtin_frame_address (0);
  gsize size = 8 << 20;
  pthread_attr_t attr;
  if (pthread_getattr_np (pthread_self (), &attr) == 0)
    {
      void *addr;
      gsize s;
      if (pthread_attr_getstack (&attr, &addr, &s) == 0 && s > 0)
        size = s;
      pthread_attr_destroy (&attr);
    }
  /* half of what is left of the thread's stack, at most 6 MB */
  stack_limit = MIN (size / 2, (gsize) 6 << 20);
}

static gboolean
stack_ok (void)
{
  char *here = __builtin_frame_address (0);
  return !stack_base || (gssize) (stack_base - here) < (gssize) stack_limit;
}

gboolean
py_enter (PyInterp *ip)
{
  if (!stack_ok () || ip->cdepth > 5000)
    {
      py_raise (ip, py_exc_RecursionError, "maximum recursion depth exceeded");
      return FALSE;
    }
  ip->cdepth++;
  return TRUE;
}

void
py_leave (PyInterp *ip)
{
  ip->cdepth--;
}

gboolean
py_check_budget (PyInterp *ip)
{
  if (!ip)
    return TRUE;
  if ((++ip->steps & 255) != 0)
    return TRUE;
  if (g_atomic_int_get (&ip->interrupt))
    {
      g_atomic_int_set (&ip->interrupt, 0);
      py_raise (ip, py_exc_KeyboardInterrupt, "interrupted");
      return FALSE;
    }
  if (ip->deadline && g_get_monotonic_time () > ip->deadline)
    {
      py_raise (ip, py_exc_TimeoutError,
                _("the code ran past its time budget (paramscope-cli exec --timeout)"));
      return FALSE;
    }
  if (ip->heap.over)
    {
      ip->heap.over = FALSE;
      py_raise (ip, py_exc_MemoryError,
                _("the code's objects are over ParamScope's memory budget"));
      return FALSE;
    }
  return TRUE;
}

void
py_write (PyInterp *ip, const char *s, gsize n)
{
  if (ip->write)
    ip->write (s, n, ip->write_data);
}

/* ---- names ---------------------------------------------------------------------- */

static PyObj *
dict_lookup_str (PyObj *d, PyObj *key)
{
  gboolean err = FALSE;
  return py_dict_get (NULL, d, key, &err);
}

static PyObj *
lookup_name (PyInterp *ip, PyFrame *f, PyNode *n)
{
  if (!n->value)
    n->value = py_str_new (n->str, -1);   /* the name as a key, made once */
  PyObj *key = n->value, *v;
  if (f->locals != f->globals && (v = dict_lookup_str (f->locals, key)))
    return py_incref (v);
  if (f->closure)
    for (gsize i = 0; i < PY_LIST (f->closure)->n; i++)
      if ((v = dict_lookup_str (PY_LIST (f->closure)->items[i], key)))
        return py_incref (v);
  if ((v = dict_lookup_str (f->globals, key)))
    return py_incref (v);
  if ((v = g_hash_table_lookup (ip->builtins, n->str)))
    return py_incref (v);
  return py_raise (ip, py_exc_NameError, "name '%s' is not defined", n->str);
}

static gboolean
store_name (PyInterp *ip, PyFrame *f, const char *name, PyObj *v)
{
  PyObj *key = py_str_new (name, -1);
  PyObj *d = f->locals;
  if (f->global_names && g_hash_table_contains (f->global_names, name))
    d = f->globals;
  else if (f->nonlocal_names && g_hash_table_contains (f->nonlocal_names, name) && f->closure)
    for (gsize i = 0; i < PY_LIST (f->closure)->n; i++)
      if (dict_lookup_str (PY_LIST (f->closure)->items[i], key))
        {
          d = PY_LIST (f->closure)->items[i];
          break;
        }
  gboolean ok = v ? py_dict_set (ip, d, key, v) : TRUE;
  if (!v)
    {
      int r = py_dict_del (ip, d, key);
      if (r == 0)
        py_raise (ip, py_exc_NameError, "name '%s' is not defined", name);
      ok = r > 0;
    }
  py_decref (key);
  return ok;
}

/* ---- assignment ------------------------------------------------------------------ */

static gboolean assign (PyInterp *ip, PyFrame *f, PyNode *target, PyObj *v);

static gboolean
unpack (PyInterp *ip, PyFrame *f, PyNode *target, PyObj *v)
{
  GPtrArray *ts = target->list;
  PyObj *l = py_list_from_iterable (ip, v);
  if (!l)
    {
      if (py_err_matches (ip, py_exc_TypeError))
        {
          py_err_clear (ip);
          py_raise (ip, py_exc_TypeError, "cannot unpack non-iterable %s object", v->type->name);
        }
      return FALSE;
    }
  gsize n = PY_LIST (l)->n;
  gint star = -1;
  for (guint i = 0; i < ts->len; i++)
    if (((PyNode *) ts->pdata[i])->kind == N_STARRED)
      star = i;
  gboolean ok = TRUE;
  if (star < 0)
    {
      if (n != ts->len)
        {
          if (n > ts->len)
            py_raise (ip, py_exc_ValueError, "too many values to unpack (expected %u)", ts->len);
          else
            py_raise (ip, py_exc_ValueError, "not enough values to unpack (expected %u, got %zu)",
                      ts->len, n);
          py_decref (l);
          return FALSE;
        }
      for (guint i = 0; ok && i < ts->len; i++)
        ok = assign (ip, f, ts->pdata[i], PY_LIST (l)->items[i]);
    }
  else
    {
      gsize after = ts->len - star - 1;
      if (n < (gsize) star + after)
        {
          py_raise (ip, py_exc_ValueError, "not enough values to unpack (expected at least %zu, got %zu)",
                    (gsize) star + after, n);
          py_decref (l);
          return FALSE;
        }
      for (gint i = 0; ok && i < star; i++)
        ok = assign (ip, f, ts->pdata[i], PY_LIST (l)->items[i]);
      PyObj *mid = py_list_new (0);
      for (gsize i = star; i < n - after; i++)
        py_list_append (mid, py_incref (PY_LIST (l)->items[i]));
      if (ok)
        ok = assign (ip, f, ((PyNode *) ts->pdata[star])->a, mid);
      py_decref (mid);
      for (gsize i = 0; ok && i < after; i++)
        ok = assign (ip, f, ts->pdata[star + 1 + i], PY_LIST (l)->items[n - after + i]);
    }
  py_decref (l);
  return ok;
}

static gboolean
assign (PyInterp *ip, PyFrame *f, PyNode *t, PyObj *v)
{
  switch (t->kind)
    {
    case N_NAME:
      return store_name (ip, f, t->str, v);
    case N_ATTR:
      {
        PyObj *o = eval (ip, f, t->a);
        if (!o)
          return FALSE;
        gboolean ok = py_setattr (ip, o, t->str, v);
        py_decref (o);
        return ok;
      }
    case N_SUBSCRIPT:
      {
        PyObj *o = eval (ip, f, t->a);
        if (!o)
          return FALSE;
        PyObj *k = eval (ip, f, t->b);
        if (!k)
          {
            py_decref (o);
            return FALSE;
          }
        gboolean ok = py_setitem (ip, o, k, v);
        py_decref (o);
        py_decref (k);
        return ok;
      }
    case N_TUPLE:
    case N_LIST:
      return unpack (ip, f, t, v);
    default:
      py_raise (ip, py_exc_SyntaxError, "cannot assign to expression");
      return FALSE;
    }
}

/* ---- calls ------------------------------------------------------------------------ */

typedef struct {
  GPtrArray *pos;             /* owned refs */
  GPtrArray *kwv;
  GPtrArray *kwn;             /* const char* (borrowed from nodes or dict keys held in kwv_keys) */
  GPtrArray *keys;            /* refs to key strings from ** dicts */
} ArgBuf;

static void
argbuf_clear (ArgBuf *b)
{
  for (guint i = 0; i < b->pos->len; i++)
    py_decref (b->pos->pdata[i]);
  for (guint i = 0; i < b->kwv->len; i++)
    py_decref (b->kwv->pdata[i]);
  for (guint i = 0; i < b->keys->len; i++)
    py_decref (b->keys->pdata[i]);
  g_ptr_array_unref (b->pos);
  g_ptr_array_unref (b->kwv);
  g_ptr_array_unref (b->kwn);
  g_ptr_array_unref (b->keys);
}

static gboolean
eval_args (PyInterp *ip, PyFrame *f, GPtrArray *args, ArgBuf *b, const char *fname)
{
  b->pos = g_ptr_array_new ();
  b->kwv = g_ptr_array_new ();
  b->kwn = g_ptr_array_new ();
  b->keys = g_ptr_array_new ();
  for (guint i = 0; i < args->len; i++)
    {
      PyNode *a = args->pdata[i];
      if (a->kind == N_KEYWORD || a->kind == N_DSTAR)
        {
          PyObj *v = eval (ip, f, a->a);
          if (!v)
            return FALSE;
          if (a->kind == N_KEYWORD)
            {
              for (guint k = 0; k < b->kwn->len; k++)
                if (strcmp (b->kwn->pdata[k], a->str) == 0)
                  {
                    py_decref (v);
                    py_raise (ip, py_exc_TypeError, "%s() got multiple values for keyword argument '%s'",
                              fname, a->str);
                    return FALSE;
                  }
              g_ptr_array_add (b->kwv, v);
              g_ptr_array_add (b->kwn, a->str);
              continue;
            }
          if (!py_isinstance (v, &py_dict_type))
            {
              py_raise (ip, py_exc_TypeError,
                        "%s() argument after ** must be a mapping, not %s", fname, v->type->name);
              py_decref (v);
              return FALSE;
            }
          gsize pos = 0;
          PyObj *k, *val;
          while (py_dict_next (v, &pos, &k, &val))
            {
              if (!PY_IS (k, py_str_type))
                {
                  py_decref (v);
                  py_raise (ip, py_exc_TypeError, "keywords must be strings");
                  return FALSE;
                }
              for (guint j = 0; j < b->kwn->len; j++)
                if (strcmp (b->kwn->pdata[j], PY_STR (k)) == 0)
                  {
                    py_raise (ip, py_exc_TypeError, "%s() got multiple values for keyword argument '%s'",
                              fname, PY_STR (k));
                    py_decref (v);
                    return FALSE;
                  }
              g_ptr_array_add (b->keys, py_incref (k));
              g_ptr_array_add (b->kwv, py_incref (val));
              g_ptr_array_add (b->kwn, PY_STR (k));
            }
          py_decref (v);
          continue;
        }
      if (a->kind == N_STARRED)
        {
          PyObj *v = eval (ip, f, a->a);
          if (!v)
            return FALSE;
          PyObj *l = py_list_from_iterable (ip, v);
          if (!l)
            {
              if (py_err_matches (ip, py_exc_TypeError))
                {
                  py_err_clear (ip);
                  py_raise (ip, py_exc_TypeError, "%s() argument after * must be an iterable, not %s",
                            fname, v->type->name);
                }
              py_decref (v);
              return FALSE;
            }
          py_decref (v);
          for (gsize k = 0; k < PY_LIST (l)->n; k++)
            g_ptr_array_add (b->pos, py_incref (PY_LIST (l)->items[k]));
          py_decref (l);
          continue;
        }
      PyObj *v = eval (ip, f, a);
      if (!v)
        return FALSE;
      g_ptr_array_add (b->pos, v);
    }
  return TRUE;
}

static const char *
callee_name (PyObj *c)
{
  if (PY_IS (c, py_function_type))
    return ((PyFunc *) c)->qualname;
  if (PY_IS (c, py_native_type))
    return ((PyNative *) c)->name;
  if (PY_IS (c, py_method_type))
    return callee_name (((PyMethod *) c)->func);
  if (PY_IS (c, py_type_type))
    return ((PyType *) c)->name;
  return c->type->name;
}

static PyObj *
eval_call (PyInterp *ip, PyFrame *f, PyNode *n)
{
  PyObj *callee = eval (ip, f, n->a);
  if (!callee)
    return NULL;
  ArgBuf b;
  PyObj *r = NULL;
  if (eval_args (ip, f, n->list, &b, callee_name (callee)))
    {
      PyArgs a = { .pos = (PyObj **) b.pos->pdata, .npos = b.pos->len,
                   .kwv = (PyObj **) b.kwv->pdata, .kwn = (const char **) b.kwn->pdata,
                   .nkw = b.kwn->len };
      r = py_call (ip, callee, &a);
    }
  argbuf_clear (&b);
  py_decref (callee);
  return r;
}

/* bind a to the parameters of fn into locals; TRUE or a TypeError */
static gboolean
bind_args (PyInterp *ip, PyFunc *fn, PyArgs *a, PyObj *locals)
{
  GPtrArray *params = fn->def->list;
  const char *q = fn->qualname;
  int npos_params = 0, star = -1, dstar = -1;
  for (guint i = 0; i < params->len; i++)
    {
      PyNode *p = params->pdata[i];
      if (p->op == 1 || p->op == 3)
        star = i;
      else if (p->op == 2)
        dstar = i;
      else if (star < 0)
        npos_params++;
    }
  PyObj **vals = g_newa (PyObj *, params->len + 1);
  memset (vals, 0, sizeof (PyObj *) * (params->len + 1));
  /* positional */
  int npos = a->npos;
  if (npos > npos_params)
    {
      if (star < 0 || ((PyNode *) params->pdata[star])->op == 3)
        {
          int ndef = 0;
          for (int i = 0; i < npos_params; i++)
            ndef += fn->defaults[i] != NULL;
          if (ndef)
            py_raise (ip, py_exc_TypeError, "%s() takes from %d to %d positional arguments but %d %s given",
                      q, npos_params - ndef, npos_params, npos, npos == 1 ? "was" : "were");
          else
            py_raise (ip, py_exc_TypeError, "%s() takes %d positional argument%s but %d %s given", q,
                      npos_params, npos_params == 1 ? "" : "s", npos, npos == 1 ? "was" : "were");
          return FALSE;
        }
    }
  for (int i = 0; i < MIN (npos, npos_params); i++)
    vals[i] = a->pos[i];
  PyObj *extra = NULL, *kwextra = NULL;
  if (star >= 0 && ((PyNode *) params->pdata[star])->op == 1)
    {
      int ne = MAX (npos - npos_params, 0);
      extra = py_tuple_new (ne);
      for (int i = 0; i < ne; i++)
        PY_TUPLE (extra)->items[i] = py_incref (a->pos[npos_params + i]);
    }
  if (dstar >= 0)
    kwextra = py_dict_new ();
  /* keywords */
  for (int k = 0; k < a->nkw; k++)
    {
      int found = -1;
      for (guint i = 0; i < params->len; i++)
        {
          PyNode *p = params->pdata[i];
          if (p->op == 0 && strcmp (p->str, a->kwn[k]) == 0)
            found = i;
        }
      if (found < 0 || (gint) found == star)
        {
          if (kwextra)
            {
              py_dict_set_str (kwextra, a->kwn[k], py_incref (a->kwv[k]));
              continue;
            }
          py_raise (ip, py_exc_TypeError, "%s() got an unexpected keyword argument '%s'", q,
                    a->kwn[k]);
          goto fail;
        }
      if (vals[found])
        {
          py_raise (ip, py_exc_TypeError, "%s() got multiple values for argument '%s'", q,
                    a->kwn[k]);
          goto fail;
        }
      vals[found] = a->kwv[k];
    }
  /* defaults and missing */
  GString *missing = NULL;
  int nmissing = 0;
  gboolean kwonly_missing = FALSE;
  for (guint i = 0; i < params->len; i++)
    {
      PyNode *p = params->pdata[i];
      if (p->op != 0 || vals[i])
        continue;
      if (fn->defaults[i])
        {
          vals[i] = fn->defaults[i];
          continue;
        }
      if (!missing)
        missing = g_string_new (NULL);
      nmissing++;
      kwonly_missing = star >= 0 && (gint) i > star;
      if (missing->len)
        g_string_append (missing, ",");
      g_string_append_printf (missing, "'%s'", p->str);
    }
  if (missing)
    {
      /* "'a', 'b' and 'c'" as CPython writes the list */
      char **names = g_strsplit (missing->str, ",", -1);
      GString *list = g_string_new (NULL);
      for (int i = 0; names[i]; i++)
        {
          if (i)
            g_string_append (list, names[i + 1] ? ", " : (i == 1 && !names[i + 1] ? " and " : ", and "));
          g_string_append (list, names[i]);
        }
      py_raise (ip, py_exc_TypeError, "%s() missing %d required %s argument%s: %s", q, nmissing,
                kwonly_missing ? "keyword-only" : "positional", nmissing == 1 ? "" : "s",
                list->str);
      g_strfreev (names);
      g_string_free (list, TRUE);
      g_string_free (missing, TRUE);
      goto fail;
    }
  for (guint i = 0; i < params->len; i++)
    {
      PyNode *p = params->pdata[i];
      if (p->op == 0)
        py_dict_set_str (locals, p->str, py_incref (vals[i]));
      else if (p->op == 1)
        py_dict_set_str (locals, p->str, py_incref (extra));
      else if (p->op == 2)
        py_dict_set_str (locals, p->str, py_incref (kwextra));
    }
  py_decref (extra);
  py_decref (kwextra);
  return TRUE;
fail:
  py_decref (extra);
  py_decref (kwextra);
  return FALSE;
}

static void
tb_push (PyInterp *ip, PyFrame *f, const char *func)
{
  PyTbEntry e = { g_strdup (f->code ? f->code->filename : "<unknown>"), f->err_line, f->err_col,
                  g_strdup (func) };
  g_array_append_val (ip->tb, e);
}

static PyObj *
function_call (PyInterp *ip, PyObj *callee, PyArgs *a)
{
  PyFunc *fn = (PyFunc *) callee;
  if (ip->depth >= ip->max_depth || !stack_ok ())
    return py_raise (ip, py_exc_RecursionError, "maximum recursion depth exceeded");
  PyFrame fr = { .back = ip->frame, .globals = fn->globals, .closure = fn->closure, .func = fn,
                 .code = fn->code };
  fr.locals = py_dict_new ();
  if (!bind_args (ip, fn, a, fr.locals))
    {
      py_decref (fr.locals);
      return NULL;
    }
  ip->depth++;
  ip->frame = &fr;
  PyObj *result = NULL;
  if (fn->def->kind == N_LAMBDA)
    result = eval (ip, &fr, fn->def->a);
  else
    {
      ExecStatus st = exec_block (ip, &fr, fn->def->list2);
      if (st == EX_RETURN)
        result = fr.retval;
      else if (st != EX_ERR)
        result = py_none;
      else
        py_clear (&fr.retval);
    }
  if (!result)
    tb_push (ip, &fr, fn->name);
  ip->frame = fr.back;
  ip->depth--;
  py_decref (fr.locals);
  g_clear_pointer (&fr.global_names, g_hash_table_unref);
  g_clear_pointer (&fr.nonlocal_names, g_hash_table_unref);
  return result;
}

static void
function_dealloc (PyObj *o)
{
  PyFunc *fn = (PyFunc *) o;
  py_clear (&fn->globals);
  py_clear (&fn->closure);
  for (int i = 0; i < fn->nparams; i++)
    py_clear (&fn->defaults[i]);
  g_free (fn->defaults);
  g_free (fn->name);
  g_free (fn->qualname);
  fn->nparams = 0;
}

static gboolean
function_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<function %s at %p>", ((PyFunc *) o)->qualname, (void *) o);
  return TRUE;
}

static PyObj *
function_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyFunc *fn = (PyFunc *) o;
  if (strcmp (name, "__name__") == 0)
    return py_str_new (fn->name, -1);
  if (strcmp (name, "__qualname__") == 0)
    return py_str_new (fn->qualname, -1);
  return NULL;
}

PyType py_function_type = {
  .ob = { &py_type_type, -1 }, .name = "function", .size = sizeof (PyFunc),
  .dealloc = function_dealloc, .repr = function_repr, .call = function_call,
  .getattr = function_getattr,
};

PyObj *
py_func_new (PyInterp *ip, PyNode *def, PyCode *code, PyFrame *f)
{
  PyFunc *fn = (PyFunc *) py_alloc (&py_function_type);
  fn->def = def;
  fn->code = code;
  fn->globals = py_incref (f->globals);
  /* the enclosing scopes: this frame's locals when it is a function's */
  if (f->func || (f->closure && !f->is_class_body))
    {
      fn->closure = py_list_new (0);
      if (!f->is_class_body)
        py_list_append (fn->closure, py_incref (f->locals));
      if (f->closure)
        for (gsize i = 0; i < PY_LIST (f->closure)->n; i++)
          py_list_append (fn->closure, py_incref (PY_LIST (f->closure)->items[i]));
    }
  else if (f->closure)
    fn->closure = py_incref (f->closure);
  const char *name = def->kind == S_DEF ? def->str : "<lambda>";
  fn->name = g_strdup (name);
  if (f->is_class_body && f->code && f->err_line == 0)
    fn->qualname = g_strdup_printf ("%s.%s", PY_STR (f->retval), name);
  else if (f->func)
    fn->qualname = g_strdup_printf ("%s.<locals>.%s", f->func->qualname, name);
  else
    fn->qualname = g_strdup (name);
  fn->nparams = def->list->len;
  fn->defaults = g_new0 (PyObj *, fn->nparams + 1);
  for (int i = 0; i < fn->nparams; i++)
    {
      PyNode *p = def->list->pdata[i];
      if (p->a)
        {
          fn->defaults[i] = eval (ip, f, p->a);
          if (!fn->defaults[i])
            {
              py_decref (&fn->ob);
              return NULL;
            }
        }
    }
  return &fn->ob;
}

/* ---- classes ---------------------------------------------------------------------- */

static void
ns_value_free (gpointer p)
{
  py_decref (p);
}

PyObj *
py_make_class (PyInterp *ip, const char *name, PyType *base, PyObj *ns)
{
  PyType *t = (PyType *) py_alloc (&py_type_type);
  t->name = g_strdup (name);
  t->module = g_strdup ("__main__");
  t->base = base;
  if (base->is_heap)
    py_incref (&base->ob);
  t->size = MAX (base->size, sizeof (PyInstance));
  t->has_dict = TRUE;
  t->is_heap = TRUE;
  t->is_exception = base->is_exception;
  t->dict = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, ns_value_free);
  gsize pos = 0;
  PyObj *k, *v;
  if (ns)
    while (py_dict_next (ns, &pos, &k, &v))
      {
        if (PY_IS (v, py_function_type) && !((PyFunc *) v)->owner)
          ((PyFunc *) v)->owner = t;
        g_hash_table_replace (t->dict, g_strdup (PY_STR (k)), py_incref (v));
      }
  return &t->ob;
}

static PyObj *
exec_class (PyInterp *ip, PyFrame *f, PyNode *n)
{
  PyType *base = &py_object_type;
  if (n->list->len > 1)
    return py_raise (ip, py_exc_TypeError, _("multiple inheritance is not supported (class %s)"), n->str);
  if (n->list->len == 1)
    {
      PyObj *b = eval (ip, f, n->list->pdata[0]);
      if (!b)
        return NULL;
      if (!PY_IS (b, py_type_type))
        {
          py_decref (b);
          return py_raise (ip, py_exc_TypeError, "a class's base must be a class, not %s",
                           b->type->name);
        }
      base = (PyType *) b;
      py_decref (b);
      if (!base->has_dict && base != &py_object_type && !base->is_heap)
        return py_raise (ip, py_exc_TypeError, _("subclassing '%s' is not supported"), base->name);
    }
  PyFrame cf = { .back = f, .globals = f->globals, .code = f->code, .is_class_body = TRUE };
  cf.locals = py_dict_new ();
  /* the enclosing function's scopes stay visible to the methods */
  if (f->func || f->closure)
    {
      cf.closure = py_list_new (0);
      if (f->func && !f->is_class_body)
        py_list_append (cf.closure, py_incref (f->locals));
      if (f->closure)
        for (gsize i = 0; i < PY_LIST (f->closure)->n; i++)
          py_list_append (cf.closure, py_incref (PY_LIST (f->closure)->items[i]));
    }
  cf.retval = py_str_new (n->str, -1);   /* the qualname prefix of its methods */
  py_dict_set_str (cf.locals, "__module__", py_str_new ("__main__", -1));
  py_dict_set_str (cf.locals, "__qualname__", py_str_new (n->str, -1));
  PyFrame *saved = ip->frame;
  ip->frame = &cf;
  ExecStatus st = exec_block (ip, &cf, n->list2);
  ip->frame = saved;
  PyObj *cls = NULL;
  if (st != EX_ERR)
    cls = py_make_class (ip, n->str, base, cf.locals);
  else if (cf.err_line)
    {
      f->err_line = cf.err_line;
      f->err_col = cf.err_col;
    }
  py_decref (cf.locals);
  py_decref (cf.closure);
  py_decref (cf.retval);
  return cls;
}

/* Instantiate t: its constructor, then __init__ (a class statement's or a native one). */
PyObj *
py_type_call_object (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyType *nt = t;
  while (nt && !nt->new_)
    nt = nt->base;
  if (!t->is_heap)
    {
      if (!nt)
        return py_raise (ip, py_exc_TypeError, "cannot create '%s' instances", t->name);
      return nt->new_ (ip, t, a);
    }
  PyObj *init = py_type_lookup (t, "__init__");
  PyObj *self;
  PyArgs none = { 0 };
  if (nt)
    self = nt->new_ (ip, t, t->is_exception ? a : &none);
  else
    self = py_alloc (t);
  if (!self)
    return NULL;
  if (!init)
    {
      /* a native __init__ (nn.Module's) or none */
      PyType *owner = NULL;
      for (PyType *b = t; b && !owner; b = b->base)
        if (b->methods)
          for (const PyMethodDef *m = b->methods; m->name; m++)
            if (strcmp (m->name, "__init__") == 0)
              {
                owner = b;
                PyObj *fn = py_native_new (m->name, m->fn, self);
                PyObj *r = py_call (ip, fn, a);
                py_decref (fn);
                if (!r)
                  {
                    py_decref (self);
                    return NULL;
                  }
                py_decref (r);
                break;
              }
      if (!owner && (a->npos || a->nkw) && !t->is_exception)
        {
          py_decref (self);
          return py_raise (ip, py_exc_TypeError, "%s() takes no arguments", t->name);
        }
      return self;
    }
  PyObj *m = py_method_new (self, init);
  PyObj *r = py_call (ip, m, a);
  py_decref (m);
  if (!r)
    {
      py_decref (self);
      return NULL;
    }
  if (r != py_none)
    {
      py_decref (r);
      py_decref (self);
      return py_raise (ip, py_exc_TypeError, "__init__() should return None, not '%s'",
                       r->type->name);
    }
  return self;
}

/* ---- expressions ------------------------------------------------------------------ */

static PyObj *
eval_fstring (PyInterp *ip, PyFrame *f, PyNode *n)
{
  GString *g = g_string_new (NULL);
  for (guint i = 0; i < n->list->len; i++)
    {
      PyNode *p = n->list->pdata[i];
      if (p->kind == N_CONST)
        {
          g_string_append_len (g, PY_STR (p->value), PY_STRLEN (p->value));
          continue;
        }
      PyObj *v = eval (ip, f, p->a);
      if (!v)
        goto fail;
      gboolean ok;
      if (p->op == 'r' || p->op == 'a')
        {
          GString *r = g_string_new (NULL);
          ok = py_repr (ip, v, r);
          py_decref (v);
          v = py_str_take (r);
        }
      else if (p->op == 's')
        {
          GString *r = g_string_new (NULL);
          ok = py_str (ip, v, r);
          py_decref (v);
          v = py_str_take (r);
        }
      else
        ok = TRUE;
      if (ok)
        {
          char *spec = NULL;
          if (p->b)
            {
              PyObj *s = eval_fstring (ip, f, p->b);
              if (!s)
                {
                  py_decref (v);
                  goto fail;
                }
              spec = g_strdup (PY_STR (s));
              py_decref (s);
            }
          ok = py_format (ip, v, spec ? spec : "", g);
          g_free (spec);
        }
      py_decref (v);
      if (!ok)
        goto fail;
    }
  return py_str_take (g);
fail:
  g_string_free (g, TRUE);
  return NULL;
}

static PyObj *
eval_seq (PyInterp *ip, PyFrame *f, GPtrArray *items, PyObj *list)
{
  for (guint i = 0; i < items->len; i++)
    {
      PyNode *x = items->pdata[i];
      if (x->kind == N_STARRED)
        {
          PyObj *v = eval (ip, f, x->a);
          if (!v)
            goto fail;
          PyObj *l = py_list_from_iterable (ip, v);
          py_decref (v);
          if (!l)
            goto fail;
          for (gsize k = 0; k < PY_LIST (l)->n; k++)
            py_list_append (list, py_incref (PY_LIST (l)->items[k]));
          py_decref (l);
          continue;
        }
      PyObj *v = eval (ip, f, x);
      if (!v)
        goto fail;
      py_list_append (list, v);
    }
  return list;
fail:
  py_decref (list);
  return NULL;
}

static gboolean
comp_loop (PyInterp *ip, PyFrame *cf, PyNode *n, guint k, PyObj *acc)
{
  if (k == n->list->len)
    {
      if (n->kind == N_DICTCOMP)
        {
          PyObj *key = eval (ip, cf, n->a);
          if (!key)
            return FALSE;
          PyObj *v = eval (ip, cf, n->b);
          gboolean ok = v && py_dict_set (ip, acc, key, v);
          py_decref (key);
          py_decref (v);
          return ok;
        }
      PyObj *v = eval (ip, cf, n->a);
      if (!v)
        return FALSE;
      if (py_isinstance (acc, &py_dict_type))
        {
          gboolean ok = py_dict_set (ip, acc, v, py_none);
          py_decref (v);
          return ok;
        }
      py_list_append (acc, v);
      return TRUE;
    }
  PyNode *c = n->list->pdata[k];
  /* the first iterable is evaluated in the enclosing scope */
  PyObj *src = eval (ip, k == 0 ? cf->back : cf, c->b);
  if (!src)
    return FALSE;
  PyObj *it = py_iter (ip, src);
  py_decref (src);
  if (!it)
    return FALSE;
  PyObj *v;
  gboolean ok = TRUE;
  while (ok && (v = py_next (ip, it)))
    {
      if (!py_check_budget (ip))
        {
          py_decref (v);
          ok = FALSE;
          break;
        }
      ok = assign (ip, cf, c->a, v);
      py_decref (v);
      gboolean keep = TRUE;
      for (guint i = 0; ok && keep && i < c->list->len; i++)
        {
          PyObj *t = eval (ip, cf, c->list->pdata[i]);
          if (!t)
            ok = FALSE;
          else
            {
              int tv = py_truth (ip, t);
              py_decref (t);
              if (tv < 0)
                ok = FALSE;
              keep = tv > 0;
            }
        }
      if (ok && keep)
        ok = comp_loop (ip, cf, n, k + 1, acc);
    }
  py_decref (it);
  return ok && !py_err_occurred (ip);
}

static PyObj *
eval_comprehension (PyInterp *ip, PyFrame *f, PyNode *n)
{
  PyFrame cf = { .back = f, .globals = f->globals, .func = f->func, .code = f->code };
  cf.locals = py_dict_new ();
  if (f->locals != f->globals && !f->is_class_body)
    {
      cf.closure = py_list_new (0);
      py_list_append (cf.closure, py_incref (f->locals));
      if (f->closure)
        for (gsize i = 0; i < PY_LIST (f->closure)->n; i++)
          py_list_append (cf.closure, py_incref (PY_LIST (f->closure)->items[i]));
    }
  else if (f->closure)
    cf.closure = py_incref (f->closure);
  PyObj *acc = n->kind == N_DICTCOMP || n->kind == N_SETCOMP ? py_dict_new () : py_list_new (0);
  gboolean ok = comp_loop (ip, &cf, n, 0, acc);
  if (!ok && cf.err_line && !f->err_line)
    {
      f->err_line = cf.err_line;
      f->err_col = cf.err_col;
    }
  py_decref (cf.locals);
  py_decref (cf.closure);
  if (!ok)
    {
      py_decref (acc);
      return NULL;
    }
  if (n->kind == N_GENEXP)
    return py_generator_new (acc, "<genexpr>");
  if (n->kind == N_SETCOMP)
    {
      PyObj *s = py_alloc (&py_set_type);
      py_decref (s);
      /* sets are dicts of keys here */
      PyObj *l = py_list_from_iterable (ip, acc);
      py_decref (acc);
      return l;
    }
  return acc;
}

static PyObj *
eval_compare (PyInterp *ip, PyFrame *f, PyNode *n)
{
  PyObj *left = eval (ip, f, n->a);
  if (!left)
    return NULL;
  PyObj *result = NULL;
  for (guint i = 0; i < n->list->len; i++)
    {
      PyNode *o = n->list->pdata[i];
      PyObj *right = eval (ip, f, o->a);
      if (!right)
        {
          py_decref (left);
          py_decref (result);
          return NULL;
        }
      PyObj *r;
      switch (o->op)
        {
        case CMP_IS:
          r = py_bool (left == right);
          break;
        case CMP_IS_NOT:
          r = py_bool (left != right);
          break;
        case CMP_IN:
        case CMP_NOT_IN:
          {
            int c = py_contains (ip, right, left);
            r = c < 0 ? NULL : py_bool (o->op == CMP_IN ? c : !c);
            break;
          }
        default:
          r = py_compare (ip, o->op, left, right);
        }
      py_decref (left);
      left = right;
      py_decref (result);
      result = r;
      if (!r)
        break;
      if (i + 1 < n->list->len)
        {
          int t = py_truth (ip, r);
          if (t <= 0)
            break;
        }
    }
  py_decref (left);
  return result;
}

static PyObj *
eval_inner (PyInterp *ip, PyFrame *f, PyNode *n)
{
  switch (n->kind)
    {
    case N_NAME:
      return lookup_name (ip, f, n);
    case N_CONST:
      return py_incref (n->value);
    case N_FSTRING:
      return eval_fstring (ip, f, n);
    case N_TUPLE:
      {
        PyObj *l = eval_seq (ip, f, n->list, py_list_new (0));
        if (!l)
          return NULL;
        PyObj *t = py_tuple_new (PY_LIST (l)->n);
        for (gsize i = 0; i < PY_LIST (l)->n; i++)
          PY_TUPLE (t)->items[i] = py_incref (PY_LIST (l)->items[i]);
        py_decref (l);
        return t;
      }
    case N_LIST:
      return eval_seq (ip, f, n->list, py_list_new (0));
    case N_SET:
      return py_raise (ip, py_exc_NotImplementedError, _("sets are not supported in ParamScope's Python"));
    case N_DICT:
      {
        PyObj *d = py_dict_new ();
        for (guint i = 0; i < n->list->len; i++)
          {
            PyNode *kn = n->list->pdata[i];
            PyObj *v = eval (ip, f, n->list2->pdata[i]);
            if (!v)
              goto dict_fail;
            if (!kn)
              {
                if (!py_isinstance (v, &py_dict_type))
                  {
                    py_raise (ip, py_exc_TypeError, "'%s' object is not a mapping", v->type->name);
                    py_decref (v);
                    goto dict_fail;
                  }
                gsize pos = 0;
                PyObj *k, *val;
                while (py_dict_next (v, &pos, &k, &val))
                  py_dict_set (ip, d, k, val);
                py_decref (v);
                continue;
              }
            PyObj *k = eval (ip, f, kn);
            if (!k)
              {
                py_decref (v);
                goto dict_fail;
              }
            gboolean ok = py_dict_set (ip, d, k, v);
            py_decref (k);
            py_decref (v);
            if (!ok)
              goto dict_fail;
          }
        return d;
      dict_fail:
        py_decref (d);
        return NULL;
      }
    case N_LISTCOMP:
    case N_SETCOMP:
    case N_GENEXP:
    case N_DICTCOMP:
      if (n->kind == N_SETCOMP)
        return py_raise (ip, py_exc_NotImplementedError, _("sets are not supported in ParamScope's Python"));
      return eval_comprehension (ip, f, n);
    case N_ATTR:
      {
        PyObj *o = eval (ip, f, n->a);
        if (!o)
          return NULL;
        PyObj *v = py_getattr (ip, o, n->str);
        py_decref (o);
        return v;
      }
    case N_SUBSCRIPT:
      {
        PyObj *o = eval (ip, f, n->a);
        if (!o)
          return NULL;
        PyObj *k = eval (ip, f, n->b);
        if (!k)
          {
            py_decref (o);
            return NULL;
          }
        PyObj *v = py_getitem (ip, o, k);
        py_decref (o);
        py_decref (k);
        return v;
      }
    case N_SLICE:
      {
        PyObj *a = n->a ? eval (ip, f, n->a) : py_none;
        if (!a)
          return NULL;
        PyObj *b = n->b ? eval (ip, f, n->b) : py_none;
        if (!b)
          {
            py_decref (a);
            return NULL;
          }
        PyObj *c = n->c ? eval (ip, f, n->c) : py_none;
        if (!c)
          {
            py_decref (a);
            py_decref (b);
            return NULL;
          }
        return py_slice_new (a, b, c);
      }
    case N_CALL:
      return eval_call (ip, f, n);
    case N_BINOP:
      {
        PyObj *a = eval (ip, f, n->a);
        if (!a)
          return NULL;
        PyObj *b = eval (ip, f, n->b);
        if (!b)
          {
            py_decref (a);
            return NULL;
          }
        PyObj *r = py_binop (ip, n->op, a, b);
        py_decref (a);
        py_decref (b);
        return r;
      }
    case N_UNARY:
      {
        PyObj *a = eval (ip, f, n->a);
        if (!a)
          return NULL;
        PyObj *r;
        if (py_is_int (a))
          {
            gint64 v = py_int_value (a);
            if (n->op == '-' && v == G_MININT64)
              r = py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
            else
              r = py_int_new (n->op == '-' ? -v : n->op == '~' ? ~v : v);
          }
        else if (PY_IS (a, py_float_type) && n->op != '~')
          r = py_float_new (n->op == '-' ? -PY_FLOAT (a) : PY_FLOAT (a));
        else
          {
            const char *dn = n->op == '-' ? "__neg__" : n->op == '+' ? "__pos__" : "__invert__";
            PyObj *m = py_getattr_opt (ip, a, dn);
            if (m)
              {
                r = py_call0 (ip, m);
                py_decref (m);
              }
            else if (!py_err_occurred (ip))
              r = py_raise (ip, py_exc_TypeError, "bad operand type for unary %c: '%s'", n->op,
                            a->type->name);
            else
              r = NULL;
          }
        py_decref (a);
        return r;
      }
    case N_NOT:
      {
        PyObj *a = eval (ip, f, n->a);
        if (!a)
          return NULL;
        int t = py_truth (ip, a);
        py_decref (a);
        return t < 0 ? NULL : py_bool (!t);
      }
    case N_BOOLOP:
      {
        PyObj *a = eval (ip, f, n->a);
        if (!a)
          return NULL;
        int t = py_truth (ip, a);
        if (t < 0)
          {
            py_decref (a);
            return NULL;
          }
        if ((n->op == 0 && !t) || (n->op == 1 && t))
          return a;
        py_decref (a);
        return eval (ip, f, n->b);
      }
    case N_COMPARE:
      return eval_compare (ip, f, n);
    case N_IFEXP:
      {
        PyObj *c = eval (ip, f, n->a);
        if (!c)
          return NULL;
        int t = py_truth (ip, c);
        py_decref (c);
        if (t < 0)
          return NULL;
        return eval (ip, f, t ? n->b : n->c);
      }
    case N_LAMBDA:
      return py_func_new (ip, n, f->code, f);
    case N_NAMEDEXPR:
      {
        PyObj *v = eval (ip, f, n->a);
        if (v && !store_name (ip, f, n->str, v))
          py_clear (&v);
        return v;
      }
    case N_STARRED:
      return py_raise (ip, py_exc_SyntaxError, "can't use starred expression here");
    default:
      return py_raise (ip, py_exc_SyntaxError, "unexpected syntax node %d", n->kind);
    }
}

static PyObj *
eval (PyInterp *ip, PyFrame *f, PyNode *n)
{
  if (!stack_ok ())
    {
      py_raise (ip, py_exc_RecursionError, "maximum recursion depth exceeded");
      if (!f->err_line)
        {
          f->err_line = n->line;
          f->err_col = n->col;
        }
      return NULL;
    }
  PyObj *r = eval_inner (ip, f, n);
  if (!r && !f->err_line)
    {
      f->err_line = n->line;
      f->err_col = n->col;
    }
  return r;
}

/* ---- statements ------------------------------------------------------------------- */

static ExecStatus exec_stmt (PyInterp *ip, PyFrame *f, PyNode *s);

static ExecStatus
exec_block (PyInterp *ip, PyFrame *f, GPtrArray *body)
{
  for (guint i = 0; i < body->len; i++)
    {
      ExecStatus st = exec_stmt (ip, f, body->pdata[i]);
      if (st != EX_OK)
        return st;
    }
  return EX_OK;
}

static gboolean
del_target (PyInterp *ip, PyFrame *f, PyNode *t)
{
  switch (t->kind)
    {
    case N_NAME:
      return store_name (ip, f, t->str, NULL);
    case N_ATTR:
      {
        PyObj *o = eval (ip, f, t->a);
        if (!o)
          return FALSE;
        gboolean ok = py_setattr (ip, o, t->str, NULL);
        py_decref (o);
        return ok;
      }
    case N_SUBSCRIPT:
      {
        PyObj *o = eval (ip, f, t->a);
        PyObj *k = o ? eval (ip, f, t->b) : NULL;
        gboolean ok = k && py_setitem (ip, o, k, NULL);
        py_decref (o);
        py_decref (k);
        return ok;
      }
    case N_TUPLE:
    case N_LIST:
      for (guint i = 0; i < t->list->len; i++)
        if (!del_target (ip, f, t->list->pdata[i]))
          return FALSE;
      return TRUE;
    default:
      py_raise (ip, py_exc_SyntaxError, "cannot delete expression");
      return FALSE;
    }
}

static ExecStatus
exec_import (PyInterp *ip, PyFrame *f, PyNode *s)
{
  if (s->kind == S_IMPORT)
    {
      for (guint i = 0; i < s->list->len; i++)
        {
          PyNode *al = s->list->pdata[i];
          PyObj *m = py_import_module (ip, al->str);
          if (!m)
            return EX_ERR;
          gboolean ok;
          if (al->str2)
            ok = store_name (ip, f, al->str2, m);
          else
            {
              /* `import torch.nn` binds `torch` */
              char *top = g_strndup (al->str, strcspn (al->str, "."));
              PyObj *tm = strcmp (top, al->str) == 0 ? py_incref (m) : py_import_module (ip, top);
              ok = tm && store_name (ip, f, top, tm);
              py_decref (tm);
              g_free (top);
            }
          py_decref (m);
          if (!ok)
            return EX_ERR;
        }
      return EX_OK;
    }
  PyObj *m = py_import_module (ip, s->str);
  if (!m)
    return EX_ERR;
  for (guint i = 0; i < s->list->len; i++)
    {
      PyNode *al = s->list->pdata[i];
      if (strcmp (al->str, "*") == 0)
        {
          PyModule *mod = (PyModule *) m;
          GHashTableIter it;
          gpointer k, v;
          g_hash_table_iter_init (&it, mod->dict);
          while (g_hash_table_iter_next (&it, &k, &v))
            if (((char *) k)[0] != '_' && !store_name (ip, f, k, v))
              {
                py_decref (m);
                return EX_ERR;
              }
          continue;
        }
      PyObj *v = py_getattr_opt (ip, m, al->str);
      if (!v)
        {
          /* a submodule: from torch import nn */
          char *sub = g_strdup_printf ("%s.%s", s->str, al->str);
          if (!py_err_occurred (ip))
            {
              v = py_import_module (ip, sub);
              if (!v && py_err_matches (ip, py_exc_ImportError))
                {
                  py_err_clear (ip);
                  py_raise (ip, py_exc_ImportError, "cannot import name '%s' from '%s'",
                            al->str, s->str);
                }
            }
          g_free (sub);
          if (!v)
            {
              py_decref (m);
              return EX_ERR;
            }
        }
      gboolean ok = store_name (ip, f, al->str2 ? al->str2 : al->str, v);
      py_decref (v);
      if (!ok)
        {
          py_decref (m);
          return EX_ERR;
        }
    }
  py_decref (m);
  return EX_OK;
}

static ExecStatus
exec_with (PyInterp *ip, PyFrame *f, PyNode *s, guint k)
{
  if (k == s->list->len)
    return exec_block (ip, f, s->list2);
  PyNode *item = s->list->pdata[k];
  PyObj *ctx = eval (ip, f, item->a);
  if (!ctx)
    return EX_ERR;
  PyObj *enter = py_getattr_opt (ip, ctx, "__enter__");
  PyObj *exitf = enter ? py_getattr_opt (ip, ctx, "__exit__") : NULL;
  if (!enter || !exitf)
    {
      if (!py_err_occurred (ip))
        py_raise (ip, py_exc_TypeError, "'%s' object does not support the context manager protocol",
                  ctx->type->name);
      py_decref (enter);
      py_decref (ctx);
      return EX_ERR;
    }
  PyObj *v = py_call0 (ip, enter);
  py_decref (enter);
  ExecStatus st = EX_ERR;
  if (v)
    {
      st = item->b && !assign (ip, f, item->b, v) ? EX_ERR : exec_with (ip, f, s, k + 1);
      py_decref (v);
    }
  /* __exit__ runs whatever happened; an exception stays pending */
  PyObj *saved = ip->exc;
  ip->exc = NULL;
  PyObj *args[3] = { py_none, py_none, py_none };
  if (saved)
    {
      args[0] = &saved->type->ob;
      args[1] = saved;
    }
  PyArgs a = { .pos = args, .npos = 3 };
  PyObj *r = py_call (ip, exitf, &a);
  py_decref (exitf);
  py_decref (ctx);
  if (!r)
    {
      py_decref (saved);
      return EX_ERR;
    }
  int suppress = saved ? py_truth (ip, r) : 0;
  py_decref (r);
  if (saved)
    {
      if (suppress > 0)
        {
          py_decref (saved);
          tb_clear (ip);
          f->err_line = f->err_col = 0;
          return EX_OK;
        }
      ip->exc = saved;
    }
  return st;
}

static ExecStatus
exec_try (PyInterp *ip, PyFrame *f, PyNode *s)
{
  ExecStatus st = exec_block (ip, f, s->list);
  if (st == EX_ERR && s->list2->len)
    {
      PyObj *exc = ip->exc;
      if (py_err_matches (ip, py_exc_KeyboardInterrupt) || py_err_matches (ip, py_exc_TimeoutError)
          || py_err_matches (ip, py_exc_RecursionError) || py_err_matches (ip, py_exc_MemoryError))
        goto finally;   /* budgets cannot be caught: they stop the cell */
      for (guint i = 0; i < s->list2->len; i++)
        {
          PyNode *h = s->list2->pdata[i];
          gboolean match = FALSE;
          if (!h->a)
            match = TRUE;
          else
            {
              ip->exc = NULL;
              PyObj *t = eval (ip, f, h->a);
              if (!t)
                {
                  py_decref (exc);
                  goto finally;
                }
              PyObj **ts = &t;
              gsize nt = 1;
              if (PY_IS (t, py_tuple_type))
                py_sequence_items (t, &ts, &nt);
              for (gsize j = 0; j < nt; j++)
                if (PY_IS (ts[j], py_type_type) && py_is_subtype (exc->type, (PyType *) ts[j]))
                  match = TRUE;
              py_decref (t);
              ip->exc = exc;
            }
          if (!match)
            continue;
          ip->exc = NULL;
          tb_clear (ip);
          f->err_line = f->err_col = 0;
          if (h->str)
            store_name (ip, f, h->str, exc);
          py_decref (exc);
          st = exec_block (ip, f, h->list);
          goto finally;
        }
    }
  else if (st == EX_OK && s->list3)
    st = exec_block (ip, f, s->list3);
finally:
  if (s->list4)
    {
      PyObj *saved = ip->exc;
      ip->exc = NULL;
      PyObj *saved_ret = f->retval;
      f->retval = NULL;
      int el = f->err_line, ec = f->err_col;
      f->err_line = f->err_col = 0;
      ExecStatus fst = exec_block (ip, f, s->list4);
      if (fst != EX_OK)
        {
          py_decref (saved);
          py_decref (saved_ret);
          return fst;
        }
      ip->exc = saved;
      f->retval = saved_ret;
      f->err_line = el;
      f->err_col = ec;
    }
  return st;
}

static ExecStatus
exec_stmt_inner (PyInterp *ip, PyFrame *f, PyNode *s)
{
  switch (s->kind)
    {
    case S_EXPR:
      {
        PyObj *v = eval (ip, f, s->a);
        if (!v)
          return EX_ERR;
        py_decref (v);
        return EX_OK;
      }
    case S_ASSIGN:
      {
        PyObj *v = eval (ip, f, s->a);
        if (!v)
          return EX_ERR;
        for (guint i = 0; i < s->list->len; i++)
          if (!assign (ip, f, s->list->pdata[i], v))
            {
              py_decref (v);
              return EX_ERR;
            }
        py_decref (v);
        return EX_OK;
      }
    case S_ANNASSIGN:
      {
        if (!s->c)
          return EX_OK;
        PyObj *v = eval (ip, f, s->c);
        if (!v)
          return EX_ERR;
        gboolean ok = assign (ip, f, s->a, v);
        py_decref (v);
        return ok ? EX_OK : EX_ERR;
      }
    case S_AUGASSIGN:
      {
        /* target evaluated once: obj and key for attribute and subscript targets */
        PyNode *t = s->a;
        PyObj *obj = NULL, *key = NULL, *cur;
        if (t->kind == N_NAME)
          cur = eval (ip, f, t);
        else
          {
            obj = eval (ip, f, t->a);
            if (!obj)
              return EX_ERR;
            if (t->kind == N_SUBSCRIPT)
              {
                key = eval (ip, f, t->b);
                if (!key)
                  {
                    py_decref (obj);
                    return EX_ERR;
                  }
                cur = py_getitem (ip, obj, key);
              }
            else
              cur = py_getattr (ip, obj, t->str);
          }
        PyObj *r = NULL;
        PyObj *v = cur ? eval (ip, f, s->b) : NULL;
        if (v)
          {
            /* in-place forms first (__iadd__: lists extend, tensors update) */
            static const char *const inplace[] = { "__iadd__", "__isub__", "__imul__",
              "__itruediv__", "__ifloordiv__", "__imod__", "__ipow__", "__imatmul__",
              "__ilshift__", "__irshift__", "__iand__", "__ior__", "__ixor__" };
            if (py_isinstance (cur, &py_list_type) && s->op == PY_OP_ADD)
              {
                PyObj *l = py_list_from_iterable (ip, v);
                if (l)
                  {
                    for (gsize i = 0; i < PY_LIST (l)->n; i++)
                      py_list_append (cur, py_incref (PY_LIST (l)->items[i]));
                    py_decref (l);
                    r = py_incref (cur);
                  }
              }
            else
              {
                /* numbers, strings and tuples have no in-place forms */
                gboolean may = !py_is_number (cur) && !PY_IS (cur, py_str_type)
                  && !PY_IS (cur, py_tuple_type) && !py_isinstance (cur, &py_dict_type);
                PyObj *m = may ? py_getattr_opt (ip, cur, inplace[s->op]) : NULL;
                if (m)
                  {
                    r = py_call1 (ip, m, v);
                    py_decref (m);
                    if (r == py_not_implemented)
                      r = py_binop (ip, s->op, cur, v);
                  }
                else if (!py_err_occurred (ip))
                  r = py_binop (ip, s->op, cur, v);
              }
          }
        gboolean ok = r != NULL;
        if (ok)
          {
            if (t->kind == N_NAME)
              ok = store_name (ip, f, t->str, r);
            else if (t->kind == N_SUBSCRIPT)
              ok = py_setitem (ip, obj, key, r);
            else
              ok = py_setattr (ip, obj, t->str, r);
          }
        py_decref (r);
        py_decref (v);
        py_decref (cur);
        py_decref (obj);
        py_decref (key);
        return ok ? EX_OK : EX_ERR;
      }
    case S_IF:
      {
        PyObj *c = eval (ip, f, s->a);
        if (!c)
          return EX_ERR;
        int t = py_truth (ip, c);
        py_decref (c);
        if (t < 0)
          return EX_ERR;
        if (t)
          return exec_block (ip, f, s->list);
        return s->list2 ? exec_block (ip, f, s->list2) : EX_OK;
      }
    case S_WHILE:
      for (;;)
        {
          if (!py_check_budget (ip))
            return EX_ERR;
          PyObj *c = eval (ip, f, s->a);
          if (!c)
            return EX_ERR;
          int t = py_truth (ip, c);
          py_decref (c);
          if (t < 0)
            return EX_ERR;
          if (!t)
            return s->list2 ? exec_block (ip, f, s->list2) : EX_OK;
          ExecStatus st = exec_block (ip, f, s->list);
          if (st == EX_BREAK)
            return EX_OK;
          if (st == EX_ERR || st == EX_RETURN)
            return st;
        }
    case S_FOR:
      {
        PyObj *src = eval (ip, f, s->b);
        if (!src)
          return EX_ERR;
        PyObj *it = py_iter (ip, src);
        py_decref (src);
        if (!it)
          return EX_ERR;
        ExecStatus st = EX_OK;
        gboolean broke = FALSE;
        PyObj *v;
        while ((v = py_next (ip, it)))
          {
            if (!py_check_budget (ip) || !assign (ip, f, s->a, v))
              {
                py_decref (v);
                st = EX_ERR;
                break;
              }
            py_decref (v);
            st = exec_block (ip, f, s->list);
            if (st == EX_BREAK)
              {
                broke = TRUE;
                st = EX_OK;
                break;
              }
            if (st == EX_CONTINUE)
              st = EX_OK;
            if (st != EX_OK)
              break;
          }
        py_decref (it);
        if (st == EX_OK && py_err_occurred (ip))
          st = EX_ERR;
        if (st == EX_OK && !broke && s->list2)
          st = exec_block (ip, f, s->list2);
        return st;
      }
    case S_DEF:
      {
        PyObj *fn = py_func_new (ip, s, f->code, f);
        if (!fn)
          return EX_ERR;
        if (s->list3)
          for (gint i = s->list3->len - 1; i >= 0; i--)
            {
              PyObj *d = eval (ip, f, s->list3->pdata[i]);
              PyObj *r = d ? py_call1 (ip, d, fn) : NULL;
              py_decref (d);
              py_decref (fn);
              if (!r)
                return EX_ERR;
              fn = r;
            }
        gboolean ok = store_name (ip, f, s->str, fn);
        py_decref (fn);
        return ok ? EX_OK : EX_ERR;
      }
    case S_CLASS:
      {
        PyObj *cls = exec_class (ip, f, s);
        if (!cls)
          return EX_ERR;
        gboolean ok = store_name (ip, f, s->str, cls);
        py_decref (cls);
        return ok ? EX_OK : EX_ERR;
      }
    case S_RETURN:
      if (!f->func)
        {
          py_raise (ip, py_exc_SyntaxError, "'return' outside function");
          return EX_ERR;
        }
      f->retval = s->a ? eval (ip, f, s->a) : py_none;
      return f->retval ? EX_RETURN : EX_ERR;
    case S_PASS:
      return EX_OK;
    case S_BREAK:
      return EX_BREAK;
    case S_CONTINUE:
      return EX_CONTINUE;
    case S_IMPORT:
    case S_FROM:
      return exec_import (ip, f, s);
    case S_ASSERT:
      {
        PyObj *c = eval (ip, f, s->a);
        if (!c)
          return EX_ERR;
        int t = py_truth (ip, c);
        py_decref (c);
        if (t < 0)
          return EX_ERR;
        if (t)
          return EX_OK;
        PyObj *args;
        if (s->b)
          {
            PyObj *m = eval (ip, f, s->b);
            if (!m)
              return EX_ERR;
            args = py_tuple_pack (1, m);
          }
        else
          args = py_tuple_new (0);
        py_raise_obj (ip, py_exception_new (py_exc_AssertionError, args));
        return EX_ERR;
      }
    case S_WITH:
      return exec_with (ip, f, s, 0);
    case S_DEL:
      for (guint i = 0; i < s->list->len; i++)
        if (!del_target (ip, f, s->list->pdata[i]))
          return EX_ERR;
      return EX_OK;
    case S_GLOBAL:
    case S_NONLOCAL:
      {
        GHashTable **set = s->kind == S_GLOBAL ? &f->global_names : &f->nonlocal_names;
        if (f->locals == f->globals)
          return EX_OK;
        if (!*set)
          *set = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
        for (guint i = 0; i < s->list->len; i++)
          g_hash_table_add (*set, g_strdup (((PyNode *) s->list->pdata[i])->str));
        return EX_OK;
      }
    case S_RAISE:
      {
        if (!s->a)
          {
            py_raise (ip, py_exc_RuntimeError, "No active exception to reraise");
            return EX_ERR;
          }
        PyObj *e = eval (ip, f, s->a);
        if (!e)
          return EX_ERR;
        if (PY_IS (e, py_type_type) && ((PyType *) e)->is_exception)
          {
            PyObj *inst = py_call0 (ip, e);
            py_decref (e);
            if (!inst)
              return EX_ERR;
            e = inst;
          }
        if (!e->type->is_exception)
          {
            py_decref (e);
            py_raise (ip, py_exc_TypeError, "exceptions must derive from BaseException");
            return EX_ERR;
          }
        py_raise_obj (ip, e);
        return EX_ERR;
      }
    case S_TRY:
      return exec_try (ip, f, s);
    default:
      py_raise (ip, py_exc_SyntaxError, "unexpected statement");
      return EX_ERR;
    }
}

static ExecStatus
exec_stmt (PyInterp *ip, PyFrame *f, PyNode *s)
{
  ExecStatus st = exec_stmt_inner (ip, f, s);
  if (st == EX_ERR && !f->err_line)
    {
      f->err_line = s->line;
      f->err_col = s->col;
    }
  return st;
}

/* Run a module's statements in globals.  want_last: when the last statement is
 * an expression, return its value (else None), as a notebook cell does. */
PyObj *
py_eval_module (PyInterp *ip, PyCode *code, PyObj *globals, gboolean want_last)
{
  stack_init ();
  PyFrame fr = { .back = ip->frame, .locals = globals, .globals = globals, .code = code };
  ip->frame = &fr;
  GPtrArray *body = code->module->list;
  guint n = body->len;
  PyNode *last = n ? body->pdata[n - 1] : NULL;
  gboolean split = want_last && last && last->kind == S_EXPR;
  PyObj *result = NULL;
  ExecStatus st = EX_OK;
  for (guint i = 0; i < n - (split ? 1 : 0) && st == EX_OK; i++)
    {
      st = exec_stmt (ip, &fr, body->pdata[i]);
      if (st == EX_BREAK || st == EX_CONTINUE)
        {
          PyNode *s = body->pdata[i];
          py_raise (ip, py_exc_SyntaxError, "'%s' outside loop", st == EX_BREAK ? "break" : "continue");
          fr.err_line = s->line;
          fr.err_col = s->col;
          st = EX_ERR;
        }
    }
  if (st == EX_OK)
    {
      if (split)
        result = eval (ip, &fr, last->a);
      else
        result = py_none;
    }
  if (!result)
    tb_push (ip, &fr, "<module>");
  ip->frame = fr.back;
  g_clear_pointer (&fr.global_names, g_hash_table_unref);
  return result;
}
