/* ps-weights.c — telling weights formats apart; torch.save files and
 * sharded checkpoints read into a PsSafetensors (see ps-weights.h)
 */
#include "ps-weights.h"
#include "ps-error.h"
#include "ps-pickle.h"
#include "ps-zip.h"

#include <json-glib/json-glib.h>
#include <string.h>

#define WALK_MAX_DEPTH  64
#define WALK_MAX_VISITS (1000 * 1000)
#define WALK_MAX_REVISITS 64      /* the same container reached by this many paths (ties) */

/* ---- formats -------------------------------------------------------------------------------- */

static const guint8 legacy_magic[] = {
  0x80, 0x02, 0x8a, 0x0a, 0x6c, 0xfc, 0x9c, 0x46, 0xf9, 0x20, 0x6a, 0xa8, 0x50, 0x19,
};

const char *
ps_weights_format_name (PsWeightsFormat format)
{
  switch (format)
    {
    case PS_WEIGHTS_SAFETENSORS: return "safetensors";
    case PS_WEIGHTS_TORCH_ZIP: return "PyTorch (torch.save, zip)";
    case PS_WEIGHTS_TORCH_LEGACY: return "PyTorch (torch.save, legacy format)";
    case PS_WEIGHTS_INDEX: return "sharded checkpoint";
    case PS_WEIGHTS_TORCHSCRIPT: return "TorchScript";
    case PS_WEIGHTS_ONNX: return "ONNX";
    case PS_WEIGHTS_GGUF: return "GGUF";
    case PS_WEIGHTS_HDF5: return "HDF5 (Keras .h5)";
    case PS_WEIGHTS_NUMPY: return "NumPy (.npy/.npz)";
    case PS_WEIGHTS_KERAS: return "Keras (.keras)";
    case PS_WEIGHTS_ZIP: return "ZIP archive";
    case PS_WEIGHTS_PICKLE: return "Python pickle";
    case PS_WEIGHTS_UNKNOWN:
    default: return "unknown";
    }
}

/* The ZIP's kind, by its central directory (only when the whole file is given). */
static PsWeightsFormat
detect_zip (const guint8 *data, gsize len)
{
  g_autoptr (GBytes) b = g_bytes_new_static (data, len);
  g_autoptr (PsZip) zip = ps_zip_new_from_bytes (b, "", NULL);
  gboolean pkl = FALSE, constants = FALSE, npy = zip != NULL, config = FALSE;

  if (zip == NULL)
    return PS_WEIGHTS_ZIP;
  for (guint i = 0; i < ps_zip_get_n (zip); i++)
    {
      const char *name = ps_zip_get (zip, i)->name, *slash = strchr (name, '/');
      const char *tail = slash ? slash + 1 : name;
      pkl |= slash && strcmp (tail, "data.pkl") == 0 && strchr (tail, '/') == NULL;
      constants |= slash && (strcmp (tail, "constants.pkl") == 0 || g_str_has_prefix (tail, "code/"));
      npy &= g_str_has_suffix (name, ".npy");
      config |= strcmp (name, "config.json") == 0;
    }
  if (constants)
    return PS_WEIGHTS_TORCHSCRIPT;
  if (pkl)
    return PS_WEIGHTS_TORCH_ZIP;
  if (npy && ps_zip_get_n (zip) > 0)
    return PS_WEIGHTS_NUMPY;
  if (config)
    return PS_WEIGHTS_KERAS;
  return PS_WEIGHTS_ZIP;
}

PsWeightsFormat
ps_weights_detect (const guint8 *d, gsize len)
{
  static const guint8 hdf5[8] = { 0x89, 'H', 'D', 'F', '\r', '\n', 0x1a, '\n' };
  gsize i = 0;

  if (len >= 4 && ps_zip_has_magic (d, len))
    return detect_zip (d, len);
  if (len >= sizeof legacy_magic && memcmp (d, legacy_magic, sizeof legacy_magic) == 0)
    return PS_WEIGHTS_TORCH_LEGACY;
  if (len >= 4 && memcmp (d, "GGUF", 4) == 0)
    return PS_WEIGHTS_GGUF;
  for (gsize at = 0; at <= 2048; at = at ? at * 2 : 512)
    if (len >= at + 8 && memcmp (d + at, hdf5, 8) == 0)
      return PS_WEIGHTS_HDF5;
  if (len >= 6 && memcmp (d, "\x93NUMPY", 6) == 0)
    return PS_WEIGHTS_NUMPY;
  /* safetensors: a little-endian header length (below 2^40), then the JSON */
  if (len >= 8 && d[5] == 0 && d[6] == 0 && d[7] == 0)
    return PS_WEIGHTS_SAFETENSORS;
  if (len >= 2 && d[0] == 0x80 && d[1] <= 5)
    return PS_WEIGHTS_PICKLE;
  /* ONNX: a protobuf ModelProto, starting with ir_version (field 1, varint) */
  if (len >= 4 && d[0] == 0x08 && d[1] >= 1 && d[1] <= 20
      && (d[2] == 0x12 || d[2] == 0x1a || d[2] == 0x22 || d[2] == 0x3a || d[2] == 0x42))
    return PS_WEIGHTS_ONNX;
  while (i < len && g_ascii_isspace (d[i]))
    i++;
  if (i < len && d[i] == '{')
    return PS_WEIGHTS_INDEX;
  return PS_WEIGHTS_UNKNOWN;
}

