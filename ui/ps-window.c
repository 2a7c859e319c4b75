/* ps-window.c — the main window: block tree, heatmaps, panels
 *
 * Layout: the block tree on the left; in the middle the selected parameter
 * and its gradient side by side, with the whole network's overview below;
 * on the right the Run, Initialize and Edit panels and the inspector.
 * Every command is an action (menus, buttons and shortcuts share it), and
 * every change goes through the PsDocument, so it can be undone.
 */
#include "ps-window.h"
#include "ps-file-chooser.h"
#include "ps-ui-util.h"
#include "ps-heatmap-view.h"
#include "ps-histogram.h"
#include "ps-overview.h"
#include "ps-tree-node.h"
#include "ps-train-panel.h"
#include "ps-run-controller.h"
#include "ps-diff-page.h"
#include "ps-charts.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

struct _PsWindow
{
  GtkApplicationWindow parent_instance;

  PsDocument     *doc;
  PsTreeNode     *root;
  GtkTreeListModel *tree_model;
  GtkSingleSelection *selection;
  char           *selected_key;
  PsParam        *selected_param;   /* borrowed from the model */
  PsModule       *selected_module;

  GtkWidget      *tree_view;
  GtkWidget      *path_label;
  GtkWidget      *tied_label;
  GtkWidget      *data_view;
  GtkWidget      *grad_view;
  GtkWidget      *overview;
  GtkWidget      *status;
  GtkWidget      *output_label;
  GtkWidget      *inspector_label;    /* names, shape: selectable */
  GtkWidget      *inspector_stats;    /* statistics: live while training */
  GtkWidget      *inspect_page;
  GtkWidget      *histogram;
  GtkWidget      *train_panel;
  PsRunController *controller;
  GtkWidget      *loss_chart, *grad_chart, *dist_chart, *dist_grad_check, *diff_page;
  GtkWidget      *bottom;           /* notebook: overview, charts, difference */
  GtkWidget      *panels;           /* notebook: run, initialize, edit, inspect, train */
  GHashTable     *inits;            /* PsParam* -> InitMark*: the scheme last applied */

  /* run panel */
  GtkWidget      *batch_spin, *input_seed_spin, *loss_dropdown, *lr_spin;
  /* init panel */
  GtkWidget      *scheme_dropdown, *args_grid, *target_dropdown, *init_seed_spin;
  GPtrArray      *arg_entries;      /* GtkEntry*, in the scheme's argument order */
  /* edit panel */
  GtkWidget      *edit_value_entry;
};

G_DEFINE_FINAL_TYPE (PsWindow, ps_window, GTK_TYPE_APPLICATION_WINDOW)

static const char *const example_names[] = { "mlp", "rgnet", "tied", "tied1x1", "lazy",
                                              "shared_mlp", "spiral", NULL };

const char *const *
ps_window_example_names (void)
{
  return example_names;
}

/* ---- status and errors -------------------------------------------------- */

static void
set_status (PsWindow *win, const char *text, gboolean is_error)
{
  gtk_label_set_text (GTK_LABEL (win->status), text);
  if (is_error)
    gtk_widget_add_css_class (win->status, "error");
  else
    gtk_widget_remove_css_class (win->status, "error");
}

static void
show_error (PsWindow *win, const GError *error)
{
  set_status (win, error->message, TRUE);
}

const char *
ps_window_get_status (PsWindow *win)
{
  return gtk_label_get_text (GTK_LABEL (win->status));
}

/* ---- the inspector and the output ---------------------------------------- */

/* What initialized a parameter last, while its values are still those. */
typedef struct
{
  PsInitScheme *scheme;
  guint64       data_version;
  int64_t       fan_in;
} InitMark;

static void
init_mark_free (InitMark *m)
{
  ps_init_scheme_free (m->scheme);
  g_free (m);
}

static void
remember_init (PsWindow *win, PsModule *module, PsParam *param, PsInitTarget target,
               const PsInitScheme *scheme)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (ps_document_get_model (win->doc));
  g_autofree char *text = ps_init_scheme_to_string (scheme);
  g_autofree char *prefix = NULL;

  if (module)
    {
      g_autoptr (GPtrArray) mods = ps_module_named_modules (ps_document_get_model (win->doc));
      for (guint i = 0; i < mods->len; i++)
        if (((PsNamedModule *) mods->pdata[i])->module == module)
          prefix = g_strdup (((PsNamedModule *) mods->pdata[i])->name);
    }
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      gboolean is_bias = strcmp (np->slot, "bias") == 0;
      gboolean in_target;
      InitMark *m;
      if (param)
        in_target = np->param == param;
      else
        in_target = prefix && (*prefix == '\0' || g_str_has_prefix (np->name, prefix))
                    && !(target == PS_TARGET_WEIGHTS && is_bias)
                    && !(target == PS_TARGET_BIASES && !is_bias);
      if (!in_target || ps_param_get_data (np->param) == NULL)
        continue;
      m = g_new0 (InitMark, 1);
      m->scheme = ps_init_scheme_parse (text, NULL);
      m->data_version = ps_param_get_data_version (np->param);
      m->fan_in = ps_module_get_in_features (np->owner);
      if (m->scheme == NULL)
        {
          g_free (m);
          continue;
        }
      g_hash_table_replace (win->inits, np->param, m);
    }
}

static void
draw_hist (cairo_t *cr, double x, double y, double w, double h, const PsTensor *t,
           const InitMark *mark, const char *title, GtkWidget *widget)
{
  PsHistogram hist;
  GdkRGBA fg;
  const int bins = PS_LOG_HIST_BINS;

  G_GNUC_BEGIN_IGNORE_DEPRECATIONS
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  G_GNUC_END_IGNORE_DEPRECATIONS
  cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha);
  cairo_select_font_face (cr, "sans-serif", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_BOLD);
  cairo_set_font_size (cr, 12);
  cairo_move_to (cr, x, y + 12);
  cairo_show_text (cr, title);
  y += 18;
  h -= 30;
  if (t == NULL || !ps_histogram_compute (&hist, t, mark ? mark->scheme : NULL,
                                          mark ? mark->fan_in : 0))
    return;
  /* bars */
  cairo_set_source_rgba (cr, 0.26, 0.58, 0.76, 0.85);
  for (int b = 0; b < bins; b++)
    {
      double bh = hist.peak > 0 ? h * hist.bins.count[b] / hist.peak : 0;
      cairo_rectangle (cr, x + w * b / bins, y + h - bh, w / bins - 1, bh);
    }
  cairo_fill (cr);
  /* the scheme's expected counts */
  if (hist.have_expect)
    {
      cairo_set_source_rgba (cr, 0.70, 0.09, 0.17, 1);
      cairo_set_line_width (cr, 2);
      for (int b = 0; b < bins; b++)
        {
          double px = x + w * (b + 0.5) / bins, py = y + h - h * hist.expect[b] / hist.peak;
          if (b == 0)
            cairo_move_to (cr, px, py);
          else
            cairo_line_to (cr, px, py);
        }
      cairo_stroke (cr);
    }
  /* axis labels */
  {
    char a[32], b[32];
    cairo_text_extents_t e;
    cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.7 * fg.alpha);
    cairo_select_font_face (cr, "DejaVu Sans", CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
    cairo_set_font_size (cr, 10);
    g_ascii_formatd (a, sizeof a, "%.3g", hist.bins.lo);
    g_ascii_formatd (b, sizeof b, "%.3g", hist.bins.hi);
    cairo_move_to (cr, x, y + h + 11);
    cairo_show_text (cr, a);
    cairo_text_extents (cr, b, &e);
    cairo_move_to (cr, x + w - e.x_advance, y + h + 11);
    cairo_show_text (cr, b);
  }
}

static void
draw_histograms (GtkDrawingArea *area, cairo_t *cr, int w, int h, gpointer data)
{
  PsWindow *win = data;
  InitMark *mark;

  if (win->selected_param == NULL)
    return;
  mark = g_hash_table_lookup (win->inits, win->selected_param);
  if (mark && mark->data_version != ps_param_get_data_version (win->selected_param))
    mark = NULL;             /* changed since: the scheme no longer describes it */
  draw_hist (cr, 0, 0, w, h / 2.0 - 6, ps_param_get_data (win->selected_param), mark,
             mark ? _("Values, and what the initializer gives (line)") : _("Values"),
             GTK_WIDGET (area));
  draw_hist (cr, 0, h / 2.0 + 6, w, h / 2.0 - 6, ps_param_get_grad (win->selected_param), NULL,
             _("Gradient"), GTK_WIDGET (area));
}

