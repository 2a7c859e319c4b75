/* test-checkpoint.c — a bare .safetensors as a tree, and its slices pooled
 * in place: the tree from dotted names (grouping, natural and file order,
 * aliases), view validation, pooling against ps_pool_slice over a
 * float32 brute-force copy for every dtype, axis pair, fixed index and window,
 * reading nothing outside the window (poisoned bytes; pages that fault),
 * exact element reads, chunked statistics, and files on disk. */
#include "ps-test-util.h"
#include "ps-test-checkpoint.h"
#include "ps-checkpoint.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

static const PsDtype all_dtypes[] = {
  PS_DTYPE_F32, PS_DTYPE_F16, PS_DTYPE_BF16, PS_DTYPE_F64, PS_DTYPE_I64,
  PS_DTYPE_I32, PS_DTYPE_I16, PS_DTYPE_I8, PS_DTYPE_U8, PS_DTYPE_BOOL,
};

/* Values worth pooling: mostly moderate, with NaN, +-Inf, zeros of both
 * signs and tiny (F16-subnormal) ones for float dtypes; in range for integers. */
static void
random_values (GRand *rng, PsDtype d, double *v, int64_t n)
{
  for (int64_t i = 0; i < n; i++)
    {
      double u = g_rand_double (rng);
      switch (d)
        {
        case PS_DTYPE_I64:
          v[i] = (double) (g_rand_int_range (rng, -1000000, 1000000)) * (u < 0.1 ? 1099511.0 : 1.0);
          break;
        case PS_DTYPE_I32:
          v[i] = g_rand_int_range (rng, -2000000000, 2000000000);
          break;
        case PS_DTYPE_I16:
          v[i] = g_rand_int_range (rng, -32768, 32768);
          break;
        case PS_DTYPE_I8:
          v[i] = g_rand_int_range (rng, -128, 128);
          break;
        case PS_DTYPE_U8:
          v[i] = g_rand_int_range (rng, 0, 256);
          break;
        case PS_DTYPE_BOOL:
          v[i] = u < 0.5;
          break;
        default:
          if (u < 0.02)
            v[i] = NAN;
          else if (u < 0.03)
            v[i] = INFINITY;
          else if (u < 0.04)
            v[i] = -INFINITY;
          else if (u < 0.05)
            v[i] = u < 0.045 ? 0.0 : -0.0;
          else if (u < 0.07)
            v[i] = g_rand_double_range (rng, -1e-6, 1e-6);
          else
            v[i] = g_rand_double_range (rng, -3, 3);
        }
    }
}

/* A tensor of dtype with random values; the raw bytes are returned (free). */
static guint8 *
random_tensor (GRand *rng, PsDtype d, int64_t numel)
{
  g_autofree double *v = g_new (double, MAX (numel, 1));
  guint8 *raw = g_malloc ((gsize) MAX (numel, 1) * ps_dtype_size (d));
  random_values (rng, d, v, numel);
  ps_test_encode (d, v, numel, raw);
  return raw;
}

static PsCheckpoint *
checkpoint_of (const PsTestTensor *t, guint n, const char *const *meta, gsize align, gsize shift)
{
  g_autoptr (GBytes) bytes = ps_test_st_build (t, n, meta, align, shift);
  GError *error = NULL;
  PsCheckpoint *ck = ps_checkpoint_new_from_bytes (bytes, "test.safetensors", &error);
  g_assert_no_error (error);
  g_assert_nonnull (ck);
  return ck;
}

/* The slice, brute force: every element of the tensor converted by the
 * reader's own ps_safetensors_read_f32, then gathered by index arithmetic. */
static float *
brute_slice (PsCheckpoint *ck, const PsSafetensorsEntry *e, int row_axis, int col_axis,
             const int64_t *index, int64_t *rows, int64_t *cols)
{
  g_autofree float *all = g_new (float, MAX (e->numel, 1));
  float *out;

  ps_safetensors_read_f32 (ps_checkpoint_get_safetensors (ck), e, 0, e->numel, all);
  *rows = row_axis >= 0 ? e->shape[row_axis] : 1;
  *cols = col_axis >= 0 ? e->shape[col_axis] : 1;
  out = g_new (float, MAX (*rows * *cols, 1));
  for (int64_t r = 0; r < *rows; r++)
    for (int64_t c = 0; c < *cols; c++)
      {
        int64_t flat = 0;
        for (int d = 0; d < e->ndim; d++)
          {
            int64_t i = d == row_axis ? r : d == col_axis ? c : index[d];
            flat = flat * e->shape[d] + i;
          }
        out[r * *cols + c] = all[flat];
      }
  return out;
}

/* ps_pool_slice over the view's slice of the mapped bytes */
static float
pool_view (PsCheckpoint *ck, const PsCheckpointView *v, int64_t row0, int64_t col0, int64_t vrows,
           int64_t vcols, float *out, int out_rows, int out_cols, PsPoolScratch *scratch)
{
  PsSlice s;
  ps_checkpoint_view_get_slice (ck, v, &s);
  return ps_pool_slice (&s, row0, col0, vrows, vcols, out, out_rows, out_cols, scratch);
}

static void
assert_same_cells (const float *got, const float *want, int64_t n, const char *what)
{
  for (int64_t i = 0; i < n; i++)
    if (!((isnan (got[i]) && isnan (want[i])) || got[i] == want[i]))
      g_error ("%s: cell %" G_GINT64_FORMAT " is %g, the float32 reference gives %g", what, i,
               got[i], want[i]);
}

