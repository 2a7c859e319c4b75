/* ps-tape-private.h — what ps-tape.c takes from ps-linear.c
 *
 * The Linear backward of ps_linear_backward() with one more argument, and the
 * backward masks of ReLU and LeakyReLU (ps-linear.c says why they look as
 * they do).
 */
#pragma once

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

G_END_DECLS
