/* ps-array-ops.c — PyTorch's type promotion, binary elementwise ops (with
 * scalar powers and clamp), in-place writes and random fills of PsArrays,
 * each with its autograd node
 *
 * Elementwise work is done on contiguous buffers in the compute dtype (the
 * operands broadcast and converted first), float32 in float arithmetic so
 * that one operation rounds as PyTorch's does.  Backward functions run with
 * grad mode off and are written with the ops themselves.  The functions of
 * one operand are in ps-array-unary.c; both write in place through
 * ps_array_inplace_prepare() and ps_array_inplace_finish(), defined here.
 */
#include "ps-autograd-private.h"
#include "ps-tape.h"

#include <math.h>
#include <string.h>

#define B(op, a, b) ps_array_binary (PS_BINARY_##op, (a), (b), error)

/* ------------------------------------------------------------ promotion */

/* PyTorch's result_type: tensors with dimensions decide first, then 0-d
 * tensors, then Python numbers, a lower group counting only when it is of a
 * higher category (bool < integer < float). */
static PsDtype
combine_categories (int higher, int lower)
{
  if (higher < 0)
    return lower;
  if (lower < 0)
    return higher;
  if (ps_array_dtype_is_float (higher))
    return higher;
  if (higher == PS_DTYPE_BOOL || ps_array_dtype_is_float (lower))
    return ps_array_dtype_promote (higher, lower);
  return higher;
}

static PsDtype
result_type (PsArray *const *ops, int n)
{
  int state[3] = { -1, -1, -1 };   /* dims, zero-dim, wrapped */

  for (int i = 0; i < n; i++)
    {
      PsArray *a = ops[i];
      int k = a->wrapped ? 2 : a->ndim == 0 ? 1 : 0;
      PsDtype d = a->dtype;
      if (a->wrapped && d == PS_DTYPE_F64)
        d = PS_DTYPE_F32;            /* a Python float counts as the default dtype */
      state[k] = state[k] < 0 ? (int) d : (int) ps_array_dtype_promote (state[k], d);
    }
  return combine_categories (state[0], combine_categories (state[1], state[2]));
}

/* -------------------------------------------------------------- sum_to */

PsArray *
ps_array_sum_to (PsArray *g, int ndim, const int64_t *shape, GError **error)
{
  int dims[PS_ARRAY_MAX_DIMS], n = 0, lead = g->ndim - ndim;
  g_autoptr (PsArray) s = NULL;

  if (g->ndim == ndim && memcmp (g->shape, shape, sizeof (int64_t) * ndim) == 0)
    return ps_array_ref (g);
  for (int d = 0; d < g->ndim; d++)
    if (d < lead || (shape[d - lead] == 1 && g->shape[d] != 1))
      dims[n++] = d;
  if (n == 0)
    return ps_array_reshape (g, ndim, shape, error);
  s = ps_array_sum (g, dims, n, TRUE, error);
  return s ? ps_array_reshape (s, ndim, shape, error) : NULL;
}

/* ------------------------------------------------------------- in place */

/* PyTorch's checks before writing into a. */
gboolean
ps_array_inplace_prepare (PsArray *a, GError **error)
{
  if (!ps_autograd_is_enabled ())
    return TRUE;
  if (a->is_view && a->view_of_leaf)
    {
      ps_array_set_error (error, RUNTIME, "a view of a leaf Variable that requires grad is "
                          "being used in an in-place operation.");
      return FALSE;
    }
  if (!ps_autograd_check_inplace (a, error))
    return FALSE;
  if (a->is_view && a->grad_fn)
    {
      ps_array_set_error (error, RUNTIME, "in-place operations on a view of a tensor that "
                          "requires grad are not supported; use the out-of-place form "
                          "(x = x + y) or torch.no_grad()");
      return FALSE;
    }
  return TRUE;
}

/* Write result (a's shape) into a, casting as PyTorch allows, and record
 * the in-place node when grad flows (name NULL: none). */
gboolean
ps_array_inplace_finish (PsArray *a, PsArray *result, const char *name, PsBackwardFn backward,
                PsArray *const *inputs, int n, PsNode **node, GError **error)
{
  gboolean needs = name && ps_autograd_needs_node (inputs, n);

  if (result->dtype != a->dtype
      && ((ps_array_dtype_is_float (result->dtype) && !ps_array_dtype_is_float (a->dtype))
          || (result->dtype == PS_DTYPE_I64 && a->dtype == PS_DTYPE_BOOL)))
    {
      ps_array_set_error (error, RUNTIME, "result type %s can't be cast to the desired output "
                          "type %s", ps_array_scalar_type_name (result->dtype), ps_array_scalar_type_name (a->dtype));
      return FALSE;
    }
  {
    g_autofree void *buf = g_try_malloc_n ((gsize) MAX (a->numel, 1), ps_dtype_size (a->dtype));
    if (buf == NULL)
      {
        ps_array_set_error (error, RUNTIME, "not enough memory for %" G_GINT64_FORMAT
                            " elements", a->numel);
        return FALSE;
      }
    if (!ps_array_read_as (result, a->dtype, a->ndim, a->shape, buf, error)
        || !ps_array_write_from (a, a->dtype, buf, error))
      return FALSE;
  }
  *node = needs && ps_array_dtype_is_float (a->dtype)
          ? ps_autograd_record_inplace (a, name, backward, inputs, n) : NULL;
  return TRUE;
}

