/* ps-block-row.c — a row of the block tree (see ps-block-row.h) */
#include "ps-block-row.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsBlockRow
{
  GtkWidget  parent_instance;

  GtkWidget *name, *kind, *size, *tied, *lazy;
};

G_DEFINE_FINAL_TYPE (PsBlockRow, ps_block_row, GTK_TYPE_WIDGET)

void
ps_block_row_bind (PsBlockRow *row, PsTreeNode *node, GtkWidget *labelled)
{
  g_autofree char *desc = ps_tree_node_describe (node);
  g_autofree char *sz = ps_tree_node_describe_size (node);
  g_autofree char *badge = ps_tree_node_tied_others (node);
  g_autofree char *label = NULL;
  g_autoptr (GString) a11y = NULL;
  const char *nm = ps_tree_node_get_name (node);

  if (ps_tree_node_get_param (node))
    label = g_strdup (nm);
  else
    label = *ps_tree_node_get_key (node) ? g_strdup_printf ("(%s)", nm) : g_strdup (nm);
  gtk_label_set_text (GTK_LABEL (row->name), label);
  /* the name goes short last: up to 10 characters of it are always shown */
  gtk_label_set_width_chars (GTK_LABEL (row->name), MIN ((int) g_utf8_strlen (label, -1), 10));
  if (ps_tree_node_is_buffer (node))
    gtk_label_set_text (GTK_LABEL (row->kind), _("buffer, read-only"));
  else
    gtk_label_set_text (GTK_LABEL (row->kind), !ps_tree_node_get_param (node) || strcmp (desc, nm) != 0
                                               ? desc : "");   /* a Keras variable: its path */
  gtk_label_set_text (GTK_LABEL (row->size), sz);
  gtk_label_set_text (GTK_LABEL (row->tied), badge ? badge : "");
  /* the badge is what the lesson is about: its first 14 characters are
   * always shown ("= 4.weight" whole), the kind and the size go short first */
  gtk_label_set_width_chars (GTK_LABEL (row->tied), badge ? MIN ((int) g_utf8_strlen (badge, -1), 14) : 1);
  gtk_widget_set_visible (row->tied, badge != NULL);
  gtk_widget_set_visible (row->lazy, ps_tree_node_is_uninitialized (node));
  gtk_widget_set_visible (row->kind, *gtk_label_get_text (GTK_LABEL (row->kind)) != '\0');
  /* what the row says, whole: its accessible name, and its tooltip where a
   * narrow tree ellipsizes it */
  a11y = g_string_new (NULL);
  for (GtkWidget *l = row->name; l; l = gtk_widget_get_next_sibling (l))
    if (gtk_widget_get_visible (l) && *gtk_label_get_text (GTK_LABEL (l)))
      g_string_append_printf (a11y, "%s%s", a11y->len ? "  " : "", gtk_label_get_text (GTK_LABEL (l)));
  gtk_accessible_update_property (GTK_ACCESSIBLE (labelled), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y->str, -1);
  gtk_widget_set_tooltip_text (labelled, a11y->str);
}

static void
ps_block_row_dispose (GObject *object)
{
  ps_ui_dispose_template (GTK_WIDGET (object), PS_TYPE_BLOCK_ROW);
  G_OBJECT_CLASS (ps_block_row_parent_class)->dispose (object);
}

static void
ps_block_row_class_init (PsBlockRowClass *klass)
{
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_block_row_dispose;
  gtk_widget_class_set_template_from_resource (wc, "/org/paramscope/ParamScope/ps-block-row.ui");
  gtk_widget_class_bind_template_child (wc, PsBlockRow, name);
  gtk_widget_class_bind_template_child (wc, PsBlockRow, kind);
  gtk_widget_class_bind_template_child (wc, PsBlockRow, size);
  gtk_widget_class_bind_template_child (wc, PsBlockRow, tied);
  gtk_widget_class_bind_template_child (wc, PsBlockRow, lazy);
}

static void
ps_block_row_init (PsBlockRow *row)
{
  gtk_widget_init_template (GTK_WIDGET (row));
}

GtkWidget *
ps_block_row_new (void)
{
  return g_object_new (PS_TYPE_BLOCK_ROW, NULL);
}
