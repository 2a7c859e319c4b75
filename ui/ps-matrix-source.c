/* ps-matrix-source.c — the interface a matrix view draws from */
#include "ps-matrix-source.h"
#include "ps-heatmap-draw.h"

#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

G_DEFINE_INTERFACE (PsMatrixSource, ps_matrix_source, G_TYPE_OBJECT)

enum { SIG_CHANGED, N_SIGNALS };
static guint signals[N_SIGNALS];

/* The default asynchronous pooling of a synchronous source: pooled now,
 * reported from an idle like any asynchronous result. */
static void
default_pool_async (PsMatrixSource *self, PsMatrixPool *job, GCancellable *cancellable,
                    GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (self, cancellable, callback, user_data);

  g_task_set_source_tag (task, default_pool_async);
  if (g_task_return_error_if_cancelled (task))
    ;
  else if (ps_matrix_source_pool (self, job))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_new_error (task, PS_ERROR, PS_ERROR_VALUE, _("Nothing to show"));
  g_object_unref (task);
}

static gboolean
default_pool_finish (PsMatrixSource *self, GAsyncResult *result, GError **error)
{
  return g_task_propagate_boolean (G_TASK (result), error);
}

static void
ps_matrix_source_default_init (PsMatrixSourceInterface *iface)
{
  iface->pool_async = default_pool_async;
  iface->pool_finish = default_pool_finish;

  /**
   * PsMatrixSource::changed:
   * @what: PsMatrixChange flags
   *
   * The values (and perhaps the shape) changed; the version has moved.
   */
  signals[SIG_CHANGED] =
    g_signal_new ("changed", G_TYPE_FROM_INTERFACE (iface), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

#define IFACE(s) PS_MATRIX_SOURCE_GET_IFACE (s)

gboolean
ps_matrix_source_get_shape (PsMatrixSource *self, PsMatrixShape *shape)
{
  PsMatrixShape dummy;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  if (shape == NULL)
    shape = &dummy;
  memset (shape, 0, sizeof *shape);
  if (!IFACE (self)->get_shape (self, shape))
    return FALSE;
  return shape->rows > 0 && shape->cols > 0;
}

guint64
ps_matrix_source_get_version (PsMatrixSource *self)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), 0);
  return IFACE (self)->get_version (self);
}

const char *
ps_matrix_source_get_title (PsMatrixSource *self)
{
  const char *t;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), "");
  t = IFACE (self)->get_title ? IFACE (self)->get_title (self) : NULL;
  return t ? t : "";
}

const char *
ps_matrix_source_get_placeholder (PsMatrixSource *self)
{
  const char *t;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), "");
  t = IFACE (self)->get_placeholder ? IFACE (self)->get_placeholder (self) : NULL;
  return t ? t : _("no elements");
}

gboolean
ps_matrix_source_check (PsMatrixSource *self, GError **error)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (IFACE (self)->check != NULL && !IFACE (self)->check (self, error))
    return FALSE;
  if (!ps_matrix_source_get_shape (self, NULL))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s has no elements"),
                   ps_matrix_source_get_title (self));
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_matrix_source_get_range (PsMatrixSource *self, float *range)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  g_return_val_if_fail (range != NULL, FALSE);
  return IFACE (self)->get_range != NULL && IFACE (self)->get_range (self, range);
}

gboolean
ps_matrix_source_is_async (PsMatrixSource *self)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  return IFACE (self)->is_async;
}

static gboolean
job_valid (const PsMatrixPool *job)
{
  return job != NULL && job->out != NULL && job->scratch != NULL && job->out_rows > 0
         && job->out_cols > 0 && job->rows > 0 && job->cols > 0 && job->r0 >= 0 && job->c0 >= 0;
}

gboolean
ps_matrix_source_pool (PsMatrixSource *self, PsMatrixPool *job)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  g_return_val_if_fail (job_valid (job), FALSE);
  g_return_val_if_fail (IFACE (self)->pool != NULL, FALSE);
  return IFACE (self)->pool (self, job);
}

