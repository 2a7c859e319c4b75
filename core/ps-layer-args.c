/* ps-layer-args.c — a layer constructor's arguments: read from the literals an
 * extra_repr writes, formatted as Python's str() and repr(), bound to the
 * constructor's signature and read back typed while the layer is built. */
#include "ps-layer-private.h"
#include "ps-util.h"

#include <errno.h>
#include <math.h>
#include <string.h>

/* ---- argument values --------------------------------------------------- */

PsLayerArgs *
ps_layer_args_new (void)
{
  PsLayerArgs *a = g_new0 (PsLayerArgs, 1);
  a->pos = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  a->kw_names = g_ptr_array_new_with_free_func (g_free);
  a->kw_values = g_ptr_array_new_with_free_func ((GDestroyNotify) g_variant_unref);
  return a;
}

void
ps_layer_args_free (PsLayerArgs *a)
{
  if (a == NULL)
    return;
  g_ptr_array_unref (a->pos);
  g_ptr_array_unref (a->kw_names);
  g_ptr_array_unref (a->kw_values);
  g_free (a);
}

void
ps_layer_args_add (PsLayerArgs *a, const char *name, GVariant *value)
{
  g_variant_ref_sink (value);
  if (name == NULL)
    g_ptr_array_add (a->pos, value);
  else
    {
      g_ptr_array_add (a->kw_names, g_strdup (name));
      g_ptr_array_add (a->kw_values, value);
    }
}

static GVariant *
v_none (void)
{
  return g_variant_new_maybe (G_VARIANT_TYPE_VARIANT, NULL);
}

gboolean
ps_layer_is_none (GVariant *v)
{
  return v == NULL || (g_variant_is_of_type (v, G_VARIANT_TYPE_MAYBE) && g_variant_n_children (v) == 0);
}

GVariant *
ps_layer_tuple (const int64_t *x, int n)
{
  GVariantBuilder b;
  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  for (int i = 0; i < n; i++)
    g_variant_builder_add (&b, "v", g_variant_new_int64 (x[i]));
  return g_variant_builder_end (&b);
}

/* A tiny reader of Python literals: numbers, True/False/None, strings, bare
 * words (read as strings, as str.format writes them), tuples and lists.  A
 * tuple is "av"; a list is the same array inside a maybe ("mav"), so that it
 * prints back with its brackets (MViT's MaxPool3d(kernel_size=[1, 3, 3])). */
typedef struct
{
  const char *s, *p;
  GError    **error;
} Lit;

static void
skip_ws (Lit *l)
{
  while (*l->p == ' ' || *l->p == '\t' || *l->p == '\n' || *l->p == '\r')
    l->p++;
}

static gboolean
word_char (char c)
{
  return g_ascii_isalnum (c) || c == '_' || c == '.';
}

static GVariant *parse_value (Lit *l, int depth);

static GVariant *
parse_seq (Lit *l, char close, int depth)
{
  GVariantBuilder b;

  g_variant_builder_init (&b, G_VARIANT_TYPE ("av"));
  skip_ws (l);
  while (*l->p != close)
    {
      GVariant *v = parse_value (l, depth + 1);
      if (v == NULL)
        {
          g_variant_builder_clear (&b);
          return NULL;
        }
      g_variant_builder_add (&b, "v", v);
      skip_ws (l);
      if (*l->p == ',')
        {
          l->p++;
          skip_ws (l);
        }
      else if (*l->p != close)
        {
          g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "expected ',' or '%c' at column %d",
                       close, (int) (l->p - l->s) + 1);
          g_variant_builder_clear (&b);
          return NULL;
        }
    }
  l->p++;
  return g_variant_builder_end (&b);
}

