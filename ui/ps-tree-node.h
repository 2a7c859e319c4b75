/* ps-tree-node.h — one row of the block tree: a module or a parameter
 *
 * The block tree is a GtkTreeListModel over PsTreeNodes, the lesson's
 * "parameter tree": modules with their children and parameters.  A module
 * used in two places (tied) has a node at each place, with its own key.
 */
#pragma once

#include <gio/gio.h>
#include "paramscope.h"

G_BEGIN_DECLS

#define PS_TYPE_TREE_NODE (ps_tree_node_get_type ())
G_DECLARE_FINAL_TYPE (PsTreeNode, ps_tree_node, PS, TREE_NODE, GObject)

/* The root node of a model (key ""). */
PsTreeNode *ps_tree_node_new_root       (PsModule *model, const char *root_name);

PsModule   *ps_tree_node_get_module     (PsTreeNode *node);   /* the module, or the param's owner */
PsParam    *ps_tree_node_get_param      (PsTreeNode *node);   /* NULL for a module */
const char *ps_tree_node_get_key        (PsTreeNode *node);   /* "0.block 1.0.bias", "" for the root */
const char *ps_tree_node_get_name       (PsTreeNode *node);   /* "block 1", "bias", or the root name */
char       *ps_tree_node_get_index_path (PsTreeNode *node);   /* "net[0][1][0].bias" */
/* "Linear 4→8", "Sequential (4)", "weight" ... */
char       *ps_tree_node_describe       (PsTreeNode *node);
/* "[8, 4] · 32" for a parameter, "1,234 parameters" for a module */
char       *ps_tree_node_describe_size  (PsTreeNode *node);
/* "2.weight = 4.weight" for a tied parameter, else NULL */
char       *ps_tree_node_tied_badge     (PsTreeNode *node);
/* The same seen from the node's own row: its other names, "= 4.weight";
 * NULL when it is not tied */
char       *ps_tree_node_tied_others    (PsTreeNode *node);
gboolean    ps_tree_node_is_uninitialized (PsTreeNode *node);
/* A buffer (running_mean, num_batches_tracked): state, not a learnable parameter. */
gboolean    ps_tree_node_is_buffer      (PsTreeNode *node);
/* Children as a GListModel of PsTreeNode, NULL for a parameter (a leaf). */
GListModel *ps_tree_node_get_children   (PsTreeNode *node);
/* The node of a state_dict key or module path below this one, or NULL. */
PsTreeNode *ps_tree_node_find           (PsTreeNode *root, const char *key);

G_END_DECLS
