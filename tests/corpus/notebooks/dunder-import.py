# expect: PermissionError: __import__() is not available
__import__('os').system('id')
