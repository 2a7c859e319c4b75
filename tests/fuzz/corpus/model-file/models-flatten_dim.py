# expect: flatten_dim.py:4:31: Flatten(): dimensions must be below 4
import torch
from torch import nn
net = nn.Sequential(nn.Flatten(start_dim=7), nn.Linear(4, 8))
