/* ps-helper.h — one helper thread that core kernels share to split a job in two
 *
 *   if (ps_helper_claim ()) { ps_helper_start (fn, half); other half here; ps_helper_wait (); }
 *   else { both halves here }
 * or, with ps_helper_join instead of ps_helper_wait, the caller does the
 * helper's half itself when the thread has not begun it.
 *
 * The thread is started on first use and kept, so a steady state creates
 * nothing.  A caller that finds it busy (another thread has claimed it), or
 * a forked child (which has no such thread), does the work alone.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* TRUE: the helper is the caller's until ps_helper_wait. */
gboolean ps_helper_claim (void);
/* run fn (data) on the claimed helper */
void     ps_helper_start (void (*fn) (gpointer data), gpointer data);
/* wait for the job started, and release the helper */
void     ps_helper_wait  (void);
/* release the helper: FALSE when it had not begun the job, which is then
 * withdrawn for the caller to do (on a busy machine the thread may not have
 * been scheduled yet); TRUE when it has done it */
gboolean ps_helper_join  (void);

/* fn (0, n / 2) here and fn (n / 2, n) on the helper when n >= min_n and
 * the helper is free, else fn (0, n) here: for loops whose iterations are
 * independent (each result the same however the range is cut). */
void     ps_helper_split (int64_t n, int64_t min_n,
                          void (*fn) (int64_t begin, int64_t end, gpointer data),
                          gpointer data);

G_END_DECLS
