/* test-keras.c — the Keras dialect: the TensorFlow/Keras lesson (seeds/003)
 * runs unchanged, with Keras' names, shapes, dtypes and layout; initializers
 * follow Keras' distributions; the window sees Keras' tree
 *
 * tests/fixtures/keras/lesson-003.py holds every code cell of the lesson
 * text except the Colab drive lines; lesson-003.expected is what the text
 * shows, a `~` where the number is random (TensorFlow's random bits are not
 * claimed).  Names, shapes, dtypes, line structure and deterministic values
 * (zeros, constants, 42, `+ 1`) must match exactly; the spacing of arrays is
 * NumPy's (test-numpy-format).  Random values are checked against their
 * distributions with a fixed seed: moments, bounds and a Kolmogorov-Smirnov
 * statistic below its 0.1% critical value.
 */
#include "ps-py.h"
#include "ps-test-util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- running code ------------------------------------------------------------------------ */

static void
collect (const char *text, gsize len, gpointer data)
{
  g_string_append_len (data, text, len);
}

/* run src; what it prints (and its shown value) is appended to out; FALSE on an exception */
static gboolean
run (PsPy *py, const char *src, GString *out, PsPyError **err)
{
  char *shown = NULL;
  ps_py_set_output (py, collect, out);
  gboolean ok = ps_py_run (py, src, -1, "<test>", &shown, err);
  if (shown)
    g_string_append_printf (out, "%s\n", shown);
  g_free (shown);
  return ok;
}

static char *
run_ok (PsPy *py, const char *src)
{
  GString *out = g_string_new (NULL);
  PsPyError *err = NULL;
  if (!run (py, src, out, &err))
    g_error ("%s raised %s: %s", src, err->ename, err->evalue);
  return g_string_free (out, FALSE);
}

/* the exception's name and message */
static void
assert_raises (PsPy *py, const char *src, const char *ename, const char *message_part)
{
  GString *out = g_string_new (NULL);
  PsPyError *err = NULL;
  gboolean ok = run (py, src, out, &err);
  g_string_free (out, TRUE);
  if (ok)
    g_error ("%s: no exception (wanted %s)", src, ename);
  g_assert_cmpstr (err->ename, ==, ename);
  if (!strstr (err->evalue, message_part))
    g_error ("%s: message '%s' lacks '%s'", src, err->evalue, message_part);
  ps_py_error_free (err);
}

static void
test_lesson_cli (void)
{
  g_autofree char *nb = ps_test_fixture ("keras/lesson-003.py");
  g_autofree char *exp_path = ps_test_fixture ("keras/lesson-003.expected");
  g_autofree char *want = NULL, *out = NULL, *err = NULL;
  g_assert_true (g_file_get_contents (exp_path, &want, NULL, NULL));
  const char *argv[] = { "exec", nb, "--seed", "3", NULL };
  int status = ps_test_run_cli (argv, &out, &err);
  g_assert_cmpstr (err, ==, "");
  g_assert_cmpint (status, ==, 0);
  ps_test_assert_matches_text (out, want);
}

/* cell 14: w[:].assign(w + 1) then w[0, 0].assign(42), exactly */
static void
test_lesson_assign (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run_ok (py, "import tensorflow as tf\n"
                  "class MyInit(tf.keras.initializers.Initializer):\n"
                  "    def __call__(self, shape, dtype=None):\n"
                  "        data=tf.random.uniform(shape, -10, 10, dtype=dtype)\n"
                  "        factor=(tf.abs(data) >= 5)\n"
                  "        factor=tf.cast(factor, tf.float32)\n"
                  "        return data * factor\n"
                  "net = tf.keras.models.Sequential([tf.keras.layers.Flatten(),\n"
                  "    tf.keras.layers.Dense(4, activation=tf.nn.relu, kernel_initializer=MyInit()),\n"
                  "    tf.keras.layers.Dense(1)])\n"
                  "net(tf.random.uniform((2, 4)))\n"
                  "before = tf.reshape(net.layers[1].weights[0], [-1]).numpy().tolist()\n"
                  "net.layers[1].weights[0][:].assign(net.layers[1].weights[0] + 1)\n"
                  "net.layers[1].weights[0][0, 0].assign(42)\n"
                  "after = tf.reshape(net.layers[1].weights[0], [-1]).numpy().tolist()\n"));
  g_autofree char *s = run_ok (py, "print(after[0], all(b == a + 1 for a, b in zip(before[1:], after[1:])),\n"
                               "      all(a == 0 or 5 <= abs(a) <= 10 for a in before))");
  g_assert_cmpstr (s, ==, "42.0 True True\n");
  /* the window's parameter is the variable: the same values */
  g_autoptr (PsModule) m = ps_py_find_model (py, NULL);
  g_assert_nonnull (m);
  PsParam *k = ps_module_find_param (m, "dense.kernel");
  g_assert_nonnull (k);
  g_assert_cmpfloat (ps_param_get_data (k)->data[0], ==, 42.0f);
}

