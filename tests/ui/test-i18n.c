/* test-i18n.c — the Simplified Chinese translation: the .mo built into
 * BUILD_LOCALEDIR is found and used, and po/zh_CN.po is complete (every
 * entry translated, none fuzzy, the same printf conversions as the msgid). */
#include <glib.h>
#include <libintl.h>
#include <locale.h>
#include <string.h>

#ifndef BUILD_LOCALEDIR
#error "BUILD_LOCALEDIR must be defined (the build's po/ directory)"
#endif
#ifndef ZH_CN_PO
#error "ZH_CN_PO must be defined (the source po/zh_CN.po)"
#endif

#define DOMAIN "paramscope"

static gboolean have_locale;

static void
test_mo_installed (void)
{
  g_autofree char *mo = g_build_filename (BUILD_LOCALEDIR, "zh_CN", "LC_MESSAGES",
                                          DOMAIN ".mo", NULL);
  g_assert_true (g_file_test (mo, G_FILE_TEST_IS_REGULAR));
}

static void
test_lookup (void)
{
  if (!have_locale)
    {
      g_test_skip ("no C.UTF-8 locale");
      return;
    }
  g_assert_cmpstr (g_dgettext (DOMAIN, "Forward"), ==, "前向传播");
  g_assert_cmpstr (g_dgettext (DOMAIN, "Backward"), ==, "反向传播");
  g_assert_cmpstr (g_dgettext (DOMAIN, "Open _Model…"), ==, "打开模型(_M)…");
  g_assert_cmpstr (g_dgettext (DOMAIN, "Learning rate"), ==, "学习率");
  g_assert_cmpstr (g_dgettext (DOMAIN, "Biases"), ==, "偏置");
  /* nplurals=1: one form for every n */
  for (gulong n = 0; n < 3; n++)
    g_assert_cmpstr (g_dngettext (DOMAIN, "%s, %lld value not finite",
                                  "%s, %lld values not finite", n),
                     ==, "%s，%lld 个值不是有限数");
  /* a msgid the catalogue does not have comes back unchanged */
  g_assert_cmpstr (g_dgettext (DOMAIN, "no such message"), ==, "no such message");
}

/* ---- the .po file ------------------------------------------------------- */

typedef struct {
  GString *msgid, *msgid_plural;
  GPtrArray *msgstr;           /* GString*, msgstr or msgstr[0..] in order */
  GString *cur;                /* the field continuation lines append to */
  gboolean fuzzy, c_format, obsolete, open;
  guint line;
} Entry;

static void
string_free (gpointer s)
{
  g_string_free (s, TRUE);
}

static void
entry_reset (Entry *e)
{
  g_string_truncate (e->msgid, 0);
  g_string_truncate (e->msgid_plural, 0);
  g_ptr_array_set_size (e->msgstr, 0);
  e->cur = NULL;
  e->fuzzy = e->c_format = e->obsolete = e->open = FALSE;
  e->line = 0;
}

/* The printf conversions of s in order, "%%" left out, e.g. "%s|%.6g|%'<PRId64>". */
static char *
conversions (const char *s)
{
  GString *out = g_string_new (NULL);
  for (const char *p = s; *p; p++)
    {
      if (*p != '%')
        continue;
      if (p[1] == '%')
        {
          p++;
          continue;
        }
      const char *start = p++;
      while (*p && strchr ("0123456789$'-+ #.*hlLqjzt", *p))
        p++;
      if (*p == '<')
        while (*p && *p != '>')
          p++;
      if (!*p)
        {
          g_string_append_printf (out, "%s|", start);
          break;
        }
      g_string_append_len (out, start, p - start + 1);
      g_string_append_c (out, '|');
    }
  return g_string_free (out, FALSE);
}

static void
entry_check (Entry *e, guint *n_entries)
{
  if (!e->open || e->obsolete)
    return;
  if (e->msgid->len == 0)   /* the header */
    {
      g_assert_cmpuint (e->msgstr->len, ==, 1);
      const char *h = ((GString *) e->msgstr->pdata[0])->str;
      g_assert_nonnull (strstr (h, "Language: zh_CN\\n"));
      g_assert_nonnull (strstr (h, "charset=UTF-8"));
      g_assert_nonnull (strstr (h, "Plural-Forms: nplurals=1; plural=0;"));
      return;
    }
  (*n_entries)++;
  if (e->fuzzy)
    g_error ("zh_CN.po:%u: \"%s\" is fuzzy", e->line, e->msgid->str);
  if (e->msgstr->len == 0)
    g_error ("zh_CN.po:%u: \"%s\" has no msgstr", e->line, e->msgid->str);
  g_autofree char *want = conversions (e->msgid->str);
  for (guint i = 0; i < e->msgstr->len; i++)
    {
      GString *s = e->msgstr->pdata[i];
      if (s->len == 0)
        g_error ("zh_CN.po:%u: \"%s\" is untranslated", e->line, e->msgid->str);
      if (e->c_format)
        {
          g_autofree char *got = conversions (s->str);
          if (g_strcmp0 (want, got) != 0)
            g_error ("zh_CN.po:%u: \"%s\": conversions %s in the msgid but %s in the msgstr",
                     e->line, e->msgid->str, want, got);
        }
    }
}