static void
not_weights (PsWeightsFormat f, const char *label, GError **error)
{
  const char *what = ps_weights_format_name (f);
  const char *hint = "";
  switch (f)
    {
    case PS_WEIGHTS_TORCHSCRIPT:
      hint = " (a TorchScript archive from torch.jit.save: save the model's state_dict with "
             "torch.save instead)";
      break;
    case PS_WEIGHTS_ONNX:
    case PS_WEIGHTS_GGUF:
    case PS_WEIGHTS_HDF5:
    case PS_WEIGHTS_NUMPY:
    case PS_WEIGHTS_KERAS:
      hint = " (convert it to safetensors or a PyTorch state_dict)";
      break;
    case PS_WEIGHTS_PICKLE:
      hint = " (a pickle, but not one written by torch.save)";
      break;
    default:
      break;
    }
  if (f == PS_WEIGHTS_UNKNOWN || f == PS_WEIGHTS_ZIP)
    g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: not a weights file ParamScope reads: it "
                 "is %s; ParamScope opens safetensors, torch.save files (.pt, .pth, .bin) and "
                 "sharded checkpoints (*.index.json)", label,
                 f == PS_WEIGHTS_ZIP ? "a ZIP archive without data.pkl" : "of an unknown format");
  else
    g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s is not a weights file ParamScope reads: "
                 "it is in the %s format%s; ParamScope opens safetensors, torch.save files (.pt, "
                 ".pth, .bin) and sharded checkpoints (*.index.json)", label, what, hint);
}

/* ---- from a pickle to named tensors ------------------------------------------------------- */

typedef struct
{
  const char     *label;
  GPtrArray      *names;      /* char*: one per tensor found */
  GPtrArray      *tensors;    /* const PsPyValue* (PS_PY_TENSOR) */
  GHashTable     *on_path;    /* containers being walked (cycles) */
  GHashTable     *reached;    /* container -> times walked */
  guint           visits;
  char           *what;       /* "a whole pickled model (torchvision...ResNet)" */
  GError        **error;
} Walk;

static gboolean walk (Walk *w, const PsPyValue *v, const char *prefix, int depth);

static char *
join (const char *prefix, const char *name)
{
  return *prefix ? g_strconcat (prefix, ".", name, NULL) : g_strdup (name);
}

/* A dict key as a name part: strings as they are, ints in decimal. */
static char *
key_text (const PsPyValue *k)
{
  if (k->kind == PS_PY_STR)
    return g_strdup (k->str.s);
  if (k->kind == PS_PY_INT)
    return g_strdup_printf ("%" G_GINT64_FORMAT, k->i);
  return NULL;
}

static gboolean
walk_dict (Walk *w, const PsPyValue *d, const char *prefix, int depth, GHashTable *skip)
{
  for (guint i = 0; i < d->dict.keys->len; i++)
    {
      g_autofree char *k = key_text (d->dict.keys->pdata[i]);
      g_autofree char *name = NULL;
      if (k == NULL || (skip && g_hash_table_contains (skip, k)))
        continue;
      name = join (prefix, k);
      if (!walk (w, d->dict.values->pdata[i], name, depth + 1))
        return FALSE;
    }
  return TRUE;
}

/* A whole pickled nn.Module: state_dict order (parameters, persistent
 * buffers, then the children). */
static gboolean
walk_module (Walk *w, const PsPyValue *state, const char *prefix, int depth)
{
  const PsPyValue *params = ps_py_dict_get (state, "_parameters");
  const PsPyValue *buffers = ps_py_dict_get (state, "_buffers");
  const PsPyValue *modules = ps_py_dict_get (state, "_modules");
  const PsPyValue *np = ps_py_dict_get (state, "_non_persistent_buffers_set");
  g_autoptr (GHashTable) skip = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);

  if (np && np->kind == PS_PY_SET)
    for (guint i = 0; i < np->list->len; i++)
      {
        char *k = key_text (np->list->pdata[i]);
        if (k)
          g_hash_table_add (skip, k);
      }
  if ((params && !walk_dict (w, params, prefix, depth, NULL))
      || (buffers && !walk_dict (w, buffers, prefix, depth, skip))
      || (modules && !walk_dict (w, modules, prefix, depth, NULL)))
    return FALSE;
  return TRUE;
}