/* ---- the window's view of a Keras model --------------------------------------------------- */

static void
test_window_tree (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run_ok (py, "import tensorflow as tf\n"
                  "X = tf.random.uniform((2, 4))\n"
                  "shared = tf.keras.layers.Dense(4, activation=tf.nn.relu)\n"
                  "net = tf.keras.models.Sequential([tf.keras.layers.Flatten(), shared, shared,\n"
                  "                                  tf.keras.layers.Dense(1)])\n"
                  "net(X)\n"));
  char *name = NULL;
  g_autoptr (PsModule) m = ps_py_find_model (py, &name);
  g_assert_cmpstr (name, ==, "net");
  g_free (name);
  g_assert_cmpuint (ps_module_get_n_children (m), ==, 4);
  g_assert_cmpstr (ps_module_get_child_name (m, 0), ==, "flatten");
  g_assert_cmpstr (ps_module_get_child_name (m, 1), ==, "dense");
  g_assert_cmpstr (ps_module_get_child_name (m, 2), ==, "dense (2)");
  g_assert_cmpstr (ps_module_get_child_name (m, 3), ==, "dense_1");
  g_assert_cmpstr (ps_module_get_type_name (ps_module_get_child (m, 1)), ==, "Dense");
  /* one layer twice: one set of variables, tied */
  g_assert_true (ps_module_get_child (m, 1) == ps_module_get_child (m, 2));
  g_autoptr (GPtrArray) named = ps_module_named_parameters (m);
  g_assert_cmpuint (named->len, ==, 4);    /* kernel, bias of the shared layer; kernel, bias */
  PsParam *k = ps_module_find_param (m, "dense.kernel");
  g_assert_true (k == ps_module_find_param (m, "dense (2).kernel"));
  g_autoptr (GPtrArray) aliases = ps_module_param_aliases (m, k);
  g_assert_cmpuint (aliases->len, ==, 2);
  /* kernels are (in, out) */
  int64_t shape[8];
  g_assert_cmpint (ps_param_get_shape (ps_module_find_param (m, "dense_1.kernel"), shape), ==, 2);
  g_assert_cmpint (shape[0], ==, 4);
  g_assert_cmpint (shape[1], ==, 1);
  g_autofree char *s = run_ok (py, "print(len(net.layers), len(net.weights), len(net.trainable_weights))\n"
                               "print([w.path for w in net.weights])\n"
                               "print(net.layers[1] is net.layers[2], net.layers[1])");
  g_assert_cmpstr (s, ==, "4 4 4\n"
                   "['sequential/dense/kernel', 'sequential/dense/bias', 'sequential/dense_1/kernel', "
                   "'sequential/dense_1/bias']\n"
                   "True <Dense name=dense, built=True>\n");
}

/* ---- Keras' API around the variables -------------------------------------------------------- */

