# expect: assign_to_call.py:4:10: cannot assign to this expression (assign to a name, or tie
import torch
from torch import nn
nn.Linear(4, 8) = 3
