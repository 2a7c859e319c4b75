# expect: index_linear.py:5:11: 'Linear' object is not subscriptable
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
x = net[0][0]
