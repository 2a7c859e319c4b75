/* ps-window.c — the main window: its parts, its selection, its document
 *
 * The layout is ps-window.ui; the commands are ps-window-actions.c.  Here:
 * the selection (one property the views follow), the status line, and
 * what the window does when the document changes (a new network, lazy
 * layers materialized, any change) or the run takes a frame.
 */
#include "ps-window-private.h"
#include "ps-block-tree.h"
#include "ps-charts.h"
#include "ps-console.h"
#include "ps-notebook-view.h"
#include "ps-diff-page.h"
#include "ps-edit-panel.h"
#include "ps-matrix-view.h"
#include "ps-param-source.h"
#include "ps-init-panel.h"
#include "ps-inspector.h"
#include "ps-overview.h"
#include "ps-data-view.h"
#include "ps-preferences.h"
#include "ps-run-folder.h"
#include "ps-run-panel.h"
#include "ps-train-panel.h"
#include "ps-tile-source.h"
#include "ps-activations-page.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>

G_DEFINE_FINAL_TYPE (PsWindow, ps_window, GTK_TYPE_APPLICATION_WINDOW)

enum { PROP_0, PROP_SELECTED_NODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- status ------------------------------------------------------------------ */

void
ps_window_set_status (PsWindow *win, const char *text, gboolean is_error)
{
  gtk_label_set_text (GTK_LABEL (win->status), text);
  if (is_error)
    gtk_widget_add_css_class (win->status, "error");
  else
    gtk_widget_remove_css_class (win->status, "error");
}

/* ---- the notice: said once, out of the way ------------------------------------ */

static void
on_notice_dismissed (PsWindow *win)
{
  gtk_revealer_set_reveal_child (GTK_REVEALER (win->notice), FALSE);
}

/* The oldest changes or snapshots were dropped to keep within the limit
 * of Preferences: said the first time, beside the status line. */
static void
on_history_trimmed (PsDocument *doc, guint n_dropped, PsWindow *win)
{
  g_autofree char *size = NULL, *text = NULL;

  if (win->told_trimmed)
    return;
  win->told_trimmed = TRUE;
  size = g_format_size (ps_document_get_history_limit (doc));
  text = g_strdup_printf (_("Undo history trimmed: the oldest steps were dropped to stay "
                            "within %s (Preferences)"), size);
  gtk_label_set_text (GTK_LABEL (win->notice_label), text);
  gtk_widget_set_tooltip_text (win->notice_label, text);
  gtk_revealer_set_reveal_child (GTK_REVEALER (win->notice), TRUE);
}

/* ---- the run's charts ---------------------------------------------------------- */

/* The selected parameter in the run's log (named_parameters order), or -1. */
static int
selected_log_index (PsWindow *win)
{
  PsParam *param = ps_window_get_selected_param (win);
  g_autoptr (GPtrArray) np = NULL;

  if (param == NULL)
    return -1;
  np = ps_module_named_parameters (ps_document_get_model (win->doc));
  for (guint i = 0; i < np->len; i++)
    if (((PsNamedParam *) np->pdata[i])->param == param)
      return (int) i;
  return -1;
}

static void
update_chart_selection (PsWindow *win)
{
  int index = selected_log_index (win);

  if (index >= 0)
    ps_dist_chart_set_param (PS_DIST_CHART (win->dist_chart), (guint) index,
                             gtk_check_button_get_active (GTK_CHECK_BUTTON (win->dist_grad_check)));
  ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (win->grad_chart), index);
}

static void
on_run_log (PsWindow *win)
{
  PsTrainLog *log = ps_run_controller_get_log (win->controller);

  ps_chart_set_log (PS_CHART (win->loss_chart), log);
  ps_chart_set_log (PS_CHART (win->grad_chart), log);
  ps_chart_set_log (PS_CHART (win->dist_chart), log);
}

