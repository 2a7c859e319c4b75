# expect: bad_indent.py:5:5: unexpected indent
import torch
from torch import nn
net = nn.Sequential()
    net.add_module('a', nn.Linear(4, 8))
