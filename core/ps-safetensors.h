/* ps-safetensors.h — the weights format, read (mapped) and written (atomic)
 *
 *   g_autoptr (PsSafetensors) st = ps_safetensors_open ("w.safetensors", &error);
 *   ps_module_load_state_dict (net, st, &error);     // load_state_dict(strict=True)
 *   ps_module_save_state_dict (net, "out.safetensors", &error);
 *
 * Reading maps the file and validates it as the reference implementation
 * does: header length within the file and at most 100 MB, JSON object,
 * known dtypes, offsets contiguous from 0 with no gap or overlap and covering
 * the whole data buffer, sizes matching shapes (overflow-checked).  Elements
 * are converted to float32 on demand.
 *
 * Writing stores a tied tensor once and records the other names in
 * __metadata__ ({"4.weight": "2.weight"}), as safetensors.torch.save_model
 * does; the file is replaced atomically (ps-file.h), so a crash never leaves
 * a damaged file.
 */
#pragma once

#include "ps-dtype.h"
#include "ps-file.h"
#include "ps-module.h"

G_BEGIN_DECLS

#define PS_SAFETENSORS_MAX_HEADER (100 * 1000 * 1000)
#define PS_SAFETENSORS_MAX_DIMS   8

typedef struct
{
  char       *name;
  PsDtype     dtype;
  const char *dtype_name;            /* "F32" */
  int         ndim;
  int64_t     shape[PS_SAFETENSORS_MAX_DIMS];
  int64_t     numel;
  guint64     begin, end;            /* byte offsets within the data buffer (for other
                                      * formats: a position in the file(s), for ordering) */
  /* where the tensor is: its first element, in the mapping, and its strides
   * in elements (contiguous, row-major, for safetensors; torch.save files may
   * hold strided views of a storage) */
  const guint8 *data;
  int64_t     stride[PS_SAFETENSORS_MAX_DIMS];
  gboolean    contiguous;
  guint       file;                  /* which file of a sharded checkpoint holds it */
} PsSafetensorsEntry;

typedef struct _PsSafetensors PsSafetensors;

PsSafetensors *ps_safetensors_open       (const char *path, GError **error);
/* Validate and wrap bytes already in memory (label names them in messages). */
PsSafetensors *ps_safetensors_new_from_bytes (GBytes *bytes, const char *label, GError **error);
void           ps_safetensors_free       (PsSafetensors *st);

guint          ps_safetensors_get_n      (PsSafetensors *st);
/* Entries in file order (ascending offsets). */
const PsSafetensorsEntry *ps_safetensors_get  (PsSafetensors *st, guint i);
const PsSafetensorsEntry *ps_safetensors_find (PsSafetensors *st, const char *name);
/* As find, and a name recorded as an alias in __metadata__ ("4.weight" ->
 * "2.weight") resolves to the tensor stored under the other name. */
const PsSafetensorsEntry *ps_safetensors_resolve (PsSafetensors *st, const char *name);
/* __metadata__ (string -> string), never NULL. */
GHashTable    *ps_safetensors_get_metadata (PsSafetensors *st);

/* Convert count elements from element start into dst (float32). */
void           ps_safetensors_read_f32   (PsSafetensors *st, const PsSafetensorsEntry *e,
                                          int64_t start, int64_t count, float *dst);
/* The whole tensor as a new PsTensor (at most 4 dimensions); aliases resolved. */
PsTensor      *ps_safetensors_load_tensor (PsSafetensors *st, const char *name, GError **error);
/* Statistics computed in chunks, without converting the whole tensor at once. */
void           ps_safetensors_stats      (PsSafetensors *st, const PsSafetensorsEntry *e,
                                          PsStats *out);

/* Write tensors (names[i] -> tensors[i]) atomically.  The same PsTensor under
 * several names is stored once, the other names becoming aliases in
 * __metadata__.  metadata may be NULL. */
gboolean       ps_safetensors_write      (const char *path, guint n, const char *const *names,
                                          PsTensor *const *tensors, GHashTable *metadata,
                                          GError **error);

/* The same, each tensor stored as dtypes[i]: F32, or I64 (the values rounded
 * toward zero; for integer buffers such as num_batches_tracked).  dtypes NULL: all F32. */
gboolean       ps_safetensors_write_dtypes (const char *path, guint n, const char *const *names,
                                            PsTensor *const *tensors, const PsDtype *dtypes,
                                            GHashTable *metadata, GError **error);

/* load_state_dict(strict=True): every key present (directly or through an
 * alias), no unexpected tensor, shapes equal -- except that a 0-d tensor
 * (num_batches_tracked) may be stored with shape [1], as PyTorch's own
 * load_state_dict accepts (files written through NumPy, such as the test
 * oracle's safetensors, have it so).  Lazy parameters are
 * materialized with the loaded shapes.  Nothing changes unless all is valid. */
gboolean       ps_module_load_state_dict (PsModule *model, PsSafetensors *st, GError **error);
/* Save the state_dict (every key; tied ones stored once). Lazy parameters are an error. */
gboolean       ps_module_save_state_dict (PsModule *model, const char *path, GError **error);

/* ---- any weights file as a set of named tensors (ps-weights.c builds them) ----
 *
 * A PsSafetensors is the one representation of a weights file once read:
 * ps_weights_open (ps-weights.h) builds one for torch.save files and sharded
 * checkpoints too.  entries (PsSafetensorsEntry, with name, dtype, shape,
 * data and strides set; taken) must point into bytes (referenced), the
 * mapped files (PsMappedFile*, taken) or into parts (other PsSafetensors, taken: the shards).  metadata (taken, may
 * be NULL) holds aliases as safetensors does ("b.weight" -> "a.weight").
 * format names it in messages ("PyTorch zip").  Entries keep the given order. */
PsSafetensors *ps_safetensors_new_custom (const char *label, const char *format,
                                          GBytes *bytes, GPtrArray *files, GPtrArray *parts,
                                          GArray *entries, GHashTable *metadata);
const char    *ps_safetensors_get_label  (PsSafetensors *st);
/* "safetensors", "PyTorch zip (torch.save)", ... */
const char    *ps_safetensors_get_format (PsSafetensors *st);
/* Bytes of the file(s). */
guint64        ps_safetensors_get_size   (PsSafetensors *st);
/* The mapped files (of every shard), for ps_mapped_file_check. */
void           ps_safetensors_collect_files (PsSafetensors *st, GPtrArray *out);
/* FALSE + PS_ERROR_IO naming the first file that shrank since it was opened. */
gboolean       ps_safetensors_check_files (PsSafetensors *st, GError **error);
/* Strides of a contiguous tensor of this shape. */
void           ps_safetensors_contiguous_strides (int ndim, const int64_t *shape, int64_t *stride);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsSafetensors, ps_safetensors_free)

G_END_DECLS
