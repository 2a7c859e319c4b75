/* test-layers.c — every torch.nn layer of the table against PyTorch
 *
 * For each fixture under tests/fixtures/layers (written by generate.py with
 * PyTorch: print(net), named_parameters and state_dict keys with shapes and
 * dtypes, and the initialization's hashes; torchvision's models gzipped, all of
 * torchvision.models.list_models() as torchvision.list names them):
 *   - the repr opens, and print() gives the same text back;
 *   - named_parameters, state_dict, shapes, dtypes and the parameter count
 *     are PyTorch's, and naming them allocated no parameter (all meta);
 *   - each layer's extra_repr, formatted from its options, is PyTorch's text;
 *   - the default initialization after the seed 0 is PyTorch's, bit for bit
 *     (for torchvision's models: those of tv_init_checked; the others are
 *     skipped, saying why; PS_TEST_INIT_UNCHECKED=1 compares them too).
 */
#include "ps-test-util.h"

#include <gio/gio.h>
#include <string.h>

/* NAME.EXT, or NAME.EXT.gz uncompressed; NULL if neither exists */
static char *
read_fixture (const char *name, const char *ext)
{
  g_autofree char *rel = g_strdup_printf ("layers/%s.%s", name, ext);
  g_autofree char *path = ps_test_fixture (rel);
  g_autofree char *gz = g_strconcat (path, ".gz", NULL);
  g_autoptr (GFile) file = NULL;
  g_autoptr (GInputStream) raw = NULL, in = NULL;
  g_autoptr (GZlibDecompressor) z = NULL;
  g_autoptr (GOutputStream) out = NULL;
  GError *error = NULL;
  char *text = NULL;

  if (g_file_get_contents (path, &text, NULL, NULL))
    return text;
  if (!g_file_test (gz, G_FILE_TEST_EXISTS))
    return NULL;
  file = g_file_new_for_path (gz);
  raw = G_INPUT_STREAM (g_file_read (file, NULL, &error));
  g_assert_no_error (error);
  z = g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP);
  in = g_converter_input_stream_new (raw, G_CONVERTER (z));
  out = g_memory_output_stream_new_resizable ();
  g_output_stream_splice (out, in, G_OUTPUT_STREAM_SPLICE_CLOSE_SOURCE, NULL, &error);
  g_assert_no_error (error);
  g_output_stream_write (out, "", 1, NULL, &error);          /* the terminating NUL */
  g_assert_no_error (error);
  g_output_stream_close (out, NULL, &error);
  g_assert_no_error (error);
  return g_memory_output_stream_steal_data (G_MEMORY_OUTPUT_STREAM (out));
}

static gboolean
fixture_exists (const char *name, const char *ext)
{
  g_autofree char *text = read_fixture (name, ext);
  return text != NULL;
}

