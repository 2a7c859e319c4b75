/* test-tape.c — forward/backward semantics: accumulation, zero_grad, tying,
 * lazy layers, change notification and the errors a user can cause */
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

static PsTensor *
input (int64_t rows, int64_t cols, guint64 seed)
{
  PsRng rng;
  PsTensor *t = ps_tensor_new_2d (rows, cols);
  ps_rng_seed (&rng, seed);
  ps_rng_fill_uniform (&rng, t->data, t->numel, -1, 1);
  return t;
}

static void
forward_backward (PsTape *tape, const PsTensor *x, PsLossKind kind, const PsTensor *t)
{
  GError *error = NULL;
  double loss;
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward_loss (tape, kind, t, &loss, &error));
  g_assert_no_error (error);
}

/* Gradients accumulate across backward calls until zero_grad. */
static void
test_accumulate (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2))", 1);
  g_autoptr (PsTensor) x = input (5, 3, 2);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autofree float *once = NULL;
  PsParam *w = ps_module_find_param (net, "0.weight");

  g_assert_null (ps_param_get_grad (w));
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  once = g_memdup2 (ps_param_get_grad (w)->data, 12 * sizeof (float));
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (ps_param_get_grad (w)->data[i], ==, 2 * once[i]);
  /* backward again on the same forward also accumulates */
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &(double) { 0 }, NULL));
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat_with_epsilon (ps_param_get_grad (w)->data[i], 3 * once[i], 1e-6);

  ps_param_zero_grad (w, FALSE);
  g_assert_nonnull (ps_param_get_grad (w));
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (ps_param_get_grad (w)->data[i], ==, 0.f);
  ps_param_zero_grad (w, TRUE);
  g_assert_null (ps_param_get_grad (w));
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g_assert_cmpmem (ps_param_get_grad (w)->data, 12 * sizeof (float), once, 12 * sizeof (float));
}

/* A single tied parameter receives the sum of both uses' gradients. */
static void
test_tied_param (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model (
    "net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3), nn.Sigmoid(), nn.Linear(3, 3))\n"
    "net[4].weight = net[2].weight\n", 5);
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  PsParam *w2 = ps_module_find_param (net, "2.weight"), *w4 = ps_module_find_param (net, "4.weight");

  g_assert_true (w2 == w4);
  g_assert_false (ps_module_find_param (net, "2.bias") == ps_module_find_param (net, "4.bias"));
  g_assert_cmpuint (np->len, ==, 5);        /* 4.weight skipped */
  g_assert_cmpuint (sd->len, ==, 6);
  g_assert_cmpstr (((PsNamedParam *) sd->pdata[4])->name, ==, "4.weight");   /* keeps its slot */
}

/* Each use's share of a tied gradient equals the gradient of the same
 * layer untied (the same network with a copy of the shared layer at each
 * use, the same values), and the shares sum to the tied gradient.  Tried
 * with the ReLU that sums the bias columns itself, and with mse. */
