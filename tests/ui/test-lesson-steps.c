/* test-lesson-steps.c — one lesson action, one step: each preset of the
 * lesson's init cells is one undoable change named as the lesson writes
 * it; edits are named as the lesson writes them; an initializer that
 * cannot apply says which parameter refused */
#include "ps-ui-test-util.h"

#include <math.h>
#include <string.h>

static PsParam *
param (PsWindow *win, const char *key)
{
  return ps_module_find_param (ps_document_get_model (ps_window_get_document (win)), key);
}

/* Every value of the network, in named_parameters order. */
static GArray *
values (PsWindow *win)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (ps_window_get_document (win)));
  GArray *a = g_array_new (FALSE, FALSE, sizeof (float));

  for (guint i = 0; i < np->len; i++)
    {
      PsTensor *t = ps_param_get_data (((PsNamedParam *) np->pdata[i])->param);
      g_array_append_vals (a, t->data, (guint) t->numel);
    }
  return a;
}

static gboolean
same_values (GArray *a, GArray *b)
{
  return a->len == b->len && memcmp (a->data, b->data, a->len * sizeof (float)) == 0;
}

/* net.apply(init_normal): the weights N(0, 0.01), the biases zeros — one
 * step: a single Ctrl+Z restores both, a single redo brings both back. */
static void
test_preset_one_step (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  g_autoptr (GArray) before = NULL, after = NULL, undone = NULL, redone = NULL;
  PsTensor *w0, *b0;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  before = values (win);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.preset", "s", "init_normal"));
  after = values (win);
  w0 = ps_param_get_data (param (win, "0.weight"));
  b0 = ps_param_get_data (param (win, "0.bias"));
  g_assert_cmpfloat (fabsf (w0->data[0]), <, 0.06f);      /* 6 σ of N(0, 0.01) */
  g_assert_cmpfloat (w0->data[0], !=, 0.f);
  for (int64_t i = 0; i < b0->numel; i++)
    g_assert_cmpfloat (b0->data[i], ==, 0.f);
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==, "net.apply(init_normal)");
  g_assert_cmpstr (ps_test_window_status (win), ==, "net.apply(init_normal)");

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL));
  undone = values (win);
  g_assert_true (same_values (undone, before));          /* weights and biases, one step */
  g_assert_false (ps_document_can_undo (doc));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.redo", NULL));
  redone = values (win);
  g_assert_true (same_values (redone, after));
}

/* net[0].apply(init_xavier); net[2].apply(init_42): one step too, and
 * net[2]'s bias untouched (weights only). */
static void
test_preset_xavier_42 (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  g_autoptr (GArray) before = NULL;
  float bias = 0;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  before = values (win);
  bias = ps_param_get_data (param (win, "2.bias"))->data[0];
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.preset", "s", "xavier_42"));
  g_assert_cmpstr (ps_document_get_undo_label (doc), ==,
                   "net[0].apply(init_xavier); net[2].apply(init_42)");
  g_assert_cmpfloat (ps_param_get_data (param (win, "2.weight"))->data[0], ==, 42.f);
  g_assert_cmpfloat (ps_param_get_data (param (win, "2.bias"))->data[0], ==, bias);
  g_assert_true (ps_document_undo (doc));
  {
    g_autoptr (GArray) undone = values (win);
    g_assert_true (same_values (undone, before));
  }
}

