/* ps-tape.c — forward and backward (the losses: ps-loss.c, the Linear products:
 * ps-linear.c, the layers' kernels: ps-layer-op.c, a block's steps: ps-tape-block.c)
 *
 * The record is one pool of entries laid out by walking the model in call
 * order; forward_entry and backward_entry switch over the same entry kinds,
 * and the walk, the pending gradients of tied parameters and each use's share
 * of them index that pool.  One structure, read and written by every part:
 * hence longer than the house limit. */
#include "ps-tape.h"
#include "ps-error.h"
#include "ps-kernels.h"
#include "ps-layer-op.h"
#include "ps-tape-private.h"

#include <math.h>
#include <string.h>

/* ---- the tape ---------------------------------------------------------- */


PsTape *
ps_tape_new (PsModule *model, PsRng *rng)
{
  PsTape *t = g_new0 (PsTape, 1);
  t->model = ps_module_ref (model);
  t->rng = rng;
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
      if (t->pool[i].acc)
        ps_tensor_unref (t->pool[i].acc);
      for (int k = 0; k < PS_BLOCK_MAX_KEPT; k++)
        if (t->pool[i].dxs[k])
          ps_tensor_unref (t->pool[i].dxs[k]);
      if (t->pool[i].use_dw)
        ps_tensor_unref (t->pool[i].use_dw);
      if (t->pool[i].use_db)
        ps_tensor_unref (t->pool[i].use_db);
      ps_layer_op_state_clear (&t->pool[i].st);
      ps_recurrent_state_clear (&t->pool[i].rst);
      g_free (t->pool[i].rw);
      g_free (t->pool[i].rdw);
      g_free (t->pool[i].rver);
      if (t->pool[i].cval)
        ps_tensor_unref (t->pool[i].cval);
    }
  g_free (t->pool);
  ps_tensor_unref (t->x0);
  ps_tensor_unref (t->dy);
  ps_tensor_unref (t->scratch);
  for (int k = 0; k < PS_BLOCK_MAX_AUX; k++)
    if (t->aux_dy[k])
      ps_tensor_unref (t->aux_dy[k]);
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
  t->mode_set = TRUE;
}

