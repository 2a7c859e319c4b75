a = 1
print(f"{a)(b[}")
print(f"{a]}")
print(f"{(a)]}")
