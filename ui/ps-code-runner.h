/* ps-code-runner.h — the window's Python: runs console lines and notebook
 * cells off the main thread, one at a time, on the document's network
 *
 * One PsPy (ps-py.h) per window.  A job (a console line or a notebook cell)
 * runs in a worker thread while the document is busy (the mouse's commands
 * are refused, the views keep drawing); its printed text comes back to the
 * main thread as it is printed ("output").  When it ends, on the main thread:
 * the network the code built becomes the document's (ps_py_find_model), or
 * the parameters it changed are notified and the job is one undoable change
 * (ps_document_finish_code_change); then "job-finished".
 *
 *   PsCodeRunner *r = ps_code_runner_new (doc);
 *   g_signal_connect (r, "output", G_CALLBACK (on_output), view);
 *   guint id = ps_code_runner_run_source (r, "net[0].weight.data[0, 0] = 42", "<console>");
 *   ps_code_runner_stop (r);          // Escape: KeyboardInterrupt, the queue emptied
 *
 * The document's network is bound in the interpreter under its name (`net`)
 * whenever a file or an example replaces it, so the console works on what
 * the window shows.  The interpreter starts with `import torch`,
 * `from torch import nn` and `import math`.
 */
#pragma once

#include <glib-object.h>
#include "ps-document.h"
#include "ps-notebook.h"

G_BEGIN_DECLS

#define PS_TYPE_CODE_RUNNER (ps_code_runner_get_type ())
G_DECLARE_FINAL_TYPE (PsCodeRunner, ps_code_runner, PS, CODE_RUNNER, GObject)

PsCodeRunner *ps_code_runner_new         (PsDocument *doc);

/* Queue code; returns the job's id (> 0).  Signals, all on the main thread:
 *   "job-started"  (guint id)
 *   "output"       (guint id, const char *text)      what the code printed
 *   "job-finished" (guint id, gboolean ok, const char *result, const char *error)
 *                  result: the pretty form of the last expression (or NULL);
 *                  error: the traceback text (NULL when ok).  A job dropped
 *                  from the queue by Stop or Restart finishes with ok FALSE
 *                  and error NULL. */
guint         ps_code_runner_run_source  (PsCodeRunner *runner, const char *src, const char *name);
/* Code cell i of nb (borrowed: nb must live until the job finished); its
 * outputs are in nb after.  title names the network the cell builds. */
guint         ps_code_runner_run_cell    (PsCodeRunner *runner, PsNotebook *nb, guint i,
                                          const char *title);

gboolean      ps_code_runner_is_running  (PsCodeRunner *runner);   /* the "running" property */
/* Interrupt the running job (KeyboardInterrupt) and drop the queued ones. */
void          ps_code_runner_stop        (PsCodeRunner *runner);
/* Stop, then start a fresh interpreter (the document's network bound again). */
void          ps_code_runner_restart     (PsCodeRunner *runner);
/* The names completing the end of text (ps_py_complete); empty while code runs. */
char        **ps_code_runner_complete    (PsCodeRunner *runner, const char *text, gsize *start);
/* Seconds a job may run before it stops by itself (0: no limit; default 600). */
void          ps_code_runner_set_timeout (PsCodeRunner *runner, double seconds);

G_END_DECLS
