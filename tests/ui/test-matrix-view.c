/* test-matrix-view.c — the matrix-source interface with each implementation,
 * and the matrix view over them
 *
 * The sources are checked without a display: shape (and the N-d shape kept),
 * version and "changed", pooling against the core's ps_pool_slice on the same
 * elements, cell descriptions, editing.  With a display (Xvfb, see
 * TESTING-GUI.md): an edit typed into a view reaches the parameter and the
 * view of its tied alias, a difference is drawn in the map's colours, and a
 * view destroyed while its checkpoint tensor is pooled in a worker goes
 * cleanly (run under ASan by scripts/test-sanitize.sh).
 */
#include <gtk/gtk.h>
#include <math.h>
#include <string.h>

#include "paramscope.h"
#include "ps-checkpoint-source.h"
#include "ps-diff-source.h"
#include "ps-matrix-view.h"
#include "ps-param-source.h"
#include "ps-test-checkpoint.h"
#include "ps-ui-test-util.h"

/* ---- helpers ------------------------------------------------------------------ */

typedef struct
{
  int   count;
  guint what;                  /* of the last emission */
  guint all;                   /* of every emission */
} Changes;

static void
on_changed (PsMatrixSource *s, guint what, Changes *c)
{
  c->count++;
  c->what = what;
  c->all |= what;
}

static float
ramp (int64_t i)
{
  return (float) (i - 5.5) / 5.5f;
}

static PsParam *
param_2d (int64_t rows, int64_t cols, float (*f) (int64_t))
{
  g_autoptr (PsTensor) t = ps_tensor_new_2d (rows, cols);
  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = f (i);
  return ps_param_new (t);
}

/* Pool job's window of src, and the core's pooling of the same window of
 * slice: the same cells to the bit, coloured at the source's range. */
static void
assert_pool_matches (PsMatrixSource *src, const PsSlice *slice, int64_t r0, int64_t c0,
                     int64_t rows, int64_t cols, int out_rows, int out_cols, float range)
{
  gsize n = (gsize) out_rows * out_cols;
  g_autofree float *got = g_new (float, n), *want = g_new (float, n);
  g_autofree guint32 *argb = g_new (guint32, n), *want_argb = g_new (guint32, n);
  PsPoolScratch s1 = { 0 }, s2 = { 0 };
  PsMatrixPool job = { .r0 = r0, .c0 = c0, .rows = rows, .cols = cols, .out_rows = out_rows,
                       .out_cols = out_cols, .out = got, .argb = argb, .scratch = &s1 };

  g_assert_true (ps_matrix_source_pool (src, &job));
  ps_pool_slice (slice, r0, c0, rows, cols, want, out_rows, out_cols, &s2);
  g_assert_cmpmem (got, n * sizeof (float), want, n * sizeof (float));
  g_assert_cmpfloat (job.range, ==, range);
  ps_heatmap_colorize (want, (int64_t) n, range, want_argb);
  g_assert_cmpmem (argb, n * 4, want_argb, n * 4);
  ps_pool_scratch_clear (&s1);
  ps_pool_scratch_clear (&s2);
}

/* ---- the parameter source ---------------------------------------------------------- */

