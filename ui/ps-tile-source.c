/* ps-tile-source.c — a tensor laid out as tiles: conv kernels, feature maps, gates
 *
 * Every mode is one geometry: a grid of gr x gc tiles of th x tw cells,
 * PS_TILE_GAP empty cells between them, and tile t = tr * gc + tc holding
 * the tensor's elements t * stride + y * tw + x (t < n_tiles).  Pooling
 * walks the visible window once, keeping max-|x| per output cell as
 * ps_pool_slice does (NaN and +-Inf kept); cells that only cover gaps stay
 * transparent.
 */
#include "ps-tile-source.h"
#include "ps-heatmap-draw.h"
#include "ps-live-param.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

typedef struct
{
  int64_t gr, gc, th, tw;       /* grid and tile size */
  int64_t n_tiles, stride;      /* tiles with elements; elements from one tile to the next */
  int64_t plane;                /* RGB: from one colour channel to the next */
  int64_t rows, cols;           /* the matrix, gaps included */
} Geom;

struct _PsTileSource
{
  GObject    parent_instance;

  PsTileMode mode;
  char      *gates;             /* GATES: one letter per gate */
  char      *title;

  /* a parameter's values or gradient (live.param) ... */
  PsLiveParam live;
  /* ... or a tensor */
  PsTensor  *tensor;            /* ref, nullable */
  int64_t    sample;            /* -1: none */
};

static void ps_tile_source_iface_init (PsMatrixSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PsTileSource, ps_tile_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PS_TYPE_MATRIX_SOURCE,
                                                      ps_tile_source_iface_init))

/* ---- geometry ---------------------------------------------------------------------- */

gboolean
ps_tile_mode_fits (PsTileMode mode, int ndim, const int64_t *shape, const char *gates)
{
  switch (mode)
    {
    case PS_TILE_KERNELS:
      return ndim == 3 || ndim == 4;
    case PS_TILE_RGB:
      return ndim == 4 && shape[1] == 3;
    case PS_TILE_GATES:
      {
        size_t g = gates ? strlen (gates) : 0;
        return g > 1 && (ndim == 1 || ndim == 2) && shape[0] % (int64_t) g == 0 && shape[0] > 0;
      }
    case PS_TILE_MAPS:
      return TRUE;
    }
  return FALSE;
}

gboolean
ps_tile_mode_for_param (PsModule *owner, const char *slot, PsParam *param, gboolean rgb,
                        PsTileMode *mode, const char **gates)
{
  PsTensor *t = param ? ps_param_get_data (param) : NULL;
  const char *type = owner ? ps_module_get_type_name (owner) : NULL;
  int ndim;
  const int64_t *shape;

  *gates = NULL;
  if (t == NULL || slot == NULL)
    return FALSE;
  ndim = t->ndim;
  shape = t->shape;
  if (type != NULL && (g_str_has_prefix (slot, "weight_ih") || g_str_has_prefix (slot, "weight_hh")
                       || g_str_has_prefix (slot, "bias_ih") || g_str_has_prefix (slot, "bias_hh")))
    {
      if (strcmp (type, "LSTM") == 0 || strcmp (type, "LSTMCell") == 0)
        *gates = "ifgo";
      else if (strcmp (type, "GRU") == 0 || strcmp (type, "GRUCell") == 0)
        *gates = "rzn";
      if (*gates != NULL && ps_tile_mode_fits (PS_TILE_GATES, ndim, shape, *gates))
        {
          *mode = PS_TILE_GATES;
          return TRUE;
        }
      *gates = NULL;
      return FALSE;
    }
  if (ndim == 3 || ndim == 4)
    {
      *mode = rgb && ps_tile_mode_fits (PS_TILE_RGB, ndim, shape, NULL) ? PS_TILE_RGB
                                                                         : PS_TILE_KERNELS;
      return TRUE;
    }
  return FALSE;
}

static PsTensor *
shown (PsTileSource *self)
{
  return self->live.param == NULL ? self->tensor : ps_live_param_shown (&self->live);
}

static int64_t
prod (const int64_t *shape, int from, int to)
{
  int64_t n = 1;
  for (int i = from; i < to; i++)
    n *= shape[i];
  return n;
}

