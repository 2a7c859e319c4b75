/* ps-trainer.c — a worker thread trains a replica; snapshots cross over
 *
 * Three frames (buffer sets of every parameter's values and gradient) pass
 * between the threads: the worker fills `back` between two steps when the
 * caller wants one, then swaps it with `ready` under the lock; the caller's
 * sync swaps `ready` with `front` and gives `front`'s buffers to its
 * parameters in exchange for theirs (ps_param_exchange).
 * Neither side ever reads a frame the other is writing, and the lock is held
 * only for the pointer swaps.
 *
 * Synchronization uses pthread mutexes and __atomic builtins (through
 * g_atomic_*), which ThreadSanitizer models; GLib's GMutex is a futex it
 * cannot see.
 */
#include "ps-trainer.h"
#include "ps-i18n.h"
#include "ps-error.h"
#include "ps-snapshot.h"
#include "ps-train-step.h"

#include <inttypes.h>
#include <math.h>
#include <pthread.h>
#include <string.h>

typedef struct
{
  PsParam *orig;     /* the caller's parameter (ref) */
  PsParam *rep;      /* the replica's (owned by the replica tree) */
  char    *name;     /* named_parameters name */
  PsTensor *start;   /* the values a reset returns to */
} Pair;

/* A buffer (BatchNorm's running statistics): the replica's forwards update
 * it, and frames carry its values to the caller's as they do a parameter's. */
typedef struct
{
  PsParam  *orig;    /* the caller's buffer (ref) */
  PsParam  *rep;     /* the replica's */
  PsTensor *start;   /* the values a reset returns to */
} BufPair;

typedef struct
{
  PsTensor **data;   /* one per pair, allocated with the frame */
  PsTensor **bufs;   /* one per buffer pair */
  PsTensor **grad;   /* one per pair, allocated on first use */
  gboolean  *has_grad;
  guint64    step;
  double     loss;
} Frame;

struct _PsTrainer
{
  PsModule     *model;       /* ref */
  PsModule     *replica;
  Pair         *pairs;
  guint         n;
  BufPair      *bufs;
  guint         n_bufs;
  PsTensor     *x, *target;
  PsTrainConfig c;
  PsRng         rng;
  PsTape       *tape;
  PsOptimizer  *opt;
  PsTrainStep   train_step;  /* over tape, opt, x, target; norms and names */
  PsTrainLog   *log;
  double       *norms;       /* worker's scratch: n */
  const char  **names;       /* the pairs' names, for fault messages */
  double        last_loss;   /* worker's */

  /* the worker */
  pthread_t     thread;
  gboolean      thread_running;    /* caller's view: joined or not */
  gint          stop;              /* atomic: caller asks the worker to stop */
  gint          finished;          /* atomic: the worker has left its loop */
  gint          want;              /* atomic: the caller wants a frame */
  gint64        step_interval;     /* atomic: at least this many µs a step (0: flat out) */
  guint64       limit;             /* steps for this start (0: no limit) */

  pthread_mutex_t lock;            /* protects what follows */
  Frame         frames[3];
  int           back, ready, front;
  gboolean      ready_fresh;
  guint64       step;              /* steps taken (the worker writes it under the lock) */
  PsTrainerState state;
  char         *fault;
  guint64       fault_step;
  char         *fault_param;
  GQueue        snapshots;         /* PsSnapshot*, oldest at the head */

  /* the caller's */
  guint64       synced_step;
  double        synced_loss;
};

void
ps_train_config_init (PsTrainConfig *c, PsLossKind loss, PsOptimKind optim, double lr)
{
  memset (c, 0, sizeof *c);
  c->loss = loss;
  ps_optim_config_init (&c->optim, optim, lr);
  c->seed = 0;
}

/* ---- frames --------------------------------------------------------------- */

static void
frame_init (PsTrainer *t, Frame *f)
{
  f->data = g_new0 (PsTensor *, t->n);
  f->grad = g_new0 (PsTensor *, t->n);
  f->has_grad = g_new0 (gboolean, t->n);
  for (guint i = 0; i < t->n; i++)
    f->data[i] = ps_tensor_copy (ps_param_get_data (t->pairs[i].rep));
  f->bufs = g_new0 (PsTensor *, t->n_bufs);
  for (guint i = 0; i < t->n_bufs; i++)
    f->bufs[i] = ps_tensor_copy (ps_param_get_data (t->bufs[i].rep));
  f->loss = NAN;
}

