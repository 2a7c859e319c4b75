/* paramscope-bench — the benchmarks, built beside the tests and not installed
 *
 *   paramscope-bench step MODEL --batch B [--input X.safetensors] [--steps N] [--seed N]
 *       a steady-state training step and its sgemm floor, as `paramscope-cli
 *       bench`, and the heap allocations per step (this program counts them)
 *   paramscope-bench lenet-kernels [--steps N]
 *       LeNet-5's convolutions and Sigmoid + pool pairs at batch 256, one call at a time on this thread (the helper held): the
 *       least time of N calls each, the figures of the README's kernel table
 *   paramscope-bench render N [--steps K] [--seed N]
 *       the heatmap's work per frame for an N x N parameter: pooling, colouring
 *   paramscope-bench checkpoint FILE [--tensor NAME]...
 *       FILE in the checkpoint window: tree, heatmaps, zoom, pan, statistics
 *   paramscope-bench weights FILE...
 *       opening weights files headless (any format: torch.save, sharded
 *       *.index.json, safetensors): the tree, one heatmap of the largest
 *       tensor, the time and the memory (RSS) each takes
 *   paramscope-bench live MODEL [--seconds S] [--batch B] [--bench-page N]
 *       training with the live view open against headless training
 *   paramscope-bench tensor
 *       the lesson's cells through PsArray and autograd; an eager MLP step
 *       against the planned tape
 *   paramscope-bench exec NOTEBOOK... [--runs N]
 *       every code cell of the notebooks, each in a fresh interpreter (as
 *       `paramscope-cli exec`); the goal for the lesson's three texts is 50 ms
 *
 * The last two open windows (a display, or xvfb-run).  Every figure is
 * printed on stdout; the exit status is 0 unless the benchmark could not run.
 */
#include "ps-alloc-count.h"
#include "ps-helper.h"
#include "ps-kernels.h"
#include "ps-application.h"
#include "ps-bench-live.h"
#include "ps-bench-tensor.h"
#include "ps-checkpoint-bench.h"
#include "ps-cli.h"
#include "ps-notebook.h"
#include "ps-ui-util.h"
#include "ps-window.h"

#include <locale.h>
#include <stdio.h>
#include <string.h>

static char *seed_s, *steps_s, *batch_s;

#define SEED_ENTRY \
  { "seed", 0, 0, G_OPTION_ARG_STRING, &seed_s, "Seed of the generated data (default 0)", "N" }

/* ---- step: the training step of `paramscope-cli bench` -------------------- */

static int
cmd_step (int argc, char **argv)
{
  static char *input_s;
  static gboolean per_call;
  static const GOptionEntry entries[] = {
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batch_s, "Samples per step", "B" },
    { "input", 0, 0, G_OPTION_ARG_FILENAME, &input_s,
      "The shape and values of a sample: the tensor \"input\" of a safetensors file", "X" },
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_s, "Timed steps (default: about a second's worth)",
      "N" },
    { "per-call", 0, 0, G_OPTION_ARG_NONE, &per_call,
      "Also each cblas_sgemm call of the step: its shape, median time and GFLOP/s", NULL },
    SEED_ENTRY,
    { NULL }
  };
  gint64 batch = 0, steps = 0, seed = 0;
  GError *error = NULL;
  int status = ps_cli_parse ("step", "MODEL", "A steady-state training step (forward, mse, "
                             "backward, sgd), its cblas_sgemm calls alone, and its heap "
                             "allocations.", NULL, entries, 1, 1, &argc, &argv);

  if (status >= 0)
    return status;
  if (batch_s == NULL)
    return ps_cli_usage_error ("step needs --batch B");
  if (!ps_cli_int ("--batch", batch_s, 1, 1 << 20, &batch)
      || !ps_cli_int ("--steps", steps_s, 1, 100000000, &steps)
      || !ps_cli_int ("--seed", seed_s, 0, G_MAXINT64, &seed))
    return 2;
  status = ps_cli_bench_step (argv[1], input_s, batch, steps, (guint64) seed, ps_alloc_count,
                              per_call, &error);
  return ps_cli_report (status, error);
}

/* ---- render: the heatmap's work per frame ---------------------------------- */

/* Max-|x| pooling of an N x N parameter to the view's 1024 x 1024 pixels,
 * then colouring, with buffers kept across frames as the window keeps them. */
