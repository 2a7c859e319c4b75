/* fuzz-model-file.c — ps_model_parse() on arbitrary bytes
 *
 * Both the Python-subset interpreter and (when the text looks like print(net))
 * the repr reader, once without an rng (zeros) and once with a seeded rng.
 * A model that parses is printed, named and counted; everything is freed.
 */
#include "paramscope.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

static void
exercise (PsModule *net)
{
  g_autofree char *repr = ps_module_repr (net);
  g_autoptr (GPtrArray) named = ps_module_named_parameters (net);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  g_autoptr (GPtrArray) mods = ps_module_named_modules (net);
  guint n_uninit = 0;

  (void) ps_module_count_params (net, &n_uninit);
  g_assert (repr != NULL);
  g_assert (named->len <= sd->len);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      g_autofree char *path = ps_module_key_to_index_path (net, np->name, "net");
      g_assert (ps_module_find_param (net, np->name) == np->param);
      if (path != NULL)
        {
          PsParam *p = NULL;
          g_autoptr (GError) err = NULL;
          PsModule *m = ps_module_find_by_index_path (net, path, &p, &err);
          g_assert (m != NULL);
          g_assert (p == np->param);
        }
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  const char *text = (const char *) data;

  for (int seeded = 0; seeded < 2; seeded++)
    {
      PsRng rng;
      g_autoptr (GError) error = NULL;
      g_autofree char *name = NULL;
      g_autoptr (PsModule) net = NULL;

      ps_rng_seed (&rng, 0);
      net = ps_model_parse (text, (gssize) size, "fuzz.py", seeded ? &rng : NULL, &name, &error);
      if (net == NULL)
        {
          g_assert (error != NULL);
          g_assert (name == NULL);
          continue;
        }
      g_assert (error == NULL);
      exercise (net);
    }
  (void) ps_model_text_is_repr (text, (gssize) size);
  return 0;
}
