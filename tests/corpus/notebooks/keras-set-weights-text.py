# expect: ValueError: Attempt to convert a value (str) with an unsuppo
import tensorflow as tf
net = tf.keras.Sequential([tf.keras.layers.Dense(2)])
net(tf.ones((1, 3)))
net.set_weights(['abc', 'de'])
