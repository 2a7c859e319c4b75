/* test-trainer.c — the worker-thread trainer: same answers as a plain loop,
 * consistent snapshots while it runs, faults, reset, snapshots and data */
#include "ps-test-util.h"
#include <json-glib/json-glib.h>

#include <math.h>
#include <string.h>

static const char *MLP = "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.Tanh(), nn.Linear(8, 3))\n";
/* the lesson's exercise: an MLP with a shared layer */
static const char *SHARED =
  "shared = nn.Linear(8, 8)\n"
  "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 3))\n";

/* ---- a reference: the plain loop of paramscope-cli train ------------------- */

typedef struct
{
  PsModule    *net;
  PsTape      *tape;
  PsOptimizer *opt;
  PsTensor    *x, *t;
  PsLossKind   loss;
  GPtrArray   *np;
} Ref;

static void
ref_init (Ref *r, PsModule *model, const PsTensor *x, const PsTensor *t, const PsTrainConfig *c)
{
  r->net = ps_module_clone (model, NULL);
  r->tape = ps_tape_new (r->net, NULL);
  r->opt = ps_optimizer_new (r->net, &c->optim, NULL);
  r->x = ps_tensor_copy (x);
  r->t = t ? ps_tensor_copy (t) : NULL;
  r->loss = c->loss;
  r->np = ps_module_named_parameters (r->net);
}

static void
ref_clear (Ref *r)
{
  g_ptr_array_unref (r->np);
  ps_optimizer_free (r->opt);
  ps_tape_free (r->tape);
  ps_module_unref (r->net);
  ps_tensor_unref (r->x);
  ps_tensor_unref (r->t);
}

static double
ref_step (Ref *r)
{
  double loss;
  g_autoptr (GError) error = NULL;

  ps_optimizer_zero_grad (r->opt);
  g_assert_nonnull (ps_tape_forward (r->tape, r->x, &error));
  g_assert_true (ps_tape_backward_loss (r->tape, r->loss, r->t, &loss, &error));
  ps_optimizer_step (r->opt);
  return loss;
}

static PsParam *
ref_param (Ref *r, guint i)
{
  return ((PsNamedParam *) r->np->pdata[i])->param;
}

/* Bitwise equality of every distinct parameter's values (and gradients). */
static gboolean
same_params (PsModule *a, PsModule *b, gboolean grads)
{
  g_autoptr (GPtrArray) pa = ps_module_named_parameters (a);
  g_autoptr (GPtrArray) pb = ps_module_named_parameters (b);

  g_assert_cmpuint (pa->len, ==, pb->len);
  for (guint i = 0; i < pa->len; i++)
    {
      PsParam *p = ((PsNamedParam *) pa->pdata[i])->param, *q = ((PsNamedParam *) pb->pdata[i])->param;
      PsTensor *dp = ps_param_get_data (p), *dq = ps_param_get_data (q);
      if (memcmp (dp->data, dq->data, (size_t) dp->numel * 4) != 0)
        return FALSE;
      if (grads)
        {
          PsTensor *gp = ps_param_get_grad (p), *gq = ps_param_get_grad (q);
          if ((gp == NULL) != (gq == NULL))
            return FALSE;
          if (gp && memcmp (gp->data, gq->data, (size_t) gp->numel * 4) != 0)
            return FALSE;
        }
    }
  return TRUE;
}

static void
make_data (PsModule *net, PsLossKind loss, PsDataKind kind, int64_t n, PsTensor **x, PsTensor **t)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_data_generate (kind, net, n, 7, loss, x, t, &error));
  g_assert_no_error (error);
}

static void
wait_idle (PsTrainer *t)
{
  while (ps_trainer_get_state (t) == PS_TRAINER_RUNNING)
    {
      ps_trainer_sync (t);
      g_usleep (200);
    }
  ps_trainer_sync (t);
}

/* ---- the worker gives the plain loop's bits -------------------------------- */

typedef struct
{
  const char *model;
  PsLossKind  loss;
  PsOptimKind optim;
  double      lr, momentum, wd;
} Case;

