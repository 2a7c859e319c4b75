/* ps-run-controller.h — a training run of the document's network, without widgets
 *
 * A PsRunController owns the PsTrainer for the document's network and the
 * run's snapshots.  Its settings are properties (the Train panel binds its
 * controls to them); its state is properties too (the window enables its
 * win.train-* actions from them, the panel says them).  Run starts the
 * worker and marks the document busy (edits are refused with "pause
 * training first"); at the display's rate the newest snapshot is written
 * into the network, so every view of it (heatmaps, overview, inspector)
 * redraws as after any other change.  Pause, the step limit or a numerical
 * fault end the run as one undoable change ("train steps 1–500").
 * Changing a setting starts a new run from the current weights on the next
 * Run; Reset returns to the run's first weights.  A new network drops the
 * run and the snapshots and picks settings that suit it.
 *
 *   PsRunController *run = ps_run_controller_new (doc);
 *   ps_run_controller_set_clock_widget (run, GTK_WIDGET (window));
 *   g_object_bind_property (run, "learning-rate", lr_spin, "value",
 *                           G_BINDING_BIDIRECTIONAL | G_BINDING_SYNC_CREATE);
 *   if (!ps_run_controller_run (run, 0, &error)) ...     // "error" says it too
 *
 * Settings (read-write; changing one makes the next Run a new run):
 *   "data" (PsRunData), "samples" (int), "data-seed" (int), "loss" (PsLossKind,
 *   as uint), "optimizer" (PsOptimKind, as uint), "learning-rate", "momentum",
 *   "weight-decay", "beta1", "beta2" (double), "eps" (string, as typed: read
 *   when a run starts), "snapshot-every" (uint, 0: never), and "speed" (double
 *   steps/s, 0: flat out; takes effect at once, even while running).
 * State (read-only):
 *   "running" (also while the run's data is being made), "can-run" (a Run
 *   or Step can start: nothing is running),
 *   "can-reset" (there is a run to reset), "new-run" (the next Run starts a
 *   new run: none yet, or settings changed), "step" and "loss" (of the values
 *   shown), "rate" (steps/s), "fault" (what stopped the run, or NULL),
 *   "error" (why the last Run or Step was refused, or the fault's message;
 *   NULL once a run starts), "data-file" (the training data file's name),
 *   "snapshots" (a GListModel of PsRunSnapshot), "log" (the run's
 *   PsTrainLog, borrowed, or NULL), "previous-loss" (the loss curve of the
 *   run before, a GArray of PsLogPoint, or NULL), "accuracy" (of a classifier
 *   -- cross-entropy, or the spiral -- on the run's data with the values
 *   shown, ps_data_evaluate; NAN otherwise).
 * Signals:
 *   "tick"     every frame while running, and once when it ends: the log grew
 *   "synced"   the network took a newer frame of the run
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"

G_BEGIN_DECLS

/* Where the training data comes from: generated (PsDataKind) or a file. */
typedef enum
{
  PS_RUN_DATA_RANDOM = PS_DATA_RANDOM,
  PS_RUN_DATA_TEACHER = PS_DATA_TEACHER,
  PS_RUN_DATA_SPIRAL = PS_DATA_SPIRAL,
  PS_RUN_DATA_DIGITS = PS_DATA_DIGITS,
  PS_RUN_DATA_CHARS = PS_DATA_CHARS,
  PS_RUN_DATA_FILE,        /* the tensors "input" and "target" of ps_run_controller_load_data */
} PsRunData;

/* One entry of the snapshots list: a network's values at one moment, under
 * the name the window shows ("run 2 · step 300", "init"). */
#define PS_TYPE_RUN_SNAPSHOT (ps_run_snapshot_get_type ())
G_DECLARE_FINAL_TYPE (PsRunSnapshot, ps_run_snapshot, PS, RUN_SNAPSHOT, GObject)

/* s: taken over (NULL: the current values, not a snapshot). */
PsRunSnapshot *ps_run_snapshot_new          (PsSnapshot *s, const char *label);
PsSnapshot    *ps_run_snapshot_get_snapshot (PsRunSnapshot *rs);   /* borrowed, nullable */
const char    *ps_run_snapshot_get_label    (PsRunSnapshot *rs);   /* the "label" property */
/* The controller's list of them.  trim: within half the document's history
 * limit (and a count), the oldest automatic snapshot after a run's start
 * first, then the oldest of any kind; the document is told what is kept and
 * what was dropped.  append: s taken over, an automatic one ("step N") shown
 * as "run R · step N", then trimmed. */
void           ps_run_snapshots_trim        (GListStore *snapshots, PsDocument *doc);
void           ps_run_snapshots_append      (GListStore *snapshots, PsDocument *doc,
                                             PsSnapshot *s, guint run_no);

#define PS_TYPE_RUN_CONTROLLER (ps_run_controller_get_type ())
G_DECLARE_FINAL_TYPE (PsRunController, ps_run_controller, PS, RUN_CONTROLLER, GObject)

PsRunController *ps_run_controller_new        (PsDocument *doc);
PsDocument      *ps_run_controller_get_document (PsRunController *run);

/* The widget whose frame clock paces a run's frames (weakly held; NULL: a
 * 60 Hz timeout).  The window sets itself. */
