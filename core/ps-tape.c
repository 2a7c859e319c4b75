/* ps-tape.c — forward, backward and losses */
#include "ps-tape.h"
#include "ps-error.h"
#include "ps-kernels.h"
#include "ps-layer-op.h"

#include <math.h>
#include <string.h>

/* ---- kernels ----------------------------------------------------------- */

#define PS_BLAS_MIN_WORK 32768   /* B * in * out below this: plain loops win */

gboolean
ps_linear_uses_blas (int64_t B, int64_t in, int64_t out)
{
  return B * in * out >= PS_BLAS_MIN_WORK;
}

void
ps_linear_forward (const float *x, const float *w, const float *b, float *y,
                   int64_t B, int64_t in, int64_t out)
{
  if (ps_linear_uses_blas (B, in, out))
    {
      if (b)
        for (int64_t i = 0; i < B; i++)
          memcpy (y + i * out, b, (size_t) out * sizeof (float));
      ps_sgemm (FALSE, TRUE, (int) B, (int) out, (int) in,
                1.f, x, (int) in, w, (int) in, b ? 1.f : 0.f, y, (int) out);
      return;
    }
  ps_sgemm_note (FALSE, TRUE, (int) B, (int) out, (int) in, b ? 1.f : 0.f);
  for (int64_t i = 0; i < B; i++)
    {
      const float *xi = x + i * in;
      for (int64_t o = 0; o < out; o++)
        {
          const float *wo = w + o * in;
          float acc = 0.f;
          for (int64_t k = 0; k < in; k++)
            acc += xi[k] * wo[k];
          y[i * out + o] = b ? acc + b[o] : acc;
        }
    }
}

/* sum[o] = dy[0][o] + dy[1][o] + ... added in row order from 0 (the order
 * fixes the rounding); two rows per sweep halve the loads and stores of sum. */
static void
column_sums (const float *dy, float *restrict sum, int64_t B, int64_t out)
{
  int64_t i = 0;

  memset (sum, 0, (size_t) out * sizeof (float));
  for (; i + 2 <= B; i += 2)
    {
      const float *r0 = dy + i * out, *r1 = r0 + out;
      for (int64_t o = 0; o < out; o++)
        {
          float a = sum[o];
          a += r0[o];
          a += r1[o];
          sum[o] = a;
        }
    }
  for (; i < B; i++)
    for (int64_t o = 0; o < out; o++)
      sum[o] += dy[i * out + o];
}

/* As ps_linear_backward; db_summed: scratch already holds the batch sum of
 * dy (computed by the ReLU backward that produced dy, in the same order). */
static void
linear_backward (const float *x, const float *w, const float *dy,
                 float *dx, float *dw, gboolean dw_overwrite,
                 float *db, gboolean db_overwrite, float *scratch, gboolean db_summed,
                 int64_t B, int64_t in, int64_t out)
{
  /* Each gradient is summed over the batch first and then added to what the
   * parameter holds, as PyTorch's accumulation (grad += new) does: a second
   * identical backward doubles the gradient exactly. */
  if (db)
    {
      if (!db_summed)
        column_sums (dy, scratch, B, out);
      if (db_overwrite)
        memcpy (db, scratch, (size_t) out * sizeof (float));
      else
        for (int64_t o = 0; o < out; o++)
          db[o] += scratch[o];
    }

  if (ps_linear_uses_blas (B, in, out))
    {
      if (dw)   /* dw (out, in) (+)= dy^T (out, B) x (B, in) */
        ps_sgemm (TRUE, FALSE, (int) out, (int) in, (int) B,
                  1.f, dy, (int) out, x, (int) in, dw_overwrite ? 0.f : 1.f, dw, (int) in);
      if (dx)   /* dx (B, in) = dy (B, out) w (out, in) */
        ps_sgemm (FALSE, FALSE, (int) B, (int) in, (int) out,
                  1.f, dy, (int) out, w, (int) in, 0.f, dx, (int) in);
      return;
    }
  if (dw)
    ps_sgemm_note (TRUE, FALSE, (int) out, (int) in, (int) B, dw_overwrite ? 0.f : 1.f);
  if (dx)
    ps_sgemm_note (FALSE, FALSE, (int) B, (int) in, (int) out, 0.f);
  if (dw)
    for (int64_t o = 0; o < out; o++)
      for (int64_t k = 0; k < in; k++)
        {
          float acc = 0.f;
          for (int64_t i = 0; i < B; i++)
            acc += dy[i * out + o] * x[i * in + k];
          dw[o * in + k] = dw_overwrite ? acc : dw[o * in + k] + acc;
        }
  if (dx)
    for (int64_t i = 0; i < B; i++)
      {
        float *dxi = dx + i * in;
        memset (dxi, 0, (size_t) in * sizeof (float));
        for (int64_t o = 0; o < out; o++)
          {
            float g = dy[i * out + o];
            const float *wo = w + o * in;
            for (int64_t k = 0; k < in; k++)
              dxi[k] += g * wo[k];
          }
      }
}

void
ps_linear_backward (const float *x, const float *w, const float *dy,
                    float *dx, float *dw, gboolean dw_overwrite,
                    float *db, gboolean db_overwrite, float *scratch,
                    int64_t B, int64_t in, int64_t out)
{
  linear_backward (x, w, dy, dx, dw, dw_overwrite, db, db_overwrite, scratch, FALSE,
                   B, in, out);
}

/* ---- losses ------------------------------------------------------------ */

gboolean
ps_loss_kind_from_string (const char *s, PsLossKind *kind)
{
  if (g_strcmp0 (s, "sum") == 0)
    *kind = PS_LOSS_SUM;
  else if (g_strcmp0 (s, "mse") == 0)
    *kind = PS_LOSS_MSE;
  else if (g_strcmp0 (s, "cross_entropy") == 0)
    *kind = PS_LOSS_CROSS_ENTROPY;
  else if (g_strcmp0 (s, "nll") == 0)
    *kind = PS_LOSS_NLL;
  else if (g_strcmp0 (s, "bce_logits") == 0)
    *kind = PS_LOSS_BCE_LOGITS;
  else
    return FALSE;
  return TRUE;
}

