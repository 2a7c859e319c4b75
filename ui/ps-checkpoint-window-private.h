/* ps-checkpoint-window-private.h — the checkpoint window's struct and what
 * its files share
 *
 * For ps-checkpoint-window.c (the tree, the slice picker, the heatmap) and
 * ps-checkpoint-window-stats.c (the statistics) only; callers use
 * ps-checkpoint-window.h.
 */
#pragma once

#include "ps-checkpoint-window.h"

G_BEGIN_DECLS

enum { STAT_DTYPE, STAT_SHAPE, STAT_MEAN, STAT_STD, STAT_MIN, STAT_MAX, N_STATS };

struct _PsCheckpointWindow
{
  GtkApplicationWindow parent_instance;

  PsCheckpoint      *ck;               /* ref, nullable */
  PsCheckpointOrder  order;
  char              *selected_key;
  const PsCheckpointNode *node;        /* selected, nullable */
  PsCheckpointView   view;
  gboolean           has_view;
  gboolean           updating;         /* the picker is being rebuilt */

  /* header */
  GtkWidget *title_label, *subtitle_label;
  /* tree */
  GtkSingleSelection *selection;
  GtkTreeListModel   *tree_model;      /* owned by selection */
  GtkWidget *tree_view, *summary_label;
  /* right side */
  GtkWidget *stack;
  GtkWidget *place_icon, *place_title, *place_text;
  GtkWidget *name_label, *badge_label, *info_label;
  GtkWidget *picker, *axes_note, *row_dd, *col_dd, *picker_flow;
  GtkWidget *spins[PS_SAFETENSORS_MAX_DIMS];
  GtkWidget *heatmap, *readout, *zoom_reset;
  GtkWidget *scope_dd, *stats_button, *stats_spinner, *stat_values[N_STATS];

  /* statistics */
  GCancellable *stats_cancel;
  guint         stats_serial;
  gboolean      stats_running, stats_valid, stats_whole;
  PsStats       stats;
  char         *readout_text;
};

static inline void
set_a11y_label (GtkWidget *w, const char *label)
{
  gtk_accessible_update_property (GTK_ACCESSIBLE (w), GTK_ACCESSIBLE_PROPERTY_LABEL, label, -1);
}

static inline GtkWidget *
dim_label (const char *text, gboolean caption)
{
  GtkWidget *l = gtk_label_new (text);
  gtk_widget_add_css_class (l, "dim-label");
  if (caption)
    gtk_widget_add_css_class (l, "caption");
  return l;
}

/* ps-checkpoint-window-stats.c */
/* Show the figures (or dashes) and the Compute/Cancel button as they are now. */
void       ps_checkpoint_window_stats_show   (PsCheckpointWindow *win);
/* Stop the worker; its result, if it comes, is dropped. */
void       ps_checkpoint_window_stats_cancel (PsCheckpointWindow *win);
/* The slice (or scope) changed: old figures go; small ones come at once. */
void       ps_checkpoint_window_stats_reset  (PsCheckpointWindow *win);
/* The template callbacks of the "Statistics" row (ps-checkpoint-window.ui). */
void       ps_checkpoint_window_stats_class_init (GtkWidgetClass *wc);

G_END_DECLS
