/* ps-checkpoint-window.c — a bare .safetensors file browsed as a tree
 *
 *   ┌ header: Open · file name (size, tensors) · menu ──────────────────────┐
 *   │ tree of dotted names     │ name, dtype · shape · size                 │
 *   │  ▾ model                 │ Rows [axis ▾] Columns [axis ▾] axis 0 [3]  │
 *   │    ▸ layers     72 …     │ heatmap of the slice (+ colorbar)          │
 *   │    norm.weight  F32 …    │ [0, 3, 17]  −0.0123                        │
 *   │ 76 tensors · 4.0 GB      │ statistics: dtype shape mean std min max   │
 *   └──────────────────────────┴────────────────────────────────────────────┘
 *
 * Built from ps-checkpoint-window.ui.  The tree is a GtkTreeListModel of
 * PsCheckpointItems whose children are made on expansion; the matrix view pools in a worker; the statistics
 * run in a GTask thread, cancelled when the selection moves on
 * (ps-checkpoint-window-stats.c; the struct is in ps-checkpoint-window-private.h).
 */
#include "ps-checkpoint-window-private.h"
#include "ps-checkpoint-row.h"
#include "ps-checkpoint-item.h"
#include "ps-checkpoint-source.h"
#include "ps-matrix-view.h"
#include "ps-heatmap-draw.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

G_DEFINE_FINAL_TYPE (PsCheckpointWindow, ps_checkpoint_window, GTK_TYPE_APPLICATION_WINDOW)

static void show_node (PsCheckpointWindow *win, const PsCheckpointNode *node);

/* ---- small helpers -------------------------------------------------------- */

/* "4,096 × 11,008" for people, from a shape */
static char *
shape_text (const PsSafetensorsEntry *e)
{
  GString *s = g_string_new (NULL);
  if (e->ndim == 0)
    /* TRANSLATORS: the shape of a 0-dimensional tensor */
    g_string_append (s, _("scalar"));
  for (int d = 0; d < e->ndim; d++)
    g_string_append_printf (s, d ? " × %'" PRId64 : "%'" PRId64, e->shape[d]);
  return g_string_free (s, FALSE);
}

/* ---- the slice and its picker ------------------------------------------------ */

static void
show_view (PsCheckpointWindow *win)
{
  PsMatrixView *mv = PS_MATRIX_VIEW (win->heatmap);
  PsMatrixSource *cur = ps_matrix_view_get_source (mv);
  PsCheckpointSource *old = cur && PS_IS_CHECKPOINT_SOURCE (cur) ? PS_CHECKPOINT_SOURCE (cur) : NULL;
  g_autoptr (PsMatrixSource) src = NULL;

  if (old == NULL || ps_checkpoint_source_get_checkpoint (old) != win->ck
      || memcmp (ps_checkpoint_source_get_view (old), &win->view, sizeof win->view) != 0
      || g_strcmp0 (ps_matrix_source_get_title (cur), win->selected_key) != 0)
    {
      src = ps_checkpoint_source_new (win->ck, &win->view, win->selected_key);
      /* another fixed index keeps the zoom: a slice is compared with its
       * neighbour in place */
      if (old != NULL && ps_checkpoint_source_same_axes (old, PS_CHECKPOINT_SOURCE (src)))
        ps_matrix_view_replace_source (mv, src);
      else
        ps_matrix_view_set_source (mv, src);
    }
  ps_checkpoint_window_stats_reset (win);
}

static void on_spin_changed (GtkSpinButton *spin, PsCheckpointWindow *win);

