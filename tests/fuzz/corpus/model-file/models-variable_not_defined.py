# expect: variable_not_defined.py:4:34: name 'hidden' is not defined
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, hidden), nn.ReLU())
