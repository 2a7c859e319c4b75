/* test-cli.c — the paramscope-cli contract of DESIGN.md: commands, options,
 * exit statuses, messages, and no output file on error */
#include "ps-test-util.h"
#include "ps-heatmap-draw.h"

#include <glib/gstdio.h>
#include <math.h>
#include <string.h>

typedef struct
{
  char *dir;
  char *mlp, *mlp_x, *mlp_t, *lazy, *tied, *tied_x;
} Fx;

static void
fx_setup (Fx *f, gconstpointer data)
{
  f->dir = ps_test_tmpdir ();
  f->mlp = ps_test_fixture ("models/mlp.py");
  f->mlp_x = ps_test_fixture ("models/mlp.input.safetensors");
  f->mlp_t = ps_test_fixture ("models/mlp.target.safetensors");
  f->lazy = ps_test_fixture ("models/lazy.py");
  f->tied = ps_test_fixture ("models/tied.py");
  f->tied_x = ps_test_fixture ("models/tied.input.safetensors");
}

static void
fx_teardown (Fx *f, gconstpointer data)
{
  ps_test_rmdir (f->dir);
  g_free (f->dir);
  g_free (f->mlp);
  g_free (f->mlp_x);
  g_free (f->mlp_t);
  g_free (f->lazy);
  g_free (f->tied);
  g_free (f->tied_x);
}

static char *
tmp (Fx *f, const char *name)
{
  return g_build_filename (f->dir, name, NULL);
}

#define RUN(out, err, ...) ps_test_run_cli ((const char *const[]) { __VA_ARGS__, NULL }, out, err)
#define BENCH(out, err, ...) ps_test_run_bench ((const char *const[]) { __VA_ARGS__, NULL }, out, err)

static void
assert_contains (const char *hay, const char *needle)
{
  if (strstr (hay, needle) == NULL)
    g_error ("expected \"%s\" in \"%s\"", needle, hay);
}

static void
test_usage (Fx *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_autofree char *out2 = NULL, *err2 = NULL;
  g_autofree char *out3 = NULL, *err3 = NULL;

  g_assert_cmpint (RUN (&out, &err, "--help"), ==, 0);
  assert_contains (out, "paramscope-cli train");
  g_assert_cmpint (RUN (&out2, &err2, "frobnicate"), ==, 2);
  assert_contains (err2, "unknown command \"frobnicate\"");
  g_assert_cmpint (RUN (&out3, &err3, "print", f->mlp, "--seed"), ==, 2);
  assert_contains (err3, "print: unknown option --seed");
}

static void
test_print_names (Fx *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL, *sd = NULL, *err2 = NULL, *np = NULL, *err3 = NULL;

  g_assert_cmpint (RUN (&out, &err, "print", f->tied), ==, 0);
  g_assert_cmpstr (out, ==, "Sequential(\n"
                   "  (0): Linear(in_features=4, out_features=8, bias=True)\n"
                   "  (1): ReLU()\n"
                   "  (2): Linear(in_features=8, out_features=8, bias=True)\n"
                   "  (3): ReLU()\n"
                   "  (4): Linear(in_features=8, out_features=8, bias=True)\n"
                   "  (5): ReLU()\n"
                   "  (6): Linear(in_features=8, out_features=1, bias=True)\n"
                   ")\n");
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (RUN (&sd, &err2, "names", f->tied, "--state-dict"), ==, 0);
  g_assert_cmpstr (sd, ==, "0.weight\n0.bias\n2.weight\n2.bias\n4.weight\n4.bias\n6.weight\n6.bias\n");
  g_assert_cmpint (RUN (&np, &err3, "names", f->tied), ==, 0);
  g_assert_cmpstr (np, ==, "0.weight\n0.bias\n2.weight\n2.bias\n6.weight\n6.bias\n");
}

static void
test_print_repr_input (Fx *f, gconstpointer data)
{
  g_autofree char *path = tmp (f, "pasted.txt");
  g_autofree char *out = NULL, *err = NULL;
  const char *text = "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n"
                     "  (block 1): Sequential(\n    (0): ReLU()\n  )\n)";
  g_file_set_contents (path, text, -1, NULL);
  g_assert_cmpint (RUN (&out, &err, "print", path), ==, 0);
  g_assert_cmpstr (out, ==, "Sequential(\n  (0): Linear(in_features=4, out_features=8, bias=True)\n"
                   "  (block 1): Sequential(\n    (0): ReLU()\n  )\n)\n");
}