/* --------------------------------------------------------------- binary */

static const char *
binary_name (PsBinaryOp op, gboolean reversed_scalar)
{
  switch (op)
    {
    case PS_BINARY_ADD: return "AddBackward0";
    case PS_BINARY_SUB: return reversed_scalar ? "RsubBackward1" : "SubBackward0";
    case PS_BINARY_MUL: return "MulBackward0";
    case PS_BINARY_DIV: return "DivBackward0";
    case PS_BINARY_POW: return "PowBackward1";
    case PS_BINARY_MAXIMUM: return "MaximumBackward0";
    case PS_BINARY_MINIMUM: return "MinimumBackward0";
    case PS_BINARY_REMAINDER: return "RemainderBackward0";
    default: return NULL;
    }
}

static gboolean
is_comparison (PsBinaryOp op)
{
  return op >= PS_BINARY_EQ && op <= PS_BINARY_GE;
}

static double
py_fmod (double a, double b)
{
  double r = fmod (a, b);
  if (r != 0 && ((r < 0) != (b < 0)))
    r += b;
  return r;
}

/* Python's (and PyTorch's) floor division of floats */
static double
floordiv_d (double a, double b)
{
  double mod, div, fl;

  if (b == 0)
    return a / b;
  mod = fmod (a, b);
  div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0))
    div -= 1;
  if (div == 0)
    return copysign (0, a / b);
  fl = floor (div);
  if (div - fl > 0.5)
    fl += 1.0;
  return fl;
}

static float
floordiv_f (float a, float b)
{
  float mod, div, fl;

  if (b == 0)
    return a / b;
  mod = fmodf (a, b);
  div = (a - mod) / b;
  if (mod != 0 && (b < 0) != (mod < 0))
    div -= 1;
  if (div == 0)
    return copysignf (0, a / b);
  fl = floorf (div);
  if (div - fl > 0.5f)
    fl += 1.0f;
  return fl;
}

#define BIN_LOOP(T, EXPR)                                  \
  do {                                                     \
    const T *x = xa, *y = ya;                              \
    T *o = out;                                            \
    for (int64_t i = 0; i < n; i++)                        \
      {                                                    \
        T a_ = x[i], b_ = y[i];                            \
        o[i] = (EXPR);                                     \
      }                                                    \
  } while (0)

#define CMP_LOOP(T, EXPR)                                  \
  do {                                                     \
    const T *x = xa, *y = ya;                              \
    guint8 *o = out;                                       \
    for (int64_t i = 0; i < n; i++)                        \
      {                                                    \
        T a_ = x[i], b_ = y[i];                            \
        o[i] = (EXPR);                                     \
      }                                                    \
  } while (0)

