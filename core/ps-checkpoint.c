/* ps-checkpoint.c — a bare .safetensors as a tree; slices pooled in place
 *
 * The tensors stay in the mapping: nothing is copied or converted ahead.
 * ps_checkpoint_pool walks the window of a slice row by row (memcpy loads:
 * the data buffer need not be aligned) and folds each element into
 * per-column accumulators, in column tiles that stay in L1; then each block
 * of columns is reduced to its cell.  F16, BF16 and F32 fold as sortable
 * integer keys (max and min keys alone say the block's extremes and whether
 * it holds NaN or an infinity: two integer operations an element, eight or
 * sixteen lanes a vector); the other dtypes are converted to float and fold
 * into max / min / NaN / largest-finite accumulators.  When the window's
 * columns are the slower axis in memory (a transposed view), the same walk
 * runs on the transposed problem and writes the output transposed, so the
 * inner loop is always the one with the smaller stride.
 */
#include "ps-checkpoint.h"
#include "ps-error.h"
#include "ps-util.h"

#include <math.h>
#include <string.h>
#include <unistd.h>

/* ---- the checkpoint and its trees ------------------------------------------ */

#define PS_CHECKPOINT_MAX_DEPTH 24

/* A node while it is built; the public part first. */
typedef struct
{
  PsCheckpointNode pub;
  GPtrArray       *kids;      /* Node*, while building */
  GHashTable      *kid_by_name;   /* name -> Node*, while building */
  guint            first;     /* the smallest file position at or below */
} Node;

typedef struct
{
  Node       *root;
  GHashTable *by_key;         /* key -> Node* */
  GPtrArray  *nodes;          /* every Node, to free */
  GPtrArray  *arrays;         /* children and alias arrays, to free */
} Tree;

struct _PsCheckpoint
{
  gatomicrefcount ref;
  char           *label;
  GBytes         *bytes;      /* the mapped file, or the caller's bytes */
  PsSafetensors  *st;
  const guint8   *data;       /* the data buffer: after the length and the header */
  GMutex          lock;       /* guards trees */
  GStringChunk   *strings;    /* names and keys of the trees */
  Tree           *trees[2];   /* by PsCheckpointOrder, built on first use */
};


static void
tree_free (Tree *t)
{
  if (t == NULL)
    return;
  g_hash_table_unref (t->by_key);
  g_ptr_array_unref (t->nodes);
  g_ptr_array_unref (t->arrays);
  g_free (t);
}

static PsCheckpoint *
checkpoint_new (GBytes *bytes, const char *label, GError **error)
{
  PsCheckpoint *ck;
  PsSafetensors *st = ps_safetensors_new_from_bytes (bytes, label, error);
  const guint8 *buf;
  guint64 n = 0;

  if (st == NULL)
    return NULL;
  ck = g_new0 (PsCheckpoint, 1);
  g_atomic_ref_count_init (&ck->ref);
  ck->label = g_strdup (label);
  ck->bytes = g_bytes_ref (bytes);
  ck->st = st;
  /* validated by the reader: 8-byte little-endian length, then the header */
  buf = g_bytes_get_data (bytes, NULL);
  for (int i = 7; i >= 0; i--)
    n = (n << 8) | buf[i];
  ck->data = buf + 8 + n;
  g_mutex_init (&ck->lock);
  ck->strings = g_string_chunk_new (4096);
  return ck;
}

PsCheckpoint *
ps_checkpoint_open (const char *path, GError **error)
{
  GError *merr = NULL;
  GMappedFile *map;
  g_autoptr (GBytes) bytes = NULL;

  g_return_val_if_fail (path != NULL, NULL);

  map = g_mapped_file_new (path, FALSE, &merr);
  if (map == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s: %s", path, merr->message);
      g_error_free (merr);
      return NULL;
    }
  /* the bytes keep the mapping; pages are read only when touched */
  bytes = g_mapped_file_get_bytes (map);
  g_mapped_file_unref (map);
  return checkpoint_new (bytes, path, error);
}

PsCheckpoint *
ps_checkpoint_new_from_bytes (GBytes *bytes, const char *label, GError **error)
{
  g_return_val_if_fail (bytes != NULL, NULL);
  return checkpoint_new (bytes, label ? label : "<safetensors>", error);
}

PsCheckpoint *
ps_checkpoint_ref (PsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  g_atomic_ref_count_inc (&ck->ref);
  return ck;
}

void
ps_checkpoint_unref (PsCheckpoint *ck)
{
  if (ck == NULL || !g_atomic_ref_count_dec (&ck->ref))
    return;
  tree_free (ck->trees[0]);
  tree_free (ck->trees[1]);
  g_string_chunk_free (ck->strings);
  g_mutex_clear (&ck->lock);
  ps_safetensors_free (ck->st);
  g_bytes_unref (ck->bytes);
  g_free (ck->label);
  g_free (ck);
}

PsSafetensors *
ps_checkpoint_get_safetensors (PsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return ck->st;
}

const char *
ps_checkpoint_get_label (PsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return ck->label;
}

guint64
ps_checkpoint_get_size (PsCheckpoint *ck)
{
  g_return_val_if_fail (ck != NULL, 0);
  return g_bytes_get_size (ck->bytes);
}

int
ps_checkpoint_natural_compare (const char *a, const char *b)
{
  const char *p = a, *q = b;

  while (*p && *q)
    {
      if (g_ascii_isdigit (*p) && g_ascii_isdigit (*q))
        {
          const char *ps, *qs;
          size_t lp, lq;
          int c;

          while (*p == '0')
            p++;
          while (*q == '0')
            q++;
          for (ps = p; g_ascii_isdigit (*p); p++)
            ;
          for (qs = q; g_ascii_isdigit (*q); q++)
            ;
          lp = (size_t) (p - ps);
          lq = (size_t) (q - qs);
          if (lp != lq)
            return lp < lq ? -1 : 1;          /* more digits: a larger number */
          c = memcmp (ps, qs, lp);
          if (c != 0)
            return c < 0 ? -1 : 1;
          continue;
        }
      if (*p != *q)
        return (guchar) *p < (guchar) *q ? -1 : 1;
      p++;
      q++;
    }
  if (*p || *q)
    return *p ? 1 : -1;                       /* a prefix comes first */
  return strcmp (a, b);                       /* "01" and "1" */
}

