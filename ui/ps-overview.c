/* ps-overview.c — every parameter of a network at once, as small heatmaps
 *
 * The model is read once per set_model into two arrays:
 *   entries  one per distinct parameter (ps_module_named_parameters, then
 *            the buffers of state_dict): its listener, tie group and
 *            pooled, coloured cells (cached by version)
 *   places   one per state_dict key: the entry it shows and where it is drawn
 * Layout is height-for-width: each row (a layer) gets square cells small
 * enough for its weight to fit the width and at most ROW_MAX_H tall.
 * A parameter the parameter page shows as tiles (a convolution weight as
 * its grid of kernels, a recurrent weight as its gates) is laid out, pooled
 * and described on hover ([o, i, y, x], value, gradient) by the same tile
 * source (ps-tile-source.h); any other is pooled here as one matrix.
 */
#include "ps-overview.h"
#include "ps-ui-util.h"
#include "ps-heatmap-draw.h"
#include "ps-tile-source.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

#define PAD         8.0
#define ROW_GAP     10.0
#define BLOCK_GAP   8.0
#define ROW_MAX_H   96.0    /* px: a 1024-row weight is squeezed to this */
#define TILED_CELL  4.0     /* px: kernels' cells wanted, in a row up to */
#define TILED_ROW_H 2.5     /* ... this many times ROW_MAX_H tall */
#define MAX_CELL    10.0
#define STRIP_MIN_W 8.0     /* a bias strip stays visible */
#define LAZY_W      40.0    /* an uninitialized weight: its columns are unknown */

/* Tie-group outlines: distinct from the map (blue-white-red) and from the
 * NaN/Inf colours (green, gold, violet). */
static const GdkRGBA tie_palette[] = {
  { 0.902f, 0.380f, 0.000f, 1 },   /* orange */
  { 0.569f, 0.255f, 0.675f, 1 },   /* purple */
  { 0.000f, 0.569f, 0.569f, 1 },   /* teal */
  { 0.525f, 0.369f, 0.235f, 1 },   /* brown */
  { 0.851f, 0.263f, 0.592f, 1 },   /* magenta */
  { 0.400f, 0.400f, 0.400f, 1 },   /* grey */
};

typedef struct
{
  PsOverview *self;
  PsParam    *param;          /* borrowed: the model (ref held) keeps it */
  PsModule   *owner;          /* borrowed: the module whose slot it is */
  char       *slot;           /* "weight" */
  char       *name;           /* its named_parameters() key */
  guint       listener_id;
  int         tie_group;      /* -1: appears once */
  /* tiles (kernels, gates), decided once its shape is known; NULL: one matrix */
  PsMatrixSource *tiles;
  gboolean    tiles_decided;
  /* cells, cached by (version, resolution) */
  cairo_surface_t *cells;
  guint64     version;
  int         out_rows, out_cols;
  gboolean    valid;
} Entry;

typedef struct
{
  char    *key;               /* state_dict key */
  char    *row_label;         /* the layer's path ("0.block 1.0"), shared by a row */
  Entry   *entry;
  gboolean strip;             /* a bias: drawn as a column strip, even while lazy */
  int64_t  lazy_rows;         /* out_features of the owner, for the box of a lazy one */
  int      row;               /* index into rows */
  graphene_rect_t rect;       /* where the heatmap is drawn */
} Place;

typedef struct
{
  char  *label;
  char  *caption;             /* the weight's shape, "8×4", dim after the blocks */
  double y, h;                /* of the row */
  double label_y, caption_x;
} Row;

struct _PsOverview
{
  GtkWidget parent_instance;

  PsModule *model;            /* ref, nullable */
  GPtrArray *entries;         /* Entry*, owned */
  GArray   *places;           /* Place */
  GArray   *rows;             /* Row */
  GThread  *owner;
  int       focus;            /* index into places, keyboard */

  int       layout_width;     /* places' rects are for this width; -1: stale */
  double    label_w;

  double    max_cell, row_max_h;   /* MAX_CELL, ROW_MAX_H unless set */

  PsPoolScratch scratch;
  float    *pooled;
  gsize     pooled_cap;
};

G_DEFINE_FINAL_TYPE (PsOverview, ps_overview, GTK_TYPE_WIDGET)

