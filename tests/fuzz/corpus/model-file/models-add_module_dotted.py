# expect: add_module_dotted.py:5:15: add_module(): module name "block.0" is not allowed: it must
import torch
from torch import nn
net = nn.Sequential()
net.add_module('block.0', nn.Linear(4, 8))
