/* test-array.c — PsArray: views share storage, indexing, broadcasting,
 * PyTorch's type promotion, reshape/view rules, the memory cap and errors
 * in PyTorch's words
 */
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

static GError *err;

static PsArray *
arange_f (int ndim, const int64_t *shape)
{
  g_autoptr (PsArray) r = ps_array_new_arange (ps_scalar_int (0),
                                               ps_scalar_int (ps_shape_numel (ndim, shape)),
                                               ps_scalar_int (1), PS_DTYPE_F32, &err);
  g_assert_no_error (err);
  return ps_array_reshape (r, ndim, shape, &err);
}

static double
at2 (PsArray *a, int64_t i, int64_t j)
{
  int64_t idx[2] = { i, j };
  return ps_scalar_to_double (ps_array_get_element (a, idx));
}

static char *
repr (PsArray *a)
{
  return ps_array_repr (a, NULL);
}

static void
test_views_share (void)
{
  int64_t s[2] = { 3, 4 };
  g_autoptr (PsArray) a = arange_f (2, s);
  PsIndex row = PS_INDEX_INT_INIT (1);
  PsIndex cols[2] = { PS_INDEX_ALL_INIT, { PS_INDEX_SLICE, 0, TRUE, FALSE, 1, 0, 2, NULL } };
  g_autoptr (PsArray) r = ps_array_index (a, &row, 1, &err);
  g_autoptr (PsArray) c = ps_array_index (a, cols, 2, &err);
  g_autoptr (PsArray) t = ps_array_t (a, &err);
  g_autoptr (PsArray) hundred = ps_array_new_wrapped (ps_scalar_int (100));

  g_assert_no_error (err);
  g_assert_true (ps_array_same_storage (a, r));
  g_assert_cmpint (ps_array_get_shape (c)[1], ==, 2);     /* columns 1 and 3 */
  /* writing through the row view changes a, its transpose and the column view */
  g_assert_true (ps_array_fill_ (r, ps_scalar_int (-1), &err));
  g_assert_cmpfloat (at2 (a, 1, 3), ==, -1);
  g_assert_cmpfloat (at2 (t, 3, 1), ==, -1);
  g_assert_cmpfloat (at2 (c, 1, 1), ==, -1);
  g_assert_cmpfloat (at2 (a, 0, 3), ==, 3);
  /* t is not contiguous: view refuses, reshape copies */
  {
    int64_t n = 12;
    g_autoptr (PsArray) v = ps_array_view (t, 1, &n, &err);
    g_autoptr (PsArray) rs = NULL;
    g_assert_null (v);
    g_assert_cmpstr (err->message, ==, "view size is not compatible with input tensor's size and "
                                       "stride (at least one dimension spans across two contiguous "
                                       "subspaces). Use .reshape(...) instead.");
    g_clear_error (&err);
    rs = ps_array_reshape (t, 1, &n, &err);
    g_assert_no_error (err);
    g_assert_false (ps_array_same_storage (rs, t));
  }
  /* a view of a contiguous array shares memory; -1 is inferred */
  {
    int64_t s2[2] = { -1, 6 };
    g_autoptr (PsArray) v = ps_array_view (a, 2, s2, &err);
    g_assert_no_error (err);
    g_assert_cmpint (ps_array_get_shape (v)[0], ==, 2);
    ps_array_binary_ (PS_BINARY_ADD, v, hundred, &err);
    g_assert_no_error (err);
    g_assert_cmpfloat (at2 (a, 0, 0), ==, 100);
  }
  /* shape errors in PyTorch's words */
  {
    int64_t bad[2] = { 5, 2 };
    g_assert_null (ps_array_reshape (a, 2, bad, &err));
    g_assert_cmpstr (err->message, ==, "shape '[5, 2]' is invalid for input of size 12");
    g_clear_error (&err);
  }
}

