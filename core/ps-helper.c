/* ps-helper.c — the helper thread (see ps-helper.h)
 *
 * A plain detached pthread, started on first use, that sleeps on a condition
 * variable between jobs: handing a job over allocates nothing (a steady-state
 * training step allocates nothing, test `alloc`).  The job crosses over
 * under the mutex, which ThreadSanitizer models.
 */
#include "ps-helper.h"

#include <pthread.h>
#include <unistd.h>

static struct
{
  pthread_once_t  once;
  gboolean        started;
  pid_t           pid;           /* the process that started it */
  pthread_mutex_t busy;          /* held by the caller that has the helper */
  pthread_mutex_t lock;
  pthread_cond_t  cond;          /* a job was handed over, or finished */
  void          (*fn) (gpointer);  /* handed over, not yet taken by the thread */
  gpointer        data;
  gboolean        running;       /* handed over and not done */
  gboolean        warm;          /* the thread has finished a job */
} helper = {
  PTHREAD_ONCE_INIT, FALSE, 0, PTHREAD_MUTEX_INITIALIZER, PTHREAD_MUTEX_INITIALIZER,
  PTHREAD_COND_INITIALIZER, NULL, NULL, FALSE, FALSE,
};

static void *
helper_main (void *unused)
{
  pthread_mutex_lock (&helper.lock);
  for (;;)
    {
      void (*fn) (gpointer);
      gpointer data;

      while (helper.fn == NULL)
        pthread_cond_wait (&helper.cond, &helper.lock);
      fn = helper.fn;
      data = helper.data;
      helper.fn = NULL;           /* taken: from now on it cannot be withdrawn */
      pthread_mutex_unlock (&helper.lock);
      fn (data);
      pthread_mutex_lock (&helper.lock);
      helper.running = FALSE;
      helper.warm = TRUE;
      pthread_cond_broadcast (&helper.cond);
    }
  return NULL;
}

static void
helper_init (void)
{
  pthread_t thread;
  pthread_attr_t attr;

  helper.pid = getpid ();
  pthread_attr_init (&attr);
  pthread_attr_setdetachstate (&attr, PTHREAD_CREATE_DETACHED);
  helper.started = pthread_create (&thread, &attr, helper_main, NULL) == 0;
  pthread_attr_destroy (&attr);
}

gboolean
ps_helper_claim (void)
{
  pthread_once (&helper.once, helper_init);
  if (!helper.started || getpid () != helper.pid)
    return FALSE;
  return pthread_mutex_trylock (&helper.busy) == 0;
}

void
ps_helper_start (void (*fn) (gpointer data), gpointer data)
{
  g_return_if_fail (fn != NULL);
  pthread_mutex_lock (&helper.lock);
  helper.fn = fn;
  helper.data = data;
  helper.running = TRUE;
  pthread_cond_broadcast (&helper.cond);
  pthread_mutex_unlock (&helper.lock);
}

void
ps_helper_wait (void)
{
  pthread_mutex_lock (&helper.lock);
  while (helper.running)
    pthread_cond_wait (&helper.cond, &helper.lock);
  pthread_mutex_unlock (&helper.lock);
  pthread_mutex_unlock (&helper.busy);
}

gboolean
ps_helper_join (void)
{
  gboolean withdrawn;

  pthread_mutex_lock (&helper.lock);
  /* not before the thread's first job is done: a thread's first run sets up
   * what it keeps (a loaded machine had the caller take every warm-up half
   * back, and the helper then allocated in a steady-state step: test alloc
   * under the sanitizers counted 3) */
  withdrawn = helper.fn != NULL && helper.warm;
  if (withdrawn)
    {
      helper.fn = NULL;
      helper.running = FALSE;
    }
  while (helper.running)
    pthread_cond_wait (&helper.cond, &helper.lock);
  pthread_mutex_unlock (&helper.lock);
  pthread_mutex_unlock (&helper.busy);
  return !withdrawn;
}

typedef struct
{
  void  (*fn) (int64_t, int64_t, gpointer);
  gpointer data;
  int64_t  begin, end;
} SplitHalf;

static void
split_second (gpointer p)
{
  SplitHalf *h = p;

  h->fn (h->begin, h->end, h->data);
}

void
ps_helper_split (int64_t n, int64_t min_n, void (*fn) (int64_t begin, int64_t end, gpointer data),
                 gpointer data)
{
  SplitHalf second = { fn, data, n / 2, n };

  if (n < MAX (min_n, 2) || !ps_helper_claim ())
    {
      fn (0, n, data);
      return;
    }
  ps_helper_start (split_second, &second);
  fn (0, n / 2, data);
  if (!ps_helper_join ())
    fn (n / 2, n, data);
}
