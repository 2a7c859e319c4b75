/* py-lexer.c — Python source to tokens */
#include "py-lexer.h"
#include "ps-i18n.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
  const char *src, *end, *p;
  int line;
  const char *line_start;
  const char *col_line_start, *col_at;   /* col_of's memo */
  glong col_chars;
  int col0;                   /* added to columns on the first line */
  int line0;
  GArray *toks;
  PySyntaxError *err;
  int depth;                  /* bracket nesting */
  int indents[128];
  int open_line[256], open_col[256];
  char open_char[256];   /* where each open bracket is */
  int n_indents;
  gboolean expr_mode;
} Lexer;

static int
col_of (Lexer *lx, const char *p)
{
  /* counted on from the last place asked on this line: long lines stay linear */
  if (lx->col_line_start != lx->line_start || p < lx->col_at)
    {
      lx->col_line_start = lx->line_start;
      lx->col_at = lx->line_start;
      lx->col_chars = 0;
    }
  lx->col_chars += g_utf8_strlen (lx->col_at, p - lx->col_at);
  lx->col_at = p;
  int c = (int) lx->col_chars + 1;
  return lx->line == lx->line0 ? c + lx->col0 : c;
}

static gboolean
fail (Lexer *lx, const char *p, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  lx->err->msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  lx->err->line = lx->line;
  lx->err->col = col_of (lx, p);
  return FALSE;
}

static void
push (Lexer *lx, PyTokKind kind, const char *at, char *text, gsize len)
{
  PyToken t = { .kind = kind, .line = lx->line, .col = col_of (lx, at), .text = text, .len = len };
  g_array_append_val (lx->toks, t);
}

void
py_tokens_free (GArray *toks)
{
  if (!toks)
    return;
  for (guint i = 0; i < toks->len; i++)
    g_free (g_array_index (toks, PyToken, i).text);
  g_array_free (toks, TRUE);
}

gboolean
py_decode_escapes (const char *s, gsize len, GString *out, char **bad)
{
  const char *end = s + len;
  while (s < end)
    {
      if (*s != '\\' || s + 1 >= end)
        {
          g_string_append_c (out, *s++);
          continue;
        }
      s++;
      char c = *s++;
      switch (c)
        {
        case '\n': break;
        case '\\': g_string_append_c (out, '\\'); break;
        case '\'': g_string_append_c (out, '\''); break;
        case '"': g_string_append_c (out, '"'); break;
        case 'a': g_string_append_c (out, '\a'); break;
        case 'b': g_string_append_c (out, '\b'); break;
        case 'f': g_string_append_c (out, '\f'); break;
        case 'n': g_string_append_c (out, '\n'); break;
        case 'r': g_string_append_c (out, '\r'); break;
        case 't': g_string_append_c (out, '\t'); break;
        case 'v': g_string_append_c (out, '\v'); break;
        case 'x': case 'u': case 'U':
          {
            int n = c == 'x' ? 2 : c == 'u' ? 4 : 8;
            gunichar v = 0;
            for (int i = 0; i < n; i++)
              {
                if (s >= end || !g_ascii_isxdigit (*s))
                  {
                    *bad = g_strdup_printf ("(unicode error) truncated \\%c escape", c);
                    return FALSE;
                  }
                v = v * 16 + g_ascii_xdigit_value (*s++);
              }
            if (v > 0x10FFFF)
              {
                *bad = g_strdup ("(unicode error) illegal Unicode character");
                return FALSE;
              }
            g_string_append_unichar (out, v);
            break;
          }
        case '0': case '1': case '2': case '3': case '4': case '5': case '6': case '7':
          {
            int v = c - '0';
            for (int i = 0; i < 2 && s < end && *s >= '0' && *s <= '7'; i++)
              v = v * 8 + (*s++ - '0');
            g_string_append_unichar (out, v);
            break;
          }
        default:
          g_string_append_c (out, '\\');
          g_string_append_c (out, c);
        }
    }
  return TRUE;
}

static const char *const ops3[] = { "**=", "//=", ">>=", "<<=", "...", NULL };
static const char *const ops2[] = { "**", "//", "==", "!=", "<=", ">=", "<<", ">>", "+=", "-=",
                                    "*=", "/=", "%=", "&=", "|=", "^=", "@=", "->", ":=", NULL };
static const char ops1[] = "+-*/%@<>=&|^~()[]{},:.;!";

