/* fuzz-pickle.c — the restricted unpickler on arbitrary bytes
 *
 * ps_pickle_load(); a pickle that loads is walked (bounded) through every
 * container, class name and dict lookup; then the same bytes as a legacy
 * torch.save file through ps_weights_new_from_bytes (after the legacy
 * magic), whose tensors, if any, are read.
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

static void
visit (const PsPyValue *v, int depth, guint *budget)
{
  if (v == NULL || depth > 32 || *budget == 0)
    return;
  (*budget)--;
  g_assert (ps_py_kind_name (v->kind) != NULL);
  switch (v->kind)
    {
    case PS_PY_TUPLE:
      for (guint i = 0; i < v->tuple.n; i++)
        visit (v->tuple.items[i], depth + 1, budget);
      break;
    case PS_PY_LIST:
    case PS_PY_SET:
      for (guint i = 0; i < v->list->len; i++)
        visit (v->list->pdata[i], depth + 1, budget);
      break;
    case PS_PY_DICT:
      g_assert (v->dict.keys->len == v->dict.values->len);
      (void) ps_py_dict_get (v, "_modules");
      for (guint i = 0; i < v->dict.keys->len; i++)
        {
          visit (v->dict.keys->pdata[i], depth + 1, budget);
          visit (v->dict.values->pdata[i], depth + 1, budget);
        }
      break;
    case PS_PY_OBJECT:
      {
        g_autofree char *cls = ps_py_class_name (v);
        g_assert (cls != NULL);
        visit (v->object.state, depth + 1, budget);
        visit (v->object.args, depth + 1, budget);
        break;
      }
    case PS_PY_PERSID:
      visit (v->persid, depth + 1, budget);
      break;
    case PS_PY_TENSOR:
      g_assert (v->tensor.ndim >= 0 && v->tensor.ndim <= PS_PICKLE_MAX_DIMS);
      visit (v->tensor.storage, depth + 1, budget);
      break;
    case PS_PY_STR:
    case PS_PY_BYTES:
    case PS_PY_BIGINT:
      g_assert (v->str.s != NULL);
      break;
    default:
      break;
    }
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  static const guint8 magic[] = {
    0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19, '.',
  };
  g_autoptr (GError) error = NULL;
  g_autoptr (PsPickle) p = ps_pickle_load (data, size, "fuzz.pkl", &error);
  guint budget = 100000;

  if (p == NULL)
    g_assert (error != NULL);
  else
    {
      g_assert (error == NULL);
      g_assert (ps_pickle_get_length (p) <= size);
      visit (ps_pickle_get_root (p), 0, &budget);
    }

  /* the same bytes after the legacy magic: the legacy torch.save reader */
  {
    g_autoptr (GError) lerr = NULL;
    guint8 *buf = g_malloc (sizeof magic + size);
    g_autoptr (GBytes) bytes = NULL;
    g_autoptr (PsSafetensors) st = NULL;
    memcpy (buf, magic, sizeof magic);
    memcpy (buf + sizeof magic, data, size);
    bytes = g_bytes_new_take (buf, sizeof magic + size);
    st = ps_weights_new_from_bytes (bytes, "fuzz.pth", &lerr);
    g_assert ((st == NULL) == (lerr != NULL));
    for (guint i = 0; st && i < ps_safetensors_get_n (st); i++)
      {
        const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
        if (e->numel <= (1 << 20))
          {
            float *out = g_new (float, MAX (1, e->numel));
            ps_safetensors_read_f32 (st, e, 0, e->numel, out);
            g_free (out);
          }
      }
  }
  return 0;
}
