/* ps-heatmap-draw.c — drawing a heatmap and its colorbar with cairo */
#include "ps-heatmap-draw.h"
#include "ps-file.h"

#include <math.h>

/* The labels are numbers: ask for a Latin face by name.  "sans-serif" under a
 * Chinese locale resolves to a CJK face that may lack these glyphs. */
#define PS_HEATMAP_LABEL_FONT "DejaVu Sans"
#include <string.h>

cairo_surface_t *
ps_heatmap_cells_surface (const guint32 *argb, int rows, int cols)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, cols, rows);
  int stride = cairo_image_surface_get_stride (s);
  guint8 *data;

  cairo_surface_flush (s);
  data = cairo_image_surface_get_data (s);
  for (int r = 0; r < rows; r++)
    memcpy (data + (size_t) r * stride, argb + (size_t) r * cols, (size_t) cols * 4);
  cairo_surface_mark_dirty (s);
  return s;
}

void
ps_heatmap_draw_cells (cairo_t *cr, cairo_surface_t *cells, double x, double y, double w,
                       double h)
{
  int cols = cairo_image_surface_get_width (cells);
  int rows = cairo_image_surface_get_height (cells);
  cairo_pattern_t *p;

  if (cols == 0 || rows == 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, x, y, w, h);
  cairo_clip (cr);
  cairo_translate (cr, x, y);
  cairo_scale (cr, w / cols, h / rows);
  cairo_set_source_surface (cr, cells, 0, 0);
  p = cairo_get_source (cr);
  cairo_pattern_set_filter (p, CAIRO_FILTER_NEAREST);   /* crisp cells */
  cairo_pattern_set_extend (p, CAIRO_EXTEND_PAD);
  cairo_paint (cr);
  cairo_restore (cr);
}

char *
ps_heatmap_format_value (double v)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  if (v == 0)
    return g_strdup ("0");
  return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.3g", v));
}

double
ps_heatmap_colorbar_label_width (cairo_t *cr, float range, double font_size)
{
  double w = 0;
  float vals[3] = { range, 0, -range };

  cairo_save (cr);
  cairo_select_font_face (cr, PS_HEATMAP_LABEL_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, font_size);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *t = ps_heatmap_format_value (vals[i]);
      cairo_text_extents_t e;
      cairo_text_extents (cr, t, &e);
      w = MAX (w, e.x_advance);
    }
  cairo_restore (cr);
  return w + font_size * 0.6;
}

void
ps_heatmap_draw_colorbar (cairo_t *cr, double x, double y, double w, double h, float range,
                          double fg_r, double fg_g, double fg_b, double font_size)
{
  int steps = MAX (2, (int) h);
  float vals[3] = { range, 0, -range };

  cairo_save (cr);
  for (int i = 0; i < steps; i++)
    {
      double r, g, b;
      float v = range * (1.f - 2.f * (i + 0.5f) / steps);   /* top = +range */
      ps_colormap_rgb (v, range, &r, &g, &b);
      cairo_set_source_rgb (cr, r, g, b);
      cairo_rectangle (cr, x, y + h * i / steps, w, h / steps + 0.5);
      cairo_fill (cr);
    }
  cairo_set_source_rgb (cr, fg_r, fg_g, fg_b);
  cairo_set_line_width (cr, 1);
  cairo_rectangle (cr, x + 0.5, y + 0.5, w - 1, h - 1);
  cairo_stroke (cr);
  cairo_select_font_face (cr, PS_HEATMAP_LABEL_FONT, CAIRO_FONT_SLANT_NORMAL, CAIRO_FONT_WEIGHT_NORMAL);
  cairo_set_font_size (cr, font_size);
  for (int i = 0; i < 3; i++)
    {
      g_autofree char *t = ps_heatmap_format_value (vals[i]);
      cairo_text_extents_t e;
      double ty = y + h * i / 2.0;
      cairo_text_extents (cr, t, &e);
      cairo_move_to (cr, x + w, ty);
      cairo_line_to (cr, x + w + font_size * 0.3, ty);
      cairo_stroke (cr);
      cairo_move_to (cr, x + w + font_size * 0.45,
                     CLAMP (ty - e.y_bearing / 2 - e.height / 2 + e.height / 2, y + e.height, y + h));
      cairo_show_text (cr, t);
    }
  cairo_restore (cr);
}

cairo_surface_t *
ps_heatmap_render_image (const PsTensor *shown, int64_t px, gboolean colorbar, gboolean *pooled_out)
{
  g_autofree float *pooled = NULL;
  g_autofree guint32 *argb = NULL;
  PsPoolScratch scratch = { 0 };
  PsSlice slice;
  int64_t rows, cols;
  int out_rows, out_cols;
  float range;

  ps_heatmap_shape (shown->ndim, shown->shape, &rows, &cols);
  ps_heatmap_image_cells (rows, cols, px, &out_rows, &out_cols);
  if (pooled_out)
    *pooled_out = out_rows < rows || out_cols < cols;
  pooled = g_new (float, (gsize) out_rows * out_cols);
  argb = g_new (guint32, (gsize) out_rows * out_cols);
  ps_slice_init_f32 (&slice, shown->data, rows, cols);
  range = ps_pool_slice (&slice, 0, 0, rows, cols, pooled, out_rows, out_cols, &scratch);
  ps_pool_scratch_clear (&scratch);
  ps_heatmap_colorize (pooled, (int64_t) out_rows * out_cols, range, argb);
  return ps_heatmap_render_cells (argb, out_rows, out_cols, range, px, colorbar);
}

