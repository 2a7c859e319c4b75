# expect: unterminated_triple.py:5:1: triple-quoted strings are not supported
import torch
from torch import nn
net = nn.Linear(4, 8)
"""docstring