/* The node of a dotted name, created with its missing ancestors.  Past
 * PS_CHECKPOINT_MAX_DEPTH segments the rest of the name is one segment, dots
 * and all: real names have a handful, and a hostile header must not make
 * the tree quadratic. */
static Node *
tree_node (PsCheckpoint *ck, Tree *t, const char *key)
{
  Node *n = g_hash_table_lookup (t->by_key, key);
  Node *parent = t->root;
  const char *seg = key;

  if (n != NULL)
    return n;
  for (int depth = 1;; depth++)
    {
      const char *dot = depth < PS_CHECKPOINT_MAX_DEPTH ? strchr (seg, '.') : NULL;
      gsize len = dot ? (gsize) (dot - seg) : strlen (seg);
      g_autofree char *name = g_strndup (seg, len);

      n = parent->kid_by_name ? g_hash_table_lookup (parent->kid_by_name, name) : NULL;
      if (n == NULL)
        {
          n = g_new0 (Node, 1);
          n->first = G_MAXUINT;
          n->pub.name = g_string_chunk_insert_len (ck->strings, seg, (gssize) len);
          n->pub.key = g_string_chunk_insert_len (ck->strings, key, (gssize) (seg + len - key));
          n->pub.parent = &parent->pub;
          if (parent->kids == NULL)
            {
              parent->kids = g_ptr_array_new ();
              parent->kid_by_name = g_hash_table_new (g_str_hash, g_str_equal);
            }
          g_ptr_array_add (parent->kids, n);
          g_hash_table_insert (parent->kid_by_name, (gpointer) n->pub.name, n);
          g_ptr_array_add (t->nodes, n);
          g_hash_table_insert (t->by_key, (gpointer) n->pub.key, n);
        }
      if (dot == NULL)
        return n;
      parent = n;
      seg = dot + 1;
    }
}

static int
cmp_nodes (gconstpointer a, gconstpointer b, gpointer order)
{
  const Node *x = *(Node *const *) a, *y = *(Node *const *) b;
  if (GPOINTER_TO_INT (order) == PS_CHECKPOINT_ORDER_FILE && x->first != y->first)
    return x->first < y->first ? -1 : 1;
  return ps_checkpoint_natural_compare (x->pub.name, y->pub.name);
}

/* Sums, dtypes, first positions and the final children arrays, bottom up. */
static void
tree_finish (Tree *t, Node *n, PsCheckpointOrder order)
{
  gboolean stored = n->pub.entry != NULL && n->pub.alias_of == NULL;
  gboolean mixed = FALSE;

  if (n->pub.alias_of != NULL)
    n->pub.n_aliases = 1;
  if (stored)
    {
      n->pub.n_tensors = 1;
      n->pub.numel = n->pub.entry->numel;
      n->pub.bytes = n->pub.entry->end - n->pub.entry->begin;
    }
  n->pub.dtype_name = n->pub.entry ? n->pub.entry->dtype_name : NULL;
  if (n->kids == NULL)
    return;
  for (guint i = 0; i < n->kids->len; i++)
    {
      Node *k = n->kids->pdata[i];
      tree_finish (t, k, order);
      n->first = MIN (n->first, k->first);
      n->pub.n_tensors += k->pub.n_tensors;
      n->pub.n_aliases += k->pub.n_aliases;
      n->pub.numel += k->pub.numel;
      n->pub.bytes += k->pub.bytes;
      if (k->pub.n_tensors > 0 || k->pub.entry != NULL)
        {
          if (k->pub.dtype_name == NULL || (n->pub.dtype_name != NULL
                                            && strcmp (n->pub.dtype_name, k->pub.dtype_name) != 0))
            mixed = TRUE;
          else if (n->pub.dtype_name == NULL)
            n->pub.dtype_name = k->pub.dtype_name;
        }
    }
  if (mixed)
    n->pub.dtype_name = NULL;
  g_ptr_array_sort_with_data (n->kids, cmp_nodes, GINT_TO_POINTER (order));
  g_clear_pointer (&n->kid_by_name, g_hash_table_unref);
  n->pub.n_children = n->kids->len;
  n->pub.children = (PsCheckpointNode *const *) n->kids->pdata;
  g_ptr_array_add (t->arrays, g_ptr_array_free (n->kids, FALSE));
  n->kids = NULL;
}

