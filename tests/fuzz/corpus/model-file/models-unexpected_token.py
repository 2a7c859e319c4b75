# expect: unexpected_token.py:4:7: expected an expression but found '='
import torch
from torch import nn
net = = nn.Linear(4, 8)
