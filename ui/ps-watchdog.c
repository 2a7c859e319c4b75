/* ps-watchdog.c — report a main loop that stops running (see ps-watchdog.h) */
#include "ps-watchdog.h"

#include <stdio.h>
#include <stdlib.h>

#define BEAT_MS 100          /* how often the main context marks that it ran */

static gint64 last_beat;     /* g_get_monotonic_time () of the last beat; atomic */
static gint64 limit_us;

static gboolean
beat (gpointer data)
{
  __atomic_store_n (&last_beat, g_get_monotonic_time (), __ATOMIC_RELAXED);
  return G_SOURCE_CONTINUE;
}

static gpointer
watch (gpointer data)
{
  gboolean stalled = FALSE;
  gint64 stall_start = 0;

  for (;;)
    {
      gint64 now, last;

      g_usleep (limit_us / 8);
      now = g_get_monotonic_time ();
      last = __atomic_load_n (&last_beat, __ATOMIC_RELAXED);
      if (!stalled && now - last > limit_us)
        {
          stalled = TRUE;
          stall_start = last;
          fprintf (stderr, "ParamScope-WATCHDOG: the main loop has not run for %.1f s\n",
                   (now - last) / 1e6);
          fflush (stderr);
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
  limit_us = n * 1000;
  __atomic_store_n (&last_beat, g_get_monotonic_time (), __ATOMIC_RELAXED);
  /* high priority: the beat measures whether the loop runs, not whether it is idle */
  g_timeout_add_full (G_PRIORITY_HIGH, BEAT_MS, beat, NULL, NULL);
  g_thread_unref (g_thread_new ("watchdog", watch, NULL));
}
