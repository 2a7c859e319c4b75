/* ps-array.h — N-d strided tensors as PyTorch's torch.Tensor
 *
 * A PsArray is a view: a dtype, a shape, strides (in elements) and an offset
 * into a refcounted storage.  Views (index, slice, transpose, reshape when
 * the strides allow, expand, detach) share the storage, so writing through
 * one is seen through every other, as in PyTorch.  The storage is either
 * memory of its own or the values (or gradient) of a PsParam: then the
 * element pointer is looked up through the parameter at every access (an
 * undo or ps_param_exchange() never leaves a dangling pointer), and every
 * write ends with ps_param_changed() so that the window redraws.
 *
 *   g_autoptr (GError) error = NULL;
 *   g_autoptr (PsArray) w = ps_array_new_for_param (param);        // net[0].weight
 *   g_autoptr (PsArray) d = ps_array_detach (w);                   // .data
 *   PsIndex ix[2] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0) };
 *   g_autoptr (PsArray) v = ps_array_new_scalar (ps_scalar_int (42));
 *   ps_array_index_put (d, ix, 2, v, &error);                      // .data[0, 0] = 42
 *
 * Every operation that computes a new array records an autograd node when
 * grad mode is on and an input requires grad (see ps-autograd.h): the
 * result then prints `grad_fn=<AddBackward0>` and backward() reaches it.
 *
 * dtypes: PS_DTYPE_F32 (the default float), PS_DTYPE_F64, PS_DTYPE_I64 (the
 * default integer) and PS_DTYPE_BOOL.  Type promotion follows PyTorch:
 * the categories bool < integer < float; operands of dimension > 0 decide
 * within a category before 0-d tensors, and those before Python numbers
 * (ps_array_new_wrapped()): int64 tensor + 1.5 is float32, float32 tensor
 * + float64 0-d tensor is float32, int64 0-d + float32 1-d is float32.
 *
 * Errors are GErrors in PS_ARRAY_ERROR; the code names the Python exception
 * that PyTorch raises and the message is PyTorch's own text (so the
 * interpreter prints `RuntimeError: <message>`).  Allocation goes through
 * a byte budget (ps_array_memory_cap(), PARAMSCOPE_MAX_TENSOR_GIB or the
 * parameter budget): beyond it, or when malloc fails, a RuntimeError —
 * never an abort.
 *
 * Not thread-safe per array: one thread uses a graph of arrays at a time
 * (reference counts are atomic, so handing arrays over is fine).
 */
#pragma once

#include "ps-dtype.h"
#include "ps-init.h"
#include "ps-param.h"
#include "ps-rng.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

#define PS_ARRAY_MAX_DIMS 8

/* ------------------------------------------------------------------ errors */

#define PS_ARRAY_ERROR (ps_array_error_quark ())

/* The Python exception each error becomes. */
typedef enum
{
  PS_ARRAY_ERROR_RUNTIME,     /* RuntimeError (shapes, dtypes, autograd, memory) */
  PS_ARRAY_ERROR_INDEX,       /* IndexError   (index out of range, too many indices) */
  PS_ARRAY_ERROR_TYPE,        /* TypeError    (wrong kind of argument) */
  PS_ARRAY_ERROR_VALUE,       /* ValueError   (slice step <= 0, bad option value) */
} PsArrayErrorCode;

GQuark      ps_array_error_quark (void);
/* "RuntimeError", "IndexError", ... for an error of PS_ARRAY_ERROR. */
const char *ps_array_error_python_name (PsArrayErrorCode code);

/* ----------------------------------------------------------------- scalars */

/* A Python number (bool, int or float) or one element of an array. */
typedef enum
{
  PS_SCALAR_BOOL,
  PS_SCALAR_INT,
  PS_SCALAR_FLOAT,
} PsScalarKind;

typedef struct
{
  PsScalarKind kind;
  union
  {
    gboolean b;
    int64_t  i;
    double   f;
  } v;
} PsScalar;