static void
frame_clear (PsTrainer *t, Frame *f)
{
  for (guint i = 0; f->data && i < t->n; i++)
    {
      ps_tensor_unref (f->data[i]);
      ps_tensor_unref (f->grad[i]);
    }
  for (guint i = 0; f->bufs && i < t->n_bufs; i++)
    ps_tensor_unref (f->bufs[i]);
  g_free (f->data);
  g_free (f->bufs);
  g_free (f->grad);
  g_free (f->has_grad);
}

/* Worker (or caller while no worker runs): the replica into `back`, then
 * hand it over. */
static void
publish (PsTrainer *t)
{
  Frame *f = &t->frames[t->back];   /* only this thread touches `back` */

  for (guint i = 0; i < t->n; i++)
    {
      PsTensor *d = ps_param_get_data (t->pairs[i].rep), *g = ps_param_get_grad (t->pairs[i].rep);
      memcpy (f->data[i]->data, d->data, (size_t) d->numel * sizeof (float));
      f->has_grad[i] = g != NULL;
      if (g)
        {
          if (f->grad[i] == NULL)
            f->grad[i] = ps_tensor_copy (g);
          else
            memcpy (f->grad[i]->data, g->data, (size_t) g->numel * sizeof (float));
        }
    }
  for (guint i = 0; i < t->n_bufs; i++)
    {
      PsTensor *d = ps_param_get_data (t->bufs[i].rep);
      memcpy (f->bufs[i]->data, d->data, (size_t) d->numel * sizeof (float));
    }
  pthread_mutex_lock (&t->lock);
  f->step = t->step;
  f->loss = t->last_loss;
  int tmp = t->back;
  t->back = t->ready;
  t->ready = tmp;
  t->ready_fresh = TRUE;
  pthread_mutex_unlock (&t->lock);
  g_atomic_int_set (&t->want, 0);
}

/* ---- one step ------------------------------------------------------------- */

static void
set_fault (PsTrainer *t, guint64 step, guint pi, char *message)
{
  pthread_mutex_lock (&t->lock);
  g_free (t->fault);
  g_free (t->fault_param);
  t->fault = message;
  t->fault_step = step;
  t->fault_param = pi < t->n ? g_strdup (t->pairs[pi].name) : NULL;
  t->state = PS_TRAINER_FAULT;
  pthread_mutex_unlock (&t->lock);
}

/* Hand a snapshot of the replica to the caller (ps_trainer_pop_snapshot). */
static void
queue_snapshot (PsTrainer *t, guint64 step)
{
  g_autofree char *label = g_strdup_printf ("step %" G_GUINT64_FORMAT, step);
  PsSnapshot *s = ps_snapshot_take (t->replica, label, step);

  pthread_mutex_lock (&t->lock);
  g_queue_push_tail (&t->snapshots, s);
  pthread_mutex_unlock (&t->lock);
}

/* One step on the replica.  FALSE on a fault (recorded; the step is not
 * counted unless the update itself made a weight non-finite). */
static gboolean
one_step (PsTrainer *t)
{
  guint64 step;
  g_autoptr (GError) error = NULL;
  PsStepResult r;
  PsStepStatus status;

  pthread_mutex_lock (&t->lock);
  step = t->step + 1;
  pthread_mutex_unlock (&t->lock);

  status = ps_train_step (&t->train_step, &r, &error);
  if (status != PS_STEP_ERROR)
    t->last_loss = r.loss;
  if (status != PS_STEP_OK && status != PS_STEP_NONFINITE_UPDATE)
    {
      /* weights stay as the previous step left them: finite */
      set_fault (t, step, r.param >= 0 ? (guint) r.param : G_MAXUINT,
                 g_strdup_printf (_("step %" PRIu64 ": %s"), step, error->message));
      return FALSE;
    }
  pthread_mutex_lock (&t->lock);
  t->step = step;
  pthread_mutex_unlock (&t->lock);
  ps_train_log_add_step (t->log, step, r.loss, t->norms);
  if (status == PS_STEP_NONFINITE_UPDATE)
    {
      set_fault (t, step, (guint) r.param,
                 g_strdup_printf (_("step %" PRIu64 ": %s"), step, error->message));
      return FALSE;
    }
  if (ps_train_log_wants_hist (t->log, step))
    for (guint i = 0; i < t->n; i++)
      {
        PsTensor *d = ps_param_get_data (t->pairs[i].rep), *g = ps_param_get_grad (t->pairs[i].rep);
        ps_train_log_add_hist (t->log, step, i, FALSE, d->data, d->numel);
        if (g)
          ps_train_log_add_hist (t->log, step, i, TRUE, g->data, g->numel);
      }
  if (t->c.snapshot_every && step % t->c.snapshot_every == 0)
    queue_snapshot (t, step);
  return TRUE;
}