static gboolean
binary_kernel (PsBinaryOp op, PsDtype dt, const void *xa, const void *ya, void *out, int64_t n,
               GError **error)
{
  if (is_comparison (op))
    {
#define CMPS(T)                                                           \
      switch (op)                                                         \
        {                                                                 \
        case PS_BINARY_EQ: CMP_LOOP (T, a_ == b_); break;                 \
        case PS_BINARY_NE: CMP_LOOP (T, a_ != b_); break;                 \
        case PS_BINARY_LT: CMP_LOOP (T, a_ < b_); break;                  \
        case PS_BINARY_LE: CMP_LOOP (T, a_ <= b_); break;                 \
        case PS_BINARY_GT: CMP_LOOP (T, a_ > b_); break;                  \
        case PS_BINARY_GE: CMP_LOOP (T, a_ >= b_); break;                 \
        default: g_assert_not_reached ();                                 \
        }
      if (dt == PS_DTYPE_F32) { CMPS (float) }
      else if (dt == PS_DTYPE_F64) { CMPS (double) }
      else if (dt == PS_DTYPE_I64) { CMPS (int64_t) }
      else { CMPS (guint8) }
#undef CMPS
      return TRUE;
    }
  switch (dt)
    {
    case PS_DTYPE_F32:
      switch (op)
        {
        case PS_BINARY_ADD: BIN_LOOP (float, a_ + b_); break;
        case PS_BINARY_SUB: BIN_LOOP (float, a_ - b_); break;
        case PS_BINARY_MUL: BIN_LOOP (float, a_ * b_); break;
        case PS_BINARY_DIV: BIN_LOOP (float, a_ / b_); break;
        case PS_BINARY_FLOOR_DIV: BIN_LOOP (float, floordiv_f (a_, b_)); break;
        case PS_BINARY_REMAINDER: BIN_LOOP (float, (float) py_fmod (a_, b_)); break;
        case PS_BINARY_POW: BIN_LOOP (float, powf (a_, b_)); break;
        case PS_BINARY_MAXIMUM: BIN_LOOP (float, isnan (a_) || isnan (b_) ? NAN : a_ > b_ ? a_ : b_); break;
        case PS_BINARY_MINIMUM: BIN_LOOP (float, isnan (a_) || isnan (b_) ? NAN : a_ < b_ ? a_ : b_); break;
        default: goto bad;
        }
      return TRUE;
    case PS_DTYPE_F64:
      switch (op)
        {
        case PS_BINARY_ADD: BIN_LOOP (double, a_ + b_); break;
        case PS_BINARY_SUB: BIN_LOOP (double, a_ - b_); break;
        case PS_BINARY_MUL: BIN_LOOP (double, a_ * b_); break;
        case PS_BINARY_DIV: BIN_LOOP (double, a_ / b_); break;
        case PS_BINARY_FLOOR_DIV: BIN_LOOP (double, floordiv_d (a_, b_)); break;
        case PS_BINARY_REMAINDER: BIN_LOOP (double, py_fmod (a_, b_)); break;
        case PS_BINARY_POW: BIN_LOOP (double, pow (a_, b_)); break;
        case PS_BINARY_MAXIMUM: BIN_LOOP (double, isnan (a_) || isnan (b_) ? NAN : a_ > b_ ? a_ : b_); break;
        case PS_BINARY_MINIMUM: BIN_LOOP (double, isnan (a_) || isnan (b_) ? NAN : a_ < b_ ? a_ : b_); break;
        default: goto bad;
        }
      return TRUE;
    case PS_DTYPE_I64:
      if (op == PS_BINARY_FLOOR_DIV || op == PS_BINARY_REMAINDER)
        {
          const int64_t *y = ya;
          for (int64_t i = 0; i < n; i++)
            if (y[i] == 0)
              {
                ps_array_set_error (error, RUNTIME, "ZeroDivisionError");
                return FALSE;
              }
        }
      switch (op)
        {
        case PS_BINARY_ADD: BIN_LOOP (int64_t, (int64_t) ((uint64_t) a_ + (uint64_t) b_)); break;
        case PS_BINARY_SUB: BIN_LOOP (int64_t, (int64_t) ((uint64_t) a_ - (uint64_t) b_)); break;
        case PS_BINARY_MUL: BIN_LOOP (int64_t, (int64_t) ((uint64_t) a_ * (uint64_t) b_)); break;
        case PS_BINARY_FLOOR_DIV:
          BIN_LOOP (int64_t, (a_ == G_MININT64 && b_ == -1) ? a_
                    : a_ / b_ - ((a_ % b_ != 0) && ((a_ < 0) != (b_ < 0))));
          break;
        case PS_BINARY_REMAINDER:
          BIN_LOOP (int64_t, (b_ == -1) ? 0 : ((a_ % b_) != 0 && ((a_ % b_ < 0) != (b_ < 0)))
                    ? a_ % b_ + b_ : a_ % b_);
          break;
        case PS_BINARY_POW:
          BIN_LOOP (int64_t, ({ int64_t r_ = 1, base_ = a_, e_ = b_;
                               if (e_ < 0) r_ = (base_ == 1) ? 1 : (base_ == -1) ? ((e_ & 1) ? -1 : 1) : 0;
                               else while (e_ > 0) { if (e_ & 1) r_ = (int64_t) ((uint64_t) r_ * (uint64_t) base_);
                                                     base_ = (int64_t) ((uint64_t) base_ * (uint64_t) base_); e_ >>= 1; }
                               r_; }));
          break;
        case PS_BINARY_MAXIMUM: BIN_LOOP (int64_t, a_ > b_ ? a_ : b_); break;
        case PS_BINARY_MINIMUM: BIN_LOOP (int64_t, a_ < b_ ? a_ : b_); break;
        case PS_BINARY_AND: BIN_LOOP (int64_t, a_ & b_); break;
        case PS_BINARY_OR: BIN_LOOP (int64_t, a_ | b_); break;
        case PS_BINARY_XOR: BIN_LOOP (int64_t, a_ ^ b_); break;
        default: goto bad;
        }
      return TRUE;
    case PS_DTYPE_BOOL:
      switch (op)
        {
        case PS_BINARY_ADD:
        case PS_BINARY_OR:
        case PS_BINARY_MAXIMUM: BIN_LOOP (guint8, a_ | b_); break;
        case PS_BINARY_MUL:
        case PS_BINARY_AND:
        case PS_BINARY_MINIMUM: BIN_LOOP (guint8, a_ & b_); break;
        case PS_BINARY_XOR: BIN_LOOP (guint8, a_ ^ b_); break;
        case PS_BINARY_SUB:
          ps_array_set_error (error, RUNTIME, "Subtraction, the `-` operator, with two bool "
                              "tensors is not supported. Use the `^` or `logical_xor()` operator "
                              "instead.");
          return FALSE;
        default: goto bad;
        }
      return TRUE;
    default:
      break;
    }
bad:
  {
    static const char *kernels[] = { "add", "sub", "mul", "div", "floor_divide", "remainder",
                                     "pow", "maximum", "minimum", "eq", "ne", "lt", "le", "gt",
                                     "ge", "bitwise_and", "bitwise_or", "bitwise_xor" };
    ps_array_set_error (error, RUNTIME, "\"%s_cpu\" not implemented for '%s'", kernels[op],
                        ps_array_scalar_type_name (dt));
  }
  return FALSE;
}

