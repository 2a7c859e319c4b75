# expect: ImportError: import of 'os' is not allowed
import os
os.system('echo pwned')