static inline PsScalar ps_scalar_bool  (gboolean b) { PsScalar s = { PS_SCALAR_BOOL, { .b = !!b } }; return s; }
static inline PsScalar ps_scalar_int   (int64_t i)  { PsScalar s = { PS_SCALAR_INT, { .i = i } }; return s; }
static inline PsScalar ps_scalar_float (double f)   { PsScalar s = { PS_SCALAR_FLOAT, { .f = f } }; return s; }
/* The value as a double (bool 0/1, int rounded to nearest beyond 2^53). */
double      ps_scalar_to_double (PsScalar s);

/* ------------------------------------------------------------------ dtypes */

/* TRUE for the dtypes an array can hold: F32, F64, I64, BOOL. */
gboolean    ps_array_dtype_supported (PsDtype dtype);
/* "torch.float32", "torch.float64", "torch.int64", "torch.bool". */
const char *ps_array_dtype_torch_name (PsDtype dtype);
/* "float32", "float", "float64", "double", "int64", "long", "bool" (the
 * attribute names of the torch module) to a dtype; FALSE if not supported. */
gboolean    ps_array_dtype_from_torch_name (const char *name, PsDtype *dtype);
/* PyTorch's promote_types(a, b) for the supported dtypes. */
PsDtype     ps_array_dtype_promote (PsDtype a, PsDtype b);

/* -------------------------------------------------------------- the array */

typedef struct _PsArray PsArray;

PsArray    *ps_array_ref          (PsArray *a);
void        ps_array_unref        (PsArray *a);

PsDtype     ps_array_get_dtype    (const PsArray *a);
int         ps_array_get_ndim     (const PsArray *a);                 /* t.dim() */
const int64_t *ps_array_get_shape (const PsArray *a);                 /* ndim entries */
const int64_t *ps_array_get_strides (const PsArray *a);               /* in elements */
int64_t     ps_array_get_offset   (const PsArray *a);                 /* storage_offset() */
int64_t     ps_array_get_numel    (const PsArray *a);
/* t.size(dim), dim may be negative; IndexError "Dimension out of range ..." */
gboolean    ps_array_get_size     (const PsArray *a, int dim, int64_t *size, GError **error);
gboolean    ps_array_is_contiguous (const PsArray *a);
/* TRUE when a and b view the same storage (same memory). */
gboolean    ps_array_same_storage (const PsArray *a, const PsArray *b);
/* The parameter whose values or gradient a views, or NULL (borrowed). */
PsParam    *ps_array_get_param    (const PsArray *a);
/* TRUE for the array that *is* a parameter (ps_array_new_for_param()):
 * prints "Parameter containing:", type is torch.nn.parameter.Parameter. */
gboolean    ps_array_is_parameter (const PsArray *a);

/* One element: index holds ndim entries, each in range (asserted). */
PsScalar    ps_array_get_element  (const PsArray *a, const int64_t *index);
/* t.item(): the one element of a 1-element array, else RuntimeError
 * "a Tensor with 6 elements cannot be converted to Scalar". */
gboolean    ps_array_item         (const PsArray *a, PsScalar *value, GError **error);
/* All elements in row-major order as doubles (n = numel), for tolist() and
 * displays; caller frees.  NULL only if a parameter's storage is gone. */
double     *ps_array_to_doubles   (const PsArray *a, GError **error);
/* All elements in row-major order converted to dtype (exact for int64),
 * written to dst (numel elements of dtype). */
gboolean    ps_array_read         (const PsArray *a, PsDtype dtype, void *dst, GError **error);
/* A contiguous float32 copy (ndim <= PS_TENSOR_MAX_DIMS) for the rest of
 * the core (tape, heatmaps). */
PsTensor   *ps_array_to_tensor    (const PsArray *a, GError **error);

/* ------------------------------------------------------------ construction
 * ndim <= PS_ARRAY_MAX_DIMS, every size >= 0; dtype one of the supported.
 * NULL with an error on a negative size or beyond the memory cap. */

