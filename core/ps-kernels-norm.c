/* ps-kernels-norm.c — batch, layer and group normalization, dropout, embedding
 * (see ps-kernels.h).  Statistics are summed in double, as PyTorch's CPU
 * kernels accumulate float inputs.
 */
#include "ps-kernels.h"
#include "ps-helper.h"

#include <math.h>
#include <string.h>

/* ---- batch norm ---------------------------------------------------------- *
 *
 * Each channel's statistics, output and gradients are its own: large passes
 * run in two halves of the channels, the second on the helper thread, each
 * channel's sums the same whichever thread computes them. */

#define PS_NORM_SPLIT_ELEMENTS (1 << 16)   /* elements worth a second thread */

typedef struct
{
  int64_t N, C, L;
  const float *x, *weight, *bias;
  float *running_mean, *running_var;
  gboolean training;
  double momentum, eps;
  float *y, *mean, *invstd;              /* forward's outputs; backward reads mean, invstd */
  const float *dy;
  float *dx, *dweight, *dbias;
} BatchNormPass;

static void batch_norm_forward_part (int64_t c0, int64_t c1, gpointer data);
static void batch_norm_backward_part (int64_t c0, int64_t c1, gpointer data);

void
ps_batch_norm_forward (int64_t N, int64_t C, int64_t L, const float *x,
                       const float *weight, const float *bias,
                       float *running_mean, float *running_var,
                       gboolean training, double momentum, double eps,
                       float *y, float *mean, float *invstd)
{
  BatchNormPass a = { N, C, L, x, weight, bias, running_mean, running_var, training, momentum,
                      eps, y, mean, invstd, NULL, NULL, NULL, NULL };

  ps_helper_split (C, PS_NORM_SPLIT_ELEMENTS / MAX (N * L, 1), batch_norm_forward_part, &a);
}

void
ps_batch_norm_backward (int64_t N, int64_t C, int64_t L, const float *x,
                        const float *weight, const float *mean, const float *invstd,
                        gboolean training, const float *dy,
                        float *dx, float *dweight, float *dbias)
{
  BatchNormPass a = { N, C, L, x, weight, NULL, NULL, NULL, training, 0, 0, NULL,
                      (float *) mean, (float *) invstd, dy, dx, dweight, dbias };

  ps_helper_split (C, PS_NORM_SPLIT_ELEMENTS / MAX (N * L, 1), batch_norm_backward_part, &a);
}

/* channels c0 .. c1 - 1 */
static void
batch_norm_forward_part (int64_t c0, int64_t c1, gpointer data)
{
  const BatchNormPass *a = data;
  int64_t N = a->N, C = a->C, L = a->L, n = N * L;
  const float *x = a->x, *weight = a->weight, *bias = a->bias;
  float *running_mean = a->running_mean, *running_var = a->running_var;
  float *y = a->y, *mean = a->mean, *invstd = a->invstd;
  gboolean training = a->training;
  double momentum = a->momentum, eps = a->eps;

  for (int64_t c = c0; c < c1; c++)
    {
      double m, is;
      if (training)
        {
          double s = 0, ss = 0, var;
          for (int64_t b = 0; b < N; b++)
            {
              const float *p = x + (b * C + c) * L;
              for (int64_t k = 0; k < L; k++)
                s += p[k];
            }
          m = n > 0 ? s / (double) n : 0;
          for (int64_t b = 0; b < N; b++)
            {
              const float *p = x + (b * C + c) * L;
              for (int64_t k = 0; k < L; k++)
                ss += (p[k] - m) * (p[k] - m);
            }
          var = n > 0 ? ss / (double) n : 0;
          is = 1.0 / sqrt (var + eps);
          if (running_mean)
            running_mean[c] = (float) (momentum * m + (1 - momentum) * running_mean[c]);
          if (running_var)
            running_var[c] = (float) (momentum * (n > 1 ? ss / (double) (n - 1) : var)
                                      + (1 - momentum) * running_var[c]);
        }
      else
        {
          m = running_mean ? running_mean[c] : 0;
          is = 1.0 / sqrt ((running_var ? running_var[c] : 1.0) + eps);
        }
      mean[c] = (float) m;
      invstd[c] = (float) is;
      /* y = x * alpha + beta, as PyTorch's CPU batch_norm_cpu_transform_input */
      float alpha = (float) (is * (weight ? weight[c] : 1.0f));
      float beta = (float) ((bias ? bias[c] : 0.0f) - m * alpha);
      for (int64_t b = 0; b < N; b++)
        {
          const float *p = x + (b * C + c) * L;
          float *q = y + (b * C + c) * L;
          for (int64_t k = 0; k < L; k++)
            q[k] = p[k] * alpha + beta;
        }
    }
}

