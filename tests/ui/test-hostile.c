/* test-hostile.c — every malformed or hostile file of tests/corpus opened in
 * the real window (in process, under Xvfb), one after the other in the same
 * window, with a history to lose:
 *
 *   - model files (models/NAME.py and NAME.txt) through ps_window_open_model, the
 *     entry point of Open Model… and of `paramscope MODEL`: the window shows,
 *     as an error, exactly the message the library gives, and it contains the
 *     same expected substring tests/core/test-corpus.c asserts for the library
 *     and the CLI (both read it through ps-test-corpus.c);
 *   - safetensors files (the malformed ones of expected.tsv, and the valid
 *     ones, which are not this network's weights) through
 *     ps_window_open_weights, the entry point of Open Weights… and of
 *     `paramscope MODEL WEIGHTS`: the same expected message, shown as an
 *     error, and the window otherwise as it was;
 *
 * and after each: the same network object, the same print(net) text, the same
 * bytes of every value and gradient, no parameter touched (versions), the same
 * undo and redo depths and labels, no "model-replaced", "structure-changed" or
 * "changed" signal, the same title, selection, tree rows (the same list model,
 * not rebuilt) and heatmap pixels, the window still drawing, and the input
 * file alone and unchanged in its directory.
 */
#include "ps-ui-test-util.h"
#include "ps-block-tree.h"
#include "ps-matrix-view.h"
#include "ps-tree-node.h"
#include "ps-test-util.h"
#include "ps-test-corpus.h"

#include <glib/gstdio.h>
#include <string.h>

/* the corpus must be all there (as tests/core/test-corpus.c checks it) */
#define MIN_MODEL_CASES       40
#define MIN_SAFETENSORS_CASES 30

typedef enum { OPEN_MODEL, OPEN_WEIGHTS } OpenKind;

typedef struct
{
  PsCorpusCase *file;       /* path, name, expected substring (borrowed) */
  OpenKind      kind;
  gboolean      well_formed;   /* a valid safetensors file: refused by load_state_dict */
} HostileCase;

static PsWindow *win;       /* one window takes every file in turn */
static guint n_replaced, n_structure, n_changed;
static guint n_model_cases, n_weights_cases;

/* ---- what the window holds and shows ------------------------------------- */

typedef struct
{
  PsModule   *model;
  char       *repr;
  GBytes     *values;       /* every state_dict entry: key, shape, data, grad */
  char       *title;
  char       *selected_key;
  GListModel *rows_model;   /* the tree's list model: the same object = not rebuilt */
  char       *rows;         /* the tree's rows: depth, expanded, key */
  PsParam    *shown;        /* the parameter in the values view */
  GBytes     *pixels;       /* the values view, drawn */
  guint       undo_depth, redo_depth;
  char       *undo_label, *redo_label;
} Shown;

static void
shown_clear (Shown *s)
{
  g_free (s->repr);
  g_clear_pointer (&s->values, g_bytes_unref);
  g_free (s->title);
  g_free (s->selected_key);
  g_free (s->rows);
  g_clear_pointer (&s->pixels, g_bytes_unref);
  g_free (s->undo_label);
  g_free (s->redo_label);
  memset (s, 0, sizeof *s);
}

static void
append_tensor (GByteArray *b, const PsTensor *t)
{
  guint8 present = t != NULL;

  g_byte_array_append (b, &present, 1);
  if (t == NULL)
    return;
  g_byte_array_append (b, (const guint8 *) &t->ndim, sizeof t->ndim);
  g_byte_array_append (b, (const guint8 *) t->shape, sizeof (int64_t) * t->ndim);
  g_byte_array_append (b, (const guint8 *) t->data, sizeof (float) * t->numel);
}

static GBytes *
model_values (PsModule *model)
{
  g_autoptr (GPtrArray) sd = ps_module_state_dict (model);
  GByteArray *b = g_byte_array_new ();

  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedParam *np = sd->pdata[i];
      g_byte_array_append (b, (const guint8 *) np->name, strlen (np->name) + 1);
      append_tensor (b, ps_param_get_data (np->param));
      append_tensor (b, ps_param_get_grad (np->param));
    }
  return g_byte_array_free_to_bytes (b);
}

