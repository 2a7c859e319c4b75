# expect: ValueError: cannot add sequential_199 to sequential_200: mod
import tensorflow as tf
net = tf.keras.layers.Dense(1)
for i in range(400):
    net = tf.keras.Sequential([net])
net(tf.ones((1, 2)))
