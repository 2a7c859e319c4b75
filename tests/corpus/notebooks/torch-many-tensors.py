# expect: RuntimeError: not enough memory
import torch
xs = []
for i in range(1000):
    xs.append(torch.ones(10**8))
