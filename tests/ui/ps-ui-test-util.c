/* ps-ui-test-util.c — what the window tests share */
#include "ps-ui-test-util.h"
#include "ps-live-text.h"

gboolean
ps_test_skip_without_display (void)
{
  if (gdk_display_get_default () == NULL)
    {
      g_test_skip ("no display");
      return TRUE;
    }
  return FALSE;
}

PsWindow *
ps_test_open_example (const char *example, int width, int height)
{
  PsWindow *win = ps_window_new (NULL);
  GError *error = NULL;

  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  g_assert_true (ps_window_open_example (win, example, &error));
  g_assert_no_error (error);
  gtk_window_present (GTK_WINDOW (win));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  return win;
}

GtkWidget *
ps_test_find_widget (GtkWidget *root, GType type)
{
  if (G_TYPE_CHECK_INSTANCE_TYPE (root, type))
    return root;
  for (GtkWidget *c = gtk_widget_get_first_child (root); c; c = gtk_widget_get_next_sibling (c))
    {
      GtkWidget *found = ps_test_find_widget (c, type);
      if (found)
        return found;
    }
  return NULL;
}

GtkWidget *
ps_test_template_child (GtkWidget *widget, GType type, const char *name)
{
  GObject *child = gtk_widget_get_template_child (widget, type, name);
  if (child == NULL)
    g_error ("%s has no template child %s", G_OBJECT_TYPE_NAME (widget), name);
  return GTK_WIDGET (child);
}

GtkWidget *
ps_test_window_child (PsWindow *win, const char *name)
{
  return ps_test_template_child (GTK_WIDGET (win), PS_TYPE_WINDOW, name);
}

const char *
ps_test_window_status (PsWindow *win)
{
  return gtk_label_get_text (GTK_LABEL (ps_test_window_child (win, "status")));
}

char *
ps_test_inspector_text (PsWindow *win)
{
  GtkWidget *inspector = ps_test_window_child (win, "inspector");
  GType type = G_OBJECT_TYPE (inspector);
  GtkWidget *names = ps_test_template_child (inspector, type, "names");
  GtkWidget *stats = ps_test_template_child (inspector, type, "stats");

  if (!gtk_widget_get_visible (stats))
    return g_strdup (gtk_label_get_text (GTK_LABEL (names)));
  return g_strconcat (gtk_label_get_text (GTK_LABEL (names)), "\n\n",
                      ps_live_text_get_text (PS_LIVE_TEXT (stats)), NULL);
}

void
ps_window_fixture_set_up (PsWindowFixture *f, gconstpointer data)
{
  const PsTestWindowSetup *setup = data;

  f->win = NULL;
  if (ps_test_skip_without_display ())
    return;
  f->win = g_object_ref (ps_test_open_example (setup->example, setup->width, setup->height));
}

void
ps_window_fixture_tear_down (PsWindowFixture *f, gconstpointer data)
{
  if (f->win == NULL)
    return;
  gtk_window_destroy (GTK_WINDOW (f->win));
  /* what the main loop still owes the window (idles, a pending frame) goes first */
  while (g_main_context_iteration (NULL, FALSE))
    ;
  g_assert_finalize_object (f->win);
}
