/* py-parser.c — tokens to the syntax tree (py-ast.h), recursive descent
 * following Python's grammar for the subset ParamScope runs
 *
 * One function per grammar rule, in grammar order (f-strings, atoms,
 * trailers, operators by precedence, statements): cohesive, hence longer
 * than the house limit; splitting it would cut the grammar in two.
 */
#include "py-ast.h"
#include "ps-i18n.h"

#include <string.h>

typedef struct {
  GArray *toks;
  guint pos;
  PyCode *code;
  PySyntaxError *err;
  int depth;
  gboolean failed;
} Parser;

#define MAX_DEPTH 150

static PyToken *
peek (Parser *ps)
{
  return &g_array_index (ps->toks, PyToken, ps->pos);
}

static PyToken *
peek_at (Parser *ps, int k)
{
  guint i = MIN (ps->pos + k, ps->toks->len - 1);
  return &g_array_index (ps->toks, PyToken, i);
}

static PyToken *
advance (Parser *ps)
{
  PyToken *t = peek (ps);
  if (t->kind != PY_TOK_EOF)
    ps->pos++;
  return t;
}

static gboolean
is_op (PyToken *t, const char *op)
{
  return t->kind == PY_TOK_OP && strcmp (t->text, op) == 0;
}

static gboolean
is_kw (PyToken *t, const char *kw)
{
  return t->kind == PY_TOK_NAME && strcmp (t->text, kw) == 0;
}

static const char *const keywords[] = { "False", "None", "True", "and", "as", "assert", "async",
  "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for",
  "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise",
  "return", "try", "while", "with", "yield", NULL };

static gboolean
is_keyword (const char *s)
{
  for (int i = 0; keywords[i]; i++)
    if (strcmp (s, keywords[i]) == 0)
      return TRUE;
  return FALSE;
}

static PyNode *
error_at (Parser *ps, PyToken *t, const char *fmt, ...)
{
  if (ps->failed)
    return NULL;
  ps->failed = TRUE;
  va_list ap;
  va_start (ap, fmt);
  ps->err->msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  ps->err->line = t->line;
  ps->err->col = t->col;
  return NULL;
}

static PyNode *
invalid (Parser *ps, PyToken *t)
{
  if (t->kind == PY_TOK_INDENT)
    {
      ps->err->indentation = TRUE;
      return error_at (ps, t, "unexpected indent");
    }
  if (t->kind == PY_TOK_EOF || t->kind == PY_TOK_NEWLINE)
    return error_at (ps, t, "invalid syntax");
  if (t->kind == PY_TOK_NAME && strcmp (t->text, "yield") == 0)
    return error_at (ps, t, _("'yield' is not supported (generator functions are not part of "
                     "ParamScope's Python)"));
  return error_at (ps, t, "invalid syntax");
}

static PyNode *
node (Parser *ps, PyNodeKind kind, PyToken *at)
{
  PyNode *n = g_new0 (PyNode, 1);
  n->kind = kind;
  n->line = at->line;
  n->col = at->col;
  g_ptr_array_add (ps->code->nodes, n);
  return n;
}

static GPtrArray *
new_list_in (Parser *ps)
{
  GPtrArray *l = g_ptr_array_new ();
  g_ptr_array_add (ps->code->lists, l);
  return l;
}
#define new_list() new_list_in (ps)

static gboolean
expect_op (Parser *ps, const char *op)
{
  PyToken *t = peek (ps);
  if (is_op (t, op))
    {
      advance (ps);
      return TRUE;
    }
  if (strcmp (op, ":") == 0)
    error_at (ps, t, "expected ':'");
  else if (strcmp (op, ")") == 0 || strcmp (op, "]") == 0 || strcmp (op, "}") == 0)
    error_at (ps, t, t->kind == PY_TOK_EOF || t->kind == PY_TOK_NEWLINE
              ? "'%s' was never closed" : "invalid syntax. Perhaps you forgot a comma?",
              strcmp (op, ")") == 0 ? "(" : strcmp (op, "]") == 0 ? "[" : "{");
  else
    error_at (ps, t, "expected '%s'", op);
  return FALSE;
}

static gboolean
enter (Parser *ps)
{
  if (++ps->depth > MAX_DEPTH)
    {
      error_at (ps, peek (ps), "too many nested parentheses");
      return FALSE;
    }
  return TRUE;
}

static PyNode *parse_test (Parser *ps);
static PyNode *parse_expr (Parser *ps);
static PyNode *parse_or_test (Parser *ps);
static PyNode *parse_testlist (Parser *ps, gboolean star);
static GPtrArray *parse_block (Parser *ps);
static PyNode *parse_statement_list (Parser *ps, GPtrArray *out);
static PyNode *parse_compound (Parser *ps, GPtrArray *out);
static gboolean check_target (Parser *ps, PyNode *n, gboolean del);

/* ---- f-strings -------------------------------------------------------------------- */

static PyNode *parse_fstring_body (Parser *ps, PyToken *t, const char *body, gsize len,
                                   int line, int col, gboolean raw);

static void
advance_pos (const char *s, gsize n, int *line, int *col)
{
  for (gsize i = 0; i < n; i++)
    {
      if (s[i] == '\n')
        {
          (*line)++;
          *col = 1;
        }
      else if (((guchar) s[i] & 0xC0) != 0x80)
        (*col)++;
    }
}

static PyNode *
fstring_expr (Parser *ps, PyToken *t, const char *src, gsize len, int line, int col)
{
  PySyntaxError e = { 0 };
  GArray *toks = py_lex (src, len, line, col - 1, TRUE, &e);
  if (!toks)
    {
      ps->failed = TRUE;
      *ps->err = e;
      return NULL;
    }
  Parser sub = { .toks = toks, .code = ps->code, .err = ps->err, .depth = ps->depth };
  if (peek (&sub)->kind == PY_TOK_EOF)
    {
      py_tokens_free (toks);
      return error_at (ps, t, "f-string: empty expression not allowed");
    }
  PyNode *n = parse_testlist (&sub, TRUE);
  if (n && peek (&sub)->kind != PY_TOK_EOF)
    n = invalid (&sub, peek (&sub));
  if (sub.failed)
    ps->failed = TRUE;
  py_tokens_free (toks);
  return n;
}

