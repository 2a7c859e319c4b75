/* py-keras-tf.c — the tensorflow module: tensor functions, tf.random, tf.nn,
 * the activations, and the import names of the Keras dialect
 *
 * `import tensorflow as tf`, `from tensorflow import keras`, `import keras`,
 * `from tensorflow.keras import layers` all reach the same module objects.
 */
#include "py-keras.h"
#include "ps-i18n.h"

#include <math.h>
#include <string.h>

#define TF_VERSION "2.18.0"
#define KERAS_VERSION "3.8.0"

static PyObj *
wrap (PyInterp *ip, PsArray *r, GError *e, KtfDtype d)
{
  if (!r)
    return py_keras_raise_gerror (ip, e);
  PsArray *det = ps_array_detach (r);
  ps_array_unref (r);
  return py_keras_tensor_new (ip, det, d);
}

static PyObj *
one_arg (PyInterp *ip, PyArgs *a, const char *fname, const char *arg)
{
  const char *names[] = { arg, "name", NULL };
  PyObj *v[2] = { NULL };
  if (!py_parse_args (ip, a, fname, names, 1, v))
    return NULL;
  return v[0];
}

/* ---- activations (tf.nn.relu, keras.activations.relu, 'relu') --------------------------------- */

static PyObj *
softmax (PyInterp *ip, PyObj *x)
{
  KtfDtype d;
  g_autoptr (PsArray) a = py_keras_to_array (ip, x, &d);
  if (!a)
    return NULL;
  GError *e = NULL;
  int last = ps_array_get_ndim (a) - 1;
  if (last < 0)
    return py_raise (ip, py_exc_ValueError, "softmax: a 0-d input has no axis -1");
  g_autoptr (PsArray) m = NULL, idx = NULL;
  if (!ps_array_max_dim (a, last, TRUE, &m, &idx, &e))
    return py_keras_raise_gerror (ip, e);
  g_autoptr (PsArray) sh = ps_array_binary (PS_BINARY_SUB, a, m, &e);
  g_autoptr (PsArray) ex = sh ? ps_array_unary (PS_UNARY_EXP, sh, &e) : NULL;
  g_autoptr (PsArray) sum = ex ? ps_array_sum (ex, &last, 1, TRUE, &e) : NULL;
  if (!sum)
    return py_keras_raise_gerror (ip, e);
  return wrap (ip, ps_array_binary (PS_BINARY_DIV, ex, sum, &e), e, d);
}

static PyObj *
activation (PyInterp *ip, PyObj *self, PyArgs *a, const char *name)
{
  PyObj *x = one_arg (ip, a, name, "x");
  if (!x)
    return NULL;
  if (strcmp (name, "relu") == 0)
    return py_keras_unary (ip, x, PS_UNARY_RELU);
  if (strcmp (name, "sigmoid") == 0)
    return py_keras_unary (ip, x, PS_UNARY_SIGMOID);
  if (strcmp (name, "tanh") == 0)
    return py_keras_unary (ip, x, PS_UNARY_TANH);
  if (strcmp (name, "gelu") == 0)
    return py_keras_unary (ip, x, PS_UNARY_GELU);
  if (strcmp (name, "exp") == 0 || strcmp (name, "exponential") == 0)
    return py_keras_unary (ip, x, PS_UNARY_EXP);
  if (strcmp (name, "softmax") == 0)
    return softmax (ip, x);
  if (strcmp (name, "silu") == 0 || strcmp (name, "swish") == 0)
    {
      PyObj *s = py_keras_unary (ip, x, PS_UNARY_SIGMOID);
      if (!s)
        return NULL;
      PyObj *r = py_keras_binary (ip, PS_BINARY_MUL, x, s);
      py_decref (s);
      return r;
    }
  if (strcmp (name, "leaky_relu") == 0)
    {
      KtfDtype d;
      g_autoptr (PsArray) arr = py_keras_to_array (ip, x, &d);
      GError *e = NULL;
      return arr ? wrap (ip, ps_array_leaky_relu (arr, 0.2, &e), e, d) : NULL;
    }
  /* linear */
  KtfDtype d;
  PsArray *arr = py_keras_to_array (ip, x, &d);
  return arr ? py_keras_tensor_new (ip, arr, d) : NULL;
}

