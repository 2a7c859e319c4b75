/* test-autograd.c — the eager autograd against PyTorch and finite differences
 *
 * tests/fixtures/tensor/autograd.json holds eight scenarios run by PyTorch
 * 1.13 (inputs, the output, the grad_fn names it printed, every input's
 * .grad); each is run here the same way and compared.  Then every
 * differentiable op's gradient is checked against central differences in
 * float64, and the rules: leaves, accumulation, parameters' gradients and
 * listeners, no_grad, retain_graph, PyTorch's error texts.
 */
#include "ps-test-array.h"
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

static GError *err;

#define OK(x) ({ __auto_type r_ = (x); g_assert_no_error (err); g_assert_nonnull (r_); r_; })
#define BIN(op, a, b) OK (ps_array_binary (PS_BINARY_##op, (a), (b), &err))
#define UN(op, a) OK (ps_array_unary (PS_UNARY_##op, (a), &err))
#define NUM(v) ps_array_new_wrapped (ps_scalar_float (v))
#define INT(v) ps_array_new_wrapped (ps_scalar_int (v))
#define SUM(a) OK (ps_array_sum ((a), NULL, 0, FALSE, &err))

/* Arrays made in a scenario, freed at its end. */
static GPtrArray *pool;

static PsArray *
keep (PsArray *a)
{
  g_ptr_array_add (pool, a);
  return a;
}

#define K(x) keep (x)

typedef PsArray *(*Scenario) (PsArray **in, const char **names);

static PsArray *
sc_elementwise (PsArray **in, const char **names)
{
  PsArray *x = in[0], *w = in[1], *b = in[2];
  PsArray *t = K (BIN (ADD, K (BIN (MUL, x, w)), b));
  PsArray *y = K (SUM (K (BIN (SUB, K (UN (SIGMOID, t)), K (BIN (DIV, x, K (INT (2))))))));

  names[0] = ps_array_get_grad_fn_name (y);
  return y;
}

static PsArray *
sc_linear (PsArray **in, const char **names)
{
  PsArray *h = K (OK (ps_array_linear (in[0], in[1], in[2], &err)));
  PsArray *y = K (OK (ps_array_mean (K (UN (RELU, h)), NULL, 0, FALSE, &err)));

  names[0] = ps_array_get_grad_fn_name (h);
  names[1] = ps_array_get_grad_fn_name (y);
  return y;
}

static PsArray *
sc_mm_slice (PsArray **in, const char **names)
{
  PsIndex ix[2] = { PS_INDEX_ALL_INIT, { PS_INDEX_SLICE, 0, TRUE, TRUE, 1, 3, 0, NULL } };
  PsArray *s = K (OK (ps_array_index (in[0], ix, 2, &err)));
  PsArray *m = K (OK (ps_array_mm (K (OK (ps_array_t (s, &err))), in[1], &err)));
  PsArray *p = K (OK (ps_array_pow_scalar (K (UN (TANH, m)), ps_scalar_int (2), &err)));
  PsArray *y = K (SUM (p));

  names[0] = ps_array_get_grad_fn_name (s);
  names[1] = ps_array_get_grad_fn_name (y);
  return y;
}

static PsArray *
sc_reductions (PsArray **in, const char **names)
{
  PsArray *a = in[0], *mx;
  int one = 1, zero = 0;
  PsArray *m = K (OK (ps_array_mean (a, &one, 1, TRUE, &err)));
  PsArray *sd = K (OK (ps_array_std (a, NULL, 0, TRUE, FALSE, &err)));
  PsArray *q = K (BIN (DIV, K (BIN (SUB, a, m)), sd));
  PsArray *n = K (OK (ps_array_norm (q, 2, NULL, 0, FALSE, &err)));

  mx = K (OK (ps_array_max_all (K (OK (ps_array_sum (a, &zero, 1, FALSE, &err))), &err)));
  names[0] = ps_array_get_grad_fn_name (m);
  return (names[1] = NULL, keep (BIN (ADD, n, mx)));
}