static PyNode *
parse_fstring_body (Parser *ps, PyToken *t, const char *body, gsize len, int line, int col,
                    gboolean raw)
{
  PyNode *f = node (ps, N_FSTRING, t);
  f->list = new_list ();
  GString *lit = g_string_new (NULL);
  gsize i = 0;
  while (i < len)
    {
      char c = body[i];
      if (c == '{' && i + 1 < len && body[i + 1] == '{')
        {
          g_string_append_c (lit, '{');
          i += 2;
          continue;
        }
      if (c == '}' && i + 1 < len && body[i + 1] == '}')
        {
          g_string_append_c (lit, '}');
          i += 2;
          continue;
        }
      if (c == '}')
        {
          g_string_free (lit, TRUE);
          return error_at (ps, t, "f-string: single '}' is not allowed");
        }
      if (c != '{')
        {
          g_string_append_c (lit, c);
          i++;
          continue;
        }
      /* {expr[=][!conv][:spec]} */
      gsize start = i + 1, j = start;
      int depth = 0;
      char quote = 0;
      gsize expr_end = 0, conv_at = 0, spec_at = 0;
      for (; j < len; j++)
        {
          char d = body[j];
          if (quote)
            {
              if (d == quote)
                quote = 0;
              continue;
            }
          if (d == '\'' || d == '"')
            quote = d;
          else if (d == '(' || d == '[' || d == '{')
            depth++;
          else if ((d == ')' || d == ']' || d == '}') && depth > 0)
            depth--;
          else if ((d == ')' || d == ']') && !conv_at)
            {
              g_string_free (lit, TRUE);
              return error_at (ps, t, "f-string: unmatched '%c'", d);
            }
          else if (depth == 0 && d == '}')
            break;
          else if (depth == 0 && d == '!' && j + 1 < len && body[j + 1] != '=' && !conv_at)
            {
              conv_at = j;
              if (!expr_end)
                expr_end = j;
            }
          else if (depth == 0 && d == ':')
            {
              spec_at = j;
              if (!expr_end)
                expr_end = j;
              /* the spec runs to the matching '}' */
              int sd = 0;
              for (j = j + 1; j < len; j++)
                {
                  if (body[j] == '{')
                    sd++;
                  else if (body[j] == '}')
                    {
                      if (sd == 0)
                        break;
                      sd--;
                    }
                }
              break;
            }
        }
      if (j >= len)
        {
          g_string_free (lit, TRUE);
          return error_at (ps, t, "f-string: expecting '}'");
        }
      if (!expr_end)
        expr_end = j;
      gsize e_end = expr_end;
      gboolean debug = FALSE;
      {
        gsize k = e_end;
        while (k > start && (body[k - 1] == ' '))
          k--;
        if (k > start && body[k - 1] == '=' && !(k >= start + 2 && strchr ("=!<>", body[k - 2])))
          {
            debug = TRUE;
            e_end = k - 1;
          }
      }
      int el = line, ec = col;
      advance_pos (body, start, &el, &ec);
      if (debug)
        g_string_append_len (lit, body + start, expr_end - start);
      if (lit->len)
        {
          PyNode *cn = node (ps, N_CONST, t);
          cn->value = py_str_new (lit->str, lit->len);
          g_ptr_array_add (f->list, cn);
          g_string_truncate (lit, 0);
        }
      PyNode *fv = node (ps, N_FMTVAL, t);
      fv->a = fstring_expr (ps, t, body + start, e_end - start, el, ec);
      if (!fv->a)
        {
          g_string_free (lit, TRUE);
          return NULL;
        }
      if (conv_at)
        {
          char cv = body[conv_at + 1];
          gsize after = conv_at + 2;
          if (!cv || !strchr ("rsa", cv) || (after != j && after != spec_at))
            {
              g_string_free (lit, TRUE);
              return error_at (ps, t, "f-string: invalid conversion character: expected 's', 'r', or 'a'");
            }
          fv->op = cv;
        }
      else if (debug && !spec_at)
        fv->op = 'r';
      if (spec_at)
        {
          int sl = line, sc = col;
          advance_pos (body, spec_at + 1, &sl, &sc);
          fv->b = parse_fstring_body (ps, t, body + spec_at + 1, j - spec_at - 1, sl, sc, raw);
          if (!fv->b)
            {
              g_string_free (lit, TRUE);
              return NULL;
            }
        }
      g_ptr_array_add (f->list, fv);
      i = j + 1;
    }
  if (lit->len)
    {
      PyNode *cn = node (ps, N_CONST, t);
      cn->value = py_str_new (lit->str, lit->len);
      g_ptr_array_add (f->list, cn);
    }
  g_string_free (lit, TRUE);
  return f;
}

/* the text parts of an f-string body need their escapes decoded first — but
 * braces must be found in the raw text, so decode each literal piece */
static PyNode *
parse_fstring_token (Parser *ps, PyToken *t)
{
  PyNode *f = parse_fstring_body (ps, t, t->text, t->len, t->body_line, t->body_col, t->raw);
  if (!f || t->raw)
    return f;
  for (guint i = 0; i < f->list->len; i++)
    {
      PyNode *p = f->list->pdata[i];
      if (p->kind == N_CONST)
        {
          GString *g = g_string_new (NULL);
          char *bad = NULL;
          if (!py_decode_escapes (PY_STR (p->value), PY_STRLEN (p->value), g, &bad))
            {
              g_string_free (g, TRUE);
              PyNode *r = error_at (ps, t, "%s", bad);
              g_free (bad);
              return r;
            }
          py_decref (p->value);
          p->value = py_str_take (g);
        }
    }
  return f;
}

/* ---- atoms ------------------------------------------------------------------------- */

static PyNode *
parse_strings (Parser *ps)
{
  PyToken *first = peek (ps);
  GPtrArray *parts = NULL;
  GString *plain = g_string_new (NULL);
  gboolean any_f = FALSE;
  PyNode *res = node (ps, N_FSTRING, first);
  res->list = new_list ();
  while (peek (ps)->kind == PY_TOK_STRING || peek (ps)->kind == PY_TOK_FSTRING)
    {
      PyToken *t = advance (ps);
      if (t->kind == PY_TOK_STRING)
        {
          g_string_append_len (plain, t->text, t->len);
          continue;
        }
      any_f = TRUE;
      PyNode *f = parse_fstring_token (ps, t);
      if (!f)
        {
          g_string_free (plain, TRUE);
          return NULL;
        }
      if (plain->len)
        {
          PyNode *cn = node (ps, N_CONST, t);
          cn->value = py_str_new (plain->str, plain->len);
          g_ptr_array_add (res->list, cn);
          g_string_truncate (plain, 0);
        }
      for (guint i = 0; i < f->list->len; i++)
        g_ptr_array_add (res->list, f->list->pdata[i]);
    }
  (void) parts;
  if (!any_f)
    {
      PyNode *cn = node (ps, N_CONST, first);
      cn->value = py_str_new (plain->str, plain->len);
      g_string_free (plain, TRUE);
      return cn;
    }
  if (plain->len)
    {
      PyNode *cn = node (ps, N_CONST, first);
      cn->value = py_str_new (plain->str, plain->len);
      g_ptr_array_add (res->list, cn);
    }
  g_string_free (plain, TRUE);
  return res;
}

/* the targets of for: expressions without comparisons (`in` ends them) */
static PyNode *
parse_target_list (Parser *ps)
{
  PyToken *t = peek (ps);
  PyNode *tup = NULL, *first = NULL;
  for (;;)
    {
      PyNode *x;
      PyToken *st = peek (ps);
      if (is_op (st, "*"))
        {
          advance (ps);
          x = node (ps, N_STARRED, st);
          x->a = parse_expr (ps);
          if (!x->a)
            return NULL;
        }
      else if (!(x = parse_expr (ps)))
        return NULL;
      if (!first)
        first = x;
      else
        {
          if (!tup)
            {
              tup = node (ps, N_TUPLE, t);
              tup->list = new_list ();
              g_ptr_array_add (tup->list, first);
            }
          g_ptr_array_add (tup->list, x);
        }
      if (!is_op (peek (ps), ","))
        break;
      advance (ps);
      if (is_kw (peek (ps), "in"))
        {
          if (!tup)
            {
              tup = node (ps, N_TUPLE, t);
              tup->list = new_list ();
              g_ptr_array_add (tup->list, first);
            }
          break;
        }
    }
  return tup ? tup : first;
}

