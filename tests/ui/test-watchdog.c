/* test-watchdog.c — the stall report the monkey fails on (ui/ps-watchdog.c):
 * a main thread that works past the limit without returning to its loop is
 * reported, with its stack; one that only waits (a machine too busy to run it, here a
 * sleep) is not, until 15 times the limit */
#include "ps-watchdog.h"

#include <gtk/gtk.h>
#include <time.h>

#define LIMIT_MS 300

static gint64
thread_cpu_us (void)
{
  struct timespec ts;
  clock_gettime (CLOCK_THREAD_CPUTIME_ID, &ts);
  return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
}

/* Start the watchdog and let its beat run once. */
static void
start (void)
{
  g_setenv ("PS_WATCHDOG_MS", G_STRINGIFY (LIMIT_MS), TRUE);
  ps_watchdog_start_from_env ();
  for (int i = 0; i < 3; i++)
    {
      g_usleep (50 * 1000);
      while (g_main_context_iteration (NULL, FALSE))
        ;
    }
}

static void
test_working_is_reported (void)
{
  if (g_test_subprocess ())
    {
      gint64 until;
      volatile double x = 0;

      start ();
      /* five times the limit of the main thread's own CPU time, away from its loop */
      until = thread_cpu_us () + 5 * LIMIT_MS * 1000;
      while (thread_cpu_us () < until)
        x += 1;
      /* the watchdog's thread samples eight times per limit: let it see the end too */
      g_usleep (LIMIT_MS * 1000);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr ("*ParamScope-WATCHDOG: the main loop has not run for *s of it working)*");
  /* and where: the main thread's stack, from the busy loop of this program */
  g_test_trap_assert_stderr ("*ParamScope-WATCHDOG: the main thread is at\n*test-watchdog(*");
}

static void
test_waiting_is_not_reported (void)
{
  if (g_test_subprocess ())
    {
      start ();
      /* three times the limit, asleep: not the window's work */
      g_usleep (3 * LIMIT_MS * 1000);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_passed ();
  g_test_trap_assert_stderr_unmatched ("*WATCHDOG*");
}

/* A warning while the watchdog runs comes with the stack it was logged
 * from: the monkey's report then shows what led there. */
static void
test_warning_has_its_stack (void)
{
  if (g_test_subprocess ())
    {
      start ();
      g_warning ("a warning for the test");
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_stderr ("*a warning for the test*ParamScope-STACK: logged from\n*test-watchdog(*");
}

/* GTK's warnings that name a widget only by address ("Broken accounting
 * of active state for widget 0x...(GtkButton)") are followed by which
 * widget that is: its chain of parents, a button's label, a tooltip. */
static void
test_warning_names_its_widget (void)
{
  if (g_test_subprocess ())
    {
      GtkWidget *box, *button, *icon;

      g_log_set_always_fatal (G_LOG_FATAL_MASK);   /* both warnings, not the first only */
      gtk_init ();
      start ();
      box = gtk_box_new (GTK_ORIENTATION_VERTICAL, 0);
      gtk_widget_set_name (box, "train-panel");
      button = gtk_button_new_with_label ("Train");
      icon = gtk_button_new_from_icon_name ("edit-undo-symbolic");
      gtk_widget_set_tooltip_text (icon, "Undo");
      gtk_box_append (GTK_BOX (box), button);
      gtk_box_append (GTK_BOX (box), icon);
      g_object_ref_sink (box);
      g_warning ("Broken accounting of active state for widget %p(%s)", (void *) button,
                 G_OBJECT_TYPE_NAME (button));
      g_warning ("Broken accounting of active state for widget %p(%s)", (void *) icon,
                 G_OBJECT_TYPE_NAME (icon));
      g_object_unref (box);
      return;
    }
  g_test_trap_subprocess (NULL, 60 * G_USEC_PER_SEC, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_stderr ("*ParamScope-WIDGET: GtkButton 'Train' [unmapped] < GtkBox #train-panel [unmapped]\n"
                             "*ParamScope-WIDGET: GtkButton (tip 'Undo') [unmapped] < GtkBox #train-panel*");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/watchdog/working-is-reported", test_working_is_reported);
  g_test_add_func ("/watchdog/waiting-is-not-reported", test_waiting_is_not_reported);
  g_test_add_func ("/watchdog/warning-has-its-stack", test_warning_has_its_stack);
  g_test_add_func ("/watchdog/warning-names-its-widget", test_warning_names_its_widget);
  return g_test_run ();
}