enum { SIG_PARAM_ACTIVATED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* ---- model ---------------------------------------------------------------- */

static void
entry_free (gpointer data)
{
  Entry *e = data;
  ps_param_remove_listener (e->param, e->listener_id);
  g_clear_pointer (&e->cells, cairo_surface_destroy);
  g_clear_object (&e->tiles);
  g_free (e->slot);
  g_free (e->name);
  g_free (e);
}

static void
place_clear (gpointer data)
{
  Place *p = data;
  g_free (p->key);
  g_free (p->row_label);
}

static void
row_clear (gpointer data)
{
  Row *r = data;
  g_free (r->label);
  g_free (r->caption);
}

static void
changed_here (PsOverview *o, PsChange what)
{
  if (what & PS_CHANGE_SHAPE)
    {
      /* a lazy layer materialized, or a load reshaped it: tiles or not again */
      for (guint i = 0; i < o->entries->len; i++)
        {
          Entry *e = g_ptr_array_index (o->entries, i);
          g_clear_object (&e->tiles);
          e->tiles_decided = FALSE;
          e->valid = FALSE;
        }
      o->layout_width = -1;
      gtk_widget_queue_resize (GTK_WIDGET (o));
    }
  gtk_widget_queue_draw (GTK_WIDGET (o));   /* stale cells are found by version */
}

static void
changed_cb (GObject *object, PsChange what)
{
  changed_here (PS_OVERVIEW (object), what);
}

static void
on_param_changed (PsParam *param, PsChange what, gpointer user_data)
{
  Entry *e = user_data;

  /* a worker thread may change the parameter: redraw on ours */
  ps_ui_dispatch_change (G_OBJECT (e->self), e->self->owner, changed_cb, what);
}

static void
clear_model (PsOverview *o)
{
  g_ptr_array_set_size (o->entries, 0);      /* removes the listeners */
  g_array_set_size (o->places, 0);
  g_array_set_size (o->rows, 0);
  g_clear_pointer (&o->model, ps_module_unref);
  o->focus = -1;
  o->layout_width = -1;
}

static Entry *
find_entry (PsOverview *o, PsParam *p)
{
  for (guint i = 0; i < o->entries->len; i++)
    {
      Entry *e = g_ptr_array_index (o->entries, i);
      if (e->param == p)
        return e;
    }
  return NULL;
}

static Entry *
add_entry (PsOverview *o, const PsNamedParam *np)
{
  Entry *e = g_new0 (Entry, 1);
  PsParam *param = np->param;

  e->self = o;
  e->param = param;
  e->owner = np->owner;
  e->slot = g_strdup (np->slot);
  e->name = g_strdup (np->name);
  e->tie_group = -1;
  e->listener_id = ps_param_add_listener (param, on_param_changed, e, NULL);
  g_ptr_array_add (o->entries, e);
  return e;
}

/* key lies under prefix: prefix "" (or NULL) is the whole network, "0"
 * is "0.weight", "0.1.bias", not "01.weight" */
static gboolean
key_under (const char *key, const char *prefix)
{
  gsize n = prefix ? strlen (prefix) : 0;
  return n == 0 || (strncmp (key, prefix, n) == 0 && key[n] == '.');
}

void
ps_overview_set_model (PsOverview *o, PsModule *m)
{
  ps_overview_set_model_under (o, m, NULL);
}

void
ps_overview_set_model_under (PsOverview *o, PsModule *m, const char *prefix)
{
  g_autoptr (GPtrArray) distinct = NULL, keys = NULL;
  int n_groups = 0;

  g_return_if_fail (PS_IS_OVERVIEW (o));

  if (m != NULL)
    ps_module_ref (m);                        /* m may be o->model */
  clear_model (o);
  o->model = m;

  if (m != NULL)
    {
      distinct = ps_module_named_parameters (m);
      keys = ps_module_state_dict (m);

      for (guint i = 0; i < distinct->len; i++)
        add_entry (o, g_ptr_array_index (distinct, i));

      for (guint i = 0; i < keys->len; i++)
        {
          PsNamedParam *np = g_ptr_array_index (keys, i);
          Place p = { 0 };
          gsize klen = strlen (np->name), slen = strlen (np->slot);

          /* the overview draws parameters: a buffer (BatchNorm's running
           * statistics) has its own place in the tree, not here */
          if (np->is_buffer || !key_under (np->name, prefix))
            continue;

          p.key = g_strdup (np->name);
          /* "0.block 1.0.weight" -> "0.block 1.0"; a bare "weight" is the root */
          p.row_label = klen > slen ? g_strndup (np->name, klen - slen - 1) : g_strdup ("");
          p.entry = find_entry (o, np->param);
          p.strip = g_str_equal (np->slot, "bias");
          p.lazy_rows = np->owner && ps_module_get_kind (np->owner) == PS_MODULE_LINEAR
                          ? ps_module_get_out_features (np->owner) : 1;
          if (o->rows->len == 0
              || strcmp (g_array_index (o->rows, Row, o->rows->len - 1).label, p.row_label) != 0)
            {
              Row r = { g_strdup (p.row_label), NULL, 0, 0, 0, 0 };
              g_array_append_val (o->rows, r);
            }
          p.row = (int) o->rows->len - 1;
          g_array_append_val (o->places, p);
        }

      /* a parameter at two or more places gets a tie group, in key order */
      for (guint i = 0; i < o->places->len; i++)
        {
          Entry *e = g_array_index (o->places, Place, i).entry;
          if (e->tie_group >= 0)
            continue;
          for (guint j = i + 1; j < o->places->len; j++)
            if (g_array_index (o->places, Place, j).entry == e)
              {
                e->tie_group = n_groups++;
                break;
              }
        }
    }

  gtk_accessible_update_property (GTK_ACCESSIBLE (o),
                                  GTK_ACCESSIBLE_PROPERTY_DESCRIPTION,
                                  m ? _("Every parameter of the network as a small heatmap; "
                                        "tied parameters share an outline colour")
                                    : _("No network"),
                                  -1);
  gtk_widget_queue_resize (GTK_WIDGET (o));
}

PsModule *
ps_overview_get_model (PsOverview *o)
{
  g_return_val_if_fail (PS_IS_OVERVIEW (o), NULL);
  return o->model;
}

void
ps_overview_set_cell_limits (PsOverview *o, double max_cell, double row_max_h)
{
  g_return_if_fail (PS_IS_OVERVIEW (o));
  o->max_cell = max_cell > 0 ? max_cell : MAX_CELL;
  o->row_max_h = row_max_h > 0 ? row_max_h : ROW_MAX_H;
  o->layout_width = -1;
  gtk_widget_queue_resize (GTK_WIDGET (o));
}

guint
ps_overview_get_n_places (PsOverview *o)
{
  g_return_val_if_fail (PS_IS_OVERVIEW (o), 0);
  return o->places->len;
}

GtkWidget *
ps_overview_new (void)
{
  return g_object_new (PS_TYPE_OVERVIEW, NULL);
}

/* ---- layout ---------------------------------------------------------------- */

static double
text_width (PsOverview *o, const char *text)
{
  PangoLayout *l = gtk_widget_create_pango_layout (GTK_WIDGET (o), text);
  int w;
  pango_layout_get_pixel_size (l, &w, NULL);
  g_object_unref (l);
  return w;
}

static double
line_height (PsOverview *o)
{
  PangoLayout *l = gtk_widget_create_pango_layout (GTK_WIDGET (o), "Ag");
  int h;
  pango_layout_get_pixel_size (l, NULL, &h);
  g_object_unref (l);
  return h;
}

static const char *
row_display_label (const char *label)
{
  return label[0] ? label : "·";
}

/* The tile source of e when the parameter page tiles it (kernels, gates). */
static PsMatrixSource *
entry_tiles (Entry *e)
{
  PsTensor *t = ps_param_get_data (e->param);
  PsTileMode mode;
  const char *gates;

  if (!e->tiles_decided && t != NULL && t->numel > 0)
    {
      e->tiles_decided = TRUE;
      if (ps_tile_mode_for_param (e->owner, e->slot, e->param, FALSE, &mode, &gates))
        e->tiles = ps_tile_source_new_param (e->param, FALSE, NULL, mode, gates);
    }
  return e->tiles;
}

/* The matrix drawn for e (t its data, not NULL): the tiles' with their gaps,
 * or the plain one (ps_heatmap_shape) */
static void
entry_matrix (Entry *e, const PsTensor *t, int64_t *rows, int64_t *cols)
{
  PsMatrixSource *tiles = entry_tiles (e);
  PsMatrixShape shape;

  if (tiles != NULL && ps_matrix_source_get_shape (tiles, &shape))
    {
      *rows = shape.rows;
      *cols = shape.cols;
      return;
    }
  ps_heatmap_shape (t->ndim, t->shape, rows, cols);
}

/* The size of place p's heatmap at cell px an element. */
static void
place_size (const Place *p, double cell, double *w, double *h)
{
  PsTensor *t = ps_param_get_data (p->entry->param);
  int64_t rows, cols;

  if (t == NULL || t->numel == 0)
    {
      /* lazy: as tall as it will be, of a nominal width */
      *w = p->strip ? STRIP_MIN_W : LAZY_W;
      *h = MAX (8, round (MAX (p->lazy_rows, 1) * cell));
      return;
    }
  entry_matrix (p->entry, t, &rows, &cols);
  *w = cols == 1 ? MAX (STRIP_MIN_W, cell) : MAX (1, round (cols * cell));
  *h = MAX (4, round (rows * cell));
}

/* "8×4" for a row's weight ("6×1×5×5" for a convolution's), "lazy" while
 * it is uninitialized. */
static char *
row_caption (PsOverview *o, guint first, guint last)
{
  for (guint i = first; i < last; i++)
    {
      const Place *p = &g_array_index (o->places, Place, i);
      PsTensor *t = ps_param_get_data (p->entry->param);
      int64_t rows, cols;
      GString *c;
      if (p->strip)
        continue;
      if (t == NULL)
        return g_strdup (_("lazy"));
      if (t->ndim <= 2)
        {
          ps_heatmap_shape (t->ndim, t->shape, &rows, &cols);
          return g_strdup_printf ("%lld\u00d7%lld", (long long) rows, (long long) cols);
        }
      c = g_string_new (NULL);
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (c, d ? "\u00d7%lld" : "%lld", (long long) t->shape[d]);
      return g_string_free (c, FALSE);
    }
  return NULL;
}

/* Lay the rows out for width; store the rects when store is TRUE.  Returns
 * the height needed. */
static double
layout_run (PsOverview *o, int width, gboolean store)
{
  double lh = line_height (o), label_w = 0, y = PAD;
  guint i = 0;

  for (guint r = 0; r < o->rows->len; r++)
    {
      const char *label = row_display_label (g_array_index (o->rows, Row, r).label);
      label_w = MAX (label_w, text_width (o, label));
    }
  label_w = MIN (label_w + 12, MAX (48, width * 0.35));
  if (store)
    o->label_w = label_w;

  for (guint r = 0; r < o->rows->len; r++)
    {
      guint first = i, last;
      double cols_total = 0, fixed = 0, rows_max = 1, cell, x, h = lh, bw, bh, max_h;
      gboolean tiled = FALSE;
      g_autofree char *caption = NULL;

      /* the places of this row; the widest and the tallest matrix decide the cell size */
      for (last = first;
           last < o->places->len && g_array_index (o->places, Place, last).row == (int) r; last++)
        {
          const Place *p = &g_array_index (o->places, Place, last);
          PsTensor *t = ps_param_get_data (p->entry->param);
          int64_t tr = MAX (p->lazy_rows, 1), tc = 1;

          if (t != NULL && t->numel > 0)
            {
              entry_matrix (p->entry, t, &tr, &tc);
              tiled |= p->entry->tiles != NULL;
            }
          rows_max = MAX (rows_max, tr);
          if (last > first)
            fixed += BLOCK_GAP;
          if (t == NULL || t->numel == 0)
            fixed += p->strip ? STRIP_MIN_W : LAZY_W;
          else if (tc == 1)
            fixed += STRIP_MIN_W;
          else
            cols_total += tc;
        }
      caption = row_caption (o, first, last);
      if (caption)
        fixed += BLOCK_GAP + text_width (o, caption);
      /* a grid of kernels is tall (out rows of kh cells and gaps): its row may grow
       * so that a kernel's cells stay visible */
      max_h = o->row_max_h;
      if (tiled)
        max_h = MIN (TILED_ROW_H * o->row_max_h, MAX (o->row_max_h, rows_max * TILED_CELL));
      cell = MIN (o->max_cell, max_h / rows_max);
      if (cols_total > 0)
        cell = MIN (cell, MAX (0.05, width - 2 * PAD - label_w - fixed) / cols_total);
      if (cell >= 2)
        cell = floor (cell);

      for (guint k = first; k < last; k++)
        {
          place_size (&g_array_index (o->places, Place, k), cell, &bw, &bh);
          h = MAX (h, bh);
        }
      x = PAD + label_w;
      for (i = first; i < last; i++)
        {
          Place *p = &g_array_index (o->places, Place, i);
          place_size (p, cell, &bw, &bh);
          if (store)
            graphene_rect_init (&p->rect, floor (x), floor (y + (h - bh) / 2), bw, bh);
          x += bw + BLOCK_GAP;
        }
      if (store)
        {
          Row *row = &g_array_index (o->rows, Row, r);
          row->y = y;
          row->h = h;
          row->label_y = floor (y + (h - lh) / 2);
          row->caption_x = floor (x);
          g_free (row->caption);
          row->caption = g_steal_pointer (&caption);
        }
      y += h + ROW_GAP;
    }
  if (store)
    o->layout_width = width;
  return o->rows->len ? y - ROW_GAP + PAD : 0;
}

static void
ensure_layout (PsOverview *o)
{
  int w = gtk_widget_get_width (GTK_WIDGET (o));
  if (o->layout_width != w)
    layout_run (o, w, TRUE);
}

static GtkSizeRequestMode
ps_overview_get_request_mode (GtkWidget *widget)
{
  return GTK_SIZE_REQUEST_HEIGHT_FOR_WIDTH;
}

static void
ps_overview_measure (GtkWidget *widget, GtkOrientation orientation, int for_size, int *minimum,
                     int *natural, int *minimum_baseline, int *natural_baseline)
{
  PsOverview *o = PS_OVERVIEW (widget);

  if (orientation == GTK_ORIENTATION_HORIZONTAL)
    {
      *minimum = 160;
      *natural = 360;
    }
  else
    *minimum = *natural = (int) ceil (layout_run (o, for_size > 0 ? for_size : 360, FALSE));
}

static void
ps_overview_size_allocate (GtkWidget *widget, int width, int height, int baseline)
{
  PsOverview *o = PS_OVERVIEW (widget);
  layout_run (o, width, TRUE);
}

/* ---- drawing ---------------------------------------------------------------- */

/* Pool and colour e's parameter to out_rows x out_cols, unless it is cached. */
static void
entry_update (PsOverview *o, Entry *e, int out_rows, int out_cols)
{
  PsTensor *t = ps_param_get_data (e->param);
  guint64 version = ps_param_get_version (e->param);
  int64_t rows, cols;
  gsize n = (gsize) out_rows * out_cols;
  float range;
  guint32 *dst;

  if (e->valid && e->version == version && e->out_rows == out_rows && e->out_cols == out_cols)
    return;
  entry_matrix (e, t, &rows, &cols);
  if (n > o->pooled_cap)
    {
      g_free (o->pooled);
      o->pooled = g_new (float, n);
      o->pooled_cap = n;
    }
  if (e->cells == NULL || e->out_rows != out_rows || e->out_cols != out_cols)
    {
      g_clear_pointer (&e->cells, cairo_surface_destroy);
      e->cells = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, out_cols, out_rows);
    }
  /* flush first: an earlier frame's node keeps its copy of the old pixels */
  cairo_surface_flush (e->cells);
  g_assert (cairo_image_surface_get_stride (e->cells) == out_cols * 4);
  dst = (guint32 *) cairo_image_surface_get_data (e->cells);
  if (e->tiles != NULL)
    {
      /* the kernels with their gaps (transparent), coloured by the tile source */
      PsMatrixPool job = { .rows = rows, .cols = cols, .out_rows = out_rows,
                           .out_cols = out_cols, .out = o->pooled, .argb = dst,
                           .scratch = &o->scratch };
      if (!ps_matrix_source_pool (e->tiles, &job))
        memset (dst, 0, n * sizeof (guint32));
    }
  else
    {
      PsSlice slice;
      ps_slice_init_f32 (&slice, t->data, rows, cols);
      range = ps_pool_slice (&slice, 0, 0, rows, cols, o->pooled, out_rows, out_cols, &o->scratch);
      ps_heatmap_colorize (o->pooled, (int64_t) n, range, dst);
    }
  cairo_surface_mark_dirty (e->cells);

