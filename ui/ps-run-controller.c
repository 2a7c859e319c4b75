/* ps-run-controller.c — the run's life: settings, trainer, frames, snapshots
 *
 * One file, though near the size where files here are split: every part of
 * it reads and writes the same run state (the struct below), and each state
 * change must notify the same properties in the same order.  The settings
 * decide when the trainer is made again; the frames (tick) take snapshots
 * from the running trainer, pace them against the view's CPU use and end
 * the run; ending it commits the steps to the document's history as one
 * undoable change; a new network drops the trainer and the snapshots, and
 * an undo makes the next Run a new run.
 * Pulled apart, these would share the struct through a private header and
 * call each other both ways.  What has no such state lives beside it: the
 * snapshots list's entries and keeping (ps-run-snapshot.c), the step itself
 * (ps_train_step, core), the worker thread (PsTrainer, core).
 */
#include "ps-run-controller.h"
#include "ps-matrix-view.h"      /* ps_matrix_view_parse_value: eps is read as a typed value */

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <sys/resource.h>
#include <string.h>

/* ---- PsRunController ------------------------------------------------------------ */

/* What generated data is made from: equal keys, equal bytes.  A teacher is
 * made from the network's structure (model_no: the networks so far). */
typedef struct
{
  PsRunData   data;
  int         samples, seed;
  PsLossKind  loss;
  int         dims;
  int64_t     sample[3], in, out, tokens;
  guint       model_no;
} DataKey;

/* What to do once the worker has made the data. */
typedef enum { THEN_NOTHING, THEN_RUN, THEN_STEP } Then;

struct _PsRunController
{
  GObject     parent_instance;

  PsDocument *doc;
  PsTrainer  *trainer;
  gboolean    dirty;            /* settings changed: the next run is a new trainer */
  guint       run_no;           /* runs so far (a new trainer is a new run) */
  guint64     run_first_step;   /* the step the current run (undo entry) started after */

  /* settings */
  PsRunData   data;
  int         samples, data_seed;
  PsLossKind  loss;
  PsOptimKind optimizer;
  double      lr, momentum, weight_decay, beta1, beta2;
  char       *eps;
  guint       snapshot_every;
  double      speed;
  PsTensor   *file_x, *file_t;  /* PS_RUN_DATA_FILE */
  char       *file_name;

  /* the frames */
  GWeakRef    clock_widget;
  guint       tick_id;          /* on clock_widget */
  guint       timeout_id;       /* without one */
  guint64     n_syncs;
  gint64      sync_wall;        /* when the view last took a snapshot */
  gint64      sync_cpu, sync_proc_cpu;  /* CPU used then by the view's threads, by the process */
  gboolean    frame_requested;  /* asked the worker for a frame, not taken yet */
  gint64      request_time;     /* when */
  gint64      fetch_us;         /* how long the last frame took to come (the worker ends its step) */
  gint64      rate_time;        /* steps/s: the last measurement */
  guint64     rate_step;
  double      rate;
  guint64     step;             /* shown: the synced step */
  double      loss_value;
  double      accuracy;         /* of the values shown on the run's data (NAN: not a classifier) */
  gint64      accuracy_time;    /* when it was last computed */
  guint64     accuracy_step;
  PsTensor   *data_x, *data_t;  /* the run's data (the trainer's own copies are private) */
  PsTensor   *made_x, *made_t;  /* the data made last, kept across new runs while */
  DataKey     made_key;         /* what it is made from is unchanged */
  guint       model_no;
  guint       n_made;           /* data sets generated so far */
  GTask      *input_wanted;     /* Training Data as Input, waiting for that worker */
  GCancellable *making;         /* a worker making data for the next run, then: */
  Then        then;
  guint64     then_steps;
  gboolean    active;           /* a run begun by run() that finish_run() has not closed:
                                 * running until then, even when the worker has already
                                 * ended it (its last steps wait for the next tick) */
  gboolean    running;          /* as last notified */
  char       *error;
  GArray     *previous;         /* PsLogPoint: the run before's loss */

  GListStore *snapshots;        /* PsRunSnapshot */
  guint       n_taken;
  PsTrainLog *checkpoint_log;   /* histograms of the checkpoints of an outside run */
};

G_DEFINE_FINAL_TYPE (PsRunController, ps_run_controller, G_TYPE_OBJECT)

enum
{
  PROP_0,
  /* settings */
  PROP_DATA, PROP_SAMPLES, PROP_DATA_SEED, PROP_LOSS, PROP_OPTIMIZER, PROP_LEARNING_RATE,
  PROP_MOMENTUM, PROP_WEIGHT_DECAY, PROP_BETA1, PROP_BETA2, PROP_EPS, PROP_SNAPSHOT_EVERY,
  PROP_SPEED,
  /* state */
  PROP_RUNNING, PROP_CAN_RUN, PROP_CAN_RESET, PROP_NEW_RUN, PROP_STEP, PROP_LOSS_VALUE,
  PROP_RATE, PROP_FAULT, PROP_ERROR, PROP_DATA_FILE, PROP_SNAPSHOTS, PROP_LOG,
  PROP_PREVIOUS_LOSS, PROP_ACCURACY,
  N_PROPS
};
static GParamSpec *properties[N_PROPS];

enum { SIG_TICK, SIG_SYNCED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void finish_run (PsRunController *run);

/* ---- state ------------------------------------------------------------------ */

static void
set_error (PsRunController *run, const char *message)
{
  if (g_strcmp0 (run->error, message) == 0)
    return;
  g_free (run->error);
  run->error = g_strdup (message);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_ERROR]);
}

/* An error to return that "error" says too. */
static gboolean
refuse (PsRunController *run, GError *local, GError **error)
{
  set_error (run, local->message);
  g_propagate_error (error, local);
  return FALSE;
}

static void
set_dirty (PsRunController *run, gboolean dirty)
{
  if (run->dirty == dirty)
    return;
  run->dirty = dirty;
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_NEW_RUN]);
}

/* The shown step, loss and rate, and whether it runs, as the trainer has them now. */
static void
update_state (PsRunController *run)
{
  GObject *object = G_OBJECT (run);
  gboolean running = ps_run_controller_is_running (run);
  guint64 step = run->trainer ? ps_trainer_get_synced_step (run->trainer) : 0;
  double loss = run->trainer ? ps_trainer_get_loss (run->trainer) : NAN;
  double accuracy = run->accuracy;
  gint64 now = g_get_monotonic_time ();

  /* the accuracy of the values shown, on the run's data: a forward pass over
   * it, at most 5 times a second while running */
  if (run->trainer == NULL || run->data_t == NULL
      || !(run->loss == PS_LOSS_CROSS_ENTROPY || run->data == PS_RUN_DATA_SPIRAL))
    accuracy = NAN;
  else if (step != run->accuracy_step || isnan (accuracy))
    {
      if (!running || now - run->accuracy_time >= G_USEC_PER_SEC / 5)
        {
          if (!ps_data_evaluate (ps_document_get_model (run->doc), run->data_x, run->data_t,
                                 &accuracy, NULL))
            accuracy = NAN;
          run->accuracy_time = now;
          run->accuracy_step = step;
        }
    }

  g_object_freeze_notify (object);
  if (!(accuracy == run->accuracy || (isnan (accuracy) && isnan (run->accuracy))))
    {
      run->accuracy = accuracy;
      g_object_notify_by_pspec (object, properties[PROP_ACCURACY]);
    }
  if (running != run->running)
    {
      run->running = running;
      g_object_notify_by_pspec (object, properties[PROP_RUNNING]);
      g_object_notify_by_pspec (object, properties[PROP_CAN_RUN]);
    }
  if (step != run->step)
    {
      run->step = step;
      g_object_notify_by_pspec (object, properties[PROP_STEP]);
    }
  if (!(loss == run->loss_value || (isnan (loss) && isnan (run->loss_value))))
    {
      run->loss_value = loss;
      g_object_notify_by_pspec (object, properties[PROP_LOSS_VALUE]);
    }
  g_object_thaw_notify (object);
}

