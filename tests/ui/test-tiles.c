/* test-tiles.c — the networks of the CNN and sequence chapters seen in the
 * window, under Xvfb: a Conv2d weight as a grid of kernels with gaps (its
 * gradient the same way), a 3-channel first layer as RGB filters, hover
 * naming [o, i, y, x], each layer's feature maps after Forward, BatchNorm's
 * running statistics as read-only buffers, LSTM and GRU weights split into
 * their gates, and LeNet learning the Examples' digits (with a screenshot
 * of its convolutions' kernels for the README) */
#include "ps-ui-test-util.h"
#include "ps-matrix-view.h"
#include "ps-tile-source.h"
#include "ps-activations-page.h"
#include "ps-overview.h"
#include "ps-diff-page.h"
#include "ps-diff-source.h"
#include "ps-run-panel.h"
#include "ps-block-tree.h"
#include "ps-block-row.h"
#include "../core/ps-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

static PsModule *
model (PsWindow *win)
{
  return ps_document_get_model (ps_window_get_document (win));
}

static PsRunController *
controller (PsWindow *win)
{
  g_object_set (ps_window_get_controller (win), "speed", 0.0, NULL);
  return ps_window_get_controller (win);
}

static PsMatrixView *
view (PsWindow *win, const char *name)
{
  return PS_MATRIX_VIEW (ps_test_window_child (win, name));
}

static PsTileSource *
tiles (PsMatrixView *v)
{
  PsMatrixSource *s = ps_matrix_view_get_source (v);
  g_assert_true (PS_IS_TILE_SOURCE (s));
  return PS_TILE_SOURCE (s);
}

/* The colour drawn at the centre of cell (row, col) of v, as of its next frame. */
static guint32
cell_colour (PsMatrixView *v, const PsTestPixels *px, int64_t row, int64_t col)
{
  graphene_rect_t r;
  ps_matrix_view_cell_rect (v, row, col, &r);
  return ps_test_pixel_at (px, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2);
}

/* What hovering cell (row, col) of v says: its description. */
static char *
hover_text (PsMatrixView *v, int64_t row, int64_t col)
{
  graphene_rect_t r;
  ps_matrix_view_cell_rect (v, row, col, &r);
  ps_test_hover (GTK_WIDGET (v), r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2);
  return ps_matrix_view_describe_cell (v, row, col);
}

static void
iterate (void)
{
  while (g_main_context_iteration (NULL, FALSE))
    ;
}

/* The texts of every label below w, one after another, space-separated. */
static void
label_texts (GtkWidget *w, GString *out)
{
  if (GTK_IS_LABEL (w) && gtk_widget_get_visible (w))
    g_string_append_printf (out, "%s ", gtk_label_get_text (GTK_LABEL (w)));
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    label_texts (c, out);
}

