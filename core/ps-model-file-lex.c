/* ps-model-file-lex.c — the tokens of a model file, its error reporter, and
 * the check every text passes first (ps_model_check_text: UTF-8, no NUL)
 *
 * Python's line structure: NEWLINE ends a logical line (not inside brackets),
 * INDENT and DEDENT open and close blocks; a tab counts as 8 columns and the
 * indentation must agree under tab = 1 as well, as Python requires.
 */
#include "ps-model-file-private.h"

/* The line and column (in bytes, from 1) of byte at in text. */
static void
position_of (const char *text, const char *at, int *line, int *col)
{
  *line = 1;
  *col = 1;
  for (const char *p = text; p < at; p++)
    {
      if (*p == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else
        (*col)++;
    }
}

gboolean
ps_model_check_text (const char *text, gsize len, const char *file, GError **error)
{
  const char *bad = NULL, *nul = memchr (text, '\0', len);
  int line, col;

  if (nul != NULL)
    {
      position_of (text, nul, &line, &col);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   _("%s:%d:%d: a NUL byte; a model file is UTF-8 text"), file, line, col);
      return FALSE;
    }
  if (!g_utf8_validate (text, (gssize) len, &bad))
    {
      position_of (text, bad, &line, &col);
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   _("%s:%d:%d: invalid UTF-8; a model file is UTF-8 text"), file, line, col);
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_mf_fail_at (Ctx *c, int line, int col, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;

  if (c->error && *c->error)
    return FALSE;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  /* positions count characters, not bytes (a name in Chinese is one column a character) */
  if (c->src && line >= 1 && col > 1)
    {
      const char *p = c->src, *end = c->src + c->len;
      for (int l = 1; l < line && p < end; p++)
        if (*p == '\n')
          l++;
      if (p + col - 1 <= end && g_utf8_validate (p, col - 1, NULL))
        col = (int) g_utf8_strlen (p, col - 1) + 1;
    }
  g_set_error (c->error, PS_ERROR, PS_ERROR_PARSE, "%s:%d:%d: %s", c->file, line, col, msg);
  return FALSE;
}

void
ps_mf_tok_clear (gpointer p)
{
  g_free (((Tok *) p)->text);
}

static void
push (Ctx *c, TokKind k, char *text, int line, int col)
{
  Tok t = { k, text, line, col };
  g_array_append_val (c->toks, t);
}

/* The text of a string literal from *sp (just after its opening quote q) to
 * its closing quote on the same line, \n and \t and \x (x) read unless raw;
 * *sp is left after the closing quote.  NULL with c's error set when the
 * line or the file ends first. */
static char *
string_body (Ctx *c, const char **sp, const char *end, char q, gboolean raw, int line, int col)
{
  const char *s = *sp;
  GString *str = g_string_new (NULL);

  while (s < end && *s != q && *s != '\n')
    {
      if (*s == '\\' && !raw && s + 1 < end)
        {
          s++;
          g_string_append_c (str, *s == 'n' ? '\n' : *s == 't' ? '\t' : *s);
        }
      else
        g_string_append_c (str, *s);
      s++;
    }
  if (s >= end || *s != q)
    {
      g_string_free (str, TRUE);
      ps_mf_fail_at (c, line, col, _("unterminated string literal"));
      return NULL;
    }
  *sp = s + 1;
  return g_string_free (str, FALSE);
}

gboolean
ps_mf_tokenize (Ctx *c)
{
  const char *s = c->src, *end = c->src + c->len;
  int line = 1;
  const char *line_start = s;
  int indents[256] = { 0 }, alt_indents[256] = { 0 };   /* tab = 8 columns, and tab = 1 */
  int n_indents = 1;
  int depth = 0;
  gboolean at_line_start = TRUE;
  char open_stack[MAX_NEST_DEPTH];
  int open_line[MAX_NEST_DEPTH], open_col[MAX_NEST_DEPTH];

  while (s < end)
    {
      int col = (int) (s - line_start) + 1;

      if (at_line_start && depth == 0)
        {
          int width = 0, alt = 0;
          const char *p = s;
          while (p < end && (*p == ' ' || *p == '\t' || *p == '\f'))
            {
              width = *p == '\t' ? (width / 8 + 1) * 8 : width + 1;
              alt++;
              p++;
            }
          if (p >= end || *p == '\n' || *p == '#' || *p == '\r')
            {
              /* blank or comment-only line */
              while (p < end && *p != '\n')
                p++;
              if (p < end)
                p++;
              s = p;
              line++;
              line_start = s;
              continue;
            }
          at_line_start = FALSE;
          s = p;
          col = (int) (s - line_start) + 1;
          /* Python 3's rule: the indentation must compare the same way whether
           * a tab counts 8 columns or 1, else it is a TabError */
          if (width == indents[n_indents - 1])
            {
              if (alt != alt_indents[n_indents - 1])
                return ps_mf_fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
            }
          else if (width > indents[n_indents - 1])
            {
              if (alt <= alt_indents[n_indents - 1])
                return ps_mf_fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
              if (n_indents >= (int) G_N_ELEMENTS (indents))
                return ps_mf_fail_at (c, line, col, _("indentation is nested too deeply"));
              alt_indents[n_indents] = alt;
              indents[n_indents++] = width;
              push (c, T_INDENT, NULL, line, col);
            }
          else
            {
              while (width < indents[n_indents - 1])
                {
                  n_indents--;
                  push (c, T_DEDENT, NULL, line, col);
                }
              if (width != indents[n_indents - 1])
                return ps_mf_fail_at (c, line, col,
                                _("unindent does not match any outer indentation level"));
              if (alt != alt_indents[n_indents - 1])
                return ps_mf_fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
            }
          continue;
        }

      if (*s == ' ' || *s == '\t' || *s == '\f' || *s == '\r')
        {
          s++;
          continue;
        }
      if (*s == '#')
        {
          while (s < end && *s != '\n')
            s++;
          continue;
        }
      if (*s == '\\' && s + 1 < end && (s[1] == '\n' || (s[1] == '\r' && s + 2 < end && s[2] == '\n')))
        {
          s += s[1] == '\n' ? 2 : 3;
          line++;
          line_start = s;
          continue;
        }
      if (*s == '\n')
        {
          if (depth == 0)
            {
              push (c, T_NEWLINE, NULL, line, col);
              at_line_start = TRUE;
            }
          s++;
          line++;
          line_start = s;
          continue;
        }
      if (g_ascii_isalpha (*s) || *s == '_' || (guchar) *s >= 0x80)
        {
          const char *b = s;
          gboolean fstr;
          if ((guchar) *s >= 0x80)
            return ps_mf_fail_at (c, line, col, _("only ASCII names are supported"));
          while (s < end && (g_ascii_isalnum (*s) || *s == '_'))
            s++;
          fstr = (s - b == 1 && (*b == 'f' || *b == 'F')) || (s - b == 1 && (*b == 'r' || *b == 'R'));
          if (fstr && s < end && (*s == '\'' || *s == '"'))
            {
              gboolean is_f = *b == 'f' || *b == 'F';
              gboolean raw = !is_f;
              char q = *s++;
              char *text = string_body (c, &s, end, q, raw, line, col);
              if (text == NULL)
                return FALSE;
              push (c, is_f ? T_FSTRING : T_STRING, text, line, col);
              continue;
            }
          push (c, T_NAME, g_strndup (b, s - b), line, col);
          continue;
        }
      if (g_ascii_isdigit (*s) || (*s == '.' && s + 1 < end && g_ascii_isdigit (s[1])))
        {
          const char *b = s;
          gboolean is_float = FALSE;
          GString *num = g_string_new (NULL);
          while (s < end && (g_ascii_isdigit (*s) || *s == '_'))
            s++;
          if (s < end && *s == '.')
            {
              is_float = TRUE;
              s++;
              while (s < end && (g_ascii_isdigit (*s) || *s == '_'))
                s++;
            }
          if (s < end && (*s == 'e' || *s == 'E'))
            {
              const char *e = s + 1;
              if (e < end && (*e == '+' || *e == '-'))
                e++;
              if (e < end && g_ascii_isdigit (*e))
                {
                  is_float = TRUE;
                  s = e;
                  while (s < end && g_ascii_isdigit (*s))
                    s++;
                }
            }
          if (s < end && (g_ascii_isalpha (*s) || *s == '_'))
            {
              g_string_free (num, TRUE);
              return ps_mf_fail_at (c, line, col, _("invalid number literal"));
            }
          for (const char *p = b; p < s; p++)
            if (*p != '_')
              g_string_append_c (num, *p);
          push (c, is_float ? T_FLOAT : T_INT, g_string_free (num, FALSE), line, col);
          continue;
        }
      if (*s == '\'' || *s == '"')
        {
          char q = *s++;
          char *text;
          if (s + 1 < end && s[0] == q && s[1] == q)
            return ps_mf_fail_at (c, line, col, _("triple-quoted strings are not supported"));
          text = string_body (c, &s, end, q, FALSE, line, col);
          if (text == NULL)
            return FALSE;
          push (c, T_STRING, text, line, col);
          continue;
        }
      {
        static const char *two[] = { "**", "//", "==", "!=", "<=", ">=", "+=", "-=", "*=", "/=", "->" };
        const char *op = NULL;
        for (guint i = 0; i < G_N_ELEMENTS (two); i++)
          if (s + 1 < end && s[0] == two[i][0] && s[1] == two[i][1])
            op = two[i];
        if (op)
          {
            push (c, T_OP, g_strdup (op), line, col);
            s += 2;
            continue;
          }
        if (strchr ("()[]{},:.=+-*/%<>@", *s) == NULL)
          return ps_mf_fail_at (c, line, col, "unexpected character '%c'%s", *s,
                          *s == ';' ? " (write one statement per line)" : "");
        if (*s == '(' || *s == '[' || *s == '{')
          {
            if (depth >= MAX_NEST_DEPTH)
              return ps_mf_fail_at (c, line, col, _("brackets are nested too deeply (limit %d)"),
                              MAX_NEST_DEPTH);
            open_line[depth] = line;
            open_col[depth] = col;
            open_stack[depth++] = *s;
          }
        else if (*s == ')' || *s == ']' || *s == '}')
          {
            char want = *s == ')' ? '(' : *s == ']' ? '[' : '{';
            if (depth == 0 || open_stack[depth - 1] != want)
              return ps_mf_fail_at (c, line, col, _("unmatched '%c'"), *s);
            depth--;
          }
        push (c, T_OP, g_strndup (s, 1), line, col);
        s++;
      }
    }
  if (depth > 0)
    return ps_mf_fail_at (c, open_line[depth - 1], open_col[depth - 1], _("'%c' was never closed"),
                    open_stack[depth - 1]);
  if (!at_line_start)
    push (c, T_NEWLINE, NULL, line, (int) (s - line_start) + 1);
  while (n_indents > 1)
    {
      n_indents--;
      push (c, T_DEDENT, NULL, line, 1);
    }
  push (c, T_EOF, NULL, line, 1);
  return TRUE;
}
