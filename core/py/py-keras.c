/* py-keras.c — the Keras dialect's values: tf.Tensor, Keras' Variable, NumPy's
 * ndarray, TensorFlow's dtypes and functions, and the initializers
 * (py-keras.h; the layers are in py-keras-layers.c)
 *
 * Printouts are TensorFlow's and Keras 3's, with NumPy's array text
 * (ps-numpy-format.h).  Random values come from the interpreter's generator
 * (tf.random.set_seed seeds it) with Keras' distributions; TensorFlow's own
 * random bits are not reproduced.
 */
#include "py-keras.h"
#include "ps-init.h"

#include <math.h>
#include <string.h>

#define TF_VERSION "2.18.0"
#define KERAS_VERSION "3.8.0"

static PsDtype
ps_dtype_of (KtfDtype d)
{
  switch (d)
    {
    case KTF_F64: return PS_DTYPE_F64;
    case KTF_I32: case KTF_I64: return PS_DTYPE_I64;
    case KTF_BOOL: return PS_DTYPE_BOOL;
    default: return PS_DTYPE_F32;
    }
}

static KtfDtype
ktf_of (PsDtype d)
{
  switch (d)
    {
    case PS_DTYPE_F64: return KTF_F64;
    case PS_DTYPE_I64: return KTF_I64;
    case PS_DTYPE_BOOL: return KTF_BOOL;
    default: return KTF_F32;
    }
}

static const char *const ktf_names[KTF_N] = { "float32", "float64", "int32", "int64", "bool" };
static const PsNumpyDtype ktf_numpy[KTF_N] = { PS_NUMPY_FLOAT32, PS_NUMPY_FLOAT64, PS_NUMPY_INT32,
                                               PS_NUMPY_INT64, PS_NUMPY_BOOL };

/* ---- state ---------------------------------------------------------------------------- */

KerasState *
py_keras_state (PyInterp *ip)
{
  if (!ip->keras_state)
    {
      KerasState *s = g_new0 (KerasState, 1);
      s->name_uids = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      s->scopes = g_ptr_array_new_with_free_func (g_free);
      ip->keras_state = s;
    }
  return ip->keras_state;
}

void
py_keras_state_free (gpointer p)
{
  KerasState *s = p;
  g_hash_table_unref (s->name_uids);
  g_ptr_array_unref (s->scopes);
  g_free (s);
}

char *
py_keras_uniquify (PyInterp *ip, const char *base)
{
  KerasState *s = py_keras_state (ip);
  gpointer v;
  char *name;
  if (g_hash_table_lookup_extended (s->name_uids, base, NULL, &v))
    name = g_strdup_printf ("%s_%d", base, GPOINTER_TO_INT (v));
  else
    name = g_strdup (base);
  g_hash_table_replace (s->name_uids, g_strdup (base), GINT_TO_POINTER (GPOINTER_TO_INT (v) + 1));
  return name;
}

static PyObj *
raise_gerror (PyInterp *ip, GError *e)
{
  PyType *t = py_exc_ValueError;
  if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_INDEX)
    t = py_exc_IndexError;
  else if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_TYPE)
    t = py_exc_TypeError;
  py_raise (ip, t, "%s", e->message);
  g_error_free (e);
  return NULL;
}

void
py_keras_append_shape (GString *s, int ndim, const int64_t *shape)
{
  g_string_append_c (s, '(');
  for (int i = 0; i < ndim; i++)
    g_string_append_printf (s, i ? ", %lld" : "%lld", (long long) shape[i]);
  if (ndim == 1)
    g_string_append_c (s, ',');
  g_string_append_c (s, ')');
}

static PyObj *
shape_tuple (int ndim, const int64_t *shape)
{
  PyObj *t = py_tuple_new (ndim);
  for (int i = 0; i < ndim; i++)
    PY_TUPLE (t)->items[i] = py_int_new (shape[i]);
  return t;
}

/* a shape argument: an int, or a tuple/list of ints */
static gboolean
shape_arg (PyInterp *ip, PyObj *o, int *ndim, int64_t *shape, const char *what)
{
  PyObj **items;
  gsize n;
  if (py_is_int (o) && !PY_IS (o, py_bool_type))
    {
      *ndim = 1;
      shape[0] = py_int_value (o);
    }
  else if (py_sequence_items (o, &items, &n))
    {
      if (n > PS_TENSOR_MAX_DIMS)
        {
          py_raise (ip, py_exc_ValueError, "%s: a shape of %zu dimensions is more than %d",
                    what, n, PS_TENSOR_MAX_DIMS);
          return FALSE;
        }
      *ndim = (int) n;
      for (gsize i = 0; i < n; i++)
        {
          if (!py_is_int (items[i]) || PY_IS (items[i], py_bool_type))
            {
              py_raise (ip, py_exc_TypeError, "%s: a shape holds integers, not %s", what,
                        items[i]->type->name);
              return FALSE;
            }
          shape[i] = py_int_value (items[i]);
        }
    }
  else
    {
      py_raise (ip, py_exc_TypeError, "%s: a shape is a tuple of integers, not %s", what,
                o->type->name);
      return FALSE;
    }
  int64_t numel = 1;
  for (int i = 0; i < *ndim; i++)
    {
      if (shape[i] < 0)
        {
          py_raise (ip, py_exc_ValueError, "%s: a dimension of a shape cannot be negative (%lld)",
                    what, (long long) shape[i]);
          return FALSE;
        }
      if (shape[i] > 0 && numel > G_MAXINT64 / 4 / shape[i])
        {
          py_raise (ip, py_exc_MemoryError, "%s: a shape of too many elements", what);
          return FALSE;
        }
      numel *= shape[i];
    }
  return TRUE;
}

