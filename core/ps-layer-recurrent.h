/* ps-layer-recurrent.h — nn.RNN, nn.LSTM and nn.GRU as one layer call
 *
 * The recurrent layers take more than one input (x and the initial state
 * h0, and c0 for an LSTM) and give more than one output (the sequence out,
 * h_n, and c_n for an LSTM), and hold a list of parameters (weight_ih_l0,
 * weight_hh_l0, bias_ih_l0, bias_hh_l0, ..._reverse, per layer), so they
 * are not a PsLayerOp (one input, one weight, one bias): this is their own
 * call over the kernels of ps-kernels-rnn.c, with the same shape of use.
 *
 *   PsRecurrentOp op;
 *   PsRecurrentState st = { 0 };
 *   if (!ps_recurrent_op_from_module (lstm, &op, &error)) ...
 *   if (!ps_recurrent_plan (&op, &st, x->ndim, x->shape, 0, NULL, 0, NULL,
 *                          training, &error)) ...   // shapes, buffers
 *   ps_recurrent_forward (&op, &st, &io);     // x, weights[], h0/c0 (NULL: zeros) -> y, hn, cn
 *   ps_recurrent_backward (&op, &st, &io);    // dy, dhn, dcn -> dx, dh0, dc0, dweights (+=)
 *   ps_recurrent_state_clear (&st);
 *
 * Shapes are PyTorch's: x (T, B, input_size), (B, T, input_size) when
 * batch_first, or unbatched (T, input_size); out (.., D * hidden_size) with D
 * = 2 when bidirectional; h0, hn, c0, cn (layers * D, B, hidden_size), or
 * (layers * D, hidden_size) unbatched.  A shape that does not fit is
 * PyTorch's RuntimeError text ("input.size(-1) must be equal to input_size.
 * Expected 3, got 4"; the caller prefixes the layer's path) and changes
 * nothing.  The buffers grow once per shape and are reused; a plan whose
 * buffers would pass the tensor memory cap (ps_array_memory_cap()) is
 * refused before anything is allocated.
 */
#pragma once

#include "ps-kernels.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef struct _PsModule PsModule;

typedef struct
{
  const char *name;             /* "RNN", "LSTM", "GRU": PyTorch's class name */
  PsRnnMode   mode;
  int64_t     input_size, hidden_size, num_layers;
  gboolean    bias, batch_first, bidirectional;
  double      dropout;          /* between layers, in training: refused by plan when > 0 */
} PsRecurrentOp;

typedef struct
{
  /* the plan for the current input */
  PsRnnGeom g;                  /* kernels' geometry (unbatched: B 1, time-major) */
  gboolean  unbatched;
  int       out_ndim, h_ndim;
  int64_t   out_shape[3], h_shape[3];
  int64_t   x_numel, out_numel, h_numel;
  /* buffers, grown on demand */
  float    *save;  int64_t save_n;   /* what forward keeps for backward */
  float    *ws;    int64_t ws_n;     /* backward's workspace */
  float    *hn;    int64_t hn_n;     /* h_n and c_n when the caller has no place for them */
  float    *cn;    int64_t cn_n;
} PsRecurrentState;

typedef struct
{
  const float        *x;             /* the planned shape */
  const float *const *weights;       /* ps_recurrent_n_weights(), named_parameters() order */
  const float        *h0, *c0;       /* NULL: zeros */
  float              *y;             /* out */
  float              *hn, *cn;       /* NULL: into the state's own buffers */
  /* backward */
  const float        *dy, *dhn, *dcn;   /* NULL: zero */
  float              *dx, *dh0, *dc0;   /* overwritten; NULL: not needed */
  float *const       *dweights;         /* += ; NULL: not needed (an entry may be NULL) */
} PsRecurrentIO;

/* The description of an RNN/LSTM/GRU module; FALSE with a message for what
 * the kernels do not run (an LSTM's proj_size). */
gboolean ps_recurrent_op_from_module (PsModule *m, PsRecurrentOp *op, GError **error);
/* Is m an nn.RNN, nn.LSTM or nn.GRU (a recurrent layer this file runs)? */
gboolean ps_recurrent_is_module      (PsModule *m);
int64_t  ps_recurrent_n_weights      (const PsRecurrentOp *op);

/* Check x's shape (and h0's and, for an LSTM, c0's: NULL when not given,
 * then zeros), compute the output's
 * and the state's shapes into st, and size the buffers.  training with
 * dropout > 0 between layers is refused.  FALSE with PyTorch's words and st
 * unchanged when something does not fit. */
gboolean ps_recurrent_plan     (const PsRecurrentOp *op, PsRecurrentState *st, int ndim,
                                const int64_t *shape, int hx_ndim, const int64_t *hx_shape,
                                int cx_ndim, const int64_t *cx_shape, gboolean training,
                                GError **error);
void     ps_recurrent_forward  (const PsRecurrentOp *op, PsRecurrentState *st,
                                const PsRecurrentIO *io);
/* After the forward of the same plan, with the same x, weights, h0 and c0. */
void     ps_recurrent_backward (const PsRecurrentOp *op, PsRecurrentState *st,
                                const PsRecurrentIO *io);
gsize    ps_recurrent_state_bytes (const PsRecurrentState *st);
void     ps_recurrent_state_clear (PsRecurrentState *st);

G_END_DECLS