static PsModule *
open_repr (const char *name, const char *text, PsRng *rng)
{
  GError *error = NULL;
  g_autofree char *file = g_strdup_printf ("%s.txt", name);
  PsModule *m;

  g_assert_true (ps_model_text_is_repr (text, -1));
  m = ps_model_parse_repr (text, -1, file, rng, &error);
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

/* The repr cannot express tying: where PyTorch ties two names, the model
 * read from its print has two parameters. */
static gboolean
is_tied_fixture (const char *name)
{
  return strcmp (name, "lm_tied") == 0;
}

static gint64
shape_numel (const char *shape)
{
  g_auto (GStrv) d = g_strsplit (shape, ",", -1);
  gint64 n = 1;
  for (guint i = 0; d[i] && *d[i]; i++)
    n *= g_ascii_strtoll (d[i], NULL, 10);
  return n;
}

/* key is PyTorch's and not ours: it must be a slot of a module whose own
 * parameters the repr cannot show (a class unknown to the table). */
static void
check_unknown_owner (PsModule *net, const char *name, const char *key)
{
  const char *dot = strrchr (key, '.');
  g_autofree char *path = dot ? g_strndup (key, dot - key) : g_strdup ("");
  PsModule *owner = ps_module_find_module (net, path);

  if (owner == NULL || ps_module_get_params_known (owner))
    g_error ("%s: PyTorch's key %s is missing, and its module %s is %s", name, key,
             *path ? path : "(root)", owner ? ps_module_get_type_name (owner) : "absent");
}

static guint n_leaves_rebuilt;

static void
check_extra_reprs (PsModule *net, const char *name)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (net);

  for (guint i = 0; i < mods->len; i++)
    {
      PsNamedModule *nm = mods->pdata[i];
      PsModule *m = nm->module;
      g_autofree char *formatted = NULL;

      if (ps_module_get_kind (m) == PS_MODULE_LAYER
          && ps_layer_classify (ps_module_get_type_name (m)) == PS_LAYER_LEAF)
        {
          /* built from the arguments its extra_repr shows, it prints the same */
          g_autoptr (PsLayerArgs) a = ps_layer_args_parse (ps_module_get_extra_repr (m), NULL);
          g_autoptr (PsModule) built = a ? ps_layer_new (ps_module_get_type_name (m), a, NULL, NULL)
                                         : NULL;
          g_autofree char *want = ps_module_repr (m), *got = NULL;
          if (built == NULL)
            {
              g_test_message ("%s: %s cannot be rebuilt from \"%s\"", name, nm->name,
                              ps_module_get_extra_repr (m));
              continue;
            }
          got = ps_module_repr (built);
          if (strcmp (got, want) != 0)
            g_error ("%s: %s: built from its arguments it prints \"%s\", PyTorch \"%s\"",
                     name, nm->name, got, want);
          n_leaves_rebuilt++;
          continue;
        }
      if (ps_module_get_kind (m) != PS_MODULE_LAYER
          || ps_layer_classify (ps_module_get_type_name (m)) != PS_LAYER_PARAMETRIZED)
        continue;
      formatted = ps_layer_extra_repr (m);
      g_assert_nonnull (formatted);
      if (strcmp (formatted, ps_module_get_extra_repr (m)) != 0)
        g_error ("%s: %s (%s): formatted \"%s\", PyTorch printed \"%s\"", name, nm->name,
                 ps_module_get_type_name (m), formatted, ps_module_get_extra_repr (m));
    }
}

static void
test_fixture (gconstpointer data)
{
  const char *name = data;
  g_autofree char *text = read_fixture (name, "txt");
  g_autofree char *keys = read_fixture (name, "keys");
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GPtrArray) np = NULL, sd = NULL;
  g_auto (GStrv) lines = NULL;
  guint ip = 0, is = 0, n_unknown_keys = 0;
  gint64 n_params = -1, n_unknown = 0;

  g_assert_nonnull (text);
  g_assert_nonnull (keys);
  net = open_repr (name, text, NULL);

  /* print round-trips */
  {
    g_autofree char *repr = ps_module_repr (net);
    g_autofree char *want = g_strndup (text, strlen (text) - (g_str_has_suffix (text, "\n") ? 1 : 0));
    g_assert_cmpstr (repr, ==, want);
  }

  np = ps_module_named_parameters (net);
  sd = ps_module_state_dict (net);
  lines = g_strsplit (keys, "\n", -1);
  for (guint i = 0; lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", -1);
      gboolean is_p = f[0] && strcmp (f[0], "P") == 0, is_s = f[0] && strcmp (f[0], "S") == 0;
      GPtrArray *ours = is_p ? np : sd;
      guint *at = is_p ? &ip : &is;
      PsNamedParam *e;
      g_autofree char *shape = NULL;

      if (g_str_has_prefix (lines[i], "params "))
        n_params = g_ascii_strtoll (lines[i] + 7, NULL, 10);
      if ((!is_p && !is_s) || (is_p && is_tied_fixture (name)))
        continue;
      e = *at < ours->len ? ours->pdata[*at] : NULL;
      if (e == NULL || strcmp (e->name, f[1]) != 0)
        {
          /* only the own parameters of a class the repr cannot tell may be missing */
          check_unknown_owner (net, name, f[1]);
          if (is_p)
            n_unknown += shape_numel (f[2]);
          else
            n_unknown_keys++;
          continue;
        }
      (*at)++;
      shape = shape_text (e->param);
      g_assert_cmpstr (shape, ==, f[2]);
      if (is_s)
        g_assert_cmpstr (ps_dtype_name (ps_param_get_dtype (e->param)), ==, f[3]);
    }
  g_assert_cmpuint (is, ==, sd->len);
  if (!is_tied_fixture (name))
    {
      g_assert_cmpuint (ip, ==, np->len);
      g_assert_cmpint (ps_module_count_params (net, NULL) + n_unknown, ==, n_params);
    }
  if (n_unknown_keys)
    g_test_message ("%s: %u state_dict keys of classes unknown to the repr "
                    "(%" G_GINT64_FORMAT " parameters)", name, n_unknown_keys, n_unknown);
  /* naming, counting and printing allocated nothing */
  for (guint i = 0; i < sd->len; i++)
    g_assert_true (ps_param_is_meta (((PsNamedParam *) sd->pdata[i])->param));

  n_leaves_rebuilt = 0;
  check_extra_reprs (net, name);
  if (strcmp (name, "leaves") == 0)
    g_assert_cmpuint (n_leaves_rebuilt, ==, 57);

  /* every key has a Python path (net.layer1[0].conv1.weight) that leads back to it */
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *e = sd->pdata[i];
      g_autofree char *path = ps_module_key_to_index_path (net, e->name, "net");
      PsParam *found = NULL;
      GError *error = NULL;
      g_assert_nonnull (path);
      g_assert_nonnull (ps_module_find_by_index_path (net, path, &found, &error));
      g_assert_no_error (error);
      g_assert_true (found == e->param);
    }
}

