/* ps-run-folder-watch.c — an outside run's checkpoints, as they come (see the header) */
#include "ps-run-folder-watch.h"
#include "ps-error.h"
#include "ps-run-folder.h"

#include <glib/gi18n.h>
#include <inttypes.h>

/* After a change: poll once the folder is quiet for this long (a file is
 * written in many pieces).  A file still written: polled again each second.
 * And every few seconds anyway: a folder on a network file system (a run on
 * a cluster, mounted on a laptop) tells no monitor of its changes. */
#define SETTLE_MS   200
#define PENDING_MS  1000
#define PERIODIC_S  5

struct _PsRunFolderWatch
{
  GObject             parent_instance;
  PsRunController    *run;
  PsRunFolderTracker *tracker;
  GHashTable         *monitors;   /* folder path -> GFileMonitor */
  guint               settle_id, pending_id, periodic_id;
  guint               n_added, n_pending;
  guint64             last_step;  /* the highest step added */
  char               *latest;     /* its file */
  char               *problem;
  gboolean            stopped;
};

G_DEFINE_FINAL_TYPE (PsRunFolderWatch, ps_run_folder_watch, G_TYPE_OBJECT)

enum { PROP_0, PROP_N_ADDED, PROP_N_PENDING, PROP_PROBLEM, N_PROPS };
static GParamSpec *properties[N_PROPS];

enum { SIG_ADDED, N_SIGNALS };
static guint signals[N_SIGNALS];

static void schedule (PsRunFolderWatch *w, guint *id, guint ms);

static void
stop (PsRunFolderWatch *w)
{
  w->stopped = TRUE;
  g_clear_handle_id (&w->settle_id, g_source_remove);
  g_clear_handle_id (&w->pending_id, g_source_remove);
  g_clear_handle_id (&w->periodic_id, g_source_remove);
  if (w->monitors)
    {
      GHashTableIter it;
      gpointer mon;
      g_hash_table_iter_init (&it, w->monitors);
      while (g_hash_table_iter_next (&it, NULL, &mon))
        {
          g_signal_handlers_disconnect_by_data (mon, w);
          g_file_monitor_cancel (mon);
        }
      g_hash_table_remove_all (w->monitors);
    }
}

static void
on_changed (GFileMonitor *mon, GFile *file, GFile *other, GFileMonitorEvent event,
            PsRunFolderWatch *w)
{
  schedule (w, &w->settle_id, SETTLE_MS);
}

static void
monitor (PsRunFolderWatch *w, const char *path)
{
  g_autoptr (GFile) file = NULL;
  GFileMonitor *mon;

  if (g_hash_table_contains (w->monitors, path))
    return;
  file = g_file_new_for_path (path);
  mon = g_file_monitor_directory (file, G_FILE_MONITOR_WATCH_MOVES, NULL, NULL);
  if (mon == NULL)
    return;                        /* the periodic poll still sees it */
  g_signal_connect (mon, "changed", G_CALLBACK (on_changed), w);
  g_hash_table_insert (w->monitors, g_strdup (path), mon);
}

/* The folder and its subfolders (checkpoint-200/ appears when the run writes it). */
static void
monitor_folders (PsRunFolderWatch *w)
{
  const char *dir = ps_run_folder_tracker_get_dir (w->tracker);
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  const char *b;

  monitor (w, dir);
  while (d && (b = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, b, NULL);
      if (b[0] != '.' && g_file_test (path, G_FILE_TEST_IS_DIR))
        monitor (w, path);
    }
}

static void
set_problem (PsRunFolderWatch *w, const char *problem)
{
  if (g_strcmp0 (w->problem, problem) == 0)
    return;
  g_free (w->problem);
  w->problem = g_strdup (problem);
  g_object_notify_by_pspec (G_OBJECT (w), properties[PROP_PROBLEM]);
}

/* One checkpoint read for the network: FALSE + error if it cannot be. */
static gboolean
add_entry (PsRunFolderWatch *w, PsRunFolderEntry *e, GError **error)
{
  PsDocument *doc = ps_run_controller_get_document (w->run);
  g_autoptr (PsSafetensors) st = ps_weights_open (e->path, error);
  guint64 step = e->step >= 0 ? (guint64) e->step : w->last_step + 1;
  PsSnapshot *s;

  if (st == NULL)
    return FALSE;
  s = ps_snapshot_new_from_weights (ps_document_get_model (doc), st, e->name, step, error);
  if (s == NULL)
    return FALSE;
  ps_run_controller_add_checkpoint (w->run, s);
  w->n_added++;
  if (w->latest == NULL || step >= w->last_step)
    {
      w->last_step = step;
      g_free (w->latest);
      w->latest = g_strdup (e->path);
    }
  return TRUE;
}

/* FALSE + error only if the folder cannot be read. */
static gboolean
poll_folder (PsRunFolderWatch *w, GError **error)
{
  g_autoptr (GPtrArray) fresh = NULL;
  guint pending = 0, added = 0;

  if (w->stopped)
    return TRUE;
  fresh = ps_run_folder_tracker_poll (w->tracker, &pending, error);
  if (fresh == NULL)
    return FALSE;
  for (guint i = 0; i < fresh->len; i++)
    {
      PsRunFolderEntry *e = fresh->pdata[i];
      g_autoptr (GError) local = NULL;
      if (add_entry (w, e, &local))
        added++;
      else
        {
          g_autofree char *msg = g_strdup_printf ("%s: %s", e->name, local->message);
          set_problem (w, msg);
        }
    }
  monitor_folders (w);
  if (pending != w->n_pending)
    {
      w->n_pending = pending;
      g_object_notify_by_pspec (G_OBJECT (w), properties[PROP_N_PENDING]);
    }
  if (pending > 0)
    schedule (w, &w->pending_id, PENDING_MS);
  if (added > 0)
    {
      g_object_notify_by_pspec (G_OBJECT (w), properties[PROP_N_ADDED]);
      g_signal_emit (w, signals[SIG_ADDED], 0, added);
    }
  return TRUE;
}

