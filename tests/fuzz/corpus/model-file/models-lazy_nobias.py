import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(5, bias=False), nn.Tanh(), nn.Linear(5, 1))