#define ACT(n) static PyObj *act_##n (PyInterp *ip, PyObj *s, PyArgs *a) { return activation (ip, s, a, #n); }
ACT (relu) ACT (sigmoid) ACT (tanh) ACT (gelu) ACT (softmax) ACT (silu) ACT (swish)
ACT (leaky_relu) ACT (linear) ACT (exponential)
#undef ACT

static const PyMethodDef activation_funcs[] = {
  { "relu", act_relu }, { "sigmoid", act_sigmoid }, { "tanh", act_tanh }, { "gelu", act_gelu },
  { "softmax", act_softmax }, { "silu", act_silu }, { "swish", act_swish },
  { "leaky_relu", act_leaky_relu }, { "linear", act_linear }, { "exponential", act_exponential },
  { NULL }
};

PyObj *
py_keras_activation_fn (const char *name)
{
  for (const PyMethodDef *d = activation_funcs; d->name; d++)
    if (strcmp (d->name, name) == 0)
      return py_native_new (d->name, d->fn, NULL);
  return NULL;
}

const char *
py_keras_activation_name (PyObj *fn)
{
  if (!PY_IS (fn, py_native_type))
    return NULL;
  for (const PyMethodDef *d = activation_funcs; d->name; d++)
    if (((PyNative *) fn)->fn == d->fn)
      return d->name;
  return NULL;
}

PyObj *
py_keras_get_activation (PyInterp *ip, PyObj *spec)
{
  if (!spec || spec == py_none)
    return py_none;
  if (PY_IS (spec, py_str_type))
    {
      PyObj *f = py_keras_activation_fn (PY_STR (spec));
      if (!f)
        return py_raise (ip, py_exc_ValueError, "Could not interpret activation function "
                         "identifier: %s", PY_STR (spec));
      return f;
    }
  gboolean callable = py_type_lookup (spec->type, "__call__") != NULL;
  for (PyType *t = spec->type; t && !callable; t = t->base)
    callable = t->call != NULL;
  if (!callable)
    return py_raise (ip, py_exc_ValueError, "Could not interpret activation function "
                     "identifier: %s", spec->type->name);
  return py_incref (spec);
}

/* ---- tensor functions ------------------------------------------------------------------------ */

static PyObj *
f_abs (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *x = one_arg (ip, a, "abs", "x");
  return x ? py_keras_unary (ip, x, PS_UNARY_ABS) : NULL;
}

#define UNARY(n, op) static PyObj *f_##n (PyInterp *ip, PyObj *s, PyArgs *a) \
  { PyObj *x = one_arg (ip, a, #n, "x"); return x ? py_keras_unary (ip, x, op) : NULL; }
UNARY (exp, PS_UNARY_EXP) UNARY (sqrt, PS_UNARY_SQRT) UNARY (negative, PS_UNARY_NEG)
UNARY (log, PS_UNARY_LOG)
#undef UNARY

static PyObj *
f_square (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *x = one_arg (ip, a, "square", "x");
  return x ? py_keras_binary (ip, PS_BINARY_MUL, x, x) : NULL;
}

#define BINARY(n, op) static PyObj *f_##n (PyInterp *ip, PyObj *s, PyArgs *a) { \
  static const char *const names[] = { "x", "y", "name", NULL }; PyObj *v[3] = { NULL }; \
  if (!py_parse_args (ip, a, #n, names, 2, v)) return NULL; \
  return py_keras_binary (ip, op, v[0], v[1]); }
BINARY (add, PS_BINARY_ADD) BINARY (subtract, PS_BINARY_SUB) BINARY (multiply, PS_BINARY_MUL)
BINARY (divide, PS_BINARY_DIV) BINARY (maximum, PS_BINARY_MAXIMUM) BINARY (minimum, PS_BINARY_MINIMUM)
BINARY (equal, PS_BINARY_EQ) BINARY (greater, PS_BINARY_GT) BINARY (less, PS_BINARY_LT)
#undef BINARY

static PyObj *
f_matmul (PyInterp *ip, PyObj *s, PyArgs *a)
{
  static const char *const names[] = { "a", "b", "name", NULL };
  PyObj *v[3] = { NULL };
  if (!py_parse_args (ip, a, "matmul", names, 2, v))
    return NULL;
  KtfDtype d;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], &d);
  g_autoptr (PsArray) y = x ? py_keras_to_array (ip, v[1], NULL) : NULL;
  if (!y)
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_matmul (x, y, &e), e, d);
}

