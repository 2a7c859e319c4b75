# expect: cjk_column.py:4:25: nn.Conv2d is not supported
from torch import nn
net = nn.Sequential()
net.add_module('层一', nn.Conv2d(1, 1, 1))
