# expect: flatten_dim.py:4:31: Flatten(): dimensions must be below 8
import torch
from torch import nn
net = nn.Sequential(nn.Flatten(start_dim=8), nn.Linear(4, 8))