static PyNode *
parse_comp_clauses (Parser *ps, PyNode *comp)
{
  comp->list = new_list ();
  while (is_kw (peek (ps), "for"))
    {
      PyToken *t = advance (ps);
      PyNode *cf = node (ps, N_COMPFOR, t);
      cf->a = parse_target_list (ps);
      if (!cf->a || !check_target (ps, cf->a, FALSE))
        return NULL;
      if (!is_kw (peek (ps), "in"))
        return error_at (ps, peek (ps), "expected 'in'");
      advance (ps);
      cf->b = parse_or_test (ps);
      if (!cf->b)
        return NULL;
      cf->list = new_list ();
      while (is_kw (peek (ps), "if"))
        {
          advance (ps);
          PyNode *cond = parse_or_test (ps);
          if (!cond)
            return NULL;
          g_ptr_array_add (cf->list, cond);
        }
      g_ptr_array_add (comp->list, cf);
    }
  return comp;
}

static PyNode *
parse_star_or_test (Parser *ps)
{
  if (is_op (peek (ps), "*"))
    {
      PyToken *t = advance (ps);
      PyNode *s = node (ps, N_STARRED, t);
      s->a = parse_expr (ps);
      return s->a ? s : NULL;
    }
  PyNode *n = parse_test (ps);
  if (n && is_op (peek (ps), ":="))
    {
      PyToken *t = advance (ps);
      if (n->kind != N_NAME)
        return error_at (ps, t, "cannot use assignment expressions with this expression");
      PyNode *w = node (ps, N_NAMEDEXPR, t);
      w->str = g_strdup (n->str);
      w->a = parse_test (ps);
      return w->a ? w : NULL;
    }
  return n;
}

static PyNode *
parse_atom (Parser *ps)
{
  PyToken *t = peek (ps);
  switch (t->kind)
    {
    case PY_TOK_NAME:
      {
        if (strcmp (t->text, "None") == 0 || strcmp (t->text, "True") == 0
            || strcmp (t->text, "False") == 0)
          {
            advance (ps);
            PyNode *n = node (ps, N_CONST, t);
            n->value = t->text[0] == 'N' ? py_none : t->text[0] == 'T' ? py_true : py_false;
            return n;
          }
        if (strcmp (t->text, "lambda") == 0)
          return parse_test (ps);
        if (is_keyword (t->text))
          return invalid (ps, t);
        advance (ps);
        PyNode *n = node (ps, N_NAME, t);
        n->str = g_strdup (t->text);
        return n;
      }
    case PY_TOK_INT:
      {
        advance (ps);
        PyNode *n = node (ps, N_CONST, t);
        n->value = py_int_new (t->ival);
        return n;
      }
    case PY_TOK_FLOAT:
      {
        advance (ps);
        PyNode *n = node (ps, N_CONST, t);
        n->value = py_float_new (t->fval);
        return n;
      }
    case PY_TOK_STRING:
    case PY_TOK_FSTRING:
      return parse_strings (ps);
    case PY_TOK_OP:
      break;
    default:
      return invalid (ps, t);
    }
  if (is_op (t, "..."))
    {
      advance (ps);
      PyNode *n = node (ps, N_CONST, t);
      n->value = &py_ellipsis_obj;
      return n;
    }
  if (is_op (t, "("))
    {
      advance (ps);
      if (is_op (peek (ps), ")"))
        {
          advance (ps);
          PyNode *n = node (ps, N_TUPLE, t);
          n->list = new_list ();
          return n;
        }
      PyNode *first = parse_star_or_test (ps);
      if (!first)
        return NULL;
      if (is_kw (peek (ps), "for"))
        {
          PyNode *g = node (ps, N_GENEXP, t);
          g->a = first;
          if (!parse_comp_clauses (ps, g) || !expect_op (ps, ")"))
            return NULL;
          return g;
        }
      if (is_op (peek (ps), ")"))
        {
          advance (ps);
          if (first->kind == N_STARRED)
            return error_at (ps, t, "cannot use starred expression here");
          return first;
        }
      PyNode *tup = node (ps, N_TUPLE, t);
      tup->list = new_list ();
      g_ptr_array_add (tup->list, first);
      while (is_op (peek (ps), ","))
        {
          advance (ps);
          if (is_op (peek (ps), ")"))
            break;
          PyNode *x = parse_star_or_test (ps);
          if (!x)
            return NULL;
          g_ptr_array_add (tup->list, x);
        }
      if (!expect_op (ps, ")"))
        return NULL;
      return tup;
    }
  if (is_op (t, "["))
    {
      advance (ps);
      PyNode *l = node (ps, N_LIST, t);
      l->list = new_list ();
      if (is_op (peek (ps), "]"))
        {
          advance (ps);
          return l;
        }
      PyNode *first = parse_star_or_test (ps);
      if (!first)
        return NULL;
      if (is_kw (peek (ps), "for"))
        {
          PyNode *c = node (ps, N_LISTCOMP, t);
          c->a = first;
          if (!parse_comp_clauses (ps, c) || !expect_op (ps, "]"))
            return NULL;
          return c;
        }
      g_ptr_array_add (l->list, first);
      while (is_op (peek (ps), ","))
        {
          advance (ps);
          if (is_op (peek (ps), "]"))
            break;
          PyNode *x = parse_star_or_test (ps);
          if (!x)
            return NULL;
          g_ptr_array_add (l->list, x);
        }
      if (!expect_op (ps, "]"))
        return NULL;
      return l;
    }
  if (is_op (t, "{"))
    {
      advance (ps);
      PyNode *d = node (ps, N_DICT, t);
      d->list = new_list ();
      d->list2 = new_list ();
      if (is_op (peek (ps), "}"))
        {
          advance (ps);
          return d;
        }
      gboolean is_set = FALSE;
      for (int i = 0;; i++)
        {
          if (is_op (peek (ps), "**") && !is_set)
            {
              advance (ps);
              PyNode *v = parse_expr (ps);
              if (!v)
                return NULL;
              g_ptr_array_add (d->list, NULL);
              g_ptr_array_add (d->list2, v);
            }
          else
            {
              PyNode *k = parse_star_or_test (ps);
              if (!k)
                return NULL;
              if (i == 0 && !is_op (peek (ps), ":"))
                is_set = TRUE;
              if (is_set)
                {
                  if (i == 0 && is_kw (peek (ps), "for"))
                    {
                      PyNode *c = node (ps, N_SETCOMP, t);
                      c->a = k;
                      if (!parse_comp_clauses (ps, c) || !expect_op (ps, "}"))
                        return NULL;
                      return c;
                    }
                  g_ptr_array_add (d->list, k);
                }
              else
                {
                  if (!expect_op (ps, ":"))
                    return NULL;
                  PyNode *v = parse_test (ps);
                  if (!v)
                    return NULL;
                  if (i == 0 && is_kw (peek (ps), "for"))
                    {
                      PyNode *c = node (ps, N_DICTCOMP, t);
                      c->a = k;
                      c->b = v;
                      if (!parse_comp_clauses (ps, c) || !expect_op (ps, "}"))
                        return NULL;
                      return c;
                    }
                  g_ptr_array_add (d->list, k);
                  g_ptr_array_add (d->list2, v);
                }
            }
          if (!is_op (peek (ps), ","))
            break;
          advance (ps);
          if (is_op (peek (ps), "}"))
            break;
        }
      if (!expect_op (ps, "}"))
        return NULL;
      if (is_set)
        d->kind = N_SET;
      return d;
    }
  return invalid (ps, t);
}

