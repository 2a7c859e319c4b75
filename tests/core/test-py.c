/* test-py — ParamScope's Python: reprs as CPython writes them, errors with
 * their place, the sandbox and the budgets (tests/corpus/notebooks: each
 * hostile program's first line says the exception it must end with)
 */
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "ps-array.h"
#include "ps-model-file.h"
#include "ps-py.h"
#include "ps-block.h"
#include "ps-tape.h"
#include "ps-test-util.h"

static void
collect (const char *text, gsize len, gpointer data)
{
  g_string_append_len (data, text, len);
}

/* run src, return what it printed; *err receives the error (or NULL) */
static char *
run (PsPy *py, const char *src, char **result, PsPyError **err)
{
  GString *out = g_string_new (NULL);
  ps_py_set_output (py, collect, out);
  PsPyError *e = NULL;
  gboolean ok = ps_py_run (py, src, -1, "<cell 1>", result, &e);
  g_assert_true (ok == (e == NULL));
  if (err)
    *err = e;
  else
    {
      if (e)
        g_test_message ("%s: %s", e->ename, e->evalue);
      g_assert_null (e);
    }
  ps_py_set_output (py, NULL, NULL);
  return g_string_free (out, FALSE);
}

static void
assert_prints (const char *src, const char *want)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *got = run (py, src, NULL, NULL);
  g_assert_cmpstr (got, ==, want);
}

/* float repr: the shortest text that reads back the same, Python's layout */
static void
test_float_repr (void)
{
  assert_prints ("print(0.1, 1e-05, 1e-4, 0.0001, 1e16, 1e15, 1.5e300, 5e-324, -0.0, 2.0**0.5)\n",
                 "0.1 1e-05 0.0001 0.0001 1e+16 1000000000000000.0 1.5e+300 5e-324 -0.0 1.4142135623730951\n");
  assert_prints ("print(float('inf'), float('-inf'), float('nan'), 1/3, 2/3, 100.0, 123456789012345678.0)\n",
                 "inf -inf nan 0.3333333333333333 0.6666666666666666 100.0 1.2345678901234568e+17\n");
  /* every float of a sample reads back the same from its repr */
  g_autoptr (PsPy) py = ps_py_new ();
  g_autoptr (GRand) r = g_rand_new_with_seed (7);
  for (int i = 0; i < 2000; i++)
    {
      double v = ldexp (g_rand_double_range (r, -1, 1), g_rand_int_range (r, -1000, 1000));
      g_autofree char *src = g_strdup_printf ("print(%.17g)\n", v);
      g_autofree char *got = run (py, src, NULL, NULL);
      g_assert_cmpfloat (g_ascii_strtod (got, NULL), ==, v);
      /* and is no longer than %.17g's */
      g_assert_cmpuint (strlen (got), <=, strlen (src) - 6);
    }
}

/* integer matrix products wrap as PyTorch's int64 does, the bias included
   (it once went through double, which cannot hold 2^63 - 1) */
static void
test_int_linear_wraps (void)
{
  assert_prints ("import torch\nimport torch.nn.functional as F\n"
                 "print(F.linear(torch.tensor([[3]]), torch.tensor([[2**62]]), torch.tensor([-9223372036854775807 - 1])))\n"
                 "print(F.linear(torch.tensor([[1], [2]]), torch.tensor([[2**62], [1]]), torch.tensor([2**62, 9223372036854775807])))\n",
                 /* PyTorch 1.13's output */
                 "tensor([[4611686018427387904]])\n"
                 "tensor([[-9223372036854775808, -9223372036854775808],\n"
                 "        [-4611686018427387904, -9223372036854775807]])\n");
}

static void
test_str_repr (void)
{
  assert_prints ("print(repr('a'), repr(\"it's\"), repr('say \"x\"'), repr('both \\' \"'), repr('\\n\\t\\x01'))\n",
                 "'a' \"it's\" 'say \"x\"' 'both \\' \"' '\\n\\t\\x01'\n");
  assert_prints ("print(['中文', 'é'], ('x',), {'k': None}, [True, 1.0, 2])\n",
                 "['中文', 'é'] ('x',) {'k': None} [True, 1.0, 2]\n");
}

