# expect: ValueError: sequential/dense/kernel: the initializer returne
import tensorflow as tf
class Bad(tf.keras.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        return tf.zeros((3,))
net = tf.keras.Sequential([tf.keras.layers.Dense(4, kernel_initializer=Bad())])
net(tf.ones((2, 4)))
