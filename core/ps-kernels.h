/* ps-kernels.h — the math of each layer, forward and backward
 *
 * Pure functions over float32 buffers in PyTorch's layouts (NCHW, row-major,
 * contiguous) with explicit shapes.  Nothing here allocates: whatever a
 * kernel needs beyond its inputs and outputs is a caller-provided workspace
 * whose size a `*_workspace()` function gives (in floats).  This is the one
 * home of each op's arithmetic; the tape and the interpreter call it.
 *
 * Conventions:
 *  - Forward functions overwrite their outputs and save, in caller buffers,
 *    what their backward needs (pool indices, batch-norm statistics, RNN gates).
 *  - Backward functions overwrite dx (the gradient wrt the input; NULL skips
 *    it) and ADD (+=) into parameter gradients (dw, db, ...; NULL skips), the
 *    way PyTorch accumulates `.grad`.
 *  - Shapes are in comments as (N, C, H, W).  1-d ops (conv1d, pools over
 *    (N, C, L)) are the 2-d op with H = 1.
 *
 *   PsConvGeom g;
 *   if (!ps_conv_geom_init (&g, N, C, H, W, O, kh, kw, 1, 1, 1, 1, 1, 1, 1, 1, 1, &error)) ...
 *   float *ws = g_new (float, ps_conv_workspace (&g));
 *   ps_conv2d_forward (&g, x, w, b, y, ws);                       // y: (N, O, g.OH, g.OW)
 *   ps_conv2d_backward (&g, x, w, dy, dx, dw, db, ws);
 */
#pragma once

#include <glib.h>
#include <stdint.h>

#include "ps-rng.h"

G_BEGIN_DECLS

/* ---- matrix products ------------------------------------------------------ */

/* Every matrix product of the kernels and the tape: cblas_sgemm, row-major,
 * C = alpha op(A) op(B) + beta C with op(A) (M, K), op(B) (K, N). */
