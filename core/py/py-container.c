/* py-container.c — tuple, list, dict (and OrderedDict, its views), range,
 * slice, and the iterators over them (and the generator type)
 *
 * The sequence helpers (indices, slices, concatenation, comparison, repr)
 * are shared by every type here; longer than the house limit for that.
 */
#include "py-object.h"
#include "ps-i18n.h"
#include "py-eval.h"

#include <string.h>

#define STATIC_OB { &py_type_type, -1 }

/* ---- indices ------------------------------------------------------------------ */

gboolean
py_index_normalize (PyInterp *ip, PyObj *key, gint64 len, const char *what, gint64 *out)
{
  if (!py_is_int (key))
    {
      py_raise (ip, py_exc_TypeError, "%s indices must be integers or slices, not %s",
                what, key->type->name);
      return FALSE;
    }
  gint64 i = py_int_value (key);
  if (i < 0)
    i += len;
  if (i < 0 || i >= len)
    {
      py_raise (ip, py_exc_IndexError, "%s index out of range", what);
      return FALSE;
    }
  *out = i;
  return TRUE;
}

static gboolean
slice_part (PyInterp *ip, PyObj *v, gint64 *out)
{
  if (v == py_none)
    return FALSE;
  if (!py_is_int (v))
    {
      py_raise (ip, py_exc_TypeError,
                "slice indices must be integers or None or have an __index__ method");
      return FALSE;
    }
  *out = py_int_value (v);
  return TRUE;
}

gboolean
py_slice_indices (PyInterp *ip, PyObj *slice, gint64 len, gint64 *start, gint64 *stop,
                  gint64 *step, gint64 *n)
{
  PySlice *s = (PySlice *) slice;
  gint64 st = 1;
  if (slice_part (ip, s->step, &st) && st == 0)
    {
      py_raise (ip, py_exc_ValueError, "slice step cannot be zero");
      return FALSE;
    }
  if (py_err_occurred (ip))
    return FALSE;
  gint64 a, b;
  if (!slice_part (ip, s->start, &a))
    {
      if (py_err_occurred (ip))
        return FALSE;
      a = st < 0 ? len - 1 : 0;
    }
  else
    {
      if (a < 0)
        a += len;
      if (a < 0)
        a = st < 0 ? -1 : 0;
      else if (a >= len)
        a = st < 0 ? len - 1 : len;
    }
  if (!slice_part (ip, s->stop, &b))
    {
      if (py_err_occurred (ip))
        return FALSE;
      b = st < 0 ? -1 : len;
    }
  else
    {
      if (b < 0)
        b += len;
      if (b < 0)
        b = st < 0 ? -1 : 0;
      else if (b >= len)
        b = st < 0 ? len - 1 : len;
    }
  gint64 count = 0;
  if (st > 0 && b > a)
    count = (b - a - 1) / st + 1;
  else if (st < 0 && a > b)
    count = (a - b - 1) / (-st) + 1;
  *start = a;
  *stop = b;
  *step = st;
  *n = count;
  return TRUE;
}

gboolean
py_sequence_items (PyObj *o, PyObj ***items, gsize *n)
{
  if (py_isinstance (o, &py_tuple_type))
    {
      *items = PY_TUPLE (o)->items;
      *n = PY_TUPLE (o)->n;
      return TRUE;
    }
  if (py_isinstance (o, &py_list_type))
    {
      *items = PY_LIST (o)->items;
      *n = PY_LIST (o)->n;
      return TRUE;
    }
  return FALSE;
}

/* ---- shared by tuple and list ------------------------------------------------- */

/* containers whose repr is being written: one met again prints as [...] / {...} */
static __thread GHashTable *repr_active;

gboolean
py_repr_enter (PyObj *o)
{
  if (!repr_active)
    repr_active = g_hash_table_new (NULL, NULL);
  return g_hash_table_add (repr_active, o);
}

void
py_repr_leave (PyObj *o)
{
  g_hash_table_remove (repr_active, o);
  if (g_hash_table_size (repr_active) == 0)
    g_clear_pointer (&repr_active, g_hash_table_unref);
}

static gboolean seq_repr_ (PyInterp *ip, PyObj **items, gsize n, const char *open,
                           const char *close, gboolean one_comma, GString *out);

static gboolean
seq_repr (PyInterp *ip, PyObj *self, PyObj **items, gsize n, const char *open, const char *close,
          gboolean one_comma, GString *out)
{
  if (!py_repr_enter (self))
    {
      g_string_append (out, open[0] == '[' ? "[...]" : "(...)");
      return TRUE;
    }
  gboolean ok = seq_repr_ (ip, items, n, open, close, one_comma, out);
  py_repr_leave (self);
  return ok;
}

static gboolean
seq_repr_ (PyInterp *ip, PyObj **items, gsize n, const char *open, const char *close,
           gboolean one_comma, GString *out)
{
  g_string_append (out, open);
  for (gsize i = 0; i < n; i++)
    {
      if (i)
        g_string_append (out, ", ");
      if (!py_repr (ip, items[i], out))
        return FALSE;
    }
  if (one_comma && n == 1)
    g_string_append_c (out, ',');
  g_string_append (out, close);
  return TRUE;
}

static PyObj *
seq_compare (PyInterp *ip, int op, PyObj **a, gsize na, PyObj **b, gsize nb)
{
  gsize i;
  for (i = 0; i < na && i < nb; i++)
    {
      int e = py_eq (ip, a[i], b[i]);
      if (e < 0)
        return NULL;
      if (!e)
        break;
    }
  if (i >= na || i >= nb)
    {
      gint64 c = (na > nb) - (na < nb);
      switch (op)
        {
        case PY_CMP_LT: return py_bool (c < 0);
        case PY_CMP_LE: return py_bool (c <= 0);
        case PY_CMP_EQ: return py_bool (c == 0);
        case PY_CMP_NE: return py_bool (c != 0);
        case PY_CMP_GT: return py_bool (c > 0);
        default: return py_bool (c >= 0);
        }
    }
  if (op == PY_CMP_EQ)
    return py_false;
  if (op == PY_CMP_NE)
    return py_true;
  return py_compare (ip, op, a[i], b[i]);
}

