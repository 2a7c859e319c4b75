/* test-recurrent.c — nn.RNN, nn.LSTM and nn.GRU as layers (ps-layer-recurrent.h)
 * and on the tape, against PyTorch (tests/fixtures/recurrent/gen_recurrent.py:
 * forward, h_n and c_n, the gradients of the input, the initial state and every
 * parameter, ten SGD and ten Adam steps) and against central differences;
 * their shape errors in PyTorch's words. */
#include "paramscope.h"
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

/* the constructors of gen_recurrent.py's CASES, in order, and whether h0 (c0) are given */
static const struct
{
  const char *text;
  gboolean    hx;
} cases[] = {
  { "nn.LSTM(3, 5, num_layers=2, bidirectional=True)", TRUE },
  { "nn.GRU(4, 3, batch_first=True, bias=False)", FALSE },
  { "nn.RNN(3, 4, num_layers=2, nonlinearity='relu')", TRUE },
  { "nn.RNN(2, 3, batch_first=True, bidirectional=True)", FALSE },
  { "nn.LSTM(3, 4, batch_first=True)", FALSE },
  { "nn.GRU(2, 3, num_layers=2, bidirectional=True)", TRUE },
};

typedef struct
{
  PsSafetensors   *fx;
  int              k;
  PsModule        *m;
  PsRecurrentOp    op;
  PsRecurrentState st;
  PsTensor        *x, *h0, *c0, *r_out, *r_hn, *r_cn;
  PsTensor        *out, *hn, *cn;
  const float    **w;
  guint            n;
} Case;

static PsTensor *
maybe (Case *c, const char *role)
{
  g_autofree char *key = g_strdup_printf ("%d.%s", c->k, role);
  if (ps_safetensors_find (c->fx, key) == NULL)
    return NULL;
  return ps_safetensors_load_tensor (c->fx, key, NULL);
}

static void
want (Case *c, const PsTensor *got, const char *role, double rtol)
{
  g_autofree char *key = g_strdup_printf ("%d.%s", c->k, role);
  g_autofree char *ctx = g_strdup_printf ("%s %s", cases[c->k].text, role);
  ps_test_assert_tensor (got, c->fx, key, rtol, ctx);
}

/* "nn.LSTM(3, 5)" built as its print(net) text is read (main's model files
 * do not construct recurrent layers) */
static PsModule *
parse_layer (const char *ctor)
{
  g_autoptr (GError) error = NULL;
  const char *text = g_str_has_prefix (ctor, "nn.") ? ctor + 3 : ctor;
  PsModule *m = ps_model_parse_repr (text, -1, "layer.txt", NULL, &error);
  g_assert_no_error (error);
  return m;
}

/* the layer with PyTorch's parameters, planned for the fixture's input */
static void
case_open (Case *c, PsSafetensors *fx, int k)
{
  g_autoptr (GError) error = NULL;

  memset (c, 0, sizeof *c);
  c->fx = fx;
  c->k = k;
  c->m = parse_layer (cases[k].text);
  g_assert_true (ps_recurrent_op_from_module (c->m, &c->op, &error));
  g_assert_no_error (error);
  c->n = ps_module_get_n_params (c->m);
  g_assert_cmpint (c->n, ==, ps_recurrent_n_weights (&c->op));
  c->w = g_new0 (const float *, c->n);
  for (guint i = 0; i < c->n; i++)
    {
      g_autofree char *role = g_strdup_printf ("w.%s", ps_module_get_param_name (c->m, i));
      g_autoptr (PsTensor) t = maybe (c, role);
      PsTensor *d = ps_param_get_data (ps_module_get_param (c->m, i));
      g_assert_nonnull (t);
      g_assert_cmpint (t->numel, ==, d->numel);
      memcpy (d->data, t->data, (size_t) d->numel * sizeof (float));
      c->w[i] = d->data;
    }
  c->x = maybe (c, "x");
  c->h0 = maybe (c, "h0");
  c->c0 = maybe (c, "c0");
  c->r_out = maybe (c, "r_out");
  c->r_hn = maybe (c, "r_hn");
  c->r_cn = maybe (c, "r_cn");
  g_assert_true (ps_recurrent_plan (&c->op, &c->st, c->x->ndim, c->x->shape,
                                    c->h0 ? c->h0->ndim : 0, c->h0 ? c->h0->shape : NULL,
                                    c->c0 ? c->c0->ndim : 0, c->c0 ? c->c0->shape : NULL,
                                    TRUE, &error));
  g_assert_no_error (error);
  c->out = ps_tensor_new (c->st.out_ndim, c->st.out_shape);
  c->hn = ps_tensor_new (c->st.h_ndim, c->st.h_shape);
  c->cn = ps_tensor_new (c->st.h_ndim, c->st.h_shape);
}

