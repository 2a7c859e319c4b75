/* ps-loss.c — the losses of the tape (declared in ps-tape.h) */
#include "ps-tape.h"
#include "ps-error.h"
#include "ps-kernels.h"

#include <math.h>
#include <string.h>

/* ---- losses ------------------------------------------------------------ */

gboolean
ps_loss_kind_from_string (const char *s, PsLossKind *kind)
{
  if (g_strcmp0 (s, "sum") == 0)
    *kind = PS_LOSS_SUM;
  else if (g_strcmp0 (s, "mse") == 0)
    *kind = PS_LOSS_MSE;
  else if (g_strcmp0 (s, "cross_entropy") == 0)
    *kind = PS_LOSS_CROSS_ENTROPY;
  else if (g_strcmp0 (s, "nll") == 0)
    *kind = PS_LOSS_NLL;
  else if (g_strcmp0 (s, "bce_logits") == 0)
    *kind = PS_LOSS_BCE_LOGITS;
  else
    return FALSE;
  return TRUE;
}

const char *
ps_loss_kind_to_string (PsLossKind kind)
{
  static const char *names[] = { "sum", "mse", "cross_entropy", "nll", "bce_logits" };
  return names[kind];
}

/* cross_entropy and nll with class indices: y (N, C, d...), t (N, d...) */
static gboolean
index_targets (PsLossKind kind, const PsTensor *y, const PsTensor *t)
{
  return (kind == PS_LOSS_CROSS_ENTROPY || kind == PS_LOSS_NLL) && y->ndim >= 1
         && t->ndim == y->ndim - 1;
}

#define PS_IGNORE_INDEX (-100)

static gboolean
index_loss (PsLossKind kind, const PsTensor *y, const PsTensor *t, double *loss, PsTensor *dy,
            GError **error)
{
  int64_t N = y->ndim >= 2 ? y->shape[0] : 1, C = y->ndim >= 2 ? y->shape[1] : y->shape[0];
  int64_t L = N * C > 0 ? y->numel / (N * C) : 0;

  if (y->ndim >= 2 && t->shape[0] != N)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected input batch_size (%" G_GINT64_FORMAT
                   ") to match target batch_size (%" G_GINT64_FORMAT ").", N, t->shape[0]);
      return FALSE;
    }
  for (int i = 2; i < y->ndim; i++)
    if (t->shape[i - 1] != y->shape[i])
      {
        g_autofree char *sy = ps_shape_to_string (y->ndim, y->shape);
        g_autofree char *st = ps_shape_to_string (t->ndim, t->shape);
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "size mismatch (got input: %s, target: %s)",
                     sy, st);
        return FALSE;
      }
  for (int64_t i = 0; i < t->numel; i++)
    {
      float v = t->data[i];
      if (v == PS_IGNORE_INDEX)
        continue;
      if (!(v >= 0 && v < (float) C) || v != floorf (v))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "Target %g is out of bounds.", v);
          return FALSE;
        }
    }
  if (dy && !ps_tensor_resize (dy, y->ndim, y->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the loss gradient");
      return FALSE;
    }
  *loss = ps_index_loss_f32 (N, C, L, y->data, t->data, PS_IGNORE_INDEX,
                             kind == PS_LOSS_CROSS_ENTROPY, dy ? dy->data : NULL);
  return TRUE;
}

gboolean
ps_loss_compute (PsLossKind kind, const PsTensor *y, const PsTensor *t,
                 double *loss, PsTensor *dy, GError **error)
{
  int64_t n = y->numel;
  double acc = 0;

  if (kind != PS_LOSS_SUM)
    {
      if (t == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "the %s loss needs a target",
                       ps_loss_kind_to_string (kind));
          return FALSE;
        }
      if (index_targets (kind, y, t))
        return index_loss (kind, y, t, loss, dy, error);
      if (kind == PS_LOSS_NLL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "the nll loss takes class indices: a "
                       "target of the output's shape without its class dimension (1)");
          return FALSE;
        }
      if (!ps_tensor_same_shape (y, t))
        {
          g_autofree char *sy = ps_shape_to_string (y->ndim, y->shape);
          g_autofree char *st = ps_shape_to_string (t->ndim, t->shape);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "the target has shape %s but the output has shape %s", st, sy);
          return FALSE;
        }
    }
  if (dy && !ps_tensor_resize (dy, y->ndim, y->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the loss gradient");
      return FALSE;
    }

  switch (kind)
    {
    case PS_LOSS_SUM:
      for (int64_t i = 0; i < n; i++)
        acc += y->data[i];
      if (dy)
        ps_tensor_fill (dy, 1.f);
      break;

    case PS_LOSS_MSE:
      for (int64_t i = 0; i < n; i++)
        {
          double d = (double) y->data[i] - t->data[i];
          acc += d * d;
          if (dy)
            dy->data[i] = (float) (2.0 * d / (double) n);
        }
      acc /= (double) n;
      break;

    case PS_LOSS_NLL:
      g_assert_not_reached ();      /* index targets only, handled above */
      break;

    case PS_LOSS_BCE_LOGITS:
      acc = ps_bce_with_logits (n, y->data, t->data, dy ? dy->data : NULL);
      break;

    case PS_LOSS_CROSS_ENTROPY:
      {
        int64_t C = y->ndim ? y->shape[y->ndim - 1] : 1;
        int64_t B = C ? n / C : 0;
        if (y->ndim != 2 || C < 1)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "cross_entropy needs an output of shape (batch, classes)");
            return FALSE;
          }
        for (int64_t b = 0; b < B; b++)
          {
            const float *yb = y->data + b * C, *tb = t->data + b * C;
            double mx = -INFINITY, se = 0, lse, tsum = 0;
            for (int64_t c = 0; c < C; c++)
              mx = MAX (mx, yb[c]);
            for (int64_t c = 0; c < C; c++)
              se += exp (yb[c] - mx);
            lse = mx + log (se);
            for (int64_t c = 0; c < C; c++)
              {
                acc -= tb[c] * (yb[c] - lse);
                tsum += tb[c];
              }
            if (dy)
              for (int64_t c = 0; c < C; c++)
                dy->data[b * C + c] = (float) ((exp (yb[c] - lse) * tsum - tb[c]) / (double) B);
          }
        acc /= (double) B;
      }
      break;
    }
  *loss = acc;
  return TRUE;
}
