/* test-classroom.c — what a projected lesson needs from the window:
 * values printed inside big heatmap cells in Presentation Mode, a module's
 * parameters as small multiples, a focus ring on every focusable view,
 * heatmap zoom on plain +/− (Ctrl± scales the interface), the Difference
 * tooltip with both values and the change, the spiral's data and decision
 * regions updated as it trains with the accuracy beside the loss, and
 * core's accuracy and decision regions against hand computations. */
#include "ps-ui-test-util.h"
#include "ps-data-view.h"
#include "ps-diff-source.h"
#include "ps-overview.h"
#include "ps-matrix-view.h"
#include "ps-train-panel.h"
#include "ps-ui-util.h"

#include <math.h>
#include <string.h>

static const PsTestWindowSetup mlp_1024 = { "mlp", 1024, 700 };
static const PsTestWindowSetup spiral_1024 = { "spiral", 1024, 700 };
static const PsTestWindowSetup tied_1024 = { "tied", 1024, 700 };
static const PsTestWindowSetup tied_800 = { "tied", 800, 600 };
static const PsTestWindowSetup resnet_800 = { "resnet", 800, 600 };

/* Pixels of a rectangle of p that differ from the colour at its centre's
 * left edge by more than a little: text drawn over a flat cell. */
static guint
count_ink (const PsTestPixels *p, const graphene_rect_t *r)
{
  guint32 bg = ps_test_pixel_at (p, r->origin.x + 3, r->origin.y + 3);
  guint n = 0;

  for (int y = (int) r->origin.y + 3; y < (int) (r->origin.y + r->size.height) - 3; y++)
    for (int x = (int) r->origin.x + 3; x < (int) (r->origin.x + r->size.width) - 3; x++)
      {
        guint32 c = ps_test_pixel_at (p, x, y);
        int d = 0;
        for (int s = 0; s < 24; s += 8)
          d = MAX (d, ABS ((int) ((c >> s) & 0xff) - (int) ((bg >> s) & 0xff)));
        n += d > 60;
      }
  return n;
}

/* Presentation Mode prints the 32 values of the lesson's 8×4 weight inside
 * its cells at 1024×700; plain mode does not. */
static void
test_values_in_cells (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsMatrixView *view;
  PsTestPixels plain = { 0 }, shown = { 0 };
  graphene_rect_t cell;
  guint ink_plain, ink_shown;

  if (win == NULL)
    return;
  view = PS_MATRIX_VIEW (ps_test_window_child (win, "data_view"));
  g_assert_true (ps_window_select_key (win, "0.weight"));
  ps_test_render (GTK_WIDGET (view), &plain);
  g_assert_cmpfloat (ps_matrix_view_get_values_font (view), ==, 0);

  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  g_assert_true (ps_matrix_view_get_show_values (view));
  /* Presentation Mode's larger type relays the window out: the cells are
   * read once the view's size holds for a frame (a loaded machine drew the
   * picture at one size and gave the cells of the next) */
  for (int i = 0, w = -1, h = -1; i < 50; i++)
    {
      ps_test_wait_frame (GTK_WIDGET (win));
      if (gtk_widget_get_width (GTK_WIDGET (view)) == w && gtk_widget_get_height (GTK_WIDGET (view)) == h)
        break;
      w = gtk_widget_get_width (GTK_WIDGET (view));
      h = gtk_widget_get_height (GTK_WIDGET (view));
    }
  ps_test_render (GTK_WIDGET (view), &shown);
  ps_matrix_view_cell_rect (view, 0, 0, &cell);
  g_test_message ("values printed at %.0f px in cells of %.0f px (view %d×%d)",
                  ps_matrix_view_get_values_font (view), cell.size.width,
                  gtk_widget_get_width (GTK_WIDGET (view)), gtk_widget_get_height (GTK_WIDGET (view)));
  g_assert_cmpfloat (ps_matrix_view_get_values_font (view), >=, 7);
  ps_test_screenshot (GTK_WIDGET (win), "classroom-values-in-cells.png");

  /* every cell carries ink in Presentation Mode; the plain cells are flat */
  for (int r = 0; r < 8; r++)
    for (int c = 0; c < 4; c++)
      {
        ps_matrix_view_cell_rect (view, r, c, &cell);
        g_assert_cmpfloat (cell.size.width, >=, 20);
        ink_shown = count_ink (&shown, &cell);
        if (shown.width == plain.width && shown.height == plain.height)
          {
            ink_plain = count_ink (&plain, &cell);
            g_assert_cmpuint (ink_plain, ==, 0);
          }
        g_assert_cmpuint (ink_shown, >=, 8);
      }
  ps_test_pixels_clear (&plain);
  ps_test_pixels_clear (&shown);
}

