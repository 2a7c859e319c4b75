import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(3))
