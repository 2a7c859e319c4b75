import torch
from torch import nn

# the model is a bare Linear, not a Sequential: keys are "weight" and "bias"
net = nn.Linear(3, 2)
