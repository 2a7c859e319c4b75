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

/* A convolutional model read from print(net) text (tests/fixtures/kernels/tape),
 * trained on its fixture input with class-index targets: the layers' plans,
 * workspaces, saved statistics and BatchNorm's running statistics reuse
 * their buffers. */
static void
check_layers_steady_state (const char *name, PsLossKind loss, PsOptimKind kind)
{
  GError *error = NULL;
  PsRng rng;
  g_autofree char *rel = g_strdup_printf ("kernels/tape/%s.repr.txt", name);
  g_autofree char *xrel = g_strdup_printf ("kernels/tape/%s.input.safetensors", name);
  g_autofree char *path = ps_test_fixture (rel);
  g_autofree char *xpath = ps_test_fixture (xrel);
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = ps_test_load_tensor (xpath, "input");
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  PsOptimConfig c;
  const PsTensor *y;
  PsTrainStep step;
  guint64 before, after;

  ps_rng_seed (&rng, 0);
  net = ps_model_load_file (path, &rng, NULL, &error);
  g_assert_no_error (error);
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  t = ps_tensor_new_1d (y->shape[0]);
  for (int64_t b = 0; b < t->numel; b++)
    t->data[b] = (float) (b % y->shape[1]);
  ps_optim_config_init (&c, kind, 1e-3);
  opt = ps_optimizer_new (net, &c, &error);
  g_assert_no_error (error);
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .target = t, .loss = loss };
  for (int i = 0; i < 3; i++)
    g_assert_cmpint (ps_train_step (&step, NULL, &error), ==, PS_STEP_OK);
  before = ps_alloc_count ();
  for (int i = 0; i < 20; i++)
    g_assert_cmpint (ps_train_step (&step, NULL, &error), ==, PS_STEP_OK);
  after = ps_alloc_count ();
  g_assert_no_error (error);
  g_test_message ("%s: %" G_GUINT64_FORMAT " allocations in 20 steps", name, after - before);
  g_assert_cmpuint (after - before, ==, 0);
}

static void
test_lenet (void)
{
  check_layers_steady_state ("lenet", PS_LOSS_CROSS_ENTROPY, PS_OPTIM_SGD);
}

static void
test_batch_norm (void)
{
  check_layers_steady_state ("cnn_bn", PS_LOSS_NLL, PS_OPTIM_ADAM);
}

/* MobileNetV2's blocks: whether each adds its input is decided at every
 * forward from its convolutions (ps_block_keeps_shape), without allocating */
static void
test_inverted_residual (void)
{
  check_layers_steady_state ("mobilenet_v2_tiny", PS_LOSS_CROSS_ENTROPY, PS_OPTIM_SGD);
}

/* MobileNetV3's: squeeze-excitation's channel scale and its two gradients */
static void
test_squeeze_excitation (void)
{
  check_layers_steady_state ("mobilenet_v3_tiny", PS_LOSS_CROSS_ENTROPY, PS_OPTIM_ADAM);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/alloc/counter-works", test_counter_works);
  g_test_add_func ("/alloc/steady-state/mlp", test_mlp);
  g_test_add_func ("/alloc/steady-state/blas-sized", test_blas_sized);
  g_test_add_func ("/alloc/steady-state/adam-tied", test_adam_tied);
  g_test_add_func ("/alloc/steady-state/lenet", test_lenet);
  g_test_add_func ("/alloc/steady-state/batch-norm", test_batch_norm);
  g_test_add_func ("/alloc/steady-state/inverted-residual", test_inverted_residual);
  g_test_add_func ("/alloc/steady-state/squeeze-excitation", test_squeeze_excitation);
  return g_test_run ();
}
