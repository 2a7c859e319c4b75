/* ps-param-source.h — a live parameter's values or gradient as a matrix source
 *
 * Synchronous: pooling reads the parameter's floats on the calling thread.
 * The source listens to the parameter (edits, initialization, backward,
 * optimizer steps, materialization), from any thread, and emits "changed"
 * on the thread that made it.  A tied parameter is one PsParam, so every
 * source (and view) of every name it has follows the same changes.
 *
 *   PsMatrixSource *s = ps_param_source_new (p, TRUE, "grad 2.weight");
 *
 * Editable when it shows values (not the gradient) of an initialized
 * parameter: set_value writes the element and notifies the parameter's
 * listeners (the window edits through its document instead, undoably:
 * see PsMatrixView::edit-requested).
 */
#pragma once

#include "ps-matrix-source.h"

G_BEGIN_DECLS

#define PS_TYPE_PARAM_SOURCE (ps_param_source_get_type ())
G_DECLARE_FINAL_TYPE (PsParamSource, ps_param_source, PS, PARAM_SOURCE, GObject)

/* param is referenced; title names it in tooltips and for assistive
 * technologies ("2.weight", "grad 2.weight"). */
PsMatrixSource *ps_param_source_new       (PsParam *param, gboolean show_grad, const char *title);
PsParam        *ps_param_source_get_param (PsParamSource *self);          /* borrowed */
gboolean        ps_param_source_get_show_grad (PsParamSource *self);
/* Another name of the same parameter (a tied alias): emits "changed" (0). */
void            ps_param_source_set_title (PsParamSource *self, const char *title);

G_END_DECLS