static PyObj *
seq_getitem (PyInterp *ip, PyObj **items, gsize n, PyObj *key, gboolean is_tuple)
{
  if (PY_IS (key, py_slice_type))
    {
      gint64 start, stop, step, cnt;
      if (!py_slice_indices (ip, key, n, &start, &stop, &step, &cnt))
        return NULL;
      PyObj *r = is_tuple ? py_tuple_new (cnt) : py_list_new (cnt);
      PyObj **dst = is_tuple ? PY_TUPLE (r)->items : PY_LIST (r)->items;
      for (gint64 k = 0, i = start; k < cnt; k++, i += step)
        dst[k] = py_incref (items[i]);
      return r;
    }
  gint64 i;
  if (!py_index_normalize (ip, key, n, is_tuple ? "tuple" : "list", &i))
    return NULL;
  return py_incref (items[i]);
}

static PyObj *
seq_concat_repeat (PyInterp *ip, int op, PyObj *a, PyObj *b, PyType *t)
{
  PyObj **ia, **ib;
  gsize na, nb;
  if (op == PY_OP_ADD)
    {
      if (a->type != t || b->type != t)
        {
          if (a->type == t)
            return py_raise (ip, py_exc_TypeError, "can only concatenate %s (not \"%s\") to %s",
                             t->name, b->type->name, t->name);
          return py_not_implemented;
        }
      py_sequence_items (a, &ia, &na);
      py_sequence_items (b, &ib, &nb);
      PyObj *r = t == &py_tuple_type ? py_tuple_new (na + nb) : py_list_new (na + nb);
      PyObj **dst = t == &py_tuple_type ? PY_TUPLE (r)->items : PY_LIST (r)->items;
      for (gsize i = 0; i < na; i++)
        dst[i] = py_incref (ia[i]);
      for (gsize i = 0; i < nb; i++)
        dst[na + i] = py_incref (ib[i]);
      return r;
    }
  if (op == PY_OP_MUL)
    {
      PyObj *s = a->type == t ? a : b, *k = s == a ? b : a;
      if (!py_is_int (k))
        {
          if (s == a)
            return py_raise (ip, py_exc_TypeError,
                             "can't multiply sequence by non-int of type '%s'", k->type->name);
          return py_not_implemented;
        }
      py_sequence_items (s, &ia, &na);
      gint64 m = MAX (py_int_value (k), 0);
      if (m > 0 && na > PY_MAX_ALLOC / 8 / m)
        return py_raise (ip, py_exc_MemoryError,
                         "a %s of %" G_GINT64_FORMAT " × %zu items is over ParamScope's limit",
                         t->name, m, na);
      PyObj *r = t == &py_tuple_type ? py_tuple_new (na * m) : py_list_new (na * m);
      PyObj **dst = t == &py_tuple_type ? PY_TUPLE (r)->items : PY_LIST (r)->items;
      for (gint64 j = 0; j < m; j++)
        for (gsize i = 0; i < na; i++)
          dst[j * na + i] = py_incref (ia[i]);
      return r;
    }
  return py_not_implemented;
}

/* ---- tuple -------------------------------------------------------------------- */

PyObj *
py_tuple_new (gsize n)
{
  PyObj *t = py_alloc_size (&py_tuple_type, sizeof (PyTuple) + n * sizeof (PyObj *));
  PY_TUPLE (t)->n = n;
  py_heap_account (n * sizeof (PyObj *));
  return t;
}

PyObj *
py_tuple_pack (int n, ...)
{
  PyObj *t = py_tuple_new (n);
  va_list ap;
  va_start (ap, n);
  for (int i = 0; i < n; i++)
    PY_TUPLE (t)->items[i] = va_arg (ap, PyObj *);
  va_end (ap);
  return t;
}

static void
tuple_dealloc (PyObj *o)
{
  for (gsize i = 0; i < PY_TUPLE (o)->n; i++)
    py_clear (&PY_TUPLE (o)->items[i]);
  py_heap_account (-(gssize) (PY_TUPLE (o)->n * sizeof (PyObj *)));
}

static gboolean
tuple_repr (PyInterp *ip, PyObj *o, GString *out)
{
  return seq_repr (ip, o, PY_TUPLE (o)->items, PY_TUPLE (o)->n, "(", ")", TRUE, out);
}

static gint64
tuple_len (PyInterp *ip, PyObj *o)
{
  return PY_TUPLE (o)->n;
}

static PyObj *
tuple_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  return seq_getitem (ip, PY_TUPLE (o)->items, PY_TUPLE (o)->n, key, TRUE);
}

static PyObj *
tuple_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  return seq_concat_repeat (ip, op, a, b, &py_tuple_type);
}

static PyObj *
tuple_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!py_isinstance (a, &py_tuple_type) || !py_isinstance (b, &py_tuple_type))
    return py_not_implemented;
  return seq_compare (ip, op, PY_TUPLE (a)->items, PY_TUPLE (a)->n, PY_TUPLE (b)->items,
                      PY_TUPLE (b)->n);
}

static gboolean
tuple_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  guint64 acc = 0x345678;
  for (gsize i = 0; i < PY_TUPLE (o)->n; i++)
    {
      guint64 x;
      if (!py_hash (ip, PY_TUPLE (o)->items[i], &x))
        return FALSE;
      acc = (acc ^ x) * 1000003ULL;
    }
  *h = acc;
  return TRUE;
}

static PyObj *
tuple_iter (PyInterp *ip, PyObj *o)
{
  return py_iter_new (o, 0);
}

static PyObj *
seq_index_count (PyInterp *ip, PyObj *self, PyArgs *a, gboolean count)
{
  PyObj *x;
  if (!py_parse_args (ip, a, count ? "count" : "index", (const char *[]) { "value", NULL }, 1, &x))
    return NULL;
  PyObj **items;
  gsize n;
  py_sequence_items (self, &items, &n);
  gint64 c = 0;
  for (gsize i = 0; i < n; i++)
    {
      int e = py_eq (ip, items[i], x);
      if (e < 0)
        return NULL;
      if (e && !count)
        return py_int_new (i);
      c += e;
    }
  if (count)
    return py_int_new (c);
  if (PY_IS (self, py_tuple_type))
    return py_raise (ip, py_exc_ValueError, "tuple.index(x): x not in tuple");
  char *r = py_repr_cstr (ip, x);
  py_raise (ip, py_exc_ValueError, "%s is not in list", r ? r : "?");
  g_free (r);
  return NULL;
}