/* ---- settings ------------------------------------------------------------------ */

/* eps as typed: a positive number, read as the heatmap's cells read a
 * typed value (torch.optim.Adam's eps; the update uses it as a float) */
static gboolean
read_eps (PsRunController *run, double *eps, GError **error)
{
  float v;

  if (!ps_matrix_view_parse_value (run->eps, &v) || v <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("eps: “%s” is not a positive number"),
                   run->eps ? run->eps : "");
      return FALSE;
    }
  *eps = v;
  return TRUE;
}

static gboolean
read_config (PsRunController *run, PsTrainConfig *c, GError **error)
{
  gboolean adam = run->optimizer == PS_OPTIM_ADAM;

  ps_train_config_init (c, run->loss, adam ? PS_OPTIM_ADAM : PS_OPTIM_SGD, run->lr);
  c->optim.momentum = adam ? 0 : run->momentum;
  c->optim.weight_decay = run->weight_decay;
  if (adam)
    {
      c->optim.beta1 = run->beta1;
      c->optim.beta2 = run->beta2;
      if (!read_eps (run, &c->optim.eps, error))
        return FALSE;
    }
  c->seed = (guint64) run->data_seed;
  c->snapshot_every = run->snapshot_every;
  return TRUE;
}

void
ps_run_controller_configure (PsRunController *run, PsRunData data, int64_t samples,
                             PsLossKind loss, const PsOptimConfig *optim)
{
  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));
  g_return_if_fail (optim != NULL);

  g_object_freeze_notify (G_OBJECT (run));
  g_object_set (run, "data", (guint) data, "samples", (int) samples, "loss", (guint) loss,
                "optimizer", (guint) optim->kind, "learning-rate", optim->lr,
                "momentum", optim->momentum, "weight-decay", optim->weight_decay, NULL);
  if (optim->kind == PS_OPTIM_ADAM)
    {
      char buf[G_ASCII_DTOSTR_BUF_SIZE];
      g_object_set (run, "beta1", optim->beta1, "beta2", optim->beta2,
                    "eps", g_ascii_formatd (buf, sizeof buf, "%g", optim->eps), NULL);
    }
  set_dirty (run, TRUE);
  g_object_thaw_notify (G_OBJECT (run));
}

/* ---- the trainer's life ----------------------------------------------------- */

static void
set_log_changed (PsRunController *run)
{
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_LOG]);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_CAN_RESET]);
}

/* The run just ended stays drawn faintly, to compare the next one with. */
static void
keep_curve_as_previous (PsRunController *run)
{
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  ps_train_log_copy_loss (ps_trainer_get_log (run->trainer), pts);
  if (pts->len == 0)
    return;
  g_clear_pointer (&run->previous, g_array_unref);
  run->previous = g_steal_pointer (&pts);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_PREVIOUS_LOSS]);
}

static void
drop_trainer (PsRunController *run, gboolean keep_curve)
{
  if (run->trainer == NULL)
    return;
  if (keep_curve)
    keep_curve_as_previous (run);
  g_clear_pointer (&run->trainer, ps_trainer_free);
  g_clear_pointer (&run->data_x, ps_tensor_unref);
  g_clear_pointer (&run->data_t, ps_tensor_unref);
  set_log_changed (run);
}

/* Data of more floats than this (input and target) is made in a worker:
 * 8,192 digits take a second or more.  Less is made at once. */
#define SYNC_DATA_FLOATS (1 << 20)

static void
data_key (PsRunController *run, PsLossKind loss, DataKey *k)
{
  PsModule *m = ps_document_get_model (run->doc);

  memset (k, 0, sizeof *k);
  k->data = run->data;
  k->samples = run->samples;
  k->seed = run->data_seed;
  k->loss = loss;
  k->dims = ps_data_sample_shape (m, k->sample);
  k->in = ps_module_input_width (m);
  k->out = ps_module_output_width (m);
  k->tokens = ps_data_input_tokens (m);
  k->model_no = run->data == PS_RUN_DATA_TEACHER ? run->model_no : 0;
}

static gboolean
data_is_made (PsRunController *run, const DataKey *k)
{
  return run->made_x != NULL && memcmp (k, &run->made_key, sizeof *k) == 0;
}

/* Whether the data is too large to make on this thread. */
static gboolean
data_is_large (const DataKey *k)
{
  double per_sample = (double) k->out;

  if (k->data == PS_RUN_DATA_FILE)
    return FALSE;
  if (k->data == PS_RUN_DATA_CHARS)
    per_sample = 16.0 * (1 + (double) k->out);      /* 16 tokens, a one-hot target each */
  else if (k->dims > 1)
    per_sample += (double) k->sample[0] * (double) k->sample[1] * (double) MAX (k->sample[2], 1);
  else
    per_sample += (double) k->in;
  return per_sample * k->samples > SYNC_DATA_FLOATS;
}

static void
keep_made (PsRunController *run, const DataKey *k, PsTensor *x, PsTensor *t)
{
  g_clear_pointer (&run->made_x, ps_tensor_unref);
  g_clear_pointer (&run->made_t, ps_tensor_unref);
  run->made_x = ps_tensor_ref (x);
  run->made_t = t ? ps_tensor_ref (t) : NULL;
  run->made_key = *k;
  run->n_made++;
}

static void
drop_made (PsRunController *run)
{
  g_clear_pointer (&run->made_x, ps_tensor_unref);
  g_clear_pointer (&run->made_t, ps_tensor_unref);
}

static gboolean
make_data (PsRunController *run, PsLossKind loss, PsTensor **x, PsTensor **t, GError **error)
{
  DataKey k;

  if (run->data == PS_RUN_DATA_FILE)
    {
      if (run->file_x == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       _("Choose a safetensors file holding the tensors “input” and “target” first"));
          return FALSE;
        }
      *x = ps_tensor_ref (run->file_x);
      *t = run->file_t && loss != PS_LOSS_SUM ? ps_tensor_ref (run->file_t) : NULL;
      return TRUE;
    }
  data_key (run, loss, &k);
  if (!data_is_made (run, &k))
    {
      g_autoptr (PsTensor) mx = NULL;
      g_autoptr (PsTensor) mt = NULL;
      if (!ps_data_generate ((PsDataKind) run->data, ps_document_get_model (run->doc),
                             run->samples, (guint64) run->data_seed, loss, &mx, &mt, error))
        return FALSE;
      keep_made (run, &k, mx, mt);
    }
  *x = ps_tensor_ref (run->made_x);
  *t = run->made_t ? ps_tensor_ref (run->made_t) : NULL;
  return TRUE;
}

