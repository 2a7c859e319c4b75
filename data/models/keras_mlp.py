# The TensorFlow/Keras lesson's network: Flatten, Dense(4, relu), Dense(1).
# Keras makes the variables on the first call; kernels are (in, out).
import tensorflow as tf

net = tf.keras.models.Sequential([
    tf.keras.layers.Flatten(),
    tf.keras.layers.Dense(4, activation=tf.nn.relu),
    tf.keras.layers.Dense(1),
])

X = tf.random.uniform((2, 4))
net(X)