static void
test_api (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *a = run_ok (py,
    "from tensorflow import keras\n"
    "import tensorflow as tf\n"
    "net = keras.Sequential(name='mlp')\n"
    "net.add(keras.layers.Dense(3, activation='relu', name='hidden'))\n"
    "net.add(keras.layers.Dense(2, use_bias=False, kernel_initializer='ones'))\n"
    "print(net.layers[0].weights)\n"
    "y = net(tf.ones((1, 5)))\n"
    "print(y.shape, y.dtype, net.built, net.count_params())\n"
    "print([w.path for w in net.weights], [w.shape for w in net.weights])\n"
    "net.set_weights([w.numpy() * 0 + 2 for w in net.weights])\n"
    "print(net.get_weights()[1])\n"
    "print(net(tf.ones((1, 5))))\n"
    "v = net.layers[1].kernel\n"
    "v.assign_add(tf.ones((3, 2)))\n"
    "print(v.numpy()[0], v.name, v.trainable, type(v).__name__)\n"
    "print(tf.constant([1, 2]), tf.constant([[True, False]]))\n"
    "print(repr(tf.zeros((2, 2))), tf.float32, tf.float32 == tf.float32)\n"
    "print(tf.convert_to_tensor(3.5), repr(tf.constant(7)))\n");
  g_assert_cmpstr (a, ==,
    "[]\n"
    "(1, 2) <dtype: 'float32'> True 24\n"
    "['mlp/hidden/kernel', 'mlp/hidden/bias', 'mlp/dense/kernel'] [(5, 3), (3,), (3, 2)]\n"
    "[2. 2. 2.]\n"
    "tf.Tensor([[72. 72.]], shape=(1, 2), dtype=float32)\n"
    "[3. 3.] kernel True Variable\n"
    "tf.Tensor([1 2], shape=(2,), dtype=int32) tf.Tensor([[ True False]], shape=(1, 2), dtype=bool)\n"
    "<tf.Tensor: shape=(2, 2), dtype=float32, numpy=\n"
    "array([[0., 0.],\n"
    "       [0., 0.]], dtype=float32)> <dtype: 'float32'> True\n"
    "tf.Tensor(3.5, shape=(), dtype=float32) <tf.Tensor: shape=(), dtype=int32, numpy=7>\n");
  /* Keras' errors, with Keras' messages */
  assert_raises (py, "net.set_weights([1])", "ValueError",
                 "with a weight list of length 1, but the layer was expecting 3 weights");
  assert_raises (py, "net.layers[0].set_weights([tf.zeros((2, 2)), tf.zeros((3,))])", "ValueError",
                 "Layer hidden weight shape (5, 3) is not compatible with provided weight shape (2, 2).");
  assert_raises (py, "net.layers[1].kernel.assign(tf.zeros((4,)))", "ValueError",
                 "variable.shape=(3, 2), Received: value.shape=(4,)");
  assert_raises (py, "net(tf.ones((1, 4)))", "ValueError",
                 "expected axis -1 of input shape to have value 5, but received input with shape (1, 4)");
  assert_raises (py, "keras.layers.Dense(0)", "ValueError", "expected a positive integer. Received: units=0");
  assert_raises (py, "keras.layers.Dense(2, activation='nope')", "ValueError",
                 "Could not interpret activation function identifier: nope");
  assert_raises (py, "keras.layers.Dense(2, kernel_initializer='nope')", "ValueError",
                 "Could not interpret initializer identifier: 'nope'");
  assert_raises (py, "net.add(3)", "ValueError", "Only instances of `keras.Layer` can be added");
  assert_raises (py, "keras.layers.Dense(2, name='a/b')", "ValueError", "cannot contain character `/`");
  assert_raises (py, "s = keras.Sequential()\ns.add(s)", "ValueError", "cannot add");
  assert_raises (py, "keras.Sequential()(tf.ones((1, 2)))", "ValueError", "has no layers");
  assert_raises (py, "tf.keras.initializers.Identity()((2, 2, 2))", "ValueError",
                 "Identity matrix initializer can only be used for 2D matrices");
  assert_raises (py, "tf.random.uniform((2,), dtype=tf.int32)", "ValueError", "Must specify maxval");
  assert_raises (py, "keras.layers.Dense(1 << 20)(tf.ones((1, 1 << 20)))", "MemoryError", "");
  /* an unsupported module: the message lists what can be imported, Keras' modules too */
  assert_raises (py, "import foo", "ImportError", "import of 'foo' is not allowed");
  assert_raises (py, "import numpy", "ImportError", "math, tensorflow, tensorflow.keras, ");
  assert_raises (py, "from os import path", "ImportError", "only collections, keras, keras.activations, ");
  assert_raises (py, "import foo", "ImportError", ", torch.nn.init and torch.optim");
}

