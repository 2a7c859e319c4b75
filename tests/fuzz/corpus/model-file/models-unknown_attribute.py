# expect: unknown_attribute.py:5:1: only parameters can be assigned: MODULE.weight =
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
net[0].frozen = net[0].weight
