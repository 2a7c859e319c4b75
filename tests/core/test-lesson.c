/* test-lesson.c — every code cell of the "parameter management" lesson
 * (PyTorch versions: ../shared/seeds/000, 001, 002), reproduced with the core
 * API, with the lesson's own shapes, names and printed structure.  Where the
 * lesson prints random numbers, the test checks what those numbers must
 * satisfy (shapes, bounds, equalities, values recomputed by hand). */
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

static PsModule *
parse (const char *text, PsRng *rng)
{
  GError *error = NULL;
  PsModule *m = ps_model_parse (text, -1, "cell.py", rng, NULL, &error);
  g_assert_no_error (error);
  return m;
}

static PsTensor *
rand_tensor (PsRng *rng, int64_t rows, int64_t cols)
{
  PsTensor *t = ps_tensor_new_2d (rows, cols);
  ps_rng_fill_uniform (rng, t->data, t->numel, 0, 1);   /* torch.rand */
  return t;
}

static PsTensor *
weight (PsModule *net, const char *key)
{
  PsParam *p = ps_module_find_param (net, key);
  g_assert_nonnull (p);
  return ps_param_get_data (p);
}

static void
assert_shape (const PsTensor *t, int ndim, int64_t d0, int64_t d1)
{
  g_assert_nonnull (t);
  g_assert_cmpint (t->ndim, ==, ndim);
  g_assert_cmpint (t->shape[0], ==, d0);
  if (ndim > 1)
    g_assert_cmpint (t->shape[1], ==, d1);
}

/* y = W2 relu(W1 x + b1) + b2 by hand, for the lesson's MLP */
static void
mlp_by_hand (PsModule *net, const PsTensor *x, float *y)
{
  PsTensor *w1 = weight (net, "0.weight"), *b1 = weight (net, "0.bias");
  PsTensor *w2 = weight (net, "2.weight"), *b2 = weight (net, "2.bias");
  int64_t in = w1->shape[1], hid = w1->shape[0], out = w2->shape[0];

  for (int64_t b = 0; b < x->shape[0]; b++)
    for (int64_t o = 0; o < out; o++)
      {
        double acc = b2->data[o];
        for (int64_t h = 0; h < hid; h++)
          {
            double z = b1->data[h];
            for (int64_t i = 0; i < in; i++)
              z += (double) w1->data[h * in + i] * x->data[b * in + i];
            acc += (double) w2->data[o * hid + h] * (z > 0 ? z : 0);
          }
        y[b * out + o] = (float) acc;
      }
}

static const char *cell_mlp = "import torch\nfrom torch import nn\n\n"
  "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
  "X = torch.rand(size=(2, 4))\n"
  "net(X)\n";

/* In[2]: net(X) is (2, 1) and equals the MLP computed by hand */
static void
test_cell_forward (void)
{
  PsRng rng;
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTape) tape = NULL;
  const PsTensor *y;
  float want[2];

  ps_rng_seed (&rng, 1);
  net = parse (cell_mlp, &rng);
  x = rand_tensor (&rng, 2, 4);
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  assert_shape (y, 2, 2, 1);
  mlp_by_hand (net, x, want);
  g_assert_cmpfloat_with_epsilon (y->data[0], want[0], 1e-6);
  g_assert_cmpfloat_with_epsilon (y->data[1], want[1], 1e-6);
}

/* In[3]-In[7]: state_dict of net[2], the bias as a Parameter, grad is None,
 * named_parameters of net[0] and of net, state_dict()['2.bias'] */
