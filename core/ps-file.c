/* ps-file.c — replacing a file atomically (see ps-file.h) */
#include "ps-file.h"
#include "ps-error.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <setjmp.h>
#include <signal.h>
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

/* ---- mapped reading -------------------------------------------------------- */

struct _PsMappedFile
{
  char        *path;
  int          fd;
  GMappedFile *map;
  GBytes      *bytes;
  guint64      size;
};

PsMappedFile *
ps_mapped_file_open (const char *path, GError **error)
{
  PsMappedFile *f;
  GError *merr = NULL;
  struct stat st;
  int fd = open (path, O_RDONLY | O_CLOEXEC);

  if (fd < 0)
    {
      int e = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, g_strerror (e));
      return NULL;
    }
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: not a regular file", path);
      close (fd);
      return NULL;
    }
  f = g_new0 (PsMappedFile, 1);
  f->path = g_strdup (path);
  f->fd = fd;
  f->size = (guint64) st.st_size;
  if (st.st_size > 0)
    {
      f->map = g_mapped_file_new_from_fd (fd, FALSE, &merr);
      if (f->map == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, merr->message);
          g_error_free (merr);
          ps_mapped_file_free (f);
          return NULL;
        }
      f->bytes = g_mapped_file_get_bytes (f->map);
    }
  else
    f->bytes = g_bytes_new_static ("", 0);
  return f;
}

void
ps_mapped_file_free (PsMappedFile *f)
{
  if (f == NULL)
    return;
  if (f->bytes)
    g_bytes_unref (f->bytes);
  if (f->map)
    g_mapped_file_unref (f->map);
  if (f->fd >= 0)
    close (f->fd);
  g_free (f->path);
  g_free (f);
}

GBytes *
ps_mapped_file_get_bytes (PsMappedFile *f)
{
  return f->bytes;
}

const char *
ps_mapped_file_get_path (PsMappedFile *f)
{
  return f->path;
}

gboolean
ps_mapped_file_check (PsMappedFile *f, GError **error)
{
  struct stat st;

  if (fstat (f->fd, &st) != 0)
    {
      int e = errno;
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s changed while open: %s", f->path,
                   g_strerror (e));
      return FALSE;
    }
  if ((guint64) st.st_size < f->size)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s changed while open: it was %"
                   G_GUINT64_FORMAT " bytes and is now %" G_GUINT64_FORMAT " (truncated or being "
                   "rewritten); open it again", f->path, f->size, (guint64) st.st_size);
      return FALSE;
    }
  return TRUE;
}

/* The SIGBUS guard: one handler for the process, a jump target per thread. */
static _Thread_local sigjmp_buf *guard_jump;
static struct sigaction guard_previous;

static void
guard_handler (int sig, siginfo_t *info, void *ctx)
{
  if (guard_jump != NULL)
    siglongjmp (*guard_jump, 1);
  /* not ours: what was there before */
  if (guard_previous.sa_flags & SA_SIGINFO && guard_previous.sa_sigaction != NULL)
    guard_previous.sa_sigaction (sig, info, ctx);
  else if (guard_previous.sa_handler != SIG_IGN && guard_previous.sa_handler != SIG_DFL
           && guard_previous.sa_handler != NULL)
    guard_previous.sa_handler (sig);
  else
    {
      signal (sig, SIG_DFL);
      raise (sig);
    }
}

gboolean
ps_mapped_guard (void (*fn) (gpointer data), gpointer data)
{
  static gsize installed = 0;
  sigjmp_buf jump;
  sigjmp_buf *volatile outer = guard_jump;

  if (g_once_init_enter (&installed))
    {
      struct sigaction sa = { 0 };
      sa.sa_sigaction = guard_handler;
      sa.sa_flags = SA_SIGINFO | SA_NODEFER;
      sigemptyset (&sa.sa_mask);
      sigaction (SIGBUS, &sa, &guard_previous);
      g_once_init_leave (&installed, 1);
    }
  if (sigsetjmp (jump, 1) != 0)
    {
      guard_jump = outer;
      return FALSE;
    }
  guard_jump = &jump;
  fn (data);
  guard_jump = outer;
  return TRUE;
}
