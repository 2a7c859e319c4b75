/* ps-test-checkpoint.c — small safetensors files of any dtype, in memory */
#include "ps-test-checkpoint.h"
#include "ps-checkpoint.h"

#include <math.h>
#include <string.h>

const char *
ps_test_dtype_name (PsDtype dtype)
{
  static const char *names[] = { "F32", "F16", "BF16", "F64", "I64", "I32", "I16", "I8", "U8",
                                 "BOOL" };
  g_assert ((guint) dtype < G_N_ELEMENTS (names));
  return names[dtype];
}

static guint16
half_of (float f)
{
  guint32 x, sign, exp, man, h;
  int e;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  exp = (x >> 23) & 0xffu;
  man = x & 0x7fffffu;
  if (exp == 0xff)
    return (guint16) (sign | 0x7c00u | (man ? 0x200u | (man >> 13) : 0));
  e = (int) exp - 112;
  if (e >= 31)
    return (guint16) (sign | 0x7c00u);
  if (e <= 0)
    {
      int shift = 14 - e;
      guint32 rem, mid;
      if (shift > 24)
        return (guint16) sign;
      man |= 0x800000u;
      h = man >> shift;
      rem = man & ((1u << shift) - 1);
      mid = 1u << (shift - 1);
      if (rem > mid || (rem == mid && (h & 1)))
        h++;
      return (guint16) (sign | h);
    }
  h = sign | ((guint32) e << 10) | (man >> 13);
  if ((man & 0x1fffu) > 0x1000u || ((man & 0x1fffu) == 0x1000u && (h & 1)))
    h++;
  return (guint16) h;
}

static guint16
bfloat_of (float f)
{
  guint32 x;
  memcpy (&x, &f, 4);
  if (isnan (f))
    return (guint16) ((x >> 16) | 0x40u);
  return (guint16) ((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

void
ps_test_encode (PsDtype dtype, const double *values, int64_t n, guint8 *out)
{
  for (int64_t i = 0; i < n; i++)
    {
      double v = values[i];
      guint8 *p = out + i * ps_dtype_size (dtype);
      switch (dtype)
        {
        case PS_DTYPE_F32:
          {
            float f = (float) v;
            memcpy (p, &f, 4);
          }
          break;
        case PS_DTYPE_F64:
          memcpy (p, &v, 8);
          break;
        case PS_DTYPE_F16:
          {
            guint16 h = half_of ((float) v);
            memcpy (p, &h, 2);
          }
          break;
        case PS_DTYPE_BF16:
          {
            guint16 h = bfloat_of ((float) v);
            memcpy (p, &h, 2);
          }
          break;
        case PS_DTYPE_I64:
          {
            gint64 x = isfinite (v) ? (gint64) v : 0;
            memcpy (p, &x, 8);
          }
          break;
        case PS_DTYPE_I32:
          {
            gint32 x = isfinite (v) ? (gint32) CLAMP (v, G_MININT32, G_MAXINT32) : 0;
            memcpy (p, &x, 4);
          }
          break;
        case PS_DTYPE_I16:
          {
            gint16 x = isfinite (v) ? (gint16) CLAMP (v, G_MININT16, G_MAXINT16) : 0;
            memcpy (p, &x, 2);
          }
          break;
        case PS_DTYPE_I8:
          *p = (guint8) (gint8) (isfinite (v) ? CLAMP (v, G_MININT8, G_MAXINT8) : 0);
          break;
        case PS_DTYPE_U8:
          *p = (guint8) (isfinite (v) ? CLAMP (v, 0, 255) : 0);
          break;
        case PS_DTYPE_BOOL:
          *p = v != 0;
          break;
        }
    }
}

static void
json_quote (GString *s, const char *text)
{
  g_string_append_c (s, '"');
  for (const char *p = text; *p; p++)
    {
      if (*p == '"' || *p == '\\')
        g_string_append_c (s, '\\');
      g_string_append_c (s, *p);
    }
  g_string_append_c (s, '"');
}

GBytes *
ps_test_st_build (const PsTestTensor *tensors, guint n, const char *const *metadata, gsize align,
                  gsize shift)
{
  GString *h = g_string_new ("{");
  GByteArray *out = g_byte_array_new ();
  guint64 offset = 0, hlen;
  guint8 len8[8];

  if (metadata && metadata[0])
    {
      g_string_append (h, "\"__metadata__\":{");
      for (guint i = 0; metadata[i]; i += 2)
        {
          if (i)
            g_string_append_c (h, ',');
          json_quote (h, metadata[i]);
          g_string_append_c (h, ':');
          json_quote (h, metadata[i + 1]);
        }
      g_string_append_c (h, '}');
    }
  for (guint i = 0; i < n; i++)
    {
      const PsTestTensor *t = &tensors[i];
      int64_t numel = 1;
      guint64 bytes;
      for (int d = 0; d < t->ndim; d++)
        numel *= t->shape[d];
      bytes = (guint64) numel * (guint64) ps_dtype_size (t->dtype);
      if (h->len > 1)
        g_string_append_c (h, ',');
      json_quote (h, t->name);
      g_string_append_printf (h, ":{\"dtype\":\"%s\",\"shape\":[", ps_test_dtype_name (t->dtype));
      for (int d = 0; d < t->ndim; d++)
        g_string_append_printf (h, d ? ",%" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, t->shape[d]);
      g_string_append_printf (h, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                              "]}", offset, offset + bytes);
      offset += bytes;
    }
  g_string_append_c (h, '}');
  if (align > 1)
    while ((8 + h->len) % align != shift % align)
      g_string_append_c (h, ' ');
  hlen = h->len;
  for (int i = 0; i < 8; i++)
    len8[i] = (guint8) (hlen >> (8 * i));
  g_byte_array_append (out, len8, 8);
  g_byte_array_append (out, (const guint8 *) h->str, h->len);
  for (guint i = 0; i < n; i++)
    {
      const PsTestTensor *t = &tensors[i];
      int64_t numel = 1;
      gsize bytes;
      for (int d = 0; d < t->ndim; d++)
        numel *= t->shape[d];
      bytes = (gsize) numel * (gsize) ps_dtype_size (t->dtype);
      if (t->data)
        g_byte_array_append (out, t->data, (guint) bytes);
      else
        {
          gsize at = out->len;
          g_byte_array_set_size (out, (guint) (at + bytes));
          memset (out->data + at, 0, bytes);
        }
    }
  g_string_free (h, TRUE);
  return g_byte_array_free_to_bytes (out);
}

void
ps_test_st_write (const char *path, GBytes *bytes)
{
  GError *error = NULL;
  gsize n;
  const char *data = g_bytes_get_data (bytes, &n);
  g_file_set_contents (path, data, (gssize) n, &error);
  g_assert_no_error (error);
}