static gboolean
walk (Walk *w, const PsPyValue *v, const char *prefix, int depth)
{
  gboolean ok = TRUE;

  if (++w->visits > WALK_MAX_VISITS)
    {
      g_set_error (w->error, PS_ERROR, PS_ERROR_FORMAT, "%s: the pickled data is too large or "
                   "shared too often (more than %d values visited)", w->label, WALK_MAX_VISITS);
      return FALSE;
    }
  if (depth > WALK_MAX_DEPTH)
    {
      g_set_error (w->error, PS_ERROR, PS_ERROR_FORMAT, "%s: the pickled data nests deeper "
                   "than %d levels (at \"%s\")", w->label, WALK_MAX_DEPTH, prefix);
      return FALSE;
    }
  switch (v->kind)
    {
    case PS_PY_TENSOR:
      g_ptr_array_add (w->names, g_strdup (*prefix ? prefix : "tensor"));
      g_ptr_array_add (w->tensors, (gpointer) v);
      return TRUE;
    case PS_PY_DICT:
    case PS_PY_LIST:
    case PS_PY_TUPLE:
    case PS_PY_OBJECT:
      break;
    default:
      return TRUE;                     /* numbers, strings, ...: not tensors */
    }
  if (g_hash_table_contains (w->on_path, v))
    return TRUE;                       /* a cycle: already being walked */
  {
    guint times = GPOINTER_TO_UINT (g_hash_table_lookup (w->reached, v)) + 1;
    if (times > WALK_MAX_REVISITS)
      {
        g_set_error (w->error, PS_ERROR, PS_ERROR_FORMAT, "%s: the pickled data is shared too "
                     "often (one %s is reached by more than %d paths, at \"%s\")", w->label,
                     ps_py_kind_name (v->kind), WALK_MAX_REVISITS, prefix);
        return FALSE;
      }
    g_hash_table_insert (w->reached, (gpointer) v, GUINT_TO_POINTER (times));
  }
  g_hash_table_add (w->on_path, (gpointer) v);
  if (v->kind == PS_PY_DICT)
    ok = walk_dict (w, v, prefix, depth, NULL);
  else if (v->kind == PS_PY_LIST || v->kind == PS_PY_TUPLE)
    {
      guint n = v->kind == PS_PY_LIST ? v->list->len : v->tuple.n;
      for (guint i = 0; ok && i < n; i++)
        {
          g_autofree char *k = g_strdup_printf ("%u", i);
          g_autofree char *name = join (prefix, k);
          ok = walk (w, v->kind == PS_PY_LIST ? v->list->pdata[i] : v->tuple.items[i], name,
                     depth + 1);
        }
    }
  else if (v->object.state != NULL)
    {
      const PsPyValue *s = v->object.state;
      /* (state, slots) as object.__reduce_ex__ gives them */
      if (s->kind == PS_PY_TUPLE && s->tuple.n == 2 && s->tuple.items[0]->kind == PS_PY_DICT)
        s = s->tuple.items[0];
      if (s->kind == PS_PY_DICT && ps_py_dict_get (s, "_modules") != NULL)
        {
          if (w->what == NULL && depth == 0)
            {
              g_autofree char *cls = ps_py_class_name (v);
              w->what = g_strdup_printf ("a whole pickled model (%s)", cls ? cls : "?");
            }
          ok = walk_module (w, s, prefix, depth);
        }
      else
        ok = walk (w, s, prefix, depth + 1);
    }
  g_hash_table_remove (w->on_path, v);
  return ok;
}

/* ---- storages --------------------------------------------------------------------------------- */

typedef struct
{
  const guint8 *data;       /* the first byte */
  guint64       position;   /* in the file, for ordering */
  guint64       numel;
  PsDtype       dtype;
  guint64       bytes;      /* available */
} Storage;

static gboolean
storage_dtype (const char *type, PsDtype *out)
{
  static const struct { const char *name; PsDtype dtype; } map[] = {
    { "FloatStorage", PS_DTYPE_F32 }, { "DoubleStorage", PS_DTYPE_F64 },
    { "HalfStorage", PS_DTYPE_F16 }, { "BFloat16Storage", PS_DTYPE_BF16 },
    { "LongStorage", PS_DTYPE_I64 }, { "IntStorage", PS_DTYPE_I32 },
    { "ShortStorage", PS_DTYPE_I16 }, { "CharStorage", PS_DTYPE_I8 },
    { "ByteStorage", PS_DTYPE_U8 }, { "BoolStorage", PS_DTYPE_BOOL },
    { "UntypedStorage", PS_DTYPE_U8 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (map); i++)
    if (strcmp (type, map[i].name) == 0)
      {
        *out = map[i].dtype;
        return TRUE;
      }
  return FALSE;
}

/* The persistent id ('storage', torch.FloatStorage, key, location, numel[, view]):
 * type, key and numel; FALSE + message otherwise. */
static gboolean
parse_persid (const PsPyValue *p, const char *label, const char *tensor, PsDtype *dtype,
              const char **key, guint64 *numel, GError **error)
{
  const PsPyValue *t = p->kind == PS_PY_PERSID ? p->persid : NULL;
  if (t == NULL || t->kind != PS_PY_TUPLE || t->tuple.n < 5
      || t->tuple.items[0]->kind != PS_PY_STR || strcmp (t->tuple.items[0]->str.s, "storage") != 0
      || t->tuple.items[1]->kind != PS_PY_GLOBAL || t->tuple.items[2]->kind != PS_PY_STR
      || t->tuple.items[4]->kind != PS_PY_INT || t->tuple.items[4]->i < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: tensor \"%s\": its storage is not a "
                   "('storage', type, key, location, size) record", label, tensor);
      return FALSE;
    }
  if (!storage_dtype (t->tuple.items[1]->global.name, dtype))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: tensor \"%s\": storage type torch.%s "
                   "is not supported (supported: float32/64, float16, bfloat16, int8 to int64, "
                   "uint8, bool)", label, tensor, t->tuple.items[1]->global.name);
      return FALSE;
    }
  *key = t->tuple.items[2]->str.s;
  *numel = (guint64) t->tuple.items[4]->i;
  return TRUE;
}

