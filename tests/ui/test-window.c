/* test-window.c — the whole window, in process under Xvfb: the block tree of
 * rgnet, tied views changing together, lazy layers materializing, init and
 * undo seen in pixels, the gradient view after Backward */
#include "ps-ui-test-util.h"
#include "ps-application.h"

#include <glib/gstdio.h>
#include "ps-block-tree.h"
#include "ps-matrix-view.h"

#include <math.h>
#include <string.h>

/* The colour of cell (r, c) of a heatmap view as drawn now. */
static guint32
cell_colour (GtkWidget *view, int r, int c)
{
  g_autoptr (GdkTexture) tex = NULL;
  graphene_rect_t rect;
  int w, h, x, y;
  g_autofree guint32 *px = NULL;

  gtk_test_widget_wait_for_draw (view);
  tex = ps_matrix_view_render_texture (PS_MATRIX_VIEW (view), 0, 0);
  g_assert_nonnull (tex);
  w = gdk_texture_get_width (tex);
  h = gdk_texture_get_height (tex);
  px = g_new (guint32, (gsize) w * h);
  gdk_texture_download (tex, (guchar *) px, (gsize) w * 4);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), r, c, &rect);
  x = (int) (rect.origin.x + rect.size.width / 2);
  y = (int) (rect.origin.y + rect.size.height / 2);
  g_assert_true (x >= 0 && x < w && y >= 0 && y < h);
  return px[(gsize) y * w + x] | 0xff000000u;
}

static PsParam *
param (PsWindow *win, const char *key)
{
  return ps_module_find_param (ps_document_get_model (ps_window_get_document (win)), key);
}

static void
test_rgnet_tree (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkSelectionModel *model;

  if (win == NULL)
    return;
  /* the first parameter is shown at start, as the lesson begins with it */
  g_assert_cmpstr (ps_tree_node_get_key (ps_window_get_selected_node (win)), ==, "0.block 0.0.weight");
  g_assert_true (ps_window_select_key (win, "0.block 1.0.bias"));
  g_assert_cmpstr (ps_tree_node_get_key (ps_window_get_selected_node (win)), ==, "0.block 1.0.bias");
  model = gtk_list_view_get_model (GTK_LIST_VIEW (ps_test_template_child (ps_test_window_child (win, "tree"),
                                                                           PS_TYPE_BLOCK_TREE, "list")));
  /* rows: rgnet, (0), (block 0), its 4 children, weight, bias, (block 1), ... all expanded
   * along the two paths: at least the 11 rows down to 0.block 1.0.bias */
  g_assert_cmpuint (g_list_model_get_n_items (G_LIST_MODEL (model)), >=, 11);
  g_assert_false (ps_window_select_key (win, "0.block 9.0.bias"));
}

static void
test_tied_views_change_together (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *view;
  guint32 before, after;
  GError *error = NULL;

  if (win == NULL)
    return;
  g_assert_true (ps_window_select_key (win, "4.weight"));
  view = ps_test_window_child (win, "data_view");
  before = cell_colour (view, 0, 0);
  /* net[2].weight.data[0, 0] = 100: the view of net[4] changes */
  g_assert_true (ps_document_set_element (ps_window_get_document (win), param (win, "2.weight"), 0,
                                          100, &error));
  g_assert_no_error (error);
  after = cell_colour (view, 0, 0);
  g_assert_cmphex (after, !=, before);
  g_assert_cmphex (after, ==, ps_colormap_argb (100.f, 100.f));     /* the new maximum: darkest red */
}

static void
test_edit_through_the_view (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *view;

  if (win == NULL)
    return;
  g_assert_true (ps_window_select_key (win, "2.weight"));
  view = ps_test_window_child (win, "data_view");
  g_assert_true (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 0, 0));
  g_assert_false (ps_matrix_view_commit_text (PS_MATRIX_VIEW (view), "abc"));   /* refused */
  g_assert_cmpfloat (ps_param_get_data (param (win, "2.weight"))->data[0], !=, 7.f);
  g_assert_true (ps_matrix_view_commit_text (PS_MATRIX_VIEW (view), "7"));
  g_assert_cmpfloat (ps_param_get_data (param (win, "4.weight"))->data[0], ==, 7.f);
  /* the status says which other name changed with it */
  g_assert_nonnull (strstr (ps_test_window_status (win), "4.weight"));
}

