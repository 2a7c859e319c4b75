import torch
from torch import nn

# Flatten first (a no-op on 2-D input), default and positional LeakyReLU slopes
net = nn.Sequential(nn.Flatten(), nn.Linear(3, 5), nn.LeakyReLU(),
                    nn.Linear(5, 5), nn.LeakyReLU(0.3),
                    nn.Identity(),
                    nn.Linear(5, 4), nn.GELU(), nn.Identity(),
                    nn.Linear(4, 2), nn.Sigmoid())
