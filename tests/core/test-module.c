/* test-module.c — the module tree: containers of a user's class, buffers,
 * PyTorch's orders of named_parameters / named_buffers / state_dict, meta
 * parameters that are named and counted without storage, options and the
 * forward hook.  The expected key lists are what PyTorch 1.13 prints for
 * the same module (torch_oracle.py names, model in the comment below). */
#include "ps-test-util.h"

#include <string.h>

/* class Block(nn.Module):
 *     def __init__(self):
 *         super().__init__()
 *         self.scale = nn.Parameter(torch.ones(3))
 *         self.bn = nn.BatchNorm1d(3)
 *         self.fc = nn.Linear(3, 2)
 *         self.register_buffer("step", torch.zeros(1, dtype=torch.int64))
 *         self.register_buffer("tmp", torch.zeros(2), persistent=False)
 * net = nn.Sequential(Block(), nn.ReLU()) */
static const char *expect_named_parameters[] = {
  "0.scale", "0.bn.weight", "0.bn.bias", "0.fc.weight", "0.fc.bias", NULL,
};
static const char *expect_state_dict[] = {
  "0.scale", "0.step", "0.bn.weight", "0.bn.bias", "0.bn.running_mean", "0.bn.running_var",
  "0.bn.num_batches_tracked", "0.fc.weight", "0.fc.bias", NULL,
};
static const char *expect_named_buffers[] = {
  "0.step", "0.tmp", "0.bn.running_mean", "0.bn.running_var", "0.bn.num_batches_tracked", NULL,
};
static const char *expect_repr =
  "Sequential(\n"
  "  (0): Block(\n"
  "    (bn): BatchNorm1d(3, eps=1e-05, momentum=0.1, affine=True, track_running_stats=True)\n"
  "    (fc): Linear(in_features=3, out_features=2, bias=True)\n"
  "  )\n"
  "  (1): ReLU()\n"
  ")";

static PsParam *
meta (int ndim, const int64_t *shape, PsDtype dtype)
{
  return ps_param_new_meta (ndim, shape, dtype);
}

static PsModule *
batch_norm_1d (int64_t n)
{
  PsModule *bn = ps_module_new_layer ("BatchNorm1d");
  GError *error = NULL;

  ps_module_set_extra_repr (bn, "3, eps=1e-05, momentum=0.1, affine=True, "
                            "track_running_stats=True");
  ps_module_set_option (bn, "num_features", g_variant_new_int64 (n));
  ps_module_set_option (bn, "eps", g_variant_new_double (1e-5));
  g_assert_true (ps_module_add_param (bn, "weight", meta (1, &n, PS_DTYPE_F32), &error));
  g_assert_true (ps_module_add_param (bn, "bias", meta (1, &n, PS_DTYPE_F32), &error));
  g_assert_true (ps_module_add_buffer (bn, "running_mean", meta (1, &n, PS_DTYPE_F32), TRUE,
                                       &error));
  g_assert_true (ps_module_add_buffer (bn, "running_var", meta (1, &n, PS_DTYPE_F32), TRUE,
                                       &error));
  g_assert_true (ps_module_add_buffer (bn, "num_batches_tracked",
                                       meta (0, NULL, PS_DTYPE_I64), TRUE, &error));
  g_assert_no_error (error);
  return bn;
}

static PsModule *
build_net (void)
{
  PsModule *net = ps_module_new_sequential ();
  PsModule *block = ps_module_new_container ("Block");
  GError *error = NULL;
  int64_t three = 3, one = 1, two = 2;

  g_assert_true (ps_module_add_param (block, "scale", meta (1, &three, PS_DTYPE_F32), &error));
  g_assert_true (ps_module_append (block, "bn", batch_norm_1d (3), &error));
  g_assert_true (ps_module_append (block, "fc", ps_module_new_linear (3, 2, TRUE, NULL), &error));
  g_assert_true (ps_module_add_buffer (block, "step", meta (1, &one, PS_DTYPE_I64), TRUE, &error));
  g_assert_true (ps_module_add_buffer (block, "tmp", meta (1, &two, PS_DTYPE_F32), FALSE, &error));
  g_assert_true (ps_module_append (net, NULL, block, &error));
  g_assert_true (ps_module_append (net, NULL, ps_module_new (PS_MODULE_RELU), &error));
  g_assert_no_error (error);
  return net;
}

