/* py-keras-init.c — keras.initializers: the classes, their string names,
 * tf.random_normal_initializer / tf.zeros_initializer, and a user's
 * subclass of Initializer with __call__(self, shape, dtype=None)
 *
 * Formulas are Keras 3's (fans of a kernel (in, out): fan_in = shape[-2] *
 * receptive field, fan_out = shape[-1] * receptive field); the numbers are
 * drawn from the interpreter's generator through core/ps-init and ps-rng.
 */
#include "py-keras.h"
#include "ps-init.h"

#include <math.h>
#include <string.h>

/* the std of N(0, 1) truncated at ±2: Keras divides by it for truncated variance scaling */
#define TRUNC_STD 0.87962566103423978

typedef enum {
  KI_CONSTANT, KI_ZEROS, KI_ONES, KI_RANDOM_NORMAL, KI_RANDOM_UNIFORM, KI_TRUNCATED_NORMAL,
  KI_GLOROT_UNIFORM, KI_GLOROT_NORMAL, KI_HE_NORMAL, KI_HE_UNIFORM, KI_LECUN_NORMAL,
  KI_LECUN_UNIFORM, KI_ORTHOGONAL, KI_IDENTITY, KI_VARIANCE_SCALING, KI_N
} KiKind;

typedef enum { MODE_FAN_IN, MODE_FAN_OUT, MODE_FAN_AVG } KiMode;
typedef enum { DIST_TRUNCATED, DIST_UNTRUNCATED, DIST_UNIFORM } KiDist;

typedef struct {
  PyObj ob;
  GHashTable *dict;
  gboolean builtin;
  KiKind kind;
  double a, b;                /* value / mean,stddev / minval,maxval / gain / scale */
  KiMode mode;
  KiDist dist;
} KInit;

typedef struct {
  const char *cls, *snake, *module;
  const char *args[5];        /* parameter names, NULL-terminated (seed is accepted and ignored) */
  double defaults[2];
} KiInfo;

#define CONST_MOD "keras.src.initializers.constant_initializers"
#define RAND_MOD "keras.src.initializers.random_initializers"

static const KiInfo infos[KI_N] = {
  [KI_CONSTANT] = { "Constant", "constant", CONST_MOD, { "value", NULL }, { 0.0 } },
  [KI_ZEROS] = { "Zeros", "zeros", CONST_MOD, { NULL } },
  [KI_ONES] = { "Ones", "ones", CONST_MOD, { NULL } },
  [KI_RANDOM_NORMAL] = { "RandomNormal", "random_normal", RAND_MOD, { "mean", "stddev", "seed", NULL }, { 0.0, 0.05 } },
  [KI_RANDOM_UNIFORM] = { "RandomUniform", "random_uniform", RAND_MOD, { "minval", "maxval", "seed", NULL }, { -0.05, 0.05 } },
  [KI_TRUNCATED_NORMAL] = { "TruncatedNormal", "truncated_normal", RAND_MOD, { "mean", "stddev", "seed", NULL }, { 0.0, 0.05 } },
  [KI_GLOROT_UNIFORM] = { "GlorotUniform", "glorot_uniform", RAND_MOD, { "seed", NULL } },
  [KI_GLOROT_NORMAL] = { "GlorotNormal", "glorot_normal", RAND_MOD, { "seed", NULL } },
  [KI_HE_NORMAL] = { "HeNormal", "he_normal", RAND_MOD, { "seed", NULL } },
  [KI_HE_UNIFORM] = { "HeUniform", "he_uniform", RAND_MOD, { "seed", NULL } },
  [KI_LECUN_NORMAL] = { "LecunNormal", "lecun_normal", RAND_MOD, { "seed", NULL } },
  [KI_LECUN_UNIFORM] = { "LecunUniform", "lecun_uniform", RAND_MOD, { "seed", NULL } },
  [KI_ORTHOGONAL] = { "Orthogonal", "orthogonal", RAND_MOD, { "gain", "seed", NULL }, { 1.0 } },
  [KI_IDENTITY] = { "Identity", "identity", CONST_MOD, { "gain", NULL }, { 1.0 } },
  [KI_VARIANCE_SCALING] = { "VarianceScaling", "variance_scaling", RAND_MOD,
                            { "scale", "mode", "distribution", "seed", NULL }, { 1.0 } },
};

static PyType initializer_type;
static PyType ki_types[KI_N];

static void
kinit_dealloc (PyObj *o)
{
  g_clear_pointer (&((KInit *) o)->dict, g_hash_table_unref);
}