/* Entries from the walked tensors; storages looked up by key with find. */
typedef gboolean (*FindStorage) (gpointer ctx, const char *key, PsDtype dtype, guint64 numel,
                                 Storage *out, GError **error);

static PsSafetensors *
build (const char *label, const char *format, Walk *w, FindStorage find, gpointer ctx,
       GBytes *bytes, GPtrArray *files, GError **error)
{
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (PsSafetensorsEntry));
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GHashTable) seen = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) views = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  PsSafetensors *st;

  for (guint i = 0; i < w->tensors->len; i++)
    {
      const PsPyValue *t = w->tensors->pdata[i];
      const char *name = w->names->pdata[i], *key;
      PsSafetensorsEntry e = { 0 };
      PsDtype dtype;
      guint64 snumel, reach = 0, esize;
      Storage s;
      gboolean contiguous = TRUE;
      g_autoptr (GString) view = NULL;
      const char *first;

      if (g_hash_table_contains (seen, name) || g_hash_table_contains (meta, name))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: the name \"%s\" is used twice",
                       label, name);
          goto fail;
        }
      if (!parse_persid (t->tensor.storage, label, name, &dtype, &key, &snumel, error)
          || !find (ctx, key, dtype, snumel, &s, error))
        goto fail;
      esize = (guint64) ps_dtype_size (dtype);
      e.dtype = dtype;
      e.dtype_name = ps_dtype_name (dtype);
      e.ndim = t->tensor.ndim;
      e.numel = 1;
      for (int d = 0; d < e.ndim; d++)
        {
          int64_t sz = t->tensor.size[d];
          e.shape[d] = sz;
          e.stride[d] = t->tensor.stride[d];
          if (sz != 0 && e.numel > G_MAXINT64 / sz)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: tensor \"%s\": its element "
                           "count overflows", label, name);
              goto fail;
            }
          e.numel *= sz;
        }
      /* the last element it reaches: offset + sum (size - 1) * stride, within the storage */
      if (e.numel > 0)
        {
          reach = (guint64) t->tensor.offset;
          for (int d = 0; d < e.ndim; d++)
            {
              guint64 span = (guint64) (e.shape[d] - 1), st_ = (guint64) e.stride[d];
              if (st_ != 0 && span > (G_MAXUINT64 / 2) / st_)
                reach = G_MAXUINT64;
              else if (reach != G_MAXUINT64)
                reach = reach + span * st_ > G_MAXUINT64 / 2 ? G_MAXUINT64 : reach + span * st_;
            }
          if (reach >= s.numel)
            {
              g_autofree char *shape = ps_shape_to_string (e.ndim, e.shape);
              g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: tensor \"%s\" (%s %s at offset "
                           "%" G_GINT64_FORMAT ") needs %" G_GUINT64_FORMAT " elements but its "
                           "storage \"%s\" holds %" G_GUINT64_FORMAT " (the storage is too small)",
                           label, name, e.dtype_name, shape, t->tensor.offset,
                           reach == G_MAXUINT64 ? G_MAXUINT64 : reach + 1, key, s.numel);
              goto fail;
            }
        }
      {
        int64_t cs[PS_SAFETENSORS_MAX_DIMS];
        ps_safetensors_contiguous_strides (e.ndim, e.shape, cs);
        for (int d = 0; d < e.ndim; d++)
          if (e.shape[d] > 1 && cs[d] != e.stride[d])
            contiguous = FALSE;
        if (contiguous)
          memcpy (e.stride, cs, sizeof cs);
      }
      e.contiguous = contiguous;
      e.data = s.data + (guint64) t->tensor.offset * esize;
      e.begin = s.position + (guint64) t->tensor.offset * esize;
      e.end = e.begin + (guint64) e.numel * esize;

      /* the same view of the same storage: an alias of the first name */
      view = g_string_new (key);
      g_string_append_printf (view, "|%d|%" G_GINT64_FORMAT, (int) dtype, t->tensor.offset);
      for (int d = 0; d < e.ndim; d++)
        g_string_append_printf (view, "|%" G_GINT64_FORMAT ",%" G_GINT64_FORMAT, e.shape[d],
                                e.stride[d]);
      first = g_hash_table_lookup (views, view->str);
      if (first != NULL && e.numel > 0)
        {
          g_hash_table_insert (meta, g_strdup (name), g_strdup (first));
          continue;
        }
      g_hash_table_insert (views, g_string_free (g_steal_pointer (&view), FALSE), (gpointer) name);
      e.name = g_strdup (name);
      g_hash_table_add (seen, e.name);
      g_array_append_val (entries, e);
    }
  st = ps_safetensors_new_custom (label, format, bytes, files, NULL,
                                  g_steal_pointer (&entries), g_steal_pointer (&meta));
  return st;

