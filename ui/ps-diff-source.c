/* ps-diff-source.c — A − B of two states of a parameter as a matrix source */
#include "ps-diff-source.h"

#include <glib/gi18n.h>
#include <string.h>

struct _PsDiffSource
{
  GObject   parent_instance;

  PsTensor *diff;
  PsTensor *scratch;          /* the next difference, swapped in when it succeeds */
  PsTensor *a, *b;            /* copies of the two states, for the tooltip */
  char     *title;
  char     *a_name, *b_name;  /* "current", "run 1 · step 0" */
  guint64   version;
  float     range;
  gboolean  kernels;          /* tile the next differences that fit */
  PsMatrixSource *tiles;      /* the kernels of diff (a PsTileSource over it), or NULL */
};

static void ps_diff_source_iface_init (PsMatrixSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PsDiffSource, ps_diff_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PS_TYPE_MATRIX_SOURCE,
                                                      ps_diff_source_iface_init))

static gboolean
get_shape (PsMatrixSource *s, PsMatrixShape *shape)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  if (self->tiles != NULL)
    return ps_matrix_source_get_shape (self->tiles, shape);
  return ps_matrix_shape_of_tensor (self->diff, shape);
}

/* The flat element at a cell: through the kernels' tiles (-1 in a gap), or
 * the plain matrix's; *index its full index. */
static int64_t
element_at (PsDiffSource *self, int64_t row, int64_t col, char **index)
{
  PsMatrixShape shape;
  int64_t e;

  if (self->tiles != NULL)
    {
      e = ps_tile_source_get_element (PS_TILE_SOURCE (self->tiles), row, col);
      if (e >= 0 && index)
        *index = ps_tile_source_format_index (PS_TILE_SOURCE (self->tiles), e);
      return e;
    }
  get_shape (PS_MATRIX_SOURCE (self), &shape);
  if (index)
    *index = ps_matrix_format_index (&shape, row, col);
  return row * shape.cols + col;
}

static guint64
get_version (PsMatrixSource *s)
{
  return PS_DIFF_SOURCE (s)->version;
}

static const char *
get_title (PsMatrixSource *s)
{
  return PS_DIFF_SOURCE (s)->title;
}

static gboolean
get_range (PsMatrixSource *s, float *range)
{
  *range = PS_DIFF_SOURCE (s)->range;
  return TRUE;
}

static gboolean
pool (PsMatrixSource *s, PsMatrixPool *job)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  PsMatrixShape shape;

  if (!get_shape (s, &shape) || job->r0 + job->rows > shape.rows || job->c0 + job->cols > shape.cols)
    return FALSE;
  if (self->tiles != NULL)
    {
      if (!ps_matrix_source_pool (self->tiles, job))
        return FALSE;
    }
  else
    ps_matrix_pool_f32 (self->diff->data, shape.rows, shape.cols, self->range, job);
  job->version = self->version;
  return TRUE;
}

static gboolean
get_value (PsMatrixSource *s, int64_t row, int64_t col, double *value)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  int64_t e = element_at (self, row, col, NULL);

  if (e < 0)
    return FALSE;
  *value = self->diff->data[e];
  return TRUE;
}

static char *
describe_cell (PsMatrixSource *s, int64_t row, int64_t col)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  g_autofree char *index = NULL, *value = NULL;
  int64_t e = element_at (self, row, col, &index);

  if (e < 0)
    return NULL;                /* a gap between kernels */
  value = ps_matrix_format_value (self->diff->data[e]);
  /* TRANSLATORS: a cell of the difference A − B: name, index, the difference */
  return g_strdup_printf (_("%s %s\ndifference %s"), self->title ? self->title : "", index, value);
}

/* The tooltip: both values and the change, each state by its name. */
static char *
describe_tooltip (PsMatrixSource *s, int64_t row, int64_t col)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  int64_t i;
  g_autofree char *index = NULL, *va = NULL, *vb = NULL, *vd = NULL;

  if (self->a == NULL || self->b == NULL || self->a->numel != self->diff->numel
      || self->b->numel != self->diff->numel)
    return describe_cell (s, row, col);
  if ((i = element_at (self, row, col, &index)) < 0)
    return NULL;
  va = ps_matrix_format_value (self->a->data[i]);
  vb = ps_matrix_format_value (self->b->data[i]);
  vd = ps_matrix_format_value (self->diff->data[i]);
  /* TRANSLATORS: a cell of the difference: name and index, then the value
   * in state A (its name), in state B (its name), and the change A − B */
  return g_strdup_printf (_("%s %s\nA  %s: %s\nB  %s: %s\nchange A − B: %s"),
                          self->title ? self->title : "", index,
                          self->a_name ? self->a_name : "A", va,
                          self->b_name ? self->b_name : "B", vb, vd);
}

