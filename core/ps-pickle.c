/* ps-pickle.c — the pickle virtual machine, reduced to building data
 *
 * A loop over opcodes with a value stack, a mark stack and a memo.  Every
 * length read from the input is checked against what remains; every value is
 * allocated in one arena (values may be shared through the memo and form
 * cycles, so there is no reference counting); the number of values, memo
 * entries and marks is bounded.
 */
#include "ps-pickle.h"
#include "ps-error.h"

#include <string.h>

#define MAX_MEMO   (4 * 1000 * 1000)
#define MAX_MARKS  100000

struct _PsPickle
{
  char       *label;
  GPtrArray  *arena;        /* PsPyValue*, freed with their contents */
  PsPyValue  *root;
  gsize       length;
};

typedef struct
{
  PsPickle     *p;
  const guint8 *data;
  gsize         len, pos, op_pos;
  GPtrArray    *stack;
  GArray       *marks;      /* guint: stack heights */
  GHashTable   *memo;       /* index -> PsPyValue* */
  GError      **error;
} Vm;

static void
value_free (gpointer data)
{
  PsPyValue *v = data;
  switch (v->kind)
    {
    case PS_PY_STR:
    case PS_PY_BYTES:
    case PS_PY_BIGINT:
      g_free (v->str.s);
      break;
    case PS_PY_TUPLE:
      g_free (v->tuple.items);
      break;
    case PS_PY_LIST:
    case PS_PY_SET:
      g_ptr_array_unref (v->list);
      break;
    case PS_PY_DICT:
      g_ptr_array_unref (v->dict.keys);
      g_ptr_array_unref (v->dict.values);
      break;
    case PS_PY_GLOBAL:
      g_free (v->global.module);
      g_free (v->global.name);
      break;
    default:
      break;
    }
  g_free (v);
}

void
ps_pickle_free (PsPickle *p)
{
  if (p == NULL)
    return;
  g_ptr_array_unref (p->arena);
  g_free (p->label);
  g_free (p);
}

const PsPyValue *
ps_pickle_get_root (PsPickle *p)
{
  return p->root;
}

gsize
ps_pickle_get_length (PsPickle *p)
{
  return p->length;
}

const char *
ps_py_kind_name (PsPyKind kind)
{
  static const char *const names[] = {
    "None", "bool", "int", "int", "float", "str", "bytes", "tuple", "list", "set", "dict",
    "global", "object", "persistent id", "tensor",
  };
  return kind < G_N_ELEMENTS (names) ? names[kind] : "?";
}

static gboolean G_GNUC_PRINTF (2, 3)
fail (Vm *vm, const char *fmt, ...)
{
  va_list ap;
  g_autofree char *msg = NULL;
  va_start (ap, fmt);
  msg = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  if (vm->error && *vm->error == NULL)
    g_set_error (vm->error, PS_ERROR, PS_ERROR_FORMAT, "%s: at byte %" G_GSIZE_FORMAT ": %s",
                 vm->p->label, vm->op_pos, msg);
  return FALSE;
}

static PsPyValue *
new_value (Vm *vm, PsPyKind kind)
{
  PsPyValue *v;
  if (vm->p->arena->len >= PS_PICKLE_MAX_VALUES)
    {
      fail (vm, "more than %d values: the pickle is too large or hostile", PS_PICKLE_MAX_VALUES);
      return NULL;
    }
  v = g_new0 (PsPyValue, 1);
  v->kind = kind;
  if (kind == PS_PY_LIST || kind == PS_PY_SET)
    v->list = g_ptr_array_new ();
  else if (kind == PS_PY_DICT)
    {
      v->dict.keys = g_ptr_array_new ();
      v->dict.values = g_ptr_array_new ();
    }
  g_ptr_array_add (vm->p->arena, v);
  return v;
}

static gboolean
push (Vm *vm, PsPyValue *v)
{
  if (v == NULL)
    return FALSE;
  g_ptr_array_add (vm->stack, v);
  return TRUE;
}

static PsPyValue *
pop (Vm *vm)
{
  guint floor = vm->marks->len ? g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;
  if (vm->stack->len <= floor)
    {
      fail (vm, "the stack is empty (a malformed pickle)");
      return NULL;
    }
  return g_ptr_array_steal_index (vm->stack, vm->stack->len - 1);
}

static PsPyValue *
top (Vm *vm)
{
  guint floor = vm->marks->len ? g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;
  if (vm->stack->len <= floor)
    {
      fail (vm, "the stack is empty (a malformed pickle)");
      return NULL;
    }
  return vm->stack->pdata[vm->stack->len - 1];
}