  e->version = version;
  e->out_rows = out_rows;
  e->out_cols = out_cols;
  e->valid = TRUE;
}

static void
ps_overview_snapshot (GtkWidget *widget, GtkSnapshot *snapshot)
{
  PsOverview *o = PS_OVERVIEW (widget);
  int width = gtk_widget_get_width (widget), height = gtk_widget_get_height (widget);
  int scale = gtk_widget_get_scale_factor (widget);
  GdkRGBA fg, dim;
  cairo_t *cr;

  if (o->model == NULL || o->places->len == 0 || width <= 0 || height <= 0)
    return;
  ensure_layout (o);
  gtk_style_context_get_color (gtk_widget_get_style_context (widget), &fg);
  dim = fg;
  dim.alpha *= 0.55f;

  /* row labels as Pango text, so they follow the desktop's font */
  for (guint r = 0; r < o->rows->len; r++)
    {
      Row *row = &g_array_index (o->rows, Row, r);
      PangoLayout *l = gtk_widget_create_pango_layout (widget, row_display_label (row->label));
      pango_layout_set_width (l, (int) (o->label_w - 8) * PANGO_SCALE);
      pango_layout_set_ellipsize (l, PANGO_ELLIPSIZE_START);
      gtk_snapshot_save (snapshot);
      gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (PAD, row->label_y));
      gtk_snapshot_append_layout (snapshot, l, &fg);
      gtk_snapshot_restore (snapshot);
      g_object_unref (l);
      if (row->caption != NULL)
        {
          l = gtk_widget_create_pango_layout (widget, row->caption);
          gtk_snapshot_save (snapshot);
          gtk_snapshot_translate (snapshot, &GRAPHENE_POINT_INIT (row->caption_x, row->label_y));
          gtk_snapshot_append_layout (snapshot, l, &dim);
          gtk_snapshot_restore (snapshot);
          g_object_unref (l);
        }
    }

  cr = gtk_snapshot_append_cairo (snapshot, &GRAPHENE_RECT_INIT (0, 0, width, height));
  for (guint i = 0; i < o->places->len; i++)
    {
      Place *p = &g_array_index (o->places, Place, i);
      PsTensor *t = ps_param_get_data (p->entry->param);
      graphene_rect_t *r = &p->rect;

      if (t == NULL || t->numel == 0)
        {
          /* lazy: a dashed box where the heatmap will be */
          double dash = 3;
          cairo_set_source_rgba (cr, dim.red, dim.green, dim.blue, dim.alpha);
          cairo_set_line_width (cr, 1);
          cairo_set_dash (cr, &dash, 1, 0);
          cairo_rectangle (cr, r->origin.x + 0.5, r->origin.y + 0.5, r->size.width - 1,
                           r->size.height - 1);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
      else
        {
          int64_t rows, cols;
          entry_matrix (p->entry, t, &rows, &cols);
          entry_update (o, p->entry,
                        (int) MIN (rows, MAX (1, (int64_t) (r->size.height * scale))),
                        (int) MIN (cols, MAX (1, (int64_t) (r->size.width * scale))));
          ps_heatmap_draw_cells (cr, p->entry->cells, r->origin.x, r->origin.y, r->size.width,
                                 r->size.height);
          /* a hairline frame keeps white (zero) cells from melting into the page */
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, 0.25);
          cairo_set_line_width (cr, 1);
          cairo_rectangle (cr, r->origin.x - 0.5, r->origin.y - 0.5, r->size.width + 1,
                           r->size.height + 1);
          cairo_stroke (cr);
        }

      if (p->entry->tie_group >= 0)
        {
          const GdkRGBA *c = &tie_palette[p->entry->tie_group % G_N_ELEMENTS (tie_palette)];
          cairo_set_source_rgb (cr, c->red, c->green, c->blue);
          cairo_set_line_width (cr, 2);
          cairo_rectangle (cr, r->origin.x - 2, r->origin.y - 2, r->size.width + 4,
                           r->size.height + 4);
          cairo_stroke (cr);
        }

      if ((int) i == o->focus && gtk_widget_has_visible_focus (widget))
        {
          double dash = 2;
          cairo_set_source_rgba (cr, fg.red, fg.green, fg.blue, fg.alpha);
          cairo_set_line_width (cr, 1);
          cairo_set_dash (cr, &dash, 1, 0);
          cairo_rectangle (cr, r->origin.x - 4.5, r->origin.y - 4.5, r->size.width + 9,
                           r->size.height + 9);
          cairo_stroke (cr);
          cairo_set_dash (cr, NULL, 0, 0);
        }
    }
  cairo_destroy (cr);
}

