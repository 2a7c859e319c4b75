/* ps-ui-test-util.c — what the widget and window tests share (see ps-ui-test-util.h) */
#include "ps-ui-test-util.h"
#include "ps-code-runner.h"
#include "ps-live-text.h"
#include "ps-matrix-view.h"
#include "ps-param-source.h"

#include <math.h>

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
  /* the window refits its parts to its width just after its first frame */
  ps_test_wait_frame (GTK_WIDGET (win));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  return win;
}

GtkWidget *
ps_test_window_with (GtkWidget *child, int width, int height)
{
  GtkWidget *win = gtk_window_new ();

  gtk_window_set_default_size (GTK_WINDOW (win), width, height);
  gtk_window_set_child (GTK_WINDOW (win), child);
  gtk_window_present (GTK_WINDOW (win));
  gtk_test_widget_wait_for_draw (win);
  return win;
}

void
ps_test_wait_frame (GtkWidget *w)
{
  gtk_test_widget_wait_for_draw (GTK_WIDGET (gtk_widget_get_root (w)));
  while (g_main_context_pending (NULL))
    g_main_context_iteration (NULL, FALSE);
}

/* The widget paintable shows the render node of the widget's last frame:
 * none while a change queued after that frame (a refit, a text view's new
 * layout) waits for the next one, so the picture waits for that frame. */
GdkTexture *
ps_test_render_widget (GtkWidget *w)
{
  g_autoptr (GdkPaintable) paintable = gtk_widget_paintable_new (w);
  GskRenderer *r = gtk_native_get_renderer (gtk_widget_get_native (w));
  GskRenderNode *node = NULL;
  GdkTexture *tex;
  int width = 0, height = 0;

  for (int tries = 0; node == NULL && tries < 50; tries++)
    {
      GtkSnapshot *s = gtk_snapshot_new ();

      if (tries > 0)
        gtk_test_widget_wait_for_draw (GTK_WIDGET (gtk_widget_get_root (w)));
      width = gtk_widget_get_width (w);
      height = gtk_widget_get_height (w);
      g_assert_cmpint (width, >, 0);
      g_assert_cmpint (height, >, 0);
      gdk_paintable_snapshot (paintable, s, width, height);
      node = gtk_snapshot_free_to_node (s);
    }
  g_assert_nonnull (node);
  tex = gsk_renderer_render_texture (r, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  gsk_render_node_unref (node);
  return tex;
}

void
ps_test_pixels_from_texture (GdkTexture *tex, PsTestPixels *out)
{
  out->width = gdk_texture_get_width (tex);
  out->height = gdk_texture_get_height (tex);
  out->px = g_new (guint32, (gsize) out->width * out->height);
  gdk_texture_download (tex, (guchar *) out->px, (gsize) out->width * 4);
}

void
ps_test_render (GtkWidget *w, PsTestPixels *out)
{
  g_autoptr (GdkTexture) tex = NULL;

  ps_test_wait_frame (w);
  tex = ps_test_render_widget (w);
  ps_test_pixels_from_texture (tex, out);
}

void
ps_test_pixels_clear (PsTestPixels *p)
{
  g_clear_pointer (&p->px, g_free);
}

guint32
ps_test_pixel_at (const PsTestPixels *p, double x, double y)
{
  int ix = (int) floor (x), iy = (int) floor (y);

  g_assert_cmpint (ix, >=, 0);
  g_assert_cmpint (iy, >=, 0);
  g_assert_cmpint (ix, <, p->width);
  g_assert_cmpint (iy, <, p->height);
  return p->px[(gsize) iy * p->width + ix];
}

void
ps_test_screenshot (GtkWidget *w, const char *name)
{
  g_autoptr (GdkTexture) tex = NULL;

  ps_test_wait_frame (w);
  tex = ps_test_render_widget (w);
  g_assert_true (gdk_texture_save_to_png (tex, name));
  g_test_message ("screenshot: %s", name);
}

void
ps_test_hover (GtkWidget *w, double x, double y)
{
  GListModel *controllers = gtk_widget_observe_controllers (w);
  GtkEventController *motion = NULL;

  for (guint i = 0; i < g_list_model_get_n_items (controllers); i++)
    {
      g_autoptr (GObject) item = g_list_model_get_item (controllers, i);
      if (GTK_IS_EVENT_CONTROLLER_MOTION (item))
        motion = GTK_EVENT_CONTROLLER (item);      /* the widget keeps it */
    }
  g_object_unref (controllers);
  g_assert_nonnull (motion);
  if (x < 0)
    g_signal_emit_by_name (motion, "leave");
  else
    g_signal_emit_by_name (motion, "motion", x, y);
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

void
ps_view_fixture_set_up (PsViewFixture *f, gconstpointer data)
{
  f->view = f->win = NULL;
  if (ps_test_skip_without_display ())
    return;
  f->view = g_object_ref_sink (ps_matrix_view_new ());
}

void
ps_view_fixture_tear_down (PsViewFixture *f, gconstpointer data)
{
  if (f->view == NULL)
    return;
  if (f->win != NULL)
    gtk_window_destroy (GTK_WINDOW (f->win));
  g_assert_finalize_object (f->view);
}

void
ps_test_view_show_param (GtkWidget *view, PsParam *param, gboolean grad, const char *title)
{
  g_autoptr (PsMatrixSource) src = param ? ps_param_source_new (param, grad, title) : NULL;

  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
  ps_matrix_view_set_editable (PS_MATRIX_VIEW (view), TRUE);
}

PsParam *
ps_test_view_get_param (GtkWidget *view)
{
  PsMatrixSource *src = ps_matrix_view_get_source (PS_MATRIX_VIEW (view));
  return src && PS_IS_PARAM_SOURCE (src) ? ps_param_source_get_param (PS_PARAM_SOURCE (src)) : NULL;
}

void
ps_test_window_wait_code (PsWindow *win)
{
  PsCodeRunner *runner = ps_window_get_code_runner (win);

  while (ps_code_runner_is_running (runner))
    g_main_context_iteration (NULL, TRUE);
  while (g_main_context_iteration (NULL, FALSE))
    ;
}
