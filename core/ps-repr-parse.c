/* ps-repr-parse.c — build a model from the text print(net) writes
 *
 *   Sequential(
 *     (0): Linear(in_features=4, out_features=8, bias=True)
 *     (block 0): Sequential(
 *       ...
 *     )
 *   )
 *
 * The repr cannot express tying, so every module is a fresh one.
 */
#include "ps-model-file.h"
#include "ps-error.h"
#include "ps-util.h"

#include <stdlib.h>
#include <string.h>

static const char *repr_kinds[] = {
  "Sequential", "Linear", "LazyLinear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
  "Identity", "Flatten",
};

/* s has avail bytes (it need not be NUL-terminated). */
static gboolean
starts_with_kind (const char *s, size_t avail, const char **kind_out)
{
  for (guint i = 0; i < G_N_ELEMENTS (repr_kinds); i++)
    {
      size_t n = strlen (repr_kinds[i]);
      if (avail > n && memcmp (s, repr_kinds[i], n) == 0 && s[n] == '(')
        {
          if (kind_out)
            *kind_out = repr_kinds[i];
          return TRUE;
        }
    }
  return FALSE;
}

gboolean
ps_model_text_is_repr (const char *text, gssize len)
{
  const char *p = text, *end;

  if (len < 0)
    len = (gssize) strlen (text);
  end = text + len;
  /* first significant line */
  while (p < end)
    {
      while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n'))
        p++;
      if (p < end && *p == '#')
        {
          while (p < end && *p != '\n')
            p++;
          continue;
        }
      break;
    }
  return p < end && (size_t) (end - p) > 2 && starts_with_kind (p, (size_t) (end - p), NULL);
}

typedef struct
{
  const char *file;
  int         line;
  GError    **error;
  double      param_bytes;
} R;

static gboolean G_GNUC_PRINTF (3, 4)
rfail (R *r, int col, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (r->error, PS_ERROR, PS_ERROR_PARSE, "%s:%d:%d: %s", r->file, r->line, col, msg);
  return FALSE;
}

/* Parse "k=v, k=v" into a table; values kept as text. */
static GHashTable *
parse_kv (R *r, const char *args, int col)
{
  GHashTable *kv = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_auto (GStrv) parts = NULL;

  if (*args == '\0')
    return kv;
  parts = g_strsplit (args, ",", -1);
  for (guint i = 0; parts[i]; i++)
    {
      char *eq = strchr (parts[i], '=');
      g_autofree char *k = NULL, *v = NULL;
      if (eq == NULL)
        {
          rfail (r, col, "expected key=value in \"%s\"", args);
          g_hash_table_unref (kv);
          return NULL;
        }
      k = g_strstrip (g_strndup (parts[i], eq - parts[i]));
      v = g_strstrip (g_strdup (eq + 1));
      g_hash_table_replace (kv, g_steal_pointer (&k), g_steal_pointer (&v));
    }
  return kv;
}

static gboolean
kv_int (R *r, GHashTable *kv, const char *key, gboolean required, gint64 deflt, gint64 *out, int col)
{
  const char *v = g_hash_table_lookup (kv, key);
  char *end;
  if (v == NULL)
    {
      if (required)
        return rfail (r, col, "missing %s=", key);
      *out = deflt;
      return TRUE;
    }
  *out = g_ascii_strtoll (v, &end, 10);
  if (end == v || *end != '\0')
    return rfail (r, col, "%s must be an integer, got \"%s\"", key, v);
  g_hash_table_remove (kv, key);
  return TRUE;
}

static gboolean
kv_bool (R *r, GHashTable *kv, const char *key, gboolean deflt, gboolean *out, int col)
{
  const char *v = g_hash_table_lookup (kv, key);
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (strcmp (v, "True") != 0 && strcmp (v, "False") != 0)
    return rfail (r, col, "%s must be True or False, got \"%s\"", key, v);
  *out = strcmp (v, "True") == 0;
  g_hash_table_remove (kv, key);
  return TRUE;
}

