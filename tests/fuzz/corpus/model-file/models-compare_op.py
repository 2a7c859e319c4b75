# expect: compare_op.py:4:7: comparisons are not supported in model files
import torch
from torch import nn
x = 1 < 2
net = nn.Linear(4, 8)