static void
append_stats (GString *s, const char *what, const PsTensor *t)
{
  PsStats st;
  if (t == NULL)
    return;
  ps_stats_compute (t->data, t->numel, &st);
  g_string_append_printf (s, "<b>%s</b>\n", what);
  g_string_append_printf (s, _("mean %.6g   std %.6g\nmin %.6g   max %.6g\nL2 norm %.6g   zeros %.1f%%\n"),
                          st.mean, st.std, st.min, st.max, st.l2,
                          st.n ? 100.0 * st.n_zero / st.n : 0.0);
  if (st.n_nan || st.n_posinf || st.n_neginf)
    g_string_append_printf (s, _("NaN %" PRId64 "   +Inf %" PRId64
                                 "   −Inf %" PRId64 "\n"),
                            st.n_nan, st.n_posinf, st.n_neginf);
}

/* The inspector: what names and shapes the selection (a selectable label,
 * set again only when it changes) and its statistics (live text: redrawn at
 * every frame of a training run without a new layout of the window). */
static void
update_inspector (PsWindow *win)
{
  g_autoptr (GString) s = g_string_new (NULL);
  g_autoptr (GString) st = g_string_new (NULL);
  /* statistics read the whole tensor: not for a page no one sees (they
   * are computed when it is shown) */
  gboolean stats = win->inspect_page && gtk_widget_get_mapped (win->inspect_page);

  if (win->selected_param)
    {
      g_autoptr (GPtrArray) aliases = ps_module_param_aliases (ps_document_get_model (win->doc),
                                                               win->selected_param);
      PsTensor *d = ps_param_get_data (win->selected_param);
      g_string_append_printf (s, "<b>%s</b>\n", _("Names"));
      for (guint i = 0; i < aliases->len; i++)
        {
          g_autofree char *esc = g_markup_escape_text (aliases->pdata[i], -1);
          g_string_append_printf (s, "%s\n", esc);
        }
      if (d)
        {
          g_autofree char *shape = ps_shape_to_string (d->ndim, d->shape);
          g_string_append_printf (s, _("shape %s   %" PRId64 " elements\n"), shape, d->numel);
        }
      else
        g_string_append (s, _("uninitialized (lazy): run Forward\n"));
      g_string_append_printf (s, _("requires_grad %s"),
                              ps_param_get_requires_grad (win->selected_param) ? "True" : "False");
      if (stats)
        {
          PsTensor *g = ps_param_get_grad (win->selected_param);
          append_stats (st, _("Values"), d);
          if (g)
            {
              g_string_append_c (st, '\n');
              append_stats (st, _("Gradient"), g);
            }
          else
            g_string_append_printf (st, st->len ? "\n%s" : "%s", _("grad is None (no backward yet)"));
        }
    }
  else if (win->selected_module)
    {
      guint lazy;
      int64_t n = ps_module_count_params (win->selected_module, &lazy);
      g_autofree char *repr = ps_module_repr (win->selected_module);
      g_autofree char *esc = g_markup_escape_text (repr, -1);
      g_string_append_printf (s, g_dngettext (NULL, "%'" PRId64 " parameter",
                                                  "%'" PRId64 " parameters", n), n);
      if (lazy)
        g_string_append_printf (s, _(", %u uninitialized"), lazy);
      g_string_append_printf (s, "\n\n<tt>%s</tt>", esc);
    }
  if (g_strcmp0 (g_object_get_data (G_OBJECT (win->inspector_label), "ps-markup"), s->str) != 0)
    {
      gtk_label_set_markup (GTK_LABEL (win->inspector_label), s->str);
      gtk_label_select_region (GTK_LABEL (win->inspector_label), 0, 0);   /* no all-selected text */
      g_object_set_data_full (G_OBJECT (win->inspector_label), "ps-markup",
                              g_strdup (s->str), g_free);
    }
  if (!stats && win->selected_param)
    return;                   /* the statistics keep their place until shown */
  gtk_widget_set_visible (win->inspector_stats, st->len > 0);
  ps_ui_live_text_set_markup (win->inspector_stats, st->str);
  gtk_widget_queue_draw (win->histogram);
}

/* A selectable label selects all of itself when it takes the focus (as it
 * does when its page is shown): leave it unselected, for the user to pick. */
static gboolean
unselect_idle (gpointer data)
{
  gtk_label_select_region (GTK_LABEL (data), 0, 0);
  return G_SOURCE_REMOVE;
}

static void
on_inspector_label_focus (GtkEventControllerFocus *c, gpointer data)
{
  GtkWidget *label = gtk_event_controller_get_widget (GTK_EVENT_CONTROLLER (c));
  g_idle_add_full (G_PRIORITY_DEFAULT, unselect_idle, g_object_ref (label), g_object_unref);
}

static void
on_inspect_page_map (GtkWidget *page, PsWindow *win)
{
  update_inspector (win);
}

static void
format_tensor (GString *s, const PsTensor *t)
{
  int64_t rows, cols;
  ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
  g_string_append (s, "tensor([");
  for (int64_t r = 0; r < MIN (rows, 8); r++)
    {
      g_string_append (s, r ? ",\n        [" : "[");
      for (int64_t c = 0; c < MIN (cols, 6); c++)
        g_string_append_printf (s, c ? ", %.4f" : "%.4f", t->data[r * cols + c]);
      if (cols > 6)
        g_string_append (s, ", ...");
      g_string_append_c (s, ']');
    }
  if (rows > 8)
    g_string_append (s, ",\n        ...");
  g_string_append (s, "])");
}

static void
update_output (PsWindow *win)
{
  const PsTensor *y = ps_document_get_output (win->doc);
  GString *s = g_string_new (NULL);

  if (y == NULL)
    g_string_append (s, _("No output yet: press Forward."));
  else
    {
      g_autofree char *shape = ps_shape_to_string (y->ndim, y->shape);
      g_string_append_printf (s, _("output %s\n"), shape);
      format_tensor (s, y);
      if (!isnan (ps_document_get_loss (win->doc)))
        g_string_append_printf (s, _("\nloss %.6g"), ps_document_get_loss (win->doc));
    }
  gtk_label_set_text (GTK_LABEL (win->output_label), s->str);
  g_string_free (s, TRUE);
}

/* ---- the run's charts -------------------------------------------------------- */

/* The selected parameter in the run's log (named_parameters order), or -1. */
static int
selected_log_index (PsWindow *win)
{
  g_autoptr (GPtrArray) np = NULL;

  if (win->selected_param == NULL)
    return -1;
  np = ps_module_named_parameters (ps_document_get_model (win->doc));
  for (guint i = 0; i < np->len; i++)
    if (((PsNamedParam *) np->pdata[i])->param == win->selected_param)
      return (int) i;
  return -1;
}

static void
update_chart_selection (PsWindow *win)
{
  int index = selected_log_index (win);

  if (index >= 0)
    ps_dist_chart_set_param (PS_DIST_CHART (win->dist_chart), (guint) index,
                             gtk_check_button_get_active (GTK_CHECK_BUTTON (win->dist_grad_check)));
  ps_grad_flow_chart_set_highlight (PS_GRAD_FLOW_CHART (win->grad_chart), index);
}

static void
on_run_log (PsWindow *win)
{
  PsTrainLog *log = ps_run_controller_get_log (win->controller);

  ps_loss_chart_set_log (PS_LOSS_CHART (win->loss_chart), log);
  ps_grad_flow_chart_set_log (PS_GRAD_FLOW_CHART (win->grad_chart), log);
  ps_dist_chart_set_log (PS_DIST_CHART (win->dist_chart), log);
}

static void
on_run_tick (PsWindow *win)
{
  ps_loss_chart_refresh (PS_LOSS_CHART (win->loss_chart));
  ps_grad_flow_chart_refresh (PS_GRAD_FLOW_CHART (win->grad_chart));
  ps_dist_chart_refresh (PS_DIST_CHART (win->dist_chart));
}

static void
on_run_previous (PsWindow *win)
{
  ps_loss_chart_set_previous (PS_LOSS_CHART (win->loss_chart),
                              ps_run_controller_get_previous_loss (win->controller));
}

/* ---- selection ------------------------------------------------------------ */

static void
show_node (PsWindow *win, PsTreeNode *node)
{
  g_autofree char *path = NULL, *markup = NULL, *badge = NULL;
  const char *key;

  g_free (win->selected_key);
  win->selected_key = g_strdup (node ? ps_tree_node_get_key (node) : "");
  win->selected_param = node ? ps_tree_node_get_param (node) : NULL;
  win->selected_module = node ? ps_tree_node_get_module (node) : NULL;
  key = win->selected_key;

  if (node)
    {
      path = ps_tree_node_get_index_path (node);
      markup = g_markup_printf_escaped ("<tt>%s</tt>   ·   <tt>%s</tt>", path, *key ? key : "(root)");
      gtk_label_set_markup (GTK_LABEL (win->path_label), markup);
      badge = ps_tree_node_tied_badge (node);
    }
  else
    gtk_label_set_text (GTK_LABEL (win->path_label), "");
  gtk_label_set_text (GTK_LABEL (win->tied_label), badge ? badge : "");
  gtk_widget_set_visible (win->tied_label, badge != NULL);

  if (win->selected_param)
    {
      g_autofree char *gtitle = g_strdup_printf ("grad %s", key);
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (win->data_view), win->selected_param, FALSE, key);
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (win->grad_view), win->selected_param, TRUE, gtitle);
    }
  else
    {
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (win->data_view), NULL, FALSE, NULL);
      ps_heatmap_view_set_param (PS_HEATMAP_VIEW (win->grad_view), NULL, TRUE, NULL);
    }
  update_inspector (win);
  update_chart_selection (win);
  ps_diff_page_set_node (PS_DIFF_PAGE (win->diff_page), node);
}

