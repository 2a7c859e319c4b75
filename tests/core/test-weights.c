/* test-weights.c — the weights door (ps-weights.h): torch.save files read as
 * PyTorch wrote them, hostile pickles and zips refused by name, sharded
 * checkpoints checked against their index, other formats named, a mapped
 * file truncated while open reported instead of crashing.
 *
 * Fixtures (tests/fixtures/torchsave, written by PyTorch with
 * make_torchsave.sh): each .pth/.pt beside a .safetensors of the same
 * tensors.  Corpus (tests/corpus/torch, make_corpus.py): expected.tsv gives
 * the message of each hostile or foreign file.
 */
#include "ps-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The elements of e as raw contiguous bytes (gathered along its strides). */
static guint8 *
raw_bytes (const PsSafetensorsEntry *e, gsize *len)
{
  int64_t esize = ps_dtype_size (e->dtype);
  guint8 *out = g_malloc (MAX (1, e->numel * esize));
  int64_t index[PS_SAFETENSORS_MAX_DIMS] = { 0 };

  for (int64_t i = 0; i < e->numel; i++)
    {
      int64_t off = 0, rest = i;
      for (int d = e->ndim - 1; d >= 0; d--)
        {
          index[d] = rest % e->shape[d];
          rest /= e->shape[d];
          off += index[d] * e->stride[d];
        }
      memcpy (out + i * esize, e->data + off * esize, esize);
    }
  *len = (gsize) (e->numel * esize);
  return out;
}

/* Every name of got (stored or alias) is in want with the same dtype, shape
 * and bytes, and the other way round. */
static void
assert_same_tensors (PsSafetensors *got, PsSafetensors *want)
{
  GHashTable *gmeta = ps_safetensors_get_metadata (got);
  guint n_names = ps_safetensors_get_n (got);
  guint want_names = ps_safetensors_get_n (want);    /* "x.bf16bits" stands for "x" */
  for (guint i = 0; i < ps_safetensors_get_n (got); i++)
    {
      const PsSafetensorsEntry *g = ps_safetensors_get (got, i);
      g_autofree char *bits = g_strconcat (g->name, ".bf16bits", NULL);
      const PsSafetensorsEntry *w = ps_safetensors_resolve (want, g->name);
      g_autofree guint8 *a = NULL, *b = NULL;
      gsize la, lb;

      if (g->dtype == PS_DTYPE_BF16)
        {
          w = ps_safetensors_find (want, bits);
          g_assert_nonnull (w);
          g_assert_cmpint (w->dtype, ==, PS_DTYPE_I16);
        }
      else
        {
          g_assert_nonnull (w);
          g_assert_cmpint (g->dtype, ==, w->dtype);
        }
      g_assert_cmpint (g->ndim, ==, w->ndim);
      for (int d = 0; d < g->ndim; d++)
        g_assert_cmpint (g->shape[d], ==, w->shape[d]);
      a = raw_bytes (g, &la);
      b = raw_bytes (w, &lb);
      g_assert_cmpmem (a, la, b, lb);
      /* the float view agrees too (strided reads) */
      if (g->numel > 0 && g->dtype != PS_DTYPE_BF16)
        {
          g_autofree float *fa = g_new (float, g->numel), *fb = g_new (float, g->numel);
          ps_safetensors_read_f32 (got, g, 0, g->numel, fa);
          ps_safetensors_read_f32 (want, w, 0, w->numel, fb);
          g_assert_cmpmem (fa, g->numel * 4, fb, w->numel * 4);
        }
    }
  /* aliases: the same tensor under both names */
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, gmeta);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        const PsSafetensorsEntry *g = ps_safetensors_resolve (got, k);
        const PsSafetensorsEntry *w = ps_safetensors_resolve (want, k);
        g_assert_nonnull (g);
        g_assert_nonnull (w);
        g_assert_cmpstr (g->name, ==, v);
        g_assert_cmpstr (g->name, ==, w->name);
        n_names++;
      }
  }
  {
    guint want_aliases = 0;
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, ps_safetensors_get_metadata (want));
    while (g_hash_table_iter_next (&it, &k, &v))
      want_aliases += ps_safetensors_find (want, v) != NULL && ps_safetensors_find (want, k) == NULL;
    g_assert_cmpuint (n_names, ==, want_names + want_aliases);
  }
}

