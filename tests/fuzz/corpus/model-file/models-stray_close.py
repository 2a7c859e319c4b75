# expect: stray_close.py:4:22: unmatched ')'
import torch
from torch import nn
net = nn.Linear(4, 8))
