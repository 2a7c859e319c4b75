/* ps-param.c — parameters */
#include "ps-param.h"
#include "ps-error.h"

#include <string.h>

G_DEFINE_QUARK (ps-error-quark, ps_error)

typedef struct
{
  guint           id;
  PsParamListener fn;
  gpointer        user_data;
  GDestroyNotify  destroy;
} Listener;

struct _PsParam
{
  gatomicrefcount ref;
  PsTensor *data;
  PsTensor *grad;          /* buffer, kept across zero_grad(set_to_none) */
  gboolean  grad_present;  /* FALSE: grad is None */
  gboolean  requires_grad;
  PsDtype   dtype;         /* the element type PyTorch holds it in; data is float32 */
  gboolean  meta;          /* shape known, storage not allocated yet */
  int       meta_ndim;
  int64_t   meta_shape[PS_TENSOR_MAX_DIMS];
  guint64   version;
  guint64   data_version;
  GArray   *listeners;     /* Listener, created on first use */
  guint     next_id;
};

PsParam *
ps_param_new (PsTensor *data)
{
  PsParam *p = g_new0 (PsParam, 1);
  g_atomic_ref_count_init (&p->ref);
  p->data = data ? ps_tensor_ref (data) : NULL;
  p->requires_grad = TRUE;
  p->next_id = 1;
  return p;
}

PsParam *
ps_param_new_uninitialized (void)
{
  return ps_param_new (NULL);
}

PsParam *
ps_param_new_meta (int ndim, const int64_t *shape, PsDtype dtype)
{
  PsParam *p;

  g_return_val_if_fail (ndim >= 0 && ndim <= PS_TENSOR_MAX_DIMS, NULL);
  g_return_val_if_fail (ps_shape_numel (ndim, shape) >= 0, NULL);
  p = ps_param_new (NULL);
  p->meta = TRUE;
  p->meta_ndim = ndim;
  if (ndim > 0)
    memcpy (p->meta_shape, shape, (size_t) ndim * sizeof (int64_t));
  p->dtype = dtype;
  return p;
}

gboolean
ps_param_is_meta (PsParam *p)
{
  return p->meta;
}

int
ps_param_get_shape (PsParam *p, int64_t *shape)
{
  if (p->meta)
    {
      if (shape && p->meta_ndim > 0)
        memcpy (shape, p->meta_shape, (size_t) p->meta_ndim * sizeof (int64_t));
      return p->meta_ndim;
    }
  if (p->data == NULL)
    return -1;
  if (shape && p->data->ndim > 0)
    memcpy (shape, p->data->shape, (size_t) p->data->ndim * sizeof (int64_t));
  return p->data->ndim;
}

int64_t
ps_param_get_numel (PsParam *p)
{
  if (p->meta)
    return ps_shape_numel (p->meta_ndim, p->meta_shape);
  return p->data ? p->data->numel : 0;
}

PsDtype
ps_param_get_dtype (PsParam *p)
{
  return p->dtype;
}

void
ps_param_set_dtype (PsParam *p, PsDtype dtype)
{
  p->dtype = dtype;
}

PsParam *
ps_param_ref (PsParam *p)
{
  g_return_val_if_fail (p != NULL, NULL);
  g_atomic_ref_count_inc (&p->ref);
  return p;
}

void
ps_param_unref (PsParam *p)
{
  if (p == NULL || !g_atomic_ref_count_dec (&p->ref))
    return;
  if (p->listeners)
    {
      for (guint i = 0; i < p->listeners->len; i++)
        {
          Listener *l = &g_array_index (p->listeners, Listener, i);
          if (l->destroy)
            l->destroy (l->user_data);
        }
      g_array_unref (p->listeners);
    }
  ps_tensor_unref (p->data);
  ps_tensor_unref (p->grad);
  g_free (p);
}

PsTensor *
ps_param_get_data (PsParam *p)
{
  if (G_UNLIKELY (p->meta))
    {
      /* first need: zero-filled storage (NULL, and still meta, if it cannot be had) */
      p->data = ps_tensor_new (p->meta_ndim, p->meta_shape);
      if (p->data)
        p->meta = FALSE;
    }
  return p->data;
}

PsTensor *
ps_param_get_grad (PsParam *p)
{
  return p->grad_present ? p->grad : NULL;
}

gboolean
ps_param_is_initialized (PsParam *p)
{
  return p->data != NULL || p->meta;
}

gboolean
ps_param_get_requires_grad (PsParam *p)
{
  return p->requires_grad;
}

void
ps_param_set_requires_grad (PsParam *p, gboolean requires_grad)
{
  p->requires_grad = !!requires_grad;
}

