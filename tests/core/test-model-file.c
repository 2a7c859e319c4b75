/* test-model-file.c — the model-file language: what it accepts and builds.
 * (Malformed files and their messages are in test-corpus.c.) */
#include "ps-test-util.h"
#include "py/ps-py.h"

#include <string.h>

static PsModule *
parse_named (const char *text, char **name)
{
  GError *error = NULL;
  PsRng rng;
  PsModule *m;
  ps_rng_seed (&rng, 0);
  m = ps_model_parse (text, -1, "m.py", &rng, name, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static PsModule *
parse (const char *text)
{
  return parse_named (text, NULL);
}

static void
assert_repr (PsModule *m, const char *want)
{
  g_autofree char *got = ps_module_repr (m);
  g_assert_cmpstr (got, ==, want);
}

static void
assert_error (const char *text, const char *substring)
{
  GError *error = NULL;
  PsModule *m = ps_model_parse (text, -1, "m.py", NULL, NULL, &error);
  g_assert_null (m);
  g_assert_error (error, PS_ERROR, PS_ERROR_PARSE);
  if (strstr (error->message, substring) == NULL)
    g_error ("expected \"%s\" in \"%s\"", substring, error->message);
  g_error_free (error);
}

static void
test_prefix_optional (void)
{
  g_autoptr (PsModule) a = parse ("import torch\nfrom torch import nn\nnet = nn.Sequential(nn.Linear(2, 3), nn.ReLU())");
  g_autoptr (PsModule) b = parse ("from torch.nn import *\nnet = Sequential(Linear(2, 3), ReLU())");
  g_autoptr (PsModule) c = parse ("import torch\nnet = torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.ReLU())");
  g_autofree char *ra = ps_module_repr (a), *rb = ps_module_repr (b), *rc = ps_module_repr (c);
  g_assert_cmpstr (ra, ==, rb);
  g_assert_cmpstr (ra, ==, rc);
}

static void
test_arguments (void)
{
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential(\n"
    "    nn.Linear(in_features=2 * 3, out_features=8 // 2, bias=False),  # keywords, arithmetic\n"
    "    nn.LeakyReLU(negative_slope=0.2), nn.LeakyReLU(1), nn.LeakyReLU(1e-5, True),\n"
    "    nn.GELU(approximate='tanh'), nn.ReLU(inplace=True), nn.Flatten(0, -1),\n"
    "    nn.Identity(54, unused_argument=0.1),\n"
    "    nn.LazyLinear(out_features=3, bias=False, device=None, dtype=torch.float32),\n"
    ")\n");
  assert_repr (m,
    "Sequential(\n"
    "  (0): Linear(in_features=6, out_features=4, bias=False)\n"
    "  (1): LeakyReLU(negative_slope=0.2)\n"
    "  (2): LeakyReLU(negative_slope=1)\n"
    "  (3): LeakyReLU(negative_slope=1e-05, inplace=True)\n"
    "  (4): GELU(approximate='tanh')\n"
    "  (5): ReLU(inplace=True)\n"
    "  (6): Flatten(start_dim=0, end_dim=-1)\n"
    "  (7): Identity()\n"
    "  (8): LazyLinear(in_features=0, out_features=3, bias=False)\n"
    ")");
}

static void
test_functions_loops (void)
{
  char *name = NULL;
  g_autoptr (PsModule) m = parse_named (
    "def layer(n_in, n_out):\n"
    "    return nn.Sequential(nn.Linear(n_in, n_out), nn.Tanh())\n"
    "\n"
    "def tower(width, depth):\n"
    "    t = nn.Sequential()\n"
    "    for i in range(1, depth + 1):\n"
    "        t.add_module(f'stage {i} of {depth}', layer(width, width))\n"
    "    for j in [0, 1]:\n"
    "        pass\n"
    "    return t\n"
    "\n"
    "model = nn.Sequential(layer(3, 4), tower(4, 2), nn.Linear(4, 1))\n", &name);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  g_assert_cmpstr (name, ==, "model");
  g_free (name);
  g_assert_cmpuint (sd->len, ==, 8);
  g_assert_cmpstr (((PsNamedParam *) sd->pdata[2])->name, ==, "1.stage 1 of 2.0.weight");
  /* each call builds fresh modules */
  g_assert_false (ps_module_find_param (m, "1.stage 1 of 2.0.weight")
                  == ps_module_find_param (m, "1.stage 2 of 2.0.weight"));
}

static void
test_add_module_replaces (void)
{
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential()\n"
    "net.add_module('a', nn.Linear(2, 2))\n"
    "net.add_module('b', nn.ReLU())\n"
    "net.add_module('a', nn.Linear(2, 5))   # same name: replaced in place\n"
    "net.append(nn.Sigmoid())\n");
  assert_repr (m,
    "Sequential(\n"
    "  (a): Linear(in_features=2, out_features=5, bias=True)\n"
    "  (b): ReLU()\n"
    "  (2): Sigmoid()\n"
    ")");
}

/* net.eval() and net.train(mode) set the mode of the module and all under
 * it, as in PyTorch; run and train use it */
static void
test_train_eval (void)
{
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.ReLU(), nn.Linear(2, 1)))\n"
    "net.eval()\n"
    "net[1].train()\n"
    "net[1][1].train(mode=False)\n");
  g_assert_false (ps_module_get_training (m));
  g_assert_false (ps_module_get_training (ps_module_get_child (m, 0)));
  g_assert_true (ps_module_get_training (ps_module_get_child (m, 1)));
  g_assert_true (ps_module_get_training (ps_module_get_child (ps_module_get_child (m, 1), 0)));
  g_assert_false (ps_module_get_training (ps_module_get_child (ps_module_get_child (m, 1), 1)));
  assert_error ("net = nn.Linear(2, 2)\nnet.eval(True)\n", "eval() takes no arguments");
}