static void
test_param_source (void)
{
  g_autoptr (PsParam) p = param_2d (3, 4, ramp);
  g_autoptr (PsMatrixSource) src = ps_param_source_new (p, FALSE, "0.weight");
  g_autoptr (PsMatrixSource) grad = ps_param_source_new (p, TRUE, "grad 0.weight");
  Changes c = { 0 };
  PsMatrixShape shape;
  guint64 v0;
  double value;
  g_autoptr (GError) error = NULL;

  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 3);
  g_assert_cmpint (shape.cols, ==, 4);
  g_assert_cmpint (shape.ndim, ==, 2);
  g_assert_cmpstr (ps_matrix_source_get_title (src), ==, "0.weight");
  g_assert_false (ps_matrix_source_is_async (src));

  /* the parameter's changes, as "changed" with a newer version */
  g_signal_connect (src, "changed", G_CALLBACK (on_changed), &c);
  v0 = ps_matrix_source_get_version (src);
  ps_param_changed (p, PS_CHANGE_DATA);
  g_assert_cmpint (c.count, ==, 1);
  g_assert_cmpuint (c.what, ==, PS_MATRIX_CHANGE_VALUES);
  g_assert_cmpuint (ps_matrix_source_get_version (src), >, v0);

  /* a cell in words; the gradient is not there yet */
  {
    g_autofree char *text = ps_matrix_source_describe_cell (src, 2, 1);
    g_assert_cmpstr (text, ==, "0.weight [2, 1]\nvalue 0.636364\ngradient none yet");
    g_assert_null (ps_matrix_source_describe_cell (src, 3, 0));
    g_assert_null (ps_matrix_source_describe_cell (src, 0, -1));
  }
  g_assert_false (ps_matrix_source_get_shape (grad, NULL));
  g_assert_cmpstr (ps_matrix_source_get_placeholder (grad), ==, "no gradient yet");
  g_assert_false (ps_matrix_source_check (grad, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  g_assert_false (ps_matrix_source_is_editable (grad));

  /* set_value writes the element and tells every listener */
  g_assert_true (ps_matrix_source_is_editable (src));
  g_assert_true (ps_matrix_source_set_value (src, 1, 2, 0.25f, &error));
  g_assert_no_error (error);
  g_assert_cmpfloat (ps_param_get_data (p)->data[1 * 4 + 2], ==, 0.25f);
  g_assert_cmpint (c.count, ==, 2);
  g_assert_true (ps_matrix_source_get_value (src, 1, 2, &value));
  g_assert_cmpfloat (value, ==, 0.25);
  g_assert_false (ps_matrix_source_set_value (src, 3, 0, 1.f, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  g_assert_false (ps_matrix_source_set_value (grad, 0, 0, 1.f, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);

  /* a backward: the gradient source has cells now */
  {
    PsTensor *g = ps_param_ensure_grad (p);
    for (int64_t i = 0; i < g->numel; i++)
      g->data[i] = -2.f * ramp (i);
    ps_param_changed (p, PS_CHANGE_GRAD);
    g_assert_cmpint (c.count, ==, 3);
    g_assert_true (ps_matrix_source_check (grad, NULL));
    g_autofree char *text = ps_matrix_source_describe_cell (grad, 2, 1);
    g_assert_cmpstr (text, ==, "grad 0.weight [2, 1]\nvalue 0.636364\ngradient \u22121.27273");
  }

  /* another name of the same parameter: "changed" with nothing else */
  ps_param_source_set_title (PS_PARAM_SOURCE (src), "4.weight");
  g_assert_cmpint (c.count, ==, 4);
  g_assert_cmpuint (c.what, ==, 0);
  g_assert_cmpstr (ps_matrix_source_get_title (src), ==, "4.weight");
}

static void
test_param_source_lazy (void)
{
  g_autoptr (PsParam) p = ps_param_new_uninitialized ();
  g_autoptr (PsMatrixSource) src = ps_param_source_new (p, FALSE, "0.weight");
  int64_t shape2[2] = { 2, 3 };
  Changes c = { 0 };
  g_autoptr (GError) error = NULL;

  g_signal_connect (src, "changed", G_CALLBACK (on_changed), &c);
  g_assert_false (ps_matrix_source_get_shape (src, NULL));
  g_assert_false (ps_matrix_source_is_editable (src));
  g_assert_false (ps_matrix_source_check (src, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_clear_error (&error);

  /* materialized by a forward: a change of shape */
  g_assert_true (ps_param_materialize (p, 2, shape2, &error));
  ps_param_changed (p, PS_CHANGE_SHAPE | PS_CHANGE_DATA);
  g_assert_cmpint (c.count, ==, 1);
  g_assert_cmpuint (c.what, ==, PS_MATRIX_CHANGE_VALUES | PS_MATRIX_CHANGE_SHAPE);
  g_assert_true (ps_matrix_source_get_shape (src, NULL));
}

static float
noise (int64_t i)
{
  guint32 h = (guint32) i * 2654435761u;
  h ^= h >> 15;
  return ((float) (h % 20001) - 10000.f) / 3000.f;
}

static float
noise_outlier (int64_t i)
{
  return i == 1234 ? -57.f : i == 77 ? NAN : noise (i);
}

/* Pooling a window of a parameter equals the core's pooling of it. */
static void
test_param_source_pooling (void)
{
  g_autoptr (PsParam) p = param_2d (50, 70, noise_outlier);
  g_autoptr (PsMatrixSource) src = ps_param_source_new (p, FALSE, "big");
  PsTensor *t = ps_param_get_data (p);
  float range = ps_heatmap_range (t->data, t->numel);
  PsSlice slice;

  ps_slice_init_f32 (&slice, t->data, 50, 70);
  assert_pool_matches (src, &slice, 0, 0, 50, 70, 50, 70, range);      /* one cell each */
  assert_pool_matches (src, &slice, 0, 0, 50, 70, 7, 9, range);        /* reduced */
  assert_pool_matches (src, &slice, 3, 5, 40, 60, 11, 13, range);      /* a window */
  assert_pool_matches (src, &slice, 10, 10, 2, 3, 4, 6, range);        /* magnified */
  g_assert_cmpfloat (range, ==, 57.f);

  /* a window outside the matrix is refused */
  {
    float out[4];
    PsPoolScratch s = { 0 };
    PsMatrixPool job = { .r0 = 49, .c0 = 0, .rows = 2, .cols = 2, .out_rows = 2, .out_cols = 2,
                         .out = out, .scratch = &s };
    g_assert_false (ps_matrix_source_pool (src, &job));
  }
}

/* A 4-D weight keeps its shape: a cell says its full index. */
static void
test_param_source_4d (void)
{
  int64_t shape4[4] = { 2, 3, 2, 2 };
  g_autoptr (PsTensor) t = ps_tensor_new (4, shape4);
  g_autoptr (PsParam) p = NULL;
  g_autoptr (PsMatrixSource) src = NULL;
  PsMatrixShape shape;

  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = (float) i;
  p = ps_param_new (t);
  src = ps_param_source_new (p, FALSE, "conv.weight");
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 2);
  g_assert_cmpint (shape.cols, ==, 12);
  g_assert_cmpint (shape.ndim, ==, 4);
  for (int i = 0; i < 4; i++)
    g_assert_cmpint (shape.shape[i], ==, shape4[i]);
  {
    /* column 7 = in 1, kh 1, kw 1; element 19 */
    g_autofree char *text = ps_matrix_source_describe_cell (src, 1, 7);
    g_assert_cmpstr (text, ==, "conv.weight [1, 1, 1, 1]\nvalue 19\ngradient none yet");
  }
}

/* ---- the checkpoint source ---------------------------------------------------------- */

static double
cube (int a, int b, int c)
{
  return (a ? -1 : 1) * (a * 100 + b * 10 + c);
}

static PsCheckpoint *
small_checkpoint (void)
{
  float cubev[2 * 3 * 4];
  double wd[15];
  guint8 wb[30];
  PsTestTensor t[] = {
    { "model.cube", PS_DTYPE_F32, 3, { 2, 3, 4 }, cubev },
    { "model.w", PS_DTYPE_BF16, 2, { 3, 5 }, wb },
  };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (GError) error = NULL;
  PsCheckpoint *ck;

  for (int a = 0; a < 2; a++)
    for (int b = 0; b < 3; b++)
      for (int c = 0; c < 4; c++)
        cubev[(a * 3 + b) * 4 + c] = (float) cube (a, b, c);
  for (int i = 0; i < 15; i++)
    wd[i] = sin (i * 0.7) * 3;
  ps_test_encode (PS_DTYPE_BF16, wd, 15, wb);
  bytes = ps_test_st_build (t, G_N_ELEMENTS (t), NULL, 8, 0);
  ck = ps_checkpoint_new_from_bytes (bytes, "small.safetensors", &error);
  g_assert_no_error (error);
  return ck;
}

static const PsSafetensorsEntry *
entry (PsCheckpoint *ck, const char *name)
{
  const PsCheckpointNode *n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, name);
  g_assert_nonnull (n);
  g_assert_nonnull (n->entry);
  return n->entry;
}

static void
on_pooled (GObject *source, GAsyncResult *result, gpointer data)
{
  GAsyncResult **out = data;
  *out = g_object_ref (result);
}

static gboolean
pool_and_wait (PsMatrixSource *src, PsMatrixPool *job, GCancellable *cancel, GError **error)
{
  GAsyncResult *result = NULL;
  gboolean ok;

  ps_matrix_source_pool_async (src, job, cancel, on_pooled, &result);
  while (result == NULL)
    g_main_context_iteration (NULL, TRUE);
  ok = ps_matrix_source_pool_finish (src, result, error);
  g_object_unref (result);
  return ok;
}

static void
test_checkpoint_source (void)
{
  g_autoptr (PsCheckpoint) ck = small_checkpoint ();
  const PsSafetensorsEntry *e = entry (ck, "model.cube");
  int64_t index[3] = { 1, 0, 0 };
  PsCheckpointView view;
  g_autoptr (PsMatrixSource) src = NULL;
  g_autoptr (GError) error = NULL;
  PsMatrixShape shape;
  float range;

  /* rows = axis 1, columns = axis 2, axis 0 at 1 */
  g_assert_true (ps_checkpoint_view_init (&view, e, 1, 2, index, &error));
  g_assert_no_error (error);
  src = ps_checkpoint_source_new (ck, &view, "model.cube");
  g_assert_true (ps_matrix_source_is_async (src));
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 3);
  g_assert_cmpint (shape.cols, ==, 4);
  g_assert_cmpint (shape.ndim, ==, 3);
  g_assert_cmpint (shape.shape[0], ==, 2);
  g_assert_cmpint (shape.shape[2], ==, 4);
  g_assert_false (ps_matrix_source_is_editable (src));
  g_assert_false (ps_matrix_source_get_range (src, &range));      /* known after a pooling */

  {
    g_autofree char *cell = ps_matrix_source_describe_cell (src, 2, 3);
    g_autofree char *tip = ps_matrix_source_describe_tooltip (src, 2, 3);
    g_assert_cmpstr (cell, ==, "[1, 2, 3]  \u2212123");
    g_assert_cmpstr (tip, ==, "model.cube\n[1, 2, 3]  \u2212123");
    g_assert_null (ps_matrix_source_describe_cell (src, 3, 0));
  }

  /* a window, in a worker: the core's pooling of the same elements, coloured
   * at the whole slice's range */
  {
    float got[4], want[4];
    guint32 argb[4], want_argb[4];
    PsPoolScratch s1 = { 0 }, s2 = { 0 };
    PsMatrixPool job = { .r0 = 1, .c0 = 1, .rows = 2, .cols = 3, .out_rows = 2, .out_cols = 2,
                         .out = got, .argb = argb, .scratch = &s1 };
    PsSlice slice;

    g_assert_true (pool_and_wait (src, &job, NULL, &error));
    g_assert_no_error (error);
    ps_checkpoint_view_get_slice (ck, &view, &slice);
    ps_pool_slice (&slice, 1, 1, 2, 3, want, 2, 2, &s2);
    g_assert_cmpmem (got, sizeof got, want, sizeof want);
    g_assert_cmpfloat (job.range, ==, 123.f);                   /* |cube (1, 2, 3)| */
    g_assert_true (ps_matrix_source_get_range (src, &range));
    g_assert_cmpfloat (range, ==, 123.f);
    ps_heatmap_colorize (want, 4, 123.f, want_argb);
    g_assert_cmpmem (argb, sizeof argb, want_argb, sizeof want_argb);
    ps_pool_scratch_clear (&s1);
    ps_pool_scratch_clear (&s2);
  }

  /* cancelled before it runs: nothing pooled, the error says so */
  {
    g_autoptr (GCancellable) cancel = g_cancellable_new ();
    float out[1] = { 42.f };
    PsPoolScratch s = { 0 };
    PsMatrixPool job = { .rows = 1, .cols = 1, .out_rows = 1, .out_cols = 1, .out = out,
                         .scratch = &s };
    g_cancellable_cancel (cancel);
    g_assert_false (pool_and_wait (src, &job, cancel, &error));
    g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&error);
    g_assert_cmpfloat (out[0], ==, 42.f);
  }
}

/* A bf16 tensor: every cell of a full-resolution pooling is the element
 * read exactly. */
static void
test_checkpoint_source_bf16 (void)
{
  g_autoptr (PsCheckpoint) ck = small_checkpoint ();
  PsCheckpointView view;
  g_autoptr (PsMatrixSource) src = NULL;
  float out[15];
  PsPoolScratch s = { 0 };
  PsMatrixPool job = { .rows = 3, .cols = 5, .out_rows = 3, .out_cols = 5, .out = out,
                       .scratch = &s };
  float max = 0;

  ps_checkpoint_view_init_default (&view, entry (ck, "model.w"));
  src = ps_checkpoint_source_new (ck, &view, NULL);
  g_assert_cmpstr (ps_matrix_source_get_title (src), ==, "model.w");
  g_assert_true (pool_and_wait (src, &job, NULL, NULL));
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 5; c++)
      {
        double v = ps_checkpoint_read (ck, &view, r, c);
        g_assert_cmpfloat (out[r * 5 + c], ==, (float) v);
        max = MAX (max, fabsf ((float) v));
      }
  g_assert_cmpfloat (job.range, ==, max);
  ps_pool_scratch_clear (&s);
}

/* ---- the difference source ------------------------------------------------------------ */

static void
test_diff_source (void)
{
  g_autoptr (PsMatrixSource) src = ps_diff_source_new ();
  g_autoptr (PsTensor) a = ps_tensor_new_2d (2, 3), b = ps_tensor_new_2d (2, 3);
  g_autoptr (PsTensor) other = ps_tensor_new_2d (3, 2);
  g_autoptr (GError) error = NULL;
  const PsTensor *d;
  Changes c = { 0 };
  PsMatrixShape shape;
  guint64 v;

  for (int i = 0; i < 6; i++)
    {
      a->data[i] = (float) i * 0.5f;
      b->data[i] = (float) (i * i) * 0.25f;
    }
  g_signal_connect (src, "changed", G_CALLBACK (on_changed), &c);
  g_assert_true (ps_diff_source_update (PS_DIFF_SOURCE (src), a, b, "w: current − init", &error));
  g_assert_no_error (error);
  g_assert_cmpint (c.count, ==, 1);
  g_assert_cmpuint (c.what, ==, PS_MATRIX_CHANGE_VALUES | PS_MATRIX_CHANGE_SHAPE);
  d = ps_diff_source_get_difference (PS_DIFF_SOURCE (src));
  for (int i = 0; i < 6; i++)
    g_assert_cmpfloat (d->data[i], ==, a->data[i] - b->data[i]);
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 2);
  g_assert_cmpint (shape.cols, ==, 3);
  g_assert_cmpstr (ps_matrix_source_get_title (src), ==, "w: current − init");
  {
    g_autofree char *text = ps_matrix_source_describe_cell (src, 1, 2);
    /* 2.5 − 6.25 */
    g_assert_cmpstr (text, ==, "w: current − init [1, 2]\ndifference \u22123.75");
  }
  g_assert_false (ps_matrix_source_is_editable (src));
  g_assert_false (ps_matrix_source_set_value (src, 0, 0, 1.f, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);

  /* pooled as the core pools it */
  {
    PsSlice slice;
    ps_slice_init_f32 (&slice, d->data, 2, 3);
    assert_pool_matches (src, &slice, 0, 0, 2, 3, 2, 3, ps_heatmap_range (d->data, 6));
  }

  /* the same shape again: values only */
  a->data[0] = 10.f;
  v = ps_matrix_source_get_version (src);
  g_assert_true (ps_diff_source_update (PS_DIFF_SOURCE (src), a, b, "w: current − init", NULL));
  g_assert_cmpint (c.count, ==, 2);
  g_assert_cmpuint (c.what, ==, PS_MATRIX_CHANGE_VALUES);
  g_assert_cmpuint (ps_matrix_source_get_version (src), >, v);
  g_assert_cmpfloat (ps_diff_source_get_difference (PS_DIFF_SOURCE (src))->data[0], ==, 10.f);

  /* shapes that differ: an error, and the source keeps what it had */
  v = ps_matrix_source_get_version (src);
  g_assert_false (ps_diff_source_update (PS_DIFF_SOURCE (src), a, other, "x", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpint (c.count, ==, 2);
  g_assert_cmpuint (ps_matrix_source_get_version (src), ==, v);
  g_assert_cmpstr (ps_matrix_source_get_title (src), ==, "w: current − init");
  g_assert_cmpfloat (ps_diff_source_get_difference (PS_DIFF_SOURCE (src))->data[0], ==, 10.f);
}

/* A convolution weight's difference as its kernels (the tile source's grid,
 * as on the parameter page): [2, 3, 2, 2] is 2 rows of 3 kernels of 2 x 2
 * with one empty cell between them; a cell describes its [o, i, y, x], a gap
 * nothing, and the pooling gives each cell its difference.  Turned off, the
 * next update is one 2 x 12 matrix again (a shape change). */
static void
test_diff_source_kernels (void)
{
  g_autoptr (PsMatrixSource) src = ps_diff_source_new ();
  int64_t shape4[4] = { 2, 3, 2, 2 };
  g_autoptr (PsTensor) a = ps_tensor_new (4, shape4), b = ps_tensor_new (4, shape4);
  PsMatrixShape shape;
  Changes c = { 0 };
  const PsTensor *d;
  float out[5 * 8];
  guint32 argb[5 * 8];
  PsPoolScratch scratch = { 0 };
  PsMatrixPool job = { .rows = 5, .cols = 8, .out_rows = 5, .out_cols = 8, .out = out,
                       .argb = argb, .scratch = &scratch };

  for (int i = 0; i < 24; i++)
    {
      a->data[i] = (float) i;
      b->data[i] = (float) (i % 5) * 2.f;
    }
  g_signal_connect (src, "changed", G_CALLBACK (on_changed), &c);
  ps_diff_source_set_kernels (PS_DIFF_SOURCE (src), TRUE);
  g_assert_true (ps_diff_source_update (PS_DIFF_SOURCE (src), a, b, "w", NULL));
  d = ps_diff_source_get_difference (PS_DIFF_SOURCE (src));
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 2 * 2 + 1);
  g_assert_cmpint (shape.cols, ==, 3 * 2 + 2);
  g_assert_cmpint (shape.tile_h, ==, 2);
  g_assert_cmpint (shape.tile_w, ==, 2);
  g_assert_cmpint (shape.tile_gap, ==, PS_TILE_GAP);
  {
    /* kernel (1, 1), place (0, 1): element 17 = 17 - 4 */
    g_autofree char *text = ps_matrix_source_describe_cell (src, 3, 4);
    g_autofree char *tip = ps_matrix_source_describe_tooltip (src, 3, 4);
    double v;
    g_assert_cmpstr (text, ==, "w [1, 1, 0, 1]\ndifference 13");
    g_assert_true (g_str_has_prefix (tip, "w [1, 1, 0, 1]\nA  A: 17\nB  B: 4\n"));
    g_assert_true (ps_matrix_source_get_value (src, 3, 4, &v));
    g_assert_cmpfloat (v, ==, 13);
    g_assert_null (ps_matrix_source_describe_cell (src, 2, 0));     /* the gap row */
    g_assert_null (ps_matrix_source_describe_cell (src, 0, 2));     /* a gap column */
    g_assert_false (ps_matrix_source_get_value (src, 2, 0, &v));
  }
  g_assert_true (ps_matrix_source_pool (src, &job));
  g_assert_cmpfloat (job.range, ==, ps_heatmap_range (d->data, d->numel));
  for (int64_t o = 0; o < 2; o++)
    for (int64_t i = 0; i < 3; i++)
      for (int64_t y = 0; y < 2; y++)
        for (int64_t x = 0; x < 2; x++)
          {
            int64_t cell = (o * 3 + y) * 8 + i * 3 + x, e = ((o * 3 + i) * 2 + y) * 2 + x;
            g_assert_cmpfloat (out[cell], ==, d->data[e]);
            g_assert_cmphex (argb[cell], ==, ps_colormap_argb (d->data[e], job.range));
          }
  g_assert_cmphex (argb[2 * 8 + 1], ==, 0);         /* a gap: transparent */
  g_assert_cmphex (argb[0 * 8 + 2], ==, 0);

  /* one matrix again */
  c.count = 0;
  ps_diff_source_set_kernels (PS_DIFF_SOURCE (src), FALSE);
  g_assert_true (ps_diff_source_update (PS_DIFF_SOURCE (src), a, b, "w", NULL));
  g_assert_cmpint (c.count, ==, 1);
  g_assert_cmpuint (c.what & PS_MATRIX_CHANGE_SHAPE, !=, 0);
  g_assert_true (ps_matrix_source_get_shape (src, &shape));
  g_assert_cmpint (shape.rows, ==, 2);
  g_assert_cmpint (shape.cols, ==, 12);
  ps_pool_scratch_clear (&scratch);
}

/* ---- the view over each source ---------------------------------------------------------- */

static guint32
cell_pixel (GtkWidget *view, const PsTestPixels *px, int64_t r, int64_t c)
{
  graphene_rect_t rect;
  ps_matrix_view_cell_rect (PS_MATRIX_VIEW (view), r, c, &rect);
  return ps_test_pixel_at (px, rect.origin.x + rect.size.width / 2,
                           rect.origin.y + rect.size.height / 2);
}

static void
render_view (GtkWidget *view, PsTestPixels *out)
{
  g_autoptr (GdkTexture) tex = ps_matrix_view_render_texture (PS_MATRIX_VIEW (view), 0, 0);
  g_assert_nonnull (tex);
  ps_test_pixels_from_texture (tex, out);
}

static const char tied_model[] =
  "shared = nn.Linear(8, 8)\n"
  "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), shared, nn.ReLU(), shared, nn.ReLU(),\n"
  "                    nn.Linear(8, 1))\n";

/* A value typed into the view of one name of a tied parameter changes the
 * parameter, and the view of its other name redraws with it. */
static void
test_view_edit_tied (void)
{
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsMatrixSource) sa = NULL, sb = NULL, sg = NULL;
  GtkWidget *a, *b, *box, *win;
  PsParam *w2, *w4;
  Changes cb = { 0 };
  PsTestPixels px = { 0 };
  PsRng rng;
  float range;

  if (ps_test_skip_without_display ())
    return;
  ps_rng_seed (&rng, 3);
  net = ps_model_parse (tied_model, -1, "tied.py", &rng, NULL, &error);
  g_assert_no_error (error);
  w2 = ps_module_find_param (net, "2.weight");
  w4 = ps_module_find_param (net, "4.weight");
  g_assert_true (w2 == w4);

  a = ps_matrix_view_new ();
  b = ps_matrix_view_new ();
  box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 0);
  gtk_box_set_homogeneous (GTK_BOX (box), TRUE);
  gtk_box_append (GTK_BOX (box), a);
  gtk_box_append (GTK_BOX (box), b);
  sa = ps_param_source_new (w2, FALSE, "2.weight");
  sb = ps_param_source_new (w4, FALSE, "4.weight");
  ps_matrix_view_set_source (PS_MATRIX_VIEW (a), sa);
  ps_matrix_view_set_source (PS_MATRIX_VIEW (b), sb);
  g_signal_connect (sb, "changed", G_CALLBACK (on_changed), &cb);
  win = ps_test_window_with (box, 640, 260);

  /* not editable until the view says so */
  g_assert_false (ps_matrix_view_get_editable (PS_MATRIX_VIEW (a)));
  g_assert_false (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (a), 1, 2));
  g_object_set (a, "editable", TRUE, NULL);
  g_assert_true (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (a), 1, 2));
  g_assert_true (ps_matrix_view_is_editing (PS_MATRIX_VIEW (a)));
  /* nobody handles "edit-requested": the view sets the value through its source */
  g_assert_true (ps_matrix_view_commit_text (PS_MATRIX_VIEW (a), "\u22122.5"));
  g_assert_false (ps_matrix_view_is_editing (PS_MATRIX_VIEW (a)));
  g_assert_cmpfloat (ps_param_get_data (w4)->data[1 * 8 + 2], ==, -2.5f);
  g_assert_cmpint (cb.count, >=, 1);

  /* the other name's view shows the new value */
  ps_test_wait_frame (b);
  render_view (b, &px);
  g_assert_true (ps_matrix_source_get_range (sb, &range));
  g_assert_cmphex (cell_pixel (b, &px, 1, 2), ==, ps_colormap_argb (-2.5f, range));
  ps_test_pixels_clear (&px);

  /* a gradient is never edited, even in an editable view */
  sg = ps_param_source_new (w2, TRUE, "grad 2.weight");
  ps_matrix_view_set_source (PS_MATRIX_VIEW (a), sg);
  g_assert_false (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (a), 0, 0));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* A difference drawn: every cell in the map's colour of its value. */
