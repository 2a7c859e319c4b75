/* ps-test-corpus.c — the files of tests/corpus and what each must give
 * (see ps-test-corpus.h) */
#include "ps-test-corpus.h"
#include "ps-test-util.h"

#include <string.h>

static void
corpus_tensor_free (PsCorpusTensor *t)
{
  g_free (t->name);
  g_array_unref (t->values);
  g_free (t);
}

void
ps_corpus_case_free (PsCorpusCase *c)
{
  if (c == NULL)
    return;
  g_free (c->path);
  g_free (c->name);
  g_free (c->expect);
  if (c->tensors)
    g_ptr_array_unref (c->tensors);
  g_free (c);
}

static PsCorpusCase *
corpus_case_new (const char *dir, const char *name, const char *expect)
{
  PsCorpusCase *c = g_new0 (PsCorpusCase, 1);

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

  if (!g_file_get_contents (path, &text, NULL, &error))
    g_error ("%s", error->message);
  return text;
}

static int
cmp_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* "# expect: SUBSTRING" on the first line of NAME.py; NAME.expect beside NAME.txt */
static char *
model_expectation (const char *dir, const char *name)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  g_autofree char *text = NULL;
  char *nl;

  if (g_str_has_suffix (name, ".txt"))
    {
      g_autofree char *stem = g_strndup (name, strlen (name) - 4);
      g_autofree char *sidecar = g_strconcat (dir, G_DIR_SEPARATOR_S, stem, ".expect", NULL);
      text = read_text (sidecar);
      return g_strdup (g_strstrip (text));
    }
  text = read_text (path);
  if (!g_str_has_prefix (text, "# expect: "))
    g_error ("%s: the first line must be \"# expect: SUBSTRING\"", path);
  nl = strchr (text, '\n');
  if (nl)
    *nl = '\0';
  return g_strdup (g_strstrip (text + strlen ("# expect: ")));
}

GPtrArray *
ps_test_corpus_model_cases (void)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_corpus_case_free);
  g_autofree char *dir = ps_test_corpus ("models");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  if (d == NULL)
    return cases;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".py") || g_str_has_suffix (name, ".txt"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *expect = model_expectation (dir, names->pdata[i]);
      if (*expect == '\0')
        g_error ("%s/%s: the expected message is empty", dir, (char *) names->pdata[i]);
      g_ptr_array_add (cases, corpus_case_new (dir, names->pdata[i], expect));
    }
  return cases;
}

GPtrArray *
ps_test_corpus_bad_safetensors_cases (void)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_corpus_case_free);
  g_autofree char *dir = ps_test_corpus ("safetensors");
  g_autofree char *tsv = g_build_filename (dir, "expected.tsv", NULL);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_test (tsv, G_FILE_TEST_EXISTS))
    return cases;
  text = read_text (tsv);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = NULL;
      PsCorpusCase *c;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      f = g_strsplit (lines[i], "\t", 2);
      if (g_strv_length (f) != 2 || f[1][0] == '\0')
        g_error ("%s:%u: expected FILE<TAB>SUBSTRING", tsv, i + 1);
      c = corpus_case_new (dir, f[0], f[1]);
      if (!g_file_test (c->path, G_FILE_TEST_EXISTS))
        g_error ("%s:%u: %s does not exist (run make_corpus.py)", tsv, i + 1, c->path);
      g_ptr_array_add (cases, c);
    }
  return cases;
}

/* "V,V,..." as float32 values; each must be one exactly. */
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

GPtrArray *
ps_test_corpus_valid_safetensors_cases (void)
{
  GPtrArray *cases = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_corpus_case_free);
  g_autofree char *dir = ps_test_corpus ("safetensors/valid");
  g_autofree char *tsv = g_build_filename (dir, "valid.tsv", NULL);
  g_autoptr (GHashTable) by_file = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;
  const char *name;

  if (d == NULL)
    return cases;
  while ((name = g_dir_read_name (d)))
    if (g_str_has_suffix (name, ".safetensors"))
      g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, cmp_names);
  for (guint i = 0; i < names->len; i++)
    {
      PsCorpusCase *c = corpus_case_new (dir, names->pdata[i], NULL);
      c->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) corpus_tensor_free);
      g_ptr_array_add (cases, c);
      g_hash_table_insert (by_file, c->name, c);
    }

  text = read_text (tsv);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = NULL;
      g_autofree char *where = g_strdup_printf ("%s:%u", tsv, i + 1);
      PsCorpusTensor *t;
      PsCorpusCase *c;

      if (lines[i][0] == '\0' || lines[i][0] == '#')
        continue;
      f = g_strsplit (lines[i], "\t", 3);
      if (g_strv_length (f) != 3)
        g_error ("%s: expected FILE<TAB>TENSOR<TAB>VALUES", where);
      c = g_hash_table_lookup (by_file, f[0]);
      if (c == NULL)
        g_error ("%s: %s is not in %s", where, f[0], dir);
      t = g_new0 (PsCorpusTensor, 1);
      t->name = g_strdup (f[1]);
      t->values = parse_values (f[2], where);
      g_ptr_array_add (c->tensors, t);
    }
  return cases;
}
