/* test-document.c — the window's document: every change undoable, errors
 * leaving the network untouched (headless: GObject, no GTK) */
#include "ps-document.h"
#include "ps-histogram.h"
#include "ps-tree-node.h"
#include "../core/ps-test-util.h"

#include <math.h>
#include <string.h>

static PsDocument *
open_example (const char *name)
{
  g_autofree char *rel = g_strdup_printf ("models/%s.py", name);
  g_autofree char *path = ps_test_fixture (rel);
  PsDocument *doc = ps_document_new ();
  GError *error = NULL;
  g_assert_true (ps_document_load_model_file (doc, path, &error));
  g_assert_no_error (error);
  return doc;
}

static PsParam *
param (PsDocument *doc, const char *key)
{
  PsParam *p = ps_module_find_param (ps_document_get_model (doc), key);
  g_assert_nonnull (p);
  return p;
}

static void
on_changed (PsDocument *doc, const char *what, GString *log)
{
  g_string_append_printf (log, "%s\n", what);
}

static void
test_edit_undo_redo (void)
{
  g_autoptr (PsDocument) doc = open_example ("tied");
  PsParam *w2 = param (doc, "2.weight");
  float before = ps_param_get_data (w2)->data[0];
  GError *error = NULL;
  GString *log = g_string_new (NULL);

  g_signal_connect (doc, "changed", G_CALLBACK (on_changed), log);
  g_assert_false (ps_document_can_undo (doc));
  /* net[2].weight.data[0, 0] = 100: net[4] sees it (one parameter) */
  g_assert_true (ps_document_set_element (doc, w2, 0, 100, &error));
  g_assert_cmpfloat (ps_param_get_data (param (doc, "4.weight"))->data[0], ==, 100);
  g_assert_true (ps_document_can_undo (doc));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "net[2].weight.data[0, 0] = 100");
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, before);
  g_assert_true (ps_document_can_redo (doc));
  g_assert_true (ps_document_redo (doc));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, 100);
  g_assert_cmpstr (log->str, ==, "net[2].weight.data[0, 0] = 100\nundo net[2].weight.data[0, 0] = 100\n"
                   "redo net[2].weight.data[0, 0] = 100\n");

  /* refused edits change nothing and leave no history */
  g_assert_false (ps_document_set_element (doc, w2, 64, 1, &error));
  g_clear_error (&error);
  g_assert_false (ps_document_set_element (doc, w2, 0, NAN, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "net[2].weight.data[0, 0] = 100");

  /* data[:] += 1, fill */
  g_assert_true (ps_document_add_constant (doc, w2, 1, &error));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, 101);
  g_assert_true (ps_document_fill (doc, w2, 42, &error));
  g_assert_cmpfloat (ps_param_get_data (param (doc, "4.weight"))->data[63], ==, 42);
  g_assert_true (ps_document_undo (doc));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, 100);
  g_string_free (log, TRUE);
}

static void
test_init_targets (void)
{
  g_autoptr (PsDocument) doc = open_example ("mlp");
  g_autoptr (PsInitScheme) c42 = ps_init_scheme_parse ("constant(42)", NULL);
  g_autoptr (PsInitScheme) xav = ps_init_scheme_parse ("xavier_uniform()", NULL);
  PsModule *net = ps_document_get_model (doc);
  GError *error = NULL;
  float b0 = ps_param_get_data (param (doc, "2.bias"))->data[0];

  /* net[2].apply(init_42): weights only */
  g_assert_true (ps_document_initialize (doc, ps_module_index (net, 2, NULL), NULL, PS_TARGET_WEIGHTS,
                                   c42, 0, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ps_param_get_data (param (doc, "2.weight"))->data[7], ==, 42);
  g_assert_cmpfloat (ps_param_get_data (param (doc, "2.bias"))->data[0], ==, b0);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "init constant(val=42) on 1 parameters");
  /* one parameter, seeded: the same seed gives the same values */
  g_assert_true (ps_document_initialize (doc, NULL, param (doc, "0.weight"), PS_TARGET_BOTH, xav, 7, &error));
  {
    g_autofree float *a = g_memdup2 (ps_param_get_data (param (doc, "0.weight"))->data, 32 * 4);
    g_assert_true (ps_document_initialize (doc, NULL, param (doc, "0.weight"), PS_TARGET_BOTH, xav, 7, &error));
    g_assert_cmpmem (a, 32 * 4, ps_param_get_data (param (doc, "0.weight"))->data, 32 * 4);
  }
  /* a ReLU has nothing to initialize: refused, no history entry */
  g_assert_false (ps_document_initialize (doc, ps_module_index (net, 1, NULL), NULL, PS_TARGET_BOTH, c42,
                                    0, &error));
  g_clear_error (&error);
}