static void
test_lazy_forward (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsModule *first;

  if (win == NULL)
    return;
  first = ps_module_index (ps_document_get_model (ps_window_get_document (win)), 0, NULL);
  g_assert_true (ps_module_is_lazy (first));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_false (ps_module_is_lazy (first));
  g_assert_cmpint (ps_module_get_in_features (first), ==, 20);
  g_assert_nonnull (ps_param_get_data (param (win, "0.weight")));
  /* the selection survives the tree's rebuild, and now has values to draw */
  g_assert_cmpstr (ps_tree_node_get_key (ps_window_get_selected_node (win)), ==, "0.weight");
  (void) cell_colour (ps_test_window_child (win, "data_view"), 0, 0);
}

static void
test_init_and_undo_in_pixels (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *view;
  PsDocument *doc;
  g_autoptr (PsInitScheme) c42 = ps_init_scheme_parse ("constant(42)", NULL);
  guint32 before;
  GError *error = NULL;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  view = ps_test_window_child (win, "data_view");
  g_assert_cmpstr (ps_tree_node_get_key (ps_window_get_selected_node (win)), ==, "0.weight");
  before = cell_colour (view, 3, 2);
  g_assert_true (ps_document_initialize (doc, ps_module_index (ps_document_get_model (doc), 0, NULL),
                                         NULL, PS_TARGET_WEIGHTS, c42, 0, &error));
  g_assert_no_error (error);
  /* every value 42: the colour of 42 in a map of [-42, 42] */
  g_assert_cmphex (cell_colour (view, 3, 2), ==, ps_colormap_argb (42.f, 42.f));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.undo", NULL));
  g_assert_cmphex (cell_colour (view, 3, 2), ==, before);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.redo", NULL));
  g_assert_cmphex (cell_colour (view, 3, 2), ==, ps_colormap_argb (42.f, 42.f));
}

static void
test_gradient_after_backward (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *grad;
  PsTensor *g;

  if (win == NULL)
    return;
  grad = ps_test_window_child (win, "grad_view");
  g_assert_null (ps_param_get_grad (param (win, "0.weight")));   /* "no gradient yet" */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g = ps_param_get_grad (param (win, "0.weight"));
  g_assert_nonnull (g);
  {
    float range = ps_heatmap_range (g->data, g->numel);
    g_assert_cmphex (cell_colour (grad, 0, 0), ==, ps_colormap_argb (g->data[0], range));
    g_assert_cmphex (cell_colour (grad, 7, 3), ==, ps_colormap_argb (g->data[7 * 4 + 3], range));
  }
}

static void
test_bad_model_keeps_window (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *bad = g_build_filename (g_getenv ("PS_CORPUS"), "models", "unknown_layer.py", NULL);
  GError *error = NULL;

  if (win == NULL)
    return;
  g_assert_false (ps_window_open_model (win, bad, &error));
  g_clear_error (&error);
  g_assert_nonnull (strstr (ps_test_window_status (win), "unknown_layer.py:"));
  g_assert_nonnull (param (win, "2.bias"));                          /* the MLP is still there */
}

