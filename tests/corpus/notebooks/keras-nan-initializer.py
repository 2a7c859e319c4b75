# expect: ValueError: RandomNormal: `stddev` must be non-negative
import tensorflow as tf
tf.keras.initializers.RandomNormal(stddev=float('nan'))((2, 2))