static void
test_matches_loop (gconstpointer data)
{
  const Case *k = data;
  g_autoptr (PsModule) net = ps_test_parse_model (k->model, 1);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;
  Ref ref;
  /* the sum loss has no minimum: keep its run short of divergence */
  const guint64 N = k->loss == PS_LOSS_SUM ? 40 : 300;

  make_data (net, k->loss, PS_DATA_TEACHER, 16, &x, &tg);
  ps_train_config_init (&c, k->loss, k->optim, k->lr);
  c.optim.momentum = k->momentum;
  c.optim.weight_decay = k->wd;
  ref_init (&ref, net, x, tg, &c);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);

  g_assert_true (ps_trainer_start (t, N, &error));
  wait_idle (t);
  if (ps_trainer_get_state (t) == PS_TRAINER_FAULT)
    g_error ("%s", ps_trainer_get_fault (t));
  g_assert_cmpuint (ps_trainer_get_step (t), ==, N);
  g_assert_cmpuint (ps_trainer_get_synced_step (t), ==, N);
  double last = 0;
  for (guint64 s = 0; s < N; s++)
    last = ref_step (&ref);
  g_assert_true (same_params (net, ref.net, TRUE));
  g_assert_cmpfloat (ps_trainer_get_loss (t), ==, last);

  /* the log has every step, the last one's loss exactly */
  PsTrainLog *log = ps_trainer_get_log (t);
  g_autoptr (GArray) pts = g_array_new (FALSE, FALSE, sizeof (PsLogPoint));
  ps_train_log_copy_loss (log, pts);
  g_assert_cmpuint (ps_train_log_get_last_step (log), ==, N);
  guint64 counted = 0;
  for (guint i = 0; i < pts->len; i++)
    counted += g_array_index (pts, PsLogPoint, i).n;
  g_assert_cmpuint (counted, ==, N);
  g_assert_cmpfloat (g_array_index (pts, PsLogPoint, pts->len - 1).max, ==, last);

  /* pausing and going on is the same as not pausing */
  g_assert_true (ps_trainer_start (t, 0, &error));
  while (ps_trainer_get_step (t) < N + 10)
    g_usleep (100);
  ps_trainer_pause (t);
  guint64 at = ps_trainer_get_step (t);
  g_assert_cmpuint (at, >, N);
  g_assert_cmpuint (ps_trainer_get_synced_step (t), ==, at);
  for (guint64 s = N; s < at; s++)
    ref_step (&ref);
  /* (the sum loss, unbounded below, may have diverged meanwhile: then the
   * weights are those of the last finite step, the gradients the faulty ones) */
  if (ps_trainer_get_state (t) == PS_TRAINER_FAULT)
    g_assert_cmpuint (ps_trainer_get_fault_step (t), ==, at + 1);
  g_assert_true (same_params (net, ref.net, ps_trainer_get_state (t) != PS_TRAINER_FAULT));
  ref_clear (&ref);
}

/* ---- snapshots taken while it runs are whole steps, never torn ------------- */

typedef struct
{
  guint64   step;
  PsTensor *values[16];
  PsTensor *grads[16];
} Seen;

typedef struct
{
  guint64 step;        /* applied after this many steps */
  guint   param;
  int64_t index;
  float   value;
} Edit;

static void
test_consistent_while_running (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (SHARED, 3);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (GArray) seen = g_array_new (FALSE, TRUE, sizeof (Seen));
  g_autoptr (GArray) edits = g_array_new (FALSE, TRUE, sizeof (Edit));
  PsTrainConfig c;
  Ref ref;
  const guint64 N = 100000;
  guint n_edits = 0;

  g_assert_cmpuint (np->len, <=, 16);
  make_data (net, PS_LOSS_MSE, PS_DATA_RANDOM, 8, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.01);
  c.optim.momentum = 0.9;
  ref_init (&ref, net, x, tg, &c);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);
  g_assert_true (ps_trainer_start (t, N, &error));

  /* read as fast as possible; every so often pause, edit one weight, go on */
  while (ps_trainer_get_state (t) == PS_TRAINER_RUNNING || ps_trainer_get_synced_step (t) < N)
    {
      if (ps_trainer_sync (t))
        {
          Seen s = { ps_trainer_get_synced_step (t) };
          for (guint i = 0; i < np->len; i++)
            {
              PsParam *p = ((PsNamedParam *) np->pdata[i])->param;
              s.values[i] = ps_tensor_copy (ps_param_get_data (p));
              s.grads[i] = ps_param_get_grad (p) ? ps_tensor_copy (ps_param_get_grad (p)) : NULL;
            }
          g_array_append_val (seen, s);
        }
      if (seen->len % 10 == 1 && seen->len > 10 * n_edits && n_edits < 5
          && ps_trainer_get_state (t) == PS_TRAINER_RUNNING)
        {
          ps_trainer_pause (t);
          Edit e = { ps_trainer_get_step (t), n_edits % np->len, n_edits, 0.5f + (float) n_edits };
          PsParam *p = ((PsNamedParam *) np->pdata[e.param])->param;
          ps_param_get_data (p)->data[e.index] = e.value;
          ps_param_changed (p, PS_CHANGE_DATA);
          g_array_append_val (edits, e);
          n_edits++;
          guint64 left = N - ps_trainer_get_step (t);
          if (left)
            g_assert_true (ps_trainer_start (t, left, &error));
        }
      if (ps_trainer_get_state (t) != PS_TRAINER_RUNNING && ps_trainer_get_synced_step (t) >= N)
        break;
    }
  g_assert_cmpuint (ps_trainer_get_step (t), ==, N);
  g_test_message ("%u snapshots seen, %u edits while paused", seen->len, n_edits);
  g_assert_cmpuint (seen->len, >=, 5);
  g_assert_cmpuint (n_edits, >=, 1);

  /* replay: every snapshot seen equals the plain loop at its step exactly */
  guint si = 0, ei = 0;
  for (guint64 step = 0; step <= N; step++)
    {
      if (step > 0)
        ref_step (&ref);
      while (si < seen->len && g_array_index (seen, Seen, si).step == step)
        {
          Seen *s = &g_array_index (seen, Seen, si);
          for (guint i = 0; i < np->len; i++)
            {
              PsParam *q = ref_param (&ref, i);
              PsTensor *want = ps_param_get_data (q), *gw = ps_param_get_grad (q);
              if (memcmp (s->values[i]->data, want->data, (size_t) want->numel * 4) != 0)
                g_error ("snapshot of step %" G_GUINT64_FORMAT ": %s differs from the plain loop",
                         step, ((PsNamedParam *) np->pdata[i])->name);
              g_assert_true ((s->grads[i] == NULL) == (gw == NULL));
              if (gw && memcmp (s->grads[i]->data, gw->data, (size_t) gw->numel * 4) != 0)
                g_error ("snapshot of step %" G_GUINT64_FORMAT ": grad %s differs", step,
                         ((PsNamedParam *) np->pdata[i])->name);
              ps_tensor_unref (s->values[i]);
              ps_tensor_unref (s->grads[i]);
            }
          si++;
        }
      while (ei < edits->len && g_array_index (edits, Edit, ei).step == step)
        {
          Edit *e = &g_array_index (edits, Edit, ei++);
          PsParam *q = ref_param (&ref, e->param);
          ps_param_get_data (q)->data[e->index] = e->value;
        }
    }
  g_assert_cmpuint (si, ==, seen->len);
  g_assert_cmpuint (ei, ==, edits->len);
  g_assert_true (same_params (net, ref.net, FALSE));
  ref_clear (&ref);
}

