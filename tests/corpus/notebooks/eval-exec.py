# expect: PermissionError: eval() is not available
eval("1 + 1")
