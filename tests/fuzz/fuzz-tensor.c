/* fuzz-tensor.c — the tensor library driven by arbitrary bytes
 *
 * The bytes are a program for a small machine with eight array registers:
 * each instruction makes an array (zeros, arange, rand, randn, from values,
 * eye) or applies an op (unary, binary with any op and dtype mix, index
 * with ints / slices with extreme bounds / None / ellipsis / masks,
 * index_put, reshape / view / expand / transpose / permute / squeeze,
 * reductions, matmul, cat, stack, in-place ops, requires_grad and backward,
 * repr with arbitrary print options).  Every call must either succeed or
 * fail with a GError, never crash, leak or hit undefined behaviour.
 */
#include "paramscope.h"
#include "fuzz-common.h"

#include <math.h>
#include <string.h>

#define NREG 8

typedef struct
{
  const uint8_t *p;
  size_t         n;
} Bytes;

static int
take (Bytes *b)
{
  if (b->n == 0)
    return 0;
  b->n--;
  return *b->p++;
}

static int64_t
take_int (Bytes *b)
{
  int k = take (b);

  switch (k & 7)
    {
    case 0: return G_MININT64;
    case 1: return G_MAXINT64;
    case 2: return -(int64_t) (take (b) % 9);
    default: return take (b) % 9;
    }
}

static PsDtype
take_dtype (Bytes *b)
{
  static const PsDtype d[4] = { PS_DTYPE_F32, PS_DTYPE_F64, PS_DTYPE_I64, PS_DTYPE_BOOL };
  return d[take (b) & 3];
}

static int
take_shape (Bytes *b, int64_t *shape)
{
  int ndim = take (b) % 5;

  for (int d = 0; d < ndim; d++)
    shape[d] = take (b) % 5;
  return ndim;
}

static void
set (PsArray **reg, int i, PsArray *a)
{
  if (a == NULL)
    return;
  if (reg[i])
    ps_array_unref (reg[i]);
  reg[i] = a;
}

