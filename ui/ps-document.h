/* ps-document.h — what the window shows and changes: one network and its state
 *
 * A PsDocument owns the model, the random generator, the input and target
 * of Forward/Backward, the last output, and the history of changes (undo and
 * redo).  Every change a user can make goes through it, so every change is
 * undoable and reported.  It uses GObject only (no GTK): tests drive it
 * without a display.
 *
 * Views listen to the "model-replaced" signal (a new network: rebuild),
 * "structure-changed" (lazy layers materialized: relabel) and each PsParam's listeners (values changed: redraw), which is how
 * two views of a tied parameter change together.  "changed" fires after every
 * change with a one-line description ("init xavier_uniform on 0.weight");
 * "history-moved" just before it when the change is an undo or a redo.
 */
#pragma once

#include <glib-object.h>
#include "paramscope.h"

G_BEGIN_DECLS

#define PS_TYPE_DOCUMENT (ps_document_get_type ())
G_DECLARE_FINAL_TYPE (PsDocument, ps_document, PS, DOCUMENT, GObject)

typedef enum
{
  PS_TARGET_BOTH,
  PS_TARGET_WEIGHTS,
  PS_TARGET_BIASES,
} PsInitTarget;

PsDocument     *ps_document_new               (void);

/* Loading replaces the network (and clears the history).  On error nothing
 * changes.  path may be a model file or a pasted print(net) text file. */
gboolean        ps_document_load_model_file   (PsDocument *doc, const char *path, GError **error);
gboolean        ps_document_load_model_text   (PsDocument *doc, const char *text, const char *label,
                                               GError **error);
/* load_state_dict into the current network (undoable); on error nothing changes. */
gboolean        ps_document_load_weights      (PsDocument *doc, const char *path, GError **error);
gboolean        ps_document_save_weights      (PsDocument *doc, const char *path, GError **error);

PsModule       *ps_document_get_model         (PsDocument *doc);
const char     *ps_document_get_title         (PsDocument *doc);   /* file name or example name */
const char     *ps_document_get_model_name    (PsDocument *doc);   /* "net", "rgnet" */

/* Editing (undoable).  index: flat element index. */
gboolean        ps_document_set_element       (PsDocument *doc, PsParam *param, int64_t index,
                                               float value, GError **error);
gboolean        ps_document_add_constant      (PsDocument *doc, PsParam *param, float value,
                                               GError **error);
gboolean        ps_document_fill              (PsDocument *doc, PsParam *param, float value,
                                               GError **error);
/* Initialize the parameters of a subtree (module non-NULL) or one parameter. */
gboolean        ps_document_initialize        (PsDocument *doc, PsModule *module, PsParam *param,
                                               PsInitTarget target, const PsInitScheme *scheme,
                                               guint64 seed, GError **error);
/* Several initializations as one undoable change named label (the
 * lesson's "net.apply(init_normal)"), drawing from one generator seeded
 * with seed, in order.  On error nothing changes. */
typedef struct
{
  PsModule           *module;     /* a subtree (NULL: the whole network) */
  PsInitTarget        target;
  const PsInitScheme *scheme;
} PsInitStep;

gboolean        ps_document_initialize_steps  (PsDocument *doc, const PsInitStep *steps,
                                               guint n_steps, guint64 seed, const char *label,
                                               GError **error);

/* Forward and backward. */
void            ps_document_set_random_input  (PsDocument *doc, int64_t batch, guint64 seed);
gboolean        ps_document_load_input        (PsDocument *doc, const char *path, GError **error);
/* The first n samples of x (copied) as the input, without a target. */
void            ps_document_set_input         (PsDocument *doc, const PsTensor *x, int64_t n);
const PsTensor *ps_document_get_input         (PsDocument *doc);   /* NULL until set */
/* How that input was made, as code ("X = torch.rand(2, 1, 28, 28)",
 * "X = torch.randint(0, 28, (2, 16))"): the Run panel's heading. */
const char     *ps_document_get_input_code    (PsDocument *doc);
gboolean        ps_document_forward           (PsDocument *doc, GError **error);
gboolean        ps_document_backward          (PsDocument *doc, PsLossKind loss, GError **error);
gboolean        ps_document_zero_grad         (PsDocument *doc, GError **error);
gboolean        ps_document_sgd_step          (PsDocument *doc, double lr, GError **error);
const PsTensor *ps_document_get_output        (PsDocument *doc);   /* NULL before a forward */
/* The last Forward's activations, one per layer call in forward order
 * (ps_tape_get_output): 0 before a forward or after a new network. */