static void
case_close (Case *c)
{
  ps_recurrent_state_clear (&c->st);
  g_free (c->w);
  g_clear_pointer (&c->x, ps_tensor_unref);
  g_clear_pointer (&c->h0, ps_tensor_unref);
  g_clear_pointer (&c->c0, ps_tensor_unref);
  g_clear_pointer (&c->r_out, ps_tensor_unref);
  g_clear_pointer (&c->r_hn, ps_tensor_unref);
  g_clear_pointer (&c->r_cn, ps_tensor_unref);
  g_clear_pointer (&c->out, ps_tensor_unref);
  g_clear_pointer (&c->hn, ps_tensor_unref);
  g_clear_pointer (&c->cn, ps_tensor_unref);
  ps_module_unref (c->m);
}

static double
dot (const PsTensor *a, const PsTensor *b)
{
  double s = 0;
  for (int64_t i = 0; b && i < a->numel; i++)
    s += (double) a->data[i] * b->data[i];
  return s;
}

/* forward; the loss sum(out r_out) + sum(hn r_hn) + sum(cn r_cn) */
static double
case_forward (Case *c)
{
  gboolean lstm = c->op.mode == PS_RNN_LSTM;
  PsRecurrentIO io = { .x = c->x->data, .weights = c->w, .h0 = c->h0 ? c->h0->data : NULL,
                       .c0 = c->c0 ? c->c0->data : NULL, .y = c->out->data,
                       .hn = c->hn->data, .cn = lstm ? c->cn->data : NULL };
  ps_recurrent_forward (&c->op, &c->st, &io);
  return dot (c->out, c->r_out) + dot (c->hn, c->r_hn) + (lstm ? dot (c->cn, c->r_cn) : 0);
}

/* backward of that loss into dx, dh0, dc0 (may be NULL) and the parameters' .grad */
static void
case_backward (Case *c, float *dx, float *dh0, float *dc0)
{
  g_autofree float **dw = g_new0 (float *, c->n);
  PsRecurrentIO io = { .x = c->x->data, .weights = c->w, .h0 = c->h0 ? c->h0->data : NULL,
                       .c0 = c->c0 ? c->c0->data : NULL, .dy = c->r_out->data,
                       .dhn = c->r_hn->data, .dcn = c->r_cn ? c->r_cn->data : NULL,
                       .dx = dx, .dh0 = dh0, .dc0 = dc0, .dweights = dw };
  for (guint i = 0; i < c->n; i++)
    {
      PsParam *p = ps_module_get_param (c->m, i);
      gboolean over;
      dw[i] = ps_param_grad_for_backward (p, &over);
      if (over)
        memset (dw[i], 0, (size_t) ps_param_get_data (p)->numel * sizeof (float));
    }
  ps_recurrent_backward (&c->op, &c->st, &io);
}

static void
test_layers (void)
{
  g_autofree char *path = ps_test_fixture ("recurrent/layers.safetensors");
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) fx = ps_safetensors_open (path, &error);

  g_assert_no_error (error);
  for (int k = 0; k < (int) G_N_ELEMENTS (cases); k++)
    {
      Case c;
      g_autoptr (PsTensor) dx = NULL, dh0 = NULL, dc0 = NULL;
      case_open (&c, fx, k);
      dx = ps_tensor_new (c.x->ndim, c.x->shape);
      dh0 = ps_tensor_new (c.st.h_ndim, c.st.h_shape);
      dc0 = ps_tensor_new (c.st.h_ndim, c.st.h_shape);
      case_forward (&c);
      want (&c, c.out, "out", 1e-5);
      want (&c, c.hn, "hn", 1e-5);
      if (c.op.mode == PS_RNN_LSTM)
        want (&c, c.cn, "cn", 1e-5);
      case_backward (&c, dx->data, dh0->data, dc0->data);
      want (&c, dx, "gx", 1e-5);
      if (c.h0)
        want (&c, dh0, "gh0", 1e-5);
      if (c.c0)
        want (&c, dc0, "gc0", 1e-5);
      for (guint i = 0; i < c.n; i++)
        {
          g_autofree char *role = g_strdup_printf ("g.%s", ps_module_get_param_name (c.m, i));
          want (&c, ps_param_get_grad (ps_module_get_param (c.m, i)), role, 1e-5);
        }
      case_close (&c);
    }
}

