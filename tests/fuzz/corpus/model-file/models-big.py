import torch
from torch import nn

net = nn.Sequential(nn.Linear(32, 64), nn.ReLU(),
                    nn.Linear(64, 32), nn.GELU(),
                    nn.Linear(32, 8))
