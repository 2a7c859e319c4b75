/* ps-overview.h — every parameter of a network at once, as small heatmaps
 *
 * One row per layer, in state_dict (tree) order: the layer's key, then its
 * weight and its bias strip, each coloured with the colormap of ps-heatmap.h
 * over its own range.  A tied parameter is pooled and coloured once and drawn
 * at every place it occurs, each outlined in the colour of its tie group, so
 * the places that are one object are easy to see.  Clicking a heatmap (or
 * pressing Enter on the focused one) emits "param-activated" with the
 * state_dict key of that place.  The overview listens to every parameter and
 * redraws when any of them changes.
 *
 * Signals:
 *   "param-activated" (const char *key)
 */
#pragma once

#include <gtk/gtk.h>
#include "paramscope.h"
#include "ps-matrix-source.h"

G_BEGIN_DECLS

#define PS_TYPE_OVERVIEW (ps_overview_get_type ())
G_DECLARE_FINAL_TYPE (PsOverview, ps_overview, PS, OVERVIEW, GtkWidget)

GtkWidget *ps_overview_new         (void);
/* Show model m (NULL: nothing).  Holds a reference and listeners on its
 * parameters until the next call or disposal.  Call again after the
 * structure of m changed (a module appended). */
void       ps_overview_set_model   (PsOverview *o, PsModule *m);
/* The same, showing only the places under a node of the tree: the keys
 * that start with prefix and a dot ("0" shows "0.weight" and "0.bias");
 * NULL or "" shows them all.  Keys stay whole (state_dict keys of m). */
void       ps_overview_set_model_under (PsOverview *o, PsModule *m, const char *prefix);
PsModule  *ps_overview_get_model   (PsOverview *o);           /* borrowed, nullable */
/* Cells at most max_cell px, a row at most row_max_h px tall (<= 0: the
 * defaults, 10 and 96): the window's small multiples of one module are
 * drawn larger than the overview of the whole network. */
void       ps_overview_set_cell_limits (PsOverview *o, double max_cell, double row_max_h);
/* The number of places (state_dict keys) shown. */
guint      ps_overview_get_n_places (PsOverview *o);

/* The state_dict key drawn at (x, y), or NULL.  Free with g_free. */
char      *ps_overview_get_key_at  (PsOverview *o, double x, double y);
/* Where the place of key is drawn (FALSE if it is not). */
gboolean   ps_overview_get_key_rect (PsOverview *o, const char *key, graphene_rect_t *out);
/* A tiled parameter (a convolution's kernels, a recurrent weight's gates, as
 * the parameter page shows them: ps-tile-source.h): the cell of its matrix
 * (gaps included) under (x, y), and where cell (row, col) is drawn.  FALSE
 * for a parameter shown as one matrix, or outside. */
gboolean   ps_overview_cell_at     (PsOverview *o, const char *key, double x, double y,
                                    int64_t *row, int64_t *col);
gboolean   ps_overview_cell_rect   (PsOverview *o, const char *key, int64_t row, int64_t col,
                                    graphene_rect_t *out);
/* What the tooltip says of the cell under (x, y) of a tiled parameter
 * ("[7, 4, 2, 3]\nvalue 0.0123\ngradient none yet"), else NULL.  Free with g_free. */
char      *ps_overview_describe_at (PsOverview *o, double x, double y);
/* The tile source a tiled parameter is drawn through (borrowed), else NULL. */
PsMatrixSource *ps_overview_get_tiles (PsOverview *o, const char *key);
/* The outline colour of key's tie group (FALSE if key is not tied). */
gboolean   ps_overview_get_tie_color (PsOverview *o, const char *key, GdkRGBA *out);

G_END_DECLS
