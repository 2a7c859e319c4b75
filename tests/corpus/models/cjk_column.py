# expect: cjk_column.py:4:25: nn.Transformer is not supported
from torch import nn
net = nn.Sequential()
net.add_module('层一', nn.Transformer(4, 2))
