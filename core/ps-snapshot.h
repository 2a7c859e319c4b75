/* ps-snapshot.h — a network's values at one moment, and their differences
 *
 * A snapshot is a copy of every distinct parameter's values under its
 * named_parameters name: what the Train panel keeps at step 0 and every N
 * steps, and what the Difference A - B page subtracts.
 *
 *   g_autoptr (PsSnapshot) a = ps_snapshot_take (net, "start", 0);
 *   ...train...
 *   g_autoptr (PsTensor) d = ps_tensor_new_1d (0);
 *   ps_tensor_difference (ps_param_get_data (w), ps_snapshot_find (a, "0.weight"), d, &error);
 */
#pragma once

#include "ps-module.h"
#include "ps-safetensors.h"

G_BEGIN_DECLS

typedef struct _PsSnapshot PsSnapshot;

/* A copy of every distinct parameter's values (named_parameters order and
 * names); uninitialized parameters are left out. */
PsSnapshot     *ps_snapshot_take        (PsModule *model, const char *label, guint64 step);
/* The values a weights file (st: any file ps_weights_open reads) holds for
 * model's parameters: a checkpoint of a run as a snapshot.  Each distinct
 * parameter whose named_parameters name the file holds with its shape is
 * copied (as float32); the others are left out.  The reads are guarded: a
 * file truncated while it is read gives an error, never SIGBUS.
 * NULL + PS_ERROR_KEY if the file holds none of them, PS_ERROR_IO if it
 * changed while read. */
PsSnapshot     *ps_snapshot_new_from_weights (PsModule *model, PsSafetensors *st,
                                              const char *label, guint64 step, GError **error);
void            ps_snapshot_free        (PsSnapshot *s);
const char     *ps_snapshot_get_label   (PsSnapshot *s);
guint64         ps_snapshot_get_step    (PsSnapshot *s);
gint64          ps_snapshot_get_time    (PsSnapshot *s);  /* g_get_real_time () when taken */
guint           ps_snapshot_get_n       (PsSnapshot *s);
const char     *ps_snapshot_get_name    (PsSnapshot *s, guint i);
const PsTensor *ps_snapshot_get_tensor  (PsSnapshot *s, guint i);
/* The values of a named_parameters name; NULL if the snapshot has none. */
const PsTensor *ps_snapshot_find        (PsSnapshot *s, const char *name);
gsize           ps_snapshot_get_bytes   (PsSnapshot *s);   /* of the copied values */

/* out = a - b elementwise, out resized to their shape:
 * a, b: same shape   out: that shape.  FALSE + PS_ERROR_SHAPE if the shapes differ. */
gboolean        ps_tensor_difference    (const PsTensor *a, const PsTensor *b, PsTensor *out,
                                         GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSnapshot, ps_snapshot_free)

G_END_DECLS
