/* ps-dtype.c — element types (see ps-dtype.h) */
#include "ps-dtype.h"
#include "ps-util.h"

#include <math.h>
#include <string.h>

static const struct
{
  const char *name;
  int         size;
  gboolean    is_float;
} dtypes[PS_N_DTYPES] = {
  [PS_DTYPE_F32]  = { "F32", 4, TRUE },
  [PS_DTYPE_F16]  = { "F16", 2, TRUE },
  [PS_DTYPE_BF16] = { "BF16", 2, TRUE },
  [PS_DTYPE_F64]  = { "F64", 8, TRUE },
  [PS_DTYPE_I64]  = { "I64", 8, FALSE },
  [PS_DTYPE_I32]  = { "I32", 4, FALSE },
  [PS_DTYPE_I16]  = { "I16", 2, FALSE },
  [PS_DTYPE_I8]   = { "I8", 1, FALSE },
  [PS_DTYPE_U8]   = { "U8", 1, FALSE },
  [PS_DTYPE_BOOL] = { "BOOL", 1, FALSE },
};

int
ps_dtype_size (PsDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < PS_N_DTYPES, 0);
  return dtypes[dtype].size;
}

const char *
ps_dtype_name (PsDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < PS_N_DTYPES, NULL);
  return dtypes[dtype].name;
}

gboolean
ps_dtype_from_name (const char *name, PsDtype *dtype)
{
  for (guint i = 0; i < PS_N_DTYPES; i++)
    if (strcmp (name, dtypes[i].name) == 0)
      {
        *dtype = (PsDtype) i;
        return TRUE;
      }
  return FALSE;
}

gboolean
ps_dtype_is_float (PsDtype dtype)
{
  g_return_val_if_fail ((guint) dtype < PS_N_DTYPES, FALSE);
  return dtypes[dtype].is_float;
}

/* ---- conversion ------------------------------------------------------------- */

/* One element of C type T at p (any alignment) as a float. */
#define DEFINE_LOAD(NAME, T)                                                          \
static inline float                                                                   \
load_##NAME (const guint8 *p)                                                         \
{                                                                                     \
  T v;                                                                                \
  memcpy (&v, p, sizeof v);                                                           \
  return (float) v;                                                                   \
}

DEFINE_LOAD (f32, float)
DEFINE_LOAD (f64, double)
DEFINE_LOAD (i64, gint64)
DEFINE_LOAD (i32, gint32)
DEFINE_LOAD (i16, gint16)
DEFINE_LOAD (i8, gint8)
DEFINE_LOAD (u8, guint8)

static inline float
load_f16 (const guint8 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return ps_f16_to_f32 (h);
}

static inline float
load_bf16 (const guint8 *p)
{
  guint16 h;
  memcpy (&h, p, 2);
  return ps_bf16_to_f32 (h);
}

static inline float
load_bool (const guint8 *p)
{
  return *p != 0 ? 1.f : 0.f;
}

/* The contiguous case is a loop of its own, so that the compiler vectorizes
 * it (and builds an AVX2 clone of it). */
#define DEFINE_ROW(NAME, LOAD, SIZE)                                                  \
PS_SIMD_CLONES static void                                                            \
row_##NAME (const guint8 *p, int64_t step, int64_t n, float *restrict dst)            \
{                                                                                     \
  if (step == SIZE)                                                                   \
    for (int64_t i = 0; i < n; i++)                                                   \
      dst[i] = LOAD (p + i * SIZE);                                                   \
  else                                                                                \
    for (int64_t i = 0; i < n; i++)                                                   \
      dst[i] = LOAD (p + i * step);                                                   \
}

DEFINE_ROW (f16, load_f16, 2)
DEFINE_ROW (bf16, load_bf16, 2)
DEFINE_ROW (f64, load_f64, 8)
DEFINE_ROW (i64, load_i64, 8)
DEFINE_ROW (i32, load_i32, 4)
DEFINE_ROW (i16, load_i16, 2)
DEFINE_ROW (i8, load_i8, 1)
DEFINE_ROW (u8, load_u8, 1)
DEFINE_ROW (bool, load_bool, 1)

static void
row_f32 (const guint8 *p, int64_t step, int64_t n, float *restrict dst)
{
  if (step == 4)
    memcpy (dst, p, (size_t) n * 4);
  else
    for (int64_t i = 0; i < n; i++)
      dst[i] = load_f32 (p + i * step);
}

void
ps_dtype_row_to_f32 (PsDtype dtype, const void *src, int64_t stride, int64_t n, float *dst)
{
  const guint8 *p = src;
  int64_t step;

  g_return_if_fail ((guint) dtype < PS_N_DTYPES && n >= 0);
  if (n == 0)
    return;
  step = stride * dtypes[dtype].size;
  switch (dtype)
    {
    case PS_DTYPE_F32:  row_f32 (p, step, n, dst); break;
    case PS_DTYPE_F16:  row_f16 (p, step, n, dst); break;
    case PS_DTYPE_BF16: row_bf16 (p, step, n, dst); break;
    case PS_DTYPE_F64:  row_f64 (p, step, n, dst); break;
    case PS_DTYPE_I64:  row_i64 (p, step, n, dst); break;
    case PS_DTYPE_I32:  row_i32 (p, step, n, dst); break;
    case PS_DTYPE_I16:  row_i16 (p, step, n, dst); break;
    case PS_DTYPE_I8:   row_i8 (p, step, n, dst); break;
    case PS_DTYPE_U8:   row_u8 (p, step, n, dst); break;
    case PS_DTYPE_BOOL: row_bool (p, step, n, dst); break;
    }
}

double
ps_dtype_load_double (PsDtype dtype, const void *p)
{
  g_return_val_if_fail ((guint) dtype < PS_N_DTYPES, NAN);
  switch (dtype)
    {
    case PS_DTYPE_F64:
      {
        double v;
        memcpy (&v, p, 8);
        return v;
      }
    case PS_DTYPE_I64:
      {
        gint64 v;
        memcpy (&v, p, 8);
        return (double) v;
      }
    case PS_DTYPE_I32:
      {
        gint32 v;
        memcpy (&v, p, 4);
        return v;
      }
    default:
      {
        float f;
        ps_dtype_row_to_f32 (dtype, p, 1, 1, &f);
        return f;
      }
    }
}