/* The pooling of a window of a view against the float32 reference over the brute-force slice. */
static void
check_window (PsCheckpoint *ck, const PsCheckpointView *v, const float *slice, int64_t r0,
              int64_t c0, int64_t vr, int64_t vc, int out_r, int out_c, PsPoolScratch *scratch,
              const char *what)
{
  g_autofree float *got = g_new (float, (gsize) out_r * out_c);
  g_autofree float *want = g_new (float, (gsize) out_r * out_c);
  PsPoolScratch ref_scratch = { 0 };
  float got_range, want_range;
  g_autofree char *desc = g_strdup_printf ("%s, window (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                                           ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") -> %dx%d",
                                           what, r0, c0, vr, vc, out_r, out_c);

  got_range = pool_view (ck, v, r0, c0, vr, vc, got, out_r, out_c, scratch);
  want_range = ps_test_pool_f32 (slice, v->rows, v->cols, r0, c0, vr, vc, want, out_r, out_c,
                         &ref_scratch);
  ps_pool_scratch_clear (&ref_scratch);
  assert_same_cells (got, want, (int64_t) out_r * out_c, desc);
  if (got_range != want_range)
    g_error ("%s: range %g, the float32 reference gives %g", desc, got_range, want_range);
}

/* ---- the tree ---------------------------------------------------------------------- */

static void
test_natural_compare (void)
{
  g_assert_cmpint (ps_checkpoint_natural_compare ("layers.9", "layers.10"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("layers.10", "layers.9"), >, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("h2", "h10"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("block 2", "block 11"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("a", "a.b"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("bias", "weight"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("10", "10"), ==, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("007", "7"), !=, 0);   /* a total order */
  g_assert_cmpint (ps_checkpoint_natural_compare ("007", "8"), <, 0);
  g_assert_cmpint (ps_checkpoint_natural_compare ("99999999999999999999", "100000000000000000000"),
                   <, 0);
}

static const char *const tree_names[] = {
  "model.embed_tokens.weight", "model.layers.10.mlp.up.weight", "model.layers.9.mlp.up.weight",
  "model.layers.2.attn.q.weight", "model.norm.weight", "a.b", "a.b.c", "scalar",
};

static PsCheckpoint *
tree_checkpoint (void)
{
  static const char *const meta[] = { "lm_head.weight", "model.embed_tokens.weight",
                                      "format", "pt", "ghost", "nonexistent", NULL };
  PsTestTensor t[] = {
    { tree_names[0], PS_DTYPE_F32, 2, { 10, 4 }, NULL },
    { tree_names[1], PS_DTYPE_BF16, 2, { 2, 3 }, NULL },
    { tree_names[2], PS_DTYPE_BF16, 2, { 2, 3 }, NULL },
    { tree_names[3], PS_DTYPE_F16, 2, { 3, 3 }, NULL },
    { tree_names[4], PS_DTYPE_F32, 1, { 4 }, NULL },
    { tree_names[5], PS_DTYPE_F32, 1, { 2 }, NULL },
    { tree_names[6], PS_DTYPE_F32, 1, { 2 }, NULL },
    { tree_names[7], PS_DTYPE_F64, 0, { 0 }, NULL },
  };
  return checkpoint_of (t, G_N_ELEMENTS (t), meta, 1, 0);
}

static char *
child_names (const PsCheckpointNode *n)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < n->n_children; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "", n->children[i]->name);
  return g_string_free (s, FALSE);
}

static void
test_tree (void)
{
  g_autoptr (PsCheckpoint) ck = tree_checkpoint ();
  const PsCheckpointNode *root = ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_NATURAL);
  const PsCheckpointNode *froot = ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_FILE);
  const PsCheckpointNode *n, *embed, *lm;
  g_autofree char *top = child_names (root), *ftop = child_names (froot);
  g_autofree char *layers = NULL, *flayers = NULL;

  /* natural: by name, numbers as numbers; file: by the first tensor below,
   * aliases after every stored tensor */
  g_assert_cmpstr (top, ==, "a lm_head model scalar");
  g_assert_cmpstr (ftop, ==, "model a scalar lm_head");
  layers = child_names (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers"));
  flayers = child_names (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_FILE, "model.layers"));
  g_assert_cmpstr (layers, ==, "2 9 10");
  g_assert_cmpstr (flayers, ==, "10 9 2");
  g_assert_true (ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_NATURAL) == root);   /* kept */

  /* sums and dtypes: a group shows its dtype only when all its tensors share it */
  g_assert_cmpuint (root->n_tensors, ==, 8);
  g_assert_cmpstr (root->key, ==, "");
  g_assert_null (root->parent);
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model");
  g_assert_cmpuint (n->n_tensors, ==, 5);
  g_assert_cmpuint (n->bytes, ==, 160 + 12 + 12 + 18 + 16);
  g_assert_cmpint (n->numel, ==, 40 + 6 + 6 + 9 + 4);
  g_assert_null (n->dtype_name);
  g_assert_null (n->entry);
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers.10");
  g_assert_cmpstr (n->dtype_name, ==, "BF16");
  g_assert_null (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers")->dtype_name);
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers.9.mlp.up.weight");
  g_assert_nonnull (n);
  g_assert_cmpstr (n->name, ==, "weight");
  g_assert_cmpstr (n->parent->key, ==, "model.layers.9.mlp.up");
  g_assert_cmpstr (n->parent->parent->parent->name, ==, "9");
  g_assert_true (n->entry
                 == ps_safetensors_find (ps_checkpoint_get_safetensors (ck), tree_names[2]));
  g_assert_cmpuint (n->n_children, ==, 0);

  /* a name that is a tensor and a group at once */
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "a.b");
  g_assert_nonnull (n->entry);
  g_assert_cmpuint (n->n_children, ==, 1);
  g_assert_cmpstr (n->children[0]->key, ==, "a.b.c");
  g_assert_cmpuint (n->n_tensors, ==, 2);

  /* aliases from __metadata__: shown at their own place, naming the stored tensor */
  embed = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.embed_tokens.weight");
  lm = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "lm_head.weight");
  g_assert_nonnull (lm);
  g_assert_cmpstr (lm->alias_of, ==, "model.embed_tokens.weight");
  g_assert_true (lm->entry == embed->entry);
  g_assert_cmpuint (lm->n_tensors, ==, 0);                 /* stored once */
  g_assert_cmpuint (lm->n_aliases, ==, 1);
  g_assert_cmpuint (lm->parent->n_aliases, ==, 1);
  g_assert_cmpuint (root->n_aliases, ==, 1);
  g_assert_cmpuint (embed->n_aliases, ==, 0);
  g_assert_nonnull (embed->aliases);
  g_assert_cmpstr (embed->aliases[0], ==, "lm_head.weight");
  g_assert_null (embed->aliases[1]);
  g_assert_null (embed->alias_of);
  /* metadata that names no tensor is no alias */
  g_assert_null (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "format"));
  g_assert_null (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "ghost"));
  g_assert_null (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers.11"));

  /* a scalar */
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_FILE, "scalar");
  g_assert_cmpint (n->entry->ndim, ==, 0);
  g_assert_cmpint (n->numel, ==, 1);
}

