/* ps-preferences.c — the settings in a key file, and the dialog that edits them */
#include "ps-preferences.h"
#include "ps-document.h"

#include <errno.h>
#include <inttypes.h>
#include <glib/gi18n.h>
#include <unistd.h>

#define MIB (G_GUINT64_CONSTANT (1) << 20)
#define GROUP "history"
#define KEY_LIMIT "limit-mib"
/* below this, a change of a middle-sized network would not fit */
#define MIN_LIMIT_MIB 16

struct _PsPreferences
{
  GObject  parent_instance;
  guint64  history_limit;   /* 0: the default */
};

G_DEFINE_FINAL_TYPE (PsPreferences, ps_preferences, G_TYPE_OBJECT)

enum { PROP_0, PROP_HISTORY_LIMIT, N_PROPS };
static GParamSpec *properties[N_PROPS];

char *
ps_preferences_get_path (void)
{
  return g_build_filename (g_get_user_config_dir (), "paramscope", "settings.ini", NULL);
}

static void
load (PsPreferences *prefs)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = ps_preferences_get_path ();
  g_autoptr (GError) error = NULL;
  guint64 mib;

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, &error))
    {
      if (!g_error_matches (error, G_FILE_ERROR, G_FILE_ERROR_NOENT))
        g_printerr ("paramscope: %s: %s (the default settings apply)\n", path, error->message);
      return;
    }
  mib = g_key_file_get_uint64 (kf, GROUP, KEY_LIMIT, &error);
  if (error)
    {
      if (!g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_KEY_NOT_FOUND)
          && !g_error_matches (error, G_KEY_FILE_ERROR, G_KEY_FILE_ERROR_GROUP_NOT_FOUND))
        g_printerr ("paramscope: %s: [%s] %s: %s (the default applies)\n", path, GROUP, KEY_LIMIT,
                    error->message);
      return;
    }
  /* out of range (hand-edited): the nearest that makes sense */
  prefs->history_limit = CLAMP (mib, MIN_LIMIT_MIB, G_MAXUINT64 / MIB) * MIB;
}

static gboolean
save (PsPreferences *prefs, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *path = ps_preferences_get_path ();
  g_autofree char *dir = g_path_get_dirname (path);

  /* other groups and comments of the file stay */
  g_key_file_load_from_file (kf, path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (prefs->history_limit)
    g_key_file_set_uint64 (kf, GROUP, KEY_LIMIT, prefs->history_limit / MIB);
  else
    g_key_file_remove_key (kf, GROUP, KEY_LIMIT, NULL);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      int e = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (e), _("cannot create %s: %s"),
                   dir, g_strerror (e));
      return FALSE;
    }
  /* g_key_file_save_to_file writes a temporary file and renames it: a
   * failure leaves the old file whole */
  return g_key_file_save_to_file (kf, path, error);
}

guint64
ps_preferences_get_history_limit (PsPreferences *prefs)
{
  g_return_val_if_fail (PS_IS_PREFERENCES (prefs), 0);
  return prefs->history_limit ? prefs->history_limit : ps_document_default_history_limit ();
}

gboolean
ps_preferences_set_history_limit (PsPreferences *prefs, guint64 bytes, GError **error)
{
  guint64 old;

  g_return_val_if_fail (PS_IS_PREFERENCES (prefs), FALSE);

  old = ps_preferences_get_history_limit (prefs);
  prefs->history_limit = bytes;
  if (ps_preferences_get_history_limit (prefs) != old)
    g_object_notify_by_pspec (G_OBJECT (prefs), properties[PROP_HISTORY_LIMIT]);
  return save (prefs, error);
}

static void
ps_preferences_get_property (GObject *object, guint id, GValue *value, GParamSpec *pspec)
{
  if (id == PROP_HISTORY_LIMIT)
    g_value_set_uint64 (value, ps_preferences_get_history_limit (PS_PREFERENCES (object)));
  else
    G_OBJECT_WARN_INVALID_PROPERTY_ID (object, id, pspec);
}

