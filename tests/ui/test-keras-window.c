/* test-keras-window — the TensorFlow/Keras lesson in the window
 *
 * Every code cell of the Keras text (tests/fixtures/keras/lesson-003.py: all
 * but the Colab drive lines, unchanged) runs in the Notebook view and prints
 * what the text shows (lesson-003.expected, `~` for a random number, as
 * test-keras checks `paramscope-cli exec`).  The Keras lesson notebooks open
 * from Examples and run without an error.  The tree names the variables as
 * Keras does (sequential/dense_1/kernel), a kernel's heatmap says its axes are
 * (in, out) where PyTorch's weight says (out, in), the shared layer is one
 * set of variables, and Forward, Backward and Step run on a Keras model. */
#include "ps-ui-test-util.h"
#include "ps-test-util.h"
#include "ps-application.h"
#include "ps-notebook-view.h"
#include "ps-tree-node.h"

#include <string.h>

static const PsTestWindowSetup mlp = { "mlp", 1024, 700 };
static const PsTestWindowSetup shared = { "keras_shared", 1024, 700 };
static const PsTestWindowSetup rgnet = { "keras_rgnet", 1024, 700 };

static PsModule *
model (PsWindow *win)
{
  return ps_document_get_model (ps_window_get_document (win));
}

/* Run every cell of the notebook shown; no cell raises; returns the view. */
static PsNotebookView *
run_all (PsWindow *win)
{
  PsNotebookView *view = PS_NOTEBOOK_VIEW (ps_test_window_child (win, "notebook_view"));
  PsNotebook *nb = ps_notebook_view_get_notebook (view);

  g_assert_nonnull (nb);
  ps_notebook_view_run_all (view);
  ps_test_window_wait_code (win);
  for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
    if (ps_notebook_cell_kind (nb, i) == PS_CELL_CODE && ps_notebook_cell_error (nb, i) != NULL)
      g_error ("cell %u raised %s: %s", i, ps_notebook_cell_error (nb, i)->ename,
               ps_notebook_cell_error (nb, i)->evalue);
  return view;
}

/* The text's cells in the Notebook view: each cell's output, in order, is
 * what the lesson shows under it. */
static void
test_lesson_text (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *path = NULL, *exp_path = NULL, *want = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (GString) got = g_string_new (NULL);
  PsNotebookView *view;
  PsNotebook *nb;
  guint n_code = 0;

  if (win == NULL)
    return;
  path = ps_test_fixture ("keras/lesson-003.py");
  exp_path = ps_test_fixture ("keras/lesson-003.expected");
  g_assert_true (g_file_get_contents (exp_path, &want, NULL, NULL));
  g_assert_true (ps_window_open_file (win, path, &error));
  g_assert_no_error (error);
  view = run_all (win);
  nb = ps_notebook_view_get_notebook (view);
  for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
    {
      g_autofree char *out = NULL;
      if (ps_notebook_cell_kind (nb, i) != PS_CELL_CODE)
        continue;
      n_code++;
      out = ps_notebook_view_get_cell_output (view, i);
      g_assert_nonnull (out);           /* every cell of the text shows something */
      g_string_append_printf (got, "%s\n", out);
    }
  g_assert_cmpuint (n_code, ==, 14);
  ps_test_assert_matches_text (got->str, want);
  /* the window shows the last cell's network: the shared layer, by Keras' names */
  g_assert_cmpstr (ps_document_get_model_name (ps_window_get_document (win)), ==, "net");
  g_assert_cmpuint (ps_module_get_n_children (model (win)), ==, 4);
  g_assert_true (ps_module_get_child (model (win), 1) == ps_module_get_child (model (win), 2));
  g_assert_cmpstr (ps_module_get_type_name (ps_module_get_child (model (win), 1)), ==, "Dense");
}

/* The selected parameter's row: its Keras path and tied badge; the caption
 * above its heatmap. */
static void
assert_selected (PsWindow *win, const char *key, const char *path, gboolean tied, const char *axes)
{
  GtkWidget *label = ps_test_window_child (win, "axes_label");
  PsTreeNode *node;
  g_autofree char *desc = NULL, *badge = NULL;

  g_assert_true (ps_window_select_key (win, key));
  ps_test_wait_frame (GTK_WIDGET (win));
  node = ps_window_get_selected_node (win);
  g_assert_nonnull (ps_tree_node_get_param (node));
  desc = ps_tree_node_describe (node);
  g_assert_cmpstr (desc, ==, path);
  badge = ps_tree_node_tied_badge (node);
  g_assert_true ((badge != NULL) == tied);
  if (axes)
    {
      g_assert_true (gtk_widget_get_visible (label));
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==, axes);
    }
  else
    g_assert_false (gtk_widget_get_visible (label));
}

/* Examples › Keras shared layer: one Dense used twice is one set of
 * variables, under Keras' names; kernels (in, out). */