static void
test_binding_rules (void)
{
  char *name = NULL;
  g_autoptr (PsModule) a = parse_named ("net = nn.Linear(1, 1)\nother = nn.Linear(2, 2)\n", &name);
  g_autoptr (PsModule) b = NULL;
  g_assert_cmpstr (name, ==, "net");
  g_clear_pointer (&name, g_free);
  /* no net: the last name first bound to a module, in binding order (as globals()) */
  b = parse_named ("a = nn.Linear(1, 1)\nb = nn.Linear(2, 2)\na = nn.Linear(3, 3)\nx = 3\n", &name);
  g_assert_cmpstr (name, ==, "b");
  g_free (name);
  assert_error ("x = 1\n", "no module is bound");
}

static void
test_tie_by_index (void)
{
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential(nn.Linear(3, 3), nn.Sequential(nn.Linear(3, 3), nn.ReLU()), nn.Linear(3, 3))\n"
    "net[-1].weight = net[1][0].weight\n"
    "net[0].bias = net[-1].bias\n");
  g_assert_true (ps_module_find_param (m, "2.weight") == ps_module_find_param (m, "1.0.weight"));
  g_assert_true (ps_module_find_param (m, "0.bias") == ps_module_find_param (m, "2.bias"));
  assert_error ("net = nn.Sequential(nn.Linear(3, 3), nn.Linear(3, 4))\nnet[1].weight = net[0].weight\n",
                "m.py:2:1: cannot tie weight of shape [4, 3] to a parameter of shape [3, 3]");
}

static void
test_lesson_cells_ignored_statements (void)
{
  /* print(...) and net(X) lines of the lesson's cells are accepted */
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n"
    "X = torch.rand(size=(2, 4))\n"
    "net(X)\n"
    "print(net[2].state_dict())\n"
    "print(type(net[2].bias))\n");
  g_assert_nonnull (m);
  assert_error ("net = nn.Sequential(nn.Linear(4, 8))\nX = torch.rand(2, 3)\nnet(X)\n",
                "m.py:3:4: 0: Linear(in_features=4) got input with 3 features");
}