/* Spin buttons for the axes that are neither rows nor columns. */
static void
picker_rebuild_spins (PsCheckpointWindow *win)
{
  const PsSafetensorsEntry *e = win->view.entry;
  GtkWidget *child;

  while ((child = GTK_WIDGET (gtk_flow_box_get_child_at_index (GTK_FLOW_BOX (win->picker_flow), 0)))
         != NULL)
    gtk_flow_box_remove (GTK_FLOW_BOX (win->picker_flow), child);
  memset (win->spins, 0, sizeof win->spins);
  for (int d = 0; d < e->ndim; d++)
    {
      GtkWidget *box, *label, *spin, *of;
      g_autofree char *text = NULL, *a11y = NULL, *of_text = NULL;

      if (d == win->view.row_axis || d == win->view.col_axis)
        continue;
      box = gtk_box_new (GTK_ORIENTATION_HORIZONTAL, 4);
      /* TRANSLATORS: before the index chosen on an axis that is not shown */
      text = g_strdup_printf (_("axis %d"), d);
      label = gtk_label_new (text);
      spin = gtk_spin_button_new_with_range (0, (double) MAX (e->shape[d] - 1, 0), 1);
      gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), (double) win->view.index[d]);
      gtk_spin_button_set_numeric (GTK_SPIN_BUTTON (spin), TRUE);
      gtk_label_set_mnemonic_widget (GTK_LABEL (label), spin);
      a11y = g_strdup_printf (_("Index on axis %d"), d);
      set_a11y_label (spin, a11y);
      /* TRANSLATORS: after an index spin button: how many there are */
      of_text = g_strdup_printf (_("of %'" PRId64), e->shape[d]);
      of = dim_label (of_text, FALSE);
      g_object_set_data (G_OBJECT (spin), "axis", GINT_TO_POINTER (d));
      g_signal_connect (spin, "value-changed", G_CALLBACK (on_spin_changed), win);
      gtk_box_append (GTK_BOX (box), label);
      gtk_box_append (GTK_BOX (box), spin);
      gtk_box_append (GTK_BOX (box), of);
      gtk_flow_box_append (GTK_FLOW_BOX (win->picker_flow), box);
      gtk_widget_set_focusable (gtk_widget_get_parent (box), FALSE);   /* the spin button is */
      win->spins[d] = spin;
    }
}

static void
picker_rebuild (PsCheckpointWindow *win)
{
  const PsSafetensorsEntry *e = win->view.entry;
  g_autoptr (GtkStringList) rows = gtk_string_list_new (NULL);
  g_autoptr (GtkStringList) cols = gtk_string_list_new (NULL);

  win->updating = TRUE;
  for (int d = 0; d < e->ndim; d++)
    {
      /* TRANSLATORS: an item of the axis drop-downs: the axis and its length */
      g_autofree char *item = g_strdup_printf (_("axis %d · %'" PRId64), d, e->shape[d]);
      gtk_string_list_append (rows, item);
      gtk_string_list_append (cols, item);
    }
  gtk_drop_down_set_model (GTK_DROP_DOWN (win->row_dd), G_LIST_MODEL (rows));
  gtk_drop_down_set_model (GTK_DROP_DOWN (win->col_dd), G_LIST_MODEL (cols));
  if (e->ndim >= 2)
    {
      gtk_drop_down_set_selected (GTK_DROP_DOWN (win->row_dd), (guint) win->view.row_axis);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (win->col_dd), (guint) win->view.col_axis);
    }
  picker_rebuild_spins (win);
  /* the picker's row is always there (the heatmap below keeps its size):
   * below three dimensions it says how the tensor is laid out */
  if (e->ndim >= 3)
    gtk_stack_set_visible_child_name (GTK_STACK (win->picker), "axes");
  else
    {
      g_autofree char *note = NULL;
      if (e->ndim == 2)
        note = g_strdup_printf (_("Rows: axis 0 (%'" PRId64 ") · columns: axis 1 (%'"
                                  PRId64 ")"), e->shape[0], e->shape[1]);
      else if (e->ndim == 1)
        note = g_strdup_printf (_("One column: axis 0 (%'" PRId64 ")"), e->shape[0]);
      else
        note = g_strdup (_("A single value"));
      gtk_label_set_text (GTK_LABEL (win->axes_note), note);
      gtk_stack_set_visible_child_name (GTK_STACK (win->picker), "note");
    }
  gtk_widget_set_visible (win->scope_dd, e->ndim >= 3);
  gtk_drop_down_set_selected (GTK_DROP_DOWN (win->scope_dd), 0);
  win->updating = FALSE;
}