static void
test_deep_names (void)
{
  GString *deep = g_string_new ("x");
  PsTestTensor t[2] = { { NULL, PS_DTYPE_U8, 1, { 1 }, NULL },
                        { "x.y", PS_DTYPE_U8, 1, { 1 }, NULL } };
  g_autoptr (PsCheckpoint) ck = NULL;
  const PsCheckpointNode *n;
  int depth = 0;

  for (int i = 0; i < 5000; i++)
    g_string_append (deep, ".a");
  t[0].name = deep->str;
  ck = checkpoint_of (t, 2, NULL, 1, 0);
  /* thousands of segments: the tree stays shallow, the name stays findable */
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, deep->str);
  g_assert_nonnull (n);
  g_assert_nonnull (n->entry);
  for (const PsCheckpointNode *p = n; p->parent; p = p->parent)
    depth++;
  g_assert_cmpint (depth, <=, 32);
  g_assert_cmpuint (ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_FILE)->n_tensors, ==, 2);
  g_string_free (deep, TRUE);
}

/* ---- views ----------------------------------------------------------------------------- */

static void
test_view_errors (void)
{
  PsTestTensor t[] = {
    { "w", PS_DTYPE_F32, 3, { 4, 5, 6 }, NULL },
    { "s", PS_DTYPE_F32, 0, { 0 }, NULL },
    { "b", PS_DTYPE_F32, 1, { 5 }, NULL },
    { "empty", PS_DTYPE_F32, 3, { 2, 0, 3 }, NULL },
  };
  g_autoptr (PsCheckpoint) ck = checkpoint_of (t, G_N_ELEMENTS (t), NULL, 1, 0);
  PsSafetensors *st = ps_checkpoint_get_safetensors (ck);
  const PsSafetensorsEntry *w = ps_safetensors_find (st, "w"), *s = ps_safetensors_find (st, "s");
  const PsSafetensorsEntry *b = ps_safetensors_find (st, "b");
  const PsSafetensorsEntry *em = ps_safetensors_find (st, "empty");
  int64_t idx[PS_SAFETENSORS_MAX_DIMS] = { 0 };
  PsCheckpointView v;
  GError *error = NULL;

  g_assert_false (ps_checkpoint_view_init (&v, w, 3, 1, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "the row axis 3 does not exist (axes 0 to 2"));
  g_clear_error (&error);
  g_assert_false (ps_checkpoint_view_init (&v, w, 0, -2, NULL, &error));
  g_assert_nonnull (strstr (error->message, "column axis -2"));
  g_clear_error (&error);
  g_assert_false (ps_checkpoint_view_init (&v, w, 1, 1, NULL, &error));
  g_assert_nonnull (strstr (error->message, "row and column axes are both 1"));
  g_clear_error (&error);
  idx[0] = 4;
  g_assert_false (ps_checkpoint_view_init (&v, w, 1, 2, idx, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_assert_nonnull (strstr (error->message, "index 4 on axis 0 is out of range (the axis has 4 "
                            "elements: 0 to 3)"));
  g_clear_error (&error);
  idx[0] = -1;
  g_assert_false (ps_checkpoint_view_init (&v, w, 1, 2, idx, &error));
  g_assert_nonnull (strstr (error->message, "index -1 on axis 0"));
  g_clear_error (&error);
  g_assert_false (ps_checkpoint_view_init (&v, s, 0, -1, NULL, &error));
  g_assert_nonnull (strstr (error->message, "is a scalar"));
  g_clear_error (&error);
  g_assert_false (ps_checkpoint_view_init (&v, b, 0, 1, NULL, &error));
  g_assert_nonnull (strstr (error->message, "1 dimension: the column axis 1"));
  g_clear_error (&error);

  /* an index on a row or column axis is ignored; the others are checked */
  idx[0] = 3;
  idx[2] = 99;
  g_assert_true (ps_checkpoint_view_init (&v, w, 1, 2, idx, &error));
  g_assert_no_error (error);
  g_assert_cmpint (v.rows, ==, 5);
  g_assert_cmpint (v.cols, ==, 6);
  g_assert_cmpint (v.index[2], ==, 0);
  g_assert_cmpint (v.offset, ==, 3 * 30);
  g_assert_cmpint (v.row_stride, ==, 6);
  g_assert_cmpint (v.col_stride, ==, 1);
  {
    g_autofree char *text = ps_checkpoint_view_format_index (&v, 4, 5);
    g_assert_cmpstr (text, ==, "[3, 4, 5]");
  }
  /* transposed, and a single row */
  g_assert_true (ps_checkpoint_view_init (&v, w, 2, 0, (int64_t[]) { 0, 2, 0 }, &error));
  g_assert_cmpint (v.rows, ==, 6);
  g_assert_cmpint (v.cols, ==, 4);
  g_assert_cmpint (v.row_stride, ==, 1);
  g_assert_cmpint (v.col_stride, ==, 30);
  g_assert_cmpint (v.offset, ==, 12);
  g_assert_true (ps_checkpoint_view_init (&v, w, -1, 2, (int64_t[]) { 1, 2, 0 }, &error));
  g_assert_cmpint (v.rows, ==, 1);
  g_assert_cmpint (v.cols, ==, 6);
  /* an empty tensor: a valid, empty slice */
  g_assert_true (ps_checkpoint_view_init (&v, em, 0, 2, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (v.rows * v.cols, ==, 0);
}

static void
test_view_default (void)
{
  PsTestTensor t[] = {
    { "conv", PS_DTYPE_F16, 4, { 8, 3, 5, 5 }, NULL },
    { "w", PS_DTYPE_F32, 2, { 4, 7 }, NULL },
    { "bias", PS_DTYPE_BF16, 1, { 9 }, NULL },
    { "step", PS_DTYPE_I64, 0, { 0 }, NULL },
  };
  g_autoptr (PsCheckpoint) ck = checkpoint_of (t, G_N_ELEMENTS (t), NULL, 1, 0);
  PsSafetensors *st = ps_checkpoint_get_safetensors (ck);
  PsCheckpointView v;
  g_autofree char *i1 = NULL, *i2 = NULL;

  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "conv"));
  g_assert_cmpint (v.row_axis, ==, 2);
  g_assert_cmpint (v.col_axis, ==, 3);
  g_assert_cmpint (v.rows, ==, 5);
  g_assert_cmpint (v.cols, ==, 5);
  i1 = ps_checkpoint_view_format_index (&v, 1, 4);
  g_assert_cmpstr (i1, ==, "[0, 0, 1, 4]");
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "w"));
  g_assert_cmpint (v.rows, ==, 4);
  g_assert_cmpint (v.cols, ==, 7);
  /* 1-D: a column strip, as the main window shows a bias */
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "bias"));
  g_assert_cmpint (v.rows, ==, 9);
  g_assert_cmpint (v.cols, ==, 1);
  i2 = ps_checkpoint_view_format_index (&v, 8, 0);
  g_assert_cmpstr (i2, ==, "[8]");
  /* 0-D: one cell */
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "step"));
  g_assert_cmpint (v.rows, ==, 1);
  g_assert_cmpint (v.cols, ==, 1);
  {
    g_autofree char *i3 = ps_checkpoint_view_format_index (&v, 0, 0);
    g_assert_cmpstr (i3, ==, "[]");
  }
}

