# expect: class_forward_recursion.py:8:16: maximum recursion depth exceeded
from torch import nn
class Deep(nn.Module):
    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(2, 2)
    def go(self, x):
        return self.go(x)
    def forward(self, x):
        return self.go(self.fc(x))
net = Deep()
