# expect: TimeoutError: the code ran past its time budget
while True:
    pass