static void
test_view_diff (PsViewFixture *f, gconstpointer data)
{
  g_autoptr (PsMatrixSource) src = ps_diff_source_new ();
  g_autoptr (PsTensor) a = ps_tensor_new_2d (3, 4), b = ps_tensor_new_2d (3, 4);
  const PsTensor *d;
  PsTestPixels px = { 0 };
  GtkWidget *view = f->view;
  float range;

  if (ps_test_skip_without_display ())
    return;
  for (int i = 0; i < 12; i++)
    {
      a->data[i] = ramp (i);
      b->data[i] = 0.3f * ramp (11 - i);
    }
  g_assert_true (ps_diff_source_update (PS_DIFF_SOURCE (src), a, b, "d", NULL));
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
  ps_matrix_view_set_editable (PS_MATRIX_VIEW (view), TRUE);
  f->win = ps_test_window_with (view, 400, 300);
  render_view (view, &px);
  d = ps_diff_source_get_difference (PS_DIFF_SOURCE (src));
  range = ps_heatmap_range (d->data, d->numel);
  for (int r = 0; r < 3; r++)
    for (int c = 0; c < 4; c++)
      g_assert_cmphex (cell_pixel (view, &px, r, c), ==, ps_colormap_argb (d->data[r * 4 + c], range));
  ps_test_pixels_clear (&px);
  g_assert_true (ps_matrix_view_is_ready (PS_MATRIX_VIEW (view)));
  /* for assistive technologies: an image named by the source, described by it */
  gtk_test_accessible_assert_role (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_ROLE_IMG);
  gtk_test_accessible_assert_property (GTK_ACCESSIBLE (view), GTK_ACCESSIBLE_PROPERTY_LABEL, "d");
  {
    g_autofree char *desc = ps_matrix_source_describe (src);
    g_assert_true (g_str_has_prefix (desc, "d, 3 by 4, values from "));
    gtk_test_accessible_assert_property (GTK_ACCESSIBLE (view),
                                         GTK_ACCESSIBLE_PROPERTY_DESCRIPTION, desc);
  }
  /* read only, whatever the view allows */
  g_assert_false (ps_matrix_view_begin_edit (PS_MATRIX_VIEW (view), 0, 0));
}