fail:
  for (guint i = 0; i < entries->len; i++)
    g_free (g_array_index (entries, PsSafetensorsEntry, i).name);
  if (files)
    g_ptr_array_unref (files);
  return NULL;
}

static void
walk_init (Walk *w, const char *label, GError **error)
{
  memset (w, 0, sizeof *w);
  w->label = label;
  w->names = g_ptr_array_new_with_free_func (g_free);
  w->tensors = g_ptr_array_new ();
  w->on_path = g_hash_table_new (NULL, NULL);
  w->reached = g_hash_table_new (NULL, NULL);
  w->error = error;
}

static void
walk_clear (Walk *w)
{
  g_ptr_array_unref (w->names);
  g_ptr_array_unref (w->tensors);
  g_hash_table_unref (w->on_path);
  g_hash_table_unref (w->reached);
  g_free (w->what);
}

static char *
format_text (const char *base, Walk *w)
{
  return w->what ? g_strdup_printf ("%s, %s", base, w->what) : g_strdup (base);
}

/* ---- the zip format --------------------------------------------------------------------------- */

typedef struct
{
  PsZip      *zip;
  const char *prefix;       /* "archive" */
  const char *label;
} ZipCtx;

static gboolean
zip_storage (gpointer p, const char *key, PsDtype dtype, guint64 numel, Storage *out,
             GError **error)
{
  ZipCtx *c = p;
  g_autofree char *name = g_strdup_printf ("%s/data/%s", c->prefix, key);
  const PsZipEntry *e = ps_zip_find (c->zip, name);
  guint64 esize = (guint64) ps_dtype_size (dtype);
  gsize len;
  const guint8 *data;

  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" is missing (no entry "
                   "\"%s\")", c->label, key, name);
      return FALSE;
    }
  if ((data = ps_zip_get_data (c->zip, e, FALSE, &len, error)) == NULL)
    return FALSE;
  if (numel > len / esize)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" claims %"
                   G_GUINT64_FORMAT " elements of %" G_GUINT64_FORMAT " bytes but its entry holds "
                   "%" G_GSIZE_FORMAT " bytes (the storage is too small)", c->label, key, numel,
                   esize, len);
      return FALSE;
    }
  out->data = data;
  out->position = e->data_offset;
  out->numel = numel;
  out->dtype = dtype;
  out->bytes = len;
  return TRUE;
}

static PsSafetensors *
open_torch_zip (GBytes *bytes, PsMappedFile *file, const char *label, GError **error)
{
  g_autoptr (PsZip) zip = ps_zip_new_from_bytes (bytes, label, error);
  g_autoptr (PsPickle) pkl = NULL;
  g_autofree char *prefix = NULL, *pkl_label = NULL, *fmt = NULL;
  const PsZipEntry *pe = NULL;
  const guint8 *pdata;
  gsize plen;
  ZipCtx ctx;
  Walk w;
  PsSafetensors *st;
  GPtrArray *files = NULL;

  if (zip == NULL)
    {
      ps_mapped_file_free (file);
      return NULL;
    }
  for (guint i = 0; i < ps_zip_get_n (zip); i++)
    {
      const PsZipEntry *e = ps_zip_get (zip, i);
      const char *slash = strchr (e->name, '/');
      if (slash && strcmp (slash + 1, "data.pkl") == 0)
        {
          if (pe != NULL)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: two data.pkl entries (\"%s\" "
                           "and \"%s\")", label, pe->name, e->name);
              ps_mapped_file_free (file);
              return NULL;
            }
          pe = e;
        }
    }
  if (pe == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: a ZIP archive without data.pkl: not "
                   "a torch.save file", label);
      ps_mapped_file_free (file);
      return NULL;
    }
  prefix = g_strndup (pe->name, strchr (pe->name, '/') - pe->name);
  {
    /* PyTorch >= 2.1 records the byte order of the storages */
    g_autofree char *bo_name = g_strdup_printf ("%s/byteorder", prefix);
    const PsZipEntry *bo = ps_zip_find (zip, bo_name);
    gsize bl;
    const guint8 *b = bo ? ps_zip_get_data (zip, bo, FALSE, &bl, NULL) : NULL;
    if (b != NULL && bl >= 3 && memcmp (b, "big", 3) == 0)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: the storages are big-endian (not "
                     "supported)", label);
        ps_mapped_file_free (file);
        return NULL;
      }
  }
  pkl_label = g_strdup_printf ("%s: %s", label, pe->name);
  if ((pdata = ps_zip_get_data (zip, pe, TRUE, &plen, error)) == NULL
      || (pkl = ps_pickle_load (pdata, plen, pkl_label, error)) == NULL)
    {
      ps_mapped_file_free (file);
      return NULL;
    }
  walk_init (&w, label, error);
  if (!walk (&w, ps_pickle_get_root (pkl), "", 0))
    {
      walk_clear (&w);
      ps_mapped_file_free (file);
      return NULL;
    }
  ctx = (ZipCtx) { zip, prefix, label };
  if (file)
    {
      files = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_mapped_file_free);
      g_ptr_array_add (files, file);
    }
  fmt = format_text (ps_weights_format_name (PS_WEIGHTS_TORCH_ZIP), &w);
  st = build (label, g_intern_string (fmt), &w, zip_storage, &ctx, file ? NULL : bytes, files,
              error);
  walk_clear (&w);
  return st;
}

