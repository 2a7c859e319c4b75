/* ps-diff-page.c — A − B of the selected parameter, computed when shown */
#include "ps-diff-page.h"
#include "ps-diff-source.h"
#include "ps-matrix-view.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <math.h>

struct _PsDiffPage
{
  GtkWidget        parent_instance;

  PsRunController *controller;
  PsDocument      *doc;
  GListStore      *current;       /* one item: the current values */
  GtkFlattenListModel *states;    /* current, then the snapshots */
  PsTreeNode      *node;
  PsParam         *selected;      /* ref, nullable */
  char            *selected_name; /* its named_parameters name */
  PsMatrixSource  *diff;          /* A − B of the selection (a PsDiffSource) */
  gboolean         stale;         /* to compute when the page is shown */

  /* template children */
  GtkWidget *a_dropdown, *b_dropdown, *summary, *view;
};

G_DEFINE_FINAL_TYPE (PsDiffPage, ps_diff_page, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_CONTROLLER, PROP_NODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* The values of the selection in state i (0: current). */
static const PsTensor *
state_values (PsDiffPage *page, guint i)
{
  g_autoptr (PsRunSnapshot) item = NULL;
  PsSnapshot *s;

  if (page->selected == NULL || page->selected_name == NULL)
    return NULL;
  if (i == 0)
    return ps_param_get_data (page->selected);
  item = g_list_model_get_item (G_LIST_MODEL (page->states), i);
  s = item ? ps_run_snapshot_get_snapshot (item) : NULL;
  return s ? ps_snapshot_find (s, page->selected_name) : NULL;
}

static const char *
state_name (PsDiffPage *page, guint i)
{
  g_autoptr (PsRunSnapshot) item = g_list_model_get_item (G_LIST_MODEL (page->states), i);
  return item ? ps_run_snapshot_get_label (item) : "";     /* the list holds it */
}

static void
compute (PsDiffPage *page)
{
  guint a = gtk_drop_down_get_selected (GTK_DROP_DOWN (page->a_dropdown));
  guint b = gtk_drop_down_get_selected (GTK_DROP_DOWN (page->b_dropdown));
  const PsTensor *ta = state_values (page, a), *tb = state_values (page, b);
  g_autoptr (GError) error = NULL;
  g_autofree char *title = NULL, *text = NULL;
  PsStats st;
  const PsTensor *d;
  PsMatrixView *view = PS_MATRIX_VIEW (page->view);

  page->stale = FALSE;
  if (ta == NULL || tb == NULL || a == b)
    {
      ps_matrix_view_set_source (view, NULL);
      gtk_label_set_text (GTK_LABEL (page->summary),
                          page->selected == NULL ? _("Select a parameter in the tree")
                          : a == b ? _("Choose two different states to compare")
                          : _("This parameter is not in the chosen snapshot"));
      return;
    }
  title = g_strdup_printf ("%s: %s − %s", page->selected_name, state_name (page, a),
                           state_name (page, b));
  {
    /* a convolution weight's change as its kernels, as the parameter page shows it */
    PsTileMode mode;
    const char *gates;
    gboolean tiled = page->node != NULL
                     && ps_tile_mode_for_param (ps_tree_node_get_module (page->node),
                                                ps_tree_node_get_name (page->node),
                                                page->selected, FALSE, &mode, &gates);
    ps_diff_source_set_kernels (PS_DIFF_SOURCE (page->diff), tiled && mode == PS_TILE_KERNELS);
  }
  if (!ps_diff_source_update_named (PS_DIFF_SOURCE (page->diff), ta, tb, title,
                                    state_name (page, a), state_name (page, b), &error))
    {
      ps_matrix_view_set_source (view, NULL);
      gtk_label_set_text (GTK_LABEL (page->summary), error->message);
      return;
    }
  ps_matrix_view_set_source (view, page->diff);
  d = ps_diff_source_get_difference (PS_DIFF_SOURCE (page->diff));
  ps_stats_compute (d->data, d->numel, &st);
  text = g_strdup_printf (_("%s   max |Δ| %.4g · mean Δ %.4g · L2 ‖Δ‖ %.4g"), title,
                          MAX (fabs (st.min), fabs (st.max)), st.mean, st.l2);
  gtk_label_set_text (GTK_LABEL (page->summary), text);
}

static void
refresh (PsDiffPage *page)
{
  if (gtk_widget_get_mapped (page->view))
    compute (page);
  else
    page->stale = TRUE;
}

static void
on_view_mapped (PsDiffPage *page)
{
  if (page->stale)
    compute (page);
}

/* The selection as the snapshots name it: its named_parameters name. */
static void
find_selected (PsDiffPage *page)
{
  PsParam *param = page->node ? ps_tree_node_get_param (page->node) : NULL;
  PsModule *model = page->doc ? ps_document_get_model (page->doc) : NULL;
  g_autoptr (GPtrArray) np = param && model ? ps_module_named_parameters (model) : NULL;

  g_clear_pointer (&page->selected, ps_param_unref);
  g_clear_pointer (&page->selected_name, g_free);
  for (guint i = 0; np && i < np->len; i++)
    if (((PsNamedParam *) np->pdata[i])->param == param)
      {
        page->selected = ps_param_ref (param);
        page->selected_name = g_strdup (((PsNamedParam *) np->pdata[i])->name);
        break;
      }
}

void
ps_diff_page_set_node (PsDiffPage *page, PsTreeNode *node)
{
  g_return_if_fail (PS_IS_DIFF_PAGE (page));

  if (g_set_object (&page->node, node))
    g_object_notify_by_pspec (G_OBJECT (page), properties[PROP_NODE]);
  find_selected (page);
  refresh (page);
}

/* A run's first weights: what training changed, from the first step. */
static void
on_snapshots_changed (GListModel *snapshots, guint position, guint removed, guint added,
                      PsDiffPage *page)
{
  for (guint i = position; i < position + added; i++)
    {
      g_autoptr (PsRunSnapshot) item = g_list_model_get_item (snapshots, i);
      if (ps_snapshot_get_step (ps_run_snapshot_get_snapshot (item)) == 0
          && gtk_drop_down_get_selected (GTK_DROP_DOWN (page->a_dropdown)) == 0
          && gtk_drop_down_get_selected (GTK_DROP_DOWN (page->b_dropdown)) == 0)
        gtk_drop_down_set_selected (GTK_DROP_DOWN (page->b_dropdown), i + 1);
    }
}

static void
on_doc_changed (PsDocument *doc, const char *what, PsDiffPage *page)
{
  if (!ps_run_controller_is_running (page->controller))
    refresh (page);
}

void
ps_diff_page_set_controller (PsDiffPage *page, PsRunController *controller)
{
  GListStore *lists;

  g_return_if_fail (PS_IS_DIFF_PAGE (page));
  g_return_if_fail (controller == NULL || PS_IS_RUN_CONTROLLER (controller));

  if (page->controller == controller)
    return;
  if (page->controller)
    {
      g_signal_handlers_disconnect_by_data (page->controller, page);
      g_signal_handlers_disconnect_by_data (ps_run_controller_get_snapshots (page->controller), page);
    }
  if (page->doc)
    g_signal_handlers_disconnect_by_data (page->doc, page);
  g_set_object (&page->controller, controller);
  g_set_object (&page->doc, (controller ? ps_run_controller_get_document (controller) : NULL));

  lists = g_list_store_new (G_TYPE_LIST_MODEL);
  g_list_store_append (lists, page->current);
  if (controller)
    g_list_store_append (lists, ps_run_controller_get_snapshots (controller));
  gtk_flatten_list_model_set_model (page->states, G_LIST_MODEL (lists));
  g_object_unref (lists);
  if (controller)
    {
      g_signal_connect_swapped (controller, "synced", G_CALLBACK (refresh), page);
      g_signal_connect_swapped (controller, "notify::running", G_CALLBACK (refresh), page);
      g_signal_connect (ps_run_controller_get_snapshots (controller), "items-changed",
                        G_CALLBACK (on_snapshots_changed), page);
      g_signal_connect (page->doc, "changed", G_CALLBACK (on_doc_changed), page);
    }
  find_selected (page);
  refresh (page);
  g_object_notify_by_pspec (G_OBJECT (page), properties[PROP_CONTROLLER]);
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ps_diff_page_set_property (GObject *object, guint id, const GValue *value, GParamSpec *pspec)
{
  PsDiffPage *page = PS_DIFF_PAGE (object);

  switch (id)
    {
    case PROP_CONTROLLER:
      ps_diff_page_set_controller (page, g_value_get_object (value));
      break;
    case PROP_NODE:
      ps_diff_page_set_node (page, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_diff_page_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsDiffPage *page = PS_DIFF_PAGE (object);

  switch (id)
    {
    case PROP_CONTROLLER:
      g_value_set_object (value, page->controller);
      break;
    case PROP_NODE:
      g_value_set_object (value, page->node);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_diff_page_dispose (GObject *object)
{
  PsDiffPage *page = PS_DIFF_PAGE (object);

  ps_diff_page_set_controller (page, NULL);
  g_clear_object (&page->node);
  ps_ui_dispose_template (GTK_WIDGET (page), PS_TYPE_DIFF_PAGE);
  G_OBJECT_CLASS (ps_diff_page_parent_class)->dispose (object);
}

static void
ps_diff_page_finalize (GObject *object)
{
  PsDiffPage *page = PS_DIFF_PAGE (object);

  g_clear_object (&page->states);
  g_clear_object (&page->current);
  g_clear_object (&page->diff);
  g_clear_pointer (&page->selected, ps_param_unref);
  g_free (page->selected_name);
  G_OBJECT_CLASS (ps_diff_page_parent_class)->finalize (object);
}

static void
ps_diff_page_class_init (PsDiffPageClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);
  const GParamFlags flags = G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS;

  object_class->set_property = ps_diff_page_set_property;
  object_class->get_property = ps_diff_page_get_property;
  object_class->dispose = ps_diff_page_dispose;
  object_class->finalize = ps_diff_page_finalize;
  properties[PROP_CONTROLLER] = g_param_spec_object ("controller", NULL, NULL,
                                                     PS_TYPE_RUN_CONTROLLER, flags);
  properties[PROP_NODE] = g_param_spec_object ("node", NULL, NULL, PS_TYPE_TREE_NODE, flags);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  g_type_ensure (PS_TYPE_MATRIX_VIEW);
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-diff-page.ui");
  gtk_widget_class_bind_template_child (widget_class, PsDiffPage, a_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsDiffPage, b_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsDiffPage, summary);
  gtk_widget_class_bind_template_child (widget_class, PsDiffPage, view);
}

static void
ps_diff_page_init (PsDiffPage *page)
{
  g_autoptr (PsRunSnapshot) current = ps_run_snapshot_new (NULL, _("current"));
  GtkExpression *label = gtk_property_expression_new (PS_TYPE_RUN_SNAPSHOT, NULL, "label");

  gtk_widget_init_template (GTK_WIDGET (page));

  page->diff = ps_diff_source_new ();
  page->current = g_list_store_new (PS_TYPE_RUN_SNAPSHOT);
  g_list_store_append (page->current, current);
  page->states = gtk_flatten_list_model_new (NULL);
  gtk_drop_down_set_expression (GTK_DROP_DOWN (page->a_dropdown), label);
  gtk_drop_down_set_expression (GTK_DROP_DOWN (page->b_dropdown), label);
  gtk_expression_unref (label);
  gtk_drop_down_set_model (GTK_DROP_DOWN (page->a_dropdown), G_LIST_MODEL (page->states));
  gtk_drop_down_set_model (GTK_DROP_DOWN (page->b_dropdown), G_LIST_MODEL (page->states));
  g_signal_connect_swapped (page->a_dropdown, "notify::selected", G_CALLBACK (refresh), page);
  g_signal_connect_swapped (page->b_dropdown, "notify::selected", G_CALLBACK (refresh), page);
  g_signal_connect_swapped (page->view, "map", G_CALLBACK (on_view_mapped), page);
}

GtkWidget *
ps_diff_page_new (PsRunController *controller)
{
  return g_object_new (PS_TYPE_DIFF_PAGE, "controller", controller, NULL);
}
