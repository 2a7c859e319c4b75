# expect: RecursionError: maximum recursion depth exceeded
import tensorflow as tf
def act(x):
    return net(x)
net = tf.keras.Sequential([tf.keras.layers.Dense(2, activation=act)])
net(tf.ones((1, 2)))
