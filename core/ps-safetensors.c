/* ps-safetensors.c — safetensors read and write */
#include "ps-safetensors.h"
#include "ps-error.h"
#include "ps-file.h"

#include <json-glib/json-glib.h>
#include <string.h>

struct _PsSafetensors
{
  char        *label;
  const char  *format;
  GPtrArray   *files;      /* PsMappedFile*: the mapped file(s) */
  GPtrArray   *parts;      /* PsSafetensors*: shards whose entries are referenced */
  GBytes      *bytes;      /* the caller's bytes */
  guint64      size;
  const guint8 *data;      /* start of the data buffer */
  guint64      data_len;
  GArray      *entries;    /* PsSafetensorsEntry, sorted by offset */
  GHashTable  *by_name;    /* name -> index + 1 */
  GHashTable  *metadata;
};

static void
entry_clear (gpointer p)
{
  g_free (((PsSafetensorsEntry *) p)->name);
}

void
ps_safetensors_free (PsSafetensors *st)
{
  if (st == NULL)
    return;
  g_free (st->label);
  if (st->files)
    g_ptr_array_unref (st->files);
  if (st->parts)
    g_ptr_array_unref (st->parts);
  if (st->bytes)
    g_bytes_unref (st->bytes);
  if (st->entries)
    g_array_unref (st->entries);
  if (st->by_name)
    g_hash_table_unref (st->by_name);
  if (st->metadata)
    g_hash_table_unref (st->metadata);
  g_free (st);
}

static gboolean G_GNUC_PRINTF (3, 4)
bad (PsSafetensors *st, GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: %s", st->label, msg);
  return FALSE;
}

static gboolean
get_uint (JsonNode *n, guint64 *out)
{
  if (n == NULL || JSON_NODE_TYPE (n) != JSON_NODE_VALUE || json_node_get_value_type (n) != G_TYPE_INT64)
    return FALSE;
  if (json_node_get_int (n) < 0)
    return FALSE;
  *out = (guint64) json_node_get_int (n);
  return TRUE;
}

static int
cmp_entries (gconstpointer a, gconstpointer b)
{
  const PsSafetensorsEntry *x = a, *y = b;
  if (x->begin != y->begin)
    return x->begin < y->begin ? -1 : 1;
  if (x->end != y->end)
    return x->end < y->end ? -1 : 1;
  return 0;
}

/* TRUE if text is one JSON object followed only by whitespace (json-glib
 * would accept and ignore further values), nested at most 64 deep (json-glib
 * recurses and a deep header would overflow the stack). */
static gboolean
single_json_object (const char *text, guint64 n)
{
  int depth = 0;
  gboolean in_string = FALSE;

  for (guint64 i = 0; i < n; i++)
    {
      char ch = text[i];
      if (in_string)
        {
          if (ch == '\\')
            i++;
          else if (ch == '"')
            in_string = FALSE;
          continue;
        }
      if (ch == '"')
        in_string = TRUE;
      else if (ch == '{' || ch == '[')
        {
          if (++depth > 64)
            return FALSE;       /* nothing valid nests this deep; the parser would recurse */
        }
      else if (ch == '}' || ch == ']')
        {
          if (--depth == 0)
            {
              for (guint64 j = i + 1; j < n; j++)
                if (text[j] != ' ' && text[j] != '\t' && text[j] != '\n' && text[j] != '\r')
                  return FALSE;
              return TRUE;
            }
        }
    }
  return TRUE;     /* unbalanced: the JSON parser reports it */
}

