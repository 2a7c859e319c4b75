/* ps-notebook.h — notebooks: Jupyter .ipynb files and .py files with
 * `# %%` cells, run cell by cell with ParamScope's Python (ps-py.h)
 *
 * The runner behind `paramscope-cli exec` and the window's Notebook view:
 *
 *   PsNotebook *nb = ps_notebook_load ("lesson.ipynb", &error);
 *   g_autoptr (PsPy) py = ps_py_new ();
 *   for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
 *     if (ps_notebook_cell_kind (nb, i) == PS_CELL_CODE
 *         && !ps_notebook_run_cell (nb, py, i, NULL, NULL))
 *       break;                                  // the cell raised: its error output says what
 *   ps_notebook_save (nb, "out.ipynb", &error); // as `jupyter nbconvert --execute` writes it
 *
 * Running a cell replaces its outputs: the text it printed (a `stream`
 * output), the pretty form of its last expression when not None (an
 * `execute_result`, as Jupyter's text/plain), and the exception that stopped
 * it (an `error` output).  The cell's code is named "<cell N>" in errors,
 * N its execution count.  A .py file without `# %%` lines is one cell.
 */
#pragma once

#include <glib.h>

#include "ps-py.h"

G_BEGIN_DECLS

typedef struct _PsNotebook PsNotebook;

typedef enum {
  PS_CELL_CODE,
  PS_CELL_MARKDOWN,
  PS_CELL_RAW,
} PsCellKind;

/* Called with the text a running cell prints, as it prints it. */
typedef void (*PsNotebookWriteFunc) (guint cell, const char *text, gsize len, gpointer user_data);

/* .ipynb (nbformat 4) when the name ends so, else Python with `# %%` cells.
 * NULL + PS_ERROR_IO / PS_ERROR_PARSE naming the file and what is wrong. */
PsNotebook *ps_notebook_load         (const char *path, GError **error);
PsNotebook *ps_notebook_parse        (const char *text, gsize len, gboolean ipynb,
                                      const char *name, GError **error);
void        ps_notebook_free         (PsNotebook *nb);

/* TRUE when it came from a .py file without cell marks (a script). */
gboolean    ps_notebook_is_script    (PsNotebook *nb);
guint       ps_notebook_get_n_cells  (PsNotebook *nb);
PsCellKind  ps_notebook_cell_kind    (PsNotebook *nb, guint i);
const char *ps_notebook_cell_source  (PsNotebook *nb, guint i);
/* A cell edited (the window's Notebook view); saved as it is now. */
void        ps_notebook_set_cell_source (PsNotebook *nb, guint i, const char *source);

/* Run code cell i in py.  FALSE when an exception stopped it. */
gboolean    ps_notebook_run_cell     (PsNotebook *nb, PsPy *py, guint i,
                                      PsNotebookWriteFunc live, gpointer user_data);

/* The outputs of the last run of cell i (NULL when none) and its count (0: not run). */
const char *ps_notebook_cell_stdout  (PsNotebook *nb, guint i);
const char *ps_notebook_cell_result  (PsNotebook *nb, guint i);
const PsPyError *ps_notebook_cell_error (PsNotebook *nb, guint i);
int         ps_notebook_cell_execution_count (PsNotebook *nb, guint i);

/* The notebook with its outputs as nbformat 4 JSON; saving is atomic. */
char       *ps_notebook_to_json      (PsNotebook *nb);
gboolean    ps_notebook_save         (PsNotebook *nb, const char *path, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsNotebook, ps_notebook_free)

G_END_DECLS
