# expect: no_module.py: no module is bound at top level (write e.g. net =
import torch
from torch import nn
x = 3
y = 'hello'
