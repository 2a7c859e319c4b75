/* py-builtins.c — the built-in functions, the math and collections
 * modules, and import (only of the modules ParamScope provides)
 *
 * A table of native functions, each short; longer than the house limit
 * because Python has that many builtins.
 */
#include "py-eval.h"
#include "ps-i18n.h"
#include "ps-py.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATIC_OB { &py_type_type, -1 }

/* ---- lazy iterators: enumerate, zip, map, filter, reversed --------------------------- */

typedef struct {
  PyObj   ob;
  int     kind;               /* 0 enumerate, 1 zip, 2 map, 3 filter */
  PyObj **its;
  int     n;
  PyObj  *func;
  gint64  count;
  gboolean done;
} PyLazy;

static const char *const lazy_names[] = { "enumerate", "zip", "map", "filter" };

static void
lazy_dealloc (PyObj *o)
{
  PyLazy *l = (PyLazy *) o;
  for (int i = 0; i < l->n; i++)
    py_clear (&l->its[i]);
  g_clear_pointer (&l->its, g_free);
  py_clear (&l->func);
  l->n = 0;
}

static PyObj *
lazy_next (PyInterp *ip, PyObj *o)
{
  PyLazy *l = (PyLazy *) o;
  if (l->done)
    return NULL;
  switch (l->kind)
    {
    case 0:
      {
        PyObj *v = py_next (ip, l->its[0]);
        if (!v)
          break;
        return py_tuple_pack (2, py_int_new (l->count++), v);
      }
    case 1:
    case 2:
      {
        if (l->n == 0)
          break;
        PyObj **vals = g_newa (PyObj *, l->n);
        for (int i = 0; i < l->n; i++)
          {
            vals[i] = py_next (ip, l->its[i]);
            if (!vals[i])
              {
                for (int j = 0; j < i; j++)
                  py_decref (vals[j]);
                l->done = TRUE;
                return NULL;
              }
          }
        if (l->kind == 1)
          {
            PyObj *t = py_tuple_new (l->n);
            memcpy (PY_TUPLE (t)->items, vals, l->n * sizeof (PyObj *));
            return t;
          }
        PyArgs a = { .pos = vals, .npos = l->n };
        PyObj *r = py_call (ip, l->func, &a);
        for (int i = 0; i < l->n; i++)
          py_decref (vals[i]);
        return r;
      }
    case 3:
      for (;;)
        {
          PyObj *v = py_next (ip, l->its[0]);
          if (!v)
            break;
          int t;
          if (l->func == py_none)
            t = py_truth (ip, v);
          else
            {
              PyObj *r = py_call1 (ip, l->func, v);
              t = r ? py_truth (ip, r) : -1;
              py_decref (r);
            }
          if (t > 0)
            return v;
          py_decref (v);
          if (t < 0 || !py_check_budget (ip))
            return NULL;
        }
      break;
    }
  l->done = TRUE;
  return NULL;
}

static gboolean
lazy_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<%s object at %p>", lazy_names[((PyLazy *) o)->kind], (void *) o);
  return TRUE;
}

static PyType lazy_type = {
  .ob = STATIC_OB, .name = "iterator", .size = sizeof (PyLazy), .dealloc = lazy_dealloc,
  .next = lazy_next, .repr = lazy_repr,
};

static PyObj *
lazy_new (PyInterp *ip, int kind, PyObj **srcs, int n, PyObj *func)
{
  PyLazy *l = (PyLazy *) py_alloc (&lazy_type);
  l->kind = kind;
  l->its = g_new0 (PyObj *, MAX (n, 1));
  l->func = py_incref (func);
  for (int i = 0; i < n; i++)
    {
      l->its[i] = py_iter (ip, srcs[i]);
      l->n = i + 1;
      if (!l->its[i])
        {
          l->n = i;
          py_decref (&l->ob);
          return NULL;
        }
    }
  return &l->ob;
}

static PyObj *
b_enumerate (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "enumerate", (const char *[]) { "iterable", "start", NULL }, 1, args))
    return NULL;
  gint64 start = 0;
  if (args[1] && !py_arg_int (ip, args[1], "start", &start))
    return NULL;
  PyObj *l = lazy_new (ip, 0, args, 1, NULL);
  if (l)
    ((PyLazy *) l)->count = start;
  return l;
}

static PyObj *
b_zip (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->nkw)
    return py_raise (ip, py_exc_TypeError, "zip() takes no keyword arguments");
  return lazy_new (ip, 1, a->pos, a->npos, NULL);
}

static PyObj *
b_map (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->npos < 2)
    return py_raise (ip, py_exc_TypeError, "map() must have at least two arguments.");
  return lazy_new (ip, 2, a->pos + 1, a->npos - 1, a->pos[0]);
}

static PyObj *
b_filter (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  if (!py_parse_args (ip, a, "filter", (const char *[]) { "function", "iterable", NULL }, 2, args))
    return NULL;
  return lazy_new (ip, 3, args + 1, 1, args[0]);
}

static PyObj *
b_reversed (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "reversed", (const char *[]) { "sequence", NULL }, 1, &x))
    return NULL;
  if (py_isinstance (x, &py_dict_type) || PY_IS (x, py_generator_type) || x->type->next)
    return py_raise (ip, py_exc_TypeError, "'%s' object is not reversible", x->type->name);
  PyObj *l = py_list_from_iterable (ip, x);
  if (!l)
    return NULL;
  PyList *L = PY_LIST (l);
  for (gsize i = 0; i < L->n / 2; i++)
    {
      PyObj *t = L->items[i];
      L->items[i] = L->items[L->n - 1 - i];
      L->items[L->n - 1 - i] = t;
    }
  PyObj *it = py_iter_new (l, 1);
  py_decref (l);
  return it;
}

/* ---- print and friends ------------------------------------------------------------------ */

