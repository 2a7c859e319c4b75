/* ps-watchdog.c — report a main loop that stops running (see ps-watchdog.h) */
#include "ps-watchdog.h"

#include <gtk/gtk.h>

#include <execinfo.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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

/* The calling thread's stack to stderr after head, one frame a line
 * (backtrace_symbols_fd writes without allocating, so a signal handler may
 * call it; static functions show as binary(+offset), for addr2line). */
static void
print_stack (const char *head, size_t len)
{
  void *frames[STACK_DEPTH];
  int n = backtrace (frames, STACK_DEPTH);

  if (write (STDERR_FILENO, head, len) < 0)
    return;
  backtrace_symbols_fd (frames, n, STDERR_FILENO);
}

/* In the main thread, on STACK_SIGNAL */
static void
on_stack_signal (int sig)
{
  static const char head[] = "ParamScope-WATCHDOG: the main thread is at\n";
  print_stack (head, sizeof head - 1);
}

/* GTK names a widget in some warnings only by its address and type ("...
 * for widget 0x61400003c1b0(GtkButton)"): on the main thread, where that
 * widget is still alive (GTK has just used it), which widget that is — its
 * chain of parents up to its window, with a button's label, a widget's
 * name or tooltip — so a report says which of the window's buttons it was. */
static void
print_widget_path (const char *message)
{
  const char *at = message ? strstr (message, "for widget 0x") : NULL;
  GString *s;
  void *p = NULL;

  /* log_writer is installed only once main_thread is set */
  if (at == NULL || !pthread_equal (pthread_self (), main_thread)
      || sscanf (at + strlen ("for widget "), "%p", &p) != 1 || p == NULL
      || !g_type_check_instance_is_a (p, GTK_TYPE_WIDGET))
    return;
  s = g_string_new ("ParamScope-WIDGET:");
  for (GtkWidget *w = p; w != NULL; w = gtk_widget_get_parent (w))
    {
      const char *name = gtk_widget_get_name (w);
      const char *label = GTK_IS_BUTTON (w) ? gtk_button_get_label (GTK_BUTTON (w))
                          : GTK_IS_LABEL (w) ? gtk_label_get_label (GTK_LABEL (w)) : NULL;
      const char *tip = gtk_widget_get_tooltip_text (w);

      g_string_append_printf (s, "%s %s", w == p ? "" : " <", G_OBJECT_TYPE_NAME (w));
      if (name != NULL && strcmp (name, G_OBJECT_TYPE_NAME (w)) != 0)
        g_string_append_printf (s, " #%s", name);
      if (label != NULL)
        g_string_append_printf (s, " '%.40s'", label);
      else if (tip != NULL)
        g_string_append_printf (s, " (tip '%.40s')", tip);
      if (!gtk_widget_get_mapped (w))
        g_string_append (s, " [unmapped]");
    }
  g_string_append_c (s, '\n');
  if (write (STDERR_FILENO, s->str, s->len) < 0)
    { /* nothing to do */ }
  g_string_free (s, TRUE);
}

/* Every message, as GLib writes it; after a warning or a critical, where it
 * was logged from (the random-input test fails on those: its report then
 * shows the calls that led there, GTK's own frames included). */
static GLogWriterOutput
log_writer (GLogLevelFlags level, const GLogField *fields, gsize n_fields, gpointer data)
{
  static const char head[] = "ParamScope-STACK: logged from\n";

  if (level & (G_LOG_LEVEL_WARNING | G_LOG_LEVEL_CRITICAL))
    {
      /* the default writer would abort on a fatal level before the stack
       * is out; GLib aborts after the writer returns as well */
      GLogWriterOutput r = g_log_writer_default (level & ~G_LOG_FLAG_FATAL, fields, n_fields, data);
      print_stack (head, sizeof head - 1);
      for (gsize i = 0; i < n_fields; i++)
        if (strcmp (fields[i].key, "MESSAGE") == 0 && fields[i].length < 0)
          print_widget_path (fields[i].value);
      return r;
    }
  return g_log_writer_default (level, fields, n_fields, data);
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
  g_log_set_writer_func (log_writer, NULL, NULL);
  __atomic_store_n (&last_beat_cpu, cpu_us (CLOCK_THREAD_CPUTIME_ID), __ATOMIC_RELAXED);
  __atomic_store_n (&last_beat, g_get_monotonic_time (), __ATOMIC_RELAXED);
  /* high priority: the beat measures whether the loop runs, not whether it is idle */
  g_timeout_add_full (G_PRIORITY_HIGH, BEAT_MS, beat, NULL, NULL);
  g_thread_unref (g_thread_new ("watchdog", watch, NULL));
}