const char *
ps_loss_kind_to_string (PsLossKind kind)
{
  static const char *names[] = { "sum", "mse", "cross_entropy", "nll", "bce_logits" };
  return names[kind];
}

/* cross_entropy and nll with class indices: y (N, C, d...), t (N, d...) */
static gboolean
index_targets (PsLossKind kind, const PsTensor *y, const PsTensor *t)
{
  return (kind == PS_LOSS_CROSS_ENTROPY || kind == PS_LOSS_NLL) && y->ndim >= 1
         && t->ndim == y->ndim - 1;
}

#define PS_IGNORE_INDEX (-100)

static gboolean
index_loss (PsLossKind kind, const PsTensor *y, const PsTensor *t, double *loss, PsTensor *dy,
            GError **error)
{
  int64_t N = y->ndim >= 2 ? y->shape[0] : 1, C = y->ndim >= 2 ? y->shape[1] : y->shape[0];
  int64_t L = N * C > 0 ? y->numel / (N * C) : 0;

  if (y->ndim >= 2 && t->shape[0] != N)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "Expected input batch_size (%" G_GINT64_FORMAT
                   ") to match target batch_size (%" G_GINT64_FORMAT ").", N, t->shape[0]);
      return FALSE;
    }
  for (int i = 2; i < y->ndim; i++)
    if (t->shape[i - 1] != y->shape[i])
      {
        g_autofree char *sy = ps_shape_to_string (y->ndim, y->shape);
        g_autofree char *st = ps_shape_to_string (t->ndim, t->shape);
        g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "size mismatch (got input: %s, target: %s)",
                     sy, st);
        return FALSE;
      }
  for (int64_t i = 0; i < t->numel; i++)
    {
      float v = t->data[i];
      if (v == PS_IGNORE_INDEX)
        continue;
      if (!(v >= 0 && v < (float) C) || v != floorf (v))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "Target %g is out of bounds.", v);
          return FALSE;
        }
    }
  if (dy && !ps_tensor_resize (dy, y->ndim, y->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the loss gradient");
      return FALSE;
    }
  *loss = ps_index_loss_f32 (N, C, L, y->data, t->data, PS_IGNORE_INDEX,
                             kind == PS_LOSS_CROSS_ENTROPY, dy ? dy->data : NULL);
  return TRUE;
}

gboolean
ps_loss_compute (PsLossKind kind, const PsTensor *y, const PsTensor *t,
                 double *loss, PsTensor *dy, GError **error)
{
  int64_t n = y->numel;
  double acc = 0;

  if (kind != PS_LOSS_SUM)
    {
      if (t == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "the %s loss needs a target",
                       ps_loss_kind_to_string (kind));
          return FALSE;
        }
      if (index_targets (kind, y, t))
        return index_loss (kind, y, t, loss, dy, error);
      if (kind == PS_LOSS_NLL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "the nll loss takes class indices: a "
                       "target of the output's shape without its class dimension (1)");
          return FALSE;
        }
      if (!ps_tensor_same_shape (y, t))
        {
          g_autofree char *sy = ps_shape_to_string (y->ndim, y->shape);
          g_autofree char *st = ps_shape_to_string (t->ndim, t->shape);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "the target has shape %s but the output has shape %s", st, sy);
          return FALSE;
        }
    }
  if (dy && !ps_tensor_resize (dy, y->ndim, y->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the loss gradient");
      return FALSE;
    }

  switch (kind)
    {
    case PS_LOSS_SUM:
      for (int64_t i = 0; i < n; i++)
        acc += y->data[i];
      if (dy)
        ps_tensor_fill (dy, 1.f);
      break;

    case PS_LOSS_MSE:
      for (int64_t i = 0; i < n; i++)
        {
          double d = (double) y->data[i] - t->data[i];
          acc += d * d;
          if (dy)
            dy->data[i] = (float) (2.0 * d / (double) n);
        }
      acc /= (double) n;
      break;

    case PS_LOSS_NLL:
      g_assert_not_reached ();      /* index targets only, handled above */
      break;

    case PS_LOSS_BCE_LOGITS:
      acc = ps_bce_with_logits (n, y->data, t->data, dy ? dy->data : NULL);
      break;

    case PS_LOSS_CROSS_ENTROPY:
      {
        int64_t C = y->ndim ? y->shape[y->ndim - 1] : 1;
        int64_t B = C ? n / C : 0;
        if (y->ndim != 2 || C < 1)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                         "cross_entropy needs an output of shape (batch, classes)");
            return FALSE;
          }
        for (int64_t b = 0; b < B; b++)
          {
            const float *yb = y->data + b * C, *tb = t->data + b * C;
            double mx = -INFINITY, se = 0, lse, tsum = 0;
            for (int64_t c = 0; c < C; c++)
              mx = MAX (mx, yb[c]);
            for (int64_t c = 0; c < C; c++)
              se += exp (yb[c] - mx);
            lse = mx + log (se);
            for (int64_t c = 0; c < C; c++)
              {
                acc -= tb[c] * (yb[c] - lse);
                tsum += tb[c];
              }
            if (dy)
              for (int64_t c = 0; c < C; c++)
                dy->data[b * C + c] = (float) ((exp (yb[c] - lse) * tsum - tb[c]) / (double) B);
          }
        acc /= (double) B;
      }
      break;
    }
  *loss = acc;
  return TRUE;
}

/* ---- the tape ---------------------------------------------------------- */

typedef struct
{
  PsModule *module;       /* refs, taken at forward: a model edited after the */
  PsParam  *w, *b;        /* forward cannot leave the tape pointing at freed objects */
  PsTensor *out;          /* this call's output, reused across forwards */
  gboolean  out_shared;   /* out is the entry below's (a ReLU in place on a Linear's output) */
  PsTensor *dx;           /* gradient w.r.t. this call's input */
  guint64   w_version, b_version;
  int       w_slot, b_slot;   /* index into pending[] when the parameter is used twice, else -1 */
  PsTensor *use_dw, *use_db;  /* with record_uses: this use's own share of a tied gradient */
  gboolean  use_valid;        /* use_dw/use_db hold the last backward's shares */
  gboolean  is_op;        /* a layer run by ps-layer-op (Conv2d, BatchNorm2d, ...) */
  PsLayerOp op;
  PsLayerOpState st;      /* its plan and buffers, reused across forwards */
} Entry;

