/* ps-model-file-private.h — what the files of the model-file language share
 *
 * The Python subset of model files (ps_model_parse, ps-model-file.c) runs in
 * three stages, one file each:
 *   ps-model-file-lex.c       tokens, with Python's INDENT/DEDENT structure, and
 *                             the one error reporter (file:line:column)
 *   ps-model-file-parse.c     recursive descent into a small AST
 *   ps-model-file-eval.c      the interpreter: names, calls of functions,
 *                             arithmetic, statements
 * and ps-model-file-builtins.c is what a model file can call or name:
 * torch.nn's constructors with PyTorch's signatures, range, len, torch.rand
 * and friends, a module's methods and attributes.
 * The print(net) text is read elsewhere (ps-repr-parse.c).
 */
#pragma once

#include "ps-model-file.h"
#include "ps-error.h"
#include "ps-i18n.h"

#include <string.h>

G_BEGIN_DECLS

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
#define MAX_EVALS       20000000     /* expression nodes evaluated in all: long
                                        expressions in long loops stop too */
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
  gboolean    unknown_layer;  /* the error is an nn.X this reader does not build */
} Ctx;

/* Sets ctx's error to "file:line:column: message" (the first error wins) and
 * returns FALSE.  Columns count characters, not bytes. */
gboolean ps_mf_fail_at  (Ctx *c, int line, int col, const char *fmt, ...) G_GNUC_PRINTF (4, 5);
void     ps_mf_tok_clear (gpointer tok);
/* c->toks from c->src; FALSE with c's error set on bad input. */
gboolean ps_mf_tokenize (Ctx *c);

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

void       ps_mf_node_free     (Node *n);
GPtrArray *ps_mf_node_list     (void);
/* The statements of the whole token stream into body; FALSE with c's error set. */
gboolean   ps_mf_parse_program (Ctx *c, GPtrArray *body);

/* ======================================================================
 * Values, scopes and the interpreter's state
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

static inline Val *
val_new (ValKind k)
{
  Val *v = g_new0 (Val, 1);
  g_atomic_ref_count_init (&v->ref);
  v->kind = k;
  return v;
}

static inline Val *
val_ref (Val *v)
{
  g_atomic_ref_count_inc (&v->ref);
  return v;
}

static inline void
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

static inline Val *
val_int (gint64 i)
{
  Val *v = val_new (V_INT);
  v->i = i;
  return v;
}

/* A float carries no text: its repr (for f-strings) is made when asked,
 * since arithmetic in a long loop would otherwise spend its time on it. */
static inline Val *
val_float (double f)
{
  Val *v = val_new (V_FLOAT);
  v->f = f;
  return v;
}

static inline Val *
val_named (ValKind k, const char *s)
{
  Val *v = val_new (k);
  v->s = g_strdup (s);
  return v;
}

static inline Val *
val_module (PsModule *m)   /* takes the reference */
{
  Val *v = val_new (V_MODULE);
  v->module = m;
  return v;
}

static inline const char *
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

#define FAIL(node, ...) (ps_mf_fail_at (in->c, (node)->line, (node)->col, __VA_ARGS__), (Val *) NULL)

/* ---- the interpreter (ps-model-file-eval.c) ----------------------------- */

Env     *ps_mf_env_new    (Env *globals);
void     ps_mf_env_free   (Env *e);
gboolean ps_mf_exec_block (Interp *in, Env *env, GPtrArray *body);

/* ---- what a model file can call or name (ps-model-file-builtins.c) ------ */

void     ps_mf_install_builtins (Env *globals);
/* f is a V_BUILTIN: a layer's constructor, range, len, torch.rand ... */
Val     *ps_mf_call_builtin (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn,
                             GPtrArray *kwv);
/* f is a V_METHOD: add_module and append of a module, uniform_ and normal_ of a tensor */
Val     *ps_mf_call_method  (Interp *in, Node *call, Val *f, GPtrArray *pos, GPtrArray *kwn,
                             GPtrArray *kwv);
Val     *ps_mf_call_module  (Interp *in, Node *call, Val *mod, GPtrArray *pos, GPtrArray *kwn);
Val     *ps_mf_eval_attr    (Interp *in, Node *n, Val *obj);

G_END_DECLS