/* Whether some PsBlockRow below w shows `name` and `text`. */
static gboolean
tree_row_shows (GtkWidget *w, const char *name, const char *text)
{
  if (PS_IS_BLOCK_ROW (w))
    {
      g_autoptr (GString) s = g_string_new (NULL);
      g_autofree char *want = g_strdup_printf ("%s ", name);
      label_texts (w, s);
      return g_str_has_prefix (s->str, want) && strstr (s->str, text) != NULL;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    if (tree_row_shows (c, name, text))
      return TRUE;
  return FALSE;
}

/* ---- a Conv2d weight as out rows x in columns of kh x kw kernels ----------- */

/* LeNet's second convolution, [16, 6, 5, 5]: 16 rows of 6 kernels of 5 x 5
 * cells with one empty cell between kernels; each cell is the weight
 * [o, i, y, x] of its tile and place, as hovering it says; a gap is drawn
 * as the background and says nothing.  After Backward the gradient view
 * has the same grid, and its cells the gradient's values. */
static void
test_conv_kernels_grid (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsMatrixView *data, *grad;
  PsMatrixShape shape;
  PsParam *w;
  PsTensor *t;
  int64_t gr, gc, row, col;
  PsTestPixels px = { 0 };
  guint32 gap_colour, bg;
  g_autoptr (GError) error = NULL;

  if (win == NULL)
    return;
  g_assert_true (ps_window_select_key (win, "3.weight"));
  data = view (win, "data_view");
  grad = view (win, "grad_view");
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_KERNELS);
  w = ps_module_find_param (model (win), "3.weight");
  t = ps_param_get_data (w);
  g_assert_cmpint (t->ndim, ==, 4);
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (data), &shape));
  g_assert_cmpint (shape.rows, ==, 16 * 5 + 15 * PS_TILE_GAP);
  g_assert_cmpint (shape.cols, ==, 6 * 5 + 5 * PS_TILE_GAP);
  ps_tile_source_get_grid (tiles (data), &gr, &gc);
  g_assert_cmpint (gr, ==, 16);
  g_assert_cmpint (gc, ==, 6);

  /* every cell is its element: kernel (o, i), place (y, x) */
  for (int64_t o = 0; o < 16; o++)
    for (int64_t i = 0; i < 6; i++)
      {
        ps_tile_source_tile_origin (tiles (data), o, i, &row, &col);
        g_assert_cmpint (row, ==, o * 6);
        g_assert_cmpint (col, ==, i * 6);
        for (int64_t y = 0; y < 5; y++)
          for (int64_t x = 0; x < 5; x++)
            g_assert_cmpint (ps_tile_source_get_element (tiles (data), row + y, col + x), ==,
                             ((o * 6 + i) * 5 + y) * 5 + x);
        g_assert_cmpint (ps_tile_source_get_element (tiles (data), row + 5, col), ==, -1);
        g_assert_cmpint (ps_tile_source_get_element (tiles (data), row, col + 5), ==, -1);
      }

  /* hover: kernel (7, 4), place (2, 3) */
  {
    g_autofree char *text = hover_text (data, 7 * 6 + 2, 4 * 6 + 3);
    g_autofree char *want = NULL;
    g_autofree char *value = ps_matrix_format_value (t->data[((7 * 6 + 4) * 5 + 2) * 5 + 3]);
    g_assert_nonnull (text);
    g_assert_true (g_str_has_prefix (text, "3.weight [7, 4, 2, 3]"));
    want = g_strdup_printf ("value %s", value);
    g_assert_nonnull (strstr (text, want));
    g_assert_null (hover_text (data, 7 * 6 + 5, 4 * 6 + 3));     /* the gap below it */
  }

  /* the gaps are the background: the same colour in a gap between rows of
   * kernels and between columns, and it is no kernel cell's colour */
  ps_matrix_view_reset_zoom (data);
  ps_test_render (GTK_WIDGET (data), &px);
  gap_colour = cell_colour (data, &px, 5, 2);
  bg = cell_colour (data, &px, 2, 5);
  g_assert_cmphex (gap_colour, ==, bg);
  g_assert_cmphex (cell_colour (data, &px, 6 * 15 + 5 - 1 - 5, 6 * 3 - 1), ==, bg);
  {
    guint n_same = 0;
    for (int64_t y = 0; y < 5; y++)
      for (int64_t x = 0; x < 5; x++)
        n_same += cell_colour (data, &px, y, x) == bg;
    g_assert_cmpuint (n_same, ==, 0);
  }
  ps_test_pixels_clear (&px);

  /* the gradient, the same grid, after Backward */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  iterate ();
  g_assert_nonnull (ps_param_get_grad (w));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (grad)), ==, PS_TILE_KERNELS);
  g_assert_true (ps_tile_source_get_show_grad (tiles (grad)));
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (grad), &shape));
  g_assert_cmpint (shape.rows, ==, 95);
  g_assert_cmpint (shape.cols, ==, 35);
  {
    const float *gd = ps_param_get_grad (w)->data;
    int64_t e = ((15 * 6 + 5) * 5 + 4) * 5 + 1;
    g_autofree char *text = hover_text (grad, 15 * 6 + 4, 5 * 6 + 1);
    g_autofree char *value = ps_matrix_format_value (gd[e]);
    g_autofree char *want = g_strdup_printf ("gradient %s", value);
    double v;
    g_assert_true (g_str_has_prefix (text, "grad 3.weight [15, 5, 4, 1]"));
    g_assert_nonnull (strstr (text, want));
    g_assert_true (ps_matrix_source_get_value (ps_matrix_view_get_source (grad), 15 * 6 + 4,
                                               5 * 6 + 1, &v));
    g_assert_cmpfloat (v, ==, gd[e]);
    g_assert_cmpfloat (fabs (gd[e]), >, 0);
  }
  g_assert_no_error (error);
}

/* ---- a 3-channel first layer as one colour image per filter ---------------- */

/* resnet18's conv1, [64, 3, 7, 7]: with "RGB" on, 64 filters of 7 x 7 in an
 * 8 x 8 grid, each pixel's red, green and blue its three input channels'
 * weights (0 is mid-grey).  A filter set by hand to +range in red and
 * -range in blue draws as full red, half green, no blue (ff, 80, 00). */
static void
test_rgb_filters (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *path = NULL;
  g_autoptr (GError) error = NULL;
  PsMatrixView *data;
  GtkWidget *rgb;
  PsParam *w;
  PsTensor *t;
  int64_t gr, gc, row, col;
  PsTestPixels px = { 0 };

  if (win == NULL)
    return;
  path = ps_test_fixture ("kernels/tape/resnet18.repr.txt");
  g_assert_true (ps_window_open_model (win, path, &error));
  g_assert_no_error (error);
  g_assert_true (ps_window_select_key (win, "conv1.weight"));
  data = view (win, "data_view");
  rgb = ps_test_window_child (win, "rgb_toggle");
  g_assert_true (gtk_widget_get_visible (rgb));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_KERNELS);
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (rgb), TRUE);
  iterate ();
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_RGB);
  ps_tile_source_get_grid (tiles (data), &gr, &gc);
  g_assert_cmpint (gr, ==, 8);
  g_assert_cmpint (gc, ==, 8);

  /* filter 9 (row 1, column 1): red = +m, green = 0, blue = -m, where m is
   * the largest |w| of the layer (the colour scale's end) */
  w = ps_module_find_param (model (win), "conv1.weight");
  t = ps_param_get_data (w);
  {
    float m = 0;
    for (int64_t e = 0; e < t->numel; e++)
      m = MAX (m, fabsf (t->data[e]));
    for (int64_t e = 0; e < 49; e++)
      {
        t->data[9 * 147 + e] = m;
        t->data[9 * 147 + 49 + e] = 0;
        t->data[9 * 147 + 98 + e] = -m;
      }
    ps_param_changed (w, PS_CHANGE_DATA);     /* as an edit tells the views */
  }
  iterate ();
  ps_tile_source_tile_origin (tiles (data), 1, 1, &row, &col);
  g_assert_cmpint (row, ==, 8);
  g_assert_cmpint (col, ==, 8);
  ps_test_render (GTK_WIDGET (data), &px);
  g_assert_cmphex (cell_colour (data, &px, row + 3, col + 3), ==, 0xffff8000);
  g_assert_cmphex (cell_colour (data, &px, row + 6, col), ==, 0xffff8000);
  ps_test_pixels_clear (&px);
  {
    g_autofree char *text = hover_text (data, row + 2, col + 5);
    g_assert_nonnull (text);
    g_assert_true (g_str_has_prefix (text, "conv1.weight [9, :, 2, 5]"));
    g_assert_nonnull (strstr (text, "red "));
    g_assert_nonnull (strstr (text, "green 0"));
  }
  /* the filters fill the view (no colorbar beside colour images): the grid takes
   * at least 85 % of the view's width or height, whichever limits it */
  {
    graphene_rect_t first, last;
    double vw = gtk_widget_get_width (GTK_WIDGET (data)), vh = gtk_widget_get_height (GTK_WIDGET (data));
    PsMatrixShape shape;
    g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (data), &shape));
    g_assert_cmpint (shape.rows, ==, 8 * 7 + 7 * PS_TILE_GAP);
    g_assert_cmpint (shape.cols, ==, 8 * 7 + 7 * PS_TILE_GAP);
    ps_matrix_view_cell_rect (data, 0, 0, &first);
    ps_matrix_view_cell_rect (data, shape.rows - 1, shape.cols - 1, &last);
    g_test_message ("RGB grid %.0f x %.0f px in a view of %.0f x %.0f",
                    last.origin.x + last.size.width - first.origin.x,
                    last.origin.y + last.size.height - first.origin.y, vw, vh);
    g_assert_cmpfloat (MAX ((last.origin.x + last.size.width - first.origin.x) / vw,
                            (last.origin.y + last.size.height - first.origin.y) / vh), >=, 0.85);
  }
  ps_test_screenshot (GTK_WIDGET (win), "tiles-rgb-filters.png");
  gtk_toggle_button_set_active (GTK_TOGGLE_BUTTON (rgb), FALSE);
  iterate ();
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_KERNELS);
  /* a 1-channel layer has no RGB toggle */
  g_assert_true (ps_window_select_key (win, "layer1.0.conv1.weight"));
  g_assert_false (gtk_widget_get_visible (rgb));
}

