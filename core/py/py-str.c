/* py-str.c — str: UTF-8 text, its repr (Python's quoting rules) and methods */
#include "py-object.h"
#include "py-eval.h"

#include <stdio.h>
#include <string.h>

static gsize
count_chars (const char *s, gsize len)
{
  gsize n = 0;
  for (gsize i = 0; i < len; i++)
    if (((guchar) s[i] & 0xC0) != 0x80)
      n++;
  return n;
}

PyObj *
py_str_new (const char *s, gssize len)
{
  if (len < 0)
    len = strlen (s);
  PyStr *o = (PyStr *) py_alloc_size (&py_str_type, sizeof (PyStr) + len + 1);
  memcpy (o->s, s, len);
  o->s[len] = 0;
  o->len = len;
  o->nchars = count_chars (s, len);
  py_heap_account (len);
  return &o->ob;
}

PyObj *
py_str_take (GString *g)
{
  PyObj *o = py_str_new (g->str, g->len);
  g_string_free (g, TRUE);
  return o;
}

PyObj *
py_str_printf (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  char *s = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  PyObj *o = py_str_new (s, -1);
  g_free (s);
  return o;
}

guint64
py_str_hash (PyObj *o)
{
  PyStr *s = (PyStr *) o;
  if (s->hash == 0)
    {
      guint64 h = 1469598103934665603ULL;
      for (gsize i = 0; i < s->len; i++)
        h = (h ^ (guchar) s->s[i]) * 1099511628211ULL;
      s->hash = h ? h : 1;
    }
  return s->hash;
}

void
py_str_repr_to (const char *s, gsize len, GString *out)
{
  gboolean has_sq = memchr (s, '\'', len) != NULL, has_dq = memchr (s, '"', len) != NULL;
  char q = has_sq && !has_dq ? '"' : '\'';
  g_string_append_c (out, q);
  for (gsize i = 0; i < len; i++)
    {
      guchar c = s[i];
      if (c == q || c == '\\')
        {
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
      else if (c == '\n')
        g_string_append (out, "\\n");
      else if (c == '\r')
        g_string_append (out, "\\r");
      else if (c == '\t')
        g_string_append (out, "\\t");
      else if (c < 0x20 || c == 0x7f)
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_c (out, c);
    }
  g_string_append_c (out, q);
}

static gboolean
str_repr (PyInterp *ip, PyObj *o, GString *out)
{
  py_str_repr_to (PY_STR (o), PY_STRLEN (o), out);
  return TRUE;
}

static gboolean
str_str (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_len (out, PY_STR (o), PY_STRLEN (o));
  return TRUE;
}

static gboolean
str_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = py_str_hash (o);
  return TRUE;
}

static gint64
str_len (PyInterp *ip, PyObj *o)
{
  return ((PyStr *) o)->nchars;
}

/* byte offset of code point i */
static gsize
char_offset (PyObj *o, gint64 i)
{
  PyStr *s = (PyStr *) o;
  if (s->nchars == s->len)
    return i;
  const char *p = s->s;
  for (gint64 k = 0; k < i; k++)
    p = g_utf8_next_char (p);
  return p - s->s;
}

PyObj *
py_str_char (PyObj *o, gint64 i)
{
  gsize a = char_offset (o, i), b = char_offset (o, i + 1);
  return py_str_new (PY_STR (o) + a, b - a);
}

gboolean py_slice_indices (PyInterp *ip, PyObj *slice, gint64 len, gint64 *start, gint64 *stop,
                           gint64 *step, gint64 *n);
gboolean py_index_normalize (PyInterp *ip, PyObj *key, gint64 len, const char *what, gint64 *out);

static PyObj *
str_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  gint64 len = ((PyStr *) o)->nchars;
  if (PY_IS (key, py_slice_type))
    {
      gint64 start, stop, step, n;
      if (!py_slice_indices (ip, key, len, &start, &stop, &step, &n))
        return NULL;
      GString *g = g_string_new (NULL);
      for (gint64 k = 0, i = start; k < n; k++, i += step)
        {
          gsize a = char_offset (o, i), b = char_offset (o, i + 1);
          g_string_append_len (g, PY_STR (o) + a, b - a);
        }
      return py_str_take (g);
    }
  gint64 i;
  if (!py_index_normalize (ip, key, len, "string", &i))
    return NULL;
  return py_str_char (o, i);
}

