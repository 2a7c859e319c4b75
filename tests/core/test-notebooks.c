/* test-notebooks — notebooks run by ParamScope's Python print exactly what
 * Python and PyTorch print
 *
 * Every tests/fixtures/notebooks/NAME.py (or .ipynb) has NAME.expected.ipynb,
 * written by the oracle (`torch_oracle.py exec NAME.py -o NAME.expected.ipynb`,
 * see tests/fixtures/notebooks/regenerate.sh).  Each code cell's printed text,
 * displayed value (IPython's pretty form) and exception name and message are
 * compared character for character; the run stops where Python's stopped.
 * A `# seed: N` line seeds the generator as torch.manual_seed(N) (the
 * oracle's --seed N).
 */
#include <glib/gstdio.h>
#include <json-glib/json-glib.h>
#include <string.h>
#include <sys/wait.h>

#include "ps-notebook.h"
#include "ps-test-util.h"

typedef struct {
  char *stream, *result, *ename, *evalue;
  gboolean ran;
} Expected;

static char *
text_of (JsonNode *n)
{
  if (!n)
    return NULL;
  if (JSON_NODE_HOLDS_VALUE (n))
    return g_strdup (json_node_get_string (n));
  GString *g = g_string_new (NULL);
  JsonArray *a = json_node_get_array (n);
  for (guint i = 0; i < json_array_get_length (a); i++)
    g_string_append (g, json_array_get_string_element (a, i));
  return g_string_free (g, FALSE);
}

/* the expected outputs of the code cells, in order */
static GArray *
load_expected (const char *path)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  JsonArray *cells = json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)),
                                                   "cells");
  GArray *out = g_array_new (FALSE, TRUE, sizeof (Expected));
  for (guint i = 0; i < json_array_get_length (cells); i++)
    {
      JsonObject *c = json_array_get_object_element (cells, i);
      if (strcmp (json_object_get_string_member (c, "cell_type"), "code") != 0)
        continue;
      Expected e = { 0 };
      JsonNode *count = json_object_get_member (c, "execution_count");
      e.ran = count && !json_node_is_null (count);
      JsonArray *outs = json_object_get_array_member (c, "outputs");
      for (guint k = 0; outs && k < json_array_get_length (outs); k++)
        {
          JsonObject *o = json_array_get_object_element (outs, k);
          const char *t = json_object_get_string_member (o, "output_type");
          if (strcmp (t, "stream") == 0)
            e.stream = text_of (json_object_get_member (o, "text"));
          else if (strcmp (t, "execute_result") == 0)
            e.result = text_of (json_object_get_member (json_object_get_object_member (o, "data"),
                                                        "text/plain"));
          else if (strcmp (t, "error") == 0)
            {
              e.ename = g_strdup (json_object_get_string_member (o, "ename"));
              e.evalue = g_strdup (json_object_get_string_member (o, "evalue"));
            }
        }
      g_array_append_val (out, e);
    }
  return out;
}

static void
expected_free (GArray *a)
{
  for (guint i = 0; i < a->len; i++)
    {
      Expected *e = &g_array_index (a, Expected, i);
      g_free (e->stream);
      g_free (e->result);
      g_free (e->ename);
      g_free (e->evalue);
    }
  g_array_unref (a);
}