static PyObj *
f_cast (PyInterp *ip, PyObj *s, PyArgs *a)
{
  static const char *const names[] = { "x", "dtype", "name", NULL };
  PyObj *v[3] = { NULL };
  KtfDtype to;
  if (!py_parse_args (ip, a, "cast", names, 2, v) || !py_keras_dtype_arg (ip, v[1], KTF_F32, &to))
    return NULL;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], NULL);
  if (!x)
    return NULL;
  static const PsDtype map[KTF_N] = { PS_DTYPE_F32, PS_DTYPE_F64, PS_DTYPE_I64, PS_DTYPE_I64, PS_DTYPE_BOOL };
  GError *e = NULL;
  return wrap (ip, ps_array_to_dtype (x, map[to], &e), e, to);
}

/* tf.convert_to_tensor(value, dtype=None), tf.constant(value, dtype=None) */
static PyObj *
to_tensor (PyInterp *ip, PyArgs *a, const char *fname)
{
  static const char *const names[] = { "value", "dtype", "name", NULL };
  PyObj *v[3] = { NULL };
  if (!py_parse_args (ip, a, fname, names, 1, v))
    return NULL;
  KtfDtype d, want;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], &d);
  if (!x || !py_keras_dtype_arg (ip, v[1], d, &want))
    return NULL;
  GError *e = NULL;
  PsArray *c = ps_array_clone (x, &e);
  if (!c)
    return py_keras_raise_gerror (ip, e);
  if (want != d)
    {
      static const PsDtype map[KTF_N] = { PS_DTYPE_F32, PS_DTYPE_F64, PS_DTYPE_I64, PS_DTYPE_I64, PS_DTYPE_BOOL };
      PsArray *t = ps_array_to_dtype (c, map[want], &e);
      ps_array_unref (c);
      if (!t)
        return py_keras_raise_gerror (ip, e);
      c = t;
    }
  return wrap (ip, c, NULL, want);
}

static PyObj *f_convert_to_tensor (PyInterp *ip, PyObj *s, PyArgs *a) { return to_tensor (ip, a, "convert_to_tensor"); }
static PyObj *f_constant (PyInterp *ip, PyObj *s, PyArgs *a) { return to_tensor (ip, a, "constant"); }

static PyObj *
filled (PyInterp *ip, PyArgs *a, const char *fname, double value)
{
  static const char *const names[] = { "shape", "dtype", "name", NULL };
  PyObj *v[3] = { NULL };
  int ndim;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  KtfDtype d;
  if (!py_parse_args (ip, a, fname, names, 1, v)
      || !py_keras_shape_arg (ip, v[0], &ndim, shape, fname)
      || !py_keras_dtype_arg (ip, v[1], KTF_F32, &d))
    return NULL;
  static const PsDtype map[KTF_N] = { PS_DTYPE_F32, PS_DTYPE_F64, PS_DTYPE_I64, PS_DTYPE_I64, PS_DTYPE_BOOL };
  GError *e = NULL;
  return wrap (ip, ps_array_new_full (map[d], ndim, shape, ps_scalar_float (value), &e), e, d);
}

static PyObj *f_zeros (PyInterp *ip, PyObj *s, PyArgs *a) { return filled (ip, a, "zeros", 0); }
static PyObj *f_ones (PyInterp *ip, PyObj *s, PyArgs *a) { return filled (ip, a, "ones", 1); }

