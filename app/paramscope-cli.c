/* paramscope-cli — the headless ParamScope: print, names, init, run, train,
 * inspect, bench, render and exec.  The contract is in DESIGN.md; scripts rely on it.
 *
 * Each subcommand parses its own options with a GOptionContext (so
 * `paramscope-cli SUBCOMMAND --help` shows its usage) and is one row of the
 * table at the end of this file.  A subcommand written elsewhere (its own
 * app/ps-cli-NAME.c) is a function int NAME (int argc, char **argv), argv[0]
 * being the program, that parses with ps_cli_parse (ps-cli.h); its row names
 * it as `main`. */
#include "ps-cli.h"
#include "ps-heatmap-draw.h"

#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

/* ---- options ------------------------------------------------------------ */

/* Every option of every subcommand, as given; each subcommand's table below
 * points into it.  Numbers stay text until checked (ps_cli_int / _double),
 * so that their messages name the option and the range. */
typedef struct
{
  const char *model;
  char       *input, *target, *weights, *out, *loss, *optimizer, *log, *param, *data;
  char      **inits;             /* "PATTERN=SCHEME", in order */
  gboolean    state_dict, shapes, grad, colorbar;
  char       *seed_s, *lr_s, *momentum_s, *weight_decay_s, *steps_s, *batch_s, *cell_s;
  char       *samples_s;
  /* checked */
  guint64     seed;
  double      lr, momentum, weight_decay;
  gint64      steps, batch, cell, samples;
} Opts;

static Opts opts;

#define OPT_FILE(long_name, short_name, field, help, arg) \
  { long_name, short_name, 0, G_OPTION_ARG_FILENAME, &opts.field, help, arg }
#define OPT_TEXT(long_name, field, help, arg) \
  { long_name, 0, 0, G_OPTION_ARG_FILENAME, &opts.field, help, arg }
#define OPT_FLAG(long_name, field, help) \
  { long_name, 0, 0, G_OPTION_ARG_NONE, &opts.field, help, NULL }

#define SEED_ENTRY    OPT_TEXT ("seed", seed_s, "Seed the generator as torch.manual_seed(N) (default 0)", "N")
#define OUT_ENTRY(what) OPT_FILE ("output", 'o', out, "Write " what " to OUT", "OUT")
#define INPUT_ENTRY   OPT_FILE ("input", 0, input, "The tensor \"input\" of a safetensors file", "X")
#define TARGET_ENTRY  OPT_FILE ("target", 0, target, "The tensor \"target\" of a safetensors file", "T")
#define WEIGHTS_ENTRY OPT_FILE ("weights", 0, weights, "Load these weights first (strictly)", "W")

static const GOptionEntry names_entries[] = {
  OPT_FLAG ("state-dict", state_dict, "List the state_dict() keys (tied ones under each name)"),
  OPT_FLAG ("shapes", shapes, "After each key, a tab, its shape as torch.Size lists it "
            "([64, 3, 7, 7]), a tab and its dtype (F32, I64)"),
  OPT_FILE ("weights", 0, weights, "Take the own parameters of classes the model's text cannot "
            "tell (a ViT's class_token) from this weights file", "W"),
  { NULL }
};

static const GOptionEntry init_entries[] = {
  SEED_ENTRY,
  { "init", 0, 0, G_OPTION_ARG_FILENAME_ARRAY, &opts.inits,
    "Initialize the state_dict keys matching PATTERN with SCHEME (repeatable, in order)",
    "PATTERN=SCHEME" },
  OUT_ENTRY ("the state_dict (safetensors)"),
  { NULL }
};

static const GOptionEntry run_entries[] = {
  INPUT_ENTRY,
  WEIGHTS_ENTRY,
  OPT_TEXT ("loss", loss, "Then backward from this loss: sum, mse, cross_entropy, nll or "
            "bce_logits", "LOSS"),
  TARGET_ENTRY,
  SEED_ENTRY,
  OUT_ENTRY ("output, loss, the state_dict and its gradients (safetensors)"),
  { NULL }
};