static gboolean
geom_of (PsTileSource *self, Geom *g)
{
  PsTensor *t = shown (self);
  const int64_t *s;
  int nd;

  memset (g, 0, sizeof *g);
  if (t == NULL || t->numel == 0 || !ps_tile_mode_fits (self->mode, t->ndim, t->shape, self->gates))
    return FALSE;
  s = t->shape;
  nd = t->ndim;
  switch (self->mode)
    {
    case PS_TILE_KERNELS:
      g->gr = s[0];
      g->gc = s[1];
      g->th = nd == 4 ? s[2] : 1;
      g->tw = s[nd - 1];
      g->n_tiles = g->gr * g->gc;
      g->stride = g->th * g->tw;
      break;
    case PS_TILE_RGB:
      g->n_tiles = s[0];
      g->gc = (int64_t) ceil (sqrt ((double) s[0]));
      g->gr = (s[0] + g->gc - 1) / g->gc;
      g->th = s[2];
      g->tw = s[3];
      g->plane = g->th * g->tw;
      g->stride = 3 * g->plane;
      break;
    case PS_TILE_GATES:
      g->gr = g->n_tiles = (int64_t) strlen (self->gates);
      g->gc = 1;
      g->th = s[0] / g->gr;
      g->tw = nd == 2 ? s[1] : 1;
      g->stride = g->th * g->tw;
      break;
    case PS_TILE_MAPS:
      if (nd >= 3)
        {
          /* [C, H, W, ...]: C maps of H x (W ...) in a grid about as wide as tall */
          g->n_tiles = s[0];
          g->th = s[1];
          g->tw = prod (s, 2, nd);
          g->gc = CLAMP ((int64_t) ceil (sqrt ((double) s[0] * g->th / MAX (g->tw, 1))), 1, s[0]);
          g->gr = (s[0] + g->gc - 1) / g->gc;
        }
      else
        {
          g->n_tiles = g->gr = g->gc = 1;
          g->th = nd == 2 ? s[0] : 1;
          g->tw = nd == 2 ? s[1] : t->numel;
        }
      g->stride = g->th * g->tw;
      break;
    }
  if (g->th <= 0 || g->tw <= 0 || g->gr <= 0 || g->gc <= 0)
    return FALSE;
  g->rows = g->gr * g->th + (g->gr - 1) * PS_TILE_GAP;
  g->cols = g->gc * g->tw + (g->gc - 1) * PS_TILE_GAP;
  return TRUE;
}

/* Row or column i of the matrix: its tile and offset in it, FALSE in a gap. */
static inline gboolean
axis_cell (int64_t i, int64_t size, int64_t *tile, int64_t *off)
{
  *tile = i / (size + PS_TILE_GAP);
  *off = i % (size + PS_TILE_GAP);
  return *off < size;
}

static int64_t
element_at (const Geom *g, int64_t row, int64_t col)
{
  int64_t tr, y, tc, x, t;

  if (row < 0 || col < 0 || row >= g->rows || col >= g->cols || !axis_cell (row, g->th, &tr, &y)
      || !axis_cell (col, g->tw, &tc, &x))
    return -1;
  t = tr * g->gc + tc;
  if (t >= g->n_tiles)
    return -1;
  return t * g->stride + y * g->tw + x;
}

/* ---- PsMatrixSource ------------------------------------------------------------------------ */

static gboolean
get_shape (PsMatrixSource *s, PsMatrixShape *shape)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  PsTensor *t = shown (self);
  Geom g;

  if (!geom_of (self, &g))
    return FALSE;
  shape->rows = g.rows;
  shape->cols = g.cols;
  shape->ndim = MIN (t->ndim, PS_MATRIX_MAX_DIMS);
  memcpy (shape->shape, t->shape, sizeof (int64_t) * shape->ndim);
  shape->tile_h = g.th;
  shape->tile_w = g.tw;
  shape->tile_gap = PS_TILE_GAP;
  shape->rgb = self->mode == PS_TILE_RGB;
  return TRUE;
}

static guint64
get_version (PsMatrixSource *s)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  return self->live.param ? ps_param_get_version (self->live.param) : 1;
}

static const char *
get_title (PsMatrixSource *s)
{
  return PS_TILE_SOURCE (s)->title;
}

