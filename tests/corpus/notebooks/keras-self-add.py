# expect: ValueError: cannot add sequential_1 to sequential: a Sequent
import tensorflow as tf
a = tf.keras.Sequential()
b = tf.keras.Sequential([a])
a.add(b)