static gboolean
parse (PsSafetensors *st, const guint8 *buf, gsize size, GError **error)
{
  guint64 n = 0;
  g_autoptr (JsonParser) parser = NULL;
  g_autoptr (GError) jerr = NULL;
  JsonNode *root;
  JsonObject *obj;
  g_autoptr (GList) members = NULL;
  guint64 expect = 0;

  if (size < 8)
    return bad (st, error, "the file is %" G_GSIZE_FORMAT " bytes long, too short for a "
                "safetensors header (8-byte length, then JSON)", size);
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | buf[i];
  if (n > PS_SAFETENSORS_MAX_HEADER)
    return bad (st, error, "header length %" G_GUINT64_FORMAT " bytes exceeds the limit of "
                "100 MB (HeaderTooLarge)", n);
  if (n > size - 8)
    return bad (st, error, "header length %" G_GUINT64_FORMAT " runs past the end of the "
                "file (%" G_GSIZE_FORMAT " bytes) (InvalidHeaderLength)", n, size);
  if (n < 2 || buf[8] != '{')
    return bad (st, error, "the header does not start with '{' (InvalidHeaderStart)");
  if (memchr (buf + 8, '\0', n) != NULL)
    return bad (st, error, "the header contains a NUL byte (InvalidHeader)");
  if (!g_utf8_validate ((const char *) buf + 8, (gssize) n, NULL))
    return bad (st, error, "the header is not valid UTF-8 (InvalidHeader)");
  if (!single_json_object ((const char *) buf + 8, n))
    return bad (st, error, "the header has more after its JSON object (trailing characters) "
                "or nests deeper than 64 levels (InvalidHeaderDeserialization)");

  parser = json_parser_new ();
  if (!json_parser_load_from_data (parser, (const char *) buf + 8, (gssize) n, &jerr))
    return bad (st, error, "the header is not valid JSON: %s (InvalidHeaderDeserialization)",
                jerr->message);
  root = json_parser_get_root (parser);
  if (root == NULL || JSON_NODE_TYPE (root) != JSON_NODE_OBJECT)
    return bad (st, error, "the header is not a JSON object (InvalidHeaderDeserialization)");
  obj = json_node_get_object (root);

  st->data = buf + 8 + n;
  st->data_len = size - 8 - n;
  st->entries = g_array_new (FALSE, TRUE, sizeof (PsSafetensorsEntry));
  g_array_set_clear_func (st->entries, entry_clear);
  st->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  st->metadata = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);

  members = json_object_get_members (obj);
  for (GList *l = members; l; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (obj, name);
      PsSafetensorsEntry e = { 0 };
      JsonObject *t;
      JsonNode *dt, *sh, *off;
      JsonArray *sha, *offa;
      guint64 esize;
      int64_t numel = 1;

      if (strcmp (name, "__metadata__") == 0)
        {
          JsonObject *m;
          g_autoptr (GList) keys = NULL;
          if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
            return bad (st, error, "__metadata__ must be an object of strings");
          m = json_node_get_object (node);
          keys = json_object_get_members (m);
          for (GList *k = keys; k; k = k->next)
            {
              JsonNode *v = json_object_get_member (m, k->data);
              if (JSON_NODE_TYPE (v) != JSON_NODE_VALUE || json_node_get_value_type (v) != G_TYPE_STRING)
                return bad (st, error, "__metadata__ value of \"%s\" is not a string",
                            (char *) k->data);
              g_hash_table_replace (st->metadata, g_strdup (k->data),
                                    g_strdup (json_node_get_string (v)));
            }
          continue;
        }
      if (JSON_NODE_TYPE (node) != JSON_NODE_OBJECT)
        return bad (st, error, "tensor \"%s\": its header entry is not an object", name);
      t = json_node_get_object (node);
      dt = json_object_get_member (t, "dtype");
      sh = json_object_get_member (t, "shape");
      off = json_object_get_member (t, "data_offsets");
      if (dt == NULL || JSON_NODE_TYPE (dt) != JSON_NODE_VALUE
          || json_node_get_value_type (dt) != G_TYPE_STRING)
        return bad (st, error, "tensor \"%s\": missing or non-string \"dtype\"", name);
      e.dtype_name = ps_dtype_from_name (json_node_get_string (dt), &e.dtype)
                     ? ps_dtype_name (e.dtype) : NULL;
      if (e.dtype_name == NULL)
        return bad (st, error, "tensor \"%s\": unsupported dtype \"%s\" (supported: F32, F16, "
                    "BF16, F64, I64, I32, I16, I8, U8, BOOL)", name, json_node_get_string (dt));
      if (sh == NULL || JSON_NODE_TYPE (sh) != JSON_NODE_ARRAY)
        return bad (st, error, "tensor \"%s\": missing \"shape\" array", name);
      sha = json_node_get_array (sh);
      if (json_array_get_length (sha) > PS_SAFETENSORS_MAX_DIMS)
        return bad (st, error, "tensor \"%s\": %u dimensions (at most %d are supported)", name,
                    json_array_get_length (sha), PS_SAFETENSORS_MAX_DIMS);
      e.ndim = (int) json_array_get_length (sha);
      for (int i = 0; i < e.ndim; i++)
        {
          guint64 d;
          if (!get_uint (json_array_get_element (sha, i), &d) || d > G_MAXINT64)
            return bad (st, error, "tensor \"%s\": shape[%d] is not a non-negative integer",
                        name, i);
          e.shape[i] = (int64_t) d;
          if (d != 0 && numel > G_MAXINT64 / (int64_t) d)
            return bad (st, error, "tensor \"%s\": the element count overflows "
                        "(ValidationOverflow)", name);
          numel *= (int64_t) d;
        }
      e.numel = numel;
      if (off == NULL || JSON_NODE_TYPE (off) != JSON_NODE_ARRAY
          || json_array_get_length (offa = json_node_get_array (off)) != 2
          || !get_uint (json_array_get_element (offa, 0), &e.begin)
          || !get_uint (json_array_get_element (offa, 1), &e.end))
        return bad (st, error, "tensor \"%s\": \"data_offsets\" must be two non-negative "
                    "integers [begin, end]", name);
      if (e.end < e.begin)
        return bad (st, error, "tensor \"%s\": data_offsets end %" G_GUINT64_FORMAT " is before "
                    "begin %" G_GUINT64_FORMAT " (InvalidOffset)", name, e.end, e.begin);
      esize = (guint64) ps_dtype_size (e.dtype);
      if ((guint64) numel > G_MAXUINT64 / esize)
        return bad (st, error, "tensor \"%s\": its byte size overflows (ValidationOverflow)", name);
      if (e.end - e.begin != (guint64) numel * esize)
        return bad (st, error, "tensor \"%s\": shape and dtype need %" G_GUINT64_FORMAT " bytes "
                    "but data_offsets span %" G_GUINT64_FORMAT " (TensorInvalidInfo)", name,
                    (guint64) numel * esize, e.end - e.begin);
      e.name = g_strdup (name);
      g_array_append_val (st->entries, e);
    }
  g_array_sort (st->entries, cmp_entries);
  for (guint i = 0; i < st->entries->len; i++)
    {
      PsSafetensorsEntry *e = &g_array_index (st->entries, PsSafetensorsEntry, i);
      if (e->begin != expect)
        return bad (st, error, "tensor \"%s\": data starts at offset %" G_GUINT64_FORMAT " but "
                    "%" G_GUINT64_FORMAT " was expected (%s) (InvalidOffset)", e->name, e->begin,
                    expect, e->begin > expect ? "a gap before it" : "it overlaps the previous tensor");
      expect = e->end;
      e->data = st->data + e->begin;
      e->contiguous = TRUE;
      ps_safetensors_contiguous_strides (e->ndim, e->shape, e->stride);
      g_hash_table_replace (st->by_name, g_strdup (e->name), GUINT_TO_POINTER (i + 1));
    }
  if (expect != st->data_len)
    return bad (st, error, "the tensors cover %" G_GUINT64_FORMAT " bytes but the data buffer "
                "holds %" G_GUINT64_FORMAT " (MetadataIncompleteBuffer)", expect, st->data_len);
  return TRUE;
}

