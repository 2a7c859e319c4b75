/* ps-model-file.c — the Python subset of model files
 *
 * Three stages: a tokenizer that produces Python's INDENT/DEDENT structure,
 * a recursive-descent parser that builds a small AST, and an interpreter that
 * evaluates it with PyTorch's constructor signatures.
 */
#include "ps-model-file.h"
#include "py/ps-py.h"
#include "ps-error.h"
#include "ps-i18n.h"
#include "ps-tape.h"
#include "ps-util.h"

#include <glib/gstdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_CALL_DEPTH   64
#define MAX_NEST_DEPTH   100        /* brackets / expression nesting */
/* the fuzzing build (tests/fuzz/build.sh) lowers these two, to stay within its time limit */
#ifndef MAX_MODULES
#define MAX_MODULES      200000
#endif
#ifndef MAX_STATEMENTS
#define MAX_STATEMENTS   5000000     /* statements executed in all: loops in loops stop */
#endif
#ifndef MAX_EVALS
#define MAX_EVALS       20000000     /* expression nodes evaluated in all (~1.5 s here):
                                        long expressions in long loops stop too */
#endif
#ifndef MAX_LOOP_ITERS
#define MAX_LOOP_ITERS   1000000
#endif

/* ======================================================================
 * Tokens
 * ====================================================================== */

typedef enum
{
  T_EOF, T_NEWLINE, T_INDENT, T_DEDENT, T_NAME, T_INT, T_FLOAT, T_STRING, T_FSTRING, T_OP,
} TokKind;

typedef struct
{
  TokKind kind;
  char   *text;        /* NAME, number text, string contents (unescaped), OP */
  int     line, col;
} Tok;

typedef struct
{
  const char *file;
  const char *src;
  gsize       len;
  GArray     *toks;    /* Tok */
  guint       pos;     /* parser cursor */
  GError    **error;
  int         depth;
} Ctx;

static gboolean G_GNUC_PRINTF (4, 5)
fail_at (Ctx *c, int line, int col, const char *fmt, ...)
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

static void
tok_clear (gpointer p)
{
  g_free (((Tok *) p)->text);
}

static void
push (Ctx *c, TokKind k, char *text, int line, int col)
{
  Tok t = { k, text, line, col };
  g_array_append_val (c->toks, t);
}

static gboolean
tokenize (Ctx *c)
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
                return fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
            }
          else if (width > indents[n_indents - 1])
            {
              if (alt <= alt_indents[n_indents - 1])
                return fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
              if (n_indents >= (int) G_N_ELEMENTS (indents))
                return fail_at (c, line, col, _("indentation is nested too deeply"));
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
                return fail_at (c, line, col,
                                _("unindent does not match any outer indentation level"));
              if (alt != alt_indents[n_indents - 1])
                return fail_at (c, line, col, _("inconsistent use of tabs and spaces in indentation"));
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
            return fail_at (c, line, col, _("only ASCII names are supported"));
          while (s < end && (g_ascii_isalnum (*s) || *s == '_'))
            s++;
          fstr = (s - b == 1 && (*b == 'f' || *b == 'F')) || (s - b == 1 && (*b == 'r' || *b == 'R'));
          if (fstr && s < end && (*s == '\'' || *s == '"'))
            {
              gboolean is_f = *b == 'f' || *b == 'F';
              gboolean raw = !is_f;
              char q = *s++;
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
                  return fail_at (c, line, col, _("unterminated string literal"));
                }
              s++;
              push (c, is_f ? T_FSTRING : T_STRING, g_string_free (str, FALSE), line, col);
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
              return fail_at (c, line, col, _("invalid number literal"));
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
          GString *str = g_string_new (NULL);
          if (s + 1 < end && s[0] == q && s[1] == q)
            {
              g_string_free (str, TRUE);
              return fail_at (c, line, col, _("triple-quoted strings are not supported"));
            }
          while (s < end && *s != q && *s != '\n')
            {
              if (*s == '\\' && s + 1 < end)
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
              return fail_at (c, line, col, _("unterminated string literal"));
            }
          s++;
          push (c, T_STRING, g_string_free (str, FALSE), line, col);
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
          return fail_at (c, line, col, "unexpected character '%c'%s", *s,
                          *s == ';' ? " (write one statement per line)" : "");
        if (*s == '(' || *s == '[' || *s == '{')
          {
            if (depth >= MAX_NEST_DEPTH)
              return fail_at (c, line, col, _("brackets are nested too deeply (limit %d)"),
                              MAX_NEST_DEPTH);
            open_line[depth] = line;
            open_col[depth] = col;
            open_stack[depth++] = *s;
          }
        else if (*s == ')' || *s == ']' || *s == '}')
          {
            char want = *s == ')' ? '(' : *s == ']' ? '[' : '{';
            if (depth == 0 || open_stack[depth - 1] != want)
              return fail_at (c, line, col, _("unmatched '%c'"), *s);
            depth--;
          }
        push (c, T_OP, g_strndup (s, 1), line, col);
        s++;
      }
    }
  if (depth > 0)
    return fail_at (c, open_line[depth - 1], open_col[depth - 1], _("'%c' was never closed"),
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

/* ======================================================================
 * AST
 * ====================================================================== */

typedef enum
{
  N_NAME, N_INT, N_FLOAT, N_STR, N_FSTR, N_CALL, N_ATTR, N_INDEX, N_BINOP, N_NEG, N_TUPLE,
  N_LIST, N_KWARG,
  S_ASSIGN, S_EXPR, S_DEF, S_FOR, S_RETURN, S_PASS, S_PRINT,
} NodeKind;

typedef struct _Node Node;
struct _Node
{
  NodeKind  kind;
  int       line, col;
  char     *text;      /* NAME/attr name/op/string/number text/def name/for var */
  Node     *a, *b;     /* children: callee/object/lhs, index/rhs/value */
  GPtrArray *list;     /* args, elements, body, f-string parts, def params */
};

static void
node_free (Node *n)
{
  if (n == NULL)
    return;
  g_free (n->text);
  node_free (n->a);
  node_free (n->b);
  if (n->list)
    g_ptr_array_unref (n->list);
  g_free (n);
}

static Node *
node_new (NodeKind k, const Tok *t)
{
  Node *n = g_new0 (Node, 1);
  n->kind = k;
  n->line = t->line;
  n->col = t->col;
  return n;
}

static GPtrArray *
node_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) node_free);
}

static const Tok *
peek (Ctx *c)
{
  return &g_array_index (c->toks, Tok, c->pos);
}

static const Tok *
peek_at (Ctx *c, guint k)
{
  guint i = MIN (c->pos + k, c->toks->len - 1);
  return &g_array_index (c->toks, Tok, i);
}

static const Tok *
next (Ctx *c)
{
  const Tok *t = peek (c);
  if (t->kind != T_EOF)
    c->pos++;
  return t;
}

static gboolean
is_op (const Tok *t, const char *op)
{
  return t->kind == T_OP && strcmp (t->text, op) == 0;
}

static gboolean
is_name (const Tok *t, const char *name)
{
  return t->kind == T_NAME && strcmp (t->text, name) == 0;
}

static const char *
tok_desc (const Tok *t)
{
  switch (t->kind)
    {
    case T_EOF: return "end of file";
    case T_NEWLINE: return "end of line";
    case T_INDENT: return "an indented block";
    case T_DEDENT: return "the end of a block";
    default: return t->text;
    }
}

static gboolean
expect_op (Ctx *c, const char *op)
{
  const Tok *t = peek (c);
  if (!is_op (t, op))
    return fail_at (c, t->line, t->col, _("expected '%s' but found '%s'"), op, tok_desc (t));
  next (c);
  return TRUE;
}

static Node *parse_expr (Ctx *c);

static Node *
parse_fstring (Ctx *c, const Tok *t)
{
  Node *n = node_new (N_FSTR, t);
  const char *s = t->text;
  GString *lit = g_string_new (NULL);

  n->list = node_list ();
  while (*s)
    {
      if (s[0] == '{' && s[1] == '{')
        {
          g_string_append_c (lit, '{');
          s += 2;
        }
      else if (s[0] == '}' && s[1] == '}')
        {
          g_string_append_c (lit, '}');
          s += 2;
        }
      else if (*s == '{')
        {
          const char *close = strchr (s, '}');
          Ctx sub = { 0 };
          Node *e;
          g_autofree char *inner = NULL;
          if (close == NULL)
            {
              g_string_free (lit, TRUE);
              node_free (n);
              fail_at (c, t->line, t->col, _("f-string: '{' was never closed"));
              return NULL;
            }
          inner = g_strndup (s + 1, close - s - 1);
          if (strpbrk (inner, ":!") != NULL)
            {
              g_string_free (lit, TRUE);
              node_free (n);
              fail_at (c, t->line, t->col,
                       _("f-string: format specs and conversions ('%s') are not supported; "
                       "write {name} or {expression}"), inner);
              return NULL;
            }
          if (lit->len)
            {
              Node *l = node_new (N_STR, t);
              l->text = g_strdup (lit->str);
              g_ptr_array_add (n->list, l);
              g_string_truncate (lit, 0);
            }
          sub.file = c->file;
          sub.src = inner;
          sub.len = strlen (inner);
          sub.toks = g_array_new (FALSE, FALSE, sizeof (Tok));
          g_array_set_clear_func (sub.toks, tok_clear);
          sub.error = c->error;
          if (!tokenize (&sub))
            e = NULL;
          else
            {
              /* positions inside the f-string refer to the string's start */
              for (guint i = 0; i < sub.toks->len; i++)
                {
                  g_array_index (sub.toks, Tok, i).line = t->line;
                  g_array_index (sub.toks, Tok, i).col = t->col;
                }
              e = parse_expr (&sub);
              if (e && peek (&sub)->kind != T_NEWLINE && peek (&sub)->kind != T_EOF)
                {
                  fail_at (c, t->line, t->col, _("f-string: invalid expression '%s'"), inner);
                  node_free (e);
                  e = NULL;
                }
            }
          g_array_unref (sub.toks);
          if (e == NULL)
            {
              if (c->error && !*c->error)
                fail_at (c, t->line, t->col, _("f-string: empty expression"));
              g_string_free (lit, TRUE);
              node_free (n);
              return NULL;
            }
          g_ptr_array_add (n->list, e);
          s = close + 1;
        }
      else if (*s == '}')
        {
          g_string_free (lit, TRUE);
          node_free (n);
          fail_at (c, t->line, t->col, _("f-string: single '}' is not allowed"));
          return NULL;
        }
      else
        g_string_append_c (lit, *s++);
    }
  if (lit->len || n->list->len == 0)
    {
      Node *l = node_new (N_STR, t);
      l->text = g_strdup (lit->str);
      g_ptr_array_add (n->list, l);
    }
  g_string_free (lit, TRUE);
  return n;
}