/* A checkpoint slice is drawn once its worker is done, in the colours of
 * its range; a neighbouring slice keeps the zoom. */
static void
test_view_checkpoint (void)
{
  g_autoptr (PsCheckpoint) ck = small_checkpoint ();
  const PsSafetensorsEntry *e = entry (ck, "model.cube");
  int64_t index[3] = { 0, 0, 0 };
  PsCheckpointView view0, view1;
  g_autoptr (PsMatrixSource) s0 = NULL, s1 = NULL;
  PsTestPixels px = { 0 };
  GtkWidget *view, *win;
  gint64 end;

  if (ps_test_skip_without_display ())
    return;
  g_assert_true (ps_checkpoint_view_init (&view0, e, 1, 2, index, NULL));
  index[0] = 1;
  g_assert_true (ps_checkpoint_view_init (&view1, e, 1, 2, index, NULL));
  s0 = ps_checkpoint_source_new (ck, &view0, "model.cube");
  s1 = ps_checkpoint_source_new (ck, &view1, "model.cube");
  g_assert_true (ps_checkpoint_source_same_axes (PS_CHECKPOINT_SOURCE (s0),
                                                 PS_CHECKPOINT_SOURCE (s1)));
  view = ps_matrix_view_new ();
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), s0);
  win = ps_test_window_with (view, 400, 300);
  end = g_get_monotonic_time () + 20 * G_USEC_PER_SEC;
  while (!ps_matrix_view_is_ready (PS_MATRIX_VIEW (view)))
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      gtk_widget_queue_draw (view);
      ps_test_wait_frame (view);
    }
  render_view (view, &px);
  g_assert_cmphex (cell_pixel (view, &px, 2, 3), ==, ps_colormap_argb (23.f, 23.f));
  g_assert_cmphex (cell_pixel (view, &px, 1, 0), ==, ps_colormap_argb (10.f, 23.f));
  ps_test_pixels_clear (&px);

  /* the next slice in place: zoom and selection kept */
  ps_matrix_view_zoom_at (PS_MATRIX_VIEW (view), 2, 200, 150);
  ps_matrix_view_set_selected (PS_MATRIX_VIEW (view), 1, 1);
  ps_matrix_view_replace_source (PS_MATRIX_VIEW (view), s1);
  g_assert_cmpfloat (ps_matrix_view_get_zoom (PS_MATRIX_VIEW (view)), >, 1);
  g_assert_cmpint (ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (view)), ==, 1);
  {
    g_autofree char *text = ps_matrix_view_describe_cell (PS_MATRIX_VIEW (view), 1, 1);
    g_assert_cmpstr (text, ==, "[1, 1, 1]  \u2212111");
  }
  /* another source: both reset */
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), s0);
  g_assert_cmpfloat (ps_matrix_view_get_zoom (PS_MATRIX_VIEW (view)), ==, 1);
  g_assert_cmpint (ps_matrix_view_get_selected_row (PS_MATRIX_VIEW (view)), ==, -1);
  gtk_window_destroy (GTK_WINDOW (win));
}

