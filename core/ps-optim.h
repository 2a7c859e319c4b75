/* ps-optim.h — optimizers with torch.optim semantics
 *
 *   PsOptimConfig c;
 *   ps_optim_config_init (&c, PS_OPTIM_SGD, 0.1);   c.momentum = 0.9;
 *   g_autoptr (PsOptimizer) opt = ps_optimizer_new (net, &c, &error);
 *   ps_optimizer_zero_grad (opt);  ...backward...  ps_optimizer_step (opt);
 *
 * The parameters are net.parameters(): each distinct parameter once, so a
 * tied parameter is stepped once with its summed gradient.  A parameter whose
 * gradient is absent is skipped, as PyTorch does.
 */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

typedef enum { PS_OPTIM_SGD, PS_OPTIM_ADAM } PsOptimKind;

typedef struct
{
  PsOptimKind kind;
  double lr;
  double momentum, dampening, weight_decay;   /* SGD (weight_decay also Adam) */
  gboolean nesterov;
  double beta1, beta2, eps;                   /* Adam: 0.9, 0.999, 1e-8 */
} PsOptimConfig;

typedef struct _PsOptimizer PsOptimizer;

void         ps_optim_config_init  (PsOptimConfig *c, PsOptimKind kind, double lr);
PsOptimizer *ps_optimizer_new      (PsModule *model, const PsOptimConfig *c, GError **error);
/* The same over a list of parameters (torch.optim.SGD(params, ...)): each
 * distinct parameter once, in order. */
PsOptimizer *ps_optimizer_new_for_params (PsParam *const *params, guint n, const PsOptimConfig *c,
                                          GError **error);
void         ps_optimizer_free     (PsOptimizer *opt);
void         ps_optimizer_zero_grad (PsOptimizer *opt);   /* set_to_none, buffers kept */
void         ps_optimizer_step     (PsOptimizer *opt);
/* The same, and the index (in parameter order) of the first parameter the
 * update left with a NaN or an infinite value, or -1 when all are finite. */
int          ps_optimizer_step_checked (PsOptimizer *opt);
/* The i-th parameter (net.parameters() order; borrowed). */
PsParam     *ps_optimizer_get_param (PsOptimizer *opt, guint i);
const PsOptimConfig *ps_optimizer_get_config (PsOptimizer *opt);
/* Forget momentum buffers and Adam's moments and step count (a fresh optimizer). */
void         ps_optimizer_reset_state (PsOptimizer *opt);
guint        ps_optimizer_get_n_params (PsOptimizer *opt);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsOptimizer, ps_optimizer_free)

G_END_DECLS
