/* fuzz-common.h — shared setup of the libFuzzer targets
 *
 * Every GLib warning or critical (a g_return_if_fail that fired, say) is made
 * fatal, so a precondition violated by malformed input is reported as a crash
 * instead of scrolling by.  Parsing errors are ordinary GErrors and are freed.
 */
#pragma once

#include <glib.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);
int LLVMFuzzerInitialize (int *argc, char ***argv);

static inline void
fuzz_common_init (void)
{
  g_setenv ("OPENBLAS_NUM_THREADS", "1", TRUE);
  /* stay well within libFuzzer's -rss_limit_mb=2048: a model may declare at
   * most 1 GiB of parameters (the default budget is 4 GiB) */
  g_setenv ("PARAMSCOPE_MAX_PARAM_GIB", "1", FALSE);
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR);
  g_log_set_fatal_mask ("ParamScope", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR);
  g_log_set_fatal_mask ("GLib", G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING | G_LOG_LEVEL_ERROR);
}