/* the mode module m runs in */
gboolean
ps_tape_mode_of (const PsTape *t, PsModule *m)
{
  return t->mode_set ? t->training : ps_module_get_training (m);
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

/* ---- the record's layout: the model walked in call order -------------------- */

typedef enum
{
  WALK_COUNT,       /* count the entries */
  WALK_ASSIGN,      /* write them into the pool */
  WALK_COMPARE,     /* check that the pool holds them (the model is unchanged) */
} WalkMode;

typedef struct
{
  PsTape  *t;
  WalkMode mode;
  guint    n;          /* entries so far */
  guint    limit;      /* COMPARE: entries recorded */
  gboolean changed;    /* ASSIGN: a module or parameter differs from what its slot held */
  gboolean same;       /* COMPARE */
  int      n_aux;      /* auxiliary outputs so far (ASSIGN: written to the tape) */
} Walk;

/* The program of a container's forward when the core knows its class
 * (ps-block.h) and no forward is supplied from outside. */
static const PsBlockStep *
known_forward (PsModule *m, guint *n)
{
  *n = 0;
  if (ps_module_get_kind (m) != PS_MODULE_CONTAINER || ps_module_get_forward (m, NULL) != NULL
      || ps_module_get_program (m) != NULL)
    return NULL;
  return ps_block_forward (m, n);
}

/* param: ENTRY_PARAM's parameter */
static int
emit_param (Walk *w, EntryKind kind, PsModule *m, const int *src, int n_src, const char *missing,
            PsParam *param)
{
  int idx = (int) w->n++;
  PsParam *pw = kind == ENTRY_MODULE ? entry_param (m, ps_module_is_keras (m) ? "kernel" : "weight")
                                      : param;
  PsParam *pb = kind == ENTRY_MODULE ? entry_param (m, "bias") : NULL;
  Entry *e;

  if (w->mode == WALK_COUNT)
    return idx;
  if (w->mode == WALK_COMPARE)
    {
      if ((guint) idx >= w->limit)
        w->same = FALSE;
      else
        {
          e = &w->t->pool[idx];
          if (e->kind != kind || e->module != m || e->n_src != n_src || e->w != pw || e->b != pb
              || (n_src > 0 && memcmp (e->src, src, (size_t) n_src * sizeof (int)) != 0))
            w->same = FALSE;
        }
      return idx;
    }
  e = &w->t->pool[idx];
  e->kind = kind;
  e->n_src = n_src;
  if (n_src > 0)
    memcpy (e->src, src, (size_t) n_src * sizeof (int));
  else
    e->src[0] = -1;               /* read by no one: the forward loop hands it the input */
  e->zndim = 0;
  e->missing = missing;
  w->changed |= set_ref ((gpointer *) &e->module, m, (gpointer (*) (gpointer)) ps_module_ref,
                         (void (*) (gpointer)) ps_module_unref);
  w->changed |= set_ref ((gpointer *) &e->w, pw, (gpointer (*) (gpointer)) ps_param_ref,
                         (void (*) (gpointer)) ps_param_unref);
  w->changed |= set_ref ((gpointer *) &e->b, pb, (gpointer (*) (gpointer)) ps_param_ref,
                         (void (*) (gpointer)) ps_param_unref);
  return idx;
}

static int
emit (Walk *w, EntryKind kind, PsModule *m, const int *src, int n_src, const char *missing)
{
  return emit_param (w, kind, m, src, n_src, missing, NULL);
}

/* ZEROS' sizes, or RESHAPE's columns, onto entry idx: registers become entries */
static void
emit_dims (Walk *w, int idx, const PsBlockOp *op, const int *reg)
{
  Entry *e;
  if (w->mode == WALK_COUNT)
    return;
  e = &w->t->pool[idx];
  for (int d = 0; d < op->ndim; d++)
    {
      PsBlockDim z = op->dims[d];
      z.reg = z.reg < 0 ? -2 : reg[z.reg];
      if (w->mode == WALK_ASSIGN)
        e->zdims[d] = z;
      else if ((guint) idx < w->limit
               && (e->zndim != op->ndim || e->zdims[d].reg != z.reg || e->zdims[d].axis != z.axis
                   || e->zdims[d].size != z.size))
        w->same = FALSE;
    }
  if (w->mode == WALK_ASSIGN)
    e->zndim = op->ndim;
}

static int walk (Walk *w, PsModule *m, int in);

/* The entries of a recorded forward (ps-block.h): registers hold entry
 * indices, register 0 the container's input. */
static int
walk_program (Walk *w, PsModule *m, const PsBlockProgram *p, int in)
{
  guint n = ps_block_program_get_n_ops (p);
  g_autofree int *reg = g_new (int, n + 1);

  reg[0] = in;
  for (guint k = 0; k < n; k++)
    {
      const PsBlockOp *op = ps_block_program_get_op (p, k);
      int src[PS_BLOCK_MAX_KEPT];
      for (int j = 0; j < op->n_src; j++)
        src[j] = reg[op->src[j]];
      switch (op->kind)
        {
        case PS_BLOCK_CALL:
          {
            PsModule *c = *op->child ? ps_module_find_module (m, op->child) : NULL;
            if (c && op->n_src > 1)       /* a recurrent layer given h0 (and c0) */
              reg[k + 1] = emit (w, ENTRY_MODULE, c, src, op->n_src, NULL);
            else
              reg[k + 1] = c ? walk (w, c, src[0]) : emit (w, ENTRY_MISSING, m, src, 1, op->child);
          }
          break;
        case PS_BLOCK_ZEROS:
          reg[k + 1] = emit (w, ENTRY_ZEROS, m, NULL, 0, NULL);
          emit_dims (w, reg[k + 1], op, reg);
          break;
        case PS_BLOCK_CONST:
          reg[k + 1] = emit (w, ENTRY_CONST, m, NULL, 0, NULL);
          if (w->mode == WALK_ASSIGN)
            w->changed |= set_ref ((gpointer *) &w->t->pool[reg[k + 1]].cval, op->value,
                                   (gpointer (*) (gpointer)) ps_tensor_ref,
                                   (void (*) (gpointer)) ps_tensor_unref);
          else if (w->mode == WALK_COMPARE && (guint) reg[k + 1] < w->limit
                   && w->t->pool[reg[k + 1]].cval != op->value)
            w->same = FALSE;
          break;
        case PS_BLOCK_PARAM:
          {
            /* "h0" of the container, or "enc.h0" of a module under it */
            const char *dot = strrchr (op->child, '.');
            g_autofree char *path = dot ? g_strndup (op->child, (gsize) (dot - op->child)) : NULL;
            PsModule *owner = path ? ps_module_find_module (m, path) : m;
            PsParam *pr = owner ? ps_module_get_param_by_name (owner, dot ? dot + 1 : op->child) : NULL;
            reg[k + 1] = pr ? emit_param (w, ENTRY_PARAM, owner, NULL, 0, NULL, pr)
                           : emit (w, ENTRY_MISSING, m, NULL, 0, op->child);
          }
          break;
        case PS_BLOCK_ADD:
          reg[k + 1] = emit (w, ENTRY_ADD, m, src, 2, NULL);
          break;
        case PS_BLOCK_CAT:
          reg[k + 1] = emit (w, ENTRY_CAT, m, src, op->n_src, NULL);
          break;
        case PS_BLOCK_RELU:
          reg[k + 1] = emit (w, ENTRY_RELU, m, src, 1, NULL);
          break;
        case PS_BLOCK_FLATTEN:
          reg[k + 1] = emit (w, ENTRY_FLATTEN, m, src, 1, NULL);
          break;
        case PS_BLOCK_MEAN:
          reg[k + 1] = emit (w, op->keepdim ? ENTRY_MEAN_KEEPDIM : ENTRY_MEAN, m, src, 1, NULL);
          break;
        case PS_BLOCK_SIGMOID:
          reg[k + 1] = emit (w, ENTRY_SIGMOID, m, src, 1, NULL);
          break;
        case PS_BLOCK_TANH:
          reg[k + 1] = emit (w, ENTRY_TANH, m, src, 1, NULL);
          break;
        case PS_BLOCK_GROW:
        case PS_BLOCK_RESIDUAL:
        case PS_BLOCK_CHILDREN:
        case PS_BLOCK_AUX:
        case PS_BLOCK_OP:
        case PS_BLOCK_SCALE:
        case PS_BLOCK_CAT_KEPT:
        case PS_BLOCK_CHUNK:
        case PS_BLOCK_SHUFFLE:
        case PS_BLOCK_DROP_PATH:
          g_assert_not_reached ();
        case PS_BLOCK_OUTPUT:
          reg[k + 1] = emit (w, ENTRY_OUTPUT, m, src, 1, NULL);
          break;
        case PS_BLOCK_RESHAPE:
          reg[k + 1] = emit (w, ENTRY_RESHAPE, m, src, 1, NULL);
          emit_dims (w, reg[k + 1], op, reg);
          if (w->mode == WALK_ASSIGN)
            w->t->pool[reg[k + 1]].cols = op->cols;
          else if (w->mode == WALK_COMPARE && (guint) reg[k + 1] < w->limit && op->ndim == 0
                   && w->t->pool[reg[k + 1]].cols != op->cols)
            w->same = FALSE;
          break;
        default:
          g_assert_not_reached ();
        }
    }
  return reg[ps_block_program_get_output (p)];
}

/* The entries of m called on the output of entry `in` (-1: the tape's
 * input), in call order; returns the entry whose output is m's. */
static int
walk (Walk *w, PsModule *m, int in)
{
  guint n_steps;
  const PsBlockStep *steps;
  int x = in, s[2] = { in, in }, kept[PS_BLOCK_MAX_KEPT], n_kept = 0;

  if (ps_module_get_kind (m) == PS_MODULE_SEQUENTIAL
      || (ps_module_is_keras (m) && ps_module_get_kind (m) == PS_MODULE_CONTAINER))
    {
      for (guint i = 0; i < ps_module_get_n_children (m); i++)
        x = walk (w, ps_module_get_child (m, i), x);
      return x;
    }
  if (ps_module_is_keras (m) && strcmp (ps_module_get_type_name (m), "Flatten") == 0)
    return emit (w, ENTRY_FLATTEN, m, &in, 1, NULL);     /* Keras' Flatten is flatten(x, 1) */
  if (ps_module_get_kind (m) == PS_MODULE_CONTAINER && ps_module_get_program (m) != NULL)
    return walk_program (w, m, ps_module_get_program (m), in);
  steps = known_forward (m, &n_steps);
  if (steps == NULL)
    return emit (w, ENTRY_MODULE, m, &in, 1, NULL);
  for (guint k = 0; k < n_steps; k++)
    {
      const PsBlockStep *st = &steps[k];
      switch (st->kind)
        {
        case PS_BLOCK_CALL:
        case PS_BLOCK_CALL_OPT:
          {
            PsModule *c = ps_module_get_child_named (m, st->child);
            if (c)
              x = walk (w, c, x);
            else if (st->kind == PS_BLOCK_CALL)
              x = emit (w, ENTRY_MISSING, m, &x, 1, st->child);
          }
          break;
        case PS_BLOCK_SAVE:
          s[st->arg] = x;
          break;
        case PS_BLOCK_RESTORE:
          x = s[st->arg];
          break;
        case PS_BLOCK_KEEP:
          g_assert (n_kept < PS_BLOCK_MAX_KEPT);
          kept[n_kept++] = x;
          break;
        case PS_BLOCK_ADD:
        case PS_BLOCK_SCALE:   /* the kept value and x, added or scaled by channel */
          {
            int src[2] = { kept[0], x };
            g_assert (n_kept == 1);
            x = emit (w, st->kind == PS_BLOCK_ADD ? ENTRY_ADD : ENTRY_SCALE, m, src, 2, NULL);
            n_kept = 0;
          }
          break;
        case PS_BLOCK_CAT:
          x = emit (w, ENTRY_CAT, m, kept, n_kept, NULL);
          n_kept = 0;
          break;
        case PS_BLOCK_CAT_KEPT:
          g_assert (st->arg >= 2 && st->arg <= n_kept);
          n_kept -= st->arg;
          kept[n_kept] = emit (w, ENTRY_CAT, m, kept + n_kept, st->arg, NULL);
          n_kept++;
          break;
        case PS_BLOCK_RESIDUAL:
          if (ps_block_keeps_shape (m))
            {
              PsModule *c = st->child ? ps_module_get_child_named (m, st->child) : NULL;
              int src[2];
              if (c)
                x = walk (w, c, x);
              src[0] = s[0];
              src[1] = x;
              x = emit (w, ENTRY_ADD, m, src, 2, NULL);
            }
          break;
        case PS_BLOCK_CHUNK:
        case PS_BLOCK_SHUFFLE:
          x = emit (w, st->kind == PS_BLOCK_CHUNK ? ENTRY_CHUNK : ENTRY_SHUFFLE, m, &x, 1, NULL);
          if (w->mode == WALK_ASSIGN)
            w->t->pool[x].arg = st->arg;
          break;
        case PS_BLOCK_DROP_PATH:
          {
            PsLayerOp op;
            if (!ps_block_stochastic_depth (m, &op))
              {
                x = emit (w, ENTRY_MISSING, m, &x, 1, "p");   /* its print does not show it */
                break;
              }
            x = emit (w, ENTRY_OP, m, &x, 1, NULL);
            if (w->mode == WALK_ASSIGN)
              {
                w->t->pool[x].fop = NULL;
                w->t->pool[x].op = op;
              }
          }
          break;
        case PS_BLOCK_CHILDREN:
          for (guint i = 0; i < ps_module_get_n_children (m); i++)
            x = walk (w, ps_module_get_child (m, i), x);
          break;
        case PS_BLOCK_AUX:
          {
            /* in training only (the block's own mode, or the tape's); the
             * comparison after a forward walks the heads that forward ran */
            gboolean run = w->mode == WALK_COMPARE ? w->n_aux < w->t->n_aux
                                                   : ps_tape_mode_of (w->t, m);
            PsModule *c = run ? ps_module_get_child_named (m, st->child) : NULL;
            int a;
            if (c == NULL)
              break;
            a = walk (w, c, x);
            if (w->mode == WALK_ASSIGN && w->n_aux < PS_BLOCK_MAX_AUX)
              {
                w->t->aux_idx[w->n_aux] = a;
                w->t->aux_weight[w->n_aux] = st->weight;
              }
            w->n_aux++;
          }
          break;
        case PS_BLOCK_OP:
          x = emit (w, ENTRY_OP, m, &x, 1, NULL);
          if (w->mode == WALK_ASSIGN)
            w->t->pool[x].fop = st->op;
          else if (w->mode == WALK_COMPARE && (guint) x < w->limit && w->t->pool[x].fop != st->op)
            w->same = FALSE;
          break;
        case PS_BLOCK_RELU:
          x = emit (w, ENTRY_RELU, m, &x, 1, NULL);
          break;
        case PS_BLOCK_FLATTEN:
          x = emit (w, ENTRY_FLATTEN, m, &x, 1, NULL);
          break;
        case PS_BLOCK_MEAN:
          x = emit (w, ENTRY_MEAN, m, &x, 1, NULL);
          break;
        case PS_BLOCK_GROW:
          for (guint i = 0; i < ps_module_get_n_children (m); i++)
            {
              int y = walk (w, ps_module_get_child (m, i), x);
              int src[2] = { x, y };
              x = emit (w, ENTRY_CAT, m, src, 2, NULL);
            }
          break;
        case PS_BLOCK_SIGMOID:
        case PS_BLOCK_TANH:
        case PS_BLOCK_OUTPUT:
        case PS_BLOCK_RESHAPE:
        case PS_BLOCK_ZEROS:
        case PS_BLOCK_CONST:
        case PS_BLOCK_PARAM:
          g_assert_not_reached ();
        }
    }
  return x;
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

char *
ps_tape_module_path (PsTape *t, PsModule *m)
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
      g_autofree char *path = ps_tape_module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s with these options cannot run "
                   "on the tape yet", path, ps_module_get_type_name (m));
      return FALSE;
    }
  e->is_op = TRUE;
  if ((e->w && !ps_param_is_initialized (e->w)) || (e->b && !ps_param_is_initialized (e->b)))
    {
      g_autofree char *path = ps_tape_module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                   "%s: a parameter of this layer is uninitialized (lazy); run a forward "
                   "through the layer that owns it first", path);
      return FALSE;
    }
  /* the values are known in the shape pass only for the tape's input */
  if (!ps_layer_op_plan (&e->op, &e->st, in->ndim, in->shape, &ndim, shape, &local)
      || ((!t->planning || e->src[0] < 0)
          && !ps_layer_op_check_input (&e->op, &e->st, in->data, &local)))
    {
      g_autofree char *path = ps_tape_module_path (t, m);
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
  e->training = io.training = ps_tape_mode_of (t, m);
  io.rng = t->rng;
  if (e->op.kind == PS_OP_BATCH_NORM)
    {
      io.running_mean = buffer_data (m, "running_mean");
      io.running_var = buffer_data (m, "running_var");
    }
  if (!ps_layer_op_check_mode (&e->op, in->ndim, in->shape, io.training, &local))
    {
      g_autofree char *path = ps_tape_module_path (t, m);
      g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
      return FALSE;
    }
  if (e->op.kind == PS_OP_DROPOUT && io.training && t->rng == NULL && e->op.p > 0)
    {
      g_autofree char *path = ps_tape_module_path (t, m);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: Dropout in training mode needs a "
                   "random generator", path);
      return FALSE;
    }
  if (t->planning)
    return TRUE;
  if (e > t->pool && e[-1].fused)
    {
      /* the Sigmoid below, from its input, and this pool of its output */
      Entry *s = &e[-1];
      ps_sigmoid_avg_pool_forward (&e->st.pool, ps_tape_in_of (t, s->src[0])->data,
                                   s->out->data, io.y);
    }
  else
    ps_layer_op_forward (&e->op, &e->st, &io);
  if (e->op.kind == PS_OP_BATCH_NORM && io.training && io.running_mean)
    ps_module_batch_norm_counted (m);
  e->w_version = e->w ? ps_param_get_data_version (e->w) : 0;
  e->b_version = e->b ? ps_param_get_data_version (e->b) : 0;
  return TRUE;
}