static gboolean
kinit_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<%s.%s object at %p>", o->type->module, o->type->name, (void *) o);
  return TRUE;
}

static PyObj *
new_builtin (KiKind k)
{
  KInit *in = (KInit *) py_alloc (&ki_types[k]);
  in->builtin = TRUE;
  in->kind = k;
  in->a = infos[k].defaults[0];
  in->b = infos[k].defaults[1];
  in->mode = MODE_FAN_IN;
  in->dist = DIST_TRUNCATED;
  return &in->ob;
}

static gboolean
number (PyInterp *ip, PyObj *o, const char *cls, const char *arg, double *out)
{
  if (py_is_number (o) && !PY_IS (o, py_bool_type))
    {
      *out = py_number_value (o);
      return TRUE;
    }
  if (py_keras_is_tensor (o))
    {
      g_autoptr (PsArray) a = py_keras_to_array (ip, o, NULL);
      PsScalar s;
      GError *e = NULL;
      if (a && ps_array_get_numel (a) == 1 && ps_array_item (a, &s, &e))
        {
          *out = ps_scalar_to_double (s);
          return TRUE;
        }
      g_clear_error (&e);
    }
  py_raise (ip, py_exc_TypeError, "%s: `%s` must be a number, not %s", cls, arg, o->type->name);
  return FALSE;
}

/* the built-in classes' constructor */
static PyObj *
kinit_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  KiKind k = KI_N;
  for (PyType *b = t; b && k == KI_N; b = b->base)
    for (int i = 0; i < KI_N; i++)
      if (b == &ki_types[i])
        k = i;
  if (k == KI_N)
    {
      /* Initializer itself, or a user's subclass of it */
      if (!t->is_heap && (a->npos || a->nkw))
        return py_raise (ip, py_exc_TypeError, "Initializer() takes no arguments");
      return py_alloc (t);
    }
  const KiInfo *info = &infos[k];
  PyObj *vals[5] = { NULL };
  if (!py_parse_args (ip, a, info->cls, info->args, 0, vals))
    return NULL;
  KInit *in = (KInit *) new_builtin (k);
  if (t != &ki_types[k])
    {
      /* a user's subclass of a built-in class */
      py_decref (&in->ob);
      in = (KInit *) py_alloc (t);
      in->builtin = TRUE;
      in->kind = k;
      in->a = info->defaults[0];
      in->b = info->defaults[1];
    }
  for (int i = 0; i < 3 && info->args[i]; i++)
    {
      const char *arg = info->args[i];
      PyObj *v = vals[i];
      if (!v || v == py_none || strcmp (arg, "seed") == 0)
        continue;
      if (k == KI_VARIANCE_SCALING && i > 0)
        {
          const char *s = PY_IS (v, py_str_type) ? PY_STR (v) : "";
          if (i == 1 && strcmp (s, "fan_in") == 0) in->mode = MODE_FAN_IN;
          else if (i == 1 && strcmp (s, "fan_out") == 0) in->mode = MODE_FAN_OUT;
          else if (i == 1 && strcmp (s, "fan_avg") == 0) in->mode = MODE_FAN_AVG;
          else if (i == 2 && (strcmp (s, "truncated_normal") == 0 || strcmp (s, "normal") == 0)) in->dist = DIST_TRUNCATED;
          else if (i == 2 && strcmp (s, "untruncated_normal") == 0) in->dist = DIST_UNTRUNCATED;
          else if (i == 2 && strcmp (s, "uniform") == 0) in->dist = DIST_UNIFORM;
          else
            {
              py_decref (&in->ob);
              return py_raise (ip, py_exc_ValueError, "Invalid `%s` argument: %s", arg,
                               PY_IS (v, py_str_type) ? PY_STR (v) : v->type->name);
            }
          continue;
        }
      double *dst = i == 0 ? &in->a : &in->b;
      if (!number (ip, v, info->cls, arg, dst))
        {
          py_decref (&in->ob);
          return NULL;
        }
    }
  if ((k == KI_RANDOM_NORMAL || k == KI_TRUNCATED_NORMAL) && !(in->b >= 0))
    {
      py_decref (&in->ob);
      return py_raise (ip, py_exc_ValueError, "%s: `stddev` must be non-negative", info->cls);
    }
  if (k == KI_VARIANCE_SCALING && !(in->a > 0))
    {
      py_decref (&in->ob);
      return py_raise (ip, py_exc_ValueError, "Argument `scale` must be positive float. "
                       "Received: scale=%g", in->a);
    }
  return &in->ob;
}

