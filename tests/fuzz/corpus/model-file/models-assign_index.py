# expect: assign_index.py:5:4: cannot assign to this expression (assign to a name, or tie
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
net[0] = nn.Linear(4, 8)