static void
on_structure (PsDocument *doc, int *count)
{
  (*count)++;
}

/* Forward runs the network in the mode its code left it in: after
 * net.eval(), BatchNorm uses its running statistics and leaves them alone;
 * after net.train(), it updates them. */
static void
test_forward_eval_mode (void)
{
  static const char *const texts[] = {
    "import torch\nfrom torch import nn\n"
    "class Net(nn.Module):\n"
    "    def __init__(self):\n"
    "        super().__init__()\n"
    "        self.fc = nn.Linear(3, 4)\n"
    "        self.bn = nn.BatchNorm1d(4)\n"
    "    def forward(self, x):\n"
    "        return self.bn(self.fc(x))\n"
    "net = Net()\nnet.eval()\n",
    NULL };
  for (int train = 0; train < 2; train++)
    {
      g_autoptr (PsDocument) doc = ps_document_new ();
      g_autoptr (GError) error = NULL;
      g_autofree char *text = g_strconcat (texts[0], train ? "net.train()\n" : "", NULL);
      g_assert_true (ps_document_load_model_text (doc, text, "bn.py", &error));
      g_assert_no_error (error);
      PsModule *bn = ps_module_find_module (ps_document_get_model (doc), "bn");
      g_assert_nonnull (bn);
      ps_document_set_random_input (doc, 5, 0);
      g_assert_true (ps_document_forward (doc, &error));
      g_assert_no_error (error);
      float mean0 = ps_param_get_data (ps_module_get_buffer_by_name (bn, "running_mean"))->data[0];
      float tracked = ps_param_get_data (ps_module_get_buffer_by_name (bn, "num_batches_tracked"))->data[0];
      g_assert_cmpfloat (tracked, ==, train ? 1.f : 0.f);
      g_assert_true (train ? mean0 != 0.f : mean0 == 0.f);
    }
}

static void
test_forward_backward (void)
{
  g_autoptr (PsDocument) doc = open_example ("lazy");
  GError *error = NULL;
  int structure = 0;
  PsParam *w0 = param (doc, "0.weight");
  g_autofree float *once = NULL;

  g_signal_connect (doc, "structure-changed", G_CALLBACK (on_structure), &structure);
  g_assert_null (ps_param_get_data (w0));
  ps_document_set_random_input (doc, 2, 0);
  g_assert_cmpint (ps_document_get_input (doc)->shape[1], ==, 20);   /* the lesson's width */
  g_assert_true (ps_document_forward (doc, &error));
  g_assert_no_error (error);
  g_assert_cmpint (structure, ==, 1);
  g_assert_nonnull (ps_param_get_data (w0));
  g_assert_cmpint (ps_module_get_in_features (ps_module_index (ps_document_get_model (doc), 0, NULL)), ==, 20);
  /* backward twice doubles, as in PyTorch; undo takes one back */
  g_assert_null (ps_param_get_grad (w0));
  g_assert_true (ps_document_backward (doc, PS_LOSS_SUM, &error));
  once = g_memdup2 (ps_param_get_grad (w0)->data, 256 * 20 * 4);
  g_assert_true (ps_document_backward (doc, PS_LOSS_SUM, &error));
  for (int i = 0; i < 256 * 20; i += 97)
    g_assert_cmpfloat (ps_param_get_grad (w0)->data[i], ==, 2 * once[i]);
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpmem (ps_param_get_grad (w0)->data, 256 * 20 * 4, once, 256 * 20 * 4);
  g_assert_true (ps_document_undo (doc));
  g_assert_null (ps_param_get_grad (w0));            /* grad is None again */
  g_assert_true (ps_document_redo (doc));
  g_assert_nonnull (ps_param_get_grad (w0));
  /* zero grad and a step, undoable */
  g_assert_true (ps_document_zero_grad (doc, &error));
  g_assert_null (ps_param_get_grad (w0));
  g_assert_true (ps_document_backward (doc, PS_LOSS_MSE, &error));
  g_assert_false (isnan (ps_document_get_loss (doc)));
  {
    float w = ps_param_get_data (w0)->data[5], g = ps_param_get_grad (w0)->data[5];
    g_assert_true (ps_document_sgd_step (doc, 0.5, &error));
    g_assert_cmpfloat (ps_param_get_data (w0)->data[5], ==, w - 0.5f * g);
    g_assert_true (ps_document_undo (doc));
    g_assert_cmpfloat (ps_param_get_data (w0)->data[5], ==, w);
  }
  g_assert_no_error (error);
}

