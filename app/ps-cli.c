/* ps-cli.c — messages, option parsing and the step benchmark shared by
 * paramscope-cli's subcommands (see ps-cli.h) */
#include "ps-cli.h"

#include <cblas.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *program = PS_CLI_NAME;

void
ps_cli_set_name (const char *name)
{
  program = name;
}

int
ps_cli_usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fprintf (stderr, "%s: ", program);
  vfprintf (stderr, fmt, ap);
  fprintf (stderr, "\n(run %s --help for usage)\n", program);
  va_end (ap);
  return 2;
}

int
ps_cli_fail (GError *error)
{
  fprintf (stderr, "%s: %s\n", program, error->message);
  g_error_free (error);
  return 1;
}

int
ps_cli_report (int status, GError *error)
{
  if (status == 0)
    return 0;
  if (status == 2)
    {
      ps_cli_usage_error ("%s", error->message);
      g_error_free (error);
      return 2;
    }
  return ps_cli_fail (error);
}

gboolean
ps_cli_double (const char *opt, const char *s, double *out)
{
  char *end;

  if (s == NULL)
    return TRUE;
  errno = 0;
  *out = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite (*out))
    {
      ps_cli_usage_error ("%s takes a finite number, got \"%s\"", opt, s);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_cli_int (const char *opt, const char *s, gint64 min, gint64 max, gint64 *out)
{
  char *end;

  if (s == NULL)
    return TRUE;
  errno = 0;
  *out = g_ascii_strtoll (s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || *out < min || *out > max)
    {
      ps_cli_usage_error ("%s takes an integer between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                          ", got \"%s\"", opt, min, max, s);
      return FALSE;
    }
  return TRUE;
}

int
ps_cli_parse (const char *cmd, const char *args, const char *summary, const char *description,
              const GOptionEntry *entries, int min_args, int max_args, int *argc, char ***argv)
{
  g_autofree char *prog = g_strdup_printf ("%s %s", program, cmd);
  g_autoptr (GOptionContext) ctx = g_option_context_new (args);
  g_autoptr (GError) error = NULL;
  int n;

  /* --help's usage line: "paramscope-cli CMD [OPTION…] ARGS" */
  g_set_prgname (prog);
  if (summary)
    g_option_context_set_summary (ctx, summary);
  if (description)
    g_option_context_set_description (ctx, description);
  if (entries)
    g_option_context_add_main_entries (ctx, entries, NULL);
  /* our own message for an unknown option, naming the command */
  g_option_context_set_ignore_unknown_options (ctx, TRUE);
  if (!g_option_context_parse (ctx, argc, argv, &error))
    return ps_cli_usage_error ("%s: %s", cmd, error->message);
  for (int i = 1; i < *argc; i++)
    if ((*argv)[i][0] == '-' && (*argv)[i][1] != '\0')
      return ps_cli_usage_error ("%s: unknown option %s", cmd, (*argv)[i]);
  n = *argc - 1;
  if (n < min_args)
    return ps_cli_usage_error ("%s: missing %s", cmd, args);
  if (n > max_args)
    return ps_cli_usage_error ("%s: unexpected argument \"%s\"", cmd, (*argv)[1 + max_args]);
  return -1;
}

/* ---- benchmarks ----------------------------------------------------------- */

double
ps_cli_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* the CPU time of every thread of the process: a step's work, less the time
 * a loaded machine kept it waiting */
static double
cpu_now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

double
ps_cli_median (double *v, gint64 n)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

char *
ps_cli_human_time (double s)
{
  if (s < 1e-6)
    return g_strdup_printf ("%.1f ns", s * 1e9);
  if (s < 1e-3)
    return g_strdup_printf ("%.2f us", s * 1e6);
  if (s < 1)
    return g_strdup_printf ("%.3f ms", s * 1e3);
  return g_strdup_printf ("%.3f s", s);
}

/* ---- the step benchmark ------------------------------------------------- */

typedef struct
{
  int64_t in, out;
} LinearShape;

static void
collect_linears (PsModule *m, GArray *out)
{
  if (ps_module_get_kind (m) == PS_MODULE_SEQUENTIAL)
    for (guint i = 0; i < ps_module_get_n_children (m); i++)
      collect_linears (ps_module_get_child (m, i), out);
  else if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      LinearShape s = { ps_module_get_in_features (m), ps_module_get_out_features (m) };
      g_array_append_val (out, s);
    }
}