static void
test_pretty (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *result = NULL;
  g_autofree char *out = run (py, "(list(range(3)), 'x' * 75)", &result, NULL);
  g_autofree char *xs = g_strnfill (75, 'x');
  g_autofree char *want = g_strdup_printf ("([0, 1, 2],\n '%s')", xs);
  g_assert_cmpstr (result, ==, want);
  g_clear_pointer (&result, g_free);
  g_free (run (py, "class M:\n    pass\nM", &result, NULL));
  g_assert_cmpstr (result, ==, "__main__.M");
  g_clear_pointer (&result, g_free);
  g_free (run (py, "x = 1", &result, NULL));
  g_assert_null (result);
  g_free (run (py, "None", &result, NULL));
  g_assert_null (result);
}

/* the place of an error: innermost expression, file:line:col, each frame */
static void
test_error_place (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  PsPyError *e = NULL;
  g_free (run (py, "def f(x):\n    return x[3]\n\ny = [1]\nf(y)\n", NULL, &e));
  g_assert_nonnull (e);
  g_assert_cmpstr (e->ename, ==, "IndexError");
  g_assert_cmpstr (e->evalue, ==, "list index out of range");
  g_assert_cmpint (e->line, ==, 2);
  g_assert_cmpint (e->col, ==, 12);
  g_autofree char *tb = ps_py_error_format (e);
  g_assert_nonnull (strstr (tb, "<cell 1>:5:1 in <module>\n    f(y)\n    ^\n"));
  g_assert_nonnull (strstr (tb, "<cell 1>:2:12 in f\n    return x[3]\n           ^\n"));
  g_assert_true (g_str_has_suffix (tb, "IndexError: list index out of range\n"));
  ps_py_error_free (e);
  /* a syntax error names the line and column of the file */
  g_free (run (py, "x = 1\nif x\n    pass\n", NULL, &e));
  g_assert_cmpstr (e->ename, ==, "SyntaxError");
  g_assert_cmpstr (e->evalue, ==, "expected ':' (<cell 1>, line 2)");
  g_assert_cmpint (e->col, ==, 5);
  ps_py_error_free (e);
  /* a stray closing bracket in an f-string's expression: CPython's words
     (it once wrote before the lexer's bracket stack) */
  g_free (run (py, "x = 1\nprint(f\"{x)}\")\n", NULL, &e));
  g_assert_cmpstr (e->ename, ==, "SyntaxError");
  g_assert_cmpstr (e->evalue, ==, "f-string: unmatched ')' (<cell 1>, line 2)");
  ps_py_error_free (e);
  g_free (run (py, "print(f\"{x)(}\")\n", NULL, &e));
  g_assert_cmpstr (e->ename, ==, "SyntaxError");
  g_assert_true (g_str_has_prefix (e->evalue, "f-string: unmatched ')'"));
  ps_py_error_free (e);
  /* what ran before an error stays done */
  g_free (run (py, "a = 1\nb = a / 0\n", NULL, &e));
  ps_py_error_free (e);
  g_autofree char *out = run (py, "print(a)", NULL, NULL);
  g_assert_cmpstr (out, ==, "1\n");
}

static gpointer
interrupt_later (gpointer data)
{
  g_usleep (100000);
  ps_py_interrupt (data);
  return NULL;
}

static void
test_interrupt (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  GThread *t = g_thread_new ("stop", interrupt_later, py);
  PsPyError *e = NULL;
  g_free (run (py, "n = 0\nwhile True:\n    n += 1\n", NULL, &e));
  g_thread_join (t);
  g_assert_nonnull (e);
  g_assert_cmpstr (e->ename, ==, "KeyboardInterrupt");
  ps_py_error_free (e);
  /* the namespace survives: n counted */
  g_autofree char *out = run (py, "print(n > 0)", NULL, NULL);
  g_assert_cmpstr (out, ==, "True\n");
}

/* budgets cannot be caught by the code they stop */
static void
test_budget_uncatchable (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  ps_py_set_timeout (py, 0.2);
  PsPyError *e = NULL;
  g_free (run (py, "while True:\n    try:\n        while True:\n            pass\n    except Exception:\n        pass\n",
               NULL, &e));
  g_assert_cmpstr (e->ename, ==, "TimeoutError");
  ps_py_error_free (e);
}

