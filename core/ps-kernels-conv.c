/* ps-kernels-conv.c — convolutions and pooling (see ps-kernels.h)
 *
 * Convolution is im2col + cblas_sgemm over chunks of samples: a chunk's
 * columns (K = C/groups * kh * kw rows by nb * OH * OW columns) are built once
 * and multiplied by the group's weight (O/groups by K).  Small images are
 * batched so that each sgemm is wide enough for BLAS to reach its speed; a
 * one-sample chunk writes straight into the output.  The backward pass
 * rebuilds the columns, forms dW += dY col^T and dcol = W^T dY, and scatters
 * dcol back (col2im).  A 1x1 stride-1 convolution still copies its input into
 * the columns: simple, and the copy is small next to the product.  Kernel
 * taps that never meet the input (a 3x3 kernel padded by 1 on a 1x1 plane)
 * are cut from the columns and the weight, and with one OpenBLAS thread the
 * work runs in two halves (samples forward, input channels backward), the
 * second on the helper thread.
 */
#include "ps-kernels.h"
#include "ps-error.h"
#include "ps-helper.h"

#include <cblas.h>
#include <math.h>
#include <string.h>

/* The loops that move data (im2col, col2im, pooling) are built for AVX2 as
 * well as the baseline, the processor choosing at load time (the 2x2
 * average pools, LeNet's, for AVX-512 too). */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) \
    && !defined(__SANITIZE_THREAD__)   /* its resolvers run before TSan is ready */
#define PS_VECTOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
#define PS_WIDE_CLONES __attribute__ ((target_clones ("avx512f", "avx2", "default")))
#else
#define PS_VECTOR_CLONES
#define PS_WIDE_CLONES
#endif

gboolean
ps_conv_geom_init (PsConvGeom *g, int64_t N, int64_t C, int64_t H, int64_t W,
                   int64_t O, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                   int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups,
                   GError **error)
{
  int64_t eh, ew;

  memset (g, 0, sizeof *g);
  if (N < 0 || C <= 0 || H <= 0 || W <= 0 || O <= 0 || kh <= 0 || kw <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "non-positive size: input [%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
                   ", %" G_GINT64_FORMAT ", %" G_GINT64_FORMAT "], %" G_GINT64_FORMAT
                   " output channels, kernel (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ")",
                   N, C, H, W, O, kh, kw);
      return FALSE;
    }
  if (sh <= 0 || sw <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "non-positive stride is not supported");
      return FALSE;
    }
  if ((ph < 0 || pw < 0) && !(ph == PS_CONV_SAME && pw == PS_CONV_SAME))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "negative padding is not supported");
      return FALSE;
    }
  if (ph == PS_CONV_SAME && (sh != 1 || sw != 1))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "padding='same' is not supported for strided convolutions");
      return FALSE;
    }
  if (dh <= 0 || dw <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "dilation should be greater than zero");
      return FALSE;
    }
  if (groups <= 0 || C % groups != 0 || O % groups != 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   groups <= 0 ? "non-positive groups is not supported"
                   : C % groups != 0 ? "in_channels must be divisible by groups"
                   : "out_channels must be divisible by groups");
      return FALSE;
    }
  *g = (PsConvGeom) {
    .N = N, .C = C, .H = H, .W = W, .O = O, .kh = kh, .kw = kw, .sh = sh, .sw = sw,
    .pt = ph, .pb = ph, .pl = pw, .pr = pw, .dh = dh, .dw = dw, .groups = groups,
  };
  eh = dh * (kh - 1) + 1;
  ew = dw * (kw - 1) + 1;
  if (ph == PS_CONV_SAME)
    {
      /* total d (k - 1), the odd one at the end, as PyTorch pads */
      g->pt = (eh - 1) / 2;
      g->pb = eh - 1 - g->pt;
      g->pl = (ew - 1) / 2;
      g->pr = ew - 1 - g->pl;
    }
  if (H + g->pt + g->pb < eh || W + g->pl + g->pr < ew)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Calculated padded input size per channel: (%" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT "). Kernel size: (%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   "). Kernel size can't be greater than actual input size",
                   H + g->pt + g->pb, W + g->pl + g->pr, eh, ew);
      return FALSE;
    }
  g->OH = (H + g->pt + g->pb - eh) / sh + 1;
  g->OW = (W + g->pl + g->pr - ew) / sw + 1;
  return TRUE;
}

/* Samples per chunk: enough output columns for sgemm to reach its speed,
 * while the chunk's columns (K x nb P floats) stay near the size of a core's
 * L2 cache, where im2col writes them and sgemm reads them back. */
#define PS_CONV_MIN_COLS   256
#define PS_CONV_COL_FLOATS (128 * 1024)
#define PS_CONV_WORKERS    2   /* threads of a direct convolution */

static gboolean conv_use_direct (const PsConvGeom *g);
static int64_t direct_worker_floats (const PsConvGeom *g);
static int64_t direct_pack_floats (const PsConvGeom *g);

static int64_t im2col_workspace (const PsConvGeom *g);

static int64_t
conv_chunk (const PsConvGeom *g)
{
  int64_t P = MAX (g->OH * g->OW, 1), K = MAX (g->C / g->groups * g->kh * g->kw, 1);
  int64_t nb = MAX (PS_CONV_COL_FLOATS / K / P, (PS_CONV_MIN_COLS + P - 1) / P);

  return CLAMP (nb, 1, MAX (g->N, 1));
}

int64_t
ps_conv_workspace (const PsConvGeom *g)
{
  if (conv_use_direct (g))
    return direct_pack_floats (g) + PS_CONV_WORKERS * direct_worker_floats (g);
  return im2col_workspace (g);
}

/* im2col for stride 1 and dilation 1 (LeNet's, ResNet's 3x3 convs): which
 * output rows and columns read inside the input depends on the kernel tap
 * only, so the bounds are found once a tap; the zero rows above and below
 * are one run each, and the copies read and write through restrict pointers
 * the compiler vectorizes without checks. */
PS_VECTOR_CLONES static void
im2col_unit (const PsConvGeom *g, const float *x, int64_t n0, int64_t nb, int64_t c0,
             int64_t Cg, float *col)
{
  const int64_t P = g->OH * g->OW, ld = nb * P;
  const int64_t OH = g->OH, OW = g->OW, H = g->H, W = g->W;

  for (int64_t c = 0; c < Cg; c++)
    for (int64_t i = 0; i < g->kh; i++)
      {
        /* ih = oh - pt + i inside [0, H) */
        int64_t oh_lo = CLAMP (g->pt - i, 0, OH), oh_hi = CLAMP (H + g->pt - i, oh_lo, OH);
        for (int64_t j = 0; j < g->kw; j++)
          {
            float *row = col + ((c * g->kh + i) * g->kw + j) * ld;
            int64_t off = j - g->pl;
            int64_t lo = CLAMP (-off, 0, OW), hi = CLAMP (W - off, lo, OW);
            for (int64_t s = 0; s < nb; s++)
              {
                const float *xc = x + ((n0 + s) * g->C + c0 + c) * H * W;
                float *r = row + s * P;
                memset (r, 0, (size_t) (oh_lo * OW) * sizeof (float));
                memset (r + oh_hi * OW, 0, (size_t) ((OH - oh_hi) * OW) * sizeof (float));
                for (int64_t oh = oh_lo; oh < oh_hi; oh++)
                  {
                    float *restrict ro = r + oh * OW;
                    const float *restrict xo = xc + (oh - g->pt + i) * W + off;
                    for (int64_t ow = 0; ow < lo; ow++)
                      ro[ow] = 0.f;
                    for (int64_t ow = lo; ow < hi; ow++)
                      ro[ow] = xo[ow];
                    for (int64_t ow = hi; ow < OW; ow++)
                      ro[ow] = 0.f;
                  }
              }
          }
      }
}

/* col (Cg kh kw, nb * P) from samples n0 .. n0 + nb - 1, channels c0 .. c0 + Cg - 1 */
PS_VECTOR_CLONES static void
im2col (const PsConvGeom *g, const float *x, int64_t n0, int64_t nb, int64_t c0, int64_t Cg,
        float *col)
{
  int64_t P = g->OH * g->OW, ld = nb * P;

  if (g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1)
    {
      im2col_unit (g, x, n0, nb, c0, Cg, col);
      return;
    }

  for (int64_t c = 0; c < Cg; c++)
    for (int64_t i = 0; i < g->kh; i++)
      for (int64_t j = 0; j < g->kw; j++)
        {
          float *row = col + ((c * g->kh + i) * g->kw + j) * ld;
          for (int64_t s = 0; s < nb; s++)
            {
              const float *xc = x + ((n0 + s) * g->C + c0 + c) * g->H * g->W;
              float *r = row + s * P;
              for (int64_t oh = 0; oh < g->OH; oh++)
                {
                  int64_t ih = oh * g->sh - g->pt + i * g->dh;
                  float *ro = r + oh * g->OW;
                  if (ih < 0 || ih >= g->H)
                    {
                      for (int64_t ow = 0; ow < g->OW; ow++)
                        ro[ow] = 0.f;
                      continue;
                    }
                  const float *xr = xc + ih * g->W;
                  int64_t off = j * g->dw - g->pl;
                  if (g->sw == 1)
                    {
                      /* iw = ow + off: zeros, a contiguous run, zeros (plain loops:
                       * rows are short, a library call each costs more than the copy) */
                      int64_t lo = CLAMP (-off, 0, g->OW), hi = CLAMP (g->W - off, lo, g->OW);
                      const float *xo = xr + off;
                      for (int64_t ow = 0; ow < lo; ow++)
                        ro[ow] = 0.f;
                      for (int64_t ow = lo; ow < hi; ow++)
                        ro[ow] = xo[ow];
                      for (int64_t ow = hi; ow < g->OW; ow++)
                        ro[ow] = 0.f;
                    }
                  else
                    for (int64_t ow = 0; ow < g->OW; ow++)
                      {
                        int64_t iw = ow * g->sw + off;
                        ro[ow] = (iw >= 0 && iw < g->W) ? xr[iw] : 0.f;
                      }
                }
            }
        }
}

