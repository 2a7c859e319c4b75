/* ps-window.h — the main window: block tree, heatmaps, panels */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"
#include "ps-run-controller.h"

G_BEGIN_DECLS

#define PS_TYPE_WINDOW (ps_window_get_type ())
G_DECLARE_FINAL_TYPE (PsWindow, ps_window, PS, WINDOW, GtkApplicationWindow)

PsWindow   *ps_window_new            (GtkApplication *app);
PsDocument *ps_window_get_document   (PsWindow *win);
/* Open a model file (and optionally weights); errors are shown in the window. */
gboolean    ps_window_open_model     (PsWindow *win, const char *path, GError **error);
/* load_state_dict from a safetensors file into the current network; refused
 * files change nothing and their reason is shown in the window. */
gboolean    ps_window_open_weights   (PsWindow *win, const char *path, GError **error);
gboolean    ps_window_open_example   (PsWindow *win, const char *name, GError **error);
/* Select a state_dict key or module path ("" = the root). */
gboolean    ps_window_select_key     (PsWindow *win, const char *key);
const char *ps_window_get_selected_key (PsWindow *win);
/* The views, for tests. */
GtkWidget  *ps_window_get_data_view  (PsWindow *win);
GtkWidget  *ps_window_get_grad_view  (PsWindow *win);
GtkWidget  *ps_window_get_tree_view  (PsWindow *win);
PsRunController *ps_window_get_controller (PsWindow *win);   /* the Train panel's run */
GtkWidget  *ps_window_get_bottom_notebook (PsWindow *win);  /* overview, charts, difference */
/* Show a panel: "run", "initialize", "edit", "inspect" or "train". */
gboolean    ps_window_show_panel     (PsWindow *win, const char *name);
GtkWidget  *ps_window_get_histogram  (PsWindow *win);          /* the inspector's histograms */
/* What the inspector shows: names, shape and (as of the last time its page
 * was shown) statistics.  Free it. */
char       *ps_window_get_inspector_text (PsWindow *win);
GtkWidget  *ps_window_get_inspector_stats (PsWindow *win);   /* the statistics' live text */
const char *ps_window_get_status     (PsWindow *win);

/* The examples of the lesson, in menu order (NULL-terminated). */
const char *const *ps_window_example_names (void);

G_END_DECLS
