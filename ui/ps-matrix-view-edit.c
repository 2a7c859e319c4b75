/* ps-matrix-view-edit.c — typing a value into a cell of PsMatrixView
 *
 * A popover with an entry (and an error line under it when needed) points
 * at the cell.  A committed value goes to "edit-requested" or the source
 * (ps_matrix_view_request_edit); a failure is shown in the popover, which
 * stays open with what was typed.
 */
#include "ps-matrix-view-private.h"

#include <errno.h>
#include <glib/gi18n.h>
#include <math.h>
#include <string.h>

gboolean
ps_matrix_view_parse_value (const char *text, float *out)
{
  g_autofree char *s = NULL;
  char *end = NULL, *p;
  double d;

  g_return_val_if_fail (out != NULL, FALSE);

  if (text == NULL)
    return FALSE;
  s = g_strstrip (g_strdup (text));
  /* accept the typographic minus that tooltips and labels show */
  if (g_str_has_prefix (s, "\u2212"))
    {
      char *t = g_strconcat ("-", s + strlen ("\u2212"), NULL);
      g_free (s);
      s = t;
    }
  if (*s == '\0')
    return FALSE;
  /* g_ascii_strtod also reads "nan", "inf" and hex floats: only finite
   * decimal numbers are values a user means to type */
  for (p = s; *p; p++)
    if (!strchr ("0123456789+-.eE", *p))
      return FALSE;
  errno = 0;
  d = g_ascii_strtod (s, &end);
  if (end == s || *end != '\0' || !isfinite (d) || fabs (d) > G_MAXFLOAT)
    return FALSE;
  *out = (float) d;
  return TRUE;
}

/* The shortest text that reads back as the same float, for the entry. */
static char *
format_editable (float x)
{
  char buf[G_ASCII_DTOSTR_BUF_SIZE];
  for (int digits = 6; digits <= 9; digits++)
    {
      char fmt[8];
      g_snprintf (fmt, sizeof fmt, "%%.%dg", digits);
      g_ascii_formatd (buf, sizeof buf, fmt, x);
      if ((float) g_ascii_strtod (buf, NULL) == x)
        break;
    }
  return g_strdup (buf);
}

static void
edit_clear_error (PsMatrixView *v)
{
  gtk_widget_remove_css_class (v->entry, "error");
  gtk_widget_set_visible (v->error_label, FALSE);
  gtk_accessible_reset_state (GTK_ACCESSIBLE (v->entry), GTK_ACCESSIBLE_STATE_INVALID);
}

static void
edit_set_error (PsMatrixView *v, const char *message)
{
  gtk_widget_add_css_class (v->entry, "error");
  gtk_label_set_text (GTK_LABEL (v->error_label), message);
  gtk_widget_set_visible (v->error_label, TRUE);
  gtk_accessible_update_state (GTK_ACCESSIBLE (v->entry),
                               GTK_ACCESSIBLE_STATE_INVALID, GTK_ACCESSIBLE_INVALID_TRUE, -1);
  v->error_shown = TRUE;
}

/* Point the popover at the cell being edited (within the widget). */
static void
edit_point_at (PsMatrixView *v)
{
  graphene_rect_t r;
  GdkRectangle gr;
  int w = gtk_widget_get_width (GTK_WIDGET (v)), h = gtk_widget_get_height (GTK_WIDGET (v));

  ps_matrix_view_cell_rect (v, v->edit_row, v->edit_col, &r);
  gr.x = (int) CLAMP (floor (r.origin.x), 0, MAX (0, w - 1));
  gr.y = (int) CLAMP (floor (r.origin.y), 0, MAX (0, h - 1));
  gr.width = (int) CLAMP (ceil (r.size.width), 1, MAX (1, w - gr.x));
  gr.height = (int) CLAMP (ceil (r.size.height), 1, MAX (1, h - gr.y));
  gtk_popover_set_pointing_to (GTK_POPOVER (v->popover), &gr);
}

static gboolean
edit_cell_valid (PsMatrixView *v, int64_t row, int64_t col)
{
  PsMatrixShape shape;
  return ps_matrix_view_get_shape (v, &shape) && row >= 0 && col >= 0 && row < shape.rows
         && col < shape.cols;
}

gboolean
ps_matrix_view_begin_edit_with (PsMatrixView *v, int64_t row, int64_t col, const char *initial)
{
  double value;

  if (!v->editable || v->source == NULL || !ps_matrix_source_is_editable (v->source)
      || !edit_cell_valid (v, row, col) || !ps_matrix_source_get_value (v->source, row, col, &value))
    return FALSE;

  ps_matrix_view_set_selected (v, row, col);
  ps_matrix_view_scroll_to (v, row, col);
  v->edit_row = row;
  v->edit_col = col;
  v->editing = TRUE;
  v->error_shown = FALSE;

  if (initial != NULL)
    gtk_editable_set_text (GTK_EDITABLE (v->entry), initial);
  else
    {
      g_autofree char *text = format_editable ((float) value);
      gtk_editable_set_text (GTK_EDITABLE (v->entry), text);
    }
  edit_clear_error (v);
  edit_point_at (v);
  gtk_popover_popup (GTK_POPOVER (v->popover));
  gtk_widget_grab_focus (v->entry);
  if (initial != NULL)
    gtk_editable_set_position (GTK_EDITABLE (v->entry), -1);
  else
    gtk_editable_select_region (GTK_EDITABLE (v->entry), 0, -1);
  return TRUE;
}

gboolean
ps_matrix_view_begin_edit (PsMatrixView *v, int64_t row, int64_t col)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  return ps_matrix_view_begin_edit_with (v, row, col, NULL);
}

