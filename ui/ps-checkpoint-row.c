/* ps-checkpoint-row.c — a row of the checkpoint window's tree (see ps-checkpoint-row.h) */
#include "ps-checkpoint-row.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

struct _PsCheckpointRow
{
  GtkWidget  parent_instance;

  GtkWidget *name, *badge, *dtype, *shape, *size;
};

G_DEFINE_FINAL_TYPE (PsCheckpointRow, ps_checkpoint_row, GTK_TYPE_WIDGET)

void
ps_checkpoint_row_bind (PsCheckpointRow *row, PsCheckpointItem *item, GtkWidget *labelled)
{
  const PsCheckpointNode *n = ps_checkpoint_item_get_node (item);
  g_autofree char *shape_s = ps_checkpoint_item_describe_shape (item);
  g_autofree char *size_s = ps_checkpoint_item_describe_size (item);
  g_autofree char *badge_s = NULL, *badge_tip = NULL, *a11y = NULL;

  gtk_label_set_text (GTK_LABEL (row->name), *n->name ? n->name : "\u2205");
  if (n->alias_of)
    {
      /* TRANSLATORS: a badge: this name is an alias (__metadata__) of a stored tensor */
      badge_s = g_strdup (C_("badge", "alias"));
      badge_tip = g_strdup_printf (_("same tensor as %s"), n->alias_of);
    }
  else if (n->aliases)
    {
      g_autofree char *names = g_strjoinv (", ", (char **) n->aliases);
      /* TRANSLATORS: a badge: this tensor also has other names (tied weights) */
      badge_s = g_strdup (C_("badge", "tied"));
      badge_tip = g_strdup_printf (_("also %s"), names);
    }
  gtk_label_set_text (GTK_LABEL (row->badge), badge_s ? badge_s : "");
  gtk_widget_set_tooltip_text (row->badge, badge_tip);
  gtk_widget_set_visible (row->badge, badge_s != NULL);
  gtk_label_set_text (GTK_LABEL (row->dtype), n->dtype_name ? n->dtype_name : "");
  gtk_label_set_text (GTK_LABEL (row->shape), shape_s);
  if (n->entry == NULL)
    gtk_widget_add_css_class (row->shape, "dim-label");
  else
    gtk_widget_remove_css_class (row->shape, "dim-label");
  gtk_label_set_text (GTK_LABEL (row->size), size_s);
  gtk_widget_set_tooltip_text (row->name, n->key);
  a11y = g_strdup_printf ("%s, %s, %s, %s%s%s", n->key, n->dtype_name ? n->dtype_name : "",
                          shape_s, size_s, badge_tip ? ", " : "", badge_tip ? badge_tip : "");
  gtk_accessible_update_property (GTK_ACCESSIBLE (labelled), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y,
                                  -1);
}

static void
ps_checkpoint_row_dispose (GObject *object)
{
  ps_ui_dispose_template (GTK_WIDGET (object), PS_TYPE_CHECKPOINT_ROW);
  G_OBJECT_CLASS (ps_checkpoint_row_parent_class)->dispose (object);
}

static void
ps_checkpoint_row_class_init (PsCheckpointRowClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_checkpoint_row_dispose;
  gtk_widget_class_set_template_from_resource (wc, "/org/paramscope/ParamScope/ps-checkpoint-row.ui");
  gtk_widget_class_bind_template_child (wc, PsCheckpointRow, name);
  gtk_widget_class_bind_template_child (wc, PsCheckpointRow, badge);
  gtk_widget_class_bind_template_child (wc, PsCheckpointRow, dtype);
  gtk_widget_class_bind_template_child (wc, PsCheckpointRow, shape);
  gtk_widget_class_bind_template_child (wc, PsCheckpointRow, size);
}

static void
ps_checkpoint_row_init (PsCheckpointRow *row)
{
  gtk_widget_init_template (GTK_WIDGET (row));
}

GtkWidget *
ps_checkpoint_row_new (void)
{
  return g_object_new (PS_TYPE_CHECKPOINT_ROW, NULL);
}