/* Too small to read: a 64×64 matrix in the same view prints nothing. */
static void
test_values_too_small (void)
{
  g_autoptr (PsParam) p = NULL;
  g_autoptr (PsTensor) t = NULL;
  GtkWidget *view, *win;
  PsTestPixels px = { 0 };

  if (ps_test_skip_without_display ())
    return;
  t = ps_tensor_new_2d (64, 64);
  p = ps_param_new (t);
  for (int64_t i = 0; i < 64 * 64; i++)
    ps_param_get_data (p)->data[i] = (float) (i % 17) - 8;
  view = ps_matrix_view_new ();
  ps_matrix_view_set_show_values (PS_MATRIX_VIEW (view), TRUE);
  ps_test_view_show_param (view, p, FALSE, "w");
  win = ps_test_window_with (view, 400, 300);
  ps_test_render (view, &px);
  g_assert_cmpfloat (ps_matrix_view_get_values_font (PS_MATRIX_VIEW (view)), ==, 0);
  /* zoomed in far enough, the values appear */
  ps_matrix_view_zoom_at (PS_MATRIX_VIEW (view), 8, 10, 10);
  ps_test_pixels_clear (&px);
  ps_test_render (view, &px);
  g_assert_cmpfloat (ps_matrix_view_get_values_font (PS_MATRIX_VIEW (view)), >=, 7);
  ps_test_pixels_clear (&px);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A layer, the whole network, a module without parameters, a parameter:
 * the centre shows small multiples, the reason, or the two heatmaps. */
static void
test_node_small_multiples (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *stack, *overview, *empty, *data_view;
  g_autofree char *key = NULL;
  graphene_rect_t r;

  if (win == NULL)
    return;
  stack = ps_test_window_child (win, "param_stack");
  overview = ps_test_window_child (win, "node_overview");
  empty = ps_test_window_child (win, "node_empty");
  data_view = ps_test_window_child (win, "data_view");

  g_assert_true (ps_window_select_key (win, "0"));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "node");
  g_assert_cmpuint (ps_overview_get_n_places (PS_OVERVIEW (overview)), ==, 2);
  g_assert_true (ps_overview_get_key_rect (PS_OVERVIEW (overview), "0.weight", &r));
  g_test_message ("0.weight drawn at %.0f×%.0f px", r.size.width, r.size.height);
  g_assert_cmpfloat (r.size.height, >=, 8 * 20);              /* bigger than the overview's */
  g_assert_false (ps_overview_get_key_rect (PS_OVERVIEW (overview), "2.weight", &r));
  g_assert_true (ps_overview_get_key_rect (PS_OVERVIEW (overview), "0.weight", &r));
  g_assert_cmpint (gtk_widget_get_width (overview), >=, 200);
  g_assert_cmpint (gtk_widget_get_height (overview), >=, 100);
  ps_test_screenshot (GTK_WIDGET (win), "classroom-layer.png");
  /* clicking a small heatmap selects that parameter */
  key = ps_overview_get_key_at (PS_OVERVIEW (overview), r.origin.x + r.size.width / 2,
                                r.origin.y + r.size.height / 2);
  g_assert_cmpstr (key, ==, "0.weight");
  g_signal_emit_by_name (overview, "param-activated", "0.bias");
  g_assert_cmpstr (ps_tree_node_get_key (ps_window_get_selected_node (win)), ==, "0.bias");
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "param");
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (gtk_widget_get_width (data_view), >=, 100);

  /* the whole network: all four */
  g_assert_true (ps_window_select_key (win, ""));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "node");
  g_assert_cmpuint (ps_overview_get_n_places (PS_OVERVIEW (overview)), ==, 4);

  /* ReLU has none, and says so */
  g_assert_true (ps_window_select_key (win, "1"));
  g_assert_cmpstr (gtk_stack_get_visible_child_name (GTK_STACK (stack)), ==, "none");
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (empty)), "no parameters"));
}