static const char *
get_placeholder (PsMatrixSource *s)
{
  PsTileSource *self = PS_TILE_SOURCE (s);

  if (self->live.param != NULL)
    return ps_live_param_placeholder (&self->live);
  return self->tensor == NULL ? _("run Forward") : NULL;
}

static gboolean
check (PsMatrixSource *s, GError **error)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  const char *title = self->title ? self->title : "";

  if (self->live.param != NULL)
    return ps_live_param_check (&self->live, title, error);
  if (self->tensor == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s has no gradient yet"), title);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_range (PsMatrixSource *s, float *range)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  PsTensor *t = shown (self);

  if (t == NULL)
    return FALSE;
  *range = ps_live_param_range (&self->live, t, get_version (s));
  return TRUE;
}

static guint32
rgb_argb (const float *x, int64_t plane, float range)
{
  guint32 c = 0xff000000u;

  for (int k = 0; k < 3; k++)
    {
      float v = x[k * plane];
      double u;
      if (isnan (v))
        return PS_COLOR_NAN;
      u = CLAMP (0.5 + 0.5 * (double) v / range, 0.0, 1.0);
      c |= (guint32) lround (u * 255) << (16 - 8 * k);
    }
  return c;
}

static gboolean
pool (PsMatrixSource *s, PsMatrixPool *job)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  gint64 t0 = g_get_monotonic_time ();
  PsTensor *t = shown (self);
  gboolean rgb = self->mode == PS_TILE_RGB;
  int64_t n = (int64_t) job->out_rows * job->out_cols;
  g_autofree guint8 *has = NULL;
  g_autofree int64_t *colmap = NULL;
  float range;
  Geom g;

  if (!geom_of (self, &g) || !get_range (s, &range) || job->r0 + job->rows > g.rows
      || job->c0 + job->cols > g.cols)
    return FALSE;
  has = g_new0 (guint8, n);
  colmap = g_new (int64_t, job->cols);
  for (int64_t c = 0; c < job->cols; c++)
    colmap[c] = c * job->out_cols / job->cols;
  for (int64_t r = 0; r < job->rows; r++)
    {
      int64_t orow = r * job->out_rows / job->rows, tr, y;
      if (!axis_cell (job->r0 + r, g.th, &tr, &y))
        continue;
      for (int64_t c = 0; c < job->cols; c++)
        {
          int64_t e = element_at (&g, job->r0 + r, job->c0 + c), o;
          float v, cur;
          if (e < 0)
            continue;
          o = orow * job->out_cols + colmap[c];
          v = t->data[e];
          if (!has[o])
            {
              has[o] = 1;
              job->out[o] = v;
              if (rgb && job->argb)
                job->argb[o] = rgb_argb (t->data + e, g.plane, range);
              continue;
            }
          if (rgb)
            continue;           /* colours: the first cell of the window */
          cur = job->out[o];
          if (isnan (cur))
            continue;
          if (isnan (v) || fabsf (v) > fabsf (cur))
            job->out[o] = v;
        }
    }
  for (int64_t o = 0; o < n; o++)
    {
      if (!has[o])
        {
          job->out[o] = NAN;
          if (job->argb)
            job->argb[o] = 0;   /* a gap: transparent */
        }
      else if (!rgb && job->argb)
        job->argb[o] = ps_colormap_argb (job->out[o], range);
    }
  job->range = range;
  job->version = get_version (s);
  job->usec = g_get_monotonic_time () - t0;
  return TRUE;
}

static gboolean
get_value (PsMatrixSource *s, int64_t row, int64_t col, double *value)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  Geom g;
  int64_t e;

  if (!geom_of (self, &g) || (e = element_at (&g, row, col)) < 0)
    return FALSE;
  *value = shown (self)->data[e];
  return TRUE;
}

