/* ps-checkpoint.h — a weights file browsed as a tree, read lazily
 *
 * (Any file ps_weights_open reads: safetensors, torch.save files, sharded
 * checkpoints; the examples name safetensors.)
 *
 * A checkpoint is a mapped, validated PsSafetensors plus the tree of its
 * dotted names ("model.layers.10.mlp.up_proj.weight": groups "model",
 * "layers", "10", "mlp", "up_proj", then the tensor "weight").  Opening
 * reads the header only: a multi-gigabyte file opens in milliseconds and the
 * tensors are read when, and where, they are looked at.
 *
 *   g_autoptr (PsCheckpoint) ck = ps_checkpoint_open ("llama.safetensors", &error);
 *   const PsCheckpointNode *root = ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_NATURAL);
 *   const PsCheckpointNode *n = ps_checkpoint_find (ck, PS_CHECKPOINT_ORDER_NATURAL,
 *                                                   "model.layers.0.mlp.down_proj.weight");
 *   PsCheckpointView v;
 *   ps_checkpoint_view_init_default (&v, n->entry);                // rows x cols = 4096 x 11008
 *   PsSlice s;
 *   ps_checkpoint_view_get_slice (ck, &v, &s);                     // the mapped bytes, strided
 *   PsPoolScratch scratch = { 0 };                                 // kept and reused
 *   float range = ps_pool_slice (&s, 0, 0, v.rows, v.cols,
 *                                pooled, 335, 900, &scratch);      // reads 4096 x 11008 once
 *   ps_heatmap_colorize (pooled, 335 * 900, range, argb);
 *
 * The tree splits names at dots (past 24 segments the rest stays one
 * name, so a hostile header cannot make it quadratic).  A view is a 2-D
 * slice of a tensor: one axis for the rows, one for the columns, and a fixed
 * index on every other axis.  A 1-D tensor is a column
 * (rows = its axis, as ps_heatmap_shape shows a bias); a 0-D one is 1 x 1.
 *
 * A view's slice (ps_checkpoint_view_get_slice) is pooled with
 * ps_pool_slice, which reads the mapped bytes in place, converting each
 * dtype (F32, F16, BF16, F64, I64, I32, I16, I8, U8, BOOL) on the fly, at
 * any alignment, and touches only the elements of the window's rows and
 * columns.  Every function here may be called from any thread; a
 * PsCheckpoint is immutable once opened.  The slice borrows the mapping:
 * keep the checkpoint alive while it is used.
 */
#pragma once

#include "ps-pool.h"
#include "ps-safetensors.h"
#include "ps-tensor.h"

#include <gio/gio.h>

G_BEGIN_DECLS

typedef struct _PsCheckpoint PsCheckpoint;
typedef struct _PsCheckpointNode PsCheckpointNode;

/* The order of the children of a group. */
typedef enum
{
  PS_CHECKPOINT_ORDER_NATURAL,   /* by name, numbers as numbers: "9" before "10" */
  PS_CHECKPOINT_ORDER_FILE,      /* by the first tensor below, in data-offset order */
} PsCheckpointOrder;

/* One name of the tree: a group, a tensor, or both ("a.b" and "a.b.c").
 * Read-only; owned by the checkpoint. */
struct _PsCheckpointNode
{
  const char               *name;        /* last segment: "weight", "10"; "" for the root */
  const char               *key;         /* full dotted name; "" for the root */
  const PsCheckpointNode   *parent;      /* NULL for the root */
  PsCheckpointNode *const  *children;    /* n_children, in the tree's order */
  guint                     n_children;
  /* the tensor of this name (NULL for a group); for an alias, the tensor it names */
  const PsSafetensorsEntry *entry;
  /* set for an alias recorded in __metadata__ ("lm_head.weight" ->
   * "model.embed_tokens.weight"): the name of the stored tensor */
  const char               *alias_of;
  /* other names of this stored tensor (its aliases), NULL-terminated; NULL if none */
  const char *const        *aliases;
  /* the dtype of a tensor, or of every tensor of a group; NULL for a group of mixed dtypes */
  const char               *dtype_name;
  /* stored tensors at or below this node (aliases not counted), and aliases */
  guint                     n_tensors;
  guint                     n_aliases;
  int64_t                   numel;
  guint64                   bytes;
};

/* Map path and validate it (any weights file: ps_weights_open); nothing of
 * the tensors' data is read. */
PsCheckpoint *ps_checkpoint_open          (const char *path, GError **error);
/* The same over bytes already in memory; label names them in messages. */
PsCheckpoint *ps_checkpoint_new_from_bytes (GBytes *bytes, const char *label, GError **error);
/* Browse weights already read (taken). */
PsCheckpoint *ps_checkpoint_new_from_weights (PsSafetensors *st);
PsCheckpoint *ps_checkpoint_ref           (PsCheckpoint *ck);
void          ps_checkpoint_unref         (PsCheckpoint *ck);

