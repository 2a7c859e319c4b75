/* ps-autograd.c — the graph of recorded operations and the backward engine */
#include "ps-autograd-private.h"

#include <string.h>

/* ------------------------------------------------------------ grad mode */

static _Thread_local int no_grad_depth;
static guint64 node_seq;

gboolean
ps_autograd_is_enabled (void)
{
  return no_grad_depth == 0;
}

void
ps_autograd_no_grad_push (void)
{
  no_grad_depth++;
}

void
ps_autograd_no_grad_pop (void)
{
  g_return_if_fail (no_grad_depth > 0);
  no_grad_depth--;
}

/* ---------------------------------------------------------------- nodes */

PsNode *
ps_node_ref (PsNode *node)
{
  g_atomic_ref_count_inc (&node->ref);
  return node;
}

void
ps_node_unref (PsNode *node)
{
  if (node == NULL || !g_atomic_ref_count_dec (&node->ref))
    return;
  /* Long chains (a loop of ten thousand `x = x + 1`) would recurse as deep
   * as the chain: release the inputs iteratively. */
  {
    GPtrArray *stack = NULL;
    PsNode *cur = node;

    for (;;)
      {
        for (int i = 0; i < cur->n_inputs; i++)
          {
            PsEdge *e = &cur->inputs[i];
            if (e->leaf)
              ps_array_unref (e->leaf);
            if (e->node && g_atomic_ref_count_dec (&e->node->ref))
              {
                if (stack == NULL)
                  stack = g_ptr_array_new ();
                g_ptr_array_add (stack, e->node);
              }
          }
        for (int i = 0; i < PS_NODE_MAX_SAVED; i++)
          if (cur->saved[i])
            ps_array_unref (cur->saved[i]);
        g_free (cur->inputs);
        g_free (cur);
        if (stack == NULL || stack->len == 0)
          break;
        cur = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      }
    if (stack)
      g_ptr_array_unref (stack);
  }
}

static gboolean
array_requires_grad (const PsArray *a)
{
  if (a->grad_fn)
    return TRUE;
  if (a->is_param)
    return ps_param_get_requires_grad (a->storage->param);
  return a->requires_grad;
}

gboolean
ps_autograd_needs_node (PsArray *const *inputs, int n)
{
  if (!ps_autograd_is_enabled ())
    return FALSE;
  for (int i = 0; i < n; i++)
    if (inputs[i] && array_requires_grad (inputs[i]))
      return TRUE;
  return FALSE;
}

static PsNode *
node_new (const char *name, PsBackwardFn backward, PsArray *const *inputs, int n_inputs)
{
  PsNode *node = g_new0 (PsNode, 1);

  g_atomic_ref_count_init (&node->ref);
  node->name = name;
  node->backward = backward;
  node->seq = ++node_seq;
  node->n_inputs = n_inputs;
  node->inputs = g_new0 (PsEdge, MAX (n_inputs, 1));
  for (int i = 0; i < n_inputs; i++)
    {
      PsArray *in = inputs[i];
      PsEdge *e = &node->inputs[i];
      if (in == NULL)
        continue;
      e->ndim = in->ndim;
      memcpy (e->shape, in->shape, sizeof e->shape);
      e->dtype = in->dtype;
      if (in->grad_fn)
        e->node = ps_node_ref (in->grad_fn);
      else if (array_requires_grad (in))
        e->leaf = ps_array_ref (in);
    }
  return node;
}

PsNode *
ps_autograd_record (PsArray *out, const char *name, PsBackwardFn backward,
                    PsArray *const *inputs, int n_inputs)
{
  PsNode *node = node_new (name, backward, inputs, n_inputs);

  g_assert (out->grad_fn == NULL);
  node->out_ndim = out->ndim;
  memcpy (node->out_shape, out->shape, sizeof node->out_shape);
  node->out_dtype = out->dtype;
  out->grad_fn = node;
  return node;
}

PsNode *
ps_autograd_record_inplace (PsArray *a, const char *name, PsBackwardFn backward,
                            PsArray *const *inputs, int n_inputs)
{
  PsNode *node = node_new (name, backward, inputs, n_inputs);

  node->out_ndim = a->ndim;
  memcpy (node->out_shape, a->shape, sizeof node->out_shape);
  node->out_dtype = a->dtype;
  if (a->grad_fn)
    ps_node_unref (a->grad_fn);
  a->grad_fn = node;
  return node;
}

void
ps_node_save (PsNode *node, int i, PsArray *a)
{
  g_assert (i >= 0 && i < PS_NODE_MAX_SAVED && node->saved[i] == NULL);
  if (a == NULL)
    return;
  node->saved[i] = ps_array_detach (a);
  node->saved_version[i] = a->storage->version;
}

