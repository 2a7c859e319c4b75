/* test-oracle.c — every fixture network against PyTorch's own answers
 *
 * tests/fixtures/models.tsv lists the networks; tests/fixtures/regenerate.sh
 * wrote, with real PyTorch (../shared/oracle/torch_oracle.py), what print(net),
 * named_parameters(), state_dict(), a forward + backward and ten optimizer
 * steps give for each of them.  Two groups of tests check the same answers:
 *
 *   /oracle/NAME/CHECK       in-process, through the core API
 *   /oracle-cli/NAME/CHECK   through paramscope-cli, comparing the file it writes
 *
 * Numbers are compared as numpy.allclose with rtol 1e-5 and a scale-aware
 * atol (ps_test_compare); each test logs the worst error / tolerance ratio of
 * every tensor group, and /summary/worst the worst over all networks.
 *
 * Each check runs in a subprocess (g_test_trap_subprocess), so a failing one
 * (ps_test_assert_tensor aborts) is reported as such and the others still run;
 * the child hands its worst ratios back through the file $PS_ORACLE_RESULTS.
 */
#include "ps-test-util.h"

#include <glib/gstdio.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define RTOL 1e-5

typedef struct
{
  char    *name;
  int64_t  in, out, batch;
  char    *tags;
  gboolean tied;          /* a tag says tied-module or tied-param */
} Model;

typedef enum
{
  CHECK_PRINT,
  CHECK_NAMES,
  CHECK_STATE_DICT,
  CHECK_RUN,
  CHECK_TRAIN,
} CheckKind;

typedef enum
{
  ONLY_ALL,
  ONLY_MULTI_OUTPUT,      /* models whose output has >= 2 columns (cross entropy) */
  ONLY_SEED,              /* mlp and rgnet: PyTorch's default init, bit for bit */
} Applies;

typedef struct
{
  const char *id;         /* fixture suffix and test name: "run_mse" */
  CheckKind   kind;
  Applies     applies;
  const char *loss;       /* NULL: no loss (run_plain) */
  const char *target;     /* fixture of the target: "target", "ce_target" or NULL */
  gboolean    weights;    /* load NAME.weights.safetensors (FALSE: seeded default init) */
  const char *optimizer;  /* train: "sgd" or "adam" */
  const char *lr, *momentum, *weight_decay;   /* as the CLI takes them */
} Check;

#define STEPS 10

static const Check checks[] = {
  { "print", CHECK_PRINT, ONLY_ALL },
  { "names", CHECK_NAMES, ONLY_ALL },
  { "state_dict", CHECK_STATE_DICT, ONLY_ALL },
  { "run_sum", CHECK_RUN, ONLY_ALL, "sum", NULL, TRUE },
  { "run_mse", CHECK_RUN, ONLY_ALL, "mse", "target", TRUE },
  { "run_plain", CHECK_RUN, ONLY_ALL, NULL, NULL, TRUE },
  { "run_ce", CHECK_RUN, ONLY_MULTI_OUTPUT, "cross_entropy", "ce_target", TRUE },
  { "seed_run", CHECK_RUN, ONLY_SEED, "sum", NULL, FALSE },
  { "train_sgd", CHECK_TRAIN, ONLY_ALL, "mse", "target", TRUE, "sgd", "0.05", "0.9", "0" },
  { "train_plain", CHECK_TRAIN, ONLY_ALL, "mse", "target", TRUE, "sgd", "0.1", "0", "0" },
  { "train_adam", CHECK_TRAIN, ONLY_ALL, "mse", "target", TRUE, "adam", "0.001", "0", "0" },  /* lr: see regenerate.sh */
  { "train_wd", CHECK_TRAIN, ONLY_ALL, "mse", "target", TRUE, "sgd", "0.05", "0.9", "0.01" },
  { "train_ce", CHECK_TRAIN, ONLY_MULTI_OUTPUT, "cross_entropy", "ce_target", TRUE, "sgd", "0.1",
    "0", "0" },
};