static void
on_selection_changed (GtkSingleSelection *sel, GParamSpec *pspec, PsWindow *win)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (sel);
  g_autoptr (PsTreeNode) node = row ? gtk_tree_list_row_get_item (row) : NULL;   /* a new reference */

  show_node (win, node);
}

gboolean
ps_window_select_key (PsWindow *win, const char *key)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (win->tree_model));

  /* expand along the way: walk rows, expanding prefixes of key */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (win->tree_model, i);
      g_autoptr (PsTreeNode) node = gtk_tree_list_row_get_item (row);
      const char *k = ps_tree_node_get_key (node);
      size_t len = strlen (k);
      if (strcmp (k, key) == 0)
        {
          gtk_single_selection_set_selected (win->selection, i);
          return TRUE;
        }
      if (len == 0 || (strncmp (key, k, len) == 0 && key[len] == '.'))
        {
          gtk_tree_list_row_set_expanded (row, TRUE);
          n = g_list_model_get_n_items (G_LIST_MODEL (win->tree_model));
        }
    }
  return FALSE;
}

const char *
ps_window_get_selected_key (PsWindow *win)
{
  return win->selected_key;
}

/* ---- the tree ------------------------------------------------------------- */

static GListModel *
create_children (gpointer item, gpointer user_data)
{
  GListModel *kids = ps_tree_node_get_children (PS_TREE_NODE (item));
  return kids && g_list_model_get_n_items (kids) > 0 ? g_object_ref (kids) : NULL;
}

static void
setup_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkWidget *expander = gtk_tree_expander_new ();
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *name = gtk_label_new (NULL), *kind = gtk_label_new (NULL), *size = gtk_label_new (NULL);
  GtkWidget *tied = gtk_label_new (NULL), *lazy = gtk_label_new (_("uninitialized"));

  gtk_widget_add_css_class (name, "ps-tree-name");
  gtk_widget_add_css_class (kind, "dim-label");
  gtk_widget_add_css_class (size, "dim-label");
  gtk_widget_add_css_class (size, "numeric");
  gtk_widget_add_css_class (tied, "ps-badge-tied");
  gtk_widget_add_css_class (lazy, "ps-badge-lazy");
  gtk_box_append (GTK_BOX (box), name);
  gtk_box_append (GTK_BOX (box), kind);
  gtk_box_append (GTK_BOX (box), size);
  gtk_box_append (GTK_BOX (box), tied);
  gtk_box_append (GTK_BOX (box), lazy);
  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), box);
  gtk_list_item_set_child (item, expander);
}

static void
bind_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkWidget *expander = gtk_list_item_get_child (item);
  GtkWidget *box = gtk_tree_expander_get_child (GTK_TREE_EXPANDER (expander));
  GtkWidget *name = gtk_widget_get_first_child (box);
  GtkWidget *kind = gtk_widget_get_next_sibling (name);
  GtkWidget *size = gtk_widget_get_next_sibling (kind);
  GtkWidget *tied = gtk_widget_get_next_sibling (size);
  GtkWidget *lazy = gtk_widget_get_next_sibling (tied);
  PsTreeNode *node = gtk_tree_list_row_get_item (row);
  g_autofree char *desc = ps_tree_node_describe (node);
  g_autofree char *sz = ps_tree_node_describe_size (node);
  g_autofree char *badge = ps_tree_node_tied_badge (node);
  g_autofree char *label = NULL, *a11y = NULL;
  const char *nm = ps_tree_node_get_name (node);

  gtk_tree_expander_set_list_row (GTK_TREE_EXPANDER (expander), row);
  if (ps_tree_node_get_param (node))
    label = g_strdup (nm);
  else
    label = *ps_tree_node_get_key (node) ? g_strdup_printf ("(%s)", nm) : g_strdup (nm);
  gtk_label_set_text (GTK_LABEL (name), label);
  gtk_label_set_text (GTK_LABEL (kind), ps_tree_node_get_param (node) ? "" : desc);
  gtk_label_set_text (GTK_LABEL (size), sz);
  gtk_label_set_text (GTK_LABEL (tied), badge ? badge : "");
  gtk_widget_set_visible (tied, badge != NULL);
  gtk_widget_set_visible (lazy, ps_tree_node_is_uninitialized (node));
  a11y = g_strdup_printf ("%s %s %s%s%s", label, ps_tree_node_get_param (node) ? "" : desc, sz,
                          badge ? ", tied: " : "", badge ? badge : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (expander), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  g_object_unref (node);
}

static void
rebuild_tree (PsWindow *win)
{
  GListStore *roots = g_list_store_new (PS_TYPE_TREE_NODE);

  g_clear_object (&win->root);
  win->root = ps_tree_node_new_root (ps_document_get_model (win->doc),
                                     ps_document_get_model_name (win->doc));
  g_list_store_append (roots, win->root);
  win->tree_model = gtk_tree_list_model_new (G_LIST_MODEL (roots), FALSE, FALSE, create_children,
                                             NULL, NULL);
  gtk_single_selection_set_model (win->selection, G_LIST_MODEL (win->tree_model));
  g_object_unref (win->tree_model);    /* the selection holds it */
  /* the root open, as the lesson prints it */
  {
    g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (win->tree_model, 0);
    gtk_tree_list_row_set_expanded (row, TRUE);
  }
  gtk_single_selection_set_selected (win->selection, 0);
  ps_overview_set_model (PS_OVERVIEW (win->overview), ps_document_get_model (win->doc));
}

static void
on_model_replaced (PsDocument *doc, PsWindow *win)
{
  g_hash_table_remove_all (win->inits);
  g_autofree char *title = g_strdup_printf ("ParamScope — %s", ps_document_get_title (doc));
  gtk_window_set_title (GTK_WINDOW (win), title);
  rebuild_tree (win);
  /* show the first parameter, as the lesson starts with net[0].weight */
  {
    g_autoptr (GPtrArray) np = ps_module_named_parameters (ps_document_get_model (doc));
    if (np->len > 0)
      ps_window_select_key (win, ((PsNamedParam *) np->pdata[0])->name);
  }
  update_output (win);
  /* a new network has no history, and the last message was about the old one */
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.undo", ps_document_can_undo (doc));
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.redo", ps_document_can_redo (doc));
  {
    g_autofree char *msg = g_strdup_printf (_("opened %s"), ps_document_get_title (doc));
    set_status (win, msg, FALSE);
  }
}

static void
on_structure_changed (PsDocument *doc, PsWindow *win)
{
  /* lazy layers materialized: rebuild, keeping the selection */
  g_autofree char *key = g_strdup (win->selected_key ? win->selected_key : "");
  rebuild_tree (win);
  ps_window_select_key (win, key);
}

static void
on_doc_changed (PsDocument *doc, const char *what, PsWindow *win)
{
  set_status (win, what, FALSE);
  update_output (win);
  update_inspector (win);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.undo", ps_document_can_undo (doc));
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.redo", ps_document_can_redo (doc));
  /* the tree's size labels (materialized shapes) */
  gtk_widget_queue_draw (win->tree_view);
}

/* ---- actions ------------------------------------------------------------- */

static void
run_forward (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_forward (win->doc, &error))
    show_error (win, error);
}

static PsLossKind
selected_loss (PsWindow *win)
{
  return gtk_drop_down_get_selected (GTK_DROP_DOWN (win->loss_dropdown)) == 1 ? PS_LOSS_MSE
                                                                              : PS_LOSS_SUM;
}

static void
run_backward (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_backward (win->doc, selected_loss (win), &error))
    show_error (win, error);
}

static void
run_zero_grad (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_zero_grad (win->doc, &error))
    show_error (win, error);
}

static void
run_step (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_document_sgd_step (win->doc, gtk_spin_button_get_value (GTK_SPIN_BUTTON (win->lr_spin)),
                             &error))
    show_error (win, error);
}

static void
run_new_input (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  ps_document_set_random_input (win->doc,
                                gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (win->batch_spin)),
                                gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (win->input_seed_spin)));
  set_status (win, _("new random input (torch.rand)"), FALSE);
}

static void
run_undo (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  if (ps_document_get_busy (win->doc))
    set_status (win, ps_document_get_busy (win->doc), TRUE);
  else
    ps_document_undo (win->doc);
}

static void
run_redo (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  if (ps_document_get_busy (win->doc))
    set_status (win, ps_document_get_busy (win->doc), TRUE);
  else
    ps_document_redo (win->doc);
}

