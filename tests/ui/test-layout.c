/* test-layout.c — the window at the sizes a classroom has (800×600, a
 * 1024×700 projector, 1920×1080): nothing cut off, the heatmap always has
 * room, the side panel folds into a sidebar below a width and comes back
 * with its toggle, long output never widens the window */
#include "ps-ui-test-util.h"
#include "ps-application.h"
#include "ps-matrix-view.h"
#include "ps-overview.h"
#include "../core/ps-test-util.h"

#include <string.h>

typedef struct
{
  int width, height;
} Size;

static const Size sizes[] = { { 800, 600 }, { 1024, 700 }, { 1920, 1080 } };

/* Widgets whose content may lie outside their own bounds on purpose:
 * what scrolls, and the heatmap's own drawing. */
static gboolean
clips_on_purpose (GtkWidget *w)
{
  return GTK_IS_SCROLLED_WINDOW (w) || GTK_IS_VIEWPORT (w) || GTK_IS_LIST_VIEW (w)
         || GTK_IS_POPOVER (w) || GTK_IS_TEXT_VIEW (w)
         || g_str_equal (G_OBJECT_TYPE_NAME (w), "GtkGizmo");  /* a notebook's scrolling tabs */
}

#define SLACK 3.0

static int
label_natural (GtkWidget *label)
{
  int nat = 0;
  gtk_widget_measure (label, GTK_ORIENTATION_HORIZONTAL, -1, NULL, &nat, NULL, NULL);
  return nat - gtk_widget_get_margin_start (label) - gtk_widget_get_margin_end (label);
}

/* "GtkWindow > GtkBox > ..." down to w */
static char *
widget_path (GtkWidget *w)
{
  g_autofree char *up = gtk_widget_get_parent (w) ? widget_path (gtk_widget_get_parent (w)) : NULL;
  const char *name = gtk_widget_get_name (w);
  const char *type = G_OBJECT_TYPE_NAME (w);
  if (g_strcmp0 (name, type) == 0)
    name = NULL;
  return g_strdup_printf ("%s%s%s%s%s", up ? up : "", up ? " > " : "", type, name ? "#" : "",
                          name ? name : "");
}

/* Every mapped widget below w lies inside its parent's bounds, and got at
 * least its minimum size; the first that does not is named. */
static void
assert_nothing_cut (GtkWidget *w, char **culprit)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c && *culprit == NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      graphene_rect_t b;
      int min_w;

      if (!gtk_widget_get_mapped (c) || GTK_IS_NATIVE (c))
        continue;
      g_assert_true (gtk_widget_compute_bounds (c, w, &b));
      gtk_widget_measure (c, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
      /* a measure includes the margins, the CSS border and padding; a width
       * is the content's alone */
      min_w -= gtk_widget_get_margin_start (c) + gtk_widget_get_margin_end (c);
      {
        GtkBorder pad, border;
        G_GNUC_BEGIN_IGNORE_DEPRECATIONS
        gtk_style_context_get_padding (gtk_widget_get_style_context (c), &pad);
        gtk_style_context_get_border (gtk_widget_get_style_context (c), &border);
        G_GNUC_END_IGNORE_DEPRECATIONS
        min_w -= pad.left + pad.right + border.left + border.right;
      }
      /* themes let a tab or a border overlap its parent's edge by a pixel or two */
      if (b.origin.x < -SLACK || b.origin.y < -SLACK
          || b.origin.x + b.size.width > gtk_widget_get_width (w) + SLACK
          || b.origin.y + b.size.height > gtk_widget_get_height (w) + SLACK)
        *culprit = g_strdup_printf ("%s at %.0f,%.0f %.0f×%.0f outside %s %d×%d",
                                    widget_path (c), b.origin.x,
                                    b.origin.y, b.size.width, b.size.height,
                                    G_OBJECT_TYPE_NAME (w), gtk_widget_get_width (w),
                                    gtk_widget_get_height (w));
      else if (GTK_IS_LABEL (c) && gtk_widget_get_width (c) < min_w)
        *culprit = g_strdup_printf ("%s “%s” %d px wide, less than its minimum %d", widget_path (c),
                                    gtk_label_get_text (GTK_LABEL (c)), gtk_widget_get_width (c),
                                    min_w);
      else if (!clips_on_purpose (c))
        assert_nothing_cut (c, culprit);
    }
}

