/* py-ast.h — the syntax tree the parser builds and the evaluator walks
 * (private to core/py)
 *
 * One node type; what its fields mean depends on its kind (below).  Nodes
 * belong to a PyCode (one parsed cell or file) and live as long as it:
 * functions defined by the code point into it.
 */
#pragma once

#include "py-lexer.h"
#include "py-object.h"

typedef enum {
  /* expressions */
  N_NAME,       /* str */
  N_CONST,      /* value */
  N_FSTRING,    /* list: N_CONST text and N_FMTVAL parts */
  N_FMTVAL,     /* a: expr, op: conversion ('r', 's', 'a' or 0), b: spec (N_FSTRING) or NULL */
  N_TUPLE, N_LIST, N_SET,   /* list: items (maybe N_STARRED) */
  N_DICT,       /* list: keys (NULL for **x), list2: values */
  N_LISTCOMP, N_SETCOMP, N_GENEXP,  /* a: element, list: N_COMPFOR clauses */
  N_DICTCOMP,   /* a: key, b: value, list: clauses */
  N_COMPFOR,    /* a: target, b: iterable, list: ifs */
  N_ATTR,       /* a: object, str: name */
  N_SUBSCRIPT,  /* a: object, b: index */
  N_SLICE,      /* a, b, c: start, stop, step (NULL allowed) */
  N_CALL,       /* a: callee, list: args (N_STARRED, N_KEYWORD, N_DSTAR or expressions) */
  N_KEYWORD,    /* str: name, a: value */
  N_STARRED,    /* a */
  N_DSTAR,      /* a */
  N_BINOP,      /* op: PY_OP_*, a, b */
  N_UNARY,      /* op: '-', '+', '~', a */
  N_NOT,        /* a */
  N_BOOLOP,     /* op: 0 and, 1 or; a, b */
  N_COMPARE,    /* a: first; list: N_CMPOP (op, a: operand) */
  N_CMPOP,      /* op: PY_CMP_* or CMP_IN, CMP_NOT_IN, CMP_IS, CMP_IS_NOT */
  N_IFEXP,      /* a: test, b: then, c: else */
  N_LAMBDA,     /* list: N_PARAM, a: body */
  N_PARAM,      /* str: name, a: default, op: 0 plain, 1 *args, 2 **kwargs, 3 bare * */
  N_NAMEDEXPR,  /* str := a */
  /* statements */
  S_EXPR,       /* a */
  S_ASSIGN,     /* list: targets, a: value */
  S_AUGASSIGN,  /* a: target, op, b: value */
  S_ANNASSIGN,  /* a: target, b: annotation, c: value or NULL */
  S_IF,         /* a: test, list: body, list2: orelse */
  S_WHILE,      /* a: test, list: body, list2: orelse */
  S_FOR,        /* a: target, b: iterable, list: body, list2: orelse */
  S_DEF,        /* str: name, list: params, list2: body, list3: decorators */
  S_CLASS,      /* str: name, list: bases, list2: body, list3: decorators */
  S_RETURN,     /* a or NULL */
  S_PASS, S_BREAK, S_CONTINUE,
  S_IMPORT,     /* list: N_ALIAS */
  S_FROM,       /* str: module, list: N_ALIAS (str: name, str2: as) */
  N_ALIAS,
  S_ASSERT,     /* a: test, b: message */
  S_WITH,       /* list: N_WITHITEM (a: context, b: target), list2: body */
  N_WITHITEM,
  S_DEL,        /* list: targets */
  S_GLOBAL, S_NONLOCAL,  /* list: N_NAME */
  S_RAISE,      /* a: exception, b: cause */
  S_TRY,        /* list: body, list2: N_HANDLER (a: type, str: name, list: body), list3: else, list4: finally */
  N_HANDLER,
  S_MODULE,     /* list: body */
} PyNodeKind;

enum { CMP_IN = 10, CMP_NOT_IN, CMP_IS, CMP_IS_NOT };

typedef struct _PyNode PyNode;
struct _PyNode {
  PyNodeKind kind;
  int        line, col;       /* 1-based */
  int        op;
  char      *str, *str2;
  PyObj     *value;
  PyNode    *a, *b, *c;
  GPtrArray *list, *list2, *list3, *list4;
};

/* A parsed cell or file: its nodes, its file name ("<cell 3>"), its lines. */
typedef struct {
  char      *filename;
  char      *source;
  GPtrArray *nodes;           /* every node, to free */
  GPtrArray *lists;           /* every list of nodes, to free */
  PyNode    *module;          /* S_MODULE */
} PyCode;

PyCode *py_parse      (const char *src, gsize len, const char *filename, PySyntaxError *err);
void    py_code_free  (PyCode *code);
