/* ps-matrix-view.h — one widget for every matrix: values, gradients,
 * differences, checkpoint tensors
 *
 * PsMatrixView draws a PsMatrixSource (ps-matrix-source.h) as a matrix of
 * coloured cells: the diverging colormap of ps-heatmap.h centred at 0,
 * a colorbar at the right, crisp cells at every zoom.  Each frame wants the
 * visible window of the matrix pooled to about one cell per device pixel
 * (max-|x|: outliers stay visible).  A synchronous source (a live
 * parameter) is pooled during the frame and the result kept by (version,
 * window, resolution); an asynchronous one (a checkpoint tensor) is pooled
 * in a worker, and the cells of the last finished pooling are drawn
 * meanwhile, moved with the pan.  "changed" from the source redraws.
 *
 *   GtkWidget *view = ps_matrix_view_new ();
 *   g_autoptr (PsMatrixSource) src = ps_param_source_new (p, FALSE, "2.weight");
 *   ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
 *   ps_matrix_view_set_editable (PS_MATRIX_VIEW (view), TRUE);
 *
 * Interaction: hover shows a tooltip (the source's description of the
 * cell); Ctrl+scroll, plus/minus zoom and Home shows the whole matrix again
 * (Ctrl+plus/minus scale the window's interface); dragging (or scrolling when
 * zoomed) pans; a click or the arrow keys (Page Up/Down: 16 rows) select a
 * cell.  When the view is editable and its source accepts values, Enter,
 * F2, a double click or typing a digit edits the selected value in a
 * popover; the view emits "edit-requested" and, when nobody handles it,
 * writes the value through ps_matrix_source_set_value.
 *
 * Layout: one matrix (rows = output features).  The source keeps the N-d
 * shape (PsMatrixShape) so a later layout can draw a 4-D tensor as tiles
 * through the same geometry functions (ps-matrix-view-private.h).
 *
 * Signals:
 *   "edit-requested" (gint64 flat_index, gfloat value)  a typed value was committed;
 *                    a handler performs the edit (calling show_error if it fails)
 *   "cell-selected"  (gint row, gint col)      the selection moved (-1, -1: none)
 *   "cell-focused"   (gint64 row, gint64 col)  the hovered, else selected, cell changed
 *   "ready"                                    a frame showed the current source completely
 * Properties:
 *   "source" (PsMatrixSource, nullable), "editable" (boolean, FALSE),
 *   "selected-row", "selected-col" (int, -1: none), "show-values" (boolean, FALSE)
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-matrix-source.h"

G_BEGIN_DECLS

#define PS_TYPE_MATRIX_VIEW (ps_matrix_view_get_type ())
G_DECLARE_FINAL_TYPE (PsMatrixView, ps_matrix_view, PS, MATRIX_VIEW, GtkWidget)

GtkWidget      *ps_matrix_view_new            (void);

/* Show source (referenced), or nothing.  Another source resets the zoom,
 * the pan and the selection; the same source again changes nothing. */
void            ps_matrix_view_set_source     (PsMatrixView *v, PsMatrixSource *source);
/* The same, keeping the zoom, pan and selection when the new source has
 * the rows and columns of the old (a neighbouring slice, compared in place). */
void            ps_matrix_view_replace_source (PsMatrixView *v, PsMatrixSource *source);
PsMatrixSource *ps_matrix_view_get_source     (PsMatrixView *v);            /* borrowed, nullable */

void            ps_matrix_view_set_editable   (PsMatrixView *v, gboolean editable);
gboolean        ps_matrix_view_get_editable   (PsMatrixView *v);

/* Print each value inside its cell when the cells are the matrix's own (not
 * pooled) and big enough for the number ("-0.351", 3 significant digits) at
 * a legible size: an 8 x 4 weight shows its 32 values.  Presentation Mode
 * turns it on in the window. */
