/* ps-matrix-view-draw.c — the layers of a PsMatrixView frame, and offscreen rendering
 *
 * ps-matrix-view.c decides what a frame shows (the layout, the cells on
 * screen); this file paints it.  Cells through one cairo node with
 * CAIRO_FILTER_NEAREST (ps_heatmap_draw_cells), then the grid, then the
 * selection, then the colorbar in the style's text colour.
 */
#include "ps-matrix-view-private.h"

#include <math.h>
#include <string.h>

static void
fg_color (GtkWidget *w, GdkRGBA *out)
{
  gtk_style_context_get_color (gtk_widget_get_style_context (w), out);
}

void
ps_matrix_view_draw_placeholder (GtkWidget *w, GtkSnapshot *s, const char *text)
{
  PangoLayout *layout = gtk_widget_create_pango_layout (w, text);
  int tw, th;
  float y;
  GdkRGBA fg;

  fg_color (w, &fg);
  fg.alpha *= 0.55f;                    /* dim, as GTK's placeholder text */
  pango_layout_set_alignment (layout, PANGO_ALIGN_CENTER);
  pango_layout_set_width (layout, MAX (1, gtk_widget_get_width (w) - 16) * PANGO_SCALE);
  pango_layout_set_wrap (layout, PANGO_WRAP_WORD_CHAR);
  pango_layout_get_pixel_size (layout, &tw, &th);
  gtk_snapshot_save (s);
  y = floorf ((gtk_widget_get_height (w) - th) / 2.f);
  gtk_snapshot_translate (s, &GRAPHENE_POINT_INIT (8, y));
  gtk_snapshot_append_layout (s, layout, &fg);
  gtk_snapshot_restore (s);
  g_object_unref (layout);
}

/* Thin separators between the visible cells, in the background's sense:
 * light gaps on a light theme, dark gaps on a dark one. */
static void
draw_grid (cairo_t *cr, const PsMatrixLayout *L, const PsMatrixKey *k, const GdkRGBA *fg)
{
  double lum = 0.299 * fg->red + 0.587 * fg->green + 0.114 * fg->blue;
  double x0 = L->ox + k->c0 * L->cell, y0 = L->oy + k->r0 * L->cell;

  if (lum < 0.5)
    cairo_set_source_rgba (cr, 1, 1, 1, 0.6);
  else
    cairo_set_source_rgba (cr, 0, 0, 0, 0.5);
  for (int64_t c = 1; c < k->vcols; c++)
    cairo_rectangle (cr, x0 + c * L->cell, y0, 1, k->vrows * L->cell);
  for (int64_t r = 1; r < k->vrows; r++)
    cairo_rectangle (cr, x0, y0 + r * L->cell, k->vcols * L->cell, 1);
  cairo_fill (cr);
}

/* A tiled matrix: clip to the visible tiles, so the grid stays inside them. */
static void
clip_to_tiles (cairo_t *cr, const PsMatrixLayout *L, const PsMatrixShape *sh)
{
  int64_t ph = sh->tile_h + sh->tile_gap, pw = sh->tile_w + sh->tile_gap;
  int64_t tr0 = MAX (0, (int64_t) floor ((L->ay - L->oy) / L->cell) / ph);
  int64_t tc0 = MAX (0, (int64_t) floor ((L->ax - L->ox) / L->cell) / pw);
  int64_t tr1 = MIN ((L->rows + ph - 1) / ph, (int64_t) ceil ((L->ay + L->ah - L->oy) / L->cell) / ph + 1);
  int64_t tc1 = MIN ((L->cols + pw - 1) / pw, (int64_t) ceil ((L->ax + L->aw - L->ox) / L->cell) / pw + 1);

  for (int64_t tr = tr0; tr < tr1; tr++)
    for (int64_t tc = tc0; tc < tc1; tc++)
      cairo_rectangle (cr, L->ox + tc * pw * L->cell, L->oy + tr * ph * L->cell,
                       sh->tile_w * L->cell, sh->tile_h * L->cell);
  cairo_clip (cr);
}

