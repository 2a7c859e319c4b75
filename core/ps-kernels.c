/* ps-kernels.c — softmax, activations, PReLU and the index-target losses
 * (see ps-kernels.h).  Each activation's formula and its derivative follow
 * PyTorch's CPU kernels, branch points included (Hardswish at +-3, Softplus's
 * threshold, ReLU6's ends), so gradients at the kinks agree too.
 */
#include "ps-kernels.h"

#include <math.h>
#include <string.h>

/* ---- softmax ------------------------------------------------------------- */

static void
softmax_impl (int64_t outer, int64_t C, int64_t inner, const float *x, float *y, gboolean take_log)
{
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        const float *p = x + o * C * inner + in;
        float *q = y + o * C * inner + in;
        float m = -INFINITY;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          m = MAX (m, p[c * inner]);
        for (int64_t c = 0; c < C; c++)
          s += expf (p[c * inner] - m);
        if (take_log)
          {
            float ls = (float) log (s);
            for (int64_t c = 0; c < C; c++)
              q[c * inner] = p[c * inner] - m - ls;
          }
        else
          {
            float inv = (float) (1.0 / s);
            for (int64_t c = 0; c < C; c++)
              q[c * inner] = expf (p[c * inner] - m) * inv;
          }
      }
}

void
ps_softmax_forward (int64_t outer, int64_t C, int64_t inner, const float *x, float *y)
{
  softmax_impl (outer, C, inner, x, y, FALSE);
}

void
ps_log_softmax_forward (int64_t outer, int64_t C, int64_t inner, const float *x, float *y)
{
  softmax_impl (outer, C, inner, x, y, TRUE);
}

void
ps_softmax_backward (int64_t outer, int64_t C, int64_t inner, const float *y,
                     const float *dy, float *dx)
{
  /* dx = y (dy - sum(dy y)) */
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        int64_t base = o * C * inner + in;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          s += dy[base + c * inner] * y[base + c * inner];
        for (int64_t c = 0; c < C; c++)
          dx[base + c * inner] = y[base + c * inner] * (float) (dy[base + c * inner] - s);
      }
}

void
ps_log_softmax_backward (int64_t outer, int64_t C, int64_t inner, const float *y,
                         const float *dy, float *dx)
{
  /* dx = dy - exp(y) sum(dy) */
  for (int64_t o = 0; o < outer; o++)
    for (int64_t in = 0; in < inner; in++)
      {
        int64_t base = o * C * inner + in;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          s += dy[base + c * inner];
        for (int64_t c = 0; c < C; c++)
          dx[base + c * inner] = dy[base + c * inner] - expf (y[base + c * inner]) * (float) s;
      }
}

/* ---- activations ---------------------------------------------------------- */

#define SELU_ALPHA 1.6732632423543772848170429916717
#define SELU_SCALE 1.0507009873554804934193349852946

static inline float
sigmoidf (float x)
{
  return 1.f / (1.f + expf (-x));
}

static inline float
softplusf (float x, float beta, float threshold)
{
  return x * beta > threshold ? x : log1pf (expf (x * beta)) / beta;
}

void
ps_act_forward (const PsAct *a, int64_t n, const float *x, float *y)
{
  float alpha = (float) a->alpha, thr = (float) a->threshold;

  switch (a->kind)
    {
    case PS_ACT_SILU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] / (1.f + expf (-x[i]));
      break;
    case PS_ACT_ELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : alpha * expm1f (x[i]);
      break;
    case PS_ACT_SELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = (float) SELU_SCALE * (x[i] > 0 ? x[i] : (float) SELU_ALPHA * expm1f (x[i]));
      break;
    case PS_ACT_SOFTPLUS:
      for (int64_t i = 0; i < n; i++)
        y[i] = softplusf (x[i], alpha, thr);
      break;
    case PS_ACT_MISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * tanhf (log1pf (expf (x[i])));
      break;
    case PS_ACT_HARDSWISH:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * MIN (MAX (x[i] + 3.f, 0.f), 6.f) / 6.f;
      break;
    case PS_ACT_HARDSIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = MIN (MAX (x[i] + 3.f, 0.f), 6.f) / 6.f;
      break;
    case PS_ACT_RELU6:
      for (int64_t i = 0; i < n; i++)
        y[i] = isnan (x[i]) ? x[i] : MIN (MAX (x[i], 0.f), 6.f);
      break;
    case PS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : (isnan (x[i]) ? x[i] : 0.f);
      break;
    case PS_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        y[i] = sigmoidf (x[i]);
      break;
    case PS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        y[i] = tanhf (x[i]);
      break;
    case PS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0 ? x[i] : x[i] * alpha;
      break;
    }
}

