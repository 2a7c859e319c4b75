/* test-tensor-rng.c — random tensors with PyTorch's exact bits
 *
 * tests/fixtures/tensor/rng.json: for seeds 0, 1, 42, 2024 and sizes 1, 15,
 * 16, 17, 33, 1000 and odd shapes, torch.rand / randn (float32 and float64),
 * normal_(0.5, 2) and uniform_(-3, 2); a sequence of calls on one generator;
 * nn.init schemes on (8, 4) and (40, 30) weights.  Each case holds the first
 * values' bits and an FNV-1a hash of all of them: compared bit for bit.
 */
#include "ps-test-array.h"
#include "ps-test-util.h"

#include <string.h>

static char *
fnv_hex (const void *bytes, gsize n)
{
  guint64 h = G_GUINT64_CONSTANT (0xcbf29ce484222325);
  const guint8 *p = bytes;

  for (gsize i = 0; i < n; i++)
    {
      h ^= p[i];
      h *= G_GUINT64_CONSTANT (0x100000001b3);
    }
  return g_strdup_printf ("%016" G_GINT64_MODIFIER "x", h);
}

static gboolean
check_bits (JsonObject *c, PsArray *a, const char *what)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArray) contig = ps_array_contiguous (a, &error);
  JsonArray *first = json_object_get_array_member (c, "first");
  gboolean f64 = ps_array_get_dtype (a) == PS_DTYPE_F64;
  int64_t n = ps_array_get_numel (a);
  g_autofree void *buf = g_malloc (MAX (n, 1) * (f64 ? 8 : 4));
  g_autofree char *h = NULL;

  g_assert_no_error (error);
  ps_array_read (contig, ps_array_get_dtype (a), buf, &error);
  g_assert_no_error (error);
  g_assert_cmpint (n, ==, json_object_get_int_member (c, "n"));
  for (guint i = 0; i < json_array_get_length (first); i++)
    {
      g_autofree char *got = f64 ? g_strdup_printf ("%016" G_GINT64_MODIFIER "x",
                                                    ((guint64 *) buf)[i])
                                 : g_strdup_printf ("%08x", ((guint32 *) buf)[i]);
      if (strcmp (got, json_array_get_string_element (first, i)) != 0)
        {
          g_test_message ("%s: element %u has bits %s, PyTorch %s", what, i, got,
                          json_array_get_string_element (first, i));
          return FALSE;
        }
    }
  h = fnv_hex (buf, n * (f64 ? 8 : 4));
  if (strcmp (h, json_object_get_string_member (c, "fnv")) != 0)
    {
      g_test_message ("%s: the bits of the %" G_GINT64_FORMAT " elements differ (hash %s, "
                      "PyTorch %s)", what, n, h, json_object_get_string_member (c, "fnv"));
      return FALSE;
    }
  return TRUE;
}

static PsArray *
run_case (JsonObject *c, PsRng *rng)
{
  const char *op = json_object_get_string_member (c, "op");
  JsonArray *js = json_object_get_array_member (c, "shape");
  int64_t shape[PS_ARRAY_MAX_DIMS];
  int ndim = (int) json_array_get_length (js);
  g_autoptr (GError) error = NULL;
  PsArray *a = NULL;

  for (int d = 0; d < ndim; d++)
    shape[d] = json_array_get_int_element (js, d);
  if (g_str_equal (op, "rand"))
    a = ps_array_new_rand (rng, PS_DTYPE_F32, ndim, shape, &error);
  else if (g_str_equal (op, "rand_f64"))
    a = ps_array_new_rand (rng, PS_DTYPE_F64, ndim, shape, &error);
  else if (g_str_equal (op, "randn"))
    a = ps_array_new_randn (rng, PS_DTYPE_F32, ndim, shape, &error);
  else if (g_str_equal (op, "randn_f64"))
    a = ps_array_new_randn (rng, PS_DTYPE_F64, ndim, shape, &error);
  else if (g_str_equal (op, "normal") || g_str_equal (op, "uniform"))
    {
      a = ps_array_new_empty (PS_DTYPE_F32, ndim, shape, &error);
      if (g_str_equal (op, "normal"))
        ps_array_normal_ (a, rng, 0.5, 2.0, &error);
      else
        ps_array_uniform_ (a, rng, -3.0, 2.0, &error);
    }
  else if (g_str_equal (op, "sequence"))
    {
      int64_t n[4] = { 7, 5, 20, 3 };
      PsArray *parts[4];
      for (int i = 0; i < 4; i++)
        parts[i] = ps_array_new_randn (rng, PS_DTYPE_F32, 1, &n[i], &error);
      a = ps_array_cat (parts, 4, 0, &error);
      for (int i = 0; i < 4; i++)
        ps_array_unref (parts[i]);
    }
  else if (g_str_equal (op, "init"))
    {
      g_autoptr (PsInitScheme) s = ps_init_scheme_parse (json_object_get_string_member (c,
                                                                                         "scheme"),
                                                         &error);
      g_autoptr (PsTensor) t = ps_tensor_new (ndim, shape);
      g_autoptr (PsParam) p = ps_param_new (t);
      g_assert_no_error (error);
      ps_init_apply (s, p, -1, rng, &error);
      g_assert_no_error (error);
      a = ps_array_new_for_param (p, &error);
    }
  g_assert_no_error (error);
  g_assert_nonnull (a);
  return a;
}

