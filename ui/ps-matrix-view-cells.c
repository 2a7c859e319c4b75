/* ps-matrix-view-cells.c — the cells on screen, and how they come
 *
 * The frame wants a window of the matrix at a resolution (a PsMatrixKey).
 * A synchronous source pools it on this thread, into sync_job; an
 * asynchronous one pools in a worker, one job at a time, the latest wish
 * waiting behind it (pending), and "Reading…" shows only when a job takes
 * longer than BUSY_DELAY_MS.  A finished job's buffer becomes the cells on
 * screen, and the buffer it replaces becomes the job's back buffer.
 */
#include "ps-matrix-view-private.h"

#include <string.h>

#define BUSY_DELAY_MS 250       /* "Reading…" only when it takes that long */

static void start_job (PsMatrixView *v, const PsMatrixKey *k);

static gboolean
key_equal (const PsMatrixKey *a, const PsMatrixKey *b)
{
  return a->generation == b->generation && a->version == b->version && a->r0 == b->r0
         && a->c0 == b->c0 && a->vrows == b->vrows && a->vcols == b->vcols
         && a->out_rows == b->out_rows && a->out_cols == b->out_cols;
}

void
ps_matrix_job_free (PsMatrixJob *j)
{
  if (j == NULL)
    return;
  g_clear_object (&j->source);
  g_free (j->pooled);
  g_free (j->argb);
  ps_pool_scratch_clear (&j->scratch);
  g_free (j);
}

/* Point j's pooling at key k, its buffers large enough. */
void
ps_matrix_job_prepare (PsMatrixJob *j, const PsMatrixKey *k)
{
  gsize n = (gsize) k->out_rows * k->out_cols;

  if (n > j->cap)
    {
      gsize cap = MAX (n, j->cap * 3 / 2);
      g_free (j->pooled);
      g_free (j->argb);
      j->pooled = g_new (float, cap);
      j->argb = g_new (guint32, cap);
      j->cap = cap;
    }
  j->key = *k;
  memset (&j->pool, 0, sizeof j->pool);
  j->pool.r0 = k->r0;
  j->pool.c0 = k->c0;
  j->pool.rows = k->vrows;
  j->pool.cols = k->vcols;
  j->pool.out_rows = k->out_rows;
  j->pool.out_cols = k->out_cols;
  j->pool.out = j->pooled;
  j->pool.argb = j->argb;
  j->pool.scratch = &j->scratch;
}

/* The job's cells go on screen; the buffer they replace becomes its back buffer. */
static void
cells_replace (PsMatrixView *v, PsMatrixJob *j)
{
  guint32 *argb = v->argb;
  gsize cap = v->cap;

  if (v->cells != NULL)
    {
      /* A render node of an earlier frame may still refer to the surface:
       * finishing it makes cairo copy what those need before the buffer is
       * written again. */
      cairo_surface_finish (v->cells);
      g_clear_pointer (&v->cells, cairo_surface_destroy);
    }
  v->argb = j->argb;
  v->cap = j->cap;
  j->argb = argb;
  if (cap < j->cap)
    {
      g_free (j->argb);
      j->argb = g_new (guint32, j->cap);
    }
  /* ARGB32 rows of whole pixels need no padding: stride = 4 * width */
  g_assert (cairo_format_stride_for_width (CAIRO_FORMAT_ARGB32, j->key.out_cols)
            == j->key.out_cols * 4);
  v->cells = cairo_image_surface_create_for_data ((guchar *) v->argb, CAIRO_FORMAT_ARGB32,
                                                  j->key.out_cols, j->key.out_rows,
                                                  j->key.out_cols * 4);
  v->key = j->key;
  v->key.version = j->pool.version;
  v->key_valid = TRUE;
  /* the values themselves, for printing inside cells: only unpooled windows */
  v->vals_valid = FALSE;
  if (j->key.out_rows == j->key.vrows && j->key.out_cols == j->key.vcols
      && (gsize) j->key.out_rows * j->key.out_cols <= PS_MATRIX_NUMBERS_MAX)
    {
      gsize n = (gsize) j->key.out_rows * j->key.out_cols;
      if (n > v->vals_cap)
        {
          g_free (v->vals);
          v->vals = g_new (float, n);
          v->vals_cap = n;
        }
      memcpy (v->vals, j->pooled, n * sizeof (float));
      v->vals_valid = TRUE;
    }
  v->range = j->pool.range;
  v->range_valid = TRUE;
  v->pool_us = j->pool.usec;
}