static void
run_train_toggle (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);

  if (ps_run_controller_is_running (win->controller))
    ps_run_controller_pause (win->controller);
  else if (ps_run_controller_run (win->controller, 0, NULL))     /* "error" says why not */
    {
      /* from any page: show what is running and how to pause it */
      ps_window_show_panel (win, "train");
      set_status (win, _("training… (Ctrl+T pauses)"), FALSE);
    }
}

static void
run_train_step (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_step (PS_WINDOW (w)->controller, NULL);
}

static void
run_train_reset (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_reset (PS_WINDOW (w)->controller);
}

static void
run_train_snapshot (GtkWidget *w, const char *action, GVariant *param)
{
  ps_run_controller_take_snapshot (PS_WINDOW (w)->controller, NULL);
}

static void
on_data_chosen (GtkWindow *parent, const char *path, gpointer data)
{
  PsWindow *win = PS_WINDOW (parent);

  if (ps_run_controller_load_data (win->controller, path, NULL))     /* "error" says why not */
    {
      g_autofree char *base = g_path_get_basename (path);
      g_autofree char *msg = g_strdup_printf (_("Training data from %s"), base);
      set_status (win, msg, FALSE);
    }
}

static void
run_train_open_data (GtkWidget *w, const char *action, GVariant *param)
{
  ps_file_chooser_run (GTK_WINDOW (w), _("Training Data"), FALSE, PS_FILES_SAFETENSORS,
                       on_data_chosen, NULL);
}

/* The run refused, or stopped by a fault: said in the status line. */
static void
on_run_error (PsWindow *win)
{
  const char *error = ps_run_controller_get_error (win->controller);
  if (error)
    set_status (win, error, TRUE);
}

static void
on_run_synced (PsWindow *win)
{
  /* the heatmaps and the overview listen to the parameters; the inspector's
   * statistics and histograms follow here, once a frame */
  update_inspector (win);
}

static void
on_run_state (PsWindow *win)
{
  gboolean can_run, can_reset;
  g_object_get (win->controller, "can-run", &can_run, "can-reset", &can_reset, NULL);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.train-step", can_run);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.train-reset", can_reset);
}

static PsInitScheme *
scheme_from_panel (PsWindow *win, GError **error)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  guint i = gtk_drop_down_get_selected (GTK_DROP_DOWN (win->scheme_dropdown));
  g_autoptr (PsInitScheme) s = ps_init_scheme_new (infos[MIN (i, n - 1)].kind);

  for (guint k = 0; k < win->arg_entries->len; k++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (win->arg_entries->pdata[k]));
      const PsInitArgInfo *a = &s->info->args[k];
      if (*text == '\0' && a->default_text == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s() needs a value for %s"),
                       s->info->name, a->name);
          return NULL;
        }
      if (*text && !ps_init_scheme_set_arg (s, a->name, text, error))
        return NULL;
    }
  return g_steal_pointer (&s);
}

static void
run_init (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsInitScheme) s = scheme_from_panel (win, &error);
  PsInitTarget target = gtk_drop_down_get_selected (GTK_DROP_DOWN (win->target_dropdown));

  if (s == NULL || !ps_document_initialize (win->doc, win->selected_param ? NULL : win->selected_module,
                                      win->selected_param, target, s,
                                      gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (win->init_seed_spin)),
                                      &error))
    show_error (win, error);
  else
    {
      remember_init (win, win->selected_param ? NULL : win->selected_module, win->selected_param,
                     target, s);
      update_inspector (win);
    }
}

/* the lesson's cells, as presets */
/* A preset's initialization, remembered for the inspector's expected density. */
static gboolean
init_marked (PsWindow *win, PsModule *module, PsInitTarget target, const PsInitScheme *scheme,
             guint64 seed, GError **error)
{
  if (!ps_document_initialize (win->doc, module, NULL, target, scheme, seed, error))
    return FALSE;
  remember_init (win, module, NULL, target, scheme);
  return TRUE;
}

static void
run_preset (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  const char *name = g_variant_get_string (param, NULL);
  PsModule *model = ps_document_get_model (win->doc);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsInitScheme) a = NULL, b = NULL;
  guint64 seed = gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (win->init_seed_spin));
  gboolean ok;

  if (strcmp (name, "init_normal") == 0)
    {
      a = ps_init_scheme_parse ("normal(mean=0, std=0.01)", NULL);
      b = ps_init_scheme_parse ("zeros()", NULL);
      ok = init_marked (win, model, PS_TARGET_WEIGHTS, a, seed, &error)
           && init_marked (win, model, PS_TARGET_BIASES, b, seed, &error);
    }
  else if (strcmp (name, "init_constant") == 0)
    {
      a = ps_init_scheme_parse ("constant(1)", NULL);
      b = ps_init_scheme_parse ("zeros()", NULL);
      ok = init_marked (win, model, PS_TARGET_WEIGHTS, a, seed, &error)
           && init_marked (win, model, PS_TARGET_BIASES, b, seed, &error);
    }
  else if (strcmp (name, "xavier_42") == 0)
    {
      PsModule *m0 = ps_module_index (model, 0, NULL), *m2 = ps_module_index (model, 2, NULL);
      a = ps_init_scheme_parse ("xavier_uniform()", NULL);
      b = ps_init_scheme_parse ("constant(42)", NULL);
      if (m0 == NULL || m2 == NULL)
        {
          g_set_error (&error, PS_ERROR, PS_ERROR_KEY,
                       _("this preset needs net[0] and net[2] (the lesson's MLP)"));
          ok = FALSE;
        }
      else
        ok = init_marked (win, m0, PS_TARGET_WEIGHTS, a, seed, &error)
             && init_marked (win, m2, PS_TARGET_WEIGHTS, b, seed, &error);
    }
  else
    {
      a = ps_init_scheme_parse ("d2l_custom()", NULL);
      ok = init_marked (win, model, PS_TARGET_WEIGHTS, a, seed, &error);
    }
  if (!ok)
    show_error (win, error);
  update_inspector (win);
}

static gboolean
edit_value (PsWindow *win, float *v)
{
  const char *text = gtk_editable_get_text (GTK_EDITABLE (win->edit_value_entry));
  if (!ps_heatmap_view_parse_value (text, v))
    {
      gtk_widget_add_css_class (win->edit_value_entry, "error");
      set_status (win, _("not a finite number"), TRUE);
      return FALSE;
    }
  gtk_widget_remove_css_class (win->edit_value_entry, "error");
  return TRUE;
}

static void
run_edit (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  const char *op = g_variant_get_string (param, NULL);
  g_autoptr (GError) error = NULL;
  float v;
  gboolean ok;

  if (win->selected_param == NULL)
    {
      set_status (win, _("select a parameter first"), TRUE);
      return;
    }
  if (!edit_value (win, &v))
    return;
  if (strcmp (op, "add") == 0)
    ok = ps_document_add_constant (win->doc, win->selected_param, v, &error);
  else if (strcmp (op, "fill") == 0)
    ok = ps_document_fill (win->doc, win->selected_param, v, &error);
  else
    {
      int row, col;
      int64_t rows, cols;
      PsTensor *t = ps_param_get_data (win->selected_param);
      g_object_get (win->data_view, "selected-row", &row, "selected-col", &col, NULL);
      if (t == NULL || row < 0 || col < 0)
        {
          set_status (win, _("select a cell in the heatmap first"), TRUE);
          return;
        }
      ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
      ok = ps_document_set_element (win->doc, win->selected_param, (int64_t) row * cols + col, v,
                                    &error);
    }
  if (!ok)
    show_error (win, error);
}

static void
on_edit_requested (PsHeatmapView *view, gint64 index, gfloat value, PsWindow *win)
{
  g_autoptr (GError) error = NULL;
  if (!ps_document_set_element (win->doc, win->selected_param, index, value, &error))
    {
      ps_heatmap_view_show_error (view, error->message);
      show_error (win, error);
    }
  else
    {
      /* say which other names changed with it */
      g_autoptr (GPtrArray) aliases = ps_module_param_aliases (ps_document_get_model (win->doc),
                                                               win->selected_param);
      if (aliases->len > 1)
        {
          GString *s = g_string_new (NULL);
          for (guint i = 0; i < aliases->len; i++)
            if (g_strcmp0 (aliases->pdata[i], win->selected_key) != 0)
              g_string_append_printf (s, "%s%s", s->len ? ", " : "", (char *) aliases->pdata[i]);
          {
            g_autofree char *msg = g_strdup_printf (_("%s changed with it (tied)"), s->str);
            set_status (win, msg, FALSE);
          }
          g_string_free (s, TRUE);
        }
    }
}

/* file choosers (ps-file-chooser.h) */
typedef enum { OPEN_MODEL, OPEN_WEIGHTS, OPEN_INPUT, SAVE_WEIGHTS, EXPORT_PNG } FileOp;

