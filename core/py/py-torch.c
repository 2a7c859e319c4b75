/* py-torch.c — the `torch` module and torch.Tensor over the tensor library
 * (ps-array.h, ps-autograd.h, ps-tensor-format.h), and torch.nn.functional's
 * activations
 *
 * A Tensor object holds one PsArray (a view: t.data, t[0], t.T share the
 * storage).  Errors of the tensor library become the Python exception its
 * code names, with PyTorch's message.  The generator is the interpreter's
 * (torch.manual_seed; PyTorch's default seed until then).  torch.nn is in
 * py-nn.c, torch.optim in py-optim.c.  One binding family: the Tensor type
 * and the torch functions share their argument helpers, hence the length.
 */
#include "py-eval.h"
#include "ps-autograd.h"
#include "ps-tensor-format.h"
#include "ps-i18n.h"

#include <math.h>
#include <float.h>
#include <string.h>

typedef struct {
  PsRng rng;
  PsPrintOptions print;
  GHashTable *wrappers;       /* PsModule* / PsParam* -> its one Python object (id() stable) */
} TorchState;

typedef struct { PyObj ob; GHashTable *dict; PsArray *a; } PyTensor;

static PyType tensor_type, parameter_type, size_type, dtype_type, nograd_type;

#define PY_TENSOR(o) (((PyTensor *) (o))->a)

static TorchState *
torch_state (PyInterp *ip)
{
  if (!ip->torch_state)
    {
      TorchState *s = g_new0 (TorchState, 1);
      ps_rng_seed (&s->rng, PS_RNG_DEFAULT_SEED);
      ps_print_options_init (&s->print);
      s->wrappers = g_hash_table_new (NULL, NULL);
      ip->torch_state = s;
    }
  return ip->torch_state;
}

/* after the heap is freed: the wrappers are gone already */
void
py_torch_state_free (gpointer s)
{
  g_hash_table_unref (((TorchState *) s)->wrappers);
  g_free (s);
}

GHashTable *
py_torch_wrappers (PyInterp *ip)
{
  return torch_state (ip)->wrappers;
}

void
py_torch_manual_seed (PyInterp *ip, guint64 seed)
{
  ps_rng_seed (&torch_state (ip)->rng, seed);
}

static PyObj *
raise_gerror (PyInterp *ip, GError *e)
{
  PyType *t = py_exc_RuntimeError;
  if (e->domain == PS_ARRAY_ERROR)
    switch (e->code)
      {
      case PS_ARRAY_ERROR_INDEX: t = py_exc_IndexError; break;
      case PS_ARRAY_ERROR_TYPE: t = py_exc_TypeError; break;
      case PS_ARRAY_ERROR_VALUE: t = py_exc_ValueError; break;
      default: break;
      }
  py_raise (ip, t, "%s", e->message);
  g_error_free (e);
  return NULL;
}

/* wrap a (steals) */
static PyObj *
wrap (PyInterp *ip, PsArray *a, GError **e)
{
  if (!a)
    return raise_gerror (ip, *e);
  PyTensor *t = (PyTensor *) py_alloc (ps_array_is_parameter (a) ? &parameter_type : &tensor_type);
  t->a = a;
  return &t->ob;
}

static gboolean
is_tensor (PyObj *o)
{
  return py_isinstance (o, &tensor_type);
}

static gboolean
to_scalar (PyObj *o, PsScalar *s)
{
  if (PY_IS (o, py_bool_type))
    *s = ps_scalar_bool (o == py_true);
  else if (py_is_int (o))
    *s = ps_scalar_int (py_int_value (o));
  else if (PY_IS (o, py_float_type))
    *s = ps_scalar_float (PY_FLOAT (o));
  else
    return FALSE;
  return TRUE;
}

static PyObj *
from_scalar (PsScalar s)
{
  switch (s.kind)
    {
    case PS_SCALAR_BOOL: return py_bool (s.v.b);
    case PS_SCALAR_INT: return py_int_new (s.v.i);
    default: return py_float_new (s.v.f);
    }
}

/* an operand: a tensor (new ref) or a Python number wrapped; NULL if neither */
static PsArray *
operand (PyObj *o)
{
  PsScalar s;
  if (is_tensor (o))
    return ps_array_ref (PY_TENSOR (o));
  if (to_scalar (o, &s))
    return ps_array_new_wrapped (s);
  return NULL;
}

/* ---- dtypes -------------------------------------------------------------------- */

typedef struct { PyObj ob; PsDtype dtype; } PyDtype;

static gboolean
dtype_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append (out, ps_array_dtype_torch_name (((PyDtype *) o)->dtype));
  return TRUE;
}

static PyType dtype_type = {
  .ob = { &py_type_type, -1 }, .name = "dtype", .module = "torch", .size = sizeof (PyDtype),
  .repr = dtype_repr,
};

static PyObj *
dtype_obj (PsDtype d)
{
  static PyDtype objs[PS_N_DTYPES];
  PyDtype *o = &objs[d];
  o->ob.type = &dtype_type;
  o->ob.refcnt = -1;
  o->dtype = d;
  return &o->ob;
}

/* dtype= argument: -1 when absent/None */
static gboolean
dtype_arg (PyInterp *ip, PyObj *o, int *out)
{
  *out = -1;
  if (!o || o == py_none)
    return TRUE;
  if (!PY_IS (o, dtype_type))
    {
      py_raise (ip, py_exc_TypeError, "dtype must be torch.dtype, not %s", o->type->name);
      return FALSE;
    }
  *out = ((PyDtype *) o)->dtype;
  return TRUE;
}

/* device=: None or the CPU ('cpu', 'cpu:0'), where every tensor lives */
static gboolean
device_arg (PyInterp *ip, PyObj *v)
{
  const char *s;

  if (v == NULL || v == py_none)
    return TRUE;
  if (!PY_IS (v, py_str_type))
    {
      py_raise (ip, py_exc_TypeError, "device must be a string such as 'cpu', not %s",
                v->type->name);
      return FALSE;
    }
  s = PY_STR (v);
  if (strcmp (s, "cpu") == 0 || strcmp (s, "cpu:0") == 0)
    return TRUE;
  if (g_str_has_prefix (s, "cuda"))
    py_raise (ip, py_exc_AssertionError, "Torch not compiled with CUDA enabled");
  else
    py_raise (ip, py_exc_RuntimeError, "Expected one of cpu, cuda, ipu, xpu, mkldnn, opengl, "
              "opencl, ideep, hip, ve, fpga, ort, xla, lazy, vulkan, mps, meta, hpu, privateuseone "
              "device type at start of device string: %s", s);
  return FALSE;
}

/* ---- torch.Size ------------------------------------------------------------------ */

static PyObj *
size_new (int ndim, const int64_t *shape)
{
  PyObj *t = py_tuple_new (ndim);
  for (int i = 0; i < ndim; i++)
    PY_TUPLE (t)->items[i] = py_int_new (shape[i]);
  t->type = &size_type;
  return t;
}

static gboolean
size_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append (out, "torch.Size([");
  for (gsize i = 0; i < PY_TUPLE (o)->n; i++)
    {
      if (i)
        g_string_append (out, ", ");
      if (!py_repr (ip, PY_TUPLE (o)->items[i], out))
        return FALSE;
    }
  g_string_append (out, "])");
  return TRUE;
}

/* a shape from f(2, 3), f((2, 3)), f([2, 3]) or f(size=(2, 3)) */
static gboolean
shape_args (PyInterp *ip, PyObj **pos, int npos, int *ndim, int64_t *shape)
{
  PyObj **items = pos;
  gsize n = npos;
  if (npos == 1 && !py_is_int (pos[0]))
    {
      if (!py_sequence_items (pos[0], &items, &n))
        {
          py_raise (ip, py_exc_TypeError, "size must be a tuple of ints, not %s", pos[0]->type->name);
          return FALSE;
        }
    }
  if (n > PS_ARRAY_MAX_DIMS)
    {
      py_raise (ip, py_exc_RuntimeError, "at most %d dimensions are supported", PS_ARRAY_MAX_DIMS);
      return FALSE;
    }
  for (gsize i = 0; i < n; i++)
    {
      if (!py_is_int (items[i]))
        {
          py_raise (ip, py_exc_TypeError, "size must contain ints, not %s", items[i]->type->name);
          return FALSE;
        }
      shape[i] = py_int_value (items[i]);
    }
  *ndim = (int) n;
  return TRUE;
}

static PyObj *
size_type_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  int ndim = 0;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  if (a->npos == 0)
    return size_new (0, shape);
  if (a->npos != 1 || !shape_args (ip, a->pos, 1, &ndim, shape))
    return py_err_occurred (ip) ? NULL : py_raise (ip, py_exc_TypeError, "torch.Size takes one sequence");
  return size_new (ndim, shape);
}

static PyType size_type = {
  .ob = { &py_type_type, -1 }, .name = "Size", .module = "torch", .base = &py_tuple_type,
  .size = sizeof (PyTuple), .repr = size_repr, .new_ = size_type_new,
};

/* ---- Tensor ------------------------------------------------------------------------- */

static void
tensor_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyTensor *) o)->a, ps_array_unref);
  g_clear_pointer (&((PyTensor *) o)->dict, g_hash_table_unref);
}

static gboolean
tensor_repr (PyInterp *ip, PyObj *o, GString *out)
{
  char *s = ps_array_repr (PY_TENSOR (o), &torch_state (ip)->print);
  g_string_append (out, s);
  g_free (s);
  return TRUE;
}