/* ---- one step ------------------------------------------------------------ */

/* ps_train_step itself: checked steps equal the plain loop bit for bit and
 * report each gradient's norm; a NaN in the target stops a step before the
 * update, naming the parameter (by index when no names are given), and the
 * weights stay as they were. */
static void
test_train_step (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 3);
  g_autoptr (PsTensor) x = NULL, tg = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (GError) error = NULL;
  g_autofree const char **names = g_new0 (const char *, np->len + 1);
  g_autofree double *norms = g_new0 (double, np->len);
  PsTrainConfig c;
  PsTrainStep step;
  PsStepResult r;
  Ref ref;

  make_data (net, PS_LOSS_MSE, PS_DATA_RANDOM, 5, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.1);
  c.optim.momentum = 0.9;
  ref_init (&ref, net, x, tg, &c);
  tape = ps_tape_new (net, NULL);
  opt = ps_optimizer_new (net, &c.optim, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < np->len; i++)
    names[i] = ((PsNamedParam *) np->pdata[i])->name;
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .target = tg, .loss = PS_LOSS_MSE,
                         .check = TRUE, .grad_norms = norms, .names = names };
  for (int k = 0; k < 5; k++)
    {
      double want = ref_step (&ref);
      g_assert_cmpint (ps_train_step (&step, &r, &error), ==, PS_STEP_OK);
      g_assert_no_error (error);
      g_assert_cmpfloat (r.loss, ==, want);
      g_assert_cmpint (r.param, ==, -1);
      g_assert_true (same_params (net, ref.net, TRUE));
      for (guint i = 0; i < np->len; i++)
        {
          PsTensor *g = ps_param_get_grad (((PsNamedParam *) np->pdata[i])->param);
          PsStats st;
          ps_stats_compute (g->data, g->numel, &st);
          g_assert_cmpfloat_with_epsilon (norms[i], st.l2, 1e-12 * st.l2);
        }
    }

  /* a NaN target: the loss and the gradients are not finite, nothing moves */
  {
    g_autoptr (PsModule) before = ps_module_clone (net, NULL);
    tg->data[4] = NAN;
    step.names = NULL;
    g_assert_cmpint (ps_train_step (&step, &r, &error), ==, PS_STEP_NONFINITE_GRAD);
    g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
    g_assert_true (isnan (r.loss));
    g_assert_cmpint (r.param, >=, 0);
    {
      g_autofree char *prefix = g_strdup_printf ("the gradient of parameter %d is not finite (",
                                                 r.param);
      g_assert_true (g_str_has_prefix (error->message, prefix));
      g_assert_true (g_str_has_suffix (error->message, "; the loss is NaN"));
    }
    g_assert_true (isnan (norms[r.param]));
    g_assert_true (same_params (net, before, FALSE));
  }
  ref_clear (&ref);
}

/* ---- numerical faults --------------------------------------------------- */

