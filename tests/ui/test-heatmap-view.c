/* test-heatmap-view.c — the heatmap view and the overview, rendered to pixels
 *
 * Runs under Xvfb (see TESTING-GUI.md) with GTK_A11Y=none and
 * GSK_RENDERER=cairo; skips when there is no display.  Each test puts the
 * widget in a window of fixed size, waits for a frame, renders the widget
 * offscreen and checks the colours of its cells against ps_colormap_argb.
 * Screenshots are saved in the working directory (heatmap-*.png, overview*.png).
 */
#include <gtk/gtk.h>
#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#include "paramscope.h"
#include "ps-matrix-view.h"
#include "ps-param-source.h"
#include "ps-ui-test-util.h"
#include "ps-overview.h"

/* ---- helpers ---------------------------------------------------------------- */

static void
render_view (GtkWidget *view, PsTestPixels *out)
{
  g_autoptr (GdkTexture) tex = ps_matrix_view_render_texture (PS_MATRIX_VIEW (view), 0, 0);
  g_assert_nonnull (tex);
  g_assert_cmpint (gdk_texture_get_width (tex), ==, gtk_widget_get_width (view));
  ps_test_pixels_from_texture (tex, out);
}

/* A popover: a surface of its own, drawn by its own frame clock. */
static void
screenshot_native (GtkWidget *native, const char *name)
{
  g_autoptr (GdkTexture) tex = ps_test_render_widget (native);
  g_assert_true (gdk_texture_save_to_png (tex, name));
  g_test_message ("screenshot: %s", name);
}

/* A rows x cols parameter with values f(i). */
static PsParam *
param_new (int64_t rows, int64_t cols, float (*f) (int64_t i))
{
  g_autoptr (PsTensor) t = cols > 0 ? ps_tensor_new_2d (rows, cols) : ps_tensor_new_1d (rows);
  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = f (i);
  return ps_param_new (t);
}

static float
ramp (int64_t i)
{
  return (float) (i - 5.5) / 5.5f;          /* 12 values in [-1, 1] */
}

static float
small (int64_t i)
{
  return 0.01f * (float) ((i * 7919) % 13) - 0.06f;
}

/* The colour of every cell centre is the colormap's colour of its value, and
 * cells are flat (crisp) inside, away from the grid lines. */
static void
assert_cells (GtkWidget *view, const PsTestPixels *p, const PsTensor *t)
{
  int64_t rows, cols;
  float range = ps_heatmap_range (t->data, t->numel);

  ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
  for (int r = 0; r < rows; r++)
    for (int c = 0; c < cols; c++)
      {
        graphene_rect_t rect;
        guint32 want = ps_colormap_argb (t->data[r * cols + c], range);
        ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), r, c, &rect);
        g_assert_cmphex (ps_test_pixel_at (p, rect.origin.x + rect.size.width / 2,
                                   rect.origin.y + rect.size.height / 2), ==, want);
        for (double y = rect.origin.y + 2; y < rect.origin.y + rect.size.height - 2; y++)
          for (double x = rect.origin.x + 2; x < rect.origin.x + rect.size.width - 2; x++)
            g_assert_cmphex (ps_test_pixel_at (p, x, y), ==, want);
      }
}

/* How many pixels of p have a colour of the map for the values of t. */
static int
count_map_colours (const PsTestPixels *p, const PsTensor *t)
{
  float range = ps_heatmap_range (t->data, t->numel);
  g_autoptr (GHashTable) set = g_hash_table_new (NULL, NULL);
  int n = 0;
  for (int64_t i = 0; i < t->numel; i++)
    g_hash_table_add (set, GUINT_TO_POINTER (ps_colormap_argb (t->data[i], range)));
  for (int i = 0; i < p->width * p->height; i++)
    n += g_hash_table_contains (set, GUINT_TO_POINTER (p->px[i]));
  return n;
}

static int
count_visible (const PsTestPixels *p)
{
  int n = 0;
  for (int i = 0; i < p->width * p->height; i++)
    n += (p->px[i] >> 24) != 0;
  return n;
}

/* ---- heatmap view ------------------------------------------------------------ */

