/* fuzz-py.c — ParamScope's Python (ps_py_run) and the notebook reader on
 * arbitrary bytes
 *
 * The bytes run as a cell with short budgets (time, memory); whatever
 * happens must be a result or a Python exception with a name, a message and
 * a traceback — never a crash, a leak or a hang.  A second cell then runs in
 * the same namespace, and the same bytes are read as an .ipynb and as a
 * `# %%` .py notebook.
 */
#include "ps-notebook.h"
#include "ps-array.h"
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

static void
discard (const char *text, gsize len, gpointer data)
{
  *(gsize *) data += len;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;
  gsize printed = 0;
  PsPy *py = ps_py_new ();
  ps_py_set_timeout (py, 0.25);
  ps_py_set_memory_cap (py, 128 << 20);
  /* tensors have their own, process-wide budget: keep it as small, so that a
   * program allocating tensors in a loop stops at once instead of filling GiBs */
  ps_array_set_memory_cap (128 << 20);
  ps_py_set_output (py, discard, &printed);
  char *result = NULL;
  PsPyError *error = NULL;
  if (ps_py_run (py, text, (gssize) size, "<cell 1>", &result, &error))
    g_assert (error == NULL);
  else
    {
      g_assert (error != NULL && error->ename && error->evalue && error->traceback);
      g_free (ps_py_error_format (error));
      g_assert (result == NULL);
    }
  g_free (result);
  ps_py_error_free (error);
  error = NULL;
  /* the namespace still works after whatever the first cell did */
  g_assert (ps_py_run (py, "x_ = [1, 2.5, 'a', None, (3,)]\nrepr(x_)", -1, "<cell 2>", &result, &error));
  g_assert (strcmp (result, "\"[1, 2.5, 'a', None, (3,)]\"") == 0);
  g_free (result);
  ps_py_free (py);

  for (int ipynb = 0; ipynb < 2; ipynb++)
    {
      GError *err = NULL;
      PsNotebook *nb = ps_notebook_parse (text, size, ipynb, "fuzz", &err);
      if (!nb)
        {
          g_assert (err != NULL);
          g_error_free (err);
          continue;
        }
      for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
        (void) ps_notebook_cell_source (nb, i);
      g_free (ps_notebook_to_json (nb));
      ps_notebook_free (nb);
    }
  return 0;
}
