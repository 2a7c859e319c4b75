/* ps-train-step.h — one training step: zero_grad, forward, loss, backward, update
 *
 * The one place where a training step is written: the trainer's worker,
 * `paramscope-cli train` and `bench`, and the benchmarks all call it.  With
 * its buffers warm (the tape's, the optimizer's) a step allocates nothing.
 *
 *   PsTrainStep s = { .tape = tape, .opt = opt, .x = x, .target = t, .loss = PS_LOSS_MSE };
 *   PsStepResult r;
 *   for (int i = 0; i < 100; i++)
 *     if (ps_train_step (&s, &r, &error) != PS_STEP_OK)
 *       break;                      // error says why; r.loss is the step's loss
 *
 * Unchecked (check = FALSE), a step is the loop of the lesson:
 * opt.zero_grad(); loss = f(net(x), target); loss.backward(); opt.step().
 * Checked, the loss and every gradient are tested for NaN and +-Inf before
 * the update (the same pass that computes the gradient norms), so the
 * weights keep their last finite values; and the update itself is tested
 * for a weight it made non-finite.  A fault is reported as a status and an
 * error (PS_ERROR_VALUE) naming the parameter: "the gradient of 2.weight is
 * not finite (3 NaN, 1 +Inf)".
 */
#pragma once

#include "ps-optim.h"
#include "ps-tape.h"

G_BEGIN_DECLS

/* What a step works on (all borrowed; set up once, used for every step). */
typedef struct
{
  PsTape             *tape;         /* over the optimizer's model */
  PsOptimizer        *opt;
  const PsTensor     *x;            /* (batch, ...) */
  const PsTensor     *target;       /* NULL for the sum loss */
  PsLossKind          loss;
  gboolean            check;        /* test loss, gradients and update for NaN / +-Inf */
  /* NULL, or ps_optimizer_get_n_params (opt) doubles: each step writes every
   * parameter's gradient L2 norm (NAN for a parameter without a gradient) */
  double             *grad_norms;
  /* NULL, or the parameters' names (optimizer order, which is
   * named_parameters order) for fault messages */
  const char *const  *names;
} PsTrainStep;

typedef enum
{
  PS_STEP_OK,                 /* the parameters were updated */
  PS_STEP_ERROR,              /* forward or loss failed (shapes, target): nothing updated */
  PS_STEP_NONFINITE_LOSS,     /* checked: the loss is NaN or infinite, every gradient finite */
  PS_STEP_NONFINITE_GRAD,     /* checked: a gradient holds NaN or +-Inf: nothing updated */
  PS_STEP_NONFINITE_UPDATE,   /* checked: the update made a weight NaN or infinite */
} PsStepStatus;

typedef struct
{
  double loss;                /* the step's loss (NAN after PS_STEP_ERROR) */
  int    param;               /* the parameter at fault (optimizer order), or -1 */
} PsStepResult;

/* One step; error is set unless the status is PS_STEP_OK.  result may be NULL. */
PsStepStatus ps_train_step (const PsTrainStep *s, PsStepResult *result, GError **error);

G_END_DECLS