static void
on_run_tick (PsWindow *win)
{
  ps_chart_refresh (PS_CHART (win->loss_chart));
  ps_chart_refresh (PS_CHART (win->grad_chart));
  ps_chart_refresh (PS_CHART (win->dist_chart));
}

static void
on_run_previous (PsWindow *win)
{
  ps_loss_chart_set_previous (PS_LOSS_CHART (win->loss_chart),
                              ps_run_controller_get_previous_loss (win->controller));
}

/* ---- the run ----------------------------------------------------------------------- */

/* The run refused, or stopped by a fault: said in the status line. */
static void
on_run_error (PsWindow *win)
{
  const char *error = ps_run_controller_get_error (win->controller);
  if (error)
    ps_window_set_status (win, error, TRUE);
}

/* The heatmaps and the overview listen to the parameters; the inspector's
 * statistics and histograms follow here, once a frame. */
static void
on_run_synced (PsWindow *win)
{
  ps_inspector_refresh (PS_INSPECTOR (win->inspector));
}

static void
on_run_state (PsWindow *win)
{
  gboolean can_run, can_reset;
  g_object_get (win->controller, "can-run", &can_run, "can-reset", &can_reset, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.train-step", can_run);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.train-reset", can_reset);
}

/* ---- selection ---------------------------------------------------------------- */

PsParam *
ps_window_get_selected_param (PsWindow *win)
{
  return win->selected ? ps_tree_node_get_param (win->selected) : NULL;
}

PsTreeNode *
ps_window_get_selected_node (PsWindow *win)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), NULL);
  return win->selected;
}

/* Show param's values or gradient in a matrix view (nothing: NULL): as
 * tiles when it is a convolution's kernels or a recurrent layer's gates
 * (ps_tile_mode_for_param), else as a matrix.  The same parameter again
 * keeps its source, and so the view's zoom; a tied alias only renames it. */
static void
show_param (PsWindow *win, GtkWidget *view, PsParam *param, gboolean grad, const char *title)
{
  PsMatrixSource *cur = ps_matrix_view_get_source (PS_MATRIX_VIEW (view));
  g_autoptr (PsMatrixSource) src = NULL;
  gboolean rgb = gtk_toggle_button_get_active (GTK_TOGGLE_BUTTON (win->rgb_toggle));
  const char *gates = NULL;
  PsTileMode mode = PS_TILE_KERNELS;
  gboolean tiled = param != NULL
                   && ps_tile_mode_for_param (ps_tree_node_get_module (win->selected),
                                              ps_tree_node_get_name (win->selected), param, rgb,
                                              &mode, &gates);

  if (tiled && cur != NULL && PS_IS_TILE_SOURCE (cur)
      && ps_tile_source_get_param (PS_TILE_SOURCE (cur)) == param
      && ps_tile_source_get_show_grad (PS_TILE_SOURCE (cur)) == !!grad
      && ps_tile_source_get_mode (PS_TILE_SOURCE (cur)) == mode)
    {
      ps_tile_source_set_title (PS_TILE_SOURCE (cur), title);
      return;
    }
  if (!tiled && param != NULL && cur != NULL && PS_IS_PARAM_SOURCE (cur)
      && ps_param_source_get_param (PS_PARAM_SOURCE (cur)) == param
      && ps_param_source_get_show_grad (PS_PARAM_SOURCE (cur)) == !!grad)
    {
      ps_param_source_set_title (PS_PARAM_SOURCE (cur), title);
      return;
    }
  if (tiled)
    src = ps_tile_source_new_param (param, grad, title, mode, gates);
  else if (param != NULL)
    src = ps_param_source_new (param, grad, title);
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
}

/* The RGB toggle: offered for a convolution weight with 3 input channels. */
static void
update_rgb_toggle (PsWindow *win, PsParam *param)
{
  PsTensor *t = param ? ps_param_get_data (param) : NULL;
  gtk_widget_set_visible (win->rgb_toggle,
                          t != NULL && ps_tile_mode_fits (PS_TILE_RGB, t->ndim, t->shape, NULL));
}

