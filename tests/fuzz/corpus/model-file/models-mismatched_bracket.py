# expect: mismatched_bracket.py:4:36: unmatched ']'
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8)]