/* args of a call: positional, then NAME=expr */
static gboolean
parse_call_args (Ctx *c, GPtrArray *args)
{
  while (!is_op (peek (c), ")"))
    {
      Node *e;
      if (peek (c)->kind == T_NAME && is_op (peek_at (c, 1), "="))
        {
          const Tok *nt = next (c);
          next (c);
          e = node_new (N_KWARG, nt);
          e->text = g_strdup (nt->text);
          e->a = parse_expr (c);
          if (e->a == NULL)
            {
              node_free (e);
              return FALSE;
            }
        }
      else
        {
          if (is_op (peek (c), "*") || is_op (peek (c), "**"))
            return fail_at (c, peek (c)->line, peek (c)->col,
                            _("argument unpacking (*args, **kwargs) is not supported"));
          e = parse_expr (c);
          if (e == NULL)
            return FALSE;
        }
      g_ptr_array_add (args, e);
      if (is_op (peek (c), ","))
        next (c);
      else if (!is_op (peek (c), ")"))
        return fail_at (c, peek (c)->line, peek (c)->col,
                        _("expected ',' or ')' in the argument list but found '%s'"),
                        tok_desc (peek (c)));
    }
  next (c);
  return TRUE;
}

static Node *
parse_atom (Ctx *c)
{
  const Tok *t = peek (c);
  Node *n;

  switch (t->kind)
    {
    case T_NAME:
      next (c);
      if (is_name (t, "lambda") || is_name (t, "if") || is_name (t, "not") || is_name (t, "yield"))
        {
          fail_at (c, t->line, t->col, _("'%s' is not supported in model files"), t->text);
          return NULL;
        }
      n = node_new (N_NAME, t);
      n->text = g_strdup (t->text);
      return n;
    case T_INT:
    case T_FLOAT:
      next (c);
      n = node_new (t->kind == T_INT ? N_INT : N_FLOAT, t);
      n->text = g_strdup (t->text);
      return n;
    case T_STRING:
      next (c);
      n = node_new (N_STR, t);
      n->text = g_strdup (t->text);
      /* adjacent literals concatenate */
      while (peek (c)->kind == T_STRING)
        {
          char *j = g_strconcat (n->text, next (c)->text, NULL);
          g_free (n->text);
          n->text = j;
        }
      return n;
    case T_FSTRING:
      next (c);
      return parse_fstring (c, t);
    case T_OP:
      if (is_op (t, "(") || is_op (t, "["))
        {
          gboolean paren = is_op (t, "(");
          const char *close = paren ? ")" : "]";
          gboolean saw_comma = FALSE;
          next (c);
          n = node_new (paren ? N_TUPLE : N_LIST, t);
          n->list = node_list ();
          while (!is_op (peek (c), close))
            {
              Node *e = parse_expr (c);
              if (e == NULL)
                {
                  node_free (n);
                  return NULL;
                }
              g_ptr_array_add (n->list, e);
              if (is_op (peek (c), ","))
                {
                  saw_comma = TRUE;
                  next (c);
                }
              else if (!is_op (peek (c), close))
                {
                  fail_at (c, peek (c)->line, peek (c)->col, _("expected ',' or '%s' but found '%s'"),
                           close, tok_desc (peek (c)));
                  node_free (n);
                  return NULL;
                }
            }
          next (c);
          if (paren && n->list->len == 1 && !saw_comma)
            {
              Node *inner = g_ptr_array_steal_index (n->list, 0);
              node_free (n);
              return inner;
            }
          return n;
        }
      /* fall through */
    default:
      fail_at (c, t->line, t->col, _("expected an expression but found '%s'"), tok_desc (t));
      return NULL;
    }
}

static Node *
parse_postfix (Ctx *c)
{
  Node *n = parse_atom (c);

  while (n)
    {
      const Tok *t = peek (c);
      Node *p;
      if (is_op (t, "("))
        {
          next (c);
          p = node_new (N_CALL, t);
          p->a = n;
          p->list = node_list ();
          if (!parse_call_args (c, p->list))
            {
              node_free (p);
              return NULL;
            }
          n = p;
        }
      else if (is_op (t, "."))
        {
          const Tok *nt;
          next (c);
          nt = peek (c);
          if (nt->kind != T_NAME)
            {
              fail_at (c, nt->line, nt->col, _("expected an attribute name after '.'"));
              node_free (n);
              return NULL;
            }
          next (c);
          p = node_new (N_ATTR, nt);
          p->a = n;
          p->text = g_strdup (nt->text);
          n = p;
        }
      else if (is_op (t, "["))
        {
          next (c);
          p = node_new (N_INDEX, t);
          p->a = n;
          if (is_op (peek (c), ":"))
            {
              fail_at (c, peek (c)->line, peek (c)->col,
                       _("slices are not supported: index one module at a time, e.g. net[0]"));
              node_free (p);
              return NULL;
            }
          p->b = parse_expr (c);
          if (p->b == NULL)
            {
              node_free (p);
              return NULL;
            }
          if (is_op (peek (c), ":") || is_op (peek (c), ","))
            {
              fail_at (c, peek (c)->line, peek (c)->col,
                       _("slices and multi-dimensional indexing are not supported in model files"));
              node_free (p);
              return NULL;
            }
          if (!expect_op (c, "]"))
            {
              node_free (p);
              return NULL;
            }
          n = p;
        }
      else
        break;
    }
  return n;
}

static Node *
parse_unary (Ctx *c)
{
  const Tok *t = peek (c);

  if (is_op (t, "-") || is_op (t, "+"))
    {
      Node *n, *e;
      if (++c->depth > MAX_NEST_DEPTH)
        {
          fail_at (c, t->line, t->col, _("expression is nested too deeply"));
          return NULL;
        }
      next (c);
      e = parse_unary (c);
      c->depth--;
      if (e == NULL)
        return NULL;
      if (is_op (t, "+"))
        return e;
      n = node_new (N_NEG, t);
      n->a = e;
      return n;
    }
  return parse_postfix (c);
}

static Node *
parse_power (Ctx *c)
{
  Node *n = parse_unary (c);
  if (n && is_op (peek (c), "**"))
    {
      const Tok *t = next (c);
      Node *p = node_new (N_BINOP, t);
      p->text = g_strdup ("**");
      p->a = n;
      p->b = parse_unary (c);
      if (p->b == NULL)
        {
          node_free (p);
          return NULL;
        }
      return p;
    }
  return n;
}

static Node *
parse_term (Ctx *c)
{
  Node *n = parse_power (c);
  while (n && (is_op (peek (c), "*") || is_op (peek (c), "/") || is_op (peek (c), "//")
               || is_op (peek (c), "%")))
    {
      const Tok *t = next (c);
      Node *p = node_new (N_BINOP, t);
      p->text = g_strdup (t->text);
      p->a = n;
      p->b = parse_power (c);
      if (p->b == NULL)
        {
          node_free (p);
          return NULL;
        }
      n = p;
    }
  return n;
}

static Node *
parse_expr (Ctx *c)
{
  Node *n;

  if (++c->depth > MAX_NEST_DEPTH)
    {
      const Tok *t = peek (c);
      fail_at (c, t->line, t->col, _("expression is nested too deeply (limit %d)"), MAX_NEST_DEPTH);
      return NULL;
    }
  n = parse_term (c);
  while (n && (is_op (peek (c), "+") || is_op (peek (c), "-")))
    {
      const Tok *t = next (c);
      Node *p = node_new (N_BINOP, t);
      p->text = g_strdup (t->text);
      p->a = n;
      p->b = parse_term (c);
      if (p->b == NULL)
        {
          node_free (p);
          n = NULL;
          break;
        }
      n = p;
    }
  c->depth--;
  if (n && peek (c)->kind == T_OP
      && (is_op (peek (c), "==") || is_op (peek (c), "!=") || is_op (peek (c), "<")
          || is_op (peek (c), ">") || is_op (peek (c), "<=") || is_op (peek (c), ">=")))
    {
      fail_at (c, peek (c)->line, peek (c)->col, _("comparisons are not supported in model files"));
      node_free (n);
      return NULL;
    }
  return n;
}

