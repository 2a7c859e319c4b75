/* ps-train-panel.h — the Train panel: data, loss, optimizer, Run/Pause/Step/Reset,
 * snapshots and differences, and the charts it feeds
 *
 * The panel owns a PsTrainer for the document's network.  Run starts the
 * worker and marks the document busy (edits are refused with "pause
 * training first"); at the display's rate the newest snapshot is written
 * into the network, so every view of it (heatmaps, overview, inspector)
 * redraws as after any other change, and the charts refresh.  Pause, the
 * step limit or a numerical fault end the run as one undoable change
 * ("train steps 1–500").  Changing a setting starts a new run from the
 * current weights on the next Run; Reset returns to the run's first weights.
 *
 * The charts and the difference view are the panel's but placed by the
 * window (ps_train_panel_get_*).
 *
 * Signals:
 *   "status" (const char *text, gboolean is_error)   for the window's status line
 *   "synced"                                          the network took a newer snapshot
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"

G_BEGIN_DECLS

#define PS_TYPE_TRAIN_PANEL (ps_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (PsTrainPanel, ps_train_panel, PS, TRAIN_PANEL, GtkWidget)

GtkWidget  *ps_train_panel_new            (PsDocument *doc);

/* The selected parameter (named_parameters name or alias; NULL: none), for
 * the distribution chart and the difference view. */
void        ps_train_panel_set_selection  (PsTrainPanel *p, PsParam *param, const char *key);

/* What the buttons do; FALSE + error when refused. */
gboolean    ps_train_panel_run            (PsTrainPanel *p, guint64 n_steps, GError **error);
void        ps_train_panel_pause          (PsTrainPanel *p);
gboolean    ps_train_panel_step           (PsTrainPanel *p, GError **error);
void        ps_train_panel_reset          (PsTrainPanel *p);
gboolean    ps_train_panel_is_running     (PsTrainPanel *p);
/* Take a snapshot of the current values now (label NULL: numbered). */
void        ps_train_panel_take_snapshot  (PsTrainPanel *p, const char *label);
guint       ps_train_panel_get_n_snapshots (PsTrainPanel *p);
/* Show A − B in the difference view: indices into the snapshot list, or -1
 * for the current values. */
gboolean    ps_train_panel_set_difference (PsTrainPanel *p, int a, int b, GError **error);

/* Settings, as the controls hold them (for tests and the live benchmark). */
void        ps_train_panel_configure      (PsTrainPanel *p, PsDataKind data, int64_t samples,
                                           PsLossKind loss, const PsOptimConfig *optim);

PsTrainer  *ps_train_panel_get_trainer    (PsTrainPanel *p);   /* NULL before the first run */
/* Pages for the window: the loss chart with its log-scale switch, the
 * distribution chart with its values/gradient switch. */
GtkWidget  *ps_train_panel_get_loss_page  (PsTrainPanel *p);
GtkWidget  *ps_train_panel_get_dist_page  (PsTrainPanel *p);
GtkWidget  *ps_train_panel_get_loss_chart (PsTrainPanel *p);
GtkWidget  *ps_train_panel_get_grad_chart (PsTrainPanel *p);
GtkWidget  *ps_train_panel_get_dist_chart (PsTrainPanel *p);
GtkWidget  *ps_train_panel_get_diff_page  (PsTrainPanel *p);   /* A/B pickers + heatmap */
GtkWidget  *ps_train_panel_get_diff_view  (PsTrainPanel *p);   /* the heatmap itself */
/* Frames the panel has synced since the run started (for the live benchmark). */
guint64     ps_train_panel_get_n_syncs    (PsTrainPanel *p);

G_END_DECLS
