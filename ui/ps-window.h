/* ps-window.h — the main window: block tree, heatmaps, panels
 *
 * One network (its PsDocument) and one selection: the "selected-node"
 * property (a parameter, a module or the whole network), which the views
 * follow -- the heatmaps of the values and the gradient, the inspector,
 * the gradient-flow and distribution charts, the difference.  Every command
 * is a win.* action (menus, buttons and shortcuts share it): forward,
 * backward, zero-grad, step, new-input, input-from-data, undo, redo, init, preset (s),
 * edit (s), example (s), paste-model, copy-path, open-model, open-weights,
 * open-input, open-run-folder, save-weights, export-png, train-toggle, train-step,
 * train-reset, train-snapshot, train-open-data, show-panel (s: "run",
 * "initialize", "edit", "inspect", "train") and show-view (s: "overview",
 * "loss", "gradient-flow", "distributions", "difference").  Built from
 * ps-window.ui; its named children (gtk_widget_get_template_child): tree
 * (PsBlockTree), path_label, tied_label, data_view and grad_view
 * (PsMatrixView), views (the notebook below them), overview, loss_chart,
 * grad_chart, dist_chart, dist_grad_check, diff_page, panels (the notebook
 * on the right), run_panel, init_panel, edit_panel, inspector, train_panel,
 * notebook_view (PsNotebookView, the side panel's "notebook" page), console
 * (PsConsole, under the views), status.  Code runs with win.stop (Escape),
 * win.open-notebook and win.lesson (s: "en", "zh") as its commands.
 *
 *   PsWindow *win = ps_window_new (app);
 *   ps_window_open_example (win, "mlp", &error);
 *   ps_window_select_key (win, "0.weight");
 *   gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"
#include "ps-run-controller.h"
#include "ps-run-folder-watch.h"
#include "ps-code-runner.h"
#include "ps-tree-node.h"

G_BEGIN_DECLS

#define PS_TYPE_WINDOW (ps_window_get_type ())
G_DECLARE_FINAL_TYPE (PsWindow, ps_window, PS, WINDOW, GtkApplicationWindow)

PsWindow        *ps_window_new            (GtkApplication *app);
PsDocument      *ps_window_get_document   (PsWindow *win);
PsRunController *ps_window_get_controller (PsWindow *win);   /* the Train panel's run */
/* Open a model file; errors are shown in the window (and returned). */
gboolean         ps_window_open_model     (PsWindow *win, const char *path, GError **error);
/* load_state_dict from a safetensors file into the current network; refused
 * files change nothing and their reason is shown in the window. */
gboolean         ps_window_open_weights   (PsWindow *win, const char *path, GError **error);
/* A folder of checkpoints written by an outside run (ps-run-folder.h): the
 * latest complete one's values in the network, and every checkpoint a
 * snapshot of the Train panel's views (Difference, Distributions over
 * time), the ones the run writes later too (ps-run-folder-watch.h).
 * Errors are shown in the window (and returned). */
gboolean         ps_window_open_run_folder (PsWindow *win, const char *path, GError **error);
/* The watch of the run's folder opened last (borrowed), or NULL. */
PsRunFolderWatch *ps_window_get_run_folder_watch (PsWindow *win);
/* One of the examples (data/models): mlp, rgnet, tied, tied1x1, lazy, shared_mlp, spiral,
 * lenet, resnet, charlm, the keras_* ones. */
gboolean         ps_window_open_example   (PsWindow *win, const char *name, GError **error);
/* Open a notebook (.ipynb, or .py with `# %%` cells) in the Notebook view;
 * errors are shown in the window (and returned). */
gboolean         ps_window_open_notebook  (PsWindow *win, const char *path, GError **error);
/* A file from the command line or dropped on the window: a notebook
 * (.ipynb, a .py with `# %%` cells) or a model file. */
gboolean         ps_window_open_file      (PsWindow *win, const char *path, GError **error);
/* A lesson notebook of this project: the PyTorch lesson in English ("en") or Chinese
 * ("zh"), the Keras lesson ("keras-en", "keras-zh"). */
gboolean         ps_window_open_lesson    (PsWindow *win, const char *lang, GError **error);
/* The window's Python (the Console's and the Notebook view's). */
PsCodeRunner    *ps_window_get_code_runner (PsWindow *win);
/* Select a state_dict key or module path ("" = the root); FALSE if there is none. */
gboolean         ps_window_select_key     (PsWindow *win, const char *key);
/* The "selected-node" property (borrowed; NULL only before a network is shown). */
PsTreeNode      *ps_window_get_selected_node (PsWindow *win);

G_END_DECLS
