# expect: SyntaxError: 'yield' is not supported
def g():
    yield 1