static PyObj *
tensor_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PsArray *a = PY_TENSOR (o);
  if (strcmp (name, "shape") == 0)
    return size_new (ps_array_get_ndim (a), ps_array_get_shape (a));
  if (strcmp (name, "dtype") == 0)
    return dtype_obj (ps_array_get_dtype (a));
  if (strcmp (name, "data") == 0)
    return wrap (ip, ps_array_detach (a), NULL);
  if (strcmp (name, "grad") == 0)
    {
      PsArray *g = ps_array_get_grad (a);
      return g ? wrap (ip, g, NULL) : py_none;
    }
  if (strcmp (name, "requires_grad") == 0)
    return py_bool (ps_array_get_requires_grad (a));
  if (strcmp (name, "is_leaf") == 0)
    return py_bool (ps_array_is_leaf (a));
  if (strcmp (name, "ndim") == 0)
    return py_int_new (ps_array_get_ndim (a));
  if (strcmp (name, "T") == 0)
    {
      GError *e = NULL;
      return wrap (ip, ps_array_T (a, &e), &e);
    }
  if (strcmp (name, "grad_fn") == 0)
    {
      const char *fn = ps_array_get_grad_fn_name (a);
      return fn ? py_str_printf ("<%s object>", fn) : py_none;
    }
  return py_instance_getattr (ip, o, name);
}

static int
tensor_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v)
{
  PsArray *a = PY_TENSOR (o);
  GError *e = NULL;
  if (strcmp (name, "requires_grad") == 0)
    {
      int t = v ? py_truth (ip, v) : 0;
      if (t < 0)
        return -1;
      if (!ps_array_set_requires_grad (a, t, &e))
        {
          raise_gerror (ip, e);
          return -1;
        }
      return 1;
    }
  if (strcmp (name, "grad") == 0)
    {
      if (v && v != py_none && !is_tensor (v))
        {
          py_raise (ip, py_exc_TypeError, "assigned grad expected to be a Tensor or None but got grad of type %s",
                    v->type->name);
          return -1;
        }
      if (!ps_array_set_grad (a, v && v != py_none ? PY_TENSOR (v) : NULL, &e))
        {
          raise_gerror (ip, e);
          return -1;
        }
      return 1;
    }
  if (strcmp (name, "data") == 0)
    {
      /* t.data = x replaces the values outside autograd */
      g_autoptr (PsArray) d = ps_array_detach (a);
      if (!v || !is_tensor (v) || !ps_array_copy_ (d, PY_TENSOR (v), &e))
        {
          if (e)
            raise_gerror (ip, e);
          else
            py_raise (ip, py_exc_TypeError, "t.data must be set to a Tensor");
          return -1;
        }
      return 1;
    }
  if (strcmp (name, "shape") == 0 || strcmp (name, "dtype") == 0 || strcmp (name, "T") == 0)
    {
      py_raise (ip, py_exc_AttributeError, "attribute '%s' of 'torch._C._TensorBase' objects is not writable",
                name);
      return -1;
    }
  return py_instance_setattr (ip, o, name, v);
}

/* ---- indexing --------------------------------------------------------------------- */

static gboolean
to_index (PyInterp *ip, PyObj *k, PsIndex *ix, GPtrArray *keep)
{
  PsIndex all = PS_INDEX_ALL_INIT;
  *ix = all;
  if (py_is_int (k) && !PY_IS (k, py_bool_type))
    {
      ix->kind = PS_INDEX_INT;
      ix->i = py_int_value (k);
      return TRUE;
    }
  if (k == py_none)
    {
      ix->kind = PS_INDEX_NONE;
      return TRUE;
    }
  if (k == &py_ellipsis_obj)
    {
      ix->kind = PS_INDEX_ELLIPSIS;
      return TRUE;
    }
  if (PY_IS (k, py_slice_type))
    {
      PySlice *s = (PySlice *) k;
      PyObj *parts[3] = { s->start, s->stop, s->step };
      for (int i = 0; i < 3; i++)
        if (parts[i] != py_none && !py_is_int (parts[i]))
          {
            py_raise (ip, py_exc_TypeError,
                      "slice indices must be integers or None or have an __index__ method");
            return FALSE;
          }
      ix->has_start = s->start != py_none;
      ix->has_stop = s->stop != py_none;
      ix->start = ix->has_start ? py_int_value (s->start) : 0;
      ix->stop = ix->has_stop ? py_int_value (s->stop) : 0;
      ix->step = s->step != py_none ? py_int_value (s->step) : 1;
      if (s->step != py_none && ix->step == 0)
        {
          py_raise (ip, py_exc_ValueError, "slice step cannot be zero");
          return FALSE;
        }
      return TRUE;
    }
  if (is_tensor (k))
    {
      ix->kind = PS_INDEX_ARRAY;
      ix->array = PY_TENSOR (k);
      return TRUE;
    }
  py_raise (ip, py_exc_IndexError,
            "only integers, slices (`:`), ellipsis (`...`), None and long or byte Variables are "
            "valid indices (got %s)", k->type->name);
  return FALSE;
}

static int
to_indices (PyInterp *ip, PyObj *key, PsIndex *ix)
{
  if (PY_IS (key, py_tuple_type))
    {
      gsize n = PY_TUPLE (key)->n;
      if (n > 16)
        {
          py_raise (ip, py_exc_IndexError, "too many indices");
          return -1;
        }
      for (gsize i = 0; i < n; i++)
        if (!to_index (ip, PY_TUPLE (key)->items[i], &ix[i], NULL))
          return -1;
      return (int) n;
    }
  return to_index (ip, key, &ix[0], NULL) ? 1 : -1;
}

static PyObj *
tensor_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  PsIndex ix[16];
  int n = to_indices (ip, key, ix);
  if (n < 0)
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_index (PY_TENSOR (o), ix, n, &e), &e);
}

static gboolean
tensor_setitem (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v)
{
  if (!v)
    {
      py_raise (ip, py_exc_TypeError, "'Tensor' object doesn't support item deletion");
      return FALSE;
    }
  PsIndex ix[16];
  int n = to_indices (ip, key, ix);
  if (n < 0)
    return FALSE;
  g_autoptr (PsArray) val = operand (v);
  if (!val)
    {
      py_raise (ip, py_exc_TypeError, "can't assign a %s to a torch.FloatTensor", v->type->name);
      return FALSE;
    }
  GError *e = NULL;
  if (!ps_array_index_put (PY_TENSOR (o), ix, n, val, &e))
    {
      raise_gerror (ip, e);
      return FALSE;
    }
  return TRUE;
}

static gint64
tensor_len (PyInterp *ip, PyObj *o)
{
  PsArray *a = PY_TENSOR (o);
  if (ps_array_get_ndim (a) == 0)
    {
      py_raise (ip, py_exc_TypeError, "len() of a 0-d tensor");
      return -1;
    }
  return ps_array_get_shape (a)[0];
}

static PyObj *
tensor_iter (PyInterp *ip, PyObj *o)
{
  if (ps_array_get_ndim (PY_TENSOR (o)) == 0)
    return py_raise (ip, py_exc_TypeError, "iteration over a 0-d tensor");
  return py_iter_new (o, 99);
}

