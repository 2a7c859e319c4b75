/* ps-bench-tensor.c — the tensor library's speed: the lesson's cells run
 * eagerly through PsArray and autograd, and an eager MLP step against the
 * planned tape on the same network
 */
#include "ps-bench-tensor.h"

#include <stdio.h>

static double
now (void)
{
  return (double) g_get_monotonic_time () / 1e6;
}

/* The lesson's first cells: Sequential(Linear(4, 8), ReLU(), Linear(8, 1)),
 * X = rand(2, 4), net(X), backward, printing X, the output, a weight and
 * its gradient, the custom init and two edits through .data. */
static gboolean
lesson_once (guint64 seed, gsize *chars, GError **error)
{
  g_autoptr (PsModule) net = ps_module_new_sequential ();
  int64_t s24[2] = { 2, 4 };
  g_autoptr (PsArray) X = NULL, y = NULL, l = NULL, w = NULL, g = NULL, d = NULL;
  g_autoptr (PsArray) a = NULL, m = NULL, mf = NULL;
  g_autoptr (PsArray) five = ps_array_new_wrapped (ps_scalar_int (5));
  g_autoptr (PsArray) v42 = ps_array_new_wrapped (ps_scalar_int (42));
  PsIndex i00[2] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0) };
  PsArray *shown[4];
  PsRng rng;

  ps_rng_seed (&rng, seed);
  ps_module_append (net, NULL, ps_module_new_linear (4, 8, TRUE, &rng), NULL);
  ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU), NULL);
  ps_module_append (net, NULL, ps_module_new_linear (8, 1, TRUE, &rng), NULL);
  if (!(X = ps_array_new_rand (&rng, PS_DTYPE_F32, 2, s24, error))
      || !(y = ps_autograd_module_forward (net, X, &rng, error))
      || !(l = ps_array_sum (y, NULL, 0, FALSE, error))
      || !ps_array_backward (l, NULL, FALSE, error)
      || !(w = ps_array_new_for_param (ps_module_find_param (net, "0.weight"), error)))
    return FALSE;
  g = ps_array_get_grad (w);
  shown[0] = X;
  shown[1] = y;
  shown[2] = w;
  shown[3] = g;
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *r = ps_array_repr (shown[k], NULL);
      *chars += strlen (r);
    }
  ps_autograd_no_grad_push ();
  if (!ps_array_uniform_ (w, &rng, -10, 10, error)
      || !(a = ps_array_unary (PS_UNARY_ABS, w, error))
      || !(m = ps_array_binary (PS_BINARY_GE, a, five, error))
      || !(mf = ps_array_to_dtype (m, PS_DTYPE_F32, error))
      || !ps_array_binary_ (PS_BINARY_MUL, w, mf, error))
    {
      ps_autograd_no_grad_pop ();
      return FALSE;
    }
  ps_autograd_no_grad_pop ();
  d = ps_array_detach (w);
  if (!ps_array_index_put (d, i00, 2, v42, error))
    return FALSE;
  {
    g_autofree char *r = ps_array_repr (d, NULL);
    *chars += strlen (r);
  }
  return TRUE;
}

static gboolean
mlp_eager_vs_tape (int64_t batch, GError **error)
{
  static const int64_t sizes[] = { 784, 1024, 1024, 10 };
  g_autoptr (PsModule) net = ps_module_new_sequential ();
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsTensor) xt = NULL;
  g_autoptr (PsArray) x = NULL;
  int64_t xs[2] = { batch, 784 };
  double t0, eager = 0, taped = 0, loss;
  int reps = 0;
  PsRng rng;

  ps_rng_seed (&rng, 0);
  for (int i = 0; i < 3; i++)
    {
      ps_module_append (net, NULL, ps_module_new_linear (sizes[i], sizes[i + 1], TRUE, &rng), NULL);
      if (i < 2)
        ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU), NULL);
    }
  x = ps_array_new_randn (&rng, PS_DTYPE_F32, 2, xs, error);
  if (x == NULL || (xt = ps_array_to_tensor (x, error)) == NULL)
    return FALSE;
  tape = ps_tape_new (net, &rng);
  for (int warm = 0; warm < 2; warm++)
    for (reps = 0, eager = taped = 0; eager + taped < (warm ? 2.0 : 0.2); reps++)
      {
        g_autoptr (PsArray) y = NULL, s = NULL;
        t0 = now ();
        if (!(y = ps_autograd_module_forward (net, x, &rng, error))
            || !(s = ps_array_sum (y, NULL, 0, FALSE, error))
            || !ps_array_backward (s, NULL, FALSE, error))
          return FALSE;
        eager += now () - t0;
        t0 = now ();
        if (!ps_tape_forward (tape, xt, error)
            || !ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, error))
          return FALSE;
        taped += now () - t0;
      }
  printf ("mlp 784-1024-1024-10, batch %" G_GINT64_FORMAT ": eager forward+backward %.2f ms, "
          "tape %.2f ms, eager/tape %.2f (%d steps each)\n", batch, eager / reps * 1e3,
          taped / reps * 1e3, eager / taped, reps);
  return TRUE;
}

int
ps_bench_tensor (GError **error)
{
  double t0, dt = 0;
  gsize chars = 0;
  int n = 0;

  for (int warm = 0; warm < 2; warm++)
    for (n = 0, dt = 0; dt < (warm ? 1.0 : 0.1); n++)
      {
        t0 = now ();
        if (!lesson_once ((guint64) n, &chars, error))
          return 1;
        dt += now () - t0;
      }
  printf ("lesson cells (build, rand, net(X), backward, 5 reprs, init, edit): %.1f us each "
          "(%d runs, %.0f characters printed per run)\n", dt / n * 1e6, n,
          (double) chars / (2 * n));
  if (!mlp_eager_vs_tape (2, error) || !mlp_eager_vs_tape (256, error))
    return 1;
  return 0;
}