/* ---- dtypes: tf.float32 ----------------------------------------------------------------- */

typedef struct { PyObj ob; KtfDtype d; } KDtypeObj;

static gboolean
kdtype_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "tf.%s", ktf_names[((KDtypeObj *) o)->d]);
  return TRUE;
}

static gboolean
kdtype_str (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<dtype: '%s'>", ktf_names[((KDtypeObj *) o)->d]);
  return TRUE;
}

static PyObj *
kdtype_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  KtfDtype d = ((KDtypeObj *) o)->d;
  if (strcmp (name, "name") == 0)
    return py_str_new (ktf_names[d], -1);
  if (strcmp (name, "is_floating") == 0)
    return py_bool (d == KTF_F32 || d == KTF_F64);
  return NULL;
}

static gboolean
kdtype_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = (guint64) ((KDtypeObj *) o)->d + 7919;
  return TRUE;
}

static PyType kdtype_type = {
  .ob = { &py_type_type, -1 }, .name = "DType", .module = "tensorflow.python.framework.dtypes",
  .size = sizeof (KDtypeObj), .repr = kdtype_repr, .str = kdtype_str, .getattr = kdtype_getattr,
  .hash = kdtype_hash,
};

static KDtypeObj kdtypes[KTF_N] = {
  { { &kdtype_type, -1 }, KTF_F32 }, { { &kdtype_type, -1 }, KTF_F64 },
  { { &kdtype_type, -1 }, KTF_I32 }, { { &kdtype_type, -1 }, KTF_I64 },
  { { &kdtype_type, -1 }, KTF_BOOL },
};

/* dtype=: tf.float32, 'float32', None (fallback) */
static gboolean
dtype_arg (PyInterp *ip, PyObj *o, KtfDtype fallback, KtfDtype *out)
{
  *out = fallback;
  if (!o || o == py_none)
    return TRUE;
  if (PY_IS (o, kdtype_type))
    {
      *out = ((KDtypeObj *) o)->d;
      return TRUE;
    }
  if (PY_IS (o, py_str_type))
    for (int i = 0; i < KTF_N; i++)
      if (strcmp (PY_STR (o), ktf_names[i]) == 0)
        {
          *out = i;
          return TRUE;
        }
  if (PY_IS (o, py_str_type))
    py_raise (ip, py_exc_TypeError, "Cannot convert the argument `type_value`: '%s' to a "
              "TensorFlow DType.", PY_STR (o));
  else
    py_raise (ip, py_exc_TypeError, "Cannot convert the argument `type_value`: %s to a "
              "TensorFlow DType.", o->type->name);
  return FALSE;
}

/* ---- tf.Tensor and ndarray: one layout ------------------------------------------------------- */

/* var/key: a slice of a Variable (v[0, 0]) that .assign() writes back */
typedef struct { PyObj ob; GHashTable *dict; PsArray *a; KtfDtype d; PyObj *var, *key; } KTensor;

static PyType ktensor_type, kndarray_type, kvariable_type;

#define KT(o) ((KTensor *) (o))

static PyObj *
array_obj (PyInterp *ip, PyType *t, PsArray *a, KtfDtype d)
{
  KTensor *k = (KTensor *) py_alloc (t);
  k->a = a;
  k->d = d;
  return &k->ob;
}

PyObj *
py_keras_tensor_new (PyInterp *ip, PsArray *a, KtfDtype d)
{
  return array_obj (ip, &ktensor_type, a, d);
}

gboolean
py_keras_is_tensor (PyObj *o)
{
  return py_isinstance (o, &ktensor_type);
}

PyObj *
py_keras_ndarray_new (PyInterp *ip, PsArray *a, KtfDtype d)
{
  GError *e = NULL;
  PsArray *c = ps_array_clone (a, &e);
  if (!c)
    return raise_gerror (ip, e);
  PsArray *det = ps_array_detach (c);
  ps_array_unref (c);
  return array_obj (ip, &kndarray_type, det, d);
}

static void
ktensor_dealloc (PyObj *o)
{
  g_clear_pointer (&KT (o)->a, ps_array_unref);
  g_clear_pointer (&KT (o)->dict, g_hash_table_unref);
  py_clear (&KT (o)->var);
  py_clear (&KT (o)->key);
}

/* NumPy's text of a's values */
static char *
numpy_text (PyInterp *ip, PsArray *a, KtfDtype d, gboolean repr)
{
  GError *e = NULL;
  double *x = ps_array_to_doubles (a, &e);
  if (!x)
    {
      raise_gerror (ip, e);
      return NULL;
    }
  char *s = ps_numpy_format (x, ps_array_get_ndim (a), ps_array_get_shape (a), ktf_numpy[d], repr);
  g_free (x);
  return s;
}

