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
  return found ? ps_module_ref (found) : NULL;
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
