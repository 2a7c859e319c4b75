/* ps-diff-source.h — A − B of two states of a parameter as a matrix source
 *
 * What the Train panel's Difference page shows: the elementwise difference
 * of two states of one parameter (its current values, or a snapshot's),
 * computed by ps_tensor_difference when update() is called and kept until
 * the next update, so the snapshots and the parameter may change or go in
 * between.  Synchronous, read only.  A convolution weight's difference is
 * its grid of kernels, as the parameter page shows the weight
 * (ps_diff_source_set_kernels: the tile source lays it out and pools it;
 * hover and tooltip say [o, i, y, x]).
 *
 *   PsMatrixSource *d = ps_diff_source_new ();
 *   if (!ps_diff_source_update (PS_DIFF_SOURCE (d), now, then, "2.weight: current − step 0", &error))
 *     ...                                  // shapes differ: nothing changed
 */
#pragma once

#include "ps-matrix-source.h"
#include "ps-tile-source.h"

G_BEGIN_DECLS

#define PS_TYPE_DIFF_SOURCE (ps_diff_source_get_type ())
G_DECLARE_FINAL_TYPE (PsDiffSource, ps_diff_source, PS, DIFF_SOURCE, GObject)

PsMatrixSource *ps_diff_source_new            (void);
/* difference = a - b, titled title; emits "changed".  FALSE (PS_ERROR_SHAPE)
 * if their shapes differ, and the source keeps what it had. */
gboolean        ps_diff_source_update         (PsDiffSource *self, const PsTensor *a,
                                               const PsTensor *b, const char *title,
                                               GError **error);
/* The same, naming the two states ("current", "run 1 · step 0"): the
 * tooltip of a cell shows both values by these names and the change
 * (NULL: "A", "B"). */
gboolean        ps_diff_source_update_named   (PsDiffSource *self, const PsTensor *a,
                                               const PsTensor *b, const char *title,
                                               const char *a_name, const char *b_name,
                                               GError **error);
/* From the next update on: the difference as kernels (ps-tile-source.h,
 * PS_TILE_KERNELS) when kernels is TRUE and its shape fits, else one matrix. */
void            ps_diff_source_set_kernels    (PsDiffSource *self, gboolean kernels);
/* A − B as last computed (a 1-element zero before the first update). */
const PsTensor *ps_diff_source_get_difference (PsDiffSource *self);

G_END_DECLS