static PyObj *
b_print (PyInterp *ip, PyObj *self, PyArgs *a)
{
  const char *sep = " ", *end = "\n";
  for (int k = 0; k < a->nkw; k++)
    {
      PyObj *v = a->kwv[k];
      if (strcmp (a->kwn[k], "sep") == 0 || strcmp (a->kwn[k], "end") == 0)
        {
          if (v != py_none && !PY_IS (v, py_str_type))
            return py_raise (ip, py_exc_TypeError, "%s must be None or a string, not %s",
                             a->kwn[k], v->type->name);
          if (v != py_none)
            *(a->kwn[k][0] == 's' ? &sep : &end) = PY_STR (v);
        }
      else if (strcmp (a->kwn[k], "flush") == 0)
        continue;
      else if (strcmp (a->kwn[k], "file") == 0)
        return py_raise (ip, py_exc_TypeError, _("print(file=...) is not supported: output goes to the notebook"));
      else
        return py_raise (ip, py_exc_TypeError, "'%s' is an invalid keyword argument for print()",
                         a->kwn[k]);
    }
  GString *g = g_string_new (NULL);
  for (int i = 0; i < a->npos; i++)
    {
      if (i)
        g_string_append (g, sep);
      if (!py_str (ip, a->pos[i], g))
        {
          g_string_free (g, TRUE);
          return NULL;
        }
    }
  g_string_append (g, end);
  py_write (ip, g->str, g->len);
  g_string_free (g, TRUE);
  return py_none;
}

static PyObj *
b_len (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "len", (const char *[]) { "obj", NULL }, 1, &x))
    return NULL;
  gint64 n = py_len (ip, x);
  return n < 0 ? NULL : py_int_new (n);
}

static PyObj *
b_repr (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "repr", (const char *[]) { "obj", NULL }, 1, &x))
    return NULL;
  GString *g = g_string_new (NULL);
  if (!py_repr (ip, x, g))
    {
      g_string_free (g, TRUE);
      return NULL;
    }
  return py_str_take (g);
}

static PyObj *
b_format (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "format", (const char *[]) { "value", "format_spec", NULL }, 1, args))
    return NULL;
  if (args[1] && !PY_IS (args[1], py_str_type))
    return py_raise (ip, py_exc_TypeError, "format() argument 2 must be str, not %s",
                     args[1]->type->name);
  GString *g = g_string_new (NULL);
  if (!py_format (ip, args[0], args[1] ? PY_STR (args[1]) : "", g))
    {
      g_string_free (g, TRUE);
      return NULL;
    }
  return py_str_take (g);
}

static gboolean
class_matches (PyInterp *ip, PyObj *x, PyObj *cls, const char *fname, gboolean *out)
{
  PyObj **items = &cls;
  gsize n = 1;
  if (PY_IS (cls, py_tuple_type))
    py_sequence_items (cls, &items, &n);
  *out = FALSE;
  for (gsize i = 0; i < n; i++)
    {
      if (!PY_IS (items[i], py_type_type))
        {
          py_raise (ip, py_exc_TypeError,
                    "%s() arg 2 must be a type, a tuple of types, or a union", fname);
          return FALSE;
        }
      PyType *t = (PyType *) items[i];
      if (PY_IS (x, py_type_type) && strcmp (fname, "issubclass") == 0
          ? py_is_subtype ((PyType *) x, t) : py_isinstance (x, t))
        *out = TRUE;
    }
  return TRUE;
}

static PyObj *
b_isinstance (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  gboolean r;
  if (!py_parse_args (ip, a, "isinstance", (const char *[]) { "obj", "class_or_tuple", NULL }, 2, args)
      || !class_matches (ip, args[0], args[1], "isinstance", &r))
    return NULL;
  return py_bool (r);
}

static PyObj *
b_issubclass (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  gboolean r;
  if (!py_parse_args (ip, a, "issubclass", (const char *[]) { "cls", "class_or_tuple", NULL }, 2, args))
    return NULL;
  if (!PY_IS (args[0], py_type_type))
    return py_raise (ip, py_exc_TypeError, "issubclass() arg 1 must be a class");
  if (!class_matches (ip, args[0], args[1], "issubclass", &r))
    return NULL;
  return py_bool (r);
}

static PyObj *
b_id (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "id", (const char *[]) { "obj", NULL }, 1, &x))
    return NULL;
  return py_int_new ((gint64) (guintptr) x);
}

static PyObj *
b_hash (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  guint64 h;
  if (!py_parse_args (ip, a, "hash", (const char *[]) { "obj", NULL }, 1, &x) || !py_hash (ip, x, &h))
    return NULL;
  return py_int_new ((gint64) (h >> 1));
}

static PyObj *
b_abs (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "abs", (const char *[]) { "x", NULL }, 1, &x))
    return NULL;
  if (py_is_int (x))
    {
      gint64 v = py_int_value (x);
      if (v == G_MININT64)
        return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
      return py_int_new (v < 0 ? -v : v);
    }
  if (PY_IS (x, py_float_type))
    return py_float_new (fabs (PY_FLOAT (x)));
  PyObj *m = py_getattr_opt (ip, x, "__abs__");
  if (m)
    {
      PyObj *r = py_call0 (ip, m);
      py_decref (m);
      return r;
    }
  if (py_err_occurred (ip))
    return NULL;
  return py_raise (ip, py_exc_TypeError, "bad operand type for abs(): '%s'", x->type->name);
}

static PyObj *
b_round (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "round", (const char *[]) { "number", "ndigits", NULL }, 1, args))
    return NULL;
  PyObj *x = args[0], *nd = args[1] == py_none ? NULL : args[1];
  if (!py_is_number (x))
    {
      PyObj *m = py_getattr_opt (ip, x, "__round__");
      if (m)
        {
          PyObj *r = nd ? py_call1 (ip, m, nd) : py_call0 (ip, m);
          py_decref (m);
          return r;
        }
      if (py_err_occurred (ip))
        return NULL;
      return py_raise (ip, py_exc_TypeError, "type %s doesn't define __round__ method",
                       x->type->name);
    }
  gint64 n = 0;
  if (nd && !py_arg_int (ip, nd, "ndigits", &n))
    return NULL;
  if (py_is_int (x))
    {
      gint64 v = py_int_value (x);
      if (!nd || n >= 0)
        return py_int_new (v);
      gint64 p = 1;
      for (gint64 i = 0; i < -n && p < G_MAXINT64 / 10; i++)
        p *= 10;
      if (-n > 18)
        return py_int_new (0);
      gint64 q = v / p, r = v % p;
      if (r < 0)
        {
          r += p;
          q--;
        }
      if (2 * r > p || (2 * r == p && (q & 1)))
        q++;
      return py_int_new (q * p);
    }
  double v = PY_FLOAT (x);
  if (!nd)
    {
      if (isnan (v))
        return py_raise (ip, py_exc_ValueError, "cannot convert float NaN to integer");
      if (isinf (v))
        return py_raise (ip, py_exc_OverflowError, "cannot convert float infinity to integer");
      double r = nearbyint (v);
      if (fabs (r) >= 9.2e18)
        return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
      return py_int_new ((gint64) r);
    }
  if (isnan (v) || isinf (v) || n > 300)
    return py_float_new (v);
  if (n < -308)
    return py_float_new (0.0 * v);
  if (n >= 0)
    {
      char buf[512];
      snprintf (buf, sizeof buf, "%.*f", (int) n, v);
      return py_float_new (g_ascii_strtod (buf, NULL));
    }
  double p = pow (10.0, (double) -n);
  double y = nearbyint (v / p) * p;
  return py_float_new (y);
}