/* The colours along the middle of w's left edge, from 2 px outside it to 8 px inside,
 * in the window's frame, summed into one number that changes with any. */
static guint64
edge_pixels (PsWindow *win, GtkWidget *w)
{
  PsTestPixels px = { 0 };
  graphene_rect_t b;
  guint64 sum = 0;

  g_assert_true (gtk_widget_compute_bounds (w, GTK_WIDGET (win), &b));
  ps_test_render (GTK_WIDGET (win), &px);
  for (int dx = -2; dx <= 8; dx++)
    for (int dy = -8; dy <= 8; dy++)
      sum = sum * 31 + ps_test_pixel_at (&px, MAX (b.origin.x + dx, 0), b.origin.y + b.size.height / 2 + dy);
  ps_test_pixels_clear (&px);
  return sum;
}

static GtkWidget *find_selected_row (GtkWidget *w);

/* Keyboard focus on the heatmap, the overview and the tree draws a ring. */
static void
test_focus_rings (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  const char *names[] = { "data_view", "overview", "tree" };

  if (win == NULL)
    return;
  g_assert_true (ps_window_select_key (win, "0.weight"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "overview"));
  gtk_window_set_focus_visible (GTK_WINDOW (win), TRUE);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      GtkWidget *w = ps_test_window_child (win, names[i]), *probe = w;
      guint64 before, after;

      if (g_str_equal (names[i], "tree"))     /* its rows take the focus: the selected one */
        w = find_selected_row (w);

      g_assert_true (gtk_widget_get_focusable (w));
      gtk_window_set_focus (GTK_WINDOW (win), NULL);
      before = edge_pixels (win, probe);
      g_assert_true (gtk_widget_grab_focus (w));
      {
        GtkWidget *fw = gtk_root_get_focus (GTK_ROOT (win));
        g_test_message ("%s: the focus in %s", names[i], fw ? G_OBJECT_TYPE_NAME (fw) : "nothing");
        g_assert_true (fw == w || gtk_widget_is_ancestor (fw, w));
        g_assert_true (gtk_widget_has_visible_focus (fw));
      }
      after = edge_pixels (win, probe);
      g_test_message ("%s edge %016" G_GINT64_MODIFIER "x → %016" G_GINT64_MODIFIER "x with the focus",
                      names[i], before, after);
      {
        g_autofree char *shot = g_strdup_printf ("classroom-focus-%s.png", names[i]);
        ps_test_screenshot (GTK_WIDGET (win), shot);
      }
      g_assert_cmpuint (before, !=, after);
    }
}

/* WCAG's relative luminance of an (A)RGB pixel, and the contrast of two. */
static double
luminance (guint32 px)
{
  double c[3];
  for (int i = 0; i < 3; i++)
    {
      double v = ((px >> (16 - 8 * i)) & 0xff) / 255.0;
      c[i] = v <= 0.03928 ? v / 12.92 : pow ((v + 0.055) / 1.055, 2.4);
    }
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

static double
contrast (guint32 a, guint32 b)
{
  double la = luminance (a), lb = luminance (b);
  return (MAX (la, lb) + 0.05) / (MIN (la, lb) + 0.05);
}

/* The colour left of label l, in the gap before it (in win's frame). */
static guint32
colour_before (PsWindow *win, const PsTestPixels *px, GtkWidget *l)
{
  graphene_rect_t b;

  g_assert_true (gtk_widget_compute_bounds (l, GTK_WIDGET (win), &b));
  return ps_test_pixel_at (px, b.origin.x - 3, b.origin.y + b.size.height / 2);
}

/* The strongest contrast of the text of label l (in win's frame) against
 * the background colour bg. */
static double
label_contrast (PsWindow *win, const PsTestPixels *px, GtkWidget *l, guint32 bg)
{
  graphene_rect_t b;
  double best = 1;

  g_assert_true (gtk_widget_compute_bounds (l, GTK_WIDGET (win), &b));
  for (int y = (int) b.origin.y + 2; y < (int) (b.origin.y + b.size.height) - 2; y++)
    for (int x = (int) b.origin.x + 3; x < (int) (b.origin.x + b.size.width) - 3; x++)
      best = MAX (best, contrast (bg, ps_test_pixel_at (px, x, y)));
  return best;
}

static GtkWidget *
find_selected_row (GtkWidget *w)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      if (gtk_widget_get_mapped (c) && (gtk_widget_get_state_flags (c) & GTK_STATE_FLAG_SELECTED)
          && g_str_equal (gtk_widget_get_css_name (c), "row"))
        return c;
      GtkWidget *r = find_selected_row (c);
      if (r)
        return r;
    }
  return NULL;
}

