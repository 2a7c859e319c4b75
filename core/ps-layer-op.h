/* ps-layer-op.h — one layer call over the kernels: shapes, checks, buffers
 *
 * A PsLayerOp describes a torch.nn layer by its constructor arguments
 * (Conv2d(1, 6, kernel_size=5, padding=2) is kind PS_OP_CONV, spatial 2,
 * in_ch 1, out_ch 6, k {5, 5}, pad {2, 2}); a PsLayerOpState holds what one
 * call of it needs: the geometry for the current input shape, the kernels'
 * workspace and what forward saves for backward (pool indices, batch
 * statistics, the dropout mask).  The state grows when a larger input comes
 * and is reused otherwise: a steady-state call allocates nothing.
 *
 *   PsLayerOp op = { .kind = PS_OP_CONV, .name = "Conv2d", .spatial = 2, .in_ch = 1,
 *                    .out_ch = 6, .k = { 5, 5 }, .stride = { 1, 1 }, .dil = { 1, 1 },
 *                    .pad = { 2, 2 }, .groups = 1, .bias = TRUE };
 *   PsLayerOpState st = { 0 };
 *   int ndim; int64_t shape[PS_TENSOR_MAX_DIMS];
 *   if (!ps_layer_op_plan (&op, &st, x->ndim, x->shape, &ndim, shape, &error)) ...
 *   ps_layer_op_forward (&op, &st, &io);      // io: x, y, parameters, training, rng
 *   ps_layer_op_backward (&op, &st, &io);     // io: dy, dx, dweight, dbias
 *   ps_layer_op_state_clear (&st);
 *
 * Shape errors are PyTorch's messages ("Given groups=1, weight of size
 * [6, 1, 5, 5], expected input[2, 3, 28, 28] to have 1 channels, but got 3
 * channels instead"); the caller prefixes the layer's path.  Planning fails
 * before anything is written.
 */
#pragma once

#include "ps-kernels.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef enum
{
  PS_OP_CONV,              /* Conv1d, Conv2d */
  PS_OP_CONV_TRANSPOSE,    /* ConvTranspose2d */
  PS_OP_MAX_POOL,          /* MaxPool1d, MaxPool2d */
  PS_OP_AVG_POOL,          /* AvgPool1d, AvgPool2d */
  PS_OP_ADAPTIVE_AVG_POOL, /* AdaptiveAvgPool2d */
  PS_OP_ADAPTIVE_MAX_POOL, /* AdaptiveMaxPool2d */
  PS_OP_BATCH_NORM,        /* BatchNorm1d (spatial 1), BatchNorm2d (spatial 2) */
  PS_OP_LAYER_NORM,
  PS_OP_GROUP_NORM,
  PS_OP_DROPOUT,
  PS_OP_EMBEDDING,
  PS_OP_SOFTMAX,
  PS_OP_LOG_SOFTMAX,
  PS_OP_ACT,               /* SiLU, ELU, SELU, Softplus, Mish, Hardswish, ... */
  PS_OP_PRELU,
  PS_OP_UNFLATTEN,
  PS_OP_DENSE,             /* Keras' Dense: y = act(x @ kernel + bias), kernel (in, out) */
  PS_OP_STOCHASTIC_DEPTH,  /* torchvision.ops.StochasticDepth: Dropout's draw for each sample
                              (mode "row") or the whole batch ("batch"), p */
} PsLayerOpKind;

