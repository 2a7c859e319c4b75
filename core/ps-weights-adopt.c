/* ps-weights-adopt.c — the own parameters of classes a model's text cannot
 * tell, taken from a weights file (see ps_module_adopt_weights in ps-weights.h)
 *
 * print(model) shows a torchvision VisionTransformer's children but not its
 * class_token, nor the pos_embedding of its Encoder, nor a Swin block's
 * relative_position_bias_table: the repr parser keeps such a module as a
 * node of a class it does not know (ps_module_get_params_known FALSE).  A
 * weights file written from the same model names those tensors; here they
 * become the module's own parameters (floating point) or persistent buffers
 * (integers, as relative_position_index), with the file's shapes, meta
 * (nothing allocated).  ps_module_load_state_dict then fills them like any
 * other key, and names and shapes are PyTorch's.
 */
#include "ps-weights.h"
#include "ps-module.h"

#include <string.h>

static gboolean
is_integer (PsDtype d)
{
  return d == PS_DTYPE_I64 || d == PS_DTYPE_I32 || d == PS_DTYPE_I16 || d == PS_DTYPE_I8
         || d == PS_DTYPE_U8 || d == PS_DTYPE_BOOL;
}

static gboolean
has_child (PsModule *m, const char *name)
{
  for (guint i = 0; i < ps_module_get_n_children (m); i++)
    if (strcmp (ps_module_get_child_name (m, i), name) == 0)
      return TRUE;
  return FALSE;
}

guint
ps_module_adopt_weights (PsModule *model, PsSafetensors *st)
{
  g_autoptr (GPtrArray) mods = ps_module_named_modules (model);
  g_autoptr (GHashTable) unknown = g_hash_table_new (g_direct_hash, g_direct_equal);
  guint n = 0;

  for (guint i = 0; i < mods->len; i++)
    {
      PsModule *m = ((PsNamedModule *) mods->pdata[i])->module;
      if (!ps_module_get_params_known (m))
        g_hash_table_add (unknown, m);
    }
  if (g_hash_table_size (unknown) == 0)
    return 0;

  /* params first, then buffers, each in file order: a torch.save file keeps
   * state_dict order; safetensors' sorted keys have at most one of each in
   * every module torchvision writes */
  for (int pass = 0; pass < 2; pass++)
    for (guint i = 0; i < ps_safetensors_get_n (st); i++)
      {
        const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
        const char *dot = strrchr (e->name, '.');
        const char *slot = dot ? dot + 1 : e->name;
        g_autofree char *path = dot ? g_strndup (e->name, dot - e->name) : g_strdup ("");
        PsModule *owner;
        PsParam *p;

        if ((pass == 0) == is_integer (e->dtype) || *slot == '\0'
            || ps_module_find_param (model, e->name) != NULL)
          continue;
        owner = ps_module_find_module (model, path);
        if (owner == NULL || !g_hash_table_contains (unknown, owner) || has_child (owner, slot)
            || e->ndim > PS_TENSOR_MAX_DIMS)
          continue;
        p = ps_param_new_meta (e->ndim, e->shape, pass == 0 ? PS_DTYPE_F32 : PS_DTYPE_I64);
        if (pass == 0 ? ps_module_add_param (owner, slot, p, NULL)
                      : ps_module_add_buffer (owner, slot, p, TRUE, NULL))
          n++;
      }
  /* the file told what they hold: their own parameters are known now */
  GHashTableIter it;
  gpointer key;
  g_hash_table_iter_init (&it, unknown);
  while (g_hash_table_iter_next (&it, &key, NULL))
    ps_module_set_params_known (key, TRUE);
  return n;
}
