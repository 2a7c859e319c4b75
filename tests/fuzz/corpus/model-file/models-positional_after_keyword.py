# expect: positional_after_keyword.py:4:32: positional argument follows keyword argument
import torch
from torch import nn
net = nn.Linear(in_features=4, 8)