static void
test_cell_access (void)
{
  PsRng rng;
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GPtrArray) sd2 = NULL, np0 = NULL, np = NULL, sd = NULL;
  PsModule *l2;
  static const char *names[] = { "0.weight", "0.bias", "2.weight", "2.bias" };
  static const int64_t shapes[][2] = { { 8, 4 }, { 8, 0 }, { 1, 8 }, { 1, 0 } };

  ps_rng_seed (&rng, 0);
  net = parse (cell_mlp, &rng);
  l2 = ps_module_index (net, 2, &error);
  g_assert_no_error (error);

  sd2 = ps_module_state_dict (l2);            /* print(net[2].state_dict()) */
  g_assert_cmpuint (sd2->len, ==, 2);
  g_assert_cmpstr (((PsNamedParam *) sd2->pdata[0])->name, ==, "weight");
  g_assert_cmpstr (((PsNamedParam *) sd2->pdata[1])->name, ==, "bias");
  assert_shape (ps_param_get_data (((PsNamedParam *) sd2->pdata[0])->param), 2, 1, 8);

  /* print(net[2].bias): Parameter containing tensor([...], requires_grad=True) */
  g_assert_true (ps_param_get_requires_grad (ps_module_get_param_by_name (l2, "bias")));
  assert_shape (ps_param_get_data (ps_module_get_param_by_name (l2, "bias")), 1, 1, 0);
  /* net[2].weight.grad == None */
  g_assert_null (ps_param_get_grad (ps_module_get_param_by_name (l2, "weight")));

  np0 = ps_module_named_parameters (ps_module_index (net, 0, NULL));
  g_assert_cmpuint (np0->len, ==, 2);
  g_assert_cmpstr (((PsNamedParam *) np0->pdata[0])->name, ==, "weight");
  g_assert_cmpstr (((PsNamedParam *) np0->pdata[1])->name, ==, "bias");

  np = ps_module_named_parameters (net);
  g_assert_cmpuint (np->len, ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      PsNamedParam *p = np->pdata[i];
      g_assert_cmpstr (p->name, ==, names[i]);
      assert_shape (ps_param_get_data (p->param), shapes[i][1] ? 2 : 1, shapes[i][0], shapes[i][1]);
    }
  /* net.state_dict()['2.bias'] is net[2].bias */
  g_assert_true (ps_module_find_param (net, "2.bias") == ps_module_get_param_by_name (l2, "bias"));
  g_assert_cmpint (ps_module_count_params (net, NULL), ==, 8 * 4 + 8 + 8 + 1);
}

static const char *cell_rgnet_000 =
  "def block1():\n"
  "    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(),\n"
  "                         nn.Linear(8, 4), nn.ReLU())\n"
  "\n"
  "def block2():\n"
  "    net = nn.Sequential()\n"
  "    for i in range(4):\n"
  "        # 在这里嵌套\n"
  "        net.add_module(f'block {i}', block1())\n"
  "    return net\n"
  "\n"
  "rgnet = nn.Sequential(block2(), nn.Linear(4, 1))\n"
  "rgnet(X)\n";

static const char *rgnet_block =
  "Sequential(\n"
  "      (0): Linear(in_features=4, out_features=8, bias=True)\n"
  "      (1): ReLU()\n"
  "      (2): Linear(in_features=8, out_features=4, bias=True)\n"
  "      (3): ReLU()\n"
  "    )";

static char *
rgnet_repr (const char *sep)
{
  GString *s = g_string_new ("Sequential(\n  (0): Sequential(\n");
  for (int i = 0; i < 4; i++)
    g_string_append_printf (s, "    (block%s%d): %s\n", sep, i, rgnet_block);
  g_string_append (s, "  )\n  (1): Linear(in_features=4, out_features=1, bias=True)\n)");
  return g_string_free (s, FALSE);
}

