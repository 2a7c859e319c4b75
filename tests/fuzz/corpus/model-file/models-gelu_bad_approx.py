# expect: gelu_bad_approx.py:4:45: GELU(): approximate must be 'none' or 'tanh'
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.GELU(approximate='fast'))
