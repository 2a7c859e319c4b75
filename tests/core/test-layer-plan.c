/* test-layer-plan.c — a shape that does not fit changes nothing; the tensor
 * memory cap covers the layers' buffers
 *
 * Each model puts a BatchNorm and a Dropout (training mode: running
 * statistics and random numbers move in a forward) before the layer whose
 * shape does not fit.  The tape must refuse the input naming that layer and
 * both shapes in PyTorch's words, and leave every state_dict tensor, every
 * gradient and the generator byte for byte as they were.
 */
#include "paramscope.h"
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

typedef struct
{
  const char *repr;
  int         ndim;
  int64_t     shape[4];
  const char *message;      /* the whole error message */
} Bad;

static const Bad bad[] = {
  { "Sequential(\n  (0): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, "
    "track_running_stats=True)\n  (1): Dropout(p=0.5, inplace=False)\n"
    "  (2): Conv2d(4, 2, kernel_size=(3, 3), stride=(1, 1))\n)\n",
    2, { 5, 4 },
    "2: Expected 3D (unbatched) or 4D (batched) input to conv2d, but got input of size: [5, 4]" },
  { "Sequential(\n  (0): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, "
    "track_running_stats=True)\n  (1): Dropout(p=0.5, inplace=False)\n"
    "  (2): Conv2d(4, 2, kernel_size=(3, 3), stride=(1, 1))\n)\n",
    4, { 2, 3, 8, 8 },
    "2: Given groups=1, weight of size [2, 4, 3, 3], expected input[2, 3, 8, 8] to have 4 "
    "channels, but got 3 channels instead" },
  { "Sequential(\n  (0): BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, "
    "track_running_stats=True)\n  (1): Dropout(p=0.5, inplace=False)\n"
    "  (2): Conv2d(3, 2, kernel_size=(5, 5), stride=(1, 1), padding=(1, 1))\n)\n",
    4, { 2, 3, 2, 2 },
    "2: Calculated padded input size per channel: (4 x 4). Kernel size: (5 x 5). Kernel size "
    "can't be greater than actual input size" },
  { "Sequential(\n  (0): BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, "
    "track_running_stats=True)\n  (1): Dropout(p=0.5, inplace=False)\n"
    "  (2): LSTM(5, 3)\n)\n",
    3, { 2, 4, 6 },
    "2: input.size(-1) must be equal to input_size. Expected 5, got 6" },
};

/* every state_dict tensor's bytes, then every gradient's (or a mark for none) */
static GByteArray *
state_bytes (PsModule *m)
{
  GByteArray *b = g_byte_array_new ();
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);

  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      PsTensor *d = ps_param_get_data (np->param), *g = ps_param_get_grad (np->param);
      g_byte_array_append (b, (const guint8 *) np->name, (guint) strlen (np->name) + 1);
      g_byte_array_append (b, (const guint8 *) d->data, (guint) (d->numel * sizeof (float)));
      if (g)
        g_byte_array_append (b, (const guint8 *) g->data, (guint) (g->numel * sizeof (float)));
      else
        g_byte_array_append (b, (const guint8 *) "none", 4);
    }
  return b;
}

static void
test_unchanged (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_model_parse_repr (bad[i].repr, -1, "model.txt", NULL, &error);
      g_autoptr (PsTensor) x = NULL;
      g_autoptr (GByteArray) before = NULL, after = NULL;
      PsRng rng, rng_before;
      PsTape *tape;
      g_autoptr (GPtrArray) sd = NULL;

      g_assert_no_error (error);
      /* values that a forward would move: running statistics, gradients */
      sd = ps_module_state_dict (m);
      for (guint k = 0; k < sd->len; k++)
        {
          PsNamedParam *np = sd->pdata[k];
          PsTensor *d = ps_param_get_data (np->param);
          for (int64_t j = 0; j < d->numel; j++)
            d->data[j] = 0.25f * (float) (j % 7) + 0.5f;
          if (ps_param_get_requires_grad (np->param))
            {
              gboolean over;
              float *g = ps_param_grad_for_backward (np->param, &over);
              for (int64_t j = 0; j < d->numel; j++)
                g[j] = -0.125f * (float) (j % 5);
            }
        }
      ps_rng_seed (&rng, 7);
      tape = ps_tape_new (m, &rng);
      x = ps_tensor_new (bad[i].ndim, bad[i].shape);
      for (int64_t j = 0; j < x->numel; j++)
        x->data[j] = (float) (j % 11) * 0.1f;
      before = state_bytes (m);
      rng_before = rng;

      g_assert_null (ps_tape_forward (tape, x, &error));
      g_assert_nonnull (error);
      g_assert_cmpstr (error->message, ==, bad[i].message);

      after = state_bytes (m);
      g_assert_cmpmem (before->data, before->len, after->data, after->len);
      g_assert_cmpmem (&rng_before, sizeof rng, &rng, sizeof rng);
      /* and backward has no forward to run on */
      g_clear_error (&error);
      g_assert_false (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, NULL, &error));
      g_assert_nonnull (error);
      after = (g_byte_array_unref (after), state_bytes (m));
      g_assert_cmpmem (before->data, before->len, after->data, after->len);
      ps_tape_free (tape);
    }
}