static void
test_init (Fx *f, gconstpointer data)
{
  g_autofree char *o1 = tmp (f, "a.safetensors"), *o2 = tmp (f, "b.safetensors");
  g_autofree char *o3 = tmp (f, "c.safetensors");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (PsTensor) w0 = NULL, b0 = NULL, w2 = NULL, b2 = NULL;
  g_autoptr (GBytes) a = NULL, b = NULL;
  char *s1, *s2;
  gsize l1, l2;

  g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--seed", "4",
                        "--init", "0.weight=xavier_uniform()", "--init", "2.weight=constant(42)",
                        "--init", "*bias=zeros()", "-o", o1), ==, 0);
  w0 = ps_test_load_tensor (o1, "0.weight");
  b0 = ps_test_load_tensor (o1, "0.bias");
  w2 = ps_test_load_tensor (o1, "2.weight");
  b2 = ps_test_load_tensor (o1, "2.bias");
  for (int i = 0; i < 32; i++)
    g_assert_cmpfloat (fabsf (w0->data[i]), <=, sqrt (6.0 / 12));
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (w2->data[i], ==, 42.f);
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (b0->data[i], ==, 0.f);
  g_assert_cmpfloat (b2->data[0], ==, 0.f);

  /* same seed, same bytes; another seed, other bytes */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--seed", "4", "-o", o2), ==, 0);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--seed", "4", "-o", o3), ==, 0);
  g_file_get_contents (o2, &s1, &l1, NULL);
  g_file_get_contents (o3, &s2, &l2, NULL);
  g_assert_cmpmem (s1, l1, s2, l2);
  g_free (s1);
  g_free (s2);
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--seed", "5", "-o", o3), ==, 0);
  a = g_bytes_new_take ((g_file_get_contents (o2, &s1, &l1, NULL), s1), l1);
  b = g_bytes_new_take ((g_file_get_contents (o3, &s2, &l2, NULL), s2), l2);
  g_assert_false (g_bytes_equal (a, b));
}

static void
test_init_errors (Fx *f, gconstpointer data)
{
  g_autofree char *o = tmp (f, "x.safetensors");
  struct { const char *init; const char *msg; } cases[] = {
    { "3.weight=zeros()", "no state_dict key matches '3.weight'" },
    { "*weight=gaussian()", "unknown initializer 'gaussian'" },
    { "*weight=normal(mean=0, sd=1)", "normal() has no argument 'sd' (it takes: mean, std)" },
    { "*weight=normal(std=abc)", "normal: argument std takes a finite number, got \"abc\"" },
    { "*weight", "write PATTERN=SCHEME" },
    { "*bias=eye()", "0.bias: eye only supports 2-D tensors" },
    { "*bias=xavier_uniform()", "Fan in and fan out can not be computed" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *out = NULL, *err = NULL;
      g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--init", cases[i].init, "-o", o), ==, 1);
      assert_contains (err, cases[i].msg);
      g_assert_false (g_file_test (o, G_FILE_TEST_EXISTS));
    }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (RUN (&out, &err, "init", f->lazy, "-o", o), ==, 1);
    assert_contains (err, "0.weight is uninitialized");
    g_assert_false (g_file_test (o, G_FILE_TEST_EXISTS));
  }
}

static void
test_run_outputs (Fx *f, gconstpointer data)
{
  g_autofree char *o = tmp (f, "run.safetensors");
  g_autofree char *out = NULL, *err = NULL, *ins = NULL, *err2 = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  GError *error = NULL;

  g_assert_cmpint (RUN (&out, &err, "run", f->tied, "--input", f->tied_x, "--loss", "sum", "-o", o), ==, 0);
  st = ps_safetensors_open (o, &error);
  g_assert_no_error (error);
  g_assert_nonnull (ps_safetensors_find (st, "output"));
  g_assert_nonnull (ps_safetensors_find (st, "loss"));
  g_assert_cmpint (ps_safetensors_find (st, "loss")->ndim, ==, 0);
  g_assert_nonnull (ps_safetensors_find (st, "grad.0.weight"));
  /* tied: stored once, aliases in __metadata__ */
  g_assert_cmpstr (g_hash_table_lookup (ps_safetensors_get_metadata (st), "grad.4.weight"), ==,
                   "grad.2.weight");
  g_assert_cmpint (RUN (&ins, &err2, "inspect", o), ==, 0);
  assert_contains (ins, "name\tdtype\tshape\tmean\tstd\tmin\tmax\n");
  assert_contains (ins, "\ngrad.0.weight\tF32\t[8, 4]\t");
  assert_contains (ins, "# 4.weight = 2.weight (tied: stored once)");
}

