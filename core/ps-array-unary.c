/* ps-array-unary.c — elementwise functions of one PsArray, their in-place
 * forms and leaky_relu, each with its autograd node
 *
 * Computed on a contiguous buffer in the compute dtype, float32 in float
 * arithmetic so that one operation rounds as PyTorch's does.  Backward
 * functions run with grad mode off and are written with the ops themselves.
 */
#include "ps-autograd-private.h"

#include <math.h>
#include <string.h>

#define B(op, a, b) ps_array_binary (PS_BINARY_##op, (a), (b), error)

/* ---------------------------------------------------------------- unary */

static const char *
unary_name (PsUnaryOp op)
{
  switch (op)
    {
    case PS_UNARY_NEG: return "NegBackward0";
    case PS_UNARY_ABS: return "AbsBackward0";
    case PS_UNARY_EXP: return "ExpBackward0";
    case PS_UNARY_LOG: return "LogBackward0";
    case PS_UNARY_SQRT: return "SqrtBackward0";
    case PS_UNARY_SIN: return "SinBackward0";
    case PS_UNARY_COS: return "CosBackward0";
    case PS_UNARY_RELU: return "ReluBackward0";
    case PS_UNARY_SIGMOID: return "SigmoidBackward0";
    case PS_UNARY_TANH: return "TanhBackward0";
    case PS_UNARY_GELU:
    case PS_UNARY_GELU_TANH: return "GeluBackward0";
    case PS_UNARY_LOGICAL_NOT: return NULL;
    case PS_UNARY_RECIPROCAL: return "ReciprocalBackward0";
    }
  return NULL;
}

static float
gelu_erf_f (float x)
{
  return 0.5f * x * (1.f + erff (x * (float) M_SQRT1_2));
}

static float
gelu_tanh_f (float x)
{
  const float k = 0.7978845608028654f;
  return 0.5f * x * (1.f + tanhf (k * (x + 0.044715f * x * x * x)));
}

static double
gelu_erf_d (double x)
{
  return 0.5 * x * (1.0 + erf (x * M_SQRT1_2));
}

static double
gelu_tanh_d (double x)
{
  const double k = 0.7978845608028654;
  return 0.5 * x * (1.0 + tanh (k * (x + 0.044715 * x * x * x)));
}

static void
unary_f32 (PsUnaryOp op, const float *x, float *y, int64_t n)
{
  switch (op)
    {
    case PS_UNARY_NEG: for (int64_t i = 0; i < n; i++) y[i] = -x[i]; break;
    case PS_UNARY_ABS: for (int64_t i = 0; i < n; i++) y[i] = fabsf (x[i]); break;
    case PS_UNARY_EXP: for (int64_t i = 0; i < n; i++) y[i] = expf (x[i]); break;
    case PS_UNARY_LOG: for (int64_t i = 0; i < n; i++) y[i] = logf (x[i]); break;
    case PS_UNARY_SQRT: for (int64_t i = 0; i < n; i++) y[i] = sqrtf (x[i]); break;
    case PS_UNARY_SIN: for (int64_t i = 0; i < n; i++) y[i] = sinf (x[i]); break;
    case PS_UNARY_COS: for (int64_t i = 0; i < n; i++) y[i] = cosf (x[i]); break;
    case PS_UNARY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.f ? x[i] : isnan (x[i]) ? x[i] : 0.f;
      break;
    case PS_UNARY_SIGMOID: for (int64_t i = 0; i < n; i++) y[i] = 1.f / (1.f + expf (-x[i])); break;
    case PS_UNARY_TANH: for (int64_t i = 0; i < n; i++) y[i] = tanhf (x[i]); break;
    case PS_UNARY_GELU: for (int64_t i = 0; i < n; i++) y[i] = gelu_erf_f (x[i]); break;
    case PS_UNARY_GELU_TANH: for (int64_t i = 0; i < n; i++) y[i] = gelu_tanh_f (x[i]); break;
    case PS_UNARY_RECIPROCAL: for (int64_t i = 0; i < n; i++) y[i] = 1.f / x[i]; break;
    default: g_assert_not_reached ();
    }
}

