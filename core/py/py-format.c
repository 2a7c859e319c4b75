/* py-format.c — text from values: format() and f-string specs (the format
 * mini-language), str.format, printf-style '%', and IPython's pretty form
 * (what Jupyter shows as a cell's text/plain result)
 */
#include "py-eval.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

typedef struct {
  char fill;
  char align;                 /* < > ^ = or 0 */
  char sign;                  /* + - space or 0 */
  gboolean alt, zero;
  int width;                  /* -1 none */
  char grouping;              /* , _ or 0 */
  int precision;              /* -1 none */
  char type;                  /* 0 or the type letter */
} Spec;

static gboolean
parse_spec (PyInterp *ip, const char *s, Spec *sp)
{
  *sp = (Spec) { .fill = ' ', .width = -1, .precision = -1 };
  gsize n = strlen (s);
  const char *p = s;
  if (n >= 2 && p[1] && strchr ("<>^=", p[1]))
    {
      sp->fill = p[0];
      sp->align = p[1];
      p += 2;
    }
  else if (n >= 1 && p[0] && strchr ("<>^=", p[0]))
    sp->align = *p++;
  if (*p == '+' || *p == '-' || *p == ' ')
    sp->sign = *p++;
  if (*p == '#')
    {
      sp->alt = TRUE;
      p++;
    }
  if (*p == '0')
    {
      sp->zero = TRUE;
      p++;
    }
  if (g_ascii_isdigit (*p))
    {
      sp->width = 0;
      while (g_ascii_isdigit (*p))
        {
          sp->width = MIN (sp->width * 10 + (*p - '0'), 100000);
          p++;
        }
    }
  if (*p == ',' || *p == '_')
    sp->grouping = *p++;
  if (*p == '.')
    {
      p++;
      if (!g_ascii_isdigit (*p))
        {
          py_raise (ip, py_exc_ValueError, "Format specifier missing precision");
          return FALSE;
        }
      sp->precision = 0;
      while (g_ascii_isdigit (*p))
        {
          sp->precision = MIN (sp->precision * 10 + (*p - '0'), 1000);
          p++;
        }
    }
  if (*p)
    sp->type = *p++;
  if (*p)
    {
      py_raise (ip, py_exc_ValueError, "Invalid format specifier '%s'", s);
      return FALSE;
    }
  return TRUE;
}

static void
group_digits (GString *digits, char sep)
{
  /* digits: only the integer part digits */
  if (!sep)
    return;
  GString *g = g_string_new (NULL);
  gsize n = digits->len;
  for (gsize i = 0; i < n; i++)
    {
      g_string_append_c (g, digits->str[i]);
      gsize left = n - 1 - i;
      if (left && left % 3 == 0)
        g_string_append_c (g, sep);
    }
  g_string_assign (digits, g->str);
  g_string_free (g, TRUE);
}

/* pad body (with its sign prefix) to the width */
static void
pad_out (Spec *sp, const char *prefix, const char *body, gboolean numeric, GString *out)
{
  glong len = g_utf8_strlen (prefix, -1) + g_utf8_strlen (body, -1);
  char align = sp->align ? sp->align : numeric ? '>' : '<';
  char fill = sp->fill;
  if (sp->zero && !sp->align)
    {
      align = '=';
      fill = '0';
    }
  glong pad = sp->width > len ? sp->width - len : 0;
  glong left = align == '>' || align == '=' ? pad : align == '^' ? pad / 2 : 0;
  glong right = pad - left;
  if (align == '=')
    {
      g_string_append (out, prefix);
      for (glong i = 0; i < left; i++)
        g_string_append_c (out, fill);
    }
  else
    {
      for (glong i = 0; i < left; i++)
        g_string_append_c (out, fill);
      g_string_append (out, prefix);
    }
  g_string_append (out, body);
  for (glong i = 0; i < right; i++)
    g_string_append_c (out, fill);
}