/* Networks also checked through paramscope-cli: the lesson's, the lazy and
 * the tied ones, and a few with unusual syntax. */
static const char *const cli_models[] = {
  "mlp", "rgnet", "tied", "tied1x1", "lazy", "tied_param", "tied_bias", "tied_nested",
  "tied_block", "lazy_alone", "lazy_chain", "lazy_nobias", "kwargs", "no_prefix", "big",
  "bare_linear", NULL,
};

typedef enum
{
  GROUP_OUTPUT,
  GROUP_LOSS,
  GROUP_PARAMS,
  GROUP_GRADS,
  GROUP_HISTORY,
  N_GROUPS,
} Group;

static const char *const group_names[N_GROUPS] = {
  "output", "loss", "params", "grads", "loss_history",
};

/* Worst error / tolerance ratio per group over every test; -1: never checked. */
static double global_worst[N_GROUPS] = { -1, -1, -1, -1, -1 };
static char *global_where[N_GROUPS];

typedef struct
{
  const Model  *model;
  const Check  *check;
  gboolean      cli;
  GTestDataFunc fn;
} Case;

typedef struct
{
  const Case *c;
  double      worst[N_GROUPS];
  char       *where[N_GROUPS];   /* key of the worst tensor per group */
  GHashTable *checked;           /* reference keys compared */
} Tally;

static void
tally_init (Tally *t, const Case *c)
{
  t->c = c;
  for (int g = 0; g < N_GROUPS; g++)
    {
      t->worst[g] = -1;
      t->where[g] = NULL;
    }
  t->checked = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
}

/* Append a line to the results file the parent reads after the child exits. */
static void
result_line (const char *line)
{
  const char *path = g_getenv ("PS_ORACLE_RESULTS");
  FILE *f;

  if (path == NULL)
    {
      g_test_message ("%s", line);
      return;
    }
  f = fopen (path, "a");
  g_assert_nonnull (f);
  fprintf (f, "%s\n", line);
  fclose (f);
}

/* Report a message to the parent (it logs it with g_test_message). */
static void
result_message (const char *fmt, ...) G_GNUC_PRINTF (1, 2);

static void
result_message (const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  g_autofree char *line = NULL;

  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  line = g_strconcat ("M\t", msg, NULL);
  result_line (line);
}

/* Report the worst ratio per group, free. */
static void
tally_finish (Tally *t)
{
  g_autoptr (GString) msg = g_string_new (NULL);
  g_autofree char *label = g_strdup_printf ("%s%s/%s", t->c->cli ? "cli " : "",
                                            t->c->model->name, t->c->check->id);

  g_string_printf (msg, "%s: worst error / tolerance (rtol %g):", label, RTOL);
  for (int g = 0; g < N_GROUPS; g++)
    {
      g_autofree char *line = NULL;
      char buf[G_ASCII_DTOSTR_BUF_SIZE];

      if (t->worst[g] < 0)
        continue;
      g_string_append_printf (msg, " %s %.3g (%s)", group_names[g], t->worst[g], t->where[g]);
      line = g_strdup_printf ("W\t%d\t%s\t%s %s", g,
                              g_ascii_dtostr (buf, sizeof buf, t->worst[g]), label, t->where[g]);
      result_line (line);
      g_free (t->where[g]);
    }
  result_message ("%s", msg->str);
  g_hash_table_unref (t->checked);
}

/* In the parent: log the child's messages and fold its ratios into the global ones. */
static void
collect_results (const char *path)
{
  g_autofree char *text = NULL;
  g_auto (GStrv) lines = NULL;

  if (!g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_unlink (path);
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 4);
      guint n = g_strv_length (f);

      if (n == 2 && strcmp (f[0], "M") == 0)
        g_test_message ("%s", f[1]);
      else if (n == 4 && strcmp (f[0], "W") == 0)
        {
          int g = atoi (f[1]);
          double r = g_ascii_strtod (f[2], NULL);
          g_assert_true (g >= 0 && g < N_GROUPS);
          if (r > global_worst[g])
            {
              global_worst[g] = r;
              g_free (global_where[g]);
              global_where[g] = g_strdup (f[3]);
            }
        }
    }
}