static void
test_known_colours (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win;
  PsTestPixels px = { 0 };
  graphene_rect_t r;
  int64_t row, col;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  win = f->win = ps_test_window_with (view, 400, 300);
  render_view (view, &px);
  assert_cells (view, &px, ps_param_get_data (p));

  /* square cells, centred, rows = output features */
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 0, 0, &r);
  g_assert_cmpfloat (r.size.width, ==, r.size.height);
  g_assert_cmpfloat (r.size.width, >=, 12);
  g_assert_true (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view), r.origin.x + 1,
                                              r.origin.y + 1, &row, &col));
  g_assert_cmpint (row, ==, 0);
  g_assert_cmpint (col, ==, 0);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 2, 3, &r);
  g_assert_true (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view), r.origin.x + r.size.width - 1,
                                              r.origin.y + r.size.height - 1, &row, &col));
  g_assert_cmpint (row, ==, 2);
  g_assert_cmpint (col, ==, 3);
  g_assert_false (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view), 1, 1, &row, &col));

  /* the colorbar right of the cells: red at the top, blue at the bottom */
  {
    int ncols = 0;
    for (int x = (int) (r.origin.x + r.size.width) + 2; x < px.width; x++)
      {
        int red_y = -1, blue_y = -1;
        for (int y = 0; y < px.height; y++)
          {
            guint32 c = px.px[y * px.width + x];
            int cr = (c >> 16) & 0xff, cb = c & 0xff;
            if ((c >> 24) == 0xff && cr - cb > 100 && red_y < 0)
              red_y = y;
            if ((c >> 24) == 0xff && cb - cr > 100)
              blue_y = y;
          }
        ncols += red_y >= 0 && blue_y > red_y;
      }
    g_assert_cmpint (ncols, >=, 8);
  }

  ps_test_screenshot (win, "heatmap-view.png");
  ps_test_pixels_clear (&px);
}

static void
test_grad_placeholder (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win;
  PsTestPixels px = { 0 };
  PsTensor *g;
  int64_t row, col;

  ps_test_view_show_param (view, p, TRUE, "grad 0.weight");
  win = f->win = ps_test_window_with (view, 400, 300);
  render_view (view, &px);
  g_assert_cmpint (count_visible (&px), >, 50);               /* the text */
  g_assert_cmpint (count_map_colours (&px, ps_param_get_data (p)), ==, 0);
  g_assert_false (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view), 200, 150, &row, &col));
  ps_test_screenshot (win, "heatmap-no-grad.png");
  ps_test_pixels_clear (&px);

  /* a backward happened: the gradient's colours appear */
  g = ps_param_ensure_grad (p);
  for (int64_t i = 0; i < g->numel; i++)
    g->data[i] = -0.5f * ramp (i);
  ps_param_changed (p, PS_CHANGE_GRAD);
  ps_test_wait_frame (view);
  render_view (view, &px);
  assert_cells (view, &px, g);
  ps_test_pixels_clear (&px);
}

static void
test_uninitialized (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = ps_param_new_uninitialized ();
  GtkWidget *view = f->view;
  GtkWidget *win;
  PsTestPixels px = { 0 };
  int64_t shape[2] = { 2, 3 };
  g_autoptr (GError) error = NULL;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  win = f->win = ps_test_window_with (view, 300, 200);
  render_view (view, &px);
  g_assert_cmpint (count_visible (&px), >, 50);
  ps_test_screenshot (win, "heatmap-uninitialized.png");
  ps_test_pixels_clear (&px);

  /* materialized by a forward: cells appear */
  g_assert_true (ps_param_materialize (p, 2, shape, &error));
  for (int i = 0; i < 6; i++)
    ps_param_get_data (p)->data[i] = (float) i - 2.5f;
  ps_param_changed (p, PS_CHANGE_SHAPE | PS_CHANGE_DATA);
  ps_test_wait_frame (view);
  render_view (view, &px);
  assert_cells (view, &px, ps_param_get_data (p));
  ps_test_pixels_clear (&px);
}

static void
test_tied_views (void)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *a = ps_matrix_view_new (), *b = ps_matrix_view_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  GtkWidget *win;
  PsTestPixels pa = { 0 }, pb = { 0 };
  PsTensor *t = ps_param_get_data (p);

  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_box_append (GTK_BOX (box), a);
  gtk_box_append (GTK_BOX (box), b);
  ps_test_view_show_param (a, p, FALSE, "2.weight");
  ps_test_view_show_param (b, p, FALSE, "4.weight");
  win = ps_test_window_with (box, 640, 240);

  /* an edit through one name: both views need a redraw at once */
  t->data[0] = 3.f;
  t->data[5] = -2.f;
  ps_param_changed (p, PS_CHANGE_DATA);
  g_assert_true (gtk_widget_get_mapped (a) && gtk_widget_get_mapped (b));
  ps_test_wait_frame (a);
  render_view (a, &pa);
  render_view (b, &pb);
  assert_cells (a, &pa, t);
  assert_cells (b, &pb, t);
  {
    graphene_rect_t r;
    ps_matrix_view_cell_rect (PS_MATRIX_VIEW (b), 0, 0, &r);
    g_assert_cmphex (ps_test_pixel_at (&pb, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2),
                     ==, ps_colormap_argb (1.f, 1.f));        /* 3 is the new +range */
  }
  ps_test_screenshot (win, "heatmap-tied.png");
  ps_test_pixels_clear (&pa);
  ps_test_pixels_clear (&pb);
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_nonfinite (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win;
  PsTestPixels px = { 0 };
  graphene_rect_t r;
  PsTensor *t = ps_param_get_data (p);

  t->data[1] = NAN;
  t->data[6] = INFINITY;
  t->data[11] = -INFINITY;
  ps_test_view_show_param (view, p, FALSE, "0.weight");
  win = f->win = ps_test_window_with (view, 400, 300);
  render_view (view, &px);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 0, 1, &r);
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2),
                   ==, PS_COLOR_NAN);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 1, 2, &r);
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2),
                   ==, PS_COLOR_POSINF);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 2, 3, &r);
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2),
                   ==, PS_COLOR_NEGINF);
  assert_cells (view, &px, t);          /* the finite ones keep their colours */
  ps_test_screenshot (win, "heatmap-nonfinite.png");
  ps_test_pixels_clear (&px);
}