static int
tensor_truth (PyInterp *ip, PyObj *o)
{
  PsArray *a = PY_TENSOR (o);
  if (ps_array_get_numel (a) != 1)
    {
      py_raise (ip, py_exc_RuntimeError, ps_array_get_numel (a) == 0
                ? "Boolean value of Tensor with no values is ambiguous"
                : "Boolean value of Tensor with more than one value is ambiguous");
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

/* ---- arithmetic -------------------------------------------------------------------- */

static PyObj *
tensor_binop (PyInterp *ip, int op, PyObj *x, PyObj *y)
{
  static const int map[] = { PS_BINARY_ADD, PS_BINARY_SUB, PS_BINARY_MUL, PS_BINARY_DIV,
    PS_BINARY_FLOOR_DIV, PS_BINARY_REMAINDER, PS_BINARY_POW, -2, -1, -1, PS_BINARY_AND,
    PS_BINARY_OR, PS_BINARY_XOR };
  g_autoptr (PsArray) a = operand (x);
  g_autoptr (PsArray) b = operand (y);
  if (!a || !b || map[op] == -1)
    return py_not_implemented;
  GError *e = NULL;
  if (map[op] == -2)
    return wrap (ip, ps_array_matmul (a, b, &e), &e);
  if (op == PY_OP_POW && is_tensor (x) && !is_tensor (y))
    {
      PsScalar s;
      to_scalar (y, &s);
      return wrap (ip, ps_array_pow_scalar (a, s, &e), &e);
    }
  return wrap (ip, ps_array_binary (map[op], a, b, &e), &e);
}

static PyObj *
tensor_compare (PyInterp *ip, int op, PyObj *x, PyObj *y)
{
  static const int map[] = { PS_BINARY_LT, PS_BINARY_LE, PS_BINARY_EQ, PS_BINARY_NE,
                             PS_BINARY_GT, PS_BINARY_GE };
  if (y == py_none && (op == PY_CMP_EQ || op == PY_CMP_NE))
    return py_bool (op == PY_CMP_NE);
  g_autoptr (PsArray) a = operand (x);
  g_autoptr (PsArray) b = operand (y);
  if (!a || !b)
    return py_not_implemented;
  GError *e = NULL;
  return wrap (ip, ps_array_binary (map[op], a, b, &e), &e);
}

static gboolean
tensor_hash (PyInterp *ip, PyObj *o, guint64 *h)
{
  *h = (guint64) (guintptr) o >> 4;
  return TRUE;
}

/* ---- methods ----------------------------------------------------------------------- */

#define SELF PY_TENSOR (self)

static PyObj *
unary (PyInterp *ip, PyObj *self, PyArgs *a, PsUnaryOp op, const char *name)
{
  if (!py_no_kwargs (ip, a, name))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_unary (op, SELF, &e), &e);
}

#define UNARY(NAME, OP) \
  static PyObj *t_##NAME (PyInterp *ip, PyObj *self, PyArgs *a) { return unary (ip, self, a, OP, #NAME); }
UNARY (neg, PS_UNARY_NEG)
UNARY (abs, PS_UNARY_ABS)
UNARY (exp, PS_UNARY_EXP)
UNARY (log, PS_UNARY_LOG)
UNARY (sqrt, PS_UNARY_SQRT)
UNARY (sin, PS_UNARY_SIN)
UNARY (cos, PS_UNARY_COS)
UNARY (relu, PS_UNARY_RELU)
UNARY (sigmoid, PS_UNARY_SIGMOID)
UNARY (tanh, PS_UNARY_TANH)
UNARY (invert, PS_UNARY_LOGICAL_NOT)

static PyObj *
t_pos (PyInterp *ip, PyObj *self, PyArgs *a)
{
  return py_incref (self);
}

static gboolean
dims_arg (PyInterp *ip, PyObj *o, int *dims, int *n)
{
  *n = 0;
  if (!o || o == py_none)
    return TRUE;
  PyObj **items = &o;
  gsize k = 1;
  if (!py_is_int (o) && !py_sequence_items (o, &items, &k))
    {
      py_raise (ip, py_exc_TypeError, "dim must be an int or a tuple of ints, not %s", o->type->name);
      return FALSE;
    }
  for (gsize i = 0; i < k && i < PS_ARRAY_MAX_DIMS; i++)
    {
      if (!py_is_int (items[i]))
        {
          py_raise (ip, py_exc_TypeError, "dim must be an int, not %s", items[i]->type->name);
          return FALSE;
        }
      dims[(*n)++] = (int) py_int_value (items[i]);
    }
  return TRUE;
}

static PyObj *
reduce (PyInterp *ip, PyObj *self, PyArgs *a, const char *name, int kind)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, name, (const char *[]) { "dim", "keepdim", NULL }, 0, args))
    return NULL;
  int dims[PS_ARRAY_MAX_DIMS], n;
  if (!dims_arg (ip, args[0], dims, &n))
    return NULL;
  int keep = args[1] ? py_truth (ip, args[1]) : 0;
  GError *e = NULL;
  PsArray *r = kind == 0 ? ps_array_sum (SELF, dims, n, keep, &e)
    : ps_array_mean (SELF, dims, n, keep, &e);
  return wrap (ip, r, &e);
}

static PyObj *t_sum (PyInterp *ip, PyObj *self, PyArgs *a) { return reduce (ip, self, a, "sum", 0); }
static PyObj *t_mean (PyInterp *ip, PyObj *self, PyArgs *a) { return reduce (ip, self, a, "mean", 1); }

static PyObj *
extreme (PyInterp *ip, PyObj *self, PyArgs *a, gboolean is_max)
{
  PyObj *args[2] = { NULL, NULL };
  const char *name = is_max ? "max" : "min";
  if (!py_parse_args (ip, a, name, (const char *[]) { "dim", "keepdim", NULL }, 0, args))
    return NULL;
  GError *e = NULL;
  if (!args[0])
    return wrap (ip, is_max ? ps_array_max_all (SELF, &e) : ps_array_min_all (SELF, &e), &e);
  if (is_tensor (args[0]))
    return wrap (ip, ps_array_binary (is_max ? PS_BINARY_MAXIMUM : PS_BINARY_MINIMUM, SELF,
                                      PY_TENSOR (args[0]), &e), &e);
  gint64 dim;
  if (!py_arg_int (ip, args[0], "dim", &dim))
    return NULL;
  int keep = args[1] ? py_truth (ip, args[1]) : 0;
  PsArray *v = NULL, *ix = NULL;
  if (!(is_max ? ps_array_max_dim : ps_array_min_dim) (SELF, (int) dim, keep, &v, &ix, &e))
    return raise_gerror (ip, e);
  return py_tuple_pack (2, wrap (ip, v, NULL), wrap (ip, ix, NULL));
}

static PyObj *t_max (PyInterp *ip, PyObj *self, PyArgs *a) { return extreme (ip, self, a, TRUE); }
static PyObj *t_min (PyInterp *ip, PyObj *self, PyArgs *a) { return extreme (ip, self, a, FALSE); }

static PyObj *
t_norm (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "norm", (const char *[]) { "p", "dim", "keepdim", NULL }, 0, args))
    return NULL;
  double p = 2;
  if (args[0] && args[0] != py_none && !py_arg_float (ip, args[0], "p", &p))
    return NULL;
  int dims[PS_ARRAY_MAX_DIMS], n;
  if (!dims_arg (ip, args[1], dims, &n))
    return NULL;
  int keep = args[2] ? py_truth (ip, args[2]) : 0;
  GError *e = NULL;
  return wrap (ip, ps_array_norm (SELF, p, dims, n, keep, &e), &e);
}

static PyObj *
t_std (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "std", (const char *[]) { "dim", "unbiased", "keepdim", NULL }, 0, args))
    return NULL;
  int dims[PS_ARRAY_MAX_DIMS], n;
  if (!dims_arg (ip, args[0], dims, &n))
    return NULL;
  int unbiased = args[1] ? py_truth (ip, args[1]) : 1, keep = args[2] ? py_truth (ip, args[2]) : 0;
  GError *e = NULL;
  return wrap (ip, ps_array_std (SELF, dims, n, unbiased, keep, &e), &e);
}

static PyObj *
t_size (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *d = NULL;
  if (!py_parse_args (ip, a, "size", (const char *[]) { "dim", NULL }, 0, &d))
    return NULL;
  if (!d || d == py_none)
    return size_new (ps_array_get_ndim (SELF), ps_array_get_shape (SELF));
  gint64 dim;
  int64_t s;
  GError *e = NULL;
  if (!py_arg_int (ip, d, "dim", &dim))
    return NULL;
  if (!ps_array_get_size (SELF, (int) dim, &s, &e))
    return raise_gerror (ip, e);
  return py_int_new (s);
}

static PyObj *t_dim (PyInterp *ip, PyObj *self, PyArgs *a) { return py_no_kwargs (ip, a, "dim") ? py_int_new (ps_array_get_ndim (SELF)) : NULL; }
static PyObj *t_numel (PyInterp *ip, PyObj *self, PyArgs *a) { return py_no_kwargs (ip, a, "numel") ? py_int_new (ps_array_get_numel (SELF)) : NULL; }

static PyObj *
t_item (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PsScalar s;
  GError *e = NULL;
  if (!py_no_kwargs (ip, a, "item"))
    return NULL;
  if (!ps_array_item (SELF, &s, &e))
    return raise_gerror (ip, e);
  return from_scalar (s);
}

static PyObj *t_float_ (PyInterp *ip, PyObj *self, PyArgs *a);

static PyObj *
t_dunder_float (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *v = t_item (ip, self, a);
  if (v && !PY_IS (v, py_float_type))
    {
      PyObj *f = py_float_new (py_number_value (v));
      py_decref (v);
      return f;
    }
  return v;
}

static PyObj *
t_dunder_int (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *v = t_item (ip, self, a);
  if (v && PY_IS (v, py_float_type))
    {
      PyObj *i = py_int_new ((gint64) PY_FLOAT (v));
      py_decref (v);
      return i;
    }
  if (v && PY_IS (v, py_bool_type))
    return py_int_new (v == py_true);
  return v;
}

static PyObj *
tolist_rec (PsArray *a, const double *vals, int dim, gsize *pos)
{
  int nd = ps_array_get_ndim (a);
  PsDtype dt = ps_array_get_dtype (a);
  if (dim == nd)
    {
      double v = vals[(*pos)++];
      if (dt == PS_DTYPE_BOOL)
        return py_bool (v != 0);
      if (dt == PS_DTYPE_I64)
        return py_int_new ((gint64) v);
      return py_float_new (v);
    }
  gint64 n = ps_array_get_shape (a)[dim];
  PyObj *l = py_list_new (n);
  for (gint64 i = 0; i < n; i++)
    PY_LIST (l)->items[i] = tolist_rec (a, vals, dim + 1, pos);
  return l;
}

static PyObj *
t_tolist (PyInterp *ip, PyObj *self, PyArgs *a)
{
  GError *e = NULL;
  double *vals = ps_array_to_doubles (SELF, &e);
  if (!vals)
    return raise_gerror (ip, e);
  gsize pos = 0;
  PyObj *r = tolist_rec (SELF, vals, 0, &pos);
  g_free (vals);
  return r;
}