/* TensorFlow's _numpy_text: a repr of a 0-d tensor is the scalar's */
static char *
tf_numpy_text (PyInterp *ip, PsArray *a, KtfDtype d, gboolean repr)
{
  char *s;
  if (ps_array_get_ndim (a) == 0)
    {
      PsScalar v;
      GError *e = NULL;
      if (!ps_array_item (a, &v, &e))
        {
          raise_gerror (ip, e);
          return NULL;
        }
      s = ps_numpy_scalar_str (ps_scalar_to_double (v), ktf_numpy[d]);
    }
  else
    s = numpy_text (ip, a, d, repr);
  if (s && strchr (s, '\n'))
    {
      char *t = g_strconcat ("\n", s, NULL);
      g_free (s);
      s = t;
    }
  return s;
}

static gboolean
ktensor_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PsArray *a = KT (o)->a;
  g_autofree char *np = tf_numpy_text (ip, a, KT (o)->d, TRUE);
  if (!np)
    return FALSE;
  g_string_append (out, "<tf.Tensor: shape=");
  py_keras_append_shape (out, ps_array_get_ndim (a), ps_array_get_shape (a));
  g_string_append_printf (out, ", dtype=%s, numpy=%s>", ktf_names[KT (o)->d], np);
  return TRUE;
}

static gboolean
ktensor_str (PyInterp *ip, PyObj *o, GString *out)
{
  PsArray *a = KT (o)->a;
  g_autofree char *np = tf_numpy_text (ip, a, KT (o)->d, FALSE);
  if (!np)
    return FALSE;
  g_string_append_printf (out, "tf.Tensor(%s, shape=", np);
  py_keras_append_shape (out, ps_array_get_ndim (a), ps_array_get_shape (a));
  g_string_append_printf (out, ", dtype=%s)", ktf_names[KT (o)->d]);
  return TRUE;
}

static gboolean
kndarray_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_autofree char *s = numpy_text (ip, KT (o)->a, KT (o)->d, TRUE);
  if (s)
    g_string_append (out, s);
  return s != NULL;
}

static gboolean
kndarray_str (PyInterp *ip, PyObj *o, GString *out)
{
  g_autofree char *s = numpy_text (ip, KT (o)->a, KT (o)->d, FALSE);
  if (s)
    g_string_append (out, s);
  return s != NULL;
}

/* ---- operands ------------------------------------------------------------------------------- */

typedef struct { PyObj ob; GHashTable *dict; PsParam *p; PsArray *a; char *path, *name; gboolean trainable; } KVariable;
#define KV(o) ((KVariable *) (o))

static gboolean
collect_values (PyInterp *ip, PyObj *o, int depth, int *ndim, int64_t *shape, GArray *vals,
                gboolean *is_float, gboolean *is_bool)
{
  PyObj **items;
  gsize n;
  if (depth > PS_TENSOR_MAX_DIMS)
    {
      py_raise (ip, py_exc_ValueError, "a nested list deeper than %d", PS_TENSOR_MAX_DIMS);
      return FALSE;
    }
  if (py_sequence_items (o, &items, &n))
    {
      if (*ndim < depth + 1)
        {
          if (vals->len > 0)
            goto ragged;
          *ndim = depth + 1;
          shape[depth] = (int64_t) n;
        }
      else if (shape[depth] != (int64_t) n)
        goto ragged;
      for (gsize i = 0; i < n; i++)
        if (!collect_values (ip, items[i], depth + 1, ndim, shape, vals, is_float, is_bool))
          return FALSE;
      return TRUE;
    }
  if (*ndim != depth)
    goto ragged;
  double v;
  if (PY_IS (o, py_bool_type))
    v = o == py_true;
  else if (py_is_int (o))
    v = (double) py_int_value (o), *is_bool = FALSE;
  else if (PY_IS (o, py_float_type))
    v = PY_FLOAT (o), *is_float = TRUE, *is_bool = FALSE;
  else if ((py_isinstance (o, &ktensor_type) || py_isinstance (o, &kndarray_type))
           && ps_array_get_ndim (KT (o)->a) == 0)
    {
      PsScalar s;
      GError *e = NULL;
      if (!ps_array_item (KT (o)->a, &s, &e))
        return raise_gerror (ip, e) != NULL;
      v = ps_scalar_to_double (s);
      *is_float |= s.kind == PS_SCALAR_FLOAT;
      *is_bool &= s.kind == PS_SCALAR_BOOL;
    }
  else
    {
      py_raise (ip, py_exc_ValueError, "Attempt to convert a value (%s) with an unsupported type "
                "(%s) to a Tensor.", o->type->name, o->type->name);
      return FALSE;
    }
  if (vals->len >= (1u << 26))
    {
      py_raise (ip, py_exc_MemoryError, "a list of too many numbers");
      return FALSE;
    }
  g_array_append_val (vals, v);
  return TRUE;
ragged:
  py_raise (ip, py_exc_ValueError, "Can't convert non-rectangular Python sequence to Tensor.");
  return FALSE;
}

