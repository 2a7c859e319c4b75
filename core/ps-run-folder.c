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
  if (e == NULL)
    return;
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

/* What a scan does with a file: open it to see whether it is complete
 * (TRUE), or only list it (FALSE; complete stays FALSE, problem NULL). */
typedef gboolean (*ShouldOpen) (PsRunFolderEntry *e, gint64 mtime, gpointer data);

static void
add (GPtrArray *out, const char *dir, const char *rel, ShouldOpen should_open, gpointer data)
{
  PsRunFolderEntry *e = g_new0 (PsRunFolderEntry, 1);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  GStatBuf sb;
  gint64 mtime = 0;

  e->path = g_build_filename (dir, rel, NULL);
  e->name = g_strdup (rel);
  if (!ps_run_folder_step_of_name (rel, &e->step))
    e->step = -1;
  if (g_stat (e->path, &sb) == 0)
    {
      e->size = (guint64) sb.st_size;
      mtime = (gint64) sb.st_mtime * G_USEC_PER_SEC;
#if defined(__linux__)
      mtime += (gint64) sb.st_mtim.tv_nsec / 1000;
#endif
    }
  if (should_open == NULL || should_open (e, mtime, data))
    {
      st = ps_weights_open (e->path, &error);
      e->complete = st != NULL;
      if (st == NULL)
        e->problem = g_strdup (error->message);
    }
  g_ptr_array_add (out, e);
}

static GPtrArray *
scan (const char *dir, ShouldOpen should_open, gpointer data, GError **error)
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
              add (out, dir, found->pdata[i], should_open, data);
        }
      else if (ps_run_folder_is_candidate (b) && g_file_test (path, G_FILE_TEST_IS_REGULAR))
        add (out, dir, b, should_open, data);
    }
  g_ptr_array_sort (out, cmp_entries);
  return out;
}

GPtrArray *
ps_run_folder_scan (const char *dir, GError **error)
{
  return scan (dir, NULL, NULL, error);
}

/* ---- the tracker ---------------------------------------------------------------------- */

typedef struct
{
  guint64  size;
  gint64   mtime;
  gboolean taken;
} Seen;

struct _PsRunFolderTracker
{
  char       *dir;
  GHashTable *seen;        /* name below the folder -> Seen */
  gboolean    polled;      /* a poll happened before */
};

PsRunFolderTracker *
ps_run_folder_tracker_new (const char *dir)
{
  PsRunFolderTracker *t;

  g_return_val_if_fail (dir != NULL, NULL);
  t = g_new0 (PsRunFolderTracker, 1);
  t->dir = g_strdup (dir);
  t->seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  return t;
}

void
ps_run_folder_tracker_free (PsRunFolderTracker *t)
{
  if (t == NULL)
    return;
  g_free (t->dir);
  g_hash_table_unref (t->seen);
  g_free (t);
}

const char *
ps_run_folder_tracker_get_dir (PsRunFolderTracker *t)
{
  g_return_val_if_fail (t != NULL, NULL);
  return t->dir;
}

/* Open a file only when it may be taken now: not taken yet, and unchanged
 * since the last poll (or there in the first poll).  The size and time are
 * remembered either way. */
static gboolean
tracker_should_open (PsRunFolderEntry *e, gint64 mtime, gpointer data)
{
  PsRunFolderTracker *t = data;
  Seen *s = g_hash_table_lookup (t->seen, e->name);
  gboolean steady;

  if (s == NULL)
    {
      s = g_new0 (Seen, 1);
      g_hash_table_insert (t->seen, g_strdup (e->name), s);
      steady = !t->polled;
    }
  else
    steady = s->size == e->size && s->mtime == mtime;
  s->size = e->size;
  s->mtime = mtime;
  return !s->taken && steady;
}

GPtrArray *
ps_run_folder_tracker_poll (PsRunFolderTracker *t, guint *n_pending, GError **error)
{
  g_autoptr (GPtrArray) all = NULL;
  GPtrArray *fresh;
  guint pending = 0;

  g_return_val_if_fail (t != NULL, NULL);
  all = scan (t->dir, tracker_should_open, t, error);
  if (all == NULL)
    return NULL;
  t->polled = TRUE;
  fresh = g_ptr_array_new_with_free_func (entry_free);
  for (guint i = 0; i < all->len; i++)
    {
      PsRunFolderEntry *e = all->pdata[i];
      Seen *s = g_hash_table_lookup (t->seen, e->name);
      if (s->taken)
        continue;
      if (e->complete)
        {
          s->taken = TRUE;
          g_ptr_array_add (fresh, g_steal_pointer (&all->pdata[i]));
        }
      else
        pending++;
    }
  if (n_pending)
    *n_pending = pending;
  return fresh;
}
