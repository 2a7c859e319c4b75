import torch
from torch import nn

# no `net`: the model is the last module bound at top level
first = nn.Linear(2, 4)
model = nn.Sequential(first, nn.ReLU(), nn.Linear(4, 1))