/* ---- pooling -------------------------------------------------------------------------- */

/* Every dtype, every pair of axes (and none), two sets of fixed indices,
 * full and partial windows, outputs smaller (pooling), larger (nearest) and
 * mixed; the data section starts at odd offsets. */
static void
test_pool_brute_force (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (42);
  PsPoolScratch scratch = { 0 };

  for (guint di = 0; di < G_N_ELEMENTS (all_dtypes); di++)
    {
      PsDtype d = all_dtypes[di];
      PsTestTensor t[2] = { { "pad", PS_DTYPE_U8, 1, { 3 }, NULL } };
      g_autofree guint8 *raw = NULL;
      g_autoptr (PsCheckpoint) ck = NULL;
      const PsSafetensorsEntry *e;
      int64_t numel = 1;
      guint8 pad[3] = { 1, 2, 3 };

      t[0].data = pad;
      t[1].name = "t";
      t[1].dtype = d;
      if (di % 2 == 0)
        {
          t[1].ndim = 4;
          memcpy (t[1].shape, (int64_t[]) { 3, 5, 7, 6 }, 4 * sizeof (int64_t));
        }
      else
        {
          t[1].ndim = 3;
          memcpy (t[1].shape, (int64_t[]) { 4, 9, 11 }, 3 * sizeof (int64_t));
        }
      for (int k = 0; k < t[1].ndim; k++)
        numel *= t[1].shape[k];
      raw = random_tensor (rng, d, numel);
      t[1].data = raw;
      /* "pad" is 3 bytes: the tensor starts unaligned as well */
      ck = checkpoint_of (t, 2, NULL, 16, 1 + (di * 3) % 7);
      e = ps_safetensors_find (ps_checkpoint_get_safetensors (ck), "t");

      for (int ra = -1; ra < e->ndim; ra++)
        for (int ca = -1; ca < e->ndim; ca++)
          for (int set = 0; set < 2; set++)
            {
              int64_t idx[PS_SAFETENSORS_MAX_DIMS] = { 0 };
              g_autofree float *slice = NULL;
              int64_t rows, cols;
              PsCheckpointView v;
              GError *error = NULL;
              g_autofree char *what = NULL;

              if (ra >= 0 && ra == ca)
                continue;
              for (int k = 0; k < e->ndim; k++)
                idx[k] = set == 0 ? e->shape[k] - 1 : e->shape[k] / 2;
              g_assert_true (ps_checkpoint_view_init (&v, e, ra, ca, idx, &error));
              g_assert_no_error (error);
              slice = brute_slice (ck, e, ra, ca, idx, &rows, &cols);
              g_assert_cmpint (rows, ==, v.rows);
              g_assert_cmpint (cols, ==, v.cols);
              what = g_strdup_printf ("%s rows=%d cols=%d set %d", ps_test_dtype_name (d), ra, ca,
                                      set);

              for (int w = 0; w < 3; w++)
                {
                  int64_t r0 = 0, c0 = 0, vr = rows, vc = cols;
                  int outs[5][2];
                  if (w == 1)
                    {
                      r0 = MIN (1, rows - 1);
                      c0 = MIN (2, cols - 1);
                      vr = MAX (1, rows - r0 - 1);
                      vc = MAX (1, cols - c0 - 2);
                    }
                  else if (w == 2)
                    {
                      r0 = rows / 2;
                      vr = 1;
                    }
                  memcpy (outs, (int[5][2]) { { (int) vr, (int) vc }, { 2, 3 }, { 1, 1 },
                                              { (int) vr * 2 + 1, (int) vc + 2 },
                                              { (int) MAX (1, vr / 2), (int) vc * 3 } },
                          sizeof outs);
                  for (int o = 0; o < 5; o++)
                    check_window (ck, &v, slice, r0, c0, vr, vc, outs[o][0], outs[o][1], &scratch,
                                  what);
                }
              /* single elements, exactly */
              for (int64_t r = 0; r < rows; r += 3)
                for (int64_t c = 0; c < cols; c += 2)
                  {
                    double x = ps_checkpoint_read (ck, &v, r, c);
                    float want = slice[r * cols + c];
                    g_assert_true ((isnan (x) && isnan (want)) || (float) x == want);
                  }
            }
    }
  ps_pool_scratch_clear (&scratch);
}

