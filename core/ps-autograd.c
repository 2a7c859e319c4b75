/* ps-autograd.c — the graph of recorded operations and the backward engine */
#include "ps-autograd-private.h"
#include "ps-layer-recurrent.h"

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
        if (cur->user && cur->user_free)
          cur->user_free (cur->user);
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
  node->seq = __atomic_add_fetch (&node_seq, 1, __ATOMIC_RELAXED);
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

/* A leaf A written in place by an op whose inputs' graph reaches A itself
 * (b = a.double(); a.requires_grad_(False); a += b): A now has a node whose
 * graph holds A, a reference cycle.  PyTorch's backward then refuses ("leaf
 * variable has been moved into the graph interior"); the edges to A let go of
 * it and say so. */
static void
release_moved_leaf (PsNode *node, PsArray *a)
{
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr (GPtrArray) stack = g_ptr_array_new ();

  g_ptr_array_add (stack, node);
  while (stack->len > 0)
    {
      PsNode *n = g_ptr_array_steal_index_fast (stack, stack->len - 1);
      if (!g_hash_table_add (seen, n))
        continue;
      for (int i = 0; i < n->n_inputs; i++)
        {
          PsEdge *e = &n->inputs[i];
          if (e->leaf == a)
            {
              e->leaf = NULL;
              e->leaf_moved = TRUE;
              ps_array_unref (a);
            }
          else if (e->node)
            g_ptr_array_add (stack, e->node);
        }
    }
}

PsNode *
ps_autograd_record_inplace (PsArray *a, const char *name, PsBackwardFn backward,
                            PsArray *const *inputs, int n_inputs)
{
  PsNode *node = node_new (name, backward, inputs, n_inputs);

  if (a->grad_fn == NULL)
    for (int i = 0; i < n_inputs; i++)
      if (node->inputs[i].node)
        release_moved_leaf (node->inputs[i].node, a);

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
  node->saved_from[i] = a->grad_fn ? a->grad_fn->name : NULL;
}

gboolean
ps_autograd_check_version (PsArray *s, guint64 version, const char *from, GError **error)
{
  g_autofree char *shape = NULL, *of = NULL;
  const char *type;

  if (s == NULL || s->storage->version == version)
    return TRUE;
  shape = ps_shape_to_string (s->ndim, s->shape);
  type = s->dtype == PS_DTYPE_F64 ? "DoubleTensor" : s->dtype == PS_DTYPE_I64 ? "LongTensor"
         : s->dtype == PS_DTYPE_BOOL ? "BoolTensor" : "FloatTensor";
  of = from ? g_strdup_printf (", which is output 0 of %s,", from) : g_strdup ("");
  ps_array_set_error (error, RUNTIME, "one of the variables needed for gradient computation "
                      "has been modified by an inplace operation: [torch.%s %s]%s is at "
                      "version %" G_GUINT64_FORMAT "; expected version %" G_GUINT64_FORMAT
                      " instead. Hint: enable anomaly detection to find the operation that "
                      "failed to compute its gradient, with "
                      "torch.autograd.set_detect_anomaly(True).", type, shape, of,
                      s->storage->version, version);
  return FALSE;
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
  if (!ps_autograd_check_version (s, node->saved_version[i], node->saved_from[i], error))
    return NULL;
  return s;
}

