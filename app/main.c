/* paramscope — the window.  See ui/ps-application.c. */
#include "ps-application.h"
#include "ps-watchdog.h"

#include <glib/gi18n.h>
#include <locale.h>

/* Without a GPU device, GTK's GL renderer runs in software (llvmpipe) on
 * the same cores as training, and a frame of the main window costs it
 * 100-400 ms; the cairo renderer redraws only what changed and keeps the
 * live views smooth.  Use it then, unless the user chose a renderer. */
static void
choose_renderer (void)
{
  g_autoptr (GDir) dri = NULL;
  const char *name;

  if (g_getenv ("GSK_RENDERER"))
    return;
  dri = g_dir_open ("/dev/dri", 0, NULL);
  while (dri && (name = g_dir_read_name (dri)))
    if (g_str_has_prefix (name, "renderD"))
      return;
  g_setenv ("GSK_RENDERER", "cairo", FALSE);
}

int
main (int argc, char **argv)
{
  g_autoptr (PsApplication) app = NULL;

  choose_renderer ();
  ps_watchdog_start_from_env ();
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, LOCALEDIR);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
  g_set_application_name ("ParamScope");
  app = ps_application_new ();
  return g_application_run (G_APPLICATION (app), argc, argv);
}
