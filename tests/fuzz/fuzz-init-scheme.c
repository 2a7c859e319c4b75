/* fuzz-init-scheme.c — ps_init_scheme_parse() on arbitrary text
 *
 * A scheme that parses is applied to small tensors (a matrix, a vector, a
 * 3-d tensor) with a seeded rng, its expected range is computed, and its
 * to_string() must parse again to the same string.
 */
#include "paramscope.h"
#include "fuzz-common.h"

#include <string.h>

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autofree char *text = g_strndup ((const char *) data, size);   /* stops at a NUL */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsInitScheme) s = NULL;

  if (size > 4096)
    return 0;
  s = ps_init_scheme_parse (text, &error);
  if (s == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (error == NULL);

  {
    static const int64_t shapes[][3] = { { 3, 5, 0 }, { 7, 0, 0 }, { 2, 3, 4 } };
    static const int ndims[] = { 2, 1, 3 };
    for (guint i = 0; i < G_N_ELEMENTS (ndims); i++)
      {
        PsRng rng;
        g_autoptr (PsTensor) t = ps_tensor_new (ndims[i], shapes[i]);
        g_autoptr (GError) ierr = NULL;
        double lo, hi, mean, std;

        ps_rng_seed (&rng, 42);
        if (!ps_init_tensor (s, t, ndims[i] == 1 ? 5 : -1, &rng, &ierr))
          g_assert (ierr != NULL);
        else
          g_assert (ierr == NULL);
        (void) ps_init_expected (s, t, ndims[i] == 1 ? 5 : -1, &lo, &hi, &mean, &std);
      }
  }

  {
    g_autofree char *str = ps_init_scheme_to_string (s);
    g_autoptr (GError) rerr = NULL;
    g_autoptr (PsInitScheme) again = ps_init_scheme_parse (str, &rerr);
    if (again == NULL)
      {
        fprintf (stderr, "to_string of a parsed scheme does not parse: \"%s\" -> \"%s\": %s\n",
                 text, str, rerr->message);
        abort ();
      }
    g_autofree char *str2 = ps_init_scheme_to_string (again);
    if (strcmp (str, str2) != 0)
      {
        fprintf (stderr, "to_string round trip differs: \"%s\" -> \"%s\" -> \"%s\"\n",
                 text, str, str2);
        abort ();
      }
  }
  return 0;
}