void ps_sgemm (gboolean trans_a, gboolean trans_b, int M, int N, int K, float alpha,
               const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

/* One product's arguments, as ps_sgemm takes them. */
typedef struct
{
  gboolean     trans_a, trans_b;
  int          M, N, K;
  float        alpha;
  const float *A;
  int          lda;
  const float *B;
  int          ldb;
  float        beta;
  float       *C;
  int          ldc;
} PsGemm;

/* Two independent products (a Linear layer's weight and data gradients),
 * the second on the core's helper thread when it is free and OpenBLAS runs
 * one thread of its own: the same calls, so the same results, as ps_sgemm
 * on each in turn (which is what happens otherwise), and recorded in that
 * order. */
void ps_sgemm_two (const PsGemm *first, const PsGemm *second);

typedef struct
{
  gboolean trans_a, trans_b;
  int      M, N, K;
  float    beta;
} PsGemmShape;

/* Append the shape of every ps_sgemm call to log (an array of PsGemmShape)
 * until called with NULL: what the benchmark replays as a step's sgemm floor.
 * For one thread's use, with nothing else running products (those of the
 * helper thread, a convolution's second half, are recorded too, as they come). */
void ps_sgemm_record (GArray *log);
/* Record a product computed another way (a small one as plain loops): the
 * floor then counts what cblas_sgemm would take for it. */
void ps_sgemm_note (gboolean trans_a, gboolean trans_b, int M, int N, int K, float beta);

/* OpenBLAS's kernel set ("SkylakeX", "Haswell", ...) and how it was chosen:
 * "OPENBLAS_CORETYPE" (the environment's), "detected" (OpenBLAS's own
 * detection) or "ParamScope" (OpenBLAS fell back to its SSE3 "Prescott"
 * kernels on a processor it does not know, one with AVX-512 or AVX2, and
 * ParamScope chose the matching set at load time). */
const char *ps_blas_core (const char **chosen_by);

/* ---- convolution -------------------------------------------------------- */

typedef struct
{
  int64_t N, C, H, W;            /* input (N, C, H, W) */
  int64_t O, kh, kw;             /* weight (O, C / groups, kh, kw) */
  int64_t sh, sw;                /* stride */
  int64_t pt, pb, pl, pr;        /* padding top, bottom, left, right ('same' may be uneven) */
  int64_t dh, dw;                /* dilation */
  int64_t groups;
  int64_t OH, OW;                /* output (N, O, OH, OW), computed */
  int     algo;                  /* PS_CONV_ALGO_*: AUTO unless a test forces one */
} PsConvGeom;

/* How a convolution is computed.  AUTO: direct (vectorized over output
 * columns, on two threads) for stride 1, dilation 1 and few output channels
 * a group, where sgemm's products would be too thin; im2col + sgemm otherwise.
 * DIRECT falls back to im2col for shapes it does not cover
 * (ps_conv_direct_covers). */
enum { PS_CONV_ALGO_AUTO, PS_CONV_ALGO_IM2COL, PS_CONV_ALGO_DIRECT };
gboolean ps_conv_direct_covers (const PsConvGeom *g);

#define PS_CONV_SAME (-1)   /* ph = pw = PS_CONV_SAME: padding='same' */

/* Fill g and compute OH, OW; FALSE with a message in PyTorch's words when the
 * (padded) input is smaller than the dilated kernel or the sizes are invalid.
 * padding='same' (stride 1 only) pads d (k - 1) in all, the odd one at the
 * end (bottom/right), as PyTorch does. */
gboolean ps_conv_geom_init (PsConvGeom *g, int64_t N, int64_t C, int64_t H, int64_t W,
                            int64_t O, int64_t kh, int64_t kw, int64_t sh, int64_t sw,
                            int64_t ph, int64_t pw, int64_t dh, int64_t dw, int64_t groups,
                            GError **error);
/* Floats of workspace for forward and backward of g (conv and transposed conv). */
int64_t  ps_conv_workspace (const PsConvGeom *g);

/* x (N, C, H, W)  w (O, C/groups, kh, kw)  b (O) or NULL  ->  y (N, O, OH, OW) */
void ps_conv2d_forward  (const PsConvGeom *g, const float *x, const float *w, const float *b,
                         float *y, float *ws);
void ps_conv2d_backward (const PsConvGeom *g, const float *x, const float *w, const float *dy,
                         float *dx, float *dw, float *db, float *ws);

/* ConvTranspose2d, described by the convolution it transposes: tg is the
 * geometry of the conv from the OUTPUT (N, C_out, OH_t, OW_t) to the INPUT
 * (N, C_in, H_t, W_t).  ps_conv_transpose_geom_init builds it.
 * x (N, C_in, H, W)  w (C_in, C_out/groups, kh, kw)  b (C_out)  ->  y (N, C_out, tg.H, tg.W) */
gboolean ps_conv_transpose_geom_init (PsConvGeom *tg, int64_t N, int64_t C_in, int64_t H,
                                      int64_t W, int64_t C_out, int64_t kh, int64_t kw,
                                      int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                                      int64_t oph, int64_t opw, int64_t dh, int64_t dw,
                                      int64_t groups, GError **error);
void ps_conv_transpose2d_forward  (const PsConvGeom *tg, const float *x, const float *w,
                                   const float *b, float *y, float *ws);
void ps_conv_transpose2d_backward (const PsConvGeom *tg, const float *x, const float *w,
                                   const float *dy, float *dx, float *dw, float *db, float *ws);

/* ---- pooling ------------------------------------------------------------ */

typedef struct
{
  int64_t N, C, H, W;
  int64_t kh, kw, sh, sw, ph, pw, dh, dw;
  gboolean ceil_mode;
  gboolean count_include_pad;    /* avg_pool2d; TRUE is PyTorch's default */
  int64_t OH, OW;                /* computed */
} PsPoolGeom;

/* As PyTorch's pooling_output_shape; FALSE with its message on bad sizes
 * (padding more than half the kernel, output smaller than 1). */
gboolean ps_pool_geom_init (PsPoolGeom *g, int64_t N, int64_t C, int64_t H, int64_t W,
                            int64_t kh, int64_t kw, int64_t sh, int64_t sw, int64_t ph, int64_t pw,
                            int64_t dh, int64_t dw, gboolean ceil_mode, GError **error);

/* y (N, C, OH, OW); idx (same) receives the flat h * W + w of each maximum, as PyTorch's indices. */
void ps_max_pool2d_forward  (const PsPoolGeom *g, const float *x, float *y, int64_t *idx);
void ps_max_pool2d_backward (const PsPoolGeom *g, const float *dy, const int64_t *idx, float *dx);
void ps_avg_pool2d_forward  (const PsPoolGeom *g, const float *x, float *y);
void ps_avg_pool2d_backward (const PsPoolGeom *g, const float *dy, float *dx);

/* Adaptive pools: (N, C, H, W) -> (N, C, OH, OW), bin i = [floor(i H / OH), ceil((i + 1) H / OH)). */
void ps_adaptive_avg_pool2d_forward  (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                      const float *x, float *y);
void ps_adaptive_avg_pool2d_backward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                      const float *dy, float *dx);
void ps_adaptive_max_pool2d_forward  (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                      const float *x, float *y, int64_t *idx);
void ps_adaptive_max_pool2d_backward (int64_t NC, int64_t H, int64_t W, int64_t OH, int64_t OW,
                                      const float *dy, const int64_t *idx, float *dx);

