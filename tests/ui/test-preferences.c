/* test-preferences.c — the settings file and the Preferences dialog: a
 * limit read from the file reaches every window's document, the dialog
 * changes it and saves it, Default removes it (under Xvfb, in a temporary
 * XDG_CONFIG_HOME) */
#include "ps-ui-test-util.h"
#include "ps-preferences.h"

#include <glib/gstdio.h>
#include <string.h>

#define MIB (G_GUINT64_CONSTANT (1) << 20)

static char *
saved_mib (void)
{
  g_autofree char *path = ps_preferences_get_path ();
  g_autoptr (GKeyFile) kf = g_key_file_new ();

  if (!g_key_file_load_from_file (kf, path, G_KEY_FILE_NONE, NULL))
    return NULL;
  return g_key_file_get_value (kf, "history", "limit-mib", NULL);
}

static void
test_limit_from_file_to_documents (void)
{
  g_autofree char *path = ps_preferences_get_path ();
  g_autofree char *dir = g_path_get_dirname (path);
  g_autoptr (GError) error = NULL;
  PsWindow *win;
  GtkWidget *dialog, *spin;
  g_autofree char *after_dialog = NULL, *after_reset = NULL;

  if (ps_test_skip_without_display ())
    return;
  /* written by the user before the first start */
  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_assert_true (g_file_set_contents (path, "# mine\n[history]\nlimit-mib=64\n", -1, &error));
  g_assert_no_error (error);
  g_assert_cmpuint (ps_preferences_get_history_limit (ps_preferences_get ()), ==, 64 * MIB);

  win = ps_test_open_example ("mlp", 900, 600);
  g_assert_cmpuint (ps_document_get_history_limit (ps_window_get_document (win)), ==, 64 * MIB);

  /* the dialog shows it; a new value applies to the open window and is saved */
  dialog = ps_preferences_dialog_new (GTK_WINDOW (win));
  gtk_window_present (GTK_WINDOW (dialog));
  spin = ps_test_template_child (dialog, PS_TYPE_PREFERENCES_DIALOG, "limit_spin");
  g_assert_cmpfloat (gtk_spin_button_get_value (GTK_SPIN_BUTTON (spin)), ==, 64);
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 32);
  g_assert_cmpuint (ps_document_get_history_limit (ps_window_get_document (win)), ==, 32 * MIB);
  after_dialog = saved_mib ();
  g_assert_cmpstr (after_dialog, ==, "32");
  {
    /* the user's other lines stay */
    g_autofree char *text = NULL;
    g_assert_true (g_file_get_contents (path, &text, NULL, NULL));
    g_assert_nonnull (strstr (text, "# mine"));
  }
  /* below the smallest sensible limit: clamped by the field */
  gtk_spin_button_set_value (GTK_SPIN_BUTTON (spin), 1);
  g_assert_cmpuint (ps_document_get_history_limit (ps_window_get_document (win)), ==, 16 * MIB);

  /* Default: the key goes, the default applies */
  g_signal_emit_by_name (ps_test_template_child (dialog, PS_TYPE_PREFERENCES_DIALOG, "reset_button"),
                         "clicked");
  after_reset = saved_mib ();
  g_assert_null (after_reset);
  g_assert_cmpuint (ps_document_get_history_limit (ps_window_get_document (win)), ==,
                    ps_document_default_history_limit ());

  gtk_window_destroy (GTK_WINDOW (dialog));
  gtk_window_destroy (GTK_WINDOW (win));
}

/* History trimmed: said once beside the status line, dismissable. */
static void
test_trimmed_notice (void)
{
  PsWindow *win;
  PsDocument *doc;
  PsParam *w;
  GtkWidget *notice, *label;
  g_autoptr (GError) error = NULL;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", 900, 600);
  doc = ps_window_get_document (win);
  notice = ps_test_window_child (win, "notice");
  label = ps_test_window_child (win, "notice_label");
  w = ps_module_find_param (ps_document_get_model (doc), "0.weight");
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (notice)));

  g_assert_true (ps_document_fill (doc, w, 1, &error));
  ps_document_set_history_limit (doc, 1);
  g_assert_false (ps_document_can_undo (doc));
  g_assert_true (gtk_revealer_get_reveal_child (GTK_REVEALER (notice)));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "Undo history trimmed"));
  g_assert_nonnull (strstr (gtk_label_get_text (GTK_LABEL (label)), "Preferences"));

  /* dismissed, it does not come back for the next trim */
  gtk_revealer_set_reveal_child (GTK_REVEALER (notice), FALSE);
  g_assert_true (ps_document_fill (doc, w, 2, &error));
  g_assert_false (ps_document_can_undo (doc));
  g_assert_false (gtk_revealer_get_reveal_child (GTK_REVEALER (notice)));
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  g_autofree char *config = g_dir_make_tmp ("ps-preferences-XXXXXX", NULL);
  g_autofree char *path = NULL, *dir = NULL;
  int status;

  /* a settings folder of its own, before anything reads it (not
   * G_TEST_OPTION_ISOLATE_DIRS: GLib keeps the replaced paths, which the
   * leak checker reports) */
  g_assert_nonnull (config);
  g_setenv ("XDG_CONFIG_HOME", config, TRUE);
  g_test_init (&argc, &argv, NULL);
  gtk_init_check ();
  g_test_add_func ("/preferences/limit-from-file-to-documents", test_limit_from_file_to_documents);
  g_test_add_func ("/preferences/trimmed-notice", test_trimmed_notice);
  status = g_test_run ();
  path = ps_preferences_get_path ();
  dir = g_path_get_dirname (path);
  g_unlink (path);
  g_rmdir (dir);
  g_rmdir (config);
  return status;
}
