/* ps-param.h — parameters: data, gradient, version and listeners
 *
 * A PsParam is one learnable tensor.  Tying two layers means two module slots
 * refer to the *same* PsParam (one source of truth), so an edit through one
 * name is seen through the other and their gradients add up.
 *
 *   data   the values, or NULL while the parameter is uninitialized (lazy)
 *   grad   NULL until the first backward (PyTorch's `grad is None`)
 *   meta   a parameter whose shape is known but whose storage is not
 *          allocated yet (a model read from print(net) text, or only named):
 *          ps_param_get_shape()/ps_param_get_numel() answer without
 *          allocating; the first ps_param_get_data() allocates it zero-filled
 *          (NULL if it cannot be allocated).
 *   dtype  the element type PyTorch holds the tensor in (F32 for parameters,
 *          I64 for a BatchNorm's num_batches_tracked).  The values are kept as
 *          float32 whatever the dtype (integers are exact up to 2^24).
 *
 * Buffers (running_mean, num_batches_tracked) are PsParams too, held by a
 * module's buffer slots, with requires_grad FALSE.
 *
 * Every mutation ends with ps_param_changed(), which bumps the version and
 * calls the listeners (the UI redraws every view of the parameter there).
 */
#pragma once

#include "ps-dtype.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

typedef struct _PsParam PsParam;

typedef enum
{
  PS_CHANGE_DATA  = 1 << 0,   /* values edited, initialized, loaded or stepped */
  PS_CHANGE_GRAD  = 1 << 1,   /* gradient accumulated or zeroed */
  PS_CHANGE_SHAPE = 1 << 2,   /* materialized (lazy) */
} PsChange;

typedef void (*PsParamListener) (PsParam *param, PsChange what, gpointer user_data);

PsParam  *ps_param_new             (PsTensor *data);         /* takes a reference to data */
PsParam  *ps_param_new_uninitialized (void);
/* Shape known, no storage yet (see "meta" above).  ndim <= PS_TENSOR_MAX_DIMS. */
PsParam  *ps_param_new_meta        (int ndim, const int64_t *shape, PsDtype dtype);
PsParam  *ps_param_ref             (PsParam *p);
void      ps_param_unref           (PsParam *p);

/* NULL if uninitialized (lazy); allocates a meta parameter's storage. */
PsTensor *ps_param_get_data        (PsParam *p);
PsTensor *ps_param_get_grad        (PsParam *p);             /* NULL before the first backward */
gboolean  ps_param_is_initialized  (PsParam *p);             /* shape known (meta included) */
gboolean  ps_param_is_meta         (PsParam *p);             /* shape known, no storage yet */
/* The shape without allocating: returns ndim (-1 while uninitialized) and
 * fills shape[0..ndim) if shape is not NULL (room for PS_TENSOR_MAX_DIMS). */
int       ps_param_get_shape       (PsParam *p, int64_t *shape);
int64_t   ps_param_get_numel       (PsParam *p);             /* 0 while uninitialized */
PsDtype   ps_param_get_dtype       (PsParam *p);             /* PS_DTYPE_F32 unless set */
void      ps_param_set_dtype       (PsParam *p, PsDtype dtype);
gboolean  ps_param_get_requires_grad (PsParam *p);
void      ps_param_set_requires_grad (PsParam *p, gboolean requires_grad);
guint64   ps_param_get_version     (PsParam *p);       /* bumped by every change */
guint64   ps_param_get_data_version (PsParam *p);      /* bumped when the values change */

/* Give an uninitialized parameter its shape (zero-filled). */
gboolean  ps_param_materialize     (PsParam *p, int ndim, const int64_t *shape, GError **error);
/* The gradient buffer, created zero-filled on first use. */
PsTensor *ps_param_ensure_grad     (PsParam *p);
/* Zero the gradient.  set_to_none: make it absent (ps_param_get_grad() returns
 * NULL), as PyTorch 2's zero_grad() does; the buffer is kept for reuse. */
void      ps_param_zero_grad       (PsParam *p, gboolean set_to_none);
/* For backward: the gradient buffer and whether it was absent, in which case
 * the caller must overwrite it rather than add to it.  It is present afterwards. */
float    *ps_param_grad_for_backward (PsParam *p, gboolean *overwrite);

/* Put back values saved earlier (undo): data (same element count; ignored
 * while uninitialized) and the gradient (NULL: absent).  Notifies listeners. */
void      ps_param_restore         (PsParam *p, const PsTensor *data, const PsTensor *grad);

/* The same as ps_param_restore, by exchanging buffers instead of copying:
 * afterwards data and grad hold the parameter's former buffers (their
 * contents are then unspecified).  For a stream of whole frames, such as the
 * trainer's hand-over to the window, where a copy of every tensor would
 * cost the window's thread a pass over the whole network each frame.
 * Whoever reads a parameter's values takes ps_param_get_data (p)->data
 * anew rather than keeping the pointer. */
void      ps_param_exchange        (PsParam *p, PsTensor *data, PsTensor *grad);

/* Bump the version and notify listeners. */
void      ps_param_changed         (PsParam *p, PsChange what);
guint     ps_param_add_listener    (PsParam *p, PsParamListener fn, gpointer user_data,
                                    GDestroyNotify destroy);
void      ps_param_remove_listener (PsParam *p, guint id);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsParam, ps_param_unref)

G_END_DECLS
