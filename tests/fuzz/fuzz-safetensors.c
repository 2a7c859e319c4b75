/* fuzz-safetensors.c — the safetensors reader on arbitrary bytes
 *
 * ps_safetensors_new_from_bytes(); then, for every entry, its statistics and
 * the whole tensor converted to float32; metadata and alias resolution; and
 * load_state_dict into two fixed small models (one with a LazyLinear and a
 * tied parameter), which must either succeed or leave the model unchanged.
 */
#include "paramscope.h"
#include "fuzz-common.h"

#include <string.h>

static const char *const models[] = {
  "net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))\n",
  "shared = nn.Linear(2, 2)\n"
  "net = nn.Sequential(nn.LazyLinear(2), shared, nn.ReLU(), shared, nn.Linear(2, 2, bias=False))\n"
  "net[4].weight = net[1].weight\n",
};

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

static char *
model_fingerprint (PsModule *net)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  GString *s = g_string_new (NULL);
  g_autofree char *repr = ps_module_repr (net);
  g_string_append (s, repr);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      const PsTensor *t = ps_param_get_data (np->param);
      g_string_append_printf (s, "|%s:", np->name);
      if (t != NULL)
        for (int64_t k = 0; k < t->numel; k++)
          g_string_append_printf (s, "%a,", t->data[k]);
    }
  return g_string_free (s, FALSE);
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (PsSafetensors) st = ps_safetensors_new_from_bytes (bytes, "fuzz.safetensors", &error);

  if (st == NULL)
    {
      g_assert (error != NULL);
      return 0;
    }
  g_assert (error == NULL);

  for (guint i = 0; i < ps_safetensors_get_n (st); i++)
    {
      const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
      PsStats stats;
      float *buf;

      g_assert (e != NULL && e->name != NULL);
      g_assert (ps_safetensors_find (st, e->name) == e);
      ps_safetensors_stats (st, e, &stats);
      g_assert (stats.n == e->numel);
      buf = g_new (float, MAX (e->numel, 1));
      ps_safetensors_read_f32 (st, e, 0, e->numel, buf);
      g_free (buf);
      {
        g_autoptr (GError) lerr = NULL;
        g_autoptr (PsTensor) t = ps_safetensors_load_tensor (st, e->name, &lerr);
        g_assert ((t == NULL) != (lerr == NULL));
      }
    }

  {
    GHashTable *meta = ps_safetensors_get_metadata (st);
    GHashTableIter it;
    gpointer k, v;
    g_assert (meta != NULL);
    g_hash_table_iter_init (&it, meta);
    while (g_hash_table_iter_next (&it, &k, &v))
      (void) ps_safetensors_resolve (st, k);
  }

  for (guint m = 0; m < G_N_ELEMENTS (models); m++)
    {
      PsRng rng;
      g_autoptr (GError) merr = NULL;
      g_autoptr (GError) lerr = NULL;
      g_autoptr (PsModule) net = NULL;
      g_autofree char *before = NULL;

      ps_rng_seed (&rng, 0);
      net = ps_model_parse (models[m], -1, "fixed.py", &rng, NULL, &merr);
      g_assert_no_error (merr);
      before = model_fingerprint (net);
      if (!ps_module_load_state_dict (net, st, &lerr))
        {
          g_autofree char *after = model_fingerprint (net);
          g_assert (lerr != NULL);
          if (strcmp (before, after) != 0)
            {
              fprintf (stderr, "a failed load_state_dict changed the model (%s)\n", lerr->message);
              abort ();
            }
        }
      else
        g_assert (lerr == NULL);
    }
  return 0;
}