static Tree *
tree_build (PsCheckpoint *ck, PsCheckpointOrder order)
{
  Tree *t = g_new0 (Tree, 1);
  guint n = ps_safetensors_get_n (ck->st);
  GHashTable *meta = ps_safetensors_get_metadata (ck->st);
  g_autoptr (GList) keys = g_list_sort (g_hash_table_get_keys (meta),
                                        (GCompareFunc) ps_checkpoint_natural_compare);
  g_autoptr (GHashTable) alias_lists = g_hash_table_new_full (NULL, NULL, NULL,
                                                              (GDestroyNotify) g_ptr_array_unref);
  guint position = n;

  t->by_key = g_hash_table_new (g_str_hash, g_str_equal);
  t->nodes = g_ptr_array_new_with_free_func (g_free);
  t->arrays = g_ptr_array_new_with_free_func (g_free);
  t->root = g_new0 (Node, 1);
  t->root->first = G_MAXUINT;
  t->root->pub.name = t->root->pub.key = "";
  g_ptr_array_add (t->nodes, t->root);

  for (guint i = 0; i < n; i++)
    {
      const PsSafetensorsEntry *e = ps_safetensors_get (ck->st, i);
      Node *node = tree_node (ck, t, e->name);
      node->pub.entry = e;
      node->first = i;
    }
  /* aliases: a metadata key that is no tensor, naming one that is */
  for (GList *l = keys; l; l = l->next)
    {
      const char *alias = l->data, *target = g_hash_table_lookup (meta, alias);
      const PsSafetensorsEntry *e = ps_safetensors_find (ck->st, target);
      Node *node, *stored;
      GPtrArray *list;

      if (e == NULL || ps_safetensors_find (ck->st, alias) != NULL)
        continue;
      node = tree_node (ck, t, alias);
      if (node->pub.entry != NULL)
        continue;
      node->pub.entry = e;
      node->pub.alias_of = g_string_chunk_insert_const (ck->strings, target);
      node->first = position++;          /* after the stored tensors, in file order */
      stored = g_hash_table_lookup (t->by_key, target);
      list = g_hash_table_lookup (alias_lists, stored);
      if (list == NULL)
        {
          list = g_ptr_array_new ();
          g_hash_table_insert (alias_lists, stored, list);
        }
      g_ptr_array_add (list, (gpointer) node->pub.key);
    }
  {
    GHashTableIter it;
    gpointer k, v;
    g_hash_table_iter_init (&it, alias_lists);
    while (g_hash_table_iter_next (&it, &k, &v))
      {
        GPtrArray *list = v;
        const char **arr = g_new0 (const char *, list->len + 1);
        memcpy (arr, list->pdata, list->len * sizeof (char *));
        ((Node *) k)->pub.aliases = arr;
        g_ptr_array_add (t->arrays, arr);
      }
  }
  tree_finish (t, t->root, order);
  return t;
}

static Tree *
get_tree (PsCheckpoint *ck, PsCheckpointOrder order)
{
  Tree *t;

  g_return_val_if_fail (order == PS_CHECKPOINT_ORDER_NATURAL || order == PS_CHECKPOINT_ORDER_FILE,
                        NULL);
  g_mutex_lock (&ck->lock);
  if (ck->trees[order] == NULL)
    ck->trees[order] = tree_build (ck, order);
  t = ck->trees[order];
  g_mutex_unlock (&ck->lock);
  return t;
}

const PsCheckpointNode *
ps_checkpoint_get_root (PsCheckpoint *ck, PsCheckpointOrder order)
{
  g_return_val_if_fail (ck != NULL, NULL);
  return &get_tree (ck, order)->root->pub;
}

const PsCheckpointNode *
ps_checkpoint_find (PsCheckpoint *ck, PsCheckpointOrder order, const char *key)
{
  Tree *t;
  Node *n;

  g_return_val_if_fail (ck != NULL && key != NULL, NULL);
  t = get_tree (ck, order);
  if (*key == '\0')
    return &t->root->pub;
  n = g_hash_table_lookup (t->by_key, key);
  return n ? &n->pub : NULL;
}

/* ---- element loads: any dtype, any alignment ----------------------------------- */

static inline float
load_f32 (const guint8 *p)
{
  float f;
  memcpy (&f, p, 4);                  /* little-endian host, as the format */
  return f;
}

static inline float
load_f64 (const guint8 *p)
{
  double d;
  memcpy (&d, p, 8);
  return (float) d;
}

/* IEEE half to float without branches (so loops vectorize): the exponent
 * and mantissa moved into float position are off by 2^112, which one
 * multiplication fixes exactly, subnormals included; Inf and NaN get the
 * all-ones exponent back. */
static inline float
load_f16 (const guint8 *p)
{
  guint16 h;
  guint32 em, bits, special;
  float f;

  memcpy (&h, p, 2);
  em = h & 0x7fffu;
  bits = em << 13;
  memcpy (&f, &bits, 4);
  f *= 0x1p112f;
  memcpy (&bits, &f, 4);
  special = 0u - (guint32) (em >= 0x7c00u);          /* all ones for Inf and NaN */
  bits = (bits & ~special) | ((0x7f800000u | (em << 13)) & special);
  bits |= (guint32) (h & 0x8000u) << 16;
  memcpy (&f, &bits, 4);
  return f;
}

static inline float
load_bf16 (const guint8 *p)
{
  guint16 h;
  guint32 bits;
  float f;

  memcpy (&h, p, 2);
  bits = (guint32) h << 16;
  memcpy (&f, &bits, 4);
  return f;
}

static inline float
load_i64 (const guint8 *p)
{
  gint64 v;
  memcpy (&v, p, 8);
  return (float) v;
}

static inline float
load_i32 (const guint8 *p)
{
  gint32 v;
  memcpy (&v, p, 4);
  return (float) v;
}

static inline float
load_i16 (const guint8 *p)
{
  gint16 v;
  memcpy (&v, p, 2);
  return (float) v;
}

static inline float
load_i8 (const guint8 *p)
{
  return (float) (gint8) *p;
}

static inline float
load_u8 (const guint8 *p)
{
  return (float) *p;
}

static float
load_any (PsDtype d, const guint8 *p)
{
  switch (d)
    {
    case PS_DTYPE_F32:  return load_f32 (p);
    case PS_DTYPE_F16:  return load_f16 (p);
    case PS_DTYPE_BF16: return load_bf16 (p);
    case PS_DTYPE_F64:  return load_f64 (p);
    case PS_DTYPE_I64:  return load_i64 (p);
    case PS_DTYPE_I32:  return load_i32 (p);
    case PS_DTYPE_I16:  return load_i16 (p);
    case PS_DTYPE_I8:   return load_i8 (p);
    case PS_DTYPE_U8:
    case PS_DTYPE_BOOL: return load_u8 (p);
    }
  g_assert_not_reached ();
}

/* The exact value, for reading one element. */
static double
load_exact (PsDtype d, const guint8 *p)
{
  if (d == PS_DTYPE_F64)
    {
      double v;
      memcpy (&v, p, 8);
      return v;
    }
  if (d == PS_DTYPE_I64)
    {
      gint64 v;
      memcpy (&v, p, 8);
      return (double) v;
    }
  return load_any (d, p);
}