PsSafetensors *
ps_safetensors_new_from_bytes (GBytes *bytes, const char *label, GError **error)
{
  PsSafetensors *st = g_new0 (PsSafetensors, 1);
  gsize size;
  const guint8 *buf = g_bytes_get_data (bytes, &size);

  st->label = g_strdup (label ? label : "<safetensors>");
  st->format = "safetensors";
  st->bytes = g_bytes_ref (bytes);
  st->size = size;
  if (!parse (st, buf ? buf : (const guint8 *) "", size, error))
    {
      ps_safetensors_free (st);
      return NULL;
    }
  return st;
}

PsSafetensors *
ps_safetensors_open (const char *path, GError **error)
{
  PsSafetensors *st;
  PsMappedFile *f = ps_mapped_file_open (path, error);
  gsize size;
  const guint8 *buf;

  if (f == NULL)
    return NULL;
  buf = g_bytes_get_data (ps_mapped_file_get_bytes (f), &size);
  st = g_new0 (PsSafetensors, 1);
  st->label = g_strdup (path);
  st->format = "safetensors";
  st->files = g_ptr_array_new_with_free_func ((GDestroyNotify) ps_mapped_file_free);
  g_ptr_array_add (st->files, f);
  st->size = size;
  if (!parse (st, buf ? buf : (const guint8 *) "", size, error))
    {
      ps_safetensors_free (st);
      return NULL;
    }
  return st;
}

