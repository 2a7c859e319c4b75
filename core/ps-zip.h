/* ps-zip.h — a read-only ZIP archive over bytes in memory (a mapped file)
 *
 *   g_autoptr (PsZip) zip = ps_zip_new_from_bytes (bytes, "model.pth", &error);
 *   const PsZipEntry *e = ps_zip_find (zip, "model/data.pkl");
 *   gsize n;
 *   const guint8 *pkl = ps_zip_get_data (zip, e, &n, &error);   // in place, never copied
 *
 * This is the container torch.save writes (PyTorch >= 1.6): every entry is
 * stored (not compressed), its data aligned in the file, with ZIP64 records
 * past 4 GiB.  Opening validates the whole directory before anything is
 * used, and refuses, naming the entry:
 *   - an end record or central directory out of the file's range;
 *   - a local header that is missing, disagrees with the central directory
 *     (name, sizes) or runs past the file;
 *   - entries whose bytes overlap (a zip bomb reuses one block many times)
 *     or overlap the central directory;
 *   - duplicate names, encrypted entries, sizes that do not fit;
 *   - more than PS_ZIP_MAX_ENTRIES entries, names longer than 4096 bytes.
 * Compressed entries are listed, but ps_zip_get_data refuses them with a
 * message: ParamScope reads only what torch.save stores uncompressed.
 * The bytes are borrowed from the GBytes (kept referenced by the PsZip).
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

#define PS_ZIP_MAX_ENTRIES (1 << 20)
#define PS_ZIP_MAX_NAME    4096

typedef struct
{
  char    *name;
  guint    method;          /* 0 stored, 8 deflated, ... */
  guint32  crc32;
  guint64  size;            /* uncompressed bytes */
  guint64  csize;           /* bytes in the file */
  guint64  header_offset;   /* the local header */
  guint64  data_offset;     /* the first byte of the (stored) data */
} PsZipEntry;

typedef struct _PsZip PsZip;

/* TRUE if the bytes start like a ZIP archive (a local header or an empty archive's end record). */
gboolean          ps_zip_has_magic      (const guint8 *data, gsize len);

PsZip            *ps_zip_new_from_bytes (GBytes *bytes, const char *label, GError **error);
void              ps_zip_free           (PsZip *zip);

guint             ps_zip_get_n          (PsZip *zip);
/* In the order of the central directory. */
const PsZipEntry *ps_zip_get            (PsZip *zip, guint i);
const PsZipEntry *ps_zip_find           (PsZip *zip, const char *name);
/* The stored bytes of e, in place; NULL + PS_ERROR_FORMAT for a compressed
 * entry.  If check_crc, the CRC-32 is verified (reads every byte: use it for
 * small entries such as data.pkl). */
const guint8     *ps_zip_get_data       (PsZip *zip, const PsZipEntry *e, gboolean check_crc,
                                         gsize *len, GError **error);
const char       *ps_zip_get_label      (PsZip *zip);

guint32           ps_zip_crc32          (const guint8 *data, gsize len);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsZip, ps_zip_free)

G_END_DECLS