static PyObj *
f_reshape (PyInterp *ip, PyObj *s, PyArgs *a)
{
  static const char *const names[] = { "tensor", "shape", "name", NULL };
  PyObj *v[3] = { NULL };
  int ndim;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  if (!py_parse_args (ip, a, "reshape", names, 2, v))
    return NULL;
  /* -1 is allowed here: parse by hand */
  PyObj **items;
  gsize n;
  if (!py_sequence_items (v[1], &items, &n) || n > PS_TENSOR_MAX_DIMS)
    return py_raise (ip, py_exc_TypeError, "reshape: a shape is a tuple or list of integers");
  ndim = (int) n;
  for (gsize i = 0; i < n; i++)
    {
      if (!py_is_int (items[i]))
        return py_raise (ip, py_exc_TypeError, "reshape: a shape holds integers");
      shape[i] = py_int_value (items[i]);
    }
  KtfDtype d;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], &d);
  if (!x)
    return NULL;
  GError *e = NULL;
  PsArray *r = ps_array_reshape (x, ndim, shape, &e);
  PsArray *c = r ? ps_array_clone (r, &e) : NULL;
  if (r)
    ps_array_unref (r);
  return wrap (ip, c, e, d);
}

/* tf.reduce_sum / reduce_mean (axis=None: all) */
static PyObj *
reduce (PyInterp *ip, PyArgs *a, const char *fname, gboolean mean)
{
  static const char *const names[] = { "input_tensor", "axis", "keepdims", "name", NULL };
  PyObj *v[4] = { NULL };
  if (!py_parse_args (ip, a, fname, names, 1, v))
    return NULL;
  KtfDtype d;
  g_autoptr (PsArray) x = py_keras_to_array (ip, v[0], &d);
  if (!x)
    return NULL;
  int dims[PS_TENSOR_MAX_DIMS], n = 0;
  if (v[1] && v[1] != py_none)
    {
      if (!py_is_int (v[1]))
        return py_raise (ip, py_exc_TypeError, "%s: axis is an integer", fname);
      dims[n++] = (int) py_int_value (v[1]);
    }
  gboolean keep = v[2] && py_truth (ip, v[2]) > 0;
  GError *e = NULL;
  PsArray *r;
  if (mean && (d == KTF_I32 || d == KTF_I64))
    return py_raise (ip, py_exc_TypeError, _("%s of integers is not supported here"), fname);
  r = mean ? ps_array_mean (x, dims, n, keep, &e) : ps_array_sum (x, dims, n, keep, &e);
  return wrap (ip, r, e, r ? (d == KTF_BOOL ? KTF_I64 : d) : d);
}

static PyObj *f_reduce_sum (PyInterp *ip, PyObj *s, PyArgs *a) { return reduce (ip, a, "reduce_sum", FALSE); }
static PyObj *f_reduce_mean (PyInterp *ip, PyObj *s, PyArgs *a) { return reduce (ip, a, "reduce_mean", TRUE); }

/* ---- tf.random ------------------------------------------------------------------------------- */