static void *
worker (void *data)
{
  PsTrainer *t = data;
  guint64 done = 0;

  gint64 next = g_get_monotonic_time ();

  while (!g_atomic_int_get (&t->stop) && (t->limit == 0 || done < t->limit))
    {
      gint64 interval;

      if (!one_step (t))
        break;
      done++;
      if (g_atomic_int_get (&t->want))
        publish (t);
      /* a slowed run (to be watched in class): wait for the next step's
       * time in short naps, so that a pause is still answered at once */
      interval = __atomic_load_n (&t->step_interval, __ATOMIC_RELAXED);
      if (interval > 0)
        {
          gint64 now = g_get_monotonic_time ();
          next = MAX (next + interval, now - interval);
          while (now < next && !g_atomic_int_get (&t->stop))
            {
              g_usleep ((gulong) MIN (next - now, 20000));
              now = g_get_monotonic_time ();
            }
          if (g_atomic_int_get (&t->want))
            publish (t);
        }
      else
        next = g_get_monotonic_time ();
    }
  publish (t);
  pthread_mutex_lock (&t->lock);
  if (t->state == PS_TRAINER_RUNNING)
    t->state = PS_TRAINER_IDLE;
  pthread_mutex_unlock (&t->lock);
  g_atomic_int_set (&t->finished, 1);
  return NULL;
}

/* ---- life ----------------------------------------------------------------- */