/* ---- making the data in a worker ---------------------------------------------- */

/* All the worker reads: the key and a copy of the network (the teacher's
 * structure, the shapes), never the document's. */
typedef struct
{
  DataKey   key;
  PsModule *model;
  PsTensor *x, *t;
  /* Set last by the side that filled the job, read first by the other.  GTask
   * already orders the hand-offs (GLib's queues), but through GLib's own
   * futex locks, which ThreadSanitizer does not see: these atomics state the
   * same order in our code, where it can check it. */
  gint      handed_over, handed_back;
} DataJob;

/* What ps_run_controller_make_data_async hands back. */
typedef struct
{
  PsTensor *x, *t;
} DataPair;

static gpointer
data_pair_new (PsTensor *x, PsTensor *t)
{
  DataPair *p = g_new0 (DataPair, 1);
  p->x = ps_tensor_ref (x);
  p->t = t ? ps_tensor_ref (t) : NULL;
  return p;
}

static void
data_pair_free (gpointer data)
{
  DataPair *p = data;
  g_clear_pointer (&p->x, ps_tensor_unref);
  g_clear_pointer (&p->t, ps_tensor_unref);
  g_free (p);
}

static gint n_jobs;             /* jobs not yet handed back to the main loop, of every controller */

static void
data_job_free (gpointer data)
{
  DataJob *job = data;
  g_clear_pointer (&job->model, ps_module_unref);
  g_clear_pointer (&job->x, ps_tensor_unref);
  g_clear_pointer (&job->t, ps_tensor_unref);
  g_free (job);
}

static void
make_data_thread (GTask *task, gpointer source, gpointer task_data, GCancellable *cancellable)
{
  DataJob *job = task_data;
  GError *error = NULL;

  gboolean made = FALSE;

  g_assert (g_atomic_int_get (&job->handed_over));
  if (!g_cancellable_is_cancelled (cancellable))
    made = ps_data_generate ((PsDataKind) job->key.data, job->model, job->key.samples,
                             (guint64) job->key.seed, job->key.loss, &job->x, &job->t, &error);
  g_atomic_int_set (&job->handed_back, 1);
  if (g_task_return_error_if_cancelled (task))
    g_clear_error (&error);
  else if (made)
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
cancel_making (PsRunController *run)
{
  if (run->making == NULL)
    return;
  g_cancellable_cancel (run->making);
  g_clear_object (&run->making);
  run->then = THEN_NOTHING;
  if (run->input_wanted)
    {
      GTask *task = g_steal_pointer (&run->input_wanted);
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_CANCELLED,
                               "the training data was not made (cancelled)");
      g_object_unref (task);
    }
}

static gboolean start_making (PsRunController *run, Then then, guint64 n_steps);

/* Back on this thread.  run is alive unless the job was cancelled: every
 * change that abandons it (a setting, Pause, Reset, a new network, the
 * controller's end) cancels it first. */
static void
on_data_made (GObject *source, GAsyncResult *result, gpointer data)
{
  GTask *task = G_TASK (result);
  DataJob *job = g_task_get_task_data (task);
  PsRunController *run = data;
  g_autoptr (GError) error = NULL;
  Then then;
  guint64 steps;

  g_assert (g_atomic_int_get (&job->handed_back));
  g_atomic_int_add (&n_jobs, -1);
  if (g_cancellable_is_cancelled (g_task_get_cancellable (task)))
    return;
  then = run->then;
  steps = run->then_steps;
  run->then = THEN_NOTHING;
  g_clear_object (&run->making);
  if (!g_task_propagate_boolean (task, &error))
    {
      set_error (run, error->message);
      if (run->input_wanted)
        {
          GTask *input = g_steal_pointer (&run->input_wanted);
          g_task_return_error (input, g_error_copy (error));
          g_object_unref (input);
        }
    }
  else
    {
      keep_made (run, &job->key, job->x, job->t);
      if (run->input_wanted)
        {
          GTask *input = g_steal_pointer (&run->input_wanted);
          g_task_return_pointer (input, data_pair_new (job->x, job->t), data_pair_free);
          g_object_unref (input);
        }
      /* the network's shape or structure changed meanwhile: made again */
      if (then != THEN_NOTHING && start_making (run, then, steps))
        return;
      if (then == THEN_RUN)
        ps_run_controller_run (run, steps, NULL);       /* "error" says why not */
      else if (then == THEN_STEP)
        ps_run_controller_step (run, NULL);
    }
  update_state (run);
}

/* When the next run needs data that is neither made nor small: a worker
 * makes it, and then runs (or steps).  FALSE: nothing to wait for. */
static gboolean
start_making (PsRunController *run, Then then, guint64 n_steps)
{
  PsTrainConfig c;
  DataKey k;
  DataJob *job;
  GTask *task;

  if ((run->trainer && !run->dirty) || run->data == PS_RUN_DATA_FILE
      || ps_document_get_busy (run->doc) || !read_config (run, &c, NULL))
    return FALSE;               /* nothing to make, or refused as before */
  data_key (run, c.loss, &k);
  if (data_is_made (run, &k) || !data_is_large (&k)
      || !ps_data_fits ((PsDataKind) run->data, ps_document_get_model (run->doc)))
    return FALSE;
  job = g_new0 (DataJob, 1);
  job->key = k;
  job->model = ps_module_clone (ps_document_get_model (run->doc), NULL);
  g_atomic_int_set (&job->handed_over, 1);
  run->making = g_cancellable_new ();
  run->then = then;
  run->then_steps = n_steps;
  task = g_task_new (NULL, run->making, on_data_made, run);
  g_task_set_source_tag (task, start_making);
  g_task_set_task_data (task, job, data_job_free);
  g_atomic_int_add (&n_jobs, 1);
  g_task_run_in_thread (task, make_data_thread);
  g_object_unref (task);
  set_error (run, NULL);
  update_state (run);
  return TRUE;
}

void
ps_run_controller_make_data_async (PsRunController *run, GAsyncReadyCallback callback,
                                   gpointer user_data)
{
  GTask *task;

  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));
  task = g_task_new (run, NULL, callback, user_data);
  g_task_set_source_tag (task, ps_run_controller_make_data_async);
  if (run->input_wanted)
    {
      /* asked twice while the worker works: the first asker is told so */
      GTask *old = g_steal_pointer (&run->input_wanted);
      g_task_return_new_error (old, G_IO_ERROR, G_IO_ERROR_CANCELLED, "asked again");
      g_object_unref (old);
    }
  if (run->making || ((run->data_x == NULL || run->dirty)
                      && start_making (run, THEN_NOTHING, 0)))
    {
      run->input_wanted = task;         /* on_data_made or cancel_making answers */
      return;
    }
  /* made, small or a file: at once (the answer still comes from the main loop) */
  {
    g_autoptr (PsTensor) x = NULL;
    g_autoptr (PsTensor) t = NULL;
    GError *error = NULL;
    if (ps_run_controller_make_data (run, &x, &t, &error))
      g_task_return_pointer (task, data_pair_new (x, t), data_pair_free);
    else
      g_task_return_error (task, error);
  }
  g_object_unref (task);
}