/* Pixels of the inspector's histograms: (bars, the density line) */
static void
histogram_pixels (PsWindow *win, guint *bars, guint *line)
{
  GtkWidget *inspector = ps_test_window_child (win, "inspector");
  GtkWidget *w = ps_test_template_child (inspector, G_OBJECT_TYPE (inspector), "histogram");
  g_autoptr (GdkPaintable) p = NULL;
  g_autoptr (GtkSnapshot) s = gtk_snapshot_new ();
  g_autoptr (GskRenderNode) node = NULL;
  g_autoptr (GdkTexture) tex = NULL;
  g_autofree guint32 *px = NULL;
  int width, height;

  gtk_widget_queue_draw (w);
  gtk_test_widget_wait_for_draw (w);
  width = gtk_widget_get_width (w);
  height = gtk_widget_get_height (w);
  g_assert_cmpint (width, >, 0);
  p = gtk_widget_paintable_new (w);
  gdk_paintable_snapshot (p, s, width, height);
  node = gtk_snapshot_free_to_node (g_steal_pointer (&s));
  tex = gsk_renderer_render_texture (gtk_native_get_renderer (gtk_widget_get_native (w)), node,
                                     &GRAPHENE_RECT_INIT (0, 0, width, height));
  px = g_new (guint32, (gsize) width * height);
  gdk_texture_download (tex, (guchar *) px, (gsize) width * 4);
  *bars = *line = 0;
  for (gsize i = 0; i < (gsize) width * height; i++)
    {
      int r = (px[i] >> 16) & 0xff, g = (px[i] >> 8) & 0xff, b = px[i] & 0xff;
      *bars += b > 150 && r < 110 && g > 110 && g < 170;      /* steel blue */
      *line += r > 150 && g < 60 && b < 80;                   /* dark red */
    }
}

static void
test_inspector_histogram (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  guint bars, line;
  GError *error = NULL;

  if (win == NULL)
    return;
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 900);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "inspect"));
  g_assert_true (ps_window_select_key (win, "2.weight"));
  histogram_pixels (win, &bars, &line);
  g_assert_cmpuint (bars, >, 50);           /* the values' bars */
  g_assert_cmpuint (line, ==, 0);           /* no initializer known yet */
  /* the lesson's init_normal: the bars and N(0, 0.01)'s expected counts */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.preset", "s", "init_normal"));
  histogram_pixels (win, &bars, &line);
  g_assert_cmpuint (bars, >, 50);
  g_assert_cmpuint (line, >, 20);
  /* an edit: the values are no longer the scheme's, the line goes */
  g_assert_true (ps_document_set_element (ps_window_get_document (win), param (win, "2.weight"),
                                          0, 0.5f, &error));
  g_assert_no_error (error);
  histogram_pixels (win, &bars, &line);
  g_assert_cmpuint (line, ==, 0);
}

/* The keyboard reaches the block tree: Tab from the window's start lands in
 * it, and Tab leaves it again (after its rows: GTK 4.8's list view has no
 * tab behaviour to set). */
static void
test_tree_in_tab_chain (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *tree, *focus = NULL;
  gboolean reached = FALSE;

  if (win == NULL)
    return;
  tree = ps_test_template_child (ps_test_window_child (win, "tree"), PS_TYPE_BLOCK_TREE, "list");
  gtk_window_set_focus (GTK_WINDOW (win), NULL);
  for (int i = 0; i < 60 && !reached; i++)
    {
      gtk_widget_child_focus (GTK_WIDGET (win), GTK_DIR_TAB_FORWARD);
      focus = gtk_root_get_focus (GTK_ROOT (win));
      reached = focus != NULL && (focus == tree || gtk_widget_is_ancestor (focus, tree));
      if (g_test_verbose () && focus)
        g_printerr ("tab %d: %s\n", i, G_OBJECT_TYPE_NAME (focus));
    }
  g_assert_true (reached);
  /* and Tab leaves it again, for the heatmaps and the panels */
  for (int i = 0; i < 60 && reached; i++)
    {
      gtk_widget_child_focus (GTK_WIDGET (win), GTK_DIR_TAB_FORWARD);
      focus = gtk_root_get_focus (GTK_ROOT (win));
      reached = focus != NULL && (focus == tree || gtk_widget_is_ancestor (focus, tree));
      if (g_test_verbose () && focus)
        g_printerr ("tab on %d: %s\n", i, G_OBJECT_TYPE_NAME (focus));
    }
  g_assert_false (reached);
}

/* ---- the file chooser ------------------------------------------------------ */

static GtkWidget *
file_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (tops, i);
      if (GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_visible (w))
        return w;
    }
  return NULL;
}

