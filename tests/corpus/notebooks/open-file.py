# expect: PermissionError: open() is not available
open('/etc/passwd').read()