/* ---- normalization ------------------------------------------------------ */

/* BatchNorm over x (N, C, L) (L = H * W, or 1 for (N, C) input).
 * training: normalize with the batch's mean and biased variance, save mean and
 * invstd (C each) for backward, and update running_mean/var (NULL skips) as
 * (1 - momentum) * running + momentum * batch, the variance unbiased (n / (n - 1)).
 * eval: normalize with running_mean/var; mean/invstd still receive what was used.
 * weight/bias (C) may be NULL (affine=False). */
void ps_batch_norm_forward  (int64_t N, int64_t C, int64_t L, const float *x,
                             const float *weight, const float *bias,
                             float *running_mean, float *running_var,
                             gboolean training, double momentum, double eps,
                             float *y, float *mean, float *invstd);
void ps_batch_norm_backward (int64_t N, int64_t C, int64_t L, const float *x,
                             const float *weight, const float *mean, const float *invstd,
                             gboolean training, const float *dy,
                             float *dx, float *dweight, float *dbias);

/* LayerNorm over the last D elements of M rows: x (M, D), weight/bias (D) or NULL.
 * mean, rstd (M) saved for backward. */
void ps_layer_norm_forward  (int64_t M, int64_t D, const float *x, const float *weight,
                             const float *bias, double eps, float *y, float *mean, float *rstd);
void ps_layer_norm_backward (int64_t M, int64_t D, const float *x, const float *weight,
                             const float *mean, const float *rstd, const float *dy,
                             float *dx, float *dweight, float *dbias);

/* GroupNorm: x (N, C, L), G groups; weight/bias (C) or NULL; mean, rstd (N * G). */
void ps_group_norm_forward  (int64_t N, int64_t C, int64_t L, int64_t G, const float *x,
                             const float *weight, const float *bias, double eps,
                             float *y, float *mean, float *rstd);
void ps_group_norm_backward (int64_t N, int64_t C, int64_t L, int64_t G, const float *x,
                             const float *weight, const float *mean, const float *rstd,
                             const float *dy, float *dx, float *dweight, float *dbias);

/* ---- dropout, embedding ------------------------------------------------- */

/* Training-mode dropout: mask[i] = 1 / (1 - p) where a Bernoulli(1 - p) draw
 * succeeds, else 0, drawn from rng in element order exactly as PyTorch's CPU
 * `bernoulli_(1 - p)` (non-MKL build) after torch.manual_seed; y = x * mask.
 * p = 1 gives all zeros (no draws), as PyTorch.  Eval mode is the identity. */
void ps_dropout_forward  (int64_t n, double p, PsRng *rng, const float *x, float *mask, float *y);
/* The draw itself: mask[i] = 1 / keep where PyTorch's `noise.bernoulli_(keep)` gives 1
 * (then `noise.div_(keep)` when keep > 0), else 0; n draws from rng whatever keep is.
 * Dropout's mask (keep = 1 - p) and torchvision's stochastic_depth's (keep = 1 - p, one
 * value per sample in mode "row", one for the batch in mode "batch"). */
void ps_bernoulli_mask   (int64_t n, double keep, PsRng *rng, float *mask);
void ps_dropout_backward (int64_t n, const float *mask, const float *dy, float *dx);

/* idx (n) in [0, num) (checked by the caller)  w (num, D)  ->  y (n, D).
 * Backward adds each row of dy into dw[idx]; rows equal to padding_idx
 * (-1: none) get no gradient. */
void ps_embedding_forward  (int64_t n, int64_t D, const int64_t *idx, const float *w, float *y);
void ps_embedding_backward (int64_t n, int64_t D, const int64_t *idx, int64_t padding_idx,
                            const float *dy, float *dw);

/* ---- softmax and activations -------------------------------------------- */

