# expect: comparison.py:4:22: expected ',' or ')' in the argument list but found 'if'
import torch
from torch import nn
net = nn.Linear(4, 8 if 1 < 2 else 3)