void            ps_matrix_view_set_show_values (PsMatrixView *v, gboolean show);
gboolean        ps_matrix_view_get_show_values (PsMatrixView *v);
/* The font size (px) the last frame printed values at; 0: none printed. */
double          ps_matrix_view_get_values_font (PsMatrixView *v);

/* The selected cell; -1, -1 for none.  Setting it emits "cell-selected". */
void            ps_matrix_view_set_selected   (PsMatrixView *v, int64_t row, int64_t col);
int64_t         ps_matrix_view_get_selected_row (PsMatrixView *v);
int64_t         ps_matrix_view_get_selected_col (PsMatrixView *v);

/* Zoom: 1 = the whole matrix fits; zooming keeps the point (x, y) in place. */
void            ps_matrix_view_zoom_at        (PsMatrixView *v, double factor, double x, double y);
void            ps_matrix_view_reset_zoom     (PsMatrixView *v);
double          ps_matrix_view_get_zoom       (PsMatrixView *v);
/* Move the matrix by (dx, dy) pixels when zoomed. */
void            ps_matrix_view_pan            (PsMatrixView *v, double dx, double dy);
/* The rows and columns now visible (at least partly). */
void            ps_matrix_view_get_window     (PsMatrixView *v, int64_t *row0, int64_t *col0,
                                               int64_t *rows, int64_t *cols);

/* Widget coordinates to the cell there (FALSE outside the matrix), and a
 * cell's rectangle in widget coordinates (it may lie outside when zoomed). */
gboolean        ps_matrix_view_get_cell_at    (PsMatrixView *v, double x, double y,
                                               int64_t *row, int64_t *col);
void            ps_matrix_view_cell_rect      (PsMatrixView *v, int64_t row, int64_t col,
                                               graphene_rect_t *out);
/* The source's description of a cell (ps_matrix_source_describe_cell);
 * NULL outside the matrix.  Free with g_free. */
char           *ps_matrix_view_describe_cell  (PsMatrixView *v, int64_t row, int64_t col);

/* TRUE when the last frame drew the current window completely (nothing
 * left to pool); the microseconds its last pooling took. */
gboolean        ps_matrix_view_is_ready       (PsMatrixView *v);
gint64          ps_matrix_view_get_pool_time  (PsMatrixView *v);

/* Editing.  begin_edit opens the value popover at (row, col) prefilled with
 * the value (FALSE unless the view is editable and its source accepts a
 * value there); commit_text parses text and emits "edit-requested" (TRUE),
 * or shows the error in the popover and changes nothing (FALSE).
 * show_error reports a failed edit there. */
gboolean        ps_matrix_view_begin_edit     (PsMatrixView *v, int64_t row, int64_t col);
gboolean        ps_matrix_view_commit_text    (PsMatrixView *v, const char *text);
void            ps_matrix_view_cancel_edit    (PsMatrixView *v);
gboolean        ps_matrix_view_is_editing     (PsMatrixView *v);
void            ps_matrix_view_show_error     (PsMatrixView *v, const char *message);

/* Parse a typed value: a whole decimal number (C locale, surrounding spaces
 * and a U+2212 minus allowed) that is finite as a float. */
gboolean        ps_matrix_view_parse_value    (const char *text, float *out);

/* The widget's current content (cells, grid, selection, colorbar; not its
 * CSS background), drawn now and offscreen by the widget's renderer,
 * scaled to width x height (<= 0: the widget's size).  NULL if it has no
 * size yet. */
GdkTexture     *ps_matrix_view_render_texture (PsMatrixView *v, int width, int height);

/* The whole matrix at PS_MATRIX_EXPORT_CELL px a cell with its colorbar, as
 * `paramscope-cli render --colorbar` draws it; written atomically. */
#define PS_MATRIX_EXPORT_CELL 16
gboolean        ps_matrix_view_export_png     (PsMatrixView *v, const char *path, GError **error);

G_END_DECLS
