/* ps-optim.c — SGD (momentum, dampening, weight decay, Nesterov) and Adam */
#include "ps-optim.h"
#include "ps-i18n.h"
#include "ps-error.h"

#include <cblas.h>
#include <math.h>

typedef struct
{
  PsParam  *param;        /* ref */
  PsTensor *buf1;         /* SGD momentum buffer / Adam exp_avg */
  PsTensor *buf2;         /* Adam exp_avg_sq */
  int64_t   step;
} Slot;

struct _PsOptimizer
{
  PsOptimConfig c;
  Slot  *slots;
  guint  n;
};

void
ps_optim_config_init (PsOptimConfig *c, PsOptimKind kind, double lr)
{
  *c = (PsOptimConfig) { .kind = kind, .lr = lr, .beta1 = 0.9, .beta2 = 0.999, .eps = 1e-8 };
}

PsOptimizer *
ps_optimizer_new (PsModule *model, const PsOptimConfig *c, GError **error)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (model);

  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      if (!ps_param_is_initialized (p->param))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       _("parameter %s is uninitialized (lazy): run a forward pass first"),
                       p->name);
          return NULL;
        }
    }
  g_autofree PsParam **params = g_new (PsParam *, np->len + 1);
  for (guint i = 0; i < np->len; i++)
    params[i] = ((PsNamedParam *) np->pdata[i])->param;
  return ps_optimizer_new_for_params (params, np->len, c, error);
}

PsOptimizer *
ps_optimizer_new_for_params (PsParam *const *params, guint n, const PsOptimConfig *c,
                             GError **error)
{
  PsOptimizer *opt;

  for (guint i = 0; i < n; i++)
    if (!ps_param_is_initialized (params[i]))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                     _("a parameter is uninitialized (lazy): run a forward pass first"));
        return NULL;
      }
  if (!(c->lr >= 0) || !(c->momentum >= 0) || !(c->weight_decay >= 0)
      || !(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1) || !(c->eps >= 0))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   _("invalid optimizer settings (lr, momentum, weight decay and eps must be "
                     ">= 0, betas in [0, 1))"));
      return NULL;
    }
  opt = g_new0 (PsOptimizer, 1);
  opt->c = *c;
  opt->slots = g_new0 (Slot, n + 1);
  for (guint i = 0; i < n; i++)
    {
      gboolean dup = FALSE;
      for (guint k = 0; k < opt->n; k++)
        dup |= opt->slots[k].param == params[i];
      if (!dup)
        opt->slots[opt->n++].param = ps_param_ref (params[i]);
    }
  return opt;
}

void
ps_optimizer_free (PsOptimizer *opt)
{
  if (opt == NULL)
    return;
  for (guint i = 0; i < opt->n; i++)
    {
      ps_param_unref (opt->slots[i].param);
      ps_tensor_unref (opt->slots[i].buf1);
      ps_tensor_unref (opt->slots[i].buf2);
    }
  g_free (opt->slots);
  g_free (opt);
}

guint
ps_optimizer_get_n_params (PsOptimizer *opt)
{
  return opt->n;
}

void
ps_optimizer_zero_grad (PsOptimizer *opt)
{
  for (guint i = 0; i < opt->n; i++)
    ps_param_zero_grad (opt->slots[i].param, TRUE);
}

/* Each update also ORs ps_float_nonfinite over the values it writes: an
 * integer reduction that vectorizes (a float one would not, without
 * reassociation), in loops bound by memory anyway. */
static uint32_t
finite_probe (const float *p, int64_t n)
{
  uint32_t bad = 0;
  for (int64_t i = 0; i < n; i++)
    bad |= ps_float_nonfinite (p[i]);
  return bad;
}

