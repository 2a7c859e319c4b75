# expect: RuntimeError: not enough memory: Conv2d needs
import torch
from torch import nn
conv = nn.Conv2d(1, 1, kernel_size=63, padding=31, stride=2)   # im2col: 8.9 GB of columns
y = conv(torch.zeros(1, 1, 1500, 1500))
print("pwned", y.shape)