static Group
group_of (const char *key)
{
  if (strcmp (key, "output") == 0)
    return GROUP_OUTPUT;
  if (strcmp (key, "loss") == 0)
    return GROUP_LOSS;
  if (strcmp (key, "loss_history") == 0)
    return GROUP_HISTORY;
  if (g_str_has_prefix (key, "grad."))
    return GROUP_GRADS;
  return GROUP_PARAMS;
}

static const PsSafetensorsEntry *
find_entry (PsSafetensors *st, const char *key)
{
  const PsSafetensorsEntry *e = ps_safetensors_find (st, key);
  if (e == NULL)
    {
      const char *alias = g_hash_table_lookup (ps_safetensors_get_metadata (st), key);
      e = alias ? ps_safetensors_find (st, alias) : NULL;
    }
  return e;
}

/* Assert got == the reference tensor key (ps_test_assert_tensor), then note
 * how close it is. */
static void
check_tensor (Tally *t, const PsTensor *got, PsSafetensors *ref, const char *key)
{
  g_autofree char *context = g_strdup_printf ("%s%s/%s", t->c->cli ? "cli " : "",
                                              t->c->model->name, t->c->check->id);
  const PsSafetensorsEntry *e;
  g_autofree float *want = NULL;
  Group g = group_of (key);
  double r;

  g_assert_nonnull (got);
  ps_test_assert_tensor (got, ref, key, RTOL, context);
  e = find_entry (ref, key);
  want = g_new (float, MAX (e->numel, 1));
  ps_safetensors_read_f32 (ref, e, 0, e->numel, want);
  r = ps_test_compare (got->data, want, got->numel, RTOL, NULL);
  if (r > t->worst[g])
    {
      t->worst[g] = r;
      g_free (t->where[g]);
      t->where[g] = g_strdup (key);
    }
  g_hash_table_add (t->checked, g_strdup (key));
}

/* Every tensor of the reference was compared. */
static void
assert_all_checked (Tally *t, PsSafetensors *ref)
{
  for (guint i = 0; i < ps_safetensors_get_n (ref); i++)
    {
      const char *name = ps_safetensors_get (ref, i)->name;
      if (!g_hash_table_contains (t->checked, name))
        g_error ("%s/%s: the reference tensor %s was not compared", t->c->model->name,
                 t->c->check->id, name);
    }
}

static char *
model_file (const Model *m, const char *suffix)
{
  g_autofree char *rel = g_strdup_printf ("models/%s%s", m->name, suffix);
  return ps_test_fixture (rel);
}

static char *
read_text (const char *path)
{
  GError *error = NULL;
  char *text = NULL;

  g_file_get_contents (path, &text, NULL, &error);
  g_assert_no_error (error);
  return text;
}

static PsSafetensors *
open_st (const char *path)
{
  GError *error = NULL;
  PsSafetensors *st = ps_safetensors_open (path, &error);
  g_assert_no_error (error);
  return st;
}

static char *
fixture_text (const Model *m, const char *id)
{
  g_autofree char *suffix = g_strdup_printf (".%s.txt", id);
  g_autofree char *path = model_file (m, suffix);
  return read_text (path);
}

static char *
fixture_st_path (const Model *m, const char *id)
{
  g_autofree char *suffix = g_strdup_printf (".%s.safetensors", id);
  char *path = model_file (m, suffix);
  if (!g_file_test (path, G_FILE_TEST_EXISTS))
    g_error ("missing fixture %s: run tests/fixtures/regenerate.sh", path);
  return path;
}