/* The window's file chooser, shown by an action and answered: the
 * dialog appears, and goes after its answer. */
static GtkWidget *
wait_file_dialog (gboolean present)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while ((file_dialog () != NULL) != present)
    {
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  return file_dialog ();
}

/* Choose file in the dialog and accept it (the dialog selects the file once
 * its folder has loaded). */
static void
accept_file (GtkWidget *dialog, GFile *file)
{
  gint64 end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  g_assert_true (gtk_file_chooser_set_file (GTK_FILE_CHOOSER (dialog), file, NULL));
  for (;;)
    {
      g_autoptr (GFile) chosen = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      if (chosen && g_file_equal (chosen, file))
        break;
      g_main_context_iteration (NULL, FALSE);
      g_assert_cmpint (g_get_monotonic_time (), <, end);
    }
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
}

static void
iterate (void)
{
  for (int i = 0; i < 5; i++)
    while (g_main_context_iteration (NULL, FALSE))
      ;
}

static guint
n_toplevels (void)
{
  return g_list_model_get_n_items (gtk_window_get_toplevels ());
}

static void
test_file_chooser (void)
{
  PsWindow *win;
  PsParam *w;
  GtkWidget *dialog;
  g_autofree char *dir = NULL, *path = NULL;
  g_autoptr (GFile) file = NULL;
  GError *error = NULL;
  float saved;
  guint tops;

  if (!g_test_subprocess ())
    {
      g_test_skip ("runs as the child of /window/file-chooser");
      return;
    }
  if (ps_test_skip_without_display ())
    return;
  win = g_object_ref (ps_test_open_example ("mlp", 1300, 800));
  tops = n_toplevels ();
  w = param (win, "0.weight");
  saved = ps_param_get_data (w)->data[0];
  dir = g_dir_make_tmp ("ps-chooser-XXXXXX", NULL);
  path = g_build_filename (dir, "w.safetensors", NULL);
  g_assert_true (ps_document_save_weights (ps_window_get_document (win), path, &error));
  g_assert_no_error (error);
  g_assert_true (ps_document_set_element (ps_window_get_document (win), w, 0, 7.f, &error));

  /* cancelled, again and again: nothing changes, no dialog stays behind */
  for (int k = 0; k < 3; k++)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.open-weights", NULL));
      dialog = wait_file_dialog (TRUE);
      g_assert_true (gtk_window_get_modal (GTK_WINDOW (dialog)));
      gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_CANCEL);
      wait_file_dialog (FALSE);
      iterate ();
      g_assert_cmpuint (n_toplevels (), ==, tops);
      g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, 7.f);
    }
  /* accepted: the weights are loaded */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.open-weights", NULL));
  dialog = wait_file_dialog (TRUE);
  file = g_file_new_for_path (path);
  accept_file (dialog, file);
  wait_file_dialog (FALSE);
  iterate ();
  g_assert_cmpfloat (ps_param_get_data (w)->data[0], ==, saved);
  g_assert_cmpuint (n_toplevels (), ==, tops);
  /* the window closed while its chooser is open: the answer goes nowhere */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.open-weights", NULL));
  dialog = wait_file_dialog (TRUE);
  gtk_window_destroy (GTK_WINDOW (win));
  iterate ();
  accept_file (dialog, file);
  wait_file_dialog (FALSE);
  iterate ();
  g_assert_cmpuint (n_toplevels (), ==, tops - 1);
  g_assert_finalize_object (win);               /* the chooser kept no reference to it */
  g_unlink (path);
  g_rmdir (dir);
}

/* Paste a Model: text that is not a model keeps the dialog and says why;
 * a model replaces the network and closes it. */
static GtkWidget *
paste_dialog (void)
{
  GListModel *tops = gtk_window_get_toplevels ();
  for (guint i = 0; i < g_list_model_get_n_items (tops); i++)
    {
      g_autoptr (GtkWidget) w = g_list_model_get_item (tops, i);
      if (GTK_IS_DIALOG (w) && !GTK_IS_FILE_CHOOSER (w) && gtk_widget_get_visible (w))
        return w;
    }
  return NULL;
}