/* dx[samples, channels c0 .. c0 + Cg - 1] += col2im (col); dx zeroed by the caller */
PS_VECTOR_CLONES static void
col2im (const PsConvGeom *g, const float *col, int64_t n0, int64_t nb, int64_t c0, int64_t Cg,
        float *dx)
{
  int64_t P = g->OH * g->OW, ld = nb * P;

  for (int64_t c = 0; c < Cg; c++)
    for (int64_t i = 0; i < g->kh; i++)
      for (int64_t j = 0; j < g->kw; j++)
        {
          const float *row = col + ((c * g->kh + i) * g->kw + j) * ld;
          for (int64_t s = 0; s < nb; s++)
            {
              float *xc = dx + ((n0 + s) * g->C + c0 + c) * g->H * g->W;
              const float *r = row + s * P;
              for (int64_t oh = 0; oh < g->OH; oh++)
                {
                  int64_t ih = oh * g->sh - g->pt + i * g->dh;
                  if (ih < 0 || ih >= g->H)
                    continue;
                  float *xr = xc + ih * g->W;
                  const float *ro = r + oh * g->OW;
                  int64_t off = j * g->dw - g->pl;
                  if (g->sw == 1)
                    {
                      int64_t lo = CLAMP (-off, 0, g->OW), hi = CLAMP (g->W - off, lo, g->OW);
                      float *xo = xr + off;
                      for (int64_t ow = lo; ow < hi; ow++)
                        xo[ow] += ro[ow];
                    }
                  else
                    for (int64_t ow = 0; ow < g->OW; ow++)
                      {
                        int64_t iw = ow * g->sw + off;
                        if (iw >= 0 && iw < g->W)
                          xr[iw] += ro[ow];
                      }
                }
            }
        }
}

/* ---- direct convolution (stride 1, dilation 1, few output channels) ------ *
 *
 * LeNet's convolutions (1 -> 6 and 6 -> 16 channels, 5x5) make sgemm products
 * 6 or 16 rows tall, where BLAS runs far below its speed, and im2col's columns
 * cost more memory traffic than the product.  Here each sample is copied once
 * into a zero-padded plane per channel; an output row is computed 16 columns
 * at a time in vector registers for 8 output channels at once, each input
 * vector (one load, at the tap's offset) multiplied by a broadcast weight.
 * The data gradient is the same kernel run on the padded dy with the weight
 * flipped and its channels swapped; the weight gradient multiplies dy's row
 * tiles (zero past the row's end) by the input's shifted tiles, summing in
 * vector accumulators across the samples and across the lanes at the end.
 * These loops multiply-add in one rounding (FMA) where the processor has it:
 * sums in another order than PyTorch's, within the same tolerances. */

typedef float PsV16 __attribute__ ((vector_size (64)));
#define DT 16   /* output columns a vector */
#define DB 8    /* output channels a block */

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__) && !defined(__SANITIZE_ADDRESS__) \
    && !defined(__SANITIZE_THREAD__)
#define PS_DIRECT_CLONES __attribute__ ((target_clones ("avx512f", "arch=haswell", "default"), \
                                          optimize ("fp-contract=fast")))
#else
#define PS_DIRECT_CLONES
#endif

/* an unaligned vector load (an alias of float data) */
typedef float PsV16u __attribute__ ((vector_size (64), aligned (4), may_alias));
#define ld16(p) (*(const PsV16u *) (p))

/* The padded plane: Hp rows of Wp floats, so that every tile of DT output
 * columns reads its kw taps inside the row. */
typedef struct
{
  int64_t tiles, Hp, Wp, nob;
} DirectDims;

static void
direct_dims (const PsConvGeom *g, DirectDims *d)
{
  d->tiles = (g->OW + DT - 1) / DT;
  d->Hp = g->H + g->pt + g->pb;
  d->Wp = d->tiles * DT + g->kw - 1;
  d->nob = (g->O / g->groups + DB - 1) / DB;
}

/* the geometry of the data gradient as a convolution of dy */
static void
direct_grad_geom (const PsConvGeom *g, PsConvGeom *gt)
{
  *gt = *g;
  gt->C = g->O, gt->H = g->OH, gt->W = g->OW;
  gt->O = g->C, gt->OH = g->H, gt->OW = g->W;
  gt->pt = g->kh - 1 - g->pt, gt->pb = g->kh - 1 - g->pb;
  gt->pl = g->kw - 1 - g->pl, gt->pr = g->kw - 1 - g->pr;
}

gboolean
ps_conv_direct_covers (const PsConvGeom *g)
{
  /* padding up to k - 1 keeps the data gradient's own padding non-negative */
  return g->sh == 1 && g->sw == 1 && g->dh == 1 && g->dw == 1
         && g->pt < g->kh && g->pb < g->kh && g->pl < g->kw && g->pr < g->kw;
}

static gboolean
conv_use_direct (const PsConvGeom *g)
{
  if (g->algo == PS_CONV_ALGO_IM2COL || !ps_conv_direct_covers (g))
    return FALSE;
  /* sgemm products of fewer than 32 rows (output channels a group) run thin */
  return g->algo == PS_CONV_ALGO_DIRECT || g->O / g->groups < 32;
}

/* The weight gradient works on chunks of samples: each sample's padded
 * planes and dy tiles are laid out once, then every block of sums runs
 * through the whole chunk between one load and one store of its lanes.
 * LeNet's conv2 has 10 rows of one tile a sample: a sample a pass spent
 * about as long on the lanes as on the products; chunks of about 48 rows
 * took its weight gradient from 2.5 to 1.9 ms (batch 256, one thread), where
 * longer ones, out of the L1 cache, were slower again (conv1, 56 rows a
 * sample, keeps one). */
#define PS_DIRECT_CHUNK_ROWS   48
#define PS_DIRECT_CHUNK_FLOATS (48 * 1024)   /* and at most this much of L2 */
#define PS_DIRECT_CHUNK_MAX    16

static int64_t
direct_chunk (const PsConvGeom *g)
{
  DirectDims d;

  direct_dims (g, &d);
  return CLAMP (MIN (PS_DIRECT_CHUNK_ROWS / (g->OH * d.tiles),
                     PS_DIRECT_CHUNK_FLOATS / (g->C * d.Hp * d.Wp + g->O * g->OH * d.tiles * DT)),
                1, PS_DIRECT_CHUNK_MAX);
}

/* One worker's part of the workspace: padded planes (xp), dy tiles (dyp), the
 * weight gradient's lanes, then the bias gradient's; their sizes in floats. */
static void
direct_worker_layout (const PsConvGeom *g, int64_t *xp_n, int64_t *dyp_n, int64_t *lanes_n)
{
  PsConvGeom gt;
  DirectDims d, dt;
  int64_t chunk = direct_chunk (g);

  direct_dims (g, &d);
  direct_grad_geom (g, &gt);
  direct_dims (&gt, &dt);
  *xp_n = MAX (chunk * g->C * d.Hp * d.Wp, gt.C * dt.Hp * dt.Wp);
  *dyp_n = chunk * g->O * g->OH * d.tiles * DT;
  *lanes_n = g->O * (g->C / g->groups) * g->kh * g->kw * DT;
}

static int64_t
direct_worker_floats (const PsConvGeom *g)
{
  int64_t xp_n, dyp_n, lanes_n;

  direct_worker_layout (g, &xp_n, &dyp_n, &lanes_n);
  return xp_n + dyp_n + lanes_n + g->O * DT;
}

static int64_t
direct_pack_floats (const PsConvGeom *g)
{
  int64_t khw = g->kh * g->kw, Cg = g->C / g->groups, Og = g->O / g->groups;

  return g->groups * MAX ((Og + DB - 1) / DB * Cg, (Cg + DB - 1) / DB * Og) * khw * DB;
}

/* channels of sample x (C, H, W) into xp (C, Hp, Wp), zeros around */
static void
direct_pad (const PsConvGeom *g, const DirectDims *d, const float *x, float *xp)
{
  memset (xp, 0, (size_t) (g->C * d->Hp * d->Wp) * sizeof (float));
  for (int64_t c = 0; c < g->C; c++)
    for (int64_t h = 0; h < g->H; h++)
      memcpy (xp + (c * d->Hp + g->pt + h) * d->Wp + g->pl, x + (c * g->H + h) * g->W,
              (size_t) g->W * sizeof (float));
}

/* wp [group][block of DB outputs][c][i][j][DB] from w (O, Cg, kh, kw); with
 * flip, the data gradient's weight: outputs and inputs swapped, taps reversed.
 * Exactly DT outputs a group (direct_channel_lanes): [group][c][i][j][DT],
 * the same size. */
static void
direct_pack (const PsConvGeom *g, const float *w, gboolean flip, float *wp)
{
  int64_t khw = g->kh * g->kw, Cg = g->C / g->groups, Og = g->O / g->groups;
  int64_t outs = flip ? Cg : Og, ins = flip ? Og : Cg, nob = (outs + DB - 1) / DB;

  if (outs == DT)
    {
      for (int64_t gi = 0; gi < g->groups; gi++)
        for (int64_t c = 0; c < ins; c++)
          for (int64_t t = 0; t < khw; t++)
            for (int64_t o = 0; o < DT; o++)
              wp[((gi * ins + c) * khw + t) * DT + o]
                = flip ? w[((gi * Og + c) * Cg + o) * khw + khw - 1 - t]
                       : w[((gi * Og + o) * Cg + c) * khw + t];
      return;
    }
  for (int64_t gi = 0; gi < g->groups; gi++)
    for (int64_t ob = 0; ob < nob; ob++)
      for (int64_t c = 0; c < ins; c++)
        for (int64_t t = 0; t < khw; t++)
          for (int64_t b = 0; b < DB; b++)
            {
              int64_t o = ob * DB + b;
              float v = 0.f;
              if (o < outs)
                v = flip ? w[((gi * Og + c) * Cg + o) * khw + khw - 1 - t]
                         : w[((gi * Og + o) * Cg + c) * khw + t];
              wp[(((gi * nob + ob) * ins + c) * khw + t) * DB + b] = v;
            }
}

/* the first cnt floats of v at p */
#define st16_head(p, v, cnt)                                       \
  do {                                                             \
    if ((cnt) == DT)                                               \
      *(PsV16u *) (p) = (v);                                       \
    else                                                           \
      for (int64_t l_ = 0; l_ < (cnt); l_++)                       \
        (p)[l_] = (v)[l_];                                         \
  } while (0)