/* A parameter used by several entries (a tied layer) gets the sum of its
 * uses' gradients first, and that sum is added to .grad once, as PyTorch's
 * autograd does: a second identical backward then doubles it exactly. */
typedef struct
{
  PsParam  *param;        /* borrowed */
  PsTensor *sum;          /* reused across backward calls */
  gboolean  started;
} Pending;

struct _PsTape
{
  PsModule *model;
  PsRng    *rng;
  guint     n_used;       /* entries recorded by the last forward */
  guint     n_alloc;      /* entries whose buffers exist (>= n_used) */
  guint     n_planned;    /* entries when plan_shared last ran */
  Entry    *pool;         /* n_alloc entries */
  PsTensor *x0;           /* copy of the last input */
  PsTensor *dy;           /* loss gradient */
  PsTensor *scratch;      /* workspace of the bias gradient */
  GArray   *pending;      /* Pending */
  gboolean  record_uses;  /* keep each use's share of a tied parameter's gradient */
  gboolean  have_forward;
  gboolean  bias_summed;  /* scratch holds the batch sum of the gradient in flight */
  gboolean  training;     /* module.train() (TRUE) or .eval(): BatchNorm, Dropout */
  gboolean  trained_forward;   /* the mode of the last forward */
};

PsTape *
ps_tape_new (PsModule *model, PsRng *rng)
{
  PsTape *t = g_new0 (PsTape, 1);
  t->model = ps_module_ref (model);
  t->rng = rng;
  t->training = TRUE;
  t->x0 = ps_tensor_new_1d (0);
  t->dy = ps_tensor_new_1d (0);
  t->scratch = ps_tensor_new_1d (0);
  t->pending = g_array_new (FALSE, TRUE, sizeof (Pending));
  return t;
}

void
ps_tape_free (PsTape *t)
{
  if (t == NULL)
    return;
  for (guint i = 0; i < t->n_alloc; i++)
    {
      ps_tensor_unref (t->pool[i].out);
      if (t->pool[i].module)
        ps_module_unref (t->pool[i].module);
      if (t->pool[i].w)
        ps_param_unref (t->pool[i].w);
      if (t->pool[i].b)
        ps_param_unref (t->pool[i].b);
      ps_tensor_unref (t->pool[i].dx);
      if (t->pool[i].use_dw)
        ps_tensor_unref (t->pool[i].use_dw);
      if (t->pool[i].use_db)
        ps_tensor_unref (t->pool[i].use_db);
      ps_layer_op_state_clear (&t->pool[i].st);
    }
  g_free (t->pool);
  ps_tensor_unref (t->x0);
  ps_tensor_unref (t->dy);
  ps_tensor_unref (t->scratch);
  for (guint i = 0; i < t->pending->len; i++)
    {
      ps_tensor_unref (g_array_index (t->pending, Pending, i).sum);
      if (g_array_index (t->pending, Pending, i).param)
        ps_param_unref (g_array_index (t->pending, Pending, i).param);
    }
  g_array_unref (t->pending);
  ps_module_unref (t->model);
  g_free (t);
}

void
ps_tape_set_training (PsTape *t, gboolean training)
{
  t->training = training;
}

static guint
count_leaves (PsModule *m)
{
  guint n = 0;
  if (ps_module_get_kind (m) != PS_MODULE_SEQUENTIAL)
    return 1;
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    n += count_leaves (ps_module_get_child (m, i));
  return n;
}

/* Point *slot at obj (holding a reference); TRUE if it changed. */
static gboolean
set_ref (gpointer *slot, gpointer obj, gpointer (*ref) (gpointer), void (*unref) (gpointer))
{
  if (*slot == obj)
    return FALSE;
  if (obj)
    ref (obj);
  if (*slot)
    unref (*slot);
  *slot = obj;
  return TRUE;
}

/* Does a module of this kind hold a weight and a bias the tape trains? */
static gboolean
holds_params (PsModule *m)
{
  return ps_module_get_kind (m) == PS_MODULE_LINEAR || ps_module_get_kind (m) == PS_MODULE_LAYER;
}

static PsParam *
entry_param (PsModule *m, const char *name)
{
  return holds_params (m) ? ps_module_get_param_by_name (m, name) : NULL;
}

/* The leaf layers of m in call order into pool; TRUE if any differs from
 * what the slot held (the plan of tied parameters must be redone). */
static gboolean
flatten (PsModule *m, Entry *pool, guint *n)
{
  gboolean changed = FALSE;

  if (ps_module_get_kind (m) != PS_MODULE_SEQUENTIAL)
    {
      Entry *e = &pool[(*n)++];
      changed |= set_ref ((gpointer *) &e->module, m, (gpointer (*) (gpointer)) ps_module_ref,
                          (void (*) (gpointer)) ps_module_unref);
      changed |= set_ref ((gpointer *) &e->w, entry_param (m, "weight"),
                          (gpointer (*) (gpointer)) ps_param_ref, (void (*) (gpointer)) ps_param_unref);
      changed |= set_ref ((gpointer *) &e->b, entry_param (m, "bias"),
                          (gpointer (*) (gpointer)) ps_param_ref, (void (*) (gpointer)) ps_param_unref);
      return changed;
    }
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    changed |= flatten (ps_module_get_child (m, i), pool, n);
  return changed;
}

/* Is the model still the one the last forward ran (same layers, same
 * parameter objects)?  Replacing a layer or tying after the forward makes
 * the recorded activations meaningless for it. */
