# expect: OverflowError: integer overflow: ParamScope's int is 64-bit
x = 10 ** 30
