/* ps-kernels-rnn.c — RNN (tanh, relu), LSTM and GRU layers (see ps-kernels.h)
 *
 * One direction of one layer is a loop over time; each step is two sgemms
 * (the input's and the hidden state's share of the gates) and an elementwise
 * pass.  The forward pass keeps, per step, what backpropagation through time
 * needs:
 *   tanh/relu  h                                   (B, Hd)
 *   LSTM       gates i f g o (activated), c, h     (B, 4 Hd), (B, Hd), (B, Hd)
 *   GRU        gates r z n (activated), W_hn h + b_hn, h
 * Equations as PyTorch documents them:
 *   LSTM  c' = f c + i g,  h' = o tanh(c')
 *   GRU   n = tanh(W_in x + b_in + r (W_hn h + b_hn)),  h' = (1 - z) n + z h
 */
#include "ps-kernels.h"

#include <math.h>
#include <string.h>

int
ps_rnn_gates (PsRnnMode mode)
{
  return mode == PS_RNN_LSTM ? 4 : mode == PS_RNN_GRU ? 3 : 1;
}

/* floats saved per step */
static int64_t
step_size (PsRnnMode mode, int64_t B, int64_t Hd)
{
  switch (mode)
    {
    case PS_RNN_LSTM:
      return B * 6 * Hd;
    case PS_RNN_GRU:
      return B * 5 * Hd;
    default:
      return B * Hd;
    }
}

int64_t
ps_rnn_save_size (PsRnnMode mode, int64_t T, int64_t B, int64_t Hd)
{
  return T * step_size (mode, B, Hd);
}

int64_t
ps_rnn_dir_workspace (PsRnnMode mode, int64_t B, int64_t Hd)
{
  return B * (4 * Hd + 2 * ps_rnn_gates (mode) * Hd);
}

static inline float
sigm (float v)
{
  return 1.f / (1.f + expf (-v));
}

/* the saved h of a step (its last B * Hd floats) */
static inline float *
saved_h (PsRnnMode mode, float *step, int64_t B, int64_t Hd)
{
  return step + step_size (mode, B, Hd) - B * Hd;
}