/* Windows of a million elements and more: the helper thread takes half,
 * in both orientations. */
static void
test_pool_two_threads (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (7);
  g_autofree guint8 *raw16 = random_tensor (rng, PS_DTYPE_F16, 1100 * 1000);
  g_autofree guint8 *rawbf = random_tensor (rng, PS_DTYPE_BF16, 2 * 700 * 1600);
  PsTestTensor t[] = {
    { "h", PS_DTYPE_F16, 2, { 1100, 1000 }, raw16 },
    { "b", PS_DTYPE_BF16, 3, { 2, 700, 1600 }, rawbf },
  };
  g_autoptr (PsCheckpoint) ck = checkpoint_of (t, 2, NULL, 8, 3);
  PsSafetensors *st = ps_checkpoint_get_safetensors (ck);
  PsPoolScratch scratch = { 0 };
  static const int axes[][3] = { { 0, 1, 0 }, { 1, 0, 0 } };

  for (guint k = 0; k < G_N_ELEMENTS (axes); k++)
    {
      const PsSafetensorsEntry *e = ps_safetensors_find (st, "h");
      int64_t rows, cols, idx[PS_SAFETENSORS_MAX_DIMS] = { 0 };
      g_autofree float *slice = brute_slice (ck, e, axes[k][0], axes[k][1], idx, &rows, &cols);
      PsCheckpointView v;
      g_assert_true (ps_checkpoint_view_init (&v, e, axes[k][0], axes[k][1], idx, NULL));
      check_window (ck, &v, slice, 0, 0, rows, cols, 333, 250, &scratch, "F16 whole");
      check_window (ck, &v, slice, 3, 5, rows - 10, cols - 7, 97, 1001, &scratch, "F16 window");
    }
  {
    const PsSafetensorsEntry *e = ps_safetensors_find (st, "b");
    int64_t rows, cols, idx[PS_SAFETENSORS_MAX_DIMS] = { 1, 0, 0 };
    g_autofree float *slice = brute_slice (ck, e, 1, 2, idx, &rows, &cols);
    g_autofree float *tslice = NULL;
    PsCheckpointView v;
    g_assert_true (ps_checkpoint_view_init (&v, e, 1, 2, idx, NULL));
    check_window (ck, &v, slice, 0, 0, rows, cols, 300, 800, &scratch, "BF16 slice 1");
    tslice = brute_slice (ck, e, 2, 1, idx, &rows, &cols);
    g_assert_true (ps_checkpoint_view_init (&v, e, 2, 1, idx, NULL));
    check_window (ck, &v, tslice, 0, 0, rows, cols, 800, 300, &scratch, "BF16 slice 1 transposed");
  }
  ps_pool_scratch_clear (&scratch);
}

/* Every byte of the tensor outside the window is NaN (0xff...): if pooling
 * read any of them, a NaN cell would show it. */
