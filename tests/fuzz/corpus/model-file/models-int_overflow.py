# expect: int_overflow.py:4:20: integer 1000000000000000000000000000000 is too large
import torch
from torch import nn
net = nn.Linear(4, 1000000000000000000000000000000)
