/* test-checkpoint-window.c — a bare .safetensors in the checkpoint window,
 * in process under Xvfb: the tree of its dotted names (natural order,
 * aliases, groups opened on demand), a 3-D tensor's heatmap checked pixel
 * by pixel while the axis picker changes the fixed index, the rows, the
 * columns (and swaps them), the readout with the full index, statistics from
 * the worker, zoom re-pooling only the visible window, a file that does not
 * open.  Screenshots of the window (light and dark) are kept in the build
 * directory. */
#include "ps-application.h"
#include "ps-ui-test-util.h"
#include "ps-checkpoint-window.h"
#include "ps-matrix-view.h"
#include "ps-checkpoint-item.h"
#include "ps-test-checkpoint.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

/* model.cube[a, b, c] */
static float
cube (int a, int b, int c)
{
  float v = (float) (a * 100 + b * 10 + c);
  return (a + b + c) % 2 ? -v : v;
}

typedef struct
{
  char *dir, *path;
} Fixture;

static void
fixture_setup (Fixture *f, gconstpointer data)
{
  static const char *const meta[] = { "lm_head.weight", "model.embed.weight", NULL };
  float embed[6 * 4], cubev[2 * 3 * 4], w[15], norm[4] = { 1, 1.5f, 0.5f, 1 };
  double wd[15];
  guint8 w16[30], wb[30];
  PsTestTensor t[] = {
    { "model.embed.weight", PS_DTYPE_F32, 2, { 6, 4 }, embed },
    { "model.layers.0.w", PS_DTYPE_BF16, 2, { 3, 5 }, wb },
    { "model.layers.10.w", PS_DTYPE_F16, 2, { 3, 5 }, w16 },
    { "model.layers.2.w", PS_DTYPE_F32, 2, { 3, 5 }, w },
    { "model.cube", PS_DTYPE_F32, 3, { 2, 3, 4 }, cubev },
    { "model.norm", PS_DTYPE_F32, 1, { 4 }, norm },
  };
  g_autoptr (GBytes) bytes = NULL;
  GError *error = NULL;

  for (int i = 0; i < 24; i++)
    embed[i] = (float) (i - 12) / 4;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        cubev[(a * 3 + b) * 4 + c] = cube (a, b, c);
  for (int i = 0; i < 15; i++)
    {
      w[i] = (float) sin (i * 0.7);
      wd[i] = w[i];
    }
  ps_test_encode (PS_DTYPE_F16, wd, 15, w16);
  ps_test_encode (PS_DTYPE_BF16, wd, 15, wb);
  bytes = ps_test_st_build (t, G_N_ELEMENTS (t), meta, 8, 3);
  f->dir = g_dir_make_tmp ("paramscope-ckwin-XXXXXX", &error);
  g_assert_no_error (error);
  f->path = g_build_filename (f->dir, "tiny-llm.safetensors", NULL);
  ps_test_st_write (f->path, bytes);
}

static void
fixture_teardown (Fixture *f, gconstpointer data)
{
  g_unlink (f->path);
  g_rmdir (f->dir);
  g_free (f->path);
  g_free (f->dir);
}