void
ps_matrix_source_pool_async (PsMatrixSource *self, PsMatrixPool *job, GCancellable *cancellable,
                             GAsyncReadyCallback callback, gpointer user_data)
{
  g_return_if_fail (PS_IS_MATRIX_SOURCE (self));
  g_return_if_fail (job_valid (job));
  IFACE (self)->pool_async (self, job, cancellable, callback, user_data);
}

gboolean
ps_matrix_source_pool_finish (PsMatrixSource *self, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  return IFACE (self)->pool_finish (self, result, error);
}

char *
ps_matrix_source_describe_cell (PsMatrixSource *self, int64_t row, int64_t col)
{
  PsMatrixShape shape;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), NULL);
  if (!ps_matrix_source_get_shape (self, &shape) || row < 0 || col < 0 || row >= shape.rows
      || col >= shape.cols)
    return NULL;
  return IFACE (self)->describe_cell (self, row, col);
}

char *
ps_matrix_source_describe_tooltip (PsMatrixSource *self, int64_t row, int64_t col)
{
  PsMatrixShape shape;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), NULL);
  if (IFACE (self)->describe_tooltip == NULL)
    return ps_matrix_source_describe_cell (self, row, col);
  if (!ps_matrix_source_get_shape (self, &shape) || row < 0 || col < 0 || row >= shape.rows
      || col >= shape.cols)
    return NULL;
  return IFACE (self)->describe_tooltip (self, row, col);
}

char *
ps_matrix_source_describe (PsMatrixSource *self)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), NULL);
  if (IFACE (self)->describe != NULL)
    return IFACE (self)->describe (self);
  return g_strdup (ps_matrix_source_get_title (self));
}

gboolean
ps_matrix_source_get_value (PsMatrixSource *self, int64_t row, int64_t col, double *value)
{
  PsMatrixShape shape;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  g_return_val_if_fail (value != NULL, FALSE);
  if (IFACE (self)->get_value == NULL || !ps_matrix_source_get_shape (self, &shape) || row < 0
      || col < 0 || row >= shape.rows || col >= shape.cols)
    return FALSE;
  return IFACE (self)->get_value (self, row, col, value);
}

const char *
ps_matrix_source_get_row_label (PsMatrixSource *self, int64_t tile_row)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), NULL);
  return IFACE (self)->get_row_label ? IFACE (self)->get_row_label (self, tile_row) : NULL;
}

gboolean
ps_matrix_source_is_editable (PsMatrixSource *self)
{
  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  return IFACE (self)->is_editable != NULL && IFACE (self)->set_value != NULL
         && IFACE (self)->is_editable (self);
}

gboolean
ps_matrix_source_set_value (PsMatrixSource *self, int64_t row, int64_t col, float value,
                            GError **error)
{
  PsMatrixShape shape;

  g_return_val_if_fail (PS_IS_MATRIX_SOURCE (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  if (!ps_matrix_source_is_editable (self))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s cannot be edited"),
                   ps_matrix_source_get_title (self));
      return FALSE;
    }
  if (!ps_matrix_source_get_shape (self, &shape) || row < 0 || col < 0 || row >= shape.rows
      || col >= shape.cols)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("%s has no element [%lld, %lld]"),
                   ps_matrix_source_get_title (self), (long long) row, (long long) col);
      return FALSE;
    }
  return IFACE (self)->set_value (self, row, col, value, error);
}

void
ps_matrix_source_changed (PsMatrixSource *self, PsMatrixChange what)
{
  g_return_if_fail (PS_IS_MATRIX_SOURCE (self));
  g_signal_emit (self, signals[SIG_CHANGED], 0, (guint) what);
}

/* ---- helpers for implementations ------------------------------------------- */