static void
test_load_errors_change_nothing (void)
{
  g_autoptr (PsDocument) doc = open_example ("mlp");
  g_autofree char *bad_model = ps_test_corpus ("models/unknown_layer.py");
  g_autofree char *bad_weights = ps_test_fixture ("models/tied.weights.safetensors");
  g_autofree char *good_weights = ps_test_fixture ("models/mlp.weights.safetensors");
  PsModule *before = ps_document_get_model (doc);
  float w = ps_param_get_data (param (doc, "0.weight"))->data[0];
  GError *error = NULL;

  g_assert_false (ps_document_load_model_file (doc, bad_model, &error));
  g_assert_nonnull (strstr (error->message, "unknown_layer.py:"));
  g_clear_error (&error);
  g_assert_true (ps_document_get_model (doc) == before);
  g_assert_false (ps_document_load_weights (doc, bad_weights, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_clear_error (&error);
  g_assert_cmpfloat (ps_param_get_data (param (doc, "0.weight"))->data[0], ==, w);
  g_assert_false (ps_document_can_undo (doc));
  /* good weights: undoable */
  g_assert_true (ps_document_load_weights (doc, good_weights, &error));
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (param (doc, "0.weight"))->data[0], ==, w);
}

static void
test_tree_nodes (void)
{
  g_autoptr (PsDocument) doc = open_example ("rgnet");
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_document_get_model (doc), "rgnet");
  PsTreeNode *n = ps_tree_node_find (root, "0.block 1.0.bias");
  g_autofree char *path = NULL, *desc = NULL, *size = NULL, *blk = NULL;

  g_assert_nonnull (n);
  path = ps_tree_node_get_index_path (n);
  g_assert_cmpstr (path, ==, "rgnet[0][1][0].bias");
  size = ps_tree_node_describe_size (n);
  g_assert_cmpstr (size, ==, "[8] · 8");
  desc = ps_tree_node_describe (ps_tree_node_find (root, "0.block 1.0"));
  g_assert_cmpstr (desc, ==, "Linear 4→8");
  blk = ps_tree_node_describe (ps_tree_node_find (root, "0.block 1"));
  g_assert_cmpstr (blk, ==, "Sequential (4)");
  g_assert_cmpuint (g_list_model_get_n_items (ps_tree_node_get_children (root)), ==, 2);
  {
    g_autoptr (PsDocument) tied = open_example ("tied");
    g_autoptr (PsTreeNode) troot = ps_tree_node_new_root (ps_document_get_model (tied), "net");
    g_autofree char *badge = ps_tree_node_tied_badge (ps_tree_node_find (troot, "4.weight"));
    g_assert_cmpstr (badge, ==, "2.weight = 4.weight");
    g_assert_null (ps_tree_node_tied_badge (ps_tree_node_find (troot, "0.weight")));
  }
  {
    g_autoptr (PsDocument) lazy = open_example ("lazy");
    g_autoptr (PsTreeNode) lroot = ps_tree_node_new_root (ps_document_get_model (lazy), "net");
    g_autofree char *d = ps_tree_node_describe (ps_tree_node_find (lroot, "0"));
    g_assert_true (ps_tree_node_is_uninitialized (ps_tree_node_find (lroot, "0.weight")));
    g_assert_cmpstr (d, ==, "LazyLinear ?→256");
  }
}

/* While training runs the document refuses every change with the reason;
 * a change made outside (the trainer's) is one undoable entry. */
/* A repr with buffers and a class the core does not know: buffers are
 * nodes of their own (marked), the unknown node says it has no known
 * parameters, and describing sizes allocates no meta parameter. */
