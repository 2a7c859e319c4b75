/* ps-dtype.h — element types: sizes, names and conversion to float32
 *
 * The element types of the safetensors format, of torch.save files and of
 * the interpreter's tensors.  Every other file asks this one what an
 * element is: its size, its safetensors name ("BF16"), its torch name
 * ("torch.bfloat16").
 *
 *   int size = ps_dtype_size (PS_DTYPE_BF16);             // 2
 *   PsDtype d;  ps_dtype_from_name ("F16", &d);
 */
#pragma once

#include <glib.h>
#include <stdint.h>

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

G_END_DECLS
