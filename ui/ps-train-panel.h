/* ps-train-panel.h — the Train panel: a form over a PsRunController
 *
 * Its controls (data, samples, seed, loss, optimizer and its settings,
 * speed, snapshot interval) are bound both ways to the controller's
 * settings; its buttons are the window's actions (win.train-toggle,
 * win.train-step, win.train-reset, win.train-snapshot,
 * win.train-open-data); a line under them says the run's state, the
 * running step and loss redrawn every frame without a new layout.  The
 * settings are insensitive while a run goes on; momentum is SGD's, the
 * betas and eps Adam's.  Built from ps-train-panel.ui.
 *
 *   GtkWidget *panel = ps_train_panel_new (controller);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-run-controller.h"

G_BEGIN_DECLS

#define PS_TYPE_TRAIN_PANEL (ps_train_panel_get_type ())
G_DECLARE_FINAL_TYPE (PsTrainPanel, ps_train_panel, PS, TRAIN_PANEL, GtkWidget)

GtkWidget       *ps_train_panel_new            (PsRunController *controller);
/* The "controller" property (construct only in practice: set once). */
void             ps_train_panel_set_controller (PsTrainPanel *p, PsRunController *controller);
PsRunController *ps_train_panel_get_controller (PsTrainPanel *p);

G_END_DECLS