static void
test_tree_nodes_layers (void)
{
  const char *text =
    "Net(\n"
    "  (stem): Conv2dNormActivation(\n"
    "    (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), bias=False)\n"
    "    (1): BatchNorm2d(8, eps=0.001, momentum=0.01, affine=True, track_running_stats=True)\n"
    "    (2): SiLU(inplace=True)\n"
    "  )\n"
    ")";
  GError *error = NULL;
  g_autoptr (PsModule) net = ps_model_parse_repr (text, -1, "net.txt", NULL, &error);
  g_autoptr (PsTreeNode) root = NULL;
  PsTreeNode *stem, *bn, *nbt;
  g_autofree char *desc = NULL, *size = NULL, *bn_size = NULL;

  g_assert_no_error (error);
  root = ps_tree_node_new_root (net, "net");
  stem = ps_tree_node_find (root, "stem");
  desc = ps_tree_node_describe (stem);
  g_assert_nonnull (strstr (desc, "Conv2dNormActivation"));
  g_assert_nonnull (strstr (desc, "no known parameters"));
  bn = ps_tree_node_find (root, "stem.1");
  /* weight, bias, running_mean, running_var, num_batches_tracked */
  g_assert_cmpuint (g_list_model_get_n_items (ps_tree_node_get_children (bn)), ==, 5);
  nbt = ps_tree_node_find (root, "stem.1.num_batches_tracked");
  g_assert_true (ps_tree_node_is_buffer (nbt));
  g_assert_false (ps_tree_node_is_buffer (ps_tree_node_find (root, "stem.1.weight")));
  size = ps_tree_node_describe_size (nbt);
  g_assert_cmpstr (size, ==, "[] · 1 · I64");
  bn_size = ps_tree_node_describe_size (ps_tree_node_find (root, "stem.0.weight"));
  g_assert_cmpstr (bn_size, ==, "[8, 3, 3, 3] · 216");
  g_assert_true (ps_param_is_meta (ps_tree_node_get_param (nbt)));
}

static void
test_busy_and_outside_changes (void)
{
  g_autoptr (PsDocument) doc = open_example ("mlp");
  g_autoptr (GString) log = g_string_new (NULL);
  PsParam *w = param (doc, "0.weight");
  g_autofree char *path = ps_test_fixture ("models/mlp.py");
  const char *why = "Training is running: pause it first";
  GError *error = NULL;
  float before = ps_param_get_data (w)->data[0];
  g_autoptr (PsInitScheme) scheme = ps_init_scheme_parse ("zeros()", &error);

  g_assert_no_error (error);
  g_signal_connect (doc, "changed", G_CALLBACK (on_changed), log);
  ps_document_set_busy (doc, why);
  g_assert_cmpstr (ps_document_get_busy (doc), ==, why);
#define REFUSED(call)                                   \
  G_STMT_START {                                         \
    g_assert_false (call);                               \
    g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);    \
    g_assert_cmpstr (error->message, ==, why);           \
    g_clear_error (&error);                              \
  } G_STMT_END
  REFUSED (ps_document_set_element (doc, w, 0, 1.f, &error));
  REFUSED (ps_document_add_constant (doc, w, 1.f, &error));
  REFUSED (ps_document_fill (doc, w, 1.f, &error));
  REFUSED (ps_document_initialize (doc, NULL, w, PS_TARGET_BOTH, scheme, 0, &error));
  REFUSED (ps_document_forward (doc, &error));
  REFUSED (ps_document_backward (doc, PS_LOSS_SUM, &error));
  REFUSED (ps_document_zero_grad (doc, &error));
  REFUSED (ps_document_sgd_step (doc, 0.1, &error));
  REFUSED (ps_document_load_model_file (doc, path, &error));
#undef REFUSED
  g_assert_false (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, before);
  g_assert_cmpuint (log->len, ==, 0);

  /* the trainer's writes between begin and commit: one change */
  ps_document_begin_change (doc);
  ps_param_get_data (w)->data[0] = 7.f;
  ps_param_changed (w, PS_CHANGE_DATA);
  ps_document_commit_change (doc, "train steps 1–10");
  ps_document_set_busy (doc, NULL);
  g_assert_cmpstr (log->str, ==, "train steps 1–10\n");
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train steps 1–10");
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, before);
  g_assert_true (ps_document_redo (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 7.f);
  /* cancel puts back what changed and records nothing */
  ps_document_begin_change (doc);
  g_assert_true (ps_document_in_change (doc));
  ps_param_get_data (w)->data[0] = 9.f;
  ps_document_cancel_change (doc);
  g_assert_false (ps_document_in_change (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 7.f);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "train steps 1–10");
}