static const GOptionEntry train_entries[] = {
  INPUT_ENTRY,
  TARGET_ENTRY,
  OPT_TEXT ("data", data, "Or train on data made here, as the window's Train panel does "
            "(seeded by --seed): random, teacher, spiral, digits or chars", "KIND"),
  OPT_TEXT ("samples", samples_s, "Samples of --data (default 64)", "N"),
  OPT_TEXT ("loss", loss, "mse, sum, cross_entropy, nll or bce_logits", "LOSS"),
  OPT_TEXT ("lr", lr_s, "Learning rate", "LR"),
  OPT_TEXT ("momentum", momentum_s, "SGD's momentum (default 0)", "M"),
  OPT_TEXT ("optimizer", optimizer, "sgd (default) or adam", "NAME"),
  OPT_TEXT ("weight-decay", weight_decay_s, "Weight decay (default 0)", "WD"),
  OPT_FILE ("log", 0, log, "Write each step's loss and gradient norms as CSV", "FILE.csv"),
  OPT_TEXT ("steps", steps_s, "Optimizer steps", "N"),
  WEIGHTS_ENTRY,
  SEED_ENTRY,
  OUT_ENTRY ("the state_dict after the last step and loss_history (safetensors)"),
  { NULL }
};

static const GOptionEntry bench_entries[] = {
  OPT_TEXT ("batch", batch_s, "Samples per step", "B"),
  OPT_FILE ("input", 0, input, "The shape and values of a sample: the tensor \"input\" of a "
            "safetensors file (repeated to B samples)", "X"),
  OPT_TEXT ("steps", steps_s, "Timed steps (default: about a second's worth)", "N"),
  SEED_ENTRY,
  { NULL }
};

static const GOptionEntry render_entries[] = {
  WEIGHTS_ENTRY,
  INPUT_ENTRY,
  OPT_TEXT ("loss", loss, "Backward from this loss first: sum or mse", "LOSS"),
  TARGET_ENTRY,
  OPT_TEXT ("param", param, "The parameter: a state_dict key or an index path (net[0].weight)",
            "KEY"),
  OPT_FLAG ("grad", grad, "Draw its gradient"),
  SEED_ENTRY,
  OPT_TEXT ("cell", cell_s, "Pixels a cell (default 16)", "PX"),
  OPT_FLAG ("colorbar", colorbar, "Add the colour scale"),
  OUT_ENTRY ("the PNG"),
  { NULL }
};

static const char *schemes_text =
  "Initializer schemes: default, uniform, normal, constant, ones, zeros, eye, xavier_uniform,\n"
  "xavier_normal, kaiming_uniform, kaiming_normal, trunc_normal, orthogonal, sparse,\n"
  "d2l_custom, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal,\n"
  "lecun_uniform, random_normal, random_uniform, truncated_normal: NAME or NAME(ARGS),\n"
  "e.g. --init '*weight=normal(mean=0, std=0.01)' --init '*bias=zeros'.\n";

/* The numbers of the options, checked; FALSE after a usage error. */
static gboolean
check_numbers (void)
{
  gint64 seed = 0;

  opts.cell = 16;
  opts.samples = 64;
  if (!ps_cli_int ("--seed", opts.seed_s, 0, G_MAXINT64, &seed)
      || !ps_cli_double ("--lr", opts.lr_s, &opts.lr)
      || !ps_cli_double ("--momentum", opts.momentum_s, &opts.momentum)
      || !ps_cli_double ("--weight-decay", opts.weight_decay_s, &opts.weight_decay)
      || !ps_cli_int ("--steps", opts.steps_s, 1, 100000000, &opts.steps)
      || !ps_cli_int ("--batch", opts.batch_s, 1, 1 << 20, &opts.batch)
      || !ps_cli_int ("--cell", opts.cell_s, 1, 256, &opts.cell)
      || !ps_cli_int ("--samples", opts.samples_s, 1, 1 << 20, &opts.samples))
    return FALSE;
  opts.seed = (guint64) seed;
  return TRUE;
}

static int
usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  return ps_cli_usage_error ("%s", msg);
}

#define fail ps_cli_fail

/* ---- helpers ------------------------------------------------------------ */

static PsModule *
load_model (const char *path, PsRng *rng, GError **error)
{
  return ps_model_load_file (path, rng, NULL, error);
}

