/* ps-module-names.c — what PyTorch prints and names of a module tree: repr,
 * named_parameters / named_buffers / state_dict / named_modules in PyTorch's orders,
 * tied names, and the paths between state_dict keys and index paths */
#include "ps-module-private.h"
#include "ps-error.h"
#include "ps-util.h"

#include <string.h>

/* A parameter or, failing that, a buffer: what a state_dict key's last part names. */
static PsParam *
get_slot (PsModule *m, const char *name)
{
  PsParam *p = ps_module_get_param_by_name (m, name);
  return p ? p : ps_module_get_buffer_by_name (m, name);
}

/* ---- repr -------------------------------------------------------------- */

static char *
extra_repr (PsModule *m)
{
  switch (m->kind)
    {
    case PS_MODULE_LINEAR:
      return g_strdup_printf ("in_features=%" G_GINT64_FORMAT ", out_features=%" G_GINT64_FORMAT
                              ", bias=%s", m->in_features, m->out_features,
                              ps_module_has_bias (m) ? "True" : "False");
    case PS_MODULE_RELU:
      return g_strdup (m->inplace ? "inplace=True" : "");
    case PS_MODULE_LEAKY_RELU:
      return g_strdup_printf ("negative_slope=%s%s", m->slope_text,
                              m->inplace ? ", inplace=True" : "");
    case PS_MODULE_GELU:
      return g_strdup_printf ("approximate='%s'", m->gelu_tanh ? "tanh" : "none");
    case PS_MODULE_FLATTEN:
      return g_strdup_printf ("start_dim=%d, end_dim=%d", m->start_dim, m->end_dim);
    case PS_MODULE_CONTAINER:
    case PS_MODULE_LAYER:
      return g_strdup (m->extra ? m->extra : "");
    default:
      return g_strdup ("");
    }
}

static void
repr_into (PsModule *m, GString *out, int indent)
{
  g_autofree char *extra = extra_repr (m);

  g_string_append (out, ps_module_get_type_name (m));
  g_string_append_c (out, '(');
  if (m->children->len == 0 && strchr (extra, '\n') == NULL)
    {
      g_string_append (out, extra);   /* one extra line and no children: inline */
      g_string_append_c (out, ')');
      return;
    }
  if (*extra)
    {
      /* Module.__repr__: extra_repr().split('\n'), each line indented */
      g_auto (GStrv) lines = g_strsplit (extra, "\n", -1);
      for (guint k = 0; lines[k]; k++)
        g_string_append_printf (out, "\n%*s%s", indent + 2, "", lines[k]);
    }
  for (guint i = 0; i < m->children->len; i++)
    {
      g_string_append_printf (out, "\n%*s(%s): ", indent + 2, "",
                              (char *) m->child_names->pdata[i]);
      repr_into (m->children->pdata[i], out, indent + 2);
    }
  g_string_append_printf (out, "\n%*s)", indent, "");
}

char *
ps_module_repr (PsModule *m)
{
  GString *out = g_string_new (NULL);
  repr_into (m, out, 0);
  return g_string_free (out, FALSE);
}

/* ---- naming ------------------------------------------------------------ */

static void
named_param_free (PsNamedParam *np)
{
  g_free (np->name);
  g_free (np->slot);
  g_free (np);
}

static char *
join_name (const char *prefix, const char *name)
{
  return *prefix ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
}

static void
add_named (GPtrArray *out, const char *prefix, PsModule *m, const char *slot, PsParam *p,
           gboolean is_buffer)
{
  PsNamedParam *np = g_new0 (PsNamedParam, 1);

  np->name = join_name (prefix, slot);
  np->param = p;
  np->owner = m;
  np->slot = g_strdup (slot);
  np->is_buffer = is_buffer;
  g_ptr_array_add (out, np);
}

typedef enum { WANT_PARAMS = 1, WANT_BUFFERS = 2, WANT_STATE = 4 } Want;

/* dedup: NULL for state_dict (every key); else a set of seen modules and tensors.
 * want: parameters, buffers (WANT_STATE: persistent ones only), per module in
 * this order, then the children: _save_to_state_dict's and named_parameters' order. */