void
ps_rnn_dir_forward (PsRnnMode mode, int64_t T, int64_t B, int64_t In, int64_t Hd,
                    gboolean reverse,
                    const float *x, int64_t x_st, int64_t x_sb,
                    const float *w_ih, const float *w_hh,
                    const float *b_ih, const float *b_hh,
                    const float *h0, const float *c0,
                    float *out, int64_t o_st, int64_t o_sb,
                    float *hT, float *cT, float *save)
{
  int64_t G = ps_rnn_gates (mode), GH = G * Hd, S = step_size (mode, B, Hd);
  const float *hp = h0, *cp = c0;

  for (int64_t s = 0; s < T; s++)
    {
      int64_t t = reverse ? T - 1 - s : s;
      float *st = save + s * S;
      float *gates = st;                           /* (B, G Hd) */
      float *h = saved_h (mode, st, B, Hd);
      /* GRU keeps the hidden share of its gates apart: n needs r (W_hn h + b_hn) */
      float *hid = mode == PS_RNN_GRU ? st + B * GH : NULL;   /* (B, Hd) hn part only */

      for (int64_t b = 0; b < B; b++)
        {
          float *gb = gates + b * GH;
          for (int64_t k = 0; k < GH; k++)
            gb[k] = b_ih ? b_ih[k] : 0.f;
          if (mode != PS_RNN_GRU)
            for (int64_t k = 0; k < GH; k++)
              gb[k] += b_hh ? b_hh[k] : 0.f;
          else
            {
              for (int64_t k = 0; k < 2 * Hd; k++)
                gb[k] += b_hh ? b_hh[k] : 0.f;
              for (int64_t k = 0; k < Hd; k++)
                hid[b * Hd + k] = b_hh ? b_hh[2 * Hd + k] : 0.f;
            }
        }
      ps_sgemm (FALSE, TRUE, (int) B, (int) GH, (int) In,
                   1.f, x + t * x_st, (int) x_sb, w_ih, (int) In, 1.f, gates, (int) GH);
      if (hp)
        {
          if (mode != PS_RNN_GRU)
            ps_sgemm (FALSE, TRUE, (int) B, (int) GH, (int) Hd,
                         1.f, hp, (int) Hd, w_hh, (int) Hd, 1.f, gates, (int) GH);
          else
            {
              ps_sgemm (FALSE, TRUE, (int) B, (int) (2 * Hd),
                           (int) Hd, 1.f, hp, (int) Hd, w_hh, (int) Hd, 1.f, gates, (int) GH);
              ps_sgemm (FALSE, TRUE, (int) B, (int) Hd, (int) Hd,
                           1.f, hp, (int) Hd, w_hh + 2 * Hd * Hd, (int) Hd, 1.f, hid, (int) Hd);
            }
        }

      for (int64_t b = 0; b < B; b++)
        {
          float *gb = gates + b * GH, *hb = h + b * Hd;
          const float *hpb = hp ? hp + b * Hd : NULL;
          switch (mode)
            {
            case PS_RNN_TANH:
              for (int64_t k = 0; k < Hd; k++)
                hb[k] = tanhf (gb[k]);
              break;
            case PS_RNN_RELU:
              for (int64_t k = 0; k < Hd; k++)
                hb[k] = gb[k] > 0 ? gb[k] : 0.f;
              break;
            case PS_RNN_LSTM:
              {
                float *c = st + B * GH + b * Hd;
                const float *cpb = cp ? cp + b * Hd : NULL;
                for (int64_t k = 0; k < Hd; k++)
                  {
                    float i = sigm (gb[k]), f = sigm (gb[Hd + k]);
                    float g = tanhf (gb[2 * Hd + k]), o = sigm (gb[3 * Hd + k]);
                    gb[k] = i, gb[Hd + k] = f, gb[2 * Hd + k] = g, gb[3 * Hd + k] = o;
                    c[k] = (cpb ? f * cpb[k] : 0.f) + i * g;
                    hb[k] = o * tanhf (c[k]);
                  }
              }
              break;
            case PS_RNN_GRU:
              for (int64_t k = 0; k < Hd; k++)
                {
                  float r = sigm (gb[k]), z = sigm (gb[Hd + k]);
                  float n = tanhf (gb[2 * Hd + k] + r * hid[b * Hd + k]);
                  gb[k] = r, gb[Hd + k] = z, gb[2 * Hd + k] = n;
                  hb[k] = (1.f - z) * n + z * (hpb ? hpb[k] : 0.f);
                }
              break;
            }
          memcpy (out + t * o_st + b * o_sb, hb, (size_t) Hd * sizeof (float));
        }
      hp = h;
      cp = mode == PS_RNN_LSTM ? st + B * GH : NULL;
    }
  if (hT)
    {
      if (T > 0)
        memcpy (hT, hp, (size_t) (B * Hd) * sizeof (float));
      else if (h0)
        memcpy (hT, h0, (size_t) (B * Hd) * sizeof (float));
      else
        memset (hT, 0, (size_t) (B * Hd) * sizeof (float));
    }
  if (cT && mode == PS_RNN_LSTM)
    {
      if (cp)
        memcpy (cT, cp, (size_t) (B * Hd) * sizeof (float));
      else
        memset (cT, 0, (size_t) (B * Hd) * sizeof (float));
    }
}