/* The container just below the items of a mark (APPENDS, SETITEMS). */
static PsPyValue *
below_mark (Vm *vm, guint first)
{
  guint floor = vm->marks->len ? g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;
  if (first == 0 || first - 1 < floor)
    {
      fail (vm, "no container below the MARK (a malformed pickle)");
      return NULL;
    }
  return vm->stack->pdata[first - 1];
}

/* The items above the last mark (removed, with the mark): start index in
 * *first, count returned; -1 without a mark. */
static gint64
pop_mark (Vm *vm, guint *first)
{
  guint m;
  if (vm->marks->len == 0)
    {
      fail (vm, "no MARK before this opcode (a malformed pickle)");
      return -1;
    }
  m = g_array_index (vm->marks, guint, vm->marks->len - 1);
  g_array_set_size (vm->marks, vm->marks->len - 1);
  *first = m;
  return vm->stack->len - m;
}

static const guint8 *
take (Vm *vm, gsize n)
{
  const guint8 *at;
  if (n > vm->len - vm->pos)
    {
      fail (vm, "the pickle ends in the middle of an opcode (%" G_GSIZE_FORMAT " bytes needed, "
            "%" G_GSIZE_FORMAT " left)", n, vm->len - vm->pos);
      return NULL;
    }
  at = vm->data + vm->pos;
  vm->pos += n;
  return at;
}

static gboolean
take_uint (Vm *vm, int nbytes, guint64 *out)
{
  const guint8 *b = take (vm, nbytes);
  guint64 v = 0;
  if (b == NULL)
    return FALSE;
  for (int i = nbytes - 1; i >= 0; i--)
    v = (v << 8) | b[i];
  *out = v;
  return TRUE;
}

/* A text line up to '\n' (GLOBAL's module and name). */
static char *
take_line (Vm *vm)
{
  const guint8 *start = vm->data + vm->pos;
  const guint8 *nl = memchr (start, '\n', MIN (vm->len - vm->pos, 4096));
  if (nl == NULL)
    {
      fail (vm, "a GLOBAL name is not terminated by a newline within 4096 bytes");
      return NULL;
    }
  vm->pos += (gsize) (nl - start) + 1;
  if (!g_utf8_validate ((const char *) start, nl - start, NULL))
    {
      fail (vm, "a GLOBAL name is not valid UTF-8");
      return NULL;
    }
  return g_strndup ((const char *) start, nl - start);
}

static PsPyValue *
new_string (Vm *vm, PsPyKind kind, gsize n)
{
  const guint8 *b = take (vm, n);
  PsPyValue *v;
  if (b == NULL || (v = new_value (vm, kind)) == NULL)
    return NULL;
  if (kind == PS_PY_STR && !g_utf8_validate ((const char *) b, (gssize) n, NULL))
    {
      /* Python 2 str (BINSTRING): bytes, shown as Latin-1 */
      v->str.s = g_convert ((const char *) b, (gssize) n, "UTF-8", "ISO-8859-1", NULL, &v->str.len,
                            NULL);
      if (v->str.s == NULL)
        v->str.s = g_strdup ("");
      return v;
    }
  v->str.s = g_malloc (n + 1);
  memcpy (v->str.s, b, n);
  v->str.s[n] = '\0';
  v->str.len = n;
  return v;
}

static PsPyValue *
new_int (Vm *vm, int64_t i)
{
  PsPyValue *v = new_value (vm, PS_PY_INT);
  if (v)
    v->i = i;
  return v;
}

/* LONG1/LONG4: little-endian two's complement. */
static PsPyValue *
new_long (Vm *vm, gsize n)
{
  const guint8 *b = take (vm, n);
  PsPyValue *v;
  if (b == NULL)
    return NULL;
  if (n <= 8)
    {
      guint64 u = 0;
      for (gsize k = n; k-- > 0;)
        u = (u << 8) | b[k];
      if (n > 0 && n < 8 && (b[n - 1] & 0x80))
        u |= ~(guint64) 0 << (8 * n);          /* sign-extend */
      return new_int (vm, (int64_t) u);
    }
  v = new_value (vm, PS_PY_BIGINT);
  if (v == NULL)
    return NULL;
  v->str.s = g_memdup2 (b, n);
  v->str.len = n;
  return v;
}

static PsPyValue *
new_tuple (Vm *vm, guint first, guint n)
{
  PsPyValue *v = new_value (vm, PS_PY_TUPLE);
  if (v == NULL)
    return NULL;
  v->tuple.n = n;
  v->tuple.items = g_new (PsPyValue *, MAX (n, 1));
  if (n > 0)
    memcpy (v->tuple.items, vm->stack->pdata + first, n * sizeof (gpointer));
  g_ptr_array_set_size (vm->stack, first);
  return v;
}