static int
bench_render (gint64 n, gint64 frames, guint64 seed)
{
  const int out = (int) MIN (n, 1024);
  g_autofree float *x = NULL, *pooled = NULL;
  g_autofree guint32 *argb = NULL;
  g_autofree double *t_pool = NULL, *t_colour = NULL, *t_all = NULL;
  PsPoolScratch scratch = { 0 };
  PsSlice slice;
  PsRng rng;
  guint64 a0, allocs = 0;

  x = g_try_new (float, n * n);
  if (x == NULL)
    return ps_cli_usage_error ("render %" G_GINT64_FORMAT ": not enough memory", n);
  ps_rng_seed (&rng, seed);
  ps_rng_fill_normal (&rng, x, n * n, 0, 1);
  x[(n / 3) * n + n / 5] = 40.f;                      /* an outlier to keep visible */
  ps_slice_init_f32 (&slice, x, n, n);
  pooled = g_new (float, (gsize) out * out);
  argb = g_new (guint32, (gsize) out * out);
  t_pool = g_new (double, frames);
  t_colour = g_new (double, frames);
  t_all = g_new (double, frames);
  for (gint64 f = -1; f < frames; f++)               /* frame -1 sizes the buffers */
    {
      double t0 = ps_cli_now (), t1, t2;
      float range;
      a0 = ps_alloc_count ();
      range = ps_pool_slice (&slice, 0, 0, n, n, pooled, out, out, &scratch);
      t1 = ps_cli_now ();
      ps_heatmap_colorize (pooled, (int64_t) out * out, range, argb);
      t2 = ps_cli_now ();
      if (f >= 0)
        {
          allocs += ps_alloc_count () - a0;
          t_pool[f] = t1 - t0;
          t_colour[f] = t2 - t1;
          t_all[f] = t2 - t0;
        }
    }
  ps_pool_scratch_clear (&scratch);
  {
    g_autofree char *a = ps_cli_human_time (ps_cli_median (t_all, frames));
    g_autofree char *b = ps_cli_human_time (ps_cli_median (t_pool, frames));
    g_autofree char *c = ps_cli_human_time (ps_cli_median (t_colour, frames));
    printf ("heatmap     %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " floats (%.0f MB) to %d x %d pixels\n",
            n, n, (double) n * n * 4 / 1e6, out, out);
    printf ("frame       %s median (%" G_GINT64_FORMAT " frames): pooling %s, colouring %s\n",
            a, frames, b, c);
    printf ("allocations %.3f per frame\n", (double) allocs / (double) frames);
  }
  return 0;
}


static int
cmd_render (int argc, char **argv)
{
  static const GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_s, "Frames timed (default 31)", "K" },
    SEED_ENTRY,
    { NULL }
  };
  gint64 n = 0, frames = 31, seed = 0;
  int status = ps_cli_parse ("render", "N", "The heatmap's work per frame for an N x N "
                             "parameter: max-|x| pooling to 1024 x 1024 pixels and colouring.",
                             NULL, entries, 1, 1, &argc, &argv);

  if (status >= 0)
    return status;
  if (!ps_cli_int ("N", argv[1], 1, 16384, &n)
      || !ps_cli_int ("--steps", steps_s, 1, 100000000, &frames)
      || !ps_cli_int ("--seed", seed_s, 0, G_MAXINT64, &seed))
    return 2;
  return bench_render (n, frames, (guint64) seed);
}

/* ---- the window's benchmarks ------------------------------------------------ */

/* The application the window runs (its start-up: style, accelerators), whose
 * activation starts a benchmark instead of opening the lesson's network. */
typedef struct
{
  int    (*start) (GtkApplication *app, gpointer data);
  gpointer data;
  int      status;
} GuiBench;

static void
on_activate (GApplication *app, GuiBench *g)
{
  g_signal_stop_emission_by_name (app, "activate");   /* not the lesson's window */
  g->status = g->start (GTK_APPLICATION (app), g->data);
}

static int
run_gui (const char *prog, int (*start) (GtkApplication *app, gpointer data), gpointer data)
{
  g_autoptr (PsApplication) app = NULL;
  GuiBench g = { start, data, 0 };
  char *args[] = { (char *) prog, NULL };
  int status;

  ps_ui_choose_renderer ();
  app = ps_application_new ();
  g_signal_connect (app, "activate", G_CALLBACK (on_activate), &g);
  status = g_application_run (G_APPLICATION (app), 1, args);
  return status != 0 ? status : g.status;
}