guint64
ps_param_get_version (PsParam *p)
{
  return p->version;
}

gboolean
ps_param_materialize (PsParam *p, int ndim, const int64_t *shape, GError **error)
{
  g_return_val_if_fail (p->data == NULL, FALSE);
  p->data = ps_tensor_new (ndim, shape);
  if (p->data == NULL)
    {
      g_autofree char *s = ps_shape_to_string (ndim, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE,
                   "cannot allocate a parameter of shape %s", s);
      return FALSE;
    }
  return TRUE;
}

float *
ps_param_grad_for_backward (PsParam *p, gboolean *overwrite)
{
  g_return_val_if_fail (p->data != NULL, NULL);
  if (p->grad == NULL)
    {
      p->grad = ps_tensor_new (p->data->ndim, p->data->shape);
      if (p->grad == NULL)
        g_error ("out of memory for the gradient of a parameter of %" G_GINT64_FORMAT
                 " elements", p->data->numel);
    }
  *overwrite = !p->grad_present;
  p->grad_present = TRUE;
  return p->grad->data;
}

PsTensor *
ps_param_ensure_grad (PsParam *p)
{
  gboolean overwrite;
  g_return_val_if_fail (p->data != NULL, NULL);
  ps_param_grad_for_backward (p, &overwrite);
  if (overwrite)
    ps_tensor_fill (p->grad, 0.f);
  return p->grad;
}

void
ps_param_zero_grad (PsParam *p, gboolean set_to_none)
{
  if (!p->grad_present)
    return;
  if (set_to_none)
    p->grad_present = FALSE;
  else
    ps_tensor_fill (p->grad, 0.f);
  ps_param_changed (p, PS_CHANGE_GRAD);
}

guint64
ps_param_get_data_version (PsParam *p)
{
  return p->data_version;
}

static void
swap_buffers (PsTensor *a, PsTensor *b)
{
  float *d = a->data;
  int64_t cap = a->capacity;
  a->data = b->data;
  a->capacity = b->capacity;
  b->data = d;
  b->capacity = cap;
}

/* ps_param_restore (copy) and ps_param_exchange (swap buffers) */
static void
hand_over (PsParam *p, PsTensor *data, PsTensor *grad, gboolean swap)
{
  PsChange what = 0;

  if (data && p->data && data->numel == p->data->numel)
    {
      if (swap)
        swap_buffers (p->data, data);
      else
        memcpy (p->data->data, data->data, (size_t) data->numel * sizeof (float));
      what |= PS_CHANGE_DATA;
    }
  if (grad && p->data && grad->numel == p->data->numel)
    {
      gboolean overwrite;
      float *g = ps_param_grad_for_backward (p, &overwrite);   /* swapping: a buffer to give */
      if (swap)
        swap_buffers (p->grad, grad);
      else
        memcpy (g, grad->data, (size_t) grad->numel * sizeof (float));
      what |= PS_CHANGE_GRAD;
    }
  else if (grad == NULL && p->grad_present)
    {
      p->grad_present = FALSE;
      what |= PS_CHANGE_GRAD;
    }
  if (what)
    ps_param_changed (p, what);
}

void
ps_param_restore (PsParam *p, const PsTensor *data, const PsTensor *grad)
{
  hand_over (p, (PsTensor *) data, (PsTensor *) grad, FALSE);   /* read only when copying */
}

void
ps_param_exchange (PsParam *p, PsTensor *data, PsTensor *grad)
{
  hand_over (p, data, grad, TRUE);
}

void
ps_param_changed (PsParam *p, PsChange what)
{
  p->version++;
  if (what & (PS_CHANGE_DATA | PS_CHANGE_SHAPE))
    p->data_version++;
  if (p->listeners == NULL)
    return;
  for (guint i = 0; i < p->listeners->len; i++)
    {
      Listener l = g_array_index (p->listeners, Listener, i);
      l.fn (p, what, l.user_data);
    }
}

guint
ps_param_add_listener (PsParam *p, PsParamListener fn, gpointer user_data, GDestroyNotify destroy)
{
  Listener l = { p->next_id++, fn, user_data, destroy };

  if (p->listeners == NULL)
    p->listeners = g_array_new (FALSE, FALSE, sizeof (Listener));
  g_array_append_val (p->listeners, l);
  return l.id;
}

void
ps_param_remove_listener (PsParam *p, guint id)
{
  if (p->listeners == NULL)
    return;
  for (guint i = 0; i < p->listeners->len; i++)
    {
      Listener l = g_array_index (p->listeners, Listener, i);
      if (l.id == id)
        {
          g_array_remove_index (p->listeners, i);
          if (l.destroy)
            l.destroy (l.user_data);
          return;
        }
    }
}
