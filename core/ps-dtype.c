/* ps-dtype.c — element types (see ps-dtype.h) */
#include "ps-dtype.h"

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
