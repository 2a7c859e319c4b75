# expect: tabs_inconsistent.py:5:2: inconsistent use of tabs and spaces in indentation
from torch import nn
def block():
        x = nn.Linear(4, 8)
	return x
net = block()