/* nb (a constant once inlined) output channels of one sample and group, for
 * nr (1 or 2, a constant) output rows from oh at once: xg is the group's
 * padded input, wb the block's packed weight, yb the block's first output
 * plane.  Two rows give each tap's broadcast weight two vectors to multiply
 * and twice the independent sums (up to 16: enough to hide the FMA's
 * latency where 6 of LeNet's could not); each sum still adds the bias, then
 * the taps in the same order, so the bits do not depend on nr. */
static inline __attribute__ ((always_inline)) void
direct_rows (const PsConvGeom *g, const DirectDims *d, int64_t Cg, const float *xg,
             const float *wb, const float *bb, float *yb, int64_t oh, const int nb, const int nr)
{
  int64_t P = g->OH * g->OW;
  /* kernel rows that reach a real input row for one of the nr output rows:
   * the padding's rows add nothing (the data gradient's plane is dy with
   * k - 1 zero rows above and below: LeNet's conv2 skips 2 taps in 7) */
  int64_t i_lo = CLAMP (g->pt - oh - (nr - 1), 0, g->kh), i_hi = CLAMP (g->H + g->pt - oh, i_lo, g->kh);

  for (int64_t t = 0; t < d->tiles; t++)
    {
      PsV16 acc[2][DB] = { 0 };
      int64_t cnt = MIN (DT, g->OW - t * DT);
      if (bb)   /* the bias first, then the taps */
#pragma GCC unroll 2
        for (int r = 0; r < nr; r++)
#pragma GCC unroll 8
          for (int b = 0; b < nb; b++)
            acc[r][b] += bb[b];
      for (int64_t c = 0; c < Cg; c++)
        for (int64_t i = i_lo; i < i_hi; i++)
          {
            const float *xr = xg + (c * d->Hp + oh + i) * d->Wp + t * DT;
            const float *wr = wb + (c * g->kh + i) * g->kw * DB;
            for (int64_t j = 0; j < g->kw; j++)
              {
                PsV16 xv[2];
#pragma GCC unroll 2
                for (int r = 0; r < nr; r++)
                  xv[r] = ld16 (xr + r * d->Wp + j);
#pragma GCC unroll 8
                for (int b = 0; b < nb; b++)
                  {
                    float wv = wr[j * DB + b];
#pragma GCC unroll 2
                    for (int r = 0; r < nr; r++)
                      acc[r][b] += xv[r] * wv;
                  }
              }
          }
#pragma GCC unroll 2
      for (int r = 0; r < nr; r++)
#pragma GCC unroll 8
        for (int b = 0; b < nb; b++)
          st16_head (yb + b * P + (oh + r) * g->OW + t * DT, acc[r][b], cnt);
    }
}

static inline __attribute__ ((always_inline)) void
direct_block (const PsConvGeom *g, const DirectDims *d, int64_t Cg, const float *xg,
              const float *wb, const float *bb, float *yb, const int nb)
{
  int64_t oh = 0;

  for (; oh + 2 <= g->OH; oh += 2)
    direct_rows (g, d, Cg, xg, wb, bb, yb, oh, nb, 2);
  if (oh < g->OH)
    direct_rows (g, d, Cg, xg, wb, bb, yb, oh, nb, 1);
}

/* Exactly DT (16) output channels a group, LeNet's conv2 (6 -> 16 on 14x14):
 * the vector's lanes are the group's output channels rather than 16
 * columns of a row (its rows of 10 used 10 lanes of 16), one sum a pixel
 * for nc (up to DC, a constant) columns of nr (1 or 2) rows; each tap is one
 * load of 16 weights, multiplied by each pixel's input broadcast.  Each
 * output is the bias, then the taps in direct_rows' order: the same bits. */
#define DC 12   /* output columns a pass */

static inline gboolean
direct_channel_lanes (const PsConvGeom *g)
{
  return g->O / g->groups == DT;
}

static inline __attribute__ ((always_inline)) void
direct_pixels (const PsConvGeom *g, const DirectDims *d, int64_t Cg, const float *xg,
               const float *wg, const float *bg, float *yg, int64_t oh, int64_t ow0,
               const int nr, const int nc)
{
  int64_t P = g->OH * g->OW;
  int64_t i_lo = CLAMP (g->pt - oh - (nr - 1), 0, g->kh), i_hi = CLAMP (g->H + g->pt - oh, i_lo, g->kh);
  PsV16 acc[2][DC], b0 = { 0 };

  if (bg)
    b0 = ld16 (bg);
#pragma GCC unroll 2
  for (int r = 0; r < nr; r++)
#pragma GCC unroll 12
    for (int q = 0; q < nc; q++)
      acc[r][q] = b0;
  for (int64_t c = 0; c < Cg; c++)
    for (int64_t i = i_lo; i < i_hi; i++)
      {
        const float *xr = xg + (c * d->Hp + oh + i) * d->Wp + ow0;
        const float *wr = wg + (c * g->kh + i) * g->kw * DT;
        for (int64_t j = 0; j < g->kw; j++)
          {
            PsV16 wv = ld16 (wr + j * DT);
            const float *x0 = xr + j, *x1 = xr + d->Wp + j;
            /* each input a broadcast load in its multiply-add, at a constant
             * offset from one of two pointers: kept from the compiler, which
             * otherwise holds the rows' overlapping inputs (or their
             * addresses) in registers across the taps and spills them */
            __asm__ ("" : "+r" (x0), "+r" (x1));
#pragma GCC unroll 12
            for (int q = 0; q < nc; q++)
              acc[0][q] += x0[q] * wv;
            if (nr == 2)
#pragma GCC unroll 12
              for (int q = 0; q < nc; q++)
                acc[1][q] += x1[q] * wv;
          }
      }
  /* out of the registers once, then each channel's pixels to its plane */
  float pix[2][DC][DT];
#pragma GCC unroll 2
  for (int r = 0; r < nr; r++)
#pragma GCC unroll 12
    for (int q = 0; q < nc; q++)
      *(PsV16u *) pix[r][q] = acc[r][q];
  for (int l = 0; l < DT; l++)
    for (int r = 0; r < nr; r++)
      for (int q = 0; q < nc; q++)
        yg[l * P + (oh + r) * g->OW + ow0 + q] = pix[r][q][l];
}

static inline __attribute__ ((always_inline)) void
direct_pixels_rows (const PsConvGeom *g, const DirectDims *d, int64_t Cg, const float *xg,
                    const float *wg, const float *bg, float *yg, int64_t oh, const int nr)
{
  for (int64_t ow0 = 0; ow0 < g->OW; ow0 += DC)
    switch (MIN (DC, g->OW - ow0))
      {
#define PIX(c_) case c_: direct_pixels (g, d, Cg, xg, wg, bg, yg, oh, ow0, nr, c_); break;
      PIX (1) PIX (2) PIX (3) PIX (4) PIX (5) PIX (6) PIX (7) PIX (8) PIX (9) PIX (10) PIX (11)
#undef PIX
      default: direct_pixels (g, d, Cg, xg, wg, bg, yg, oh, ow0, nr, DC); break;
      }
}

/* one sample's output y (O, OH, OW) from its padded planes xp: its own
 * function, so that its registers do not weigh on direct_forward's loops */
PS_DIRECT_CLONES __attribute__ ((noinline)) static void
direct_forward_lanes (const PsConvGeom *g, const DirectDims *d, const float *xp, const float *wp,
                      const float *bias, float *y)
{
  int64_t Cg = g->C / g->groups, Og = g->O / g->groups, khw = g->kh * g->kw;
  int64_t P = g->OH * g->OW;

  for (int64_t gi = 0; gi < g->groups; gi++)
    {
      const float *wg = wp + gi * Cg * khw * DT, *xg = xp + gi * Cg * d->Hp * d->Wp;
      const float *bg = bias ? bias + gi * Og : NULL;
      float *yg = y + gi * Og * P;
      int64_t oh = 0;
      for (; oh + 2 <= g->OH; oh += 2)
        direct_pixels_rows (g, d, Cg, xg, wg, bg, yg, oh, 2);
      if (oh < g->OH)
        direct_pixels_rows (g, d, Cg, xg, wg, bg, yg, oh, 1);
    }
}

/* y (samples n0 .. n1 - 1) = conv (x, packed weight) + bias (or NULL), overwritten */
PS_DIRECT_CLONES static void
direct_forward (const PsConvGeom *g, const float *x, const float *wp, const float *bias,
                float *y, float *xp, int64_t n0, int64_t n1)
{
  DirectDims d;
  int64_t Cg, Og, khw = g->kh * g->kw, P = g->OH * g->OW;

  direct_dims (g, &d);
  Cg = g->C / g->groups, Og = g->O / g->groups;
  for (int64_t n = n0; n < n1; n++)
    {
      direct_pad (g, &d, x + n * g->C * g->H * g->W, xp);
      if (direct_channel_lanes (g))
        {
          direct_forward_lanes (g, &d, xp, wp, bias, y + n * g->O * P);
          continue;
        }
      for (int64_t gi = 0; gi < g->groups; gi++)
        for (int64_t ob = 0; ob < d.nob; ob++)
          {
            const float *wb = wp + (gi * d.nob + ob) * Cg * khw * DB;
            const float *xg = xp + gi * Cg * d.Hp * d.Wp;
            int64_t o0 = gi * Og + ob * DB;
            const float *bb = bias ? bias + o0 : NULL;
            float *yb = y + (n * g->O + o0) * P;
            /* as many accumulators as outputs in the block */
            switch (MIN (DB, Og - ob * DB))
              {
              case 1: direct_block (g, &d, Cg, xg, wb, bb, yb, 1); break;
              case 2: direct_block (g, &d, Cg, xg, wb, bb, yb, 2); break;
              case 3: direct_block (g, &d, Cg, xg, wb, bb, yb, 3); break;
              case 4: direct_block (g, &d, Cg, xg, wb, bb, yb, 4); break;
              case 5: direct_block (g, &d, Cg, xg, wb, bb, yb, 5); break;
              case 6: direct_block (g, &d, Cg, xg, wb, bb, yb, 6); break;
              case 7: direct_block (g, &d, Cg, xg, wb, bb, yb, 7); break;
              default: direct_block (g, &d, Cg, xg, wb, bb, yb, DB); break;
              }
          }
    }
}

