# expect: unknown_layer.py:4:24: nn.Transformer is not supported (supported layers: Sequential,
import torch
from torch import nn
net = nn.Sequential(nn.Transformer(4, 2), nn.ReLU())
