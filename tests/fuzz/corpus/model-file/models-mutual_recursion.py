# expect: mutual_recursion.py:7:13: calls are nested too deeply (limit 64): is f() recursive?
import torch
from torch import nn
def f():
    return g()
def g():
    return f()
net = f()