/* Bands of tile rows (gates): a separator across each gap even when the
 * gap is thinner than a pixel, and the band's label in the gutter. */
static void
draw_bands (PsMatrixView *v, GtkSnapshot *snapshot, cairo_t *cr, const PsMatrixLayout *L,
            const PsMatrixShape *sh, const GdkRGBA *fg)
{
  int64_t ph = sh->tile_h + sh->tile_gap;
  int64_t bands = (L->rows + ph - 1) / ph;
  double gutter = ps_matrix_view_row_label_gutter (v, sh, L->font);
  double mw = MIN (L->cols * L->cell, L->aw);

  if (gutter <= 0)
    return;
  cairo_save (cr);
  cairo_rectangle (cr, L->ax - gutter, L->ay, L->aw + gutter, L->ah);
  cairo_clip (cr);
  for (int64_t b = 0; b < bands; b++)
    {
      double y0 = L->oy + b * ph * L->cell, y1 = y0 + sh->tile_h * L->cell;
      const char *label = ps_matrix_source_get_row_label (v->source, b);
      if (b > 0)
        {
          /* the separator: the middle of the gap, at least one pixel */
          double y = round (y0 - sh->tile_gap * L->cell / 2) - 0.5;
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, 0.75);
          cairo_set_line_width (cr, 1);
          cairo_move_to (cr, L->ax - gutter + 2, y);
          cairo_line_to (cr, MAX (L->ox, L->ax) + mw, y);
          cairo_stroke (cr);
        }
      if (label != NULL && y1 - y0 >= L->font * 0.8)
        {
          PangoLayout *layout = gtk_widget_create_pango_layout (GTK_WIDGET (v), label);
          PangoFontDescription *fd = pango_font_description_new ();
          int tw, th;
          double vis0 = MAX (y0, L->ay), vis1 = MIN (y1, L->ay + L->ah);
          if (vis1 - vis0 < L->font * 0.8)
            {
              g_object_unref (layout);
              pango_font_description_free (fd);
              continue;
            }
          pango_font_description_set_absolute_size (fd, L->font * PANGO_SCALE);
          pango_font_description_set_weight (fd, PANGO_WEIGHT_BOLD);
          pango_layout_set_font_description (layout, fd);
          pango_layout_get_pixel_size (layout, &tw, &th);
          cairo_set_source_rgba (cr, fg->red, fg->green, fg->blue, fg->alpha);
          cairo_move_to (cr, round (L->ax - gutter / 2 - tw / 2.0 - 2),
                         round ((vis0 + vis1) / 2 - th / 2.0));
          pango_cairo_show_layout (cr, layout);
          g_object_unref (layout);
          pango_font_description_free (fd);
        }
    }
  cairo_restore (cr);
}

/* A value as printed in its cell: one format for the whole matrix, set by
 * its range, so the labels line up and share a width -- 2 significant
 * digits of the largest ("-0.35", "12", "0.00" in [-0.5, 0.5]),
 * scientific beyond (1e4 and more, or a range under 0.001). */
static char *
cell_text (float x, float range)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  int decimals;

  if (!isfinite (x))
    return g_strdup (isnan (x) ? "NaN" : x > 0 ? "inf" : "-inf");
  if (!(range > 0))
    range = fabsf (x);
  if (range >= 1e4f || (range < 1e-3f && range > 0))
    return g_strdup (g_ascii_formatd (buf, sizeof buf, "%.1e", x));
  decimals = CLAMP (1 - (int) floorf (log10f (MAX (range, 1e-3f))), 0, 5);
  g_snprintf (buf, sizeof buf, "%.*f", decimals, (double) x);
  /* a C-locale point, whatever the locale */
  for (char *p = buf; *p; p++)
    if (*p == ',')
      *p = '.';
  if (strcmp (buf, "-0") == 0 || (buf[0] == '-' && strspn (buf + 1, "0.") == strlen (buf + 1)))
    memmove (buf, buf + 1, strlen (buf));          /* no "-0.000" */
  return g_strdup (buf);
}

