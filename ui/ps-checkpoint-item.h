/* ps-checkpoint-item.h — one row of a checkpoint's tree (a group or a tensor)
 *
 * The checkpoint window's tree is a GtkTreeListModel over PsCheckpointItems,
 * each wrapping a PsCheckpointNode; children are made when a row is first
 * expanded, so opening a file with thousands of tensors builds a few rows.
 */
#pragma once

#include <gio/gio.h>
#include "ps-checkpoint.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_ITEM (ps_checkpoint_item_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointItem, ps_checkpoint_item, PS, CHECKPOINT_ITEM, GObject)

/* The items of node's children (node from ck, which the items keep alive). */
GListModel             *ps_checkpoint_item_list_children (PsCheckpoint *ck,
                                                          const PsCheckpointNode *node);

const PsCheckpointNode *ps_checkpoint_item_get_node     (PsCheckpointItem *item);
PsCheckpoint           *ps_checkpoint_item_get_checkpoint (PsCheckpointItem *item);
/* The children as PsCheckpointItems (made on first use); NULL for a leaf. */
GListModel             *ps_checkpoint_item_get_children (PsCheckpointItem *item);

/* What the row shows, as text: "[4096, 11008]", "32 tensors" (or "1 alias"
 * for a group of aliases only); "90.2 MB" ("" for aliases). Free with g_free. */
char                   *ps_checkpoint_item_describe_shape (PsCheckpointItem *item);
char                   *ps_checkpoint_item_describe_size  (PsCheckpointItem *item);

G_END_DECLS