static GtkWidget *
find_label_with_class (GtkWidget *w, const char *css_class)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    {
      if (GTK_IS_LABEL (c) && gtk_widget_has_css_class (c, css_class) && gtk_widget_get_mapped (c))
        return c;
      GtkWidget *r = find_label_with_class (c, css_class);
      if (r)
        return r;
    }
  return NULL;
}

/* A selected row of the block tree keeps what it says readable, also in
 * the narrow tree of a projector's window and with the tree's divider
 * dragged narrower: the tied badge "= 4.weight" whole (not ellipsized
 * away), the grey secondary text and the badge in strong contrast with
 * the selection's colour. */
static void
test_selected_row_badges (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *outer;

  if (win == NULL)
    return;
  outer = ps_test_window_child (win, "outer_paned");
  g_assert_true (ps_window_select_key (win, "2.weight"));
  for (int pass = 0; pass < 2; pass++)
    {
      GtkWidget *row, *badge, *size, *name;
      PsTestPixels px = { 0 };
      double c_badge, c_size, c_name;
      g_autofree char *shot = NULL;

      if (pass == 1)
        gtk_paned_set_position (GTK_PANED (outer), 170);   /* the divider dragged in */
      ps_test_wait_frame (GTK_WIDGET (win));
      ps_test_wait_frame (GTK_WIDGET (win));
      row = find_selected_row (ps_test_window_child (win, "tree"));
      g_assert_nonnull (row);
      badge = find_label_with_class (row, "ps-badge-tied");
      size = find_label_with_class (row, "dim-label");
      name = find_label_with_class (row, "ps-tree-name");
      g_assert_nonnull (name);
      g_assert_nonnull (badge);
      g_assert_nonnull (size);
      ps_test_render (GTK_WIDGET (win), &px);
      /* the row's colour, under the badge too (no tint of its own there) */
      c_badge = label_contrast (win, &px, badge, colour_before (win, &px, name));
      c_size = label_contrast (win, &px, size, colour_before (win, &px, name));
      c_name = label_contrast (win, &px, name, colour_before (win, &px, name));
      g_test_message ("tree %d px: name contrast %.1f; badge “%s” %d px wide (ellipsized %d), "
                      "contrast %.1f; “%s” contrast %.1f",
                      gtk_widget_get_width (ps_test_window_child (win, "tree")), c_name,
                      gtk_label_get_text (GTK_LABEL (badge)), gtk_widget_get_width (badge),
                      pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (badge))), c_badge,
                      gtk_label_get_text (GTK_LABEL (size)), c_size);
      shot = g_strdup_printf ("classroom-selected-row-%d.png", pass);
      ps_test_screenshot (GTK_WIDGET (win), shot);
      ps_test_pixels_clear (&px);
      g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (badge)), ==, "= 4.weight");
      /* the row fits the tree: nothing of it scrolled or cut off at either side */
      {
        graphene_rect_t rb, lb;
        GtkWidget *list = ps_test_find_widget (ps_test_window_child (win, "tree"), GTK_TYPE_LIST_VIEW);
        g_assert_true (gtk_widget_compute_bounds (row, list, &rb));
        g_assert_true (gtk_widget_compute_bounds (badge, list, &lb));
        g_test_message ("row at x %.0f, %.0f px wide; badge ends at %.0f; the list %d px",
                        rb.origin.x, rb.size.width, lb.origin.x + lb.size.width, gtk_widget_get_width (list));
        g_assert_cmpfloat (rb.origin.x, >=, 0);
        g_assert_cmpfloat (lb.origin.x + lb.size.width, <=, gtk_widget_get_width (list));
        g_assert_true (gtk_widget_compute_bounds (list, GTK_WIDGET (win), &lb));
        g_assert_cmpfloat (lb.origin.x, >=, 0);
        g_assert_cmpint (gtk_widget_get_width (ps_test_window_child (win, "tree")), <=,
                         gtk_paned_get_position (GTK_PANED (outer)));
      }
      g_assert_false (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (badge))));
      /* the theme's accent gives the row's own text about 4:1; the grey
       * text and the badge are as strong (they were 3.4 and 3.8) */
      g_assert_cmpfloat (c_name, >=, 3);
      g_assert_cmpfloat (c_badge, >=, 0.95 * c_name);
      if (pass == 0)        /* dragged in, the size is only its ellipsis */
        g_assert_cmpfloat (c_size, >=, 0.95 * c_name);
    }
}

