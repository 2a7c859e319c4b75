/* ps-watchdog.h — report a main loop that stops running (for tests)
 *
 * With PS_WATCHDOG_MS=N in the environment, a thread of its own checks that
 * the main context has run within the last N milliseconds, and, when it has
 * not, writes one line to stderr:
 *
 *   ParamScope-WATCHDOG: the main loop has not run for 2.3 s
 *
 * and, when it runs again, how long the stall lasted.  The window is then
 * not answering its user: a frame takes that long to draw.  The random-input
 * test (scripts/monkey.sh) fails on such a line.  Without the variable, it
 * does nothing.
 *
 *   ps_watchdog_start_from_env ();   // in main(), before the main loop runs
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void ps_watchdog_start_from_env (void);

G_END_DECLS