static PyObj *m_index (PyInterp *ip, PyObj *s, PyArgs *a) { return seq_index_count (ip, s, a, FALSE); }
static PyObj *m_count (PyInterp *ip, PyObj *s, PyArgs *a) { return seq_index_count (ip, s, a, TRUE); }

static const PyMethodDef tuple_methods[] = { { "index", m_index }, { "count", m_count }, { NULL } };

static PyObj *
tuple_new_ (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "tuple", (const char *[]) { "iterable", NULL }, 0, &x))
    return NULL;
  if (!x)
    return py_tuple_new (0);
  if (PY_IS (x, py_tuple_type))
    return py_incref (x);
  PyObj *l = py_list_from_iterable (ip, x);
  if (!l)
    return NULL;
  PyObj *r = py_tuple_new (PY_LIST (l)->n);
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    PY_TUPLE (r)->items[i] = py_incref (PY_LIST (l)->items[i]);
  py_decref (l);
  return r;
}

PyType py_tuple_type = {
  .ob = STATIC_OB, .name = "tuple", .size = sizeof (PyTuple), .dealloc = tuple_dealloc,
  .repr = tuple_repr, .len = tuple_len, .getitem = tuple_getitem, .binop = tuple_binop,
  .compare = tuple_compare, .hash = tuple_hash, .iter = tuple_iter, .methods = tuple_methods,
  .new_ = tuple_new_,
};

/* ---- list --------------------------------------------------------------------- */

static void
list_reserve (PyObj *l, gsize n)
{
  PyList *L = PY_LIST (l);
  if (n <= L->cap)
    return;
  gsize cap = MAX (n, L->cap + L->cap / 2 + 4);
  L->items = g_renew (PyObj *, L->items, cap);
  py_heap_account ((cap - L->cap) * sizeof (PyObj *));
  L->cap = cap;
}

PyObj *
py_list_new (gsize n)
{
  PyObj *l = py_alloc (&py_list_type);
  list_reserve (l, n);
  if (n)
    memset (PY_LIST (l)->items, 0, n * sizeof (PyObj *));
  PY_LIST (l)->n = n;
  return l;
}

void
py_list_append (PyObj *l, PyObj *v)
{
  list_reserve (l, PY_LIST (l)->n + 1);
  PY_LIST (l)->items[PY_LIST (l)->n++] = v;
}

static void
list_dealloc (PyObj *o)
{
  PyList *L = PY_LIST (o);
  for (gsize i = 0; i < L->n; i++)
    py_clear (&L->items[i]);
  py_heap_account (-(gssize) (L->cap * sizeof (PyObj *)));
  g_free (L->items);
  L->items = NULL;
  L->n = L->cap = 0;
}

static gboolean
list_repr (PyInterp *ip, PyObj *o, GString *out)
{
  return seq_repr (ip, o, PY_LIST (o)->items, PY_LIST (o)->n, "[", "]", FALSE, out);
}

static gint64
list_len (PyInterp *ip, PyObj *o)
{
  return PY_LIST (o)->n;
}

static PyObj *
list_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  return seq_getitem (ip, PY_LIST (o)->items, PY_LIST (o)->n, key, FALSE);
}

static gboolean
list_setitem (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  PyList *L = PY_LIST (o);
  if (PY_IS (key, py_slice_type))
    {
      gint64 start, stop, step, n;
      if (!py_slice_indices (ip, key, L->n, &start, &stop, &step, &n))
        return FALSE;
      if (step != 1)
        {
          py_raise (ip, py_exc_ValueError, _("extended slice assignment is not supported"));
          return FALSE;
        }
      if (stop < start)
        stop = start;
      PyObj *src = v ? py_list_from_iterable (ip, v) : py_list_new (0);
      if (!src)
        return FALSE;
      gsize m = PY_LIST (src)->n, old = stop - start;
      for (gint64 i = start; i < stop; i++)
        py_clear (&L->items[i]);
      list_reserve (o, L->n - old + m);
      if (L->n > (gsize) stop)
        memmove (L->items + start + m, L->items + stop, (L->n - stop) * sizeof (PyObj *));
      for (gsize i = 0; i < m; i++)
        L->items[start + i] = py_incref (PY_LIST (src)->items[i]);
      L->n = L->n - old + m;
      py_decref (src);
      return TRUE;
    }
  gint64 i;
  if (!py_index_normalize (ip, key, L->n, "list assignment", &i))
    return FALSE;
  if (!v)
    {
      py_decref (L->items[i]);
      memmove (L->items + i, L->items + i + 1, (L->n - i - 1) * sizeof (PyObj *));
      L->n--;
      return TRUE;
    }
  PyObj *old = L->items[i];
  L->items[i] = py_incref (v);
  py_decref (old);
  return TRUE;
}

static PyObj *
list_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  return seq_concat_repeat (ip, op, a, b, &py_list_type);
}

static PyObj *
list_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!py_isinstance (a, &py_list_type) || !py_isinstance (b, &py_list_type))
    return py_not_implemented;
  return seq_compare (ip, op, PY_LIST (a)->items, PY_LIST (a)->n, PY_LIST (b)->items,
                      PY_LIST (b)->n);
}

static PyObj *
list_iter (PyInterp *ip, PyObj *o)
{
  return py_iter_new (o, 1);
}

static PyObj *
m_append (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "append", (const char *[]) { "object", NULL }, 1, &x))
    return NULL;
  py_list_append (self, py_incref (x));
  return py_none;
}

static PyObj *
m_extend (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "extend", (const char *[]) { "iterable", NULL }, 1, &x))
    return NULL;
  PyObj *l = py_list_from_iterable (ip, x);
  if (!l)
    return NULL;
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    py_list_append (self, py_incref (PY_LIST (l)->items[i]));
  py_decref (l);
  return py_none;
}

