# expect: keyword_and_positional.py:4:16: Linear() got multiple values for argument 'in_features'
import torch
from torch import nn
net = nn.Linear(4, 8, in_features=4)