static void
test_use_grads (void)
{
  static const PsLossKind losses[] = { PS_LOSS_SUM, PS_LOSS_MSE };
  g_autoptr (PsModule) tied = ps_test_parse_model (
    "shared = nn.Linear(8, 8)\n"
    "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(), nn.Linear(8, 3))\n", 7);
  g_autoptr (PsModule) untied = ps_test_parse_model (
    "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 3))\n", 8);
  g_autoptr (PsTensor) x = input (5, 4, 9);
  g_autoptr (PsTensor) target = input (5, 3, 10);
  static const char *const copy[][2] = {
    { "0.weight", "0.weight" }, { "0.bias", "0.bias" }, { "2.weight", "2.weight" }, { "2.bias", "2.bias" },
    { "2.weight", "4.weight" }, { "2.bias", "4.bias" }, { "6.weight", "6.weight" }, { "6.bias", "6.bias" },
  };

  for (guint c = 0; c < G_N_ELEMENTS (copy); c++)
    {
      PsTensor *from = ps_param_get_data (ps_module_find_param (tied, copy[c][0]));
      PsTensor *to = ps_param_get_data (ps_module_find_param (untied, copy[c][1]));
      memcpy (to->data, from->data, (size_t) from->numel * sizeof (float));
    }
  for (guint l = 0; l < G_N_ELEMENTS (losses); l++)
    {
      g_autoptr (PsTape) ta = ps_tape_new (tied, NULL);
      g_autoptr (PsTape) tb = ps_tape_new (untied, NULL);
      g_autoptr (GPtrArray) np = ps_module_named_parameters (tied);

      for (guint i = 0; i < np->len; i++)
        ps_param_zero_grad (((PsNamedParam *) np->pdata[i])->param, TRUE);
      {
        g_autoptr (GPtrArray) nb = ps_module_named_parameters (untied);
        for (guint i = 0; i < nb->len; i++)
          ps_param_zero_grad (((PsNamedParam *) nb->pdata[i])->param, TRUE);
      }
      ps_tape_set_record_uses (ta, TRUE);
      forward_backward (ta, x, losses[l], target);
      forward_backward (tb, x, losses[l], target);
      for (int bias = 0; bias < 2; bias++)
        {
          PsParam *p = ps_module_find_param (tied, bias ? "2.bias" : "2.weight");
          g_autoptr (GPtrArray) uses = ps_tape_get_use_grads (ta, p);
          PsTensor *u0, *u1, *g = ps_param_get_grad (p);
          PsTensor *e0 = ps_param_get_grad (ps_module_find_param (untied, bias ? "2.bias" : "2.weight"));
          PsTensor *e1 = ps_param_get_grad (ps_module_find_param (untied, bias ? "4.bias" : "4.weight"));

          g_assert_cmpuint (uses->len, ==, 2);
          u0 = uses->pdata[0];
          u1 = uses->pdata[1];
          g_assert_cmpint (u0->numel, ==, g->numel);
          for (int64_t k = 0; k < g->numel; k++)
            {
              g_assert_cmpfloat_with_epsilon (u0->data[k], e0->data[k], 1e-6 + 1e-5 * fabsf (e0->data[k]));
              g_assert_cmpfloat_with_epsilon (u1->data[k], e1->data[k], 1e-6 + 1e-5 * fabsf (e1->data[k]));
              g_assert_cmpfloat_with_epsilon (u0->data[k] + u1->data[k], g->data[k],
                                              1e-6 + 1e-5 * fabsf (g->data[k]));
            }
        }
      /* a parameter used once has no breakdown; without recording, none */
      {
        g_autoptr (GPtrArray) once = ps_tape_get_use_grads (ta, ps_module_find_param (tied, "0.weight"));
        g_autoptr (GPtrArray) off = NULL;
        g_assert_cmpuint (once->len, ==, 0);
        ps_tape_set_record_uses (ta, FALSE);
        forward_backward (ta, x, losses[l], target);
        off = ps_tape_get_use_grads (ta, ps_module_find_param (tied, "2.weight"));
        g_assert_cmpuint (off->len, ==, 0);
      }
    }
}

static void
test_forward_errors (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Sequential(nn.Linear(8, 1)))", 0);
  g_autoptr (PsTensor) x = input (2, 3, 0);
  g_autoptr (PsTensor) good = input (2, 4, 0);
  g_autoptr (PsTensor) wrong_t = input (3, 1, 0);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  GError *error = NULL;
  double loss;

  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "forward pass first"));
  g_clear_error (&error);

  g_assert_null (ps_tape_forward (tape, x, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "0: Linear(in_features=4) got input with 3 features");
  g_clear_error (&error);

  g_assert_nonnull (ps_tape_forward (tape, good, &error));
  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_MSE, wrong_t, &loss, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_nonnull (strstr (error->message, "target has shape [3, 1] but the output has shape [2, 1]"));
  g_clear_error (&error);
  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_MSE, NULL, &loss, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);

  /* editing a weight between forward and backward is refused, as PyTorch does */
  ps_param_changed (ps_module_find_param (net, "2.0.weight"), PS_CHANGE_DATA);
  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_nonnull (strstr (error->message, "2.0: a parameter changed after the forward pass"));
  g_clear_error (&error);
  /* refused before anything was accumulated */
  g_assert_null (ps_param_get_grad (ps_module_find_param (net, "0.weight")));
  g_assert_null (ps_param_get_grad (ps_module_find_param (net, "2.0.bias")));
}

