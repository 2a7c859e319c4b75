/* py-optim.c — torch.optim.SGD and torch.optim.Adam over core/ps-optim
 * (the same arithmetic as torch.optim's single-tensor path)
 */
#include "py-eval.h"
#include "ps-i18n.h"
#include "ps-optim.h"

#include <string.h>

typedef struct { PyObj ob; GHashTable *dict; PsOptimizer *opt; PyObj *params; } PyOptim;

static PyType sgd_type, adam_type;

static void
optim_dealloc (PyObj *o)
{
  g_clear_pointer (&((PyOptim *) o)->opt, ps_optimizer_free);
  py_clear (&((PyOptim *) o)->params);
  g_clear_pointer (&((PyOptim *) o)->dict, g_hash_table_unref);
}

static PyObj *
o_step (PyInterp *ip, PyObj *self, PyArgs *a)
{
  if (a->npos || a->nkw)
    return py_raise (ip, py_exc_TypeError, _("step() with a closure is not supported"));
  ps_optimizer_step (((PyOptim *) self)->opt);
  return py_none;
}

static PyObj *
o_zero_grad (PyInterp *ip, PyObj *self, PyArgs *a)
{
  PyObj *s = NULL;
  if (!py_parse_args (ip, a, "zero_grad", (const char *[]) { "set_to_none", NULL }, 0, &s))
    return NULL;
  PsOptimizer *opt = ((PyOptim *) self)->opt;
  gboolean none = s && py_truth (ip, s) > 0;   /* torch 1.13: zeros by default */
  for (guint i = 0; i < ps_optimizer_get_n_params (opt); i++)
    ps_param_zero_grad (ps_optimizer_get_param (opt, i), none);
  return py_none;
}

static const PyMethodDef optim_methods[] = { { "step", o_step }, { "zero_grad", o_zero_grad }, { NULL } };

static gboolean
optim_repr (PyInterp *ip, PyObj *o, GString *out)
{
  const PsOptimConfig *c = ps_optimizer_get_config (((PyOptim *) o)->opt);
  GString *lr = g_string_new (NULL);
  py_float_repr (c->lr, lr);
  if (c->kind == PS_OPTIM_SGD)
    {
      GString *m = g_string_new (NULL), *wd = g_string_new (NULL), *d = g_string_new (NULL);
      py_float_repr (c->momentum, m);
      py_float_repr (c->weight_decay, wd);
      py_float_repr (c->dampening, d);
      g_string_append_printf (out, "SGD (\nParameter Group 0\n    dampening: %s\n    differentiable: False\n"
                              "    foreach: None\n    lr: %s\n    maximize: False\n    momentum: %s\n"
                              "    nesterov: %s\n    weight_decay: %s\n)",
                              c->dampening == 0 ? "0" : d->str, lr->str, c->momentum == 0 ? "0" : m->str,
                              c->nesterov ? "True" : "False", c->weight_decay == 0 ? "0" : wd->str);
      g_string_free (m, TRUE);
      g_string_free (wd, TRUE);
      g_string_free (d, TRUE);
    }
  else
    g_string_append_printf (out, "Adam (\nParameter Group 0\n    lr: %s\n)", lr->str);
  g_string_free (lr, TRUE);
  return TRUE;
}

static PyType sgd_type = {
  .ob = { &py_type_type, -1 }, .name = "SGD", .module = "torch.optim.sgd", .size = sizeof (PyOptim),
  .dealloc = optim_dealloc, .methods = optim_methods, .repr = optim_repr, .has_dict = TRUE,
};
static PyType adam_type = {
  .ob = { &py_type_type, -1 }, .name = "Adam", .module = "torch.optim.adam", .size = sizeof (PyOptim),
  .dealloc = optim_dealloc, .methods = optim_methods, .repr = optim_repr, .has_dict = TRUE,
};

static gboolean
num (PyInterp *ip, PyObj *o, double *out)
{
  return !o || py_arg_float (ip, o, "value", out);
}

