# %%
x = 1 + 2 * 3
print(x, 2 ** 10, 7 // 2, -7 // 2, 7 % -3, -7 % 3, 1 / 3, 0.1 + 0.2, 1e-5, 1e16, 1e15, 123456789.0)
print(2.5e-10, 1 / 7, 100.0, -0.0, 3.0 * 1.1, 2 ** -1, 10 / 2, 5 // 2.0, 5.5 % 2, float('inf'), -float('inf'))
x
# %%
s = 'hello'
print(s, repr(s), [s, "it's", 'say "hi"', 'both \' and "', 'tab\there', 'nl\n', '中文'])
print((1,), (), {}, {'a': 1, 'b': [1, 2.0]}, [None, True, False], [[]], ((1, 2), 3))
s, len(s), s[1:3], s[-1], s[::-1], s * 2
# %%
def f(a, b=2, *args, c=3, **kw):
    return a + b + c + sum(args) + len(kw)
print(f(1), f(1, 2, 3, 4, c=10, z=1), f(*[1, 2], **{'c': 0}))
g = lambda x, y=1: x * y
print(g(3), g(3, y=4), (lambda: 'k')())
def outer(n):
    def inner(k):
        return n + k
    return inner
add5 = outer(5)
add5(10)
# %%
squares = [i * i for i in range(10) if i % 2]
pairs = [(i, j) for i in range(3) for j in range(i)]
d = {k: v for k, v in zip('abc', range(3))}
print(squares, pairs, d, sum(i for i in range(5)))
[list(range(3)), tuple(range(2)), list(enumerate('xy')), list(zip([1, 2], 'ab'))]
# %%
for i, c in enumerate("ab"):
    print(i, c, end=';')
print()
i = 0
while True:
    i += 1
    if i > 5:
        break
    if i == 2:
        continue
else:
    print("never")
for k in range(3):
    pass
else:
    print('loop done', k)
print(i, 'a' in 'cat', 3 not in [1, 2], None is None, 1 < 2 < 3, 1 < 3 < 2, not 0, 0 or 'x', 1 and 2)
y = 5 if i > 3 else 6
y
# %%
t = (1, 2, 3)
p, *q = t
a, b = b, a = 1, 2
(m, n), o = (1, 2), 3
print(p, q, a, b, m, n, o, t[::-1], "abc"[1:], [1, 2, 3][-1], list(range(10))[2:8:2])
l = [3, 1]
l.append(5)
l.sort()
l += [7]
l[0] = 10
del l[1]
print(l, l.pop(), len(l), l.index(10), [1, 2, 2].count(2))
d = {'x': 1}
d['y'] = 2
d.update(z=3)
del d['x']
print(d, d.get('q'), d.get('y'), list(d.keys()), list(d.values()), d.pop('z'), 'y' in d, len(d))
d.items()
