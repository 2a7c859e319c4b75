/* ps-checkpoint.c — a bare .safetensors as a tree; views of its tensors
 *
 * The tensors stay in the mapping: nothing is copied or converted ahead.  A
 * view is a strided slice of the mapped bytes (ps-pool.h), which the
 * pooling, the exact reads and the statistics read in place.
 */
#include "ps-checkpoint.h"
#include "ps-error.h"
#include "ps-weights.h"

#include <math.h>
#include <string.h>

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
  PsSafetensors  *st;         /* the tensors, mapped (any format, ps-weights.h) */
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

PsCheckpoint *
ps_checkpoint_new_from_weights (PsSafetensors *st)
{
  PsCheckpoint *ck;

  g_return_val_if_fail (st != NULL, NULL);
  ck = g_new0 (PsCheckpoint, 1);
  g_atomic_ref_count_init (&ck->ref);
  ck->label = g_strdup (ps_safetensors_get_label (st));
  ck->st = st;
  g_mutex_init (&ck->lock);
  ck->strings = g_string_chunk_new (4096);
  return ck;
}

PsCheckpoint *
ps_checkpoint_open (const char *path, GError **error)
{
  PsSafetensors *st;

  g_return_val_if_fail (path != NULL, NULL);
  st = ps_weights_open (path, error);
  return st ? ps_checkpoint_new_from_weights (st) : NULL;
}