static void
test_fixture (gconstpointer data)
{
  const char *const *pair = data;
  g_autofree char *gp = ps_test_fixture (pair[0]);
  g_autofree char *wp = ps_test_fixture (pair[1]);
  GError *error = NULL;
  g_autoptr (PsSafetensors) got = ps_weights_open (gp, &error);
  g_autoptr (PsSafetensors) want = NULL;

  g_assert_no_error (error);
  want = ps_weights_open (wp, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_safetensors_get_format (want), ==, "safetensors");
  g_assert_true (g_str_has_prefix (ps_safetensors_get_format (got), "PyTorch (torch.save"));
  if (strstr (pair[0], ".whole."))
    g_assert_nonnull (strstr (ps_safetensors_get_format (got), "a whole pickled model ("
                                                         "torch.nn.modules.container.Sequential)"));
  assert_same_tensors (got, want);
}

/* A torch.save file loads into a model as its safetensors does. */
static void
test_load_state_dict (void)
{
  g_autoptr (PsModule) a = ps_test_load_model ("models/tied.py", 5);
  g_autoptr (PsModule) b = ps_test_load_model ("models/tied.py", 6);
  g_autofree char *pth = ps_test_fixture ("torchsave/tied.whole.pth");
  g_autofree char *st = ps_test_fixture ("torchsave/tied.safetensors");
  g_autoptr (PsSafetensors) w1 = ps_weights_open (pth, NULL);
  g_autoptr (PsSafetensors) w2 = ps_weights_open (st, NULL);
  g_autoptr (GPtrArray) sa = ps_module_state_dict (a);
  g_autoptr (GPtrArray) sb = ps_module_state_dict (b);
  GError *error = NULL;

  g_assert_nonnull (w1);
  g_assert_nonnull (w2);
  g_assert_true (ps_module_load_state_dict (a, w1, &error));
  g_assert_no_error (error);
  g_assert_true (ps_module_load_state_dict (b, w2, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < sa->len; i++)
    {
      PsTensor *x = ps_param_get_data (((PsNamedParam *) sa->pdata[i])->param);
      PsTensor *y = ps_param_get_data (((PsNamedParam *) sb->pdata[i])->param);
      g_assert_cmpmem (x->data, x->numel * 4, y->data, y->numel * 4);
    }
}

static void
test_corpus (void)
{
  g_autofree char *dir = ps_test_corpus ("torch");
  g_autofree char *tsv = g_build_filename (dir, "expected.tsv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  guint n = 0;

  g_assert_true (g_file_get_contents (tsv, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
      g_autofree char *path = NULL;
      g_autoptr (PsSafetensors) st = NULL;
      g_autoptr (GBytes) bytes = NULL;
      g_autofree char *data = NULL;
      gsize len;
      GError *error = NULL;

      if (f[0] == NULL || f[1] == NULL)
        continue;
      path = g_build_filename (dir, f[0], NULL);
      st = ps_weights_open (path, &error);
      if (*f[1] == '\0')
        {
          g_assert_no_error (error);           /* opens; holds nothing */
          g_assert_nonnull (st);
          g_assert_cmpuint (ps_safetensors_get_n (st), ==, 0);
        }
      else
        {
          g_assert_null (st);
          g_assert_nonnull (error);
          if (strstr (error->message, f[1]) == NULL)
            g_error ("%s: expected \"%s\" in \"%s\"", f[0], f[1], error->message);
          g_assert_nonnull (strstr (error->message, f[0]));     /* names the file */
          g_clear_error (&error);
          /* the same from bytes in memory */
          g_assert_true (g_file_get_contents (path, &data, &len, NULL));
          bytes = g_bytes_new_take (g_steal_pointer (&data), len);
          st = ps_weights_new_from_bytes (bytes, f[0], &error);
          g_assert_null (st);
          g_assert_nonnull (error);
          if (strlen (f[1]) > 0 && strstr (error->message, f[1]) == NULL
              && strstr (f[1], "format") == NULL)
            g_error ("%s (bytes): expected \"%s\" in \"%s\"", f[0], f[1], error->message);
          g_clear_error (&error);
        }
      n++;
    }
  g_assert_cmpuint (n, >=, 35);
}

/* ---- sharded checkpoints ---------------------------------------------------------------- */

static PsTensor *
filled (int64_t rows, int64_t cols, float base)
{
  int64_t shape[2] = { rows, cols };
  PsTensor *t = ps_tensor_new (2, shape);
  for (int64_t i = 0; i < t->numel; i++)
    t->data[i] = base + (float) i;
  return t;
}

static void
write_shard (const char *dir, const char *file, guint n, const char *const *names,
             PsTensor *const *ts)
{
  g_autofree char *p = g_build_filename (dir, file, NULL);
  GError *error = NULL;
  g_assert_true (ps_safetensors_write (p, n, names, ts, NULL, &error));
  g_assert_no_error (error);
}

static void
write_index (const char *dir, const char *json)
{
  g_autofree char *p = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_assert_true (g_file_set_contents (p, json, -1, NULL));
}

static void
test_sharded (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *index = g_build_filename (dir, "model.safetensors.index.json", NULL);
  g_autoptr (PsTensor) a = filled (2, 3, 0), b = filled (4, 1, 10), c = filled (1, 5, 20);
  const char *n1[] = { "model.embed.weight", "model.layers.0.w" };
  PsTensor *t1[] = { a, b };
  const char *n2[] = { "model.layers.1.w", "lm_head.weight" };
  PsTensor *t2[] = { c, a };
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  g_autoptr (PsCheckpoint) ck = NULL;
  const PsSafetensorsEntry *e;
  float buf[5];

  write_shard (dir, "model-00001-of-00002.safetensors", 2, n1, t1);
  write_shard (dir, "model-00002-of-00002.safetensors", 2, n2, t2);
  write_index (dir, "{\"metadata\": {\"total_size\": 0}, \"weight_map\": {"
               "\"model.embed.weight\": \"model-00001-of-00002.safetensors\","
               "\"model.layers.0.w\": \"model-00001-of-00002.safetensors\","
               "\"model.layers.1.w\": \"model-00002-of-00002.safetensors\","
               "\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}}");
  st = ps_weights_open (index, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n (st), ==, 4);
  g_assert_nonnull (strstr (ps_safetensors_get_format (st), "2 shards"));
  e = ps_safetensors_find (st, "model.layers.1.w");
  g_assert_nonnull (e);
  g_assert_cmpuint (e->file, ==, 1);
  ps_safetensors_read_f32 (st, e, 0, 5, buf);
  g_assert_cmpfloat (buf[4], ==, 24);
  g_assert_true (ps_safetensors_check_files (st, &error));
  g_clear_pointer (&st, ps_safetensors_free);

  /* the checkpoint browser: one tree over both shards */
  ck = ps_checkpoint_open (index, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_NATURAL)->n_tensors, ==, 4);
  g_assert_nonnull (ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL, "model.layers"));
  g_clear_pointer (&ck, ps_checkpoint_unref);

  /* the index names a tensor the shard lacks */
  write_index (dir, "{\"weight_map\": {"
               "\"model.embed.weight\": \"model-00001-of-00002.safetensors\","
               "\"model.layers.0.w\": \"model-00001-of-00002.safetensors\","
               "\"model.layers.1.w\": \"model-00002-of-00002.safetensors\","
               "\"lm_head.weight\": \"model-00002-of-00002.safetensors\","
               "\"model.norm.weight\": \"model-00001-of-00002.safetensors\"}}");
  g_assert_null (ps_weights_open (index, &error));
  g_assert_nonnull (strstr (error->message, "maps tensor \"model.norm.weight\" to shard "
                            "model-00001-of-00002.safetensors, which does not hold it"));
  g_clear_error (&error);

  /* a shard holds a tensor the index maps elsewhere */
  write_index (dir, "{\"weight_map\": {"
               "\"model.embed.weight\": \"model-00001-of-00002.safetensors\","
               "\"model.layers.0.w\": \"model-00002-of-00002.safetensors\","
               "\"model.layers.1.w\": \"model-00002-of-00002.safetensors\","
               "\"lm_head.weight\": \"model-00002-of-00002.safetensors\"}}");
  g_assert_null (ps_weights_open (index, &error));
  g_assert_nonnull (strstr (error->message, "shard model-00001-of-00002.safetensors holds "
                            "tensor \"model.layers.0.w\", which the index maps to another shard"));
  g_clear_error (&error);

  /* a shard outside the folder, a missing shard */
  write_index (dir, "{\"weight_map\": {\"x\": \"../x.safetensors\"}}");
  g_assert_null (ps_weights_open (index, &error));
  g_assert_nonnull (strstr (error->message, "is not a file beside the index"));
  g_clear_error (&error);
  write_index (dir, "{\"weight_map\": {\"x\": \"gone.safetensors\"}}");
  g_assert_null (ps_weights_open (index, &error));
  g_assert_nonnull (strstr (error->message, "gone.safetensors"));
  g_clear_error (&error);
  write_index (dir, "{\"not\": 1}");
  g_assert_null (ps_weights_open (index, &error));
  g_assert_nonnull (strstr (error->message, "weight_map"));
  g_clear_error (&error);
  ps_test_rmdir (dir);
}

/* ---- a mapped file truncated while open ----------------------------------------------- */

typedef struct
{
  const PsSafetensorsEntry *e;
  PsSafetensors *st;
  float *out;
} ReadTask;

static void
read_all (gpointer data)
{
  ReadTask *t = data;
  ps_safetensors_read_f32 (t->st, t->e, 0, t->e->numel, t->out);
}

static void
test_truncated (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autoptr (PsTensor) big = filled (1024, 256, 0);   /* 1 MiB: many pages */
  const char *names[] = { "w" };
  PsTensor *ts[] = { big };
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  g_autofree float *out = g_new (float, big->numel);
  ReadTask task;
  g_autoptr (PsCheckpoint) ck = NULL;
  PsCheckpointView view;
  PsStats stats;

  write_shard (dir, "w.safetensors", 1, names, ts);
  ck = ps_checkpoint_open (path, &error);
  g_assert_no_error (error);
  ps_checkpoint_view_init_default (&view, ps_safetensors_find (ps_checkpoint_get_safetensors (ck),
                                                               "w"));
  g_assert_true (ps_checkpoint_view_stats (ck, &view, &stats, NULL, &error));
  g_assert_cmpfloat (stats.max, ==, (float) (big->numel - 1));
  g_assert_cmpfloat (ps_checkpoint_read (ck, &view, 1023, 255), ==, (double) (big->numel - 1));
  st = ps_weights_open (path, &error);
  g_assert_no_error (error);
  task = (ReadTask) { ps_safetensors_find (st, "w"), st, out };
  g_assert_true (ps_mapped_guard (read_all, &task));
  g_assert_cmpfloat (out[big->numel - 1], ==, (float) (big->numel - 1));
  g_assert_true (ps_safetensors_check_files (st, &error));

  /* another program truncates it: the check names the change, a read is
   * stopped by the guard instead of killing the process */
  g_assert_cmpint (truncate (path, 4096), ==, 0);
  g_assert_false (ps_safetensors_check_files (st, &error));
  g_assert_nonnull (strstr (error->message, "changed while open"));
  g_assert_nonnull (strstr (error->message, "is now 4096"));
  g_clear_error (&error);
  g_assert_false (ps_mapped_guard (read_all, &task));
  /* the guard can be used again afterwards */
  g_assert_false (ps_mapped_guard (read_all, &task));
  /* the checkpoint browser's reads report it */
  g_assert_false (ps_checkpoint_view_stats (ck, &view, &stats, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_assert_nonnull (strstr (error->message, "changed while open"));
  g_clear_error (&error);
  g_assert_true (isnan (ps_checkpoint_read (ck, &view, 1023, 255)));
  ps_test_rmdir (dir);
}

/* ---- a folder of checkpoints ------------------------------------------------------------ */

static void
test_run_folder (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *sub = g_build_filename (dir, "checkpoint-200", NULL);
  g_autofree char *sharded = g_build_filename (dir, "checkpoint-1000", NULL);
  g_autofree char *growing = g_build_filename (dir, "step-300.safetensors", NULL);
  g_autofree char *mlp = ps_test_fixture ("torchsave/mlp.pth");
  g_autofree char *pth = NULL, *copy = NULL;
  g_autoptr (PsTensor) a = filled (2, 2, 0);
  const char *names[] = { "w" };
  PsTensor *ts[] = { a };
  g_autoptr (GPtrArray) snaps = NULL;
  GError *error = NULL;
  gsize len;
  int64_t step;
  static const char *const order[] = {
    "epoch_3_loss0.25.pt", "step-100.safetensors", "checkpoint-200/model.safetensors",
    "step-300.safetensors", "checkpoint-1000/model.safetensors.index.json", "final.safetensors",
  };

  g_assert_cmpint (g_mkdir (sub, 0755), ==, 0);
  g_assert_cmpint (g_mkdir (sharded, 0755), ==, 0);
  write_shard (dir, "step-100.safetensors", 1, names, ts);
  write_shard (sub, "model.safetensors", 1, names, ts);
  write_shard (dir, "final.safetensors", 1, names, ts);
  write_shard (sharded, "model-00001-of-00001.safetensors", 1, names, ts);
  {
    g_autofree char *idx = g_build_filename (sharded, "model.safetensors.index.json", NULL);
    g_assert_true (g_file_set_contents (idx, "{\"weight_map\": {\"w\": "
                                        "\"model-00001-of-00001.safetensors\"}}", -1, NULL));
  }
  g_assert_true (g_file_get_contents (mlp, &copy, &len, NULL));
  pth = g_build_filename (dir, "epoch_3_loss0.25.pt", NULL);
  g_assert_true (g_file_set_contents (pth, copy, (gssize) len, NULL));
  /* being written: the first half of a file */
  g_assert_true (g_file_set_contents (growing, copy, (gssize) len / 2, NULL));
  g_assert_true (g_file_set_contents (pth, copy, (gssize) len, NULL));
  {
    g_autofree char *tmp = g_build_filename (dir, ".step-400.safetensors.partial", NULL);
    g_autofree char *notes = g_build_filename (dir, "notes.txt", NULL);
    g_assert_true (g_file_set_contents (tmp, "x", 1, NULL));
    g_assert_true (g_file_set_contents (notes, "x", 1, NULL));
  }

  snaps = ps_run_folder_scan (dir, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (snaps->len, ==, G_N_ELEMENTS (order));
  for (guint i = 0; i < snaps->len; i++)
    {
      PsRunFolderEntry *e = snaps->pdata[i];
      g_assert_cmpstr (e->name, ==, order[i]);
      /* the one being written is listed but not complete, with the reason */
      g_assert_cmpint (e->complete, ==, strcmp (e->name, "step-300.safetensors") != 0);
      g_assert_true ((e->problem != NULL) == !e->complete);
    }
  g_assert_cmpint (((PsRunFolderEntry *) snaps->pdata[2])->step, ==, 200);
  g_assert_cmpint (((PsRunFolderEntry *) snaps->pdata[0])->step, ==, 3);
  g_assert_cmpint (((PsRunFolderEntry *) snaps->pdata[5])->step, ==, -1);

  /* completed later: a new scan finds it complete */
  write_shard (dir, "step-300.safetensors", 1, names, ts);
  g_clear_pointer (&snaps, g_ptr_array_unref);
  snaps = ps_run_folder_scan (dir, &error);
  g_assert_cmpstr (((PsRunFolderEntry *) snaps->pdata[3])->name, ==, "step-300.safetensors");
  g_assert_true (((PsRunFolderEntry *) snaps->pdata[3])->complete);

  g_assert_true (ps_run_folder_step_of_name ("global_step12000/mp_rank_00_model_states.pt", &step));
  g_assert_cmpint (step, ==, 12000);
  g_assert_true (ps_run_folder_step_of_name ("iter_0005000.pth", &step));
  g_assert_cmpint (step, ==, 5000);
  g_assert_false (ps_run_folder_step_of_name ("model.safetensors", &step));
  g_assert_false (ps_run_folder_is_candidate ("model-00001-of-00003.safetensors"));
  g_assert_true (ps_run_folder_is_candidate ("model.safetensors.index.json"));
  g_assert_null (ps_run_folder_scan ("/nonexistent/folder", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  ps_test_rmdir (dir);
}

/* The names of entries, joined by spaces. */
static char *
entry_names (GPtrArray *entries)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < entries->len; i++)
    g_string_append_printf (s, "%s%s", i ? " " : "",
                            ((PsRunFolderEntry *) entries->pdata[i])->name);
  return g_string_free (s, FALSE);
}

/* Polls once and checks that exactly EXPECTED (names joined by spaces) were taken. */
#define assert_poll_names(t, pending, expected) \
  G_STMT_START { \
    g_autofree char *taken_ = poll_names ((t), (pending)); \
    g_assert_cmpstr (taken_, ==, (expected)); \
  } G_STMT_END

static char *
poll_names (PsRunFolderTracker *t, guint *pending)
{
  GError *error = NULL;
  g_autoptr (GPtrArray) fresh = ps_run_folder_tracker_poll (t, pending, &error);
  g_assert_no_error (error);
  g_assert_nonnull (fresh);
  for (guint i = 0; i < fresh->len; i++)
    g_assert_true (((PsRunFolderEntry *) fresh->pdata[i])->complete);
  return entry_names (fresh);
}

/* Watching: a snapshot is taken once, in step order, when it is complete and
 * unchanged since the poll before; a file still written waits. */
static void
test_run_folder_tracker (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *step300 = g_build_filename (dir, "step-300.safetensors", NULL);
  g_autofree char *step200 = g_build_filename (dir, "step-200.safetensors", NULL);
  g_autofree char *full = NULL;
  g_autoptr (PsRunFolderTracker) t = ps_run_folder_tracker_new (dir);
  g_autoptr (PsTensor) a = filled (4, 4, 0);
  const char *names[] = { "w" };
  PsTensor *ts[] = { a };
  gsize len;
  guint pending = 99;

  write_shard (dir, "step-100.safetensors", 1, names, ts);
  write_shard (dir, "step-50.safetensors", 1, names, ts);
  write_shard (dir, "step-300.safetensors", 1, names, ts);
  g_assert_true (g_file_get_contents (step300, &full, &len, NULL));
  /* step-300 is being written: its header and half its data */
  g_assert_true (g_file_set_contents (step300, full, (gssize) len / 2, NULL));

  /* the files there before: taken at once, by step; the partial one waits */
  assert_poll_names (t, &pending, "step-50.safetensors step-100.safetensors");
  g_assert_cmpuint (pending, ==, 1);
  /* nothing new: nothing is taken twice */
  assert_poll_names (t, &pending, "");
  g_assert_cmpuint (pending, ==, 1);
  /* complete now, but its size just changed: it waits one more poll */
  g_assert_true (g_file_set_contents (step300, full, (gssize) len, NULL));
  assert_poll_names (t, &pending, "");
  g_assert_cmpuint (pending, ==, 1);
  assert_poll_names (t, &pending, "step-300.safetensors");
  g_assert_cmpuint (pending, ==, 0);

  /* a file that appears complete after the first poll still waits for one
   * unchanged poll (it may be growing) */
  g_assert_true (g_file_set_contents (step200, full, (gssize) len, NULL));
  assert_poll_names (t, &pending, "");
  g_assert_cmpuint (pending, ==, 1);
  assert_poll_names (t, &pending, "step-200.safetensors");
  g_assert_cmpuint (pending, ==, 0);

  /* a file that grows between polls is never taken while it grows */
  {
    g_autofree char *p = g_build_filename (dir, "step-400.safetensors", NULL);
    g_assert_true (g_file_set_contents (p, full, (gssize) len / 4, NULL));
    assert_poll_names (t, &pending, "");
    g_assert_true (g_file_set_contents (p, full, (gssize) len / 2, NULL));
    assert_poll_names (t, &pending, "");
    g_assert_true (g_file_set_contents (p, full, (gssize) len, NULL));
    assert_poll_names (t, &pending, "");
    g_assert_cmpuint (pending, ==, 1);
    assert_poll_names (t, &pending, "step-400.safetensors");
  }
  ps_test_rmdir (dir);

  {
    g_autoptr (PsRunFolderTracker) gone = ps_run_folder_tracker_new ("/nonexistent/folder");
    GError *error = NULL;
    g_assert_null (ps_run_folder_tracker_poll (gone, &pending, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_IO);
    g_clear_error (&error);
  }
}

int
main (int argc, char **argv)
{
  static const char *const pairs[][2] = {
    { "torchsave/mlp.pth", "torchsave/mlp.safetensors" },
    { "torchsave/mlp.whole.pth", "torchsave/mlp.safetensors" },
    { "torchsave/tied.pth", "torchsave/tied.safetensors" },
    { "torchsave/tied.whole.pth", "torchsave/tied.safetensors" },
    { "torchsave/tied_nested.pth", "torchsave/tied_nested.safetensors" },
    { "torchsave/tied_nested.whole.pth", "torchsave/tied_nested.safetensors" },
    { "torchsave/legacy.pth", "torchsave/legacy.safetensors" },
    { "torchsave/nested.pt", "torchsave/nested.safetensors" },
    { "torchsave/dtypes.pt", "torchsave/dtypes.safetensors" },
  };

  g_test_init (&argc, &argv, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (pairs); i++)
    {
      g_autofree char *name = g_strdup_printf ("/weights/fixture/%s", pairs[i][0]);
      g_test_add_data_func (name, pairs[i], test_fixture);
    }
  g_test_add_func ("/weights/load-state-dict", test_load_state_dict);
  g_test_add_func ("/weights/corpus", test_corpus);
  g_test_add_func ("/weights/sharded", test_sharded);
  g_test_add_func ("/weights/truncated", test_truncated);
  g_test_add_func ("/weights/run-folder", test_run_folder);
  g_test_add_func ("/weights/run-folder-tracker", test_run_folder_tracker);
  return g_test_run ();
}