static PsModule *
build_leaf (R *r, const char *kind, const char *args, PsRng *rng, int col)
{
  g_autoptr (GHashTable) kv = parse_kv (r, args, col);
  PsModule *m = NULL;
  gint64 fin, fout, sd, ed;
  gboolean bias, inplace;

  if (kv == NULL)
    return NULL;
  if (strcmp (kind, "Linear") == 0 || strcmp (kind, "LazyLinear") == 0)
    {
      if (!kv_int (r, kv, "in_features", TRUE, 0, &fin, col)
          || !kv_int (r, kv, "out_features", TRUE, 0, &fout, col)
          || !kv_bool (r, kv, "bias", TRUE, &bias, col))
        return NULL;
      if (fin < 0 || fout < 0)
        return rfail (r, col, "features must be >= 0"), NULL;
      if (fin * (double) fout > (double) (G_GINT64_CONSTANT (1) << 31))
        return rfail (r, col, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large",
                      fin, fout), NULL;
      r->param_bytes += ((double) fin * (double) fout + (bias ? (double) fout : 0)) * 4;
      if (r->param_bytes > (double) ps_param_budget_bytes ())
        return rfail (r, col, "the model's parameters would need %.1f GiB, above the limit of "
                      "%.1f GiB (set PARAMSCOPE_MAX_PARAM_GIB to change it)",
                      r->param_bytes / (1 << 30), (double) ps_param_budget_bytes () / (1 << 30)), NULL;
      if (strcmp (kind, "LazyLinear") == 0 || fin == 0)
        m = strcmp (kind, "LazyLinear") == 0 ? ps_module_new_lazy_linear (fout, bias)
                                              : ps_module_new_linear (0, fout, bias, rng);
      else
        m = ps_module_new_linear (fin, fout, bias, rng);
      if (m == NULL)
        return rfail (r, col, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large "
                      "to allocate", fin, fout), NULL;
    }
  else if (strcmp (kind, "ReLU") == 0)
    {
      if (!kv_bool (r, kv, "inplace", FALSE, &inplace, col))
        return NULL;
      m = ps_module_new (PS_MODULE_RELU);
      ps_module_set_inplace (m, inplace);
    }
  else if (strcmp (kind, "LeakyReLU") == 0)
    {
      const char *s = g_hash_table_lookup (kv, "negative_slope");
      char *end = NULL;
      double slope = 0.01;
      if (!kv_bool (r, kv, "inplace", FALSE, &inplace, col))
        return NULL;
      if (s)
        {
          slope = g_ascii_strtod (s, &end);
          if (end == s || *end != '\0')
            return rfail (r, col, "negative_slope must be a number, got \"%s\"", s), NULL;
        }
      m = ps_module_new_leaky_relu (slope, inplace);
      if (s)
        ps_module_set_slope_text (m, s);
      g_hash_table_remove (kv, "negative_slope");
    }
  else if (strcmp (kind, "GELU") == 0)
    {
      const char *a = g_hash_table_lookup (kv, "approximate");
      m = ps_module_new (PS_MODULE_GELU);
      if (a && strcmp (a, "'tanh'") == 0)
        ps_module_set_gelu_tanh (m, TRUE);
      else if (a && strcmp (a, "'none'") != 0)
        {
          ps_module_unref (m);
          return rfail (r, col, "GELU approximate must be 'none' or 'tanh'"), NULL;
        }
      g_hash_table_remove (kv, "approximate");
    }
  else if (strcmp (kind, "Flatten") == 0)
    {
      if (!kv_int (r, kv, "start_dim", FALSE, 1, &sd, col)
          || !kv_int (r, kv, "end_dim", FALSE, -1, &ed, col))
        return NULL;
      if (sd < -PS_TENSOR_MAX_DIMS || sd >= PS_TENSOR_MAX_DIMS || ed < -PS_TENSOR_MAX_DIMS
          || ed >= PS_TENSOR_MAX_DIMS)
        return rfail (r, col, "Flatten dimensions out of range"), NULL;
      m = ps_module_new_flatten ((int) sd, (int) ed);
    }
  else if (strcmp (kind, "Sigmoid") == 0)
    m = ps_module_new (PS_MODULE_SIGMOID);
  else if (strcmp (kind, "Tanh") == 0)
    m = ps_module_new (PS_MODULE_TANH);
  else if (strcmp (kind, "Identity") == 0)
    m = ps_module_new (PS_MODULE_IDENTITY);
  else if (strcmp (kind, "Sequential") == 0)
    m = ps_module_new_sequential ();

  if (m && g_hash_table_size (kv) > 0)
    {
      GHashTableIter it;
      gpointer k;
      g_hash_table_iter_init (&it, kv);
      g_hash_table_iter_next (&it, &k, NULL);
      rfail (r, col, "%s has no option '%s'", kind, (char *) k);
      ps_module_unref (m);
      return NULL;
    }
  return m;
}

