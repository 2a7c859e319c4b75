# expect: recursion.py:5:13: calls are nested too deeply (limit 64): is f() recursive?
import torch
from torch import nn
def f():
    return f()
net = f()