/* ---- hit testing and input ------------------------------------------------------ */

static int
place_at (PsOverview *o, double x, double y)
{
  ensure_layout (o);
  for (guint i = 0; i < o->places->len; i++)
    {
      const graphene_rect_t *r = &g_array_index (o->places, Place, i).rect;
      /* a thin strip is hard to hit: accept the outline's width around it */
      graphene_rect_t hit;
      graphene_rect_inset_r (r, -2, -2, &hit);
      if (graphene_rect_contains_point (&hit, &GRAPHENE_POINT_INIT (x, y)))
        return (int) i;
    }
  return -1;
}

static int
place_of_key (PsOverview *o, const char *key)
{
  for (guint i = 0; i < o->places->len; i++)
    if (g_str_equal (g_array_index (o->places, Place, i).key, key))
      return (int) i;
  return -1;
}

/* The place of key's tensor and its matrix's size: FALSE when key has no
 * place or its tensor is empty. */
static gboolean
matrix_place (PsOverview *o, const char *key, Place **place, PsTensor **tensor, int64_t *rows,
              int64_t *cols)
{
  int i;

  ensure_layout (o);
  if ((i = place_of_key (o, key)) < 0)
    return FALSE;
  *place = &g_array_index (o->places, Place, i);
  *tensor = ps_param_get_data ((*place)->entry->param);
  if (*tensor == NULL || (*tensor)->numel == 0)
    return FALSE;
  entry_matrix ((*place)->entry, *tensor, rows, cols);
  return TRUE;
}