static float
big_value (int64_t i)
{
  return (float) ((i * 7919) % 1001) / 1000.f - 0.5f;
}

/* The view goes while its worker pools a large slice: the worker finishes
 * with the view's buffers, then the view is finalized; nothing leaks (ASan)
 * and no callback touches a freed widget. */
static void
test_view_destroyed_mid_pool (void)
{
  const int64_t n = 2048;
  g_autofree float *data = g_new (float, n * n);
  PsTestTensor t[] = { { "big", PS_DTYPE_F32, 2, { n, n }, data } };
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PsCheckpoint) ck = NULL;
  g_autoptr (PsMatrixSource) src = NULL, other = NULL;
  g_autoptr (GError) error = NULL;
  PsCheckpointView v;
  GtkWidget *view, *win;
  gpointer alive;
  gint64 end;

  if (ps_test_skip_without_display ())
    return;
  for (int64_t i = 0; i < n * n; i++)
    data[i] = big_value (i);
  bytes = ps_test_st_build (t, 1, NULL, 8, 0);
  ck = ps_checkpoint_new_from_bytes (bytes, "big.safetensors", &error);
  g_assert_no_error (error);
  ps_checkpoint_view_init_default (&v, entry (ck, "big"));
  src = ps_checkpoint_source_new (ck, &v, "big");
  other = ps_checkpoint_source_new (ck, &v, "big again");

  view = ps_matrix_view_new ();
  alive = view;
  g_object_add_weak_pointer (G_OBJECT (view), &alive);
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), src);
  win = ps_test_window_with (view, 800, 600);        /* its first frame starts the worker */
  /* a wish queued behind the running job, for another source */
  ps_matrix_view_set_source (PS_MATRIX_VIEW (view), other);
  ps_matrix_view_zoom_at (PS_MATRIX_VIEW (view), 4, 400, 300);
  g_test_message ("ready when destroyed: %d", ps_matrix_view_is_ready (PS_MATRIX_VIEW (view)));
  gtk_window_destroy (GTK_WINDOW (win));

  /* the view goes once its worker is done; the sources are ours alone again
   * once the worker thread has let go of its task (it may do so just after
   * the main loop ran the task's callback) */
  end = g_get_monotonic_time () + 30 * G_USEC_PER_SEC;
  while (alive != NULL || g_atomic_int_get ((gint *) &G_OBJECT (src)->ref_count) > 1
         || g_atomic_int_get ((gint *) &G_OBJECT (other)->ref_count) > 1)
    {
      g_assert_cmpint (g_get_monotonic_time (), <, end);
      if (!g_main_context_iteration (NULL, FALSE))
        g_usleep (1000);
    }
}