static PyObj *
m_pop (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "pop", (const char *[]) { "index", NULL }, 0, &x))
    return NULL;
  PyList *L = PY_LIST (self);
  if (L->n == 0)
    return py_raise (ip, py_exc_IndexError, "pop from empty list");
  gint64 i = L->n - 1;
  if (x)
    {
      if (!py_arg_int (ip, x, "index", &i))
        return NULL;
      if (i < 0)
        i += L->n;
      if (i < 0 || i >= (gint64) L->n)
        return py_raise (ip, py_exc_IndexError, "pop index out of range");
    }
  PyObj *v = L->items[i];
  memmove (L->items + i, L->items + i + 1, (L->n - i - 1) * sizeof (PyObj *));
  L->n--;
  return v;
}

static PyObj *
m_insert (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  gint64 i;
  if (!py_parse_args (ip, a, "insert", (const char *[]) { "index", "object", NULL }, 2, args)
      || !py_arg_int (ip, args[0], "index", &i))
    return NULL;
  PyList *L = PY_LIST (self);
  if (i < 0)
    i = MAX (i + (gint64) L->n, 0);
  i = MIN (i, (gint64) L->n);
  list_reserve (self, L->n + 1);
  memmove (L->items + i + 1, L->items + i, (L->n - i) * sizeof (PyObj *));
  L->items[i] = py_incref (args[1]);
  L->n++;
  return py_none;
}

static PyObj *
m_remove (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "remove", (const char *[]) { "value", NULL }, 1, &x))
    return NULL;
  PyList *L = PY_LIST (self);
  for (gsize i = 0; i < L->n; i++)
    {
      int e = py_eq (ip, L->items[i], x);
      if (e < 0)
        return NULL;
      if (e)
        {
          py_decref (L->items[i]);
          memmove (L->items + i, L->items + i + 1, (L->n - i - 1) * sizeof (PyObj *));
          L->n--;
          return py_none;
        }
    }
  return py_raise (ip, py_exc_ValueError, "list.remove(x): x not in list");
}

static PyObj *
m_reverse (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyList *L = PY_LIST (self);
  for (gsize i = 0; i < L->n / 2; i++)
    {
      PyObj *t = L->items[i];
      L->items[i] = L->items[L->n - 1 - i];
      L->items[L->n - 1 - i] = t;
    }
  return py_none;
}

static PyObj *
m_clear (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyList *L = PY_LIST (self);
  while (L->n)
    py_clear (&L->items[--L->n]);
  return py_none;
}

static PyObj *
m_copy (PyInterp *ip, PyObj *self, PyArgs *a)
{
  return py_list_from_iterable (ip, self);
}

gboolean py_sort_list (PyInterp *ip, PyObj *list, PyObj *key, gboolean reverse);

static PyObj *
m_sort (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (a->npos)
    return py_raise (ip, py_exc_TypeError, "sort() takes no positional arguments");
  if (!py_parse_args (ip, a, "sort", (const char *[]) { "key", "reverse", NULL }, 0, args))
    return NULL;
  int rev = args[1] ? py_truth (ip, args[1]) : 0;
  if (rev < 0 || !py_sort_list (ip, self, args[0] == py_none ? NULL : args[0], rev))
    return NULL;
  return py_none;
}

static const PyMethodDef list_methods[] = {
  { "append", m_append }, { "extend", m_extend }, { "pop", m_pop }, { "insert", m_insert },
  { "remove", m_remove }, { "reverse", m_reverse }, { "clear", m_clear }, { "copy", m_copy },
  { "sort", m_sort }, { "index", m_index }, { "count", m_count }, { NULL }
};

static PyObj *
list_new_ (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "list", (const char *[]) { "iterable", NULL }, 0, &x))
    return NULL;
  return x ? py_list_from_iterable (ip, x) : py_list_new (0);
}

PyType py_list_type = {
  .ob = STATIC_OB, .name = "list", .size = sizeof (PyList), .dealloc = list_dealloc,
  .repr = list_repr, .len = list_len, .getitem = list_getitem, .setitem = list_setitem,
  .binop = list_binop, .compare = list_compare, .iter = list_iter, .methods = list_methods,
  .new_ = list_new_,
};

/* ---- dict --------------------------------------------------------------------- */

static void
dict_rebuild_index (PyDict *d, gsize size)
{
  g_free (d->index);
  d->index_size = size;
  d->index = g_new (gint32, size);
  memset (d->index, 0xff, size * sizeof (gint32));
  for (gsize i = 0; i < d->n_entries; i++)
    if (d->entries[i].key)
      {
        gsize j = d->entries[i].hash & (size - 1);
        while (d->index[j] >= 0)
          j = (j + 1) & (size - 1);
        d->index[j] = i;
      }
}

static void
dict_compact (PyDict *d)
{
  gsize k = 0;
  for (gsize i = 0; i < d->n_entries; i++)
    if (d->entries[i].key)
      d->entries[k++] = d->entries[i];
  d->n_entries = k;
}

static PyObj *
dict_alloc (PyType *t)
{
  return py_alloc (t);
}

PyObj *
py_dict_new (void)
{
  return dict_alloc (&py_dict_type);
}

PyObj *
py_odict_new (void)
{
  return dict_alloc (&py_odict_type);
}

/* the entry index of key, or -1; *slot the index slot where it is or would go */
static gssize
dict_find (PyInterp *ip, PyDict *d, PyObj *key, guint64 h, gsize *slot, gboolean *err)
{
  if (!d->index)
    return -1;
  gsize m = d->index_size - 1, j = h & m;
  while (d->index[j] >= 0)
    {
      PyDictEntry *e = &d->entries[d->index[j]];
      if (e->key && e->hash == h)
        {
          if (e->key == key)
            {
              *slot = j;
              return d->index[j];
            }
          if (PY_IS (key, py_str_type) && PY_IS (e->key, py_str_type))
            {
              if (PY_STRLEN (key) == PY_STRLEN (e->key)
                  && memcmp (PY_STR (key), PY_STR (e->key), PY_STRLEN (key)) == 0)
                {
                  *slot = j;
                  return d->index[j];
                }
            }
          else
            {
              int r = py_eq (ip, e->key, key);
              if (r < 0)
                {
                  *err = TRUE;
                  return -1;
                }
              if (r)
                {
                  *slot = j;
                  return d->index[j];
                }
            }
        }
      j = (j + 1) & m;
    }
  *slot = j;
  return -1;
}