typedef struct {
  PyInterp *ip;
  PyObj **keys;
  gboolean failed;
} SortCtx;

static int
less (SortCtx *c, PyObj *a, PyObj *b)
{
  if (c->failed)
    return 0;
  PyObj *r = py_compare (c->ip, PY_CMP_LT, a, b);
  if (!r)
    {
      c->failed = TRUE;
      return 0;
    }
  int t = py_truth (c->ip, r);
  py_decref (r);
  if (t < 0)
    c->failed = TRUE;
  return t > 0;
}

/* stable merge sort of idx[] by keys */
static void
merge_sort (SortCtx *c, gsize *idx, gsize *tmp, gsize n)
{
  if (n < 2 || c->failed)
    return;
  gsize h = n / 2;
  merge_sort (c, idx, tmp, h);
  merge_sort (c, idx + h, tmp, n - h);
  gsize i = 0, j = h, k = 0;
  while (i < h && j < n)
    tmp[k++] = less (c, c->keys[idx[j]], c->keys[idx[i]]) ? idx[j++] : idx[i++];
  while (i < h)
    tmp[k++] = idx[i++];
  while (j < n)
    tmp[k++] = idx[j++];
  memcpy (idx, tmp, n * sizeof (gsize));
}

gboolean
py_sort_list (PyInterp *ip, PyObj *list, PyObj *key, gboolean reverse)
{
  PyList *L = PY_LIST (list);
  gsize n = L->n;
  PyObj **keys = g_new0 (PyObj *, n + 1);
  gboolean ok = TRUE;
  for (gsize i = 0; i < n; i++)
    {
      keys[i] = key ? py_call1 (ip, key, L->items[i]) : py_incref (L->items[i]);
      if (!keys[i])
        {
          ok = FALSE;
          break;
        }
    }
  if (ok)
    {
      gsize *idx = g_new (gsize, n + 1), *tmp = g_new (gsize, n + 1);
      for (gsize i = 0; i < n; i++)
        idx[i] = reverse ? n - 1 - i : i;
      SortCtx c = { ip, keys, FALSE };
      merge_sort (&c, idx, tmp, n);
      if (c.failed)
        ok = FALSE;
      else
        {
          PyObj **items = g_new (PyObj *, n + 1);
          for (gsize i = 0; i < n; i++)
            items[i] = L->items[idx[reverse ? n - 1 - i : i]];
          if (n)
            memcpy (L->items, items, n * sizeof (PyObj *));
          g_free (items);
        }
      g_free (idx);
      g_free (tmp);
    }
  for (gsize i = 0; i < n; i++)
    py_decref (keys[i]);
  g_free (keys);
  return ok;
}

static PyObj *
b_sorted (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->npos != 1)
    return py_raise (ip, py_exc_TypeError, "sorted expected 1 argument, got %d", a->npos);
  PyObj *args[3] = { NULL, NULL, NULL };
  PyArgs b = *a;
  if (!py_parse_args (ip, &b, "sorted", (const char *[]) { "iterable", "key", "reverse", NULL }, 1, args))
    return NULL;
  PyObj *l = py_list_from_iterable (ip, args[0]);
  if (!l)
    return NULL;
  int rev = args[2] ? py_truth (ip, args[2]) : 0;
  if (rev < 0 || !py_sort_list (ip, l, args[1] == py_none ? NULL : args[1], rev))
    {
      py_decref (l);
      return NULL;
    }
  return l;
}

static PyObj *
min_max (PyInterp *ip, PyArgs *a, gboolean is_max)
{
  const char *name = is_max ? "max" : "min";
  PyObj *key = NULL, *dflt = NULL;
  for (int k = 0; k < a->nkw; k++)
    if (strcmp (a->kwn[k], "key") == 0)
      key = a->kwv[k] == py_none ? NULL : a->kwv[k];
    else if (strcmp (a->kwn[k], "default") == 0)
      dflt = a->kwv[k];
    else
      return py_raise (ip, py_exc_TypeError, "%s() got an unexpected keyword argument '%s'", name,
                       a->kwn[k]);
  if (a->npos == 0)
    return py_raise (ip, py_exc_TypeError, "%s expected at least 1 argument, got 0", name);
  PyObj *l;
  if (a->npos == 1)
    {
      l = py_list_from_iterable (ip, a->pos[0]);
      if (!l)
        return NULL;
    }
  else
    {
      if (dflt)
        return py_raise (ip, py_exc_TypeError,
                         "Cannot specify a default for %s() with multiple positional arguments", name);
      l = py_list_new (a->npos);
      for (int i = 0; i < a->npos; i++)
        PY_LIST (l)->items[i] = py_incref (a->pos[i]);
    }
  PyList *L = PY_LIST (l);
  if (L->n == 0)
    {
      py_decref (l);
      if (dflt)
        return py_incref (dflt);
      return py_raise (ip, py_exc_ValueError, "%s() arg is an empty sequence", name);
    }
  PyObj *best = NULL, *bestk = NULL;
  for (gsize i = 0; i < L->n; i++)
    {
      PyObj *k = key ? py_call1 (ip, key, L->items[i]) : py_incref (L->items[i]);
      if (!k)
        goto fail;
      if (!best)
        {
          best = L->items[i];
          bestk = k;
          continue;
        }
      PyObj *r = py_compare (ip, is_max ? PY_CMP_GT : PY_CMP_LT, k, bestk);
      int t = r ? py_truth (ip, r) : -1;
      py_decref (r);
      if (t < 0)
        {
          py_decref (k);
          goto fail;
        }
      if (t)
        {
          py_decref (bestk);
          best = L->items[i];
          bestk = k;
        }
      else
        py_decref (k);
    }
  py_incref (best);
  py_decref (bestk);
  py_decref (l);
  return best;
fail:
  py_decref (bestk);
  py_decref (l);
  return NULL;
}