/* The weight gradient's inner loop: for no output channels (a block of one
 * group) and nj kernel columns from j0 of kernel row i (constants once
 * inlined), lo[b][j] += the products of output channel b's dy tiles (dyo,
 * dstride floats apart) and the input channel's padded plane xc shifted by
 * (i, j0 + j), over the m samples of a chunk (dsample and xsample floats
 * apart).  Each dy tile is loaded once for nj products and each shifted
 * input tile once for no: up to 20 independent sums (the FMA's latency is
 * hidden) for 9 loads, where one output channel at a time made 5 sums for 6
 * loads.  Each lane still sums its products in the same order. */
#define DO 4   /* output channels a weight-gradient block */
#define DJ 5   /* kernel columns a weight-gradient pass */

static inline __attribute__ ((always_inline)) void
direct_taps (const PsConvGeom *g, const DirectDims *d, const float *dyo, int64_t dstride,
             int64_t dsample, const float *xc, int64_t xsample, int64_t m, int64_t i,
             int64_t j0, float *lo, int64_t lstride, const int no, const int nj)
{
  int64_t row = d->tiles * DT;
  PsV16 acc[DO][DJ];

#pragma GCC unroll 4
  for (int b = 0; b < no; b++)
#pragma GCC unroll 5
    for (int j = 0; j < nj; j++)
      acc[b][j] = ld16 (lo + b * lstride + j * DT);
  for (int64_t s = 0; s < m; s++)
    for (int64_t oh = 0; oh < g->OH; oh++)
      {
        const float *dr = dyo + s * dsample + oh * row;
        const float *xr = xc + s * xsample + (oh + i) * d->Wp + j0;
        for (int64_t t = 0; t < d->tiles; t++)
          {
            PsV16 xv[DJ];
#pragma GCC unroll 5
            for (int j = 0; j < nj; j++)
              xv[j] = ld16 (xr + t * DT + j);
#pragma GCC unroll 4
            for (int b = 0; b < no; b++)
              {
                PsV16 dv = ld16 (dr + b * dstride + t * DT);
#pragma GCC unroll 5
                for (int j = 0; j < nj; j++)
                  acc[b][j] += dv * xv[j];
              }
          }
      }
#pragma GCC unroll 4
  for (int b = 0; b < no; b++)
#pragma GCC unroll 5
    for (int j = 0; j < nj; j++)
      *(PsV16u *) (lo + b * lstride + j * DT) = acc[b][j];
}

/* dy of sample n into rows of whole tiles (dyp: O, OH, tiles * DT), the lanes
 * past a row's end zero; blanes (O, DT) += those tiles when not NULL.  A
 * tile is one vector load and a mask, except where a whole vector would read
 * past the end of dy. */
typedef int32_t PsI16 __attribute__ ((vector_size (64)));

static inline __attribute__ ((always_inline)) void
direct_dy_tiles (const PsConvGeom *g, const DirectDims *d, const float *dy, int64_t n,
                 float *dyp, float *blanes)
{
  int64_t P = g->OH * g->OW, row = d->tiles * DT, last = g->N * g->O * P;
  int64_t tail = g->OW - (d->tiles - 1) * DT;   /* lanes of a row's last tile, 1 .. DT */
  PsI16 mask;

  for (int l = 0; l < DT; l++)
    mask[l] = l < tail ? -1 : 0;
  for (int64_t o = 0; o < g->O; o++)
    {
      PsV16 bsum = { 0 };
      if (blanes)
        bsum = ld16 (blanes + o * DT);
      for (int64_t oh = 0; oh < g->OH; oh++)
        {
          int64_t at = (n * g->O + o) * P + oh * g->OW;
          float *dst = dyp + (o * g->OH + oh) * row;
          PsV16 v;
          for (int64_t t = 0; t + 1 < d->tiles; t++)
            {
              v = ld16 (dy + at + t * DT);
              *(PsV16u *) (dst + t * DT) = v;
              bsum += v;
            }
          at += (d->tiles - 1) * DT;
          if (at + DT <= last)
            v = (PsV16) ((PsI16) ld16 (dy + at) & mask);
          else
            for (int l = 0; l < DT; l++)
              v[l] = l < tail ? dy[at + l] : 0.f;
          *(PsV16u *) (dst + (d->tiles - 1) * DT) = v;
          bsum += v;
        }
      if (blanes)
        *(PsV16u *) (blanes + o * DT) = bsum;
    }
}

/* The weight gradient of a convolution with exactly DT output channels and
 * one group, kernel 3x3 or 5x5 (LeNet's conv2): the output channels in a
 * vector's lanes, like direct_forward_lanes.  Each sample's dy is turned to
 * (pixel, channel); for each input channel, kh * kw sums (one a tap, 16
 * channels each) run over its pixels, one load of dy's 16 channels feeding
 * kh * kw multiply-adds of a broadcast input, and are added to the sample
 * totals t (Cg, kh, kw, DT).  Rows of 10 columns had used 10 lanes of 16.
 * At the end the totals go to the lanes' layout (lane 0; the others zero),
 * and the bias's sum to blanes, for direct_conv's reduction. */
static gboolean
direct_weight_lanes_fit (const PsConvGeom *g)
{
  int64_t xp_n, dyp_n, lanes_n;

  if (!direct_channel_lanes (g) || g->groups != 1 || g->kh != g->kw
      || (g->kh != 3 && g->kh != 5))
    return FALSE;
  direct_worker_layout (g, &xp_n, &dyp_n, &lanes_n);
  return (g->OH * g->OW + g->C * g->kh * g->kw) * DT <= dyp_n;
}

static inline __attribute__ ((always_inline)) void
direct_weight_pixels (const PsConvGeom *g, const DirectDims *d, const float *xc, const float *dyt,
                      float *tc, const int k)
{
  PsV16 acc[25];

#pragma GCC unroll 25
  for (int t = 0; t < k * k; t++)
    acc[t] = (PsV16) { 0 };
  for (int64_t oh = 0; oh < g->OH; oh++)
    for (int64_t ow = 0; ow < g->OW; ow++)
      {
        PsV16 dv = ld16 (dyt + (oh * g->OW + ow) * DT);
        const float *xr[5];
#pragma GCC unroll 5
        for (int i = 0; i < k; i++)
          {
            xr[i] = xc + (oh + i) * d->Wp + ow;
            __asm__ ("" : "+r" (xr[i]));   /* broadcast loads, as in direct_pixels */
          }
#pragma GCC unroll 5
        for (int i = 0; i < k; i++)
#pragma GCC unroll 5
          for (int j = 0; j < k; j++)
            acc[i * k + j] += xr[i][j] * dv;
      }
#pragma GCC unroll 25
  for (int t = 0; t < k * k; t++)
    *(PsV16u *) (tc + t * DT) = ld16 (tc + t * DT) + acc[t];
}

PS_DIRECT_CLONES __attribute__ ((noinline)) static void
direct_weight_lanes (const PsConvGeom *g, const float *x, const float *dy, float *lanes,
                     float *blanes, float *xp, float *dyp, int64_t n0, int64_t n1)
{
  DirectDims d;
  int64_t P = g->OH * g->OW, khw = g->kh * g->kw;
  float *dyt = dyp, *tot = dyp + P * DT;
  PsV16 bsum = { 0 };

  direct_dims (g, &d);
  memset (tot, 0, (size_t) (g->C * khw * DT) * sizeof (float));
  for (int64_t n = n0; n < n1; n++)
    {
      const float *dn = dy + n * DT * P;
      PsV16 bn = { 0 };   /* the sample's sum first, as its taps' */
      direct_pad (g, &d, x + n * g->C * g->H * g->W, xp);
      for (int64_t p = 0; p < P; p++)
        {
          PsV16 v;
          for (int o = 0; o < DT; o++)
            v[o] = dn[o * P + p];
          *(PsV16u *) (dyt + p * DT) = v;
          bn += v;
        }
      bsum += bn;
      for (int64_t c = 0; c < g->C; c++)
        {
          const float *xc = xp + c * d.Hp * d.Wp;
          if (g->kh == 5)
            direct_weight_pixels (g, &d, xc, dyt, tot + c * khw * DT, 5);
          else
            direct_weight_pixels (g, &d, xc, dyt, tot + c * khw * DT, 3);
        }
    }
  for (int64_t o = 0; o < DT; o++)
    for (int64_t ct = 0; ct < g->C * khw; ct++)
      {
        float *l = lanes + (o * g->C * khw + ct) * DT;
        l[0] = tot[ct * DT + o];
        for (int k = 1; k < DT; k++)
          l[k] = 0.f;
      }
  if (blanes)
    for (int64_t o = 0; o < DT; o++)
      {
        blanes[o * DT] = bsum[o];
        for (int k = 1; k < DT; k++)
          blanes[o * DT + k] = 0.f;
      }
}

/* lanes (O, Cg, kh, kw, DT) += dy (samples n0 .. n1 - 1) times x's shifted tiles;
 * blanes (O, DT) += dy's tiles, when not NULL.  xp and dyp hold a chunk's
 * planes and tiles; each lane adds its products sample by sample, row by
 * row, whatever the chunk. */
