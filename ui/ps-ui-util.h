/* ps-ui-util.h — small helpers shared by the widgets */
#pragma once

#include <gtk/gtk.h>
#include "paramscope.h"

G_BEGIN_DECLS

typedef void (*PsChangeFunc) (GObject *object, PsChange what);

/* Call fn (object, what) now if this is the owner thread, else on the main
 * context (GTK is only touched from the thread that owns the widget); a
 * widget finalized in between is not called. */
void ps_ui_dispatch_change (GObject *object, GThread *owner, PsChangeFunc fn, PsChange what);

/* For the dispose of a widget built from a template of widget_type:
 * gtk_widget_dispose_template, then the children the template did not
 * name are unparented too. */
void ps_ui_dispose_template (GtkWidget *widget, GType widget_type);

/* gtk_widget_set_sensitive (w, sensitive), but a keyboard focus inside a w
 * that becomes insensitive first moves to fallback (when it can take it)
 * or off the window: a focused text field made insensitive in place never
 * gets its focus-out, and GTK warns "GtkText - did not receive a focus-out
 * event" when its cursor next blinks. */
void ps_ui_set_sensitive (GtkWidget *w, gboolean sensitive, GtkWidget *fallback);

/* Without a GPU device, GTK's GL renderer runs in software (llvmpipe) on
 * the same cores as training; the cairo renderer redraws only what changed
 * and keeps the live views smooth.  Choose it then (GSK_RENDERER), unless
 * the user chose a renderer.  Call before GTK starts. */
void        ps_ui_choose_renderer      (void);

/* ParamScope's style sheet (style.css) on the default display, once: the
 * application at startup, and any window made without it (tests). */
void        ps_ui_load_style           (void);

/* gtk_label_set_markup for a label that is selectable: GTK 4.8 drops the
 * markup's attributes (<tt>, <b>) outside a selection and for good once
 * it is cleared, so the text and its attributes are set apart (the
 * label's own attributes stay); any selection goes with the old text.
 * Markup that does not parse is shown as plain text. */
void        ps_ui_label_set_markup     (GtkLabel *label, const char *markup);

/* The rows of a GtkTreeListModel in a list view: for a signal factory's
 * "setup", a GtkTreeExpander holding row (the row's own widget); for its
 * "bind", the expander follows the item's GtkTreeListRow, and the call
 * returns the row widget given at setup, the expander (the element a
 * screen reader reads, which the row labels) in *expander, and the tree's
 * item in *node, a new reference. */
void        ps_ui_tree_row_setup       (GtkListItem *item, GtkWidget *row);
GtkWidget  *ps_ui_tree_row_bind        (GtkListItem *item, GtkWidget **expander, gpointer *node);

G_END_DECLS
