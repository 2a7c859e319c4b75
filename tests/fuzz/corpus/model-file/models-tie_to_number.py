# expect: tie_to_number.py:5:17: a parameter can only be tied to another parameter (e.g.
import torch
from torch import nn
net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))
net[2].weight = 3
