/* ps-checkpoint-source.c — a 2-D slice of a checkpoint tensor as a matrix source */
#include "ps-checkpoint-source.h"
#include "ps-heatmap-draw.h"

#include <glib/gi18n.h>
#include <math.h>

#define RANGE_SIDE 64           /* output side of the pooling that finds a slice's range */

struct _PsCheckpointSource
{
  GObject          parent_instance;

  PsCheckpoint    *ck;          /* ref */
  PsCheckpointView view;
  char            *title;

  GMutex           lock;        /* the range is found in a worker */
  float            range;
  gboolean         range_valid;
};

static void ps_checkpoint_source_iface_init (PsMatrixSourceInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (PsCheckpointSource, ps_checkpoint_source, G_TYPE_OBJECT,
                               G_IMPLEMENT_INTERFACE (PS_TYPE_MATRIX_SOURCE,
                                                      ps_checkpoint_source_iface_init))

static char *
format_value (PsDtype dtype, double x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];

  if (isnan (x) || isinf (x))
    return ps_matrix_format_value (x);
  if (dtype != PS_DTYPE_F32 && dtype != PS_DTYPE_F16 && dtype != PS_DTYPE_BF16
      && dtype != PS_DTYPE_F64)
    g_snprintf (buf, sizeof buf, "%" G_GINT64_FORMAT, (gint64) x);     /* integers, exactly */
  else
    g_ascii_formatd (buf, sizeof buf, dtype == PS_DTYPE_F64 ? "%.10g" : "%.6g", x);
  if (buf[0] == '-')
    return g_strconcat ("\u2212", buf + 1, NULL);
  return g_strdup (buf);
}

/* ---- pooling (any thread) ------------------------------------------------------- */

static gboolean
get_range (PsMatrixSource *s, float *range)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  gboolean known;

  g_mutex_lock (&self->lock);
  known = self->range_valid;
  *range = self->range;
  g_mutex_unlock (&self->lock);
  return known;
}

typedef struct
{
  PsCheckpointSource *self;
  PsMatrixPool       *job;
  gboolean            known, whole;
  float               range, r;
} Guarded;

/* The reads of the mapped file, run under ps_checkpoint_run_guarded: a file
 * truncated meanwhile stops them (no SIGBUS) and gives an error instead. */
static void
pool_reads (gpointer data)
{
  Guarded *g = data;
  const PsCheckpointView *v = &g->self->view;
  PsMatrixPool *job = g->job;
  PsSlice slice;

  ps_checkpoint_view_get_slice (g->self->ck, v, &slice);
  if (!g->known && !g->whole)
    {
      float *cells = g_new (float, RANGE_SIDE * RANGE_SIDE);
      g->range = ps_pool_slice (&slice, 0, 0, v->rows, v->cols, cells,
                                (int) MIN (v->rows, RANGE_SIDE), (int) MIN (v->cols, RANGE_SIDE),
                                job->scratch);
      g_free (cells);
    }
  g->r = ps_pool_slice (&slice, job->r0, job->c0, job->rows, job->cols, job->out, job->out_rows,
                        job->out_cols, job->scratch);
}

static gboolean
pool_guarded (PsMatrixSource *s, PsMatrixPool *job, GError **error)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  const PsCheckpointView *v = &self->view;
  gint64 t0 = g_get_monotonic_time ();
  Guarded g = { self, job, FALSE, FALSE, 0.f, 0.f };

  if (v->rows <= 0 || v->cols <= 0 || job->r0 + job->rows > v->rows
      || job->c0 + job->cols > v->cols)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("The window is outside %s"), self->title);
      return FALSE;
    }
  g.whole = job->r0 == 0 && job->c0 == 0 && job->rows == v->rows && job->cols == v->cols;
  g.known = get_range (s, &g.range);
  if (!ps_checkpoint_run_guarded (self->ck, pool_reads, &g, error))
    return FALSE;
  if (!g.known)
    {
      if (g.whole)
        g.range = g.r;
      g_mutex_lock (&self->lock);
      self->range = g.range;
      self->range_valid = TRUE;
      g_mutex_unlock (&self->lock);
    }
  job->range = g.range;
  job->version = 0;             /* a mapped file does not change */
  if (job->argb != NULL)
    ps_heatmap_colorize (job->out, (int64_t) job->out_rows * job->out_cols, g.range, job->argb);
  job->usec = g_get_monotonic_time () - t0;
  return TRUE;
}

static gboolean
pool (PsMatrixSource *s, PsMatrixPool *job)
{
  return pool_guarded (s, job, NULL);
}

