/* ps-tile-source.h — a tensor laid out as tiles: conv kernels, feature maps, gates
 *
 * A PsMatrixSource whose matrix is a grid of tiles with empty cells
 * between them, drawn by the same PsMatrixView as every other matrix:
 *
 *   KERNELS  a Conv2d weight [out, in, kh, kw] (Conv1d: [out, in, k]) as
 *            out rows by in columns of kh x kw tiles;
 *   RGB      a weight [out, 3, kh, kw] as one colour image per filter
 *            (the three input channels as red, green, blue: 0 is grey,
 *            +-range full or no intensity), in a near-square grid;
 *   GATES    a recurrent weight [G*hidden, in] (or bias [G*hidden]) as G
 *            bands of hidden rows, labelled by `gates` ("ifgo": LSTM, "rzn": GRU);
 *   MAPS     one sample's activations [C, H, W] as a near-square grid of
 *            H x W feature maps ([C, L]: one tile; [F]: a row).
 *
 * Hovering a cell names the tensor's full index ("conv1.weight [o, i, y, x]"),
 * with `sample` first for activations ("[n, c, y, x]"); cells in the gaps
 * describe nothing.  A source over a parameter follows it (edits, backward,
 * training) as PsParamSource does and edits values through the same
 * element index (ps_tile_source_get_element); a source over a tensor shows
 * that tensor as it is (the window makes a new one after each Forward).
 *
 *   PsMatrixSource *s = ps_tile_source_new_param (w, FALSE, "0.weight", PS_TILE_KERNELS, NULL);
 */
#pragma once

#include "ps-matrix-source.h"

G_BEGIN_DECLS

typedef enum
{
  PS_TILE_KERNELS,
  PS_TILE_RGB,
  PS_TILE_GATES,
  PS_TILE_MAPS,
} PsTileMode;

#define PS_TILE_GAP 1           /* empty cells between tiles */

#define PS_TYPE_TILE_SOURCE (ps_tile_source_get_type ())
G_DECLARE_FINAL_TYPE (PsTileSource, ps_tile_source, PS, TILE_SOURCE, GObject)

/* Whether a tensor of this shape can be shown in mode (RGB: [out, 3, kh, kw];
 * GATES: rows divisible by strlen (gates); KERNELS: 3-D or 4-D). */
gboolean        ps_tile_mode_fits          (PsTileMode mode, int ndim, const int64_t *shape,
                                            const char *gates);

/* How the window shows parameter `slot` of module owner: TRUE with the mode
 * (and the gates' letters) when tiled — a 3-D or 4-D convolution weight as
 * kernels (rgb: as colour images when it has 3 input channels), the
 * weights and biases of LSTM ("ifgo") and GRU ("rzn") layers and cells in
 * gates; FALSE: as a plain matrix. */
gboolean        ps_tile_mode_for_param     (PsModule *owner, const char *slot, PsParam *param,
                                            gboolean rgb, PsTileMode *mode, const char **gates);

/* A parameter's values or gradient (param referenced).  gates: for GATES. */
PsMatrixSource *ps_tile_source_new_param   (PsParam *param, gboolean show_grad, const char *title,
                                            PsTileMode mode, const char *gates);
/* A tensor (referenced, not to be changed afterwards); sample >= 0 is shown
 * as the first index of every cell. */
PsMatrixSource *ps_tile_source_new_tensor  (PsTensor *t, const char *title, PsTileMode mode,
                                            int64_t sample);

PsTileMode      ps_tile_source_get_mode    (PsTileSource *self);
PsParam        *ps_tile_source_get_param   (PsTileSource *self);   /* borrowed, nullable */
gboolean        ps_tile_source_get_show_grad (PsTileSource *self);
void            ps_tile_source_set_title   (PsTileSource *self, const char *title);
/* The tensor's flat element at a matrix cell (RGB: the red channel's), or
 * -1 in a gap. */
int64_t         ps_tile_source_get_element (PsTileSource *self, int64_t row, int64_t col);
/* The full index of the tensor's flat element ("[o, i, y, x]", RGB: "[o, :, y, x]"),
 * as hovering says it.  Free with g_free. */
char           *ps_tile_source_format_index (PsTileSource *self, int64_t element);
/* The grid: tile rows and columns, and where tile (tr, tc) starts in the matrix. */
void            ps_tile_source_get_grid    (PsTileSource *self, int64_t *tile_rows,
                                            int64_t *tile_cols);
void            ps_tile_source_tile_origin (PsTileSource *self, int64_t tr, int64_t tc,
                                            int64_t *row, int64_t *col);

G_END_DECLS