static void
unary_f64 (PsUnaryOp op, const double *x, double *y, int64_t n)
{
  switch (op)
    {
    case PS_UNARY_NEG: for (int64_t i = 0; i < n; i++) y[i] = -x[i]; break;
    case PS_UNARY_ABS: for (int64_t i = 0; i < n; i++) y[i] = fabs (x[i]); break;
    case PS_UNARY_EXP: for (int64_t i = 0; i < n; i++) y[i] = exp (x[i]); break;
    case PS_UNARY_LOG: for (int64_t i = 0; i < n; i++) y[i] = log (x[i]); break;
    case PS_UNARY_SQRT: for (int64_t i = 0; i < n; i++) y[i] = sqrt (x[i]); break;
    case PS_UNARY_SIN: for (int64_t i = 0; i < n; i++) y[i] = sin (x[i]); break;
    case PS_UNARY_COS: for (int64_t i = 0; i < n; i++) y[i] = cos (x[i]); break;
    case PS_UNARY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.0 ? x[i] : isnan (x[i]) ? x[i] : 0.0;
      break;
    case PS_UNARY_SIGMOID: for (int64_t i = 0; i < n; i++) y[i] = 1.0 / (1.0 + exp (-x[i])); break;
    case PS_UNARY_TANH: for (int64_t i = 0; i < n; i++) y[i] = tanh (x[i]); break;
    case PS_UNARY_GELU: for (int64_t i = 0; i < n; i++) y[i] = gelu_erf_d (x[i]); break;
    case PS_UNARY_GELU_TANH: for (int64_t i = 0; i < n; i++) y[i] = gelu_tanh_d (x[i]); break;
    case PS_UNARY_RECIPROCAL: for (int64_t i = 0; i < n; i++) y[i] = 1.0 / x[i]; break;
    default: g_assert_not_reached ();
    }
}

static void
unary_i64 (PsUnaryOp op, const int64_t *x, int64_t *y, int64_t n)
{
  switch (op)
    {
    case PS_UNARY_NEG: for (int64_t i = 0; i < n; i++) y[i] = (int64_t) (0 - (uint64_t) x[i]); break;
    case PS_UNARY_ABS: for (int64_t i = 0; i < n; i++) y[i] = x[i] < 0 ? (int64_t) (0 - (uint64_t) x[i]) : x[i]; break;
    case PS_UNARY_RELU: for (int64_t i = 0; i < n; i++) y[i] = x[i] > 0 ? x[i] : 0; break;
    default: g_assert_not_reached ();
    }
}

