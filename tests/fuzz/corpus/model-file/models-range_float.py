# expect: range_float.py:5:15: range() takes integers
import torch
from torch import nn
net = nn.Sequential()
for i in range(2.5):
    net.add_module(f'b{i}', nn.ReLU())