static PyObj *
reshape_like (PyInterp *ip, PyObj *self, PyArgs *a, gboolean view)
{
  int ndim;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  if (a->nkw || !shape_args (ip, a->pos, a->npos, &ndim, shape))
    return py_err_occurred (ip) ? NULL : py_raise (ip, py_exc_TypeError, "reshape takes a shape");
  GError *e = NULL;
  return wrap (ip, view ? ps_array_view (SELF, ndim, shape, &e) : ps_array_reshape (SELF, ndim, shape, &e), &e);
}

static PyObj *t_reshape (PyInterp *ip, PyObj *self, PyArgs *a) { return reshape_like (ip, self, a, FALSE); }
static PyObj *t_view (PyInterp *ip, PyObj *self, PyArgs *a) { return reshape_like (ip, self, a, TRUE); }

static PyObj *
t_t (PyInterp *ip, PyObj *self, PyArgs *a)
{
  GError *e = NULL;
  return wrap (ip, ps_array_t (SELF, &e), &e);
}

static PyObj *
t_transpose (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2];
  gint64 d0, d1;
  if (!py_parse_args (ip, a, "transpose", (const char *[]) { "dim0", "dim1", NULL }, 2, args)
      || !py_arg_int (ip, args[0], "dim0", &d0) || !py_arg_int (ip, args[1], "dim1", &d1))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_transpose (SELF, (int) d0, (int) d1, &e), &e);
}

/* t.permute(*dims) or t.permute(dims) */
static PyObj *
t_permute (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj **v = a->pos;
  gsize n = (gsize) a->npos;
  int dims[PS_ARRAY_MAX_DIMS];
  if (a->nkw == 1 && a->npos == 0 && strcmp (a->kwn[0], "dims") == 0)
    {
      v = a->kwv;
      n = 1;
    }
  else if (a->nkw)
    return py_raise (ip, py_exc_TypeError, "permute() got an unexpected keyword argument '%s'",
                     a->kwn[0]);
  if (n == 1 && (PY_IS (v[0], py_tuple_type) || PY_IS (v[0], py_list_type)))
    py_sequence_items (v[0], &v, &n);
  if (n > PS_ARRAY_MAX_DIMS)
    return py_raise (ip, py_exc_RuntimeError, "number of dims don't match in permute");
  for (gsize i = 0; i < n; i++)
    {
      gint64 d;
      if (!py_arg_int (ip, v[i], "dims", &d))
        return NULL;
      dims[i] = (int) d;
    }
  GError *e = NULL;
  return wrap (ip, ps_array_permute (SELF, dims, (int) n, &e), &e);
}

static PyObj *
t_unsqueeze (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *d;
  gint64 dim;
  if (!py_parse_args (ip, a, "unsqueeze", (const char *[]) { "dim", NULL }, 1, &d)
      || !py_arg_int (ip, d, "dim", &dim))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_unsqueeze (SELF, (int) dim, &e), &e);
}

static PyObj *
t_squeeze (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *d = NULL;
  gint64 dim = 0;
  if (!py_parse_args (ip, a, "squeeze", (const char *[]) { "dim", NULL }, 0, &d)
      || (d && !py_arg_int (ip, d, "dim", &dim)))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_squeeze (SELF, (int) dim, d == NULL, &e), &e);
}

static PyObj *
t_flatten (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  gint64 s = 0, en = -1;
  if (!py_parse_args (ip, a, "flatten", (const char *[]) { "start_dim", "end_dim", NULL }, 0, args)
      || (args[0] && !py_arg_int (ip, args[0], "start_dim", &s))
      || (args[1] && !py_arg_int (ip, args[1], "end_dim", &en)))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_flatten (SELF, (int) s, (int) en, &e), &e);
}

static PyObj *t_clone (PyInterp *ip, PyObj *self, PyArgs *a) { GError *e = NULL; return wrap (ip, ps_array_clone (SELF, &e), &e); }
static PyObj *t_detach (PyInterp *ip, PyObj *self, PyArgs *a) { return wrap (ip, ps_array_detach (SELF), NULL); }

static PyObj *
to_dtype (PyInterp *ip, PyObj *self, PsDtype d)
{
  GError *e = NULL;
  return wrap (ip, ps_array_to_dtype (SELF, d, &e), &e);
}

static PyObj *t_float_ (PyInterp *ip, PyObj *self, PyArgs *a) { return to_dtype (ip, self, PS_DTYPE_F32); }
static PyObj *t_double (PyInterp *ip, PyObj *self, PyArgs *a) { return to_dtype (ip, self, PS_DTYPE_F64); }
static PyObj *t_long (PyInterp *ip, PyObj *self, PyArgs *a) { return to_dtype (ip, self, PS_DTYPE_I64); }
static PyObj *t_bool (PyInterp *ip, PyObj *self, PyArgs *a) { return to_dtype (ip, self, PS_DTYPE_BOOL); }

/* to(dtype), to(device), to(device, dtype), to(other), with dtype=, device=,
 * non_blocking=, copy=: every tensor is on the CPU, so only a dtype changes */
static PyObj *
t_to (PyInterp *ip, PyObj *self, PyArgs *a)
{
  int dtype = -1;
  gboolean copy = FALSE;

  for (int i = 0; i < a->npos + a->nkw; i++)
    {
      PyObj *v = i < a->npos ? a->pos[i] : a->kwv[i - a->npos];
      const char *kw = i < a->npos ? NULL : a->kwn[i - a->npos];
      if (kw && (strcmp (kw, "non_blocking") == 0 || strcmp (kw, "copy") == 0))
        {
          if (strcmp (kw, "copy") == 0)
            copy = py_truth (ip, v) == 1;
          continue;
        }
      if (kw && strcmp (kw, "dtype") != 0 && strcmp (kw, "device") != 0)
        return py_raise (ip, py_exc_TypeError, "to() got an unexpected keyword argument '%s'", kw);
      if (PY_IS (v, dtype_type) && (!kw || strcmp (kw, "dtype") == 0))
        dtype = ((PyDtype *) v)->dtype;
      else if (py_torch_array (v) && !kw && i == 0)
        dtype = ps_array_get_dtype (py_torch_array (v));
      else if ((v == py_none || PY_IS (v, py_str_type)) && (!kw || strcmp (kw, "device") == 0))
        {
          if (!device_arg (ip, v))
            return NULL;
        }
      else
        return py_raise (ip, py_exc_TypeError, "to() received an invalid combination of "
                         "arguments - got an argument of type %s", v->type->name);
    }
  if (copy)
    {
      GError *e = NULL;
      g_autoptr (PsArray) c = ps_array_clone (SELF, &e);
      if (!c)
        return wrap (ip, NULL, &e);
      return dtype < 0 ? wrap (ip, g_steal_pointer (&c), NULL)
                       : wrap (ip, ps_array_to_dtype (c, (PsDtype) dtype, &e), &e);
    }
  return dtype < 0 ? py_incref (self) : to_dtype (ip, self, (PsDtype) dtype);
}

