/* ps-tape.h — forward, backward and losses
 *
 * A PsTape runs a model forward and records each layer call; backward walks
 * the record in reverse and accumulates (+=) into every parameter's gradient.
 * A module used twice is two entries, so tied gradients add up with no special
 * case.  Buffers are planned per input shape and reused: a steady-state
 * forward + backward allocates nothing.
 *
 *   g_autoptr (PsTape) tape = ps_tape_new (net, rng);
 *   const PsTensor *y = ps_tape_forward (tape, x, &error);   // x: (B, in)  y: (B, out)
 *   double loss;
 *   ps_tape_backward_loss (tape, PS_LOSS_SUM, NULL, &loss, &error);  // net(X).sum().backward()
 *
 * The model must not change structure while a tape uses it (create a new
 * tape then).  Lazy layers are materialized on the first forward, using rng
 * for their default initialization.
 */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

typedef enum
{
  PS_LOSS_SUM,            /* y.sum()                                    dL/dy = 1 */
  PS_LOSS_MSE,            /* mean((y - t)^2)                            dL/dy = 2 (y - t) / N */
  PS_LOSS_CROSS_ENTROPY,  /* F.cross_entropy(y, t): t class probabilities (B, C), mean over B,
                           * or class indices (B) / (B, d...) for y (B, C) / (B, C, d...),
                           * mean over the targets not -100 (ignore_index) */
  PS_LOSS_NLL,            /* F.nll_loss(y, t), y log-probabilities, t class indices as above */
  PS_LOSS_BCE_LOGITS,     /* F.binary_cross_entropy_with_logits(y, t), mean */
} PsLossKind;

gboolean        ps_loss_kind_from_string (const char *s, PsLossKind *kind);
const char     *ps_loss_kind_to_string   (PsLossKind kind);

/* Loss of y against target (NULL for SUM); dy (same shape as y) receives dL/dy if not NULL.
 * Class indices arrive as floats holding integers (an I64 target read into a PsTensor). */
gboolean        ps_loss_compute  (PsLossKind kind, const PsTensor *y, const PsTensor *target,
                                  double *loss, PsTensor *dy, GError **error);

typedef struct _PsTape PsTape;

PsTape         *ps_tape_new      (PsModule *model, PsRng *rng);   /* rng: borrowed, may be NULL */
void            ps_tape_free     (PsTape *tape);

/* module.train() or module.eval() for the next forwards: batch statistics and
 * running-statistics updates, or the running statistics, in BatchNorm; a
 * Dropout mask drawn from the tape's rng, or the identity.  Until it is
 * called, each layer runs in its own module's mode (ps_module_get_training:
 * a model file that ends with net.eval() runs in eval mode), as in PyTorch. */
void            ps_tape_set_training (PsTape *tape, gboolean training);

/* x: (..., in_features), or any shape the first layer takes ((N, C, H, W) for a
 * Conv2d).  Returns the output, owned by the tape, valid until the next forward. */
const PsTensor *ps_tape_forward  (PsTape *tape, const PsTensor *x, GError **error);
/* Backpropagate dy = dL/d(output) through the last forward (an auxiliary
 * output gets no gradient, as a backward from the logits alone in PyTorch). */
gboolean        ps_tape_backward (PsTape *tape, const PsTensor *dy, GError **error);
/* Loss of the last output, then backward from it.  A model with auxiliary
 * outputs in training (GoogLeNet's aux1 and aux2, ps-block.h) adds each one's
 * loss against the same target times its weight (0.3): the loss and the
 * gradients are those of main + 0.3 aux1 + 0.3 aux2. */
gboolean        ps_tape_backward_loss (PsTape *tape, PsLossKind kind, const PsTensor *target,
                                       double *loss, GError **error);

/* The activations of the last forward, for showing them: the calls in
 * forward order (0 without a valid forward), each call's module (borrowed)
 * and output (owned by the tape, valid until the next forward).
 * *overwritten: the next call (an in-place ReLU) wrote its result into this
 * output, so it now holds that result. */
guint           ps_tape_get_n_outputs (PsTape *tape);
const PsTensor *ps_tape_get_output    (PsTape *tape, guint i, PsModule **module,
                                       gboolean *overwritten);

/* Sharing made visible.  With record on, each backward also keeps what
 * every use of a tied parameter contributed (a little more work for each
 * tied use only).  ps_tape_get_use_grads: those contributions to param's
 * gradient in the last backward, one tensor per use in forward order
 * (their sum is what that backward added to .grad); empty when param is
 * used once, or nothing was recorded.  Free with g_ptr_array_unref. */
void            ps_tape_set_record_uses (PsTape *tape, gboolean record);

/* A Sigmoid whose one reader is a 2x2 average pool over all of its output
 * (LeNet's pairs) runs with that pool as one pass over memory each way
 * (ps_sigmoid_avg_pool_forward): the same values, every output kept.  On
 * by default; off, each layer runs alone.  ps_tape_get_n_fused: the pairs
 * the last forward fused. */
void            ps_tape_set_fusion      (PsTape *tape, gboolean fuse);
guint           ps_tape_get_n_fused     (PsTape *tape);
GPtrArray      *ps_tape_get_use_grads   (PsTape *tape, PsParam *param);

/* Matrix products used by forward and backward (exposed for the benchmark):
 * small products run as plain loops, larger ones through cblas_sgemm. */
void            ps_linear_forward  (const float *x, const float *w, const float *b, float *y,
                                    int64_t B, int64_t in, int64_t out);   /* y = x w^T + b */
/* dx = dy w (may be NULL); dw, db: += the batch's sum, or = when *_overwrite.
 * scratch: `out` floats of workspace (for the bias gradient). */
void            ps_linear_backward (const float *x, const float *w, const float *dy,
                                    float *dx, float *dw, gboolean dw_overwrite,
                                    float *db, gboolean db_overwrite, float *scratch,
                                    int64_t B, int64_t in, int64_t out);
/* TRUE when a product of these sizes goes to cblas_sgemm. */
gboolean        ps_linear_uses_blas (int64_t B, int64_t in, int64_t out);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsTape, ps_tape_free)

G_END_DECLS
