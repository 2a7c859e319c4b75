/* ps-autograd-private.h — graph nodes, for the files that record them
 *
 * A node is one recorded operation.  Its edges lead to the inputs that need
 * a gradient: another node (a non-leaf input) or a leaf array that requires
 * grad (PyTorch's AccumulateGrad).  Each edge remembers its input's shape
 * and dtype, and the engine sums an incoming gradient down to that shape
 * (undoing broadcasting) and casts it, so that a node's backward may return
 * gradients of the broadcast shape.  Saved arrays are detached views (no
 * grad_fn, so no reference cycle through an op's own output) with the
 * version of their storage at saving time.
 */
#pragma once

#include "ps-array-private.h"
#include "ps-autograd.h"

G_BEGIN_DECLS

typedef struct
{
  PsNode  *node;                          /* a non-leaf input, or */
  PsArray *leaf;                          /* a leaf that requires grad; both NULL: none */
  gboolean leaf_moved;                    /* that leaf was since written in place and became
                                           * part of the graph: backward refuses, as PyTorch */
  int      ndim;
  int64_t  shape[PS_ARRAY_MAX_DIMS];
  PsDtype  dtype;
} PsEdge;

/* grads_in[i] for input i (set to NULL for "no gradient"); grad_out is
 * dL/d(output), of the output's shape and dtype. */
typedef gboolean (*PsBackwardFn) (PsNode *node, PsArray *grad_out, PsArray **grads_in,
                                  GError **error);

#define PS_NODE_MAX_SAVED 3

struct _PsNode
{
  gatomicrefcount ref;
  const char  *name;                      /* "AddBackward0" */
  PsBackwardFn backward;
  guint64      seq;                       /* creation order */
  int          n_inputs;
  PsEdge      *inputs;
  PsArray     *saved[PS_NODE_MAX_SAVED];
  guint64      saved_version[PS_NODE_MAX_SAVED];
  const char  *saved_from[PS_NODE_MAX_SAVED];   /* the saved array's grad_fn name */
  gboolean     released;                  /* saved arrays freed after a backward */
  /* the op's arguments */
  double       d[4];
  int64_t      n[2 * PS_ARRAY_MAX_DIMS + 2];
  int          out_ndim;
  int64_t      out_shape[PS_ARRAY_MAX_DIMS];
  PsDtype      out_dtype;
  /* what a node's backward needs beyond saved arrays (a layer's plan and
   * buffers): freed with the node, or when a backward releases it */
  gpointer       user;
  GDestroyNotify user_free;
};

PsNode   *ps_node_ref    (PsNode *node);
void      ps_node_unref  (PsNode *node);

/* TRUE when an op on these inputs must record a node: grad mode is on and
 * one of them requires grad. */
gboolean  ps_autograd_needs_node (PsArray *const *inputs, int n);
/* A node for out computed from inputs (NULL entries allowed); sets
 * out->grad_fn.  Returns the node (borrowed, owned by out) for saving. */
PsNode   *ps_autograd_record (PsArray *out, const char *name, PsBackwardFn backward,
                              PsArray *const *inputs, int n_inputs);
/* Save a detached view of a (NULL allowed) in slot i. */
void      ps_node_save   (PsNode *node, int i, PsArray *a);
/* The saved array, or NULL with PyTorch's error when it was freed by an
 * earlier backward or modified in place since. */
PsArray  *ps_node_saved  (PsNode *node, int i, GError **error);
/* FALSE with PyTorch's error when s (NULL: TRUE) is no longer at version,
 * the version of its storage when it was saved (from: the grad_fn name of
 * what was saved, or NULL). */
gboolean  ps_autograd_check_version (PsArray *s, guint64 version, const char *from,
                                     GError **error);

/* In-place on a: the checks of PyTorch (a leaf that requires grad, or a
 * view of one, while grad mode is on: RuntimeError). */
gboolean  ps_autograd_check_inplace (PsArray *a, GError **error);
/* After an in-place op computed on grad-requiring inputs: a's history is
 * the new node (PyTorch's rebase_history for a non-view). */
PsNode   *ps_autograd_record_inplace (PsArray *a, const char *name, PsBackwardFn backward,
                                      PsArray *const *inputs, int n_inputs);

/* In-place writes of PsArrays (ps-array-ops.c; ps-array-unary.c uses them too).
 * prepare: PyTorch's checks before writing into a.  finish: result (a's
 * shape) written into a, cast as PyTorch allows, and the in-place node
 * recorded into *node when grad flows (name NULL: none). */
gboolean  ps_array_inplace_prepare (PsArray *a, GError **error);
gboolean  ps_array_inplace_finish  (PsArray *a, PsArray *result, const char *name,
                                    PsBackwardFn backward, PsArray *const *inputs, int n,
                                    PsNode **node, GError **error);

/* module(x) for a layer of ps-layer-op (Conv2d, BatchNorm2d, pools, ...):
 * its kernels and one node (ps-autograd-layer.c). */
PsArray  *ps_autograd_layer_forward (PsModule *m, PsArray *x, PsRng *rng, GError **error);

G_END_DECLS
