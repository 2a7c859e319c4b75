/* ps-console.h — the Console under the views: type Python, see what it prints
 *
 * An entry (">>>", "..." while a block is open) and the text above it: each
 * line typed, what it printed, its value or its error.  Up/Down walk the
 * history, Tab completes names and attributes (ps_code_runner_complete).
 * The document's "code" signal writes the PyTorch code of each mouse
 * command here too, so a student sees the code and can copy it.  Built
 * from ps-console.ui.
 *
 *   ps_console_set_runner (console, runner, doc);
 *   ps_console_submit (console, "net[0].weight.data[0, 0] = 42");
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-code-runner.h"

G_BEGIN_DECLS

#define PS_TYPE_CONSOLE (ps_console_get_type ())
G_DECLARE_FINAL_TYPE (PsConsole, ps_console, PS, CONSOLE, GtkWidget)

void        ps_console_set_runner (PsConsole *console, PsCodeRunner *runner, PsDocument *doc);
/* As if line was typed and Enter pressed. */
void        ps_console_submit     (PsConsole *console, const char *line);
/* Show code that the window ran for the user (not run again). */
void        ps_console_show_code  (PsConsole *console, const char *code);
/* All the text shown (for tests); caller frees. */
char       *ps_console_get_text   (PsConsole *console);

G_END_DECLS