/* The tensor `name` of a safetensors file, with a message naming what exists. */
static PsTensor *
load_named (const char *path, const char *name, GError **error)
{
  g_autoptr (PsSafetensors) st = ps_weights_open (path, error);
  PsTensor *t;

  if (st == NULL)
    return NULL;
  if (ps_safetensors_resolve (st, name) == NULL)
    {
      GString *names = g_string_new (NULL);
      for (guint i = 0; i < ps_safetensors_get_n (st) && i < 10; i++)
        g_string_append_printf (names, "%s\"%s\"", i ? ", " : "", ps_safetensors_get (st, i)->name);
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s has no tensor \"%s\" (it has: %s)", path,
                   name, names->len ? names->str : "no tensors");
      g_string_free (names, TRUE);
      return NULL;
    }
  t = ps_safetensors_load_tensor (st, name, error);
  if (t)
    for (int64_t i = 0; i < t->numel; i++)
      if (!isfinite (t->data[i]))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: tensor \"%s\" holds a non-finite "
                       "value (element %" G_GINT64_FORMAT ")", path, name, i);
          ps_tensor_unref (t);
          return NULL;
        }
  return t;
}

static gboolean
load_weights (PsModule *net, const char *path, GError **error)
{
  g_autoptr (PsSafetensors) st = ps_weights_open (path, error);
  if (st)
    ps_module_adopt_weights (net, st);     /* the own parameters the model's text cannot tell */
  return st && ps_module_load_state_dict (net, st, error);
}

/* Collect state_dict (+ grad.KEY) tensors for writing. */
static void
add_state (PsModule *net, GPtrArray *names, GPtrArray *tensors, gboolean grads)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      if (ps_param_get_data (np->param))
        {
          g_ptr_array_add (names, g_strdup (np->name));
          g_ptr_array_add (tensors, ps_tensor_ref (ps_param_get_data (np->param)));
        }
    }
  if (grads)
    for (guint i = 0; i < sd->len; i++)
      {
        PsNamedParam *np = sd->pdata[i];
        if (ps_param_get_grad (np->param))
          {
            g_ptr_array_add (names, g_strconcat ("grad.", np->name, NULL));
            g_ptr_array_add (tensors, ps_tensor_ref (ps_param_get_grad (np->param)));
          }
      }
}

static gboolean
write_out (const char *path, GPtrArray *names, GPtrArray *tensors, GError **error)
{
  return ps_safetensors_write (path, names->len, (const char *const *) names->pdata,
                               (PsTensor *const *) tensors->pdata, NULL, error);
}

static gboolean
check_initialized (PsModule *net, const char *what, GError **error)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  for (guint i = 0; i < np->len; i++)
    if (!ps_param_is_initialized (((PsNamedParam *) np->pdata[i])->param))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                     "%s is uninitialized (a lazy layer has no in_features yet); %s",
                     ((PsNamedParam *) np->pdata[i])->name, what);
        return FALSE;
      }
  return TRUE;
}

/* A note on stderr naming the classes whose own parameters the model's text
 * cannot tell (read from a repr: torchvision's Conv2dNormActivation...). */
static void
note_unknown_classes (PsModule *net)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (net);
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GHashTable) counts = g_hash_table_new (g_str_hash, g_str_equal);
  GString *s;

  for (guint i = 0; i < mods->len; i++)
    {
      PsModule *m = ((PsNamedModule *) mods->pdata[i])->module;
      const char *t = ps_module_get_type_name (m);
      if (ps_module_get_params_known (m))
        continue;
      if (!g_hash_table_contains (counts, t))
        g_ptr_array_add (names, (gpointer) t);
      g_hash_table_insert (counts, (gpointer) t,
                           GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (counts, t)) + 1));
    }
  if (names->len == 0)
    return;
  s = g_string_new (NULL);
  for (guint i = 0; i < names->len; i++)
    g_string_append_printf (s, "%s%s (%u)", i ? ", " : "", (char *) names->pdata[i],
                            GPOINTER_TO_UINT (g_hash_table_lookup (counts, names->pdata[i])));
  fprintf (stderr, "%s: note: no known parameters of their own for %s\n", PS_CLI_NAME, s->str);
  g_string_free (s, TRUE);
}

/* ---- commands ----------------------------------------------------------- */

static int
cmd_print (Opts *o)
{
  GError *error = NULL;
  g_autoptr (PsModule) net = NULL;
  g_autofree char *text = NULL;

  net = load_model (o->model, NULL, &error);     /* printing needs no values: nothing allocated */
  if (net == NULL)
    return fail (error);
  text = ps_module_repr (net);
  printf ("%s\n", text);
  note_unknown_classes (net);
  return 0;
}