/* A notebook's tabs that are shown are whole: never "ow" for "Overview". */
static void
assert_tabs_whole (GtkWidget *notebook)
{
  for (int i = 0; i < gtk_notebook_get_n_pages (GTK_NOTEBOOK (notebook)); i++)
    {
      GtkWidget *page = gtk_notebook_get_nth_page (GTK_NOTEBOOK (notebook), i);
      GtkWidget *tab = gtk_notebook_get_tab_label (GTK_NOTEBOOK (notebook), page);
      int min_w;

      if (!gtk_widget_get_mapped (tab) || !gtk_widget_get_child_visible (tab))
        continue;
      gtk_widget_measure (tab, GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
      g_assert_cmpint (gtk_widget_get_width (tab), >=, min_w);
    }
}

/* Every label of the block tree's rows lies inside the tree's width (a
 * long row ellipsizes, it is never cut at the tree's edge), its text whole
 * or ellipsized; the rows are checked one level below the list view, which
 * assert_nothing_cut leaves alone as what scrolls. */
static void
assert_rows_inside (GtkWidget *list, GtkWidget *w, char **culprit)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c && *culprit == NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      graphene_rect_t b;

      if (!gtk_widget_get_mapped (c))
        continue;
      g_assert_true (gtk_widget_compute_bounds (c, list, &b));
      if (GTK_IS_LABEL (c) && b.origin.y >= 0 && b.origin.y < gtk_widget_get_height (list)
          && (b.origin.x < 0 || b.origin.x + b.size.width > gtk_widget_get_width (list) + 0.5))
        *culprit = g_strdup_printf ("the tree's row label “%s” at x %.0f, %.0f px wide, "
                                    "outside the tree's %d px", gtk_label_get_text (GTK_LABEL (c)),
                                    b.origin.x, b.size.width, gtk_widget_get_width (list));
      else if (GTK_IS_LABEL (c) && gtk_label_get_ellipsize (GTK_LABEL (c)) == PANGO_ELLIPSIZE_NONE
               && b.size.width + 0.5 < label_natural (c))
        *culprit = g_strdup_printf ("the tree's row label “%s” is %.0f px wide, less than its "
                                    "text, and does not ellipsize", gtk_label_get_text (GTK_LABEL (c)),
                                    b.size.width);
      else
        assert_rows_inside (list, c, culprit);
    }
}

static void
assert_fits (PsWindow *win, const Size *s)
{
  GtkWidget *view = ps_test_window_child (win, "data_view");
  char *culprit = NULL;
  int min_w, min_h;

  ps_test_wait_frame (GTK_WIDGET (win));
  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_HORIZONTAL, -1, &min_w, NULL, NULL, NULL);
  gtk_widget_measure (GTK_WIDGET (win), GTK_ORIENTATION_VERTICAL, s->width, &min_h, NULL, NULL, NULL);
  g_test_message ("%d×%d: the window's minimum is %d×%d; the heatmap %d×%d", s->width, s->height,
                  min_w, min_h, gtk_widget_get_width (view), gtk_widget_get_height (view));
  /* the window is not forced larger than the screen it is on */
  g_assert_cmpint (min_w, <=, s->width);
  g_assert_cmpint (min_h, <=, s->height);
  g_test_message ("window %d×%d, tree %d, panels %d", gtk_widget_get_width (GTK_WIDGET (win)),
                  gtk_widget_get_height (GTK_WIDGET (win)),
                  gtk_widget_get_width (ps_test_window_child (win, "tree")),
                  gtk_widget_get_width (ps_test_window_child (win, "panels")));
  /* the Values heatmap has room for a matrix and its colour bar */
  g_assert_true (gtk_widget_get_mapped (view));
  g_assert_cmpint (gtk_widget_get_width (view), >=, 160);
  g_assert_cmpint (gtk_widget_get_height (view), >=, 120);
  assert_nothing_cut (GTK_WIDGET (win), &culprit);
  if (culprit == NULL && gtk_widget_get_mapped (ps_test_window_child (win, "tree")))
    {
      GtkWidget *list = ps_test_find_widget (ps_test_window_child (win, "tree"), GTK_TYPE_LIST_VIEW);
      assert_rows_inside (list, list, &culprit);
    }
  assert_tabs_whole (ps_test_window_child (win, "views"));
  assert_tabs_whole (ps_test_window_child (win, "panels"));
  if (culprit)
    g_error ("%d×%d: %s", s->width, s->height, culprit);
}