/* Over the middle dimension of x (outer, C, inner), as softmax(dim). */
void ps_softmax_forward      (int64_t outer, int64_t C, int64_t inner, const float *x, float *y);
void ps_softmax_backward     (int64_t outer, int64_t C, int64_t inner, const float *y,
                              const float *dy, float *dx);
void ps_log_softmax_forward  (int64_t outer, int64_t C, int64_t inner, const float *x, float *y);
void ps_log_softmax_backward (int64_t outer, int64_t C, int64_t inner, const float *y,
                              const float *dy, float *dx);

typedef enum
{
  PS_ACT_SILU,
  PS_ACT_ELU,          /* alpha */
  PS_ACT_SELU,
  PS_ACT_SOFTPLUS,     /* beta, threshold */
  PS_ACT_MISH,
  PS_ACT_HARDSWISH,
  PS_ACT_HARDSIGMOID,
  PS_ACT_RELU6,
  PS_ACT_RELU,
  PS_ACT_SIGMOID,
  PS_ACT_TANH,
  PS_ACT_LEAKY_RELU,   /* alpha = negative_slope */
} PsActKind;

typedef struct
{
  PsActKind kind;
  double    alpha;       /* ELU alpha (1.0), LeakyReLU negative_slope (0.01), Softplus beta (1) */
  double    threshold;   /* Softplus threshold (20) */
} PsAct;

/* y = act(x) elementwise; backward from x (and y) to dx = dy * act'(x). */
void ps_act_forward  (const PsAct *a, int64_t n, const float *x, float *y);
void ps_act_backward (const PsAct *a, int64_t n, const float *x, const float *y,
                      const float *dy, float *dx);

/* y = sigmoid(x), tanh(x) over n floats, vectorized (within a few ulp of
 * PyTorch's; y may be x). */
void ps_sigmoid_array (const float *x, float *y, int64_t n);
/* dx = g * (1 - y) * y, y = sigmoid (x) */
void ps_sigmoid_backward_array (const float *y, const float *g, float *dx, int64_t n);
/* Sigmoid followed by a 2x2 average pool (kernel 2, stride 2, no padding)
 * whose windows cover the plane exactly (H and W even): LeNet's pairs, in
 * one pass over memory instead of two each way.  Forward: s = sigmoid (x)
 * (N, C, H, W) and p its pool (N, C, H / 2, W / 2); backward: dx through the
 * pool then the sigmoid, from s and dp.  The same bits as ps_sigmoid_array
 * then ps_avg_pool2d_forward, and ps_avg_pool2d_backward then
 * ps_sigmoid_backward_array (test /core/kernels/sigmoid-pool). */
gboolean ps_sigmoid_avg_pool_fuses   (const PsPoolGeom *g);
void     ps_sigmoid_avg_pool_forward  (const PsPoolGeom *g, const float *x, float *s, float *p);
void     ps_sigmoid_avg_pool_backward (const PsPoolGeom *g, const float *s, const float *dp,
                                       float *dx);
void ps_tanh_array    (const float *x, float *y, int64_t n);

/* PReLU: x (N, C, L), weight (1 or C) — num_parameters = 1 shares one slope. */
void ps_prelu_forward  (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                        const float *w, float *y);
void ps_prelu_backward (int64_t N, int64_t C, int64_t L, int64_t nw, const float *x,
                        const float *w, const float *dy, float *dx, float *dw);

/* ---- losses (mean reduction) -------------------------------------------- */

/* x (N, C, L) logits (L = 1 for (N, C)), target (N, L) class indices in
 * [0, C) or ignore_index (-100 in PyTorch).  Mean over the non-ignored
 * targets.  dx (same as x) receives dLoss/dx if not NULL (zero when every
 * target is ignored).  Returns the loss (NaN when every target is ignored, as
 * PyTorch).  Targets outside [0, C) are the caller's to reject. */
double ps_cross_entropy_index (int64_t N, int64_t C, int64_t L, const float *x,
                               const int64_t *target, int64_t ignore_index, float *dx);
/* x are log-probabilities; same conventions. */
double ps_nll_loss            (int64_t N, int64_t C, int64_t L, const float *x,
                               const int64_t *target, int64_t ignore_index, float *dx);
/* Either of the two (logits: cross entropy) with the class indices held as
 * floats (a PsTensor read from an I64 tensor). */
double ps_index_loss_f32      (int64_t N, int64_t C, int64_t L, const float *x,
                               const float *target, int64_t ignore_index, gboolean logits,
                               float *dx);
