/* ps-document-code.c — the PyTorch code of the document's commands, for the
 * console ("nn.init.normal_(net[0].weight, mean=0, std=0.01)") */
#include "ps-document-private.h"

#include <string.h>

/* "net[0]" for a module of the network ("net" for the root). */
static char *
module_expr (PsModule *model, const char *name, PsModule *module)
{
  g_autoptr (GPtrArray) nm = NULL;

  if (module == NULL || module == model)
    return g_strdup (name);
  nm = ps_module_named_modules (model);
  for (guint i = 0; i < nm->len; i++)
    {
      PsNamedModule *n = nm->pdata[i];
      if (n->module == module)
        {
          char *path = ps_module_path_to_index_path (model, n->name, name);
          return path ? path : g_strdup (name);
        }
    }
  return g_strdup (name);
}

/* "nn.init.normal_(TARGET, mean=0, std=0.01)"; target NULL: "p". */
static char *
init_call (const PsInitScheme *scheme, const char *target)
{
  g_autofree char *text = ps_init_scheme_to_string (scheme);
  const char *paren = strchr (text, '(');
  g_autofree char *name = g_strndup (text, paren ? (gsize) (paren - text) : strlen (text));
  g_autofree char *args = NULL;

  if (paren && strlen (paren) > 2)
    args = g_strndup (paren + 1, strlen (paren) - 2);
  if (scheme->info->kind == PS_INIT_DEFAULT)
    return g_strdup_printf ("%s.reset_parameters()  # PyTorch's default", target);
  if (strcmp (scheme->info->family, "torch") != 0)
    return g_strdup_printf ("# %s(%s) on %s (not in torch.nn.init)", name, args ? args : "",
                            target);
  return g_strdup_printf ("nn.init.%s_(%s%s%s)", name, target, args ? ", " : "",
                          args ? args : "");
}

/* One initialization as PyTorch code: on one parameter, or a loop over a subtree's. */
void
ps_document_code_init (PsModule *model, const char *name, GString *code, PsModule *module,
                       PsParam *param, PsInitTarget target, const PsInitScheme *scheme)
{
  g_autofree char *call = NULL;

  if (param)
    {
      g_autoptr (GPtrArray) aliases = ps_module_param_aliases (model, param);
      g_autofree char *path = aliases->len
        ? ps_module_key_to_index_path (model, aliases->pdata[0], name) : NULL;
      call = init_call (scheme, path ? path : "p");
      g_string_append_printf (code, "%s\n", call);
      return;
    }
  if (scheme->info->kind == PS_INIT_DEFAULT)
    {
      g_autofree char *m = module_expr (model, name, module);
      g_string_append_printf (code, "for m in %s.modules():\n"
                              "    if hasattr(m, 'reset_parameters'):\n"
                              "        m.reset_parameters()\n", m);
      return;
    }
  {
    g_autofree char *m = module_expr (model, name, module);
    call = init_call (scheme, "p");
    g_string_append_printf (code, "for name, p in %s.named_parameters():\n", m);
    if (target == PS_TARGET_BOTH)
      g_string_append_printf (code, "    %s\n", call);
    else
      g_string_append_printf (code, "    if name.endswith('%s'):\n        %s\n",
                              target == PS_TARGET_WEIGHTS ? "weight" : "bias", call);
  }
}
