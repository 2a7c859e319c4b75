/* test-numpy-format.c — NumPy's repr() and str() of arrays, character for character
 *
 * tests/fixtures/numpy/numpy-repr.json holds arrays made by NumPy (default
 * print options) with their repr() and str() (gen-numpy-repr.py beside it):
 * float32 at every scale, float64, int32, int64, bool, NaN and infinities,
 * negative zeros, 0-d and empty arrays, rows that wrap at 75 columns and
 * arrays of more than 1000 elements (summarized).  Every case must come out
 * the same here.
 */
#include "ps-numpy-format.h"
#include "ps-test-util.h"

#include <json-glib/json-glib.h>
#include <string.h>

static PsNumpyDtype
dtype_of (const char *name)
{
  if (strcmp (name, "float32") == 0)
    return PS_NUMPY_FLOAT32;
  if (strcmp (name, "float64") == 0)
    return PS_NUMPY_FLOAT64;
  if (strcmp (name, "int32") == 0)
    return PS_NUMPY_INT32;
  if (strcmp (name, "int64") == 0)
    return PS_NUMPY_INT64;
  g_assert_cmpstr (name, ==, "bool");
  return PS_NUMPY_BOOL;
}

static void
test_fixtures (void)
{
  g_autofree char *path = ps_test_fixture ("numpy/numpy-repr.json");
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  guint failed = 0;

  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  JsonArray *cases = json_node_get_array (json_parser_get_root (parser));
  guint n = json_array_get_length (cases);
  g_assert_cmpuint (n, >, 100);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonArray *sh = json_object_get_array_member (c, "shape");
      JsonArray *vs = json_object_get_array_member (c, "values");
      int64_t shape[32];
      int ndim = (int) json_array_get_length (sh);
      g_autofree double *x = g_new0 (double, MAX (1, json_array_get_length (vs)));
      for (int k = 0; k < ndim; k++)
        shape[k] = json_array_get_int_element (sh, k);
      for (guint k = 0; k < json_array_get_length (vs); k++)
        {
          JsonNode *e = json_array_get_element (vs, k);
          if (json_node_get_value_type (e) == G_TYPE_STRING)   /* "nan", "inf", "-inf" */
            x[k] = g_ascii_strtod (json_node_get_string (e), NULL);
          else
            x[k] = json_node_get_double (e);
        }
      PsNumpyDtype dt = dtype_of (json_object_get_string_member (c, "dtype"));
      for (int r = 0; r < 2; r++)
        {
          g_autofree char *got = ps_numpy_format (x, ndim, shape, dt, r == 0);
          const char *want = json_object_get_string_member (c, r == 0 ? "repr" : "str");
          if (strcmp (got, want) != 0)
            {
              failed++;
              g_test_message ("case %u %s:\nwant:\n%s\ngot:\n%s", i, r == 0 ? "repr" : "str",
                              want, got);
            }
        }
    }
  g_assert_cmpuint (failed, ==, 0);
}

static void
test_scalars (void)
{
  static const struct { double v; PsNumpyDtype d; const char *want; } cases[] = {
    { 1.0, PS_NUMPY_FLOAT32, "1.0" }, { 0.1f, PS_NUMPY_FLOAT32, "0.1" },
    { -0.0, PS_NUMPY_FLOAT32, "-0.0" }, { 1e-5f, PS_NUMPY_FLOAT32, "1e-05" },
    { 1e16f, PS_NUMPY_FLOAT32, "1e+16" }, { 0.1, PS_NUMPY_FLOAT64, "0.1" },
    { 42, PS_NUMPY_INT32, "42" }, { 1, PS_NUMPY_BOOL, "True" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *s = ps_numpy_scalar_str (cases[i].v, cases[i].d);
      g_assert_cmpstr (s, ==, cases[i].want);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/numpy-format/fixtures", test_fixtures);
  g_test_add_func ("/numpy-format/scalars", test_scalars);
  return g_test_run ();
}