static PsArray *
sc_cat_stack_mask (PsArray **in, const char **names)
{
  PsArray *a = in[0], *c = in[1];
  PsArray *parts[2] = { a, K (BIN (MUL, c, K (INT (2)))) };
  int64_t s34[2] = { 3, 4 }, six = 6;
  PsArray *z = K (OK (ps_array_reshape (K (OK (ps_array_cat (parts, 2, 0, &err))), 2, s34, &err)));
  PsArray *ac[2] = { a, c };
  PsArray *st = K (OK (ps_array_stack (ac, 2, 1, &err)));
  PsIndex mask = { PS_INDEX_ARRAY, 0, FALSE, FALSE, 0, 0, 0, K (BIN (GT, z, K (INT (0)))) };
  PsIndex one = PS_INDEX_INT_INIT (1);
  PsIndex i02[2] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (2) };
  PsIndex i10[2] = { PS_INDEX_INT_INIT (1), PS_INDEX_INT_INIT (0) };
  PsArray *t1 = K (SUM (K (OK (ps_array_index (z, &mask, 1, &err)))));
  PsArray *v = K (OK (ps_array_view (K (OK (ps_array_index (st, &one, 1, &err))), 1, &six, &err)));
  PsArray *t2 = K (SUM (K (UN (ABS, v))));
  PsArray *t3 = K (BIN (MUL, K (OK (ps_array_index (a, i02, 2, &err))),
                        K (OK (ps_array_index (c, i10, 2, &err)))));

  names[0] = ps_array_get_grad_fn_name (z);
  names[1] = ps_array_get_grad_fn_name (st);
  return K (BIN (ADD, K (BIN (ADD, t1, t2)), t3));
}

static PsArray *
sc_activations (PsArray **in, const char **names)
{
  PsArray *a = in[0];
  PsScalar lo = ps_scalar_float (-0.5), hi = ps_scalar_float (0.5);
  PsArray *t = K (OK (ps_array_leaky_relu (a, 0.1, &err)));
  PsArray *sq = K (UN (SQRT, K (BIN (ADD, K (BIN (MUL, a, a)), K (INT (1))))));

  t = K (BIN (ADD, t, K (UN (GELU, a))));
  t = K (BIN (ADD, t, K (UN (LOG, K (UN (EXP, a))))));
  t = K (BIN (ADD, t, sq));
  t = K (BIN (ADD, t, K (OK (ps_array_clamp (a, &lo, &hi, &err)))));
  t = K (SUM (t));
  names[0] = ps_array_get_grad_fn_name (t);
  return t;
}

static PsArray *
sc_matmul_expand (PsArray **in, const char **names)
{
  PsArray *v = in[0], *M = in[1];
  int64_t s32[2] = { 3, 2 };
  PsArray *r = K (OK (ps_array_matmul (v, M, &err)));
  PsArray *e = K (OK (ps_array_expand (K (OK (ps_array_unsqueeze (v, 1, &err))), 2, s32, &err)));
  PsArray *y = K (BIN (ADD, K (SUM (K (BIN (MUL, r, r)))), K (SUM (K (BIN (MUL, e, M))))));

  names[0] = ps_array_get_grad_fn_name (r);
  names[1] = ps_array_get_grad_fn_name (y);
  return y;
}

static PsArray *
sc_rsub_max (PsArray **in, const char **names)
{
  PsArray *a = in[0], *vals = NULL, *ids = NULL;
  PsArray *t1 = K (SUM (K (BIN (SUB, K (INT (1)), a))));
  PsArray *den = K (BIN (ADD, K (BIN (MUL, a, a)), K (INT (1))));
  PsArray *t2 = K (SUM (K (BIN (DIV, K (INT (2)), den))));
  PsArray *t3, *t4;

  g_assert_true (ps_array_max_dim (a, 1, FALSE, &vals, &ids, &err));
  K (vals);
  K (ids);
  t3 = K (SUM (vals));
  t4 = K (OK (ps_array_min_all (a, &err)));
  names[0] = ps_array_get_grad_fn_name (K (BIN (SUB, K (INT (1)), a)));
  names[1] = ps_array_get_grad_fn_name (K (BIN (DIV, K (INT (2)), a)));
  return K (BIN (ADD, K (BIN (ADD, t1, t2)), K (BIN (ADD, t3, t4))));
}