static GVariant *
parse_value (Lit *l, int depth)
{
  const char *start;

  skip_ws (l);
  start = l->p;
  if (depth > 32)
    {
      g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "values nested too deeply");
      return NULL;
    }
  if (*l->p == '(' || *l->p == '[')
    {
      char close = *l->p == '(' ? ')' : ']';
      GVariant *seq;
      l->p++;
      seq = parse_seq (l, close, depth);
      return seq && close == ']' ? g_variant_new_maybe (NULL, seq) : seq;
    }
  if (*l->p == '\'' || *l->p == '"')
    {
      char q = *l->p++;
      const char *b = l->p;
      while (*l->p && *l->p != q)
        l->p++;
      if (*l->p != q)
        {
          g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "unterminated string at column %d",
                       (int) (start - l->s) + 1);
          return NULL;
        }
      l->p++;
      return g_variant_new_take_string (g_strndup (b, l->p - 1 - b));
    }
  if (*l->p == '-' || *l->p == '+' || g_ascii_isdigit (*l->p)
      || (*l->p == '.' && g_ascii_isdigit (l->p[1])))
    {
      const char *q = l->p + 1;
      gboolean is_float = FALSE;
      char *end;
      while (word_char (*q) || ((*q == '-' || *q == '+') && (q[-1] == 'e' || q[-1] == 'E')))
        {
          if (*q == '.' || *q == 'e' || *q == 'E' || *q == 'n' || *q == 'i')
            is_float = TRUE;
          q++;
        }
      if (!is_float)
        {
          gint64 i;
          errno = 0;
          i = g_ascii_strtoll (l->p, &end, 10);
          if (end == q && errno == 0)
            {
              l->p = q;
              return g_variant_new_int64 (i);
            }
        }
      {
        double d = g_ascii_strtod (l->p, &end);
        if (end == q)
          {
            l->p = q;
            return g_variant_new_double (d);
          }
      }
      g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "\"%.*s\" is not a number",
                   (int) (q - l->p), l->p);
      return NULL;
    }
  if (g_ascii_isalpha (*l->p) || *l->p == '_')
    {
      g_autofree char *w = NULL;
      while (word_char (*l->p))
        l->p++;
      w = g_strndup (start, l->p - start);
      if (strcmp (w, "True") == 0 || strcmp (w, "False") == 0)
        return g_variant_new_boolean (*w == 'T');
      if (strcmp (w, "None") == 0)
        return v_none ();
      if (strcmp (w, "inf") == 0 || strcmp (w, "nan") == 0)
        return g_variant_new_double (*w == 'i' ? INFINITY : NAN);
      return g_variant_new_string (w);
    }
  g_set_error (l->error, PS_ERROR, PS_ERROR_PARSE, "expected a value at column %d",
               (int) (start - l->s) + 1);
  return NULL;
}

PsLayerArgs *
ps_layer_args_parse (const char *text, GError **error)
{
  g_autoptr (PsLayerArgs) a = ps_layer_args_new ();
  Lit l = { text, text, error };

  skip_ws (&l);
  while (*l.p)
    {
      const char *q = l.p;
      g_autofree char *name = NULL;
      GVariant *v;

      /* NAME= ? */
      if (g_ascii_isalpha (*q) || *q == '_')
        {
          while (g_ascii_isalnum (*q) || *q == '_')
            q++;
          if (*q == '=' && q[1] != '=')
            {
              name = g_strndup (l.p, q - l.p);
              l.p = q + 1;
            }
        }
      v = parse_value (&l, 0);
      if (v == NULL)
        return NULL;
      if (name == NULL && a->kw_names->len > 0)
        {
          g_variant_unref (g_variant_ref_sink (v));
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "a positional value follows keyword values at column %d",
                       (int) (q - text) + 1);
          return NULL;
        }
      ps_layer_args_add (a, name, v);
      skip_ws (&l);
      if (*l.p == ',')
        {
          l.p++;
          skip_ws (&l);
          if (*l.p == '\0')
            break;
        }
      else if (*l.p)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE, "expected ',' at column %d",
                       (int) (l.p - text) + 1);
          return NULL;
        }
    }
  return g_steal_pointer (&a);
}