static void
test_run_errors (Fx *f, gconstpointer data)
{
  g_autofree char *o = tmp (f, "out.safetensors");
  g_autofree char *keep = tmp (f, "keep.safetensors");
  g_autofree char *x3 = tmp (f, "x3.safetensors");
  g_autofree char *before = NULL, *after = NULL;
  gsize lb, la;
  g_autoptr (PsTensor) bad_x = ps_tensor_new_2d (2, 3);
  const char *names[] = { "input" };
  PsTensor *ts[] = { bad_x };
  struct { const char *const *argv; const char *msg; } cases[] = {
    { (const char *const[]) { "run", f->mlp, "--input", x3, "-o", NULL },
      "0: Linear(in_features=4) got input with 3 features" },
    { (const char *const[]) { "run", f->mlp, "--input", f->mlp_t, "-o", NULL },
      "has no tensor \"input\" (it has: \"target\")" },
    { (const char *const[]) { "run", f->mlp, "--input", f->mlp_x, "--loss", "mse", "-o", NULL },
      "--loss mse needs --target" },
    { (const char *const[]) { "run", f->mlp, "--input", f->mlp_x, "--loss", "l1", "-o", NULL },
      "unknown loss \"l1\"" },
    { (const char *const[]) { "run", f->mlp, "--input", f->mlp_x, "--weights", f->tied_x, "-o", NULL },
      "does not fit the model: missing key(s) \"0.weight\"" },
    { (const char *const[]) { "run", f->mlp, "--input", "/nonexistent.safetensors", "-o", NULL },
      "/nonexistent.safetensors" },
  };

  ps_safetensors_write (x3, 1, names, ts, NULL, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GPtrArray) argv = g_ptr_array_new ();
      g_autofree char *out = NULL, *err = NULL;
      for (guint k = 0; cases[i].argv[k]; k++)
        g_ptr_array_add (argv, (gpointer) cases[i].argv[k]);
      g_ptr_array_add (argv, o);
      g_ptr_array_add (argv, NULL);
      g_assert_cmpint (ps_test_run_cli ((const char *const *) argv->pdata, &out, &err), ==, 1);
      assert_contains (err, cases[i].msg);
      g_assert_false (g_file_test (o, G_FILE_TEST_EXISTS));
    }

  /* an existing output file survives a failing run byte for byte */
  {
    g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
    g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "-o", keep), ==, 0);
    g_file_get_contents (keep, &before, &lb, NULL);
    g_assert_cmpint (RUN (&out2, &err2, "run", f->mlp, "--input", x3, "-o", keep), ==, 1);
    g_file_get_contents (keep, &after, &la, NULL);
    g_assert_cmpmem (before, lb, after, la);
  }
}

static void
test_train_log (Fx *f, gconstpointer data)
{
  g_autofree char *o = tmp (f, "t.safetensors"), *log = tmp (f, "log.csv");
  g_autofree char *out = NULL, *err = NULL, *csv = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (PsTensor) hist = NULL;

  g_assert_cmpint (RUN (&out, &err, "train", f->mlp, "--input", f->mlp_x, "--target", f->mlp_t,
                        "--loss", "mse", "--lr", "0.1", "--optimizer", "adam", "--steps", "5",
                        "--log", log, "-o", o), ==, 0);
  g_file_get_contents (log, &csv, NULL, NULL);
  lines = g_strsplit (csv, "\n", -1);
  g_assert_cmpstr (lines[0], ==, "step,loss,grad_norm.0.weight,grad_norm.0.bias,grad_norm.2.weight,grad_norm.2.bias");
  g_assert_cmpuint (g_strv_length (lines), ==, 7);    /* header, 5 steps, final empty */
  hist = ps_test_load_tensor (o, "loss_history");
  g_assert_cmpint (hist->numel, ==, 5);
  g_assert_cmpfloat (hist->data[4], <, hist->data[0]);
  g_assert_true (g_str_has_prefix (lines[1], "0,"));
}