typedef struct { PyObj ob; PyObj *s; gsize pos; } PyStrIter;

static PyObj *
str_iter_next (PyInterp *ip, PyObj *it)
{
  PyStrIter *si = (PyStrIter *) it;
  if (si->pos >= PY_STRLEN (si->s))
    return NULL;
  const char *p = PY_STR (si->s) + si->pos;
  const char *q = g_utf8_next_char (p);
  si->pos += q - p;
  return py_str_new (p, q - p);
}

static void
str_iter_dealloc (PyObj *o)
{
  py_clear (&((PyStrIter *) o)->s);
}

static PyType str_iter_type = {
  .ob = { &py_type_type, -1 }, .name = "str_iterator", .size = sizeof (PyStrIter),
  .dealloc = str_iter_dealloc, .next = str_iter_next,
};

static PyObj *
str_iter (PyInterp *ip, PyObj *o)
{
  PyStrIter *it = (PyStrIter *) py_alloc (&str_iter_type);
  it->s = py_incref (o);
  return &it->ob;
}

static PyObj *
str_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (op == PY_OP_ADD && PY_IS (a, py_str_type))
    {
      if (!PY_IS (b, py_str_type))
        return py_raise (ip, py_exc_TypeError, "can only concatenate str (not \"%s\") to str",
                         b->type->name);
      GString *g = g_string_sized_new (PY_STRLEN (a) + PY_STRLEN (b));
      g_string_append_len (g, PY_STR (a), PY_STRLEN (a));
      g_string_append_len (g, PY_STR (b), PY_STRLEN (b));
      return py_str_take (g);
    }
  if (op == PY_OP_MUL)
    {
      PyObj *s = PY_IS (a, py_str_type) ? a : b, *n = s == a ? b : a;
      if (!py_is_int (n))
        {
          if (s == a)
            return py_raise (ip, py_exc_TypeError,
                             "can't multiply sequence by non-int of type '%s'", n->type->name);
          return py_not_implemented;
        }
      gint64 k = MAX (py_int_value (n), 0);
      if (k > 0 && PY_STRLEN (s) > PY_MAX_ALLOC / k)
        return py_raise (ip, py_exc_MemoryError, "a string of %" G_GINT64_FORMAT
                         " × %zu bytes is over ParamScope's limit", k, PY_STRLEN (s));
      GString *g = g_string_sized_new (PY_STRLEN (s) * k);
      for (gint64 i = 0; i < k; i++)
        g_string_append_len (g, PY_STR (s), PY_STRLEN (s));
      return py_str_take (g);
    }
  if (op == PY_OP_MOD && PY_IS (a, py_str_type))
    return py_str_mod (ip, a, b);
  return py_not_implemented;
}

static PyObj *
str_compare (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (!PY_IS (a, py_str_type) || !PY_IS (b, py_str_type))
    return py_not_implemented;
  gsize la = PY_STRLEN (a), lb = PY_STRLEN (b);
  int c = memcmp (PY_STR (a), PY_STR (b), MIN (la, lb));
  if (c == 0)
    c = (la > lb) - (la < lb);
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

/* ---- methods ---------------------------------------------------------------- */

static gboolean
want_str (PyInterp *ip, PyObj *o, const char *what)
{
  if (PY_IS (o, py_str_type))
    return TRUE;
  py_raise (ip, py_exc_TypeError, "%s must be str, not %s", what, o->type->name);
  return FALSE;
}

static PyObj *
m_join (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *arg;
  if (!py_parse_args (ip, a, "join", (const char *[]) { "iterable", NULL }, 1, &arg))
    return NULL;
  PyObj *l = py_list_from_iterable (ip, arg);
  if (!l)
    return NULL;
  GString *g = g_string_new (NULL);
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PyObj *v = PY_LIST (l)->items[i];
      if (!PY_IS (v, py_str_type))
        {
          py_raise (ip, py_exc_TypeError, "sequence item %zu: expected str instance, %s found",
                    i, v->type->name);
          py_decref (l);
          g_string_free (g, TRUE);
          return NULL;
        }
      if (i)
        g_string_append_len (g, PY_STR (self), PY_STRLEN (self));
      g_string_append_len (g, PY_STR (v), PY_STRLEN (v));
    }
  py_decref (l);
  return py_str_take (g);
}

