# A classifier for the two-class spiral of the Train tab: 2 inputs, 2 classes.
# Train with the cross-entropy loss and Adam.
import torch
from torch import nn

net = nn.Sequential(nn.Linear(2, 32), nn.Tanh(),
                    nn.Linear(32, 32), nn.Tanh(),
                    nn.Linear(32, 2))