static float
outlier (int64_t i)
{
  return i == 1234567 ? 100.f : small (i);
}

/* 1500 x 2000 in a 400 x 300 view: pooled to screen resolution, and the one
 * outlier is still there. */
static void
test_pooling (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (1500, 2000, outlier);
  GtkWidget *view = f->view;
  GtkWidget *win;
  PsTestPixels px = { 0 };
  int hot = 0;
  int64_t row, col;
  graphene_rect_t r;

  ps_test_view_show_param (view, p, FALSE, "big");
  win = f->win = ps_test_window_with (view, 400, 300);
  render_view (view, &px);
  for (int i = 0; i < px.width * px.height; i++)
    hot += px.px[i] == ps_colormap_argb (100.f, 100.f);
  g_assert_cmpint (hot, >, 0);
  /* pointer coordinates map to the exact element, not to a pooled block */
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 617, 567, &r);
  g_assert_true (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view), r.origin.x + r.size.width / 2,
                                              r.origin.y + r.size.height / 2, &row, &col));
  g_assert_cmpint (row, ==, 617);
  g_assert_cmpint (col, ==, 567);
  ps_test_screenshot (win, "heatmap-pooled.png");
  ps_test_pixels_clear (&px);

  /* zoomed 8x around the outlier: still there, and cells now bigger */
  ps_matrix_view_zoom_at (PS_MATRIX_VIEW (view), 8, r.origin.x, r.origin.y);
  g_assert_cmpfloat (ps_matrix_view_get_zoom (PS_MATRIX_VIEW (view)), >, 1);
  ps_test_wait_frame (view);
  render_view (view, &px);
  hot = 0;
  for (int i = 0; i < px.width * px.height; i++)
    hot += px.px[i] == ps_colormap_argb (100.f, 100.f);
  g_assert_cmpint (hot, >, 0);
  ps_test_pixels_clear (&px);
}

static void
test_zoom (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  graphene_rect_t before, after;
  PsTestPixels px = { 0 };
  int64_t row, col;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  f->win = ps_test_window_with (view, 400, 300);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 1, 2, &before);
  /* zoom around the centre of cell (1, 2): it stays under the pointer */
  ps_matrix_view_zoom_at (PS_MATRIX_VIEW (view), 2,
                           before.origin.x + before.size.width / 2,
                           before.origin.y + before.size.height / 2);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 1, 2, &after);
  g_assert_cmpfloat (after.size.width, >, before.size.width * 1.5);
  g_assert_true (ps_matrix_view_get_cell_at (PS_MATRIX_VIEW (view),
                                              before.origin.x + before.size.width / 2,
                                              before.origin.y + before.size.height / 2, &row, &col));
  g_assert_cmpint (row, ==, 1);
  g_assert_cmpint (col, ==, 2);
  ps_test_wait_frame (view);
  render_view (view, &px);
  g_assert_cmphex (ps_test_pixel_at (&px, after.origin.x + after.size.width / 2,
                             after.origin.y + after.size.height / 2),
                   ==, ps_colormap_argb (ramp (6), 1.f));
  ps_test_pixels_clear (&px);

  /* Ctrl+0 */
  g_assert_true (gtk_widget_activate_action (view, "heatmap.zoom-reset", NULL));
  g_assert_cmpfloat (ps_matrix_view_get_zoom (PS_MATRIX_VIEW (view)), ==, 1);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 1, 2, &after);
  g_assert_true (graphene_rect_equal (&before, &after));
}