/* central differences of the loss against backward, in double-checked float:
 * every parameter's first, middle and last entries, and three of the input */
static void
test_differences (void)
{
  g_autofree char *path = ps_test_fixture ("recurrent/layers.safetensors");
  g_autoptr (PsSafetensors) fx = ps_safetensors_open (path, NULL);

  for (int k = 0; k < (int) G_N_ELEMENTS (cases); k++)
    {
      Case c;
      g_autoptr (PsTensor) dx = NULL;
      const float h = 1e-2f;
      case_open (&c, fx, k);
      dx = ps_tensor_new (c.x->ndim, c.x->shape);
      case_forward (&c);
      case_backward (&c, dx->data, NULL, NULL);
      for (guint i = 0; i <= c.n; i++)
        {
          float *v = i < c.n ? ps_param_get_data (ps_module_get_param (c.m, i))->data
                             : c.x->data;
          const float *g = i < c.n ? ps_param_get_grad (ps_module_get_param (c.m, i))->data
                                   : dx->data;
          int64_t n = i < c.n ? ps_param_get_data (ps_module_get_param (c.m, i))->numel
                              : c.x->numel;
          int64_t at[3] = { 0, n / 2, n - 1 };
          for (int j = 0; j < 3; j++)
            {
              float keep = v[at[j]];
              double lp, lm, fd;
              v[at[j]] = keep + h;
              lp = case_forward (&c);
              v[at[j]] = keep - h;
              lm = case_forward (&c);
              v[at[j]] = keep;
              fd = (lp - lm) / (2 * h);
              if (fabs (fd - g[at[j]]) > 2e-2 * MAX (1.0, fabs (fd)))
                g_error ("%s: %s[%" G_GINT64_FORMAT "]: backward %g, differences %g",
                         cases[k].text, i < c.n ? ps_module_get_param_name (c.m, i) : "x",
                         at[j], g[at[j]], fd);
            }
        }
      case_close (&c);
    }
}

/* ten steps of torch.optim.SGD(lr=0.02) and Adam(lr=0.01) on the loss */
static void
test_train (void)
{
  g_autofree char *path = ps_test_fixture ("recurrent/layers.safetensors");
  g_autoptr (PsSafetensors) fx = ps_safetensors_open (path, NULL);
  static const char *const names[] = { "sgd", "adam" };

  for (int k = 0; k < (int) G_N_ELEMENTS (cases); k++)
    for (int o = 0; o < 2; o++)
      {
        Case c;
        PsOptimConfig conf;
        g_autoptr (PsOptimizer) opt = NULL;
        g_autoptr (PsTensor) hist = ps_tensor_new_1d (10);
        g_autofree char *role = g_strdup_printf ("%s_loss", names[o]);
        case_open (&c, fx, k);
        ps_optim_config_init (&conf, o ? PS_OPTIM_ADAM : PS_OPTIM_SGD, o ? 0.01 : 0.02);
        opt = ps_optimizer_new (c.m, &conf, NULL);
        g_assert_nonnull (opt);
        for (int s = 0; s < 10; s++)
          {
            ps_optimizer_zero_grad (opt);
            hist->data[s] = (float) case_forward (&c);
            case_backward (&c, NULL, NULL, NULL);
            ps_optimizer_step (opt);
          }
        want (&c, hist, role, 1e-4);
        for (guint i = 0; i < c.n; i++)
          {
            g_autofree char *r = g_strdup_printf ("%s.%s", names[o],
                                                  ps_module_get_param_name (c.m, i));
            want (&c, ps_param_get_data (ps_module_get_param (c.m, i)), r, 1e-4);
          }
        case_close (&c);
      }
}