void
ps_matrix_pool_f32 (const float *x, int64_t rows, int64_t cols, float range, PsMatrixPool *job)
{
  PsSlice slice;
  gint64 t0 = g_get_monotonic_time ();

  ps_slice_init_f32 (&slice, x, rows, cols);
  ps_pool_slice (&slice, job->r0, job->c0, job->rows, job->cols, job->out, job->out_rows,
                 job->out_cols, job->scratch);
  job->range = range;
  if (job->argb != NULL)
    ps_heatmap_colorize (job->out, (int64_t) job->out_rows * job->out_cols, range, job->argb);
  job->usec = g_get_monotonic_time () - t0;
}

gboolean
ps_matrix_shape_of_tensor (const PsTensor *t, PsMatrixShape *shape)
{
  memset (shape, 0, sizeof *shape);
  if (t == NULL || t->numel == 0)
    return FALSE;
  shape->ndim = MIN (t->ndim, PS_MATRIX_MAX_DIMS);
  for (int i = 0; i < shape->ndim; i++)
    shape->shape[i] = t->shape[i];
  ps_heatmap_shape (t->ndim, t->shape, &shape->rows, &shape->cols);
  return shape->rows > 0 && shape->cols > 0;
}

char *
ps_matrix_format_index (const PsMatrixShape *shape, int64_t row, int64_t col)
{
  GString *s;
  int64_t idx[PS_MATRIX_MAX_DIMS];

  if (shape->ndim <= 1)
    return g_strdup_printf ("[%lld]", (long long) row);
  if (shape->ndim == 2)
    return g_strdup_printf ("[%lld, %lld]", (long long) row, (long long) col);
  /* rows are the first axis; a column unravels over the others */
  idx[0] = row;
  for (int i = shape->ndim - 1; i >= 1; i--)
    {
      int64_t n = MAX (shape->shape[i], 1);
      idx[i] = col % n;
      col /= n;
    }
  s = g_string_new ("[");
  for (int i = 0; i < shape->ndim; i++)
    g_string_append_printf (s, i ? ", %lld" : "%lld", (long long) idx[i]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

char *
ps_matrix_format_value (double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (x))
    return g_strdup ("NaN");
  if (isinf (x))
    return g_strdup (x > 0 ? "inf" : "\u2212inf");
  g_ascii_formatd (buf, sizeof buf, "%.6g", x);
  if (buf[0] == '-')
    return g_strconcat ("\u2212", buf + 1, NULL);
  return g_strdup (buf);
}

/* "-0.35" -> "−0.35" */
static char *
pretty (char *ascii)
{
  char *s = ascii[0] == '-' ? g_strconcat ("\u2212", ascii + 1, NULL) : g_strdup (ascii);
  g_free (ascii);
  return s;
}

char *
ps_matrix_describe_values (const char *title, const PsMatrixShape *shape, const float *x,
                           int64_t n)
{
  float lo = INFINITY, hi = -INFINITY;
  int64_t nonfinite = 0;
  g_autofree char *dims = NULL;
  char *desc;

  for (int64_t i = 0; i < n; i++)
    {
      if (isfinite (x[i]))
        {
          lo = MIN (lo, x[i]);
          hi = MAX (hi, x[i]);
        }
      else
        nonfinite++;
    }
  /* TRANSLATORS: the shape of a matrix, rows by columns */
  dims = g_strdup_printf (_("%lld by %lld"), (long long) shape->rows, (long long) shape->cols);
  if (lo > hi)
    desc = g_strdup_printf (_("%s, %s, no finite values"), title, dims);
  else
    {
      g_autofree char *plo = pretty (ps_heatmap_format_value (lo));
      g_autofree char *phi = pretty (ps_heatmap_format_value (hi));
      desc = g_strdup_printf (_("%s, %s, values from %s to %s"), title, dims, plo, phi);
    }
  if (nonfinite > 0)
    {
      char *more = g_strdup_printf (ngettext ("%s, %lld value not finite",
                                              "%s, %lld values not finite",
                                              (unsigned long) nonfinite),
                                    desc, (long long) nonfinite);
      g_free (desc);
      desc = more;
    }
  return desc;
}