gboolean
ps_overview_cell_at (PsOverview *o, const char *key, double x, double y, int64_t *row,
                     int64_t *col)
{
  Place *p;
  PsTensor *t;
  int64_t rows, cols;
  const graphene_rect_t *r;

  g_return_val_if_fail (PS_IS_OVERVIEW (o), FALSE);
  if (!matrix_place (o, key, &p, &t, &rows, &cols) || entry_tiles (p->entry) == NULL)
    return FALSE;
  r = &p->rect;
  if (!graphene_rect_contains_point (r, &GRAPHENE_POINT_INIT (x, y)))
    return FALSE;
  *row = MIN (rows - 1, (int64_t) ((y - r->origin.y) / r->size.height * (double) rows));
  *col = MIN (cols - 1, (int64_t) ((x - r->origin.x) / r->size.width * (double) cols));
  return TRUE;
}

gboolean
ps_overview_cell_rect (PsOverview *o, const char *key, int64_t row, int64_t col,
                       graphene_rect_t *out)
{
  Place *p;
  PsTensor *t;
  int64_t rows, cols;
  const graphene_rect_t *r;

  g_return_val_if_fail (PS_IS_OVERVIEW (o), FALSE);
  if (!matrix_place (o, key, &p, &t, &rows, &cols))
    return FALSE;
  if (row < 0 || col < 0 || row >= rows || col >= cols)
    return FALSE;
  r = &p->rect;
  graphene_rect_init (out, r->origin.x + r->size.width * (double) col / (double) cols,
                      r->origin.y + r->size.height * (double) row / (double) rows,
                      r->size.width / (double) cols, r->size.height / (double) rows);
  return TRUE;
}

