/* ps-trainer.h — training in a worker thread, watched through snapshots
 *
 * A PsTrainer trains a network flat out in a thread of its own while the
 * caller's thread (the UI's main thread) keeps showing it.  The worker never
 * touches the caller's network: it trains a replica (same structure, same
 * tying: one replica parameter per distinct parameter) and, between two
 * steps, copies the replica's values and gradients into a snapshot buffer
 * when the caller has asked for one.  ps_trainer_sync() then writes the
 * newest complete snapshot into the caller's parameters, on the caller's
 * thread, which notifies their listeners there: views redraw as after any
 * other change, and never see a half-updated tensor.
 *
 *   PsTrainConfig c;
 *   ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.1);
 *   g_autoptr (PsTrainer) t = ps_trainer_new (net, x, target, &c, &error);
 *   ps_trainer_start (t, 0);                 // run until paused (0: no step limit)
 *   ...each frame: if (ps_trainer_sync (t)) redraw;
 *   ps_trainer_pause (t);                    // waits for the current step, then syncs
 *
 * While the worker runs, the caller must not change the network; while it is
 * paused the caller may (edit, initialize, load): the next start copies the
 * caller's values into the replica, so such edits apply cleanly.  The
 * optimizer's state (momentum, Adam's moments and step count) carries on
 * across pauses; ps_trainer_reset() puts back the weights the run started
 * with and clears that state, so two runs from the same start can be
 * compared.
 *
 * Numerical faults: the loss and every gradient are checked for NaN/Inf
 * before the optimizer step (the gradient norms for the log are that pass),
 * so weights stay at the last finite values and the run stops naming the
 * step and the first parameter (named_parameters order) with a non-finite
 * gradient.  An update that overflows a finite weight to Inf is detected by
 * the optimizer's own pass; the run stops naming that parameter and step.
 *
 * Threads: the worker uses pthread mutexes and C11-compatible atomics only
 * (ThreadSanitizer understands them).  Every ps_trainer_* function is for
 * the caller's thread.
 */
#pragma once

#include "ps-optim.h"
#include "ps-snapshot.h"
#include "ps-tape.h"
#include "ps-train-log.h"

G_BEGIN_DECLS

typedef struct
{
  PsLossKind    loss;
  PsOptimConfig optim;
  guint64       seed;            /* lazy layers materialized by the first forward */
  guint64       snapshot_every;  /* automatic snapshots every N steps (0: none) */
} PsTrainConfig;

void ps_train_config_init (PsTrainConfig *c, PsLossKind loss, PsOptimKind optim, double lr);

typedef enum
{
  PS_TRAINER_IDLE,        /* not running (new, paused, reset, or the step limit reached) */
  PS_TRAINER_RUNNING,
  PS_TRAINER_FAULT,       /* stopped on a non-finite loss, gradient or weight */
} PsTrainerState;

typedef struct _PsTrainer PsTrainer;

/* A trainer for model on input x (batch, in) and target (batch, out; NULL for
 * the `sum` loss).  Lazy layers must be materialized (run a forward first).
 * The model must stay alive and keep its structure while the trainer lives. */
PsTrainer      *ps_trainer_new          (PsModule *model, const PsTensor *x, const PsTensor *target,
                                         const PsTrainConfig *c, GError **error);
void            ps_trainer_free         (PsTrainer *t);   /* stops the worker first */

/* Copy the model's current values into the replica, then run n_steps steps
 * in the worker (0: until paused or a fault).  Refused while running, and
 * after a fault until reset or a continue (ps_trainer_clear_fault). */
gboolean        ps_trainer_start        (PsTrainer *t, guint64 n_steps, GError **error);
/* Ask the worker to stop after its current step, wait for it, and sync the
 * final state into the model.  A no-op when not running. */
void            ps_trainer_pause        (PsTrainer *t);
/* Run n steps on the caller's thread (not while running); synced. */
gboolean        ps_trainer_step         (PsTrainer *t, guint64 n, GError **error);
/* Pause, then put the weights the run started with back into the model and
 * the replica, clear the optimizer's state, the log and the step count. */
void            ps_trainer_reset        (PsTrainer *t);
/* The weights a reset returns to become the model's current ones (e.g. after
 * a user's initialization while paused): the start of a new run. */
void            ps_trainer_rebase       (PsTrainer *t);

/* At most this many steps a second (0: as fast as possible), e.g. to watch
 * a run in class.  Takes effect at once, also while running. */
void            ps_trainer_set_max_rate (PsTrainer *t, double steps_per_second);

/* Write the newest complete snapshot into the model's parameters (notifying
 * their listeners) if there is one not yet written, and ask the worker for
 * the next.  TRUE if the model changed.  Call it at the display's rate. */
gboolean        ps_trainer_sync         (PsTrainer *t);
/* The two halves of ps_trainer_sync, for a caller that paces its snapshots:
 * ask the worker for a frame (it hands one over after its current step),
 * and, at a later frame, take it.  So what is shown is at most a step old,
 * however rarely it is asked for. */
void            ps_trainer_request_frame (PsTrainer *t);
gboolean        ps_trainer_take_frame    (PsTrainer *t);

PsTrainerState  ps_trainer_get_state    (PsTrainer *t);
/* Steps taken since the start or the last reset (by the worker, now). */
guint64         ps_trainer_get_step     (PsTrainer *t);
/* The step of the values last written into the model by a sync. */
guint64         ps_trainer_get_synced_step (PsTrainer *t);
/* Loss of the synced step (NAN before the first). */
double          ps_trainer_get_loss     (PsTrainer *t);
/* After a fault: "step 37: the gradient of 2.weight is not finite (3 NaN,
 * 1 +Inf)".  NULL otherwise. */
const char     *ps_trainer_get_fault    (PsTrainer *t);
/* The fault's step and parameter name (0 / NULL if none). */
guint64         ps_trainer_get_fault_step  (PsTrainer *t);
const char     *ps_trainer_get_fault_param (PsTrainer *t);
/* Allow starting again after a fault, from the current (finite) weights. */
void            ps_trainer_clear_fault  (PsTrainer *t);

/* The run's record (owned by the trainer; thread-safe to read). */
PsTrainLog     *ps_trainer_get_log      (PsTrainer *t);

/* Automatic snapshots (at step 0 when a run starts, and every
 * snapshot_every steps): each is handed over once, oldest first; NULL when
 * there is none.  The caller owns it. */
PsSnapshot     *ps_trainer_pop_snapshot (PsTrainer *t);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTrainer, ps_trainer_free)

G_END_DECLS
