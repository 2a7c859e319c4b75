/* ps-heatmap-view.h — one parameter (or its gradient) as a heatmap
 *
 * PsHeatmapView draws a PsParam as a matrix of coloured cells: rows are
 * output features (ps_heatmap_shape; a bias is a column strip), the diverging
 * colormap of ps-heatmap.h is centred at 0, and a colorbar at the right shows
 * the range.  It listens to the parameter, so every change (edit, init,
 * backward, optimizer step) redraws it — and because a tied parameter is one
 * PsParam, every view of it redraws in the same frame.
 *
 *   GtkWidget *data = ps_heatmap_view_new ();
 *   GtkWidget *grad = ps_heatmap_view_new ();
 *   ps_heatmap_view_set_param (PS_HEATMAP_VIEW (data), p, FALSE, "2.weight");
 *   ps_heatmap_view_set_param (PS_HEATMAP_VIEW (grad), p, TRUE, "grad 2.weight");
 *   g_signal_connect (data, "edit-requested", G_CALLBACK (on_edit), doc);
 *
 * Large matrices are reduced to screen resolution with max-|x| pooling
 * (outliers stay visible); the buffers are kept and reused.  Cells are crisp
 * at every zoom.
 *
 * Interaction: hover shows a tooltip (index, value, gradient); Ctrl+scroll,
 * Ctrl+plus/minus/0 zoom; dragging pans when zoomed; a click selects a cell;
 * arrow keys move the selection; Enter (or typing a number) edits the selected
 * value in a popover.  The view never changes the parameter itself: it emits
 * "edit-requested" and the window performs the edit (undoably), calling
 * ps_heatmap_view_show_error() if it fails.
 *
 * Signals:
 *   "edit-requested" (gint64 flat_index, gfloat value)   a typed value was committed
 *   "cell-selected"  (gint row, gint col)                the selection moved
 * Properties:
 *   "selected-row", "selected-col" (int, -1: none)
 */
#pragma once

#include <gtk/gtk.h>
#include "paramscope.h"

G_BEGIN_DECLS

#define PS_TYPE_HEATMAP_VIEW (ps_heatmap_view_get_type ())
G_DECLARE_FINAL_TYPE (PsHeatmapView, ps_heatmap_view, PS, HEATMAP_VIEW, GtkWidget)

GtkWidget  *ps_heatmap_view_new           (void);

/* Show param's values (show_grad FALSE) or its gradient.  param may be NULL
 * (nothing shown).  The view holds a reference and a listener on param until
 * the next call or its disposal.  title names it in tooltips and for
 * assistive technologies ("2.weight", "grad 2.weight"). */
void        ps_heatmap_view_set_param     (PsHeatmapView *v, PsParam *param, gboolean show_grad,
                                           const char *title);
PsParam    *ps_heatmap_view_get_param     (PsHeatmapView *v);        /* borrowed, nullable */
gboolean    ps_heatmap_view_get_show_grad (PsHeatmapView *v);

/* The selected cell; -1, -1 for none.  Setting it emits "cell-selected". */
void        ps_heatmap_view_set_selected  (PsHeatmapView *v, int row, int col);
int         ps_heatmap_view_get_selected_row (PsHeatmapView *v);
int         ps_heatmap_view_get_selected_col (PsHeatmapView *v);

/* Zoom: 1 = the whole matrix fits; zooming keeps the point (x, y) in place. */
void        ps_heatmap_view_zoom_at       (PsHeatmapView *v, double factor, double x, double y);
void        ps_heatmap_view_reset_zoom    (PsHeatmapView *v);
double      ps_heatmap_view_get_zoom      (PsHeatmapView *v);

/* Widget coordinates to the cell there (FALSE outside the matrix), and a
 * cell's rectangle in widget coordinates (it may lie outside when zoomed). */
gboolean    ps_heatmap_view_get_cell_at   (PsHeatmapView *v, double x, double y,
                                           int *row, int *col);
void        ps_heatmap_view_cell_rect     (PsHeatmapView *v, int row, int col,
                                           graphene_rect_t *out);

/* The tooltip of a cell: "2.weight [1, 2]\nvalue 0.25\ngradient none yet"
 * (values with %.6g).  NULL outside the matrix.  Free with g_free. */
char       *ps_heatmap_view_describe_cell (PsHeatmapView *v, int row, int col);

/* Editing.  begin_edit opens the value popover at (row, col) prefilled with
 * the value (FALSE if nothing editable is shown there); commit_text parses
 * text and emits "edit-requested" (TRUE), or shows the error in the popover
 * and changes nothing (FALSE).  show_error reports a failed edit there. */
gboolean    ps_heatmap_view_begin_edit    (PsHeatmapView *v, int row, int col);
/* A read-only view never edits (values are always read only in a gradient view). */
void        ps_heatmap_view_set_read_only (PsHeatmapView *v, gboolean read_only);
gboolean    ps_heatmap_view_commit_text   (PsHeatmapView *v, const char *text);
void        ps_heatmap_view_cancel_edit   (PsHeatmapView *v);
gboolean    ps_heatmap_view_is_editing    (PsHeatmapView *v);
void        ps_heatmap_view_show_error    (PsHeatmapView *v, const char *message);

/* Parse a typed value: a whole decimal number (C locale, surrounding spaces
 * and a U+2212 minus allowed) that is finite as a float. */
gboolean    ps_heatmap_view_parse_value   (const char *text, float *out);

/* The widget's current content (its cells, grid, selection and colorbar, not
 * its CSS background), drawn now and offscreen by the widget's renderer,
 * scaled to width x height (<= 0: the widget's size).  NULL if it has no
 * size yet. */
GdkTexture *ps_heatmap_view_render_texture (PsHeatmapView *v, int width, int height);

/* The whole matrix at PS_HEATMAP_EXPORT_CELL px a cell with its colorbar, as
 * `paramscope-cli render --colorbar` draws it; written atomically. */
#define PS_HEATMAP_EXPORT_CELL 16
gboolean    ps_heatmap_view_export_png    (PsHeatmapView *v, const char *path, GError **error);

G_END_DECLS
