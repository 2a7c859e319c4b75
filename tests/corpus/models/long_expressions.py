# expect: long_expressions.py:9:23: the model file evaluates more than 20000000 expressions (are loops nested too deep?)
# Long expressions in nested loops: bounded by the number of expressions
# evaluated, not only by statements (each statement here is 30 nodes).
import torch
from torch import nn
x = 0
for i in range(3000):
    for j in range(3000):
        x = 1 + 2 * 3 - 4 + 5 * 6 - 7 + 8 * 9 - 10 + 11 * 12 - 13 + 14 * 15 - 16
net = nn.Sequential(nn.Linear(2, 2))