static gboolean
same_structure (PsModule *m, const Entry *pool, guint n_used, guint *i)
{
  if (ps_module_get_kind (m) != PS_MODULE_SEQUENTIAL)
    {
      const Entry *e;
      if (*i >= n_used)
        return FALSE;
      e = &pool[(*i)++];
      return e->module == m && e->w == entry_param (m, "weight")
             && e->b == entry_param (m, "bias");
    }
  for (guint k = 0; k < ps_module_get_n_children (m); k++)
    if (!same_structure (ps_module_get_child (m, k), pool, n_used, i))
      return FALSE;
  return TRUE;
}

static int
pending_slot (PsTape *t, PsParam *p)
{
  guint i;
  for (i = 0; i < t->pending->len; i++)
    if (g_array_index (t->pending, Pending, i).param == p)
      return (int) i;
  g_array_set_size (t->pending, i + 1);
  g_array_index (t->pending, Pending, i).param = ps_param_ref (p);
  g_array_index (t->pending, Pending, i).sum = ps_tensor_new_1d (0);
  return (int) i;
}

/* Which parameters does more than one entry use?  (Cheap: only Linear
 * entries hold parameters, and the pending array is reused.) */
static void
plan_shared (PsTape *t, guint n)
{
  for (guint i = 0; i < t->pending->len; i++)
    g_clear_pointer (&g_array_index (t->pending, Pending, i).param, ps_param_unref);
  for (guint i = 0; i < n; i++)
    {
      Entry *e = &t->pool[i];
      e->w_slot = e->b_slot = -1;
      if (!holds_params (e->module))
        continue;
      for (int k = 0; k < 2; k++)
        {
          PsParam *p = ps_module_get_param_by_name (e->module, k ? "bias" : "weight");
          gboolean shared = FALSE;
          if (p == NULL)
            continue;
          for (guint j = 0; j < n && !shared; j++)
            if (j != i && holds_params (t->pool[j].module))
              shared = ps_module_get_param_by_name (t->pool[j].module, "weight") == p
                       || ps_module_get_param_by_name (t->pool[j].module, "bias") == p;
          if (!shared)
            continue;
          /* reuse the slot of this parameter if a previous plan had one */
          {
            int slot = -1;
            for (guint q = 0; q < t->pending->len && slot < 0; q++)
              if (g_array_index (t->pending, Pending, q).param == p)
                slot = (int) q;
            for (guint q = 0; q < t->pending->len && slot < 0; q++)
              if (g_array_index (t->pending, Pending, q).param == NULL)
                {
                  g_array_index (t->pending, Pending, q).param = ps_param_ref (p);
                  slot = (int) q;
                }
            if (slot < 0)
              slot = pending_slot (t, p);
            if (k)
              e->b_slot = slot;
            else
              e->w_slot = slot;
          }
        }
    }
}

/* The buffer a backward contribution goes into: the parameter's own gradient,
 * or the pending sum of a parameter used several times. */
static float *
grad_target (PsTape *t, PsParam *p, int slot, gboolean *overwrite)
{
  Pending *pd;
  PsTensor *d = ps_param_get_data (p);

  if (slot < 0)
    return ps_param_grad_for_backward (p, overwrite);
  pd = &g_array_index (t->pending, Pending, slot);
  if (pd->sum->numel != d->numel)
    ps_tensor_resize (pd->sum, d->ndim, d->shape);
  *overwrite = !pd->started;
  pd->started = TRUE;
  return pd->sum->data;
}

static void
flush_pending (PsTape *t)
{
  for (guint i = 0; i < t->pending->len; i++)
    {
      Pending *pd = &g_array_index (t->pending, Pending, i);
      gboolean overwrite;
      float *g;
      if (!pd->started)
        continue;
      pd->started = FALSE;
      g = ps_param_grad_for_backward (pd->param, &overwrite);
      if (overwrite)
        memcpy (g, pd->sum->data, (size_t) pd->sum->numel * sizeof (float));
      else
        for (int64_t k = 0; k < pd->sum->numel; k++)
          g[k] += pd->sum->data[k];
    }
}

static char *
module_path (PsTape *t, PsModule *m)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (t->model);
  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedModule *nm = mods->pdata[i];
      if (nm->module == m)
        return g_strdup (*nm->name ? nm->name : "(model)");
    }
  return g_strdup ("?");
}

/* Rows of a Linear's input: the product of every dimension but the last
 * (also right when in_features is 0: PyTorch then gives the bias per row). */
static int64_t
batch_of (const PsTensor *in)
{
  int64_t b = 1;
  for (int i = 0; i + 1 < in->ndim; i++)
    b *= in->shape[i];
  return b;
}

static float
gelu_erf (float x)
{
  return 0.5f * x * (1.f + erff (x * (float) M_SQRT1_2));
}

static float
gelu_tanh (float x)
{
  const float k = 0.7978845608028654f;   /* sqrt(2/pi) */
  return 0.5f * x * (1.f + tanhf (k * (x + 0.044715f * x * x * x)));
}

/* BatchNorm's running statistics (NULL when it does not track them). */
static float *
buffer_data (PsModule *m, const char *name)
{
  PsParam *p = ps_module_get_buffer_by_name (m, name);
  return p ? ps_param_get_data (p)->data : NULL;
}

/* A layer of ps-layer-op: plan the input's shape (a shape error names the
 * layer's path, in PyTorch's words, before anything changes), then run. */
