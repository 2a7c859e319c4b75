# expect: add_module_name_int.py:5:15: add_module(): the name must be a string, got int
import torch
from torch import nn
net = nn.Sequential()
net.add_module(0, nn.ReLU())
