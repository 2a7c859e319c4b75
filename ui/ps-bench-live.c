/* ps-bench-live.c — `paramscope --benchmark-live MODEL`: training throughput
 * with the live view open against headless training, in one run
 *
 * 1. headless: the loop of `paramscope-cli train` (forward, loss, backward,
 *    optimizer step on one thread) for SECONDS;
 * 2. the same trainer as the window uses, without a window, for SECONDS;
 * 3. the window: the network's largest weight selected (its values and
 *    gradient heatmaps shown), the overview or a chart below, training
 *    started from the Train panel for SECONDS, counting the frames the
 *    window paints and the steps the worker takes.
 * Then it prints the figures and their ratios, and quits.
 */
#include "ps-bench-live.h"
#include "ps-train-panel.h"
#include "ps-window.h"

#include <glib/gi18n.h>
#include <math.h>
#include <sys/resource.h>

typedef struct
{
  GtkApplication *app;
  PsWindow  *win;
  double     seconds;
  int        batch;
  const char *bottom_page;
  double     headless_rate, trainer_rate;
  guint64    frames, step0;
  gint64     t0;
  gulong     paint_id;
  GdkFrameClock *clock;
  int        status;
  double     cpu_main0, cpu_all0;   /* CPU seconds at the start of the live run */
} Bench;