static PyObj *b_min (PyInterp *ip, PyObj *s, PyArgs *a) { return min_max (ip, a, FALSE); }
static PyObj *b_max (PyInterp *ip, PyObj *s, PyArgs *a) { return min_max (ip, a, TRUE); }

static PyObj *
b_sum (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "sum", (const char *[]) { "iterable", "start", NULL }, 1, args))
    return NULL;
  if (args[1] && PY_IS (args[1], py_str_type))
    return py_raise (ip, py_exc_TypeError, "sum() can't sum strings [use ''.join(seq) instead]");
  PyObj *it = py_iter (ip, args[0]);
  if (!it)
    return NULL;
  PyObj *acc = py_incref (args[1] ? args[1] : py_int_new (0)), *v;
  while ((v = py_next (ip, it)))
    {
      PyObj *r = py_binop (ip, PY_OP_ADD, acc, v);
      py_decref (v);
      py_decref (acc);
      acc = r;
      if (!acc || !py_check_budget (ip))
        break;
    }
  py_decref (it);
  if (py_err_occurred (ip))
    {
      py_decref (acc);
      return NULL;
    }
  return acc;
}

static PyObj *
any_all (PyInterp *ip, PyArgs *a, gboolean is_all)
{
  PyObj *x;
  if (!py_parse_args (ip, a, is_all ? "all" : "any", (const char *[]) { "iterable", NULL }, 1, &x))
    return NULL;
  PyObj *it = py_iter (ip, x);
  if (!it)
    return NULL;
  PyObj *v, *result = py_bool (is_all);
  while ((v = py_next (ip, it)))
    {
      int t = py_truth (ip, v);
      py_decref (v);
      if (t < 0)
        break;
      if (t != is_all)
        {
          result = py_bool (!is_all);
          break;
        }
    }
  py_decref (it);
  return py_err_occurred (ip) ? NULL : result;
}

static PyObj *b_any (PyInterp *ip, PyObj *s, PyArgs *a) { return any_all (ip, a, FALSE); }
static PyObj *b_all (PyInterp *ip, PyObj *s, PyArgs *a) { return any_all (ip, a, TRUE); }

static PyObj *
b_getattr (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "getattr", (const char *[]) { "object", "name", "default", NULL }, 2, args))
    return NULL;
  if (!PY_IS (args[1], py_str_type))
    return py_raise (ip, py_exc_TypeError, "attribute name must be string, not '%s'",
                     args[1]->type->name);
  PyObj *v = py_getattr (ip, args[0], PY_STR (args[1]));
  if (!v && args[2] && py_err_matches (ip, py_exc_AttributeError))
    {
      py_err_clear (ip);
      return py_incref (args[2]);
    }
  return v;
}

static PyObj *
b_hasattr (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  if (!py_parse_args (ip, a, "hasattr", (const char *[]) { "obj", "name", NULL }, 2, args))
    return NULL;
  if (!PY_IS (args[1], py_str_type))
    return py_raise (ip, py_exc_TypeError, "attribute name must be string, not '%s'",
                     args[1]->type->name);
  PyObj *v = py_getattr (ip, args[0], PY_STR (args[1]));
  if (!v)
    {
      if (!py_err_matches (ip, py_exc_AttributeError))
        return NULL;
      py_err_clear (ip);
      return py_false;
    }
  py_decref (v);
  return py_true;
}

static PyObj *
b_setattr (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3];
  if (!py_parse_args (ip, a, "setattr", (const char *[]) { "obj", "name", "value", NULL }, 3, args))
    return NULL;
  if (!PY_IS (args[1], py_str_type))
    return py_raise (ip, py_exc_TypeError, "attribute name must be string, not '%s'",
                     args[1]->type->name);
  return py_setattr (ip, args[0], PY_STR (args[1]), args[2]) ? py_none : NULL;
}

static PyObj *
b_iter (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "iter", (const char *[]) { "object", NULL }, 1, &x))
    return NULL;
  return py_iter (ip, x);
}

static PyObj *
b_next (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "next", (const char *[]) { "iterator", "default", NULL }, 1, args))
    return NULL;
  gboolean is_iter = FALSE;
  for (PyType *t = args[0]->type; t; t = t->base)
    is_iter |= t->next != NULL;
  if (!is_iter && !py_type_lookup (args[0]->type, "__next__"))
    return py_raise (ip, py_exc_TypeError, "'%s' object is not an iterator", args[0]->type->name);
  PyObj *v = py_next (ip, args[0]);
  if (v || py_err_occurred (ip))
    return v;
  if (args[1])
    return py_incref (args[1]);
  return py_raise_obj (ip, py_exception_new (py_exc_StopIteration, py_tuple_new (0)));
}

static PyObj *
b_divmod (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  if (!py_parse_args (ip, a, "divmod", (const char *[]) { "x", "y", NULL }, 2, args))
    return NULL;
  PyObj *q = py_binop (ip, PY_OP_FLOORDIV, args[0], args[1]);
  if (!q)
    return NULL;
  PyObj *r = py_binop (ip, PY_OP_MOD, args[0], args[1]);
  if (!r)
    {
      py_decref (q);
      return NULL;
    }
  return py_tuple_pack (2, q, r);
}

static PyObj *
b_pow (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "pow", (const char *[]) { "base", "exp", "mod", NULL }, 2, args))
    return NULL;
  if (args[2] && args[2] != py_none)
    {
      gint64 b, e, m;
      if (!py_arg_int (ip, args[0], "base", &b) || !py_arg_int (ip, args[1], "exp", &e)
          || !py_arg_int (ip, args[2], "mod", &m))
        return NULL;
      if (m == 0)
        return py_raise (ip, py_exc_ValueError, "pow() 3rd argument cannot be 0");
      if (e < 0)
        return py_raise (ip, py_exc_ValueError, _("pow() negative exponent with a modulus is not supported"));
      __int128 r = 1, base = ((b % m) + m) % m;
      while (e > 0)
        {
          if (e & 1)
            r = r * base % m;
          base = base * base % m;
          e >>= 1;
        }
      gint64 res = (gint64) r;
      if (m < 0 && res > 0)
        res += m;
      return py_int_new (res);
    }
  return py_binop (ip, PY_OP_POW, args[0], args[1]);
}