static void
on_cell_selected (PsMatrixView *v, int row, int col, int *count)
{
  (*count)++;
}

static void
test_selection (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win;
  int selected = 0, row, col;
  PsTestPixels px = { 0 };
  graphene_rect_t r;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  g_signal_connect (view, "cell-selected", G_CALLBACK (on_cell_selected), &selected);
  win = f->win = ps_test_window_with (view, 400, 300);
  g_assert_cmpint (ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (view)), ==, -1);

  /* arrows: the first press selects (0, 0), then moves, clamped at the edge */
  g_assert_true (gtk_widget_activate_action (view, "heatmap.move", "(ii)", 0, 1));
  g_assert_true (gtk_widget_activate_action (view, "heatmap.move", "(ii)", 0, 1));
  g_assert_true (gtk_widget_activate_action (view, "heatmap.move", "(ii)", 1, 0));
  g_assert_true (gtk_widget_activate_action (view, "heatmap.move", "(ii)", 5, 0));
  g_object_get (view, "selected-row", &row, "selected-col", &col, NULL);
  g_assert_cmpint (row, ==, 2);
  g_assert_cmpint (col, ==, 1);
  g_assert_cmpint (selected, ==, 4);

  /* the selected cell is outlined: its edge is no longer the cell's colour */
  ps_test_wait_frame (view);
  render_view (view, &px);
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), 2, 1, &r);
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + 1, r.origin.y + r.size.height / 2), ==, 0xff000000);
  g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2, r.origin.y + r.size.height / 2),
                   ==, ps_colormap_argb (ramp (9), 1.f));
  ps_test_screenshot (win, "heatmap-selected.png");
  ps_test_pixels_clear (&px);

  /* the tooltip of a cell: name, index, value and gradient */
  {
    g_autofree char *text = ps_matrix_view_describe_cell (PS_MATRIX_VIEW (view), 2, 1);
    PsTensor *g = ps_param_ensure_grad (p);
    g_autofree char *with_grad = NULL;
    g_assert_cmpstr (text, ==, "0.weight [2, 1]\nvalue 0.636364\ngradient none yet");
    g->data[9] = -1.5e-7f;
    ps_param_changed (p, PS_CHANGE_GRAD);
    with_grad = ps_matrix_view_describe_cell (PS_MATRIX_VIEW (view), 2, 1);
    g_assert_cmpstr (with_grad, ==, "0.weight [2, 1]\nvalue 0.636364\ngradient \u22121.5e-07");
    g_assert_null (ps_matrix_view_describe_cell (PS_MATRIX_VIEW (view), 3, 0));
  }

  /* Enter on the selection opens the editor there */
  g_assert_true (gtk_widget_activate_action (view, "heatmap.edit", NULL));
  g_assert_true (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));
  ps_matrix_view_cancel_edit (PS_MATRIX_VIEW (view));

  g_object_set (view, "selected-row", -1, NULL);
  g_assert_cmpint (ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (view)), ==, -1);
}