static PyObj *
t_fill_ (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *v;
  PsScalar s;
  if (!py_parse_args (ip, a, "fill_", (const char *[]) { "value", NULL }, 1, &v))
    return NULL;
  if (is_tensor (v))
    {
      GError *e = NULL;
      if (!ps_array_item (PY_TENSOR (v), &s, &e))
        return raise_gerror (ip, e);
    }
  else if (!to_scalar (v, &s))
    return py_raise (ip, py_exc_TypeError, "fill_() received an invalid value of type %s", v->type->name);
  GError *e = NULL;
  if (!ps_array_fill_ (SELF, s, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *
t_zero_ (PyInterp *ip, PyObj *self, PyArgs *a)
{
  GError *e = NULL;
  if (!ps_array_zero_ (SELF, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *
t_copy_ (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *src;
  if (!py_parse_args (ip, a, "copy_", (const char *[]) { "src", NULL }, 1, &src))
    return NULL;
  g_autoptr (PsArray) s = operand (src);
  if (!s)
    return py_raise (ip, py_exc_TypeError, "copy_(): argument 'src' must be Tensor, not %s", src->type->name);
  GError *e = NULL;
  if (!ps_array_copy_ (SELF, s, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *
random_fill (PyInterp *ip, PyObj *self, PyArgs *a, gboolean normal)
{
  PyObj *args[2] = { NULL, NULL };
  double x = 0, y = 1;
  if (!py_parse_args (ip, a, normal ? "normal_" : "uniform_",
                      normal ? (const char *[]) { "mean", "std", NULL } : (const char *[]) { "from", "to", NULL },
                      0, args)
      || (args[0] && !py_arg_float (ip, args[0], "x", &x)) || (args[1] && !py_arg_float (ip, args[1], "y", &y)))
    return NULL;
  GError *e = NULL;
  PsRng *rng = &torch_state (ip)->rng;
  if (!(normal ? ps_array_normal_ (SELF, rng, x, y, &e) : ps_array_uniform_ (SELF, rng, x, y, &e)))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *t_uniform_ (PyInterp *ip, PyObj *self, PyArgs *a) { return random_fill (ip, self, a, FALSE); }
static PyObj *t_normal_ (PyInterp *ip, PyObj *self, PyArgs *a) { return random_fill (ip, self, a, TRUE); }

static PyObj *
t_backward (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "backward", (const char *[]) { "gradient", "retain_graph", NULL }, 0, args))
    return NULL;
  if (args[0] && args[0] != py_none && !is_tensor (args[0]))
    return py_raise (ip, py_exc_TypeError, "gradient must be a Tensor");
  int retain = args[1] && args[1] != py_none ? py_truth (ip, args[1]) : 0;
  GError *e = NULL;
  if (!ps_array_backward (SELF, args[0] && args[0] != py_none ? PY_TENSOR (args[0]) : NULL, retain, &e))
    return raise_gerror (ip, e);
  return py_none;
}

static PyObj *
t_requires_grad_ (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *f = NULL;
  if (!py_parse_args (ip, a, "requires_grad_", (const char *[]) { "requires_grad", NULL }, 0, &f))
    return NULL;
  GError *e = NULL;
  if (!ps_array_set_requires_grad (SELF, f ? py_truth (ip, f) : TRUE, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *
t_detach_ (PyInterp *ip, PyObj *self, PyArgs *a)
{
  GError *e = NULL;
  if (!py_parse_args (ip, a, "detach_", (const char *[]) { NULL }, 0, NULL))
    return NULL;
  if (!ps_array_detach_ (SELF, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

static PyObj *
inplace (PyInterp *ip, PyObj *self, PyArgs *a, PsBinaryOp op, const char *name)
{
  PyObj *o;
  if (!py_parse_args (ip, a, name, (const char *[]) { "other", NULL }, 1, &o))
    return NULL;
  g_autoptr (PsArray) b = operand (o);
  if (!b)
    return py_not_implemented;
  GError *e = NULL;
  if (!ps_array_binary_ (op, SELF, b, &e))
    return raise_gerror (ip, e);
  return py_incref (self);
}

#define INPLACE(NAME, OP) \
  static PyObj *t_##NAME (PyInterp *ip, PyObj *self, PyArgs *a) { return inplace (ip, self, a, OP, #NAME); }
INPLACE (add_, PS_BINARY_ADD)
INPLACE (sub_, PS_BINARY_SUB)
INPLACE (mul_, PS_BINARY_MUL)
INPLACE (div_, PS_BINARY_DIV)

static PyObj *
binary_method (PyInterp *ip, PyObj *self, PyArgs *a, int op)
{
  PyObj *o;
  if (!py_parse_args (ip, a, "op", (const char *[]) { "other", NULL }, 1, &o))
    return NULL;
  return py_binop (ip, op, self, o);
}

static PyObj *t_add (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_ADD); }
static PyObj *t_sub (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_SUB); }
static PyObj *t_mul (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_MUL); }
static PyObj *t_div (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_TRUEDIV); }
static PyObj *t_matmul (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_MATMUL); }
static PyObj *t_pow (PyInterp *ip, PyObj *self, PyArgs *a) { return binary_method (ip, self, a, PY_OP_POW); }

static PyObj *
t_mm (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *o;
  if (!py_parse_args (ip, a, "mm", (const char *[]) { "mat2", NULL }, 1, &o))
    return NULL;
  if (!is_tensor (o))
    return py_raise (ip, py_exc_TypeError, "mm(): argument 'mat2' must be Tensor, not %s", o->type->name);
  GError *e = NULL;
  return wrap (ip, ps_array_mm (SELF, PY_TENSOR (o), &e), &e);
}

static PyObj *
t_argmax (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "argmax", (const char *[]) { "dim", "keepdim", NULL }, 0, args))
    return NULL;
  int dim = 0;
  gint64 d = 0;
  if (args[0] && args[0] != py_none && !py_arg_int (ip, args[0], "dim", &d))
    return NULL;
  dim = (int) d;
  GError *e = NULL;
  return wrap (ip, ps_array_argmax (SELF, args[0] && args[0] != py_none ? &dim : NULL,
                                    args[1] ? py_truth (ip, args[1]) > 0 : FALSE, &e), &e);
}

static PyObj *
t_clamp (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "clamp", (const char *[]) { "min", "max", NULL }, 0, args))
    return NULL;
  PsScalar lo, hi;
  gboolean has_lo = args[0] && args[0] != py_none && to_scalar (args[0], &lo);
  gboolean has_hi = args[1] && args[1] != py_none && to_scalar (args[1], &hi);
  GError *e = NULL;
  return wrap (ip, ps_array_clamp (SELF, has_lo ? &lo : NULL, has_hi ? &hi : NULL, &e), &e);
}

static PyObj *
iop (PyInterp *ip, PyObj *self, PyArgs *a, PsBinaryOp op)
{
  return inplace (ip, self, a, op, "in-place operation");
}

static PyObj *t_iadd (PyInterp *ip, PyObj *self, PyArgs *a) { return iop (ip, self, a, PS_BINARY_ADD); }
static PyObj *t_isub (PyInterp *ip, PyObj *self, PyArgs *a) { return iop (ip, self, a, PS_BINARY_SUB); }
static PyObj *t_imul (PyInterp *ip, PyObj *self, PyArgs *a) { return iop (ip, self, a, PS_BINARY_MUL); }
static PyObj *t_itruediv (PyInterp *ip, PyObj *self, PyArgs *a) { return iop (ip, self, a, PS_BINARY_DIV); }

/* format(t, spec): a 0-d tensor formats its value, as PyTorch's __format__ */
static PyObj *
t_format (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *spec;
  if (!py_parse_args (ip, a, "__format__", (const char *[]) { "format_spec", NULL }, 1, &spec))
    return NULL;
  GString *g = g_string_new (NULL);
  gboolean ok;
  if (ps_array_get_ndim (SELF) == 0)
    {
      PyArgs none = { 0 };
      PyObj *v = t_item (ip, self, &none);
      ok = v && py_format (ip, v, PY_IS (spec, py_str_type) ? PY_STR (spec) : "", g);
      py_decref (v);
    }
  else
    ok = py_repr (ip, self, g);
  if (!ok)
    {
      g_string_free (g, TRUE);
      return NULL;
    }
  return py_str_take (g);
}

static PyObj *t_softmax (PyInterp *ip, PyObj *self, PyArgs *a) { return py_functional_tensor_method (ip, self, "softmax", a); }
static PyObj *t_log_softmax (PyInterp *ip, PyObj *self, PyArgs *a) { return py_functional_tensor_method (ip, self, "log_softmax", a); }

static const PyMethodDef tensor_methods[] = {
  { "softmax", t_softmax }, { "log_softmax", t_log_softmax }, { "permute", t_permute },
  { "__format__", t_format },
  { "__neg__", t_neg }, { "__pos__", t_pos }, { "__abs__", t_abs }, { "__invert__", t_invert },
  { "__float__", t_dunder_float }, { "__int__", t_dunder_int },
  { "__iadd__", t_iadd }, { "__isub__", t_isub }, { "__imul__", t_imul }, { "__itruediv__", t_itruediv },
  { "abs", t_abs }, { "exp", t_exp }, { "log", t_log }, { "sqrt", t_sqrt }, { "sin", t_sin },
  { "cos", t_cos }, { "relu", t_relu }, { "sigmoid", t_sigmoid }, { "tanh", t_tanh }, { "neg", t_neg },
  { "sum", t_sum }, { "mean", t_mean }, { "max", t_max }, { "min", t_min }, { "norm", t_norm },
  { "std", t_std }, { "argmax", t_argmax }, { "clamp", t_clamp },
  { "size", t_size }, { "dim", t_dim }, { "numel", t_numel }, { "item", t_item }, { "tolist", t_tolist },
  { "reshape", t_reshape }, { "view", t_view }, { "t", t_t }, { "transpose", t_transpose },
  { "unsqueeze", t_unsqueeze }, { "squeeze", t_squeeze }, { "flatten", t_flatten },
  { "clone", t_clone }, { "detach", t_detach }, { "float", t_float_ }, { "double", t_double },
  { "long", t_long }, { "bool", t_bool }, { "to", t_to },
  { "fill_", t_fill_ }, { "zero_", t_zero_ }, { "copy_", t_copy_ }, { "uniform_", t_uniform_ },
  { "normal_", t_normal_ }, { "backward", t_backward }, { "requires_grad_", t_requires_grad_ },
  { "detach_", t_detach_ },
  { "add_", t_add_ }, { "sub_", t_sub_ }, { "mul_", t_mul_ }, { "div_", t_div_ },
  { "add", t_add }, { "sub", t_sub }, { "mul", t_mul }, { "div", t_div }, { "matmul", t_matmul },
  { "mm", t_mm }, { "pow", t_pow },
  { NULL }
};

static PyType tensor_type = {
  .ob = { &py_type_type, -1 }, .name = "Tensor", .module = "torch", .size = sizeof (PyTensor),
  .dealloc = tensor_dealloc, .repr = tensor_repr, .getattr = tensor_getattr,
  .setattr = tensor_setattr, .getitem = tensor_getitem, .setitem = tensor_setitem,
  .len = tensor_len, .iter = tensor_iter, .truth = tensor_truth, .binop = tensor_binop,
  .compare = tensor_compare, .hash = tensor_hash, .methods = tensor_methods, .has_dict = TRUE,
};

static PyType parameter_type = {
  .ob = { &py_type_type, -1 }, .name = "Parameter", .module = "torch.nn.parameter",
  .base = &tensor_type, .size = sizeof (PyTensor), .has_dict = TRUE,
};

/* ---- the torch module ---------------------------------------------------------------- */

/* nested lists/tuples of numbers (or 0-d tensors) to values and a shape */
static gboolean
collect_data (PyInterp *ip, PyObj *o, int depth, int *ndim, int64_t *shape, GArray *vals)
{
  PyObj **items;
  gsize n;
  if (py_sequence_items (o, &items, &n))
    {
      if (depth >= PS_ARRAY_MAX_DIMS)
        {
          py_raise (ip, py_exc_ValueError, "too many dimensions");
          return FALSE;
        }
      if (depth >= *ndim)
        {
          if (vals->len > 0)
            {
              py_raise (ip, py_exc_ValueError, "expected sequence of length %" G_GINT64_FORMAT
                        " at dim %d (got %zu)", shape[depth - 1], depth - 1, n);
              return FALSE;
            }
          *ndim = depth + 1;
          shape[depth] = n;
        }
      else if (shape[depth] != (int64_t) n)
        {
          py_raise (ip, py_exc_ValueError, "expected sequence of length %" G_GINT64_FORMAT
                    " at dim %d (got %zu)", shape[depth], depth, n);
          return FALSE;
        }
      for (gsize i = 0; i < n; i++)
        if (!collect_data (ip, items[i], depth + 1, ndim, shape, vals))
          return FALSE;
      return TRUE;
    }
  PsScalar s;
  if (is_tensor (o) && ps_array_get_numel (PY_TENSOR (o)) == 1 && ps_array_get_ndim (PY_TENSOR (o)) == 0)
    {
      GError *e = NULL;
      if (!ps_array_item (PY_TENSOR (o), &s, &e))
        {
          raise_gerror (ip, e);
          return FALSE;
        }
    }
  else if (!to_scalar (o, &s))
    {
      py_raise (ip, py_exc_TypeError, "new(): invalid data type '%s'", o->type->name);
      return FALSE;
    }
  if (depth != *ndim)
    {
      py_raise (ip, py_exc_ValueError, "expected sequence of length %" G_GINT64_FORMAT " at dim %d (got 0)",
                depth < *ndim ? shape[depth] : 0, depth);
      return FALSE;
    }
  g_array_append_val (vals, s);
  return TRUE;
}

static gboolean
requires_grad_kw (PyInterp *ip, PyObj *o, PyObj *t)
{
  if (!o || !t)
    return TRUE;
  int r = py_truth (ip, o);
  if (r < 0)
    return FALSE;
  GError *e = NULL;
  if (r && !ps_array_set_requires_grad (PY_TENSOR (t), TRUE, &e))
    {
      raise_gerror (ip, e);
      return FALSE;
    }
  return TRUE;
}

static PyObj *
f_tensor (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "tensor", (const char *[]) { "data", "dtype", "requires_grad", NULL }, 1, args))
    return NULL;
  int dtype;
  if (!dtype_arg (ip, args[1], &dtype))
    return NULL;
  int ndim = 0;
  int64_t shape[PS_ARRAY_MAX_DIMS] = { 0 };
  GArray *vals = g_array_new (FALSE, FALSE, sizeof (PsScalar));
  PyObj *r = NULL;
  if (collect_data (ip, args[0], 0, &ndim, shape, vals))
    {
      GError *e = NULL;
      r = wrap (ip, ps_array_new_from_scalars ((PsScalar *) vals->data, ndim, shape, dtype, &e), &e);
      if (r && !requires_grad_kw (ip, args[2], r))
        py_clear (&r);
    }
  g_array_unref (vals);
  return r;
}

/* zeros / ones / empty / rand / randn (*size, dtype=None, device=None, requires_grad=False) */
static PyObj *
make_filled (PyInterp *ip, PyArgs *a, const char *name, int kind)
{
  PyObj *dt = NULL, *rg = NULL, *size_kw = NULL;
  for (int k = 0; k < a->nkw; k++)
    if (strcmp (a->kwn[k], "dtype") == 0)
      dt = a->kwv[k];
    else if (strcmp (a->kwn[k], "device") == 0)
      {
        if (!device_arg (ip, a->kwv[k]))
          return NULL;
      }
    else if (strcmp (a->kwn[k], "requires_grad") == 0)
      rg = a->kwv[k];
    else if (strcmp (a->kwn[k], "size") == 0)
      size_kw = a->kwv[k];
    else
      return py_raise (ip, py_exc_TypeError, "%s() got an unexpected keyword argument '%s'", name,
                       a->kwn[k]);
  int ndim;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  if (size_kw ? !shape_args (ip, &size_kw, 1, &ndim, shape) : !shape_args (ip, a->pos, a->npos, &ndim, shape))
    return NULL;
  int dtype;
  if (!dtype_arg (ip, dt, &dtype))
    return NULL;
  PsDtype d = dtype < 0 ? PS_DTYPE_F32 : (PsDtype) dtype;
  GError *e = NULL;
  PsArray *r;
  switch (kind)
    {
    case 0: r = ps_array_new_zeros (d, ndim, shape, &e); break;
    case 1: r = ps_array_new_ones (d, ndim, shape, &e); break;
    case 2: r = ps_array_new_empty (d, ndim, shape, &e); break;
    case 3: r = ps_array_new_rand (&torch_state (ip)->rng, d, ndim, shape, &e); break;
    default: r = ps_array_new_randn (&torch_state (ip)->rng, d, ndim, shape, &e); break;
    }
  PyObj *t = wrap (ip, r, &e);
  if (t && !requires_grad_kw (ip, rg, t))
    py_clear (&t);
  return t;
}

/* torch.zeros with a size read from a tensor in a forward() recorded for the
 * tape (`torch.zeros((L, X.shape[1], H))`): float32 zeros, made as it runs */
static PyObj *
f_zeros (PyInterp *ip, PyObj *s, PyArgs *a)
{
  if (!py_trace_has_size (a))
    return make_filled (ip, a, "zeros", 0);
  for (int k = 0; k < a->nkw; k++)
    {
      int dtype;
      if (strcmp (a->kwn[k], "device") == 0 && !device_arg (ip, a->kwv[k]))
        return NULL;
      if (strcmp (a->kwn[k], "dtype") == 0)
        {
          if (!dtype_arg (ip, a->kwv[k], &dtype))
            return NULL;
          if (dtype >= 0 && dtype != PS_DTYPE_F32)
            return py_raise (ip, py_exc_NotImplementedError, _("torch.zeros of another dtype than "
                             "float32 in a forward() that ParamScope records for its tape"));
        }
      else if (strcmp (a->kwn[k], "device") != 0 && strcmp (a->kwn[k], "requires_grad") != 0)
        return py_raise (ip, py_exc_TypeError, "zeros() got an unexpected keyword argument '%s'",
                         a->kwn[k]);
    }
  return py_trace_zeros (ip, a);
}
static PyObj *f_ones (PyInterp *ip, PyObj *s, PyArgs *a) { return make_filled (ip, a, "ones", 1); }
static PyObj *f_empty (PyInterp *ip, PyObj *s, PyArgs *a) { return make_filled (ip, a, "empty", 2); }
static PyObj *f_rand (PyInterp *ip, PyObj *s, PyArgs *a) { return make_filled (ip, a, "rand", 3); }
static PyObj *f_randn (PyInterp *ip, PyObj *s, PyArgs *a) { return make_filled (ip, a, "randn", 4); }

static PyObj *
f_full (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[4] = { NULL, NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "full", (const char *[]) { "size", "fill_value", "dtype", "requires_grad", NULL }, 2, args))
    return NULL;
  int ndim, dtype;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  PsScalar v;
  if (!shape_args (ip, &args[0], 1, &ndim, shape) || !dtype_arg (ip, args[2], &dtype))
    return NULL;
  if (!to_scalar (args[1], &v))
    return py_raise (ip, py_exc_TypeError, "full(): argument 'fill_value' must be Number, not %s",
                     args[1]->type->name);
  GError *e = NULL;
  PyObj *t = wrap (ip, ps_array_new_full (dtype < 0 ? ps_scalar_default_dtype (v) : (PsDtype) dtype,
                                          ndim, shape, v, &e), &e);
  if (t && !requires_grad_kw (ip, args[3], t))
    py_clear (&t);
  return t;
}

static PyObj *
f_arange (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[4] = { NULL, NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "arange", (const char *[]) { "start", "end", "step", "dtype", NULL }, 1, args))
    return NULL;
  PsScalar start = ps_scalar_int (0), end, step = ps_scalar_int (1);
  int dtype;
  if (!dtype_arg (ip, args[3], &dtype))
    return NULL;
  gboolean ok;
  if (!args[1])
    ok = to_scalar (args[0], &end);
  else
    ok = to_scalar (args[0], &start) && to_scalar (args[1], &end) && (!args[2] || to_scalar (args[2], &step));
  if (!ok)
    return py_raise (ip, py_exc_TypeError, "arange() received an invalid combination of arguments");
  GError *e = NULL;
  return wrap (ip, ps_array_new_arange (start, end, step, dtype, &e), &e);
}

static PyObj *
f_eye (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  gint64 n, m = -1;
  int dtype;
  if (!py_parse_args (ip, a, "eye", (const char *[]) { "n", "m", "dtype", NULL }, 1, args)
      || !py_arg_int (ip, args[0], "n", &n) || (args[1] && !py_arg_int (ip, args[1], "m", &m))
      || !dtype_arg (ip, args[2], &dtype))
    return NULL;
  GError *e = NULL;
  return wrap (ip, ps_array_new_eye (dtype < 0 ? PS_DTYPE_F32 : (PsDtype) dtype, n, m, &e), &e);
}

typedef struct { PyObj ob; } PyGenerator;

static gboolean
generator_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<torch._C.Generator object at %p>", (void *) o);
  return TRUE;
}