static PyObj *
int_base_text (PyInterp *ip, PyArgs *a, const char *name, int base, const char *prefix)
{
  PyObj *x;
  if (!py_parse_args (ip, a, name, (const char *[]) { "number", NULL }, 1, &x))
    return NULL;
  if (!py_is_int (x))
    return py_raise (ip, py_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                     x->type->name);
  gint64 v = py_int_value (x);
  guint64 u = v < 0 ? -(guint64) v : (guint64) v;
  char buf[80];
  int n = 0;
  do
    {
      buf[n++] = "0123456789abcdef"[u % base];
      u /= base;
    }
  while (u);
  GString *g = g_string_new (v < 0 ? "-" : "");
  g_string_append (g, prefix);
  while (n)
    g_string_append_c (g, buf[--n]);
  return py_str_take (g);
}

static PyObj *b_hex (PyInterp *ip, PyObj *s, PyArgs *a) { return int_base_text (ip, a, "hex", 16, "0x"); }
static PyObj *b_oct (PyInterp *ip, PyObj *s, PyArgs *a) { return int_base_text (ip, a, "oct", 8, "0o"); }
static PyObj *b_bin (PyInterp *ip, PyObj *s, PyArgs *a) { return int_base_text (ip, a, "bin", 2, "0b"); }

static PyObj *
b_chr (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  gint64 v;
  if (!py_parse_args (ip, a, "chr", (const char *[]) { "i", NULL }, 1, &x) || !py_arg_int (ip, x, "i", &v))
    return NULL;
  if (v < 0 || v > 0x10FFFF)
    return py_raise (ip, py_exc_ValueError, "chr() arg not in range(0x110000)");
  char buf[8];
  int n = g_unichar_to_utf8 ((gunichar) v, buf);
  return py_str_new (buf, n);
}

static PyObj *
b_ord (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "ord", (const char *[]) { "c", NULL }, 1, &x))
    return NULL;
  if (!PY_IS (x, py_str_type))
    return py_raise (ip, py_exc_TypeError, "ord() expected string of length 1, but %s found",
                     x->type->name);
  if (((PyStr *) x)->nchars != 1)
    return py_raise (ip, py_exc_TypeError, "ord() expected a character, but string of length %zu found",
                     ((PyStr *) x)->nchars);
  return py_int_new (g_utf8_get_char (PY_STR (x)));
}

static PyObj *
b_callable (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "callable", (const char *[]) { "obj", NULL }, 1, &x))
    return NULL;
  for (PyType *t = x->type; t; t = t->base)
    if (t->call)
      return py_true;
  return py_bool (py_type_lookup (x->type, "__call__") != NULL);
}

/* the doors to the outside world are closed, and say so */
static PyObj *
b_forbidden (PyInterp *ip, PyObj *self, PyArgs *a)
{
  return py_raise (ip, py_exc_PermissionError,
                   _("%s() is not available: code in ParamScope cannot reach files, the network, "
                   "other processes or the interpreter itself"), PY_STR (self));
}

/* ---- int, float, bool constructors ---------------------------------------------------------- */

static PyObj *
int_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "int", (const char *[]) { "x", "base", NULL }, 0, args))
    return NULL;
  PyObj *x = args[0];
  if (!x)
    return py_int_new (0);
  gint64 base = 10;
  if (args[1] && !py_arg_int (ip, args[1], "base", &base))
    return NULL;
  if (args[1] && !PY_IS (x, py_str_type))
    return py_raise (ip, py_exc_TypeError, "int() can't convert non-string with explicit base");
  if (py_is_int (x))
    return py_int_new (py_int_value (x));
  if (PY_IS (x, py_float_type))
    {
      double v = PY_FLOAT (x);
      if (isnan (v))
        return py_raise (ip, py_exc_ValueError, "cannot convert float NaN to integer");
      if (isinf (v))
        return py_raise (ip, py_exc_OverflowError, "cannot convert float infinity to integer");
      if (fabs (v) >= 9.2233720368547758e18)
        return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
      return py_int_new ((gint64) v);
    }
  if (PY_IS (x, py_str_type))
    {
      char *s = g_strstrip (g_strdup (PY_STR (x)));
      char *clean = g_new (char, strlen (s) + 1);
      int k = 0;
      for (char *p = s; *p; p++)
        if (*p != '_' || (p > s && g_ascii_isalnum (p[-1]) && g_ascii_isalnum (p[1])))
          clean[k++] = *p;
      clean[k] = 0;
      char *end = NULL;
      gint64 v = 0;
      gboolean ok = k > 0 && base >= 0 && base <= 36 && base != 1;
      if (ok)
        {
          errno = 0;
          v = g_ascii_strtoll (clean, &end, (guint) base);
          ok = end && *end == 0 && end != clean && errno == 0;
          if (errno == ERANGE)
            {
              g_free (s);
              g_free (clean);
              return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
            }
        }
      g_free (clean);
      if (!ok)
        {
          GString *r = g_string_new (NULL);
          py_str_repr_to (PY_STR (x), PY_STRLEN (x), r);
          py_raise (ip, py_exc_ValueError, "invalid literal for int() with base %d: %s", (int) base,
                    r->str);
          g_string_free (r, TRUE);
          g_free (s);
          return NULL;
        }
      g_free (s);
      return py_int_new (v);
    }
  PyObj *m = py_getattr_opt (ip, x, "__int__");
  if (m)
    {
      PyObj *r = py_call0 (ip, m);
      py_decref (m);
      return r;
    }
  if (py_err_occurred (ip))
    return NULL;
  return py_raise (ip, py_exc_TypeError,
                   "int() argument must be a string, a bytes-like object or a real number, not '%s'",
                   x->type->name);
}

static PyObj *
float_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "float", (const char *[]) { "x", NULL }, 0, &x))
    return NULL;
  if (!x)
    return py_float_new (0.0);
  if (py_is_number (x))
    return py_float_new (py_number_value (x));
  if (PY_IS (x, py_str_type))
    {
      char *s = g_strstrip (g_strdup (PY_STR (x)));
      char *low = g_ascii_strdown (s, -1);
      const char *p = low;
      double sign = 1;
      if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
      double v = 0;
      gboolean ok = TRUE;
      if (strcmp (p, "inf") == 0 || strcmp (p, "infinity") == 0)
        v = sign * INFINITY;
      else if (strcmp (p, "nan") == 0)
        v = NAN;
      else
        {
          char *end;
          v = g_ascii_strtod (s, &end);
          ok = *s && *end == 0 && !strpbrk (s, "xXpP") && !strstr (low, "inf") && !strstr (low, "nan");
        }
      g_free (low);
      g_free (s);
      if (!ok)
        {
          GString *r = g_string_new (NULL);
          py_str_repr_to (PY_STR (x), PY_STRLEN (x), r);
          py_raise (ip, py_exc_ValueError, "could not convert string to float: %s", r->str);
          g_string_free (r, TRUE);
          return NULL;
        }
      return py_float_new (v);
    }
  PyObj *m = py_getattr_opt (ip, x, "__float__");
  if (m)
    {
      PyObj *r = py_call0 (ip, m);
      py_decref (m);
      return r;
    }
  if (py_err_occurred (ip))
    return NULL;
  return py_raise (ip, py_exc_TypeError, "float() argument must be a string or a real number, not '%s'",
                   x->type->name);
}