static PyObj *
make (PyInterp *ip, PyObj *params, const PsOptimConfig *c, PyType *t)
{
  PyObj *l = py_list_from_iterable (ip, params);
  if (!l)
    return NULL;
  if (PY_LIST (l)->n == 0)
    {
      py_decref (l);
      return py_raise (ip, py_exc_ValueError, "optimizer got an empty parameter list");
    }
  g_autofree PsParam **ps = g_new (PsParam *, PY_LIST (l)->n + 1);
  for (gsize i = 0; i < PY_LIST (l)->n; i++)
    {
      PsArray *a = py_torch_array (PY_LIST (l)->items[i]);
      if (!a || !ps_array_is_parameter (a))
        {
          py_raise (ip, py_exc_TypeError, "optimizer can only optimize Tensors, but one of the params is %s",
                    a ? "a Tensor that is not a parameter (ParamScope steps nn.Parameters)"
                    : PY_LIST (l)->items[i]->type->name);
          py_decref (l);
          return NULL;
        }
      ps[i] = ps_array_get_param (a);
    }
  GError *e = NULL;
  PsOptimizer *opt = ps_optimizer_new_for_params (ps, PY_LIST (l)->n, c, &e);
  if (!opt)
    {
      py_decref (l);
      py_raise (ip, py_exc_ValueError, "%s", e->message);
      g_error_free (e);
      return NULL;
    }
  PyOptim *o = (PyOptim *) py_alloc (t);
  o->opt = opt;
  o->params = l;
  return &o->ob;
}

static PyObj *
f_sgd (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[6] = { NULL };
  if (!py_parse_args (ip, a, "SGD", (const char *[]) { "params", "lr", "momentum", "dampening",
                      "weight_decay", "nesterov", NULL }, 2, args))
    return NULL;
  PsOptimConfig c;
  ps_optim_config_init (&c, PS_OPTIM_SGD, 0);
  if (!num (ip, args[1], &c.lr) || !num (ip, args[2], &c.momentum) || !num (ip, args[3], &c.dampening)
      || !num (ip, args[4], &c.weight_decay))
    return NULL;
  if (c.lr < 0)
    return py_raise (ip, py_exc_ValueError, "Invalid learning rate: %g", c.lr);
  if (c.momentum < 0)
    return py_raise (ip, py_exc_ValueError, "Invalid momentum value: %g", c.momentum);
  if (c.weight_decay < 0)
    return py_raise (ip, py_exc_ValueError, "Invalid weight_decay value: %g", c.weight_decay);
  c.nesterov = args[5] && py_truth (ip, args[5]) > 0;
  if (c.nesterov && (c.momentum <= 0 || c.dampening != 0))
    return py_raise (ip, py_exc_ValueError, "Nesterov momentum requires a momentum and zero dampening");
  return make (ip, args[0], &c, &sgd_type);
}

static PyObj *
f_adam (PyInterp *ip, PyObj *s, PyArgs *a)
{
  PyObj *args[5] = { NULL };
  if (!py_parse_args (ip, a, "Adam", (const char *[]) { "params", "lr", "betas", "eps", "weight_decay", NULL },
                      1, args))
    return NULL;
  PsOptimConfig c;
  ps_optim_config_init (&c, PS_OPTIM_ADAM, 0.001);
  if (!num (ip, args[1], &c.lr) || !num (ip, args[3], &c.eps) || !num (ip, args[4], &c.weight_decay))
    return NULL;
  if (args[2])
    {
      PyObj **b;
      gsize n;
      if (!py_sequence_items (args[2], &b, &n) || n != 2 || !num (ip, b[0], &c.beta1) || !num (ip, b[1], &c.beta2))
        return py_err_occurred (ip) ? NULL : py_raise (ip, py_exc_TypeError, "betas must be a pair of floats");
    }
  if (c.lr < 0)
    return py_raise (ip, py_exc_ValueError, "Invalid learning rate: %g", c.lr);
  if (c.eps < 0)
    return py_raise (ip, py_exc_ValueError, "Invalid epsilon value: %g", c.eps);
  if (!(c.beta1 >= 0 && c.beta1 < 1))
    return py_raise (ip, py_exc_ValueError, "Invalid beta parameter at index 0: %g", c.beta1);
  if (!(c.beta2 >= 0 && c.beta2 < 1))
    return py_raise (ip, py_exc_ValueError, "Invalid beta parameter at index 1: %g", c.beta2);
  return make (ip, args[0], &c, &adam_type);
}

static PyObj *
build_optim (PyInterp *ip)
{
  PyObj *m = py_module_new ("torch.optim");
  py_module_add (m, "SGD", py_native_new ("SGD", f_sgd, NULL));
  py_module_add (m, "Adam", py_native_new ("Adam", f_adam, NULL));
  return m;
}

void
py_optim_register (void)
{
  py_register_module ("torch.optim", build_optim);
}
