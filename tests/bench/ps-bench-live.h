/* ps-bench-live.h — `paramscope-bench live MODEL [--seconds S] [--batch B] [--bench-page N]` */
#pragma once

#include "ps-window.h"

G_BEGIN_DECLS

/* Measure headless training, then training with win showing it; prints the
 * figures and releases the application when done.  Returns non-zero (and
 * prints why) if it cannot start. */
int ps_bench_live_run (GtkApplication *app, PsWindow *win, const char *model_path,
                       double seconds, int batch, int bottom_page);

G_END_DECLS
