import torch
from torch import nn

net = nn.Sequential(nn.Linear(5, 6), nn.LeakyReLU(negative_slope=0.2),
                    nn.Linear(6, 6), nn.Sigmoid(),
                    nn.Linear(6, 6), nn.Tanh(),
                    nn.Linear(6, 6), nn.GELU(),
                    nn.Identity(), nn.Flatten(),
                    nn.Linear(6, 2))