static PyNode *
parse_subscript_item (Parser *ps)
{
  PyToken *t = peek (ps);
  PyNode *lo = NULL, *hi = NULL, *st = NULL;
  if (!is_op (t, ":"))
    {
      lo = parse_star_or_test (ps);
      if (!lo)
        return NULL;
      if (!is_op (peek (ps), ":"))
        return lo;
    }
  advance (ps);  /* ':' */
  if (!is_op (peek (ps), "]") && !is_op (peek (ps), ",") && !is_op (peek (ps), ":"))
    {
      hi = parse_test (ps);
      if (!hi)
        return NULL;
    }
  if (is_op (peek (ps), ":"))
    {
      advance (ps);
      if (!is_op (peek (ps), "]") && !is_op (peek (ps), ","))
        {
          st = parse_test (ps);
          if (!st)
            return NULL;
        }
    }
  PyNode *s = node (ps, N_SLICE, t);
  s->a = lo;
  s->b = hi;
  s->c = st;
  return s;
}

static PyNode *
parse_call_args (Parser *ps, PyNode *call)
{
  call->list = new_list ();
  gboolean seen_kw = FALSE;
  while (!is_op (peek (ps), ")"))
    {
      PyToken *t = peek (ps);
      PyNode *arg;
      if (is_op (t, "*"))
        {
          advance (ps);
          arg = node (ps, N_STARRED, t);
          arg->a = parse_test (ps);
          if (!arg->a)
            return NULL;
        }
      else if (is_op (t, "**"))
        {
          advance (ps);
          arg = node (ps, N_DSTAR, t);
          arg->a = parse_test (ps);
          if (!arg->a)
            return NULL;
          seen_kw = TRUE;
        }
      else if (t->kind == PY_TOK_NAME && is_op (peek_at (ps, 1), "=") && !is_keyword (t->text))
        {
          advance (ps);
          advance (ps);
          arg = node (ps, N_KEYWORD, t);
          arg->str = g_strdup (t->text);
          arg->a = parse_test (ps);
          if (!arg->a)
            return NULL;
          seen_kw = TRUE;
        }
      else
        {
          arg = parse_test (ps);
          if (!arg)
            return NULL;
          if (is_kw (peek (ps), "for"))
            {
              PyNode *g = node (ps, N_GENEXP, t);
              g->a = arg;
              if (!parse_comp_clauses (ps, g))
                return NULL;
              arg = g;
            }
          else if (is_op (peek (ps), "="))
            return error_at (ps, peek (ps), "expression cannot contain assignment, perhaps you meant \"==\"?");
          if (seen_kw)
            return error_at (ps, t, "positional argument follows keyword argument");
        }
      g_ptr_array_add (call->list, arg);
      if (!is_op (peek (ps), ","))
        break;
      advance (ps);
    }
  if (!expect_op (ps, ")"))
    return NULL;
  return call;
}

static PyNode *
parse_primary (Parser *ps)
{
  PyNode *n = parse_atom (ps);
  while (n)
    {
      PyToken *t = peek (ps);
      if (is_op (t, "."))
        {
          advance (ps);
          PyToken *name = peek (ps);
          if (name->kind != PY_TOK_NAME || is_keyword (name->text))
            return invalid (ps, name);
          advance (ps);
          PyNode *a = node (ps, N_ATTR, name);
          a->line = n->line;
          a->col = n->col;
          a->a = n;
          a->str = g_strdup (name->text);
          n = a;
        }
      else if (is_op (t, "("))
        {
          advance (ps);
          PyNode *c = node (ps, N_CALL, t);
          c->line = n->line;
          c->col = n->col;
          c->a = n;
          if (!enter (ps))
            return NULL;
          n = parse_call_args (ps, c);
          ps->depth--;
        }
      else if (is_op (t, "["))
        {
          advance (ps);
          PyNode *s = node (ps, N_SUBSCRIPT, t);
          s->line = n->line;
          s->col = n->col;
          s->a = n;
          PyNode *first = parse_subscript_item (ps);
          if (!first)
            return NULL;
          if (is_op (peek (ps), ","))
            {
              PyNode *tup = node (ps, N_TUPLE, t);
              tup->list = new_list ();
              g_ptr_array_add (tup->list, first);
              while (is_op (peek (ps), ","))
                {
                  advance (ps);
                  if (is_op (peek (ps), "]"))
                    break;
                  PyNode *x = parse_subscript_item (ps);
                  if (!x)
                    return NULL;
                  g_ptr_array_add (tup->list, x);
                }
              first = tup;
            }
          s->b = first;
          if (!expect_op (ps, "]"))
            return NULL;
          n = s;
        }
      else
        break;
    }
  return n;
}

static PyNode *parse_factor (Parser *ps);

static PyNode *
parse_power (Parser *ps)
{
  PyNode *base = parse_primary (ps);
  if (base && is_op (peek (ps), "**"))
    {
      PyToken *t = advance (ps);
      PyNode *b = node (ps, N_BINOP, t);
      b->line = base->line;
      b->col = base->col;
      b->op = PY_OP_POW;
      b->a = base;
      if (!enter (ps))
        return NULL;
      b->b = parse_factor (ps);
      ps->depth--;
      return b->b ? b : NULL;
    }
  return base;
}

static PyNode *
parse_factor (Parser *ps)
{
  PyToken *t = peek (ps);
  if (is_op (t, "-") || is_op (t, "+") || is_op (t, "~"))
    {
      advance (ps);
      if (!enter (ps))
        return NULL;
      PyNode *operand = parse_factor (ps);
      ps->depth--;
      if (!operand)
        return NULL;
      /* fold -<number> so that -9223372036854775808 style constants work */
      if (t->text[0] == '-' && operand->kind == N_CONST && PY_IS (operand->value, py_float_type))
        {
          double v = PY_FLOAT (operand->value);
          py_decref (operand->value);
          operand->value = py_float_new (-v);
          operand->line = t->line;
          operand->col = t->col;
          return operand;
        }
      PyNode *u = node (ps, N_UNARY, t);
      u->op = t->text[0];
      u->a = operand;
      return u;
    }
  return parse_power (ps);
}

typedef struct { const char *sym; int op; } OpMap;