static gboolean
format_float (PyInterp *ip, double v, Spec *sp, GString *out, gboolean from_int)
{
  char type = sp->type;
  int prec = sp->precision;
  GString *body = g_string_new (NULL);
  gboolean neg = signbit (v) && !isnan (v);
  double a = fabs (v);
  if (isnan (a) || isinf (a))
    g_string_append (body, isnan (a) ? "nan" : "inf");
  else if (type == 0 && prec < 0)
    {
      py_float_repr (a, body);
      if (from_int)
        g_string_assign (body, body->str);
    }
  else
    {
      char t = type ? type : 'g';
      if (t == '%')
        a *= 100;
      if (prec < 0)
        prec = 6;
      char fmt[16];
      if (t == 'n')
        t = 'g';
      if (type == 0)
        {
          /* no type with a precision: like 'g' but at least one digit after the point */
          snprintf (fmt, sizeof fmt, "%%.%dg", MAX (prec, 1));
          char buf[512];
          snprintf (buf, sizeof buf, fmt, a);
          g_string_append (body, buf);
          if (!strpbrk (buf, ".e"))
            g_string_append (body, ".0");
        }
      else
        {
          snprintf (fmt, sizeof fmt, "%%%s.%d%c", sp->alt ? "#" : "", prec,
                    t == '%' ? 'f' : t == 'F' ? 'F' : t);
          int need = snprintf (NULL, 0, fmt, a);
          char *buf = g_malloc (need + 1);
          snprintf (buf, need + 1, fmt, a);
          g_string_append (body, buf);
          g_free (buf);
        }
      if (t == '%')
        g_string_append_c (body, '%');
    }
  if (sp->grouping)
    {
      gsize intlen = strspn (body->str, "0123456789");
      GString *ip_ = g_string_new_len (body->str, intlen);
      group_digits (ip_, sp->grouping);
      g_string_erase (body, 0, intlen);
      g_string_prepend (body, ip_->str);
      g_string_free (ip_, TRUE);
    }
  const char *prefix = neg ? "-" : sp->sign == '+' ? "+" : sp->sign == ' ' ? " " : "";
  pad_out (sp, prefix, body->str, TRUE, out);
  g_string_free (body, TRUE);
  return TRUE;
}

