# expect: huge_range.py:5:15: range() is too long (limit 1000000)
import torch
from torch import nn
net = nn.Sequential()
for i in range(100000000):
    net.add_module(f'l{i}', nn.ReLU())
