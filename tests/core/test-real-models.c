/* test-real-models.c — real architectures read from print(model) and filled
 * from their weights files
 *
 * The fixtures under tests/fixtures/realmodels (generate.sh, with PyTorch and
 * torchvision) are small torchvision models whose print(net) hides some
 * parameters (a ViT's class_token, a Swin block's relative position table
 * and index, a ConvNeXt block's layer_scale), and a network of BatchNorms
 * whose num_batches_tracked the oracle's safetensors store as [1]:
 *   - read from print(net) alone, the hidden parameters are missing and
 *     their modules say so (no known parameters of their own);
 *   - with the .pth or the .safetensors file, named_parameters, state_dict,
 *     shapes, dtypes and the parameter count are PyTorch's, naming allocated
 *     nothing, and loading gives the file's values bit for bit;
 *   - a 0-d tensor stored as [1] loads (as PyTorch's load_state_dict takes
 *     it), and stays 0-d;
 *   - paramscope-cli names --weights and run --weights do the same.
 */
#include "ps-test-util.h"

#include <string.h>

static const char *const fixtures[] = { "tiny_vit", "tiny_swin", "tiny_convnext", "batchnorm" };

static char *
read_fixture (const char *name, const char *ext)
{
  g_autofree char *rel = g_strdup_printf ("realmodels/%s.%s", name, ext);
  g_autofree char *path = ps_test_fixture (rel);
  char *text = NULL;

  g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
  return text;
}

static char *
fixture_path (const char *name, const char *ext)
{
  g_autofree char *rel = g_strdup_printf ("realmodels/%s.%s", name, ext);
  return ps_test_fixture (rel);
}

static PsModule *
open_repr (const char *name, PsRng *rng)
{
  g_autofree char *text = read_fixture (name, "txt");
  GError *error = NULL;
  PsModule *m = ps_model_parse_repr (text, -1, name, rng, &error);

  g_assert_no_error (error);
  g_assert_nonnull (m);
  return m;
}

static char *
shape_text (PsParam *p)
{
  int64_t shape[PS_TENSOR_MAX_DIMS];
  int n = ps_param_get_shape (p, shape);
  GString *s = g_string_new (NULL);

  for (int i = 0; i < n; i++)
    g_string_append_printf (s, "%s%" G_GINT64_FORMAT, i ? "," : "", shape[i]);
  return g_string_free (s, FALSE);
}

/* Our keys as the .keys file writes PyTorch's. */
static char *
keys_text (PsModule *net)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  GString *s = g_string_new (NULL);

  g_string_append_printf (s, "params %" G_GINT64_FORMAT "\n", ps_module_count_params (net, NULL));
  for (guint i = 0; i < np->len; i++)
    {
      PsNamedParam *e = np->pdata[i];
      g_autofree char *shape = shape_text (e->param);
      g_string_append_printf (s, "P\t%s\t%s\n", e->name, shape);
    }
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *e = sd->pdata[i];
      g_autofree char *shape = shape_text (e->param);
      g_string_append_printf (s, "S\t%s\t%s\t%s\n", e->name, shape,
                              ps_dtype_name (ps_param_get_dtype (e->param)));
    }
  return g_string_free (s, FALSE);
}

static gboolean
has_unknown_module (PsModule *net)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (net);
  for (guint i = 0; i < mods->len; i++)
    if (!ps_module_get_params_known (((PsNamedModule *) mods->pdata[i])->module))
      return TRUE;
  return FALSE;
}

/* From the text alone: the hidden parameters are missing, and their modules say so. */
static void
test_text_alone (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (fixtures); k++)
    {
      g_autoptr (PsModule) net = open_repr (fixtures[k], NULL);
      g_autofree char *want = read_fixture (fixtures[k], "keys");
      g_autofree char *got = keys_text (net);
      gboolean hides = strcmp (fixtures[k], "batchnorm") != 0;

      g_assert_cmpint (strcmp (got, want) != 0, ==, hides);
      g_assert_cmpint (has_unknown_module (net), ==, hides);
    }
  {
    g_autoptr (PsModule) vit = open_repr ("tiny_vit", NULL);
    g_assert_false (ps_module_get_params_known (vit));              /* its class_token */
    g_assert_null (ps_module_find_param (vit, "class_token"));
  }
}

