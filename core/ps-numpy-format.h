/* ps-numpy-format.h — NumPy's repr() and str() of an array, character for character
 *
 * The Keras dialect prints arrays as NumPy does (a Variable's value=, a
 * tf.Tensor's numpy=, get_weights()).  The rules are NumPy's documented
 * defaults (np.get_printoptions()): precision 8 in 'maxprec' mode (each
 * value with its shortest round-trip digits, at most 8 after the point),
 * scientific notation when a non-zero |value| is below 1e-4, at or above
 * 1e8 or the ratio of largest to smallest exceeds 1000, 75 columns a line,
 * more than 1000 elements summarized with 3 edge items and "...".
 *
 *   double x[] = { 0, -0.44521675 };
 *   int64_t shape[] = { 2, 1 };
 *   char *s = ps_numpy_format (x, 2, shape, PS_NUMPY_FLOAT32, TRUE);
 *   // "array([[ 0.        ],\n       [-0.44521675]], dtype=float32)"
 *
 * Values are given as doubles in row-major order (float32 values exactly,
 * integers exactly up to 2^53).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

typedef enum
{
  PS_NUMPY_FLOAT32,
  PS_NUMPY_FLOAT64,
  PS_NUMPY_INT32,
  PS_NUMPY_INT64,
  PS_NUMPY_BOOL,
} PsNumpyDtype;

/* "float32", "float64", "int32", "int64", "bool" */
const char *ps_numpy_dtype_name (PsNumpyDtype dtype);

/* repr(a) (TRUE: "array([...], dtype=float32)") or str(a) ("[...]").
 * A 0-d array's str is its scalar's ("1.0").  Free with g_free. */
char       *ps_numpy_format     (const double *x, int ndim, const int64_t *shape,
                                 PsNumpyDtype dtype, gboolean repr);

/* str() / repr() of a NumPy scalar of that dtype: "1.0", "0.1", "3", "True". */
char       *ps_numpy_scalar_str (double v, PsNumpyDtype dtype);

G_END_DECLS