PS_DIRECT_CLONES static void
direct_weight (const PsConvGeom *g, const float *x, const float *dy, float *lanes, float *blanes,
               float *xp, float *dyp, int64_t n0, int64_t n1)
{
  DirectDims d;
  int64_t Cg, Og, row, nblk, khw = g->kh * g->kw, chunk = direct_chunk (g);
  int64_t xs, ds;   /* floats of a sample's planes, of its dy tiles */

  direct_dims (g, &d);
  Cg = g->C / g->groups, Og = g->O / g->groups, row = d.tiles * DT;
  xs = g->C * d.Hp * d.Wp, ds = g->O * g->OH * row;
  nblk = (Og + DO - 1) / DO;   /* blocks of a group, their sizes within one of each other */
  for (int64_t c0 = n0; c0 < n1; c0 += chunk)
    {
      int64_t m = MIN (chunk, n1 - c0);
      for (int64_t s = 0; s < m; s++)
        {
          direct_pad (g, &d, x + (c0 + s) * g->C * g->H * g->W, xp + s * xs);
          direct_dy_tiles (g, &d, dy, c0 + s, dyp + s * ds, blanes);
        }
      for (int64_t gi = 0; gi < g->groups; gi++)
        for (int64_t k = 0; k < nblk; k++)
          {
            int64_t o0 = gi * Og + Og * k / nblk, no = Og * (k + 1) / nblk - Og * k / nblk;
            const float *dyo = dyp + o0 * g->OH * row;
            for (int64_t c = 0; c < Cg; c++)
              {
                const float *xc = xp + (gi * Cg + c) * d.Hp * d.Wp;
                for (int64_t i = 0; i < g->kh; i++)
                  for (int64_t j0 = 0; j0 < g->kw; j0 += DJ)
                    {
                      float *lo = lanes + ((o0 * Cg + c) * khw + i * g->kw + j0) * DT;
                      int64_t dst = g->OH * row, ls = Cg * khw * DT;
                      switch (no * 8 + MIN (DJ, g->kw - j0))
                        {
#define TAPS(b_, j_) case b_ * 8 + j_: \
  direct_taps (g, &d, dyo, dst, ds, xc, xs, m, i, j0, lo, ls, b_, j_); break;
#define TAPS_J(b_) TAPS (b_, 1) TAPS (b_, 2) TAPS (b_, 3) TAPS (b_, 4) TAPS (b_, 5)
                        TAPS_J (1) TAPS_J (2) TAPS_J (3) TAPS_J (4)
#undef TAPS_J
#undef TAPS
                        default: g_assert_not_reached ();
                        }
                    }
              }
          }
    }
}

/* The workspace: the packed weight, then each worker's padded input, dy
 * tiles and weight-gradient lanes. */
typedef struct
{
  const PsConvGeom *g;
  const float *x, *w, *b, *dy, *wp;
  float *y, *dx, *dw, *db, *ws;
  int64_t N;
} DirectJob;

static float *
direct_worker_ws (const DirectJob *j, int k)
{
  return j->ws + direct_pack_floats (j->g) + k * direct_worker_floats (j->g);
}

/* worker k of n: its share of the samples */
static void
direct_run (DirectJob *j, int k, int n)
{
  const PsConvGeom *g = j->g;
  float *xp = direct_worker_ws (j, k), *dyp, *lanes, *blanes;
  int64_t n0 = j->N * k / n, n1 = j->N * (k + 1) / n;
  PsConvGeom gt;

  int64_t xp_n, dyp_n, lanes_n;

  direct_grad_geom (g, &gt);
  direct_worker_layout (g, &xp_n, &dyp_n, &lanes_n);
  dyp = xp + xp_n;
  lanes = dyp + dyp_n;
  blanes = lanes + lanes_n;
  if (j->y)
    direct_forward (g, j->x, j->wp, j->b, j->y, xp, n0, n1);
  if (j->dw)
    {
      memset (lanes, 0, (size_t) (blanes + g->O * DT - lanes) * sizeof (float));
      if (direct_weight_lanes_fit (g))
        direct_weight_lanes (g, j->x, j->dy, lanes, j->db ? blanes : NULL, xp, dyp, n0, n1);
      else
        direct_weight (g, j->x, j->dy, lanes, j->db ? blanes : NULL, xp, dyp, n0, n1);
    }
  if (j->dx)
    direct_forward (&gt, j->dy, j->wp, NULL, j->dx, xp, n0, n1);
}

static void
direct_run_second (gpointer data)
{
  direct_run (data, 1, PS_CONV_WORKERS);
}

/* The samples are split in two halves, the second on the helper thread
 * when it is free and begins it while the first is computed here (else
 * here, after the first): the same sums either way. */
static void
direct_conv (DirectJob *j)
{
  const PsConvGeom *g = j->g;
  int n = PS_CONV_WORKERS;
  gboolean helped;

  G_STATIC_ASSERT (PS_CONV_WORKERS == 2);
  j->N = g->N;
  if (j->y || j->dx)
    {
      direct_pack (g, j->w, j->dx != NULL, j->ws);
      j->wp = j->ws;
    }
  helped = g->N >= 2 && ps_helper_claim ();
  if (helped)
    ps_helper_start (direct_run_second, j);
  direct_run (j, 0, n);
  if (!helped || !ps_helper_join ())
    direct_run (j, 1, n);
  if (j->dw)
    {
      int64_t nw = g->O * (g->C / g->groups) * g->kh * g->kw;
      for (int k = 0; k < n; k++)
        {
          const float *blanes = direct_worker_ws (j, k) + direct_worker_floats (g) - g->O * DT;
          const float *lanes = blanes - nw * DT;
          for (int64_t i = 0; i < nw; i++)
            {
              float s = 0.f;
              for (int l = 0; l < DT; l++)
                s += lanes[i * DT + l];
              j->dw[i] += s;
            }
          for (int64_t o = 0; j->db && o < g->O; o++)
            {
              float s = 0.f;
              for (int l = 0; l < DT; l++)
                s += blanes[o * DT + l];
              j->db[o] += s;
            }
        }
    }
}

/* ---- kernel taps that never meet the input ---------------------------------- *
 *
 * A 3x3 convolution padded by 1 on a 1x1 input (resnet18's last four at
 * 32x32 images) reads the input through its centre tap only: the other
 * eight rows of every column are padding, and im2col + sgemm would multiply
 * 9x the products that count (and col2im add zeros back).  The taps that
 * meet the input for some output are a range of rows i0 .. i1 - 1 and
 * columns j0 .. j1 - 1 of the kernel (with a large stride or dilation the
 * range may hold unused taps too: they read zeros, as before); the
 * convolution is then the one with the kernel cut to that range, its
 * padding less the rows and columns cut before it, on the used taps'
 * weights gathered into the workspace (and their gradient scattered back).
 * The sums lose only their zero terms (sgemm may group the rest otherwise). */

/* taps t of k (dilation d, stride s, padding p before) that read inside
 * [0, in) for some output 0 .. out - 1: lo .. hi - 1 (lo == hi: none) */
static void
conv_taps_used (int64_t k, int64_t d, int64_t s, int64_t p, int64_t in, int64_t out,
                int64_t *lo, int64_t *hi)
{
  *lo = k, *hi = 0;
  for (int64_t t = 0; t < k; t++)
    {
      /* o s + t d - p in [0, in): the first o with o s >= p - t d */
      int64_t a = p - t * d;
      int64_t o = a > 0 ? (a + s - 1) / s : 0;
      if (o < out && o * s - a < in)
        {
          *lo = MIN (*lo, t);
          *hi = t + 1;
        }
    }
}

/* TRUE when some taps are never used: gt is the convolution with the kernel
 * cut to rows i0 .. i0 + gt->kh - 1 and columns j0 .. j0 + gt->kw - 1 */
static gboolean
conv_taps_trim (const PsConvGeom *g, PsConvGeom *gt, int64_t *i0, int64_t *j0)
{
  int64_t i1, j1;

  conv_taps_used (g->kh, g->dh, g->sh, g->pt, g->H, g->OH, i0, &i1);
  conv_taps_used (g->kw, g->dw, g->sw, g->pl, g->W, g->OW, j0, &j1);
  /* every output reads some tap inside (the geometry's check), so the ranges
   * are not empty */
  g_assert (*i0 < i1 && *j0 < j1);
  if (i1 - *i0 == g->kh && j1 - *j0 == g->kw)
    return FALSE;
  *gt = *g;
  gt->kh = i1 - *i0, gt->kw = j1 - *j0;
  gt->pt = g->pt - *i0 * g->dh, gt->pl = g->pl - *j0 * g->dw;   /* may go below 0 */
  gt->pb = g->pb - (g->kh - i1) * g->dh, gt->pr = g->pr - (g->kw - j1) * g->dw;
  gt->algo = PS_CONV_ALGO_IM2COL;
  return TRUE;
}

/* between the whole kernel's weight (O, Cg, kh, kw) and the used taps'
 * (O, Cg, gt->kh, gt->kw): rows oc0 .. oc1 - 1 of O Cg */
typedef struct
{
  const PsConvGeom *g, *gt;
  int64_t i0, j0;
  const float *src;
  float *dst;
  gboolean scatter;   /* FALSE: dst (cut) = the used taps of src (whole);
                       * TRUE: dst (whole) += src (cut) at the used taps */
} TapsPass;

static void
conv_taps_part (int64_t oc0, int64_t oc1, gpointer data)
{
  const TapsPass *t = data;
  const PsConvGeom *g = t->g, *gt = t->gt;
  int64_t khw = g->kh * g->kw, at = t->i0 * g->kw + t->j0, kt = gt->kh * gt->kw;

  if (kt == 1)   /* one tap (resnet18's): a strided copy */
    {
      const float *restrict src = t->src;
      float *restrict dst = t->dst;
      if (t->scatter)
        for (int64_t oc = oc0; oc < oc1; oc++)
          dst[oc * khw + at] += src[oc];
      else
        for (int64_t oc = oc0; oc < oc1; oc++)
          dst[oc] = src[oc * khw + at];
      return;
    }
  for (int64_t oc = oc0; oc < oc1; oc++)
    for (int64_t i = 0; i < gt->kh; i++)
      for (int64_t j = 0; j < gt->kw; j++)
        {
          int64_t whole = oc * khw + at + i * g->kw + j, cut = (oc * gt->kh + i) * gt->kw + j;
          if (t->scatter)
            t->dst[whole] += t->src[cut];
          else
            t->dst[cut] = t->src[whole];
        }
}

#define PS_TAPS_SPLIT_FLOATS (1 << 16)   /* whole-kernel floats worth a second thread */

/* the pass over rows, halves on the helper thread when large (each row's
 * result is the same whichever thread computes it) */
static void
conv_taps_pass (const PsConvGeom *g, const PsConvGeom *gt, int64_t i0, int64_t j0,
                const float *src, float *dst, gboolean scatter)
{
  TapsPass t = { g, gt, i0, j0, src, dst, scatter };

  ps_helper_split (g->O * (g->C / g->groups), PS_TAPS_SPLIT_FLOATS / (g->kh * g->kw),
                   conv_taps_part, &t);
}

/* wt (O, Cg, gt->kh, gt->kw) = the used taps of w (O, Cg, kh, kw) */
static void
conv_taps_gather (const PsConvGeom *g, const PsConvGeom *gt, int64_t i0, int64_t j0,
                  const float *w, float *wt)
{
  conv_taps_pass (g, gt, i0, j0, w, wt, FALSE);
}