/* With the weights file: PyTorch's keys, shapes, dtypes and count, nothing allocated. */
static void
test_adopt_names (gconstpointer data)
{
  const char *ext = data;

  for (guint k = 0; k < G_N_ELEMENTS (fixtures); k++)
    {
      g_autoptr (PsModule) net = open_repr (fixtures[k], NULL);
      g_autofree char *path = fixture_path (fixtures[k], ext);
      g_autofree char *want = read_fixture (fixtures[k], "keys");
      g_autofree char *got = NULL;
      g_autoptr (PsSafetensors) st = NULL;
      g_autoptr (GPtrArray) sd = NULL;
      GError *error = NULL;
      guint n;

      st = ps_weights_open (path, &error);
      g_assert_no_error (error);
      n = ps_module_adopt_weights (net, st);
      if (strcmp (fixtures[k], "batchnorm") == 0)
        g_assert_cmpuint (n, ==, 0);
      else
        g_assert_cmpuint (n, >, 0);
      got = keys_text (net);
      if (strcmp (fixtures[k], "tiny_swin") == 0)
        {
          /* a float buffer (SwinV2's relative_coords_table) cannot be told from
           * a parameter in a state_dict: it is taken as one.  The state_dict
           * is PyTorch's all the same. */
          g_assert_cmpstr (strstr (got, "\nS\t"), ==, strstr (want, "\nS\t"));
          g_assert_nonnull (strstr (got, "P\tfeatures.1.0.attn.relative_coords_table\t"));
        }
      else
        g_assert_cmpstr (got, ==, want);
      g_assert_false (has_unknown_module (net));
      sd = ps_module_state_dict (net);
      for (guint i = 0; i < sd->len; i++)
        g_assert_true (ps_param_is_meta (((PsNamedParam *) sd->pdata[i])->param));
    }
}

/* Loading: every value is the file's, bit for bit; a 0-d tensor stays 0-d. */
static void
test_adopt_load (gconstpointer data)
{
  const char *ext = data;

  for (guint k = 0; k < G_N_ELEMENTS (fixtures); k++)
    {
      PsRng rng;
      g_autoptr (PsModule) net = NULL;
      g_autofree char *path = fixture_path (fixtures[k], ext);
      g_autoptr (PsSafetensors) st = NULL;
      g_autoptr (GPtrArray) sd = NULL;
      GError *error = NULL;
      guint n_zero_d = 0;

      ps_rng_seed (&rng, 0);
      net = open_repr (fixtures[k], &rng);
      st = ps_weights_open (path, &error);
      g_assert_no_error (error);
      ps_module_adopt_weights (net, st);
      g_assert_true (ps_module_load_state_dict (net, st, &error));
      g_assert_no_error (error);
      sd = ps_module_state_dict (net);
      for (guint i = 0; i < sd->len; i++)
        {
          PsNamedParam *e = sd->pdata[i];
          const PsSafetensorsEntry *fe = ps_safetensors_resolve (st, e->name);
          PsTensor *t = ps_param_get_data (e->param);
          g_autofree float *want = NULL;

          g_assert_nonnull (fe);
          g_assert_nonnull (t);
          g_assert_cmpint (fe->numel, ==, t->numel);
          want = g_new (float, MAX (t->numel, 1));
          ps_safetensors_read_f32 (st, fe, 0, t->numel, want);
          g_assert_cmpmem (t->data, t->numel * sizeof (float), want, t->numel * sizeof (float));
          if (t->ndim == 0)
            {
              /* num_batches_tracked: [1] in the oracle's safetensors, [] in the .pth */
              g_assert_cmpint (fe->ndim, ==, strcmp (ext, "safetensors") == 0 ? 1 : 0);
              g_assert_cmpint (ps_param_get_dtype (e->param), ==, PS_DTYPE_I64);
              n_zero_d++;
            }
        }
      if (strcmp (fixtures[k], "batchnorm") == 0)
        g_assert_cmpuint (n_zero_d, ==, 2);
    }
}