PsTrainer *
ps_trainer_new (PsModule *model, const PsTensor *x, const PsTensor *target,
                const PsTrainConfig *c, GError **error)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (model);
  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  guint lazy = 0;
  PsTrainer *t;

  ps_module_count_params (model, &lazy);
  if (lazy)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("the network has %u uninitialized (lazy) parameters: run a forward pass "
                     "first"), lazy);
      return NULL;
    }
  if (np->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the network has no parameters to train"));
      return NULL;
    }
  if (c->loss != PS_LOSS_SUM && target == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the %s loss needs a target"),
                   ps_loss_kind_to_string (c->loss));
      return NULL;
    }

  t = g_new0 (PsTrainer, 1);
  t->model = ps_module_ref (model);
  t->c = *c;
  t->x = ps_tensor_copy (x);
  t->target = target && c->loss != PS_LOSS_SUM ? ps_tensor_copy (target) : NULL;
  t->replica = ps_module_clone (model, map);
  t->n = np->len;
  t->pairs = g_new0 (Pair, t->n);
  for (guint i = 0; i < t->n; i++)
    {
      PsNamedParam *p = np->pdata[i];
      t->pairs[i].orig = ps_param_ref (p->param);
      t->pairs[i].rep = g_hash_table_lookup (map, p->param);
      t->pairs[i].name = g_strdup (p->name);
      t->pairs[i].start = ps_tensor_copy (ps_param_get_data (p->param));
      g_ptr_array_add (names, t->pairs[i].name);
    }
  {
    g_autoptr (GPtrArray) nb = ps_module_named_buffers (model);
    t->n_bufs = nb->len;
    t->bufs = g_new0 (BufPair, MAX (t->n_bufs, 1));
    for (guint i = 0; i < t->n_bufs; i++)
      {
        PsNamedParam *p = nb->pdata[i];
        t->bufs[i].orig = ps_param_ref (p->param);
        t->bufs[i].rep = g_hash_table_lookup (map, p->param);
        t->bufs[i].start = ps_tensor_copy (ps_param_get_data (p->param));
        g_assert (t->bufs[i].rep != NULL);
      }
  }
  t->norms = g_new0 (double, t->n);
  ps_rng_seed (&t->rng, c->seed);
  t->tape = ps_tape_new (t->replica, &t->rng);
  pthread_mutex_init (&t->lock, NULL);
  g_queue_init (&t->snapshots);
  t->synced_loss = NAN;
  t->last_loss = NAN;
  t->back = 0;
  t->ready = 1;
  t->front = 2;
  {
    /* a histogram costs about two passes over every parameter: space them
     * out on big networks so they stay a small part of a step */
    int64_t total = ps_module_count_params (model, NULL);
    /* the log names a tied parameter by all its names: "2.weight = 4.weight" */
    g_autoptr (GPtrArray) log_names = g_ptr_array_new_with_free_func (g_free);
    for (guint i = 0; i < t->n; i++)
      {
        g_autoptr (GPtrArray) aliases = ps_module_param_aliases (model, t->pairs[i].orig);
        g_ptr_array_add (aliases, NULL);
        g_ptr_array_add (log_names, aliases->len > 2 ? g_strjoinv (" = ", (char **) aliases->pdata)
                                                     : g_strdup (t->pairs[i].name));
      }
    t->log = ps_train_log_new (t->n, (const char *const *) log_names->pdata,
                               (guint64) MAX (1, total / 65536));
  }
  t->opt = ps_optimizer_new (t->replica, &c->optim, error);
  if (t->opt == NULL)
    {
      ps_trainer_free (t);
      return NULL;
    }
  t->names = g_new0 (const char *, t->n + 1);
  for (guint i = 0; i < t->n; i++)
    {
      /* the optimizer's order is the pairs' (named_parameters of a clone) */
      g_assert (ps_optimizer_get_param (t->opt, i) == t->pairs[i].rep);
      t->names[i] = t->pairs[i].name;
    }
  t->train_step = (PsTrainStep) {
    .tape = t->tape, .opt = t->opt, .x = t->x, .target = t->target, .loss = c->loss,
    .check = TRUE, .grad_norms = t->norms, .names = t->names,
  };
  /* check shapes, target and loss once, here, rather than in the worker
   * (in eval mode: BatchNorm's running statistics stay as they are, and no
   * Dropout mask is drawn, as if this forward had not happened) */
  {
    double loss;
    const PsTensor *y;
    ps_tape_set_training (t->tape, FALSE);
    y = ps_tape_forward (t->tape, t->x, error);
    ps_tape_set_training (t->tape, TRUE);
    if (y == NULL || !ps_loss_compute (c->loss, y, t->target, &loss, NULL, error))
      {
        ps_trainer_free (t);
        return NULL;
      }
  }
  for (int k = 0; k < 3; k++)
    frame_init (t, &t->frames[k]);
  return t;
}

/* The worker has finished, or is about to (it leaves RUNNING just before
 * it returns): join it. */
static void
join_if_finished (PsTrainer *t)
{
  gboolean leaving;

  if (!t->thread_running)
    return;
  pthread_mutex_lock (&t->lock);
  leaving = t->state != PS_TRAINER_RUNNING;
  pthread_mutex_unlock (&t->lock);
  if (leaving || g_atomic_int_get (&t->finished))
    {
      pthread_join (t->thread, NULL);
      t->thread_running = FALSE;
    }
}

void
ps_trainer_free (PsTrainer *t)
{
  if (t == NULL)
    return;
  if (t->thread_running)
    {
      g_atomic_int_set (&t->stop, 1);
      pthread_join (t->thread, NULL);
    }
  for (int k = 0; k < 3; k++)
    frame_clear (t, &t->frames[k]);
  for (guint i = 0; i < t->n; i++)
    {
      ps_param_unref (t->pairs[i].orig);
      g_free (t->pairs[i].name);
      ps_tensor_unref (t->pairs[i].start);
    }
  for (guint i = 0; t->bufs && i < t->n_bufs; i++)
    {
      ps_param_unref (t->bufs[i].orig);
      ps_tensor_unref (t->bufs[i].start);
    }
  g_free (t->bufs);
  g_free (t->pairs);
  g_free (t->norms);
  g_free (t->names);
  g_queue_clear_full (&t->snapshots, (GDestroyNotify) ps_snapshot_free);
  ps_optimizer_free (t->opt);
  ps_tape_free (t->tape);
  ps_train_log_free (t->log);
  ps_module_unref (t->replica);
  ps_module_unref (t->model);
  ps_tensor_unref (t->x);
  ps_tensor_unref (t->target);
  g_free (t->fault);
  g_free (t->fault_param);
  pthread_mutex_destroy (&t->lock);
  g_free (t);
}

