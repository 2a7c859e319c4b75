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

G_END_DECLS