static int
cmd_names (Opts *o)
{
  GError *error = NULL;
  g_autoptr (PsModule) net = load_model (o->model, NULL, &error);
  g_autoptr (GPtrArray) list = NULL;

  if (net == NULL)
    return fail (error);
  if (o->weights)
    {
      /* shapes only: the file is mapped, nothing is read or allocated */
      g_autoptr (PsSafetensors) st = ps_weights_open (o->weights, &error);
      if (st == NULL)
        return fail (error);
      ps_module_adopt_weights (net, st);
    }
  list = o->state_dict ? ps_module_state_dict (net) : ps_module_named_parameters (net);
  note_unknown_classes (net);
  /* shapes only: a model of any size is named without allocating its weights */
  for (guint i = 0; i < list->len; i++)
    {
      PsNamedParam *np = list->pdata[i];
      if (o->shapes)
        {
          int64_t shape[PS_TENSOR_MAX_DIMS];
          int ndim = ps_param_get_shape (np->param, shape);
          g_autofree char *s = ndim < 0 ? g_strdup ("uninitialized") : ps_shape_to_string (ndim, shape);
          printf ("%s\t%s\t%s\n", np->name, s, ps_dtype_name (ps_param_get_dtype (np->param)));
        }
      else
        printf ("%s\n", np->name);
    }
  return 0;
}

static gboolean
apply_inits (PsModule *net, char **inits, PsRng *rng, GError **error)
{
  for (guint i = 0; inits && inits[i]; i++)
    {
      const char *spec = inits[i];
      const char *eq = strchr (spec, '=');
      g_autofree char *pattern = NULL;
      g_autoptr (PsInitScheme) scheme = NULL;
      int n;

      if (eq == NULL || eq == spec)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                       "--init '%s': write PATTERN=SCHEME, e.g. '*weight=normal(mean=0, std=0.01)'",
                       spec);
          return FALSE;
        }
      pattern = g_strndup (spec, eq - spec);
      scheme = ps_init_scheme_parse (eq + 1, error);
      if (scheme == NULL)
        {
          g_prefix_error (error, "--init '%s': ", spec);
          return FALSE;
        }
      n = ps_init_apply_pattern (net, pattern, scheme, rng, error);
      if (n < 0)
        {
          g_prefix_error (error, "--init '%s': ", spec);
          return FALSE;
        }
      if (n == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_KEY,
                       "--init '%s': no state_dict key matches '%s' (see paramscope-cli names "
                       "--state-dict)", spec, pattern);
          return FALSE;
        }
    }
  return TRUE;
}

static int
cmd_init (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  g_autoptr (PsModule) net = NULL;

  if (o->out == NULL)
    return usage_error ("init needs -o OUT.safetensors");
  ps_rng_seed (&rng, o->seed);
  net = load_model (o->model, &rng, &error);
  if (net == NULL)
    return fail (error);
  if (!check_initialized (net, "init cannot save it (run the model with an input first: "
                          "paramscope-cli run)", &error)
      || !apply_inits (net, o->inits, &rng, &error)
      || !ps_module_save_state_dict (net, o->out, &error))
    return fail (error);
  return 0;
}

typedef struct
{
  PsModule *net;
  PsTensor *x, *t;
  PsLossKind loss;
  gboolean have_loss;
} Prepared;

static void
prepared_clear (Prepared *p)
{
  if (p->net)
    ps_module_unref (p->net);
  ps_tensor_unref (p->x);
  ps_tensor_unref (p->t);
}

static gboolean
prepare (Opts *o, PsRng *rng, Prepared *p, GError **error)
{
  if (o->loss)
    {
      if (!ps_loss_kind_from_string (o->loss, &p->loss))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       "unknown loss \"%s\" (sum, mse, cross_entropy, nll or bce_logits)", o->loss);
          return FALSE;
        }
      p->have_loss = TRUE;
      if (p->loss != PS_LOSS_SUM && o->target == NULL && o->data == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "--loss %s needs --target T.safetensors",
                       o->loss);
          return FALSE;
        }
    }
  p->net = load_model (o->model, rng, error);
  if (p->net == NULL)
    return FALSE;
  if (o->data)
    {
      PsDataKind kind;
      if (!ps_data_kind_from_string (o->data, &kind))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "--data \"%s\": random, teacher, spiral, "
                       "digits or chars", o->data);
          return FALSE;
        }
      if (o->weights && !load_weights (p->net, o->weights, error))
        return FALSE;
      if (!ps_data_generate (kind, p->net, o->samples, o->seed, p->loss, &p->x, &p->t, error))
        {
          g_prefix_error (error, "--data %s: ", o->data);
          return FALSE;
        }
      return TRUE;
    }
  p->x = load_named (o->input, "input", error);
  if (p->x == NULL)
    return FALSE;
  if (o->target && p->have_loss && p->loss != PS_LOSS_SUM)
    {
      p->t = load_named (o->target, "target", error);
      if (p->t == NULL)
        return FALSE;
    }
  if (o->weights && !load_weights (p->net, o->weights, error))
    return FALSE;
  return TRUE;
}

