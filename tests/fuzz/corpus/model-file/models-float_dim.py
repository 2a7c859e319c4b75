# expect: float_dim.py:4:16: Linear(): in_features must be an integer, got float
import torch
from torch import nn
net = nn.Linear(4.5, 8)