/* Above the heatmap, what its axes are: a Keras kernel's rows are its
 * inputs and its columns the units (in, out); PyTorch's weight is (out, in). */
static void
update_axes_label (PsWindow *win, PsParam *param)
{
  PsWeightAxes axes;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  g_autofree char *text = NULL;

  if (param != NULL && ps_param_get_shape (param, shape) == 2
      && ps_module_weight_axes (ps_tree_node_get_module (win->selected),
                                ps_tree_node_get_name (win->selected), &axes))
    /* TRANSLATORS: above a weight's heatmap: "(in, out)" or "(out, in)", then which of
     * the two axes the rows and the columns are, with the names the library gives them
     * (input_dim, units; out_features, in_features) and their lengths */
    text = g_strdup_printf (_("%s: rows = %s (%" PRId64 "), columns = %s (%" PRId64 ")"),
                            axes.in_out ? "(in, out)" : "(out, in)", axes.rows, shape[0],
                            axes.cols, shape[1]);
  gtk_label_set_text (GTK_LABEL (win->axes_label), text ? text : "");
  gtk_widget_set_visible (win->axes_label, text != NULL);
}

static void
show_selected_param (PsWindow *win)
{
  PsParam *param = ps_window_get_selected_param (win);
  const char *key = win->selected ? ps_tree_node_get_key (win->selected) : "";

  update_rgb_toggle (win, param);
  update_axes_label (win, param);
  if (param)
    {
      g_autofree char *gtitle = g_strdup_printf ("grad %s", key);
      show_param (win, win->data_view, param, FALSE, key);
      show_param (win, win->grad_view, param, TRUE, gtitle);
    }
  else
    {
      show_param (win, win->data_view, NULL, FALSE, NULL);
      show_param (win, win->grad_view, NULL, TRUE, NULL);
    }
}

static void
on_rgb_toggled (PsWindow *win)
{
  show_selected_param (win);
}

/* A parameter: its values and gradient.  A module (a layer, a block, the
 * whole network): its parameters as small multiples, or why there are none. */
static void
show_node (PsWindow *win)
{
  PsTreeNode *node = win->selected;
  const char *page = "param";

  if (node != NULL && ps_tree_node_get_param (node) == NULL)
    {
      ps_overview_set_model_under (PS_OVERVIEW (win->node_overview),
                                   ps_document_get_model (win->doc), ps_tree_node_get_key (node));
      if (ps_overview_get_n_places (PS_OVERVIEW (win->node_overview)) > 0)
        page = "node";
      else
        {
          g_autofree char *what = ps_tree_node_describe (node);
          g_autofree char *text = g_strdup_printf (_("%s has no parameters"), what);
          gtk_label_set_text (GTK_LABEL (win->node_empty), text);
          page = "none";
        }
    }
  else
    ps_overview_set_model (PS_OVERVIEW (win->node_overview), NULL);
  gtk_stack_set_visible_child_name (GTK_STACK (win->param_stack), page);
}

/* The views that are not bound to "selected-node": the name line, the
 * heatmaps, the charts. */
static void
on_tree_selection (PsWindow *win)
{
  PsTreeNode *node = ps_block_tree_get_selected_node (PS_BLOCK_TREE (win->tree));
  g_autofree char *path = NULL, *markup = NULL, *badge = NULL;
  const char *key = node ? ps_tree_node_get_key (node) : "";

  if (!g_set_object (&win->selected, node))
    return;
  if (node)
    {
      path = ps_tree_node_get_index_path (node);
      markup = g_markup_printf_escaped ("<tt>%s</tt>   ·   <tt>%s</tt>", path, *key ? key : "(root)");
      ps_ui_label_set_markup (GTK_LABEL (win->path_label), markup);     /* selectable */
      badge = ps_tree_node_tied_badge (node);
    }
  else
    ps_ui_label_set_markup (GTK_LABEL (win->path_label), "");
  gtk_label_set_text (GTK_LABEL (win->tied_label), badge ? badge : "");
  gtk_widget_set_visible (win->tied_label, badge != NULL);
  show_selected_param (win);
  ps_activations_page_follow (PS_ACTIVATIONS_PAGE (win->activations_page),
                              node ? ps_tree_node_get_module (node) : NULL);
  show_node (win);
  update_chart_selection (win);
  g_object_notify_by_pspec (G_OBJECT (win), properties[PROP_SELECTED_NODE]);
}