static void
test_indexing (void)
{
  int64_t s[2] = { 3, 4 };
  g_autoptr (PsArray) a = arange_f (2, s);
  g_autoptr (PsArray) zero = ps_array_new_wrapped (ps_scalar_int (5));
  g_autoptr (PsArray) mask = ps_array_binary (PS_BINARY_GT, a, zero, &err);
  PsIndex m = { PS_INDEX_ARRAY, 0, FALSE, FALSE, 0, 0, 0, mask };
  g_autoptr (PsArray) sel = ps_array_index (a, &m, 1, &err);
  g_autofree char *sr = repr (sel);
  PsIndex bad = PS_INDEX_INT_INIT (3);
  PsIndex three[3] = { PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0), PS_INDEX_INT_INIT (0) };
  PsIndex none_ell[2] = { PS_INDEX_NONE_INIT, PS_INDEX_ELLIPSIS_INIT };

  g_assert_no_error (err);
  g_assert_cmpstr (sr, ==, "tensor([ 6.,  7.,  8.,  9., 10., 11.])");
  g_assert_false (ps_array_same_storage (sel, a));             /* a mask copies */
  g_assert_null (ps_array_index (a, &bad, 1, &err));
  g_assert_error (err, PS_ARRAY_ERROR, PS_ARRAY_ERROR_INDEX);
  g_assert_cmpstr (err->message, ==, "index 3 is out of bounds for dimension 0 with size 3");
  g_clear_error (&err);
  g_assert_null (ps_array_index (a, three, 3, &err));
  g_assert_cmpstr (err->message, ==, "too many indices for tensor of dimension 2");
  g_clear_error (&err);
  {
    g_autoptr (PsArray) u = ps_array_index (a, none_ell, 2, &err);
    g_assert_no_error (err);
    g_assert_cmpint (ps_array_get_ndim (u), ==, 3);
    g_assert_cmpint (ps_array_get_shape (u)[0], ==, 1);
  }
  /* a[a > 5] = 0 writes through the mask */
  {
    g_autoptr (PsArray) z = ps_array_new_wrapped (ps_scalar_int (0));
    g_autofree char *r = NULL;
    g_assert_true (ps_array_index_put (a, &m, 1, z, &err));
    r = repr (a);
    g_assert_cmpstr (r, ==, "tensor([[0., 1., 2., 3.],\n        [4., 5., 0., 0.],\n"
                            "        [0., 0., 0., 0.]])");
  }
  /* int64 index arrays gather rows */
  {
    PsScalar v[2] = { ps_scalar_int (2), ps_scalar_int (0) };
    int64_t two = 2;
    g_autoptr (PsArray) ix = ps_array_new_from_scalars (v, 1, &two, -1, &err);
    PsIndex ia = { PS_INDEX_ARRAY, 0, FALSE, FALSE, 0, 0, 0, ix };
    g_autoptr (PsArray) g = ps_array_index (a, &ia, 1, &err);
    g_assert_no_error (err);
    g_assert_cmpfloat (at2 (g, 1, 1), ==, 1);
    g_assert_cmpfloat (at2 (g, 0, 0), ==, 0);
  }
}

static void
test_broadcast_and_promotion (void)
{
  int64_t s31[2] = { 3, 1 }, s4 = 4, s3 = 3;
  g_autoptr (PsArray) a = ps_array_new_ones (PS_DTYPE_F32, 2, s31, &err);
  g_autoptr (PsArray) b = ps_array_new_ones (PS_DTYPE_I64, 1, &s4, &err);
  g_autoptr (PsArray) c = ps_array_new_ones (PS_DTYPE_I64, 1, &s3, &err);
  g_autoptr (PsArray) bl = ps_array_new_ones (PS_DTYPE_BOOL, 1, &s3, &err);
  g_autoptr (PsArray) d0 = ps_array_new_scalar (ps_scalar_float (2.5));
  g_autoptr (PsArray) f64_0d = NULL;
  g_autoptr (PsArray) half = ps_array_new_wrapped (ps_scalar_float (1.5));
  g_autoptr (PsArray) one = ps_array_new_wrapped (ps_scalar_int (1));
  g_autoptr (PsArray) sum = ps_array_binary (PS_BINARY_ADD, a, b, &err);
  g_autoptr (PsArray) r1 = NULL, r2 = NULL, r3 = NULL, r4 = NULL, r5 = NULL, r6 = NULL;

  g_assert_no_error (err);
  g_assert_cmpint (ps_array_get_ndim (sum), ==, 2);
  g_assert_cmpint (ps_array_get_shape (sum)[0], ==, 3);
  g_assert_cmpint (ps_array_get_shape (sum)[1], ==, 4);
  g_assert_cmpint (ps_array_get_dtype (sum), ==, PS_DTYPE_F32);
  /* int64 + 1.5 -> float32; int64 / int64 -> float32; bool + 1 -> int64 */
  r1 = ps_array_binary (PS_BINARY_ADD, c, half, &err);
  g_assert_cmpint (ps_array_get_dtype (r1), ==, PS_DTYPE_F32);
  r2 = ps_array_binary (PS_BINARY_DIV, c, c, &err);
  g_assert_cmpint (ps_array_get_dtype (r2), ==, PS_DTYPE_F32);
  r3 = ps_array_binary (PS_BINARY_ADD, bl, one, &err);
  g_assert_cmpint (ps_array_get_dtype (r3), ==, PS_DTYPE_I64);
  /* float32 (3, 1) + float64 0-d -> float32; int64 (3) + float32 0-d -> float32 */
  f64_0d = ps_array_to_dtype (d0, PS_DTYPE_F64, &err);
  r4 = ps_array_binary (PS_BINARY_MUL, a, f64_0d, &err);
  g_assert_cmpint (ps_array_get_dtype (r4), ==, PS_DTYPE_F32);
  r5 = ps_array_binary (PS_BINARY_MUL, c, d0, &err);
  g_assert_cmpint (ps_array_get_dtype (r5), ==, PS_DTYPE_F32);
  /* comparisons give bool */
  r6 = ps_array_binary (PS_BINARY_LT, c, half, &err);
  g_assert_cmpint (ps_array_get_dtype (r6), ==, PS_DTYPE_BOOL);
  g_assert_no_error (err);
  /* shapes that do not broadcast; an in-place result that cannot be cast */
  g_assert_null (ps_array_binary (PS_BINARY_ADD, b, c, &err));
  g_assert_cmpstr (err->message, ==, "The size of tensor a (4) must match the size of tensor b "
                                     "(3) at non-singleton dimension 0");
  g_clear_error (&err);
  g_assert_false (ps_array_binary_ (PS_BINARY_ADD, c, half, &err));
  g_assert_cmpstr (err->message, ==, "result type Float can't be cast to the desired output type "
                                     "Long");
  g_clear_error (&err);
  g_assert_false (ps_array_binary_ (PS_BINARY_ADD, b, a, &err));
  g_assert_cmpstr (err->message, ==, "output with shape [4] doesn't match the broadcast shape "
                                     "[3, 4]");
  g_clear_error (&err);
}

