# expect: RecursionError: maximum recursion depth exceeded
a = []
for i in range(200000):
    a = [a]
print(a)
