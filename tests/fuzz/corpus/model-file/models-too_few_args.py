# expect: too_few_args.py:4:30: Linear() missing required argument 'out_features'
import torch
from torch import nn
net = nn.Sequential(nn.Linear(4), nn.ReLU())