static gboolean init_is_checked (const char *name);
static const char *init_unchecked_why (const char *name);

static char *
tensor_hash (PsParam *p)
{
  PsTensor *t = ps_param_get_data (p);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  char *hex;

  g_assert_nonnull (t);
  if (ps_param_get_dtype (p) == PS_DTYPE_I64)
    for (int64_t i = 0; i < t->numel; i++)
      {
        gint64 v = GINT64_TO_LE ((gint64) t->data[i]);
        g_checksum_update (sum, (const guchar *) &v, sizeof v);
      }
  else
    g_checksum_update (sum, (const guchar *) t->data, (gssize) (t->numel * sizeof (float)));
  hex = g_strndup (g_checksum_get_string (sum), 16);
  return hex;
}

/* The suite's run (layers-tv-init) compares the torchvision models of up to
 * 30 million parameters and, of each family those leave out, the models
 * below: a fifth of the 4.5 billion draws and hashes of the whole list, which
 * take a quarter of an hour on a loaded machine.  PS_TEST_TV_INIT_ALL=1
 * compares every model that has hashes; PS_TEST_TV_INIT_MAX=N only those of
 * at most N parameters (the sanitizer run, where each draw costs more). */
#define TV_INIT_QUICK_MAX 30000000
static const char *const tv_init_quick_large[] = {
  "tv_vit_b_32", "tv_maxvit_t", "tv_mvit_v1_b", "tv_mvit_v2_s", "tv_vgg11",
  "tv_fcn_resnet50", "tv_fcos_resnet50_fpn", "tv_retinanet_resnet50_fpn",
  "tv_retinanet_resnet50_fpn_v2", "tv_fasterrcnn_resnet50_fpn_v2", "tv_maskrcnn_resnet50_fpn",
  "tv_maskrcnn_resnet50_fpn_v2", "tv_keypointrcnn_resnet50_fpn", "tv_ssd300_vgg16",
  NULL
};

/* Why this run leaves a torchvision model's init out, or NULL */
static char *
tv_init_left_out (const char *name)
{
  const char *all = g_getenv ("PS_TEST_TV_INIT_ALL");
  const char *max_env = g_getenv ("PS_TEST_TV_INIT_MAX");
  g_autofree char *keys = NULL;
  guint64 max = TV_INIT_QUICK_MAX, n = 0;

  if (!g_str_has_prefix (name, "tv_") || (all != NULL && g_str_equal (all, "1")))
    return NULL;
  if (max_env != NULL)
    max = g_ascii_strtoull (max_env, NULL, 10);
  else if (g_strv_contains ((const char *const *) tv_init_quick_large, name))
    return NULL;
  keys = read_fixture (name, "keys");
  g_assert_true (g_str_has_prefix (keys, "params "));
  n = g_ascii_strtoull (keys + strlen ("params "), NULL, 10);
  if (n <= max)
    return NULL;
  return g_strdup_printf ("%" G_GUINT64_FORMAT " parameters, more than this run's %"
                          G_GUINT64_FORMAT " (PS_TEST_TV_INIT_ALL=1 compares it)", n, max);
}

