# expect: tie_lazy.py:5:1: cannot tie Linear.weight: a lazy parameter has no shape
import torch
from torch import nn
net = nn.Sequential(nn.LazyLinear(8), nn.ReLU(), nn.Linear(8, 8))
net[2].weight = net[0].weight