gboolean
ps_run_controller_make_data_finish (PsRunController *run, GAsyncResult *result,
                                    PsTensor **x, PsTensor **target, GError **error)
{
  DataPair *p;

  g_return_val_if_fail (g_task_is_valid (result, run), FALSE);
  *x = *target = NULL;
  p = g_task_propagate_pointer (G_TASK (result), error);
  if (p == NULL)
    return FALSE;
  *x = g_steal_pointer (&p->x);
  *target = g_steal_pointer (&p->t);
  data_pair_free (p);
  return TRUE;
}

gboolean
ps_run_controller_is_making_data (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);
  return run->making != NULL;
}

guint
ps_run_controller_get_n_made (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), 0);
  return run->n_made;
}

guint
ps_run_controller_n_data_workers (void)
{
  return (guint) g_atomic_int_get (&n_jobs);
}

static gboolean
ensure_trainer (PsRunController *run, GError **error)
{
  PsTrainConfig c;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  PsTrainer *trainer;

  if (run->trainer && !run->dirty)
    return TRUE;
  if (!read_config (run, &c, error) || !make_data (run, c.loss, &x, &t, error))
    return FALSE;
  trainer = ps_trainer_new (ps_document_get_model (run->doc), x, t, &c, error);
  if (trainer == NULL)
    return FALSE;
  drop_trainer (run, TRUE);
  run->trainer = trainer;
  run->data_x = g_steal_pointer (&x);
  run->data_t = g_steal_pointer (&t);
  run->accuracy_step = G_MAXUINT64;
  run->run_no++;
  ps_trainer_set_max_rate (trainer, run->speed);
  set_dirty (run, FALSE);
  set_log_changed (run);
  return TRUE;
}

/* The snapshots within half the document's history limit (ps-run-snapshot.c). */
static void
trim_snapshots (PsRunController *run)
{
  ps_run_snapshots_trim (run->snapshots, run->doc);
}

static void
add_snapshot (PsRunController *run, PsSnapshot *s)
{
  ps_run_snapshots_append (run->snapshots, run->doc, s, run->run_no);
}

static void
pop_snapshots (PsRunController *run)
{
  PsSnapshot *s;
  while ((s = ps_trainer_pop_snapshot (run->trainer)))
    add_snapshot (run, s);
}

/* CPU microseconds used by this thread (RUSAGE_THREAD) or the whole
 * process (RUSAGE_SELF). */
static gint64
cpu_usec (int who)
{
  struct rusage u;
  getrusage (who, &u);
  return ((gint64) u.ru_utime.tv_sec + u.ru_stime.tv_sec) * G_USEC_PER_SEC
         + u.ru_utime.tv_usec + u.ru_stime.tv_usec;
}

#define VIEW_BUDGET       0.12
#define VIEW_MAX_WAIT_US  (G_USEC_PER_SEC / 5)

gboolean
ps_train_view_snapshot_due (double wall_us, double thread_cpu_us, double process_cpu_us,
                            int n_cpus)
{
  double idle = wall_us * n_cpus - process_cpu_us;

  return wall_us >= VIEW_MAX_WAIT_US
         || idle >= 0.5 * wall_us
         || thread_cpu_us <= VIEW_BUDGET * wall_us;
}

/* What the view's threads have used: this one and the heatmaps' pooling
 * helper (which pools half of each large matrix). */
static gint64
view_cpu_usec (void)
{
  return cpu_usec (RUSAGE_THREAD) + ps_pool_helper_cpu_usec ();
}

/* Whether to ask for a frame now: due by the time it comes, which takes
 * about as long as the last one took. */
static gboolean
snapshot_due (PsRunController *run, gint64 now)
{
  return ps_train_view_snapshot_due ((double) (now + run->fetch_us - run->sync_wall),
                                     (double) (view_cpu_usec () - run->sync_cpu),
                                     (double) (cpu_usec (RUSAGE_SELF) - run->sync_proc_cpu),
                                     (int) g_get_num_processors ());
}

/* At the display's rate while the worker runs. */
static gboolean
tick (PsRunController *run)
{
  gint64 now = g_get_monotonic_time ();

  if (run->trainer == NULL)
    return G_SOURCE_REMOVE;
  /* ask for a frame when one is due, take it at a later frame: what is
   * shown is then at most a step old */
  if (!run->frame_requested && snapshot_due (run, now))
    {
      ps_trainer_request_frame (run->trainer);
      run->frame_requested = TRUE;
      run->request_time = now;
    }
  if (run->frame_requested && ps_trainer_take_frame (run->trainer))
    {
      run->frame_requested = FALSE;
      run->fetch_us = MIN (now - run->request_time, G_USEC_PER_SEC / 10);
      run->sync_wall = now;
      run->sync_cpu = view_cpu_usec ();
      run->sync_proc_cpu = cpu_usec (RUSAGE_SELF);
      run->n_syncs++;
      g_signal_emit (run, signals[SIG_SYNCED], 0);
    }
  pop_snapshots (run);
  if (now - run->rate_time >= G_USEC_PER_SEC / 2)
    {
      guint64 step = ps_trainer_get_step (run->trainer);
      run->rate = (double) (step - run->rate_step) * G_USEC_PER_SEC / (double) (now - run->rate_time);
      run->rate_time = now;
      run->rate_step = step;
      g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_RATE]);
    }
  update_state (run);
  g_signal_emit (run, signals[SIG_TICK], 0);
  if (ps_trainer_get_state (run->trainer) != PS_TRAINER_RUNNING)
    return G_SOURCE_REMOVE;     /* finish_run takes it from here */
  return G_SOURCE_CONTINUE;
}