static gboolean parse_block (Ctx *c, GPtrArray *body, gboolean in_def);

static gboolean
end_of_statement (Ctx *c)
{
  const Tok *t = peek (c);
  if (t->kind == T_NEWLINE)
    {
      next (c);
      return TRUE;
    }
  if (t->kind == T_EOF)
    return TRUE;
  return fail_at (c, t->line, t->col, _("unexpected '%s' after the end of the statement"),
                  tok_desc (t));
}

static const char *supported_statements =
  "supported: import lines, NAME = EXPR, def NAME(): ... return EXPR, "
  "for NAME in range(...):, NET.add_module(NAME, MODULE), "
  "MODULE.weight = MODULE.weight, print(...)";

static Node *
parse_statement (Ctx *c, gboolean in_def)
{
  const Tok *t = peek (c);
  Node *n, *e;

  if (t->kind == T_INDENT)
    {
      fail_at (c, t->line, t->col, _("unexpected indent"));
      return NULL;
    }
  if (is_name (t, "import") || is_name (t, "from"))
    {
      while (peek (c)->kind != T_NEWLINE && peek (c)->kind != T_EOF)
        next (c);
      next (c);
      n = node_new (S_PASS, t);
      return n;
    }
  if (is_name (t, "pass"))
    {
      next (c);
      n = node_new (S_PASS, t);
      if (!end_of_statement (c))
        {
          node_free (n);
          return NULL;
        }
      return n;
    }
  if (is_name (t, "def"))
    {
      const Tok *nt;
      next (c);
      nt = peek (c);
      if (nt->kind != T_NAME)
        {
          fail_at (c, nt->line, nt->col, _("expected a function name after 'def'"));
          return NULL;
        }
      next (c);
      n = node_new (S_DEF, t);
      n->text = g_strdup (nt->text);
      n->a = node_new (N_LIST, nt);          /* parameters */
      n->a->list = node_list ();
      if (!expect_op (c, "("))
        goto bad;
      while (!is_op (peek (c), ")"))
        {
          const Tok *pt = peek (c);
          Node *p;
          if (pt->kind != T_NAME)
            {
              fail_at (c, pt->line, pt->col,
                       _("function parameters must be plain names (defaults, *args and type "
                       "annotations are not supported)"));
              goto bad;
            }
          next (c);
          p = node_new (N_NAME, pt);
          p->text = g_strdup (pt->text);
          g_ptr_array_add (n->a->list, p);
          if (is_op (peek (c), ","))
            next (c);
          else if (!is_op (peek (c), ")"))
            {
              fail_at (c, peek (c)->line, peek (c)->col,
                       _("function parameters must be plain names (defaults, *args and type "
                       "annotations are not supported)"));
              goto bad;
            }
        }
      next (c);
      if (!expect_op (c, ":"))
        goto bad;
      n->list = node_list ();
      if (!parse_block (c, n->list, TRUE))
        goto bad;
      return n;
    }
  if (is_name (t, "for"))
    {
      const Tok *vt;
      next (c);
      vt = peek (c);
      if (vt->kind != T_NAME)
        {
          fail_at (c, vt->line, vt->col, _("expected a loop variable after 'for'"));
          return NULL;
        }
      next (c);
      if (!is_name (peek (c), "in"))
        {
          fail_at (c, peek (c)->line, peek (c)->col,
                   _("expected 'in' (write: for NAME in range(N):)"));
          return NULL;
        }
      next (c);
      n = node_new (S_FOR, t);
      n->text = g_strdup (vt->text);
      n->a = parse_expr (c);
      if (n->a == NULL || !expect_op (c, ":"))
        goto bad;
      n->list = node_list ();
      if (!parse_block (c, n->list, in_def))
        goto bad;
      return n;
    }
  if (is_name (t, "return"))
    {
      if (!in_def)
        {
          fail_at (c, t->line, t->col, _("'return' outside a function"));
          return NULL;
        }
      next (c);
      n = node_new (S_RETURN, t);
      if (peek (c)->kind != T_NEWLINE && peek (c)->kind != T_EOF)
        {
          n->a = parse_expr (c);
          if (n->a == NULL)
            goto bad;
        }
      if (!end_of_statement (c))
        goto bad;
      return n;
    }
  if (is_name (t, "print") && is_op (peek_at (c, 1), "("))
    {
      /* print(...) is accepted and ignored: skip to the end of the line */
      while (peek (c)->kind != T_NEWLINE && peek (c)->kind != T_EOF)
        next (c);
      next (c);
      return node_new (S_PRINT, t);
    }
  {
    static const char *kw[] = { "if", "while", "class", "with", "try", "lambda", "del", "global",
                                "assert", "raise", "elif", "else", "yield", "async", "await",
                                "nonlocal", "except", "finally", "break", "continue" };
    for (guint i = 0; i < G_N_ELEMENTS (kw); i++)
      if (is_name (t, kw[i]))
        {
          fail_at (c, t->line, t->col, _("'%s' is not supported in model files (%s)"), kw[i],
                   supported_statements);
          return NULL;
        }
  }

  e = parse_expr (c);
  if (e == NULL)
    return NULL;
  if (is_op (peek (c), "="))
    {
      const Tok *eq = next (c);
      n = node_new (S_ASSIGN, eq);
      n->line = t->line;           /* the statement's first token */
      n->col = t->col;
      n->a = e;
      if (e->kind != N_NAME && e->kind != N_ATTR)
        {
          fail_at (c, e->line, e->col,
                   _("cannot assign to this expression (assign to a name, or tie a parameter "
                   "with MODULE.weight = MODULE.weight)"));
          goto bad;
        }
      n->b = parse_expr (c);
      if (n->b == NULL)
        goto bad;
      if (is_op (peek (c), "="))
        {
          fail_at (c, peek (c)->line, peek (c)->col, _("chained assignment is not supported"));
          goto bad;
        }
      if (!end_of_statement (c))
        goto bad;
      return n;
    }
  if (peek (c)->kind == T_OP && (is_op (peek (c), "+=") || is_op (peek (c), "-=")
                                 || is_op (peek (c), "*=") || is_op (peek (c), "/=")
                                 || is_op (peek (c), ",")))
    {
      fail_at (c, peek (c)->line, peek (c)->col, _("'%s' is not supported in model files (%s)"),
               peek (c)->text, supported_statements);
      node_free (e);
      return NULL;
    }
  n = node_new (S_EXPR, t);
  n->a = e;
  if (!end_of_statement (c))
    goto bad;
  return n;

bad:
  node_free (n);
  return NULL;
}

static gboolean
parse_block (Ctx *c, GPtrArray *body, gboolean in_def)
{
  const Tok *t = peek (c);

  if (t->kind != T_NEWLINE)
    {
      /* one-line body: "def f(): return Linear(1, 1)" */
      Node *s = parse_statement (c, in_def);
      if (s == NULL)
        return FALSE;
      g_ptr_array_add (body, s);
      return TRUE;
    }
  next (c);
  if (peek (c)->kind != T_INDENT)
    return fail_at (c, peek (c)->line, peek (c)->col, _("expected an indented block"));
  next (c);
  if (++c->depth > MAX_NEST_DEPTH)
    return fail_at (c, t->line, t->col, _("blocks are nested too deeply"));
  while (peek (c)->kind != T_DEDENT && peek (c)->kind != T_EOF)
    {
      Node *s = parse_statement (c, in_def);
      if (s == NULL)
        return FALSE;
      g_ptr_array_add (body, s);
    }
  c->depth--;
  next (c);
  return TRUE;
}

/* ======================================================================
 * Values and the interpreter
 * ====================================================================== */

typedef enum
{
  V_NONE, V_BOOL, V_INT, V_FLOAT, V_STR, V_MODULE, V_PARAM, V_FUNC, V_BUILTIN, V_NAMESPACE,
  V_TENSOR, V_LIST, V_METHOD, V_OPAQUE,
} ValKind;

typedef struct _Val Val;
struct _Val
{
  gatomicrefcount ref;
  ValKind   kind;
  gint64    i;            /* INT, BOOL */
  double    f;            /* FLOAT */
  char     *s;            /* STR, builtin/namespace/method/param slot name, FLOAT repr text */
  PsModule *module;       /* MODULE, PARAM owner */
  Node     *func;         /* FUNC: borrowed S_DEF node */
  GPtrArray *items;       /* LIST: Val*; TENSOR: unused */
  int       ndim;         /* TENSOR */
  int64_t   shape[PS_TENSOR_MAX_DIMS];
  Val      *self;         /* METHOD */
};

static Val *
val_new (ValKind k)
{
  Val *v = g_new0 (Val, 1);
  g_atomic_ref_count_init (&v->ref);
  v->kind = k;
  return v;
}

static Val *
val_ref (Val *v)
{
  g_atomic_ref_count_inc (&v->ref);
  return v;
}

static void
val_unref (Val *v)
{
  if (v == NULL || !g_atomic_ref_count_dec (&v->ref))
    return;
  g_free (v->s);
  if (v->module)
    ps_module_unref (v->module);
  if (v->items)
    g_ptr_array_unref (v->items);
  val_unref (v->self);
  g_free (v);
}

