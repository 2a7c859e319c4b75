# expect: add_module_empty_name.py:5:15: add_module(): module name "" is not allowed: it must be
import torch
from torch import nn
net = nn.Sequential()
net.add_module('', nn.Linear(4, 8))
