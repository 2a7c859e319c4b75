# expect: mixed_quotes.py:5:16: unterminated string literal
import torch
from torch import nn
net = nn.Sequential()
net.add_module("first', nn.ReLU())