/* An edit of one cell is named as the lesson writes it. */
static void
test_edit_names_the_cell (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  /* net[0].weight is 8×4: flat index 6 is [1, 2] */
  g_assert_true (ps_document_set_element (doc, param (win, "0.weight"), 6, 42, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ps_test_window_status (win), ==, "net[0].weight.data[1, 2] = 42");
  g_assert_true (ps_document_fill (doc, param (win, "2.bias"), 0.5f, &error));
  g_assert_cmpstr (ps_test_window_status (win), ==, "net[2].bias.data.fill_(0.5)");
  g_assert_true (ps_document_add_constant (doc, param (win, "0.bias"), -1, &error));
  g_assert_cmpstr (ps_test_window_status (win), ==, "net[0].bias.data[:] += -1");
  g_assert_no_error (error);
}

/* Xavier on a bias cannot compute its fans: the error names the parameter,
 * and nothing changed. */
static void
test_init_error_names_param (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  g_autoptr (PsInitScheme) xav = ps_init_scheme_parse ("xavier_uniform()", NULL);
  g_autoptr (GArray) before = NULL, after = NULL;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  before = values (win);
  g_assert_false (ps_document_initialize (doc, NULL, NULL, PS_TARGET_BOTH, xav, 0, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_true (g_str_has_prefix (error->message, "0.bias: "));
  g_clear_error (&error);
  after = values (win);
  g_assert_true (same_values (before, after));
  g_assert_false (ps_document_can_undo (doc));
}

/* After an edit the output and the gradients are marked stale until the
 * next Forward / Backward. */
static void
test_stale_after_edit (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  GtkWidget *heading;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  heading = ps_test_window_child (win, "grad_heading");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_false (ps_document_output_is_stale (doc));
  g_assert_false (ps_document_grads_are_stale (doc));
  g_assert_false (gtk_widget_has_css_class (heading, "ps-stale"));
  g_assert_true (ps_document_set_element (doc, param (win, "0.weight"), 0, 3, &error));
  g_assert_no_error (error);
  g_assert_true (ps_document_output_is_stale (doc));
  g_assert_true (ps_document_grads_are_stale (doc));
  g_assert_true (gtk_widget_has_css_class (heading, "ps-stale"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (heading)), "stale"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_false (ps_document_output_is_stale (doc));
  g_assert_true (ps_document_grads_are_stale (doc));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.zero-grad", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_false (ps_document_grads_are_stale (doc));
  g_assert_false (gtk_widget_has_css_class (heading, "ps-stale"));
}

/* A second Backward adds to the gradients, and says so; Zero Grad clears. */
static void
test_backward_accumulates (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  float g1;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g1 = ps_param_get_grad (param (win, "0.weight"))->data[1];
  g_assert_null (strstr (ps_test_window_status (win), "accumulated"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_cmpfloat (ps_param_get_grad (param (win, "0.weight"))->data[1], ==, 2 * g1);
  g_assert_cmpuint (ps_document_get_backward_passes (doc), ==, 2);
  g_assert_nonnull (strstr (ps_test_window_status (win),
                            "gradients accumulated over 2 backward passes; Zero Grad clears them"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.zero-grad", NULL));
  g_assert_cmpuint (ps_document_get_backward_passes (doc), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_cmpuint (ps_document_get_backward_passes (doc), ==, 1);
}

/* The question (a message dialog) over parent, if any. */
static GtkWidget *
find_question_over (GtkWidget *parent)
{
  GListModel *tops = gtk_window_get_toplevels ();
  GtkWidget *found = NULL;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  for (guint i = 0; i < g_list_model_get_n_items (tops) && !found; i++)
    {
      g_autoptr (GtkWindow) w = g_list_model_get_item (tops, i);
      if (GTK_IS_MESSAGE_DIALOG (w) && gtk_window_get_transient_for (w) == GTK_WINDOW (parent)
          && gtk_widget_get_visible (GTK_WIDGET (w)))
        found = GTK_WIDGET (w);
    }
  G_GNUC_END_IGNORE_DEPRECATIONS
  return found;
}

static GtkWidget *
find_question (PsWindow *win)
{
  return find_question_over (GTK_WIDGET (win));
}

static void
answer (GtkWidget *question, int response)
{
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (question), response);
  G_GNUC_END_IGNORE_DEPRECATIONS
}

/* Examples → another network over changed values asks first: Cancel keeps
 * them, Discard opens the other one. Unchanged values are not asked about. */
static void
test_open_asks_over_edits (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsModule *mlp;
  GtkWidget *question;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  mlp = ps_document_get_model (doc);
  g_assert_true (ps_document_fill (doc, param (win, "2.bias"), 7, &error));
  g_assert_true (ps_document_is_modified (doc));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.example", "s", "tied"));
  question = find_question (win);
  g_assert_nonnull (question);
  g_assert_true (ps_document_get_model (doc) == mlp);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (question), GTK_RESPONSE_CANCEL);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_true (ps_document_get_model (doc) == mlp);
  g_assert_cmpfloat (ps_param_get_data (param (win, "2.bias"))->data[0], ==, 7);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.example", "s", "tied"));
  question = find_question (win);
  g_assert_nonnull (question);
  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_dialog_response (GTK_DIALOG (question), GTK_RESPONSE_ACCEPT);
  G_GNUC_END_IGNORE_DEPRECATIONS
  g_assert_true (ps_document_get_model (doc) != mlp);
  g_assert_false (ps_document_is_modified (doc));
  /* nothing changed: no question */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.example", "s", "mlp"));
  g_assert_null (find_question (win));
  g_assert_cmpstr (ps_document_get_title (doc), ==, "mlp.py");
}

/* A model file dropped on the window over changed values asks first, as
 * Open does; a notebook dropped opens beside the network, unasked. */
static void
test_drop_asks_over_edits (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsModule *mlp;
  GtkDropTarget *drop = NULL;
  g_autoptr (GListModel) controllers = NULL;
  g_autofree char *tied = g_build_filename (PS_SOURCE_ROOT, "data", "models", "tied.py", NULL);
  g_autofree char *lesson = g_build_filename (PS_SOURCE_ROOT, "data", "lessons", "parameters-en.ipynb", NULL);
  GValue v = G_VALUE_INIT;
  GSList *files = NULL;
  gboolean done = FALSE;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  mlp = ps_document_get_model (doc);
  controllers = gtk_widget_observe_controllers (GTK_WIDGET (win));
  for (guint i = 0; i < g_list_model_get_n_items (controllers) && drop == NULL; i++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, i);
      if (GTK_IS_DROP_TARGET (c))
        drop = GTK_DROP_TARGET (c);
    }
  g_assert_nonnull (drop);
  g_assert_true (ps_document_fill (doc, param (win, "2.bias"), 7, &error));
  g_assert_no_error (error);

  files = g_slist_append (NULL, g_file_new_for_path (tied));
  g_value_init (&v, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&v, files);
  g_signal_emit_by_name (drop, "drop", &v, 10.0, 10.0, &done);
  g_assert_true (done);
  g_assert_nonnull (find_question (win));
  g_assert_true (ps_document_get_model (doc) == mlp);        /* nothing yet */
  answer (find_question (win), GTK_RESPONSE_CANCEL);
  g_assert_true (ps_document_get_model (doc) == mlp);
  g_assert_cmpfloat (ps_param_get_data (param (win, "2.bias"))->data[0], ==, 7);
  g_assert_cmpstr (ps_test_window_status (win), ==, "kept the changed network");

  /* a notebook: no question, the network stays as it is */
  g_value_unset (&v);
  files = g_slist_append (NULL, g_file_new_for_path (lesson));
  g_value_init (&v, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&v, files);
  g_signal_emit_by_name (drop, "drop", &v, 10.0, 10.0, &done);
  g_assert_true (done);
  g_assert_null (find_question (win));
  g_assert_true (ps_document_get_model (doc) == mlp);
  g_assert_true (ps_document_is_modified (doc));

  /* the model file again, discarding: it opens */
  g_value_unset (&v);
  files = g_slist_append (NULL, g_file_new_for_path (tied));
  g_value_init (&v, GDK_TYPE_FILE_LIST);
  g_value_take_boxed (&v, files);
  g_signal_emit_by_name (drop, "drop", &v, 10.0, 10.0, &done);
  answer (find_question (win), GTK_RESPONSE_ACCEPT);
  g_assert_true (ps_document_get_model (doc) != mlp);
  g_assert_cmpstr (ps_document_get_title (doc), ==, "tied.py");
  g_value_unset (&v);
}

/* Model → Paste over changed values: the question comes over the paste
 * dialog; Cancel keeps both the network and the pasted text; Discard
 * makes the text the network and closes the dialog. */
static void
test_paste_asks_over_edits (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsModule *mlp;
  GtkWidget *paste = NULL;
  GListModel *tops = gtk_window_get_toplevels ();
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  mlp = ps_document_get_model (doc);
  g_assert_true (ps_document_fill (doc, param (win, "2.bias"), 7, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.paste-model", NULL));
  for (guint i = 0; i < g_list_model_get_n_items (tops) && paste == NULL; i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (tops, i);
      if (GTK_IS_DIALOG (w) && gtk_widget_get_visible (w) && ps_test_find_widget (w, GTK_TYPE_TEXT_VIEW))
        paste = w;
    }
  g_assert_nonnull (paste);
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (GTK_TEXT_VIEW (ps_test_find_widget (paste, GTK_TYPE_TEXT_VIEW))),
                            "net = nn.Sequential(nn.Linear(3, 5), nn.ReLU())\n", -1);
  answer (paste, GTK_RESPONSE_ACCEPT);
  g_assert_nonnull (find_question_over (paste));
  g_assert_true (ps_document_get_model (doc) == mlp);
  answer (find_question_over (paste), GTK_RESPONSE_CANCEL);
  g_assert_true (ps_document_get_model (doc) == mlp);
  g_assert_true (gtk_widget_get_visible (paste));             /* the text is still there */

  g_object_ref (paste);
  answer (paste, GTK_RESPONSE_ACCEPT);
  answer (find_question_over (paste), GTK_RESPONSE_ACCEPT);
  g_assert_false (gtk_widget_get_visible (paste));            /* done with */
  g_object_unref (paste);
  g_assert_true (ps_document_get_model (doc) != mlp);
  g_assert_cmpint (ps_module_get_in_features (ps_module_index (ps_document_get_model (doc), 0, NULL)), ==, 3);
  g_assert_false (ps_document_is_modified (doc));
}

/* Initialize: schemes grouped (PyTorch nn.init, Keras, the lesson's own);
 * Xavier defaults to the weights; the same seed twice says so, and New
 * Seed changes it. */
static void
test_init_panel (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *panel, *dropdown, *target, *seed;
  GListModel *names;
  guint n, xavier = G_MAXUINT, glorot = G_MAXUINT, mine = G_MAXUINT;

  if (win == NULL)
    return;
  panel = ps_test_window_child (win, "init_panel");
  dropdown = ps_test_template_child (panel, G_OBJECT_TYPE (panel), "scheme_dropdown");
  target = ps_test_template_child (panel, G_OBJECT_TYPE (panel), "target_dropdown");
  seed = ps_test_template_child (panel, G_OBJECT_TYPE (panel), "seed_spin");
  names = gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown));
  n = g_list_model_get_n_items (names);
  for (guint i = 0; i < n; i++)
    {
      const char *name = gtk_string_list_get_string (GTK_STRING_LIST (names), i);
      if (g_str_equal (name, "xavier_uniform"))
        xavier = i;
      else if (g_str_equal (name, "glorot_uniform"))
        glorot = i;
      else if (g_str_equal (name, "d2l_custom"))
        mine = i;
    }
  /* the groups' order */
  g_assert_cmpuint (xavier, <, glorot);
  g_assert_cmpuint (glorot, <, mine);
  g_assert_cmpuint (mine, ==, n - 1);

  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), xavier);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (target)), ==, PS_TARGET_WEIGHTS);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 0);
  g_assert_cmpuint (gtk_drop_down_get_selected (GTK_DROP_DOWN (target)), ==, PS_TARGET_BOTH);

  /* on the whole network: xavier on the weights works, twice with one seed */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), xavier);
  g_assert_true (ps_window_select_key (win, ""));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.init", NULL));
  g_assert_null (strstr (ps_test_window_status (win), "same values"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.init", NULL));
  g_assert_nonnull (strstr (ps_test_window_status (win), "same values"));
  {
    /* the button beside the seed */
    GtkWidget *button = gtk_widget_get_next_sibling (seed);
    g_assert_true (GTK_IS_BUTTON (button));
    g_signal_emit_by_name (button, "clicked");
  }
  g_assert_cmpint (gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (seed)), !=, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.init", NULL));
  g_assert_null (strstr (ps_test_window_status (win), "same values"));
}

/* Training from the window starts at a pace a room can watch, with a step
 * limit; flat out is one choice away. */
static void
test_teaching_pace (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsRunController *run;
  double speed;
  GtkWidget *train, *dropdown;

  if (win == NULL)
    return;
  run = ps_window_get_controller (win);
  g_object_get (run, "speed", &speed, NULL);
  g_assert_cmpfloat (speed, >=, 10);
  g_assert_cmpfloat (speed, <=, 30);
  /* the panel shows it */
  train = ps_test_window_child (win, "train_panel");
  dropdown = ps_test_template_child (train, G_OBJECT_TYPE (train), "speed_dropdown");
  g_assert_nonnull (strstr (gtk_string_list_get_string (
                              GTK_STRING_LIST (gtk_drop_down_get_model (GTK_DROP_DOWN (dropdown))),
                              gtk_drop_down_get_selected (GTK_DROP_DOWN (dropdown))),
                            "20 steps/s"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  g_assert_true (ps_run_controller_is_running (run));
  g_assert_nonnull (strstr (ps_test_window_status (win), "up to 1000 steps"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  g_assert_false (ps_run_controller_is_running (run));
  /* flat out: the first row */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (dropdown), 0);
  g_object_get (run, "speed", &speed, NULL);
  g_assert_cmpfloat (speed, ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  g_assert_nonnull (strstr (ps_test_window_status (win), "as fast as it goes"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.train-toggle", NULL));
  g_assert_false (ps_run_controller_is_running (run));
}

/* Inspect shows a tied gradient as the sum of its uses' contributions. */
static void
test_tied_gradient_by_use (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *text = NULL;
  g_autoptr (GPtrArray) uses = NULL;
  PsTensor *g;

  if (win == NULL)
    return;
  g_assert_true (ps_window_select_key (win, "2.weight"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "inspect"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  uses = ps_document_get_use_grads (ps_window_get_document (win), param (win, "2.weight"));
  g_assert_cmpuint (uses->len, ==, 2);
  g = ps_param_get_grad (param (win, "2.weight"));
  g_assert_cmpfloat_with_epsilon (((PsTensor *) uses->pdata[0])->data[5] + ((PsTensor *) uses->pdata[1])->data[5],
                                  g->data[5], 1e-6 + 1e-5 * fabsf (g->data[5]));
  text = ps_test_inspector_text (win);
  g_test_message ("%s", text);
  g_assert_nonnull (strstr (text, "Gradient by use"));
  g_assert_nonnull (strstr (text, "2.weight: [0]"));
  g_assert_nonnull (strstr (text, "4.weight: [0]"));
  g_assert_nonnull (strstr (text, "sum of the uses"));
}

int
main (int argc, char **argv)
{
  static const PsTestWindowSetup mlp = { "mlp", 1300, 800 };
  static const PsTestWindowSetup spiral = { "spiral", 1300, 800 };
  static const PsTestWindowSetup tied = { "tied", 1300, 800 };

  gtk_test_init (&argc, &argv, NULL);
  PS_TEST_WINDOW ("/lesson-steps/preset-one-step", &mlp, test_preset_one_step);
  PS_TEST_WINDOW ("/lesson-steps/preset-xavier-42", &mlp, test_preset_xavier_42);
  PS_TEST_WINDOW ("/lesson-steps/edit-names-the-cell", &mlp, test_edit_names_the_cell);
  PS_TEST_WINDOW ("/lesson-steps/init-error-names-param", &mlp, test_init_error_names_param);
  PS_TEST_WINDOW ("/lesson-steps/stale-after-edit", &mlp, test_stale_after_edit);
  PS_TEST_WINDOW ("/lesson-steps/backward-accumulates", &mlp, test_backward_accumulates);
  PS_TEST_WINDOW ("/lesson-steps/open-asks-over-edits", &mlp, test_open_asks_over_edits);
  PS_TEST_WINDOW ("/lesson-steps/drop-asks-over-edits", &mlp, test_drop_asks_over_edits);
  PS_TEST_WINDOW ("/lesson-steps/paste-asks-over-edits", &mlp, test_paste_asks_over_edits);
  PS_TEST_WINDOW ("/lesson-steps/init-panel", &mlp, test_init_panel);
  PS_TEST_WINDOW ("/lesson-steps/teaching-pace", &spiral, test_teaching_pace);
  PS_TEST_WINDOW ("/lesson-steps/tied-gradient-by-use", &tied, test_tied_gradient_by_use);
  return g_test_run ();
}
