# expect: bad_number.py:4:17: invalid number literal
import torch
from torch import nn
net = nn.Linear(4x, 8)
