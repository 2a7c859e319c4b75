/* ps-tensor-format.h — PyTorch 1.13's repr() of tensors, character for character
 *
 *   PsPrintOptions opts;
 *   ps_print_options_init (&opts);                  // torch's defaults
 *   g_autofree char *s = ps_array_repr (t, &opts);  // "tensor([[1., 2.]], requires_grad=True)"
 *
 * The same rules as torch/_tensor_str.py: precision digits, integer mode
 * for floats that are all whole numbers (`tensor([1., 1.])`), scientific
 * mode when the largest/smallest magnitude ratio exceeds 1000, the largest
 * exceeds 1e8 or the smallest is below 1e-4 (or as sci_mode forces), the
 * linewidth wrapping and indentation, summarization with `...` beyond
 * threshold elements, 0-d and empty tensors (`tensor([], size=(0, 3))`),
 * suffixes (dtype when not the default float32/int64/bool-inferable,
 * grad_fn, requires_grad) and "Parameter containing:\n" for parameters.
 * str(t) is the same text as repr(t).
 */
#pragma once

#include "ps-array.h"

G_BEGIN_DECLS

/* torch.set_printoptions(...). */
typedef struct
{
  int     precision;     /* 4 */
  double  threshold;     /* 1000 (may be inf: never summarize) */
  int     edgeitems;     /* 3 */
  int     linewidth;     /* 80 */
  int     sci_mode;      /* -1: None (automatic), 0: False, 1: True */
} PsPrintOptions;

void        ps_print_options_init    (PsPrintOptions *opts);
/* profile="default" / "short" / "full"; FALSE if unknown. */
gboolean    ps_print_options_set_profile (PsPrintOptions *opts, const char *profile);

/* repr(t) / str(t) / print(t); opts NULL for the defaults. */
char       *ps_array_repr            (PsArray *a, const PsPrintOptions *opts);
/* The same text with extra suffixes (", name=value" strings, NULL-terminated,
 * may be NULL) after the array's own, before the closing ")".
 * ps_array_repr (a, o) is ps_array_format (a, o, NULL). */
char       *ps_array_format          (PsArray *a, const PsPrintOptions *opts,
                                      const char *const *extra_suffixes);
/* "torch.Size([8, 4])" */
char       *ps_size_repr             (int ndim, const int64_t *shape);

G_END_DECLS
