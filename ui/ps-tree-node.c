/* ps-tree-node.c — one row of the block tree */
#include "ps-tree-node.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <string.h>

struct _PsTreeNode
{
  GObject     parent_instance;
  PsModule   *root;        /* ref: aliases are named from the root */
  PsModule   *module;      /* ref */
  PsParam    *param;       /* ref, NULL for a module node */
  gboolean    is_buffer;   /* param is a buffer (running_mean...): shown read-only */
  char       *key;
  char       *name;
  char       *root_name;
  GListStore *children;    /* built on first use */
};

G_DEFINE_FINAL_TYPE (PsTreeNode, ps_tree_node, G_TYPE_OBJECT)

static void
ps_tree_node_finalize (GObject *object)
{
  PsTreeNode *n = PS_TREE_NODE (object);

  g_clear_object (&n->children);
  g_clear_pointer (&n->param, ps_param_unref);
  g_clear_pointer (&n->module, ps_module_unref);
  g_clear_pointer (&n->root, ps_module_unref);
  g_free (n->key);
  g_free (n->name);
  g_free (n->root_name);
  G_OBJECT_CLASS (ps_tree_node_parent_class)->finalize (object);
}

static void
ps_tree_node_class_init (PsTreeNodeClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_tree_node_finalize;
}

static void
ps_tree_node_init (PsTreeNode *n)
{
}

static PsTreeNode *
node_new (PsModule *root, const char *root_name, PsModule *module, PsParam *param,
          const char *key, const char *name)
{
  PsTreeNode *n = g_object_new (PS_TYPE_TREE_NODE, NULL);
  n->root = ps_module_ref (root);
  n->root_name = g_strdup (root_name);
  n->module = ps_module_ref (module);
  n->param = param ? ps_param_ref (param) : NULL;
  n->key = g_strdup (key);
  n->name = g_strdup (name);
  return n;
}

PsTreeNode *
ps_tree_node_new_root (PsModule *model, const char *root_name)
{
  return node_new (model, root_name, model, NULL, "", root_name);
}

PsModule *
ps_tree_node_get_module (PsTreeNode *n)
{
  return n->module;
}

PsParam *
ps_tree_node_get_param (PsTreeNode *n)
{
  return n->param;
}

const char *
ps_tree_node_get_key (PsTreeNode *n)
{
  return n->key;
}

const char *
ps_tree_node_get_name (PsTreeNode *n)
{
  return n->name;
}

char *
ps_tree_node_get_index_path (PsTreeNode *n)
{
  if (*n->key == '\0')
    return g_strdup (n->root_name);
  if (n->param)
    return ps_module_key_to_index_path (n->root, n->key, n->root_name);
  return ps_module_path_to_index_path (n->root, n->key, n->root_name);
}

char *
ps_tree_node_describe (PsTreeNode *n)
{
  PsModule *m = n->module;

  if (n->param)
    {
      /* a Keras variable: its path, as Keras prints it (sequential/dense_1/kernel) */
      char *path = ps_module_keras_path (m, n->name);
      return path ? path : g_strdup (n->name);
    }
  switch (ps_module_get_kind (m))
    {
    case PS_MODULE_SEQUENTIAL:
      return g_strdup_printf ("Sequential (%u)", ps_module_get_n_children (m));
    case PS_MODULE_LINEAR:
      if (ps_module_is_lazy (m))
        return g_strdup_printf ("LazyLinear ?→%" G_GINT64_FORMAT, ps_module_get_out_features (m));
      return g_strdup_printf ("Linear %" G_GINT64_FORMAT "→%" G_GINT64_FORMAT "%s",
                              ps_module_get_in_features (m), ps_module_get_out_features (m),
                              ps_module_has_bias (m) ? "" : _(" (no bias)"));
    default:
      if (!ps_module_get_params_known (m))
        return g_strdup_printf (_("%s · no known parameters"), ps_module_get_type_name (m));
      return g_strdup (ps_module_get_type_name (m));
    }
}

char *
ps_tree_node_describe_size (PsTreeNode *n)
{
  if (n->param)
    {
      int64_t dims[PS_TENSOR_MAX_DIMS];
      int ndim = ps_param_get_shape (n->param, dims);   /* a meta parameter stays unallocated */
      g_autofree char *shape = NULL;
      if (ndim < 0)
        return g_strdup (_("uninitialized"));
      shape = ps_shape_to_string (ndim, dims);
      if (ps_param_get_dtype (n->param) != PS_DTYPE_F32)
        return g_strdup_printf ("%s · %" G_GINT64_FORMAT " · %s", shape,
                                ps_param_get_numel (n->param),
                                ps_dtype_name (ps_param_get_dtype (n->param)));
      return g_strdup_printf ("%s · %" G_GINT64_FORMAT, shape, ps_param_get_numel (n->param));
    }
  else
    {
      guint lazy;
      int64_t count = ps_module_count_params (n->module, &lazy);
      if (count == 0 && lazy == 0)
        return g_strdup ("");
      return g_strdup_printf (g_dngettext (NULL, "%'" PRId64 " parameter",
                                           "%'" PRId64 " parameters", count), count);
    }
}