/* The dtype of the computation and of the result of a OP b. */
static PsDtype
binary_types (PsBinaryOp op, PsArray *a, PsArray *b, PsDtype *result)
{
  PsArray *ops[2] = { a, b };
  PsDtype common = result_type (ops, 2);

  *result = common;
  if (op == PS_BINARY_DIV && !ps_array_dtype_is_float (common))
    common = *result = PS_DTYPE_F32;
  if (is_comparison (op))
    *result = PS_DTYPE_BOOL;
  return common;
}

static gboolean binary_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error);

static PsArray *
binary_compute (PsBinaryOp op, PsArray *a, PsArray *b, int out_ndim, const int64_t *out_shape,
                PsDtype *result_dtype, GError **error)
{
  PsDtype res, common = binary_types (op, a, b, &res);
  int64_t n = ps_shape_numel (out_ndim, out_shape);
  int csz = ps_dtype_size (common);
  g_autofree void *xa = NULL, *ya = NULL;
  PsArray *out;

  if ((op == PS_BINARY_AND || op == PS_BINARY_OR || op == PS_BINARY_XOR) && ps_array_dtype_is_float (common))
    {
      static const char *k[] = { "bitwise_and", "bitwise_or", "bitwise_xor" };
      ps_array_set_error (error, RUNTIME, "\"%s_cpu\" not implemented for '%s'",
                          k[op - PS_BINARY_AND], ps_array_scalar_type_name (common));
      return NULL;
    }
  /* the result first: it is what the memory cap counts (and refuses a
   * broadcast of two expanded views too large to exist) */
  out = ps_array_alloc (res, out_ndim, out_shape, FALSE, error);
  if (out == NULL)
    return NULL;
  xa = g_try_malloc_n ((gsize) MAX (n, 1), csz);
  ya = g_try_malloc_n ((gsize) MAX (n, 1), csz);
  if (xa == NULL || ya == NULL)
    {
      ps_array_unref (out);
      ps_array_set_error (error, RUNTIME, "not enough memory for %" G_GINT64_FORMAT
                          " elements", n);
      return NULL;
    }
  if (!ps_array_read_as (a, common, out_ndim, out_shape, xa, error)
      || !ps_array_read_as (b, common, out_ndim, out_shape, ya, error))
    {
      ps_array_unref (out);
      return NULL;
    }
  if (!binary_kernel (op, common, xa, ya, ps_array_data (out, NULL), n, error))
    g_clear_pointer (&out, ps_array_unref);
  *result_dtype = res;
  return out;
}

static void
save_for_binary (PsNode *node, PsBinaryOp op, PsArray *a, PsArray *b, PsArray *out)
{
  node->n[0] = op;
  switch (op)
    {
    case PS_BINARY_MUL:
    case PS_BINARY_DIV:
    case PS_BINARY_POW:
    case PS_BINARY_MAXIMUM:
    case PS_BINARY_MINIMUM:
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, b);
      if (op == PS_BINARY_POW)
        ps_node_save (node, 2, out);
      break;
    case PS_BINARY_REMAINDER:
      ps_node_save (node, 0, a);
      ps_node_save (node, 1, b);
      break;
    default:
      break;
    }
}

PsArray *
ps_array_binary (PsBinaryOp op, PsArray *a, PsArray *b, GError **error)
{
  int nd;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  PsDtype res;
  PsArray *out;
  PsArray *ins[2] = { a, b };

  g_return_val_if_fail (a && b, NULL);
  /* `number / t` is reciprocal(t) * number in PyTorch (its node names say so) */
  if (op == PS_BINARY_DIV && a->wrapped && !b->wrapped && ps_autograd_needs_node (&b, 1))
    {
      g_autoptr (PsArray) r = ps_array_unary (PS_UNARY_RECIPROCAL, b, error);
      return r ? ps_array_binary (PS_BINARY_MUL, r, a, error) : NULL;
    }
  if (!ps_array_broadcast_shape (a->ndim, a->shape, b->ndim, b->shape, &nd, shape, error))
    return NULL;
  out = binary_compute (op, a, b, nd, shape, &res, error);
  if (out && binary_name (op, FALSE) && ps_array_dtype_is_float (res) && ps_autograd_needs_node (ins, 2))
    {
      gboolean rsub = op == PS_BINARY_SUB && a->wrapped && !b->wrapped;
      PsNode *node = ps_autograd_record (out, binary_name (op, rsub), binary_backward, ins, 2);
      save_for_binary (node, op, a, b, out);
    }
  return out;
}

