/* ps-dtype.h — element types: sizes, names and conversion to float32
 *
 * The element types of the safetensors format, of torch.save files and of
 * the interpreter's tensors.  Every other file asks this one what an
 * element is: its size, its safetensors name ("BF16"), and how it reads as
 * float32 (for display and statistics) or exactly (for a readout).  This is
 * the one implementation of those conversions.
 *
 *   int size = ps_dtype_size (PS_DTYPE_BF16);             // 2
 *   PsDtype d;  ps_dtype_from_name ("F16", &d);
 *   ps_dtype_row_to_f32 (PS_DTYPE_F16, bytes, 1, n, out); // n halves -> n floats
 *   ps_dtype_row_to_f32 (PS_DTYPE_BF16, col, cols, rows, out);   // a column of a matrix
 *
 * Elements are little-endian (the formats' byte order and the host's) and
 * may sit at any address: nothing here assumes alignment.  Conversions to
 * float32 are exact for F16 and BF16 (subnormals, signed zeros, infinities;
 * a NaN stays a NaN), round to nearest for F64 and for integers beyond 2^24,
 * and give 0 or 1 for BOOL.
 */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <string.h>

G_BEGIN_DECLS

typedef enum
{
  PS_DTYPE_F32, PS_DTYPE_F16, PS_DTYPE_BF16, PS_DTYPE_F64,
  PS_DTYPE_I64, PS_DTYPE_I32, PS_DTYPE_I16, PS_DTYPE_I8, PS_DTYPE_U8, PS_DTYPE_BOOL,
} PsDtype;

#define PS_N_DTYPES (PS_DTYPE_BOOL + 1)

/* Bytes per element. */
int         ps_dtype_size        (PsDtype dtype);
/* The safetensors name: "F32", "BF16", "BOOL". */
const char *ps_dtype_name        (PsDtype dtype);
/* The safetensors name to a dtype; FALSE if unknown. */
gboolean    ps_dtype_from_name   (const char *name, PsDtype *dtype);
/* TRUE for F32, F16, BF16, F64. */
gboolean    ps_dtype_is_float    (PsDtype dtype);

/* n elements of dtype, stride elements apart from src, as float32:
 * src: element i at src + i * stride * size   dst: n floats (contiguous) */
void        ps_dtype_row_to_f32  (PsDtype dtype, const void *src, int64_t stride, int64_t n,
                                  float *dst);
/* One element as a double, exactly for every dtype but I64 beyond 2^53. */
double      ps_dtype_load_double (PsDtype dtype, const void *p);

/* IEEE binary16 bits to float32, exactly, without a branch (so that loops
 * over it vectorize): the exponent and mantissa moved into float position
 * are off by a factor 2^112, which one multiplication fixes exactly,
 * subnormals included; infinities and NaNs get the all-ones exponent back. */
static inline float
ps_f16_to_f32 (guint16 h)
{
  guint32 em = h & 0x7fffu, bits = em << 13, special;
  float f;

  memcpy (&f, &bits, 4);
  f *= 0x1p112f;
  memcpy (&bits, &f, 4);
  special = 0u - (guint32) (em >= 0x7c00u);          /* all ones for Inf and NaN */
  bits = (bits & ~special) | ((0x7f800000u | (em << 13)) & special);
  bits |= (guint32) (h & 0x8000u) << 16;
  memcpy (&f, &bits, 4);
  return f;
}

/* bfloat16 bits to float32: the top half of a float. */
static inline float
ps_bf16_to_f32 (guint16 h)
{
  guint32 bits = (guint32) h << 16;
  float f;

  memcpy (&f, &bits, 4);
  return f;
}

G_END_DECLS