static gboolean
unary_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsUnaryOp op = (PsUnaryOp) node->n[0];
  PsArray *x = ps_node_saved (node, 0, error);
  PsArray *y = ps_node_saved (node, 1, error);
  g_autoptr (PsArray) t = NULL, u = NULL, one = ps_array_wrapped_double (1), two = ps_array_wrapped_double (2);

  if ((node->saved[0] && !x) || (node->saved[1] && !y))
    return FALSE;
  switch (op)
    {
    case PS_UNARY_NEG:
      gi[0] = ps_array_unary (PS_UNARY_NEG, g, error);
      break;
    case PS_UNARY_ABS:
      {
        /* g * sign(x) */
        g_autoptr (PsArray) zero = ps_array_wrapped_double (0);
        g_autoptr (PsArray) pb = B (GT, x, zero), nb = B (LT, x, zero);
        g_autoptr (PsArray) pos = pb ? ps_array_to_dtype (pb, g->dtype, error) : NULL;
        g_autoptr (PsArray) neg = nb ? ps_array_to_dtype (nb, g->dtype, error) : NULL;
        t = pos && neg ? B (SUB, pos, neg) : NULL;
        gi[0] = t ? B (MUL, g, t) : NULL;
      }
      break;
    case PS_UNARY_EXP:
      gi[0] = B (MUL, g, y);
      break;
    case PS_UNARY_LOG:
      gi[0] = B (DIV, g, x);
      break;
    case PS_UNARY_SQRT:
      t = B (MUL, y, two);
      gi[0] = t ? B (DIV, g, t) : NULL;
      break;
    case PS_UNARY_SIN:
      t = ps_array_unary (PS_UNARY_COS, x, error);
      gi[0] = t ? B (MUL, g, t) : NULL;
      break;
    case PS_UNARY_COS:
      t = ps_array_unary (PS_UNARY_SIN, x, error);
      u = t ? B (MUL, g, t) : NULL;
      gi[0] = u ? ps_array_unary (PS_UNARY_NEG, u, error) : NULL;
      break;
    case PS_UNARY_RELU:
      {
        g_autoptr (PsArray) zero = ps_array_wrapped_double (0);
        t = B (GT, y, zero);
        gi[0] = t ? B (MUL, g, t) : NULL;
      }
      break;
    case PS_UNARY_SIGMOID:
      /* g * (1 - y) * y */
      t = B (SUB, one, y);
      u = t ? B (MUL, g, t) : NULL;
      gi[0] = u ? B (MUL, u, y) : NULL;
      break;
    case PS_UNARY_TANH:
      /* g * (1 - y^2) */
      t = B (MUL, y, y);
      u = t ? B (SUB, one, t) : NULL;
      gi[0] = u ? B (MUL, g, u) : NULL;
      break;
    case PS_UNARY_RECIPROCAL:
      /* -g * y^2 */
      t = B (MUL, y, y);
      u = t ? B (MUL, g, t) : NULL;
      gi[0] = u ? ps_array_unary (PS_UNARY_NEG, u, error) : NULL;
      break;
    case PS_UNARY_GELU:
    case PS_UNARY_GELU_TANH:
      {
        g_autofree double *xv = ps_array_to_doubles (x, error);
        g_autoptr (PsArray) d = xv ? ps_array_new_empty (PS_DTYPE_F64, x->ndim, x->shape, error)
                                   : NULL;
        double *dv;
        if (d == NULL)
          return FALSE;
        dv = ps_array_data (d, NULL);
        for (int64_t i = 0; i < x->numel; i++)
          {
            double v = xv[i];
            if (op == PS_UNARY_GELU)
              dv[i] = 0.5 * (1.0 + erf (v * M_SQRT1_2)) + v * exp (-0.5 * v * v) / sqrt (2 * G_PI);
            else
              {
                const double k = 0.7978845608028654, c = 0.044715;
                double inner = k * (v + c * v * v * v), th = tanh (inner);
                dv[i] = 0.5 * (1 + th) + 0.5 * v * (1 - th * th) * k * (1 + 3 * c * v * v);
              }
          }
        t = ps_array_to_dtype (d, g->dtype, error);
        gi[0] = t ? B (MUL, g, t) : NULL;
      }
      break;
    default:
      g_assert_not_reached ();
    }
  return gi[0] != NULL;
}

static PsArray *
unary_compute (PsUnaryOp op, PsArray *a, GError **error)
{
  PsDtype dt = a->dtype;
  PsArray *out;

  if (op == PS_UNARY_LOGICAL_NOT)
    {
      if (a->dtype != PS_DTYPE_BOOL && a->dtype != PS_DTYPE_I64)
        {
          ps_array_set_error (error, RUNTIME, "\"bitwise_not_cpu\" not implemented for '%s'",
                              ps_array_scalar_type_name (a->dtype));
          return NULL;
        }
      if (a->dtype == PS_DTYPE_I64)
        {
          out = ps_array_copy_as (a, PS_DTYPE_I64, error);
          if (out)
            for (int64_t i = 0; i < out->numel; i++)
              ((int64_t *) ps_array_data (out, NULL))[i] ^= -1;
          return out;
        }
      out = ps_array_copy_as (a, PS_DTYPE_BOOL, error);
      if (out)
        for (int64_t i = 0; i < out->numel; i++)
          ((guint8 *) ps_array_data (out, NULL))[i] ^= 1;
      return out;
    }
  if (dt == PS_DTYPE_BOOL && (op == PS_UNARY_NEG || op == PS_UNARY_RELU || op == PS_UNARY_GELU
                              || op == PS_UNARY_GELU_TANH))
    {
      ps_array_set_error (error, RUNTIME, op == PS_UNARY_NEG
                          ? "Negation, the `-` operator, on a bool tensor is not supported. If "
                            "you are trying to invert a mask, use the `~` or `logical_not()` "
                            "operator instead."
                          : "\"clamp_min_cpu\" not implemented for 'Bool'");
      return NULL;
    }
  if (!ps_array_dtype_is_float (dt) && !(op == PS_UNARY_NEG || op == PS_UNARY_ABS || op == PS_UNARY_RELU))
    dt = PS_DTYPE_F32;          /* integer -> float ops give the default float */
  if (dt == PS_DTYPE_BOOL)
    dt = PS_DTYPE_I64;
  out = ps_array_copy_as (a, dt, error);
  if (out == NULL)
    return NULL;
  {
    void *p = ps_array_data (out, NULL);
    if (dt == PS_DTYPE_F32)
      unary_f32 (op, p, p, out->numel);
    else if (dt == PS_DTYPE_F64)
      unary_f64 (op, p, p, out->numel);
    else
      unary_i64 (op, p, p, out->numel);
  }
  if (a->dtype == PS_DTYPE_BOOL && op == PS_UNARY_ABS)
    {
      PsArray *b = ps_array_copy_as (out, PS_DTYPE_BOOL, error);
      ps_array_unref (out);
      out = b;
    }
  return out;
}