static void
test_notebook (gconstpointer data)
{
  const char *input = data;
  g_autofree char *base = g_strndup (input, strrchr (input, '.') - input);
  g_autofree char *expected_path = g_strconcat (base, ".expected.ipynb", NULL);
  GArray *expected = load_expected (expected_path);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsNotebook) nb = ps_notebook_load (input, &error);
  g_assert_no_error (error);
  g_autoptr (PsPy) py = ps_py_new ();
  /* `# seed: N` in the input: what regenerate.sh gave the oracle as --seed N */
  g_autofree char *text = NULL;
  g_assert_true (g_file_get_contents (input, &text, NULL, NULL));
  const char *seed = strstr (text, "# seed: ");
  if (seed)
    ps_py_manual_seed (py, g_ascii_strtoull (seed + 8, NULL, 10));
  guint k = 0;
  gboolean stopped = FALSE;
  for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
    {
      if (ps_notebook_cell_kind (nb, i) != PS_CELL_CODE)
        continue;
      g_assert_cmpuint (k, <, expected->len);
      Expected *e = &g_array_index (expected, Expected, k++);
      if (stopped)
        {
          g_assert_false (e->ran);
          continue;
        }
      g_assert_true (e->ran);
      gboolean ok = ps_notebook_run_cell (nb, py, i, NULL, NULL);
      g_test_message ("%s cell %u", input, k);
      g_assert_cmpstr (ps_notebook_cell_stdout (nb, i), ==, e->stream);
      g_assert_cmpstr (ps_notebook_cell_result (nb, i), ==, e->result);
      const PsPyError *err = ps_notebook_cell_error (nb, i);
      g_assert_cmpstr (err ? err->ename : NULL, ==, e->ename);
      g_assert_cmpstr (err ? err->evalue : NULL, ==, e->evalue);
      g_assert_true (ok == (e->ename == NULL));
      stopped = !ok;
    }
  g_assert_cmpuint (k, ==, expected->len);
  expected_free (expected);
}

/* the CLI writes the same notebook, and exits 1 where a cell raised */
static void
test_cli_writes (void)
{
  g_autofree char *input = g_build_filename (g_getenv ("PS_FIXTURES"), "notebooks", "err-zero.py", NULL);
  g_autofree char *dir = g_dir_make_tmp ("ps-nb-XXXXXX", NULL);
  g_autofree char *out = g_build_filename (dir, "out.ipynb", NULL);
  const char *argv[] = { g_getenv ("PS_CLI"), "exec", input, "-o", out, NULL };
  int status = 0;
  g_autofree char *sout = NULL, *serr = NULL;
  g_autoptr (GError) error = NULL;
  g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr,
                               &status, &error));
  g_assert_no_error (error);
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  GArray *got = load_expected (out);
  g_assert_cmpuint (got->len, ==, 2);
  Expected *e0 = &g_array_index (got, Expected, 0);
  g_assert_cmpstr (e0->stream, ==, "before\n");
  g_assert_cmpstr (e0->ename, ==, "ZeroDivisionError");
  g_assert_false (g_array_index (got, Expected, 1).ran);
  expected_free (got);
  /* without -o: the printed text on stdout, the traceback (cell:line:col) on stderr */
  const char *argv2[] = { g_getenv ("PS_CLI"), "exec", input, NULL };
  g_clear_pointer (&sout, g_free);
  g_clear_pointer (&serr, g_free);
  g_assert_true (g_spawn_sync (NULL, (char **) argv2, NULL, G_SPAWN_DEFAULT, NULL, NULL, &sout, &serr,
                               &status, &error));
  g_assert_cmpint (WEXITSTATUS (status), ==, 1);
  g_assert_cmpstr (sout, ==, "before\n");
  g_assert_nonnull (strstr (serr, "<cell 1>:2:12 in ratio"));
  g_assert_nonnull (strstr (serr, "ZeroDivisionError: division by zero"));
  g_unlink (out);
  g_rmdir (dir);
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_autofree char *dir = g_build_filename (g_getenv ("PS_FIXTURES"), "notebooks", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)))
    if ((g_str_has_suffix (n, ".py") || g_str_has_suffix (n, ".ipynb"))
        && !g_str_has_suffix (n, ".expected.ipynb"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, by_name);
  for (guint i = 0; i < names->len; i++)
    {
      const char *name = names->pdata[i];
      g_autofree char *path = g_build_filename (dir, name, NULL);
      g_autofree char *test = g_strdup_printf ("/notebooks/%s", name);
      g_test_add_data_func_full (test, g_steal_pointer (&path), test_notebook, g_free);
    }
  g_test_add_func ("/notebooks/cli", test_cli_writes);
  int r = g_test_run ();
  g_ptr_array_unref (names);
  return r;
}