/* Appends the contents of a "..." literal, escapes kept as written. */
static void
append_quoted (GString *to, const char *s, guint line)
{
  s = strchr (s, '"');
  g_assert_nonnull (s);
  const char *end = strrchr (s, '"');
  if (end == s)
    g_error ("zh_CN.po:%u: unterminated string", line);
  g_string_append_len (to, s + 1, end - s - 1);
}

static void
test_po_complete (void)
{
  g_autofree char *text = NULL;
  GError *error = NULL;
  g_assert_true (g_file_get_contents (ZH_CN_PO, &text, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (g_utf8_validate (text, -1, NULL));

  Entry e = { g_string_new (NULL), g_string_new (NULL),
              g_ptr_array_new_with_free_func (string_free), NULL, FALSE, FALSE, FALSE, FALSE, 0 };
  g_auto(GStrv) lines = g_strsplit (text, "\n", -1);
  g_autoptr (GString) context = g_string_new (NULL);
  guint n_entries = 0;

  for (guint i = 0; lines[i]; i++)
    {
      const char *l = lines[i];
      gboolean obsolete = g_str_has_prefix (l, "#~");
      if (obsolete)
        for (l += 2; *l == ' '; l++)
          ;
      if (obsolete && *l == '\0')
        continue;
      if ((*l == '\0' && !obsolete) ||
          ((*l == '#' || g_str_has_prefix (l, "msgid ") || g_str_has_prefix (l, "msgctxt "))
           && e.msgstr->len > 0))
        {
          /* an entry ends at a blank line, or where the next one starts */
          entry_check (&e, &n_entries);
          entry_reset (&e);
          if (*l == '\0')
            continue;
        }
      if (g_str_has_prefix (l, "#,"))
        {
          if (strstr (l, "fuzzy"))
            e.fuzzy = TRUE;
          if (strstr (l, " c-format"))
            e.c_format = TRUE;
          continue;
        }
      if (*l == '#')
        continue;
      e.open = TRUE;
      e.obsolete = e.obsolete || obsolete;
      if (g_str_has_prefix (l, "msgctxt "))
        {
          /* the context (C_("badge", "tied")) only tells identical msgids apart */
          g_string_truncate (context, 0);
          e.cur = context;
        }
      else if (g_str_has_prefix (l, "msgid_plural "))
        e.cur = e.msgid_plural;
      else if (g_str_has_prefix (l, "msgid "))
        {
          e.cur = e.msgid;
          e.line = i + 1;
        }
      else if (g_str_has_prefix (l, "msgstr"))
        {
          e.cur = g_string_new (NULL);
          g_ptr_array_add (e.msgstr, e.cur);
        }
      else if (*l != '"')
        g_error ("zh_CN.po:%u: cannot parse \"%s\"", i + 1, lines[i]);
      if (!e.cur)
        g_error ("zh_CN.po:%u: a string outside an entry", i + 1);
      append_quoted (e.cur, l, i + 1);
    }
  entry_check (&e, &n_entries);

  g_test_message ("%u translated entries", n_entries);
  g_assert_cmpuint (n_entries, >, 150);

  g_ptr_array_unref (e.msgstr);
  g_string_free (e.msgid, TRUE);
  g_string_free (e.msgid_plural, TRUE);
}

int
main (int argc, char **argv)
{
  /* Before anything reads the environment: gettext looks at LANGUAGE,
   * which it ignores only when the locale is plain "C". */
  g_setenv ("LANGUAGE", "zh_CN", TRUE);
  g_setenv ("LC_ALL", "C.UTF-8", TRUE);
  have_locale = setlocale (LC_ALL, "") != NULL;

  g_test_init (&argc, &argv, NULL);

  g_assert_nonnull (bindtextdomain (DOMAIN, BUILD_LOCALEDIR));
  g_assert_nonnull (bind_textdomain_codeset (DOMAIN, "UTF-8"));

  g_test_add_func ("/i18n/mo-installed", test_mo_installed);
  g_test_add_func ("/i18n/lookup", test_lookup);
  g_test_add_func ("/i18n/po-complete", test_po_complete);
  return g_test_run ();
}
