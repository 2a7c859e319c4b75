/* test-gradcheck.c — finite differences for every layer kind and loss
 *
 * Each case builds a small net from a model file, runs ps_tape_forward +
 * ps_tape_backward_loss and compares the gradient of every parameter with
 * central differences of the loss (ps_loss_compute on repeated forward
 * passes): element by element and along a random direction.  The inputs are
 * chosen so that no input of a ReLU/LeakyReLU is near its kink, and every
 * perturbed forward checks that none crossed it.  Then accumulation: two
 * backward passes give twice the gradient, and zero_grad resets it.
 */
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

#define SEED     4242
#define EPS      1e-2    /* relative step of the central differences */
#define TOL      2e-3    /* |g_fd - g| <= TOL * max(1, |g|) */
#define MARGIN   0.05    /* |pre-activation| of a kink at the base point */

typedef struct
{
  const char *name;           /* /core/gradcheck/NAME */
  const char *text;           /* model file */
  PsLossKind  loss;
  int         ndim;           /* input shape */
  int64_t     shape[4];
  double      target_sum;     /* cross_entropy: sum of each target row */
  int         max_elements;   /* elements checked per parameter, 0: all */
} GradCase;

static const GradCase cases[] = {
  { "linear", "net = nn.Sequential(nn.Linear(4, 3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "linear/no_bias", "net = nn.Sequential(nn.Linear(4, 3, bias=False))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "linear/bare", "net = nn.Linear(4, 3)\n",
    PS_LOSS_MSE, 2, { 5, 4 } },
  { "relu", "net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "leaky_relu", "net = nn.Sequential(nn.Linear(4, 6), nn.LeakyReLU(0.2), nn.Linear(6, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "sigmoid", "net = nn.Sequential(nn.Linear(4, 5), nn.Sigmoid(), nn.Linear(5, 3))\n",
    PS_LOSS_SUM, 2, { 3, 4 } },
  { "tanh", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "gelu", "net = nn.Sequential(nn.Linear(4, 5), nn.GELU(), nn.Linear(5, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "gelu/tanh", "net = nn.Sequential(nn.Linear(4, 5), nn.GELU(approximate='tanh'),\n"
                 "                    nn.Linear(5, 3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "identity", "net = nn.Sequential(nn.Linear(4, 5), nn.Identity(), nn.Linear(5, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "flatten", "net = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Flatten(),\n"
               "                    nn.Linear(8, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 3, { 3, 2, 3 }, 1 },
  { "lazy_linear", "net = nn.Sequential(nn.LazyLinear(5), nn.Sigmoid(), nn.LazyLinear(3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "tied/module", "shared = nn.Linear(5, 5)\n"
                   "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), shared, nn.Tanh(), shared,\n"
                   "                    nn.Linear(5, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "tied/module_relu", "shared = nn.Linear(5, 5)\n"
                        "net = nn.Sequential(nn.Linear(4, 5), nn.ReLU(), shared, nn.ReLU(),\n"
                        "                    shared, nn.Linear(5, 2))\n",
    PS_LOSS_SUM, 2, { 3, 4 } },
  { "tied/parameter", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5),\n"
                      "                    nn.Sigmoid(), nn.Linear(5, 5), nn.Linear(5, 3))\n"
                      "net[4].weight = net[2].weight\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "nested", "def block():\n"
              "    return nn.Sequential(nn.Linear(4, 4), nn.Tanh())\n"
              "net = nn.Sequential(block(), nn.Sequential(block(), nn.Identity()),\n"
              "                    nn.Linear(4, 2))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "deep", "net = nn.Sequential(nn.Linear(4, 6), nn.ReLU(), nn.Linear(6, 6),\n"
            "                    nn.LeakyReLU(0.2), nn.Linear(6, 6), nn.GELU(),\n"
            "                    nn.Linear(6, 6), nn.Sigmoid(), nn.Linear(6, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  { "blas", "net = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 4))\n",
    PS_LOSS_MSE, 2, { 8, 64 }, 0, 48 },
  { "loss/sum", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))\n",
    PS_LOSS_SUM, 2, { 3, 4 } },
  { "loss/mse", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))\n",
    PS_LOSS_MSE, 2, { 3, 4 } },
  { "loss/cross_entropy", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 1 },
  /* probability targets that do not sum to 1 (F.cross_entropy accepts them) */
  { "loss/cross_entropy_soft", "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(),\n"
                               "                    nn.Linear(5, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 2, { 3, 4 }, 0.8 },
  /* a class of one's own: its forward() recorded by the interpreter (add, cat, mean) */
  { "class/forward", "import torch\n"
                     "from torch import nn\n"
                     "class Block(nn.Module):\n"
                     "    def __init__(self):\n"
                     "        super().__init__()\n"
                     "        self.a = nn.Linear(4, 4)\n"
                     "        self.b = nn.Linear(4, 4)\n"
                     "        self.act = nn.Tanh()\n"
                     "    def forward(self, X):\n"
                     "        Y = self.act(self.a(X)) + X\n"
                     "        Z = torch.cat((Y, self.b(Y)), dim=1)\n"
                     "        return Z.mean((2, 3))\n"
                     "net = nn.Sequential(Block(), nn.Tanh(), nn.Linear(6, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 4, { 2, 3, 2, 4 }, 1 },
  /* torch.sigmoid and tanh between the layers of a recorded forward */
  { "class/sigmoid-tanh", "import torch\n"
                          "from torch import nn\n"
                          "class Two(nn.Module):\n"
                          "    def __init__(self):\n"
                          "        super().__init__()\n"
                          "        self.a = nn.Linear(4, 5)\n"
                          "        self.b = nn.Linear(5, 3)\n"
                          "    def forward(self, X):\n"
                          "        return self.b(torch.sigmoid(self.a(X))).tanh()\n"
                          "net = Two()\n",
    PS_LOSS_MSE, 2, { 3, 4 }, 0 },
  /* a Sigmoid and the 2x2 average pool after it, run by the tape as one pass */
  { "sigmoid-pool", "import torch\n"
                    "from torch import nn\n"
                    "net = nn.Sequential(nn.Conv2d(2, 3, 3, padding=1), nn.Sigmoid(),\n"
                    "                    nn.AvgPool2d(2), nn.Flatten(), nn.Linear(12, 3))\n",
    PS_LOSS_CROSS_ENTROPY, 4, { 2, 2, 4, 4 }, 1 },
};

/* ---- helpers ------------------------------------------------------------- */

static PsModule *
model (const char *text, PsRng *rng)
{
  GError *error = NULL;
  PsModule *m = ps_model_parse (text, -1, "gradcheck.py", rng, NULL, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static PsTensor *
random_tensor (int ndim, const int64_t *shape, PsRng *rng, double std)
{
  PsTensor *t = ps_tensor_new (ndim, shape);

  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = (float) (std * ps_rng_normal (rng));
  return t;
}

static double
eval_loss (PsTape *tape, const PsTensor *x, PsLossKind kind, const PsTensor *target)
{
  GError *error = NULL;
  const PsTensor *y = ps_tape_forward (tape, x, &error);
  double loss = NAN;

  g_assert_no_error (error);
  g_assert_true (ps_loss_compute (kind, y, target, &loss, NULL, &error));
  g_assert_no_error (error);
  return loss;
}

/* The inputs of every top-level ReLU/LeakyReLU of net, concatenated
 * (forwarding x through the prefix of the Sequential before it). */
static GArray *
kink_inputs (PsModule *net, const PsTensor *x)
{
  GArray *out = g_array_new (FALSE, FALSE, sizeof (float));

  if (ps_module_get_kind (net) != PS_MODULE_SEQUENTIAL)
    return out;
  for (guint k = 0; k < ps_module_get_n_children (net); k++)
    {
      PsModuleKind kind = ps_module_get_kind (ps_module_get_child (net, k));
      g_autoptr (PsModule) prefix = NULL;
      g_autoptr (PsTape) tape = NULL;
      GError *error = NULL;
      const PsTensor *z;

      if (kind != PS_MODULE_RELU && kind != PS_MODULE_LEAKY_RELU)
        continue;
      prefix = ps_module_new_sequential ();
      for (guint i = 0; i < k; i++)
        {
          g_assert_true (ps_module_append (prefix, NULL, ps_module_ref (ps_module_get_child (net, i)),
                                           &error));
          g_assert_no_error (error);
        }
      tape = ps_tape_new (prefix, NULL);
      z = ps_tape_forward (tape, x, &error);
      g_assert_no_error (error);
      g_array_append_vals (out, z->data, (guint) z->numel);
    }
  return out;
}

static double
kink_margin (GArray *z)
{
  double m = INFINITY;

  for (guint i = 0; i < z->len; i++)
    m = MIN (m, fabs (g_array_index (z, float, i)));
  return m;
}

static void
assert_same_side (GArray *base, PsModule *net, const PsTensor *x, const char *what)
{
  g_autoptr (GArray) z = kink_inputs (net, x);

  g_assert_cmpuint (z->len, ==, base->len);
  for (guint i = 0; i < z->len; i++)
    if ((g_array_index (z, float, i) > 0) != (g_array_index (base, float, i) > 0))
      g_error ("%s: a perturbation moved a pre-activation across a kink (%g -> %g); "
               "the finite difference is not valid", what, g_array_index (base, float, i),
               g_array_index (z, float, i));
}

/* ---- the check ------------------------------------------------------------- */

typedef struct
{
  PsModule       *net;
  PsTape         *tape;
  const PsTensor *x;
  const PsTensor *target;
  PsLossKind      kind;
  GArray         *kinks;
  const char     *name;
} Problem;

/* Central difference of the loss when element i of p moves by +-h. */
static double
fd_element (Problem *pb, PsParam *p, int64_t i, double *step)
{
  PsTensor *t = ps_param_get_data (p);
  float orig = t->data[i];
  double h = EPS * MAX (1.0, fabs (orig)), lp, lm;
  float wp, wm;

  t->data[i] = wp = (float) (orig + h);
  ps_param_changed (p, PS_CHANGE_DATA);
  lp = eval_loss (pb->tape, pb->x, pb->kind, pb->target);
  assert_same_side (pb->kinks, pb->net, pb->x, pb->name);
  t->data[i] = wm = (float) (orig - h);
  ps_param_changed (p, PS_CHANGE_DATA);
  lm = eval_loss (pb->tape, pb->x, pb->kind, pb->target);
  assert_same_side (pb->kinks, pb->net, pb->x, pb->name);
  t->data[i] = orig;
  ps_param_changed (p, PS_CHANGE_DATA);
  *step = (double) wp - wm;
  return (lp - lm) / *step;
}

/* Directional derivative along a random unit direction v: the change of the
 * loss against the change the gradient predicts for the realized steps. */
static void
fd_direction (Problem *pb, PsParam *p, const PsTensor *g, PsRng *rng, const char *pname)
{
  PsTensor *t = ps_param_get_data (p);
  int64_t n = t->numel;
  g_autofree float *orig = g_memdup2 (t->data, n * sizeof (float));
  g_autofree double *v = g_new (double, n);
  double norm = 0, pred = 0, lp, lm, fd, h = EPS;

  for (int64_t i = 0; i < n; i++)
    {
      v[i] = ps_rng_normal (rng);
      norm += v[i] * v[i];
    }
  norm = sqrt (norm);
  for (int64_t i = 0; i < n; i++)
    {
      float wp = (float) (orig[i] + h * v[i] / norm), wm = (float) (orig[i] - h * v[i] / norm);
      pred += (double) g->data[i] * ((double) wp - wm);
      t->data[i] = wp;
    }
  ps_param_changed (p, PS_CHANGE_DATA);
  lp = eval_loss (pb->tape, pb->x, pb->kind, pb->target);
  assert_same_side (pb->kinks, pb->net, pb->x, pb->name);
  for (int64_t i = 0; i < n; i++)
    t->data[i] = (float) (orig[i] - h * v[i] / norm);
  ps_param_changed (p, PS_CHANGE_DATA);
  lm = eval_loss (pb->tape, pb->x, pb->kind, pb->target);
  assert_same_side (pb->kinks, pb->net, pb->x, pb->name);
  memcpy (t->data, orig, n * sizeof (float));
  ps_param_changed (p, PS_CHANGE_DATA);

  fd = (lp - lm) / (2 * h);
  pred /= 2 * h;
  if (fabs (fd - pred) > TOL * MAX (1.0, fabs (pred)))
    g_error ("%s: %s along a random direction: finite difference %.7g, gradient %.7g",
             pb->name, pname, fd, pred);
}

static void
test_case (gconstpointer data)
{
  const GradCase *c = data;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) target = NULL;
  g_autoptr (GArray) kinks = NULL;
  g_autoptr (GPtrArray) params = NULL;
  g_autoptr (GPtrArray) grads = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  GError *error = NULL;
  const PsTensor *y;
  double loss, loss2, worst = 0;
  int64_t checked = 0;
  Problem pb;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  net = model (c->text, &rng);
  tape = ps_tape_new (net, &rng);

  /* an input whose kinks are all at least MARGIN away */
  for (int attempt = 0;; attempt++)
    {
      g_clear_pointer (&x, ps_tensor_unref);
      g_clear_pointer (&kinks, g_array_unref);
      x = random_tensor (c->ndim, c->shape, &rng, 1.0);
      y = ps_tape_forward (tape, x, &error);   /* also materializes lazy layers */
      g_assert_no_error (error);
      kinks = kink_inputs (net, x);
      if (kink_margin (kinks) >= MARGIN)
        break;
      if (attempt == 1000)
        g_error ("%s: no input keeps the kinks %g away", c->name, MARGIN);
    }

  /* the target */
  if (c->loss == PS_LOSS_MSE)
    target = random_tensor (y->ndim, y->shape, &rng, 1.0);
  else if (c->loss == PS_LOSS_CROSS_ENTROPY)
    {
      int64_t C = y->shape[y->ndim - 1];
      double sum = c->target_sum ? c->target_sum : 1;
      target = ps_tensor_new (y->ndim, y->shape);
      for (int64_t b = 0; b < y->numel / C; b++)
        {
          double s = 0;
          for (int64_t k = 0; k < C; k++)
            s += target->data[b * C + k] = (float) (0.05 + ps_rng_double (&rng));
          for (int64_t k = 0; k < C; k++)
            target->data[b * C + k] = (float) (target->data[b * C + k] * sum / s);
        }
    }

  /* the analytic gradient */
  params = ps_module_named_parameters (net);
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedParam *np = params->pdata[i];
      g_assert_true (ps_param_is_initialized (np->param));
      ps_param_zero_grad (np->param, TRUE);
    }
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_true (ps_loss_compute (c->loss, y, target, &loss2, NULL, &error));
  g_assert_true (ps_tape_backward_loss (tape, c->loss, target, &loss, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (loss, ==, loss2);
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedParam *np = params->pdata[i];
      PsTensor *g = ps_param_get_grad (np->param);
      g_assert_nonnull (g);
      g_assert_true (ps_tensor_same_shape (g, ps_param_get_data (np->param)));
      g_ptr_array_add (grads, ps_tensor_copy (g));
    }

  pb = (Problem) { net, tape, x, target, c->loss, kinks, c->name };
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedParam *np = params->pdata[i];
      const PsTensor *g = grads->pdata[i];
      int64_t n = g->numel, count = c->max_elements ? MIN (c->max_elements, n) : n;

      for (int64_t k = 0; k < count; k++)
        {
          int64_t e = count == n ? k : (int64_t) (ps_rng_u32 (&rng) % (guint32) n);
          double step, fd = fd_element (&pb, np->param, e, &step);
          double err = fabs (fd - g->data[e]) / MAX (1.0, fabs (g->data[e]));
          if (err > TOL)
            g_error ("%s: d loss / d %s[%" G_GINT64_FORMAT "]: finite difference %.7g, "
                     "gradient %.7g", c->name, np->name, e, fd, g->data[e]);
          worst = MAX (worst, err);
          checked++;
        }
      for (int d = 0; d < 3; d++)
        fd_direction (&pb, np->param, g, &rng, np->name);
    }

  /* the gradient did not move while the data was poked */
  for (guint i = 0; i < params->len; i++)
    {
      PsNamedParam *np = params->pdata[i];
      const PsTensor *g = grads->pdata[i];
      g_assert_cmpint (memcmp (ps_param_get_grad (np->param)->data, g->data,
                               g->numel * sizeof (float)), ==, 0);
    }
  g_test_message ("%s: loss %.6g, %" G_GINT64_FORMAT " elements of %u parameters, kink margin "
                  "%.3g, worst relative error %.2e", c->name, loss, checked, params->len,
                  kinks->len ? kink_margin (kinks) : INFINITY, worst);
}

/* ---- lazy layers, tied gradients ------------------------------------------- */

static void
test_lazy_materialized (void)
{
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsTensor) x = NULL;
  GError *error = NULL;
  double loss;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  net = model ("net = nn.Sequential(nn.LazyLinear(5), nn.Tanh(), nn.LazyLinear(3, bias=False))\n",
               &rng);
  g_assert_true (ps_module_is_lazy (ps_module_get_child (net, 0)));
  tape = ps_tape_new (net, &rng);
  x = random_tensor (2, (int64_t[]) { 2, 7 }, &rng, 1.0);
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_no_error (error);
  g_assert_false (ps_module_is_lazy (ps_module_get_child (net, 0)));
  g_assert_cmpint (ps_module_get_in_features (ps_module_get_child (net, 0)), ==, 7);
  g_assert_cmpint (ps_module_get_in_features (ps_module_get_child (net, 2)), ==, 5);
  g_assert_cmpstr (ps_module_get_type_name (ps_module_get_child (net, 0)), ==, "Linear");
  g_assert_nonnull (ps_param_get_grad (ps_module_find_param (net, "0.weight")));
  g_assert_null (ps_module_find_param (net, "2.bias"));
}

/* A tied module's gradient is the sum of the gradients of its two uses:
 * compare with an untied copy holding the same values. */
static void
test_tied_sum (void)
{
  g_autoptr (PsModule) tied = NULL;
  g_autoptr (PsModule) untied = NULL;
  g_autoptr (PsTape) t1 = NULL;
  g_autoptr (PsTape) t2 = NULL;
  g_autoptr (PsTensor) x = NULL;
  static const char *keys[] = { "0.weight", "0.bias", "2.weight", "2.bias", "4.weight",
                                "4.bias", "5.weight", "5.bias" };
  GError *error = NULL;
  double l1, l2;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  tied = model ("shared = nn.Linear(5, 5)\n"
                "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), shared, nn.Tanh(), shared,\n"
                "                    nn.Linear(5, 3))\n", &rng);
  untied = model ("net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5), nn.Tanh(),\n"
                  "                    nn.Linear(5, 5), nn.Linear(5, 3))\n", &rng);
  for (guint i = 0; i < G_N_ELEMENTS (keys); i++)
    {
      PsTensor *src = ps_param_get_data (ps_module_find_param (tied, keys[i]));
      PsParam *dst = ps_module_find_param (untied, keys[i]);
      memcpy (ps_param_get_data (dst)->data, src->data, src->numel * sizeof (float));
      ps_param_changed (dst, PS_CHANGE_DATA);
    }
  x = random_tensor (2, (int64_t[]) { 4, 4 }, &rng, 1.0);
  t1 = ps_tape_new (tied, &rng);
  t2 = ps_tape_new (untied, &rng);
  g_assert_nonnull (ps_tape_forward (t1, x, &error));
  g_assert_nonnull (ps_tape_forward (t2, x, &error));
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward_loss (t1, PS_LOSS_SUM, NULL, &l1, &error));
  g_assert_true (ps_tape_backward_loss (t2, PS_LOSS_SUM, NULL, &l2, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (l1, ==, l2);
  for (guint s = 0; s < 2; s++)
    {
      static const char *slot[] = { "weight", "bias" };
      g_autofree char *k2 = g_strdup_printf ("2.%s", slot[s]);
      g_autofree char *k4 = g_strdup_printf ("4.%s", slot[s]);
      PsTensor *g = ps_param_get_grad (ps_module_find_param (tied, k2));
      PsTensor *a = ps_param_get_grad (ps_module_find_param (untied, k2));
      PsTensor *b = ps_param_get_grad (ps_module_find_param (untied, k4));
      g_assert_true (ps_param_get_grad (ps_module_find_param (tied, k4)) == g);
      for (int64_t i = 0; i < g->numel; i++)
        g_assert_cmpfloat (fabsf (g->data[i] - (a->data[i] + b->data[i])), <=,
                           1e-6f * MAX (1.f, fabsf (g->data[i])));
    }
}

/* ---- accumulation ------------------------------------------------------------ */

static GPtrArray *
copy_grads (GPtrArray *params)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);

  for (guint i = 0; i < params->len; i++)
    {
      PsTensor *g = ps_param_get_grad (((PsNamedParam *) params->pdata[i])->param);
      g_ptr_array_add (out, g ? ps_tensor_copy (g) : NULL);
    }
  return out;
}