static int
cmd_run (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  Prepared p = { 0 };
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  const PsTensor *y;
  int rc = 0;

  if (o->input == NULL || o->out == NULL)
    return usage_error ("run needs --input X.safetensors and -o OUT.safetensors");
  ps_rng_seed (&rng, o->seed);
  if (!prepare (o, &rng, &p, &error))
    goto err;
  tape = ps_tape_new (p.net, &rng);
  y = ps_tape_forward (tape, p.x, &error);
  if (y == NULL)
    goto err;
  g_ptr_array_add (names, g_strdup ("output"));
  g_ptr_array_add (tensors, ps_tensor_copy (y));
  if (p.have_loss)
    {
      double loss;
      if (!ps_tape_backward_loss (tape, p.loss, p.t, &loss, &error))
        goto err;
      g_ptr_array_add (names, g_strdup ("loss"));
      g_ptr_array_add (tensors, ps_tensor_new_scalar ((float) loss));
    }
  add_state (p.net, names, tensors, TRUE);
  if (!write_out (o->out, names, tensors, &error))
    goto err;
  goto out;
err:
  rc = fail (error);
out:
  prepared_clear (&p);
  return rc;
}

static void
csv_field (GString *s, const char *f)
{
  if (strpbrk (f, ",\"\n") == NULL)
    {
      g_string_append (s, f);
      return;
    }
  g_string_append_c (s, '"');
  for (const char *c = f; *c; c++)
    {
      if (*c == '"')
        g_string_append_c (s, '"');
      g_string_append_c (s, *c);
    }
  g_string_append_c (s, '"');
}