/* dw (O, Cg, kh, kw) += dwt (O, Cg, gt->kh, gt->kw) at the used taps */
static void
conv_taps_scatter (const PsConvGeom *g, const PsConvGeom *gt, int64_t i0, int64_t j0,
                   const float *dwt, float *dw)
{
  conv_taps_pass (g, gt, i0, j0, dwt, dw, TRUE);
}

/* ---- im2col + sgemm in two halves ------------------------------------------ *
 *
 * With one OpenBLAS thread (OpenBLAS splits its products itself with more)
 * the work is cut in two fixed halves, each with its own columns: the
 * second is run by the helper thread when it is free and begins it while
 * the first is computed here, else here after the first (as the direct
 * convolution does).  im2col, the products, the copies and col2im of the two
 * halves then run on both cores.  Forward, the halves are the samples
 * [0, N/2) and [N/2, N); backward, the input channels of each group
 * [0, Cg/2) and [Cg/2, Cg) over all samples: each half owns its columns of
 * dW and its planes of dx, so nothing is summed across threads and the bits
 * are the same whichever thread computed a half.
 *
 * The workspace: each half's columns and gathered output (sized for the
 * whole kernel), and the used taps' weight and gradient when taps are cut. */

typedef struct
{
  int64_t half;      /* floats of one half's columns and gathered output */
  int64_t taps;      /* floats of the used taps' weight (0: no tap is cut) */
} Im2colLayout;

static void
im2col_layout (const PsConvGeom *g, Im2colLayout *l)
{
  int64_t nb = conv_chunk (g), P = g->OH * g->OW, Cg = g->C / g->groups;
  PsConvGeom gt;
  int64_t i0, j0;

  l->half = Cg * g->kh * g->kw * nb * P + (nb > 1 ? g->O / g->groups * nb * P : 0);
  l->taps = conv_taps_trim (g, &gt, &i0, &j0) ? g->O * Cg * gt.kh * gt.kw : 0;
}

static int64_t
im2col_workspace (const PsConvGeom *g)
{
  Im2colLayout l;

  im2col_layout (g, &l);
  return 2 * l.half + 2 * l.taps;
}

typedef struct
{
  const PsConvGeom *g;       /* the convolution computed (cut to the used taps) */
  const float *x, *w, *dy;
  float *y, *dx, *dw;
  float *col[2], *tmp[2];    /* each half's columns and gathered output */
  int64_t nb;                /* samples a chunk */
  int64_t mid, cmid;         /* the second half's first sample (forward), and first
                              * input channel of each group (backward) */
} Im2colJob;

/* y of samples n .. n1 - 1 = conv (x, w) */
static void
im2col_forward (const Im2colJob *j, int64_t n, int64_t n1, float *col, float *tmp)
{
  const PsConvGeom *g = j->g;
  int64_t P = g->OH * g->OW, Cg = g->C / g->groups, Og = g->O / g->groups;
  int64_t K = Cg * g->kh * g->kw;

  for (int64_t n0 = n; n0 < n1; n0 += j->nb)
    {
      int64_t m = MIN (j->nb, n1 - n0);
      for (int64_t gi = 0; gi < g->groups; gi++)
        {
          const float *wg = j->w + gi * Og * K;
          im2col (g, j->x, n0, m, gi * Cg, Cg, col);
          if (m == 1)
            {
              ps_sgemm (FALSE, FALSE, (int) Og, (int) P, (int) K,
                           1.f, wg, (int) K, col, (int) P, 0.f,
                           j->y + (n0 * g->O + gi * Og) * P, (int) P);
              continue;
            }
          ps_sgemm (FALSE, FALSE, (int) Og, (int) (m * P), (int) K,
                       1.f, wg, (int) K, col, (int) (m * P), 0.f, tmp, (int) (m * P));
          for (int64_t s = 0; s < m; s++)
            for (int64_t o = 0; o < Og; o++)
              memcpy (j->y + ((n0 + s) * g->O + gi * Og + o) * P, tmp + (o * m + s) * P,
                      (size_t) P * sizeof (float));
        }
    }
}

/* input channels c .. c1 - 1 of every group (of all samples): their dx =
 * conv^T (dy, w) (overwritten) and/or their columns of dw += dy (x) */
static void
im2col_backward (const Im2colJob *j, int64_t c, int64_t c1, float *col, float *tmp)
{
  const PsConvGeom *g = j->g;
  int64_t P = g->OH * g->OW, Cg = g->C / g->groups, Og = g->O / g->groups, HW = g->H * g->W;
  int64_t khw = g->kh * g->kw, K = Cg * khw, Kc = (c1 - c) * khw;

  if (j->dx)
    for (int64_t n = 0; n < g->N; n++)
      for (int64_t gi = 0; gi < g->groups; gi++)
        memset (j->dx + (n * g->C + gi * Cg + c) * HW, 0,
                (size_t) ((c1 - c) * HW) * sizeof (float));
  for (int64_t n0 = 0; n0 < g->N; n0 += j->nb)
    {
      int64_t m = MIN (j->nb, g->N - n0);
      for (int64_t gi = 0; gi < g->groups; gi++)
        {
          const float *dyg;
          int64_t ld = m * P;
          if (m == 1)
            dyg = j->dy + (n0 * g->O + gi * Og) * P;
          else
            {
              for (int64_t s = 0; s < m; s++)
                for (int64_t o = 0; o < Og; o++)
                  memcpy (tmp + (o * m + s) * P, j->dy + ((n0 + s) * g->O + gi * Og + o) * P,
                          (size_t) P * sizeof (float));
              dyg = tmp;
            }
          if (j->dw)
            {
              im2col (g, j->x, n0, m, gi * Cg + c, c1 - c, col);
              ps_sgemm (FALSE, TRUE, (int) Og, (int) Kc, (int) ld, 1.f, dyg, (int) ld, col,
                        (int) ld, 1.f, j->dw + gi * Og * K + c * khw, (int) K);
            }
          if (j->dx)
            {
              ps_sgemm (TRUE, FALSE, (int) Kc, (int) ld, (int) Og, 1.f,
                        j->w + gi * Og * K + c * khw, (int) K, dyg, (int) ld, 0.f, col, (int) ld);
              col2im (g, col, n0, m, gi * Cg + c, c1 - c, j->dx);
            }
        }
    }
}

static void
im2col_forward_second (gpointer data)
{
  Im2colJob *j = data;

  im2col_forward (j, j->mid, j->g->N, j->col[1], j->tmp[1]);
}

static void
im2col_backward_second (gpointer data)
{
  Im2colJob *j = data;

  im2col_backward (j, j->cmid, j->g->C / j->g->groups, j->col[1], j->tmp[1]);
}

/* the job's halves: here, and on the helper when it takes the second */
static void
im2col_run (Im2colJob *j, gboolean backward)
{
  void (*second) (gpointer) = backward ? im2col_backward_second : im2col_forward_second;
  gboolean two = backward ? j->cmid < j->g->C / j->g->groups : j->mid < j->g->N;
  gboolean helped = two && ps_helper_claim ();

  if (helped)
    ps_helper_start (second, j);
  if (backward)
    im2col_backward (j, 0, j->cmid, j->col[0], j->tmp[0]);
  else
    im2col_forward (j, 0, j->mid, j->col[0], j->tmp[0]);
  if (two && (!helped || !ps_helper_join ()))
    second (j);
}

/* the job on g's workspace, cut to the used taps when some are never used:
 * their weight gathered (when w is needed), their gradient summed apart */
static void
im2col_job_init (Im2colJob *j, const PsConvGeom *g, PsConvGeom *gt, const float *w,
                 gboolean need_w, float *ws)
{
  Im2colLayout l;
  int64_t i0, j0;

  im2col_layout (g, &l);
  j->g = g;
  j->w = w;
  j->nb = conv_chunk (g);
  for (int h = 0; h < 2; h++)
    {
      j->col[h] = ws + h * l.half;
      j->tmp[h] = j->col[h] + g->C / g->groups * g->kh * g->kw * j->nb * g->OH * g->OW;
    }
  /* two halves with one OpenBLAS thread; with more, OpenBLAS splits each product */
  j->mid = g->N;
  j->cmid = g->C / g->groups;
  if (openblas_get_num_threads () == 1)
    {
      j->mid = g->N / 2 > 0 ? g->N / 2 : g->N;
      j->cmid = j->cmid / 2 > 0 ? j->cmid / 2 : j->cmid;
    }
  if (conv_taps_trim (g, gt, &i0, &j0))
    {
      float *wt = ws + 2 * l.half;
      if (need_w)
        conv_taps_gather (g, gt, i0, j0, w, wt);
      j->g = gt;
      j->w = wt;
    }
}

/* y = conv (x, w) without bias; y (N, O, OH, OW) overwritten */
static void
conv_forward_data (const PsConvGeom *g, const float *x, const float *w, float *y, float *ws)
{
  Im2colJob j = { .x = x, .y = y };
  PsConvGeom gt;

  if (conv_use_direct (g))
    {
      direct_conv (&(DirectJob) { .g = g, .x = x, .w = w, .y = y, .ws = ws });
      return;
    }
  im2col_job_init (&j, g, &gt, w, TRUE, ws);
  im2col_run (&j, FALSE);
}

/* dx = conv^T (dy, w) (overwritten) and/or dw += dy (x) */
static void
conv_backward_data_weight (const PsConvGeom *g, const float *x, const float *w, const float *dy,
                           float *dx, float *dw, float *ws)
{
  Im2colJob j = { .x = x, .dy = dy, .dx = dx, .dw = dw };
  PsConvGeom gt;
  int64_t i0, j0;

  if (conv_use_direct (g))
    {
      /* the weight gradient first: the data gradient's packed weight is not its */
      if (dw)
        direct_conv (&(DirectJob) { .g = g, .x = x, .dy = dy, .dw = dw, .ws = ws });
      if (dx)
        direct_conv (&(DirectJob) { .g = g, .w = w, .dy = dy, .dx = dx, .ws = ws });
      return;
    }
  im2col_job_init (&j, g, &gt, w, dx != NULL, ws);
  if (j.g != g && dw)
    {
      /* the used taps' gradient is summed apart, then added to dw's */
      Im2colLayout l;
      im2col_layout (g, &l);
      j.dw = ws + 2 * l.half + l.taps;
      memset (j.dw, 0, (size_t) l.taps * sizeof (float));
    }
  im2col_run (&j, TRUE);
  if (j.g != g && dw && conv_taps_trim (g, &gt, &i0, &j0))
    conv_taps_scatter (g, &gt, i0, j0, j.dw, dw);
}