static void
format_into (GString *out, GVariant *v, gboolean quote)
{
  if (g_variant_is_of_type (v, G_VARIANT_TYPE_VARIANT))
    {
      g_autoptr (GVariant) inner = g_variant_get_variant (v);
      format_into (out, inner, quote);
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    g_string_append_printf (out, "%" G_GINT64_FORMAT, g_variant_get_int64 (v));
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    {
      g_autofree char *s = ps_python_float_repr (g_variant_get_double (v));
      g_string_append (out, s);
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    g_string_append (out, g_variant_get_boolean (v) ? "True" : "False");
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE_STRING))
    {
      if (quote)
        g_string_append_printf (out, "'%s'", g_variant_get_string (v, NULL));
      else
        g_string_append (out, g_variant_get_string (v, NULL));
    }
  else if (ps_layer_is_none (v))
    g_string_append (out, "None");
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE ("mav")))
    {
      g_autoptr (GVariant) seq = g_variant_get_maybe (v);
      gsize n = g_variant_n_children (seq);
      g_string_append_c (out, '[');
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr (GVariant) c = g_variant_get_child_value (seq, i);
          if (i)
            g_string_append (out, ", ");
          format_into (out, c, TRUE);
        }
      g_string_append_c (out, ']');
    }
  else if (g_variant_is_of_type (v, G_VARIANT_TYPE ("av")))
    {
      gsize n = g_variant_n_children (v);
      g_string_append_c (out, '(');
      for (gsize i = 0; i < n; i++)
        {
          g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
          if (i)
            g_string_append (out, ", ");
          format_into (out, c, TRUE);          /* str(tuple) is repr of its items */
        }
      g_string_append (out, n == 1 ? ",)" : ")");
    }
  else
    g_string_append (out, "?");
}

char *
ps_layer_format_value (GVariant *v, gboolean quote)
{
  GString *out = g_string_new (NULL);
  format_into (out, v, quote);
  return g_string_free (out, FALSE);
}

/* ---- binding arguments to a signature ---------------------------------- */

typedef struct
{
  char     *name;
  GVariant *deflt;      /* NULL: required */
} SigParam;

static GArray *
signature_params (const PsLayerEntry *e)
{
  GArray *out = g_array_new (FALSE, TRUE, sizeof (SigParam));
  g_autoptr (PsLayerArgs) a = NULL;

  if (e->signature == NULL || *e->signature == '\0')
    return out;
  /* "a, b, c=1": required names parse as bare words (strings) */
  a = ps_layer_args_parse (e->signature, NULL);
  g_assert (a != NULL);
  for (guint i = 0; i < a->pos->len; i++)
    {
      SigParam p = { g_variant_dup_string (a->pos->pdata[i], NULL), NULL };
      g_array_append_val (out, p);
    }
  for (guint i = 0; i < a->kw_names->len; i++)
    {
      SigParam p = { g_strdup (a->kw_names->pdata[i]), g_variant_ref (a->kw_values->pdata[i]) };
      g_array_append_val (out, p);
    }
  return out;
}

static void
sig_free (GArray *sig)
{
  for (guint i = 0; i < sig->len; i++)
    {
      g_free (g_array_index (sig, SigParam, i).name);
      if (g_array_index (sig, SigParam, i).deflt)
        g_variant_unref (g_array_index (sig, SigParam, i).deflt);
    }
  g_array_unref (sig);
}

/* name -> GVariant* (refs) for every signature parameter */
GHashTable *
ps_layer_bind_args (const PsLayerEntry *e, const PsLayerArgs *args, GError **error)
{
  GArray *sig = signature_params (e);
  GHashTable *out = g_hash_table_new_full (g_str_hash, g_str_equal, g_free,
                                           (GDestroyNotify) g_variant_unref);
  guint npos = args ? args->pos->len : 0;

  if (npos > sig->len)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): takes %u positional arguments but "
                   "%u were given", e->name, sig->len, npos);
      goto fail;
    }
  for (guint i = 0; i < npos; i++)
    g_hash_table_insert (out, g_strdup (g_array_index (sig, SigParam, i).name),
                         g_variant_ref (args->pos->pdata[i]));
  for (guint k = 0; args && k < args->kw_names->len; k++)
    {
      const char *name = args->kw_names->pdata[k];
      gboolean found = FALSE;
      for (guint i = 0; i < sig->len && !found; i++)
        found = strcmp (g_array_index (sig, SigParam, i).name, name) == 0;
      if (!found)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): unexpected keyword argument '%s'",
                       e->name, name);
          goto fail;
        }
      if (g_hash_table_contains (out, name))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): got multiple values for "
                       "argument '%s'", e->name, name);
          goto fail;
        }
      g_hash_table_insert (out, g_strdup (name), g_variant_ref (args->kw_values->pdata[k]));
    }
  for (guint i = 0; i < sig->len; i++)
    {
      SigParam *p = &g_array_index (sig, SigParam, i);
      if (g_hash_table_contains (out, p->name))
        continue;
      if (p->deflt == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s(): missing required argument '%s'",
                       e->name, p->name);
          goto fail;
        }
      g_hash_table_insert (out, g_strdup (p->name), g_variant_ref (p->deflt));
    }
  sig_free (sig);
  return out;