/* ---- globals ------------------------------------------------------------------------------ */

typedef enum
{
  G_CLASS,               /* a class: NEWOBJ or copyreg._reconstructor make an object record */
  G_CONST,               /* a named constant (storage type, dtype) */
  G_ORDERED_DICT, G_SET, G_FROZENSET, G_SIZE, G_RECONSTRUCTOR,
  G_REBUILD_TENSOR, G_REBUILD_TENSOR_V2, G_REBUILD_PARAMETER, G_REBUILD_PARAMETER_STATE,
  G_NUMPY, G_OBJECT,
} GlobalRole;

static const struct { const char *name; GlobalRole role; } known_globals[] = {
  { "collections.OrderedDict", G_ORDERED_DICT },
  { "builtins.set", G_SET }, { "__builtin__.set", G_SET },
  { "builtins.frozenset", G_FROZENSET }, { "__builtin__.frozenset", G_FROZENSET },
  { "builtins.object", G_OBJECT }, { "__builtin__.object", G_OBJECT },
  { "torch.Size", G_SIZE },
  { "copyreg._reconstructor", G_RECONSTRUCTOR }, { "copy_reg._reconstructor", G_RECONSTRUCTOR },
  { "torch._utils._rebuild_tensor", G_REBUILD_TENSOR },
  { "torch._utils._rebuild_tensor_v2", G_REBUILD_TENSOR_V2 },
  { "torch._utils._rebuild_parameter", G_REBUILD_PARAMETER },
  { "torch._utils._rebuild_parameter_with_state", G_REBUILD_PARAMETER_STATE },
  { "numpy.core.multiarray.scalar", G_NUMPY }, { "numpy._core.multiarray.scalar", G_NUMPY },
  { "numpy.dtype", G_NUMPY },
};

/* Modules whose names can reach the system: never accepted, not even as a class. */
static const char *const denied_modules[] = {
  "os", "posix", "nt", "posixpath", "ntpath", "subprocess", "sys", "builtins", "__builtin__",
  "socket", "shutil", "importlib", "pickle", "_pickle", "cPickle", "marshal", "runpy",
  "ctypes", "code", "codeop", "pty", "webbrowser", "pdb", "commands", "types", "functools",
  "operator", "io", "_io", "tempfile", "glob", "multiprocessing", "threading", "signal",
  "platform", "pathlib", "urllib", "http", "ftplib", "smtplib", "asyncio", "inspect",
  "copyreg", "copy_reg", "torch._C", "torch.hub", "torch.ops", "torch.jit", "torch.serialization",
  "torch.utils.cpp_extension", "torch.package", "torch.distributed", "numpy.testing",
  "numpy.f2py", "numpy.distutils", "setuptools", "distutils", "pip", "yaml", "dill", "joblib",
};

static const char *const storage_types[] = {
  "FloatStorage", "DoubleStorage", "HalfStorage", "BFloat16Storage", "LongStorage",
  "IntStorage", "ShortStorage", "CharStorage", "ByteStorage", "BoolStorage",
  "UntypedStorage",
};

static const char *const dtypes[] = {
  "float32", "float", "float64", "double", "float16", "half", "bfloat16", "int64", "long",
  "int32", "int", "int16", "short", "int8", "uint8", "bool", "complex64", "complex128",
};

static gboolean
module_denied (const char *module)
{
  for (guint i = 0; i < G_N_ELEMENTS (denied_modules); i++)
    {
      gsize n = strlen (denied_modules[i]);
      if (strncmp (module, denied_modules[i], n) == 0 && (module[n] == '\0' || module[n] == '.'))
        return TRUE;
    }
  return FALSE;
}

static gboolean
valid_identifier_path (const char *s)
{
  if (*s == '\0')
    return FALSE;
  for (const char *p = s; *p; p++)
    if (!g_ascii_isalnum (*p) && *p != '_' && *p != '.')
      return FALSE;
  return TRUE;
}

