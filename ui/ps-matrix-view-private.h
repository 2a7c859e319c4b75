/* ps-matrix-view-private.h — what the files of PsMatrixView share
 *
 *   ps-matrix-view.c        the source, layout, selection, geometry, zoom, export
 *   ps-matrix-view-cells.c  the cells on screen: pooling jobs, now or in a worker
 *   ps-matrix-view-draw.c   the layers of a frame, offscreen rendering
 *   ps-matrix-view-input.c  pointer, scroll, keyboard actions, tooltip
 *   ps-matrix-view-edit.c   the value popover
 *
 * Geometry goes through matrix_layout() and the cell functions below.  A
 * tiled layout (a Conv2d weight [out, in, kh, kw] as out x in tiles of
 * kh x kw: ps-tile-source.h) is the source's matrix with empty cells
 * between tiles; the view only keeps its grid inside the tiles, marks the
 * separators between bands, and draws the bands' labels (PsMatrixShape's
 * tile fields, ps_matrix_source_get_row_label).  The frame is drawn in layers
 * (ps_matrix_view_draw_matrix): cells, grid, values inside big cells
 * ("show-values"), selection, colorbar.
 */
#pragma once

#include "ps-matrix-view.h"
#include "ps-heatmap-draw.h"

G_BEGIN_DECLS

#define PS_MATRIX_GRID_MIN_CELL 12.0    /* draw a grid between cells from this size */
#define PS_MATRIX_ZOOM_STEP     1.25
#define PS_MATRIX_NUMBERS_MAX   4096    /* cells whose values a frame may print */
#define PS_MATRIX_NUMBERS_MIN_FONT 7.0  /* px: smaller numbers are not printed */

typedef PsHeatmapLayout PsMatrixLayout;

/* A window of the matrix at a resolution: what a set of cells shows. */
typedef struct
{
  guint   generation;                   /* of the source: bumped by set_source */
  guint64 version;                      /* of its values */
  int64_t r0, c0, vrows, vcols;
  int     out_rows, out_cols;
} PsMatrixKey;

/* One pooling and its buffers (grown only).  While an asynchronous one
 * runs only its worker touches it. */
typedef struct
{
  PsMatrixSource *source;               /* ref while running */
  PsMatrixKey     key;
  PsMatrixPool    pool;
  float          *pooled;
  guint32        *argb;                 /* the back buffer */
  gsize           cap;                  /* elements of pooled and argb */
  PsPoolScratch   scratch;
} PsMatrixJob;

struct _PsMatrixView
{
  GtkWidget parent_instance;

  /* what is shown */
  PsMatrixSource *source;               /* ref, nullable */
  gulong          changed_id;
  guint           generation;
  gboolean        editable;
  guint           a11y_idle_id;

  /* view state */
  int64_t  sel_row, sel_col;            /* -1: none */
  int64_t  focus_row, focus_col;        /* hovered, else selected */
  double   zoom;                        /* 1: the whole matrix fits */
  double   pan_x, pan_y;                /* offset of the matrix from its centred place, px */
  double   drag_pan_x, drag_pan_y;
  gboolean dragging;
  double   pointer_x, pointer_y;

  /* the colours' range, as the last pooling of this source found it */
  float    range;
  gboolean range_valid;

  /* the cells on screen */
  guint32         *argb;
  gsize            cap;
  cairo_surface_t *cells;               /* wraps argb */
  PsMatrixKey      key;
  gboolean         key_valid;
  /* their values, kept when the cells are the matrix's own (not pooled) and
   * few enough to print (ps-matrix-view-draw.c) */
  float           *vals;
  gsize            vals_cap;
  gboolean         vals_valid;
  gboolean         show_values;         /* print values inside cells that are big enough */
  double           values_font;         /* px the last frame printed them at, 0: none */