static PsCheckpointWindow *
open_window (const char *path)
{
  PsCheckpointWindow *win = ps_checkpoint_window_new (NULL);
  GError *error = NULL;

  gtk_window_set_default_size (GTK_WINDOW (win), 1200, 780);
  g_assert_true (ps_checkpoint_window_open (win, path, &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (win));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  return win;
}

/* A named child of the window's template (tree_view, heatmap, row_dd ...). */
static GtkWidget *
child (PsCheckpointWindow *win, const char *name)
{
  return ps_test_template_child (GTK_WIDGET (win), PS_TYPE_CHECKPOINT_WINDOW, name);
}

static PsMatrixView *
heatmap_of (PsCheckpointWindow *win)
{
  return PS_MATRIX_VIEW (child (win, "heatmap"));
}

/* Frames until the heatmap has drawn its current view completely. */
static void
wait_ready (PsMatrixView *h)
{
  gint64 end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!ps_matrix_view_is_ready (h))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      gtk_widget_queue_draw (GTK_WIDGET (h));
      gtk_test_widget_wait_for_draw (GTK_WIDGET (h));
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

/* The colour drawn at the centre of slice cell (r, c), now. */
static guint32
cell_colour (PsMatrixView *h, int64_t r, int64_t c)
{
  g_autoptr (GdkTexture) tex = NULL;
  g_autofree guint32 *px = NULL;
  graphene_rect_t rect;
  int w, hh, x, y;

  wait_ready (h);
  tex = ps_matrix_view_render_texture (h, 0, 0);
  g_assert_nonnull (tex);
  w = gdk_texture_get_width (tex);
  hh = gdk_texture_get_height (tex);
  px = g_new (guint32, (gsize) w * hh);
  gdk_texture_download (tex, (guchar *) px, (gsize) w * 4);
  ps_matrix_view_cell_rect (h, r, c, &rect);
  x = (int) (rect.origin.x + rect.size.width / 2);
  y = (int) (rect.origin.y + rect.size.height / 2);
  g_assert_true (x >= 0 && x < w && y >= 0 && y < hh);
  return px[(gsize) y * w + x] | 0xff000000u;
}

/* The largest magnitude of cube with one axis fixed. */
static float
cube_range (int fixed_axis, int index)
{
  float m = 0;
  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        {
          int i[3] = { a, b, c };
          if (i[fixed_axis] == index)
            m = MAX (m, fabsf (cube (a, b, c)));
        }
  return m;
}

static GListModel *
tree_rows (PsCheckpointWindow *win)
{
  GtkWidget *tree = child (win, "tree_view");
  return G_LIST_MODEL (gtk_list_view_get_model (GTK_LIST_VIEW (tree)));
}

static const char *
row_key (PsCheckpointWindow *win, guint i)
{
  GListModel *rows = tree_rows (win);
  g_autoptr (GtkTreeListRow) row = g_list_model_get_item (rows, i);
  g_autoptr (PsCheckpointItem) item = gtk_tree_list_row_get_item (row);
  return ps_checkpoint_item_get_node (item)->key;
}

static char *
tree_keys (PsCheckpointWindow *win)
{
  GListModel *rows = tree_rows (win);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", row_key (win, i));
  return g_string_free (s, FALSE);
}

static void
test_tree (Fixture *f, gconstpointer data)
{
  PsCheckpointWindow *win;
  g_autofree char *keys = NULL, *keys2 = NULL, *keys3 = NULL;

  if (ps_test_skip_without_display ())
    return;
  win = open_window (f->path);
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (win)), ==, "tiny-llm.safetensors");
  /* two top-level groups, both open; natural order; nothing selected, nothing read */
  keys = tree_keys (win);
  g_assert_cmpstr (keys, ==, "lm_head lm_head.weight model model.cube model.embed model.layers "
                             "model.norm");
  g_assert_null (ps_checkpoint_window_get_selected_key (win));
  g_assert_null (ps_checkpoint_window_get_view (win));

  /* selecting a tensor inside a closed group opens it: 0, 2, 10 */
  g_assert_true (ps_checkpoint_window_select (win, "model.layers.10.w"));
  g_assert_cmpstr (ps_checkpoint_window_get_selected_key (win), ==, "model.layers.10.w");
  keys2 = tree_keys (win);
  g_assert_nonnull (strstr (keys2, "model.layers model.layers.0 model.layers.2 model.layers.10 "
                                   "model.layers.10.w model.norm"));
  g_assert_cmpstr (ps_checkpoint_window_get_view (win)->entry->dtype_name, ==, "F16");

  /* file order: layers as written (0, 10, 2) */
  ps_checkpoint_window_set_order (win, PS_CHECKPOINT_ORDER_FILE);
  g_assert_cmpstr (ps_checkpoint_window_get_selected_key (win), ==, "model.layers.10.w");
  keys3 = tree_keys (win);
  g_assert_nonnull (strstr (keys3, "model.layers model.layers.0 model.layers.10 model.layers.10.w "
                                   "model.layers.2"));
  g_assert_true (g_str_has_prefix (keys3, "model model.embed model.layers"));
  g_assert_true (g_str_has_suffix (keys3, "model.cube model.norm lm_head lm_head.weight"));

  /* an alias shows the tensor it names */
  g_assert_true (ps_checkpoint_window_select (win, "lm_head.weight"));
  g_assert_cmpstr (ps_checkpoint_window_get_view (win)->entry->name, ==, "model.embed.weight");
  /* a group shows no heatmap */
  g_assert_true (ps_checkpoint_window_select (win, "model.layers"));
  g_assert_null (ps_checkpoint_window_get_view (win));
  g_assert_false (ps_checkpoint_window_select (win, "model.layers.11"));
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_axis_picker_in_pixels (Fixture *f, gconstpointer data)
{
  PsCheckpointWindow *win;
  PsMatrixView *h;
  const PsCheckpointView *v;
  GtkWidget *spin0, *spin1;
  GtkDropDown *rows_dd;
  PsStats stats;
  gint64 end;

  if (ps_test_skip_without_display ())
    return;
  win = open_window (f->path);
  h = heatmap_of (win);
  g_assert_true (ps_checkpoint_window_select (win, "model.cube"));
  /* default: rows = axis 1, columns = axis 2, axis 0 at 0 */
  v = ps_checkpoint_window_get_view (win);
  g_assert_cmpint (v->row_axis, ==, 1);
  g_assert_cmpint (v->col_axis, ==, 2);
  g_assert_cmpint (v->rows, ==, 3);
  g_assert_cmpint (v->cols, ==, 4);
  rows_dd = GTK_DROP_DOWN (child (win, "row_dd"));
  g_assert_cmpuint (gtk_drop_down_get_selected (rows_dd), ==, 1);
  g_assert_null (ps_checkpoint_window_get_index_spin (win, 1));
  spin0 = ps_checkpoint_window_get_index_spin (win, 0);
  g_assert_nonnull (spin0);
  g_assert_cmphex (cell_colour (h, 1, 2), ==, ps_colormap_argb (cube (0, 1, 2), cube_range (0, 0)));
  g_assert_cmphex (cell_colour (h, 2, 3), ==, ps_colormap_argb (cube (0, 2, 3), cube_range (0, 0)));
  ps_test_screenshot (GTK_WIDGET (win), "checkpoint-window-light.png");

  /* the fixed index: axis 0 = 1 */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin0), 1);
  g_assert_cmpint (ps_checkpoint_window_get_view (win)->index[0], ==, 1);
  g_assert_cmphex (cell_colour (h, 1, 2), ==, ps_colormap_argb (cube (1, 1, 2), cube_range (0, 1)));
  g_assert_cmphex (cell_colour (h, 0, 0), ==, ps_colormap_argb (cube (1, 0, 0), cube_range (0, 1)));

  /* rows = axis 0: axis 1 becomes the fixed one (at 0), with a spin button of its own */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (win, "row_dd")), 0);
  v = ps_checkpoint_window_get_view (win);
  g_assert_cmpint (v->row_axis, ==, 0);
  g_assert_cmpint (v->col_axis, ==, 2);
  g_assert_cmpint (v->rows, ==, 2);
  g_assert_null (ps_checkpoint_window_get_index_spin (win, 0));
  spin1 = ps_checkpoint_window_get_index_spin (win, 1);
  g_assert_nonnull (spin1);
  g_assert_cmphex (cell_colour (h, 1, 3), ==, ps_colormap_argb (cube (1, 0, 3), cube_range (1, 0)));
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin1), 2);
  g_assert_cmphex (cell_colour (h, 1, 3), ==, ps_colormap_argb (cube (1, 2, 3), cube_range (1, 2)));
  g_assert_cmphex (cell_colour (h, 0, 1), ==, ps_colormap_argb (cube (0, 2, 1), cube_range (1, 2)));

  /* columns = axis 0, the rows' axis: they swap (a transposed slice) */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (child (win, "col_dd")), 0);
  v = ps_checkpoint_window_get_view (win);
  g_assert_cmpint (v->row_axis, ==, 2);
  g_assert_cmpint (v->col_axis, ==, 0);
  g_assert_cmpint (v->index[1], ==, 2);
  g_assert_cmphex (cell_colour (h, 3, 1), ==, ps_colormap_argb (cube (1, 2, 3), cube_range (1, 2)));
  g_assert_cmphex (cell_colour (h, 1, 0), ==, ps_colormap_argb (cube (0, 2, 1), cube_range (1, 2)));

  /* the readout: full index and value */
  ps_matrix_view_set_selected (h, 3, 1);
  g_assert_cmpstr (ps_checkpoint_window_get_readout (win), ==, "[1, 2, 3]  123");

  /* statistics of the slice, from the worker */
  end = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (!ps_checkpoint_window_get_stats (win, &stats))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (stats.n, ==, 8);
  g_assert_cmpfloat (stats.max, ==, 123);
  g_assert_cmpfloat (stats.min, ==, -122);
  /* ... and of the whole tensor */
  ps_checkpoint_window_compute_stats (win, TRUE);
  g_assert_false (ps_checkpoint_window_get_stats (win, NULL));
  while (!ps_checkpoint_window_get_stats (win, &stats))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      g_main_context_iteration (NULL, TRUE);
    }
  g_assert_cmpint (stats.n, ==, 24);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_zoom_pools_visible_window (Fixture *f, gconstpointer data)
{
  PsCheckpointWindow *win;
  PsMatrixView *h;
  int64_t r0, c0, vr, vc;
  guint32 before;

  if (ps_test_skip_without_display ())
    return;
  win = open_window (f->path);
  h = heatmap_of (win);
  g_assert_true (ps_checkpoint_window_select (win, "model.embed.weight"));
  wait_ready (h);
  ps_matrix_view_get_window (h, &r0, &c0, &vr, &vc);
  g_assert_cmpint (vr, ==, 6);
  g_assert_cmpint (vc, ==, 4);
  before = cell_colour (h, 5, 3);
  g_assert_cmphex (before, ==, ps_colormap_argb (11 / 4.f, 3.f));
  /* zoomed in on the bottom-right corner: fewer rows and columns are pooled */
  {
    graphene_rect_t r;
    ps_matrix_view_cell_rect (h, 5, 3, &r);
    ps_matrix_view_zoom_at (h, 8, r.origin.x + r.size.width / 2,
                                   r.origin.y + r.size.height / 2);
  }
  g_assert_cmpfloat (ps_matrix_view_get_zoom (h), >, 1);
  wait_ready (h);
  ps_matrix_view_get_window (h, &r0, &c0, &vr, &vc);
  g_assert_cmpint (vr * vc, <, 24);
  g_assert_cmpint (r0 + vr, ==, 6);
  g_assert_cmpint (c0 + vc, ==, 4);
  /* the colours keep the whole slice's range */
  g_assert_cmphex (cell_colour (h, 5, 3), ==, before);
  ps_matrix_view_reset_zoom (h);
  wait_ready (h);
  ps_matrix_view_get_window (h, &r0, &c0, &vr, &vc);
  g_assert_cmpint (vr * vc, ==, 24);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_dark_theme_screenshot (Fixture *f, gconstpointer data)
{
  PsCheckpointWindow *win;
  GtkSettings *settings;

  if (ps_test_skip_without_display ())
    return;
  settings = gtk_settings_get_default ();
  g_object_set (settings, "gtk-application-prefer-dark-theme", TRUE, NULL);
  win = open_window (f->path);
  g_assert_true (ps_checkpoint_window_select (win, "model.layers.2.w"));
  wait_ready (heatmap_of (win));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  ps_test_screenshot (GTK_WIDGET (win), "checkpoint-window-dark.png");
  g_object_set (settings, "gtk-application-prefer-dark-theme", FALSE, NULL);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_bad_file (Fixture *f, gconstpointer data)
{
  g_autofree char *bad = g_build_filename (f->dir, "bad.safetensors", NULL);
  PsCheckpointWindow *win;
  GError *error = NULL;

  if (ps_test_skip_without_display ())
    return;
  g_assert_true (g_file_set_contents (bad, "not a safetensors file", -1, NULL));
  win = ps_checkpoint_window_new (NULL);
  g_assert_false (ps_checkpoint_window_open (win, bad, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_FORMAT);
  g_clear_error (&error);
  g_assert_null (ps_checkpoint_window_get_checkpoint (win));
  g_assert_cmpstr (gtk_window_get_title (GTK_WINDOW (win)), ==, "bad.safetensors");
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (bad);
}

typedef struct
{
  GApplication *app;
  gboolean      saw_checkpoint_window;
  char         *title;
} RunCheck;

static gboolean
check_windows (gpointer data)
{
  RunCheck *rc = data;
  GList *windows = gtk_application_get_windows (GTK_APPLICATION (rc->app));

  if (windows == NULL)
    return G_SOURCE_CONTINUE;          /* not presented yet */
  rc->saw_checkpoint_window = PS_IS_CHECKPOINT_WINDOW (windows->data);
  rc->title = g_strdup (gtk_window_get_title (GTK_WINDOW (windows->data)));
  while ((windows = gtk_application_get_windows (GTK_APPLICATION (rc->app))) != NULL)
    gtk_window_destroy (windows->data);
  return G_SOURCE_REMOVE;
}

/* `paramscope FILE.safetensors`: the checkpoint window, not the main one;
 * and Open Checkpoint… is an application action. */
static void
test_application (Fixture *f, gconstpointer data)
{
  g_autoptr (PsApplication) app = NULL;
  char *argv[] = { "paramscope", f->path, NULL };
  RunCheck rc = { 0 };
  int status;

  if (ps_test_skip_without_display ())
    return;
  app = ps_application_new ();
  g_assert_nonnull (g_action_map_lookup_action (G_ACTION_MAP (app), "open-checkpoint"));
  rc.app = G_APPLICATION (app);
  g_timeout_add (50, check_windows, &rc);
  status = g_application_run (G_APPLICATION (app), 2, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (rc.saw_checkpoint_window);
  g_assert_cmpstr (rc.title, ==, "tiny-llm.safetensors");
  g_free (rc.title);
}

/* `paramscope FOLDER` (a training run's checkpoints): the latest complete one. */
static void
test_application_folder (Fixture *f, gconstpointer data)
{
  g_autoptr (PsApplication) app = NULL;
  char *argv[] = { "paramscope", f->dir, NULL };
  RunCheck rc = { 0 };
  int status;

  if (ps_test_skip_without_display ())
    return;
  app = ps_application_new ();
  rc.app = G_APPLICATION (app);
  g_timeout_add (50, check_windows, &rc);
  status = g_application_run (G_APPLICATION (app), 2, argv);
  g_assert_cmpint (status, ==, 0);
  g_assert_true (rc.saw_checkpoint_window);
  g_assert_cmpstr (rc.title, ==, "tiny-llm.safetensors");
  g_free (rc.title);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();      /* without a display every test skips */
  g_test_add ("/checkpoint-window/tree", Fixture, NULL, fixture_setup, test_tree, fixture_teardown);
  g_test_add ("/checkpoint-window/axis-picker-in-pixels", Fixture, NULL, fixture_setup,
              test_axis_picker_in_pixels, fixture_teardown);
  g_test_add ("/checkpoint-window/zoom-pools-visible-window", Fixture, NULL, fixture_setup,
              test_zoom_pools_visible_window, fixture_teardown);
  g_test_add ("/checkpoint-window/dark-theme", Fixture, NULL, fixture_setup,
              test_dark_theme_screenshot, fixture_teardown);
  g_test_add ("/checkpoint-window/bad-file", Fixture, NULL, fixture_setup, test_bad_file,
              fixture_teardown);
  g_test_add ("/checkpoint-window/application-folder", Fixture, NULL, fixture_setup,
              test_application_folder, fixture_teardown);
  g_test_add ("/checkpoint-window/application", Fixture, NULL, fixture_setup, test_application,
              fixture_teardown);
  return g_test_run ();
}
