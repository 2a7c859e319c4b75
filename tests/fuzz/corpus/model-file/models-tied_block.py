import torch
from torch import nn

def unit():
    return nn.Sequential(nn.Linear(3, 3), nn.Tanh())

inner = unit()
net = nn.Sequential(nn.Linear(2, 3), inner, unit(), inner, nn.Linear(3, 1))
