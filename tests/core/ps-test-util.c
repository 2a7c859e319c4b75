/* ps-test-util.c — helpers shared by the core test programs */
#include "ps-test-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

static char *
under (const char *env, const char *relative)
{
  const char *base = g_getenv (env);
  if (base == NULL)
    g_error ("%s is not set; run the tests through meson test", env);
  return g_build_filename (base, relative, NULL);
}

char *
ps_test_fixture (const char *relative)
{
  return under ("PS_FIXTURES", relative);
}

char *
ps_test_corpus (const char *relative)
{
  return under ("PS_CORPUS", relative);
}

char *
ps_test_tmpdir (void)
{
  GError *error = NULL;
  char *dir = g_dir_make_tmp ("paramscope-test-XXXXXX", &error);
  g_assert_no_error (error);
  return dir;
}

void
ps_test_rmdir (const char *dir)
{
  GDir *d = g_dir_open (dir, 0, NULL);
  const char *name;
  if (d == NULL)
    return;
  while ((name = g_dir_read_name (d)))
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      if (g_file_test (p, G_FILE_TEST_IS_DIR) && !g_file_test (p, G_FILE_TEST_IS_SYMLINK))
        ps_test_rmdir (p);
      else
        g_unlink (p);
    }
  g_dir_close (d);
  g_rmdir (dir);
}

GBytes *
ps_test_read_bytes (const char *path)
{
  GError *error = NULL;
  char *data = NULL;
  gsize len = 0;

  g_file_get_contents (path, &data, &len, &error);
  g_assert_no_error (error);
  return g_bytes_new_take (data, len);
}

guint
ps_test_count_dir_entries (const char *dir)
{
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  guint n = 0;

  g_assert_nonnull (d);
  while (g_dir_read_name (d))
    n++;
  return n;
}

