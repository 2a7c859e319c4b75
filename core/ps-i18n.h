/* ps-i18n.h — translated messages in core, through GLib alone (no GTK)
 *
 * Core's messages (errors, the trainer's fault texts) are marked with _()
 * and looked up in the application's catalogue (po/, domain "paramscope")
 * with g_dgettext: the window binds the domain to its locale folder and
 * shows them in the user's language.  A program that never calls
 * setlocale() (the tests, paramscope-cli under LANG=C) gets the English
 * text unchanged.  N_() marks a text translated later, where it is shown.
 *
 *   #include "ps-i18n.h"
 *   g_set_error (error, PS_ERROR, PS_ERROR_VALUE, _("the loss is %s"), text);
 */
#pragma once

#ifndef GETTEXT_PACKAGE
#define GETTEXT_PACKAGE "paramscope"      /* meson.project_name(), as ui/ defines it */
#endif
#include <glib/gi18n-lib.h>
