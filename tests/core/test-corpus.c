/* test-corpus.c — malformed model files and safetensors files: each gives its
 * own clear error, naming the file (and line:column for model files), through
 * the library and through paramscope-cli, and no output file is written.
 *
 * The corpus is tests/corpus (env PS_CORPUS):
 *   models/NAME.py       first line "# expect: SUBSTRING" (file:line:col: message)
 *   models/NAME.txt      PyTorch repr text; the substring is in models/NAME.expect
 *   safetensors/NAME.safetensors and expected.tsv, written by make_corpus.py
 *   safetensors/valid/NAME.safetensors and valid.tsv
 * The malformed files and their expected messages are read by ps-test-corpus.c,
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

typedef struct
{
  char      *path;        /* absolute */
  char      *name;        /* base name */
  char      *expect;      /* substring of the error */
  GPtrArray *tensors;     /* valid files: ValidTensor* */
} Case;

typedef struct
{
  char   *name;
  GArray *values;         /* float */
} ValidTensor;

static guint n_model_cases, n_safetensors_cases, n_valid_cases;

static void
valid_tensor_free (ValidTensor *t)
{
  g_free (t->name);
  g_array_unref (t->values);
  g_free (t);
}

static void
case_free (Case *c)
{
  g_free (c->path);
  g_free (c->name);
  g_free (c->expect);
  if (c->tensors)
    g_ptr_array_unref (c->tensors);
  g_free (c);
}

static Case *
case_new (const char *dir, const char *name, const char *expect)
{
  Case *c = g_new0 (Case, 1);

  c->path = g_build_filename (dir, name, NULL);
  c->name = g_strdup (name);
  c->expect = g_strdup (expect);
  return c;
}

static char *
read_text (const char *path)
{
  GError *error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static gboolean
file_exists (const char *path)
{
  return g_file_test (path, G_FILE_TEST_EXISTS);
}

static guint
count_dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d))
    n++;
  return n;
}

static int
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
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
  const Case *c = data;
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
    g_assert_cmpuint (count_dir_entries (dir), ==, 0);
  }

  ps_test_rmdir (dir);
}

static void
add_model_cases (GPtrArray *cases)
{
  g_autoptr (GPtrArray) corpus = ps_test_corpus_model_cases ();   /* ps-test-corpus.c */

  for (guint i = 0; i < corpus->len; i++)
    {
      const PsCorpusCase *k = corpus->pdata[i];
      g_autofree char *dir = g_path_get_dirname (k->path);
      g_autofree char *test = g_strconcat ("/corpus/model/", k->name, NULL);
      Case *c = case_new (dir, k->name, k->expect);

      g_ptr_array_add (cases, c);
      g_test_add_data_func (test, c, test_model);
      n_model_cases++;
    }
}

/* ---- malformed safetensors ---------------------------------------------- */

static GBytes *
read_bytes (const char *path)
{
  GError *error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

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
  const Case *c = data;
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
    g_autoptr (GBytes) bytes = read_bytes (c->path);
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
    g_assert_cmpuint (count_dir_entries (dir), ==, 0);
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
    before = read_bytes (out_path);
    status = run_with_weights (c->path, out_path, &err2);
    g_assert_cmpint (status, ==, 1);
    after = read_bytes (out_path);
    g_assert_true (g_bytes_equal (before, after));
    g_assert_cmpuint (count_dir_entries (dir), ==, 1);
  }

  ps_test_rmdir (dir);
}

static void
add_safetensors_cases (GPtrArray *cases)
{
  g_autoptr (GPtrArray) corpus = ps_test_corpus_bad_safetensors_cases ();

  for (guint i = 0; i < corpus->len; i++)
    {
      const PsCorpusCase *k = corpus->pdata[i];
      g_autofree char *dir = g_path_get_dirname (k->path);
      g_autofree char *test = g_strconcat ("/corpus/safetensors/", k->name, NULL);
      Case *c = case_new (dir, k->name, k->expect);

      g_ptr_array_add (cases, c);
      g_test_add_data_func (test, c, test_safetensors_bad);
      n_safetensors_cases++;
    }
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
  const Case *c = data;
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (c->path, &error);

  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n (st), ==, c->tensors->len);
  for (guint i = 0; i < c->tensors->len; i++)
    {
      ValidTensor *t = c->tensors->pdata[i];
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

static GArray *
parse_values (const char *text, const char *where)
{
  GArray *values = g_array_new (FALSE, FALSE, sizeof (float));
  g_auto (GStrv) items = NULL;

  if (*text == '\0')
    return values;
  items = g_strsplit (text, ",", -1);
  for (guint i = 0; items[i]; i++)
    {
      char *end;
      double d = g_ascii_strtod (items[i], &end);
      float f = (float) d;
      if (end == items[i] || *end != '\0' || (double) f != d)
        g_error ("%s: \"%s\" is not a float32 value", where, items[i]);
      g_array_append_val (values, f);
    }
  return values;
}

static void
add_valid_cases (GPtrArray *cases)
{
  g_autofree char *dir = ps_test_corpus ("safetensors/valid");
  g_autofree char *tsv = g_build_filename (dir, "valid.tsv", NULL);
  g_autoptr (GHashTable) by_file = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  const char *name;

  d = g_dir_open (dir, 0, NULL);
  if (d == NULL)
    return;
  /* every valid file is a case, even one with no row (no tensors) */
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);
  for (guint i = 0; i < names->len; i++)
    {
      Case *c = case_new (dir, names->pdata[i], NULL);
      c->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) valid_tensor_free);
      g_ptr_array_add (cases, c);
      g_hash_table_insert (by_file, c->name, c);
    }

  text = read_text (tsv);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = NULL;
      g_autofree char *where = g_strdup_printf ("%s:%u", tsv, i + 1);
      ValidTensor *t;
      Case *c;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      f = g_strsplit (lines[i], "\t", 3);
      if (g_strv_length (f) != 3)
        g_error ("%s: expected FILE<TAB>TENSOR<TAB>VALUES", where);
      c = g_hash_table_lookup (by_file, f[0]);
      if (c == NULL)
        g_error ("%s: %s is not in %s", where, f[0], dir);
      t = g_new0 (ValidTensor, 1);
      t->name = g_strdup (f[1]);
      t->values = parse_values (f[2], where);
      g_ptr_array_add (c->tensors, t);
    }

  for (guint i = 0; i < names->len; i++)
    {
      Case *c = g_hash_table_lookup (by_file, names->pdata[i]);
      g_autofree char *test = g_strconcat ("/corpus/safetensors-valid/", c->name, NULL);
      g_test_add_data_func (test, c, test_safetensors_valid);
      n_valid_cases++;
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

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func ((GDestroyNotify) case_free);

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/corpus/counts", test_counts);
  add_model_cases (cases);
  add_safetensors_cases (cases);
  add_valid_cases (cases);
  return g_test_run ();
}