/* the layer as the model of a tape: its output is out; gradients of sum(out r_out) */
static void
test_tape (void)
{
  g_autofree char *path = ps_test_fixture ("recurrent/layers.safetensors");
  g_autoptr (PsSafetensors) fx = ps_safetensors_open (path, NULL);

  for (int k = 0; k < (int) G_N_ELEMENTS (cases); k++)
    {
      Case c;
      g_autoptr (GError) error = NULL;
      PsTape *tape;
      const PsTensor *y;
      if (cases[k].hx)            /* the tape starts from zeros */
        continue;
      case_open (&c, fx, k);
      tape = ps_tape_new (c.m, NULL);
      for (int rep = 0; rep < 2; rep++)
        {
          for (guint i = 0; i < c.n; i++)
            ps_param_zero_grad (ps_module_get_param (c.m, i), TRUE);
          y = ps_tape_forward (tape, c.x, &error);
          g_assert_no_error (error);
          want (&c, y, "out", 1e-5);
          g_assert_true (ps_tape_backward (tape, c.r_out, &error));
          g_assert_no_error (error);
          for (guint i = 0; i < c.n; i++)
            {
              g_autofree char *role = g_strdup_printf ("tape.g.%s",
                                                       ps_module_get_param_name (c.m, i));
              want (&c, ps_param_get_grad (ps_module_get_param (c.m, i)), role, 1e-5);
            }
        }
      ps_tape_free (tape);
      case_close (&c);
    }
}

static PsArray *
array_of (const PsTensor *t, gboolean requires_grad)
{
  g_autoptr (GError) error = NULL;
  PsArray *a = ps_array_new_from_tensor (t, &error);
  g_assert_no_error (error);
  g_assert_true (ps_array_set_requires_grad (a, requires_grad, &error));
  return a;
}

static PsArray *
weighted_sum (PsArray *a, const PsTensor *r)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArray) w = array_of (r, FALSE);
  g_autoptr (PsArray) p = ps_array_binary (PS_BINARY_MUL, a, w, &error);
  PsArray *s;
  g_assert_no_error (error);
  s = ps_array_sum (p, NULL, 0, FALSE, &error);
  g_assert_no_error (error);
  return s;
}

static PsArray *
add (PsArray *a, PsArray *b)
{
  g_autoptr (GError) error = NULL;
  PsArray *s = ps_array_binary (PS_BINARY_ADD, a, b, &error);
  g_assert_no_error (error);
  ps_array_unref (a);
  ps_array_unref (b);
  return s;
}

static void
want_array (Case *c, PsArray *a, const char *role)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_assert_nonnull (a);
  t = ps_array_to_tensor (a, &error);
  g_assert_no_error (error);
  want (c, t, role, 1e-5);
}

/* called from code (ps_autograd_recurrent_forward, what `lstm(x, (h0, c0))`
 * runs): out, h_n and c_n each a node named as PyTorch names it, and one
 * backward of sum(out r_out) + sum(h_n r_hn) + sum(c_n r_cn) through the
 * three giving PyTorch's gradients of x, h0, c0 and every parameter; twice,
 * the second accumulating.  Without grad mode: no nodes. */