void
ps_act_backward (const PsAct *a, int64_t n, const float *x, const float *y,
                 const float *dy, float *dx)
{
  float alpha = (float) a->alpha, thr = (float) a->threshold;

  switch (a->kind)
    {
    case PS_ACT_SILU:
      for (int64_t i = 0; i < n; i++)
        {
          float s = sigmoidf (x[i]);
          dx[i] = dy[i] * s * (1.f + x[i] * (1.f - s));
        }
      break;
    case PS_ACT_ELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha * expf (x[i]);
      break;
    case PS_ACT_SELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] * (float) SELU_SCALE
                         : dy[i] * (float) (SELU_SCALE * SELU_ALPHA) * expf (x[i]);
      break;
    case PS_ACT_SOFTPLUS:
      for (int64_t i = 0; i < n; i++)
        {
          float z = expf (x[i] * alpha);
          dx[i] = x[i] * alpha > thr ? dy[i] : dy[i] * z / (z + 1.f);
        }
      break;
    case PS_ACT_MISH:
      for (int64_t i = 0; i < n; i++)
        {
          float t = tanhf (log1pf (expf (x[i])));
          dx[i] = dy[i] * (t + x[i] * sigmoidf (x[i]) * (1.f - t * t));
        }
      break;
    case PS_ACT_HARDSWISH:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] < -3.f ? 0.f : x[i] <= 3.f ? dy[i] * (x[i] / 3.f + 0.5f) : dy[i];
      break;
    case PS_ACT_HARDSIGMOID:
      for (int64_t i = 0; i < n; i++)
        dx[i] = (x[i] > -3.f && x[i] < 3.f) ? dy[i] / 6.f : 0.f;
      break;
    case PS_ACT_RELU6:
      for (int64_t i = 0; i < n; i++)
        dx[i] = (x[i] <= 0.f || x[i] >= 6.f) ? 0.f : dy[i];
      break;
    case PS_ACT_RELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = y[i] > 0 ? dy[i] : 0.f;
      break;
    case PS_ACT_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.f - y[i]) * y[i];
      break;
    case PS_ACT_TANH:
      for (int64_t i = 0; i < n; i++)
        dx[i] = dy[i] * (1.f - y[i] * y[i]);
      break;
    case PS_ACT_LEAKY_RELU:
      for (int64_t i = 0; i < n; i++)
        dx[i] = x[i] > 0 ? dy[i] : dy[i] * alpha;
      break;
    }
}

void
ps_prelu_forward (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                  const float *w, float *y)
{
  for (int64_t b = 0; b < N; b++)
    for (int64_t c = 0; c < C; c++)
      {
        float a = w[nw == 1 ? 0 : c];
        const float *p = x + (b * C + c) * L;
        float *q = y + (b * C + c) * L;
        for (int64_t k = 0; k < L; k++)
          q[k] = p[k] > 0 ? p[k] : a * p[k];
      }
}

void
ps_prelu_backward (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                   const float *w, const float *dy, float *dx, float *dw)
{
  for (int64_t c = 0; c < C; c++)
    {
      float a = w[nw == 1 ? 0 : c];
      double s = 0;
      for (int64_t b = 0; b < N; b++)
        {
          const float *p = x + (b * C + c) * L, *g = dy + (b * C + c) * L;
          for (int64_t k = 0; k < L; k++)
            {
              if (dx)
                dx[(b * C + c) * L + k] = p[k] > 0 ? g[k] : a * g[k];
              if (p[k] <= 0)
                s += p[k] * g[k];
            }
        }
      if (dw)
        dw[nw == 1 ? 0 : c] += (float) s;
    }
}

/* ---- losses -------------------------------------------------------------- */

static double
index_loss (int64_t N, int64_t C, int64_t L, const float *x, const int64_t *target,
            int64_t ignore_index, float *dx, gboolean logits)
{
  double total = 0;
  int64_t count = 0;

  for (int64_t b = 0; b < N; b++)
    for (int64_t l = 0; l < L; l++)
      if (target[b * L + l] != ignore_index)
        count++;
  if (dx)
    memset (dx, 0, (size_t) (N * C * L) * sizeof (float));
  for (int64_t b = 0; b < N; b++)
    for (int64_t l = 0; l < L; l++)
      {
        int64_t t = target[b * L + l];
        const float *p = x + b * C * L + l;
        if (t == ignore_index)
          continue;
        g_assert (t >= 0 && t < C);   /* the caller checks the targets */
        if (!logits)
          {
            total -= p[t * L];
            if (dx)
              dx[b * C * L + l + t * L] = -1.f / (float) count;
            continue;
          }
        float m = -INFINITY;
        double s = 0;
        for (int64_t c = 0; c < C; c++)
          m = MAX (m, p[c * L]);
        for (int64_t c = 0; c < C; c++)
          s += exp ((double) p[c * L] - m);
        total += m + log (s) - p[t * L];
        if (dx)
          {
            for (int64_t c = 0; c < C; c++)
              dx[b * C * L + l + c * L] =
                (float) (exp ((double) p[c * L] - m) / s / (double) count);
            dx[b * C * L + l + t * L] -= 1.f / (float) count;
          }
      }
  return count > 0 ? total / (double) count : NAN;
}

double
ps_cross_entropy_index (int64_t N, int64_t C, int64_t L, const float *x,
                        const int64_t *target, int64_t ignore_index, float *dx)
{
  return index_loss (N, C, L, x, target, ignore_index, dx, TRUE);
}

double
ps_nll_loss (int64_t N, int64_t C, int64_t L, const float *x,
             const int64_t *target, int64_t ignore_index, float *dx)
{
  return index_loss (N, C, L, x, target, ignore_index, dx, FALSE);
}

double
ps_bce_with_logits (int64_t n, const float *x, const float *t, float *dx)
{
  double total = 0;

  for (int64_t i = 0; i < n; i++)
    {
      double v = x[i], mv = MAX (-v, 0.0);
      total += (1 - t[i]) * v + mv + log (exp (-mv) + exp (-v - mv));
      if (dx)
        dx[i] = (float) ((1.0 / (1.0 + exp (-v)) - t[i]) / (double) n);
    }
  return n > 0 ? total / (double) n : NAN;
}
