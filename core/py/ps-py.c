/* ps-py.c — the public face of the interpreter (ps-py.h) */
#include "ps-py.h"
#include "py-eval.h"
#include "py-keras.h"

#include <string.h>

struct _PsPy {
  PyInterp ip;
  double   timeout;
};

PsPy *
ps_py_new (void)
{
  PsPy *py = g_new0 (PsPy, 1);
  PyInterp *ip = &py->ip;
  py->timeout = 60;
  ip->heap.cap = (gsize) 1 << 30;
  ip->max_depth = 1000;
  ip->tb = g_array_new (FALSE, TRUE, sizeof (PyTbEntry));
  ip->codes = g_ptr_array_new ();
  ip->builtins = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  ip->modules = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PyHeap *saved = NULL;
  py_keras_register ();
  py_set_heap (&ip->heap);
  py_builtins_init (ip, ip->builtins);
  ip->globals = py_dict_new ();
  py_dict_set_str (ip->globals, "__name__", py_str_new ("__main__", -1));
  py_set_heap (saved);
  return py;
}

void
ps_py_free (PsPy *py)
{
  if (!py)
    return;
  PyInterp *ip = &py->ip;
  py_set_heap (&ip->heap);
  py_clear (&ip->exc);
  for (guint i = 0; i < ip->codes->len; i++)
    py_code_free (ip->codes->pdata[i]);
  g_ptr_array_unref (ip->codes);
  py_heap_free_all (&ip->heap);
  g_clear_pointer (&ip->torch_state, py_torch_state_free);
  g_clear_pointer (&ip->keras_state, py_keras_state_free);
  py_set_heap (NULL);
  g_hash_table_unref (ip->builtins);
  g_hash_table_unref (ip->modules);
  for (guint i = 0; i < ip->tb->len; i++)
    {
      PyTbEntry *e = &g_array_index (ip->tb, PyTbEntry, i);
      g_free (e->file);
      g_free (e->func);
    }
  g_array_unref (ip->tb);
  g_free (py);
}

void
ps_py_set_output (PsPy *py, PsPyWriteFunc func, gpointer user_data)
{
  py->ip.write = func;
  py->ip.write_data = user_data;
}

void
ps_py_set_timeout (PsPy *py, double seconds)
{
  py->timeout = seconds;
}

void
ps_py_set_memory_cap (PsPy *py, gsize bytes)
{
  py->ip.heap.cap = bytes;
}

void
ps_py_manual_seed (PsPy *py, guint64 seed)
{
  py_torch_manual_seed (&py->ip, seed);
}

PsRng *
ps_py_get_rng (PsPy *py)
{
  return py_torch_rng (&py->ip);
}

void
ps_py_interrupt (PsPy *py)
{
  g_atomic_int_set (&py->ip.interrupt, 1);
}

PsModule *
ps_py_find_model (PsPy *py, char **name_out)
{
  PyObj *globals = py->ip.globals, *k, *v;
  PsModule *found = NULL;
  const char *name = NULL;
  gsize pos = 0;
  while (py_dict_next (globals, &pos, &k, &v))
    {
      PsModule *m = py_nn_module_of (v);
      if (!m)
        m = py_keras_module_of (v);   /* a Keras model or layer */
      if (!m || g_ascii_isupper (PY_STR (k)[0]))
        continue;
      if (strcmp (PY_STR (k), "net") == 0)
        {
          found = m;
          name = PY_STR (k);
          break;
        }
      found = m;
      name = PY_STR (k);
    }
  if (name_out)
    *name_out = found ? g_strdup (name) : NULL;
  if (found)
    {
      /* the forwards of its user classes, for the tape; one that cannot be
       * recorded leaves its class without (the tape then says so) */
      PyObj *saved = py->ip.exc;
      py->ip.exc = NULL;
      if (!py_nn_record_forwards (&py->ip, found))
        py_err_clear (&py->ip);
      py->ip.exc = saved;
    }
  return found ? ps_module_ref (found) : NULL;
}