/* ---- the Overview and the Run panel of a convolutional network ------------- */

/* A screenshot's name for this window size and language: "NAME-1024-zh_CN.png" */
static char *
shot_name (PsWindow *win, const char *name)
{
  const char *lang = g_getenv ("LANGUAGE");
  return g_strdup_printf ("%s-%d%s%s.png", name, gtk_widget_get_width (GTK_WIDGET (win)),
                          lang && *lang ? "-" : "", lang && *lang ? lang : "");
}

static const char *
run_heading (PsWindow *win)
{
  GtkWidget *run = ps_test_window_child (win, "run_panel");
  return gtk_label_get_text (GTK_LABEL (ps_test_template_child (run, PS_TYPE_RUN_PANEL,
                                                                "input_label")));
}

/* LeNet in the Overview: each convolution's weight is its grid of kernels, as
 * on the parameter page (the same tile source: conv2's 16 rows of 6 kernels
 * of 5 x 5, one empty cell between them), every cell drawn in its weight's
 * colour, the gaps left empty, and hovering a cell says [o, i, y, x], the
 * value and, after Backward, the gradient; a Linear stays one matrix.  The
 * Run panel's heading is the call that made the input Forward feeds:
 * torch.rand(2, 1, 28, 28), then the training data's first samples. */
