# expect: class_forward_stranger.py:9:16: forward() calls a Linear that is not one of the module's submodules
from torch import nn
stranger = nn.Linear(2, 2)
class Uses(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return stranger(self.fc(x))
net = Uses()
