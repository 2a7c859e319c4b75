# expect: AttributeError: module 'tensorflow' has no attribute 'io'
import tensorflow as tf
tf.io.read_file('/etc/passwd')
print('pwned')