static PyObj *
random_tensor (PyInterp *ip, PyArgs *a, gboolean normal)
{
  static const char *const unames[] = { "shape", "minval", "maxval", "dtype", "seed", "name", NULL };
  static const char *const nnames[] = { "shape", "mean", "stddev", "dtype", "seed", "name", NULL };
  const char *fname = normal ? "normal" : "uniform";
  PyObj *v[6] = { NULL };
  int ndim;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  KtfDtype d;
  if (!py_parse_args (ip, a, fname, normal ? nnames : unames, 1, v)
      || !py_keras_shape_arg (ip, v[0], &ndim, shape, fname)
      || !py_keras_dtype_arg (ip, v[3], KTF_F32, &d))
    return NULL;
  double p0 = 0, p1 = 1;
  for (int i = 1; i <= 2; i++)
    if (v[i] && v[i] != py_none)
      {
        double x;
        if (py_is_number (v[i]))
          x = py_number_value (v[i]);
        else
          {
            g_autoptr (PsArray) arr = py_keras_to_array (ip, v[i], NULL);
            PsScalar sc;
            GError *e = NULL;
            if (!arr)
              return NULL;
            if (ps_array_get_numel (arr) != 1 || !ps_array_item (arr, &sc, &e))
              {
                g_clear_error (&e);
                return py_raise (ip, py_exc_ValueError, "%s: `%s` must be a scalar", fname,
                                 (normal ? nnames : unames)[i]);
              }
            x = ps_scalar_to_double (sc);
          }
        if (i == 1)
          p0 = x;
        else
          p1 = x;
      }
  gboolean integer = d == KTF_I32 || d == KTF_I64;
  if (d == KTF_BOOL || (normal && integer))
    return py_raise (ip, py_exc_ValueError, "Invalid dtype %s for random.%s", py_keras_dtype_name (d), fname);
  if (!normal && integer && (!v[2] || v[2] == py_none))
    return py_raise (ip, py_exc_ValueError, "Must specify maxval for integer dtype %s",
                     py_keras_dtype_name (d));
  if (!isfinite (p0) || !isfinite (p1) || (normal && p1 < 0) || (!normal && p1 < p0))
    return py_raise (ip, py_exc_ValueError, "random.%s: bad parameters (%g, %g)", fname, p0, p1);
  g_autoptr (PsTensor) t = ps_tensor_new (ndim, shape);
  if (!t)
    return py_raise (ip, py_exc_MemoryError, "random.%s: too many elements", fname);
  int64_t n = ps_shape_numel (ndim, shape);
  PsRng *rng = py_torch_rng (ip);
  if (normal)
    ps_rng_fill_normal (rng, t->data, n, p0, p1);
  else if (integer)
    {
      if (p1 <= p0)
        return py_raise (ip, py_exc_ValueError, "Need minval < maxval in random_uniform");
      double span = floor (p1) - floor (p0);
      for (int64_t i = 0; i < n; i++)
        t->data[i] = (float) (floor (p0) + floor (ps_rng_double (rng) * span));
    }
  else
    {
      ps_rng_fill_uniform (rng, t->data, n, p0, p1);
      /* [minval, maxval): a float32 rounding up to maxval is drawn again as minval */
      for (int64_t i = 0; i < n; i++)
        if (t->data[i] >= (float) p1 && p1 > p0)
          t->data[i] = (float) p0;
    }
  GError *e = NULL;
  PsArray *arr = ps_array_new_from_tensor (t, &e);
  if (arr && d != KTF_F32)
    {
      PsArray *c = ps_array_to_dtype (arr, d == KTF_F64 ? PS_DTYPE_F64 : PS_DTYPE_I64, &e);
      ps_array_unref (arr);
      arr = c;
    }
  return wrap (ip, arr, e, d);
}

static PyObj *f_uniform (PyInterp *ip, PyObj *s, PyArgs *a) { return random_tensor (ip, a, FALSE); }
static PyObj *f_normal (PyInterp *ip, PyObj *s, PyArgs *a) { return random_tensor (ip, a, TRUE); }

static PyObj *
f_set_seed (PyInterp *ip, PyObj *s, PyArgs *a)
{
  static const char *const names[] = { "seed", NULL };
  PyObj *v;
  if (!py_parse_args (ip, a, "set_seed", names, 1, &v))
    return NULL;
  if (!py_is_int (v) || py_int_value (v) < 0)
    return py_raise (ip, py_exc_ValueError, "set_seed: the seed is a non-negative integer");
  py_torch_manual_seed (ip, (guint64) py_int_value (v));
  return py_none;
}

static const PyMethodDef tf_funcs[] = {
  { "abs", f_abs }, { "exp", f_exp }, { "sqrt", f_sqrt }, { "square", f_square },
  { "negative", f_negative }, { "add", f_add }, { "subtract", f_subtract },
  { "multiply", f_multiply }, { "divide", f_divide }, { "maximum", f_maximum },
  { "minimum", f_minimum }, { "equal", f_equal }, { "greater", f_greater }, { "less", f_less },
  { "matmul", f_matmul }, { "cast", f_cast }, { "convert_to_tensor", f_convert_to_tensor },
  { "constant", f_constant }, { "zeros", f_zeros }, { "ones", f_ones }, { "reshape", f_reshape },
  { "reduce_sum", f_reduce_sum }, { "reduce_mean", f_reduce_mean },
  { "sigmoid", act_sigmoid }, { "tanh", act_tanh },
  { NULL }
};

static const PyMethodDef math_funcs[] = {
  { "abs", f_abs }, { "exp", f_exp }, { "sqrt", f_sqrt }, { "square", f_square }, { "log", f_log },
  { "reduce_sum", f_reduce_sum }, { "reduce_mean", f_reduce_mean }, { "maximum", f_maximum },
  { "minimum", f_minimum }, { "sigmoid", act_sigmoid }, { "tanh", act_tanh },
  { NULL }
};

