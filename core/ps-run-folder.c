/* ps-run-folder.c — scanning a folder of checkpoints (see ps-run-folder.h) */
#include "ps-run-folder.h"
#include "ps-error.h"
#include "ps-weights.h"

#include <glib/gstdio.h>
#include <string.h>

static void
entry_free (gpointer p)
{
  PsRunFolderEntry *e = p;
  g_free (e->path);
  g_free (e->name);
  g_free (e->problem);
  g_free (e);
}

/* "-00001-of-00002" */
static gboolean
is_shard (const char *name)
{
  const char *of = strstr (name, "-of-");
  return of != NULL && of > name && g_ascii_isdigit (of[-1]) && g_ascii_isdigit (of[4]);
}

gboolean
ps_run_folder_is_candidate (const char *b)
{
  static const char *const exts[] = { ".safetensors", ".pt", ".pth", ".bin", ".ckpt",
                                      ".index.json" };
  gboolean weights = FALSE;

  if (b[0] == '.' || g_str_has_suffix (b, ".partial") || g_str_has_suffix (b, ".tmp")
      || g_str_has_suffix (b, ".part"))
    return FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (exts); i++)
    weights |= g_str_has_suffix (b, exts[i]);
  return weights && !(is_shard (b) && !g_str_has_suffix (b, ".index.json"));
}

gboolean
ps_run_folder_step_of_name (const char *name, int64_t *step)
{
  static const char *const words[] = { "step", "epoch", "iter", "checkpoint", "ckpt" };
  g_autofree char *lower = g_ascii_strdown (name, -1);
  const char *end = NULL, *start;
  int64_t v = 0;

  /* the number after the last "step", "epoch", "iter", ... ("epoch_3_loss0.25.pt": 3) */
  for (const char *p = lower; *p; p++)
    for (guint w = 0; w < G_N_ELEMENTS (words); w++)
      if (strncmp (p, words[w], strlen (words[w])) == 0)
        {
          const char *q = p + strlen (words[w]);
          while (*q == '-' || *q == '_' || *q == '=' || *q == 's')
            q++;
          if (g_ascii_isdigit (*q))
            {
              while (g_ascii_isdigit (q[1]))
                q++;
              end = name + (q - lower);
            }
        }
  /* else the last run of digits */
  if (end == NULL)
    for (const char *p = name; *p; p++)
      if (g_ascii_isdigit (*p))
        end = p;
  if (end == NULL)
    return FALSE;
  for (start = end; start > name && g_ascii_isdigit (start[-1]); start--)
    ;
  if (end - start >= 18)
    return FALSE;                      /* not a step: a hash or a date-time */
  for (const char *p = start; p <= end; p++)
    v = v * 10 + (*p - '0');
  *step = v;
  return TRUE;
}

static int
cmp_entries (gconstpointer a, gconstpointer b)
{
  const PsRunFolderEntry *x = *(PsRunFolderEntry *const *) a;
  const PsRunFolderEntry *y = *(PsRunFolderEntry *const *) b;
  if ((x->step < 0) != (y->step < 0))
    return x->step < 0 ? 1 : -1;
  if (x->step != y->step)
    return x->step < y->step ? -1 : 1;
  return strcmp (x->name, y->name);
}

static void
add (GPtrArray *out, const char *dir, const char *rel)
{
  PsRunFolderEntry *e = g_new0 (PsRunFolderEntry, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  GStatBuf sb;

  e->path = g_build_filename (dir, rel, NULL);
  e->name = g_strdup (rel);
  if (!ps_run_folder_step_of_name (rel, &e->step))
    e->step = -1;
  if (g_stat (e->path, &sb) == 0)
    e->size = (guint64) sb.st_size;
  st = ps_weights_open (e->path, &error);
  e->complete = st != NULL;
  if (st == NULL)
    e->problem = g_strdup (error->message);
  g_ptr_array_add (out, e);
}

GPtrArray *
ps_run_folder_scan (const char *dir, GError **error)
{
  g_autoptr (GDir) d = NULL;
  GPtrArray *out;
  const char *b;
  GError *derr = NULL;

  d = g_dir_open (dir, 0, &derr);
  if (d == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", dir, derr->message);
      g_error_free (derr);
      return NULL;
    }
  out = g_ptr_array_new_with_free_func (entry_free);
  while ((b = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, b, NULL);
      if (b[0] == '.')
        continue;
      if (g_file_test (path, G_FILE_TEST_IS_DIR))
        {
          /* one level down: checkpoint-200/model.safetensors */
          g_autoptr (GDir) sub = g_dir_open (path, 0, NULL);
          g_autoptr (GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
          gboolean has_index = FALSE;
          const char *c;
          while (sub && (c = g_dir_read_name (sub)) != NULL)
            {
              g_autofree char *cp = g_build_filename (path, c, NULL);
              if (ps_run_folder_is_candidate (c) && g_file_test (cp, G_FILE_TEST_IS_REGULAR))
                {
                  has_index |= g_str_has_suffix (c, ".index.json");
                  g_ptr_array_add (found, g_build_filename (b, c, NULL));
                }
            }
          /* a sharded snapshot is its index; otherwise each file */
          for (guint i = 0; i < found->len; i++)
            if (!has_index || g_str_has_suffix (found->pdata[i], ".index.json"))
              add (out, dir, found->pdata[i]);
        }
      else if (ps_run_folder_is_candidate (b) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        add (out, dir, b);
    }
  g_ptr_array_sort (out, cmp_entries);
  return out;
}