gboolean
ps_window_select_key (PsWindow *win, const char *key)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  return ps_block_tree_select_key (PS_BLOCK_TREE (win->tree), key);
}

static void
on_param_activated (PsOverview *o, const char *key, PsWindow *win)
{
  ps_window_select_key (win, key);
}

/* ---- the document ---------------------------------------------------------------- */

static void
update_history_actions (PsWindow *win)
{
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.undo", ps_document_can_undo (win->doc));
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.redo", ps_document_can_redo (win->doc));
}

static void update_stale_marks (PsWindow *win);

static void
show_model (PsWindow *win)
{
  PsModule *model = ps_document_get_model (win->doc);

  ps_block_tree_set_model (PS_BLOCK_TREE (win->tree), model, ps_document_get_model_name (win->doc));
  ps_overview_set_model (PS_OVERVIEW (win->overview), model);
  show_node (win);
}

static void
on_model_replaced (PsDocument *doc, PsWindow *win)
{
  g_autofree char *title = g_strdup_printf ("ParamScope — %s", ps_document_get_title (doc));
  g_autofree char *msg = g_strdup_printf (_("opened %s"), ps_document_get_title (doc));
  g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (doc));

  gtk_window_set_title (GTK_WINDOW (win), title);
  show_model (win);
  /* show the first parameter, as the lesson starts with net[0].weight */
  if (np->len > 0)
    ps_window_select_key (win, ((PsNamedParam *) np->pdata[0])->name);
  /* a new network has no history, and the last message was about the old one */
  update_history_actions (win);
  update_stale_marks (win);
  ps_window_set_status (win, msg, FALSE);
}

static void
on_structure_changed (PsDocument *doc, PsWindow *win)
{
  /* lazy layers materialized: rebuild, keeping the selection */
  g_autofree char *key = g_strdup (win->selected ? ps_tree_node_get_key (win->selected) : "");
  show_model (win);
  ps_window_select_key (win, key);
}

/* The gradient heading says when the gradients were computed from values
 * that have changed since. */
static void
update_stale_marks (PsWindow *win)
{
  gboolean stale = ps_document_grads_are_stale (win->doc);

  gtk_label_set_text (GTK_LABEL (win->grad_heading),
                      stale ? _("Gradient  (.grad)  — stale: press Backward") : _("Gradient  (.grad)"));
  if (stale)
    gtk_widget_add_css_class (win->grad_heading, "ps-stale");
  else
    gtk_widget_remove_css_class (win->grad_heading, "ps-stale");
}

static void
on_doc_changed (PsDocument *doc, const char *what, PsWindow *win)
{
  ps_window_set_status (win, what, FALSE);
  update_history_actions (win);
  update_stale_marks (win);
}

/* A document call whose error the window shows, then passes on. */
static gboolean
shown (PsWindow *win, gboolean ok, GError *local, GError **error)
{
  if (!ok)
    {
      ps_window_set_status (win, local->message, TRUE);
      g_propagate_error (error, local);
    }
  return ok;
}

gboolean
ps_window_open_model (PsWindow *win, const char *path, GError **error)
{
  GError *local = NULL;
  gboolean ok;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  ok = ps_document_load_model_file (win->doc, path, &local);
  return shown (win, ok, local, error);
}

gboolean
ps_window_open_weights (PsWindow *win, const char *path, GError **error)
{
  GError *local = NULL;
  gboolean ok;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  ok = ps_document_load_weights (win->doc, path, &local);
  return shown (win, ok, local, error);
}

