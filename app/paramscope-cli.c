/* paramscope-cli — the headless ParamScope: print, names, init, run, train,
 * inspect and bench.  The contract is in DESIGN.md; scripts rely on it. */
#include "paramscope.h"
#include "ps-alloc-count.h"
#include "ps-heatmap-draw.h"

#include <cblas.h>
#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static const char *usage_text =
  "Usage:\n"
  "  paramscope-cli print   MODEL\n"
  "  paramscope-cli names   MODEL [--state-dict]\n"
  "  paramscope-cli init    MODEL [--seed N] [--init PATTERN=SCHEME]... -o OUT.safetensors\n"
  "  paramscope-cli run     MODEL --input X.safetensors [--weights W.safetensors]\n"
  "                         [--loss sum|mse|cross_entropy [--target T.safetensors]] [--seed N]\n"
  "                         -o OUT.safetensors\n"
  "  paramscope-cli train   MODEL --input X --target T --loss mse|sum|cross_entropy --lr LR\n"
  "                         [--momentum M] [--optimizer sgd|adam] [--weight-decay WD]\n"
  "                         [--log FILE.csv] --steps N [--weights W] [--seed N] -o OUT\n"
  "  paramscope-cli inspect FILE.safetensors\n"
  "  paramscope-cli bench   MODEL --batch B [--steps N]\n"
  "  paramscope-cli bench   --render N [--steps K]    # pool and colour an N x N heatmap\n"
  "  paramscope-cli render  MODEL [--weights W] [--input X --loss sum|mse [--target T]]\n"
  "                         --param KEY [--grad] [--seed N] [--cell PX] [--colorbar] -o OUT.png\n"
  "\n"
  "MODEL is a model file (a subset of Python, see the README) or the text PyTorch's\n"
  "print(net) writes.  Inputs are the tensor \"input\" (and \"target\") of a safetensors file.\n"
  "Initializer schemes: default, uniform, normal, constant, ones, zeros, eye, xavier_uniform,\n"
  "xavier_normal, kaiming_uniform, kaiming_normal, trunc_normal, orthogonal, sparse,\n"
  "d2l_custom, glorot_uniform, glorot_normal, he_normal, he_uniform, lecun_normal,\n"
  "lecun_uniform, random_normal, random_uniform, truncated_normal.\n";

/* ---- options ------------------------------------------------------------ */

typedef struct
{
  const char *cmd;
  const char *model;
  const char *input, *target, *weights, *out, *loss, *optimizer, *log, *param;
  GPtrArray  *inits;             /* const char* "PATTERN=SCHEME" */
  gboolean    state_dict, grad, colorbar;
  gint64      cell;
  guint64     seed;
  double      lr, momentum, weight_decay;
  gboolean    have_lr;
  gint64      steps, batch, render_n;
  gboolean    have_steps;
} Opts;

static int
usage_error (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static int
usage_error (const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  fputs ("paramscope-cli: ", stderr);
  vfprintf (stderr, fmt, ap);
  fputs ("\n(run paramscope-cli --help for usage)\n", stderr);
  va_end (ap);
  return 2;
}

static int
fail (GError *error)
{
  fprintf (stderr, "paramscope-cli: %s\n", error->message);
  g_error_free (error);
  return 1;
}

static gboolean
parse_double (const char *opt, const char *s, double *out)
{
  char *end;
  errno = 0;
  *out = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || errno != 0 || !isfinite (*out))
    {
      usage_error ("%s takes a finite number, got \"%s\"", opt, s);
      return FALSE;
    }
  return TRUE;
}

static gboolean
parse_int (const char *opt, const char *s, gint64 min, gint64 max, gint64 *out)
{
  char *end;
  errno = 0;
  *out = g_ascii_strtoll (s, &end, 10);
  if (end == s || *end != '\0' || errno != 0 || *out < min || *out > max)
    {
      usage_error ("%s takes an integer between %" G_GINT64_FORMAT " and %" G_GINT64_FORMAT
                   ", got \"%s\"", opt, min, max, s);
      return FALSE;
    }
  return TRUE;
}

