/* ps-linear.c — the tape's Linear products and the masks of its activations
 * (ps-tape.h declares the public part, ps-tape-private.h the rest) */
#include "ps-tape.h"
#include "ps-tape-private.h"
#include "ps-kernels.h"

#include <string.h>

/* ---- kernels ----------------------------------------------------------- */

#define PS_BLAS_MIN_WORK 32768   /* B * in * out below this: plain loops win */
/* and from this on, the weight and data gradients' products are worth a
 * core each (LeNet's Linear(400, 120) and (120, 84) at batch 256) */
#define PS_BLAS_PAIR_WORK (1 << 20)

static void
gemm (const PsGemm *g)
{
  ps_sgemm (g->trans_a, g->trans_b, g->M, g->N, g->K, g->alpha, g->A, g->lda, g->B, g->ldb,
            g->beta, g->C, g->ldc);
}

gboolean
ps_linear_uses_blas (int64_t B, int64_t in, int64_t out)
{
  return B * in * out >= PS_BLAS_MIN_WORK;
}

void
ps_linear_forward (const float *x, const float *w, const float *b, float *y,
                   int64_t B, int64_t in, int64_t out)
{
  if (ps_linear_uses_blas (B, in, out))
    {
      if (b)
        for (int64_t i = 0; i < B; i++)
          memcpy (y + i * out, b, (size_t) out * sizeof (float));
      ps_sgemm (FALSE, TRUE, (int) B, (int) out, (int) in,
                1.f, x, (int) in, w, (int) in, b ? 1.f : 0.f, y, (int) out);
      return;
    }
  ps_sgemm_note (FALSE, TRUE, (int) B, (int) out, (int) in, b ? 1.f : 0.f);
  for (int64_t i = 0; i < B; i++)
    {
      const float *xi = x + i * in;
      for (int64_t o = 0; o < out; o++)
        {
          const float *wo = w + o * in;
          float acc = 0.f;
          for (int64_t k = 0; k < in; k++)
            acc += xi[k] * wo[k];
          y[i * out + o] = b ? acc + b[o] : acc;
        }
    }
}

/* sum[o] = dy[0][o] + dy[1][o] + ... added in row order from 0 (the order
 * fixes the rounding); two rows per sweep halve the loads and stores of sum. */
static void
column_sums (const float *dy, float *restrict sum, int64_t B, int64_t out)
{
  int64_t i = 0;

  memset (sum, 0, (size_t) out * sizeof (float));
  for (; i + 2 <= B; i += 2)
    {
      const float *r0 = dy + i * out, *r1 = r0 + out;
      for (int64_t o = 0; o < out; o++)
        {
          float a = sum[o];
          a += r0[o];
          a += r1[o];
          sum[o] = a;
        }
    }
  for (; i < B; i++)
    for (int64_t o = 0; o < out; o++)
      sum[o] += dy[i * out + o];
}

/* As ps_linear_backward; db_summed: scratch already holds the batch sum of
 * dy (computed by the ReLU backward that produced dy, in the same order). */
