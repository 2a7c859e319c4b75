/* ps-init-panel.h — the Initialize panel: a torch.nn.init scheme for the selection
 *
 * Every scheme of ps_init_get_infos() with a field for each of its
 * arguments (prefilled with the default, "required" where there is none),
 * the target (weights and biases, weights, biases), the seed, and the
 * buttons of the window's actions win.init and win.preset (the lesson's
 * cells: init_normal, init_constant, Xavier and 42, my_init).  Built from
 * ps-init-panel.ui.
 *
 *   g_autoptr (PsInitScheme) s = ps_init_panel_get_scheme (panel, &error);
 *   ps_document_initialize (doc, module, NULL, ps_init_panel_get_target (panel), s,
 *                           ps_init_panel_get_seed (panel), &error);
 */
#pragma once

#include <gtk/gtk.h>
#include "ps-document.h"

G_BEGIN_DECLS

#define PS_TYPE_INIT_PANEL (ps_init_panel_get_type ())
G_DECLARE_FINAL_TYPE (PsInitPanel, ps_init_panel, PS, INIT_PANEL, GtkWidget)

GtkWidget    *ps_init_panel_new        (void);

/* The chosen scheme with its arguments as typed; NULL + error naming the
 * argument when one is missing or not a value the scheme takes. */
PsInitScheme *ps_init_panel_get_scheme (PsInitPanel *p, GError **error);
PsInitTarget  ps_init_panel_get_target (PsInitPanel *p);
guint64       ps_init_panel_get_seed   (PsInitPanel *p);

G_END_DECLS
