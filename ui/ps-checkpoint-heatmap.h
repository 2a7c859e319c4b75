/* ps-checkpoint-heatmap.h — a slice of a mapped tensor as a heatmap
 *
 * PsCheckpointHeatmap draws a PsCheckpointView (a 2-D slice of a tensor of
 * a PsCheckpoint) with the colours, colorbar and crisp cells of the main
 * window's heatmaps.  It never holds the tensor: each frame wants the
 * visible window of the slice pooled to about one cell per device pixel
 * (ps_pool_slice: max-|x|, NaN and +-Inf kept), and that pooling runs
 * in a worker thread, so a 4096 x 11008 tensor never blocks the UI; the
 * cells of the last finished pooling are drawn meanwhile (moved with the
 * pan).  When zoomed in, only the visible rows and columns are read.
 *
 *   GtkWidget *h = ps_checkpoint_heatmap_new ();
 *   ps_checkpoint_heatmap_set_view (PS_CHECKPOINT_HEATMAP (h), ck, &view,
 *                                   "model.layers.0.mlp.down_proj.weight");
 *
 * The colours span [-range, range], range being the largest finite
 * magnitude of the whole slice (kept while zooming and panning).
 *
 * Interaction: hover shows a tooltip with the full index and the value;
 * Ctrl+scroll and Ctrl+plus/minus/0 zoom; dragging (or scrolling when
 * zoomed) pans; a click or the arrow keys select a cell.
 *
 * Signals:
 *   "cell-focused" (gint64 row, gint64 col)  the hovered or selected cell
 *                                            changed (-1, -1: none)
 *   "ready"                                  a frame showed the current
 *                                            view completely
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-checkpoint.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_HEATMAP (ps_checkpoint_heatmap_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointHeatmap, ps_checkpoint_heatmap, PS, CHECKPOINT_HEATMAP, GtkWidget)

GtkWidget  *ps_checkpoint_heatmap_new          (void);

/* Show view of ck (copied; ck is referenced), or nothing (ck NULL).  A view
 * of another tensor or other axes resets the zoom; another fixed index
 * keeps it, so a slice can be compared with its neighbour in place. */
void        ps_checkpoint_heatmap_set_view     (PsCheckpointHeatmap *h, PsCheckpoint *ck,
                                                const PsCheckpointView *view, const char *title);
const PsCheckpointView *ps_checkpoint_heatmap_get_view (PsCheckpointHeatmap *h);   /* nullable */

/* TRUE when the last frame drew the current view's visible window at full
 * resolution (nothing left to pool). */
gboolean    ps_checkpoint_heatmap_is_ready     (PsCheckpointHeatmap *h);
/* Microseconds the last pooling took in its thread (reading, converting,
 * colouring). */
gint64      ps_checkpoint_heatmap_get_pool_time (PsCheckpointHeatmap *h);

/* Zoom: 1 = the whole slice fits; zooming keeps the point (x, y) in place. */
void        ps_checkpoint_heatmap_zoom_at      (PsCheckpointHeatmap *h, double factor, double x,
                                                double y);
void        ps_checkpoint_heatmap_reset_zoom   (PsCheckpointHeatmap *h);
double      ps_checkpoint_heatmap_get_zoom     (PsCheckpointHeatmap *h);
/* Move the slice by (dx, dy) pixels when zoomed. */
void        ps_checkpoint_heatmap_pan          (PsCheckpointHeatmap *h, double dx, double dy);

/* The rows and columns now visible (at least partly). */
void        ps_checkpoint_heatmap_get_window   (PsCheckpointHeatmap *h, int64_t *row0,
                                                int64_t *col0, int64_t *rows, int64_t *cols);
/* Widget coordinates to the cell there (FALSE outside), and back. */
gboolean    ps_checkpoint_heatmap_get_cell_at  (PsCheckpointHeatmap *h, double x, double y,
                                                int64_t *row, int64_t *col);
void        ps_checkpoint_heatmap_cell_rect    (PsCheckpointHeatmap *h, int64_t row, int64_t col,
                                                graphene_rect_t *out);
/* "[2, 17, 5]  −0.0123": the full index and the value of a slice cell;
 * NULL outside.  Free with g_free. */
char       *ps_checkpoint_heatmap_describe_cell (PsCheckpointHeatmap *h, int64_t row, int64_t col);

/* The selected cell (-1, -1: none). */
void        ps_checkpoint_heatmap_set_selected (PsCheckpointHeatmap *h, int64_t row, int64_t col);
void        ps_checkpoint_heatmap_get_selected (PsCheckpointHeatmap *h, int64_t *row, int64_t *col);

/* The widget's content drawn now, offscreen (width, height <= 0: its own
 * size); NULL if it has no size. */
GdkTexture *ps_checkpoint_heatmap_render_texture (PsCheckpointHeatmap *h, int width, int height);

G_END_DECLS