PsArray    *ps_array_new_empty    (PsDtype dtype, int ndim, const int64_t *shape, GError **error);
PsArray    *ps_array_new_zeros    (PsDtype dtype, int ndim, const int64_t *shape, GError **error);
PsArray    *ps_array_new_ones     (PsDtype dtype, int ndim, const int64_t *shape, GError **error);
PsArray    *ps_array_new_full     (PsDtype dtype, int ndim, const int64_t *shape, PsScalar value,
                                   GError **error);
/* torch.full without dtype: the dtype of value (bool, int64 or float32). */
PsDtype     ps_scalar_default_dtype (PsScalar value);
/* torch.arange(start, end, step): int64 if all three are ints, else float32
 * (dtype: -1 for that rule, or a dtype). Errors in PyTorch's words. */
PsArray    *ps_array_new_arange   (PsScalar start, PsScalar end, PsScalar step, int dtype,
                                   GError **error);
/* torch.eye(n, m): m < 0 means m = n. */
PsArray    *ps_array_new_eye      (PsDtype dtype, int64_t n, int64_t m, GError **error);
/* torch.tensor(data): values in row-major order (n = product of shape).
 * dtype -1 infers as PyTorch: any float -> float32, else any int -> int64,
 * else bool.  Values convert to the dtype (float -> int truncates). */
PsArray    *ps_array_new_from_scalars (const PsScalar *values, int ndim, const int64_t *shape,
                                       int dtype, GError **error);
/* A 0-d tensor: torch.tensor(3.5). */
PsArray    *ps_array_new_scalar   (PsScalar value);
/* A Python number as an operand of arithmetic (`t + 1.5`): 0-d, marked as
 * a wrapped number for type promotion (int -> int64, float -> float64
 * storage, but it never raises the result's float dtype). */
PsArray    *ps_array_new_wrapped  (PsScalar value);
/* float32 values of a PsTensor, copied. */
PsArray    *ps_array_new_from_tensor (const PsTensor *t, GError **error);
/* torch.rand / torch.randn with PyTorch's exact bits for the same
 * generator state (float32 or float64). */
PsArray    *ps_array_new_rand     (PsRng *rng, PsDtype dtype, int ndim, const int64_t *shape,
                                   GError **error);
PsArray    *ps_array_new_randn    (PsRng *rng, PsDtype dtype, int ndim, const int64_t *shape,
                                   GError **error);
/* F.one_hot(a, num_classes): a int64 indices, num_classes -1 for a's max + 1;
 * int64 of a's shape and one more dimension.  PyTorch's RuntimeErrors for a
 * float a, a negative index or one not below num_classes. */
PsArray    *ps_array_one_hot      (PsArray *a, int64_t num_classes, GError **error);

/* The parameter itself (a leaf; requires_grad as the parameter's flag).
 * Its storage is the parameter's data, looked up at each access; its .grad
 * is the parameter's gradient.  RuntimeError for an uninitialized (lazy)
 * parameter. */
PsArray    *ps_array_new_for_param (PsParam *param, GError **error);
/* param.grad as a view of the parameter's gradient buffer, or NULL when the
 * gradient is absent (None). */
PsArray    *ps_array_new_for_param_grad (PsParam *param);

/* t.clone(): a contiguous copy with the same dtype (records CloneBackward0). */
PsArray    *ps_array_clone        (PsArray *a, GError **error);
/* t.detach() and t.data: the same storage, no grad, not a parameter. */
PsArray    *ps_array_detach       (PsArray *a);
/* t.contiguous(): a itself (new reference) when already contiguous. */
PsArray    *ps_array_contiguous   (PsArray *a, GError **error);
/* t.to(dtype) / t.float() / t.long(): a itself (new reference) when the
 * dtype is already that (ToCopyBackward0 when grad flows). */
PsArray    *ps_array_to_dtype     (PsArray *a, PsDtype dtype, GError **error);

/* ------------------------------------------------------------------ views */

