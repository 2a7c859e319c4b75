/* ps-ui-test-util.h — what the window tests share */
#pragma once

#include "ps-window.h"

G_BEGIN_DECLS

/* TRUE (and the test marked skipped) when there is no display to draw on. */
gboolean  ps_test_skip_without_display (void);

/* A window of width x height on one of the lesson's examples, presented
 * and drawn once. */
PsWindow *ps_test_open_example         (const char *example, int width, int height);

/* The first widget of type below root (root included, depth first), or
 * NULL. */
GtkWidget *ps_test_find_widget         (GtkWidget *root, GType type);

/* A named child of the window's template (ps-window.h lists them); never NULL. */
GtkWidget  *ps_test_window_child       (PsWindow *win, const char *name);
/* A named child of a widget's own template; never NULL. */
GtkWidget  *ps_test_template_child     (GtkWidget *widget, GType type, const char *name);
/* The status line's text. */
const char *ps_test_window_status      (PsWindow *win);
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

G_END_DECLS