void        ps_run_controller_set_clock_widget (PsRunController *run, GtkWidget *widget);

/* Run n_steps steps (0: until paused) in the worker: FALSE + error (also
 * in "error") when refused; TRUE at once when already running.  When the
 * run needs new generated data of more than about a million floats, a
 * worker makes it first ("running" meanwhile, ps_run_controller_is_making_data)
 * and the run starts when it is made; a setting changed, Pause, Reset or a
 * new network meanwhile cancels it.  Step does the same. */
gboolean    ps_run_controller_run          (PsRunController *run, guint64 n_steps, GError **error);
void        ps_run_controller_pause        (PsRunController *run);
/* One step on this thread, as one undoable change (not while running). */
gboolean    ps_run_controller_step         (PsRunController *run, GError **error);
/* The run's first weights back (one undoable change); the same run again
 * gives the same bits. */
void        ps_run_controller_reset        (PsRunController *run);
gboolean    ps_run_controller_is_running   (PsRunController *run);
/* Whether a worker is making the data the next run or step waits for. */
gboolean    ps_run_controller_is_making_data (PsRunController *run);
/* Data sets generated so far: generated data is kept across new runs while
 * what it is made from (data kind, samples, data seed, loss, the network's
 * input and output shape, the network itself for the teacher) is unchanged. */
guint       ps_run_controller_get_n_made   (PsRunController *run);
/* Workers making data not yet ended, of every controller (a cancelled one
 * ends by itself; tests and the sanitizer run wait for them). */
guint       ps_run_controller_n_data_workers (void);

/* Keep the current values as a snapshot (label NULL: numbered). */
void        ps_run_controller_take_snapshot (PsRunController *run, const char *label);
GListModel *ps_run_controller_get_snapshots (PsRunController *run);   /* of PsRunSnapshot */
/* A checkpoint of an outside run (ps_snapshot_new_from_weights; taken over):
 * a snapshot among the others, in the order of its step and under its
 * label, and its values' histograms at its step in the log the charts show
 * while no run of the window's own has started ("log": that log until
 * then).  A new network drops them with the other snapshots. */
void        ps_run_controller_add_checkpoint (PsRunController *run, PsSnapshot *s);

/* Train on the tensors "input" and "target" (if any) of a safetensors file;
 * "data" becomes PS_RUN_DATA_FILE.  FALSE + error (nothing changed) if the
 * file cannot be read. */
gboolean    ps_run_controller_load_data    (PsRunController *run, const char *path, GError **error);

/* Settings at once (as the properties): for tests and the live benchmark. */
void        ps_run_controller_configure    (PsRunController *run, PsRunData data, int64_t samples,
                                            PsLossKind loss, const PsOptimConfig *optim);

PsTrainer  *ps_run_controller_get_trainer  (PsRunController *run);   /* NULL before a run */
PsTrainLog *ps_run_controller_get_log      (PsRunController *run);   /* NULL before a run */
GArray     *ps_run_controller_get_previous_loss (PsRunController *run);   /* nullable */
/* The run's data (borrowed; NULL before a run): FALSE when there is none. */
gboolean    ps_run_controller_get_data     (PsRunController *run, const PsTensor **x,
                                            const PsTensor **target);
/* The Train panel's data as it stands: the run's (unless a setting changed
 * since), else made now from the settings (x and target referenced; target
 * NULL for the sum loss).  FALSE + error when it cannot be made. */
gboolean    ps_run_controller_make_data    (PsRunController *run, PsTensor **x, PsTensor **target,
                                            GError **error);
/* The same without blocking the window: a set too large to make at once
 * (over 2^20 floats) is made by the worker that makes a run's data, with the
 * Train panel's "Making ..." message; callback runs on this thread.  It fails
 * with G_IO_ERROR_CANCELLED when the making is abandoned (Pause, a setting
 * or the network changed, asked again, the controller ends). */
void        ps_run_controller_make_data_async  (PsRunController *run, GAsyncReadyCallback callback,
                                                gpointer user_data);
gboolean    ps_run_controller_make_data_finish (PsRunController *run, GAsyncResult *result,
                                                PsTensor **x, PsTensor **target, GError **error);
double      ps_run_controller_get_accuracy (PsRunController *run);   /* the "accuracy" property */
const char *ps_run_controller_get_error    (PsRunController *run);
/* Frames the network has taken since the run started. */
guint64     ps_run_controller_get_n_syncs  (PsRunController *run);

/* Whether the view takes a new snapshot of a run at this frame, given what
 * went by since the last one: wall time, the view threads' CPU time and
 * the whole process's (microseconds), on n_cpus cores.
 *
 * The view follows a run within a share of the machine.  Every snapshot
 * costs the window's thread a pass over the shown tensors (hand-over,
 * pooling, colouring, drawing).  When the machine has half a core to spare
 * (a small network trains on one core), that is free, and the view follows
 * at the display's rate.  When the training's products use every core,
 * what the window takes is taken from them: then a snapshot is due when
 * the view's threads (the window's and the heatmaps' pooling helper) have
 * used at most 12 % of the time since the last one -- and at the latest
 * after 200 ms.  thread_cpu_us counts both. */
gboolean    ps_train_view_snapshot_due     (double wall_us, double thread_cpu_us,
                                            double process_cpu_us, int n_cpus);

G_END_DECLS
