# expect: index_string.py:5:4: a Sequential is indexed by an integer, got str
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
net['0'].weight = net[0].weight