/* the unique names of one session: `import keras` and tf.keras count together */
static void
test_names (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *s = run_ok (py,
    "import keras\n"
    "import tensorflow as tf\n"
    "a = keras.layers.Dense(1)\n"
    "b = tf.keras.layers.Dense(1)\n"
    "c = keras.layers.Dense(1, name='mine')\n"
    "d = keras.layers.Dense(1)\n"
    "print(a.name, b.name, c.name, d.name, keras.Sequential().name, tf.keras.Sequential().name,\n"
    "      keras.layers.Flatten().name, keras.layers.ReLU().name)\n"
    "e = keras.layers.Dense(2)\n"
    "e(tf.ones((3, 4)))\n"
    "print(e.kernel.path, e.bias.path, e.kernel.shape)\n");
  g_assert_cmpstr (s, ==, "dense dense_1 mine dense_2 sequential sequential_1 flatten re_lu\n"
                   "dense_3/kernel dense_3/bias (4, 2)\n");
}

/* ---- distributions -------------------------------------------------------------------------- */

/* the kernel of net.layers[0] after net(tf.zeros((1, in))) */
static float *
kernel_of (const char *init, int64_t in, int64_t out, int64_t *n)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *src = g_strdup_printf (
    "import tensorflow as tf\n"
    "tf.random.set_seed(7)\n"
    "net = tf.keras.Sequential([tf.keras.layers.Dense(%lld, kernel_initializer=%s)])\n"
    "net(tf.zeros((1, %lld)))\n", (long long) out, init, (long long) in);
  g_free (run_ok (py, src));
  g_autoptr (PsModule) m = ps_py_find_model (py, NULL);
  PsParam *k = ps_module_find_param (m, "dense.kernel");
  g_assert_nonnull (k);
  PsTensor *t = ps_param_get_data (k);
  g_assert_cmpint (t->ndim, ==, 2);
  g_assert_cmpint (t->shape[0], ==, in);
  g_assert_cmpint (t->shape[1], ==, out);
  *n = in * out;
  return g_memdup2 (t->data, sizeof (float) * *n);
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return x < y ? -1 : x > y;
}

static double
phi (double x)
{
  return 0.5 * erfc (-x / sqrt (2));
}

typedef double (*Cdf) (double x, const double *p);

static double cdf_uniform (double x, const double *p) { return CLAMP ((x - p[0]) / (p[1] - p[0]), 0, 1); }
static double cdf_normal (double x, const double *p) { return phi ((x - p[0]) / p[1]); }
/* N(0, s) truncated at ±2s */
static double
cdf_trunc (double x, const double *p)
{
  double z = CLAMP (x / p[1], -2, 2);
  return (phi (z) - phi (-2)) / (phi (2) - phi (-2));
}

/* Kolmogorov-Smirnov: D below the 0.1% critical value 1.95/sqrt(n) */
static void
assert_ks (const char *what, float *x, int64_t n, Cdf cdf, const double *p)
{
  qsort (x, n, sizeof (float), cmp_float);
  double d = 0;
  for (int64_t i = 0; i < n; i++)
    {
      double f = cdf (x[i], p);
      d = MAX (d, MAX (fabs (f - (double) i / n), fabs ((double) (i + 1) / n - f)));
    }
  if (d > 1.95 / sqrt ((double) n))
    g_error ("%s: Kolmogorov-Smirnov D = %g over %g (n = %lld)", what, d, 1.95 / sqrt ((double) n),
             (long long) n);
}

static void
moments (const float *x, int64_t n, double *mean, double *sd, double *lo, double *hi)
{
  double s = 0, s2 = 0;
  *lo = INFINITY, *hi = -INFINITY;
  for (int64_t i = 0; i < n; i++)
    {
      s += x[i];
      s2 += (double) x[i] * x[i];
      *lo = MIN (*lo, x[i]);
      *hi = MAX (*hi, x[i]);
    }
  *mean = s / n;
  *sd = sqrt (s2 / n - *mean * *mean);
}

