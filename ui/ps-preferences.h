/* ps-preferences.h — the user's settings, and the Preferences dialog
 *
 * One PsPreferences for the process (ps_preferences_get ()): its
 * properties are the settings, read at first use from and written at each
 * change to g_get_user_config_dir ()/paramscope/settings.ini by GKeyFile.
 * Not GSettings: that needs a compiled schema installed where GIO looks,
 * and a program run from the build tree, or a test, would abort without
 * one; a key file needs nothing and is read and written by the user.  A
 * file that cannot be read or parsed leaves the defaults (and is not
 * overwritten until a setting changes).
 *
 * Settings (properties):
 *   "history-limit" (guint64): bytes of undo history and snapshots a
 *   window keeps (PsDocument's "history-limit"); default
 *   ps_document_default_history_limit () (the smaller of 1 GiB and 10 % of
 *   physical memory).  Windows bind their document to it:
 *
 *   g_object_bind_property (ps_preferences_get (), "history-limit",
 *                           doc, "history-limit", G_BINDING_SYNC_CREATE);
 *
 * The dialog (ps-preferences-dialog.ui, app.preferences, Ctrl+,) changes
 * them as they are edited, and says why a change could not be saved.
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

#define PS_TYPE_PREFERENCES (ps_preferences_get_type ())
G_DECLARE_FINAL_TYPE (PsPreferences, ps_preferences, PS, PREFERENCES, GObject)

/* The process's settings (borrowed; created and read at the first call). */
PsPreferences *ps_preferences_get               (void);
/* The settings file's path. */
char          *ps_preferences_get_path          (void);

guint64        ps_preferences_get_history_limit (PsPreferences *prefs);
/* bytes: the new limit (0: back to the default).  Saved at once: FALSE +
 * error if the file could not be written (the setting applies anyway). */
gboolean       ps_preferences_set_history_limit (PsPreferences *prefs, guint64 bytes,
                                                 GError **error);

#define PS_TYPE_PREFERENCES_DIALOG (ps_preferences_dialog_get_type ())
G_DECLARE_FINAL_TYPE (PsPreferencesDialog, ps_preferences_dialog, PS, PREFERENCES_DIALOG, GtkDialog)

/* The Preferences dialog, transient for parent (may be NULL), not shown. */
GtkWidget     *ps_preferences_dialog_new        (GtkWindow *parent);

G_END_DECLS