/* The values inside the cells, when they are the matrix's own and big
 * enough: the widget's font, shrunk to fit the widest label, black on
 * light cells and white on dark ones.  Returns the font size used, 0 for
 * none. */
static double
draw_values (PsMatrixView *v, cairo_t *cr, const PsMatrixLayout *L, const PsMatrixKey *want,
             float range)
{
  const PsMatrixKey *k = &v->key;
  g_autoptr (PangoLayout) layout = NULL;
  PangoFontDescription *fd;
  double size = L->font, widest = 0, pad = MAX (1.5, L->cell * 0.06);
  int64_t n = (int64_t) k->out_rows * k->out_cols;
  char **text;

  /* the cells on screen must be this frame's window, unpooled */
  if (!v->show_values || !v->vals_valid || L->cell < 2 * PS_MATRIX_NUMBERS_MIN_FONT
      || k->r0 != want->r0 || k->c0 != want->c0 || k->vrows != want->vrows
      || k->vcols != want->vcols || n <= 0)
    return 0;

  layout = gtk_widget_create_pango_layout (GTK_WIDGET (v), NULL);
  fd = pango_font_description_copy (pango_context_get_font_description (
                                      pango_layout_get_context (layout)));
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  pango_layout_set_font_description (layout, fd);
  text = g_new0 (char *, n + 1);
  for (int64_t i = 0; i < n; i++)
    {
      int w, h;
      text[i] = cell_text (v->vals[i], range);
      pango_layout_set_text (layout, text[i], -1);
      pango_layout_get_pixel_size (layout, &w, &h);
      widest = MAX (widest, w);
    }
  if (widest > L->cell - 2 * pad)
    size *= (L->cell - 2 * pad) / widest;
  size = floor (MIN (size, (L->cell - 2 * pad) / 1.4));
  if (size < PS_MATRIX_NUMBERS_MIN_FONT)
    {
      size = 0;
      goto out;
    }
  pango_font_description_set_absolute_size (fd, size * PANGO_SCALE);
  pango_layout_set_font_description (layout, fd);
  for (int64_t r = 0; r < k->out_rows; r++)
    for (int64_t c = 0; c < k->out_cols; c++)
      {
        int64_t i = r * k->out_cols + c;
        guint32 px = v->argb[i];
        double lum = (0.299 * ((px >> 16) & 0xff) + 0.587 * ((px >> 8) & 0xff)
                      + 0.114 * (px & 0xff)) / 255.0;
        double x = L->ox + (k->c0 + c) * L->cell, y = L->oy + (k->r0 + r) * L->cell;
        int w, h;

        pango_layout_set_text (layout, text[i], -1);
        pango_layout_get_pixel_size (layout, &w, &h);
        if (lum > 0.55)
          cairo_set_source_rgb (cr, 0, 0, 0);
        else
          cairo_set_source_rgb (cr, 1, 1, 1);
        cairo_move_to (cr, round (x + (L->cell - w) / 2), round (y + (L->cell - h) / 2));
        pango_cairo_show_layout (cr, layout);
      }
out:
  g_strfreev (text);
  pango_font_description_free (fd);
  return size;
}

/* The selected cell: a dark outline with a light inner line, visible on
 * every colour of the map; at least 8 px across even when cells are tiny. */
static void
draw_selection (cairo_t *cr, const PsMatrixLayout *L, int64_t row, int64_t col)
{
  double x = L->ox + col * L->cell, y = L->oy + row * L->cell, s = L->cell;

  if (s < 8)
    {
      x -= (8 - s) / 2;
      y -= (8 - s) / 2;
      s = 8;
    }
  cairo_set_line_width (cr, 2);
  cairo_set_source_rgb (cr, 0, 0, 0);
  cairo_rectangle (cr, x + 1, y + 1, s - 2, s - 2);
  cairo_stroke (cr);
  cairo_set_line_width (cr, 1);
  cairo_set_source_rgb (cr, 1, 1, 1);
  cairo_rectangle (cr, x + 2.5, y + 2.5, s - 5, s - 5);
  cairo_stroke (cr);
}