/* The caller's values into the replica (edits made while paused). */
static void
pull_model (PsTrainer *t)
{
  for (guint i = 0; i < t->n; i++)
    {
      PsTensor *src = ps_param_get_data (t->pairs[i].orig), *dst = ps_param_get_data (t->pairs[i].rep);
      memcpy (dst->data, src->data, (size_t) dst->numel * sizeof (float));
      ps_param_set_requires_grad (t->pairs[i].rep, ps_param_get_requires_grad (t->pairs[i].orig));
    }
  for (guint i = 0; i < t->n_bufs; i++)
    {
      PsTensor *src = ps_param_get_data (t->bufs[i].orig), *dst = ps_param_get_data (t->bufs[i].rep);
      memcpy (dst->data, src->data, (size_t) dst->numel * sizeof (float));
    }
}

static gboolean
check_startable (PsTrainer *t, GError **error)
{
  join_if_finished (t);
  if (t->thread_running)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("training is already running"));
      return FALSE;
    }
  if (t->state == PS_TRAINER_FAULT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s; reset the run, or change the "
                     "weights or settings and continue"), t->fault);
      return FALSE;
    }
  return TRUE;
}

/* A fresh run always keeps its first weights as a snapshot ("step 0"), so
 * what training changed can be shown from the first step. */
static void
take_start_snapshot (PsTrainer *t)
{
  if (t->step == 0)
    queue_snapshot (t, 0);
}

gboolean
ps_trainer_start (PsTrainer *t, guint64 n_steps, GError **error)
{
  if (!check_startable (t, error))
    return FALSE;
  pull_model (t);
  take_start_snapshot (t);
  t->limit = n_steps;
  g_atomic_int_set (&t->stop, 0);
  g_atomic_int_set (&t->finished, 0);
  g_atomic_int_set (&t->want, 1);
  pthread_mutex_lock (&t->lock);
  t->state = PS_TRAINER_RUNNING;
  pthread_mutex_unlock (&t->lock);
  if (pthread_create (&t->thread, NULL, worker, t) != 0)
    {
      t->state = PS_TRAINER_IDLE;
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, _("cannot start the training thread"));
      return FALSE;
    }
  t->thread_running = TRUE;
  return TRUE;
}

void
ps_trainer_pause (PsTrainer *t)
{
  if (!t->thread_running)
    return;
  g_atomic_int_set (&t->stop, 1);
  pthread_join (t->thread, NULL);
  t->thread_running = FALSE;
  ps_trainer_sync (t);
}

gboolean
ps_trainer_step (PsTrainer *t, guint64 n, GError **error)
{
  if (!check_startable (t, error))
    return FALSE;
  pull_model (t);
  take_start_snapshot (t);
  for (guint64 k = 0; k < n; k++)
    if (!one_step (t))
      break;
  publish (t);
  ps_trainer_sync (t);
  return TRUE;
}

static void
restart_run (PsTrainer *t)
{
  ps_optimizer_reset_state (t->opt);
  ps_train_log_clear (t->log);
  pthread_mutex_lock (&t->lock);
  t->step = 0;
  t->state = PS_TRAINER_IDLE;
  g_clear_pointer (&t->fault, g_free);
  g_clear_pointer (&t->fault_param, g_free);
  t->fault_step = 0;
  t->ready_fresh = FALSE;
  pthread_mutex_unlock (&t->lock);
  t->synced_step = 0;
  t->synced_loss = NAN;
  t->last_loss = NAN;
}

void
ps_trainer_reset (PsTrainer *t)
{
  ps_trainer_pause (t);
  for (guint i = 0; i < t->n; i++)
    {
      ps_param_restore (t->pairs[i].orig, t->pairs[i].start, NULL);
      ps_param_restore (t->pairs[i].rep, t->pairs[i].start, NULL);
    }
  for (guint i = 0; i < t->n_bufs; i++)
    {
      ps_param_restore (t->bufs[i].orig, t->bufs[i].start, NULL);
      ps_param_restore (t->bufs[i].rep, t->bufs[i].start, NULL);
    }
  restart_run (t);
}

