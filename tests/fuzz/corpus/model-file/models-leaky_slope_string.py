# expect: leaky_slope_string.py:4:50: LeakyReLU(): negative_slope must be a number, got str
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.LeakyReLU(negative_slope='x'))