/* Show the slice with these axes and the spins' indices. */
static void
apply_axes (PsCheckpointWindow *win, int row_axis, int col_axis)
{
  int64_t index[PS_SAFETENSORS_MAX_DIMS];
  PsCheckpointView v;
  g_autoptr (GError) error = NULL;
  gboolean axes_changed = row_axis != win->view.row_axis || col_axis != win->view.col_axis;

  memcpy (index, win->view.index, sizeof index);
  for (int d = 0; d < win->view.entry->ndim; d++)
    if (win->spins[d] != NULL)
      index[d] = (int64_t) gtk_spin_button_get_value (GTK_SPIN_BUTTON (win->spins[d]));
  if (!ps_checkpoint_view_init (&v, win->view.entry, row_axis, col_axis, index, &error))
    {
      g_warning ("%s", error->message);         /* the picker offers only valid views */
      return;
    }
  win->view = v;
  if (axes_changed)
    {
      win->updating = TRUE;
      gtk_drop_down_set_selected (GTK_DROP_DOWN (win->row_dd), (guint) row_axis);
      gtk_drop_down_set_selected (GTK_DROP_DOWN (win->col_dd), (guint) col_axis);
      picker_rebuild_spins (win);
      win->updating = FALSE;
    }
  show_view (win);
}

static void
on_axis_changed (GtkDropDown *dd, GParamSpec *pspec, PsCheckpointWindow *win)
{
  int r, c;

  if (win->updating || !win->has_view)
    return;
  r = (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (win->row_dd));
  c = (int) gtk_drop_down_get_selected (GTK_DROP_DOWN (win->col_dd));
  if (r < 0 || c < 0 || r >= win->view.entry->ndim || c >= win->view.entry->ndim)
    return;
  if (r == c)
    {
      /* the same axis twice: the other one takes the place this one left */
      if (dd == GTK_DROP_DOWN (win->row_dd))
        c = win->view.row_axis;
      else
        r = win->view.col_axis;
    }
  apply_axes (win, r, c);
}

static void
on_spin_changed (GtkSpinButton *spin, PsCheckpointWindow *win)
{
  if (!win->updating && win->has_view)
    apply_axes (win, win->view.row_axis, win->view.col_axis);
}

/* ---- readout ------------------------------------------------------------------ */

static void
on_cell_focused (PsMatrixView *h, gint64 row, gint64 col, PsCheckpointWindow *win)
{
  g_autofree char *text = row >= 0 ? ps_matrix_view_describe_cell (h, row, col) : NULL;

  g_free (win->readout_text);
  win->readout_text = g_strdup (text ? text : "");
  if (text)
    {
      gtk_label_set_text (GTK_LABEL (win->readout), text);
      gtk_widget_remove_css_class (win->readout, "dim-label");
    }
  else
    {
      gtk_label_set_text (GTK_LABEL (win->readout),
                          _("Point at a cell to read its index and value"));
      gtk_widget_add_css_class (win->readout, "dim-label");
    }
}

static void
on_zoom_reset (GtkButton *b, PsCheckpointWindow *win)
{
  ps_matrix_view_reset_zoom (PS_MATRIX_VIEW (win->heatmap));
}

/* ---- the right side ------------------------------------------------------------- */

static void
show_placeholder (PsCheckpointWindow *win, const char *icon, const char *title, const char *text)
{
  gtk_image_set_from_icon_name (GTK_IMAGE (win->place_icon), icon);
  gtk_label_set_text (GTK_LABEL (win->place_title), title);
  gtk_label_set_text (GTK_LABEL (win->place_text), text);
  gtk_stack_set_visible_child_name (GTK_STACK (win->stack), "placeholder");
}

