# expect: missing_paren.py:4:20: '(' was never closed
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU()

x = 1