static gboolean
forward_op (PsTape *t, Entry *e, const PsTensor *in, GError **error)
{
  PsModule *m = e->module;
  int ndim;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  g_autoptr (GError) local = NULL;
  PsLayerOpIO io = { 0 };

  if (!ps_layer_op_from_module (m, &e->op))
    {
      g_autofree char *path = module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s with these options cannot run "
                   "on the tape yet", path, ps_module_get_type_name (m));
      return FALSE;
    }
  e->is_op = TRUE;
  if ((e->w && !ps_param_is_initialized (e->w)) || (e->b && !ps_param_is_initialized (e->b)))
    {
      g_autofree char *path = module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   "%s: a parameter of this layer is uninitialized (lazy); run a forward "
                   "through the layer that owns it first", path);
      return FALSE;
    }
  if (!ps_layer_op_plan (&e->op, &e->st, in->ndim, in->shape, &ndim, shape, &local)
      || !ps_layer_op_check_input (&e->op, &e->st, in->data, &local))
    {
      g_autofree char *path = module_path (t, m);
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  if (!ps_tensor_resize (e->out, ndim, shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for activations");
      return FALSE;
    }
  io.x = in->data;
  io.y = e->out->data;
  io.weight = e->w ? ps_param_get_data (e->w)->data : NULL;
  io.bias = e->b ? ps_param_get_data (e->b)->data : NULL;
  io.training = t->training;
  io.rng = t->rng;
  if (e->op.kind == PS_OP_BATCH_NORM)
    {
      io.running_mean = buffer_data (m, "running_mean");
      io.running_var = buffer_data (m, "running_var");
    }
  if (e->op.kind == PS_OP_DROPOUT && t->training && t->rng == NULL && e->op.p > 0)
    {
      g_autofree char *path = module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: Dropout in training mode needs a "
                   "random generator", path);
      return FALSE;
    }
  ps_layer_op_forward (&e->op, &e->st, &io);
  if (e->op.kind == PS_OP_BATCH_NORM && t->training && io.running_mean)
    {
      PsParam *nbt = ps_module_get_buffer_by_name (m, "num_batches_tracked");
      ps_param_changed (ps_module_get_buffer_by_name (m, "running_mean"), PS_CHANGE_DATA);
      ps_param_changed (ps_module_get_buffer_by_name (m, "running_var"), PS_CHANGE_DATA);
      if (nbt)
        {
          ps_param_get_data (nbt)->data[0] += 1.f;
          ps_param_changed (nbt, PS_CHANGE_DATA);
        }
    }
  e->w_version = e->w ? ps_param_get_data_version (e->w) : 0;
  e->b_version = e->b ? ps_param_get_data_version (e->b) : 0;
  return TRUE;
}

static gboolean
forward_entry (PsTape *t, Entry *e, const PsTensor *in, GError **error)
{
  PsModule *m = e->module;
  int64_t shape[PS_TENSOR_MAX_DIMS];
  int ndim = in->ndim;
  const float *x = in->data;
  float *y;
  int64_t n = in->numel;
  /* A ReLU on a Linear's output works in place: nothing reads the
   * pre-activation (ReLU's backward needs only its output, a Linear's only its
   * input), and the pass writes to the lines the product has just written. */
  gboolean in_place = ps_module_get_kind (m) == PS_MODULE_RELU && e > t->pool
                      && in == e[-1].out && ps_module_get_kind (e[-1].module) == PS_MODULE_LINEAR;

  if (ps_module_get_kind (m) == PS_MODULE_CONTAINER)
    {
      g_autofree char *path = module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s cannot be run yet", path,
                   ps_module_get_type_name (m));
      return FALSE;
    }
  memcpy (shape, in->shape, sizeof shape);
  if (e->out_shared && !in_place)     /* the structure changed: a buffer of its own again */
    {
      ps_tensor_unref (e->out);
      e->out = ps_tensor_new_1d (0);
      e->out_shared = FALSE;
    }
  e->is_op = FALSE;
  if (ps_module_get_kind (m) == PS_MODULE_LAYER)
    return forward_op (t, e, in, error);

  if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      int64_t fin = ndim ? in->shape[ndim - 1] : 1;
      PsParam *w, *b;
      if (ndim == 0)
        {
          g_autofree char *path = module_path (t, m);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: Linear needs an input with at "
                       "least one dimension, got a scalar", path);
          return FALSE;
        }
      if (ps_module_is_lazy (m) && !ps_module_materialize (m, fin, t->rng, error))
        return FALSE;
      w = ps_module_get_param_by_name (m, "weight");
      b = ps_module_get_param_by_name (m, "bias");
      if (!ps_param_is_initialized (w) || (b && !ps_param_is_initialized (b)))
        {
          g_autofree char *path = module_path (t, m);
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       "%s: a parameter of this layer is uninitialized (lazy); run a forward "
                       "through the layer that owns it first", path);
          return FALSE;
        }
      if (fin != ps_module_get_in_features (m))
        {
          g_autofree char *path = module_path (t, m);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                       "%s: Linear(in_features=%" G_GINT64_FORMAT ") got input with %"
                       G_GINT64_FORMAT " features", path, ps_module_get_in_features (m), fin);
          return FALSE;
        }
      shape[ndim - 1] = ps_module_get_out_features (m);
      if (!ps_tensor_resize (e->out, ndim, shape)
          || (t->scratch->numel < shape[ndim - 1]
              && !ps_tensor_resize (t->scratch, 1, &shape[ndim - 1])))
        goto oom;
      ps_linear_forward (x, ps_param_get_data (w)->data, b ? ps_param_get_data (b)->data : NULL,
                         e->out->data, batch_of (in), fin, ps_module_get_out_features (m));
      e->w_version = ps_param_get_data_version (w);
      e->b_version = b ? ps_param_get_data_version (b) : 0;
      return TRUE;
    }

  if (ps_module_get_kind (m) == PS_MODULE_FLATTEN)
    {
      int sd, ed, newdim = 0;
      int64_t fl = 1, ns[PS_TENSOR_MAX_DIMS];
      ps_module_get_flatten_dims (m, &sd, &ed);
      if (ndim > 0)
        {
          if (sd < 0)
            sd += ndim;
          if (ed < 0)
            ed += ndim;
          if (sd < 0 || ed >= ndim || sd > ed)
            {
              g_autofree char *path = module_path (t, m);
              g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                           "%s: Flatten dimensions are out of range for an input with %d "
                           "dimensions", path, ndim);
              return FALSE;
            }
        }
      for (int i = 0; i < ndim; i++)
        {
          if (i < sd || i > ed)
            ns[newdim++] = shape[i];
          else
            {
              fl *= shape[i];
              if (i == ed)
                ns[newdim++] = fl;
            }
        }
      if (ndim == 0)
        ns[newdim++] = 1;
      if (!ps_tensor_resize (e->out, newdim, ns))
        goto oom;
      memcpy (e->out->data, x, (size_t) n * sizeof (float));
      return TRUE;
    }

  if (in_place)
    {
      if (e->out != in)
        {
          ps_tensor_unref (e->out);
          e->out = ps_tensor_ref ((PsTensor *) in);
          e->out_shared = TRUE;
        }
      y = e->out->data;
      for (int64_t i = 0; i < n; i++)
        {
          float v = y[i];
          y[i] = v > 0.f ? v : 0.f;
        }
      return TRUE;
    }
  if (!ps_tensor_resize (e->out, ndim, shape))
    goto oom;
  y = e->out->data;
  switch (ps_module_get_kind (m))
    {
    case PS_MODULE_RELU:
      for (int64_t i = 0; i < n; i++)
        y[i] = x[i] > 0.f ? x[i] : 0.f;
      break;
    case PS_MODULE_LEAKY_RELU:
      {
        float s = (float) ps_module_get_negative_slope (m);
        for (int64_t i = 0; i < n; i++)
          y[i] = x[i] > 0.f ? x[i] : x[i] * s;
      }
      break;
    case PS_MODULE_SIGMOID:
      ps_sigmoid_array (x, y, n);
      break;
    case PS_MODULE_TANH:
      ps_tanh_array (x, y, n);
      break;
    case PS_MODULE_GELU:
      if (ps_module_get_gelu_tanh (m))
        for (int64_t i = 0; i < n; i++)
          y[i] = gelu_tanh (x[i]);
      else
        for (int64_t i = 0; i < n; i++)
          y[i] = gelu_erf (x[i]);
      break;
    case PS_MODULE_IDENTITY:
      memcpy (y, x, (size_t) n * sizeof (float));
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;

oom:
  g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for activations");
  return FALSE;
}