static uint32_t
sgd_step (const PsOptimConfig *c, Slot *s, float *p, const float *g, int64_t n)
{
  float lr = (float) c->lr, wd = (float) c->weight_decay, mom = (float) c->momentum;
  float damp = (float) (1.0 - c->dampening);     /* rounded once, as PyTorch */
  gboolean first = s->buf1 == NULL;
  float *buf;
  uint32_t z = 0;

  if (mom == 0.f)
    {
      if (wd == 0.f && n >= (1 << 16) && n <= G_MAXINT)
        {
          cblas_saxpy ((int) n, -lr, g, 1, p, 1);      /* p += -lr g: OpenBLAS, both cores */
          return finite_probe (p, n);
        }
      else if (wd == 0.f)
        for (int64_t i = 0; i < n; i++)
          {
            p[i] -= lr * g[i];
            z |= ps_float_nonfinite (p[i]);
          }
      else
        for (int64_t i = 0; i < n; i++)
          {
            p[i] -= lr * (g[i] + wd * p[i]);
            z |= ps_float_nonfinite (p[i]);
          }
      return z;
    }
  if (first)
    s->buf1 = ps_tensor_new_1d (n);
  buf = s->buf1->data;
  for (int64_t i = 0; i < n; i++)
    {
      float d = wd != 0.f ? g[i] + wd * p[i] : g[i];
      buf[i] = first ? d : mom * buf[i] + damp * d;
      p[i] -= lr * (c->nesterov ? d + mom * buf[i] : buf[i]);
      z |= ps_float_nonfinite (p[i]);
    }
  return z;
}

static uint32_t
adam_step (const PsOptimConfig *c, Slot *s, float *p, const float *g, int64_t n)
{
  /* torch.optim.Adam (single-tensor): the averaging weights 1 - beta are
   * computed in double and rounded once, the operations run in its order */
  float b1 = (float) c->beta1, b2 = (float) c->beta2, wd = (float) c->weight_decay;
  float one_b1 = (float) (1.0 - c->beta1), one_b2 = (float) (1.0 - c->beta2);
  double bc1, bc2;
  float neg_step, bc2_sqrt, eps = (float) c->eps;
  float *m, *v;
  uint32_t z = 0;

  if (s->buf1 == NULL)
    {
      s->buf1 = ps_tensor_new_1d (n);
      s->buf2 = ps_tensor_new_1d (n);
    }
  m = s->buf1->data;
  v = s->buf2->data;
  s->step++;
  bc1 = 1.0 - pow (c->beta1, (double) s->step);
  bc2 = 1.0 - pow (c->beta2, (double) s->step);
  neg_step = (float) -(c->lr / bc1);
  bc2_sqrt = (float) sqrt (bc2);
  for (int64_t i = 0; i < n; i++)
    {
      float gi = wd != 0.f ? g[i] + wd * p[i] : g[i];
      m[i] = m[i] * b1 + one_b1 * gi;                   /* exp_avg.mul_(b1).add_(g, 1-b1) */
      v[i] = v[i] * b2 + one_b2 * gi * gi;              /* exp_avg_sq.mul_(b2).addcmul_(g, g, 1-b2) */
      p[i] = p[i] + neg_step * m[i] / (sqrtf (v[i]) / bc2_sqrt + eps);   /* addcdiv_ */
      z |= ps_float_nonfinite (p[i]);
    }
  return z;
}

int
ps_optimizer_step_checked (PsOptimizer *opt)
{
  int first_bad = -1;

  for (guint i = 0; i < opt->n; i++)
    {
      Slot *s = &opt->slots[i];
      PsTensor *d = ps_param_get_data (s->param), *g = ps_param_get_grad (s->param);
      uint32_t z;

      if (g == NULL || !ps_param_get_requires_grad (s->param))
        continue;
      if (opt->c.kind == PS_OPTIM_SGD)
        z = sgd_step (&opt->c, s, d->data, g->data, d->numel);
      else
        z = adam_step (&opt->c, s, d->data, g->data, d->numel);
      if (z && first_bad < 0)
        first_bad = (int) i;
      ps_param_changed (s->param, PS_CHANGE_DATA);
    }
  return first_bad;
}

void
ps_optimizer_step (PsOptimizer *opt)
{
  ps_optimizer_step_checked (opt);
}

PsParam *
ps_optimizer_get_param (PsOptimizer *opt, guint i)
{
  g_return_val_if_fail (i < opt->n, NULL);
  return opt->slots[i].param;
}

void
ps_optimizer_reset_state (PsOptimizer *opt)
{
  for (guint i = 0; i < opt->n; i++)
    {
      g_clear_pointer (&opt->slots[i].buf1, ps_tensor_unref);
      g_clear_pointer (&opt->slots[i].buf2, ps_tensor_unref);
      opt->slots[i].step = 0;
    }
}

const PsOptimConfig *
ps_optimizer_get_config (PsOptimizer *opt)
{
  return &opt->c;
}
