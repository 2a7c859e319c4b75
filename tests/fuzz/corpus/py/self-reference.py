# expect: RecursionError: maximum recursion depth exceeded
l = [1]
l.append(l)
repr(l)