static void
test_bench (Fx *f, gconstpointer data)
{
  g_autofree char *out = NULL, *err = NULL;
  g_assert_cmpint (RUN (&out, &err, "bench", f->mlp, "--batch", "2", "--steps", "11"), ==, 0);
  assert_contains (out, "model       4-8-1 (49 parameters), batch 2\n");
  assert_contains (out, "\nstep        ");
  assert_contains (out, "\nsgemm       ");
  assert_contains (out, "\nratio       ");
  /* the bench program beside the tests: the same step, and what it allocates */
  {
    g_autofree char *o1 = NULL, *e1 = NULL;
    g_assert_cmpint (BENCH (&o1, &e1, "step", f->mlp, "--batch", "2", "--steps", "11"), ==, 0);
    assert_contains (o1, "model       4-8-1 (49 parameters), batch 2\n");
    assert_contains (o1, "\nratio       ");
    assert_contains (o1, "\nallocations 0.000 per steady-state step");
  }
  /* which OpenBLAS kernels ran, the step's CPU time, and each product timed alone:
   * the MLP's forward and backward make 2 + 3 products, each a line */
  {
    g_autofree char *o1 = NULL, *e1 = NULL;
    g_assert_cmpint (BENCH (&o1, &e1, "step", f->mlp, "--batch", "2", "--steps", "11",
                            "--per-call"), ==, 0);
    assert_contains (o1, " timed, OpenBLAS core ");
    assert_contains (o1, "\nstep cpu    ");
    assert_contains (o1, "call  op          M       N       K         ms  GFLOP/s\n");
    assert_contains (o1, "\n4     ");
    g_assert_null (strstr (o1, "\n5     "));
    assert_contains (o1, "\ncalls       ");
  }
  {
    g_autofree char *o2 = NULL, *e2 = NULL;
    g_assert_cmpint (BENCH (&o2, &e2, "render", "300", "--steps", "3"), ==, 0);
    assert_contains (o2, "heatmap     300 x 300 floats");
    assert_contains (o2, "\nallocations 0.000 per frame");
  }
}

/* Every subcommand parses its options with its own GOptionContext:
 * SUBCOMMAND --help prints its usage on stdout and exits 0; options
 * another subcommand takes are unknown here (usage error, 2). */
static void
test_subcommand_help (Fx *f, gconstpointer data)
{
  static const char *const subcommands[] = {
    "print", "names", "init", "run", "train", "inspect", "bench", "render",
  };
  for (guint i = 0; i < G_N_ELEMENTS (subcommands); i++)
    {
      g_autofree char *out = NULL, *err = NULL, *usage = NULL;
      g_assert_cmpint (RUN (&out, &err, subcommands[i], "--help"), ==, 0);
      usage = g_strdup_printf ("paramscope-cli %s [OPTION", subcommands[i]);
      assert_contains (out, usage);
      g_assert_cmpstr (err, ==, "");
    }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (RUN (&out, &err, "init", "--help"), ==, 0);
    assert_contains (out, "--init");
    assert_contains (out, "xavier_uniform");
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (RUN (&out, &err, "bench", f->mlp, "--render", "300"), ==, 2);
    assert_contains (err, "bench: unknown option --render");
  }
  {
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (RUN (&out, &err, "names", f->mlp, f->mlp), ==, 2);
    assert_contains (err, "names: unexpected argument");
  }
}

/* --init repeats, in order; a scheme without arguments is the scheme with
 * its defaults ("normal" as "normal()"). */
static void
test_init_bare_scheme (Fx *f, gconstpointer data)
{
  g_autofree char *a = tmp (f, "bare.safetensors"), *b = tmp (f, "call.safetensors");
  g_autofree char *out = NULL, *err = NULL, *out2 = NULL, *err2 = NULL;
  g_autofree char *sa = NULL, *sb = NULL;
  gsize la, lb;

  g_assert_cmpint (RUN (&out, &err, "init", f->mlp, "--seed", "3", "--init", "*=normal",
                        "--init", "*bias=zeros", "-o", a), ==, 0);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (RUN (&out2, &err2, "init", f->mlp, "--seed", "3", "--init", "*=normal()",
                        "--init", "*bias=zeros()", "-o", b), ==, 0);
  g_assert_true (g_file_get_contents (a, &sa, &la, NULL));
  g_assert_true (g_file_get_contents (b, &sb, &lb, NULL));
  g_assert_cmpmem (sa, la, sb, lb);
  {
    g_autoptr (PsTensor) bias = ps_test_load_tensor (a, "0.bias");
    for (int i = 0; i < bias->numel; i++)
      g_assert_cmpfloat (bias->data[i], ==, 0.f);
  }
}

static guint32
pixel (cairo_surface_t *s, int x, int y)
{
  const guint8 *d = cairo_image_surface_get_data (s);
  return *(const guint32 *) (d + (size_t) y * cairo_image_surface_get_stride (s) + 4 * x) | 0xff000000u;
}