typedef struct
{
  const char *path;
  char      **tensors;
} CheckpointArgs;

static int
start_checkpoint (GtkApplication *app, gpointer data)
{
  CheckpointArgs *a = data;
  ps_checkpoint_bench_start (app, a->path, (const char *const *) a->tensors);
  return 0;
}

static int
cmd_checkpoint (int argc, char **argv)
{
  static char **tensors;
  static const GOptionEntry entries[] = {
    { "tensor", 0, 0, G_OPTION_ARG_STRING_ARRAY, &tensors,
      "A tensor whose heatmap is timed (repeatable; default: up to three 4096 x 11008 ones, "
      "else the largest matrix)", "NAME" },
    { NULL }
  };
  CheckpointArgs a;
  int status = ps_cli_parse ("checkpoint", "FILE", "Open FILE in the checkpoint window and time "
                             "its tree, heatmaps, zoom, pan and statistics, each with its goal.",
                             NULL, entries, 1, 1, &argc, &argv);

  if (status >= 0)
    return status;
  a = (CheckpointArgs) { argv[1], tensors };
  return run_gui (argv[0], start_checkpoint, &a);
}

typedef struct
{
  const char *model;
  double      seconds;
  gint64      batch, page;
} LiveArgs;

static int
start_live (GtkApplication *app, gpointer data)
{
  LiveArgs *a = data;
  PsWindow *win = ps_window_new (app);

  if (ps_bench_live_run (app, win, a->model, a->seconds, (int) a->batch, (int) a->page) != 0)
    {
      gtk_window_destroy (GTK_WINDOW (win));
      return 1;
    }
  return 0;
}

static int
cmd_live (int argc, char **argv)
{
  static char *seconds_s, *page_s;
  static const GOptionEntry entries[] = {
    { "seconds", 0, 0, G_OPTION_ARG_STRING, &seconds_s,
      "Seconds of all the measurements (default 10)", "S" },
    { "batch", 0, 0, G_OPTION_ARG_STRING, &batch_s, "Samples per step (default 256)", "B" },
    { "bench-page", 0, 0, G_OPTION_ARG_STRING, &page_s,
      "The page below the heatmaps (0 overview ... 4 difference)", "N" },
    { NULL }
  };
  LiveArgs a = { NULL, 10, 256, 0 };
  int status = ps_cli_parse ("live", "MODEL", "Training throughput with the live view of MODEL "
                             "open against headless training, interleaved; frames painted, "
                             "snapshots shown, the CPU the window's thread used.", NULL, entries,
                             1, 1, &argc, &argv);

  if (status >= 0)
    return status;
  if (!ps_cli_double ("--seconds", seconds_s, &a.seconds)
      || !ps_cli_int ("--batch", batch_s, 1, 1 << 20, &a.batch)
      || !ps_cli_int ("--bench-page", page_s, 0, 4, &a.page))
    return 2;
  if (!(a.seconds > 0))
    return ps_cli_usage_error ("--seconds takes a positive number");
  a.model = argv[1];
  return run_gui (argv[0], start_live, &a);
}

/* ---- tensor: the tensor library (tests/bench/ps-bench-tensor.c) ---------- */

static int
cmd_tensor (int argc, char **argv)
{
  g_autoptr (GError) error = NULL;
  int status;

  if (argc != 1)
    return ps_cli_usage_error ("tensor takes no arguments");
  status = ps_bench_tensor (&error);
  if (error)
    fprintf (stderr, "paramscope-bench tensor: %s\n", error->message);
  return status;
}

/* ---- lenet-kernels: LeNet's kernels one at a time ------------------------------ */

static float *
bench_fill (int64_t n, int64_t seed)
{
  float *p = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    p[i] = (float) (((i + seed) * 7919) % 2001 - 1000) / 400.f;
  return p;
}

#define BENCH_MIN(best, call)          \
  do {                                 \
    double t0_ = ps_cli_now ();        \
    call;                              \
    best = MIN (best, ps_cli_now () - t0_); \
  } while (0)

