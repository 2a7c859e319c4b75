# expect: while_loop.py:5:1: 'while' is not supported in model files (supported: import
import torch
from torch import nn
net = nn.Sequential()
while False:
    net.add_module('a', nn.Linear(4, 8))
