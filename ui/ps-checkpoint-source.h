/* ps-checkpoint-source.h — a 2-D slice of a checkpoint tensor as a matrix source
 *
 * Asynchronous: a tensor may be 4096 x 11008 bf16 in a mapped file, so
 * pooling runs in a worker thread (a GTask; ps_pool_slice reads only the
 * window asked for, in any dtype, converting with ps-dtype) and never on
 * the main loop.  Cancelling the GCancellable makes a pooling not yet
 * started finish at once with G_IO_ERROR_CANCELLED; one under way
 * finishes its window first (the job's buffers stay the caller's until
 * the callback).  The source holds a reference on the checkpoint.
 *
 * The colours span [-range, range], range being the largest finite
 * magnitude of the whole slice: found by the first pooling (from a 64 x 64
 * max-|x| pooling of the whole slice, exact for the largest), then kept.
 *
 *   PsMatrixSource *s = ps_checkpoint_source_new (ck, &view, "model.embed.weight");
 */
#pragma once

#include "ps-matrix-source.h"
#include "ps-checkpoint.h"

G_BEGIN_DECLS

#define PS_TYPE_CHECKPOINT_SOURCE (ps_checkpoint_source_get_type ())
G_DECLARE_FINAL_TYPE (PsCheckpointSource, ps_checkpoint_source, PS, CHECKPOINT_SOURCE, GObject)

/* view is copied (its entry must live as long as ck). */
PsMatrixSource         *ps_checkpoint_source_new      (PsCheckpoint *ck, const PsCheckpointView *view,
                                                       const char *title);
PsCheckpoint           *ps_checkpoint_source_get_checkpoint (PsCheckpointSource *self);  /* borrowed */
const PsCheckpointView *ps_checkpoint_source_get_view (PsCheckpointSource *self);
/* TRUE when both show the same axes of the same tensor (only the fixed
 * index may differ): a view keeps its zoom from one to the other. */
gboolean                ps_checkpoint_source_same_axes (PsCheckpointSource *a, PsCheckpointSource *b);

G_END_DECLS
