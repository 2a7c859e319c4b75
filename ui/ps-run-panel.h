/* ps-run-panel.h — the Run panel: the lesson's Forward and Backward by hand
 *
 * The input X = torch.rand(batch, in) (batch and seed), the buttons of the
 * window's actions win.new-input, win.open-input, win.forward,
 * win.backward, win.zero-grad and win.step, the loss and learning rate
 * those read, and the document's last output and loss.  Built from
 * ps-run-panel.ui.
 *
 *   GtkWidget *run = ps_run_panel_new (doc);
 *   ps_document_backward (doc, ps_run_panel_get_loss (PS_RUN_PANEL (run)), &error);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"

G_BEGIN_DECLS

#define PS_TYPE_RUN_PANEL (ps_run_panel_get_type ())
G_DECLARE_FINAL_TYPE (PsRunPanel, ps_run_panel, PS, RUN_PANEL, GtkWidget)

GtkWidget  *ps_run_panel_new               (PsDocument *doc);
/* The "document" whose output it shows. */
void        ps_run_panel_set_document      (PsRunPanel *p, PsDocument *doc);

/* What the controls hold. */
int64_t     ps_run_panel_get_batch         (PsRunPanel *p);
guint64     ps_run_panel_get_seed          (PsRunPanel *p);
PsLossKind  ps_run_panel_get_loss          (PsRunPanel *p);   /* sum or mse */
double      ps_run_panel_get_learning_rate (PsRunPanel *p);

G_END_DECLS
