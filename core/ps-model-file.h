/* ps-model-file.h — model files: a small subset of Python, and PyTorch's repr
 *
 * A model file is a Python program that builds a network with torch.nn; the
 * subset is described in DESIGN.md ("Model files").  The lesson's cells paste
 * in unchanged:
 *
 *   g_autoptr (PsModule) net = ps_model_parse (text, -1, "rgnet.py", rng, NULL, &error);
 *
 * The model is the module bound to `net`, else the last name bound to a module
 * at top level (in the order names were first bound, as Python's globals()).
 * Errors name file:line:column and say what is supported; on error nothing is
 * returned and nothing leaks.  Layers are initialized as PyTorch's
 * constructors do, drawing from rng in program order (NULL: zeros).
 *
 * ps_model_parse() also accepts the text print(net) writes ("Sequential(\n
 * (0): Linear(in_features=4, ...)"), which builds untied modules.
 */
#pragma once

#include "ps-module.h"

G_BEGIN_DECLS

/* name_out (optional) receives the variable name of the model ("net"). */
PsModule *ps_model_parse      (const char *text, gssize len, const char *filename, PsRng *rng,
                               char **name_out, GError **error);
PsModule *ps_model_load_file  (const char *path, PsRng *rng, char **name_out, GError **error);

/* TRUE if text looks like PyTorch's print(net) output rather than Python. */
gboolean  ps_model_text_is_repr (const char *text, gssize len);
PsModule *ps_model_parse_repr (const char *text, gssize len, const char *filename, PsRng *rng,
                               GError **error);

/* TRUE if text is UTF-8 with no NUL byte; else an error naming file, line and column. */
gboolean  ps_model_check_text (const char *text, gsize len, const char *file, GError **error);

G_END_DECLS