static int
cmd_lenet_kernels (int argc, char **argv)
{
  static const GOptionEntry entries[] = {
    { "steps", 0, 0, G_OPTION_ARG_STRING, &steps_s, "Calls of each kernel (default 20)", "N" },
    { NULL }
  };
  int status = ps_cli_parse ("lenet-kernels", "", "LeNet-5's convolutions, Sigmoid + pool pairs "
                             "at batch 256, one call at a time on this thread: the least time "
                             "of N calls each.", NULL, entries, 0, 0, &argc, &argv);
  gint64 steps = 20;
  const int64_t N = 256;
  /* conv1: 1 -> 6, 28x28, padding 2; conv2: 6 -> 16, 14x14 */
  const int64_t C[2] = { 1, 6 }, H[2] = { 28, 14 }, O[2] = { 6, 16 }, pad[2] = { 2, 0 };

  if (status >= 0)
    return status;
  if (!ps_cli_int ("--steps", steps_s, 1, 100000, &steps))
    return 2;
  if (!ps_helper_claim ())
    {
      fprintf (stderr, "paramscope-bench lenet-kernels: the helper thread is busy\n");
      return 1;
    }
  printf ("kernels     LeNet-5 at batch 256, one thread, least of %" G_GINT64_FORMAT " calls\n",
          steps);
  for (int l = 0; l < 2; l++)
    {
      PsConvGeom g;
      int64_t nx = N * C[l] * H[l] * H[l], ny, nw = O[l] * C[l] * 25;
      double f = G_MAXDOUBLE, w = G_MAXDOUBLE, d = G_MAXDOUBLE;
      ps_conv_geom_init (&g, N, C[l], H[l], H[l], O[l], 5, 5, 1, 1, pad[l], pad[l], 1, 1, 1, NULL);
      ny = N * O[l] * g.OH * g.OW;
      g_autofree float *x = bench_fill (nx, 1), *wt = bench_fill (nw, 2), *b = bench_fill (O[l], 3);
      g_autofree float *y = g_new (float, ny), *dy = bench_fill (ny, 4), *dx = g_new (float, nx);
      g_autofree float *dw = g_new0 (float, nw), *db = g_new0 (float, O[l]);
      g_autofree float *ws = g_new0 (float, ps_conv_workspace (&g));
      for (gint64 s = 0; s < steps; s++)
        {
          BENCH_MIN (f, ps_conv2d_forward (&g, x, wt, b, y, ws));
          BENCH_MIN (w, ps_conv2d_backward (&g, x, wt, dy, NULL, dw, db, ws));
          if (l == 1)
            BENCH_MIN (d, ps_conv2d_backward (&g, x, wt, dy, dx, NULL, NULL, ws));
        }
      printf ("conv%d       forward %.3f ms, weight+bias gradient %.3f ms", l + 1, f * 1e3,
              w * 1e3);
      if (l == 1)
        printf (", data gradient %.3f ms", d * 1e3);
      printf ("\n");
    }
  for (int l = 0; l < 2; l++)
    {
      PsPoolGeom pg;
      int64_t n = N * O[l] * (H[l] - 4 + 2 * pad[l]) * (H[l] - 4 + 2 * pad[l]);
      double f2 = G_MAXDOUBLE, b2 = G_MAXDOUBLE, f1 = G_MAXDOUBLE, b1 = G_MAXDOUBLE;
      ps_pool_geom_init (&pg, N, O[l], H[l] - 4 + 2 * pad[l], H[l] - 4 + 2 * pad[l], 2, 2, 2, 2, 0,
                         0, 1, 1, FALSE, NULL);
      g_autofree float *x = bench_fill (n, 5), *s = g_new (float, n), *p = g_new (float, n / 4);
      g_autofree float *dp = bench_fill (n / 4, 6), *ds = g_new (float, n), *dx = g_new (float, n);
      for (gint64 k = 0; k < steps; k++)
        {
          BENCH_MIN (f2, { ps_sigmoid_array (x, s, n); ps_avg_pool2d_forward (&pg, s, p); });
          BENCH_MIN (b2, { ps_avg_pool2d_backward (&pg, dp, ds);
                           ps_sigmoid_backward_array (s, ds, dx, n); });
          BENCH_MIN (f1, ps_sigmoid_avg_pool_forward (&pg, x, s, p));
          BENCH_MIN (b1, ps_sigmoid_avg_pool_backward (&pg, s, dp, dx));
        }
      printf ("pair%d       Sigmoid + 2x2 pool forward %.3f ms fused, %.3f ms as two passes; "
              "backward %.3f ms fused, %.3f ms as two\n", l + 1, f1 * 1e3, f2 * 1e3, b1 * 1e3,
              b2 * 1e3);
    }
  ps_helper_wait ();
  return 0;
}

/* ---- exec: notebooks ------------------------------------------------------ */