gboolean
py_format (PyInterp *ip, PyObj *v, const char *spec, GString *out)
{
  if (v->type->is_heap)
    {
      PyObj *fn = py_type_lookup (v->type, "__format__");
      if (fn)
        {
          PyObj *m = py_method_new (v, fn);
          PyObj *s = py_str_new (spec, -1);
          PyObj *r = py_call1 (ip, m, s);
          py_decref (m);
          py_decref (s);
          if (!r)
            return FALSE;
          if (PY_IS (r, py_str_type))
            g_string_append (out, PY_STR (r));
          py_decref (r);
          return TRUE;
        }
    }
  if (!py_is_number (v) && !PY_IS (v, py_str_type) && !v->type->is_heap && v->type->getattr)
    {
      /* a native type's own __format__ (a 0-d tensor formats its item) */
      PyObj *fn = py_getattr_opt (ip, v, "__format__");
      if (fn)
        {
          PyObj *s = py_str_new (spec, -1);
          PyObj *r = py_call1 (ip, fn, s);
          py_decref (fn);
          py_decref (s);
          if (!r)
            return FALSE;
          if (PY_IS (r, py_str_type))
            g_string_append (out, PY_STR (r));
          py_decref (r);
          return TRUE;
        }
      if (py_err_occurred (ip))
        return FALSE;
    }
  if (!*spec)
    return py_str (ip, v, out);
  Spec sp;
  if (!parse_spec (ip, spec, &sp))
    return FALSE;
  if (py_is_int (v) && !(PY_IS (v, py_bool_type) && sp.type == 0))
    {
      gint64 x = py_int_value (v);
      char t = sp.type ? sp.type : 'd';
      if (strchr ("eEfFgG%", t))
        return format_float (ip, (double) x, &sp, out, TRUE);
      if (sp.precision >= 0)
        {
          py_raise (ip, py_exc_ValueError, "Precision not allowed in integer format specifier");
          return FALSE;
        }
      guint64 ax = x < 0 ? -(guint64) x : (guint64) x;
      GString *body = g_string_new (NULL);
      const char *altp = "";
      switch (t)
        {
        case 'd': case 'n':
          g_string_printf (body, "%" G_GUINT64_FORMAT, ax);
          group_digits (body, sp.grouping);
          break;
        case 'x': g_string_printf (body, "%" G_GINT64_MODIFIER "x", ax); altp = "0x"; break;
        case 'X': g_string_printf (body, "%" G_GINT64_MODIFIER "X", ax); altp = "0X"; break;
        case 'o': g_string_printf (body, "%" G_GINT64_MODIFIER "o", ax); altp = "0o"; break;
        case 'b':
          if (ax == 0)
            g_string_append_c (body, '0');
          for (int i = 63; i >= 0; i--)
            if (ax >> i)
              g_string_append_c (body, (ax >> i) & 1 ? '1' : '0');
          altp = "0b";
          break;
        case 'c':
          g_string_append_unichar (body, (gunichar) x);
          break;
        default:
          g_string_free (body, TRUE);
          py_raise (ip, py_exc_ValueError, "Unknown format code '%c' for object of type '%s'", t,
                    v->type->name);
          return FALSE;
        }
      char *prefix = g_strdup_printf ("%s%s", x < 0 ? "-" : sp.sign == '+' ? "+"
                                      : sp.sign == ' ' ? " " : "", sp.alt ? altp : "");
      pad_out (&sp, prefix, body->str, TRUE, out);
      g_free (prefix);
      g_string_free (body, TRUE);
      return TRUE;
    }
  if (PY_IS (v, py_float_type))
    {
      if (sp.type && !strchr ("eEfFgGn%", sp.type))
        {
          py_raise (ip, py_exc_ValueError, "Unknown format code '%c' for object of type 'float'",
                    sp.type);
          return FALSE;
        }
      return format_float (ip, PY_FLOAT (v), &sp, out, FALSE);
    }
  /* everything else formats its str() as a string */
  if (sp.type && sp.type != 's')
    {
      py_raise (ip, py_exc_ValueError, "Unknown format code '%c' for object of type '%s'", sp.type,
                v->type->name);
      return FALSE;
    }
  if (!PY_IS (v, py_str_type) && !v->type->is_heap && PY_IS (v, py_str_type) == FALSE
      && (v->type == &py_list_type || v->type == &py_tuple_type || v->type == &py_dict_type
          || v->type == &py_none_type))
    {
      py_raise (ip, py_exc_TypeError, "unsupported format string passed to %s.__format__",
                v->type->name);
      return FALSE;
    }
  GString *s = g_string_new (NULL);
  if (!py_str (ip, v, s))
    {
      g_string_free (s, TRUE);
      return FALSE;
    }
  if (sp.precision >= 0)
    {
      const char *end = g_utf8_offset_to_pointer (s->str, MIN (sp.precision, (int) g_utf8_strlen (s->str, -1)));
      g_string_truncate (s, end - s->str);
    }
  if (sp.sign)
    {
      g_string_free (s, TRUE);
      py_raise (ip, py_exc_ValueError, "Sign not allowed in string format specifier");
      return FALSE;
    }
  pad_out (&sp, "", s->str, FALSE, out);
  g_string_free (s, TRUE);
  return TRUE;
}