static void
test_fault_gradient (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 5);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;
  Ref ref;

  make_data (net, PS_LOSS_MSE, PS_DATA_RANDOM, 8, &x, &tg);
  for (int64_t i = 0; i < tg->numel; i++)
    tg->data[i] *= 1e3f;
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 5.0);   /* diverges */
  ref_init (&ref, net, x, tg, &c);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);
  g_assert_true (ps_trainer_start (t, 10000, &error));
  wait_idle (t);
  g_assert_cmpint (ps_trainer_get_state (t), ==, PS_TRAINER_FAULT);
  guint64 fs = ps_trainer_get_fault_step (t);
  g_test_message ("fault: %s", ps_trainer_get_fault (t));

  /* the plain loop: the first step whose loss or gradient is not finite */
  guint64 step = 0;
  const char *first = NULL;
  for (;;)
    {
      double loss;
      step++;
      ps_optimizer_zero_grad (ref.opt);
      g_assert_nonnull (ps_tape_forward (ref.tape, ref.x, NULL));
      g_assert_true (ps_tape_backward_loss (ref.tape, ref.loss, ref.t, &loss, NULL));
      for (guint i = 0; i < ref.np->len && !first; i++)
        {
          PsTensor *g = ps_param_get_grad (ref_param (&ref, i));
          for (int64_t j = 0; g && j < g->numel; j++)
            if (!isfinite (g->data[j]))
              {
                first = ((PsNamedParam *) ref.np->pdata[i])->name;
                break;
              }
        }
      if (first || !isfinite (loss))
        break;
      ps_optimizer_step (ref.opt);
      g_assert_cmpuint (step, <, 10000);
    }
  g_assert_cmpuint (fs, ==, step);
  g_assert_cmpuint (ps_trainer_get_step (t), ==, step - 1);
  g_assert_nonnull (first);
  g_assert_cmpstr (ps_trainer_get_fault_param (t), ==, first);
  g_assert_nonnull (strstr (ps_trainer_get_fault (t), first));
  g_autofree char *prefix = g_strdup_printf ("step %" G_GUINT64_FORMAT ": the gradient of %s is not finite (",
                                             step, first);
  g_assert_true (g_str_has_prefix (ps_trainer_get_fault (t), prefix));
  /* the weights are the last finite ones, the gradients the faulty ones */
  g_assert_true (same_params (net, ref.net, TRUE));
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  for (guint i = 0; i < np->len; i++)
    {
      PsTensor *d = ps_param_get_data (((PsNamedParam *) np->pdata[i])->param);
      for (int64_t j = 0; j < d->numel; j++)
        g_assert_true (isfinite (d->data[j]));
    }
  /* refused until cleared or reset; reset returns to the start */
  g_assert_false (ps_trainer_start (t, 1, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  ps_trainer_reset (t);
  g_assert_cmpint (ps_trainer_get_state (t), ==, PS_TRAINER_IDLE);
  g_assert_cmpuint (ps_trainer_get_step (t), ==, 0);
  g_assert_null (ps_trainer_get_fault (t));
  ref_clear (&ref);
}

static void
test_fault_update (void)
{
  /* a finite gradient whose update overflows: w = 1e38, lr 10 */
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(1, 1, bias=False))\n", 0);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (1, 1);
  g_autoptr (PsTensor) tg = ps_tensor_new_2d (1, 1);
  g_autoptr (GError) error = NULL;
  PsParam *w = ps_module_find_param (net, "0.weight");
  PsTrainConfig c;

  x->data[0] = 1.f;
  ps_param_get_data (w)->data[0] = 1e38f;
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 10.0);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);
  g_assert_true (ps_trainer_step (t, 5, &error));
  g_assert_cmpint (ps_trainer_get_state (t), ==, PS_TRAINER_FAULT);
  g_assert_cmpuint (ps_trainer_get_fault_step (t), ==, 1);
  g_assert_cmpstr (ps_trainer_get_fault_param (t), ==, "0.weight");
  g_assert_cmpstr (ps_trainer_get_fault (t), ==, "step 1: the update made 0.weight not finite (1 -Inf)");
  g_assert_true (isinf (ps_param_get_data (w)->data[0]));   /* shown as it is */
  ps_trainer_reset (t);
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 1e38f);
}

/* ---- reset, rebase, snapshots -------------------------------------------- */

static void
test_reset_reproduces (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (SHARED, 11);
  g_autoptr (PsModule) start = ps_module_clone (net, NULL);
  g_autoptr (PsModule) after = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;

  make_data (net, PS_LOSS_CROSS_ENTROPY, PS_DATA_RANDOM, 12, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_CROSS_ENTROPY, PS_OPTIM_ADAM, 0.01);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);
  g_assert_true (ps_trainer_start (t, 500, &error));
  wait_idle (t);
  after = ps_module_clone (net, NULL);
  g_assert_false (same_params (net, start, FALSE));
  ps_trainer_reset (t);
  g_assert_true (same_params (net, start, TRUE));    /* values back, no gradient */
  g_assert_cmpuint (ps_train_log_get_last_step (ps_trainer_get_log (t)), ==, 0);
  /* Adam's state was cleared: the second run is the first one again */
  g_assert_true (ps_trainer_step (t, 500, &error));
  g_assert_true (same_params (net, after, FALSE));

  /* rebase: the current weights become the start */
  PsParam *p = ps_module_find_param (net, "0.bias");
  ps_param_get_data (p)->data[0] = 3.f;
  ps_param_changed (p, PS_CHANGE_DATA);
  ps_trainer_rebase (t);
  g_autoptr (PsModule) rebased = ps_module_clone (net, NULL);
  g_assert_true (ps_trainer_step (t, 3, &error));
  ps_trainer_reset (t);
  g_assert_true (same_params (net, rebased, FALSE));
}

static void
test_auto_snapshots (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 2);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;
  Ref ref;

  make_data (net, PS_LOSS_MSE, PS_DATA_TEACHER, 8, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.05);
  c.snapshot_every = 5;
  ref_init (&ref, net, x, tg, &c);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_true (ps_trainer_start (t, 20, &error));
  wait_idle (t);
  for (guint64 want = 0; want <= 20; want += 5)
    {
      g_autoptr (PsSnapshot) s = ps_trainer_pop_snapshot (t);
      g_assert_nonnull (s);
      g_assert_cmpuint (ps_snapshot_get_step (s), ==, want);
      g_autofree char *label = g_strdup_printf ("step %" G_GUINT64_FORMAT, want);
      g_assert_cmpstr (ps_snapshot_get_label (s), ==, label);
      g_assert_cmpuint (ps_snapshot_get_n (s), ==, ref.np->len);
      for (guint i = 0; i < ref.np->len; i++)
        {
          PsTensor *d = ps_param_get_data (ref_param (&ref, i));
          const PsTensor *sd = ps_snapshot_find (s, ((PsNamedParam *) ref.np->pdata[i])->name);
          g_assert_nonnull (sd);
          g_assert_cmpmem (sd->data, sd->numel * 4, d->data, d->numel * 4);
        }
      for (int k = 0; k < 5 && want < 20; k++)
        ref_step (&ref);
    }
  g_assert_null (ps_trainer_pop_snapshot (t));
  ref_clear (&ref);
}

