# expect: name_not_defined.py:4:21: name 'block' is not defined
import torch
from torch import nn
net = nn.Sequential(block(), nn.ReLU())