/* A batch whose layer buffers pass the cap is refused before anything is
 * allocated, with the layer and the sizes named. */
static void
test_memory_cap (void)
{
  static const struct
  {
    const char *repr;
    int64_t     shape[4];
    int         ndim;
    const char *start;
  } big[] = {
    { "Sequential(\n  (0): Conv2d(3, 16, kernel_size=(3, 3), stride=(1, 1))\n)\n",
      { 64, 3, 64, 64 }, 4, "0: not enough memory: Conv2d needs " },
    { "Sequential(\n  (0): LSTM(8, 64)\n)\n", { 200, 64, 8 }, 3,
      "0: not enough memory: LSTM needs " },
  };

  for (guint i = 0; i < G_N_ELEMENTS (big); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_model_parse_repr (big[i].repr, -1, "model.txt", NULL, &error);
      g_autoptr (PsTensor) x = ps_tensor_new (big[i].ndim, big[i].shape);
      PsTape *tape = ps_tape_new (m, NULL);
      const PsTensor *y;

      g_assert_no_error (error);
      ps_array_set_memory_cap (1 << 20);
      g_assert_null (ps_tape_forward (tape, x, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_RESOURCE);
      g_assert_true (g_str_has_prefix (error->message, big[i].start));
      g_assert_nonnull (strstr (error->message, "beyond the tensor memory cap of 1048576 bytes"));
      /* with room, the same call runs */
      g_clear_error (&error);
      ps_array_set_memory_cap ((gint64) 1 << 30);
      y = ps_tape_forward (tape, x, &error);
      g_assert_no_error (error);
      g_assert_nonnull (y);
      ps_array_set_memory_cap (0);
      ps_tape_free (tape);
    }
}

/* The checked training step sees a NaN through an LSTM: it names the
 * first parameter whose gradient is not finite and updates nothing. */
static void
test_nan (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = ps_model_parse_repr ("LSTM(2, 3)\n", -1, "model.txt", NULL, &error);
  int64_t shape[3] = { 4, 1, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new (3, shape);
  g_autoptr (PsTensor) w0 = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  PsOptimConfig conf;
  PsTape *tape = ps_tape_new (m, NULL);
  const char *names[4];
  PsTrainStep step = { 0 };
  PsStepResult r;

  g_assert_no_error (error);
  for (guint k = 0; k < 4; k++)
    names[k] = ps_module_get_param_name (m, k);
  for (int64_t j = 0; j < x->numel; j++)
    x->data[j] = 1.f;
  x->data[5] = NAN;
  w0 = ps_tensor_copy (ps_param_get_data (ps_module_get_param (m, 0)));
  ps_optim_config_init (&conf, PS_OPTIM_SGD, 0.1);
  opt = ps_optimizer_new (m, &conf, &error);
  g_assert_no_error (error);
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .loss = PS_LOSS_SUM, .check = TRUE,
                         .names = names };
  g_assert_cmpint (ps_train_step (&step, &r, &error), ==, PS_STEP_NONFINITE_GRAD);
  g_assert_cmpstr (error->message, ==, "the gradient of weight_ih_l0 is not finite (24 NaN); "
                   "the loss is NaN");
  g_assert_cmpmem (w0->data, w0->numel * sizeof (float),
                   ps_param_get_data (ps_module_get_param (m, 0))->data,
                   w0->numel * sizeof (float));
  ps_tape_free (tape);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/layer-plan/unchanged", test_unchanged);
  g_test_add_func ("/core/layer-plan/memory-cap", test_memory_cap);
  g_test_add_func ("/core/layer-plan/nan", test_nan);
  return g_test_run ();
}