/* Pixels of w alone, as a checksum of its drawing. */
static guint64
drawn (GtkWidget *w)
{
  PsTestPixels px = { 0 };
  guint64 sum = 0;

  ps_test_render (w, &px);
  for (int i = 0; i < px.width * px.height; i++)
    sum = sum * 1099511628211u + px.px[i];
  ps_test_pixels_clear (&px);
  return sum;
}

/* The name line (net[2].weight · 2.weight, in <tt>) is selectable and
 * ellipsizes.  GTK 4.8 drops a selectable label's markup when it is set
 * while the label's text is selected (as it is whole once the label takes
 * the focus): the next node's name came in the interface's font, not
 * monospace.  Set with ps_ui_label_set_markup, the name is drawn the same
 * however the last one was selected, whole or ellipsized, and comes
 * unselected. */
static void
test_name_line (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  GtkWidget *label;
  guint64 before, after;
  const char *long_markup = "<tt>net[0][1][0][1][2][3][4][5][6][7][8][9][10][11].weight</tt>"
                            "   ·   <tt>0.block 1.0.block 2.1.a.b.c.d.e.f.g.h.i.weight</tt>";
  int start = -1, end = -1;

  if (win == NULL)
    return;
  label = ps_test_window_child (win, "path_label");
  g_assert_true (gtk_label_get_selectable (GTK_LABEL (label)));
  g_assert_cmpint (gtk_label_get_ellipsize (GTK_LABEL (label)), !=, PANGO_ELLIPSIZE_NONE);

  /* a long name, ellipsized, as it comes unselected (once the tree has
   * fitted its rows, for the same width) */
  g_assert_true (ps_window_select_key (win, "4.0.downsample.0.weight"));
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ps_window_select_key (win, "4.0.downsample.1.running_mean"));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
  before = drawn (label);
  /* the user clicks into another node's name (all of it selected), then,
   * the focus kept there, goes on to other nodes with the keyboard */
  g_assert_true (ps_window_select_key (win, "4.0.downsample.0.weight"));
  g_assert_cmpstr (gtk_label_get_text (GTK_LABEL (label)), ==,
                   "net[4][0].downsample[0].weight   ·   4.0.downsample.0.weight");
  gtk_widget_grab_focus (label);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ps_window_select_key (win, "4.0.downsample.1.running_var"));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ps_window_select_key (win, "4.0.downsample.1.running_mean"));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_false (gtk_label_get_selection_bounds (GTK_LABEL (label), &start, &end) && start != end);
  gtk_window_set_focus (GTK_WINDOW (win), NULL);
  ps_test_wait_frame (GTK_WIDGET (win));
  after = drawn (label);
  ps_test_screenshot (GTK_WIDGET (win), "classroom-name-line.png");
  g_assert_cmpuint (before, ==, after);

  /* a long one, ellipsized, set over a selection: as when set without one;
   * a part selected and the selection cleared: as before */
  ps_ui_label_set_markup (GTK_LABEL (label), long_markup);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (pango_layout_is_ellipsized (gtk_label_get_layout (GTK_LABEL (label))));
  before = drawn (label);
  gtk_widget_grab_focus (label);
  ps_ui_label_set_markup (GTK_LABEL (label), long_markup);
  gtk_label_select_region (GTK_LABEL (label), 2, 30);
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_screenshot (GTK_WIDGET (win), "classroom-name-line-selected.png");
  gtk_label_select_region (GTK_LABEL (label), 0, 0);
  gtk_window_set_focus (GTK_WINDOW (win), NULL);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpuint (drawn (label), ==, before);
}

