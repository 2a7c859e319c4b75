# expect: def_no_return.py: no module is bound at top level (write e.g. net =
import torch
from torch import nn
def block():
    x = nn.Linear(4, 8)
net = block()