/* Versions of every parameter (bumped by any change, even to equal values). */
static GArray *
model_versions (PsModule *model)
{
  g_autoptr (GPtrArray) np = ps_module_named_parameters (model);
  GArray *v = g_array_new (FALSE, FALSE, sizeof (guint64));

  for (guint i = 0; i < np->len; i++)
    {
      guint64 version = ps_param_get_version (((PsNamedParam *) np->pdata[i])->param);
      g_array_append_val (v, version);
    }
  return v;
}

static GListModel *
tree_rows_model (void)
{
  return ps_block_tree_get_rows (PS_BLOCK_TREE (ps_test_window_child (win, "tree")));
}

static char *
tree_rows (GListModel *rows)
{
  GString *s = g_string_new (NULL);

  for (guint i = 0; i < g_list_model_get_n_items (rows); i++)
    {
      g_autoptr (GtkTreeListRow) row = g_list_model_get_item (rows, i);
      g_autoptr (PsTreeNode) node = gtk_tree_list_row_get_item (row);
      g_string_append_printf (s, "%u %d %s\n", gtk_tree_list_row_get_depth (row),
                              gtk_tree_list_row_get_expanded (row), ps_tree_node_get_key (node));
    }
  return g_string_free (s, FALSE);
}

static GBytes *
view_pixels (GtkWidget *view)
{
  g_autoptr (GdkTexture) tex = NULL;
  gsize stride;
  guchar *px;

  tex = ps_matrix_view_render_texture (PS_MATRIX_VIEW (view), 0, 0);
  g_assert_nonnull (tex);
  stride = (gsize) gdk_texture_get_width (tex) * 4;
  px = g_malloc (stride * gdk_texture_get_height (tex));
  gdk_texture_download (tex, px, stride);
  return g_bytes_new_take (px, stride * gdk_texture_get_height (tex));
}

/* The depths of the undo and the redo stacks, counted by walking them and
 * coming back (each undo or redo restores exact copies). */
static void
history_depths (PsDocument *doc, guint *n_undo, guint *n_redo)
{
  guint u = 0, r = 0;

  while (ps_document_can_undo (doc))
    {
      g_assert_true (ps_document_undo (doc));
      u++;
    }
  for (guint i = 0; i < u; i++)
    g_assert_true (ps_document_redo (doc));
  while (ps_document_can_redo (doc))
    {
      g_assert_true (ps_document_redo (doc));
      r++;
    }
  for (guint i = 0; i < r; i++)
    g_assert_true (ps_document_undo (doc));
  *n_undo = u;
  *n_redo = r;
}

static void
shown_take (Shown *s)
{
  PsDocument *doc = ps_window_get_document (win);

  s->model = ps_document_get_model (doc);
  s->repr = ps_module_repr (s->model);
  s->values = model_values (s->model);
  s->title = g_strdup (gtk_window_get_title (GTK_WINDOW (win)));
  s->selected_key = g_strdup (ps_tree_node_get_key (ps_window_get_selected_node (win)));
  s->rows_model = tree_rows_model ();
  s->rows = tree_rows (s->rows_model);
  s->shown = ps_test_view_get_param (ps_test_window_child (win, "data_view"));
  s->pixels = view_pixels (ps_test_window_child (win, "data_view"));
  s->undo_label = g_strdup (ps_document_get_undo_label (doc));
  s->redo_label = g_strdup (ps_document_get_redo_label (doc));
  history_depths (doc, &s->undo_depth, &s->redo_depth);
}

static void
assert_same (const Shown *a, const Shown *b)
{
  g_assert_true (a->model == b->model);
  g_assert_cmpstr (a->repr, ==, b->repr);
  g_assert_true (g_bytes_equal (a->values, b->values));
  g_assert_cmpstr (a->title, ==, b->title);
  g_assert_cmpstr (a->selected_key, ==, b->selected_key);
  g_assert_true (a->rows_model == b->rows_model);
  g_assert_cmpstr (a->rows, ==, b->rows);
  g_assert_true (a->shown == b->shown);
  g_assert_true (g_bytes_equal (a->pixels, b->pixels));
  g_assert_cmpuint (a->undo_depth, ==, b->undo_depth);
  g_assert_cmpuint (a->redo_depth, ==, b->redo_depth);
  g_assert_cmpstr (a->undo_label, ==, b->undo_label);
  g_assert_cmpstr (a->redo_label, ==, b->redo_label);
}

