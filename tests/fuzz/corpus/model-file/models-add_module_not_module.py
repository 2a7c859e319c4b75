# expect: add_module_not_module.py:5:15: add_module(): the second argument must be a module, got int
import torch
from torch import nn
net = nn.Sequential()
net.add_module('a', 42)
