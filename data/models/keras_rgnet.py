# The Keras lesson's nested blocks: four named Sequentials in one, then Dense(1).
import tensorflow as tf

def block1(name):
    return tf.keras.Sequential([
        tf.keras.layers.Flatten(),
        tf.keras.layers.Dense(4, activation=tf.nn.relu)],
        name=name)

def block2():
    net = tf.keras.Sequential()
    for i in range(4):
        net.add(block1(name=f'block-{i}'))
    return net

net = tf.keras.Sequential()
net.add(block2())
net.add(tf.keras.layers.Dense(1))
net(tf.random.uniform((2, 4)))
