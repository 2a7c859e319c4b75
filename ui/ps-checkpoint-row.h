/* ps-checkpoint-row.h — a row of the checkpoint window's tree
 *
 * A tensor's (or a group's) name, its badge (an alias of a stored tensor,
 * or a tensor with other names), dtype, shape and size, from a template
 * (ps-checkpoint-row.ui).  The window's list factory puts one in each
 * row's GtkTreeExpander and binds it to the row's PsCheckpointItem:
 *
 *   gtk_tree_expander_set_child (expander, ps_checkpoint_row_new ());
 *   ps_checkpoint_row_bind (PS_CHECKPOINT_ROW (child), item, expander);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-checkpoint-item.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_ROW (ps_checkpoint_row_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointRow, ps_checkpoint_row, PS, CHECKPOINT_ROW, GtkWidget)

GtkWidget *ps_checkpoint_row_new  (void);
/* Show item; what the row says, whole, becomes the accessible label of
 * labelled (the row's expander, which assistive technologies reach). */
void       ps_checkpoint_row_bind (PsCheckpointRow *row, PsCheckpointItem *item,
                                   GtkWidget *labelled);

G_END_DECLS
