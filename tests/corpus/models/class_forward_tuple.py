# expect: class_forward_tuple.py: Two.forward() returns a tuple: ParamScope records a forward that returns one tensor
from torch import nn
class Two(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def forward(self, x):
        return self.fc(x), x
net = Two()