static const struct { const char *name; Scenario fn; } scenarios[] = {
  { "elementwise", sc_elementwise },
  { "linear", sc_linear },
  { "mm-slice", sc_mm_slice },
  { "reductions", sc_reductions },
  { "cat-stack-mask", sc_cat_stack_mask },
  { "activations-f64", sc_activations },
  { "matmul-expand", sc_matmul_expand },
  { "rsub-max", sc_rsub_max },
};

static void
test_fixtures (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonArray *cases = ps_test_load_json_array ("autograd.json", &parser);

  g_assert_cmpuint (json_array_get_length (cases), ==, G_N_ELEMENTS (scenarios));
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonArray *ins = json_object_get_array_member (c, "inputs");
      JsonArray *grads = json_object_get_array_member (c, "grads");
      JsonArray *names = json_object_get_array_member (c, "grad_fn");
      PsArray *in[4] = { 0 };
      const char *got_names[2] = { 0 };
      g_autoptr (PsArray) want = ps_test_array_from_json (json_object_get_object_member (c,
                                                                                         "output"));
      PsArray *y;
      guint n = json_array_get_length (ins);

      g_assert_cmpstr (json_object_get_string_member (c, "name"), ==, scenarios[i].name);
      pool = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_array_unref);
      for (guint k = 0; k < n; k++)
        {
          in[k] = K (ps_test_array_from_json (json_array_get_object_element (ins, k)));
          g_assert_true (ps_array_set_requires_grad (in[k], TRUE, &err));
        }
      y = scenarios[i].fn (in, got_names);
      ps_test_assert_array_close (y, want, 2e-6, scenarios[i].name);
      for (guint k = 0; k < json_array_get_length (names); k++)
        if (got_names[k])
          g_assert_cmpstr (got_names[k], ==, json_array_get_string_element (names, k));
      ps_array_backward (y, NULL, FALSE, &err);
      g_assert_no_error (err);
      for (guint k = 0; k < n; k++)
        {
          g_autoptr (PsArray) g = ps_array_get_grad (in[k]);
          g_autoptr (PsArray) wg = ps_test_array_from_json (json_array_get_object_element (grads,
                                                                                           k));
          g_autofree char *ctx = g_strdup_printf ("%s: grad of input %u", scenarios[i].name, k);
          g_assert_nonnull (g);
          ps_test_assert_array_close (g, wg, 1e-5, ctx);
        }
      g_ptr_array_unref (pool);
    }
}

/* ---- finite differences ---------------------------------------------- */

typedef PsArray *(*Fn) (PsArray *x);

static PsArray *f_sigmoid (PsArray *x) { return K (SUM (K (BIN (MUL, K (UN (SIGMOID, x)), x)))); }
static PsArray *f_tanh (PsArray *x) { return K (SUM (K (UN (TANH, K (BIN (MUL, x, x)))))); }
static PsArray *f_gelu (PsArray *x) { return K (SUM (K (UN (GELU, x)))); }
static PsArray *f_gelu_tanh (PsArray *x) { return K (SUM (K (UN (GELU_TANH, x)))); }
static PsArray *f_exp_div (PsArray *x) { return K (SUM (K (BIN (DIV, K (UN (EXP, x)), K (BIN (ADD, K (BIN (MUL, x, x)), K (INT (2)))))))); }
static PsArray *f_sin_cos (PsArray *x) { return K (SUM (K (BIN (MUL, K (UN (SIN, x)), K (UN (COS, x)))))); }
static PsArray *f_pow (PsArray *x) { return K (SUM (K (OK (ps_array_pow_scalar (x, ps_scalar_int (3), &err))))); }
static PsArray *f_pow_tensor (PsArray *x) { return K (SUM (K (BIN (POW, K (UN (ABS, x)), x)))); }
static PsArray *f_std (PsArray *x) { int d = 1; return K (SUM (K (OK (ps_array_std (x, &d, 1, TRUE, FALSE, &err))))); }
static PsArray *f_norm (PsArray *x) { int d = 0; return K (SUM (K (OK (ps_array_norm (x, 2, &d, 1, FALSE, &err))))); }
static PsArray *f_mean_dims (PsArray *x) { int d[2] = { 0, 1 }; return K (SUM (K (BIN (MUL, K (OK (ps_array_mean (x, d, 2, TRUE, &err))), x)))); }
static PsArray *f_transpose_mm (PsArray *x) { return K (SUM (K (UN (TANH, K (OK (ps_array_mm (x, K (OK (ps_array_T (x, &err))), &err))))))); }
static PsArray *f_matmul_mv (PsArray *x) { PsIndex i = PS_INDEX_INT_INIT (0); return K (SUM (K (UN (SIGMOID, K (OK (ps_array_matmul (x, K (OK (ps_array_index (x, &i, 1, &err))), &err))))))); }
static PsArray *f_leaky (PsArray *x) { return K (SUM (K (BIN (MUL, K (OK (ps_array_leaky_relu (x, 0.2, &err))), x)))); }
static PsArray *f_maximum (PsArray *x) { return K (SUM (K (BIN (MAXIMUM, x, K (UN (SIN, x)))))); }
static PsArray *f_permute_flatten (PsArray *x) { int p[2] = { 1, 0 }; return K (SUM (K (UN (SIGMOID, K (BIN (MUL, K (OK (ps_array_flatten (K (OK (ps_array_permute (x, p, 2, &err))), 0, -1, &err))), K (NUM (1.5)))))))); }

