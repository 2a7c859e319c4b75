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