/* CPU seconds used by this thread (main) or the whole process. */
static double
cpu_seconds (int who)
{
  struct rusage u;
  getrusage (who, &u);
  return u.ru_utime.tv_sec + u.ru_stime.tv_sec + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

static PsTrainConfig
bench_config (void)
{
  PsTrainConfig c;
  ps_train_config_init (&c, PS_LOSS_MSE, PS_OPTIM_SGD, 1e-3);
  return c;
}

/* The plain loop: what `paramscope-cli train` runs. */
static double
headless_rate (PsModule *model, const PsTensor *x, const PsTensor *t, double seconds)
{
  g_autoptr (PsModule) net = ps_module_clone (model, NULL);
  g_autoptr (PsTape) tape = ps_tape_new (net, NULL);
  PsTrainConfig c = bench_config ();
  g_autoptr (PsOptimizer) opt = ps_optimizer_new (net, &c.optim, NULL);
  gint64 t0 = g_get_monotonic_time (), end = t0 + (gint64) (seconds * G_USEC_PER_SEC), now;
  guint64 steps = 0;
  double loss;

  do
    {
      for (int k = 0; k < 8; k++)
        {
          ps_optimizer_zero_grad (opt);
          ps_tape_forward (tape, x, NULL);
          ps_tape_backward_loss (tape, PS_LOSS_MSE, t, &loss, NULL);
          ps_optimizer_step (opt);
        }
      steps += 8;
      now = g_get_monotonic_time ();
    }
  while (now < end);
  return (double) steps * G_USEC_PER_SEC / (double) (now - t0);
}

/* The window's trainer with nobody watching. */
static double
trainer_rate (PsModule *model, const PsTensor *x, const PsTensor *t, double seconds)
{
  g_autoptr (PsModule) net = ps_module_clone (model, NULL);
  PsTrainConfig c = bench_config ();
  g_autoptr (PsTrainer) tr = ps_trainer_new (net, x, t, &c, NULL);
  gint64 t0 = g_get_monotonic_time ();
  double elapsed;

  ps_trainer_start (tr, 0, NULL);
  g_usleep ((gulong) (seconds * G_USEC_PER_SEC));
  ps_trainer_pause (tr);
  elapsed = (double) (g_get_monotonic_time () - t0) / G_USEC_PER_SEC;
  return (double) ps_trainer_get_step (tr) / elapsed;
}

static void
on_after_paint (GdkFrameClock *clock, Bench *b)
{
  b->frames++;
}

static gboolean
finish (gpointer data)
{
  Bench *b = data;
  PsTrainPanel *panel = PS_TRAIN_PANEL (ps_window_get_train_panel (b->win));
  PsTrainer *tr = ps_train_panel_get_trainer (panel);
  double elapsed = (double) (g_get_monotonic_time () - b->t0) / G_USEC_PER_SEC;
  guint64 steps = ps_trainer_get_step (tr) - b->step0;
  guint64 syncs = ps_train_panel_get_n_syncs (panel);
  double live = (double) steps / elapsed, fps = (double) b->frames / elapsed;

  g_signal_handler_disconnect (b->clock, b->paint_id);
  ps_train_panel_pause (panel);
  printf ("live view (%s below): %.1f steps/s, %.1f frames/s painted, %.1f snapshots/s shown\n",
          b->bottom_page, live, fps, (double) syncs / elapsed);
  printf ("ratio live / headless: %.2f (goal >= 0.70)   frames/s: %.1f (goal >= 50)\n",
          live / b->headless_rate, fps);
  printf ("ratio live / trainer alone: %.2f\n", live / b->trainer_rate);
  printf ("CPU while live: the window's thread %.0f%% of a core, the whole process %.0f%% "
          "(2 cores = 200%%)\n", 100 * (cpu_seconds (RUSAGE_THREAD) - b->cpu_main0) / elapsed,
          100 * (cpu_seconds (RUSAGE_SELF) - b->cpu_all0) / elapsed);
  fflush (stdout);
  gtk_window_destroy (GTK_WINDOW (b->win));
  g_application_release (G_APPLICATION (b->app));
  return G_SOURCE_REMOVE;
}

static gboolean
start_live (gpointer data)
{
  Bench *b = data;
  PsTrainPanel *panel = PS_TRAIN_PANEL (ps_window_get_train_panel (b->win));
  g_autoptr (GError) error = NULL;
  PsOptimConfig o;

  ps_optim_config_init (&o, PS_OPTIM_SGD, 1e-3);
  ps_train_panel_configure (panel, PS_DATA_TEACHER, b->batch, PS_LOSS_MSE, &o);
  b->clock = gtk_widget_get_frame_clock (GTK_WIDGET (b->win));
  if (!ps_train_panel_run (panel, 0, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      b->status = 1;
      gtk_window_destroy (GTK_WINDOW (b->win));
      g_application_release (G_APPLICATION (b->app));
      return G_SOURCE_REMOVE;
    }
  b->step0 = ps_trainer_get_step (ps_train_panel_get_trainer (panel));
  b->frames = 0;
  b->paint_id = g_signal_connect (b->clock, "after-paint", G_CALLBACK (on_after_paint), b);
  b->t0 = g_get_monotonic_time ();
  b->cpu_main0 = cpu_seconds (RUSAGE_THREAD);
  b->cpu_all0 = cpu_seconds (RUSAGE_SELF);
  g_timeout_add ((guint) (b->seconds * 1000), finish, b);
  return G_SOURCE_REMOVE;
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
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (GError) error = NULL;
  static const char *pages[] = { "overview", "loss chart", "gradient flow", "distributions", "difference" };

  if (!ps_window_open_model (win, model_path, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      return 1;
    }
  model = ps_document_get_model (ps_window_get_document (win));
  if (!ps_data_generate (PS_DATA_TEACHER, model, batch, 0, PS_LOSS_MSE, &x, &t, &error))
    {
      g_printerr ("benchmark: %s\n", error->message);
      return 1;
    }
  b = (Bench) { .app = app, .win = win, .seconds = seconds, .batch = batch };
  b.bottom_page = pages[CLAMP (bottom_page, 0, 4)];
  printf ("benchmark-live: %s, batch %d, %.0f s per measurement, %d cores, OPENBLAS_CORETYPE=%s\n",
          model_path, batch, seconds, (int) g_get_num_processors (),
          g_getenv ("OPENBLAS_CORETYPE") ? g_getenv ("OPENBLAS_CORETYPE") : "(unset)");
  b.headless_rate = headless_rate (model, x, t, seconds);
  printf ("headless (paramscope-cli train's loop): %.1f steps/s\n", b.headless_rate);
  b.trainer_rate = trainer_rate (model, x, t, seconds);
  printf ("trainer thread, no view: %.1f steps/s (%.2f of headless)\n", b.trainer_rate,
          b.trainer_rate / b.headless_rate);
  fflush (stdout);

  ps_window_select_key (win, largest_weight (model));
  gtk_notebook_set_current_page (GTK_NOTEBOOK (ps_window_get_bottom_notebook (win)), CLAMP (bottom_page, 0, 4));
  ps_window_show_panel (win, "train");
  gtk_window_present (GTK_WINDOW (win));
  g_application_hold (G_APPLICATION (app));
  g_timeout_add (700, start_live, &b);      /* let the window map and settle */
  return 0;
}