static void
batch_norm_backward_part (int64_t c0, int64_t c1, gpointer data)
{
  const BatchNormPass *a = data;
  int64_t N = a->N, C = a->C, L = a->L, n = N * L;
  const float *x = a->x, *weight = a->weight, *mean = a->mean, *invstd = a->invstd, *dy = a->dy;
  float *dx = a->dx, *dweight = a->dweight, *dbias = a->dbias;
  gboolean training = a->training;

  for (int64_t c = c0; c < c1; c++)
    {
      double sdy = 0, sdyx = 0, m = mean[c], is = invstd[c];
      double w = weight ? weight[c] : 1.0;
      for (int64_t b = 0; b < N; b++)
        {
          const float *p = x + (b * C + c) * L, *g = dy + (b * C + c) * L;
          for (int64_t k = 0; k < L; k++)
            {
              sdy += g[k];
              sdyx += g[k] * (p[k] - m);
            }
        }
      if (dweight)
        dweight[c] += (float) (sdyx * is);
      if (dbias)
        dbias[c] += (float) sdy;
      if (!dx)
        continue;
      if (training)
        {
          /* dx = (dy - mean(dy) - xhat * mean(dy xhat)) * invstd * w */
          double k1 = sdy / (double) n, k2 = sdyx * is * is / (double) n;
          for (int64_t b = 0; b < N; b++)
            {
              const float *p = x + (b * C + c) * L, *g = dy + (b * C + c) * L;
              float *q = dx + (b * C + c) * L;
              for (int64_t k = 0; k < L; k++)
                q[k] = (float) ((g[k] - k1 - (p[k] - m) * k2) * is * w);
            }
        }
      else
        {
          float s = (float) (is * w);
          for (int64_t b = 0; b < N; b++)
            {
              const float *g = dy + (b * C + c) * L;
              float *q = dx + (b * C + c) * L;
              for (int64_t k = 0; k < L; k++)
                q[k] = g[k] * s;
            }
        }
    }
}

/* ---- layer norm and group norm --------------------------------------------- */

/* mean and 1 / sqrt(biased var + eps) of n floats */
static void
moments (const float *x, int64_t n, double eps, float *mean, float *rstd)
{
  double s = 0, ss = 0, m;

  for (int64_t i = 0; i < n; i++)
    s += x[i];
  m = s / (double) n;
  for (int64_t i = 0; i < n; i++)
    ss += (x[i] - m) * (x[i] - m);
  *mean = (float) m;
  *rstd = (float) (1.0 / sqrt (ss / (double) n + eps));
}

void
ps_layer_norm_forward (int64_t M, int64_t D, const float *x, const float *weight,
                       const float *bias, double eps, float *y, float *mean, float *rstd)
{
  for (int64_t r = 0; r < M; r++)
    {
      const float *p = x + r * D;
      float *q = y + r * D;
      moments (p, D, eps, &mean[r], &rstd[r]);
      float m = mean[r], s = rstd[r];
      for (int64_t k = 0; k < D; k++)
        {
          float v = (p[k] - m) * s;
          q[k] = weight ? v * weight[k] + (bias ? bias[k] : 0.f) : v + (bias ? bias[k] : 0.f);
        }
    }
}

/* dx of one normalized block of n elements whose scale is w(k) */
static void
norm_block_backward (const float *x, const float *dy, int64_t n, int64_t L, const float *weight,
                     int64_t c0, float mean, float rstd, float *dx)
{
  /* g = dy w; dx = rstd (g - mean(g) - xhat mean(g xhat)), k / L is the channel */
  double sg = 0, sgx = 0;

  for (int64_t k = 0; k < n; k++)
    {
      double g = dy[k] * (weight ? weight[c0 + k / L] : 1.0f);
      sg += g;
      sgx += g * (x[k] - mean) * rstd;
    }
  sg /= (double) n;
  sgx /= (double) n;
  for (int64_t k = 0; k < n; k++)
    {
      double g = dy[k] * (weight ? weight[c0 + k / L] : 1.0f);
      double xh = (x[k] - mean) * rstd;
      dx[k] = (float) (rstd * (g - sg - xh * sgx));
    }
}