static char *
describe_group (const PsCheckpointNode *n)
{
  g_autofree char *size = g_format_size (n->bytes);
  /* TRANSLATORS: a group of the tree: "72 tensors · 4.0 GB · 2,147,483,648 values" */
  return g_strdup_printf (g_dngettext (NULL, "%u tensor · %s · %'" PRId64 " values",
                                       "%u tensors · %s · %'" PRId64 " values",
                                       n->n_tensors),
                          n->n_tensors, size, n->numel);
}

static void
show_node (PsCheckpointWindow *win, const PsCheckpointNode *node)
{
  g_free (win->selected_key);
  win->selected_key = node ? g_strdup (node->key) : NULL;
  win->node = node;
  win->has_view = node != NULL && node->entry != NULL;

  if (win->ck == NULL)
    return;
  if (node == NULL)
    {
      ps_matrix_view_set_source (PS_MATRIX_VIEW (win->heatmap), NULL);
      show_placeholder (win, "view-grid-symbolic", _("Select a tensor"),
                        _("Its values are read from the file only when they are shown."));
    }
  else if (node->entry == NULL)
    {
      g_autofree char *text = describe_group (node);
      ps_matrix_view_set_source (PS_MATRIX_VIEW (win->heatmap), NULL);
      show_placeholder (win, "folder-symbolic", node->key, text);
    }
  else
    {
      const PsSafetensorsEntry *e = node->entry;
      g_autofree char *shape = shape_text (e), *size = g_format_size (e->end - e->begin);
      g_autofree char *info = NULL, *badge = NULL;

      gtk_label_set_text (GTK_LABEL (win->name_label), node->key);
      if (node->alias_of)
        /* TRANSLATORS: an alias recorded in the file's __metadata__ */
        badge = g_strdup_printf (_("same tensor as %s"), node->alias_of);
      else if (node->aliases)
        {
          g_autofree char *names = g_strjoinv (", ", (char **) node->aliases);
          badge = g_strdup_printf (_("also %s"), names);
        }
      gtk_label_set_text (GTK_LABEL (win->badge_label), badge ? badge : "");
      gtk_widget_set_visible (win->badge_label, badge != NULL);
      /* TRANSLATORS: dtype · shape · number of values · bytes */
      info = g_strdup_printf (_("%s · %s · %'" PRId64 " values · %s"), e->dtype_name,
                              shape, e->numel, size);
      gtk_label_set_text (GTK_LABEL (win->info_label), info);
      ps_checkpoint_view_init_default (&win->view, e);
      picker_rebuild (win);
      gtk_stack_set_visible_child_name (GTK_STACK (win->stack), "tensor");
      show_view (win);
      on_cell_focused (PS_MATRIX_VIEW (win->heatmap), -1, -1, win);
      return;
    }
  ps_checkpoint_window_stats_reset (win);
}

/* ---- the tree ------------------------------------------------------------------- */

static GListModel *
create_children (gpointer item, gpointer user_data)
{
  GListModel *kids = ps_checkpoint_item_get_children (PS_CHECKPOINT_ITEM (item));
  return kids ? g_object_ref (kids) : NULL;
}

/* An expander holding a PsCheckpointRow (ps-checkpoint-row.h). */
static void
setup_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  ps_ui_tree_row_setup (item, ps_checkpoint_row_new ());
}

static void
bind_row (GtkSignalListItemFactory *f, GtkListItem *item, gpointer data)
{
  g_autoptr (PsCheckpointItem) it = NULL;
  GtkWidget *expander;
  GtkWidget *row = ps_ui_tree_row_bind (item, &expander, (gpointer *) &it);

  ps_checkpoint_row_bind (PS_CHECKPOINT_ROW (row), it, expander);
}