static void
forward_backward (PsTape *tape, const PsTensor *x, PsLossKind kind, const PsTensor *target)
{
  GError *error = NULL;
  double loss;

  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward_loss (tape, kind, target, &loss, &error));
  g_assert_no_error (error);
}

/* Returns the worst |g2 - 2 g1| / |g1| (0: exactly twice). */
static double
check_accumulation (const char *text, int64_t B, int64_t in, gboolean exact)
{
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (GPtrArray) params = NULL;
  g_autoptr (GPtrArray) g1 = NULL;
  g_autoptr (GPtrArray) g2 = NULL;
  g_autoptr (GPtrArray) g3 = NULL;
  double worst = 0;
  PsRng rng;

  ps_rng_seed (&rng, SEED);
  net = model (text, &rng);
  tape = ps_tape_new (net, &rng);
  x = random_tensor (2, (int64_t[]) { B, in }, &rng, 1.0);
  params = ps_module_named_parameters (net);

  /* grad is None before the first backward */
  for (guint i = 0; i < params->len; i++)
    g_assert_null (ps_param_get_grad (((PsNamedParam *) params->pdata[i])->param));

  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g1 = copy_grads (params);
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g2 = copy_grads (params);
  for (guint i = 0; i < params->len; i++)
    {
      PsTensor *a = g1->pdata[i], *b = g2->pdata[i];
      for (int64_t k = 0; k < a->numel; k++)
        {
          double d = fabs ((double) b->data[k] - 2.0 * a->data[k]);
          if (exact && d != 0)
            g_error ("%s: after two backward passes %s[%" G_GINT64_FORMAT "] = %a, not "
                     "2 x %a", text, ((PsNamedParam *) params->pdata[i])->name, k, b->data[k],
                     a->data[k]);
          worst = MAX (worst, d / MAX (1e-30, fabs (a->data[k])));
        }
    }

  /* zero_grad(set_to_none=False): zeros, then one backward gives g1 again */
  for (guint i = 0; i < params->len; i++)
    {
      PsParam *p = ((PsNamedParam *) params->pdata[i])->param;
      guint64 v = ps_param_get_version (p);
      PsTensor *g;
      ps_param_zero_grad (p, FALSE);
      g_assert_cmpuint (ps_param_get_version (p), >, v);
      g = ps_param_get_grad (p);
      g_assert_nonnull (g);
      for (int64_t k = 0; k < g->numel; k++)
        g_assert_cmpfloat (g->data[k], ==, 0.f);
    }
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g3 = copy_grads (params);
  for (guint i = 0; i < params->len; i++)
    g_assert_cmpint (memcmp (((PsTensor *) g3->pdata[i])->data, ((PsTensor *) g1->pdata[i])->data,
                             ((PsTensor *) g1->pdata[i])->numel * sizeof (float)), ==, 0);

  /* zero_grad(set_to_none=True): None, then one backward gives g1 again */
  for (guint i = 0; i < params->len; i++)
    {
      PsParam *p = ((PsNamedParam *) params->pdata[i])->param;
      ps_param_zero_grad (p, TRUE);
      g_assert_null (ps_param_get_grad (p));
    }
  forward_backward (tape, x, PS_LOSS_SUM, NULL);
  g_clear_pointer (&g3, g_ptr_array_unref);
  g3 = copy_grads (params);
  for (guint i = 0; i < params->len; i++)
    g_assert_cmpint (memcmp (((PsTensor *) g3->pdata[i])->data, ((PsTensor *) g1->pdata[i])->data,
                             ((PsTensor *) g1->pdata[i])->numel * sizeof (float)), ==, 0);
  return worst;
}