/* Keras' compute_fans */
static void
fans (int ndim, const int64_t *shape, double *fan_in, double *fan_out)
{
  if (ndim == 0)
    *fan_in = *fan_out = 1;
  else if (ndim == 1)
    *fan_in = *fan_out = (double) shape[0];
  else
    {
      double rf = 1;
      for (int i = 0; i < ndim - 2; i++)
        rf *= (double) shape[i];
      *fan_in = (double) shape[ndim - 2] * rf;
      *fan_out = (double) shape[ndim - 1] * rf;
    }
}

static gboolean
scheme_fill (PyInterp *ip, PsInitKind kind, double a0, double a1, PsTensor *t)
{
  g_autoptr (PsInitScheme) s = ps_init_scheme_new (kind);
  GError *e = NULL;
  s->num[0] = a0;
  s->num[1] = a1;
  if (!ps_init_tensor (s, t, -1, py_torch_rng (ip), &e))
    return py_keras_raise_gerror (ip, e) != NULL;
  return TRUE;
}

static gboolean
fill_builtin (PyInterp *ip, KInit *in, PsTensor *t)
{
  int64_t n = ps_shape_numel (t->ndim, t->shape);
  PsRng *rng = py_torch_rng (ip);
  double scale = 1, fin, fout, fan;
  KiMode mode = MODE_FAN_IN;
  KiDist dist = DIST_TRUNCATED;
  switch (in->kind)
    {
    case KI_CONSTANT: ps_tensor_fill (t, (float) in->a); return TRUE;
    case KI_ZEROS: ps_tensor_fill (t, 0); return TRUE;
    case KI_ONES: ps_tensor_fill (t, 1); return TRUE;
    case KI_RANDOM_NORMAL: ps_rng_fill_normal (rng, t->data, n, in->a, in->b); return TRUE;
    case KI_RANDOM_UNIFORM: ps_rng_fill_uniform (rng, t->data, n, in->a, in->b); return TRUE;
    case KI_TRUNCATED_NORMAL:
      return scheme_fill (ip, PS_INIT_KERAS_TRUNCATED_NORMAL, in->a, in->b, t);
    case KI_IDENTITY:
      if (t->ndim != 2)
        {
          g_autoptr (GString) s = g_string_new (NULL);
          py_keras_append_shape (s, t->ndim, t->shape);
          py_raise (ip, py_exc_ValueError, "Identity matrix initializer can only be used for 2D "
                    "matrices. Received: shape=%s of rank %d.", s->str, t->ndim);
          return FALSE;
        }
      ps_tensor_fill (t, 0);
      for (int64_t i = 0; i < MIN (t->shape[0], t->shape[1]); i++)
        t->data[i * t->shape[1] + i] = (float) in->a;
      return TRUE;
    case KI_ORTHOGONAL:
      {
        if (t->ndim < 2)
          {
            g_autoptr (GString) s = g_string_new (NULL);
            py_keras_append_shape (s, t->ndim, t->shape);
            py_raise (ip, py_exc_ValueError, "The tensor to initialize must be at least "
                      "two-dimensional. Received: shape=%s of rank %d.", s->str, t->ndim);
            return FALSE;
          }
        if (n == 0)
          return TRUE;
        /* a (prod(shape[:-1]), shape[-1]) matrix with orthonormal rows or columns */
        int64_t cols = t->shape[t->ndim - 1];
        g_autoptr (PsTensor) m = ps_tensor_new_2d (n / cols, cols);
        if (!m)
          {
            py_raise (ip, py_exc_MemoryError, "Orthogonal: too large");
            return FALSE;
          }
        if (!scheme_fill (ip, PS_INIT_ORTHOGONAL, in->a, 0, m))
          return FALSE;
        memcpy (t->data, m->data, sizeof (float) * n);
        return TRUE;
      }
    case KI_GLOROT_UNIFORM: mode = MODE_FAN_AVG; dist = DIST_UNIFORM; break;
    case KI_GLOROT_NORMAL: mode = MODE_FAN_AVG; break;
    case KI_HE_NORMAL: scale = 2; break;
    case KI_HE_UNIFORM: scale = 2; dist = DIST_UNIFORM; break;
    case KI_LECUN_NORMAL: break;
    case KI_LECUN_UNIFORM: dist = DIST_UNIFORM; break;
    case KI_VARIANCE_SCALING: scale = in->a; mode = in->mode; dist = in->dist; break;
    default: g_assert_not_reached ();
    }
  fans (t->ndim, t->shape, &fin, &fout);
  fan = mode == MODE_FAN_IN ? fin : mode == MODE_FAN_OUT ? fout : (fin + fout) / 2;
  scale /= MAX (1.0, fan);
  if (dist == DIST_UNIFORM)
    {
      double limit = sqrt (3.0 * scale);
      ps_rng_fill_uniform (rng, t->data, n, -limit, limit);
      return TRUE;
    }
  if (dist == DIST_UNTRUNCATED)
    {
      ps_rng_fill_normal (rng, t->data, n, 0, sqrt (scale));
      return TRUE;
    }
  return scheme_fill (ip, PS_INIT_KERAS_TRUNCATED_NORMAL, 0, sqrt (scale) / TRUNC_STD, t);
}