/* ---- the inspector's histogram -------------------------------------------- */

static PsTensor *
initialized (const char *scheme_text, int64_t rows, int64_t cols, PsInitScheme **scheme)
{
  GError *error = NULL;
  PsTensor *t = ps_tensor_new_2d (rows, cols);
  PsRng rng;

  *scheme = ps_init_scheme_parse (scheme_text, &error);
  g_assert_no_error (error);
  ps_rng_seed (&rng, 12345);
  g_assert_true (ps_init_tensor (*scheme, t, cols, &rng, &error));
  g_assert_no_error (error);
  return t;
}

/* Pearson's chi-square of counts against expected counts (bins expecting
 * fewer than 5 merged into their neighbour, as the test requires); df bins - 1. */
static double
chi_square (const PsHistogram *h, int *df)
{
  double chi = 0, c = 0, e = 0;
  int bins = 0;
  for (int b = 0; b < PS_LOG_HIST_BINS; b++)
    {
      c += h->bins.count[b];
      e += h->expect[b];
      if (e >= 5 || b == PS_LOG_HIST_BINS - 1)
        {
          if (e > 0)
            {
              chi += (c - e) * (c - e) / e;
              bins++;
            }
          else
            g_assert_cmpfloat (c, ==, 0);      /* nothing where nothing can be */
          c = e = 0;
        }
    }
  *df = bins - 1;
  return chi;
}

static void
test_histogram (void)
{
  PsHistogram h;
  const struct { const char *scheme; gboolean bounded; } cases[] = {
    { "kaiming_uniform(a=2.23606797749979)", TRUE },    /* Linear's default */
    { "xavier_uniform()", TRUE },
    { "uniform(a=-0.5, b=2)", TRUE },
    { "xavier_normal()", FALSE },
    { "normal(mean=1, std=0.01)", FALSE },
    { "trunc_normal(std=1, a=-1, b=2)", TRUE },
    { "trunc_normal(mean=0.5, std=0.2, a=0, b=2)", TRUE },
    { "truncated_normal(mean=0.0, stddev=0.05)", TRUE },   /* Keras */
    { "he_normal()", TRUE },                                /* Keras, truncated too */
  };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      PsInitScheme *scheme = NULL;
      g_autoptr (PsTensor) t = initialized (cases[k].scheme, 300, 200, &scheme);
      double sum_c = 0, sum_e = 0;
      int df;

      g_assert_true (ps_histogram_compute (&h, t, scheme, 200));
      g_assert_true (h.have_expect);
      for (int b = 0; b < PS_LOG_HIST_BINS; b++)
        {
          sum_c += h.bins.count[b];
          sum_e += h.expect[b];
          g_assert_cmpfloat (h.peak, >=, MAX (h.bins.count[b], h.expect[b]));
        }
      g_assert_cmpfloat (sum_c, ==, 60000);
      /* all the mass is inside the bins: exactly for bounded schemes (a
       * truncated normal renormalized), nearly for the normal ones */
      if (cases[k].bounded)
        g_assert_cmpfloat (fabs (sum_e - 60000), <, 1e-6 * 60000);
      else
        g_assert_cmpfloat (fabs (sum_e - 60000), <, 2e-3 * 60000);
      /* and the counts fit the expectation (p = 0.001 critical values) */
      {
        static const double crit[] = { [20] = 45.31, [25] = 52.62, [30] = 59.70, [35] = 66.62,
                                       [39] = 72.05, [40] = 73.40, [45] = 80.08, [47] = 82.72 };
        double chi = chi_square (&h, &df);
        double limit = 0;
        for (int d = df; d < (int) G_N_ELEMENTS (crit) && limit == 0; d++)
          limit = crit[d];
        g_test_message ("%s: chi-square %.1f, %d degrees of freedom", cases[k].scheme, chi, df);
        g_assert_cmpint (df, >=, 20);
        g_assert_cmpfloat (limit, >, 0);
        g_assert_cmpfloat (chi, <, limit);
      }
      ps_init_scheme_free (scheme);
    }

  /* counts: the finite values, each in its bin; no expectation without a scheme */
  {
    g_autoptr (PsTensor) t = ps_tensor_new_1d (6);
    float v[6] = { 0, 1, 1, 2, NAN, INFINITY };
    memcpy (t->data, v, sizeof v);
    g_assert_true (ps_histogram_compute (&h, t, NULL, 0));
    g_assert_false (h.have_expect);
    g_assert_cmpint (h.n_finite, ==, 4);
    g_assert_cmpfloat (h.bins.lo, ==, 0);
    g_assert_cmpfloat (h.bins.hi, ==, 2);
    g_assert_cmpuint (h.bins.count[0], ==, 1);
    g_assert_cmpuint (h.bins.count[PS_LOG_HIST_BINS / 2], ==, 2);
    g_assert_cmpuint (h.bins.count[PS_LOG_HIST_BINS - 1], ==, 1);   /* the last bin is closed */
    g_assert_cmpfloat (h.peak, ==, 2);
    t->data[0] = t->data[1] = t->data[2] = t->data[3] = NAN;
    g_assert_false (ps_histogram_compute (&h, t, NULL, 0));
  }
  /* a constant, and the lesson's mixture, predict no density curve */
  {
    PsInitScheme *scheme = NULL;
    g_autoptr (PsTensor) t = initialized ("constant(val=42)", 4, 8, &scheme);
    g_assert_true (ps_histogram_compute (&h, t, scheme, 8));
    g_assert_false (h.have_expect);
    g_assert_cmpfloat (h.bins.lo, <, 42);
    g_assert_cmpfloat (h.bins.hi, >, 42);
    g_assert_cmpuint (h.bins.count[PS_LOG_HIST_BINS / 2], ==, 32);     /* the middle bar */
    ps_init_scheme_free (scheme);
  }
  {
    PsInitScheme *scheme = NULL;
    g_autoptr (PsTensor) t = initialized ("d2l_custom()", 64, 64, &scheme);
    g_assert_true (ps_histogram_compute (&h, t, scheme, 64));
    g_assert_false (h.have_expect);
    ps_init_scheme_free (scheme);
  }
}