/* Changing the network between forward and backward is refused, never a
 * use of freed memory or a silently wrong gradient. */
static void
test_structure_changed (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(3, 3), nn.ReLU(), nn.Linear(3, 3))", 0);
  g_autoptr (PsTensor) x = input (2, 3, 0);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  GError *error = NULL;
  double loss;

  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  ps_module_append (net, "2", ps_module_new_linear (3, 3, TRUE, NULL), &error);   /* replaced */
  g_assert_no_error (error);
  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_nonnull (strstr (error->message, "the network changed after the forward pass"));
  g_clear_error (&error);

  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_true (ps_module_set_param (ps_module_index (net, 2, NULL), "weight",
                                      ps_module_find_param (net, "0.weight"), &error));
  g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  g_assert_null (ps_param_get_grad (ps_module_find_param (net, "0.weight")));
  /* after a new forward it works, with the tie */
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_no_error (error);
}

static void
test_cycles_refused (void)
{
  g_autoptr (PsModule) a = ps_module_new_sequential ();
  g_autoptr (PsModule) b = ps_module_new_sequential ();
  GError *error = NULL;

  g_assert_true (ps_module_append (a, NULL, ps_module_ref (b), &error));
  g_assert_false (ps_module_append (b, NULL, ps_module_ref (a), &error));
  g_assert_nonnull (strstr (error->message, "would contain itself"));
  g_clear_error (&error);
  g_assert_false (ps_module_append (a, "x", ps_module_ref (a), &error));
  g_clear_error (&error);
}

