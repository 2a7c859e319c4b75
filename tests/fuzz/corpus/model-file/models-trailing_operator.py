# expect: trailing_operator.py:4:24: expected an expression but found 'end of line'
import torch
from torch import nn
net = nn.Linear(4, 8) +