static PyNode *
parse_binary (Parser *ps, int level)
{
  static const OpMap levels[][6] = {
    { { "|", PY_OP_OR } },
    { { "^", PY_OP_XOR } },
    { { "&", PY_OP_AND } },
    { { "<<", PY_OP_LSHIFT }, { ">>", PY_OP_RSHIFT } },
    { { "+", PY_OP_ADD }, { "-", PY_OP_SUB } },
    { { "*", PY_OP_MUL }, { "/", PY_OP_TRUEDIV }, { "//", PY_OP_FLOORDIV }, { "%", PY_OP_MOD },
      { "@", PY_OP_MATMUL } },
  };
  if (level == 6)
    return parse_factor (ps);
  PyNode *left = parse_binary (ps, level + 1);
  while (left)
    {
      PyToken *t = peek (ps);
      const OpMap *m = NULL;
      for (int i = 0; i < 6 && levels[level][i].sym; i++)
        if (is_op (t, levels[level][i].sym))
          m = &levels[level][i];
      if (!m)
        break;
      advance (ps);
      PyNode *b = node (ps, N_BINOP, t);
      b->line = left->line;
      b->col = left->col;
      b->op = m->op;
      b->a = left;
      b->b = parse_binary (ps, level + 1);
      if (!b->b)
        return NULL;
      left = b;
    }
  return left;
}

static PyNode *
parse_expr (Parser *ps)
{
  if (!enter (ps))
    return NULL;
  PyNode *n = parse_binary (ps, 0);
  ps->depth--;
  return n;
}

static PyNode *
parse_comparison (Parser *ps)
{
  PyNode *first = parse_expr (ps);
  if (!first)
    return NULL;
  PyNode *cmp = NULL;
  for (;;)
    {
      PyToken *t = peek (ps);
      int op = -1;
      if (is_op (t, "<")) op = PY_CMP_LT;
      else if (is_op (t, "<=")) op = PY_CMP_LE;
      else if (is_op (t, "==")) op = PY_CMP_EQ;
      else if (is_op (t, "!=")) op = PY_CMP_NE;
      else if (is_op (t, ">")) op = PY_CMP_GT;
      else if (is_op (t, ">=")) op = PY_CMP_GE;
      else if (is_kw (t, "in")) op = CMP_IN;
      else if (is_kw (t, "not") && is_kw (peek_at (ps, 1), "in")) op = CMP_NOT_IN;
      else if (is_kw (t, "is")) op = is_kw (peek_at (ps, 1), "not") ? CMP_IS_NOT : CMP_IS;
      if (op < 0)
        break;
      advance (ps);
      if (op == CMP_NOT_IN || op == CMP_IS_NOT)
        advance (ps);
      if (!cmp)
        {
          cmp = node (ps, N_COMPARE, t);
          cmp->line = first->line;
          cmp->col = first->col;
          cmp->a = first;
          cmp->list = new_list ();
        }
      PyNode *o = node (ps, N_CMPOP, t);
      o->op = op;
      o->a = parse_expr (ps);
      if (!o->a)
        return NULL;
      g_ptr_array_add (cmp->list, o);
    }
  return cmp ? cmp : first;
}

static PyNode *
parse_not_test (Parser *ps)
{
  PyToken *t = peek (ps);
  if (is_kw (t, "not"))
    {
      advance (ps);
      if (!enter (ps))
        return NULL;
      PyNode *n = node (ps, N_NOT, t);
      n->a = parse_not_test (ps);
      ps->depth--;
      return n->a ? n : NULL;
    }
  return parse_comparison (ps);
}

static PyNode *
parse_and_test (Parser *ps)
{
  PyNode *left = parse_not_test (ps);
  while (left && is_kw (peek (ps), "and"))
    {
      PyToken *t = advance (ps);
      PyNode *b = node (ps, N_BOOLOP, t);
      b->line = left->line;
      b->col = left->col;
      b->op = 0;
      b->a = left;
      b->b = parse_not_test (ps);
      if (!b->b)
        return NULL;
      left = b;
    }
  return left;
}

static PyNode *
parse_or_test (Parser *ps)
{
  PyNode *left = parse_and_test (ps);
  while (left && is_kw (peek (ps), "or"))
    {
      PyToken *t = advance (ps);
      PyNode *b = node (ps, N_BOOLOP, t);
      b->line = left->line;
      b->col = left->col;
      b->op = 1;
      b->a = left;
      b->b = parse_and_test (ps);
      if (!b->b)
        return NULL;
      left = b;
    }
  return left;
}

static GPtrArray *parse_params (Parser *ps, const char *end);

static PyNode *
parse_test (Parser *ps)
{
  PyToken *t = peek (ps);
  if (is_kw (t, "lambda"))
    {
      advance (ps);
      PyNode *l = node (ps, N_LAMBDA, t);
      l->list = parse_params (ps, ":");
      if (!l->list || !expect_op (ps, ":"))
        return NULL;
      l->a = parse_test (ps);
      return l->a ? l : NULL;
    }
  if (!enter (ps))
    return NULL;
  PyNode *body = parse_or_test (ps);
  if (body && is_kw (peek (ps), "if"))
    {
      PyToken *it = advance (ps);
      PyNode *c = node (ps, N_IFEXP, it);
      c->line = body->line;
      c->col = body->col;
      c->b = body;
      c->a = parse_or_test (ps);
      if (!c->a)
        return NULL;
      if (!is_kw (peek (ps), "else"))
        return error_at (ps, peek (ps), "expected 'else' after 'if' expression");
      advance (ps);
      c->c = parse_test (ps);
      body = c->c ? c : NULL;
    }
  ps->depth--;
  return body;
}

/* a comma-separated list: a tuple when it has a comma */
static PyNode *
parse_testlist (Parser *ps, gboolean star)
{
  PyToken *t = peek (ps);
  PyNode *first = star ? parse_star_or_test (ps) : parse_test (ps);
  if (!first || !is_op (peek (ps), ","))
    return first;
  PyNode *tup = node (ps, N_TUPLE, t);
  tup->list = new_list ();
  g_ptr_array_add (tup->list, first);
  while (is_op (peek (ps), ","))
    {
      advance (ps);
      PyToken *n = peek (ps);
      if (n->kind == PY_TOK_NEWLINE || n->kind == PY_TOK_EOF || is_op (n, "=") || is_op (n, ")")
          || is_kw (n, "in") || is_op (n, ";") || (n->kind == PY_TOK_OP && strlen (n->text) == 2
                                                   && n->text[1] == '=' && n->text[0] != '='
                                                   && n->text[0] != '!' && n->text[0] != '<'
                                                   && n->text[0] != '>'))
        break;
      PyNode *x = star ? parse_star_or_test (ps) : parse_test (ps);
      if (!x)
        return NULL;
      g_ptr_array_add (tup->list, x);
    }
  return tup;
}

/* ---- statements ---------------------------------------------------------------------- */

