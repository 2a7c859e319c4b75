/* ps-paths.c — where ParamScope's data are (see ps-paths.h) */
#include "ps-paths.h"

#ifdef PS_HAVE_PATHS_CONFIG
#include "ps-paths-config.h"     /* PS_PREFIX, PS_BINDIR, PS_LOCALEDIR, PS_DATADIR (meson) */
#else
/* built without meson (tests/fuzz/build.sh): meson's default layout */
#define PS_PREFIX    "/usr/local"
#define PS_BINDIR    "bin"
#define PS_LOCALEDIR "share/locale"
#define PS_DATADIR   "share"
#endif

#include <string.h>

#define MARKER "paramscope-uninstalled.ini"
#define GROUP  "Paths"

void
ps_paths_free (PsPaths *paths)
{
  if (paths == NULL)
    return;
  g_free (paths->localedir);
  g_free (paths->datadir);
  g_free (paths->icondir);
  g_free (paths);
}

/* A configured directory (relative to the prefix, or absolute when it was
 * configured outside it) under prefix, then child (nullable). */
static char *
under (const char *prefix, const char *configured, const char *child)
{
  if (g_path_is_absolute (configured))
    return g_build_filename (configured, child, NULL);
  return g_build_filename (prefix, configured, child, NULL);
}

static PsPaths *
installed (const char *prefix)
{
  PsPaths *p = g_new0 (PsPaths, 1);

  p->localedir = under (prefix, PS_LOCALEDIR, NULL);
  p->datadir = under (prefix, PS_DATADIR, "paramscope");
  p->icondir = under (prefix, PS_DATADIR, "icons");
  return p;
}

/* The prefix of a program installed at exe: its directory up by as many
 * levels as the configured bindir has parts.  A bindir configured outside
 * the prefix (absolute) does not say where the prefix is: the configured
 * one, then. */
static char *
prefix_of (const char *exe)
{
  g_autofree char *dir = g_path_get_dirname (exe);
  g_auto (GStrv) parts = NULL;

  if (g_path_is_absolute (PS_BINDIR))
    return g_strdup (PS_PREFIX);
  parts = g_strsplit (PS_BINDIR, G_DIR_SEPARATOR_S, -1);
  for (guint i = 0; parts[i] != NULL; i++)
    if (parts[i][0] != '\0' && strcmp (parts[i], ".") != 0)
      {
        char *up = g_path_get_dirname (dir);
        g_free (dir);
        dir = up;
      }
  return g_steal_pointer (&dir);
}

/* The build tree's marker beside exe, if it is there and names every
 * directory (absolute); NULL otherwise. */
static PsPaths *
uninstalled (const char *exe)
{
  g_autofree char *dir = g_path_get_dirname (exe);
  g_autofree char *ini = g_build_filename (dir, MARKER, NULL);
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (PsPaths) p = g_new0 (PsPaths, 1);

  if (!g_key_file_load_from_file (kf, ini, G_KEY_FILE_NONE, NULL))
    return NULL;
  p->localedir = g_key_file_get_string (kf, GROUP, "localedir", NULL);
  p->datadir = g_key_file_get_string (kf, GROUP, "datadir", NULL);
  p->icondir = g_key_file_get_string (kf, GROUP, "icondir", NULL);
  p->uninstalled = TRUE;
  if (p->localedir == NULL || !g_path_is_absolute (p->localedir) || p->datadir == NULL
      || !g_path_is_absolute (p->datadir) || p->icondir == NULL
      || !g_path_is_absolute (p->icondir))
    return NULL;
  return g_steal_pointer (&p);
}

PsPaths *
ps_paths_new_for_executable (const char *exe)
{
  g_autofree char *prefix = NULL;
  PsPaths *p;

  g_return_val_if_fail (exe != NULL && g_path_is_absolute (exe), NULL);
  p = uninstalled (exe);
  if (p != NULL)
    return p;
  prefix = prefix_of (exe);
  return installed (prefix);
}

const PsPaths *
ps_paths_get (void)
{
  static gsize once = 0;
  static PsPaths *paths;

  if (g_once_init_enter (&once))
    {
      g_autofree char *exe = g_file_read_link ("/proc/self/exe", NULL);
      paths = exe != NULL && g_path_is_absolute (exe) ? ps_paths_new_for_executable (exe)
                                                       : installed (PS_PREFIX);
      g_once_init_leave (&once, 1);
    }
  return paths;
}
