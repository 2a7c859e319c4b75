# expect: ZeroDivisionError: division by zero
import tensorflow as tf
net = tf.keras.Sequential([tf.keras.layers.Dense(4, activation=lambda x: 1 / 0)])
net(tf.ones((2, 4)))