/* ---- the legacy format -------------------------------------------------------------------------- */

typedef struct
{
  GHashTable *storages;     /* key -> Storage* */
  const char *label;
} LegacyCtx;

static gboolean
legacy_storage (gpointer p, const char *key, PsDtype dtype, guint64 numel, Storage *out,
                GError **error)
{
  LegacyCtx *c = p;
  Storage *s = g_hash_table_lookup (c->storages, key);
  if (s == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" is not in the file",
                   c->label, key);
      return FALSE;
    }
  if (s->dtype != dtype || numel > s->numel)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" holds %"
                   G_GUINT64_FORMAT " elements of %s but %" G_GUINT64_FORMAT " of %s are "
                   "claimed (the storage is too small)", c->label, key, s->numel,
                   ps_dtype_name (s->dtype), numel, ps_dtype_name (dtype));
      return FALSE;
    }
  *out = *s;
  return TRUE;
}

/* Every persistent id below v: key -> dtype (the first seen). */
static void
collect_persids (const PsPyValue *v, GHashTable *types, GHashTable *seen, int depth)
{
  if (depth > WALK_MAX_DEPTH || g_hash_table_contains (seen, v)
      || g_hash_table_size (seen) > WALK_MAX_VISITS)
    return;
  g_hash_table_add (seen, (gpointer) v);
  switch (v->kind)
    {
    case PS_PY_TENSOR:
      {
        PsDtype dt;
        const char *key;
        guint64 n;
        if (parse_persid (v->tensor.storage, "", "", &dt, &key, &n, NULL)
            && !g_hash_table_contains (types, key))
          g_hash_table_insert (types, (gpointer) key, GINT_TO_POINTER (dt));
        break;
      }
    case PS_PY_TUPLE:
      for (guint i = 0; i < v->tuple.n; i++)
        collect_persids (v->tuple.items[i], types, seen, depth + 1);
      break;
    case PS_PY_LIST:
    case PS_PY_SET:
      for (guint i = 0; i < v->list->len; i++)
        collect_persids (v->list->pdata[i], types, seen, depth + 1);
      break;
    case PS_PY_DICT:
      for (guint i = 0; i < v->dict.values->len; i++)
        collect_persids (v->dict.values->pdata[i], types, seen, depth + 1);
      break;
    case PS_PY_OBJECT:
      if (v->object.state)
        collect_persids (v->object.state, types, seen, depth + 1);
      break;
    default:
      break;
    }
}

static PsSafetensors *
open_torch_legacy (GBytes *bytes, PsMappedFile *file, const char *label, GError **error)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  gsize at = 0;
  g_autoptr (PsPickle) magic = NULL, proto = NULL, info = NULL, main_ = NULL, keys = NULL;
  g_autoptr (GHashTable) types = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) seen = g_hash_table_new (NULL, NULL);
  g_autoptr (GHashTable) storages = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  g_autofree char *fmt = NULL;
  const PsPyValue *k;
  LegacyCtx ctx = { storages, label };
  GPtrArray *files = NULL;
  PsSafetensors *st;
  Walk w;
  PsPickle **parts[] = { &magic, &proto, &info, &main_, &keys };

  for (guint i = 0; i < G_N_ELEMENTS (parts); i++)
    {
      *parts[i] = ps_pickle_load (d + at, len - at, label, error);
      if (*parts[i] == NULL)
        goto fail;
      at += ps_pickle_get_length (*parts[i]);
    }
  if (ps_pickle_get_root (proto)->kind != PS_PY_INT || ps_pickle_get_root (proto)->i != 1001)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: legacy torch.save protocol version is "
                   "not 1001", label);
      goto fail;
    }
  {
    const PsPyValue *le = ps_py_dict_get (ps_pickle_get_root (info), "little_endian");
    if (le && le->kind == PS_PY_BOOL && !le->b)
      {
        g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: written on a big-endian machine "
                     "(not supported)", label);
        goto fail;
      }
  }
  k = ps_pickle_get_root (keys);
  if (k->kind != PS_PY_LIST)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: the legacy storage list is not a list",
                   label);
      goto fail;
    }
  collect_persids (ps_pickle_get_root (main_), types, seen, 0);
  for (guint i = 0; i < k->list->len; i++)
    {
      const PsPyValue *key = k->list->pdata[i];
      Storage *s;
      guint64 n;
      gpointer dt;
      if (key->kind != PS_PY_STR || !g_hash_table_lookup_extended (types, key->str.s, NULL, &dt))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: legacy storage %u has no tensor "
                       "that says its type", label, i);
          goto fail;
        }
      if (len - at < 8)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" is cut off (the "
                       "file is truncated)", label, key->str.s);
          goto fail;
        }
      n = 0;
      for (int b = 7; b >= 0; b--)
        n = (n << 8) | d[at + b];
      at += 8;
      s = g_new0 (Storage, 1);
      s->dtype = GPOINTER_TO_INT (dt);
      s->numel = n;
      s->data = d + at;
      s->position = at;
      if (n > (len - at) / (guint64) ps_dtype_size (s->dtype))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: storage \"%s\" claims %"
                       G_GUINT64_FORMAT " elements but the file ends before them (the storage is "
                       "too small)", label, key->str.s, n);
          g_free (s);
          goto fail;
        }
      at += n * (guint64) ps_dtype_size (s->dtype);
      g_hash_table_replace (storages, key->str.s, s);
    }
  walk_init (&w, label, error);
  if (!walk (&w, ps_pickle_get_root (main_), "", 0))
    {
      walk_clear (&w);
      goto fail;
    }
  if (file)
    {
      files = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_mapped_file_free);
      g_ptr_array_add (files, file);
    }
  fmt = format_text (ps_weights_format_name (PS_WEIGHTS_TORCH_LEGACY), &w);
  st = build (label, g_intern_string (fmt), &w, legacy_storage, &ctx, file ? NULL : bytes, files,
              error);
  walk_clear (&w);
  return st;

