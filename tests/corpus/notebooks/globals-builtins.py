# expect: PermissionError: globals() is not available
globals()['__builtins__']
