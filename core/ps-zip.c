/* ps-zip.c — the ZIP container of torch.save, validated, read in place
 *
 * Layout read here (APPNOTE 6.3): local headers with their data, then the
 * central directory, then (ZIP64 end record and locator,) the end record.
 * Every number read from the file is checked against the file's size before
 * it is used; offsets are 64-bit and sums are overflow-checked.
 */
#include "ps-zip.h"
#include "ps-error.h"

#include <string.h>

struct _PsZip
{
  char         *label;
  GBytes       *bytes;
  const guint8 *data;
  guint64       len;
  GArray       *entries;     /* PsZipEntry */
  GHashTable   *by_name;     /* name -> index + 1 */
};

#define SIG_LOCAL    0x04034b50u
#define SIG_CENTRAL  0x02014b50u
#define SIG_END      0x06054b50u
#define SIG_END64    0x06064b50u
#define SIG_LOC64    0x07064b50u

static guint16
u16 (const guint8 *p)
{
  return (guint16) (p[0] | (p[1] << 8));
}

static guint32
u32 (const guint8 *p)
{
  return (guint32) p[0] | ((guint32) p[1] << 8) | ((guint32) p[2] << 16) | ((guint32) p[3] << 24);
}

static guint64
u64 (const guint8 *p)
{
  return (guint64) u32 (p) | ((guint64) u32 (p + 4) << 32);
}

guint32
ps_zip_crc32 (const guint8 *data, gsize len)
{
  static guint32 table[256];
  static gsize init = 0;
  guint32 c = 0xffffffffu;

  if (g_once_init_enter (&init))
    {
      for (guint32 i = 0; i < 256; i++)
        {
          guint32 v = i;
          for (int k = 0; k < 8; k++)
            v = (v & 1) ? 0xedb88320u ^ (v >> 1) : v >> 1;
          table[i] = v;
        }
      g_once_init_leave (&init, 1);
    }
  for (gsize i = 0; i < len; i++)
    c = table[(c ^ data[i]) & 0xff] ^ (c >> 8);
  return c ^ 0xffffffffu;
}

gboolean
ps_zip_has_magic (const guint8 *data, gsize len)
{
  return len >= 4 && (u32 (data) == SIG_LOCAL || u32 (data) == SIG_END);
}

static void
entry_clear (gpointer p)
{
  g_free (((PsZipEntry *) p)->name);
}

void
ps_zip_free (PsZip *zip)
{
  if (zip == NULL)
    return;
  g_free (zip->label);
  if (zip->bytes)
    g_bytes_unref (zip->bytes);
  if (zip->entries)
    g_array_unref (zip->entries);
  if (zip->by_name)
    g_hash_table_unref (zip->by_name);
  g_free (zip);
}

static gboolean G_GNUC_PRINTF (3, 4)
bad (PsZip *zip, GError **error, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: %s", zip->label, msg);
  return FALSE;
}

/* TRUE if [at, at + n) lies within the file. */
static gboolean
within (PsZip *zip, guint64 at, guint64 n)
{
  return at <= zip->len && n <= zip->len - at;
}

/* The ZIP64 extended information of an extra field: replaces, in order,
 * the sizes and offset that are saturated in the fixed part. */
static gboolean
zip64_extra (PsZip *zip, const guint8 *x, guint xlen, const char *name, guint64 *usize,
             guint64 *csize, guint64 *offset, GError **error)
{
  guint at = 0;

  while (at + 4 <= xlen)
    {
      guint id = u16 (x + at), n = u16 (x + at + 2);
      if (at + 4 + n > xlen)
        return bad (zip, error, "entry \"%s\": an extra field runs past its header", name);
      if (id == 0x0001)
        {
          guint k = at + 4, end = at + 4 + n;
          guint64 *fields[3] = { usize, csize, offset };
          for (int f = 0; f < 3; f++)
            {
              if (fields[f] == NULL || *fields[f] != 0xffffffffu)
                continue;
              if (k + 8 > end)
                return bad (zip, error, "entry \"%s\": its ZIP64 extra field is too short",
                            name);
              *fields[f] = u64 (x + k);
              k += 8;
            }
          return TRUE;
        }
      at += 4 + n;
    }
  return TRUE;
}

static int
cmp_by_header (gconstpointer a, gconstpointer b)
{
  const PsZipEntry *x = *(const PsZipEntry *const *) a, *y = *(const PsZipEntry *const *) b;
  return x->header_offset < y->header_offset ? -1 : x->header_offset > y->header_offset;
}