static PsPyValue *
new_global (Vm *vm, char *module, char *name)
{
  g_autofree char *full = g_strconcat (module, ".", name, NULL);
  gboolean known = FALSE;
  PsPyValue *v;

  for (guint i = 0; i < G_N_ELEMENTS (known_globals); i++)
    known |= strcmp (full, known_globals[i].name) == 0;
  if (!known && strcmp (module, "torch") == 0)
    {
      for (guint i = 0; i < G_N_ELEMENTS (storage_types); i++)
        known |= strcmp (name, storage_types[i]) == 0;
      for (guint i = 0; i < G_N_ELEMENTS (dtypes); i++)
        known |= strcmp (name, dtypes[i]) == 0;
    }
  if (!known)
    {
      const char *last = strrchr (name, '.');
      last = last ? last + 1 : name;
      while (*last == '_')             /* private classes: _DenseBlock */
        last++;
      /* a class of a model's code (torch.nn.modules.linear.Linear,
       * torchvision..., __main__.Net): read as data, never constructed */
      if (module_denied (module) || !valid_identifier_path (module)
          || !valid_identifier_path (name) || !g_ascii_isupper (last[0]))
        {
          fail (vm, "`%s` is not allowed (ParamScope reads the data of torch.save files and calls "
                "nothing: only tensors, containers and module classes are accepted)", full);
          g_free (module);
          g_free (name);
          return NULL;
        }
    }
  v = new_value (vm, PS_PY_GLOBAL);
  if (v == NULL)
    {
      g_free (module);
      g_free (name);
      return NULL;
    }
  v->global.module = module;
  v->global.name = name;
  return v;
}

static GlobalRole
global_role (const PsPyValue *g)
{
  g_autofree char *full = NULL;
  if (g->kind != PS_PY_GLOBAL)
    return G_CONST;
  full = g_strconcat (g->global.module, ".", g->global.name, NULL);
  for (guint i = 0; i < G_N_ELEMENTS (known_globals); i++)
    if (strcmp (full, known_globals[i].name) == 0)
      return known_globals[i].role;
  if (strcmp (g->global.module, "torch") == 0)
    return G_CONST;
  return G_CLASS;
}

char *
ps_py_class_name (const PsPyValue *v)
{
  if (v && v->kind == PS_PY_OBJECT)
    v = v->object.cls;
  if (v == NULL || v->kind != PS_PY_GLOBAL)
    return NULL;
  return g_strconcat (v->global.module, ".", v->global.name, NULL);
}

/* ---- REDUCE / NEWOBJ / BUILD ------------------------------------------------------------- */

static gboolean
int_tuple (const PsPyValue *t, int64_t *out, int *n)
{
  if (t->kind != PS_PY_TUPLE && t->kind != PS_PY_LIST)
    return FALSE;
  {
    guint len = t->kind == PS_PY_TUPLE ? t->tuple.n : t->list->len;
    if (len > PS_PICKLE_MAX_DIMS)
      return FALSE;
    for (guint i = 0; i < len; i++)
      {
        const PsPyValue *x = t->kind == PS_PY_TUPLE ? t->tuple.items[i] : t->list->pdata[i];
        if (x->kind != PS_PY_INT)
          return FALSE;
        out[i] = x->i;
      }
    *n = (int) len;
  }
  return TRUE;
}

static PsPyValue *
rebuild_tensor (Vm *vm, const PsPyValue *args, gboolean v2)
{
  PsPyValue *t;
  int nsize = 0, nstride = 0;

  if (args->kind != PS_PY_TUPLE || args->tuple.n < 4 || (v2 && args->tuple.n < 5))
    {
      fail (vm, "_rebuild_tensor%s expects (storage, offset, size, stride%s)", v2 ? "_v2" : "",
            v2 ? ", requires_grad, hooks" : "");
      return NULL;
    }
  t = new_value (vm, PS_PY_TENSOR);
  if (t == NULL)
    return NULL;
  t->tensor.storage = args->tuple.items[0];
  if (args->tuple.items[1]->kind != PS_PY_INT || args->tuple.items[1]->i < 0)
    {
      fail (vm, "a tensor's storage offset is not a non-negative int");
      return NULL;
    }
  t->tensor.offset = args->tuple.items[1]->i;
  if (!int_tuple (args->tuple.items[2], t->tensor.size, &nsize)
      || !int_tuple (args->tuple.items[3], t->tensor.stride, &nstride) || nsize != nstride)
    {
      fail (vm, "a tensor's size and stride are not two tuples of ints of the same length (at "
            "most %d)", PS_PICKLE_MAX_DIMS);
      return NULL;
    }
  for (int d = 0; d < nsize; d++)
    if (t->tensor.size[d] < 0 || t->tensor.stride[d] < 0)
      {
        fail (vm, "a tensor has a negative size or stride");
        return NULL;
      }
  t->tensor.ndim = nsize;
  if (v2 && args->tuple.items[4]->kind == PS_PY_BOOL)
    t->tensor.requires_grad = args->tuple.items[4]->b;
  return t;
}