static void
test_pool_reads_only_window_poisoned (void)
{
  static const struct { PsDtype dtype; int64_t shape[3]; int ra, ca; int64_t fixed;
                        int64_t r0, c0, vr, vc; } cases[] = {
    { PS_DTYPE_F32, { 4, 20, 30 }, 1, 2, 2, 5, 7, 7, 12 },
    { PS_DTYPE_BF16, { 4, 20, 30 }, 2, 1, 1, 3, 4, 20, 9 },
    { PS_DTYPE_F16, { 5, 6, 40 }, 0, 2, 3, 1, 10, 3, 25 },
    { PS_DTYPE_F64, { 5, 6, 40 }, 2, 0, 4, 2, 1, 30, 3 },
    { PS_DTYPE_F16, { 1, 1200, 1000 }, 1, 2, 0, 10, 20, 1100, 960 },     /* two threads */
    { PS_DTYPE_BF16, { 1, 1200, 1000 }, 2, 1, 0, 20, 10, 960, 1100 },    /* transposed */
  };
  g_autoptr (GRand) rng = g_rand_new_with_seed (3);
  PsPoolScratch scratch = { 0 };

  for (guint k = 0; k < G_N_ELEMENTS (cases); k++)
    {
      PsDtype d = cases[k].dtype;
      int esize = ps_dtype_size (d);
      int64_t numel = cases[k].shape[0] * cases[k].shape[1] * cases[k].shape[2];
      g_autofree guint8 *raw = g_malloc ((gsize) numel * esize);
      PsTestTensor t = { "p", d, 3, { cases[k].shape[0], cases[k].shape[1], cases[k].shape[2] },
                         raw };
      int64_t idx[PS_SAFETENSORS_MAX_DIMS] = { 0 }, rows, cols;
      g_autoptr (PsCheckpoint) ck = NULL;
      g_autofree float *slice = NULL;
      const PsSafetensorsEntry *e;
      PsCheckpointView v;
      int fixed_axis = 3 - cases[k].ra - cases[k].ca;
      double finite = 0.5;

      /* finite values in the window, poison everywhere else */
      memset (raw, 0xff, (gsize) numel * esize);
      idx[fixed_axis] = cases[k].fixed;
      for (int64_t r = cases[k].r0; r < cases[k].r0 + cases[k].vr; r++)
        for (int64_t c = cases[k].c0; c < cases[k].c0 + cases[k].vc; c++)
          {
            int64_t full[3], flat;
            full[fixed_axis] = cases[k].fixed;
            full[cases[k].ra] = r;
            full[cases[k].ca] = c;
            flat = (full[0] * cases[k].shape[1] + full[1]) * cases[k].shape[2] + full[2];
            ps_test_encode (d, &finite, 1, raw + flat * esize);
            finite = g_rand_double_range (rng, -2, 2);
          }
      ck = checkpoint_of (&t, 1, NULL, 8, 5);
      e = ps_safetensors_find (ps_checkpoint_get_safetensors (ck), "p");
      g_assert_true (ps_checkpoint_view_init (&v, e, cases[k].ra, cases[k].ca, idx, NULL));
      slice = brute_slice (ck, e, cases[k].ra, cases[k].ca, idx, &rows, &cols);
      for (int o = 0; o < 3; o++)
        {
          int out_r = o == 0 ? 3 : o == 1 ? (int) cases[k].vr : (int) cases[k].vr * 2;
          int out_c = o == 0 ? 2 : o == 1 ? (int) cases[k].vc : (int) cases[k].vc + 1;
          g_autofree float *cells = g_new (float, (gsize) out_r * out_c);
          pool_view (ck, &v, cases[k].r0, cases[k].c0, cases[k].vr, cases[k].vc, cells,
                              out_r, out_c, &scratch);
          for (int64_t i = 0; i < (int64_t) out_r * out_c; i++)
            g_assert_true (isfinite (cells[i]));
          check_window (ck, &v, slice, cases[k].r0, cases[k].c0, cases[k].vr, cases[k].vc, out_r,
                        out_c, &scratch, "poisoned");
        }
    }
  ps_pool_scratch_clear (&scratch);
}

typedef struct
{
  guint8 *base;
  gsize   len;
} Region;

static void
region_free (gpointer data)
{
  Region *r = data;
  munmap (r->base, r->len);
  g_free (r);
}

#define TV(c, r, k) ((float) ((c) * 10 + (r)) + (float) (k) * 1e-4f)

/* The file in pages of its own, every data page unreadable but the window's:
 * a read outside the window would crash the test. */