static gboolean
key_hash (PyInterp *ip, PyObj *key, guint64 *h)
{
  if (PY_IS (key, py_str_type))
    {
      *h = py_str_hash (key);
      return TRUE;
    }
  return py_hash (ip, key, h);
}

PyObj *
py_dict_get (PyInterp *ip, PyObj *o, PyObj *key, gboolean *error)
{
  guint64 h;
  if (!key_hash (ip, key, &h))
    {
      *error = TRUE;
      return NULL;
    }
  gsize slot;
  gssize i = dict_find (ip, PY_DICT (o), key, h, &slot, error);
  return i < 0 ? NULL : PY_DICT (o)->entries[i].value;
}

PyObj *
py_dict_get_str (PyObj *o, const char *key)
{
  PyObj *k = py_str_new (key, -1);
  gboolean err = FALSE;
  PyObj *v = py_dict_get (NULL, o, k, &err);
  py_decref (k);
  return v;
}

gboolean
py_dict_set (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  PyDict *d = PY_DICT (o);
  guint64 h;
  if (!key_hash (ip, key, &h))
    return FALSE;
  gsize slot;
  gboolean err = FALSE;
  gssize i = dict_find (ip, d, key, h, &slot, &err);
  if (err)
    return FALSE;
  if (i >= 0)
    {
      PyObj *old = d->entries[i].value;
      d->entries[i].value = py_incref (v);
      py_decref (old);
      return TRUE;
    }
  if (d->n_entries + 1 > d->cap_entries)
    {
      if (d->used < d->n_entries * 3 / 4)
        dict_compact (d);
      if (d->n_entries + 1 > d->cap_entries)
        {
          gsize cap = MAX (8, d->cap_entries * 2);
          d->entries = g_renew (PyDictEntry, d->entries, cap);
          py_heap_account ((cap - d->cap_entries) * (sizeof (PyDictEntry) + 8));
          d->cap_entries = cap;
        }
      dict_rebuild_index (d, MAX (16, d->cap_entries * 2));
      dict_find (ip, d, key, h, &slot, &err);
    }
  d->entries[d->n_entries] = (PyDictEntry) { py_incref (key), py_incref (v), h };
  d->index[slot] = d->n_entries++;
  d->used++;
  return TRUE;
}

void
py_dict_set_str (PyObj *d, const char *key, PyObj *v)
{
  PyObj *k = py_str_new (key, -1);
  py_dict_set (NULL, d, k, v);
  py_decref (k);
  py_decref (v);
}

int
py_dict_del (PyInterp *ip, PyObj *o, PyObj *key)
{
  PyDict *d = PY_DICT (o);
  guint64 h;
  if (!key_hash (ip, key, &h))
    return -1;
  gsize slot;
  gboolean err = FALSE;
  gssize i = dict_find (ip, d, key, h, &slot, &err);
  if (err)
    return -1;
  if (i < 0)
    return 0;
  PyObj *k = d->entries[i].key, *v = d->entries[i].value;
  d->entries[i].key = d->entries[i].value = NULL;
  d->used--;
  dict_rebuild_index (d, d->index_size);
  py_decref (k);
  py_decref (v);
  return 1;
}

gboolean
py_dict_next (PyObj *o, gsize *pos, PyObj **key, PyObj **value)
{
  PyDict *d = PY_DICT (o);
  while (*pos < d->n_entries)
    {
      PyDictEntry *e = &d->entries[(*pos)++];
      if (e->key)
        {
          if (key)
            *key = e->key;
          if (value)
            *value = e->value;
          return TRUE;
        }
    }
  return FALSE;
}

static void
dict_dealloc (PyObj *o)
{
  PyDict *d = PY_DICT (o);
  for (gsize i = 0; i < d->n_entries; i++)
    {
      py_clear (&d->entries[i].key);
      py_clear (&d->entries[i].value);
    }
  py_heap_account (-(gssize) (d->cap_entries * (sizeof (PyDictEntry) + 8)));
  g_clear_pointer (&d->entries, g_free);
  g_clear_pointer (&d->index, g_free);
  d->n_entries = d->used = d->cap_entries = 0;
}

static gboolean
dict_items_repr (PyInterp *ip, PyObj *o, GString *out, gboolean as_pairs)
{
  gsize pos = 0;
  PyObj *k, *v;
  gboolean first = TRUE;
  while (py_dict_next (o, &pos, &k, &v))
    {
      if (!first)
        g_string_append (out, ", ");
      first = FALSE;
      if (as_pairs)
        g_string_append_c (out, '(');
      if (!py_repr (ip, k, out))
        return FALSE;
      g_string_append (out, as_pairs ? ", " : ": ");
      if (!py_repr (ip, v, out))
        return FALSE;
      if (as_pairs)
        g_string_append_c (out, ')');
    }
  return TRUE;
}

static gboolean dict_repr_ (PyInterp *ip, PyObj *o, GString *out);

static gboolean
dict_repr (PyInterp *ip, PyObj *o, GString *out)
{
  if (!py_repr_enter (o))
    {
      g_string_append (out, py_isinstance (o, &py_odict_type) ? "..." : "{...}");
      return TRUE;
    }
  gboolean ok = dict_repr_ (ip, o, out);
  py_repr_leave (o);
  return ok;
}

static gboolean
dict_repr_ (PyInterp *ip, PyObj *o, GString *out)
{
  if (py_isinstance (o, &py_odict_type))
    {
      g_string_append (out, "OrderedDict(");
      if (PY_DICT (o)->used)
        {
          g_string_append_c (out, '[');
          if (!dict_items_repr (ip, o, out, TRUE))
            return FALSE;
          g_string_append_c (out, ']');
        }
      g_string_append_c (out, ')');
      return TRUE;
    }
  g_string_append_c (out, '{');
  if (!dict_items_repr (ip, o, out, FALSE))
    return FALSE;
  g_string_append_c (out, '}');
  return TRUE;
}

