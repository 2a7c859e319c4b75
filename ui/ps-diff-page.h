/* ps-diff-page.h — Difference A − B: two states of the selected parameter
 *
 * A and B are picked among the current values and the run controller's
 * snapshots; the page shows A − B of the selected parameter as a read-only
 * matrix view, with its largest change, mean and norm.  The difference costs
 * two passes over the parameter: while the page is hidden it is only marked
 * stale, and computed when it is shown.  When a run keeps its first weights
 * (a snapshot at step 0) while A and B are both "current", B becomes that
 * snapshot: the page then shows what training changed.
 * Built from ps-diff-page.ui; the template children "a_dropdown",
 * "b_dropdown" (position 0: current, i: the controller's snapshot i - 1),
 * "summary" and "view" (a PsMatrixView showing a PsDiffSource).
 *
 * Properties:
 *   "controller" (PsRunController)   the snapshots, and the document
 *   "node" (PsTreeNode, nullable)     the selection: a parameter shows
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-run-controller.h"
#include "ps-tree-node.h"

G_BEGIN_DECLS

#define PS_TYPE_DIFF_PAGE (ps_diff_page_get_type ())
G_DECLARE_FINAL_TYPE (PsDiffPage, ps_diff_page, PS, DIFF_PAGE, GtkWidget)

GtkWidget *ps_diff_page_new            (PsRunController *controller);
void       ps_diff_page_set_controller (PsDiffPage *page, PsRunController *controller);
void       ps_diff_page_set_node       (PsDiffPage *page, PsTreeNode *node);

G_END_DECLS
