# expect: tie_non_parameter.py:5:24: ReLU has no parameter 'weight'
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
net[2].weight = net[1].weight