static GPtrArray *
parse_params (Parser *ps, const char *end)
{
  GPtrArray *params = new_list ();
  gboolean seen_default = FALSE, seen_star = FALSE;
  while (!is_op (peek (ps), end))
    {
      PyToken *t = peek (ps);
      PyNode *p = node (ps, N_PARAM, t);
      if (is_op (t, "*") || is_op (t, "**"))
        {
          p->op = t->text[1] ? 2 : 1;
          advance (ps);
          if (p->op == 1 && (is_op (peek (ps), ",") || is_op (peek (ps), end)))
            p->op = 3;
          else
            {
              PyToken *name = advance (ps);
              if (name->kind != PY_TOK_NAME || is_keyword (name->text))
                {
                  invalid (ps, name);
                  return NULL;
                }
              p->str = g_strdup (name->text);
            }
          if (p->op != 2)
            seen_star = TRUE;
        }
      else
        {
          if (t->kind != PY_TOK_NAME || is_keyword (t->text))
            {
              invalid (ps, t);
              return NULL;
            }
          advance (ps);
          p->str = g_strdup (t->text);
          if (is_op (peek (ps), ":") && strcmp (end, ")") == 0)
            {
              advance (ps);   /* an annotation: read and ignored */
              if (!parse_test (ps))
                return NULL;
            }
          if (is_op (peek (ps), "="))
            {
              advance (ps);
              p->a = parse_test (ps);
              if (!p->a)
                return NULL;
              seen_default = TRUE;
            }
          else if (seen_default && !seen_star)
            {
              error_at (ps, t, "non-default argument follows default argument");
              return NULL;
            }
        }
      for (guint i = 0; i < params->len; i++)
        {
          PyNode *q = params->pdata[i];
          if (p->str && q->str && strcmp (p->str, q->str) == 0)
            {
              error_at (ps, t, "duplicate argument '%s' in function definition", p->str);
              return NULL;
            }
        }
      g_ptr_array_add (params, p);
      if (!is_op (peek (ps), ","))
        break;
      advance (ps);
    }
  return params;
}

static gboolean
check_target (Parser *ps, PyNode *n, gboolean del)
{
  switch (n->kind)
    {
    case N_NAME:
    case N_ATTR:
    case N_SUBSCRIPT:
      return TRUE;
    case N_TUPLE:
    case N_LIST:
      for (guint i = 0; i < n->list->len; i++)
        if (!check_target (ps, n->list->pdata[i], del))
          return FALSE;
      return TRUE;
    case N_STARRED:
      return !del && check_target (ps, n->a, del);
    default:
      {
        PyToken t = { .line = n->line, .col = n->col };
        const char *what = n->kind == N_CALL ? "function call" : n->kind == N_CONST ? "literal"
          : n->kind == N_COMPARE ? "comparison" : "expression";
        error_at (ps, &t, "cannot %s %s%s", del ? "delete" : "assign to", what,
                  del ? "" : n->kind == N_CALL || n->kind == N_CONST || n->kind == N_COMPARE
                  ? " here. Maybe you meant '==' instead of '='?" : "");
        return FALSE;
      }
    }
}

static char *
parse_dotted (Parser *ps)
{
  GString *g = g_string_new (NULL);
  for (;;)
    {
      PyToken *t = peek (ps);
      if (t->kind != PY_TOK_NAME || is_keyword (t->text))
        {
          g_string_free (g, TRUE);
          invalid (ps, t);
          return NULL;
        }
      advance (ps);
      g_string_append (g, t->text);
      if (!is_op (peek (ps), "."))
        break;
      advance (ps);
      g_string_append_c (g, '.');
    }
  return g_string_free (g, FALSE);
}

static PyNode *
parse_simple (Parser *ps)
{
  PyToken *t = peek (ps);
  if (t->kind == PY_TOK_NAME)
    {
      const char *k = t->text;
      if (strcmp (k, "pass") == 0 || strcmp (k, "break") == 0 || strcmp (k, "continue") == 0)
        {
          advance (ps);
          return node (ps, k[0] == 'p' ? S_PASS : k[0] == 'b' ? S_BREAK : S_CONTINUE, t);
        }
      if (strcmp (k, "return") == 0)
        {
          advance (ps);
          PyNode *r = node (ps, S_RETURN, t);
          PyToken *n = peek (ps);
          if (n->kind != PY_TOK_NEWLINE && n->kind != PY_TOK_EOF && !is_op (n, ";"))
            {
              r->a = parse_testlist (ps, TRUE);
              if (!r->a)
                return NULL;
            }
          return r;
        }
      if (strcmp (k, "import") == 0)
        {
          advance (ps);
          PyNode *im = node (ps, S_IMPORT, t);
          im->list = new_list ();
          do
            {
              PyToken *at = peek (ps);
              PyNode *al = node (ps, N_ALIAS, at);
              al->str = parse_dotted (ps);
              if (!al->str)
                return NULL;
              if (is_kw (peek (ps), "as"))
                {
                  advance (ps);
                  PyToken *as = advance (ps);
                  if (as->kind != PY_TOK_NAME || is_keyword (as->text))
                    return invalid (ps, as);
                  al->str2 = g_strdup (as->text);
                }
              g_ptr_array_add (im->list, al);
            }
          while (is_op (peek (ps), ",") && advance (ps));
          return im;
        }
      if (strcmp (k, "from") == 0)
        {
          advance (ps);
          PyNode *fr = node (ps, S_FROM, t);
          if (is_op (peek (ps), "."))
            return error_at (ps, peek (ps), _("relative imports are not supported"));
          fr->str = parse_dotted (ps);
          if (!fr->str)
            return NULL;
          if (!is_kw (peek (ps), "import"))
            return error_at (ps, peek (ps), "expected 'import'");
          advance (ps);
          fr->list = new_list ();
          gboolean paren = is_op (peek (ps), "(");
          if (paren)
            advance (ps);
          do
            {
              PyToken *nt = peek (ps);
              if (paren && is_op (nt, ")"))
                break;
              PyNode *al = node (ps, N_ALIAS, nt);
              if (is_op (nt, "*"))
                {
                  advance (ps);
                  al->str = g_strdup ("*");
                }
              else
                {
                  if (nt->kind != PY_TOK_NAME || is_keyword (nt->text))
                    return invalid (ps, nt);
                  advance (ps);
                  al->str = g_strdup (nt->text);
                  if (is_kw (peek (ps), "as"))
                    {
                      advance (ps);
                      PyToken *as = advance (ps);
                      if (as->kind != PY_TOK_NAME || is_keyword (as->text))
                        return invalid (ps, as);
                      al->str2 = g_strdup (as->text);
                    }
                }
              g_ptr_array_add (fr->list, al);
            }
          while (is_op (peek (ps), ",") && advance (ps));
          if (paren && !expect_op (ps, ")"))
            return NULL;
          return fr;
        }
      if (strcmp (k, "assert") == 0)
        {
          advance (ps);
          PyNode *as = node (ps, S_ASSERT, t);
          as->a = parse_test (ps);
          if (!as->a)
            return NULL;
          if (is_op (peek (ps), ","))
            {
              advance (ps);
              as->b = parse_test (ps);
              if (!as->b)
                return NULL;
            }
          return as;
        }
      if (strcmp (k, "del") == 0)
        {
          advance (ps);
          PyNode *d = node (ps, S_DEL, t);
          PyNode *targets = parse_testlist (ps, FALSE);
          if (!targets || !check_target (ps, targets, TRUE))
            return NULL;
          d->list = new_list ();
          if (targets->kind == N_TUPLE)
            for (guint i = 0; i < targets->list->len; i++)
              g_ptr_array_add (d->list, targets->list->pdata[i]);
          else
            g_ptr_array_add (d->list, targets);
          return d;
        }
      if (strcmp (k, "global") == 0 || strcmp (k, "nonlocal") == 0)
        {
          advance (ps);
          PyNode *g = node (ps, k[0] == 'g' ? S_GLOBAL : S_NONLOCAL, t);
          g->list = new_list ();
          do
            {
              PyToken *nt = advance (ps);
              if (nt->kind != PY_TOK_NAME || is_keyword (nt->text))
                return invalid (ps, nt);
              PyNode *nm = node (ps, N_NAME, nt);
              nm->str = g_strdup (nt->text);
              g_ptr_array_add (g->list, nm);
            }
          while (is_op (peek (ps), ",") && advance (ps));
          return g;
        }
      if (strcmp (k, "raise") == 0)
        {
          advance (ps);
          PyNode *r = node (ps, S_RAISE, t);
          PyToken *n = peek (ps);
          if (n->kind != PY_TOK_NEWLINE && n->kind != PY_TOK_EOF && !is_op (n, ";"))
            {
              r->a = parse_test (ps);
              if (!r->a)
                return NULL;
              if (is_kw (peek (ps), "from"))
                {
                  advance (ps);
                  r->b = parse_test (ps);
                  if (!r->b)
                    return NULL;
                }
            }
          return r;
        }
    }
  /* expression, assignment, augmented assignment */
  PyNode *first = parse_testlist (ps, TRUE);
  if (!first)
    return NULL;
  PyToken *op = peek (ps);
  if (is_op (op, "="))
    {
      PyNode *as = node (ps, S_ASSIGN, t);
      as->list = new_list ();
      PyNode *cur = first;
      while (is_op (peek (ps), "="))
        {
          advance (ps);
          if (!check_target (ps, cur, FALSE))
            return NULL;
          g_ptr_array_add (as->list, cur);
          cur = parse_testlist (ps, TRUE);
          if (!cur)
            return NULL;
        }
      as->a = cur;
      return as;
    }
  if (is_op (op, ":") && (first->kind == N_NAME || first->kind == N_ATTR || first->kind == N_SUBSCRIPT))
    {
      advance (ps);
      PyNode *an = node (ps, S_ANNASSIGN, t);
      an->a = first;
      an->b = parse_test (ps);
      if (!an->b)
        return NULL;
      if (is_op (peek (ps), "="))
        {
          advance (ps);
          an->c = parse_testlist (ps, TRUE);
          if (!an->c)
            return NULL;
        }
      return an;
    }
  static const OpMap aug[] = { { "+=", PY_OP_ADD }, { "-=", PY_OP_SUB }, { "*=", PY_OP_MUL },
    { "/=", PY_OP_TRUEDIV }, { "//=", PY_OP_FLOORDIV }, { "%=", PY_OP_MOD }, { "**=", PY_OP_POW },
    { "@=", PY_OP_MATMUL }, { "&=", PY_OP_AND }, { "|=", PY_OP_OR }, { "^=", PY_OP_XOR },
    { "<<=", PY_OP_LSHIFT }, { ">>=", PY_OP_RSHIFT } };
  for (guint i = 0; i < G_N_ELEMENTS (aug); i++)
    if (is_op (op, aug[i].sym))
      {
        advance (ps);
        if (first->kind != N_NAME && first->kind != N_ATTR && first->kind != N_SUBSCRIPT)
          {
            PyToken at = { .line = first->line, .col = first->col };
            return error_at (ps, &at, "'%s' is an illegal expression for augmented assignment",
                             first->kind == N_TUPLE ? "tuple" : "expression");
          }
        PyNode *au = node (ps, S_AUGASSIGN, t);
        au->a = first;
        au->op = aug[i].op;
        au->b = parse_testlist (ps, TRUE);
        return au->b ? au : NULL;
      }
  PyNode *e = node (ps, S_EXPR, t);
  e->a = first;
  return e;
}

