/* ps-watchdog.c — report a main loop that stops running (see ps-watchdog.h) */
#include "ps-watchdog.h"

#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#define BEAT_MS 100          /* how often the main context marks that it ran */
#define BLOCKED_FACTOR 15    /* without using the CPU: reported after 15 times the limit */

static gint64 last_beat;     /* g_get_monotonic_time () of the last beat; atomic */
static gint64 last_beat_cpu; /* the main thread's CPU time then (µs); atomic */
static gint64 limit_us;
static clockid_t main_clock; /* the main thread's CPU-time clock */
static pthread_t main_thread;

#define STACK_SIGNAL SIGUSR2 /* asks the main thread where it is */
#define STACK_DEPTH 48

/* In the main thread, on STACK_SIGNAL: its stack to stderr, one frame a
 * line (backtrace_symbols_fd writes without allocating; static functions
 * show as binary(+offset), for addr2line). */
static void
on_stack_signal (int sig)
{
  static const char head[] = "ParamScope-WATCHDOG: the main thread is at\n";
  void *frames[STACK_DEPTH];
  int n = backtrace (frames, STACK_DEPTH);

  if (write (STDERR_FILENO, head, sizeof head - 1) < 0)
    return;
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
}

static gint64
cpu_us (clockid_t clock)
{
  struct timespec ts;
  if (clock_gettime (clock, &ts) != 0)
    return 0;
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

static gboolean
beat (gpointer data)
{
  __atomic_store_n (&last_beat_cpu, cpu_us (CLOCK_THREAD_CPUTIME_ID), __ATOMIC_RELAXED);
  __atomic_store_n (&last_beat, g_get_monotonic_time (), __ATOMIC_RELAXED);
  return G_SOURCE_CONTINUE;
}

/* A stall is the main thread working for more than the limit of CPU time
 * without coming back to its loop (a frame or a handler that long), or
 * not coming back for BLOCKED_FACTOR times the limit at all (blocked on a
 * lock, a pipe, a server).  Wall time alone would report a machine too busy
 * to run the process, which is not the window's doing. */
static gpointer
watch (gpointer data)
{
  gboolean stalled = FALSE;
  gint64 stall_start = 0;

  for (;;)
    {
      gint64 now, last, busy;

      g_usleep (limit_us / 8);
      now = g_get_monotonic_time ();
      last = __atomic_load_n (&last_beat, __ATOMIC_RELAXED);
      busy = cpu_us (main_clock) - __atomic_load_n (&last_beat_cpu, __ATOMIC_RELAXED);
      if (!stalled && now - last > limit_us
          && (busy > limit_us || now - last > BLOCKED_FACTOR * limit_us))
        {
          stalled = TRUE;
          stall_start = last;
          fprintf (stderr, "ParamScope-WATCHDOG: the main loop has not run for %.1f s "
                   "(%.1f s of it working)\n", (now - last) / 1e6, busy / 1e6);
          fflush (stderr);
          pthread_kill (main_thread, STACK_SIGNAL);
        }
      else if (stalled && now - last <= limit_us)
        {
          stalled = FALSE;
          fprintf (stderr, "ParamScope-WATCHDOG: the main loop ran again after %.1f s\n",
                   (last - stall_start) / 1e6);
          fflush (stderr);
        }
    }
  return NULL;
}

void
ps_watchdog_start_from_env (void)
{
  const char *ms = g_getenv ("PS_WATCHDOG_MS");
  gint64 n;

  if (ms == NULL || (n = g_ascii_strtoll (ms, NULL, 10)) <= 0)
    return;
  if (pthread_getcpuclockid (pthread_self (), &main_clock) != 0)
    main_clock = CLOCK_MONOTONIC;    /* no thread clock: every stall counts as working */
  limit_us = n * 1000;
  main_thread = pthread_self ();
  {
    void *warm[1];
    struct sigaction sa = { 0 };

    backtrace (warm, 1);            /* loads what backtrace needs, outside the handler */
    sa.sa_handler = on_stack_signal;
    sa.sa_flags = SA_RESTART;
    sigemptyset (&sa.sa_mask);
    sigaction (STACK_SIGNAL, &sa, NULL);
  }
  __atomic_store_n (&last_beat_cpu, cpu_us (CLOCK_THREAD_CPUTIME_ID), __ATOMIC_RELAXED);
  __atomic_store_n (&last_beat, g_get_monotonic_time (), __ATOMIC_RELAXED);
  /* high priority: the beat measures whether the loop runs, not whether it is idle */
  g_timeout_add_full (G_PRIORITY_HIGH, BEAT_MS, beat, NULL, NULL);
  g_thread_unref (g_thread_new ("watchdog", watch, NULL));
}