static void
test_pool_reads_only_window_pages (void)
{
  long page = sysconf (_SC_PAGESIZE);
  int64_t K = page / 4;                    /* F32 elements in a page */
  PsTestTensor t[] = {
    /* each (c, r) row is one page: rows = axis 1, columns = axis 0 (strided) */
    { "t", PS_DTYPE_F32, 3, { 6, 8, K }, NULL },
    /* each (c, r) row is three pages: the window is the middle one */
    { "u", PS_DTYPE_F32, 3, { 4, 6, 3 * K }, NULL },
  };
  g_autoptr (GBytes) built = ps_test_st_build (t, 2, NULL, (gsize) page, 0);
  gsize len = g_bytes_get_size (built), map_len = (len + page - 1) / page * page;
  Region *region = g_new0 (Region, 1);
  g_autoptr (GBytes) bytes = NULL;
  g_autoptr (PsCheckpoint) ck = NULL;
  const PsSafetensorsEntry *te, *ue;
  guint8 *data;
  PsPoolScratch scratch = { 0 };
  PsCheckpointView v;
  float cells[64];
  GError *error = NULL;

  region->base = mmap (NULL, map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  g_assert_true (region->base != MAP_FAILED);
  region->len = map_len;
  memcpy (region->base, g_bytes_get_data (built, NULL), len);
  bytes = g_bytes_new_with_free_func (region->base, len, region_free, region);
  ck = ps_checkpoint_new_from_bytes (bytes, "pages", &error);
  g_assert_no_error (error);
  te = ps_safetensors_find (ps_checkpoint_get_safetensors (ck), "t");
  ue = ps_safetensors_find (ps_checkpoint_get_safetensors (ck), "u");
  data = region->base + (len - ue->end);
  g_assert_cmpuint ((guintptr) data % page, ==, 0);

  /* values: element (c, r, k) of t is c * 10 + r + k / 1e4, of u its negative */
  for (int64_t c = 0; c < 6; c++)
    for (int64_t r = 0; r < 8; r++)
      for (int64_t k = 0; k < K; k++)
        {
          float x = TV (c, r, k);
          memcpy (data + te->begin + ((c * 8 + r) * K + k) * 4, &x, 4);
        }
  for (int64_t c = 0; c < 4; c++)
    for (int64_t r = 0; r < 6; r++)
      for (int64_t k = 0; k < 3 * K; k++)
        {
          float x = -TV (c, r, k);
          memcpy (data + ue->begin + ((c * 6 + r) * 3 * K + k) * 4, &x, 4);
        }

  g_assert_cmpint (mprotect (data, map_len - (gsize) (data - region->base), PROT_NONE), ==, 0);
  /* t: rows r in [2, 5), columns c in [1, 4), k = 5 */
  for (int64_t c = 1; c < 4; c++)
    for (int64_t r = 2; r < 5; r++)
      g_assert_cmpint (mprotect (data + te->begin + (c * 8 + r) * page, page, PROT_READ), ==, 0);
  g_assert_true (ps_checkpoint_view_init (&v, te, 1, 0, (int64_t[]) { 0, 0, 5 }, NULL));
  /* pooled 3x3 -> 2x2: cell (0, 0) covers r = 2, c = 1, the largest is 12.0005 */
  pool_view (ck, &v, 2, 1, 3, 3, cells, 2, 2, &scratch);
  g_assert_cmpfloat (cells[0], ==, TV (1, 2, 5));
  g_assert_cmpfloat (cells[3], ==, TV (3, 4, 5));
  pool_view (ck, &v, 2, 1, 3, 3, cells, 3, 3, &scratch);   /* nearest */
  g_assert_cmpfloat (cells[4], ==, TV (2, 3, 5));
  pool_view (ck, &v, 2, 1, 3, 3, cells, 1, 1, &scratch);
  g_assert_cmpfloat (cells[0], ==, TV (3, 4, 5));
  g_assert_cmpfloat ((float) ps_checkpoint_read (ck, &v, 4, 3), ==, TV (3, 4, 5));

  /* u: rows r in [1, 4), columns k in [K, 2K) (contiguous), c = 3 */
  for (int64_t r = 1; r < 4; r++)
    g_assert_cmpint (mprotect (data + ue->begin + ((3 * 6 + r) * 3 + 1) * page, page, PROT_READ),
                     ==, 0);
  g_assert_true (ps_checkpoint_view_init (&v, ue, 1, 2, (int64_t[]) { 3, 0, 0 }, NULL));
  pool_view (ck, &v, 1, K, 3, K, cells, 3, 7, &scratch);
  g_assert_cmpfloat (cells[0], ==, -TV (3, 1, K + K / 7 - 1));
  {
    g_autofree float *wide = g_new (float, 2 * 3 * K);
    float range = pool_view (ck, &v, 1, K, 3, K, wide, 6, (int) K, &scratch);
    g_assert_cmpfloat (wide[0], ==, -TV (3, 1, K));
    g_assert_cmpfloat (range, ==, TV (3, 3, 2 * K - 1));
  }
  ps_pool_scratch_clear (&scratch);
  g_clear_pointer (&ck, ps_checkpoint_unref);
}

/* ---- elements and statistics ------------------------------------------------------------ */

static void
test_read_exact (void)
{
  double f64[] = { 0.1, -1e300 };
  gint64 i64[] = { ((gint64) 1 << 40) + 3, -5 };
  double h[] = { 0.5, -65504, 6e-8 };
  guint8 h_raw[6];
  PsTestTensor t[] = {
    { "d", PS_DTYPE_F64, 1, { 2 }, f64 },
    { "i", PS_DTYPE_I64, 2, { 1, 2 }, i64 },
    { "h", PS_DTYPE_F16, 1, { 3 }, h_raw },
  };
  g_autoptr (PsCheckpoint) ck = NULL;
  PsSafetensors *st;
  PsCheckpointView v;

  ps_test_encode (PS_DTYPE_F16, h, 3, h_raw);
  ck = checkpoint_of (t, G_N_ELEMENTS (t), NULL, 8, 1);
  st = ps_checkpoint_get_safetensors (ck);
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "d"));
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 0, 0), ==, 0.1);          /* not 0.1f */
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 1, 0), ==, -1e300);
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "i"));
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 0, 0), ==, (double) (((gint64) 1 << 40) + 3));
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 0, 1), ==, -5);
  ps_checkpoint_view_init_default (&v, ps_safetensors_find (st, "h"));
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 0, 0), ==, 0.5);
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 1, 0), ==, -65504);
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 2, 0), ==, ldexp (1, -24));  /* a subnormal */
}

static void
assert_stats_equal (const PsStats *got, const PsStats *want)
{
  g_assert_cmpint (got->n, ==, want->n);
  g_assert_cmpint (got->n_nan, ==, want->n_nan);
  g_assert_cmpint (got->n_posinf, ==, want->n_posinf);
  g_assert_cmpint (got->n_neginf, ==, want->n_neginf);
  g_assert_cmpfloat (got->min, ==, want->min);
  g_assert_cmpfloat (got->max, ==, want->max);
  g_assert_cmpfloat_with_epsilon (got->mean, want->mean, 1e-9 * MAX (1, fabs (want->mean)));
  g_assert_cmpfloat_with_epsilon (got->std, want->std, 1e-9 * MAX (1, want->std));
}