static void
test_difference (void)
{
  g_autoptr (PsTensor) a = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) b = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) c = ps_tensor_new_1d (6);
  g_autoptr (PsTensor) out = ps_tensor_new_1d (1);
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 6; i++)
    {
      a->data[i] = (float) i * 1.5f;
      b->data[i] = (float) (6 - i);
    }
  g_assert_true (ps_tensor_difference (a, b, out, &error));
  g_assert_cmpint (out->ndim, ==, 2);
  g_assert_cmpint (out->shape[1], ==, 3);
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (out->data[i], ==, a->data[i] - b->data[i]);
  g_assert_false (ps_tensor_difference (a, c, out, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "cannot subtract tensors of different shapes [2, 3] and [6]");
}

/* ---- construction errors and data --------------------------------------- */

static void
test_new_errors (void)
{
  g_autoptr (PsModule) lazy = ps_test_parse_model ("net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.Linear(4, 1))\n", 0);
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 0);
  g_autoptr (PsTensor) x = ps_tensor_new_2d (2, 4);
  g_autoptr (PsTensor) bad = ps_tensor_new_2d (2, 5);
  g_autoptr (PsTensor) tg = ps_tensor_new_2d (2, 2);
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;

  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.1);
  g_assert_null (ps_trainer_new (lazy, x, tg, &c, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_clear_error (&error);
  g_assert_null (ps_trainer_new (net, x, NULL, &c, &error));
  g_assert_cmpstr (error->message, ==, "the mse loss needs a target");
  g_clear_error (&error);
  g_assert_null (ps_trainer_new (net, bad, tg, &c, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  g_assert_null (ps_trainer_new (net, x, tg, &c, &error));     /* target 2 wide, output 3 */
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  c.optim.lr = -1;
  g_assert_null (ps_trainer_new (net, x, NULL, &(PsTrainConfig) { .loss = PS_LOSS_SUM, .optim = c.optim }, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
}

/* The Run panel's random input: torch.rand of the sample's shape, or, for a
 * first Embedding, torch.randint(0, num_embeddings, (n, 16)) -- the values
 * PyTorch drew (tests/fixtures/data/random-input.json, make_random_input.py) */
static void
test_random_input (void)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autofree char *path = ps_test_fixture ("data/random-input.json");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) mlp = ps_test_parse_model (MLP, 4);
  g_autoptr (PsTensor) x = NULL;
  JsonArray *cases;

  g_assert_true (json_parser_load_from_file (parser, path, &error));
  g_assert_no_error (error);
  cases = json_node_get_array (json_parser_get_root (parser));
  g_assert_cmpuint (json_array_get_length (cases), ==, 3);
  for (guint c = 0; c < json_array_get_length (cases); c++)
    {
      JsonObject *o = json_array_get_object_element (cases, c);
      JsonArray *want = json_object_get_array_member (o, "values");
      int64_t tokens = json_object_get_int_member (o, "tokens"), n = json_object_get_int_member (o, "n");
      g_autofree char *text = g_strdup_printf ("Sequential(\n  (0): Embedding(%" G_GINT64_FORMAT ", 8)\n"
                                               "  (1): LSTM(8, 8, batch_first=True)\n)\n", tokens);
      g_autoptr (PsModule) net = ps_model_parse (text, -1, "embedding.txt", NULL, NULL, &error);
      g_autoptr (PsTensor) t = NULL;

      g_assert_no_error (error);
      t = ps_data_random_input (net, n, (guint64) json_object_get_int_member (o, "seed"));
      g_assert_nonnull (t);
      g_assert_cmpint (t->ndim, ==, 2);
      g_assert_cmpint (t->shape[0], ==, n);
      g_assert_cmpint (t->shape[1], ==, 16);
      g_assert_cmpuint (json_array_get_length (want), ==, (guint) t->numel);
      for (int64_t i = 0; i < t->numel; i++)
        g_assert_cmpfloat (t->data[i], ==, (float) json_array_get_int_element (want, (guint) i));
    }
  /* the lesson's torch.rand(n, in) otherwise, as the random data's */
  x = ps_data_random_input (mlp, 5, 42);
  g_assert_cmpint (x->shape[0], ==, 5);
  g_assert_cmpint (x->shape[1], ==, 4);
  {
    PsRng rng;
    float want[20];
    ps_rng_seed (&rng, 42);
    ps_rng_fill_uniform (&rng, want, 20, 0, 1);
    g_assert_cmpmem (x->data, 80, want, 80);
  }
  g_assert_null (ps_data_random_input (mlp, 0, 1));

  /* a recurrent layer first: 16 steps of a batch of 3, the batch at dimension 1,
   * or 0 with batch_first, the same draws as torch.rand of that shape */
  for (int bf = 0; bf < 2; bf++)
    {
      g_autofree char *text = g_strdup_printf ("Sequential(\n  (0): GRU(5, 8%s)\n)\n",
                                               bf ? ", batch_first=True" : "");
      g_autoptr (PsModule) rnn = ps_model_parse (text, -1, "gru.txt", NULL, NULL, &error);
      g_autoptr (PsTensor) r = NULL;
      float want[16 * 3 * 5];
      PsRng rng;
      g_assert_no_error (error);
      r = ps_data_random_input (rnn, 3, 7);
      g_assert_nonnull (r);
      g_assert_cmpint (r->ndim, ==, 3);
      g_assert_cmpint (r->shape[0], ==, bf ? 3 : 16);
      g_assert_cmpint (r->shape[1], ==, bf ? 16 : 3);
      g_assert_cmpint (r->shape[2], ==, 5);
      ps_rng_seed (&rng, 7);
      ps_rng_fill_uniform (&rng, want, G_N_ELEMENTS (want), 0, 1);
      g_assert_cmpmem (r->data, sizeof want, want, sizeof want);
    }
}

static void
test_data (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 4);
  g_autoptr (PsModule) spiral_net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 2))\n", 4);
  g_autoptr (GError) error = NULL;
  PsTensor *x = NULL, *t = NULL, *x2 = NULL, *t2 = NULL;

  /* random: the lesson's torch.rand, the same bytes for the same seed */
  g_assert_true (ps_data_generate (PS_DATA_RANDOM, net, 5, 42, PS_LOSS_MSE, &x, &t, &error));
  g_assert_cmpint (x->shape[0], ==, 5);
  g_assert_cmpint (x->shape[1], ==, 4);
  g_assert_cmpint (t->shape[1], ==, 3);
  for (int64_t i = 0; i < x->numel; i++)
    g_assert_true (x->data[i] >= 0 && x->data[i] < 1);
  g_assert_true (ps_data_generate (PS_DATA_RANDOM, net, 5, 42, PS_LOSS_MSE, &x2, &t2, &error));
  g_assert_cmpmem (x->data, x->numel * 4, x2->data, x2->numel * 4);
  {
    PsRng rng;
    float want[20];
    ps_rng_seed (&rng, 42);
    ps_rng_fill_uniform (&rng, want, 20, 0, 1);
    g_assert_cmpmem (x->data, 80, want, 80);
  }
  g_clear_pointer (&x, ps_tensor_unref);
  g_clear_pointer (&t, ps_tensor_unref);
  g_clear_pointer (&x2, ps_tensor_unref);
  g_clear_pointer (&t2, ps_tensor_unref);

  /* the teacher is not the student: a network built under the same seed
   * as the data still has something to learn */
  {
    g_autoptr (PsModule) student = ps_test_parse_model (MLP, 0);
    g_autoptr (PsTape) tape = ps_tape_new (student, NULL);
    double loss;
    g_assert_true (ps_data_generate (PS_DATA_TEACHER, student, 16, 0, PS_LOSS_MSE, &x, &t, &error));
    g_assert_nonnull (ps_tape_forward (tape, x, &error));
    g_assert_true (ps_loss_compute (PS_LOSS_MSE, ps_tape_forward (tape, x, NULL), t, &loss, NULL, &error));
    g_assert_cmpfloat (loss, >, 1e-4);
    g_clear_pointer (&x, ps_tensor_unref);
    g_clear_pointer (&t, ps_tensor_unref);
  }

  /* cross-entropy targets are probabilities; sum has none */
  g_assert_true (ps_data_generate (PS_DATA_TEACHER, net, 6, 1, PS_LOSS_CROSS_ENTROPY, &x, &t, &error));
  for (int64_t i = 0; i < 6; i++)
    {
      double s = 0;
      for (int j = 0; j < 3; j++)
        {
          g_assert_cmpfloat (t->data[i * 3 + j], >, 0);
          s += t->data[i * 3 + j];
        }
      g_assert_cmpfloat_with_epsilon (s, 1.0, 1e-6);
    }
  g_clear_pointer (&x, ps_tensor_unref);
  g_clear_pointer (&t, ps_tensor_unref);
  g_assert_true (ps_data_generate (PS_DATA_TEACHER, net, 6, 1, PS_LOSS_SUM, &x, &t, &error));
  g_assert_null (t);
  g_clear_pointer (&x, ps_tensor_unref);

  /* spiral: two balanced classes, one-hot, inside the unit disc */
  g_assert_true (ps_data_generate (PS_DATA_SPIRAL, spiral_net, 200, 3, PS_LOSS_CROSS_ENTROPY, &x, &t, &error));
  int count[2] = { 0, 0 };
  for (int64_t i = 0; i < 200; i++)
    {
      g_assert_cmpfloat (t->data[2 * i] + t->data[2 * i + 1], ==, 1.f);
      count[t->data[2 * i + 1] == 1.f]++;
      g_assert_cmpfloat (hypot (x->data[2 * i], x->data[2 * i + 1]), <=, 1.0 + 1e-6);
    }
  g_assert_cmpint (count[0], ==, 100);
  g_assert_cmpint (count[1], ==, 100);
  g_clear_pointer (&x, ps_tensor_unref);
  g_clear_pointer (&t, ps_tensor_unref);
  g_assert_false (ps_data_generate (PS_DATA_SPIRAL, net, 200, 3, PS_LOSS_MSE, &x, &t, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "not 4 inputs and 3 outputs"));
  g_clear_error (&error);
  g_assert_false (ps_data_generate (PS_DATA_RANDOM, net, 0, 3, PS_LOSS_MSE, &x, &t, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
}

static void
test_spiral_learns (void)
{
  /* the spiral is learnable: Adam brings cross-entropy well below chance */
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(), nn.Linear(32, 32), nn.Tanh(), nn.Linear(32, 2))\n", 0);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;

  make_data (net, PS_LOSS_CROSS_ENTROPY, PS_DATA_SPIRAL, 200, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_CROSS_ENTROPY, PS_OPTIM_ADAM, 0.01);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_true (ps_trainer_step (t, 1, &error));
  double first = ps_trainer_get_loss (t);
  g_assert_true (ps_trainer_step (t, 3000, &error));
  g_test_message ("spiral: loss %.4g after 1 step, %.4g after 3001", first, ps_trainer_get_loss (t));
  g_assert_cmpfloat (first, >, 0.6);
  g_assert_cmpfloat (ps_trainer_get_loss (t), <, 0.2);
}

/* A slowed run takes at most its rate's steps (an upper bound: a busy
 * machine can only make it slower), and a pause is answered at once even
 * at one step a second. */
static void
test_max_rate (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (MLP, 1);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;
  gint64 t0, elapsed;

  make_data (net, PS_LOSS_MSE, PS_DATA_RANDOM, 8, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.01);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  ps_trainer_set_max_rate (t, 50);
  t0 = g_get_monotonic_time ();
  g_assert_true (ps_trainer_start (t, 0, &error));
  g_usleep (300000);
  ps_trainer_pause (t);
  elapsed = g_get_monotonic_time () - t0;
  g_test_message ("%" G_GUINT64_FORMAT " steps in %.3f s at 50 steps/s", ps_trainer_get_step (t),
                  elapsed / 1e6);
  g_assert_cmpuint (ps_trainer_get_step (t), >=, 1);
  g_assert_cmpfloat (ps_trainer_get_step (t), <=, 2 + 50.0 * elapsed / 1e6);
  g_assert_cmpuint (ps_trainer_get_synced_step (t), ==, ps_trainer_get_step (t));

  /* one a second: the pause does not wait for the next step's time */
  ps_trainer_set_max_rate (t, 1);
  g_assert_true (ps_trainer_start (t, 0, &error));
  g_usleep (50000);
  t0 = g_get_monotonic_time ();
  ps_trainer_pause (t);
  g_assert_cmpint (g_get_monotonic_time () - t0, <, 900000);
  /* and flat out again */
  ps_trainer_set_max_rate (t, 0);
  guint64 before = ps_trainer_get_step (t);
  g_assert_true (ps_trainer_start (t, 500, &error));
  wait_idle (t);
  g_assert_cmpuint (ps_trainer_get_step (t), ==, before + 500);
}

static void
test_clone (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (
    "shared = nn.Linear(3, 3)\n"
    "net = nn.Sequential(nn.Linear(2, 3), shared, nn.ReLU(), shared, nn.Linear(3, 3), nn.LeakyReLU(0.2))\n"
    "net[4].weight = net[1].weight\n", 0);
  g_autoptr (GHashTable) map = g_hash_table_new (NULL, NULL);
  g_autoptr (PsModule) copy = ps_module_clone (net, map);
  g_autofree char *r1 = ps_module_repr (net);
  g_autofree char *r2 = ps_module_repr (copy);
  g_autoptr (GPtrArray) sd1 = ps_module_state_dict (net);
  g_autoptr (GPtrArray) sd2 = ps_module_state_dict (copy);

  g_assert_cmpstr (r1, ==, r2);
  g_assert_cmpuint (g_hash_table_size (map), ==, 5);     /* 0.w 0.b 1.w(=3.w=4.w) 1.b 4.b */
  g_assert_cmpuint (sd1->len, ==, sd2->len);
  for (guint i = 0; i < sd1->len; i++)
    {
      PsNamedParam *a = sd1->pdata[i], *b = sd2->pdata[i];
      g_assert_cmpstr (a->name, ==, b->name);
      g_assert_true (g_hash_table_lookup (map, a->param) == b->param);
      g_assert_true (ps_param_get_data (a->param) != ps_param_get_data (b->param));
      g_assert_cmpmem (ps_param_get_data (a->param)->data, ps_param_get_data (a->param)->numel * 4,
                       ps_param_get_data (b->param)->data, ps_param_get_data (b->param)->numel * 4);
    }
  /* sharing kept: module and single parameter */
  g_assert_true (ps_module_get_child (copy, 1) == ps_module_get_child (copy, 3));
  g_assert_true (ps_module_find_param (copy, "4.weight") == ps_module_find_param (copy, "1.weight"));
  g_assert_cmpfloat (ps_module_get_negative_slope (ps_module_get_child (copy, 5)), ==, 0.2);
}

/* The log names a tied parameter by every name it has, in the order of
 * state_dict(): the gradient flow chart shows "2.weight = 4.weight". */
static void
test_log_names_tied (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (SHARED, 1);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) tg = NULL;
  g_autoptr (GError) error = NULL;
  PsTrainConfig c;

  make_data (net, PS_LOSS_MSE, PS_DATA_TEACHER, 4, &x, &tg);
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 0.1);
  g_autoptr (PsTrainer) t = ps_trainer_new (net, x, tg, &c, &error);
  g_assert_no_error (error);
  PsTrainLog *log = ps_trainer_get_log (t);
  g_assert_cmpuint (ps_train_log_get_n_params (log), ==, 6);
  g_assert_cmpstr (ps_train_log_get_param_name (log, 0), ==, "0.weight");
  g_assert_cmpstr (ps_train_log_get_param_name (log, 2), ==, "2.weight = 4.weight");
  g_assert_cmpstr (ps_train_log_get_param_name (log, 3), ==, "2.bias = 4.bias");
  g_assert_cmpstr (ps_train_log_get_param_name (log, 5), ==, "6.bias");
}

