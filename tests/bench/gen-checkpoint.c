/* gen-checkpoint — write a synthetic LLM-like .safetensors checkpoint
 *
 *   gen-checkpoint OUT.safetensors [--size-gib 4] [--layers N] [--hidden 4096]
 *                  [--ffn 11008] [--vocab 32000] [--seed 1]
 *
 * Names and shapes as in a LLaMA-7B state_dict: an embedding, then layers
 * of attention (q/k/v/o_proj, hidden x hidden), an MLP (gate_proj and
 * up_proj ffn x hidden, down_proj hidden x ffn) and two RMS norms (1-D),
 * a final norm, a 4-D convolution-like patch embedding, and lm_head tied to
 * the embedding through __metadata__.  Layer i is BF16, F16 or F32 by i mod
 * 3; norms are F32.  Layers are added until the file reaches --size-gib
 * (or --layers are written).
 *
 * The values are deterministic and cheap: each row is a slice of a table of
 * normal noise already converted to the dtype, chosen by a hash of (tensor,
 * row); bands of 128 rows (attention heads) take one of four scales, and a
 * few input columns are scaled up (as real LLM weights have), so a heatmap
 * shows texture, bands and stripes.  Rows are gathered into one buffer,
 * allocated once, and written in 32 MB chunks.
 */
#include "ps-checkpoint.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define NOISE       (1 << 20)            /* entries of the noise tables */
#define CHUNK_BYTES (32u << 20)
#define TABLE_STD   0.02                 /* of the noise tables: a weight's scale */

typedef struct
{
  char    *name;
  PsDtype  dtype;
  int      ndim;
  int64_t  shape[4];
  double   mean, std;                    /* of the values */
  guint64  bytes;
} Spec;

static const char *dtype_names[] = { "F32", "F16", "BF16" };

static guint16
to_half (float f)
{
  guint32 x, sign, man;
  int e;

  memcpy (&x, &f, 4);
  sign = (x >> 16) & 0x8000u;
  e = (int) ((x >> 23) & 0xff) - 112;
  man = x & 0x7fffffu;
  if (e <= 0)
    return (guint16) sign;               /* tiny noise: zero is close enough */
  if (e >= 31)
    return (guint16) (sign | 0x7c00u);
  x = sign | ((guint32) e << 10) | (man >> 13);
  if ((man & 0x1fffu) > 0x1000u || ((man & 0x1fffu) == 0x1000u && (x & 1)))
    x++;
  return (guint16) x;
}

static guint16
to_bfloat (float f)
{
  guint32 x;
  memcpy (&x, &f, 4);
  return (guint16) ((x + 0x7fffu + ((x >> 16) & 1)) >> 16);
}

static void
encode (PsDtype d, float v, guint8 *p)
{
  if (d == PS_DTYPE_F32)
    memcpy (p, &v, 4);
  else
    {
      guint16 h = d == PS_DTYPE_F16 ? to_half (v) : to_bfloat (v);
      memcpy (p, &h, 2);
    }
}

static guint64
mix (guint64 x)
{
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdull;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ull;
  x ^= x >> 33;
  return x;
}

/* Noise tables by dtype and band scale, normal with TABLE_STD times the
 * scale, NOISE + max_cols long so a row never wraps. */
#define N_SCALES 4
static const float scales[N_SCALES] = { 0.55f, 0.8f, 1.0f, 1.45f };
static guint8 *tables[3][N_SCALES];
static float  *noise;                   /* the unscaled F32 noise */

static void
make_tables (guint64 seed, int64_t max_cols)
{
  GRand *rng = g_rand_new_with_seed ((guint32) seed);
  int64_t n = NOISE + max_cols;
  float *f = g_new (float, n);

  for (int64_t i = 0; i < n; i += 2)
    {
      /* Box-Muller */
      double u = g_rand_double (rng), w = g_rand_double (rng);
      double r = sqrt (-2 * log (u > 0 ? u : 1e-300));
      f[i] = (float) (TABLE_STD * r * cos (2 * G_PI * w));
      if (i + 1 < n)
        f[i + 1] = (float) (TABLE_STD * r * sin (2 * G_PI * w));
    }
  for (int d = 0; d < 3; d++)
    for (int k = 0; k < N_SCALES; k++)
      {
        int size = ps_dtype_size ((PsDtype) d);
        tables[d][k] = g_malloc ((gsize) n * size);
        for (int64_t i = 0; i < n; i++)
          encode ((PsDtype) d, f[i] * scales[k], tables[d][k] + i * size);
      }
  noise = f;
  g_rand_free (rng);
}

static void
add (GPtrArray *specs, PsDtype d, double mean, double std, int ndim, const int64_t *shape,
     const char *fmt, ...) G_GNUC_PRINTF (7, 8);

