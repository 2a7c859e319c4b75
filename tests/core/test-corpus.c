/* test-corpus.c — malformed model files and safetensors files: each gives its
 * own clear error, naming the file (and line:column for model files), through
 * the library and through paramscope-cli, and no output file is written.
 *
 * The corpus is tests/corpus (env PS_CORPUS):
 *   models/NAME.py       first line "# expect: SUBSTRING" (file:line:col: message)
 *   models/NAME.txt      PyTorch repr text; the substring is in models/NAME.expect
 *   safetensors/NAME.safetensors and expected.tsv, written by make_corpus.py
 *   safetensors/valid/NAME.safetensors and valid.tsv
 * The files, their expected messages and values are read by ps-test-corpus.c,
 * which ui/test-hostile.c shares (the window must show the same messages).
 * Each file is its own test case (/corpus/model/NAME.py, ...).
 */
#include "ps-test-util.h"
#include "ps-test-corpus.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

#define MIN_MODEL_CASES       40
#define MIN_SAFETENSORS_CASES 30

static guint n_model_cases, n_safetensors_cases, n_valid_cases;

static gboolean
file_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

/* Marks the test case failed (and lets the others run) if needle is missing. */
static void
check_contains (const char *haystack, const char *needle, const char *what)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_test_fail_printf ("%s: expected the error to contain\n  %s\nbut it is\n  %s", what,
                        needle, haystack ? haystack : "(nothing)");
}

/* ---- model files -------------------------------------------------------- */

static void
test_model (gconstpointer data)
{
  const PsCorpusCase *c = data;
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  GError *error = NULL;
  PsRng rng;
  PsModule *m;
  int status;

  /* (a) the library refuses it with the expected message */
  ps_rng_seed (&rng, 0);
  m = ps_model_load_file (c->path, &rng, NULL, &error);
  if (m != NULL)
    {
      g_test_fail_printf ("%s: the model file was accepted", c->name);
      ps_module_unref (m);
      ps_test_rmdir (dir);
      return;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == PS_ERROR);
  check_contains (error->message, c->expect, c->name);
  g_clear_error (&error);

  /* (b) print: exit 1, the message on stderr, nothing on stdout */
  {
    const char *argv[] = { "print", c->path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    status = ps_test_run_cli (argv, &out, &err);
    g_assert_cmpint (status, ==, 1);
    g_assert_cmpstr (out, ==, "");
    check_contains (err, c->expect, "paramscope-cli print");
  }

  /* (c) init: fails and writes nothing */
  {
    const char *argv[] = { "init", c->path, "-o", out_path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    status = ps_test_run_cli (argv, &out, &err);
    g_assert_cmpint (status, !=, 0);
    check_contains (err, c->expect, "paramscope-cli init");
    g_assert_false (file_exists (out_path));
    g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 0);
  }

  ps_test_rmdir (dir);
}



/* ---- malformed safetensors ---------------------------------------------- */

static int
run_with_weights (const char *weights, const char *out_path, char **err)
{
  g_autofree char *model = ps_test_fixture ("models/mlp.py");
  g_autofree char *input = ps_test_fixture ("models/mlp.input.safetensors");
  const char *argv[] = { "run", model, "--input", input, "--weights", weights, "-o", out_path,
                         NULL };
  g_autofree char *out = NULL;

  return ps_test_run_cli (argv, &out, err);
}

static void
test_safetensors_bad (gconstpointer data)
{
  const PsCorpusCase *c = data;
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  g_autoptr (GBytes) before = NULL;
  GError *error = NULL;
  PsSafetensors *st;
  int status;

  /* the library: PS_ERROR_FORMAT (or IO), with the expected message */
  st = ps_safetensors_open (c->path, &error);
  if (st != NULL)
    {
      g_test_fail_printf ("%s: the file was accepted", c->name);
      ps_safetensors_free (st);
      ps_test_rmdir (dir);
      return;
    }
  g_assert_nonnull (error);
  g_assert_true (error->domain == PS_ERROR);
  g_assert_true (error->code == PS_ERROR_FORMAT || error->code == PS_ERROR_IO);
  check_contains (error->message, c->expect, c->name);
  g_clear_error (&error);

  /* the same bytes from memory, labelled with the file name */
  {
    g_autoptr (GBytes) bytes = ps_test_read_bytes (c->path);
    st = ps_safetensors_new_from_bytes (bytes, c->name, &error);
    g_assert_null (st);
    g_assert_error (error, PS_ERROR, PS_ERROR_FORMAT);
    check_contains (error->message, c->expect, "ps_safetensors_new_from_bytes");
    g_clear_error (&error);
  }

  /* inspect: exit 1, the message on stderr, nothing on stdout */
  {
    const char *argv[] = { "inspect", c->path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    status = ps_test_run_cli (argv, &out, &err);
    g_assert_cmpint (status, ==, 1);
    g_assert_cmpstr (out, ==, "");
    check_contains (err, c->expect, "paramscope-cli inspect");
  }

  /* run --weights BAD: exit 1 and no output file */
  {
    g_autofree char *err = NULL;
    status = run_with_weights (c->path, out_path, &err);
    g_assert_cmpint (status, ==, 1);
    check_contains (err, c->expect, "paramscope-cli run --weights");
    g_assert_false (file_exists (out_path));
    g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 0);
  }

  /* an existing output stays byte-identical after a failing run */
  {
    g_autofree char *model = ps_test_fixture ("models/mlp.py");
    const char *argv[] = { "init", model, "--seed", "7", "-o", out_path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_autofree char *err2 = NULL;
    g_autoptr (GBytes) after = NULL;

    status = ps_test_run_cli (argv, &out, &err);
    g_assert_cmpint (status, ==, 0);
    before = ps_test_read_bytes (out_path);
    status = run_with_weights (c->path, out_path, &err2);
    g_assert_cmpint (status, ==, 1);
    after = ps_test_read_bytes (out_path);
    g_assert_true (g_bytes_equal (before, after));
    g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 1);
  }

  ps_test_rmdir (dir);
}



/* ---- valid safetensors -------------------------------------------------- */

static gboolean
same_float (float a, float b)
{
  return memcmp (&a, &b, sizeof (float)) == 0;
}

static void
test_safetensors_valid (gconstpointer data)
{
  const PsCorpusCase *c = data;
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (c->path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n (st), ==, c->tensors->len);
  for (guint i = 0; i < c->tensors->len; i++)
    {
      const PsCorpusTensor *t = c->tensors->pdata[i];
      const PsSafetensorsEntry *e = ps_safetensors_find (st, t->name);
      g_autofree float *got = NULL;

      if (e == NULL)
        g_error ("%s: no tensor \"%s\"", c->name, t->name);
      g_assert_cmpint (e->numel, ==, t->values->len);
      got = g_new0 (float, MAX (e->numel, 1));
      ps_safetensors_read_f32 (st, e, 0, e->numel, got);
      for (guint k = 0; k < t->values->len; k++)
        {
          float want = g_array_index (t->values, float, k);
          if (!same_float (got[k], want))
            g_error ("%s: %s[%u] is %.9g, expected %.9g", c->name, t->name, k, got[k], want);
        }
      /* a read from the middle gives the same elements */
      if (e->numel > 1)
        {
          float one;
          ps_safetensors_read_f32 (st, e, e->numel - 1, 1, &one);
          g_assert_true (same_float (one, got[e->numel - 1]));
        }
    }

  /* inspect accepts it */
  {
    const char *argv[] = { "inspect", c->path, NULL };
    g_autofree char *out = NULL;
    g_autofree char *err = NULL;
    g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 0);
    g_assert_cmpstr (err, ==, "");
  }
}

