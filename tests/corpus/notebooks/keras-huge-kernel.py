# expect: MemoryError: dense/kernel: a variable of too many elements
import tensorflow as tf
layer = tf.keras.layers.Dense(1 << 24)
layer(tf.ones((1, 1 << 24)))
