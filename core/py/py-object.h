/* py-object.h — the interpreter's values: one header for the object model
 *
 * Private to core/py.  Every value is a PyObj: a type pointer (its vtable),
 * a reference count, and links in the interpreter's list of live objects
 * (so that freeing the interpreter frees what reference cycles kept alive).
 * Built-in types and singletons (None, True, False) are static and
 * immortal (refcnt < 0).
 *
 *   PyObj *s = py_str_new ("abc", -1);
 *   PyObj *t = py_tuple_pack (2, s, py_int_new (3));   // steals both
 *   py_decref (t);
 *
 * Functions returning PyObj* return a new reference, or NULL with the
 * interpreter's exception set (py_raise()).  "steals" in a comment means the
 * callee takes over the caller's reference.
 *
 * Integers are 64-bit: an operation whose exact result does not fit raises
 * OverflowError ("integer overflow: ParamScope's int is 64-bit") — there is
 * no big-int.  Strings are UTF-8.  dict keeps insertion order (OrderedDict
 * is a dict subtype with its own repr and equality).
 */
#pragma once

#include <glib.h>
#include <stdint.h>

typedef struct _PyObj   PyObj;
typedef struct _PyType  PyType;
typedef struct _PyInterp PyInterp;

struct _PyObj {
  PyType *type;
  gint    refcnt;             /* < 0: immortal (static) */
  PyObj  *gc_prev, *gc_next;  /* the interpreter's list of live heap objects */
};

/* The arguments of a call: positional values and keyword names/values. */
typedef struct {
  PyObj **pos;
  int     npos;
  PyObj **kwv;                /* keyword values */
  const char **kwn;           /* keyword names */
  int     nkw;
} PyArgs;

typedef PyObj *(*PyNativeFn) (PyInterp *ip, PyObj *self, PyArgs *a);

typedef struct {
  const char *name;
  PyNativeFn  fn;
} PyMethodDef;

enum { PY_OP_ADD, PY_OP_SUB, PY_OP_MUL, PY_OP_TRUEDIV, PY_OP_FLOORDIV, PY_OP_MOD, PY_OP_POW,
       PY_OP_MATMUL, PY_OP_LSHIFT, PY_OP_RSHIFT, PY_OP_AND, PY_OP_OR, PY_OP_XOR,
       PY_OP_N_BIN };
enum { PY_CMP_LT, PY_CMP_LE, PY_CMP_EQ, PY_CMP_NE, PY_CMP_GT, PY_CMP_GE };

/* The slots: NULL means "this type does not do that". */
struct _PyType {
  PyObj        ob;
  const char  *name;          /* "int", "Parameter", "MyModel" */
  const char  *module;        /* "builtins", "torch.nn.parameter", "__main__" */
  PyType      *base;
  gsize        size;          /* instance size for py_alloc */
  void       (*dealloc)  (PyObj *o);             /* drop references held by o (not free o) */
  gboolean   (*repr)     (PyInterp *ip, PyObj *o, GString *out);
  gboolean   (*str)      (PyInterp *ip, PyObj *o, GString *out);   /* NULL: repr */
  PyObj     *(*getattr)  (PyInterp *ip, PyObj *o, const char *name); /* NULL w/o error: absent */
  int        (*setattr)  (PyInterp *ip, PyObj *o, const char *name, PyObj *v); /* -1 err, 0 n/a, 1 ok */
  PyObj     *(*call)     (PyInterp *ip, PyObj *callee, PyArgs *a);
  PyObj     *(*getitem)  (PyInterp *ip, PyObj *o, PyObj *key);
  gboolean   (*setitem)  (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v);   /* v NULL: del */
  PyObj     *(*iter)     (PyInterp *ip, PyObj *o);
  PyObj     *(*next)     (PyInterp *ip, PyObj *it);  /* NULL w/o error: exhausted */
  gint64     (*len)      (PyInterp *ip, PyObj *o);   /* -1: error */
  PyObj     *(*binop)    (PyInterp *ip, int op, PyObj *a, PyObj *b);  /* py_not_implemented */
  PyObj     *(*compare)  (PyInterp *ip, int op, PyObj *a, PyObj *b);  /* py_not_implemented */
  int        (*truth)    (PyInterp *ip, PyObj *o);   /* -1 error */
  gboolean   (*hash)     (PyInterp *ip, PyObj *o, guint64 *h);  /* NULL: unhashable */
  const PyMethodDef *methods;
  GHashTable  *dict;          /* class attributes (user classes, exceptions): name → PyObj */
  /* a constructor: type(...) calls it, then __init__ (NULL: not callable) */
  PyObj     *(*new_)     (PyInterp *ip, PyType *t, PyArgs *a);
  gboolean     has_dict;      /* instances start like PyInstance: attributes in a dict */
  gboolean     is_heap;       /* a class made by a `class` statement */
  gboolean     is_exception;
};