const PsTensor *
ps_tape_forward (PsTape *t, const PsTensor *x, GError **error)
{
  guint n_leaves = count_leaves (t->model), n = 0;
  const PsTensor *in;

  g_return_val_if_fail (x != NULL, NULL);
  t->have_forward = FALSE;
  if (n_leaves > t->n_alloc)
    {
      t->pool = g_renew (Entry, t->pool, n_leaves);
      for (guint i = t->n_alloc; i < n_leaves; i++)
        {
          memset (&t->pool[i], 0, sizeof (Entry));
          t->pool[i].out = ps_tensor_new_1d (0);
          t->pool[i].dx = ps_tensor_new_1d (0);
        }
      t->n_alloc = n_leaves;
    }
  /* the plan of tied parameters only changes with the structure: a steady
   * forward re-plans nothing */
  if (flatten (t->model, t->pool, &n) || n != t->n_planned)
    plan_shared (t, n);
  t->n_planned = n;
  if (!ps_tensor_resize (t->x0, x->ndim, x->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the input");
      return NULL;
    }
  memcpy (t->x0->data, x->data, (size_t) x->numel * sizeof (float));
  in = t->x0;
  t->trained_forward = t->training;
  for (guint i = 0; i < n; i++)
    {
      if (!forward_entry (t, &t->pool[i], in, error))
        return NULL;
      in = t->pool[i].out;
    }
  t->n_used = n;
  t->have_forward = TRUE;
  return in;
}

/* The masks of ReLU and LeakyReLU backward, written so that they compile to
 * selects, not branches: a conditional read or product becomes a branch that
 * mispredicts on every other element of a random sign pattern (about 1 ms for
 * a 256 x 1024 tensor).  The in-place case (dx == g, the usual one) has its
 * own loop: the compiler only vectorizes when it can tell the arrays apart. */
static void
relu_backward (const float *y, const float *g, float *dx, int64_t n)
{
  if (dx == g)
    for (int64_t i = 0; i < n; i++)
      {
        float v = dx[i];
        dx[i] = y[i] > 0.f ? v : 0.f;
      }
  else
    for (int64_t i = 0; i < n; i++)
      {
        float v = g[i];
        dx[i] = y[i] > 0.f ? v : 0.f;
      }
}

static void
leaky_relu_backward (const float *x, const float *g, float *dx, int64_t n, float s)
{
  if (dx == g)
    for (int64_t i = 0; i < n; i++)
      {
        float k = x[i] > 0.f ? 1.f : s;           /* v * 1 is v, bit for bit */
        dx[i] = dx[i] * k;
      }
  else
    for (int64_t i = 0; i < n; i++)
      {
        float k = x[i] > 0.f ? 1.f : s;
        dx[i] = g[i] * k;
      }
}

/* ReLU backward in place on d (B rows of `out`), and the column sums of the
 * result into sum, as column_sums adds them: the bias gradient of the Linear
 * below comes out of the same pass over the gradient. */
static void
relu_backward_column_sums (const float *restrict y, float *restrict d, float *restrict sum,
                           int64_t B, int64_t out)
{
  int64_t i = 0;

  memset (sum, 0, (size_t) out * sizeof (float));
  for (; i + 2 <= B; i += 2)
    {
      const float *y0 = y + i * out, *y1 = y0 + out;
      float *d0 = d + i * out, *d1 = d0 + out;
      for (int64_t o = 0; o < out; o++)
        {
          float v0 = d0[o], v1 = d1[o], a = sum[o];
          v0 = y0[o] > 0.f ? v0 : 0.f;
          v1 = y1[o] > 0.f ? v1 : 0.f;
          d0[o] = v0;
          d1[o] = v1;
          a += v0;
          a += v1;
          sum[o] = a;
        }
    }
  for (; i < B; i++)
    for (int64_t o = 0; o < out; o++)
      {
        float v = d[i * out + o];
        v = y[i * out + o] > 0.f ? v : 0.f;
        d[i * out + o] = v;
        sum[o] += v;
      }
}

/* Does the entry below idx (the producer of its input) want the batch sum
 * of this entry's input gradient for its bias?  Then return its width. */
static int64_t
bias_below (PsTape *t, guint idx)
{
  Entry *below;
  const PsTensor *in;

  if (idx == 0)
    return 0;
  below = &t->pool[idx - 1];
  in = below->out;
  if (ps_module_get_kind (below->module) != PS_MODULE_LINEAR || below->b == NULL
      || !ps_param_get_requires_grad (below->b) || in->ndim < 1 || in->shape[in->ndim - 1] < 1
      || t->scratch->numel < in->shape[in->ndim - 1])
    return 0;
  return in->shape[in->ndim - 1];
}

/* Backward through entry idx.  *gp is dL/d(output); on return it is
 * dL/d(input).  Activations work in place when *gp is the tape's own buffer. */
static void record_use (PsTape *t, Entry *e, const float *x, const float *g, int64_t B,
                        int64_t fin, int64_t fout);
/* The buffer a parameter's gradient is added into (zeroed first when the
 * parameter holds none yet), or NULL when it needs none. */
static float *
op_grad (PsTape *t, PsParam *p, int slot)
{
  gboolean overwrite = FALSE;
  float *g;

  if (p == NULL || !ps_param_get_requires_grad (p))
    return NULL;
  g = grad_target (t, p, slot, &overwrite);
  if (overwrite)
    memset (g, 0, (size_t) ps_param_get_data (p)->numel * sizeof (float));
  return g;
}

static gboolean
backward_op (PsTape *t, guint idx, PsTensor **gp, GError **error)
{
  Entry *e = &t->pool[idx];
  const PsTensor *in = idx == 0 ? t->x0 : t->pool[idx - 1].out;
  PsLayerOpIO io = { 0 };

  io.x = in->data;
  io.y = e->out->data;
  io.weight = e->w ? ps_param_get_data (e->w)->data : NULL;
  io.training = t->trained_forward;
  if (e->op.kind == PS_OP_BATCH_NORM)
    io.running_mean = buffer_data (e->module, "running_mean");
  io.dy = (*gp)->data;
  if (idx > 0)                      /* the input itself needs no gradient */
    {
      if (!ps_tensor_resize (e->dx, in->ndim, in->shape))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
          return FALSE;
        }
      io.dx = e->dx->data;
    }
  io.dweight = op_grad (t, e->w, e->w_slot);
  io.dbias = op_grad (t, e->b, e->b_slot);
  ps_layer_op_backward (&e->op, &e->st, &io);
  if (idx > 0)
    *gp = e->dx;
  return TRUE;
}

