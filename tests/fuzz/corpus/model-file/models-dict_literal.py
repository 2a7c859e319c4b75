# expect: dict_literal.py:4:7: expected an expression but found '{'
import torch
from torch import nn
cfg = {'n': 4}
net = nn.Linear(4, 8)
