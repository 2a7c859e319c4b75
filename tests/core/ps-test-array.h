/* ps-test-array.h — PsArrays from the PyTorch fixtures (tests/fixtures/tensor) */
#pragma once

#include "paramscope.h"

#include <json-glib/json-glib.h>

G_BEGIN_DECLS

/* The array of a fixture object {"dtype", "shape", "values"}; aborts on a
 * malformed fixture. */
PsArray   *ps_test_array_from_json  (JsonObject *obj);
/* The root array of tests/fixtures/tensor/NAME (a reference to it). */
JsonArray *ps_test_load_json_array  (const char *name, JsonParser **parser);
/* Elements of got against want (same shape) within rtol relative to the
 * largest |want| (and exactly for integer and bool dtypes). */
void       ps_test_assert_array_close (PsArray *got, PsArray *want, double rtol,
                                       const char *context);

G_END_DECLS
