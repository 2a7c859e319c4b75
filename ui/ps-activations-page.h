/* ps-activations-page.h — each layer's activations after Forward
 *
 * A page of the window's lower notebook: a layer of the last Forward
 * (ps_document_get_activation), a sample of the batch, and that sample's
 * output of the layer in a PsMatrixView — feature maps [C, H, W] as a grid
 * of channels (ps-tile-source.h, PS_TILE_MAPS), hover naming [n, c, y, x].
 * It reads the document after every change (a Forward, a new network) and
 * follows the block tree: selecting a layer there shows its output here.
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"

G_BEGIN_DECLS

#define PS_TYPE_ACTIVATIONS_PAGE (ps_activations_page_get_type ())
G_DECLARE_FINAL_TYPE (PsActivationsPage, ps_activations_page, PS, ACTIVATIONS_PAGE, GtkBox)

GtkWidget *ps_activations_page_new          (void);
void       ps_activations_page_set_document (PsActivationsPage *page, PsDocument *doc);
/* Show the output of module's first call, if the last Forward made one. */
void       ps_activations_page_follow       (PsActivationsPage *page, PsModule *module);
/* Which call and which sample are shown; setting them clamps to what exists. */
void       ps_activations_page_set_layer    (PsActivationsPage *page, guint index);
guint      ps_activations_page_get_layer    (PsActivationsPage *page);
guint      ps_activations_page_get_n_layers (PsActivationsPage *page);
void       ps_activations_page_set_sample   (PsActivationsPage *page, int64_t sample);
int64_t    ps_activations_page_get_sample   (PsActivationsPage *page);
/* Read the document's activations again. */
void       ps_activations_page_refresh      (PsActivationsPage *page);
GtkWidget *ps_activations_page_get_view     (PsActivationsPage *page);   /* PsMatrixView */

G_END_DECLS