/* mean(max(x, 0) - x t + log(1 + exp(-|x|))) over n elements. */
double ps_bce_with_logits     (int64_t n, const float *x, const float *t, float *dx);

/* ---- recurrent layers --------------------------------------------------- */

typedef enum
{
  PS_RNN_TANH,
  PS_RNN_RELU,
  PS_RNN_LSTM,     /* gates i, f, g, o */
  PS_RNN_GRU,      /* gates r, z, n */
} PsRnnMode;

int ps_rnn_gates (PsRnnMode mode);   /* 1, 1, 4, 3 */

/* One direction of one layer over T steps.
 * x: step t, sample b at x + t * x_st + b * x_sb (I floats);
 * out: h of step t, sample b at out + t * o_st + b * o_sb (Hd floats);
 * w_ih (G Hd, I), w_hh (G Hd, Hd), b_ih, b_hh (G Hd) or NULL;
 * h0, c0 (B, Hd) or NULL (zeros); hT, cT (B, Hd) receive the last state
 * (c only for LSTM).  reverse runs t = T - 1 .. 0.
 * save: ps_rnn_save_size() floats kept for backward (gates and states). */
int64_t ps_rnn_save_size (PsRnnMode mode, int64_t T, int64_t B, int64_t Hd);
void ps_rnn_dir_forward (PsRnnMode mode, int64_t T, int64_t B, int64_t In, int64_t Hd,
                         gboolean reverse,
                         const float *x, int64_t x_st, int64_t x_sb,
                         const float *w_ih, const float *w_hh,
                         const float *b_ih, const float *b_hh,
                         const float *h0, const float *c0,
                         float *out, int64_t o_st, int64_t o_sb,
                         float *hT, float *cT, float *save);
/* dout: gradient of out (same strides, may be NULL = 0); dhT, dcT (B, Hd)
 * gradients of the last state (may be NULL); dx (same strides as x) is ADDED
 * to (+=, layers above share it); dh0, dc0 (B, Hd) overwritten (NULL skips);
 * parameter gradients +=.  ws: ps_rnn_dir_workspace() floats. */
int64_t ps_rnn_dir_workspace (PsRnnMode mode, int64_t B, int64_t Hd);
void ps_rnn_dir_backward (PsRnnMode mode, int64_t T, int64_t B, int64_t In, int64_t Hd,
                          gboolean reverse,
                          const float *x, int64_t x_st, int64_t x_sb,
                          const float *w_ih, const float *w_hh,
                          const float *h0, const float *c0, const float *save,
                          const float *dout, int64_t o_st, int64_t o_sb,
                          const float *dhT, const float *dcT,
                          float *dx, float *dh0, float *dc0,
                          float *dw_ih, float *dw_hh, float *db_ih, float *db_hh,
                          float *ws);

/* A whole nn.RNN / nn.LSTM / nn.GRU (dropout between layers: 0).
 * x (T, B, In), or (B, T, In) when batch_first; y likewise with D * Hd features
 * (D = 2 when bidirectional: forward then reverse halves); h0, hn, c0, cn
 * (layers * D, B, Hd), h0/c0 may be NULL (zeros).  weights: the parameters in
 * named_parameters() order — per layer, per direction: weight_ih, weight_hh,
 * then bias_ih, bias_hh when bias.  Gradients dweights in the same order (+=). */
typedef struct
{
  PsRnnMode mode;
  int64_t   T, B, In, Hd, layers;   /* In: input features */
  gboolean  bidirectional, batch_first, bias;
} PsRnnGeom;

int64_t ps_rnn_n_weights       (const PsRnnGeom *g);   /* layers * D * (bias ? 4 : 2) */
int64_t ps_rnn_layer_save_size (const PsRnnGeom *g);   /* floats saved by forward */
int64_t ps_rnn_layer_workspace (const PsRnnGeom *g);   /* floats of backward workspace */
void ps_rnn_forward  (const PsRnnGeom *g, const float *x, const float *const *weights,
                      const float *h0, const float *c0, float *y, float *hn, float *cn,
                      float *save);
/* dy, dhn, dcn may be NULL (zero); dx, dh0, dc0 overwritten (NULL skips). */
void ps_rnn_backward (const PsRnnGeom *g, const float *x, const float *const *weights,
                      const float *h0, const float *c0, const float *save,
                      const float *dy, const float *dhn, const float *dcn,
                      float *dx, float *dh0, float *dc0, float *const *dweights, float *ws);

G_END_DECLS