static gboolean
lex_string (Lexer *lx, const char *start, const char *p, gboolean raw, gboolean fstr,
            gboolean bytes)
{
  char q = *p;
  gboolean triple = p + 2 < lx->end && p[1] == q && p[2] == q;
  const char *body = p + (triple ? 3 : 1);
  int body_line = lx->line, body_col = col_of (lx, body);
  const char *s = body;
  for (;;)
    {
      if (s >= lx->end)
        return fail (lx, start, triple ? "unterminated triple-quoted string literal (detected at line %d)"
                     : "unterminated string literal (detected at line %d)", lx->line);
      if (*s == '\\' && s + 1 < lx->end)
        {
          if (s[1] == '\n')
            {
              lx->line++;
              lx->line_start = s + 2;
            }
          s += 2;
          continue;
        }
      if (*s == '\n')
        {
          if (!triple)
            return fail (lx, start, "unterminated string literal (detected at line %d)", lx->line);
          lx->line++;
          lx->line_start = s + 1;
        }
      if (*s == q && (!triple || (s + 2 < lx->end && s[1] == q && s[2] == q)))
        break;
      s++;
    }
  PyToken t = { .line = body_line, .col = 0 };
  /* the token's place is its prefix's */
  {
    int save_line = lx->line;
    const char *save_ls = lx->line_start;
    (void) save_line;
    (void) save_ls;
  }
  t.kind = fstr ? PY_TOK_FSTRING : PY_TOK_STRING;
  if (fstr)
    {
      t.text = g_strndup (body, s - body);
      t.len = s - body;
      t.raw = raw;
      t.body_line = body_line;
      t.body_col = body_col;
    }
  else
    {
      GString *g = g_string_new (NULL);
      if (raw)
        g_string_append_len (g, body, s - body);
      else
        {
          char *bad = NULL;
          if (!py_decode_escapes (body, s - body, g, &bad))
            {
              g_string_free (g, TRUE);
              lx->err->msg = bad;
              lx->err->line = body_line;
              lx->err->col = body_col;
              return FALSE;
            }
        }
      t.len = g->len;
      t.text = g_string_free (g, FALSE);
    }
  t.raw = raw;
  (void) bytes;
  t.col = start ? 0 : 0;
  lx->p = s + (triple ? 3 : 1);
  g_array_append_val (lx->toks, t);
  return TRUE;
}

static gboolean
lex_number (Lexer *lx, const char *p)
{
  const char *s = p;
  char buf[128];
  int n = 0;
  gboolean is_float = FALSE;
  int base = 10;
  if (*s == '0' && s + 1 < lx->end && s[1] && strchr ("xXoObB", s[1]))
    {
      base = (s[1] == 'x' || s[1] == 'X') ? 16 : (s[1] == 'o' || s[1] == 'O') ? 8 : 2;
      s += 2;
      while (s < lx->end && (g_ascii_isxdigit (*s) || *s == '_'))
        {
          if (*s != '_' && n < 120)
            buf[n++] = *s;
          s++;
        }
    }
  else
    {
      while (s < lx->end && (g_ascii_isdigit (*s) || *s == '_' || *s == '.' || *s == 'e' || *s == 'E'
                             || ((*s == '+' || *s == '-') && (s[-1] == 'e' || s[-1] == 'E'))))
        {
          if (*s == '.' || *s == 'e' || *s == 'E')
            is_float = TRUE;
          if (*s == '.' && s + 1 < lx->end && s[1] == '.')
            break;
          if (*s != '_' && n < 120)
            buf[n++] = *s;
          s++;
        }
    }
  buf[n] = 0;
  if (s < lx->end && (g_ascii_isalpha (*s) || *s == '_'))
    {
      if (*s == 'j' || *s == 'J')
        return fail (lx, p, _("complex numbers are not supported"));
      return fail (lx, p, "invalid decimal literal");
    }
  PyToken t = { .line = lx->line, .col = col_of (lx, p) };
  if (is_float)
    {
      char *end;
      t.kind = PY_TOK_FLOAT;
      t.fval = g_ascii_strtod (buf, &end);
      if (*end)
        return fail (lx, p, "invalid decimal literal");
    }
  else
    {
      char *end;
      errno = 0;
      t.kind = PY_TOK_INT;
      guint64 v = g_ascii_strtoull (buf, &end, base);
      if (*end || n == 0)
        return fail (lx, p, "invalid %s literal", base == 16 ? "hexadecimal" : base == 8 ? "octal"
                     : base == 2 ? "binary" : "decimal");
      if (errno == ERANGE || v > (guint64) G_MAXINT64)
        return fail (lx, p, _("integer literal too large: ParamScope's int is 64-bit"));
      if (base == 10 && n > 1 && buf[0] == '0' && v != 0)
        return fail (lx, p, "leading zeros in decimal integer literals are not permitted; "
                     "use an 0o prefix for octal integers");
      t.ival = (gint64) v;
    }
  g_array_append_val (lx->toks, t);
  lx->p = s;
  return TRUE;
}