/* seconds to run every code cell of nb in a fresh interpreter; FALSE if a cell raised */
static double
time_notebook (PsNotebook *nb, gboolean *raised)
{
  double t0 = ps_cli_now ();
  g_autoptr (PsPy) py = ps_py_new ();
  *raised = FALSE;
  for (guint i = 0; i < ps_notebook_get_n_cells (nb) && !*raised; i++)
    if (ps_notebook_cell_kind (nb, i) == PS_CELL_CODE)
      *raised = !ps_notebook_run_cell (nb, py, i, NULL, NULL);
  return ps_cli_now () - t0;
}

static int
cmd_exec (int argc, char **argv)
{
  static char *runs_s;
  static const GOptionEntry entries[] = {
    { "runs", 0, 0, G_OPTION_ARG_STRING, &runs_s, "Timed runs of each notebook (default 21)", "N" },
    { NULL }
  };
  gint64 runs = 21;
  int status = ps_cli_parse ("exec", "NOTEBOOK...", "Run every code cell of the notebooks, each in "
                             "a fresh interpreter, and print the median time of each and of all.",
                             NULL, entries, 1, G_MAXINT, &argc, &argv);
  if (status >= 0)
    return status;
  if (!ps_cli_int ("--runs", runs_s, 1, 100000, &runs))
    return 2;
  double total = 0;
  for (int k = 1; k < argc; k++)
    {
      GError *error = NULL;
      g_autoptr (PsNotebook) nb = ps_notebook_load (argv[k], &error);
      if (!nb)
        return ps_cli_fail (error);
      g_autofree double *t = g_new (double, runs);
      gboolean raised = FALSE;
      (void) time_notebook (nb, &raised);          /* warm up */
      for (gint64 r = 0; r < runs; r++)
        t[r] = time_notebook (nb, &raised);
      double med = ps_cli_median (t, runs);
      g_autofree char *h = ps_cli_human_time (med);
      printf ("exec %-40s %s%s\n", argv[k], h, raised ? " (stops at an exception)" : "");
      total += med;
    }
  g_autofree char *h = ps_cli_human_time (total);
  printf ("exec all %d notebooks: %s (goal for the lesson's three texts: <= 50 ms)\n", argc - 1, h);
  return 0;
}

/* ---- weights: opening any weights file, headless ---------------------------- */

/* VmRSS (all resident pages) and RssAnon (those not backed by a file: our
 * own memory, not the mapped checkpoint's pages) of this process, in bytes. */
static void
rss_now (guint64 *rss, guint64 *anon)
{
  g_autofree char *status = NULL;
  *rss = *anon = 0;
  if (g_file_get_contents ("/proc/self/status", &status, NULL, NULL))
    {
      const char *r = strstr (status, "VmRSS:"), *h = strstr (status, "RssAnon:");
      if (r)
        *rss = g_ascii_strtoull (r + 6, NULL, 10) * 1024;
      if (h)
        *anon = g_ascii_strtoull (h + 8, NULL, 10) * 1024;
    }
}

static char *tree_goal_s, *rss_goal_s;