guint
ps_safetensors_get_n (PsSafetensors *st)
{
  return st->entries->len;
}

const PsSafetensorsEntry *
ps_safetensors_get (PsSafetensors *st, guint i)
{
  g_return_val_if_fail (i < st->entries->len, NULL);
  return &g_array_index (st->entries, PsSafetensorsEntry, i);
}

const PsSafetensorsEntry *
ps_safetensors_find (PsSafetensors *st, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (st->by_name, name));
  return i ? &g_array_index (st->entries, PsSafetensorsEntry, i - 1) : NULL;
}

GHashTable *
ps_safetensors_get_metadata (PsSafetensors *st)
{
  return st->metadata;
}

void
ps_safetensors_read_f32 (PsSafetensors *st, const PsSafetensorsEntry *e, int64_t start,
                         int64_t count, float *dst)
{
  int64_t esize = ps_dtype_size (e->dtype);
  int64_t index[PS_SAFETENSORS_MAX_DIMS] = { 0 };

  g_return_if_fail (start >= 0 && count >= 0 && start + count <= e->numel);
  if (e->contiguous)
    {
      ps_dtype_row_to_f32 (e->dtype, e->data + (guint64) start * (guint64) esize, 1, count, dst);
      return;
    }
  /* strided: along the last axis in runs, carrying the index like an odometer */
  {
    int64_t rest = start;
    for (int d = e->ndim - 1; d >= 0; d--)
      {
        index[d] = e->shape[d] ? rest % e->shape[d] : 0;
        rest = e->shape[d] ? rest / e->shape[d] : 0;
      }
  }
  while (count > 0)
    {
      int last = e->ndim - 1;
      int64_t off = 0, run;
      for (int d = 0; d < e->ndim; d++)
        off += index[d] * e->stride[d];
      run = last >= 0 ? MIN (count, e->shape[last] - index[last]) : 1;
      ps_dtype_row_to_f32 (e->dtype, e->data + off * esize, last >= 0 ? e->stride[last] : 1, run,
                           dst);
      dst += run;
      count -= run;
      if (last < 0)
        break;
      index[last] += run;
      for (int d = last; d > 0 && index[d] >= e->shape[d]; d--)
        {
          index[d] = 0;
          index[d - 1]++;
        }
    }
}

void
ps_safetensors_contiguous_strides (int ndim, const int64_t *shape, int64_t *stride)
{
  int64_t s = 1;
  for (int d = ndim - 1; d >= 0; d--)
    {
      stride[d] = s;
      s *= shape[d];
    }
}

PsSafetensors *
ps_safetensors_new_custom (const char *label, const char *format, GBytes *bytes,
                           GPtrArray *files, GPtrArray *parts, GArray *entries,
                           GHashTable *metadata)
{
  PsSafetensors *st = g_new0 (PsSafetensors, 1);

  if (bytes)
    {
      st->bytes = g_bytes_ref (bytes);
      st->size += g_bytes_get_size (bytes);
    }
  st->label = g_strdup (label);
  st->format = format;
  st->files = files;
  st->parts = parts;
  st->entries = entries;
  g_array_set_clear_func (st->entries, entry_clear);
  st->metadata = metadata ? metadata
                          : g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  st->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < entries->len; i++)
    g_hash_table_replace (st->by_name, g_strdup (g_array_index (entries, PsSafetensorsEntry, i).name),
                          GUINT_TO_POINTER (i + 1));
  for (guint i = 0; files && i < files->len; i++)
    st->size += g_bytes_get_size (ps_mapped_file_get_bytes (files->pdata[i]));
  for (guint i = 0; parts && i < parts->len; i++)
    st->size += ps_safetensors_get_size (parts->pdata[i]);
  return st;
}

const char *
ps_safetensors_get_label (PsSafetensors *st)
{
  return st->label;
}

const char *
ps_safetensors_get_format (PsSafetensors *st)
{
  return st->format;
}

guint64
ps_safetensors_get_size (PsSafetensors *st)
{
  return st->size;
}

void
ps_safetensors_collect_files (PsSafetensors *st, GPtrArray *out)
{
  for (guint i = 0; st->files && i < st->files->len; i++)
    g_ptr_array_add (out, st->files->pdata[i]);
  for (guint i = 0; st->parts && i < st->parts->len; i++)
    ps_safetensors_collect_files (st->parts->pdata[i], out);
}

