/* ps-model-file-parse.c — a model file's statements and expressions as a tree
 *
 * Recursive descent over the tokens of ps-model-file-lex.c; nesting is
 * bounded (MAX_NEST_DEPTH), and every error names file:line:column.
 */
#include "ps-model-file-private.h"

void
ps_mf_node_free (Node *n)
{
  if (n == NULL)
    return;
  g_free (n->text);
  ps_mf_node_free (n->a);
  ps_mf_node_free (n->b);
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

GPtrArray *
ps_mf_node_list (void)
{
  return g_ptr_array_new_with_free_func ((GDestroyNotify) ps_mf_node_free);
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
    return ps_mf_fail_at (c, t->line, t->col, _("expected '%s' but found '%s'"), op, tok_desc (t));
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

  n->list = ps_mf_node_list ();
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
              ps_mf_node_free (n);
              ps_mf_fail_at (c, t->line, t->col, _("f-string: '{' was never closed"));
              return NULL;
            }
          inner = g_strndup (s + 1, close - s - 1);
          if (strpbrk (inner, ":!") != NULL)
            {
              g_string_free (lit, TRUE);
              ps_mf_node_free (n);
              ps_mf_fail_at (c, t->line, t->col,
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
          g_array_set_clear_func (sub.toks, ps_mf_tok_clear);
          sub.error = c->error;
          if (!ps_mf_tokenize (&sub))
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
                  ps_mf_fail_at (c, t->line, t->col, _("f-string: invalid expression '%s'"), inner);
                  ps_mf_node_free (e);
                  e = NULL;
                }
            }
          g_array_unref (sub.toks);
          if (e == NULL)
            {
              if (c->error && !*c->error)
                ps_mf_fail_at (c, t->line, t->col, _("f-string: empty expression"));
              g_string_free (lit, TRUE);
              ps_mf_node_free (n);
              return NULL;
            }
          g_ptr_array_add (n->list, e);
          s = close + 1;
        }
      else if (*s == '}')
        {
          g_string_free (lit, TRUE);
          ps_mf_node_free (n);
          ps_mf_fail_at (c, t->line, t->col, _("f-string: single '}' is not allowed"));
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
              ps_mf_node_free (e);
              return FALSE;
            }
        }
      else
        {
          if (is_op (peek (c), "*") || is_op (peek (c), "**"))
            return ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
                            _("argument unpacking (*args, **kwargs) is not supported"));
          e = parse_expr (c);
          if (e == NULL)
            return FALSE;
        }
      g_ptr_array_add (args, e);
      if (is_op (peek (c), ","))
        next (c);
      else if (!is_op (peek (c), ")"))
        return ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
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
          ps_mf_fail_at (c, t->line, t->col, _("'%s' is not supported in model files"), t->text);
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
          n->list = ps_mf_node_list ();
          while (!is_op (peek (c), close))
            {
              Node *e = parse_expr (c);
              if (e == NULL)
                {
                  ps_mf_node_free (n);
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
                  ps_mf_fail_at (c, peek (c)->line, peek (c)->col, _("expected ',' or '%s' but found '%s'"),
                           close, tok_desc (peek (c)));
                  ps_mf_node_free (n);
                  return NULL;
                }
            }
          next (c);
          if (paren && n->list->len == 1 && !saw_comma)
            {
              Node *inner = g_ptr_array_steal_index (n->list, 0);
              ps_mf_node_free (n);
              return inner;
            }
          return n;
        }
      /* fall through */
    default:
      ps_mf_fail_at (c, t->line, t->col, _("expected an expression but found '%s'"), tok_desc (t));
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
          p->list = ps_mf_node_list ();
          if (!parse_call_args (c, p->list))
            {
              ps_mf_node_free (p);
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
              ps_mf_fail_at (c, nt->line, nt->col, _("expected an attribute name after '.'"));
              ps_mf_node_free (n);
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
              ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
                       _("slices are not supported: index one module at a time, e.g. net[0]"));
              ps_mf_node_free (p);
              return NULL;
            }
          p->b = parse_expr (c);
          if (p->b == NULL)
            {
              ps_mf_node_free (p);
              return NULL;
            }
          if (is_op (peek (c), ":") || is_op (peek (c), ","))
            {
              ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
                       _("slices and multi-dimensional indexing are not supported in model files"));
              ps_mf_node_free (p);
              return NULL;
            }
          if (!expect_op (c, "]"))
            {
              ps_mf_node_free (p);
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
          ps_mf_fail_at (c, t->line, t->col, _("expression is nested too deeply"));
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
          ps_mf_node_free (p);
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
          ps_mf_node_free (p);
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
      ps_mf_fail_at (c, t->line, t->col, _("expression is nested too deeply (limit %d)"), MAX_NEST_DEPTH);
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
          ps_mf_node_free (p);
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
      ps_mf_fail_at (c, peek (c)->line, peek (c)->col, _("comparisons are not supported in model files"));
      ps_mf_node_free (n);
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
  return ps_mf_fail_at (c, t->line, t->col, _("unexpected '%s' after the end of the statement"),
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
      ps_mf_fail_at (c, t->line, t->col, _("unexpected indent"));
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
          ps_mf_node_free (n);
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
          ps_mf_fail_at (c, nt->line, nt->col, _("expected a function name after 'def'"));
          return NULL;
        }
      next (c);
      n = node_new (S_DEF, t);
      n->text = g_strdup (nt->text);
      n->a = node_new (N_LIST, nt);          /* parameters */
      n->a->list = ps_mf_node_list ();
      if (!expect_op (c, "("))
        goto bad;
      while (!is_op (peek (c), ")"))
        {
          const Tok *pt = peek (c);
          Node *p;
          if (pt->kind != T_NAME)
            {
              ps_mf_fail_at (c, pt->line, pt->col,
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
              ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
                       _("function parameters must be plain names (defaults, *args and type "
                       "annotations are not supported)"));
              goto bad;
            }
        }
      next (c);
      if (!expect_op (c, ":"))
        goto bad;
      n->list = ps_mf_node_list ();
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
          ps_mf_fail_at (c, vt->line, vt->col, _("expected a loop variable after 'for'"));
          return NULL;
        }
      next (c);
      if (!is_name (peek (c), "in"))
        {
          ps_mf_fail_at (c, peek (c)->line, peek (c)->col,
                   _("expected 'in' (write: for NAME in range(N):)"));
          return NULL;
        }
      next (c);
      n = node_new (S_FOR, t);
      n->text = g_strdup (vt->text);
      n->a = parse_expr (c);
      if (n->a == NULL || !expect_op (c, ":"))
        goto bad;
      n->list = ps_mf_node_list ();
      if (!parse_block (c, n->list, in_def))
        goto bad;
      return n;
    }
  if (is_name (t, "return"))
    {
      if (!in_def)
        {
          ps_mf_fail_at (c, t->line, t->col, _("'return' outside a function"));
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
          ps_mf_fail_at (c, t->line, t->col, _("'%s' is not supported in model files (%s)"), kw[i],
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
          ps_mf_fail_at (c, e->line, e->col,
                   _("cannot assign to this expression (assign to a name, or tie a parameter "
                   "with MODULE.weight = MODULE.weight)"));
          goto bad;
        }
      n->b = parse_expr (c);
      if (n->b == NULL)
        goto bad;
      if (is_op (peek (c), "="))
        {
          ps_mf_fail_at (c, peek (c)->line, peek (c)->col, _("chained assignment is not supported"));
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
      ps_mf_fail_at (c, peek (c)->line, peek (c)->col, _("'%s' is not supported in model files (%s)"),
               peek (c)->text, supported_statements);
      ps_mf_node_free (e);
      return NULL;
    }
  n = node_new (S_EXPR, t);
  n->a = e;
  if (!end_of_statement (c))
    goto bad;
  return n;

bad:
  ps_mf_node_free (n);
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
    return ps_mf_fail_at (c, peek (c)->line, peek (c)->col, _("expected an indented block"));
  next (c);
  if (++c->depth > MAX_NEST_DEPTH)
    return ps_mf_fail_at (c, t->line, t->col, _("blocks are nested too deeply"));
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

gboolean
ps_mf_parse_program (Ctx *c, GPtrArray *body)
{
  while (peek (c)->kind != T_EOF)
    {
      Node *s;
      if (peek (c)->kind == T_NEWLINE)
        {
          next (c);
          continue;
        }
      s = parse_statement (c, FALSE);
      if (s == NULL)
        return FALSE;
      g_ptr_array_add (body, s);
    }
  return TRUE;
}
