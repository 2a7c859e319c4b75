# %%
class Animal:
    kind = 'animal'
    def __init__(self, name, legs=4):
        self.name = name
        self.legs = legs
    def speak(self):
        return f"{self.name} makes a sound"
    def __repr__(self):
        return f"Animal({self.name!r}, legs={self.legs})"
class Dog(Animal):
    def __init__(self, name, **kwargs):
        super().__init__(name, **kwargs)
        self.tricks = []
    def speak(self):
        return super().speak() + ' (woof)'
    def add(self, t):
        self.tricks.append(t)
        return self
d = Dog('rex', legs=3)
print(d.speak(), d.add('sit').add('roll').tricks, d.legs, d.kind, Dog.kind)
print(d, [d], isinstance(d, Animal), isinstance(d, Dog), type(d) == Dog, type(d) is Animal)
print(type(d), Dog, Animal.__name__, d.__class__.__name__)
Dog
# %%
class Counter:
    count = 0
    def __init__(self):
        Counter.count += 1
        self.id = Counter.count
    def __str__(self):
        return f"Counter#{self.id}"
    def __len__(self):
        return self.id
    def __eq__(self, other):
        return isinstance(other, Counter) and self.id == other.id
    def __call__(self, x):
        return x * self.id
cs = [Counter() for _ in range(3)]
print(cs[2], str(cs[1]), len(cs[2]), cs[0] == cs[0], cs[0] == cs[1], cs[2](5), Counter.count)
class Vec:
    def __init__(self, *xs):
        self.xs = list(xs)
    def __add__(self, o):
        return Vec(*[a + b for a, b in zip(self.xs, o.xs)])
    def __mul__(self, k):
        return Vec(*[a * k for a in self.xs])
    def __getitem__(self, i):
        return self.xs[i]
    def __repr__(self):
        return 'Vec' + repr(tuple(self.xs))
v = Vec(1, 2) + Vec(3, 4)
print(v, v * 2, v[0], list(v), [x for x in v])
v
# %%
def apply_all(fs, x):
    return [fn(x) for fn in fs]
def make(k):
    return lambda x: x + k
fs = [make(k) for k in range(3)]
print(apply_all(fs, 10))
def fact(n):
    return 1 if n <= 1 else n * fact(n - 1)
def fib(n):
    a, b = 0, 1
    for _ in range(n):
        a, b = b, a + b
    return a
total = 0
def bump():
    global total
    total += 1
bump(); bump()
print(fact(20), fib(50), total)
try:
    1 / 0
except ZeroDivisionError as e:
    print('caught', repr(e), e)
try:
    {}['k']
except (KeyError, IndexError) as e:
    print('caught', type(e).__name__, e)
finally:
    print('finally')