static guint
selected_position (PsCheckpointWindow *win)
{
  return gtk_single_selection_get_selected (win->selection);
}

static void
select_position (PsCheckpointWindow *win, guint pos)
{
  gtk_single_selection_set_selected (win->selection, pos);
  gtk_widget_activate_action (win->tree_view, "list.scroll-to-item", "u", pos);
}

/* Move the keyboard focus to the row at pos too (GTK 4.8 has no call for
 * it: focusing the row's widget moves the list's cursor there). */
static gboolean
focus_row (PsCheckpointWindow *win, guint pos)
{
  for (GtkWidget *w = gtk_widget_get_first_child (win->tree_view); w;
       w = gtk_widget_get_next_sibling (w))
    {
      GtkWidget *child = gtk_widget_get_first_child (w);
      GtkTreeListRow *row;
      if (!GTK_IS_TREE_EXPANDER (child))
        continue;
      row = gtk_tree_expander_get_list_row (GTK_TREE_EXPANDER (child));
      if (row != NULL && gtk_tree_list_row_get_position (row) == pos)
        return gtk_widget_grab_focus (w);
    }
  return FALSE;
}

static void
move_to_position (PsCheckpointWindow *win, guint pos)
{
  select_position (win, pos);
  focus_row (win, pos);
}

static void
on_selection_changed (GtkSingleSelection *sel, GParamSpec *pspec, PsCheckpointWindow *win)
{
  GtkTreeListRow *row = gtk_single_selection_get_selected_item (sel);
  g_autoptr (PsCheckpointItem) item = row ? gtk_tree_list_row_get_item (row) : NULL;

  show_node (win, item ? ps_checkpoint_item_get_node (item) : NULL);
}

/* Enter or a double click on a group opens or closes it. */
static void
on_row_activated (GtkListView *view, guint position, PsCheckpointWindow *win)
{
  g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (win->tree_model, position);
  if (row && gtk_tree_list_row_is_expandable (row))
    gtk_tree_list_row_set_expanded (row, !gtk_tree_list_row_get_expanded (row));
}

/* Right opens a group (or goes to its first child), Left closes it (or goes
 * to the parent), as in every tree view. */
static gboolean
on_tree_key (GtkEventControllerKey *c, guint keyval, guint keycode, GdkModifierType state,
             PsCheckpointWindow *win)
{
  guint pos = selected_position (win);
  g_autoptr (GtkTreeListRow) row = NULL;
  gboolean rtl = gtk_widget_get_direction (win->tree_view) == GTK_TEXT_DIR_RTL;
  gboolean right = keyval == GDK_KEY_Right || keyval == GDK_KEY_KP_Right;
  gboolean left = keyval == GDK_KEY_Left || keyval == GDK_KEY_KP_Left;

  if ((!right && !left) || (state & (GDK_CONTROL_MASK | GDK_ALT_MASK))
      || pos == GTK_INVALID_LIST_POSITION)
    return FALSE;
  if (rtl)
    {
      gboolean t = right;
      right = left;
      left = t;
    }
  row = gtk_tree_list_model_get_row (win->tree_model, pos);
  if (row == NULL)
    return FALSE;
  if (right && gtk_tree_list_row_is_expandable (row))
    {
      if (!gtk_tree_list_row_get_expanded (row))
        gtk_tree_list_row_set_expanded (row, TRUE);
      else
        move_to_position (win, pos + 1);
      return TRUE;
    }
  if (left)
    {
      GtkTreeListRow *parent;
      if (gtk_tree_list_row_is_expandable (row) && gtk_tree_list_row_get_expanded (row))
        {
          gtk_tree_list_row_set_expanded (row, FALSE);
          return TRUE;
        }
      parent = gtk_tree_list_row_get_parent (row);
      if (parent != NULL)
        {
          move_to_position (win, gtk_tree_list_row_get_position (parent));
          g_object_unref (parent);
          return TRUE;
        }
    }
  return FALSE;
}

