/* ps-ui-util.c — small helpers shared by the widgets */
#include "ps-ui-util.h"

#include <string.h>

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

GtkWidget *
ps_ui_section (const char *title)
{
  GtkWidget *l = gtk_label_new (title);
  gtk_widget_add_css_class (l, "heading");
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_widget_set_margin_top (l, 12);
  return l;
}

GtkWidget *
ps_ui_labelled (const char *text, GtkWidget *w)
{
  GtkWidget *box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 8);
  GtkWidget *l = gtk_label_new_with_mnemonic (text);
  gtk_label_set_mnemonic_widget (GTK_LABEL (l), w);
  gtk_widget_set_hexpand (l, TRUE);
  gtk_label_set_xalign (GTK_LABEL (l), 0);
  gtk_box_append (GTK_BOX (box), l);
  gtk_box_append (GTK_BOX (box), w);
  return box;
}

GtkWidget *
ps_ui_spin (double lo, double hi, double step, double value, int digits, const char *a11y)
{
  GtkWidget *s = gtk_spin_button_new_with_range (lo, hi, step);
  gtk_spin_button_set_digits (GTK_SPIN_BUTTON (s), digits);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (s), value);
  gtk_accessible_update_property (GTK_ACCESSIBLE (s), GTK_ACCESSIBLE_PROPERTY_LABEL, a11y, -1);
  return s;
}

/* ---- live text -------------------------------------------------------------- */

#define LIVE_A11Y_MS 500

typedef struct
{
  GtkWidget *inscription;   /* a reference: it is used in the box's "destroy" */
  char      *markup;        /* as last set */
  guint      timeout_id;
  gboolean   pending;
} LiveText;

static void
live_text_free (gpointer data)
{
  LiveText *lt = data;
  g_clear_handle_id (&lt->timeout_id, g_source_remove);
  g_clear_object (&lt->inscription);
  g_free (lt->markup);
  g_free (lt);
}

/* The text is said by the wrapper (its description): the inscription would
 * make each new text its accessible name. */
static void
live_text_update_accessible (GtkWidget *w, LiveText *lt)
{
  const char *text = gtk_inscription_get_text (GTK_INSCRIPTION (lt->inscription));
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  text ? text : "", -1);
}

static gboolean
live_text_timeout (gpointer data)
{
  GtkWidget *w = data;
  LiveText *lt = g_object_get_data (G_OBJECT (w), "ps-live-text");

  if (lt->pending)
    {
      lt->pending = FALSE;
      live_text_update_accessible (w, lt);
      return G_SOURCE_CONTINUE;
    }
  lt->timeout_id = 0;
  return G_SOURCE_REMOVE;
}

static void
live_text_destroy (GtkWidget *w, LiveText *lt)
{
  g_clear_handle_id (&lt->timeout_id, g_source_remove);
  /* GTK 4.8's GtkInscription does not free its attribute list when it is
   * finalized: hand it back first */
  gtk_inscription_set_attributes (GTK_INSCRIPTION (lt->inscription), NULL);
}

GtkWidget *
ps_ui_live_text_new (const char *accessible_name, GtkAccessibleRole role)
{
  GtkWidget *w = g_object_new (GTK_TYPE_BOX, "accessible-role", role, NULL);
  LiveText *lt = g_new0 (LiveText, 1);

  lt->inscription = g_object_ref_sink (g_object_new (GTK_TYPE_INSCRIPTION, "accessible-role",
                                                    GTK_ACCESSIBLE_ROLE_PRESENTATION, NULL));
  gtk_inscription_set_xalign (GTK_INSCRIPTION (lt->inscription), 0);
  gtk_inscription_set_min_chars (GTK_INSCRIPTION (lt->inscription), 16);
  gtk_inscription_set_nat_chars (GTK_INSCRIPTION (lt->inscription), 36);
  gtk_inscription_set_text_overflow (GTK_INSCRIPTION (lt->inscription),
                                     GTK_INSCRIPTION_OVERFLOW_ELLIPSIZE_END);
  gtk_widget_set_hexpand (lt->inscription, TRUE);
  gtk_widget_add_css_class (lt->inscription, "numeric");
  gtk_box_append (GTK_BOX (w), lt->inscription);
  if (accessible_name)
    gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL,
                                    accessible_name, -1);
  g_object_set_data_full (G_OBJECT (w), "ps-live-text", lt, live_text_free);
  g_signal_connect (w, "destroy", G_CALLBACK (live_text_destroy), lt);
  return w;
}

void
ps_ui_live_text_set_markup (GtkWidget *w, const char *markup)
{
  LiveText *lt = g_object_get_data (G_OBJECT (w), "ps-live-text");
  guint lines = 1;
  gsize len;

  g_return_if_fail (lt != NULL);
  if (g_strcmp0 (lt->markup, markup) == 0)
    return;
  g_free (lt->markup);
  lt->markup = g_strdup (markup);
  len = strlen (markup);
  while (len > 0 && markup[len - 1] == '\n')
    len--;                                    /* a final newline opens no line */
  for (gsize i = 0; i < len; i++)
    lines += markup[i] == '\n';
  /* the same number of lines: a redraw, no new layout */
  gtk_inscription_set_min_lines (GTK_INSCRIPTION (lt->inscription), lines);
  gtk_inscription_set_nat_lines (GTK_INSCRIPTION (lt->inscription), lines);
  {
    g_autofree char *trimmed = g_strndup (markup, len);
    gtk_inscription_set_markup (GTK_INSCRIPTION (lt->inscription), trimmed);
  }
  if (lt->timeout_id == 0)
    {
      /* the first change is said at once, the next ones at most every LIVE_A11Y_MS */
      live_text_update_accessible (w, lt);
      lt->timeout_id = g_timeout_add_full (G_PRIORITY_LOW, LIVE_A11Y_MS, live_text_timeout, w, NULL);
    }
  else
    lt->pending = TRUE;
}

const char *
ps_ui_live_text_get_text (GtkWidget *w)
{
  LiveText *lt = g_object_get_data (G_OBJECT (w), "ps-live-text");
  const char *t;

  g_return_val_if_fail (lt != NULL, "");
  t = gtk_inscription_get_text (GTK_INSCRIPTION (lt->inscription));
  return t ? t : "";
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