static PyType torch_generator_type = {
  .ob = { &py_type_type, -1 }, .name = "Generator", .module = "torch._C", .size = sizeof (PyGenerator),
  .repr = generator_repr,
};

static PyObj *
f_manual_seed (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *s;
  gint64 seed;
  if (!py_parse_args (ip, a, "manual_seed", (const char *[]) { "seed", NULL }, 1, &s)
      || !py_arg_int (ip, s, "seed", &seed))
    return NULL;
  py_torch_manual_seed (ip, (guint64) seed);
  return py_alloc (&torch_generator_type);
}

static PyObj *
f_set_printoptions (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *args[6] = { NULL };
  if (!py_parse_args (ip, a, "set_printoptions", (const char *[]) { "precision", "threshold",
                      "edgeitems", "linewidth", "profile", "sci_mode", NULL }, 0, args))
    return NULL;
  PsPrintOptions *p = &torch_state (ip)->print;
  gint64 v;
  double d;
  if (args[4] && args[4] != py_none)
    {
      if (!PY_IS (args[4], py_str_type) || !ps_print_options_set_profile (p, PY_STR (args[4])))
        return py_raise (ip, py_exc_ValueError, "unknown profile");
    }
  if (args[0] && args[0] != py_none)
    {
      if (!py_arg_int (ip, args[0], "precision", &v))
        return NULL;
      p->precision = (int) CLAMP (v, 0, 30);
    }
  if (args[1] && args[1] != py_none)
    {
      if (!py_arg_float (ip, args[1], "threshold", &d))
        return NULL;
      p->threshold = d;
    }
  if (args[2] && args[2] != py_none)
    {
      if (!py_arg_int (ip, args[2], "edgeitems", &v))
        return NULL;
      p->edgeitems = (int) CLAMP (v, 0, 1000);
    }
  if (args[3] && args[3] != py_none)
    {
      if (!py_arg_int (ip, args[3], "linewidth", &v))
        return NULL;
      p->linewidth = (int) CLAMP (v, 1, 100000);
    }
  if (args[5])
    p->sci_mode = args[5] == py_none ? -1 : py_truth (ip, args[5]) > 0;
  return py_none;
}

