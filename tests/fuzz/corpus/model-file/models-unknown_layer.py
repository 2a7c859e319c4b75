# expect: unknown_layer.py:4:24: nn.Conv2d is not supported (supported layers: Sequential,
import torch
from torch import nn
net = nn.Sequential(nn.Conv2d(1, 6, kernel_size=5), nn.ReLU())