static void
test_fixtures (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonArray *cases = ps_test_load_json_array ("rng.json", &parser);
  guint n = json_array_get_length (cases), failed = 0;

  g_assert_cmpuint (n, >, 100);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      g_autoptr (PsArray) a = NULL;
      g_autofree char *shape = NULL;
      g_autofree char *what = NULL;
      PsRng rng;

      ps_rng_seed (&rng, json_object_get_int_member (c, "seed"));
      a = run_case (c, &rng);
      shape = ps_shape_to_string (ps_array_get_ndim (a), ps_array_get_shape (a));
      what = g_strdup_printf ("seed %" G_GINT64_FORMAT " %s%s%s %s",
                              json_object_get_int_member (c, "seed"),
                              json_object_get_string_member (c, "op"),
                              json_object_has_member (c, "scheme") ? " " : "",
                              json_object_has_member (c, "scheme")
                              ? json_object_get_string_member (c, "scheme") : "", shape);
      if (!check_bits (c, a, what))
        failed++;
    }
  g_test_message ("%u of %u random tensors have PyTorch's bits", n - failed, n);
  g_assert_cmpuint (failed, ==, 0);
}

/* The same seed gives the same tensor; another seed another one. */
static void
test_determinism (void)
{
  int64_t s[2] = { 4, 5 };
  PsRng r1, r2, r3;
  g_autoptr (PsArray) a = NULL, b = NULL, c = NULL;

  ps_rng_seed (&r1, 9);
  ps_rng_seed (&r2, 9);
  ps_rng_seed (&r3, 10);
  a = ps_array_new_randn (&r1, PS_DTYPE_F32, 2, s, NULL);
  b = ps_array_new_randn (&r2, PS_DTYPE_F32, 2, s, NULL);
  c = ps_array_new_randn (&r3, PS_DTYPE_F32, 2, s, NULL);
  g_assert_true (ps_array_equal (a, b));
  g_assert_false (ps_array_equal (a, c));
}

static void
test_errors (void)
{
  int64_t s = 3;
  PsRng rng;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsArray) i = ps_array_new_zeros (PS_DTYPE_I64, 1, &s, NULL);

  ps_rng_seed (&rng, 0);
  g_assert_null (ps_array_new_randn (&rng, PS_DTYPE_I64, 1, &s, &error));
  g_assert_error (error, PS_ARRAY_ERROR, PS_ARRAY_ERROR_RUNTIME);
  g_assert_cmpstr (error->message, ==, "\"normal_kernel_cpu\" not implemented for 'Long'");
  g_clear_error (&error);
  g_assert_false (ps_array_normal_ (i, &rng, 0, 1, &error));
  g_assert_error (error, PS_ARRAY_ERROR, PS_ARRAY_ERROR_RUNTIME);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/tensor-rng/fixtures", test_fixtures);
  g_test_add_func ("/core/tensor-rng/determinism", test_determinism);
  g_test_add_func ("/core/tensor-rng/errors", test_errors);
  return g_test_run ();
}
