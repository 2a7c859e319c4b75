# expect: string_dim.py:4:16: Linear(): in_features must be an integer, got str
import torch
from torch import nn
net = nn.Linear('4', 8)