static PsPyValue *
reduce (Vm *vm, PsPyValue *callable, PsPyValue *args)
{
  GlobalRole role = global_role (callable);
  g_autofree char *name = ps_py_class_name (callable);
  PsPyValue *v;

  if (callable->kind != PS_PY_GLOBAL)
    {
      fail (vm, "REDUCE of a %s (only named functions can be reduced)",
            ps_py_kind_name (callable->kind));
      return NULL;
    }
  if (args->kind != PS_PY_TUPLE)
    {
      fail (vm, "REDUCE of `%s` with arguments that are not a tuple", name);
      return NULL;
    }
  switch (role)
    {
    case G_ORDERED_DICT:
      v = new_value (vm, PS_PY_DICT);
      if (v && args->tuple.n > 0)
        {
          fail (vm, "`collections.OrderedDict` with arguments is not supported");
          return NULL;
        }
      return v;
    case G_SET:
    case G_FROZENSET:
      v = new_value (vm, PS_PY_SET);
      if (v && args->tuple.n == 1 && (args->tuple.items[0]->kind == PS_PY_LIST
                                      || args->tuple.items[0]->kind == PS_PY_SET))
        g_ptr_array_extend (v->list, args->tuple.items[0]->list, NULL, NULL);
      return v;
    case G_SIZE:
      if (args->tuple.n == 1 && args->tuple.items[0]->kind == PS_PY_TUPLE)
        return args->tuple.items[0];
      fail (vm, "`torch.Size` expects one tuple");
      return NULL;
    case G_RECONSTRUCTOR:
      if (args->tuple.n < 1 || global_role (args->tuple.items[0]) != G_CLASS)
        {
          fail (vm, "`copyreg._reconstructor` of something that is not a class");
          return NULL;
        }
      v = new_value (vm, PS_PY_OBJECT);
      if (v)
        v->object.cls = args->tuple.items[0];
      return v;
    case G_REBUILD_TENSOR:
      return rebuild_tensor (vm, args, FALSE);
    case G_REBUILD_TENSOR_V2:
      return rebuild_tensor (vm, args, TRUE);
    case G_REBUILD_PARAMETER:
    case G_REBUILD_PARAMETER_STATE:
      if (args->tuple.n < 2 || args->tuple.items[0]->kind != PS_PY_TENSOR)
        {
          fail (vm, "`%s` expects a tensor", name);
          return NULL;
        }
      v = args->tuple.items[0];
      v->tensor.is_parameter = TRUE;
      if (args->tuple.items[1]->kind == PS_PY_BOOL)
        v->tensor.requires_grad = args->tuple.items[1]->b;
      return v;
    case G_NUMPY:
      v = new_value (vm, PS_PY_OBJECT);
      if (v)
        {
          v->object.cls = callable;
          v->object.args = args;
        }
      return v;
    case G_CLASS:
    case G_CONST:
    case G_OBJECT:
    default:
      fail (vm, "`%s` is not allowed to be called (ParamScope reads data and calls nothing)",
            name);
      return NULL;
    }
}

/* ---- the loop ------------------------------------------------------------------------------ */

static gboolean
memo_put (Vm *vm, guint64 index, PsPyValue *v)
{
  if (v == NULL)
    return FALSE;
  if (g_hash_table_size (vm->memo) >= MAX_MEMO && !g_hash_table_contains (vm->memo,
                                                                          GSIZE_TO_POINTER (index)))
    return fail (vm, "more than %d memo entries", MAX_MEMO);
  g_hash_table_insert (vm->memo, GSIZE_TO_POINTER ((gsize) index), v);
  return TRUE;
}

static gboolean
memo_get (Vm *vm, guint64 index)
{
  PsPyValue *v = g_hash_table_lookup (vm->memo, GSIZE_TO_POINTER ((gsize) index));
  if (v == NULL)
    return fail (vm, "memo entry %" G_GUINT64_FORMAT " was never stored", index);
  return push (vm, v);
}

static gboolean
dict_set (Vm *vm, PsPyValue *d, PsPyValue *k, PsPyValue *v)
{
  if (d->kind != PS_PY_DICT)
    return fail (vm, "SETITEM on a %s, not a dict", ps_py_kind_name (d->kind));
  /* a string key set twice replaces its value, as in Python (checked in small
   * dicts: a module's state; the walkers refuse duplicate names in large ones) */
  if (k->kind == PS_PY_STR && d->dict.keys->len < 64)
    for (guint i = 0; i < d->dict.keys->len; i++)
      {
        const PsPyValue *x = d->dict.keys->pdata[i];
        if (x->kind == PS_PY_STR && x->str.len == k->str.len
            && memcmp (x->str.s, k->str.s, k->str.len) == 0)
          {
            d->dict.values->pdata[i] = v;
            return TRUE;
          }
      }
  g_ptr_array_add (d->dict.keys, k);
  g_ptr_array_add (d->dict.values, v);
  return TRUE;
}

