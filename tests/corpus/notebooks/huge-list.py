# expect: MemoryError: a list of
l = [0] * (10**12)
