/* py-trace.c — a user's forward() recorded for the tape
 *
 * The tape (core/ps-tape.c) runs a container of a user's class from a
 * program (ps-block.h).  Here the interpreter makes that program: it calls
 * the class's forward() once with a stand-in for the input, a "recorded
 * tensor" that holds a register of the program instead of values.  Calling
 * a submodule on it, `+`, F.relu, torch.sigmoid, torch.tanh, torch.cat(..., dim=1),
 * flatten(1), reshape(X.shape[0], -1) or reshape(-1, n), and mean over the dimensions
 * from 2 on each add an op and give a new register.  A recurrent layer's
 * call gives PyTorch's pair (output, h_n), (output, (h_n, c_n)) for an LSTM:
 * the output is a recorded tensor, h_n and c_n stand-ins that can only be
 * ignored (`Y, _ = self.rnn(X)`, `Y, (h, c) = self.lstm(X)`).  Its initial
 * state hx (`self.rnn(X, state)`, `self.lstm(X, (h0, c0))`) is recorded too:
 * torch.zeros whose sizes read the input's shape (`torch.zeros((L,
 * X.shape[1], H))`, d2l's begin_state), values made from constants alone, or
 * a parameter (a learned initial state, whose gradient is the parameter's).
 * A size read from a recorded tensor (`X.shape[1]`, `X.size(1)`,
 * `Y.shape[-1]`) is a stand-in that torch.zeros and reshape(-1, n) take.
 * Anything else on a recorded tensor (its values, a branch on them, an
 * operation the tape has no step for) is an error that names it.
 */
#include "py-eval.h"
#include "ps-block.h"
#include "ps-autograd.h"
#include "ps-i18n.h"
#include "ps-layer-recurrent.h"

#include <string.h>

typedef struct
{
  PyObj           ob;
  PsBlockProgram *prog;
  PsModule       *root;
} PyTrace;

typedef struct
{
  PyObj  ob;
  PyObj *trace;     /* PyTrace */
  int    reg;
  int    kind;      /* 0: a tensor; 1: its .shape; 2: a size, shape[axis];
                     * 3: a recurrent layer's final state h_n (or (h_n, c_n)) */
  int    axis;      /* kind 2 */
} PyTraced;

static PyType trace_type, traced_type;

#define TR(o) ((PyTrace *) ((PyTraced *) (o))->trace)

static void
trace_dealloc (PyObj *o)
{
  PyTrace *t = (PyTrace *) o;
  g_clear_pointer (&t->prog, ps_block_program_unref);
  g_clear_pointer (&t->root, ps_module_unref);
}

static void
traced_dealloc (PyObj *o)
{
  py_clear (&((PyTraced *) o)->trace);
}

static PyObj *
traced_new (PyObj *trace, int reg, int kind)
{
  PyTraced *v = (PyTraced *) py_alloc (&traced_type);
  v->trace = py_incref (trace);
  v->reg = reg;
  v->kind = kind;
  return &v->ob;
}


gboolean
py_trace_is (PyObj *o)
{
  return o && o->type == &traced_type && ((PyTraced *) o)->kind == 0;
}

static PyObj *
unsupported (PyInterp *ip, const char *what)
{
  return py_raise (ip, py_exc_NotImplementedError,
                   _("%s is not supported in a forward() that ParamScope records for its "
                     "tape (supported: calling submodules, +, F.relu, torch.sigmoid, "
                     "torch.tanh, torch.cat(..., dim=1), flatten(1), reshape(X.shape[0], -1), "
                     "reshape(-1, n), mean over the dimensions from 2 on, the output of a "
                     "recurrent layer's (output, h_n), its initial state made with torch.zeros "
                     "or read from a parameter)"),
                   what);
}

static PyObj *
add_op (PyInterp *ip, PyObj *trace, PsBlockStepKind kind, const char *child, const int *src, int n)
{
  int reg = ps_block_program_add (((PyTrace *) trace)->prog, kind, child, src, n);
  return traced_new (trace, reg, 0);
}

