/* ps-application.c — the GtkApplication: actions, accelerators, windows
 *
 *   paramscope [MODEL] [WEIGHTS.safetensors]
 *   paramscope MODEL FOLDER  (a training run's checkpoints: a timeline, watched)
 *   paramscope CHECKPOINT  (.safetensors, .pt/.pth/.bin, *.index.json: browsed)
 *   paramscope FOLDER      (a training run's checkpoints: the latest complete one)
 *
 * Without a model it opens the lesson's MLP, initialized as PyTorch would
 * under torch.manual_seed(0).
 */
#include "ps-application.h"
#include "ps-checkpoint-window.h"
#include "ps-file-chooser.h"
#include "ps-paths.h"
#include "ps-preferences.h"
#include "ps-run-folder.h"
#include "ps-ui-util.h"
#include "ps-window.h"
#include "ps-window-menu.h"

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

struct _PsApplication
{
  GtkApplication parent_instance;
};

G_DEFINE_FINAL_TYPE (PsApplication, ps_application, GTK_TYPE_APPLICATION)

/* The About window is made each time it is asked for and destroyed when closed:
 * gtk_show_about_dialog() would keep it hidden on the parent after its first close,
 * and a hidden toplevel has no accessible object path, which GTK 4.8's AT-SPI root
 * can put into a D-Bus reply (see run_show_help_overlay in ps-window-actions.c). */
static void
about (GSimpleAction *action, GVariant *param, gpointer app)
{
  static const char *authors[] = { "The ParamScope developers", NULL };
  static GtkWidget *open_about;   /* the one open, or NULL (a weak pointer) */
  GtkWindow *parent = gtk_application_get_active_window (GTK_APPLICATION (app));

  if (open_about == NULL)
    {
      open_about = g_object_new (GTK_TYPE_ABOUT_DIALOG,
                                 "program-name", "ParamScope",
                                 "logo-icon-name", PS_APPLICATION_ID,
                                 "version", PACKAGE_VERSION,
                                 "comments", _("See and touch a neural network's parameters: the "
                                               "lesson “parameter management” of Dive into Deep "
                                               "Learning."),
                                 "license-type", GTK_LICENSE_GPL_3_0,
                                 "authors", authors,
                                 "modal", TRUE,
                                 "destroy-with-parent", TRUE,
                                 "hide-on-close", FALSE,
                                 NULL);
      g_object_add_weak_pointer (G_OBJECT (open_about), (gpointer *) &open_about);
    }
  if (parent != NULL && parent != GTK_WINDOW (open_about))
    gtk_window_set_transient_for (GTK_WINDOW (open_about), parent);
  gtk_window_present (GTK_WINDOW (open_about));
}

static void
quit (GSimpleAction *action, GVariant *param, gpointer app)
{
  /* the application's own list loses each window's link as the window goes (and
   * a dialog may take others with it): walk a copy that holds the windows */
  GList *windows = g_list_copy_deep (gtk_application_get_windows (GTK_APPLICATION (app)),
                                     (GCopyFunc) (void (*) (void)) g_object_ref, NULL);

  for (GList *l = windows; l; l = l->next)
    gtk_window_destroy (l->data);           /* a window already gone: nothing */
  g_list_free_full (windows, g_object_unref);
}

static void
preferences (GSimpleAction *action, GVariant *param, gpointer app)
{
  gtk_window_present (GTK_WINDOW (ps_preferences_dialog_new (
      gtk_application_get_active_window (GTK_APPLICATION (app)))));
}

static const GActionEntry app_entries[] = {
  { .name = "about", .activate = about },
  { .name = "preferences", .activate = preferences },
  { .name = "quit", .activate = quit },
};

static PsWindow *
new_window (GApplication *app)
{
  /* its Keyboard Shortcuts window is built when first asked for (win.show-help-overlay) */
  return ps_window_new (GTK_APPLICATION (app));
}

static void
ps_application_activate (GApplication *app)
{
  PsWindow *win = new_window (app);
  g_autoptr (GError) error = NULL;

  if (!ps_window_open_example (win, "mlp", &error))
    g_warning ("cannot open the lesson's MLP: %s", error->message);
  gtk_window_present (GTK_WINDOW (win));
}

