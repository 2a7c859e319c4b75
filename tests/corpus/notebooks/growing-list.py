# expect: MemoryError: the code's objects are over ParamScope's memory budget
l = []
while True:
    l.append([1.5, 2.5, 3.5])