/* ---- the interpreter's state that objects need ---------------------------- */
typedef struct {
  PyObj *head;                /* live heap objects */
  gsize  n_live;
  gsize  bytes;               /* bytes of object payloads (strings, lists) */
  gsize  cap;                 /* n_live * 64 + bytes above this: over */
  gboolean over;              /* py_check_budget raises MemoryError */
} PyHeap;
/* the payload bytes of the current heap: FALSE (heap over its cap) when too many */
void     py_heap_account (gssize delta);
PyObj   *py_alloc_size (PyType *t, gsize size);
PyObj   *py_type_lookup (PyType *t, const char *name);  /* borrowed */
#define PY_MAX_ALLOC ((gsize) 1 << 30)  /* one string or container: larger is a MemoryError */

/* ---- memory ---------------------------------------------------------------- */
PyObj   *py_alloc      (PyType *t);          /* zeroed, refcnt 1, linked */
void     py_heap_free_all (PyHeap *h);
void     py_set_heap   (PyHeap *h);          /* the heap new objects join (per thread) */

static inline PyObj *py_incref (PyObj *o) { if (o && o->refcnt >= 0) o->refcnt++; return o; }
void     py_decref_slow (PyObj *o);
static inline void py_decref (PyObj *o) { if (o && o->refcnt >= 0 && --o->refcnt == 0) py_decref_slow (o); }
#define py_clear(pp) G_STMT_START { PyObj *_o = (PyObj *) *(pp); *(pp) = NULL; py_decref (_o); } G_STMT_END

/* ---- the types ------------------------------------------------------------- */
extern PyType py_type_type, py_none_type, py_bool_type, py_int_type, py_float_type, py_str_type,
  py_tuple_type, py_list_type, py_dict_type, py_odict_type, py_range_type, py_function_type,
  py_native_type, py_method_type, py_instance_type, py_object_type, py_exception_base,
  py_iter_type, py_generator_type, py_dictview_type, py_slice_type, py_super_type,
  py_module_type, py_set_type, py_ellipsis_type, py_notimpl_type, py_cell_type;

extern PyObj py_none_obj, py_true_obj, py_false_obj, py_ellipsis_obj, py_notimpl_obj;
#define py_none (&py_none_obj)
#define py_true (&py_true_obj)
#define py_false (&py_false_obj)
#define py_not_implemented (&py_notimpl_obj)
static inline PyObj *py_bool (gboolean b) { return b ? py_true : py_false; }
static inline PyObj *py_none_ref (void) { return py_none; }

gboolean py_is_subtype (PyType *t, PyType *base);
static inline gboolean py_isinstance (PyObj *o, PyType *t) { return o->type == t || py_is_subtype (o->type, t); }
#define PY_IS(o, T) ((o)->type == &(T))

