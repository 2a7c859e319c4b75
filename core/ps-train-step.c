/* ps-train-step.c — one training step (see ps-train-step.h) */
#include "ps-train-step.h"
#include "ps-i18n.h"
#include "ps-error.h"

#include <math.h>

/* Sum of squares in double (a float squared cannot overflow a double, so the
 * sum is finite exactly when every element is). */
static double
sum_squares (const float *x, int64_t n)
{
  double a0 = 0, a1 = 0, a2 = 0, a3 = 0;
  int64_t i = 0;

  for (; i + 4 <= n; i += 4)
    {
      a0 += (double) x[i] * x[i];
      a1 += (double) x[i + 1] * x[i + 1];
      a2 += (double) x[i + 2] * x[i + 2];
      a3 += (double) x[i + 3] * x[i + 3];
    }
  for (; i < n; i++)
    a0 += (double) x[i] * x[i];
  return (a0 + a1) + (a2 + a3);
}

/* "3 NaN, 1 +Inf" */
static char *
describe_nonfinite (const PsTensor *t)
{
  PsStats st;
  GString *s = g_string_new (NULL);

  ps_stats_compute (t->data, t->numel, &st);
  if (st.n_nan)
    g_string_append_printf (s, "%" G_GINT64_FORMAT " NaN", st.n_nan);
  if (st.n_posinf)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT " +Inf", s->len ? ", " : "", st.n_posinf);
  if (st.n_neginf)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT " -Inf", s->len ? ", " : "", st.n_neginf);
  return g_string_free (s, FALSE);
}

static char *
param_name (const PsTrainStep *s, int i)
{
  return s->names ? g_strdup (s->names[i]) : g_strdup_printf (_("parameter %d"), i);
}

static const char *
loss_text (double loss)
{
  return isnan (loss) ? "NaN" : loss > 0 ? "+Inf" : "-Inf";
}

PsStepStatus
ps_train_step (const PsTrainStep *s, PsStepResult *result, GError **error)
{
  PsStepResult dummy;
  guint n;
  int bad = -1;
  double loss = NAN;

  g_return_val_if_fail (s != NULL && s->tape != NULL && s->opt != NULL && s->x != NULL,
                        PS_STEP_ERROR);
  if (result == NULL)
    result = &dummy;
  result->loss = NAN;
  result->param = -1;
  n = ps_optimizer_get_n_params (s->opt);

  ps_optimizer_zero_grad (s->opt);
  if (ps_tape_forward (s->tape, s->x, error) == NULL
      || !ps_tape_backward_loss (s->tape, s->loss, s->target, &loss, error))
    return PS_STEP_ERROR;
  result->loss = loss;

  /* one pass over the gradients: their norms, and whether they are finite */
  if (s->check || s->grad_norms)
    for (guint i = 0; i < n; i++)
      {
        PsTensor *g = ps_param_get_grad (ps_optimizer_get_param (s->opt, i));
        double ss = g ? sum_squares (g->data, g->numel) : NAN;
        if (s->grad_norms)
          s->grad_norms[i] = sqrt (ss);
        if (g && !isfinite (ss) && bad < 0)
          bad = (int) i;
      }
  if (s->check && (bad >= 0 || !isfinite (loss)))
    {
      /* no update: the weights stay as the previous step left them */
      if (bad >= 0)
        {
          PsTensor *g = ps_param_get_grad (ps_optimizer_get_param (s->opt, (guint) bad));
          g_autofree char *name = param_name (s, bad);
          g_autofree char *what = describe_nonfinite (g);
          if (isfinite (loss))
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the gradient of %s is not finite (%s)"),
                         name, what);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                         _("the gradient of %s is not finite (%s); the loss is %s"), name, what,
                         loss_text (loss));
          result->param = bad;
          return PS_STEP_NONFINITE_GRAD;
        }
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the loss is %s (every gradient is finite)"),
                   loss_text (loss));
      return PS_STEP_NONFINITE_LOSS;
    }

  if (!s->check)
    {
      ps_optimizer_step (s->opt);
      return PS_STEP_OK;
    }
  bad = ps_optimizer_step_checked (s->opt);
  if (bad >= 0)
    {
      PsTensor *d = ps_param_get_data (ps_optimizer_get_param (s->opt, (guint) bad));
      g_autofree char *name = param_name (s, bad);
      g_autofree char *what = describe_nonfinite (d);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the update made %s not finite (%s)"), name,
                   what);
      result->param = bad;
      return PS_STEP_NONFINITE_UPDATE;
    }
  return PS_STEP_OK;
}
