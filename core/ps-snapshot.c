/* ps-snapshot.c — a network's values at one moment, and tensor differences */
#include "ps-snapshot.h"
#include "ps-error.h"
#include "ps-file.h"

#include <string.h>

struct _PsSnapshot
{
  char      *label;
  guint64    step;
  gint64     time;
  GPtrArray *names;     /* char* */
  GPtrArray *tensors;   /* PsTensor* */
  gsize      bytes;
};

PsSnapshot *
ps_snapshot_take (PsModule *model, const char *label, guint64 step)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (model);
  PsSnapshot *s = g_new0 (PsSnapshot, 1);

  s->label = g_strdup (label);
  s->step = step;
  s->time = g_get_real_time ();
  s->names = g_ptr_array_new_with_free_func (g_free);
  s->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      PsTensor *d = ps_param_get_data (p->param);
      if (d == NULL)
        continue;
      g_ptr_array_add (s->names, g_strdup (p->name));
      g_ptr_array_add (s->tensors, ps_tensor_copy (d));
      s->bytes += (gsize) d->numel * sizeof (float);
    }
  return s;
}

typedef struct
{
  PsSafetensors            *st;
  const PsSafetensorsEntry *e;
  PsTensor                 *out;
} ReadTask;

static void
read_task (gpointer data)
{
  ReadTask *t = data;
  ps_safetensors_read_f32 (t->st, t->e, 0, t->out->numel, t->out->data);
}

static gboolean
fits (const PsSafetensorsEntry *e, PsParam *p)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  int ndim = ps_param_get_shape (p, shape);

  if (ndim < 0)
    return FALSE;
  if (ndim == 0)                        /* 0-d, or [1] as NumPy writes it */
    return e->numel == 1 && e->ndim <= 1;
  if (e->ndim != ndim)
    return FALSE;
  for (int d = 0; d < ndim; d++)
    if (e->shape[d] != shape[d])
      return FALSE;
  return TRUE;
}

PsSnapshot *
ps_snapshot_new_from_weights (PsModule *model, PsSafetensors *st, const char *label,
                              guint64 step, GError **error)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (model);
  PsSnapshot *s = g_new0 (PsSnapshot, 1);

  s->label = g_strdup (label);
  s->step = step;
  s->time = g_get_real_time ();
  s->names = g_ptr_array_new_with_free_func (g_free);
  s->tensors = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);
  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *p = np->pdata[i];
      const PsSafetensorsEntry *e = ps_safetensors_resolve (st, p->name);
      int64_t shape[PS_TENSOR_MAX_DIMS];
      int ndim;
      ReadTask task;

      if (e == NULL || !fits (e, p->param))
        continue;
      ndim = ps_param_get_shape (p->param, shape);
      task = (ReadTask) { st, e, ps_tensor_new (ndim, shape) };
      if (task.out == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for %s of %s",
                       p->name, ps_safetensors_get_label (st));
          ps_snapshot_free (s);
          return NULL;
        }
      if (!ps_mapped_guard (read_task, &task))
        {
          ps_tensor_unref (task.out);
          if (ps_safetensors_check_files (st, error))    /* else it names the file */
            g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s changed while it was read",
                         ps_safetensors_get_label (st));
          ps_snapshot_free (s);
          return NULL;
        }
      g_ptr_array_add (s->names, g_strdup (p->name));
      g_ptr_array_add (s->tensors, task.out);
      s->bytes += (gsize) task.out->numel * sizeof (float);
    }
  if (s->names->len == 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s holds none of the network's parameters",
                   ps_safetensors_get_label (st));
      ps_snapshot_free (s);
      return NULL;
    }
  return s;
}

void
ps_snapshot_free (PsSnapshot *s)
{
  if (s == NULL)
    return;
  g_free (s->label);
  g_ptr_array_unref (s->names);
  g_ptr_array_unref (s->tensors);
  g_free (s);
}

const char *ps_snapshot_get_label (PsSnapshot *s) { return s->label; }
guint64 ps_snapshot_get_step (PsSnapshot *s) { return s->step; }
gint64 ps_snapshot_get_time (PsSnapshot *s) { return s->time; }
guint ps_snapshot_get_n (PsSnapshot *s) { return s->names->len; }
gsize ps_snapshot_get_bytes (PsSnapshot *s) { return s->bytes; }

const char *
ps_snapshot_get_name (PsSnapshot *s, guint i)
{
  g_return_val_if_fail (i < s->names->len, NULL);
  return s->names->pdata[i];
}

const PsTensor *
ps_snapshot_get_tensor (PsSnapshot *s, guint i)
{
  g_return_val_if_fail (i < s->tensors->len, NULL);
  return s->tensors->pdata[i];
}

const PsTensor *
ps_snapshot_find (PsSnapshot *s, const char *name)
{
  for (guint i = 0; i < s->names->len; i++)
    if (strcmp (s->names->pdata[i], name) == 0)
      return s->tensors->pdata[i];
  return NULL;
}

gboolean
ps_tensor_difference (const PsTensor *a, const PsTensor *b, PsTensor *out, GError **error)
{
  if (!ps_tensor_same_shape (a, b))
    {
      g_autofree char *sa = ps_shape_to_string (a->ndim, a->shape);
      g_autofree char *sb = ps_shape_to_string (b->ndim, b->shape);
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "cannot subtract tensors of different shapes %s and %s", sa, sb);
      return FALSE;
    }
  if (!ps_tensor_resize (out, a->ndim, a->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for a difference");
      return FALSE;
    }
  for (int64_t i = 0; i < a->numel; i++)
    out->data[i] = a->data[i] - b->data[i];
  return TRUE;
}