static gboolean
parse (PsZip *zip, GError **error)
{
  const guint8 *d = zip->data;
  guint64 len = zip->len, eocd = G_MAXUINT64, cd_off, cd_size, n_entries, cd_end_limit;
  guint64 at;
  g_autoptr (GPtrArray) sorted = NULL;

  if (len < 22)
    return bad (zip, error, "%" G_GUINT64_FORMAT " bytes is too short for a ZIP archive", len);
  /* the end record: the last signature whose comment ends exactly at the end */
  for (guint64 p = len - 22 + 1; p-- > 0 && len - p <= 22 + 0xffff;)
    if (u32 (d + p) == SIG_END && p + 22 + u16 (d + p + 20) == len)
      {
        eocd = p;
        break;
      }
  if (eocd == G_MAXUINT64)
    return bad (zip, error, "no ZIP end-of-central-directory record (the file is truncated or "
                "not a ZIP archive)");
  if (u16 (d + eocd + 4) != 0 || u16 (d + eocd + 6) != 0)
    return bad (zip, error, "a multi-disk ZIP archive is not supported");
  n_entries = u16 (d + eocd + 10);
  cd_size = u32 (d + eocd + 12);
  cd_off = u32 (d + eocd + 16);
  cd_end_limit = eocd;
  if (eocd >= 20 && u32 (d + eocd - 20) == SIG_LOC64)
    {
      guint64 z = u64 (d + eocd - 20 + 8);
      if (!within (zip, z, 56) || z + 56 > eocd - 20 || u32 (d + z) != SIG_END64)
        return bad (zip, error, "the ZIP64 end record is out of range (offset %" G_GUINT64_FORMAT
                    ")", z);
      n_entries = u64 (d + z + 32);
      cd_size = u64 (d + z + 40);
      cd_off = u64 (d + z + 48);
      cd_end_limit = z;
    }
  if (!within (zip, cd_off, cd_size) || cd_off + cd_size > cd_end_limit)
    return bad (zip, error, "the central directory (offset %" G_GUINT64_FORMAT ", %"
                G_GUINT64_FORMAT " bytes) is out of range: the file has %" G_GUINT64_FORMAT
                " bytes before its end record", cd_off, cd_size, cd_end_limit);
  if (n_entries > PS_ZIP_MAX_ENTRIES)
    return bad (zip, error, "%" G_GUINT64_FORMAT " entries is more than the limit of %d",
                n_entries, PS_ZIP_MAX_ENTRIES);
  if (n_entries * 46 > cd_size)
    return bad (zip, error, "the central directory of %" G_GUINT64_FORMAT " bytes cannot hold "
                "%" G_GUINT64_FORMAT " entries", cd_size, n_entries);

  zip->entries = g_array_sized_new (FALSE, TRUE, sizeof (PsZipEntry), (guint) n_entries);
  g_array_set_clear_func (zip->entries, entry_clear);
  zip->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  at = cd_off;
  for (guint64 i = 0; i < n_entries; i++)
    {
      PsZipEntry e = { 0 };
      const guint8 *c = d + at, *l;
      guint nlen, xlen, clen, flags, lnlen, lxlen;
      char *name;

      if (at + 46 > cd_off + cd_size || u32 (c) != SIG_CENTRAL)
        return bad (zip, error, "central directory entry %" G_GUINT64_FORMAT " at offset %"
                    G_GUINT64_FORMAT " is missing or out of range", i, at);
      flags = u16 (c + 8);
      e.method = u16 (c + 10);
      e.crc32 = u32 (c + 16);
      e.csize = u32 (c + 20);
      e.size = u32 (c + 24);
      nlen = u16 (c + 28);
      xlen = u16 (c + 30);
      clen = u16 (c + 32);
      e.header_offset = u32 (c + 42);
      if (at + 46 + nlen + xlen + clen > cd_off + cd_size)
        return bad (zip, error, "central directory entry %" G_GUINT64_FORMAT " runs past the "
                    "directory", i);
      if (nlen == 0 || nlen > PS_ZIP_MAX_NAME || memchr (c + 46, '\0', nlen) != NULL
          || !g_utf8_validate ((const char *) c + 46, nlen, NULL))
        return bad (zip, error, "central directory entry %" G_GUINT64_FORMAT " has an empty, "
                    "overlong or invalid name", i);
      name = g_strndup ((const char *) c + 46, nlen);
      e.name = name;
      g_array_append_val (zip->entries, e);
      {
        PsZipEntry *pe = &g_array_index (zip->entries, PsZipEntry, zip->entries->len - 1);
        if (!zip64_extra (zip, c + 46 + nlen, xlen, name, &pe->size, &pe->csize,
                          &pe->header_offset, error))
          return FALSE;
        e = *pe;
      }
      if (flags & 1)
        return bad (zip, error, "entry \"%s\" is encrypted", name);
      if (g_hash_table_contains (zip->by_name, name))
        return bad (zip, error, "entry \"%s\" appears twice", name);
      g_hash_table_insert (zip->by_name, g_strdup (name), GUINT_TO_POINTER (zip->entries->len));
      if (e.method == 0 && e.csize != e.size)
        return bad (zip, error, "entry \"%s\" is stored but its sizes differ (%" G_GUINT64_FORMAT
                    " and %" G_GUINT64_FORMAT " bytes)", name, e.csize, e.size);
      if (e.method != 0 && e.csize > 0 && e.size / 1032 > e.csize)
        return bad (zip, error, "entry \"%s\" claims to expand %" G_GUINT64_FORMAT " bytes into "
                    "%" G_GUINT64_FORMAT " (a zip bomb)", name, e.csize, e.size);

      /* the local header agrees */
      if (!within (zip, e.header_offset, 30) || e.header_offset + 30 > cd_off)
        return bad (zip, error, "entry \"%s\": its local header (offset %" G_GUINT64_FORMAT ") "
                    "is out of range", name, e.header_offset);
      l = d + e.header_offset;
      if (u32 (l) != SIG_LOCAL)
        return bad (zip, error, "entry \"%s\": no local header at offset %" G_GUINT64_FORMAT,
                    name, e.header_offset);
      lnlen = u16 (l + 26);
      lxlen = u16 (l + 28);
      if (lnlen != nlen || e.header_offset + 30 + lnlen + lxlen > cd_off
          || memcmp (l + 30, c + 46, nlen) != 0)
        return bad (zip, error, "entry \"%s\": its local header names another entry or runs "
                    "past the data", name);
      if (u16 (l + 8) != e.method)
        return bad (zip, error, "entry \"%s\": the local header and the central directory "
                    "disagree on the compression method", name);
      if (!(u16 (l + 6) & 8))
        {
          guint64 lc = u32 (l + 18), lu = u32 (l + 22);
          if (!zip64_extra (zip, l + 30 + lnlen, lxlen, name, &lu, &lc, NULL, error))
            return FALSE;
          if (lc != e.csize || lu != e.size)
            return bad (zip, error, "entry \"%s\": the local header and the central directory "
                        "disagree on its size", name);
        }
      e.data_offset = e.header_offset + 30 + lnlen + lxlen;
      if (e.csize > cd_off - e.data_offset)
        return bad (zip, error, "entry \"%s\": its %" G_GUINT64_FORMAT " bytes at offset %"
                    G_GUINT64_FORMAT " run past the data (into the central directory or the "
                    "end of the file)", name, e.csize, e.data_offset);
      g_array_index (zip->entries, PsZipEntry, zip->entries->len - 1).data_offset = e.data_offset;
      at += 46 + nlen + xlen + clen;
    }

  /* no two entries share bytes */
  sorted = g_ptr_array_sized_new (zip->entries->len);
  for (guint i = 0; i < zip->entries->len; i++)
    g_ptr_array_add (sorted, &g_array_index (zip->entries, PsZipEntry, i));
  g_ptr_array_sort (sorted, cmp_by_header);
  for (guint i = 1; i < sorted->len; i++)
    {
      const PsZipEntry *p = sorted->pdata[i - 1], *q = sorted->pdata[i];
      if (q->header_offset < p->data_offset + p->csize)
        return bad (zip, error, "entries \"%s\" and \"%s\" overlap (bytes %" G_GUINT64_FORMAT
                    " to %" G_GUINT64_FORMAT " are used twice)", p->name, q->name,
                    q->header_offset, MIN (p->data_offset + p->csize, q->data_offset + q->csize));
    }
  return TRUE;
}

