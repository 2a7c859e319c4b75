# The Keras lesson's shared layer: one Dense object used twice is one set of variables.
import tensorflow as tf

shared = tf.keras.layers.Dense(4, activation=tf.nn.relu)
net = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    shared,
    shared,
    tf.keras.layers.Dense(1),
])
net(tf.random.uniform((2, 4)))