static void
ps_application_open (GApplication *app, GFile **files, int n_files, const char *hint)
{
  PsWindow *win = new_window (app);
  g_autofree char *model = g_file_get_path (files[0]);
  g_autoptr (GError) error = NULL;

  /* the lesson's MLP first: a model file that cannot be opened then leaves
   * it in place, with the reason (file:line:column) shown last */
  if (!ps_window_open_example (win, "mlp", &error))
    g_warning ("cannot open the lesson's MLP: %s", error->message);
  g_clear_error (&error);
  if (ps_window_open_file (win, model, &error) && n_files > 1)
    {
      g_autofree char *weights = g_file_get_path (files[1]);
      /* refused: the model stays, the window says why */
      if (weights && g_file_test (weights, G_FILE_TEST_IS_DIR))
        {
          /* a training run's folder: its checkpoints as a timeline, watched */
          if (!ps_window_open_run_folder (win, weights, &error))
            g_printerr ("paramscope: %s\n", error->message);
        }
      else if (!ps_window_open_weights (win, weights, &error))
        g_printerr ("paramscope: %s\n", error->message);
    }
  gtk_window_present (GTK_WINDOW (win));
}

static void
ps_application_startup (GApplication *app)
{
  static const char *forward[] = { "F5", "<Control>Return", NULL };
  static const char *backward[] = { "F6", NULL };
  static const char *undo[] = { "<Control>z", NULL };
  static const char *redo[] = { "<Control><Shift>z", "<Control>y", NULL };
  static const char *open[] = { "<Control>o", NULL };
  static const char *open_w[] = { "<Control><Shift>o", NULL };
  static const char *save_w[] = { "<Control>s", NULL };
  static const char *export[] = { "<Control>e", NULL };
  static const char *paste[] = { "<Control><Shift>v", NULL };
  static const char *quit_k[] = { "<Control>q", NULL };
  static const char *help[] = { "<Control>question", "<Control>F1", NULL };
  static const char *copy[] = { "<Control><Shift>c", NULL };
  static const char *train[] = { "<Control>t", NULL };
  static const char *train_step[] = { "<Control><Shift>t", NULL };
  static const char *snapshot[] = { "<Control>k", NULL };
  static const char *prefs[] = { "<Control>comma", NULL };
  static const char *presentation[] = { "<Control><Shift>p", NULL };
  static const char *console[] = { "<Control>grave", NULL };
  static const char *scale_up[] = { "<Control>plus", "<Control>equal", "<Control>KP_Add", NULL };
  static const char *scale_down[] = { "<Control>minus", "<Control>KP_Subtract", NULL };
  static const char *scale_reset[] = { "<Control>0", "<Control>KP_0", NULL };
  GtkApplication *gapp = GTK_APPLICATION (app);

  G_APPLICATION_CLASS (ps_application_parent_class)->startup (app);
  g_action_map_add_action_entries (G_ACTION_MAP (app), app_entries, G_N_ELEMENTS (app_entries), app);
  gtk_application_set_accels_for_action (gapp, "win.forward", forward);
  gtk_application_set_accels_for_action (gapp, "win.backward", backward);
  gtk_application_set_accels_for_action (gapp, "win.undo", undo);
  gtk_application_set_accels_for_action (gapp, "win.redo", redo);
  gtk_application_set_accels_for_action (gapp, "win.open-model", open);
  gtk_application_set_accels_for_action (gapp, "win.open-weights", open_w);
  gtk_application_set_accels_for_action (gapp, "win.save-weights", save_w);
  gtk_application_set_accels_for_action (gapp, "win.export-png", export);
  gtk_application_set_accels_for_action (gapp, "win.paste-model", paste);
  gtk_application_set_accels_for_action (gapp, "app.quit", quit_k);
  gtk_application_set_accels_for_action (gapp, "win.show-help-overlay", help);
  gtk_application_set_accels_for_action (gapp, "win.copy-path", copy);
  gtk_application_set_accels_for_action (gapp, "win.train-toggle", train);
  gtk_application_set_accels_for_action (gapp, "win.train-step", train_step);
  gtk_application_set_accels_for_action (gapp, "win.train-snapshot", snapshot);
  gtk_application_set_accels_for_action (gapp, "app.preferences", prefs);
  /* the whole interface, wherever the focus is (the heatmaps zoom with Ctrl+wheel) */
  gtk_application_set_accels_for_action (gapp, "win.presentation", presentation);
  gtk_application_set_accels_for_action (gapp, "win.console", console);
  gtk_application_set_accels_for_action (gapp, "win.scale-up", scale_up);
  gtk_application_set_accels_for_action (gapp, "win.scale-down", scale_down);
  gtk_application_set_accels_for_action (gapp, "win.scale-reset", scale_reset);

  /* the application's icon from its own prefix too, not only from XDG_DATA_DIRS */
  gtk_icon_theme_add_search_path (gtk_icon_theme_get_for_display (gdk_display_get_default ()),
                                  ps_paths_get ()->icondir);
  gtk_window_set_default_icon_name (PS_APPLICATION_ID);

  ps_ui_load_style ();
  /* a right click on a header bar: the desktop's window menu, or ParamScope's
   * where it has none (GTK 4.8's own fallback breaks its count of pressed
   * widgets: ps-window-menu.c) */
  ps_window_menu_install ();
}

