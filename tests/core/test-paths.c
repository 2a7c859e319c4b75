/* test-paths.c — where ParamScope finds its data (core/ps-paths.c): from a
 * build-tree executable, the directories its paramscope-uninstalled.ini
 * names; from an installed one, those under its prefix, wherever that is.
 * The installed programs themselves are run by test-install.sh. */
#include "ps-test-util.h"
#include "ps-paths.h"
#include "ps-paths-config.h"

#include <glib/gstdio.h>

#ifndef PS_BUILD_ROOT
#error "PS_BUILD_ROOT and PS_SOURCE_ROOT must be defined"
#endif

static void
write_file (const char *dir, const char *name, const char *text)
{
  g_autofree char *path = g_build_filename (dir, name, NULL);
  GError *error = NULL;

  g_assert_cmpint (g_mkdir_with_parents (dir, 0700), ==, 0);
  g_file_set_contents (path, text, -1, &error);
  g_assert_no_error (error);
}

/* Installed under a prefix that is not the configured one: the data are
 * found under it (the executable need not exist to be placed). */
static void
test_installed (void)
{
  g_autofree char *prefix = ps_test_tmpdir ();
  g_autofree char *exe = g_build_filename (prefix, PS_BINDIR, "paramscope", NULL);
  g_autofree char *locale = g_build_filename (prefix, PS_LOCALEDIR, NULL);
  g_autofree char *data = g_build_filename (prefix, PS_DATADIR, "paramscope", NULL);
  g_autofree char *icons = g_build_filename (prefix, PS_DATADIR, "icons", NULL);
  g_autoptr (PsPaths) p = NULL;

  if (g_path_is_absolute (PS_BINDIR))
    {
      g_test_skip ("bindir is configured outside the prefix");
      ps_test_rmdir (prefix);
      return;
    }
  p = ps_paths_new_for_executable (exe);
  g_assert_false (p->uninstalled);
  if (!g_path_is_absolute (PS_LOCALEDIR))
    g_assert_cmpstr (p->localedir, ==, locale);
  if (!g_path_is_absolute (PS_DATADIR))
    {
      g_assert_cmpstr (p->datadir, ==, data);
      g_assert_cmpstr (p->icondir, ==, icons);
    }
  ps_test_rmdir (prefix);
}

/* Beside a build-tree executable: what its marker names. */
static void
test_uninstalled (void)
{
  g_autofree char *root = ps_test_tmpdir ();
  g_autofree char *dir = g_build_filename (root, "app", NULL);
  g_autofree char *exe = g_build_filename (dir, "paramscope", NULL);
  g_autoptr (PsPaths) p = NULL;

  write_file (dir, "paramscope-uninstalled.ini",
              "# the build tree\n[Paths]\nlocaledir=/b/po\ndatadir=/s/data\n"
              "icondir=/s/data/icons\n");
  p = ps_paths_new_for_executable (exe);
  g_assert_true (p->uninstalled);
  g_assert_cmpstr (p->localedir, ==, "/b/po");
  g_assert_cmpstr (p->datadir, ==, "/s/data");
  g_assert_cmpstr (p->icondir, ==, "/s/data/icons");
  ps_test_rmdir (root);
}

/* A marker that does not name every directory absolutely, or is not a key
 * file at all, is not one: the executable is taken as installed. */
static void
test_bad_marker (void)
{
  static const char *const markers[] = {
    "[Paths]\nlocaledir=/b/po\ndatadir=/s/data\n",                      /* no icondir */
    "[Paths]\nlocaledir=po\ndatadir=/s/data\nicondir=/s/data/icons\n",  /* relative */
    "[Other]\nlocaledir=/b/po\ndatadir=/s/data\nicondir=/s/data/icons\n",
    "localedir=/b/po\n",                                                /* no group */
    "",
  };

  for (guint i = 0; i < G_N_ELEMENTS (markers); i++)
    {
      g_autofree char *root = ps_test_tmpdir ();
      g_autofree char *dir = g_build_filename (root, "app", NULL);
      g_autofree char *exe = g_build_filename (dir, "paramscope", NULL);
      g_autoptr (PsPaths) p = NULL;

      write_file (dir, "paramscope-uninstalled.ini", markers[i]);
      p = ps_paths_new_for_executable (exe);
      g_assert_false (p->uninstalled);
      g_assert_true (g_path_is_absolute (p->localedir));
      g_assert_cmpstr (p->datadir, !=, "/s/data");
      ps_test_rmdir (root);
    }
}

/* This program runs from build/tests: the build's catalogue and the
 * source's examples and icon, found once. */
static void
test_self (void)
{
  const PsPaths *p = ps_paths_get ();
  g_autofree char *po = g_build_filename (PS_BUILD_ROOT, "po", NULL);
  g_autofree char *data = g_build_filename (PS_SOURCE_ROOT, "data", NULL);
  g_autofree char *mo = g_build_filename (p->localedir, "zh_CN", "LC_MESSAGES", "paramscope.mo",
                                          NULL);
  g_autofree char *mlp = g_build_filename (p->datadir, "models", "mlp.py", NULL);
  g_autofree char *icon = g_build_filename (p->icondir, "hicolor", "scalable", "apps",
                                            "org.paramscope.ParamScope.svg", NULL);

  g_assert_true (p == ps_paths_get ());
  g_assert_true (p->uninstalled);
  g_assert_cmpstr (p->localedir, ==, po);
  g_assert_cmpstr (p->datadir, ==, data);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (mlp, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_file_test (icon, G_FILE_TEST_IS_REGULAR));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/paths/installed", test_installed);
  g_test_add_func ("/paths/uninstalled", test_uninstalled);
  g_test_add_func ("/paths/bad-marker", test_bad_marker);
  g_test_add_func ("/paths/self", test_self);
  return g_test_run ();
}
