# expect: too_many_modules.py:6:22: the model has more than 200000 modules
import torch
from torch import nn
for i in range(1000):
    for j in range(1000):
        x = nn.Linear(2, 2)
net = x