gboolean
ps_safetensors_check_files (PsSafetensors *st, GError **error)
{
  g_autoptr (GPtrArray) files = g_ptr_array_new ();
  ps_safetensors_collect_files (st, files);
  for (guint i = 0; i < files->len; i++)
    if (!ps_mapped_file_check (files->pdata[i], error))
      return FALSE;
  return TRUE;
}

PsTensor *
ps_safetensors_load_tensor (PsSafetensors *st, const char *name, GError **error)
{
  const PsSafetensorsEntry *e = ps_safetensors_resolve (st, name);
  PsTensor *t;

  if (e == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s: no tensor named \"%s\"", st->label, name);
      return NULL;
    }
  if (e->ndim > PS_TENSOR_MAX_DIMS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_SHAPE, "%s: tensor \"%s\" has %d dimensions; at "
                   "most %d can be used here", st->label, name, e->ndim, PS_TENSOR_MAX_DIMS);
      return NULL;
    }
  t = ps_tensor_new (e->ndim, e->shape);
  if (t == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE, "%s: tensor \"%s\" is too large to load",
                   st->label, name);
      return NULL;
    }
  ps_safetensors_read_f32 (st, e, 0, e->numel, t->data);
  return t;
}

void
ps_safetensors_stats (PsSafetensors *st, const PsSafetensorsEntry *e, PsStats *out)
{
  enum { CHUNK = 1 << 16 };
  float *buf = g_new (float, CHUNK);
  PsStatsAcc acc;

  ps_stats_acc_init (&acc);
  for (int64_t i = 0; i < e->numel; i += CHUNK)
    {
      int64_t n = MIN (CHUNK, e->numel - i);
      ps_safetensors_read_f32 (st, e, i, n, buf);
      ps_stats_acc_add (&acc, buf, n);
    }
  ps_stats_acc_finish (&acc, out);
  g_free (buf);
}

/* ---- writing ----------------------------------------------------------- */

static void
json_string (GString *out, const char *s)
{
  g_string_append_c (out, '"');
  for (const guchar *p = (const guchar *) s; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_printf (out, "\\%c", *p);
      else if (*p < 0x20)
        g_string_append_printf (out, "\\u%04x", *p);
      else
        g_string_append_c (out, (char) *p);
    }
  g_string_append_c (out, '"');
}

gboolean
ps_safetensors_write (const char *path, guint n, const char *const *names,
                      PsTensor *const *tensors, GHashTable *metadata, GError **error)
{
  return ps_safetensors_write_dtypes (path, n, names, tensors, NULL, metadata, error);
}

/* Bytes of t as dtype (F32 or I64), little-endian. */
static gboolean
write_tensor (PsAtomicFile *f, const PsTensor *t, PsDtype dtype, GError **error)
{
  gint64 buf[512];

  if (dtype != PS_DTYPE_I64)
    return ps_atomic_file_write (f, t->data, (gsize) t->numel * 4, error);
  for (int64_t i = 0; i < t->numel; i += G_N_ELEMENTS (buf))
    {
      int64_t n = MIN ((int64_t) G_N_ELEMENTS (buf), t->numel - i);
      for (int64_t k = 0; k < n; k++)
        buf[k] = GINT64_TO_LE ((gint64) t->data[i + k]);
      if (!ps_atomic_file_write (f, buf, (gsize) n * 8, error))
        return FALSE;
    }
  return TRUE;
}

