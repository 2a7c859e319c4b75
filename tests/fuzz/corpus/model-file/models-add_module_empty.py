import torch
from torch import nn

net = nn.Sequential()
net.add_module('input', nn.Linear(3, 4))
net.add_module('act', nn.ReLU())
net.add_module("hidden layer", nn.Linear(4, 4))
net.add_module('act 2', nn.GELU())
net.add_module('out', nn.Linear(4, 2))
