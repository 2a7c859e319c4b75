/* ps-layer-recurrent.c — nn.RNN, nn.LSTM and nn.GRU as one layer call (see
 * ps-layer-recurrent.h); the arithmetic is ps-kernels-rnn.c's */
#include "ps-layer-recurrent.h"
#include "ps-array.h"
#include "ps-error.h"
#include "ps-module.h"

#include <string.h>

static G_GNUC_PRINTF (2, 3) gboolean
fail (GError **error, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  if (error)
    *error = g_error_new_valist (PS_ERROR, PS_ERROR_SHAPE, fmt, ap);
  va_end (ap);
  return FALSE;
}

gboolean
ps_recurrent_is_module (PsModule *m)
{
  const char *t;

  if (ps_module_get_kind (m) != PS_MODULE_LAYER)
    return FALSE;
  t = ps_module_get_type_name (m);
  return strcmp (t, "RNN") == 0 || strcmp (t, "LSTM") == 0 || strcmp (t, "GRU") == 0;
}

gboolean
ps_recurrent_op_from_module (PsModule *m, PsRecurrentOp *op, GError **error)
{
  const char *t;

  memset (op, 0, sizeof *op);
  if (!ps_recurrent_is_module (m))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s is not a recurrent layer",
                   ps_module_get_type_name (m));
      return FALSE;
    }
  t = ps_module_get_type_name (m);
  op->name = t;
  if (strcmp (t, "LSTM") == 0)
    op->mode = PS_RNN_LSTM;
  else if (strcmp (t, "GRU") == 0)
    op->mode = PS_RNN_GRU;
  else
    {
      const char *nl = ps_module_get_option_string (m, "nonlinearity");
      op->mode = nl && strcmp (nl, "relu") == 0 ? PS_RNN_RELU : PS_RNN_TANH;
    }
  op->input_size = ps_module_get_option_int (m, "input_size", 0);
  op->hidden_size = ps_module_get_option_int (m, "hidden_size", 0);
  op->num_layers = ps_module_get_option_int (m, "num_layers", 1);
  op->bias = ps_module_get_option_bool (m, "bias", TRUE);
  op->batch_first = ps_module_get_option_bool (m, "batch_first", FALSE);
  op->bidirectional = ps_module_get_option_bool (m, "bidirectional", FALSE);
  op->dropout = ps_module_get_option_double (m, "dropout", 0.0);
  if (ps_module_get_option_int (m, "proj_size", 0) > 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "LSTM with proj_size cannot run yet");
      return FALSE;
    }
  if ((int64_t) ps_module_get_n_params (m) != ps_recurrent_n_weights (op))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s holds %u parameters, its options "
                   "make %" G_GINT64_FORMAT, t, ps_module_get_n_params (m),
                   ps_recurrent_n_weights (op));
      return FALSE;
    }
  return TRUE;
}

int64_t
ps_recurrent_n_weights (const PsRecurrentOp *op)
{
  return op->num_layers * (op->bidirectional ? 2 : 1) * (op->bias ? 4 : 2);
}

/* grow *buf to n floats (never shrinks) */
static gboolean
grow (float **buf, int64_t *have, int64_t n)
{
  float *p;

  if (n <= *have)
    return TRUE;
  p = g_try_realloc (*buf, (gsize) n * sizeof (float));
  if (p == NULL)
    return FALSE;
  *buf = p;
  *have = n;
  return TRUE;
}

/* PyTorch's tuple of the expected hidden size: "(2, 3, 5)" */
static char *
tuple_text (int n, const int64_t *s)
{
  GString *str = g_string_new ("(");
  for (int i = 0; i < n; i++)
    g_string_append_printf (str, i ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, s[i]);
  g_string_append_c (str, ')');
  return g_string_free (str, FALSE);
}