static const struct { const char *name; Fn fn; } fns[] = {
  { "sigmoid", f_sigmoid }, { "tanh", f_tanh }, { "gelu", f_gelu }, { "gelu-tanh", f_gelu_tanh },
  { "exp-div", f_exp_div }, { "sin-cos", f_sin_cos }, { "pow", f_pow },
  { "pow-tensor", f_pow_tensor }, { "std", f_std }, { "norm", f_norm },
  { "mean-dims", f_mean_dims }, { "transpose-mm", f_transpose_mm }, { "matmul-mv", f_matmul_mv },
  { "leaky", f_leaky }, { "maximum", f_maximum }, { "permute-flatten", f_permute_flatten },
};

static double
eval (Fn fn, PsArray *x)
{
  PsScalar v;

  ps_autograd_no_grad_push ();
  g_assert_true (ps_array_item (fn (x), &v, &err));
  ps_autograd_no_grad_pop ();
  return v.v.f;
}

static void
test_finite_differences (void)
{
  int64_t shape[2] = { 3, 3 };
  PsRng rng;

  ps_rng_seed (&rng, 3);
  for (guint f = 0; f < G_N_ELEMENTS (fns); f++)
    {
      g_autoptr (PsArray) x = ps_array_new_randn (&rng, PS_DTYPE_F64, 2, shape, &err);
      g_autoptr (PsArray) g = NULL;
      double *xv = NULL;
      PsArray *y;
      g_autofree double *gv = NULL;

      pool = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_array_unref);
      g_assert_true (ps_array_set_requires_grad (x, TRUE, &err));
      y = fns[f].fn (x);
      g_assert_true (ps_array_backward (y, NULL, FALSE, &err));
      g = ps_array_get_grad (x);
      gv = ps_array_to_doubles (g, &err);
      /* perturb a detached view: the same memory */
      {
        g_autoptr (PsArray) d = ps_array_detach (x);
        g_autofree double *cur = ps_array_to_doubles (d, &err);
        for (int64_t i = 0; i < 9; i++)
          {
            const double h = 1e-6;
            double plus, minus, fd;
            PsIndex ix[2] = { PS_INDEX_INT_INIT (i / 3), PS_INDEX_INT_INIT (i % 3) };
            g_autoptr (PsArray) vp = ps_array_new_wrapped (ps_scalar_float (cur[i] + h));
            g_autoptr (PsArray) vm = ps_array_new_wrapped (ps_scalar_float (cur[i] - h));
            g_autoptr (PsArray) v0 = ps_array_new_wrapped (ps_scalar_float (cur[i]));
            ps_autograd_no_grad_push ();
            g_assert_true (ps_array_index_put (d, ix, 2, vp, &err));
            ps_autograd_no_grad_pop ();
            plus = eval (fns[f].fn, x);
            ps_autograd_no_grad_push ();
            g_assert_true (ps_array_index_put (d, ix, 2, vm, &err));
            ps_autograd_no_grad_pop ();
            minus = eval (fns[f].fn, x);
            ps_autograd_no_grad_push ();
            g_assert_true (ps_array_index_put (d, ix, 2, v0, &err));
            ps_autograd_no_grad_pop ();
            fd = (plus - minus) / (2 * h);
            if (fabs (fd - gv[i]) > 1e-5 * MAX (1.0, fabs (fd)))
              g_error ("%s: d/dx[%" G_GINT64_FORMAT "] is %.10g by backward, %.10g by finite "
                       "differences", fns[f].name, i, gv[i], fd);
          }
        (void) xv;
      }
      g_ptr_array_unref (pool);
    }
}

