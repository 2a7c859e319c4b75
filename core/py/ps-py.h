/* ps-py.h — ParamScope's Python: run code and get what Python prints
 *
 * An interpreter for the subset of Python that the lesson's cells use
 * (statements, functions, classes, comprehensions, f-strings, the builtins,
 * math and collections; the torch bindings plug in with py_register_module).
 * The code is untrusted: it cannot reach files, the network or processes,
 * and budgets stop it (time, recursion, memory, an interrupt flag).
 *
 *   PsPy *py = ps_py_new ();
 *   ps_py_set_output (py, write_stdout, NULL);         // what print() writes
 *   char *shown = NULL;
 *   PsPyError *err = NULL;
 *   if (!ps_py_run (py, "x = 2\nx * 21", -1, "<cell 1>", &shown, &err))
 *     g_printerr ("%s: %s\n", err->ename, err->evalue), ps_py_error_free (err);
 *   // shown is "42": IPython's pretty form of the last expression's value
 *   ps_py_free (py);
 *
 * One PsPy is one namespace; run cells in order with it.  It is used from
 * one thread at a time; ps_py_interrupt() may be called from any thread.
 * Integers are 64-bit: overflow is an OverflowError, not a big int.
 */
#pragma once

#include <glib.h>

#include "ps-module.h"
#include "ps-rng.h"

G_BEGIN_DECLS

typedef struct _PsPy PsPy;

typedef void (*PsPyWriteFunc) (const char *text, gsize len, gpointer user_data);

/* An exception that stopped the code, as Python names it. */
typedef struct {
  char  *ename;               /* "ZeroDivisionError" */
  char  *evalue;              /* "division by zero" (str(e)) */
  char **traceback;           /* lines: "Traceback ...", "  <cell 2>:3:5 in f", ..., "ename: evalue" */
  char  *file;                /* where it happened (innermost): "<cell 2>" */
  int    line, col;           /* 1-based */
} PsPyError;

PsPy    *ps_py_new          (void);
void     ps_py_free         (PsPy *py);

void     ps_py_set_output   (PsPy *py, PsPyWriteFunc func, gpointer user_data);
/* The time budget of each ps_py_run (0: none; default 60 s). */
void     ps_py_set_timeout  (PsPy *py, double seconds);
/* The memory budget of the interpreter's objects (default 1 GiB). */
void     ps_py_set_memory_cap (PsPy *py, gsize bytes);
/* torch.manual_seed(seed) (before it, the generator starts from PyTorch's default seed). */
void     ps_py_manual_seed  (PsPy *py, guint64 seed);
/* Stop the running code at its next step with KeyboardInterrupt (any thread). */
void     ps_py_interrupt    (PsPy *py);

/* Run src (a cell or a whole file, named filename in errors).  result_text
 * (optional) receives the pretty form of the value of the last statement when
 * it is an expression whose value is not None, else NULL.  FALSE with *error
 * (optional) when an exception stopped the code; what ran before it stays done. */
gboolean ps_py_run          (PsPy *py, const char *src, gssize len, const char *filename,
                             char **result_text, PsPyError **error);

void     ps_py_error_free   (PsPyError *error);
/* The traceback as one text, lines joined by newlines (ends with one). */
char    *ps_py_error_format (const PsPyError *error);

/* The network the code built, for the window: the module bound to `net`,
 * else the last name bound to a built-in module at top level (in the order
 * names were first bound, as a model file's).  NULL if none (a user's
 * nn.Module subclass is not a PsModule yet).  name_out receives its name. */
PsModule *ps_py_find_model  (PsPy *py, char **name_out);
/* Record the forward() of m's modules of user classes for the tape
 * (ps_py_find_model does it too, silently): FALSE and *message (free it)
 * saying why when one cannot be recorded. */
gboolean  ps_py_record_forwards (PsPy *py, PsModule *m, char **message);
/* The interpreter's generator (torch.manual_seed's), borrowed. */
PsRng    *ps_py_get_rng (PsPy *py);
/* TRUE when the text defines a class: ps_model_parse builds such a file here. */
gboolean  ps_py_text_defines_class (const char *text, gssize len);
/* ps_py_build_model drawing from rng (NULL: PyTorch's default seed), which
 * continues after the model's draws. */
PsModule *ps_py_build_model_rng (const char *text, gssize len, const char *filename, PsRng *rng,
                                 char **name_out, GError **error);

/* Bind name at top level to m (a network the window opened), as if the
 * code had built it: the same PsModule, so the code's changes are the
 * window's.  Run it while no code runs. */
void      ps_py_bind_module (PsPy *py, const char *name, PsModule *m);

/* Tab completion of the name or attribute that ends text (the text before
 * the cursor): the names that complete it, sorted, NULL-terminated (empty
 * when none); *start receives the byte offset in text of the part they
 * replace.  Only names, attributes and integer indexes of modules are
 * looked at (nothing is called).  Run it while no code runs. */
char    **ps_py_complete    (PsPy *py, const char *text, gsize *start);
/* TRUE if the text imports tensorflow or keras (a line `import keras`, `from tensorflow ...`). */
gboolean  ps_py_text_uses_keras (const char *text, gssize len);
/* Run text in a new interpreter (generator seeded with seed, 10 s budget)
 * and return the network it built (ps_py_find_model); an error names the
 * file, line and exception.  How a Keras model file opens in the window. */
PsModule *ps_py_build_model (const char *text, gssize len, const char *filename, guint64 seed,
                             char **name_out, GError **error);

/* The embedding's own data (a binding's state); not freed by ps_py_free. */
void     ps_py_set_user_data (PsPy *py, gpointer data);
gpointer ps_py_get_user_data (PsPy *py);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsPy, ps_py_free)
G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsPyError, ps_py_error_free)

G_END_DECLS