#define CHECK(call) \
  do { if (!(call)) { g_assert (error != NULL); g_clear_error (&error); } else g_assert (error == NULL); } while (0)

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  ps_array_set_memory_cap (64 << 20);
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  PsArray *reg[NREG] = { 0 };
  Bytes b = { data, size };
  PsRng rng;
  GError *error = NULL;
  int steps = 0, no_grad = 0;

  ps_rng_seed (&rng, 0);
  for (int i = 0; i < NREG; i++)
    reg[i] = ps_array_new_zeros (PS_DTYPE_F32, 0, NULL, NULL);
  while (b.n > 0 && steps++ < 64)
    {
      int op = take (&b), dst = take (&b) % NREG, x = take (&b) % NREG, y = take (&b) % NREG;
      int64_t shape[PS_ARRAY_MAX_DIMS];
      PsArray *r = NULL;
      int ndim;

      switch (op % 24)
        {
        case 0:
          ndim = take_shape (&b, shape);
          r = ps_array_new_zeros (take_dtype (&b), ndim, shape, &error);
          break;
        case 1:
          r = ps_array_new_arange (ps_scalar_int (take_int (&b)), ps_scalar_int (take_int (&b)),
                                   ps_scalar_int (take_int (&b)), -1, &error);
          break;
        case 2:
          ndim = take_shape (&b, shape);
          r = (take (&b) & 1) ? ps_array_new_randn (&rng, take_dtype (&b), ndim, shape, &error)
                              : ps_array_new_rand (&rng, take_dtype (&b), ndim, shape, &error);
          break;
        case 3:
          r = ps_array_unary ((PsUnaryOp) (take (&b) % (PS_UNARY_RECIPROCAL + 1)), reg[x], &error);
          break;
        case 4:
          r = ps_array_binary ((PsBinaryOp) (take (&b) % (PS_BINARY_XOR + 1)), reg[x], reg[y],
                               &error);
          break;
        case 5:
          CHECK (ps_array_binary_ ((PsBinaryOp) (take (&b) % (PS_BINARY_XOR + 1)), reg[x],
                                   reg[y], &error));
          continue;
        case 6:
        case 7:
          {
            PsIndex ix[4];
            int n = take (&b) % 5;
            for (int k = 0; k < n; k++)
              {
                int kind = take (&b) % 5;
                memset (&ix[k], 0, sizeof ix[k]);
                ix[k].kind = (PsIndexKind) kind;
                ix[k].i = take_int (&b);
                ix[k].has_start = take (&b) & 1;
                ix[k].has_stop = take (&b) & 1;
                ix[k].start = take_int (&b);
                ix[k].stop = take_int (&b);
                ix[k].step = take_int (&b);
                ix[k].array = reg[take (&b) % NREG];
              }
            if (op % 24 == 7)
              {
                CHECK (ps_array_index_put (reg[x], ix, n, reg[y], &error));
                continue;
              }
            r = ps_array_index (reg[x], ix, n, &error);
          }
          break;
        case 8:
          ndim = take_shape (&b, shape);
          if (take (&b) & 1)
            shape[0] = -1;
          r = (take (&b) & 1) ? ps_array_view (reg[x], ndim, shape, &error)
                              : ps_array_reshape (reg[x], ndim, shape, &error);
          break;
        case 9:
          ndim = take_shape (&b, shape);
          r = ps_array_expand (reg[x], ndim, shape, &error);
          break;
        case 10:
          r = ps_array_transpose (reg[x], (int) take_int (&b) % 9, (int) take_int (&b) % 9,
                                  &error);
          break;
        case 11:
          {
            int dims[PS_ARRAY_MAX_DIMS], n = take (&b) % 4;
            for (int k = 0; k < n; k++)
              dims[k] = (int) (take_int (&b) % 9);
            switch (take (&b) % 4)
              {
              case 0: r = ps_array_sum (reg[x], dims, n, take (&b) & 1, &error); break;
              case 1: r = ps_array_mean (reg[x], dims, n, take (&b) & 1, &error); break;
              case 2: r = ps_array_std (reg[x], dims, n, TRUE, take (&b) & 1, &error); break;
              default: r = ps_array_norm (reg[x], 2, dims, n, take (&b) & 1, &error); break;
              }
          }
          break;
        case 12:
          r = ps_array_matmul (reg[x], reg[y], &error);
          break;
        case 13:
          {
            PsArray *two[2] = { reg[x], reg[y] };
            r = (take (&b) & 1) ? ps_array_cat (two, 2, (int) (take_int (&b) % 9), &error)
                                : ps_array_stack (two, 2, (int) (take_int (&b) % 9), &error);
          }
          break;
        case 14:
          CHECK (ps_array_set_requires_grad (reg[x], take (&b) & 1, &error));
          continue;
        case 15:
          CHECK (ps_array_backward (reg[x], (take (&b) & 1) ? reg[y] : NULL, take (&b) & 1,
                                    &error));
          continue;
        case 16:
          {
            PsPrintOptions o;
            g_autofree char *s = NULL;
            ps_print_options_init (&o);
            o.precision = take (&b) % 12;
            o.threshold = take (&b) % 40;
            o.edgeitems = take (&b) % 5;
            o.linewidth = take (&b) % 120;
            o.sci_mode = take (&b) % 3 - 1;
            s = ps_array_repr (reg[x], &o);
            g_assert (s != NULL);
          }
          continue;
        case 17:
          {
            PsArray *v = NULL, *i = NULL;
            CHECK (ps_array_max_dim (reg[x], (int) (take_int (&b) % 9), take (&b) & 1, &v, &i,
                                     &error));
            if (v)
              ps_array_unref (v);
            set (reg, dst, i);
          }
          continue;
        case 18:
          r = (take (&b) & 1) ? ps_array_max_all (reg[x], &error) : ps_array_min_all (reg[x], &error);
          break;
        case 19:
          r = ps_array_to_dtype (reg[x], take_dtype (&b), &error);
          break;
        case 20:
          CHECK ((take (&b) & 1) ? ps_array_normal_ (reg[x], &rng, 0, 1, &error)
                                 : ps_array_fill_ (reg[x], ps_scalar_float (take_int (&b)), &error));
          continue;
        case 21:
          if (no_grad < 4 && (take (&b) & 1))
            {
              ps_autograd_no_grad_push ();
              no_grad++;
            }
          else if (no_grad > 0)
            {
              ps_autograd_no_grad_pop ();
              no_grad--;
            }
          continue;
        case 22:
          r = ps_array_linear (reg[x], reg[y], (take (&b) & 1) ? reg[dst] : NULL, &error);
          break;
        default:
          {
            PsScalar lo = ps_scalar_float (-1), hi = ps_scalar_float (1);
            r = (take (&b) & 1) ? ps_array_clamp (reg[x], &lo, &hi, &error)
                                : ps_array_pow_scalar (reg[x], ps_scalar_int (take_int (&b) % 4),
                                                       &error);
          }
          break;
        }
      if (r == NULL)
        {
          if (error == NULL)
            g_error ("instruction %d returned no array and no error", op % 24);
          g_clear_error (&error);
        }
      else
        {
          g_assert (error == NULL);
          set (reg, dst, r);
        }
    }
  while (no_grad-- > 0)
    ps_autograd_no_grad_pop ();
  for (int i = 0; i < NREG; i++)
    ps_array_unref (reg[i]);
  g_assert (ps_array_memory_in_use () == 0);
  return 0;
}
