/* py-functional.c — torch.nn.functional's layers and losses, and nn's losses
 *
 * F.max_pool2d(x, 2), F.softmax(x, dim=1), F.dropout(x, 0.5) ... are the
 * layers of torch.nn called once: the same module (its kernels, its autograd
 * node) built from the function's arguments by name, so that there is one
 * home for each.  F.nll_loss, F.mse_loss and F.cross_entropy (nll_loss over
 * log_softmax along dimension 1) are the core's loss nodes
 * (ps-autograd-loss.c); nn.CrossEntropyLoss, nn.NLLLoss and nn.MSELoss are
 * their modules.
 */
#include "py-eval.h"
#include "ps-autograd.h"

#include <string.h>

/* ---- layers called once ---------------------------------------------------------------- */

typedef struct
{
  const char *fname;          /* "max_pool2d" */
  const char *cls;            /* "MaxPool2d" */
  const char *params[8];      /* the function's parameters after input, in order */
} LayerFn;

static const LayerFn layer_fns[] = {
  { "max_pool2d", "MaxPool2d", { "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                 "return_indices", NULL } },
  { "max_pool1d", "MaxPool1d", { "kernel_size", "stride", "padding", "dilation", "ceil_mode",
                                 "return_indices", NULL } },
  { "avg_pool2d", "AvgPool2d", { "kernel_size", "stride", "padding", "ceil_mode",
                                 "count_include_pad", "divisor_override", NULL } },
  { "avg_pool1d", "AvgPool1d", { "kernel_size", "stride", "padding", "ceil_mode",
                                 "count_include_pad", NULL } },
  { "adaptive_avg_pool2d", "AdaptiveAvgPool2d", { "output_size", NULL } },
  { "adaptive_max_pool2d", "AdaptiveMaxPool2d", { "output_size", "return_indices", NULL } },
  { "softmax", "Softmax", { "dim", "_stacklevel", "dtype", NULL } },
  { "log_softmax", "LogSoftmax", { "dim", "_stacklevel", "dtype", NULL } },
  { "dropout", "Dropout", { "p", "training", "inplace", NULL } },
  { "silu", "SiLU", { "inplace", NULL } },
  { "elu", "ELU", { "alpha", "inplace", NULL } },
  { "softplus", "Softplus", { "beta", "threshold", NULL } },
  { "mish", "Mish", { "inplace", NULL } },
  { "hardswish", "Hardswish", { "inplace", NULL } },
  { "hardsigmoid", "Hardsigmoid", { "inplace", NULL } },
  { "relu6", "ReLU6", { "inplace", NULL } },
};

/* the function's arguments by name, passed to the class by name (their
 * positions differ: F.max_pool2d's ceil_mode is MaxPool2d's sixth) */
static PyObj *
call_layer (PyInterp *ip, const LayerFn *f, PyObj *input, PyArgs *a)
{
  const char *names[G_N_ELEMENTS (f->params) + 2] = { "input" };
  PyObj *vals[G_N_ELEMENTS (f->params) + 2] = { NULL };
  const char *kwn[G_N_ELEMENTS (f->params)];
  PyObj *kwv[G_N_ELEMENTS (f->params)];
  int n = 1, nkw = 0;
  gboolean training = TRUE;

  for (int i = 0; f->params[i]; i++)
    names[n++] = f->params[i];
  names[n] = NULL;
  if (input == NULL)
    {
      if (!py_parse_args (ip, a, f->fname, names, 1, vals))
        return NULL;
      input = vals[0];
    }
  else if (!py_parse_args (ip, a, f->fname, names + 1, 0, vals + 1))
    return NULL;
  if (!py_torch_array (input))
    return py_raise (ip, py_exc_TypeError, "%s(): argument 'input' (position 1) must be Tensor, "
                     "not %s", f->fname, input->type->name);
  for (int i = 1; i < n; i++)
    {
      if (!vals[i])
        continue;
      if (strcmp (names[i], "training") == 0)
        {
          int t = py_truth (ip, vals[i]);
          if (t < 0)
            return NULL;
          training = t;
          continue;
        }
      if (strcmp (names[i], "_stacklevel") == 0 || strcmp (names[i], "inplace") == 0
          || (strcmp (names[i], "dtype") == 0 && vals[i] == py_none))
        continue;
      if (strcmp (names[i], "dtype") == 0)
        return py_raise (ip, py_exc_NotImplementedError, "%s(dtype=...) is not supported", f->fname);
      kwn[nkw] = names[i];
      kwv[nkw++] = vals[i];
    }
  if (!training)
    return py_incref (input);         /* F.dropout(x, training=False) is x */
  PyObj *nn = py_import_module (ip, "torch.nn");
  PyObj *cls = nn ? py_getattr (ip, nn, f->cls) : NULL;
  PyArgs ca = { .pos = NULL, .npos = 0, .kwv = kwv, .kwn = kwn, .nkw = nkw };
  PyObj *layer = cls ? py_call (ip, cls, &ca) : NULL;
  PyObj *r = layer ? py_call1 (ip, layer, input) : NULL;
  py_decref (layer);
  py_decref (cls);
  py_decref (nn);
  return r;
}

static PyObj *
f_layer (PyInterp *ip, PyObj *self, PyArgs *a)
{
  /* self: the function's name (a str bound to the native), to find its entry */
  const char *name = PY_STR (self);
  for (guint i = 0; i < G_N_ELEMENTS (layer_fns); i++)
    if (strcmp (layer_fns[i].fname, name) == 0)
      return call_layer (ip, &layer_fns[i], NULL, a);
  return py_raise (ip, py_exc_AttributeError, "module 'torch.nn.functional' has no attribute '%s'",
                   name);
}

/* t.softmax(dim), t.log_softmax(dim) */
PyObj *
py_functional_tensor_method (PyInterp *ip, PyObj *tensor, const char *name, PyArgs *a)
{
  for (guint i = 0; i < G_N_ELEMENTS (layer_fns); i++)
    if (strcmp (layer_fns[i].fname, name) == 0)
      return call_layer (ip, &layer_fns[i], tensor, a);
  return NULL;
}

/* ---- losses ----------------------------------------------------------------------------- */

static PyObj *
raise_error (PyInterp *ip, GError *e)
{
  PyType *t = py_exc_RuntimeError;
  if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_INDEX)
    t = py_exc_IndexError;
  else if (e->domain == PS_ARRAY_ERROR && e->code == PS_ARRAY_ERROR_VALUE)
    t = py_exc_ValueError;
  py_raise (ip, t, "%s", e->message);
  g_error_free (e);
  return NULL;
}

typedef enum { LOSS_NLL, LOSS_CROSS_ENTROPY, LOSS_MSE } LossKind;

static PyObj *
loss_call (PyInterp *ip, LossKind kind, PyObj *input, PyObj *target, const char *reduction,
           gint64 ignore_index)
{
  const char *fname = kind == LOSS_MSE ? "mse_loss" : kind == LOSS_NLL ? "nll_loss" : "cross_entropy";
  PsArray *x = py_torch_array (input), *t = py_torch_array (target);
  GError *e = NULL;
  PsArray *r;

  if (!x || !t)
    return py_raise (ip, py_exc_TypeError, "%s(): argument '%s' (position %d) must be Tensor, not %s",
                     fname, !x ? "input" : "target", !x ? 1 : 2, (!x ? input : target)->type->name);
  if (kind == LOSS_MSE)
    r = ps_array_mse_loss (x, t, reduction, &e);
  else if (kind == LOSS_NLL)
    r = ps_array_nll_loss (x, t, reduction, ignore_index, &e);
  else
    {
      PyObj *lsm;
      if (ps_array_get_dtype (t) != PS_DTYPE_I64)
        return py_raise (ip, py_exc_NotImplementedError,
                         "cross_entropy with class probabilities as the target is not supported "
                         "in code yet (give class indices, an int64 tensor)");
      if (ps_array_get_ndim (x) != 2 && ps_array_get_ndim (x) != 1)
        return py_raise (ip, py_exc_NotImplementedError,
                         "cross_entropy of an input of %d dimensions is not supported in code yet",
                         ps_array_get_ndim (x));
      {
        PyObj *dim = py_int_new (ps_array_get_ndim (x) == 1 ? 0 : 1);
        PyObj *pos[1] = { dim };
        PyArgs da = { .pos = pos, .npos = 1 };
        lsm = py_functional_tensor_method (ip, input, "log_softmax", &da);
        py_decref (dim);
      }
      if (!lsm)
        return NULL;
      r = ps_array_nll_loss (py_torch_array (lsm), t, reduction, ignore_index, &e);
      py_decref (lsm);
    }
  return r ? py_torch_wrap_array (ip, r) : raise_error (ip, e);
}

static gboolean
loss_options (PyInterp *ip, PyObj **args, int i_red, int i_ignore, const char **reduction,
              gint64 *ignore_index)
{
  *reduction = "mean";
  *ignore_index = -100;
  if (args[i_red] && args[i_red] != py_none)
    {
      if (!PY_IS (args[i_red], py_str_type))
        {
          py_raise (ip, py_exc_TypeError, "reduction must be a string, not %s", args[i_red]->type->name);
          return FALSE;
        }
      *reduction = PY_STR (args[i_red]);
    }
  if (i_ignore >= 0 && args[i_ignore] && !py_arg_int (ip, args[i_ignore], "ignore_index", ignore_index))
    return FALSE;
  return TRUE;
}

/* the arguments both forms share: weight, size_average and reduce must be None */
static gboolean
loss_refuse (PyInterp *ip, const char *fname, PyObj *weight, PyObj *size_average, PyObj *reduce,
             PyObj *smoothing)
{
  if ((weight && weight != py_none) || (size_average && size_average != py_none)
      || (reduce && reduce != py_none))
    {
      py_raise (ip, py_exc_NotImplementedError, "%s: weight, size_average and reduce are not "
                "supported (use reduction=)", fname);
      return FALSE;
    }
  if (smoothing && !(py_is_number (smoothing) && py_number_value (smoothing) == 0))
    {
      py_raise (ip, py_exc_NotImplementedError, "%s: label_smoothing is not supported", fname);
      return FALSE;
    }
  return TRUE;
}

static PyObj *
f_cross_entropy (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *v[8] = { NULL };
  const char *red;
  gint64 ign;
  if (!py_parse_args (ip, a, "cross_entropy", (const char *[]) { "input", "target", "weight",
                      "size_average", "ignore_index", "reduce", "reduction", "label_smoothing", NULL },
                      2, v)
      || !loss_refuse (ip, "cross_entropy", v[2], v[3], v[5], v[7])
      || !loss_options (ip, v, 6, 4, &red, &ign))
    return NULL;
  return loss_call (ip, LOSS_CROSS_ENTROPY, v[0], v[1], red, ign);
}

static PyObj *
f_nll_loss (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *v[7] = { NULL };
  const char *red;
  gint64 ign;
  if (!py_parse_args (ip, a, "nll_loss", (const char *[]) { "input", "target", "weight",
                      "size_average", "ignore_index", "reduce", "reduction", NULL }, 2, v)
      || !loss_refuse (ip, "nll_loss", v[2], v[3], v[5], NULL)
      || !loss_options (ip, v, 6, 4, &red, &ign))
    return NULL;
  return loss_call (ip, LOSS_NLL, v[0], v[1], red, ign);
}

static PyObj *
f_mse_loss (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *v[5] = { NULL };
  const char *red;
  gint64 ign;
  if (!py_parse_args (ip, a, "mse_loss", (const char *[]) { "input", "target", "size_average",
                      "reduce", "reduction", NULL }, 2, v)
      || !loss_refuse (ip, "mse_loss", NULL, v[2], v[3], NULL)
      || !loss_options (ip, v, 4, -1, &red, &ign))
    return NULL;
  return loss_call (ip, LOSS_MSE, v[0], v[1], red, ign);
}

/* ---- nn.CrossEntropyLoss, nn.NLLLoss, nn.MSELoss ------------------------------------------ */

typedef struct { PyObj ob; LossKind kind; char *reduction; gint64 ignore_index; } PyLoss;

static const char *const loss_names[] = { "NLLLoss", "CrossEntropyLoss", "MSELoss" };

static void
loss_dealloc (PyObj *o)
{
  g_free (((PyLoss *) o)->reduction);
}

static gboolean
loss_repr (PyInterp *ip, PyObj *o, GString *out)
{
  g_string_append_printf (out, "%s()", loss_names[((PyLoss *) o)->kind]);
  return TRUE;
}

static PyObj *
loss_obj_call (PyInterp *ip, PyObj *o, PyArgs *a)
{
  PyLoss *l = (PyLoss *) o;
  PyObj *v[2] = { NULL, NULL };
  if (!py_parse_args (ip, a, "forward", (const char *[]) { "input", "target", NULL }, 2, v))
    return NULL;
  return loss_call (ip, l->kind, v[0], v[1], l->reduction, l->ignore_index);
}

static PyObj *
loss_getattr (PyInterp *ip, PyObj *o, const char *name)
{
  PyLoss *l = (PyLoss *) o;
  if (strcmp (name, "reduction") == 0)
    return py_str_new (l->reduction, -1);
  if (strcmp (name, "ignore_index") == 0 && l->kind != LOSS_MSE)
    return py_int_new (l->ignore_index);
  if (strcmp (name, "training") == 0)
    return py_true;
  return NULL;
}

static PyObj *loss_new (PyInterp *ip, PyType *t, PyArgs *a);

static PyType loss_types[3] = {
  { .ob = { &py_type_type, -1 }, .name = "NLLLoss", .module = "torch.nn.modules.loss",
    .size = sizeof (PyLoss), .dealloc = loss_dealloc, .repr = loss_repr, .call = loss_obj_call,
    .getattr = loss_getattr, .new_ = loss_new },
  { .ob = { &py_type_type, -1 }, .name = "CrossEntropyLoss", .module = "torch.nn.modules.loss",
    .size = sizeof (PyLoss), .dealloc = loss_dealloc, .repr = loss_repr, .call = loss_obj_call,
    .getattr = loss_getattr, .new_ = loss_new },
  { .ob = { &py_type_type, -1 }, .name = "MSELoss", .module = "torch.nn.modules.loss",
    .size = sizeof (PyLoss), .dealloc = loss_dealloc, .repr = loss_repr, .call = loss_obj_call,
    .getattr = loss_getattr, .new_ = loss_new },
};

static PyObj *
loss_new (PyInterp *ip, PyType *t, PyArgs *a)
{
  LossKind kind = (LossKind) (t - loss_types);
  PyObj *v[6] = { NULL };
  const char *red;
  gint64 ign;
  static const char *const ce[] = { "weight", "size_average", "ignore_index", "reduce", "reduction",
                                    "label_smoothing", NULL };
  static const char *const nll[] = { "weight", "size_average", "ignore_index", "reduce", "reduction",
                                     NULL };
  static const char *const mse[] = { "size_average", "reduce", "reduction", NULL };
  if (kind == LOSS_MSE)
    {
      if (!py_parse_args (ip, a, t->name, mse, 0, v) || !loss_refuse (ip, t->name, NULL, v[0], v[1], NULL)
          || !loss_options (ip, v, 2, -1, &red, &ign))
        return NULL;
    }
  else if (!py_parse_args (ip, a, t->name, kind == LOSS_NLL ? nll : ce, 0, v)
           || !loss_refuse (ip, t->name, v[0], v[1], v[3], v[5])
           || !loss_options (ip, v, 4, 2, &red, &ign))
    return NULL;
  if (strcmp (red, "mean") != 0 && strcmp (red, "sum") != 0 && strcmp (red, "none") != 0)
    return py_raise (ip, py_exc_ValueError, "%s is not a valid value for reduction", red);
  PyLoss *l = (PyLoss *) py_alloc (t);
  l->kind = kind;
  l->reduction = g_strdup (red);
  l->ignore_index = ign;
  return &l->ob;
}

/* F.one_hot(tensor, num_classes=-1) */
static PyObj *
f_one_hot (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *v[2] = { NULL, NULL };
  gint64 n = -1;
  PsArray *x, *r;
  GError *e = NULL;

  if (!py_parse_args (ip, a, "one_hot", (const char *[]) { "tensor", "num_classes", NULL }, 1, v))
    return NULL;
  if ((x = py_torch_array (v[0])) == NULL)
    return py_raise (ip, py_exc_TypeError, "one_hot(): argument 'input' (position 1) must be "
                     "Tensor, not %s", v[0]->type->name);
  if (v[1] && !py_arg_int (ip, v[1], "num_classes", &n))
    return NULL;
  if ((r = ps_array_one_hot (x, n, &e)) == NULL)
    {
      py_raise (ip, py_exc_RuntimeError, "%s", e->message);
      g_error_free (e);
      return NULL;
    }
  return py_torch_wrap_array (ip, r);
}

/* ---- registration --------------------------------------------------------------------------- */

void
py_functional_add (PyObj *functional)
{
  for (guint i = 0; i < G_N_ELEMENTS (layer_fns); i++)
    {
      PyObj *name = py_str_new (layer_fns[i].fname, -1);
      py_module_add (functional, layer_fns[i].fname, py_native_new (layer_fns[i].fname, f_layer, name));
      py_decref (name);
    }
  py_module_add (functional, "cross_entropy", py_native_new ("cross_entropy", f_cross_entropy, NULL));
  py_module_add (functional, "nll_loss", py_native_new ("nll_loss", f_nll_loss, NULL));
  py_module_add (functional, "mse_loss", py_native_new ("mse_loss", f_mse_loss, NULL));
  py_module_add (functional, "one_hot", py_native_new ("one_hot", f_one_hot, NULL));
}

void
py_functional_add_losses (PyObj *nn)
{
  for (guint i = 0; i < G_N_ELEMENTS (loss_types); i++)
    py_module_add (nn, loss_types[i].name, &loss_types[i].ob);
}