/* The digits: 28 x 28 seven-segment strokes plus noise of std 0.1.  Away
 * from every stroke's box a pixel is noise alone (mean 0, std 0.1); a "1"
 * (right segments only) has its ink on the right; an "8" (all seven) has
 * more ink than a "1"; the same seed gives the same bytes. */
static void
test_digits (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(784, 10))\n", 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) x = NULL, t = NULL, x2 = NULL, t2 = NULL;
  double far_sum = 0, far_sq = 0, ink1_left = 0, ink1_right = 0, ink1 = 0, ink8 = 0;
  int64_t far_n = 0;
  const int64_t n = 200;

  g_assert_true (ps_data_generate (PS_DATA_DIGITS, net, n, 3, PS_LOSS_CROSS_ENTROPY, &x, &t, &error));
  g_assert_no_error (error);
  g_assert_cmpint (x->shape[0], ==, n);
  g_assert_cmpint (x->shape[1], ==, 784);
  for (int64_t i = 0; i < n; i++)
    {
      const float *img = x->data + i * 784;
      g_assert_cmpfloat (t->data[i * 10 + i % 10], ==, 1.f);
      for (int y = 0; y < 28; y++)
        for (int c = 0; c < 28; c++)
          {
            double v = img[y * 28 + c];
            g_assert_true (isfinite (v) && v > -1 && v < 2);
            /* the strokes' box lies within columns 6..26 and rows 1..26
             * whatever the scale, shift and slant: outside, noise alone */
            if (c < 4 || y == 0 || y == 27)
              far_sum += v, far_sq += v * v, far_n++;
            if (i % 10 == 1)
              {
                ink1 += v;
                if (c < 12)
                  ink1_left += v;
                else
                  ink1_right += v;
              }
            if (i % 10 == 8)
              ink8 += v;
          }
    }
  {
    double mean = far_sum / far_n, sd = sqrt (far_sq / far_n - mean * mean);
    g_test_message ("noise away from the strokes: mean %.4f, std %.4f over %" G_GINT64_FORMAT, mean, sd, far_n);
    g_assert_cmpfloat (fabs (mean), <, 0.01);
    g_assert_cmpfloat (fabs (sd - 0.1), <, 0.01);
  }
  g_test_message ("ink of the 1s: left %.1f, right %.1f; of the 8s: %.1f", ink1_left, ink1_right, ink8);
  g_assert_cmpfloat (ink1_right, >, 10 * fabs (ink1_left) + 100);
  g_assert_cmpfloat (ink8, >, 2 * ink1);
  g_assert_true (ps_data_generate (PS_DATA_DIGITS, net, n, 3, PS_LOSS_CROSS_ENTROPY, &x2, &t2, &error));
  g_assert_cmpmem (x->data, x->numel * 4, x2->data, x2->numel * 4);
}