static gint64
dict_len (PyInterp *ip, PyObj *o)
{
  return PY_DICT (o)->used;
}

static PyObj *
dict_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  gboolean err = FALSE;
  PyObj *v = py_dict_get (ip, o, key, &err);
  if (v)
    return py_incref (v);
  if (!err)
    py_raise_obj (ip, py_exception_new (py_exc_KeyError, py_tuple_pack (1, py_incref (key))));
  return NULL;
}

static gboolean
dict_setitem (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  if (v)
    return py_dict_set (ip, o, key, v);
  int r = py_dict_del (ip, o, key);
  if (r == 0)
    py_raise_obj (ip, py_exception_new (py_exc_KeyError, py_tuple_pack (1, py_incref (key))));
  return r > 0;
}

static PyObj *
dict_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if ((op != PY_CMP_EQ && op != PY_CMP_NE) || !py_isinstance (a, &py_dict_type)
      || !py_isinstance (b, &py_dict_type))
    return py_not_implemented;
  gboolean eq = PY_DICT (a)->used == PY_DICT (b)->used;
  gboolean ordered = py_isinstance (a, &py_odict_type) && py_isinstance (b, &py_odict_type);
  gsize pa = 0, pb = 0;
  PyObj *k, *v, *k2, *v2;
  while (eq && py_dict_next (a, &pa, &k, &v))
    {
      gboolean err = FALSE;
      if (ordered)
        {
          py_dict_next (b, &pb, &k2, &v2);
          int e = py_eq (ip, k, k2);
          if (e < 0)
            return NULL;
          if (!e)
            {
              eq = FALSE;
              break;
            }
        }
      else
        {
          v2 = py_dict_get (ip, b, k, &err);
          if (err)
            return NULL;
          if (!v2)
            {
              eq = FALSE;
              break;
            }
        }
      int e = py_eq (ip, v, v2);
      if (e < 0)
        return NULL;
      eq = e;
    }
  return py_bool (op == PY_CMP_EQ ? eq : !eq);
}

static PyObj *
dict_iter (PyInterp *ip, PyObj *o)
{
  return py_iter_new (o, 2);
}

static PyObj *
dict_view (PyObj *self, int kind)
{
  PyDictView *v = (PyDictView *) py_alloc (&py_dictview_type);
  v->dict = py_incref (self);
  v->kind = kind;
  return &v->ob;
}

static PyObj *m_keys (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "keys") ? dict_view (s, 0) : NULL; }
static PyObj *m_values (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "values") ? dict_view (s, 1) : NULL; }
static PyObj *m_items (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "items") ? dict_view (s, 2) : NULL; }

static PyObj *
m_get (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "get", (const char *[]) { "key", "default", NULL }, 1, args))
    return NULL;
  gboolean err = FALSE;
  PyObj *v = py_dict_get (ip, self, args[0], &err);
  if (err)
    return NULL;
  return py_incref (v ? v : args[1] ? args[1] : py_none);
}

static PyObj *
m_dpop (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "pop", (const char *[]) { "key", "default", NULL }, 1, args))
    return NULL;
  gboolean err = FALSE;
  PyObj *v = py_dict_get (ip, self, args[0], &err);
  if (err)
    return NULL;
  if (!v)
    {
      if (args[1])
        return py_incref (args[1]);
      return py_raise_obj (ip, py_exception_new (py_exc_KeyError,
                                                 py_tuple_pack (1, py_incref (args[0]))));
    }
  py_incref (v);
  py_dict_del (ip, self, args[0]);
  return v;
}

static PyObj *
m_setdefault (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "setdefault", (const char *[]) { "key", "default", NULL }, 1, args))
    return NULL;
  gboolean err = FALSE;
  PyObj *v = py_dict_get (ip, self, args[0], &err);
  if (err)
    return NULL;
  if (v)
    return py_incref (v);
  if (!py_dict_set (ip, self, args[0], args[1] ? args[1] : py_none))
    return NULL;
  return py_incref (args[1] ? args[1] : py_none);
}

gboolean
py_dict_update_from (PyInterp *ip, PyObj *self, PyObj *src)
{
  if (py_isinstance (src, &py_dict_type))
    {
      gsize pos = 0;
      PyObj *k, *v;
      while (py_dict_next (src, &pos, &k, &v))
        if (!py_dict_set (ip, self, k, v))
          return FALSE;
      return TRUE;
    }
  PyObj *l = py_list_from_iterable (ip, src);
  if (!l)
    return FALSE;
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PyObj **kv;
      gsize n;
      if (!py_sequence_items (PY_LIST (l)->items[i], &kv, &n) || n != 2)
        {
          py_raise (ip, py_exc_ValueError,
                    "dictionary update sequence element #%zu has length %zu; 2 is required", i,
                    py_sequence_items (PY_LIST (l)->items[i], &kv, &n) ? n : (gsize) 1);
          py_decref (l);
          return FALSE;
        }
      if (!py_dict_set (ip, self, kv[0], kv[1]))
        {
          py_decref (l);
          return FALSE;
        }
    }
  py_decref (l);
  return TRUE;
}

static PyObj *
m_update (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->npos > 1)
    return py_raise (ip, py_exc_TypeError, "update expected at most 1 argument, got %d", a->npos);
  if (a->npos && !py_dict_update_from (ip, self, a->pos[0]))
    return NULL;
  for (int i = 0; i < a->nkw; i++)
    py_dict_set_str (self, a->kwn[i], py_incref (a->kwv[i]));
  return py_none;
}

static PyObj *
m_dclear (PyInterp *ip, PyObj *self, PyArgs *a)
{
  dict_dealloc (self);
  return py_none;
}

static PyObj *
m_dcopy (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *d = dict_alloc (self->type->is_heap ? &py_dict_type : self->type);
  py_dict_update_from (ip, d, self);
  return d;
}