/* Which options each command takes. */
static gboolean
allowed (const char *cmd, const char *opt)
{
  static const struct { const char *cmd; const char *opts; } table[] = {
    { "print", "" },
    { "names", "--state-dict" },
    { "init", "--seed --init -o" },
    { "run", "--input --weights --loss --target --seed -o" },
    { "train", "--input --target --loss --lr --momentum --optimizer --weight-decay --log --steps "
               "--weights --seed -o" },
    { "inspect", "" },
    { "bench", "--batch --steps --seed --render" },
    { "render", "--weights --input --loss --target --param --grad --seed --cell --colorbar -o" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (table); i++)
    if (strcmp (table[i].cmd, cmd) == 0)
      {
        g_auto (GStrv) opts = g_strsplit (table[i].opts, " ", -1);
        return g_strv_contains ((const char *const *) opts, opt);
      }
  return FALSE;
}

static int
parse_opts (int argc, char **argv, Opts *o)
{
  o->cmd = argv[1];
  o->inits = g_ptr_array_new ();
  for (int i = 2; i < argc; i++)
    {
      const char *a = argv[i], *v;
      if (a[0] != '-' || strcmp (a, "-") == 0)
        {
          if (o->model)
            return usage_error ("%s: unexpected argument \"%s\"", o->cmd, a);
          o->model = a;
          continue;
        }
      if (!allowed (o->cmd, a))
        return usage_error ("%s: unknown option %s", o->cmd, a);
      if (strcmp (a, "--state-dict") == 0 || strcmp (a, "--grad") == 0
          || strcmp (a, "--colorbar") == 0)
        {
          if (strcmp (a, "--state-dict") == 0)
            o->state_dict = TRUE;
          else if (strcmp (a, "--grad") == 0)
            o->grad = TRUE;
          else
            o->colorbar = TRUE;
          continue;
        }
      if (i + 1 >= argc)
        return usage_error ("%s needs a value", a);
      v = argv[++i];
      if (strcmp (a, "--input") == 0)
        o->input = v;
      else if (strcmp (a, "--target") == 0)
        o->target = v;
      else if (strcmp (a, "--weights") == 0)
        o->weights = v;
      else if (strcmp (a, "-o") == 0)
        o->out = v;
      else if (strcmp (a, "--loss") == 0)
        o->loss = v;
      else if (strcmp (a, "--optimizer") == 0)
        o->optimizer = v;
      else if (strcmp (a, "--log") == 0)
        o->log = v;
      else if (strcmp (a, "--param") == 0)
        o->param = v;
      else if (strcmp (a, "--cell") == 0)
        {
          if (!parse_int (a, v, 1, 256, &o->cell))
            return 2;
        }
      else if (strcmp (a, "--init") == 0)
        g_ptr_array_add (o->inits, (gpointer) v);
      else if (strcmp (a, "--seed") == 0)
        {
          gint64 s;
          if (!parse_int (a, v, 0, G_MAXINT64, &s))
            return 2;
          o->seed = (guint64) s;
        }
      else if (strcmp (a, "--lr") == 0)
        {
          if (!parse_double (a, v, &o->lr))
            return 2;
          o->have_lr = TRUE;
        }
      else if (strcmp (a, "--momentum") == 0)
        {
          if (!parse_double (a, v, &o->momentum))
            return 2;
        }
      else if (strcmp (a, "--weight-decay") == 0)
        {
          if (!parse_double (a, v, &o->weight_decay))
            return 2;
        }
      else if (strcmp (a, "--steps") == 0)
        {
          if (!parse_int (a, v, 1, 100000000, &o->steps))
            return 2;
          o->have_steps = TRUE;
        }
      else if (strcmp (a, "--render") == 0)
        {
          if (!parse_int (a, v, 1, 16384, &o->render_n))
            return 2;
        }
      else if (strcmp (a, "--batch") == 0)
        {
          if (!parse_int (a, v, 1, 1 << 20, &o->batch))
            return 2;
        }
    }
  if (o->model == NULL && !(strcmp (o->cmd, "bench") == 0 && o->render_n > 0))
    return usage_error ("%s needs a %s", o->cmd,
                        strcmp (o->cmd, "inspect") == 0 ? "safetensors file" : "model file");
  return 0;
}

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
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, error);
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
  g_autoptr (PsSafetensors) st = ps_safetensors_open (path, error);
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

/* ---- commands ----------------------------------------------------------- */

static int
cmd_print (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autofree char *text = NULL;

  ps_rng_seed (&rng, o->seed);
  net = load_model (o->model, &rng, &error);
  if (net == NULL)
    return fail (error);
  text = ps_module_repr (net);
  printf ("%s\n", text);
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
  list = o->state_dict ? ps_module_state_dict (net) : ps_module_named_parameters (net);
  for (guint i = 0; i < list->len; i++)
    printf ("%s\n", ((PsNamedParam *) list->pdata[i])->name);
  return 0;
}