char *
ps_overview_describe_at (PsOverview *o, double x, double y)
{
  int i;
  int64_t row, col;
  const Place *p;
  char *cell;

  g_return_val_if_fail (PS_IS_OVERVIEW (o), NULL);
  if ((i = place_at (o, x, y)) < 0)
    return NULL;
  p = &g_array_index (o->places, Place, i);
  if (!ps_overview_cell_at (o, p->key, x, y, &row, &col)
      || (cell = ps_matrix_source_describe_cell (p->entry->tiles, row, col)) == NULL)
    return NULL;
  return g_strstrip (cell);     /* the tiles have no title: the tooltip names the key */
}

PsMatrixSource *
ps_overview_get_tiles (PsOverview *o, const char *key)
{
  int i;
  g_return_val_if_fail (PS_IS_OVERVIEW (o), NULL);
  if ((i = place_of_key (o, key)) < 0)
    return NULL;
  return entry_tiles (g_array_index (o->places, Place, i).entry);
}

char *
ps_overview_get_key_at (PsOverview *o, double x, double y)
{
  int i;
  g_return_val_if_fail (PS_IS_OVERVIEW (o), NULL);
  i = place_at (o, x, y);
  return i >= 0 ? g_strdup (g_array_index (o->places, Place, i).key) : NULL;
}