fail:
  ps_mapped_file_free (file);
  return NULL;
}

/* ---- one file ----------------------------------------------------------------------------------- */

/* Read bytes (owned by file when given, which is then taken). */
static PsSafetensors *
open_bytes (GBytes *bytes, PsMappedFile *file, const char *label, GError **error)
{
  gsize len;
  const guint8 *d = g_bytes_get_data (bytes, &len);
  PsWeightsFormat f;

  if (d == NULL)
    d = (const guint8 *) "";
  f = ps_weights_detect (d, len);
  switch (f)
    {
    case PS_WEIGHTS_TORCH_ZIP:
      return open_torch_zip (bytes, file, label, error);
    case PS_WEIGHTS_TORCH_LEGACY:
      return open_torch_legacy (bytes, file, label, error);
    case PS_WEIGHTS_ZIP:
      /* a damaged torch zip says why */
      {
        g_autoptr (PsZip) zip = ps_zip_new_from_bytes (bytes, label, error);
        if (zip != NULL)
          not_weights (f, label, error);
        ps_mapped_file_free (file);
        return NULL;
      }
    case PS_WEIGHTS_SAFETENSORS:
    case PS_WEIGHTS_UNKNOWN:
    case PS_WEIGHTS_INDEX:
      if (f != PS_WEIGHTS_SAFETENSORS && len >= 8)
        {
          /* say also what is wrong if it was meant as safetensors */
          g_autoptr (GError) st_error = NULL;
          g_autoptr (PsSafetensors) st = ps_safetensors_new_from_bytes (bytes, label, &st_error);
          ps_mapped_file_free (file);
          not_weights (PS_WEIGHTS_UNKNOWN, label, error);
          if (st_error && error && *error)
            {
              char *m = g_strdup_printf ("%s (read as safetensors, %s)", (*error)->message,
                                         st_error->message);
              g_free ((*error)->message);
              (*error)->message = m;
            }
          return NULL;
        }
      /* safetensors explains what is wrong with its header (file is NULL here) */
      ps_mapped_file_free (file);
      return ps_safetensors_new_from_bytes (bytes, label, error);
    default:
      ps_mapped_file_free (file);
      not_weights (f, label, error);
      return NULL;
    }
}

PsSafetensors *
ps_weights_new_from_bytes (GBytes *bytes, const char *label, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  return open_bytes (bytes, NULL, label ? label : "<weights>", error);
}

/* ---- sharded checkpoints ------------------------------------------------------------------------- */

static int
cmp_str (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *) a, *(char *const *) b);
}

