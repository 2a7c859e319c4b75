/* test-safetensors.c — reading, writing, tied aliases, atomic replace and
 * load_state_dict's all-or-nothing checks */
#include "ps-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>
#include <unistd.h>

static const char *tied_model =
  "shared = nn.Linear(3, 3)\n"
  "net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(), shared, nn.ReLU(), shared, nn.Linear(3, 1))\n";

static void
test_roundtrip_tied (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autoptr (PsModule) net = ps_test_parse_model (tied_model, 1);
  g_autoptr (PsModule) other = ps_test_parse_model (tied_model, 2);
  g_autoptr (PsSafetensors) st = NULL;
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  GError *error = NULL;
  GHashTable *meta;
  guint64 data_bytes = 0;

  g_assert_true (ps_module_save_state_dict (net, path, &error));
  g_assert_no_error (error);
  st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  /* the tied tensors are stored once, the other names are aliases */
  g_assert_cmpuint (ps_safetensors_get_n (st), ==, 6);
  g_assert_null (ps_safetensors_find (st, "4.weight"));
  meta = ps_safetensors_get_metadata (st);
  g_assert_cmpstr (g_hash_table_lookup (meta, "4.weight"), ==, "2.weight");
  g_assert_cmpstr (g_hash_table_lookup (meta, "4.bias"), ==, "2.bias");
  {
    /* an alias loads as the tensor it names */
    g_autoptr (PsTensor) a = ps_safetensors_load_tensor (st, "4.weight", &error);
    g_assert_no_error (error);
    g_assert_cmpmem (a->data, 36, ps_param_get_data (ps_module_find_param (net, "2.weight"))->data, 36);
    g_assert_true (ps_safetensors_resolve (st, "4.weight") == ps_safetensors_find (st, "2.weight"));
  }
  for (guint i = 0; i < ps_safetensors_get_n (st); i++)
    data_bytes += ps_safetensors_get (st, i)->end - ps_safetensors_get (st, i)->begin;
  g_assert_cmpuint (data_bytes, ==, 4 * (6 + 3 + 9 + 3 + 3 + 1));

  /* loading into a differently initialized copy restores every key, tie intact */
  g_assert_true (ps_module_load_state_dict (other, st, &error));
  g_assert_no_error (error);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      PsTensor *a = ps_param_get_data (np->param);
      PsTensor *b = ps_param_get_data (ps_module_find_param (other, np->name));
      g_assert_cmpmem (a->data, a->numel * 4, b->data, b->numel * 4);
    }
  g_assert_true (ps_module_find_param (other, "2.weight") == ps_module_find_param (other, "4.weight"));
  g_clear_pointer (&st, ps_safetensors_free);
  ps_test_rmdir (dir);
}

static char *
model_bytes (PsModule *m)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  for (guint i = 0; i < sd->len; i++)
    {
      PsTensor *t = ps_param_get_data (((PsNamedParam *) sd->pdata[i])->param);
      if (t)
        g_string_append_len (s, (const char *) t->data, t->numel * 4);
      else
        g_string_append (s, "<lazy>");
    }
  return g_string_free (s, FALSE);
}