static void
test_parse (void)
{
  static const struct { const char *text; gboolean ok; float value; } cases[] = {
    { "0.5", TRUE, 0.5f },
    { "  -3 ", TRUE, -3.f },
    { "\u22122.25", TRUE, -2.25f },
    { "1e-3", TRUE, 1e-3f },
    { "+7", TRUE, 7.f },
    { ".5", TRUE, 0.5f },
    { "0", TRUE, 0.f },
    { "", FALSE, 0 },
    { "   ", FALSE, 0 },
    { "abc", FALSE, 0 },
    { "1.5x", FALSE, 0 },
    { "1,5", FALSE, 0 },
    { "nan", FALSE, 0 },
    { "inf", FALSE, 0 },
    { "-infinity", FALSE, 0 },
    { "1e39", FALSE, 0 },             /* finite as a double, not as a float */
    { "1e400", FALSE, 0 },
    { "0x10", FALSE, 0 },
    { "1 2", FALSE, 0 },
    { "-", FALSE, 0 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      float v = 12345.f;
      gboolean ok = ps_matrix_view_parse_value (cases[i].text, &v);
      g_test_message ("parse \"%s\"", cases[i].text);
      g_assert_cmpint (ok, ==, cases[i].ok);
      if (ok)
        g_assert_cmpfloat (v, ==, cases[i].value);
      else
        g_assert_cmpfloat (v, ==, 12345.f);     /* nothing written */
    }
  g_assert_false (ps_matrix_view_parse_value (NULL, &(float) { 0 }));
}

typedef struct
{
  int     count;
  gint64  index;
  float   value;
  gboolean fail;               /* the window reports an error */
} EditLog;

static void
on_edit_requested (PsMatrixView *v, gint64 index, float value, EditLog *log)
{
  log->count++;
  log->index = index;
  log->value = value;
  if (log->fail)
    ps_matrix_view_show_error (v, "the document refused");
}

/* The popover's entry: view → popover → box → entry. */
static GtkWidget *
find_entry (GtkWidget *view)
{
  for (GtkWidget *c = gtk_widget_get_first_child (view); c; c = gtk_widget_get_next_sibling (c))
    if (GTK_IS_POPOVER (c))
      {
        GtkWidget *box = gtk_popover_get_child (GTK_POPOVER (c));
        return gtk_widget_get_first_child (box);
      }
  return NULL;
}

static void
test_edit (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win, *entry;
  EditLog log = { 0 };
  float before = ps_param_get_data (p)->data[6];

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  g_signal_connect (view, "edit-requested", G_CALLBACK (on_edit_requested), &log);
  win = f->win = ps_test_window_with (view, 400, 300);
  entry = find_entry (view);
  g_assert_true (GTK_IS_ENTRY (entry));

  /* open: prefilled with the value, the cell selected */
  g_assert_true (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 1, 2));
  g_assert_true (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));
  g_assert_cmpint (ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (view)), ==, 1);
  {
    float shown;
    const char *text = gtk_editable_get_text (GTK_EDITABLE (entry));
    g_assert_true (ps_matrix_view_parse_value (text, &shown));
    g_assert_cmpfloat (shown, ==, before);
  }
  ps_test_wait_frame (view);
  ps_test_screenshot (win, "heatmap-editing.png");
  {
    /* the popover is a surface of its own */
    GtkWidget *popover = gtk_widget_get_ancestor (entry, GTK_TYPE_POPOVER);
    g_assert_true (gtk_widget_get_visible (popover));
    gtk_test_widget_wait_for_draw (popover);
    screenshot_native (popover, "heatmap-edit-popover.png");
  }

  /* bad text through the entry's own activate: error shown, nothing emitted */
  gtk_editable_set_text (GTK_EDITABLE (entry), "12abc");
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (log.count, ==, 0);
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  g_assert_true (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));
  g_assert_cmpfloat (ps_param_get_data (p)->data[6], ==, before);
  /* typing again clears the error */
  gtk_editable_set_text (GTK_EDITABLE (entry), "0.25");
  g_assert_false (gtk_widget_has_css_class (entry, "error"));

  /* good text: one request for element (1, 2) = 6, popover closed; the view
   * itself does not touch the parameter */
  g_signal_emit_by_name (entry, "activate");
  g_assert_cmpint (log.count, ==, 1);
  g_assert_cmpint (log.index, ==, 6);
  g_assert_cmpfloat (log.value, ==, 0.25f);
  g_assert_false (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));
  g_assert_cmpfloat (ps_param_get_data (p)->data[6], ==, before);

  /* the window refuses: the popover stays open with its message */
  log.fail = TRUE;
  g_assert_true (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 2, 3));
  g_assert_true (ps_matrix_view_commit_text (PS_MATRIX_VIEW (view), "-1"));
  g_assert_cmpint (log.count, ==, 2);
  g_assert_cmpint (log.index, ==, 11);
  g_assert_true (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));
  g_assert_true (gtk_widget_has_css_class (entry, "error"));
  {
    GtkWidget *popover = gtk_widget_get_ancestor (entry, GTK_TYPE_POPOVER);
    gtk_test_widget_wait_for_draw (popover);
    screenshot_native (popover, "heatmap-edit-error.png");
  }
  ps_matrix_view_cancel_edit (PS_MATRIX_VIEW (view));
  g_assert_false (ps_matrix_view_is_editing (PS_MATRIX_VIEW (view)));

  /* the gradient is not editable */
  ps_test_view_show_param (view, p, TRUE, "grad 0.weight");
  g_assert_false (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 0, 0));
}

