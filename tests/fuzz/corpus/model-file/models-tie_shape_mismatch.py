# expect: tie_shape_mismatch.py:5:1: cannot tie weight of shape [8, 8] to a parameter of shape
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 8))
net[2].weight = net[0].weight