/* + and − zoom the focused heatmap without Ctrl; Ctrl+plus is the
 * interface's scale, and the shortcuts window says both. */
static void
test_heatmap_keys (void)
{
  GtkWidget *view;
  GListModel *shortcuts, *controllers;
  gboolean zoom_plain = FALSE, zoom_ctrl = FALSE;
  g_autoptr (GtkBuilder) b = NULL;
  GObject *overlay;
  gboolean listed = FALSE;

  if (ps_test_skip_without_display ())
    return;
  view = g_object_ref_sink (ps_matrix_view_new ());
  /* the class's bindings: a shortcut controller among the view's controllers */
  controllers = gtk_widget_observe_controllers (view);
  for (guint k = 0; k < g_list_model_get_n_items (controllers); k++)
    {
      g_autoptr (GObject) c = g_list_model_get_item (controllers, k);
      if (!GTK_IS_SHORTCUT_CONTROLLER (c))
        continue;
      shortcuts = G_LIST_MODEL (c);
      for (guint i = 0; i < g_list_model_get_n_items (shortcuts); i++)
        {
          g_autoptr (GtkShortcut) s = g_list_model_get_item (shortcuts, i);
          GtkShortcutAction *a = gtk_shortcut_get_action (s);
          GtkShortcutTrigger *t = gtk_shortcut_get_trigger (s);

          if (!GTK_IS_NAMED_ACTION (a) || !GTK_IS_KEYVAL_TRIGGER (t)
              || strcmp (gtk_named_action_get_action_name (GTK_NAMED_ACTION (a)), "heatmap.zoom-in") != 0)
            continue;
          if (gtk_keyval_trigger_get_modifiers (GTK_KEYVAL_TRIGGER (t)) & GDK_CONTROL_MASK)
            zoom_ctrl = TRUE;
          else if (gtk_keyval_trigger_get_keyval (GTK_KEYVAL_TRIGGER (t)) == GDK_KEY_plus)
            zoom_plain = TRUE;
        }
    }
  g_object_unref (controllers);
  g_object_unref (view);
  g_assert_true (zoom_plain);
  g_assert_false (zoom_ctrl);

  b = gtk_builder_new_from_resource ("/org/paramscope/ParamScope/shortcuts.ui");
  overlay = gtk_builder_get_object (b, "help_overlay");
  g_assert_nonnull (overlay);
  GSList *objects = gtk_builder_get_objects (b);
  for (GSList *o = objects; o; o = o->next)
    {
      if (GTK_IS_SHORTCUTS_SHORTCUT (o->data))
        {
          g_autofree char *title = NULL, *accel = NULL;
          g_object_get (o->data, "title", &title, "accelerator", &accel, NULL);
          if (g_strcmp0 (title, "Zoom in") == 0 && accel && strstr (accel, "plus"))
            listed = TRUE;
        }
    }
  g_slist_free (objects);
  g_assert_true (listed);
  gtk_window_destroy (GTK_WINDOW (overlay));
}

/* The Difference tooltip: the value in each state, by its name, and the change. */
static void
test_diff_tooltip (void)
{
  g_autoptr (PsMatrixSource) src = ps_diff_source_new ();
  g_autoptr (PsTensor) a = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) b = ps_tensor_new_2d (2, 3);
  g_autofree char *tip = NULL;
  g_autoptr (GError) error = NULL;

  for (int i = 0; i < 6; i++)
    {
      a->data[i] = 0.25f * (float) i;
      b->data[i] = -0.5f * (float) i;
    }
  g_assert_true (ps_diff_source_update_named (PS_DIFF_SOURCE (src), a, b, "0.weight: current − run 1 · step 0",
                                              "current", "run 1 · step 0", &error));
  g_assert_no_error (error);
  tip = ps_matrix_source_describe_tooltip (src, 1, 1);        /* element 4: 1 and −2 */
  g_test_message ("%s", tip);
  g_assert_nonnull (strstr (tip, "[1, 1]"));
  g_assert_nonnull (strstr (tip, "current: 1"));
  g_assert_nonnull (strstr (tip, "run 1 · step 0: \u22122"));
  g_assert_nonnull (strstr (tip, "change A − B: 3"));
}

/* The spiral: the Data tab draws the run's 200 points and the regions,
 * which change with every step; the accuracy is beside the loss and is
 * what core computes from the network's output. */