static PyObj *
bool_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "bool", (const char *[]) { "x", NULL }, 0, &x))
    return NULL;
  if (!x)
    return py_false;
  int v = py_truth (ip, x);
  return v < 0 ? NULL : py_bool (v);
}

/* ---- math ------------------------------------------------------------------------------------ */

static gboolean
math_arg (PyInterp *ip, PyArgs *a, const char *name, int n, double *out)
{
  if (a->nkw || a->npos != n)
    {
      if (n == 1)
        py_raise (ip, py_exc_TypeError, "math.%s() takes exactly one argument (%d given)", name, a->npos);
      else
        py_raise (ip, py_exc_TypeError, "%s expected %d arguments, got %d", name, n, a->npos);
      return FALSE;
    }
  for (int i = 0; i < n; i++)
    {
      PyObj *x = a->pos[i];
      if (!py_is_number (x))
        {
          PyObj *m = py_getattr_opt (ip, x, "__float__");
          if (m)
            {
              PyObj *r = py_call0 (ip, m);
              py_decref (m);
              if (!r)
                return FALSE;
              out[i] = py_number_value (r);
              py_decref (r);
              continue;
            }
          if (!py_err_occurred (ip))
            py_raise (ip, py_exc_TypeError, "must be real number, not %s", x->type->name);
          return FALSE;
        }
      out[i] = py_number_value (x);
    }
  return TRUE;
}

static PyObj *
domain_error (PyInterp *ip)
{
  return py_raise (ip, py_exc_ValueError, "math domain error");
}

#define MATH1(NAME, EXPR, DOMAIN)                                       \
  static PyObj *m_##NAME (PyInterp *ip, PyObj *s, PyArgs *a)           \
  {                                                                     \
    double x;                                                           \
    if (!math_arg (ip, a, #NAME, 1, &x))                                \
      return NULL;                                                      \
    if (DOMAIN)                                                         \
      return domain_error (ip);                                         \
    return py_float_new (EXPR);                                         \
  }

MATH1 (sqrt, sqrt (x), x < 0)
MATH1 (exp, exp (x), 0)
MATH1 (log2, log2 (x), x <= 0)
MATH1 (log10, log10 (x), x <= 0)
MATH1 (sin, sin (x), isinf (x))
MATH1 (cos, cos (x), isinf (x))
MATH1 (tan, tan (x), isinf (x))
MATH1 (asin, asin (x), x < -1 || x > 1)
MATH1 (acos, acos (x), x < -1 || x > 1)
MATH1 (atan, atan (x), 0)
MATH1 (sinh, sinh (x), 0)
MATH1 (cosh, cosh (x), 0)
MATH1 (tanh, tanh (x), 0)
MATH1 (fabs, fabs (x), 0)
MATH1 (erf, erf (x), 0)
MATH1 (erfc, erfc (x), 0)
MATH1 (degrees, x * 180.0 / G_PI, 0)
MATH1 (radians, x * G_PI / 180.0, 0)
MATH1 (expm1, expm1 (x), 0)
MATH1 (log1p, log1p (x), x <= -1)

static PyObj *
m_log (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x[2];
  if (a->npos == 2)
    {
      if (!math_arg (ip, a, "log", 2, x))
        return NULL;
      if (x[0] <= 0 || x[1] <= 0)
        return domain_error (ip);
      if (x[1] == 1)
        return py_raise (ip, py_exc_ZeroDivisionError, "float division by zero");
      return py_float_new (log (x[0]) / log (x[1]));
    }
  if (!math_arg (ip, a, "log", 1, x))
    return NULL;
  if (x[0] <= 0)
    return domain_error (ip);
  return py_float_new (log (x[0]));
}

static PyObj *
m_pow (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x[2];
  if (!math_arg (ip, a, "pow", 2, x))
    return NULL;
  if ((x[0] < 0 && x[1] != floor (x[1])) || (x[0] == 0 && x[1] < 0))
    return domain_error (ip);
  return py_float_new (pow (x[0], x[1]));
}

static PyObj *
m_atan2 (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x[2];
  return math_arg (ip, a, "atan2", 2, x) ? py_float_new (atan2 (x[0], x[1])) : NULL;
}

static PyObj *
m_hypot (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double acc = 0;
  for (int i = 0; i < a->npos; i++)
    {
      if (!py_is_number (a->pos[i]))
        return py_raise (ip, py_exc_TypeError, "must be real number, not %s", a->pos[i]->type->name);
      double v = py_number_value (a->pos[i]);
      acc = hypot (acc, v);
    }
  return py_float_new (acc);
}

static PyObj *
round_to_int (PyInterp *ip, PyArgs *a, const char *name, double (*fn) (double))
{
  if (a->npos == 1 && py_is_int (a->pos[0]))
    return py_int_new (py_int_value (a->pos[0]));
  double x;
  if (!math_arg (ip, a, name, 1, &x))
    return NULL;
  if (isnan (x))
    return py_raise (ip, py_exc_ValueError, "cannot convert float NaN to integer");
  if (isinf (x))
    return py_raise (ip, py_exc_OverflowError, "cannot convert float infinity to integer");
  double r = fn (x);
  if (fabs (r) >= 9.2e18)
    return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
  return py_int_new ((gint64) r);
}

static PyObj *m_floor (PyInterp *ip, PyObj *s, PyArgs *a) { return round_to_int (ip, a, "floor", floor); }
static PyObj *m_ceil (PyInterp *ip, PyObj *s, PyArgs *a) { return round_to_int (ip, a, "ceil", ceil); }
static PyObj *m_trunc (PyInterp *ip, PyObj *s, PyArgs *a) { return round_to_int (ip, a, "trunc", trunc); }

static PyObj *
m_isnan (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x;
  return math_arg (ip, a, "isnan", 1, &x) ? py_bool (isnan (x)) : NULL;
}

static PyObj *
m_isinf (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x;
  return math_arg (ip, a, "isinf", 1, &x) ? py_bool (isinf (x)) : NULL;
}

static PyObj *
m_isfinite (PyInterp *ip, PyObj *s, PyArgs *a)
{
  double x;
  return math_arg (ip, a, "isfinite", 1, &x) ? py_bool (isfinite (x)) : NULL;
}

static PyObj *
m_isclose (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[4] = { NULL, NULL, NULL, NULL };
  if (a->npos > 2)
    return py_raise (ip, py_exc_TypeError, "isclose() takes exactly 2 positional arguments (%d given)", a->npos);
  if (!py_parse_args (ip, a, "isclose", (const char *[]) { "a", "b", "rel_tol", "abs_tol", NULL }, 2, args))
    return NULL;
  double x, y, rel = 1e-9, abs_ = 0;
  if (!py_arg_float (ip, args[0], "a", &x) || !py_arg_float (ip, args[1], "b", &y)
      || (args[2] && !py_arg_float (ip, args[2], "rel_tol", &rel))
      || (args[3] && !py_arg_float (ip, args[3], "abs_tol", &abs_)))
    return NULL;
  if (rel < 0 || abs_ < 0)
    return py_raise (ip, py_exc_ValueError, "tolerances must be non-negative");
  if (x == y)
    return py_true;
  if (isinf (x) || isinf (y))
    return py_false;
  double d = fabs (x - y);
  return py_bool (d <= fabs (rel * y) || d <= fabs (rel * x) || d <= abs_);
}

static PyObj *
m_factorial (PyInterp *ip, PyObj *s, PyArgs *a)
{
  gint64 n;
  if (a->npos != 1 || !py_arg_int (ip, a->pos[0], "n", &n))
    return py_err_occurred (ip) ? NULL
      : py_raise (ip, py_exc_TypeError, "math.factorial() takes exactly one argument (%d given)", a->npos);
  if (n < 0)
    return py_raise (ip, py_exc_ValueError, "factorial() not defined for negative values");
  gint64 r = 1;
  for (gint64 i = 2; i <= n; i++)
    if (__builtin_mul_overflow (r, i, &r))
      return py_raise (ip, py_exc_OverflowError, _("integer overflow: ParamScope's int is 64-bit"));
  return py_int_new (r);
}

static PyObj *
m_gcd (PyInterp *ip, PyObj *s, PyArgs *a)
{
  gint64 g = 0;
  for (int i = 0; i < a->npos; i++)
    {
      gint64 v;
      if (!py_arg_int (ip, a->pos[i], "x", &v))
        return NULL;
      v = v < 0 ? -v : v;
      while (v)
        {
          gint64 t = g % v;
          g = v;
          v = t;
        }
    }
  return py_int_new (g);
}

static PyObj *
m_prod (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "prod", (const char *[]) { "iterable", "start", NULL }, 1, args))
    return NULL;
  PyObj *l = py_list_from_iterable (ip, args[0]);
  if (!l)
    return NULL;
  PyObj *acc = py_incref (args[1] ? args[1] : py_int_new (1));
  for (gsize i = 0; acc && i < PY_LIST (l)->n; i++)
    {
      PyObj *r = py_binop (ip, PY_OP_MUL, acc, PY_LIST (l)->items[i]);
      py_decref (acc);
      acc = r;
    }
  py_decref (l);
  return acc;
}

