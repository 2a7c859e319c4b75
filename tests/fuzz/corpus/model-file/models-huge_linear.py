# expect: huge_linear.py:4:16: Linear(100000, 100000) is too large: its weight would need
import torch
from torch import nn
net = nn.Linear(100000, 100000)