static void
test_autograd (void)
{
  g_autofree char *path = ps_test_fixture ("recurrent/layers.safetensors");
  g_autoptr (PsSafetensors) fx = ps_safetensors_open (path, NULL);

  for (int k = 0; k < (int) G_N_ELEMENTS (cases); k++)
    {
      Case c;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsArray) x = NULL, h0 = NULL, c0 = NULL;
      gboolean lstm;
      case_open (&c, fx, k);
      lstm = c.op.mode == PS_RNN_LSTM;
      x = array_of (c.x, TRUE);
      h0 = c.h0 ? array_of (c.h0, TRUE) : NULL;
      c0 = c.c0 ? array_of (c.c0, TRUE) : NULL;
      for (int rep = 1; rep <= 2; rep++)
        {
          g_autoptr (PsArray) out = NULL, hn = NULL, cn = NULL, loss = NULL, gx = NULL;
          const char *h_fn = c.st.unbatched ? "SqueezeBackward1" : "StackBackward0";
          const char *out_fn = c.st.unbatched ? "SqueezeBackward1"
                               : c.op.batch_first ? (lstm ? "TransposeBackward0" : "TransposeBackward1")
                               : c.op.bidirectional ? "CatBackward0" : "StackBackward0";
          g_assert_true (ps_autograd_recurrent_forward (c.m, x, h0, c0, &out, &hn,
                                                        lstm ? &cn : NULL, &error));
          g_assert_no_error (error);
          want_array (&c, out, "out");
          want_array (&c, hn, "hn");
          g_assert_cmpstr (ps_array_get_grad_fn_name (out), ==, out_fn);
          g_assert_cmpstr (ps_array_get_grad_fn_name (hn), ==, h_fn);
          loss = add (weighted_sum (out, c.r_out), weighted_sum (hn, c.r_hn));
          if (lstm)
            {
              want_array (&c, cn, "cn");
              g_assert_cmpstr (ps_array_get_grad_fn_name (cn), ==, h_fn);
              loss = add (loss, weighted_sum (cn, c.r_cn));
            }
          g_assert_true (ps_array_backward (loss, NULL, FALSE, &error));
          g_assert_no_error (error);
          if (rep == 1)
            {
              want_array (&c, gx = ps_array_get_grad (x), "gx");
              if (h0)
                {
                  g_autoptr (PsArray) g = ps_array_get_grad (h0);
                  want_array (&c, g, "gh0");
                }
              if (c0)
                {
                  g_autoptr (PsArray) g = ps_array_get_grad (c0);
                  want_array (&c, g, "gc0");
                }
            }
          for (guint i = 0; i < c.n; i++)
            {
              g_autofree char *role = g_strdup_printf ("g.%s", ps_module_get_param_name (c.m, i));
              g_autoptr (PsTensor) g = ps_tensor_copy (ps_param_get_grad (ps_module_get_param (c.m, i)));
              for (int64_t j = 0; j < g->numel; j++)   /* accumulated over rep backwards */
                g->data[j] /= (float) rep;
              want (&c, g, role, 1e-5);
            }
        }
      /* no grad mode: plain values */
      ps_autograd_no_grad_push ();
      {
        g_autoptr (PsArray) out = NULL, hn = NULL, cn = NULL;
        g_assert_true (ps_autograd_recurrent_forward (c.m, x, h0, c0, &out, &hn,
                                                      lstm ? &cn : NULL, &error));
        g_assert_null (ps_array_get_grad_fn_name (out));
        g_assert_null (ps_array_get_grad_fn_name (hn));
        want_array (&c, out, "out");
      }
      ps_autograd_no_grad_pop ();
      case_close (&c);
    }
}

/* from code, a shape that does not fit is PyTorch's RuntimeError and records nothing;
 * an unbatched input gives SqueezeBackward1 */
