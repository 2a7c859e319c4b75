/* paramscope — the window.  See ui/ps-application.c. */
#include "ps-application.h"
#include "ps-ui-util.h"
#include "ps-watchdog.h"

int
main (int argc, char **argv)
{
  g_autoptr (PsApplication) app = NULL;

  /* without a GPU, GL would run in software: cairo then (see ps-ui-util.h) */
  ps_ui_choose_renderer ();
  ps_watchdog_start_from_env ();
  ps_application_setup_locale ();
  g_set_application_name ("ParamScope");
  app = ps_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