PsArray *
py_keras_to_array (PyInterp *ip, PyObj *o, KtfDtype *dtype)
{
  KtfDtype d = KTF_F32;
  PsArray *a = NULL;
  if (py_isinstance (o, &ktensor_type) || py_isinstance (o, &kndarray_type))
    a = ps_array_ref (KT (o)->a), d = KT (o)->d;
  else if (py_isinstance (o, &kvariable_type))
    {
      GError *e = NULL;
      a = ps_array_clone (KV (o)->a, &e);
      if (!a)
        return (PsArray *) raise_gerror (ip, e);
      PsArray *det = ps_array_detach (a);
      ps_array_unref (a);
      a = det;
    }
  else
    {
      int ndim = 0;
      int64_t shape[PS_TENSOR_MAX_DIMS + 1];
      gboolean is_float = FALSE, is_bool = TRUE;
      GArray *vals = g_array_new (FALSE, FALSE, sizeof (double));
      if (!collect_values (ip, o, 0, &ndim, shape, vals, &is_float, &is_bool))
        {
          g_array_unref (vals);
          return NULL;
        }
      if (vals->len == 0 && ndim > 0)
        is_float = TRUE, is_bool = FALSE;
      d = is_float ? KTF_F32 : is_bool ? KTF_BOOL : KTF_I32;
      GError *e = NULL;
      a = ps_array_new_zeros (ps_dtype_of (d), ndim, shape, &e);
      if (!a)
        {
          g_array_unref (vals);
          return (PsArray *) raise_gerror (ip, e);
        }
      PsArray *src = NULL;
      g_autofree PsScalar *sc = g_new (PsScalar, MAX (vals->len, 1));
      for (guint i = 0; i < vals->len; i++)
        sc[i] = ps_scalar_float (g_array_index (vals, double, i));
      g_array_unref (vals);
      src = ps_array_new_from_scalars (sc, ndim, shape, ps_dtype_of (d), &e);
      ps_array_unref (a);
      if (!src)
        return (PsArray *) raise_gerror (ip, e);
      a = src;
    }
  if (dtype)
    *dtype = d;
  return a;
}

static gboolean
is_arrayish (PyObj *o)
{
  return py_isinstance (o, &ktensor_type) || py_isinstance (o, &kvariable_type)
    || py_isinstance (o, &kndarray_type);
}

/* a binary operand: an array-like object, or a Python number wrapped (keeps the other's dtype) */
static PsArray *
operand (PyInterp *ip, PyObj *o, KtfDtype *d, gboolean *weak)
{
  *weak = FALSE;
  if (is_arrayish (o))
    return py_keras_to_array (ip, o, d);
  if (PY_IS (o, py_bool_type))
    return *weak = TRUE, *d = KTF_BOOL, ps_array_new_wrapped (ps_scalar_bool (o == py_true));
  if (py_is_int (o))
    return *weak = TRUE, *d = KTF_I32, ps_array_new_wrapped (ps_scalar_int (py_int_value (o)));
  if (PY_IS (o, py_float_type))
    return *weak = TRUE, *d = KTF_F32, ps_array_new_wrapped (ps_scalar_float (PY_FLOAT (o)));
  return NULL;
}

static PyType *
result_type (PyObj *x, PyObj *y)
{
  /* ndarray op ndarray stays NumPy; anything with a tensor or variable is a tf.Tensor */
  if ((py_isinstance (x, &kndarray_type) || !is_arrayish (x))
      && (py_isinstance (y, &kndarray_type) || !is_arrayish (y)))
    return &kndarray_type;
  return &ktensor_type;
}

static PyObj *
binary (PyInterp *ip, PsBinaryOp op, PyObj *x, PyObj *y, gboolean compare)
{
  KtfDtype dx, dy;
  gboolean wx, wy;
  g_autoptr (PsArray) a = operand (ip, x, &dx, &wx);
  if (!a)
    return py_err_occurred (ip) ? NULL : py_not_implemented;
  g_autoptr (PsArray) b = operand (ip, y, &dy, &wy);
  if (!b)
    return py_err_occurred (ip) ? NULL : py_not_implemented;
  GError *e = NULL;
  PsArray *r = ps_array_binary (op, a, b, &e);
  if (!r)
    return raise_gerror (ip, e);
  KtfDtype d = ktf_of (ps_array_get_dtype (r));
  if (compare)
    d = KTF_BOOL;
  else if (d == KTF_I64 && ((dx == KTF_I32 || wx) && (dy == KTF_I32 || wy)))
    d = KTF_I32;
  PsArray *det = ps_array_detach (r);
  ps_array_unref (r);
  return array_obj (ip, result_type (x, y), det, d);
}

