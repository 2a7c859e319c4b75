/* ps-util.h — small shared helpers (private to core) */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The loops where a view or a statistic spends its time: on x86-64 GCC also
 * builds an AVX2 version of each, chosen at load time when the CPU has it
 * (twice the lanes of the SSE2 baseline). */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) \
    && !defined(__SANITIZE_THREAD__)
/* (Not under ThreadSanitizer: the clones' resolvers run at load time, before
 * its runtime is ready.) */
#define PS_SIMD_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define PS_SIMD_CLONES
#endif

/* For the small helpers that take or return vectors inside those kernels:
 * the default and the AVX2 clones pass a 32-byte vector differently, so a
 * helper that were called rather than inlined would be called with the
 * other convention.  Inlined always, no vector crosses a call. */
#define PS_VECTOR_INLINE static inline __attribute__ ((always_inline))

/* A double as Python's repr() writes it: "0.01", "1e-05", "2.0", "inf". */
char *ps_python_float_repr (double v);

/* How many bytes of parameters a model may have (PARAMSCOPE_MAX_PARAM_GIB,
 * default 4 GiB): a model file asking for more is refused with a message
 * instead of the system killing the process. */
gint64 ps_param_budget_bytes (void);

G_END_DECLS