static void
test_lazy (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.LazyLinear(6), nn.ReLU(), nn.LazyLinear(2, bias=False))", 0);
  g_autoptr (PsTensor) x = input (3, 5, 1);
  g_autoptr (PsTape) tape = NULL;
  g_autofree char *after = NULL;
  GError *error = NULL;
  PsOptimConfig c;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (PsInitScheme) s = ps_init_scheme_parse ("zeros()", NULL);
  g_autoptr (PsModule) tie = NULL;
  g_autofree char *tmp = ps_test_tmpdir ();
  g_autofree char *out = g_build_filename (tmp, "w.safetensors", NULL);
  PsRng rng;

  g_assert_true (ps_module_is_lazy (ps_module_index (net, 0, NULL)));
  g_assert_cmpint (ps_module_get_in_features (ps_module_index (net, 0, NULL)), ==, 0);

  /* using an uninitialized parameter is an error, never a crash */
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0.1);
  g_assert_null (ps_optimizer_new (net, &c, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_assert_nonnull (strstr (error->message, "0.weight is uninitialized"));
  g_clear_error (&error);
  g_assert_false (ps_init_apply (s, ps_module_find_param (net, "0.weight"), -1, &rng, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_clear_error (&error);
  g_assert_false (ps_module_save_state_dict (net, out, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_assert_false (g_file_test (out, G_FILE_TEST_EXISTS));
  g_clear_error (&error);
  tie = ps_test_parse_model ("a = nn.Linear(5, 6)\nnet = nn.Sequential(nn.LazyLinear(6), a)\n", 0);
  g_assert_false (ps_module_set_param (ps_module_index (tie, 1, NULL), "weight",
                                       ps_module_find_param (tie, "0.weight"), &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_clear_error (&error);

  /* the first forward materializes, with PyTorch's default init */
  ps_rng_seed (&rng, 0);
  tape = ps_tape_new (net, &rng);
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_no_error (error);
  after = ps_module_repr (net);
  g_assert_cmpstr (after, ==, "Sequential(\n"
                   "  (0): Linear(in_features=5, out_features=6, bias=True)\n"
                   "  (1): ReLU()\n"
                   "  (2): Linear(in_features=6, out_features=2, bias=False)\n)");
  {
    PsTensor *w = ps_param_get_data (ps_module_find_param (net, "0.weight"));
    double bound = 1 / sqrt (5.0);
    gboolean nonzero = FALSE;
    for (int i = 0; i < 30; i++)
      {
        g_assert_cmpfloat (fabs (w->data[i]), <=, bound);
        nonzero |= w->data[i] != 0;
      }
    g_assert_true (nonzero);
  }
  opt = ps_optimizer_new (net, &c, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_optimizer_get_n_params (opt), ==, 3);
  ps_test_rmdir (tmp);
}

typedef struct { int data, grad, shape; } Counts;

static void
on_change (PsParam *p, PsChange what, gpointer user_data)
{
  Counts *c = user_data;
  c->data += !!(what & PS_CHANGE_DATA);
  c->grad += !!(what & PS_CHANGE_GRAD);
  c->shape += !!(what & PS_CHANGE_SHAPE);
}

static void
test_notify (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("l = nn.Linear(2, 2)\nnet = nn.Sequential(l, nn.ReLU(), l)", 3);
  g_autoptr (PsTensor) x = input (4, 2, 3);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  g_autoptr (PsOptimizer) opt = NULL;
  PsOptimConfig c;
  PsParam *w = ps_module_find_param (net, "2.weight");
  Counts counts = { 0 };
  guint id;
  guint64 v0 = ps_param_get_version (w), d0 = ps_param_get_data_version (w);

  id = ps_param_add_listener (w, on_change, &counts, NULL);
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g_assert_cmpint (counts.grad, ==, 1);        /* once per backward, though used twice */
  g_assert_cmpint (counts.data, ==, 0);
  g_assert_cmpuint (ps_param_get_data_version (w), ==, d0);
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0.1);
  opt = ps_optimizer_new (net, &c, NULL);
  g_assert_cmpuint (ps_optimizer_get_n_params (opt), ==, 2);   /* the tied layer once */
  ps_optimizer_step (opt);
  g_assert_cmpint (counts.data, ==, 1);
  g_assert_cmpuint (ps_param_get_data_version (w), ==, d0 + 1);
  g_assert_cmpuint (ps_param_get_version (w), >, v0 + 1);
  ps_param_remove_listener (w, id);
  ps_optimizer_step (opt);
  g_assert_cmpint (counts.data, ==, 1);
}

/* ps_param_exchange: the values and gradient of the given tensors become the
 * parameter's, by buffers, with the same notifications as a restore; the
 * given tensors get the former buffers; a mismatched size changes nothing. */
static void
test_exchange (void)
{
  g_autoptr (PsTensor) d0 = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) a = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) g = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) wrong = ps_tensor_new_2d (3, 3);
  PsParam *p;
  Counts counts = { 0 };
  float *old_data, *given_data, *given_grad;

  for (int i = 0; i < 6; i++)
    {
      d0->data[i] = (float) i;
      a->data[i] = 10.f + i;
      g->data[i] = -1.f - i;
    }
  p = ps_param_new (d0);
  ps_param_add_listener (p, on_change, &counts, NULL);
  old_data = ps_param_get_data (p)->data;
  given_data = a->data;
  given_grad = g->data;
  g_assert_null (ps_param_get_grad (p));                     /* grad is None before */
  ps_param_exchange (p, a, g);
  g_assert_true (ps_param_get_data (p)->data == given_data);
  g_assert_true (ps_param_get_grad (p)->data == given_grad);
  g_assert_true (a->data == old_data);
  g_assert_nonnull (g->data);
  g_assert_true (g->data != given_grad);
  for (int i = 0; i < 6; i++)
    {
      g_assert_cmpfloat (ps_param_get_data (p)->data[i], ==, 10.f + i);
      g_assert_cmpfloat (ps_param_get_grad (p)->data[i], ==, -1.f - i);
      g_assert_cmpfloat (a->data[i], ==, (float) i);
    }
  g_assert_cmpint (counts.data, ==, 1);
  g_assert_cmpint (counts.grad, ==, 1);
  /* a second hand-over uses the buffers it got back: no new allocation */
  ps_param_exchange (p, a, g);
  g_assert_true (ps_param_get_data (p)->data == old_data);
  g_assert_cmpint (counts.data, ==, 2);
  /* no gradient given: grad becomes None */
  ps_param_exchange (p, NULL, NULL);
  g_assert_null (ps_param_get_grad (p));
  g_assert_cmpint (counts.grad, ==, 3);
  /* a tensor of another size is not taken */
  ps_param_exchange (p, wrong, NULL);
  g_assert_true (ps_param_get_data (p)->data == old_data);
  g_assert_cmpint (counts.data, ==, 2);
  ps_param_unref (p);
}

static void
test_losses (void)
{
  g_autoptr (PsTensor) y = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) t = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) dy = ps_tensor_new_1d (0);
  static const float yv[] = { 1, 2, 3, -1, 0, 4 };
  static const float tv[] = { 0.2f, 0.3f, 0.5f, 1, 0, 0 };
  double loss, want = 0;
  GError *error = NULL;

  memcpy (y->data, yv, sizeof yv);
  memcpy (t->data, tv, sizeof tv);
  g_assert_true (ps_loss_compute (PS_LOSS_SUM, y, NULL, &loss, dy, &error));
  g_assert_cmpfloat (loss, ==, 9);
  g_assert_true (ps_loss_compute (PS_LOSS_MSE, y, t, &loss, dy, &error));
  for (int i = 0; i < 6; i++)
    want += (yv[i] - tv[i]) * (double) (yv[i] - tv[i]);
  g_assert_cmpfloat_with_epsilon (loss, want / 6, 1e-6);
  g_assert_cmpfloat_with_epsilon (dy->data[0], 2 * (1 - 0.2) / 6, 1e-7);
  /* cross entropy with probability targets, mean over the batch */
  g_assert_true (ps_loss_compute (PS_LOSS_CROSS_ENTROPY, y, t, &loss, dy, &error));
  want = 0;
  for (int b = 0; b < 2; b++)
    {
      double lse = log (exp (yv[3 * b]) + exp (yv[3 * b + 1]) + exp (yv[3 * b + 2]));
      for (int c = 0; c < 3; c++)
        want -= tv[3 * b + c] * (yv[3 * b + c] - lse);
    }
  g_assert_cmpfloat_with_epsilon (loss, want / 2, 1e-6);
  g_assert_no_error (error);
}

static void
test_sgd_semantics (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Linear(1, 1, bias=False)", 0);
  PsParam *w = ps_module_find_param (net, "weight");
  PsOptimConfig c;
  g_autoptr (PsOptimizer) opt = NULL;
  PsTensor *g = ps_param_ensure_grad (w);

  ps_param_get_data (w)->data[0] = 1;
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0.1);
  c.momentum = 0.9;
  c.weight_decay = 0.5;
  opt = ps_optimizer_new (net, &c, NULL);
  g->data[0] = 2;
  ps_optimizer_step (opt);          /* d = 2 + 0.5*1 = 2.5; buf = 2.5; w = 1 - 0.25 */
  g_assert_cmpfloat_with_epsilon (ps_param_get_data (w)->data[0], 0.75, 1e-7);
  ps_optimizer_step (opt);          /* d = 2 + 0.375 = 2.375; buf = 2.25 + 2.375; w -= 0.4625 */
  g_assert_cmpfloat_with_epsilon (ps_param_get_data (w)->data[0], 0.75 - 0.4625, 1e-6);
}

