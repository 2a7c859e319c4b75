# A classic 784-1024-1024-10 MLP (MNIST-sized), used by the training benchmark.
import torch
from torch import nn

net = nn.Sequential(
    nn.Linear(784, 1024), nn.ReLU(),
    nn.Linear(1024, 1024), nn.ReLU(),
    nn.Linear(1024, 10),
)
