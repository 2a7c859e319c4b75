# expect: tie_bad_attr.py:5:24: Linear has no attribute 'grad' usable in a model file
import torch
from torch import nn
net = nn.Sequential(nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 8))
net[2].weight = net[0].grad