typedef enum
{
  PS_INDEX_INT,          /* t[2], t[-1]: removes the dimension */
  PS_INDEX_SLICE,        /* t[1:3], t[::2], t[:]: a view */
  PS_INDEX_NONE,         /* t[None]: a new dimension of size 1 */
  PS_INDEX_ELLIPSIS,     /* t[..., 0] */
  PS_INDEX_ARRAY,        /* bool mask (selects, copies) or int64 indices (gathers, copies) */
} PsIndexKind;

typedef struct
{
  PsIndexKind kind;
  int64_t     i;                         /* INT */
  gboolean    has_start, has_stop;       /* SLICE: absent bounds as Python's None */
  int64_t     start, stop, step;         /* SLICE: step 0 means 1; < 0 is a ValueError */
  PsArray    *array;                     /* ARRAY: borrowed */
} PsIndex;

#define PS_INDEX_INT_INIT(n)  { PS_INDEX_INT, (n), FALSE, FALSE, 0, 0, 0, NULL }
#define PS_INDEX_ALL_INIT     { PS_INDEX_SLICE, 0, FALSE, FALSE, 0, 0, 0, NULL }
#define PS_INDEX_NONE_INIT    { PS_INDEX_NONE, 0, FALSE, FALSE, 0, 0, 0, NULL }
#define PS_INDEX_ELLIPSIS_INIT { PS_INDEX_ELLIPSIS, 0, FALSE, FALSE, 0, 0, 0, NULL }

/* t[idx...]: a view unless an ARRAY index is among them.  IndexError as
 * PyTorch: "index 5 is out of bounds for dimension 0 with size 3",
 * "too many indices for tensor of dimension 2". */
PsArray    *ps_array_index        (PsArray *a, const PsIndex *idx, int n_idx, GError **error);
/* t[idx...] = value (broadcast to the selected shape, converted to a's dtype).
 * In place: the autograd rules of in-place operations apply; a parameter's
 * listeners hear of it. */
gboolean    ps_array_index_put    (PsArray *a, const PsIndex *idx, int n_idx, PsArray *value,
                                   GError **error);

/* t.reshape(shape): a view when the strides allow, else a copy.  One entry
 * may be -1.  RuntimeError "shape '[2, 5]' is invalid for input of size 6". */
PsArray    *ps_array_reshape      (PsArray *a, int ndim, const int64_t *shape, GError **error);
/* t.view(shape): only a view; otherwise RuntimeError "view size is not
 * compatible with input tensor's size and stride (...). Use .reshape(...)
 * instead." */
PsArray    *ps_array_view         (PsArray *a, int ndim, const int64_t *shape, GError **error);
/* torch.flatten(t, start_dim, end_dim) */
PsArray    *ps_array_flatten      (PsArray *a, int start_dim, int end_dim, GError **error);
PsArray    *ps_array_squeeze      (PsArray *a, int dim, gboolean all, GError **error);
PsArray    *ps_array_unsqueeze    (PsArray *a, int dim, GError **error);
/* t.transpose(d0, d1); t.t() (<= 2-D, else RuntimeError "t() expects a
 * tensor with <= 2 dimensions, but self is 3D"); t.T (reverses all dims). */
PsArray    *ps_array_transpose    (PsArray *a, int dim0, int dim1, GError **error);
PsArray    *ps_array_t            (PsArray *a, GError **error);
PsArray    *ps_array_T            (PsArray *a, GError **error);
PsArray    *ps_array_permute      (PsArray *a, const int *dims, int n, GError **error);
/* t.expand(shape) (-1 keeps a size); a view with stride 0. */
PsArray    *ps_array_expand       (PsArray *a, int ndim, const int64_t *shape, GError **error);
/* The broadcast shape of a and b, PyTorch's error text otherwise. */
gboolean    ps_array_broadcast_shape (int ndim_a, const int64_t *shape_a,
                                      int ndim_b, const int64_t *shape_b,
                                      int *ndim, int64_t *shape, GError **error);

/* -------------------------------------------------------------------- ops */

