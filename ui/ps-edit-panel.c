/* ps-edit-panel.c — the value field of the Edit panel */
#include "ps-edit-panel.h"
#include "ps-matrix-view.h"
#include "ps-ui-util.h"

struct _PsEditPanel
{
  GtkWidget  parent_instance;
  GtkWidget *value_entry;       /* template child */
};

G_DEFINE_FINAL_TYPE (PsEditPanel, ps_edit_panel, GTK_TYPE_WIDGET)

gboolean
ps_edit_panel_get_value (PsEditPanel *p, float *value)
{
  g_return_val_if_fail (PS_IS_EDIT_PANEL (p), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);

  if (!ps_matrix_view_parse_value (gtk_editable_get_text (GTK_EDITABLE (p->value_entry)), value))
    {
      gtk_widget_add_css_class (p->value_entry, "error");
      return FALSE;
    }
  gtk_widget_remove_css_class (p->value_entry, "error");
  return TRUE;
}

static void
ps_edit_panel_dispose (GObject *object)
{
  ps_ui_dispose_template (GTK_WIDGET (object), PS_TYPE_EDIT_PANEL);
  G_OBJECT_CLASS (ps_edit_panel_parent_class)->dispose (object);
}

static void
ps_edit_panel_class_init (PsEditPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_edit_panel_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-edit-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PsEditPanel, value_entry);
}

static void
ps_edit_panel_init (PsEditPanel *p)
{
  gtk_widget_init_template (GTK_WIDGET (p));
}

GtkWidget *
ps_edit_panel_new (void)
{
  return g_object_new (PS_TYPE_EDIT_PANEL, NULL);
}
