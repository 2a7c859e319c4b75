/* ps-checkpoint-bench.h — `paramscope-bench checkpoint FILE`
 *
 * Opens FILE in a PsCheckpointWindow under the real GTK main loop and
 * prints, with the goals beside them: the time to the first frame that
 * shows the tree and the resident memory then; for each tensor (by default
 * every 4096 x 11008 one, up to three, else the largest matrix) the time
 * from selecting it to the frame that shows its heatmap, and the pooling's
 * share; a zoom and a pan (re-pooling only the visible window); the
 * whole-tensor statistics in their thread and the longest frame gap while
 * they run; the resident memory at the end.  Then it quits the application.
 * Times are taken in the frame clock's "after-paint", i.e. once a frame has
 * been drawn.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

/* tensors: NULL-terminated names, or NULL for the default choice.  The
 * application is held until the benchmark is done. */
void ps_checkpoint_bench_start (GtkApplication *app, const char *path, const char *const *tensors);

G_END_DECLS