static int
cmd_train (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  Prepared p = { 0 };
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (GPtrArray) tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  g_autoptr (GPtrArray) np = NULL;
  g_autoptr (GString) log = NULL;
  g_autofree double *norms = NULL;
  PsOptimConfig cfg;
  PsTrainStep ts;
  PsTensor *hist;
  int rc = 0;

  if ((o->input == NULL && o->data == NULL) || o->out == NULL || o->loss == NULL
      || o->lr_s == NULL || o->steps_s == NULL)
    return usage_error ("train needs --input X (or --data KIND), --loss L, --lr LR, --steps N "
                        "and -o OUT (and --target T for mse and cross_entropy)");
  if (o->data && (o->input || o->target))
    return usage_error ("--data makes the input and target: give it without --input and "
                        "--target");
  ps_optim_config_init (&cfg, PS_OPTIM_SGD, o->lr);
  if (o->optimizer && strcmp (o->optimizer, "adam") == 0)
    cfg.kind = PS_OPTIM_ADAM;
  else if (o->optimizer && strcmp (o->optimizer, "sgd") != 0)
    return usage_error ("--optimizer takes sgd or adam, got \"%s\"", o->optimizer);
  if (cfg.kind == PS_OPTIM_ADAM && o->momentum != 0)
    return usage_error ("--momentum applies to sgd; adam uses betas (0.9, 0.999)");
  cfg.momentum = o->momentum;
  cfg.weight_decay = o->weight_decay;

  ps_rng_seed (&rng, o->seed);
  if (!prepare (o, &rng, &p, &error))
    goto err;
  tape = ps_tape_new (p.net, &rng);
  /* lazy layers materialize on a first forward, as the oracle does before
   * training; only then (a forward updates BatchNorm's running statistics) */
  {
    guint n_lazy = 0;
    ps_module_count_params (p.net, &n_lazy);
    if (n_lazy > 0 && ps_tape_forward (tape, p.x, &error) == NULL)
      goto err;
  }
  opt = ps_optimizer_new (p.net, &cfg, &error);
  if (opt == NULL)
    goto err;
  np = ps_module_named_parameters (p.net);
  if (o->log)
    {
      log = g_string_new ("step,loss");
      for (guint i = 0; i < np->len; i++)
        {
          g_autofree char *col = g_strconcat ("grad_norm.", ((PsNamedParam *) np->pdata[i])->name, NULL);
          g_string_append_c (log, ',');
          csv_field (log, col);
        }
      g_string_append_c (log, '\n');
    }
  hist = ps_tensor_new_1d (o->steps);
  if (hist == NULL)
    {
      g_set_error (&error, PS_ERROR, PS_ERROR_RESOURCE, "too many steps");
      goto err;
    }
  g_ptr_array_add (names, g_strdup ("loss_history"));
  g_ptr_array_add (tensors, hist);
  norms = g_new0 (double, np->len);
  ts = (PsTrainStep) { .tape = tape, .opt = opt, .x = p.x, .target = p.t, .loss = p.loss,
                       .grad_norms = log ? norms : NULL };
  for (gint64 s = 0; s < o->steps; s++)
    {
      PsStepResult r;
      if (ps_train_step (&ts, &r, &error) != PS_STEP_OK)
        goto err;
      hist->data[s] = (float) r.loss;
      if (log)
        {
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_string_append_printf (log, "%" G_GINT64_FORMAT ",%s", s,
                                  g_ascii_formatd (buf, sizeof buf, "%.9g", r.loss));
          for (guint i = 0; i < np->len; i++)
            g_string_append_printf (log, ",%s", isnan (norms[i]) ? ""
                                    : g_ascii_formatd (buf, sizeof buf, "%.9g", norms[i]));
          g_string_append_c (log, '\n');
        }
      if (!isfinite (r.loss))
        {
          g_set_error (&error, PS_ERROR, PS_ERROR_VALUE,
                       "the loss became %s at step %" G_GINT64_FORMAT "; lower --lr",
                       isnan (r.loss) ? "NaN" : "infinite", s);
          goto err;
        }
    }
  add_state (p.net, names, tensors, FALSE);
  if (log && !ps_file_replace_contents (o->log, log->str, log->len, &error))
    goto err;
  if (!write_out (o->out, names, tensors, &error))
    goto err;
  goto out;
err:
  rc = fail (error);
out:
  prepared_clear (&p);
  return rc;
}

static int
cmd_inspect (Opts *o)
{
  GError *error = NULL;
  g_autoptr (PsSafetensors) st = ps_weights_open (o->model, &error);
  char b1[G_ASCII_DTOSTR_BUF_SIZE], b2[G_ASCII_DTOSTR_BUF_SIZE];
  char b3[G_ASCII_DTOSTR_BUF_SIZE], b4[G_ASCII_DTOSTR_BUF_SIZE];

  if (st == NULL)
    return fail (error);
  printf ("name\tdtype\tshape\tmean\tstd\tmin\tmax\n");
  for (guint i = 0; i < ps_safetensors_get_n (st); i++)
    {
      const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
      g_autofree char *shape = ps_shape_to_string (e->ndim, e->shape);
      PsStats s;
      ps_safetensors_stats (st, e, &s);
      printf ("%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e->name, e->dtype_name, shape,
              g_ascii_formatd (b1, sizeof b1, "%.6g", s.mean),
              g_ascii_formatd (b2, sizeof b2, "%.6g", s.std),
              g_ascii_formatd (b3, sizeof b3, "%.6g", s.min),
              g_ascii_formatd (b4, sizeof b4, "%.6g", s.max));
    }
  {
    GHashTable *meta = ps_safetensors_get_metadata (st);
    g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (meta), (GCompareFunc) strcmp);
    for (GList *k = keys; k; k = k->next)
      {
        const char *target = g_hash_table_lookup (meta, k->data);
        if (ps_safetensors_find (st, target) && !ps_safetensors_find (st, k->data))
          printf ("# %s = %s (tied: stored once)\n", (char *) k->data, target);
      }
  }
  return 0;
}

/* ---- render ------------------------------------------------------------- */