gboolean
ps_py_record_forwards (PsPy *py, PsModule *m, char **message)
{
  if (py_nn_record_forwards (&py->ip, m))
    return TRUE;
  if (message)
    {
      char *msg = py_exc_message (&py->ip, py->ip.exc);
      GArray *tb = py->ip.tb;
      if (tb && tb->len > 0)
        {
          PyTbEntry *at = &g_array_index (tb, PyTbEntry, 0);
          *message = g_strdup_printf ("%d:%d: %s", at->line, at->col, msg);
          g_free (msg);
        }
      else
        *message = msg;
    }
  py_err_clear (&py->ip);
  return FALSE;
}

void
ps_py_set_user_data (PsPy *py, gpointer data)
{
  py->ip.user_data = data;
}

gpointer
ps_py_get_user_data (PsPy *py)
{
  return py->ip.user_data;
}

void
ps_py_error_free (PsPyError *e)
{
  if (!e)
    return;
  g_free (e->ename);
  g_free (e->evalue);
  g_strfreev (e->traceback);
  g_free (e->file);
  g_free (e);
}

char *
ps_py_error_format (const PsPyError *e)
{
  GString *g = g_string_new (NULL);
  for (int i = 0; e->traceback && e->traceback[i]; i++)
    {
      g_string_append (g, e->traceback[i]);
      if (!g_str_has_suffix (e->traceback[i], "\n"))
        g_string_append_c (g, '\n');
    }
  return g_string_free (g, FALSE);
}

/* line n (1-based) of the source of the code named file, or NULL */
static char *
source_line (PyInterp *ip, const char *file, int n)
{
  for (gint i = ip->codes->len - 1; i >= 0; i--)
    {
      PyCode *c = ip->codes->pdata[i];
      if (strcmp (c->filename, file) != 0)
        continue;
      const char *p = c->source;
      for (int k = 1; k < n && p; k++)
        {
          p = strchr (p, '\n');
          if (p)
            p++;
        }
      if (!p)
        return NULL;
      return g_strndup (p, strcspn (p, "\n"));
    }
  return NULL;
}

static void
add_location (GPtrArray *lines, const char *file, int line, int col, const char *func,
              const char *src)
{
  GString *g = g_string_new (NULL);
  g_string_append_printf (g, "  %s:%d:%d", file, line, col);
  if (func)
    g_string_append_printf (g, " in %s", func);
  g_string_append_c (g, '\n');
  if (src)
    {
      /* the line without its indentation, a caret under the column */
      const char *s = src;
      int skipped = 0;
      while (*s == ' ' || *s == '\t')
        {
          s++;
          skipped++;
        }
      g_string_append_printf (g, "    %s\n    ", s);
      for (int i = 1; i < col - skipped; i++)
        g_string_append_c (g, ' ');
      g_string_append (g, "^\n");
    }
  g_ptr_array_add (lines, g_string_free (g, FALSE));
}

static PsPyError *
make_error (PyInterp *ip)
{
  PsPyError *e = g_new0 (PsPyError, 1);
  e->ename = g_strdup (ip->exc->type->name);
  e->evalue = py_exc_message (ip, ip->exc);
  GPtrArray *lines = g_ptr_array_new ();
  g_ptr_array_add (lines, g_strdup ("Traceback (most recent call last):\n"));
  for (gint i = ip->tb->len - 1; i >= 0; i--)
    {
      PyTbEntry *t = &g_array_index (ip->tb, PyTbEntry, i);
      char *src = source_line (ip, t->file, t->line);
      add_location (lines, t->file, t->line, t->col, t->func, src);
      g_free (src);
    }
  if (ip->tb->len)
    {
      PyTbEntry *t = &g_array_index (ip->tb, PyTbEntry, 0);
      e->file = g_strdup (t->file);
      e->line = t->line;
      e->col = t->col;
    }
  g_ptr_array_add (lines, *e->evalue ? g_strdup_printf ("%s: %s\n", e->ename, e->evalue)
                   : g_strdup_printf ("%s\n", e->ename));
  g_ptr_array_add (lines, NULL);
  e->traceback = (char **) g_ptr_array_free (lines, FALSE);
  return e;
}