static void
test_distributions (void)
{
  const int64_t in = 300, out = 200;
  static const struct { const char *init; int kind; double scale; } cases[] = {
    /* kind: 0 uniform ±limit, 1 truncated normal std (before truncation), 2 normal */
    { "None", 0, 6.0 / 500 },                         /* Keras' default: glorot_uniform */
    { "'glorot_uniform'", 0, 6.0 / 500 },
    { "tf.keras.initializers.GlorotUniform()", 0, 6.0 / 500 },
    { "tf.keras.initializers.HeUniform()", 0, 6.0 / 300 },
    { "'lecun_uniform'", 0, 3.0 / 300 },
    { "tf.keras.initializers.GlorotNormal()", 1, 2.0 / 500 },
    { "'he_normal'", 1, 2.0 / 300 },
    { "tf.keras.initializers.LecunNormal()", 1, 1.0 / 300 },
    { "tf.keras.initializers.VarianceScaling(scale=2.0, mode='fan_out')", 1, 2.0 / 200 },
    { "tf.keras.initializers.TruncatedNormal(stddev=0.5)", 3, 0.5 },
    { "tf.random_normal_initializer(mean=0, stddev=0.01)", 2, 0.01 },
    { "tf.keras.initializers.RandomNormal()", 2, 0.05 },
    { "tf.keras.initializers.RandomUniform(minval=-0.3, maxval=0.1)", 4, 0 },
    { "'random_uniform'", 5, 0 },
  };
  for (guint c = 0; c < G_N_ELEMENTS (cases); c++)
    {
      int64_t n;
      g_autofree float *x = kernel_of (cases[c].init, in, out, &n);
      double mean, sd, lo, hi, p[2];
      moments (x, n, &mean, &sd, &lo, &hi);
      switch (cases[c].kind)
        {
        case 0:
          p[1] = sqrt (cases[c].scale);
          p[0] = -p[1];
          g_assert_cmpfloat (lo, >=, p[0]);
          g_assert_cmpfloat (hi, <=, p[1]);
          assert_ks (cases[c].init, x, n, cdf_uniform, p);
          break;
        case 1:
        case 3:
          /* Keras divides by 0.8796..., the std of N(0,1) truncated at ±2 */
          p[0] = 0;
          p[1] = cases[c].kind == 3 ? cases[c].scale : sqrt (cases[c].scale) / 0.87962566103423978;
          g_assert_cmpfloat (lo, >=, -2 * p[1] * 1.000001);
          g_assert_cmpfloat (hi, <=, 2 * p[1] * 1.000001);
          assert_ks (cases[c].init, x, n, cdf_trunc, p);
          break;
        case 2:
          p[0] = 0;
          p[1] = cases[c].scale;
          g_assert_cmpfloat (fabs (mean), <, 5 * p[1] / sqrt ((double) n));
          g_assert_cmpfloat (fabs (sd / p[1] - 1), <, 0.02);
          assert_ks (cases[c].init, x, n, cdf_normal, p);
          break;
        default:
          p[0] = cases[c].kind == 4 ? -0.3 : -0.05;
          p[1] = cases[c].kind == 4 ? 0.1 : 0.05;
          g_assert_cmpfloat (lo, >=, p[0]);
          g_assert_cmpfloat (hi, <, p[1]);
          assert_ks (cases[c].init, x, n, cdf_uniform, p);
          break;
        }
    }
}

/* the lesson's MyInit: 0 w.p. 1/2, else |w| ~ U(5, 10) */
static void
test_my_init (void)
{
  int64_t n, zeros = 0, k = 0;
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run_ok (py, "import tensorflow as tf\n"
                  "tf.random.set_seed(11)\n"
                  "class MyInit(tf.keras.initializers.Initializer):\n"
                  "    def __call__(self, shape, dtype=None):\n"
                  "        data=tf.random.uniform(shape, -10, 10, dtype=dtype)\n"
                  "        factor=(tf.abs(data) >= 5)\n"
                  "        factor=tf.cast(factor, tf.float32)\n"
                  "        return data * factor\n"
                  "net = tf.keras.Sequential([tf.keras.layers.Dense(250, kernel_initializer=MyInit())])\n"
                  "net(tf.zeros((1, 200)))\n"));
  g_autoptr (PsModule) m = ps_py_find_model (py, NULL);
  PsTensor *t = ps_param_get_data (ps_module_find_param (m, "dense.kernel"));
  n = 200 * 250;
  g_autofree float *abs_nz = g_new (float, n);
  for (int64_t i = 0; i < n; i++)
    if (t->data[i] == 0)
      zeros++;
    else
      abs_nz[k++] = fabsf (t->data[i]);
  /* zeros ~ Binomial(n, 1/2): within 4 sigma */
  g_assert_cmpfloat (fabs (zeros - n / 2.0), <, 4 * sqrt (n / 4.0));
  double p[2] = { 5, 10 };
  assert_ks ("MyInit |w|", abs_nz, k, cdf_uniform, p);
}