static void
test_init (gconstpointer data)
{
  const char *name = data;
  g_autofree char *text = read_fixture (name, "txt");
  g_autofree char *want = read_fixture (name, "init");
  g_autoptr (PsModule) net = NULL;
  g_autoptr (GPtrArray) sd = NULL;
  g_auto (GStrv) lines = NULL;
  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PsRng rng;
  guint k = 0, bad = 0, n_unknown = 0;

  if (!init_is_checked (name) && !g_getenv ("PS_TEST_INIT_UNCHECKED"))
    {
      g_test_skip (init_unchecked_why (name));
      return;
    }
  {
    g_autofree char *left_out = tv_init_left_out (name);
    if (left_out != NULL)
      {
        g_test_skip (left_out);
        return;
      }
  }
  ps_rng_seed (&rng, 0);
  net = open_repr (name, text, &rng);
  sd = ps_module_state_dict (net);
  lines = g_strsplit (want, "\n", -1);
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
      PsNamedParam *e;
      g_autofree char *got = NULL;

      e = k < sd->len ? sd->pdata[k] : NULL;
      if (e == NULL || strcmp (e->name, f[0]) != 0)
        {
          /* a parameter of a class the repr cannot tell (ConvNeXt's layer_scale) */
          check_unknown_owner (net, name, f[0]);
          n_unknown++;
          continue;
        }
      k++;
      got = tensor_hash (e->param);
      if (is_tied_fixture (name) && g_hash_table_contains (seen, f[1]))
        continue;          /* PyTorch's tied alias: the repr made it a parameter of its own */
      g_hash_table_add (seen, g_strdup (f[1]));
      if (strcmp (got, f[1]) != 0)
        {
          g_test_message ("%s: %s differs from PyTorch's default initialization", name, e->name);
          bad++;
        }
    }
  g_assert_cmpuint (k, ==, sd->len);
  g_assert_cmpuint (bad, ==, 0);
  if (n_unknown)
    g_test_message ("%s: %u state_dict keys of classes unknown to the repr not compared",
                    name, n_unknown);
}

/* A 4.9 GiB Embedding: print and names --shapes answer without allocating;
 * init, which needs the values, is refused by the parameter budget. */
static void
test_cli_huge (void)
{
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "huge.txt", NULL);
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  const char *text = "LM(\n  (emb): Embedding(320000, 4096)\n  (rnn): LSTM(4096, 4096)\n)\n";

  g_assert_true (g_file_set_contents (model, text, -1, NULL));
  {
    const char *argv[] = { "print", model, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, text);
    g_assert_cmpstr (err, ==, "paramscope-cli: note: no known parameters of their own for LM (1)\n");
  }
  {
    const char *argv[] = { "names", "--state-dict", "--shapes", model, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 0);
    g_assert_cmpstr (out, ==, "emb.weight\t[320000, 4096]\tF32\n"
                     "rnn.weight_ih_l0\t[16384, 4096]\tF32\n"
                     "rnn.weight_hh_l0\t[16384, 4096]\tF32\n"
                     "rnn.bias_ih_l0\t[16384]\tF32\n"
                     "rnn.bias_hh_l0\t[16384]\tF32\n");
  }
  {
    const char *argv[] = { "init", model, "-o", out_path, NULL };
    g_autofree char *out = NULL, *err = NULL;
    g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 1);
    g_assert_nonnull (strstr (err, "above the limit"));
    g_assert_false (g_file_test (out_path, G_FILE_TEST_EXISTS));
  }
  ps_test_rmdir (dir);
}

/* paramscope-cli init of a repr writes PyTorch's state_dict after
 * torch.manual_seed(0), the integer buffers as I64: a model file of layers,
 * and a torchvision model whose family initializes its own way. */