/* In[8]-In[11] (000 and 002): the nested rgnet, pasted with the X of In[2] */
static void
test_cell_rgnet (gconstpointer data)
{
  const char *sep = data;     /* "block {i}" in 000, "block{i}" in 002 */
  PsRng rng;
  GError *error = NULL;
  g_autofree char *cell = NULL, *text = NULL, *want = rgnet_repr (sep);
  g_autofree char *path = NULL, *name = NULL;
  g_autoptr (PsModule) rgnet = NULL;
  g_autoptr (GPtrArray) np = NULL;
  g_autofree char *key = g_strdup_printf ("0.block%s1.0.bias", sep);
  PsModule *m;

  ps_rng_seed (&rng, 0);
  cell = g_strconcat ("import torch\nfrom torch import nn\nX = torch.rand(size=(2, 4))\n",
                      *sep ? cell_rgnet_000
                           : "def block1():\n    return nn.Sequential(nn.Linear(4, 8), nn.ReLU(),"
                             "nn.Linear(8, 4), nn.ReLU())\n\ndef block2():\n    net = nn.Sequential()\n"
                             "    for i in range(4):\n        net.add_module(f'block{i}', block1())\n"
                             "    return net\n\nrgnet = nn.Sequential(block2(), nn.Linear(4, 1))\nrgnet(X)\n",
                      NULL);
  rgnet = ps_model_parse (cell, -1, "cell8.py", &rng, &name, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (name, ==, "rgnet");
  text = ps_module_repr (rgnet);             /* print(rgnet) */
  g_assert_cmpstr (text, ==, want);

  /* rgnet[0][1][0].bias.data */
  m = ps_module_index (ps_module_index (ps_module_index (rgnet, 0, NULL), 1, NULL), 0, NULL);
  g_assert_true (ps_module_get_param_by_name (m, "bias") == ps_module_find_param (rgnet, key));
  assert_shape (ps_param_get_data (ps_module_get_param_by_name (m, "bias")), 1, 8, 0);
  path = ps_module_key_to_index_path (rgnet, key, "rgnet");
  g_assert_cmpstr (path, ==, "rgnet[0][1][0].bias");

  np = ps_module_named_parameters (rgnet);
  g_assert_cmpuint (np->len, ==, 4 * 4 + 2);
  g_assert_cmpint (ps_module_count_params (rgnet, NULL), ==, 4 * (4 * 8 + 8 + 8 * 4 + 4) + 5);
}

typedef struct
{
  PsInitScheme *w, *b;     /* NULL: leave */
  PsRng *rng;
  GString *log;            /* my_init prints */
} LinearInit;

/* def f(m): if type(m) == nn.Linear: ... */
static void
init_linear (PsModule *m, gpointer data)
{
  LinearInit *li = data;
  GError *error = NULL;

  if (ps_module_get_kind (m) != PS_MODULE_LINEAR)
    return;
  if (li->log)
    {
      PsNamedParam *first;
      g_autoptr (GPtrArray) np = ps_module_named_parameters (m);
      g_autofree char *shape = NULL;
      first = np->pdata[0];
      shape = ps_shape_to_string (ps_param_get_data (first->param)->ndim,
                                  ps_param_get_data (first->param)->shape);
      g_string_append_printf (li->log, "Init %s torch.Size(%s)\n", first->name, shape);
    }
  if (li->w)
    ps_init_apply (li->w, ps_module_get_param_by_name (m, "weight"), -1, li->rng, &error);
  g_assert_no_error (error);
  if (li->b)
    ps_init_apply (li->b, ps_module_get_param_by_name (m, "bias"), -1, li->rng, &error);
  g_assert_no_error (error);
}

static PsInitScheme *
scheme (const char *text)
{
  GError *error = NULL;
  PsInitScheme *s = ps_init_scheme_parse (text, &error);
  g_assert_no_error (error);
  return s;
}

/* In[12]-In[16]: init_normal, init_constant, xavier + 42, my_init, direct edits */
static void
test_cell_init (void)
{
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsInitScheme) normal = scheme ("normal(mean=0, std=0.01)");
  g_autoptr (PsInitScheme) zeros = scheme ("zeros()");
  g_autoptr (PsInitScheme) one = scheme ("constant(1)");
  g_autoptr (PsInitScheme) xavier = scheme ("xavier_uniform()");
  g_autoptr (PsInitScheme) c42 = scheme ("constant(42)");
  g_autoptr (PsInitScheme) custom = scheme ("d2l_custom()");
  LinearInit li = { 0 };
  PsTensor *w0, *w2, *b0;
  float before[4];
  double bound = sqrt (6.0 / (4 + 8));

  ps_rng_seed (&rng, 0);
  net = parse (cell_mlp, &rng);
  li.rng = &rng;
  w0 = weight (net, "0.weight");
  b0 = weight (net, "0.bias");
  w2 = weight (net, "2.weight");

  /* net.apply(init_normal) */
  li.w = normal;
  li.b = zeros;
  ps_module_apply (net, init_linear, &li);
  for (int i = 0; i < 32; i++)
    g_assert_cmpfloat (fabsf (w0->data[i]), <, 0.06f);        /* 6 sigma */
  g_assert_cmpfloat (b0->data[0], ==, 0.f);

  /* net.apply(init_constant) */
  li.w = one;
  ps_module_apply (net, init_linear, &li);
  for (int i = 0; i < 4; i++)
    g_assert_cmpfloat (w0->data[i], ==, 1.f);
  g_assert_cmpfloat (b0->data[0], ==, 0.f);

  /* net[0].apply(init_xavier); net[2].apply(init_42) */
  li.w = xavier;
  li.b = NULL;
  ps_module_apply (ps_module_index (net, 0, NULL), init_linear, &li);
  li.w = c42;
  ps_module_apply (ps_module_index (net, 2, NULL), init_linear, &li);
  for (int i = 0; i < 32; i++)
    g_assert_cmpfloat (fabsf (w0->data[i]), <=, bound);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (w2->data[i], ==, 42.f);

  /* net.apply(my_init): prints, post-order, then the lesson's distribution */
  li.w = custom;
  li.log = g_string_new (NULL);
  ps_module_apply (net, init_linear, &li);
  g_assert_cmpstr (li.log->str, ==, "Init weight torch.Size([8, 4])\nInit weight torch.Size([1, 8])\n");
  g_string_free (li.log, TRUE);
  for (int i = 0; i < 32; i++)
    g_assert_true (w0->data[i] == 0.f || (fabsf (w0->data[i]) >= 5.f && fabsf (w0->data[i]) <= 10.f));

  /* net[0].weight.data[:] += 1; net[0].weight.data[0, 0] = 42 */
  memcpy (before, w0->data, sizeof before);
  for (int64_t i = 0; i < w0->numel; i++)
    w0->data[i] += 1;
  w0->data[0] = 42;
  ps_param_changed (ps_module_find_param (net, "0.weight"), PS_CHANGE_DATA);
  g_assert_cmpfloat (w0->data[0], ==, 42.f);
  for (int i = 1; i < 4; i++)
    g_assert_cmpfloat (w0->data[i], ==, before[i] + 1);
}