static void
test_overview_kernels (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsOverview *ov;
  PsMatrixSource *src;
  PsMatrixShape shape;
  PsParam *w;
  PsTensor *t;
  graphene_rect_t place, r;
  PsTestPixels px = { 0 };
  float range = 0;
  guint32 bg;
  g_autofree char *shot = NULL;
  static const int64_t picks[][4] = { { 0, 0, 0, 0 }, { 7, 4, 2, 3 }, { 15, 5, 4, 1 },
                                      { 3, 2, 0, 4 } };

  if (win == NULL)
    return;
  ov = PS_OVERVIEW (ps_test_window_child (win, "overview"));
  src = ps_overview_get_tiles (ov, "3.weight");
  g_assert_nonnull (src);
  g_assert_cmpint (ps_tile_source_get_mode (PS_TILE_SOURCE (src)), ==, PS_TILE_KERNELS);
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 16 * 5 + 15 * PS_TILE_GAP);
  g_assert_cmpint (shape.cols, ==, 6 * 5 + 5 * PS_TILE_GAP);
  g_assert_nonnull (ps_overview_get_tiles (ov, "0.weight"));
  g_assert_null (ps_overview_get_tiles (ov, "7.weight"));      /* a Linear: one matrix */
  g_assert_null (ps_overview_get_tiles (ov, "3.bias"));

  w = ps_module_find_param (model (win), "3.weight");
  t = ps_param_get_data (w);
  for (int64_t e = 0; e < t->numel; e++)
    range = MAX (range, fabsf (t->data[e]));
  ps_test_wait_frame (GTK_WIDGET (ov));
  ps_test_render (GTK_WIDGET (ov), &px);
  g_assert_true (ps_overview_get_key_rect (ov, "3.weight", &place));
  /* whole pixels for every cell: no kernel is pooled away */
  g_assert_true (ps_overview_cell_rect (ov, "3.weight", 0, 0, &r));
  g_assert_cmpfloat (r.size.height, >=, 2);
  g_assert_cmpfloat (r.size.width, ==, r.size.height);
  for (guint k = 0; k < G_N_ELEMENTS (picks); k++)
    {
      int64_t o = picks[k][0], i = picks[k][1], y = picks[k][2], x = picks[k][3];
      int64_t row = o * (5 + PS_TILE_GAP) + y, col = i * (5 + PS_TILE_GAP) + x, hr, hc;
      int64_t e = ((o * 6 + i) * 5 + y) * 5 + x;
      double cx, cy;
      g_autofree char *text = NULL, *want = NULL, *value = ps_matrix_format_value (t->data[e]);
      g_assert_true (ps_overview_cell_rect (ov, "3.weight", row, col, &r));
      cx = r.origin.x + r.size.width / 2;
      cy = r.origin.y + r.size.height / 2;
      g_assert_cmphex (ps_test_pixel_at (&px, cx, cy), ==, ps_colormap_argb (t->data[e], range));
      g_assert_true (ps_overview_cell_at (ov, "3.weight", cx, cy, &hr, &hc));
      g_assert_cmpint (hr, ==, row);
      g_assert_cmpint (hc, ==, col);
      text = ps_overview_describe_at (ov, cx, cy);
      want = g_strdup_printf ("[%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                              ", %" G_GINT64_FORMAT "]\nvalue %s\ngradient ", o, i, y, x, value);
      g_assert_nonnull (text);
      g_assert_true (g_str_has_prefix (text, want));
    }
  /* a gap between kernels (below kernel (0, 0), right of it) is empty: the
   * overview's background, as between the weight and its bias */
  bg = ps_test_pixel_at (&px, place.origin.x + place.size.width + 4, place.origin.y + 1);
  g_assert_true (ps_overview_cell_rect (ov, "3.weight", 5, 2, &r));
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2,
                                     r.origin.y + r.size.height / 2), ==, bg);
  g_assert_true (ps_overview_cell_rect (ov, "3.weight", 2, 5, &r));
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2,
                                     r.origin.y + r.size.height / 2), ==, bg);
  g_assert_null (ps_overview_describe_at (ov, r.origin.x + r.size.width / 2,
                                          r.origin.y + r.size.height / 2));
  ps_test_pixels_clear (&px);

  /* the heading: the input Forward feeds, its real shape */
  {
    const PsTensor *x = ps_document_get_input (ps_window_get_document (win));
    g_assert_cmpint (x->ndim, ==, 4);
    g_assert_cmpstr (run_heading (win), ==, "Input  X = torch.rand(2, 1, 28, 28)");
  }

  /* after Backward, hovering gives the gradient too */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  iterate ();
  {
    const float *gd = ps_param_get_grad (w)->data;
    int64_t e = ((15 * 6 + 5) * 5 + 4) * 5 + 1;
    g_autofree char *gv = ps_matrix_format_value (gd[e]);
    g_autofree char *want = g_strdup_printf ("\ngradient %s", gv);
    g_autofree char *text = NULL;
    ps_test_wait_frame (GTK_WIDGET (ov));
    g_assert_true (ps_overview_cell_rect (ov, "3.weight", 15 * 6 + 4, 5 * 6 + 1, &r));
    text = ps_overview_describe_at (ov, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2);
    g_assert_nonnull (text);
    g_assert_true (g_str_has_prefix (text, "[15, 5, 4, 1]"));
    g_assert_nonnull (strstr (text, want));
  }
  shot = shot_name (win, "tiles-overview-lenet");
  ps_test_screenshot (GTK_WIDGET (win), shot);

  /* what an SGD step changed, on the Difference page: the same kernels, each
   * cell its own change, hover [o, i, y, x] */
  {
    PsRunController *c = controller (win);
    GtkWidget *page, *dview;
    PsMatrixSource *diff;
    g_autoptr (PsTensor) before = ps_tensor_copy (t);
    g_autofree char *text = NULL, *dshot = NULL;
    const PsTensor *d;

    ps_run_controller_take_snapshot (c, "before");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.step", NULL));
    iterate ();
    g_assert_true (ps_window_select_key (win, "3.weight"));
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "difference"));
    page = ps_test_window_child (win, "diff_page");
    dview = ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "view");
    gtk_test_widget_wait_for_draw (dview);
    gtk_drop_down_set_selected (GTK_DROP_DOWN (ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "a_dropdown")), 0);
    gtk_drop_down_set_selected (GTK_DROP_DOWN (ps_test_template_child (page, PS_TYPE_DIFF_PAGE, "b_dropdown")), 1);
    diff = ps_matrix_view_get_source (PS_MATRIX_VIEW (dview));
    g_assert_true (PS_IS_DIFF_SOURCE (diff));
    g_assert_true (ps_matrix_source_get_shape (diff, &shape));
    g_assert_cmpint (shape.rows, ==, 95);
    g_assert_cmpint (shape.cols, ==, 35);
    d = ps_diff_source_get_difference (PS_DIFF_SOURCE (diff));
    {
      int64_t e = ((7 * 6 + 4) * 5 + 2) * 5 + 3;
      g_autofree char *dv = ps_matrix_format_value (t->data[e] - before->data[e]);
      g_autofree char *want = g_strdup_printf ("[7, 4, 2, 3]\ndifference %s", dv);
      g_assert_cmpfloat (d->data[e], ==, t->data[e] - before->data[e]);
      g_assert_cmpfloat (fabsf (d->data[e]), >, 0);
      text = ps_matrix_source_describe_cell (diff, 7 * 6 + 2, 4 * 6 + 3);
      g_assert_nonnull (strstr (text, want));
    }
    g_assert_null (ps_matrix_source_describe_cell (diff, 5, 0));
    dshot = shot_name (win, "tiles-difference-lenet");
    ps_test_screenshot (GTK_WIDGET (win), dshot);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "overview"));
  }

  /* the Train panel's data as the input: the heading says so */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.input-from-data", NULL));
  iterate ();
  g_assert_nonnull (strstr (run_heading (win), "(2, 1, 28, 28)"));
  g_assert_null (strstr (run_heading (win), "torch.rand"));
}

/* An Embedding first (the language model): the heading is the torch.randint
 * call of its token indices, as the input holds them */