static gboolean
step (Vm *vm, gboolean *stop)
{
  guint8 op;
  guint64 n;
  guint first;
  gint64 count;
  PsPyValue *a, *b, *c;

  vm->op_pos = vm->pos;
  if (vm->pos >= vm->len)
    return fail (vm, "the pickle ends without a STOP opcode (truncated)");
  op = vm->data[vm->pos++];
  switch (op)
    {
    case 0x80:                         /* PROTO */
      if (!take_uint (vm, 1, &n))
        return FALSE;
      if (n > 5)
        return fail (vm, "pickle protocol %" G_GUINT64_FORMAT " is not supported (0 to 5)", n);
      return TRUE;
    case 0x95:                         /* FRAME */
      return take_uint (vm, 8, &n);
    case '.':                          /* STOP */
      if ((a = pop (vm)) == NULL)
        return FALSE;
      vm->p->root = a;
      *stop = TRUE;
      return TRUE;
    case '(':                          /* MARK */
      if (vm->marks->len >= MAX_MARKS)
        return fail (vm, "more than %d nested MARKs", MAX_MARKS);
      g_array_append_val (vm->marks, vm->stack->len);
      return TRUE;
    case '0':                          /* POP */
      return pop (vm) != NULL;
    case '1':                          /* POP_MARK */
      if (pop_mark (vm, &first) < 0)
        return FALSE;
      g_ptr_array_set_size (vm->stack, first);
      return TRUE;
    case '2':                          /* DUP */
      return (a = top (vm)) && push (vm, a);
    case 'N':
      return push (vm, new_value (vm, PS_PY_NONE));
    case 0x88:
    case 0x89:
      if ((a = new_value (vm, PS_PY_BOOL)) == NULL)
        return FALSE;
      a->b = op == 0x88;
      return push (vm, a);
    case 'J':                          /* BININT */
      return take_uint (vm, 4, &n) && push (vm, new_int (vm, (gint32) (guint32) n));
    case 'K':                          /* BININT1 */
      return take_uint (vm, 1, &n) && push (vm, new_int (vm, (int64_t) n));
    case 'M':                          /* BININT2 */
      return take_uint (vm, 2, &n) && push (vm, new_int (vm, (int64_t) n));
    case 0x8a:                         /* LONG1 */
      return take_uint (vm, 1, &n) && push (vm, new_long (vm, n));
    case 0x8b:                         /* LONG4 */
      if (!take_uint (vm, 4, &n))
        return FALSE;
      if (n > 1024)
        return fail (vm, "an int of %" G_GUINT64_FORMAT " bytes (at most 1024 are read)", n);
      return push (vm, new_long (vm, n));
    case 'G':                          /* BINFLOAT, big-endian */
      {
        const guint8 *p = take (vm, 8);
        guint64 u = 0;
        if (p == NULL || (a = new_value (vm, PS_PY_FLOAT)) == NULL)
          return FALSE;
        for (int i = 0; i < 8; i++)
          u = (u << 8) | p[i];
        memcpy (&a->f, &u, 8);
        return push (vm, a);
      }
    case 'X':                          /* BINUNICODE */
      return take_uint (vm, 4, &n) && push (vm, new_string (vm, PS_PY_STR, n));
    case 0x8c:                         /* SHORT_BINUNICODE */
      return take_uint (vm, 1, &n) && push (vm, new_string (vm, PS_PY_STR, n));
    case 0x8d:                         /* BINUNICODE8 */
      return take_uint (vm, 8, &n) && push (vm, new_string (vm, PS_PY_STR, n));
    case 'T':                          /* BINSTRING (Python 2 str) */
      return take_uint (vm, 4, &n) && push (vm, new_string (vm, PS_PY_STR, n));
    case 'U':                          /* SHORT_BINSTRING */
      return take_uint (vm, 1, &n) && push (vm, new_string (vm, PS_PY_STR, n));
    case 'B':                          /* BINBYTES */
      return take_uint (vm, 4, &n) && push (vm, new_string (vm, PS_PY_BYTES, n));
    case 'C':                          /* SHORT_BINBYTES */
      return take_uint (vm, 1, &n) && push (vm, new_string (vm, PS_PY_BYTES, n));
    case 0x8e:                         /* BINBYTES8 */
    case 0x96:                         /* BYTEARRAY8 */
      return take_uint (vm, 8, &n) && push (vm, new_string (vm, PS_PY_BYTES, n));
    case ')':
      return push (vm, new_tuple (vm, vm->stack->len, 0));
    case 't':
      if ((count = pop_mark (vm, &first)) < 0)
        return FALSE;
      return push (vm, new_tuple (vm, first, (guint) count));
    case 0x85:
    case 0x86:
    case 0x87:
      {
        guint k = op - 0x84;
        guint floor = vm->marks->len ? g_array_index (vm->marks, guint, vm->marks->len - 1) : 0;
        if (vm->stack->len < floor + k)
          return fail (vm, "TUPLE%u with fewer than %u values on the stack", k, k);
        return push (vm, new_tuple (vm, vm->stack->len - k, k));
      }
    case ']':
      return push (vm, new_value (vm, PS_PY_LIST));
    case 0x8f:                         /* EMPTY_SET */
      return push (vm, new_value (vm, PS_PY_SET));
    case '}':
      return push (vm, new_value (vm, PS_PY_DICT));
    case 'l':                          /* LIST */
    case 0x91:                         /* FROZENSET */
      if ((count = pop_mark (vm, &first)) < 0
          || (a = new_value (vm, op == 'l' ? PS_PY_LIST : PS_PY_SET)) == NULL)
        return FALSE;
      for (guint i = first; i < vm->stack->len; i++)
        g_ptr_array_add (a->list, vm->stack->pdata[i]);
      g_ptr_array_set_size (vm->stack, first);
      return push (vm, a);
    case 'd':                          /* DICT */
      if ((count = pop_mark (vm, &first)) < 0 || (a = new_value (vm, PS_PY_DICT)) == NULL)
        return FALSE;
      if (count % 2)
        return fail (vm, "DICT with an odd number of items");
      for (guint i = first; i < vm->stack->len; i += 2)
        if (!dict_set (vm, a, vm->stack->pdata[i], vm->stack->pdata[i + 1]))
          return FALSE;
      g_ptr_array_set_size (vm->stack, first);
      return push (vm, a);
    case 'a':                          /* APPEND */
      if ((b = pop (vm)) == NULL || (a = top (vm)) == NULL)
        return FALSE;
      if (a->kind != PS_PY_LIST)
        return fail (vm, "APPEND to a %s, not a list", ps_py_kind_name (a->kind));
      g_ptr_array_add (a->list, b);
      return TRUE;
    case 'e':                          /* APPENDS */
    case 0x90:                         /* ADDITEMS */
      if ((count = pop_mark (vm, &first)) < 0 || (a = below_mark (vm, first)) == NULL)
        return FALSE;
      if (a->kind != (op == 'e' ? PS_PY_LIST : PS_PY_SET))
        return fail (vm, "%s to a %s", op == 'e' ? "APPENDS" : "ADDITEMS",
                     ps_py_kind_name (a->kind));
      for (guint i = first; i < vm->stack->len; i++)
        g_ptr_array_add (a->list, vm->stack->pdata[i]);
      g_ptr_array_set_size (vm->stack, first);
      return TRUE;
    case 's':                          /* SETITEM */
      if ((c = pop (vm)) == NULL || (b = pop (vm)) == NULL || (a = top (vm)) == NULL)
        return FALSE;
      return dict_set (vm, a, b, c);
    case 'u':                          /* SETITEMS */
      if ((count = pop_mark (vm, &first)) < 0 || (a = below_mark (vm, first)) == NULL)
        return FALSE;
      if (count % 2)
        return fail (vm, "SETITEMS with an odd number of items");
      for (guint i = first; i < vm->stack->len; i += 2)
        if (!dict_set (vm, a, vm->stack->pdata[i], vm->stack->pdata[i + 1]))
          return FALSE;
      g_ptr_array_set_size (vm->stack, first);
      return TRUE;
    case 'c':                          /* GLOBAL */
      {
        char *module = take_line (vm), *name;
        if (module == NULL)
          return FALSE;
        if ((name = take_line (vm)) == NULL)
          {
            g_free (module);
            return FALSE;
          }
        return push (vm, new_global (vm, module, name));
      }
    case 0x93:                         /* STACK_GLOBAL */
      if ((b = pop (vm)) == NULL || (a = pop (vm)) == NULL)
        return FALSE;
      if (a->kind != PS_PY_STR || b->kind != PS_PY_STR)
        return fail (vm, "STACK_GLOBAL of values that are not strings");
      return push (vm, new_global (vm, g_strdup (a->str.s), g_strdup (b->str.s)));
    case 'R':                          /* REDUCE */
      if ((b = pop (vm)) == NULL || (a = pop (vm)) == NULL)
        return FALSE;
      return push (vm, reduce (vm, a, b));
    case 0x81:                         /* NEWOBJ: cls.__new__(cls, *args), as data */
    case 0x92:                         /* NEWOBJ_EX */
      if (op == 0x92 && pop (vm) == NULL)
        return FALSE;
      if ((b = pop (vm)) == NULL || (a = pop (vm)) == NULL)
        return FALSE;
      if (a->kind != PS_PY_GLOBAL || global_role (a) != G_CLASS)
        {
          g_autofree char *nm = ps_py_class_name (a);
          if (a->kind == PS_PY_GLOBAL && global_role (a) == G_ORDERED_DICT)
            return push (vm, new_value (vm, PS_PY_DICT));
          return fail (vm, "NEWOBJ of `%s`, which is not a class", nm ? nm
                       : ps_py_kind_name (a->kind));
        }
      if ((c = new_value (vm, PS_PY_OBJECT)) == NULL)
        return FALSE;
      c->object.cls = a;
      c->object.args = b;
      return push (vm, c);
    case 'b':                          /* BUILD: set the state, as data */
      if ((b = pop (vm)) == NULL || (a = top (vm)) == NULL)
        return FALSE;
      if (a->kind == PS_PY_OBJECT)
        a->object.state = b;
      /* the state of an OrderedDict (its _metadata) or of a tensor is not needed */
      else if (a->kind != PS_PY_DICT && a->kind != PS_PY_TENSOR)
        return fail (vm, "BUILD of a %s", ps_py_kind_name (a->kind));
      return TRUE;
    case 'Q':                          /* BINPERSID */
      if ((a = pop (vm)) == NULL || (b = new_value (vm, PS_PY_PERSID)) == NULL)
        return FALSE;
      b->persid = a;
      return push (vm, b);
    case 'h':                          /* BINGET */
      return take_uint (vm, 1, &n) && memo_get (vm, n);
    case 'j':                          /* LONG_BINGET */
      return take_uint (vm, 4, &n) && memo_get (vm, n);
    case 'q':                          /* BINPUT */
      return take_uint (vm, 1, &n) && (a = top (vm)) && memo_put (vm, n, a);
    case 'r':                          /* LONG_BINPUT */
      return take_uint (vm, 4, &n) && (a = top (vm)) && memo_put (vm, n, a);
    case 0x94:                         /* MEMOIZE */
      return (a = top (vm)) && memo_put (vm, g_hash_table_size (vm->memo), a);
    case 'i':
      return fail (vm, "opcode INST (calls a class) is not allowed");
    case 'o':
      return fail (vm, "opcode OBJ (calls a class) is not allowed");
    case 0x82:
    case 0x83:
    case 0x84:
      return fail (vm, "opcode EXT%d (the extension registry) is not allowed",
                   op == 0x82 ? 1 : op == 0x83 ? 2 : 4);
    case 'P':
      return fail (vm, "opcode PERSID (text persistent id) is not supported");
    case 'I': case 'L': case 'F': case 'S': case 'V': case 'g': case 'p':
      return fail (vm, "text-protocol opcode '%c' is not supported (torch.save writes protocol 2)",
                   op);
    default:
      return fail (vm, "unknown opcode 0x%02x", op);
    }
}

