/* ps-bench-live.c — `paramscope-bench live MODEL`: training throughput
 * with the live view open against headless training, in one run
 *
 * The window opens on the network with its largest weight selected (values
 * and gradient heatmaps shown) and a chosen page below them.  Then, in turn,
 * three times each (a shared machine's speed drifts, so the two are interleaved
 * rather than measured one after the other):
 *   headless  the loop of `paramscope-cli train` (forward, loss, backward,
 *             optimizer step) in a thread of its own, the window idle;
 *   live      the Train panel's run, the window following it at its frame
 *             rate: frames painted, steps taken, snapshots shown.
 * It prints the figures, their ratio and the CPU the window's thread used,
 * and quits.
 */
#include "ps-bench-live.h"
#include "ps-run-controller.h"
#include "ps-window.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sys/resource.h>

#define ROUNDS 3

typedef struct
{
  GtkApplication *app;
  PsWindow  *win;
  double     slice;                  /* seconds of each phase */
  int        batch;
  const char *bottom_page;
  PsTensor  *x, *t;
  int        phase;                  /* 0 .. 2 ROUNDS - 1: even headless, odd live */
  /* headless phase */
  GThread   *thread;
  gint       done;                   /* atomic */
  guint64    headless_steps;
  double     headless_time;
  /* live phases */
  guint64    live_steps, frames, syncs0, step0;
  double     live_time, cpu_main, cpu_all;
  gint64     t0;
  double     cpu_main0, cpu_all0;
  gulong     paint_id;
  GdkFrameClock *clock;
} Bench;

/* CPU seconds used by this thread (main) or the whole process. */
static double
cpu_seconds (int who)
{
  struct rusage u;
  getrusage (who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static PsOptimConfig
bench_optim (void)
{
  PsOptimConfig o;
  ps_optim_config_init (&o, PS_OPTIM_SGD, 1e-3);
  return o;
}

/* The plain loop: what `paramscope-cli train` runs, on a copy of the network. */
static gpointer
headless_thread (gpointer data)
{
  Bench *b = data;
  PsModule *model = ps_document_get_model (ps_window_get_document (b->win));
  g_autoptr (PsModule) net = ps_module_clone (model, NULL);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  PsOptimConfig o = bench_optim ();
  g_autoptr (PsOptimizer) opt = ps_optimizer_new (net, &o, NULL);
  PsTrainStep step = { .tape = tape, .opt = opt, .x = b->x, .target = b->t, .loss = PS_LOSS_MSE };
  gint64 t0 = g_get_monotonic_time (), end = t0 + (gint64) (b->slice * G_USEC_PER_SEC), now;
  guint64 steps = 0;

  do
    {
      ps_train_step (&step, NULL, NULL);
      steps++;
      now = g_get_monotonic_time ();
    }
  while (now < end);
  b->headless_steps += steps;
  b->headless_time += (double) (now - t0) / G_USEC_PER_SEC;
  g_atomic_int_set (&b->done, 1);
  return NULL;
}

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  b->frames++;
}

static gboolean next_phase (gpointer data);

static void
report (Bench *b)
{
  double headless = b->headless_steps / b->headless_time, live = b->live_steps / b->live_time;

  printf ("headless (paramscope-cli train's loop, window idle): %.1f steps/s over %.1f s\n",
          headless, b->headless_time);
  printf ("live view (%s below, heatmaps of the largest weight): %.1f steps/s, "
          "%.1f frames/s painted, %.1f snapshots/s shown, over %.1f s\n", b->bottom_page, live,
          b->frames / b->live_time, b->syncs0 / b->live_time, b->live_time);
  printf ("ratio live / headless: %.2f (goal >= 0.70)   frames/s: %.1f (goal >= 50)\n",
          live / headless, b->frames / b->live_time);
  printf ("CPU while live: the window's thread %.0f%% of a core, the whole process %.0f%% "
          "(2 cores = 200%%)\n", 100 * b->cpu_main / b->live_time, 100 * b->cpu_all / b->live_time);
  fflush (stdout);
}

static gboolean
end_live (gpointer data)
{
  Bench *b = data;
  PsRunController *run = ps_window_get_controller (b->win);

  b->live_time += (double) (g_get_monotonic_time () - b->t0) / G_USEC_PER_SEC;
  b->live_steps += ps_trainer_get_step (ps_run_controller_get_trainer (run)) - b->step0;
  b->syncs0 += ps_run_controller_get_n_syncs (run);
  b->cpu_main += cpu_seconds (RUSAGE_THREAD) - b->cpu_main0;
  b->cpu_all += cpu_seconds (RUSAGE_SELF) - b->cpu_all0;
  g_signal_handler_disconnect (b->clock, b->paint_id);
  ps_run_controller_pause (run);
  b->phase++;
  g_idle_add (next_phase, b);
  return G_SOURCE_REMOVE;
}

static gboolean
wait_headless (gpointer data)
{
  Bench *b = data;

  if (!g_atomic_int_get (&b->done))
    return G_SOURCE_CONTINUE;
  g_thread_join (b->thread);
  b->thread = NULL;
  b->phase++;
  g_idle_add (next_phase, b);
  return G_SOURCE_REMOVE;
}

static void
finish (Bench *b, int status)
{
  if (status == 0)
    report (b);
  g_clear_pointer (&b->x, ps_tensor_unref);
  g_clear_pointer (&b->t, ps_tensor_unref);
  gtk_window_destroy (GTK_WINDOW (b->win));
  g_application_release (G_APPLICATION (b->app));
}

static gboolean
next_phase (gpointer data)
{
  Bench *b = data;
  PsRunController *run = ps_window_get_controller (b->win);
  g_autoptr (GError) error = NULL;

  if (b->phase >= 2 * ROUNDS)
    {
      finish (b, 0);
      return G_SOURCE_REMOVE;
    }
  if (b->phase % 2 == 0)
    {
      g_atomic_int_set (&b->done, 0);
      b->thread = g_thread_new ("bench-headless", headless_thread, b);
      g_timeout_add (20, wait_headless, b);
      return G_SOURCE_REMOVE;
    }
  /* live: the same settings each time (the first run creates the trainer) */
  if (!ps_run_controller_run (run, 0, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      finish (b, 1);
      return G_SOURCE_REMOVE;
    }
  b->clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->win));
  b->step0 = ps_trainer_get_step (ps_run_controller_get_trainer (run));
  b->paint_id = g_signal_connect (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
  b->t0 = g_get_monotonic_time ();
  b->cpu_main0 = cpu_seconds (RUSAGE_THREAD);
  b->cpu_all0 = cpu_seconds (RUSAGE_SELF);
  g_timeout_add ((guint) (b->slice * 1000), end_live, b);
  return G_SOURCE_REMOVE;
}

static gboolean
start (gpointer data)
{
  Bench *b = data;
  PsRunController *run = ps_window_get_controller (b->win);
  PsOptimConfig o = bench_optim ();

  ps_run_controller_configure (run, PS_RUN_DATA_TEACHER, b->batch, PS_LOSS_MSE, &o);
  b->phase = 0;
  return next_phase (b);
}

static const char *
largest_weight (PsModule *m)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (m);
  static char name[256];
  int64_t best = -1;

  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      PsTensor *d = ps_param_get_data (p->param);
      if (d && d->numel > best)
        {
          best = d->numel;
          g_strlcpy (name, p->name, sizeof name);
        }
    }
  return name;
}

