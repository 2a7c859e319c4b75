# The lesson's exercise: an MLP with a shared layer.  Train it (Train tab)
# and watch the two uses of `shared` move as one parameter, their gradients
# summed, next to the layers around them.
import torch
from torch import nn

shared = nn.Linear(16, 16)
net = nn.Sequential(nn.Linear(4, 16), nn.ReLU(),
                    shared, nn.ReLU(),
                    shared, nn.ReLU(),
                    nn.Linear(16, 2))