PsTensor *
py_keras_initialize (PyInterp *ip, PyObj *init, int ndim, const int64_t *shape, const char *what)
{
  g_autoptr (PsTensor) t = ps_tensor_new (ndim, shape);
  if (!t)
    {
      py_raise (ip, py_exc_MemoryError, "%s: a variable of too many elements", what);
      return NULL;
    }
  if (py_isinstance (init, &initializer_type) && ((KInit *) init)->builtin
      && !py_type_lookup (init->type, "__call__"))
    return fill_builtin (ip, (KInit *) init, t) ? g_steal_pointer (&t) : NULL;
  /* a user's initializer: init(shape, dtype="float32") */
  PyObj *sh = py_keras_shape_tuple (ndim, shape);
  PyObj *dt = py_str_new ("float32", -1);
  const char *kwn[] = { "dtype" };
  PyArgs a = { .pos = &sh, .npos = 1, .kwv = &dt, .kwn = kwn, .nkw = 1 };
  PyObj *r = py_call (ip, init, &a);
  py_decref (sh);
  py_decref (dt);
  if (!r)
    return NULL;
  g_autoptr (PsArray) arr = py_keras_to_array (ip, r, NULL);
  py_decref (r);
  if (!arr)
    return NULL;
  int rn = ps_array_get_ndim (arr);
  const int64_t *rs = ps_array_get_shape (arr);
  if (rn != ndim || memcmp (rs, shape, sizeof (int64_t) * ndim) != 0)
    {
      g_autoptr (GString) w = g_string_new (NULL), g = g_string_new (NULL);
      py_keras_append_shape (w, ndim, shape);
      py_keras_append_shape (g, rn, rs);
      py_raise (ip, py_exc_ValueError, "%s: the initializer returned a value of shape %s for a "
                "variable of shape %s", what, g->str, w->str);
      return NULL;
    }
  GError *e = NULL;
  PsTensor *out = ps_array_to_tensor (arr, &e);
  if (!out)
    py_keras_raise_gerror (ip, e);
  return out;
}

PyObj *
py_keras_get_initializer (PyInterp *ip, PyObj *spec)
{
  if (PY_IS (spec, py_str_type))
    {
      const char *s = PY_STR (spec);
      for (int k = 0; k < KI_N; k++)
        if (strcmp (s, infos[k].snake) == 0 || strcmp (s, infos[k].cls) == 0)
          return new_builtin (k);
      if (strcmp (s, "uniform") == 0)
        return new_builtin (KI_RANDOM_UNIFORM);
      if (strcmp (s, "normal") == 0)
        return new_builtin (KI_RANDOM_NORMAL);
      return py_raise (ip, py_exc_ValueError, "Could not interpret initializer identifier: '%s'", s);
    }
  PyType *t = spec->type;
  gboolean callable = py_isinstance (spec, &initializer_type) || py_type_lookup (t, "__call__");
  for (; t && !callable; t = t->base)
    callable = t->call != NULL;
  if (!callable)
    return py_raise (ip, py_exc_ValueError, "Could not interpret initializer identifier: %s",
                     spec->type->name);
  return py_incref (spec);
}

/* init(shape, dtype=None) */
static PyObj *
kinit_call (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "shape", "dtype", NULL };
  PyObj *v[2] = { NULL };
  if (!py_parse_args (ip, a, self->type->name, names, 1, v))
    return NULL;
  int ndim;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  KtfDtype d;
  if (!py_keras_shape_arg (ip, v[0], &ndim, shape, self->type->name)
      || !py_keras_dtype_arg (ip, v[1], KTF_F32, &d))
    return NULL;
  g_autoptr (PsTensor) t = ps_tensor_new (ndim, shape);
  if (!t)
    return py_raise (ip, py_exc_MemoryError, "%s: too many elements", self->type->name);
  if (!fill_builtin (ip, (KInit *) self, t))
    return NULL;
  GError *e = NULL;
  PsArray *arr = ps_array_new_from_tensor (t, &e);
  if (!arr)
    return py_keras_raise_gerror (ip, e);
  if (d != KTF_F32)
    {
      PsArray *c = ps_array_to_dtype (arr, d == KTF_F64 ? PS_DTYPE_F64 : d == KTF_BOOL ? PS_DTYPE_BOOL : PS_DTYPE_I64, &e);
      ps_array_unref (arr);
      if (!c)
        return py_keras_raise_gerror (ip, e);
      arr = c;
    }
  return py_keras_tensor_new (ip, arr, d);
}

