/* ps-run-folder-watch.h — an outside run's folder of checkpoints, watched
 *
 * The window's view of a training run it does not run itself: every
 * checkpoint of the folder (ps-run-folder.h: step-100.safetensors,
 * checkpoint-200/model.safetensors, epoch_3.pt, ...) read for the network's
 * parameters (ps_snapshot_new_from_weights) and given to the run controller
 * (ps_run_controller_add_checkpoint): a snapshot of the Difference page and
 * a column of the distributions over time, at its step.  A GFileMonitor on
 * the folder and its subfolders polls the folder again after a change; while
 * a file is still being written (ps_run_folder_tracker_poll: pending) it is
 * polled every second until the file is complete and unchanged, then added.
 * A new network ends the watch (its checkpoints were another network's).
 *
 *   PsRunFolderWatch *w = ps_run_folder_watch_new (controller, "runs/exp1", &error);
 *   // "added" is emitted after each poll that added checkpoints
 *
 * Properties (read-only): "n-added" (uint: checkpoints added so far),
 * "n-pending" (uint: seen, not complete yet), "problem" (string: the last
 * checkpoint that could not be read for this network, and why; or NULL).
 */
#pragma once

#include "ps-run-controller.h"

G_BEGIN_DECLS

#define PS_TYPE_RUN_FOLDER_WATCH (ps_run_folder_watch_get_type ())
G_DECLARE_FINAL_TYPE (PsRunFolderWatch, ps_run_folder_watch, PS, RUN_FOLDER_WATCH, GObject)

/* Watch dir, adding its complete checkpoints now.  NULL + PS_ERROR_IO if
 * dir cannot be read; PS_ERROR_KEY if it holds checkpoints but none has
 * the network's parameters (nothing is added then). */
PsRunFolderWatch *ps_run_folder_watch_new        (PsRunController *run, const char *dir,
                                                  GError **error);
const char       *ps_run_folder_watch_get_dir    (PsRunFolderWatch *w);
/* The path of the checkpoint with the highest step added so far, or NULL. */
const char       *ps_run_folder_watch_get_latest (PsRunFolderWatch *w);
guint             ps_run_folder_watch_get_n_added (PsRunFolderWatch *w);
/* Poll now (what the monitor and the timer do). */
void              ps_run_folder_watch_poll       (PsRunFolderWatch *w);

G_END_DECLS
