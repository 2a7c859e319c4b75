/* ps-data.h — training data for a network: the lesson's random input, a
 * random teacher, a two-class spiral
 *
 * Each generator makes an input x (n, in_features) and a target for a loss:
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
} PsDataKind;

gboolean    ps_data_kind_from_string (const char *s, PsDataKind *kind);
const char *ps_data_kind_to_string   (PsDataKind kind);

/* The shape of one sample the network takes: (C, 28, 28) for a first
 * Conv2d of C = 1 channel (the digits), (C, 32, 32) for other channel
 * counts, (C, 64) for a first Conv1d, else (in_features).  0 while unknown
 * (a lazy first layer).  Returns ndim (<= 3). */
int         ps_data_sample_shape (PsModule *model, int64_t shape[3]);

gboolean    ps_data_generate (PsDataKind kind, PsModule *model, int64_t n, guint64 seed,
                              PsLossKind loss, PsTensor **x, PsTensor **target, GError **error);

G_END_DECLS