static void
on_watch_added (PsRunFolderWatch *w, guint n, PsWindow *win)
{
  g_autofree char *text = g_strdup_printf (
    g_dngettext (NULL, "%u checkpoint of %s", "%u checkpoints of %s",
                 ps_run_folder_watch_get_n_added (w)),
    ps_run_folder_watch_get_n_added (w), ps_run_folder_watch_get_dir (w));
  ps_window_set_status (win, text, FALSE);
}

static void
on_watch_problem (PsRunFolderWatch *w, GParamSpec *pspec, PsWindow *win)
{
  g_autofree char *problem = NULL;
  g_object_get (w, "problem", &problem, NULL);
  if (problem)
    ps_window_set_status (win, problem, TRUE);
}

gboolean
ps_window_open_run_folder (PsWindow *win, const char *path, GError **error)
{
  g_autoptr (GPtrArray) snaps = NULL;
  g_autoptr (PsRunFolderWatch) w = NULL;
  GError *local = NULL;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  /* the latest complete checkpoint's values in the network first: a model
   * whose classes only a weights file tells is rebuilt by it, which ends
   * any watch of the network before */
  snaps = ps_run_folder_scan (path, &local);
  if (snaps == NULL)
    return shown (win, FALSE, local, error);
  for (guint i = snaps->len; i > 0; i--)
    {
      PsRunFolderEntry *e = snaps->pdata[i - 1];
      if (e->complete)
        {
          if (!ps_document_load_weights (win->doc, e->path, &local))
            return shown (win, FALSE, local, error);
          break;
        }
    }
  w = ps_run_folder_watch_new (win->controller, path, &local);
  if (w == NULL)
    return shown (win, FALSE, local, error);
  if (win->watch)
    g_signal_handlers_disconnect_by_data (win->watch, win);
  g_set_object (&win->watch, w);
  g_signal_connect (w, "added", G_CALLBACK (on_watch_added), win);
  g_signal_connect (w, "notify::problem", G_CALLBACK (on_watch_problem), win);
  on_watch_added (w, 0, win);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "distributions");
  return TRUE;
}

PsRunFolderWatch *
ps_window_get_run_folder_watch (PsWindow *win)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), NULL);
  return win->watch;
}

gboolean
ps_window_open_example (PsWindow *win, const char *name, GError **error)
{
  /* a model file (NAME.py), or the text print(net) writes (NAME.txt) */
  static const char *const exts[] = { "py", "txt" };
  g_autoptr (GBytes) bytes = NULL;
  g_autofree char *text = NULL, *label = NULL;

  g_return_val_if_fail (PS_IS_WINDOW (win), FALSE);
  for (guint i = 0; bytes == NULL && i < G_N_ELEMENTS (exts); i++)
    {
      g_autofree char *res = NULL;
      g_free (label);
      label = g_strdup_printf ("%s.%s", name, exts[i]);
      res = g_strdup_printf ("/org/paramscope/ParamScope/models/%s", label);
      bytes = g_resources_lookup_data (res, 0, i + 1 < G_N_ELEMENTS (exts) ? NULL : error);
    }
  if (bytes == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  return ps_document_load_model_text (win->doc, text, label, error);
}

PsDocument *
ps_window_get_document (PsWindow *win)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), NULL);
  return win->doc;
}

PsRunController *
ps_window_get_controller (PsWindow *win)
{
  g_return_val_if_fail (PS_IS_WINDOW (win), NULL);
  return win->controller;
}

/* ---- GObject ------------------------------------------------------------------------ */

/* ps-window-layout.c's properties have the ids from 100 */
void ps_window_layout_get_property (PsWindow *win, guint id, GValue *value);
void ps_window_layout_set_property (PsWindow *win, guint id, const GValue *value);

