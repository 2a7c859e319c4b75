/* ps-param-source.c — a live parameter's values or gradient as a matrix source */
#include "ps-param-source.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>

struct _PsParamSource
{
  GObject   parent_instance;

  PsParam  *param;            /* ref */
  guint     listener_id;
  gboolean  show_grad;
  char     *title;
  GThread  *owner;            /* listeners may fire elsewhere: "changed" from here */

  /* the range of the whole tensor, by version */
  float     range;
  guint64   range_version;
  gboolean  range_valid;
};

static void ps_param_source_iface_init (PsMatrixSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PsParamSource, ps_param_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PS_TYPE_MATRIX_SOURCE,
                                                      ps_param_source_iface_init))

static PsTensor *
shown (PsParamSource *self)
{
  return self->show_grad ? ps_param_get_grad (self->param) : ps_param_get_data (self->param);
}

/* ---- the parameter's listener -------------------------------------------------- */

static void
changed_here (GObject *object, PsChange what)
{
  ps_matrix_source_changed (PS_MATRIX_SOURCE (object),
                            PS_MATRIX_CHANGE_VALUES
                            | ((what & PS_CHANGE_SHAPE) ? PS_MATRIX_CHANGE_SHAPE : 0));
}

static void
on_param_changed (PsParam *param, PsChange what, gpointer user_data)
{
  PsParamSource *self = user_data;

  /* a worker thread may change the parameter: tell the views on theirs */
  ps_ui_dispatch_change (G_OBJECT (self), self->owner, changed_here, what);
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
  return ps_param_get_version (PS_PARAM_SOURCE (s)->param);
}

static const char *
get_title (PsMatrixSource *s)
{
  return PS_PARAM_SOURCE (s)->title;
}

static const char *
get_placeholder (PsMatrixSource *s)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);

  if (!ps_param_is_initialized (self->param))
    return _("uninitialized — run Forward");
  if (shown (self) == NULL)
    return _("no gradient yet");
  return NULL;
}

static gboolean
check (PsMatrixSource *s, GError **error)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  const char *title = self->title ? self->title : "";

  if (!ps_param_is_initialized (self->param))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   _("%s is uninitialized: run Forward first"), title);
      return FALSE;
    }
  if (shown (self) == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s has no gradient yet"), title);
      return FALSE;
    }
  return TRUE;
}

static gboolean
get_range (PsMatrixSource *s, float *range)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsTensor *t = shown (self);
  guint64 version;

  if (t == NULL)
    return FALSE;
  version = ps_param_get_version (self->param);
  if (!self->range_valid || self->range_version != version)
    {
      self->range = ps_heatmap_range (t->data, t->numel);
      self->range_version = version;
      self->range_valid = TRUE;
    }
  *range = self->range;
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
  job->version = ps_param_get_version (self->param);
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
  PsTensor *data = ps_param_get_data (self->param), *grad = ps_param_get_grad (self->param);
  PsMatrixShape shape;
  int64_t i;
  g_autofree char *index = NULL, *value = NULL, *gradient = NULL;

  if (!get_shape (s, &shape))
    return NULL;
  i = row * shape.cols + col;
  index = ps_matrix_format_index (&shape, row, col);
  value = data ? ps_matrix_format_value (data->data[i]) : g_strdup ("\u2014");
  gradient = grad ? ps_matrix_format_value (grad->data[i]) : g_strdup (_("none yet"));
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

  if (!ps_param_is_initialized (self->param))
    return g_strdup_printf (_("%s, uninitialized"), title);
  if (t == NULL)
    return g_strdup_printf (_("%s, no gradient yet"), title);
  if (!get_shape (s, &shape))
    return g_strdup_printf (_("%s, empty"), title);
  return ps_matrix_describe_values (title, &shape, t->data, t->numel);
}

static gboolean
is_editable (PsMatrixSource *s)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  return !self->show_grad && ps_param_is_initialized (self->param);
}

static gboolean
set_value (PsMatrixSource *s, int64_t row, int64_t col, float value, GError **error)
{
  PsParamSource *self = PS_PARAM_SOURCE (s);
  PsMatrixShape shape;

  get_shape (s, &shape);
  ps_param_get_data (self->param)->data[row * shape.cols + col] = value;
  ps_param_changed (self->param, PS_CHANGE_DATA);
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
  PsParamSource *self = PS_PARAM_SOURCE (object);

  if (self->param != NULL)
    {
      ps_param_remove_listener (self->param, self->listener_id);
      self->listener_id = 0;
      g_clear_pointer (&self->param, ps_param_unref);
    }
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
  self->owner = g_thread_self ();
}

PsMatrixSource *
ps_param_source_new (PsParam *param, gboolean show_grad, const char *title)
{
  PsParamSource *self;

  g_return_val_if_fail (param != NULL, NULL);

  self = g_object_new (PS_TYPE_PARAM_SOURCE, NULL);
  self->param = ps_param_ref (param);
  self->listener_id = ps_param_add_listener (param, on_param_changed, self, NULL);
  self->show_grad = !!show_grad;
  self->title = g_strdup (title);
  return PS_MATRIX_SOURCE (self);
}

PsParam *
ps_param_source_get_param (PsParamSource *self)
{
  g_return_val_if_fail (PS_IS_PARAM_SOURCE (self), NULL);
  return self->param;
}

gboolean
ps_param_source_get_show_grad (PsParamSource *self)
{
  g_return_val_if_fail (PS_IS_PARAM_SOURCE (self), FALSE);
  return self->show_grad;
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
