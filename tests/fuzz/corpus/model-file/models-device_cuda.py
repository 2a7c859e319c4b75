# expect: device_cuda.py:4:16: Linear(): only device=None or 'cpu' is supported
import torch
from torch import nn
net = nn.Linear(4, 8, device='cuda')
