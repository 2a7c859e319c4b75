/* ps-inspector.h — the Inspect panel: what the selection is, and its numbers
 *
 * For a parameter: every name it has (a tied one has several), its shape
 * and element count, requires_grad; the statistics of its values and
 * gradient (mean, std, min, max, L2 norm, zeros, non-finite counts); and
 * the histograms of both, in the core's bins (ps_log_hist_compute), with
 * the density the initializer that last wrote it predicts (a line, while
 * its values are still that initializer's).  For a module: its parameter
 * count and its repr.  The statistics read the whole tensor: they are
 * computed only while the panel is shown, and are live text (redrawn at
 * every frame of a run without a new layout of the window).
 * Built from ps-inspector.ui; template children "names" (a selectable
 * label), "histogram" (a drawing area), and the statistics' live text
 * "stats" (ps-ui-util.h).
 *
 *   GtkWidget *inspector = ps_inspector_new (doc);
 *   g_object_bind_property (window, "selected-node", inspector, "node", G_BINDING_SYNC_CREATE);
 *   ps_inspector_note_init (PS_INSPECTOR (inspector), module, NULL, PS_TARGET_WEIGHTS, scheme);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"
#include "ps-tree-node.h"

G_BEGIN_DECLS

#define PS_TYPE_INSPECTOR (ps_inspector_get_type ())
G_DECLARE_FINAL_TYPE (PsInspector, ps_inspector, PS, INSPECTOR, GtkWidget)

GtkWidget *ps_inspector_new          (PsDocument *doc);
/* The "document" and the "node" shown (nullable). */
void       ps_inspector_set_document (PsInspector *inspector, PsDocument *doc);
void       ps_inspector_set_node     (PsInspector *inspector, PsTreeNode *node);
/* Say the values again (after a frame of a run: the parameters changed
 * outside the document). */
void       ps_inspector_refresh      (PsInspector *inspector);
/* scheme has just initialized param (or, param NULL, the target's
 * parameters under module): its density is drawn over their histograms
 * until they change again. */
void       ps_inspector_note_init    (PsInspector *inspector, PsModule *module, PsParam *param,
                                      PsInitTarget target, const PsInitScheme *scheme);

G_END_DECLS