  /* pooling: sync_job for synchronous sources, job (in a worker) for the others */
  PsMatrixJob     *sync_job;
  PsMatrixJob     *job;
  gboolean         running;
  PsMatrixKey      pending;
  gboolean         has_pending;
  GCancellable    *cancel;              /* cancelled when the widget goes */
  guint            busy_id;
  gboolean         show_busy;
  gboolean         ready;               /* the last frame was complete */
  gint64           pool_us;

  /* colorbar label width, by (range, font) */
  cairo_surface_t *probe;
  float            label_range;
  double           label_font, label_width;

  /* editing (ps-matrix-view-edit.c) */
  GtkWidget *popover, *entry, *error_label;
  int64_t    edit_row, edit_col;
  gboolean   editing;
  gboolean   error_shown;               /* show_error() was called since the last commit */
};

static inline gboolean
ps_matrix_view_is_async (PsMatrixView *v)
{
  return v->source != NULL && ps_matrix_source_is_async (v->source);
}

/* ps-matrix-view.c */
gboolean ps_matrix_view_layout        (PsMatrixView *v, PsMatrixLayout *L);   /* FALSE: nothing */
/* The key of what layout L shows at scale (device pixels per point). */
void     ps_matrix_view_layout_key    (PsMatrixView *v, const PsMatrixLayout *L, int scale,
                                       PsMatrixKey *k);
void     ps_matrix_view_update_accessible (PsMatrixView *v);
gboolean ps_matrix_view_get_shape     (PsMatrixView *v, PsMatrixShape *shape);
double   ps_matrix_view_row_label_gutter (PsMatrixView *v, const PsMatrixShape *shape, double font);
void     ps_matrix_view_scroll_to     (PsMatrixView *v, int64_t row, int64_t col);
void     ps_matrix_view_set_focus     (PsMatrixView *v, int64_t row, int64_t col);
void     ps_matrix_view_zoom_keyboard (PsMatrixView *v, double factor);
void     ps_matrix_view_cursor        (PsMatrixView *v);
void     ps_matrix_view_request_edit (PsMatrixView *v, int64_t row, int64_t col, float value);
void     ps_matrix_view_snapshot      (GtkWidget *widget, GtkSnapshot *snapshot);

/* ps-matrix-view-cells.c */
void     ps_matrix_job_free           (PsMatrixJob *j);
/* Point j's pooling at key k, its buffers large enough. */
void     ps_matrix_job_prepare        (PsMatrixJob *j, const PsMatrixKey *k);
/* Make the cells on screen show what the layout wants (want: its key, may
 * be NULL), or ask for them.  TRUE when they do now. */
gboolean ps_matrix_view_request_cells (PsMatrixView *v, PsMatrixKey *want);
/* The source, zoom or pan changed: pool now rather than at the next frame. */
void     ps_matrix_view_request_soon  (PsMatrixView *v);

/* ps-matrix-view-draw.c */
void     ps_matrix_view_draw_placeholder (GtkWidget *w, GtkSnapshot *s, const char *text);
/* range: the colorbar's, NULL: no colorbar yet */
void     ps_matrix_view_draw_matrix   (PsMatrixView *v, GtkSnapshot *snapshot,
                                       const PsMatrixLayout *L, const PsMatrixKey *want,
                                       const float *range, int width, int height);

/* ps-matrix-view-input.c */
void     ps_matrix_view_input_class_init (GtkWidgetClass *wc);
void     ps_matrix_view_input_init    (PsMatrixView *v);
gboolean ps_matrix_view_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard,
                                       GtkTooltip *tooltip);

/* ps-matrix-view-edit.c */
void     ps_matrix_view_edit_init     (PsMatrixView *v);
void     ps_matrix_view_edit_dispose  (PsMatrixView *v);
void     ps_matrix_view_edit_allocate (PsMatrixView *v);
gboolean ps_matrix_view_begin_edit_with (PsMatrixView *v, int64_t row, int64_t col,
                                         const char *initial);

G_END_DECLS