static void
on_file_chosen (GtkWindow *parent, const char *path, gpointer data)
{
  PsWindow *win = PS_WINDOW (parent);
  g_autoptr (GError) error = NULL;
  gboolean ok = TRUE;

  switch ((FileOp) GPOINTER_TO_INT (data))
    {
    case OPEN_MODEL:
      ps_window_open_model (win, path, NULL);      /* shows its error */
      break;
    case OPEN_WEIGHTS:
      ps_window_open_weights (win, path, NULL);
      break;
    case OPEN_INPUT:
      ok = ps_document_load_input (win->doc, path, &error);
      if (ok)
        set_status (win, _("input loaded"), FALSE);
      break;
    case SAVE_WEIGHTS:
      ok = ps_document_save_weights (win->doc, path, &error);
      if (ok)
        set_status (win, _("weights saved"), FALSE);
      break;
    case EXPORT_PNG:
      ok = ps_heatmap_view_export_png (PS_HEATMAP_VIEW (win->data_view), path, &error);
      if (ok)
        set_status (win, _("heatmap exported"), FALSE);
      break;
    }
  if (!ok)
    show_error (win, error);
}

static void
run_file (GtkWidget *w, const char *action, GVariant *param)
{
  static const struct { const char *action, *title; gboolean save; PsFileKind kind; } ops[] = {
    [OPEN_MODEL] = { "win.open-model", N_("Open a Model"), FALSE, PS_FILES_MODEL },
    [OPEN_WEIGHTS] = { "win.open-weights", N_("Open Weights"), FALSE, PS_FILES_SAFETENSORS },
    [OPEN_INPUT] = { "win.open-input", N_("Open Input"), FALSE, PS_FILES_SAFETENSORS },
    [SAVE_WEIGHTS] = { "win.save-weights", N_("Save Weights"), TRUE, PS_FILES_SAFETENSORS },
    [EXPORT_PNG] = { "win.export-png", N_("Export Heatmap as PNG"), TRUE, PS_FILES_PNG },
  };
  for (guint i = 0; i < G_N_ELEMENTS (ops); i++)
    if (strcmp (action, ops[i].action) == 0)
      ps_file_chooser_run (GTK_WINDOW (w), _(ops[i].title), ops[i].save, ops[i].kind,
                           on_file_chosen, GINT_TO_POINTER (i));
}

static void
on_paste_response (GtkDialog *dialog, int response, PsWindow *win)
{
  if (response == GTK_RESPONSE_ACCEPT)
    {
      GtkTextView *tv = g_object_get_data (G_OBJECT (dialog), "text");
      GtkTextBuffer *buf = gtk_text_view_get_buffer (tv);
      GtkTextIter a, b;
      g_autofree char *text = NULL;
      g_autoptr (GError) error = NULL;
      gtk_text_buffer_get_bounds (buf, &a, &b);
      text = gtk_text_buffer_get_text (buf, &a, &b, FALSE);
      if (!ps_document_load_model_text (win->doc, text, _("pasted"), &error))
        {
          GtkWidget *err = g_object_get_data (G_OBJECT (dialog), "error");
          gtk_label_set_text (GTK_LABEL (err), error->message);
          gtk_widget_set_visible (err, TRUE);
          return;      /* keep the dialog and the text */
        }
    }
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
run_paste (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  GtkWidget *d = gtk_dialog_new_with_buttons (_("Paste a Model"), GTK_WINDOW (win),
                                              GTK_DIALOG_MODAL | GTK_DIALOG_DESTROY_WITH_PARENT
                                              | GTK_DIALOG_USE_HEADER_BAR,
                                              _("_Cancel"), GTK_RESPONSE_CANCEL,
                                              _("_Open"), GTK_RESPONSE_ACCEPT, NULL);
  GtkWidget *box = gtk_dialog_get_content_area (GTK_DIALOG (d));
  GtkWidget *hint = gtk_label_new (_("Paste a model file or the text PyTorch's print(net) writes."));
  GtkWidget *sw = gtk_scrolled_window_new ();
  GtkWidget *tv = gtk_text_view_new ();
  GtkWidget *err = gtk_label_new (NULL);

  gtk_text_view_set_monospace (GTK_TEXT_VIEW (tv), TRUE);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), tv);
  gtk_widget_set_size_request (sw, 560, 320);
  gtk_widget_add_css_class (err, "error");
  gtk_label_set_wrap (GTK_LABEL (err), TRUE);
  gtk_widget_set_visible (err, FALSE);
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), sw);
  gtk_box_append (GTK_BOX (box), err);
  g_object_set_data (G_OBJECT (d), "text", tv);
  g_object_set_data (G_OBJECT (d), "error", err);
  g_signal_connect (d, "response", G_CALLBACK (on_paste_response), win);
  gtk_window_present (GTK_WINDOW (d));
}

static void
run_example (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  g_autoptr (GError) error = NULL;
  if (!ps_window_open_example (win, g_variant_get_string (param, NULL), &error))
    show_error (win, error);
}

static void
run_copy_path (GtkWidget *w, const char *action, GVariant *param)
{
  PsWindow *win = PS_WINDOW (w);
  GdkClipboard *cb = gtk_widget_get_clipboard (w);
  PsTreeNode *node = win->root && win->selected_key ? ps_tree_node_find (win->root, win->selected_key) : NULL;
  g_autofree char *path = node ? ps_tree_node_get_index_path (node) : NULL;
  if (path)
    {
      gdk_clipboard_set_text (cb, path);
      set_status (win, path, FALSE);
    }
}

/* ---- building the window --------------------------------------------------- */

static GtkWidget *
button (const char *label, const char *action, const char *target)
{
  GtkWidget *b = gtk_button_new_with_mnemonic (label);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (b), action);
  if (target)
    gtk_actionable_set_action_target (GTK_ACTIONABLE (b), "s", target);
  return b;
}

static GtkWidget *
build_run_panel (PsWindow *win)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  const char *losses[] = { "sum", "mse", NULL };

  win->batch_spin = ps_ui_spin (1, 4096, 1, 2, 0, _("Batch size"));
  win->input_seed_spin = ps_ui_spin (0, G_MAXINT, 1, 0, 0, _("Input seed"));
  win->loss_dropdown = gtk_drop_down_new_from_strings (losses);
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->loss_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Loss"), -1);
  win->lr_spin = ps_ui_spin (0, 100, 0.01, 0.1, 4, _("Learning rate"));
  win->output_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (win->output_label), 0);
  gtk_label_set_selectable (GTK_LABEL (win->output_label), TRUE);
  gtk_widget_add_css_class (win->output_label, "monospace");

  gtk_box_append (GTK_BOX (box), ps_ui_section (_("Input  X = torch.rand(batch, in)")));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("_Batch"), win->batch_spin));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("S_eed"), win->input_seed_spin));
  gtk_box_append (GTK_BOX (box), button (_("_New Random Input"), "win.new-input", NULL));
  gtk_box_append (GTK_BOX (box), button (_("_Load Input…"), "win.open-input", NULL));
  gtk_box_append (GTK_BOX (box), ps_ui_section (_("Forward and backward")));
  gtk_box_append (GTK_BOX (box), button (_("_Forward"), "win.forward", NULL));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("L_oss"), win->loss_dropdown));
  gtk_box_append (GTK_BOX (box), button (_("_Backward"), "win.backward", NULL));
  gtk_box_append (GTK_BOX (box), button (_("_Zero Grad"), "win.zero-grad", NULL));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("Learning _rate"), win->lr_spin));
  gtk_box_append (GTK_BOX (box), button (_("SGD _Step"), "win.step", NULL));
  gtk_box_append (GTK_BOX (box), ps_ui_section (_("Output")));
  gtk_box_append (GTK_BOX (box), win->output_label);
  return box;
}

