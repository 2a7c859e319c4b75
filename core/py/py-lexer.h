/* py-lexer.h — Python source to tokens (private to core/py)
 *
 * Handles indentation (INDENT/DEDENT; tabs to multiples of 8), implicit line
 * joining inside brackets and backslash continuations, comments, numbers
 * (underscores, hex/octal/binary, exponents), strings with prefixes
 * (r, b, f and combinations; triple quotes; escapes decoded), and f-strings
 * (kept raw: the parser splits them into text and {expressions}).
 */
#pragma once

#include <glib.h>

typedef enum {
  PY_TOK_EOF, PY_TOK_NEWLINE, PY_TOK_INDENT, PY_TOK_DEDENT, PY_TOK_NAME, PY_TOK_INT,
  PY_TOK_FLOAT, PY_TOK_STRING, PY_TOK_FSTRING, PY_TOK_OP,
} PyTokKind;

typedef struct {
  PyTokKind kind;
  int       line, col;        /* 1-based */
  char     *text;             /* NAME, OP, decoded STRING, raw FSTRING body */
  gsize     len;
  gint64    ival;
  double    fval;
  gboolean  raw;              /* FSTRING: r prefix */
  int       body_line, body_col;  /* FSTRING: where the body starts */
} PyToken;

typedef struct {
  char *msg;
  int   line, col;
  gboolean indentation;       /* an IndentationError rather than a SyntaxError */
} PySyntaxError;

/* Tokens of src (a GArray of PyToken; free with py_tokens_free), or NULL with
 * err filled.  line0/col0 place src in its file (f-string expressions);
 * expr_mode: no NEWLINE/INDENT tokens (an expression inside an f-string). */
GArray *py_lex          (const char *src, gsize len, int line0, int col0, gboolean expr_mode,
                         PySyntaxError *err);
void    py_tokens_free  (GArray *toks);
/* decode backslash escapes of a non-raw string body; FALSE: bad escape */
gboolean py_decode_escapes (const char *s, gsize len, GString *out, char **bad);