/* Lines of a names/state_dict listing, as the oracle prints it (one a line). */
static char *
join_lines (GPtrArray *named)
{
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < named->len; i++)
    {
      g_string_append (s, ((PsNamedParam *) named->pdata[i])->name);
      g_string_append_c (s, '\n');
    }
  if (named->len == 0)
    g_string_append_c (s, '\n');   /* print("\n".join([])) */
  return g_string_free (s, FALSE);
}

static guint
count_lines (const char *text)
{
  guint n = 0;
  for (const char *p = text; *p; p++)
    n += *p == '\n';
  return n;
}

/* The model as the CLI and the oracle build it: torch.manual_seed(0), then the
 * constructors draw in program order; rng continues for lazy layers. */
static PsModule *
load_model (const Model *m, PsRng *rng)
{
  g_autofree char *path = model_file (m, ".py");
  GError *error = NULL;
  PsModule *net;

  ps_rng_seed (rng, 0);
  net = ps_model_load_file (path, rng, NULL, &error);
  g_assert_no_error (error);
  g_assert_nonnull (net);
  return net;
}

static PsLossKind
loss_kind (const char *name)
{
  PsLossKind kind;
  g_assert_true (ps_loss_kind_from_string (name, &kind));
  return kind;
}

/* ---------------------------------------------------------------- in-process */

static void
test_text (gconstpointer data)
{
  const Case *c = data;
  PsRng rng;
  g_autoptr (PsModule) net = load_model (c->model, &rng);
  g_autofree char *want = fixture_text (c->model, c->check->id);
  g_autofree char *got = NULL;

  switch (c->check->kind)
    {
    case CHECK_PRINT:
      {
        g_autofree char *repr = ps_module_repr (net);
        got = g_strconcat (repr, "\n", NULL);   /* print() adds it */
      }
      break;
    case CHECK_NAMES:
      {
        g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
        got = join_lines (np);
      }
      break;
    case CHECK_STATE_DICT:
      {
        g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
        got = join_lines (sd);
      }
      break;
    default:
      g_assert_not_reached ();
    }
  g_assert_cmpstr (got, ==, want);
}

static void
test_run (gconstpointer data)
{
  const Case *c = data;
  const Check *k = c->check;
  GError *error = NULL;
  PsRng rng;
  Tally t;
  g_autoptr (PsModule) net = load_model (c->model, &rng);
  g_autofree char *ref_path = fixture_st_path (c->model, k->id);
  g_autoptr (PsSafetensors) ref = open_st (ref_path);
  g_autofree char *x_path = fixture_st_path (c->model, "input");
  g_autoptr (PsTensor) x = ps_test_load_tensor (x_path, "input");
  g_autoptr (PsTensor) target = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GPtrArray) sd = NULL;
  const PsTensor *y;

  tally_init (&t, c);
  if (k->weights)
    {
      g_autofree char *w_path = fixture_st_path (c->model, "weights");
      g_autoptr (PsSafetensors) w = open_st (w_path);
      ps_module_load_state_dict (net, w, &error);
      g_assert_no_error (error);
    }
  if (k->target)
    {
      g_autofree char *t_path = fixture_st_path (c->model, k->target);
      target = ps_test_load_tensor (t_path, "target");
    }

  tape = ps_tape_new (net, &rng);
  y = ps_tape_forward (tape, x, &error);
  g_assert_no_error (error);
  check_tensor (&t, y, ref, "output");
  if (k->loss)
    {
      double loss;
      g_autoptr (PsTensor) lt = NULL;
      ps_tape_backward_loss (tape, loss_kind (k->loss), target, &loss, &error);
      g_assert_no_error (error);
      lt = ps_tensor_new_scalar ((float) loss);
      check_tensor (&t, lt, ref, "loss");
    }

  sd = ps_module_state_dict (net);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      if (!k->weights)
        {
          /* PyTorch's default init under the same seed: the same bits */
          PsTensor *p = ps_param_get_data (np->param);
          g_autofree float *want = g_new (float, p->numel);
          ps_safetensors_read_f32 (ref, ps_safetensors_resolve (ref, np->name), 0, p->numel, want);
          g_assert_cmpmem (p->data, p->numel * sizeof (float), want, p->numel * sizeof (float));
        }
      check_tensor (&t, ps_param_get_data (np->param), ref, np->name);
      if (k->loss)
        {
          g_autofree char *gkey = g_strconcat ("grad.", np->name, NULL);
          check_tensor (&t, ps_param_get_grad (np->param), ref, gkey);
        }
      else
        g_assert_null (ps_param_get_grad (np->param));   /* grad is None */
    }
  assert_all_checked (&t, ref);
  tally_finish (&t);
}

