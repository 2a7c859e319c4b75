/* py-keras.h — the Keras dialect of the interpreter (private to core/py)
 *
 * `import tensorflow as tf`, `from tensorflow import keras` and `import keras`
 * bind one set of objects: tf.Tensor (an EagerTensor over a PsArray), Keras'
 * Variable (over a PsParam: the window shows the same parameter), NumPy's
 * ndarray (what get_weights() and .numpy() return), the initializers
 * (py-keras.c) and the layers and Sequential (py-keras-layers.c).
 *
 * Keras 3's conventions: a Dense kernel is (in, out); variables are made
 * when a layer first sees its input (net(X)); their paths are the name
 * scopes of the layers that built them ("sequential/dense_1/kernel"), and
 * layer names are unique per interpreter ("dense", "dense_1", ...).
 */
#pragma once

#include "py-eval.h"
#include "ps-numpy-format.h"
#include "ps-tensor.h"

/* TensorFlow's dtypes the dialect knows (int32 is held as int64) */
typedef enum { KTF_F32, KTF_F64, KTF_I32, KTF_I64, KTF_BOOL, KTF_N } KtfDtype;

typedef struct {
  GHashTable *name_uids;      /* "dense" -> how many were named so far */
  GPtrArray  *scopes;         /* the name scopes of the layers being built (char*) */
} KerasState;

KerasState *py_keras_state (PyInterp *ip);

/* a unique layer name from its base name: "dense", then "dense_1", ... */
char       *py_keras_uniquify (PyInterp *ip, const char *base);

/* tf.Tensor: a new tensor object over a (steals it); dtype as TensorFlow names it */
PyObj      *py_keras_tensor_new (PyInterp *ip, PsArray *a, KtfDtype dtype);
/* an operand's values (new ref): tf.Tensor, Variable, ndarray, numbers, nested lists;
 * NULL with TypeError/ValueError raised otherwise.  *dtype (optional) gets its dtype. */
PsArray    *py_keras_to_array (PyInterp *ip, PyObj *o, KtfDtype *dtype);
gboolean    py_keras_is_tensor (PyObj *o);

/* Keras' Variable over p (takes a ref): path "sequential/dense/kernel" */
PyObj      *py_keras_variable_new (PyInterp *ip, PsParam *p, const char *path,
                                   const char *name, gboolean trainable);
gboolean    py_keras_is_variable (PyObj *o);
PsParam    *py_keras_variable_param (PyObj *o);
/* NumPy's ndarray of a's values (a copy) */
PyObj      *py_keras_ndarray_new (PyInterp *ip, PsArray *a, KtfDtype dtype);

/* Run an initializer (an object of the initializers, a string name, or any
 * callable as Keras calls it: init(shape, dtype=None)) for shape: a new tensor. */
PsTensor   *py_keras_initialize (PyInterp *ip, PyObj *init, int ndim, const int64_t *shape,
                                 const char *what);
/* the initializer named by a string ("glorot_uniform", "zeros") or an object; new ref */
PyObj      *py_keras_get_initializer (PyInterp *ip, PyObj *spec);

/* the activation named by a string or a callable (None: linear): new ref, or py_none */
PyObj      *py_keras_get_activation (PyInterp *ip, PyObj *spec);
/* "relu", "sigmoid", ... when fn is one of keras.activations' functions, else NULL */
const char *py_keras_activation_name (PyObj *fn);
/* tf.nn.relu and the other activation functions, as callables */
PyObj      *py_keras_activation_fn (const char *name);

/* tf.float32 ...; dtype=/shape arguments; a tf.Tensor from an op */
PyObj      *py_keras_dtype_obj (KtfDtype d);
const char *py_keras_dtype_name (KtfDtype d);
gboolean    py_keras_dtype_arg (PyInterp *ip, PyObj *o, KtfDtype fallback, KtfDtype *out);
gboolean    py_keras_shape_arg (PyInterp *ip, PyObj *o, int *ndim, int64_t *shape, const char *what);
PyObj      *py_keras_shape_tuple (int ndim, const int64_t *shape);
PyObj      *py_keras_unary (PyInterp *ip, PyObj *o, PsUnaryOp op);
PyObj      *py_keras_binary (PyInterp *ip, PsBinaryOp op, PyObj *x, PyObj *y);
PyObj      *py_keras_raise_gerror (PyInterp *ip, GError *e);

/* the shape text TensorFlow and Keras print: "(2, 1)", "(1,)", "()" */
void        py_keras_append_shape (GString *s, int ndim, const int64_t *shape);

/* py-keras-init.c: keras.initializers; tf.zeros_initializer & co. (NULL-terminated names) */
PyObj      *py_keras_build_initializers (PyInterp *ip);
PyObj      *py_keras_tf_initializer_class (const char *tf_name);
extern const char *const py_keras_tf_initializer_names[];

/* py-keras-layers.c: keras.layers, keras.models, the Sequential type */
PyObj      *py_keras_build_layers (PyInterp *ip);
PyObj      *py_keras_sequential_type (void);
/* the PsModule of a Keras layer or model (borrowed), else NULL */
PsModule   *py_keras_module_of (PyObj *o);

/* what ps-py.c and py-eval.h call */
void        py_keras_register (void);
void        py_keras_state_free (gpointer state);
