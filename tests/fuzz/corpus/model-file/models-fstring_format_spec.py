# expect: fstring_format_spec.py:6:20: f-string: format specs and conversions ('i:02d') are not
import torch
from torch import nn
net = nn.Sequential()
for i in range(2):
    net.add_module(f'block {i:02d}', nn.ReLU())