static void
optim_config (const Check *k, PsOptimConfig *cfg)
{
  ps_optim_config_init (cfg, strcmp (k->optimizer, "adam") == 0 ? PS_OPTIM_ADAM : PS_OPTIM_SGD,
                        g_ascii_strtod (k->lr, NULL));
  cfg->momentum = g_ascii_strtod (k->momentum, NULL);
  cfg->weight_decay = g_ascii_strtod (k->weight_decay, NULL);
}

static void
test_train (gconstpointer data)
{
  const Case *c = data;
  const Check *k = c->check;
  GError *error = NULL;
  PsRng rng;
  Tally t;
  PsOptimConfig cfg;
  g_autoptr (PsModule) net = load_model (c->model, &rng);
  g_autofree char *ref_path = fixture_st_path (c->model, k->id);
  g_autoptr (PsSafetensors) ref = open_st (ref_path);
  g_autofree char *x_path = fixture_st_path (c->model, "input");
  g_autofree char *t_path = fixture_st_path (c->model, k->target);
  g_autofree char *w_path = fixture_st_path (c->model, "weights");
  g_autoptr (PsSafetensors) w = open_st (w_path);
  g_autoptr (PsTensor) x = ps_test_load_tensor (x_path, "input");
  g_autoptr (PsTensor) target = ps_test_load_tensor (t_path, "target");
  g_autoptr (PsTensor) history = ps_tensor_new_1d (STEPS);
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (PsOptimizer) opt = NULL;
  g_autoptr (GPtrArray) sd = NULL;
  PsLossKind kind = loss_kind (k->loss);

  tally_init (&t, c);
  ps_module_load_state_dict (net, w, &error);
  g_assert_no_error (error);
  optim_config (k, &cfg);
  opt = ps_optimizer_new (net, &cfg, &error);
  g_assert_no_error (error);
  tape = ps_tape_new (net, &rng);

  /* the oracle's loop: zero_grad, forward, loss, backward, step */
  for (int s = 0; s < STEPS; s++)
    {
      double loss;
      ps_optimizer_zero_grad (opt);
      ps_tape_forward (tape, x, &error);
      g_assert_no_error (error);
      ps_tape_backward_loss (tape, kind, target, &loss, &error);
      g_assert_no_error (error);
      history->data[s] = (float) loss;
      ps_optimizer_step (opt);
    }

  check_tensor (&t, history, ref, "loss_history");
  sd = ps_module_state_dict (net);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      if (!k->weights)
        {
          /* PyTorch's default init under the same seed: the same bits */
          PsTensor *p = ps_param_get_data (np->param);
          g_autofree float *want = g_new (float, p->numel);
          ps_safetensors_read_f32 (ref, ps_safetensors_resolve (ref, np->name), 0, p->numel, want);
          g_assert_cmpmem (p->data, p->numel * sizeof (float), want, p->numel * sizeof (float));
        }
      check_tensor (&t, ps_param_get_data (np->param), ref, np->name);
    }
  assert_all_checked (&t, ref);
  tally_finish (&t);
}

/* ---------------------------------------------------------------- the CLI */

