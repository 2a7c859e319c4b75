/* ps-paths.h — where ParamScope's data are: under its install prefix, or in
 * the build tree
 *
 * The paths follow the running executable, so one build works from any
 * prefix (meson install --prefix or --destdir, a .deb in /usr, a copied
 * tree) and from its build tree without installing:
 *
 *   - Run from the build tree: meson writes paramscope-uninstalled.ini next
 *     to the executables it builds (build/app, build/tests; never
 *     installed).  It names the build's translations (build/po) and the
 *     source tree's data/ and data/icons.
 *   - Installed: the prefix is the executable's directory less the
 *     configured bindir (bin/paramscope -> the prefix), and the data are
 *     under it at the configured localedir and datadir.
 *
 * No environment variable is needed, so run.sh, a debugger, a test and a
 * desktop launcher all find the same files.
 *
 *   bindtextdomain (GETTEXT_PACKAGE, ps_paths_get ()->localedir);
 *   g_autofree char *models = g_build_filename (ps_paths_get ()->datadir, "models", NULL);
 */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char    *localedir;    /* LANG/LC_MESSAGES/paramscope.mo: PREFIX/share/locale or build/po */
  char    *datadir;      /* models/, lessons/: PREFIX/share/paramscope or the source's data/ */
  char    *icondir;      /* hicolor/: PREFIX/share/icons or the source's data/icons */
  gboolean uninstalled;  /* found from the build tree's paramscope-uninstalled.ini */
} PsPaths;

/* The running program's paths, found once (from /proc/self/exe; the
 * configured prefix when that cannot be read).  Never NULL, never freed. */
const PsPaths *ps_paths_get                (void);

/* The paths a program at exe (an absolute file name) finds: the keys of
 * paramscope-uninstalled.ini beside it when the file has all three, else
 * those under the prefix exe is installed in.  Free with ps_paths_free. */
PsPaths       *ps_paths_new_for_executable (const char *exe);
void           ps_paths_free               (PsPaths *paths);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsPaths, ps_paths_free)

G_END_DECLS