void
ps_rnn_dir_backward (PsRnnMode mode, int64_t T, int64_t B, int64_t In, int64_t Hd,
                     gboolean reverse,
                     const float *x, int64_t x_st, int64_t x_sb,
                     const float *w_ih, const float *w_hh,
                     const float *h0, const float *c0, const float *save,
                     const float *dout, int64_t o_st, int64_t o_sb,
                     const float *dhT, const float *dcT,
                     float *dx, float *dh0, float *dc0,
                     float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                     float *ws)
{
  int64_t G = ps_rnn_gates (mode), GH = G * Hd, S = step_size (mode, B, Hd), BH = B * Hd;
  float *dh = ws, *dhn = ws + BH, *dc = ws + 2 * BH, *dcn = ws + 3 * BH;
  float *dgx = ws + 4 * BH, *dgh = dgx + B * GH;   /* (B, G Hd) each */

  if (dhT)
    memcpy (dhn, dhT, (size_t) BH * sizeof (float));
  else
    memset (dhn, 0, (size_t) BH * sizeof (float));
  if (dcT && mode == PS_RNN_LSTM)
    memcpy (dcn, dcT, (size_t) BH * sizeof (float));
  else
    memset (dcn, 0, (size_t) BH * sizeof (float));

  for (int64_t s = T - 1; s >= 0; s--)
    {
      int64_t t = reverse ? T - 1 - s : s;
      const float *st = save + s * S, *gates = st;
      const float *h = st + S - BH;
      const float *hp = s > 0 ? save + (s - 1) * S + S - BH : h0;
      const float *cp = mode == PS_RNN_LSTM ? (s > 0 ? save + (s - 1) * S + B * GH : c0) : NULL;

      for (int64_t b = 0; b < B; b++)
        for (int64_t k = 0; k < Hd; k++)
          dh[b * Hd + k] = dhn[b * Hd + k] + (dout ? dout[t * o_st + b * o_sb + k] : 0.f);

      for (int64_t b = 0; b < B; b++)
        {
          const float *gb = gates + b * GH, *hb = h + b * Hd;
          const float *hpb = hp ? hp + b * Hd : NULL;
          float *dgxb = dgx + b * GH, *dghb = dgh + b * GH, *dhb = dh + b * Hd;
          switch (mode)
            {
            case PS_RNN_TANH:
              for (int64_t k = 0; k < Hd; k++)
                dgxb[k] = dhb[k] * (1.f - hb[k] * hb[k]);
              break;
            case PS_RNN_RELU:
              for (int64_t k = 0; k < Hd; k++)
                dgxb[k] = hb[k] > 0 ? dhb[k] : 0.f;
              break;
            case PS_RNN_LSTM:
              {
                const float *c = st + B * GH + b * Hd;
                const float *cpb = cp ? cp + b * Hd : NULL;
                for (int64_t k = 0; k < Hd; k++)
                  {
                    float i = gb[k], f = gb[Hd + k], g = gb[2 * Hd + k], o = gb[3 * Hd + k];
                    float tc = tanhf (c[k]);
                    float dct = dcn[b * Hd + k] + dhb[k] * o * (1.f - tc * tc);
                    dgxb[k] = dct * g * i * (1.f - i);
                    dgxb[Hd + k] = cpb ? dct * cpb[k] * f * (1.f - f) : 0.f;
                    dgxb[2 * Hd + k] = dct * i * (1.f - g * g);
                    dgxb[3 * Hd + k] = dhb[k] * tc * o * (1.f - o);
                    dc[b * Hd + k] = dct * f;
                  }
              }
              break;
            case PS_RNN_GRU:
              {
                const float *hid = st + B * GH + b * Hd;
                for (int64_t k = 0; k < Hd; k++)
                  {
                    float r = gb[k], z = gb[Hd + k], n = gb[2 * Hd + k];
                    float hpk = hpb ? hpb[k] : 0.f;
                    float dn = dhb[k] * (1.f - z) * (1.f - n * n);
                    float dz = dhb[k] * (hpk - n) * z * (1.f - z);
                    float dr = dn * hid[k] * r * (1.f - r);
                    dgxb[k] = dr, dgxb[Hd + k] = dz, dgxb[2 * Hd + k] = dn;
                    dghb[k] = dr, dghb[Hd + k] = dz, dghb[2 * Hd + k] = dn * r;
                  }
              }
              break;
            }
        }
      const float *dghp = mode == PS_RNN_GRU ? dgh : dgx;

      /* parameters: dW_ih += dgx^T x_t, dW_hh += dgh^T h_prev, biases += column sums */
      if (dw_ih)
        ps_sgemm (TRUE, FALSE, (int) GH, (int) In, (int) B,
                     1.f, dgx, (int) GH, x + t * x_st, (int) x_sb, 1.f, dw_ih, (int) In);
      if (dw_hh && hp)
        ps_sgemm (TRUE, FALSE, (int) GH, (int) Hd, (int) B,
                     1.f, dghp, (int) GH, hp, (int) Hd, 1.f, dw_hh, (int) Hd);
      for (int64_t b = 0; b < B; b++)
        for (int64_t k = 0; k < GH; k++)
          {
            if (db_ih)
              db_ih[k] += dgx[b * GH + k];
            if (db_hh)
              db_hh[k] += dghp[b * GH + k];
          }
      /* dx_t += dgx W_ih;  dh_prev = dgh W_hh (+ z dh for the GRU) */
      if (dx)
        ps_sgemm (FALSE, FALSE, (int) B, (int) In, (int) GH,
                     1.f, dgx, (int) GH, w_ih, (int) In, 1.f, dx + t * x_st, (int) x_sb);
      ps_sgemm (FALSE, FALSE, (int) B, (int) Hd, (int) GH,
                   1.f, dghp, (int) GH, w_hh, (int) Hd, 0.f, dhn, (int) Hd);
      if (mode == PS_RNN_GRU)
        for (int64_t b = 0; b < B; b++)
          for (int64_t k = 0; k < Hd; k++)
            dhn[b * Hd + k] += dh[b * Hd + k] * gates[b * GH + Hd + k];
      if (mode == PS_RNN_LSTM)
        memcpy (dcn, dc, (size_t) BH * sizeof (float));
    }
  if (dh0)
    memcpy (dh0, dhn, (size_t) BH * sizeof (float));
  if (dc0 && mode == PS_RNN_LSTM)
    memcpy (dc0, dcn, (size_t) BH * sizeof (float));
}