static void
test_deterministic_initializers (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_autofree char *s = run_ok (py,
    "import tensorflow as tf\n"
    "I = tf.keras.initializers\n"
    "print(I.Constant(3)((2,)), I.Zeros()((1,)), I.Ones()((2,)))\n"
    "print(I.Identity(gain=2.0)((2, 3)))\n"
    "print(I.get('zeros'), I.get('ones').__class__.__name__, type(I.glorot_uniform()).__name__)\n"
    "q = I.Orthogonal()((6, 4))\n"
    "g = tf.matmul(q.numpy().T, q)\n"
    "print(tf.reduce_sum(tf.abs(g - tf.constant([[1., 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 1]]))) < 1e-5)\n");
  /* I.get('zeros') prints as an object: only its class is checked */
  g_assert_true (g_str_has_prefix (s, "tf.Tensor([3. 3.], shape=(2,), dtype=float32) "
                                   "tf.Tensor([0.], shape=(1,), dtype=float32) "
                                   "tf.Tensor([1. 1.], shape=(2,), dtype=float32)\n"
                                   "tf.Tensor(\n[[2. 0. 0.]\n [0. 2. 0.]], shape=(2, 3), dtype=float32)\n"
                                   "<keras.src.initializers.constant_initializers.Zeros object at "));
  g_assert_true (g_str_has_suffix (s, "> Ones GlorotUniform\ntf.Tensor(True, shape=(), dtype=bool)\n"));
}

/* ---- Keras' layers on the tape --------------------------------------------------------------- */

static void
transpose_into (PsParam *dst, PsParam *src)   /* dst (out, in) = src (in, out) transposed */
{
  PsTensor *d = ps_param_get_data (dst), *k = ps_param_get_data (src);
  g_assert_cmpint (d->shape[0], ==, k->shape[1]);
  g_assert_cmpint (d->shape[1], ==, k->shape[0]);
  for (int64_t i = 0; i < k->shape[0]; i++)
    for (int64_t j = 0; j < k->shape[1]; j++)
      d->data[j * k->shape[0] + i] = k->data[i * k->shape[1] + j];
}

/* A Keras model trains on the tape as the same network written for PyTorch
 * does (kernels transposed): Flatten, a shared Dense(relu) twice, Dense with
 * a sigmoid; forward, the tied gradients and 5 SGD steps on the MSE. */
