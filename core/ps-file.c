/* ps-file.c — replacing a file atomically (see ps-file.h) */
#include "ps-file.h"
#include "ps-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

struct _PsAtomicFile
{
  char *path;
  char *dir;
  char *tmp;      /* dir/.NAME.partial */
  int   fd;       /* open, locked */
};

/* Open tmp locked, never through a symbolic link someone else planted
 * there.  The lock is on the inode: once we hold it, check the name still
 * refers to it (a previous holder may have renamed it over the target
 * meanwhile), then empty it.  -1 with errno on failure. */
static int
open_locked (const char *tmp)
{
  for (;;)
    {
      struct stat a, b;
      int fd = open (tmp, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
      if (fd < 0)
        return -1;
      if (flock (fd, LOCK_EX) != 0 || fstat (fd, &a) != 0)
        {
          int e = errno;
          close (fd);
          errno = e;
          return -1;
        }
      if (!S_ISREG (a.st_mode))
        {
          close (fd);
          errno = EINVAL;
          return -1;
        }
      if (stat (tmp, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        {
          if (ftruncate (fd, 0) != 0)
            {
              int e = errno;
              close (fd);
              errno = e;
              return -1;
            }
          return fd;
        }
      close (fd);
    }
}

PsAtomicFile *
ps_atomic_file_begin (const char *path, GError **error)
{
  g_autofree char *base = NULL;
  PsAtomicFile *f;

  g_return_val_if_fail (path != NULL, NULL);

  f = g_new0 (PsAtomicFile, 1);
  f->path = g_strdup (path);
  f->dir = g_path_get_dirname (path);
  base = g_path_get_basename (path);
  f->tmp = g_strdup_printf ("%s/.%s.partial", f->dir, base);
  f->fd = open_locked (f->tmp);
  if (f->fd < 0)
    {
      int e = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: cannot create a temporary file in %s: %s",
                   path, f->dir, g_strerror (e));
      g_free (f->path);
      g_free (f->dir);
      g_free (f->tmp);
      g_free (f);
      return NULL;
    }
  return f;
}

const char *
ps_atomic_file_get_path (PsAtomicFile *f)
{
  g_return_val_if_fail (f != NULL, NULL);
  return f->path;
}

static void
atomic_file_free (PsAtomicFile *f)
{
  g_free (f->path);
  g_free (f->dir);
  g_free (f->tmp);
  g_free (f);
}

static gboolean
fail (PsAtomicFile *f, int e, GError **error)
{
  g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: writing failed: %s (the previous file, if "
               "any, is untouched)", f->path, g_strerror (e));
  return FALSE;
}

gboolean
ps_atomic_file_write (PsAtomicFile *f, const void *data, gsize n, GError **error)
{
  const char *p = data;

  g_return_val_if_fail (f != NULL && (data != NULL || n == 0), FALSE);
  while (n > 0)
    {
      ssize_t w = write (f->fd, p, n);
      if (w < 0)
        {
          if (errno == EINTR)
            continue;
          return fail (f, errno, error);
        }
      p += w;
      n -= (gsize) w;
    }
  return TRUE;
}

void
ps_atomic_file_abort (PsAtomicFile *f)
{
  if (f == NULL)
    return;
  g_unlink (f->tmp);      /* before unlocking it */
  close (f->fd);
  atomic_file_free (f);
}

gboolean
ps_atomic_file_commit (PsAtomicFile *f, GError **error)
{
  int dfd;

  g_return_val_if_fail (f != NULL, FALSE);
  /* rename while still holding the lock, so that no other writer can touch
   * the file meanwhile */
  if (fsync (f->fd) != 0 || g_rename (f->tmp, f->path) != 0)
    {
      int e = errno;
      fail (f, e, error);
      ps_atomic_file_abort (f);
      return FALSE;
    }
  close (f->fd);          /* the data are synced: nothing left to report */
  /* make the rename itself durable */
  dfd = open (f->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0)
    {
      fsync (dfd);
      close (dfd);
    }
  atomic_file_free (f);
  return TRUE;
}

gboolean
ps_file_replace_contents (const char *path, const void *data, gsize n, GError **error)
{
  PsAtomicFile *f = ps_atomic_file_begin (path, error);

  if (f == NULL)
    return FALSE;
  if (!ps_atomic_file_write (f, data, n, error))
    {
      ps_atomic_file_abort (f);
      return FALSE;
    }
  return ps_atomic_file_commit (f, error);
}