static void
add (GPtrArray *specs, PsDtype d, double mean, double std, int ndim, const int64_t *shape,
     const char *fmt, ...)
{
  Spec *s = g_new0 (Spec, 1);
  va_list ap;
  int64_t numel = 1;

  va_start (ap, fmt);
  s->name = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  s->dtype = d;
  s->ndim = ndim;
  s->mean = mean;
  s->std = std;
  for (int i = 0; i < ndim; i++)
    {
      s->shape[i] = shape[i];
      numel *= shape[i];
    }
  s->bytes = (guint64) numel * ps_dtype_size (d);
  g_ptr_array_add (specs, s);
}

static void
spec_free (gpointer p)
{
  Spec *s = p;
  g_free (s->name);
  g_free (s);
}

static guint64
total_bytes (GPtrArray *specs)
{
  guint64 t = 0;
  for (guint i = 0; i < specs->len; i++)
    t += ((Spec *) specs->pdata[i])->bytes;
  return t;
}

static void
add_layer (GPtrArray *specs, int i, int64_t hidden, int64_t ffn)
{
  static const PsDtype by_layer[3] = { PS_DTYPE_BF16, PS_DTYPE_F16, PS_DTYPE_F32 };
  static const char *attn[] = { "q_proj", "k_proj", "v_proj", "o_proj" };
  PsDtype d = by_layer[i % 3];
  double wstd = TABLE_STD;

  add (specs, PS_DTYPE_F32, 1, 0.05, 1, (int64_t[]) { hidden },
       "model.layers.%d.input_layernorm.weight", i);
  for (int k = 0; k < 4; k++)
    add (specs, d, 0, wstd, 2, (int64_t[]) { hidden, hidden },
         "model.layers.%d.self_attn.%s.weight", i, attn[k]);
  add (specs, PS_DTYPE_F32, 1, 0.05, 1, (int64_t[]) { hidden },
       "model.layers.%d.post_attention_layernorm.weight", i);
  add (specs, d, 0, wstd, 2, (int64_t[]) { ffn, hidden }, "model.layers.%d.mlp.gate_proj.weight",
       i);
  add (specs, d, 0, wstd, 2, (int64_t[]) { ffn, hidden }, "model.layers.%d.mlp.up_proj.weight", i);
  add (specs, d, 0, wstd, 2, (int64_t[]) { hidden, ffn }, "model.layers.%d.mlp.down_proj.weight",
       i);
}

/* Row r of tensor t: a slice of the noise table (weights: copied as they
 * are; norms: shifted and scaled), with outlier columns. */
static void
fill_row (const Spec *s, guint64 tensor_hash, int64_t r, int64_t cols, guint8 *dst)
{
  int size = ps_dtype_size (s->dtype);
  int64_t start = (int64_t) (mix (tensor_hash ^ (guint64) r) % NOISE);
  int band = (int) (mix (tensor_hash + 7 * (guint64) (r / 128)) % N_SCALES);
  const float *f = noise + start;

  if (s->std == TABLE_STD && s->mean == 0)
    memcpy (dst, tables[s->dtype][band] + start * size, (size_t) (cols * size));
  else
    for (int64_t c = 0; c < cols; c++)
      encode (s->dtype, (float) (s->mean + f[c] * (s->std / TABLE_STD)), dst + c * size);
  /* a few input features with large weights, and a rare larger one */
  if (s->ndim == 2 && s->mean == 0)
    for (int64_t c = (int64_t) (tensor_hash % 211); c < cols; c += 211)
      encode (s->dtype, r % 997 == 13 && c % 3 == 0 ? (float) TABLE_STD * 7.f : f[c] * 2.5f,
              dst + c * size);
}

static gboolean
write_all (int fd, const void *buf, size_t n)
{
  const char *p = buf;
  while (n > 0)
    {
      ssize_t w = write (fd, p, n);
      if (w < 0 && errno == EINTR)
        continue;
      if (w <= 0)
        return FALSE;
      p += w;
      n -= (size_t) w;
    }
  return TRUE;
}