static void
on_scheme_changed (GtkDropDown *dd, GParamSpec *pspec, PsWindow *win)
{
  guint n, i = gtk_drop_down_get_selected (dd);
  const PsInitInfo *infos = ps_init_get_infos (&n), *info;
  GtkWidget *child;

  if (i >= n)
    return;
  info = &infos[i];
  while ((child = gtk_widget_get_first_child (win->args_grid)))
    gtk_grid_remove (GTK_GRID (win->args_grid), child);
  g_ptr_array_set_size (win->arg_entries, 0);
  for (guint k = 0; k < info->n_args; k++)
    {
      GtkWidget *l = gtk_label_new (info->args[k].name);
      GtkWidget *e = gtk_entry_new ();
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_editable_set_text (GTK_EDITABLE (e), info->args[k].default_text ? info->args[k].default_text : "");
      gtk_entry_set_placeholder_text (GTK_ENTRY (e), info->args[k].default_text ? NULL : _("required"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (e), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      info->args[k].name, -1);
      gtk_grid_attach (GTK_GRID (win->args_grid), l, 0, (int) k, 1, 1);
      gtk_grid_attach (GTK_GRID (win->args_grid), e, 1, (int) k, 1, 1);
      g_ptr_array_add (win->arg_entries, e);
    }
  gtk_widget_set_tooltip_text (GTK_WIDGET (dd), info->summary);
}

static GtkWidget *
build_init_panel (PsWindow *win)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkStringList *names = gtk_string_list_new (NULL);
  const char *targets[] = { N_("Weights and biases"), N_("Weights"), N_("Biases"), NULL };
  const char *tr_targets[4] = { _(targets[0]), _(targets[1]), _(targets[2]), NULL };
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  GtkWidget *presets = gtk_flow_box_new ();

  for (guint i = 0; i < n; i++)
    gtk_string_list_append (names, infos[i].name);
  win->scheme_dropdown = gtk_drop_down_new (G_LIST_MODEL (names), NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->scheme_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Initializer"), -1);
  win->args_grid = gtk_grid_new ();
  gtk_grid_set_row_spacing (GTK_GRID (win->args_grid), 4);
  gtk_grid_set_column_spacing (GTK_GRID (win->args_grid), 8);
  win->target_dropdown = gtk_drop_down_new_from_strings (tr_targets);
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->target_dropdown), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Which parameters"), -1);
  win->init_seed_spin = ps_ui_spin (0, G_MAXINT, 1, 0, 0, _("Initializer seed"));
  g_signal_connect (win->scheme_dropdown, "notify::selected", G_CALLBACK (on_scheme_changed), win);

  gtk_box_append (GTK_BOX (box), ps_ui_section (_("Initialize the selection")));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("_Scheme"), win->scheme_dropdown));
  gtk_box_append (GTK_BOX (box), win->args_grid);
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("_Target"), win->target_dropdown));
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("See_d"), win->init_seed_spin));
  gtk_box_append (GTK_BOX (box), button (_("_Apply"), "win.init", NULL));
  gtk_box_append (GTK_BOX (box), ps_ui_section (_("The lesson's cells")));
  gtk_flow_box_set_selection_mode (GTK_FLOW_BOX (presets), GTK_SELECTION_NONE);
  gtk_flow_box_append (GTK_FLOW_BOX (presets), button ("init__normal", "win.preset", "init_normal"));
  gtk_flow_box_append (GTK_FLOW_BOX (presets), button ("init__constant", "win.preset", "init_constant"));
  gtk_flow_box_append (GTK_FLOW_BOX (presets), button (_("Xavier net[0], 42 net[2]"), "win.preset", "xavier_42"));
  gtk_flow_box_append (GTK_FLOW_BOX (presets), button ("my__init", "win.preset", "my_init"));
  gtk_box_append (GTK_BOX (box), presets);
  on_scheme_changed (GTK_DROP_DOWN (win->scheme_dropdown), NULL, win);
  return box;
}

static GtkWidget *
build_edit_panel (PsWindow *win)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *hint = gtk_label_new (_("Select a cell and type a value: Enter commits, Escape cancels."));
  gtk_label_set_wrap (GTK_LABEL (hint), TRUE);
  gtk_label_set_xalign (GTK_LABEL (hint), 0);
  gtk_widget_add_css_class (hint, "dim-label");
  win->edit_value_entry = gtk_entry_new ();
  gtk_editable_set_text (GTK_EDITABLE (win->edit_value_entry), "1");
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->edit_value_entry), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Value"), -1);
  gtk_box_append (GTK_BOX (box), ps_ui_section (_("Edit the selected parameter")));
  gtk_box_append (GTK_BOX (box), hint);
  gtk_box_append (GTK_BOX (box), ps_ui_labelled (_("_Value"), win->edit_value_entry));
  gtk_box_append (GTK_BOX (box), button (_("_Add to every element   data[:] += v"), "win.edit", "add"));
  gtk_box_append (GTK_BOX (box), button (_("_Set the selected cell   data[r, c] = v"), "win.edit", "set"));
  gtk_box_append (GTK_BOX (box), button (_("_Fill   data.fill_(v)"), "win.edit", "fill"));
  return box;
}

static GtkWidget *
scrolled (GtkWidget *child)
{
  GtkWidget *sw = gtk_scrolled_window_new ();
  gtk_scrolled_window_set_policy (GTK_SCROLLED_WINDOW (sw), GTK_POLICY_NEVER, GTK_POLICY_AUTOMATIC);
  gtk_widget_set_margin_start (child, 12);
  gtk_widget_set_margin_end (child, 12);
  gtk_widget_set_margin_bottom (child, 12);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (sw), child);
  return sw;
}

static GMenuModel *
build_menus (void)
{
  GMenu *open = g_menu_new ();
  g_menu_append (open, _("Open _Model…"), "win.open-model");
  g_menu_append (open, _("_Paste a Model…"), "win.paste-model");
  g_menu_append (open, _("Open _Weights…"), "win.open-weights");
  g_menu_append (open, _("_Save Weights…"), "win.save-weights");
  g_menu_append (open, _("_Export Heatmap as PNG…"), "win.export-png");
  return G_MENU_MODEL (open);
}

static GMenuModel *
build_examples_menu (void)
{
  static const char *labels[] = { N_("MLP  nn.Sequential(Linear(4, 8), ReLU, Linear(8, 1))"),
                                  N_("Nested blocks  rgnet"),
                                  N_("Tied layers  shared Linear(8, 8)"),
                                  N_("Tied 1×1  Sequential(linear, linear)"),
                                  N_("Lazy  LazyLinear(256)"),
                                  N_("Exercise: an MLP with a shared layer, to train"),
                                  N_("Spiral classifier  2 → 32 → 32 → 2, to train") };
  GMenu *m = g_menu_new ();
  for (guint i = 0; example_names[i]; i++)
    {
      g_autofree char *action = g_strdup_printf ("win.example::%s", example_names[i]);
      g_menu_append (m, _(labels[i]), action);
    }
  return G_MENU_MODEL (m);
}

static GMenuModel *
build_main_menu (void)
{
  GMenu *m = g_menu_new ();
  g_menu_append (m, _("_Open Checkpoint…"), "app.open-checkpoint");
  g_menu_append (m, _("_Keyboard Shortcuts"), "win.show-help-overlay");
  g_menu_append (m, _("_About ParamScope"), "app.about");
  g_menu_append (m, _("_Quit"), "app.quit");
  return G_MENU_MODEL (m);
}

static void
ps_window_dispose (GObject *object)
{
  PsWindow *win = PS_WINDOW (object);
  if (win->controller)
    {
      /* the run ends (one undoable change) while the views still exist */
      ps_run_controller_pause (win->controller);
      ps_run_controller_set_clock_widget (win->controller, NULL);
      g_signal_handlers_disconnect_by_data (win->controller, win);
    }
  if (win->doc)
    g_signal_handlers_disconnect_by_data (win->doc, win);
  g_clear_object (&win->root);
  g_clear_pointer (&win->arg_entries, g_ptr_array_unref);
  g_clear_pointer (&win->inits, g_hash_table_unref);
  G_OBJECT_CLASS (ps_window_parent_class)->dispose (object);
}

static void
ps_window_finalize (GObject *object)
{
  PsWindow *win = PS_WINDOW (object);
  g_clear_object (&win->controller);
  g_clear_object (&win->doc);
  g_free (win->selected_key);
  G_OBJECT_CLASS (ps_window_parent_class)->finalize (object);
}

static void
ps_window_class_init (PsWindowClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->dispose = ps_window_dispose;
  object_class->finalize = ps_window_finalize;

  gtk_widget_class_install_action (widget_class, "win.forward", NULL, run_forward);
  gtk_widget_class_install_action (widget_class, "win.backward", NULL, run_backward);
  gtk_widget_class_install_action (widget_class, "win.zero-grad", NULL, run_zero_grad);
  gtk_widget_class_install_action (widget_class, "win.step", NULL, run_step);
  gtk_widget_class_install_action (widget_class, "win.new-input", NULL, run_new_input);
  gtk_widget_class_install_action (widget_class, "win.undo", NULL, run_undo);
  gtk_widget_class_install_action (widget_class, "win.redo", NULL, run_redo);
  gtk_widget_class_install_action (widget_class, "win.init", NULL, run_init);
  gtk_widget_class_install_action (widget_class, "win.preset", "s", run_preset);
  gtk_widget_class_install_action (widget_class, "win.edit", "s", run_edit);
  gtk_widget_class_install_action (widget_class, "win.example", "s", run_example);
  gtk_widget_class_install_action (widget_class, "win.paste-model", NULL, run_paste);
  gtk_widget_class_install_action (widget_class, "win.copy-path", NULL, run_copy_path);
  gtk_widget_class_install_action (widget_class, "win.open-model", NULL, run_file);
  gtk_widget_class_install_action (widget_class, "win.open-weights", NULL, run_file);
  gtk_widget_class_install_action (widget_class, "win.open-input", NULL, run_file);
  gtk_widget_class_install_action (widget_class, "win.save-weights", NULL, run_file);
  gtk_widget_class_install_action (widget_class, "win.export-png", NULL, run_file);
  gtk_widget_class_install_action (widget_class, "win.train-toggle", NULL, run_train_toggle);
  gtk_widget_class_install_action (widget_class, "win.train-step", NULL, run_train_step);
  gtk_widget_class_install_action (widget_class, "win.train-reset", NULL, run_train_reset);
  gtk_widget_class_install_action (widget_class, "win.train-snapshot", NULL, run_train_snapshot);
  gtk_widget_class_install_action (widget_class, "win.train-open-data", NULL, run_train_open_data);
}