void
ps_layer_norm_backward (int64_t M, int64_t D, const float *x, const float *weight,
                        const float *mean, const float *rstd, const float *dy,
                        float *dx, float *dweight, float *dbias)
{
  for (int64_t r = 0; r < M; r++)
    {
      const float *p = x + r * D, *g = dy + r * D;
      if (dx)
        norm_block_backward (p, g, D, 1, weight, 0, mean[r], rstd[r], dx + r * D);
      for (int64_t k = 0; k < D; k++)
        {
          if (dweight)
            dweight[k] += g[k] * (p[k] - mean[r]) * rstd[r];
          if (dbias)
            dbias[k] += g[k];
        }
    }
}

void
ps_group_norm_forward (int64_t N, int64_t C, int64_t L, int64_t G, const float *x,
                       const float *weight, const float *bias, double eps,
                       float *y, float *mean, float *rstd)
{
  int64_t Cg = C / G, n = Cg * L;

  for (int64_t b = 0; b < N; b++)
    for (int64_t gi = 0; gi < G; gi++)
      {
        int64_t i = b * G + gi;
        const float *p = x + (b * C + gi * Cg) * L;
        float *q = y + (b * C + gi * Cg) * L;
        moments (p, n, eps, &mean[i], &rstd[i]);
        for (int64_t c = 0; c < Cg; c++)
          {
            float w = weight ? weight[gi * Cg + c] : 1.f, bb = bias ? bias[gi * Cg + c] : 0.f;
            for (int64_t k = 0; k < L; k++)
              q[c * L + k] = (p[c * L + k] - mean[i]) * rstd[i] * w + bb;
          }
      }
}

void
ps_group_norm_backward (int64_t N, int64_t C, int64_t L, int64_t G, const float *x,
                        const float *weight, const float *mean, const float *rstd,
                        const float *dy, float *dx, float *dweight, float *dbias)
{
  int64_t Cg = C / G, n = Cg * L;

  for (int64_t b = 0; b < N; b++)
    for (int64_t gi = 0; gi < G; gi++)
      {
        int64_t i = b * G + gi, off = (b * C + gi * Cg) * L;
        if (dx)
          norm_block_backward (x + off, dy + off, n, L, weight, gi * Cg, mean[i], rstd[i],
                               dx + off);
        for (int64_t c = 0; c < Cg; c++)
          {
            double sw = 0, sb = 0;
            for (int64_t k = 0; k < L; k++)
              {
                float g = dy[off + c * L + k];
                sw += g * (x[off + c * L + k] - mean[i]) * rstd[i];
                sb += g;
              }
            if (dweight)
              dweight[gi * Cg + c] += (float) sw;
            if (dbias)
              dbias[gi * Cg + c] += (float) sb;
          }
      }
}

/* ---- dropout and embedding ------------------------------------------------ */

void
ps_dropout_forward (int64_t n, double p, PsRng *rng, const float *x, float *mask, float *y)
{
  if (p <= 0)
    {
      for (int64_t i = 0; i < n; i++)
        mask[i] = 1.f;
      memcpy (y, x, (size_t) n * sizeof (float));
      return;
    }
  if (p >= 1)
    {
      memset (mask, 0, (size_t) n * sizeof (float));
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] * 0.f;
      return;
    }
  ps_bernoulli_mask (n, 1 - p, rng, mask);
  for (int64_t i = 0; i < n; i++)
    y[i] = x[i] * mask[i];
}

void
ps_bernoulli_mask (int64_t n, double keep, PsRng *rng, float *mask)
{
  /* noise.bernoulli_(keep): u < keep with u from 53 random bits; noise.div_(keep) */
  float scale = keep > 0 ? 1.f / (float) keep : 1.f;
  for (int64_t i = 0; i < n; i++)
    mask[i] = ps_rng_double (rng) < keep ? scale : 0.f;
}

void
ps_dropout_backward (int64_t n, const float *mask, const float *dy, float *dx)
{
  for (int64_t i = 0; i < n; i++)
    dx[i] = dy[i] * mask[i];
}

void
ps_embedding_forward (int64_t n, int64_t D, const int64_t *idx, const float *w, float *y)
{
  for (int64_t i = 0; i < n; i++)
    memcpy (y + i * D, w + idx[i] * D, (size_t) D * sizeof (float));
}

void
ps_embedding_backward (int64_t n, int64_t D, const int64_t *idx, int64_t padding_idx,
                       const float *dy, float *dw)
{
  for (int64_t i = 0; i < n; i++)
    {
      if (idx[i] == padding_idx)
        continue;
      float *row = dw + idx[i] * D;
      for (int64_t k = 0; k < D; k++)
        row[k] += dy[i * D + k];
    }
}
