/* ps-autograd-loss.c — F.nll_loss and F.mse_loss called from code, eagerly
 *
 * Each is one autograd node with PyTorch 1.13's name (NllLossBackward0,
 * MseLossBackward0), so `print(loss)` shows what PyTorch shows; F.cross_entropy
 * is nll_loss over log_softmax along dimension 1, as in PyTorch.
 */
#include "ps-autograd-private.h"

#include <string.h>

static const char *const reductions[] = { "none", "mean", "sum" };

/* ---- nll_loss ---------------------------------------------------------------- */

/* input (N, C) or (C,) log-probabilities, target (N) or () class indices;
 * n[0] reduction, n[1] ignore_index, n[2] N, n[3] C; d[0] the count kept */
static gboolean
nll_backward (PsNode *node, PsArray *grad_out, PsArray **grads_in, GError **error)
{
  g_autoptr (PsArray) g = NULL, gi = NULL;
  PsArray *t = ps_node_saved (node, 0, error);
  int64_t N = node->n[2], C = node->n[3], ignore = node->n[1];
  const int64_t *tv;
  const float *gv;
  float *out;

  if (t == NULL || (g = ps_array_contiguous (grad_out, error)) == NULL)
    return FALSE;
  if ((gi = ps_array_new_zeros (PS_DTYPE_F32, node->inputs[0].ndim, node->inputs[0].shape,
                                error)) == NULL)
    return FALSE;
  tv = ps_array_data (t, error);
  gv = ps_array_data (g, error);
  out = ps_array_data (gi, error);
  if (tv == NULL || gv == NULL || out == NULL)
    return FALSE;
  for (int64_t i = 0; i < N; i++)
    {
      if (tv[i] == ignore)
        continue;
      float gi_ = node->n[0] == 0 ? gv[i] : node->n[0] == 1 ? gv[0] / (float) node->d[0] : gv[0];
      out[i * C + tv[i]] = -gi_;
    }
  grads_in[0] = g_steal_pointer (&gi);
  return TRUE;
}

PsArray *
ps_array_nll_loss (PsArray *input, PsArray *target, const char *reduction, int64_t ignore_index,
                   GError **error)
{
  int red = -1;
  int64_t N, C;
  g_autoptr (PsArray) x = NULL, t = NULL, out = NULL;
  const float *xv;
  const int64_t *tv;
  double acc = 0;
  int64_t kept = 0;

  for (int i = 0; i < 3; i++)
    if (strcmp (reduction, reductions[i]) == 0)
      red = i;
  if (red < 0)
    {
      ps_array_set_error (error, VALUE, "%s is not a valid value for reduction", reduction);
      return NULL;
    }
  if (input->ndim != 1 && input->ndim != 2)
    {
      ps_array_set_error (error, RUNTIME, "ParamScope's nll_loss takes an input of 1 or 2 "
                          "dimensions (got %d)", input->ndim);
      return NULL;
    }
  if (target->dtype != PS_DTYPE_I64)
    {
      ps_array_set_error (error, RUNTIME, "expected scalar type Long but found %s",
                          ps_array_scalar_type_name (target->dtype));
      return NULL;
    }
  if (input->dtype != PS_DTYPE_F32)
    {
      ps_array_set_error (error, RUNTIME, "expected scalar type Float but found %s",
                          ps_array_scalar_type_name (input->dtype));
      return NULL;
    }
  N = input->ndim == 2 ? input->shape[0] : 1;
  C = input->shape[input->ndim - 1];
  if ((input->ndim == 2 && (target->ndim != 1 || target->shape[0] != N))
      || (input->ndim == 1 && target->ndim != 0))
    {
      g_autofree char *a = ps_shape_to_string (input->ndim, input->shape);
      g_autofree char *b = ps_shape_to_string (target->ndim, target->shape);
      if (input->ndim == 2 && target->ndim == 1)
        ps_array_set_error (error, VALUE, "Expected input batch_size (%" G_GINT64_FORMAT ") to "
                            "match target batch_size (%" G_GINT64_FORMAT ").", N, target->shape[0]);
      else
        ps_array_set_error (error, RUNTIME, "nll_loss: an input of shape %s and a target of "
                            "shape %s do not go together", a, b);
      return NULL;
    }
  if ((x = ps_array_contiguous (input, error)) == NULL
      || (t = ps_array_contiguous (target, error)) == NULL)
    return NULL;
  xv = ps_array_data (x, error);
  tv = ps_array_data (t, error);
  if (xv == NULL || tv == NULL)
    return NULL;
  for (int64_t i = 0; i < N; i++)
    if (tv[i] != ignore_index && (tv[i] < 0 || tv[i] >= C))
      {
        ps_array_set_error (error, INDEX, "Target %" G_GINT64_FORMAT " is out of bounds.", tv[i]);
        return NULL;
      }
  if (red == 0)
    {
      int64_t shape[1] = { N };
      float *o;
      if ((out = ps_array_alloc (PS_DTYPE_F32, input->ndim == 2 ? 1 : 0, shape, TRUE, error)) == NULL)
        return NULL;
      o = ps_array_data (out, error);
      for (int64_t i = 0; i < N; i++)
        o[i] = tv[i] == ignore_index ? 0.f : -xv[i * C + tv[i]];
    }
  else
    {
      for (int64_t i = 0; i < N; i++)
        if (tv[i] != ignore_index)
          {
            acc += xv[i * C + tv[i]];
            kept++;
          }
      if ((out = ps_array_alloc (PS_DTYPE_F32, 0, NULL, FALSE, error)) == NULL)
        return NULL;
      *(float *) ps_array_data (out, error) = red == 1 ? (float) (-acc / (double) kept)
                                                       : (float) -acc;
    }
  {
    PsArray *inputs[1] = { x };
    if (ps_autograd_needs_node (inputs, 1))
      {
        PsNode *node = ps_autograd_record (out, "NllLossBackward0", nll_backward, inputs, 1);
        ps_node_save (node, 0, t);
        node->n[0] = red;
        node->n[1] = ignore_index;
        node->n[2] = N;
        node->n[3] = C;
        node->d[0] = (double) kept;
      }
  }
  return g_steal_pointer (&out);
}

