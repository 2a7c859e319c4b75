# expect: too_many_args.py:4:16: Linear() takes at most 5 arguments (6 given)
import torch
from torch import nn
net = nn.Linear(4, 8, True, None, None, 7)