static PyObj *
k_binop (PyInterp *ip, int op, PyObj *x, PyObj *y)
{
  static const int map[] = { PS_BINARY_ADD, PS_BINARY_SUB, PS_BINARY_MUL, PS_BINARY_DIV,
    PS_BINARY_FLOOR_DIV, PS_BINARY_REMAINDER, PS_BINARY_POW, -2, -1, -1, PS_BINARY_AND,
    PS_BINARY_OR, PS_BINARY_XOR };
  if (map[op] == -1)
    return py_not_implemented;
  if (map[op] == -2)
    {
      KtfDtype dx, dy;
      gboolean wx, wy;
      if (!is_arrayish (x) || !is_arrayish (y))
        return py_not_implemented;
      g_autoptr (PsArray) a = operand (ip, x, &dx, &wx);
      if (!a)
        return NULL;
      g_autoptr (PsArray) b = operand (ip, y, &dy, &wy);
      if (!b)
        return NULL;
      GError *e = NULL;
      PsArray *r = ps_array_matmul (a, b, &e);
      if (!r)
        return raise_gerror (ip, e);
      PsArray *det = ps_array_detach (r);
      ps_array_unref (r);
      return array_obj (ip, result_type (x, y), det, ktf_of (ps_array_get_dtype (det)));
    }
  return binary (ip, map[op], x, y, FALSE);
}

static PyObj *
k_compare (PyInterp *ip, int op, PyObj *x, PyObj *y)
{
  static const int map[] = { PS_BINARY_LT, PS_BINARY_LE, PS_BINARY_EQ, PS_BINARY_NE,
                             PS_BINARY_GT, PS_BINARY_GE };
  if (y == py_none && (op == PY_CMP_EQ || op == PY_CMP_NE))
    return py_bool (op == PY_CMP_NE);
  return binary (ip, map[op], x, y, TRUE);
}

static PyObj *
unary (PyInterp *ip, PyObj *o, PsUnaryOp op)
{
  KtfDtype d;
  g_autoptr (PsArray) a = py_keras_to_array (ip, o, &d);
  if (!a)
    return NULL;
  GError *e = NULL;
  PsArray *r = ps_array_unary (op, a, &e);
  if (!r)
    return raise_gerror (ip, e);
  PsArray *det = ps_array_detach (r);
  ps_array_unref (r);
  KtfDtype rd = ktf_of (ps_array_get_dtype (det));
  if (rd == KTF_I64 && d == KTF_I32)
    rd = KTF_I32;
  return array_obj (ip, py_isinstance (o, &kndarray_type) ? &kndarray_type : &ktensor_type, det, rd);
}

static PyObj *m_neg (PyInterp *ip, PyObj *s, PyArgs *a) { return unary (ip, s, PS_UNARY_NEG); }
static PyObj *m_abs (PyInterp *ip, PyObj *s, PyArgs *a) { return unary (ip, s, PS_UNARY_ABS); }
static PyObj *m_pos (PyInterp *ip, PyObj *s, PyArgs *a) { return py_incref (s); }

/* ---- indexing -------------------------------------------------------------------------------- */

static int
to_indices (PyInterp *ip, PyObj *key, PsIndex *ix)
{
  PyObj **items = &key;
  gsize n = 1;
  if (PY_IS (key, py_tuple_type))
    py_sequence_items (key, &items, &n);
  if (n > 16)
    {
      py_raise (ip, py_exc_IndexError, "too many indices");
      return -1;
    }
  for (gsize i = 0; i < n; i++)
    {
      PyObj *k = items[i];
      PsIndex all = PS_INDEX_ALL_INIT;
      ix[i] = all;
      if (py_is_int (k) && !PY_IS (k, py_bool_type))
        ix[i].kind = PS_INDEX_INT, ix[i].i = py_int_value (k);
      else if (k == py_none)
        ix[i].kind = PS_INDEX_NONE;
      else if (k == &py_ellipsis_obj)
        ix[i].kind = PS_INDEX_ELLIPSIS;
      else if (PY_IS (k, py_slice_type))
        {
          PySlice *s = (PySlice *) k;
          PyObj *parts[3] = { s->start, s->stop, s->step };
          for (int j = 0; j < 3; j++)
            if (parts[j] != py_none && !py_is_int (parts[j]))
              {
                py_raise (ip, py_exc_TypeError, "slice indices must be integers or None");
                return -1;
              }
          ix[i].has_start = s->start != py_none;
          ix[i].has_stop = s->stop != py_none;
          ix[i].start = ix[i].has_start ? py_int_value (s->start) : 0;
          ix[i].stop = ix[i].has_stop ? py_int_value (s->stop) : 0;
          ix[i].step = s->step != py_none ? py_int_value (s->step) : 1;
          if (ix[i].step <= 0)
            {
              py_raise (ip, py_exc_ValueError, "slice step must be positive");
              return -1;
            }
        }
      else
        {
          py_raise (ip, py_exc_TypeError, "Only integers, slices (`:`), ellipsis (`...`), "
                    "tf.newaxis (`None`) and scalar tf.int32/tf.int64 tensors are valid indices, "
                    "got %s", k->type->name);
          return -1;
        }
    }
  return (int) n;
}

static PyObj *
index_array (PyInterp *ip, PsArray *a, KtfDtype d, PyObj *key, PyType *t)
{
  PsIndex ix[16];
  int n = to_indices (ip, key, ix);
  if (n < 0)
    return NULL;
  GError *e = NULL;
  PsArray *v = ps_array_index (a, ix, n, &e);
  if (!v)
    return raise_gerror (ip, e);
  PsArray *c = ps_array_clone (v, &e);
  ps_array_unref (v);
  if (!c)
    return raise_gerror (ip, e);
  PsArray *det = ps_array_detach (c);
  ps_array_unref (c);
  return array_obj (ip, t, det, d);
}