static void
test_stats (void)
{
  g_autoptr (GRand) rng = g_rand_new_with_seed (11);
  g_autofree guint8 *raw = random_tensor (rng, PS_DTYPE_F16, 3 * 300 * 250);
  PsTestTensor t = { "s", PS_DTYPE_F16, 3, { 3, 300, 250 }, raw };
  g_autoptr (PsCheckpoint) ck = checkpoint_of (&t, 1, NULL, 4, 3);
  const PsSafetensorsEntry *e = ps_safetensors_find (ps_checkpoint_get_safetensors (ck), "s");
  g_autofree float *all = g_new (float, e->numel);
  g_autoptr (GCancellable) cancel = g_cancellable_new ();
  int64_t idx[PS_SAFETENSORS_MAX_DIMS] = { 0, 7, 0 }, rows, cols;
  g_autofree float *slice = NULL;
  PsCheckpointView v;
  PsStats got, want;
  GError *error = NULL;

  ps_safetensors_read_f32 (ps_checkpoint_get_safetensors (ck), e, 0, e->numel, all);
  ps_stats_compute (all, e->numel, &want);
  g_assert_true (ps_checkpoint_tensor_stats (ck, e, &got, NULL, &error));
  g_assert_no_error (error);
  g_assert_cmpint (got.n_nan, >, 0);
  assert_stats_equal (&got, &want);

  /* a strided slice: rows = axis 2, columns = axis 0, axis 1 fixed at 7 */
  g_assert_true (ps_checkpoint_view_init (&v, e, 2, 0, idx, NULL));
  slice = brute_slice (ck, e, 2, 0, idx, &rows, &cols);
  ps_stats_compute (slice, rows * cols, &want);
  g_assert_true (ps_checkpoint_view_stats (ck, &v, &got, NULL, &error));
  assert_stats_equal (&got, &want);
  /* a contiguous slice of 75,000 elements: more than one chunk */
  g_assert_true (ps_checkpoint_view_init (&v, e, 1, 2, (int64_t[]) { 2, 0, 0 }, NULL));
  g_free (slice);
  slice = brute_slice (ck, e, 1, 2, (int64_t[]) { 2, 0, 0 }, &rows, &cols);
  ps_stats_compute (slice, rows * cols, &want);
  g_assert_true (ps_checkpoint_view_stats (ck, &v, &got, NULL, &error));
  assert_stats_equal (&got, &want);

  /* cancelled: stops between chunks and says so */
  g_cancellable_cancel (cancel);
  g_assert_false (ps_checkpoint_tensor_stats (ck, e, &got, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
  g_assert_true (ps_checkpoint_view_init (&v, e, 1, 2, NULL, NULL));
  /* 75,000 elements: more than one chunk */
  g_assert_false (ps_checkpoint_view_stats (ck, &v, &got, cancel, &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&error);
}

/* ---- files ------------------------------------------------------------------------------ */

static void
test_open_file (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "ck.safetensors", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.safetensors", NULL);
  g_autofree char *missing = g_build_filename (dir, "missing.safetensors", NULL);
  float w[6] = { 1, -2, 3, -4, 5, -6 };
  PsTestTensor t[] = { { "enc.0.w", PS_DTYPE_F32, 2, { 2, 3 }, w } };
  g_autoptr (GBytes) bytes = ps_test_st_build (t, 1, NULL, 1, 0);
  PsCheckpoint *ck;
  const PsCheckpointNode *n;
  PsCheckpointView v;
  float cells[6];
  PsPoolScratch scratch = { 0 };
  GError *error = NULL;

  ps_test_st_write (path, bytes);
  ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_checkpoint_get_label (ck), ==, path);
  g_assert_cmpuint (ps_checkpoint_get_size (ck), ==, g_bytes_get_size (bytes));
  n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "enc.0.w");
  g_assert_nonnull (n);
  ps_checkpoint_view_init_default (&v, n->entry);
  g_assert_cmpfloat (pool_view (ck, &v, 0, 0, 2, 3, cells, 2, 3, &scratch), ==, 6);
  g_assert_cmpmem (cells, sizeof cells, w, sizeof w);
  g_assert_cmpfloat (pool_view (ck, &v, 0, 0, 2, 3, cells, 1, 1, &scratch), ==, 6);
  g_assert_cmpfloat (cells[0], ==, -6);
  ps_pool_scratch_clear (&scratch);
  /* the checkpoint outlives the file's name */
  g_assert_cmpint (g_unlink (path), ==, 0);
  g_assert_cmpfloat (ps_checkpoint_read (ck, &v, 1, 2), ==, -6);
  ps_checkpoint_unref (ck);

  g_assert_null (ps_checkpoint_open (missing, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "missing.safetensors"));
  g_clear_error (&error);
  g_assert_true (g_file_set_contents (bad, "\x10\0\0\0\0\0\0\0{\"a\":1}         ", 24, NULL));
  g_assert_null (ps_checkpoint_open (bad, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_FORMAT);
  g_assert_nonnull (strstr (error->message, "bad.safetensors: "));
  g_clear_error (&error);
  ps_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/checkpoint/natural-compare", test_natural_compare);
  g_test_add_func ("/checkpoint/tree", test_tree);
  g_test_add_func ("/checkpoint/deep-names", test_deep_names);
  g_test_add_func ("/checkpoint/view-errors", test_view_errors);
  g_test_add_func ("/checkpoint/view-default", test_view_default);
  g_test_add_func ("/checkpoint/pool-brute-force", test_pool_brute_force);
  g_test_add_func ("/checkpoint/pool-two-threads", test_pool_two_threads);
  g_test_add_func ("/checkpoint/pool-reads-only-window/poisoned",
                   test_pool_reads_only_window_poisoned);
  g_test_add_func ("/checkpoint/pool-reads-only-window/pages", test_pool_reads_only_window_pages);
  g_test_add_func ("/checkpoint/read-exact", test_read_exact);
  g_test_add_func ("/checkpoint/stats", test_stats);
  g_test_add_func ("/checkpoint/open-file", test_open_file);
  return g_test_run ();
}