static gboolean
on_frame (GtkWidget *widget, GdkFrameClock *clock, gpointer data)
{
  PsRunController *run = data;
  if (tick (run) == G_SOURCE_REMOVE)
    {
      run->tick_id = 0;
      if (run->trainer)
        finish_run (run);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static gboolean
on_timeout (gpointer data)
{
  PsRunController *run = data;
  if (tick (run) == G_SOURCE_REMOVE)
    {
      run->timeout_id = 0;
      if (run->trainer)
        finish_run (run);
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
start_ticks (PsRunController *run)
{
  g_autoptr (GtkWidget) widget = g_weak_ref_get (&run->clock_widget);

  if (run->tick_id || run->timeout_id)
    return;
  if (widget)
    run->tick_id = gtk_widget_add_tick_callback (widget, on_frame, run, NULL);
  else
    run->timeout_id = g_timeout_add (16, on_timeout, run);
}

static void
stop_ticks (PsRunController *run)
{
  g_autoptr (GtkWidget) widget = g_weak_ref_get (&run->clock_widget);

  if (run->tick_id && widget)
    gtk_widget_remove_tick_callback (widget, run->tick_id);
  run->tick_id = 0;
  g_clear_handle_id (&run->timeout_id, g_source_remove);
}

static gboolean
weights_finite (PsDocument *doc)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (doc));
  for (guint i = 0; i < np->len; i++)
    {
      PsTensor *d = ps_param_get_data (((PsNamedParam *) np->pdata[i])->param);
      for (int64_t j = 0; d && j < d->numel; j++)
        if (!isfinite (d->data[j]))
          return FALSE;
    }
  return TRUE;
}

/* Close the run's undoable change.  A fault whose weights are still finite
 * (a NaN gradient: the update was not applied) becomes two changes, so that
 * one undo returns to the last finite state: the weights of the last good
 * step, without the faulty gradient. */
static void
commit_run (PsRunController *run)
{
  guint64 last = ps_trainer_get_step (run->trainer);
  const char *fault = ps_trainer_get_fault (run->trainer);
  g_autofree char *label = NULL;

  if (!ps_document_in_change (run->doc))
    return;
  if (last > run->run_first_step + 1)
    label = g_strdup_printf (_("train steps %" PRIu64 "–%" PRIu64),
                             run->run_first_step + 1, last);
  else if (last == run->run_first_step + 1)
    label = g_strdup_printf (_("train step %" PRIu64), last);

  if (fault && weights_finite (run->doc))
    {
      g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (run->doc));
      g_autoptr (GPtrArray) grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
      for (guint i = 0; i < np->len; i++)
        {
          PsParam *q = ((PsNamedParam *) np->pdata[i])->param;
          PsTensor *g = ps_param_get_grad (q);
          g_ptr_array_add (grads, g ? ps_tensor_copy (g) : NULL);
          ps_param_restore (q, NULL, NULL);          /* keep the values, drop the gradient */
        }
      if (label)
        {
          ps_document_commit_change (run->doc, label);
          ps_document_begin_change (run->doc);
        }
      for (guint i = 0; i < np->len; i++)
        ps_param_restore (((PsNamedParam *) np->pdata[i])->param, NULL, grads->pdata[i]);
      ps_document_commit_change (run->doc, fault);
    }
  else if (fault)
    {
      g_autofree char *both = label ? g_strdup_printf ("%s; %s", label, fault) : g_strdup (fault);
      ps_document_commit_change (run->doc, both);
    }
  else if (label)
    ps_document_commit_change (run->doc, label);
  else
    ps_document_cancel_change (run->doc);   /* no step was taken */
  run->run_first_step = last;
}

static void
finish_run (PsRunController *run)
{
  const char *fault;

  run->active = FALSE;
  stop_ticks (run);
  ps_trainer_sync (run->trainer);
  ps_document_set_busy (run->doc, NULL);
  commit_run (run);
  update_state (run);
  g_signal_emit (run, signals[SIG_TICK], 0);
  fault = ps_trainer_get_fault (run->trainer);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_FAULT]);
  if (fault)
    {
      g_autofree char *msg = g_strdup_printf (_("Training stopped: %s. The views show the "
                                                "non-finite values; Undo returns to the last finite state."),
                                              fault);
      set_error (run, msg);
    }
}

gboolean
ps_run_controller_is_running (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);
  return run->active || run->making != NULL;
}

static gboolean
begin_run (PsRunController *run, GError **error)
{
  GError *local = NULL;

  if (ps_document_get_busy (run->doc))
    {
      g_set_error_literal (&local, PS_ERROR, PS_ERROR_VALUE, ps_document_get_busy (run->doc));
      return refuse (run, local, error);
    }
  if (!ensure_trainer (run, &local))
    return refuse (run, local, error);
  if (ps_trainer_get_state (run->trainer) == PS_TRAINER_FAULT)
    {
      ps_trainer_clear_fault (run->trainer);     /* go on from the last finite weights */
      g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_FAULT]);
    }
  run->run_first_step = ps_trainer_get_step (run->trainer);
  ps_document_begin_change (run->doc);
  set_error (run, NULL);
  return TRUE;
}

gboolean
ps_run_controller_run (PsRunController *run, guint64 n_steps, GError **error)
{
  GError *local = NULL;

  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);

  if (ps_run_controller_is_running (run) || start_making (run, THEN_RUN, n_steps))
    return TRUE;
  if (!begin_run (run, error))
    return FALSE;
  if (!ps_trainer_start (run->trainer, n_steps, &local))
    {
      ps_document_cancel_change (run->doc);
      return refuse (run, local, error);
    }
  ps_document_set_busy (run->doc, _("Training is running: pause it first"));
  run->active = TRUE;
  run->n_syncs = 0;
  run->sync_wall = 0;                    /* the first frame takes a snapshot */
  run->frame_requested = FALSE;
  run->fetch_us = 0;
  run->rate_time = g_get_monotonic_time ();
  run->rate_step = ps_trainer_get_step (run->trainer);
  run->rate = 0;
  /* the window's frame clock drives the frames, whichever page is shown */
  start_ticks (run);
  update_state (run);
  return TRUE;
}

void
ps_run_controller_pause (PsRunController *run)
{
  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));

  if (run->making)
    {
      cancel_making (run);
      update_state (run);
      return;
    }
  if (!run->active)
    return;
  ps_trainer_pause (run->trainer);
  finish_run (run);
}

gboolean
ps_run_controller_step (PsRunController *run, GError **error)
{
  GError *local = NULL;

  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);

  if (ps_run_controller_is_running (run))
    {
      g_set_error_literal (&local, PS_ERROR, PS_ERROR_VALUE, _("Training is running: pause it first"));
      return refuse (run, local, error);
    }
  if (start_making (run, THEN_STEP, 1))
    return TRUE;
  if (!begin_run (run, error))
    return FALSE;
  if (!ps_trainer_step (run->trainer, 1, &local))
    {
      ps_document_cancel_change (run->doc);
      return refuse (run, local, error);
    }
  pop_snapshots (run);
  finish_run (run);
  return TRUE;
}

void
ps_run_controller_reset (PsRunController *run)
{
  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));

  ps_run_controller_pause (run);        /* or stop making data */
  if (run->trainer == NULL)
    return;
  keep_curve_as_previous (run);
  ps_document_begin_change (run->doc);
  ps_trainer_reset (run->trainer);
  run->run_first_step = 0;
  ps_document_commit_change (run->doc, _("reset the run to its first weights"));
  set_error (run, NULL);
  update_state (run);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_FAULT]);
  g_signal_emit (run, signals[SIG_TICK], 0);
}

PsTrainer *
ps_run_controller_get_trainer (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return run->trainer;
}

PsTrainLog *
ps_run_controller_get_log (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return run->trainer ? ps_trainer_get_log (run->trainer) : run->checkpoint_log;
}