/* The layers of a frame with cells. */
void
ps_matrix_view_draw_matrix (PsMatrixView *v, GtkSnapshot *snapshot, const PsMatrixLayout *L,
                            const PsMatrixKey *want, const float *range, int width, int height)
{
  GtkWidget *widget = GTK_WIDGET (v);
  PsMatrixShape shape;
  gboolean tiled;
  GdkRGBA fg;
  cairo_t *cr;

  tiled = ps_matrix_view_get_shape (v, &shape) && shape.tile_h > 0;
  fg_color (widget, &fg);
  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  cairo_save (cr);
  cairo_rectangle (cr, L->ax, L->ay, L->aw, L->ah);
  cairo_clip (cr);
  /* the cells we have, where their window lies now */
  ps_heatmap_draw_cells (cr, v->cells, L->ox + v->key.c0 * L->cell, L->oy + v->key.r0 * L->cell,
                         v->key.vcols * L->cell, v->key.vrows * L->cell);
  if (L->cell >= PS_MATRIX_GRID_MIN_CELL)
    {
      cairo_save (cr);
      if (tiled)
        clip_to_tiles (cr, L, &shape);
      draw_grid (cr, L, want, &fg);
      cairo_restore (cr);
    }
  v->values_font = draw_values (v, cr, L, want, range ? *range : 0);
  if (v->sel_row >= 0)
    draw_selection (cr, L, v->sel_row, v->sel_col);
  cairo_restore (cr);
  if (tiled)
    draw_bands (v, snapshot, cr, L, &shape, &fg);
  if (L->colorbar && range != NULL && !shape.rgb)
    ps_heatmap_draw_colorbar (cr, L->bar_x, L->bar_y, L->bar_w, L->bar_h, *range,
                              fg.red, fg.green, fg.blue, L->font);
  cairo_destroy (cr);
}

GdkTexture *
ps_matrix_view_render_texture (PsMatrixView *v, int width, int height)
{
  GtkWidget *w = GTK_WIDGET (v);
  int ww = gtk_widget_get_width (w), wh = gtk_widget_get_height (w);
  g_autoptr (GskRenderer) own = NULL;
  GskRenderer *renderer = NULL;
  GtkSnapshot *snapshot;
  GskRenderNode *node;
  GtkNative *native;
  GdkTexture *texture;

  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), NULL);

  if (ww <= 0 || wh <= 0)
    return NULL;
  if (width <= 0)
    width = ww;
  if (height <= 0)
    height = wh;

  /* Snapshot the content now rather than through gtk_widget_paintable_new(),
   * which shows the render node of the last frame: nothing at all between a
   * queue_draw and the next frame. */
  snapshot = gtk_snapshot_new ();
  if (width != ww || height != wh)
    gtk_snapshot_scale (snapshot, (float) width / ww, (float) height / wh);
  ps_matrix_view_snapshot (w, snapshot);
  node = gtk_snapshot_free_to_node (snapshot);
  if (node == NULL)
    node = gsk_container_node_new (NULL, 0);   /* nothing shown: a clear texture */

  native = gtk_widget_get_native (w);
  if (native != NULL)
    renderer = gtk_native_get_renderer (native);
  if (renderer == NULL)
    {
      own = gsk_cairo_renderer_new ();
      if (!gsk_renderer_realize (own, NULL, NULL))
        {
          gsk_render_node_unref (node);
          return NULL;
        }
      renderer = own;
    }
  texture = gsk_renderer_render_texture (renderer, node, &GRAPHENE_RECT_INIT (0, 0, width, height));
  if (own != NULL)
    gsk_renderer_unrealize (own);
  gsk_render_node_unref (node);
  return texture;
}

