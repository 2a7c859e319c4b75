# expect: unindent_mismatch.py:6:5: unindent does not match any outer indentation level
import torch
from torch import nn
def block():
        x = nn.Linear(4, 8)
    return x
net = block()