/* the network a program built, for the window */
static void
test_find_model (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run (py, "from torch import nn\nhidden = nn.Linear(3, 4)\nnet = nn.Sequential(hidden, nn.ReLU())\n"
               "other = nn.Linear(1, 1)\nx = 3\n", NULL, NULL));
  g_autofree char *name = NULL;
  g_autoptr (PsModule) m = ps_py_find_model (py, &name);
  g_assert_nonnull (m);
  g_assert_cmpstr (name, ==, "net");
  g_assert_cmpuint (ps_module_get_n_children (m), ==, 2);
  /* the same parameters as the code's: a change from code is seen through m */
  g_free (run (py, "hidden.weight.data[0, 0] = 42\n", NULL, NULL));
  PsTensor *w = ps_param_get_data (ps_module_get_param (ps_module_get_child (m, 0), 0));
  g_assert_cmpfloat (w->data[0], ==, 42.0f);
  g_autoptr (PsPy) py2 = ps_py_new ();
  g_free (run (py2, "import torch\nfrom torch import nn\na = nn.Linear(1, 2)\nb = nn.Tanh()\n", NULL, NULL));
  g_autofree char *name2 = NULL;
  g_autoptr (PsModule) m2 = ps_py_find_model (py2, &name2);
  g_assert_cmpstr (name2, ==, "b");
}

/* a class defined in code is a module of the core: its children and
 * Parameters under PyTorch's names, the same parameters as the code's, and
 * its forward() recorded so that the tape runs it (the window's Forward) */
static void
test_find_model_class (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run (py, "import torch\nfrom torch import nn\nfrom torch.nn import functional as F\n"
               "class Res(nn.Module):\n"
               "    def __init__(self, c):\n"
               "        super().__init__()\n"
               "        self.scale = nn.Parameter(torch.ones(c))\n"
               "        self.conv = nn.Conv2d(c, c, 3, padding=1)\n"
               "        self.bn = nn.BatchNorm2d(c)\n"
               "    def forward(self, X):\n"
               "        return F.relu(self.bn(self.conv(X)) + X)\n"
               "net = nn.Sequential(Res(2), nn.Flatten(), nn.Linear(18, 3))\n", NULL, NULL));
  g_autofree char *name = NULL;
  g_autoptr (PsModule) m = ps_py_find_model (py, &name);
  g_assert_nonnull (m);
  g_assert_cmpstr (name, ==, "net");
  g_autoptr (GPtrArray) ps = ps_module_named_parameters (m);
  static const char *const want[] = { "0.scale", "0.conv.weight", "0.conv.bias", "0.bn.weight",
                                      "0.bn.bias", "2.weight", "2.bias" };
  g_assert_cmpuint (ps->len, ==, G_N_ELEMENTS (want));
  for (guint i = 0; i < ps->len; i++)
    g_assert_cmpstr (((PsNamedParam *) ps->pdata[i])->name, ==, want[i]);
  PsModule *res = ps_module_get_child (m, 0);
  g_assert_cmpstr (ps_module_get_type_name (res), ==, "Res");
  g_assert_nonnull (ps_module_get_program (res));
  g_free (run (py, "net[0].conv.weight.data[0, 0, 0, 0] = 42\n", NULL, NULL));
  g_assert_cmpfloat (ps_param_get_data (ps_module_find_param (m, "0.conv.weight"))->data[0], ==, 42.0f);

  /* the tape runs it: relu(bn(conv(x)) + x), flattened, through the Linear */
  PsRng rng;
  ps_rng_seed (&rng, 3);
  g_autoptr (PsTape) tape = ps_tape_new (m, &rng);
  int64_t shape[4] = { 2, 2, 3, 3 };
  g_autoptr (PsTensor) x = ps_tensor_new (4, shape);
  for (int64_t i = 0; i < x->numel; i++)
    x->data[i] = (float) ps_rng_normal (&rng);
  GError *error = NULL;
  const PsTensor *y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 2);
  g_assert_cmpint (y->shape[1], ==, 3);
  double loss;
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_no_error (error);
  g_assert_nonnull (ps_param_get_grad (ps_module_find_param (m, "0.conv.weight")));
}

