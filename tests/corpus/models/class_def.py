# expect: class_def.py:10:9: a branch on a tensor's values is not supported in a forward() that ParamScope records
import torch
from torch import nn
class MLP(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)

    def forward(self, x):
        if x:
            return self.fc(x)
        return x
net = MLP()
