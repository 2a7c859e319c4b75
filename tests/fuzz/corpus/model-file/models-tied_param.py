import torch
from torch import nn

# same-shape layers, distinct modules; only the weight is tied
net = nn.Sequential(nn.Linear(3, 5), nn.ReLU(),
                    nn.Linear(5, 5), nn.ReLU(),
                    nn.Linear(5, 5), nn.ReLU(),
                    nn.Linear(5, 2))
net[4].weight = net[2].weight
