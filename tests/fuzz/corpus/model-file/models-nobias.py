import torch
from torch import nn

net = nn.Sequential(nn.Linear(4, 5, bias=False), nn.ReLU(),
                    nn.Linear(5, 3, False), nn.Tanh(),
                    nn.Linear(3, 3, bias=True), nn.ReLU(),
                    nn.Linear(3, 1, bias=False))