/* ---- rules ---------------------------------------------------------- */

static GPtrArray *kept;

static PsArray *
K2 (PsArray *a)
{
  g_assert_no_error (err);
  if (kept == NULL)
    kept = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_array_unref);
  g_ptr_array_add (kept, a);
  return a;
}

static void
test_leaf_rules (void)
{
  int64_t s = 3;
  g_autoptr (PsArray) x = ps_array_new_ones (PS_DTYPE_F32, 1, &s, &err);
  g_autoptr (PsArray) i = ps_array_new_ones (PS_DTYPE_I64, 1, &s, &err);
  g_autoptr (PsArray) y = NULL, z = NULL, w = NULL, g = NULL;

  pool = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_array_unref);

  g_assert_false (ps_array_set_requires_grad (i, TRUE, &err));
  g_assert_cmpstr (err->message, ==, "only Tensors of floating point dtype can require gradients");
  g_clear_error (&err);

  /* a tensor that does not require grad */
  y = SUM (x);
  g_assert_false (ps_array_backward (y, NULL, FALSE, &err));
  g_assert_cmpstr (err->message, ==, "element 0 of tensors does not require grad and does not "
                                     "have a grad_fn");
  g_clear_error (&err);

  g_assert_true (ps_array_set_requires_grad (x, TRUE, &err));
  g_assert_true (ps_array_is_leaf (x));
  z = BIN (MUL, x, x);
  g_assert_false (ps_array_is_leaf (z));
  g_assert_false (ps_array_backward (z, NULL, FALSE, &err));
  g_assert_cmpstr (err->message, ==, "grad can be implicitly created only for scalar outputs");
  g_clear_error (&err);

  /* in place on a leaf that requires grad, and on its view */
  g_assert_false (ps_array_fill_ (x, ps_scalar_int (0), &err));
  g_assert_cmpstr (err->message, ==, "a leaf Variable that requires grad is being used in an "
                                     "in-place operation.");
  g_clear_error (&err);
  {
    PsIndex ix = PS_INDEX_INT_INIT (0);
    g_autoptr (PsArray) one = INT (1);
    g_assert_false (ps_array_index_put (x, &ix, 1, one, &err));
    g_assert_cmpstr (err->message, ==, "a view of a leaf Variable that requires grad is being "
                                       "used in an in-place operation.");
    g_clear_error (&err);
    /* allowed under no_grad */
    ps_autograd_no_grad_push ();
    g_assert_true (ps_array_index_put (x, &ix, 1, one, &err));
    g_assert_false (ps_autograd_is_enabled ());
    ps_autograd_no_grad_pop ();
  }

  /* gradients accumulate over backward calls; a second backward through a
   * freed graph is PyTorch's error */
  /* z saved x, which has been written since: PyTorch's version check */
  {
    g_autoptr (PsArray) old = SUM (z);
    g_assert_false (ps_array_backward (old, NULL, FALSE, &err));
    g_assert_true (g_str_has_prefix (err->message, "one of the variables needed for gradient "
                                                   "computation has been modified by an inplace "
                                                   "operation: [torch.FloatTensor [3]] is at "
                                                   "version 1; expected version 0 instead. Hint: "));
    g_clear_error (&err);
  }
  w = SUM (K (BIN (MUL, x, x)));
  g_assert_true (ps_array_backward (w, NULL, FALSE, &err));
  g = ps_array_get_grad (x);
  {
    g_autofree double *gv = ps_array_to_doubles (g, &err);
    g_assert_cmpfloat (gv[0], ==, 2.0);
  }
  g_assert_false (ps_array_backward (w, NULL, FALSE, &err));
  g_assert_true (g_str_has_prefix (err->message, "Trying to backward through the graph a second "
                                                 "time"));
  g_clear_error (&err);
  {
    g_autoptr (PsArray) w2 = SUM (K (BIN (MUL, x, x)));
    g_autoptr (PsArray) g2 = NULL;
    g_autofree double *gv = NULL;
    g_assert_true (ps_array_backward (w2, NULL, TRUE, &err));
    g_assert_true (ps_array_backward (w2, NULL, FALSE, &err));
    g2 = ps_array_get_grad (x);
    gv = ps_array_to_doubles (g2, &err);
    g_assert_cmpfloat (gv[0], ==, 6.0);     /* 2 + 2 + 2 */
  }
  /* no_grad: nothing recorded */
  ps_autograd_no_grad_push ();
  {
    g_autoptr (PsArray) q = BIN (MUL, x, x);
    g_assert_null (ps_array_get_grad_fn_name (q));
    g_assert_false (ps_array_get_requires_grad (q));
  }
  ps_autograd_no_grad_pop ();
  g_assert_true (ps_autograd_is_enabled ());
  g_ptr_array_unref (pool);
}