static gboolean
apply_inits (PsModule *net, GPtrArray *inits, PsRng *rng, GError **error)
{
  for (guint i = 0; i < inits->len; i++)
    {
      const char *spec = inits->pdata[i];
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
                       "unknown loss \"%s\" (sum, mse or cross_entropy)", o->loss);
          return FALSE;
        }
      p->have_loss = TRUE;
      if (p->loss != PS_LOSS_SUM && o->target == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "--loss %s needs --target T.safetensors",
                       o->loss);
          return FALSE;
        }
    }
  p->net = load_model (o->model, rng, error);
  if (p->net == NULL)
    return FALSE;
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

  if (o->input == NULL || o->out == NULL || o->loss == NULL || !o->have_lr || !o->have_steps)
    return usage_error ("train needs --input X, --loss L, --lr LR, --steps N and -o OUT "
                        "(and --target T for mse and cross_entropy)");
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
  /* lazy layers materialize on a first forward, as the oracle does before training */
  if (ps_tape_forward (tape, p.x, &error) == NULL)
    goto err;
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
  g_autoptr (PsSafetensors) st = ps_safetensors_open (o->model, &error);
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

/* ---- bench -------------------------------------------------------------- */

static double
now (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_MONOTONIC, &ts);
  return (double) ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int
cmp_double (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return x < y ? -1 : x > y;
}

static double
median (double *v, gint64 n)
{
  qsort (v, (size_t) n, sizeof *v, cmp_double);
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

typedef struct
{
  int64_t in, out;
  gboolean first;
} LinearShape;

static void
collect_linears (PsModule *m, GArray *out)
{
  if (ps_module_get_kind (m) == PS_MODULE_SEQUENTIAL)
    for (guint i = 0; i < ps_module_get_n_children (m); i++)
      collect_linears (ps_module_get_child (m, i), out);
  else if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      LinearShape s = { ps_module_get_in_features (m), ps_module_get_out_features (m), out->len == 0 };
      g_array_append_val (out, s);
    }
}

static char *
human_time (double s)
{
  if (s < 1e-6)
    return g_strdup_printf ("%.1f ns", s * 1e9);
  if (s < 1e-3)
    return g_strdup_printf ("%.2f us", s * 1e6);
  if (s < 1)
    return g_strdup_printf ("%.3f ms", s * 1e3);
  return g_strdup_printf ("%.3f s", s);
}

/* The heatmap's work per frame: max-|x| pooling of an N x N parameter to the
 * view's 1024 x 1024 pixels, then colouring, with buffers kept across frames
 * as the window keeps them. */
static int
bench_render (Opts *o)
{
  int64_t n = o->render_n;
  const int out = (int) MIN (n, 1024);
  gint64 frames = o->have_steps ? o->steps : 31;
  g_autofree float *x = NULL, *pooled = NULL;
  g_autofree guint32 *argb = NULL;
  g_autofree double *t_pool = NULL, *t_colour = NULL, *t_all = NULL;
  PsPoolScratch scratch = { 0 };
  PsSlice slice;
  PsRng rng;
  guint64 a0, allocs = 0;

  x = g_try_new (float, n * n);
  if (x == NULL)
    return usage_error ("bench --render %" G_GINT64_FORMAT ": not enough memory", n);
  ps_rng_seed (&rng, o->seed);
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
      double t0 = now (), t1, t2;
      float range;
      a0 = ps_alloc_count ();
      range = ps_pool_slice (&slice, 0, 0, n, n, pooled, out, out, &scratch);
      t1 = now ();
      ps_heatmap_colorize (pooled, (int64_t) out * out, range, argb);
      t2 = now ();
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
    g_autofree char *a = human_time (median (t_all, frames));
    g_autofree char *b = human_time (median (t_pool, frames));
    g_autofree char *c = human_time (median (t_colour, frames));
    printf ("heatmap     %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT " floats (%.0f MB) to %d x %d pixels\n",
            n, n, (double) n * n * 4 / 1e6, out, out);
    printf ("frame       %s median (%" G_GINT64_FORMAT " frames): pooling %s, colouring %s\n",
            a, frames, b, c);
    printf ("allocations %.3f per frame\n", (double) allocs / (double) frames);
  }
  return 0;
}