/* ---- mse_loss ---------------------------------------------------------------- */

static gboolean
mse_backward (PsNode *node, PsArray *grad_out, PsArray **grads_in, GError **error)
{
  PsArray *a = ps_node_saved (node, 0, error), *b;
  g_autoptr (PsArray) d = NULL, s = NULL, ga = NULL;

  if (a == NULL || (b = ps_node_saved (node, 1, error)) == NULL)
    return FALSE;
  /* d(mean((a - b)^2)) / da = 2 (a - b) / n, times the incoming gradient */
  if ((d = ps_array_binary (PS_BINARY_SUB, a, b, error)) == NULL)
    return FALSE;
  {
    PsScalar two = ps_scalar_float (node->n[0] == 1 ? 2.0 / node->d[0] : 2.0);
    g_autoptr (PsArray) k = ps_array_new_wrapped (two);
    if ((s = ps_array_binary (PS_BINARY_MUL, d, k, error)) == NULL)
      return FALSE;
  }
  if ((ga = ps_array_binary (PS_BINARY_MUL, s, grad_out, error)) == NULL)
    return FALSE;
  if (node->inputs[1].node || node->inputs[1].leaf)
    {
      PsScalar m1 = ps_scalar_float (-1.0);
      g_autoptr (PsArray) k = ps_array_new_wrapped (m1);
      if ((grads_in[1] = ps_array_binary (PS_BINARY_MUL, ga, k, error)) == NULL)
        return FALSE;
    }
  grads_in[0] = g_steal_pointer (&ga);
  return TRUE;
}

PsArray *
ps_array_mse_loss (PsArray *a, PsArray *b, const char *reduction, GError **error)
{
  int red = -1;
  g_autoptr (PsArray) d = NULL, sq = NULL, out = NULL;

  for (int i = 0; i < 3; i++)
    if (strcmp (reduction, reductions[i]) == 0)
      red = i;
  if (red < 0)
    {
      ps_array_set_error (error, VALUE, "%s is not a valid value for reduction", reduction);
      return NULL;
    }
  ps_autograd_no_grad_push ();
  d = ps_array_binary (PS_BINARY_SUB, a, b, error);
  sq = d ? ps_array_binary (PS_BINARY_MUL, d, d, error) : NULL;
  out = !sq ? NULL : red == 0 ? ps_array_ref (sq)
        : red == 1 ? ps_array_mean (sq, NULL, 0, FALSE, error)
        : ps_array_sum (sq, NULL, 0, FALSE, error);
  ps_autograd_no_grad_pop ();
  if (out == NULL)
    return NULL;
  if (red == 0)
    {
      /* a result of its own, to carry the node */
      PsArray *c = ps_array_clone (out, error);
      ps_array_unref (out);
      if ((out = c) == NULL)
        return NULL;
    }
  {
    PsArray *inputs[2] = { a, b };
    if (ps_autograd_needs_node (inputs, 2))
      {
        PsNode *node = ps_autograd_record (out, "MseLossBackward0", mse_backward, inputs, 2);
        ps_node_save (node, 0, a);
        ps_node_save (node, 1, b);
        node->n[0] = red;
        node->d[0] = (double) MAX (sq->numel, 1);
      }
  }
  return g_steal_pointer (&out);
}
