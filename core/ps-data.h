/* ps-data.h — training data for a network: the lesson's random input, a
 * random teacher, a two-class spiral, digit-like images, a character sequence
 *
 * Each generator makes an input x (n, in_features), or (n, C, H, W) / (n, C,
 * L) for a first convolution (ps_data_sample_shape), and a target for a loss:
 * NULL for `sum`, values for `mse`, class probabilities (one-hot or a
 * teacher's softmax) for `cross_entropy`.  The same seed gives the same bytes.
 */
#pragma once

#include "ps-tape.h"

G_BEGIN_DECLS

typedef enum
{
  PS_DATA_RANDOM,    /* x ~ torch.rand(n, in), the lesson's X; target ~ rand(n, out) or random classes */
  PS_DATA_TEACHER,   /* x ~ randn(n, in); target = teacher(x), the teacher a copy of the
                        network with PyTorch's default initialization from its own stream
                        derived from the seed (never the student's own weights) */
  PS_DATA_SPIRAL,    /* two interleaved spirals in the plane: needs 2 inputs and 2 outputs */
  PS_DATA_DIGITS,    /* digit-like 28 x 28 patterns (seven-segment strokes, shifted, noisy),
                        class i % 10: (n, 1, 28, 28) for a first Conv2d(1, ...), or (n, 784);
                        needs 10 outputs */
  PS_DATA_CHARS,     /* a character sequence made up here (words of a small lexicon between
                        spaces): x (n, 16) token indices (space 0, a-z 1..26) for a first
                        Embedding of V >= 27 tokens, target the next character of each
                        position, (n * 16, V) one-hot for a language model's outputs
                        reshaped to (-1, V); needs V outputs */
} PsDataKind;

gboolean    ps_data_kind_from_string (const char *s, PsDataKind *kind);
const char *ps_data_kind_to_string   (PsDataKind kind);

/* The shape of one sample the network takes: (C, 28, 28) for a first
 * Conv2d of C = 1 channel (the digits), (C, 32, 32) for other channel
 * counts, (C, 64) for a first Conv1d, (input_size) for a first RNN, LSTM
 * or GRU (one step), else (in_features).  0 while unknown
 * (a lazy first layer).  Returns ndim (<= 3). */
int         ps_data_sample_shape (PsModule *model, int64_t shape[3]);

/* The lesson's random input X of n samples for model, from seed:
 * torch.rand(n, *sample) for the sample's shape above, or, when the first
 * layer is an Embedding (its input: token indices), torch.randint(0,
 * num_embeddings, (n, 16)) as floats holding integers (a 32-bit draw
 * modulo the range, as torch.randint takes it); when it is an RNN, LSTM or
 * GRU, n sequences of 16 steps: torch.rand(16, n, input_size), or
 * torch.rand(n, 16, input_size) when batch_first.  NULL while the shape is
 * not known (a lazy first layer) or n < 1. */
PsTensor   *ps_data_random_input (PsModule *model, int64_t n, guint64 seed);
/* The number of tokens of a first Embedding (its input is token indices), else 0. */
int64_t     ps_data_input_tokens (PsModule *model);

/* Whether kind's data fits model's input and output (the digits: 1 x 28 x
 * 28 images or 784 inputs, 10 outputs; the spiral: 2 and 2).  A network
 * whose input is not known yet (lazy) fits none. */
gboolean    ps_data_fits     (PsDataKind kind, PsModule *model);

gboolean    ps_data_generate (PsDataKind kind, PsModule *model, int64_t n, guint64 seed,
                              PsLossKind loss, PsTensor **x, PsTensor **target, GError **error);

/* What a classifier makes of data.  ps_data_accuracy: the share of rows of
 * y (n, classes) whose largest output is the target's largest (one-hot or
 * class probabilities); a row with a non-finite output counts as wrong.
 * NAN when there is no target or the shapes differ. */
double      ps_data_accuracy (const PsTensor *y, const PsTensor *target);
/* The model's accuracy on x (module.eval(), nothing recorded for backward). */
gboolean    ps_data_evaluate (PsModule *model, const PsTensor *x, const PsTensor *target,
                              double *accuracy, GError **error);
/* A classifier of the plane (2 inputs, 2 or more outputs) on an nx x ny grid
 * over [x0, x1] x [y0, y1]: (ny * nx, classes) softmax probabilities, row
 * r = ny - 1 - (cell's y), i.e. the top row first as an image, each cell at
 * its centre.  NULL + error (PS_ERROR_SHAPE) for another network.  The
 * decision regions of the spiral, as TensorFlow Playground draws them. */
PsTensor   *ps_data_decision_grid (PsModule *model, double x0, double x1, double y0, double y1,
                                   int nx, int ny, GError **error);

G_END_DECLS