static void
collect_slots (PsModule *m, const char *prefix, GPtrArray *out, GHashTable *seen, Want want)
{
  if (seen)
    {
      if (g_hash_table_contains (seen, m))
        return;
      g_hash_table_add (seen, m);
    }
  for (guint i = 0; (want & WANT_PARAMS) && i < m->params->len; i++)
    {
      if (seen)
        {
          if (g_hash_table_contains (seen, m->params->pdata[i]))
            continue;
          g_hash_table_add (seen, m->params->pdata[i]);
        }
      add_named (out, prefix, m, m->param_names->pdata[i], m->params->pdata[i], FALSE);
    }
  for (guint i = 0; (want & WANT_BUFFERS) && i < m->buffers->len; i++)
    {
      if ((want & WANT_STATE) && !g_array_index (m->buffer_persistent, gboolean, i))
        continue;
      if (seen)
        {
          if (g_hash_table_contains (seen, m->buffers->pdata[i]))
            continue;
          g_hash_table_add (seen, m->buffers->pdata[i]);
        }
      add_named (out, prefix, m, m->buffer_names->pdata[i], m->buffers->pdata[i], TRUE);
    }
  for (guint i = 0; i < m->children->len; i++)
    {
      g_autofree char *p = join_name (prefix, m->child_names->pdata[i]);
      collect_slots (m->children->pdata[i], p, out, seen, want);
    }
}

GPtrArray *
ps_module_named_parameters (PsModule *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) named_param_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  collect_slots (m, "", out, seen, WANT_PARAMS);
  return out;
}

GPtrArray *
ps_module_named_buffers (PsModule *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) named_param_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  collect_slots (m, "", out, seen, WANT_BUFFERS);
  return out;
}

GPtrArray *
ps_module_state_dict (PsModule *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) named_param_free);
  collect_slots (m, "", out, NULL, WANT_PARAMS | WANT_BUFFERS | WANT_STATE);
  return out;
}

static void
named_module_free (PsNamedModule *nm)
{
  g_free (nm->name);
  g_free (nm);
}

static void
collect_modules (PsModule *m, const char *prefix, GPtrArray *out, GHashTable *seen)
{
  PsNamedModule *nm;

  if (g_hash_table_contains (seen, m))
    return;
  g_hash_table_add (seen, m);
  nm = g_new0 (PsNamedModule, 1);
  nm->name = g_strdup (prefix);
  nm->module = m;
  g_ptr_array_add (out, nm);
  for (guint i = 0; i < m->children->len; i++)
    {
      g_autofree char *p = join_name (prefix, m->child_names->pdata[i]);
      collect_modules (m->children->pdata[i], p, out, seen);
    }
}

GPtrArray *
ps_module_named_modules (PsModule *m)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) named_module_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  collect_modules (m, "", out, seen);
  return out;
}

GPtrArray *
ps_module_param_aliases (PsModule *m, PsParam *param)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  GPtrArray *out = g_ptr_array_new_with_free_func (g_free);

  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      if (np->param == param)
        g_ptr_array_add (out, g_strdup (np->name));
    }
  return out;
}

PsModule *
ps_module_find_module (PsModule *m, const char *path)
{
  g_auto (GStrv) parts = NULL;

  if (path == NULL || *path == '\0')
    return m;
  parts = g_strsplit (path, ".", -1);
  for (guint k = 0; parts[k]; k++)
    {
      PsModule *next = NULL;
      for (guint i = 0; i < m->children->len; i++)
        if (strcmp (m->child_names->pdata[i], parts[k]) == 0)
          {
            next = m->children->pdata[i];
            break;
          }
      if (next == NULL)
        return NULL;
      m = next;
    }
  return m;
}

PsParam *
ps_module_find_param (PsModule *m, const char *key)
{
  const char *dot = strrchr (key, '.');
  g_autofree char *path = dot ? g_strndup (key, dot - key) : g_strdup ("");
  PsModule *owner = ps_module_find_module (m, path);

  return owner ? get_slot (owner, dot ? dot + 1 : key) : NULL;
}

static gboolean
is_identifier (const char *s)
{
  if (!(g_ascii_isalpha (*s) || *s == '_'))
    return FALSE;
  for (; *s; s++)
    if (!(g_ascii_isalnum (*s) || *s == '_'))
      return FALSE;
  return TRUE;
}

static gboolean
is_module_dict (PsModule *m)
{
  return m->kind == PS_MODULE_CONTAINER && strcmp (m->class_name, "ModuleDict") == 0;
}

/* Append the Python path of the modules parts[0..n) below m; the module
 * reached, or NULL if a part names no child. */
static PsModule *
append_module_path (PsModule *m, char **parts, guint n, GString *out)
{
  for (guint k = 0; k < n; k++)
    {
      gboolean found = FALSE;
      for (guint i = 0; i < m->children->len && !found; i++)
        if (strcmp (m->child_names->pdata[i], parts[k]) == 0)
          {
            /* as Python reaches it: net[0], net.layer1, net.heads['cls'] */
            if (is_module_dict (m) && strchr (parts[k], '\'') == NULL)
              g_string_append_printf (out, "['%s']", parts[k]);
            else if (!ps_module_is_indexable (m) && is_identifier (parts[k]))
              g_string_append_printf (out, ".%s", parts[k]);
            else
              g_string_append_printf (out, "[%u]", i);
            m = m->children->pdata[i];
            found = TRUE;
          }
      if (!found)
        return NULL;
    }
  return m;
}