static void
test_sizes (gconstpointer data)
{
  const Size *s = data;
  PsWindow *win;
  g_autofree char *shot = NULL;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", s->width, s->height);
  /* a window is never larger than its screen: on a smaller (virtual) screen
   * this size is not tested at all, and the test says so rather than pass */
  if (gtk_widget_get_width (GTK_WIDGET (win)) < s->width - 40
      || gtk_widget_get_height (GTK_WIDGET (win)) < s->height - 40)
    {
      g_autofree char *why = g_strdup_printf ("the screen gave %d×%d, not %d×%d: run under "
                                              "xvfb-run -s \"-screen 0 1920x1200x24\" "
                                              "(scripts/test.sh does)",
                                              gtk_widget_get_width (GTK_WIDGET (win)),
                                              gtk_widget_get_height (GTK_WIDGET (win)),
                                              s->width, s->height);
      gtk_window_destroy (GTK_WINDOW (win));
      g_test_skip (why);
      return;
    }
  assert_fits (win, s);
  shot = g_strdup_printf ("layout-%dx%d.png", s->width, s->height);
  ps_test_screenshot (GTK_WIDGET (win), shot);
  gtk_window_destroy (GTK_WINDOW (win));
}

static gboolean
shown (PsWindow *win, const char *property)
{
  gboolean on;
  g_object_get (win, property, &on, NULL);
  return on;
}

/* Below the width where it fits, the side panel folds away; its toggle
 * shows it over the centre; a wider window docks it again, shown. */