/* ---- kernels: convert a span, or fold it into column accumulators ------------ */

/* One element into column c's accumulators: max, min (NaN never wins a
 * comparison), a NaN flag, and the largest finite magnitude. */
#define FOLD(v, c)                                                          \
  G_STMT_START {                                                            \
    float v_ = (v), a_ = fabsf (v_);                                        \
    mx[c] = v_ > mx[c] ? v_ : mx[c];                                        \
    mn[c] = v_ < mn[c] ? v_ : mn[c];                                        \
    nans[c] += v_ != v_ ? 1.f : 0.f;                                        \
    a_ = a_ <= G_MAXFLOAT ? a_ : 0.f;                                       \
    fin[c] = a_ > fin[c] ? a_ : fin[c];                                     \
  } G_STMT_END

/* n elements step bytes apart; the contiguous case is its own loop so that
 * the compiler vectorizes it.  (F32, F16 and BF16 fold by keys, below.) */
#define DEFINE_FOLD(NAME, LOAD, SIZE)                                                 \
PS_SIMD_CLONES static void                                                            \
fold_##NAME (const guint8 *p, int64_t step, int64_t n, float *restrict mx,            \
             float *restrict mn, float *restrict nans, float *restrict fin)           \
{                                                                                     \
  if (step == SIZE)                                                                   \
    for (int64_t c = 0; c < n; c++)                                                   \
      FOLD (LOAD (p + c * SIZE), c);                                                  \
  else                                                                                \
    for (int64_t c = 0; c < n; c++)                                                   \
      FOLD (LOAD (p + c * step), c);                                                  \
}
#define DEFINE_CONVERT(NAME, LOAD, SIZE)                                              \
static void                                                                           \
convert_##NAME (const guint8 *p, int64_t step, int64_t n, float *restrict dst)        \
{                                                                                     \
  if (step == SIZE)                                                                   \
    for (int64_t i = 0; i < n; i++)                                                   \
      dst[i] = LOAD (p + i * SIZE);                                                   \
  else                                                                                \
    for (int64_t i = 0; i < n; i++)                                                   \
      dst[i] = LOAD (p + i * step);                                                   \
}

DEFINE_CONVERT (f32, load_f32, 4)
DEFINE_CONVERT (f16, load_f16, 2)
DEFINE_CONVERT (bf16, load_bf16, 2)
DEFINE_CONVERT (f64, load_f64, 8)
DEFINE_CONVERT (i64, load_i64, 8)
DEFINE_CONVERT (i32, load_i32, 4)
DEFINE_CONVERT (i16, load_i16, 2)
DEFINE_CONVERT (i8, load_i8, 1)
DEFINE_CONVERT (u8, load_u8, 1)
DEFINE_FOLD (f64, load_f64, 8)
DEFINE_FOLD (i64, load_i64, 8)
DEFINE_FOLD (i32, load_i32, 4)
DEFINE_FOLD (i16, load_i16, 2)
DEFINE_FOLD (i8, load_i8, 1)
DEFINE_FOLD (u8, load_u8, 1)

typedef void (*FoldFunc) (const guint8 *p, int64_t step, int64_t n, float *restrict mx,
                          float *restrict mn, float *restrict nans, float *restrict fin);
typedef void (*ConvertFunc) (const guint8 *p, int64_t step, int64_t n, float *restrict dst);

/* The float fold of a dtype; NULL for those folded by keys. */
static FoldFunc
fold_func (PsDtype d)
{
  switch (d)
    {
    case PS_DTYPE_F32:
    case PS_DTYPE_F16:
    case PS_DTYPE_BF16: return NULL;
    case PS_DTYPE_F64:  return fold_f64;
    case PS_DTYPE_I64:  return fold_i64;
    case PS_DTYPE_I32:  return fold_i32;
    case PS_DTYPE_I16:  return fold_i16;
    case PS_DTYPE_I8:   return fold_i8;
    case PS_DTYPE_U8:
    case PS_DTYPE_BOOL: return fold_u8;
    }
  g_assert_not_reached ();
}

static ConvertFunc
convert_func (PsDtype d)
{
  switch (d)
    {
    case PS_DTYPE_F32:  return convert_f32;
    case PS_DTYPE_F16:  return convert_f16;
    case PS_DTYPE_BF16: return convert_bf16;
    case PS_DTYPE_F64:  return convert_f64;
    case PS_DTYPE_I64:  return convert_i64;
    case PS_DTYPE_I32:  return convert_i32;
    case PS_DTYPE_I16:  return convert_i16;
    case PS_DTYPE_I8:   return convert_i8;
    case PS_DTYPE_U8:
    case PS_DTYPE_BOOL: return convert_u8;
    }
  g_assert_not_reached ();
}

/* ---- views ------------------------------------------------------------------- */

static void
view_derive (PsCheckpointView *v)
{
  const PsSafetensorsEntry *e = v->entry;
  int64_t stride[PS_SAFETENSORS_MAX_DIMS];
  int64_t s = 1;

  for (int d = e->ndim - 1; d >= 0; d--)
    {
      stride[d] = s;
      s *= e->shape[d];
    }
  v->rows = v->row_axis >= 0 ? e->shape[v->row_axis] : 1;
  v->cols = v->col_axis >= 0 ? e->shape[v->col_axis] : 1;
  v->row_stride = v->row_axis >= 0 ? stride[v->row_axis] : 0;
  v->col_stride = v->col_axis >= 0 ? stride[v->col_axis] : 0;
  v->offset = 0;
  for (int d = 0; d < e->ndim; d++)
    if (d != v->row_axis && d != v->col_axis)
      v->offset += v->index[d] * stride[d];
  if (e->numel == 0)
    v->rows = v->cols = 0;
}