GArray *
ps_run_controller_get_previous_loss (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return run->previous;
}

const char *
ps_run_controller_get_error (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return run->error;
}

guint64
ps_run_controller_get_n_syncs (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), 0);
  return run->n_syncs;
}

PsDocument *
ps_run_controller_get_document (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return run->doc;
}

void
ps_run_controller_set_clock_widget (PsRunController *run, GtkWidget *widget)
{
  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));
  g_return_if_fail (widget == NULL || GTK_IS_WIDGET (widget));

  stop_ticks (run);
  g_weak_ref_set (&run->clock_widget, widget);
  if (ps_run_controller_is_running (run))
    start_ticks (run);
}

/* ---- snapshots ------------------------------------------------------------------ */

void
ps_run_controller_take_snapshot (PsRunController *run, const char *label)
{
  guint64 step;
  g_autofree char *auto_label = NULL;

  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));

  step = run->trainer ? ps_trainer_get_synced_step (run->trainer) : 0;
  if (label == NULL)
    /* named as the automatic ones are ("run 1 · step 40"), after its number */
    label = auto_label = g_strdup_printf (_("snapshot %u · run %u · step %" PRIu64),
                                          ++run->n_taken, MAX (run->run_no, 1), step);
  add_snapshot (run, ps_snapshot_take (ps_document_get_model (run->doc), label, step));
}

/* The histograms of a checkpoint's values, in the checkpoints' log at its
 * step (the log's parameters: the network's named_parameters). */
static void
log_checkpoint (PsRunController *run, PsSnapshot *s)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (run->doc));

  for (guint i = 0; i < np->len; i++)
    {
      const PsTensor *t = ps_snapshot_find (s, ((PsNamedParam *) np->pdata[i])->name);
      if (t != NULL)
        ps_train_log_add_hist (run->checkpoint_log, ps_snapshot_get_step (s), i, FALSE, t->data,
                               t->numel);
    }
}

void
ps_run_controller_add_checkpoint (PsRunController *run, PsSnapshot *s)
{
  GListModel *list;
  guint n, at;
  gboolean created = FALSE;

  g_return_if_fail (PS_IS_RUN_CONTROLLER (run));
  g_return_if_fail (s != NULL);

  /* in step order among the snapshots */
  list = G_LIST_MODEL (run->snapshots);
  n = g_list_model_get_n_items (list);
  for (at = n; at > 0; at--)
    {
      g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (list, at - 1);
      if (ps_snapshot_get_step (ps_run_snapshot_get_snapshot (rs)) <= ps_snapshot_get_step (s))
        break;
    }
  {
    g_autoptr (PsRunSnapshot) item = ps_run_snapshot_new (s, ps_snapshot_get_label (s));
    g_list_store_insert (run->snapshots, at, item);
  }

  if (run->checkpoint_log == NULL)
    {
      g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (run->doc));
      g_autoptr (GPtrArray) names = g_ptr_array_new ();
      for (guint i = 0; i < np->len; i++)
        g_ptr_array_add (names, ((PsNamedParam *) np->pdata[i])->name);
      run->checkpoint_log = ps_train_log_new (np->len, (const char *const *) names->pdata, 1);
      created = TRUE;
    }
  if (ps_train_log_wants_hist (run->checkpoint_log, ps_snapshot_get_step (s)))
    log_checkpoint (run, s);
  else
    {
      /* earlier than one logged already: the log again, from the snapshots kept */
      ps_train_log_clear (run->checkpoint_log);
      n = g_list_model_get_n_items (list);
      for (guint i = 0; i < n; i++)
        {
          g_autoptr (PsRunSnapshot) rs = g_list_model_get_item (list, i);
          PsSnapshot *k = ps_run_snapshot_get_snapshot (rs);
          if (k && ps_train_log_wants_hist (run->checkpoint_log, ps_snapshot_get_step (k)))
            log_checkpoint (run, k);
        }
    }
  trim_snapshots (run);
  if (created && run->trainer == NULL)
    g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_LOG]);
  g_signal_emit (run, signals[SIG_TICK], 0);
}

gboolean
ps_run_controller_get_data (PsRunController *run, const PsTensor **x, const PsTensor **target)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);
  if (x)
    *x = run->data_x;
  if (target)
    *target = run->data_t;
  return run->data_x != NULL;
}

gboolean
ps_run_controller_make_data (PsRunController *run, PsTensor **x, PsTensor **target, GError **error)
{
  PsTrainConfig c;

  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);
  *x = *target = NULL;
  if (run->data_x != NULL && !run->dirty)
    {
      *x = ps_tensor_ref (run->data_x);
      *target = run->data_t ? ps_tensor_ref (run->data_t) : NULL;
      return TRUE;
    }
  return read_config (run, &c, error) && make_data (run, c.loss, x, target, error);
}

double
ps_run_controller_get_accuracy (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NAN);
  return run->accuracy;
}

GListModel *
ps_run_controller_get_snapshots (PsRunController *run)
{
  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  return G_LIST_MODEL (run->snapshots);
}

/* ---- the file of tensors ----------------------------------------------------- */

gboolean
ps_run_controller_load_data (PsRunController *run, const char *path, GError **error)
{
  GError *local = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;

  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  st = ps_weights_open (path, &local);
  if (st)
    x = ps_safetensors_load_tensor (st, "input", &local);
  if (x && ps_safetensors_resolve (st, "target"))
    t = ps_safetensors_load_tensor (st, "target", &local);
  if (local)
    return refuse (run, local, error);
  g_clear_pointer (&run->file_x, ps_tensor_unref);
  g_clear_pointer (&run->file_t, ps_tensor_unref);
  run->file_x = g_steal_pointer (&x);
  run->file_t = g_steal_pointer (&t);
  g_free (run->file_name);
  run->file_name = g_path_get_basename (path);
  g_object_freeze_notify (G_OBJECT (run));
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_DATA_FILE]);
  g_object_set (run, "data", (guint) PS_RUN_DATA_FILE, NULL);
  set_dirty (run, TRUE);
  set_error (run, NULL);
  g_object_thaw_notify (G_OBJECT (run));
  return TRUE;
}

/* ---- reacting to the document ---------------------------------------------- */

