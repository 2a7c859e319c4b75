/* ps-ui-util.c — small helpers shared by the widgets */
#include "ps-ui-util.h"


typedef struct
{
  GWeakRef     ref;
  PsChangeFunc fn;
  PsChange     what;
} Deferred;

static gboolean
deferred_dispatch (gpointer data)
{
  Deferred *d = data;
  GObject *object = g_weak_ref_get (&d->ref);
  if (object != NULL)
    {
      d->fn (object, d->what);
      g_object_unref (object);
    }
  return G_SOURCE_REMOVE;
}

static void
deferred_free (gpointer data)
{
  Deferred *d = data;
  g_weak_ref_clear (&d->ref);
  g_free (d);
}

void
ps_ui_dispatch_change (GObject *object, GThread *owner, PsChangeFunc fn, PsChange what)
{
  Deferred *d;

  if (g_thread_self () == owner)
    {
      fn (object, what);
      return;
    }
  d = g_new0 (Deferred, 1);
  g_weak_ref_init (&d->ref, object);
  d->fn = fn;
  d->what = what;
  g_main_context_invoke_full (NULL, G_PRIORITY_DEFAULT, deferred_dispatch, d, deferred_free);
}

void
ps_ui_dispose_template (GtkWidget *widget, GType widget_type)
{
  GtkWidget *child;

  gtk_widget_dispose_template (widget, widget_type);
  while ((child = gtk_widget_get_first_child (widget)))
    gtk_widget_unparent (child);
}

void
ps_ui_set_sensitive (GtkWidget *w, gboolean sensitive, GtkWidget *fallback)
{
  GtkRoot *root;
  GtkWidget *focus;

  g_return_if_fail (GTK_IS_WIDGET (w));
  g_return_if_fail (fallback == NULL || GTK_IS_WIDGET (fallback));

  root = gtk_widget_get_root (w);
  focus = root && !sensitive ? gtk_root_get_focus (root) : NULL;
  if (focus && (focus == w || gtk_widget_is_ancestor (focus, w)))
    {
      gboolean moved = fallback && fallback != w && !gtk_widget_is_ancestor (fallback, w)
                       && gtk_widget_is_sensitive (fallback) && gtk_widget_get_mapped (fallback)
                       && gtk_widget_grab_focus (fallback);
      if (!moved)
        gtk_root_set_focus (root, NULL);
    }
  gtk_widget_set_sensitive (w, sensitive);
}

void
ps_ui_choose_renderer (void)
{
  g_autoptr (GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER"))
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri && (name = g_dir_read_name (dri)))
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

void
ps_ui_load_style (void)
{
  static GdkDisplay *loaded_on;
  GdkDisplay *display = gdk_display_get_default ();
  g_autoptr (GtkCssProvider) css = NULL;

  if (display == NULL || display == loaded_on)
    return;
  css = gtk_css_provider_new ();
  gtk_css_provider_load_from_resource (css, "/org/paramscope/ParamScope/style.css");
  gtk_style_context_add_provider_for_display (display, GTK_STYLE_PROVIDER (css),
                                              GTK_STYLE_PROVIDER_PRIORITY_APPLICATION);
  loaded_on = display;
}

void
ps_ui_label_set_markup (GtkLabel *label, const char *markup)
{
  PangoAttrList *attrs = NULL;
  char *text = NULL;

  g_return_if_fail (GTK_IS_LABEL (label));
  if (!pango_parse_markup (markup, -1, 0, &attrs, &text, NULL, NULL))
    {
      gtk_label_set_attributes (label, NULL);
      gtk_label_set_text (label, markup);
      return;
    }
  gtk_label_select_region (label, 0, 0);
  gtk_label_set_use_markup (label, FALSE);
  gtk_label_set_attributes (label, attrs);
  gtk_label_set_text (label, text);
  pango_attr_list_unref (attrs);
  g_free (text);
}

void
ps_ui_tree_row_setup (GtkListItem *item, GtkWidget *row)
{
  GtkWidget *expander = gtk_tree_expander_new ();

  gtk_tree_expander_set_child (GTK_TREE_EXPANDER (expander), row);
  gtk_list_item_set_child (item, expander);
}

GtkWidget *
ps_ui_tree_row_bind (GtkListItem *item, GtkWidget **expander, gpointer *node)
{
  GtkTreeListRow *row = gtk_list_item_get_item (item);
  GtkTreeExpander *ex = GTK_TREE_EXPANDER (gtk_list_item_get_child (item));

  gtk_tree_expander_set_list_row (ex, row);
  *expander = GTK_WIDGET (ex);
  *node = gtk_tree_list_row_get_item (row);
  return gtk_tree_expander_get_child (ex);
}