gboolean
ps_matrix_view_commit_text (PsMatrixView *v, const char *text)
{
  float value;

  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  g_return_val_if_fail (v->editing, FALSE);

  if (!edit_cell_valid (v, v->edit_row, v->edit_col))
    {
      /* the matrix changed shape under the popover */
      ps_matrix_view_cancel_edit (v);
      return FALSE;
    }
  /* called directly (tests, scripts): show what is being committed */
  if (g_strcmp0 (gtk_editable_get_text (GTK_EDITABLE (v->entry)), text) != 0)
    gtk_editable_set_text (GTK_EDITABLE (v->entry), text ? text : "");
  if (!ps_matrix_view_parse_value (text, &value))
    {
      edit_set_error (v, _("not a finite number"));
      return FALSE;
    }

  /* If the edit fails, show_error() is called during it, and the popover
   * stays open with the message. */
  v->error_shown = FALSE;
  ps_matrix_view_request_edit (v, v->edit_row, v->edit_col, value);
  if (!v->error_shown)
    gtk_popover_popdown (GTK_POPOVER (v->popover));
  return TRUE;
}

void
ps_matrix_view_cancel_edit (PsMatrixView *v)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  if (v->popover != NULL && gtk_widget_get_visible (v->popover))
    gtk_popover_popdown (GTK_POPOVER (v->popover));
  v->editing = FALSE;
}

gboolean
ps_matrix_view_is_editing (PsMatrixView *v)
{
  g_return_val_if_fail (PS_IS_MATRIX_VIEW (v), FALSE);
  return v->editing;
}

void
ps_matrix_view_show_error (PsMatrixView *v, const char *message)
{
  g_return_if_fail (PS_IS_MATRIX_VIEW (v));
  g_return_if_fail (message != NULL);

  if (!v->editing)
    {
      /* reported after the popover closed: reopen it on the same cell, with
       * the text that was typed */
      if (v->popover == NULL || !edit_cell_valid (v, v->edit_row, v->edit_col))
        return;
      v->editing = TRUE;
      edit_point_at (v);
      gtk_popover_popup (GTK_POPOVER (v->popover));
      gtk_widget_grab_focus (v->entry);
    }
  edit_set_error (v, message);
}

static void
on_entry_activate (GtkEntry *entry, PsMatrixView *v)
{
  ps_matrix_view_commit_text (v, gtk_editable_get_text (GTK_EDITABLE (entry)));
}

static void
on_entry_changed (GtkEditable *editable, PsMatrixView *v)
{
  if (v->error_shown)
    {
      edit_clear_error (v);
      v->error_shown = FALSE;
    }
}

static void
on_popover_closed (GtkPopover *popover, PsMatrixView *v)
{
  GtkRoot *root = gtk_widget_get_root (GTK_WIDGET (v));
  GtkWidget *focus = root ? gtk_root_get_focus (root) : NULL;

  v->editing = FALSE;
  /* Escape or Enter: back to the cells, for the next arrow key.  A click
   * elsewhere closed it: leave the focus where the click put it. */
  if (gtk_widget_get_mapped (GTK_WIDGET (v))
      && (focus == NULL || gtk_widget_is_ancestor (focus, GTK_WIDGET (popover))))
    gtk_widget_grab_focus (GTK_WIDGET (v));
}

void
ps_matrix_view_edit_allocate (PsMatrixView *v)
{
  if (v->popover == NULL)
    return;
  if (v->editing)
    edit_point_at (v);
  gtk_popover_present (GTK_POPOVER (v->popover));
}

void
ps_matrix_view_edit_dispose (PsMatrixView *v)
{
  g_clear_pointer (&v->popover, gtk_widget_unparent);
  v->entry = v->error_label = NULL;
  v->editing = FALSE;
}

void
ps_matrix_view_edit_init (PsMatrixView *v)
{
  GtkWidget *box;

  v->popover = gtk_popover_new ();
  gtk_widget_set_parent (v->popover, GTK_WIDGET (v));
  gtk_popover_set_position (GTK_POPOVER (v->popover), GTK_POS_BOTTOM);
  box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 4);
  v->entry = gtk_entry_new ();
  gtk_editable_set_width_chars (GTK_EDITABLE (v->entry), 14);
  gtk_entry_set_input_purpose (GTK_ENTRY (v->entry), GTK_INPUT_PURPOSE_NUMBER);
  gtk_accessible_update_property (GTK_ACCESSIBLE (v->entry),
                                  GTK_ACCESSIBLE_PROPERTY_LABEL, _("New value"), -1);
  g_signal_connect (v->entry, "activate", G_CALLBACK (on_entry_activate), v);
  g_signal_connect (v->entry, "changed", G_CALLBACK (on_entry_changed), v);
  v->error_label = gtk_label_new (NULL);
  gtk_label_set_xalign (GTK_LABEL (v->error_label), 0);
  gtk_label_set_wrap (GTK_LABEL (v->error_label), TRUE);
  gtk_label_set_max_width_chars (GTK_LABEL (v->error_label), 30);
  gtk_widget_add_css_class (v->error_label, "error");
  gtk_widget_add_css_class (v->error_label, "caption");
  gtk_widget_set_visible (v->error_label, FALSE);
  gtk_accessible_update_relation (GTK_ACCESSIBLE (v->entry),
                                  GTK_ACCESSIBLE_RELATION_DESCRIBED_BY, v->error_label, NULL, -1);
  gtk_box_append (GTK_BOX (box), v->entry);
  gtk_box_append (GTK_BOX (box), v->error_label);
  gtk_popover_set_child (GTK_POPOVER (v->popover), box);
  g_signal_connect (v->popover, "closed", G_CALLBACK (on_popover_closed), v);
}
