# expect: for_missing_colon.py:5:18: expected ':' but found 'end of line'
import torch
from torch import nn
net = nn.Sequential()
for i in range(3)
    net.add_module(f'b{i}', nn.ReLU())