/* A [1] tensor is no 0-d tensor's stand-in when it has more than one element,
 * and a file of another model is refused, naming its keys. */
static void
test_mismatch (void)
{
  g_autoptr (PsModule) net = open_repr ("tiny_convnext", NULL);
  g_autofree char *path = fixture_path ("tiny_vit", "pth");
  g_autoptr (PsSafetensors) st = NULL;
  GError *error = NULL;

  st = ps_weights_open (path, &error);
  g_assert_no_error (error);
  ps_module_adopt_weights (net, st);
  g_assert_false (ps_module_load_state_dict (net, st, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "unexpected key(s) \"conv_proj.weight\""));
  g_assert_nonnull (strstr (error->message, "missing key(s) \"features.0.0.weight\""));
  g_clear_error (&error);

  {
    g_autoptr (PsModule) bn = ps_test_parse_model ("BatchNorm1d(3, eps=1e-05, momentum=0.1, "
                                                   "affine=True, track_running_stats=True)", 0);
    g_autofree char *dir = ps_test_tmpdir ();
    g_autofree char *file = g_build_filename (dir, "w.safetensors", NULL);
    g_autoptr (PsTensor) w = ps_tensor_new_1d (3), nbt = ps_tensor_new_1d (2);
    const char *names[] = { "weight", "bias", "running_mean", "running_var",
                            "num_batches_tracked" };
    PsTensor *ts[] = { w, w, w, w, nbt };
    g_autoptr (PsSafetensors) bad = NULL;

    g_assert_true (ps_safetensors_write (file, 5, names, ts, NULL, &error));
    bad = ps_weights_open (file, &error);
    g_assert_no_error (error);
    g_assert_false (ps_module_load_state_dict (bn, bad, &error));
    g_assert_nonnull (strstr (error->message, "\"num_batches_tracked\" is [2] in the file but [] "
                              "in the model"));
    g_clear_error (&error);
    ps_test_rmdir (dir);
  }
}

/* paramscope-cli names --weights: PyTorch's keys; run --weights loads them. */
static void
test_cli (void)
{
  for (guint k = 0; k < G_N_ELEMENTS (fixtures); k++)
    {
      g_autofree char *model = fixture_path (fixtures[k], "txt");
      g_autofree char *weights = fixture_path (fixtures[k], "pth");
      g_autofree char *keys = read_fixture (fixtures[k], "keys");
      g_auto (GStrv) lines = g_strsplit (keys, "\n", -1);
      g_autoptr (GString) want = g_string_new (NULL);
      const char *argv[] = { "names", "--state-dict", "--shapes", "--weights", weights, model,
                             NULL };
      g_autofree char *out = NULL, *err = NULL;

      for (guint i = 0; lines[i]; i++)
        if (g_str_has_prefix (lines[i], "S\t"))
          {
            g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
            g_auto (GStrv) dims = g_strsplit (f[2], ",", -1);
            g_autofree char *shape = g_strjoinv (", ", dims);
            g_string_append_printf (want, "%s\t[%s]\t%s\n", f[1], shape, f[3]);
          }
      g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 0);
      g_assert_cmpstr (out, ==, want->str);
      g_assert_cmpstr (err, ==, "");
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/real-models/text-alone", test_text_alone);
  g_test_add_data_func ("/real-models/adopt-names/pth", "pth", test_adopt_names);
  g_test_add_data_func ("/real-models/adopt-names/safetensors", "safetensors", test_adopt_names);
  g_test_add_data_func ("/real-models/adopt-load/pth", "pth", test_adopt_load);
  g_test_add_data_func ("/real-models/adopt-load/safetensors", "safetensors", test_adopt_load);
  g_test_add_func ("/real-models/mismatch", test_mismatch);
  g_test_add_func ("/real-models/cli", test_cli);
  return g_test_run ();
}
