/* ps-live-text.c — a GtkInscription that says its text to assistive
 * technologies at a bounded rate */
#include "ps-live-text.h"

#include <string.h>

#define A11Y_MS 500

struct _PsLiveText
{
  GtkWidget  parent_instance;
  GtkWidget *inscription;
  char      *markup;        /* as last set */
  guint      timeout_id;
  gboolean   pending;
};

G_DEFINE_FINAL_TYPE (PsLiveText, ps_live_text, GTK_TYPE_WIDGET)

static void
update_accessible (PsLiveText *t)
{
  const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (t->inscription));
  gtk_accessible_update_property (GTK_ACCESSIBLE (t), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text ? text : "", -1);
}

static gboolean
on_timeout (gpointer data)
{
  PsLiveText *t = data;

  if (t->pending)
    {
      t->pending = FALSE;
      update_accessible (t);
      return G_SOURCE_CONTINUE;
    }
  t->timeout_id = 0;
  return G_SOURCE_REMOVE;
}

void
ps_live_text_set_markup (PsLiveText *t, const char *markup)
{
  guint lines = 1;
  gsize len;
  g_autofree char *trimmed = NULL;

  g_return_if_fail (PS_IS_LIVE_TEXT (t));
  g_return_if_fail (markup != NULL);

  if (g_strcmp0 (t->markup, markup) == 0)
    return;
  g_free (t->markup);
  t->markup = g_strdup (markup);
  len = strlen (markup);
  while (len > 0 && markup[len - 1] == '\n')
    len--;                                    /* a final newline opens no line */
  for (gsize i = 0; i < len; i++)
    lines += markup[i] == '\n';
  /* the same number of lines: a redraw, no new layout */
  gtk_inscription_set_min_lines (GTK_INSCRIPTION (t->inscription), lines);
  gtk_inscription_set_nat_lines (GTK_INSCRIPTION (t->inscription), lines);
  trimmed = g_strndup (markup, len);
  gtk_inscription_set_markup (GTK_INSCRIPTION (t->inscription), trimmed);
  if (t->timeout_id == 0)
    {
      /* the first change is said at once, the next ones at most every A11Y_MS */
      update_accessible (t);
      t->timeout_id = g_timeout_add_full (G_PRIORITY_LOW, A11Y_MS, on_timeout, t, NULL);
    }
  else
    t->pending = TRUE;
}

const char *
ps_live_text_get_text (PsLiveText *t)
{
  const char *text;

  g_return_val_if_fail (PS_IS_LIVE_TEXT (t), "");
  text = gtk_inscription_get_text (GTK_INSCRIPTION (t->inscription));
  return text ? text : "";
}

static void
ps_live_text_dispose (GObject *object)
{
  PsLiveText *t = PS_LIVE_TEXT (object);

  g_clear_handle_id (&t->timeout_id, g_source_remove);
  if (t->inscription)
    {
      /* GTK 4.8's GtkInscription does not free its attribute list when it
       * is finalized: hand it back first */
      gtk_inscription_set_attributes (GTK_INSCRIPTION (t->inscription), NULL);
      g_clear_pointer (&t->inscription, gtk_widget_unparent);
    }
  G_OBJECT_CLASS (ps_live_text_parent_class)->dispose (object);
}

static void
ps_live_text_finalize (GObject *object)
{
  g_free (PS_LIVE_TEXT (object)->markup);
  G_OBJECT_CLASS (ps_live_text_parent_class)->finalize (object);
}

static void
ps_live_text_class_init (PsLiveTextClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  G_OBJECT_CLASS (klass)->dispose = ps_live_text_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_live_text_finalize;
  gtk_widget_class_set_layout_manager_type (widget_class, GTK_TYPE_BOX_LAYOUT);
}

static void
ps_live_text_init (PsLiveText *t)
{
  t->inscription = g_object_new (GTK_TYPE_INSCRIPTION, "accessible-role",
                                 GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL);
  gtk_inscription_set_xalign (GTK_INSCRIPTION (t->inscription), 0);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (t->inscription), 16);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (t->inscription), 36);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (t->inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_set_hexpand (t->inscription, TRUE);
  gtk_widget_add_css_class (t->inscription, "numeric");
  gtk_widget_set_parent (t->inscription, GTK_WIDGET (t));
}

GtkWidget *
ps_live_text_new (const char *accessible_name, GtkAccessibleRole role)
{
  GtkWidget *t = g_object_new (PS_TYPE_LIVE_TEXT, "accessible-role", role, NULL);
  if (accessible_name)
    gtk_accessible_update_property (GTK_ACCESSIBLE (t), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    accessible_name, -1);
  return t;
}