/* Large parameters step through OpenBLAS (saxpy): the same update */
static void
test_sgd_large (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Linear(300, 300, bias=False)", 0);
  PsParam *w = ps_module_find_param (net, "weight");
  PsTensor *d = ps_param_get_data (w), *g = ps_param_ensure_grad (w);
  g_autofree float *before = NULL;
  PsOptimConfig c;
  g_autoptr (PsOptimizer) opt = NULL;
  PsRng rng;

  ps_rng_seed (&rng, 4);
  ps_rng_fill_uniform (&rng, g->data, g->numel, -1, 1);
  before = g_memdup2 (d->data, d->numel * sizeof (float));
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0.1);
  opt = ps_optimizer_new (net, &c, NULL);
  ps_optimizer_step (opt);
  for (int64_t i = 0; i < d->numel; i++)
    g_assert_cmpfloat_with_epsilon (d->data[i], before[i] - 0.1f * g->data[i], 1e-7);
}

static void
test_flatten (void)
{
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Flatten(), nn.Linear(6, 2))", 0);
  int64_t shape[3] = { 2, 2, 3 };
  g_autoptr (PsTensor) x = ps_tensor_new (3, shape);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  const PsTensor *y;
  GError *error = NULL;

  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 2);
  g_assert_cmpint (y->shape[1], ==, 2);
}