static void
on_model_replaced (PsDocument *doc, PsRunController *run)
{
  PsModule *m = ps_document_get_model (doc);
  PsOptimConfig o;

  /* a new network: the old run, its data and its snapshots do not apply */
  cancel_making (run);
  drop_made (run);
  run->model_no++;
  if (run->active)
    ps_trainer_pause (run->trainer);
  run->active = FALSE;
  stop_ticks (run);
  drop_trainer (run, FALSE);
  g_clear_pointer (&run->previous, g_array_unref);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_PREVIOUS_LOSS]);
  g_list_store_remove_all (run->snapshots);
  if (run->checkpoint_log)
    {
      g_clear_pointer (&run->checkpoint_log, ps_train_log_free);
      g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_LOG]);
    }
  ps_document_set_kept_bytes (doc, 0);
  run->n_taken = 0;
  run->run_no = 0;
  set_error (run, NULL);
  /* settings that suit the network: a 2-in, 2-out classifier gets the
   * spiral with cross-entropy and Adam, a 10-class classifier of 28 x 28
   * images the digits, a language model (an Embedding first, as many
   * outputs as tokens) the character sequence, anything else the teacher's
   * regression */
  if (ps_module_input_width (m) == 2 && ps_module_output_width (m) == 2)
    {
      ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
      ps_run_controller_configure (run, PS_RUN_DATA_SPIRAL, 200, PS_LOSS_CROSS_ENTROPY, &o);
    }
  else if (ps_data_fits (PS_DATA_DIGITS, m))
    {
      ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
      ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 100, PS_LOSS_CROSS_ENTROPY, &o);
    }
  else if (ps_data_fits (PS_DATA_CHARS, m))
    {
      ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
      ps_run_controller_configure (run, PS_RUN_DATA_CHARS, 64, PS_LOSS_CROSS_ENTROPY, &o);
    }
  else
    {
      ps_optim_config_init (&o, PS_OPTIM_SGD, 0.05);
      ps_run_controller_configure (run, PS_RUN_DATA_TEACHER, 64, PS_LOSS_MSE, &o);
    }
  update_state (run);
  g_object_notify_by_pspec (G_OBJECT (run), properties[PROP_FAULT]);
}

/* Layers added or removed: a teacher made before is another network's. */
static void
on_structure_changed (PsDocument *doc, PsRunController *run)
{
  run->model_no++;
}

/* Undo or redo moved the network to another state: the next Run is a new
 * run from there (the optimizer's state belonged to the old one). */
static void
on_history_moved (PsDocument *doc, PsRunController *run)
{
  if (run->trainer && !run->active)
    set_dirty (run, TRUE);
}

/* ---- GObject -------------------------------------------------------------------- */

static void
set_setting (PsRunController *run, guint id, const GValue *value)
{
  gboolean changed = FALSE;

#define SET(field, v)              \
  G_STMT_START                     \
  {                                \
    if (run->field != (v))         \
      {                            \
        run->field = (v);          \
        changed = TRUE;            \
      }                            \
  }                                \
  G_STMT_END

  switch (id)
    {
    case PROP_DATA: SET (data, (PsRunData) g_value_get_uint (value)); break;
    case PROP_SAMPLES: SET (samples, g_value_get_int (value)); break;
    case PROP_DATA_SEED: SET (data_seed, g_value_get_int (value)); break;
    case PROP_LOSS: SET (loss, (PsLossKind) g_value_get_uint (value)); break;
    case PROP_OPTIMIZER: SET (optimizer, (PsOptimKind) g_value_get_uint (value)); break;
    case PROP_LEARNING_RATE: SET (lr, g_value_get_double (value)); break;
    case PROP_MOMENTUM: SET (momentum, g_value_get_double (value)); break;
    case PROP_WEIGHT_DECAY: SET (weight_decay, g_value_get_double (value)); break;
    case PROP_BETA1: SET (beta1, g_value_get_double (value)); break;
    case PROP_BETA2: SET (beta2, g_value_get_double (value)); break;
    case PROP_SNAPSHOT_EVERY: SET (snapshot_every, g_value_get_uint (value)); break;
    case PROP_EPS:
      if (g_strcmp0 (run->eps, g_value_get_string (value)) != 0)
        {
          g_free (run->eps);
          run->eps = g_value_dup_string (value);
          changed = TRUE;
        }
      break;
    case PROP_SPEED:
      /* not a new run: a run slows down or speeds up as it goes */
      if (run->speed != g_value_get_double (value))
        {
          run->speed = g_value_get_double (value);
          if (run->trainer)
            ps_trainer_set_max_rate (run->trainer, run->speed);
          g_object_notify_by_pspec (G_OBJECT (run), properties[id]);
        }
      return;
    default:
      g_assert_not_reached ();
    }
#undef SET
  if (changed)
    {
      g_object_notify_by_pspec (G_OBJECT (run), properties[id]);
      set_dirty (run, TRUE);
      if (run->making)
        {
          /* the data being made is not the next run's any more */
          cancel_making (run);
          update_state (run);
        }
    }
}