guint           ps_document_get_n_activations (PsDocument *doc);
const PsTensor *ps_document_get_activation    (PsDocument *doc, guint i, PsModule **module,
                                               gboolean *overwritten);
double          ps_document_get_loss          (PsDocument *doc);   /* NAN before a backward */

/* What the window marks: values changed since they were loaded or saved
 * (opening another network asks first); the output and the gradients
 * computed from values that have changed since (stale until the next
 * Forward / Backward); how many backward passes the gradients sum (0: none
 * or zeroed; 2 or more: they accumulated, as PyTorch's do). */
gboolean        ps_document_is_modified       (PsDocument *doc);
gboolean        ps_document_output_is_stale   (PsDocument *doc);
gboolean        ps_document_grads_are_stale   (PsDocument *doc);
guint           ps_document_get_backward_passes (PsDocument *doc);
/* A tied parameter's gradient from the last Backward, one tensor per use
 * (forward order; ps-tape.h); empty for a parameter used once. */
GPtrArray      *ps_document_get_use_grads     (PsDocument *doc, PsParam *param);

/* History. */
gboolean        ps_document_can_undo          (PsDocument *doc);
gboolean        ps_document_can_redo          (PsDocument *doc);
const char     *ps_document_get_undo_label    (PsDocument *doc);
const char     *ps_document_get_redo_label    (PsDocument *doc);
gboolean        ps_document_undo              (PsDocument *doc);
gboolean        ps_document_redo              (PsDocument *doc);

/* The history's memory: the undo/redo changes (each a copy of the values
 * before and after) and the bytes kept for it elsewhere (the run's
 * snapshots, which take at most half) stay within a limit in bytes, the
 * "history-limit" property (default: the smaller of 1 GiB and 10 % of
 * physical memory; Preferences changes it).  Over it, the oldest changes
 * are dropped, then "history-trimmed" (guint: how many) is emitted. */
guint64         ps_document_default_history_limit (void);
void            ps_document_set_history_limit (PsDocument *doc, guint64 bytes);
guint64         ps_document_get_history_limit (PsDocument *doc);
guint64         ps_document_get_history_bytes (PsDocument *doc);   /* of the changes */
/* What the history holds elsewhere (the run's snapshots, at most half the
 * limit), counted against the limit: the oldest changes are dropped now if
 * the total is over it.  Dropping some of those snapshots is reported with
 * ps_document_history_trimmed (emits "history-trimmed"). */
void            ps_document_set_kept_bytes    (PsDocument *doc, guint64 bytes);
void            ps_document_history_trimmed   (PsDocument *doc, guint n_dropped);

/* Training: while busy (reason non-NULL) every change above is refused with
 * reason as its message, and undo/redo do nothing.  A change made outside
 * the document (the trainer writing its snapshots) is recorded as one
 * undoable change between begin_change and commit_change. */
void            ps_document_set_busy          (PsDocument *doc, const char *reason);
const char     *ps_document_get_busy          (PsDocument *doc);
void            ps_document_begin_change      (PsDocument *doc);
void            ps_document_commit_change     (PsDocument *doc, const char *label);
void            ps_document_cancel_change     (PsDocument *doc);
gboolean        ps_document_in_change         (PsDocument *doc);
/* Changes made by code (a console line, a notebook cell), which writes the
 * values without telling anyone: ps_document_begin_change before it runs,
 * then finish.  The parameters whose values or gradients differ are
 * notified (the views redraw), "structure-changed" is emitted if parameters
 * appeared or materialized, and it is one undoable change named label when
 * anything changed (nothing is recorded otherwise).  Returns how many
 * parameters changed. */
guint           ps_document_finish_code_change (PsDocument *doc, const char *label);
/* The network code built becomes the document's (a reference is taken),
 * named name ("net"); the history starts again, a begun change is dropped. */
void            ps_document_adopt_model       (PsDocument *doc, PsModule *model, const char *name,
                                               const char *title);
/* "code" (const char *) is emitted after each command with the PyTorch code
 * that does the same ("nn.init.normal_(net[0].weight, mean=0, std=0.01)"),
 * the one place where the console learns what the mouse did. */

/* The target of Backward with mse (NULL until one is loaded or made). */
PsTensor       *ps_document_get_target        (PsDocument *doc);

G_END_DECLS