/* ---- bare checkpoints: `paramscope FILE.safetensors`, Open Checkpoint… ---- */

static void
present_checkpoint (GApplication *app, const char *path)
{
  PsCheckpointWindow *win = ps_checkpoint_window_new (GTK_APPLICATION (app));
  g_autoptr (GError) error = NULL;

  if (!ps_checkpoint_window_open (win, path, &error))
    g_printerr ("paramscope: %s\n", error->message);     /* the window says it too */
  gtk_window_present (GTK_WINDOW (win));
}

static void
on_checkpoint_chosen (GtkWindow *parent, const char *path, gpointer app)
{
  present_checkpoint (G_APPLICATION (app), path);
}

static void
open_checkpoint (GSimpleAction *action, GVariant *param, gpointer app)
{
  ps_file_chooser_run (gtk_application_get_active_window (GTK_APPLICATION (app)),
                       _("Open a Checkpoint"), FALSE, PS_FILES_SAFETENSORS, on_checkpoint_chosen,
                       app);
}

/* A weights file alone (.safetensors, a torch.save .pt/.pth/.bin/.ckpt, a
 * sharded checkpoint's *.index.json) is a checkpoint to browse; anything
 * else a model. */
static void
open_or_checkpoint (GApplication *app, GFile **files, int n_files, const char *hint)
{
  static const char *const weights[] = { ".safetensors", ".pt", ".pth", ".bin", ".ckpt",
                                         ".index.json" };
  g_autofree char *path = n_files == 1 ? g_file_get_path (files[0]) : NULL;
  g_autofree char *lower = path ? g_ascii_strdown (path, -1) : NULL;
  gboolean is_weights = FALSE;

  for (guint i = 0; lower && i < G_N_ELEMENTS (weights); i++)
    is_weights |= g_str_has_suffix (lower, weights[i]);
  if (path != NULL && g_file_test (path, G_FILE_TEST_IS_DIR))
    {
      /* a folder of checkpoints (a training run's): its latest complete snapshot */
      g_autoptr (GPtrArray) snaps = ps_run_folder_scan (path, NULL);
      const char *latest = path;          /* none: the window says what is wrong */
      for (guint i = 0; snaps && i < snaps->len; i++)
        if (((PsRunFolderEntry *) snaps->pdata[i])->complete)
          latest = ((PsRunFolderEntry *) snaps->pdata[i])->path;
      present_checkpoint (app, latest);
    }
  else if (is_weights)
    present_checkpoint (app, path);
  else
    ps_application_open (app, files, n_files, hint);
}

static void
checkpoint_init (PsApplication *app)
{
  static const GActionEntry entries[] = {
    { .name = "open-checkpoint", .activate = open_checkpoint },
  };
  g_action_map_add_action_entries (G_ACTION_MAP (app), entries, G_N_ELEMENTS (entries), app);
}

static void
ps_application_class_init (PsApplicationClass *klass)
{
  GApplicationClass *app_class = G_APPLICATION_CLASS (klass);
  app_class->activate = ps_application_activate;
  app_class->open = open_or_checkpoint;
  app_class->startup = ps_application_startup;
}

static void
ps_application_init (PsApplication *app)
{
  /* paramscope --help: what it opens, in the user's language */
  g_application_set_option_context_parameter_string (
    G_APPLICATION (app), "[MODEL [WEIGHTS | RUN-FOLDER] | CHECKPOINT | RUN-FOLDER]");
  g_application_set_option_context_summary (
    G_APPLICATION (app), _("See and touch a neural network's parameters: the lesson "
                           "“parameter management” of Dive into Deep Learning."));
  checkpoint_init (app);
}

void
ps_application_setup_locale (void)
{
  setlocale (LC_ALL, "");
  bindtextdomain (GETTEXT_PACKAGE, ps_paths_get ()->localedir);
  bind_textdomain_codeset (GETTEXT_PACKAGE, "UTF-8");
  textdomain (GETTEXT_PACKAGE);
}

PsApplication *
ps_application_new (void)
{
  return g_object_new (PS_TYPE_APPLICATION, "application-id", PS_APPLICATION_ID,
                       "flags", G_APPLICATION_HANDLES_OPEN | G_APPLICATION_NON_UNIQUE, NULL);
}