static void
pool_thread (GTask *task, gpointer source, gpointer data, GCancellable *cancellable)
{
  GError *error = NULL;

  if (g_task_return_error_if_cancelled (task))
    return;
  if (pool_guarded (PS_MATRIX_SOURCE (source), data, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

static void
pool_async (PsMatrixSource *s, PsMatrixPool *job, GCancellable *cancellable,
            GAsyncReadyCallback callback, gpointer user_data)
{
  GTask *task = g_task_new (s, cancellable, callback, user_data);

  g_task_set_source_tag (task, pool_async);
  g_task_set_task_data (task, job, NULL);     /* the caller's until the callback */
  g_task_set_return_on_cancel (task, FALSE);
  g_task_run_in_thread (task, pool_thread);
  g_object_unref (task);
}

static gboolean
pool_finish (PsMatrixSource *s, GAsyncResult *result, GError **error)
{
  g_return_val_if_fail (g_task_is_valid (result, s), FALSE);
  return g_task_propagate_boolean (G_TASK (result), error);
}

/* ---- the rest of PsMatrixSource (main thread) ---------------------------------------- */

static gboolean
get_shape (PsMatrixSource *s, PsMatrixShape *shape)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  const PsSafetensorsEntry *e = self->view.entry;

  shape->rows = self->view.rows;
  shape->cols = self->view.cols;
  shape->ndim = MIN (e->ndim, PS_MATRIX_MAX_DIMS);
  for (int i = 0; i < shape->ndim; i++)
    shape->shape[i] = e->shape[i];
  return shape->rows > 0 && shape->cols > 0;
}

static guint64
get_version (PsMatrixSource *s)
{
  return 0;
}

static const char *
get_title (PsMatrixSource *s)
{
  return PS_CHECKPOINT_SOURCE (s)->title;
}

static gboolean
get_value (PsMatrixSource *s, int64_t row, int64_t col, double *value)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  *value = ps_checkpoint_read (self->ck, &self->view, row, col);
  return TRUE;
}

static char *
describe_cell (PsMatrixSource *s, int64_t row, int64_t col)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  g_autofree char *index = ps_checkpoint_view_format_index (&self->view, row, col);
  g_autofree char *value = format_value (self->view.entry->dtype,
                                         ps_checkpoint_read (self->ck, &self->view, row, col));
  return g_strdup_printf ("%s  %s", index, value);
}

static char *
describe_tooltip (PsMatrixSource *s, int64_t row, int64_t col)
{
  g_autofree char *cell = describe_cell (s, row, col);
  return g_strdup_printf ("%s\n%s", PS_CHECKPOINT_SOURCE (s)->title, cell);
}

static char *
describe (PsMatrixSource *s)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (s);
  g_autofree char *dims = NULL;
  float range;

  if (self->view.rows <= 0 || self->view.cols <= 0)
    return g_strdup_printf (_("%s, empty"), self->title);
  /* TRANSLATORS: the shape of a matrix, rows by columns */
  dims = g_strdup_printf (_("%lld by %lld"), (long long) self->view.rows,
                          (long long) self->view.cols);
  if (get_range (s, &range))
    {
      g_autofree char *r = ps_heatmap_format_value (range);
      /* TRANSLATORS: name, "rows by columns", the largest finite magnitude */
      return g_strdup_printf (_("%s, %s, values within ±%s"), self->title, dims, r);
    }
  return g_strdup_printf ("%s, %s", self->title, dims);
}

static void
ps_checkpoint_source_iface_init (PsMatrixSourceInterface *iface)
{
  iface->get_shape = get_shape;
  iface->get_version = get_version;
  iface->get_title = get_title;
  iface->get_range = get_range;
  iface->pool = pool;
  iface->pool_async = pool_async;
  iface->pool_finish = pool_finish;
  iface->is_async = TRUE;
  iface->describe_cell = describe_cell;
  iface->describe_tooltip = describe_tooltip;
  iface->describe = describe;
  iface->get_value = get_value;
}

/* ---- GObject ------------------------------------------------------------------------ */

static void
ps_checkpoint_source_finalize (GObject *object)
{
  PsCheckpointSource *self = PS_CHECKPOINT_SOURCE (object);

  g_clear_pointer (&self->ck, ps_checkpoint_unref);
  g_free (self->title);
  g_mutex_clear (&self->lock);
  G_OBJECT_CLASS (ps_checkpoint_source_parent_class)->finalize (object);
}

static void
ps_checkpoint_source_class_init (PsCheckpointSourceClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = ps_checkpoint_source_finalize;
}

static void
ps_checkpoint_source_init (PsCheckpointSource *self)
{
  g_mutex_init (&self->lock);
  self->range = 1.f;
}

PsMatrixSource *
ps_checkpoint_source_new (PsCheckpoint *ck, const PsCheckpointView *view, const char *title)
{
  PsCheckpointSource *self;

  g_return_val_if_fail (ck != NULL, NULL);
  g_return_val_if_fail (view != NULL && view->entry != NULL, NULL);

  self = g_object_new (PS_TYPE_CHECKPOINT_SOURCE, NULL);
  self->ck = ps_checkpoint_ref (ck);
  self->view = *view;
  self->title = g_strdup (title ? title : view->entry->name);
  return PS_MATRIX_SOURCE (self);
}

PsCheckpoint *
ps_checkpoint_source_get_checkpoint (PsCheckpointSource *self)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_SOURCE (self), NULL);
  return self->ck;
}

const PsCheckpointView *
ps_checkpoint_source_get_view (PsCheckpointSource *self)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_SOURCE (self), NULL);
  return &self->view;
}

gboolean
ps_checkpoint_source_same_axes (PsCheckpointSource *a, PsCheckpointSource *b)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_SOURCE (a) && PS_IS_CHECKPOINT_SOURCE (b), FALSE);
  return a->ck == b->ck && a->view.entry == b->view.entry
         && a->view.row_axis == b->view.row_axis && a->view.col_axis == b->view.col_axis;
}