gboolean
ps_autograd_check_inplace (PsArray *a, GError **error)
{
  if (ps_autograd_is_enabled () && a->is_view && a->view_of_leaf)
    {
      ps_array_set_error (error, RUNTIME, "a view of a leaf Variable that requires grad is "
                          "being used in an in-place operation.");
      return FALSE;
    }
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
ps_array_detach_ (PsArray *a, GError **error)
{
  if (a->is_view)
    {
      ps_array_set_error (error, RUNTIME, "Can't detach views in-place. Use detach() instead. If "
                          "you are using DistributedDataParallel (DDP) for training, and "
                          "gradient_as_bucket_view is set as True, gradients are views of DDP "
                          "buckets, and hence detach_() cannot be called on these gradients. To "
                          "fix this error, please refer to the Optimizer.zero_grad() function in "
                          "torch/optim/optimizer.py as the solution.");
      return FALSE;
    }
  g_clear_pointer (&a->grad_fn, ps_node_unref);
  if (a->is_param)
    ps_param_set_requires_grad (a->storage->param, FALSE);
  else
    a->requires_grad = FALSE;
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

/* ------------------------------------------------------------- backward */



typedef struct
{
  PsArray *leaf;         /* borrowed (held by its edge) */
  PsArray *grad;         /* summed contributions */
} LeafAcc;

static gint
by_seq_desc (gconstpointer a, gconstpointer b)
{
  const PsNode *x = *(PsNode *const *) a, *y = *(PsNode *const *) b;

  return x->seq < y->seq ? 1 : x->seq > y->seq ? -1 : 0;
}

static gboolean
add_into (PsArray **acc, PsArray *g, GError **error)
{
  PsArray *s;

  if (*acc == NULL)
    {
      *acc = ps_array_ref (g);
      return TRUE;
    }
  s = ps_array_binary (PS_BINARY_ADD, *acc, g, error);
  if (s == NULL)
    return FALSE;
  ps_array_unref (*acc);
  *acc = s;
  return TRUE;
}

/* The leaf's key: parameters by their PsParam (two arrays of one parameter
 * share one .grad), others by themselves. */
static gpointer
leaf_key (PsArray *leaf)
{
  return leaf->is_param ? (gpointer) leaf->storage->param : (gpointer) leaf;
}

static gboolean
accumulate_leaf (PsArray *leaf, PsArray *g, GError **error)
{
  if (leaf->is_param)
    {
      PsParam *p = leaf->storage->param;
      g_autofree float *v = NULL;
      gboolean overwrite;
      float *dst;
      PsTensor *data = ps_param_get_data (p);
      if (data == NULL || data->numel != g->numel)
        {
          ps_array_set_error (error, RUNTIME, "the parameter changed shape during backward");
          return FALSE;
        }
      v = g_try_new (float, MAX (g->numel, 1));
      if (v == NULL || !ps_array_read_as (g, PS_DTYPE_F32, g->ndim, g->shape, v, error))
        {
          if (v == NULL)
            ps_array_set_error (error, RUNTIME, "not enough memory for a gradient");
          return FALSE;
        }
      dst = ps_param_grad_for_backward (p, &overwrite);
      if (overwrite)
        memcpy (dst, v, (size_t) g->numel * sizeof (float));
      else
        for (int64_t i = 0; i < g->numel; i++)
          dst[i] += v[i];
      ps_param_changed (p, PS_CHANGE_GRAD);
      return TRUE;
    }
  if (leaf->grad == NULL)
    {
      /* a contiguous copy of its own: g may be an expanded view */
      leaf->grad = ps_array_copy_as (g, leaf->dtype, error);
      return leaf->grad != NULL;
    }
  return ps_array_binary_ (PS_BINARY_ADD, leaf->grad, g, error);
}

static gboolean
route (GHashTable *node_grads, GHashTable *leaf_grads, PsEdge *e, PsArray *gin, GError **error)
{
  g_autoptr (PsArray) g = NULL;

  if (e->leaf_moved)
    {
      ps_array_set_error (error, RUNTIME, "leaf variable has been moved into the graph interior");
      return FALSE;
    }
  if (e->node == NULL && e->leaf == NULL)
    return TRUE;
  g = ps_array_sum_to (gin, e->ndim, e->shape, error);
  if (g == NULL)
    return FALSE;
  if (g->dtype != e->dtype)
    {
      PsArray *c = ps_array_to_dtype (g, e->dtype, error);
      if (c == NULL)
        return FALSE;
      ps_array_unref (g);
      g = c;
    }
  if (e->node)
    {
      PsArray *acc = g_hash_table_lookup (node_grads, e->node);
      if (!add_into (&acc, g, error))
        return FALSE;
      g_hash_table_steal (node_grads, e->node);
      g_hash_table_insert (node_grads, e->node, acc);
      return TRUE;
    }
  {
    gpointer key = leaf_key (e->leaf);
    LeafAcc *la = g_hash_table_lookup (leaf_grads, key);
    if (la == NULL)
      {
        la = g_new0 (LeafAcc, 1);
        la->leaf = e->leaf;
        g_hash_table_insert (leaf_grads, key, la);
      }
    return add_into (&la->grad, g, error);
  }
}

static void
leaf_acc_free (gpointer p)
{
  LeafAcc *la = p;

  if (la->grad)
    ps_array_unref (la->grad);
  g_free (la);
}

static void
release_node (PsNode *node)
{
  node->released = TRUE;
  for (int i = 0; i < PS_NODE_MAX_SAVED; i++)
    g_clear_pointer (&node->saved[i], ps_array_unref);
  if (node->user && node->user_free)
    node->user_free (node->user);
  node->user = NULL;
}

gboolean
ps_array_backward (PsArray *a, PsArray *gradient, gboolean retain_graph, GError **error)
{
  g_autoptr (PsArray) seed = NULL;
  g_autoptr (GHashTable) node_grads = NULL, leaf_grads = NULL, seen = NULL;
  g_autoptr (GPtrArray) order = NULL;
  gboolean ok = FALSE;
  PsEdge root = { 0 };

  if (!array_requires_grad (a))
    {
      ps_array_set_error (error, RUNTIME, "element 0 of tensors does not require grad and does "
                          "not have a grad_fn");
      return FALSE;
    }
  if (gradient == NULL)
    {
      if (a->numel != 1)
        {
          ps_array_set_error (error, RUNTIME, "grad can be implicitly created only for scalar "
                              "outputs");
          return FALSE;
        }
      seed = ps_array_new_ones (a->dtype, a->ndim, a->shape, error);
      if (seed == NULL)
        return FALSE;
    }
  else
    {
      if (gradient->ndim != a->ndim
          || memcmp (gradient->shape, a->shape, sizeof (int64_t) * a->ndim) != 0)
        {
          g_autofree char *gs = ps_shape_to_string (gradient->ndim, gradient->shape);
          g_autofree char *as = ps_shape_to_string (a->ndim, a->shape);
          ps_array_set_error (error, RUNTIME, "Mismatch in shape: grad_output[0] has a shape of "
                              "torch.Size(%s) and output[0] has a shape of torch.Size(%s).",
                              gs, as);
          return FALSE;
        }
      seed = ps_array_ref (gradient);
    }

  ps_autograd_no_grad_push ();
  node_grads = g_hash_table_new_full (NULL, NULL, NULL, (GDestroyNotify) ps_array_unref);
  leaf_grads = g_hash_table_new_full (NULL, NULL, NULL, leaf_acc_free);
  root.ndim = a->ndim;
  memcpy (root.shape, a->shape, sizeof root.shape);
  root.dtype = a->dtype;
  if (a->grad_fn)
    root.node = a->grad_fn;
  else
    root.leaf = a;
  if (!route (node_grads, leaf_grads, &root, seed, error))
    goto out;

  /* every node reachable from the root, in reverse creation order: a node
   * is created after its inputs, so this is a topological order */
  order = g_ptr_array_new ();
  seen = g_hash_table_new (NULL, NULL);
  if (a->grad_fn)
    {
      g_autoptr (GPtrArray) stack = g_ptr_array_new ();
      g_ptr_array_add (stack, a->grad_fn);
      g_hash_table_add (seen, a->grad_fn);
      while (stack->len)
        {
          PsNode *n = g_ptr_array_steal_index_fast (stack, stack->len - 1);
          g_ptr_array_add (order, n);
          for (int i = 0; i < n->n_inputs; i++)
            if (n->inputs[i].node && !g_hash_table_contains (seen, n->inputs[i].node))
              {
                g_hash_table_add (seen, n->inputs[i].node);
                g_ptr_array_add (stack, n->inputs[i].node);
              }
        }
      g_ptr_array_sort (order, by_seq_desc);
    }

  for (guint k = 0; k < order->len; k++)
    {
      PsNode *n = order->pdata[k];
      PsArray *g = g_hash_table_lookup (node_grads, n);
      PsArray **gi;
      gboolean fine;
      if (g == NULL)
        continue;
      if (n->released)
        {
          ps_node_saved (n, 0, error);    /* PyTorch's "backward through the graph a second time" */
          goto out;
        }
      gi = g_new0 (PsArray *, MAX (n->n_inputs, 1));
      fine = n->backward (n, g, gi, error);
      for (int i = 0; fine && i < n->n_inputs; i++)
        if (gi[i])
          fine = route (node_grads, leaf_grads, &n->inputs[i], gi[i], error);
      for (int i = 0; i < n->n_inputs; i++)
        if (gi[i])
          ps_array_unref (gi[i]);
      g_free (gi);
      if (!fine)
        goto out;
      g_hash_table_remove (node_grads, n);
      if (!retain_graph)
        release_node (n);
    }

  {
    GHashTableIter it;
    gpointer key, value;
    g_hash_table_iter_init (&it, leaf_grads);
    while (g_hash_table_iter_next (&it, &key, &value))
      {
        LeafAcc *la = value;
        if (la->grad && !accumulate_leaf (la->leaf, la->grad, error))
          goto out;
      }
  }
  ok = TRUE;
out:
  ps_autograd_no_grad_pop ();
  return ok;
}

/* --------------------------------------------------------------- modules */

PsArray *
ps_autograd_module_forward (PsModule *m, PsArray *x, PsRng *rng, GError **error)
{
  switch (ps_module_get_kind (m))
    {
    case PS_MODULE_SEQUENTIAL:
      {
        g_autoptr (PsArray) cur = ps_array_ref (x);
        for (guint i = 0; i < ps_module_get_n_children (m); i++)
          {
            PsArray *next = ps_autograd_module_forward (ps_module_get_child (m, i), cur, rng,
                                                        error);
            if (next == NULL)
              return NULL;
            ps_array_unref (cur);
            cur = next;
          }
        return g_steal_pointer (&cur);
      }
    case PS_MODULE_LINEAR:
      {
        PsParam *w, *b;
        g_autoptr (PsArray) wa = NULL, ba = NULL;
        if (ps_module_is_lazy (m))
          {
            if (x->ndim == 0)
              {
                ps_array_set_error (error, RUNTIME, "LazyLinear needs an input with at least "
                                    "one dimension");
                return NULL;
              }
            if (!ps_module_materialize (m, x->shape[x->ndim - 1], rng, error))
              return NULL;
          }
        w = ps_module_get_param_by_name (m, "weight");
        b = ps_module_get_param_by_name (m, "bias");
        wa = ps_array_new_for_param (w, error);
        if (wa == NULL || (b && (ba = ps_array_new_for_param (b, error)) == NULL))
          return NULL;
        if (x->dtype != PS_DTYPE_F32)
          {
            ps_array_set_error (error, RUNTIME, "expected scalar type Float but found %s",
                                x->dtype == PS_DTYPE_F64 ? "Double"
                                : x->dtype == PS_DTYPE_I64 ? "Long" : "Bool");
            return NULL;
          }
        return ps_array_linear (x, wa, ba, error);
      }
    case PS_MODULE_RELU:
      return ps_array_unary (PS_UNARY_RELU, x, error);
    case PS_MODULE_LEAKY_RELU:
      return ps_array_leaky_relu (x, ps_module_get_negative_slope (m), error);
    case PS_MODULE_SIGMOID:
      return ps_array_unary (PS_UNARY_SIGMOID, x, error);
    case PS_MODULE_TANH:
      return ps_array_unary (PS_UNARY_TANH, x, error);
    case PS_MODULE_GELU:
      return ps_array_unary (ps_module_get_gelu_tanh (m) ? PS_UNARY_GELU_TANH : PS_UNARY_GELU,
                             x, error);
    case PS_MODULE_IDENTITY:
      return ps_array_ref (x);
    case PS_MODULE_FLATTEN:
      {
        int sd, ed;
        ps_module_get_flatten_dims (m, &sd, &ed);
        return ps_array_flatten (x, sd, ed, error);
      }
    case PS_MODULE_LAYER:
      if (!ps_recurrent_is_module (m))
        return ps_autograd_layer_forward (m, x, rng, error);
      G_GNUC_FALLTHROUGH;
    default:
      ps_array_set_error (error, RUNTIME, "%s cannot be called from code yet",
                          ps_module_get_type_name (m));
      return NULL;
    }
}