static void
count_change (PsParam *p, PsChange what, gpointer data)
{
  (*(int *) data)++;
}

/* In[17]: the shared layer; one storage, summed gradients */
static void
test_cell_shared (void)
{
  static const char *cell =
    "shared = nn.Linear(8, 8)\n"
    "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(),\n"
    "                    shared, nn.ReLU(),\n"
    "                    shared, nn.ReLU(),\n"
    "                    nn.Linear(8, 1))\n";
  static const char *untied_cell =
    "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(),\n"
    "                    nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))\n";
  PsRng rng;
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL, untied = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTape) tape = NULL, tape2 = NULL;
  g_autoptr (GPtrArray) aliases = NULL;
  PsParam *w2, *w4;
  double loss;
  int notified = 0;

  ps_rng_seed (&rng, 3);
  net = parse (cell, &rng);
  x = rand_tensor (&rng, 2, 4);
  tape = ps_tape_new (net, &rng);
  g_assert_nonnull (ps_tape_forward (tape, x, &error));       /* net(X) */
  w2 = ps_module_find_param (net, "2.weight");
  w4 = ps_module_find_param (net, "4.weight");
  g_assert_true (w2 == w4);                                   /* same object */
  g_assert_true (ps_module_index (net, 2, NULL) == ps_module_index (net, 4, NULL));
  ps_param_add_listener (w4, count_change, &notified, NULL);
  /* net[2].weight.data[0, 0] = 100 -> net[4] sees it */
  ps_param_get_data (w2)->data[0] = 100;
  ps_param_changed (w2, PS_CHANGE_DATA);
  g_assert_cmpfloat (ps_param_get_data (w4)->data[0], ==, 100.f);
  g_assert_cmpint (notified, ==, 1);
  aliases = ps_module_param_aliases (net, w2);
  g_assert_cmpuint (aliases->len, ==, 2);
  g_assert_cmpstr (aliases->pdata[0], ==, "2.weight");
  g_assert_cmpstr (aliases->pdata[1], ==, "4.weight");

  /* the tied gradient is the sum of what two untied copies would get */
  untied = parse (untied_cell, NULL);
  {
    g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
    for (guint i = 0; i < sd->len; i++)
      {
        PsNamedParam *np = sd->pdata[i];
        PsTensor *dst = weight (untied, np->name);
        memcpy (dst->data, ps_param_get_data (np->param)->data, dst->numel * sizeof (float));
      }
  }
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  tape2 = ps_tape_new (untied, NULL);
  g_assert_nonnull (ps_tape_forward (tape2, x, &error));
  g_assert_true (ps_tape_backward_loss (tape2, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_no_error (error);
  for (int i = 0; i < 64; i++)
    {
      float a = ps_param_get_grad (ps_module_find_param (untied, "2.weight"))->data[i];
      float b = ps_param_get_grad (ps_module_find_param (untied, "4.weight"))->data[i];
      g_assert_cmpfloat_with_epsilon (ps_param_get_grad (w2)->data[i], a + b, 1e-5 * (1 + fabsf (a + b)));
    }
}

/* In[18]-In[20]: lazy initialization, pasted as the lesson writes it */
static void
test_cell_lazy (void)
{
  static const char *cell18 =
    "net = nn.Sequential(nn.LazyLinear(256), nn.ReLU(),nn.Linear(256,10))\n"
    "print(net)\n";
  static const char *cell20 =
    "low = torch.finfo(torch.float32).min/10\n"
    "high = torch.finfo(torch.float32).max/10\n"
    "X = torch.zeros([2,20],dtype=torch.float32).uniform_(low, high)\n"
    "\n"
    "net(X)\n"
    "print(net)\n";
  static const char *before =
    "Sequential(\n"
    "  (0): LazyLinear(in_features=0, out_features=256, bias=True)\n"
    "  (1): ReLU()\n"
    "  (2): Linear(in_features=256, out_features=10, bias=True)\n"
    ")";
  static const char *after =
    "Sequential(\n"
    "  (0): Linear(in_features=20, out_features=256, bias=True)\n"
    "  (1): ReLU()\n"
    "  (2): Linear(in_features=256, out_features=10, bias=True)\n"
    ")";
  PsRng rng;
  g_autoptr (PsModule) net = NULL, net2 = NULL;
  g_autofree char *t1 = NULL, *t2 = NULL, *both = NULL;
  g_autoptr (GPtrArray) sd = NULL;
  guint n_lazy;

  ps_rng_seed (&rng, 0);
  net = parse (cell18, &rng);
  t1 = ps_module_repr (net);
  g_assert_cmpstr (t1, ==, before);
  /* [net[i].state_dict() for i in range(len(net))] */
  g_assert_false (ps_param_is_initialized (ps_module_find_param (net, "0.weight")));
  g_assert_false (ps_param_is_initialized (ps_module_find_param (net, "0.bias")));
  assert_shape (weight (net, "2.weight"), 2, 10, 256);
  g_assert_cmpint (ps_module_count_params (net, &n_lazy), ==, 256 * 10 + 10);
  g_assert_cmpuint (n_lazy, ==, 2);
  sd = ps_module_state_dict (ps_module_index (net, 1, NULL));
  g_assert_cmpuint (sd->len, ==, 0);                          /* OrderedDict() */

  both = g_strconcat (cell18, cell20, NULL);
  net2 = parse (both, &rng);
  t2 = ps_module_repr (net2);
  g_assert_cmpstr (t2, ==, after);
  assert_shape (weight (net2, "0.weight"), 2, 256, 20);
}

/* 001: the 4-3-1 net, Y = net(X).sum(), grads, inits by name, custom init, += 1 */
static void
test_cells_001 (void)
{
  static const char *cell =
    "import torch\nfrom torch import nn\nfrom torch.nn import init\n\n"
    "net = nn.Sequential(nn.Linear(4, 3), nn.ReLU(), nn.Linear(3, 1)) # pytorch已进行默认初始化\n\n"
    "print(net)\nX = torch.rand(2, 4)\nY = net(X).sum()\n";
  static const char *printed =
    "Sequential(\n"
    "  (0): Linear(in_features=4, out_features=3, bias=True)\n"
    "  (1): ReLU()\n"
    "  (2): Linear(in_features=3, out_features=1, bias=True)\n"
    ")";
  PsRng rng;
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GPtrArray) np = NULL;
  g_autofree char *text = NULL;
  g_autoptr (PsInitScheme) normal = scheme ("normal(mean=0, std=0.01)");
  g_autoptr (PsInitScheme) zero = scheme ("constant(val=0)");
  g_autoptr (PsInitScheme) custom = scheme ("d2l_custom()");
  PsParam *w0;
  PsTensor *g;
  double loss;

  ps_rng_seed (&rng, 7);
  net = parse (cell, &rng);
  text = ps_module_repr (net);
  g_assert_cmpstr (text, ==, printed);
  np = ps_module_named_parameters (net);
  g_assert_cmpuint (np->len, ==, 4);
  g_assert_cmpstr (((PsNamedParam *) np->pdata[3])->name, ==, "2.bias");

  /* weight_0.grad is None before, then dY/dW0 after Y.backward() */
  x = rand_tensor (&rng, 2, 4);
  w0 = ps_module_find_param (net, "0.weight");
  g_assert_null (ps_param_get_grad (w0));
  tape = ps_tape_new (net, &rng);
  g_assert_nonnull (ps_tape_forward (tape, x, &error));
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g = ps_param_get_grad (w0);
  assert_shape (g, 2, 3, 4);
  {
    PsTensor *w = ps_param_get_data (w0), *b = weight (net, "0.bias"), *v = weight (net, "2.weight");
    for (int h = 0; h < 3; h++)
      for (int i = 0; i < 4; i++)
        {
          double want = 0;
          for (int n = 0; n < 2; n++)
            {
              double z = b->data[h];
              for (int k = 0; k < 4; k++)
                z += w->data[h * 4 + k] * x->data[n * 4 + k];
              want += z > 0 ? v->data[h] * x->data[n * 4 + i] : 0;
            }
          g_assert_cmpfloat_with_epsilon (g->data[h * 4 + i], want, 1e-6);
        }
  }

  /* for name, param in net.named_parameters(): if 'weight' in name: init.normal_ ... */
  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      if (strstr (p->name, "weight"))
        ps_init_apply (normal, p->param, -1, &rng, &error);
      else
        ps_init_apply (zero, p->param, -1, &rng, &error);
      g_assert_no_error (error);
    }
  g_assert_cmpfloat (weight (net, "2.bias")->data[0], ==, 0.f);
  /* init_weight_: uniform(-10, 10) then zero |x| < 5 */
  ps_init_apply (custom, w0, -1, &rng, &error);
  for (int i = 0; i < 12; i++)
    g_assert_true (ps_param_get_data (w0)->data[i] == 0.f || fabsf (ps_param_get_data (w0)->data[i]) >= 5.f);
  /* param.data += 1 for biases */
  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      if (strstr (p->name, "bias"))
        for (int64_t k = 0; k < ps_param_get_data (p->param)->numel; k++)
          ps_param_get_data (p->param)->data[k] += 1;
    }
  g_assert_cmpfloat (weight (net, "0.bias")->data[2], ==, 1.f);
  g_assert_cmpfloat (weight (net, "2.bias")->data[0], ==, 1.f);
}