G_DEFINE_AUTOPTR_CLEANUP_FUNC (Val, val_unref)

static Val *
val_int (gint64 i)
{
  Val *v = val_new (V_INT);
  v->i = i;
  return v;
}

/* A float carries no text: its repr (for f-strings) is made when asked,
 * since arithmetic in a long loop would otherwise spend its time on it. */
static Val *
val_float (double f)
{
  Val *v = val_new (V_FLOAT);
  v->f = f;
  return v;
}

static Val *
val_named (ValKind k, const char *s)
{
  Val *v = val_new (k);
  v->s = g_strdup (s);
  return v;
}

static Val *
val_module (PsModule *m)   /* takes the reference */
{
  Val *v = val_new (V_MODULE);
  v->module = m;
  return v;
}

static const char *
val_type (const Val *v)
{
  switch (v->kind)
    {
    case V_NONE: return "None";
    case V_BOOL: return "bool";
    case V_INT: return "int";
    case V_FLOAT: return "float";
    case V_STR: return "str";
    case V_MODULE: return ps_module_get_type_name (v->module);
    case V_PARAM: return "Parameter";
    case V_FUNC: return "function";
    case V_BUILTIN: return "class or function";
    case V_NAMESPACE: return "module";
    case V_TENSOR: return "Tensor";
    case V_LIST: return "list";
    case V_METHOD: return "method";
    default: return "object";
    }
}

typedef struct _Env Env;
struct _Env
{
  GHashTable *vars;       /* char* -> Val* */
  GPtrArray  *order;      /* names in first-binding order (globals only) */
  Env        *globals;    /* NULL for the global scope */
};

typedef struct
{
  Ctx    *c;
  PsRng  *rng;
  Env    *globals;
  int     call_depth;
  gint64  n_modules;
  Val    *ret;            /* pending return value */
  double  param_bytes;    /* of every Linear built so far */
  gint64  n_statements;   /* executed so far */
  gint64  n_evals;        /* expression nodes evaluated so far */
  gboolean returning;
} Interp;

static Env *
env_new (Env *globals)
{
  Env *e = g_new0 (Env, 1);
  e->vars = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, (GDestroyNotify) val_unref);
  e->order = g_ptr_array_new_with_free_func (g_free);
  e->globals = globals;
  return e;
}

static void
env_free (Env *e)
{
  g_hash_table_unref (e->vars);
  g_ptr_array_unref (e->order);
  g_free (e);
}

static void
env_set (Env *e, const char *name, Val *v)   /* takes v */
{
  if (!g_hash_table_contains (e->vars, name))
    g_ptr_array_add (e->order, g_strdup (name));
  g_hash_table_replace (e->vars, g_strdup (name), v);
}

static Val *
env_get (Env *e, const char *name)
{
  Val *v = g_hash_table_lookup (e->vars, name);
  if (v == NULL && e->globals)
    v = g_hash_table_lookup (e->globals->vars, name);
  return v;
}

static const char *layer_names[] = {
  "Sequential", "Linear", "LazyLinear", "ReLU", "LeakyReLU", "Sigmoid", "Tanh", "GELU",
  "Identity", "Flatten",
};

static gboolean
is_layer_name (const char *s)
{
  for (guint i = 0; i < G_N_ELEMENTS (layer_names); i++)
    if (strcmp (s, layer_names[i]) == 0)
      return TRUE;
  return FALSE;
}

static void
install_builtins (Env *g)
{
  g_ptr_array_set_size (g->order, 0);
  for (guint i = 0; i < G_N_ELEMENTS (layer_names); i++)
    g_hash_table_replace (g->vars, g_strdup (layer_names[i]), val_named (V_BUILTIN, layer_names[i]));
  g_hash_table_replace (g->vars, g_strdup ("range"), val_named (V_BUILTIN, "range"));
  g_hash_table_replace (g->vars, g_strdup ("len"), val_named (V_BUILTIN, "len"));
  g_hash_table_replace (g->vars, g_strdup ("torch"), val_named (V_NAMESPACE, "torch"));
  g_hash_table_replace (g->vars, g_strdup ("nn"), val_named (V_NAMESPACE, "nn"));
  g_hash_table_replace (g->vars, g_strdup ("None"), val_new (V_NONE));
  {
    Val *t = val_new (V_BOOL), *f = val_new (V_BOOL);
    t->i = 1;
    g_hash_table_replace (g->vars, g_strdup ("True"), t);
    g_hash_table_replace (g->vars, g_strdup ("False"), f);
  }
}

static Val *eval (Interp *in, Env *env, Node *n);
static gboolean exec_block (Interp *in, Env *env, GPtrArray *body);

#define FAIL(node, ...) (fail_at (in->c, (node)->line, (node)->col, __VA_ARGS__), (Val *) NULL)

/* ---- argument binding for constructors -------------------------------- */

typedef struct
{
  const char *name;
  const char *deflt;   /* NULL: required; "" : optional, no value */
} ArgSpec;

static gboolean
bind_args (Interp *in, Node *call, const char *fname, const ArgSpec *spec, guint n_spec,
           GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv, Val **out)
{
  for (guint i = 0; i < n_spec; i++)
    out[i] = NULL;
  if (pos->len > n_spec)
    {
      fail_at (in->c, call->line, call->col, "%s() takes at most %u argument%s (%u given)",
               fname, n_spec, n_spec == 1 ? "" : "s", pos->len);
      return FALSE;
    }
  for (guint i = 0; i < pos->len; i++)
    out[i] = pos->pdata[i];
  for (guint k = 0; k < kwn->len; k++)
    {
      guint i;
      for (i = 0; i < n_spec; i++)
        if (strcmp (spec[i].name, kwn->pdata[k]) == 0)
          break;
      if (i == n_spec)
        {
          GString *names = g_string_new (NULL);
          for (guint j = 0; j < n_spec; j++)
            g_string_append_printf (names, "%s%s", j ? ", " : "", spec[j].name);
          fail_at (in->c, call->line, call->col,
                   _("%s() got an unexpected keyword argument '%s' (it takes: %s)"), fname,
                   (char *) kwn->pdata[k], n_spec ? names->str : "no arguments");
          g_string_free (names, TRUE);
          return FALSE;
        }
      if (out[i])
        {
          fail_at (in->c, call->line, call->col, _("%s() got multiple values for argument '%s'"),
                   fname, spec[i].name);
          return FALSE;
        }
      out[i] = kwv->pdata[k];
    }
  for (guint i = 0; i < n_spec; i++)
    if (out[i] == NULL && spec[i].deflt == NULL)
      {
        fail_at (in->c, call->line, call->col, _("%s() missing required argument '%s'"), fname,
                 spec[i].name);
        return FALSE;
      }
  return TRUE;
}

static gboolean
arg_int (Interp *in, Node *call, const char *fname, const char *aname, Val *v, gint64 deflt,
         gint64 min, gint64 *out)
{
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (v->kind != V_INT)
    {
      fail_at (in->c, call->line, call->col, _("%s(): %s must be an integer, got %s"), fname, aname,
               val_type (v));
      return FALSE;
    }
  if (v->i < min)
    {
      fail_at (in->c, call->line, call->col, "%s(): %s must be >= %" G_GINT64_FORMAT ", got %"
               G_GINT64_FORMAT, fname, aname, min, v->i);
      return FALSE;
    }
  *out = v->i;
  return TRUE;
}

static gboolean
arg_bool (Interp *in, Node *call, const char *fname, const char *aname, Val *v, gboolean deflt,
          gboolean *out)
{
  if (v == NULL)
    {
      *out = deflt;
      return TRUE;
    }
  if (v->kind != V_BOOL && v->kind != V_INT)
    {
      fail_at (in->c, call->line, call->col, _("%s(): %s must be True or False, got %s"), fname,
               aname, val_type (v));
      return FALSE;
    }
  *out = v->i != 0;
  return TRUE;
}

static gboolean
arg_ignored (Interp *in, Node *call, const char *fname, const char *aname, Val *v)
{
  /* device=None / dtype=torch.float32 are accepted; anything else is not */
  if (v == NULL || v->kind == V_NONE)
    return TRUE;
  if (strcmp (aname, "dtype") == 0 && v->kind == V_OPAQUE && g_strcmp0 (v->s, "torch.float32") == 0)
    return TRUE;
  if (strcmp (aname, "device") == 0 && v->kind == V_STR && strcmp (v->s, "cpu") == 0)
    return TRUE;
  fail_at (in->c, call->line, call->col,
           "%s(): only %s=None%s is supported (ParamScope computes in float32 on the CPU)",
           fname, aname, strcmp (aname, "dtype") == 0 ? " or dtype=torch.float32" : " or 'cpu'");
  return FALSE;
}

static Val *
count_module (Interp *in, Node *call, PsModule *m)
{
  if (m == NULL)
    return FAIL (call, _("this layer is too large to allocate"));
  if (++in->n_modules > MAX_MODULES)
    {
      ps_module_unref (m);
      return FAIL (call, _("the model has more than %d modules"), MAX_MODULES);
    }
  return val_module (m);
}

