/* ps-application.h — the GtkApplication: actions, accelerators, windows */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_APPLICATION_ID "org.paramscope.ParamScope"
#define PS_TYPE_APPLICATION (ps_application_get_type ())
G_DECLARE_FINAL_TYPE (PsApplication, ps_application, PS, APPLICATION, GtkApplication)

PsApplication *ps_application_new          (void);
/* The locale from the environment and the translations from where
 * ps_paths_get() finds them (installed, or the build tree's): call it
 * first in main(). */
void           ps_application_setup_locale (void);

G_END_DECLS
