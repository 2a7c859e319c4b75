/* ps-weights.h — the one door for every weights file
 *
 *   g_autoptr (PsSafetensors) w = ps_weights_open ("resnet18.pth", &error);
 *   for (guint i = 0; i < ps_safetensors_get_n (w); i++)
 *     ... ps_safetensors_get (w, i)->name, ->shape, ->data (mapped) ...
 *
 * The format is told by the file's first bytes, never by its name:
 *   - safetensors (ps-safetensors.h);
 *   - torch.save files (.pt, .pth, .bin): the ZIP format of PyTorch >= 1.6
 *     (ps-zip.h + ps-pickle.h) and the legacy format (pickles in a row, then
 *     the storages);
 *   - a sharded checkpoint's index (model.safetensors.index.json,
 *     pytorch_model.bin.index.json): every shard, as one set of tensors; a
 *     shard that lacks a tensor the index maps to it, or holds one the index
 *     does not map to it, is named.
 * What the pickle holds may be a state_dict, a nested dict of them
 * ({'model': ..., 'optimizer': ...}: names "model.fc.weight",
 * "optimizer.state.0.exp_avg"), lists, or a whole pickled model whose
 * module tree (_parameters, _buffers, _modules) gives the state_dict names.
 * Nothing is executed (ps-pickle.h).  Storages are mapped, never copied:
 * entries point into the file; two names that view the same storage the
 * same way are one tensor and an alias (as safetensors' __metadata__).  A
 * tensor whose storage is too small is refused with its name.
 * Other formats get a message that names them: ONNX, GGUF, HDF5/Keras,
 * NumPy .npy/.npz, TorchScript, or an unknown format.
 */
#pragma once

#include "ps-safetensors.h"

G_BEGIN_DECLS

typedef enum
{
  PS_WEIGHTS_UNKNOWN,
  PS_WEIGHTS_SAFETENSORS,
  PS_WEIGHTS_TORCH_ZIP,
  PS_WEIGHTS_TORCH_LEGACY,
  PS_WEIGHTS_INDEX,          /* JSON: a sharded checkpoint's index */
  PS_WEIGHTS_TORCHSCRIPT,
  PS_WEIGHTS_ONNX,
  PS_WEIGHTS_GGUF,
  PS_WEIGHTS_HDF5,
  PS_WEIGHTS_NUMPY,          /* .npy, or a .npz (a ZIP of .npy) */
  PS_WEIGHTS_KERAS,          /* .keras: a ZIP with config.json */
  PS_WEIGHTS_ZIP,            /* another ZIP archive */
  PS_WEIGHTS_PICKLE,         /* a pickle that is not a torch.save file */
} PsWeightsFormat;

/* The format of these first bytes (at least 64 should be given when there
 * are).  A ZIP is told apart by its entries: pass the whole file as data to
 * distinguish torch.save, TorchScript, NumPy .npz and Keras. */
PsWeightsFormat ps_weights_detect      (const guint8 *data, gsize len);
const char     *ps_weights_format_name (PsWeightsFormat format);

PsSafetensors  *ps_weights_open        (const char *path, GError **error);
/* The same over bytes in memory (no index: it names other files). */
PsSafetensors  *ps_weights_new_from_bytes (GBytes *bytes, const char *label, GError **error);

/* A module of a class the model's text could not tell (read from print(model):
 * torchvision's VisionTransformer, a Swin block; ps_module_get_params_known
 * FALSE) takes the tensors of st named directly under it ("class_token",
 * "encoder.pos_embedding", "...attn.relative_position_index") as its own
 * parameters (floating point, as F32) or persistent buffers (integers, as
 * I64), meta, with the file's shapes; params then buffers, each in the file's
 * order.  Every such module's parameters are known afterwards.  Returns how
 * many were added; ps_module_load_state_dict then fills them (and names
 * what still does not fit).  (ps-weights-adopt.c) */
typedef struct _PsModule PsModule;
guint           ps_module_adopt_weights (PsModule *model, PsSafetensors *st);

G_END_DECLS