static void
test_shared_tree (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autoptr (GPtrArray) named = NULL;
  PsModule *m;

  if (win == NULL)
    return;
  m = model (win);
  g_assert_cmpuint (ps_module_get_n_children (m), ==, 4);
  g_assert_cmpstr (ps_module_get_child_name (m, 0), ==, "flatten");
  g_assert_cmpstr (ps_module_get_child_name (m, 1), ==, "dense");
  g_assert_cmpstr (ps_module_get_child_name (m, 2), ==, "dense (2)");
  g_assert_cmpstr (ps_module_get_child_name (m, 3), ==, "dense_1");
  named = ps_module_named_parameters (m);
  g_assert_cmpuint (named->len, ==, 4);          /* the shared layer's kernel and bias once */
  g_assert_true (ps_module_find_param (m, "dense.kernel") == ps_module_find_param (m, "dense (2).kernel"));
  assert_selected (win, "dense.kernel", "sequential/dense/kernel", TRUE,
                   "(in, out): rows = input_dim (4), columns = units (4)");
  assert_selected (win, "dense (2).bias", "sequential/dense/bias", TRUE, NULL);
  assert_selected (win, "dense_1.kernel", "sequential/dense_1/kernel", FALSE,
                   "(in, out): rows = input_dim (4), columns = units (1)");
  /* Forward, Backward and an SGD step run on the Keras model (the same tape as PyTorch's) */
  {
    PsParam *k = ps_module_find_param (m, "dense.kernel");
    PsParam *k1 = ps_module_find_param (m, "dense_1.kernel");
    float before[4];
    memcpy (before, ps_param_get_data (k1)->data, sizeof before);
    g_assert_null (ps_param_get_grad (k));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
    g_test_message ("%s", ps_test_window_status (win));
    g_assert_nonnull (ps_param_get_grad (k));
    g_assert_nonnull (ps_param_get_grad (ps_module_find_param (m, "dense_1.kernel")));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.step", NULL));
    g_test_message ("%s", ps_test_window_status (win));
    /* the last layer's kernel has every gradient element (its inputs are relu's, some > 0) */
    g_assert_true (memcmp (ps_param_get_data (k1)->data, before, sizeof before) != 0);
  }
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_screenshot (GTK_WIDGET (win), "keras-window-shared.png");
}

/* Examples › Keras nested blocks: Keras' nested names */
static void
test_rgnet_tree (PsWindowFixture *f, gconstpointer setup)
{
  if (f->win == NULL)
    return;
  assert_selected (f->win, "sequential_1.block-1.dense_1.bias",
                   "sequential/sequential_1/block-1/dense_1/bias", FALSE, NULL);
  assert_selected (f->win, "dense_4.kernel", "sequential/dense_4/kernel", FALSE,
                   "(in, out): rows = input_dim (4), columns = units (1)");
}

/* PyTorch's Linear weight says (out, in). */
static void
test_torch_axes (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;

  if (win == NULL)
    return;
  assert_selected (win, "0.weight", "weight", FALSE,
                   "(out, in): rows = out_features (8), columns = in_features (4)");
  assert_selected (win, "0.bias", "bias", FALSE, NULL);
}

/* Examples › Keras lesson notebooks, in English and Chinese: every cell
 * runs; the window ends on the shared layer's network. */
static void
test_lesson_notebooks (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  const char *langs[] = { "keras-en", "keras-zh" };

  if (win == NULL)
    return;
  for (guint k = 0; k < G_N_ELEMENTS (langs); k++)
    {
      PsNotebookView *view;
      PsNotebook *nb;
      guint n_code = 0;

      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.lesson", "s", langs[k]));
      view = PS_NOTEBOOK_VIEW (ps_test_window_child (win, "notebook_view"));
      g_assert_true (gtk_widget_get_mapped (GTK_WIDGET (view)));
      view = run_all (win);
      nb = ps_notebook_view_get_notebook (view);
      for (guint i = 0; i < ps_notebook_get_n_cells (nb); i++)
        if (ps_notebook_cell_kind (nb, i) == PS_CELL_CODE)
          {
            g_autofree char *out = ps_notebook_view_get_cell_output (view, i);
            g_assert_nonnull (out);
            n_code++;
          }
      g_assert_cmpuint (n_code, ==, 14);
      g_assert_true (ps_module_get_child (model (win), 1) == ps_module_get_child (model (win), 2));
    }
}

int
main (int argc, char **argv)
{
  ps_application_setup_locale ();
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  PS_TEST_WINDOW ("/keras-window/lesson-text", &mlp, test_lesson_text);
  PS_TEST_WINDOW ("/keras-window/shared-tree", &shared, test_shared_tree);
  PS_TEST_WINDOW ("/keras-window/rgnet-tree", &rgnet, test_rgnet_tree);
  PS_TEST_WINDOW ("/keras-window/torch-axes", &mlp, test_torch_axes);
  PS_TEST_WINDOW ("/keras-window/lesson-notebooks", &mlp, test_lesson_notebooks);
  return g_test_run ();
}
