# expect: double_comma.py:4:37: expected an expression but found ','
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8),, nn.ReLU())