static void
ps_window_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED_NODE)
    g_value_set_object (value, PS_WINDOW (object)->selected);
  else if (id >= 100)
    ps_window_layout_get_property (PS_WINDOW (object), id, value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_window_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id >= 100)
    ps_window_layout_set_property (PS_WINDOW (object), id, value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_window_dispose (GObject *object)
{
  PsWindow *win = PS_WINDOW (object);

  if (win->controller)
    {
      /* the run ends (one undoable change) while the views still exist */
      ps_run_controller_pause (win->controller);
      ps_run_controller_set_clock_widget (win->controller, NULL);
      g_signal_handlers_disconnect_by_data (win->controller, win);
    }
  if (win->doc)
    g_signal_handlers_disconnect_by_data (win->doc, win);
  if (win->tree)
    g_signal_handlers_disconnect_by_data (win->tree, win);
  ps_window_code_dispose (win);
  ps_window_layout_dispose (win);
  gtk_widget_dispose_template (GTK_WIDGET (win), PS_TYPE_WINDOW);
  g_clear_object (&win->selected);
  G_OBJECT_CLASS (ps_window_parent_class)->dispose (object);
}

static void
ps_window_finalize (GObject *object)
{
  PsWindow *win = PS_WINDOW (object);

  g_clear_object (&win->watch);
  g_clear_object (&win->controller);
  g_clear_object (&win->doc);
  G_OBJECT_CLASS (ps_window_parent_class)->finalize (object);
}

static void
ps_window_class_init (PsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ps_window_get_property;
  object_class->set_property = ps_window_set_property;
  object_class->dispose = ps_window_dispose;
  object_class->finalize = ps_window_finalize;
  properties[PROP_SELECTED_NODE] = g_param_spec_object ("selected-node", NULL, NULL,
                                                        PS_TYPE_TREE_NODE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PS_TYPE_ACTIVATIONS_PAGE);
  g_type_ensure (PS_TYPE_BLOCK_TREE);
  g_type_ensure (PS_TYPE_MATRIX_VIEW);
  g_type_ensure (PS_TYPE_OVERVIEW);
  g_type_ensure (PS_TYPE_LOSS_CHART);
  g_type_ensure (PS_TYPE_GRAD_FLOW_CHART);
  g_type_ensure (PS_TYPE_DIST_CHART);
  g_type_ensure (PS_TYPE_DIFF_PAGE);
  g_type_ensure (PS_TYPE_DATA_VIEW);
  g_type_ensure (PS_TYPE_RUN_PANEL);
  g_type_ensure (PS_TYPE_INIT_PANEL);
  g_type_ensure (PS_TYPE_EDIT_PANEL);
  g_type_ensure (PS_TYPE_INSPECTOR);
  g_type_ensure (PS_TYPE_TRAIN_PANEL);
  g_type_ensure (PS_TYPE_CONSOLE);
  g_type_ensure (PS_TYPE_NOTEBOOK_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-window.ui");
  gtk_widget_class_bind_template_child (widget_class, PsWindow, tree);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, path_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, tied_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, data_view);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, rgb_toggle);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, activations_page);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, grad_view);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, param_stack);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, node_overview);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, node_empty);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, data_plot);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, views);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, overview);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, loss_chart);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, grad_chart);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, dist_chart);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, dist_grad_check);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, diff_page);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, panels);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, run_panel);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, init_panel);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, edit_panel);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, inspector);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, train_panel);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, status);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, console);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, notebook_view);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, notice);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, notice_label);
  gtk_widget_class_bind_template_callback (widget_class, on_notice_dismissed);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, grad_heading);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, axes_label);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, outer_paned);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, inner_paned);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, tree_dock);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, panel_dock);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, center_overlay);
  gtk_widget_class_bind_template_child (widget_class, PsWindow, center);
  ps_window_code_class_init (widget_class);
  ps_window_class_add_actions (widget_class);
  ps_window_layout_class_init (widget_class);
}

