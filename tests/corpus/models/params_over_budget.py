# expect: params_over_budget.py:5:38: the model's parameters would need 4.5 GiB, above the limit of 4.0 GiB
from torch import nn
net = nn.Sequential()
for i in range(3):
    net.add_module(f'l{i}', nn.Linear(40000, 10000))