static void
rebuild_tree (PsCheckpointWindow *win)
{
  const PsCheckpointNode *root;
  GListModel *roots;
  guint n;

  if (win->ck == NULL)
    {
      gtk_single_selection_set_model (win->selection, NULL);
      win->tree_model = NULL;
      return;
    }
  root = ps_checkpoint_get_root (win->ck, win->order);
  roots = ps_checkpoint_item_list_children (win->ck, root);
  win->tree_model = gtk_tree_list_model_new (roots, FALSE, FALSE, create_children, NULL, NULL);
  gtk_single_selection_set_model (win->selection, G_LIST_MODEL (win->tree_model));
  g_object_unref (win->tree_model);         /* the selection holds it */
  /* a few top-level groups ("model", "lm_head"): open them */
  n = g_list_model_get_n_items (G_LIST_MODEL (win->tree_model));
  if (root->n_children <= 3)
    for (guint i = n; i-- > 0;)
      {
        g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (win->tree_model, i);
        if (gtk_tree_list_row_is_expandable (row))
          gtk_tree_list_row_set_expanded (row, TRUE);
      }
}

static void
update_titles (PsCheckpointWindow *win, const char *label)
{
  g_autofree char *base = label ? g_path_get_basename (label) : g_strdup ("ParamScope");
  g_autofree char *size = NULL, *sub = NULL, *summary = NULL;
  const PsCheckpointNode *root;

  gtk_window_set_title (GTK_WINDOW (win), base);
  gtk_label_set_text (GTK_LABEL (win->title_label), base);
  if (win->ck == NULL)
    {
      gtk_label_set_text (GTK_LABEL (win->subtitle_label), "");
      gtk_label_set_text (GTK_LABEL (win->summary_label), "");
      return;
    }
  root = ps_checkpoint_get_root (win->ck, win->order);
  size = g_format_size (ps_checkpoint_get_size (win->ck));
  sub = g_strdup_printf (g_dngettext (NULL, "%s · %u tensor", "%s · %u tensors", root->n_tensors),
                         size, root->n_tensors);
  gtk_label_set_text (GTK_LABEL (win->subtitle_label), sub);
  summary = describe_group (root);
  gtk_label_set_text (GTK_LABEL (win->summary_label), summary);
}

/* ---- public API ---------------------------------------------------------------- */

void
ps_checkpoint_window_set_checkpoint (PsCheckpointWindow *win, PsCheckpoint *ck, const char *label)
{
  g_return_if_fail (PS_IS_CHECKPOINT_WINDOW (win));

  ps_checkpoint_window_stats_cancel (win);
  if (ck != NULL)
    ps_checkpoint_ref (ck);
  show_node (win, NULL);
  ps_matrix_view_set_source (PS_MATRIX_VIEW (win->heatmap), NULL);
  g_clear_pointer (&win->ck, ps_checkpoint_unref);
  win->ck = ck;
  rebuild_tree (win);
  update_titles (win, label ? label : ck ? ps_checkpoint_get_label (ck) : NULL);
  show_node (win, NULL);
  /* the keyboard starts in the tree (not in a selectable message) */
  gtk_window_set_focus (GTK_WINDOW (win), win->tree_view);
}

gboolean
ps_checkpoint_window_open (PsCheckpointWindow *win, const char *path, GError **error)
{
  g_autoptr (PsCheckpoint) ck = NULL;
  GError *local = NULL;

  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), FALSE);
  g_return_val_if_fail (path != NULL, FALSE);

  ck = ps_checkpoint_open (path, &local);
  if (ck == NULL)
    {
      ps_checkpoint_window_set_checkpoint (win, NULL, path);
      show_placeholder (win, "dialog-error-symbolic", _("Cannot open this file"), local->message);
      g_propagate_error (error, local);
      return FALSE;
    }
  ps_checkpoint_window_set_checkpoint (win, ck, path);
  return TRUE;
}

