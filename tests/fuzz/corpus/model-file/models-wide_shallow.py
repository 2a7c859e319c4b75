import torch
from torch import nn

net = nn.Sequential(nn.Linear(2, 48), nn.Tanh(), nn.Linear(48, 2))
