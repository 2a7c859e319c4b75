/* ps-cli-exec.c — `paramscope-cli exec NOTEBOOK [--seed N] [--timeout S] [-o OUT.ipynb]`
 *
 * Runs a notebook's code cells in order in one namespace (ps-notebook.h) and
 * stops at the first exception (exit status 1).  With -o it writes the
 * notebook with its outputs, as `jupyter nbconvert --execute --to notebook`
 * does; without, it prints what the cells print (and a cell's displayed
 * value), and a script prints exactly what `python FILE.py` prints.
 */
#include "ps-cli.h"
#include "ps-notebook.h"

#include <stdio.h>
#include <string.h>

static void
print_live (guint cell, const char *text, gsize len, gpointer user_data)
{
  fwrite (text, 1, len, stdout);
}

int
ps_cli_exec_main (int argc, char **argv)
{
  static char *out, *seed_s, *timeout_s;
  const GOptionEntry entries[] = {
    { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s,
      "torch.manual_seed(N) before the first cell (default: PyTorch's default seed)", "N" },
    { "timeout", 0, 0, G_OPTION_ARG_STRING, &timeout_s,
      "Stop a cell that runs longer than S seconds (default 60)", "S" },
    { "output", 'o', 0, G_OPTION_ARG_FILENAME, &out,
      "Write the notebook with its outputs to OUT.ipynb", "OUT.ipynb" },
    { NULL }
  };
  int status = ps_cli_parse ("exec", "NOTEBOOK", "Run a notebook's cells (.ipynb, or .py with "
                             "`# %%` cells) with ParamScope's Python.",
                             "The code runs without access to files, the network or processes;\n"
                             "import is limited to torch, torch.nn(.functional, .init), torch.optim,\n"
                             "math and collections.\n", entries, 1, 1, &argc, &argv);
  if (status >= 0)
    return status;
  gint64 seed = 0;
  double timeout = 60;
  if (!ps_cli_int ("--seed", seed_s, 0, G_MAXINT64, &seed)
      || !ps_cli_double ("--timeout", timeout_s, &timeout))
    return 2;
  if (timeout_s && timeout <= 0)
    return ps_cli_usage_error ("--timeout must be a positive number of seconds");
  GError *error = NULL;
  g_autoptr (PsNotebook) nb = ps_notebook_load (argv[1], &error);
  if (!nb)
    return ps_cli_fail (error);
  g_autoptr (PsPy) py = ps_py_new ();
  ps_py_set_timeout (py, timeout);
  if (seed_s)
    ps_py_manual_seed (py, (guint64) seed);
  gboolean failed = FALSE;
  for (guint i = 0; i < ps_notebook_get_n_cells (nb) && !failed; i++)
    {
      if (ps_notebook_cell_kind (nb, i) != PS_CELL_CODE)
        continue;
      failed = !ps_notebook_run_cell (nb, py, i, out ? NULL : print_live, NULL);
      if (out)
        continue;
      const char *result = ps_notebook_cell_result (nb, i);
      if (result && !ps_notebook_is_script (nb))   /* python FILE.py shows no values */
        printf ("%s\n", result);
      const PsPyError *e = ps_notebook_cell_error (nb, i);
      if (e)
        {
          fflush (stdout);
          g_autofree char *tb = ps_py_error_format (e);
          fputs (tb, stderr);
        }
    }
  fflush (stdout);
  if (out && !ps_notebook_save (nb, out, &error))
    return ps_cli_fail (error);
  return failed ? 1 : 0;
}