/* shape[axis] of register reg */
static PyObj *
size_new (PyObj *trace, int reg, int axis)
{
  PyObj *v = traced_new (trace, reg, 2);
  ((PyTraced *) v)->axis = axis;
  return v;
}

/* A size for torch.zeros or reshape: an int, or a stand-in of this trace */
static gboolean
dim_of (PyObj *trace, PyObj *v, PsBlockDim *d)
{
  if (py_is_int (v))
    {
      *d = (PsBlockDim) { -1, 0, py_int_value (v) };
      return TRUE;
    }
  if (v->type == &traced_type && ((PyTraced *) v)->kind == 2 && ((PyTraced *) v)->trace == trace)
    {
      *d = (PsBlockDim) { ((PyTraced *) v)->reg, ((PyTraced *) v)->axis, 0 };
      return TRUE;
    }
  return FALSE;
}

/* Is v a size stand-in, or a tuple or list holding one?  Then torch.zeros
 * records its call (py_trace_zeros). */
gboolean
py_trace_has_size (PyArgs *a)
{
  for (int i = 0; i < a->npos; i++)
    {
      PyObj *v = a->pos[i], **items;
      gsize n;
      if (v->type == &traced_type)
        return TRUE;
      if ((PY_IS (v, py_tuple_type) || PY_IS (v, py_list_type)) && py_sequence_items (v, &items, &n))
        for (gsize k = 0; k < n; k++)
          if (items[k]->type == &traced_type)
            return TRUE;
    }
  return FALSE;
}

/* torch.zeros(*size) with a size read from a recorded tensor: a register of
 * zeros of that shape (the caller has read the keyword arguments) */
PyObj *
py_trace_zeros (PyInterp *ip, PyArgs *a)
{
  PyObj **v = a->pos, *trace = NULL;
  gsize n = a->npos;
  PsBlockDim dims[4];
  int reg;

  if (n == 1 && (PY_IS (v[0], py_tuple_type) || PY_IS (v[0], py_list_type)))
    py_sequence_items (v[0], &v, &n);
  if (n < 1 || n > 4)
    return unsupported (ip, "torch.zeros of other than 1 to 4 dimensions");
  for (gsize k = 0; k < n && !trace; k++)
    if (v[k]->type == &traced_type)
      trace = ((PyTraced *) v[k])->trace;
  for (gsize k = 0; k < n; k++)
    if (!dim_of (trace, v[k], &dims[k]))
      return unsupported (ip, "a size in torch.zeros other than an int or X.shape[i]");
  reg = ps_block_program_add (((PyTrace *) trace)->prog, PS_BLOCK_ZEROS, NULL, NULL, 0);
  ps_block_program_set_dims (((PyTrace *) trace)->prog, (int) n, dims);
  return traced_new (trace, reg, 0);
}

/* The register of a recurrent layer's h0 or c0: a recorded tensor, a
 * parameter under the root, or values made from constants; -1 with the
 * exception set. */
static int
state_reg (PyInterp *ip, PyTrace *t, PyObj *v)
{
  PsArray *arr;
  PsParam *p;

  if (v->type == &traced_type)
    {
      PyTraced *tv = (PyTraced *) v;
      if (tv->kind == 0 && TR (v) == t)
        return tv->reg;
      unsupported (ip, tv->kind == 3 ? "an initial state that is another recurrent call's "
                                       "final state" : "this initial state");
      return -1;
    }
  if ((arr = py_torch_array (v)) == NULL)
    {
      py_raise (ip, py_exc_AttributeError, "'%s' object has no attribute 'dim'", v->type->name);
      return -1;
    }
  if ((p = ps_array_get_param (arr)) != NULL)
    {
      g_autoptr (GPtrArray) params = ps_module_named_parameters (t->root);
      for (guint i = 0; i < params->len; i++)
        {
          PsNamedParam *np = params->pdata[i];
          if (np->param == p)
            return ps_block_program_add (t->prog, PS_BLOCK_PARAM, np->name, NULL, 0);
        }
      unsupported (ip, "an initial state that is a parameter of another module");
      return -1;
    }
  if (!ps_array_is_leaf (arr))
    {
      unsupported (ip, "an initial state computed from parameters");
      return -1;
    }
  {
    GError *e = NULL;
    g_autoptr (PsTensor) value = ps_array_to_tensor (arr, &e);
    int reg;
    if (value == NULL)
      {
        py_raise (ip, py_exc_RuntimeError, "%s", e->message);
        g_error_free (e);
        return -1;
      }
    reg = ps_block_program_add (t->prog, PS_BLOCK_CONST, NULL, NULL, 0);
    ps_block_program_set_value (t->prog, value);
    return reg;
  }
}

