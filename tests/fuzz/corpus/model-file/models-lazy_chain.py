import torch
from torch import nn

net = nn.Sequential(nn.LazyLinear(6), nn.LazyLinear(4), nn.ReLU(),
                    nn.LazyLinear(2, bias=False))
