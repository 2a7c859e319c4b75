# expect: unexpected_char.py:4:23: unexpected character '$'
import torch
from torch import nn
net = nn.Linear(4, 8) $