typedef struct { int grads, datas; } Heard;

static void
on_change (PsParam *p, PsChange what, gpointer data)
{
  Heard *h = data;

  if (what & PS_CHANGE_GRAD)
    h->grads++;
  if (what & PS_CHANGE_DATA)
    h->datas++;
}

/* A module called from code: AddmmBackward0, the parameters' gradients
 * accumulate in the PsParams, and the views of .data write through. */
static void
test_module_and_params (void)
{
  PsRng rng;
  g_autoptr (PsModule) net = ps_module_new_sequential ();
  int64_t s[2] = { 2, 4 };
  g_autoptr (PsArray) x = NULL, y = NULL, l = NULL, w = NULL, d = NULL, g = NULL;
  PsParam *wp;
  Heard heard = { 0 };
  float before;

  ps_rng_seed (&rng, 0);
  ps_module_append (net, NULL, ps_module_new_linear (4, 3, TRUE, &rng), &err);
  ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU), &err);
  ps_module_append (net, NULL, ps_module_new_linear (3, 1, TRUE, &rng), &err);
  g_assert_no_error (err);
  x = ps_array_new_randn (&rng, PS_DTYPE_F32, 2, s, &err);
  y = OK (ps_autograd_module_forward (net, x, &rng, &err));
  g_assert_cmpstr (ps_array_get_grad_fn_name (y), ==, "AddmmBackward0");
  wp = ps_module_find_param (net, "0.weight");
  ps_param_add_listener (wp, on_change, &heard, NULL);
  l = SUM (y);
  g_assert_true (ps_array_backward (l, NULL, FALSE, &err));
  g_assert_nonnull (ps_param_get_grad (wp));
  g_assert_cmpint (heard.grads, ==, 1);

  /* the gradient equals the tape's for the same forward */
  {
    g_autoptr (PsTape) tape = ps_tape_new (net, &rng);
    g_autoptr (PsTensor) xt = ps_array_to_tensor (x, &err);
    g_autoptr (PsTensor) g1 = ps_tensor_copy (ps_param_get_grad (wp));
    double loss;
    ps_param_zero_grad (wp, TRUE);
    g_assert_nonnull (ps_tape_forward (tape, xt, &err));
    g_assert_true (ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &err));
    for (int64_t i = 0; i < g1->numel; i++)
      g_assert_cmpfloat_with_epsilon (g1->data[i], ps_param_get_grad (wp)->data[i], 1e-6);
  }

  /* net[0].weight.data[0, 0] = 42 */
  w = OK (ps_array_new_for_param (wp, &err));
  /* the parameter's .grad as an array over its gradient */
  g = ps_array_get_grad (w);
  g_assert_nonnull (g);
  {
    g_autofree double *gv = ps_array_to_doubles (g, &err);
    g_assert_cmpfloat (gv[1], ==, ps_param_get_grad (wp)->data[1]);
  }
  g_assert_true (ps_array_is_parameter (w));
  d = ps_array_detach (w);
  g_assert_false (ps_array_get_requires_grad (d));
  {
    PsIndex ix[2] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0) };
    g_autoptr (PsArray) v = INT (42);
    before = ps_param_get_data (wp)->data[0];
    g_assert_cmpfloat (before, !=, 42.f);
    g_assert_true (ps_array_index_put (d, ix, 2, v, &err));
    g_assert_cmpfloat (ps_param_get_data (wp)->data[0], ==, 42.f);
    g_assert_cmpint (heard.datas, >=, 1);
  }
  /* an exchange of the parameter's buffer: the view reads the new memory */
  {
    g_autoptr (PsTensor) other = ps_tensor_copy (ps_param_get_data (wp));
    PsScalar e;
    int64_t idx[2] = { 0, 0 };
    other->data[0] = -7.f;
    ps_param_exchange (wp, other, NULL);
    e = ps_array_get_element (d, idx);
    g_assert_cmpfloat (e.v.f, ==, -7.0);
  }
}