static void
test_cli_init (gconstpointer data)
{
  const char *name = data;
  g_autofree char *dir = ps_test_tmpdir ();
  g_autofree char *model = g_build_filename (dir, "model.txt", NULL);
  g_autofree char *out_path = g_build_filename (dir, "out.safetensors", NULL);
  g_autofree char *text = read_fixture (name, "txt");
  g_autofree char *want = read_fixture (name, "init");
  g_auto (GStrv) lines = g_strsplit (want, "\n", -1);
  const char *argv[] = { "init", model, "--seed", "0", "-o", out_path, NULL };
  g_autofree char *out = NULL, *err = NULL;
  g_autoptr (PsSafetensors) st = NULL;
  g_autofree char *file = NULL;
  gsize file_len = 0;
  guint64 data_start = 0;
  guint n = 0;

  g_assert_true (g_file_set_contents (model, text, -1, NULL));
  g_assert_cmpint (ps_test_run_cli (argv, &out, &err), ==, 0);
  st = ps_safetensors_open (out_path, NULL);
  g_assert_nonnull (st);
  g_assert_true (g_file_get_contents (out_path, &file, &file_len, NULL));
  g_assert_cmpuint (file_len, >=, 8);
  for (int b = 7; b >= 0; b--)
    data_start = (data_start << 8) | (guint8) file[b];
  data_start += 8;
  for (guint i = 0; lines[i] && *lines[i]; i++)
    {
      g_auto (GStrv) f = g_strsplit (lines[i], "\t", 2);
      const PsSafetensorsEntry *e = ps_safetensors_resolve (st, f[0]);
      g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
      g_autofree char *hex = NULL;
      g_assert_nonnull (e);
      g_checksum_update (sum, (const guchar *) file + data_start + e->begin,
                         (gssize) (e->end - e->begin));
      hex = g_strndup (g_checksum_get_string (sum), 16);
      if (strcmp (hex, f[1]) != 0)
        g_error ("%s: init's %s differs from PyTorch's", name, f[0]);
      if (g_str_has_suffix (f[0], "num_batches_tracked"))
        g_assert_cmpint (e->dtype, ==, PS_DTYPE_I64);
      n++;
    }
  g_assert_cmpuint (n, ==, ps_safetensors_get_n (st));
  ps_test_rmdir (dir);
}

/* Torchvision models whose initialization init gives bit for bit: the layers'
 * defaults in construction order, then their family's own loop
 * (core/ps-layer-family.c).  The hashes of every state_dict key the repr
 * shows are compared (a parameter of a class the repr cannot tell, such as
 * ConvNeXt's layer_scale, is not). */
static const char *const tv_init_checked[] = {
  "tv_alexnet",
  "tv_convnext_base", "tv_convnext_small", "tv_convnext_tiny",
  "tv_densenet121", "tv_densenet161", "tv_densenet169", "tv_densenet201",
  "tv_efficientnet_b0", "tv_efficientnet_b1", "tv_efficientnet_b2", "tv_efficientnet_b3",
  "tv_efficientnet_b4", "tv_efficientnet_b5", "tv_efficientnet_b6", "tv_efficientnet_b7",
  "tv_efficientnet_v2_l", "tv_efficientnet_v2_m", "tv_efficientnet_v2_s",
  "tv_googlenet", "tv_quantized_googlenet", "tv_inception_v3", "tv_quantized_inception_v3",
  "tv_mnasnet0_5", "tv_mnasnet0_75", "tv_mnasnet1_0", "tv_mnasnet1_3",
  "tv_mobilenet_v2", "tv_quantized_mobilenet_v2",
  "tv_mobilenet_v3_large", "tv_mobilenet_v3_small", "tv_quantized_mobilenet_v3_large",
  "tv_regnet_x_16gf", "tv_regnet_x_1_6gf", "tv_regnet_x_32gf", "tv_regnet_x_3_2gf",
  "tv_regnet_x_400mf", "tv_regnet_x_800mf", "tv_regnet_x_8gf", "tv_regnet_y_16gf",
  "tv_regnet_y_1_6gf", "tv_regnet_y_32gf", "tv_regnet_y_3_2gf", "tv_regnet_y_400mf",
  "tv_regnet_y_800mf", "tv_regnet_y_8gf",
  "tv_resnet18", "tv_resnet34", "tv_resnet50", "tv_resnet101", "tv_resnet152",
  "tv_resnext50_32x4d", "tv_resnext101_32x8d", "tv_resnext101_64x4d",
  "tv_wide_resnet50_2", "tv_wide_resnet101_2",
  "tv_quantized_resnet18", "tv_quantized_resnet50", "tv_quantized_resnext101_32x8d",
  "tv_quantized_resnext101_64x4d",
  "tv_s3d",
  "tv_shufflenet_v2_x0_5", "tv_shufflenet_v2_x1_0", "tv_shufflenet_v2_x1_5",
  "tv_shufflenet_v2_x2_0", "tv_quantized_shufflenet_v2_x0_5", "tv_quantized_shufflenet_v2_x1_0",
  "tv_quantized_shufflenet_v2_x1_5", "tv_quantized_shufflenet_v2_x2_0",
  "tv_squeezenet1_0", "tv_squeezenet1_1",
  "tv_vgg11", "tv_vgg11_bn", "tv_vgg13", "tv_vgg13_bn", "tv_vgg16", "tv_vgg16_bn",
  "tv_vgg19", "tv_vgg19_bn",
  "tv_vit_b_16", "tv_vit_b_32",
  "tv_swin_t", "tv_swin_s", "tv_swin_b", "tv_swin_v2_t", "tv_swin_v2_s", "tv_swin_v2_b",
  "tv_maxvit_t",
  "tv_mc3_18", "tv_r2plus1d_18", "tv_r3d_18",
  "tv_deeplabv3_mobilenet_v3_large", "tv_deeplabv3_resnet50", "tv_deeplabv3_resnet101",
  "tv_fcn_resnet50", "tv_fcn_resnet101", "tv_lraspp_mobilenet_v3_large",
  "tv_fasterrcnn_mobilenet_v3_large_320_fpn", "tv_fasterrcnn_mobilenet_v3_large_fpn",
  "tv_fasterrcnn_resnet50_fpn", "tv_fasterrcnn_resnet50_fpn_v2", "tv_fcos_resnet50_fpn",
  "tv_keypointrcnn_resnet50_fpn", "tv_maskrcnn_resnet50_fpn", "tv_maskrcnn_resnet50_fpn_v2",
  "tv_retinanet_resnet50_fpn", "tv_retinanet_resnet50_fpn_v2", "tv_ssd300_vgg16",
  "tv_ssdlite320_mobilenet_v3_large", "tv_raft_large", "tv_raft_small",
  "tv_mvit_v1_b", "tv_mvit_v2_s",
  NULL
};