static int
cmd_weights (int argc, char **argv)
{
  static const GOptionEntry entries[] = {
    { "tree-goal", 0, 0, G_OPTION_ARG_STRING, &tree_goal_s, "Goal for open + tree, seconds "
      "(default 1)", "S" },
    { "rss-goal", 0, 0, G_OPTION_ARG_STRING, &rss_goal_s, "Goal for the peak RSS, MB "
      "(default 200)", "MB" },
    { NULL }
  };
  GError *error = NULL;
  int status = ps_cli_parse ("weights", "FILE...", "Open weights files headless and time the "
                             "tree and one heatmap.", NULL, entries, 1, 64, &argc, &argv);
  double tree_goal = 1, rss_goal = 200;
  int failed = 0;

  if (status >= 0)
    return status;
  if ((tree_goal_s && !ps_cli_double ("--tree-goal", tree_goal_s, &tree_goal))
      || (rss_goal_s && !ps_cli_double ("--rss-goal", rss_goal_s, &rss_goal)))
    return 2;
  for (int i = 1; i < argc; i++)
    {
      guint64 rss0, peak0, rss1, peak1, rss2, peak2;   /* peak: RssAnon */
      double t0, t1, t2;
      g_autoptr (PsCheckpoint) ck = NULL;
      const PsCheckpointNode *root;
      const PsSafetensorsEntry *big = NULL;
      PsSafetensors *st;
      float pooled[512 * 512];
      PsPoolScratch scratch = { 0 };
      PsCheckpointView v;
      PsSlice slice;

      rss_now (&rss0, &peak0);
      t0 = ps_cli_now ();
      ck = ps_checkpoint_open (argv[i], &error);
      if (ck == NULL)
        return ps_cli_fail (error);
      root = ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_NATURAL);
      (void) ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_FILE);
      t1 = ps_cli_now ();
      rss_now (&rss1, &peak1);
      st = ps_checkpoint_get_safetensors (ck);
      for (guint k = 0; k < ps_safetensors_get_n (st); k++)
        if (big == NULL || ps_safetensors_get (st, k)->numel > big->numel)
          big = ps_safetensors_get (st, k);
      if (big != NULL)
        {
          ps_checkpoint_view_init_default (&v, big);
          ps_checkpoint_view_get_slice (ck, &v, &slice);
          ps_pool_slice (&slice, 0, 0, v.rows, v.cols, pooled, (int) MIN (v.rows, 512),
                         (int) MIN (v.cols, 512), &scratch);
          ps_pool_scratch_clear (&scratch);
        }
      t2 = ps_cli_now ();
      rss_now (&rss2, &peak2);
      {
        g_autofree char *size = g_format_size (ps_checkpoint_get_size (ck));
        g_autofree char *a = ps_cli_human_time (t1 - t0);
        g_autofree char *b = ps_cli_human_time (t2 - t1);
        gboolean ok_t = t1 - t0 <= tree_goal, ok_m = rss1 / 1e6 <= rss_goal;
        printf ("file        %s: %s, %s, %u tensors, %.3g parameters\n", argv[i],
                ps_safetensors_get_format (st), size, root->n_tensors, (double) root->numel);
        printf ("tree        %s (goal <= %.3g s) %s\n", a, tree_goal, ok_t ? "ok" : "FAILED");
        if (big)
          {
            g_autofree char *shape = ps_shape_to_string (big->ndim, big->shape);
            printf ("heatmap     %s of %s %s pooled to %d x %d: %s\n", big->dtype_name,
                    big->name, shape, (int) MIN (v.rows, 512), (int) MIN (v.cols, 512), b);
          }
        printf ("memory      RSS %.1f MB with the tree (goal <= %.0f MB) %s; after the heatmap "
                "%.1f MB, of which %.1f MB our own (the rest: pages of the mapped file, "
                "reclaimable)\n", rss1 / 1e6, rss_goal, ok_m ? "ok" : "FAILED", rss2 / 1e6,
                peak2 / 1e6);
        failed |= !ok_t || !ok_m;
      }
    }
  return failed;
}

/* ---- the subcommands ----------------------------------------------------- */

static const struct
{
  const char *name, *usage;
  int (*main) (int argc, char **argv);
} commands[] = {
  { "step", "MODEL --batch B [--input X] [--steps N] [--seed N]", cmd_step },
  { "lenet-kernels", "[--steps N]", cmd_lenet_kernels },
  { "render", "N [--steps K] [--seed N]", cmd_render },
  { "checkpoint", "FILE [--tensor NAME]...", cmd_checkpoint },
  { "live", "MODEL [--seconds S] [--batch B] [--bench-page N]", cmd_live },
  { "tensor", "", cmd_tensor },
  { "exec", "NOTEBOOK... [--runs N]", cmd_exec },
  { "weights", "FILE... [--tree-goal S] [--rss-goal MB]", cmd_weights },
};

int
main (int argc, char **argv)
{
  gboolean help = argc >= 2 && (strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0);
  FILE *to = help ? stdout : stderr;

  setlocale (LC_ALL, "");
  ps_cli_set_name ("paramscope-bench");
  if (argc >= 2 && !help)
    {
      for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
        if (strcmp (argv[1], commands[i].name) == 0)
          {
            argv[1] = argv[0];           /* the benchmark's own argv */
            return commands[i].main (argc - 1, argv + 1);
          }
      return ps_cli_usage_error ("unknown benchmark \"%s\"", argv[1]);
    }
  fputs ("Usage:\n", to);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    fprintf (to, "  paramscope-bench %-10s %s\n", commands[i].name, commands[i].usage);
  fputs ("  paramscope-bench BENCHMARK --help     # its options\n", to);
  return help ? 0 : 2;
}