PsArray *
ps_array_add_scaled (PsArray *a, PsArray *b, PsScalar alpha, GError **error)
{
  g_autoptr (PsArray) w = ps_array_new_wrapped (alpha);
  g_autoptr (PsArray) t = NULL;

  if (alpha.kind == PS_SCALAR_INT && alpha.v.i == 1)
    return ps_array_binary (PS_BINARY_ADD, a, b, error);
  t = ps_array_binary (PS_BINARY_MUL, b, w, error);
  return t ? ps_array_binary (PS_BINARY_ADD, a, t, error) : NULL;
}

static gboolean
binary_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsBinaryOp op = (PsBinaryOp) node->n[0];
  PsArray *a = NULL, *b = NULL;
  g_autoptr (PsArray) t = NULL, u = NULL;

  if (node->saved[0] && (a = ps_node_saved (node, 0, error)) == NULL)
    return FALSE;
  if (node->saved[1] && (b = ps_node_saved (node, 1, error)) == NULL)
    return FALSE;
  switch (op)
    {
    case PS_BINARY_ADD:
      gi[0] = ps_array_ref (g);
      gi[1] = ps_array_ref (g);
      return TRUE;
    case PS_BINARY_SUB:
      gi[0] = ps_array_ref (g);
      gi[1] = ps_array_unary (PS_UNARY_NEG, g, error);
      return gi[1] != NULL;
    case PS_BINARY_MUL:
      if (node->inputs[0].node || node->inputs[0].leaf)
        if ((gi[0] = B (MUL, g, b)) == NULL)
          return FALSE;
      if (node->inputs[1].node || node->inputs[1].leaf)
        if ((gi[1] = B (MUL, g, a)) == NULL)
          return FALSE;
      return TRUE;
    case PS_BINARY_DIV:
      if ((gi[0] = B (DIV, g, b)) == NULL)
        return FALSE;
      if (node->inputs[1].node || node->inputs[1].leaf)
        {
          /* -g * a / b^2 */
          t = B (MUL, b, b);
          u = t ? B (DIV, a, t) : NULL;
          g_clear_pointer (&t, ps_array_unref);
          t = u ? B (MUL, g, u) : NULL;
          gi[1] = t ? ps_array_unary (PS_UNARY_NEG, t, error) : NULL;
          return gi[1] != NULL;
        }
      return TRUE;
    case PS_BINARY_POW:
      {
        PsArray *y = ps_node_saved (node, 2, error);
        g_autoptr (PsArray) one = ps_array_wrapped_double (1);
        if (y == NULL)
          return FALSE;
        if (node->inputs[0].node || node->inputs[0].leaf)
          {
            /* g * b * a^(b-1) */
            g_autoptr (PsArray) bm1 = B (SUB, b, one);
            g_autoptr (PsArray) p = bm1 ? B (POW, a, bm1) : NULL;
            t = p ? B (MUL, b, p) : NULL;
            if (t == NULL || (gi[0] = B (MUL, g, t)) == NULL)
              return FALSE;
          }
        if (node->inputs[1].node || node->inputs[1].leaf)
          {
            /* g * y * log(a) */
            g_autoptr (PsArray) la = ps_array_unary (PS_UNARY_LOG, a, error);
            g_autoptr (PsArray) v = la ? B (MUL, y, la) : NULL;
            if (v == NULL || (gi[1] = B (MUL, g, v)) == NULL)
              return FALSE;
          }
        return TRUE;
      }
    case PS_BINARY_MAXIMUM:
    case PS_BINARY_MINIMUM:
      {
        /* the gradient goes to the larger (smaller) one, halved on ties */
        g_autoptr (PsArray) gt = B (GT, a, b), eq = B (EQ, a, b), lt = B (LT, a, b);
        g_autoptr (PsArray) half = ps_array_wrapped_double (0.5);
        g_autoptr (PsArray) he = eq ? B (MUL, eq, half) : NULL;
        g_autoptr (PsArray) wa = NULL, wb = NULL;
        if (he == NULL || gt == NULL || lt == NULL)
          return FALSE;
        wa = B (ADD, op == PS_BINARY_MAXIMUM ? gt : lt, he);
        wb = B (ADD, op == PS_BINARY_MAXIMUM ? lt : gt, he);
        gi[0] = wa ? B (MUL, g, wa) : NULL;
        gi[1] = wb ? B (MUL, g, wb) : NULL;
        return gi[0] && gi[1];
      }
    case PS_BINARY_REMAINDER:
      {
        /* d/da = 1, d/db = -floor(a / b) */
        g_autoptr (PsArray) q = B (FLOOR_DIV, a, b);
        gi[0] = ps_array_ref (g);
        t = q ? B (MUL, g, q) : NULL;
        gi[1] = t ? ps_array_unary (PS_UNARY_NEG, t, error) : NULL;
        return gi[1] != NULL;
      }
    default:
      g_assert_not_reached ();
    }
  return FALSE;
}

gboolean
ps_array_equal (PsArray *a, PsArray *b)
{
  g_autofree double *x = NULL, *y = NULL;

  if (a->ndim != b->ndim || memcmp (a->shape, b->shape, sizeof (int64_t) * a->ndim) != 0)
    return FALSE;
  x = ps_array_to_doubles (a, NULL);
  y = ps_array_to_doubles (b, NULL);
  if (x == NULL || y == NULL)
    return FALSE;
  for (int64_t i = 0; i < a->numel; i++)
    if (x[i] != y[i])
      return FALSE;
  return TRUE;
}

