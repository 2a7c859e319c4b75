/* ps-init-panel.c — a scheme and its arguments, as fields */
#include "ps-init-panel.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

struct _PsInitPanel
{
  GtkWidget  parent_instance;

  GPtrArray *arg_entries;       /* GtkEntry*, in the scheme's argument order */

  /* template children */
  GtkWidget *scheme_dropdown, *args_grid, *target_dropdown, *seed_spin;
};

G_DEFINE_FINAL_TYPE (PsInitPanel, ps_init_panel, GTK_TYPE_WIDGET)

/* A field for each argument of the chosen scheme. */
static void
on_scheme_changed (PsInitPanel *p)
{
  guint n, i = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->scheme_dropdown));
  const PsInitInfo *infos = ps_init_get_infos (&n), *info;
  GtkWidget *child;

  if (i >= n)
    return;
  info = &infos[i];
  while ((child = gtk_widget_get_first_child (p->args_grid)))
    gtk_grid_remove (GTK_GRID (p->args_grid), child);
  g_ptr_array_set_size (p->arg_entries, 0);
  for (guint k = 0; k < info->n_args; k++)
    {
      GtkWidget *l = gtk_label_new (info->args[k].name);
      GtkWidget *e = gtk_entry_new ();
      gtk_label_set_xalign (GTK_LABEL (l), 0);
      gtk_editable_set_text (GTK_EDITABLE (e), info->args[k].default_text ? info->args[k].default_text : "");
      gtk_entry_set_placeholder_text (GTK_ENTRY (e), info->args[k].default_text ? NULL : _("required"));
      gtk_accessible_update_property (GTK_ACCESSIBLE (e), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                      info->args[k].name, -1);
      gtk_grid_attach (GTK_GRID (p->args_grid), l, 0, (int) k, 1, 1);
      gtk_grid_attach (GTK_GRID (p->args_grid), e, 1, (int) k, 1, 1);
      g_ptr_array_add (p->arg_entries, e);
    }
  gtk_widget_set_tooltip_text (p->scheme_dropdown, info->summary);
}

PsInitScheme *
ps_init_panel_get_scheme (PsInitPanel *p, GError **error)
{
  guint n, i;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  g_autoptr (PsInitScheme) s = NULL;

  g_return_val_if_fail (PS_IS_INIT_PANEL (p), NULL);

  i = gtk_drop_down_get_selected (GTK_DROP_DOWN (p->scheme_dropdown));
  s = ps_init_scheme_new (infos[MIN (i, n - 1)].kind);
  for (guint k = 0; k < p->arg_entries->len; k++)
    {
      const char *text = gtk_editable_get_text (GTK_EDITABLE (p->arg_entries->pdata[k]));
      const PsInitArgInfo *a = &s->info->args[k];
      if (*text == '\0' && a->default_text == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s() needs a value for %s"),
                       s->info->name, a->name);
          return NULL;
        }
      if (*text && !ps_init_scheme_set_arg (s, a->name, text, error))
        return NULL;
    }
  return g_steal_pointer (&s);
}

PsInitTarget
ps_init_panel_get_target (PsInitPanel *p)
{
  g_return_val_if_fail (PS_IS_INIT_PANEL (p), PS_TARGET_BOTH);
  return (PsInitTarget) gtk_drop_down_get_selected (GTK_DROP_DOWN (p->target_dropdown));
}

guint64
ps_init_panel_get_seed (PsInitPanel *p)
{
  g_return_val_if_fail (PS_IS_INIT_PANEL (p), 0);
  return (guint64) gtk_spin_button_get_value_as_int (GTK_SPIN_BUTTON (p->seed_spin));
}

static void
ps_init_panel_dispose (GObject *object)
{
  PsInitPanel *p = PS_INIT_PANEL (object);

  g_clear_pointer (&p->arg_entries, g_ptr_array_unref);
  ps_ui_dispose_template (GTK_WIDGET (p), PS_TYPE_INIT_PANEL);
  G_OBJECT_CLASS (ps_init_panel_parent_class)->dispose (object);
}

static void
ps_init_panel_class_init (PsInitPanelClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_init_panel_dispose;
  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-init-panel.ui");
  gtk_widget_class_bind_template_child (widget_class, PsInitPanel, scheme_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsInitPanel, args_grid);
  gtk_widget_class_bind_template_child (widget_class, PsInitPanel, target_dropdown);
  gtk_widget_class_bind_template_child (widget_class, PsInitPanel, seed_spin);
}

static void
ps_init_panel_init (PsInitPanel *p)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);

  gtk_widget_init_template (GTK_WIDGET (p));
  p->arg_entries = g_ptr_array_new ();
  for (guint i = 0; i < n; i++)
    gtk_string_list_append (names, infos[i].name);
  gtk_drop_down_set_model (GTK_DROP_DOWN (p->scheme_dropdown), G_LIST_MODEL (names));
  g_signal_connect_swapped (p->scheme_dropdown, "notify::selected", G_CALLBACK (on_scheme_changed), p);
  on_scheme_changed (p);
}

GtkWidget *
ps_init_panel_new (void)
{
  return g_object_new (PS_TYPE_INIT_PANEL, NULL);
}