fail:
  sig_free (sig);
  g_hash_table_unref (out);
  return NULL;
}

/* ---- typed access to bound values -------------------------------------- */

int64_t
ps_bind_int (PsLayerBind *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return 0;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be an integer, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return 0;
}

int64_t
ps_bind_size (PsLayerBind *b, const char *name)
{
  int64_t i = ps_bind_int (b, name);
  if (!b->failed && i < 0)
    {
      g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be >= 0, got %"
                   G_GINT64_FORMAT, b->e->name, name, i);
      b->failed = TRUE;
    }
  return i;
}

gboolean
ps_bind_bool (PsLayerBind *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return FALSE;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_BOOLEAN))
    return g_variant_get_boolean (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return g_variant_get_int64 (v) != 0;
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be True or False, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return FALSE;
}

double
ps_bind_double (PsLayerBind *b, const char *name)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  if (b->failed)
    return 0;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_DOUBLE))
    return g_variant_get_double (v);
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    return (double) g_variant_get_int64 (v);
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be a number, got %s",
                 b->e->name, name, s);
  }
  b->failed = TRUE;
  return 0;
}

/* An int or a tuple of n ints (PyTorch's _single/_pair/_triple). */
GVariant *
ps_bind_tuple (PsLayerBind *b, const char *name, int n, int64_t *out)
{
  GVariant *v = g_hash_table_lookup (b->kv, name);
  g_autoptr (GVariant) list = NULL;
  int64_t x[8] = { 0 };

  if (b->failed)
    return NULL;
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE ("mav")) && g_variant_n_children (v) == 1)
    v = list = g_variant_get_maybe (v);      /* a list: as a tuple */
  if (v && g_variant_is_of_type (v, G_VARIANT_TYPE_INT64))
    for (int i = 0; i < n; i++)
      x[i] = g_variant_get_int64 (v);
  else if (v && g_variant_is_of_type (v, G_VARIANT_TYPE ("av")) && (int) g_variant_n_children (v) == n)
    for (int i = 0; i < n; i++)
      {
        g_autoptr (GVariant) c = g_variant_get_child_value (v, i);
        g_autoptr (GVariant) in = g_variant_get_variant (c);
        if (!g_variant_is_of_type (in, G_VARIANT_TYPE_INT64))
          goto bad;
        x[i] = g_variant_get_int64 (in);
      }
  else
    goto bad;
  if (out)
    memcpy (out, x, (size_t) n * sizeof (int64_t));
  {
    GVariant *t = g_variant_ref_sink (ps_layer_tuple (x, n));
    g_ptr_array_add (b->owned, t);
    return t;
  }

bad:
  {
    g_autofree char *s = v ? ps_layer_format_value (v, TRUE) : g_strdup ("nothing");
    g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s must be an integer or a tuple of "
                 "%d integers, got %s", b->e->name, name, n, s);
  }
  b->failed = TRUE;
  return NULL;
}

void
ps_bind_fail (PsLayerBind *b, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (b->failed)
    return;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (b->error, PS_ERROR, PS_ERROR_VALUE, "%s(): %s", b->e->name, msg);
  b->failed = TRUE;
}

void
ps_layer_append_opt (GString *s, PsModule *m, const char *sep, const char *name, gboolean quote)
{
  GVariant *v = ps_module_get_option (m, name);
  g_string_append (s, sep);
  if (v)
    format_into (s, v, quote);
  else
    g_string_append (s, "None");
}