/* `with torch.no_grad():` */
static PyObj *
nograd_enter (PyInterp *ip, PyObj *self, PyArgs *a)
{
  ps_autograd_no_grad_push ();
  return py_none;
}

static PyObj *
nograd_exit (PyInterp *ip, PyObj *self, PyArgs *a)
{
  ps_autograd_no_grad_pop ();
  return py_false;
}

static const PyMethodDef nograd_methods[] = { { "__enter__", nograd_enter }, { "__exit__", nograd_exit }, { NULL } };

static gboolean
nograd_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<torch.autograd.grad_mode.no_grad object at %p>", (void *) o);
  return TRUE;
}

static PyObj *
nograd_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  return py_alloc (&nograd_type);
}

static PyType nograd_type = {
  .ob = { &py_type_type, -1 }, .name = "no_grad", .module = "torch.autograd.grad_mode",
  .size = sizeof (PyInstance), .methods = nograd_methods, .repr = nograd_repr, .new_ = nograd_new,
};

static PyObj *
f_is_grad_enabled (PyInterp *ip, PyObj *self, PyArgs *a)
{
  return py_bool (ps_autograd_is_enabled ());
}

static PyObj *
tensors_arg (PyInterp *ip, PyObj *seq, PsArray ***out, int *n)
{
  PyObj *l = py_list_from_iterable (ip, seq);
  if (!l)
    return NULL;
  *n = PY_LIST (l)->n;
  *out = g_new (PsArray *, *n + 1);
  for (int i = 0; i < *n; i++)
    {
      if (!is_tensor (PY_LIST (l)->items[i]))
        {
          g_free (*out);
          py_decref (l);
          return py_raise (ip, py_exc_TypeError, "expected Tensor as element %d in argument 0, but got %s",
                           i, PY_LIST (l)->items[i]->type->name);
        }
      (*out)[i] = PY_TENSOR (PY_LIST (l)->items[i]);
    }
  return l;
}

static PyObj *
cat_stack (PyInterp *ip, PyArgs *a, gboolean stack)
{
  PyObj *args[2] = { NULL, NULL };
  gint64 dim = 0;
  if (!py_parse_args (ip, a, stack ? "stack" : "cat", (const char *[]) { "tensors", "dim", NULL }, 1, args)
      || (args[1] && !py_arg_int (ip, args[1], "dim", &dim)))
    return NULL;
  PsArray **arrs;
  int n;
  PyObj *keep = tensors_arg (ip, args[0], &arrs, &n);
  if (!keep)
    return NULL;
  GError *e = NULL;
  PsArray *r = stack ? ps_array_stack (arrs, n, (int) dim, &e) : ps_array_cat (arrs, n, (int) dim, &e);
  g_free (arrs);
  py_decref (keep);
  return wrap (ip, r, &e);
}

static PyObj *
f_cat (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj **v;
  gsize n;
  PyObj *first = a->npos ? a->pos[0] : NULL;
  if (first && py_sequence_items (first, &v, &n) && n > 0 && py_trace_is (v[0]))
    return py_trace_cat (ip, a);
  return cat_stack (ip, a, FALSE);
}
static PyObj *f_stack (PyInterp *ip, PyObj *s, PyArgs *a) { return cat_stack (ip, a, TRUE); }

/* torch.f(t, ...) as t.f(...) */
static PyObj *
as_method (PyInterp *ip, PyArgs *a, PyNativeFn fn, const char *name)
{
  if (a->npos < 1 || (!is_tensor (a->pos[0]) && !py_trace_is (a->pos[0])))
    return py_raise (ip, py_exc_TypeError, "%s(): argument 'input' must be Tensor, not %s", name,
                     a->npos ? a->pos[0]->type->name : "nothing");
  PyArgs b = *a;
  b.pos++;
  b.npos--;
  if (py_trace_is (a->pos[0]))
    return py_trace_method (ip, a->pos[0], name, &b);
  return fn (ip, a->pos[0], &b);
}

#define AS_METHOD(NAME, FN) \
  static PyObj *f_##NAME (PyInterp *ip, PyObj *s, PyArgs *a) { return as_method (ip, a, FN, #NAME); }
AS_METHOD (sum, t_sum)
AS_METHOD (mean, t_mean)
AS_METHOD (abs, t_abs)
AS_METHOD (exp, t_exp)
AS_METHOD (log, t_log)
AS_METHOD (sqrt, t_sqrt)
AS_METHOD (relu, t_relu)
AS_METHOD (sigmoid, t_sigmoid)
AS_METHOD (tanh, t_tanh)
AS_METHOD (mm, t_mm)
AS_METHOD (matmul, t_matmul)
AS_METHOD (max, t_max)
AS_METHOD (min, t_min)
AS_METHOD (norm, t_norm)
AS_METHOD (reshape, t_reshape)
AS_METHOD (clamp, t_clamp)
AS_METHOD (argmax, t_argmax)
AS_METHOD (flatten, t_flatten)
AS_METHOD (std, t_std)
AS_METHOD (t, t_t)
AS_METHOD (add, t_add)
AS_METHOD (mul, t_mul)
AS_METHOD (numel, t_numel)

static PyObj *
f_equal (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2];
  if (!py_parse_args (ip, a, "equal", (const char *[]) { "input", "other", NULL }, 2, args))
    return NULL;
  if (!is_tensor (args[0]) || !is_tensor (args[1]))
    return py_raise (ip, py_exc_TypeError, "equal(): arguments must be Tensors");
  return py_bool (ps_array_equal (PY_TENSOR (args[0]), PY_TENSOR (args[1])));
}

static PyObj *
f_leaky_relu (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  double slope = 0.01;
  if (!py_parse_args (ip, a, "leaky_relu", (const char *[]) { "input", "negative_slope", "inplace", NULL }, 1, args)
      || (args[1] && !py_arg_float (ip, args[1], "negative_slope", &slope)))
    return NULL;
  if (!is_tensor (args[0]))
    return py_raise (ip, py_exc_TypeError, "leaky_relu(): argument 'input' must be Tensor");
  GError *e = NULL;
  return wrap (ip, ps_array_leaky_relu (PY_TENSOR (args[0]), slope, &e), &e);
}

static PyObj *
f_gelu (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "gelu", (const char *[]) { "input", "approximate", NULL }, 1, args))
    return NULL;
  if (!is_tensor (args[0]))
    return py_raise (ip, py_exc_TypeError, "gelu(): argument 'input' must be Tensor");
  gboolean tanh_form = args[1] && PY_IS (args[1], py_str_type) && strcmp (PY_STR (args[1]), "tanh") == 0;
  GError *e = NULL;
  return wrap (ip, ps_array_unary (tanh_form ? PS_UNARY_GELU_TANH : PS_UNARY_GELU, PY_TENSOR (args[0]), &e), &e);
}

static PyObj *
f_linear (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[3] = { NULL, NULL, NULL };
  if (!py_parse_args (ip, a, "linear", (const char *[]) { "input", "weight", "bias", NULL }, 2, args))
    return NULL;
  if (!is_tensor (args[0]) || !is_tensor (args[1]) || (args[2] && args[2] != py_none && !is_tensor (args[2])))
    return py_raise (ip, py_exc_TypeError, "linear(): arguments must be Tensors");
  GError *e = NULL;
  return wrap (ip, ps_array_linear (PY_TENSOR (args[0]), PY_TENSOR (args[1]),
                                    args[2] && args[2] != py_none ? PY_TENSOR (args[2]) : NULL, &e), &e);
}

