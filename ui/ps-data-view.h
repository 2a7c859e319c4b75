/* ps-data-view.h — the training data of a classifier of the plane, and its decision regions
 *
 * For a network with 2 inputs and 2 or more outputs (the spiral classifier):
 * the run's points coloured by class over the regions where the network
 * would answer each class, shaded by its confidence, as TensorFlow
 * Playground draws them.  The regions come from core
 * (ps_data_decision_grid) on the document's network and are computed again
 * when its values change -- every frame a run shows -- and the caption
 * gives the step and the accuracy (the run controller's "accuracy").
 * Another network shows why there is nothing to draw.
 *
 *   GtkWidget *data = ps_data_view_new ();
 *   ps_data_view_set_controller (PS_DATA_VIEW (data), controller);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-run-controller.h"

G_BEGIN_DECLS

#define PS_TYPE_DATA_VIEW (ps_data_view_get_type ())
G_DECLARE_FINAL_TYPE (PsDataView, ps_data_view, PS, DATA_VIEW, GtkWidget)

#define PS_DATA_VIEW_GRID 64           /* cells of the regions, each way */

GtkWidget *ps_data_view_new            (void);
/* The run (and through it the document) shown; held until disposal. */
void       ps_data_view_set_controller (PsDataView *v, PsRunController *run);

/* What the last frame showed: whether it drew regions, how many points,
 * and the document's values' version the regions were computed for. */
gboolean   ps_data_view_has_regions    (PsDataView *v);
guint      ps_data_view_get_n_points   (PsDataView *v);
guint64    ps_data_view_get_regions_version (PsDataView *v);
/* Where a point of the plane is drawn (FALSE before a frame with regions). */
gboolean   ps_data_view_to_widget      (PsDataView *v, double x, double y, double *wx, double *wy);
/* The class the regions give at a point of the plane (-1 before). */
int        ps_data_view_class_at       (PsDataView *v, double x, double y);

G_END_DECLS