static void
on_param_activated (PsOverview *o, const char *key, PsWindow *win)
{
  ps_window_select_key (win, key);
}

static void
ps_window_init (PsWindow *win)
{
  GtkWidget *header = gtk_header_bar_new ();
  GtkWidget *open_btn = gtk_menu_button_new (), *ex_btn = gtk_menu_button_new ();
  GtkWidget *menu_btn = gtk_menu_button_new ();
  GtkWidget *undo = gtk_button_new_from_icon_name ("edit-undo-symbolic");
  GtkWidget *redo = gtk_button_new_from_icon_name ("edit-redo-symbolic");
  GtkWidget *outer = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
  GtkWidget *left_paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *right_paned = gtk_paned_new (GTK_ORIENTATION_HORIZONTAL);
  GtkWidget *center = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
  GtkWidget *path_row = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *copy = gtk_button_new_from_icon_name ("edit-copy-symbolic");
  GtkWidget *views = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 12);
  GtkWidget *notebook = gtk_notebook_new ();
  GtkWidget *tree_sw = gtk_scrolled_window_new ();
  GtkWidget *ov_sw = gtk_scrolled_window_new ();
  GtkListItemFactory *factory = gtk_signal_list_item_factory_new ();

  win->doc = ps_document_new ();
  win->arg_entries = g_ptr_array_new ();
  gtk_window_set_default_size (GTK_WINDOW (win), 1400, 860);
  gtk_window_set_title (GTK_WINDOW (win), "ParamScope");

  /* header bar */
  gtk_menu_button_set_label (GTK_MENU_BUTTON (open_btn), _("Open"));
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (open_btn), build_menus ());
  gtk_menu_button_set_label (GTK_MENU_BUTTON (ex_btn), _("Examples"));
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (ex_btn), build_examples_menu ());
  gtk_menu_button_set_icon_name (GTK_MENU_BUTTON (menu_btn), "open-menu-symbolic");
  gtk_menu_button_set_menu_model (GTK_MENU_BUTTON (menu_btn), build_main_menu ());
  gtk_accessible_update_property (GTK_ACCESSIBLE (menu_btn), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Main menu"), -1);
  gtk_actionable_set_action_name (GTK_ACTIONABLE (undo), "win.undo");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (redo), "win.redo");
  gtk_widget_set_tooltip_text (undo, _("Undo (Ctrl+Z)"));
  gtk_widget_set_tooltip_text (redo, _("Redo (Ctrl+Shift+Z)"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (undo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Undo"), -1);
  gtk_accessible_update_property (GTK_ACCESSIBLE (redo), GTK_ACCESSIBLE_PROPERTY_LABEL, _("Redo"), -1);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), open_btn);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), ex_btn);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), undo);
  gtk_header_bar_pack_start (GTK_HEADER_BAR (header), redo);
  gtk_header_bar_pack_end (GTK_HEADER_BAR (header), menu_btn);
  gtk_window_set_titlebar (GTK_WINDOW (win), header);

  /* block tree */
  g_signal_connect (factory, "setup", G_CALLBACK (setup_row), NULL);
  g_signal_connect (factory, "bind", G_CALLBACK (bind_row), NULL);
  win->selection = gtk_single_selection_new (NULL);
  win->tree_view = gtk_list_view_new (GTK_SELECTION_MODEL (win->selection), factory);
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->tree_view), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Block tree"), -1);
  g_signal_connect (win->selection, "notify::selected-item", G_CALLBACK (on_selection_changed), win);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (tree_sw), win->tree_view);
  gtk_widget_set_size_request (tree_sw, 340, -1);

  /* centre: the name of the selection, the two heatmaps, the overview */
  win->path_label = gtk_label_new (NULL);
  gtk_label_set_selectable (GTK_LABEL (win->path_label), TRUE);
  gtk_label_set_xalign (GTK_LABEL (win->path_label), 0);
  gtk_widget_set_hexpand (win->path_label, TRUE);
  win->tied_label = gtk_label_new (NULL);
  gtk_widget_add_css_class (win->tied_label, "ps-badge-tied");
  gtk_actionable_set_action_name (GTK_ACTIONABLE (copy), "win.copy-path");
  gtk_widget_set_tooltip_text (copy, _("Copy the PyTorch name"));
  gtk_accessible_update_property (GTK_ACCESSIBLE (copy), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Copy the PyTorch name"), -1);
  gtk_box_append (GTK_BOX (path_row), win->path_label);
  gtk_box_append (GTK_BOX (path_row), win->tied_label);
  gtk_box_append (GTK_BOX (path_row), copy);
  win->data_view = ps_heatmap_view_new ();
  win->grad_view = ps_heatmap_view_new ();
  gtk_widget_set_hexpand (win->data_view, TRUE);
  gtk_widget_set_vexpand (win->data_view, TRUE);
  gtk_widget_set_hexpand (win->grad_view, TRUE);
  gtk_widget_set_vexpand (win->grad_view, TRUE);
  gtk_box_set_homogeneous (GTK_BOX (views), TRUE);
  {
    GtkWidget *col1 = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *col2 = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *h1 = ps_ui_section (_("Values  (.data)")), *h2 = ps_ui_section (_("Gradient  (.grad)"));
    gtk_widget_set_margin_top (h1, 0);
    gtk_widget_set_margin_top (h2, 0);
    gtk_box_append (GTK_BOX (col1), h1);
    gtk_box_append (GTK_BOX (col1), win->data_view);
    gtk_box_append (GTK_BOX (col2), h2);
    gtk_box_append (GTK_BOX (col2), win->grad_view);
    gtk_box_append (GTK_BOX (views), col1);
    gtk_box_append (GTK_BOX (views), col2);
  }
  g_signal_connect (win->data_view, "edit-requested", G_CALLBACK (on_edit_requested), win);
  win->overview = ps_overview_new ();
  g_signal_connect (win->overview, "param-activated", G_CALLBACK (on_param_activated), win);
  gtk_scrolled_window_set_child (GTK_SCROLLED_WINDOW (ov_sw), win->overview);
  win->controller = ps_run_controller_new (win->doc);
  ps_run_controller_set_clock_widget (win->controller, GTK_WIDGET (win));
  win->train_panel = ps_train_panel_new (win->controller);
  g_signal_connect_swapped (win->controller, "notify::error", G_CALLBACK (on_run_error), win);
  g_signal_connect_swapped (win->controller, "notify::can-run", G_CALLBACK (on_run_state), win);
  g_signal_connect_swapped (win->controller, "notify::can-reset", G_CALLBACK (on_run_state), win);
  g_signal_connect_swapped (win->controller, "notify::log", G_CALLBACK (on_run_log), win);
  g_signal_connect_swapped (win->controller, "notify::previous-loss", G_CALLBACK (on_run_previous), win);
  g_signal_connect_swapped (win->controller, "tick", G_CALLBACK (on_run_tick), win);
  g_signal_connect_swapped (win->controller, "synced", G_CALLBACK (on_run_synced), win);
  /* below the heatmaps: the overview, the training charts, the difference */
  {
    GtkWidget *top = gtk_box_new (GTK_ORIENTATION_VERTICAL, 6);
    GtkWidget *loss_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *dist_page = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
    GtkWidget *log_check = gtk_check_button_new_with_mnemonic (_("_Logarithmic scale"));

    win->loss_chart = ps_loss_chart_new ();
    win->grad_chart = ps_grad_flow_chart_new ();
    win->dist_chart = ps_dist_chart_new ();
    win->dist_grad_check = gtk_check_button_new_with_mnemonic (_("Show the _gradient’s distribution"));
    gtk_widget_set_hexpand (win->loss_chart, TRUE);
    gtk_widget_set_vexpand (win->loss_chart, TRUE);
    gtk_widget_set_hexpand (win->dist_chart, TRUE);
    gtk_widget_set_vexpand (win->dist_chart, TRUE);
    g_object_bind_property (log_check, "active", win->loss_chart, "log-scale", G_BINDING_DEFAULT);
    gtk_check_button_set_active (GTK_CHECK_BUTTON (log_check), TRUE);   /* losses span decades */
    g_signal_connect_swapped (win->dist_grad_check, "toggled", G_CALLBACK (update_chart_selection), win);
    gtk_box_append (GTK_BOX (loss_page), log_check);
    gtk_box_append (GTK_BOX (loss_page), win->loss_chart);
    gtk_box_append (GTK_BOX (dist_page), win->dist_grad_check);
    gtk_box_append (GTK_BOX (dist_page), win->dist_chart);
    win->diff_page = ps_diff_page_new (win->controller);
    GtkWidget *vpaned = gtk_paned_new (GTK_ORIENTATION_VERTICAL);

    win->bottom = gtk_notebook_new ();
    gtk_notebook_append_page (GTK_NOTEBOOK (win->bottom), ov_sw,
                              gtk_label_new_with_mnemonic (_("O_verview")));
    gtk_notebook_append_page (GTK_NOTEBOOK (win->bottom), loss_page, gtk_label_new (_("Loss")));
    gtk_notebook_append_page (GTK_NOTEBOOK (win->bottom), win->grad_chart,
                              gtk_label_new (_("Gradient flow")));
    gtk_notebook_append_page (GTK_NOTEBOOK (win->bottom), dist_page,
                              gtk_label_new (_("Distributions")));
    gtk_notebook_append_page (GTK_NOTEBOOK (win->bottom), win->diff_page,
                              gtk_label_new (_("Difference A − B")));
    gtk_widget_set_size_request (win->bottom, -1, 220);
    gtk_box_append (GTK_BOX (top), path_row);
    gtk_box_append (GTK_BOX (top), views);
    gtk_paned_set_start_child (GTK_PANED (vpaned), top);
    gtk_paned_set_end_child (GTK_PANED (vpaned), win->bottom);
    gtk_paned_set_shrink_start_child (GTK_PANED (vpaned), FALSE);
    gtk_paned_set_shrink_end_child (GTK_PANED (vpaned), FALSE);
    gtk_paned_set_position (GTK_PANED (vpaned), 470);
    gtk_widget_set_vexpand (vpaned, TRUE);
    gtk_box_append (GTK_BOX (center), vpaned);
  }
  gtk_widget_set_margin_start (center, 12);
  gtk_widget_set_margin_end (center, 12);
  gtk_widget_set_margin_top (center, 8);

  /* right: panels */
  win->inspector_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (win->inspector_label), 0);
  gtk_label_set_selectable (GTK_LABEL (win->inspector_label), TRUE);
  gtk_label_set_wrap (GTK_LABEL (win->inspector_label), TRUE);
  win->inspector_stats = ps_ui_live_text_new (_("Statistics"), GTK_ACCESSIBLE_ROLE_GROUP);
  {
    GtkEventController *focus = gtk_event_controller_focus_new ();
    g_signal_connect (focus, "enter", G_CALLBACK (on_inspector_label_focus), NULL);
    gtk_widget_add_controller (win->inspector_label, focus);
  }
  win->histogram = gtk_drawing_area_new ();
  gtk_widget_set_size_request (win->histogram, 300, 280);
  gtk_drawing_area_set_draw_func (GTK_DRAWING_AREA (win->histogram), draw_histograms, win, NULL);
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->histogram), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Histograms of the values and the gradient"), -1);
  win->inits = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) init_mark_free);
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled (build_run_panel (win)),
                            gtk_label_new_with_mnemonic (_("_Run")));
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled (build_init_panel (win)),
                            gtk_label_new_with_mnemonic (_("_Initialize")));
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled (build_edit_panel (win)),
                            gtk_label_new_with_mnemonic (_("_Edit")));
  {
    GtkWidget *ibox = gtk_box_new (GTK_ORIENTATION_VERTICAL, 12);
    gtk_box_append (GTK_BOX (ibox), win->inspector_label);
    gtk_box_append (GTK_BOX (ibox), win->inspector_stats);
    g_signal_connect (ibox, "map", G_CALLBACK (on_inspect_page_map), win);
    gtk_box_append (GTK_BOX (ibox), win->histogram);
    win->inspect_page = ibox;
  }
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled (win->inspect_page),
                            gtk_label_new_with_mnemonic (_("I_nspect")));
  gtk_notebook_append_page (GTK_NOTEBOOK (notebook), scrolled (win->train_panel),
                            gtk_label_new_with_mnemonic (_("_Train")));
  win->panels = notebook;
  gtk_widget_set_size_request (notebook, 340, -1);

  gtk_paned_set_start_child (GTK_PANED (right_paned), center);
  gtk_paned_set_end_child (GTK_PANED (right_paned), notebook);
  gtk_paned_set_resize_end_child (GTK_PANED (right_paned), FALSE);
  gtk_paned_set_shrink_end_child (GTK_PANED (right_paned), FALSE);
  gtk_paned_set_start_child (GTK_PANED (left_paned), tree_sw);
  gtk_paned_set_end_child (GTK_PANED (left_paned), right_paned);
  gtk_paned_set_resize_start_child (GTK_PANED (left_paned), FALSE);
  gtk_paned_set_shrink_start_child (GTK_PANED (left_paned), FALSE);
  gtk_widget_set_vexpand (left_paned, TRUE);

  win->status = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (win->status), 0);
  gtk_label_set_ellipsize (GTK_LABEL (win->status), PANGO_ELLIPSIZE_END);
  gtk_widget_add_css_class (win->status, "ps-status");
  gtk_accessible_update_property (GTK_ACCESSIBLE (win->status), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                  _("Status"), -1);
  gtk_box_append (GTK_BOX (outer), left_paned);
  gtk_box_append (GTK_BOX (outer), win->status);
  gtk_window_set_child (GTK_WINDOW (win), outer);

  g_signal_connect (win->doc, "model-replaced", G_CALLBACK (on_model_replaced), win);
  g_signal_connect (win->doc, "structure-changed", G_CALLBACK (on_structure_changed), win);
  g_signal_connect (win->doc, "changed", G_CALLBACK (on_doc_changed), win);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.undo", FALSE);
  gtk_widget_action_set_enabled (GTK_WIDGET (win), "win.redo", FALSE);
  on_run_state (win);
}