int
main (int argc, char **argv)
{
  double size_gib = 4;
  int layers = -1;
  gint64 hidden = 4096, ffn = 11008, vocab = 32000, seed = 1;
  char *out = NULL;
  g_autoptr (GPtrArray) specs = g_ptr_array_new_with_free_func (spec_free);
  GString *hdr = g_string_new ("{\"__metadata__\":{\"format\":\"pt\","
                               "\"lm_head.weight\":\"model.embed_tokens.weight\"}");
  guint64 offset = 0, hlen, written = 0;
  guint8 len8[8], *buf;
  gint64 t0 = g_get_monotonic_time ();
  size_t fill = 0;
  int fd;
  GOptionEntry entries[] = {
    { "size-gib", 0, 0, G_OPTION_ARG_DOUBLE, &size_gib, "Grow to this size (GiB, default 4)", "G" },
    { "layers", 0, 0, G_OPTION_ARG_INT, &layers, "Exactly this many layers", "N" },
    { "hidden", 0, 0, G_OPTION_ARG_INT64, &hidden, "Hidden size (4096)", "H" },
    { "ffn", 0, 0, G_OPTION_ARG_INT64, &ffn, "MLP size (11008)", "F" },
    { "vocab", 0, 0, G_OPTION_ARG_INT64, &vocab, "Vocabulary (32000)", "V" },
    { "seed", 0, 0, G_OPTION_ARG_INT64, &seed, "Seed of the values (1)", "S" },
    { NULL },
  };
  g_autoptr (GOptionContext) ctx = g_option_context_new ("OUT.safetensors — a synthetic LLM "
                                                         "checkpoint");
  GError *error = NULL;

  g_option_context_add_main_entries (ctx, entries, NULL);
  if (!g_option_context_parse (ctx, &argc, &argv, &error) || argc != 2 || hidden < 1 || ffn < 1
      || vocab < 1)
    {
      fprintf (stderr, "gen-checkpoint: %s\n", error ? error->message : "usage: gen-checkpoint "
               "OUT.safetensors [--size-gib G] [--layers N] [--hidden H] [--ffn F] [--vocab V]");
      return 2;
    }
  out = argv[1];

  add (specs, PS_DTYPE_BF16, 0, TABLE_STD, 2, (int64_t[]) { vocab, hidden },
       "model.embed_tokens.weight");
  add (specs, PS_DTYPE_F16, 0, TABLE_STD, 4, (int64_t[]) { 1024, 3, 14, 14 },
       "model.vision_tower.patch_embed.proj.weight");
  add (specs, PS_DTYPE_F32, 0.5, 0.2, 1, (int64_t[]) { MAX (hidden / 64, 1) },
       "model.rotary_emb.inv_freq");
  for (int i = 0; layers >= 0 ? i < layers : total_bytes (specs) < size_gib * (1ull << 30); i++)
    add_layer (specs, i, hidden, ffn);
  add (specs, PS_DTYPE_F32, 1, 0.05, 1, (int64_t[]) { hidden }, "model.norm.weight");

  for (guint i = 0; i < specs->len; i++)
    {
      Spec *s = specs->pdata[i];
      g_string_append_printf (hdr, ",\"%s\":{\"dtype\":\"%s\",\"shape\":[", s->name,
                              dtype_names[s->dtype]);
      for (int d = 0; d < s->ndim; d++)
        g_string_append_printf (hdr, d ? ",%" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, s->shape[d]);
      g_string_append_printf (hdr, "],\"data_offsets\":[%" G_GUINT64_FORMAT ",%" G_GUINT64_FORMAT
                              "]}", offset, offset + s->bytes);
      offset += s->bytes;
    }
  g_string_append_c (hdr, '}');
  while ((8 + hdr->len) % 8 != 0)
    g_string_append_c (hdr, ' ');
  hlen = hdr->len;
  for (int i = 0; i < 8; i++)
    len8[i] = (guint8) (hlen >> (8 * i));

  make_tables ((guint64) seed, MAX (MAX (hidden, ffn), 14 * 14 * 3));
  fd = open (out, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0)
    {
      fprintf (stderr, "gen-checkpoint: %s: %s\n", out, g_strerror (errno));
      return 1;
    }
  buf = g_malloc (CHUNK_BYTES);
  if (!write_all (fd, len8, 8) || !write_all (fd, hdr->str, hdr->len))
    goto fail;
  for (guint i = 0; i < specs->len; i++)
    {
      Spec *s = specs->pdata[i];
      int64_t rows = s->ndim == 0 ? 1 : s->shape[0], cols = 1;
      size_t row_bytes;
      guint64 th = mix ((guint64) seed * 1000003u + i);
      for (int d = 1; d < s->ndim; d++)
        cols *= s->shape[d];
      if (s->ndim == 1)
        {
          cols = rows;                    /* one row */
          rows = 1;
        }
      row_bytes = (size_t) cols * ps_dtype_size (s->dtype);
      g_assert (row_bytes <= CHUNK_BYTES);
      for (int64_t r = 0; r < rows; r++)
        {
          if (fill + row_bytes > CHUNK_BYTES)
            {
              if (!write_all (fd, buf, fill))
                goto fail;
              written += fill;
              fill = 0;
            }
          fill_row (s, th, r, cols, buf + fill);
          fill += row_bytes;
        }
    }
  if (!write_all (fd, buf, fill) || close (fd) != 0)
    goto fail;
  written += fill + 8 + hlen;
  printf ("%s: %u tensors, %.2f GiB, written in %.1f s\n", out, specs->len,
          written / (double) (1ull << 30), (g_get_monotonic_time () - t0) / 1e6);
  g_free (buf);
  g_string_free (hdr, TRUE);
  for (int d = 0; d < 3; d++)
    for (int k = 0; k < N_SCALES; k++)
      g_free (tables[d][k]);
  g_free (noise);
  return 0;

fail:
  fprintf (stderr, "gen-checkpoint: writing %s failed: %s\n", out, g_strerror (errno));
  unlink (out);
  return 1;
}
