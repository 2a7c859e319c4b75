/* ps-checkpoint-window.h — a bare .safetensors file browsed as a tree
 *
 * The window of `paramscope FILE.safetensors` (and of Open Checkpoint…):
 * the tree of the file's dotted names (groups, tensors with dtype, shape and
 * size, aliases from __metadata__), and for the selected tensor its heatmap
 * (a 2-D slice: an axis for the rows, one for the columns, an index on each
 * other axis), the value under the pointer with its full index, and its
 * statistics, computed in a worker thread.  Nothing is read from the file
 * until it is shown.
 *
 *   PsCheckpointWindow *win = ps_checkpoint_window_new (app);
 *   if (!ps_checkpoint_window_open (win, "llama.safetensors", &error))
 *     ...                                   // the window says why, too
 *   ps_checkpoint_window_select (win, "model.layers.0.mlp.down_proj.weight");
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-checkpoint.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_WINDOW (ps_checkpoint_window_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointWindow, ps_checkpoint_window, PS, CHECKPOINT_WINDOW,
                      GtkApplicationWindow)

PsCheckpointWindow *ps_checkpoint_window_new      (GtkApplication *app);

/* Open path (mapped; only the header is read).  On failure the window shows
 * the message and keeps nothing. */
gboolean      ps_checkpoint_window_open           (PsCheckpointWindow *win, const char *path,
                                                   GError **error);
/* Show a checkpoint already open (referenced); label names it in the title. */
void          ps_checkpoint_window_set_checkpoint (PsCheckpointWindow *win, PsCheckpoint *ck,
                                                   const char *label);
PsCheckpoint *ps_checkpoint_window_get_checkpoint (PsCheckpointWindow *win);   /* nullable */

/* The order of the tree's children (default: natural). */
void          ps_checkpoint_window_set_order      (PsCheckpointWindow *win,
                                                   PsCheckpointOrder order);

/* Select a dotted name (tensor, alias or group), expanding its ancestors. */
gboolean      ps_checkpoint_window_select         (PsCheckpointWindow *win, const char *key);
const char   *ps_checkpoint_window_get_selected_key (PsCheckpointWindow *win);   /* nullable */
/* The slice shown now (NULL when no tensor is selected). */
const PsCheckpointView *ps_checkpoint_window_get_view (PsCheckpointWindow *win);

/* Statistics of the slice (or of the whole tensor, whole = TRUE), computed
 * in a worker thread as the Compute button does; get_stats is TRUE once
 * they are shown for the current selection and scope. */
void          ps_checkpoint_window_compute_stats  (PsCheckpointWindow *win, gboolean whole);
gboolean      ps_checkpoint_window_get_stats      (PsCheckpointWindow *win, PsStats *out);

/* The template's children (tree_view, heatmap: a PsMatrixView, row_dd and
 * col_dd: the axes' GtkDropDowns, ...) are reached with
 * gtk_widget_get_template_child (win, PS_TYPE_CHECKPOINT_WINDOW, name).
 * The GtkSpinButton of the index on axis (made for each tensor), NULL for
 * the row and column axes. */
GtkWidget    *ps_checkpoint_window_get_index_spin (PsCheckpointWindow *win, int axis);
const char   *ps_checkpoint_window_get_readout    (PsCheckpointWindow *win);

G_END_DECLS
