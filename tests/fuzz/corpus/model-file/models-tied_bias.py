import torch
from torch import nn

# a bias tie across nesting levels, and a weight tie inside a nested block
net = nn.Sequential(nn.Sequential(nn.Linear(3, 4), nn.Sigmoid()),
                    nn.Sequential(nn.Linear(4, 4), nn.Sigmoid(), nn.Linear(4, 4)),
                    nn.Tanh(),
                    nn.Linear(4, 4),
                    nn.Linear(4, 1))
net[3].bias = net[1][0].bias
net[1][2].weight = net[1][0].weight