int
main (int argc, char **argv)
{
  /* the test backend: accessible properties can be read back */
  g_setenv ("GTK_A11Y", "test", TRUE);
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
  g_setenv ("GSETTINGS_BACKEND", "memory", FALSE);
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();

  g_test_add_func ("/ui/matrix/param-source", test_param_source);
  g_test_add_func ("/ui/matrix/param-source/lazy", test_param_source_lazy);
  g_test_add_func ("/ui/matrix/param-source/pooling", test_param_source_pooling);
  g_test_add_func ("/ui/matrix/param-source/4d", test_param_source_4d);
  g_test_add_func ("/ui/matrix/checkpoint-source", test_checkpoint_source);
  g_test_add_func ("/ui/matrix/checkpoint-source/bf16", test_checkpoint_source_bf16);
  g_test_add_func ("/ui/matrix/diff-source", test_diff_source);
  g_test_add_func ("/ui/matrix/diff-source/kernels", test_diff_source_kernels);
  g_test_add_func ("/ui/matrix/view/edit-tied", test_view_edit_tied);
  PS_TEST_VIEW ("/ui/matrix/view/diff", test_view_diff);
  g_test_add_func ("/ui/matrix/view/checkpoint", test_view_checkpoint);
  g_test_add_func ("/ui/matrix/view/destroyed-mid-pool", test_view_destroyed_mid_pool);
  return g_test_run ();
}
