/* fuzz-zip.c — the ZIP reader and the torch.save zip format on arbitrary bytes
 *
 * ps_zip_new_from_bytes(); every entry found by name, its stored data read
 * with the CRC check; then ps_weights_new_from_bytes (format detection, the
 * torch zip reader with its pickle, storages and tensors), whose tensors are
 * read whole (the small ones) and browsed as a checkpoint tree.
 */
#include "paramscope.h"
#include "fuzz-common.h"

int
LLVMFuzzerInitialize (int *argc, char ***argv)
{
  fuzz_common_init ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
  g_autoptr (GBytes) bytes = g_bytes_new (data, size);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsZip) zip = ps_zip_new_from_bytes (bytes, "fuzz.zip", &error);

  (void) ps_weights_detect (data, size);
  if (zip == NULL)
    g_assert (error != NULL);
  else
    for (guint i = 0; i < ps_zip_get_n (zip); i++)
      {
        const PsZipEntry *e = ps_zip_get (zip, i);
        g_autoptr (GError) derr = NULL;
        gsize len = 0;
        const guint8 *d;
        g_assert (ps_zip_find (zip, e->name) == e);
        g_assert (e->data_offset + e->csize <= size);
        d = ps_zip_get_data (zip, e, TRUE, &len, &derr);
        g_assert ((d == NULL) == (derr != NULL));
        if (d)
          {
            const guint8 *base = g_bytes_get_data (bytes, NULL);   /* a copy of data */
            g_assert (d >= base && d + len <= base + size);
          }
      }

  {
    g_autoptr (GError) werr = NULL;
    PsSafetensors *st = ps_weights_new_from_bytes (bytes, "fuzz.pth", &werr);
    g_autoptr (PsCheckpoint) ck = NULL;
    g_assert ((st == NULL) == (werr != NULL));
    if (st == NULL)
      return 0;
    for (guint i = 0; i < ps_safetensors_get_n (st); i++)
      {
        const PsSafetensorsEntry *e = ps_safetensors_get (st, i);
        g_assert (ps_safetensors_find (st, e->name) == e);
        if (e->numel <= (1 << 20))
          {
            float *out = g_new (float, MAX (1, e->numel));
            ps_safetensors_read_f32 (st, e, 0, e->numel, out);
            g_free (out);
          }
      }
    ck = ps_checkpoint_new_from_weights (st);
    g_assert (ps_checkpoint_get_root (ck, PS_CHECKPOINT_ORDER_FILE) != NULL);
  }
  return 0;
}
