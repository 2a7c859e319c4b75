# expect: class_forward_cat_many.py:8:16: torch.cat of more than four tensors is not supported
import torch
from torch import nn
class Many(nn.Module):
    def __init__(self):
        super().__init__()
    def forward(self, x):
        return torch.cat((x, x, x, x, x), dim=1)
net = nn.Sequential(nn.Linear(2, 2), Many())