PsArray *
ps_node_saved (PsNode *node, int i, GError **error)
{
  PsArray *s = node->saved[i];

  if (node->released)
    {
      ps_array_set_error (error, RUNTIME, "Trying to backward through the graph a second time "
                          "(or directly access saved tensors after they have already been "
                          "freed). Saved intermediate values of the graph are freed when you "
                          "call .backward() or autograd.grad(). Specify retain_graph=True if "
                          "you need to backward through the graph a second time or if you need "
                          "to access saved tensors after calling backward.");
      return NULL;
    }
  if (s && s->storage->version != node->saved_version[i])
    {
      g_autofree char *shape = ps_shape_to_string (s->ndim, s->shape);
      const char *type = s->dtype == PS_DTYPE_F64 ? "DoubleTensor"
                         : s->dtype == PS_DTYPE_I64 ? "LongTensor"
                         : s->dtype == PS_DTYPE_BOOL ? "BoolTensor" : "FloatTensor";
      ps_array_set_error (error, RUNTIME, "one of the variables needed for gradient computation "
                          "has been modified by an inplace operation: [torch.%s %s], which is "
                          "output 0 of %s, is at version %" G_GUINT64_FORMAT "; expected version %"
                          G_GUINT64_FORMAT " instead. Hint: enable anomaly detection to find the "
                          "operation that failed to compute its gradient, with "
                          "torch.autograd.set_detect_anomaly(True).", type, shape, node->name,
                          s->storage->version, node->saved_version[i]);
      return NULL;
    }
  return s;
}

gboolean
ps_autograd_check_inplace (PsArray *a, GError **error)
{
  if (ps_autograd_is_enabled () && a->grad_fn == NULL && array_requires_grad (a))
    {
      ps_array_set_error (error, RUNTIME, "a leaf Variable that requires grad is being used in "
                          "an in-place operation.");
      return FALSE;
    }
  return TRUE;
}

/* ---------------------------------------------------------------- flags */

gboolean
ps_array_get_requires_grad (const PsArray *a)
{
  return array_requires_grad (a);
}

gboolean
ps_array_set_requires_grad (PsArray *a, gboolean requires_grad, GError **error)
{
  if (a->grad_fn)
    {
      if (!requires_grad)
        {
          ps_array_set_error (error, RUNTIME, "you can only change requires_grad flags of leaf "
                              "variables. If you want to use a computed variable in a subgraph "
                              "that doesn't require differentiation use "
                              "var_no_grad = var.detach().");
          return FALSE;
        }
      return TRUE;
    }
  if (requires_grad && a->dtype != PS_DTYPE_F32 && a->dtype != PS_DTYPE_F64)
    {
      ps_array_set_error (error, RUNTIME, "only Tensors of floating point dtype can require "
                          "gradients");
      return FALSE;
    }
  if (a->is_param)
    ps_param_set_requires_grad (a->storage->param, requires_grad);
  else
    a->requires_grad = !!requires_grad;
  return TRUE;
}

gboolean
ps_array_is_leaf (const PsArray *a)
{
  return a->grad_fn == NULL;
}

const char *
ps_array_get_grad_fn_name (const PsArray *a)
{
  return a->grad_fn ? a->grad_fn->name : NULL;
}

PsArray *
ps_array_get_grad (PsArray *a)
{
  if (a->is_param)
    return ps_array_new_for_param_grad (a->storage->param);
  return a->grad ? ps_array_ref (a->grad) : NULL;
}

gboolean
ps_array_set_grad (PsArray *a, PsArray *grad, GError **error)
{
  if (grad)
    {
      gboolean same = grad->ndim == a->ndim;
      for (int d = 0; same && d < a->ndim; d++)
        same = grad->shape[d] == a->shape[d];
      if (!same)
        {
          ps_array_set_error (error, RUNTIME, "assigned grad has data of a different size");
          return FALSE;
        }
      if (grad->dtype != a->dtype)
        {
          ps_array_set_error (error, RUNTIME, "assigned grad has data of a different type");
          return FALSE;
        }
    }
  if (a->is_param)
    {
      PsParam *p = a->storage->param;
      if (grad == NULL)
        ps_param_zero_grad (p, TRUE);
      else
        {
          g_autofree double *v = ps_array_to_doubles (grad, error);
          gboolean overwrite;
          float *g;
          if (v == NULL)
            return FALSE;
          g = ps_param_grad_for_backward (p, &overwrite);
          for (int64_t i = 0; i < grad->numel; i++)
            g[i] = (float) v[i];
          ps_param_changed (p, PS_CHANGE_GRAD);
        }
      return TRUE;
    }
  g_clear_pointer (&a->grad, ps_array_unref);
  if (grad)
    a->grad = ps_array_ref (grad);
  return TRUE;
}
