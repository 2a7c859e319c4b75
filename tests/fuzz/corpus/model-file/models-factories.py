import torch
from torch import nn

def layer():
    return nn.Sequential(nn.Linear(3, 3), nn.Tanh())

def stage():
    s = nn.Sequential()
    for i in range(2):
        s.add_module(f'layer {i}', layer())
    return s

def trunk():
    t = nn.Sequential()
    for j in range(1, 3):
        t.add_module(f'stage {j} of 2', stage())
        t.add_module(f'act {j}', nn.ReLU())
    return t

net = nn.Sequential(nn.Linear(2, 3), trunk(), nn.Linear(3, 1))