PsCheckpoint *
ps_checkpoint_new_from_bytes (GBytes *bytes, const char *label, GError **error)
{
  PsSafetensors *st;

  g_return_val_if_fail (bytes != NULL, NULL);
  st = ps_weights_new_from_bytes (bytes, label ? label : "<safetensors>", error);
  return st ? ps_checkpoint_new_from_weights (st) : NULL;
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
  return ps_safetensors_get_size (ck->st);
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

/* ---- views ------------------------------------------------------------------- */

static void
view_derive (PsCheckpointView *v)
{
  const PsSafetensorsEntry *e = v->entry;
  const int64_t *stride = e->stride;
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

void
ps_checkpoint_view_get_slice (PsCheckpoint *ck, const PsCheckpointView *v, PsSlice *slice)
{
  g_return_if_fail (ck != NULL && v != NULL && slice != NULL);
  *slice = (PsSlice) {
    .base = v->entry->data,
    .dtype = v->entry->dtype,
    .offset = v->offset,
    .rows = v->rows,
    .cols = v->cols,
    .row_stride = v->row_stride,
    .col_stride = v->col_stride,
  };
}

gboolean
ps_checkpoint_run_guarded (PsCheckpoint *ck, void (*fn) (gpointer data), gpointer data,
                           GError **error)
{
  g_return_val_if_fail (ck != NULL && fn != NULL, FALSE);
  if (!ps_safetensors_check_files (ck->st, error))
    return FALSE;
  if (ps_mapped_guard (fn, data))
    return TRUE;
  /* a page vanished: say which file changed */
  if (ps_safetensors_check_files (ck->st, error))
    g_set_error (error, PS_ERROR, PS_ERROR_IO, "%s changed while open (a page of it could not "
                 "be read); open it again", ck->label);
  return FALSE;
}

typedef struct
{
  PsSlice s;
  int64_t row, col;
  double  value;
} ReadJob;

static void
read_job (gpointer data)
{
  ReadJob *j = data;
  j->value = ps_slice_read (&j->s, j->row, j->col);
}

double
ps_checkpoint_read (PsCheckpoint *ck, const PsCheckpointView *v, int64_t row, int64_t col)
{
  ReadJob j = { .row = row, .col = col, .value = NAN };

  g_return_val_if_fail (ck != NULL && v != NULL, NAN);
  g_return_val_if_fail (row >= 0 && row < v->rows && col >= 0 && col < v->cols, NAN);
  ps_checkpoint_view_get_slice (ck, v, &j.s);
  if (!ps_checkpoint_run_guarded (ck, read_job, &j, NULL))
    return NAN;
  return j.value;
}

/* ---- statistics ------------------------------------------------------------------ */

#define STATS_CHUNK (1 << 16)

typedef struct
{
  PsCheckpoint           *ck;
  const PsCheckpointView *v;
  const PsSafetensorsEntry *e;
  PsStats                *out;
  GCancellable           *cancellable;
  GError                 *error;
  gboolean                ok;
  float                  *buf;
} StatsJob;

static gboolean view_stats (PsCheckpoint *ck, const PsCheckpointView *v, PsStats *out,
                            GCancellable *cancellable, float *buf, GError **error);
static gboolean tensor_stats (PsCheckpoint *ck, const PsSafetensorsEntry *e, PsStats *out,
                              GCancellable *cancellable, float *buf, GError **error);

static void
stats_job (gpointer data)
{
  StatsJob *j = data;
  j->ok = j->v ? view_stats (j->ck, j->v, j->out, j->cancellable, j->buf, &j->error)
               : tensor_stats (j->ck, j->e, j->out, j->cancellable, j->buf, &j->error);
}

static gboolean
run_stats (StatsJob *j, GError **error)
{
  gboolean ran;

  /* the buffer is allocated outside the guard: a SIGBUS must not leak it */
  j->buf = g_new (float, STATS_CHUNK);
  ran = ps_checkpoint_run_guarded (j->ck, stats_job, j, error);
  g_free (j->buf);
  if (!ran)
    {
      g_clear_error (&j->error);
      return FALSE;
    }
  if (!j->ok)
    g_propagate_error (error, j->error);
  return j->ok;
}

gboolean
ps_checkpoint_view_stats (PsCheckpoint *ck, const PsCheckpointView *v, PsStats *out,
                          GCancellable *cancellable, GError **error)
{
  StatsJob j = { ck, v, NULL, out, cancellable, NULL, FALSE, NULL };
  g_return_val_if_fail (ck != NULL && v != NULL && out != NULL, FALSE);
  return run_stats (&j, error);
}

gboolean
ps_checkpoint_tensor_stats (PsCheckpoint *ck, const PsSafetensorsEntry *e, PsStats *out,
                            GCancellable *cancellable, GError **error)
{
  StatsJob j = { ck, NULL, e, out, cancellable, NULL, FALSE, NULL };
  g_return_val_if_fail (ck != NULL && e != NULL && out != NULL, FALSE);
  return run_stats (&j, error);
}

static gboolean
view_stats (PsCheckpoint *ck, const PsCheckpointView *v, PsStats *out,
            GCancellable *cancellable, float *buf, GError **error)
{
  int64_t fill = 0;
  PsStatsAcc acc;
  PsSlice s;

  ps_checkpoint_view_get_slice (ck, v, &s);
  ps_stats_acc_init (&acc);
  for (int64_t r = 0; r < v->rows; r++)
    for (int64_t c = 0; c < v->cols;)
      {
        int64_t n = MIN (STATS_CHUNK - fill, v->cols - c);
        ps_slice_row_to_f32 (&s, r, c, n, buf + fill);
        fill += n;
        c += n;
        if (fill == STATS_CHUNK)
          {
            ps_stats_acc_add (&acc, buf, fill);
            fill = 0;
            if (g_cancellable_set_error_if_cancelled (cancellable, error))
              return FALSE;
          }
      }
  ps_stats_acc_add (&acc, buf, fill);
  ps_stats_acc_finish (&acc, out);
  return TRUE;
}

static gboolean
tensor_stats (PsCheckpoint *ck, const PsSafetensorsEntry *e, PsStats *out,
              GCancellable *cancellable, float *buf, GError **error)
{
  PsStatsAcc acc;

  ps_stats_acc_init (&acc);
  for (int64_t i = 0; i < e->numel; i += STATS_CHUNK)
    {
      int64_t n = MIN (STATS_CHUNK, e->numel - i);
      ps_safetensors_read_f32 (ck->st, e, i, n, buf);
      ps_stats_acc_add (&acc, buf, n);
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        return FALSE;
    }
  ps_stats_acc_finish (&acc, out);
  return TRUE;
}