static void
save_for_unary (PsNode *node, PsUnaryOp op, PsArray *x, PsArray *y)
{
  node->n[0] = op;
  switch (op)
    {
    case PS_UNARY_EXP:
    case PS_UNARY_SQRT:
    case PS_UNARY_RELU:
    case PS_UNARY_SIGMOID:
    case PS_UNARY_TANH:
    case PS_UNARY_RECIPROCAL:
      ps_node_save (node, 1, y);
      break;
    case PS_UNARY_NEG:
      break;
    default:
      ps_node_save (node, 0, x);
    }
}

PsArray *
ps_array_unary (PsUnaryOp op, PsArray *a, GError **error)
{
  PsArray *out = unary_compute (op, a, error);

  if (out && unary_name (op) && ps_array_dtype_is_float (out->dtype) && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, unary_name (op), unary_backward, &a, 1);
      save_for_unary (node, op, a, out);
    }
  return out;
}

gboolean
ps_array_unary_ (PsUnaryOp op, PsArray *a, GError **error)
{
  g_autoptr (PsArray) r = NULL, old = NULL;
  PsNode *node = NULL;

  if (!ps_array_inplace_prepare (a, error))
    return FALSE;
  if (unary_name (op) && ps_autograd_needs_node (&a, 1)
      && (old = ps_array_copy_as (a, a->dtype, error)) == NULL)
    return FALSE;
  ps_autograd_no_grad_push ();
  r = unary_compute (op, a, error);
  ps_autograd_no_grad_pop ();
  if (r == NULL)
    return FALSE;
  if (!ps_array_inplace_finish (a, r, unary_name (op), unary_backward, &a, 1, &node, error))
    return FALSE;
  if (node)
    save_for_unary (node, op, old, a);
  return TRUE;
}

/* leaky_relu */
static gboolean
leaky_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error);
  g_autoptr (PsArray) zero = ps_array_wrapped_double (0), pos = NULL, s = NULL, t = NULL, u = NULL;
  g_autoptr (PsArray) slope = ps_array_wrapped_double (node->d[0]), one = ps_array_wrapped_double (1);

  if (x == NULL)
    return FALSE;
  /* g * (x > 0 ? 1 : slope) = g * (slope + (1 - slope) * (x > 0)) */
  pos = B (GT, x, zero);
  s = ps_array_new_wrapped (ps_scalar_float (1.0 - node->d[0]));
  t = pos ? B (MUL, pos, s) : NULL;
  u = t ? B (ADD, t, slope) : NULL;
  gi[0] = u ? B (MUL, g, u) : NULL;
  (void) one;
  return gi[0] != NULL;
}

PsArray *
ps_array_leaky_relu (PsArray *a, double negative_slope, GError **error)
{
  PsArray *out;
  void *p;

  if (!ps_array_dtype_is_float (a->dtype))
    {
      ps_array_set_error (error, RUNTIME, "\"leaky_relu_cpu\" not implemented for '%s'",
                          ps_array_scalar_type_name (a->dtype));
      return NULL;
    }
  out = ps_array_copy_as (a, a->dtype, error);
  if (out == NULL)
    return NULL;
  p = ps_array_data (out, NULL);
  if (out->dtype == PS_DTYPE_F32)
    {
      float s = (float) negative_slope, *y = p;
      for (int64_t i = 0; i < out->numel; i++)
        y[i] = y[i] > 0.f ? y[i] : y[i] * s;
    }
  else
    {
      double *y = p;
      for (int64_t i = 0; i < out->numel; i++)
        y[i] = y[i] > 0.0 ? y[i] : y[i] * negative_slope;
    }
  if (ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, "LeakyReluBackward0", leaky_backward, &a, 1);
      node->d[0] = negative_slope;
      ps_node_save (node, 0, a);
    }
  return out;
}