static Val *
construct (Interp *in, Node *call, const char *cls, GPtrArray *pos, GPtrArray *kwn,
           GPtrArray *kwv)
{
  Val *a[5];

  if (strcmp (cls, "Sequential") == 0)
    {
      g_autoptr (PsModule) seq = ps_module_new_sequential ();
      if (kwn->len)
        return FAIL (call, _("Sequential() takes modules as positional arguments only"));
      for (guint i = 0; i < pos->len; i++)
        {
          Val *v = pos->pdata[i];
          if (v->kind != V_MODULE)
            return FAIL (call, _("Sequential() argument %u is a %s, not a module"), i + 1,
                         val_type (v));
          ps_module_append (seq, NULL, ps_module_ref (v->module), NULL);
        }
      return count_module (in, call, g_steal_pointer (&seq));
    }
  if (strcmp (cls, "Linear") == 0)
    {
      static const ArgSpec spec[] = { { "in_features", NULL }, { "out_features", NULL },
                                      { "bias", "True" }, { "device", "" }, { "dtype", "" } };
      gint64 fin, fout;
      gboolean bias;
      if (!bind_args (in, call, cls, spec, 5, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "in_features", a[0], 0, 0, &fin)
          || !arg_int (in, call, cls, "out_features", a[1], 0, 0, &fout)
          || !arg_bool (in, call, cls, "bias", a[2], TRUE, &bias)
          || !arg_ignored (in, call, cls, "device", a[3])
          || !arg_ignored (in, call, cls, "dtype", a[4]))
        return NULL;
      if (ps_shape_numel (2, (int64_t[]) { fin, fout }) > (G_GINT64_CONSTANT (1) << 31))
        return FAIL (call, "Linear(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") is too large: "
                     "its weight would need %.1f GiB", fin, fout,
                     (double) fin * (double) fout * 4 / (1 << 30));
      in->param_bytes += ((double) fin * (double) fout + (bias ? (double) fout : 0)) * 4;
      if (in->param_bytes > (double) ps_param_budget_bytes ())
        return FAIL (call, _("the model's parameters would need %.1f GiB, above the limit of "
                     "%.1f GiB (set PARAMSCOPE_MAX_PARAM_GIB to change it)"),
                     in->param_bytes / (1 << 30), (double) ps_param_budget_bytes () / (1 << 30));
      return count_module (in, call, ps_module_new_linear (fin, fout, bias, in->rng));
    }
  if (strcmp (cls, "LazyLinear") == 0)
    {
      static const ArgSpec spec[] = { { "out_features", NULL }, { "bias", "True" },
                                      { "device", "" }, { "dtype", "" } };
      gint64 fout;
      gboolean bias;
      if (!bind_args (in, call, cls, spec, 4, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "out_features", a[0], 0, 0, &fout)
          || !arg_bool (in, call, cls, "bias", a[1], TRUE, &bias)
          || !arg_ignored (in, call, cls, "device", a[2])
          || !arg_ignored (in, call, cls, "dtype", a[3]))
        return NULL;
      return count_module (in, call, ps_module_new_lazy_linear (fout, bias));
    }
  if (strcmp (cls, "ReLU") == 0)
    {
      static const ArgSpec spec[] = { { "inplace", "False" } };
      gboolean inplace;
      PsModule *m;
      if (!bind_args (in, call, cls, spec, 1, pos, kwn, kwv, a)
          || !arg_bool (in, call, cls, "inplace", a[0], FALSE, &inplace))
        return NULL;
      m = ps_module_new (PS_MODULE_RELU);
      ps_module_set_inplace (m, inplace);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "LeakyReLU") == 0)
    {
      static const ArgSpec spec[] = { { "negative_slope", "0.01" }, { "inplace", "False" } };
      gboolean inplace;
      PsModule *m;
      double slope = 0.01;
      g_autofree char *text = g_strdup ("0.01");
      if (!bind_args (in, call, cls, spec, 2, pos, kwn, kwv, a)
          || !arg_bool (in, call, cls, "inplace", a[1], FALSE, &inplace))
        return NULL;
      if (a[0])
        {
          if (a[0]->kind == V_INT)
            {
              slope = (double) a[0]->i;
              g_free (text);
              text = g_strdup_printf ("%" G_GINT64_FORMAT, a[0]->i);
            }
          else if (a[0]->kind == V_FLOAT)
            {
              slope = a[0]->f;
              g_free (text);
              text = ps_python_float_repr (slope);
            }
          else
            return FAIL (call, _("LeakyReLU(): negative_slope must be a number, got %s"),
                         val_type (a[0]));
        }
      m = ps_module_new_leaky_relu (slope, inplace);
      ps_module_set_slope_text (m, text);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "GELU") == 0)
    {
      static const ArgSpec spec[] = { { "approximate", "'none'" } };
      PsModule *m;
      gboolean tanh_approx = FALSE;
      if (!bind_args (in, call, cls, spec, 1, pos, kwn, kwv, a))
        return NULL;
      if (a[0])
        {
          if (a[0]->kind != V_STR || (strcmp (a[0]->s, "none") != 0 && strcmp (a[0]->s, "tanh") != 0))
            return FAIL (call, _("GELU(): approximate must be 'none' or 'tanh'"));
          tanh_approx = strcmp (a[0]->s, "tanh") == 0;
        }
      m = ps_module_new (PS_MODULE_GELU);
      ps_module_set_gelu_tanh (m, tanh_approx);
      return count_module (in, call, m);
    }
  if (strcmp (cls, "Flatten") == 0)
    {
      static const ArgSpec spec[] = { { "start_dim", "1" }, { "end_dim", "-1" } };
      gint64 sd, ed;
      if (!bind_args (in, call, cls, spec, 2, pos, kwn, kwv, a)
          || !arg_int (in, call, cls, "start_dim", a[0], 1, -PS_TENSOR_MAX_DIMS, &sd)
          || !arg_int (in, call, cls, "end_dim", a[1], -1, -PS_TENSOR_MAX_DIMS, &ed))
        return NULL;
      if (sd >= PS_TENSOR_MAX_DIMS || ed >= PS_TENSOR_MAX_DIMS)
        return FAIL (call, _("Flatten(): dimensions must be below %d"), PS_TENSOR_MAX_DIMS);
      return count_module (in, call, ps_module_new_flatten ((int) sd, (int) ed));
    }
  if (strcmp (cls, "Identity") == 0)   /* Identity(*args, **kwargs) ignores its arguments */
    return count_module (in, call, ps_module_new (PS_MODULE_IDENTITY));
  {
    PsModuleKind k = strcmp (cls, "Sigmoid") == 0 ? PS_MODULE_SIGMOID : PS_MODULE_TANH;
    if (!bind_args (in, call, cls, NULL, 0, pos, kwn, kwv, a))
      return NULL;
    return count_module (in, call, ps_module_new (k));
  }
}

static gboolean
shape_from_args (Interp *in, Node *call, const char *fname, GPtrArray *pos, GPtrArray *kwn,
                 GPtrArray *kwv, Val *out)
{
  GPtrArray *dims = pos;
  g_autoptr (GPtrArray) tmp = NULL;

  for (guint k = 0; k < kwn->len; k++)
    {
      const char *name = kwn->pdata[k];
      Val *v = kwv->pdata[k];
      if (strcmp (name, "size") == 0)
        {
          if (v->kind != V_LIST)
            {
              fail_at (in->c, call->line, call->col, _("%s(): size must be a tuple of integers"),
                       fname);
              return FALSE;
            }
          dims = v->items;
        }
      else if (strcmp (name, "dtype") == 0 || strcmp (name, "device") == 0
               || strcmp (name, "requires_grad") == 0 || strcmp (name, "generator") == 0)
        {
          if (!arg_ignored (in, call, fname, strcmp (name, "device") == 0 ? "device" : "dtype", v)
              && strcmp (name, "requires_grad") != 0 && strcmp (name, "generator") != 0)
            return FALSE;
          if (in->c->error && *in->c->error)
            g_clear_error (in->c->error);
        }
      else
        {
          fail_at (in->c, call->line, call->col, _("%s(): unexpected keyword argument '%s'"), fname,
                   name);
          return FALSE;
        }
    }
  if (dims->len == 1 && ((Val *) dims->pdata[0])->kind == V_LIST)
    dims = ((Val *) dims->pdata[0])->items;
  if (dims->len == 0 || dims->len > PS_TENSOR_MAX_DIMS)
    {
      fail_at (in->c, call->line, call->col, _("%s(): give 1 to %d dimensions"), fname,
               PS_TENSOR_MAX_DIMS);
      return FALSE;
    }
  out->ndim = (int) dims->len;
  for (guint i = 0; i < dims->len; i++)
    {
      Val *d = dims->pdata[i];
      if (d->kind != V_INT || d->i < 0 || d->i > (1 << 24))
        {
          fail_at (in->c, call->line, call->col,
                   _("%s(): dimensions must be integers between 0 and %d"), fname, 1 << 24);
          return FALSE;
        }
      out->shape[i] = d->i;
    }
  if (ps_shape_numel (out->ndim, out->shape) > (1 << 26))
    {
      fail_at (in->c, call->line, call->col, _("%s(): tensor is too large for a model file"), fname);
      return FALSE;
    }
  return TRUE;
}

static void
consume_uniform (Interp *in, const Val *t)
{
  int64_t n = ps_shape_numel (t->ndim, t->shape);
  if (in->rng)
    for (int64_t i = 0; i < n; i++)
      ps_rng_u32 (in->rng);
}

