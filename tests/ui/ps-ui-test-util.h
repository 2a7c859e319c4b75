/* ps-ui-test-util.h — what the widget and window tests share
 *
 * Windows, frames, rendering to pixels and screenshots, as
 * TESTING-GUI.md describes them (GSK_RENDERER=cairo under Xvfb):
 *
 *   GtkWidget *win = ps_test_window_with (chart, 640, 360);
 *   PsTestPixels px = { 0 };
 *   ps_test_render (chart, &px);                 // after its next frame
 *   g_assert_cmphex (ps_test_pixel_at (&px, 10, 20), ==, 0xff3b75af);
 *   ps_test_pixels_clear (&px);
 *   ps_test_screenshot (win, "charts-loss.png"); // in the working directory
 *   gtk_window_destroy (GTK_WINDOW (win));
 */
#pragma once

#include "ps-window.h"

G_BEGIN_DECLS

/* TRUE (and the test marked skipped) when there is no display to draw on. */
gboolean   ps_test_skip_without_display (void);

/* A window of width x height on one of the lesson's examples, presented
 * and drawn once. */
PsWindow  *ps_test_open_example         (const char *example, int width, int height);

/* A plain window of width x height holding child, presented and drawn once. */
GtkWidget *ps_test_window_with          (GtkWidget *child, int width, int height);
/* Wait for w's window to draw a frame, then for pending events. */
void       ps_test_wait_frame           (GtkWidget *w);

/* Pixels of a rendered widget: 0xAARRGGBB, premultiplied, row-major. */
typedef struct
{
  int      width, height;
  guint32 *px;
} PsTestPixels;

/* Widget w (a window: with its background) as of its last frame, at its
 * size, by its window's renderer.  Wait for a frame after a change. */
GdkTexture *ps_test_render_widget       (GtkWidget *w);
/* tex downloaded into out (free with ps_test_pixels_clear). */
void       ps_test_pixels_from_texture  (GdkTexture *tex, PsTestPixels *out);
/* The next frame of w, in pixels. */
void       ps_test_render               (GtkWidget *w, PsTestPixels *out);
void       ps_test_pixels_clear         (PsTestPixels *p);
/* The pixel at (x, y), asserted inside. */
guint32    ps_test_pixel_at             (const PsTestPixels *p, double x, double y);

/* The next frame of w saved as PNG file name (a test artifact, named in
 * the test's log). */
void       ps_test_screenshot           (GtkWidget *w, const char *name);

/* The pointer at (x, y) over w, as w's motion controller reports it;
 * x < 0: it left. */
void       ps_test_hover                (GtkWidget *w, double x, double y);

/* The first widget of type below root (root included, depth first), or
 * NULL. */
GtkWidget *ps_test_find_widget         (GtkWidget *root, GType type);

/* A named child of the window's template (ps-window.h lists them); never NULL. */
GtkWidget  *ps_test_window_child       (PsWindow *win, const char *name);
/* A named child of a widget's own template; never NULL. */
GtkWidget  *ps_test_template_child     (GtkWidget *widget, GType type, const char *name);
/* The status line's text. */
const char *ps_test_window_status      (PsWindow *win);
/* Runs the main loop until the window's code runner is done, then what the
 * views do after it, once. */
void        ps_test_window_wait_code   (PsWindow *win);
/* What the inspector shows: names, shape and (as of the last time it was
 * shown) statistics.  Free it. */
char       *ps_test_inspector_text     (PsWindow *win);

/* A window test's fixture: set up opens the example of its PsTestWindowSetup
 * (test data) at its size; tear down closes the window and asserts that it
 * is finalized (nothing kept a reference to it).  Without a display, set up
 * marks the test skipped and leaves win NULL. */
typedef struct
{
  const char *example;
  int         width, height;
} PsTestWindowSetup;

typedef struct
{
  PsWindow *win;
} PsWindowFixture;

void ps_window_fixture_set_up    (PsWindowFixture *f, gconstpointer setup);
void ps_window_fixture_tear_down (PsWindowFixture *f, gconstpointer setup);

/* g_test_add for a window test: PS_TEST_WINDOW ("/window/x", &mlp, test_x) */
#define PS_TEST_WINDOW(path, setup, func)                                              \
  g_test_add (path, PsWindowFixture, setup, ps_window_fixture_set_up, func,           \
              ps_window_fixture_tear_down)

/* A widget test's fixture: a PsMatrixView of its own (a reference the
 * test holds) for the test to show in a window it makes (f->win, nullable);
 * tear down destroys the window and asserts that the view is finalized
 * (nothing kept a reference to it).  Without a display, set up marks the
 * test skipped and leaves view NULL. */
typedef struct
{
  GtkWidget *view;
  GtkWidget *win;
} PsViewFixture;

void ps_view_fixture_set_up    (PsViewFixture *f, gconstpointer data);
void ps_view_fixture_tear_down (PsViewFixture *f, gconstpointer data);

/* g_test_add for a matrix view test: PS_TEST_VIEW ("/ui/heatmap/zoom", test_zoom) */
#define PS_TEST_VIEW(path, func)                                                       \
  g_test_add (path, PsViewFixture, NULL, ps_view_fixture_set_up, func,                \
              ps_view_fixture_tear_down)

/* Show param's values (or its gradient) in a PsMatrixView, editable as the
 * window's values are (param NULL: nothing), and read back what it shows:
 * the PsParam of its PsParamSource, else NULL. */
void       ps_test_view_show_param      (GtkWidget *view, PsParam *param, gboolean grad,
                                         const char *title);
PsParam   *ps_test_view_get_param       (GtkWidget *view);

G_END_DECLS