static void
test_reductions_and_products (void)
{
  int64_t s[2] = { 2, 3 };
  g_autoptr (PsArray) a = arange_f (2, s);
  int d1 = 1;
  g_autoptr (PsArray) sum1 = ps_array_sum (a, &d1, 1, TRUE, &err);
  g_autoptr (PsArray) mean = ps_array_mean (a, NULL, 0, FALSE, &err);
  g_autoptr (PsArray) at = ps_array_t (a, &err);
  g_autoptr (PsArray) mm = ps_array_matmul (a, at, &err);
  g_autoptr (PsArray) ia = ps_array_to_dtype (a, PS_DTYPE_I64, &err);
  g_autofree char *r1 = NULL, *r2 = NULL, *r3 = NULL;
  PsScalar v;

  g_assert_no_error (err);
  r1 = repr (sum1);
  g_assert_cmpstr (r1, ==, "tensor([[ 3.],\n        [12.]])");
  g_assert_true (ps_array_item (mean, &v, &err));
  g_assert_cmpfloat (v.v.f, ==, 2.5);
  r2 = repr (mm);
  g_assert_cmpstr (r2, ==, "tensor([[ 5., 14.],\n        [14., 50.]])");
  g_assert_null (ps_array_mean (ia, NULL, 0, FALSE, &err));
  g_assert_cmpstr (err->message, ==, "mean(): could not infer output dtype. Input dtype must be "
                                     "either a floating point or complex dtype. Got: Long");
  g_clear_error (&err);
  {
    g_autoptr (PsArray) is = ps_array_sum (ia, NULL, 0, FALSE, &err);
    g_assert_cmpint (ps_array_get_dtype (is), ==, PS_DTYPE_I64);
    r3 = repr (is);
    g_assert_cmpstr (r3, ==, "tensor(15)");
  }
  g_assert_false (ps_array_item (a, &v, &err));
  g_assert_cmpstr (err->message, ==, "a Tensor with 6 elements cannot be converted to Scalar");
  g_clear_error (&err);
}

static void
test_memory_cap (void)
{
  int64_t big[2] = { 1 << 20, 1 << 10 };      /* 4 GiB of float32 */
  gint64 before = ps_array_memory_in_use ();

  ps_array_set_memory_cap (64 << 20);
  g_assert_null (ps_array_new_zeros (PS_DTYPE_F32, 2, big, &err));
  g_assert_error (err, PS_ARRAY_ERROR, PS_ARRAY_ERROR_RUNTIME);
  g_assert_true (strstr (err->message, "tensor memory cap") != NULL);
  g_clear_error (&err);
  {
    int64_t ok[1] = { 1000 };
    g_autoptr (PsArray) a = ps_array_new_zeros (PS_DTYPE_F64, 1, ok, &err);
    g_assert_no_error (err);
    g_assert_cmpint (ps_array_memory_in_use (), ==, before + 8000);
  }
  g_assert_cmpint (ps_array_memory_in_use (), ==, before);
  ps_array_set_memory_cap (0);
  {
    int64_t neg[1] = { -2 };
    g_assert_null (ps_array_new_zeros (PS_DTYPE_F32, 1, neg, &err));
    g_assert_cmpstr (err->message, ==, "Trying to create tensor with negative dimension -2: [-2]");
    g_clear_error (&err);
  }
}