static int
cmd_render (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTensor) x = NULL, t = NULL;
  g_autoptr (PsTape) tape = NULL;
  PsParam *p;
  PsTensor *shown;
  int64_t rows, cols, px = o->cell;
  gboolean pooled_flag = FALSE;
  cairo_surface_t *img;

  if (o->param == NULL || o->out == NULL)
    return usage_error ("render needs --param KEY and -o OUT.png");
  if (o->loss && o->input == NULL)
    return usage_error ("--loss needs --input X.safetensors");
  ps_rng_seed (&rng, o->seed);
  net = load_model (o->model, &rng, &error);
  if (net == NULL)
    return fail (error);
  if (o->weights && !load_weights (net, o->weights, &error))
    return fail (error);
  if (o->input)
    {
      PsLossKind kind = PS_LOSS_SUM;
      double loss;
      x = load_named (o->input, "input", &error);
      if (x == NULL)
        return fail (error);
      tape = ps_tape_new (net, &rng);
      if (ps_tape_forward (tape, x, &error) == NULL)
        return fail (error);
      if (o->loss)
        {
          if (!ps_loss_kind_from_string (o->loss, &kind) || (kind != PS_LOSS_SUM && kind != PS_LOSS_MSE))
            return usage_error ("render: --loss takes sum or mse, got \"%s\"", o->loss);
          if (kind != PS_LOSS_SUM)
            {
              if (o->target == NULL)
                return usage_error ("--loss %s needs --target T.safetensors", o->loss);
              t = load_named (o->target, "target", &error);
              if (t == NULL)
                return fail (error);
            }
          if (!ps_tape_backward_loss (tape, kind, t, &loss, &error))
            return fail (error);
        }
    }
  p = ps_module_find_param (net, o->param);
  if (p == NULL && strchr (o->param, '[') != NULL)
    ps_module_find_by_index_path (net, o->param, &p, NULL);
  if (p == NULL)
    {
      fprintf (stderr, "paramscope-cli: the model has no parameter \"%s\" (see paramscope-cli "
               "names --state-dict)\n", o->param);
      return 1;
    }
  shown = o->grad ? ps_param_get_grad (p) : ps_param_get_data (p);
  if (shown == NULL)
    {
      fprintf (stderr, "paramscope-cli: %s %s\n", o->param,
               o->grad ? "has no gradient yet: give --input X --loss sum|mse"
                       : "is uninitialized (lazy): give --input X or --weights W");
      return 1;
    }
  ps_heatmap_shape (shown->ndim, shown->shape, &rows, &cols);
  if (rows == 0 || cols == 0)
    {
      fprintf (stderr, "paramscope-cli: %s has no elements to draw\n", o->param);
      return 1;
    }
  img = ps_heatmap_render_image (shown, px, o->colorbar, &pooled_flag);
  if (pooled_flag)
    fprintf (stderr, "paramscope-cli: %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " cells reduced by "
             "max-|x| pooling (at most %d pixels a side)\n", rows, cols, PS_HEATMAP_IMAGE_MAX_SIDE);

  /* replaced atomically: no half-written PNG */
  if (!ps_heatmap_write_png (img, o->out, &error))
    {
      cairo_surface_destroy (img);
      return fail (error);
    }
  cairo_surface_destroy (img);
  return 0;
}

/* ---- bench ------------------------------------------------------------- */

static int
cmd_bench (Opts *o)
{
  GError *error = NULL;
  int status;

  if (o->batch_s == NULL)
    return usage_error ("bench needs --batch B");
  status = ps_cli_bench_step (o->model, o->input, o->batch, o->steps_s ? o->steps : 0, o->seed,
                              NULL, FALSE, &error);
  return ps_cli_report (status, error);
}

/* ---- the subcommands ---------------------------------------------------- */

typedef struct
{
  const char *name;
  const char *args;            /* positional arguments, for --help's usage line */
  const char *usage;           /* the whole command line, for the list of all commands */
  const char *summary;
  const char *description;     /* after the options in --help */
  const GOptionEntry *entries;
  int (*run) (Opts *o);        /* parsed here, MODEL in o->model ... */
  int (*main) (int argc, char **argv);   /* ... or parsing its own options */
} Command;

