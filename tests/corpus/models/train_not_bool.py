# expect: train_not_bool.py:5:10: training mode is expected to be boolean
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4, 8), nn.ReLU())
net.train('yes')