PsModule *
ps_model_parse_repr (const char *text, gssize len, const char *filename, PsRng *rng,
                     GError **error)
{
  g_autofree char *copy = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GPtrArray) stack = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_module_unref);
  PsModule *root = NULL;
  R r = { filename ? filename : "<repr>", 0, error, 0 };
  gboolean done = FALSE;

  if (len < 0)
    len = (gssize) strlen (text);
  copy = g_strndup (text, len);
  lines = g_strsplit (copy, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      char *line = lines[i], *p;
      char *name = NULL;
      const char *kind = NULL;
      size_t l;
      int col;

      r.line = (int) i + 1;
      g_strchomp (line);
      p = line;
      while (*p == ' ' || *p == '\t')
        p++;
      col = (int) (p - line) + 1;
      if (*p == '\0')
        continue;
      if (done)
        {
          rfail (&r, col, "text after the end of the model");
          goto fail;
        }
      if (strcmp (p, ")") == 0)
        {
          if (stack->len == 0)
            {
              rfail (&r, col, "unmatched ')'");
              goto fail;
            }
          g_ptr_array_remove_index (stack, stack->len - 1);
          if (stack->len == 0)
            done = TRUE;
          continue;
        }
      if (*p == '(')
        {
          char *close = strstr (p, "): ");
          if (close == NULL)
            {
              rfail (&r, col, "expected \"(NAME): MODULE\"");
              goto fail;
            }
          if (stack->len == 0)
            {
              rfail (&r, col, "a child line outside any Sequential");
              goto fail;
            }
          name = p + 1;
          *close = '\0';
          p = close + 3;
          col = (int) (p - line) + 1;
        }
      else if (stack->len > 0)
        {
          rfail (&r, col, "expected \"(NAME): MODULE\" or \")\"");
          goto fail;
        }
      if (!starts_with_kind (p, strlen (p), &kind))
        {
          rfail (&r, col, "unknown module \"%.*s\" (supported: Sequential, Linear, LazyLinear, "
                 "ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity, Flatten)",
                 (int) strcspn (p, "("), p);
          goto fail;
        }
      l = strlen (p);
      {
        PsModule *m;
        gboolean opens = p[l - 1] == '(';
        g_autoptr (GError) err = NULL;
        if (!opens && p[l - 1] != ')')
          {
            rfail (&r, col, "expected ')' at the end of the line");
            goto fail;
          }
        if (opens)
          {
            if (strcmp (kind, "Sequential") != 0)
              {
                rfail (&r, col, "only Sequential can contain modules");
                goto fail;
              }
            m = ps_module_new_sequential ();
          }
        else
          {
            g_autofree char *args = g_strndup (p + strlen (kind) + 1, l - strlen (kind) - 2);
            m = build_leaf (&r, kind, args, rng, col);
            if (m == NULL)
              goto fail;
          }
        if (stack->len > 0)
          {
            if (!ps_module_append (g_ptr_array_index (stack, stack->len - 1), name,
                                   ps_module_ref (m), &err))
              {
                ps_module_unref (m);
                rfail (&r, col, "%s", err->message);
                goto fail;
              }
          }
        else
          {
            root = ps_module_ref (m);
            if (!opens)
              done = TRUE;
          }
        if (opens)
          {
            if (stack->len >= 256)
              {
                ps_module_unref (m);
                rfail (&r, col, "modules are nested too deeply");
                goto fail;
              }
            g_ptr_array_add (stack, m);
          }
        else
          ps_module_unref (m);
      }
    }
  if (!done)
    {
      rfail (&r, 1, "unexpected end of text: a Sequential( is not closed");
      goto fail;
    }
  return root;

fail:
  ps_module_unref (root);
  return NULL;
}