PyObj *
py_trace_call_module (PyInterp *ip, PsModule *callee, PyArgs *a)
{
  PyObj *x = a->pos[0];
  PyTrace *t = TR (x);
  g_autoptr (GPtrArray) mods = NULL;
  const char *path = NULL;
  PyObj *hx = NULL;
  int src[3] = { ((PyTraced *) x)->reg, -1, -1 }, n_src = 1;

  if (ps_recurrent_is_module (callee))
    {
      PyObj *args[2] = { NULL, NULL };
      if (!py_parse_args (ip, a, "forward", (const char *[]) { "input", "hx", NULL }, 1, args))
        return NULL;
      hx = args[1] && args[1] != py_none ? args[1] : NULL;
    }
  else if (a->npos != 1 || a->nkw)
    return unsupported (ip, "a module call with more than one argument");
  mods = ps_module_named_modules (t->root);
  for (guint i = 0; i < mods->len && !path; i++)
    {
      PsNamedModule *nm = mods->pdata[i];
      if (nm->module == callee)
        path = nm->name;
    }
  if (!path || !*path)
    return py_raise (ip, py_exc_NotImplementedError,
                     _("forward() calls a %s that is not one of the module's submodules: "
                       "ParamScope records only calls of submodules"),
                     ps_module_get_type_name (callee));
  if (ps_recurrent_is_module (callee))
    {
      gboolean lstm = strcmp (ps_module_get_type_name (callee), "LSTM") == 0;
      if (hx)
        {
          /* as PyTorch reads hx: hx[0], hx[1] for an LSTM, hx itself otherwise */
          for (int i = 0; i < (lstm ? 2 : 1); i++)
            {
              PyObj *v = hx;
              if (lstm)
                {
                  PyObj *key = py_int_new (i);
                  v = py_getitem (ip, hx, key);
                  py_decref (key);
                  if (!v)
                    return NULL;
                }
              src[1 + i] = state_reg (ip, t, v);
              if (lstm)
                py_decref (v);
              if (src[1 + i] < 0)
                return NULL;
            }
          n_src = lstm ? 3 : 2;
        }
      /* (output, h_n): the output is read on, the final state stays a stand-in */
      PyObj *call = add_op (ip, &t->ob, PS_BLOCK_CALL, path, src, n_src);
      int reg = ((PyTraced *) call)->reg;
      PyObj *out = add_op (ip, &t->ob, PS_BLOCK_OUTPUT, NULL, &reg, 1);
      py_decref (call);
      if (lstm)   /* (out, (h_n, c_n)) */
        return py_tuple_pack (2, out, py_tuple_pack (2, traced_new (&t->ob, reg, 3),
                                                     traced_new (&t->ob, reg, 3)));
      return py_tuple_pack (2, out, traced_new (&t->ob, reg, 3));
    }
  return add_op (ip, &t->ob, PS_BLOCK_CALL, path, &((PyTraced *) x)->reg, 1);
}

/* reshape/view arguments (-1, n): the columns n, else 0; (-1, Y.shape[i]):
 * *cols_dim gets that size and the result is -1 */