char *
ps_module_path_to_index_path (PsModule *m, const char *path, const char *root_name)
{
  g_auto (GStrv) parts = *path ? g_strsplit (path, ".", -1) : g_new0 (char *, 1);
  GString *out = g_string_new (root_name);

  if (append_module_path (m, parts, g_strv_length (parts), out) == NULL)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  return g_string_free (out, FALSE);
}

char *
ps_module_key_to_index_path (PsModule *m, const char *key, const char *root_name)
{
  g_auto (GStrv) parts = g_strsplit (key, ".", -1);
  GString *out = g_string_new (root_name);
  guint n = g_strv_length (parts);

  if (n == 0 || (m = append_module_path (m, parts, n - 1, out)) == NULL
      || get_slot (m, parts[n - 1]) == NULL)
    {
      g_string_free (out, TRUE);
      return NULL;
    }
  g_string_append_printf (out, ".%s", parts[n - 1]);
  return g_string_free (out, FALSE);
}

static PsModule *
child_by_name (PsModule *m, const char *name, size_t len)
{
  for (guint i = 0; i < m->children->len; i++)
    {
      const char *c = m->child_names->pdata[i];
      if (strlen (c) == len && strncmp (c, name, len) == 0)
        return m->children->pdata[i];
    }
  return NULL;
}

PsModule *
ps_module_find_by_index_path (PsModule *m, const char *path, PsParam **param_out,
                              GError **error)
{
  const char *p = path;

  if (param_out)
    *param_out = NULL;
  while (*p == '_' || g_ascii_isalnum (*p))     /* the root's name */
    p++;
  for (;;)
    {
      if (p[0] == '[' && p[1] == '\'')
        {
          /* ModuleDict: ['name'] */
          const char *end = strstr (p + 2, "']");
          PsModule *c = end ? child_by_name (m, p + 2, (size_t) (end - p - 2)) : NULL;
          if (c == NULL)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_KEY, "\"%s\": no module named at column %d",
                           path, (int) (p - path) + 3);
              return NULL;
            }
          m = c;
          p = end + 2;
        }
      else if (*p == '[')
        {
          char *end;
          gint64 i = g_ascii_strtoll (p + 1, &end, 10);
          if (end == p + 1 || *end != ']')
            {
              g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "\"%s\": expected an integer index "
                           "at column %d", path, (int) (p - path) + 2);
              return NULL;
            }
          if (!ps_module_is_indexable (m)
              && (m->kind == PS_MODULE_CONTAINER || m->kind == PS_MODULE_LAYER)
              && i >= 0 && i < (gint64) m->children->len)
            m = m->children->pdata[i];             /* a child by position */
          else
            {
              m = ps_module_index (m, i, error);
              if (m == NULL)
                {
                  g_prefix_error (error, "\"%s\": ", path);
                  return NULL;
                }
            }
          p = end + 1;
        }
      else if (*p == '.')
        {
          const char *q = p + 1;
          PsModule *c;
          while (*q == '_' || g_ascii_isalnum (*q))
            q++;
          c = q > p + 1 ? child_by_name (m, p + 1, (size_t) (q - p - 1)) : NULL;
          if (c == NULL)
            break;                                 /* a parameter's name, or an error */
          m = c;
          p = q;
        }
      else
        break;
    }
  if (*p == '\0')
    return m;
  if (*p == '.' && get_slot (m, p + 1))
    {
      if (param_out)
        *param_out = get_slot (m, p + 1);
      return m;
    }
  g_set_error (error, PS_ERROR, PS_ERROR_KEY, "\"%s\": %s has no parameter \"%s\"", path,
               ps_module_get_type_name (m), *p == '.' ? p + 1 : p);
  return NULL;
}

int64_t
ps_module_count_params (PsModule *m, guint *n_uninitialized)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (m);
  int64_t total = 0;
  guint lazy = 0;

  for (guint i = 0; i < np->len; i++)
    {
      PsParam *p = ((PsNamedParam *) np->pdata[i])->param;
      if (ps_param_is_initialized (p))
        total += ps_param_get_numel (p);        /* meta parameters stay unallocated */
      else
        lazy++;
    }
  if (n_uninitialized)
    *n_uninitialized = lazy;
  return total;
}