/* ---- int, float ------------------------------------------------------------ */
typedef struct { PyObj ob; gint64 v; } PyInt;
typedef struct { PyObj ob; double v; } PyFloat;
PyObj   *py_int_new    (gint64 v);
PyObj   *py_float_new  (double v);
#define PY_INT(o) (((PyInt *) (o))->v)
#define PY_FLOAT(o) (((PyFloat *) (o))->v)
/* int or bool (bool is an int subtype) */
static inline gboolean py_is_int (PyObj *o) { return o->type == &py_int_type || o->type == &py_bool_type; }
static inline gint64 py_int_value (PyObj *o) { return o->type == &py_bool_type ? (o == py_true) : PY_INT (o); }
gboolean py_is_number  (PyObj *o);
double   py_number_value (PyObj *o);
/* Python's repr of a float: the shortest text that reads back the same. */
void     py_float_repr (double v, GString *out);

/* ---- str ------------------------------------------------------------------- */
typedef struct {
  PyObj   ob;
  gsize   len;                /* bytes */
  gsize   nchars;             /* code points */
  guint64 hash;               /* 0: not computed */
  char    s[];                /* NUL-terminated */
} PyStr;
PyObj   *py_str_new    (const char *s, gssize len);
PyObj   *py_str_take   (GString *g);           /* frees g */
PyObj   *py_str_printf (const char *fmt, ...) G_GNUC_PRINTF (1, 2);
PyObj   *py_str_intern (const char *s);        /* an immortal-ish shared string */
#define PY_STR(o) (((PyStr *) (o))->s)
#define PY_STRLEN(o) (((PyStr *) (o))->len)
void     py_str_repr_to (const char *s, gsize len, GString *out);
guint64  py_str_hash   (PyObj *o);

/* ---- tuple, list ----------------------------------------------------------- */
typedef struct { PyObj ob; gsize n; PyObj *items[]; } PyTuple;
typedef struct { PyObj ob; gsize n, cap; PyObj **items; } PyList;
PyObj   *py_tuple_new  (gsize n);              /* items NULL, to fill */
PyObj   *py_tuple_pack (int n, ...);           /* steals */
PyObj   *py_list_new   (gsize n);              /* items NULL, to fill */
void     py_list_append (PyObj *l, PyObj *v);  /* steals v */
#define PY_TUPLE(o) ((PyTuple *) (o))
#define PY_LIST(o) ((PyList *) (o))
/* items and count of a tuple or list */
gboolean py_sequence_items (PyObj *o, PyObj ***items, gsize *n);

/* ---- dict ------------------------------------------------------------------ */
typedef struct { PyObj *key, *value; guint64 hash; } PyDictEntry;
typedef struct {
  PyObj        ob;
  PyDictEntry *entries;       /* insertion order; deleted: key NULL */
  gsize        n_entries, cap_entries, used;
  gint32      *index;         /* open addressing into entries, -1 empty */
  gsize        index_size;
} PyDict;
PyObj   *py_dict_new   (void);
PyObj   *py_odict_new  (void);
/* NULL without an error when absent; borrowed. */
PyObj   *py_dict_get   (PyInterp *ip, PyObj *d, PyObj *key, gboolean *error);
PyObj   *py_dict_get_str (PyObj *d, const char *key);   /* borrowed */
gboolean py_dict_set   (PyInterp *ip, PyObj *d, PyObj *key, PyObj *v);  /* no steal */
void     py_dict_set_str (PyObj *d, const char *key, PyObj *v);        /* steals v */
int      py_dict_del   (PyInterp *ip, PyObj *d, PyObj *key);           /* 1 del, 0 absent, -1 err */
/* iterate: for (gsize i = 0; py_dict_next (d, &i, &k, &v);) */
gboolean py_dict_next  (PyObj *d, gsize *pos, PyObj **key, PyObj **value);
#define PY_DICT(o) ((PyDict *) (o))

/* ---- others ---------------------------------------------------------------- */
typedef struct { PyObj ob; gint64 start, stop, step; } PyRange;
typedef struct { PyObj ob; PyObj *start, *stop, *step; } PySlice;
typedef struct { PyObj ob; PyObj *self, *func; } PyMethod;     /* bound method */
typedef struct { PyObj ob; const char *name; PyNativeFn fn; PyObj *self; const char *qual; } PyNative;
typedef struct { PyObj ob; GHashTable *dict; } PyInstance;     /* a user class's instance */
typedef struct { PyObj ob; GHashTable *dict; PyObj *args; } PyException;         /* instance of an exception class */
typedef struct { PyObj ob; PyObj *seq; gsize i; int kind; PyObj *aux; gint64 cur; } PyIter;
typedef struct { PyObj ob; PyObj *dict; int kind; } PyDictView;  /* 0 keys, 1 values, 2 items */
typedef struct { PyObj ob; const char *name; GHashTable *dict; } PyModule;
typedef struct { PyObj ob; PyType *cls; PyObj *self; } PySuper;

