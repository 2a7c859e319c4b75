# expect: return_outside_def.py:4:1: 'return' outside a function
import torch
from torch import nn
return nn.Linear(4, 8)