static char *
run_cli_ok (const char *const *argv)
{
  char *out = NULL;
  g_autofree char *err = NULL;
  int rc = ps_test_run_cli (argv, &out, &err);
  if (rc != 0)
    {
      g_autofree char *cmd = g_strjoinv (" ", (char **) argv);
      g_error ("paramscope-cli %s: exit status %d: %s", cmd, rc, err);
    }
  return out;
}

static void
test_cli_text (gconstpointer data)
{
  const Case *c = data;
  g_autofree char *model = model_file (c->model, ".py");
  g_autofree char *want = fixture_text (c->model, c->check->id);
  g_autofree char *got = NULL;
  const char *argv[4] = { NULL };

  switch (c->check->kind)
    {
    case CHECK_PRINT:
      argv[0] = "print";
      break;
    case CHECK_NAMES:
      argv[0] = "names";
      break;
    case CHECK_STATE_DICT:
      argv[0] = "names";
      argv[2] = "--state-dict";
      break;
    default:
      g_assert_not_reached ();
    }
  argv[1] = model;
  got = run_cli_ok (argv);
  g_assert_cmpstr (got, ==, want);
}

/* Compare what the CLI wrote with the reference: every reference tensor
 * (through aliases), no extra name, and tied tensors stored once. */
static void
compare_cli_output (const Case *c, const char *out_path, PsSafetensors *ref, guint n_copies)
{
  Tally t;
  g_autoptr (PsSafetensors) ours = open_st (out_path);
  GHashTable *meta = ps_safetensors_get_metadata (ours);
  g_autofree char *names = fixture_text (c->model, "names");
  g_autofree char *state = fixture_text (c->model, "state_dict");
  guint n_named = count_lines (names), n_state = count_lines (state);
  guint n_aliases = 0;
  GHashTableIter it;
  gpointer key, value;

  tally_init (&t, c);
  for (guint i = 0; i < ps_safetensors_get_n (ref); i++)
    {
      const char *name = ps_safetensors_get (ref, i)->name;
      const PsSafetensorsEntry *e = find_entry (ours, name);
      GError *error = NULL;
      g_autoptr (PsTensor) got = NULL;

      if (e == NULL)
        g_error ("cli %s/%s: the output has no tensor %s (nor an alias of that name)",
                 c->model->name, c->check->id, name);
      /* ps_safetensors_load_tensor does not follow aliases: load the stored name */
      got = ps_safetensors_load_tensor (ours, e->name, &error);
      g_assert_no_error (error);
      check_tensor (&t, got, ref, name);
    }

  /* Nothing the reference lacks; each alias names a stored tensor. */
  for (guint i = 0; i < ps_safetensors_get_n (ours); i++)
    {
      const char *name = ps_safetensors_get (ours, i)->name;
      if (ps_safetensors_find (ref, name) == NULL)
        g_error ("cli %s/%s: unexpected tensor %s", c->model->name, c->check->id, name);
    }
  g_hash_table_iter_init (&it, meta);
  while (g_hash_table_iter_next (&it, &key, &value))
    {
      if (ps_safetensors_find (ref, key) == NULL)
        continue;   /* not an alias of a tensor */
      if (ps_safetensors_find (ours, value) == NULL)
        g_error ("cli %s/%s: alias %s -> %s names no stored tensor", c->model->name,
                 c->check->id, (char *) key, (char *) value);
      g_assert_null (ps_safetensors_find (ours, key));
      n_aliases++;
    }
  g_assert_cmpuint (ps_safetensors_get_n (ours) + n_aliases, ==, ps_safetensors_get_n (ref));

  /* Tied tensors are stored once: one alias per repeated state_dict key
   * (n_copies: weights only, or weights and gradients). */
  g_assert_cmpuint (n_aliases, ==, (n_state - n_named) * n_copies);
  if (c->model->tied)
    g_assert_cmpuint (n_aliases, >, 0);
  result_message ("cli %s/%s: %u tensors stored, %u aliases", c->model->name, c->check->id,
                  ps_safetensors_get_n (ours), n_aliases);
  tally_finish (&t);
}