void
ps_heatmap_image_cells (int64_t rows, int64_t cols, int64_t px, int *out_rows, int *out_cols)
{
  *out_rows = (int) MIN (rows, PS_HEATMAP_IMAGE_MAX_SIDE / px);
  *out_cols = (int) MIN (cols, PS_HEATMAP_IMAGE_MAX_SIDE / px);
}

cairo_surface_t *
ps_heatmap_render_cells (const guint32 *argb, int out_rows, int out_cols, float range, int64_t px,
                         gboolean colorbar)
{
  int width, height, bar_w = 0;
  double font = 0;
  cairo_surface_t *img, *cells;
  cairo_t *cr;

  cells = ps_heatmap_cells_surface (argb, out_rows, out_cols);
  width = (int) (out_cols * px);
  height = (int) (out_rows * px);
  if (colorbar)
    {
      cairo_surface_t *probe = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, 1, 1);
      cairo_t *pc = cairo_create (probe);
      height = MAX (height, 160);
      font = CLAMP (height / 14.0, 11, 28);
      bar_w = (int) (font * 1.2 + font + ps_heatmap_colorbar_label_width (pc, range, font) + font);
      cairo_destroy (pc);
      cairo_surface_destroy (probe);
      width += bar_w;
    }
  img = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, width, height);
  cr = cairo_create (img);
  if (colorbar)
    {
      cairo_set_source_rgb (cr, 1, 1, 1);
      cairo_paint (cr);
    }
  ps_heatmap_draw_cells (cr, cells, 0, 0, out_cols * (double) px, out_rows * (double) px);
  if (colorbar)
    ps_heatmap_draw_colorbar (cr, out_cols * (double) px + font, font * 0.6, font * 1.2,
                              height - font * 1.2, range, 0, 0, 0, font);
  cairo_destroy (cr);
  cairo_surface_destroy (cells);
  return img;
}

double
ps_heatmap_cell_size (double fit, double zoom)
{
  double c = fit * zoom;
  return c >= 4 ? floor (c) : c;
}

static void
clamp_origin (double *o, double centred, double pan, double size, double a0, double alen)
{
  if (size <= alen)
    *o = centred;                   /* fits: stays centred */
  else
    *o = CLAMP (centred + pan, a0 + alen - size, a0);   /* no empty margin */
  *o = floor (*o);
}

void
ps_heatmap_layout (PsHeatmapLayout *L, int64_t rows, int64_t cols, int width, int height,
                   double font, double label_width, double zoom, double pan_x, double pan_y)
{
  double pad = round (font * 0.5), cbw, mw, mh;

  memset (L, 0, sizeof *L);
  L->rows = rows;
  L->cols = cols;
  L->font = font;
  /* colorbar: gap, bar, tick and labels */
  L->bar_w = round (font * 1.2);
  cbw = round (font * 0.8) + L->bar_w + label_width;
  L->colorbar = label_width >= 0 && width - 2 * pad - cbw >= 2 * font;
  if (!L->colorbar)
    cbw = 0;
  L->ax = pad;
  L->ay = pad;
  L->aw = MAX (1, width - 2 * pad - cbw);
  L->ah = MAX (1, height - 2 * pad);
  L->fit = MIN (MIN (L->aw / cols, L->ah / rows), PS_HEATMAP_MAX_FIT_CELL);
  if (L->fit >= 4)
    L->fit = floor (L->fit);
  L->cell = ps_heatmap_cell_size (L->fit, zoom);
  mw = cols * L->cell;
  mh = rows * L->cell;
  L->cx = floor (L->ax + (L->aw - mw) / 2);
  L->cy = floor (L->ay + (L->ah - mh) / 2);
  clamp_origin (&L->ox, L->cx, pan_x, mw, L->ax, L->aw);
  clamp_origin (&L->oy, L->cy, pan_y, mh, L->ay, L->ah);
  if (L->colorbar)
    {
      /* right of the visible matrix, as tall as it (within reason), centred on it */
      double vis_right = MIN (L->ox + mw, L->ax + L->aw);
      double vis_top = MAX (L->oy, L->ay), vis_bottom = MIN (L->oy + mh, L->ay + L->ah);
      L->bar_x = vis_right + round (font * 0.8);
      L->bar_h = MIN (L->ah, MAX (vis_bottom - vis_top, 8 * font));
      L->bar_y = round ((vis_top + vis_bottom) / 2 - L->bar_h / 2);
      L->bar_y = CLAMP (L->bar_y, L->ay, L->ay + L->ah - L->bar_h);
    }
}

typedef struct
{
  PsAtomicFile *file;
  GError       *error;
} PngSink;

static cairo_status_t
png_write (void *closure, const unsigned char *data, unsigned int length)
{
  PngSink *sink = closure;
  if (sink->error == NULL && !ps_atomic_file_write (sink->file, data, length, &sink->error))
    return CAIRO_STATUS_WRITE_ERROR;
  return sink->error ? CAIRO_STATUS_WRITE_ERROR : CAIRO_STATUS_SUCCESS;
}

gboolean
ps_heatmap_write_png (cairo_surface_t *img, const char *path, GError **error)
{
  PngSink sink = { ps_atomic_file_begin (path, error), NULL };
  cairo_status_t st;

  if (sink.file == NULL)
    return FALSE;
  st = cairo_surface_write_to_png_stream (img, png_write, &sink);
  if (st != CAIRO_STATUS_SUCCESS)
    {
      ps_atomic_file_abort (sink.file);
      if (sink.error)
        g_propagate_error (error, sink.error);
      else
        g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: cannot write the PNG: %s", path,
                     cairo_status_to_string (st));
      return FALSE;
    }
  return ps_atomic_file_commit (sink.file, error);
}
