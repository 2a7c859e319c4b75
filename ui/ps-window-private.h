/* ps-window-private.h — what the window's own files share (ps-window.c,
 * ps-window-actions.c); nothing outside the window includes it */
#pragma once

#include "ps-window.h"
#include "ps-matrix-view.h"
#include "ps-code-runner.h"
#include "ps-run-folder-watch.h"

G_BEGIN_DECLS

/* Training from the window: steps a second, and where a run at that pace
 * stops by itself (flat out has no limit). */
#define PS_WINDOW_TEACHING_SPEED  20.0
#define PS_WINDOW_TEACHING_STEPS  1000

struct _PsWindow
{
  GtkApplicationWindow parent_instance;

  PsDocument      *doc;
  PsRunController *controller;    /* the Train panel's run */
  PsRunFolderWatch *watch;        /* an outside run's folder of checkpoints, or NULL */
  PsTreeNode      *selected;      /* the "selected-node" (a reference) */

  /* template children */
  GtkWidget *tree;                /* PsBlockTree */
  GtkWidget *path_label, *tied_label;
  GtkWidget *rgb_toggle;          /* a 3-channel convolution's filters as colour images */
  GtkWidget *activations_page;    /* PsActivationsPage, in the notebook below */
  GtkWidget *data_view, *grad_view;               /* PsMatrixView */
  GtkWidget *param_stack;         /* "param": the two views; "node": node_overview; "none" */
  GtkWidget *node_overview, *node_empty;
  GtkWidget *data_plot;           /* PsDataView: a classifier of the plane, its data */   /* a module's parameters as small multiples */
  GtkWidget *views;               /* notebook below them: overview, charts, difference */
  GtkWidget *overview, *loss_chart, *grad_chart, *dist_chart, *dist_grad_check, *diff_page;
  GtkWidget *panels;              /* notebook: run, initialize, edit, inspect, train */
  GtkWidget *run_panel, *init_panel, *edit_panel, *inspector, *train_panel;
  GtkWidget *status;
  GtkWidget *console, *notebook_view;   /* PsConsole, PsNotebookView */
  PsCodeRunner *runner;           /* the window's Python (ps-window-code.c) */
  guint      settings_code_id;    /* the training settings said as code, once they settle */
  GtkWidget *notice, *notice_label;   /* a revealer: told once, e.g. history trimmed */
  gboolean   told_trimmed;
  GtkWidget *grad_heading;
  GtkWidget *axes_label;          /* which axis of a weight is the input: (in, out) or (out, in) */
  GtkWidget *outer_paned, *inner_paned, *tree_dock, *panel_dock, *center_overlay, *center;

  /* ps-window-layout.c: what fits the window's width, and the room's size */
  GtkWidget      *panel_sheet;    /* the side panel folded: over the centre, at its right */
  gboolean        tree_shown, panel_shown;
  gboolean        tree_auto, panel_auto;   /* folded for want of room, not by the user */
  gboolean        panel_docked;   /* in the paned (TRUE) or in the sheet */
  int             fit_width;      /* the width the layout was last fitted to */
  int             fit_panel_min;  /* and the side panel's minimum width then */
  int             fit_tree_min;   /* and the tree's (its widest row shown) */
  int             fit_center_min; /* and the centre's (a page of its notebook grew) */
  guint           refit_id;       /* an idle that refits after a size change (a timeout
                                   * while a button is held: ps-window-layout.c) */
  int             tree_width;     /* the tree's width as last set by the fit */
  gboolean        presentation;
  int             scale_step;     /* the interface's scale: index into a table, see the file */
  GtkCssProvider *scale_css;
};

/* The status line: what the last command did, or why it was refused. */
void        ps_window_set_status         (PsWindow *win, const char *text, gboolean is_error);
/* The selection's parameter, or NULL for a module or nothing. */
PsParam    *ps_window_get_selected_param (PsWindow *win);

/* ps-window-actions.c: another network in place of the window's, asked
 * first when its values changed since they were opened or saved.  what:
 * an example's name, a model file's path (a notebook opens beside the
 * network, unasked), or a model's text; paste: the dialog the text came
 * from (destroyed once the text is the network, kept with the reason when
 * it cannot be read), or NULL. */
typedef enum
{
  PS_WINDOW_REPLACE_EXAMPLE,
  PS_WINDOW_REPLACE_MODEL_FILE,
  PS_WINDOW_REPLACE_MODEL_TEXT,
} PsWindowReplace;
void        ps_window_replace_network    (PsWindow *win, PsWindowReplace kind, const char *what,
                                          GtkWidget *paste);
/* ps-window-code.c: an .ipynb, or a .py with `# %%` cells */
gboolean    ps_window_file_is_notebook   (const char *path);

/* ps-window-layout.c: the side parts folded to fit the width, Presentation
 * Mode and the interface's scale (properties "tree-shown", "panel-shown",
 * "presentation", actions win.scale-*) */
void        ps_window_layout_class_init  (GtkWidgetClass *widget_class);
void        ps_window_layout_init        (PsWindow *win);
void        ps_window_layout_dispose     (PsWindow *win);
/* The side panel shown (the user asked for one of its pages). */
void        ps_window_show_side_panel    (PsWindow *win);

/* ps-window-code.c: the window's Python -- the Console, the Notebook view,
 * their actions (win.stop, win.open-notebook, win.lesson (s)), files
 * dropped on the window */
void        ps_window_code_class_init    (GtkWidgetClass *widget_class);
void        ps_window_code_init          (PsWindow *win);
void        ps_window_code_dispose       (PsWindow *win);

/* ps-window-actions.c: the win.* actions, installed on the class */
void        ps_window_class_add_actions  (GtkWidgetClass *widget_class);
/* A value typed into the data heatmap ("edit-requested"). */
void        ps_window_on_edit_requested  (PsMatrixView *view, gint64 index, gfloat value,
                                          PsWindow *win);

G_END_DECLS
