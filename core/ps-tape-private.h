/* ps-tape-private.h — the tape's record, shared by ps-tape.c and
 * ps-tape-block.c, and what ps-tape.c takes from ps-linear.c
 *
 * The Linear backward of ps_linear_backward() with one more argument, and the
 * backward masks of ReLU and LeakyReLU (ps-linear.c says why they look as
 * they do).
 */
#pragma once

#include "ps-block.h"
#include "ps-layer-op.h"
#include "ps-layer-recurrent.h"
#include "ps-tape.h"

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* As ps_linear_backward; db_summed: scratch already holds the batch sum of
 * dy (computed by the ReLU backward that produced dy, in the same order). */
void ps_linear_backward_summed (const float *x, const float *w, const float *dy,
                                float *dx, float *dw, gboolean dw_overwrite,
                                float *db, gboolean db_overwrite, float *scratch,
                                gboolean db_summed, int64_t B, int64_t in, int64_t out);
void ps_relu_backward (const float *y, const float *g, float *dx, int64_t n);
void ps_leaky_relu_backward (const float *x, const float *g, float *dx, int64_t n, float s);
/* ReLU backward in place on d (B rows of `out`), and the column sums of the result into sum. */
void ps_relu_backward_column_sums (const float *restrict y, float *restrict d,
                                   float *restrict sum, int64_t B, int64_t out);

/* ---- the record ------------------------------------------------------------- */

/* What an entry computes: a module's call, or a step of a known container's
 * forward (ps-block.h) that is not a module: out = in + in2, the
 * concatenation of its inputs along dim 1, F.relu, torch.flatten(x, 1). */
typedef enum
{
  ENTRY_MODULE,
  ENTRY_ADD,
  ENTRY_CAT,
  ENTRY_RELU,
  ENTRY_FLATTEN,
  ENTRY_MEAN,             /* x.mean over every dimension from 2 on (N, C) */
  ENTRY_MEAN_KEEPDIM,     /* the same, keepdim=True (N, C, 1, ...) */
  ENTRY_SIGMOID,          /* torch.sigmoid in a recorded forward */
  ENTRY_TANH,             /* torch.tanh in a recorded forward */
  ENTRY_MISSING,          /* a child the forward calls is absent: an error at forward */
  ENTRY_OUTPUT,           /* x[0] of a recurrent layer's (output, h_n): its output as is */
  ENTRY_RESHAPE,          /* x.reshape(-1, cols) */
  ENTRY_OP,               /* a functional layer call of a known forward (fop: op, st) */
  ENTRY_SCALE,            /* in * in2, in (N, C, 1, ...) scaling each channel of in2 */
  ENTRY_CHUNK,            /* in.chunk(2, dim=1)[arg] */
  ENTRY_SHUFFLE,          /* channel_shuffle(in, arg groups) */
  ENTRY_ZEROS,            /* torch.zeros(sizes) made in a recorded forward (no input) */
  ENTRY_CONST,            /* values made in a recorded forward from constants (no input) */
  ENTRY_PARAM,            /* a parameter read in a recorded forward (w; no input) */
} EntryKind;

typedef struct
{
  EntryKind kind;
  /* Where the inputs come from: the entry whose output each is, -1 for the
   * tape's input.  In a Sequential, src[0] is the entry before. */
  int       src[PS_BLOCK_MAX_KEPT];
  int       n_src;
  int       fanout;       /* entries (and the loss, for the last) that read this output */
  const char *missing;    /* ENTRY_MISSING: the child's name (static) */
  int64_t   arg;          /* ENTRY_CHUNK: which half; ENTRY_SHUFFLE: groups */
  int64_t   cols;         /* ENTRY_RESHAPE (0: the size zdims[0] gives, at forward) */
  int       zndim;        /* ENTRY_ZEROS: its rank and sizes; ENTRY_RESHAPE: 1 with cols 0 */
  PsBlockDim zdims[4];    /* reg: the entry whose output's shape gives it (-1 the input),
                           * -2 when size is the size */
  PsTensor *cval;         /* ENTRY_CONST: the values (a reference) */
  const PsLayerOp *fop;   /* ENTRY_OP: what it calls (static, from the table; NULL: op as
                           * the walk wrote it, a StochasticDepth's) */
  PsTensor *g;            /* in backward: dL/d(out) once every reader has delivered it */
  gboolean  g_owned;      /* g is a tape buffer this entry may overwrite */
  PsTensor *acc;          /* fanout > 1: the sum of the readers' gradients */
  gboolean  acc_started;
  PsTensor *dxs[PS_BLOCK_MAX_KEPT];   /* ADD, CAT: the gradient of each input after the first */
  PsModule *module;       /* refs, taken at forward: a model edited after the */
  PsParam  *w, *b;        /* forward cannot leave the tape pointing at freed objects;
                           * ENTRY_PARAM: w is the parameter read */
  PsTensor *out;          /* this call's output, reused across forwards */
  gboolean  out_shared;   /* out is the entry below's (a ReLU in place on a Linear's output) */
  PsTensor *dx;           /* gradient w.r.t. this call's input */
  guint64   w_version, b_version;
  int       w_slot, b_slot;   /* index into pending[] when the parameter is used twice, else -1 */
  PsTensor *use_dw, *use_db;  /* with record_uses: this use's own share of a tied gradient */
  gboolean  use_valid;        /* use_dw/use_db hold the last backward's shares */
  gboolean  is_op;        /* a layer run by ps-layer-op (Conv2d, BatchNorm2d, ...) */
  gboolean  fused;        /* a Sigmoid that the 2x2 average pool after it computes, both
                           * ways, in the same pass as its own (decided at each forward) */
  gboolean  training;     /* the mode its last forward ran in */
  PsLayerOp op;
  PsLayerOpState st;      /* its plan and buffers, reused across forwards */
  gboolean  is_rnn;       /* an RNN, LSTM or GRU (ps-layer-recurrent): its output is out */
  PsRecurrentOp rop;
  PsRecurrentState rst;
  const float **rw;       /* its parameters' data and gradients, named_parameters() order */
  float   **rdw;
  guint64  *rver;         /* their versions at forward */
  int       rn;
} Entry;

