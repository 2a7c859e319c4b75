# expect: negative_dim.py:4:16: Linear(): in_features must be >= 0, got -4
import torch
from torch import nn
net = nn.Linear(-4, 8)