/* ---- whole layers ---------------------------------------------------------- */

int64_t
ps_rnn_n_weights (const PsRnnGeom *g)
{
  return g->layers * (g->bidirectional ? 2 : 1) * (g->bias ? 4 : 2);
}

static int64_t
dirs (const PsRnnGeom *g)
{
  return g->bidirectional ? 2 : 1;
}

int64_t
ps_rnn_layer_save_size (const PsRnnGeom *g)
{
  int64_t D = dirs (g);
  /* each (layer, direction)'s steps, then the outputs of every layer but the last */
  return g->layers * D * ps_rnn_save_size (g->mode, g->T, g->B, g->Hd)
         + (g->layers - 1) * g->T * g->B * D * g->Hd;
}

int64_t
ps_rnn_layer_workspace (const PsRnnGeom *g)
{
  /* the direction's workspace, and two (T, B, D Hd) gradients between layers */
  return ps_rnn_dir_workspace (g->mode, g->B, g->Hd)
         + (g->layers > 1 ? 2 * g->T * g->B * dirs (g) * g->Hd : 0);
}

/* input of layer l: pointer, strides and width */
static const float *
layer_input (const PsRnnGeom *g, const float *x, const float *inter, int64_t l,
             int64_t *st, int64_t *sb, int64_t *width)
{
  int64_t DH = dirs (g) * g->Hd;

  if (l == 0)
    {
      *width = g->In;
      *st = g->batch_first ? g->In : g->B * g->In;
      *sb = g->batch_first ? g->T * g->In : g->In;
      return x;
    }
  *width = DH;
  *st = g->B * DH;
  *sb = DH;
  return inter + (l - 1) * g->T * g->B * DH;
}

