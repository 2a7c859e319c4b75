/* ps-watchdog.h — report a main loop that stops running (for tests)
 *
 * With PS_WATCHDOG_MS=N in the environment, a thread of its own checks that
 * the main context has run within the last N milliseconds, and, when it has
 * not although the main thread used more than N ms of CPU since (it was
 * working: a frame or a handler that long), or for 15 times N at all (it is
 * blocked), writes one line to stderr:
 *
 *   ParamScope-WATCHDOG: the main loop has not run for 2.3 s (2.1 s of it working)
 *
 * then where the main thread is (its stack, asked for with SIGUSR2; frames
 * of static functions as binary(+offset), for addr2line), and, when it
 * runs again, how long the stall lasted.  The window is then
 * not answering its user: a frame takes that long to draw.  CPU time, not
 * wall time alone: on a machine too loaded to run the process, the wait is
 * not the window's doing (the tests share two cores with other jobs).  The random-input
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
