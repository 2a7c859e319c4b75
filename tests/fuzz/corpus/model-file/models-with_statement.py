# expect: with_statement.py:4:1: 'with' is not supported in model files (supported: import
import torch
from torch import nn
with torch.no_grad():
    net = nn.Linear(4, 8)