/* db[c] += sum over n and the plane of dy (N, Cout, P) */
PS_VECTOR_CLONES static void
bias_backward (int64_t N, int64_t Cout, int64_t P, const float *dy, float *db)
{
  for (int64_t c = 0; c < Cout; c++)
    {
      double acc = 0;
      for (int64_t n = 0; n < N; n++)
        {
          const float *p = dy + (n * Cout + c) * P;
          float s = 0.f;
          for (int64_t k = 0; k < P; k++)
            s += p[k];
          acc += s;
        }
      db[c] += (float) acc;
    }
}

PS_VECTOR_CLONES static void
bias_forward (int64_t N, int64_t Cout, int64_t P, const float *b, float *y)
{
  for (int64_t n = 0; n < N; n++)
    for (int64_t c = 0; c < Cout; c++)
      {
        float *p = y + (n * Cout + c) * P;
        float v = b[c];
        for (int64_t k = 0; k < P; k++)
          p[k] += v;
      }
}

void
ps_conv2d_forward (const PsConvGeom *g, const float *x, const float *w, const float *b,
                   float *y, float *ws)
{
  if (conv_use_direct (g))   /* the bias is the accumulators' start */
    {
      direct_conv (&(DirectJob) { .g = g, .x = x, .w = w, .b = b, .y = y, .ws = ws });
      return;
    }
  conv_forward_data (g, x, w, y, ws);
  if (b)
    bias_forward (g->N, g->O, g->OH * g->OW, b, y);
}

void
ps_conv2d_backward (const PsConvGeom *g, const float *x, const float *w, const float *dy,
                    float *dx, float *dw, float *db, float *ws)
{
  if (dw && db && conv_use_direct (g))
    {
      /* the bias gradient sums dy's tiles as the weight gradient copies them */
      direct_conv (&(DirectJob) { .g = g, .x = x, .dy = dy, .dw = dw, .db = db, .ws = ws });
      if (dx)
        direct_conv (&(DirectJob) { .g = g, .w = w, .dy = dy, .dx = dx, .ws = ws });
      return;
    }
  if (db)
    bias_backward (g->N, g->O, g->OH * g->OW, dy, db);
  if (dx || dw)
    conv_backward_data_weight (g, x, w, dy, dx, dw, ws);
}

/* ---- transposed convolution ---------------------------------------------- */

gboolean
ps_conv_transpose_geom_init (PsConvGeom *tg, int64_t N, int64_t C_in, int64_t H, int64_t W,
                             int64_t C_out, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                             int64_t ph, int64_t pw, int64_t oph, int64_t opw,
                             int64_t dh, int64_t dw, int64_t groups, GError **error)
{
  int64_t OH, OW;

  if (H <= 0 || W <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "non-positive input size, stride or dilation in a transposed convolution");
      return FALSE;
    }
  if (oph < 0 || opw < 0 || (oph >= sh && oph >= dh) || (opw >= sw && opw >= dw))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "output padding must be smaller than either stride or dilation, but got "
                   "output_padding_height: %" G_GINT64_FORMAT " output_padding_width: %"
                   G_GINT64_FORMAT " stride_height: %" G_GINT64_FORMAT " stride_width: %"
                   G_GINT64_FORMAT " dilation_height: %" G_GINT64_FORMAT " dilation_width: %"
                   G_GINT64_FORMAT, oph, opw, sh, sw, dh, dw);
      return FALSE;
    }
  OH = (H - 1) * sh - 2 * ph + dh * (kh - 1) + oph + 1;
  OW = (W - 1) * sw - 2 * pw + dw * (kw - 1) + opw + 1;
  if (OH <= 0 || OW <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Given input size per channel: (%" G_GINT64_FORMAT " x %" G_GINT64_FORMAT
                   "). Calculated output size per channel: (%" G_GINT64_FORMAT " x %"
                   G_GINT64_FORMAT "). Output size is too small", H, W, OH, OW);
      return FALSE;
    }
  /* the convolution from the output (C_out, OH, OW) to the input (C_in, H, W):
   * its weight (C_in, C_out / groups, kh, kw) is exactly the transposed conv's */
  if (!ps_conv_geom_init (tg, N, C_out, OH, OW, C_in, kh, kw, sh, sw, ph, pw, dh, dw, groups,
                          error))
    return FALSE;
  /* output_padding adds rows/columns at the end that the conv does not reach */
  g_assert (tg->OH == H && tg->OW == W);
  return TRUE;
}

void
ps_conv_transpose2d_forward (const PsConvGeom *tg, const float *x, const float *w,
                             const float *b, float *y, float *ws)
{
  /* y = conv^T (x): the data gradient of tg's conv with dy = x */
  conv_backward_data_weight (tg, NULL, w, x, y, NULL, ws);
  if (b)
    bias_forward (tg->N, tg->C, tg->H * tg->W, b, y);
}

void
ps_conv_transpose2d_backward (const PsConvGeom *tg, const float *x, const float *w,
                              const float *dy, float *dx, float *dw, float *db, float *ws)
{
  if (db)
    bias_backward (tg->N, tg->C, tg->H * tg->W, dy, db);
  if (dw)   /* dW += x (as tg's dy) times the columns of dy (as tg's input) */
    conv_backward_data_weight (tg, dy, w, x, NULL, dw, ws);
  if (dx)
    conv_forward_data (tg, dy, w, dx, ws);
}

/* ---- pooling ------------------------------------------------------------ */

static int64_t
pool_out (int64_t in, int64_t k, int64_t pad, int64_t stride, int64_t dil, gboolean ceil_mode)
{
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? stride - 1 : 0);
  int64_t out = (num >= 0 ? num / stride : -((-num + stride - 1) / stride)) + 1;

  if (ceil_mode && (out - 1) * stride >= in + pad)
    out--;
  return out;
}

gboolean
ps_pool_geom_init (PsPoolGeom *g, int64_t N, int64_t C, int64_t H, int64_t W,
                   int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                   int64_t dh, int64_t dw, gboolean ceil_mode, GError **error)
{
  memset (g, 0, sizeof *g);
  if (kh <= 0 || kw <= 0 || sh <= 0 || sw <= 0 || dh <= 0 || dw <= 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "kernel size, stride and dilation should be greater than zero");
      return FALSE;
    }
  if (ph < 0 || pw < 0 || kw / 2 < pw || kh / 2 < ph)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                   "pad should be smaller than or equal to half of kernel size, but got padW = %"
                   G_GINT64_FORMAT ", padH = %" G_GINT64_FORMAT ", kW = %" G_GINT64_FORMAT
                   ", kH = %" G_GINT64_FORMAT, pw, ph, kw, kh);
      return FALSE;
    }
  *g = (PsPoolGeom) {
    .N = N, .C = C, .H = H, .W = W, .kh = kh, .kw = kw, .sh = sh, .sw = sw, .ph = ph, .pw = pw,
    .dh = dh, .dw = dw, .ceil_mode = ceil_mode, .count_include_pad = TRUE,
  };
  g->OH = pool_out (H, kh, ph, sh, dh, ceil_mode);
  g->OW = pool_out (W, kw, pw, sw, dw, ceil_mode);
  if (H <= 0 || W <= 0 || g->OH < 1 || g->OW < 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "Given input size: (%" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "x%"
                   G_GINT64_FORMAT "). Calculated output size: (%" G_GINT64_FORMAT "x%"
                   G_GINT64_FORMAT "x%" G_GINT64_FORMAT "). Output size is too small",
                   C, H, W, C, g->OH, g->OW);
      return FALSE;
    }
  return TRUE;
}

/* input elements worth a second thread (a 3x3 max pool reads each about
 * twice, and compares) */
#define PS_MAX_POOL_SPLIT_ELEMENTS (1 << 15)

/* planes [begin, end) */
PS_VECTOR_CLONES static void
max_pool2d_forward (const PsPoolGeom *g, const float *x, float *y, int64_t *idx, int64_t begin,
                    int64_t end)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  for (int64_t nc = begin; nc < end; nc++)
    {
      const float *xp = x + nc * HW;
      for (int64_t oh = 0; oh < g->OH; oh++)
        {
          int64_t h0 = oh * g->sh - g->ph, h1 = MIN (h0 + (g->kh - 1) * g->dh + 1, g->H);
          while (h0 < 0)
            h0 += g->dh;
          for (int64_t ow = 0; ow < g->OW; ow++)
            {
              int64_t w0 = ow * g->sw - g->pw, w1 = MIN (w0 + (g->kw - 1) * g->dw + 1, g->W);
              while (w0 < 0)
                w0 += g->dw;
              float best = -INFINITY;
              int64_t bi = h0 * g->W + w0;
              for (int64_t ih = h0; ih < h1; ih += g->dh)
                for (int64_t iw = w0; iw < w1; iw += g->dw)
                  {
                    float v = xp[ih * g->W + iw];
                    if (v > best || isnan (v))
                      {
                        best = v;
                        bi = ih * g->W + iw;
                      }
                  }
              y[nc * P + oh * g->OW + ow] = best;
              idx[nc * P + oh * g->OW + ow] = bi;
            }
        }
    }
}

/* planes [begin, end) */
static void
max_pool2d_backward (const PsPoolGeom *g, const float *dy, const int64_t *idx, float *dx,
                     int64_t begin, int64_t end)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  memset (dx + begin * HW, 0, (size_t) ((end - begin) * HW) * sizeof (float));
  for (int64_t nc = begin; nc < end; nc++)
    for (int64_t k = 0; k < P; k++)
      dx[nc * HW + idx[nc * P + k]] += dy[nc * P + k];
}

/* max pooling over planes, split with the helper thread when large (each
 * plane its own: the same values and indices either way) */
typedef struct
{
  const PsPoolGeom *g;
  const float *in;
  float *out;
  int64_t *idx;
} MaxPoolPass;