PsPickle *
ps_pickle_load (const guint8 *data, gsize len, const char *label, GError **error)
{
  PsPickle *p = g_new0 (PsPickle, 1);
  Vm vm = { 0 };
  gboolean stop = FALSE;

  p->label = g_strdup (label ? label : "<pickle>");
  p->arena = g_ptr_array_new_with_free_func (value_free);
  vm.p = p;
  vm.data = data;
  vm.len = len;
  vm.stack = g_ptr_array_new ();
  vm.marks = g_array_new (FALSE, FALSE, sizeof (guint));
  vm.memo = g_hash_table_new (NULL, NULL);
  vm.error = error;
  while (!stop)
    if (!step (&vm, &stop))
      break;
  g_ptr_array_unref (vm.stack);
  g_array_unref (vm.marks);
  g_hash_table_unref (vm.memo);
  if (!stop)
    {
      if (error && *error == NULL)
        g_set_error (error, PS_ERROR, PS_ERROR_FORMAT, "%s: malformed pickle", p->label);
      ps_pickle_free (p);
      return NULL;
    }
  p->length = vm.pos;
  return p;
}

const PsPyValue *
ps_py_dict_get (const PsPyValue *d, const char *key)
{
  gsize n = strlen (key);
  if (d == NULL || d->kind != PS_PY_DICT)
    return NULL;
  for (guint i = 0; i < d->dict.keys->len; i++)
    {
      const PsPyValue *k = d->dict.keys->pdata[i];
      if (k->kind == PS_PY_STR && k->str.len == n && memcmp (k->str.s, key, n) == 0)
        return d->dict.values->pdata[i];
    }
  return NULL;
}