static gboolean
is_space (char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static PyObj *
do_strip (PyInterp *ip, PyObj *self, PyArgs *a, const char *name, gboolean left, gboolean right)
{
  PyObj *chars = NULL;
  if (!py_parse_args (ip, a, name, (const char *[]) { "chars", NULL }, 0, &chars))
    return NULL;
  if (chars == py_none)
    chars = NULL;
  if (chars && !want_str (ip, chars, "strip arg"))
    return NULL;
  const char *s = PY_STR (self);
  gsize b = 0, e = PY_STRLEN (self);
#define STRIPPABLE(c) (chars ? strchr (PY_STR (chars), (c)) != NULL && (c) : is_space (c))
  if (left)
    while (b < e && STRIPPABLE (s[b]))
      b++;
  if (right)
    while (e > b && STRIPPABLE (s[e - 1]))
      e--;
#undef STRIPPABLE
  return py_str_new (s + b, e - b);
}

static PyObj *m_strip (PyInterp *ip, PyObj *s, PyArgs *a) { return do_strip (ip, s, a, "strip", TRUE, TRUE); }
static PyObj *m_lstrip (PyInterp *ip, PyObj *s, PyArgs *a) { return do_strip (ip, s, a, "lstrip", TRUE, FALSE); }
static PyObj *m_rstrip (PyInterp *ip, PyObj *s, PyArgs *a) { return do_strip (ip, s, a, "rstrip", FALSE, TRUE); }

static PyObj *
m_split (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "split", (const char *[]) { "sep", "maxsplit", NULL }, 0, args))
    return NULL;
  PyObj *sep = args[0] == py_none ? NULL : args[0];
  gint64 maxsplit = -1;
  if (args[1] && !py_arg_int (ip, args[1], "maxsplit", &maxsplit))
    return NULL;
  if (sep && !want_str (ip, sep, "sep"))
    return NULL;
  if (sep && PY_STRLEN (sep) == 0)
    return py_raise (ip, py_exc_ValueError, "empty separator");
  PyObj *l = py_list_new (0);
  const char *s = PY_STR (self), *end = s + PY_STRLEN (self);
  if (!sep)
    {
      const char *p = s;
      while (p < end)
        {
          while (p < end && is_space (*p))
            p++;
          if (p >= end)
            break;
          const char *q = p;
          if (maxsplit >= 0 && (gint64) PY_LIST (l)->n >= maxsplit)
            q = end;
          else
            while (q < end && !is_space (*q))
              q++;
          if (q == end && maxsplit >= 0 && (gint64) PY_LIST (l)->n >= maxsplit)
            {
              const char *e = end;
              while (e > p && is_space (e[-1]))
                e--;
              q = e;
            }
          py_list_append (l, py_str_new (p, q - p));
          p = q;
        }
      return l;
    }
  const char *p = s;
  gsize sl = PY_STRLEN (sep);
  for (;;)
    {
      const char *q = maxsplit >= 0 && (gint64) PY_LIST (l)->n >= maxsplit ? NULL
        : g_strstr_len (p, end - p, PY_STR (sep));
      if (!q)
        {
          py_list_append (l, py_str_new (p, end - p));
          return l;
        }
      py_list_append (l, py_str_new (p, q - p));
      p = q + sl;
    }
}