typedef enum
{
  PS_UNARY_NEG,
  PS_UNARY_ABS,
  PS_UNARY_EXP,
  PS_UNARY_LOG,
  PS_UNARY_SQRT,
  PS_UNARY_SIN,
  PS_UNARY_COS,
  PS_UNARY_RELU,
  PS_UNARY_SIGMOID,
  PS_UNARY_TANH,
  PS_UNARY_GELU,           /* erf form */
  PS_UNARY_GELU_TANH,      /* approximate='tanh' */
  PS_UNARY_LOGICAL_NOT,    /* ~bool (bitwise not of int64) */
  PS_UNARY_RECIPROCAL,     /* 1 / x */
} PsUnaryOp;

/* The result of an integer input to EXP, LOG, SQRT, SIN, COS, SIGMOID, TANH
 * is float32 as in PyTorch; RELU/GELU of bool are RuntimeErrors. */
PsArray    *ps_array_unary        (PsUnaryOp op, PsArray *a, GError **error);
gboolean    ps_array_unary_       (PsUnaryOp op, PsArray *a, GError **error);    /* in place */
/* F.leaky_relu(x, negative_slope) */
PsArray    *ps_array_leaky_relu   (PsArray *a, double negative_slope, GError **error);
/* t ** exponent (PowBackward0); torch.clamp(t, min, max) (NULL: absent). */
PsArray    *ps_array_pow_scalar   (PsArray *a, PsScalar exponent, GError **error);
PsArray    *ps_array_clamp        (PsArray *a, const PsScalar *min, const PsScalar *max,
                                   GError **error);

typedef enum
{
  PS_BINARY_ADD,
  PS_BINARY_SUB,
  PS_BINARY_MUL,
  PS_BINARY_DIV,           /* true division: int / int is float32 */
  PS_BINARY_FLOOR_DIV,     /* // */
  PS_BINARY_REMAINDER,     /* % (sign of the divisor, as Python) */
  PS_BINARY_POW,           /* ** with a tensor exponent */
  PS_BINARY_MAXIMUM,
  PS_BINARY_MINIMUM,
  PS_BINARY_EQ,            /* comparisons give bool */
  PS_BINARY_NE,
  PS_BINARY_LT,
  PS_BINARY_LE,
  PS_BINARY_GT,
  PS_BINARY_GE,
  PS_BINARY_AND,           /* & | ^ on bool and int64 */
  PS_BINARY_OR,
  PS_BINARY_XOR,
} PsBinaryOp;

/* a OP b with broadcasting and type promotion.  A Python number is passed
 * as ps_array_new_wrapped(); `3 - t` is ps_array_binary (SUB, wrapped(3), t). */
PsArray    *ps_array_binary       (PsBinaryOp op, PsArray *a, PsArray *b, GError **error);
/* a OP= b in place (add_, sub_, mul_, div_, and `+=` on tensors): b broadcasts
 * to a's shape; the result dtype must cast to a's ("result type Float can't
 * be cast to the desired output type Long"). */
gboolean    ps_array_binary_      (PsBinaryOp op, PsArray *a, PsArray *b, GError **error);
/* torch.add(a, b, alpha=alpha) and a.add_(b, alpha=alpha). */
PsArray    *ps_array_add_scaled   (PsArray *a, PsArray *b, PsScalar alpha, GError **error);
/* torch.equal(a, b): same shape and values. */
gboolean    ps_array_equal        (PsArray *a, PsArray *b);

/* Reductions.  dims: n_dims dimensions (may be negative), or n_dims = 0 for
 * all; sum of bool/int64 is int64, mean of an integer array is a
 * RuntimeError as in PyTorch. */
PsArray    *ps_array_sum          (PsArray *a, const int *dims, int n_dims, gboolean keepdim,
                                   GError **error);
PsArray    *ps_array_mean         (PsArray *a, const int *dims, int n_dims, gboolean keepdim,
                                   GError **error);
/* t.std()/t.var() with Bessel's correction unless unbiased is FALSE. */
PsArray    *ps_array_std          (PsArray *a, const int *dims, int n_dims, gboolean unbiased,
                                   gboolean keepdim, GError **error);
