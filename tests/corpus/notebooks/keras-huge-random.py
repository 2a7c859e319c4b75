# expect: MemoryError: random.uniform: too many elements
import tensorflow as tf
tf.random.uniform((1 << 40, 1 << 20))
