/* ps-init-panel.c — a scheme and its arguments, as fields */
#include "ps-init-panel.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

struct _PsInitPanel
{
  GtkWidget  parent_instance;

  GPtrArray *arg_entries;       /* GtkEntry*, in the scheme's argument order */
  GArray    *order;             /* guint: the dropdown's rows as indices of the scheme table */

  /* template children */
  GtkWidget *scheme_dropdown, *args_grid, *target_dropdown, *seed_spin;
};

/* The dropdown's groups, in order: PyTorch's nn.init, Keras, the lesson's own. */
static const struct { const char *family, *title; } groups[] = {
  { "torch", N_("PyTorch nn.init") },
  { "keras", N_("Keras") },
  { "lesson", N_("The lesson's own") },
};

static const PsInitInfo *
row_info (PsInitPanel *p, guint row)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  if (row >= p->order->len)
    return NULL;
  return &infos[g_array_index (p->order, guint, row)];
}

/* Schemes that compute fans need a matrix: the weights, not the biases. */
static gboolean
wants_weights (const PsInitInfo *info)
{
  static const char *const fan_based[] = { "xavier_", "kaiming_", "glorot_", "he_", "lecun_",
                                           "orthogonal", "eye", "sparse" };
  for (guint i = 0; i < G_N_ELEMENTS (fan_based); i++)
    if (g_str_has_prefix (info->name, fan_based[i]))
      return TRUE;
  return FALSE;
}

/* The popup's rows: a group's title above its first scheme. */
static void
setup_scheme_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 2);
  GtkWidget *title = gtk_label_new (NULL), *name = gtk_label_new (NULL);

  gtk_label_set_xalign (GTK_LABEL (title), 0);
  gtk_label_set_xalign (GTK_LABEL (name), 0);
  gtk_widget_add_css_class (title, "heading");
  gtk_widget_add_css_class (title, "dim-label");
  gtk_box_append (GTK_BOX (box), title);
  gtk_box_append (GTK_BOX (box), name);
  gtk_list_item_set_child (item, box);
}

static void
bind_scheme_row (GtkSignalListItemFactory *f, GtkListItem *item, PsInitPanel *p)
{
  GtkWidget *box = gtk_list_item_get_child (item);
  GtkWidget *title = gtk_widget_get_first_child (box), *name = gtk_widget_get_last_child (box);
  guint row = gtk_list_item_get_position (item);
  const PsInitInfo *info = row_info (p, row), *prev = row > 0 ? row_info (p, row - 1) : NULL;
  gboolean first = info && (prev == NULL || g_strcmp0 (prev->family, info->family) != 0);

  gtk_label_set_text (GTK_LABEL (name), info ? info->name : "");
  gtk_widget_set_visible (title, first);
  for (guint i = 0; first && i < G_N_ELEMENTS (groups); i++)
    if (g_strcmp0 (groups[i].family, info->family) == 0)
      gtk_label_set_text (GTK_LABEL (title), _(groups[i].title));
}

G_DEFINE_FINAL_TYPE (PsInitPanel, ps_init_panel, GTK_TYPE_WIDGET)

/* A field for each argument of the chosen scheme. */
static void
on_scheme_changed (PsInitPanel *p)
{
  const PsInitInfo *info = row_info (p, gtk_drop_down_get_selected (GTK_DROP_DOWN (p->scheme_dropdown)));
  GtkWidget *child;

  if (info == NULL)
    return;
  /* the target follows the scheme: fans need the weights (a bias has none) */
  gtk_drop_down_set_selected (GTK_DROP_DOWN (p->target_dropdown),
                              wants_weights (info) ? PS_TARGET_WEIGHTS : PS_TARGET_BOTH);
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
  const PsInitInfo *info;
  g_autoptr (PsInitScheme) s = NULL;

  g_return_val_if_fail (PS_IS_INIT_PANEL (p), NULL);

  info = row_info (p, gtk_drop_down_get_selected (GTK_DROP_DOWN (p->scheme_dropdown)));
  if (info == NULL)
    info = row_info (p, 0);
  s = ps_init_scheme_new (info->kind);
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
on_new_seed (PsInitPanel *p)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (p->seed_spin), g_random_int_range (1, G_MAXINT));
}

static void
ps_init_panel_dispose (GObject *object)
{
  PsInitPanel *p = PS_INIT_PANEL (object);

  g_clear_pointer (&p->arg_entries, g_ptr_array_unref);
  g_clear_pointer (&p->order, g_array_unref);
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
  gtk_widget_class_bind_template_callback (widget_class, on_new_seed);
}

static void
ps_init_panel_init (PsInitPanel *p)
{
  guint n;
  const PsInitInfo *infos = ps_init_get_infos (&n);
  g_autoptr (GtkStringList) names = gtk_string_list_new (NULL);
  g_autoptr (GtkListItemFactory) rows = gtk_signal_list_item_factory_new ();

  gtk_widget_init_template (GTK_WIDGET (p));
  p->arg_entries = g_ptr_array_new ();
  p->order = g_array_new (FALSE, FALSE, sizeof (guint));
  for (guint g = 0; g < G_N_ELEMENTS (groups); g++)
    for (guint i = 0; i < n; i++)
      if (g_strcmp0 (infos[i].family, groups[g].family) == 0)
        {
          g_array_append_val (p->order, i);
          gtk_string_list_append (names, infos[i].name);
        }
  g_signal_connect (rows, "setup", G_CALLBACK (setup_scheme_row), NULL);
  g_signal_connect (rows, "bind", G_CALLBACK (bind_scheme_row), p);
  gtk_drop_down_set_list_factory (GTK_DROP_DOWN (p->scheme_dropdown), rows);
  gtk_drop_down_set_model (GTK_DROP_DOWN (p->scheme_dropdown), G_LIST_MODEL (names));
  g_signal_connect_swapped (p->scheme_dropdown, "notify::selected", G_CALLBACK (on_scheme_changed), p);
  on_scheme_changed (p);
}

GtkWidget *
ps_init_panel_new (void)
{
  return g_object_new (PS_TYPE_INIT_PANEL, NULL);
}