void
ps_trainer_rebase (PsTrainer *t)
{
  ps_trainer_pause (t);
  for (guint i = 0; i < t->n; i++)
    {
      PsTensor *d = ps_param_get_data (t->pairs[i].orig);
      memcpy (t->pairs[i].start->data, d->data, (size_t) d->numel * sizeof (float));
    }
  for (guint i = 0; i < t->n_bufs; i++)
    {
      PsTensor *d = ps_param_get_data (t->bufs[i].orig);
      memcpy (t->bufs[i].start->data, d->data, (size_t) d->numel * sizeof (float));
    }
  pull_model (t);
  restart_run (t);
}

gboolean
ps_trainer_take_frame (PsTrainer *t)
{
  Frame *f;
  gboolean fresh;

  pthread_mutex_lock (&t->lock);
  fresh = t->ready_fresh;
  if (fresh)
    {
      int tmp = t->front;
      t->front = t->ready;
      t->ready = tmp;
      t->ready_fresh = FALSE;
    }
  pthread_mutex_unlock (&t->lock);
  join_if_finished (t);
  if (!fresh)
    return FALSE;
  f = &t->frames[t->front];     /* only this thread touches `front` */
  /* the frame's buffers become the parameters' and the parameters' old ones
   * the frame's: the worker writes every value of a frame before handing it
   * over again, so no copy is needed here */
  for (guint i = 0; i < t->n; i++)
    ps_param_exchange (t->pairs[i].orig, f->data[i], f->has_grad[i] ? f->grad[i] : NULL);
  for (guint i = 0; i < t->n_bufs; i++)
    ps_param_exchange (t->bufs[i].orig, f->bufs[i], NULL);
  t->synced_step = f->step;
  t->synced_loss = f->loss;
  return TRUE;
}

void
ps_trainer_request_frame (PsTrainer *t)
{
  g_atomic_int_set (&t->want, 1);
}

gboolean
ps_trainer_sync (PsTrainer *t)
{
  gboolean changed = ps_trainer_take_frame (t);
  ps_trainer_request_frame (t);
  return changed;
}

PsTrainerState
ps_trainer_get_state (PsTrainer *t)
{
  PsTrainerState s;

  join_if_finished (t);
  pthread_mutex_lock (&t->lock);
  s = t->state;
  pthread_mutex_unlock (&t->lock);
  return s;
}

guint64
ps_trainer_get_step (PsTrainer *t)
{
  guint64 s;

  pthread_mutex_lock (&t->lock);
  s = t->step;
  pthread_mutex_unlock (&t->lock);
  return s;
}

guint64 ps_trainer_get_synced_step (PsTrainer *t) { return t->synced_step; }
double ps_trainer_get_loss (PsTrainer *t) { return t->synced_loss; }
PsTrainLog *ps_trainer_get_log (PsTrainer *t) { return t->log; }

void
ps_trainer_set_max_rate (PsTrainer *t, double steps_per_second)
{
  gint64 interval = steps_per_second > 0 ? (gint64) (G_USEC_PER_SEC / steps_per_second) : 0;
  __atomic_store_n (&t->step_interval, interval, __ATOMIC_RELAXED);
}

/* The fault fields are written by the worker only before it finishes; the
 * caller reads them once the state says FAULT, which joins the worker. */
const char *
ps_trainer_get_fault (PsTrainer *t)
{
  return ps_trainer_get_state (t) == PS_TRAINER_FAULT ? t->fault : NULL;
}

guint64
ps_trainer_get_fault_step (PsTrainer *t)
{
  return ps_trainer_get_state (t) == PS_TRAINER_FAULT ? t->fault_step : 0;
}

const char *
ps_trainer_get_fault_param (PsTrainer *t)
{
  return ps_trainer_get_state (t) == PS_TRAINER_FAULT ? t->fault_param : NULL;
}

void
ps_trainer_clear_fault (PsTrainer *t)
{
  join_if_finished (t);
  if (t->thread_running)
    return;
  pthread_mutex_lock (&t->lock);
  if (t->state == PS_TRAINER_FAULT)
    t->state = PS_TRAINER_IDLE;
  g_clear_pointer (&t->fault, g_free);
  g_clear_pointer (&t->fault_param, g_free);
  t->fault_step = 0;
  pthread_mutex_unlock (&t->lock);
}

PsSnapshot *
ps_trainer_pop_snapshot (PsTrainer *t)
{
  PsSnapshot *s;

  pthread_mutex_lock (&t->lock);
  s = g_queue_pop_head (&t->snapshots);
  pthread_mutex_unlock (&t->lock);
  return s;
}
