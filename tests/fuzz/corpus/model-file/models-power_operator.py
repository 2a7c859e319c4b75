# expect: power_operator.py:4:22: integer overflow in '**'
import torch
from torch import nn
net = nn.Linear(4, 10**30)