static const Command commands[] = {
  { "print", "MODEL", "MODEL",
    "Print the network exactly as PyTorch's print(net) does.", NULL, NULL, cmd_print, NULL },
  { "names", "MODEL", "MODEL [--state-dict] [--shapes] [--weights W]",
    "List named_parameters() keys (a tied parameter once), or state_dict() keys, one a line.",
    NULL, names_entries, cmd_names, NULL },
  { "init", "MODEL", "MODEL [--seed N] [--init PATTERN=SCHEME]... -o OUT.safetensors",
    "Initialize the network (PyTorch's default initialization, and a torchvision model's own, "
    "then each --init in order) and write its state_dict.", NULL, init_entries, cmd_init, NULL },
  { "run", "MODEL",
    "MODEL --input X.safetensors [--weights W.safetensors]\n"
    "[--loss sum|mse|cross_entropy [--target T.safetensors]] [--seed N]\n"
    "-o OUT.safetensors",
    "Run the network forward (and backward from a loss); write output, loss, the state_dict and "
    "grad.KEY for every key.", NULL, run_entries, cmd_run, NULL },
  { "train", "MODEL",
    "MODEL --input X --target T | --data KIND [--samples N]\n"
    "--loss mse|sum|cross_entropy --lr LR\n"
    "[--momentum M] [--optimizer sgd|adam] [--weight-decay WD]\n"
    "[--log FILE.csv] --steps N [--weights W] [--seed N] -o OUT",
    "Train full-batch with torch.optim's SGD or Adam; write the state_dict after the last step "
    "and loss_history.", NULL, train_entries, cmd_train, NULL },
  { "inspect", "WEIGHTS", "WEIGHTS",
    "Print name, dtype, shape, mean, std, min and max of every tensor (tab-separated) of a "
    "weights file: safetensors, torch.save (.pt, .pth, .bin) or a sharded *.index.json.", NULL,
    NULL, cmd_inspect, NULL },
  { "bench", "MODEL", "MODEL --batch B [--input X.safetensors] [--steps N]",
    "Measure a steady-state training step (forward, loss, backward, sgd) and, in the same run, "
    "its cblas_sgemm calls alone.",
    "The heatmap, checkpoint and live-view benchmarks and the allocation count are the bench\n"
    "program's, built beside the tests (build/tests/paramscope-bench).\n",
    bench_entries, cmd_bench, NULL },
  { "render", "MODEL",
    "MODEL [--weights W] [--input X --loss sum|mse [--target T]]\n"
    "--param KEY [--grad] [--seed N] [--cell PX] [--colorbar] -o OUT.png",
    "Draw a parameter (or its gradient) as the window's heatmap, in a PNG.", NULL,
    render_entries, cmd_render, NULL },
  { "exec", "NOTEBOOK", "NOTEBOOK [--seed N] [--timeout S] [-o OUT.ipynb]",
    "Run a notebook's cells (.ipynb, or .py with `# %%` cells) as Python would.", NULL, NULL,
    NULL, ps_cli_exec_main },
};

static void
print_usage (FILE *to)
{
  fputs ("Usage:\n", to);
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    {
      g_auto (GStrv) lines = g_strsplit (commands[i].usage, "\n", -1);
      fprintf (to, "  " PS_CLI_NAME " %-7s %s\n", commands[i].name, lines[0]);
      for (guint k = 1; lines[k]; k++)
        fprintf (to, "%25s%s\n", "", lines[k]);     /* under the first line's arguments */
    }
  fputs ("  " PS_CLI_NAME " SUBCOMMAND --help        # that subcommand's usage and options\n"
         "\n"
         "MODEL is a model file (a subset of Python, see the README) or the text PyTorch's\n"
         "print(net) writes.  Inputs are the tensor \"input\" (and \"target\") of a safetensors file.\n",
         to);
  fputs (schemes_text, to);
}

static int
run_command (const Command *c, int argc, char **argv)
{
  int status;

  if (c->main)
    return c->main (argc, argv);
  status = ps_cli_parse (c->name, c->args, c->summary,
                         c->entries == init_entries ? schemes_text : c->description, c->entries,
                         1, 1, &argc, &argv);
  if (status >= 0)
    return status;
  if (!check_numbers ())
    return 2;
  opts.model = argv[1];
  return c->run (&opts);
}

int
main (int argc, char **argv)
{
  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      print_usage (argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  for (guint i = 0; i < G_N_ELEMENTS (commands); i++)
    if (strcmp (argv[1], commands[i].name) == 0)
      {
        /* the subcommand's own argv: argv[0] the program, then its arguments */
        argv[1] = argv[0];
        return run_command (&commands[i], argc - 1, argv + 1);
      }
  return usage_error ("unknown command \"%s\"", argv[1]);
}
