/* ps-pickle.h — a restricted unpickler that executes nothing
 *
 *   g_autoptr (PsPickle) p = ps_pickle_load (bytes, n, "model.pth:data.pkl", &error);
 *   const PsPyValue *root = ps_pickle_get_root (p);   // e.g. a dict of tensors
 *
 * It reads the pickles torch.save writes (protocol 2; the binary opcodes of
 * protocols 1 to 5) into plain data: None, bools, ints, floats, strings,
 * bytes, tuples, lists, dicts (OrderedDict is a dict), sets, tensors and
 * objects.  Nothing is ever imported or called: a GLOBAL names a class or a
 * function, and only these names mean something:
 *   - torch._utils._rebuild_tensor_v2 / _rebuild_tensor / _rebuild_parameter
 *     (/_with_state): a tensor record (storage, offset, size, stride);
 *   - collections.OrderedDict, builtins.set/frozenset, torch.Size: data;
 *   - copyreg._reconstructor and NEWOBJ of a class: an object record (class
 *     name + the state given by BUILD), as whole pickled modules are read
 *     (their _modules, _parameters and _buffers are dicts of the state);
 *   - torch.FloatStorage and the other storage classes, torch.float32 and
 *     the other dtypes, numpy scalars: named constants.
 * Any other callable (REDUCE of `os.system`, `builtins.eval`, ...), any
 * global of a module that can act on the system (os, subprocess, sys,
 * builtins, socket, shutil, importlib, pickle, ctypes, ...), and the opcodes
 * that call constructors (INST, OBJ, EXT*) or the text-protocol opcodes are
 * refused with a message naming them and the byte where they are.
 * Budgets bound the work: values, memo entries, marks, container sizes.
 * Persistent ids (BINPERSID) become PS_PY_PERSID records holding their
 * tuple; the caller resolves them (storages).
 *
 * All values live in the PsPickle's arena and die with it; they may be
 * shared (the memo) and cyclic, so walkers must bound their depth.
 */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

#define PS_PICKLE_MAX_VALUES  (16 * 1000 * 1000)
#define PS_PICKLE_MAX_DIMS    8

typedef enum
{
  PS_PY_NONE,
  PS_PY_BOOL,
  PS_PY_INT,
  PS_PY_BIGINT,      /* an int beyond 64 bits: its little-endian two's complement bytes */
  PS_PY_FLOAT,
  PS_PY_STR,
  PS_PY_BYTES,
  PS_PY_TUPLE,
  PS_PY_LIST,
  PS_PY_SET,
  PS_PY_DICT,        /* also OrderedDict; keys in insertion order */
  PS_PY_GLOBAL,      /* a named class, function or constant: never called */
  PS_PY_OBJECT,      /* an instance of a class: its state, never constructed */
  PS_PY_PERSID,      /* a persistent id (torch: a storage) */
  PS_PY_TENSOR,
} PsPyKind;

typedef struct _PsPyValue PsPyValue;

struct _PsPyValue
{
  PsPyKind kind;
  union
  {
    gboolean b;
    int64_t  i;
    double   f;
    struct { char *s; gsize len; }              str;      /* STR, BYTES, BIGINT */
    struct { PsPyValue **items; guint n; }      tuple;
    GPtrArray                                  *list;     /* LIST, SET: PsPyValue* */
    struct { GPtrArray *keys, *values; }        dict;
    struct { char *module, *name; }             global;
    struct { const PsPyValue *cls; PsPyValue *state; PsPyValue *args; } object;
    PsPyValue                                  *persid;
    struct
    {
      PsPyValue *storage;          /* as given: usually a PS_PY_PERSID */
      int64_t    offset;           /* in elements */
      int        ndim;
      int64_t    size[PS_PICKLE_MAX_DIMS];
      int64_t    stride[PS_PICKLE_MAX_DIMS];
      gboolean   requires_grad;
      gboolean   is_parameter;
    } tensor;
  };
};

typedef struct _PsPickle PsPickle;

/* Read one pickle from data (up to its STOP).  label names it in messages. */
PsPickle        *ps_pickle_load      (const guint8 *data, gsize len, const char *label,
                                      GError **error);
void             ps_pickle_free      (PsPickle *p);
const PsPyValue *ps_pickle_get_root  (PsPickle *p);
/* Bytes read, through the STOP opcode (the legacy format has pickles in a row). */
gsize            ps_pickle_get_length (PsPickle *p);

/* dict[key] for a string key, or NULL (also when d is not a dict). */
const PsPyValue *ps_py_dict_get      (const PsPyValue *d, const char *key);
/* "collections.OrderedDict" for a global; the class's for an object; NULL otherwise. */
char            *ps_py_class_name    (const PsPyValue *v);
const char      *ps_py_kind_name     (PsPyKind kind);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsPickle, ps_pickle_free)

G_END_DECLS
