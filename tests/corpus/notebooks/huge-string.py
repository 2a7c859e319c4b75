# expect: MemoryError: a string of
s = 'x' * (10**12)