static PyObj *
ktensor_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  return index_array (ip, KT (o)->a, KT (o)->d, key, o->type);
}

static gint64
ktensor_len (PyInterp *ip, PyObj *o)
{
  PsArray *a = KT (o)->a;
  if (ps_array_get_ndim (a) == 0)
    {
      py_raise (ip, py_exc_TypeError, "len() of unsized object");
      return -1;
    }
  return ps_array_get_shape (a)[0];
}

static int
ktensor_truth (PyInterp *ip, PyObj *o)
{
  PsArray *a = KT (o)->a;
  if (ps_array_get_numel (a) != 1)
    {
      py_raise (ip, py_exc_ValueError, "The truth value of an array with more than one element "
                "is ambiguous. Use a.any() or a.all()");
      return -1;
    }
  PsScalar s;
  GError *e = NULL;
  if (!ps_array_item (a, &s, &e))
    {
      raise_gerror (ip, e);
      return -1;
    }
  return ps_scalar_to_double (s) != 0;
}

/* v.assign(value): same shape (a number fills), in place, the parameter's listeners hear */
static gboolean
assign_into (PyInterp *ip, PsArray *dst, PyObj *value, const char *what)
{
  KtfDtype d;
  g_autoptr (PsArray) src = py_keras_to_array (ip, value, &d);
  if (!src)
    return FALSE;
  int nd = ps_array_get_ndim (dst), ns = ps_array_get_ndim (src);
  gboolean same = nd == ns && memcmp (ps_array_get_shape (dst), ps_array_get_shape (src),
                                      sizeof (int64_t) * nd) == 0;
  if (!same && !(ns == 0 && what == NULL))
    {
      GString *m = g_string_new (NULL);
      g_string_append (m, "The shape of the target variable and the shape of the target value in "
                       "`variable.assign(value)` must match. variable.shape=");
      py_keras_append_shape (m, nd, ps_array_get_shape (dst));
      g_string_append (m, ", Received: value.shape=");
      py_keras_append_shape (m, ns, ps_array_get_shape (src));
      g_string_append (m, ". Target variable: ");
      g_string_append (m, what ? what : "a slice");
      py_raise (ip, py_exc_ValueError, "%s", m->str);
      g_string_free (m, TRUE);
      return FALSE;
    }
  PsIndex all = PS_INDEX_ELLIPSIS_INIT;
  GError *e = NULL;
  if (!ps_array_index_put (dst, &all, 1, src, &e))
    return raise_gerror (ip, e) != NULL;
  return TRUE;
}

/* t.assign(value) on v[...] (a slice of a Variable): writes into the variable */
static PyObj *
t_assign (PyInterp *ip, PyObj *self, PyArgs *a)
{
  static const char *const names[] = { "value", NULL };
  PyObj *v;
  if (!py_parse_args (ip, a, "assign", names, 1, &v))
    return NULL;
  KTensor *t = KT (self);
  if (!t->var)
    return py_raise (ip, py_exc_AttributeError, "'tensorflow.python.framework.ops.EagerTensor' "
                     "object has no attribute 'assign'");
  PsIndex ix[16];
  int n = to_indices (ip, t->key, ix);
  if (n < 0)
    return NULL;
  GError *e = NULL;
  g_autoptr (PsArray) view = ps_array_index (KV (t->var)->a, ix, n, &e);
  if (!view)
    return raise_gerror (ip, e);
  if (!assign_into (ip, view, v, NULL))
    return NULL;
  return py_incref (t->var);
}

static PyObj *
t_numpy (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (!py_no_kwargs (ip, a, "numpy"))
    return NULL;
  return py_keras_ndarray_new (ip, KT (self)->a, KT (self)->d);
}

static PyObj *
array_attr (PyInterp *ip, PsArray *a, KtfDtype d, const char *name, gboolean numpy)
{
  if (strcmp (name, "shape") == 0)
    return shape_tuple (ps_array_get_ndim (a), ps_array_get_shape (a));
  if (strcmp (name, "ndim") == 0)
    return py_int_new (ps_array_get_ndim (a));
  if (strcmp (name, "dtype") == 0)
    return numpy ? py_str_new (ktf_names[d], -1) : py_incref (&kdtypes[d].ob);
  if (strcmp (name, "size") == 0 && numpy)
    return py_int_new (ps_array_get_numel (a));
  if (strcmp (name, "T") == 0 && numpy)
    {
      GError *e = NULL;
      PsArray *t = ps_array_T (a, &e);
      return t ? array_obj (ip, &kndarray_type, t, d) : raise_gerror (ip, e);
    }
  return NULL;
}

static PyObj *
ktensor_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyObj *r = array_attr (ip, KT (o)->a, KT (o)->d, name, py_isinstance (o, &kndarray_type));
  if (r)
    return r;
  if (strcmp (name, "assign") == 0 && KT (o)->var)
    return py_native_new ("assign", t_assign, o);
  return py_instance_getattr (ip, o, name);
}