static void
ps_preferences_class_init (PsPreferencesClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = ps_preferences_get_property;
  properties[PROP_HISTORY_LIMIT] = g_param_spec_uint64 ("history-limit", NULL, NULL, 0,
                                                        G_MAXUINT64, 0,
                                                        G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY
                                                        | G_PARAM_STATIC_STRINGS);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
ps_preferences_init (PsPreferences *prefs)
{
}

PsPreferences *
ps_preferences_get (void)
{
  static gsize prefs;   /* the process's PsPreferences, never freed */

  if (g_once_init_enter (&prefs))
    {
      PsPreferences *p = g_object_new (PS_TYPE_PREFERENCES, NULL);
      load (p);
      g_once_init_leave (&prefs, (gsize) p);
    }
  return (PsPreferences *) prefs;
}

/* ---- the dialog ------------------------------------------------------------------ */

struct _PsPreferencesDialog
{
  GtkDialog  parent_instance;

  GtkWidget *limit_spin, *default_label, *error_label;
};

G_DEFINE_FINAL_TYPE (PsPreferencesDialog, ps_preferences_dialog, GTK_TYPE_DIALOG)

static void
on_limit_changed (PsPreferencesDialog *dialog)
{
  double mib = gtk_spin_button_get_value (GTK_SPIN_BUTTON (dialog->limit_spin));
  g_autoptr (GError) error = NULL;

  if (!ps_preferences_set_history_limit (ps_preferences_get (), (guint64) mib * MIB, &error))
    {
      g_autofree char *text = g_strdup_printf (_("Not saved: %s"), error->message);
      gtk_label_set_text (GTK_LABEL (dialog->error_label), text);
      gtk_widget_set_visible (dialog->error_label, TRUE);
    }
  else
    gtk_widget_set_visible (dialog->error_label, FALSE);
}

static void
on_reset (PsPreferencesDialog *dialog)
{
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (dialog->limit_spin),
                             (double) (ps_document_default_history_limit () / MIB));
  /* then the default itself, not its value in MiB: it follows the memory */
  ps_preferences_set_history_limit (ps_preferences_get (), 0, NULL);
}

static void
on_response (GtkDialog *dialog, int response)
{
  gtk_window_destroy (GTK_WINDOW (dialog));
}

static void
ps_preferences_dialog_class_init (PsPreferencesDialogClass *klass)
{
  GtkWidgetClass *widget_class = GTK_WIDGET_CLASS (klass);

  gtk_widget_class_set_template_from_resource (widget_class,
                                               "/org/paramscope/ParamScope/ps-preferences-dialog.ui");
  gtk_widget_class_bind_template_child (widget_class, PsPreferencesDialog, limit_spin);
  gtk_widget_class_bind_template_child (widget_class, PsPreferencesDialog, default_label);
  gtk_widget_class_bind_template_child (widget_class, PsPreferencesDialog, error_label);
  /* named for the tests (gtk_widget_get_template_child), not kept */
  gtk_widget_class_bind_template_child_full (widget_class, "reset_button", FALSE, 0);
  gtk_widget_class_bind_template_callback (widget_class, on_reset);
  gtk_widget_class_bind_template_callback (widget_class, on_response);
}

static void
ps_preferences_dialog_init (PsPreferencesDialog *dialog)
{
  guint64 phys_mib = 0, def_mib = ps_document_default_history_limit () / MIB;
  long pages = sysconf (_SC_PHYS_PAGES), page = sysconf (_SC_PAGESIZE);
  g_autofree char *def = NULL;
  GtkAdjustment *adj;

  gtk_widget_init_template (GTK_WIDGET (dialog));
  if (pages > 0 && page > 0)
    phys_mib = (guint64) pages * (guint64) page / MIB;
  adj = gtk_spin_button_get_adjustment (GTK_SPIN_BUTTON (dialog->limit_spin));
  gtk_adjustment_configure (adj, (double) (ps_preferences_get_history_limit (ps_preferences_get ()) / MIB),
                            MIN_LIMIT_MIB, (double) MAX (phys_mib, def_mib), 16, 256, 0);
  def = g_strdup_printf (_("Default: %" PRIu64 " MiB, the smaller of 1 GiB and 10 %% "
                           "of this computer’s memory. Over the limit, the oldest changes "
                           "and snapshots are dropped."), def_mib);
  gtk_label_set_text (GTK_LABEL (dialog->default_label), def);
  g_signal_connect_swapped (dialog->limit_spin, "value-changed", G_CALLBACK (on_limit_changed),
                            dialog);
}

GtkWidget *
ps_preferences_dialog_new (GtkWindow *parent)
{
  return g_object_new (PS_TYPE_PREFERENCES_DIALOG, "transient-for", parent, "modal", TRUE,
                       "use-header-bar", FALSE, NULL);
}