static gboolean
backward_entry (PsTape *t, guint idx, PsTensor **gp, gboolean owned, GError **error)
{
  Entry *e = &t->pool[idx];
  PsModule *m = e->module;
  const PsTensor *in = idx == 0 ? t->x0 : t->pool[idx - 1].out;
  const float *x = in->data, *y = e->out->data, *g = (*gp)->data;
  gboolean need_dx = idx > 0;       /* the input itself needs no gradient */
  gboolean elementwise = ps_module_get_kind (m) != PS_MODULE_LINEAR;
  float *dx;
  int64_t n = in->numel;

  if (e->is_op)
    return backward_op (t, idx, gp, error);
  if (!need_dx && elementwise)
    return TRUE;
  if (elementwise && owned)
    {
      dx = (*gp)->data;             /* in place: same element count */
      ps_tensor_reshape (*gp, in->ndim, in->shape);
    }
  else
    {
      if (!ps_tensor_resize (e->dx, in->ndim, in->shape))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
          return FALSE;
        }
      dx = e->dx->data;
      *gp = e->dx;
    }

  switch (ps_module_get_kind (m))
    {
    case PS_MODULE_LINEAR:
      {
        PsParam *w = e->w, *b = e->b;
        int64_t fin = ps_module_get_in_features (m), fout = ps_module_get_out_features (m);
        float *dw = NULL, *db = NULL;
        gboolean dw_over = FALSE, db_over = FALSE;

        if (t->record_uses && (e->w_slot >= 0 || e->b_slot >= 0))
          record_use (t, e, x, g, batch_of (in), fin, fout);
        if (ps_param_get_requires_grad (w))
          dw = grad_target (t, w, e->w_slot, &dw_over);
        if (b && ps_param_get_requires_grad (b))
          db = grad_target (t, b, e->b_slot, &db_over);
        linear_backward (x, ps_param_get_data (w)->data, g, need_dx ? dx : NULL,
                         dw, dw_over, db, db_over, t->scratch->data, t->bias_summed,
                         batch_of (in), fin, fout);
        t->bias_summed = FALSE;
      }
      break;
    case PS_MODULE_RELU:
      {
        int64_t cols = bias_below (t, idx);
        if (cols > 0 && dx == g)
          {
            relu_backward_column_sums (y, dx, t->scratch->data, n / cols, cols);
            t->bias_summed = TRUE;
          }
        else
          relu_backward (y, g, dx, n);
      }
      break;
    case PS_MODULE_LEAKY_RELU:
      leaky_relu_backward (x, g, dx, n, (float) ps_module_get_negative_slope (m));
      break;
    case PS_MODULE_SIGMOID:
      for (int64_t i = 0; i < n; i++)
        dx[i] = g[i] * (1.f - y[i]) * y[i];
      break;
    case PS_MODULE_TANH:
      for (int64_t i = 0; i < n; i++)
        dx[i] = g[i] * (1.f - y[i] * y[i]);
      break;
    case PS_MODULE_GELU:
      if (ps_module_get_gelu_tanh (m))
        {
          const float k = 0.7978845608028654f, c = 0.044715f;
          for (int64_t i = 0; i < n; i++)
            {
              float v = x[i], inner = k * (v + c * v * v * v), th = tanhf (inner);
              float dinner = k * (1.f + 3.f * c * v * v);
              dx[i] = g[i] * (0.5f * (1.f + th) + 0.5f * v * (1.f - th * th) * dinner);
            }
        }
      else
        for (int64_t i = 0; i < n; i++)
          {
            float v = x[i];
            float cdf = 0.5f * (1.f + erff (v * (float) M_SQRT1_2));
            float pdf = expf (-0.5f * v * v) * 0.3989422804014327f;
            dx[i] = g[i] * (cdf + v * pdf);
          }
      break;
    case PS_MODULE_IDENTITY:
    case PS_MODULE_FLATTEN:
      if (dx != g)
        memcpy (dx, g, (size_t) n * sizeof (float));
      break;
    default:
      g_assert_not_reached ();
    }
  return TRUE;
}

