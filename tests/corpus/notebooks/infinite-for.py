# expect: TimeoutError: the code ran past its time budget
for i in range(10**18):
    x = i * 2