static void
test_export_png (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-heatmap-XXXXXX", NULL);
  g_autofree char *model = g_build_filename (dir, "m.py", NULL);
  g_autofree char *ours = g_build_filename (dir, "view.png", NULL);
  g_autofree char *theirs = g_build_filename (dir, "cli.png", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GdkTexture) tex = NULL;
  GtkWidget *view = ps_matrix_view_new ();
  GtkWidget *win;
  const char *cli = g_getenv ("PS_CLI");
  PsRng rng;

  g_assert_true (g_file_set_contents (model, "net = nn.Sequential(nn.Linear(5, 7), nn.ReLU())\n",
                                      -1, NULL));
  ps_rng_seed (&rng, 7);
  net = ps_model_load_file (model, &rng, NULL, &error);
  g_assert_no_error (error);
  ps_test_view_show_param (view, ps_module_find_param (net, "0.weight"), FALSE,
                             "0.weight");
  win = ps_test_window_with (view, 300, 200);

  g_assert_true (ps_matrix_view_export_png (PS_MATRIX_VIEW (view), ours, &error));
  g_assert_no_error (error);
  tex = gdk_texture_new_from_filename (ours, &error);
  g_assert_no_error (error);
  g_assert_cmpint (gdk_texture_get_width (tex), >, 5 * PS_MATRIX_EXPORT_CELL);
  /* 7 * 16 < 160: the colorbar's minimum height */
  g_assert_cmpint (gdk_texture_get_height (tex), ==, 160);
  {
    PsTestPixels px = { 0 };
    PsTensor *w = ps_param_get_data (ps_module_find_param (net, "0.weight"));
    float range = ps_heatmap_range (w->data, w->numel);
    ps_test_pixels_from_texture (tex, &px);
    for (int r = 0; r < 7; r++)
      for (int c = 0; c < 5; c++)
        g_assert_cmphex (ps_test_pixel_at (&px, c * 16 + 8, r * 16 + 8), ==,
                         ps_colormap_argb (w->data[r * 5 + c], range));
    ps_test_pixels_clear (&px);
  }

  /* byte for byte what `paramscope-cli render --colorbar` writes */
  if (cli != NULL)
    {
      g_autofree char *a = NULL, *b = NULL;
      gsize na, nb;
      int status;
      const char *argv[] = { cli, "render", model, "--param", "0.weight", "--seed", "7",
                             "--colorbar", "-o", theirs, NULL };
      g_assert_true (g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, NULL,
                                   NULL, &status, &error));
      g_assert_no_error (error);
      g_assert_true (g_spawn_check_wait_status (status, NULL));
      g_assert_true (g_file_get_contents (ours, &a, &na, NULL));
      g_assert_true (g_file_get_contents (theirs, &b, &nb, NULL));
      g_assert_cmpmem (a, na, b, nb);
    }
  else
    g_test_message ("PS_CLI not set: not compared with paramscope-cli render");

  /* nothing to export: a clear error, no file */
  {
    g_autoptr (PsParam) lazy = ps_param_new_uninitialized ();
    g_autofree char *none = g_build_filename (dir, "none.png", NULL);
    ps_test_view_show_param (view, lazy, FALSE, "3.weight");
    g_assert_false (ps_matrix_view_export_png (PS_MATRIX_VIEW (view), none, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
    g_assert_false (g_file_test (none, G_FILE_TEST_EXISTS));
    g_clear_error (&error);
    ps_test_view_show_param (view, NULL, FALSE, NULL);
  }
  /* an unwritable place: an error, and no temporary file left behind */
  g_assert_false (ps_matrix_view_export_png (PS_MATRIX_VIEW (view), "/nonexistent/x.png",
                                              &error));
  g_clear_error (&error);

  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (ours);
  g_unlink (theirs);
  g_unlink (model);
  {
    /* the directory is empty: no temporary files were left */
    g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
    g_assert_null (g_dir_read_name (d));
  }
  g_rmdir (dir);
}

static gpointer
change_in_thread (gpointer data)
{
  PsParam *p = data;
  ps_param_get_data (p)->data[0] = 5.f;
  ps_param_changed (p, PS_CHANGE_DATA);
  return NULL;
}

/* A worker thread (training) changes the parameter: the view redraws on
 * the main thread. */
static void
test_change_from_thread (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  PsTestPixels px = { 0 };
  GThread *t;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  f->win = ps_test_window_with (view, 400, 300);
  t = g_thread_new ("worker", change_in_thread, p);
  g_thread_join (t);
  ps_test_wait_frame (view);
  render_view (view, &px);
  assert_cells (view, &px, ps_param_get_data (p));
  ps_test_pixels_clear (&px);
}

/* The view lets go of its parameter: reference and listener. */
static void
test_lifecycle (void)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = g_object_ref_sink (ps_matrix_view_new ());
  guint64 v0;

  ps_test_view_show_param (view, p, FALSE, "0.weight");
  ps_test_view_show_param (view, p, TRUE, "grad 0.weight");
  g_assert_true (ps_test_view_get_param (view) == p);
  g_assert_finalize_object (view);
  /* no listener left behind: a change after the view is gone is harmless */
  v0 = ps_param_get_version (p);
  ps_param_changed (p, PS_CHANGE_DATA);
  g_assert_cmpuint (ps_param_get_version (p), >, v0);
}

/* ---- overview -------------------------------------------------------------- */