static PyObj *
m_fsum (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "fsum", (const char *[]) { "seq", NULL }, 1, &x))
    return NULL;
  PyObj *l = py_list_from_iterable (ip, x);
  if (!l)
    return NULL;
  /* Neumaier summation; exact enough for the classroom */
  double sum = 0, c = 0;
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      double v;
      if (!py_arg_float (ip, PY_LIST (l)->items[i], "x", &v))
        {
          py_decref (l);
          return NULL;
        }
      double t = sum + v;
      c += fabs (sum) >= fabs (v) ? (sum - t) + v : (v - t) + sum;
      sum = t;
    }
  py_decref (l);
  return py_float_new (sum + c);
}

static const PyMethodDef math_funcs[] = {
  { "sqrt", m_sqrt }, { "exp", m_exp }, { "log", m_log }, { "log2", m_log2 }, { "log10", m_log10 },
  { "sin", m_sin }, { "cos", m_cos }, { "tan", m_tan }, { "asin", m_asin }, { "acos", m_acos },
  { "atan", m_atan }, { "atan2", m_atan2 }, { "sinh", m_sinh }, { "cosh", m_cosh },
  { "tanh", m_tanh }, { "fabs", m_fabs }, { "erf", m_erf }, { "erfc", m_erfc },
  { "degrees", m_degrees }, { "radians", m_radians }, { "expm1", m_expm1 }, { "log1p", m_log1p },
  { "pow", m_pow }, { "hypot", m_hypot }, { "floor", m_floor }, { "ceil", m_ceil },
  { "trunc", m_trunc }, { "isnan", m_isnan }, { "isinf", m_isinf }, { "isfinite", m_isfinite },
  { "isclose", m_isclose }, { "factorial", m_factorial }, { "gcd", m_gcd }, { "prod", m_prod },
  { "fsum", m_fsum },
  { NULL }
};

static PyObj *
build_math (PyInterp *ip)
{
  PyObj *m = py_module_new ("math");
  for (const PyMethodDef *d = math_funcs; d->name; d++)
    py_module_add (m, d->name, py_native_new (d->name, d->fn, NULL));
  py_module_add (m, "pi", py_float_new (G_PI));
  py_module_add (m, "e", py_float_new (G_E));
  py_module_add (m, "tau", py_float_new (2 * G_PI));
  py_module_add (m, "inf", py_float_new (INFINITY));
  py_module_add (m, "nan", py_float_new (NAN));
  return m;
}

static PyObj *
build_collections (PyInterp *ip)
{
  PyObj *m = py_module_new ("collections");
  py_module_add (m, "OrderedDict", &py_odict_type.ob);
  return m;
}

/* ---- import ------------------------------------------------------------------------------------ */

typedef PyObj *(*ModuleBuilder) (PyInterp *ip);

static GHashTable *module_builders;   /* name → ModuleBuilder; set up once */
static GMutex builders_lock;