/* "[o, i, y, x]" of element e (RGB: the channel as ":"), the sample first. */
static char *
format_index (PsTileSource *self, const PsTensor *t, int64_t e)
{
  int64_t idx[PS_TENSOR_MAX_DIMS];
  GString *s = g_string_new ("[");

  for (int i = t->ndim - 1; i >= 0; i--)
    {
      idx[i] = e % MAX (t->shape[i], 1);
      e /= MAX (t->shape[i], 1);
    }
  if (self->sample >= 0)
    g_string_append_printf (s, "%lld, ", (long long) self->sample);
  for (int i = 0; i < t->ndim; i++)
    {
      if (i > 0)
        g_string_append (s, ", ");
      if (self->mode == PS_TILE_RGB && i == 1)
        g_string_append_c (s, ':');
      else
        g_string_append_printf (s, "%lld", (long long) idx[i]);
    }
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static char *
describe_cell (PsMatrixSource *s, int64_t row, int64_t col)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  const char *title = self->title ? self->title : "";
  PsTensor *t = shown (self);
  g_autofree char *index = NULL, *value = NULL, *gate = NULL;
  Geom g;
  int64_t e;

  if (!geom_of (self, &g) || (e = element_at (&g, row, col)) < 0)
    return NULL;
  index = format_index (self, t, e);
  if (self->mode == PS_TILE_GATES)
    /* TRANSLATORS: the gate of a recurrent weight's row, as "gate f" */
    gate = g_strdup_printf (_("  gate %c"), self->gates[(e / g.stride) % g.n_tiles]);
  if (self->mode == PS_TILE_RGB)
    {
      g_autofree char *r = ps_matrix_format_value (t->data[e]);
      g_autofree char *gr = ps_matrix_format_value (t->data[e + g.plane]);
      g_autofree char *b = ps_matrix_format_value (t->data[e + 2 * g.plane]);
      /* TRANSLATORS: a filter's pixel: its three input channels as colours */
      value = g_strdup_printf (_("red %s, green %s, blue %s"), r, gr, b);
    }
  else
    value = ps_matrix_format_value (t->data[e]);
  if (self->live.param != NULL && self->mode != PS_TILE_RGB)
    {
      g_autofree char *dv = NULL, *gv = NULL;
      ps_live_param_format_element (&self->live, e, &dv, &gv);
      return g_strdup_printf (_("%s %s%s\nvalue %s\ngradient %s"), title, index,
                                gate ? gate : "", dv, gv);
    }
  return g_strdup_printf ("%s %s%s\n%s", title, index, gate ? gate : "", value);
}

static char *
describe (PsMatrixSource *s)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  const char *title = self->title ? self->title : "";
  PsTensor *t = shown (self);
  PsMatrixShape shape;

  if (self->live.param != NULL)
    {
      char *state = ps_live_param_describe_state (&self->live, title);
      if (state != NULL)
        return state;
    }
  else if (t == NULL)
    return g_strdup_printf (_("%s, no gradient yet"), title);
  if (!ps_matrix_source_get_shape (s, &shape))
    return g_strdup_printf (_("%s, empty"), title);
  return ps_matrix_describe_values (title, &shape, t->data, t->numel);
}

static const char *
get_row_label (PsMatrixSource *s, int64_t tile_row)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  static const char *letters[128];

  if (self->mode != PS_TILE_GATES || tile_row < 0 || tile_row >= (int64_t) strlen (self->gates))
    return NULL;
  /* one interned string per letter: "i", "f", "g", "o", "r", "z", "n" */
  {
    unsigned char c = (unsigned char) self->gates[tile_row] & 0x7f;
    if (letters[c] == NULL)
      {
        char buf[2] = { (char) c, 0 };
        letters[c] = g_intern_string (buf);
      }
    return letters[c];
  }
}

static gboolean
is_editable (PsMatrixSource *s)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  return self->live.param != NULL && !self->live.show_grad && self->mode != PS_TILE_RGB
         && ps_param_is_initialized (self->live.param);
}

static gboolean
set_value (PsMatrixSource *s, int64_t row, int64_t col, float value, GError **error)
{
  PsTileSource *self = PS_TILE_SOURCE (s);
  int64_t e = ps_tile_source_get_element (self, row, col);

  if (e < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("No element there: a gap between tiles"));
      return FALSE;
    }
  ps_live_param_set_element (&self->live, e, value);
  return TRUE;
}