PsWindow *
ps_window_new (GtkApplication *app)
{
  return g_object_new (PS_TYPE_WINDOW, "application", app, NULL);
}

PsDocument *
ps_window_get_document (PsWindow *win)
{
  return win->doc;
}

/* A document call whose error the window shows, then passes on. */
static gboolean
shown (PsWindow *win, gboolean ok, GError *local, GError **error)
{
  if (!ok)
    {
      show_error (win, local);
      g_propagate_error (error, local);
    }
  return ok;
}

gboolean
ps_window_open_model (PsWindow *win, const char *path, GError **error)
{
  GError *local = NULL;
  gboolean ok = ps_document_load_model_file (win->doc, path, &local);
  return shown (win, ok, local, error);
}

gboolean
ps_window_open_weights (PsWindow *win, const char *path, GError **error)
{
  GError *local = NULL;
  gboolean ok = ps_document_load_weights (win->doc, path, &local);
  return shown (win, ok, local, error);
}

gboolean
ps_window_open_example (PsWindow *win, const char *name, GError **error)
{
  g_autofree char *res = g_strdup_printf ("/org/paramscope/ParamScope/models/%s.py", name);
  g_autoptr (GBytes) bytes = g_resources_lookup_data (res, 0, error);
  g_autofree char *text = NULL, *label = NULL;

  if (bytes == NULL)
    return FALSE;
  text = g_strndup (g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
  label = g_strdup_printf ("%s.py", name);
  return ps_document_load_model_text (win->doc, text, label, error);
}

PsRunController *
ps_window_get_controller (PsWindow *win)
{
  return win->controller;
}

GtkWidget *
ps_window_get_inspector_stats (PsWindow *win)
{
  return win->inspector_stats;
}

char *
ps_window_get_inspector_text (PsWindow *win)
{
  if (!gtk_widget_get_visible (win->inspector_stats))
    return g_strdup (gtk_label_get_text (GTK_LABEL (win->inspector_label)));
  return g_strconcat (gtk_label_get_text (GTK_LABEL (win->inspector_label)), "\n\n",
                      ps_ui_live_text_get_text (win->inspector_stats), NULL);
}

gboolean
ps_window_show_panel (PsWindow *win, const char *name)
{
  static const char *const names[] = { "run", "initialize", "edit", "inspect", "train" };
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    if (g_strcmp0 (name, names[i]) == 0)
      {
        gtk_notebook_set_current_page (GTK_NOTEBOOK (win->panels), (int) i);
        return TRUE;
      }
  return FALSE;
}

GtkWidget *
ps_window_get_histogram (PsWindow *win)
{
  return win->histogram;
}

GtkWidget *
ps_window_get_bottom_notebook (PsWindow *win)
{
  return win->bottom;
}

GtkWidget *
ps_window_get_data_view (PsWindow *win)
{
  return win->data_view;
}

GtkWidget *
ps_window_get_grad_view (PsWindow *win)
{
  return win->grad_view;
}

GtkWidget *
ps_window_get_tree_view (PsWindow *win)
{
  return win->tree_view;
}
