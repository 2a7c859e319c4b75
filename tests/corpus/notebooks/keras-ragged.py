# expect: ValueError: Can't convert non-rectangular Python sequence to
import tensorflow as tf
tf.constant([[1.0, 2.0], [3.0]])