static PyObj *
t_tolist (PyInterp *ip, PyObj *self, PyArgs *a)
{
  GError *e = NULL;
  PsArray *arr = KT (self)->a;
  g_autofree double *x = ps_array_to_doubles (arr, &e);
  if (!x)
    return raise_gerror (ip, e);
  int nd = ps_array_get_ndim (arr);
  const int64_t *sh = ps_array_get_shape (arr);
  if (nd == 0)
    return KT (self)->d == KTF_F32 || KT (self)->d == KTF_F64 ? py_float_new (x[0])
      : KT (self)->d == KTF_BOOL ? py_bool (x[0] != 0) : py_int_new ((gint64) x[0]);
  if (nd > 1)
    return py_raise (ip, py_exc_NotImplementedError, "tolist() of a %d-d array", nd);
  PyObj *l = py_list_new (0);
  for (int64_t i = 0; i < sh[0]; i++)
    py_list_append (l, KT (self)->d == KTF_F32 || KT (self)->d == KTF_F64 ? py_float_new (x[i])
                    : KT (self)->d == KTF_BOOL ? py_bool (x[i] != 0) : py_int_new ((gint64) x[i]));
  return l;
}

static gboolean
k_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = (guint64) (guintptr) o >> 4;
  return TRUE;
}

static const PyMethodDef ktensor_methods[] = {
  { "numpy", t_numpy }, { "__neg__", m_neg }, { "__pos__", m_pos }, { "__abs__", m_abs },
  { NULL }
};

static const PyMethodDef kndarray_methods[] = {
  { "tolist", t_tolist }, { "__neg__", m_neg }, { "__pos__", m_pos }, { "__abs__", m_abs },
  { NULL }
};

static PyType ktensor_type = {
  .ob = { &py_type_type, -1 }, .name = "EagerTensor", .module = "tensorflow.python.framework.ops",
  .size = sizeof (KTensor), .dealloc = ktensor_dealloc, .repr = ktensor_repr, .str = ktensor_str,
  .getattr = ktensor_getattr, .getitem = ktensor_getitem, .len = ktensor_len,
  .binop = k_binop, .compare = k_compare, .truth = ktensor_truth, .hash = k_hash,
  .methods = ktensor_methods,
};

static PyType kndarray_type = {
  .ob = { &py_type_type, -1 }, .name = "ndarray", .module = "numpy",
  .size = sizeof (KTensor), .dealloc = ktensor_dealloc, .repr = kndarray_repr, .str = kndarray_str,
  .getattr = ktensor_getattr, .getitem = ktensor_getitem, .len = ktensor_len,
  .binop = k_binop, .compare = k_compare, .truth = ktensor_truth,
  .methods = kndarray_methods,
};

/* ---- Keras' Variable ----------------------------------------------------------------------- */

PyObj *
py_keras_variable_new (PyInterp *ip, PsParam *p, const char *path, const char *name,
                       gboolean trainable)
{
  GError *e = NULL;
  PsArray *a = ps_array_new_for_param (p, &e);
  if (!a)
    {
      ps_param_unref (p);
      return raise_gerror (ip, e);
    }
  KVariable *v = (KVariable *) py_alloc (&kvariable_type);
  v->p = p;
  v->a = ps_array_detach (a);
  ps_array_unref (a);
  v->path = g_strdup (path);
  v->name = g_strdup (name);
  v->trainable = trainable;
  return &v->ob;
}

gboolean
py_keras_is_variable (PyObj *o)
{
  return py_isinstance (o, &kvariable_type);
}

PsParam *
py_keras_variable_param (PyObj *o)
{
  return KV (o)->p;
}

static void
kvariable_dealloc (PyObj *o)
{
  KVariable *v = KV (o);
  g_clear_pointer (&v->a, ps_array_unref);
  g_clear_pointer (&v->p, ps_param_unref);
  g_clear_pointer (&v->path, g_free);
  g_clear_pointer (&v->name, g_free);
  g_clear_pointer (&v->dict, g_hash_table_unref);
}

static gboolean
kvariable_repr (PyInterp *ip, PyObj *o, GString *out)
{
  KVariable *v = KV (o);
  g_autofree char *val = numpy_text (ip, v->a, KTF_F32, FALSE);
  if (!val)
    return FALSE;
  g_string_append_printf (out, "<Variable path=%s, shape=", v->path);
  py_keras_append_shape (out, ps_array_get_ndim (v->a), ps_array_get_shape (v->a));
  g_string_append_printf (out, ", dtype=float32, value=%s>", val);
  return TRUE;
}

static PyObj *
v_assign_op (PyInterp *ip, PyObj *self, PyArgs *a, int op)
{
  static const char *const names[] = { "value", NULL };
  PyObj *val;
  if (!py_parse_args (ip, a, op == 0 ? "assign" : op == 1 ? "assign_add" : "assign_sub", names, 1, &val))
    return NULL;
  KVariable *v = KV (self);
  if (op == 0)
    {
      if (!assign_into (ip, v->a, val, v->path))
        return NULL;
      return py_incref (self);
    }
  PyObj *sum = binary (ip, op == 1 ? PS_BINARY_ADD : PS_BINARY_SUB, self, val, FALSE);
  if (!sum)
    return NULL;
  if (sum == py_not_implemented)
    return py_raise (ip, py_exc_TypeError, "unsupported operand for assign_add: %s",
                     val->type->name);
  gboolean ok = assign_into (ip, v->a, sum, v->path);
  py_decref (sum);
  return ok ? py_incref (self) : NULL;
}