static void
test_run_heading_tokens (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  const PsTensor *x;
  g_autofree char *want = NULL, *shot = NULL;
  float top = 0;
  int64_t vocab;

  if (win == NULL)
    return;
  x = ps_document_get_input (ps_window_get_document (win));
  g_assert_cmpint (x->ndim, ==, 2);
  for (int64_t i = 0; i < x->numel; i++)
    {
      g_assert_cmpfloat (x->data[i], ==, floorf (x->data[i]));
      top = MAX (top, x->data[i]);
    }
  /* the range is the Embedding's rows */
  vocab = ps_param_get_data (ps_module_find_param (model (win), "embedding.weight"))->shape[0];
  g_assert_cmpfloat (top, <, vocab);
  want = g_strdup_printf ("Input  X = torch.randint(0, %" G_GINT64_FORMAT ", (2, %" G_GINT64_FORMAT
                          "))", vocab, x->shape[1]);
  g_assert_cmpstr (run_heading (win), ==, want);
  shot = shot_name (win, "tiles-run-heading-charlm");
  ps_test_screenshot (GTK_WIDGET (win), shot);
}

/* d2l's RNNModel, whose recorded forward() makes the GRU's zero initial state
 * from its input's batch (tests/fixtures/kernels/tape/d2l_rnn.py): the Run
 * panel feeds a batch of sequences where the GRU wants its batch (16 steps
 * of 2, dimension 1), the heading says so, and Forward and Backward run */
static void
test_rnn_state_window (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  g_autofree char *path = NULL, *shot = NULL;
  g_autoptr (GError) error = NULL;
  const PsTensor *x, *y;

  if (win == NULL)
    return;
  path = ps_test_fixture ("kernels/tape/d2l_rnn.py");
  g_assert_true (ps_window_open_model (win, path, &error));
  g_assert_no_error (error);
  x = ps_document_get_input (ps_window_get_document (win));
  g_assert_cmpint (x->ndim, ==, 3);
  g_assert_cmpint (x->shape[1], ==, 2);
  g_assert_cmpstr (run_heading (win), ==, "Input  X = torch.rand(16, 2, 5)");
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  iterate ();
  y = ps_document_get_output (ps_window_get_document (win));
  g_assert_nonnull (y);
  g_assert_cmpint (y->shape[0], ==, 16 * 2);
  g_assert_cmpint (y->shape[1], ==, 5);
  g_assert_nonnull (ps_param_get_grad (ps_module_find_param (model (win), "rnn.weight_hh_l1")));
  g_assert_true (ps_window_select_key (win, "rnn.weight_ih_l0"));
  shot = shot_name (win, "tiles-rnn-state");
  ps_test_screenshot (GTK_WIDGET (win), shot);
}

/* ---- each layer's feature maps after Forward -------------------------------- */

/* LeNet after Forward: the Activations page lists every layer call; the
 * first convolution's output of sample 1 (of the generated batch of 2) is [6, 28, 28], six maps of 28 x 28
 * in a grid with gaps, each cell the activation [1, c, y, x]; selecting a
 * layer in the tree shows its output. */
static void
test_activations_after_forward (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsActivationsPage *page;
  PsMatrixView *maps;
  PsMatrixShape shape;
  const PsTensor *out;
  PsModule *m = NULL;
  gboolean overwritten = TRUE;
  int64_t row, col;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  page = PS_ACTIVATIONS_PAGE (ps_test_window_child (win, "activations_page"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "activations"));
  iterate ();
  g_assert_cmpuint (ps_activations_page_get_n_layers (page), ==, 0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  iterate ();
  g_assert_cmpuint (ps_document_get_n_activations (doc), ==, 12);     /* LeNet's 12 layers */
  g_assert_cmpuint (ps_activations_page_get_n_layers (page), ==, 12);
  ps_activations_page_set_layer (page, 0);
  ps_activations_page_set_sample (page, 1);     /* the generated input: a batch of 2 */
  g_assert_cmpint (ps_activations_page_get_sample (page), ==, 1);
  maps = PS_MATRIX_VIEW (ps_activations_page_get_view (page));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (maps)), ==, PS_TILE_MAPS);
  out = ps_document_get_activation (doc, 0, &m, &overwritten);
  g_assert_true (m == ps_module_find_module (model (win), "0"));
  g_assert_false (overwritten);
  g_assert_cmpint (out->ndim, ==, 4);
  g_assert_cmpint (out->shape[1], ==, 6);
  g_assert_cmpint (out->shape[2], ==, 28);
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (maps), &shape));
  /* six square maps: a 3 x 2 grid, as near square as six allow */
  g_assert_cmpint (shape.rows, ==, 2 * 28 + PS_TILE_GAP);
  g_assert_cmpint (shape.cols, ==, 3 * 28 + 2 * PS_TILE_GAP);
  ps_tile_source_tile_origin (tiles (maps), 1, 2, &row, &col);     /* map 5 */
  {
    int64_t e = ((1 * 6 + 5) * 28 + 17) * 28 + 9;
    g_autofree char *text = hover_text (maps, row + 17, col + 9);
    g_autofree char *value = ps_matrix_format_value (out->data[e]);
    double v;
    g_assert_true (g_str_has_prefix (text, "[1, 5, 17, 9]") || strstr (text, " [1, 5, 17, 9]"));
    g_assert_nonnull (strstr (text, value));
    g_assert_true (ps_matrix_source_get_value (ps_matrix_view_get_source (maps), row + 17, col + 9, &v));
    g_assert_cmpfloat (v, ==, out->data[e]);
  }
  g_assert_null (ps_matrix_view_describe_cell (maps, 28, 0));           /* the gap */
  ps_test_screenshot (GTK_WIDGET (win), "tiles-activations.png");

  /* the tree's selection: the second convolution's output [16, 10, 10] */
  g_assert_true (ps_window_select_key (win, "3"));
  iterate ();
  g_assert_true (ps_document_get_activation (doc, ps_activations_page_get_layer (page), &m, NULL) != NULL);
  g_assert_true (m == ps_module_find_module (model (win), "3"));
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (maps), &shape));
  g_assert_cmpint (shape.ndim, ==, 3);
  g_assert_cmpint (shape.shape[0], ==, 16);
  g_assert_cmpint (shape.shape[1], ==, 10);
  g_assert_cmpint (ps_activations_page_get_sample (page), ==, 1);     /* kept */

  /* the Train panel's digits as the input: the first two samples */
  {
    g_autoptr (PsTensor) x = NULL;
    g_autoptr (PsTensor) t = NULL;
    g_autoptr (GError) error = NULL;
    const PsTensor *in;

    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.input-from-data", NULL));
    iterate ();
    g_assert_cmpstr (ps_test_window_status (win), ==, "input: the first 2 samples of the training data");
    g_assert_true (ps_run_controller_make_data (controller (win), &x, &t, &error));
    g_assert_no_error (error);
    in = ps_document_get_input (doc);
    g_assert_cmpint (in->ndim, ==, 4);
    g_assert_cmpint (in->shape[0], ==, 2);
    g_assert_cmpint (in->shape[2], ==, 28);
    g_assert_cmpmem (in->data, in->numel * 4, x->data, in->numel * 4);
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
    iterate ();
    /* the maps shown are the first layer's output for the digit */
    g_assert_true (ps_window_select_key (win, "0"));
    iterate ();
    out = ps_document_get_activation (doc, ps_activations_page_get_layer (page), &m, NULL);
    g_assert_true (m == ps_module_find_module (model (win), "0"));
    ps_tile_source_tile_origin (tiles (maps), 0, 1, &row, &col);     /* map 1 */
    {
      double v;
      g_assert_true (ps_matrix_source_get_value (ps_matrix_view_get_source (maps), row + 14,
                                                 col + 12, &v));
      g_assert_cmpfloat (v, ==, out->data[((1 * 6 + 1) * 28 + 14) * 28 + 12]);
    }
    ps_test_screenshot (GTK_WIDGET (win), "tiles-activations-digits.png");
  }
}

