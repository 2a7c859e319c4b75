import torch
from torch import nn

net = nn.Sequential(nn.Linear(in_features=4, out_features=3, bias=False),
                    nn.LeakyReLU(negative_slope=0.05),
                    nn.Linear(3, out_features=3),
                    nn.Linear(in_features=3, out_features=2, bias=True),
                    nn.LazyLinear(out_features=2, bias=False))