/* d2l's LeNet written as a class (torch.sigmoid between the layers, a
 * reshape to (batch, -1)): recorded for the tape, whose forward gives what
 * the code computed eagerly (the same kernels, up to a rounding). */
static void
test_find_model_lenet_class (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *out = run (py, "import torch\nfrom torch import nn\n"
    "class LeNet(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.conv1 = nn.Conv2d(1, 6, kernel_size=5, padding=2)\n"
    "        self.pool = nn.AvgPool2d(kernel_size=2, stride=2)\n"
    "        self.conv2 = nn.Conv2d(6, 16, kernel_size=5)\n"
    "        self.fc1 = nn.Linear(16 * 5 * 5, 120)\n"
    "        self.fc2 = nn.Linear(120, 10)\n"
    "    def forward(self, x):\n"
    "        x = self.pool(torch.sigmoid(self.conv1(x)))\n"
    "        x = self.pool(self.conv2(x).tanh())\n"
    "        x = x.reshape(x.shape[0], -1)\n"
    "        return self.fc2(torch.sigmoid(self.fc1(x)))\n"
    "net = LeNet()\n"
    "X = torch.arange(2 * 784.).reshape(2, 1, 28, 28) / 1568\n"
    "print(net(X).tolist())\n", NULL, NULL);
  g_autofree char *name = NULL;
  g_autoptr (PsModule) m = ps_py_find_model (py, &name);
  g_assert_nonnull (m);
  g_assert_nonnull (ps_module_get_program (m));
  PsRng rng;
  ps_rng_seed (&rng, 1);
  g_autoptr (PsTape) tape = ps_tape_new (m, &rng);
  int64_t shape[4] = { 2, 1, 28, 28 };
  g_autoptr (PsTensor) x = ps_tensor_new (4, shape);
  for (int64_t i = 0; i < x->numel; i++)
    x->data[i] = (float) i / 1568.f;
  g_autoptr (GError) error = NULL;
  const PsTensor *y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->numel, ==, 20);
  const char *p = out;
  for (int64_t i = 0; i < y->numel; i++)
    {
      p += strspn (p, "[], ");
      char *end = NULL;
      double v = g_ascii_strtod (p, &end);
      g_assert_true (end != p);
      g_assert_cmpfloat_with_epsilon (y->data[i], v, 1e-5);
      p = end;
    }
  double loss;
  g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error));
  g_assert_no_error (error);
  g_assert_nonnull (ps_param_get_grad (ps_module_find_param (m, "conv1.weight")));
}

/* A class whose forward() the recorder cannot take: the code runs it (eager,
 * its layers through their kernels); the window's tape refuses it with a
 * message that names the class, the cell, the line and what stopped it,
 * rather than skipping the class. */
static void
test_find_model_unrecorded (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *out = run (py, "import torch\nfrom torch import nn\n"
                              "class Odd(nn.Module):\n"
                              "    def __init__(self):\n"
                              "        super().__init__()\n"
                              "        self.conv = nn.Conv2d(1, 2, 3)\n"
                              "    def forward(self, X):\n"
                              "        return torch.sigmoid(self.conv(X)).abs()\n"
                              "net = Odd()\n"
                              "print(net(torch.ones(1, 1, 3, 3)).shape)\n", NULL, NULL);
  g_assert_cmpstr (out, ==, "torch.Size([1, 2, 1, 1])\n");
  g_autofree char *name = NULL;
  g_autoptr (PsModule) m = ps_py_find_model (py, &name);
  g_assert_nonnull (m);
  g_assert_null (ps_module_get_program (m));
  g_assert_nonnull (ps_module_get_program_error (m));
  g_autoptr (PsTape) tape = ps_tape_new (m, NULL);
  int64_t shape[4] = { 1, 1, 3, 3 };
  g_autoptr (PsTensor) x = ps_tensor_new (4, shape);
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_tape_forward (tape, x, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "Odd.forward() cannot be recorded for the tape: "
                            "<cell 1>:8:16: "));
  g_assert_nonnull (strstr (error->message, "the tensor attribute .abs is not supported"));
}