static float *op_grad (PsTape *t, PsParam *p, int slot);

/* An RNN, LSTM or GRU (ps-layer-recurrent.h): h0 (and c0) the outputs of
 * entries src[1] (and src[2]) when a recorded forward passes them
 * (`self.rnn(X, h0)`), else zeros.  PyTorch's call gives (out, h_n) or
 * (out, (h_n, c_n)); on the tape its output is out, and no other layer may
 * read it (a Sequential would hand the tuple on, which PyTorch refuses: a
 * forward() of one's own takes out apart). */
static gboolean
forward_recurrent (PsTape *t, Entry *e, const PsTensor *in, GError **error)
{
  PsModule *m = e->module;
  g_autoptr (GError) local = NULL;
  PsRecurrentIO io = { 0 };
  guint n = ps_module_get_n_params (m);
  const PsTensor *h0 = e->n_src > 1 ? ps_tape_in_of (t, e->src[1]) : NULL;
  const PsTensor *c0 = e->n_src > 2 ? ps_tape_in_of (t, e->src[2]) : NULL;

  if (!ps_recurrent_op_from_module (m, &e->rop, &local)
      || !ps_recurrent_plan (&e->rop, &e->rst, in->ndim, in->shape, h0 ? h0->ndim : 0,
                             h0 ? h0->shape : NULL, c0 ? c0->ndim : 0, c0 ? c0->shape : NULL,
                             ps_tape_mode_of (t, m), &local))
    goto fail;
  for (guint k = 0; k < n; k++)
    if (!ps_param_is_initialized (ps_module_get_param (m, k)))
      {
        g_set_error (&local, PS_ERROR, PS_ERROR_UNINITIALIZED, "a parameter of this layer is "
                     "uninitialized");
        goto fail;
      }
  if ((int) n != e->rn)
    {
      e->rw = g_renew (const float *, e->rw, n);
      e->rdw = g_renew (float *, e->rdw, n);
      e->rver = g_renew (guint64, e->rver, n);
      e->rn = (int) n;
    }
  e->is_rnn = TRUE;
  if (!ps_tensor_resize (e->out, e->rst.out_ndim, e->rst.out_shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for activations");
      return FALSE;
    }
  if (t->planning)
    return TRUE;
  for (guint k = 0; k < n; k++)
    {
      PsParam *p = ps_module_get_param (m, k);
      e->rw[k] = ps_param_get_data (p)->data;
      e->rver[k] = ps_param_get_data_version (p);
    }
  io.x = in->data;
  io.h0 = h0 ? h0->data : NULL;
  io.c0 = c0 ? c0->data : NULL;
  io.weights = e->rw;
  io.y = e->out->data;
  ps_recurrent_forward (&e->rop, &e->rst, &io);
  return TRUE;
fail:
  {
    g_autofree char *path = ps_tape_module_path (t, m);
    g_set_error (error, local->domain, local->code, "%s: %s", path, local->message);
  }
  return FALSE;
}

static gboolean
backward_recurrent (PsTape *t, guint idx, PsTensor **gp, GError **error)
{
  Entry *e = &t->pool[idx];
  const PsTensor *in = ps_tape_in_of (t, e->src[0]);
  PsRecurrentIO io = { 0 };
  float **dstate[2] = { &io.dh0, &io.dc0 };

  for (int k = 0; k < e->rn; k++)
    {
      PsParam *p = ps_module_get_param (e->module, (guint) k);
      e->rdw[k] = op_grad (t, p, -1);
    }
  /* h0 and c0 made by the entries src[1], src[2]: their gradients, in dxs[1], dxs[2] */
  for (int k = 1; k < e->n_src; k++)
    {
      const PsTensor *s = ps_tape_in_of (t, e->src[k]);
      if (e->src[k] < 0)
        continue;
      if (e->dxs[k] == NULL)
        e->dxs[k] = ps_tensor_new_1d (0);
      if (!ps_tensor_resize (e->dxs[k], s->ndim, s->shape))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
          return FALSE;
        }
      *dstate[k - 1] = e->dxs[k]->data;
    }
  io.x = in->data;
  io.h0 = e->n_src > 1 ? ps_tape_in_of (t, e->src[1])->data : NULL;
  io.c0 = e->n_src > 2 ? ps_tape_in_of (t, e->src[2])->data : NULL;
  io.weights = e->rw;
  io.dy = (*gp)->data;
  io.dweights = e->rdw;
  if (e->src[0] >= 0)               /* the input itself needs no gradient */
    {
      if (!ps_tensor_resize (e->dx, in->ndim, in->shape))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for gradients");
          return FALSE;
        }
      io.dx = e->dx->data;
    }
  ps_recurrent_backward (&e->rop, &e->rst, &io);
  for (int k = 1; k < e->n_src; k++)
    if (e->src[k] >= 0 && !ps_tape_deliver (t, e->src[k], e->dxs[k], TRUE, error))
      return FALSE;
  if (e->src[0] >= 0)
    *gp = e->dx;
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
  gboolean in_place = e->kind == ENTRY_MODULE && ps_module_get_kind (m) == PS_MODULE_RELU
                      && e > t->pool && in == e[-1].out && e[-1].kind == ENTRY_MODULE
                      && e[-1].fanout == 1
                      && ps_module_get_kind (e[-1].module) == PS_MODULE_LINEAR;

  if (!t->planning)
    e->is_rnn = FALSE;
  if (e->kind != ENTRY_MODULE)
    return ps_tape_forward_block (t, e, in, error);
  if (ps_module_get_kind (m) == PS_MODULE_CONTAINER)
    {
      g_autofree char *path = ps_tape_module_path (t, m);
      if (ps_module_get_program_error (m))
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s", path,
                     ps_module_get_program_error (m));
      else
        g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s cannot be run yet (its forward "
                     "is not known)", path, ps_module_get_type_name (m));
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
  e->is_rnn = FALSE;
  if (e->src[0] >= 0 && t->pool[e->src[0]].is_rnn)
    {
      g_autofree char *path = ps_tape_module_path (t, m);
      g_autofree char *below = ps_tape_module_path (t, t->pool[e->src[0]].module);
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "%s: %s(): argument 'input' must be Tensor, "
                   "not tuple (%s returns (output, h_n) as in PyTorch; take the output apart "
                   "in a forward() of your own)", path, ps_module_get_type_name (m), below);
      return FALSE;
    }
  if (ps_recurrent_is_module (m))
    return forward_recurrent (t, e, in, error);
  if (ps_module_get_kind (m) == PS_MODULE_LAYER)
    return forward_op (t, e, in, error);

  if (ps_module_get_kind (m) == PS_MODULE_LINEAR)
    {
      int64_t fin = ndim ? in->shape[ndim - 1] : 1;
      PsParam *w, *b;
      if (ndim == 0)
        {
          g_autofree char *path = ps_tape_module_path (t, m);
          g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: Linear needs an input with at "
                       "least one dimension, got a scalar", path);
          return FALSE;
        }
      if (ps_module_is_lazy (m) && t->planning)
        {
          /* materialized by the run that follows, when every shape fits */
          shape[ndim - 1] = ps_module_get_out_features (m);
          return ps_tensor_resize (e->out, ndim, shape) ? TRUE
                 : (g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for "
                                 "activations"), FALSE);
        }
      if (ps_module_is_lazy (m) && !ps_module_materialize (m, fin, t->rng, error))
        return FALSE;
      w = ps_module_get_param_by_name (m, "weight");
      b = ps_module_get_param_by_name (m, "bias");
      if (!ps_param_is_initialized (w) || (b && !ps_param_is_initialized (b)))
        {
          g_autofree char *path = ps_tape_module_path (t, m);
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       "%s: a parameter of this layer is uninitialized (lazy); run a forward "
                       "through the layer that owns it first", path);
          return FALSE;
        }
      if (fin != ps_module_get_in_features (m))
        {
          g_autofree char *path = ps_tape_module_path (t, m);
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
      if (t->planning)
        return TRUE;
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
              g_autofree char *path = ps_tape_module_path (t, m);
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
      if (t->planning)
        return TRUE;
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
      if (t->planning)
        return TRUE;
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
  if (t->planning)
    return TRUE;
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
      if (!e->fused)   /* else the pool after it computes it */
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


/* Is entry i (of the n of this forward, planned) a Sigmoid module whose one
 * reader is entry i + 1, a 2x2 average pool that covers all of its output?
 * Then the pool computes both, forward and backward. */
static gboolean
sigmoid_pool_fuses (const PsTape *t, guint i, guint n)
{
  const Entry *s = &t->pool[i], *p = s + 1;

  return !t->no_fusion && i + 1 < n && s->kind == ENTRY_MODULE && s->module != NULL
         && ps_module_get_kind (s->module) == PS_MODULE_SIGMOID && !s->is_op && !s->is_rnn
         && s->fanout == 1 && p->kind == ENTRY_MODULE && p->is_op
         && p->op.kind == PS_OP_AVG_POOL && p->src[0] == (int) i
         && ps_sigmoid_avg_pool_fuses (&p->st.pool);
}

void
ps_tape_set_fusion (PsTape *tape, gboolean fuse)
{
  g_return_if_fail (tape != NULL);
  tape->no_fusion = !fuse;
}

guint
ps_tape_get_n_fused (PsTape *tape)
{
  g_return_val_if_fail (tape != NULL, 0);
  return tape->have_forward ? tape->n_fused : 0;
}

const PsTensor *
ps_tape_forward (PsTape *t, const PsTensor *x, GError **error)
{
  Walk w = { .t = t, .mode = WALK_COUNT };
  guint n;
  int out;

  g_return_val_if_fail (x != NULL, NULL);
  t->have_forward = FALSE;
  walk (&w, t->model, -1);
  n = w.n;
  if (w.n_aux > PS_BLOCK_MAX_AUX)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "the model has %d auxiliary outputs "
                   "(GoogLeNet's heads): ParamScope trains at most %d", w.n_aux,
                   PS_BLOCK_MAX_AUX);
      return NULL;
    }
  if (n > t->n_alloc)
    {
      t->pool = g_renew (Entry, t->pool, n);
      for (guint i = t->n_alloc; i < n; i++)
        {
          memset (&t->pool[i], 0, sizeof (Entry));
          t->pool[i].out = ps_tensor_new_1d (0);
          t->pool[i].dx = ps_tensor_new_1d (0);
        }
      t->n_alloc = n;
    }
  w = (Walk) { .t = t, .mode = WALK_ASSIGN };
  out = walk (&w, t->model, -1);
  t->n_aux = w.n_aux;
  /* the plan of tied parameters only changes with the structure: a steady
   * forward re-plans nothing */
  if (w.changed || n != t->n_planned)
    plan_shared (t, n);
  t->n_planned = n;
  for (guint i = 0; i < n; i++)
    t->pool[i].fanout = 0;
  for (guint i = 0; i < n; i++)
    for (int k = 0; k < t->pool[i].n_src; k++)
      if (t->pool[i].src[k] >= 0)
        t->pool[t->pool[i].src[k]].fanout++;
  if (out >= 0)
    t->pool[out].fanout++;        /* the loss reads it */
  for (int k = 0; k < t->n_aux; k++)
    t->pool[t->aux_idx[k]].fanout++;
  if (!ps_tensor_resize (t->x0, x->ndim, x->shape))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "out of memory for the input");
      return NULL;
    }
  memcpy (t->x0->data, x->data, (size_t) x->numel * sizeof (float));
  /* every shape first: a shape that does not fit changes nothing (no running
   * statistics, no lazy layer materialized, no random numbers drawn) */
  t->planning = TRUE;
  for (guint i = 0; i < n; i++)
    if (!forward_entry (t, &t->pool[i], ps_tape_in_of (t, t->pool[i].src[0]), error))
      {
        t->planning = FALSE;
        return NULL;
      }
  t->planning = FALSE;
  t->n_fused = 0;
  for (guint i = 0; i < n; i++)
    if ((t->pool[i].fused = sigmoid_pool_fuses (t, i, n)))
      t->n_fused++;
  for (guint i = 0; i < n; i++)
    if (!forward_entry (t, &t->pool[i], ps_tape_in_of (t, t->pool[i].src[0]), error))
      return NULL;
  t->n_used = n;
  t->out_idx = out;
  t->have_forward = TRUE;
  return ps_tape_in_of (t, out);
}

