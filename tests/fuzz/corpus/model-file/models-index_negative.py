# expect: index_negative.py:5:4: index -4 is out of range for a Sequential of 3 modules
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
net[-4].weight = net[0].weight
