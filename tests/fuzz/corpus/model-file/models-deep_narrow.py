import torch
from torch import nn

# six hidden layers of width 3
net = nn.Sequential(nn.Linear(2, 3), nn.ReLU(),
                    nn.Linear(3, 3), nn.ReLU(),
                    nn.Linear(3, 3), nn.ReLU(),
                    nn.Linear(3, 3), nn.ReLU(),
                    nn.Linear(3, 3), nn.ReLU(),
                    nn.Linear(3, 3), nn.ReLU(),
                    nn.Linear(3, 1))