static void
test_cli_file (gconstpointer data)
{
  const Case *c = data;
  const Check *k = c->check;
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  g_autofree char *model = model_file (c->model, ".py");
  g_autofree char *ref_path = fixture_st_path (c->model, k->id);
  g_autofree char *x_path = fixture_st_path (c->model, "input");
  g_autofree char *w_path = NULL;
  g_autofree char *t_path = NULL;
  g_autofree char *steps = g_strdup_printf ("%d", STEPS);
  g_autoptr (PsSafetensors) ref = open_st (ref_path);
  g_autoptr (GPtrArray) argv = g_ptr_array_new ();
  g_autofree char *stdout_text = NULL;
  guint n_copies = 1;

  g_ptr_array_add (argv, k->kind == CHECK_RUN ? "run" : "train");
  g_ptr_array_add (argv, model);
  g_ptr_array_add (argv, "--input");
  g_ptr_array_add (argv, x_path);
  if (k->weights)
    {
      w_path = fixture_st_path (c->model, "weights");
      g_ptr_array_add (argv, "--weights");
      g_ptr_array_add (argv, w_path);
    }
  if (k->loss)
    {
      g_ptr_array_add (argv, "--loss");
      g_ptr_array_add (argv, (gpointer) k->loss);
    }
  if (k->target)
    {
      t_path = fixture_st_path (c->model, k->target);
      g_ptr_array_add (argv, "--target");
      g_ptr_array_add (argv, t_path);
    }
  if (k->kind == CHECK_TRAIN)
    {
      g_ptr_array_add (argv, "--optimizer");
      g_ptr_array_add (argv, (gpointer) k->optimizer);
      g_ptr_array_add (argv, "--lr");
      g_ptr_array_add (argv, (gpointer) k->lr);
      if (strcmp (k->optimizer, "sgd") == 0)
        {
          g_ptr_array_add (argv, "--momentum");
          g_ptr_array_add (argv, (gpointer) k->momentum);
        }
      g_ptr_array_add (argv, "--weight-decay");
      g_ptr_array_add (argv, (gpointer) k->weight_decay);
      g_ptr_array_add (argv, "--steps");
      g_ptr_array_add (argv, steps);
    }
  else if (k->loss)
    n_copies = 2;   /* weights and their gradients */
  g_ptr_array_add (argv, "--seed");
  g_ptr_array_add (argv, "0");
  g_ptr_array_add (argv, "-o");
  g_ptr_array_add (argv, out_path);
  g_ptr_array_add (argv, NULL);

  stdout_text = run_cli_ok ((const char *const *) argv->pdata);
  compare_cli_output (c, out_path, ref, n_copies);
  ps_test_rmdir (dir);
}

/* ---------------------------------------------------------------- summary */

static void
test_summary (void)
{
  for (int g = 0; g < N_GROUPS; g++)
    if (global_worst[g] >= 0)
      g_test_message ("worst %s error / tolerance over all networks: %.3g (%s)",
                      group_names[g], global_worst[g], global_where[g]);
    else
      g_test_message ("%s: not checked in this run", group_names[g]);
}

/* ---------------------------------------------------------------- setup */

static GPtrArray *
read_models (void)
{
  g_autofree char *path = ps_test_fixture ("models.tsv");
  g_autofree char *text = read_text (path);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  GPtrArray *models = g_ptr_array_new ();

  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = NULL;
      Model *m;

      if (lines[i][0] == '\0' || g_str_has_prefix (lines[i], "name\t"))
        continue;
      f = g_strsplit (lines[i], "\t", -1);
      if (g_strv_length (f) < 4)
        g_error ("%s:%u: expected name, in, out, batch, tags", path, i + 1);
      m = g_new0 (Model, 1);
      m->name = g_strdup (f[0]);
      m->in = g_ascii_strtoll (f[1], NULL, 10);
      m->out = g_ascii_strtoll (f[2], NULL, 10);
      m->batch = g_ascii_strtoll (f[3], NULL, 10);
      m->tags = g_strdup (f[4] ? f[4] : "");
      m->tied = strstr (m->tags, "tied") != NULL;
      g_assert_cmpint (m->out, >, 0);
      g_ptr_array_add (models, m);
    }
  g_assert_cmpuint (models->len, >, 0);
  return models;
}