static PyObj *
kinit_get_config (PyInterp *ip, PyObj *self, PyArgs *a)
{
  KInit *in = (KInit *) self;
  PyObj *d = py_dict_new ();
  if (!in->builtin)
    return d;
  const KiInfo *info = &infos[in->kind];
  for (int i = 0; i < 2 && info->args[i]; i++)
    if (strcmp (info->args[i], "seed") != 0)
      py_dict_set_str (d, info->args[i], py_float_new (i == 0 ? in->a : in->b));
  if (info->args[0] && strcmp (info->args[0], "seed") == 0)
    py_dict_set_str (d, "seed", py_incref (py_none));
  return d;
}

static const PyMethodDef initializer_methods[] = { { "get_config", kinit_get_config }, { NULL } };

static PyType initializer_type = {
  .ob = { &py_type_type, -1 }, .name = "Initializer", .module = "keras.src.initializers.initializer",
  .size = sizeof (KInit), .dealloc = kinit_dealloc, .repr = kinit_repr, .new_ = kinit_new,
  .has_dict = TRUE, .methods = initializer_methods,
};

/* keras.initializers: the classes, their snake_case aliases, get() */
static PyObj *
f_get (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "identifier", NULL };
  PyObj *v;
  if (!py_parse_args (ip, a, "get", names, 1, &v))
    return NULL;
  if (v == py_none)
    return py_incref (py_none);
  return py_keras_get_initializer (ip, v);
}

static void
types_init (void)
{
  static gsize once;
  if (g_once_init_enter (&once))
    {
      for (int k = 0; k < KI_N; k++)
        ki_types[k] = (PyType) { .ob = { &py_type_type, -1 }, .name = infos[k].cls,
                                 .module = infos[k].module, .base = &initializer_type,
                                 .size = sizeof (KInit), .has_dict = TRUE, .call = kinit_call };
      g_once_init_leave (&once, 1);
    }
}

PyObj *
py_keras_build_initializers (PyInterp *ip)
{
  types_init ();
  PyObj *m = py_module_new ("keras.initializers");
  py_module_add (m, "Initializer", py_incref (&initializer_type.ob));
  for (int k = 0; k < KI_N; k++)
    {
      py_module_add (m, infos[k].cls, py_incref (&ki_types[k].ob));
      py_module_add (m, infos[k].snake, py_incref (&ki_types[k].ob));
    }
  py_module_add (m, "get", py_native_new ("get", f_get, NULL));
  return m;
}

/* tf.random_normal_initializer, tf.zeros_initializer, ...: TensorFlow's names for the same */
PyObj *
py_keras_tf_initializer_class (const char *tf_name)
{
  static const struct { const char *tf; KiKind k; } map[] = {
    { "random_normal_initializer", KI_RANDOM_NORMAL }, { "random_uniform_initializer", KI_RANDOM_UNIFORM },
    { "zeros_initializer", KI_ZEROS }, { "ones_initializer", KI_ONES },
    { "constant_initializer", KI_CONSTANT }, { "truncated_normal_initializer", KI_TRUNCATED_NORMAL },
    { "glorot_uniform_initializer", KI_GLOROT_UNIFORM }, { "glorot_normal_initializer", KI_GLOROT_NORMAL },
    { "orthogonal_initializer", KI_ORTHOGONAL }, { "variance_scaling_initializer", KI_VARIANCE_SCALING },
  };
  types_init ();
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strcmp (tf_name, map[i].tf) == 0)
      return py_incref (&ki_types[map[i].k].ob);
  return NULL;
}

/* the tf names a module lists */
const char *const py_keras_tf_initializer_names[] = {
  "random_normal_initializer", "random_uniform_initializer", "zeros_initializer", "ones_initializer",
  "constant_initializer", "truncated_normal_initializer", "glorot_uniform_initializer",
  "glorot_normal_initializer", "orthogonal_initializer", "variance_scaling_initializer", NULL
};