PyObj   *py_native_new (const char *name, PyNativeFn fn, PyObj *self);  /* self: no steal */
PyObj   *py_method_new (PyObj *self, PyObj *func);   /* no steal */
PyObj   *py_iter_new   (PyObj *seq, int kind);       /* internal kinds */
PyObj   *py_slice_new  (PyObj *a, PyObj *b, PyObj *c); /* steals */
PyObj   *py_module_new (const char *name);
void     py_module_add (PyObj *m, const char *name, PyObj *v);   /* steals */
/* a generator over a list of values (steals list): `<class 'generator'>` */
PyObj   *py_generator_new (PyObj *list, const char *qualname);

/* ---- exceptions ------------------------------------------------------------ */
extern PyType *py_exc_BaseException, *py_exc_Exception, *py_exc_TypeError, *py_exc_ValueError,
  *py_exc_NameError, *py_exc_AttributeError, *py_exc_IndexError, *py_exc_KeyError,
  *py_exc_ZeroDivisionError, *py_exc_AssertionError, *py_exc_ImportError,
  *py_exc_ModuleNotFoundError, *py_exc_RuntimeError, *py_exc_OverflowError,
  *py_exc_RecursionError, *py_exc_StopIteration, *py_exc_NotImplementedError,
  *py_exc_LookupError, *py_exc_ArithmeticError, *py_exc_UnboundLocalError,
  *py_exc_KeyboardInterrupt, *py_exc_MemoryError, *py_exc_TimeoutError,
  *py_exc_SyntaxError, *py_exc_IndentationError, *py_exc_PermissionError;
void     py_exceptions_init (void);
PyObj   *py_exception_new (PyType *t, PyObj *args);   /* steals args (a tuple) */

/* ---- generic operations (py-object.c, py-ops.c) ----------------------------- */
gboolean py_repr       (PyInterp *ip, PyObj *o, GString *out);
gboolean py_str        (PyInterp *ip, PyObj *o, GString *out);
char    *py_repr_cstr  (PyInterp *ip, PyObj *o);    /* NULL on error */
PyObj   *py_getattr    (PyInterp *ip, PyObj *o, const char *name);   /* raises AttributeError */
PyObj   *py_getattr_opt (PyInterp *ip, PyObj *o, const char *name);  /* NULL w/o error if absent */
gboolean py_setattr    (PyInterp *ip, PyObj *o, const char *name, PyObj *v);
PyObj   *py_call       (PyInterp *ip, PyObj *f, PyArgs *a);
PyObj   *py_call0      (PyInterp *ip, PyObj *f);
PyObj   *py_call1      (PyInterp *ip, PyObj *f, PyObj *x);
PyObj   *py_getitem    (PyInterp *ip, PyObj *o, PyObj *key);
gboolean py_setitem    (PyInterp *ip, PyObj *o, PyObj *key, PyObj *v);
PyObj   *py_iter       (PyInterp *ip, PyObj *o);
PyObj   *py_next       (PyInterp *ip, PyObj *it);   /* NULL: done, or error (check py_err_occurred) */
gint64   py_len        (PyInterp *ip, PyObj *o);
int      py_truth      (PyInterp *ip, PyObj *o);
PyObj   *py_binop      (PyInterp *ip, int op, PyObj *a, PyObj *b);
PyObj   *py_compare    (PyInterp *ip, int op, PyObj *a, PyObj *b);
int      py_eq         (PyInterp *ip, PyObj *a, PyObj *b);   /* -1 err */
gboolean py_hash       (PyInterp *ip, PyObj *o, guint64 *h);
int      py_contains   (PyInterp *ip, PyObj *container, PyObj *x);
PyObj   *py_list_from_iterable (PyInterp *ip, PyObj *o);
const char *py_op_symbol (int op);
/* "int", or the class's name */
static inline const char *py_type_name (PyObj *o) { return o->type->name; }