gboolean
ps_overview_get_key_rect (PsOverview *o, const char *key, graphene_rect_t *out)
{
  int i;
  g_return_val_if_fail (PS_IS_OVERVIEW (o), FALSE);
  g_return_val_if_fail (key != NULL && out != NULL, FALSE);
  ensure_layout (o);
  i = place_of_key (o, key);
  if (i < 0)
    return FALSE;
  *out = g_array_index (o->places, Place, i).rect;
  return TRUE;
}

gboolean
ps_overview_get_tie_color (PsOverview *o, const char *key, GdkRGBA *out)
{
  int i;
  Entry *e;
  g_return_val_if_fail (PS_IS_OVERVIEW (o), FALSE);
  g_return_val_if_fail (key != NULL && out != NULL, FALSE);
  i = place_of_key (o, key);
  if (i < 0)
    return FALSE;
  e = g_array_index (o->places, Place, i).entry;
  if (e->tie_group < 0)
    return FALSE;
  *out = tie_palette[e->tie_group % G_N_ELEMENTS (tie_palette)];
  return TRUE;
}

static void
activate_place (PsOverview *o, int i)
{
  /* a copy: a handler may replace the model, and the keys with it */
  g_autofree char *key = g_strdup (g_array_index (o->places, Place, i).key);
  g_signal_emit (o, signals[SIG_PARAM_ACTIVATED], 0, key);
}

static void
on_click_released (GtkGestureClick *g, int n_press, double x, double y, PsOverview *o)
{
  int i = place_at (o, x, y);
  if (i < 0)
    return;
  o->focus = i;
  gtk_widget_grab_focus (GTK_WIDGET (o));
  gtk_widget_queue_draw (GTK_WIDGET (o));
  activate_place (o, i);
}

/* A hand over the heatmaps only: they are what a click opens. */
static void
on_motion (GtkEventControllerMotion *c, double x, double y, PsOverview *o)
{
  gtk_widget_set_cursor_from_name (GTK_WIDGET (o), place_at (o, x, y) >= 0 ? "pointer" : NULL);
}

static gboolean
ps_overview_query_tooltip (GtkWidget *widget, int x, int y, gboolean keyboard, GtkTooltip *tooltip)
{
  PsOverview *o = PS_OVERVIEW (widget);
  int i = keyboard ? o->focus : place_at (o, x, y);
  Place *p;
  PsTensor *t;
  GString *s;
  g_autofree char *key = NULL;

  if (i < 0 || i >= (int) o->places->len)
    return FALSE;
  p = &g_array_index (o->places, Place, i);
  t = ps_param_get_data (p->entry->param);
  key = g_markup_escape_text (p->key, -1);
  s = g_string_new (NULL);
  g_string_append_printf (s, "<b>%s</b>", key);
  if (t != NULL)
    {
      g_autofree char *shape = ps_shape_to_string (t->ndim, t->shape);
      g_string_append_printf (s, " %s", shape);
    }
  else
    g_string_append_printf (s, " — %s", _("uninitialized"));
  if (!keyboard)
    {
      g_autofree char *cell = ps_overview_describe_at (o, x, y);
      if (cell != NULL)
        {
          g_autofree char *esc = g_markup_escape_text (cell, -1);
          g_string_append_printf (s, "\n%s", esc);
        }
    }
  if (p->entry->tie_group >= 0)
    {
      /* name the other places of the same parameter */
      gboolean first = TRUE;
      g_string_append_printf (s, "\n%s ", _("tied with"));
      for (guint j = 0; j < o->places->len; j++)
        {
          Place *q = &g_array_index (o->places, Place, j);
          if (q->entry == p->entry && (int) j != i)
            {
              g_autofree char *k = g_markup_escape_text (q->key, -1);
              g_string_append_printf (s, "%s%s", first ? "" : ", ", k);
              first = FALSE;
            }
        }
    }
  gtk_tooltip_set_markup (tooltip, s->str);
  g_string_free (s, TRUE);
  return TRUE;
}

