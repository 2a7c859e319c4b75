import torch
from torch import nn

shared = nn.Linear(6, 6)
block = nn.Sequential(shared, nn.ReLU(), shared)
net = nn.Sequential(nn.Linear(2, 6), block, nn.ReLU(),
                    nn.Sequential(shared, nn.Tanh()),
                    nn.Linear(6, 1))