/* ---- errors (py-eval.c) ---------------------------------------------------- */
PyObj   *py_raise      (PyInterp *ip, PyType *t, const char *fmt, ...) G_GNUC_PRINTF (3, 4);
PyObj   *py_raise_obj  (PyInterp *ip, PyObj *exc);   /* steals */
gboolean py_err_occurred (PyInterp *ip);
gboolean py_err_matches (PyInterp *ip, PyType *t);
void     py_err_clear  (PyInterp *ip);
/* the budget and interrupt check: FALSE with an exception set when exceeded */
gboolean py_check_budget (PyInterp *ip);
/* memory accounting of payloads: FALSE (MemoryError raised) over the cap */
gboolean py_account_bytes (PyInterp *ip, gsize n);

/* ---- argument parsing -------------------------------------------------------- */
/* Fill out[0..] from a by the parameter names (NULL-terminated); the first
 * nreq are required.  Raises TypeError as CPython does for fname. */
gboolean py_parse_args (PyInterp *ip, PyArgs *a, const char *fname, const char *const *names,
                        int nreq, PyObj **out);
gboolean py_no_kwargs  (PyInterp *ip, PyArgs *a, const char *fname);
gboolean py_arg_int    (PyInterp *ip, PyObj *o, const char *what, gint64 *out);
gboolean py_arg_float  (PyInterp *ip, PyObj *o, const char *what, double *out);

/* ---- formatting (py-format.c) -------------------------------------------------- */
/* format(v, spec) as Python's format mini-language */
gboolean py_format     (PyInterp *ip, PyObj *v, const char *spec, GString *out);
PyObj   *py_str_mod    (PyInterp *ip, PyObj *fmt, PyObj *args);  /* 'x=%d' % v */
/* IPython's pretty form (Jupyter's text/plain) */
gboolean py_pretty     (PyInterp *ip, PyObj *o, GString *out);

/* ---- helpers shared between the object files ---------------------------------- */
gboolean py_sort_list  (PyInterp *ip, PyObj *list, PyObj *key, gboolean reverse);
gboolean py_index_normalize (PyInterp *ip, PyObj *key, gint64 len, const char *what, gint64 *out);
gboolean py_slice_indices (PyInterp *ip, PyObj *slice, gint64 len, gint64 *start, gint64 *stop,
                           gint64 *step, gint64 *n);
gboolean py_dict_update_from (PyInterp *ip, PyObj *self, PyObj *src);
PyObj   *py_str_format_method (PyInterp *ip, PyObj *self, PyArgs *a);
GHashTable *py_instance_dict (PyObj *o);
PyObj   *py_instance_getattr (PyInterp *ip, PyObj *o, const char *name);
int      py_instance_setattr (PyInterp *ip, PyObj *o, const char *name, PyObj *v);
PyObj   *py_str_char   (PyObj *o, gint64 i);
/* a container's repr in progress: FALSE when o is already being written
 * (then it prints as [...]); every TRUE is paired with py_repr_leave */
gboolean py_repr_enter (PyObj *o);
void     py_repr_leave (PyObj *o);

/* ---- builtins (py-builtins.c) --------------------------------------------------- */
void     py_builtins_init (PyInterp *ip, GHashTable *builtins);
PyObj   *py_import_module (PyInterp *ip, const char *name);   /* NULL + ImportError */
/* make `import name` build its module with build (bindings register torch's) */
void     py_register_module (const char *name, PyObj *(*build) (PyInterp *ip));
PyObj   *py_str_method_lookup (PyInterp *ip, PyObj *o, const char *name);
PyObj   *py_type_call_object (PyInterp *ip, PyType *t, PyArgs *a);