typedef struct
{
  PsLayerOpKind kind;
  const char   *name;          /* PyTorch's class name, for messages */
  int           spatial;       /* 1 or 2 (conv, pools, batch norm) */
  /* convolutions */
  int64_t       in_ch, out_ch, k[2], stride[2], pad[2], dil[2], out_pad[2], groups;
  gboolean      same;          /* padding='same' */
  gboolean      bias;
  /* pools (k, stride, pad, dil above; stride 0 = kernel size as PyTorch's default) */
  gboolean      ceil_mode, count_include_pad;
  int64_t       out_size[2];   /* adaptive pools */
  /* normalization */
  int64_t       num_features;  /* BatchNorm; GroupNorm: num_channels */
  int64_t       num_groups;
  int64_t       norm_shape[PS_TENSOR_MAX_DIMS];   /* LayerNorm's normalized_shape */
  int           norm_ndim;
  double        eps, momentum;
  gboolean      affine, track_running_stats;
  /* dropout, embedding, softmax, activations, unflatten */
  double        p;
  int64_t       num_embeddings, embedding_dim, padding_idx;   /* padding_idx -1: none */
  int           dim;           /* softmax dim, unflatten dim (negative counts from the end) */
  PsAct         act;
  int64_t       num_parameters;   /* PReLU */
  int64_t       unflat[PS_TENSOR_MAX_DIMS];
  int           unflat_n;
  gboolean      dense_act;     /* Dense: act applies (FALSE: linear) */
  gboolean      row;           /* StochasticDepth: mode "row" (else "batch") */
} PsLayerOp;

typedef struct
{
  /* the plan for the current input */
  int      in_ndim;
  int64_t  in_shape[PS_TENSOR_MAX_DIMS];
  gboolean unbatched;
  PsConvGeom conv;
  PsPoolGeom pool;
  int64_t  outer, mid, inner;       /* norms, softmax, prelu: (outer, mid, inner) views */
  int64_t  out_numel;
  /* buffers, grown on demand */
  float   *ws;      int64_t ws_n;
  float   *save;    int64_t save_n;   /* mean/invstd, dropout mask */
  int64_t *idx;     int64_t idx_n;    /* max-pool indices, embedding rows */
} PsLayerOpState;

typedef struct
{
  const float *x;                 /* input, the planned shape */
  float       *y;                 /* output */
  const float *weight, *bias;     /* NULL when the layer has none */
  float       *running_mean, *running_var;   /* BatchNorm buffers (may be NULL) */
  gboolean     training;
  PsRng       *rng;               /* Dropout in training */
  /* backward */
  const float *dy;
  float       *dx;                /* NULL: not needed */
  float       *dweight, *dbias;   /* += ; NULL: not needed */
} PsLayerOpIO;

/* Check the input shape, compute the output shape, size the state.  FALSE
 * with PyTorch's message (and the state unchanged) when the input does not fit. */
gboolean ps_layer_op_plan     (const PsLayerOp *op, PsLayerOpState *st, int ndim,
                               const int64_t *shape, int *out_ndim, int64_t *out_shape,
                               GError **error);
/* What the mode adds to the plan: a BatchNorm in training mode needs more
 * than one value per channel (F.batch_norm's ValueError, "Expected more than
 * 1 value per channel when training, got input size torch.Size([1, 4])"). */
gboolean ps_layer_op_check_mode (const PsLayerOp *op, int ndim, const int64_t *shape,
                                 gboolean training, GError **error);
/* Values the shape does not show: an Embedding's indices must be integers
 * in [0, num_embeddings) ("index out of range in self", as PyTorch). */
gboolean ps_layer_op_check_input (const PsLayerOp *op, const PsLayerOpState *st, const float *x,
                                  GError **error);
void     ps_layer_op_forward  (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io);
void     ps_layer_op_backward (const PsLayerOp *op, PsLayerOpState *st, const PsLayerOpIO *io);
/* Bytes the state holds (for a memory cap). */
gsize    ps_layer_op_state_bytes (const PsLayerOpState *st);
void     ps_layer_op_state_clear (PsLayerOpState *st);

/* The description of a layer module (PS_MODULE_LAYER) from its class name
 * and constructor options; FALSE for a class or an option the kernels do not
 * run (padding_mode other than zeros, momentum=None, Softmax without dim...). */
typedef struct _PsModule PsModule;
gboolean ps_layer_op_from_module (PsModule *m, PsLayerOp *op);

/* Shapes of the layer's weight and bias as PyTorch makes them (0 dims: none). */
int      ps_layer_op_weight_shape (const PsLayerOp *op, int64_t *shape);
int      ps_layer_op_bias_shape   (const PsLayerOp *op, int64_t *shape);

G_END_DECLS