static void
test_render (Fx *f, gconstpointer data)
{
  g_autofree char *png = tmp (f, "w.png"), *png2 = tmp (f, "g.png"), *png3 = tmp (f, "b.png");
  g_autofree char *weights = ps_test_fixture ("models/tied.weights.safetensors");
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (PsTensor) w = ps_test_load_tensor (weights, "2.weight");
  cairo_surface_t *s;
  float range = ps_heatmap_range (w->data, w->numel);

  /* the heatmap alone: 8 x 8 cells of 5 px, rows = output features */
  g_assert_cmpint (RUN (&out, &err, "render", f->tied, "--weights", weights, "--param", "2.weight",
                        "--cell", "5", "-o", png), ==, 0);
  s = cairo_image_surface_create_from_png (png);
  g_assert_cmpint (cairo_surface_status (s), ==, CAIRO_STATUS_SUCCESS);
  g_assert_cmpint (cairo_image_surface_get_width (s), ==, 40);
  g_assert_cmpint (cairo_image_surface_get_height (s), ==, 40);
  for (int r = 0; r < 8; r++)
    for (int c = 0; c < 8; c++)
      for (int k = 0; k < 2; k++)      /* the centre and a corner: crisp cells */
        g_assert_cmphex (pixel (s, c * 5 + (k ? 0 : 2), r * 5 + (k ? 4 : 2)), ==,
                         ps_colormap_argb (w->data[r * 8 + c], range));
  cairo_surface_destroy (s);

  /* the gradient, reached by index path, with a colorbar: wider, same cells */
  g_clear_pointer (&out, g_free);
  g_clear_pointer (&err, g_free);
  g_assert_cmpint (RUN (&out, &err, "render", f->tied, "--weights", weights, "--input", f->tied_x,
                        "--loss", "sum", "--param", "net[4].weight", "--grad", "--colorbar",
                        "-o", png2), ==, 0);
  s = cairo_image_surface_create_from_png (png2);
  g_assert_cmpint (cairo_image_surface_get_width (s), >, 128 + 40);
  g_assert_cmpint (cairo_image_surface_get_height (s), >=, 128);
  /* the bar: its top is the map's most positive colour, its bottom the most negative */
  {
    int w_img = cairo_image_surface_get_width (s), h = cairo_image_surface_get_height (s), x;
    gboolean found = FALSE;
    for (x = 128; x < w_img && !found; x++)
      found = pixel (s, x, h / 4) != 0xffffffffu;
    g_assert_true (found);
  }
  cairo_surface_destroy (s);

  /* errors: no file */
  {
    const char *cases[][2] = {
      { "3.weight", "the model has no parameter \"3.weight\"" },
    };
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *o2 = NULL, *e2 = NULL;
        g_assert_cmpint (RUN (&o2, &e2, "render", f->tied, "--param", cases[i][0], "-o", png3), ==, 1);
        assert_contains (e2, cases[i][1]);
        g_assert_false (g_file_test (png3, G_FILE_TEST_EXISTS));
      }
  }
  {
    g_autofree char *o2 = NULL, *e2 = NULL, *o3 = NULL, *e3 = NULL;
    g_assert_cmpint (RUN (&o2, &e2, "render", f->tied, "--param", "0.weight", "--grad", "-o", png3), ==, 1);
    assert_contains (e2, "0.weight has no gradient yet");
    g_assert_cmpint (RUN (&o3, &e3, "render", f->lazy, "--param", "0.weight", "-o", png3), ==, 1);
    assert_contains (e3, "0.weight is uninitialized (lazy)");
    g_assert_false (g_file_test (png3, G_FILE_TEST_EXISTS));
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
#define ADD(path, fn) g_test_add (path, Fx, NULL, fx_setup, fn, fx_teardown)
  ADD ("/cli/usage", test_usage);
  ADD ("/cli/print-names", test_print_names);
  ADD ("/cli/print-repr-input", test_print_repr_input);
  ADD ("/cli/init", test_init);
  ADD ("/cli/init-errors", test_init_errors);
  ADD ("/cli/run-outputs", test_run_outputs);
  ADD ("/cli/run-errors", test_run_errors);
  ADD ("/cli/train-log", test_train_log);
  ADD ("/cli/bench", test_bench);
  ADD ("/cli/subcommand-help", test_subcommand_help);
  ADD ("/cli/init-bare-scheme", test_init_bare_scheme);
  ADD ("/cli/render", test_render);
  return g_test_run ();
}