/* pow with a scalar exponent */
static gboolean
pow_scalar_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error);
  g_autoptr (PsArray) e = ps_array_wrapped_double (node->d[0]), em1 = ps_array_wrapped_double (node->d[0] - 1);
  g_autoptr (PsArray) p = NULL, t = NULL;

  if (x == NULL)
    return FALSE;
  if (node->d[0] == 0)
    {
      gi[0] = ps_array_new_zeros (g->dtype, g->ndim, g->shape, error);
      return gi[0] != NULL;
    }
  /* g * e * x^(e-1) */
  p = ps_array_pow_scalar (x, ps_scalar_float (node->d[0] - 1), error);
  t = p ? B (MUL, p, e) : NULL;
  gi[0] = t ? B (MUL, g, t) : NULL;
  (void) em1;
  return gi[0] != NULL;
}

PsArray *
ps_array_pow_scalar (PsArray *a, PsScalar exponent, GError **error)
{
  g_autoptr (PsArray) w = ps_array_new_wrapped (exponent);
  PsArray *out;
  PsDtype res;

  ps_autograd_no_grad_push ();
  if (exponent.kind == PS_SCALAR_FLOAT && exponent.v.f == 2.0 && ps_array_dtype_is_float (a->dtype))
    out = ps_array_binary (PS_BINARY_MUL, a, a, error);      /* as torch: x * x */
  else if (exponent.kind == PS_SCALAR_FLOAT && exponent.v.f == 0.5 && ps_array_dtype_is_float (a->dtype))
    out = ps_array_unary (PS_UNARY_SQRT, a, error);
  else
    out = binary_compute (PS_BINARY_POW, a, w, a->ndim, a->shape, &res, error);
  ps_autograd_no_grad_pop ();
  if (out && ps_array_dtype_is_float (out->dtype) && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (out, "PowBackward0", pow_scalar_backward, &a, 1);
      node->d[0] = ps_scalar_to_double (exponent);
      ps_node_save (node, 0, a);
    }
  return out;
}

/* clamp */
static gboolean
clamp_backward (PsNode *node, PsArray *g, PsArray **gi, GError **error)
{
  PsArray *x = ps_node_saved (node, 0, error);
  g_autoptr (PsArray) m = NULL;

  if (x == NULL)
    return FALSE;
  m = ps_array_new_ones (PS_DTYPE_BOOL, x->ndim, x->shape, error);
  if (m == NULL)
    return FALSE;
  for (int k = 0; k < 2; k++)
    if (node->n[k])
      {
        g_autoptr (PsArray) lim = ps_array_wrapped_double (node->d[k]);
        g_autoptr (PsArray) c = k == 0 ? B (GE, x, lim) : B (LE, x, lim);
        g_autoptr (PsArray) mm = c ? B (AND, m, c) : NULL;
        if (mm == NULL)
          return FALSE;
        ps_array_unref (m);
        m = g_steal_pointer (&mm);
      }
  gi[0] = B (MUL, g, m);
  return gi[0] != NULL;
}

PsArray *
ps_array_clamp (PsArray *a, const PsScalar *min, const PsScalar *max, GError **error)
{
  g_autoptr (PsArray) cur = ps_array_ref (a);
  PsDtype res;

  if (min == NULL && max == NULL)
    {
      ps_array_set_error (error, RUNTIME, "torch.clamp: At least one of 'min' or 'max' must not "
                          "be None");
      return NULL;
    }
  for (int k = 0; k < 2; k++)
    {
      const PsScalar *lim = k == 0 ? min : max;
      g_autoptr (PsArray) w = NULL;
      PsArray *next;
      if (lim == NULL)
        continue;
      w = ps_array_new_wrapped (*lim);
      next = binary_compute (k == 0 ? PS_BINARY_MAXIMUM : PS_BINARY_MINIMUM, cur, w, cur->ndim,
                             cur->shape, &res, error);
      if (next == NULL)
        return NULL;
      ps_array_unref (cur);
      cur = next;
    }
  if (cur == a)
    return g_steal_pointer (&cur);
  if (ps_array_dtype_is_float (cur->dtype) && ps_autograd_needs_node (&a, 1))
    {
      PsNode *node = ps_autograd_record (cur, "ClampBackward1", clamp_backward, &a, 1);
      node->n[0] = min != NULL;
      node->n[1] = max != NULL;
      node->d[0] = min ? ps_scalar_to_double (*min) : 0;
      node->d[1] = max ? ps_scalar_to_double (*max) : 0;
      ps_node_save (node, 0, a);
    }
  return g_steal_pointer (&cur);
}