static void
test_accumulate (void)
{
  check_accumulation ("net = nn.Sequential(nn.Linear(4, 6), nn.Tanh(), nn.Linear(6, 3))\n",
                      5, 4, TRUE);
  /* products large enough to go through cblas_sgemm */
  g_assert_true (ps_linear_uses_blas (32, 64, 64));
  check_accumulation ("net = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 64))\n",
                      32, 64, TRUE);
}

static void
test_accumulate_tied (void)
{
  double worst;

  /* The tape sums the uses of a tied parameter within one backward and adds
   * that sum to .grad once, as PyTorch's autograd does, so two identical
   * passes give exactly twice the gradient. */
  worst = check_accumulation ("shared = nn.Linear(5, 5)\n"
                              "net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), shared, nn.Tanh(),\n"
                              "                    shared, nn.Linear(5, 3))\n", 3, 4, TRUE);
  g_assert_cmpfloat (worst, ==, 0);
  worst = check_accumulation ("net = nn.Sequential(nn.Linear(4, 5), nn.Tanh(), nn.Linear(5, 5),\n"
                              "                    nn.Sigmoid(), nn.Linear(5, 5))\n"
                              "net[4].weight = net[2].weight\n", 3, 4, TRUE);
  g_assert_cmpfloat (worst, ==, 0);
  worst = check_accumulation ("s = nn.Linear(64, 64)\n"
                              "net = nn.Sequential(nn.Linear(64, 64), nn.Tanh(), s, nn.Tanh(), s)\n",
                              32, 64, TRUE);
  g_assert_cmpfloat (worst, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      g_autofree char *path = g_strdup_printf ("/core/gradcheck/%s", cases[k].name);
      g_test_add_data_func (path, &cases[k], test_case);
    }
  g_test_add_func ("/core/gradcheck/lazy_linear/materialized", test_lazy_materialized);
  g_test_add_func ("/core/gradcheck/tied/sum", test_tied_sum);
  g_test_add_func ("/core/gradcheck/accumulate/twice", test_accumulate);
  g_test_add_func ("/core/gradcheck/accumulate/tied", test_accumulate_tied);

  return g_test_run ();
}