void
ps_checkpoint_view_init_default (PsCheckpointView *v, const PsSafetensorsEntry *e)
{
  g_return_if_fail (v != NULL && e != NULL);

  memset (v, 0, sizeof *v);
  v->entry = e;
  v->row_axis = e->ndim >= 2 ? e->ndim - 2 : e->ndim == 1 ? 0 : -1;
  v->col_axis = e->ndim >= 2 ? e->ndim - 1 : -1;
  view_derive (v);
}

gboolean
ps_checkpoint_view_init (PsCheckpointView *v, const PsSafetensorsEntry *e, int row_axis,
                         int col_axis, const int64_t *index, GError **error)
{
  g_return_val_if_fail (v != NULL && e != NULL, FALSE);

  for (int k = 0; k < 2; k++)
    {
      int axis = k == 0 ? row_axis : col_axis;
      const char *which = k == 0 ? "row" : "column";
      if (axis < -1 || axis >= e->ndim)
        {
          if (e->ndim == 0)
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "tensor \"%s\" is a scalar: it has no "
                         "axis %d to use for the %ss (use -1)", e->name, axis, which);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "tensor \"%s\" has %d dimension%s: "
                         "the %s axis %d does not exist (axes 0 to %d, or -1 for none)", e->name,
                         e->ndim, e->ndim == 1 ? "" : "s", which, axis, e->ndim - 1);
          return FALSE;
        }
    }
  if (row_axis >= 0 && row_axis == col_axis)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "tensor \"%s\": the row and column axes are "
                   "both %d; choose two different axes", e->name, row_axis);
      return FALSE;
    }
  for (int d = 0; d < e->ndim; d++)
    {
      int64_t i = index ? index[d] : 0;
      if (d == row_axis || d == col_axis)
        continue;
      if (e->shape[d] == 0 && i == 0)
        continue;                    /* an empty tensor: nothing to index, the slice is empty */
      if (i < 0 || i >= e->shape[d])
        {
          if (e->shape[d] == 0)
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "tensor \"%s\": axis %d has no "
                         "elements, so its index must be 0 (not %" G_GINT64_FORMAT ")",
                         e->name, d, i);
          else
            g_set_error (error, PS_ERROR, PS_ERROR_VALUE, "tensor \"%s\": index %" G_GINT64_FORMAT
                         " on axis %d is out of range (the axis has %" G_GINT64_FORMAT
                         " element%s: 0 to %" G_GINT64_FORMAT ")", e->name, i, d, e->shape[d],
                         e->shape[d] == 1 ? "" : "s", e->shape[d] - 1);
          return FALSE;
        }
    }

  memset (v, 0, sizeof *v);
  v->entry = e;
  v->row_axis = row_axis;
  v->col_axis = col_axis;
  for (int d = 0; d < e->ndim; d++)
    v->index[d] = (index && d != row_axis && d != col_axis) ? index[d] : 0;
  view_derive (v);
  return TRUE;
}

void
ps_checkpoint_view_get_index (const PsCheckpointView *v, int64_t row, int64_t col, int64_t *index)
{
  g_return_if_fail (v != NULL && index != NULL);
  for (int d = 0; d < v->entry->ndim; d++)
    index[d] = d == v->row_axis ? row : d == v->col_axis ? col : v->index[d];
}

char *
ps_checkpoint_view_format_index (const PsCheckpointView *v, int64_t row, int64_t col)
{
  int64_t index[PS_SAFETENSORS_MAX_DIMS];
  GString *s = g_string_new ("[");

  g_return_val_if_fail (v != NULL, NULL);
  ps_checkpoint_view_get_index (v, row, col, index);
  for (int d = 0; d < v->entry->ndim; d++)
    g_string_append_printf (s, d ? ", %" G_GINT64_FORMAT : "%" G_GINT64_FORMAT, index[d]);
  g_string_append_c (s, ']');
  return g_string_free (s, FALSE);
}

static const guint8 *
element_ptr (PsCheckpoint *ck, const PsCheckpointView *v, int64_t row, int64_t col)
{
  int64_t i = v->offset + row * v->row_stride + col * v->col_stride;
  guint64 esize = (guint64) ps_dtype_size (v->entry->dtype);
  return ck->data + v->entry->begin + (guint64) i * esize;
}

double
ps_checkpoint_read (PsCheckpoint *ck, const PsCheckpointView *v, int64_t row, int64_t col)
{
  g_return_val_if_fail (ck != NULL && v != NULL, NAN);
  g_return_val_if_fail (row >= 0 && row < v->rows && col >= 0 && col < v->cols, NAN);
  return load_exact (v->entry->dtype, element_ptr (ck, v, row, col));
}

/* ---- pooling ------------------------------------------------------------------- */

#define TILE 1024    /* columns whose accumulators (at most 16 KB) stay in L1 */

/* Sortable keys.  The bits of a sign-magnitude float read as a signed
 * integer, with the magnitude bits flipped when the sign is set, order as
 * the floats do (-0 just below +0), and the NaNs fall outside the
 * infinities: positive ones above +Inf, negative ones below -Inf.  So the
 * max and min keys of a block tell its largest and smallest values, and
 * whether it holds a NaN or an infinity, with integer max/min alone (eight
 * or sixteen lanes a vector).  The map is its own inverse. */
static inline gint16
key16 (guint16 h)
{
  return (gint16) (h ^ ((guint16) ((gint16) h >> 15) & 0x7fffu));
}

static inline gint32
key32 (guint32 x)
{
  return (gint32) (x ^ ((guint32) ((gint32) x >> 31) & 0x7fffffffu));
}