void
ps_rnn_forward (const PsRnnGeom *g, const float *x, const float *const *weights,
                const float *h0, const float *c0, float *y, float *hn, float *cn, float *save)
{
  int64_t D = dirs (g), DH = D * g->Hd, BH = g->B * g->Hd, P = g->bias ? 4 : 2;
  int64_t per = ps_rnn_save_size (g->mode, g->T, g->B, g->Hd);
  float *inter = save + g->layers * D * per;

  for (int64_t l = 0; l < g->layers; l++)
    {
      int64_t xst, xsb, in;
      const float *xin = layer_input (g, x, inter, l, &xst, &xsb, &in);
      gboolean last = l == g->layers - 1;
      float *out = last ? y : inter + l * g->T * g->B * DH;
      int64_t ost = last && g->batch_first ? DH : g->B * DH;
      int64_t osb = last && g->batch_first ? g->T * DH : DH;

      for (int64_t d = 0; d < D; d++)
        {
          const float *const *w = weights + (l * D + d) * P;
          int64_t sl = l * D + d;
          ps_rnn_dir_forward (g->mode, g->T, g->B, in, g->Hd, d == 1, xin, xst, xsb,
                              w[0], w[1], g->bias ? w[2] : NULL, g->bias ? w[3] : NULL,
                              h0 ? h0 + sl * BH : NULL, c0 ? c0 + sl * BH : NULL,
                              out + d * g->Hd, ost, osb,
                              hn ? hn + sl * BH : NULL, cn ? cn + sl * BH : NULL,
                              save + sl * per);
        }
    }
}

void
ps_rnn_backward (const PsRnnGeom *g, const float *x, const float *const *weights,
                 const float *h0, const float *c0, const float *save,
                 const float *dy, const float *dhn, const float *dcn,
                 float *dx, float *dh0, float *dc0, float *const *dweights, float *ws)
{
  int64_t D = dirs (g), DH = D * g->Hd, BH = g->B * g->Hd, P = g->bias ? 4 : 2;
  int64_t per = ps_rnn_save_size (g->mode, g->T, g->B, g->Hd);
  int64_t TBD = g->T * g->B * DH;
  const float *inter = save + g->layers * D * per;
  float *dws = ws, *dbuf[2];

  dbuf[0] = ws + ps_rnn_dir_workspace (g->mode, g->B, g->Hd);
  dbuf[1] = dbuf[0] + TBD;
  if (dx)
    memset (dx, 0, (size_t) (g->T * g->B * g->In) * sizeof (float));

  for (int64_t l = g->layers - 1; l >= 0; l--)
    {
      int64_t xst, xsb, in;
      const float *xin = layer_input (g, x, inter, l, &xst, &xsb, &in);
      gboolean last = l == g->layers - 1;
      const float *dout = last ? dy : dbuf[(l + 1) % 2];
      int64_t ost = last && g->batch_first ? DH : g->B * DH;
      int64_t osb = last && g->batch_first ? g->T * DH : DH;
      float *dxin = l == 0 ? dx : dbuf[l % 2];

      if (l > 0)
        memset (dxin, 0, (size_t) TBD * sizeof (float));
      for (int64_t d = 0; d < D; d++)
        {
          const float *const *w = weights + (l * D + d) * P;
          float *const *dw = dweights ? dweights + (l * D + d) * P : NULL;
          int64_t sl = l * D + d;
          ps_rnn_dir_backward (g->mode, g->T, g->B, in, g->Hd, d == 1, xin, xst, xsb,
                               w[0], w[1], h0 ? h0 + sl * BH : NULL, c0 ? c0 + sl * BH : NULL,
                               save + sl * per,
                               dout ? dout + d * g->Hd : NULL, ost, osb,
                               dhn ? dhn + sl * BH : NULL, dcn ? dcn + sl * BH : NULL,
                               dxin, dh0 ? dh0 + sl * BH : NULL, dc0 ? dc0 + sl * BH : NULL,
                               dw ? dw[0] : NULL, dw ? dw[1] : NULL,
                               dw && g->bias ? dw[2] : NULL, dw && g->bias ? dw[3] : NULL,
                               dws);
        }
    }
}
