/* ps-document-private.h — what ps-document.c, ps-document-edit.c and
 * ps-document-code.c share */
#pragma once

#include "ps-document.h"

G_BEGIN_DECLS

/* One initialization as PyTorch code appended to code: on one parameter
 * (param), or a loop over a subtree's (module; NULL: the whole network
 * model, called name in the code). */
void ps_document_code_init (PsModule *model, const char *name, GString *code, PsModule *module,
                            PsParam *param, PsInitTarget target, const PsInitScheme *scheme);

/* FALSE with the reason (a PS_ERROR_VALUE) while changes are refused (training runs). */
gboolean ps_document_check_idle (PsDocument *doc, GError **error);
/* The PyTorch code of a command once it is done (owned): the one place the
 * console learns of it. */
void     ps_document_say_code   (PsDocument *doc, char *code);

G_END_DECLS