/* Those whose init is not compared, and why (a model whose hashes are kept
 * but not compared is skipped, saying why). */
typedef struct
{
  const char *name;
  const char *why;
} Unchecked;

#define TOO_LARGE "no hashes: more parameters than generate.py's INIT_MAX (150 million)"

static const Unchecked tv_init_unchecked[] = {
  { "tv_convnext_large", TOO_LARGE },
  { "tv_regnet_y_128gf", TOO_LARGE },
  { "tv_vit_h_14", TOO_LARGE },
  { "tv_vit_l_16", TOO_LARGE },
  { "tv_vit_l_32", TOO_LARGE },
};

static const char *
init_unchecked_why (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (tv_init_unchecked); i++)
    if (strcmp (tv_init_unchecked[i].name, name) == 0)
      return tv_init_unchecked[i].why;
  return NULL;
}

static gboolean
init_is_checked (const char *name)
{
  if (!g_str_has_prefix (name, "tv_"))
    return TRUE;
  return g_strv_contains ((const char *const *) tv_init_checked, name);
}

static PsModule *
init_repr (const char *cls, const char *fc_name)
{
  g_autofree char *text = g_strdup_printf (
    "%s(\n"
    "  (conv1): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1), bias=False)\n"
    "  (bn1): BatchNorm2d(8, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
    "  (relu): ReLU(inplace=True)\n"
    "  (maxpool): MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)\n"
    "  (layer1): Identity()\n  (layer2): Identity()\n  (layer3): Identity()\n  (layer4): Identity()\n"
    "  (avgpool): AdaptiveAvgPool2d(output_size=(1, 1))\n"
    "  (%s): Linear(in_features=8, out_features=2, bias=True)\n"
    ")\n", cls, fc_name);
  PsRng rng;

  ps_rng_seed (&rng, 0);
  return open_repr (cls, text, &rng);
}

static gboolean
same_values (PsModule *a, PsModule *b, const char *key_a, const char *key_b)
{
  PsTensor *x = ps_param_get_data (ps_module_find_param (a, key_a));
  PsTensor *y = ps_param_get_data (ps_module_find_param (b, key_b));

  g_assert_nonnull (x);
  g_assert_nonnull (y);
  g_assert_cmpint (x->numel, ==, y->numel);
  return memcmp (x->data, y->data, (size_t) x->numel * sizeof (float)) == 0;
}

/* A family's own initialization follows torchvision's class and children: a
 * user's class named ResNet with other children, or torchvision's children
 * under another class, keep the layers' defaults; the family's loop draws
 * after them (fc keeps its default values, conv1 is redrawn). */