static char *
describe (PsMatrixSource *s)
{
  PsDiffSource *self = PS_DIFF_SOURCE (s);
  PsMatrixShape shape;

  if (!get_shape (s, &shape))
    return g_strdup_printf (_("%s, empty"), self->title ? self->title : "");
  return ps_matrix_describe_values (self->title ? self->title : "", &shape, self->diff->data,
                                    self->diff->numel);
}

static void
ps_diff_source_iface_init (PsMatrixSourceInterface *iface)
{
  iface->get_shape = get_shape;
  iface->get_version = get_version;
  iface->get_title = get_title;
  iface->get_range = get_range;
  iface->pool = pool;
  iface->describe_cell = describe_cell;
  iface->describe_tooltip = describe_tooltip;
  iface->describe = describe;
  iface->get_value = get_value;
}

static void
ps_diff_source_finalize (GObject *object)
{
  PsDiffSource *self = PS_DIFF_SOURCE (object);

  g_clear_object (&self->tiles);
  g_clear_pointer (&self->diff, ps_tensor_unref);
  g_clear_pointer (&self->scratch, ps_tensor_unref);
  g_clear_pointer (&self->a, ps_tensor_unref);
  g_clear_pointer (&self->b, ps_tensor_unref);
  g_free (self->title);
  g_free (self->a_name);
  g_free (self->b_name);
  G_OBJECT_CLASS (ps_diff_source_parent_class)->finalize (object);
}

static void
ps_diff_source_class_init (PsDiffSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_diff_source_finalize;
}

static void
ps_diff_source_init (PsDiffSource *self)
{
  self->diff = ps_tensor_new_1d (1);
  self->scratch = ps_tensor_new_1d (1);
  self->range = 1.f;
}

PsMatrixSource *
ps_diff_source_new (void)
{
  return g_object_new (PS_TYPE_DIFF_SOURCE, NULL);
}

gboolean
ps_diff_source_update (PsDiffSource *self, const PsTensor *a, const PsTensor *b,
                       const char *title, GError **error)
{
  return ps_diff_source_update_named (self, a, b, title, NULL, NULL, error);
}

gboolean
ps_diff_source_update_named (PsDiffSource *self, const PsTensor *a, const PsTensor *b,
                             const char *title, const char *a_name, const char *b_name,
                             GError **error)
{
  gboolean reshaped, tiled;
  PsTensor *t;

  g_return_val_if_fail (PS_IS_DIFF_SOURCE (self), FALSE);
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);

  if (!ps_tensor_difference (a, b, self->scratch, error))
    return FALSE;
  reshaped = self->scratch->ndim != self->diff->ndim
             || memcmp (self->scratch->shape, self->diff->shape,
                        sizeof (int64_t) * (gsize) self->diff->ndim) != 0;
  t = self->diff;
  self->diff = self->scratch;
  self->scratch = t;
  self->range = ps_heatmap_range (self->diff->data, self->diff->numel);
  /* the tiles read diff: a new source over the new one (the old diff becomes
   * the scratch the next update writes) */
  tiled = self->tiles != NULL;
  g_clear_object (&self->tiles);
  if (self->kernels && ps_tile_mode_fits (PS_TILE_KERNELS, self->diff->ndim, self->diff->shape, NULL))
    self->tiles = ps_tile_source_new_tensor (self->diff, NULL, PS_TILE_KERNELS, -1);
  reshaped |= tiled != (self->tiles != NULL);
  self->version++;
  g_clear_pointer (&self->a, ps_tensor_unref);
  g_clear_pointer (&self->b, ps_tensor_unref);
  self->a = ps_tensor_copy (a);
  self->b = ps_tensor_copy (b);
  g_free (self->a_name);
  g_free (self->b_name);
  self->a_name = g_strdup (a_name);
  self->b_name = g_strdup (b_name);
  if (g_strcmp0 (title, self->title) != 0)
    {
      g_free (self->title);
      self->title = g_strdup (title);
    }
  ps_matrix_source_changed (PS_MATRIX_SOURCE (self),
                            PS_MATRIX_CHANGE_VALUES | (reshaped ? PS_MATRIX_CHANGE_SHAPE : 0));
  return TRUE;
}

void
ps_diff_source_set_kernels (PsDiffSource *self, gboolean kernels)
{
  g_return_if_fail (PS_IS_DIFF_SOURCE (self));
  self->kernels = kernels;
}

const PsTensor *
ps_diff_source_get_difference (PsDiffSource *self)
{
  g_return_val_if_fail (PS_IS_DIFF_SOURCE (self), NULL);
  return self->diff;
}