static GtkTextView *
find_text_view (GtkWidget *w)
{
  return GTK_TEXT_VIEW (ps_test_find_widget (w, GTK_TYPE_TEXT_VIEW));
}

static void
test_paste_model (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *dialog, *error_label = NULL;
  PsModule *model;

  if (win == NULL)
    return;
  model = ps_document_get_model (ps_window_get_document (win));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.paste-model", NULL));
  dialog = paste_dialog ();
  g_assert_nonnull (dialog);
  g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (dialog)) == GTK_WINDOW (win));
  gtk_text_buffer_set_text (gtk_text_view_get_buffer (find_text_view (dialog)),
                            "net = nn.Sequential(nn.Linear(4, 8), nn.Relu())\n", -1);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_assert_true (paste_dialog () == dialog);                  /* kept, with the text */
  for (GtkWidget *w = ps_test_find_widget (dialog, GTK_TYPE_LABEL); w; w = gtk_widget_get_next_sibling (w))
    if (GTK_IS_LABEL (w) && gtk_widget_has_css_class (w, "error"))
      error_label = w;
  g_assert_nonnull (error_label);
  g_assert_true (gtk_widget_get_visible (error_label));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (error_label)), "Relu"));
  g_assert_true (ps_document_get_model (ps_window_get_document (win)) == model);

  gtk_text_buffer_set_text (gtk_text_view_get_buffer (find_text_view (dialog)),
                            "net = nn.Sequential(nn.Linear(3, 5), nn.ReLU())\n", -1);
  gtk_dialog_response (GTK_DIALOG (dialog), GTK_RESPONSE_ACCEPT);
  g_assert_null (paste_dialog ());
  g_assert_cmpint (ps_module_get_in_features (ps_module_index (ps_document_get_model (ps_window_get_document (win)),
                                                               0, NULL)), ==, 3);
  g_assert_nonnull (strstr (gtk_window_get_title (GTK_WINDOW (win)), "pasted"));
}

/* `paramscope BAD.py`: the window opens on the lesson's MLP and says why
 * the file was refused, with its line and column. */
typedef struct
{
  GApplication *app;
  char *status, *title;
} AppCheck;

static gboolean
check_app_window (gpointer data)
{
  AppCheck *ac = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (ac->app));

  if (windows == NULL)
    return G_SOURCE_CONTINUE;          /* not presented yet */
  ac->status = g_strdup (ps_test_window_status (windows->data));
  ac->title = g_strdup (gtk_window_get_title (GTK_WINDOW (windows->data)));
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (ac->app))) != NULL)
    gtk_window_destroy (windows->data);
  return G_SOURCE_REMOVE;
}

static void
test_bad_model_argument (void)
{
  g_autoptr (PsApplication) app = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  AppCheck ac = { 0 };
  char *argv[] = { "paramscope", NULL, NULL };

  if (ps_test_skip_without_display ())
    return;
  dir = g_dir_make_tmp ("ps-bad-XXXXXX", NULL);
  path = g_build_filename (dir, "bad.py", NULL);
  g_assert_true (g_file_set_contents (path, "net = nn.Sequential(nn.Linear(4, 8), nn.Relu())\n",
                                      -1, NULL));
  argv[1] = path;
  app = ps_application_new ();
  ac.app = G_APPLICATION (app);
  g_timeout_add (50, check_app_window, &ac);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 2, argv), ==, 0);
  g_assert_nonnull (ac.status);
  g_assert_nonnull (strstr (ac.status, "bad.py:1:41"));
  g_assert_nonnull (strstr (ac.title, "mlp.py"));
  g_free (ac.status);
  g_free (ac.title);
  g_unlink (path);
  g_rmdir (dir);
}

/* Quit (Ctrl+Q, app.quit) with two windows, one showing its Keyboard Shortcuts
 * (built when first asked for): every window goes and
 * the application ends.  Quit walked the application's own list of windows
 * while each destroyed window took its link out of it (a heap-use-after-free
 * under AddressSanitizer, the monkey's seed 1717). */