static void
test_tape (void)
{
  g_autoptr (PsPy) py = ps_py_new ();
  g_free (run_ok (py, "import tensorflow as tf\n"
                  "shared = tf.keras.layers.Dense(4, activation=tf.nn.relu, bias_initializer='random_normal')\n"
                  "net = tf.keras.Sequential([tf.keras.layers.Flatten(), shared, shared,\n"
                  "                           tf.keras.layers.Dense(1, activation='sigmoid')])\n"
                  "net(tf.random.uniform((3, 2, 2)))\n"));
  g_autoptr (PsModule) k = ps_py_find_model (py, NULL);
  g_autoptr (PsModule) t = ps_test_parse_model ("import torch\nfrom torch import nn\n"
                                                "shared = nn.Linear(4, 4)\n"
                                                "net = nn.Sequential(nn.Flatten(), shared, nn.ReLU(), shared, nn.ReLU(),\n"
                                                "                    nn.Linear(4, 1), nn.Sigmoid())\n", 1);
  transpose_into (ps_module_find_param (t, "1.weight"), ps_module_find_param (k, "dense.kernel"));
  transpose_into (ps_module_find_param (t, "5.weight"), ps_module_find_param (k, "dense_1.kernel"));
  memcpy (ps_param_get_data (ps_module_find_param (t, "1.bias"))->data,
          ps_param_get_data (ps_module_find_param (k, "dense.bias"))->data, 4 * sizeof (float));
  memcpy (ps_param_get_data (ps_module_find_param (t, "5.bias"))->data,
          ps_param_get_data (ps_module_find_param (k, "dense_1.bias"))->data, sizeof (float));
  g_autoptr (PsTensor) x = ps_tensor_new (3, (int64_t[]) { 3, 2, 2 });
  g_autoptr (PsTensor) y = ps_tensor_new_2d (3, 1);
  PsRng rng;
  ps_rng_seed (&rng, 7);
  ps_rng_fill_uniform (&rng, x->data, x->numel, -1, 1);
  ps_rng_fill_uniform (&rng, y->data, y->numel, 0, 1);
  PsOptimConfig c;
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0.5);
  GError *error = NULL;
  g_autoptr (PsTape) tk = ps_tape_new (k, NULL), tt = ps_tape_new (t, NULL);
  g_autoptr (PsOptimizer) ok = ps_optimizer_new (k, &c, &error), ot = ps_optimizer_new (t, &c, &error);
  g_assert_no_error (error);
  for (int step = 0; step < 5; step++)
    {
      double lk, lt;
      ps_optimizer_zero_grad (ok);
      ps_optimizer_zero_grad (ot);
      const PsTensor *outk = ps_tape_forward (tk, x, &error);
      g_assert_no_error (error);
      const PsTensor *outt = ps_tape_forward (tt, x, &error);
      g_assert_no_error (error);
      g_assert_cmpint (outk->ndim, ==, 2);
      g_assert_cmpint (outk->shape[1], ==, 1);
      g_assert_cmpfloat (ps_test_compare (outk->data, outt->data, 3, 1e-5, NULL), <=, 1);
      g_assert_true (ps_tape_backward_loss (tk, PS_LOSS_MSE, y, &lk, &error));
      g_assert_true (ps_tape_backward_loss (tt, PS_LOSS_MSE, y, &lt, &error));
      g_assert_no_error (error);
      g_assert_cmpfloat (fabs (lk - lt), <=, 1e-6 * MAX (1, fabs (lt)));
      if (step == 0)
        {
          /* the shared kernel's gradient is the sum of its two uses, transposed */
          PsTensor *gk = ps_param_get_grad (ps_module_find_param (k, "dense.kernel"));
          PsTensor *gt = ps_param_get_grad (ps_module_find_param (t, "1.weight"));
          g_assert_nonnull (gk);
          for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
              g_assert_cmpfloat (fabs (gk->data[i * 4 + j] - gt->data[j * 4 + i]), <=,
                                 1e-5 * MAX (1, fabs (gt->data[j * 4 + i])));
        }
      ps_optimizer_step (ok);
      ps_optimizer_step (ot);
    }
  g_autoptr (PsTensor) t14 = ps_tensor_new_2d (1, 4);
  g_autoptr (PsParam) back = ps_param_new (t14);
  transpose_into (back, ps_module_find_param (k, "dense_1.kernel"));
  g_assert_cmpfloat (ps_test_compare (ps_param_get_data (back)->data,
                                      ps_param_get_data (ps_module_find_param (t, "5.weight"))->data,
                                      4, 1e-5, NULL), <=, 1);
  /* an activation of the user's is not the tape's: a clear message */
  g_autoptr (PsPy) py2 = ps_py_new ();
  g_free (run_ok (py2, "import tensorflow as tf\n"
                  "m = tf.keras.Sequential([tf.keras.layers.Dense(2, activation=lambda v: v * 2)])\n"
                  "m(tf.ones((1, 3)))\n"));
  g_autoptr (PsModule) u = ps_py_find_model (py2, NULL);
  g_autoptr (PsTape) tu = ps_tape_new (u, NULL);
  g_autoptr (PsTensor) x3 = ps_tensor_new_2d (1, 3);
  g_assert_null (ps_tape_forward (tu, x3, &error));
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "cannot run on the tape yet"));
  g_clear_error (&error);
  /* a wrong input: Keras' message, Keras' shape */
  g_autoptr (PsTensor) x5 = ps_tensor_new_2d (1, 5);
  g_assert_null (ps_tape_forward (tk, x5, &error));
  g_assert_nonnull (strstr (error->message, "Input 0 of layer \"dense\" is incompatible with the layer: "
                            "expected axis -1 of input shape to have value 4, but received input with "
                            "shape (1, 5)"));
  g_clear_error (&error);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/keras/lesson/cli", test_lesson_cli);
  g_test_add_func ("/keras/lesson/assign", test_lesson_assign);
  g_test_add_func ("/keras/window-tree", test_window_tree);
  g_test_add_func ("/keras/api", test_api);
  g_test_add_func ("/keras/names", test_names);
  g_test_add_func ("/keras/initializers/distributions", test_distributions);
  g_test_add_func ("/keras/initializers/my-init", test_my_init);
  g_test_add_func ("/keras/initializers/deterministic", test_deterministic_initializers);
  g_test_add_func ("/keras/tape", test_tape);
  return g_test_run ();
}
