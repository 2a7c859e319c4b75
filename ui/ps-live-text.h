/* ps-live-text.h — text that changes every frame, without a new layout
 *
 * A running step count, live statistics.  A GtkLabel asks for a new layout
 * of the whole window each time its text changes -- on X11 that costs the
 * toplevel a size computation with round trips to the server -- so the
 * text is drawn by a GtkInscription, whose size follows its number of
 * lines only: a new text of as many lines is just redrawn.  The widget
 * carries the accessible name and role (set them as for any widget, e.g.
 * in a template); its description follows the text at most twice a second
 * (the inscription itself is presentation only, as it would make every
 * new text its name).
 *
 *   <object class="PsLiveText" id="stats">
 *     <property name="accessible-role">group</property>
 *     <accessibility><property name="label" translatable="yes">Statistics</property></accessibility>
 *   </object>
 *   ps_live_text_set_markup (PS_LIVE_TEXT (stats), "<b>Values</b>\nmean 0.1");
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_LIVE_TEXT (ps_live_text_get_type ())
G_DECLARE_FINAL_TYPE (PsLiveText, ps_live_text, PS, LIVE_TEXT, GtkWidget)

GtkWidget  *ps_live_text_new        (const char *accessible_name, GtkAccessibleRole role);
/* Pango markup; a final newline opens no line.  The same text again does
 * nothing. */
void        ps_live_text_set_markup (PsLiveText *t, const char *markup);
const char *ps_live_text_get_text   (PsLiveText *t);   /* without markup; never NULL */

G_END_DECLS