static PyObj *
m_replace (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "replace", (const char *[]) { "old", "new", "count", NULL }, 2, args))
    return NULL;
  if (!want_str (ip, args[0], "replace() argument 1") || !want_str (ip, args[1], "replace() argument 2"))
    return NULL;
  gint64 count = -1;
  if (args[2] && !py_arg_int (ip, args[2], "count", &count))
    return NULL;
  GString *g = g_string_new (NULL);
  const char *s = PY_STR (self), *end = s + PY_STRLEN (self);
  gsize ol = PY_STRLEN (args[0]);
  if (ol == 0)
    {
      g_string_append_len (g, s, end - s);
      return py_str_take (g);
    }
  const char *p = s;
  while (count != 0)
    {
      const char *q = g_strstr_len (p, end - p, PY_STR (args[0]));
      if (!q)
        break;
      g_string_append_len (g, p, q - p);
      g_string_append_len (g, PY_STR (args[1]), PY_STRLEN (args[1]));
      p = q + ol;
      if (count > 0)
        count--;
    }
  g_string_append_len (g, p, end - p);
  return py_str_take (g);
}

static PyObj *
affix (PyInterp *ip, PyObj *self, PyArgs *a, const char *name, gboolean start)
{
  PyObj *x;
  if (!py_parse_args (ip, a, name, (const char *[]) { "prefix", NULL }, 1, &x))
    return NULL;
  PyObj **items = &x;
  gsize n = 1;
  if (PY_IS (x, py_tuple_type))
    py_sequence_items (x, &items, &n);
  for (gsize i = 0; i < n; i++)
    {
      if (!PY_IS (items[i], py_str_type))
        return py_raise (ip, py_exc_TypeError,
                         "%s first arg must be str or a tuple of str, not %s", name,
                         items[i]->type->name);
      gsize l = PY_STRLEN (items[i]);
      if (l <= PY_STRLEN (self)
          && memcmp (PY_STR (self) + (start ? 0 : PY_STRLEN (self) - l), PY_STR (items[i]), l) == 0)
        return py_true;
    }
  return py_false;
}

static PyObj *m_startswith (PyInterp *ip, PyObj *s, PyArgs *a) { return affix (ip, s, a, "startswith", TRUE); }
static PyObj *m_endswith (PyInterp *ip, PyObj *s, PyArgs *a) { return affix (ip, s, a, "endswith", FALSE); }

static PyObj *
change_case (PyObj *self, int mode)
{
  char *s = mode == 0 ? g_utf8_strup (PY_STR (self), PY_STRLEN (self))
    : g_utf8_strdown (PY_STR (self), PY_STRLEN (self));
  if (mode == 2 && s[0])
    s[0] = g_ascii_toupper (s[0]);
  PyObj *o = py_str_new (s, -1);
  g_free (s);
  return o;
}

static PyObj *m_upper (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "upper") ? change_case (s, 0) : NULL; }
static PyObj *m_lower (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "lower") ? change_case (s, 1) : NULL; }
static PyObj *m_capitalize (PyInterp *ip, PyObj *s, PyArgs *a) { return py_no_kwargs (ip, a, "capitalize") ? change_case (s, 2) : NULL; }

static PyObj *
m_find (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "find", (const char *[]) { "sub", NULL }, 1, &x) || !want_str (ip, x, "find() argument"))
    return NULL;
  const char *q = g_strstr_len (PY_STR (self), PY_STRLEN (self), PY_STR (x));
  return py_int_new (q ? (gint64) count_chars (PY_STR (self), q - PY_STR (self)) : -1);
}

static PyObj *
m_count (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *x;
  if (!py_parse_args (ip, a, "count", (const char *[]) { "x", NULL }, 1, &x) || !want_str (ip, x, "count() argument"))
    return NULL;
  gint64 n = 0;
  gsize l = PY_STRLEN (x);
  if (l == 0)
    return py_int_new (((PyStr *) self)->nchars + 1);
  const char *p = PY_STR (self), *end = p + PY_STRLEN (self);
  while ((p = g_strstr_len (p, end - p, PY_STR (x))))
    {
      n++;
      p += l;
    }
  return py_int_new (n);
}