static void
ps_run_controller_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  if (id >= PROP_DATA && id <= PROP_SPEED)
    set_setting (PS_RUN_CONTROLLER (object), id, value);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_run_controller_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsRunController *run = PS_RUN_CONTROLLER (object);

  switch (id)
    {
    case PROP_DATA: g_value_set_uint (value, run->data); break;
    case PROP_SAMPLES: g_value_set_int (value, run->samples); break;
    case PROP_DATA_SEED: g_value_set_int (value, run->data_seed); break;
    case PROP_LOSS: g_value_set_uint (value, run->loss); break;
    case PROP_OPTIMIZER: g_value_set_uint (value, run->optimizer); break;
    case PROP_LEARNING_RATE: g_value_set_double (value, run->lr); break;
    case PROP_MOMENTUM: g_value_set_double (value, run->momentum); break;
    case PROP_WEIGHT_DECAY: g_value_set_double (value, run->weight_decay); break;
    case PROP_BETA1: g_value_set_double (value, run->beta1); break;
    case PROP_BETA2: g_value_set_double (value, run->beta2); break;
    case PROP_EPS: g_value_set_string (value, run->eps); break;
    case PROP_SNAPSHOT_EVERY: g_value_set_uint (value, run->snapshot_every); break;
    case PROP_SPEED: g_value_set_double (value, run->speed); break;
    case PROP_RUNNING: g_value_set_boolean (value, run->running); break;
    case PROP_CAN_RUN: g_value_set_boolean (value, !run->running); break;
    case PROP_CAN_RESET: g_value_set_boolean (value, run->trainer != NULL); break;
    case PROP_NEW_RUN: g_value_set_boolean (value, run->trainer == NULL || run->dirty); break;
    case PROP_STEP: g_value_set_uint64 (value, run->step); break;
    case PROP_LOSS_VALUE: g_value_set_double (value, run->loss_value); break;
    case PROP_ACCURACY: g_value_set_double (value, run->accuracy); break;
    case PROP_RATE: g_value_set_double (value, run->rate); break;
    case PROP_FAULT:
      g_value_set_string (value, run->trainer ? ps_trainer_get_fault (run->trainer) : NULL);
      break;
    case PROP_ERROR: g_value_set_string (value, run->error); break;
    case PROP_DATA_FILE: g_value_set_string (value, run->file_name); break;
    case PROP_SNAPSHOTS: g_value_set_object (value, run->snapshots); break;
    case PROP_LOG: g_value_set_pointer (value, ps_run_controller_get_log (run)); break;
    case PROP_PREVIOUS_LOSS: g_value_set_boxed (value, run->previous); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_run_controller_dispose (GObject *object)
{
  PsRunController *run = PS_RUN_CONTROLLER (object);

  cancel_making (run);
  stop_ticks (run);
  if (run->trainer)
    {
      ps_trainer_pause (run->trainer);
      if (ps_document_in_change (run->doc))
        commit_run (run);
      ps_document_set_busy (run->doc, NULL);
    }
  g_clear_pointer (&run->trainer, ps_trainer_free);
  if (run->doc)
    g_signal_handlers_disconnect_by_data (run->doc, run);
  g_clear_object (&run->doc);
  if (run->snapshots)
    g_list_store_remove_all (run->snapshots);
  G_OBJECT_CLASS (ps_run_controller_parent_class)->dispose (object);
}

static void
ps_run_controller_finalize (GObject *object)
{
  PsRunController *run = PS_RUN_CONTROLLER (object);

  g_weak_ref_clear (&run->clock_widget);
  g_clear_object (&run->snapshots);
  g_clear_pointer (&run->checkpoint_log, ps_train_log_free);
  g_clear_pointer (&run->previous, g_array_unref);
  g_clear_pointer (&run->file_x, ps_tensor_unref);
  g_clear_pointer (&run->file_t, ps_tensor_unref);
  g_clear_pointer (&run->data_x, ps_tensor_unref);
  g_clear_pointer (&run->data_t, ps_tensor_unref);
  drop_made (run);
  g_free (run->file_name);
  g_free (run->eps);
  g_free (run->error);
  G_OBJECT_CLASS (ps_run_controller_parent_class)->finalize (object);
}

static void
ps_run_controller_class_init (PsRunControllerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  const GParamFlags rw = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;
  const GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS;

  object_class->set_property = ps_run_controller_set_property;
  object_class->get_property = ps_run_controller_get_property;
  object_class->dispose = ps_run_controller_dispose;
  object_class->finalize = ps_run_controller_finalize;

  properties[PROP_DATA] = g_param_spec_uint ("data", NULL, NULL, 0, PS_RUN_DATA_FILE,
                                             PS_RUN_DATA_TEACHER, rw);
  properties[PROP_SAMPLES] = g_param_spec_int ("samples", NULL, NULL, 1, 65536, 64, rw);
  properties[PROP_DATA_SEED] = g_param_spec_int ("data-seed", NULL, NULL, 0, G_MAXINT, 0, rw);
  properties[PROP_LOSS] = g_param_spec_uint ("loss", NULL, NULL, 0, G_MAXUINT, PS_LOSS_MSE, rw);
  properties[PROP_OPTIMIZER] = g_param_spec_uint ("optimizer", NULL, NULL, 0, PS_OPTIM_ADAM,
                                                  PS_OPTIM_SGD, rw);
  properties[PROP_LEARNING_RATE] = g_param_spec_double ("learning-rate", NULL, NULL, 0, G_MAXDOUBLE,
                                                        0.05, rw);
  properties[PROP_MOMENTUM] = g_param_spec_double ("momentum", NULL, NULL, 0, 1, 0, rw);
  properties[PROP_WEIGHT_DECAY] = g_param_spec_double ("weight-decay", NULL, NULL, 0, G_MAXDOUBLE,
                                                       0, rw);
  properties[PROP_BETA1] = g_param_spec_double ("beta1", NULL, NULL, 0, 1, 0.9, rw);
  properties[PROP_BETA2] = g_param_spec_double ("beta2", NULL, NULL, 0, 1, 0.999, rw);
  properties[PROP_EPS] = g_param_spec_string ("eps", NULL, NULL, "1e-08", rw);
  properties[PROP_SNAPSHOT_EVERY] = g_param_spec_uint ("snapshot-every", NULL, NULL, 0, G_MAXUINT,
                                                       0, rw);
  properties[PROP_SPEED] = g_param_spec_double ("speed", NULL, NULL, 0, G_MAXDOUBLE, 0, rw);

  properties[PROP_RUNNING] = g_param_spec_boolean ("running", NULL, NULL, FALSE, ro);
  properties[PROP_CAN_RUN] = g_param_spec_boolean ("can-run", NULL, NULL, TRUE, ro);
  properties[PROP_CAN_RESET] = g_param_spec_boolean ("can-reset", NULL, NULL, FALSE, ro);
  properties[PROP_NEW_RUN] = g_param_spec_boolean ("new-run", NULL, NULL, TRUE, ro);
  properties[PROP_STEP] = g_param_spec_uint64 ("step", NULL, NULL, 0, G_MAXUINT64, 0, ro);
  properties[PROP_LOSS_VALUE] = g_param_spec_double ("loss-value", NULL, NULL, -G_MAXDOUBLE,
                                                     G_MAXDOUBLE, 0, ro);
  properties[PROP_RATE] = g_param_spec_double ("rate", NULL, NULL, 0, G_MAXDOUBLE, 0, ro);
  properties[PROP_FAULT] = g_param_spec_string ("fault", NULL, NULL, NULL, ro);
  properties[PROP_ERROR] = g_param_spec_string ("error", NULL, NULL, NULL, ro);
  properties[PROP_DATA_FILE] = g_param_spec_string ("data-file", NULL, NULL, NULL, ro);
  properties[PROP_SNAPSHOTS] = g_param_spec_object ("snapshots", NULL, NULL, G_TYPE_LIST_MODEL, ro);
  properties[PROP_LOG] = g_param_spec_pointer ("log", NULL, NULL, ro);
  properties[PROP_PREVIOUS_LOSS] = g_param_spec_boxed ("previous-loss", NULL, NULL, G_TYPE_ARRAY, ro);
  properties[PROP_ACCURACY] = g_param_spec_double ("accuracy", NULL, NULL, -G_MAXDOUBLE,
                                                   G_MAXDOUBLE, 0, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  signals[SIG_TICK] = g_signal_new ("tick", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                    0, NULL, NULL, NULL, G_TYPE_NONE, 0);
  signals[SIG_SYNCED] = g_signal_new ("synced", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                      0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
ps_run_controller_init (PsRunController *run)
{
  run->data = PS_RUN_DATA_TEACHER;
  run->samples = 64;
  run->loss = PS_LOSS_MSE;
  run->optimizer = PS_OPTIM_SGD;
  run->lr = 0.05;
  run->beta1 = 0.9;
  run->beta2 = 0.999;
  run->eps = g_strdup ("1e-08");
  run->loss_value = NAN;
  run->accuracy = NAN;
  run->dirty = TRUE;
  run->snapshots = g_list_store_new (PS_TYPE_RUN_SNAPSHOT);
  g_weak_ref_init (&run->clock_widget, NULL);
}

PsRunController *
ps_run_controller_new (PsDocument *doc)
{
  PsRunController *run;

  g_return_val_if_fail (PS_IS_DOCUMENT (doc), NULL);

  run = g_object_new (PS_TYPE_RUN_CONTROLLER, NULL);
  run->doc = g_object_ref (doc);
  g_signal_connect (doc, "model-replaced", G_CALLBACK (on_model_replaced), run);
  g_signal_connect (doc, "history-moved", G_CALLBACK (on_history_moved), run);
  g_signal_connect (doc, "structure-changed", G_CALLBACK (on_structure_changed), run);
  g_signal_connect_swapped (doc, "notify::history-limit", G_CALLBACK (trim_snapshots), run);
  return run;
}