/* ---- the window ---------------------------------------------------------- */

static void
on_model_replaced (PsDocument *doc, gpointer data)
{
  n_replaced++;
}

static void
on_structure_changed (PsDocument *doc, gpointer data)
{
  n_structure++;
}

static void
on_changed (PsDocument *doc, const char *what, gpointer data)
{
  n_changed++;
}

/* The tied network of the lesson, with a gradient and a history to lose:
 * two changes to undo and one to redo, the tied 4.weight shown. */
static PsWindow *
new_window (void)
{
  PsWindow *w = ps_window_new (NULL);
  PsDocument *doc = ps_window_get_document (w);
  PsModule *model;
  GError *error = NULL;

  gtk_window_set_default_size (GTK_WINDOW (w), 1300, 800);
  g_assert_true (ps_window_open_example (w, "tied", &error));
  g_assert_no_error (error);
  model = ps_document_get_model (doc);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (w), "win.backward", NULL));
  g_assert_nonnull (ps_param_get_grad (ps_module_find_param (model, "0.weight")));
  g_assert_true (ps_document_set_element (doc, ps_module_find_param (model, "2.weight"), 3, 5.f,
                                          &error));
  g_assert_true (ps_document_add_constant (doc, ps_module_find_param (model, "0.bias"), 1.f,
                                           &error));
  g_assert_true (ps_document_fill (doc, ps_module_find_param (model, "6.weight"), -2.f, &error));
  g_assert_no_error (error);
  g_assert_true (ps_document_undo (doc));
  g_assert_true (ps_window_select_key (w, "4.weight"));
  g_signal_connect (doc, "model-replaced", G_CALLBACK (on_model_replaced), NULL);
  g_signal_connect (doc, "structure-changed", G_CALLBACK (on_structure_changed), NULL);
  g_signal_connect (doc, "changed", G_CALLBACK (on_changed), NULL);
  gtk_window_present (GTK_WINDOW (w));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (w));
  /* the window refits its parts to its width just after its first frame */
  ps_test_wait_frame (GTK_WIDGET (w));
  gtk_test_widget_wait_for_draw (GTK_WIDGET (w));
  return w;
}

static gboolean
open_weights (const char *path, GError **error)
{
  return ps_window_open_weights (win, path, error);
}

/* ---- one file ------------------------------------------------------------ */

static void
check_contains (const char *haystack, const char *needle, const char *what)
{
  if (haystack == NULL || strstr (haystack, needle) == NULL)
    g_test_fail_printf ("%s: expected the message to contain\n  %s\nbut it is\n  %s", what,
                        needle, haystack ? haystack : "(nothing)");
}

