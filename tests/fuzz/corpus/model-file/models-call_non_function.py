# expect: call_non_function.py:5:8: 'int' is not callable in a model file
import torch
from torch import nn
x = 3
net = x()