static void
test_init_family_class (void)
{
  g_autoptr (PsModule) resnet = init_repr ("ResNet", "fc");
  g_autoptr (PsModule) net = init_repr ("Net", "fc");
  g_autoptr (PsModule) other = init_repr ("ResNet", "head");

  g_assert_true (same_values (net, other, "conv1.weight", "conv1.weight"));
  g_assert_false (same_values (resnet, net, "conv1.weight", "conv1.weight"));
  g_assert_true (same_values (resnet, net, "fc.weight", "fc.weight"));
  g_assert_true (same_values (resnet, other, "fc.bias", "head.bias"));
}

static int
compare_names (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

/* Every model of torchvision's list has its print and keys, and its
 * initialization's hashes up to generate.py's INIT_MAX parameters (a merge
 * once dropped half of these files without a test noticing). */
static void
test_torchvision_list (void)
{
  g_autofree char *list = read_fixture ("torchvision", "list");
  g_auto (GStrv) names = NULL;
  guint n = 0, n_init = 0, n_checked = 0;

  g_assert_nonnull (list);
  names = g_strsplit (list, "\n", -1);
  for (guint i = 0; names[i]; i++)
    {
      g_autofree char *tv = NULL;
      if (!*names[i])
        continue;
      tv = g_strconcat ("tv_", names[i], NULL);
      if (!fixture_exists (tv, "txt") || !fixture_exists (tv, "keys"))
        g_error ("torchvision's %s has no fixture %s.txt.gz or %s.keys.gz", names[i], tv, tv);
      {
        /* every model is checked or says why not, not both; checked ones have hashes */
        const char *why = init_unchecked_why (tv);
        gboolean has_init = fixture_exists (tv, "init");
        if (init_is_checked (tv) == (why != NULL))
          g_error ("%s is %s", tv, why ? "both checked and not checked"
                                       : "neither checked nor listed as not checked");
        if (why)
          g_test_message ("%s: init not compared: %s", tv, why);
        else if (!has_init)
          g_error ("%s is checked but has no fixture %s.init.gz", tv, tv);
        n_init += has_init;
        n_checked += why == NULL;
      }
      n++;
    }
  g_test_message ("%u torchvision models, %u with the initialization's hashes, %u of them "
                  "compared", n, n_init, n_checked);
  g_assert_cmpuint (n, ==, 118);      /* torchvision 0.14's list_models() */
  g_assert_cmpuint (n_init, >=, 80);
  g_assert_cmpuint (n_checked, ==, g_strv_length ((char **) tv_init_checked));
}

int
main (int argc, char **argv)
{
  g_autofree char *dir = NULL;
  g_autoptr (GDir) d = NULL;
  g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *entry;
  gboolean tv_init = FALSE;

  g_test_init (&argc, &argv, NULL);
  /* --tv-init: only the initialization of torchvision's models (minutes: the
   * largest have 140 million parameters), which the suite runs as layers-tv-init */
  for (int i = 1; i < argc; i++)
    if (strcmp (argv[i], "--tv-init") == 0)
      tv_init = TRUE;
  dir = ps_test_fixture ("layers");
  d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  while ((entry = g_dir_read_name (d)))
    if (g_str_has_suffix (entry, ".txt") || g_str_has_suffix (entry, ".txt.gz"))
      g_ptr_array_add (names, g_strndup (entry, strstr (entry, ".txt") - entry));
  g_ptr_array_sort (names, compare_names);
  for (guint i = 0; i < names->len; i++)
    {
      const char *n = names->pdata[i];
      gboolean is_tv = g_str_has_prefix (n, "tv_");
      if (!tv_init)
        {
          g_autofree char *path = g_strdup_printf ("/layers/model/%s", n);
          g_test_add_data_func (path, n, test_fixture);
        }
      if (is_tv == tv_init && fixture_exists (n, "init"))
        {
          g_autofree char *ipath = g_strdup_printf ("/layers/init/%s", n);
          g_test_add_data_func (ipath, n, test_init);
        }
    }
  if (tv_init)
    return g_test_run ();
  g_test_add_func ("/layers/torchvision-list", test_torchvision_list);
  g_test_add_func ("/layers/init-family-class", test_init_family_class);
  g_test_add_func ("/layers/cli/huge", test_cli_huge);
  g_test_add_data_func ("/layers/cli/init", "convnet", test_cli_init);
  g_test_add_data_func ("/layers/cli/init-torchvision", "tv_squeezenet1_1", test_cli_init);
  return g_test_run ();
}