/* ---- the corpus is all there -------------------------------------------- */

static void
test_counts (void)
{
  g_assert_cmpuint (n_model_cases, >=, MIN_MODEL_CASES);
  g_assert_cmpuint (n_safetensors_cases, >=, MIN_SAFETENSORS_CASES);
  g_assert_cmpuint (n_valid_cases, >=, 1);
}

/* Each case of cases (ps-test-corpus.c, kept alive by the caller) is a
 * test case prefix + its name. */
static guint
add_cases (GPtrArray *cases, const char *prefix, GTestDataFunc test)
{
  for (guint i = 0; i < cases->len; i++)
    {
      const PsCorpusCase *c = cases->pdata[i];
      g_autofree char *path = g_strconcat (prefix, c->name, NULL);
      g_test_add_data_func (path, c, test);
    }
  return cases->len;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) models = NULL, bad = NULL, valid = NULL;

  g_test_init (&argc, &argv, NULL);
  models = ps_test_corpus_model_cases ();
  bad = ps_test_corpus_bad_safetensors_cases ();
  valid = ps_test_corpus_valid_safetensors_cases ();
  g_test_add_func ("/corpus/counts", test_counts);
  n_model_cases = add_cases (models, "/corpus/model/", test_model);
  n_safetensors_cases = add_cases (bad, "/corpus/safetensors/", test_safetensors_bad);
  n_valid_cases = add_cases (valid, "/corpus/safetensors-valid/", test_safetensors_valid);
  return g_test_run ();
}
