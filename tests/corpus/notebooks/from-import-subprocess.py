# expect: ImportError: import of 'subprocess' is not allowed
from subprocess import run