/* A Sigmoid and the 2x2 average pool after it run as one pass each way:
 * every layer's output and every gradient has the same bits as with each
 * layer alone, and the pairs it does not cover are left alone. */
typedef struct
{
  const char *text;
  int64_t     shape[4];
  guint       fused;      /* pairs the tape fuses */
} FusionCase;

static void
test_sigmoid_pool_fusion (void)
{
  static const FusionCase cases[] = {
    /* d2l's LeNet: both pairs (28x28 and 10x10 maps) */
    { "net = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5, padding=2), nn.Sigmoid(),\n"
      "    nn.AvgPool2d(kernel_size=2, stride=2), nn.Conv2d(6, 16, kernel_size=5), nn.Sigmoid(),\n"
      "    nn.AvgPool2d(kernel_size=2, stride=2), nn.Flatten(), nn.Linear(16 * 5 * 5, 120),\n"
      "    nn.Sigmoid(), nn.Linear(120, 84), nn.Sigmoid(), nn.Linear(84, 10))\n",
      { 3, 1, 28, 28 }, 2 },
    /* the input itself through the pair, then rows longer than a vector */
    { "net = nn.Sequential(nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(), nn.Linear(102, 4))\n",
      { 2, 3, 4, 34 }, 1 },
    /* odd sides (a row and a column outside every window), a 3x3 pool, a max pool,
     * a pool with padding: each layer alone */
    { "net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sigmoid(), nn.AvgPool2d(2), nn.Flatten(),\n"
      "    nn.Linear(48, 4))\n", { 2, 2, 11, 11 }, 0 },
    { "net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sigmoid(), nn.AvgPool2d(3), nn.Flatten(),\n"
      "    nn.Linear(12, 4))\n", { 2, 2, 8, 8 }, 0 },
    { "net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sigmoid(), nn.MaxPool2d(2), nn.Flatten(),\n"
      "    nn.Linear(27, 4))\n", { 2, 2, 8, 8 }, 0 },
    { "net = nn.Sequential(nn.Conv2d(2, 3, 3), nn.Sigmoid(), nn.AvgPool2d(2, padding=1),\n"
      "    nn.Flatten(), nn.Linear(48, 4))\n", { 2, 2, 8, 8 }, 0 },
    /* the Sigmoid's output read twice (the pool and an add): its own passes */
    { "import torch\n"
      "from torch import nn\n"
      "class Two(nn.Module):\n"
      "    def __init__(self):\n"
      "        super().__init__()\n"
      "        self.act = nn.Sigmoid()\n"
      "        self.pool = nn.AvgPool2d(2)\n"
      "        self.pool2 = nn.AvgPool2d(2)\n"
      "    def forward(self, X):\n"
      "        Y = self.act(X)\n"
      "        return self.pool(Y) + self.pool2(Y)\n"
      "net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), Two(), nn.Flatten(),\n"
      "    nn.Linear(48, 4))\n", { 2, 2, 8, 8 }, 0 },
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *text = g_str_has_prefix (cases[k].text, "import") ? g_strdup (cases[k].text)
                              : g_strconcat ("import torch\nfrom torch import nn\n", cases[k].text, NULL);
      g_autoptr (PsModule) net = ps_test_parse_model (text, 7 + k);
      g_autoptr (PsTape) fused = ps_tape_new (net, NULL), alone = ps_tape_new (net, NULL);
      g_autoptr (PsTensor) x = ps_tensor_new (4, cases[k].shape);
      g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
      g_autoptr (GPtrArray) grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
      PsRng rng;

      ps_rng_seed (&rng, 100 + k);
      ps_rng_fill_uniform (&rng, x->data, x->numel, -3, 3);
      ps_tape_set_fusion (alone, FALSE);
      forward_backward (fused, x, PS_LOSS_SUM, NULL);
      g_assert_cmpuint (ps_tape_get_n_fused (fused), ==, cases[k].fused);
      for (guint i = 0; i < np->len; i++)
        {
          PsParam *p = ((PsNamedParam *) g_ptr_array_index (np, i))->param;
          g_ptr_array_add (grads, ps_tensor_copy (ps_param_get_grad (p)));
          ps_param_zero_grad (p, TRUE);
        }
      forward_backward (alone, x, PS_LOSS_SUM, NULL);
      g_assert_cmpuint (ps_tape_get_n_fused (alone), ==, 0);
      /* every layer's output, the Sigmoid's included */
      g_assert_cmpuint (ps_tape_get_n_outputs (fused), ==, ps_tape_get_n_outputs (alone));
      for (guint i = 0; i < ps_tape_get_n_outputs (fused); i++)
        {
          const PsTensor *a = ps_tape_get_output (fused, i, NULL, NULL);
          const PsTensor *b = ps_tape_get_output (alone, i, NULL, NULL);
          g_assert_true (ps_tensor_same_shape (a, b));
          g_assert_cmpmem (a->data, a->numel * sizeof (float), b->data, b->numel * sizeof (float));
        }
      for (guint i = 0; i < np->len; i++)
        {
          PsParam *p = ((PsNamedParam *) g_ptr_array_index (np, i))->param;
          const PsTensor *a = g_ptr_array_index (grads, i), *b = ps_param_get_grad (p);
          double norm = 0;
          g_assert_cmpmem (a->data, a->numel * sizeof (float), b->data, b->numel * sizeof (float));
          for (int64_t j = 0; j < a->numel; j++)
            norm += fabs (a->data[j]);
          g_assert_cmpfloat (norm, >, 0);   /* a gradient reached every layer */
        }
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tape/accumulate", test_accumulate);
  g_test_add_func ("/tape/tied-param", test_tied_param);
  g_test_add_func ("/tape/use-grads", test_use_grads);
  g_test_add_func ("/tape/forward-errors", test_forward_errors);
  g_test_add_func ("/tape/lazy", test_lazy);
  g_test_add_func ("/tape/structure-changed", test_structure_changed);
  g_test_add_func ("/tape/cycles-refused", test_cycles_refused);
  g_test_add_func ("/tape/notify", test_notify);
  g_test_add_func ("/tape/exchange", test_exchange);
  g_test_add_func ("/tape/losses", test_losses);
  g_test_add_func ("/tape/sgd-semantics", test_sgd_semantics);
  g_test_add_func ("/tape/sgd-large", test_sgd_large);
  g_test_add_func ("/tape/flatten", test_flatten);
  g_test_add_func ("/tape/sigmoid-pool-fusion", test_sigmoid_pool_fusion);
  return g_test_run ();
}