/* The batch: B samples whose shape (after the batch dimension) and values
 * come from the tensor "input" of input_path, repeated; without a file,
 * B x in_features of the first Linear, uniform in [0, 1). */
static PsTensor *
bench_input (PsModule *net, const char *input_path, gint64 B, PsRng *rng, GError **error)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  PsTensor *x;

  if (input_path)
    {
      g_autoptr (PsSafetensors) st = ps_safetensors_open (input_path, error);
      g_autoptr (PsTensor) src = NULL;
      int64_t per;
      if (st == NULL)
        return NULL;
      src = ps_safetensors_load_tensor (st, "input", error);
      if (src == NULL)
        return NULL;
      if (src->ndim < 1 || src->shape[0] < 1 || src->numel < 1)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: input needs a batch dimension and "
                       "at least one sample", input_path);
          return NULL;
        }
      memcpy (shape, src->shape, sizeof shape);
      per = src->numel / src->shape[0];
      if ((double) B * (double) per > (double) (1 << 28))
        goto too_large;
      shape[0] = B;
      x = ps_tensor_new (src->ndim, shape);
      if (x == NULL)
        goto too_large;
      for (gint64 b = 0; b < B; b++)
        memcpy (x->data + b * per, src->data + (b % src->shape[0]) * per,
                (size_t) per * sizeof (float));
      return x;
    }
  {
    g_autoptr (GArray) lin = g_array_new (FALSE, FALSE, sizeof (LinearShape));
    int64_t fin;
    collect_linears (net, lin);
    if (lin->len == 0 || g_array_index (lin, LinearShape, 0).in == 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "bench needs --input X.safetensors for a "
                     "model whose first layer is not a Linear with known in_features");
        return NULL;
      }
    fin = g_array_index (lin, LinearShape, 0).in;
    if ((double) B * (double) fin > (double) (1 << 28))
      goto too_large;
    x = ps_tensor_new_2d (B, fin);
    if (x == NULL)
      goto too_large;
    ps_rng_fill_uniform (rng, x->data, x->numel, 0, 1);
    return x;
  }
too_large:
  g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "bench: a batch of %" G_GINT64_FORMAT
               " samples is too large", B);
  return NULL;
}

/* "784-1024-1024-10" for Linear layers alone, else "1x28x28 -> 10" */
static char *
bench_arch (PsModule *net, const PsTensor *x, const PsTensor *y)
{
  GString *s = g_string_new (NULL);
  g_autoptr (GArray) lin = g_array_new (FALSE, FALSE, sizeof (LinearShape));

  collect_linears (net, lin);
  if (x->ndim == 2 && lin->len > 0 && g_array_index (lin, LinearShape, 0).in == x->shape[1]
      && y->ndim == 2 && g_array_index (lin, LinearShape, lin->len - 1).out == y->shape[1])
    {
      g_string_append_printf (s, "%" G_GINT64_FORMAT, x->shape[1]);
      for (guint l = 0; l < lin->len; l++)
        g_string_append_printf (s, "-%" G_GINT64_FORMAT, g_array_index (lin, LinearShape, l).out);
      return g_string_free (s, FALSE);
    }
  for (int i = 1; i < x->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 1 ? "x" : "", x->shape[i]);
  g_string_append (s, " -> ");
  for (int i = 1; i < y->ndim; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i > 1 ? "x" : "", y->shape[i]);
  return g_string_free (s, FALSE);
}