PsZip *
ps_zip_new_from_bytes (GBytes *bytes, const char *label, GError **error)
{
  PsZip *zip = g_new0 (PsZip, 1);
  gsize n;

  zip->label = g_strdup (label ? label : "<zip>");
  zip->bytes = g_bytes_ref (bytes);
  zip->data = g_bytes_get_data (bytes, &n);
  zip->len = n;
  if (zip->data == NULL)
    zip->data = (const guint8 *) "";
  if (!parse (zip, error))
    {
      ps_zip_free (zip);
      return NULL;
    }
  return zip;
}

guint
ps_zip_get_n (PsZip *zip)
{
  return zip->entries->len;
}

const PsZipEntry *
ps_zip_get (PsZip *zip, guint i)
{
  g_return_val_if_fail (i < zip->entries->len, NULL);
  return &g_array_index (zip->entries, PsZipEntry, i);
}

const PsZipEntry *
ps_zip_find (PsZip *zip, const char *name)
{
  guint i = GPOINTER_TO_UINT (g_hash_table_lookup (zip->by_name, name));
  return i ? &g_array_index (zip->entries, PsZipEntry, i - 1) : NULL;
}

const char *
ps_zip_get_label (PsZip *zip)
{
  return zip->label;
}

const guint8 *
ps_zip_get_data (PsZip *zip, const PsZipEntry *e, gboolean check_crc, gsize *len,
                 GError **error)
{
  if (e->method != 0)
    {
      bad (zip, error, "entry \"%s\" is compressed (method %u); only stored entries, as "
           "torch.save writes them, can be read", e->name, e->method);
      return NULL;
    }
  if (e->size > G_MAXSIZE)
    {
      bad (zip, error, "entry \"%s\" is too large for this system", e->name);
      return NULL;
    }
  if (check_crc && ps_zip_crc32 (zip->data + e->data_offset, (gsize) e->size) != e->crc32)
    {
      bad (zip, error, "entry \"%s\" is damaged (its CRC-32 does not match)", e->name);
      return NULL;
    }
  *len = (gsize) e->size;
  return zip->data + e->data_offset;
}
