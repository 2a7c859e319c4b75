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
} PsDataKind;

gboolean    ps_data_kind_from_string (const char *s, PsDataKind *kind);
const char *ps_data_kind_to_string   (PsDataKind kind);

gboolean    ps_data_generate (PsDataKind kind, PsModule *model, int64_t n, guint64 seed,
                              PsLossKind loss, PsTensor **x, PsTensor **target, GError **error);

G_END_DECLS