typedef struct
{
  GApplication *app;
  int           phase;
  guint         seen;
} QuitCheck;

static gboolean
quit_step (gpointer data)
{
  QuitCheck *qc = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (qc->app));

  if (qc->phase == 0 && windows != NULL)
    {
      g_application_activate (qc->app);             /* a second window */
      qc->phase = 1;
    }
  else if (qc->phase == 1 && g_list_length (windows) >= 2)
    {
      GtkApplicationWindow *first = windows->data;
      GtkShortcutsWindow *help;

      /* the Keyboard Shortcuts window is made when first asked for */
      g_assert_null (gtk_application_window_get_help_overlay (first));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (first), "win.show-help-overlay", NULL));
      help = gtk_application_window_get_help_overlay (first);
      g_assert_nonnull (help);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (help)));
      g_assert_true (gtk_window_get_transient_for (GTK_WINDOW (help)) == GTK_WINDOW (first));
      /* closed, it is destroyed, not kept hidden (a hidden toplevel has no
       * accessible object path: tests/ui/a11y-root.py), and made again */
      gtk_window_close (GTK_WINDOW (help));
      g_assert_null (gtk_application_window_get_help_overlay (first));
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (first), "win.show-help-overlay", NULL));
      help = gtk_application_window_get_help_overlay (first);
      g_assert_nonnull (help);
      g_assert_true (gtk_widget_get_visible (GTK_WIDGET (help)));
      qc->seen = g_list_length (windows);
      g_action_group_activate_action (G_ACTION_GROUP (qc->app), "quit", NULL);
      g_assert_null (gtk_application_get_windows (GTK_APPLICATION (qc->app)));
      qc->phase = 2;
      return G_SOURCE_REMOVE;
    }
  return G_SOURCE_CONTINUE;
}

static void
test_app_quit (void)
{
  g_autoptr (PsApplication) app = NULL;
  QuitCheck qc = { 0 };
  char *argv[] = { "paramscope", NULL };

  if (ps_test_skip_without_display ())
    return;
  app = ps_application_new ();
  qc.app = G_APPLICATION (app);
  g_timeout_add (50, quit_step, &qc);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
  g_assert_cmpint (qc.phase, ==, 2);
  g_assert_cmpuint (qc.seen, ==, 2);
}

/* The shortcuts the application sets: Presentation Mode has its own
 * (Ctrl+Shift+P), not Forward's F5, and no two actions share a key (checked
 * on the running application, where the accelerators live). */
static gboolean
accels_step (gpointer data)
{
  GApplication *app = data;
  g_auto (GStrv) actions = NULL;
  g_autoptr (GHashTable) owner = NULL;
  g_auto (GStrv) presentation = NULL;

  if (gtk_application_get_windows (GTK_APPLICATION (app)) == NULL)
    return G_SOURCE_CONTINUE;
  actions = gtk_application_list_action_descriptions (GTK_APPLICATION (app));
  owner = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_assert_cmpuint (g_strv_length (actions), >=, 20);
  for (guint i = 0; actions[i]; i++)
    {
      g_auto (GStrv) accels = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                                      actions[i]);
      for (guint k = 0; accels[k]; k++)
        {
          guint key = 0;
          GdkModifierType mods = 0;
          g_autofree char *norm = NULL;
          const char *before;

          g_assert_true (gtk_accelerator_parse (accels[k], &key, &mods));
          norm = gtk_accelerator_name (key, mods);
          before = g_hash_table_lookup (owner, norm);
          if (before != NULL)
            g_error ("%s is the shortcut of both %s and %s", norm, before, actions[i]);
          g_hash_table_insert (owner, g_strdup (norm), g_strdup (actions[i]));
        }
    }
  presentation = gtk_application_get_accels_for_action (GTK_APPLICATION (app),
                                                        "win.presentation");
  {
    guint key = 0;
    GdkModifierType mods = 0;
    g_assert_true (gtk_accelerator_parse (presentation[0], &key, &mods));
    g_assert_cmpuint (key, ==, GDK_KEY_p);
    g_assert_cmpuint (mods, ==, GDK_CONTROL_MASK | GDK_SHIFT_MASK);
  }
  g_assert_cmpstr (g_hash_table_lookup (owner, "F5"), ==, "win.forward");
  g_application_quit (app);
  return G_SOURCE_REMOVE;
}

