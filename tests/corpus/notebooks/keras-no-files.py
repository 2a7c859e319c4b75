# expect: AttributeError: module 'keras.models' has no attribute 'load
import tensorflow as tf
tf.keras.models.load_model('/etc/passwd')
print('pwned')