/* ---- BatchNorm's running statistics: read-only buffers --------------------- */

/* The Small ResNet's first BatchNorm: running_mean, running_var and
 * num_batches_tracked are rows of the tree marked as buffers, after weight
 * and bias; selecting one shows its own values (0 and 1 at first, the
 * batch statistics' moving average after a training step); every edit of
 * one is refused with a message naming it, and nothing changes. */
static void
test_batchnorm_buffers (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsDocument *doc;
  PsTreeNode *root, *bn, *node;
  PsParam *mean, *var;
  PsMatrixView *data;
  g_autoptr (GError) error = NULL;
  g_autofree char *before = NULL;
  const char *want[] = { "weight", "bias", "running_mean", "running_var", "num_batches_tracked" };
  gboolean buffer[] = { FALSE, FALSE, TRUE, TRUE, TRUE };
  double v;

  if (win == NULL)
    return;
  doc = ps_window_get_document (win);
  root = ps_window_get_selected_node (win);
  while (ps_tree_node_get_key (root)[0] != '\0')
    {
      g_assert_true (ps_window_select_key (win, ""));
      root = ps_window_get_selected_node (win);
    }
  bn = ps_tree_node_find (root, "1");
  g_assert_nonnull (bn);
  {
    GListModel *children = ps_tree_node_get_children (bn);
    g_assert_cmpuint (g_list_model_get_n_items (children), ==, G_N_ELEMENTS (want));
    for (guint i = 0; i < G_N_ELEMENTS (want); i++)
      {
        g_autoptr (PsTreeNode) c = g_list_model_get_item (children, i);
        g_assert_cmpstr (ps_tree_node_get_name (c), ==, want[i]);
        g_assert_cmpint (ps_tree_node_is_buffer (c), ==, buffer[i]);
      }
  }
  /* the tree's row says so */
  g_assert_true (ps_window_select_key (win, "1.running_var"));
  iterate ();
  g_assert_true (tree_row_shows (ps_test_window_child (win, "tree"), "running_var", "buffer, read-only"));
  g_assert_false (tree_row_shows (ps_test_window_child (win, "tree"), "weight", "buffer, read-only"));
  node = ps_window_get_selected_node (win);
  g_assert_true (ps_tree_node_is_buffer (node));
  var = ps_tree_node_get_param (node);
  data = view (win, "data_view");
  g_assert_true (ps_matrix_source_get_value (ps_matrix_view_get_source (data), 0, 5, &v)
                 || ps_matrix_source_get_value (ps_matrix_view_get_source (data), 5, 0, &v));
  g_assert_cmpfloat (v, ==, 1.0);                         /* running_var starts at 1 */
  g_assert_true (ps_window_select_key (win, "1.running_mean"));
  mean = ps_tree_node_get_param (ps_window_get_selected_node (win));
  g_assert_true (mean != var);
  for (int64_t i = 0; i < 8; i++)
    g_assert_cmpfloat (ps_param_get_data (mean)->data[i], ==, 0.f);

  /* edits refused, by name, with nothing changed and nothing to undo */
  g_assert_false (ps_document_set_element (doc, mean, 2, 5.f, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "1.running_mean is a buffer"));
  g_assert_nonnull (strstr (error->message, "read-only"));
  g_clear_error (&error);
  g_assert_false (ps_document_fill (doc, mean, 5.f, &error));
  g_assert_nonnull (strstr (error->message, "1.running_mean is a buffer"));
  g_clear_error (&error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.edit", "s", "fill"));
  iterate ();
  g_assert_nonnull (strstr (ps_test_window_status (win), "1.running_mean is a buffer"));
  g_assert_cmpfloat (ps_param_get_data (mean)->data[2], ==, 0.f);
  g_assert_false (ps_document_can_undo (doc));
  /* the heatmap refuses a typed value the same way */
  ps_matrix_view_set_selected (data, 0, 2);
  if (ps_matrix_view_begin_edit (data, 0, 2))
    {
      g_assert_false (ps_matrix_view_commit_text (data, "7"));
      ps_matrix_view_cancel_edit (data);
    }
  g_assert_cmpfloat (ps_param_get_data (mean)->data[2], ==, 0.f);

  /* a training step moves them as BatchNorm does: momentum 0.1 of the batch's */
  {
    PsRunController *run = controller (win);
    PsOptimConfig o;
    float m = 0;
    ps_optim_config_init (&o, PS_OPTIM_SGD, 0.01);
    ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 32, PS_LOSS_CROSS_ENTROPY, &o);
    g_assert_true (ps_run_controller_step (run, &error));
    g_assert_no_error (error);
    iterate ();
    for (int64_t i = 0; i < 8; i++)
      m = MAX (m, fabsf (ps_param_get_data (mean)->data[i]));
    g_assert_cmpfloat (m, >, 0.f);
    g_assert_cmpfloat (ps_param_get_data (ps_module_find_param (model (win),
                         "1.num_batches_tracked"))->data[0], ==, 1.f);
  }
}