static void
test_errors (void)
{
  int64_t s23[2] = { 2, 3 }, s45[2] = { 4, 5 };
  g_autoptr (PsArray) a = ps_array_new_zeros (PS_DTYPE_F32, 2, s23, &err);
  g_autoptr (PsArray) b = ps_array_new_zeros (PS_DTYPE_F32, 2, s45, &err);
  g_autoptr (PsArray) g = NULL;

  g_assert_null (ps_array_mm (a, b, &err));
  g_assert_cmpstr (err->message, ==, "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)");
  g_clear_error (&err);
  g_assert_true (ps_array_set_requires_grad (a, TRUE, &err));
  g = ps_array_new_zeros (PS_DTYPE_F32, 1, s23, &err);
  g_assert_false (ps_array_backward (a, g, FALSE, &err));
  g_assert_cmpstr (err->message, ==, "Mismatch in shape: grad_output[0] has a shape of "
                                     "torch.Size([2]) and output[0] has a shape of "
                                     "torch.Size([2, 3]).");
  g_clear_error (&err);
}

/* The lesson's first cells (seeds/002) under four seeds: the same default
 * initialization, X, net(X) with its grad_fn, the gradient after backward,
 * the custom init and the edits through .data, printed as PyTorch prints. */
static void
test_lesson (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonArray *cases = ps_test_load_json_array ("lesson.json", &parser);

  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      g_autoptr (PsModule) net = ps_module_new_sequential ();
      int64_t s24[2] = { 2, 4 };
      g_autoptr (PsArray) X = NULL, y = NULL, l = NULL, w = NULL, g = NULL, d = NULL;
      g_autoptr (PsArray) b = NULL, bd = NULL, mask = NULL, maskf = NULL, row = NULL;
      g_autoptr (PsArray) five = ps_array_new_wrapped (ps_scalar_int (5));
      g_autoptr (PsArray) one = ps_array_new_wrapped (ps_scalar_int (1));
      g_autoptr (PsArray) v42 = ps_array_new_wrapped (ps_scalar_int (42));
      PsIndex all = PS_INDEX_ALL_INIT, first = PS_INDEX_INT_INIT (0);
      PsIndex i00[2] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0) };
      PsRng rng;
      struct { const char *key; PsArray **a; } shown[4];
      g_autofree char *got = NULL;

      ps_rng_seed (&rng, json_object_get_int_member (c, "seed"));
      ps_module_append (net, NULL, ps_module_new_linear (4, 8, TRUE, &rng), &err);
      ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU), &err);
      ps_module_append (net, NULL, ps_module_new_linear (8, 1, TRUE, &rng), &err);
      X = ps_array_new_rand (&rng, PS_DTYPE_F32, 2, s24, &err);
      y = ps_autograd_module_forward (net, X, &rng, &err);
      w = ps_array_new_for_param (ps_module_find_param (net, "0.weight"), &err);
      b = ps_array_new_for_param (ps_module_find_param (net, "2.bias"), &err);
      bd = ps_array_detach (b);
      g_assert_no_error (err);
      shown[0].key = "X"; shown[0].a = &X;
      shown[1].key = "y"; shown[1].a = &y;
      shown[2].key = "weight"; shown[2].a = &w;
      shown[3].key = "bias_data"; shown[3].a = &bd;
      for (int k = 0; k < 4; k++)
        {
          g_autofree char *r = ps_array_repr (*shown[k].a, NULL);
          g_assert_cmpstr (r, ==, json_object_get_string_member (c, shown[k].key));
        }
      l = ps_array_sum (y, NULL, 0, FALSE, &err);
      g_assert_true (ps_array_backward (l, NULL, FALSE, &err));
      g = ps_array_get_grad (w);
      got = ps_array_repr (g, NULL);
      g_assert_cmpstr (got, ==, json_object_get_string_member (c, "weight_grad"));
      g_clear_pointer (&got, g_free);

      /* with torch.no_grad(): w.uniform_(-10, 10); w *= (w.abs() >= 5).float() */
      ps_autograd_no_grad_push ();
      g_assert_true (ps_array_uniform_ (w, &rng, -10, 10, &err));
      mask = ps_array_binary (PS_BINARY_GE, K2 (ps_array_unary (PS_UNARY_ABS, w, &err)), five,
                              &err);
      maskf = ps_array_to_dtype (mask, PS_DTYPE_F32, &err);
      g_assert_true (ps_array_binary_ (PS_BINARY_MUL, w, maskf, &err));
      ps_autograd_no_grad_pop ();
      d = ps_array_detach (w);
      got = ps_array_repr (d, NULL);
      g_assert_cmpstr (got, ==, json_object_get_string_member (c, "custom_init"));
      g_clear_pointer (&got, g_free);

      /* net[0].weight.data[:] += 1; net[0].weight.data[0, 0] = 42 */
      {
        g_autoptr (PsArray) view = ps_array_index (d, &all, 1, &err);
        g_assert_true (ps_array_binary_ (PS_BINARY_ADD, view, one, &err));
        g_assert_true (ps_array_index_put (d, &all, 1, view, &err));
        g_assert_true (ps_array_index_put (d, i00, 2, v42, &err));
      }
      row = ps_array_index (d, &first, 1, &err);
      got = ps_array_repr (row, NULL);
      g_assert_cmpstr (got, ==, json_object_get_string_member (c, "edited_row"));
      g_assert_no_error (err);
      g_clear_pointer (&kept, g_ptr_array_unref);
    }
}