void
ps_linear_backward_summed (const float *x, const float *w, const float *dy,
                 float *dx, float *dw, gboolean dw_overwrite,
                 float *db, gboolean db_overwrite, float *scratch, gboolean db_summed,
                 int64_t B, int64_t in, int64_t out)
{
  /* Each gradient is summed over the batch first and then added to what the
   * parameter holds, as PyTorch's accumulation (grad += new) does: a second
   * identical backward doubles the gradient exactly. */
  if (db)
    {
      if (!db_summed)
        column_sums (dy, scratch, B, out);
      if (db_overwrite)
        memcpy (db, scratch, (size_t) out * sizeof (float));
      else
        for (int64_t o = 0; o < out; o++)
          db[o] += scratch[o];
    }

  if (ps_linear_uses_blas (B, in, out))
    {
      /* dw (out, in) (+)= dy^T (out, B) x (B, in); dx (B, in) = dy (B, out) w (out, in) */
      PsGemm gw = { TRUE, FALSE, (int) out, (int) in, (int) B, 1.f, dy, (int) out, x, (int) in,
                    dw_overwrite ? 0.f : 1.f, dw, (int) in };
      PsGemm gx = { FALSE, FALSE, (int) B, (int) in, (int) out, 1.f, dy, (int) out, w, (int) in,
                    0.f, dx, (int) in };
      if (dw && dx && B * in * out >= PS_BLAS_PAIR_WORK)
        {
          ps_sgemm_two (&gw, &gx);   /* one on each core */
          return;
        }
      if (dw)
        gemm (&gw);
      if (dx)
        gemm (&gx);
      return;
    }
  if (dw)
    ps_sgemm_note (TRUE, FALSE, (int) out, (int) in, (int) B, dw_overwrite ? 0.f : 1.f);
  if (dx)
    ps_sgemm_note (FALSE, FALSE, (int) B, (int) in, (int) out, 0.f);
  if (dw)
    for (int64_t o = 0; o < out; o++)
      for (int64_t k = 0; k < in; k++)
        {
          float acc = 0.f;
          for (int64_t i = 0; i < B; i++)
            acc += dy[i * out + o] * x[i * in + k];
          dw[o * in + k] = dw_overwrite ? acc : dw[o * in + k] + acc;
        }
  if (dx)
    for (int64_t i = 0; i < B; i++)
      {
        float *dxi = dx + i * in;
        memset (dxi, 0, (size_t) in * sizeof (float));
        for (int64_t o = 0; o < out; o++)
          {
            float g = dy[i * out + o];
            const float *wo = w + o * in;
            for (int64_t k = 0; k < in; k++)
              dxi[k] += g * wo[k];
          }
      }
}

void
ps_linear_backward (const float *x, const float *w, const float *dy,
                    float *dx, float *dw, gboolean dw_overwrite,
                    float *db, gboolean db_overwrite, float *scratch,
                    int64_t B, int64_t in, int64_t out)
{
  ps_linear_backward_summed (x, w, dy, dx, dw, dw_overwrite, db, db_overwrite, scratch, FALSE,
                   B, in, out);
}

/* The masks of ReLU and LeakyReLU backward, written so that they compile to
 * selects, not branches: a conditional read or product becomes a branch that
 * mispredicts on every other element of a random sign pattern.  The in-place
 * case (dx == g, the usual one) has its own loop: the compiler only
 * vectorizes when it can tell the arrays apart. */
void
ps_relu_backward (const float *y, const float *g, float *dx, int64_t n)
{
  if (dx == g)
    for (int64_t i = 0; i < n; i++)
      {
        float v = dx[i];
        dx[i] = y[i] > 0.f ? v : 0.f;
      }
  else
    for (int64_t i = 0; i < n; i++)
      {
        float v = g[i];
        dx[i] = y[i] > 0.f ? v : 0.f;
      }
}

void
ps_leaky_relu_backward (const float *x, const float *g, float *dx, int64_t n, float s)
{
  if (dx == g)
    for (int64_t i = 0; i < n; i++)
      {
        float k = x[i] > 0.f ? 1.f : s;           /* v * 1 is v, bit for bit */
        dx[i] = dx[i] * k;
      }
  else
    for (int64_t i = 0; i < n; i++)
      {
        float k = x[i] > 0.f ? 1.f : s;
        dx[i] = g[i] * k;
      }
}

/* ReLU backward in place on d (B rows of `out`), and the column sums of the
 * result into sum, as column_sums adds them: the bias gradient of the Linear
 * below comes out of the same pass over the gradient. */
void
ps_relu_backward_column_sums (const float *restrict y, float *restrict d, float *restrict sum,
                           int64_t B, int64_t out)
{
  int64_t i = 0;

  memset (sum, 0, (size_t) out * sizeof (float));
  for (; i + 2 <= B; i += 2)
    {
      const float *y0 = y + i * out, *y1 = y0 + out;
      float *d0 = d + i * out, *d1 = d0 + out;
      for (int64_t o = 0; o < out; o++)
        {
          float v0 = d0[o], v1 = d1[o], a = sum[o];
          v0 = y0[o] > 0.f ? v0 : 0.f;
          v1 = y1[o] > 0.f ? v1 : 0.f;
          d0[o] = v0;
          d1[o] = v1;
          a += v0;
          a += v1;
          sum[o] = a;
        }
    }
  for (; i < B; i++)
    for (int64_t o = 0; o < out; o++)
      {
        float v = d[i * out + o];
        v = y[i * out + o] > 0.f ? v : 0.f;
        d[i * out + o] = v;
        sum[o] += v;
      }
}