static PsSafetensors *
open_index (const char *path, GBytes *bytes, GError **error)
{
  g_autoptr (JsonParser) parser = json_parser_new ();
  g_autoptr (GError) jerr = NULL;
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GHashTable) shard_of = g_hash_table_new (g_str_hash, g_str_equal); /* tensor -> shard */
  g_autoptr (GHashTable) shard_index = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) shards = g_ptr_array_new ();   /* const char* (JSON-owned), in order */
  g_autoptr (GPtrArray) parts = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_safetensors_free);
  g_autoptr (GArray) entries = g_array_new (FALSE, TRUE, sizeof (PsSafetensorsEntry));
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  g_autoptr (GList) members = NULL;
  gsize len;
  const char *text = g_bytes_get_data (bytes, &len);
  JsonNode *root, *wm;
  JsonObject *map;
  guint64 base = 0;
  guint listed = 0;

  if (len > 64 * 1024 * 1024)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: an index of %" G_GSIZE_FORMAT " bytes is "
                   "too large (64 MB at most)", path, len);
      return NULL;
    }
  if (!json_parser_load_from_data (parser, text ? text : "", (gssize) len, &jerr)
      || (root = json_parser_get_root (parser)) == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT
      || (wm = json_object_get_member (json_node_get_object (root), "weight_map")) == NULL
      || JSON_NODE_TYPE (wm) != JSON_NODE_OBJECT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: not a sharded checkpoint's index (a "
                   "JSON object with a \"weight_map\" of tensor names to shard files)%s%s", path,
                   jerr ? ": " : "", jerr ? jerr->message : "");
      return NULL;
    }
  map = json_node_get_object (wm);
  members = json_object_get_members (map);
  for (GList *l = members; l; l = l->next)
    {
      JsonNode *v = json_object_get_member (map, l->data);
      const char *shard;
      if (JSON_NODE_TYPE (v) != JSON_NODE_VALUE || json_node_get_value_type (v) != G_TYPE_STRING)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: weight_map[\"%s\"] is not a file "
                       "name", path, (char *) l->data);
          return NULL;
        }
      shard = json_node_get_string (v);
      if (*shard == '\0' || g_path_is_absolute (shard) || strstr (shard, "..") != NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: shard \"%s\" (of \"%s\") is not a "
                       "file beside the index", path, shard, (char *) l->data);
          return NULL;
        }
      g_hash_table_insert (shard_of, l->data, (gpointer) shard);
      if (!g_hash_table_contains (shard_index, shard))
        {
          g_hash_table_insert (shard_index, (gpointer) shard, GUINT_TO_POINTER (shards->len));
          g_ptr_array_add (shards, (gpointer) shard);
        }
    }
  g_ptr_array_sort (shards, cmp_str);
  for (guint i = 0; i < shards->len; i++)
    {
      const char *shard = shards->pdata[i];
      g_autofree char *sp = g_build_filename (dir, shard, NULL);
      PsSafetensors *part = ps_weights_open (sp, error);
      GHashTable *pm;
      GHashTableIter it;
      gpointer k, v;

      if (part == NULL)
        return NULL;
      g_ptr_array_add (parts, part);
      for (guint j = 0; j < ps_safetensors_get_n (part); j++)
        {
          PsSafetensorsEntry e = *ps_safetensors_get (part, j);
          const char *want = g_hash_table_lookup (shard_of, e.name);
          if (want == NULL || strcmp (want, shard) != 0)
            {
              g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: shard %s holds tensor \"%s\", "
                           "which the index %s", path, shard, e.name,
                           want ? "maps to another shard" : "does not list");
              goto fail;
            }
          e.name = g_strdup (e.name);
          e.file = i;
          e.begin += base;
          e.end += base;
          g_array_append_val (entries, e);
          listed++;
        }
      pm = ps_safetensors_get_metadata (part);
      g_hash_table_iter_init (&it, pm);
      while (g_hash_table_iter_next (&it, &k, &v))
        if (ps_safetensors_find (part, v) != NULL && ps_safetensors_find (part, k) == NULL)
          g_hash_table_replace (meta, g_strdup (k), g_strdup (v));
      base += ps_safetensors_get_size (part);
    }
  /* every name of the index is in its shard (aliases count) */
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, shard_of);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        PsSafetensors *part = parts->pdata[0];
        for (guint i = 0; i < shards->len; i++)
          if (strcmp (shards->pdata[i], v) == 0)
            part = parts->pdata[i];
        if (ps_safetensors_resolve (part, k) == NULL)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: the index maps tensor \"%s\" to "
                         "shard %s, which does not hold it", path, (char *) k, (char *) v);
            goto fail;
          }
      }
  }
  {
    g_autofree char *fmt = g_strdup_printf ("sharded checkpoint (%u shards, %s)", shards->len,
                                            parts->len ? ps_safetensors_get_format (parts->pdata[0])
                                                       : "empty");
    return ps_safetensors_new_custom (path, g_intern_string (fmt), NULL, NULL,
                                      g_steal_pointer (&parts), g_steal_pointer (&entries),
                                      g_steal_pointer (&meta));
  }

fail:
  for (guint i = 0; i < entries->len; i++)
    g_free (g_array_index (entries, PsSafetensorsEntry, i).name);
  return NULL;
}

PsSafetensors *
ps_weights_open (const char *path, GError **error)
{
  PsMappedFile *f;
  GBytes *bytes;
  gsize len;
  const guint8 *d;

  g_return_val_if_fail (path != NULL, NULL);
  if (g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s is a folder: open a weights file in it, or "
                   "its *.index.json for a sharded checkpoint", path);
      return NULL;
    }
  f = ps_mapped_file_open (path, error);
  if (f == NULL)
    return NULL;
  bytes = ps_mapped_file_get_bytes (f);
  d = g_bytes_get_data (bytes, &len);
  if (d != NULL && ps_weights_detect (d, MIN (len, 64)) == PS_WEIGHTS_INDEX
      && !ps_zip_has_magic (d, len))
    {
      PsSafetensors *st = open_index (path, bytes, error);
      ps_mapped_file_free (f);
      return st;
    }
  if (d == NULL || len < 8 || ps_weights_detect (d, MIN (len, 64)) == PS_WEIGHTS_SAFETENSORS)
    {
      /* safetensors keeps its own mapping (and says what is wrong with a header) */
      ps_mapped_file_free (f);
      return ps_safetensors_open (path, error);
    }
  return open_bytes (bytes, f, path, error);
}