/* Does the entry below idx (the producer of its input) want the batch sum
 * of this entry's input gradient for its bias?  Then return its width. */
static int64_t
bias_below (PsTape *t, guint idx)
{
  Entry *below;
  const PsTensor *in;

  if (idx == 0 || t->pool[idx].src[0] != (int) idx - 1)
    return 0;
  below = &t->pool[idx - 1];
  in = below->out;
  if (below->kind != ENTRY_MODULE || below->fanout != 1
      || ps_module_get_kind (below->module) != PS_MODULE_LINEAR || below->b == NULL
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
  const PsTensor *in = ps_tape_in_of (t, e->src[0]);
  PsLayerOpIO io = { 0 };

  io.x = in->data;
  io.y = e->out->data;
  io.weight = e->w ? ps_param_get_data (e->w)->data : NULL;
  io.training = e->training;
  if (e->op.kind == PS_OP_BATCH_NORM)
    io.running_mean = buffer_data (e->module, "running_mean");
  io.dy = (*gp)->data;
  if (e->src[0] >= 0)               /* the input itself needs no gradient */
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
  if (idx > 0 && t->pool[idx - 1].fused)
    /* through this pool and the Sigmoid below: that entry passes io.dx on */
    ps_sigmoid_avg_pool_backward (&e->st.pool, t->pool[idx - 1].out->data, io.dy, io.dx);
  else
    ps_layer_op_backward (&e->op, &e->st, &io);
  if (e->src[0] >= 0)
    *gp = e->dx;
  return TRUE;
}

static gboolean
backward_entry (PsTape *t, guint idx, PsTensor **gp, gboolean owned, GError **error)
{
  Entry *e = &t->pool[idx];
  PsModule *m = e->module;
  const PsTensor *in = ps_tape_in_of (t, e->src[0]);
  const float *x = in->data, *y = e->out->data, *g = (*gp)->data;
  gboolean need_dx = e->src[0] >= 0;   /* the input itself needs no gradient */
  gboolean elementwise = ps_module_get_kind (m) != PS_MODULE_LINEAR;
  float *dx;
  int64_t n = in->numel;

  if (e->is_op)
    return backward_op (t, idx, gp, error);
  if (e->is_rnn)
    return backward_recurrent (t, idx, gp, error);
  if (e->fused)                     /* the pool after it delivered dL/d(input) */
    return TRUE;
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
        ps_linear_backward_summed (x, ps_param_get_data (w)->data, g, need_dx ? dx : NULL,
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
            ps_relu_backward_column_sums (y, dx, t->scratch->data, n / cols, cols);
            t->bias_summed = TRUE;
          }
        else
          ps_relu_backward (y, g, dx, n);
      }
      break;
    case PS_MODULE_LEAKY_RELU:
      ps_leaky_relu_backward (x, g, dx, n, (float) ps_module_get_negative_slope (m));
      break;
    case PS_MODULE_SIGMOID:
      ps_sigmoid_backward_array (y, g, dx, n);
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
  ps_linear_backward_summed (x, w->data, g, NULL, e->use_dw->data, TRUE, b ? e->use_db->data : NULL, TRUE,
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

/* Backward from dy, the gradient of the main output, and with aux from the
 * gradients of the auxiliary outputs' losses (t->aux_dy). */
static gboolean
backward_from (PsTape *t, const PsTensor *dy, gboolean aux, GError **error)
{
  const PsTensor *y;

  if (!t->have_forward)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "backward needs a forward pass first");
      return FALSE;
    }
  y = ps_tape_in_of (t, t->out_idx);
  if (!ps_tensor_same_shape (dy, y))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE,
                   "the output gradient's shape does not match the output's");
      return FALSE;
    }
  /* refuse before anything is accumulated, so a failure leaves every
   * gradient as it was */
  {
    Walk w = { .t = t, .mode = WALK_COMPARE, .limit = t->n_used, .same = TRUE };
    walk (&w, t->model, -1);
    if (!w.same || w.n != t->n_used)
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
      for (int k = 0; e->is_rnn && k < e->rn; k++)
        if (ps_param_get_data_version (ps_module_get_param (e->module, (guint) k)) != e->rver[k])
          {
            g_autofree char *path = ps_tape_module_path (t, e->module);
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                         "%s: a parameter changed after the forward pass; run forward again "
                         "before backward", path);
            return FALSE;
          }
      if (w == NULL)
        continue;
      if (ps_param_get_data_version (w) != e->w_version
          || (b && ps_param_get_data_version (b) != e->b_version))
        {
          g_autofree char *path = ps_tape_module_path (t, e->module);
          g_set_error (error, PS_ERROR, PS_ERROR_VALUE,
                       "%s: a parameter changed after the forward pass; run forward again "
                       "before backward", path);
          return FALSE;
        }
    }
  for (guint i = 0; i < t->pending->len; i++)
    g_array_index (t->pending, Pending, i).started = FALSE;
  for (guint i = 0; i < t->n_alloc; i++)
    {
      t->pool[i].use_valid = FALSE;
      t->pool[i].g = NULL;
      t->pool[i].acc_started = FALSE;
    }
  t->bias_summed = FALSE;
  /* dy itself is not written: only the tape's own loss gradient is owned */
  if (!ps_tape_deliver (t, t->out_idx, (PsTensor *) dy, dy == t->dy, error))
    return FALSE;
  for (int k = 0; aux && k < t->n_aux; k++)
    if (!ps_tape_deliver (t, t->aux_idx[k], t->aux_dy[k], TRUE, error))
      return FALSE;
  for (guint i = t->n_used; i-- > 0;)
    {
      Entry *e = &t->pool[i];
      PsTensor *g = e->g;
      if (g == NULL)                /* nothing reads this output */
        continue;
      if (e->kind != ENTRY_MODULE)
        {
          if (!ps_tape_backward_block (t, i, error))
            return FALSE;
          continue;
        }
      if (!backward_entry (t, i, &g, e->g_owned, error))
        return FALSE;
      if (e->src[0] >= 0 && !ps_tape_deliver (t, e->src[0], g, g != e->g || e->g_owned, error))
        return FALSE;
    }
  flush_pending (t);
  notify_grads (t);
  return TRUE;
}

gboolean
ps_tape_backward (PsTape *t, const PsTensor *dy, GError **error)
{
  return backward_from (t, dy, FALSE, error);
}

/* The loss of the output, plus weight times the loss of each auxiliary output
 * (GoogLeNet in training: main + 0.3 aux1 + 0.3 aux2). */
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
  y = ps_tape_in_of (t, t->out_idx);
  if (!ps_loss_compute (kind, y, target, loss, t->dy, error))
    return FALSE;
  for (int k = 0; k < t->n_aux; k++)
    {
      PsTensor *g;
      double l;
      if (t->aux_dy[k] == NULL)
        t->aux_dy[k] = ps_tensor_new_1d (0);
      g = t->aux_dy[k];
      if (!ps_loss_compute (kind, ps_tape_in_of (t, t->aux_idx[k]), target, &l, g, error))
        return FALSE;
      for (int64_t i = 0; i < g->numel; i++)
        g->data[i] *= (float) t->aux_weight[k];
      *loss += t->aux_weight[k] * l;
    }
  return backward_from (t, t->dy, TRUE, error);
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
