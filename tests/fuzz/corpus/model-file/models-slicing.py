# expect: slicing.py:5:13: slices and multi-dimensional indexing are not supported in
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(), nn.Linear(8, 1))
head = net[0:2]