/* values printed as a Python list, in order */
static void
assert_printed_values (const char **p, const float *v, int64_t n, double tol)
{
  for (int64_t i = 0; i < n; i++)
    {
      char *end = NULL;
      double want;
      *p += strspn (*p, "[], \n");
      want = g_ascii_strtod (*p, &end);
      g_assert_true (end != *p);
      g_assert_cmpfloat_with_epsilon (v[i], want, tol);
      *p = end;
    }
}

/* The loss the recorded-state test takes: sum(out * (k / 30)) */
static double
weighted_sum (const PsTensor *y)
{
  double l = 0;
  for (int64_t k = 0; k < y->numel; k++)
    l += (double) y->data[k] * (double) k / 30.;
  return l;
}

/* A recorded forward() that passes recurrent layers their initial state:
 * an LSTM's (h0, c0) learned (parameters), a GRU's zeros made from the
 * input's batch size (X.shape[1], X.size(1)), the steps flattened with
 * reshape(-1, Z.shape[-1]).  The tape's output and its gradients of h0 and c0
 * are the interpreter's eager ones (PyTorch's kernels: the oracle fixtures
 * d2l_rnn and rnn_state check them against PyTorch) and central differences
 * of the tape's own loss. */
static void
test_recorded_rnn_state (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *out = run (py, "import torch\nfrom torch import nn\n"
    "class M(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.h0 = nn.Parameter(torch.randn(1, 2, 3))\n"
    "        self.c0 = nn.Parameter(torch.randn(1, 2, 3))\n"
    "        self.lstm = nn.LSTM(4, 3)\n"
    "        self.gru = nn.GRU(3, 5, num_layers=2)\n"
    "    def forward(self, X):\n"
    "        Y, (h, c) = self.lstm(X, (self.h0, self.c0))\n"
    "        Z, _ = self.gru(Y, torch.zeros((2, X.size(1), 5), dtype=torch.float32))\n"
    "        return Z.reshape(-1, Z.shape[-1])\n"
    "net = M()\n"
    "X = torch.arange(24.).reshape(3, 2, 4) / 24\n"
    "Y = net(X)\n"
    "(Y * (torch.arange(30.).reshape(6, 5) / 30)).sum().backward()\n"
    "print(Y.tolist(), net.h0.grad.tolist(), net.c0.grad.tolist())\n", NULL, NULL);
  g_autoptr (PsModule) m = ps_py_find_model (py, NULL);
  g_autoptr (GError) error = NULL;
  int64_t shape[3] = { 3, 2, 4 };
  g_autoptr (PsTensor) x = ps_tensor_new (3, shape);
  g_autoptr (PsTensor) dy = NULL;
  PsParam *state[2];
  const PsTensor *y;
  const char *p = out;

  g_assert_nonnull (m);
  g_assert_nonnull (ps_module_get_program (m));
  state[0] = ps_module_find_param (m, "h0");
  state[1] = ps_module_find_param (m, "c0");
  for (int k = 0; k < 2; k++)
    ps_param_zero_grad (state[k], TRUE);
  for (int64_t i = 0; i < x->numel; i++)
    x->data[i] = (float) i / 24.f;
  g_autoptr (PsTape) tape = ps_tape_new (m, NULL);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 2);
  g_assert_cmpint (y->shape[0], ==, 6);
  g_assert_cmpint (y->shape[1], ==, 5);
  assert_printed_values (&p, y->data, y->numel, 1e-6);
  dy = ps_tensor_new (2, y->shape);
  for (int64_t k = 0; k < dy->numel; k++)
    dy->data[k] = (float) k / 30.f;
  g_assert_true (ps_tape_backward (tape, dy, &error));
  g_assert_no_error (error);
  for (int k = 0; k < 2; k++)
    {
      PsTensor *g = ps_param_get_grad (state[k]);
      PsTensor *v = ps_param_get_data (state[k]);
      g_assert_nonnull (g);
      assert_printed_values (&p, g->data, g->numel, 1e-6);
      /* central differences of the tape's loss (float32: eps 1e-2, the
       * difference's rounding about 1e-5 of the loss) */
      for (int64_t i = 0; i < v->numel; i++)
        {
          const float eps = 1e-2f, keep = v->data[i];
          double up, down;
          v->data[i] = keep + eps;
          up = weighted_sum (ps_tape_forward (tape, x, &error));
          v->data[i] = keep - eps;
          down = weighted_sum (ps_tape_forward (tape, x, &error));
          v->data[i] = keep;
          g_assert_no_error (error);
          g_assert_cmpfloat_with_epsilon (g->data[i], (up - down) / (2. * eps), 2e-3);
        }
    }
}

