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

G_END_DECLS
