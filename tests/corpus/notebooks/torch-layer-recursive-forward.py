# expect: RecursionError
import torch
from torch import nn
class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 1, 1)
        self.body = nn.Sequential(self.conv)
    def forward(self, x):
        return self(self.body(x))
Loop()(torch.rand(1, 1, 2, 2))
print("pwned")