GArray *
py_lex (const char *src, gsize len, int line0, int col0, gboolean expr_mode, PySyntaxError *err)
{
  Lexer lx = { .src = src, .end = src + len, .p = src, .line = line0, .line_start = src,
               .col0 = col0, .line0 = line0, .err = err, .expr_mode = expr_mode };
  lx.toks = g_array_new (FALSE, TRUE, sizeof (PyToken));
  lx.indents[0] = 0;
  lx.n_indents = 1;
  gboolean at_line_start = !expr_mode;
  /* a UTF-8 byte order mark */
  if (len >= 3 && memcmp (src, "\xEF\xBB\xBF", 3) == 0)
    lx.p += 3;
  while (lx.p < lx.end)
    {
      const char *p = lx.p;
      if (at_line_start)
        {
          int width = 0;
          while (p < lx.end && (*p == ' ' || *p == '\t' || *p == '\f'))
            {
              width = *p == '\t' ? (width / 8 + 1) * 8 : *p == ' ' ? width + 1 : 0;
              p++;
            }
          /* blank lines and comment lines do not change indentation */
          if (p >= lx.end || *p == '\n' || *p == '#' || *p == '\r')
            {
              while (p < lx.end && *p != '\n')
                p++;
              if (p < lx.end)
                {
                  p++;
                  lx.line++;
                  lx.line_start = p;
                }
              lx.p = p;
              continue;
            }
          at_line_start = FALSE;
          if (width > lx.indents[lx.n_indents - 1])
            {
              if (lx.n_indents >= (int) G_N_ELEMENTS (lx.indents))
                {
                  fail (&lx, p, "too many levels of indentation");
                  goto error;
                }
              lx.indents[lx.n_indents++] = width;
              push (&lx, PY_TOK_INDENT, p, NULL, 0);
            }
          else
            {
              while (width < lx.indents[lx.n_indents - 1])
                {
                  lx.n_indents--;
                  push (&lx, PY_TOK_DEDENT, p, NULL, 0);
                }
              if (width != lx.indents[lx.n_indents - 1])
                {
                  fail (&lx, p, "unindent does not match any outer indentation level");
                  err->indentation = TRUE;
                  goto error;
                }
            }
          lx.p = p;
          continue;
        }
      char c = *p;
      if (c == ' ' || c == '\t' || c == '\f' || c == '\r')
        {
          lx.p++;
          continue;
        }
      if (c == '#')
        {
          while (lx.p < lx.end && *lx.p != '\n')
            lx.p++;
          continue;
        }
      if (c == '\\' && p + 1 < lx.end && (p[1] == '\n' || (p[1] == '\r' && p + 2 < lx.end && p[2] == '\n')))
        {
          lx.p = p + (p[1] == '\n' ? 2 : 3);
          lx.line++;
          lx.line_start = lx.p;
          continue;
        }
      if (c == '\n')
        {
          if (lx.depth == 0 && !expr_mode)
            {
              guint n = lx.toks->len;
              if (n && g_array_index (lx.toks, PyToken, n - 1).kind != PY_TOK_NEWLINE)
                push (&lx, PY_TOK_NEWLINE, p, NULL, 0);
              at_line_start = TRUE;
            }
          lx.p++;
          lx.line++;
          lx.line_start = lx.p;
          continue;
        }
      if (g_ascii_isalpha (c) || c == '_' || (guchar) c >= 0x80)
        {
          const char *s = p;
          while (s < lx.end && (g_ascii_isalnum (*s) || *s == '_' || (guchar) *s >= 0x80))
            s++;
          /* string prefixes */
          if (s < lx.end && (*s == '\'' || *s == '"') && s - p <= 2)
            {
              gboolean raw = FALSE, f = FALSE, b = FALSE, ok = TRUE;
              for (const char *q = p; q < s; q++)
                switch (g_ascii_tolower (*q))
                  {
                  case 'r': raw = TRUE; break;
                  case 'f': f = TRUE; break;
                  case 'b': b = TRUE; break;
                  case 'u': break;
                  default: ok = FALSE;
                  }
              if (ok)
                {
                  if (b)
                    {
                      fail (&lx, p, _("bytes literals are not supported"));
                      goto error;
                    }
                  int line = lx.line, col = col_of (&lx, p);
                  if (!lex_string (&lx, p, s, raw, f, b))
                    goto error;
                  PyToken *t = &g_array_index (lx.toks, PyToken, lx.toks->len - 1);
                  t->line = line;
                  t->col = col;
                  continue;
                }
            }
          if (!g_utf8_validate (p, s - p, NULL))
            {
              fail (&lx, p, "invalid UTF-8 in the source");
              goto error;
            }
          push (&lx, PY_TOK_NAME, p, g_strndup (p, s - p), s - p);
          lx.p = s;
          continue;
        }
      if (g_ascii_isdigit (c) || (c == '.' && p + 1 < lx.end && g_ascii_isdigit (p[1])))
        {
          if (!lex_number (&lx, p))
            goto error;
          continue;
        }
      if (c == '\'' || c == '"')
        {
          int line = lx.line, col = col_of (&lx, p);
          if (!lex_string (&lx, p, p, FALSE, FALSE, FALSE))
            goto error;
          PyToken *t = &g_array_index (lx.toks, PyToken, lx.toks->len - 1);
          t->line = line;
          t->col = col;
          continue;
        }
      const char *op = NULL;
      int oplen = 0;
      for (int i = 0; ops3[i]; i++)
        if (p + 3 <= lx.end && memcmp (p, ops3[i], 3) == 0)
          {
            op = ops3[i];
            oplen = 3;
            break;
          }
      if (!op)
        for (int i = 0; ops2[i]; i++)
          if (p + 2 <= lx.end && memcmp (p, ops2[i], 2) == 0)
            {
              op = ops2[i];
              oplen = 2;
              break;
            }
      if (!op && strchr (ops1, c) && c)
        oplen = 1;
      if (!oplen)
        {
          if ((guchar) c < 0x20)
            fail (&lx, p, "invalid non-printable character U+%04X", (guchar) c);
          else
            fail (&lx, p, "invalid character '%c' (U+%04X)", c, (guchar) c);
          goto error;
        }
      if (oplen == 1 && (c == '(' || c == '[' || c == '{'))
        {
          if (lx.depth >= 200)
            {
              fail (&lx, p, "too many nested parentheses");
              goto error;
            }
          lx.open_char[lx.depth] = c;
          lx.open_line[lx.depth] = lx.line;
          lx.open_col[lx.depth] = col_of (&lx, p);
          lx.depth++;
        }
      else if (oplen == 1 && (c == ')' || c == ']' || c == '}'))
        {
          if (lx.depth == 0)
            {
              fail (&lx, p, expr_mode ? "f-string: unmatched '%c'" : "unmatched '%c'", c);
              goto error;
            }
          lx.depth--;
        }
      push (&lx, PY_TOK_OP, p, g_strndup (p, oplen), oplen);
      lx.p = p + oplen;
    }
  if (lx.depth > 0 && !expr_mode)
    {
      fail (&lx, lx.p, "'%c' was never closed", lx.open_char[lx.depth - 1]);
      err->line = lx.open_line[lx.depth - 1];
      err->col = lx.open_col[lx.depth - 1];
      goto error;
    }
  if (!expr_mode)
    {
      guint n = lx.toks->len;
      if (n && g_array_index (lx.toks, PyToken, n - 1).kind != PY_TOK_NEWLINE)
        push (&lx, PY_TOK_NEWLINE, lx.p, NULL, 0);
      while (lx.n_indents > 1)
        {
          lx.n_indents--;
          push (&lx, PY_TOK_DEDENT, lx.p, NULL, 0);
        }
    }
  push (&lx, PY_TOK_EOF, lx.p, NULL, 0);
  return lx.toks;

error:
  py_tokens_free (lx.toks);
  return NULL;
}