/* ---- the history's memory, capped in bytes ------------------------------------ */

static void
on_trimmed (PsDocument *doc, guint n, guint *total)
{
  *total += n;
}

/* A 512x512 layer (1 MiB of weights; a change keeps the values before and
 * after: about 2 MiB) under a 7 MiB limit: ten fills keep only the newest
 * that fit, the history's bytes never pass the limit, the oldest are
 * reported dropped, and undo walks back exactly to the state before the
 * oldest kept change.  Lowering the limit trims at once; more than one
 * change's worth of kept bytes (the run's snapshots) leaves less room. */
static void
test_history_limit (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  const guint64 limit = 7 << 20;
  GError *error = NULL;
  PsParam *w;
  guint trimmed = 0, kept = 0;
  guint64 change;

  g_assert_cmpuint (ps_document_get_history_limit (doc), ==, ps_document_default_history_limit ());
  g_assert_cmpuint (ps_document_default_history_limit (), <=, G_GUINT64_CONSTANT (1) << 30);
  g_assert_cmpuint (ps_document_default_history_limit (), >, 0);
  g_assert_true (ps_document_load_model_text (doc, "import torch\nfrom torch import nn\n"
                                              "net = nn.Sequential(nn.Linear(512, 512))\n",
                                              "big.py", &error));
  g_assert_no_error (error);
  w = param (doc, "0.weight");
  g_signal_connect (doc, "history-trimmed", G_CALLBACK (on_trimmed), &trimmed);
  g_object_set (doc, "history-limit", limit, NULL);
  g_assert_cmpuint (ps_document_get_history_limit (doc), ==, limit);

  for (int i = 1; i <= 10; i++)
    {
      g_assert_true (ps_document_fill (doc, w, (float) i, &error));
      g_assert_no_error (error);
      g_assert_cmpuint (ps_document_get_history_bytes (doc), <=, limit);
      g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, (float) i);
    }
  change = 2 * (512 * 512 + 512) * 4;            /* before and after, weight and bias */
  g_assert_cmpuint (ps_document_get_history_bytes (doc) % change, ==, 0);
  g_assert_cmpuint (ps_document_get_history_bytes (doc) / change, ==, limit / change);
  g_assert_cmpuint (trimmed, ==, 10 - limit / change);

  while (ps_document_undo (doc))
    kept++;
  g_assert_cmpuint (kept, ==, limit / change);
  /* back to the state before the oldest kept change: the fill before it */
  for (int64_t j = 0; j < ps_param_get_data (w)->numel; j++)
    g_assert_cmpfloat (ps_param_get_data (w)->data[j], ==, (float) (10 - kept));
  while (ps_document_redo (doc))
    ;
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 10);

  /* a lower limit trims now: one change fits */
  trimmed = 0;
  ps_document_set_history_limit (doc, change + change / 2);
  g_assert_cmpuint (ps_document_get_history_bytes (doc), ==, change);
  g_assert_cmpuint (trimmed, ==, kept - 1);
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 9);
  g_assert_false (ps_document_can_undo (doc));
  g_assert_true (ps_document_redo (doc));

  /* bytes kept elsewhere count: with the room of half a change left, the
   * kept change goes now, the next one is not kept either (the limit is
   * strict), and both are said */
  trimmed = 0;
  ps_document_set_kept_bytes (doc, change);
  g_assert_cmpuint (ps_document_get_history_bytes (doc), ==, 0);
  g_assert_cmpuint (trimmed, ==, 1);
  g_assert_true (ps_document_fill (doc, w, 11, &error));
  g_assert_cmpuint (ps_document_get_history_bytes (doc), ==, 0);
  g_assert_cmpuint (trimmed, ==, 2);
  g_assert_false (ps_document_can_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 11);
}

