# expect: class_forward_self.py:8:16: forward() calls a Loop that is not one of the module's submodules
from torch import nn
class Loop(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return self(self.fc(x))
net = Loop()
