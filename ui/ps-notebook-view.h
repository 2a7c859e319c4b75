/* ps-notebook-view.h — the Notebook view: a .ipynb or `# %%` .py notebook,
 * its markdown rendered, its code cells editable and run in the window
 *
 * Code cells run with the window's PsCodeRunner (off the main thread), so
 * the tree, the heatmaps and the overview follow each cell as it ends: the
 * network the code builds becomes the window's, and what it changes is
 * one undoable step per cell.  Shift+Enter runs the cell and moves to the
 * next one, Ctrl+Enter runs it in place; Run All runs every code cell in
 * order and stops at the first error; Restart starts a fresh interpreter.
 * Built from ps-notebook-view.ui (the view) and ps-notebook-cell.ui (a code
 * cell).
 *
 *   ps_notebook_view_set_runner (view, runner);
 *   ps_notebook_view_load (view, "lesson.ipynb", &error);
 *   ps_notebook_view_run_all (view);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-code-runner.h"

G_BEGIN_DECLS

#define PS_TYPE_NOTEBOOK_VIEW (ps_notebook_view_get_type ())
G_DECLARE_FINAL_TYPE (PsNotebookView, ps_notebook_view, PS, NOTEBOOK_VIEW, GtkWidget)

void        ps_notebook_view_set_runner (PsNotebookView *view, PsCodeRunner *runner);
/* Open a notebook (.ipynb; anything else is read as `# %%` Python).  On
 * error nothing changes.  The cells of the notebook shown before that are
 * still queued are dropped. */
gboolean    ps_notebook_view_load       (PsNotebookView *view, const char *path, GError **error);
gboolean    ps_notebook_view_load_text  (PsNotebookView *view, const char *text, gboolean ipynb,
                                         const char *name, GError **error);
/* The notebook shown (NULL before one is opened). */
PsNotebook *ps_notebook_view_get_notebook (PsNotebookView *view);
const char *ps_notebook_view_get_title  (PsNotebookView *view);

void        ps_notebook_view_run_cell   (PsNotebookView *view, guint i);
void        ps_notebook_view_run_all    (PsNotebookView *view);
void        ps_notebook_view_restart    (PsNotebookView *view);
/* Scroll so that cell i is at the top (once the view is laid out). */
void        ps_notebook_view_scroll_to_cell (PsNotebookView *view, guint i);
/* What cell i shows below its code (printed text, value, error), or NULL. */
char       *ps_notebook_view_get_cell_output (PsNotebookView *view, guint i);

/* Markdown as Pango markup: headings, paragraphs, `code`, **bold**,
 * *emphasis*, - and 1. lists; anything else as text. */
char       *ps_markdown_to_pango        (const char *markdown);

G_END_DECLS