gboolean
ps_safetensors_write_dtypes (const char *path, guint n, const char *const *names,
                             PsTensor *const *tensors, const PsDtype *dtypes,
                             GHashTable *metadata, GError **error)
{
  g_autoptr (GString) hdr = g_string_new ("{");
  g_autoptr (GHashTable) first = g_hash_table_new (NULL, NULL);   /* PsTensor* -> name */
  g_autoptr (GHashTable) seen_names = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GPtrArray) order = g_ptr_array_new ();
  g_autoptr (GHashTable) meta = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  guint64 offset = 0, hlen;
  guint8 len8[8];
  PsAtomicFile *f;
  gboolean first_member = TRUE;

  if (metadata)
    {
      GHashTableIter it;
      gpointer k, v;
      g_hash_table_iter_init (&it, metadata);
      while (g_hash_table_iter_next (&it, &k, &v))
        g_hash_table_replace (meta, g_strdup (k), g_strdup (v));
    }
  for (guint i = 0; i < n; i++)
    {
      if (g_hash_table_contains (seen_names, names[i]) || strcmp (names[i], "__metadata__") == 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_KEY, "%s: tensor name \"%s\" is used twice or "
                       "reserved", path, names[i]);
          return FALSE;
        }
      g_hash_table_add (seen_names, (gpointer) names[i]);
      if (g_hash_table_contains (first, tensors[i]))
        g_hash_table_replace (meta, g_strdup (names[i]),
                              g_strdup (g_hash_table_lookup (first, tensors[i])));
      else
        {
          g_hash_table_insert (first, tensors[i], (gpointer) names[i]);
          g_ptr_array_add (order, GUINT_TO_POINTER (i));
        }
    }

  if (g_hash_table_size (meta) > 0)
    {
      g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (meta), (GCompareFunc) strcmp);
      g_string_append (hdr, "\"__metadata__\":{");
      for (GList *k = keys; k; k = k->next)
        {
          if (k != keys)
            g_string_append_c (hdr, ',');
          json_string (hdr, k->data);
          g_string_append_c (hdr, ':');
          json_string (hdr, g_hash_table_lookup (meta, k->data));
        }
      g_string_append_c (hdr, '}');
      first_member = FALSE;
    }
  for (guint k = 0; k < order->len; k++)
    {
      guint i = GPOINTER_TO_UINT (order->pdata[k]);
      PsTensor *t = tensors[i];
      PsDtype dt = dtypes && dtypes[i] == PS_DTYPE_I64 ? PS_DTYPE_I64 : PS_DTYPE_F32;
      guint64 bytes = (guint64) t->numel * ps_dtype_size (dt);
      if (!first_member)
        g_string_append_c (hdr, ',');
      first_member = FALSE;
      json_string (hdr, names[i]);
      g_string_append_printf (hdr, ":{\"dtype\":\"%s\",\"shape\":[", ps_dtype_name (dt));
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (hdr, d ? ",%" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, t->shape[d]);
      g_string_append_printf (hdr, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT "]}",
                              offset, offset + bytes);
      offset += bytes;
    }
  g_string_append_c (hdr, '}');
  while (hdr->len % 8 != 0)
    g_string_append_c (hdr, ' ');
  hlen = hdr->len;
  for (int i = 0; i < 8; i++)
    len8[i] = (guint8) (hlen >> (8 * i));

  f = ps_atomic_file_begin (path, error);
  if (f == NULL)
    return FALSE;
  if (!ps_atomic_file_write (f, len8, 8, error)
      || !ps_atomic_file_write (f, hdr->str, hdr->len, error))
    goto fail;
  for (guint k = 0; k < order->len; k++)
    {
      guint i = GPOINTER_TO_UINT (order->pdata[k]);
      if (!write_tensor (f, tensors[i], dtypes && dtypes[i] == PS_DTYPE_I64 ? PS_DTYPE_I64
                                                                           : PS_DTYPE_F32, error))
        goto fail;
    }
  return ps_atomic_file_commit (f, error);

fail:
  ps_atomic_file_abort (f);
  return FALSE;
}

/* ---- state_dict --------------------------------------------------------- */

gboolean
ps_module_save_state_dict (PsModule *model, const char *path, GError **error)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (model);
  g_autofree const char **names = g_new0 (const char *, sd->len + 1);
  g_autofree PsTensor **ts = g_new0 (PsTensor *, sd->len + 1);
  g_autofree PsDtype *dts = g_new0 (PsDtype, sd->len + 1);

  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      names[i] = np->name;
      ts[i] = ps_param_get_data (np->param);
      dts[i] = ps_param_get_dtype (np->param);
      if (ts[i] == NULL)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED,
                       "%s is uninitialized (lazy): run a forward pass or load weights before "
                       "saving", np->name);
          return FALSE;
        }
    }
  return ps_safetensors_write_dtypes (path, sd->len, names, ts, dts, NULL, error);
}

const PsSafetensorsEntry *
ps_safetensors_resolve (PsSafetensors *st, const char *key)
{
  const PsSafetensorsEntry *e = ps_safetensors_find (st, key);
  if (e == NULL)
    {
      const char *alias = g_hash_table_lookup (st->metadata, key);
      if (alias)
        e = ps_safetensors_find (st, alias);
    }
  return e;
}

