/* ps-bench-tensor.h — `paramscope-bench tensor` */
#pragma once

#include "paramscope.h"

G_BEGIN_DECLS

/* Prints the figures on stdout; 0, or 1 with error set. */
int ps_bench_tensor (GError **error);

G_END_DECLS
