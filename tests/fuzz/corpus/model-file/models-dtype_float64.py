# expect: dtype_float64.py:4:35: torch.float64 is not supported in model files
import torch
from torch import nn
net = nn.Linear(4, 8, dtype=torch.float64)
