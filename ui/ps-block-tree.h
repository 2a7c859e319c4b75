/* ps-block-tree.h — the block tree: a network's modules and parameters
 *
 * A GtkListView over a GtkTreeListModel of PsTreeNodes (ps-tree-node.h):
 * each row names a module ("(0)  Linear 4→8  40 parameters") or a
 * parameter ("weight  [8, 4] · 32"), with a badge naming the aliases of a
 * tied parameter ("2.weight = 4.weight") and one on an uninitialized lazy
 * parameter.  The root starts expanded and selected.  The selected row is
 * the "selected-node" property.  Built from ps-block-tree.ui; template
 * children "list" (the GtkListView) and "selection".
 *
 *   GtkWidget *tree = ps_block_tree_new ();
 *   ps_block_tree_set_model (PS_BLOCK_TREE (tree), model, "net");
 *   ps_block_tree_select_key (PS_BLOCK_TREE (tree), "0.weight");
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-tree-node.h"

G_BEGIN_DECLS

#define PS_TYPE_BLOCK_TREE (ps_block_tree_get_type ())
G_DECLARE_FINAL_TYPE (PsBlockTree, ps_block_tree, PS, BLOCK_TREE, GtkWidget)

GtkWidget  *ps_block_tree_new               (void);
/* Show model (NULL: nothing) under root_name, anew: its root expanded and
 * selected. */
void        ps_block_tree_set_model         (PsBlockTree *tree, PsModule *model,
                                             const char *root_name);
/* Select a state_dict key or module path ("" = the root), expanding the
 * rows on the way; FALSE (and the selection unchanged) if there is none. */
gboolean    ps_block_tree_select_key        (PsBlockTree *tree, const char *key);
PsTreeNode *ps_block_tree_get_selected_node (PsBlockTree *tree);   /* borrowed, nullable */
/* The visible rows: a GListModel of GtkTreeListRow. */
GListModel *ps_block_tree_get_rows          (PsBlockTree *tree);

G_END_DECLS
