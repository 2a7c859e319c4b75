# expect: nested_loops.py:5:9: the model file runs more than 5000000 statements (are loops nested too deep?)
from torch import nn
for i in range(5000):
    for j in range(5000):
        x = nn.ReLU
net = nn.ReLU()
