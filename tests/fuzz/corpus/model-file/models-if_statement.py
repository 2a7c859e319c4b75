# expect: if_statement.py:5:1: 'if' is not supported in model files (supported: import
import torch
from torch import nn
net = nn.Sequential()
if True:
    net.add_module('a', nn.Linear(4, 8))