/* each recorded call timed alone (the median of n runs), in the step's order */
static void
bench_per_call (GArray *gemms, float **bufs, gint64 n)
{
  double *t = g_new (double, n), total = 0;

  printf ("%-5s %-5s %7s %7s %7s %10s %8s\n", "call", "op", "M", "N", "K", "ms", "GFLOP/s");
  for (guint l = 0; l < gemms->len; l++)
    {
      PsGemmShape *g = &g_array_index (gemms, PsGemmShape, l);
      float **b = bufs + 3 * l;
      double med;
      for (gint64 s = 0; s < n; s++)
        {
          double ts = ps_cli_now ();
          ps_sgemm (g->trans_a, g->trans_b, g->M, g->N, g->K, 1.f, b[0],
                    g->trans_a ? g->M : g->K, b[1], g->trans_b ? g->K : g->N, g->beta, b[2], g->N);
          t[s] = ps_cli_now () - ts;
        }
      med = ps_cli_median (t, n);
      total += med;
      printf ("%-5u %c%c%-3s %7d %7d %7d %10.3f %8.1f\n", l, g->trans_a ? 'T' : 'N',
              g->trans_b ? 'T' : 'N', g->beta != 0.f ? "+=" : "", g->M, g->N, g->K, med * 1e3,
              2.0 * g->M * g->N * g->K / MAX (med, 1e-12) * 1e-9);
    }
  printf ("calls       %.3f ms, the sum of the medians\n", total * 1e3);
  g_free (t);
}

