/* ps-block-row.h — a row of the block tree
 *
 * A module's or a parameter's name, its kind, its size, the tied badge
 * (the other names of a tied parameter) and the lazy badge, from a template
 * (ps-block-row.ui).  In a narrow tree each label ellipsizes rather than
 * being cut at the tree's edge: the row's box layout gives the short ones
 * their whole text first (it spreads the room by the smallest shortfall),
 * and the row's tooltip says it all.  The block tree's list factory puts
 * one in each row's GtkTreeExpander and binds it to the row's PsTreeNode:
 *
 *   gtk_tree_expander_set_child (expander, ps_block_row_new ());
 *   ps_block_row_bind (PS_BLOCK_ROW (child), node, expander);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-tree-node.h"

G_BEGIN_DECLS

#define PS_TYPE_BLOCK_ROW (ps_block_row_get_type ())
G_DECLARE_FINAL_TYPE (PsBlockRow, ps_block_row, PS, BLOCK_ROW, GtkWidget)

GtkWidget *ps_block_row_new  (void);
/* Show node; what the row says, whole, becomes the accessible label and
 * the tooltip of labelled (the row's expander, which assistive
 * technologies reach). */
void       ps_block_row_bind (PsBlockRow *row, PsTreeNode *node, GtkWidget *labelled);

G_END_DECLS
