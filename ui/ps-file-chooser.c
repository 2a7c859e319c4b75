/* ps-file-chooser.c — GtkFileChooserNative with one set of lifetimes */
#include "ps-file-chooser.h"

#include <glib/gi18n.h>

typedef struct
{
  GtkFileChooserNative *chooser;   /* a reference, dropped after the response */
  GWeakRef              parent;
  gboolean              had_parent;
  PsFileChosenFunc      func;
  gpointer              data;
} Request;

/* After the response's emission has unwound: the chooser (and the dialog
 * it may have built, whose file list loads in a worker) goes last. */
static gboolean
request_free (gpointer data)
{
  Request *r = data;

  gtk_native_dialog_destroy (GTK_NATIVE_DIALOG (r->chooser));
  g_object_unref (r->chooser);
  g_weak_ref_clear (&r->parent);
  g_free (r);
  return G_SOURCE_REMOVE;
}

static void
on_response (GtkNativeDialog *dialog, int response, gpointer data)
{
  Request *r = data;

  g_signal_handlers_disconnect_by_func (dialog, on_response, r);
  if (response == GTK_RESPONSE_ACCEPT)
    {
      g_autoptr (GFile) file = gtk_file_chooser_get_file (GTK_FILE_CHOOSER (dialog));
      g_autofree char *path = file ? g_file_get_path (file) : NULL;
      g_autoptr (GtkWindow) parent = g_weak_ref_get (&r->parent);

      if (path && (parent || !r->had_parent))
        r->func (parent, path, r->data);
    }
  /* ahead of the default-priority sources: GTK's fallback dialog is hidden by
   * now, and a hidden toplevel has no accessible object path, which a screen
   * reader's D-Bus question (dispatched at the default priority) could meet
   * (see run_show_help_overlay in ps-window-actions.c) */
  g_idle_add_full (G_PRIORITY_HIGH, request_free, r, NULL);
}

static GtkFileFilter *
filter_new (PsFileKind kind)
{
  GtkFileFilter *f = gtk_file_filter_new ();

  switch (kind)
    {
    case PS_FILES_MODEL:
      gtk_file_filter_set_name (f, _("Model files (Python or print(net) text)"));
      gtk_file_filter_add_pattern (f, "*.py");
      gtk_file_filter_add_pattern (f, "*.txt");
      break;
    case PS_FILES_NOTEBOOK:
      gtk_file_filter_set_name (f, _("Notebooks (Jupyter or Python)"));
      gtk_file_filter_add_pattern (f, "*.ipynb");
      gtk_file_filter_add_pattern (f, "*.py");
      break;
    case PS_FILES_PNG:
      gtk_file_filter_set_name (f, _("PNG images"));
      gtk_file_filter_add_pattern (f, "*.png");
      break;
    case PS_FILES_SAFETENSORS:
    default:
      gtk_file_filter_set_name (f, _("safetensors files"));
      gtk_file_filter_add_pattern (f, "*.safetensors");
      break;
    }
  return f;
}

void
ps_file_chooser_run (GtkWindow *parent, const char *title, gboolean save, PsFileKind kind,
                     PsFileChosenFunc func, gpointer data)
{
  Request *r;
  g_autoptr (GtkFileFilter) filter = NULL;

  g_return_if_fail (parent == NULL || GTK_IS_WINDOW (parent));
  g_return_if_fail (func != NULL);

  r = g_new0 (Request, 1);
  r->chooser = gtk_file_chooser_native_new (title, parent,
                                            kind == PS_FILES_FOLDER
                                              ? GTK_FILE_CHOOSER_ACTION_SELECT_FOLDER
                                              : save ? GTK_FILE_CHOOSER_ACTION_SAVE
                                                     : GTK_FILE_CHOOSER_ACTION_OPEN,
                                            NULL, NULL);
  g_weak_ref_init (&r->parent, parent);
  r->had_parent = parent != NULL;
  r->func = func;
  r->data = data;
  gtk_native_dialog_set_modal (GTK_NATIVE_DIALOG (r->chooser), TRUE);
  if (kind != PS_FILES_FOLDER)
    {
      filter = filter_new (kind);
      gtk_file_chooser_add_filter (GTK_FILE_CHOOSER (r->chooser), filter);   /* the chooser's own ref */
    }
  g_signal_connect (r->chooser, "response", G_CALLBACK (on_response), r);
  gtk_native_dialog_show (GTK_NATIVE_DIALOG (r->chooser));
}
