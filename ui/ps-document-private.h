/* ps-document-private.h — what ps-document.c and ps-document-code.c share */
#pragma once

#include "ps-document.h"

G_BEGIN_DECLS

/* One initialization as PyTorch code appended to code: on one parameter
 * (param), or a loop over a subtree's (module; NULL: the whole network
 * model, called name in the code). */
void ps_document_code_init (PsModule *model, const char *name, GString *code, PsModule *module,
                            PsParam *param, PsInitTarget target, const PsInitScheme *scheme);

G_END_DECLS