/* A parameter used by several entries (a tied layer) gets the sum of its
 * uses' gradients first, and that sum is added to .grad once, as PyTorch's
 * autograd does: a second identical backward then doubles it exactly. */
typedef struct
{
  PsParam  *param;        /* borrowed */
  PsTensor *sum;          /* reused across backward calls */
  gboolean  started;
} Pending;

struct _PsTape
{
  PsModule *model;
  PsRng    *rng;
  guint     n_used;       /* entries recorded by the last forward */
  guint     n_alloc;      /* entries whose buffers exist (>= n_used) */
  guint     n_planned;    /* entries when plan_shared last ran */
  int       out_idx;      /* the entry whose output is the model's (-1: the input itself) */
  Entry    *pool;         /* n_alloc entries */
  PsTensor *x0;           /* copy of the last input */
  PsTensor *dy;           /* loss gradient */
  PsTensor *scratch;      /* workspace of the bias gradient */
  GArray   *pending;      /* Pending */
  gboolean  record_uses;  /* keep each use's share of a tied parameter's gradient */
  gboolean  have_forward;
  gboolean  bias_summed;  /* scratch holds the batch sum of the gradient in flight */
  gboolean  training;     /* with mode_set: train() (TRUE) or eval() for every layer */
  gboolean  mode_set;     /* FALSE: each layer runs in its module's own mode, as in PyTorch */
  /* the auxiliary outputs of the last forward (ps-block.h, PS_BLOCK_AUX): their entries,
   * the weights of their losses, and those losses' gradients */
  int       aux_idx[PS_BLOCK_MAX_AUX];
  double    aux_weight[PS_BLOCK_MAX_AUX];
  int       n_aux;
  PsTensor *aux_dy[PS_BLOCK_MAX_AUX];
  gboolean  no_fusion;    /* ps_tape_set_fusion (FALSE): every layer in a pass of its own */
  guint     n_fused;      /* Sigmoid and pool pairs the last forward fused */
  gboolean  planning;     /* the shape pass before a forward: every entry checks its input's
                           * shape and sizes its output, computes nothing, changes no
                           * parameter, buffer or generator; a shape error stops there */
};

PsTensor *ps_tape_in_of        (PsTape *t, int src);   /* entry src's output, -1: the input */
char     *ps_tape_module_path  (PsTape *t, PsModule *m);
gboolean  ps_tape_mode_of      (const PsTape *t, PsModule *m);   /* train (TRUE) or eval */
/* forward and backward of an entry that is not a module (ADD, CAT, RELU, FLATTEN, MISSING) */
gboolean  ps_tape_forward_block  (PsTape *t, Entry *e, const PsTensor *in, GError **error);
gboolean  ps_tape_backward_block (PsTape *t, guint idx, GError **error);
/* size d of entry e's zdims, from the shapes of the last forward */
gboolean  ps_tape_dim_size       (PsTape *t, Entry *e, int d, int64_t *size, GError **error);
/* hand dL/d(output of entry s) from one of its readers to s */
gboolean  ps_tape_deliver        (PsTape *t, int s, PsTensor *g, gboolean owned, GError **error);

G_END_DECLS