/* ---- each use's share of a tied gradient ---------------------------------------- */

/* This use's own dw and db (the same arithmetic as its part of the sum;
 * the scratch's bias sums, when a ReLU made them, are only read). */
static void
record_use (PsTape *t, Entry *e, const float *x, const float *g, int64_t B, int64_t fin,
            int64_t fout)
{
  PsTensor *w = ps_param_get_data (e->w), *b = e->b ? ps_param_get_data (e->b) : NULL;

  if (e->use_dw == NULL)
    e->use_dw = ps_tensor_new_1d (0);
  if (e->use_db == NULL)
    e->use_db = ps_tensor_new_1d (0);
  if (!ps_tensor_resize (e->use_dw, w->ndim, w->shape)
      || (b && !ps_tensor_resize (e->use_db, b->ndim, b->shape)))
    return;                         /* out of memory: no breakdown, the gradient is still right */
  linear_backward (x, w->data, g, NULL, e->use_dw->data, TRUE, b ? e->use_db->data : NULL, TRUE,
                   t->scratch->data, t->bias_summed, B, fin, fout);
  e->use_valid = TRUE;
}

void
ps_tape_set_record_uses (PsTape *tape, gboolean record)
{
  g_return_if_fail (tape != NULL);
  tape->record_uses = record;
}

GPtrArray *
ps_tape_get_use_grads (PsTape *tape, PsParam *param)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_tensor_unref);

  g_return_val_if_fail (tape != NULL && param != NULL, out);
  for (guint i = 0; i < tape->n_used; i++)
    {
      Entry *e = &tape->pool[i];
      gboolean is_w = e->w == param && e->w_slot >= 0, is_b = e->b == param && e->b_slot >= 0;
      if (!e->use_valid || !(is_w || is_b))
        continue;
      g_ptr_array_add (out, ps_tensor_copy (is_w ? e->use_dw : e->use_db));
    }
  return out;
}

static void
notify_grads (PsTape *t)
{
  for (guint i = 0; i < t->n_used; i++)
    {
      PsModule *m = t->pool[i].module;
      gboolean first = TRUE;
      for (guint j = 0; j < i && first; j++)
        first = t->pool[j].module != m;
      if (!first)
        continue;
      for (guint k = 0; k < ps_module_get_n_params (m); k++)
        if (ps_param_get_grad (ps_module_get_param (m, k)))
          ps_param_changed (ps_module_get_param (m, k), PS_CHANGE_GRAD);
    }
}

gboolean
ps_tape_backward (PsTape *t, const PsTensor *dy, GError **error)
{
  PsTensor *g = (PsTensor *) dy;     /* not written: owned is FALSE for it */
  gboolean owned = dy == t->dy;

  if (!t->have_forward)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "backward needs a forward pass first");
      return FALSE;
    }
  if (t->n_used > 0 && !ps_tensor_same_shape (dy, t->pool[t->n_used - 1].out))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "the output gradient's shape does not match the output's");
      return FALSE;
    }
  /* refuse before anything is accumulated, so a failure leaves every
   * gradient as it was */
  {
    guint k = 0;
    if (!same_structure (t->model, t->pool, t->n_used, &k) || k != t->n_used)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "the network changed after the forward "
                     "pass (a layer replaced or a parameter tied); run forward again");
        t->have_forward = FALSE;
        return FALSE;
      }
  }
  for (guint i = 0; i < t->n_used; i++)
    {
      Entry *e = &t->pool[i];
      PsParam *w = e->w, *b = e->b;
      if (w == NULL)
        continue;
      if (ps_param_get_data_version (w) != e->w_version
          || (b && ps_param_get_data_version (b) != e->b_version))
        {
          g_autofree char *path = module_path (t, e->module);
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       "%s: a parameter changed after the forward pass; run forward again "
                       "before backward", path);
          return FALSE;
        }
    }
  for (guint i = 0; i < t->pending->len; i++)
    g_array_index (t->pending, Pending, i).started = FALSE;
  for (guint i = 0; i < t->n_alloc; i++)
    t->pool[i].use_valid = FALSE;
  t->bias_summed = FALSE;
  for (guint i = t->n_used; i-- > 0;)
    {
      PsTensor *before = g;
      if (!backward_entry (t, i, &g, owned, error))
        return FALSE;
      if (g != before)
        owned = TRUE;               /* from now on a tape buffer */
    }
  flush_pending (t);
  notify_grads (t);
  return TRUE;
}

gboolean
ps_tape_backward_loss (PsTape *t, PsLossKind kind, const PsTensor *target,
                       double *loss, GError **error)
{
  const PsTensor *y;

  if (!t->have_forward)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "backward needs a forward pass first");
      return FALSE;
    }
  y = t->n_used ? t->pool[t->n_used - 1].out : t->x0;
  if (!ps_loss_compute (kind, y, target, loss, t->dy, error))
    return FALSE;
  return ps_tape_backward (t, t->dy, error);
}

/* ---- what the last forward computed --------------------------------------- */

guint
ps_tape_get_n_outputs (PsTape *t)
{
  g_return_val_if_fail (t != NULL, 0);
  return t->have_forward ? t->n_used : 0;
}

const PsTensor *
ps_tape_get_output (PsTape *t, guint i, PsModule **module, gboolean *overwritten)
{
  g_return_val_if_fail (t != NULL, NULL);
  if (!t->have_forward || i >= t->n_used)
    return NULL;
  if (module)
    *module = t->pool[i].module;
  if (overwritten)
    *overwritten = i + 1 < t->n_used && t->pool[i + 1].out_shared;
  return t->pool[i].out;
}