int
ps_cli_bench_step (const char *path, const char *input_path, gint64 batch, gint64 n_steps,
                   guint64 seed, guint64 (*count_allocs) (void), gboolean per_call,
                   GError **error)
{
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (PsTensor) x = NULL, t = NULL;
  g_autoptr (GArray) gemms = g_array_new (FALSE, FALSE, sizeof (PsGemmShape));
  g_autofree char *arch = NULL;
  PsOptimConfig cfg;
  const PsTensor *y;
  gint64 steps, reps, B = batch;
  double *times, *floor_times, *cpu_times, step_med, floor_med, cpu_med;
  PsTrainStep step;
  guint64 a0, a1 = 0;
  float **bufs;
  gboolean classes;
  g_autofree char *s1 = NULL, *s2 = NULL;

  g_return_val_if_fail (B > 0, 2);
  ps_rng_seed (&rng, seed);
  net = ps_model_load_file (path, &rng, NULL, error);
  if (net == NULL)
    return 1;
  x = bench_input (net, input_path, B, &rng, error);
  if (x == NULL)
    return input_path ? 1 : 2;
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, error);
  if (y == NULL)
    return 1;
  arch = bench_arch (net, x, y);
  /* a classifier's step (the output (B, C) with an --input): cross-entropy
   * with class indices, as the PyTorch it is compared with; else mse */
  classes = input_path != NULL && y->ndim == 2 && y->shape[1] > 1;
  if (classes)
    {
      t = ps_tensor_new_1d (B);
      for (gint64 b = 0; b < B; b++)
        t->data[b] = (float) (ps_rng_u32 (&rng) % (uint32_t) y->shape[1]);
    }
  else
    {
      t = ps_tensor_new (y->ndim, y->shape);
      ps_rng_fill_uniform (&rng, t->data, t->numel, 0, 1);
    }
  ps_optim_config_init (&cfg, PS_OPTIM_SGD, 1e-6);
  opt = ps_optimizer_new (net, &cfg, error);
  if (opt == NULL)
    return 1;
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .target = t,
                         .loss = classes ? PS_LOSS_CROSS_ENTROPY : PS_LOSS_MSE };

  /* the number of timed steps: a second of steps, at least 11 */
  {
    double t0 = ps_cli_now ();
    for (int i = 0; i < 3; i++)
      ps_train_step (&step, NULL, NULL);
    double each = MAX ((ps_cli_now () - t0) / 3, 1e-9);
    reps = n_steps > 0 ? n_steps : CLAMP ((gint64) (1.0 / each), 11, 2000001);
  }
  steps = reps;

  /* the step's own sgemm calls, recorded once: the floor replays them */
  ps_sgemm_record (gemms);
  ps_train_step (&step, NULL, NULL);
  ps_sgemm_record (NULL);

  /* tiny networks: time batches of steps so the clock's resolution does not matter */
  {
    gint64 inner = 1;
    double t0 = ps_cli_now ();
    ps_train_step (&step, NULL, NULL);
    if (ps_cli_now () - t0 < 20e-6)
      inner = 1000;
    if (inner > 1)
      steps = MAX (11, steps / inner);
    times = g_new (double, steps);
    floor_times = g_new (double, steps);
    cpu_times = g_new (double, steps);

    /* buffers of each call's shapes, holding data as the step's do: untouched
     * calloc memory would read as the kernel's one zero page, always in cache */
    bufs = g_new0 (float *, gemms->len * 3);
    for (guint l = 0; l < gemms->len; l++)
      {
        PsGemmShape *g = &g_array_index (gemms, PsGemmShape, l);
        int64_t na = (int64_t) g->M * g->K, nb = (int64_t) g->K * g->N, nc = (int64_t) g->M * g->N;
        bufs[3 * l + 0] = g_new (float, MAX (na, 1));
        bufs[3 * l + 1] = g_new (float, MAX (nb, 1));
        bufs[3 * l + 2] = g_new0 (float, MAX (nc, 1));
        ps_rng_fill_uniform (&rng, bufs[3 * l + 0], na, -1, 1);
        ps_rng_fill_uniform (&rng, bufs[3 * l + 1], nb, -1, 1);
      }

    /* step and floor alternate, so that a noisy machine slows both alike */
    a1 = 0;
    for (gint64 s = -1; s < steps; s++)
      {
        double ts = ps_cli_now (), tc = cpu_now ();
        a0 = count_allocs ? count_allocs () : 0;
        for (gint64 k = 0; k < inner; k++)
          ps_train_step (&step, NULL, NULL);
        if (s >= 0)
          {
            times[s] = (ps_cli_now () - ts) / (double) inner;
            cpu_times[s] = (cpu_now () - tc) / (double) inner;
            a1 += count_allocs ? count_allocs () - a0 : 0;
          }
        ts = ps_cli_now ();
        for (gint64 k = 0; k < inner; k++)
          for (guint l = 0; l < gemms->len; l++)
            {
              PsGemmShape *g = &g_array_index (gemms, PsGemmShape, l);
              float **b = bufs + 3 * l;
              ps_sgemm (g->trans_a, g->trans_b, g->M, g->N, g->K, 1.f, b[0],
                        g->trans_a ? g->M : g->K, b[1], g->trans_b ? g->K : g->N, g->beta, b[2],
                        g->N);
            }
        if (s >= 0)
          floor_times[s] = (ps_cli_now () - ts) / (double) inner;
      }
    step_med = ps_cli_median (times, steps);
    floor_med = ps_cli_median (floor_times, steps);
    cpu_med = ps_cli_median (cpu_times, steps);
    if (per_call)
      bench_per_call (gemms, bufs, steps);
    for (guint i = 0; i < gemms->len * 3; i++)
      g_free (bufs[i]);
    g_free (bufs);
    reps = steps * inner;
  }

  {
    guint n_lazy;
    int64_t n_params = ps_module_count_params (net, &n_lazy);
    s1 = ps_cli_human_time (step_med);
    s2 = ps_cli_human_time (floor_med);
    printf ("model       %s (%" G_GINT64_FORMAT " parameters), batch %" G_GINT64_FORMAT "\n",
            arch, n_params, B);
    {
      const char *chosen_by, *core = ps_blas_core (&chosen_by);
      printf ("steps       %" G_GINT64_FORMAT " timed, OpenBLAS core %s (%s), %d OpenBLAS threads\n",
              reps, core, chosen_by, openblas_get_num_threads ());
    }
    printf ("step        %s median (forward, %s, backward, sgd)\n", s1,
            classes ? "cross_entropy" : "mse");
    {
      g_autofree char *s3 = ps_cli_human_time (cpu_med);
      printf ("step cpu    %s median (CPU time of all threads in a step)\n", s3);
    }
    printf ("sgemm       %s median (the same %u cblas_sgemm calls alone)\n", s2, gemms->len);
    printf ("ratio       %.3f (step / sgemm)\n", step_med / floor_med);
    if (count_allocs)
      printf ("allocations %.3f per steady-state step (%" G_GUINT64_FORMAT " in %" G_GINT64_FORMAT
              " steps%s)\n", (double) a1 / (double) reps, a1, reps,
              a1 ? "; OpenBLAS's threaded driver mallocs a job block per call, "
                   "OPENBLAS_NUM_THREADS=1 shows ParamScope's own count" : "");
  }
  g_free (times);
  g_free (floor_times);
  g_free (cpu_times);
  return 0;
}