/* simple statements separated by ';' up to NEWLINE */
static PyNode *
parse_statement_list (Parser *ps, GPtrArray *out)
{
  for (;;)
    {
      PyNode *s = parse_simple (ps);
      if (!s)
        return NULL;
      g_ptr_array_add (out, s);
      if (!is_op (peek (ps), ";"))
        break;
      advance (ps);
      if (peek (ps)->kind == PY_TOK_NEWLINE || peek (ps)->kind == PY_TOK_EOF)
        break;
    }
  PyToken *t = peek (ps);
  if (t->kind == PY_TOK_NEWLINE)
    advance (ps);
  else if (t->kind != PY_TOK_EOF)
    return invalid (ps, t);
  return out->pdata[out->len - 1];
}

static GPtrArray *
parse_block (Parser *ps)
{
  PyToken *colon = peek (ps);
  if (!expect_op (ps, ":"))
    return NULL;
  GPtrArray *body = new_list ();
  if (peek (ps)->kind != PY_TOK_NEWLINE)
    {
      if (!parse_statement_list (ps, body))
        return NULL;
      return body;
    }
  advance (ps);
  if (peek (ps)->kind != PY_TOK_INDENT)
    {
      ps->err->indentation = TRUE;
      error_at (ps, peek (ps), "expected an indented block after line %d", colon->line);
      return NULL;
    }
  advance (ps);
  if (!enter (ps))
    return NULL;
  while (peek (ps)->kind != PY_TOK_DEDENT && peek (ps)->kind != PY_TOK_EOF)
    if (!parse_compound (ps, body))
      return NULL;
  ps->depth--;
  advance (ps);
  return body;
}

/* blocks are GPtrArrays referenced from nodes; they are freed with the code */
static GPtrArray *
block (Parser *ps)
{
  GPtrArray *b = parse_block (ps);
  return b;
}

static PyNode *
parse_if_rest (Parser *ps, PyToken *t)
{
  PyNode *n = node (ps, S_IF, t);
  n->a = parse_test (ps);
  if (!n->a || !(n->list = block (ps)))
    return NULL;
  PyToken *e = peek (ps);
  if (is_kw (e, "elif"))
    {
      advance (ps);
      PyNode *elif = parse_if_rest (ps, e);
      if (!elif)
        return NULL;
      n->list2 = new_list ();
      g_ptr_array_add (n->list2, elif);
    }
  else if (is_kw (e, "else"))
    {
      advance (ps);
      if (!(n->list2 = block (ps)))
        return NULL;
    }
  return n;
}