static void
test_panel_folds (void)
{
  PsWindow *win;
  GtkWidget *panels;
  const Size narrow = { 800, 600 }, wide = { 1920, 1080 };

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", narrow.width, narrow.height);
  panels = ps_test_window_child (win, "panels");
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_false (shown (win, "panel-shown"));
  g_assert_false (gtk_widget_get_mapped (panels));
  g_assert_true (shown (win, "tree-shown"));
  /* its toggle (the header's button, Shift+F9) */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-side-panel", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (gtk_widget_get_mapped (panels));
  g_assert_true (gtk_widget_is_ancestor (panels, ps_test_window_child (win, "center_overlay")));
  g_assert_cmpint (gtk_widget_get_width (panels), >=, 280);
  /* the whole height of the centre, not a strip at its top */
  g_assert_cmpint (gtk_widget_get_height (panels), >=,
                   gtk_widget_get_height (ps_test_window_child (win, "center_overlay")) - 4);
  ps_test_screenshot (GTK_WIDGET (win), "layout-800x600-sheet.png");
  /* Escape puts it away again; a page asked for brings it back */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.hide-sheet", NULL));
  g_assert_false (shown (win, "panel-shown"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "train"));
  g_assert_true (shown (win, "panel-shown"));
  /* wide: docked beside the centre, still shown */
  gtk_window_set_default_size (GTK_WINDOW (win), wide.width, wide.height);
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (shown (win, "panel-shown"));
  g_assert_false (gtk_widget_is_ancestor (panels, ps_test_window_child (win, "center_overlay")));
  assert_fits (win, &wide);
  /* the tree's toggle hides it, and a resize does not bring it back */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-tree", NULL));
  g_assert_false (shown (win, "tree-shown"));
  gtk_window_set_default_size (GTK_WINDOW (win), 1600, 1000);
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_false (shown (win, "tree-shown"));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The side panel's content grows past what fits beside the centre at the
 * window's width (a wider page, a long unbroken line): the panel folds,
 * the centre keeps its room; when it narrows again it docks, shown. */
static void
test_panel_grows (void)
{
  const Size s = { 1920, 1080 };
  PsWindow *win;
  GtkWidget *panels, *page;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", s.width, s.height);
  panels = ps_test_window_child (win, "panels");
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (shown (win, "panel-shown"));
  g_assert_false (gtk_widget_is_ancestor (panels, ps_test_window_child (win, "center_overlay")));
  page = gtk_notebook_get_nth_page (GTK_NOTEBOOK (panels),
                                    gtk_notebook_get_current_page (GTK_NOTEBOOK (panels)));
  /* wider than the window less the centre's share: it cannot dock */
  gtk_widget_set_size_request (page, s.width * 6 / 10, -1);
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_false (shown (win, "panel-shown"));
  g_assert_true (gtk_widget_is_ancestor (panels, ps_test_window_child (win, "center_overlay")));
  assert_fits (win, &s);
  /* narrow again: asked for, it docks beside the centre (not in the sheet) */
  gtk_widget_set_size_request (page, -1, -1);
  ps_test_wait_frame (GTK_WIDGET (win));
  if (!shown (win, "panel-shown"))
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-side-panel", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (shown (win, "panel-shown"));
  g_assert_false (gtk_widget_is_ancestor (panels, ps_test_window_child (win, "center_overlay")));
  assert_fits (win, &s);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* At a projector's 1024×700 the dividers dragged as far as they go —
 * the tree's to the left, the side panel's to the left and to the right —
 * never cut the tree's rows, the centre or the side panel, and the heatmap
 * keeps its room. */
static void
test_dividers (void)
{
  const Size s = { 1024, 700 };
  PsWindow *win;
  GtkWidget *outer, *inner;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("tied", s.width, s.height);
  outer = ps_test_window_child (win, "outer_paned");
  inner = ps_test_window_child (win, "inner_paned");
  g_assert_true (ps_window_select_key (win, "2.weight"));
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  gtk_paned_set_position (GTK_PANED (outer), 0);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_test_message ("the tree's divider dragged to 0 stops at %d", gtk_paned_get_position (GTK_PANED (outer)));
  g_assert_cmpint (gtk_paned_get_position (GTK_PANED (outer)), >=, 150);
  assert_fits (win, &s);
  gtk_paned_set_position (GTK_PANED (inner), 0);
  ps_test_wait_frame (GTK_WIDGET (win));
  assert_fits (win, &s);
  gtk_paned_set_position (GTK_PANED (inner), 5000);
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_screenshot (GTK_WIDGET (win), "layout-dividers.png");
  /* the side panel squeezed to nothing is not cut: it stays at its own width or folds */
  {
    GtkWidget *panels = ps_test_window_child (win, "panels");
    int min_p;
    gtk_widget_measure (panels, GTK_ORIENTATION_HORIZONTAL, -1, &min_p, NULL, NULL, NULL);
    g_test_message ("the side panel %d px (its minimum %d), mapped %d", gtk_widget_get_width (panels), min_p,
                    gtk_widget_get_mapped (panels));
  }
  assert_fits (win, &s);

  gtk_window_destroy (GTK_WINDOW (win));
}

/* Examples → Lazy → Forward prints a long tensor: it scrolls inside the
 * panel and never widens it or cuts the centre off. */
static void
test_long_output (void)
{
  const Size s = { 1024, 700 };
  PsWindow *win;
  int panel_before;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("lazy", s.width, s.height);
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (shown (win, "panel-shown"));
  panel_before = gtk_widget_get_width (ps_test_window_child (win, "panels"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (gtk_widget_get_width (ps_test_window_child (win, "panels")), ==, panel_before);
  assert_fits (win, &s);
  ps_test_screenshot (GTK_WIDGET (win), "layout-lazy-forward.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

static void find_menu_buttons (GtkWidget *w, GPtrArray *out);

/* Height in px of a line of text in w's font. */
static int
text_height (GtkWidget *w)
{
  g_autoptr (PangoLayout) layout = gtk_widget_create_pango_layout (w, "0.5 Ag");
  int h;
  pango_layout_get_pixel_size (layout, NULL, &h);
  return h;
}

/* Presentation Mode (Ctrl+Shift+P): the charts' ticks and the labels at
 * least 1.5 times larger, and still nothing cut off at the projector's
 * 1024×700; Ctrl+plus / Ctrl+minus scale the whole interface. */
static void
test_presentation (void)
{
  const Size s = { 1024, 700 };
  PsWindow *win;
  GtkWidget *chart, *status;
  int tick0, label0, tick1, label1;
  double scale;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", s.width, s.height);
  /* the main menu's item, and its shortcut, which is not Forward's F5 */
  {
    GtkApplication *app = GTK_APPLICATION (g_application_get_default ());
    g_autoptr (GPtrArray) buttons = g_ptr_array_new ();
    gboolean listed = FALSE;

    find_menu_buttons (GTK_WIDGET (win), buttons);
    for (guint i = 0; i < buttons->len; i++)
      {
        GMenuModel *menu = gtk_menu_button_get_menu_model (buttons->pdata[i]);
        for (int k = 0; k < g_menu_model_get_n_items (menu); k++)
          {
            g_autoptr (GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, k);
            GMenuModel *sub;
            const char *name;
            while (g_menu_link_iter_get_next (links, &name, &sub))
              {
                for (int j = 0; j < g_menu_model_get_n_items (sub); j++)
                  {
                    g_autofree char *label = NULL, *action = NULL;
                    if (g_menu_model_get_item_attribute (sub, j, G_MENU_ATTRIBUTE_LABEL, "s", &label)
                        && g_menu_model_get_item_attribute (sub, j, G_MENU_ATTRIBUTE_ACTION, "s", &action)
                        && g_str_equal (action, "win.presentation"))
                      listed = g_str_equal (label, "_Presentation Mode");
                  }
                g_object_unref (sub);
              }
          }
      }
    g_assert_true (listed);
    if (app != NULL)
      {
        g_auto (GStrv) accels = gtk_application_get_accels_for_action (app, "win.presentation");
        g_assert_nonnull (accels[0]);
        g_assert_cmpstr (accels[0], !=, "F5");
      }
  }
  chart = ps_test_window_child (win, "loss_chart");
  status = ps_test_window_child (win, "status");
  tick0 = text_height (chart);
  label0 = text_height (status);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_true (gtk_widget_has_css_class (GTK_WIDGET (win), "ps-presentation"));
  tick1 = text_height (chart);
  label1 = text_height (status);
  g_test_message ("chart text %d → %d px, a label %d → %d px", tick0, tick1, label0, label1);
  g_assert_cmpfloat (tick1, >=, 1.4 * tick0);
  g_assert_cmpfloat (label1, >=, 1.4 * label0);
  assert_fits (win, &s);
  ps_test_screenshot (GTK_WIDGET (win), "layout-presentation-1024x700.png");

  /* the interface's scale, on top of it */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale-up", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_object_get (win, "font-scale", &scale, NULL);
  g_assert_cmpfloat (scale, >, 1.5);
  g_assert_cmpint (text_height (chart), >, tick1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale-reset", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (text_height (chart), ==, tick1);
  /* and off again: as it was */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (text_height (chart), ==, tick0);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.scale-down", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  g_assert_cmpint (text_height (chart), <, tick0);
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The targets of win.example in menu and its sections and submenus. */
static void
collect_examples (GMenuModel *menu, GPtrArray *out)
{
  for (int i = 0; i < g_menu_model_get_n_items (menu); i++)
    {
      g_autofree char *action = NULL;
      g_autoptr (GVariant) target = NULL;
      g_autoptr (GMenuLinkIter) links = g_menu_model_iterate_item_links (menu, i);
      GMenuModel *sub;
      const char *name;

      if (g_menu_model_get_item_attribute (menu, i, G_MENU_ATTRIBUTE_ACTION, "s", &action)
          && g_str_equal (action, "win.example")
          && (target = g_menu_model_get_item_attribute_value (menu, i, G_MENU_ATTRIBUTE_TARGET,
                                                              G_VARIANT_TYPE_STRING)))
        g_ptr_array_add (out, g_variant_dup_string (target, NULL));
      while (g_menu_link_iter_get_next (links, &name, &sub))
        {
          collect_examples (sub, out);
          g_object_unref (sub);
        }
    }
}

static void
find_menu_buttons (GtkWidget *w, GPtrArray *out)
{
  if (GTK_IS_MENU_BUTTON (w) && gtk_menu_button_get_menu_model (GTK_MENU_BUTTON (w)))
    g_ptr_array_add (out, w);
  for (GtkWidget *c = gtk_widget_get_first_child (w); c; c = gtk_widget_get_next_sibling (c))
    find_menu_buttons (c, out);
}

/* Every network of the Examples menu opens at a projector's 1024×700,
 * the whole network selected (its small multiples) and its first
 * parameter: nothing cut off, no warning (Examples → ResNet aborted on
 * BatchNorm's buffers). */
static void
test_every_example (void)
{
  const Size s = { 1024, 700 };
  g_autoptr (GPtrArray) buttons = g_ptr_array_new ();
  g_autoptr (GPtrArray) examples = g_ptr_array_new_with_free_func (g_free);
  PsWindow *win;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", s.width, s.height);
  find_menu_buttons (GTK_WIDGET (win), buttons);
  for (guint i = 0; i < buttons->len; i++)
    collect_examples (gtk_menu_button_get_menu_model (buttons->pdata[i]), examples);
  g_assert_cmpuint (examples->len, >=, 10);
  for (guint i = 0; i < examples->len; i++)
    {
      PsDocument *doc = ps_window_get_document (win);
      g_autoptr (GPtrArray) np = NULL;

      g_test_message ("Examples → %s", (char *) examples->pdata[i]);
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.example", "s", examples->pdata[i]));
      g_assert_true (ps_window_select_key (win, ""));
      ps_test_wait_frame (GTK_WIDGET (win));
      ps_test_wait_frame (GTK_WIDGET (win));     /* refitted to the tree's rows */
      {
        char *culprit = NULL;
        assert_nothing_cut (GTK_WIDGET (win), &culprit);
        if (culprit)
          g_error ("%s, the whole network: %s", (char *) examples->pdata[i], culprit);
      }
      np = ps_module_named_parameters (ps_document_get_model (doc));
      g_assert_cmpuint (np->len, >, 0);
      g_assert_true (ps_window_select_key (win, ((PsNamedParam *) np->pdata[0])->name));
      for (int k = 0; k < 6; k++)
        ps_test_wait_frame (GTK_WIDGET (win));
      assert_fits (win, &s);
    }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Every label below w, and every heatmap (which draws its own labels: a
 * recurrent weight's gates, the Overview's row names), lies within the
 * centre's share of the inner paned, [0, room); the first that does not is
 * named.  (A paned cuts a child narrower than its minimum off at the left:
 * "Values" read "es", the Overview's "linear" read "ar".) */
static void
assert_inside_centre (GtkWidget *paned, int room, GtkWidget *w, char **culprit)
{
  for (GtkWidget *c = gtk_widget_get_first_child (w); c && *culprit == NULL;
       c = gtk_widget_get_next_sibling (c))
    {
      graphene_rect_t b;

      if (!gtk_widget_get_mapped (c))
        continue;
      g_assert_true (gtk_widget_compute_bounds (c, paned, &b));
      if ((GTK_IS_LABEL (c) || PS_IS_MATRIX_VIEW (c) || PS_IS_OVERVIEW (c))
          && (b.origin.x < 0 || b.origin.x + b.size.width > room + 0.5))
        *culprit = g_strdup_printf ("%s%s%s%s at x %.0f, %.0f px wide, outside the centre's %d px",
                                    widget_path (c), GTK_IS_LABEL (c) ? " “" : "",
                                    GTK_IS_LABEL (c) ? gtk_label_get_text (GTK_LABEL (c)) : "",
                                    GTK_IS_LABEL (c) ? "”" : "", b.origin.x, b.size.width, room);
      else if (!GTK_IS_VIEWPORT (c))
        assert_inside_centre (paned, room, c, culprit);
    }
}

/* The centre at size s: nothing of it outside its share of the window,
 * nothing cut anywhere. */
static void
assert_centre_inside (PsWindow *win, const Size *s)
{
  GtkWidget *paned = ps_test_window_child (win, "inner_paned");
  GtkWidget *dock = gtk_paned_get_end_child (GTK_PANED (paned));
  GtkWidget *centre = ps_test_window_child (win, "center_overlay");
  char *culprit = NULL;
  int min_w, room;

  for (int k = 0; k < 4; k++)
    ps_test_wait_frame (GTK_WIDGET (win));
  /* the side panel docked takes the paned's right, past its divider */
  room = dock && gtk_widget_get_visible (dock) ? gtk_paned_get_position (GTK_PANED (paned))
                                                : gtk_widget_get_width (paned);
  gtk_widget_measure (ps_test_window_child (win, "center"), GTK_ORIENTATION_HORIZONTAL, -1, &min_w,
                      NULL, NULL, NULL);
  g_test_message ("%d×%d: the centre's room %d px, its content's minimum %d, the tree %d, "
                  "the side panel %s", s->width, s->height, room, min_w,
                  gtk_widget_get_width (ps_test_window_child (win, "tree")),
                  gtk_widget_get_visible (dock) ? "docked" : "folded");
  assert_inside_centre (paned, room, centre, &culprit);
  if (culprit)
    g_error ("%d×%d: %s", s->width, s->height, culprit);
  assert_fits (win, s);
}

/* A recurrent model (d2l's RNN: a GRU of two layers and a Linear) after
 * Forward and Backward, its first GRU weight selected (drawn split into
 * its gates r, z, n) at a projector's 1024×700 with the tree and the side
 * panel shown, then at 800×600: the centre pane's labels, heatmaps and the
 * Overview's rows all lie inside it ("Values" was cut to "es", the
 * Overview's "linear" to "ar"). */
static void
test_recurrent_centre (void)
{
  static const Size sizes_here[] = { { 1024, 700 }, { 800, 600 } };
  g_autofree char *path = ps_test_fixture ("kernels/tape/d2l_rnn.py");
  const char *language = g_getenv ("LANGUAGE");
  g_autofree char *lang = g_strdup_printf ("%s%s", language && *language ? "-" : "",
                                           language ? language : "");
  g_autoptr (GError) error = NULL;
  PsWindow *win;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", sizes_here[0].width, sizes_here[0].height);
  g_assert_true (ps_window_open_model (win, path, &error));
  g_assert_no_error (error);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.forward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_true (ps_window_select_key (win, "rnn.weight_ih_l0"));
  g_assert_true (shown (win, "panel-shown"));
  g_assert_true (shown (win, "tree-shown"));
  for (guint i = 0; i < G_N_ELEMENTS (sizes_here); i++)
    {
      const Size *s = &sizes_here[i];
      g_autofree char *shot = g_strdup_printf ("layout-rnn-%dx%d%s.png", s->width, s->height, lang);

      gtk_window_set_default_size (GTK_WINDOW (win), s->width, s->height);
      assert_centre_inside (win, s);
      ps_test_screenshot (GTK_WIDGET (win), shot);
      if (i == 0)
        {
          /* the Activations page names the chosen layer on its drop-down,
           * "1  rnn · GRU  [16, 32]", cut short with an ellipsis, not the centre */
          g_autofree char *act = g_strdup_printf ("layout-rnn-activations%s.png", lang);
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "activations"));
          assert_centre_inside (win, s);
          ps_test_screenshot (GTK_WIDGET (win), act);
          g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "overview"));
        }
    }
  /* at 800×600 the side panel is a sheet over the centre: shown, still nothing cut */
  if (!shown (win, "panel-shown"))
    g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-side-panel", NULL));
  assert_fits (win, &sizes_here[1]);
  /* shown, back at 1024×700, a page of the centre's notebook grows wider than the
   * centre's room beside the docked panel: the panel folds away rather than
   * the paned cutting the centre off at its left; narrow again, it docks */
  gtk_window_set_default_size (GTK_WINDOW (win), sizes_here[0].width, sizes_here[0].height);
  assert_centre_inside (win, &sizes_here[0]);
  g_assert_true (shown (win, "panel-shown"));
  {
    GtkWidget *page = ps_test_window_child (win, "activations_page");
    int room = gtk_paned_get_position (GTK_PANED (ps_test_window_child (win, "inner_paned")));

    gtk_widget_set_size_request (page, room + 40, -1);
    assert_centre_inside (win, &sizes_here[0]);
    g_assert_false (shown (win, "panel-shown"));
    gtk_widget_set_size_request (page, -1, -1);
    assert_centre_inside (win, &sizes_here[0]);
    g_assert_true (shown (win, "panel-shown"));
  }
  gtk_window_destroy (GTK_WINDOW (win));
}

/* The README's pictures, in the language of LANG (build/tests/readme-*.png):
 * the lesson's MLP after Backward at a projector's 1024×700, plainly and in
 * Presentation Mode. */
static void
test_readme_screenshots (void)
{
  const Size s = { 1024, 700 };
  const char *lang = g_getenv ("LANG");
  const char *suffix = lang && g_str_has_prefix (lang, "zh") ? "-zh_CN" : "";
  g_autofree char *plain = g_strdup_printf ("readme-1024x700%s.png", suffix);
  g_autofree char *shown = g_strdup_printf ("readme-presentation%s.png", suffix);
  PsWindow *win;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", s.width, s.height);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "gradient-flow"));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", "overview"));
  assert_fits (win, &s);
  ps_test_screenshot (GTK_WIDGET (win), plain);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.presentation", NULL));
  ps_test_wait_frame (GTK_WIDGET (win));
  assert_fits (win, &s);
  ps_test_screenshot (GTK_WIDGET (win), shown);
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  ps_application_setup_locale ();      /* LANG=zh_CN.UTF-8: the pictures in Chinese */
  gtk_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (sizes); i++)
    {
      g_autofree char *path = g_strdup_printf ("/layout/size/%dx%d", sizes[i].width, sizes[i].height);
      g_test_add_data_func (path, &sizes[i], test_sizes);
    }
  g_test_add_func ("/layout/panel-folds", test_panel_folds);
  g_test_add_func ("/layout/panel-grows", test_panel_grows);
  g_test_add_func ("/layout/long-output", test_long_output);
  g_test_add_func ("/layout/dividers", test_dividers);
  g_test_add_func ("/layout/presentation", test_presentation);
  g_test_add_func ("/layout/readme-screenshots", test_readme_screenshots);
  g_test_add_func ("/layout/every-example", test_every_example);
  g_test_add_func ("/layout/recurrent-centre", test_recurrent_centre);
  return g_test_run ();
}