static PyObj *v_assign (PyInterp *ip, PyObj *s, PyArgs *a) { return v_assign_op (ip, s, a, 0); }
static PyObj *v_assign_add (PyInterp *ip, PyObj *s, PyArgs *a) { return v_assign_op (ip, s, a, 1); }
static PyObj *v_assign_sub (PyInterp *ip, PyObj *s, PyArgs *a) { return v_assign_op (ip, s, a, 2); }

static PyObj *
v_numpy (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (!py_no_kwargs (ip, a, "numpy"))
    return NULL;
  return py_keras_ndarray_new (ip, KV (self)->a, KTF_F32);
}

static PyObj *
kvariable_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  KVariable *v = KV (o);
  if (strcmp (name, "path") == 0)
    return py_str_new (v->path, -1);
  if (strcmp (name, "name") == 0)
    return py_str_new (v->name, -1);
  if (strcmp (name, "trainable") == 0)
    return py_bool (v->trainable);
  if (strcmp (name, "dtype") == 0)
    return py_str_new ("float32", -1);
  if (strcmp (name, "value") == 0)
    {
      g_autoptr (PsArray) c = py_keras_to_array (ip, o, NULL);
      return c ? py_keras_tensor_new (ip, g_steal_pointer (&c), KTF_F32) : NULL;
    }
  PyObj *r = array_attr (ip, v->a, KTF_F32, name, FALSE);
  if (r)
    return r;
  return py_instance_getattr (ip, o, name);
}

static int
kvariable_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *val)
{
  if (strcmp (name, "trainable") == 0)
    {
      int t = py_truth (ip, val);
      if (t < 0)
        return -1;
      KV (o)->trainable = t;
      return 1;
    }
  return 0;
}

/* v[0, 0] is a tensor that can assign back into v */
static PyObj *
kvariable_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  PyObj *t = index_array (ip, KV (o)->a, KTF_F32, key, &ktensor_type);
  if (!t)
    return NULL;
  KT (t)->var = py_incref (o);
  KT (t)->key = py_incref (key);
  return t;
}

static gint64
kvariable_len (PyInterp *ip, PyObj *o)
{
  PsArray *a = KV (o)->a;
  if (ps_array_get_ndim (a) == 0)
    {
      py_raise (ip, py_exc_TypeError, "len() of unsized object");
      return -1;
    }
  return ps_array_get_shape (a)[0];
}

static const PyMethodDef kvariable_methods[] = {
  { "assign", v_assign }, { "assign_add", v_assign_add }, { "assign_sub", v_assign_sub },
  { "numpy", v_numpy }, { "__neg__", m_neg }, { "__pos__", m_pos }, { "__abs__", m_abs },
  { NULL }
};

static PyType kvariable_type = {
  .ob = { &py_type_type, -1 }, .name = "Variable", .module = "keras.src.backend",
  .size = sizeof (KVariable), .dealloc = kvariable_dealloc, .repr = kvariable_repr,
  .getattr = kvariable_getattr, .setattr = kvariable_setattr, .getitem = kvariable_getitem,
  .len = kvariable_len, .binop = k_binop, .compare = k_compare, .hash = k_hash,
  .methods = kvariable_methods,
};


/* ---- what the other files of the dialect use ------------------------------------------------ */

PyObj *
py_keras_dtype_obj (KtfDtype d)
{
  return py_incref (&kdtypes[d].ob);
}

gboolean
py_keras_dtype_arg (PyInterp *ip, PyObj *o, KtfDtype fallback, KtfDtype *out)
{
  return dtype_arg (ip, o, fallback, out);
}

gboolean
py_keras_shape_arg (PyInterp *ip, PyObj *o, int *ndim, int64_t *shape, const char *what)
{
  return shape_arg (ip, o, ndim, shape, what);
}

PyObj *
py_keras_shape_tuple (int ndim, const int64_t *shape)
{
  return shape_tuple (ndim, shape);
}

PyObj *
py_keras_unary (PyInterp *ip, PyObj *o, PsUnaryOp op)
{
  return unary (ip, o, op);
}

PyObj *
py_keras_binary (PyInterp *ip, PsBinaryOp op, PyObj *x, PyObj *y)
{
  PyObj *r = binary (ip, op, x, y, op >= PS_BINARY_EQ && op <= PS_BINARY_GE);
  if (r == py_not_implemented)
    return py_raise (ip, py_exc_TypeError, "unsupported operand types: '%s' and '%s'",
                     x->type->name, y->type->name);
  return r;
}

PyObj *
py_keras_raise_gerror (PyInterp *ip, GError *e)
{
  return raise_gerror (ip, e);
}

const char *
py_keras_dtype_name (KtfDtype d)
{
  return ktf_names[d];
}