static const char tied_model[] =
  "shared = nn.Linear(8, 8)\n"
  "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),\n"
  "                    nn.Linear(8, 1))\n";

static void
on_param_activated (PsOverview *o, const char *key, char **out)
{
  g_free (*out);
  *out = g_strdup (key);
}

static void
test_overview (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GPtrArray) keys = NULL;
  g_autoptr (GdkTexture) tex = NULL;
  g_autofree char *activated = NULL;
  GtkWidget *ov = ps_overview_new ();
  GtkWidget *win;
  GdkRGBA c2, c4, c2b;
  PsTestPixels px = { 0 };
  PsRng rng;

  ps_rng_seed (&rng, 1);
  net = ps_model_parse (tied_model, -1, "tied.py", &rng, NULL, &error);
  g_assert_no_error (error);
  ps_overview_set_model (PS_OVERVIEW (ov), net);
  g_signal_connect (ov, "param-activated", G_CALLBACK (on_param_activated), &activated);
  win = ps_test_window_with (ov, 480, 360);

  /* every state_dict key is drawn, and its centre maps back to it */
  keys = ps_module_state_dict (net);
  g_assert_cmpuint (keys->len, ==, 8);
  for (guint i = 0; i < keys->len; i++)
    {
      PsNamedParam *np = g_ptr_array_index (keys, i);
      graphene_rect_t r;
      g_autofree char *key = NULL;
      g_assert_true (ps_overview_get_key_rect (PS_OVERVIEW (ov), np->name, &r));
      g_assert_cmpfloat (r.size.width, >=, 4);
      key = ps_overview_get_key_at (PS_OVERVIEW (ov), r.origin.x + r.size.width / 2,
                                    r.origin.y + r.size.height / 2);
      g_assert_cmpstr (key, ==, np->name);
    }
  g_assert_null (ps_overview_get_key_at (PS_OVERVIEW (ov), 1, 1));

  /* tied: one colour for 2.* (the shared layer) at both of its places */
  g_assert_true (ps_overview_get_tie_color (PS_OVERVIEW (ov), "2.weight", &c2));
  g_assert_true (ps_overview_get_tie_color (PS_OVERVIEW (ov), "4.weight", &c4));
  g_assert_true (gdk_rgba_equal (&c2, &c4));
  g_assert_true (ps_overview_get_tie_color (PS_OVERVIEW (ov), "2.bias", &c2b));
  g_assert_false (gdk_rgba_equal (&c2, &c2b));      /* weight and bias are two objects */
  g_assert_false (ps_overview_get_tie_color (PS_OVERVIEW (ov), "0.weight", &c2));

  ps_test_wait_frame (ov);
  tex = ps_test_render_widget (ov);
  ps_test_pixels_from_texture (tex, &px);
  {
    const char *tied[] = { "2.weight", "4.weight" };
    guint32 want = 0xff000000u | ((guint32) lround (c4.red * 255) << 16)
                   | ((guint32) lround (c4.green * 255) << 8) | (guint32) lround (c4.blue * 255);
    for (guint i = 0; i < G_N_ELEMENTS (tied); i++)
      {
        graphene_rect_t r;
        ps_overview_get_key_rect (PS_OVERVIEW (ov), tied[i], &r);
        /* the outline, left of the heatmap and above it */
        g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x - 2, r.origin.y + r.size.height / 2), ==, want);
        g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width / 2, r.origin.y - 2), ==, want);
      }
    /* and the same cells at both places */
    {
      graphene_rect_t a, b;
      ps_overview_get_key_rect (PS_OVERVIEW (ov), "2.weight", &a);
      ps_overview_get_key_rect (PS_OVERVIEW (ov), "4.weight", &b);
      g_assert_cmpfloat (a.size.width, ==, b.size.width);
      for (double y = 0.5; y < a.size.height; y += 3)
        for (double x = 0.5; x < a.size.width; x += 3)
          g_assert_cmphex (ps_test_pixel_at (&px, a.origin.x + x, a.origin.y + y), ==,
                           ps_test_pixel_at (&px, b.origin.x + x, b.origin.y + y));
    }
  }
  ps_test_pixels_clear (&px);

  /* it redraws when a parameter changes */
  {
    PsParam *w0 = ps_module_find_param (net, "0.weight");
    PsTensor *t = ps_param_get_data (w0);
    graphene_rect_t r;
    g_autoptr (GdkTexture) tex2 = NULL;
    ps_tensor_fill (t, 0.f);
    t->data[0] = -1.f;
    ps_param_changed (w0, PS_CHANGE_DATA);
    ps_test_wait_frame (ov);
    tex2 = ps_test_render_widget (ov);
    ps_test_pixels_from_texture (tex2, &px);
    ps_overview_get_key_rect (PS_OVERVIEW (ov), "0.weight", &r);
    g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + 0.5, r.origin.y + 0.5), ==,
                     ps_colormap_argb (-1.f, 1.f));
    g_assert_cmphex (ps_test_pixel_at (&px, r.origin.x + r.size.width - 0.5, r.origin.y + r.size.height - 0.5),
                     ==, ps_colormap_argb (0.f, 1.f));
    ps_test_pixels_clear (&px);
  }

  /* keyboard: move to the third place and activate it */
  g_assert_true (gtk_widget_activate_action (ov, "overview.move", "i", 0));
  g_assert_true (gtk_widget_activate_action (ov, "overview.move", "i", 2));
  g_assert_true (gtk_widget_activate_action (ov, "overview.activate", NULL));
  g_assert_cmpstr (activated, ==, "2.weight");

  ps_test_screenshot (win, "overview.png");

  /* dark theme: labels follow the style's colour */
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  ps_test_wait_frame (ov);
  ps_test_screenshot (win, "overview-dark.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);

  ps_overview_set_model (PS_OVERVIEW (ov), NULL);
  g_assert_null (ps_overview_get_key_at (PS_OVERVIEW (ov), 100, 20));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The lesson's rgnet: deep names, a 1-output head, lazy layers shown as boxes. */
static void
test_overview_lazy (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) net = NULL;
  GtkWidget *ov = ps_overview_new ();
  GtkWidget *scroller = gtk_scrolled_window_new ();
  GtkWidget *win;
  graphene_rect_t r;
  PsRng rng;

  ps_rng_seed (&rng, 2);
  net = ps_model_parse ("net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 3))\n", -1,
                        "lazy.py", &rng, NULL, &error);
  g_assert_no_error (error);
  ps_overview_set_model (PS_OVERVIEW (ov), net);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (scroller), ov);
  win = ps_test_window_with (scroller, 360, 200);
  g_assert_true (ps_overview_get_key_rect (PS_OVERVIEW (ov), "0.weight", &r));
  g_assert_true (ps_overview_get_key_rect (PS_OVERVIEW (ov), "2.bias", &r));
  ps_test_screenshot (win, "overview-lazy.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

static void
test_dark (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsParam) p = param_new (3, 4, ramp);
  GtkWidget *view = f->view;
  GtkWidget *win;

  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", TRUE, NULL);
  ps_test_view_show_param (view, p, FALSE, "0.weight");
  ps_matrix_view_set_selected (PS_MATRIX_VIEW (view), 1, 1);
  win = f->win = ps_test_window_with (view, 400, 300);
  ps_test_screenshot (win, "heatmap-dark.png");
  g_object_set (gtk_settings_get_default (), "gtk-application-prefer-dark-theme", FALSE, NULL);
}