static void
test_index_paths (void)
{
  g_autoptr (PsModule) m = parse (
    "net = nn.Sequential(nn.Sequential(nn.Linear(2, 2), nn.Sequential(nn.Linear(2, 3))), nn.ReLU())\n");
  GError *error = NULL;
  PsParam *p = NULL;
  PsModule *mod;
  g_autofree char *path = ps_module_key_to_index_path (m, "0.1.0.bias", "net");

  g_assert_cmpstr (path, ==, "net[0][1][0].bias");
  mod = ps_module_find_by_index_path (m, path, &p, &error);
  g_assert_no_error (error);
  g_assert_true (p == ps_module_find_param (m, "0.1.0.bias"));
  g_assert_true (mod == ps_module_find_module (m, "0.1.0"));
  g_assert_true (ps_module_find_by_index_path (m, "[-1]", &p, &error) == ps_module_find_module (m, "1"));
  g_assert_null (p);
  g_assert_null (ps_module_find_by_index_path (m, "net[0][5]", &p, &error));
  g_assert_nonnull (strstr (error->message, "index 5 is out of range for a Sequential of 2 modules"));
  g_clear_error (&error);
  g_assert_null (ps_module_find_by_index_path (m, "net[1].weight", &p, &error));
  g_assert_nonnull (strstr (error->message, "ReLU has no parameter \"weight\""));
  g_clear_error (&error);
  g_assert_null (ps_module_find_by_index_path (m, "net[x]", &p, &error));
  g_clear_error (&error);
}

static void
test_continuations (void)
{
  g_autoptr (PsModule) m = parse (
    "# comment\n"
    "net = nn.Sequential(  # open\n"
    "\n"
    "        nn.Linear(1,\n"
    "                  2),   # inside\n"
    "    nn.ReLU(),\n"
    ")\n"
    "x = 1 + \\\n"
    "    2\n");
  g_assert_cmpuint (ps_module_get_n_children (m), ==, 2);
}

static void
test_repr_roundtrip (void)
{
  /* every fixture network: print(net) read back prints the same */
  g_autofree char *tsv_path = ps_test_fixture ("models.tsv");
  g_autofree char *tsv = NULL;
  g_auto (GStrv) lines = NULL;
  GError *error = NULL;
  guint n = 0;

  g_file_get_contents (tsv_path, &tsv, NULL, &error);
  g_assert_no_error (error);
  lines = g_strsplit (tsv, "\n", -1);
  for (guint i = 1; lines[i] && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
      g_autofree char *rel = g_strdup_printf ("models/%s.py", f[0]);
      g_autoptr (PsModule) m = ps_test_load_model (rel, 0);
      g_autofree char *text = ps_module_repr (m);
      g_autoptr (PsModule) back = NULL;
      g_autofree char *again = NULL;
      g_assert_true (ps_model_text_is_repr (text, -1));
      back = ps_model_parse (text, -1, "repr.txt", NULL, NULL, &error);
      g_assert_no_error (error);
      again = ps_module_repr (back);
      g_assert_cmpstr (again, ==, text);
      n++;
    }
  g_assert_cmpuint (n, >=, 15);
}

static void
test_repr_detect (void)
{
  g_assert_true (ps_model_text_is_repr ("\n  # c\nSequential(\n  (0): ReLU()\n)\n", -1));
  g_assert_true (ps_model_text_is_repr ("Linear(in_features=3, out_features=2, bias=True)", -1));
  g_assert_false (ps_model_text_is_repr ("net = Sequential(ReLU())", -1));
  g_assert_false (ps_model_text_is_repr ("import torch\n", -1));
}

static void
test_limits (void)
{
  assert_error ("def f():\n    return f()\nnet = f()\n", "recursive");
  assert_error ("net = nn.Sequential()\nfor i in range(10000000):\n    net.add_module(f'{i}', nn.ReLU())\n",
                "range() is too long");
  assert_error ("net = nn.Linear(100000, 100000)\n", "is too large");
}