static void
test_spiral_data (PsWindowFixture *f, gconstpointer setup)
{
  PsWindow *win = f->win;
  PsRunController *run;
  PsDataView *plot;
  GtkWidget *panel;
  const PsTensor *x = NULL, *t = NULL;
  g_autoptr (GError) error = NULL;
  guint64 v0, v1;
  double acc, again;

  if (win == NULL)
    return;
  run = ps_window_get_controller (win);
  plot = PS_DATA_VIEW (ps_test_window_child (win, "data_plot"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "data"));
  ps_test_wait_frame (GTK_WIDGET (win));
  /* before a run: the regions of the initial network, no points */
  g_assert_true (ps_data_view_has_regions (plot));
  g_assert_cmpuint (ps_data_view_get_n_points (plot), ==, 0);
  g_assert_true (isnan (ps_run_controller_get_accuracy (run)));

  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (ps_run_controller_get_data (run, &x, &t));
  g_assert_cmpuint (ps_data_view_get_n_points (plot), ==, (guint) ps_tensor_rows (x));
  g_assert_cmpuint (ps_data_view_get_n_points (plot), ==, 200);
  v0 = ps_data_view_get_regions_version (plot);
  acc = ps_run_controller_get_accuracy (run);
  g_assert_cmpfloat (acc, >=, 0);
  g_assert_cmpfloat (acc, <=, 1);
  g_assert_true (ps_data_evaluate (ps_document_get_model (ps_window_get_document (win)), x, t,
                                   &again, &error));
  g_assert_cmpfloat (acc, ==, again);

  for (int i = 0; i < 150; i++)
    g_assert_true (ps_run_controller_step (run, &error));
  ps_test_wait_frame (GTK_WIDGET (win));
  v1 = ps_data_view_get_regions_version (plot);
  g_assert_cmpuint (v1, >, v0);                  /* recomputed for the new values */
  g_assert_true (ps_data_evaluate (ps_document_get_model (ps_window_get_document (win)), x, t,
                                   &again, &error));
  g_assert_cmpfloat (ps_run_controller_get_accuracy (run), ==, again);
  g_test_message ("accuracy %.3f after 1 step, %.3f after 151", acc, again);
  g_assert_cmpfloat (again, >, acc);             /* Adam learns the spiral's easy part */

  /* the regions agree with the network where it is sure: at each point the
   * drawn class is the network's answer, for most points */
  {
    g_autoptr (PsTensor) p = NULL;
    guint agree = 0, n = (guint) ps_tensor_rows (x);
    for (guint i = 0; i < n; i++)
      {
        double px = x->data[2 * i], py = x->data[2 * i + 1];
        int drawn = ps_data_view_class_at (plot, px, py);
        p = ps_data_decision_grid (ps_document_get_model (ps_window_get_document (win)),
                                   px - 1e-3, px + 1e-3, py - 1e-3, py + 1e-3, 1, 1, &error);
        g_assert_nonnull (p);
        agree += drawn == (p->data[1] > p->data[0] ? 1 : 0);
        g_clear_pointer (&p, ps_tensor_unref);
      }
    g_test_message ("the drawn region agrees with the network at %u of %u points", agree, n);
    g_assert_cmpuint (agree, >=, n * 8 / 10);
  }

  /* the train panel says the accuracy beside the loss */
  panel = ps_test_window_child (win, "train_panel");
  {
    g_autofree char *want = g_strdup_printf ("accuracy %.1f%%", again * 100);
    GtkWidget *label = ps_test_template_child (panel, PS_TYPE_TRAIN_PANEL, "status_label");
    g_test_message ("train panel: %s", gtk_label_get_text (GTK_LABEL (label)));
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "loss"));
    g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), want));
  }
  ps_test_screenshot (GTK_WIDGET (win), "classroom-spiral-data.png");
}

/* Core: accuracy by argmax against a one-hot target; a non-finite row is
 * wrong; mismatched shapes give NaN. */
