# expect: bad_kwarg.py:4:16: Linear() got an unexpected keyword argument 'bais' (it
import torch
from torch import nn
net = nn.Linear(4, 8, bais=True)
