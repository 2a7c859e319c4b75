# expect: deep_index.py:5:10: 'Linear' object is not subscriptable
import torch
from torch import nn
net = nn.Sequential(nn.Sequential(nn.Linear(4, 8)), nn.ReLU())
net[0][0][0].weight = net[0][0].weight
