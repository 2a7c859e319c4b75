/* ps-ui-test-util.c — what the window tests share */
#include "ps-ui-test-util.h"

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
