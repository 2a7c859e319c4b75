# expect: star_args.py:5:21: argument unpacking (*args, **kwargs) is not supported
import torch
from torch import nn
layers = [nn.Linear(4, 8), nn.ReLU()]
net = nn.Sequential(*layers)