static void
ps_window_init (PsWindow *win)
{
  static const struct { const char *signal; GCallback func; } run_signals[] = {
    { "notify::error", G_CALLBACK (on_run_error) },
    { "notify::can-run", G_CALLBACK (on_run_state) },
    { "notify::can-reset", G_CALLBACK (on_run_state) },
    { "notify::log", G_CALLBACK (on_run_log) },
    { "notify::previous-loss", G_CALLBACK (on_run_previous) },
    { "tick", G_CALLBACK (on_run_tick) },
    { "synced", G_CALLBACK (on_run_synced) },
  };

  gtk_widget_init_template (GTK_WIDGET (win));
  ps_window_layout_init (win);
  win->doc = ps_document_new ();
  g_object_bind_property (ps_preferences_get (), "history-limit", win->doc, "history-limit",
                          G_BINDING_SYNC_CREATE);
  win->controller = ps_run_controller_new (win->doc);
  ps_run_controller_set_clock_widget (win->controller, GTK_WIDGET (win));
  /* a pace a room can watch; flat out is one choice away (Train → Speed) */
  g_object_set (win->controller, "speed", PS_WINDOW_TEACHING_SPEED, NULL);

  /* the panels' model; the selection, as one property the views follow */
  ps_run_panel_set_document (PS_RUN_PANEL (win->run_panel), win->doc);
  ps_inspector_set_document (PS_INSPECTOR (win->inspector), win->doc);
  ps_train_panel_set_controller (PS_TRAIN_PANEL (win->train_panel), win->controller);
  ps_diff_page_set_controller (PS_DIFF_PAGE (win->diff_page), win->controller);
  ps_activations_page_set_document (PS_ACTIVATIONS_PAGE (win->activations_page), win->doc);
  ps_data_view_set_controller (PS_DATA_VIEW (win->data_plot), win->controller);
  g_signal_connect_swapped (win->tree, "notify::selected-node", G_CALLBACK (on_tree_selection), win);
  g_object_bind_property (win, "selected-node", win->inspector, "node", G_BINDING_SYNC_CREATE);
  g_object_bind_property (win, "selected-node", win->diff_page, "node", G_BINDING_SYNC_CREATE);

  g_signal_connect (win->data_view, "edit-requested", G_CALLBACK (ps_window_on_edit_requested), win);
  g_signal_connect_swapped (win->rgb_toggle, "toggled", G_CALLBACK (on_rgb_toggled), win);
  g_signal_connect (win->overview, "param-activated", G_CALLBACK (on_param_activated), win);
  g_signal_connect (win->node_overview, "param-activated", G_CALLBACK (on_param_activated), win);
  /* one module's parameters fill the centre: bigger cells than the overview's */
  ps_overview_set_cell_limits (PS_OVERVIEW (win->node_overview), 28, 200);
  /* Presentation Mode prints the values inside cells big enough for them */
  g_object_bind_property (win, "presentation", win->data_view, "show-values", G_BINDING_SYNC_CREATE);
  g_object_bind_property (win, "presentation", win->grad_view, "show-values", G_BINDING_SYNC_CREATE);
  g_signal_connect_swapped (win->dist_grad_check, "toggled", G_CALLBACK (update_chart_selection), win);
  for (guint i = 0; i < G_N_ELEMENTS (run_signals); i++)
    g_signal_connect_swapped (win->controller, run_signals[i].signal, run_signals[i].func, win);
  g_signal_connect (win->doc, "model-replaced", G_CALLBACK (on_model_replaced), win);
  g_signal_connect (win->doc, "structure-changed", G_CALLBACK (on_structure_changed), win);
  g_signal_connect (win->doc, "changed", G_CALLBACK (on_doc_changed), win);
  g_signal_connect (win->doc, "history-trimmed", G_CALLBACK (on_history_trimmed), win);
  ps_window_code_init (win);
  update_history_actions (win);
  on_run_state (win);
}

PsWindow *
ps_window_new (GtkApplication *app)
{
  return g_object_new (PS_TYPE_WINDOW, "application", app, NULL);
}
