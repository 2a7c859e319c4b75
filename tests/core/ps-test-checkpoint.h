/* ps-test-checkpoint.h — small safetensors files of any dtype, built in
 * memory for the checkpoint tests (core and ui) */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

typedef struct
{
  const char *name;
  PsDtype     dtype;
  int         ndim;
  int64_t     shape[PS_SAFETENSORS_MAX_DIMS];
  const void *data;            /* numel elements of dtype, little-endian; NULL: zeros */
} PsTestTensor;

/* The bytes of a safetensors file holding tensors[0..n) in that order;
 * metadata is NULL or a NULL-terminated list of key, value, key, value...
 * The header is padded with spaces so that the data section starts at
 * offset shift modulo align (align 1: no padding). */
GBytes  *ps_test_st_build   (const PsTestTensor *tensors, guint n, const char *const *metadata,
                             gsize align, gsize shift);
/* Write bytes to path; aborts on error. */
void     ps_test_st_write   (const char *path, GBytes *bytes);

/* Encode n values as dtype (round to nearest; integers truncate toward 0,
 * BOOL is x != 0) into out, ps_dtype_size (dtype) * n bytes. */
void     ps_test_encode     (PsDtype dtype, const double *values, int64_t n, guint8 *out);

const char *ps_test_dtype_name (PsDtype dtype);

G_END_DECLS