static void
test_construction (void)
{
  g_autoptr (PsArray) e = ps_array_new_eye (PS_DTYPE_F32, 2, 3, &err);
  g_autoptr (PsArray) r = ps_array_new_arange (ps_scalar_float (0), ps_scalar_int (1),
                                               ps_scalar_float (0.25), -1, &err);
  g_autoptr (PsArray) ri = ps_array_new_arange (ps_scalar_int (0), ps_scalar_int (5),
                                                ps_scalar_int (2), -1, &err);
  g_autofree char *s1 = repr (e), *s2 = repr (r), *s3 = repr (ri);
  PsScalar vals[3] = { ps_scalar_int (1), ps_scalar_float (2.5), ps_scalar_bool (TRUE) };
  int64_t n3 = 3;
  g_autoptr (PsArray) t = ps_array_new_from_scalars (vals, 1, &n3, -1, &err);
  g_autofree char *s4 = repr (t);

  g_assert_no_error (err);
  g_assert_cmpstr (s1, ==, "tensor([[1., 0., 0.],\n        [0., 1., 0.]])");
  g_assert_cmpstr (s2, ==, "tensor([0.0000, 0.2500, 0.5000, 0.7500])");
  g_assert_cmpstr (s3, ==, "tensor([0, 2, 4])");
  g_assert_cmpstr (s4, ==, "tensor([1.0000, 2.5000, 1.0000])");
  g_assert_null (ps_array_new_arange (ps_scalar_int (0), ps_scalar_int (5), ps_scalar_int (0), -1,
                                      &err));
  g_assert_cmpstr (err->message, ==, "step must be nonzero");
  g_clear_error (&err);
}

/* Hostile numbers: int64 extremes as slice bounds and steps, shapes whose
 * element count overflows, a broadcast of two expanded views too large to
 * exist — each a clear error or a correct empty/short view, never a crash. */
static void
test_hostile (void)
{
  int64_t n = 5;
  g_autoptr (PsArray) a = ps_array_new_ones (PS_DTYPE_F32, 1, &n, &err);
  PsIndex s1 = { PS_INDEX_SLICE, 0, TRUE, TRUE, G_MININT64, G_MAXINT64, G_MAXINT64, NULL };
  PsIndex s2 = { PS_INDEX_SLICE, 0, TRUE, TRUE, G_MAXINT64, G_MININT64, 0, NULL };
  g_autoptr (PsArray) v1 = ps_array_index (a, &s1, 1, &err);
  g_autoptr (PsArray) v2 = ps_array_index (a, &s2, 1, &err);
  int64_t huge[2] = { G_MAXINT64 / 2, 4 };
  int64_t big[1] = { G_GINT64_CONSTANT (1) << 40 };
  int64_t col[2] = { 1, 1 }, row[2] = { 1, 1 };

  g_assert_no_error (err);
  g_assert_cmpint (ps_array_get_shape (v1)[0], ==, 1);
  g_assert_cmpint (ps_array_get_shape (v2)[0], ==, 0);
  g_assert_null (ps_array_reshape (a, 2, huge, &err));
  g_assert_nonnull (err);
  g_clear_error (&err);
  {
    g_autoptr (PsArray) one = ps_array_new_ones (PS_DTYPE_F32, 2, col, &err);
    int64_t ec[2] = { big[0], 1 }, er[2] = { 1, big[0] };
    g_autoptr (PsArray) c = ps_array_expand (one, 2, ec, &err);
    g_autoptr (PsArray) r = ps_array_expand (one, 2, er, &err);
    g_assert_no_error (err);
    g_assert_null (ps_array_binary (PS_BINARY_ADD, c, r, &err));
    g_assert_error (err, PS_ARRAY_ERROR, PS_ARRAY_ERROR_RUNTIME);
    g_clear_error (&err);
    (void) row;
  }
  {
    int64_t s[1] = { 3 }, t[2] = { 2, 4 };
    g_autoptr (PsArray) b = ps_array_new_ones (PS_DTYPE_F32, 1, s, &err);
    g_assert_null (ps_array_expand (b, 2, t, &err));
    g_assert_cmpstr (err->message, ==, "The expanded size of the tensor (4) must match the "
                                       "existing size (3) at non-singleton dimension 1.  Target "
                                       "sizes: [2, 4].  Tensor sizes: [3]");
    g_clear_error (&err);
  }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/array/views-share", test_views_share);
  g_test_add_func ("/core/array/indexing", test_indexing);
  g_test_add_func ("/core/array/broadcast-promotion", test_broadcast_and_promotion);
  g_test_add_func ("/core/array/reductions-products", test_reductions_and_products);
  g_test_add_func ("/core/array/memory-cap", test_memory_cap);
  g_test_add_func ("/core/array/construction", test_construction);
  g_test_add_func ("/core/array/hostile", test_hostile);
  return g_test_run ();
}
