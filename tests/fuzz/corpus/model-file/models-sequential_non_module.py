# expect: sequential_non_module.py:4:20: Sequential() argument 2 is a str, not a module
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), 'relu')
