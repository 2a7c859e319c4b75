# expect: missing_paren.py:7:1: unexpected end of file: a bracket is still open
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU()

x = 1
