/* fuzz-repr.c — ps_model_parse_repr() (PyTorch's print(net) text) on arbitrary bytes
 *
 * A model that parses must print back to a text that parses again to the same
 * print (the repr reader is the inverse of ps_module_repr for what it accepts).
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
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) net = NULL;

  net = ps_model_parse_repr ((const char *) data, (gssize) size, "fuzz.txt", NULL, &error);
  if (net == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (error == NULL);
  {
    g_autofree char *repr = ps_module_repr (net);
    g_autoptr (PsModule) again = NULL;
    g_autoptr (GPtrArray) sd = ps_module_state_dict (net);

    again = ps_model_parse_repr (repr, -1, "again.txt", NULL, &error);
    if (again == NULL)
      {
        fprintf (stderr, "the repr of a parsed model does not parse again: %s\n%s\n",
                 error->message, repr);
        abort ();
      }
    g_autofree char *repr2 = ps_module_repr (again);
    if (strcmp (repr, repr2) != 0)
      {
        fprintf (stderr, "repr round trip differs:\n%s\n---\n%s\n", repr, repr2);
        abort ();
      }
  }
  return 0;
}
