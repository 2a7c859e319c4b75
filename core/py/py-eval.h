/* py-eval.h — the interpreter's state and the evaluator's internals
 * (private to core/py)
 */
#pragma once

#include "py-ast.h"
#include "py-object.h"
#include "ps-array.h"
#include "ps-module.h"

typedef struct _PyFrame PyFrame;
struct _PyFrame {
  PyFrame    *back;
  PyObj      *locals;         /* dict; == globals at module level */
  PyObj      *globals;
  PyObj      *closure;        /* list of enclosing functions' locals dicts, or NULL */
  GHashTable *global_names;   /* names declared `global` (NULL: none) */
  GHashTable *nonlocal_names;
  struct _PyFunc *func;       /* NULL at module level and in class bodies */
  PyCode     *code;
  int         err_line, err_col;   /* where this frame's pending exception happened */
  PyObj      *retval;
  gboolean    is_class_body;
};

typedef struct _PyFunc {
  PyObj    ob;
  PyNode  *def;               /* S_DEF or N_LAMBDA */
  PyCode  *code;
  PyObj   *globals;
  PyObj   *closure;           /* list of dicts, innermost first, or NULL */
  PyObj  **defaults;          /* per parameter, NULL when none */
  int      nparams;
  char    *name, *qualname;
  PyType  *owner;             /* the class whose body defined it (for super()) */
} PyFunc;

typedef struct {
  char *file;
  int   line, col;
  char *func;                 /* "<module>" or a function's name */
} PyTbEntry;

struct _PyInterp {
  PyHeap      heap;
  GHashTable *builtins;       /* name → PyObj */
  PyObj      *globals;        /* the namespace cells run in */
  GHashTable *modules;        /* imported: name → module object */
  GPtrArray  *codes;          /* every PyCode run, kept while functions may point into it */
  PyFrame    *frame;
  /* the pending exception */
  PyObj      *exc;
  GArray     *tb;             /* PyTbEntry, innermost first */
  /* budgets */
  gint64      deadline;       /* monotonic µs; 0: none */
  gint        interrupt;      /* set from any thread */
  guint64     steps;
  int         depth, max_depth;     /* Python calls */
  int         cdepth;               /* C recursion in repr, eq and the like */
  /* output */
  void      (*write) (const char *s, gsize n, gpointer data);
  gpointer    write_data;
  gpointer    user_data;      /* the embedding's */
  gpointer    torch_state;    /* py-torch.c's: the generator, print options */
  gpointer    keras_state;    /* py-keras.c's: layer names, name scopes */
};

/* C recursion guard (repr of nested containers, comparisons) */
gboolean py_enter      (PyInterp *ip);
void     py_leave      (PyInterp *ip);

/* evaluation */
PyObj   *py_eval_module (PyInterp *ip, PyCode *code, PyObj *globals, gboolean want_last);
PyObj   *py_func_new   (PyInterp *ip, PyNode *def, PyCode *code, PyFrame *frame);
void     py_write      (PyInterp *ip, const char *s, gsize n);
PyObj   *py_make_class (PyInterp *ip, const char *name, PyType *base, PyObj *ns);

/* the exception's name ("ZeroDivisionError") and message (str(e)) */
char    *py_exc_message (PyInterp *ip, PyObj *exc);

extern PyType py_function_type;

/* py-torch.c: the torch module and Tensor */
void     py_torch_register (void);
/* torch.nn.functional's layers and losses, nn's loss modules (py-functional.c) */
void     py_functional_add (PyObj *functional);
void     py_functional_add_losses (PyObj *nn);
PyObj   *py_functional_tensor_method (PyInterp *ip, PyObj *tensor, const char *name, PyArgs *a);
void     py_torch_state_free (gpointer state);
void     py_torch_manual_seed (PyInterp *ip, guint64 seed);
PyObj   *py_torch_wrap_array (PyInterp *ip, PsArray *a);   /* steals a */
PsArray *py_torch_array (PyObj *o);                        /* borrowed; NULL if not a tensor */
PsRng   *py_torch_rng (PyInterp *ip);
/* the one Python object of a PsModule or PsParam (kept while the interpreter lives) */
GHashTable *py_torch_wrappers (PyInterp *ip);
void     py_nn_register (void);
/* the PsModule of a built-in layer object, else NULL (borrowed) */
PsModule *py_nn_module_of (PyObj *o);
/* the one Python object of a PsModule (new reference) */
PyObj   *py_nn_wrap_module (PyInterp *ip, PsModule *m);
/* the names of a user's nn.Module instance's Parameters and modules (completion) */
void     py_nn_user_names (PyObj *o, GPtrArray *names);
void     py_optim_register (void);
/* py-trace.c: a user's forward() recorded for the tape (ps-block.h) */
gboolean py_trace_is (PyObj *o);
PyObj   *py_trace_call_module (PyInterp *ip, PsModule *callee, PyArgs *a);
PyObj   *py_trace_method (PyInterp *ip, PyObj *self, const char *name, PyArgs *a);
PyObj   *py_trace_cat (PyInterp *ip, PyArgs *a);
gboolean py_trace_has_size (PyArgs *a);
PyObj   *py_trace_zeros (PyInterp *ip, PyArgs *a);
struct _PsBlockProgram *py_trace_forward (PyInterp *ip, PyObj *obj, PsModule *m);
gboolean py_nn_record_forwards (PyInterp *ip, PsModule *root);
/* py-nn-layers.c: the other torch.nn layers of core/ps-layer (Conv2d, BatchNorm2d, ...) */
PsModule *py_nn_layer_new (PyInterp *ip, const char *cls, PyArgs *a);
extern const char *const py_nn_layer_names[];
/* A layer's constructor argument as the module's attribute (rnn.hidden_size,
 * conv.kernel_size): a new reference, or NULL (nothing raised) when it has none. */
PyObj    *py_nn_layer_option (PsModule *m, const char *name);