/* A recorded initial state that does not fit, or that the tape cannot
 * make: PyTorch's words with the layer's path at forward (nothing changed),
 * or a build error naming the line */
static void
test_recorded_rnn_state_errors (void)
{
  static const char head[] = "import torch\nfrom torch import nn\n"
    "class M(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.gru = nn.GRU(4, 3)\n"
    "        self.rnn = nn.RNN(3, 3)\n"
    "    def forward(self, X):\n";
  static const struct
  {
    const char *body, *at_forward, *at_build;
  } cases[] = {
    /* batch_first=False: the batch is X.shape[1], not X.shape[0] */
    { "        Y, _ = self.gru(X, torch.zeros(1, X.shape[0], 3))\n        return Y\n",
      "gru: Expected hidden size (1, 2, 3), got [1, 3, 3]", NULL },
    { "        Y, _ = self.gru(X, torch.zeros(1, X.shape[5], 3))\n        return Y\n",
      "(model): tuple index out of range (shape[5] of a tensor of shape [3, 2, 4])", NULL },
    { "        Y, h = self.gru(X)\n        Z, _ = self.rnn(Y, h)\n        return Z\n",
      NULL, "state.py:10:16: an initial state that is another recurrent call's final state is "
      "not supported" },
    { "        Y, _ = self.gru(X, torch.zeros(1, X.shape[1] + 1, 3))\n        return Y\n",
      NULL, "state.py:9:43: arithmetic on a size read from a tensor's shape is not supported" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *text = g_strconcat (head, cases[i].body, "net = M()\n", NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_py_build_model (text, -1, "state.py", 0, NULL, &error);
      int64_t shape[3] = { 3, 2, 4 };
      g_autoptr (PsTensor) x = ps_tensor_new (3, shape);

      if (cases[i].at_build)
        {
          g_assert_null (m);
          g_assert_nonnull (error);
          g_test_message ("%s", error->message);
          g_assert_true (g_str_has_prefix (error->message, "state.py:"));
          g_assert_nonnull (strstr (error->message, cases[i].at_build));
          continue;
        }
      g_assert_no_error (error);
      g_autoptr (PsTape) tape = ps_tape_new (m, NULL);
      g_assert_null (ps_tape_forward (tape, x, &error));
      g_assert_nonnull (error);
      g_test_message ("%s", error->message);
      g_assert_cmpstr (error->message, ==, cases[i].at_forward);
      g_assert_null (ps_param_get_grad (ps_module_find_param (m, "gru.weight_ih_l0")));
    }
}

/* What a model is, for comparing two readings: its print, each state_dict
 * entry's name and bits, and the generator's next draws. */
static char *
model_digest (PsModule *m, PsRng *rng)
{
  GString *g = g_string_new (NULL);
  g_autofree char *r = ps_module_repr (m);
  g_autoptr (GPtrArray) ps = ps_module_state_dict (m);
  g_string_append (g, r);
  for (guint i = 0; i < ps->len; i++)
    {
      PsNamedParam *np = ps->pdata[i];
      PsTensor *t = ps_param_get_data (np->param);
      guint32 h = 2166136261u;
      for (int64_t k = 0; t && k < t->numel; k++)
        {
          guint32 b;
          memcpy (&b, &t->data[k], 4);
          h = (h ^ b) * 16777619u;
        }
      g_string_append_printf (g, "\n%s %s%08x", np->name, t ? "" : "uninitialized ", h);
    }
  g_string_append_printf (g, "\nnext draws %u %.17g", ps_rng_u32 (rng), ps_rng_normal (rng));
  return g_string_free (g, FALSE);
}

/* Model files without a class are read by the model-file reader; the
 * interpreter builds every one of the fixtures' and the examples' the same:
 * the same print, names, parameter bits (PyTorch's default initialization)
 * and the generator left at the same draw. */
static void
test_model_files_same (void)
{
  g_autofree char *data = g_build_filename (g_getenv ("PS_FIXTURES"), "..", "..", "data", "models", NULL);
  g_autofree char *fixtures = g_build_filename (g_getenv ("PS_FIXTURES"), "models", NULL);
  const char *dirs[] = { fixtures, data };
  guint compared = 0;

  for (guint d = 0; d < G_N_ELEMENTS (dirs); d++)
    {
      g_autoptr (GDir) dir = g_dir_open (dirs[d], 0, NULL);
      const char *n;
      g_assert_nonnull (dir);
      while ((n = g_dir_read_name (dir)))
        {
          g_autofree char *path = g_build_filename (dirs[d], n, NULL);
          g_autofree char *text = NULL, *n1 = NULL, *n2 = NULL;
          gsize len;
          PsRng r1, r2;
          g_autoptr (GError) e1 = NULL, e2 = NULL;
          if (!g_str_has_suffix (n, ".py") || !g_file_get_contents (path, &text, &len, NULL)
              || ps_py_text_defines_class (text, len) || ps_py_text_uses_keras (text, len)
              || ps_model_text_is_repr (text, len))
            continue;
          ps_rng_seed (&r1, 0);
          ps_rng_seed (&r2, 0);
          g_autoptr (PsModule) m1 = ps_model_parse (text, len, n, &r1, &n1, &e1);
          g_autoptr (PsModule) m2 = ps_py_build_model_rng (text, len, n, &r2, &n2, &e2);
          if (!m1)
            continue;      /* a sample that is not a model (printouts.py) */
          g_test_message ("%s", n);
          g_assert_no_error (e2);
          g_assert_cmpstr (n1, ==, n2);
          g_autofree char *d1 = model_digest (m1, &r1);
          g_autofree char *d2 = model_digest (m2, &r2);
          g_assert_cmpstr (d1, ==, d2);
          compared++;
        }
    }
  g_assert_cmpuint (compared, >=, 30);
}

/* every hostile program ends with the exception its first line names */
static void
test_hostile (gconstpointer data)
{
  const char *path = data;
  g_autofree char *src = NULL;
  gsize len;
  g_assert_true (g_file_get_contents (path, &src, &len, NULL));
  g_assert_true (g_str_has_prefix (src, "# expect: "));
  g_autofree char *want = g_strndup (src + 10, strcspn (src + 10, "\n"));
  g_autoptr (PsPy) py = ps_py_new ();
  /* a short budget where the budget is the point, a generous one elsewhere
   * (a loaded machine must not turn another error into a timeout) */
  ps_py_set_timeout (py, g_str_has_prefix (want, "TimeoutError") ? 0.3 : 30);
  ps_py_set_memory_cap (py, 64 << 20);
  GString *out = g_string_new (NULL);
  ps_py_set_output (py, collect, out);
  PsPyError *e = NULL;
  g_assert_false (ps_py_run (py, src, len, "<cell 1>", NULL, &e));
  g_autofree char *got = g_strdup_printf ("%s: %s", e->ename, e->evalue);
  g_test_message ("%s", got);
  g_assert_true (g_str_has_prefix (got, want));
  /* nothing was printed by a program that reached outside */
  g_assert_null (strstr (out->str, "pwned"));
  g_string_free (out, TRUE);
  ps_py_error_free (e);
}

/* A network bound from outside is the same PsModule; completion offers
 * names, attributes and a module's children without calling anything. */
static void
test_bind_complete (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *out = NULL, *name = NULL;
  g_autoptr (PsModule) m = NULL;
  g_auto (GStrv) c1 = NULL, c2 = NULL, c3 = NULL, c4 = NULL;
  gsize start = 0;

  out = run (py, "import torch\nfrom torch import nn\n"
             "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())\n", NULL, NULL);
  m = ps_py_find_model (py, &name);
  g_assert_nonnull (m);
  ps_py_bind_module (py, "other", m);
  g_free (run (py, "other[0].weight.data[0, 1] = 42\n", NULL, NULL));
  {
    PsParam *w = ps_module_get_param (ps_module_get_child (m, 0), 0);
    g_assert_cmpfloat (ps_param_get_data (w)->data[1], ==, 42);
  }
  c1 = ps_py_complete (py, "x = net[0].we", &start);
  g_assert_cmpuint (start, ==, 11);
  g_assert_cmpstrv (c1, ((const char *[]) { "weight", NULL }));
  c2 = ps_py_complete (py, "print(ot", &start);
  g_assert_cmpuint (start, ==, 6);
  g_assert_cmpstrv (c2, ((const char *[]) { "other", NULL }));
  c3 = ps_py_complete (py, "torch.manual_s", &start);
  g_assert_cmpstrv (c3, ((const char *[]) { "manual_seed", NULL }));
  c4 = ps_py_complete (py, "nothing_here.x", &start);
  g_assert_cmpstrv (c4, ((const char *[]) { NULL }));
}

/* A network of classes beyond torch.nn's built-in few (a loaded file's, a
 * Keras model's: containers and layers of any name) bound for the window: each
 * module is an object of its own class name (binding read past the table of
 * built-in classes, an AddressSanitizer report on opening keras_shared.py). */
static void
test_bind_other_classes (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autoptr (PsModule) m = ps_module_new_container ("Model");
  g_autofree char *out = NULL;
  GError *e = NULL;

  g_assert_true (ps_module_append (m, "conv", ps_module_new_layer ("Conv2d"), &e));
  g_assert_true (ps_module_append (m, "block", ps_module_new_container ("BasicBlock"), &e));
  g_assert_true (ps_module_append (m, "fc", ps_module_new_linear (2, 3, TRUE, NULL), &e));
  ps_py_bind_module (py, "net", m);
  out = run (py, "import torch\n"
             "print(type(net).__name__, type(net.conv).__name__, type(net.block).__name__,"
             " type(net.fc).__name__)\n"
             "print(isinstance(net.conv, torch.nn.Module), type(net.conv) is type(net.conv))\n",
             NULL, NULL);
  g_assert_cmpstr (out, ==, "Model Conv2d BasicBlock Linear\nTrue True\n");
}

static int
by_name (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  /* tensors made by code: a small cap keeps the hostile ones quick */
  ps_array_set_memory_cap (256 << 20);
  g_test_add_func ("/py/float-repr", test_float_repr);
  g_test_add_func ("/py/int-linear-wraps", test_int_linear_wraps);
  g_test_add_func ("/py/str-repr", test_str_repr);
  g_test_add_func ("/py/pretty", test_pretty);
  g_test_add_func ("/py/error-place", test_error_place);
  g_test_add_func ("/py/interrupt", test_interrupt);
  g_test_add_func ("/py/find-model-class", test_find_model_class);
  g_test_add_func ("/py/find-model-unrecorded", test_find_model_unrecorded);
  g_test_add_func ("/py/recorded-rnn-state", test_recorded_rnn_state);
  g_test_add_func ("/py/recorded-rnn-state-errors", test_recorded_rnn_state_errors);
  g_test_add_func ("/py/find-model-lenet-class", test_find_model_lenet_class);
  g_test_add_func ("/py/model-files-same", test_model_files_same);
  g_test_add_func ("/py/budget-uncatchable", test_budget_uncatchable);
  g_test_add_func ("/py/find-model", test_find_model);
  g_test_add_func ("/py/bind-complete", test_bind_complete);
  g_test_add_func ("/py/bind-other-classes", test_bind_other_classes);
  g_autofree char *dir = g_build_filename (g_getenv ("PS_CORPUS"), "notebooks", NULL);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  GPtrArray *names = g_ptr_array_new_with_free_func (g_free);
  const char *n;
  while ((n = g_dir_read_name (d)))
    if (g_str_has_suffix (n, ".py"))
      g_ptr_array_add (names, g_strdup (n));
  g_ptr_array_sort (names, by_name);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *test = g_strdup_printf ("/py/hostile/%s", (char *) names->pdata[i]);
      g_test_add_data_func_full (test, g_build_filename (dir, names->pdata[i], NULL), test_hostile,
                                 g_free);
    }
  int r = g_test_run ();
  g_ptr_array_unref (names);
  return r;
}