gboolean
ps_module_load_state_dict (PsModule *model, PsSafetensors *st, GError **error)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (model);
  g_autoptr (GHashTable) used = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GString) missing = g_string_new (NULL);
  g_autoptr (GString) unexpected = g_string_new (NULL);
  g_autoptr (GString) shapes = g_string_new (NULL);
  g_autofree const PsSafetensorsEntry **src = g_new0 (const PsSafetensorsEntry *, sd->len + 1);

  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      const PsSafetensorsEntry *e = ps_safetensors_resolve (st, np->name);
      PsTensor *t = ps_param_get_data (np->param);
      if (e == NULL)
        {
          g_string_append_printf (missing, "%s\"%s\"", missing->len ? ", " : "", np->name);
          continue;
        }
      g_hash_table_add (used, e->name);
      src[i] = e;
      if (t)
        {
          gboolean same = e->ndim == t->ndim;
          for (int d = 0; same && d < t->ndim; d++)
            same = e->shape[d] == t->shape[d];
          /* a 0-d tensor (num_batches_tracked) stored with shape [1], as
           * files written through NumPy have it (np.ascontiguousarray makes a
           * 0-d array 1-d): PyTorch's load_state_dict takes it too */
          same |= t->ndim == 0 && e->ndim == 1 && e->shape[0] == 1;
          if (!same)
            {
              g_autofree char *a = ps_shape_to_string (e->ndim, e->shape);
              g_autofree char *b = ps_shape_to_string (t->ndim, t->shape);
              g_string_append_printf (shapes, "%s\"%s\" is %s in the file but %s in the model",
                                      shapes->len ? "; " : "", np->name, a, b);
            }
        }
      else
        {
          /* lazy: the file decides in_features */
          int64_t out = ps_module_get_out_features (np->owner);
          gboolean is_w = strcmp (np->slot, "weight") == 0;
          gboolean ok = is_w ? (e->ndim == 2 && e->shape[0] == out && e->shape[1] > 0)
                             : (e->ndim == 1 && e->shape[0] == out);
          if (ok && !is_w)
            {
              /* the weight decides; make sure it is there */
              g_autofree char *wkey = g_strndup (np->name, strlen (np->name) - 4);
              g_autofree char *wname = g_strconcat (wkey, "weight", NULL);
              ok = ps_safetensors_resolve (st, wname) != NULL;
            }
          if (!ok)
            {
              g_autofree char *a = ps_shape_to_string (e->ndim, e->shape);
              g_string_append_printf (shapes, "%s\"%s\" is %s in the file, which does not fit "
                                      "LazyLinear(out_features=%" G_GINT64_FORMAT ")",
                                      shapes->len ? "; " : "", np->name, a, out);
            }
        }
    }
  for (guint i = 0; i < st->entries->len; i++)
    {
      const char *name = g_array_index (st->entries, PsSafetensorsEntry, i).name;
      if (!g_hash_table_contains (used, name))
        g_string_append_printf (unexpected, "%s\"%s\"", unexpected->len ? ", " : "", name);
    }
  if (missing->len || unexpected->len || shapes->len)
    {
      GString *msg = g_string_new (NULL);
      g_string_append_printf (msg, "%s does not fit the model:", st->label);
      if (missing->len)
        g_string_append_printf (msg, " missing key(s) %s.", missing->str);
      if (unexpected->len)
        g_string_append_printf (msg, " unexpected key(s) %s.", unexpected->str);
      if (shapes->len)
        g_string_append_printf (msg, " size mismatch: %s.", shapes->str);
      g_set_error_literal (error, PS_ERROR, PS_ERROR_KEY, msg->str);
      g_string_free (msg, TRUE);
      return FALSE;
    }

  /* all valid: materialize lazy layers, then copy */
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      if (ps_module_is_lazy (np->owner) && strcmp (np->slot, "weight") == 0)
        if (!ps_module_materialize (np->owner, src[i]->shape[1], NULL, error))
          return FALSE;
    }
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      PsTensor *t = ps_param_get_data (np->param);
      if (t == NULL)
        {
          /* a lazy bias whose layer is materialized through its weight above */
          if (!ps_param_materialize (np->param, src[i]->ndim, src[i]->shape, error))
            return FALSE;
          t = ps_param_get_data (np->param);
        }
      ps_safetensors_read_f32 (st, src[i], 0, t->numel, t->data);
      ps_param_changed (np->param, PS_CHANGE_DATA);
    }
  return TRUE;
}