static void
assert_names (GPtrArray *got, const char **expect)
{
  guint n = 0;
  while (expect[n])
    n++;
  for (guint i = 0; i < MIN (got->len, n); i++)
    g_assert_cmpstr (((PsNamedParam *) got->pdata[i])->name, ==, expect[i]);
  g_assert_cmpuint (got->len, ==, n);
}

static void
test_orders (void)
{
  g_autoptr (PsModule) net = build_net ();
  g_autoptr (GPtrArray) np = ps_module_named_parameters (net);
  g_autoptr (GPtrArray) sd = ps_module_state_dict (net);
  g_autoptr (GPtrArray) nb = ps_module_named_buffers (net);
  g_autofree char *repr = ps_module_repr (net);

  assert_names (np, expect_named_parameters);
  assert_names (sd, expect_state_dict);
  assert_names (nb, expect_named_buffers);
  g_assert_cmpstr (repr, ==, expect_repr);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *e = sd->pdata[i];
      gboolean buffer = strstr (e->name, "running") || strstr (e->name, "step")
                        || strstr (e->name, "num_batches");
      g_assert_cmpint (e->is_buffer, ==, buffer);
      g_assert_cmpint (ps_param_get_requires_grad (e->param), ==, !buffer);
    }
  /* a state_dict key finds buffers too; the dtype is kept */
  g_assert_cmpint (ps_param_get_dtype (ps_module_find_param (net, "0.bn.num_batches_tracked")),
                   ==, PS_DTYPE_I64);
  g_assert_cmpint (ps_param_get_shape (ps_module_find_param (net, "0.bn.num_batches_tracked"),
                                       NULL), ==, 0);
  g_assert_null (ps_module_find_param (net, "0.tmpx"));
  g_assert_cmpstr (ps_module_get_type_name (ps_module_find_module (net, "0")), ==, "Block");
  g_assert_cmpint (ps_module_get_kind (ps_module_find_module (net, "0.bn")), ==,
                   PS_MODULE_LAYER);
}