PsCheckpoint *
ps_checkpoint_window_get_checkpoint (PsCheckpointWindow *win)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), NULL);
  return win->ck;
}

void
ps_checkpoint_window_set_order (PsCheckpointWindow *win, PsCheckpointOrder order)
{
  g_autofree char *key = NULL;

  g_return_if_fail (PS_IS_CHECKPOINT_WINDOW (win));
  if (order == win->order)
    return;
  win->order = order;
  key = g_strdup (win->selected_key);
  rebuild_tree (win);
  if (key != NULL)
    ps_checkpoint_window_select (win, key);
  g_action_group_change_action_state (G_ACTION_GROUP (win), "natural-order",
                                      g_variant_new_boolean (order == PS_CHECKPOINT_ORDER_NATURAL));
}

gboolean
ps_checkpoint_window_select (PsCheckpointWindow *win, const char *key)
{
  guint n;

  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), FALSE);
  g_return_val_if_fail (key != NULL, FALSE);

  if (win->tree_model == NULL || ps_checkpoint_find (win->ck, win->order, key) == NULL)
    return FALSE;
  n = g_list_model_get_n_items (G_LIST_MODEL (win->tree_model));
  for (guint i = 0; i < n; i++)
    {
      g_autoptr (GtkTreeListRow) row = gtk_tree_list_model_get_row (win->tree_model, i);
      g_autoptr (PsCheckpointItem) item = gtk_tree_list_row_get_item (row);
      const char *k = ps_checkpoint_item_get_node (item)->key;
      size_t len = strlen (k);

      if (strcmp (k, key) == 0)
        {
          select_position (win, i);
          return TRUE;
        }
      if (strncmp (key, k, len) == 0 && key[len] == '.')
        {
          gtk_tree_list_row_set_expanded (row, TRUE);
          n = g_list_model_get_n_items (G_LIST_MODEL (win->tree_model));
        }
    }
  return FALSE;
}

const char *
ps_checkpoint_window_get_selected_key (PsCheckpointWindow *win)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), NULL);
  return win->selected_key;
}

const PsCheckpointView *
ps_checkpoint_window_get_view (PsCheckpointWindow *win)
{
  g_return_val_if_fail (PS_IS_CHECKPOINT_WINDOW (win), NULL);
  return win->has_view ? &win->view : NULL;
}

GtkWidget *
ps_checkpoint_window_get_index_spin (PsCheckpointWindow *win, int axis)
{
  g_return_val_if_fail (axis >= 0 && axis < PS_SAFETENSORS_MAX_DIMS, NULL);
  return win->spins[axis];
}

const char *
ps_checkpoint_window_get_readout (PsCheckpointWindow *win)
{
  return win->readout_text ? win->readout_text : "";
}

/* ---- actions --------------------------------------------------------------------- */

static void
change_natural_order (GSimpleAction *action, GVariant *state, gpointer data)
{
  PsCheckpointWindow *win = data;
  g_simple_action_set_state (action, state);
  ps_checkpoint_window_set_order (win, g_variant_get_boolean (state) ? PS_CHECKPOINT_ORDER_NATURAL
                                                                     : PS_CHECKPOINT_ORDER_FILE);
}

static const GActionEntry win_entries[] = {
  { .name = "natural-order", .state = "true", .change_state = change_natural_order },
};

/* ---- GObject ------------------------------------------------------------------------ */

static void
ps_checkpoint_window_dispose (GObject *object)
{
  PsCheckpointWindow *win = PS_CHECKPOINT_WINDOW (object);

  ps_checkpoint_window_stats_cancel (win);
  g_clear_pointer (&win->ck, ps_checkpoint_unref);
  gtk_widget_dispose_template (GTK_WIDGET (win), PS_TYPE_CHECKPOINT_WINDOW);
  G_OBJECT_CLASS (ps_checkpoint_window_parent_class)->dispose (object);
}