PS_SIMD_CLONES static void
fold_key16 (const guint8 *p, int64_t step, int64_t n, gint16 *restrict kmx, gint16 *restrict kmn)
{
#define FOLD16(q)                                                             \
  G_STMT_START {                                                              \
    guint16 h_;                                                               \
    gint16 k_;                                                                \
    memcpy (&h_, (q), 2);                                                     \
    k_ = key16 (h_);                                                          \
    kmx[c] = k_ > kmx[c] ? k_ : kmx[c];                                       \
    kmn[c] = k_ < kmn[c] ? k_ : kmn[c];                                       \
  } G_STMT_END
  if (step == 2)
    for (int64_t c = 0; c < n; c++)
      FOLD16 (p + c * 2);
  else
    for (int64_t c = 0; c < n; c++)
      FOLD16 (p + c * step);
#undef FOLD16
}

PS_SIMD_CLONES static void
fold_key32 (const guint8 *p, int64_t step, int64_t n, gint32 *restrict kmx, gint32 *restrict kmn)
{
#define FOLD32(q)                                                             \
  G_STMT_START {                                                              \
    guint32 x_;                                                               \
    gint32 k_;                                                                \
    memcpy (&x_, (q), 4);                                                     \
    k_ = key32 (x_);                                                          \
    kmx[c] = k_ > kmx[c] ? k_ : kmx[c];                                       \
    kmn[c] = k_ < kmn[c] ? k_ : kmn[c];                                       \
  } G_STMT_END
  if (step == 4)
    for (int64_t c = 0; c < n; c++)
      FOLD32 (p + c * 4);
  else
    for (int64_t c = 0; c < n; c++)
      FOLD32 (p + c * step);
#undef FOLD32
}

/* How a dtype is folded: F16, BF16 and F32 by keys; the others (F64 and
 * integers: rare in checkpoints) as converted floats. */
typedef enum { FOLD_FLOATS, FOLD_KEY16, FOLD_KEY32 } FoldKind;

/* Output rows [r_begin, r_end) of a pooling over R x C elements: element
 * (i, j) at base + i * rstep + j * cstep; cell (r, c) at out[r * ors + c * ocs]. */
typedef struct
{
  const guint8 *base;
  int64_t  rstep, cstep;
  int64_t  R, C;
  PsDtype  dtype;
  FoldKind kind;
  FoldFunc fold;           /* FOLD_FLOATS */
  float   *out;
  int64_t  ors, ocs;
  int      out_r, out_c, r_begin, r_end;
  float   *work;           /* 4 * C floats */
  float    range;
} PoolJob;

/* The largest finite magnitude of a block, element by element: for the
 * blocks whose keys say they hold a NaN or an infinity. */
static float
block_finite_max (const PoolJob *j, int64_t ra, int64_t rb, int64_t ca, int64_t cb)
{
  float m = 0.f;
  for (int64_t i = ra; i < rb; i++)
    for (int64_t k = ca; k < cb; k++)
      {
        float a = fabsf (load_any (j->dtype, j->base + i * j->rstep + k * j->cstep));
        m = a <= G_MAXFLOAT && a > m ? a : m;
      }
  return m;
}

static void
state_init (PoolJob *j)
{
  int64_t C = j->C;

  switch (j->kind)
    {
    case FOLD_KEY16:
      {
        gint16 *kmx = (gint16 *) j->work, *kmn = kmx + C;
        for (int64_t c = 0; c < C; c++)
          {
            kmx[c] = G_MININT16;
            kmn[c] = G_MAXINT16;
          }
      }
      break;
    case FOLD_KEY32:
      {
        gint32 *kmx = (gint32 *) j->work, *kmn = kmx + C;
        for (int64_t c = 0; c < C; c++)
          {
            kmx[c] = G_MININT32;
            kmn[c] = G_MAXINT32;
          }
      }
      break;
    case FOLD_FLOATS:
      {
        float *mx = j->work, *mn = mx + C, *nans = mn + C, *fin = nans + C;
        for (int64_t c = 0; c < C; c++)
          {
            mx[c] = -INFINITY;
            mn[c] = INFINITY;
            nans[c] = 0.f;
            fin[c] = 0.f;
          }
      }
      break;
    }
}

static void
state_fold (PoolJob *j, int64_t i, int64_t t, int64_t n)
{
  const guint8 *p = j->base + i * j->rstep + t * j->cstep;
  int64_t C = j->C;

  switch (j->kind)
    {
    case FOLD_KEY16:
      fold_key16 (p, j->cstep, n, (gint16 *) j->work + t, (gint16 *) j->work + C + t);
      break;
    case FOLD_KEY32:
      fold_key32 (p, j->cstep, n, (gint32 *) j->work + t, (gint32 *) j->work + C + t);
      break;
    case FOLD_FLOATS:
      j->fold (p, j->cstep, n, j->work + t, j->work + C + t, j->work + 2 * C + t,
               j->work + 3 * C + t);
      break;
    }
}

/* The cell of the block (rows ra..rb, columns ca..cb): NaN if it holds one,
 * else the value of largest magnitude (+-Inf included); *fmax gets the
 * block's largest finite magnitude. */
