/* ps-checkpoint-item.c — one row of a checkpoint's tree */
#include "ps-checkpoint-item.h"

#include <glib/gi18n.h>

struct _PsCheckpointItem
{
  GObject                 parent_instance;
  PsCheckpoint           *ck;         /* ref: keeps the node alive */
  const PsCheckpointNode *node;
  GListModel             *children;   /* made on first use */
};

G_DEFINE_FINAL_TYPE (PsCheckpointItem, ps_checkpoint_item, G_TYPE_OBJECT)

static void
ps_checkpoint_item_finalize (GObject *object)
{
  PsCheckpointItem *item = PS_CHECKPOINT_ITEM (object);

  g_clear_object (&item->children);
  g_clear_pointer (&item->ck, ps_checkpoint_unref);
  G_OBJECT_CLASS (ps_checkpoint_item_parent_class)->finalize (object);
}

static void
ps_checkpoint_item_class_init (PsCheckpointItemClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_checkpoint_item_finalize;
}

static void
ps_checkpoint_item_init (PsCheckpointItem *item)
{
}

GListModel *
ps_checkpoint_item_list_children (PsCheckpoint *ck, const PsCheckpointNode *node)
{
  GListStore *store;
  g_autofree gpointer *items = NULL;

  g_return_val_if_fail (ck != NULL && node != NULL, NULL);

  store = g_list_store_new (PS_TYPE_CHECKPOINT_ITEM);
  items = g_new (gpointer, MAX (node->n_children, 1));
  for (guint i = 0; i < node->n_children; i++)
    {
      PsCheckpointItem *item = g_object_new (PS_TYPE_CHECKPOINT_ITEM, NULL);
      item->ck = ps_checkpoint_ref (ck);
      item->node = node->children[i];
      items[i] = item;
    }
  /* one splice: one items-changed for the whole level */
  g_list_store_splice (store, 0, 0, items, node->n_children);
  for (guint i = 0; i < node->n_children; i++)
    g_object_unref (items[i]);
  return G_LIST_MODEL (store);
}

const PsCheckpointNode *
ps_checkpoint_item_get_node (PsCheckpointItem *item)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_ITEM (item), NULL);
  return item->node;
}

PsCheckpoint *
ps_checkpoint_item_get_checkpoint (PsCheckpointItem *item)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_ITEM (item), NULL);
  return item->ck;
}

GListModel *
ps_checkpoint_item_get_children (PsCheckpointItem *item)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_ITEM (item), NULL);

  if (item->node->n_children == 0)
    return NULL;
  if (item->children == NULL)
    item->children = ps_checkpoint_item_list_children (item->ck, item->node);
  return item->children;
}

char *
ps_checkpoint_item_describe_shape (PsCheckpointItem *item)
{
  const PsCheckpointNode *n;

  g_return_val_if_fail (PS_IS_CHECKPOINT_ITEM (item), NULL);
  n = item->node;
  if (n->entry != NULL)
    return ps_shape_to_string (n->entry->ndim, n->entry->shape);
  if (n->n_tensors == 0 && n->n_aliases > 0)
    return g_strdup_printf (g_dngettext (NULL, "%u alias", "%u aliases", n->n_aliases),
                            n->n_aliases);
  return g_strdup_printf (g_dngettext (NULL, "%u tensor", "%u tensors", n->n_tensors),
                          n->n_tensors);
}

char *
ps_checkpoint_item_describe_size (PsCheckpointItem *item)
{
  const PsCheckpointNode *n;

  g_return_val_if_fail (PS_IS_CHECKPOINT_ITEM (item), NULL);
  n = item->node;
  if (n->alias_of != NULL || (n->n_tensors == 0 && n->n_aliases > 0))
    return g_strdup ("");                /* stored under its other name */
  return g_format_size (n->bytes);
}
