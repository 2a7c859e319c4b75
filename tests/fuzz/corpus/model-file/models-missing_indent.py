# expect: missing_indent.py:5:1: expected an indented block
import torch
from torch import nn
def block():
return nn.Linear(4, 8)
net = block()