static void
ps_checkpoint_window_finalize (GObject *object)
{
  PsCheckpointWindow *win = PS_CHECKPOINT_WINDOW (object);

  g_free (win->selected_key);
  g_free (win->readout_text);
  G_OBJECT_CLASS (ps_checkpoint_window_parent_class)->finalize (object);
}

#define BIND(name) gtk_widget_class_bind_template_child (wc, PsCheckpointWindow, name)

static void
ps_checkpoint_window_class_init (PsCheckpointWindowClass *klass)
{
  GObjectClass *oc = G_OBJECT_CLASS (klass);
  GtkWidgetClass *wc = GTK_WIDGET_CLASS (klass);
  static const char *const stat_ids[N_STATS] = {
    [STAT_DTYPE] = "stat_dtype", [STAT_SHAPE] = "stat_shape", [STAT_MEAN] = "stat_mean",
    [STAT_STD] = "stat_std", [STAT_MIN] = "stat_min", [STAT_MAX] = "stat_max",
  };

  oc->dispose = ps_checkpoint_window_dispose;
  oc->finalize = ps_checkpoint_window_finalize;
  gtk_widget_class_add_binding_action (wc, GDK_KEY_w, GDK_CONTROL_MASK, "window.close", NULL);

  g_type_ensure (PS_TYPE_MATRIX_VIEW);
  gtk_widget_class_set_template_from_resource (wc, "/org/paramscope/ParamScope/ps-checkpoint-window.ui");
  BIND (title_label);
  BIND (subtitle_label);
  BIND (selection);
  BIND (tree_view);
  BIND (summary_label);
  BIND (stack);
  BIND (place_icon);
  BIND (place_title);
  BIND (place_text);
  BIND (name_label);
  BIND (badge_label);
  BIND (info_label);
  BIND (picker);
  BIND (axes_note);
  BIND (row_dd);
  BIND (col_dd);
  BIND (picker_flow);
  BIND (heatmap);
  BIND (readout);
  BIND (zoom_reset);
  BIND (scope_dd);
  BIND (stats_button);
  BIND (stats_spinner);
  for (int i = 0; i < N_STATS; i++)
    gtk_widget_class_bind_template_child_full (wc, stat_ids[i], FALSE,
                                               G_STRUCT_OFFSET (PsCheckpointWindow,
                                                                stat_values[i]));
  gtk_widget_class_bind_template_callback (wc, setup_row);
  gtk_widget_class_bind_template_callback (wc, bind_row);
  gtk_widget_class_bind_template_callback (wc, on_selection_changed);
  gtk_widget_class_bind_template_callback (wc, on_row_activated);
  gtk_widget_class_bind_template_callback (wc, on_tree_key);
  gtk_widget_class_bind_template_callback (wc, on_axis_changed);
  gtk_widget_class_bind_template_callback (wc, on_cell_focused);
  gtk_widget_class_bind_template_callback (wc, on_zoom_reset);
  ps_checkpoint_window_stats_class_init (wc);
}

#undef BIND

static void
ps_checkpoint_window_init (PsCheckpointWindow *win)
{
  win->order = PS_CHECKPOINT_ORDER_NATURAL;
  gtk_widget_init_template (GTK_WIDGET (win));
  g_action_map_add_action_entries (G_ACTION_MAP (win), win_entries, G_N_ELEMENTS (win_entries),
                                   win);
  update_titles (win, NULL);
  show_placeholder (win, "view-grid-symbolic", _("No checkpoint"),
                    _("Open a .safetensors file to browse its tensors."));
  ps_checkpoint_window_stats_show (win);
}

PsCheckpointWindow *
ps_checkpoint_window_new (GtkApplication *app)
{
  return g_object_new (PS_TYPE_CHECKPOINT_WINDOW, "application", app, NULL);
}
