# expect: ImportError: import of 'sys' is not allowed
import sys as s