static gint64
rows_of_cols (PyArgs *a, PyObj *trace, PsBlockDim *cols_dim)
{
  PyObj **v = a->pos;
  gsize n = a->npos;
  if (n == 1 && (PY_IS (v[0], py_tuple_type) || PY_IS (v[0], py_list_type)))
    py_sequence_items (v[0], &v, &n);
  if (a->nkw != 0 || n != 2 || !py_is_int (v[0]) || py_int_value (v[0]) != -1)
    return 0;
  if (py_is_int (v[1]) && py_int_value (v[1]) > 0)
    return py_int_value (v[1]);
  if (!py_is_int (v[1]) && dim_of (trace, v[1], cols_dim))
    return -1;
  return 0;
}

/* reshape/view arguments that mean flatten(1): (X.shape[0], -1) */
static gboolean
is_batch_flatten (PyArgs *a)
{
  PyObj **v = a->pos;
  gsize n = a->npos;
  if (n == 1 && (PY_IS (v[0], py_tuple_type) || PY_IS (v[0], py_list_type)))
    py_sequence_items (v[0], &v, &n);
  return a->nkw == 0 && n == 2 && v[0]->type == &traced_type && ((PyTraced *) v[0])->kind == 2
         && ((PyTraced *) v[0])->axis == 0 && py_is_int (v[1]) && py_int_value (v[1]) == -1;
}

/* mean's dims are every dimension from 2 on, for a 4-D input: (2, 3), [2, 3], (-2, -1) */
static gboolean
is_spatial_dims (PyObj *d)
{
  PyObj **v;
  gsize n;
  if (!d || !(PY_IS (d, py_tuple_type) || PY_IS (d, py_list_type)))
    return FALSE;
  py_sequence_items (d, &v, &n);
  if (n != 2 || !py_is_int (v[0]) || !py_is_int (v[1]))
    return FALSE;
  return (py_int_value (v[0]) == 2 && py_int_value (v[1]) == 3)
         || (py_int_value (v[0]) == -2 && py_int_value (v[1]) == -1);
}

PyObj *
py_trace_method (PyInterp *ip, PyObj *self, const char *name, PyArgs *a)
{
  PyTraced *x = (PyTraced *) self;
  if (strcmp (name, "relu") == 0 && a->npos == 0)
    return add_op (ip, x->trace, PS_BLOCK_RELU, NULL, &x->reg, 1);
  if (strcmp (name, "sigmoid") == 0 && a->npos == 0 && a->nkw == 0)
    return add_op (ip, x->trace, PS_BLOCK_SIGMOID, NULL, &x->reg, 1);
  if (strcmp (name, "tanh") == 0 && a->npos == 0 && a->nkw == 0)
    return add_op (ip, x->trace, PS_BLOCK_TANH, NULL, &x->reg, 1);
  if (strcmp (name, "flatten") == 0)
    {
      PyObj *args[2] = { NULL, NULL };
      if (!py_parse_args (ip, a, "flatten", (const char *[]) { "start_dim", "end_dim", NULL }, 0, args))
        return NULL;
      if (args[0] && py_is_int (args[0]) && py_int_value (args[0]) == 1
          && (!args[1] || (py_is_int (args[1]) && py_int_value (args[1]) == -1)))
        return add_op (ip, x->trace, PS_BLOCK_FLATTEN, NULL, &x->reg, 1);
      return unsupported (ip, "flatten other than flatten(1)");
    }
  if (strcmp (name, "reshape") == 0 || strcmp (name, "view") == 0)
    {
      PsBlockDim cols_dim;
      gint64 cols = rows_of_cols (a, x->trace, &cols_dim);
      if (is_batch_flatten (a))
        return add_op (ip, x->trace, PS_BLOCK_FLATTEN, NULL, &x->reg, 1);
      if (cols != 0)
        {
          PyObj *r = add_op (ip, x->trace, PS_BLOCK_RESHAPE, NULL, &x->reg, 1);
          if (cols > 0)
            ps_block_program_set_cols (((PyTrace *) x->trace)->prog, cols);
          else
            ps_block_program_set_dims (((PyTrace *) x->trace)->prog, 1, &cols_dim);
          return r;
        }
      return unsupported (ip, "reshape or view other than (X.shape[0], -1), (-1, n) and "
                          "(-1, Y.shape[i])");
    }
  if (strcmp (name, "mean") == 0)
    {
      PyObj *args[3] = { NULL, NULL, NULL };
      if (!py_parse_args (ip, a, "mean", (const char *[]) { "dim", "keepdim", "dtype", NULL }, 0, args))
        return NULL;
      if (!is_spatial_dims (args[0]) || args[2])
        return unsupported (ip, "mean other than over dimensions (2, 3)");
      PyObj *r = add_op (ip, x->trace, PS_BLOCK_MEAN, NULL, &x->reg, 1);
      ps_block_program_set_keepdim (((PyTrace *) x->trace)->prog, args[1] && py_truth (ip, args[1]) > 0);
      return r;
    }
  if (strcmp (name, "size") == 0)
    {
      if (a->npos == 1 && a->nkw == 0 && py_is_int (a->pos[0]))
        return size_new (x->trace, x->reg, (int) py_int_value (a->pos[0]));
      return unsupported (ip, "size() other than size(i)");
    }
  char *what = g_strdup_printf ("%s()", name);
  PyObj *r = unsupported (ip, what);
  g_free (what);
  return r;
}