static void
consume_normal (Interp *in, const Val *t)
{
  int64_t n = ps_shape_numel (t->ndim, t->shape);
  if (in->rng && n > 0)
    {
      g_autofree float *tmp = g_new (float, n);
      ps_rng_fill_normal (in->rng, tmp, n, 0, 1);
    }
}

/* net(X) in a model file: run a forward pass on zeros of X's shape so that
 * lazy layers materialize, as in PyTorch.  Returns the output's shape. */
static Val *
call_module (Interp *in, Node *call, Val *mod, GPtrArray *pos, GPtrArray *kwn)
{
  g_autoptr (PsTensor) x = NULL;
  g_autoptr (PsTape) tape = NULL;
  g_autoptr (GError) err = NULL;
  const PsTensor *y;
  Val *out;

  if (pos->len != 1 || kwn->len != 0 || ((Val *) pos->pdata[0])->kind != V_TENSOR)
    return FAIL (call, _("calling a module takes one tensor, e.g. net(X) with X = torch.rand(2, 4)"));
  x = ps_tensor_new (((Val *) pos->pdata[0])->ndim, ((Val *) pos->pdata[0])->shape);
  tape = ps_tape_new (mod->module, in->rng);
  y = ps_tape_forward (tape, x, &err);
  if (y == NULL)
    return FAIL (call, "%s", err->message);
  out = val_new (V_TENSOR);
  out->ndim = y->ndim;
  memcpy (out->shape, y->shape, sizeof out->shape);
  return out;
}

static Val *
call_function (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv)
{
  Node *def = f->func;
  GPtrArray *params = def->a->list;
  Env *local;
  Val *ret;
  gboolean ok;

  if (kwn->len)
    return FAIL (call, _("%s(): keyword arguments to functions are not supported"), def->text);
  if (pos->len != params->len)
    return FAIL (call, "%s() takes %u argument%s but %u were given", def->text, params->len,
                 params->len == 1 ? "" : "s", pos->len);
  if (in->call_depth >= MAX_CALL_DEPTH)
    return FAIL (call, _("calls are nested too deeply (limit %d): is %s() recursive?"),
                 MAX_CALL_DEPTH, def->text);
  local = env_new (in->globals);
  for (guint i = 0; i < params->len; i++)
    env_set (local, ((Node *) params->pdata[i])->text, val_ref (pos->pdata[i]));
  in->call_depth++;
  ok = exec_block (in, local, def->list);
  in->call_depth--;
  env_free (local);
  ret = in->ret;
  in->ret = NULL;
  in->returning = FALSE;
  if (!ok)
    {
      val_unref (ret);
      return NULL;
    }
  return ret ? ret : val_new (V_NONE);
}

static Val *
call_value (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn, GPtrArray *kwv)
{
  switch (f->kind)
    {
    case V_FUNC:
      return call_function (in, call, f, pos, kwn, kwv);
    case V_MODULE:
      return call_module (in, call, f, pos, kwn);
    case V_BUILTIN:
      if (is_layer_name (f->s))
        return construct (in, call, f->s, pos, kwn, kwv);
      if (strcmp (f->s, "range") == 0)
        {
          gint64 a = 0, b, s = 1;
          Val *v;
          for (guint i = 0; i < pos->len; i++)
            if (((Val *) pos->pdata[i])->kind != V_INT)
              return FAIL (call, _("range() takes integers"));
          if (kwn->len || pos->len < 1 || pos->len > 3)
            return FAIL (call, _("range() takes 1 to 3 integer arguments"));
          if (pos->len == 1)
            b = ((Val *) pos->pdata[0])->i;
          else
            {
              a = ((Val *) pos->pdata[0])->i;
              b = ((Val *) pos->pdata[1])->i;
              if (pos->len == 3)
                s = ((Val *) pos->pdata[2])->i;
            }
          if (s == 0)
            return FAIL (call, _("range() step must not be zero"));
          v = val_new (V_LIST);
          v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
          for (gint64 i = a; s > 0 ? i < b : i > b; i += s)
            {
              if (v->items->len >= MAX_LOOP_ITERS)
                {
                  val_unref (v);
                  return FAIL (call, _("range() is too long (limit %d)"), MAX_LOOP_ITERS);
                }
              g_ptr_array_add (v->items, val_int (i));
            }
          return v;
        }
      if (strcmp (f->s, "len") == 0)
        {
          Val *x = pos->len == 1 ? pos->pdata[0] : NULL;
          if (x && x->kind == V_MODULE)
            return val_int (ps_module_get_n_children (x->module));
          if (x && x->kind == V_LIST)
            return val_int (x->items->len);
          return FAIL (call, _("len() takes one Sequential or list"));
        }
      if (strcmp (f->s, "torch.rand") == 0 || strcmp (f->s, "torch.randn") == 0
          || strcmp (f->s, "torch.zeros") == 0 || strcmp (f->s, "torch.ones") == 0
          || strcmp (f->s, "torch.empty") == 0)
        {
          g_autoptr (Val) t = val_new (V_TENSOR);
          if (!shape_from_args (in, call, f->s, pos, kwn, kwv, t))
            return NULL;
          /* the values do not matter here, but the draws do: layers built
           * afterwards get PyTorch's numbers only if as many were drawn */
          if (strcmp (f->s, "torch.rand") == 0)
            consume_uniform (in, t);
          else if (strcmp (f->s, "torch.randn") == 0)
            consume_normal (in, t);
          return g_steal_pointer (&t);
        }
      if (strcmp (f->s, "torch.finfo") == 0)
        return val_named (V_OPAQUE, "finfo");
      break;
    case V_METHOD:
      {
        Val *self = f->self;
        if (self->kind == V_MODULE && strcmp (f->s, "add_module") == 0)
          {
            g_autoptr (GError) err = NULL;
            Val *name = pos->len > 0 ? pos->pdata[0] : NULL, *child = pos->len > 1 ? pos->pdata[1] : NULL;
            for (guint k = 0; k < kwn->len; k++)
              {
                if (strcmp (kwn->pdata[k], "name") == 0 && !name)
                  name = kwv->pdata[k];
                else if (strcmp (kwn->pdata[k], "module") == 0 && !child)
                  child = kwv->pdata[k];
                else
                  return FAIL (call, _("add_module() takes (name, module)"));
              }
            if (pos->len + kwn->len != 2 || name == NULL || child == NULL)
              return FAIL (call, _("add_module() takes two arguments: a name and a module"));
            if (name->kind != V_STR)
              return FAIL (call, _("add_module(): the name must be a string, got %s"),
                           val_type (name));
            if (child->kind != V_MODULE)
              return FAIL (call, _("add_module(): the second argument must be a module, got %s"),
                           val_type (child));
            if (!ps_module_append (self->module, name->s, ps_module_ref (child->module), &err))
              return FAIL (call, "add_module(): %s", err->message);
            return val_new (V_NONE);
          }
        if (self->kind == V_MODULE && strcmp (f->s, "append") == 0)
          {
            g_autoptr (GError) err = NULL;
            if (pos->len != 1 || kwn->len || ((Val *) pos->pdata[0])->kind != V_MODULE)
              return FAIL (call, _("append() takes one module"));
            if (!ps_module_append (self->module, NULL,
                                   ps_module_ref (((Val *) pos->pdata[0])->module), &err))
              return FAIL (call, "append(): %s", err->message);
            return val_ref (self);
          }
        if (self->kind == V_TENSOR)   /* X.uniform_(a, b) etc.: values do not matter here */
          {
            if (strcmp (f->s, "uniform_") == 0)
              consume_uniform (in, self);
            else if (strcmp (f->s, "normal_") == 0)
              consume_normal (in, self);
            return val_ref (self);
          }
        return FAIL (call, _("%s.%s() is not supported in model files (supported: add_module, "
                     "append)"), val_type (self), f->s);
      }
    default:
      break;
    }
  return FAIL (call, _("'%s' is not callable in a model file"), f->kind == V_BUILTIN || f->kind == V_NAMESPACE
               ? f->s : val_type (f));
}