static gboolean
applies (const Check *k, const Model *m)
{
  switch (k->applies)
    {
    case ONLY_MULTI_OUTPUT:
      return m->out >= 2;
    case ONLY_SEED:
      return strcmp (m->name, "mlp") == 0 || strcmp (m->name, "rgnet") == 0;
    case ONLY_ALL:
    default:
      return TRUE;
    }
}

/* Run the check in a subprocess: the child does the work, the parent reports. */
static void
run_case (gconstpointer data)
{
  const Case *c = data;
  const char *results = g_getenv ("PS_ORACLE_RESULTS");

  if (g_test_subprocess ())
    {
      c->fn (c);
      return;
    }
  g_assert_nonnull (results);
  g_unlink (results);
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_INHERIT_STDERR);
  collect_results (results);
  g_test_trap_assert_passed ();
}

static void
add_case (GPtrArray *cases, const Model *m, const Check *k, gboolean cli)
{
  Case *c = g_new0 (Case, 1);
  g_autofree char *path = g_strdup_printf ("/%s/%s/%s", cli ? "oracle-cli" : "oracle", m->name,
                                           k->id);

  c->model = m;
  c->check = k;
  c->cli = cli;
  switch (k->kind)
    {
    case CHECK_RUN:
      c->fn = cli ? test_cli_file : test_run;
      break;
    case CHECK_TRAIN:
      c->fn = cli ? test_cli_file : test_train;
      break;
    default:
      c->fn = cli ? test_cli_text : test_text;
      break;
    }
  g_test_add_data_func (path, c, run_case);
  g_ptr_array_add (cases, c);
}

static void
model_free (gpointer data)
{
  Model *m = data;
  g_free (m->name);
  g_free (m->tags);
  g_free (m);
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) models = NULL;
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  g_autofree char *dir = NULL;
  g_autofree char *results = NULL;
  guint n_cli = 0;
  int rc;

  g_test_init (&argc, &argv, NULL);
  if (!g_test_subprocess ())
    {
      /* a failing check fails its test; the others still run */
      g_test_set_nonfatal_assertions ();
      dir = ps_test_tmpdir ();
      results = g_build_filename (dir, "results.txt", NULL);
      g_setenv ("PS_ORACLE_RESULTS", results, TRUE);
    }
  models = read_models ();
  g_ptr_array_set_free_func (models, model_free);

  for (guint i = 0; i < models->len; i++)
    for (guint j = 0; j < G_N_ELEMENTS (checks); j++)
      if (applies (&checks[j], models->pdata[i]))
        add_case (cases, models->pdata[i], &checks[j], FALSE);

  for (guint i = 0; i < models->len; i++)
    {
      const Model *m = models->pdata[i];
      if (!g_strv_contains (cli_models, m->name))
        continue;
      n_cli++;
      for (guint j = 0; j < G_N_ELEMENTS (checks); j++)
        if (applies (&checks[j], m))
          add_case (cases, m, &checks[j], TRUE);
    }
  g_assert_cmpuint (n_cli, ==, g_strv_length ((char **) cli_models));

  g_test_add_func ("/summary/worst", test_summary);   /* a suite of its own: runs last */
  rc = g_test_run ();
  for (int g = 0; g < N_GROUPS; g++)
    g_free (global_where[g]);
  if (dir)
    ps_test_rmdir (dir);
  return rc;
}