PsSafetensors *ps_checkpoint_get_safetensors (PsCheckpoint *ck);   /* borrowed */
const char    *ps_checkpoint_get_label    (PsCheckpoint *ck);       /* the path */
guint64        ps_checkpoint_get_size     (PsCheckpoint *ck);       /* bytes of the file */

/* The tree in the given order (built on first use, then kept). */
const PsCheckpointNode *ps_checkpoint_get_root (PsCheckpoint *ck, PsCheckpointOrder order);
/* The node of a dotted name (a tensor, an alias or a group), or NULL. */
const PsCheckpointNode *ps_checkpoint_find     (PsCheckpoint *ck, PsCheckpointOrder order,
                                                const char *key);

/* strcmp, except that runs of digits compare as numbers ("layers.9" <
 * "layers.10", "h2" < "h10"); ties fall back to strcmp. */
int           ps_checkpoint_natural_compare (const char *a, const char *b);

/* ---- views: a 2-D slice of a tensor ---------------------------------------- */

typedef struct
{
  const PsSafetensorsEntry *entry;
  int      row_axis, col_axis;                /* -1: none (a length-1 axis) */
  int64_t  index[PS_SAFETENSORS_MAX_DIMS];    /* the fixed index of every other axis */
  /* derived */
  int64_t  rows, cols;                        /* of the slice; 0 x 0 if the tensor is empty */
  int64_t  row_stride, col_stride;            /* in elements */
  int64_t  offset;                            /* the element at (0, 0) */
} PsCheckpointView;

/* rows = the second-to-last axis, columns = the last, index 0 elsewhere
 * (a stack of matrices shows its first one); 1-D: a column; 0-D: 1 x 1. */
void     ps_checkpoint_view_init_default (PsCheckpointView *v, const PsSafetensorsEntry *e);
/* Any two different axes (or -1), and index[axis] for each other axis
 * (index may be NULL: all 0).  Errors (PS_ERROR_VALUE) name the axis and
 * what is allowed. */
gboolean ps_checkpoint_view_init     (PsCheckpointView *v, const PsSafetensorsEntry *e,
                                      int row_axis, int col_axis, const int64_t *index,
                                      GError **error);
/* The full index of slice element (row, col): ndim values into index. */
void     ps_checkpoint_view_get_index (const PsCheckpointView *v, int64_t row, int64_t col,
                                       int64_t *index);
/* The same as text: "[2, 17, 5]" ("[]" for a scalar).  Free with g_free. */
char    *ps_checkpoint_view_format_index (const PsCheckpointView *v, int64_t row, int64_t col);

/* Slice element (row, col), exactly (F64, integers up to 2^53); NaN if the
 * file was truncated meanwhile. */
double   ps_checkpoint_read           (PsCheckpoint *ck, const PsCheckpointView *v,
                                       int64_t row, int64_t col);

/* The view as a strided slice of the mapped bytes, for ps_pool_slice and
 * ps_slice_read (valid while ck lives). */
void     ps_checkpoint_view_get_slice (PsCheckpoint *ck, const PsCheckpointView *v,
                                       PsSlice *slice);

/* Statistics (ps_stats_compute's) of the slice, or of the whole tensor,
 * read in chunks; FALSE with G_IO_ERROR_CANCELLED if cancelled between
 * chunks.  Meant for a worker thread on large tensors. */
gboolean ps_checkpoint_view_stats     (PsCheckpoint *ck, const PsCheckpointView *v, PsStats *out,
                                       GCancellable *cancellable, GError **error);
gboolean ps_checkpoint_tensor_stats   (PsCheckpoint *ck, const PsSafetensorsEntry *e, PsStats *out,
                                       GCancellable *cancellable, GError **error);

/* ---- files that change while open ------------------------------------------ */

/* Run fn (data), which reads the checkpoint's mapped data, safely against
 * another program truncating a file meanwhile: the files' sizes are checked
 * first, and a SIGBUS during fn (a page that no longer exists) abandons fn
 * (ps_mapped_guard).  FALSE + PS_ERROR_IO "FILE changed while open: ..." in
 * both cases.  The statistics and ps_checkpoint_read use it themselves; the
 * pooling of a view (ps_pool_slice) should run inside it. */
gboolean ps_checkpoint_run_guarded    (PsCheckpoint *ck, void (*fn) (gpointer data), gpointer data,
                                       GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsCheckpoint, ps_checkpoint_unref)

G_END_DECLS