static void
ps_tile_source_iface_init (PsMatrixSourceInterface *iface)
{
  iface->get_shape = get_shape;
  iface->get_version = get_version;
  iface->get_title = get_title;
  iface->get_placeholder = get_placeholder;
  iface->check = check;
  iface->get_range = get_range;
  iface->pool = pool;
  iface->describe_cell = describe_cell;
  iface->describe = describe;
  iface->get_value = get_value;
  iface->get_row_label = get_row_label;
  iface->is_editable = is_editable;
  iface->set_value = set_value;
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
ps_tile_source_dispose (GObject *object)
{
  PsTileSource *self = PS_TILE_SOURCE (object);

  ps_live_param_clear (&self->live);
  g_clear_pointer (&self->tensor, ps_tensor_unref);
  G_OBJECT_CLASS (ps_tile_source_parent_class)->dispose (object);
}

static void
ps_tile_source_finalize (GObject *object)
{
  PsTileSource *self = PS_TILE_SOURCE (object);
  g_free (self->title);
  g_free (self->gates);
  G_OBJECT_CLASS (ps_tile_source_parent_class)->finalize (object);
}

static void
ps_tile_source_class_init (PsTileSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ps_tile_source_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_tile_source_finalize;
}

static void
ps_tile_source_init (PsTileSource *self)
{
  self->sample = -1;
}

PsMatrixSource *
ps_tile_source_new_param (PsParam *param, gboolean show_grad, const char *title, PsTileMode mode,
                          const char *gates)
{
  PsTileSource *self;

  g_return_val_if_fail (param != NULL, NULL);

  self = g_object_new (PS_TYPE_TILE_SOURCE, NULL);
  ps_live_param_init (&self->live, PS_MATRIX_SOURCE (self), param, show_grad);
  self->title = g_strdup (title);
  self->mode = mode;
  self->gates = g_strdup (gates ? gates : "");
  return PS_MATRIX_SOURCE (self);
}

char *
ps_tile_source_format_index (PsTileSource *self, int64_t element)
{
  g_return_val_if_fail (PS_IS_TILE_SOURCE (self), NULL);
  g_return_val_if_fail (shown (self) != NULL, NULL);
  return format_index (self, shown (self), element);
}

PsMatrixSource *
ps_tile_source_new_tensor (PsTensor *t, const char *title, PsTileMode mode, int64_t sample)
{
  PsTileSource *self;

  g_return_val_if_fail (t != NULL, NULL);

  self = g_object_new (PS_TYPE_TILE_SOURCE, NULL);
  self->tensor = ps_tensor_ref (t);
  self->title = g_strdup (title);
  self->mode = mode;
  self->gates = g_strdup ("");
  self->sample = sample;
  return PS_MATRIX_SOURCE (self);
}

PsTileMode
ps_tile_source_get_mode (PsTileSource *self)
{
  g_return_val_if_fail (PS_IS_TILE_SOURCE (self), PS_TILE_MAPS);
  return self->mode;
}

PsParam *
ps_tile_source_get_param (PsTileSource *self)
{
  g_return_val_if_fail (PS_IS_TILE_SOURCE (self), NULL);
  return self->live.param;
}

gboolean
ps_tile_source_get_show_grad (PsTileSource *self)
{
  g_return_val_if_fail (PS_IS_TILE_SOURCE (self), FALSE);
  return self->live.show_grad;
}

void
ps_tile_source_set_title (PsTileSource *self, const char *title)
{
  g_return_if_fail (PS_IS_TILE_SOURCE (self));
  if (g_strcmp0 (title, self->title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  ps_matrix_source_changed (PS_MATRIX_SOURCE (self), 0);
}

int64_t
ps_tile_source_get_element (PsTileSource *self, int64_t row, int64_t col)
{
  Geom g;

  g_return_val_if_fail (PS_IS_TILE_SOURCE (self), -1);
  return geom_of (self, &g) ? element_at (&g, row, col) : -1;
}

void
ps_tile_source_get_grid (PsTileSource *self, int64_t *tile_rows, int64_t *tile_cols)
{
  Geom g;

  g_return_if_fail (PS_IS_TILE_SOURCE (self));
  if (!geom_of (self, &g))
    g.gr = g.gc = 0;
  *tile_rows = g.gr;
  *tile_cols = g.gc;
}

void
ps_tile_source_tile_origin (PsTileSource *self, int64_t tr, int64_t tc, int64_t *row, int64_t *col)
{
  Geom g;

  g_return_if_fail (PS_IS_TILE_SOURCE (self));
  if (!geom_of (self, &g))
    g.th = g.tw = 0;
  *row = tr * (g.th + PS_TILE_GAP);
  *col = tc * (g.tw + PS_TILE_GAP);
}