static int
cmd_bench (Opts *o)
{
  GError *error = NULL;
  PsRng rng;
  g_autoptr (PsModule) net = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (PsTensor) x = NULL, t = NULL;
  g_autoptr (GArray) lin = g_array_new (FALSE, FALSE, sizeof (LinearShape));
  PsOptimConfig cfg;
  const PsTensor *y;
  gint64 steps, reps, B = o->batch;
  int64_t fin;
  double *times, *floor_times, step_med, floor_med;
  PsTrainStep step;
  guint64 a0, a1 = 0;
  int n_gemm = 0;
  float **bufs;
  g_autofree char *s1 = NULL, *s2 = NULL;

  if (o->render_n > 0)
    return bench_render (o);
  if (B <= 0)
    return usage_error ("bench needs --batch B");
  ps_rng_seed (&rng, o->seed);
  net = load_model (o->model, &rng, &error);
  if (net == NULL)
    return fail (error);
  collect_linears (net, lin);
  if (lin->len == 0 || g_array_index (lin, LinearShape, 0).in == 0)
    {
      fprintf (stderr, "paramscope-cli: bench needs a model whose first layer is a Linear with "
               "known in_features\n");
      return 1;
    }
  fin = g_array_index (lin, LinearShape, 0).in;
  x = ps_tensor_new_2d (B, fin);
  if (x == NULL || (double) B * fin > (double) (1 << 28))
    return usage_error ("bench: a batch of %" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                        " inputs is too large", B, fin);
  ps_rng_fill_uniform (&rng, x->data, x->numel, 0, 1);
  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  if (y == NULL)
    return fail (error);
  /* shapes again: lazy layers have materialized now */
  g_array_set_size (lin, 0);
  collect_linears (net, lin);
  t = ps_tensor_new (y->ndim, y->shape);
  ps_rng_fill_uniform (&rng, t->data, t->numel, 0, 1);
  ps_optim_config_init (&cfg, PS_OPTIM_SGD, 1e-6);
  opt = ps_optimizer_new (net, &cfg, &error);
  if (opt == NULL)
    return fail (error);
  step = (PsTrainStep) { .tape = tape, .opt = opt, .x = x, .target = t, .loss = PS_LOSS_MSE };

  /* choose the number of timed steps: about 2 s in all, at least 11 */
  {
    double t0 = now ();
    for (int i = 0; i < 3; i++)
      ps_train_step (&step, NULL, NULL);
    reps = o->have_steps ? o->steps : CLAMP ((gint64) (1.0 / MAX ((now () - t0) / 3, 1e-9)), 11, 2000001);
  }
  steps = reps;

  /* tiny networks: time batches of steps so the clock's resolution does not matter */
  {
    gint64 inner = 1;
    double t0 = now ();
    ps_train_step (&step, NULL, NULL);
    if (now () - t0 < 20e-6)
      inner = 1000;
    if (inner > 1)
      steps = MAX (11, steps / inner);
    times = g_new (double, steps);
    floor_times = g_new (double, steps);

    /* the floor: the same cblas_sgemm calls alone, on buffers of the same shapes */
    bufs = g_new0 (float *, lin->len * 5);
    for (guint l = 0; l < lin->len; l++)
      {
        LinearShape *s = &g_array_index (lin, LinearShape, l);
        bufs[5 * l + 0] = g_new0 (float, B * s->in);       /* x */
        bufs[5 * l + 1] = g_new0 (float, s->out * s->in);  /* w */
        bufs[5 * l + 2] = g_new0 (float, B * s->out);      /* y, dy */
        bufs[5 * l + 3] = g_new0 (float, s->out * s->in);  /* dw */
        bufs[5 * l + 4] = g_new0 (float, B * s->in);       /* dx */
        /* the operands hold data as the step's do: untouched calloc memory
         * reads as the kernel's one zero page, always in cache, which made
         * the products alone look a few per cent faster than they are */
        ps_rng_fill_uniform (&rng, bufs[5 * l + 0], B * s->in, 0, 1);
        ps_rng_fill_uniform (&rng, bufs[5 * l + 1], s->out * s->in, -1 / sqrt ((double) s->in),
                             1 / sqrt ((double) s->in));
        n_gemm += s->first ? 2 : 3;
      }

    /* step and floor alternate, so that a noisy machine slows both alike */
    a1 = 0;
    for (gint64 s = -1; s < steps; s++)
      {
        double ts = now ();
        a0 = ps_alloc_count ();
        for (gint64 k = 0; k < inner; k++)
          ps_train_step (&step, NULL, NULL);
        if (s >= 0)
          {
            times[s] = (now () - ts) / (double) inner;
            a1 += ps_alloc_count () - a0;
          }
        ts = now ();
        for (gint64 k = 0; k < inner; k++)
          for (guint l = 0; l < lin->len; l++)
            {
              LinearShape *ls = &g_array_index (lin, LinearShape, l);
              int bi = (int) B, in = (int) ls->in, out = (int) ls->out;
              float **b = bufs + 5 * l;
              cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasTrans, bi, out, in, 1.f, b[0], in,
                           b[1], in, 0.f, b[2], out);
              cblas_sgemm (CblasRowMajor, CblasTrans, CblasNoTrans, out, in, bi, 1.f, b[2], out,
                           b[0], in, 0.f, b[3], in);
              if (!ls->first)
                cblas_sgemm (CblasRowMajor, CblasNoTrans, CblasNoTrans, bi, in, out, 1.f, b[2],
                             out, b[1], in, 0.f, b[4], in);
            }
        if (s >= 0)
          floor_times[s] = (now () - ts) / (double) inner;
      }
    step_med = median (times, steps);
    floor_med = median (floor_times, steps);
    for (guint i = 0; i < lin->len * 5; i++)
      g_free (bufs[i]);
    g_free (bufs);
    reps = steps * inner;
  }

  {
    GString *arch = g_string_new (NULL);
    guint n_lazy;
    int64_t n_params = ps_module_count_params (net, &n_lazy);
    g_string_append_printf (arch, "%" G_GINT64_FORMAT, g_array_index (lin, LinearShape, 0).in);
    for (guint l = 0; l < lin->len; l++)
      g_string_append_printf (arch, "-%" G_GINT64_FORMAT, g_array_index (lin, LinearShape, l).out);
    s1 = human_time (step_med);
    s2 = human_time (floor_med);
    printf ("model       %s (%" G_GINT64_FORMAT " parameters), batch %" G_GINT64_FORMAT "\n",
            arch->str, n_params, B);
    printf ("steps       %" G_GINT64_FORMAT " timed, OPENBLAS_CORETYPE=%s, %d OpenBLAS threads\n",
            reps, g_getenv ("OPENBLAS_CORETYPE") ? g_getenv ("OPENBLAS_CORETYPE") : "(unset)",
            openblas_get_num_threads ());
    printf ("step        %s median (forward, mse, backward, sgd)\n", s1);
    printf ("sgemm       %s median (the same %d cblas_sgemm calls alone)\n", s2, n_gemm);
    printf ("ratio       %.3f (step / sgemm)\n", step_med / floor_med);
    printf ("allocations %.3f per steady-state step (%" G_GUINT64_FORMAT " in %" G_GINT64_FORMAT
            " steps%s)\n", (double) a1 / (double) reps, a1, reps,
            a1 ? "; OpenBLAS's threaded driver mallocs a job block per call, "
                 "OPENBLAS_NUM_THREADS=1 shows ParamScope's own count" : "");
    g_string_free (arch, TRUE);
  }
  g_free (times);
  g_free (floor_times);
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
  int64_t rows, cols, px = o->cell ? o->cell : 16;
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
          if (!ps_loss_kind_from_string (o->loss, &kind) || kind == PS_LOSS_CROSS_ENTROPY)
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