static void
action_move (GtkWidget *widget, const char *name, GVariant *param)
{
  PsOverview *o = PS_OVERVIEW (widget);
  int d = g_variant_get_int32 (param);
  int n = (int) o->places->len;
  if (n == 0)
    return;
  o->focus = o->focus < 0 ? 0 : CLAMP (o->focus + d, 0, n - 1);
  gtk_widget_queue_draw (widget);
}

static void
action_activate (GtkWidget *widget, const char *name, GVariant *param)
{
  PsOverview *o = PS_OVERVIEW (widget);
  if (o->focus >= 0 && o->focus < (int) o->places->len)
    activate_place (o, o->focus);
}

/* ---- GObject ----------------------------------------------------------------- */

static void
ps_overview_dispose (GObject *object)
{
  PsOverview *o = PS_OVERVIEW (object);
  clear_model (o);
  G_OBJECT_CLASS (ps_overview_parent_class)->dispose (object);
}

static void
ps_overview_finalize (GObject *object)
{
  PsOverview *o = PS_OVERVIEW (object);
  g_ptr_array_unref (o->entries);
  g_array_unref (o->places);
  g_array_unref (o->rows);
  g_free (o->pooled);
  ps_pool_scratch_clear (&o->scratch);
  G_OBJECT_CLASS (ps_overview_parent_class)->finalize (object);
}

static void
ps_overview_class_init (PsOverviewClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);

  oc->dispose = ps_overview_dispose;
  oc->finalize = ps_overview_finalize;
  wc->get_request_mode = ps_overview_get_request_mode;
  wc->measure = ps_overview_measure;
  wc->size_allocate = ps_overview_size_allocate;
  wc->snapshot = ps_overview_snapshot;
  wc->query_tooltip = ps_overview_query_tooltip;

  /**
   * PsOverview::param-activated:
   * @key: the state_dict key of the place clicked
   */
  signals[SIG_PARAM_ACTIVATED] =
    g_signal_new ("param-activated", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_STRING);

  gtk_widget_class_install_action (wc, "overview.move", "i", action_move);
  gtk_widget_class_install_action (wc, "overview.activate", NULL, action_activate);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Up, 0, "overview.move", "i", -1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Left, 0, "overview.move", "i", -1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Down, 0, "overview.move", "i", 1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Right, 0, "overview.move", "i", 1);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_Return, 0, "overview.activate", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_KP_Enter, 0, "overview.activate", NULL);
  gtk_widget_class_add_binding_action (wc, GDK_KEY_space, 0, "overview.activate", NULL);

  gtk_widget_class_set_css_name (wc, "paramoverview");
  gtk_widget_class_set_accessible_role (wc, GTK_ACCESSIBLE_ROLE_IMG);
}

static void
ps_overview_init (PsOverview *o)
{
  GtkEventController *c;
  GtkGesture *g;

  o->owner = g_thread_self ();
  o->entries = g_ptr_array_new_with_free_func (entry_free);
  o->places = g_array_new (FALSE, TRUE, sizeof (Place));
  g_array_set_clear_func (o->places, place_clear);
  o->rows = g_array_new (FALSE, TRUE, sizeof (Row));
  g_array_set_clear_func (o->rows, row_clear);
  o->focus = -1;
  o->layout_width = -1;
  o->max_cell = MAX_CELL;
  o->row_max_h = ROW_MAX_H;

  gtk_widget_set_focusable (GTK_WIDGET (o), TRUE);
  gtk_widget_set_has_tooltip (GTK_WIDGET (o), TRUE);

  c = gtk_event_controller_motion_new ();
  g_signal_connect (c, "motion", G_CALLBACK (on_motion), o);
  gtk_widget_add_controller (GTK_WIDGET (o), c);

  g = gtk_gesture_click_new ();
  gtk_gesture_single_set_button (GTK_GESTURE_SINGLE (g), GDK_BUTTON_PRIMARY);
  g_signal_connect (g, "released", G_CALLBACK (on_click_released), o);
  gtk_widget_add_controller (GTK_WIDGET (o), GTK_EVENT_CONTROLLER (g));

  gtk_accessible_update_property (GTK_ACCESSIBLE (o),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("Overview of all parameters"),
                                  -1);
}