static PyNode *
parse_compound (Parser *ps, GPtrArray *out)
{
  PyToken *t = peek (ps);
  PyNode *n = NULL;
  GPtrArray *decorators = NULL;
  while (is_op (t, "@"))
    {
      advance (ps);
      if (!decorators)
        decorators = new_list ();
      PyNode *d = parse_test (ps);
      if (!d || peek (ps)->kind != PY_TOK_NEWLINE)
        return d ? invalid (ps, peek (ps)) : NULL;
      advance (ps);
      g_ptr_array_add (decorators, d);
      t = peek (ps);
    }
  if (t->kind == PY_TOK_INDENT)
    return invalid (ps, t);
  if (t->kind == PY_TOK_NAME)
    {
      const char *k = t->text;
      if (strcmp (k, "if") == 0)
        {
          advance (ps);
          n = parse_if_rest (ps, t);
        }
      else if (strcmp (k, "while") == 0)
        {
          advance (ps);
          n = node (ps, S_WHILE, t);
          n->a = parse_test (ps);
          if (!n->a || !(n->list = block (ps)))
            return NULL;
          if (is_kw (peek (ps), "else"))
            {
              advance (ps);
              if (!(n->list2 = block (ps)))
                return NULL;
            }
        }
      else if (strcmp (k, "for") == 0)
        {
          advance (ps);
          n = node (ps, S_FOR, t);
          n->a = parse_target_list (ps);
          if (!n->a || !check_target (ps, n->a, FALSE))
            return NULL;
          if (!is_kw (peek (ps), "in"))
            return error_at (ps, peek (ps), "expected 'in'");
          advance (ps);
          n->b = parse_testlist (ps, TRUE);
          if (!n->b || !(n->list = block (ps)))
            return NULL;
          if (is_kw (peek (ps), "else"))
            {
              advance (ps);
              if (!(n->list2 = block (ps)))
                return NULL;
            }
        }
      else if (strcmp (k, "def") == 0)
        {
          advance (ps);
          PyToken *name = advance (ps);
          if (name->kind != PY_TOK_NAME || is_keyword (name->text))
            return invalid (ps, name);
          n = node (ps, S_DEF, t);
          n->str = g_strdup (name->text);
          if (!expect_op (ps, "("))
            return NULL;
          n->list = parse_params (ps, ")");
          if (!n->list || !expect_op (ps, ")"))
            return NULL;
          if (is_op (peek (ps), "->"))
            {
              advance (ps);
              if (!parse_test (ps))
                return NULL;
            }
          if (!(n->list2 = block (ps)))
            return NULL;
          n->list3 = decorators;
          decorators = NULL;
        }
      else if (strcmp (k, "class") == 0)
        {
          advance (ps);
          PyToken *name = advance (ps);
          if (name->kind != PY_TOK_NAME || is_keyword (name->text))
            return invalid (ps, name);
          n = node (ps, S_CLASS, t);
          n->str = g_strdup (name->text);
          n->list = new_list ();
          if (is_op (peek (ps), "("))
            {
              advance (ps);
              PyNode *call = node (ps, N_CALL, t);
              if (!parse_call_args (ps, call))
                return NULL;
              for (guint i = 0; i < call->list->len; i++)
                {
                  PyNode *b = call->list->pdata[i];
                  if (b->kind == N_KEYWORD || b->kind == N_STARRED || b->kind == N_DSTAR)
                    return error_at (ps, t, _("class keywords and unpacked bases are not supported"));
                  g_ptr_array_add (n->list, b);
                }
              call->list = NULL;
            }
          if (!(n->list2 = block (ps)))
            return NULL;
          n->list3 = decorators;
          decorators = NULL;
        }
      else if (strcmp (k, "with") == 0)
        {
          advance (ps);
          n = node (ps, S_WITH, t);
          n->list = new_list ();
          do
            {
              PyToken *it = peek (ps);
              PyNode *item = node (ps, N_WITHITEM, it);
              item->a = parse_test (ps);
              if (!item->a)
                return NULL;
              if (is_kw (peek (ps), "as"))
                {
                  advance (ps);
                  item->b = parse_primary (ps);
                  if (!item->b || !check_target (ps, item->b, FALSE))
                    return NULL;
                }
              g_ptr_array_add (n->list, item);
            }
          while (is_op (peek (ps), ",") && advance (ps));
          if (!(n->list2 = block (ps)))
            return NULL;
        }
      else if (strcmp (k, "try") == 0)
        {
          advance (ps);
          n = node (ps, S_TRY, t);
          if (!(n->list = block (ps)))
            return NULL;
          n->list2 = new_list ();
          while (is_kw (peek (ps), "except"))
            {
              PyToken *et = advance (ps);
              PyNode *h = node (ps, N_HANDLER, et);
              if (!is_op (peek (ps), ":"))
                {
                  h->a = parse_test (ps);
                  if (!h->a)
                    return NULL;
                  if (is_kw (peek (ps), "as"))
                    {
                      advance (ps);
                      PyToken *nm = advance (ps);
                      if (nm->kind != PY_TOK_NAME || is_keyword (nm->text))
                        return invalid (ps, nm);
                      h->str = g_strdup (nm->text);
                    }
                }
              if (!(h->list = block (ps)))
                return NULL;
              g_ptr_array_add (n->list2, h);
            }
          if (is_kw (peek (ps), "else"))
            {
              advance (ps);
              if (!(n->list3 = block (ps)))
                return NULL;
            }
          if (is_kw (peek (ps), "finally"))
            {
              advance (ps);
              if (!(n->list4 = block (ps)))
                return NULL;
            }
          if (n->list2->len == 0 && !n->list4)
            return error_at (ps, peek (ps), "expected 'except' or 'finally' block");
        }
      else if (strcmp (k, "async") == 0 || strcmp (k, "yield") == 0 || strcmp (k, "await") == 0)
        return error_at (ps, t, _("'%s' is not supported in ParamScope's Python"), k);
      else if (strcmp (k, "else") == 0 || strcmp (k, "elif") == 0 || strcmp (k, "except") == 0
               || strcmp (k, "finally") == 0)
        return invalid (ps, t);
    }
  if (decorators)
    {
      return error_at (ps, t, "invalid syntax: a decorator must precede def or class");
    }
  if (n)
    {
      g_ptr_array_add (out, n);
      return n;
    }
  return parse_statement_list (ps, out);
}

/* ---- entry points --------------------------------------------------------------------- */

void
py_code_free (PyCode *code)
{
  if (!code)
    return;
  for (guint i = 0; i < code->lists->len; i++)
    g_ptr_array_unref (code->lists->pdata[i]);
  g_ptr_array_unref (code->lists);
  for (guint i = 0; i < code->nodes->len; i++)
    {
      PyNode *n = code->nodes->pdata[i];
      if (!n)
        continue;
      g_free (n->str);
      g_free (n->str2);
      py_decref (n->value);
      g_free (n);
    }
  g_ptr_array_unref (code->nodes);
  g_free (code->filename);
  g_free (code->source);
  g_free (code);
}

PyCode *
py_parse (const char *src, gsize len, const char *filename, PySyntaxError *err)
{
  PyCode *code = g_new0 (PyCode, 1);
  code->filename = g_strdup (filename);
  code->source = g_strndup (src, len);
  code->nodes = g_ptr_array_new ();
  code->lists = g_ptr_array_new ();
  if (!g_utf8_validate (src, len, NULL))
    {
      err->msg = g_strdup ("the source is not valid UTF-8");
      err->line = 1;
      err->col = 1;
      py_code_free (code);
      return NULL;
    }
  GArray *toks = py_lex (code->source, len, 1, 0, FALSE, err);
  if (!toks)
    {
      py_code_free (code);
      return NULL;
    }
  Parser ps = { .toks = toks, .code = code, .err = err };
  PyToken *t0 = peek (&ps);
  PyNode *mod = node (&ps, S_MODULE, t0);
  mod->list = new_list_in (&ps);
  while (peek (&ps)->kind != PY_TOK_EOF)
    {
      if (peek (&ps)->kind == PY_TOK_NEWLINE)
        {
          advance (&ps);
          continue;
        }
      if (!parse_compound (&ps, mod->list))
        break;
    }
  py_tokens_free (toks);
  if (ps.failed)
    {
      py_code_free (code);
      return NULL;
    }
  code->module = mod;
  return code;
}
