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

G_END_DECLS