/* "{} {name} {0:.2f} {x[0]} {y.attr}".format(...) */
PyObj *
py_str_format_method (PyInterp *ip, PyObj *self, PyArgs *a)
{
  const char *s = PY_STR (self);
  GString *out = g_string_new (NULL);
  int auto_idx = 0;
  while (*s)
    {
      if (s[0] == '{' && s[1] == '{')
        {
          g_string_append_c (out, '{');
          s += 2;
          continue;
        }
      if (s[0] == '}' && s[1] == '}')
        {
          g_string_append_c (out, '}');
          s += 2;
          continue;
        }
      if (*s == '}')
        {
          g_string_free (out, TRUE);
          return py_raise (ip, py_exc_ValueError, "Single '}' encountered in format string");
        }
      if (*s != '{')
        {
          g_string_append_c (out, *s++);
          continue;
        }
      const char *e = s + 1;
      int depth = 0;
      while (*e && !(*e == '}' && depth == 0))
        {
          if (*e == '{')
            depth++;
          else if (*e == '}')
            depth--;
          e++;
        }
      if (!*e)
        {
          g_string_free (out, TRUE);
          return py_raise (ip, py_exc_ValueError, "expected '}' before end of string");
        }
      char *field = g_strndup (s + 1, e - s - 1);
      s = e + 1;
      char *spec = strchr (field, ':');
      if (spec)
        *spec++ = 0;
      char conv = 0;
      char *bang = strchr (field, '!');
      if (bang)
        {
          conv = bang[1];
          *bang = 0;
        }
      /* the argument: index or name, then .attr / [key] */
      gsize nl = strcspn (field, ".[");
      PyObj *v = NULL;
      if (nl == 0)
        {
          if (auto_idx >= a->npos)
            {
              py_raise (ip, py_exc_IndexError,
                        "Replacement index %d out of range for positional args tuple", auto_idx);
              g_free (field);
              g_string_free (out, TRUE);
              return NULL;
            }
          v = py_incref (a->pos[auto_idx++]);
        }
      else if (g_ascii_isdigit (field[0]))
        {
          int k = atoi (field);
          if (k >= a->npos)
            {
              py_raise (ip, py_exc_IndexError,
                        "Replacement index %d out of range for positional args tuple", k);
              g_free (field);
              g_string_free (out, TRUE);
              return NULL;
            }
          v = py_incref (a->pos[k]);
        }
      else
        {
          for (int k = 0; k < a->nkw; k++)
            if (strlen (a->kwn[k]) == nl && strncmp (a->kwn[k], field, nl) == 0)
              v = py_incref (a->kwv[k]);
          if (!v)
            {
              char *name = g_strndup (field, nl);
              py_raise_obj (ip, py_exception_new (py_exc_KeyError,
                                                  py_tuple_pack (1, py_str_new (name, -1))));
              g_free (name);
              g_free (field);
              g_string_free (out, TRUE);
              return NULL;
            }
        }
      const char *p = field + nl;
      while (v && *p)
        {
          if (*p == '.')
            {
              gsize l = strcspn (p + 1, ".[");
              char *attr = g_strndup (p + 1, l);
              PyObj *nv = py_getattr (ip, v, attr);
              g_free (attr);
              py_decref (v);
              v = nv;
              p += 1 + l;
            }
          else
            {
              const char *close = strchr (p, ']');
              if (!close)
                close = p + strlen (p);
              char *key = g_strndup (p + 1, close - p - 1);
              PyObj *k = g_ascii_isdigit (key[0]) ? py_int_new (g_ascii_strtoll (key, NULL, 10))
                : py_str_new (key, -1);
              g_free (key);
              PyObj *nv = py_getitem (ip, v, k);
              py_decref (k);
              py_decref (v);
              v = nv;
              p = *close ? close + 1 : close;
            }
        }
      gboolean ok = v != NULL;
      if (ok && conv)
        {
          GString *r = g_string_new (NULL);
          ok = conv == 's' ? py_str (ip, v, r) : py_repr (ip, v, r);
          py_decref (v);
          v = py_str_take (r);
        }
      if (ok)
        ok = py_format (ip, v, spec ? spec : "", out);
      py_decref (v);
      g_free (field);
      if (!ok)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  return py_str_take (out);
}

/* 'x=%d, y=%.2f, %s' % (1, 2.0, 'a') */
PyObj *
py_str_mod (PyInterp *ip, PyObj *fmt, PyObj *args)
{
  PyObj **items = &args;
  gsize n = 1, k = 0;
  if (PY_IS (args, py_tuple_type))
    py_sequence_items (args, &items, &n);
  PyObj *mapping = py_isinstance (args, &py_dict_type) ? args : NULL;
  GString *out = g_string_new (NULL);
  const char *s = PY_STR (fmt);
  while (*s)
    {
      if (*s != '%')
        {
          g_string_append_c (out, *s++);
          continue;
        }
      s++;
      if (*s == '%')
        {
          g_string_append_c (out, '%');
          s++;
          continue;
        }
      PyObj *v = NULL;
      if (*s == '(' && mapping)
        {
          const char *e = strchr (s, ')');
          if (!e)
            goto bad;
          PyObj *key = py_str_new (s + 1, e - s - 1);
          v = py_getitem (ip, mapping, key);
          py_decref (key);
          if (!v)
            {
              g_string_free (out, TRUE);
              return NULL;
            }
          py_decref (v);
          s = e + 1;
        }
      GString *spec = g_string_new (NULL);
      while (*s && strchr ("-+ #0", *s))
        {
          g_string_append_c (spec, *s == '-' ? '<' : *s);
          s++;
        }
      while (g_ascii_isdigit (*s) || *s == '.')
        g_string_append_c (spec, *s++);
      char conv = *s ? *s++ : 0;
      if (!v)
        {
          if (k >= n)
            {
              g_string_free (spec, TRUE);
              g_string_free (out, TRUE);
              return py_raise (ip, py_exc_TypeError, "not enough arguments for format string");
            }
          v = items[k++];
        }
      gboolean ok = TRUE;
      if (conv == 's' || conv == 'r')
        {
          GString *t = g_string_new (NULL);
          ok = conv == 's' ? py_str (ip, v, t) : py_repr (ip, v, t);
          if (ok)
            {
              PyObj *ts = py_str_take (t);
              /* '<' flag means left-align: the spec's first char */
              char *sp2 = spec->str[0] == '<' ? g_strdup_printf ("<%s", spec->str + 1)
                : g_strdup_printf (">%s", spec->str);
              ok = py_format (ip, ts, sp2, out);
              g_free (sp2);
              py_decref (ts);
            }
          else
            g_string_free (t, TRUE);
        }
      else if (conv && strchr ("diouxXeEfFgGc", conv))
        {
          if (!py_is_number (v))
            {
              g_string_free (spec, TRUE);
              g_string_free (out, TRUE);
              return py_raise (ip, py_exc_TypeError, "%%%c format: a real number is required, not %s",
                               conv, v->type->name);
            }
          char c = conv == 'i' || conv == 'u' ? 'd' : conv;
          PyObj *num = py_incref (v);
          if (c == 'd' && PY_IS (v, py_float_type))
            {
              py_decref (num);
              num = py_int_new ((gint64) PY_FLOAT (v));
            }
          if (c != 'd' && c != 'x' && c != 'X' && c != 'o' && c != 'c' && py_is_int (num))
            {
              py_decref (num);
              num = py_float_new ((double) py_int_value (v));
            }
          g_string_append_c (spec, c);
          ok = py_format (ip, num, spec->str, out);
          py_decref (num);
        }
      else
        {
          g_string_free (spec, TRUE);
          goto bad;
        }
      g_string_free (spec, TRUE);
      if (!ok)
        {
          g_string_free (out, TRUE);
          return NULL;
        }
    }
  if (k < n && !mapping)
    {
      g_string_free (out, TRUE);
      return py_raise (ip, py_exc_TypeError, "not all arguments converted during string formatting");
    }
  return py_str_take (out);
bad:
  g_string_free (out, TRUE);
  return py_raise (ip, py_exc_ValueError, "unsupported format character '%c' (0x%x)",
                   *s ? *s : '?', *s);
}

/* ---- IPython's pretty printer ------------------------------------------------------------
 * Like repr, except: a list, tuple or dict that does not fit in 79 columns
 * from where it starts, or holds a multi-line item, breaks after each comma
 * with its items indented under the first; a multi-line repr is indented to
 * where it starts; a class shows as module.Name. */

static gboolean pretty_at (PyInterp *ip, PyObj *o, int col, int indent, GString *out);

static int
last_line_len (GString *s)
{
  const char *nl = strrchr (s->str, '\n');
  return (int) g_utf8_strlen (nl ? nl + 1 : s->str, -1);
}

static void
newline_indent (GString *out, int indent)
{
  g_string_append_c (out, '\n');
  for (int i = 0; i < indent; i++)
    g_string_append_c (out, ' ');
}

static gboolean
is_pretty_container (PyObj *o)
{
  return PY_IS (o, py_tuple_type) || PY_IS (o, py_list_type) || PY_IS (o, py_dict_type)
    || PY_IS (o, py_odict_type);
}

/* the one-line form: repr, except that classes inside show as module.Name */
static gboolean
flat_text (PyInterp *ip, PyObj *o, GString *out)
{
  if (PY_IS (o, py_type_type))
    {
      PyType *t = (PyType *) o;
      if (t->module && strcmp (t->module, "builtins") != 0)
        g_string_append_printf (out, "%s.%s", t->module, t->name);
      else
        g_string_append (out, t->name);
      return TRUE;
    }
  if (!is_pretty_container (o))
    return py_repr (ip, o, out);
  if (!py_repr_enter (o))
    {
      g_string_append (out, PY_IS (o, py_list_type) ? "[...]" : PY_IS (o, py_tuple_type) ? "(...)"
                       : PY_IS (o, py_dict_type) ? "{...}" : "...");
      return TRUE;
    }
  if (!py_enter (ip))
    {
      py_repr_leave (o);
      return FALSE;
    }
  gboolean ok = TRUE;
  if (py_isinstance (o, &py_dict_type))
    {
      gboolean od = PY_IS (o, py_odict_type);
      if (od && PY_DICT (o)->used == 0)
        g_string_append (out, "OrderedDict()");
      else
        {
          g_string_append (out, od ? "OrderedDict([" : "{");
          gsize pos = 0;
          PyObj *k, *v;
          gboolean first = TRUE;
          while (ok && py_dict_next (o, &pos, &k, &v))
            {
              if (!first)
                g_string_append (out, ", ");
              first = FALSE;
              if (od)
                g_string_append_c (out, '(');
              ok = flat_text (ip, k, out);
              g_string_append (out, od ? ", " : ": ");
              ok = ok && flat_text (ip, v, out);
              if (od)
                g_string_append_c (out, ')');
            }
          g_string_append (out, od ? "])" : "}");
        }
    }
  else
    {
      PyObj **items;
      gsize n;
      py_sequence_items (o, &items, &n);
      gboolean tuple = PY_IS (o, py_tuple_type);
      g_string_append_c (out, tuple ? '(' : '[');
      for (gsize i = 0; ok && i < n; i++)
        {
          if (i)
            g_string_append (out, ", ");
          ok = flat_text (ip, items[i], out);
        }
      if (tuple && n == 1)
        g_string_append_c (out, ',');
      g_string_append_c (out, tuple ? ')' : ']');
    }
  py_leave (ip);
  py_repr_leave (o);
  return ok;
}

/* col: where o starts on its line; indent: its group's indentation (IPython
 * indents by nesting, not by column: a dict's value continues at the dict's) */
static gboolean
pretty_seq (PyInterp *ip, PyObj *o, int col, int indent, GString *out)
{
  gboolean is_dict = py_isinstance (o, &py_dict_type), is_odict = py_isinstance (o, &py_odict_type);
  GString *flat = g_string_new (NULL);
  if (!flat_text (ip, o, flat))
    {
      g_string_free (flat, TRUE);
      return FALSE;
    }
  if (!strchr (flat->str, '\n') && col + (int) g_utf8_strlen (flat->str, -1) <= 79)
    {
      g_string_append (out, flat->str);
      g_string_free (flat, TRUE);
      return TRUE;
    }
  g_string_free (flat, TRUE);
  const char *open, *close;
  if (is_odict)
    open = "OrderedDict([", close = "])";
  else if (is_dict)
    open = "{", close = "}";
  else if (PY_IS (o, py_tuple_type))
    open = "(", close = ")";
  else
    open = "[", close = "]";
  g_string_append (out, open);
  int inner = indent + (int) strlen (open);
  py_repr_enter (o);   /* its items may hold it: they print it as [...] */
  gboolean first = TRUE;
  if (is_dict)
    {
      gsize pos = 0;
      PyObj *k, *v;
      while (py_dict_next (o, &pos, &k, &v))
        {
          if (!first)
            {
              g_string_append_c (out, ',');
              newline_indent (out, inner);
            }
          first = FALSE;
          if (is_odict)
            {
              PyObj *pair = py_tuple_pack (2, py_incref (k), py_incref (v));
              gboolean ok = pretty_at (ip, pair, last_line_len (out), inner, out);
              py_decref (pair);
              if (!ok)
                {
                  py_repr_leave (o);
                  return FALSE;
                }
              continue;
            }
          if (!pretty_at (ip, k, last_line_len (out), inner, out))
            {
                  py_repr_leave (o);
                  return FALSE;
                }
          g_string_append (out, ": ");
          if (!pretty_at (ip, v, last_line_len (out), inner, out))
            {
                  py_repr_leave (o);
                  return FALSE;
                }
        }
    }
  else
    {
      PyObj **items;
      gsize n;
      py_sequence_items (o, &items, &n);
      for (gsize i = 0; i < n; i++)
        {
          if (!first)
            {
              g_string_append_c (out, ',');
              newline_indent (out, inner);
            }
          first = FALSE;
          if (!pretty_at (ip, items[i], last_line_len (out), inner, out))
            {
                  py_repr_leave (o);
                  return FALSE;
                }
        }
      if (n == 1 && PY_IS (o, py_tuple_type))
        g_string_append_c (out, ',');
    }
  py_repr_leave (o);
  g_string_append (out, close);
  return TRUE;
}

static gboolean
pretty_at (PyInterp *ip, PyObj *o, int col, int indent, GString *out)
{
  if (is_pretty_container (o))
    {
      if (!py_repr_enter (o))
        return flat_text (ip, o, out);   /* met again: [...] */
      if (!py_enter (ip))
        {
          py_repr_leave (o);
          return FALSE;
        }
      py_repr_leave (o);
      gboolean ok = pretty_seq (ip, o, col, indent, out);
      py_leave (ip);
      return ok;
    }
  if (PY_IS (o, py_type_type))
    {
      PyType *t = (PyType *) o;
      if (t->module && strcmp (t->module, "builtins") != 0)
        g_string_append_printf (out, "%s.%s", t->module, t->name);
      else
        g_string_append (out, t->name);
      return TRUE;
    }
  GString *r = g_string_new (NULL);
  if (!py_repr (ip, o, r))
    {
      g_string_free (r, TRUE);
      return FALSE;
    }
  for (const char *p = r->str; *p; p++)
    if (*p == '\n')
      newline_indent (out, indent);
    else
      g_string_append_c (out, *p);
  g_string_free (r, TRUE);
  return TRUE;
}

gboolean
py_pretty (PyInterp *ip, PyObj *o, GString *out)
{
  return pretty_at (ip, o, 0, 0, out);
}