/* torch.cat(tensors, dim=1) */
PyObj *
py_trace_cat (PyInterp *ip, PyArgs *a)
{
  PyObj *args[2] = { NULL, NULL };
  PyObj **v;
  gsize n;
  int src[PS_BLOCK_MAX_KEPT];
  if (!py_parse_args (ip, a, "cat", (const char *[]) { "tensors", "dim", NULL }, 1, args))
    return NULL;
  if (!args[1] || !py_is_int (args[1]) || py_int_value (args[1]) != 1)
    return unsupported (ip, "torch.cat other than along dim=1");
  if (!py_sequence_items (args[0], &v, &n) || n < 1)
    return unsupported (ip, "torch.cat of something other than a tuple or list of tensors");
  if (n > PS_BLOCK_MAX_KEPT)
    return unsupported (ip, "torch.cat of more than four tensors");
  for (gsize k = 0; k < n; k++)
    {
      if (!py_trace_is (v[k]) || TR (v[k]) != TR (v[0]))
        return unsupported (ip, "torch.cat of a tensor that is not computed from the input");
      src[k] = ((PyTraced *) v[k])->reg;
    }
  return add_op (ip, ((PyTraced *) v[0])->trace, PS_BLOCK_CAT, NULL, src, (int) n);
}

static PyObj *
traced_binop (PyInterp *ip, int op, PyObj *a, PyObj *b)
{
  if (op == PY_OP_ADD && py_trace_is (a) && py_trace_is (b) && TR (a) == TR (b))
    {
      int src[2] = { ((PyTraced *) a)->reg, ((PyTraced *) b)->reg };
      return add_op (ip, ((PyTraced *) a)->trace, PS_BLOCK_ADD, NULL, src, 2);
    }
  if ((a->type == &traced_type && ((PyTraced *) a)->kind == 2)
      || (b->type == &traced_type && ((PyTraced *) b)->kind == 2))
    return unsupported (ip, "arithmetic on a size read from a tensor's shape");
  char *what = g_strdup_printf ("the operator %s", py_op_symbol (op));
  PyObj *r = unsupported (ip, what);
  g_free (what);
  return r;
}

#define BOUND(NAME) \
  static PyObj *b_##NAME (PyInterp *ip, PyObj *self, PyArgs *a) { return py_trace_method (ip, self, #NAME, a); }
BOUND (relu)
BOUND (sigmoid)
BOUND (tanh)
BOUND (flatten)
BOUND (reshape)
BOUND (view)
BOUND (mean)
BOUND (size)

