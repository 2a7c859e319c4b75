/* ps-run-folder.h — a folder of checkpoints written by a training run, as
 * one run's timeline
 *
 *   g_autoptr (GPtrArray) snaps = ps_run_folder_scan ("runs/exp1", &error);
 *   for (guint i = 0; i < snaps->len; i++)
 *     {
 *       PsRunFolderEntry *e = snaps->pdata[i];   // "checkpoint-200/model.safetensors", step 200
 *       if (e->complete)
 *         ... ps_weights_open (e->path, &error) ...
 *     }
 *
 * The weights files directly in the folder or one level down
 * (step-100.safetensors, checkpoint-200/model.safetensors, epoch_3.pt,
 * ckpt/iter_5000.pth, checkpoint-300/model.safetensors.index.json) are the
 * snapshots, ordered by the step number in their name: the last run of
 * digits of the path below the folder ("checkpoint-200/model.safetensors":
 * 200).  Names without a number come last, by name.  The shards of a sharded
 * checkpoint (model-00001-of-00002.safetensors) are not snapshots: their
 * index is.  Hidden and temporary files (".x", "x.partial", "x.tmp",
 * "x.part") are left out.  A file still being written does not open yet
 * (its header or end record is incomplete): it is listed with complete =
 * FALSE, so a watcher skips it until a later scan finds it complete.
 * Nothing is written; the files are only mapped to check them.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct
{
  char    *path;        /* the full path */
  char    *name;        /* below the folder: "checkpoint-200/model.safetensors" */
  int64_t  step;        /* -1 when the name has no number */
  guint64  size;        /* bytes, when scanned */
  gboolean complete;    /* it opens as weights */
  char    *problem;     /* why not, when it does not (NULL otherwise) */
} PsRunFolderEntry;

/* The snapshots (PsRunFolderEntry*, freed with the array), ordered by step.
 * NULL + PS_ERROR_IO if dir cannot be read. */
GPtrArray *ps_run_folder_scan          (const char *dir, GError **error);
/* The step number of a name below the folder; FALSE if it has none. */
gboolean   ps_run_folder_step_of_name  (const char *name, int64_t *step);
/* TRUE for a file name that could hold weights (.safetensors, .pt, .pth,
 * .bin, .ckpt, *.index.json), and is no shard, hidden or temporary file. */
gboolean   ps_run_folder_is_candidate  (const char *basename);

/* ---- watching a folder as a run writes it ----
 *
 *   PsRunFolderTracker *t = ps_run_folder_tracker_new ("runs/exp1");
 *   guint pending;
 *   g_autoptr (GPtrArray) fresh = ps_run_folder_tracker_poll (t, &pending, &error);
 *   // each PsRunFolderEntry of fresh is complete, taken once; poll again
 *   // later (a file changed, or pending > 0) for the ones still written
 *
 * A snapshot is taken once it opens as weights and its size and modification
 * time are those of the previous poll: a file still being written (its size
 * changing, or its header or end record incomplete) is skipped and counted
 * in pending until a later poll finds it complete and unchanged.  The files
 * already in the folder at the first poll are taken as soon as they open
 * (the run wrote them before).  A taken file is not opened again. */
typedef struct _PsRunFolderTracker PsRunFolderTracker;

PsRunFolderTracker *ps_run_folder_tracker_new  (const char *dir);
void                ps_run_folder_tracker_free (PsRunFolderTracker *t);
const char         *ps_run_folder_tracker_get_dir (PsRunFolderTracker *t);
/* The snapshots that became ready since the last poll, ordered by step
 * (PsRunFolderEntry*, freed with the array); n_pending (nullable): the
 * snapshots seen but not ready yet.  NULL + PS_ERROR_IO if dir cannot be read. */
GPtrArray          *ps_run_folder_tracker_poll (PsRunFolderTracker *t, guint *n_pending,
                                                GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsRunFolderTracker, ps_run_folder_tracker_free)

G_END_DECLS
