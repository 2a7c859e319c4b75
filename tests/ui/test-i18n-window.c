/* test-i18n-window.c — the window in Simplified Chinese, run from the build
 * tree: LANG=zh_CN.UTF-8 as a user sets it, the locale set up as main()
 * does (ps_application_setup_locale), the catalogue found in build/po (not
 * under the install prefix, where nothing is installed), and the window's
 * labels translated.
 *
 * Without the zh_CN.UTF-8 locale (scripts/install-deps.sh generates it) the
 * test uses C.UTF-8 with LANGUAGE=zh_CN, which selects the same catalogue. */
#include "ps-ui-test-util.h"
#include "ps-application.h"
#include "ps-py.h"
#include "ps-run-controller.h"

#include <glib/gstdio.h>

#include <glib/gi18n.h>
#include <locale.h>
#include <string.h>

#ifndef PS_BUILD_ROOT
#error "PS_BUILD_ROOT must be defined"
#endif

/* Labels of w and everything under it whose text contains needle. */
static guint
count_labels (GtkWidget *w, const char *needle)
{
  guint n = 0;

  if (GTK_IS_LABEL (w) && strstr (gtk_label_get_text (GTK_LABEL (w)), needle) != NULL)
    n++;
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += count_labels (c, needle);
  return n;
}

static void
test_catalogue_from_build_tree (void)
{
  g_autofree char *po = g_build_filename (PS_BUILD_ROOT, "po", NULL);

  g_assert_cmpstr (bindtextdomain (GETTEXT_PACKAGE, NULL), ==, po);
  g_assert_cmpstr (textdomain (NULL), ==, GETTEXT_PACKAGE);
  g_assert_cmpstr (_("Forward"), ==, "前向传播");
}

static void
test_window_labels (void)
{
  PsWindow *win;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", 1200, 800);
  /* the Forward button, "前向传播(F)", and no English one */
  g_assert_cmpuint (count_labels (GTK_WIDGET (win), "前向传播"), >=, 1);
  g_assert_cmpuint (count_labels (GTK_WIDGET (win), "Forward"), ==, 0);
  ps_test_screenshot (GTK_WIDGET (win), "i18n-window-zh_CN.png");
  /* Inspect after Backward: the histograms' headings 参数值 and 梯度 (drawn
   * through Pango), kept as a picture to look at */
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.backward", NULL));
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "inspect"));
  ps_test_wait_frame (GTK_WIDGET (win));
  {
    /* the gradient's heading has its text (it was empty) */
    g_autofree char *text = ps_test_inspector_text (win);
    g_test_message ("%s", text);
    g_assert_nonnull (strstr (text, "梯度"));
    g_assert_null (strstr (text, "Gradient"));
  }
  ps_test_screenshot (GTK_WIDGET (win), "i18n-inspect-zh_CN.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

/* Core's messages come in Chinese too: an error made by core (no GTK),
 * and a training fault's text, read from the catalogue through g_dgettext. */
static void
test_core_messages (void)
{
  g_autoptr (PsModule) m = ps_module_new_linear (2, 2, TRUE, NULL);
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTensor) t = NULL;
  g_autoptr (GError) error = NULL;

  g_assert_false (ps_data_generate (PS_DATA_SPIRAL, m, 0, 1, PS_LOSS_MSE, &x, &t, &error));
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);
  g_assert_nonnull (strstr (error->message, "样本数必须在 1 到 1048576 之间"));
  g_assert_null (strstr (error->message, "samples"));
  /* the fault text of a step, and the trainer's refusal that wraps it */
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "the loss is %s (every gradient is finite)"), ==,
                   "损失为 %s（所有梯度都是有限值）");
  g_assert_cmpstr (g_dgettext (GETTEXT_PACKAGE, "training is already running"), ==, "训练已在运行");
}

/* A model file's error in Chinese where the window shows it (its status
 * line), the place in the file kept; and a message of ParamScope's own
 * from the interpreter (Python's own wording, as CPython prints it, stays). */
static void
test_model_file_messages (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-i18n-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "bad.py", NULL);
  g_autoptr (GError) error = NULL;
  PsPy *py = ps_py_new ();
  PsPyError *pyerr = NULL;
  PsWindow *win;

  g_assert_false (ps_py_run (py, "import os\n", -1, "<cell 1>", NULL, &pyerr));
  g_test_message ("%s: %s", pyerr->ename, pyerr->evalue);
  g_assert_cmpstr (pyerr->ename, ==, "ImportError");
  g_assert_nonnull (strstr (pyerr->evalue, "不允许导入 'os'"));
  ps_py_error_free (pyerr);
  pyerr = NULL;
  g_assert_false (ps_py_run (py, "1 / 0\n", -1, "<cell 2>", NULL, &pyerr));
  g_assert_cmpstr (pyerr->evalue, ==, "division by zero");
  ps_py_error_free (pyerr);
  ps_py_free (py);

  if (ps_test_skip_without_display ())
    return;
  g_assert_true (g_file_set_contents (path, "import torch.nn as nn\n"
                                            "net = nn.Sequential(nn.Linear(4, 8)\n", -1, NULL));
  win = ps_test_open_example ("mlp", 1200, 800);
  g_assert_false (ps_window_open_model (win, path, &error));
  g_test_message ("%s", ps_test_window_status (win));
  g_assert_nonnull (strstr (ps_test_window_status (win), "bad.py:2:20"));
  g_assert_nonnull (strstr (ps_test_window_status (win), "'(' 没有闭合"));
  g_assert_null (strstr (ps_test_window_status (win), "never closed"));
  gtk_window_destroy (GTK_WINDOW (win));
  g_unlink (path);
  g_rmdir (dir);
}