static PsPyError *
syntax_error (const PySyntaxError *se, const char *filename, const char *src, gsize len)
{
  PsPyError *e = g_new0 (PsPyError, 1);
  e->ename = g_strdup (se->indentation ? "IndentationError" : "SyntaxError");
  e->evalue = g_strdup_printf ("%s (%s, line %d)", se->msg, filename, se->line);
  e->file = g_strdup (filename);
  e->line = se->line;
  e->col = se->col;
  GPtrArray *lines = g_ptr_array_new ();
  const char *p = src, *end = src + len;
  for (int k = 1; k < se->line && p && p < end; k++)
    {
      p = memchr (p, '\n', end - p);
      if (p)
        p++;
    }
  char *line = NULL;
  if (p && p < end)
    {
      const char *nl = memchr (p, '\n', end - p);
      line = g_strndup (p, (nl ? nl : end) - p);
    }
  add_location (lines, filename, se->line, se->col, NULL, line);
  g_free (line);
  g_ptr_array_add (lines, g_strdup_printf ("%s: %s\n", e->ename, se->msg));
  g_ptr_array_add (lines, NULL);
  e->traceback = (char **) g_ptr_array_free (lines, FALSE);
  return e;
}

gboolean
ps_py_run (PsPy *py, const char *src, gssize len, const char *filename, char **result_text,
           PsPyError **error)
{
  PyInterp *ip = &py->ip;
  if (result_text)
    *result_text = NULL;
  if (len < 0)
    len = strlen (src);
  py_set_heap (&ip->heap);
  PySyntaxError se = { 0 };
  PyCode *code = py_parse (src, len, filename, &se);
  if (!code)
    {
      if (error)
        *error = syntax_error (&se, filename, src, len);
      g_free (se.msg);
      py_set_heap (NULL);
      return FALSE;
    }
  g_ptr_array_add (ip->codes, code);
  ip->deadline = py->timeout > 0 ? g_get_monotonic_time () + (gint64) (py->timeout * 1e6) : 0;
  ip->heap.over = FALSE;
  g_atomic_int_set (&ip->interrupt, 0);
  PyObj *v = py_eval_module (ip, code, ip->globals, result_text != NULL);
  gboolean ok = v != NULL;
  if (v && v != py_none && result_text)
    {
      GString *g = g_string_new (NULL);
      if (py_pretty (ip, v, g))
        *result_text = g_string_free (g, FALSE);
      else
        {
          g_string_free (g, TRUE);
          ok = FALSE;
        }
    }
  py_decref (v);
  if (!ok)
    {
      if (error)
        *error = make_error (ip);
      py_err_clear (ip);
    }
  py_set_heap (NULL);
  return ok;
}

/* ---- embedding: a network bound by the window, completion ------------------ */

void
ps_py_bind_module (PsPy *py, const char *name, PsModule *m)
{
  PyInterp *ip = &py->ip;

  g_return_if_fail (py != NULL && name != NULL && m != NULL);
  py_set_heap (&ip->heap);
  py_dict_set_str (ip->globals, name, py_nn_wrap_module (ip, m));
  py_set_heap (NULL);
}

static void
add_hash_keys (GHashTable *h, GPtrArray *names)
{
  GHashTableIter it;
  gpointer k;

  if (h == NULL)
    return;
  g_hash_table_iter_init (&it, h);
  while (g_hash_table_iter_next (&it, &k, NULL))
    g_ptr_array_add (names, g_strdup (k));
}

/* The attribute names of o that completion offers. */
static void
attribute_names (PyObj *o, GPtrArray *names)
{
  static const char *const tensor_props[] = { "data", "grad", "shape", "dtype", "requires_grad",
                                              "is_leaf", "ndim", "T", "grad_fn" };
  PsModule *m = py_nn_module_of (o);

  for (PyType *t = o->type; t; t = t->base)
    {
      for (const PyMethodDef *d = t->methods; d && d->name; d++)
        g_ptr_array_add (names, g_strdup (d->name));
      add_hash_keys (t->dict, names);
    }
  if (PY_IS (o, py_module_type))
    add_hash_keys (((PyModule *) o)->dict, names);
  else if (o->type->has_dict)
    add_hash_keys (((PyInstance *) o)->dict, names);
  if (py_torch_array (o))
    for (guint i = 0; i < G_N_ELEMENTS (tensor_props); i++)
      g_ptr_array_add (names, g_strdup (tensor_props[i]));
  if (m)
    {
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        g_ptr_array_add (names, g_strdup (ps_module_get_child_name (m, i)));
      for (guint i = 0; i < ps_module_get_n_params (m); i++)
        g_ptr_array_add (names, g_strdup (ps_module_get_param_name (m, i)));
    }
  py_nn_user_names (o, names);
}