PsModule *
ps_test_parse_model (const char *text, guint64 seed)
{
  GError *error = NULL;
  PsRng rng;
  PsModule *m;

  ps_rng_seed (&rng, seed);
  m = ps_model_parse (text, -1, "model.py", &rng, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

PsModule *
ps_test_load_model (const char *relative, guint64 seed)
{
  g_autofree char *path = ps_test_fixture (relative);
  GError *error = NULL;
  PsRng rng;
  PsModule *m;

  ps_rng_seed (&rng, seed);
  m = ps_model_load_file (path, &rng, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

PsTensor *
ps_test_load_tensor (const char *path, const char *name)
{
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, &error);
  PsTensor *t;

  g_assert_no_error (error);
  t = ps_safetensors_load_tensor (st, name, &error);
  g_assert_no_error (error);
  return t;
}

double
ps_test_compare (const float *got, const float *want, int64_t n, double rtol, int64_t *where)
{
  double scale = 0, worst = 0;

  for (int64_t i = 0; i < n; i++)
    scale = MAX (scale, fabs ((double) want[i]));
  if (where)
    *where = -1;
  for (int64_t i = 0; i < n; i++)
    {
      double tol = rtol * fabs ((double) want[i]) + rtol * scale;
      double d = fabs ((double) got[i] - (double) want[i]);
      double r;
      if (isnan (got[i]) != isnan (want[i]))
        r = INFINITY;
      else if (tol == 0)
        r = d == 0 ? 0 : INFINITY;
      else
        r = d / tol;
      if (r > worst)
        {
          worst = r;
          if (where && r > 1 && *where < 0)
            *where = i;
        }
    }
  return worst;
}

void
ps_test_assert_tensor (const PsTensor *got, PsSafetensors *want, const char *key, double rtol,
                       const char *context)
{
  const PsSafetensorsEntry *e = ps_safetensors_find (want, key);
  g_autofree float *w = NULL;
  int64_t where;
  double worst;

  if (e == NULL)
    {
      const char *alias = g_hash_table_lookup (ps_safetensors_get_metadata (want), key);
      e = alias ? ps_safetensors_find (want, alias) : NULL;
    }
  if (e == NULL)
    g_error ("%s: the reference has no tensor %s", context, key);
  if (e->numel != got->numel)
    g_error ("%s: %s has %" G_GINT64_FORMAT " elements, the reference %" G_GINT64_FORMAT,
             context, key, got->numel, e->numel);
  if (!(e->numel == 1 && got->numel == 1))
    {
      g_assert_cmpint (e->ndim, ==, got->ndim);
      for (int d = 0; d < got->ndim; d++)
        g_assert_cmpint (e->shape[d], ==, got->shape[d]);
    }
  w = g_new (float, MAX (e->numel, 1));
  ps_safetensors_read_f32 (want, e, 0, e->numel, w);
  worst = ps_test_compare (got->data, w, got->numel, rtol, &where);
  if (worst > 1)
    g_error ("%s: %s differs from the reference at element %" G_GINT64_FORMAT ": %.9g vs %.9g "
             "(%.3g x the tolerance)", context, key, where, got->data[where], w[where], worst);
}

float
ps_test_pool_f32 (const float *x, int64_t rows, int64_t cols, int64_t row0, int64_t col0,
                  int64_t vrows, int64_t vcols, float *out, int out_rows, int out_cols,
                  PsPoolScratch *scratch)
{
  PsSlice s;
  ps_slice_init_f32 (&s, x, rows, cols);
  return ps_pool_slice (&s, row0, col0, vrows, vcols, out, out_rows, out_cols, scratch);
}

static int
run_program (const char *env, const char *const *argv, char **out, char **err)
{
  const char *program = g_getenv (env);
  g_autoptr (GPtrArray) args = g_ptr_array_new ();
  GError *error = NULL;
  int status = 0;

  if (program == NULL)
    g_error ("%s is not set; run the tests through meson test", env);
  g_ptr_array_add (args, (gpointer) program);
  for (guint i = 0; argv[i]; i++)
    g_ptr_array_add (args, (gpointer) argv[i]);
  g_ptr_array_add (args, NULL);
  g_spawn_sync (NULL, (char **) args->pdata, NULL, G_SPAWN_DEFAULT, NULL, NULL, out, err,
                &status, &error);
  g_assert_no_error (error);
  if (WIFEXITED (status))
    return WEXITSTATUS (status);
  return 128 + (WIFSIGNALED (status) ? WTERMSIG (status) : 0);
}

int
ps_test_run_cli (const char *const *argv, char **out, char **err)
{
  return run_program ("PS_CLI", argv, out, err);
}

int
ps_test_run_bench (const char *const *argv, char **out, char **err)
{
  return run_program ("PS_BENCH", argv, out, err);
}

/* ---- output against a text that shows it ---------------------------------------------------- */

static gboolean
text_number_at (const char *p, const char **end)
{
  const char *q = p;
  if (*q == '-')
    q++;
  if (!g_ascii_isdigit (*q))
    return FALSE;
  while (g_ascii_isdigit (*q))
    q++;
  if (*q == '.')
    for (q++; g_ascii_isdigit (*q); q++)
      ;
  if ((*q == 'e' || *q == 'E') && (q[1] == '+' || q[1] == '-') && g_ascii_isdigit (q[2]))
    for (q += 2; g_ascii_isdigit (*q); q++)
      ;
  *end = q;
  return TRUE;
}

/* tokens: numbers, other characters one by one, newlines; spaces skipped */
static GPtrArray *
text_tokens (const char *s)
{
  GPtrArray *t = g_ptr_array_new_with_free_func (g_free);
  const char *end;
  while (*s)
    {
      if (*s == ' ')
        s++;
      else if (text_number_at (s, &end))
        {
          g_ptr_array_add (t, g_strndup (s, end - s));
          s = end;
        }
      else
        {
          const char *n = g_utf8_next_char (s);
          g_ptr_array_add (t, g_strndup (s, n - s));
          s = n;
        }
    }
  return t;
}

void
ps_test_assert_matches_text (const char *got, const char *want)
{
  g_autoptr (GPtrArray) g = text_tokens (got), w = text_tokens (want);
  guint line = 1;
  for (guint i = 0; i < MAX (g->len, w->len); i++)
    {
      const char *gt = i < g->len ? g->pdata[i] : "<end>";
      const char *wt = i < w->len ? w->pdata[i] : "<end>";
      const char *end;
      gboolean ok = strcmp (wt, "~") == 0 ? text_number_at (gt, &end) && *end == '\0'
                                           : strcmp (gt, wt) == 0;
      if (!ok)
        g_error ("line %u of the expected output: got '%s', want '%s'\n--- got:\n%s",
                 line, gt, wt, got);
      if (strcmp (wt, "\n") == 0)
        line++;
    }
  /* the lines that hold no random number, character for character (spaces too) */
  g_auto (GStrv) gl = g_strsplit (got, "\n", -1), wl = g_strsplit (want, "\n", -1);
  for (guint i = 0; wl[i] && gl[i]; i++)
    if (!strchr (wl[i], '~') && strcmp (gl[i], wl[i]) != 0)
      g_error ("line %u of the expected output: got '%s', want '%s' exactly", i + 1, gl[i], wl[i]);
}
