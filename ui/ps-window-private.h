/* ps-window-private.h — what the window's own files share (ps-window.c,
 * ps-window-actions.c); nothing outside the window includes it */
#pragma once

#include "ps-window.h"
#include "ps-matrix-view.h"

G_BEGIN_DECLS

struct _PsWindow
{
  GtkApplicationWindow parent_instance;

  PsDocument      *doc;
  PsRunController *controller;    /* the Train panel's run */
  PsTreeNode      *selected;      /* the "selected-node" (a reference) */

  /* template children */
  GtkWidget *tree;                /* PsBlockTree */
  GtkWidget *path_label, *tied_label;
  GtkWidget *data_view, *grad_view;               /* PsMatrixView */
  GtkWidget *views;               /* notebook below them: overview, charts, difference */
  GtkWidget *overview, *loss_chart, *grad_chart, *dist_chart, *dist_grad_check, *diff_page;
  GtkWidget *panels;              /* notebook: run, initialize, edit, inspect, train */
  GtkWidget *run_panel, *init_panel, *edit_panel, *inspector, *train_panel;
  GtkWidget *status;
  GtkWidget *notice, *notice_label;   /* a revealer: told once, e.g. history trimmed */
  gboolean   told_trimmed;
};

/* The status line: what the last command did, or why it was refused. */
void        ps_window_set_status         (PsWindow *win, const char *text, gboolean is_error);
/* The selection's parameter, or NULL for a module or nothing. */
PsParam    *ps_window_get_selected_param (PsWindow *win);

/* ps-window-actions.c: the win.* actions, installed on the class */
void        ps_window_class_add_actions  (GtkWidgetClass *widget_class);
/* A value typed into the data heatmap ("edit-requested"). */
void        ps_window_on_edit_requested  (PsMatrixView *view, gint64 index, gfloat value,
                                          PsWindow *win);

G_END_DECLS