/* ---- torch.finfo, torch.iinfo -------------------------------------------------------- */

typedef struct { PyObj ob; PsDtype dtype; } PyTypeInfo;

static PyType finfo_type, iinfo_type;

static gboolean
info_is_float (PsDtype d)
{
  return d == PS_DTYPE_F32 || d == PS_DTYPE_F64;
}

/* the limits of a dtype: bits, eps, max, tiny (smallest normal), resolution */
static void
finfo_values (PsDtype d, int *bits, double *eps, double *max, double *tiny, double *resolution)
{
  gboolean f64 = d == PS_DTYPE_F64;
  *bits = f64 ? 64 : 32;
  *eps = f64 ? DBL_EPSILON : FLT_EPSILON;
  *max = f64 ? DBL_MAX : FLT_MAX;
  *tiny = f64 ? DBL_MIN : FLT_MIN;
  *resolution = f64 ? 1e-15 : 1e-06;   /* 10 ** -floor(-log10(eps)) */
}

static PyObj *
info_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PsDtype d = ((PyTypeInfo *) o)->dtype;
  if (strcmp (name, "dtype") == 0)
    return py_str_new (ps_array_dtype_torch_name (d) + strlen ("torch."), -1);
  if (o->type == &iinfo_type)
    {
      gboolean b = d == PS_DTYPE_BOOL;
      if (strcmp (name, "bits") == 0)
        return py_int_new (b ? 8 : 64);
      if (strcmp (name, "max") == 0)
        return py_int_new (b ? 1 : G_MAXINT64);
      if (strcmp (name, "min") == 0)
        return py_int_new (b ? 0 : G_MININT64);
      return NULL;
    }
  int bits;
  double eps, max, tiny, res;
  finfo_values (d, &bits, &eps, &max, &tiny, &res);
  if (strcmp (name, "bits") == 0)
    return py_int_new (bits);
  if (strcmp (name, "eps") == 0)
    return py_float_new (eps);
  if (strcmp (name, "max") == 0)
    return py_float_new (max);
  if (strcmp (name, "min") == 0)
    return py_float_new (-max);
  if (strcmp (name, "tiny") == 0 || strcmp (name, "smallest_normal") == 0)
    return py_float_new (tiny);
  if (strcmp (name, "resolution") == 0)
    return py_float_new (res);
  return NULL;
}

static gboolean
info_repr (PyInterp *ip, PyObj *o, GString *out)
{
  PsDtype d = ((PyTypeInfo *) o)->dtype;
  const char *dn = ps_array_dtype_torch_name (d) + strlen ("torch.");
  if (o->type == &iinfo_type)
    {
      gboolean b = d == PS_DTYPE_BOOL;
      g_string_append_printf (out, "iinfo(min=%g, max=%g, dtype=%s)", b ? 0. : (double) G_MININT64,
                              b ? 1. : (double) G_MAXINT64, dn);
      return TRUE;
    }
  int bits;
  double eps, max, tiny, res;
  finfo_values (d, &bits, &eps, &max, &tiny, &res);
  g_string_append_printf (out, "finfo(resolution=%g, min=%g, max=%g, eps=%g, smallest_normal=%g, "
                          "tiny=%g, dtype=%s)", res, -max, max, eps, tiny, tiny, dn);
  return TRUE;
}

static PyType finfo_type = {
  .ob = { &py_type_type, -1 }, .name = "finfo", .module = "torch", .size = sizeof (PyTypeInfo),
  .repr = info_repr, .getattr = info_getattr,
};

static PyType iinfo_type = {
  .ob = { &py_type_type, -1 }, .name = "iinfo", .module = "torch", .size = sizeof (PyTypeInfo),
  .repr = info_repr, .getattr = info_getattr,
};

/* torch.finfo(dtype=torch.float32) and torch.iinfo(dtype), with PyTorch's messages */
static PyObj *
type_info (PyInterp *ip, PyArgs *a, gboolean floating)
{
  const char *fname = floating ? "finfo" : "iinfo";
  PyObj *arg = NULL;
  int d;
  if (!py_parse_args (ip, a, fname, (const char *[]) { "type", NULL }, floating ? 0 : 1, &arg))
    return NULL;
  if (arg && !PY_IS (arg, dtype_type))
    return py_raise (ip, py_exc_TypeError, "%s(): argument 'type' (position 1) must be torch.dtype, "
                     "not %s", fname, arg->type->name);
  if (!dtype_arg (ip, arg, &d))
    return NULL;
  if (d < 0)
    d = PS_DTYPE_F32;
  if (floating != info_is_float ((PsDtype) d))
    return py_raise (ip, py_exc_TypeError, floating
                     ? "torch.finfo() requires a floating point input type. Use torch.iinfo to "
                       "handle 'torch.finfo'"
                     : "torch.iinfo() requires an integer input type. Use torch.finfo to handle "
                       "'torch.iinfo'");
  PyTypeInfo *o = (PyTypeInfo *) py_alloc (floating ? &finfo_type : &iinfo_type);
  o->dtype = (PsDtype) d;
  return &o->ob;
}

static PyObj *f_finfo (PyInterp *ip, PyObj *s, PyArgs *a) { return type_info (ip, a, TRUE); }
static PyObj *f_iinfo (PyInterp *ip, PyObj *s, PyArgs *a) { return type_info (ip, a, FALSE); }

static const PyMethodDef torch_funcs[] = {
  { "tensor", f_tensor }, { "zeros", f_zeros }, { "ones", f_ones }, { "empty", f_empty },
  { "rand", f_rand }, { "randn", f_randn }, { "full", f_full }, { "arange", f_arange },
  { "eye", f_eye }, { "manual_seed", f_manual_seed }, { "set_printoptions", f_set_printoptions },
  { "is_grad_enabled", f_is_grad_enabled }, { "cat", f_cat }, { "stack", f_stack },
  { "sum", f_sum }, { "mean", f_mean }, { "abs", f_abs }, { "exp", f_exp }, { "log", f_log },
  { "sqrt", f_sqrt }, { "relu", f_relu }, { "sigmoid", f_sigmoid }, { "tanh", f_tanh },
  { "mm", f_mm }, { "matmul", f_matmul }, { "max", f_max }, { "min", f_min }, { "norm", f_norm },
  { "reshape", f_reshape }, { "clamp", f_clamp }, { "argmax", f_argmax }, { "flatten", f_flatten },
  { "std", f_std }, { "t", f_t }, { "add", f_add }, { "mul", f_mul }, { "numel", f_numel },
  { "equal", f_equal }, { "finfo", f_finfo }, { "iinfo", f_iinfo },
  { NULL }
};

static const PyMethodDef functional_funcs[] = {
  { "relu", f_relu }, { "sigmoid", f_sigmoid }, { "tanh", f_tanh }, { "leaky_relu", f_leaky_relu },
  { "gelu", f_gelu }, { "linear", f_linear },
  { NULL }
};

static PyObj *
build_functional (PyInterp *ip)
{
  PyObj *m = py_module_new ("torch.nn.functional");
  for (const PyMethodDef *d = functional_funcs; d->name; d++)
    py_module_add (m, d->name, py_native_new (d->name, d->fn, NULL));
  py_functional_add (m);
  return m;
}

static PyObj *
build_torch (PyInterp *ip)
{
  PyObj *m = py_module_new ("torch");
  for (const PyMethodDef *d = torch_funcs; d->name; d++)
    py_module_add (m, d->name, py_native_new (d->name, d->fn, NULL));
  py_module_add (m, "Tensor", &tensor_type.ob);
  py_module_add (m, "Size", &size_type.ob);
  py_module_add (m, "no_grad", &nograd_type.ob);
  py_module_add (m, "dtype", &dtype_type.ob);
  static const struct { const char *name; PsDtype d; } dts[] = {
    { "float32", PS_DTYPE_F32 }, { "float", PS_DTYPE_F32 }, { "float64", PS_DTYPE_F64 },
    { "double", PS_DTYPE_F64 }, { "int64", PS_DTYPE_I64 }, { "long", PS_DTYPE_I64 },
    { "bool", PS_DTYPE_BOOL } };
  for (guint i = 0; i < G_N_ELEMENTS (dts); i++)
    py_module_add (m, dts[i].name, dtype_obj (dts[i].d));
  py_module_add (m, "pi", py_float_new (G_PI));
  py_module_add (m, "__version__", py_str_new ("1.13.1", -1));
  PyObj *nn = py_import_module (ip, "torch.nn");
  if (nn)
    py_module_add (m, "nn", nn);
  PyObj *optim = py_import_module (ip, "torch.optim");
  if (optim)
    py_module_add (m, "optim", optim);
  return m;
}

PyObj *
py_torch_wrap_array (PyInterp *ip, PsArray *a)
{
  return wrap (ip, a, NULL);
}

PsArray *
py_torch_array (PyObj *o)
{
  return is_tensor (o) ? PY_TENSOR (o) : NULL;
}

PsRng *
py_torch_rng (PyInterp *ip)
{
  return &torch_state (ip)->rng;
}


void
py_torch_register (void)
{
  py_nn_register ();
  py_optim_register ();
  py_register_module ("torch", build_torch);
  py_register_module ("torch.nn.functional", build_functional);
}