static void
job_done (GObject *object, GAsyncResult *result, gpointer data)
{
  PsMatrixView *v = data;
  PsMatrixJob *j = v->job;
  gboolean ok = ps_matrix_source_pool_finish (PS_MATRIX_SOURCE (object), result, NULL);

  v->running = FALSE;
  g_clear_object (&j->source);
  if (!g_cancellable_is_cancelled (v->cancel))
    {
      if (ok && j->key.generation == v->generation)
        {
          gboolean first = !v->range_valid;
          cells_replace (v, j);
          g_clear_handle_id (&v->busy_id, g_source_remove);
          v->show_busy = FALSE;
          if (first)
            ps_matrix_view_update_accessible (v);
          gtk_widget_queue_draw (GTK_WIDGET (v));
        }
      if (v->has_pending)
        {
          PsMatrixKey k = v->pending;
          v->has_pending = FALSE;
          if (k.generation == v->generation && !(v->key_valid && key_equal (&k, &v->key)))
            start_job (v, &k);
        }
    }
  g_object_unref (v);           /* the job's reference: the widget may go now */
}

static gboolean
busy_timeout (gpointer data)
{
  PsMatrixView *v = data;
  v->busy_id = 0;
  v->show_busy = TRUE;
  gtk_widget_queue_draw (GTK_WIDGET (v));
  return G_SOURCE_REMOVE;
}

static void
start_job (PsMatrixView *v, const PsMatrixKey *k)
{
  PsMatrixJob *j;

  if (v->running)
    {
      v->pending = *k;
      v->has_pending = TRUE;
      return;
    }
  if (v->job == NULL)
    v->job = g_new0 (PsMatrixJob, 1);
  j = v->job;
  ps_matrix_job_prepare (j, k);
  j->source = g_object_ref (v->source);
  v->running = TRUE;
  if (v->busy_id == 0 && !(v->key_valid && v->key.generation == v->generation))
    v->busy_id = g_timeout_add (BUSY_DELAY_MS, busy_timeout, v);
  /* the widget stays until the worker is done with its buffers */
  ps_matrix_source_pool_async (v->source, &j->pool, v->cancel, job_done, g_object_ref (v));
}

/* Make the cells on screen show what the layout wants, or ask for them.
 * TRUE when they do now. */
gboolean
ps_matrix_view_request_cells (PsMatrixView *v, PsMatrixKey *want)
{
  PsMatrixLayout L;
  PsMatrixKey k;

  if (want == NULL)
    want = &k;
  if (!ps_matrix_view_layout (v, &L))
    return FALSE;
  ps_matrix_view_layout_key (v, &L, gtk_widget_get_scale_factor (GTK_WIDGET (v)), want);
  if (v->key_valid && key_equal (want, &v->key))
    return TRUE;
  if (!ps_matrix_view_is_async (v))
    {
      if (v->sync_job == NULL)
        v->sync_job = g_new0 (PsMatrixJob, 1);
      ps_matrix_job_prepare (v->sync_job, want);
      if (!ps_matrix_source_pool (v->source, &v->sync_job->pool))
        return FALSE;
      cells_replace (v, v->sync_job);
      return TRUE;
    }
  if (!(v->running && key_equal (want, &v->job->key)))
    start_job (v, want);
  return FALSE;
}

/* The source, zoom or pan changed: pool now rather than at the next frame. */
void
ps_matrix_view_request_soon (PsMatrixView *v)
{
  if (ps_matrix_view_is_async (v) && gtk_widget_get_mapped (GTK_WIDGET (v)))
    ps_matrix_view_request_cells (v, NULL);
}