int
main (int argc, char **argv)
{
  static const Case cases[] = {
    { NULL, PS_LOSS_MSE, PS_OPTIM_SGD, 0.05, 0, 0 },
    { NULL, PS_LOSS_MSE, PS_OPTIM_SGD, 0.02, 0.9, 1e-3 },
    { NULL, PS_LOSS_CROSS_ENTROPY, PS_OPTIM_ADAM, 0.01, 0, 0 },
    { NULL, PS_LOSS_SUM, PS_OPTIM_SGD, 1e-4, 0.5, 0 },
  };
  static Case all[8];

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < 4; i++)
    {
      all[2 * i] = cases[i];
      all[2 * i].model = MLP;
      all[2 * i + 1] = cases[i];
      all[2 * i + 1].model = SHARED;
      for (int k = 0; k < 2; k++)
        {
          g_autofree char *path = g_strdup_printf ("/trainer/matches-loop/%s/%s/%s%s",
                                                   k ? "shared" : "mlp",
                                                   ps_loss_kind_to_string (cases[i].loss),
                                                   cases[i].optim == PS_OPTIM_SGD ? "sgd" : "adam",
                                                   cases[i].momentum ? "-momentum" : "");
          g_test_add_data_func (path, &all[2 * i + k], test_matches_loop);
        }
    }
  g_test_add_func ("/trainer/clone", test_clone);
  g_test_add_func ("/trainer/log-names-tied", test_log_names_tied);
  g_test_add_func ("/trainer/max-rate", test_max_rate);
  g_test_add_func ("/trainer/consistent-while-running", test_consistent_while_running);
  g_test_add_func ("/trainer/train-step", test_train_step);
  g_test_add_func ("/trainer/fault/gradient", test_fault_gradient);
  g_test_add_func ("/trainer/fault/update", test_fault_update);
  g_test_add_func ("/trainer/reset-reproduces", test_reset_reproduces);
  g_test_add_func ("/trainer/auto-snapshots", test_auto_snapshots);
  g_test_add_func ("/trainer/difference", test_difference);
  g_test_add_func ("/trainer/new-errors", test_new_errors);
  g_test_add_func ("/trainer/data", test_data);
  g_test_add_func ("/trainer/digits", test_digits);
  g_test_add_func ("/trainer/random-input", test_random_input);
  g_test_add_func ("/trainer/spiral-learns", test_spiral_learns);
  return g_test_run ();
}
