# expect: range_string.py:5:15: range() takes integers
import torch
from torch import nn
net = nn.Sequential()
for i in range('3'):
    net.add_module(f'b{i}', nn.ReLU())
