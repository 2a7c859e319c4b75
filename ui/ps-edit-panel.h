/* ps-edit-panel.h — the Edit panel: a value to write into the selection
 *
 * The value field and the buttons of the window's action win.edit: add it
 * to every element (data[:] += v), set the heatmap's selected cell
 * (data[r, c] = v), fill (data.fill_(v)).  Built from ps-edit-panel.ui.
 *
 *   float v;
 *   if (ps_edit_panel_get_value (panel, &v)) ps_document_fill (doc, param, v, &error);
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_EDIT_PANEL (ps_edit_panel_get_type ())
G_DECLARE_FINAL_TYPE (PsEditPanel, ps_edit_panel, PS, EDIT_PANEL, GtkWidget)

GtkWidget *ps_edit_panel_new       (void);
/* The value as typed, read as a heatmap cell reads one: FALSE (and the
 * field marked as an error until a good value is read) when it is not a
 * finite number. */
gboolean   ps_edit_panel_get_value (PsEditPanel *p, float *value);

G_END_DECLS
