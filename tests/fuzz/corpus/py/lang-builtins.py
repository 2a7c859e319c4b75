# %%
import math
from collections import OrderedDict
od = OrderedDict([('w', 1), ('b', 2)])
od['c'] = 3
print(od, od.keys(), od.values(), od.items(), list(od), OrderedDict())
print(math.sqrt(2), math.pi, math.e, math.floor(2.7), math.ceil(2.1), math.log(8, 2), math.exp(1))
print(math.inf, -math.inf, math.isnan(math.nan), math.fabs(-2), math.gcd(12, 18), math.factorial(10))
od
# %%
print(round(2.675, 2), round(0.5), round(1.5), round(2.5), round(-0.5), round(3.14159, 3), round(1234, -2))
print(abs(-3), abs(-2.5), min(3, 1, 2), max([1, 5, 2]), min('bca'), max([1, 2], key=lambda v: -v))
print(sorted([3, 1, 2]), sorted('cab', reverse=True), sorted([(2, 'b'), (1, 'z'), (2, 'a')]))
print(sum([1, 2, 3]), sum([0.1] * 10), sum([[1], [2]], []), divmod(7, 2), divmod(-7, 2), pow(2, 10), pow(3, 4, 5))
print(int('12'), int(3.9), int(-3.9), int('ff', 16), float('1e3'), float(' 2.5 '), float('-inf'), bool([]), bool('x'))
print(str(1.0), str([1, 'a']), repr('a'), len('中文'), list('abc'), tuple([1]), dict(a=1), dict([('k', 2)]))
print(type(1), type(1.0), type('s'), type([]), type(()), type({}), type(None), type(True), type(range(1)))
print(isinstance(1, int), isinstance(True, int), isinstance(1, (str, float)), issubclass(bool, int))
print(hex(255), oct(8), bin(5), chr(65), ord('a'), any([0, 1]), all([1, 0]), list(reversed([1, 2, 3])))
print(list(map(str, [1, 2])), list(filter(None, [0, 1, 2])), list(range(10, 0, -3)), range(5), range(1, 5, 2))
print(hasattr('x', 'upper'), getattr(1, 'real', 'none'), callable(len), callable(1))
int, float
# %%
print(", ".join(["a", "b"]), "a,b,,c".split(","), "  a b  ".split(), "  x ".strip(), "xxhixx".strip('x'))
print("Ab".upper(), "Ab".lower(), "hello".replace('l', 'L'), "hello".startswith('he'), "hello".endswith(('x', 'o')))
print("hello".find('l'), "hello".count('l'), "12".isdigit(), "ab".isalpha(), "a".center(5, '*') + '|', 'ab'.ljust(4) + '|', 'ab'.rjust(4))
print("%d items, %.3f, %s, %r, %5.1f|%-4d|" % (3, 2.5, 'x', 'y', 3.14159, 7), "%s" % 5, "100%%" % ())
print("{0} and {name} {0}".format(1, name="n"), "{:>6.2f}|{:<5}|{:^7}|".format(3.14159, 'ab', 'mid'))
x = 7
w = 0.000123
print(f"{x=} {x!r} {3.14159:.2f} {42:5d}|{'x':>4}|{1234567:,} {0.5:%} {w:e} {w:.3g} {1e20:g} {x:08.3f} {-x:+d} {x:x} {x:#b}")
print(f"{'nested ' + str(x)} {[i for i in range(3)]} {{braces}} {x:{'>'}{5}}")
f"{1/3}"
