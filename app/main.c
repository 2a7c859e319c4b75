/* paramscope — the window.  See ui/ps-application.c. */
#include "ps-application.h"
#include "ps-ui-util.h"

#include <glib/gi18n.h>
#include <locale.h>

int
main (int argc, char **argv)
{
  g_autoptr (PsApplication) app = NULL;

  /* without a GPU, GL would run in software: cairo then (see ps-ui-util.h) */
  ps_ui_choose_renderer ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("ParamScope");
  app = ps_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
