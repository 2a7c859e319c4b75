# expect: RuntimeError: Trying to backward through the graph a second time
import torch
from torch import nn
net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.BatchNorm2d(2), nn.MaxPool2d(2))
y = net(torch.rand(2, 1, 6, 6)).sum()
y.backward()
y.backward()
print("pwned")
