/* ps-heatmap-draw.h — drawing a heatmap and its colorbar with cairo
 *
 * The window's heatmap widget and `paramscope-cli render` both draw through
 * these functions (cairo only, no GTK), so a PNG from the command line shows
 * exactly the pixels of the window.
 */
#pragma once

#include <cairo.h>
#include "paramscope.h"

G_BEGIN_DECLS

/* Cells of a matrix as an image surface, one pixel per cell (argb from
 * ps_heatmap_colorize).  Paint it scaled with ps_heatmap_draw_cells. */
cairo_surface_t *ps_heatmap_cells_surface (const guint32 *argb, int rows, int cols);

/* Paint the cell surface into (x, y, w, h) with crisp, nearest-neighbour cells. */
void             ps_heatmap_draw_cells    (cairo_t *cr, cairo_surface_t *cells,
                                           double x, double y, double w, double h);

/* A vertical colorbar in (x, y, w, h) for [-range, range] with labels for
 * +range, 0 and -range to its right; fg is the text colour. */
void             ps_heatmap_draw_colorbar (cairo_t *cr, double x, double y, double w, double h,
                                           float range, double fg_r, double fg_g, double fg_b,
                                           double font_size);

/* Width the colorbar's labels need at font_size. */
double           ps_heatmap_colorbar_label_width (cairo_t *cr, float range, double font_size);

/* "0.0123", "-4.5e+03": the label of a value, 3 significant digits. */
char            *ps_heatmap_format_value  (double v);

/* Where a heatmap widget puts its cells and colorbar in width x height: the
 * matrix fitted (cells at most PS_HEATMAP_MAX_FIT_CELL px, whole pixels from
 * 4 px up), zoomed, centred or panned without an empty margin, the colorbar
 * to the right of what is visible when there is room.  Shared by the
 * window's heatmap and the checkpoint browser's. */
#define PS_HEATMAP_MAX_FIT_CELL 128.0

typedef struct
{
  int64_t rows, cols;
  double  font;
  double  ax, ay, aw, ah;           /* area the cells may occupy (clip) */
  double  fit;                      /* cell size at zoom 1 */
  double  cell;                     /* cell size now */
  double  ox, oy;                   /* top-left corner of the matrix */
  double  cx, cy;                   /* ... where it would be when centred */
  gboolean colorbar;
  double  bar_x, bar_y, bar_w, bar_h;
} PsHeatmapLayout;

/* label_width: room the colorbar's labels need (ps_heatmap_colorbar_label_width);
 * negative: no colorbar (cells in colours of their own: RGB filters), the
 * matrix takes its room. */
void             ps_heatmap_layout        (PsHeatmapLayout *L, int64_t rows, int64_t cols,
                                           int width, int height, double font,
                                           double label_width, double zoom,
                                           double pan_x, double pan_y);
/* The cell size at a zoom: whole pixels from 4 px (even cells, crisp grid). */
double           ps_heatmap_cell_size     (double fit, double zoom);

#define PS_HEATMAP_IMAGE_MAX_SIDE 8192   /* pixels of the cells; beyond, max-|x| pooling */

/* A whole tensor as an image, px x px pixels a cell, rows = output features,
 * optionally with its colorbar (black labels on white): what `paramscope-cli
 * render` writes and the window exports.  *pooled (may be NULL) tells whether
 * the matrix had to be reduced to fit PS_HEATMAP_IMAGE_MAX_SIDE. */
cairo_surface_t *ps_heatmap_render_image  (const PsTensor *shown, int64_t px, gboolean colorbar,
                                           gboolean *pooled);
/* The cells of such an image for a rows x cols matrix at px pixels a cell:
 * the matrix itself, or fewer (pooled) to fit PS_HEATMAP_IMAGE_MAX_SIDE. */
void             ps_heatmap_image_cells   (int64_t rows, int64_t cols, int64_t px,
                                           int *out_rows, int *out_cols);
/* The same image from cells already pooled and coloured at range
 * (out_rows x out_cols ARGB32, as ps_heatmap_image_cells says). */
cairo_surface_t *ps_heatmap_render_cells  (const guint32 *argb, int out_rows, int out_cols,
                                           float range, int64_t px, gboolean colorbar);
/* Write an image surface as a PNG, replacing path atomically (ps-file.h):
 * on failure (PS_ERROR_IO) the previous file, if any, is untouched. */
gboolean         ps_heatmap_write_png     (cairo_surface_t *img, const char *path, GError **error);

G_END_DECLS