static Val *
eval_attr (Interp *in, Node *n, Val *obj)
{
  const char *a = n->text;

  if (obj->kind == V_NAMESPACE)
    {
      g_autofree char *full = g_strconcat (obj->s, ".", a, NULL);
      if (strcmp (obj->s, "torch") == 0 && strcmp (a, "nn") == 0)
        return val_named (V_NAMESPACE, "nn");
      if ((strcmp (obj->s, "nn") == 0) && is_layer_name (a))
        return val_named (V_BUILTIN, a);
      if (strcmp (obj->s, "torch") == 0
          && (strcmp (a, "rand") == 0 || strcmp (a, "randn") == 0 || strcmp (a, "zeros") == 0
              || strcmp (a, "ones") == 0 || strcmp (a, "empty") == 0 || strcmp (a, "finfo") == 0))
        return val_named (V_BUILTIN, full);
      if (strcmp (obj->s, "torch") == 0 && (strcmp (a, "float32") == 0 || strcmp (a, "float") == 0))
        return val_named (V_OPAQUE, "torch.float32");
      if (strcmp (obj->s, "nn") == 0)
        return FAIL (n, _("nn.%s is not supported (supported layers: Sequential, Linear, LazyLinear, "
                     "ReLU, LeakyReLU, Sigmoid, Tanh, GELU, Identity, Flatten)"), a);
      return FAIL (n, _("%s is not supported in model files"), full);
    }
  if (obj->kind == V_OPAQUE && strcmp (obj->s, "finfo") == 0)
    {
      if (strcmp (a, "min") == 0)
        return val_float (-3.4028234663852886e+38);
      if (strcmp (a, "max") == 0)
        return val_float (3.4028234663852886e+38);
      if (strcmp (a, "eps") == 0)
        return val_float (1.1920928955078125e-07);
      return FAIL (n, _("finfo.%s is not supported (min, max, eps are)"), a);
    }
  if (obj->kind == V_MODULE)
    {
      if (strcmp (a, "weight") == 0 || strcmp (a, "bias") == 0)
        {
          Val *p;
          if (ps_module_get_param_by_name (obj->module, a) == NULL)
            return FAIL (n, _("%s has no parameter '%s'%s"), ps_module_get_type_name (obj->module), a,
                         ps_module_get_kind (obj->module) == PS_MODULE_LINEAR ? " (bias=False)" : "");
          p = val_named (V_PARAM, a);
          p->module = ps_module_ref (obj->module);
          return p;
        }
      if (strcmp (a, "add_module") == 0 || strcmp (a, "append") == 0)
        {
          Val *m = val_named (V_METHOD, a);
          m->self = val_ref (obj);
          return m;
        }
      if (strcmp (a, "in_features") == 0 || strcmp (a, "out_features") == 0)
        return val_int (strcmp (a, "in_features") == 0 ? ps_module_get_in_features (obj->module)
                        : ps_module_get_out_features (obj->module));
      return FAIL (n, _("%s has no attribute '%s' usable in a model file (weight, bias, add_module, "
                   "in_features, out_features)"), ps_module_get_type_name (obj->module), a);
    }
  if (obj->kind == V_TENSOR)
    {
      Val *m = val_named (V_METHOD, a);
      m->self = val_ref (obj);
      return m;
    }
  return FAIL (n, _("%s has no attribute '%s'"), val_type (obj), a);
}

static Val *
binop (Interp *in, Node *n, Val *l, Val *r)
{
  const char *op = n->text;

  if (strcmp (op, "+") == 0 && l->kind == V_STR && r->kind == V_STR)
    {
      Val *v = val_new (V_STR);
      v->s = g_strconcat (l->s, r->s, NULL);
      return v;
    }
  if ((l->kind == V_INT || l->kind == V_FLOAT) && (r->kind == V_INT || r->kind == V_FLOAT))
    {
      if (l->kind == V_INT && r->kind == V_INT && strcmp (op, "/") != 0)
        {
          gint64 a = l->i, b = r->i, res;
          if ((strcmp (op, "//") == 0 || strcmp (op, "%") == 0) && b == 0)
            return FAIL (n, _("integer division by zero"));
          if (strcmp (op, "+") == 0)
            {
              if (__builtin_add_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "-") == 0)
            {
              if (__builtin_sub_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "*") == 0)
            {
              if (__builtin_mul_overflow (a, b, &res))
                goto overflow;
            }
          else if (strcmp (op, "//") == 0)
            res = a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
          else if (strcmp (op, "%") == 0)
            {
              res = a % b;
              if (res != 0 && ((res < 0) != (b < 0)))
                res += b;
            }
          else  /* ** */
            {
              if (b < 0)
                return val_float (pow ((double) a, (double) b));
              /* by squaring: 1 ** 10**18 must not loop 10**18 times.  A square
               * that overflows while bits of b remain means the result does too
               * (|res| >= 1 unless a == 0, whose square cannot overflow). */
              gint64 base = a;
              res = 1;
              while (b > 0)
                {
                  if ((b & 1) && __builtin_mul_overflow (res, base, &res))
                    goto overflow;
                  b >>= 1;
                  if (b > 0 && __builtin_mul_overflow (base, base, &base))
                    goto overflow;
                }
            }
          return val_int (res);
        }
      else
        {
          double a = l->kind == V_INT ? (double) l->i : l->f;
          double b = r->kind == V_INT ? (double) r->i : r->f;
          double res;
          if (strcmp (op, "+") == 0)
            res = a + b;
          else if (strcmp (op, "-") == 0)
            res = a - b;
          else if (strcmp (op, "*") == 0)
            res = a * b;
          else if (strcmp (op, "/") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = a / b;
            }
          else if (strcmp (op, "//") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = floor (a / b);
            }
          else if (strcmp (op, "%") == 0)
            {
              if (b == 0)
                return FAIL (n, _("division by zero"));
              res = a - floor (a / b) * b;
            }
          else
            res = pow (a, b);
          return val_float (res);
        }
    }
  return FAIL (n, _("unsupported operand types for %s: %s and %s"), op, val_type (l), val_type (r));
overflow:
  return FAIL (n, _("integer overflow in '%s'"), op);
}

static Val *
eval (Interp *in, Env *env, Node *n)
{
  if (++in->n_evals > MAX_EVALS)
    return FAIL (n, _("the model file evaluates more than %d expressions (are loops nested "
                 "too deep?)"), MAX_EVALS);
  switch (n->kind)
    {
    case N_NAME:
      {
        Val *v = env_get (env, n->text);
        if (v == NULL)
          return FAIL (n, _("name '%s' is not defined"), n->text);
        return val_ref (v);
      }
    case N_INT:
      {
        char *end;
        gint64 i = g_ascii_strtoll (n->text, &end, 10);
        if (*end || (i == G_MAXINT64 && strcmp (n->text, "9223372036854775807") != 0))
          return FAIL (n, _("integer %s is too large"), n->text);
        return val_int (i);
      }
    case N_FLOAT:
      return val_float (g_ascii_strtod (n->text, NULL));
    case N_STR:
      return val_named (V_STR, n->text);
    case N_FSTR:
      {
        GString *s = g_string_new (NULL);
        for (guint i = 0; i < n->list->len; i++)
          {
            Node *part = n->list->pdata[i];
            g_autoptr (Val) v = eval (in, env, part);
            if (v == NULL)
              {
                g_string_free (s, TRUE);
                return NULL;
              }
            switch (v->kind)
              {
              case V_STR: g_string_append (s, v->s); break;
              case V_INT: g_string_append_printf (s, "%" G_GINT64_FORMAT, v->i); break;
              case V_BOOL: g_string_append (s, v->i ? "True" : "False"); break;
              case V_FLOAT:
                {
                  g_autofree char *repr = ps_python_float_repr (v->f);   /* f'{x}' is str(x) */
                  g_string_append (s, repr);
                  break;
                }
              case V_NONE: g_string_append (s, "None"); break;
              default:
                g_string_free (s, TRUE);
                return FAIL (part, _("f-string: cannot format a %s here"), val_type (v));
              }
          }
        {
          Val *v = val_new (V_STR);
          v->s = g_string_free (s, FALSE);
          return v;
        }
      }
    case N_NEG:
      {
        g_autoptr (Val) v = eval (in, env, n->a);
        if (v == NULL)
          return NULL;
        if (v->kind == V_INT)
          {
            if (v->i == G_MININT64)
              return FAIL (n, _("integer overflow"));
            return val_int (-v->i);
          }
        if (v->kind == V_FLOAT)
          return val_float (-v->f);
        return FAIL (n, _("bad operand type for unary -: %s"), val_type (v));
      }
    case N_BINOP:
      {
        g_autoptr (Val) l = eval (in, env, n->a);
        g_autoptr (Val) r = NULL;
        if (l == NULL)
          return NULL;
        r = eval (in, env, n->b);
        if (r == NULL)
          return NULL;
        return binop (in, n, l, r);
      }
    case N_TUPLE:
    case N_LIST:
      {
        Val *v = val_new (V_LIST);
        v->items = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        for (guint i = 0; i < n->list->len; i++)
          {
            Val *e = eval (in, env, n->list->pdata[i]);
            if (e == NULL)
              {
                val_unref (v);
                return NULL;
              }
            g_ptr_array_add (v->items, e);
          }
        return v;
      }
    case N_ATTR:
      {
        g_autoptr (Val) obj = eval (in, env, n->a);
        if (obj == NULL)
          return NULL;
        return eval_attr (in, n, obj);
      }
    case N_INDEX:
      {
        g_autoptr (Val) obj = eval (in, env, n->a);
        g_autoptr (Val) idx = NULL;
        g_autoptr (GError) err = NULL;
        PsModule *child;
        if (obj == NULL)
          return NULL;
        idx = eval (in, env, n->b);
        if (idx == NULL)
          return NULL;
        if (obj->kind == V_LIST && idx->kind == V_INT)
          {
            gint64 len = obj->items->len, i = idx->i < 0 ? idx->i + len : idx->i;
            if (i < 0 || i >= len)
              return FAIL (n, _("list index out of range"));
            return val_ref (obj->items->pdata[i]);
          }
        if (obj->kind != V_MODULE)
          return FAIL (n, _("'%s' object is not subscriptable"), val_type (obj));
        if (idx->kind != V_INT)
          return FAIL (n, _("a Sequential is indexed by an integer, got %s"), val_type (idx));
        child = ps_module_index (obj->module, idx->i, &err);
        if (child == NULL)
          return FAIL (n, "%s", err->message);
        return val_module (ps_module_ref (child));
      }
    case N_CALL:
      {
        g_autoptr (Val) f = eval (in, env, n->a);
        g_autoptr (GPtrArray) pos = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        g_autoptr (GPtrArray) kwn = g_ptr_array_new ();
        g_autoptr (GPtrArray) kwv = g_ptr_array_new_with_free_func ((GDestroyNotify) val_unref);
        if (f == NULL)
          return NULL;
        for (guint i = 0; i < n->list->len; i++)
          {
            Node *arg = n->list->pdata[i];
            Val *v = eval (in, env, arg->kind == N_KWARG ? arg->a : arg);
            if (v == NULL)
              return NULL;
            if (arg->kind == N_KWARG)
              {
                for (guint k = 0; k < kwn->len; k++)
                  if (strcmp (kwn->pdata[k], arg->text) == 0)
                    {
                      val_unref (v);
                      return FAIL (arg, _("keyword argument repeated: %s"), arg->text);
                    }
                g_ptr_array_add (kwn, arg->text);
                g_ptr_array_add (kwv, v);
              }
            else
              {
                if (kwn->len)
                  {
                    val_unref (v);
                    return FAIL (arg, _("positional argument follows keyword argument"));
                  }
                g_ptr_array_add (pos, v);
              }
          }
        return call_value (in, n, f, pos, kwn, kwv);
      }
    default:
      return FAIL (n, _("unsupported expression"));
    }
}