/* t.max() / t.min() over everything (0-d); RuntimeError on an empty array. */
PsArray    *ps_array_max_all      (PsArray *a, GError **error);
PsArray    *ps_array_min_all      (PsArray *a, GError **error);
/* t.max(dim) / t.min(dim): values and int64 indices (torch.return_types.max). */
gboolean    ps_array_max_dim      (PsArray *a, int dim, gboolean keepdim, PsArray **values,
                                   PsArray **indices, GError **error);
gboolean    ps_array_min_dim      (PsArray *a, int dim, gboolean keepdim, PsArray **values,
                                   PsArray **indices, GError **error);
PsArray    *ps_array_argmax       (PsArray *a, const int *dim, gboolean keepdim, GError **error);
/* t.norm(p) over everything or dims (p = 2 the Frobenius / Euclidean norm). */
PsArray    *ps_array_norm         (PsArray *a, double p, const int *dims, int n_dims,
                                   gboolean keepdim, GError **error);

/* Matrix products: torch.mm (2-D x 2-D), torch.matmul (1-D .. N-D with
 * broadcasting of batch dims), torch.addmm(bias, x, w) = bias + x @ w.
 * RuntimeError "mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)". */
PsArray    *ps_array_mm           (PsArray *a, PsArray *b, GError **error);
PsArray    *ps_array_matmul       (PsArray *a, PsArray *b, GError **error);
PsArray    *ps_array_addmm        (PsArray *bias, PsArray *a, PsArray *b, GError **error);
/* F.linear(x, weight, bias): x (..., in)  weight (out, in)  bias (out) or NULL
 * -> (..., out); grad_fn as PyTorch (AddmmBackward0 for a 2-D x). */
PsArray    *ps_array_linear       (PsArray *x, PsArray *weight, PsArray *bias, GError **error);

/* torch.cat / torch.stack of n arrays along dim. */
PsArray    *ps_array_cat          (PsArray *const *arrays, int n, int dim, GError **error);
PsArray    *ps_array_stack        (PsArray *const *arrays, int n, int dim, GError **error);

/* In place.  Each returns FALSE with PyTorch's error for a leaf that
 * requires grad while grad mode is on ("a leaf Variable that requires grad
 * is being used in an in-place operation.").  Values convert to a's dtype. */
gboolean    ps_array_fill_        (PsArray *a, PsScalar value, GError **error);
gboolean    ps_array_zero_        (PsArray *a, GError **error);
/* a.copy_(src): src broadcasts to a's shape; any dtypes. */
gboolean    ps_array_copy_        (PsArray *a, PsArray *src, GError **error);
/* uniform_(from, to) and normal_(mean, std) with PyTorch's exact bits
 * (float32/float64 arrays; any strides: filled in row-major order). */
gboolean    ps_array_uniform_     (PsArray *a, PsRng *rng, double from, double to, GError **error);
gboolean    ps_array_normal_      (PsArray *a, PsRng *rng, double mean, double std,
                                   GError **error);

/* nn.init.<scheme>_(a) (which runs under no_grad, so parameters are fine):
 * the scheme of ps-init.h with PyTorch's bits for a float32 array of at
 * most PS_TENSOR_MAX_DIMS dimensions, any strides (filled in row-major
 * order); fans as PyTorch computes them from a's shape.  A parameter's
 * listeners hear of it.  Other dtypes: RuntimeError; what the scheme
 * refuses (fans of a 1-D tensor): ValueError. */
gboolean    ps_array_init_        (PsArray *a, const PsInitScheme *scheme, PsRng *rng,
                                   GError **error);

/* ----------------------------------------------------------------- memory */

/* Bytes that arrays may hold at once (storage of their own; a parameter's
 * memory is the parameter's).  Default: PARAMSCOPE_MAX_TENSOR_GIB, else
 * ps_param_budget_bytes().  0 sets it back to the default. */
gint64      ps_array_memory_cap   (void);
void        ps_array_set_memory_cap (gint64 bytes);
gint64      ps_array_memory_in_use (void);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsArray, ps_array_unref)

G_END_DECLS