/* a = zeros(3, requires_grad=True); b = a.double(); a.requires_grad_(False);
 * a += b: a's new node holds b's graph, which held a as its leaf.  PyTorch's
 * backward refuses; and the arrays must not keep each other alive (the
 * tensor fuzzer found that cycle as memory never given back). */
static void
test_leaf_moved_inside (void)
{
  gint64 before = ps_array_memory_in_use ();
  int64_t s = 3;
  GError *error = NULL;

  {
    g_autoptr (PsArray) a = ps_array_new_zeros (PS_DTYPE_F32, 1, &s, &error);
    g_autoptr (PsArray) b = NULL, total = NULL;
    g_assert_true (ps_array_set_requires_grad (a, TRUE, &error));
    b = ps_array_to_dtype (a, PS_DTYPE_F64, &error);
    g_assert_nonnull (b);
    g_assert_true (ps_array_set_requires_grad (a, FALSE, &error));
    g_assert_true (ps_array_binary_ (PS_BINARY_ADD, a, b, &error));
    g_assert_no_error (error);
    g_assert_false (ps_array_is_leaf (a));
    total = ps_array_sum (a, NULL, 0, FALSE, &error);
    g_assert_nonnull (total);
    g_assert_false (ps_array_backward (total, NULL, FALSE, &error));
    g_assert_cmpstr (error->message, ==, "leaf variable has been moved into the graph interior");
    g_clear_error (&error);
  }
  g_assert_cmpint (ps_array_memory_in_use (), ==, before);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  pool = NULL;
  g_test_add_func ("/core/autograd/pytorch-fixtures", test_fixtures);
  g_test_add_func ("/core/autograd/finite-differences", test_finite_differences);
  g_test_add_func ("/core/autograd/leaf-rules", test_leaf_rules);
  g_test_add_func ("/core/autograd/module-and-params", test_module_and_params);
  g_test_add_func ("/core/autograd/errors", test_errors);
  g_test_add_func ("/core/autograd/leaf-moved-inside", test_leaf_moved_inside);
  g_test_add_func ("/core/autograd/lesson", test_lesson);
  return g_test_run ();
}