static const PyMethodDef dict_methods[] = {
  { "keys", m_keys }, { "values", m_values }, { "items", m_items }, { "get", m_get },
  { "pop", m_dpop }, { "setdefault", m_setdefault }, { "update", m_update },
  { "clear", m_dclear }, { "copy", m_dcopy }, { NULL }
};

static PyObj *
dict_new_ (PyInterp *ip, PyType *t, PyArgs *a)
{
  if (a->npos > 1)
    return py_raise (ip, py_exc_TypeError, "%s expected at most 1 argument, got %d", t->name,
                     a->npos);
  PyObj *d = dict_alloc (t);
  PyObj *r = m_update (ip, d, a);
  if (!r)
    {
      py_decref (d);
      return NULL;
    }
  return d;
}

PyType py_dict_type = {
  .ob = STATIC_OB, .name = "dict", .size = sizeof (PyDict), .dealloc = dict_dealloc,
  .repr = dict_repr, .len = dict_len, .getitem = dict_getitem, .setitem = dict_setitem,
  .compare = dict_compare, .iter = dict_iter, .methods = dict_methods, .new_ = dict_new_,
};

PyType py_odict_type = {
  .ob = STATIC_OB, .name = "OrderedDict", .module = "collections", .base = &py_dict_type,
  .size = sizeof (PyDict), .new_ = dict_new_,
};

/* ---- dict views ----------------------------------------------------------------- */

static void
view_dealloc (PyObj *o)
{
  py_clear (&((PyDictView *) o)->dict);
}

static gboolean
view_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyDictView *v = (PyDictView *) o;
  static const char *const names[] = { "keys", "values", "items" };
  g_string_append_printf (out, "%s_%s([", py_isinstance (v->dict, &py_odict_type) ? "odict"
                          : "dict", names[v->kind]);
  gsize pos = 0;
  PyObj *k, *val;
  gboolean first = TRUE;
  while (py_dict_next (v->dict, &pos, &k, &val))
    {
      if (!first)
        g_string_append (out, ", ");
      first = FALSE;
      if (v->kind == 2)
        g_string_append_c (out, '(');
      if (v->kind != 1 && !py_repr (ip, k, out))
        return FALSE;
      if (v->kind == 2)
        g_string_append (out, ", ");
      if (v->kind != 0 && !py_repr (ip, val, out))
        return FALSE;
      if (v->kind == 2)
        g_string_append_c (out, ')');
    }
  g_string_append (out, "])");
  return TRUE;
}

static gint64
view_len (PyInterp *ip, PyObj *o)
{
  return PY_DICT (((PyDictView *) o)->dict)->used;
}

static PyObj *
view_iter (PyInterp *ip, PyObj *o)
{
  PyDictView *v = (PyDictView *) o;
  return py_iter_new (v->dict, 2 + v->kind);
}

PyType py_dictview_type = {
  .ob = STATIC_OB, .name = "dict_keys", .size = sizeof (PyDictView), .dealloc = view_dealloc,
  .repr = view_repr, .len = view_len, .iter = view_iter,
};

/* ---- iterators ---------------------------------------------------------------------
 * kind 0 tuple, 1 list, 2 dict keys, 3 dict values, 4 dict items, 5 range,
 * 99 __getitem__ protocol */

PyObj *
py_iter_new (PyObj *seq, int kind)
{
  PyIter *it = (PyIter *) py_alloc (&py_iter_type);
  it->seq = py_incref (seq);
  it->kind = kind;
  if (kind == 5)
    it->cur = ((PyRange *) seq)->start;
  return &it->ob;
}

static void
iter_dealloc (PyObj *o)
{
  py_clear (&((PyIter *) o)->seq);
  py_clear (&((PyIter *) o)->aux);
}

static PyObj *
iter_next (PyInterp *ip, PyObj *o)
{
  PyIter *it = (PyIter *) o;
  if (!it->seq)
    return NULL;
  switch (it->kind)
    {
    case 0:
      if (it->i < PY_TUPLE (it->seq)->n)
        return py_incref (PY_TUPLE (it->seq)->items[it->i++]);
      break;
    case 1:
      if (it->i < PY_LIST (it->seq)->n)
        return py_incref (PY_LIST (it->seq)->items[it->i++]);
      break;
    case 2: case 3: case 4:
      {
        PyObj *k, *v;
        if (PY_DICT (it->seq)->used != (gsize) it->cur && it->i > 0)
          {
            py_raise (ip, py_exc_RuntimeError, "dictionary changed size during iteration");
            py_clear (&it->seq);
            return NULL;
          }
        it->cur = PY_DICT (it->seq)->used;
        if (py_dict_next (it->seq, &it->i, &k, &v))
          return it->kind == 2 ? py_incref (k) : it->kind == 3 ? py_incref (v)
            : py_tuple_pack (2, py_incref (k), py_incref (v));
        break;
      }
    case 5:
      {
        PyRange *r = (PyRange *) it->seq;
        if (r->step > 0 ? it->cur < r->stop : it->cur > r->stop)
          {
            gint64 v = it->cur;
            it->cur += r->step;
            return py_int_new (v);
          }
        break;
      }
    case 99:
      {
        PyObj *k = py_int_new (it->i++);
        PyObj *v = py_getitem (ip, it->seq, k);
        py_decref (k);
        if (v)
          return v;
        if (py_err_matches (ip, py_exc_IndexError) || py_err_matches (ip, py_exc_StopIteration))
          py_err_clear (ip);
        break;
      }
    }
  py_clear (&it->seq);
  return NULL;
}

static gboolean
iter_repr (PyInterp *ip, PyObj *o, GString *out)
{
  static const char *const names[] = { "tuple_iterator", "list_iterator", "dict_keyiterator",
    "dict_valueiterator", "dict_itemiterator", "range_iterator" };
  int k = ((PyIter *) o)->kind;
  g_string_append_printf (out, "<%s object at %p>", k < 6 ? names[k] : "iterator", (void *) o);
  return TRUE;
}

