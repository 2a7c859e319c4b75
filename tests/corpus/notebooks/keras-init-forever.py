# expect: TimeoutError
import tensorflow as tf
class Slow(tf.keras.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        while True:
            pass
net = tf.keras.Sequential([tf.keras.layers.Dense(4, kernel_initializer=Slow())])
net(tf.ones((2, 4)))