/* ---- recurrent weights split into their gates ------------------------------ */

/* The LSTM language model's weight_ih_l0 [128, 32] is four bands i, f, g, o
 * of 32 rows, with a gap between bands; a GRU's [3 * hidden, in] three
 * bands r, z, n; hovering names the gate of the row, and biases split too.
 * Forward runs on the model's own random input: token indices. */
static void
test_recurrent_gates (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsMatrixView *data;
  PsMatrixShape shape;
  int64_t gr, gc, row, col;
  g_autoptr (GError) error = NULL;
  g_autofree char *dir = NULL, *path = NULL;
  static const char gru_model[] = "Sequential(\n  (0): GRU(5, 6)\n)\n";   /* print(net) */
  static const char lstm_gates[] = "ifgo", gru_gates[] = "rzn";

  if (win == NULL)
    return;
  g_assert_true (ps_window_open_example (win, "charlm", &error));
  g_assert_no_error (error);
  g_assert_true (ps_window_select_key (win, "lstm.weight_ih_l0"));
  data = view (win, "data_view");
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_GATES);
  ps_tile_source_get_grid (tiles (data), &gr, &gc);
  g_assert_cmpint (gr, ==, 4);
  g_assert_cmpint (gc, ==, 1);
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (data), &shape));
  g_assert_cmpint (shape.rows, ==, 4 * 32 + 3 * PS_TILE_GAP);
  g_assert_cmpint (shape.cols, ==, 32);
  for (int k = 0; k < 4; k++)
    {
      g_autofree char *text = NULL, *gate = g_strdup_printf ("gate %c", lstm_gates[k]);
      g_autofree char *index = g_strdup_printf ("lstm.weight_ih_l0 [%d, 7]", k * 32 + 20);
      ps_tile_source_tile_origin (tiles (data), k, 0, &row, &col);
      g_assert_cmpint (row, ==, k * 33);
      text = hover_text (data, row + 20, 7);
      g_assert_true (g_str_has_prefix (text, index));
      g_assert_nonnull (strstr (text, gate));
      g_assert_cmpint (ps_tile_source_get_element (tiles (data), row + 20, 7), ==, (k * 32 + 20) * 32 + 7);
      if (k < 3)
        g_assert_null (ps_matrix_view_describe_cell (data, row + 32, 7));
    }
  /* Forward on its own random input: token indices, torch.randint(0, 27, (2, 16)) */
  {
    const PsTensor *in;
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.new-input", NULL));
    iterate ();
    g_assert_cmpstr (ps_test_window_status (win), ==, "new random input: token indices (torch.randint)");
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
    iterate ();
    g_assert_cmpstr (ps_test_window_status (win), ==, "forward");
    in = ps_document_get_input (ps_window_get_document (win));
    g_assert_cmpint (in->ndim, ==, 2);
    g_assert_cmpint (in->shape[1], ==, 16);
    for (int64_t i = 0; i < in->numel; i++)
      g_assert_true (in->data[i] >= 0 && in->data[i] < 27 && in->data[i] == floorf (in->data[i]));
    g_assert_cmpint (ps_document_get_output (ps_window_get_document (win))->shape[1], ==, 27);
    g_assert_cmpuint (ps_document_get_n_activations (ps_window_get_document (win)), >, 0);
  }
  g_assert_true (ps_window_select_key (win, "lstm.bias_hh_l0"));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_GATES);
  /* the tied embedding is a plain matrix */
  g_assert_true (ps_window_select_key (win, "embedding.weight"));
  g_assert_false (PS_IS_TILE_SOURCE (ps_matrix_view_get_source (data)));
  ps_test_screenshot (GTK_WIDGET (win), "tiles-lstm.png");

  /* a GRU */
  dir = g_dir_make_tmp ("ps-tiles-XXXXXX", &error);
  g_assert_no_error (error);
  path = g_build_filename (dir, "gru.txt", NULL);
  g_assert_true (g_file_set_contents (path, gru_model, -1, &error));
  g_assert_true (ps_window_open_model (win, path, &error));
  g_assert_no_error (error);
  g_assert_true (ps_window_select_key (win, "0.weight_hh_l0"));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_GATES);
  ps_tile_source_get_grid (tiles (data), &gr, &gc);
  g_assert_cmpint (gr, ==, 3);
  g_assert_true (ps_matrix_source_get_shape (ps_matrix_view_get_source (data), &shape));
  g_assert_cmpint (shape.rows, ==, 3 * 6 + 2 * PS_TILE_GAP);
  g_assert_cmpint (shape.cols, ==, 6);
  for (int k = 0; k < 3; k++)
    {
      g_autofree char *gate = g_strdup_printf ("gate %c", gru_gates[k]);
      g_autofree char *text = hover_text (data, k * 7 + 4, 1);
      g_assert_nonnull (strstr (text, gate));
    }
  g_assert_true (ps_window_select_key (win, "0.bias_ih_l0"));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (data)), ==, PS_TILE_GATES);
  ps_tile_source_get_grid (tiles (data), &gr, &gc);
  g_assert_cmpint (gr, ==, 3);
  g_unlink (path);
  g_rmdir (dir);
}