static void
test_app_accels (void)
{
  g_autoptr (PsApplication) app = NULL;
  char *argv[] = { "paramscope", NULL };

  if (ps_test_skip_without_display ())
    return;
  app = ps_application_new ();
  g_timeout_add (50, accels_step, app);
  g_assert_cmpint (g_application_run (G_APPLICATION (app), 1, argv), ==, 0);
}

/* GTK 4.8's file chooser widget leaks a little each time it shows a folder:
 * GtkPathBar's file-info callback drops the GList it is given and the
 * GFileInfos queried for it on GIO's worker thread, and GtkRecentManager's
 * change handler drops a GDateTime.  LeakSanitizer reports these at exit with
 * only GTK, GIO and GLib frames above the allocation (no ParamScope frame:
 * the chooser, its request and the window are all finalized, which the test
 * asserts).  They cannot be suppressed by frame in a library without symbols,
 * so this one test runs in a child with leak detection off; AddressSanitizer's
 * other checks stay on, and every other test in this program keeps its leak
 * check. */
static void
test_file_chooser_without_gtk_leaks (void)
{
  const char *asan = g_getenv ("ASAN_OPTIONS");
  g_autofree char *opts = g_strconcat (asan ? asan : "", asan ? ":" : "", "detect_leaks=0", NULL);

  g_setenv ("ASAN_OPTIONS", opts, TRUE);
  g_test_trap_subprocess ("/window/file-chooser/subprocess", 60 * G_USEC_PER_SEC,
                          G_TEST_SUBPROCESS_INHERIT_STDOUT | G_TEST_SUBPROCESS_INHERIT_STDERR);
  if (asan)
    g_setenv ("ASAN_OPTIONS", asan, TRUE);
  else
    g_unsetenv ("ASAN_OPTIONS");
  g_test_trap_assert_passed ();
}

static const PsTestWindowSetup mlp = { "mlp", 1300, 800 };
static const PsTestWindowSetup rgnet = { "rgnet", 1300, 800 };
static const PsTestWindowSetup tied = { "tied", 1300, 800 };
static const PsTestWindowSetup lazy = { "lazy", 1300, 800 };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();      /* without a display every test skips */
  PS_TEST_WINDOW ("/window/rgnet-tree", &rgnet, test_rgnet_tree);
  PS_TEST_WINDOW ("/window/tied-views-change-together", &tied, test_tied_views_change_together);
  PS_TEST_WINDOW ("/window/edit-through-the-view", &tied, test_edit_through_the_view);
  PS_TEST_WINDOW ("/window/lazy-forward", &lazy, test_lazy_forward);
  PS_TEST_WINDOW ("/window/init-and-undo-in-pixels", &mlp, test_init_and_undo_in_pixels);
  PS_TEST_WINDOW ("/window/gradient-after-backward", &mlp, test_gradient_after_backward);
  PS_TEST_WINDOW ("/window/bad-model-keeps-window", &mlp, test_bad_model_keeps_window);
  PS_TEST_WINDOW ("/window/inspector-histogram", &mlp, test_inspector_histogram);
  PS_TEST_WINDOW ("/window/tree-in-tab-chain", &rgnet, test_tree_in_tab_chain);
  g_test_add_func ("/window/file-chooser", test_file_chooser_without_gtk_leaks);
  g_test_add_func ("/window/file-chooser/subprocess", test_file_chooser);
  PS_TEST_WINDOW ("/window/paste-model", &mlp, test_paste_model);
  g_test_add_func ("/window/bad-model-argument", test_bad_model_argument);
  g_test_add_func ("/window/app-quit", test_app_quit);
  g_test_add_func ("/window/app-accels", test_app_accels);
  return g_test_run ();
}
