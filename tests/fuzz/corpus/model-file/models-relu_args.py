# expect: relu_args.py:4:45: ReLU() takes at most 1 argument (2 given)
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU(3, 4))
