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

/* Panel building blocks: a bold heading, a control with its label on the
 * left (mnemonic, xalign 0), a spin button with an accessible name. */
GtkWidget *ps_ui_section  (const char *title);
GtkWidget *ps_ui_labelled (const char *text, GtkWidget *w);
GtkWidget *ps_ui_spin     (double lo, double hi, double step, double value, int digits,
                           const char *a11y);

/* Text that changes every frame (a running step count, live statistics).
 * A GtkLabel asks for a new layout of the whole window each time its text
 * changes -- on X11 that costs the toplevel a size computation with round
 * trips to the server -- so these are GtkInscriptions, whose size follows
 * their number of lines only: a new text of as many lines is just redrawn.
 * The widget is a box holding the inscription: it carries the accessible
 * name and role, and its description follows the text at most twice a
 * second (the inscription itself is presentation only, as it would make
 * every new text its name). */
GtkWidget  *ps_ui_live_text_new        (const char *accessible_name, GtkAccessibleRole role);
void        ps_ui_live_text_set_markup (GtkWidget *w, const char *markup);
const char *ps_ui_live_text_get_text   (GtkWidget *w);

/* Without a GPU device, GTK's GL renderer runs in software (llvmpipe) on
 * the same cores as training; the cairo renderer redraws only what changed
 * and keeps the live views smooth.  Choose it then (GSK_RENDERER), unless
 * the user chose a renderer.  Call before GTK starts. */
void        ps_ui_choose_renderer      (void);

G_END_DECLS
