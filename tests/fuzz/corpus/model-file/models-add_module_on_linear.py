# expect: add_module_on_linear.py:5:15: add_module(): Linear has no children; only Sequential can
import torch
from torch import nn
net = nn.Linear(4, 8)
net.add_module('act', nn.ReLU())