static void
test_autograd_errors (void)
{
  g_autoptr (PsModule) m = parse_layer ("nn.LSTM(3, 5, num_layers=2)");
  g_autoptr (GError) error = NULL;
  int64_t xs[3] = { 4, 2, 7 }, hs[3] = { 1, 2, 5 }, us[2] = { 4, 3 };
  g_autoptr (PsArray) x = ps_array_new_zeros (PS_DTYPE_F32, 3, xs, NULL);
  g_autoptr (PsArray) h = ps_array_new_zeros (PS_DTYPE_F32, 3, hs, NULL);
  g_autoptr (PsArray) u = ps_array_new_zeros (PS_DTYPE_F32, 2, us, NULL);
  g_autoptr (PsArray) d = ps_array_new_zeros (PS_DTYPE_F64, 2, us, NULL);
  PsArray *out = NULL, *hn = NULL, *cn = NULL;

  g_assert_false (ps_autograd_recurrent_forward (m, x, NULL, NULL, &out, &hn, &cn, &error));
  g_assert_error (error, PS_ARRAY_ERROR, PS_ARRAY_ERROR_RUNTIME);
  g_assert_cmpstr (error->message, ==, "input.size(-1) must be equal to input_size. Expected 3, got 7");
  g_assert_true (out == NULL && hn == NULL && cn == NULL);
  g_clear_error (&error);
  xs[2] = 3;
  g_clear_pointer (&x, ps_array_unref);
  x = ps_array_new_zeros (PS_DTYPE_F32, 3, xs, NULL);
  g_assert_false (ps_autograd_recurrent_forward (m, x, h, h, &out, &hn, &cn, &error));
  g_assert_cmpstr (error->message, ==, "Expected hidden[0] size (2, 2, 5), got [1, 2, 5]");
  g_clear_error (&error);
  g_assert_false (ps_autograd_recurrent_forward (m, d, NULL, NULL, &out, &hn, &cn, &error));
  g_assert_cmpstr (error->message, ==, "mat1 and mat2 must have the same dtype");
  g_clear_error (&error);
  for (guint i = 0; i < ps_module_get_n_params (m); i++)
    g_assert_null (ps_param_get_grad (ps_module_get_param (m, i)));
  g_assert_true (ps_array_set_requires_grad (u, TRUE, NULL));
  g_assert_true (ps_autograd_recurrent_forward (m, u, NULL, NULL, &out, &hn, &cn, &error));
  g_assert_no_error (error);
  g_assert_cmpstr (ps_array_get_grad_fn_name (out), ==, "SqueezeBackward1");
  g_assert_cmpstr (ps_array_get_grad_fn_name (cn), ==, "SqueezeBackward1");
  g_assert_cmpint (ps_array_get_ndim (hn), ==, 2);
  ps_array_unref (out);
  ps_array_unref (hn);
  ps_array_unref (cn);
}

/* shapes that do not fit: PyTorch 1.13's words */
static void
test_shape_errors (void)
{
  static const struct
  {
    const char *layer;
    int         ndim;
    int64_t     x[3];
    int         hdim;
    int64_t     h[3];
    const char *message;
  } bad[] = {
    { "nn.LSTM(3, 5)", 3, { 4, 2, 7 }, 0, { 0 },
      "input.size(-1) must be equal to input_size. Expected 3, got 7" },
    { "nn.GRU(3, 5)", 1, { 3 }, 0, { 0 }, "input must have 3 dimensions, got 2" },
    { "nn.RNN(3, 5, num_layers=2)", 3, { 4, 2, 3 }, 3, { 2, 3, 5 },
      "Expected hidden size (2, 2, 5), got [2, 3, 5]" },
    { "nn.RNN(3, 5)", 3, { 4, 2, 3 }, 2, { 1, 5 },
      "For batched 3-D input, hx should also be 3-D but got 2-D tensor" },
    { "nn.LSTM(3, 5, bidirectional=True)", 3, { 4, 2, 3 }, 3, { 1, 2, 5 },
      "Expected hidden[0] size (2, 2, 5), got [1, 2, 5]" },
    { "nn.LSTM(3, 5, batch_first=True)", 2, { 4, 3 }, 3, { 1, 1, 5 },
      "For unbatched 2-D input, hx and cx should also be 2-D but got (3-D, 3-D) tensors" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (PsModule) m = parse_layer (bad[i].layer);
      g_autoptr (GError) error = NULL;
      PsRecurrentOp op;
      PsRecurrentState st = { 0 };
      g_assert_true (ps_recurrent_op_from_module (m, &op, NULL));
      g_assert_false (ps_recurrent_plan (&op, &st, bad[i].ndim, bad[i].x, bad[i].hdim,
                                         bad[i].hdim ? bad[i].h : NULL, bad[i].hdim,
                                         bad[i].hdim && op.mode == PS_RNN_LSTM ? bad[i].h : NULL,
                                         TRUE, &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
      g_assert_cmpstr (error->message, ==, bad[i].message);
      g_assert_null (st.save);    /* nothing planned, nothing allocated */
      ps_recurrent_state_clear (&st);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/recurrent/layers", test_layers);
  g_test_add_func ("/core/recurrent/differences", test_differences);
  g_test_add_func ("/core/recurrent/train", test_train);
  g_test_add_func ("/core/recurrent/tape", test_tape);
  g_test_add_func ("/core/recurrent/shape-errors", test_shape_errors);
  g_test_add_func ("/core/recurrent/autograd", test_autograd);
  g_test_add_func ("/core/recurrent/autograd-errors", test_autograd_errors);
  return g_test_run ();
}