int
main (int argc, char **argv)
{
  Opts o = { 0 };
  int rc;

  setlocale (LC_ALL, "");
  if (argc < 2 || strcmp (argv[1], "--help") == 0 || strcmp (argv[1], "-h") == 0)
    {
      fputs (usage_text, argc < 2 ? stderr : stdout);
      return argc < 2 ? 2 : 0;
    }
  if (!g_strv_contains ((const char *const[]) { "print", "names", "init", "run", "train", "inspect",
                                                "bench", "render", NULL }, argv[1]))
    return usage_error ("unknown command \"%s\"", argv[1]);
  rc = parse_opts (argc, argv, &o);
  if (rc == 0)
    {
      if (strcmp (o.cmd, "print") == 0)
        rc = cmd_print (&o);
      else if (strcmp (o.cmd, "names") == 0)
        rc = cmd_names (&o);
      else if (strcmp (o.cmd, "init") == 0)
        rc = cmd_init (&o);
      else if (strcmp (o.cmd, "run") == 0)
        rc = cmd_run (&o);
      else if (strcmp (o.cmd, "train") == 0)
        rc = cmd_train (&o);
      else if (strcmp (o.cmd, "inspect") == 0)
        rc = cmd_inspect (&o);
      else if (strcmp (o.cmd, "render") == 0)
        rc = cmd_render (&o);
      else
        rc = cmd_bench (&o);
    }
  g_ptr_array_unref (o.inits);
  return rc;
}
