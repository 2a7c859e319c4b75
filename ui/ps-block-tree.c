/* ps-block-tree.c — the tree's model, its rows and its selection */
#include "ps-block-tree.h"
#include "ps-block-row.h"
#include "ps-ui-util.h"

#include <string.h>

struct _PsBlockTree
{
  GtkWidget           parent_instance;

  PsTreeNode         *root;
  GtkTreeListModel   *rows;       /* held by the selection */
  PsTreeNode         *selected;   /* a reference */

  /* template children */
  GtkWidget          *list;
  GtkSingleSelection *selection;
};

G_DEFINE_FINAL_TYPE (PsBlockTree, ps_block_tree, GTK_TYPE_WIDGET)

enum { PROP_0, PROP_SELECTED_NODE, N_PROPS };
static GParamSpec *properties[N_PROPS];

/* ---- rows ---------------------------------------------------------------------- */

static GListModel *
create_children (gpointer item, gpointer user_data)
{
  GListModel *kids = ps_tree_node_get_children (PS_TREE_NODE (item));
  return kids && g_list_model_get_n_items (kids) > 0 ? g_object_ref (kids) : NULL;
}

/* An expander holding a PsBlockRow (ps-block-row.h). */
static void
setup_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  ps_ui_tree_row_setup (item, ps_block_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  g_autoptr (PsTreeNode) node = NULL;
  GtkWidget *expander;
  GtkWidget *row = ps_ui_tree_row_bind (item, &expander, (gpointer *) &node);

  ps_block_row_bind (PS_BLOCK_ROW (row), node, expander);
}

/* ---- selection ------------------------------------------------------------------ */

static void
on_selection_changed (PsBlockTree *tree)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (tree->selection);
  g_autoptr (PsTreeNode) node = row ? gtk_tree_list_row_get_item (row) : NULL;   /* a new reference */

  if (g_set_object (&tree->selected, node))
    g_object_notify_by_pspec (G_OBJECT (tree), properties[PROP_SELECTED_NODE]);
}

gboolean
ps_block_tree_select_key (PsBlockTree *tree, const char *key)
{
  guint n;

  g_return_val_if_fail (PS_IS_BLOCK_TREE (tree), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (tree->rows == NULL)
    return FALSE;
  /* expand along the way: walk rows, expanding prefixes of key */
  n = g_list_model_get_n_items (G_LIST_MODEL (tree->rows));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (tree->rows, i);
      g_autoptr (PsTreeNode) node = gtk_tree_list_row_get_item (row);
      const char *k = ps_tree_node_get_key (node);
      size_t len = strlen (k);
      if (strcmp (k, key) == 0)
        {
          gtk_single_selection_set_selected (tree->selection, i);
          return TRUE;
        }
      if (len == 0 || (strncmp (key, k, len) == 0 && key[len] == '.'))
        {
          gtk_tree_list_row_set_expanded (row, TRUE);
          n = g_list_model_get_n_items (G_LIST_MODEL (tree->rows));
        }
    }
  return FALSE;
}

PsTreeNode *
ps_block_tree_get_selected_node (PsBlockTree *tree)
{
  g_return_val_if_fail (PS_IS_BLOCK_TREE (tree), NULL);
  return tree->selected;
}

GListModel *
ps_block_tree_get_rows (PsBlockTree *tree)
{
  g_return_val_if_fail (PS_IS_BLOCK_TREE (tree), NULL);
  return G_LIST_MODEL (tree->rows);
}

void
ps_block_tree_set_model (PsBlockTree *tree, PsModule *model, const char *root_name)
{
  g_autoptr (GListStore) roots = g_list_store_new (PS_TYPE_TREE_NODE);

  g_return_if_fail (PS_IS_BLOCK_TREE (tree));

  g_clear_object (&tree->root);
  if (model)
    {
      tree->root = ps_tree_node_new_root (model, root_name);
      g_list_store_append (roots, tree->root);
    }
  tree->rows = gtk_tree_list_model_new (G_LIST_MODEL (g_steal_pointer (&roots)), FALSE, FALSE,
                                        create_children, NULL, NULL);
  gtk_single_selection_set_model (tree->selection, G_LIST_MODEL (tree->rows));
  g_object_unref (tree->rows);    /* the selection holds it */
  if (model)
    {
      /* the root open, as the lesson prints it */
      g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (tree->rows, 0);
      gtk_tree_list_row_set_expanded (row, TRUE);
      gtk_single_selection_set_selected (tree->selection, 0);
    }
}

/* ---- GObject ------------------------------------------------------------------- */

static void
ps_block_tree_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_SELECTED_NODE)
    g_value_set_object (value, PS_BLOCK_TREE (object)->selected);
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_block_tree_dispose (GObject *object)
{
  PsBlockTree *tree = PS_BLOCK_TREE (object);

  if (tree->selection)
    g_signal_handlers_disconnect_by_data (tree->selection, tree);
  g_clear_object (&tree->selected);
  g_clear_object (&tree->root);
  tree->rows = NULL;
  ps_ui_dispose_template (GTK_WIDGET (tree), PS_TYPE_BLOCK_TREE);
  G_OBJECT_CLASS (ps_block_tree_parent_class)->dispose (object);
}

static void
ps_block_tree_class_init (PsBlockTreeClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  object_class->get_property = ps_block_tree_get_property;
  object_class->dispose = ps_block_tree_dispose;
  properties[PROP_SELECTED_NODE] = g_param_spec_object ("selected-node", NULL, NULL,
                                                        PS_TYPE_TREE_NODE,
                                                        G_PARAM_READABLE | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-block-tree.ui");
  gtk_widget_class_bind_template_child (widget_class, PsBlockTree, list);
  gtk_widget_class_bind_template_child (widget_class, PsBlockTree, selection);
  gtk_widget_class_bind_template_callback (widget_class, on_selection_changed);
  gtk_widget_class_bind_template_callback (widget_class, setup_row);
  gtk_widget_class_bind_template_callback (widget_class, bind_row);
}

static void
ps_block_tree_init (PsBlockTree *tree)
{
  gtk_widget_init_template (GTK_WIDGET (tree));
}

GtkWidget *
ps_block_tree_new (void)
{
  return g_object_new (PS_TYPE_BLOCK_TREE, NULL);
}