static void
test_hostile (gconstpointer data)
{
  const HostileCase *hc = data;
  PsDocument *doc;
  GtkWidget *status_label;
  g_autofree char *dir = NULL, *path = NULL, *expect = NULL;
  g_autoptr (GBytes) input = NULL, input_after = NULL;
  g_autoptr (GArray) versions_before = NULL, versions_after = NULL;
  g_autoptr (GError) error = NULL;
  Shown before = { 0 }, after = { 0 };
  guint replaced, structure, changed;
  gboolean ok;

  if (win == NULL)
    {
      g_test_skip ("no display");
      return;
    }
  doc = ps_window_get_document (win);
  status_label = ps_test_window_child (win, "status");

  /* the file alone in a fresh directory, under its own name (the messages name it) */
  dir = ps_test_tmpdir ();
  path = g_build_filename (dir, hc->file->name, NULL);
  input = ps_test_read_bytes (hc->file->path);
  g_assert_true (g_file_set_contents (path, g_bytes_get_data (input, NULL),
                                      g_bytes_get_size (input), NULL));
  expect = hc->well_formed ? g_strconcat (hc->file->name, " does not fit the model:", NULL)
                           : g_strdup (hc->file->expect);

  shown_take (&before);
  versions_before = model_versions (before.model);
  replaced = n_replaced;
  structure = n_structure;
  changed = n_changed;

  if (hc->kind == OPEN_MODEL)
    ok = ps_window_open_model (win, path, &error);
  else
    ok = open_weights (path, &error);

  /* refused, with its own message */
  g_assert_false (ok);
  g_assert_nonnull (error);
  g_assert_true (error->domain == PS_ERROR);
  check_contains (error->message, expect, hc->file->name);
  /* the window shows that message, as an error */
  g_assert_cmpstr (ps_test_window_status (win), ==, error->message);
  check_contains (ps_test_window_status (win), expect, "the window's status");
  g_assert_true (gtk_widget_has_css_class (status_label, "error"));

  /* nothing else changed: no signal, no parameter touched ... */
  g_assert_cmpuint (n_replaced, ==, replaced);
  g_assert_cmpuint (n_structure, ==, structure);
  g_assert_cmpuint (n_changed, ==, changed);
  g_assert_true (ps_document_get_model (doc) == before.model);
  versions_after = model_versions (before.model);
  if (!hc->well_formed)
    {
      /* a well-formed file is refused by load_state_dict after the document has
       * saved the values for undo; putting them back (equal) bumps the versions,
       * so for those only the bytes are compared, below */
      g_assert_cmpuint (versions_after->len, ==, versions_before->len);
      g_assert_cmpmem (versions_after->data, versions_after->len * sizeof (guint64),
                       versions_before->data, versions_before->len * sizeof (guint64));
    }

  /* ... and the window still draws, showing the same network and history */
  gtk_test_widget_wait_for_draw (GTK_WIDGET (win));
  shown_take (&after);
  assert_same (&before, &after);

  /* nothing was written beside the input, and the input is as it was */
  g_assert_cmpuint (ps_test_count_dir_entries (dir), ==, 1);
  input_after = ps_test_read_bytes (path);
  g_assert_true (g_bytes_equal (input, input_after));

  shown_clear (&before);
  shown_clear (&after);
  ps_test_rmdir (dir);
}

static void
test_counts (void)
{
  g_assert_cmpuint (n_model_cases, >=, MIN_MODEL_CASES);
  g_assert_cmpuint (n_weights_cases, >=, MIN_SAFETENSORS_CASES);
}

/* ---- cases --------------------------------------------------------------- */

static HostileCase *
add_case (GPtrArray *cases, PsCorpusCase *file, OpenKind kind, gboolean well_formed,
          const char *prefix)
{
  HostileCase *hc = g_new0 (HostileCase, 1);
  g_autofree char *name = g_strconcat (prefix, file->name, NULL);

  hc->file = file;
  hc->kind = kind;
  hc->well_formed = well_formed;
  g_ptr_array_add (cases, hc);
  g_test_add_data_func (name, hc, test_hostile);
  return hc;
}

int
main (int argc, char **argv)
{
  g_autoptr (GPtrArray) models = NULL, weights = NULL, valid = NULL;
  g_autoptr (GPtrArray) cases = g_ptr_array_new_with_free_func (g_free);
  int status;

  g_test_init (&argc, &argv, NULL);
  if (gtk_init_check ())      /* without a display every case skips */
    win = new_window ();
  models = ps_test_corpus_model_cases ();
  weights = ps_test_corpus_bad_safetensors_cases ();
  valid = ps_test_corpus_valid_safetensors_cases ();   /* well-formed, not this network's */
  g_test_add_func ("/hostile/counts", test_counts);
  for (guint i = 0; i < models->len; i++, n_model_cases++)
    add_case (cases, models->pdata[i], OPEN_MODEL, FALSE, "/hostile/model/");
  for (guint i = 0; i < weights->len; i++, n_weights_cases++)
    add_case (cases, weights->pdata[i], OPEN_WEIGHTS, FALSE, "/hostile/weights/");
  for (guint i = 0; i < valid->len; i++)
    add_case (cases, valid->pdata[i], OPEN_WEIGHTS, TRUE, "/hostile/weights-not-this-model/");
  status = g_test_run ();
  if (win)
    gtk_window_destroy (GTK_WINDOW (win));
  return status;
}
