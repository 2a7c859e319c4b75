# expect: linear_46000.py:3:16: the model's parameters would need 7.9 GiB, above the limit of 4.0 GiB (set PARAMSCOPE_MAX_PARAM_GIB to change it)
from torch import nn
net = nn.Linear(46000, 46000)
