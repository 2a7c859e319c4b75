# expect: bias_not_bool.py:4:16: Linear(): bias must be True or False, got str
import torch
from torch import nn
net = nn.Linear(4, 8, bias='yes')