gboolean
ps_recurrent_plan (const PsRecurrentOp *op, PsRecurrentState *st, int ndim,
                   const int64_t *shape, int hx_ndim, const int64_t *hx_shape,
                   int cx_ndim, const int64_t *cx_shape, gboolean training, GError **error)
{
  PsRecurrentState tmp = *st;     /* planned on a copy: nothing changes on failure */
  int64_t D = op->bidirectional ? 2 : 1, T, B, need, bytes, cap;
  gboolean lstm = op->mode == PS_RNN_LSTM;
  int64_t expect[3];

  /* PyTorch unsqueezes a non-3-D input, then wants 3 dimensions */
  if (ndim != 2 && ndim != 3)
    return fail (error, "input must have 3 dimensions, got %d", ndim + 1);
  if (shape[ndim - 1] != op->input_size)
    return fail (error, "input.size(-1) must be equal to input_size. Expected %"
                 G_GINT64_FORMAT ", got %" G_GINT64_FORMAT, op->input_size, shape[ndim - 1]);
  tmp.unbatched = ndim == 2;
  if (tmp.unbatched)
    T = shape[0], B = 1;
  else
    T = shape[op->batch_first ? 1 : 0], B = shape[op->batch_first ? 0 : 1];
  expect[0] = op->num_layers * D, expect[1] = B, expect[2] = op->hidden_size;
  if (lstm && (hx_shape != NULL) != (cx_shape != NULL))
    return fail (error, "%s needs both h0 and c0, or neither", op->name);
  if (hx_shape && (hx_ndim != ndim || (lstm && cx_ndim != ndim)))
    {
      if (lstm)
        return fail (error, ndim == 3 ? "For batched 3-D input, hx and cx should also be "
                     "3-D but got (%d-D, %d-D) tensors" : "For unbatched 2-D input, hx and "
                     "cx should also be 2-D but got (%d-D, %d-D) tensors", hx_ndim, cx_ndim);
      return fail (error, ndim == 3 ? "For batched 3-D input, hx should also be 3-D but "
                   "got %d-D tensor" : "For unbatched 2-D input, hx should also be 2-D but "
                   "got %d-D tensor", hx_ndim);
    }
  for (int k = 0; k < 2 && hx_shape; k++)
    {
      const int64_t *s = k ? cx_shape : hx_shape;
      if (s == NULL)
        break;
      if (s[0] != expect[0] || s[ndim - 1] != expect[2] || (ndim == 3 && s[1] != B))
        {
          int64_t got[3] = { s[0], ndim == 3 ? s[1] : 1, s[ndim - 1] };
          g_autofree char *e = tuple_text (3, expect);
          g_autofree char *g = ps_shape_to_string (3, got);
          return fail (error, !lstm ? "Expected hidden size %s, got %s"
                       : k ? "Expected hidden[1] size %s, got %s"
                       : "Expected hidden[0] size %s, got %s", e, g);
        }
    }
  if (training && op->dropout > 0 && op->num_layers > 1)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s with dropout=%g between its layers "
                   "cannot train yet (it runs in eval mode)", op->name, op->dropout);
      return FALSE;
    }

  tmp.g = (PsRnnGeom) { .mode = op->mode, .T = T, .B = B, .In = op->input_size,
                        .Hd = op->hidden_size, .layers = op->num_layers,
                        .bidirectional = op->bidirectional,
                        .batch_first = op->batch_first && !tmp.unbatched, .bias = op->bias };
  tmp.x_numel = ps_shape_numel (ndim, shape);
  tmp.out_ndim = ndim;
  memcpy (tmp.out_shape, shape, (size_t) ndim * sizeof (int64_t));
  tmp.out_shape[ndim - 1] = D * op->hidden_size;
  tmp.out_numel = ps_shape_numel (ndim, tmp.out_shape);
  tmp.h_ndim = ndim;
  if (tmp.unbatched)
    tmp.h_shape[0] = expect[0], tmp.h_shape[1] = expect[2];
  else
    memcpy (tmp.h_shape, expect, sizeof expect);
  tmp.h_numel = expect[0] * expect[1] * expect[2];

  /* the buffers, and the output and state the caller makes, within the cap */
  need = MAX (ps_rnn_layer_save_size (&tmp.g) - st->save_n, 0)
         + MAX (ps_rnn_layer_workspace (&tmp.g) - st->ws_n, 0)
         + MAX (tmp.h_numel - st->hn_n, 0) + MAX (tmp.h_numel - st->cn_n, 0);
  bytes = (need + tmp.out_numel) * (int64_t) sizeof (float);
  cap = ps_array_memory_cap () - ps_array_memory_in_use ();
  if (bytes > cap)
    {
      g_autofree char *xs = ps_shape_to_string (ndim, shape);
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "not enough memory: %s needs %"
                   G_GINT64_FORMAT " bytes for an input of size %s, beyond the tensor memory "
                   "cap of %" G_GINT64_FORMAT " bytes (PARAMSCOPE_MAX_TENSOR_GIB sets the cap)",
                   op->name, bytes, xs, ps_array_memory_cap ());
      return FALSE;
    }
  if (!grow (&tmp.save, &tmp.save_n, ps_rnn_layer_save_size (&tmp.g))
      || !grow (&tmp.ws, &tmp.ws_n, ps_rnn_layer_workspace (&tmp.g))
      || !grow (&tmp.hn, &tmp.hn_n, tmp.h_numel)
      || !grow (&tmp.cn, &tmp.cn_n, lstm ? tmp.h_numel : 0))
    {
      /* whatever grew is kept (the state stays valid), the plan is not */
      st->save = tmp.save, st->save_n = tmp.save_n, st->ws = tmp.ws, st->ws_n = tmp.ws_n;
      st->hn = tmp.hn, st->hn_n = tmp.hn_n, st->cn = tmp.cn, st->cn_n = tmp.cn_n;
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the %s layer's "
                   "buffers", op->name);
      return FALSE;
    }
  *st = tmp;
  return TRUE;
}

void
ps_recurrent_forward (const PsRecurrentOp *op, PsRecurrentState *st, const PsRecurrentIO *io)
{
  ps_rnn_forward (&st->g, io->x, io->weights, io->h0, io->c0, io->y,
                  io->hn ? io->hn : st->hn,
                  op->mode == PS_RNN_LSTM ? (io->cn ? io->cn : st->cn) : NULL, st->save);
}

void
ps_recurrent_backward (const PsRecurrentOp *op, PsRecurrentState *st, const PsRecurrentIO *io)
{
  gboolean lstm = op->mode == PS_RNN_LSTM;

  ps_rnn_backward (&st->g, io->x, io->weights, io->h0, lstm ? io->c0 : NULL, st->save, io->dy,
                   io->dhn, lstm ? io->dcn : NULL, io->dx, io->dh0, lstm ? io->dc0 : NULL,
                   io->dweights, st->ws);
}

gsize
ps_recurrent_state_bytes (const PsRecurrentState *st)
{
  return (gsize) (st->save_n + st->ws_n + st->hn_n + st->cn_n) * sizeof (float);
}

void
ps_recurrent_state_clear (PsRecurrentState *st)
{
  g_free (st->save);
  g_free (st->ws);
  g_free (st->hn);
  g_free (st->cn);
  memset (st, 0, sizeof *st);
}
