# expect: global_statement.py:5:5: 'global' is not supported in model files (supported: import
import torch
from torch import nn
def f():
    global net
    return nn.ReLU()
net = f()