static void
test_core_accuracy (void)
{
  g_autoptr (PsTensor) y = ps_tensor_new_2d (4, 2);
  g_autoptr (PsTensor) t = ps_tensor_new_2d (4, 2);
  g_autoptr (PsTensor) other = ps_tensor_new_2d (3, 2);
  const float yv[] = { 2, 1,   0, 3,   5, 4,   NAN, 1 };
  const float tv[] = { 1, 0,   0, 1,   0, 1,   0, 1 };

  memcpy (y->data, yv, sizeof yv);
  memcpy (t->data, tv, sizeof tv);
  g_assert_cmpfloat (ps_data_accuracy (y, t), ==, 0.5);       /* rows 0, 1 right */
  g_assert_true (isnan (ps_data_accuracy (y, other)));
  g_assert_true (isnan (ps_data_accuracy (y, NULL)));
}

/* Core: the decision grid of Linear(2, 2) with chosen weights is the
 * softmax of W x + b at each cell's centre, the top row first. */
static void
test_core_decision_grid (void)
{
  g_autoptr (PsModule) m = ps_module_new_linear (2, 2, TRUE, NULL);
  g_autoptr (PsTensor) p = NULL;
  g_autoptr (GError) error = NULL;
  const float w[] = { 1, -2,   0.5f, 3 }, b[] = { 0.1f, -0.2f };
  PsParam *pw = ps_module_find_param (m, "weight"), *pb = ps_module_find_param (m, "bias");

  memcpy (ps_param_get_data (pw)->data, w, sizeof w);
  memcpy (ps_param_get_data (pb)->data, b, sizeof b);
  p = ps_data_decision_grid (m, -1, 1, -2, 2, 4, 2, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_tensor_rows (p), ==, 8);
  g_assert_cmpint (ps_tensor_cols (p), ==, 2);
  for (int r = 0; r < 2; r++)
    for (int c = 0; c < 4; c++)
      {
        double x0 = -1 + 2 * (c + 0.5) / 4, x1 = 2 - 4 * (r + 0.5) / 2;
        double z0 = w[0] * x0 + w[1] * x1 + b[0], z1 = w[2] * x0 + w[3] * x1 + b[1];
        double p1 = 1 / (1 + exp (z0 - z1));
        const float *q = p->data + 2 * (r * 4 + c);
        g_assert_cmpfloat_with_epsilon (q[1], p1, 1e-5);
        g_assert_cmpfloat_with_epsilon (q[0] + q[1], 1, 1e-6);
      }
  /* a network of three inputs has no plane */
  {
    g_autoptr (PsModule) m3 = ps_module_new_linear (3, 2, TRUE, NULL);
    g_autoptr (GError) e3 = NULL;
    g_assert_null (ps_data_decision_grid (m3, -1, 1, -1, 1, 2, 2, &e3));
    g_assert_error (e3, PS_ERROR, PS_ERROR_SHAPE);
  }
}

int
main (int argc, char **argv)
{
  gtk_test_init (&argc, &argv, NULL);
  /* a focus ring fades in (the theme's outline transition): without
   * animations the frame after the focus moves shows it whole, however
   * late that frame comes on a loaded machine */
  if (gdk_display_get_default ())
    g_object_set (gtk_settings_get_default (), "gtk-enable-animations", FALSE, NULL);
  PS_TEST_WINDOW ("/classroom/values-in-cells", &mlp_1024, test_values_in_cells);
  g_test_add_func ("/classroom/values-too-small", test_values_too_small);
  PS_TEST_WINDOW ("/classroom/node-small-multiples", &mlp_1024, test_node_small_multiples);
  PS_TEST_WINDOW ("/classroom/focus-rings", &mlp_1024, test_focus_rings);
  PS_TEST_WINDOW ("/classroom/name-line", &resnet_800, test_name_line);
  PS_TEST_WINDOW ("/classroom/selected-row-badges/1024x700", &tied_1024, test_selected_row_badges);
  PS_TEST_WINDOW ("/classroom/selected-row-badges/800x600", &tied_800, test_selected_row_badges);
  g_test_add_func ("/classroom/heatmap-keys", test_heatmap_keys);
  g_test_add_func ("/classroom/diff-tooltip", test_diff_tooltip);
  PS_TEST_WINDOW ("/classroom/spiral-data", &spiral_1024, test_spiral_data);
  g_test_add_func ("/classroom/core-accuracy", test_core_accuracy);
  g_test_add_func ("/classroom/core-decision-grid", test_core_decision_grid);
  return g_test_run ();
}
