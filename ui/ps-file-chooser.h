/* ps-file-chooser.h — asking the user for a file, in one place
 *
 * GTK 4.8 has no GtkFileDialog: this is GtkFileChooserNative, wrapped so
 * that every caller gets the same lifetimes.  The chooser holds its own
 * filter (one per kind of file); nothing the caller passes needs to outlive
 * the call except data; the chooser is kept alive until its response has
 * been handled and destroyed only once that emission has unwound; parent is
 * watched through a weak reference, so a window closed while its chooser is
 * open is never called back.
 *
 *   static void
 *   on_chosen (GtkWindow *parent, const char *path, gpointer data)
 *   {
 *     ps_window_open_weights (PS_WINDOW (parent), path, NULL);
 *   }
 *   ps_file_chooser_run (GTK_WINDOW (win), _("Open Weights"), FALSE,
 *                        PS_FILES_SAFETENSORS, on_chosen, NULL);
 */
#pragma once

#include <gtk/gtk.h>

G_BEGIN_DECLS

typedef enum
{
  PS_FILES_MODEL,          /* *.py, *.txt: model files and print(net) texts */
  PS_FILES_SAFETENSORS,    /* *.safetensors */
  PS_FILES_PNG,            /* *.png */
  PS_FILES_NOTEBOOK,       /* *.ipynb, *.py: notebooks */
  PS_FILES_FOLDER,         /* a folder (save is ignored) */
} PsFileKind;

/* A file was chosen: its local path.  parent is the window the chooser was
 * run for (alive), or NULL if it was run without one. */
typedef void (*PsFileChosenFunc) (GtkWindow *parent, const char *path, gpointer data);

/* Ask for a file to open (save FALSE) or to write (save TRUE), showing the
 * files of kind.  func is called at most once, only if the user accepted a
 * local file and parent (if not NULL) still exists; data is passed as is. */
void ps_file_chooser_run (GtkWindow *parent, const char *title, gboolean save, PsFileKind kind,
                          PsFileChosenFunc func, gpointer data);

G_END_DECLS