/* The object a dotted path names ("net[0]", "torch.nn"), a new reference,
 * or NULL; attributes and integer indexes of modules, lists and tuples only. */
static PyObj *
resolve_path (PyInterp *ip, const char *path)
{
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  PyObj *o = NULL;

  for (int i = 0; parts[i]; i++)
    {
      char *p = parts[i], *bracket = strchr (p, '[');
      PyObj *next;

      if (bracket)
        *bracket = '\0';
      if (*p == '\0')
        goto fail;
      if (o == NULL)
        {
          next = py_dict_get_str (ip->globals, p);
          if (next == NULL)
            next = g_hash_table_lookup (ip->builtins, p);
          next = next ? py_incref (next) : NULL;
        }
      else
        next = py_getattr_opt (ip, o, p);
      py_clear (&o);
      o = next;
      if (o == NULL)
        goto fail;
      while (bracket)
        {
          char *end = NULL;
          gint64 index = g_ascii_strtoll (bracket + 1, &end, 10);
          PyObj *key;

          if (end == bracket + 1 || *end != ']'
              || !(py_nn_module_of (o) || PY_IS (o, py_list_type) || PY_IS (o, py_tuple_type)))
            goto fail;
          key = py_int_new (index);
          next = py_getitem (ip, o, key);
          py_decref (key);
          py_clear (&o);
          o = next;
          if (o == NULL)
            goto fail;
          bracket = end[1] == '[' ? end + 1 : NULL;
          if (bracket == NULL && end[1] != '\0')
            goto fail;
        }
    }
  return o;
fail:
  py_clear (&o);
  py_err_clear (ip);
  return NULL;
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(const char *const *) a, *(const char *const *) b);
}

char **
ps_py_complete (PsPy *py, const char *text, gsize *start)
{
  PyInterp *ip = &py->ip;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  GPtrArray *out = g_ptr_array_new ();
  gsize len = strlen (text), begin = len, word;
  g_autofree char *base = NULL;
  const char *partial;

  /* the path that ends text: names, dots and [digits] */
  while (begin > 0 && (g_ascii_isalnum (text[begin - 1]) || text[begin - 1] == '_'
                       || text[begin - 1] == '.' || text[begin - 1] == '['
                       || text[begin - 1] == ']'))
    begin--;
  word = len;
  while (word > begin && (g_ascii_isalnum (text[word - 1]) || text[word - 1] == '_'))
    word--;
  partial = text + word;
  if (start)
    *start = word;
  py_set_heap (&ip->heap);
  if (word > begin && text[word - 1] == '.')
    {
      PyObj *o;
      base = g_strndup (text + begin, word - 1 - begin);
      o = resolve_path (ip, base);
      if (o)
        attribute_names (o, names);
      py_decref (o);
    }
  else if (word == begin && !(begin > 0 && g_ascii_isdigit (text[begin])))
    {
      PyObj *k, *v;
      gsize pos = 0;
      while (py_dict_next (ip->globals, &pos, &k, &v))
        g_ptr_array_add (names, g_strdup (PY_STR (k)));
      add_hash_keys (ip->builtins, names);
    }
  py_err_clear (ip);
  py_set_heap (NULL);
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      if (!g_str_has_prefix (n, partial) || (n[0] == '_' && partial[0] != '_'))
        continue;
      if (out->len > 0 && strcmp (out->pdata[out->len - 1], n) == 0)
        continue;
      g_ptr_array_add (out, g_strdup (n));
    }
  g_ptr_array_add (out, NULL);
  return (char **) g_ptr_array_free (out, FALSE);
}