static PyObj *
char_class (PyInterp *ip, PyObj *self, PyArgs *a, gboolean (*pred) (gunichar))
{
  if (!py_no_kwargs (ip, a, "is"))
    return NULL;
  if (PY_STRLEN (self) == 0)
    return py_false;
  for (const char *p = PY_STR (self); *p; p = g_utf8_next_char (p))
    if (!pred (g_utf8_get_char (p)))
      return py_false;
  return py_true;
}

static PyObj *m_isdigit (PyInterp *ip, PyObj *s, PyArgs *a) { return char_class (ip, s, a, g_unichar_isdigit); }
static PyObj *m_isalpha (PyInterp *ip, PyObj *s, PyArgs *a) { return char_class (ip, s, a, g_unichar_isalpha); }
static PyObj *m_isspace (PyInterp *ip, PyObj *s, PyArgs *a) { return char_class (ip, s, a, g_unichar_isspace); }

PyObj *py_str_format_method (PyInterp *ip, PyObj *self, PyArgs *a);

static PyObj *
justify (PyInterp *ip, PyObj *self, PyArgs *a, const char *name, int mode)
{
  PyObj *args[2] = { NULL, NULL };
  gint64 width;
  if (!py_parse_args (ip, a, name, (const char *[]) { "width", "fillchar", NULL }, 1, args)
      || !py_arg_int (ip, args[0], "width", &width))
    return NULL;
  const char *fill = args[1] && PY_IS (args[1], py_str_type) ? PY_STR (args[1]) : " ";
  gint64 n = ((PyStr *) self)->nchars;
  if (width <= n)
    return py_incref (self);
  gint64 pad = width - n, left = mode == 0 ? 0 : mode == 1 ? pad : pad / 2 + (pad & width & 1);
  GString *g = g_string_new (NULL);
  for (gint64 i = 0; i < left; i++)
    g_string_append (g, fill);
  g_string_append (g, PY_STR (self));
  for (gint64 i = 0; i < pad - left; i++)
    g_string_append (g, fill);
  return py_str_take (g);
}

static PyObj *m_ljust (PyInterp *ip, PyObj *s, PyArgs *a) { return justify (ip, s, a, "ljust", 0); }
static PyObj *m_rjust (PyInterp *ip, PyObj *s, PyArgs *a) { return justify (ip, s, a, "rjust", 1); }
static PyObj *m_center (PyInterp *ip, PyObj *s, PyArgs *a) { return justify (ip, s, a, "center", 2); }

static const PyMethodDef str_methods[] = {
  { "join", m_join }, { "split", m_split }, { "strip", m_strip }, { "lstrip", m_lstrip },
  { "rstrip", m_rstrip }, { "replace", m_replace }, { "startswith", m_startswith },
  { "endswith", m_endswith }, { "upper", m_upper }, { "lower", m_lower },
  { "capitalize", m_capitalize }, { "find", m_find }, { "count", m_count },
  { "isdigit", m_isdigit }, { "isalpha", m_isalpha }, { "isspace", m_isspace },
  { "format", py_str_format_method }, { "ljust", m_ljust }, { "rjust", m_rjust },
  { "center", m_center },
  { NULL }
};

static PyObj *
str_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  PyObj *x = NULL;
  if (!py_parse_args (ip, a, "str", (const char *[]) { "object", NULL }, 0, &x))
    return NULL;
  if (!x)
    return py_str_new ("", 0);
  GString *g = g_string_new (NULL);
  if (!py_str (ip, x, g))
    {
      g_string_free (g, TRUE);
      return NULL;
    }
  return py_str_take (g);
}

PyType py_str_type = {
  .ob = { &py_type_type, -1 }, .name = "str", .size = sizeof (PyStr), .repr = str_repr,
  .str = str_str, .hash = str_hash, .len = str_len, .getitem = str_getitem, .iter = str_iter,
  .binop = str_binop, .compare = str_compare, .methods = str_methods, .new_ = str_new,
};