static float
state_cell (PoolJob *j, int64_t ra, int64_t rb, int64_t ca, int64_t cb, float *fmax)
{
  int64_t C = j->C;
  float bmx, bmn;

  switch (j->kind)
    {
    case FOLD_KEY16:
    case FOLD_KEY32:
      {
        /* the keys of +Inf and -Inf: beyond them, NaN */
        gboolean half = j->dtype == PS_DTYPE_F16;
        gint32 kinf, kninf, bkmx = G_MININT32, bkmn = G_MAXINT32;
        guint8 b[4];
        if (j->kind == FOLD_KEY16)
          {
            const gint16 *kmx = (const gint16 *) j->work, *kmn = kmx + C;
            kinf = key16 (half ? 0x7c00u : 0x7f80u);
            kninf = key16 (half ? 0xfc00u : 0xff80u);
            for (int64_t k = ca; k < cb; k++)
              {
                bkmx = MAX (bkmx, kmx[k]);
                bkmn = MIN (bkmn, kmn[k]);
              }
          }
        else
          {
            const gint32 *kmx = (const gint32 *) j->work, *kmn = kmx + C;
            kinf = key32 (0x7f800000u);
            kninf = key32 (0xff800000u);
            for (int64_t k = ca; k < cb; k++)
              {
                bkmx = MAX (bkmx, kmx[k]);
                bkmn = MIN (bkmn, kmn[k]);
              }
          }
        if (bkmx >= kinf || bkmn <= kninf)
          *fmax = block_finite_max (j, ra, rb, ca, cb);      /* rare: Inf or NaN inside */
        if (bkmx > kinf || bkmn < kninf)
          return NAN;
        /* back to values: the key map is its own inverse */
        if (j->kind == FOLD_KEY16)
          {
            guint16 h = (guint16) key16 ((guint16) bkmx);
            memcpy (b, &h, 2);
            bmx = load_any (j->dtype, b);
            h = (guint16) key16 ((guint16) bkmn);
            memcpy (b, &h, 2);
            bmn = load_any (j->dtype, b);
          }
        else
          {
            guint32 x = (guint32) key32 ((guint32) bkmx);
            memcpy (&bmx, &x, 4);
            x = (guint32) key32 ((guint32) bkmn);
            memcpy (&bmn, &x, 4);
          }
        if (bkmx < kinf && bkmn > kninf)
          *fmax = MAX (fabsf (bmx), fabsf (bmn));
        return bmx >= -bmn ? bmx : bmn;
      }
    case FOLD_FLOATS:
      {
        const float *mx = j->work, *mn = mx + C, *nans = mn + C, *fin = nans + C;
        float bn = 0.f, bf = 0.f;
        bmx = -INFINITY;
        bmn = INFINITY;
        for (int64_t k = ca; k < cb; k++)
          {
            bmx = mx[k] > bmx ? mx[k] : bmx;
            bmn = mn[k] < bmn ? mn[k] : bmn;
            bn += nans[k];
            bf = fin[k] > bf ? fin[k] : bf;
          }
        *fmax = bf;
        /* NaN wins, then the larger magnitude (+-Inf included) */
        return bn != 0.f ? NAN : bmx >= -bmn ? bmx : bmn;
      }
    }
  g_assert_not_reached ();
}

static void
pool_rows (PoolJob *j)
{
  int64_t pra = -1, prb = -1;

  j->range = 0.f;
  for (int r = j->r_begin; r < j->r_end; r++)
    {
      int64_t ra = (int64_t) r * j->R / j->out_r;
      int64_t rb = MAX ((int64_t) (r + 1) * j->R / j->out_r, ra + 1);
      float *o = j->out + r * j->ors;

      if (ra == pra && rb == prb)
        {
          /* the window has fewer rows than cells: the same block again */
          for (int c = 0; c < j->out_c; c++)
            o[c * j->ocs] = o[c * j->ocs - j->ors];
          continue;
        }
      pra = ra;
      prb = rb;
      state_init (j);
      for (int64_t t = 0; t < j->C; t += TILE)
        {
          int64_t n = MIN (TILE, j->C - t);
          for (int64_t i = ra; i < rb; i++)
            state_fold (j, i, t, n);
        }
      for (int c = 0; c < j->out_c; c++)
        {
          int64_t ca = (int64_t) c * j->C / j->out_c;
          int64_t cb = MAX ((int64_t) (c + 1) * j->C / j->out_c, ca + 1);
          float fmax = 0.f;
          o[c * j->ocs] = state_cell (j, ra, rb, ca, cb, &fmax);
          j->range = MAX (j->range, fmax);
        }
    }
}

/* One helper thread, started on first use and kept, takes half of a large
 * window; a caller that finds it busy (another pooling at the same moment)
 * does all the work itself. */
static struct
{
  GMutex   busy;          /* held by the caller that has the helper */
  GMutex   lock;
  GCond    cond;
  PoolJob *job;           /* set: work to do */
  gboolean done;
} helper;

static gpointer
helper_main (gpointer data)
{
  for (;;)
    {
      PoolJob *j;
      g_mutex_lock (&helper.lock);
      while (helper.job == NULL)
        g_cond_wait (&helper.cond, &helper.lock);
      j = helper.job;
      g_mutex_unlock (&helper.lock);
      pool_rows (j);
      g_mutex_lock (&helper.lock);
      helper.job = NULL;
      helper.done = TRUE;
      g_cond_broadcast (&helper.cond);
      g_mutex_unlock (&helper.lock);
    }
  return NULL;
}

static gboolean
helper_claim (void)
{
  static gsize started = 0;
  static pid_t pid;

  if (g_once_init_enter (&started))
    {
      pid = getpid ();
      g_thread_unref (g_thread_new ("ps-checkpoint-pool", helper_main, NULL));
      g_once_init_leave (&started, 1);
    }
  if (getpid () != pid)
    return FALSE;          /* a forked child has no helper */
  return g_mutex_trylock (&helper.busy);
}

static void
helper_start (PoolJob *j)
{
  g_mutex_lock (&helper.lock);
  helper.done = FALSE;
  helper.job = j;
  g_cond_broadcast (&helper.cond);
  g_mutex_unlock (&helper.lock);
}

static void
helper_wait (void)
{
  g_mutex_lock (&helper.lock);
  while (!helper.done)
    g_cond_wait (&helper.cond, &helper.lock);
  g_mutex_unlock (&helper.lock);
  g_mutex_unlock (&helper.busy);
}

static float *
scratch_get (PsHeatmapScratch *s, int64_t n)
{
  if (s->cap < n)
    {
      g_free (s->buf);
      s->buf = g_new (float, n);
      s->cap = n;
    }
  return s->buf;
}