gboolean
ps_array_binary_ (PsBinaryOp op, PsArray *a, PsArray *b, GError **error)
{
  int nd;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  PsDtype res;
  g_autoptr (PsArray) r = NULL, old = NULL;
  PsArray *ins[2] = { a, b };
  PsNode *node = NULL;
  gboolean needs;

  if (!ps_array_inplace_prepare (a, error))
    return FALSE;
  if (!ps_array_broadcast_shape (a->ndim, a->shape, b->ndim, b->shape, &nd, shape, error))
    return FALSE;
  if (nd != a->ndim || memcmp (shape, a->shape, sizeof (int64_t) * nd) != 0)
    {
      g_autofree char *os = ps_shape_to_string (nd, shape);
      g_autofree char *as = ps_shape_to_string (a->ndim, a->shape);
      ps_array_set_error (error, RUNTIME, "output with shape %s doesn't match the broadcast "
                          "shape %s", as, os);
      return FALSE;
    }
  needs = binary_name (op, FALSE) && ps_autograd_needs_node (ins, 2);
  if (needs && (op == PS_BINARY_MUL || op == PS_BINARY_DIV || op == PS_BINARY_POW
                || op == PS_BINARY_MAXIMUM || op == PS_BINARY_MINIMUM
                || op == PS_BINARY_REMAINDER)
      && (old = ps_array_copy_as (a, a->dtype, error)) == NULL)
    return FALSE;
  ps_autograd_no_grad_push ();
  r = binary_compute (op, a, b, nd, shape, &res, error);
  ps_autograd_no_grad_pop ();
  if (r == NULL)
    return FALSE;
  if (is_comparison (op))
    {
      /* t.eq_(x): the comparison written back as 0/1 in t's dtype */
      return ps_array_inplace_finish (a, r, NULL, NULL, ins, 2, &node, error);
    }
  if (!ps_array_inplace_finish (a, r, binary_name (op, FALSE), binary_backward, ins, 2, &node, error))
    return FALSE;
  if (node)
    {
      /* the saved "self" is its value before the write */
      if (old)
        ins[0] = old;
      save_for_binary (node, op, ins[0], b, a);
    }
  return TRUE;
}

gboolean
ps_array_fill_ (PsArray *a, PsScalar value, GError **error)
{
  g_autoptr (PsArray) v = ps_array_new_wrapped (value);

  if (!ps_array_inplace_prepare (a, error))
    return FALSE;
  if (a->grad_fn && ps_autograd_is_enabled ())
    {
      ps_array_set_error (error, RUNTIME, "fill_ on a tensor that is part of a graph is not "
                          "supported outside torch.no_grad()");
      return FALSE;
    }
  {
    PsNode *node = NULL;
    return ps_array_inplace_finish (a, v, NULL, NULL, &a, 1, &node, error);
  }
}

gboolean
ps_array_zero_ (PsArray *a, GError **error)
{
  return ps_array_fill_ (a, ps_scalar_int (0), error);
}

static gboolean
random_fill (PsArray *a, PsRng *rng, gboolean normal, double p0, double p1, GError **error)
{
  g_autoptr (PsArray) tmp = NULL;
  void *p;

  if (!ps_array_dtype_is_float (a->dtype))
    {
      ps_array_set_error (error, RUNTIME, normal ? "\"normal_kernel_cpu\" not implemented for "
                          "'%s'" : "\"check_uniform_bounds\" not implemented for '%s'",
                          ps_array_scalar_type_name (a->dtype));
      return FALSE;
    }
  if (normal && p1 < 0)
    {
      ps_array_set_error (error, RUNTIME, "normal expects std >= 0.0, but found std %s",
                          "negative");
      return FALSE;
    }
  if (!normal && p0 > p1)
    {
      ps_array_set_error (error, RUNTIME, "uniform_ expects to return a [from, to) range, but "
                          "found from=%g > to=%g", p0, p1);
      return FALSE;
    }
  if (!ps_array_inplace_prepare (a, error))
    return FALSE;
  if (a->grad_fn && ps_autograd_is_enabled ())
    {
      ps_array_set_error (error, RUNTIME, "random fills of a tensor that is part of a graph are "
                          "not supported outside torch.no_grad()");
      return FALSE;
    }
  /* filled in row-major order (torch fills a non-contiguous tensor one
   * element at a time in its iteration order, which is that) */
  tmp = ps_array_alloc (a->dtype, a->ndim, a->shape, FALSE, error);
  if (tmp == NULL)
    return FALSE;
  p = ps_array_data (tmp, NULL);
  if (a->dtype == PS_DTYPE_F32)
    {
      if (normal && !ps_array_is_contiguous (a) && a->numel >= 16)
        {
          /* torch's contiguous-only block kernel does not apply: one sample at a time */
          float *f = p;
          for (int64_t i = 0; i < a->numel; i++)
            f[i] = (float) fma (ps_rng_normal (rng), p1, p0);
        }
      else if (normal)
        ps_rng_fill_normal (rng, p, a->numel, p0, p1);
      else
        ps_rng_fill_uniform (rng, p, a->numel, p0, p1);
    }
  else
    {
      if (normal && !ps_array_is_contiguous (a) && a->numel >= 16)
        {
          double *f = p;
          for (int64_t i = 0; i < a->numel; i++)
            f[i] = fma (ps_rng_normal (rng), p1, p0);
        }
      else if (normal)
        ps_rng_fill_normal_f64 (rng, p, a->numel, p0, p1);
      else
        ps_rng_fill_uniform_f64 (rng, p, a->numel, p0, p1);
    }
  return ps_array_write_from (a, a->dtype, p, error);
}

