/* ps-test-array.c — PsArrays from the PyTorch fixtures */
#include "ps-test-array.h"
#include "ps-test-util.h"

#include <math.h>

static double
json_number (JsonNode *n)
{
  if (JSON_NODE_HOLDS_VALUE (n) && json_node_get_value_type (n) == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (n);
      if (g_str_equal (s, "nan"))
        return NAN;
      if (g_str_equal (s, "inf"))
        return INFINITY;
      if (g_str_equal (s, "-inf"))
        return -INFINITY;
      g_error ("bad number \"%s\" in a fixture", s);
    }
  if (json_node_get_value_type (n) == G_TYPE_BOOLEAN)
    return json_node_get_boolean (n);
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return (double) json_node_get_int (n);
  return json_node_get_double (n);
}

PsArray *
ps_test_array_from_json (JsonObject *obj)
{
  const char *dt = json_object_get_string_member (obj, "dtype");
  JsonArray *shape = json_object_get_array_member (obj, "shape");
  JsonArray *values = json_object_get_array_member (obj, "values");
  int64_t sh[PS_ARRAY_MAX_DIMS];
  int ndim = (int) json_array_get_length (shape);
  guint n = json_array_get_length (values);
  g_autofree PsScalar *v = g_new0 (PsScalar, MAX (n, 1));
  g_autoptr (GError) error = NULL;
  PsDtype dtype;
  PsArray *a;

  g_assert_true (ps_array_dtype_from_torch_name (dt, &dtype));
  for (int d = 0; d < ndim; d++)
    sh[d] = json_array_get_int_element (shape, d);
  for (guint i = 0; i < n; i++)
    {
      JsonNode *e = json_array_get_element (values, i);
      if (dtype == PS_DTYPE_I64)
        v[i] = ps_scalar_int (json_node_get_int (e));
      else if (dtype == PS_DTYPE_BOOL)
        v[i] = ps_scalar_bool (json_node_get_boolean (e));
      else
        v[i] = ps_scalar_float (json_number (e));
    }
  a = ps_array_new_from_scalars (v, ndim, sh, dtype, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_array_get_numel (a), ==, n);
  return a;
}

JsonArray *
ps_test_load_json_array (const char *name, JsonParser **parser)
{
  g_autofree char *rel = g_build_filename ("tensor", name, NULL);
  g_autofree char *path = ps_test_fixture (rel);
  g_autoptr (GError) error = NULL;

  *parser = json_parser_new ();
  json_parser_load_from_file (*parser, path, &error);
  g_assert_no_error (error);
  return json_node_get_array (json_parser_get_root (*parser));
}

void
ps_test_assert_array_close (PsArray *got, PsArray *want, double rtol, const char *context)
{
  g_autoptr (GError) error = NULL;
  g_autofree double *g = NULL, *w = NULL;
  double scale = 0;
  int64_t n = ps_array_get_numel (want);

  if (ps_array_get_ndim (got) != ps_array_get_ndim (want)
      || memcmp (ps_array_get_shape (got), ps_array_get_shape (want),
                 sizeof (int64_t) * ps_array_get_ndim (want)) != 0)
    {
      g_autofree char *gs = ps_shape_to_string (ps_array_get_ndim (got), ps_array_get_shape (got));
      g_autofree char *ws = ps_shape_to_string (ps_array_get_ndim (want),
                                                ps_array_get_shape (want));
      g_error ("%s: shape %s, expected %s", context, gs, ws);
    }
  g = ps_array_to_doubles (got, &error);
  g_assert_no_error (error);
  w = ps_array_to_doubles (want, &error);
  g_assert_no_error (error);
  for (int64_t i = 0; i < n; i++)
    scale = MAX (scale, fabs (w[i]));
  for (int64_t i = 0; i < n; i++)
    {
      double tol = rtol * MAX (scale, 1e-30);
      gboolean exact = ps_array_get_dtype (want) == PS_DTYPE_I64
                       || ps_array_get_dtype (want) == PS_DTYPE_BOOL;
      if ((exact && g[i] != w[i]) || (!exact && !(fabs (g[i] - w[i]) <= tol)))
        g_error ("%s: element %" G_GINT64_FORMAT " is %.9g, PyTorch has %.9g (tolerance %.3g)",
                 context, i, g[i], w[i], exact ? 0 : tol);
    }
}