static void
test_slot_names (void)
{
  g_autoptr (PsModule) m = ps_module_new_container ("Net");
  GError *error = NULL;
  int64_t one = 1;

  g_assert_true (ps_module_add_param (m, "w", meta (1, &one, PS_DTYPE_F32), &error));
  g_assert_false (ps_module_add_buffer (m, "w", meta (1, &one, PS_DTYPE_F32), TRUE, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_assert_nonnull (strstr (error->message, "'w' already exists"));
  g_clear_error (&error);
  g_assert_false (ps_module_add_param (m, "a.b", meta (1, &one, PS_DTYPE_F32), &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
  g_clear_error (&error);
  /* a Linear still has no children, and is not subscriptable */
  {
    g_autoptr (PsModule) lin = ps_module_new_linear (2, 2, TRUE, NULL);
    g_assert_false (ps_module_append (lin, NULL, ps_module_new (PS_MODULE_RELU), &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
    g_clear_error (&error);
  }
  /* ModuleList is indexable, a user's class is not */
  {
    g_autoptr (PsModule) list = ps_module_new_container ("ModuleList");
    g_assert_true (ps_module_append (list, NULL, ps_module_new (PS_MODULE_TANH), &error));
    g_assert_true (ps_module_append (list, NULL, ps_module_new (PS_MODULE_RELU), &error));
    g_assert_cmpstr (ps_module_get_type_name (ps_module_index (list, -1, &error)), ==, "ReLU");
    g_assert_no_error (error);
    g_assert_null (ps_module_index (m, 0, &error));
    g_assert_error (error, PS_ERROR, PS_ERROR_VALUE);
    g_assert_cmpstr (error->message, ==, "'Net' object is not subscriptable");
    g_clear_error (&error);
  }
}

/* A 4.9 GiB Embedding (and a 5-d Conv3d weight): named, counted, printed and
 * cloned without storage; the first ps_param_get_data() allocates. */
static void
test_meta (void)
{
  g_autoptr (PsModule) net = ps_module_new_container ("LM");
  PsModule *emb = ps_module_new_layer ("Embedding");
  PsModule *conv = ps_module_new_layer ("Conv3d");
  int64_t eshape[2] = { 320000, 4096 };                 /* 1.31e9 floats, 4.9 GiB */
  int64_t cshape[5] = { 4, 2, 3, 3, 3 };
  GError *error = NULL;
  PsParam *w;

  ps_module_set_extra_repr (emb, "320000, 4096");
  g_assert_true (ps_module_add_param (emb, "weight", meta (2, eshape, PS_DTYPE_F32), &error));
  g_assert_true (ps_module_add_param (conv, "weight", meta (5, cshape, PS_DTYPE_F32), &error));
  g_assert_true (ps_module_append (net, "emb", emb, &error));
  g_assert_true (ps_module_append (net, "conv", conv, &error));
  g_assert_no_error (error);

  g_assert_cmpint (ps_module_count_params (net, NULL), ==, 320000LL * 4096 + 4 * 2 * 27);
  {
    g_autofree char *repr = ps_module_repr (net);
    g_autoptr (GHashTable) pairs = g_hash_table_new (NULL, NULL);
    g_autoptr (PsModule) copy = ps_module_clone (net, pairs);
    g_assert_cmpstr (repr, ==, "LM(\n  (emb): Embedding(320000, 4096)\n  (conv): Conv3d()\n)");
    g_assert_true (ps_param_is_meta (ps_module_find_param (copy, "emb.weight")));
    g_assert_cmpuint (g_hash_table_size (pairs), ==, 2);
  }
  w = ps_module_find_param (net, "emb.weight");
  g_assert_true (ps_param_is_meta (w));
  g_assert_true (ps_param_is_initialized (w));
  g_assert_cmpint (ps_param_get_numel (w), ==, 320000LL * 4096);

  w = ps_module_find_param (net, "conv.weight");
  {
    int64_t shape[PS_TENSOR_MAX_DIMS];
    PsTensor *t;
    g_assert_cmpint (ps_param_get_shape (w, shape), ==, 5);
    g_assert_cmpint (shape[4], ==, 3);
    t = ps_param_get_data (w);                          /* first need: allocated, zeros */
    g_assert_nonnull (t);
    g_assert_false (ps_param_is_meta (w));
    g_assert_cmpint (t->ndim, ==, 5);
    g_assert_cmpint (t->numel, ==, 4 * 2 * 27);
    g_assert_cmpfloat (t->data[t->numel - 1], ==, 0.f);
  }
}

static void
test_options (void)
{
  g_autoptr (PsModule) conv = ps_module_new_layer ("Conv2d");
  int64_t ks[3] = { 0 };

  ps_module_set_option (conv, "kernel_size", g_variant_new ("(xx)", (gint64) 3, (gint64) 5));
  ps_module_set_option (conv, "stride", g_variant_new_int64 (2));
  ps_module_set_option (conv, "padding_mode", g_variant_new_string ("zeros"));
  ps_module_set_option (conv, "bias", g_variant_new_boolean (FALSE));
  g_assert_cmpint (ps_module_get_option_ints (conv, "kernel_size", ks, 2), ==, 2);
  g_assert_cmpint (ks[0], ==, 3);
  g_assert_cmpint (ks[1], ==, 5);
  g_assert_cmpint (ps_module_get_option_ints (conv, "stride", ks, 3), ==, 3);
  g_assert_cmpint (ks[2], ==, 2);
  g_assert_cmpint (ps_module_get_option_ints (conv, "padding_mode", ks, 2), ==, 0);
  g_assert_cmpint (ps_module_get_option_int (conv, "groups", 1), ==, 1);
  g_assert_cmpfloat (ps_module_get_option_double (conv, "stride", 0), ==, 2.0);
  g_assert_false (ps_module_get_option_bool (conv, "bias", TRUE));
  g_assert_cmpstr (ps_module_get_option_string (conv, "padding_mode"), ==, "zeros");
  g_assert_null (ps_module_get_option_string (conv, "stride"));
  ps_module_set_option (conv, "stride", NULL);
  g_assert_null (ps_module_get_option (conv, "stride"));
  {
    g_autoptr (PsModule) copy = ps_module_clone (conv, NULL);
    g_assert_cmpstr (ps_module_get_option_string (copy, "padding_mode"), ==, "zeros");
    g_assert_cmpstr (ps_module_get_type_name (copy), ==, "Conv2d");
  }
}

/* Module.__repr__ with a multi-line extra_repr and children */
static void
test_repr_extra_lines (void)
{
  g_autoptr (PsModule) m = ps_module_new_container ("Odd");
  g_autoptr (PsModule) leaf = ps_module_new_layer ("Multi");
  g_autofree char *leaf_repr = NULL, *repr = NULL;

  ps_module_set_extra_repr (leaf, "a=1\nb=2");
  leaf_repr = ps_module_repr (leaf);
  g_assert_cmpstr (leaf_repr, ==, "Multi(\n  a=1\n  b=2\n)");
  ps_module_set_extra_repr (m, "k=3");
  g_assert_true (ps_module_append (m, "x", ps_module_ref (leaf), NULL));
  repr = ps_module_repr (m);
  g_assert_cmpstr (repr, ==, "Odd(\n  k=3\n  (x): Multi(\n    a=1\n    b=2\n  )\n)");
  ps_module_set_params_known (m, FALSE);
  g_assert_false (ps_module_get_params_known (m));
  g_assert_true (ps_module_get_params_known (leaf));
}

/* Python's way to each module: Sequential and ModuleList by position, a
 * ModuleDict by key, a user's class by attribute. */
static void
test_index_paths (void)
{
  const char *text =
    "Net(\n"
    "  (layer1): Sequential(\n"
    "    (0): Block(\n"
    "      (conv1): Conv2d(3, 4, kernel_size=(1, 1), stride=(1, 1), bias=False)\n"
    "    )\n"
    "  )\n"
    "  (heads): ModuleDict(\n"
    "    (cls): Linear(in_features=4, out_features=2, bias=True)\n"
    "  )\n"
    "  (blocks): ModuleList(\n"
    "    (0): LayerNorm((4,), eps=1e-05, elementwise_affine=True)\n"
    "  )\n"
    ")";
  GError *error = NULL;
  g_autoptr (PsModule) net = ps_model_parse_repr (text, -1, "net.txt", NULL, &error);
  g_autofree char *a = NULL, *b = NULL, *c = NULL, *d = NULL;
  PsParam *p = NULL;

  g_assert_no_error (error);
  a = ps_module_key_to_index_path (net, "layer1.0.conv1.weight", "net");
  b = ps_module_key_to_index_path (net, "heads.cls.bias", "net");
  c = ps_module_key_to_index_path (net, "blocks.0.weight", "net");
  d = ps_module_path_to_index_path (net, "layer1.0", "net");
  g_assert_cmpstr (a, ==, "net.layer1[0].conv1.weight");
  g_assert_cmpstr (b, ==, "net.heads['cls'].bias");
  g_assert_cmpstr (c, ==, "net.blocks[0].weight");
  g_assert_cmpstr (d, ==, "net.layer1[0]");
  g_assert_true (ps_module_find_by_index_path (net, b, &p, &error) == ps_module_find_module (net, "heads.cls"));
  g_assert_true (p == ps_module_find_param (net, "heads.cls.bias"));
  g_assert_null (ps_module_find_by_index_path (net, "net.heads['box']", &p, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_clear_error (&error);
  g_assert_null (ps_module_find_by_index_path (net, "net.layer1[0].conv2.weight", &p, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_KEY);
  g_clear_error (&error);
}

static int destroyed;

static gpointer
double_it (PsModule *m, gpointer input, gpointer user_data, GError **error)
{
  return GINT_TO_POINTER (GPOINTER_TO_INT (input) * GPOINTER_TO_INT (user_data));
}

static void
count_destroy (gpointer data)
{
  destroyed++;
}

static void
test_forward_hook (void)
{
  PsModule *m = ps_module_new_container ("Net");
  PsModuleForwardFunc fn;
  gpointer data = NULL;

  g_assert_null (ps_module_get_forward (m, &data));
  ps_module_set_forward (m, double_it, GINT_TO_POINTER (2), count_destroy);
  fn = ps_module_get_forward (m, &data);
  g_assert_cmpint (GPOINTER_TO_INT (fn (m, GINT_TO_POINTER (21), data, NULL)), ==, 42);
  {
    g_autoptr (PsModule) copy = ps_module_clone (m, NULL);
    g_assert_null (ps_module_get_forward (copy, NULL));
  }
  ps_module_set_forward (m, double_it, GINT_TO_POINTER (3), count_destroy);
  g_assert_cmpint (destroyed, ==, 1);
  ps_module_unref (m);
  g_assert_cmpint (destroyed, ==, 2);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module/orders", test_orders);
  g_test_add_func ("/module/slot-names", test_slot_names);
  g_test_add_func ("/module/meta", test_meta);
  g_test_add_func ("/module/options", test_options);
  g_test_add_func ("/module/repr-extra-lines", test_repr_extra_lines);
  g_test_add_func ("/module/forward-hook", test_forward_hook);
  g_test_add_func ("/module/index-paths", test_index_paths);
  return g_test_run ();
}
