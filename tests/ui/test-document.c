/* test-document.c — the window's document: every change undoable, errors
 * leaving the network untouched (headless: GObject, no GTK) */
#include "ps-document.h"
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
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "set 2.weight element 0 to 100");
  g_assert_true (ps_document_undo (doc));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, before);
  g_assert_true (ps_document_can_redo (doc));
  g_assert_true (ps_document_redo (doc));
  g_assert_cmpfloat (ps_param_get_data (w2)->data[0], ==, 100);
  g_assert_cmpstr (log->str, ==, "set 2.weight element 0 to 100\nundo set 2.weight element 0 to 100\n"
                   "redo set 2.weight element 0 to 100\n");

  /* refused edits change nothing and leave no history */
  g_assert_false (ps_document_set_element (doc, w2, 64, 1, &error));
  g_clear_error (&error);
  g_assert_false (ps_document_set_element (doc, w2, 0, NAN, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "set 2.weight element 0 to 100");

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

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/document/edit-undo-redo", test_edit_undo_redo);
  g_test_add_func ("/document/init-targets", test_init_targets);
  g_test_add_func ("/document/forward-backward", test_forward_backward);
  g_test_add_func ("/document/load-errors", test_load_errors_change_nothing);
  g_test_add_func ("/document/tree-nodes", test_tree_nodes);
  return g_test_run ();
}
