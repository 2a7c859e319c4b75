# expect: class_def.py:4:1: 'class' is not supported in model files (supported: import
import torch
from torch import nn
class MLP(nn.Module):
    pass
net = MLP()
