/* test-tensor-format.c — repr() of tensors against PyTorch's, character for character
 *
 * tests/fixtures/tensor/format.json holds tensors made by PyTorch 1.13 with
 * their print options and repr(); every case must come out the same here.
 */
#include "ps-test-array.h"
#include "ps-test-util.h"

#include <math.h>
#include <string.h>

static void
apply_options (JsonObject *o, PsPrintOptions *opts)
{
  ps_print_options_init (opts);
  if (o == NULL)
    return;
  if (json_object_has_member (o, "profile"))
    g_assert_true (ps_print_options_set_profile (opts,
                                                 json_object_get_string_member (o, "profile")));
  if (json_object_has_member (o, "precision"))
    opts->precision = (int) json_object_get_int_member (o, "precision");
  if (json_object_has_member (o, "threshold"))
    opts->threshold = json_object_get_double_member (o, "threshold");
  if (json_object_has_member (o, "edgeitems"))
    opts->edgeitems = (int) json_object_get_int_member (o, "edgeitems");
  if (json_object_has_member (o, "linewidth"))
    opts->linewidth = (int) json_object_get_int_member (o, "linewidth");
  if (json_object_has_member (o, "sci_mode"))
    opts->sci_mode = json_object_get_boolean_member (o, "sci_mode") ? 1 : 0;
}

static void
test_fixtures (void)
{
  g_autoptr (JsonParser) parser = NULL;
  JsonArray *cases = ps_test_load_json_array ("format.json", &parser);
  guint n = json_array_get_length (cases), failed = 0;

  g_assert_cmpuint (n, >, 50);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      g_autoptr (PsArray) a = ps_test_array_from_json (c);
      g_autoptr (PsArray) shown = NULL;
      g_autoptr (PsParam) param = NULL;
      g_autoptr (GError) error = NULL;
      g_autofree char *got = NULL;
      PsPrintOptions opts;
      const char *want = json_object_get_string_member (c, "repr");
      gboolean rg = json_object_get_boolean_member_with_default (c, "requires_grad", FALSE);

      apply_options (json_object_has_member (c, "opts")
                     ? json_object_get_object_member (c, "opts") : NULL, &opts);
      if (json_object_get_boolean_member_with_default (c, "param", FALSE))
        {
          g_autoptr (PsTensor) t = ps_array_to_tensor (a, &error);
          g_assert_no_error (error);
          param = ps_param_new (t);
          ps_param_set_requires_grad (param, rg);
          shown = ps_array_new_for_param (param, &error);
          g_assert_no_error (error);
        }
      else
        {
          shown = ps_array_ref (a);
          if (rg)
            {
              ps_array_set_requires_grad (shown, TRUE, &error);
              g_assert_no_error (error);
            }
        }
      got = ps_array_repr (shown, &opts);
      if (strcmp (got, want) != 0)
        {
          g_test_message ("case %u:\n--- PyTorch\n%s\n--- ParamScope\n%s", i, want, got);
          failed++;
        }
    }
  g_test_message ("%u of %u reprs as PyTorch's", n - failed, n);
  g_assert_cmpuint (failed, ==, 0);
}

static void
test_size (void)
{
  int64_t s[2] = { 8, 4 };
  g_autofree char *a = ps_size_repr (2, s);
  g_autofree char *b = ps_size_repr (0, NULL);

  g_assert_cmpstr (a, ==, "torch.Size([8, 4])");
  g_assert_cmpstr (b, ==, "torch.Size([])");
}

/* grad_fn suffixes name the node, and a parameter that required grad keeps
 * "Parameter containing:" */
static void
test_suffixes (void)
{
  g_autoptr (GError) error = NULL;
  int64_t s[1] = { 2 };
  g_autoptr (PsArray) x = ps_array_new_ones (PS_DTYPE_F32, 1, s, &error);
  g_autoptr (PsArray) two = ps_array_new_wrapped (ps_scalar_int (2));
  g_autoptr (PsArray) y = NULL;
  g_autofree char *r = NULL;

  ps_array_set_requires_grad (x, TRUE, &error);
  y = ps_array_binary (PS_BINARY_MUL, x, two, &error);
  g_assert_no_error (error);
  r = ps_array_repr (y, NULL);
  g_assert_cmpstr (r, ==, "tensor([2., 2.], grad_fn=<MulBackward0>)");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/core/tensor-format/fixtures", test_fixtures);
  g_test_add_func ("/core/tensor-format/size", test_size);
  g_test_add_func ("/core/tensor-format/suffixes", test_suffixes);
  return g_test_run ();
}
