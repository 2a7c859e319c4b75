/* ps-file.h — replacing a file atomically: afterwards it is the previous
 * version or the new one, complete, whenever the process is killed
 *
 * Every file ParamScope writes goes through here: safetensors, the CLI's
 * outputs and logs, PNG exports.
 *
 *   PsAtomicFile *f = ps_atomic_file_begin ("w.safetensors", &error);
 *   if (f == NULL || !ps_atomic_file_write (f, header, n, &error)
 *       || !ps_atomic_file_write (f, data, m, &error)
 *       || !ps_atomic_file_commit (f, &error))        // frees f in every case
 *     ...                                             // the old file is untouched
 *
 *   ps_file_replace_contents ("log.csv", text, len, &error);   // the same, in one call
 *
 * The data go to one temporary file beside the target with a fixed name,
 * ".NAME.partial", held under an exclusive flock() while it is written: a
 * second writer of the same file waits for the first, and the file a killed
 * writer left behind is reused by the next one, so kills never pile up
 * temporary files.  Commit syncs it, renames it over the target (still under
 * the lock) and syncs the directory.  (g_file_replace cannot promise that:
 * its temporary files have random names, one more for each writer killed.)
 * The temporary file is never opened through a symbolic link.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef struct _PsAtomicFile PsAtomicFile;

/* Open (create or reuse) the temporary file of path, locked and empty.
 * NULL + PS_ERROR_IO when the directory cannot hold it. */
PsAtomicFile *ps_atomic_file_begin    (const char *path, GError **error);
/* Append n bytes.  FALSE + PS_ERROR_IO on failure (then abort). */
gboolean      ps_atomic_file_write    (PsAtomicFile *f, const void *data, gsize n,
                                       GError **error);
/* Sync, rename over the target, sync the directory; frees f.  On failure
 * the temporary file is removed and the target is untouched. */
gboolean      ps_atomic_file_commit   (PsAtomicFile *f, GError **error);
/* Remove the temporary file and free f: the target is untouched.  NULL is a no-op. */
void          ps_atomic_file_abort    (PsAtomicFile *f);
/* The target's path (owned by f). */
const char   *ps_atomic_file_get_path (PsAtomicFile *f);

/* begin + write + commit. */
gboolean      ps_file_replace_contents (const char *path, const void *data, gsize n,
                                        GError **error);

/* ---- mapped reading ------------------------------------------------------
 *
 * Every weights file is read through a mapping (pages are read when touched,
 * nothing is copied).  The file stays open, so that a change made by another
 * program can be noticed: ps_mapped_file_check compares the open file's size
 * with the mapped one (a file truncated while mapped would raise SIGBUS on
 * the next read of a lost page), and ps_mapped_guard runs reads of mapped
 * data so that such a SIGBUS ends the reads with FALSE instead of killing
 * the process.
 *
 *   PsMappedFile *f = ps_mapped_file_open ("w.pth", &error);
 *   GBytes *b = ps_mapped_file_get_bytes (f);          // borrowed
 *   if (!ps_mapped_guard (pool_task, task))            // a page vanished
 *     ps_mapped_file_check (f, &error);                // "w.pth changed: ..."
 */
typedef struct _PsMappedFile PsMappedFile;

PsMappedFile *ps_mapped_file_open      (const char *path, GError **error);
void          ps_mapped_file_free      (PsMappedFile *f);
GBytes       *ps_mapped_file_get_bytes (PsMappedFile *f);
const char   *ps_mapped_file_get_path  (PsMappedFile *f);
/* FALSE + PS_ERROR_IO naming the file if it is now shorter than when mapped. */
gboolean      ps_mapped_file_check     (PsMappedFile *f, GError **error);

/* Run fn (data) in this thread; if it touches a mapped page that no longer
 * exists (SIGBUS), fn is abandoned where it was and FALSE is returned.  fn
 * must not hold locks or own allocations across its reads of mapped data. */
gboolean      ps_mapped_guard          (void (*fn) (gpointer data), gpointer data);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsMappedFile, ps_mapped_file_free)

G_END_DECLS
