/* test-alloc.c — a steady-state training step allocates nothing
 * (malloc and friends are counted by ../bench/ps-alloc-count.c) */
#include "ps-test-util.h"
#include "../bench/ps-alloc-count.h"

#include <math.h>

static void
check_steady_state (const char *model, int64_t batch, PsOptimKind kind, double momentum)
{
  GError *error = NULL;
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = NULL, t = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  PsOptimConfig c;
  const PsTensor *y;
  guint64 before, after;
  PsTrainStep step;
  PsStepResult r;
  double norms[16];

  ps_rng_seed (&rng, 0);
  net = ps_model_parse (model, -1, "m.py", &rng, NULL, &error);
  g_assert_no_error (error);
  x = ps_tensor_new_2d (batch, ps_module_get_in_features (ps_module_index (net, 0, NULL)));
  ps_rng_fill_uniform (&rng, x->data, x->numel, 0, 1);
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  t = ps_tensor_new (y->ndim, y->shape);
  ps_optim_config_init (&c, kind, 1e-3);
  c.momentum = momentum;
  opt = ps_optimizer_new (net, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_optimizer_get_n_params (opt), <=, G_N_ELEMENTS (norms));
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .target = t, .loss = PS_LOSS_MSE };
  /* as the benchmarks and the CLI take it, then as the trainer does: checked, with norms */
  for (int checked = 0; checked < 2; checked++)
    {
      step.check = checked;
      step.grad_norms = checked ? norms : NULL;
      for (int i = 0; i < 3; i++)      /* warm-up: gradients and optimizer state appear */
        g_assert_cmpint (ps_train_step (&step, NULL, &error), ==, PS_STEP_OK);
      before = ps_alloc_count ();
      for (int i = 0; i < 20; i++)
        g_assert_cmpint (ps_train_step (&step, &r, &error), ==, PS_STEP_OK);
      after = ps_alloc_count ();
      g_assert_no_error (error);
      g_assert_true (isfinite (r.loss) && (!checked || isfinite (norms[0])));
      g_test_message ("%" G_GUINT64_FORMAT " allocations in 20 %s steps", after - before,
                      checked ? "checked" : "plain");
      g_assert_cmpuint (after - before, ==, 0);
    }
}

static void
test_counter_works (void)
{
  guint64 before = ps_alloc_count ();
  g_free (g_malloc (100));
  g_assert_cmpuint (ps_alloc_count (), >, before);
}

static void
test_mlp (void)
{
  check_steady_state ("net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))", 2,
                      PS_OPTIM_SGD, 0);
}

static void
test_blas_sized (void)
{
  check_steady_state ("net = nn.Sequential(nn.Linear(64, 256), nn.GELU(), nn.Linear(256, 256), "
                      "nn.Tanh(), nn.Linear(256, 10))", 64, PS_OPTIM_SGD, 0.9);
}

static void
test_adam_tied (void)
{
  check_steady_state ("s = nn.Linear(16, 16)\nnet = nn.Sequential(nn.Linear(8, 16), nn.ReLU(), s, "
                      "nn.Sigmoid(), s, nn.Flatten(), nn.Linear(16, 3))", 32, PS_OPTIM_ADAM, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/alloc/counter-works", test_counter_works);
  g_test_add_func ("/alloc/steady-state/mlp", test_mlp);
  g_test_add_func ("/alloc/steady-state/blas-sized", test_blas_sized);
  g_test_add_func ("/alloc/steady-state/adam-tied", test_adam_tied);
  return g_test_run ();
}