/* The names of n's parameter when it has more than one (tied weights), else NULL. */
static GPtrArray *
tied_aliases (PsTreeNode *n)
{
  GPtrArray *aliases;

  if (n->param == NULL)
    return NULL;
  aliases = ps_module_param_aliases (n->root, n->param);
  if (aliases->len < 2)
    g_clear_pointer (&aliases, g_ptr_array_unref);
  return aliases;
}

char *
ps_tree_node_tied_badge (PsTreeNode *n)
{
  g_autoptr (GPtrArray) aliases = tied_aliases (n);
  GString *s;

  if (aliases == NULL)
    return NULL;
  s = g_string_new (NULL);
  for (guint i = 0; i < aliases->len; i++)
    g_string_append_printf (s, "%s%s", i ? " = " : "", (char *) aliases->pdata[i]);
  return g_string_free (s, FALSE);
}

char *
ps_tree_node_tied_others (PsTreeNode *n)
{
  g_autoptr (GPtrArray) aliases = tied_aliases (n);
  GString *s;

  if (aliases == NULL)
    return NULL;
  s = g_string_new (NULL);
  for (guint i = 0; i < aliases->len; i++)
    if (g_strcmp0 (aliases->pdata[i], ps_tree_node_get_key (n)) != 0)
      g_string_append_printf (s, "%s= %s", s->len ? " " : "", (char *) aliases->pdata[i]);
  return g_string_free (s, FALSE);
}

gboolean
ps_tree_node_is_buffer (PsTreeNode *n)
{
  return n->is_buffer;
}

gboolean
ps_tree_node_is_uninitialized (PsTreeNode *n)
{
  if (n->param)
    return !ps_param_is_initialized (n->param);
  return ps_module_is_lazy (n->module);
}

static char *
join_key (const char *prefix, const char *name)
{
  return *prefix ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
}

GListModel *
ps_tree_node_get_children (PsTreeNode *n)
{
  if (n->param)
    return NULL;
  if (n->children == NULL)
    {
      PsModule *m = n->module;
      n->children = g_list_store_new (PS_TYPE_TREE_NODE);
      for (guint i = 0; i < ps_module_get_n_params (m); i++)
        {
          g_autofree char *key = join_key (n->key, ps_module_get_param_name (m, i));
          g_autoptr (PsTreeNode) c = node_new (n->root, n->root_name, m, ps_module_get_param (m, i),
                                               key, ps_module_get_param_name (m, i));
          g_list_store_append (n->children, c);
        }
      for (guint i = 0; i < ps_module_get_n_buffers (m); i++)
        {
          g_autofree char *key = NULL;
          g_autoptr (PsTreeNode) c = NULL;
          if (!ps_module_get_buffer_persistent (m, i))
            continue;                             /* not in the state_dict: no key */
          key = join_key (n->key, ps_module_get_buffer_name (m, i));
          c = node_new (n->root, n->root_name, m, ps_module_get_buffer (m, i), key,
                        ps_module_get_buffer_name (m, i));
          c->is_buffer = TRUE;
          g_list_store_append (n->children, c);
        }
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        {
          g_autofree char *key = join_key (n->key, ps_module_get_child_name (m, i));
          g_autoptr (PsTreeNode) c = node_new (n->root, n->root_name, ps_module_get_child (m, i),
                                               NULL, key, ps_module_get_child_name (m, i));
          g_list_store_append (n->children, c);
        }
    }
  return G_LIST_MODEL (n->children);
}

PsTreeNode *
ps_tree_node_find (PsTreeNode *root, const char *key)
{
  GListModel *kids;

  if (strcmp (root->key, key) == 0)
    return root;
  kids = ps_tree_node_get_children (root);
  if (kids == NULL)
    return NULL;
  for (guint i = 0; i < g_list_model_get_n_items (kids); i++)
    {
      g_autoptr (PsTreeNode) c = g_list_model_get_item (kids, i);
      size_t len = strlen (c->key);
      if (strcmp (c->key, key) == 0)
        return c;
      if (strncmp (key, c->key, len) == 0 && key[len] == '.')
        return ps_tree_node_find (c, key);
    }
  return NULL;
}