float
ps_checkpoint_pool (PsCheckpoint *ck, const PsCheckpointView *v, int64_t row0, int64_t col0,
                    int64_t vrows, int64_t vcols, float *out, int out_rows, int out_cols,
                    PsHeatmapScratch *scratch)
{
  PsDtype dtype;
  int64_t esize, rs, cs;
  const guint8 *base;
  float range = 0.f;

  g_return_val_if_fail (ck != NULL && v != NULL && out != NULL && scratch != NULL, 1.f);
  g_return_val_if_fail (row0 >= 0 && col0 >= 0 && row0 + vrows <= v->rows
                        && col0 + vcols <= v->cols, 1.f);
  g_return_val_if_fail (out_rows > 0 && out_cols > 0 && vrows > 0 && vcols > 0, 1.f);

  dtype = v->entry->dtype;
  esize = ps_dtype_size (dtype);
  rs = v->row_stride * esize;
  cs = v->col_stride * esize;
  base = element_ptr (ck, v, row0, col0);

  if (vrows <= out_rows && vcols <= out_cols)
    {
      /* no reduction: each element read once, cells repeat (nearest) */
      float *row = scratch_get (scratch, vcols);
      ConvertFunc convert = convert_func (dtype);
      int64_t prev = -1;
      for (int r = 0; r < out_rows; r++)
        {
          int64_t i = (int64_t) r * vrows / out_rows;
          float *o = out + (int64_t) r * out_cols;
          if (i == prev)
            {
              memcpy (o, o - out_cols, (size_t) out_cols * sizeof (float));
              continue;
            }
          prev = i;
          convert (base + i * rs, cs, vcols, row);
          for (int64_t k = 0; k < vcols; k++)
            {
              float a = fabsf (row[k]);
              range = a <= G_MAXFLOAT && a > range ? a : range;
            }
          for (int c = 0; c < out_cols; c++)
            o[c] = row[(int64_t) c * vcols / out_cols];
        }
      return range > 0.f ? range : 1.f;
    }

  {
    /* the inner loop runs along the axis with the smaller stride; a single
     * column or row has no inner axis to speak of */
    int64_t eff_cs = vcols == 1 ? G_MAXINT64 : cs, eff_rs = vrows == 1 ? G_MAXINT64 : rs;
    gboolean transposed = eff_cs > eff_rs;
    PoolJob a = {
      .base = base,
      .rstep = transposed ? cs : rs,
      .cstep = transposed ? rs : cs,
      .R = transposed ? vcols : vrows,
      .C = transposed ? vrows : vcols,
      .dtype = dtype,
      .kind = dtype == PS_DTYPE_F16 || dtype == PS_DTYPE_BF16 ? FOLD_KEY16
              : dtype == PS_DTYPE_F32 ? FOLD_KEY32 : FOLD_FLOATS,
      .fold = fold_func (dtype),
      .out = out,
      .ors = transposed ? 1 : out_cols,
      .ocs = transposed ? out_cols : 1,
      .out_r = transposed ? out_cols : out_rows,
      .out_c = transposed ? out_rows : out_cols,
    };
    PoolJob b;
    gboolean split;

    a.r_begin = 0;
    a.r_end = a.out_r;
    a.work = scratch_get (scratch, 8 * a.C);
    b = a;
    split = a.R * a.C >= (1 << 20) && a.out_r >= 2 && helper_claim ();
    if (split)
      {
        a.r_end = b.r_begin = a.out_r / 2;
        b.work = a.work + 4 * a.C;
        helper_start (&b);
      }
    pool_rows (&a);
    if (split)
      helper_wait ();
    range = split ? MAX (a.range, b.range) : a.range;
  }
  return range > 0.f ? range : 1.f;
}

/* ---- statistics ------------------------------------------------------------------ */

#define STATS_CHUNK (1 << 16)

gboolean
ps_checkpoint_view_stats (PsCheckpoint *ck, const PsCheckpointView *v, PsStats *out,
                          GCancellable *cancellable, GError **error)
{
  int64_t esize, fill = 0;
  ConvertFunc convert;
  PsStatsAcc acc;
  float *buf;

  g_return_val_if_fail (ck != NULL && v != NULL && out != NULL, FALSE);

  esize = ps_dtype_size (v->entry->dtype);
  convert = convert_func (v->entry->dtype);
  buf = g_new (float, STATS_CHUNK);
  ps_stats_acc_init (&acc);
  for (int64_t r = 0; r < v->rows; r++)
    {
      const guint8 *p = element_ptr (ck, v, r, 0);
      for (int64_t c = 0; c < v->cols;)
        {
          int64_t n = MIN (STATS_CHUNK - fill, v->cols - c);
          convert (p + c * v->col_stride * esize, v->col_stride * esize, n, buf + fill);
          fill += n;
          c += n;
          if (fill == STATS_CHUNK)
            {
              ps_stats_acc_add (&acc, buf, fill);
              fill = 0;
              if (g_cancellable_set_error_if_cancelled (cancellable, error))
                {
                  g_free (buf);
                  return FALSE;
                }
            }
        }
    }
  ps_stats_acc_add (&acc, buf, fill);
  ps_stats_acc_finish (&acc, out);
  g_free (buf);
  return TRUE;
}

gboolean
ps_checkpoint_tensor_stats (PsCheckpoint *ck, const PsSafetensorsEntry *e, PsStats *out,
                            GCancellable *cancellable, GError **error)
{
  int64_t esize;
  ConvertFunc convert;
  PsStatsAcc acc;
  float *buf;

  g_return_val_if_fail (ck != NULL && e != NULL && out != NULL, FALSE);

  esize = ps_dtype_size (e->dtype);
  convert = convert_func (e->dtype);
  buf = g_new (float, STATS_CHUNK);
  ps_stats_acc_init (&acc);
  for (int64_t i = 0; i < e->numel; i += STATS_CHUNK)
    {
      int64_t n = MIN (STATS_CHUNK, e->numel - i);
      convert (ck->data + e->begin + (guint64) i * (guint64) esize, esize, n, buf);
      ps_stats_acc_add (&acc, buf, n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_free (buf);
          return FALSE;
        }
    }
  ps_stats_acc_finish (&acc, out);
  g_free (buf);
  return TRUE;
}