static const PyMethodDef random_funcs[] = {
  { "uniform", f_uniform }, { "normal", f_normal }, { "set_seed", f_set_seed }, { NULL }
};

static void
add_funcs (PyObj *m, const PyMethodDef *d)
{
  for (; d->name; d++)
    py_module_add (m, d->name, py_native_new (d->name, d->fn, NULL));
}

/* ---- the modules ----------------------------------------------------------------------------- */

static PyObj *
build_keras (PyInterp *ip)
{
  PyObj *m = py_module_new ("keras");
  PyObj *layers = py_keras_build_layers (ip);
  if (!layers)
    {
      py_decref (m);
      return NULL;
    }
  PyObj *models = py_module_new ("keras.models");
  py_module_add (models, "Sequential", py_keras_sequential_type ());
  PyObj *act = py_module_new ("keras.activations");
  add_funcs (act, activation_funcs);
  PyObj *utils = py_module_new ("keras.utils");
  py_module_add (utils, "set_random_seed", py_native_new ("set_random_seed", f_set_seed, NULL));
  py_module_add (m, "layers", layers);
  py_module_add (m, "models", models);
  py_module_add (m, "activations", act);
  py_module_add (m, "initializers", py_keras_build_initializers (ip));
  py_module_add (m, "utils", utils);
  py_module_add (m, "Sequential", py_keras_sequential_type ());
  py_module_add (m, "__version__", py_str_new (KERAS_VERSION, -1));
  return m;
}

static PyObj *
keras_part (PyInterp *ip, const char *part)
{
  PyObj *k = py_import_module (ip, "keras");
  if (!k)
    return NULL;
  PyObj *v = part ? py_getattr (ip, k, part) : py_incref (k);
  py_decref (k);
  return v;
}

static PyObj *b_keras_layers (PyInterp *ip) { return keras_part (ip, "layers"); }
static PyObj *b_keras_models (PyInterp *ip) { return keras_part (ip, "models"); }
static PyObj *b_keras_initializers (PyInterp *ip) { return keras_part (ip, "initializers"); }
static PyObj *b_keras_activations (PyInterp *ip) { return keras_part (ip, "activations"); }
static PyObj *b_tf_keras (PyInterp *ip) { return keras_part (ip, NULL); }

static PyObj *
build_tf (PyInterp *ip)
{
  PyObj *keras = py_import_module (ip, "keras");
  if (!keras)
    return NULL;
  PyObj *m = py_module_new ("tensorflow");
  py_module_add (m, "keras", keras);
  add_funcs (m, tf_funcs);
  PyObj *random = py_module_new ("tensorflow.random");
  add_funcs (random, random_funcs);
  py_module_add (m, "random", random);
  PyObj *nn = py_module_new ("tensorflow.nn");
  add_funcs (nn, activation_funcs);
  py_module_add (m, "nn", nn);
  PyObj *math = py_module_new ("tensorflow.math");
  add_funcs (math, math_funcs);
  py_module_add (m, "math", math);
  for (int i = 0; i < KTF_N; i++)
    py_module_add (m, py_keras_dtype_name (i), py_keras_dtype_obj (i));
  for (int i = 0; py_keras_tf_initializer_names[i]; i++)
    py_module_add (m, py_keras_tf_initializer_names[i],
                   py_keras_tf_initializer_class (py_keras_tf_initializer_names[i]));
  py_module_add (m, "__version__", py_str_new (TF_VERSION, -1));
  return m;
}

void
py_keras_register (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      py_register_module ("keras", build_keras);
      py_register_module ("tensorflow", build_tf);
      py_register_module ("tensorflow.keras", b_tf_keras);
      py_register_module ("keras.layers", b_keras_layers);
      py_register_module ("keras.models", b_keras_models);
      py_register_module ("keras.initializers", b_keras_initializers);
      py_register_module ("keras.activations", b_keras_activations);
      py_register_module ("tensorflow.keras.layers", b_keras_layers);
      py_register_module ("tensorflow.keras.models", b_keras_models);
      py_register_module ("tensorflow.keras.initializers", b_keras_initializers);
      py_register_module ("tensorflow.keras.activations", b_keras_activations);
      g_once_init_leave (&once, 1);
    }
}