gboolean
ps_array_uniform_ (PsArray *a, PsRng *rng, double from, double to, GError **error)
{
  return random_fill (a, rng, FALSE, from, to, error);
}

gboolean
ps_array_normal_ (PsArray *a, PsRng *rng, double mean, double std, GError **error)
{
  return random_fill (a, rng, TRUE, mean, std, error);
}

static PsArray *
new_random (PsRng *rng, PsDtype dtype, int ndim, const int64_t *shape, gboolean normal,
            GError **error)
{
  PsArray *a;

  if (!ps_array_dtype_is_float (dtype))
    {
      ps_array_set_error (error, RUNTIME, normal ? "\"normal_kernel_cpu\" not implemented for "
                          "'%s'" : "\"check_uniform_bounds\" not implemented for '%s'",
                          ps_array_scalar_type_name (dtype));
      return NULL;
    }
  a = ps_array_alloc (dtype, ndim, shape, FALSE, error);
  if (a && !random_fill (a, rng, normal, normal ? 0 : 0, 1, error))
    g_clear_pointer (&a, ps_array_unref);
  return a;
}

PsArray *
ps_array_new_rand (PsRng *rng, PsDtype dtype, int ndim, const int64_t *shape, GError **error)
{
  return new_random (rng, dtype, ndim, shape, FALSE, error);
}

PsArray *
ps_array_new_randn (PsRng *rng, PsDtype dtype, int ndim, const int64_t *shape, GError **error)
{
  return new_random (rng, dtype, ndim, shape, TRUE, error);
}

gboolean
ps_array_init_ (PsArray *a, const PsInitScheme *scheme, PsRng *rng, GError **error)
{
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (GError) local = NULL;

  if (a->dtype != PS_DTYPE_F32 || a->ndim > PS_TENSOR_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "nn.init here takes float32 tensors of at most %d "
                          "dimensions (got %s with %d)", PS_TENSOR_MAX_DIMS,
                          ps_array_dtype_torch_name (a->dtype), a->ndim);
      return FALSE;
    }
  t = ps_array_to_tensor (a, error);
  if (t == NULL)
    return FALSE;
  if (!ps_init_tensor (scheme, t, -1, rng, &local))
    {
      /* nn.init raises ValueError for what ps-init refuses (fans of a 1-D
       * tensor, an unknown nonlinearity, eye_ of a 3-D tensor) */
      ps_array_set_error (error, VALUE, "%s", local->message);
      return FALSE;
    }
  return ps_array_write_from (a, PS_DTYPE_F32, t->data, error);
}

/* F.one_hot: int64 indices → int64 (..., num_classes), PyTorch's checks in its order */
PsArray *
ps_array_one_hot (PsArray *a, int64_t num_classes, GError **error)
{
  g_autoptr (PsArray) c = NULL;
  int64_t shape[PS_ARRAY_MAX_DIMS];
  const int64_t *idx;
  int64_t *out;
  PsArray *r;

  if (a->dtype != PS_DTYPE_I64)
    {
      ps_array_set_error (error, RUNTIME, "one_hot is only applicable to index tensor.");
      return NULL;
    }
  if (a->ndim >= PS_ARRAY_MAX_DIMS)
    {
      ps_array_set_error (error, RUNTIME, "tensors of more than %d dimensions are not "
                          "supported", PS_ARRAY_MAX_DIMS);
      return NULL;
    }
  if ((c = ps_array_contiguous (a, error)) == NULL || (idx = ps_array_data (c, error)) == NULL)
    return NULL;
  if (c->numel == 0 && num_classes <= 0)
    {
      ps_array_set_error (error, RUNTIME, "Can not infer total number of classes from empty tensor.");
      return NULL;
    }
  for (int64_t i = 0; i < c->numel; i++)
    if (idx[i] < 0)
      {
        ps_array_set_error (error, RUNTIME, "Class values must be non-negative.");
        return NULL;
      }
  if (num_classes == -1)
    for (int64_t i = 0; i < c->numel; i++)
      num_classes = MAX (num_classes, idx[i] + 1);
  else
    for (int64_t i = 0; i < c->numel; i++)
      if (idx[i] >= num_classes)
        {
          ps_array_set_error (error, RUNTIME, "Class values must be smaller than num_classes.");
          return NULL;
        }
  memcpy (shape, c->shape, (size_t) c->ndim * sizeof (int64_t));
  shape[c->ndim] = num_classes;
  if ((r = ps_array_alloc (PS_DTYPE_I64, c->ndim + 1, shape, TRUE, error)) == NULL)
    return NULL;
  out = ps_array_data (r, error);
  for (int64_t i = 0; i < c->numel; i++)
    out[i * num_classes + idx[i]] = 1;
  return r;
}
