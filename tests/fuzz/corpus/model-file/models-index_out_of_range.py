# expect: index_out_of_range.py:5:4: index 5 is out of range for a Sequential of 3 modules
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
net[5].weight = net[0].weight