PyType py_iter_type = {
  .ob = STATIC_OB, .name = "iterator", .size = sizeof (PyIter), .dealloc = iter_dealloc,
  .next = iter_next, .repr = iter_repr,
};

/* A generator: the values are computed when it is made (named_parameters() and
 * generator expressions), but it prints and iterates as Python's. */
PyObj *
py_generator_new (PyObj *list, const char *qualname)
{
  PyIter *it = (PyIter *) py_alloc (&py_generator_type);
  it->seq = list;
  it->kind = 1;
  it->aux = py_str_new (qualname, -1);
  return &it->ob;
}

static gboolean
gen_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyIter *it = (PyIter *) o;
  g_string_append_printf (out, "<generator object %s at %p>", PY_STR (it->aux), (void *) o);
  return TRUE;
}

PyType py_generator_type = {
  .ob = STATIC_OB, .name = "generator", .size = sizeof (PyIter), .dealloc = iter_dealloc,
  .next = iter_next, .repr = gen_repr,
};

/* ---- range ------------------------------------------------------------------------ */

static gint64
range_len (PyInterp *ip, PyObj *o)
{
  PyRange *r = (PyRange *) o;
  if (r->step > 0)
    return r->stop > r->start ? (r->stop - r->start - 1) / r->step + 1 : 0;
  return r->start > r->stop ? (r->start - r->stop - 1) / (-r->step) + 1 : 0;
}

static gboolean
range_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PyRange *r = (PyRange *) o;
  g_string_append_printf (out, "range(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT, r->start, r->stop);
  if (r->step != 1)
    g_string_append_printf (out, ", %" G_GINT64_FORMAT, r->step);
  g_string_append_c (out, ')');
  return TRUE;
}

static PyObj *
range_iter (PyInterp *ip, PyObj *o)
{
  return py_iter_new (o, 5);
}

static PyObj *
range_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  PyRange *r = (PyRange *) o;
  gint64 n = range_len (ip, o);
  if (PY_IS (key, py_slice_type))
    {
      gint64 start, stop, step, cnt;
      if (!py_slice_indices (ip, key, n, &start, &stop, &step, &cnt))
        return NULL;
      PyRange *s = (PyRange *) py_alloc (&py_range_type);
      s->start = r->start + start * r->step;
      s->step = r->step * step;
      s->stop = s->start + cnt * s->step;
      return &s->ob;
    }
  gint64 i;
  if (!py_index_normalize (ip, key, n, "range object", &i))
    return NULL;
  return py_int_new (r->start + i * r->step);
}

static PyObj *
range_new_ (PyInterp *ip, PyType *t, PyArgs *a)
{
  if (a->nkw)
    return py_raise (ip, py_exc_TypeError, "range() takes no keyword arguments");
  if (a->npos < 1 || a->npos > 3)
    return py_raise (ip, py_exc_TypeError, a->npos ? "range expected at most 3 arguments, got %d"
                     : "range expected at least 1 argument, got %d", a->npos);
  gint64 v[3] = { 0, 0, 1 };
  for (int i = 0; i < a->npos; i++)
    if (!py_is_int (a->pos[i]))
      return py_raise (ip, py_exc_TypeError, "'%s' object cannot be interpreted as an integer",
                       a->pos[i]->type->name);
    else
      v[i] = py_int_value (a->pos[i]);
  PyRange *r = (PyRange *) py_alloc (&py_range_type);
  if (a->npos == 1)
    r->stop = v[0];
  else
    {
      r->start = v[0];
      r->stop = v[1];
      if (a->npos == 3)
        r->step = v[2];
    }
  if (a->npos < 3)
    r->step = 1;
  if (r->step == 0)
    {
      py_decref (&r->ob);
      return py_raise (ip, py_exc_ValueError, "range() arg 3 must not be zero");
    }
  return &r->ob;
}

static PyObj *
range_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if ((op != PY_CMP_EQ && op != PY_CMP_NE) || !PY_IS (a, py_range_type) || !PY_IS (b, py_range_type))
    return py_not_implemented;
  PyRange *x = (PyRange *) a, *y = (PyRange *) b;
  gint64 nx = range_len (ip, a), ny = range_len (ip, b);
  gboolean eq = nx == ny && (nx == 0 || (x->start == y->start && (nx == 1 || x->step == y->step)));
  return py_bool (op == PY_CMP_EQ ? eq : !eq);
}

PyType py_range_type = {
  .ob = STATIC_OB, .name = "range", .size = sizeof (PyRange), .repr = range_repr,
  .len = range_len, .iter = range_iter, .getitem = range_getitem, .new_ = range_new_,
  .compare = range_compare,
};

/* ---- slice -------------------------------------------------------------------------- */

PyObj *
py_slice_new (PyObj *a, PyObj *b, PyObj *c)
{
  PySlice *s = (PySlice *) py_alloc (&py_slice_type);
  s->start = a ? a : py_none;
  s->stop = b ? b : py_none;
  s->step = c ? c : py_none;
  return &s->ob;
}

static void
slice_dealloc (PyObj *o)
{
  PySlice *s = (PySlice *) o;
  py_clear (&s->start);
  py_clear (&s->stop);
  py_clear (&s->step);
}

static gboolean
slice_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PySlice *s = (PySlice *) o;
  g_string_append (out, "slice(");
  if (!py_repr (ip, s->start, out))
    return FALSE;
  g_string_append (out, ", ");
  if (!py_repr (ip, s->stop, out))
    return FALSE;
  g_string_append (out, ", ");
  if (!py_repr (ip, s->step, out))
    return FALSE;
  g_string_append_c (out, ')');
  return TRUE;
}

static PyObj *
slice_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PySlice *s = (PySlice *) o;
  if (strcmp (name, "start") == 0)
    return py_incref (s->start);
  if (strcmp (name, "stop") == 0)
    return py_incref (s->stop);
  if (strcmp (name, "step") == 0)
    return py_incref (s->step);
  return NULL;
}

PyType py_slice_type = {
  .ob = STATIC_OB, .name = "slice", .size = sizeof (PySlice), .dealloc = slice_dealloc,
  .repr = slice_repr, .getattr = slice_getattr,
};