static gboolean
exec_stmt (Interp *in, Env *env, Node *s)
{
  if (++in->n_statements > MAX_STATEMENTS)
    return fail_at (in->c, s->line, s->col, _("the model file runs more than %d statements "
                    "(are loops nested too deep?)"), MAX_STATEMENTS);
  switch (s->kind)
    {
    case S_PASS:
    case S_PRINT:
      return TRUE;
    case S_DEF:
      {
        Val *f = val_new (V_FUNC);
        f->func = s;
        env_set (env, s->text, f);
        return TRUE;
      }
    case S_RETURN:
      in->ret = s->a ? eval (in, env, s->a) : val_new (V_NONE);
      if (in->ret == NULL)
        return FALSE;
      in->returning = TRUE;
      return TRUE;
    case S_FOR:
      {
        g_autoptr (Val) it = eval (in, env, s->a);
        if (it == NULL)
          return FALSE;
        if (it->kind != V_LIST)
          {
            fail_at (in->c, s->a->line, s->a->col,
                     _("for loops iterate over range(...) or a list, not over a %s"), val_type (it));
            return FALSE;
          }
        for (guint i = 0; i < it->items->len; i++)
          {
            env_set (env, s->text, val_ref (it->items->pdata[i]));
            if (!exec_block (in, env, s->list))
              return FALSE;
            if (in->returning)
              return TRUE;
          }
        return TRUE;
      }
    case S_EXPR:
      {
        g_autoptr (Val) v = eval (in, env, s->a);
        return v != NULL;
      }
    case S_ASSIGN:
      {
        g_autoptr (Val) v = eval (in, env, s->b);
        if (v == NULL)
          return FALSE;
        if (s->a->kind == N_NAME)
          {
            if (strcmp (s->a->text, "True") == 0 || strcmp (s->a->text, "False") == 0
                || strcmp (s->a->text, "None") == 0)
              return fail_at (in->c, s->line, s->col, _("cannot assign to %s"), s->a->text);
            env_set (env, s->a->text, g_steal_pointer (&v));
            return TRUE;
          }
        else
          {
            /* MODREF.weight = MODREF.weight */
            g_autoptr (Val) target = eval (in, env, s->a->a);
            g_autoptr (GError) err = NULL;
            const char *slot = s->a->text;
            if (target == NULL)
              return FALSE;
            if (target->kind != V_MODULE || (strcmp (slot, "weight") != 0 && strcmp (slot, "bias") != 0))
              return fail_at (in->c, s->line, s->col,
                              _("only parameters can be assigned: MODULE.weight = MODULE.weight "
                              "(or .bias)"));
            if (v->kind != V_PARAM)
              return fail_at (in->c, s->b->line, s->b->col,
                              _("a parameter can only be tied to another parameter "
                              "(e.g. net[4].weight = net[2].weight), not to a %s"), val_type (v));
            if (!ps_module_set_param (target->module, slot,
                                      ps_module_get_param_by_name (v->module, v->s), &err))
              return fail_at (in->c, s->line, s->col, "%s", err->message);
            return TRUE;
          }
      }
    default:
      return fail_at (in->c, s->line, s->col, _("unsupported statement"));
    }
}

static gboolean
exec_block (Interp *in, Env *env, GPtrArray *body)
{
  for (guint i = 0; i < body->len; i++)
    {
      if (!exec_stmt (in, env, body->pdata[i]))
        return FALSE;
      if (in->returning)
        return TRUE;
    }
  return TRUE;
}

/* ======================================================================
 * Entry points
 * ====================================================================== */

gboolean
ps_model_check_text (const char *text, gsize len, const char *file, GError **error)
{
  const char *bad = NULL, *nul = memchr (text, '\0', len);
  if (nul != NULL)
    {
      int line = 1, col = 1;
      for (const char *p = text; p < nul; p++)
        {
          if (*p == '\n')
            {
              line++;
              col = 1;
            }
          else
            col++;
        }
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   _("%s:%d:%d: a NUL byte; a model file is UTF-8 text"), file, line, col);
      return FALSE;
    }
  if (!g_utf8_validate (text, (gssize) len, &bad))
    {
      int line = 1, col = 1;
      for (const char *p = text; p < bad; p++)
        {
          if (*p == '\n')
            {
              line++;
              col = 1;
            }
          else
            col++;
        }
      g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                   _("%s:%d:%d: invalid UTF-8; a model file is UTF-8 text"), file, line, col);
      return FALSE;
    }
  return TRUE;
}

PsModule *
ps_model_parse (const char *text, gssize len, const char *filename, PsRng *rng,
                char **name_out, GError **error)
{
  Ctx c = { 0 };
  Interp in = { 0 };
  g_autoptr (GPtrArray) body = node_list ();
  PsModule *result = NULL;
  const char *file = filename ? filename : "<model>";
  char *normalized = NULL;
  Val *v;

  g_return_val_if_fail (text != NULL, NULL);
  if (len < 0)
    len = (gssize) strlen (text);
  if (!ps_model_check_text (text, (gsize) len, file, error))
    return NULL;
  /* a file with classes is the interpreter's (issue 14: model files are its language) */
  if (ps_py_text_defines_class (text, len))
    return ps_py_build_model_rng (text, len, file, rng, name_out, error);
  /* line endings: \r\n and a lone \r are newlines, as in Python */
  if (memchr (text, '\r', (gsize) len) != NULL)
    {
      GString *n = g_string_sized_new ((gsize) len);
      for (gssize i = 0; i < len; i++)
        {
          if (text[i] == '\r')
            {
              g_string_append_c (n, '\n');
              if (i + 1 < len && text[i + 1] == '\n')
                i++;
            }
          else
            g_string_append_c (n, text[i]);
        }
      len = (gssize) n->len;
      text = normalized = g_string_free (n, FALSE);
    }
  if (ps_model_text_is_repr (text, len))
    {
      result = ps_model_parse_repr (text, len, file, rng, error);
      goto out_text;
    }

  c.file = file;
  c.src = text;
  c.len = (gsize) len;
  c.error = error;
  c.toks = g_array_new (FALSE, FALSE, sizeof (Tok));
  g_array_set_clear_func (c.toks, tok_clear);
  if (!tokenize (&c))
    goto out;
  while (peek (&c)->kind != T_EOF)
    {
      Node *s;
      if (peek (&c)->kind == T_NEWLINE)
        {
          next (&c);
          continue;
        }
      s = parse_statement (&c, FALSE);
      if (s == NULL)
        goto out;
      g_ptr_array_add (body, s);
    }

  in.c = &c;
  in.rng = rng;
  in.globals = env_new (NULL);
  install_builtins (in.globals);
  if (!exec_block (&in, in.globals, body))
    goto out_env;

  v = g_hash_table_lookup (in.globals->vars, "net");
  if (v && v->kind == V_MODULE)
    {
      result = ps_module_ref (v->module);
      if (name_out)
        *name_out = g_strdup ("net");
    }
  else
    {
      for (guint i = in.globals->order->len; i-- > 0;)
        {
          const char *name = in.globals->order->pdata[i];
          v = g_hash_table_lookup (in.globals->vars, name);
          if (v && v->kind == V_MODULE)
            {
              result = ps_module_ref (v->module);
              if (name_out)
                *name_out = g_strdup (name);
              break;
            }
        }
      if (result == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_PARSE,
                     _("%s: no module is bound at top level (write e.g. net = nn.Sequential(...))"),
                     file);
    }
out_env:
  val_unref (in.ret);
  env_free (in.globals);
out:
  g_array_unref (c.toks);
out_text:
  g_free (normalized);
  return result;
}

PsModule *
ps_model_load_file (const char *path, PsRng *rng, char **name_out, GError **error)
{
  g_autofree char *text = NULL;
  gsize len;
  GStatBuf st;

  if (g_stat (path, &st) == 0 && st.st_size > 16 * 1024 * 1024)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_RESOURCE,
                   _("%s: a model file of %.0f MB is too large (limit 16 MB)"), path,
                   (double) st.st_size / 1e6);
      return NULL;
    }
  if (!g_file_get_contents (path, &text, &len, error))
    return NULL;
  return ps_model_parse (text, (gssize) len, path, rng, name_out, error);
}