static void
max_pool2d_forward_part (int64_t begin, int64_t end, gpointer p)
{
  MaxPoolPass *a = p;

  max_pool2d_forward (a->g, a->in, a->out, a->idx, begin, end);
}

static void
max_pool2d_backward_part (int64_t begin, int64_t end, gpointer p)
{
  MaxPoolPass *a = p;

  max_pool2d_backward (a->g, a->in, a->idx, a->out, begin, end);
}

void
ps_max_pool2d_forward (const PsPoolGeom *g, const float *x, float *y, int64_t *idx)
{
  ps_helper_split (g->N * g->C, PS_MAX_POOL_SPLIT_ELEMENTS / MAX (g->H * g->W, 1),
                   max_pool2d_forward_part, &(MaxPoolPass) { g, x, y, idx });
}

void
ps_max_pool2d_backward (const PsPoolGeom *g, const float *dy, const int64_t *idx, float *dx)
{
  ps_helper_split (g->N * g->C, PS_MAX_POOL_SPLIT_ELEMENTS / MAX (g->H * g->W, 1),
                   max_pool2d_backward_part, &(MaxPoolPass) { g, dy, dx, (int64_t *) idx });
}

/* the window of output (oh, ow) clipped to the input, and its divisor */
static inline void
avg_window (const PsPoolGeom *g, int64_t oh, int64_t ow,
            int64_t *h0, int64_t *h1, int64_t *w0, int64_t *w1, float *div)
{
  int64_t hs = oh * g->sh - g->ph, ws = ow * g->sw - g->pw;
  int64_t he = MIN (hs + g->kh, g->H + g->ph), we = MIN (ws + g->kw, g->W + g->pw);
  int64_t pool = (he - hs) * (we - ws);

  *h0 = MAX (hs, 0);
  *w0 = MAX (ws, 0);
  *h1 = MIN (he, g->H);
  *w1 = MIN (we, g->W);
  *div = (float) (g->count_include_pad ? pool : (*h1 - *h0) * (*w1 - *w0));
}

/* kernel 2x2, stride 2, no padding (LeNet's, most CNNs'): every window whole */
static gboolean
pool_is_2x2 (const PsPoolGeom *g)
{
  return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 && g->ph == 0 && g->pw == 0
         && 2 * g->OH <= g->H && 2 * g->OW <= g->W;
}

/* 2x2 windows of planes [begin, end) */
PS_WIDE_CLONES static void
avg_pool_2x2_forward (const PsPoolGeom *g, const float *x, float *y, int64_t begin, int64_t end)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  for (int64_t nc = begin; nc < end; nc++)
    for (int64_t oh = 0; oh < g->OH; oh++)
      {
        const float *r0 = x + nc * HW + 2 * oh * g->W, *r1 = r0 + g->W;
        float *q = y + nc * P + oh * g->OW;
        for (int64_t ow = 0; ow < g->OW; ow++)
          q[ow] = (r0[2 * ow] + r0[2 * ow + 1] + r1[2 * ow] + r1[2 * ow + 1]) / 4.f;
      }
}

PS_WIDE_CLONES static void
avg_pool_2x2_backward (const PsPoolGeom *g, const float *dy, float *dx, int64_t begin, int64_t end)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  for (int64_t nc = begin; nc < end; nc++)
    for (int64_t oh = 0; oh < g->OH; oh++)
      {
        float *r0 = dx + nc * HW + 2 * oh * g->W, *r1 = r0 + g->W;
        const float *q = dy + nc * P + oh * g->OW;
        for (int64_t ow = 0; ow < g->OW; ow++)
          {
            float v = q[ow] / 4.f;
            r0[2 * ow] = r0[2 * ow + 1] = r1[2 * ow] = r1[2 * ow + 1] = v;
          }
      }
}

/* a pooling pass over planes, split with the helper thread when large */
typedef struct
{
  const PsPoolGeom *g;
  const float *in;
  float *out;
} PoolPass;

static void
avg_pool_2x2_forward_part (int64_t begin, int64_t end, gpointer p)
{
  PoolPass *a = p;

  avg_pool_2x2_forward (a->g, a->in, a->out, begin, end);
}

static void
avg_pool_2x2_backward_part (int64_t begin, int64_t end, gpointer p)
{
  PoolPass *a = p;

  avg_pool_2x2_backward (a->g, a->in, a->out, begin, end);
}

#define PS_POOL_SPLIT_ELEMENTS (1 << 16)   /* input elements worth a second thread */

PS_VECTOR_CLONES void
ps_avg_pool2d_forward (const PsPoolGeom *g, const float *x, float *y)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  if (pool_is_2x2 (g))
    {
      ps_helper_split (g->N * g->C, PS_POOL_SPLIT_ELEMENTS / MAX (HW, 1),
                       avg_pool_2x2_forward_part, &(PoolPass) { g, x, y });
      return;
    }
  for (int64_t nc = 0; nc < g->N * g->C; nc++)
    {
      const float *xp = x + nc * HW;
      for (int64_t oh = 0; oh < g->OH; oh++)
        for (int64_t ow = 0; ow < g->OW; ow++)
          {
            int64_t h0, h1, w0, w1;
            float div, s = 0.f;
            avg_window (g, oh, ow, &h0, &h1, &w0, &w1, &div);
            for (int64_t ih = h0; ih < h1; ih++)
              for (int64_t iw = w0; iw < w1; iw++)
                s += xp[ih * g->W + iw];
            y[nc * P + oh * g->OW + ow] = s / div;
          }
    }
}

PS_VECTOR_CLONES void
ps_avg_pool2d_backward (const PsPoolGeom *g, const float *dy, float *dx)
{
  int64_t HW = g->H * g->W, P = g->OH * g->OW;

  if (pool_is_2x2 (g) && 2 * g->OH == g->H && 2 * g->OW == g->W)
    {
      ps_helper_split (g->N * g->C, PS_POOL_SPLIT_ELEMENTS / MAX (HW, 1),
                       avg_pool_2x2_backward_part, &(PoolPass) { g, dy, dx });
      return;
    }
  memset (dx, 0, (size_t) (g->N * g->C * HW) * sizeof (float));
  for (int64_t nc = 0; nc < g->N * g->C; nc++)
    {
      float *xp = dx + nc * HW;
      for (int64_t oh = 0; oh < g->OH; oh++)
        for (int64_t ow = 0; ow < g->OW; ow++)
          {
            int64_t h0, h1, w0, w1;
            float div;
            avg_window (g, oh, ow, &h0, &h1, &w0, &w1, &div);
            float v = dy[nc * P + oh * g->OW + ow] / div;
            for (int64_t ih = h0; ih < h1; ih++)
              for (int64_t iw = w0; iw < w1; iw++)
                xp[ih * g->W + iw] += v;
          }
    }
}

static inline int64_t
bin_start (int64_t i, int64_t out, int64_t in)
{
  return (i * in) / out;
}

static inline int64_t
bin_end (int64_t i, int64_t out, int64_t in)
{
  return ((i + 1) * in + out - 1) / out;
}

void
ps_adaptive_avg_pool2d_forward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                const float *x, float *y)
{
  for (int64_t nc = 0; nc < NC; nc++)
    {
      const float *xp = x + nc * H * W;
      for (int64_t oh = 0; oh < OH; oh++)
        {
          int64_t h0 = bin_start (oh, OH, H), h1 = bin_end (oh, OH, H);
          for (int64_t ow = 0; ow < OW; ow++)
            {
              int64_t w0 = bin_start (ow, OW, W), w1 = bin_end (ow, OW, W);
              float s = 0.f;
              for (int64_t ih = h0; ih < h1; ih++)
                for (int64_t iw = w0; iw < w1; iw++)
                  s += xp[ih * W + iw];
              y[(nc * OH + oh) * OW + ow] = s / (float) ((h1 - h0) * (w1 - w0));
            }
        }
    }
}

void
ps_adaptive_avg_pool2d_backward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float *dy, float *dx)
{
  memset (dx, 0, (size_t) (NC * H * W) * sizeof (float));
  for (int64_t nc = 0; nc < NC; nc++)
    {
      float *xp = dx + nc * H * W;
      for (int64_t oh = 0; oh < OH; oh++)
        {
          int64_t h0 = bin_start (oh, OH, H), h1 = bin_end (oh, OH, H);
          for (int64_t ow = 0; ow < OW; ow++)
            {
              int64_t w0 = bin_start (ow, OW, W), w1 = bin_end (ow, OW, W);
              float v = dy[(nc * OH + oh) * OW + ow] / (float) ((h1 - h0) * (w1 - w0));
              for (int64_t ih = h0; ih < h1; ih++)
                for (int64_t iw = w0; iw < w1; iw++)
                  xp[ih * W + iw] += v;
            }
        }
    }
}

void
ps_adaptive_max_pool2d_forward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                const float *x, float *y, int64_t *idx)
{
  for (int64_t nc = 0; nc < NC; nc++)
    {
      const float *xp = x + nc * H * W;
      for (int64_t oh = 0; oh < OH; oh++)
        {
          int64_t h0 = bin_start (oh, OH, H), h1 = bin_end (oh, OH, H);
          for (int64_t ow = 0; ow < OW; ow++)
            {
              int64_t w0 = bin_start (ow, OW, W), w1 = bin_end (ow, OW, W);
              float best = -INFINITY;
              int64_t bi = h0 * W + w0;
              for (int64_t ih = h0; ih < h1; ih++)
                for (int64_t iw = w0; iw < w1; iw++)
                  {
                    float v = xp[ih * W + iw];
                    if (v > best || isnan (v))
                      {
                        best = v;
                        bi = ih * W + iw;
                      }
                  }
              y[(nc * OH + oh) * OW + ow] = best;
              idx[(nc * OH + oh) * OW + ow] = bi;
            }
        }
    }
}

void
ps_adaptive_max_pool2d_backward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                 const float *dy, const int64_t *idx, float *dx)
{
  memset (dx, 0, (size_t) (NC * H * W) * sizeof (float));
  for (int64_t nc = 0; nc < NC; nc++)
    for (int64_t k = 0; k < OH * OW; k++)
      dx[nc * H * W + idx[nc * OH * OW + k]] += dy[nc * OH * OW + k];
}