int
ps_bench_live_run (GtkApplication *app, PsWindow *win, const char *model_path, double seconds,
                   int batch, int bottom_page)
{
  static Bench b;
  PsModule *model;
  g_autoptr (GError) error = NULL;
  static const char *pages[] = { "overview", "loss chart", "gradient flow", "distributions", "difference" };
  static const char *views[] = { "overview", "loss", "gradient-flow", "distributions", "difference" };

  if (!ps_window_open_model (win, model_path, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      return 1;
    }
  b = (Bench) { .app = app, .win = win, .slice = seconds / ROUNDS, .batch = batch };
  model = ps_document_get_model (ps_window_get_document (win));
  /* the data the panel's teacher setting makes (seed 0), for the headless loop */
  if (!ps_data_generate (PS_DATA_TEACHER, model, batch, 0, PS_LOSS_MSE, &b.x, &b.t, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      return 1;
    }
  b.bottom_page = pages[CLAMP (bottom_page, 0, 4)];
  printf ("benchmark-live: %s, batch %d, %d rounds of %.1f s headless then %.1f s live, "
          "%d cores, OpenBLAS core %s, GSK_RENDERER=%s\n",
          model_path, batch, ROUNDS, b.slice, b.slice, (int) g_get_num_processors (),
          ps_blas_core (NULL),
          g_getenv ("GSK_RENDERER") ? g_getenv ("GSK_RENDERER") : "(default)");
  fflush (stdout);
  ps_window_select_key (win, largest_weight (model));
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-view", "s", views[CLAMP (bottom_page, 0, 4)]);
  gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "train");
  gtk_window_present (GTK_WINDOW (win));
  g_application_hold (G_APPLICATION (app));
  g_timeout_add (700, start, &b);      /* let the window map and settle */
  return 0;
}
