# expect: shape_mismatch_nested.py:7:1: cannot tie weight of shape [8, 4] to a parameter of shape
import torch
from torch import nn
def block():
    return nn.Sequential(nn.Linear(4, 8), nn.ReLU())
net = nn.Sequential(block(), block())
net[1][0].weight = net[0][0].bias