static PyObj *
traced_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyTraced *x = (PyTraced *) o;
  static const PyMethodDef methods[] = { { "relu", b_relu }, { "sigmoid", b_sigmoid },
    { "tanh", b_tanh }, { "flatten", b_flatten },
    { "reshape", b_reshape }, { "view", b_view }, { "mean", b_mean }, { "size", b_size }, { NULL } };
  if (name[0] == '_' && name[1] == '_')
    return NULL;   /* no dunder methods: `Y += X` falls back to Y = Y + X */
  if (x->kind == 0 && strcmp (name, "shape") == 0)
    return traced_new (x->trace, x->reg, 1);
  for (int i = 0; x->kind == 0 && methods[i].name; i++)
    if (strcmp (name, methods[i].name) == 0)
      return py_native_new (methods[i].name, methods[i].fn, o);
  char *what = g_strdup_printf ("the tensor attribute .%s", name);
  PyObj *r = unsupported (ip, what);
  g_free (what);
  return r;
}

static PyObj *
traced_getitem (PyInterp *ip, PyObj *o, PyObj *key)
{
  PyTraced *x = (PyTraced *) o;
  if (x->kind == 1 && py_is_int (key))
    return size_new (x->trace, x->reg, (int) py_int_value (key));
  if (x->kind == 3)
    return unsupported (ip, "a recurrent layer's final state h_n");
  return unsupported (ip, x->kind == 1 ? "a shape entry other than shape[i]" : "indexing a tensor");
}

static int
traced_truth (PyInterp *ip, PyObj *o)
{
  unsupported (ip, "a branch on a tensor's values");
  return -1;
}

static gboolean
traced_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "<recorded tensor %d>", ((PyTraced *) o)->reg);
  return TRUE;
}

static PyType trace_type = {
  .ob = { &py_type_type, -1 }, .name = "trace", .module = "paramscope",
  .size = sizeof (PyTrace), .dealloc = trace_dealloc,
};

static PyType traced_type = {
  .ob = { &py_type_type, -1 }, .name = "Tensor", .module = "torch",
  .size = sizeof (PyTraced), .dealloc = traced_dealloc, .repr = traced_repr,
  .getattr = traced_getattr, .getitem = traced_getitem, .binop = traced_binop,
  .truth = traced_truth,
};

static void
discard_output (const char *s, gsize n, gpointer data)
{
}

/* Run obj.forward on a recorded tensor: its program, or NULL with the
 * interpreter's exception set.  Printing in forward() is discarded. */
PsBlockProgram *
py_trace_forward (PyInterp *ip, PyObj *obj, PsModule *m)
{
  PyTrace *t = (PyTrace *) py_alloc (&trace_type);
  PsBlockProgram *prog = NULL;
  void (*write) (const char *, gsize, gpointer) = ip->write;
  gpointer write_data = ip->write_data;
  PyObj *fwd, *x, *r = NULL;

  t->prog = ps_block_program_new ();
  t->root = ps_module_ref (m);
  x = traced_new (&t->ob, 0, 0);
  fwd = py_type_lookup (obj->type, "forward");
  fwd = fwd ? py_method_new (obj, fwd) : py_raise (ip, py_exc_NotImplementedError,
                                                   "Module [%s] is missing the required \"forward\" function",
                                                   obj->type->name);
  if (fwd)
    {
      ip->write = discard_output;
      ip->write_data = NULL;
      r = py_call1 (ip, fwd, x);
      ip->write = write;
      ip->write_data = write_data;
    }
  if (r && !py_trace_is (r))
    py_raise (ip, py_exc_NotImplementedError,
              _("%s.forward() returns a %s: ParamScope records a forward that returns one tensor"),
              obj->type->name, r->type->name);
  else if (r && TR (r) != t)
    py_raise (ip, py_exc_NotImplementedError, _("%s.forward() returns a tensor of another forward"),
              obj->type->name);
  else if (r)
    {
      ps_block_program_set_output (t->prog, ((PyTraced *) r)->reg);
      prog = ps_block_program_ref (t->prog);
    }
  py_decref (r);
  py_decref (fwd);
  py_decref (x);
  py_decref (&t->ob);
  return prog;
}