/* 001, 4.2.4: Sequential(linear, linear) with weight 3: y = 9, grad 6 */
static void
test_cell_tied_1x1 (void)
{
  static const char *cell =
    "linear = nn.Linear(1, 1, bias=False)\n"
    "net = nn.Sequential(linear, linear)\n"
    "print(net)\n";
  static const char *printed =
    "Sequential(\n"
    "  (0): Linear(in_features=1, out_features=1, bias=False)\n"
    "  (1): Linear(in_features=1, out_features=1, bias=False)\n"
    ")";
  PsRng rng;
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = ps_tensor_new_2d (1, 1);
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GPtrArray) np = NULL, sd = NULL;
  g_autofree char *text = NULL;
  g_autoptr (PsInitScheme) three = scheme ("constant(val=3)");
  const PsTensor *y;
  double loss;

  ps_rng_seed (&rng, 0);
  net = parse (cell, &rng);
  text = ps_module_repr (net);
  g_assert_cmpstr (text, ==, printed);
  np = ps_module_named_parameters (net);
  g_assert_cmpuint (np->len, ==, 1);                          /* only 0.weight */
  g_assert_cmpstr (((PsNamedParam *) np->pdata[0])->name, ==, "0.weight");
  sd = ps_module_state_dict (net);
  g_assert_cmpuint (sd->len, ==, 2);                          /* 0.weight and 1.weight */
  g_assert_true (ps_module_index (net, 0, NULL) == ps_module_index (net, 1, NULL));
  g_assert_true (ps_module_find_param (net, "0.weight") == ps_module_find_param (net, "1.weight"));
  g_assert_cmpint (ps_init_apply_pattern (net, "*", three, &rng, &error), ==, 1);
  x->data[0] = 1;                                             /* torch.ones(1, 1) */
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_cmpfloat (y->data[0], ==, 9.f);
  g_assert_cmpfloat (loss, ==, 9.0);
  g_assert_cmpfloat (ps_param_get_grad (ps_module_find_param (net, "0.weight"))->data[0], ==, 6.f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/lesson/000/forward", test_cell_forward);
  g_test_add_func ("/lesson/000/access", test_cell_access);
  g_test_add_data_func ("/lesson/000/rgnet", " ", test_cell_rgnet);
  g_test_add_data_func ("/lesson/002/rgnet", "", test_cell_rgnet);
  g_test_add_func ("/lesson/000/init", test_cell_init);
  g_test_add_func ("/lesson/000/shared", test_cell_shared);
  g_test_add_func ("/lesson/000/lazy", test_cell_lazy);
  g_test_add_func ("/lesson/001/access-init", test_cells_001);
  g_test_add_func ("/lesson/001/tied-1x1", test_cell_tied_1x1);
  return g_test_run ();
}