/* The snapshots' names in Chinese: the automatic one and one taken by
 * hand name the run with the same word (第 1 次训练), as in English
 * ("run 1 · step 0", "snapshot 1 · run 1 · step 1"). */
static void
test_snapshot_names (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  g_autoptr (GBytes) text = g_resources_lookup_data ("/org/paramscope/ParamScope/models/spiral.py", 0, NULL);
  g_autofree char *src = g_strndup (g_bytes_get_data (text, NULL), g_bytes_get_size (text));
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRunSnapshot) first = NULL, ours = NULL;
  PsRunController *run;

  g_assert_true (ps_document_load_model_text (doc, src, "spiral.py", &error));
  run = ps_run_controller_new (doc);
  g_assert_true (ps_run_controller_step (run, &error));
  g_assert_no_error (error);
  ps_run_controller_take_snapshot (run, NULL);
  first = g_list_model_get_item (ps_run_controller_get_snapshots (run), 0);
  ours = g_list_model_get_item (ps_run_controller_get_snapshots (run), 1);
  g_test_message ("%s | %s", ps_run_snapshot_get_label (first), ps_run_snapshot_get_label (ours));
  g_assert_cmpstr (ps_run_snapshot_get_label (first), ==, "第 1 次训练 · 第 0 步");
  g_assert_cmpstr (ps_run_snapshot_get_label (ours), ==, "快照 1 · 第 1 次训练 · 第 1 步");
  g_object_unref (run);
}

/* Labels under w that show a mnemonic the way zh_CN writes it: "运行(R)". */
static guint
count_mnemonic_labels (GtkWidget *w)
{
  guint n = 0;

  if (GTK_IS_LABEL (w) && g_regex_match_simple ("\\([A-Z0-9]\\)", gtk_label_get_text (GTK_LABEL (w)), 0, 0))
    {
      g_test_message ("a mnemonic outside a menu: %s", gtk_label_get_text (GTK_LABEL (w)));
      n++;
    }
  for (GtkWidget *c = gtk_widget_get_first_child (w); c != NULL; c = gtk_widget_get_next_sibling (c))
    n += count_mnemonic_labels (c);
  return n;
}

/* Mnemonics only where GNOME's guidelines put them (menus, dialog
 * buttons): none in the panels and the views, where they collided
 * (运行(R) / 学习率(R)); the Inspect panel shown in Chinese. */
static void
test_no_panel_mnemonics (void)
{
  PsWindow *win;

  if (ps_test_skip_without_display ())
    return;
  win = ps_test_open_example ("mlp", 1400, 860);
  for (const char *const *page = (const char *const[]) { "run", "initialize", "edit", "inspect", "train", NULL };
       *page; page++)
    {
      g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", *page));
      ps_test_wait_frame (GTK_WIDGET (win));
    }
  g_assert_cmpuint (count_mnemonic_labels (ps_test_window_child (win, "panels")), ==, 0);
  g_assert_cmpuint (count_mnemonic_labels (ps_test_window_child (win, "views")), ==, 0);
  g_assert_cmpuint (count_labels (ps_test_window_child (win, "panels"), "学习率"), >=, 1);
  g_assert_true (gtk_widget_activate_action (GTK_WIDGET (win), "win.show-panel", "s", "inspect"));
  ps_test_screenshot (GTK_WIDGET (win), "i18n-window-zh_CN-inspect.png");
  gtk_window_destroy (GTK_WINDOW (win));
}

int
main (int argc, char **argv)
{
  /* the user's setting, alone */
  g_unsetenv ("LC_ALL");
  g_unsetenv ("LC_MESSAGES");
  g_unsetenv ("LANGUAGE");
  g_setenv ("LANG", "zh_CN.UTF-8", TRUE);
  if (setlocale (LC_ALL, "") == NULL)
    {
      g_setenv ("LC_ALL", "C.UTF-8", TRUE);
      g_setenv ("LANGUAGE", "zh_CN", TRUE);
    }
  ps_application_setup_locale ();

  g_test_init (&argc, &argv, NULL);
  g_test_message ("LC_MESSAGES locale: %s", setlocale (LC_MESSAGES, NULL));
  gtk_init_check ();      /* without a display the window test skips */
  g_test_add_func ("/i18n-window/catalogue-from-build-tree", test_catalogue_from_build_tree);
  g_test_add_func ("/i18n-window/labels", test_window_labels);
  g_test_add_func ("/i18n-window/no-panel-mnemonics", test_no_panel_mnemonics);
  g_test_add_func ("/i18n-window/core-messages", test_core_messages);
  g_test_add_func ("/i18n-window/model-file-messages", test_model_file_messages);
  g_test_add_func ("/i18n-window/snapshot-names", test_snapshot_names);
  return g_test_run ();
}
