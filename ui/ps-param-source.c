/* ps-param-source.c — a live parameter's values or gradient as a matrix source */
#include "ps-param-source.h"
#include "ps-live-param.h"

#include <glib/gi18n.h>

struct _PsParamSource
{
  GObject   parent_instance;

  PsLiveParam live;
  char     *title;
};

static void ps_param_source_iface_init (PsMatrixSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PsParamSource, ps_param_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PS_TYPE_MATRIX_SOURCE,
                                                      ps_param_source_iface_init))

static PsTensor *
shown (PsParamSource *self)
{
  return ps_live_param_shown (&self->live);
}

/* ---- PsMatrixSource ------------------------------------------------------------ */

static gboolean
get_shape (PsMatrixSource *s, PsMatrixShape *shape)
{
  return ps_matrix_shape_of_tensor (shown (PS_PARAM_SOURCE (s)), shape);
}

static guint64
get_version (PsMatrixSource *s)
{
  return ps_param_get_version (PS_PARAM_SOURCE (s)->live.param);
}

static const char *
get_title (PsMatrixSource *s)
{
  return PS_PARAM_SOURCE (s)->title;
}

static const char *
get_placeholder (PsMatrixSource *s)
{
  return ps_live_param_placeholder (&PS_PARAM_SOURCE (s)->live);
}

static gboolean
check (PsMatrixSource *s, GError **error)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);

  return ps_live_param_check (&self->live, self->title ? self->title : "", error);
}

static gboolean
get_range (PsMatrixSource *s, float *range)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsTensor *t = shown (self);

  if (t == NULL)
    return FALSE;
  *range = ps_live_param_range (&self->live, t, ps_param_get_version (self->live.param));
  return TRUE;
}

static gboolean
pool (PsMatrixSource *s, PsMatrixPool *job)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsMatrixShape shape;
  float range;

  if (!get_shape (s, &shape) || !get_range (s, &range) || job->r0 + job->rows > shape.rows
      || job->c0 + job->cols > shape.cols)
    return FALSE;
  ps_matrix_pool_f32 (shown (self)->data, shape.rows, shape.cols, range, job);
  job->version = ps_param_get_version (self->live.param);
  return TRUE;
}

static gboolean
get_value (PsMatrixSource *s, int64_t row, int64_t col, double *value)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsMatrixShape shape;

  if (!get_shape (s, &shape))
    return FALSE;
  *value = shown (self)->data[row * shape.cols + col];
  return TRUE;
}

static char *
describe_cell (PsMatrixSource *s, int64_t row, int64_t col)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsMatrixShape shape;
  g_autofree char *index = NULL, *value = NULL, *gradient = NULL;

  if (!get_shape (s, &shape))
    return NULL;
  index = ps_matrix_format_index (&shape, row, col);
  ps_live_param_format_element (&self->live, row * shape.cols + col, &value, &gradient);
  /* TRANSLATORS: a heatmap cell's tooltip: name, index, value, gradient */
  return g_strdup_printf (_("%s %s\nvalue %s\ngradient %s"), self->title ? self->title : "",
                          index, value, gradient);
}

static char *
describe (PsMatrixSource *s)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  const char *title = self->title ? self->title : "";
  PsTensor *t = shown (self);
  PsMatrixShape shape;
  char *state = ps_live_param_describe_state (&self->live, title);

  if (state != NULL)
    return state;
  if (!get_shape (s, &shape))
    return g_strdup_printf (_("%s, empty"), title);
  return ps_matrix_describe_values (title, &shape, t->data, t->numel);
}

static gboolean
is_editable (PsMatrixSource *s)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  return !self->live.show_grad && ps_param_is_initialized (self->live.param);
}

static gboolean
set_value (PsMatrixSource *s, int64_t row, int64_t col, float value, GError **error)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsMatrixShape shape;

  get_shape (s, &shape);
  ps_live_param_set_element (&self->live, row * shape.cols + col, value);
  return TRUE;
}

static void
ps_param_source_iface_init (PsMatrixSourceInterface *iface)
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
  iface->is_editable = is_editable;
  iface->set_value = set_value;
}

/* ---- GObject ---------------------------------------------------------------------- */

static void
ps_param_source_dispose (GObject *object)
{
  ps_live_param_clear (&PS_PARAM_SOURCE (object)->live);
  G_OBJECT_CLASS (ps_param_source_parent_class)->dispose (object);
}

static void
ps_param_source_finalize (GObject *object)
{
  g_free (PS_PARAM_SOURCE (object)->title);
  G_OBJECT_CLASS (ps_param_source_parent_class)->finalize (object);
}

static void
ps_param_source_class_init (PsParamSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->dispose = ps_param_source_dispose;
  G_OBJECT_CLASS (klass)->finalize = ps_param_source_finalize;
}

static void
ps_param_source_init (PsParamSource *self)
{
}

PsMatrixSource *
ps_param_source_new (PsParam *param, gboolean show_grad, const char *title)
{
  PsParamSource *self;

  g_return_val_if_fail (param != NULL, NULL);

  self = g_object_new (PS_TYPE_PARAM_SOURCE, NULL);
  ps_live_param_init (&self->live, PS_MATRIX_SOURCE (self), param, show_grad);
  self->title = g_strdup (title);
  return PS_MATRIX_SOURCE (self);
}

PsParam *
ps_param_source_get_param (PsParamSource *self)
{
  g_return_val_if_fail (PS_IS_PARAM_SOURCE (self), NULL);
  return self->live.param;
}

gboolean
ps_param_source_get_show_grad (PsParamSource *self)
{
  g_return_val_if_fail (PS_IS_PARAM_SOURCE (self), FALSE);
  return self->live.show_grad;
}

void
ps_param_source_set_title (PsParamSource *self, const char *title)
{
  g_return_if_fail (PS_IS_PARAM_SOURCE (self));
  if (g_strcmp0 (title, self->title) == 0)
    return;
  g_free (self->title);
  self->title = g_strdup (title);
  ps_matrix_source_changed (PS_MATRIX_SOURCE (self), 0);
}