void
py_register_module (const char *name, PyObj *(*build) (PyInterp *ip))
{
  g_mutex_lock (&builders_lock);
  if (!module_builders)
    module_builders = g_hash_table_new (g_str_hash, g_str_equal);
  g_hash_table_insert (module_builders, (gpointer) g_intern_string (name), build);
  g_mutex_unlock (&builders_lock);
}

static int
compare_names (const void *a, const void *b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

/* "collections, keras, …, torch.nn.init and torch.optim": the registered
 * modules, sorted (the ImportError's list is the table's, never a copy) */
static char *
supported_modules (void)
{
  g_mutex_lock (&builders_lock);
  g_autofree gpointer *names = module_builders
    ? g_hash_table_get_keys_as_array (module_builders, NULL) : g_new0 (gpointer, 1);
  g_mutex_unlock (&builders_lock);
  guint n = g_strv_length ((char **) names);
  qsort (names, n, sizeof (gpointer), compare_names);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n; i++)
    g_string_append_printf (s, "%s%s", i == 0 ? "" : i + 1 == n ? " and " : ", ",
                            (const char *) names[i]);
  return g_string_free (s, FALSE);
}

PyObj *
py_import_module (PyInterp *ip, const char *name)
{
  PyObj *m = g_hash_table_lookup (ip->modules, name);
  if (m)
    return py_incref (m);
  g_mutex_lock (&builders_lock);
  ModuleBuilder b = module_builders ? g_hash_table_lookup (module_builders, name) : NULL;
  g_mutex_unlock (&builders_lock);
  if (!b)
    {
      static const char *const torch_family[] = { "torch", "torch.nn", "torch.nn.functional",
        "torch.nn.init", "torch.optim", NULL };
      gboolean is_torch = FALSE;
      for (int i = 0; torch_family[i]; i++)
        is_torch |= strcmp (name, torch_family[i]) == 0;
      if (is_torch)
        return py_raise (ip, py_exc_ImportError,
                         _("'%s' is not available in this build of ParamScope's Python"), name);
      g_autofree char *known = supported_modules ();
      return py_raise (ip, py_exc_ImportError,
                       _("import of '%s' is not allowed: ParamScope's Python imports only %s"),
                       name, known);
    }
  m = b (ip);
  if (!m)
    return NULL;
  g_hash_table_insert (ip->modules, g_strdup (name), py_incref (m));
  return m;
}

/* ---- the table --------------------------------------------------------------------------------- */

PyType *py_exc_PermissionError;

static const PyMethodDef builtin_funcs[] = {
  { "print", b_print }, { "len", b_len }, { "repr", b_repr }, { "format", b_format },
  { "isinstance", b_isinstance }, { "issubclass", b_issubclass }, { "id", b_id },
  { "hash", b_hash }, { "abs", b_abs }, { "round", b_round }, { "sorted", b_sorted },
  { "min", b_min }, { "max", b_max }, { "sum", b_sum }, { "any", b_any }, { "all", b_all },
  { "getattr", b_getattr }, { "hasattr", b_hasattr }, { "setattr", b_setattr },
  { "iter", b_iter }, { "next", b_next }, { "divmod", b_divmod }, { "pow", b_pow },
  { "hex", b_hex }, { "oct", b_oct }, { "bin", b_bin }, { "chr", b_chr }, { "ord", b_ord },
  { "callable", b_callable }, { "enumerate", b_enumerate }, { "zip", b_zip }, { "map", b_map },
  { "filter", b_filter }, { "reversed", b_reversed },
  { "open", b_forbidden }, { "exec", b_forbidden }, { "eval", b_forbidden },
  { "compile", b_forbidden }, { "__import__", b_forbidden }, { "input", b_forbidden },
  { "globals", b_forbidden }, { "locals", b_forbidden }, { "vars", b_forbidden },
  { "breakpoint", b_forbidden }, { "exit", b_forbidden }, { "quit", b_forbidden },
  { NULL }
};

void
py_builtins_init (PyInterp *ip, GHashTable *builtins)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      py_exceptions_init ();
      py_int_type.new_ = int_new;
      py_float_type.new_ = float_new;
      py_bool_type.new_ = bool_new;
      py_exc_PermissionError = g_new0 (PyType, 1);
      *py_exc_PermissionError = *py_exc_RuntimeError;
      py_exc_PermissionError->name = "PermissionError";
      py_exc_PermissionError->base = py_exc_Exception;
      py_register_module ("math", build_math);
      py_register_module ("collections", build_collections);
      py_torch_register ();
      g_once_init_leave (&once, 1);
    }
  for (const PyMethodDef *d = builtin_funcs; d->name; d++)
    {
      /* the closed doors know their name (their self) */
      PyObj *self = d->fn == b_forbidden ? py_str_new (d->name, -1) : NULL;
      g_hash_table_insert (builtins, g_strdup (d->name), py_native_new (d->name, d->fn, self));
      py_decref (self);
    }
  PyType *types[] = { &py_int_type, &py_float_type, &py_bool_type, &py_str_type, &py_list_type,
                      &py_tuple_type, &py_dict_type, &py_range_type, &py_type_type,
                      &py_object_type, &py_super_type, &py_slice_type };
  for (guint i = 0; i < G_N_ELEMENTS (types); i++)
    g_hash_table_insert (builtins, g_strdup (types[i]->name), &types[i]->ob);
  PyType *excs[] = { py_exc_BaseException, py_exc_Exception, py_exc_TypeError, py_exc_ValueError,
    py_exc_NameError, py_exc_AttributeError, py_exc_IndexError, py_exc_KeyError,
    py_exc_ZeroDivisionError, py_exc_AssertionError, py_exc_ImportError,
    py_exc_ModuleNotFoundError, py_exc_RuntimeError, py_exc_OverflowError, py_exc_RecursionError,
    py_exc_StopIteration, py_exc_NotImplementedError, py_exc_LookupError, py_exc_ArithmeticError,
    py_exc_UnboundLocalError, py_exc_KeyboardInterrupt, py_exc_MemoryError, py_exc_TimeoutError,
    py_exc_PermissionError };
  for (guint i = 0; i < G_N_ELEMENTS (excs); i++)
    g_hash_table_insert (builtins, g_strdup (excs[i]->name), &excs[i]->ob);
  g_hash_table_insert (builtins, g_strdup ("None"), py_none);
  g_hash_table_insert (builtins, g_strdup ("NotImplemented"), py_not_implemented);
  g_hash_table_insert (builtins, g_strdup ("Ellipsis"), &py_ellipsis_obj);
}