static void
check_load_fails (PsModule *net, const char *path, const char *substring)
{
  GError *error = NULL;
  g_autofree char *before = model_bytes (net);
  g_autofree char *after = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_false (ps_module_load_state_dict (net, st, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  if (strstr (error->message, substring) == NULL)
    g_error ("expected \"%s\" in \"%s\"", substring, error->message);
  g_error_free (error);
  after = model_bytes (net);
  g_assert_cmpstr (before, ==, after);      /* nothing changed */
}

static void
write_tensors (const char *path, guint n, const char *const *names, PsTensor *const *ts)
{
  GError *error = NULL;
  g_assert_true (ps_safetensors_write (path, n, names, ts, NULL, &error));
  g_assert_no_error (error);
}

static void
test_load_checks (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *p1 = g_build_filename (dir, "missing.safetensors", NULL);
  g_autofree char *p2 = g_build_filename (dir, "extra.safetensors", NULL);
  g_autofree char *p3 = g_build_filename (dir, "shape.safetensors", NULL);
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Sequential(nn.Linear(2, 3), nn.Linear(3, 1))", 0);
  g_autoptr (PsTensor) w0 = ps_tensor_new_2d (3, 2), b0 = ps_tensor_new_1d (3);
  g_autoptr (PsTensor) w1 = ps_tensor_new_2d (1, 3), b1 = ps_tensor_new_1d (1);
  g_autoptr (PsTensor) bad = ps_tensor_new_2d (3, 3);

  {
    const char *names[] = { "0.weight", "0.bias", "1.weight" };
    PsTensor *ts[] = { w0, b0, w1 };
    write_tensors (p1, 3, names, ts);
  }
  {
    const char *names[] = { "0.weight", "0.bias", "1.weight", "1.bias", "2.weight" };
    PsTensor *ts[] = { w0, b0, w1, b1, bad };
    write_tensors (p2, 5, names, ts);
  }
  {
    const char *names[] = { "0.weight", "0.bias", "1.weight", "1.bias" };
    PsTensor *ts[] = { bad, b0, w1, b1 };
    write_tensors (p3, 4, names, ts);
  }
  check_load_fails (net, p1, "missing key(s) \"1.bias\"");
  check_load_fails (net, p2, "unexpected key(s) \"2.weight\"");
  check_load_fails (net, p3, "size mismatch: \"0.weight\" is [3, 3] in the file but [3, 2] in the model");
  ps_test_rmdir (dir);
}

static void
test_lazy_from_weights (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autoptr (PsModule) src = ps_test_parse_model ("net = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2))", 3);
  g_autoptr (PsModule) lazy = ps_test_parse_model ("net = nn.Sequential(nn.LazyLinear(4), nn.ReLU(), nn.LazyLinear(2))", 0);
  g_autoptr (PsSafetensors) st = NULL;
  g_autofree char *text = NULL;
  GError *error = NULL;

  g_assert_true (ps_module_save_state_dict (src, path, &error));
  st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  g_assert_true (ps_module_load_state_dict (lazy, st, &error));
  g_assert_no_error (error);
  text = ps_module_repr (lazy);
  g_assert_cmpstr (text, ==, "Sequential(\n"
                   "  (0): Linear(in_features=5, out_features=4, bias=True)\n"
                   "  (1): ReLU()\n"
                   "  (2): Linear(in_features=4, out_features=2, bias=True)\n)");
  g_assert_cmpmem (ps_param_get_data (ps_module_find_param (lazy, "2.weight"))->data, 32,
                   ps_param_get_data (ps_module_find_param (src, "2.weight"))->data, 32);
  ps_test_rmdir (dir);
}

static void
test_atomic_replace (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autofree char *nowhere = g_build_filename (dir, "no-such-dir", "w.safetensors", NULL);
  g_autoptr (PsModule) net = ps_test_parse_model ("net = nn.Linear(4, 4)", 0);
  g_autoptr (PsModule) lazy = ps_test_parse_model ("net = nn.Sequential(nn.LazyLinear(2))", 0);
  g_autoptr (GBytes) before = NULL, after = NULL;
  GError *error = NULL;
  GDir *d;
  const char *entry;
  int n = 0;

  g_assert_true (ps_module_save_state_dict (net, path, &error));
  before = ps_test_read_bytes (path);
  /* a save that fails leaves the previous file as it was */
  g_assert_false (ps_module_save_state_dict (lazy, path, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_clear_error (&error);
  g_assert_false (ps_module_save_state_dict (net, nowhere, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  after = ps_test_read_bytes (path);
  g_assert_true (g_bytes_equal (before, after));
  /* and no temporary file is left behind */
  d = g_dir_open (dir, 0, NULL);
  while ((entry = g_dir_read_name (d)))
    n++;
  g_dir_close (d);
  g_assert_cmpint (n, ==, 1);
  ps_test_rmdir (dir);
}

static void
test_header_layout (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "w.safetensors", NULL);
  g_autoptr (PsTensor) t = ps_tensor_new_2d (2, 2);
  g_autoptr (GBytes) b = NULL;
  const guint8 *p;
  gsize len;
  guint64 n = 0;
  const char *names[] = { "we\"ird \\ name" };
  PsTensor *ts[] = { t };
  g_autoptr (PsSafetensors) st = NULL;
  GError *error = NULL;

  t->data[3] = 7;
  write_tensors (path, 1, names, ts);
  b = ps_test_read_bytes (path);
  p = g_bytes_get_data (b, &len);
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | p[i];
  g_assert_cmpuint (n % 8, ==, 0);            /* padded to 8 bytes, as the reference */
  g_assert_cmpuint (8 + n + 16, ==, len);
  st = ps_safetensors_new_from_bytes (b, "mem", &error);
  g_assert_no_error (error);
  g_assert_nonnull (ps_safetensors_find (st, "we\"ird \\ name"));
  ps_test_rmdir (dir);
}

static void
test_stats (void)
{
  g_autoptr (PsTensor) t = ps_tensor_new_1d (200001);
  PsStats a, b;
  PsStatsAcc acc;
  PsRng rng;

  ps_rng_seed (&rng, 9);
  ps_rng_fill_normal (&rng, t->data, t->numel, 3, 2);
  t->data[5] = NAN;
  t->data[6] = INFINITY;
  t->data[7] = 0;
  ps_stats_compute (t->data, t->numel, &a);
  ps_stats_acc_init (&acc);
  for (int64_t i = 0; i < t->numel; i += 777)
    ps_stats_acc_add (&acc, t->data + i, MIN (777, t->numel - i));
  ps_stats_acc_finish (&acc, &b);
  g_assert_cmpint (a.n_nan, ==, 1);
  g_assert_cmpint (a.n_posinf, ==, 1);
  g_assert_cmpint (b.n_zero, ==, a.n_zero);
  g_assert_cmpfloat_with_epsilon (a.mean, b.mean, 1e-9);
  g_assert_cmpfloat_with_epsilon (a.std, b.std, 1e-9);
  g_assert_cmpfloat_with_epsilon (a.mean, 3, 0.02);
  g_assert_cmpfloat_with_epsilon (a.std, 2, 0.02);
  g_assert_cmpfloat (a.min, ==, b.min);
  g_assert_cmpfloat (a.max, ==, b.max);
}

/* The one atomic writer every file goes through (ps-file.h): a new file,
 * a replacement, an abandoned write that leaves the old file as it was, a
 * temporary file a killed writer left behind (reused, then gone), a
 * symbolic link planted in its place (refused), an unwritable directory. */
static void
test_atomic_file (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *path = g_build_filename (dir, "log.csv", NULL);
  g_autofree char *partial = g_build_filename (dir, ".log.csv.partial", NULL);
  g_autofree char *other = g_build_filename (dir, "other", NULL);
  g_autofree char *text = NULL;
  GError *error = NULL;
  PsAtomicFile *f;

  g_assert_true (ps_file_replace_contents (path, "a,b\n", 4, &error));
  g_assert_no_error (error);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "a,b\n");
  g_clear_pointer (&text, g_free);

  /* abandoned halfway: the previous contents, no temporary file */
  f = ps_atomic_file_begin (path, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (ps_atomic_file_get_path (f), ==, path);
  g_assert_true (ps_atomic_file_write (f, "x,y", 3, &error));
  g_assert_true (g_file_test (partial, G_FILE_TEST_EXISTS));
  ps_atomic_file_abort (f);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "a,b\n");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 1);

  /* a killed writer's leftover is reused and renamed away */
  g_assert_true (g_file_set_contents (partial, "garbage from a killed save", -1, NULL));
  g_assert_true (ps_file_replace_contents (path, "1,2\n", 4, &error));
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "1,2\n");
  g_clear_pointer (&text, g_free);
  g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 1);

  /* never written through a symbolic link planted as the temporary file */
  g_assert_true (g_file_set_contents (other, "keep", -1, NULL));
  g_assert_cmpint (symlink (other, partial), ==, 0);
  g_assert_false (ps_file_replace_contents (path, "3,4\n", 4, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_IO);
  g_clear_error (&error);
  g_assert_true (g_file_get_contents (other, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "keep");
  g_clear_pointer (&text, g_free);
  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  g_assert_cmpstr (text, ==, "1,2\n");
  g_clear_pointer (&text, g_free);
  g_unlink (partial);
  g_unlink (other);

  /* no directory: an error naming the file */
  {
    g_autofree char *nowhere = g_build_filename (dir, "no", "such", "dir.csv", NULL);
    g_assert_false (ps_file_replace_contents (nowhere, "z", 1, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_IO);
    g_assert_true (strstr (error->message, nowhere) != NULL);
    g_clear_error (&error);
  }
  g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 1);
  ps_test_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/safetensors/roundtrip-tied", test_roundtrip_tied);
  g_test_add_func ("/safetensors/load-checks", test_load_checks);
  g_test_add_func ("/safetensors/lazy-from-weights", test_lazy_from_weights);
  g_test_add_func ("/safetensors/atomic-replace", test_atomic_replace);
  g_test_add_func ("/safetensors/atomic-file", test_atomic_file);
  g_test_add_func ("/safetensors/header-layout", test_header_layout);
  g_test_add_func ("/safetensors/stats", test_stats);
  return g_test_run ();
}