/* A model file without classes that uses layers the model-file reader does
 * not build (d2l's LeNet: nn.Conv2d, nn.AvgPool2d) is built by the Python
 * interpreter, as a file with classes is: PyTorch's print, and PyTorch's
 * initial weights under the same seed (torch.manual_seed(0)); and when the
 * reader had drawn numbers for a layer before the one it does not build,
 * the interpreter starts from the same random state. */
static void
test_layers_by_interpreter (void)
{
  g_autofree char *path = ps_test_fixture ("model-files/lenet_d2l.py");
  g_autofree char *print_path = ps_test_fixture ("model-files/lenet_d2l.print.txt");
  g_autofree char *init_path = ps_test_fixture ("model-files/lenet_d2l.init.safetensors");
  g_autofree char *want_print = NULL;
  g_autofree char *got_print = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) init = NULL;
  g_autoptr (PsModule) net = NULL;
  PsRng rng;

  ps_rng_seed (&rng, 0);
  net = ps_model_load_file (path, &rng, NULL, &error);
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (print_path, &want_print, NULL, NULL));
  got_print = ps_module_repr (net);
  g_assert_cmpstr (g_strchomp (got_print), ==, g_strchomp (want_print));
  init = ps_safetensors_open (init_path, &error);
  g_assert_no_error (error);
  for (guint i = 0; i < ps_safetensors_get_n (init); i++)
    {
      const char *key = ps_safetensors_get (init, i)->name;
      PsParam *p = ps_module_find_param (net, key);
      g_assert_nonnull (p);
      ps_test_assert_tensor (ps_param_get_data (p), init, key, 0, key);
    }

  /* a Linear first (drawn by the reader), then a Conv1d (not the reader's) */
  {
    static const char text[] = "import torch\nfrom torch import nn\n"
                               "net = nn.Sequential(nn.Linear(3, 4), nn.Conv1d(4, 2, 3))\n";
    g_autoptr (PsModule) a = NULL, b = NULL;
    PsRng ra, rb;

    ps_rng_seed (&ra, 7);
    ps_rng_seed (&rb, 7);
    a = ps_model_parse (text, -1, "mixed.py", &ra, NULL, &error);
    g_assert_no_error (error);
    b = ps_py_build_model_rng (text, -1, "mixed.py", &rb, NULL, &error);
    g_assert_no_error (error);
    for (const char *const *k = (const char *const[]) { "0.weight", "0.bias", "1.weight", "1.bias", NULL };
         *k != NULL; k++)
      {
        const PsTensor *ta = ps_param_get_data (ps_module_find_param (a, *k));
        const PsTensor *tb = ps_param_get_data (ps_module_find_param (b, *k));
        g_assert_cmpint (ta->numel, ==, tb->numel);
        g_assert_cmpmem (ta->data, ta->numel * sizeof (float), tb->data, tb->numel * sizeof (float));
      }
    g_assert_cmpuint (ps_rng_u32 (&ra), ==, ps_rng_u32 (&rb));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-file/prefix-optional", test_prefix_optional);
  g_test_add_func ("/model-file/arguments", test_arguments);
  g_test_add_func ("/model-file/functions-loops", test_functions_loops);
  g_test_add_func ("/model-file/add-module-replaces", test_add_module_replaces);
  g_test_add_func ("/model-file/binding-rules", test_binding_rules);
  g_test_add_func ("/model-file/train-eval", test_train_eval);
  g_test_add_func ("/model-file/tie-by-index", test_tie_by_index);
  g_test_add_func ("/model-file/lesson-statements", test_lesson_cells_ignored_statements);
  g_test_add_func ("/model-file/continuations", test_continuations);
  g_test_add_func ("/model-file/index-paths", test_index_paths);
  g_test_add_func ("/model-file/repr-roundtrip", test_repr_roundtrip);
  g_test_add_func ("/model-file/repr-detect", test_repr_detect);
  g_test_add_func ("/model-file/limits", test_limits);
  g_test_add_func ("/model-file/layers-by-interpreter", test_layers_by_interpreter);
  return g_test_run ();
}
