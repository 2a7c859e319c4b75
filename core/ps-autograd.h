/* ps-autograd.h — PyTorch's eager autograd over PsArrays
 *
 * Every operation of ps-array.h that produces an array from inputs of which
 * one requires grad (while grad mode is on) records a node: the result is
 * not a leaf, prints `grad_fn=<MulBackward0>` with PyTorch 1.13's node
 * names, and backward() walks the nodes in reverse topological order,
 * accumulating (+=) into the .grad of every leaf that requires grad.  A
 * parameter (ps_array_new_for_param()) is a leaf whose .grad is the
 * PsParam's gradient: backward accumulates into it and notifies the
 * parameter's listeners (PS_CHANGE_GRAD).
 *
 *   g_autoptr (PsArray) w = ps_array_new_for_param (param, &error);
 *   g_autoptr (PsArray) y = ps_autograd_module_forward (net, x, &error);  // net(X)
 *   g_autoptr (PsArray) s = ps_array_sum (y, NULL, 0, FALSE, &error);     // .sum()
 *   ps_array_backward (s, NULL, FALSE, &error);                          // .backward()
 *   g_autoptr (PsArray) g = ps_array_get_grad (w);                        // w.grad
 *
 * Grad mode is per thread, as PyTorch's: `with torch.no_grad():` is
 * ps_autograd_no_grad_push() ... pop() (a counter, so they nest).
 */
#pragma once

#include "ps-array.h"
#include "ps-module.h"

G_BEGIN_DECLS

/* ---------------------------------------------------------------- flags */

gboolean    ps_array_get_requires_grad (const PsArray *a);
/* t.requires_grad_(flag) / t.requires_grad = flag.  RuntimeError as
 * PyTorch: "only Tensors of floating point dtype can require gradients",
 * "you can only change requires_grad flags of leaf variables." (when
 * turning it off on a non-leaf).  For a parameter it sets the parameter's
 * flag. */
gboolean    ps_array_set_requires_grad (PsArray *a, gboolean requires_grad, GError **error);
/* t.detach_(): t leaves the graph (no grad_fn) and no longer requires grad;
 * PyTorch's RuntimeError for a view of a tensor that requires grad. */
gboolean    ps_array_detach_           (PsArray *a, GError **error);
/* t.is_leaf: no grad_fn. */
gboolean    ps_array_is_leaf           (const PsArray *a);
/* "AddmmBackward0" or NULL for a leaf; static string. */
const char *ps_array_get_grad_fn_name  (const PsArray *a);

/* t.grad: a new reference, or NULL for None (a non-leaf's grad is None). */
PsArray    *ps_array_get_grad          (PsArray *a);
/* t.grad = g (NULL for None): same shape and dtype as t, else RuntimeError
 * "assigned grad has data of a different size". */
gboolean    ps_array_set_grad          (PsArray *a, PsArray *grad, GError **error);

/* ------------------------------------------------------------- backward */

/* t.backward(gradient): gradient NULL for a 1-element t (implicitly 1),
 * else the same shape.  RuntimeError "element 0 of tensors does not require
 * grad and does not have a grad_fn", "grad can be implicitly created only
 * for scalar outputs".  Unless retain_graph, the graph's saved values are
 * freed and a second backward through it is PyTorch's "Trying to backward
 * through the graph a second time ..." error. */
gboolean    ps_array_backward          (PsArray *a, PsArray *gradient, gboolean retain_graph,
                                        GError **error);

/* --------------------------------------------------------- grad mode */

gboolean    ps_autograd_is_enabled     (void);       /* torch.is_grad_enabled() */
void        ps_autograd_no_grad_push   (void);       /* enter `with torch.no_grad():` */
void        ps_autograd_no_grad_pop    (void);       /* leave it */

/* ---------------------------------------------------------- modules */

/* Run a built-in module eagerly, as `module(x)` does in PyTorch, recording
 * the same nodes: Linear (AddmmBackward0 for 2-D x; its parameters are the
 * module's PsParams), ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity,
 * Flatten, and a Sequential of them in order.  A lazy Linear is
 * materialized with rng on its first call.  Errors in PyTorch's words,
 * naming the module. */
PsArray    *ps_autograd_module_forward (PsModule *module, PsArray *x, PsRng *rng, GError **error);
/* An nn.RNN, nn.GRU or nn.LSTM called as `rnn(x, h0)` / `lstm(x, (h0, c0))`:
 * h0 and c0 NULL for zeros (an LSTM takes both or neither); out, h_n and, for
 * an LSTM when cn is not NULL, c_n, recorded as PyTorch records them (one
 * backward gives the gradients of x, h0, c0 and every weight).  FALSE with
 * PyTorch's RuntimeError text when a shape or dtype does not fit; nothing
 * changes then. */
gboolean    ps_autograd_recurrent_forward (PsModule *module, PsArray *x, PsArray *h0,
                                           PsArray *c0, PsArray **out, PsArray **hn,
                                           PsArray **cn, GError **error);

/* ------------------------------------------------------------- losses */

/* F.nll_loss(input, target, ignore_index=, reduction=): input (N, C) or (C,)
 * log-probabilities, target int64 (N) or (); node NllLossBackward0.
 * PyTorch's errors ("Target 5 is out of bounds.", "Expected input
 * batch_size (3) to match target batch_size (2)."). */
PsArray    *ps_array_nll_loss (PsArray *input, PsArray *target, const char *reduction,
                               int64_t ignore_index, GError **error);
/* F.mse_loss(a, b, reduction=): node MseLossBackward0. */
PsArray    *ps_array_mse_loss (PsArray *a, PsArray *b, const char *reduction, GError **error);

G_END_DECLS