static void
skip_no_display (void)
{
  g_test_skip ("no display");
}

int
main (int argc, char **argv)
{
  g_setenv ("GTK_A11Y", "none", FALSE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);

  if (!gtk_init_check ())
    {
      /* one skipped case, so TAP and meson report SKIP rather than nothing */
      g_test_add_func ("/ui/heatmap/no-display", skip_no_display);
      return g_test_run ();
    }

  g_test_add_func ("/ui/heatmap/parse-value", test_parse);
  PS_TEST_VIEW ("/ui/heatmap/known-colours", test_known_colours);
  PS_TEST_VIEW ("/ui/heatmap/grad-placeholder", test_grad_placeholder);
  PS_TEST_VIEW ("/ui/heatmap/uninitialized", test_uninitialized);
  g_test_add_func ("/ui/heatmap/tied-views", test_tied_views);
  PS_TEST_VIEW ("/ui/heatmap/nonfinite", test_nonfinite);
  PS_TEST_VIEW ("/ui/heatmap/pooling", test_pooling);
  PS_TEST_VIEW ("/ui/heatmap/zoom", test_zoom);
  PS_TEST_VIEW ("/ui/heatmap/selection", test_selection);
  PS_TEST_VIEW ("/ui/heatmap/edit", test_edit);
  g_test_add_func ("/ui/heatmap/export-png", test_export_png);
  g_test_add_func ("/ui/heatmap/lifecycle", test_lifecycle);
  PS_TEST_VIEW ("/ui/heatmap/change-from-thread", test_change_from_thread);
  PS_TEST_VIEW ("/ui/heatmap/dark", test_dark);
  g_test_add_func ("/ui/overview/keys-and-ties", test_overview);
  g_test_add_func ("/ui/overview/lazy", test_overview_lazy);

  return g_test_run ();
}