void
ps_run_folder_watch_poll (PsRunFolderWatch *w)
{
  g_autoptr (GError) error = NULL;

  g_return_if_fail (PS_IS_RUN_FOLDER_WATCH (w));
  if (!poll_folder (w, &error))
    set_problem (w, error->message);      /* the folder went away */
}

typedef struct
{
  PsRunFolderWatch *w;
  guint            *id;
} Timer;

static gboolean
on_timer (gpointer data)
{
  Timer *t = data;
  *t->id = 0;
  ps_run_folder_watch_poll (t->w);
  return G_SOURCE_REMOVE;
}

static void
schedule (PsRunFolderWatch *w, guint *id, guint ms)
{
  Timer *t;

  if (*id != 0 || w->stopped)
    return;
  t = g_new (Timer, 1);
  t->w = w;
  t->id = id;
  *id = g_timeout_add_full (G_PRIORITY_DEFAULT, ms, on_timer, t, g_free);
}

static gboolean
on_periodic (gpointer data)
{
  ps_run_folder_watch_poll (data);
  return G_SOURCE_CONTINUE;
}

static void
on_model_replaced (PsDocument *doc, PsRunFolderWatch *w)
{
  stop (w);
}

PsRunFolderWatch *
ps_run_folder_watch_new (PsRunController *run, const char *dir, GError **error)
{
  g_autoptr (PsRunFolderWatch) w = NULL;

  g_return_val_if_fail (PS_IS_RUN_CONTROLLER (run), NULL);
  g_return_val_if_fail (dir != NULL, NULL);

  w = g_object_new (PS_TYPE_RUN_FOLDER_WATCH, NULL);
  w->run = g_object_ref (run);
  w->tracker = ps_run_folder_tracker_new (dir);
  if (!poll_folder (w, error))
    return NULL;
  if (w->n_added == 0 && w->problem != NULL)
    {
      /* checkpoints of another network */
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s", w->problem);
      return NULL;
    }
  g_signal_connect (ps_run_controller_get_document (run), "model-replaced",
                    G_CALLBACK (on_model_replaced), w);
  w->periodic_id = g_timeout_add_seconds (PERIODIC_S, on_periodic, w);
  return g_steal_pointer (&w);
}

const char *
ps_run_folder_watch_get_dir (PsRunFolderWatch *w)
{
  g_return_val_if_fail (PS_IS_RUN_FOLDER_WATCH (w), NULL);
  return ps_run_folder_tracker_get_dir (w->tracker);
}

const char *
ps_run_folder_watch_get_latest (PsRunFolderWatch *w)
{
  g_return_val_if_fail (PS_IS_RUN_FOLDER_WATCH (w), NULL);
  return w->latest;
}

guint
ps_run_folder_watch_get_n_added (PsRunFolderWatch *w)
{
  g_return_val_if_fail (PS_IS_RUN_FOLDER_WATCH (w), 0);
  return w->n_added;
}

static void
ps_run_folder_watch_dispose (GObject *object)
{
  PsRunFolderWatch *w = PS_RUN_FOLDER_WATCH (object);

  stop (w);
  if (w->run)
    g_signal_handlers_disconnect_by_data (ps_run_controller_get_document (w->run), w);
  g_clear_object (&w->run);
  G_OBJECT_CLASS (ps_run_folder_watch_parent_class)->dispose (object);
}

static void
ps_run_folder_watch_finalize (GObject *object)
{
  PsRunFolderWatch *w = PS_RUN_FOLDER_WATCH (object);

  g_clear_pointer (&w->monitors, g_hash_table_unref);
  g_clear_pointer (&w->tracker, ps_run_folder_tracker_free);
  g_free (w->latest);
  g_free (w->problem);
  G_OBJECT_CLASS (ps_run_folder_watch_parent_class)->finalize (object);
}

static void
ps_run_folder_watch_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  PsRunFolderWatch *w = PS_RUN_FOLDER_WATCH (object);

  switch (id)
    {
    case PROP_N_ADDED: g_value_set_uint (value, w->n_added); break;
    case PROP_N_PENDING: g_value_set_uint (value, w->n_pending); break;
    case PROP_PROBLEM: g_value_set_string (value, w->problem); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
    }
}

static void
ps_run_folder_watch_class_init (PsRunFolderWatchClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->dispose = ps_run_folder_watch_dispose;
  object_class->finalize = ps_run_folder_watch_finalize;
  object_class->get_property = ps_run_folder_watch_get_property;
  properties[PROP_N_ADDED] = g_param_spec_uint ("n-added", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_N_PENDING] = g_param_spec_uint ("n-pending", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_PROBLEM] = g_param_spec_string ("problem", NULL, NULL, NULL, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
  /* (guint n): checkpoints added by a poll */
  signals[SIG_ADDED] = g_signal_new ("added", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0,
                                     NULL, NULL, NULL, G_TYPE_NONE, 1, G_TYPE_UINT);
}

static void
ps_run_folder_watch_init (PsRunFolderWatch *w)
{
  w->monitors = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_object_unref);
}