/* ---- LeNet learns the Examples' digits ------------------------------------ */

/* LeNet opened from Examples trains on the digit-like 28 x 28 patterns with
 * the cross-entropy and Adam (128 samples): the loss starts near ln 10 and falls to under
 * 40 % of the first step's in 150 steps, and the accuracy on the data is
 * above 50 % (chance: 10 %).  Both convolutions' kernels are then exported:
 * the README's picture. */
static void
test_lenet_learns_digits (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsRunController *run;
  PsOptimConfig o;
  guint data = 0;
  double first, last;
  g_autoptr (GError) error = NULL;
  PsMatrixView *kernels;

  if (win == NULL)
    return;
  run = controller (win);
  g_object_get (run, "data", &data, NULL);
  g_assert_cmpuint (data, ==, PS_RUN_DATA_DIGITS);
  ps_optim_config_init (&o, PS_OPTIM_ADAM, 0.01);
  ps_run_controller_configure (run, PS_RUN_DATA_DIGITS, 128, PS_LOSS_CROSS_ENTROPY, &o);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  first = ps_trainer_get_loss (ps_run_controller_get_trainer (run));
  g_assert_cmpfloat (fabs (first - log (10.0)), <, 0.3);
  g_assert_true (ps_run_controller_run (run, 150, &error));
  g_assert_no_error (error);
  {
    gint64 end = g_get_monotonic_time () + 120 * G_USEC_PER_SEC;
    while (ps_run_controller_is_running (run) || ps_document_get_busy (ps_window_get_document (win)))
      {
        g_main_context_iteration (NULL, TRUE);
        g_assert_cmpint (g_get_monotonic_time (), <, end);
      }
  }
  iterate ();
  last = ps_trainer_get_loss (ps_run_controller_get_trainer (run));
  if (g_test_verbose ())
    g_printerr ("LeNet on the digits: loss %.4f -> %.4f, accuracy %.3f\n", first, last,
                ps_run_controller_get_accuracy (run));
  g_assert_cmpfloat (last, <, 0.4 * first);
  g_assert_cmpfloat (ps_run_controller_get_accuracy (run), >, 0.5);

  g_assert_true (ps_window_select_key (win, "0.weight"));
  kernels = view (win, "data_view");
  g_assert_cmpint (ps_tile_source_get_mode (tiles (kernels)), ==, PS_TILE_KERNELS);
  ps_test_screenshot (GTK_WIDGET (win), "tiles-lenet-window.png");
  g_assert_true (ps_matrix_view_export_png (kernels, "tiles-lenet-conv1.png", &error));
  g_assert_no_error (error);
  /* the second convolution: 16 filters (rows) of 6 kernels (columns) */
  g_assert_true (ps_window_select_key (win, "3.weight"));
  g_assert_cmpint (ps_tile_source_get_mode (tiles (kernels)), ==, PS_TILE_KERNELS);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ps_matrix_view_export_png (kernels, "tiles-lenet-conv2.png", &error));
  g_assert_no_error (error);
}

static const PsTestWindowSetup lenet = { "lenet", 1024, 700 };
static const PsTestWindowSetup lenet_large = { "lenet", 1920, 1080 };
static const PsTestWindowSetup resnet = { "resnet", 1024, 700 };
static const PsTestWindowSetup charlm = { "charlm", 1024, 700 };

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  PS_TEST_WINDOW ("/tiles/conv-kernels-grid", &lenet, test_conv_kernels_grid);
  PS_TEST_WINDOW ("/tiles/rgb-filters", &resnet, test_rgb_filters);
  PS_TEST_WINDOW ("/tiles/overview-kernels", &lenet, test_overview_kernels);
  PS_TEST_WINDOW ("/tiles/overview-kernels-large", &lenet_large, test_overview_kernels);
  PS_TEST_WINDOW ("/tiles/run-heading-tokens", &charlm, test_run_heading_tokens);
  PS_TEST_WINDOW ("/tiles/rnn-state-window", &lenet, test_rnn_state_window);
  PS_TEST_WINDOW ("/tiles/activations-after-forward", &lenet, test_activations_after_forward);
  PS_TEST_WINDOW ("/tiles/batchnorm-buffers", &resnet, test_batchnorm_buffers);
  PS_TEST_WINDOW ("/tiles/recurrent-gates", &lenet, test_recurrent_gates);
  PS_TEST_WINDOW ("/tiles/lenet-learns-digits", &lenet_large, test_lenet_learns_digits);
  return g_test_run ();
}
