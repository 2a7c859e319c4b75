# expect: keyword_repeated.py:4:34: keyword argument repeated: bias
import torch
from torch import nn
net = nn.Linear(4, 8, bias=True, bias=False)