/* a Keras model file opens with Keras' names: layers by name, kernels (in, out), a shared layer tied */
static void
test_keras_model (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  GError *error = NULL;
  g_assert_true (ps_document_load_model_text (doc,
    "import tensorflow as tf\n"
    "shared = tf.keras.layers.Dense(5, activation=tf.nn.relu)\n"
    "net = tf.keras.models.Sequential([tf.keras.layers.Flatten(), tf.keras.layers.Dense(5),\n"
    "                                  shared, shared,\n"
    "                                  tf.keras.layers.Dense(1)])\n"
    "net(tf.random.uniform((2, 3)))\n", "keras_shared.py", &error));
  g_assert_no_error (error);
  PsModule *m = ps_document_get_model (doc);
  g_assert_cmpstr (ps_module_get_child_name (m, 1), ==, "dense_1");
  g_assert_true (param (doc, "dense.kernel") == param (doc, "dense (2).kernel"));
  int64_t shape[8];
  g_assert_cmpint (ps_param_get_shape (param (doc, "dense_1.kernel"), shape), ==, 2);
  g_assert_cmpint (shape[0], ==, 3);     /* in */
  g_assert_cmpint (shape[1], ==, 5);     /* out */
  /* a failing Keras file names its line and exception; the network stays */
  g_assert_false (ps_document_load_model_text (doc, "import keras\nkeras.layers.Dense(0)\n",
                                               "bad.py", &error));
  g_assert_nonnull (strstr (error->message, "bad.py:2"));
  g_assert_nonnull (strstr (error->message, "ValueError"));
  g_clear_error (&error);
  g_assert_true (ps_document_get_model (doc) == m);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/document/edit-undo-redo", test_edit_undo_redo);
  g_test_add_func ("/document/init-targets", test_init_targets);
  g_test_add_func ("/document/forward-backward", test_forward_backward);
  g_test_add_func ("/document/forward-eval-mode", test_forward_eval_mode);
  g_test_add_func ("/document/load-errors", test_load_errors_change_nothing);
  g_test_add_func ("/document/tree-nodes", test_tree_nodes);
  g_test_add_func ("/document/tree-nodes-layers", test_tree_nodes_layers);
  g_test_add_func ("/document/busy-and-outside-changes", test_busy_and_outside_changes);
  g_test_add_func ("/document/histogram", test_histogram);
  g_test_add_func ("/document/history-limit", test_history_limit);
  g_test_add_func ("/document/keras-model", test_keras_model);
  return g_test_run ();
}
